"""Stage 4, write: the only module that writes output to the file system.

`write_tree` replaces an output folder atomically: everything is written into a staging
folder beside it, and only when that succeeded is the staging folder swapped in, in one
step (`swap_in`). A failure at any point leaves the previous output byte-for-byte intact.

Every tree it publishes carries `OUTPUT_MARKER`, so that policykb can tell a folder it
wrote from one a person made (`generators.build.safety`); its files are mode 0644 and its folders
0755 whatever the umask; the entries a person put at the top of the old tree that are
hidden (`.git`, `.nojekyll`, `.well-known`) or named in `KEPT_NAMES` (`CNAME`) are carried
into the new one (`is_kept_entry`).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from generators.errors import PolicyKbError


#: (size in bytes, modification time, change time (ctime), both in nanoseconds) of a file as a
#: build left it. A hand edit can put the size and modification time back, never the change
#: time; but linking, unlinking a link or a chmod change it too: stamp a published tree last.
Stamp = tuple[int, int, int]

#: The stamp of a file that could not be read: never equal to a real one.
NO_STAMP: Stamp = (-1, -1, -1)

#: The file at the top of every tree policykb writes: it marks the folder as policykb's own.
OUTPUT_MARKER = ".policykb-output"
MARKER_TEXT = (
    b"This folder was written by policykb. The next build replaces everything in it except the\n"
    b"hidden entries at its top (names beginning with a dot), which it keeps.\n"
)
#: The marker's modification time (ns): midnight UTC of the day its text last changed. Its bytes
#: never depend on the data, so neither does its time: a rebuild changes no file's time.
MARKER_MTIME_NS = int(datetime(2026, 12, 4, tzinfo=UTC).timestamp()) * 1_000_000_000
#: Names at the top of an output folder that every build keeps, besides hidden ones (GitHub Pages' custom domain).
KEPT_NAMES = frozenset({"CNAME"})
#: Published modes, whatever the umask: a web server running as another user must read the site.
FILE_MODE = 0o644
FOLDER_MODE = 0o755
#: Set to a fault point's name (`fault_point`) to end the process there, as a kill would.
FAULT_VARIABLE = "POLICYKB_FAULT"
#: The exit status of a process ended at a fault point.
FAULT_EXIT = 86


class UnsafePathError(PolicyKbError, ValueError):
    """A generated path would land outside the output folder."""


def fault_point(name: str) -> None:
    """End the process at once, without any clean-up, when `$POLICYKB_FAULT` names this point.

    For the fault-injection tests (`tests/test_faults.py`): they run a build in a subprocess
    and check what a kill at this point leaves. The points: `before-swap`, `between-renames`
    (the swap without an atomic exchange), `after-swap`, `mid-update` (an in-place update,
    between two files).
    """
    if os.environ.get(FAULT_VARIABLE) == name:
        sys.stdout.flush()
        os._exit(FAULT_EXIT)


def safe_relative(path: str) -> PurePosixPath:
    """Check that `path` stays inside the output folder; return it as a relative path."""
    pure = PurePosixPath(path)
    if (
        pure.is_absolute()
        or not pure.parts
        or any(part in ("", ".", "..") for part in pure.parts)
        or "\\" in path
        or any(ord(character) < 32 for character in path)  # NUL ends a path in the OS; newlines confuse tools
    ):
        raise UnsafePathError(f"refusing to write {path!r}: it would leave the output folder")
    return pure


def write_files(files: Mapping[str, bytes | str], out_dir: Path) -> None:
    """Write `files` (relative path -> content) under `out_dir`, which must exist."""
    for name, content in files.items():
        target = out_dir.joinpath(*safe_relative(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes(target, content.encode("utf-8") if isinstance(content, str) else content)


def located(error: OSError, path: Path | str) -> OSError:
    """`error` with the path it happened on: a full disk fails a `write()`, which names no file."""
    if error.filename is not None or error.errno is None:
        return error
    return OSError(error.errno, error.strerror, os.fspath(path))  # the subclass of the errno, e.g. FileNotFoundError


def staging_prefix(out_dir: Path, role: str) -> str:
    """The name prefix of a staging folder of `out_dir` (beside it) made by this process.

    The pid in the name lets a later build tell the leftovers of a dead build from those of
    a running one (`generators.build.safety.clean_stale_staging`).
    """
    return f".{out_dir.name}.{role}-{os.getpid()}-"


def replace_dir_atomically(out_dir: Path, fill: Callable[[Path], None]) -> None:
    """Call `fill(tmp)` to produce the new output in a staging folder, then swap it in.

    If `fill` raises, the staging folder is removed and `out_dir` is untouched. The new tree
    gets the marker file and the published modes; the hidden entries at the top of the old
    tree are carried into it (hard links) before the swap, so they are in `out_dir` at every
    moment.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(out_dir, "new"), dir=out_dir.parent))
    try:
        fill(staging)
        _write_bytes(staging / OUTPUT_MARKER, MARKER_TEXT)
        os.utime(staging / OUTPUT_MARKER, ns=(MARKER_MTIME_NS, MARKER_MTIME_NS))
        publish_modes(staging)
        carry_hidden_entries(out_dir, staging)
        fault_point("before-swap")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = swap_in(staging, out_dir)
    fault_point("after-swap")
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def swap_in(staging: Path, out_dir: Path) -> Path | None:
    """Put the folder `staging` at `out_dir` in one step; the folder that holds the old tree now, if any.

    A missing `out_dir` is one rename. An existing one is exchanged with `staging` by
    `renameat2(RENAME_EXCHANGE)` (Linux 3.15+, glibc 2.28+, a file system that supports it):
    `out_dir` is the old tree or the new one, never missing. Where the exchange is not
    available, two renames: the old tree moves aside first, and a crash between the two
    renames leaves no `out_dir`, only the old tree under its `.NAME.old-PID-*` name, which
    the next build puts back (`generators.build.safety.clean_stale_staging`).
    """
    if not os.path.lexists(out_dir):
        os.rename(staging, out_dir)
        return None
    if rename_exchange(staging, out_dir):
        return staging
    retired = Path(tempfile.mkdtemp(prefix=staging_prefix(out_dir, "old"), dir=out_dir.parent))
    retired.rmdir()
    os.rename(out_dir, retired)
    fault_point("between-renames")
    os.rename(staging, out_dir)
    return retired


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc before 2.28, musl before 1.2.5)
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def rename_exchange(first: Path, second: Path) -> bool:
    """Exchange two existing paths atomically; False (nothing done) where the system cannot.

    Raises `OSError` for any other failure (permissions, a read-only file system).
    """
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(second))


def publish_modes(root: Path) -> None:
    """Give every folder under `root` (and `root`) mode 0755 and every file 0644, whatever the umask."""
    os.chmod(root, FOLDER_MODE)
    pending = [os.fspath(root)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    pending.append(entry.path)
                    wanted = FOLDER_MODE
                elif stat.S_ISREG(mode):
                    wanted = FILE_MODE
                else:
                    continue
                if stat.S_IMODE(mode) != wanted:
                    os.chmod(entry.path, wanted)


def is_kept_entry(name: str) -> bool:
    """Whether an entry at the top of an output folder is a person's, kept by every build.

    Hidden entries (a gh-pages worktree's `.git`, `.nojekyll`) and `KEPT_NAMES`; not the
    marker, nor a temporary file of an interrupted in-place update.
    """
    if name == OUTPUT_MARKER or name.endswith(".policykb-new"):
        return False
    return name.startswith(".") or name in KEPT_NAMES


def carry_hidden_entries(old: Path, new: Path) -> None:
    """Link (or copy) the kept entries at the top of `old` (`is_kept_entry`) into `new`, unless `new` has them."""
    try:
        entries = sorted(entry.name for entry in os.scandir(old) if is_kept_entry(entry.name))
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in entries:
        source, target = old / name, new / name
        if os.path.lexists(target):
            continue
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_dir():
            shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def write_tree(files: Mapping[str, bytes | str], out_dir: Path) -> None:
    """Replace `out_dir` with exactly `files`, atomically."""
    for name in files:  # refuse before anything is written
        safe_relative(name)
    replace_dir_atomically(out_dir, lambda tmp: write_files(files, tmp))


def write_file_atomically(target: Path, content: bytes) -> None:
    """Replace one file atomically (write beside it, then rename): readers see old or new, never half.

    Used for build-cache entries, where a half-written entry must never be read back.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise located(error, target) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def link_files_into(source: Path, target: Path, paths: Iterable[str], *, missing_ok: bool = False) -> None:
    """Publish the files `paths` of `source` at the same paths under `target`, without copying.

    Hard links where the file system allows them (the files of a kept build folder are only
    ever replaced by renaming, never written in place, so a link keeps the bytes it was made
    with), copies otherwise. A file already at a target path is an error (`FileExistsError`);
    a file missing from `source` is one too, unless `missing_ok`.
    """
    relative = [safe_relative(path).parts for path in paths]
    # The folders first, once each: a `mkdir` per file was a tenth of a build here.
    for folder in sorted({parts[:-1] for parts in relative if len(parts) > 1}):
        target.joinpath(*folder).mkdir(parents=True, exist_ok=True)
    for parts in relative:
        origin, destination = source.joinpath(*parts), target.joinpath(*parts)
        try:
            os.link(origin, destination, follow_symlinks=False)
        except FileExistsError:
            raise FileExistsError(f"{destination} exists already: two stages publish the same path") from None
        except FileNotFoundError:
            if not missing_ok:
                raise
        except OSError:  # no hard links on this file system, or across two
            if os.path.lexists(destination):
                raise FileExistsError(f"{destination} exists already: two stages publish the same path") from None
            shutil.copy2(origin, destination)


# --------------------------------------------------------------------------- live folders
# An incremental build updates its output folder in place, file by file (`generators.build.pipeline`).


def stamp(path: Path) -> Stamp:
    """The size, modification and change times of a file, to tell later whether it is as it was left."""
    status = path.stat()
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def _target(out_dir: Path, path: str) -> Path:
    return out_dir.joinpath(*safe_relative(path).parts)


#: A file's bytes, whole or as pieces written one after the other (a large file assembled from parts, never joined in memory).
Content = bytes | Sequence[bytes]

MtimeOf = Callable[[str, Content], int | None]
"""The modification time (nanoseconds) to give the file at a path with these bytes; None: the time of writing."""


def previous_mtime_ns(previous: Path | None, path: str, content: Content) -> int | None:
    """The modification time of the file at `path` under `previous` if it holds exactly `content`, else None.

    How a build keeps the time of a file it writes again unchanged (`generators.build.assemble.output_mtime_ns`).
    """
    if previous is None:
        return None
    target = _target(previous, path)
    pieces = [content] if isinstance(content, bytes) else content
    try:
        status = target.lstat()
        if not stat.S_ISREG(status.st_mode) or status.st_size != sum(len(piece) for piece in pieces):
            return None
        with target.open("rb") as stream:
            if all(stream.read(len(piece)) == piece for piece in pieces):
                return status.st_mtime_ns
    except OSError:
        return None
    return None


def date_files(folder: Path, previous: Path | None, mtime_ns: int, skip: Collection[str] = ()) -> None:
    """Date every file under `folder` (but the paths `skip`) `mtime_ns`, or, where `previous` has the same bytes at the same path, that file's time."""
    for where, _, names in os.walk(folder):
        for name in names:
            target = os.path.join(where, name)
            path = Path(target).relative_to(folder).as_posix()
            if path in skip or os.path.islink(target):
                continue
            kept = previous_mtime_ns(previous, path, Path(target).read_bytes())
            chosen = kept if kept is not None else mtime_ns
            os.utime(target, ns=(chosen, chosen), follow_symlinks=False)


def write_files_stamped(out_dir: Path, files: Mapping[str, Content], mtime_of: MtimeOf | None = None) -> dict[str, Stamp]:
    """Write files into a folder being filled (not yet published), modified at `mtime_of(path, content)` if given; their stamps."""
    stamps: dict[str, Stamp] = {}
    for path, content in files.items():
        target = _target(out_dir, path)
        _write_bytes(target, content)
        mtime_ns = mtime_of(path, content) if mtime_of is not None else None
        if mtime_ns is not None:
            os.utime(target, ns=(mtime_ns, mtime_ns))
        stamps[path] = stamp(target)
    return stamps


def _write_bytes(target: Path, content: Content) -> None:
    # Make the folder only when it is missing: most files go into a folder that exists, and
    # a `mkdir` per file was a tenth of a build on this machine's file system.
    try:
        try:
            _write_content(target, content)
        except FileNotFoundError:
            _make_folders(target.parent)
            _write_content(target, content)
    except OSError as error:
        raise located(error, target) from None


def _write_content(target: Path, content: Content) -> None:
    if isinstance(content, bytes):
        target.write_bytes(content)
        return
    with target.open("wb") as stream:
        stream.writelines(content)


def _make_folders(folder: Path) -> None:
    """Make `folder` and its missing parents with the published mode (not the umask's)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(exist_ok=True)
        os.chmod(made, FOLDER_MODE)


def replace_file(out_dir: Path, path: str, content: bytes, mtime_of: MtimeOf | None = None) -> Stamp:
    """Replace one file of a published folder atomically (readers see old or new bytes), modified at `mtime_of(path, content)` if given; its stamp."""
    target = _target(out_dir, path)
    temporary = target.with_name(f".{target.name}.policykb-new")
    _write_bytes(temporary, content)
    os.chmod(temporary, FILE_MODE)
    mtime_ns = mtime_of(path, content) if mtime_of is not None else None
    if mtime_ns is not None:
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
    os.replace(temporary, target)
    return stamp(target)


def remove_files(out_dir: Path, paths: Iterable[str]) -> int:
    """Remove files of a folder updated in place and the folders they leave empty; how many were there."""
    removed = 0
    for path in sorted(paths):
        target = _target(out_dir, path)
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        removed += 1
        parent = target.parent
        while parent != out_dir and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed
