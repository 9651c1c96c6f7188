"""Helpers for tests about output folders: snapshots, differences, running the CLI for real.

Used by the determinism and atomic-output tests; the site's tests can use them the same way:

    first = run_policykb("--data", data, "build", "--out", tmp / "a")
    assert tree_differences(snapshot_tree(tmp / "a"), snapshot_tree(tmp / "b")) == []
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from generators.build.write import OUTPUT_MARKER

ROOT = Path(__file__).resolve().parent.parent


def snapshot_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by POSIX relative path, with its bytes (empty if absent).

    Not the marker policykb puts at the top of each tree it writes (`write.OUTPUT_MARKER`):
    it is no output of the data (its own tests are in `tests/test_output_safety.py`).
    """
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p != folder / OUTPUT_MARKER}


def tree_differences(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    """Readable differences between two snapshots: files only in one, files that differ."""
    problems = [f"only in the first: {name}" for name in sorted(first.keys() - second.keys())]
    problems += [f"only in the second: {name}" for name in sorted(second.keys() - first.keys())]
    problems += [f"differs: {name}" for name in sorted(first.keys() & second.keys()) if first[name] != second[name]]
    return problems


def run_policykb(*args: str | Path, hash_seed: str = "0", cwd: Path = ROOT, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `policykb` in a fresh interpreter (its own hash seed), capturing its output."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "generators.adapters.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """The URL of `folder` served on 127.0.0.1 (any free port) while the context lasts.

    The folder may be filled after the server starts: a build that must know its URL first.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
