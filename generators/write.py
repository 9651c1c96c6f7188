"""Stage 4, write: the only module that writes output to the file system.

`write_tree` replaces an output folder atomically: everything is written into a temporary
folder beside it, and only when that succeeded is the old folder swapped out. A failure at
any point leaves the previous output byte-for-byte intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath


#: (size in bytes, modification time in nanoseconds) of a file as a build left it.
Stamp = tuple[int, int]


class UnsafePathError(ValueError):
    """A generated path would land outside the output folder."""


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
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def replace_dir_atomically(out_dir: Path, fill: Callable[[Path], None]) -> None:
    """Call `fill(tmp)` to produce the new output in a temporary folder, then swap it in.

    If `fill` raises, the temporary folder is removed and `out_dir` is untouched.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        fill(staging)
        os.chmod(staging, 0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = None
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        retired.rmdir()
        out_dir.rename(retired)
    staging.rename(out_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


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
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def link_files_into(source: Path, target: Path, paths: Iterable[str]) -> None:
    """Publish the files `paths` of `source` at the same paths under `target`, without copying.

    Hard links where the file system allows them (the files of a kept build folder are only
    ever replaced by renaming, never written in place, so a link keeps the bytes it was made
    with), copies otherwise. A file already at a target path is an error.
    """
    for path in paths:
        origin = source.joinpath(*safe_relative(path).parts)
        destination = target.joinpath(*safe_relative(path).parts)
        if destination.exists():
            raise FileExistsError(f"{destination} exists already: two stages publish the same path")
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(origin, destination)
        except OSError:
            shutil.copy2(origin, destination)


# --------------------------------------------------------------------------- live folders
# An incremental build updates its output folder in place, file by file (`generators.pipeline`).


def stamp(path: Path) -> Stamp:
    """The size and modification time of a file, to tell later whether it is as it was left."""
    status = path.stat()
    return (status.st_size, status.st_mtime_ns)


def _target(out_dir: Path, path: str) -> Path:
    return out_dir.joinpath(*safe_relative(path).parts)


MtimeOf = Callable[[str], int | None]
"""The modification time (nanoseconds) to give the file at a path; None: the time of writing."""


def write_files_stamped(out_dir: Path, files: Mapping[str, bytes], mtime_of: MtimeOf | None = None) -> dict[str, Stamp]:
    """Write files into a folder being filled (not yet published), modified at `mtime_of(path)` if given; their stamps."""
    stamps: dict[str, Stamp] = {}
    for path, content in files.items():
        target = _target(out_dir, path)
        _write_bytes(target, content)
        mtime_ns = mtime_of(path) if mtime_of is not None else None
        if mtime_ns is not None:
            os.utime(target, ns=(mtime_ns, mtime_ns))
        stamps[path] = stamp(target)
    return stamps


def set_mtimes(folder: Path, mtime_ns: int) -> None:
    """Give every file under `folder` the modification (and access) time `mtime_ns`: see `generators.build.output_mtime_ns`."""
    for where, _, names in os.walk(folder):
        for name in names:
            os.utime(os.path.join(where, name), ns=(mtime_ns, mtime_ns), follow_symlinks=False)


def _write_bytes(target: Path, content: bytes) -> None:
    # Make the folder only when it is missing: most files go into a folder that exists, and
    # a `mkdir` per file was a tenth of a build on this machine's file system.
    try:
        target.write_bytes(content)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def replace_file(out_dir: Path, path: str, content: bytes, mtime_of: MtimeOf | None = None) -> Stamp:
    """Replace one file of a published folder atomically (readers see old or new bytes), modified at `mtime_of(path)` if given; its stamp."""
    target = _target(out_dir, path)
    temporary = target.with_name(f".{target.name}.policykb-new")
    _write_bytes(temporary, content)
    mtime_ns = mtime_of(path) if mtime_of is not None else None
    if mtime_ns is not None:
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
    os.replace(temporary, target)
    return stamp(target)


def remove_files(out_dir: Path, paths: Iterable[str]) -> int:
    """Remove files of a published folder and the folders they leave empty; how many were there."""
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
