"""The build at scale: every output, policy by policy, in worker processes, straight to disk.

`build_tree(data_dir, out_dir)` writes exactly the files of
`render_outputs(load_library(data_dir))` (tested byte for byte), without ever holding the
library or all its outputs in one process:

1. **Per policy**, in one of `jobs` worker processes: load and validate the policy's folder,
   render its own files (`render_policy_outputs`: API, diffs, pages, FHIR) and write them
   into a staging folder at once. What goes back to the main process is small: where the
   files are, and the policy's `PolicyParts` (its index row, code listings, CSV rows, feed
   entry), already serialised.
2. **Per library**, in the main process: the files that combine every policy (`index.json`,
   the code index, CSV, feed, home and list pages: `render_library_outputs`) are joined from
   the parts, in policy order.
3. The staging folder replaces `out_dir` atomically. If any policy has a problem, every
   problem of every policy is raised as one `PolicyDataError` and `out_dir` is left as it was.

**Incremental builds.** Given a cache folder, the build records what it wrote (`BuildState`:
each policy's content-hash key, the size and modification time of each file it wrote, and its
parts). The next build of the same data folder into the same `out_dir` then renders only the
policies whose key changed (`generators.cache`: the key hashes the folder's bytes, the code
and the build settings, so a stale entry is never looked up), or whose files in `out_dir` are
not as the build left them, and updates `out_dir` in place: all changed policies are validated
before anything is written, each file is replaced atomically, files no longer produced are
removed, and library files are rewritten only when their bytes change. The result is the
tree a clean build makes (tested, and checked by `benchmarks/run.py`). When many policies
changed, a clean build is faster and is made instead.
"""

from __future__ import annotations

import hashlib
import marshal
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import icd10
from .build import OutputClashError, PolicyParts, SiteContext, newest_date, render_library_outputs, render_policy_outputs
from .cache import BuildCache
from .errors import Diagnostic, PolicyDataError
from .model import policy_sort_key
from .validate import cyclic_gc_paused, load_policy, policy_folders
from .write import Stamp, remove_files, replace_dir_atomically, replace_file, safe_relative, stamp, write_file_atomically, write_files_stamped

#: Bump when the layout of a state file changes.
STATE_FORMAT = 1
#: Above this share of changed policies an incremental build makes a clean build instead.
CLEAN_BUILD_SHARE = 0.25


@dataclass(frozen=True)
class PolicyRecord:
    """What a build remembers of one policy: its key, the files it wrote, its parts."""

    key: str
    stamps: dict[str, Stamp]
    parts: PolicyParts


@dataclass(frozen=True)
class PolicyResult:
    """What a worker returns for one policy folder: its problems, or its record."""

    name: str
    diagnostics: list[Diagnostic]
    record: PolicyRecord | None = None
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class BuildState:
    """What the last build wrote into `out_dir`, kept in the cache folder between builds.

    Attributes:
        out_dir: The output folder it describes (resolved).
        settings: The key prefix: code version and build settings. Another prefix means
            another build: the state is not used.
        policies: Folder name -> record.
        library_files: Path -> (SHA-256 of the bytes, stamp) of each file that combines policies.
    """

    out_dir: str
    settings: str
    policies: dict[str, PolicyRecord]
    library_files: dict[str, tuple[bytes, Stamp]]

    def dumps(self) -> bytes:
        """The state as `marshal` bytes: plain values only, so reading it runs no code."""
        return marshal.dumps(
            {
                "format": STATE_FORMAT,
                "out_dir": self.out_dir,
                "settings": self.settings,
                "policies": {name: (r.key, r.stamps, r.parts.to_plain()) for name, r in self.policies.items()},
                "library_files": self.library_files,
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> BuildState | None:
        """The state in `raw`, or None when it is unreadable or of another format."""
        try:
            data = marshal.loads(raw)
            if data["format"] != STATE_FORMAT:
                return None
            policies = {name: PolicyRecord(key=key, stamps=stamps, parts=PolicyParts.from_plain(parts)) for name, (key, stamps, parts) in data["policies"].items()}
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
    """

    files: int
    rendered: int
    reused: int
    written: int
    removed: int
    incremental: bool
    paths: tuple[str, ...] = field(default=(), repr=False)
    newest: date | None = None


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
) -> BuildReport:
    """Write every output of the policy data under `data_dir` into `out_dir`.

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

    Raises:
        PolicyDataError: every problem of every policy; `out_dir` is left as it was.
    """
    folders = policy_folders(data_dir)
    if not folders:
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message="found no policies; expected at least one policy folder", code="missing-file")])
    site = SiteContext(policy_numbers=frozenset(folder.name for folder in folders), hand_written=frozenset(hand_written))
    icd10.is_code("A00")  # loads the code set once, before the workers fork: they share it
    plan = _Plan(data_dir=data_dir, out_dir=out_dir.resolve(), site=site, extra_files=dict(extra_files or {}), select=select, on_policy=on_policy)
    jobs = jobs or default_jobs()
    if cache_dir is None:
        return _clean_build(plan, folders, jobs, None)
    settings = {"policy_numbers": sorted(site.policy_numbers), "hand_written": sorted(site.hand_written), "select": _selection_name(select)}
    cache = BuildCache(cache_dir, config=settings)
    keys = _keys(cache, folders, jobs)
    state_file = _state_file(cache_dir, plan.out_dir)
    state = _read_state(state_file, cache, plan.out_dir)
    if state is not None:
        changed = [folder for folder in folders if not _is_unchanged(state.policies.get(folder.name), keys[folder.name], plan.out_dir)]
        if len(changed) <= CLEAN_BUILD_SHARE * len(folders):
            return _update_in_place(plan, state, folders, changed, keys, state_file)
    return _clean_build(plan, folders, jobs, (cache, keys, state_file))


@dataclass(frozen=True)
class _Plan:
    """What every step of one build needs to know."""

    data_dir: Path
    out_dir: Path
    site: SiteContext
    extra_files: dict[str, bytes]
    select: Selection
    on_policy: Callable[[int, int], None] | None

    def keep(self, files: Mapping[str, bytes]) -> dict[str, bytes]:
        """The selected files of `files`."""
        if self.select is None:
            return dict(files)
        return {path: content for path, content in files.items() if self.select(path)}


def _selection_name(select: Selection) -> str:
    return "all" if select is None else f"{select.__module__}.{select.__qualname__}"


# --------------------------------------------------------------------------- one policy


def _render_folder(folder: Path, plan: _Plan, key: str) -> tuple[PolicyResult, dict[str, bytes]]:
    """Load, validate and render one policy folder: (its result, its selected files)."""
    with cyclic_gc_paused():
        policy, diagnostics = load_policy(folder, plan.data_dir.parent)
        if policy is None:
            return PolicyResult(name=folder.name, diagnostics=diagnostics), {}
        outputs = render_policy_outputs(policy, plan.site)
    files = plan.keep({path: content.encode("utf-8") if isinstance(content, str) else content for path, content in outputs.files.items()})
    return PolicyResult(name=folder.name, diagnostics=[], record=PolicyRecord(key=key, stamps={}, parts=outputs.parts)), files


# The worker's settings, set once per worker process by `_start_worker`.
_worker: dict[str, object] = {}


def _start_worker(plan: _Plan, staging: Path, keys: dict[str, str]) -> None:
    _worker.update(plan=plan, staging=staging, keys=keys)


def _render_into_staging(folder: Path) -> PolicyResult:
    """The worker's task: render one policy and write its files into the staging folder."""
    plan: _Plan = _worker["plan"]  # type: ignore[assignment]
    keys: dict[str, str] = _worker["keys"]  # type: ignore[assignment]
    result, files = _render_folder(folder, plan, keys.get(folder.name, ""))
    if result.record is None:
        return result
    stamps = write_files_stamped(_worker["staging"], files)  # type: ignore[arg-type]
    return PolicyResult(name=result.name, diagnostics=[], record=PolicyRecord(key=result.record.key, stamps=stamps, parts=result.record.parts))


def _render_all(plan: _Plan, folders: list[Path], staging: Path, keys: dict[str, str], jobs: int) -> Iterator[PolicyResult]:
    """Each folder's result, in folder order, from `jobs` worker processes (or this one)."""
    if jobs <= 1 or len(folders) < 2 * jobs:
        _start_worker(plan, staging, keys)
        yield from map(_render_into_staging, folders)
        return
    # fork: workers start at once and see the revision checks registered in this process
    # (`validate.register_revision_check`); nothing is pickled but folders and results.
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker, initargs=(plan, staging, keys)) as pool:
        yield from pool.imap(_render_into_staging, folders, chunksize=4)


# --------------------------------------------------------------------------- library


def _library_files(plan: _Plan, parts: Iterable[PolicyParts], own_paths: set[str]) -> dict[str, bytes]:
    """The files that combine every policy, joined from their parts (put in policy order),
    and the extra files.

    `own_paths` are the paths of the policies' own files, which no other file may take.
    """
    rendered = render_library_outputs(sorted(parts, key=lambda part: policy_sort_key(part.listing.number)), plan.site)
    files = plan.keep({path: content.encode("utf-8") if isinstance(content, str) else content for path, content in rendered.items()})
    clash = (own_paths & files.keys()) | ((own_paths | files.keys()) & plan.extra_files.keys())
    if clash:
        raise OutputClashError(f"more than one stage produces {', '.join(sorted(clash))}")
    return {**files, **plan.extra_files}


def _digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def _sorted_paths(records: Iterable[PolicyRecord], library: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({path for record in records for path in record.stamps}.union(library)))


# --------------------------------------------------------------------------- clean build


def _clean_build(plan: _Plan, folders: list[Path], jobs: int, caching: tuple[BuildCache, dict[str, str], Path] | None) -> BuildReport:
    """Render every policy into a staging folder, add the library files, swap it in."""
    keys = caching[1] if caching is not None else {}
    records: dict[str, PolicyRecord] = {}
    library_state: dict[str, tuple[bytes, Stamp]] = {}

    def fill(staging: Path) -> None:
        problems: list[Diagnostic] = []
        for done, result in enumerate(_render_all(plan, folders, staging, keys, jobs), start=1):
            problems += result.diagnostics
            if result.record is not None:
                records[result.name] = result.record
            if plan.on_policy is not None:
                plan.on_policy(done, len(folders))
        if problems:
            raise PolicyDataError(problems)
        own_paths = {path for record in records.values() for path in record.stamps}
        for path, content in _library_files(plan, [record.parts for record in records.values()], own_paths).items():
            library_state[path] = (_digest(content), write_files_stamped(staging, {path: content})[path])

    if caching is not None:
        caching[2].unlink(missing_ok=True)  # it describes the folder about to be replaced
    replace_dir_atomically(plan.out_dir, fill)
    paths = _sorted_paths(records.values(), library_state)
    if caching is not None:
        cache, _, state_file = caching
        _save_state(state_file, BuildState(out_dir=str(plan.out_dir), settings=cache.prefix, policies=records, library_files=library_state))
    newest = newest_date(record.parts for record in records.values())
    return BuildReport(files=len(paths), rendered=len(records), reused=0, written=len(paths), removed=0, incremental=False, paths=paths, newest=newest)


# --------------------------------------------------------------------------- incremental build


def _keys(cache: BuildCache, folders: list[Path], jobs: int) -> dict[str, str]:
    """Each folder's key; the folders are read and hashed in threads (hashing releases the GIL)."""
    with ThreadPoolExecutor(max_workers=max(2, jobs)) as pool:
        return dict(zip((folder.name for folder in folders), pool.map(cache.key, folders), strict=True))


def _state_file(cache_dir: Path, out_dir: Path) -> Path:
    return cache_dir / "states" / f"{hashlib.sha256(str(out_dir).encode()).hexdigest()[:32]}.marshal"


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


def _is_as_left(out_dir: Path, path: str, expected: Stamp) -> bool:
    try:
        return stamp(out_dir.joinpath(*safe_relative(path).parts)) == expected
    except OSError:
        return False


def _is_unchanged(record: PolicyRecord | None, key: str, out_dir: Path) -> bool:
    """True when a policy's key is the recorded one and its files are as the build left them."""
    return record is not None and record.key == key and all(_is_as_left(out_dir, path, expected) for path, expected in record.stamps.items())


def _update_in_place(plan: _Plan, state: BuildState, folders: list[Path], changed: list[Path], keys: dict[str, str], state_file: Path) -> BuildReport:
    """Render the changed policies, check them all, then update `out_dir` file by file."""
    fresh: dict[str, tuple[PolicyRecord, dict[str, bytes]]] = {}
    problems: list[Diagnostic] = []
    for done, folder in enumerate(changed, start=1):
        result, files = _render_folder(folder, plan, keys[folder.name])
        problems += result.diagnostics
        if result.record is not None:
            fresh[folder.name] = (result.record, files)
        if plan.on_policy is not None:
            plan.on_policy(done, len(changed))
    if problems:
        raise PolicyDataError(problems)  # nothing was written
    records = {folder.name: fresh[folder.name][0] if folder.name in fresh else state.policies[folder.name] for folder in folders}
    own_paths: set[str] = set().union(*(fresh[name][1] if name in fresh else record.stamps for name, record in records.items()))
    library = _library_files(plan, [record.parts for record in records.values()], own_paths)

    previously = set(state.library_files).union(*(record.stamps for record in state.policies.values()))
    removed = remove_files(plan.out_dir, previously - own_paths - library.keys())
    written = 0
    for name, (record, files) in fresh.items():
        stamps = {path: replace_file(plan.out_dir, path, content) for path, content in files.items()}
        written += len(stamps)
        records[name] = PolicyRecord(key=record.key, stamps=stamps, parts=record.parts)
    library_state: dict[str, tuple[bytes, Stamp]] = {}
    for path, content in library.items():
        digest = _digest(content)
        kept = state.library_files.get(path)
        if kept is not None and kept[0] == digest and _is_as_left(plan.out_dir, path, kept[1]):
            library_state[path] = kept
            continue
        library_state[path] = (digest, replace_file(plan.out_dir, path, content))
        written += 1
    _save_state(state_file, BuildState(out_dir=str(plan.out_dir), settings=state.settings, policies=records, library_files=library_state))
    paths = _sorted_paths(records.values(), library_state)
    newest = newest_date(record.parts for record in records.values())
    return BuildReport(files=len(paths), rendered=len(fresh), reused=len(folders) - len(fresh), written=written, removed=removed, incremental=True, paths=paths, newest=newest)
