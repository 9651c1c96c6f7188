"""The built site: `policykb build` runs `mkdocs build --strict` cleanly, atomically and reproducibly.

The site is built once per session (the `built_site` fixture) and shared with the browser tests.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generators.build.assemble import read_hand_written, render_outputs, source_date_epoch
from generators.adapters.cli import main
from generators.model import Library
from generators.outputs.json_api import render_api
from generators.outputs.site import render_site_pages
from generators.outputs.search import BUNDLE_FOLDER
from generators.build.write import MARKER_TEXT, OUTPUT_MARKER

from .conftest import DATA, ROOT, AS_OF

POLICY_HTML = "policies/6.01.03/index.html"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.json_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(str(values[name]))
        if tag == "a" and values.get("type") == "application/json":
            self.json_links.append(str(values.get("href")))


@functools.cache
def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_generated_page_and_data_file_is_published(library: Library, built_site: Path, site_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for source in render_site_pages(library, AS_OF):
        assert (built_site / source.replace(".md", ".html")).is_file(), source
    monkeypatch.setenv("POLICYKB_SITE_URL", site_url)  # the site was built for it: the schemas' `$id` are under it
    for path, content in render_api(library, AS_OF).items():
        assert (built_site / path).read_bytes() == content, path


def test_nothing_is_written_into_the_docs_folder(library: Library, built_site: Path) -> None:
    written = [path for path in render_outputs(library, AS_OF) if (ROOT / "content" / path).exists()]
    assert written == []


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    problems = []
    # 404.html is served from any folder, so the theme links it from the site root.
    pages = sorted(p for p in built_site.rglob("*.html") if p.name != "404.html")
    # Our finished pages (archived revisions, "what changed") are checked too, stylesheets included.
    standalone = [page for page in pages if 'class="pkb-standalone"' in page.read_text(encoding="utf-8")]
    assert {page.relative_to(built_site).as_posix() for page in standalone} == {
        "policies/6.01.03/revisions/2025-01-23/index.html",
        "policies/6.01.03/diffs/2025-01-23..2026-01-22/index.html",
    }
    assert all(any(link.endswith(".min.css") for link in parse(page).links) for page in standalone)
    for page in pages:
        links = parse(page)
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{page.relative_to(built_site)}: {link} -> missing")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in parse(target).ids:
                problems.append(f"{page.relative_to(built_site)}: {link} -> no such anchor")
    assert problems == []


def test_every_json_link_leads_to_a_json_document(built_site: Path) -> None:
    pages = [p for p in sorted(built_site.rglob("*.html")) if p.name != "404.html"]
    found = {page.relative_to(built_site).as_posix(): parse(page).json_links for page in pages}
    assert found[POLICY_HTML][0] == "../../api/v1/policies/6.01.03/revisions/2026-01-22.json"
    for page, links in found.items():
        for link in links:
            json.loads((built_site / page).parent.joinpath(link).read_text(encoding="utf-8"))


def test_sitemap_dates_come_from_the_data(library: Library, built_site: Path) -> None:
    newest = date.fromtimestamp(source_date_epoch(library))
    lastmods = set(re.findall(r"<lastmod>([^<]+)</lastmod>", (built_site / "sitemap.xml").read_text(encoding="utf-8")))
    assert lastmods == {newest.isoformat()}


def test_compressed_sitemap_carries_the_data_date_not_the_build_time(library: Library, built_site: Path) -> None:
    header = (built_site / "sitemap.xml.gz").read_bytes()[:8]
    assert int.from_bytes(header[4:8], "little") == source_date_epoch(library)  # gzip MTIME field


def test_invalid_data_stops_the_build_and_keeps_the_previous_site(data_copy: Path, edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    previous = tmp_path / "site"
    previous.mkdir()
    (previous / OUTPUT_MARKER).write_bytes(MARKER_TEXT)  # a site policykb built
    (previous / "index.html").write_text("previous build", encoding="utf-8")
    edit("6.01.03/revisions/2026-01-22.yaml", "determination: investigational", "determination: maybe")
    code = main(["--data", str(data_copy), "build", "--out", str(previous), "--config", str(ROOT / "mkdocs.yml")])
    assert code == 1
    assert "2026-01-22.yaml:" in capsys.readouterr().err
    assert sorted(p.name for p in previous.iterdir()) == [OUTPUT_MARKER, "index.html"]
    assert (previous / "index.html").read_text(encoding="utf-8") == "previous build"


def test_a_failing_mkdocs_build_keeps_the_previous_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: broken\ndocs_dir: docs\nnav:\n  - missing.md\n", encoding="utf-8")
    previous = tmp_path / "site"
    previous.mkdir()
    (previous / OUTPUT_MARKER).write_bytes(MARKER_TEXT)  # a site policykb built
    (previous / "index.html").write_text("previous build", encoding="utf-8")
    code = main(["--data", str(DATA), "build", "--out", str(previous), "--config", str(config)])
    assert code == 1
    assert "mkdocs build --strict failed" in capsys.readouterr().err
    assert (previous / "index.html").read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "mkdocs.yml", "site"]  # no staging left behind


def test_plain_mkdocs_build_reports_invalid_data_with_locations_and_no_traceback(data_copy: Path, edit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    edit("6.01.03/revisions/2026-01-22.yaml", "label: A", "label: A.")
    env = {**os.environ, "POLICYKB_DATA": str(data_copy), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert re.search(r"2026-01-22\.yaml:\d+:\d+: error: statements\[0\]\.criteria\.all_of\[0\]\.label:", result.stderr), result.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_pages_command_writes_a_complete_docs_folder(tmp_path: Path, library: Library) -> None:
    out = tmp_path / "docs"
    assert main(["--data", str(DATA), "pages", "--out", str(out), "--with-content", str(ROOT / "content"), "--as-of", AS_OF.isoformat()]) == 0
    assert (out / "policies/6.01.03/index.md").read_text(encoding="utf-8") == render_outputs(library, AS_OF, read_hand_written(ROOT / "content").keys())["policies/6.01.03/index.md"]
    assert (out / "api/v1/index.json").is_file()
    assert (out / "guide/authors.md").read_bytes() == (ROOT / "content/guide/authors.md").read_bytes()


def test_pages_command_refuses_a_hand_written_file_in_place_of_a_generated_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    (content / "policies" / "6.01.03").mkdir(parents=True)
    (content / "policies" / "6.01.03" / "index.md").write_text("# hand-written\n", encoding="utf-8")
    code = main(["--data", str(DATA), "pages", "--out", str(tmp_path / "docs"), "--with-content", str(content)])
    assert code == 1
    assert "policies/6.01.03/index.md" in capsys.readouterr().err
    assert not (tmp_path / "docs").exists()


def test_build_without_a_mkdocs_configuration_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data", str(DATA), "build", "--out", str(tmp_path / "site"), "--config", str(tmp_path / "missing.yml")])
    assert code == 1
    assert "no MkDocs configuration" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_policykb_build_publishes_what_the_hook_alone_publishes(library: Library, built_site: Path, site_url: str, tmp_path: Path) -> None:
    """`policykb build` renders once and hands MkDocs the pages; a plain `mkdocs build` renders through the hook: same site.

    Only the search index differs: Pagefind runs after the site generator, in `policykb build`.
    """
    from .trees import snapshot_tree, tree_differences

    plain = tmp_path / "plain"
    env = {**os.environ, "POLICYKB_DATA": str(DATA), "SOURCE_DATE_EPOCH": str(source_date_epoch(library)), "NO_MKDOCS_2_WARNING": "1", "POLICYKB_SITE_URL": site_url, "POLICYKB_AS_OF": AS_OF.isoformat()}
    env.pop("POLICYKB_PRERENDERED", None)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(plain)]
    assert subprocess.run(command, env=env, check=False).returncode == 0
    with_search = snapshot_tree(built_site)
    assert "pagefind/pagefind.js" in with_search
    without_search = {path: content for path, content in with_search.items() if not path.startswith(f"{BUNDLE_FOLDER}/")}
    assert tree_differences(without_search, snapshot_tree(plain)) == []


def test_a_build_into_a_gh_pages_checkout_keeps_its_git_and_cname_and_publishes_readable_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    (site / ".git").mkdir(parents=True)
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (site / ".nojekyll").write_bytes(b"")
    (site / "CNAME").write_text("policies.example.org\n", encoding="utf-8")
    previous = os.umask(0o077)  # MkDocs, in its own process, writes under it too
    try:
        code = main(["--data", str(DATA), "build", "--out", str(site), "--config", str(ROOT / "mkdocs.yml")])
    finally:
        os.umask(previous)
    assert code == 0, capsys.readouterr().err
    assert (site / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/gh-pages\n"
    assert (site / "CNAME").read_text(encoding="utf-8") == "policies.example.org\n" and (site / ".nojekyll").exists()
    assert (site / "index.html").is_file() and (site / OUTPUT_MARKER).is_file()
    modes = {oct(p.stat().st_mode & 0o777) for p in site.rglob("*") if ".git" not in p.parts and not p.is_symlink()}
    assert modes == {"0o644", "0o755"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_not_found_page_says_where_to_look(built_site: Path, site_url: str) -> None:
    page = (built_site / "404.html").read_text(encoding="utf-8")
    assert "<h1>Page not found</h1>" in page
    assert 'class="md-search pkb-search"' in page  # the search box, in the header like on every page
    for target in ("policies/", "lookup/", "upcoming/"):
        assert f'href="{site_url}{target}"' in page, target


# --------------------------------------------------------------------------- the whole policy on its page


def _visible_words(html_text: str) -> str:
    """The words of a page's article, lower case, space-separated, with a space at each end."""
    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(html_text[html_text.index("<article") : html_text.index("</article>")])
    return " " + " ".join(re.findall(r"[a-z0-9]+", " ".join(parser.parts).lower())) + " "


def _as_printed_on_the_site(cell: str) -> str:
    """A cell of the published text as the site words it: dates long-form, no list markup, no statement label."""
    cell = re.sub(r"<[^>]+>|•", " ", cell)
    cell = re.sub(r"^\s*-\s+(?:[IVX]+\.\s+)?", "", cell)  # the statement's numeral stands in its own element, before its badge
    return re.sub(r"\b(\d\d)/(\d\d)/(\d\d)\b", lambda m: datetime.strptime(m.group(0), "%m/%d/%y").strftime("%B %-d, %Y"), cell)


def test_every_fact_of_the_published_document_is_on_the_policy_page_alone(built_site: Path) -> None:
    """Issue 18: the policy page (the revision in effect, 2026-01-22) carries every line of the published text, history included."""
    from .test_transcription import published_lines

    words = _visible_words((built_site / "policies" / "6.01.03" / "index.html").read_text(encoding="utf-8"))
    layout_labels = {"Medical Policy Title"}  # the page's title is the title itself
    missing = []
    for line in published_lines():
        for cell in line.split("\t"):
            expected = re.findall(r"[a-z0-9]+", _as_printed_on_the_site(cell).lower())
            if cell not in layout_labels and expected and f" {' '.join(expected)} " not in words:
                missing.append(cell)
    assert missing == []
