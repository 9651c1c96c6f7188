"""The home page and the policy list at scale: their size and element count in the built site.

Generates a synthetic library (`benchmarks/synthetic.py`, `model` profile), builds the whole
site with `policykb build` for a fixed as-of date, and prints for the home page and the policy
list: bytes, gzipped bytes and the number of HTML elements. The home page's budget (issue 18):
at most about 50 KB gzipped and 1,500 elements at 1,000 policies; it lists a bounded number of
recent and upcoming changes (`generators.outputs.site.HOME_RECENT`, `HOME_UPCOMING`), whatever
the size of the library.

Usage: `python benchmarks/home_size.py [--policies 1000] [--revisions 2] [--work DIR]`
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

#: The date the site is built for (fixed: the same figures on every run).
AS_OF = "2026-12-04"
#: The pages measured, by their path in the built site.
PAGES = {"home": "index.html", "policy list": "policies/index.html"}


class _ElementCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1


@dataclass(frozen=True)
class PageSize:
    """A built page's weight: what a browser downloads and parses."""

    bytes: int
    gzipped: int
    elements: int


def page_size(path: Path) -> PageSize:
    """The size of the built page at `path`: bytes, gzipped bytes (level 9) and HTML elements."""
    raw = path.read_bytes()
    counter = _ElementCounter()
    counter.feed(raw.decode("utf-8"))
    return PageSize(len(raw), len(gzip.compress(raw, 9, mtime=0)), counter.elements)


def measure(policies: int, revisions: int, work: Path) -> dict[str, PageSize]:
    """Build the synthetic library of `policies` x `revisions` in `work` and measure its pages."""
    from benchmarks.synthetic import PROFILES, generate_library
    from generators.adapters.cli import main

    data = work / f"library-{policies}x{revisions}"
    if not data.exists():
        generate_library(data, policies, revisions, seed=1, profile=PROFILES["model"])
    site = work / "site"
    code = main(["--data", str(data), "build", "--out", str(site), "--config", str(REPOSITORY / "mkdocs.yml"), "--as-of", AS_OF])
    if code != 0:
        raise SystemExit(f"policykb build failed with exit code {code}")
    return {name: page_size(site / path) for name, path in PAGES.items()}


def main(argv: list[str] | None = None) -> int:
    """Print the size of the home page and the policy list of a synthetic site."""
    parser = argparse.ArgumentParser(description="Size of the home page and the policy list at scale.")
    parser.add_argument("--policies", type=int, default=1000, help="number of policies (default: 1000)")
    parser.add_argument("--revisions", type=int, default=2, help="revisions per policy (default: 2)")
    parser.add_argument("--work", type=Path, help="folder for the library and the site (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="policykb-home-") as scratch:
        work = args.work or Path(scratch)
        sizes = measure(args.policies, args.revisions, work)
    print(f"N = {args.policies} policies x R = {args.revisions} revisions, as of {AS_OF}")
    for name, size in sizes.items():
        print(f"{name}: {size.bytes / 1024:.1f} KB, {size.gzipped / 1024:.1f} KB gzipped, {size.elements} elements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
