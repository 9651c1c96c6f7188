"""Stage 4, write: the only module that writes output to the file system.

`write_tree` replaces an output folder atomically: everything is written into a temporary
folder beside it, and only when that succeeded is the old folder swapped out. A failure at
any point leaves the previous output byte-for-byte intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath


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


def move_files_into(source: Path, target: Path) -> None:
    """Move every file under `source` to the same relative path under `target` (which exists).

    Used to publish data files beside the pages a site tool built: renames, no copies. A file
    already at a target path is an error, never silently replaced.
    """
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        destination = target / path.relative_to(source)
        if destination.exists():
            raise FileExistsError(f"{destination} exists already: two stages publish the same path")
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
