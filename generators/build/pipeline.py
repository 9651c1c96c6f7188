"""The build at scale: every output, policy by policy, in worker processes, straight to disk.

`build_tree(data_dir, out_dir)` writes exactly the files of
`render_outputs(load_library(data_dir))` (tested byte for byte), without ever holding the
library or all its outputs in one process:

1. **Per policy**, in one of `jobs` worker processes: load and validate the policy's folder,
   render its own files in every output format (`render_policy_outputs`: API, diffs, pages,
   FHIR...) and write them into a staging folder at once. What goes back to the main process
   is small: where the files are, and the policy's `PolicyParts` (each format's part: its
   index row, shard pieces, CSV rows, feed entries...), plain data.
2. **Per library**: each format's library files are joined from its parts, in policy
   order (`OutputFormat.library_files`), the formats at once: those that stream them (the
   code shards and the CSV, the most bytes) in the main process, one file at a time
   (`iter_library_files`), the others in the workers.
3. The staging folder replaces `out_dir` atomically. If any policy has a problem, every
   problem of every policy is raised as one `PolicyDataError` and `out_dir` is left as it was.

**Incremental builds.** Given a cache folder, the build records what it wrote (`BuildState`:
each policy's content-hash key and the stamp of each file it wrote: size, modification and
change time, taken once the tree is in place),
and keeps each policy's parts under its key (`parts/`). The next build of the same data
folder into the same `out_dir` then renders only
the policies whose key changed (`generators.build.cache`: the key hashes the folder's bytes, the
code and the build settings, so a stale entry is never looked up), or whose files in
`out_dir` are not as the build left them (their stamps), and updates a copy of
`out_dir` made of hard links: all changed policies are validated before anything is written;
of the library files only those a changed part feeds are joined again (for each format
whose part of a changed policy changed, the files its old and new parts feed:
`OutputFormat.library_paths_fed_by`, joined with `library_files(..., only=...)` from every
policy's part; the build never looks inside a part); a file is replaced
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
import marshal
import multiprocessing
import multiprocessing.pool
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from generators.domain import icd10
from generators import urls
from generators.build.assemble import OutputClashError, PolicyParts, SiteContext, is_site_source, output_mtime_ns, render_policy_outputs
from generators.build.cache import BuildCache, formats_version
from generators.errors import Diagnostic, PolicyDataError
from generators.model import policy_sort_key
from generators.outputs.registry import FORMATS, OutputFormat, Plain, library_file_pieces, streams_library_files
from generators.outputs.look import SiteLook
from generators.load.validate import cyclic_gc_paused, former_number_clashes, has_draft_revision, has_published_revision, load_policy, policy_folders
from generators.build.write import NO_STAMP, Content, Stamp, fault_point, link_files_into, previous_mtime_ns, remove_files, replace_dir_atomically, replace_file, write_file_atomically, write_files_stamped

#: Bump when the layout of a state file or of a stored part changes.
STATE_FORMAT = 6
#: Above this share of changed policies an incremental build makes a clean build instead.
CLEAN_BUILD_SHARE = 0.25


@dataclass(frozen=True)
class PolicyRecord:
    """What a build remembers of one policy: its key, the files it wrote, what its report needs.

    Its parts of the library files are kept apart, under its key (`_PartStore`).

    Attributes:
        key: Its cache key (`generators.build.cache.BuildCache.key`).
        stamps: Each file it wrote, with the file's stamp.
        newest: Its newest revision or change-summary date (ISO).
        drafts: How many draft revisions it shows.
    """

    key: str
    stamps: dict[str, Stamp]
    newest: str
    drafts: int

    @classmethod
    def of(cls, key: str, stamps: dict[str, Stamp], parts: PolicyParts) -> PolicyRecord:
        """The record of a policy rendered now."""
        return cls(key=key, stamps=stamps, newest=parts.newest, drafts=parts.drafts)

    def to_plain(self) -> dict[str, object]:
        """The record as plain values, by field name (for `marshal`)."""
        return {"key": self.key, "stamps": self.stamps, "newest": self.newest, "drafts": self.drafts}

    @classmethod
    def from_plain(cls, plain: dict[str, Any]) -> PolicyRecord:
        """The record from `to_plain`'s values."""
        return cls(key=plain["key"], stamps=plain["stamps"], newest=plain["newest"], drafts=plain["drafts"])


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
        newest: The newest revision or change-summary date of the data (`assemble.newest_date`).
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
    formats: Sequence[OutputFormat] = FORMATS,
    published_site: Path | None = None,
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
        formats: The output formats (`generators.outputs.registry`; module-level classes:
            the worker processes may get them pickled). Part of the build settings.
        published_site: The folder readers see, when `out_dir` is internal (the site the
            pages become): a file written with the bytes it has there keeps its time.

    Raises:
        PolicyDataError: every problem of every policy; `out_dir` is left as it was.
    """
    folders = policy_folders(data_dir)
    if not folders:
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message="found no policies; expected at least one policy folder", code="missing-file")])
    clashes = former_number_clashes(folders, data_dir.parent)
    if clashes:
        raise PolicyDataError(clashes)
    # A preview is one only when there is a draft to show: without, it is the published build,
    # and no page says DRAFT PREVIEW (the MkDocs pages follow `BuildReport.drafts`).
    drafts = drafts and any(has_draft_revision(folder) for folder in folders)
    # A policy of drafts only has no pages in a published build: its related-policy links are not made.
    published = frozenset(folder.name for folder in folders if drafts or has_published_revision(folder))
    if not published:
        message = "found only drafts; expected at least one policy with a published or reconstructed revision (drafts are never published: preview them with --drafts or mkdocs serve)"
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message=message, code="nothing-published")])
    site = SiteContext(policy_numbers=published, as_of=as_of, hand_written=frozenset(hand_written), drafts=drafts, look=look or SiteLook())
    icd10.is_code("A00")  # loads the code set once, before the workers fork: they share it
    published_dir = published_site.resolve() if published_site is not None else None if internal else out_dir.resolve()
    plan = _Plan(data_dir=data_dir, out_dir=out_dir.resolve(), site=site, extra_files=dict(extra_files or {}), select=select, on_policy=on_policy, internal=internal, formats=tuple(formats), published=published_dir)
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
        "formats": formats_version(formats),
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
        changed = [folder for folder in folders if not _is_unchanged(state.policies[folder.name], keys[folder.name], plan)]
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
    formats: tuple[OutputFormat, ...] = FORMATS
    #: The folder readers see, whose unchanged files keep their time: `out_dir`, or the site of an internal one.
    published: Path | None = None

    def mtime_of(self, path: str, content: Content) -> int | None:
        """The modification time of a file written (`generators.build.assemble.output_mtime_ns`).

        The time of the published file at `path` if it holds the same bytes, else midnight UTC
        of the as-of date. None (the time of writing) for a page source that MkDocs converts:
        its dirty builds convert again only the sources newer than their pages.
        """
        if is_site_source(path):
            return None
        kept = previous_mtime_ns(self.published, path, content)
        return kept if kept is not None else output_mtime_ns(self.site.as_of)

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


#: What `_PartStore.get` returns for a part it does not hold (None is a part: "nothing").
_MISSING: Any = object()


@dataclass(frozen=True)
class _PartStore:
    """Each policy's part of each format under its key, one file each: written once, never changed.

    One file per format, so that joining one format's files again reads only its parts (the
    index rows, not the code shards' bytes).
    """

    directory: Path

    def path(self, key: str, name: str) -> Path:
        return self.directory / key[:2] / f"{key}.{name}.marshal"

    def put(self, key: str, parts: Mapping[str, Plain]) -> None:
        """Keep a policy's parts (`PolicyParts.by_format`) under its key."""
        for name, part in parts.items():
            payload = marshal.dumps(part)
            write_file_atomically(self.path(key, name), marshal.dumps((STATE_FORMAT, _seal(key, name, payload), payload)))

    def get(self, key: str, name: str) -> Plain:
        """The part of format `name` kept under `key`, or `_MISSING` (missing, unreadable, of another format, or not sealed with `key`).

        Each part carries a digest of its key, format and bytes: a part edited by hand,
        damaged, or copied under another key is never used (the build then makes a clean build).
        """
        try:
            stored_format, seal, payload = marshal.loads(self.path(key, name).read_bytes())
            if stored_format != STATE_FORMAT or seal != _seal(key, name, payload):
                return _MISSING
            return marshal.loads(payload)
        except (OSError, EOFError, ValueError, TypeError):
            return _MISSING

    def discard(self, key: str, names: Iterable[str]) -> None:
        for name in names:
            self.path(key, name).unlink(missing_ok=True)


def _seal(key: str, name: str, payload: bytes) -> bytes:
    return hashlib.sha256(f"{key}\0{name}\0".encode() + payload).digest()


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
        outputs = render_policy_outputs(published, plan.site, plan.formats)
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
        caching.store.put(key, parts.by_format)
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

    def start_library_files(self, index: int, parts: list[Plain]) -> Callable[[], dict[str, tuple[bytes, Stamp]]]:
        """Start writing the library files of the plan's format `index` (`_write_library_files`); call the result to wait for them."""
        if self._pool is None:
            return lambda: _write_library_files(index, parts)
        pending = self._pool.apply_async(_write_library_files, (index, parts))
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


def _write_library_files(index: int, parts: list[Plain]) -> dict[str, tuple[bytes, Stamp]]:
    """A worker's task: `_join_library_files` with the worker's plan and staging folder."""
    return _join_library_files(_worker["plan"], _worker["staging"], index, parts)


def _join_library_files(plan: _Plan, staging: Path, index: int, parts: list[Plain]) -> dict[str, tuple[bytes, Stamp]]:
    """Join one format's library files from its parts and write them, one at a time; each file's digest and stamp."""
    written: dict[str, tuple[bytes, Stamp]] = {}
    for path, content in library_file_pieces(plan.formats[index], parts, plan.site):
        if plan.select is None or plan.select(path):
            pieces = content.encode("utf-8") if isinstance(content, str) else content
            written[path] = (_digest(pieces), write_files_stamped(staging, {path: pieces}, plan.mtime_of)[path])
    return written


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
            # Every format's library files at once: those streamed in pieces here (the code shards
            # and the CSV: the most bytes, whose parts would otherwise be sent to a worker), the
            # others' in the workers.
            parts.sort(key=lambda part: policy_sort_key(part.number))
            by_format = [(index, output, [part.by_format[output.name] for part in parts]) for index, output in enumerate(plan.formats)]
            pending = [workers.start_library_files(index, format_parts) for index, output, format_parts in by_format if not streams_library_files(output)]
            written = [_join_library_files(plan, staging, index, format_parts) for index, output, format_parts in by_format if streams_library_files(output)]
            for path, content in plan.extra_files.items():
                library_state[path] = (_digest(content), write_files_stamped(staging, {path: content}, plan.mtime_of)[path])
            written += [wait() for wait in pending]
        # Checked once all is written: a clash leaves only the staging folder, which is discarded.
        clash: set[str] = set()
        for files in written:
            clash.update(library_state.keys() & files.keys())
            library_state.update(files)
        _refuse_clashes(records.values(), library_state.keys(), clash)

    if caching is not None:
        caching.state_file.unlink(missing_ok=True)  # it describes the folder about to be replaced
        shutil.rmtree(caching.store.directory, ignore_errors=True)  # parts of older builds
    replace_dir_atomically(plan.out_dir, fill)
    ordered = dict(sorted(records.items(), key=lambda item: policy_sort_key(item[0])))
    paths = _sorted_paths(ordered.values(), library_state)
    if caching is not None:
        stamped, library_stamped = _restamped(plan, ordered, dict(sorted(library_state.items())))
        _save_state(caching.state_file, BuildState(out_dir=str(plan.out_dir), settings=caching.cache.prefix, policies=stamped, library_files=library_stamped))
    return BuildReport(files=len(paths), rendered=len(records), reused=0, written=len(paths), removed=0, incremental=False, paths=paths, newest=_newest(ordered.values()), drafts=_drafts(ordered.values()))


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
    return sum(record.drafts for record in records)


def _newest(records: Iterable[PolicyRecord]) -> date:
    """The newest revision or change-summary date of the policies of a build."""
    return date.fromisoformat(max(record.newest for record in records))


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


def _stamp_of(plan: _Plan, path: str) -> Stamp:
    """The stamp of a file of `plan.out_dir` now."""
    # Only reads metadata, so the recorded path needs no checking here (writes check it).
    try:
        status = os.stat(os.path.join(plan.out_dir, path))
    except OSError:
        return NO_STAMP
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def _is_as_left(plan: _Plan, path: str, expected: Stamp) -> bool:
    """True when the file at `path` of `plan.out_dir` has the stamp the last build recorded: not touched since.

    The change time is left out for an internal folder: its files are linked into MkDocs'
    site after each build, which changes it, and no reader edits them.
    """
    actual = _stamp_of(plan, path)
    return actual[:2] == expected[:2] if plan.internal else actual == expected


def _holds(out_dir: Path, path: str, content: bytes) -> bool:
    """True when the file at `path` holds exactly `content`."""
    try:
        return os.stat(out_dir / path).st_size == len(content) and (out_dir / path).read_bytes() == content
    except OSError:
        return False


def _restamped(plan: _Plan, records: dict[str, PolicyRecord], library: dict[str, tuple[bytes, Stamp]]) -> tuple[dict[str, PolicyRecord], dict[str, tuple[bytes, Stamp]]]:
    """The records and library files of a build with the stamps of its files as published.

    Taken once the tree is in place: staging it (links, modes) and removing the old tree
    change the files' change times after they were written.
    """
    policies = {name: replace(record, stamps={path: _stamp_of(plan, path) for path in record.stamps}) for name, record in records.items()}
    return policies, {path: (digest, _stamp_of(plan, path)) for path, (digest, _) in library.items()}


def _is_unchanged(record: PolicyRecord, key: str, plan: _Plan) -> bool:
    """True when a policy's key is the recorded one and its files are as the build left them."""
    return record.key == key and all(_is_as_left(plan, path, expected) for path, expected in record.stamps.items())


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
    library = _changed_library_files(plan, state, fresh, store)
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
            store.put(keys[name], parts.by_format)
            stamps: dict[str, Stamp] = {}
            for path, content in files.items():
                kept_stamp = state.policies[name].stamps.get(path)
                if kept_stamp is not None and _holds(staging, path, content):
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
            if kept_stamp is not None and kept_stamp[0] == digest and os.path.lexists(staging / path):
                continue  # as left: `_changed_library_files` checked every library file's stamp
            library_state[path] = (digest, replace_file(staging, path, content, plan.mtime_of))
            written += 1

    if plan.internal:
        update(plan.out_dir)
    else:
        replace_dir_atomically(plan.out_dir, update)
    for name in fresh:
        if state.policies[name].key != keys[name]:
            store.discard(state.policies[name].key, (output.name for output in plan.formats))
    records, library_state = _restamped(plan, records, library_state)
    _save_state(state_file, BuildState(out_dir=str(plan.out_dir), settings=state.settings, policies=records, library_files=library_state))
    paths = _sorted_paths(records.values(), library_state)
    return BuildReport(files=len(paths), rendered=len(fresh), reused=len(folders) - len(fresh), written=written, removed=removed, incremental=True, paths=paths, newest=_newest(records.values()), drafts=_drafts(records.values()))


def _changed_library_files(plan: _Plan, state: BuildState, fresh: dict[str, tuple[PolicyParts, dict[str, bytes]]], store: _PartStore) -> dict[str, bytes | None] | None:
    """The library files that the changed policies' parts can change, joined again (None: to remove).

    For each format, the files fed by the old or the new part of a policy whose part changed
    (`OutputFormat.library_paths_fed_by`), joined from every policy's part
    (`library_files(..., only=...)`). A file not returned is as the last build left it (its
    stamp is checked). Returns None when the update cannot be made from what was kept.
    """
    for path, (_, kept_stamp) in state.library_files.items():
        if not _is_as_left(plan, path, kept_stamp):
            return None  # a library file was changed by hand: join everything again
    updated: dict[str, bytes | str | None] = {path: content for path, content in plan.extra_files.items() if state.library_files.get(path, (b"",))[0] != _digest(content)}
    for output in plan.formats:
        fed: set[str] = set()
        for name, (parts, _) in fresh.items():
            old, new = store.get(state.policies[name].key, output.name), parts.by_format[output.name]
            if old is _MISSING:
                return None
            if old != new:
                fed.update(output.library_paths_fed_by(old), output.library_paths_fed_by(new))
        fed = {path for path in fed if plan.select is None or plan.select(path)}
        if not fed:
            continue
        every = [fresh[name][0].by_format[output.name] if name in fresh else store.get(state.policies[name].key, output.name) for name in state.policies]  # policy order
        if any(part is _MISSING for part in every):
            return None
        files = output.library_files(every, plan.site, only=fed)
        updated.update((path, files.get(path)) for path in sorted(fed))
    return {
        path: content.encode("utf-8") if isinstance(content, str) else content
        for path, content in updated.items()
        if plan.select is None or plan.select(path)
    }
