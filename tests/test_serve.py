"""The author's preview: `mkdocs serve` renders again only the policy that changed, and serves a clean build's site.

Each test runs a real `mkdocs serve` on a small synthetic library (a copy of `mkdocs.yml` in
a temporary folder, so its cache, `.policykb-cache/serve/`, is the test's own), edits a
revision, and compares what the server publishes with a clean `mkdocs build` of the edited data.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.serve import REBUILT, ServerLog, config_copy, edit_title, free_port
from benchmarks.synthetic import generate_library
from generators.adapters.mkdocs_hook import _link_outputs

from .trees import snapshot_tree, tree_differences

POLICIES = 4  # one edited policy is a quarter: the most an incremental build renders again
EPOCH = "1767225600"
INVENTORY = "objects.inv"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serve-lib") / "lib"
    generate_library(out, policies=POLICIES, revisions=2, seed=3)
    return out


@pytest.fixture(scope="module")
def port() -> int:
    """One port for every preview of the module, so that one clean build serves as the reference."""
    return free_port()


def _edited(data: Path) -> tuple[str, Path]:
    """The policy the tests edit, and its newest revision file."""
    number = sorted(folder.name for folder in data.iterdir() if folder.is_dir())[0]
    return number, sorted((data / number / "revisions").glob("*.yaml"))[-1]


def _env(data: Path, **extra: str) -> dict[str, str]:
    # Built for a day after every synthetic revision took effect: an edit of the newest one shows on its policy page.
    env = {**os.environ, "POLICYKB_DATA": str(data), "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1", "POLICYKB_AS_OF": "2027-12-31", **extra}
    env.pop("POLICYKB_PRERENDERED", None)
    return env


@pytest.fixture(scope="module")
def clean_site(pristine: Path, port: int, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A plain `mkdocs build --strict` of the library after the tests' edit, at the preview's URL."""
    work = tmp_path_factory.mktemp("serve-clean")
    data = work / "data"
    shutil.copytree(pristine, data)
    edit_title(_edited(data)[1], "Edited")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "--config-file", str(config_copy(work)), "--site-dir", str(work / "site")]
    subprocess.run(command, env=_env(data, POLICYKB_SITE_URL=f"http://127.0.0.1:{port}/"), check=True)
    assert sorted(path.name for path in work.iterdir()) == ["data", "mkdocs.yml", "site"]  # no cache, no throwaway folder left
    return snapshot_tree(work / "site")


class Preview:
    """A running `mkdocs serve` of `data`, its log, and the folder it serves."""

    def __init__(self, work: Path, data: Path, port: int, dirty: bool) -> None:
        self.tmp = work / "tmp"
        self.tmp.mkdir()
        self.url = f"http://127.0.0.1:{port}/"
        self.dirty = dirty
        command = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "--config-file", str(config_copy(work)), *(["--dirty"] if dirty else [])]
        self.process = subprocess.Popen(command, cwd=work, env=_env(data, TMPDIR=str(self.tmp)), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.log = ServerLog(self.process)
        self.log.start()

    def site_dir(self) -> Path:
        """The folder MkDocs serves (a temporary folder of its own, in our `TMPDIR`)."""
        (folder,) = self.tmp.glob("mkdocs_*")
        return folder

    def mark(self) -> int:
        """Where the log is now, for `lines_until`."""
        return len(self.log.lines)

    def lines_until(self, pattern: str, mark: int, *, errors: bool = False) -> str:
        """The log from `mark` to the first line matching `pattern` after it."""
        index = self.log.wait_for(re.compile(pattern), mark, timeout=300, errors=errors)[0]
        return "\n".join(line for _, line in self.log.lines[mark : index + 1])

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=120) as response:  # noqa: S310 - our own local server
            return bytes(response.read())

    def get_with_status(self, path: str, timeout: float) -> tuple[int, bytes]:
        """(status, body) of a request, an error status included; a hanging server fails it by `timeout`."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:  # noqa: S310 - our own local server
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), bytes(error.read())

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        assert self.process.stderr is not None
        self.process.stderr.close()


@pytest.fixture
def preview(request: pytest.FixtureRequest, pristine: Path, port: int, tmp_path: Path) -> Iterator[tuple[Preview, Path]]:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    server = Preview(tmp_path, data, port, dirty=request.param)
    try:
        server.log.wait_for(re.compile("Serving on"), 0, timeout=300)
        yield server, data
    finally:
        server.stop()


@pytest.mark.parametrize("preview", [False, True], ids=["serve", "serve-dirty"], indirect=True)
def test_a_rebuild_renders_only_the_edited_policy_and_serves_what_a_clean_build_makes(preview: tuple[Preview, Path], clean_site: dict[str, bytes], tmp_path: Path) -> None:
    server, data = preview
    first = "\n".join(line for _, line in server.log.lines)
    assert f"policykb: rendered {POLICIES} policies into {tmp_path / '.policykb-cache' / 'serve' / 'site-sources'}" in first

    number, revision = _edited(data)
    mark = server.mark()
    edit_title(revision, "Edited")  # the data folder is not in mkdocs.yml's watch list: the hook adds it
    assert f"policykb: rendered 1 changed policy again, kept {POLICIES - 1} (" in server.lines_until(REBUILT.pattern, mark)
    assert b"Edited" in server.get(f"policies/{number}/")
    assert b"Edited" in server.get(f"api/v1/policies/{number}/revisions/{revision.stem}.json")

    served, expected = snapshot_tree(server.site_dir()), clean_site
    if server.dirty:
        # mkdocstrings lists the API objects of the reference pages it converted, and a dirty
        # build converts only the changed pages: the inventory (for other sites' links) is short.
        assert len(served.pop(INVENTORY)) < len(expected.pop(INVENTORY))
    # The server adds its reload script to pages as it sends them; the files are a clean build's.
    assert tree_differences(served, expected) == []


@pytest.mark.parametrize("preview", [False, True], ids=["serve", "serve-dirty"], indirect=True)
def test_while_the_data_is_invalid_each_rebuild_prints_the_problems_and_every_page_shows_them_until_the_fix(preview: tuple[Preview, Path]) -> None:
    server, data = preview
    number, revision = _edited(data)
    other = sorted(folder.name for folder in data.iterdir() if folder.is_dir())[1]
    text = revision.read_text(encoding="utf-8")
    broken = re.sub(r"determination: \w+", "determination: maybe", text)
    count = text.count("determination: ")
    located = rf"{re.escape(revision.name)}:\d+:\d+: error: statements\[\d+\]\.determination:"
    for attempt in range(2):  # twice: MkDocs' own log prints a message it printed before only once
        mark, saved = server.mark(), time.monotonic()
        revision.write_text(broken + "\n" * attempt, encoding="utf-8")
        index, built, _ = server.log.wait_for(REBUILT, mark, timeout=300, errors=True)
        lines = "\n".join(line for _, line in server.log.lines[mark : index + 1])
        assert "Traceback" not in lines and "Aborted" not in lines and "An error happened" not in lines
        assert f"policy data in {data} is invalid ({count} problems):" in lines
        assert len(re.findall(located, lines)) == count
        assert built - saved < 20, f"the problems page took {built - saved:.1f} s"  # about 2 s here; generous for a shared machine
        # The page being edited, any other page and a generated library page answer at once, each listing every problem.
        for path, status in ((f"policies/{number}/", 200), ("", 200), ("guide/authors/", 200), (f"policies/{other}/", 404)):
            started = time.monotonic()
            code, body = server.get_with_status(path, timeout=10)
            page = body.decode("utf-8")
            assert (code, len(re.findall(located, page))) == (status, count), path
            assert "is invalid" in page and time.monotonic() - started < 10

    mark = server.mark()
    revision.write_text(text, encoding="utf-8")  # fixed: the preview is back, from the cache
    assert f"policykb: rendered 0 changed policies again, kept {POLICIES} (" in server.lines_until(REBUILT.pattern, mark)
    for path in (f"policies/{number}/", "guide/authors/", ""):  # with --dirty too: the problems pages are all converted again
        page = server.get(path)
        assert re.search(located.encode(), page) is None and b"pkb-problems" not in page, path


def test_a_dirty_rebuild_links_again_only_the_outputs_that_changed(tmp_path: Path) -> None:
    outputs, site = tmp_path / "outputs", tmp_path / "site"
    for path, text in {"api/kept.json": "kept", "api/changed.json": "old", "api/gone.json": "gone"}.items():
        (outputs / path).parent.mkdir(parents=True, exist_ok=True)
        (outputs / path).write_text(text, encoding="utf-8")
    linked = _link_outputs(outputs, site, ["api/kept.json", "api/changed.json", "api/gone.json"], None)
    kept_inode = (site / "api/kept.json").stat().st_ino
    # The next build replaces a file (a new file, renamed over the old one) and stops producing another.
    (outputs / "api/changed.new").write_text("new", encoding="utf-8")
    (outputs / "api/changed.new").replace(outputs / "api/changed.json")
    (outputs / "api/gone.json").unlink()
    (outputs / "api/added.json").write_text("added", encoding="utf-8")
    linked = _link_outputs(outputs, site, ["api/added.json", "api/changed.json", "api/kept.json"], linked)
    assert snapshot_tree(site) == {"api/added.json": b"added", "api/changed.json": b"new", "api/kept.json": b"kept"}
    assert (site / "api/kept.json").stat().st_ino == kept_inode
    assert linked == {"api/added.json", "api/changed.json", "api/kept.json"}
    # After a clean build MkDocs emptied the folder: a file there is another stage's, never replaced.
    with pytest.raises(FileExistsError):
        _link_outputs(outputs, site, ["api/kept.json"], None)


def test_a_policy_added_while_serving_is_built_cleanly_in_worker_processes(tmp_path: Path) -> None:
    """A new policy folder changes the library: the preview builds it all again, in worker processes
    started while the server's threads run (from a fork server), and serves what a clean build makes."""
    library = tmp_path / "library"
    generate_library(library, policies=POLICIES + 1, revisions=2, seed=5)
    added = sorted(folder.name for folder in library.iterdir())[-1]
    port = free_port()
    reference = tmp_path / "reference"
    reference.mkdir()
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "--config-file", str(config_copy(reference)), "--site-dir", str(reference / "site")]
    subprocess.run(command, env=_env(library, POLICYKB_SITE_URL=f"http://127.0.0.1:{port}/"), check=True)

    work = tmp_path / "work"
    work.mkdir()
    data = work / "data"
    shutil.copytree(library, data, ignore=lambda folder, names: [added] if Path(folder) == library else [])
    server = Preview(work, data, port, dirty=False)
    try:
        server.log.wait_for(re.compile("Serving on"), 0, timeout=300)
        mark = server.mark()
        shutil.copytree(library / added, data / added)
        rebuilt = server.lines_until(REBUILT.pattern, mark)
        assert f"policykb: rendered {POLICIES + 1} policies into" in rebuilt  # a clean build: not "changed policy again"
        assert added.encode() in server.get(f"policies/{added}/")
        served = snapshot_tree(server.site_dir())
    finally:
        server.stop()
    assert tree_differences(served, snapshot_tree(reference / "site")) == []
