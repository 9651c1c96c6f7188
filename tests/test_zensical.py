"""Engine independence: the site built by Zensical from `policykb pages`, indexed by Pagefind, searches the same.

Zensical reads `mkdocs.yml` and the theme overrides but runs no MkDocs hooks, so it builds the
complete docs folder that `policykb pages --with-content` writes; `python -m generators.outputs.search`
then indexes the result as `policykb build` indexes MkDocs' site.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .conftest import AS_OF, DATA, ROOT
from .test_site_browser import result_pages, search

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def build_with_zensical(data: Path, folder: Path) -> Path:
    """The site of `data` built by Zensical in `folder` and indexed for search; its site folder."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [sys.executable, "-m", "generators.adapters.cli", "--data", str(data), "pages", "--out", str(folder / "docs"), "--with-content", str(ROOT / "content"), "--as-of", AS_OF.isoformat()]
    subprocess.run(pages, check=True, capture_output=True, cwd=ROOT)
    # Zensical wants the docs folder inside the folder of its configuration.
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^docs_dir: .*$", "docs_dir: docs", config)
    config = re.sub(r"(?m)^site_dir: .*$", "site_dir: site", config)
    (folder / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "overrides", folder / "overrides")
    built = subprocess.run([sys.executable, "-m", "zensical", "build", "--config-file", "mkdocs.yml"], cwd=folder, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    indexed = subprocess.run([sys.executable, "-m", "generators.outputs.search", str(folder / "site")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert indexed.returncode == 0, indexed.stdout + indexed.stderr
    return folder / "site"


@pytest.fixture(scope="module")
def zensical_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The repository's site built by Zensical, served on 127.0.0.1."""
    site = build_with_zensical(DATA, tmp_path_factory.mktemp("zensical"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.mark.parametrize(("query", "section"), [("glioma", "#criterion-glial-neoplasm-grading"), ("c713", "#code-C71.0-C71.9")])
def test_a_zensical_build_finds_the_policy_with_the_same_search_box(page: Any, zensical_site_url: str, query: str, section: str) -> None:
    page.goto(zensical_site_url)
    results = search(page, query)
    assert result_pages(results)[:1] == [zensical_site_url + "policies/6.01.03/"]
    links = results.locator("a").evaluate_all("anchors => anchors.map(a => a.getAttribute('href'))")
    assert "/policies/6.01.03/" + section in links
