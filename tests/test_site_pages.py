"""The generated site pages: what a provider sees, checked on the Markdown sources.

The pages are compared with golden files under `tests/golden/site/`; after an intended change,
regenerate them with `POLICYKB_UPDATE_GOLDEN=1 scripts/test.sh tests/test_site_pages.py` and
review the diff.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
from datetime import date, timedelta
from pathlib import Path

import markdown
import pytest
import yaml

from generators.domain import icd10
from generators import urls
from generators.build.assemble import OutputClashError, is_site_source, merge_outputs, read_hand_written, render_outputs
from generators.model import Library
from generators.outputs.json_api import render_api
from generators.outputs.diffs import render_policy_diffs
from generators.outputs.look import SiteLook, read_site_look
from generators.outputs.standalone import PALETTE_SCRIPT, PKB_STYLESHEETS, theme_stylesheets
from generators.outputs.site import (
    HOME_RECENT,
    SiteContext,
    meta_title,
    policy_listing,
    relative_url,
    render_library_pages,
    render_policy_pages,
    render_site_pages,
)

from .conftest import ROOT, without_theme_hashes, AS_OF, timeline


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!ENV` tags plain YAML does not know."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)

GOLDEN = Path(__file__).parent / "golden" / "site"
UPDATE = os.environ.get("POLICYKB_UPDATE_GOLDEN") == "1"
POLICY = "policies/6.01.03/index.md"
HISTORY = "policies/6.01.03/history/index.md"
ARCHIVED = urls.page_html(urls.page_revision("6.01.03", "2025-01-23"))
DIFF_PAGE = urls.page_html(urls.page_diff("6.01.03", "2025-01-23", "2026-01-22"))


@pytest.fixture(scope="module")
def pages(library: Library) -> dict[str, str]:
    """The generated pages exactly as the build publishes them (with diff and lookup links)."""
    outputs = render_outputs(library, AS_OF, read_hand_written(ROOT / "content").keys())
    return {path: str(content) for path, content in outputs.items() if path in render_site_pages(library, AS_OF)}


def to_html(source: str) -> str:
    """The page as MkDocs turns it into HTML (same Markdown extensions as mkdocs.yml)."""
    body = source.split("\n---\n", 1)[1] if source.startswith("---\n") else source
    return markdown.markdown(body, extensions=["md_in_html", "attr_list", "toc", "tables", "admonition"])


def determinations(source: str) -> list[str]:
    return re.findall(r'data-determination="([a-z_]+)"', source)


def test_pages_match_the_golden_files(pages: dict[str, str]) -> None:
    if UPDATE:
        for stale in GOLDEN.rglob("index.*"):
            stale.unlink()
        for path, source in pages.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(without_theme_hashes(source), encoding="utf-8")
    golden = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in sorted(GOLDEN.rglob("index.*"))}
    assert sorted(pages) == sorted(golden), "generated pages differ from tests/golden/site (POLICYKB_UPDATE_GOLDEN=1 to accept)"
    for path, source in pages.items():
        assert without_theme_hashes(source) == golden[path], f"{path} differs from its golden file (POLICYKB_UPDATE_GOLDEN=1 to accept)"


def test_every_policy_has_its_page_history_and_archived_revisions(library: Library, pages: dict[str, str]) -> None:
    expected = {"index.md", "policies/index.md", "upcoming/index.md", "downloads/index.md"}
    for policy in library.policies:
        expected |= {urls.page_source(urls.page_policy(policy.number)), urls.page_source(urls.page_history(policy.number))}
        expected |= {urls.page_html(urls.page_revision(policy.number, r.key)) for r in policy.revisions[:-1]}
    assert set(pages) == expected


def test_policy_page_shows_the_three_statements_with_their_determinations(pages: dict[str, str]) -> None:
    assert determinations(pages[POLICY]) == ["medically_appropriate", "not_medically_necessary", "investigational"]
    # The reconstructed 2025 revision had no spine statement.
    assert determinations(pages[ARCHIVED]) == ["medically_appropriate", "investigational"]


def test_policy_page_follows_the_order_of_the_published_document(pages: dict[str, str]) -> None:
    headings = re.findall(r"^## (.+?) \{ #", pages[POLICY], flags=re.MULTILINE)
    assert headings == [
        "Policy statements",
        "Related policies",
        "Policy guidelines",
        "Description",
        "Supportive literature",
        "Professional guidelines",
        "Regulatory status",
        "Codes",
        "References",
        "Centers for Medicare and Medicaid Services (CMS)",
        "Search terms",
        "Product disclaimer",
        "Policy history",
    ]


def test_policy_page_ends_with_the_published_history_as_of_its_revision(pages: dict[str, str]) -> None:
    # The published document's POLICY HISTORY/REVISION: every committee approval, then the summary of changes.
    history = pages[POLICY].split("## Policy history", 1)[1]
    assert history.index("Committee approval dates") < history.index("Summary of changes")
    assert '<time datetime="2001-10-18">October 18, 2001</time>; <time datetime="2002-09-19">' in history
    assert history.count("<time datetime=") == 17 + 6
    assert "Annual review, policy statement added for MRS for the spine as not medically necessary." in history
    # A revision's own page prints the history as its document did: nothing approved after it.
    archived = pages[ARCHIVED].split('id="policy-history"', 1)[1].split('id="provenance"', 1)[0]
    assert "January 23, 2025" in archived and "Annual review. Policy intent unchanged." in archived
    assert "January 22, 2026" not in archived and "spine" not in archived


def test_one_of_logic_stays_visible(pages: dict[str, str]) -> None:
    html = pages[POLICY]
    assert 'class="pkb-criteria pkb-criteria--one-of"' in html
    assert "ONE of 6" in html
    assert html.count('<span class="pkb-connector">or</span>') == 5  # between the six criteria


@pytest.mark.parametrize(("start", "end", "inside"), [("C71.0", "C71.9", "C71.3"), ("C79.31", "C79.49", "C79.40"), ("G46.0", "G46.8", "G46.4")])
def test_icd10_ranges_expand_to_their_billable_codes(pages: dict[str, str], start: str, end: str, inside: str) -> None:
    html = pages[POLICY]
    members = icd10.expand_range(start, end)
    assert inside in {m.code for m in members}
    block = html.split(f'<tr id="code-{start}-{end}">', 1)[1].split("</details>", 1)[0]
    assert f"{len(members)} billable codes in {start}-{end}" in block
    for member in members:
        assert f'<td class="pkb-code">{member.code}</td> <td>{member.description}</td>' in block


def test_citations_and_in_page_links_land_on_an_anchor(pages: dict[str, str]) -> None:
    for path, source in pages.items():
        html = source if path.endswith(".html") else to_html(source)
        anchors = set(re.findall(r'id="([^"]+)"', html))
        for target in re.findall(r'href="#([^"]+)"', html):
            assert target in anchors, f"{path} links to #{target}, which is not on the page"
    assert 'href="#ref-cui-2023"' in pages[POLICY]


def test_related_policies_link_when_present_and_say_so_when_absent(library: Library) -> None:
    mrs = library.policies[0]
    pet = mrs.model_copy(update={"number": "6.01.29", "title": "Positron Emission Tomography (PET) Oncologic Applications"})
    pages = render_site_pages(Library(policies=[mrs, pet]), AS_OF)
    html = pages[POLICY]
    assert '<a href="../6.01.29/"><span class="pkb-policy-number">6.01.29</span>' in html
    absent = html.split('<span class="pkb-policy-number">11.01.03</span>', 1)[1].split("</li>", 1)[0]
    assert "not in this knowledge base" in absent
    assert "../11.01.03/" not in html


def test_what_changed_links_go_to_the_diff_pages_the_policy_publishes(library: Library) -> None:
    mrs = library.policies[0]
    pages = render_policy_pages(timeline(mrs), SiteContext.of(library, AS_OF))
    assert '<a class="pkb-link pkb-link--diff" href="diffs/2025-01-23..2026-01-22/">What changed since January 23, 2025</a>' in pages[POLICY]
    assert 'href="../diffs/2025-01-23..2026-01-22/">What changed since 2025-01-23</a>' in pages[HISTORY]
    assert 'href="../../diffs/2025-01-23..2026-01-22/">What changed in the next revision (January 22, 2026)</a>' in pages[ARCHIVED]
    diff_pages = {path for path in render_policy_diffs(timeline(mrs)) if path.endswith(".html")}
    assert diff_pages == {DIFF_PAGE}

    # A policy with one stored revision has no diff page, so no page links to one.
    single = mrs.model_copy(update={"revisions": [mrs.newest]})
    alone = render_policy_pages(timeline(single), SiteContext.of(Library(policies=[single]), AS_OF))
    assert not [path for path in render_policy_diffs(timeline(single)) if path.endswith(".html")]
    assert "What changed" not in alone[POLICY] + alone[HISTORY]


def test_pages_of_a_policy_depend_only_on_the_policy_and_the_site_context(library: Library) -> None:
    """A worker can render one policy alone: its pages equal those of the whole-library render."""
    site = SiteContext.of(library, AS_OF, ["lookup.md"])
    assert pickle.loads(pickle.dumps(site)) == site
    whole = render_site_pages(library, AS_OF, {"lookup.md"})
    alone: dict[str, str] = {}
    for policy in library.policies:
        alone |= render_policy_pages(timeline(policy), site)
    listings = pickle.loads(pickle.dumps([policy_listing(timeline(p)) for p in library.policies]))
    alone |= render_library_pages(listings, site)
    assert alone == whole


def test_archived_revision_is_a_finished_page_with_a_banner_and_only_the_search_script(pages: dict[str, str]) -> None:
    """Archived pages are finished HTML outside MkDocs: not in the search index, still reachable, with the site's search box."""
    html = pages[ARCHIVED]
    assert html.startswith("<!doctype html>\n<html lang=\"en\">")
    assert "<title>6.01.03 Magnetic Resonance Spectroscopy (MRS) (revision 2025-01-23) - Medical Policy Library</title>" in html
    assert "This revision is not in effect" in html
    assert 'href="../../">read the policy 6.01.03 in effect</a>' in html
    assert "this revision is <strong>superseded</strong>" in html
    scripts = re.findall(r"<script src=\"[^\"]*\"", html)
    assert scripts == ['<script src="../../../../javascripts/standalone-palette.js"', '<script src="../../../../javascripts/search.js"'] and "noindex" not in html
    assert 'data-pkb-search-bundle="../../../../pagefind/pagefind.js"' in html
    breadcrumb = html.split('<nav class="md-path"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', breadcrumb) == ["../../../", "../../", "../../history/"]
    # The sections of the policy page, with the same ids, then how the revision was reconstructed.
    policy_sections = re.findall(r"\{ #([a-z0-9-]+)", pages[POLICY])
    assert re.findall(r'<h[23] id="([^"]+)"', html) == [*policy_sections, "provenance"]
    # A data file to MkDocs: published as it is, never converted, themed or indexed.
    assert not is_site_source(ARCHIVED) and not is_site_source(DIFF_PAGE) and is_site_source(POLICY)
    # The pages that link to it use its directory URL, never a source file.
    assert 'href="../revisions/2025-01-23/"' in pages[HISTORY]
    assert "index.md" not in pages[HISTORY] + pages[POLICY] + html


def test_archived_and_diff_pages_link_the_stylesheets_of_the_site(pages: dict[str, str]) -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)
    # The project's configuration is the neutral look: pages rendered without it (`policykb pages`) match the
    # site's, but for the menu and the tabs, which are the nav's (without a nav, the site's main pages and no tabs).
    assert read_site_look(ROOT / "mkdocs.yml").model_copy(update={"menu": SiteLook().menu, "tabs": ()}) == SiteLook() and SiteLook().site_name == config["site_name"]
    assert (ROOT / "content" / PALETTE_SCRIPT).is_file()  # published as it is (not in extra_javascript: the theme's pages have their own)
    assert set(PKB_STYLESHEETS) <= set(config["extra_css"])
    stylesheets = re.findall(r'<link rel="stylesheet" href="\.\./\.\./\.\./\.\./([^"]+)">', pages[ARCHIVED])
    assert stylesheets == [*theme_stylesheets(), *PKB_STYLESHEETS]
    assert re.fullmatch(r"assets/stylesheets/main\.[0-9a-f]+\.min\.css", stylesheets[0])


def test_pages_link_their_json_twin(pages: dict[str, str]) -> None:
    assert 'href="../../api/v1/policies/6.01.03/revisions/2026-01-22.json" type="application/json">JSON of this revision</a>' in pages[POLICY]
    assert 'href="../../../../api/v1/policies/6.01.03/revisions/2025-01-23.json" type="application/json">JSON of this revision</a>' in pages[ARCHIVED]
    assert 'href="../../../api/v1/policies/6.01.03.json" type="application/json">JSON of this history</a>' in pages[HISTORY]


def test_home_lists_recent_and_upcoming_changes_and_the_ways_to_find_a_policy(library: Library, pages: dict[str, str]) -> None:
    home = pages["index.md"]
    assert '<li><time datetime="2026-01-22">January 22, 2026</time>: <a href="policies/6.01.03/"><span class="pkb-policy-number">6.01.03</span> Magnetic Resonance Spectroscopy (MRS)</a>' in home
    assert "No approved revision takes effect after December 4, 2026." in home
    assert 'href="policies/">The full policy list (1 policy)</a>' in home
    assert 'href="downloads/"' in home
    assert 'href="lookup/">Code lookup</a>' in home  # the hand-written content/lookup.md
    without_lookup = render_site_pages(library, AS_OF, published=set())
    assert "Code lookup" not in without_lookup["index.md"]


def test_data_text_never_becomes_markup(library: Library) -> None:
    mrs = library.policies[0]
    hostile = "<script>alert(1)</script> [click](javascript:alert(2)) _under_ `code` **kept**"
    statements = [s.model_copy(update={"text": hostile}) if i == 1 else s for i, s in enumerate(mrs.newest.statements)]
    current = mrs.newest.model_copy(update={"statements": statements, "title": "A <b>bold</b> title"})
    policy = mrs.model_copy(update={"revisions": [*mrs.revisions[:-1], current], "title": "A <b>bold</b> title"})
    source = render_site_pages(Library(policies=[policy]), AS_OF)[POLICY]
    html = to_html(source)
    assert "<script" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "[click](javascript:alert(2))" in html
    assert "_under_ `code` <strong>kept</strong>" in html
    assert 'title: "6.01.03 A ‹b›bold‹/b› title"' in source


@pytest.mark.parametrize(
    ("page", "target", "link"),
    [
        ("policies/6.01.03/", "policies/6.01.03/history/", "history/"),
        ("policies/6.01.03/history/", "policies/6.01.03/", "../"),
        ("policies/6.01.03/", "api/v1/policies/6.01.03.json", "../../api/v1/policies/6.01.03.json"),
        ("", "policies/6.01.03/", "policies/6.01.03/"),
        ("policies/", "", "../"),
        ("policies/6.01.03/", "policies/6.01.03/", "./"),
        ("downloads/", "policies/6.01.03/#codes", "../policies/6.01.03/#codes"),
    ],
)
def test_links_are_relative_to_the_linking_page(page: str, target: str, link: str) -> None:
    assert relative_url(page, target) == link


def test_meta_title_cannot_carry_markup() -> None:
    assert meta_title('A & B <img src=x onerror=alert(1)> "q"') == '"A &amp; B ‹img src=x onerror=alert(1)› &quot;q&quot;"'


def test_meta_title_cannot_leave_its_attribute() -> None:
    """The theme prints it raw into `<meta name="description" content="...">` (issue 17, item 9)."""
    assert meta_title("0;url=https://evil.example/# MRS\" http-equiv=\"refresh\n'x'") == (
        '"0;url=https://evil.example/# MRS&quot; http-equiv=&quot;refresh &#x27;x&#x27;"'
    )


def test_outputs_hold_the_pages_and_the_api_once(library: Library) -> None:
    outputs = render_outputs(library, AS_OF)
    assert set(render_api(library, AS_OF)) <= set(outputs)
    assert set(render_site_pages(library, AS_OF)) <= set(outputs)
    with pytest.raises(OutputClashError, match="index.md"):
        merge_outputs({"index.md": "a"}, {"index.md": "b"})


def _library_of(library: Library, count: int) -> list:
    """`count` listings shaped like 6.01.03's, numbered across sections, changed on successive days."""
    base = policy_listing(timeline(library.policies[0]))
    numbers = [f"{6 + i // 200}.{(i // 20) % 10:02d}.{i % 20:02d}" for i in range(count)]
    return [
        dataclasses.replace(base, summary=base.summary.model_copy(update={"number": number, "title": f"Policy {i}", "last_change": date(2020, 1, 1) + timedelta(days=i)}))
        for i, number in enumerate(numbers)
    ]


def test_home_stays_the_same_size_however_many_policies(library: Library) -> None:
    site = SiteContext.of(library, AS_OF, {"lookup.md"})
    homes = {count: render_library_pages(_library_of(library, count), site)["index.md"] for count in (20, 1000)}
    assert len(homes[1000]) - len(homes[20]) < 100  # only the counts differ
    recent = re.findall(r'<li><time datetime="([0-9-]+)">', homes[1000])
    assert len(recent) == HOME_RECENT
    assert recent == sorted(recent, reverse=True) and recent[0] == (date(2020, 1, 1) + timedelta(days=999)).isoformat()
    assert "The full policy list (1000 policies)" in homes[1000]


def test_policy_list_groups_every_policy_by_section_with_a_filter(library: Library) -> None:
    site = SiteContext.of(library, AS_OF, {"lookup.md"})
    listings = _library_of(library, 1000)
    page = render_library_pages(listings, site)["policies/index.md"]
    sections = re.findall(r'<section class="pkb-policy-group" id="section-([0-9-]+)">', page)
    assert len(sections) == 50 and sections[:2] == ["6-00", "6-01"]
    assert re.findall(r'<li><a href="#section-([0-9-]+)">', page) == sections  # the index of sections
    assert page.count('<tr data-pkb-filter="') == 1000
    assert '<tr data-pkb-filter="6.01.03 policy 23" data-pkb-category="Medical Policy">' in page
    assert '<form class="pkb-filter" hidden role="search"' in page  # shown by its script
