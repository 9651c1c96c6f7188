"""The providers' search index (Pagefind over the built site): what it finds, and what it leaves out.

Queries go to the published bundle (`pagefind/pagefind.js`) in real Chromium, as the search box
sends them; the box itself is tested in `test_site_browser.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generators.outputs.search import BUNDLE_FOLDER

pytestmark = pytest.mark.browser

POLICY = "/policies/6.01.03/"

#: A provider office's queries: clinical words, an author, a guideline, codes with and without
#: the dot, in any case, by prefix, and a code found only as a member of a listed range.
QUERIES = [
    "glioma", "epilepsy", "seizures", "voxel", "2-hydroxyglutarate", "radiation necrosis", "choline", "IDH",
    "Moreno-Acosta", "Valizadeh", "NCCN", "National Comprehensive Cancer Network",
    "C71.3", "c713", "C713", "C71", "0611T", "76390", "C79.40", "G46.4", "parietal",
]  # fmt: skip


def pagefind_search(page: Any, site_url: str, query: str) -> list[dict[str, Any]]:
    """The results of `query` from the site's search bundle: url, title and sub-results (section url, excerpt)."""
    if not page.url.startswith(site_url):
        page.goto(site_url + "404.html")
    return page.evaluate(
        """async ([bundle, query]) => {
            const pagefind = await import(bundle);
            const search = await pagefind.search(query);
            const results = await Promise.all(search.results.slice(0, 5).map((result) => result.data()));
            return results.map((data) => ({
                url: data.url, title: data.meta.title, excerpt: data.plain_excerpt,
                sections: data.sub_results.map((sub) => ({url: sub.url, excerpt: sub.plain_excerpt})),
            }));
        }""",
        [f"{site_url}{BUNDLE_FOLDER}/pagefind.js", query],
    )


@pytest.mark.parametrize("query", QUERIES)
def test_a_providers_query_finds_the_policy_page_first(page: Any, site_url: str, query: str) -> None:
    results = pagefind_search(page, site_url, query)
    assert results, f"no result for {query!r}"
    assert results[0]["url"] == POLICY and results[0]["title"] == "6.01.03 Magnetic Resonance Spectroscopy (MRS)"


@pytest.mark.parametrize(
    ("query", "section"),
    [("parietal", "#codes-icd10cm"), ("0611T", "#codes-cpt"), ("Moreno-Acosta", "#supportive-literature"), ("NCCN", "#professional-guidelines")],
)
def test_a_result_leads_to_the_section_that_matched(page: Any, site_url: str, query: str, section: str) -> None:
    sections = [sub["url"] for sub in pagefind_search(page, site_url, query)[0]["sections"]]
    assert POLICY + section in sections


def test_only_the_policy_pages_in_effect_are_indexed(built_site: Path) -> None:
    """Revision, diff and history pages, listings, help and developer pages stay out (see `generators.outputs.search`)."""
    entry = json.loads((built_site / BUNDLE_FOLDER / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert [language["page_count"] for language in entry["languages"].values()] == [1]


@pytest.mark.parametrize("query", ["mkdocstrings", "griffe", "lint"])
def test_developer_and_authors_pages_are_not_in_the_providers_search(page: Any, site_url: str, query: str) -> None:
    assert pagefind_search(page, site_url, query) == []


def test_the_disclaimer_every_policy_repeats_is_not_indexed(page: Any, site_url: str) -> None:
    """It would match every policy alike ("Services are contract dependent...")."""
    assert pagefind_search(page, site_url, "contract") == []
