"""The one header search box: the same markup on the theme's pages and on the standalone pages, and no Material search left."""

from __future__ import annotations

import re
from importlib.resources import files as package_files
from pathlib import Path

from .conftest import ROOT

BOX = ROOT / "overrides" / "partials" / "pkb-search.html"
STANDALONE_BOX = ROOT / "generators" / "outputs" / "templates" / "standalone" / "_search.html"
HEADER = ROOT / "overrides" / "partials" / "header.html"


def _box(html: str) -> str:
    """The search box of a built page, with the relative URL of the bundle left out."""
    box = html.split('<div class="md-search pkb-search"', 1)[1].split('<div class="md-search__output">', 1)[0]
    return re.sub(r'data-pkb-search-bundle="[^"]*"', "", box)


def test_the_standalone_pages_carry_the_same_box_as_the_theme() -> None:
    assert STANDALONE_BOX.read_bytes() == BOX.read_bytes()


def test_the_header_is_materials_with_only_its_search_replaced() -> None:
    theme = package_files("material").joinpath("templates", "partials", "header.html").read_text(encoding="utf-8")
    ours = HEADER.read_text(encoding="utf-8")
    search = re.compile(r'    \{% if "material/search" in config\.plugins %\}.*?\n    \{% endif %\}\n', re.DOTALL)
    box = re.compile(r"    \{#- policykb:.*?\{% endwith %\}\n", re.DOTALL)
    body = lambda text: re.sub(r"^\{#-.*?-#\}\n", "", text, flags=re.DOTALL)  # noqa: E731 - the leading comment differs
    assert body(search.sub("", theme)) == body(box.sub("", ours)), "Material's header changed: update overrides/partials/header.html"


def test_every_kind_of_page_has_the_one_search_box_and_material_search_is_gone(built_site: Path) -> None:
    pages = ["index.html", "policies/6.01.03/index.html", "lookup/index.html", "policies/6.01.03/revisions/2025-01-23/index.html",
             "policies/6.01.03/diffs/2025-01-23..2026-01-22/index.html"]  # fmt: skip
    boxes = set()
    for page in pages:
        html = (built_site / page).read_text(encoding="utf-8")
        assert html.count('class="md-search pkb-search"') == 1, page
        assert 'data-md-component="search"' not in html, page
        bundle = re.search(r'data-pkb-search-bundle="([^"]+)"', html)
        assert bundle and (built_site / page).parent.joinpath(bundle.group(1)).resolve() == (built_site / "pagefind" / "pagefind.js").resolve(), page
        boxes.add(_box(html))
    assert len(boxes) == 1
    assert not (built_site / "search" / "search_index.json").exists()
