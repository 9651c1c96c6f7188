"""The built site in real Chromium: what a provider office sees and can find.

The site is built once per session (`built_site`) and served on 127.0.0.1 (`site_url`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from generators.outputs.look import mkdocs_settings
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

POLICY = "policies/6.01.03/"
ARCHIVED = "policies/6.01.03/revisions/2025-01-23/"
HISTORY = "policies/6.01.03/history/"
DIFF = "policies/6.01.03/diffs/2025-01-23..2026-01-22/"
#: The pages written outside MkDocs, in their own layout (generators/outputs/standalone.py).
STANDALONE = {"archived revision": ARCHIVED, "diff page": DIFF}


def search(page: Any, query: str) -> Any:
    """Type `query` into the header's search box the way a reader does ("/" then the keys); return the result list."""
    page.keyboard.press("/")
    box = page.locator(".pkb-search .md-search__input")
    expect(box).to_be_focused()
    box.press_sequentially(query, delay=20)
    meta = page.locator(".pkb-search .md-search-result__meta")
    expect(meta).to_contain_text(re.compile("matching polic"))
    return page.locator(".pkb-search .md-search-result__list")


def result_pages(results: Any) -> list[str]:
    """The pages of the results, in order (each result is a page, then its matching sections)."""
    return results.locator("li > a:first-child").evaluate_all("anchors => anchors.map(a => a.href)")


def test_policy_page_shows_three_statements_with_their_determinations(page: Any, site_url: str) -> None:
    page.goto(site_url + POLICY)
    statements = page.locator("li.pkb-statement")
    assert statements.count() == 3
    badges = [" ".join(statements.nth(i).locator(".pkb-badge").inner_text().split()) for i in range(3)]
    assert badges == ["✓ Medically appropriate", "✕ Not medically necessary", "? Investigational"]
    numbers = [statements.nth(i).locator(".pkb-statement__number").inner_text() for i in range(3)]
    assert numbers == ["I.", "II.", "III."]
    # The three determinations look different, not only by their words.
    borders = {statements.nth(i).locator(".pkb-badge").evaluate("e => getComputedStyle(e).borderTopStyle") for i in range(3)}
    assert borders == {"solid", "double", "dashed"}
    assert page.locator(".pkb-logic--one-of").inner_text().startswith("ONE of 6")


#: A provider office's queries: clinical words, a chemical, an author, a guideline, codes with
#: and without the dot and by prefix, a code found only inside a listed range, and typos: near
#: the end of a word, two letters swapped and one letter too many near its start.
QUERIES = [
    "glioma", "epilepsy", "voxel", "2-hydroxyglutarate", "radiation necrosis", "Moreno-Acosta", "NCCN",
    "C713", "C71.3", "c71", "0611T", "76390", "G46.4", "parietal", "gliomma", "spectroscpy", "siezures", "ghlioma",
]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_the_search_box_finds_the_policy_among_the_first_three(page: Any, site_url: str, query: str) -> None:
    page.goto(site_url)
    results = search(page, query)
    assert site_url + POLICY in result_pages(results)[:3]


def test_a_code_no_policy_lists_finds_nothing(page: Any, site_url: str) -> None:
    """The typo fallbacks leave codes alone: G93.40 is not the G46 range ("9G3.40" matched it)."""
    page.goto(site_url)
    search(page, "G93.40")
    expect(page.locator(".pkb-search .md-search-result__meta")).to_have_text("No matching policy")


def test_nothing_of_the_index_is_downloaded_before_the_visitor_uses_the_box(page: Any, site_url: str) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(site_url + POLICY)
    page.wait_for_load_state("networkidle")
    assert not [url for url in fetched if "/pagefind/" in url or "/search/" in url]
    search(page, "glioma")
    assert [url for url in fetched if url.endswith(".pf_index")], "the first search fetched no index chunk"


def test_a_code_result_leads_to_the_codes_row(page: Any, site_url: str) -> None:
    page.goto(site_url)
    results = search(page, "0611T")
    row = results.locator("a.pkb-search-result__section", has_text="CPT")
    expect(row).to_have_attribute("href", "/policies/6.01.03/#code-0611T")
    row.click()
    page.wait_for_url(site_url + POLICY + "#code-0611T")
    expect(page.locator("#code-0611T")).to_be_in_viewport()


def test_a_result_shows_the_policy_number_title_and_the_sections_that_matched(page: Any, site_url: str) -> None:
    page.goto(site_url)
    results = search(page, "Moreno-Acosta")
    first = results.locator("li").first
    expect(first.locator("h1")).to_have_text("6.01.03 Magnetic Resonance Spectroscopy (MRS)")
    sections = first.locator("a.pkb-search-result__section h2").all_inner_texts()
    assert "Supportive literature" in sections or "References" in sections, sections
    expect(first.locator("mark").first).to_be_visible()


def test_search_does_not_offer_archived_revisions(page: Any, site_url: str) -> None:
    page.goto(site_url)
    results = search(page, "0611T")
    links = results.locator("a").evaluate_all("anchors => anchors.map(a => a.href)")
    assert links and not [link for link in links if "/revisions/" in link or "/diffs/" in link]


def test_the_same_search_box_works_on_an_archived_revision_page(page: Any, site_url: str) -> None:
    page.goto(site_url + ARCHIVED)
    results = search(page, "C71.3")
    assert result_pages(results)[:1] == [site_url + POLICY]
    page.keyboard.press("Escape")
    expect(page.locator(".pkb-search .md-search__output")).to_have_css("opacity", "0")


@pytest.mark.parametrize("where", [POLICY, *STANDALONE.values()], ids=["policy page", *STANDALONE])
def test_search_works_on_a_phone(chromium: Any, site_url: str, where: str) -> None:
    """The results fit the screen: on the standalone pages too, which load no theme script to lock the page under the box."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(site_url + where)
        phone.locator("label.md-header__button[for=__search]").tap()
        box = phone.locator(".pkb-search .md-search__input")
        expect(box).to_be_focused()
        box.press_sequentially("epilepsy", delay=20)
        first = phone.locator(".pkb-search .md-search-result__list li > a").first
        expect(first).to_be_visible()
        expect(first).to_be_in_viewport()
        # The box widens to the screen in a transition of about 300 ms (measured: 1227px, then 390px at once
        # after it, on the pages before the tabs too): what counts is the screen once it has ended.
        phone.wait_for_function("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth", timeout=2000)
    finally:
        context.close()


def test_archived_revision_shows_its_banner_and_leads_to_the_current_one(page: Any, site_url: str) -> None:
    page.goto(site_url + ARCHIVED)
    banner = page.locator(".pkb-archived-banner")
    assert banner.is_visible()
    assert "This revision is not in effect" in banner.inner_text()
    banner.get_by_role("link", name="read the policy 6.01.03 in effect").click()
    page.wait_for_url(site_url + POLICY)
    # Instant navigation changes the address before it swaps the content: wait for the content.
    expect(page.locator(".pkb-archived-banner")).to_have_count(0)
    expect(page.locator("li.pkb-statement")).to_have_count(3)


def test_history_page_leads_to_the_archived_revision(page: Any, site_url: str) -> None:
    page.goto(site_url + HISTORY)
    page.locator("#revision-2025-01-23").get_by_role("link", name="Superseded revision page").click()
    page.wait_for_url(site_url + ARCHIVED)
    expect(page.locator(".pkb-archived-banner")).to_be_visible()


def _look(page: Any) -> dict[str, str]:
    """What the site's stylesheets decide: header colour and font, text font, card and badge styles."""
    return page.evaluate(
        """() => {
            const style = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
            return {
                header: style(".md-header", "backgroundColor"),
                headerText: style(".md-header", "color"),
                typeset: style(".md-typeset", "fontSize") + " " + style(".md-typeset", "fontFamily"),
                title: style("h1.pkb-title", "fontSize"),
                card: style(".pkb-card", "borderTopStyle") + " " + style(".pkb-card", "backgroundColor"),
                badge: style(".pkb-badge", "borderTopStyle") + " " + style(".pkb-badge", "color"),
                grid: style(".md-grid", "maxWidth"),
            };
        }"""
    )


def test_archived_revision_looks_like_the_policy_page_without_the_theme_chrome(page: Any, site_url: str) -> None:
    page.goto(site_url + POLICY)
    current = _look(page)
    page.goto(site_url + ARCHIVED)
    assert _look(page) == current
    assert page.title() == "6.01.03 Magnetic Resonance Spectroscopy (MRS) (revision 2025-01-23) - Medical Policy Library"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("script").count() == 2 and page.locator("meta[name=robots]").count() == 0  # the palette's, the search box's
    assert page.locator(".md-sidebar").count() == 0 and page.locator(".pkb-search").count() == 1  # no navigation, the search box
    crumbs = page.locator("nav.md-path a")
    assert crumbs.all_inner_texts() == ["All policies", "6.01.03 Magnetic Resonance Spectroscopy (MRS)", "Revision history"]
    page.locator(".md-header a.pkb-site-name").click()
    page.wait_for_url(site_url)


def test_printed_archived_revision_has_no_header_and_every_section_open(page: Any, site_url: str) -> None:
    page.goto(site_url + ARCHIVED)
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    assert not page.locator(".headerlink").first.is_visible()
    assert page.locator(".pkb-archived-banner").is_visible()
    assert page.locator("details.pkb-range td.pkb-code", has_text="C71.3").is_visible()


def test_archived_revision_fits_a_phone_screen(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(site_url + ARCHIVED)
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert phone.locator(".pkb-code-table--cpt td.pkb-code").first.is_visible()
        assert phone.locator(".pkb-archived-banner").is_visible()
    finally:
        context.close()


def test_json_twin_link_returns_json(page: Any, site_url: str) -> None:
    twin = site_url + "api/v1/policies/6.01.03/revisions/2026-01-22.json"
    page.goto(site_url + POLICY)
    page.wait_for_load_state("networkidle")
    page.locator("a.pkb-link--json").click()
    page.wait_for_url(twin)
    expect(page.locator("body")).to_contain_text('"state":"in_effect"')
    shown = json.loads(page.locator("body").inner_text())
    assert shown["policy"]["number"] == "6.01.03" and shown["state"] == "in_effect"
    response = page.request.get(twin)
    assert response.ok and response.headers["content-type"].startswith("application/json")


def test_icd10_range_opens_to_its_member_codes(page: Any, site_url: str) -> None:
    page.goto(site_url + POLICY)
    member = page.locator("details.pkb-range td.pkb-code", has_text="C71.3")
    assert not member.is_visible()
    page.locator("details.pkb-range summary", has_text="C71.0-C71.9").click()
    assert member.is_visible()


def test_printed_policy_has_no_navigation_and_every_section_open(page: Any, site_url: str) -> None:
    page.goto(site_url + POLICY)
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert page.locator("details.pkb-range td.pkb-code", has_text="C71.3").is_visible()


def test_code_tables_fit_a_phone_screen(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(site_url + POLICY)
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert phone.locator(".pkb-code-table--cpt td.pkb-code", has_text="0611T").is_visible()
    finally:
        context.close()


def test_home_lists_the_recent_changes_and_leads_to_them(page: Any, site_url: str) -> None:
    page.goto(site_url)
    entry = page.locator(".pkb-recent li").first
    assert entry.inner_text().startswith("January 22, 2026: 6.01.03 Magnetic Resonance Spectroscopy (MRS)")
    entry.get_by_role("link", name="6.01.03 Magnetic Resonance Spectroscopy (MRS)").click()
    page.wait_for_url(site_url + POLICY)
    expect(page.locator("h1.pkb-title")).to_contain_text("6.01.03 Magnetic Resonance Spectroscopy (MRS)")


def test_instant_navigation_keeps_the_page_loaded(page: Any, site_url: str) -> None:
    page.goto(site_url)
    page.wait_for_load_state("networkidle")  # the sitemap that instant navigation needs
    page.evaluate("window.pkbNotReloaded = true")
    page.locator(".pkb-recent a", has_text="6.01.03").click()
    page.wait_for_url(site_url + POLICY)
    page.locator("li.pkb-statement").first.wait_for()
    assert page.evaluate("window.pkbNotReloaded") is True


def test_the_policy_list_filters_by_number_and_title_words(page: Any, site_url: str) -> None:
    page.goto(site_url + "policies/")
    field = page.get_by_label("Number or title words")
    count = page.locator(".pkb-filter__count")
    row = page.locator(".pkb-policy-group tr", has_text="6.01.03")
    field.press_sequentially("6.01", delay=20)
    expect(count).to_have_text("1 of 1 policy")
    field.fill("")
    field.press_sequentially("resonance spectro", delay=20)
    expect(row).to_be_visible()
    field.fill("")
    field.press_sequentially("knee", delay=20)
    expect(count).to_have_text("0 of 1 policy")
    expect(page.locator("#section-6-01")).to_be_hidden()
    expect(page.locator(".pkb-sections")).to_be_hidden()
    field.fill("")
    expect(row).to_be_visible()
    expect(count).to_have_text("")


# --------------------------------------------------------------------------- standalone pages: phones, palettes


@pytest.fixture(params=[(390, "light"), (390, "dark"), (1280, "light"), (1280, "dark")], ids=lambda p: f"{p[0]}px-{p[1]}")
def screen(chromium: Any, request: pytest.FixtureRequest) -> Any:
    """A tab of a phone's or a desktop's width, in the light or dark system palette."""
    width, scheme = request.param
    context = chromium.new_context(viewport={"width": width, "height": 844 if width < 500 else 900}, color_scheme=scheme, is_mobile=width < 500)
    tab = context.new_page()
    tab.scheme = scheme
    yield tab
    context.close()


@pytest.mark.parametrize("kind", sorted(STANDALONE))
def test_a_standalone_page_fits_the_screen_in_the_readers_palette(screen: Any, site_url: str, kind: str) -> None:
    screen.goto(site_url + STANDALONE[kind])
    assert screen.locator("body").get_attribute("data-md-color-scheme") == ("slate" if screen.scheme == "dark" else "default")
    assert screen.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    # The breadcrumb's steps wrap rather than hide: each is shown whole, inside the screen.
    width = screen.viewport_size["width"]
    for crumb in screen.locator("nav.md-path .md-ellipsis").all():
        box = crumb.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, crumb.inner_text()
        assert crumb.evaluate("node => node.scrollWidth <= node.clientWidth"), f"{crumb.inner_text()} is cut off"
    # The footer names the plan and says when the site was built.
    expect(screen.locator(".md-footer .pkb-site-footer")).to_contain_text("Last built on December 4, 2026")


def test_the_menu_of_a_standalone_page_leads_to_the_main_pages_on_a_phone(screen: Any, site_url: str) -> None:
    screen.goto(site_url + ARCHIVED)
    menu = screen.locator(".md-header details.pkb-menu")
    panel = menu.locator(".pkb-menu__panel")
    expect(panel).to_be_hidden()
    menu.locator("summary").click()
    expect(panel).to_be_visible()
    # the providers' section of mkdocs.yml's nav, as the MkDocs pages' sidebar
    assert panel.locator("a").all_inner_texts() == ["Home", "Policies", "Upcoming changes", "Code lookup", "How search works", "Downloads"]
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen.viewport_size["width"]
    panel.get_by_role("link", name="Code lookup").click()
    screen.wait_for_url(site_url + "lookup/")


def test_a_standalone_page_keeps_the_palette_chosen_on_the_other_pages(page: Any, site_url: str) -> None:
    page.goto(site_url + POLICY)  # the system palette is light
    page.locator(".md-header [title='Switch to dark mode']").click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    for address in STANDALONE.values():
        page.goto(site_url + address)
        assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"


@pytest.mark.parametrize("kind", sorted(STANDALONE))
def test_the_palette_switch_of_a_standalone_page_works_from_the_keyboard_and_the_mkdocs_pages_keep_the_choice(page: Any, site_url: str, kind: str) -> None:
    body = page.locator("body")
    page.goto(site_url + STANDALONE[kind])  # the system palette is light
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    switch = page.locator(".md-header button.pkb-palette-switch")
    expect(switch).to_be_visible()
    expect(switch).to_have_accessible_name("Switch to dark mode")
    switch.focus()
    page.keyboard.press("Enter")
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    expect(switch).to_have_accessible_name("Switch to light mode")
    expect(switch.locator("[data-pkb-palette-icon='1']")).to_be_visible()
    expect(switch.locator("[data-pkb-palette-icon='0']")).to_be_hidden()
    page.goto(site_url + POLICY)  # a MkDocs page: Material reads the choice
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    expect(page.locator(".md-header [title='Switch to light mode']")).to_be_visible()
    page.goto(site_url + STANDALONE[kind])  # and back, after a reload
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    page.locator(".md-header button.pkb-palette-switch").click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    page.goto(site_url + POLICY)
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    expect(page.locator(".md-header [title='Switch to dark mode']")).to_be_visible()


def test_provenance_field_names_wrap_between_words_only(screen: Any, site_url: str) -> None:
    screen.goto(site_url + ARCHIVED)
    fields = screen.locator("table.pkb-provenance-table td[data-label='Field'] code")
    assert fields.count() > 5
    # Each piece between two break opportunities (<wbr> after "_" or ".") stays on one line.
    split = fields.evaluate_all(
        """codes => codes.flatMap(code => [...code.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(text => {
            const range = document.createRange();
            range.selectNodeContents(text);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return lines.size > 1 ? text.textContent : null;
        })).filter(Boolean)"""
    )
    assert split == []


def test_the_switch_goes_round_every_palette_when_two_share_a_scheme(page: Any, site_url: str) -> None:
    """Material's automatic palette (it follows the system) beside its light one: both are `default`."""
    from generators.outputs.look import SiteLook, theme_palette
    from generators.outputs.standalone import render_standalone_page

    from .conftest import AS_OF

    palettes = [
        {"media": "(prefers-color-scheme)", "toggle": {"icon": "material/brightness-auto", "name": "Switch to light mode"}},
        {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": "teal", "toggle": {"icon": "material/weather-night", "name": "Switch to dark mode"}},
        {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "toggle": {"icon": "material/weather-sunny", "name": "Switch to system preference"}},
    ]
    look = SiteLook(palette=theme_palette(palettes, source="mkdocs.yml"))
    html = render_standalone_page("standalone/layout.html", ARCHIVED, [], {}, look=look, as_of=AS_OF)
    address = site_url + ARCHIVED + "three-palettes.html"  # beside the archived page: the same relative links
    page.route(address, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(address)  # the system palette is light: Material starts on the first palette whose media matches
    body, switch = page.locator("body"), page.locator(".md-header button.pkb-palette-switch")
    seen = []
    for _ in range(4):
        seen.append((switch.get_attribute("aria-label"), body.get_attribute("data-md-color-scheme"), body.get_attribute("data-md-color-primary")))
        switch.click()
    assert seen == [
        ("Switch to light mode", "default", "indigo"),
        ("Switch to dark mode", "default", "teal"),
        ("Switch to system preference", "slate", "indigo"),
        ("Switch to light mode", "default", "indigo"),
    ]
    stored = page.evaluate("() => Object.entries(localStorage).filter(([key]) => key.endsWith('.__palette')).map(([, value]) => JSON.parse(value).index)")
    assert stored == [1]  # four clicks from the first: the second palette, as Material stores it


# --------------------------------------------------------------------------- the site's sections


def developer_pages() -> set[str]:
    """The URLs (from the site root) of the pages of mkdocs.yml's section "For authors and developers"."""
    nav = mkdocs_settings(ROOT / "mkdocs.yml")["nav"]
    section = next(entry["For authors and developers"] for entry in nav if "For authors and developers" in entry)

    def files(entry: object) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        values = entry.values() if isinstance(entry, dict) else entry
        return [file for value in values for file in files(value)]

    return {re.sub(r"(^|/)index/$", r"\1", file.removesuffix(".md") + "/") for file in files(section)}


def visible_navigation(page: Any, site_url: str) -> list[str]:
    """The pages the page's navigation shows on the screen, from the site root: the sidebar (or a phone's drawer) of an MkDocs page, the menu of a standalone page (opened)."""
    menu = page.locator(".md-header details.pkb-menu summary")
    if menu.count():
        menu.click()
    links = page.locator(".md-sidebar--primary .md-nav a, .md-header .pkb-menu__panel a").evaluate_all(
        # shown: the link itself is on top at its centre (not hidden, not slid out of the phone's drawer, not covered)
        """anchors => anchors.filter(a => {
            const box = a.getBoundingClientRect();
            const top = box.width > 0 && document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return top && a.contains(top);
        }).map(a => a.href)"""
    )
    if menu.count():
        menu.click()  # closed again
    return [link.removeprefix(site_url).split("#", 1)[0] for link in links]


@pytest.mark.parametrize("where", ["", "policies/", "lookup/", POLICY, HISTORY, ARCHIVED, DIFF])
def test_a_providers_page_lists_no_developer_page_and_the_developer_pages_have_their_own_section(page: Any, site_url: str, where: str) -> None:
    """Issue 15: developer material is not in the providers' navigation; it is a section of its own, a tab away."""
    developer = developer_pages()
    assert {"guide/authors/", "reference/", "reference/model/"} <= developer
    page.goto(site_url + where)
    shown = visible_navigation(page, site_url)
    assert {"", "policies/", "upcoming/", "lookup/"} <= set(shown), shown  # the providers' pages
    assert not developer & set(shown), shown
    # the providers' section is the current tab; the developers' is the other, and leads to their pages
    tabs = page.locator(".md-tabs")
    expect(tabs.locator(".md-tabs__item--active, .md-tabs__item:first-child").first).to_have_text("Policy library")
    tabs.get_by_role("link", name="For authors and developers").click()
    page.wait_for_url(site_url + "guide/authors/")
    expect(page.locator(".md-tabs .md-tabs__item--active")).to_have_text("For authors and developers")
    shown = visible_navigation(page, site_url)
    assert "guide/lint/" in shown and set(shown) <= developer, shown  # the developers' section only
    page.locator(".md-sidebar--primary label.md-nav__link", has_text="API reference").click()
    page.locator(".md-sidebar--primary").get_by_role("link", name="Model", exact=True).click()
    page.wait_for_url(site_url + "reference/model/")


@pytest.mark.parametrize("where", ["lookup/", POLICY], ids=["page of the nav", "policy page"])
def test_on_a_phone_the_drawer_shows_the_providers_section_and_leads_to_the_developers(chromium: Any, site_url: str, where: str) -> None:
    """The tabs are hidden on a phone (Material): the drawer opens on the page's section (a policy page's: the first), and its back arrow leads to both sections."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(site_url + where)
        expect(phone.locator(".md-tabs")).to_be_hidden()
        phone.locator(".md-header label.md-header__button[for=__drawer]").click()
        drawer = phone.locator(".md-sidebar--primary")
        expect(drawer.get_by_role("link", name="Policies", exact=True)).to_be_in_viewport()
        assert not developer_pages() & set(visible_navigation(phone, site_url))
        drawer.locator("label.md-nav__title[for=__nav_1]").click()  # back to the sections
        expect(drawer.get_by_role("link", name="Policies", exact=True)).not_to_be_in_viewport()
        drawer.locator("label.md-nav__link", has_text="For authors and developers").click()
        drawer.get_by_role("link", name="Model", exact=True).click()
        phone.wait_for_url(site_url + "reference/model/")
    finally:
        context.close()
