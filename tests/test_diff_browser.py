"""The "what changed" page in Material for MkDocs and real Chromium: summary first, marked insertions.

The full site is another build's job; this test builds a small MkDocs site around the diff
page (with stub pages at the URLs it links to) in strict mode, so a broken link or invalid
Markdown fails here, then opens the page in Chromium.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generators import urls
from generators.model import Library
from generators.render.diffs import DIFF_CSS_PATH, render_diff_api, render_diff_assets, render_diff_pages

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/lib/chromium/chromium"
PAIR = ("2025-01-23", "2026-01-22")

MKDOCS_YML = f"""\
site_name: diff page check
use_directory_urls: true
theme:
  name: material
  font: false
markdown_extensions:
  - md_in_html
extra_css:
  - {DIFF_CSS_PATH}
validation:
  links:
    not_found: warn
    absolute_links: warn
    unrecognized_links: warn
"""


@pytest.fixture(scope="module")
def site(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("diffsite")
    docs = root / "content"
    files: dict[str, str] = {"index.md": "# Home\n", **render_diff_pages(library), **render_diff_assets()}
    for page in (urls.page_policy("6.01.03"), urls.page_history("6.01.03"), urls.page_revision("6.01.03", PAIR[0])):
        files[page + "index.md"] = f"# Stub of {page}\n"
    for path, text in files.items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(text, encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "docs_dir: content\n", encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root, capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    for path, content in render_diff_api(library).items():
        (root / "site" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "site" / path).write_bytes(content)
    return root / "site"


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    SimpleHTTPRequestHandler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (scripts/setup.sh --test installs it)")
def test_what_changed_page_in_chromium(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page()
            page.goto(base_url + urls.page_diff("6.01.03", *PAIR))
            assert page.locator("h1").inner_text() == "What changed in 6.01.03: 2025-01-23 → 2026-01-22"
            summary = page.locator("ul.pkb-diff-summary li").all_inner_texts()
            assert summary[3] == "Statement II added: MRS is considered not medically necessary for all spine uses."
            assert "Statement 'MRS is considered investigational for all other indications' renumbered II -> III, wording unchanged." in summary
            # The summary comes before the redline on screen.
            assert page.locator("ul.pkb-diff-summary").bounding_box()["y"] < page.locator(".pkb-change").first.bounding_box()["y"]

            added = page.locator(".pkb-change--added", has_text="Statement II")
            assert added.locator(".pkb-badge").inner_text() == "ADDED"
            insertion = added.locator("ins.pkb-ins")
            assert insertion.inner_text() == "[+MRS is considered not medically necessary for all spine uses.+]"
            assert "underline" in insertion.evaluate("e => getComputedStyle(e).textDecorationLine")
            deletion = page.locator("del.pkb-del", has_text="E/I").first
            assert deletion.inner_text() == "[-E/I-]"
            assert "line-through" in deletion.evaluate("e => getComputedStyle(e).textDecorationLine")

            # Without colour (print), the markers and lines still say what changed.
            page.emulate_media(media="print")
            assert insertion.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
            assert insertion.inner_text().startswith("[+") and insertion.is_visible()

            page.emulate_media(media="screen")
            page.get_by_text("This diff as JSON").click()
            assert page.url.endswith(urls.api_diff("6.01.03", *PAIR))
            assert '"schema_url": "api/v1/schema/diff.schema.json"' in page.content()
        finally:
            browser.close()
