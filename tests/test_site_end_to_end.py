"""The whole built site in real Chromium: the diff pages, the code lookup and the downloads together.

Each lane tests its own page in a small harness; these tests open the pages of the one site
`policykb build` makes (the session's `built_site`, served at `site_url`), reach them the way
a reader does (by links and by Material's instant navigation), and follow their data links.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from playwright.sync_api import expect

from generators import urls

pytestmark = pytest.mark.browser

NUMBER = "6.01.03"
OLD, NEW = "2025-01-23", "2026-01-22"
DIFF_PAGE = urls.page_diff(NUMBER, OLD, NEW)


def wait_for_instant_navigation(page: Any) -> None:
    """Material loads the sitemap before it follows links without a reload."""
    page.wait_for_load_state("networkidle")


# --------------------------------------------------------------------------- what changed (issue 4)


def test_policy_page_leads_to_what_changed_with_summary_first_and_marked_insertions(page: Any, site_url: str) -> None:
    page.goto(site_url + urls.page_policy(NUMBER))
    page.locator("a.pkb-link--diff").click()
    page.wait_for_url(site_url + DIFF_PAGE)
    expect(page.locator("h1")).to_contain_text(f"What changed in {NUMBER}: {OLD} \u2192 {NEW}")

    summary = page.locator("ul.pkb-diff-summary li")
    expect(summary.filter(has_text="Statement II added: MRS is considered not medically necessary for all spine uses.")).to_have_count(1)
    expect(summary.filter(has_text="renumbered II -> III, wording unchanged.")).to_have_count(1)
    first_change = page.locator(".pkb-change").first
    assert page.locator("ul.pkb-diff-summary").bounding_box()["y"] < first_change.bounding_box()["y"], "the summary must come before the redline"

    insertions = page.locator("ins.pkb-ins")
    assert insertions.count() > 0
    added = page.locator(".pkb-change--added", has_text="Statement II").locator("ins.pkb-ins")
    expect(added).to_have_text("[+MRS is considered not medically necessary for all spine uses.+]")
    # Marked without colour too: the [+ +] markers are text, and the line is drawn.
    for index in range(insertions.count()):
        text = insertions.nth(index).inner_text()
        assert text.startswith("[+") and text.endswith("+]"), text
    assert "underline" in added.evaluate("e => getComputedStyle(e).textDecorationLine")
    deletion = page.locator("del.pkb-del").first
    assert deletion.inner_text().startswith("[-") and "line-through" in deletion.evaluate("e => getComputedStyle(e).textDecorationLine")


def test_history_and_archived_pages_link_to_the_same_diff_page(page: Any, site_url: str) -> None:
    expected = site_url + DIFF_PAGE
    page.goto(site_url + urls.page_history(NUMBER))
    history_link = page.locator(f"#revision-{NEW} a", has_text=f"What changed since {OLD}")
    assert history_link.evaluate("a => a.href") == expected
    page.goto(site_url + urls.page_revision(NUMBER, OLD))
    archived_link = page.locator(".pkb-archived-banner a.pkb-link--diff, a.pkb-link--diff").first
    assert archived_link.evaluate("a => a.href") == expected
    wait_for_instant_navigation(page)
    archived_link.click()
    page.wait_for_url(expected)
    expect(page.locator("ul.pkb-diff-summary")).to_be_visible()


def test_diff_json_link_returns_json_valid_against_the_published_schema(page: Any, site_url: str) -> None:
    page.goto(site_url + DIFF_PAGE)
    link = page.get_by_role("link", name="This diff as JSON")
    href = link.evaluate("a => a.href")
    assert href == site_url + urls.api_diff(NUMBER, OLD, NEW)
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("application/json")
    document = response.json()
    schema = page.request.get(site_url + urls.api_schema("diff")).json()
    Draft202012Validator.check_schema(schema)
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in Draft202012Validator(schema).iter_errors(document)]
    assert errors == []
    assert (document["policy"]["number"], document["old"]["revision"], document["new"]["revision"]) == (NUMBER, OLD, NEW)
    assert [change["path"] for change in document["changes"] if change["kind"] == "Statement added"] != []


# --------------------------------------------------------------------------- code lookup (issue 5)


def lookup(page: Any, code: str) -> Any:
    """Type a code into the lookup box as a reader does; return the results."""
    box = page.locator("#code-lookup-input")
    box.fill("")
    box.press_sequentially(code, delay=10)
    return page.locator("#code-lookup-results")


@pytest.mark.parametrize("typed", ["C71.3", "c713"])
def test_lookup_finds_a_code_inside_a_range_on_the_built_site(page: Any, site_url: str, typed: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site_url + urls.page_code_lookup())
    results = lookup(page, typed)
    expect(page.locator("#code-lookup-status")).to_have_text("1 code found.")
    current = results.locator("li.policykb-lookup__listing").first
    expect(current.locator("a")).to_have_text(f"{NUMBER} Magnetic Resonance Spectroscopy (MRS), revision 2026-01-22 (in effect)")
    expect(current.locator(".policykb-lookup__range")).to_have_text("inside range C71.0-C71.9")
    # The link leads to the range's row of the code table, not to the top of the policy.
    assert current.locator("a").evaluate("a => a.href") == site_url + urls.page_policy(NUMBER) + "#code-C71.0-C71.9"
    current.locator("a").click()
    page.wait_for_url(site_url + urls.page_policy(NUMBER) + "#code-C71.0-C71.9")
    expect(page.locator("tr#code-C71\\.0-C71\\.9")).to_be_in_viewport()
    assert errors == []


def test_lookup_shows_the_flag_of_a_cpt_code_and_says_when_no_policy_lists_a_code(page: Any, site_url: str) -> None:
    page.goto(site_url + urls.page_code_lookup())
    results = lookup(page, "0611T")
    expect(results.locator(".policykb-lookup__flag").first).to_have_text("NMN")
    lookup(page, "Z99.99")
    expect(page.locator("#code-lookup-status")).to_have_text("No policy lists the code Z99.99.")
    expect(results.locator("article.policykb-lookup__code")).to_have_count(0)


def test_lookup_works_after_instant_navigation_from_the_home_page(page: Any, site_url: str) -> None:
    page.goto(site_url)
    wait_for_instant_navigation(page)
    page.evaluate("window.pkbNotReloaded = true")
    # Instant navigation rewrites links to absolute addresses.
    page.locator(f"article a[href='{site_url}{urls.page_code_lookup()}']").first.click()
    page.wait_for_url(site_url + urls.page_code_lookup())
    expect(page.locator("#code-lookup-input")).to_be_visible()
    assert page.evaluate("window.pkbNotReloaded") is True, "the lookup page was reloaded, not reached by instant navigation"
    results = lookup(page, "c713")
    expect(results.locator(".policykb-lookup__range").first).to_have_text("inside range C71.0-C71.9")
    lookup(page, "0611T")
    expect(results.locator(".policykb-lookup__flag").first).to_have_text("NMN")


# --------------------------------------------------------------------------- downloads (issue 5)


@pytest.mark.parametrize("downloads_page", [urls.page_downloads(), "downloads-codes/"])
def test_downloads_pages_link_every_download_and_each_is_served(page: Any, site_url: str, downloads_page: str) -> None:
    page.goto(site_url + downloads_page)
    links = page.locator("article a").evaluate_all("anchors => anchors.map(a => a.href)")
    wanted = [urls.api_code_index(), urls.download_codes_csv(), urls.feed_atom()]
    if downloads_page == urls.page_downloads():
        wanted += [urls.fhir_value_set(NUMBER), urls.api_diff(NUMBER, OLD, NEW)]
    missing = [path for path in wanted if site_url + path not in links]
    assert missing == [], f"{downloads_page} does not link {missing}"
    for path in wanted:
        response = page.request.get(site_url + path)
        assert response.status == 200, path
        assert response.body(), path
    assert json.loads(page.request.get(site_url + urls.fhir_value_set(NUMBER)).body())["resourceType"] == "ValueSet"
    assert page.request.get(site_url + urls.feed_atom()).text().lstrip().startswith("<?xml")
    assert page.request.get(site_url + urls.download_codes_csv()).body().startswith(b"\xef\xbb\xbfpolicy,")  # UTF-8 byte-order mark


# --------------------------------------------------------------------------- phone width


@pytest.mark.parametrize("page_url", [DIFF_PAGE, urls.page_code_lookup() + "?code=C71.3", urls.page_downloads()])
def test_diff_lookup_and_downloads_pages_fit_a_phone_screen(chromium: Any, site_url: str, page_url: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(site_url + page_url)
        expect(phone.locator("h1")).to_be_visible()
        if "?code=" in page_url:
            expect(phone.locator("article.policykb-lookup__code")).to_have_count(1)
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page_url} is {overflow}px wider than a phone screen"
    finally:
        context.close()
