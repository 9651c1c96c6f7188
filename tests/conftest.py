"""Shared fixtures: the repository's data, loaded once, and helpers to break copies of it."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from generators.domain import icd10
from generators.domain.lifecycle import PolicyTimeline
from generators.model import Library, Policy
from generators.outputs.json_api import readable_json
from generators.outputs.standalone import theme_stylesheets
from generators.load.validate import load_library

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "policy_data"
#: The published text of 6.01.03, kept beside its data; the shared copy is the original.
SOURCE = DATA / "6.01.03" / "source" / "2026-01-22.txt"
CHROMIUM = "/usr/lib/chromium/chromium"
SHARED_SOURCE = ROOT.parent / "shared" / "source" / "6.01.03-magnetic-resonance-spectroscopy.txt"
_CODESET_CACHE = pytest.StashKey[str]()
#: The date the tests build for: 6.01.03's 2026-01-22 revision is in effect (since May 15, 2026).
AS_OF = date(2026, 12, 4)


def timeline(policy: Policy) -> PolicyTimeline:
    """`policy` as of the tests' date."""
    return PolicyTimeline(policy, AS_OF)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the ICD-10-CM snapshot in a folder of this session, never in the user's cache.

    Set before collection (strategies read the code set at import); built once per session.
    """
    config.stash[_CODESET_CACHE] = folder = tempfile.mkdtemp(prefix="policykb-codeset-")
    os.environ[icd10.CACHE_VARIABLE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's snapshot folder."""
    if _CODESET_CACHE in config.stash:
        shutil.rmtree(config.stash[_CODESET_CACHE], ignore_errors=True)


@pytest.fixture(scope="session")
def library() -> Library:
    """The knowledge base as committed."""
    return load_library(DATA)


@pytest.fixture(scope="session")
def synthetic_library(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int, int], Path]:
    """The benchmarks' synthetic library of (policies, revisions, seed), generated once per session.

    Shared by every test that asks for the same one: read it, or copy it to edit it.
    """
    from benchmarks.synthetic import generate_library

    made: dict[tuple[int, int, int], Path] = {}

    def library(policies: int, revisions: int, seed: int) -> Path:
        key = (policies, revisions, seed)
        if key not in made:
            folder = tmp_path_factory.mktemp("synthetic") / f"library-{policies}x{revisions}-seed{seed}"
            generate_library(folder, policies=policies, revisions=revisions, seed=seed)
            made[key] = folder
        return made[key]

    return library


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of policy_data to break."""
    target = tmp_path / "policy_data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def edit(data_copy: Path) -> Callable[[str, str, str], Path]:
    """Replace `old` by `new` (exactly once) in a file of the data copy."""

    def apply(relative: str, old: str, new: str) -> Path:
        path = data_copy / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    return apply


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After the run, say how much of the bad-input corpus was exercised and rejected."""
    from .corpus_support import RESULTS, load_cases

    if not RESULTS:
        return
    total = len(load_cases())
    kinds = sorted({kind for kind, _ in RESULTS.values()})
    codes = sorted({code for _, code in RESULTS.values()})
    terminalreporter.write_sep("-", "bad-input corpus")
    terminalreporter.write_line(
        f"{len(RESULTS)} of {total} broken inputs rejected as expected; "
        f"{len(kinds)} kinds of broken input, {len(codes)} distinct error codes"
    )
    terminalreporter.write_line(f"error codes: {', '.join(codes)}")
# --------------------------------------------------------------------------- the built site
# Built once per test session and shared by the build tests and the browser tests.


@pytest.fixture(scope="session")
def site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """An HTTP server on 127.0.0.1 (any free port) for the site folder, and its URL.

    The server starts before the site is built, so the build knows its URL: Material's
    instant navigation follows only links whose address matches the sitemap's.
    """
    from .trees import served

    root = tmp_path_factory.mktemp("built") / "site"
    with served(root) as url:
        yield root, url


@pytest.fixture(scope="session")
def built_site(site_server: tuple[Path, str]) -> Path:
    """The whole site as `policykb build` makes it: validation, then `mkdocs build --strict`."""
    from generators.adapters.cli import main

    out, url = site_server
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POLICYKB_SITE_URL", url)
        code = main(["--data", str(DATA), "build", "--out", str(out), "--config", str(ROOT / "mkdocs.yml"), "--as-of", AS_OF.isoformat()])
    assert code == 0, "policykb build failed; its output is above"
    return out


@pytest.fixture(scope="session")
def site_url(site_server: tuple[Path, str], built_site: Path) -> str:
    """The URL of the built site, served over HTTP."""
    return site_server[1]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser tab of desktop size."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


# --------------------------------------------------------------------------- golden files


def without_theme_hashes(source: str) -> str:
    """The page with Material's hashed stylesheet names as `main.<hash>.min.css`: golden files outlive a Material upgrade."""
    for path in theme_stylesheets():
        stem = path.rsplit("/", 1)[1].split(".", 1)[0]
        source = source.replace(path, f"assets/stylesheets/{stem}.<hash>.min.css")
    return source


UPDATE_GOLDEN = os.environ.get("POLICYKB_UPDATE_GOLDEN") == "1"


def check_golden(golden: Path, actual: bytes | str, *, published_json: Callable[[Any], bytes] | None = None) -> None:
    """Compare generated bytes with their committed golden file; rewrite it instead when POLICYKB_UPDATE_GOLDEN=1.

    Published JSON data files are compact (`dump_json`); pass `published_json=dump_json` and
    the golden file keeps them indented, so that a change reads as a diff of lines when
    reviewed. The comparison is still of every byte: the golden value serialised by
    `published_json` must equal `actual`.
    """
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data if published_json is None else readable_json(json.loads(data)))
    assert golden.exists(), f"no golden file {golden}; run with POLICYKB_UPDATE_GOLDEN=1 to create it"
    expected = golden.read_bytes()
    if published_json is not None:
        expected = published_json(json.loads(expected))
    assert data == expected, f"{golden.name} differs from its golden file; if intended, regenerate with POLICYKB_UPDATE_GOLDEN=1 and review the change"
