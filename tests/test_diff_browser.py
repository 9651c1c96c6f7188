"""The "what changed" page in real Chromium: summary first, marked insertions, readable in print.

The page is finished HTML published outside MkDocs (`generators.outputs.standalone`); this
opens it in the site `policykb build` makes (the session's `built_site`, served at `site_url`),
where every link it holds resolves (`test_site_build`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from generators import urls

pytestmark = pytest.mark.browser
PAIR = ("2025-01-23", "2026-01-22")


def test_what_changed_page_in_chromium(page: Any, site_url: str) -> None:
    page.goto(site_url + urls.page_diff("6.01.03", *PAIR))
    assert page.locator("h1").inner_text() == "What changed in 6.01.03: 2025-01-23 → 2026-01-22"
    summary = page.locator("ul.pkb-diff-summary li").all_inner_texts()
    assert summary[0] == "Statement II added: MRS is considered not medically necessary for all spine uses."
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

    # Without colour (print), the markers and lines still say what changed; the header is not printed.
    page.emulate_media(media="print")
    assert insertion.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    assert insertion.inner_text().startswith("[+") and insertion.is_visible()
    assert not page.locator(".md-header").is_visible()

    page.emulate_media(media="screen")
    page.get_by_text("This diff as JSON").click()
    assert page.url.endswith(urls.api_diff("6.01.03", *PAIR))
    assert json.loads(page.locator("pre").inner_text())["schema_url"] == "api/v1/schema/diff.schema.json"


def test_what_changed_page_leads_back_through_its_breadcrumb(page: Any, site_url: str) -> None:
    page.goto(site_url + urls.page_diff("6.01.03", *PAIR))
    crumbs = page.locator("nav.md-path a")
    assert crumbs.all_inner_texts() == ["All policies", "6.01.03 Magnetic Resonance Spectroscopy (MRS)", "Revision history"]
    crumbs.last.click()
    page.wait_for_url(site_url + urls.page_history("6.01.03"))
    assert page.locator("h1.pkb-title").inner_text().endswith("revision history")
