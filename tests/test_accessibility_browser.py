"""Accessibility of every page type, audited with axe-core in Chromium (issue 18, item 7).

axe-core is pinned in package.json and installed by `scripts/setup.sh --test` (`npm ci`); it
is injected into each page with Playwright's `add_script_tag`. Every page type is audited in
both palettes against WCAG 2.0 and 2.1 A and AA: no violation may remain on the elements the
project renders (the page's article, and the footer of the pages outside MkDocs). What the
theme owns and we cannot change is printed and listed in the README ("Accessibility").
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: One page of each type, by its address in the site.
PAGE_TYPES = {
    "home": "",
    "policy list": "policies/",
    "policy page": "policies/6.01.03/",
    "history": "policies/6.01.03/history/",
    "revision page": "policies/6.01.03/revisions/2025-01-23/",
    "diff page": "policies/6.01.03/diffs/2025-01-23..2026-01-22/",
    "lookup": "lookup/",
    "downloads": "downloads/",
    "downloads of codes": "downloads-codes/",
    "upcoming": "upcoming/",
}
#: Where the project's own markup is: the article of every page, the site's footer, and the
#: header, menu, breadcrumb and footer of the standalone pages.
PROJECT_OWNED = "article, .md-content__inner, .pkb-site-footer, body.pkb-standalone .md-footer, body.pkb-standalone .md-header, body.pkb-standalone .md-path"

AUDIT = """async ([tags, owned]) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.flatMap(v => v.nodes.map(node => {
    const element = document.querySelector(node.target[0]);
    return {rule: v.id, target: node.target.join(" "), owned: !!(element && element.closest(owned)), summary: node.failureSummary};
  }));
}"""


@pytest.fixture
def audited(chromium: Any, site_url: str, request: pytest.FixtureRequest) -> Any:
    """A tab in the requested colour scheme, with axe-core injected after each navigation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/setup.sh --test (npm ci)")
    context = chromium.new_context(color_scheme=request.param, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("audited", ["light", "dark"], indirect=True)
@pytest.mark.parametrize("page_type", sorted(PAGE_TYPES))
def test_no_axe_violation_on_project_owned_elements(audited: Any, site_url: str, page_type: str) -> None:
    audited.goto(site_url + PAGE_TYPES[page_type])
    audited.add_script_tag(path=str(AXE))
    findings = audited.evaluate(AUDIT, [WCAG, PROJECT_OWNED])
    for finding in findings:
        if not finding["owned"]:
            print(f"theme-owned: {page_type}: {finding['rule']} at {finding['target']}")
    owned = [f"{f['rule']} at {f['target']}: {f['summary']}" for f in findings if f["owned"]]
    assert owned == []


@pytest.mark.parametrize("audited", ["light", "dark"], indirect=True)
@pytest.mark.parametrize("page_type", ["revision page", "diff page"])
def test_no_axe_violation_in_the_open_menu_of_a_standalone_page(audited: Any, site_url: str, page_type: str) -> None:
    audited.goto(site_url + PAGE_TYPES[page_type])
    audited.locator("details.pkb-menu summary").click()
    audited.add_script_tag(path=str(AXE))
    findings = audited.evaluate(AUDIT, [WCAG, PROJECT_OWNED])
    assert [f"{f['rule']} at {f['target']}: {f['summary']}" for f in findings if f["owned"]] == []


@pytest.mark.parametrize("page_type", sorted(PAGE_TYPES))
def test_ids_are_unique_and_abbreviations_have_titles(page: Any, site_url: str, page_type: str) -> None:
    page.goto(site_url + PAGE_TYPES[page_type])
    duplicates = page.evaluate("() => { const seen = {}; document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; }); return Object.keys(seen).filter(id => seen[id] > 1); }")
    assert duplicates == []
    untitled = page.evaluate("() => [...document.querySelectorAll('article abbr:not([title])')].map(e => e.textContent)")
    assert untitled == []


def test_the_range_toggles_are_a_few_tab_stops_from_the_top_of_the_policy_page(page: Any, site_url: str) -> None:
    page.goto(site_url + "policies/6.01.03/")
    stops = 0
    while stops < 12:
        page.keyboard.press("Tab")
        stops += 1
        if page.evaluate("document.activeElement.textContent.trim()") == "Skip to codes":
            page.keyboard.press("Enter")
            stops += 1
            # The skip link gives the Codes heading the focus (skip-links.js), so the next Tab goes on from there.
            page.wait_for_function("document.activeElement && document.activeElement.id === 'codes'")
            break
    for _ in range(8):
        page.keyboard.press("Tab")
        stops += 1
        if page.evaluate("document.activeElement.matches('details.pkb-range > summary')"):
            break
    print(f"\nfirst range toggle: {stops} key presses from the top of the page")
    assert page.evaluate("document.activeElement.matches('details.pkb-range > summary')")
    assert stops <= 10


def test_the_revision_page_has_its_skip_to_codes_link(page: Any, site_url: str) -> None:
    page.goto(site_url + "policies/6.01.03/revisions/2025-01-23/")
    link = page.get_by_role("link", name="Skip to codes")
    assert link.get_attribute("href") == "#codes"
    assert page.locator("#codes").count() == 1
