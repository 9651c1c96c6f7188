"""Engine independence: the site built by Zensical from `policykb pages`, indexed by Pagefind, searches the same.

Zensical reads `mkdocs.yml` and the theme overrides but runs no MkDocs hooks, so it builds the
complete docs folder that `policykb pages --with-content` writes; `python -m generators.outputs.search`
then indexes the result as `policykb build` indexes MkDocs' site. Both the repository's site and
the benchmarks' library of 1,000 policies x 5 revisions (issue 15's size: about 4 minutes here,
1 GB of memory for Zensical) are built and searched with the site's search box.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generators.model import policy_sort_key
from generators.outputs.search import BUNDLE_FOLDER, BUNDLES_MANIFEST

from .conftest import AS_OF, DATA, ROOT
from .test_site_browser import QUERIES, result_pages, search
from .trees import served

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def build_with_zensical(data: Path, folder: Path) -> Path:
    """The site of `data` built by Zensical in `folder` and indexed for search; its site folder."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [sys.executable, "-m", "generators.adapters.cli", "--data", str(data), "pages", "--out", str(folder / "docs"), "--with-content", str(ROOT / "content"), "--as-of", AS_OF.isoformat()]
    subprocess.run(pages, check=True, capture_output=True, cwd=ROOT)
    # Zensical wants the docs folder inside the folder of its configuration.
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^docs_dir: .*$", "docs_dir: docs", config)
    config = re.sub(r"(?m)^site_dir: .*$", "site_dir: site", config)
    (folder / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "overrides", folder / "overrides")
    built = subprocess.run([sys.executable, "-m", "zensical", "build", "--config-file", "mkdocs.yml"], cwd=folder, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    indexed = subprocess.run([sys.executable, "-m", "generators.outputs.search", str(folder / "site")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert indexed.returncode == 0, indexed.stdout + indexed.stderr
    return folder / "site"


@pytest.fixture(scope="module")
def zensical_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The repository's site built by Zensical, served on 127.0.0.1."""
    with served(build_with_zensical(DATA, tmp_path_factory.mktemp("zensical"))) as url:
        yield url


@pytest.fixture(scope="module")
def large_zensical_site(synthetic_library: Callable[[int, int, int], Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The benchmarks' library of 1,000 policies x 5 revisions (seed 1) built by Zensical and indexed, served: its folder and URL."""
    site = build_with_zensical(synthetic_library(1000, 5, 1), tmp_path_factory.mktemp("zensical-1000"))
    with served(site) as url:
        yield site, url


@pytest.mark.parametrize(("query", "section"), [("glioma", "#criterion-glial-neoplasm-grading"), ("c713", "#code-C71.0-C71.9")])
def test_a_zensical_build_finds_the_policy_with_the_same_search_box(page: Any, zensical_site_url: str, query: str, section: str) -> None:
    page.goto(zensical_site_url)
    results = search(page, query)
    assert result_pages(results)[:1] == [zensical_site_url + "policies/6.01.03/"]
    links = results.locator("a").evaluate_all("anchors => anchors.map(a => a.getAttribute('href'))")
    assert "/policies/6.01.03/" + section in links


@pytest.mark.parametrize("query", QUERIES)
def test_a_zensical_build_answers_the_providers_queries_as_the_mkdocs_build_does(page: Any, zensical_site_url: str, query: str) -> None:
    """The queries of `test_site_browser.py`: the policy among the first three."""
    page.goto(zensical_site_url)
    assert zensical_site_url + "policies/6.01.03/" in result_pages(search(page, query))[:3]


def test_zensical_builds_the_library_of_1000_policies_and_the_box_searches_it(page: Any, large_zensical_site: tuple[Path, str]) -> None:
    """No Zensical search-index limit stops the build (its own search is off); every policy page is in
    Pagefind's bundles, and the box finds a policy of the last bundle by its title and number, and a
    code inside the listed ranges."""
    site, url = large_zensical_site
    manifest = json.loads((site / BUNDLE_FOLDER / BUNDLES_MANIFEST).read_text(encoding="utf-8"))
    entries = [site / BUNDLE_FOLDER / "pagefind-entry.json", *(site / BUNDLE_FOLDER / part / "pagefind-entry.json" for part in manifest["merge"])]
    counts = [language["page_count"] for entry in entries for language in json.loads(entry.read_text(encoding="utf-8"))["languages"].values()]
    assert sum(counts) == 1000
    numbers = sorted((path.parent.name for path in site.glob("policies/*/index.html")), key=policy_sort_key)
    last = numbers[-1]
    title = re.search(r'<span class="pkb-title__number">[^<]+</span> ([^<]+)</h1>', (site / "policies" / last / "index.html").read_text(encoding="utf-8"))
    assert title, "the policy page's title"
    for query in (title.group(1), last):
        page.goto(f"{url}policies/{numbers[0]}/")
        assert f"{url}policies/{last}/" in result_pages(search(page, query))[:3], query
    # A number whose digits begin another's (1.01.56 and 10.15.62 at seed 1): the policy itself first.
    digits = {number: number.replace(".", "") for number in numbers}
    prefixes = [number for number in numbers if any(other != number and digits[other].startswith(digits[number]) for other in numbers)]
    assert prefixes
    for number in prefixes:
        page.goto(url)
        assert result_pages(search(page, number))[:1] == [f"{url}policies/{number}/"], number
    page.goto(url)
    sections = search(page, "c713").locator("a.pkb-search-result__section").evaluate_all("anchors => anchors.map(a => a.getAttribute('href'))")
    assert sections and all("#code-C71" in section for section in sections), sections
