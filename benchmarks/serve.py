"""Benchmark the author's preview, `mkdocs serve`, on a library: prints figures, asserts nothing.

On a copy of the library (the original is never touched), with a copy of `mkdocs.yml` in the
work folder (so the preview's cache, `.policykb-cache/serve/` beside it, starts empty and is
removed afterwards; the repository's own cache is left alone), it:

1. starts `mkdocs serve -a 127.0.0.1:<free port>` (optionally `--dirty`) and times the first
   build: until MkDocs prints "Serving on", and MkDocs' own "Documentation built in X seconds";
2. edits one word of the title of one policy's newest revision file and times the rebuild:
   from the edit until the server reloads browsers, and MkDocs' "Documentation built in" figure;
3. fetches the policy page and that revision's JSON file (`api/v1/...`) over HTTP and checks
   both carry the new word (the change is served, and data files are served);
4. stops the server (Ctrl-C, as an author would); with `--restart`, starts it again and
   times the first build with the cache of the first run; removes the work folder.

The data folder is not in `mkdocs.yml`'s watch list: the hook adds it (a rebuild proves it).

Usage: `python benchmarks/serve.py --library /tmp/bench/library-100x5-seed1 [--dirty] [--edits 2] [--restart]`
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
BUILT = re.compile(r"Documentation built in ([0-9.]+) seconds")
# Printed after every successful rebuild ("Documentation built" is not: MkDocs drops a message
# identical to an earlier one, e.g. two builds of 1.64 s).
REBUILT = re.compile(r"Reloading browsers")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_copy(work: Path) -> Path:
    """`mkdocs.yml` in `work`, every path in it pointing back into the repository."""
    text = (REPOSITORY / "mkdocs.yml").read_text(encoding="utf-8")
    for relative in ("generators/adapters/mkdocs_hook.py", "overrides", "policy_data", "generators"):
        text = text.replace(f" {relative}\n", f" {REPOSITORY / relative}\n")
    text = text.replace("docs_dir: content\n", f"docs_dir: {REPOSITORY / 'content'}\n").replace("paths: [.]", f"paths: [{REPOSITORY}]")
    target = work / "mkdocs.yml"
    target.write_text(text, encoding="utf-8")
    return target


@dataclass
class ServerLog:
    """The lines a server prints, with the time each arrived, read in a thread."""

    process: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.changed:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.changed.notify_all()

    def wait_for(self, pattern: re.Pattern[str], after: int, timeout: float, *, errors: bool = False) -> tuple[int, float, re.Match[str]]:
        """The first line from index `after` on that matches: (its index, its time, the match).

        Raises `RuntimeError` on a timeout, and on an error line unless `errors` are expected.
        """
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for index in range(after, len(self.lines)):
                    found = pattern.search(self.lines[index][1])
                    if found:
                        return index, self.lines[index][0], found
                    if not errors and ("ERROR" in self.lines[index][1] or "Aborted" in self.lines[index][1]):
                        raise RuntimeError("the build failed:\n" + "\n".join(line for _, line in self.lines[after:]))
                after = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise RuntimeError(f"no line matching {pattern.pattern!r} within {timeout:.0f} s:\n" + "\n".join(line for _, line in self.lines[-20:]))
                self.changed.wait(min(left, 1.0))


def fetch(url: str) -> tuple[float, bytes]:
    """(seconds, body) of a GET request."""
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=600) as response:  # noqa: S310 - our own local server
        body = response.read()
    return time.monotonic() - start, body


def edit_title(revision_file: Path, word: str) -> None:
    """Replace the first word of the revision's title with `word` (a new file time too)."""
    text = revision_file.read_text(encoding="utf-8")
    edited, count = re.subn(r"^title: \S+", f"title: {word}", text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise RuntimeError(f"{revision_file} has no title line")
    revision_file.write_text(edited, encoding="utf-8")


def built_figure(log: ServerLog, start: int, end: int) -> str:
    """MkDocs' "Documentation built in" figure between two log lines, if it printed one."""
    found = next((match for _, line in log.lines[start:end] if (match := BUILT.search(line))), None)
    return f"{float(found[1]):.1f} s" if found else "not printed"


def serve_once(work: Path, data: Path, dirty: bool, edits: int, timeout: float, label: str) -> None:
    """Start `mkdocs serve`, time its first build and `edits` rebuilds, stop it."""
    number = sorted(folder.name for folder in data.iterdir() if (folder / "policy.yaml").is_file())[0]
    revision_file = sorted((data / number / "revisions").glob("*.yaml"))[-1]
    port = free_port()
    command = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "--config-file", str(work / "mkdocs.yml"), *(["--dirty"] if dirty else [])]
    env = {**os.environ, "POLICYKB_DATA": str(data), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("POLICYKB_PRERENDERED", None)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=work, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    log = ServerLog(process)
    log.start()
    try:
        serving, at, _ = log.wait_for(re.compile("Serving on"), 0, timeout)
        print(f"{label}: {at - started:.1f} s until 'Serving on' (MkDocs: built in {built_figure(log, 0, serving)})")
        base = f"http://127.0.0.1:{port}/"
        for edit in range(1, edits + 1):
            word = f"Edited{edit}"
            after = len(log.lines)
            edited_at = time.monotonic()
            edit_title(revision_file, word)
            index, done_at, _ = log.wait_for(REBUILT, after, timeout)
            page_seconds, page = fetch(f"{base}policies/{number}/")
            json_seconds, data_file = fetch(f"{base}api/v1/policies/{number}/revisions/{revision_file.stem}.json")
            served = word.encode() in page and word.encode() in data_file
            print(
                f"rebuild {edit} after editing {number}/revisions/{revision_file.name}: {done_at - edited_at:.1f} s from the edit "
                f"(MkDocs: built in {built_figure(log, after, index)}); page {page_seconds:.2f} s, JSON {json_seconds:.2f} s; "
                f"change served: {'yes' if served else 'NO'}"
            )
        for _, line in log.lines:
            if "policykb" in line:
                print(f"  log: {line.strip()}")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()


def run(library: Path, dirty: bool, edits: int, restart: bool, timeout: float) -> int:
    with tempfile.TemporaryDirectory(prefix="policykb-serve-bench-") as scratch:
        work = Path(scratch)
        data = work / "data"
        shutil.copytree(library, data)
        config_copy(work)
        policies = len([folder for folder in data.iterdir() if folder.is_dir()])
        print(f"library: {library} ({policies} policies), mkdocs serve{' --dirty' if dirty else ''}")
        serve_once(work, data, dirty, edits, timeout, "first build")
        if restart:
            serve_once(work, data, dirty, 0, timeout, "first build of a new mkdocs serve, with the cache")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True, help="a policy library (copied; never modified)")
    parser.add_argument("--dirty", action="store_true", help="run mkdocs serve --dirty")
    parser.add_argument("--edits", type=int, default=2, help="rebuilds to time, one edit each (default 2)")
    parser.add_argument("--restart", action="store_true", help="then start mkdocs serve again and time its first build (the cache kept)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for a build")
    args = parser.parse_args()
    return run(args.library.resolve(), args.dirty, args.edits, args.restart, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
