"""The 6.01.03 policy page printed by Chromium reads like the published policy (issue 18, items 1 and 2).

The published document prints on 8 US Letter pages; the page printed from the site must not
take more, must carry the whole policy (its POLICY HISTORY/REVISION section too), must not
leave a section heading alone at the bottom of a page, and must not waste paper on nearly
empty pages. Pages are counted and measured with pypdf in the PDF Chromium makes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

pytestmark = pytest.mark.browser

POLICY = "policies/6.01.03/"
#: The published document's page count (Letter): the printout must not take more.
PUBLISHED_PAGES = 8
#: A page other than the last must be filled at least this far down.
MINIMUM_FULLNESS = 1 / 3


@dataclass(frozen=True)
class PrintedPage:
    """One printed page: its lines of text, top to bottom, and how far down its text reaches (0 to 1)."""

    lines: list[str]
    fullness: float


def printed_pages(pdf: bytes) -> list[PrintedPage]:
    """The pages of a PDF with their text lines and how far down the page their text reaches."""
    from pypdf import PdfReader

    pages = []
    for sheet in PdfReader(io.BytesIO(pdf)).pages:
        heights: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float, heights: list[float] = heights) -> None:
            if text.strip():
                heights.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

        text = sheet.extract_text(visitor_text=visit)
        box = sheet.mediabox
        top, bottom = float(box.top), float(box.bottom)
        # The first line is the running head in the top margin; the text starts below it.
        body = sorted(heights, reverse=True)[1:] or heights
        lowest = min(body) if body else top
        fullness = (top - lowest) / (top - bottom)
        pages.append(PrintedPage([line.strip() for line in text.splitlines() if line.strip()], fullness))
    return pages


def print_policy(page: Any, site_url: str, paper: str) -> tuple[list[PrintedPage], list[str]]:
    """The policy page printed on `paper`, and its section headings as printed."""
    page.goto(site_url + POLICY)
    page.emulate_media(media="print")
    headings = [text.replace("¶", "").strip() for text in page.locator("article h2, article h3").all_inner_texts()]
    return printed_pages(page.pdf(format=paper)), headings


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_the_policy_prints_on_no_more_pages_than_the_published_document(page: Any, site_url: str, paper: str) -> None:
    printed, _ = print_policy(page, site_url, paper)
    print(f"\n6.01.03 printed on {paper}: {len(printed)} pages (published: {PUBLISHED_PAGES} Letter pages)")
    assert len(printed) <= PUBLISHED_PAGES


def test_every_printed_page_names_the_plan_and_the_policy(page: Any, site_url: str) -> None:
    printed, _ = print_policy(page, site_url, "Letter")
    for number, sheet in enumerate(printed, start=1):
        assert sheet.lines[0].startswith("Medical Policy Library · Medical Policy 6.01.03: Magnetic Resonance Spectroscopy (MRS)"), sheet.lines[0]
        assert f"Page {number} of {len(printed)}" in sheet.lines[0]


def test_the_printout_carries_the_policy_history_as_published(page: Any, site_url: str) -> None:
    printed, headings = print_policy(page, site_url, "Letter")
    assert headings[-3:] == ["Policy history", "Committee approval dates", "Summary of changes"]
    text = " ".join(" ".join(sheet.lines) for sheet in printed)
    assert "October 18, 2001; September 19, 2002" in text
    assert "January 23, 2025; January 22, 2026" in text
    assert "Annual review, policy statement added for MRS for the spine as not medically necessary." in text
    assert "May 27, 2010" in text and "Policy Deleted." in text
    assert text.rstrip().endswith("Original effective date.")


def test_no_section_heading_is_left_alone_at_the_bottom_of_a_page(page: Any, site_url: str) -> None:
    printed, headings = print_policy(page, site_url, "Letter")
    found = set()
    for sheet in printed:
        for heading in headings:
            if heading in sheet.lines:
                found.add(heading)
                assert sheet.lines.index(heading) < len(sheet.lines) - 1, f"{heading!r} ends a page"
    assert found == set(headings)


def test_no_page_but_the_last_is_less_than_a_third_full(page: Any, site_url: str) -> None:
    printed, _ = print_policy(page, site_url, "Letter")
    print("\nfullness per page: " + ", ".join(f"{sheet.fullness:.0%}" for sheet in printed))
    for number, sheet in enumerate(printed[:-1], start=1):
        assert sheet.fullness >= MINIMUM_FULLNESS, f"page {number} is {sheet.fullness:.0%} full"


def test_the_printout_shows_no_screen_controls(page: Any, site_url: str) -> None:
    printed, _ = print_policy(page, site_url, "Letter")
    text = "\n".join(line for sheet in printed for line in sheet.lines)
    for control in ("JSON of this revision", "Revision history", "Which revision applied on a date of service?", "Print / save as PDF", "Skip to content", "Skip to codes", "Made with"):
        assert control not in text


def test_the_policy_page_offers_to_print_itself(page: Any, site_url: str) -> None:
    page.goto(site_url + POLICY)
    control = page.get_by_role("button", name="Print / save as PDF")
    assert control.is_visible()
    page.evaluate("window.print = () => { window.printed = true; }")
    control.click()
    assert page.evaluate("window.printed") is True
