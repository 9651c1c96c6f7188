"""The built site in real Chromium: what a provider office sees and can find.

The site is built once per session (`built_site`) and served on 127.0.0.1 (`site_url`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

POLICY = "policies/6.01.03/"
ARCHIVED = "policies/6.01.03/revisions/2025-01-23/"
HISTORY = "policies/6.01.03/history/"


def search(page: Any, query: str) -> Any:
    """Type `query` into Material's search the way a reader does; return the result list."""
    page.keyboard.press("/")
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function("() => !document.querySelector('.md-search-result__meta').textContent.includes('Initializing')")
    page.locator(".md-search__input").press_sequentially(query, delay=20)
    page.wait_for_function(
        "(q) => document.querySelector('.md-search__input').value === q && !/Type to start/.test(document.querySelector('.md-search-result__meta').textContent)",
        arg=query,
    )
    assert meta.is_visible()
    return page.locator(".md-search-result__list")


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


@pytest.mark.parametrize("query", ["76390", "0611T", "C71.3", "C79.40", "G46.4", "spectroscopy"])
def test_search_finds_the_policy_by_code_and_title_word(page: Any, site_url: str, query: str) -> None:
    page.goto(site_url)
    results = search(page, query)
    # A highlighted whole-word match shows the results are for the full query, not a prefix.
    expect(results.locator("mark").filter(has_text=re.compile(f"^{re.escape(query)}$", re.IGNORECASE)).first).to_be_visible()
    links = results.locator("a").evaluate_all("anchors => anchors.map(a => a.href)")
    assert any(link.startswith(site_url + POLICY) and "/revisions/" not in link for link in links), links


def test_search_does_not_offer_archived_revisions(page: Any, site_url: str) -> None:
    page.goto(site_url)
    results = search(page, "0611T")
    links = results.locator("a").evaluate_all("anchors => anchors.map(a => a.href)")
    assert links and not [link for link in links if "/revisions/" in link]


def test_archived_revision_shows_its_banner_and_leads_to_the_current_one(page: Any, site_url: str) -> None:
    page.goto(site_url + ARCHIVED)
    banner = page.locator(".pkb-archived-banner")
    assert banner.is_visible()
    assert "This is not the current revision" in banner.inner_text()
    banner.get_by_role("link", name="read the current policy 6.01.03").click()
    page.wait_for_url(site_url + POLICY)
    # Instant navigation changes the address before it swaps the content: wait for the content.
    expect(page.locator(".pkb-archived-banner")).to_have_count(0)
    expect(page.locator("li.pkb-statement")).to_have_count(3)


def test_history_page_leads_to_the_archived_revision(page: Any, site_url: str) -> None:
    page.goto(site_url + HISTORY)
    page.locator("#revision-2025-01-23").get_by_role("link", name="Archived page").click()
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
    assert page.locator("script").count() == 0 and page.locator("meta[name=robots]").count() == 0
    assert page.locator(".md-sidebar, .md-search").count() == 0  # no navigation, no search box
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
    expect(page.locator("body")).to_contain_text('"is_current":true')
    shown = json.loads(page.locator("body").inner_text())
    assert shown["policy"]["number"] == "6.01.03" and shown["is_current"] is True
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
