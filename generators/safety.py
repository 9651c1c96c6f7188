"""Which folders a build may write into: checked before anything is written.

`policykb export`, `build` and `pages` replace their `--out` folder as a whole
(`generators.write.replace_dir_atomically`). Before they start, `check_output_folder`
refuses an `--out` whose replacement would destroy what policykb did not write:

- the current folder or any folder above it (`--out .` in a clone, `--out ..`);
- the data folder, a folder above it or inside it;
- the cache folder, a folder above it (`--cache` inside `--out`) or inside it;
- something that is not a folder;
- an existing folder holding entries policykb did not write: one without the marker file
  (`write.OUTPUT_MARKER`) that holds anything besides entries every build keeps (hidden
  ones and `CNAME`: `write.is_kept_entry`). A missing or empty folder is fine, and so is a
  fresh gh-pages checkout holding only `.git`, `.nojekyll` and `CNAME`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .write import OUTPUT_MARKER, is_kept_entry


class OutputFolderError(ValueError):
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
