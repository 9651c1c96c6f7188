"""The providers' search index (Pagefind over the built site): what it finds, and what it leaves out.

Queries go to the published bundle (`pagefind/pagefind.js`) in real Chromium, as the search box
sends them; the box itself is tested in `test_site_browser.py`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generators.outputs.search import BUNDLE_FOLDER, BUNDLES_MANIFEST, SearchIndexFailed, index_site, split_into_bundles

from .trees import served

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


# --------------------------------------------------------------------------- bounded memory: several bundles


def test_a_light_library_is_one_bundle_and_a_heavy_one_is_split_into_even_consecutive_bundles() -> None:
    light = [("6.01.01", 50), ("6.01.02", 50)]
    assert split_into_bundles(light, budget=1_000) == [["6.01.01", "6.01.02"]]
    heavy = [(f"6.01.{n:02}", 100) for n in range(10)]
    bundles = split_into_bundles(heavy, budget=300)
    assert len(bundles) == 4  # as few as keep each under the budget
    assert [name for bundle in bundles for name in bundle] == [name for name, _ in heavy]  # every page once, in order
    assert all(sum(100 for _ in bundle) <= 300 for bundle in bundles)


def test_the_published_site_is_one_bundle_with_nothing_to_merge(built_site: Path) -> None:
    manifest = json.loads((built_site / BUNDLE_FOLDER / BUNDLES_MANIFEST).read_text(encoding="utf-8"))
    assert manifest == {"merge": []}


@pytest.fixture(scope="module")
def split_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The built site with a second policy page (a copy of 6.01.03 about zebrafish), indexed in two bundles, served."""
    site = tmp_path_factory.mktemp("split") / "site"
    shutil.copytree(built_site, site, ignore=shutil.ignore_patterns(BUNDLE_FOLDER))
    page = (site / "policies" / "6.01.03" / "index.html").read_text(encoding="utf-8")
    (site / "policies" / "9.99.99").mkdir()
    copy = page.replace("Magnetic Resonance Spectroscopy (MRS)", "Zebrafish Imaging").replace("6.01.03", "9.99.99")
    (site / "policies" / "9.99.99" / "index.html").write_text(copy, encoding="utf-8")
    assert index_site(site, budget=len(page.encode("utf-8")) + 1) == 2
    with served(site) as url:
        yield site, url


def test_a_split_index_is_searched_as_one_from_the_search_box(page: Any, split_site: tuple[Path, str]) -> None:
    """Pagefind's memory is bounded by indexing in parts; the box merges them, so a provider sees no seam."""
    from .test_site_browser import result_pages, search

    site, url = split_site
    assert json.loads((site / BUNDLE_FOLDER / BUNDLES_MANIFEST).read_text(encoding="utf-8")) == {"merge": ["part-2/"]}
    assert (site / BUNDLE_FOLDER / "part-2" / "pagefind-entry.json").is_file()
    page.goto(url + "policies/6.01.03/")
    results = search(page, "zebrafish")  # only in the second bundle
    assert result_pages(results)[:1] == [url + "policies/9.99.99/"]
    page.goto(url + "policies/6.01.03/")
    pages = result_pages(search(page, "glioma"))  # in both: one list
    assert {url + "policies/6.01.03/", url + "policies/9.99.99/"} <= set(pages)


def test_a_folder_without_policy_pages_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexFailed, match="found no policy page"):
        index_site(tmp_path)
    (tmp_path / "policies" / "not a number").mkdir(parents=True)
    (tmp_path / "policies" / "not a number" / "index.html").write_text("<article></article>", encoding="utf-8")
    with pytest.raises(SearchIndexFailed, match="expected policy numbers"):
        index_site(tmp_path)
    assert not (tmp_path / BUNDLE_FOLDER).exists()

