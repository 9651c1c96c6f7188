"""The providers' full-text search: a Pagefind index of the finished site, made after the site generator.

Pagefind reads the built HTML, so the index is the same whichever engine wrote the pages
(MkDocs through `policykb build`, or Zensical over `policykb pages`), and it splits the index
into small chunks that the browser fetches only for the words typed. `index_site` runs it over
the staging folder of `policykb build`, before the swap, so a site is never published without
its index. The search box (`pkb-search.js`) loads nothing of the index before the first search.

**What is indexed**: each policy page (`policies/<number>/index.html`: the revision in effect
on the build's date), in full: title, statements with every criterion, description,
literature, guidelines, regulatory status, code tables with descriptions and the member codes
of ICD-10-CM ranges with their official descriptions, references, CMS note and search terms.
Pagefind keeps `C71.3` findable as `C71.3`, `c713` and by its prefix `C71` without help.
Templates mark what is left out of the text (`data-pagefind-ignore`: the notices of where a
revision stands, the boilerplate preamble and disclaimer, links) and what weighs more
(`data-pagefind-weight` on the search terms).

**What is not**: upcoming and superseded revision pages, diff and history pages (a provider
looking for a policy needs the rules that apply now; the policy page links to its upcoming
revision and its history, and superseded criteria in the results would be read as current),
the listing pages (home, policy list, upcoming changes: they repeat the titles of the pages
they list and would outrank them), and the help and developer pages (lookup, downloads, the
authors' guide, the API reference).

**Bounded memory**: Pagefind keeps a bundle's whole index in memory while it writes it, about ten
times the HTML it reads (measured: 756 MB for 1,000 policy pages of 6.01.03's size). A library
whose policy pages weigh more than `BUNDLE_HTML_BYTES` is indexed in several bundles, one Pagefind
run after the other over consecutive policy numbers: the first in `pagefind/`, the others in
`pagefind/part-2/`, ... `pagefind/bundles.json` lists the others, and the search box merges them
into the first (Pagefind's `mergeIndex`: one WebAssembly, one ranked list of results). A library
of up to about 1,000 policies stays in one bundle; each further bundle costs a visitor's first
search its metadata and, per word typed, one more index chunk (`benchmarks/search.py`).

A site built by another engine (Zensical over `policykb pages`) gets its index with
`python -m generators.outputs.search SITE_FOLDER`. A plain `mkdocs build` or `mkdocs serve` makes none.
The index is deterministic: the same pages give the same bytes (checked with the whole site).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from generators.errors import PolicyKbError
from generators.model import POLICY_NUMBER, policy_sort_key

#: The folder of the search bundle in the site (Pagefind's default; the search box loads `pagefind/pagefind.js`).
BUNDLE_FOLDER = "pagefind"

#: The pages in the search, as a Pagefind glob relative to the site folder: the policy pages
#: only (`*` does not cross a `/`, so revision, diff and history pages are not matched).
INDEXED_PAGES = "policies/*/index.html"

#: The most HTML (bytes of the indexed pages) one Pagefind run reads: about 800 MB of memory.
BUNDLE_HTML_BYTES = 80_000_000

#: The list of the bundles that the search box merges into the first (`{"merge": ["part-2/", ...]}`).
BUNDLES_MANIFEST = "bundles.json"

#: The element of a page that is indexed: the article of Material's pages, Zensical's and our standalone layout's.
ROOT_SELECTOR = "article.md-content__inner"

#: Left out of every indexed page: the permalink signs that the Markdown toc extension adds to headings.
EXCLUDED_SELECTORS = ".headerlink"


class SearchIndexFailed(PolicyKbError, RuntimeError):
    """Pagefind stopped with an error; its own output says why."""


def pagefind_command(site: Path, glob: str = INDEXED_PAGES, output: str = BUNDLE_FOLDER) -> list[str]:
    """The Pagefind command that indexes the pages of `site` matching `glob` into `site/<output>/`."""
    return [
        sys.executable, "-m", "pagefind",
        "--site", str(site),
        "--glob", glob,
        "--root-selector", ROOT_SELECTOR,
        "--exclude-selectors", EXCLUDED_SELECTORS,
        "--output-subdir", output,
        "--quiet",
    ]  # fmt: skip


def split_into_bundles(pages: Sequence[tuple[str, int]], budget: int = BUNDLE_HTML_BYTES) -> list[list[str]]:
    """The policy folders of each bundle: consecutive runs of `pages` (name, HTML bytes) of about equal weight.

    As few bundles as keep each under `budget` (give or take one page), in the order given.
    """
    total = sum(size for _, size in pages)
    count = max(1, math.ceil(total / budget))
    bundles: list[list[str]] = [[] for _ in range(count)]
    before = 0
    for name, size in pages:
        bundles[min(count - 1, before * count // max(total, 1))].append(name)
        before += size
    return [bundle for bundle in bundles if bundle]


def _part_folder(number: int) -> str:
    """The folder of bundle `number` (2 and later) inside the first bundle's: `part-2`, as `bundles.json` lists it (with a `/`)."""
    return f"part-{number}"


def bundle_folder(number: int) -> str:
    """The folder of bundle `number` (1 is the first) relative to the site: `pagefind`, `pagefind/part-2`, ..."""
    return BUNDLE_FOLDER if number == 1 else f"{BUNDLE_FOLDER}/{_part_folder(number)}"


def index_site(site: Path, budget: int = BUNDLE_HTML_BYTES) -> int:
    """Write the search bundles of the built site in `site` (into `site/pagefind/`); return how many.

    Raises:
        SearchIndexFailed: When Pagefind fails or indexes no page.
    """
    pages = [(path.parent.name, path.stat().st_size) for path in site.glob(INDEXED_PAGES)]
    if not pages:
        raise SearchIndexFailed(f"found no policy page ({INDEXED_PAGES}) in {site}; expected the folder of a built site")
    unsafe = sorted(name for name, _ in pages if not POLICY_NUMBER.match(name))
    if unsafe:
        raise SearchIndexFailed(f"found policy folders {unsafe} in {site / 'policies'}; expected policy numbers such as 6.01.03 (so that they are also safe in a Pagefind glob)")
    pages.sort(key=lambda page: policy_sort_key(page[0]))
    bundles = split_into_bundles(pages, budget)
    for number, names in enumerate(bundles, start=1):
        glob = INDEXED_PAGES if len(bundles) == 1 else "policies/{" + ",".join(names) + "}/index.html"
        _run_pagefind(site, glob, bundle_folder(number))
    manifest = {"merge": [f"{_part_folder(number)}/" for number in range(2, len(bundles) + 1)]}
    (site / BUNDLE_FOLDER / BUNDLES_MANIFEST).write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    return len(bundles)


def _run_pagefind(site: Path, glob: str, output: str) -> None:
    result = subprocess.run(pagefind_command(site, glob, output), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SearchIndexFailed(f"pagefind failed:\n{result.stdout}{result.stderr}")
    if not (site / output / "pagefind.js").is_file():
        raise SearchIndexFailed(f"pagefind wrote no search bundle into {site / output}:\n{result.stdout}{result.stderr}")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m generators.outputs.search SITE`: index a site built by another engine; 0 on success, 1 on failure."""
    parser = argparse.ArgumentParser(prog="python -m generators.outputs.search", description="Index the policy pages of a built site for the search box (Pagefind).")
    parser.add_argument("site", type=Path, help="the folder of the built site")
    args = parser.parse_args(argv)
    try:
        bundles = index_site(args.site)
    except SearchIndexFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Indexed the policy pages of {args.site}/ into {args.site / BUNDLE_FOLDER}/ ({bundles} bundle{'s' if bundles > 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
