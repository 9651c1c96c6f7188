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

A site built by another engine (Zensical over `policykb pages`) gets its index with
`python -m generators.outputs.search SITE_FOLDER`. A plain `mkdocs build` or `mkdocs serve` makes none.
The index is deterministic: the same pages give the same bytes (checked with the whole site).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from generators.errors import PolicyKbError

#: The folder of the search bundle in the site (Pagefind's default; the search box loads `pagefind/pagefind.js`).
BUNDLE_FOLDER = "pagefind"

#: The pages in the search, as a Pagefind glob relative to the site folder: the policy pages
#: only (`*` does not cross a `/`, so revision, diff and history pages are not matched).
INDEXED_PAGES = "policies/*/index.html"

#: The element of a page that is indexed: the article of Material's pages, Zensical's and our standalone layout's.
ROOT_SELECTOR = "article.md-content__inner"

#: Left out of every indexed page: the permalink signs that the Markdown toc extension adds to headings.
EXCLUDED_SELECTORS = ".headerlink"


class SearchIndexFailed(PolicyKbError, RuntimeError):
    """Pagefind stopped with an error; its own output says why."""


def pagefind_command(site: Path) -> list[str]:
    """The Pagefind command that indexes the built site in `site` into `site/pagefind/`."""
    return [
        sys.executable, "-m", "pagefind",
        "--site", str(site),
        "--glob", INDEXED_PAGES,
        "--root-selector", ROOT_SELECTOR,
        "--exclude-selectors", EXCLUDED_SELECTORS,
        "--output-subdir", BUNDLE_FOLDER,
        "--quiet",
    ]  # fmt: skip


def index_site(site: Path) -> None:
    """Write the search bundle of the built site in `site` (into `site/pagefind/`).

    Raises:
        SearchIndexFailed: When Pagefind fails or indexes no page.
    """
    result = subprocess.run(pagefind_command(site), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SearchIndexFailed(f"pagefind failed:\n{result.stdout}{result.stderr}")
    if not (site / BUNDLE_FOLDER / "pagefind.js").is_file():
        raise SearchIndexFailed(f"pagefind wrote no search bundle into {site / BUNDLE_FOLDER}:\n{result.stdout}{result.stderr}")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m generators.outputs.search SITE`: index a site built by another engine; 0 on success, 1 on failure."""
    parser = argparse.ArgumentParser(prog="python -m generators.outputs.search", description="Index the policy pages of a built site for the search box (Pagefind).")
    parser.add_argument("site", type=Path, help="the folder of the built site")
    args = parser.parse_args(argv)
    try:
        index_site(args.site)
    except SearchIndexFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Indexed the policy pages of {args.site}/ into {args.site / BUNDLE_FOLDER}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
