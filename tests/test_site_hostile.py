"""No script from data, on the real site: the hostile fixture built by `policykb build`, opened in Chromium.

`tests/data/hostile/` is a valid policy (two revisions, so it has an archived page and a
"what changed" page too) whose every text field is an attack on HTML or Markdown; each
payload would set `window.__policykb_xss` if it ran. Every generated page of it is opened
in real Chromium: nothing may run, no element may come from the data, and the payloads must
be readable as text. The site is built once for this module.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from generators import urls
from generators.cli import main
from generators.text import to_plain
from generators.validate import load_library

from .conftest import ROOT
from .test_text import HOSTILE_DATA, PAYLOADS

pytestmark = pytest.mark.browser

NUMBER = "9.99.99"
OLD, NEW = "2025-01-23", "2026-01-22"
POLICY_YAML = yaml.safe_load((HOSTILE_DATA / NUMBER / "policy.yaml").read_text(encoding="utf-8"))
#: What is allowed inside a page's article: nothing the data could have asked for.
FORBIDDEN_FROM_DATA = """() => Array.from(document.querySelectorAll("article *")).filter(element =>
    ["script", "img", "iframe", "style", "b", "i", "u"].includes(element.tagName.toLowerCase())
    || (element.tagName.toLowerCase() === "svg" && !element.closest(".twemoji, .md-clipboard, .headerlink"))
    || Array.from(element.attributes).some(attribute => /^on/i.test(attribute.name) || /^\\s*javascript:/i.test(attribute.value))
  ).map(element => element.outerHTML.slice(0, 200))"""


def shown(text: str) -> str:
    """A text field as a reader sees it: the allowed forms applied, whitespace collapsed."""
    return " ".join(to_plain(text).split())


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The hostile fixture built as a whole site (validated first), served on 127.0.0.1."""
    out = tmp_path_factory.mktemp("hostile") / "site"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("POLICYKB_SITE_URL", url)
            code = main(["--data", str(HOSTILE_DATA), "build", "--out", str(out), "--config", str(ROOT / "mkdocs.yml")])
        assert code == 0, "the hostile fixture must be valid data; policykb build's output is above"
        yield out, url
    finally:
        server.shutdown()
        server.server_close()


def change_summary(date: str) -> list[str]:
    return next(entry["changes"] for entry in POLICY_YAML["history"]["change_summaries"] if entry["date"] == date)


TITLE = shown(POLICY_YAML["title"])
#: Every generated page of the hostile policy, with the payloads it must show as text.
PAGES: dict[str, list[str]] = {
    urls.page_policy(NUMBER): [shown(p) for p in PAYLOADS] + [TITLE],
    urls.page_revision(NUMBER, OLD): [shown(p) for p in PAYLOADS] + [TITLE],
    urls.page_diff(NUMBER, OLD, NEW): [shown(p) for p in PAYLOADS],
    urls.page_history(NUMBER): [shown(c) for c in change_summary(NEW) + change_summary(OLD)],
    urls.page_home(): [TITLE],
    urls.page_policies(): [TITLE],
    urls.page_downloads(): [TITLE],
    urls.page_code_lookup() + "?code=G03.9": [f"{NUMBER} {TITLE}"],
    urls.page_code_lookup() + "?code=c713": [f"{NUMBER} {TITLE}", "inside range C71.0-C71.9"],
}


def test_the_hostile_fixture_has_every_kind_of_page(hostile_site: tuple[Path, str]) -> None:
    site, _ = hostile_site
    for page_url in PAGES:
        assert (site / page_url.split("?")[0] / "index.html").is_file(), page_url


@pytest.mark.parametrize("page_url", list(PAGES))
def test_no_payload_runs_and_every_payload_reads_as_text(page: Any, hostile_site: tuple[Path, str], page_url: str) -> None:
    _, site_url = hostile_site
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site_url + page_url)
    page.wait_for_load_state("networkidle")
    if "?code=" in page_url:
        expect(page.locator("article.policykb-lookup__code")).to_have_count(1)
    assert page.evaluate("() => typeof window.__policykb_xss") == "undefined"
    assert dialogs == []
    assert page.evaluate(FORBIDDEN_FROM_DATA) == []
    text = " ".join(page.locator("article.md-content__inner").inner_text().split())
    missing = [payload for payload in PAGES[page_url] if payload not in text]
    assert missing == [], f"not shown as text on {page_url}"


def test_published_json_carries_the_hostile_text_unchanged(hostile_site: tuple[Path, str]) -> None:
    site, _ = hostile_site
    library = load_library(HOSTILE_DATA)
    for revision in library.policies[0].revisions:
        source = yaml.safe_load((HOSTILE_DATA / NUMBER / "revisions" / f"{revision.key}.yaml").read_text(encoding="utf-8"))
        published = json.loads((site / urls.api_revision(NUMBER, revision.key)).read_text(encoding="utf-8"))["revision"]
        for field in ("title", "description", "cms", "disclaimer", "policy_guidelines"):
            assert published[field] == source[field], field
        assert [s["text"] for s in published["statements"]] == [s["text"] for s in source["statements"]]
        assert published["preamble"] == source["preamble"]
    policy = json.loads((site / urls.api_policy(NUMBER)).read_text(encoding="utf-8"))
    assert policy["history"]["change_summaries"] == POLICY_YAML["history"]["change_summaries"]
