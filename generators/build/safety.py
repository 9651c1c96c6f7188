"""Which folders a build may write into, and one build at a time into each.

`policykb export`, `build` and `pages` replace their `--out` folder as a whole
(`generators.build.write.replace_dir_atomically`). Before they start, `check_output_folder`
refuses an `--out` whose replacement would destroy what policykb did not write:

- the current folder or any folder above it (`--out .` in a clone, `--out ..`);
- the data folder, a folder above it or inside it;
- the cache folder, a folder above it (`--cache` inside `--out`) or inside it;
- something that is not a folder;
- an existing folder holding entries policykb did not write: one without the marker file
  (`write.OUTPUT_MARKER`) that holds anything besides entries every build keeps (hidden
  ones and `CNAME`: `write.is_kept_entry`). A missing or empty folder is fine, and so is a
  fresh gh-pages checkout holding only `.git`, `.nojekyll` and `CNAME`.

Then the build holds the lock of its output folder and of its cache (`folder_lock`), and
removes what dead builds left beside them (`clean_stale_staging`).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generators.build.write import OUTPUT_MARKER, is_kept_entry, located
from generators.errors import PolicyKbError


class OutputFolderError(PolicyKbError, ValueError):
    """An output folder a build must not write into; the message names it and says why."""


def check_output_folder(out_dir: Path, *, data_dir: Path, cache_dir: Path | None = None, flag: str = "--out") -> None:
    """Refuse an output folder whose replacement would destroy what policykb did not write.

    Args:
        out_dir: The output folder as the user named it (named so in the message).
        data_dir: The data folder (`--data`).
        cache_dir: The cache folder (`--cache`), if any.
        flag: The option that named `out_dir`, for the message.

    Raises:
        OutputFolderError: with a one-line message: the folder, what it is, what is expected.
    """
    if cache_dir is not None:
        check_cache_folder(cache_dir, data_dir=data_dir)
    out = out_dir.resolve()

    def refuse(found: str) -> OutputFolderError:
        return OutputFolderError(f"{flag} {out_dir}: refusing to write there: {found}; expected a new or empty folder, or one policykb wrote (it holds {OUTPUT_MARKER})")

    protected = [("the current folder", Path.cwd().resolve()), ("the data folder (--data)", data_dir.resolve())]
    if cache_dir is not None:
        protected.append(("the cache folder (--cache)", cache_dir.resolve()))
    for what, folder in protected:
        if out == folder:
            raise refuse(f"it is {what}, {folder}")
        if out in folder.parents:
            raise refuse(f"it contains {what}, {folder}")
    for what, folder in protected[1:]:
        if folder in out.parents:
            raise refuse(f"it is inside {what}, {folder}")
    if not out.exists():
        return
    if not out.is_dir():
        raise refuse("it is a file, not a folder")
    if (out / OUTPUT_MARKER).is_file():
        return
    foreign = sorted(name for name in os.listdir(out) if not is_kept_entry(name))
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        repository = " (a repository: it holds .git)" if os.path.lexists(out / ".git") else ""
        raise refuse(f"it is a folder policykb did not write{repository}, holding {shown}")


def check_cache_folder(cache_dir: Path, *, data_dir: Path) -> None:
    """Refuse a `--cache` that is or contains the current folder or the data, or lies inside the data.

    The cache replaces folders of its own inside it (`site-sources/`, `parts/`): a cache at
    `.` would replace a `site-sources/` of the user's, one inside the data would add folders
    the loader reads as policies.
    """
    cache, data = cache_dir.resolve(), data_dir.resolve()

    def refuse(found: str) -> OutputFolderError:
        return OutputFolderError(f"--cache {cache_dir}: refusing to keep the cache there: {found}; expected a folder of its own (default: .policykb-cache)")

    for what, folder in (("the current folder", Path.cwd().resolve()), ("the data folder (--data)", data)):
        if cache == folder:
            raise refuse(f"it is {what}, {folder}")
        if cache in folder.parents:
            raise refuse(f"it contains {what}, {folder}")
    if data in cache.parents:
        raise refuse(f"it is inside the data folder (--data), {data}")


# --------------------------------------------------------------------------- one build at a time


class FolderBusyError(PolicyKbError, RuntimeError):
    """Another build holds the lock of a folder this one would write."""


def lock_path(folder: Path) -> Path:
    """The lock file of a folder: `.NAME.lock` beside it (inside, it would be swapped out with the tree)."""
    folder = folder.resolve()
    return folder.parent / f".{folder.name}.lock"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of `folder` (`fcntl.flock` on its lock file) while the block runs.

    Raises `FolderBusyError` at once, naming the holder's pid, when another process holds
    it. The lock file is removed on release; the lock taken is checked to be on the file
    still at the path, so a build that opened the file just before another removed it
    cannot hold a lock nobody else sees.
    """
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(handle)
            raise FolderBusyError(f"{folder}: another policykb build (pid {holder}) is writing it; wait until it ends (its lock: {path})") from None
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(os.fstat(handle), current):
            break
        os.close(handle)  # removed by the build that held it just now: lock the new file
    try:
        try:
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode())
        except OSError as error:
            raise located(error, path) from None
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


_STAGING_NAME = re.compile(r"\.(?P<role>new|old|build)-(?P<pid>[0-9]+)-")


def clean_stale_staging(out_dir: Path) -> list[str]:
    """Remove the staging folders of `out_dir` left by builds that are dead; the names removed.

    Call while holding the folder's lock. A folder named `.NAME.new-PID-*`, `.NAME.old-PID-*`
    or `.NAME.build-PID-*` (`write.staging_prefix`) beside `out_dir` whose PID is not a
    running process is removed; but when `out_dir` is missing, the old tree of a swap
    killed between its two renames (`.NAME.old-PID-*`) is first put back in its place.
    """
    out = out_dir.resolve()
    prefix = f".{out.name}."
    try:
        names = sorted(name for name in os.listdir(out.parent) if name.startswith(prefix))
    except FileNotFoundError:
        return []
    removed = []
    for name in names:
        match = _STAGING_NAME.match(name, len(prefix) - 1)
        if match is None or _is_running(int(match["pid"])) or not (out.parent / name).is_dir():
            continue
        if match["role"] == "old" and not os.path.lexists(out):
            os.rename(out.parent / name, out)
            continue
        shutil.rmtree(out.parent / name, ignore_errors=True)
        removed.append(name)
    return removed


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
