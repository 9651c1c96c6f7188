"""The one header search box: the same markup on the theme's pages and on the standalone pages, and no Material search left."""

from __future__ import annotations

import re
from importlib.resources import files as package_files
from pathlib import Path

import pytest

from generators.outputs import theme_partials
from generators.outputs.theme_partials import THEME_PARTIALS, outdated_partials

from .conftest import ROOT

BOX = ROOT / "overrides" / "partials" / "pkb-search.html"
TEMPLATES = ROOT / "generators" / "outputs" / "templates"
STANDALONE_BOX = TEMPLATES / "standalone" / "_search.html"
HEADER = ROOT / "overrides" / "partials" / "header.html"


def _box(html: str) -> str:
    """The search box of a built page, with the relative URL of the bundle left out."""
    box = html.split('<div class="md-search pkb-search"', 1)[1].split('<div class="md-search__output">', 1)[0]
    return re.sub(r'data-pkb-search-bundle="[^"]*"', "", box)


def test_the_themes_box_is_written_from_the_one_template_of_the_standalone_pages() -> None:
    assert THEME_PARTIALS[str(BOX.relative_to(ROOT))] == str(STANDALONE_BOX.relative_to(TEMPLATES))
    assert outdated_partials(ROOT) == [], "overrides/partials/ is out of date with its templates: run .venv/bin/python -m generators.outputs.theme_partials"
    assert BOX.read_text(encoding="utf-8").endswith(STANDALONE_BOX.read_text(encoding="utf-8"))


def test_the_partials_command_writes_what_is_out_of_date_and_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "overrides" / "partials" / "pkb-search.html"
    copy.parent.mkdir(parents=True)
    copy.write_text("stale", encoding="utf-8")
    assert theme_partials.main(["--root", str(tmp_path), "--check"]) == 1
    assert copy.read_text(encoding="utf-8") == "stale" and "run python -m generators.outputs.theme_partials" in capsys.readouterr().err
    assert theme_partials.main(["--root", str(tmp_path)]) == 0
    assert copy.read_bytes() == BOX.read_bytes()
    assert theme_partials.main(["--root", str(tmp_path), "--check"]) == 0


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
