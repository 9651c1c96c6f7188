"""The search index is the same whether Material's search plugin reads a page or its search view.

The MkDocs hook hands the search plugin each generated page without the text it would skip
(`generators.html_blocks.search_view`), because parsing the long excluded sections of a policy
page was most of the plugin's work. These tests index pages both ways with the plugin's own
code and compare the entries: every page of the repository's data, of the hostile fixture and
of a synthetic library, arbitrary HTML of the shapes our pages have, and the parser's quirks.
Then whole sites are built both ways and compared byte for byte, search index included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from material.plugins.search.plugin import SearchIndex

from generators.html_blocks import protect_html_blocks, restore_html_blocks, search_view

from .conftest import DATA, ROOT
from .test_html_blocks import HOSTILE, _body, _convert, _generated_pages
from .trees import snapshot_tree, tree_differences


def _entries(html: str) -> list[dict[str, object]] | str:
    """What Material's search plugin puts into the index for a page with this content, or the error it raises."""
    index = SearchIndex(lang=["en"], separator=" ", pipeline=[], fields={})
    page = SimpleNamespace(meta={}, toc=[], url="page/", title="Page title", content=html)
    try:
        index.add_entry_from_context(page)
    except ValueError as error:  # the parser fails on some nestings, e.g. a list in an excluded list
        return f"ValueError: {error}"
    return index.entries


def _page_html(source: str) -> str:
    """A generated page's content as MkDocs has it when the search plugin reads it."""
    stub, blocks = protect_html_blocks(_body(source))
    return restore_html_blocks(_convert(stub)[0], blocks)


@pytest.fixture(scope="module")
def synthetic_folder(synthetic_library: Callable[[int, int, int], Path]) -> Path:
    return synthetic_library(4, 3, 7)


@pytest.mark.parametrize("which", ["policy_data", "hostile", "synthetic"])
def test_every_generated_page_gives_the_same_search_entries_from_its_search_view(which: str, synthetic_folder: Path) -> None:
    data = {"policy_data": DATA, "hostile": HOSTILE, "synthetic": synthetic_folder}[which]
    policy_pages = 0
    for path, source in _generated_pages(data).items():
        html = _page_html(source)
        view = search_view(html)
        if path.count("/") == 2 and path.endswith("/index.md") and path.startswith("policies/"):
            # The indexed policy pages all get a search view, much shorter than the page.
            policy_pages += 1
            assert view is not None, path
            assert len(view) < 0.7 * len(html), path
        if view is not None:
            assert _entries(view) == _entries(html), path
    assert policy_pages > 0


# Quirks of the search plugin's parser the view must respect, and shapes it must refuse.
QUIRKS = {
    "an excluded element's text": ("<p>kept</p><div data-search-exclude><p>dropped</p></div><p>after</p>", True),
    "an excluded section up to the next heading": ('<h2 id="a" data-search-exclude>A</h2><p>dropped</p><ul><li>x</li></ul><h2 id="b">B</h2><p>kept</p>', True),
    # The parser matches skipped elements by name: once an inner div closes, the rest is indexed.
    "a nested element of the same name": ("<div data-search-exclude><div>dropped</div>indexed after all</div>", False),
    # A heading inside an element (even an excluded one) starts a section the parser may leave
    # for an earlier one when the element closes: such pages are indexed as they are.
    "a heading inside an excluded element": ('<div data-search-exclude><p>x</p></div><section data-search-exclude><h3 id="c">C</h3><p>y</p></section>', None),
    # A marked heading without an id starts no section: its text stays in the one before.
    "an excluded heading without an id": ("<h2 id=\"a\">A</h2><h3 data-search-exclude>B</h3><p>kept in A</p>", False),
    # The parser fails on some nestings inside a skipped element (found by hypothesis): a cut
    # section must not hide such a failure.
    "a failing nesting in an excluded section": ('<h2 id="e" data-search-exclude>A</h2>\n<p data-search-exclude><p></p></p>', False),
    # A heading without an id starts no section: the dropped one goes on, and the quirk above
    # looks back into it (found by hypothesis).
    "a failing nesting after a heading without an id": ('<h1 id="e" data-search-exclude>A</h1>\n<p>x</p>\n<h1>B</h1>\n<p data-search-exclude><p></p></p>', False),
    "an excluded section ending inside an element with a heading": ('<h2 id="a" data-search-exclude>A</h2><p>dropped</p><div><p>z</p><h3 id="d">D</h3></div>', None),
    "an unclosed element": ("<div data-search-exclude><p>dropped</div><p>after</p>", None),
    "a script": ("<div data-search-exclude><p>x</p></div><script>if (a < b) {}</script>", None),
    "a comment": ("<div data-search-exclude><p>x</p></div><!-- <p> -->", None),
    "a data-search attribute with a value": ('<div data-search-exclude><p>x</p></div><p data-search-boost="2">y</p>', None),
    "a bare less-than sign": ("<div data-search-exclude><p>x</p></div><p>a < b</p>", None),
}


@pytest.mark.parametrize("html, cut", QUIRKS.values(), ids=QUIRKS.keys())
def test_the_search_view_respects_the_parsers_quirks(html: str, cut: bool | None) -> None:
    view = search_view(html)
    if cut is None:
        assert view is None
        return
    assert view is not None
    assert (len(view) < len(html)) == cut
    assert _entries(view) == _entries(html)


_TEXT = st.sampled_from(["word", "C71.3", "two words", " ", "\n", "&amp; more", "x"])
_NAMES = st.sampled_from(["div", "p", "ul", "li", "table", "tr", "td", "span", "section", "strong", "a"])
_MARKS = st.sampled_from(["", "", " data-search-exclude", ' class="c"', ' id="i"', ' data-search-exclude id="j"'])


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda name, mark, inner: f"<{name}{mark}>{''.join(inner)}</{name}>", _NAMES, _MARKS, st.lists(children, max_size=4))


_CONTENT = st.recursive(_TEXT | st.sampled_from(["<br>", "<hr />", '<a id="x"/>']), _element, max_leaves=12)
_HEADING = st.builds(
    lambda level, mark, text: f"<h{level}{mark}>{text}</h{level}>",
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["", ' id="h"', ' id="e" data-search-exclude', " data-search-exclude"]),
    _TEXT,
)
# A nested heading, a stray end tag and unclosed elements are shapes the view must refuse or survive.
_ODD = st.sampled_from(['<div><h3 id="n">nested</h3></div>', "</p>", "<div>", "<p>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_HEADING, _CONTENT), max_size=12))
def test_every_well_formed_page_of_headings_and_blocks_has_a_search_view_with_the_same_entries(parts: list[str]) -> None:
    html = "\n".join(parts)
    view = search_view(html)
    assert view is not None
    assert _entries(view) == _entries(html)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_HEADING, _CONTENT, _ODD), max_size=12))
def test_a_page_with_odd_markup_gets_no_search_view_or_one_with_the_same_entries(parts: list[str]) -> None:
    html = "\n".join(parts)
    view = search_view(html)
    if view is not None:
        assert _entries(view) == _entries(html)


def test_the_hook_shows_the_search_plugin_the_view_then_puts_the_page_back_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.exceptions import PluginError

    from generators import mkdocs_hook

    html = '<h2 id="a">A</h2>\n<p>kept</p>\n<h2 id="b" data-search-exclude>B</h2>\n<p>dropped</p>'
    monkeypatch.setattr(mkdocs_hook, "_generated_pages", {"policies/x/index.md"})
    page = SimpleNamespace(file=SimpleNamespace(src_uri="policies/x/index.md"), content=html, meta={})
    first, last = mkdocs_hook.on_page_context.methods
    first({}, page=page)
    assert page.content == search_view(html) != html
    last({}, page=page)
    assert page.content == html
    first({}, page=page)
    page.content += "<p>changed by another plugin</p>"
    with pytest.raises(PluginError, match="a plugin changed the page"):
        last({}, page=page)


def _build(data: Path, out: Path, *, with_search_view: bool, site_url: str) -> None:
    """`mkdocs build --strict` of the site for `data`, the hook rendering; optionally without the search view."""
    driver = "import sys, generators.html_blocks as blocks\n"
    if not with_search_view:
        driver += "blocks.search_view = lambda html: None\n"
    driver += "from mkdocs.__main__ import cli\nsys.exit(cli())\n"
    env = {**os.environ, "POLICYKB_DATA": str(data), "SOURCE_DATE_EPOCH": "1767225600", "NO_MKDOCS_2_WARNING": "1", "POLICYKB_SITE_URL": site_url}
    env.pop("POLICYKB_PRERENDERED", None)
    command = [sys.executable, "-c", driver, "build", "--strict", "-q", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)]
    assert subprocess.run(command, env=env, cwd=ROOT, check=False).returncode == 0


@pytest.mark.parametrize("data", [DATA, HOSTILE], ids=["policy_data", "hostile"])
def test_the_site_is_byte_identical_with_and_without_the_search_view(data: Path, tmp_path: Path) -> None:
    url = "https://policies.example.org/"
    _build(data, tmp_path / "with", with_search_view=True, site_url=url)
    _build(data, tmp_path / "without", with_search_view=False, site_url=url)
    with_view, without_view = snapshot_tree(tmp_path / "with"), snapshot_tree(tmp_path / "without")
    assert tree_differences(with_view, without_view) == []
    # Not vacuous: the index holds the policy pages, and not their excluded sections.
    documents = json.loads(with_view["search/search_index.json"])["docs"]
    assert any(doc["location"].startswith("policies/") and doc["location"].count("/") == 2 for doc in documents)
    assert not any("#references" in doc["location"] or "#description" in doc["location"] for doc in documents)
