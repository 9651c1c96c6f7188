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
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from generators import urls
from generators.adapters.cli import main
from generators.text import to_plain
from generators.load.validate import load_library

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


# --------------------------------------------------------------------------- attribute contexts

#: Attributes no page of ours has; data that closes an attribute value would bring them in.
HOSTILE_ATTRIBUTE = re.compile(r"^(on.*|http-equiv|srcdoc|formaction|autofocus|style)$")
#: Elements no page of ours has; data that leaves a text or attribute context would bring them in.
HOSTILE_ELEMENTS = {"img", "iframe", "object", "embed", "base", "frame", "frameset"}


#: The plan's logo (`extra.policykb.logo` in mkdocs.yml): the one image our pages have, from configuration, never from data.
PLAN_LOGO = "assets/images/logo.svg"


def is_plan_logo(tag: str, attributes: dict[str, str | None]) -> bool:
    """The header's logo: an `<img>` of the configured file with a fixed alt text, nothing else."""
    return tag == "img" and set(attributes) == {"src", "alt"} and ("/" + (attributes["src"] or "")).endswith("/" + PLAN_LOGO) and attributes["alt"] in ("", "logo")


class Tags(HTMLParser):
    """Every start tag of a page with its attributes as a browser reads them, and script texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def tags_of(page: Path) -> Tags:
    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_the_fixture_attacks_every_attribute_context() -> None:
    revision = yaml.safe_load((HOSTILE_DATA / NUMBER / "revisions" / f"{NEW}.yaml").read_text(encoding="utf-8"))
    reaching_attributes = [POLICY_YAML["title"], POLICY_YAML["category"], revision["title"], revision["codes"]["legend"][0]["meaning"]]
    for text in reaching_attributes:
        assert all(piece in text for piece in ('"', "'", "<", "&", "\n", "</script>")), text
    assert POLICY_YAML["category"].startswith("0;url=https://evil.example/#")


def test_no_data_text_leaves_an_attribute_on_any_built_page(hostile_site: tuple[Path, str]) -> None:
    """The open redirect of issue 17: a `"` in a title closed `<meta content="...">`."""
    site, _ = hostile_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        found = tags_of(page)
        where = page.relative_to(site).as_posix()
        for tag, attributes in found.tags:
            assert tag not in HOSTILE_ELEMENTS or is_plan_logo(tag, attributes), f"<{tag} {attributes}> on {where}"
            assert not [name for name in attributes if HOSTILE_ATTRIBUTE.match(name)], f"<{tag} {attributes}> on {where}"
            for name in ("href", "src", "action"):
                value = (attributes.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), f"<{tag} {attributes}> on {where}"
            if tag == "meta":
                assert set(attributes) <= {"charset", "name", "content", "property"}, f"<meta {attributes}> on {where}"
        assert not [s for s in found.scripts if "__policykb_xss" in s or "evil.example" in s], where


def _one_line(text: str) -> str:
    return " ".join(to_plain(text).split()).replace("<", "‹").replace(">", "›")


def test_each_attribute_holds_its_whole_hostile_text(hostile_site: tuple[Path, str]) -> None:
    site, _ = hostile_site
    policy_page = tags_of(site / urls.page_policy(NUMBER) / "index.html")
    descriptions = [a["content"] for tag, a in policy_page.tags if tag == "meta" and a.get("name") == "description"]
    assert descriptions == [f"{_one_line(POLICY_YAML['category'])} {NUMBER}: {_one_line(POLICY_YAML['title'])}"]
    revision = yaml.safe_load((HOSTILE_DATA / NUMBER / "revisions" / f"{NEW}.yaml").read_text(encoding="utf-8"))
    meaning = " ".join(to_plain(revision["codes"]["legend"][0]["meaning"]).split())
    titles = [a["title"] for tag, a in policy_page.tags if tag == "abbr" and "pkb-flag" in (a.get("class") or "") and "title" in a]
    assert titles and set(titles) == {meaning}
    archived = tags_of(site / urls.page_revision(NUMBER, OLD) / "index.html")
    descriptions = [a["content"] for tag, a in archived.tags if tag == "meta" and a.get("name") == "description"]
    assert descriptions == [f"Superseded revision {OLD} of {' '.join(to_plain(POLICY_YAML['category']).split())} {NUMBER}"]


def test_the_printed_running_head_is_one_css_string(hostile_site: tuple[Path, str]) -> None:
    # The plan's name and the policy's title at the top of every printed page (overrides/main.html).
    site, _ = hostile_site
    page = (site / urls.page_policy(NUMBER) / "index.html").read_text(encoding="utf-8")
    styles = re.findall(r'<style>@page \{ @top-left \{ content: "(.*)"; \} \}</style>', page)
    assert len(styles) == 1
    assert '"' not in styles[0] and "<" not in styles[0] and "\\3c /script>" in styles[0]
