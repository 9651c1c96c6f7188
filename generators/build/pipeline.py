"""The build at scale: every output, policy by policy, in worker processes, straight to disk.

`build_tree(data_dir, out_dir)` writes exactly the files of
`render_outputs(load_library(data_dir))` (tested byte for byte), without ever holding the
library or all its outputs in one process:

1. **Per policy**, in one of `jobs` worker processes: load and validate the policy's folder,
   render its own files (`render_policy_outputs`: API, diffs, pages, FHIR) and write them
   into a staging folder at once. What goes back to the main process is small: where the
   files are, and the policy's `PolicyParts` (its index row, code listings, CSV rows, feed
   entry), already serialised.
2. **Per library**: the files that combine every policy are joined from the parts, in policy
   order, in two halves at once: the files made from the index rows (`index.json`, home and
   list pages: `render_listing_outputs`) in a worker, the downloads (code index, CSV, feed:
   `iter_downloads`, one file at a time) in the main process.
3. The staging folder replaces `out_dir` atomically. If any policy has a problem, every
   problem of every policy is raised as one `PolicyDataError` and `out_dir` is left as it was.

**Incremental builds.** Given a cache folder, the build records what it wrote (`BuildState`:
each policy's content-hash key, the size and modification time of each file it wrote, and the
small parts of the library files: index row, feed entries, its share of the CSV and of each
code-index shard), and keeps each policy's serialised downloads part under its key
(`parts/`). The next build of the same data folder into the same `out_dir` then renders only
the policies whose key changed (`generators.build.cache`: the key hashes the folder's bytes, the
code and the build settings, so a stale entry is never looked up), or whose files in
`out_dir` are not as the build left them (size and modification time), and updates a copy of
`out_dir` made of hard links: all changed policies are validated before anything is written;
of the library files only those a changed part feeds are joined again (the CSV by splicing
the changed policies' rows into the last one, a shard from the parts of the policies listing
codes in it, the pages and `index.json` only when an index row changed); a file is replaced
(by renaming, so the linked file of `out_dir` is never written) only when its bytes change;
files no longer produced, and files added by hand, are not linked. The copy then replaces
`out_dir` in one swap (`write.replace_dir_atomically`): readers never see a mix, and a
failure or a kill publishes nothing. An `internal` folder (the pages MkDocs reads) is
updated in place instead, without the copy. The result is the tree a clean build makes (tested,
and checked by `benchmarks/run.py`). When many policies changed, or anything the update needs
is missing, a clean build is made instead.
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
import multiprocessing
import multiprocessing.pool
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from generators.domain import icd10
from generators import urls
from generators.build.assemble import OutputClashError, PolicyParts, SiteContext, listing_from_plain, listing_to_plain, newest_date, is_site_source, output_mtime_ns, render_listing_files, render_listing_outputs, render_policy_outputs
from generators.build.cache import BuildCache
from generators.errors import Diagnostic, PolicyDataError
from generators.model import policy_sort_key
from generators.outputs.downloads import CSV_HEADER, CodeShardPart, DownloadsPart, ShardKey, assemble_feed, assemble_shard, code_index_file, iter_downloads
from generators.outputs.json_api import bytes_hash
from generators.outputs.look import SiteLook
from generators.outputs.site import PolicyListing
from generators.load.validate import cyclic_gc_paused, load_policy, policy_folders
from generators.build.write import Content, Stamp, fault_point, link_files_into, remove_files, replace_dir_atomically, replace_file, write_file_atomically, write_files_stamped

#: Bump when the layout of a state file or of a stored part changes.
STATE_FORMAT = 3
#: Above this share of changed policies an incremental build makes a clean build instead.
CLEAN_BUILD_SHARE = 0.25


@dataclass(frozen=True)
class PolicyRecord:
    """What a build remembers of one policy: its key, the files it wrote, its small parts.

    Attributes:
        key: Its cache key (`generators.build.cache.BuildCache.key`).
        stamps: Each file it wrote, with the file's stamp.
        listing: Its row in `index.json` and on the library pages.
        feed_entries: Its entries of the Atom feed (sort key, XML).
        feed_updated: Its newest feed timestamp.
        csv_length: The length of its rows in `codes.csv`.
        shard_codes: The codes it lists in each code-index shard.
    """

    key: str
    stamps: dict[str, Stamp]
    listing: PolicyListing
    feed_entries: tuple[tuple[tuple[int, ...], bytes], ...]
    feed_updated: str
    csv_length: int
    shard_codes: dict[ShardKey, tuple[str, ...]]

    @classmethod
    def of(cls, key: str, stamps: dict[str, Stamp], parts: PolicyParts) -> PolicyRecord:
        """The record of a policy rendered now."""
        downloads = parts.downloads
        return cls(
            key=key,
            stamps=stamps,
            listing=parts.listing,
            feed_entries=downloads.feed_entries,
            feed_updated=downloads.feed_updated,
            csv_length=len(downloads.csv_rows),
            shard_codes=_shard_codes(downloads),
        )

    def to_plain(self) -> tuple[object, ...]:
        return (self.key, self.stamps, listing_to_plain(self.listing), self.feed_entries, self.feed_updated, self.csv_length, self.shard_codes)

    @classmethod
    def from_plain(cls, plain: tuple[Any, ...]) -> PolicyRecord:
        key, stamps, listing, feed_entries, feed_updated, csv_length, shard_codes = plain
        return cls(key=key, stamps=stamps, listing=listing_from_plain(listing), feed_entries=feed_entries, feed_updated=feed_updated, csv_length=csv_length, shard_codes=shard_codes)


def _shard_codes(downloads: DownloadsPart) -> dict[ShardKey, tuple[str, ...]]:
    """The codes a policy's downloads part lists in each code-index shard."""
    return {shard: tuple(sorted({code for code, *_ in piece.codes})) for shard, piece in downloads.shards.items()}


@dataclass(frozen=True)
class PolicyResult:
    """What a worker returns for one policy folder: its problems, or its stamps and parts."""

    name: str
    diagnostics: list[Diagnostic]
    key: str = ""
    stamps: dict[str, Stamp] = field(default_factory=dict)
    parts: PolicyParts | None = None


@dataclass
class BuildState:
    """What the last build wrote into `out_dir`, kept in the cache folder between builds.

    Attributes:
        out_dir: The output folder it describes (resolved).
        settings: The key prefix: code version and build settings. Another prefix means
            another build: the state is not used.
        policies: Folder name -> record, in policy order.
        library_files: Path -> (SHA-256 of the bytes, stamp) of each other file.
    """

    out_dir: str
    settings: str
    policies: dict[str, PolicyRecord]
    library_files: dict[str, tuple[bytes, Stamp]]

    def dumps(self) -> bytes:
        """The state as `marshal` bytes: plain values only, so reading it runs no code."""
        policies = {name: record.to_plain() for name, record in self.policies.items()}
        return marshal.dumps({"format": STATE_FORMAT, "out_dir": self.out_dir, "settings": self.settings, "policies": policies, "library_files": self.library_files})

    @classmethod
    def loads(cls, raw: bytes) -> BuildState | None:
        """The state in `raw`, or None when it is unreadable or of another format."""
        try:
            data = marshal.loads(raw)
            if data["format"] != STATE_FORMAT:
                return None
            policies = {name: PolicyRecord.from_plain(plain) for name, plain in data["policies"].items()}
            return cls(out_dir=data["out_dir"], settings=data["settings"], policies=policies, library_files=data["library_files"])
        except (EOFError, ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class BuildReport:
    """What a build did.

    Attributes:
        files: Files in the output folder now.
        rendered: Policies loaded, validated and rendered.
        reused: Policies whose files were kept as they were (incremental builds).
        written: Files written.
        removed: Files removed (incremental builds).
        incremental: Whether `out_dir` was updated in place rather than replaced.
        paths: Every file of the output folder, sorted.
        newest: The newest revision or change-summary date of the data (`build.newest_date`).
        drafts: How many draft revisions the output shows (a preview; 0 in a published build).
    """

    files: int
    rendered: int
    reused: int
    written: int
    removed: int
    incremental: bool
    paths: tuple[str, ...] = field(default=(), repr=False)
    newest: date | None = None
    drafts: int = 0


#: Which outputs to keep, by path (e.g. only the data files); None keeps them all.
Selection = Callable[[str], bool] | None


def default_jobs() -> int:
    """Worker processes for a build: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def build_tree(
    data_dir: Path,
    out_dir: Path,
    *,
    hand_written: Iterable[str] = (),
    extra_files: Mapping[str, bytes] | None = None,
    select: Selection = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    on_policy: Callable[[int, int], None] | None = None,
    as_of: date,
    drafts: bool = False,
    internal: bool = False,
    look: SiteLook | None = None,
) -> BuildReport:
    """Write every output of the policy data under `data_dir` into `out_dir`, as of one date.

    Args:
        data_dir: The folder of policy folders.
        out_dir: The output folder; replaced atomically, or updated in place by an
            incremental build.
        hand_written: Paths of the hand-written files of the docs folder, which pages link to.
        extra_files: Files to add as they are (e.g. the hand-written pages themselves).
        select: Keep only the outputs whose path it accepts (module-level function: its
            name is part of the build settings).
        jobs: Worker processes (default: one per core); 1 renders in this process.
        cache_dir: Where the build remembers what it wrote, for the next build; None for a
            clean build that remembers nothing.
        on_policy: Called with (policies done, policies in all) as policies are rendered.
        as_of: The date the outputs are made for (which revision is in effect, which are
            upcoming): part of the build settings, like the data.
        drafts: Publish draft revisions too, bannered (a preview); never for a real site.
        internal: `out_dir` is a folder no reader sees while it changes (the pages MkDocs
            reads, kept in the cache): an incremental build updates it in place, file by
            file, without staging a copy (cheaper at scale; a kill leaves files the next
            build finds not as it left them, and renders again).
        look: The plan's look (`generators.outputs.look`, from `mkdocs.yml`); None: the neutral defaults.

    Raises:
        PolicyDataError: every problem of every policy; `out_dir` is left as it was.
    """
    folders = policy_folders(data_dir)
    if not folders:
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message="found no policies; expected at least one policy folder", code="missing-file")])
    site = SiteContext(policy_numbers=frozenset(folder.name for folder in folders), as_of=as_of, hand_written=frozenset(hand_written), drafts=drafts, look=look or SiteLook())
    icd10.is_code("A00")  # loads the code set once, before the workers fork: they share it
    plan = _Plan(data_dir=data_dir, out_dir=out_dir.resolve(), site=site, extra_files=dict(extra_files or {}), select=select, on_policy=on_policy, internal=internal)
    jobs = jobs or default_jobs()
    if cache_dir is None:
        return _clean_build(plan, folders, jobs, None)
    settings = {
        "policy_numbers": sorted(site.policy_numbers),
        "hand_written": sorted(site.hand_written),
        "select": _selection_name(select),
        "as_of": as_of.isoformat(),
        "drafts": drafts,
        "site_url": urls.site_url(),  # the schemas' `$id` and the FHIR canonical URLs are under it
        "look": site.look.model_dump(mode="json"),  # the standalone pages' header and footer
    }
    cache = BuildCache(config=settings)
    keys = _keys(cache, folders)
    # One state and one part store per output folder: a clean build of one folder clears its
    # own store, never another folder's (e.g. `build --cache` and `export --cache` side by side).
    folder_id = hashlib.sha256(str(plan.out_dir).encode()).hexdigest()[:32]
    store = _PartStore(cache_dir / "parts" / folder_id)
    state_file = cache_dir / "states" / f"{folder_id}.marshal"
    state = _read_state(state_file, cache, plan.out_dir)
    if state is not None and [folder.name for folder in folders] == sorted(state.policies):
        changed = [folder for folder in folders if not _is_unchanged(state.policies[folder.name], keys[folder.name], plan.out_dir)]
        if len(changed) <= CLEAN_BUILD_SHARE * len(folders):
            report = _update_in_place(plan, state, folders, changed, keys, store, state_file)
            if report is not None:
                return report
    return _clean_build(plan, folders, jobs, _Caching(cache=cache, keys=keys, store=store, state_file=state_file))


@dataclass(frozen=True)
class _Plan:
    """What every step of one build needs to know."""

    data_dir: Path
    out_dir: Path
    site: SiteContext
    extra_files: dict[str, bytes]
    select: Selection
    on_policy: Callable[[int, int], None] | None
    internal: bool = False

    def mtime_of(self, path: str) -> int | None:
        """The modification time of a file written (`generators.build.assemble.output_mtime_ns`).

        None (the time of writing) for a page source that MkDocs converts: its dirty builds
        convert again only the sources newer than their pages.
        """
        return None if is_site_source(path) else output_mtime_ns(self.site.as_of)

    def keep(self, files: Mapping[str, bytes | str]) -> dict[str, bytes]:
        """The selected files of `files`, as bytes."""
        return {path: content.encode("utf-8") if isinstance(content, str) else content for path, content in files.items() if self.select is None or self.select(path)}


@dataclass(frozen=True)
class _Caching:
    """What a build that is remembered needs: keys, the part store, the state file."""

    cache: BuildCache
    keys: dict[str, str]
    store: _PartStore
    state_file: Path


def _selection_name(select: Selection) -> str:
    return "all" if select is None else f"{select.__module__}.{select.__qualname__}"


@dataclass(frozen=True)
class _PartStore:
    """Each policy's serialised downloads part under its key: written once, never changed."""

    directory: Path

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.marshal"

    def put(self, key: str, part: DownloadsPart) -> None:
        payload = marshal.dumps(part.as_marshal_data())
        write_file_atomically(self.path(key), marshal.dumps((STATE_FORMAT, _seal(key, payload), payload)))

    def get(self, key: str) -> DownloadsPart | None:
        """The part stored under `key`, or None (missing, unreadable, of another format, or not sealed with `key`).

        Each part carries a digest of its key and bytes: a part edited by hand, damaged, or
        copied under another key is never used (the build then makes a clean build).
        """
        try:
            stored_format, seal, payload = marshal.loads(self.path(key).read_bytes())
            if stored_format != STATE_FORMAT or seal != _seal(key, payload):
                return None
            return DownloadsPart.from_marshal_data(marshal.loads(payload))
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def discard(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def _seal(key: str, payload: bytes) -> bytes:
    return hashlib.sha256(key.encode() + b"\0" + payload).digest()


# --------------------------------------------------------------------------- one policy


def _render_folder(folder: Path, plan: _Plan) -> tuple[list[Diagnostic], PolicyParts | None, dict[str, bytes]]:
    """Load, validate and render one policy folder: (its problems, its parts, its selected files).

    Drafts are left out here, once for every output, unless the build is a preview; a policy
    with nothing but drafts then publishes nothing: (no problems, no parts, no files).
    """
    with cyclic_gc_paused():
        policy, diagnostics = load_policy(folder, plan.data_dir.parent)
        if policy is None:
            return diagnostics, None, {}
        published = policy if plan.site.drafts else policy.without_drafts()
        if published is None:
            return [], None, {}
        outputs = render_policy_outputs(published, plan.site)
    return [], outputs.parts, plan.keep(outputs.files)


# The worker's settings, set once per worker process by `_start_worker`.
_worker: dict[str, Any] = {}


def _start_worker(plan: _Plan, staging: Path, caching: _Caching | None) -> None:
    _worker.update(plan=plan, staging=staging, caching=caching)


def _start_pool_worker(plan: _Plan, staging: Path, caching: _Caching | None) -> None:
    """A worker process ignores Ctrl-C: the main process gets it and ends the pool (`Pool.terminate`).

    A worker interrupted in the middle of a task could leave the pool's result queue locked,
    and the main process waiting for it forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _start_worker(plan, staging, caching)


def _render_into_staging(folder: Path) -> PolicyResult:
    """The worker's task: render one policy, write its files into the staging folder (and its part into the store)."""
    plan: _Plan = _worker["plan"]
    caching: _Caching | None = _worker["caching"]
    diagnostics, parts, files = _render_folder(folder, plan)
    if parts is None:
        return PolicyResult(name=folder.name, diagnostics=diagnostics)
    key = caching.keys[folder.name] if caching is not None else ""
    if caching is not None:
        caching.store.put(key, parts.downloads)
    return PolicyResult(name=folder.name, diagnostics=[], key=key, stamps=write_files_stamped(_worker["staging"], files, plan.mtime_of), parts=parts)


class _Workers:
    """The worker processes of one build (or this process, for one job), while they are open."""

    def __init__(self, pool: multiprocessing.pool.Pool | None) -> None:
        self._pool = pool

    def render(self, folders: list[Path]) -> Iterator[PolicyResult]:
        """Each folder's result, in folder order."""
        if self._pool is None:
            return map(_render_into_staging, folders)
        return self._pool.imap(_render_into_staging, folders, chunksize=4)

    def start_listing_files(self, listings: list[PolicyListing]) -> Callable[[], dict[str, tuple[bytes, Stamp]]]:
        """Start writing the listing files (`_write_listing_files`); call the result to wait for them."""
        if self._pool is None:
            return lambda: _write_listing_files(listings)
        pending = self._pool.apply_async(_write_listing_files, (listings,))
        return pending.get


@contextmanager
def _workers(plan: _Plan, staging: Path, caching: _Caching | None, jobs: int, tasks: int) -> Iterator[_Workers]:
    """`jobs` worker processes writing into `staging` (this process alone for one job or a few tasks)."""
    if jobs <= 1 or tasks < 2 * jobs:
        _start_worker(plan, staging, caching)
        yield _Workers(None)
        return
    method = worker_start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # The workers get the plan pickled: without the progress callback, which only this
        # process calls (and which may be a closure). The server imports the package once.
        plan = replace(plan, on_policy=None)
        context.set_forkserver_preload([__name__])
    with context.Pool(jobs, initializer=_start_pool_worker, initargs=(plan, staging, caching)) as pool:
        yield _Workers(pool)


def worker_start_method() -> str:
    """How this build starts its worker processes: `fork`, or `forkserver` while other threads run.

    `fork` starts workers at once; they share what this process loaded (the code set) and see
    every revision check registered in it (`validate.register_revision_check`). But forking a
    process while other threads run (`mkdocs serve`'s server and file watcher) copies any
    lock one of them holds at that moment, and a child that takes it waits forever. Then the
    workers are forked from a server process that runs no other thread and imported the
    package once: they see the revision checks registered on import only.
    """
    return "fork" if threading.active_count() == 1 else "forkserver"


def _write_listing_files(listings: list[PolicyListing]) -> dict[str, tuple[bytes, Stamp]]:
    """A worker's task: render and write the listing half of the library files; each one's digest and stamp."""
    plan: _Plan = _worker["plan"]
    files = plan.keep(render_listing_outputs(listings, plan.site))
    stamps = write_files_stamped(_worker["staging"], files, plan.mtime_of)
    return {path: (_digest(content), stamps[path]) for path, content in files.items()}


# --------------------------------------------------------------------------- clean build


def _clean_build(plan: _Plan, folders: list[Path], jobs: int, caching: _Caching | None) -> BuildReport:
    """Render every policy into a staging folder, add the library files, swap it in."""
    records: dict[str, PolicyRecord] = {}
    library_state: dict[str, tuple[bytes, Stamp]] = {}

    def fill(staging: Path) -> None:
        problems: list[Diagnostic] = []
        parts: list[PolicyParts] = []
        with _workers(plan, staging, caching, jobs, len(folders)) as workers:
            for done, result in enumerate(workers.render(folders), start=1):
                problems += result.diagnostics
                if result.parts is not None:
                    parts.append(result.parts)
                    records[result.name] = PolicyRecord.of(result.key, result.stamps, result.parts)
                if plan.on_policy is not None:
                    plan.on_policy(done, len(folders))
            if problems:
                raise PolicyDataError(problems)
            # The two halves of the library files at once: the listing files in a worker,
            # the downloads (most of the bytes: shards, CSV) here.
            parts.sort(key=lambda part: policy_sort_key(part.number))
            listing_files = workers.start_listing_files([part.listing for part in parts])
            # One file at a time, from its pieces: the downloads joined all at once doubled this
            # process's memory (1.4 GB at 5,000 policies, issue 19).
            downloads = ((path, chunks) for path, chunks in iter_downloads([part.downloads for part in parts]) if plan.select is None or plan.select(path))
            for path, content in itertools.chain(downloads, plan.extra_files.items()):
                if path in library_state:
                    raise OutputClashError(f"more than one stage produces {path}")
                library_state[path] = (_digest(content), write_files_stamped(staging, {path: content}, plan.mtime_of)[path])
            listed = listing_files()
        # Checked once all is written: a clash leaves only the staging folder, which is discarded.
        _refuse_clashes(records.values(), library_state.keys() | listed.keys(), listed.keys() & library_state.keys())
        library_state.update(listed)

    if caching is not None:
        caching.state_file.unlink(missing_ok=True)  # it describes the folder about to be replaced
        shutil.rmtree(caching.store.directory, ignore_errors=True)  # parts of older builds
    replace_dir_atomically(plan.out_dir, fill)
    ordered = dict(sorted(records.items(), key=lambda item: policy_sort_key(item[0])))
    paths = _sorted_paths(ordered.values(), library_state)
    if caching is not None:
        _save_state(caching.state_file, BuildState(out_dir=str(plan.out_dir), settings=caching.cache.prefix, policies=ordered, library_files=dict(sorted(library_state.items()))))
    return BuildReport(files=len(paths), rendered=len(records), reused=0, written=len(paths), removed=0, incremental=False, paths=paths, newest=newest_date(record.listing for record in ordered.values()), drafts=_drafts(ordered.values()))


def _refuse_clashes(records: Iterable[PolicyRecord], library_paths: Iterable[str], clash: Iterable[str] = ()) -> None:
    """Two policies, or a policy and the library, must never write the same path (nor the paths in `clash`)."""
    seen: set[str] = set()
    clashing = set(clash)
    for record in records:
        clashing.update(seen.intersection(record.stamps))
        seen.update(record.stamps)
    clashing.update(seen.intersection(library_paths))
    if clashing:
        raise OutputClashError(f"more than one stage produces {', '.join(sorted(clashing))}")


def _drafts(records: Iterable[PolicyRecord]) -> int:
    """How many draft revisions the policies of a build show."""
    return sum(len(record.listing.drafts) for record in records)


def _digest(content: Content) -> bytes:
    if isinstance(content, bytes):
        return hashlib.sha256(content).digest()
    digest = hashlib.sha256()
    for chunk in content:
        digest.update(chunk)
    return digest.digest()


def _sorted_paths(records: Iterable[PolicyRecord], library: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({path for record in records for path in record.stamps}.union(library)))


# --------------------------------------------------------------------------- incremental build


def _keys(cache: BuildCache, folders: list[Path]) -> dict[str, str]:
    """Each folder's key (in one thread: reading and hashing 183 MB in threads was slower)."""
    return {folder.name: cache.key(folder) for folder in folders}


def _read_state(state_file: Path, cache: BuildCache, out_dir: Path) -> BuildState | None:
    """The state of the last build into `out_dir` under the same code and settings, if any."""
    try:
        raw = state_file.read_bytes()
    except OSError:
        return None
    state = BuildState.loads(raw)
    if state is None or state.settings != cache.prefix or state.out_dir != str(out_dir) or not out_dir.is_dir():
        return None
    return state


def _save_state(state_file: Path, state: BuildState) -> None:
    write_file_atomically(state_file, state.dumps())


def _is_as_left(out_dir: str, path: str, expected: Stamp) -> bool:
    # Only reads metadata, so the recorded path needs no checking here (writes check it).
    try:
        status = os.stat(os.path.join(out_dir, path))
    except OSError:
        return False
    return (status.st_size, status.st_mtime_ns) == expected


def _holds(out_dir: Path, path: str, expected: Stamp, content: bytes) -> bool:
    """True when the file at `path` is as the build left it and holds exactly `content`."""
    if expected[0] != len(content) or not _is_as_left(str(out_dir), path, expected):
        return False
    try:
        return (out_dir / path).read_bytes() == content
    except OSError:
        return False


def _is_unchanged(record: PolicyRecord, key: str, out_dir: Path) -> bool:
    """True when a policy's key is the recorded one and its files are as the build left them."""
    where = str(out_dir)
    return record.key == key and all(_is_as_left(where, path, expected) for path, expected in record.stamps.items())


def _update_in_place(plan: _Plan, state: BuildState, folders: list[Path], changed: list[Path], keys: dict[str, str], store: _PartStore, state_file: Path) -> BuildReport | None:
    """Render the changed policies, check them all, then publish the updated tree in one swap.

    Returns None (nothing written) when something the update needs is missing, e.g. a stored
    part: the caller then makes a clean build.
    """
    fresh: dict[str, tuple[PolicyParts, dict[str, bytes]]] = {}
    problems: list[Diagnostic] = []
    for done, folder in enumerate(changed, start=1):
        diagnostics, parts, files = _render_folder(folder, plan)
        problems += diagnostics
        if parts is not None:
            fresh[folder.name] = (parts, files)
        elif not diagnostics:
            return None  # a policy left with drafts only publishes nothing: a clean build drops it
        if plan.on_policy is not None:
            plan.on_policy(done, len(changed))
    if problems:
        raise PolicyDataError(problems)  # nothing was written
    library = _changed_library_files(plan, state, fresh, keys, store)
    if library is None:
        return None
    records = dict(state.policies)
    for name, (parts, files) in fresh.items():
        records[name] = PolicyRecord.of(keys[name], dict.fromkeys(files, (0, 0)), parts)
    _refuse_clashes(records.values(), state.library_files.keys() | library.keys())

    # Write into a staging folder holding hard links to the files kept (not those no longer
    # produced, nor any file added by hand), replace what changed there (by renaming, so the
    # linked files of `out_dir` are never written), then swap it in: readers see the old tree
    # or the new one, never a mix, and a failure or a kill at any point publishes nothing.
    produced = {path for record in records.values() for path in record.stamps} | state.library_files.keys() | library.keys()
    stale_library = {path for path, content in library.items() if content is None}
    previously = {path for record in state.policies.values() for path in record.stamps} | state.library_files.keys()
    kept = sorted((previously & produced) - stale_library)
    removed = sum(1 for path in (previously - produced) | stale_library if os.path.lexists(os.path.join(plan.out_dir, path)))
    written = 0
    library_state = {path: kept_stamp for path, kept_stamp in state.library_files.items() if path not in stale_library}

    def update(staging: Path) -> None:
        nonlocal written
        if staging == plan.out_dir:  # an internal folder, updated in place
            remove_files(staging, (previously - produced) | stale_library)
        else:
            link_files_into(plan.out_dir, staging, kept, missing_ok=True)  # a file deleted by hand: its policy is rendered again
        for name, (parts, files) in fresh.items():
            store.put(keys[name], parts.downloads)
            stamps: dict[str, Stamp] = {}
            for path, content in files.items():
                kept_stamp = state.policies[name].stamps.get(path)
                if kept_stamp is not None and _holds(staging, path, kept_stamp, content):
                    stamps[path] = kept_stamp  # same bytes: leave the file (and its time) alone
                    continue
                stamps[path] = replace_file(staging, path, content, plan.mtime_of)
                written += 1
                fault_point("mid-update")  # (for the fault-injection tests) after the first file
            records[name] = PolicyRecord.of(keys[name], stamps, parts)
        for path, content in library.items():
            if content is None:
                continue
            digest = _digest(content)
            kept_stamp = library_state.get(path)
            if kept_stamp is not None and kept_stamp[0] == digest and _is_as_left(str(staging), path, kept_stamp[1]):
                continue
            library_state[path] = (digest, replace_file(staging, path, content, plan.mtime_of))
            written += 1

    if plan.internal:
        update(plan.out_dir)
    else:
        replace_dir_atomically(plan.out_dir, update)
    for name in fresh:
        if state.policies[name].key != keys[name]:
            store.discard(state.policies[name].key)
    _save_state(state_file, BuildState(out_dir=str(plan.out_dir), settings=state.settings, policies=records, library_files=library_state))
    paths = _sorted_paths(records.values(), library_state)
    return BuildReport(files=len(paths), rendered=len(fresh), reused=len(folders) - len(fresh), written=written, removed=removed, incremental=True, paths=paths, newest=newest_date(record.listing for record in records.values()), drafts=_drafts(records.values()))


def _changed_library_files(plan: _Plan, state: BuildState, fresh: dict[str, tuple[PolicyParts, dict[str, bytes]]], keys: dict[str, str], store: _PartStore) -> dict[str, bytes | None] | None:
    """The library files that the changed policies' parts can change, joined again (None: to remove).

    A file not returned is as the last build left it (its stamp is checked). Returns None when
    the update cannot be made from what was kept.
    """
    where = str(plan.out_dir)
    for path, (_, kept_stamp) in state.library_files.items():
        if not _is_as_left(where, path, kept_stamp):
            return None  # a library file was changed by hand: join everything again
    extra = {path: content for path, content in plan.extra_files.items() if state.library_files.get(path, (b"",))[0] != _digest(content)}
    updated: dict[str, bytes | str | None] = dict(extra)
    records = state.policies
    new_parts = {name: parts for name, (parts, _) in fresh.items()}
    listings_changed = any(parts.listing != records[name].listing for name, parts in new_parts.items())
    ordered_names = list(records)  # policy order
    listings = [new_parts[name].listing if name in new_parts else records[name].listing for name in ordered_names]
    if listings_changed:
        updated.update(render_listing_files(listings, plan.site))
    # The feed: every policy's entries are in the state.
    if any(parts.downloads.feed_entries != records[name].feed_entries or parts.downloads.feed_updated != records[name].feed_updated for name, parts in new_parts.items()):
        entries = [new_parts[name].downloads.feed_entries if name in new_parts else records[name].feed_entries for name in ordered_names]
        updated_at = [new_parts[name].downloads.feed_updated if name in new_parts else records[name].feed_updated for name in ordered_names]
        updated[urls.feed_atom()] = assemble_feed(entries, updated_at)
    # The CSV: the changed policies' rows spliced into the last build's file.
    old_parts: dict[str, DownloadsPart] = {}
    for name in new_parts:
        old = store.get(records[name].key)
        if old is None:
            return None
        old_parts[name] = old
    if any(new_parts[name].downloads.csv_rows != old_parts[name].csv_rows for name in new_parts):
        csv_path = urls.download_codes_csv()
        try:
            old_csv = (plan.out_dir / csv_path).read_bytes() if plan.select is None or plan.select(csv_path) else None
        except OSError:
            return None
        if old_csv is not None:
            pieces, offset = [old_csv[: len(CSV_HEADER)]], len(CSV_HEADER)
            for name in ordered_names:
                length = records[name].csv_length
                pieces.append(new_parts[name].downloads.csv_rows if name in new_parts else old_csv[offset : offset + length])
                offset += length
            if offset != len(old_csv):
                return None
            updated[csv_path] = b"".join(pieces)
    # The shards whose piece from a changed policy changed, from every policy listing codes in them.
    touched = {
        shard
        for name, parts in new_parts.items()
        for shard in parts.downloads.shards.keys() | old_parts[name].shards.keys()
        if parts.downloads.shards.get(shard) != old_parts[name].shards.get(shard)
    }
    if touched:
        shard_codes = {name: _shard_codes(new_parts[name].downloads) if name in new_parts else records[name].shard_codes for name in ordered_names}
        for shard in sorted(touched):
            pieces_of: list[CodeShardPart] = []
            for name in ordered_names:
                if shard not in shard_codes[name]:
                    continue
                part = new_parts[name].downloads if name in new_parts else store.get(records[name].key)
                if part is None:
                    return None
                pieces_of.append(part.shards[shard])
            path = urls.api_code_shard(*shard)
            updated[path] = assemble_shard(shard, pieces_of)[0] if pieces_of else None
        counts: dict[ShardKey, set[str]] = {}
        for codes_by_shard in shard_codes.values():
            for shard, codes in codes_by_shard.items():
                counts.setdefault(shard, set()).update(codes)
        # Each shard's hash: of its new bytes, else of the bytes the last build wrote (their digest is in the state).
        hashes = {}
        for shard in counts:
            path = urls.api_code_shard(*shard)
            content = updated.get(path)
            if isinstance(content, bytes):
                hashes[shard] = bytes_hash(content)
            elif path in state.library_files:
                hashes[shard] = "sha256:" + state.library_files[path][0].hex()
            else:
                return None
        updated[urls.api_code_index()] = code_index_file({shard: len(codes) for shard, codes in counts.items()}, hashes)
    return {
        path: content.encode("utf-8") if isinstance(content, str) else content
        for path, content in updated.items()
        if plan.select is None or plan.select(path)
    }
