"""Text fields are data, not markup: no tag, attribute or link from the data reaches a page.

The only markup data may use is `**strong**`, `*emphasis*` and `<https://...>` links
(`generators.text`). Everything else must come out as the very characters written, both in
HTML (`to_html`) and in Markdown pages that MkDocs renders (`to_markdown_html`).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generators.outputs.json_api import render_api
from generators.text import to_attribute, to_html, to_markdown_html, to_plain
from generators.load.validate import load_library

from .conftest import AS_OF

HOSTILE_DATA = Path(__file__).resolve().parent / "data" / "hostile"

#: Attacks on HTML, on Markdown and on the three allowed forms. Each would set
#: window.__policykb_xss if it ever ran (the browser test of the site checks that too).
PAYLOADS = [
    "<script>window.__policykb_xss=1</script>",
    "<img src=x onerror=\"window.__policykb_xss=2\">",
    "<svg onload=window.__policykb_xss=3>",
    "\"><script>window.__policykb_xss=4</script>",
    "'><img src=x onerror=window.__policykb_xss=5>",
    "<a href=\"javascript:window.__policykb_xss=6\">click</a>",
    "[click](javascript:window.__policykb_xss=7)",
    "[click][ref]\n\n[ref]: javascript:window.__policykb_xss=8",
    "![img](x \"title\" onerror=window.__policykb_xss=9)",
    "<javascript:window.__policykb_xss=10>",
    "javascript:window.__policykb_xss=11",
    "<https://example.org/\"onmouseover=\"window.__policykb_xss=12>",
    "https://example.org/\"><img src=x onerror=window.__policykb_xss=13>",
    "Text {: onclick=\"window.__policykb_xss=14\" }",
    "<iframe src=\"javascript:window.__policykb_xss=15\"></iframe>",
    "<style>body{display:none}</style>",
    "<!-- hidden --> comment",
    "&lt;script&gt; already escaped &amp; &#60;b&#62;",
    "`code` and ``double`` and _under_ and __dunder__",
    "**<b>bold tag</b>** and *<i>em tag</i>*",
    "*a **b** c* and ***triple***",
    "| a | b |\n|---|---|\n| c | d |",
    "# Heading\n- item\n1. ordered\n> quote\n    indented code",
    "Term\n: definition",
    "!!! note \"Admonition\"\n    body",
    ":smile: ==mark== ~~tilde~~ ^^caret^^ ++ctrl+alt++ $x^2$ \\(escaped\\)",
    "Link: <https://example.org/a_b*c*[d](e)> and https://example.org/x_y_z.",
    "a\\*not em\\* and \\<b> backslashes \\\\",
]

MARKDOWN_EXTENSIONS = [
    "abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
    "sane_lists", "smarty",
    "pymdownx.betterem", "pymdownx.caret", "pymdownx.mark", "pymdownx.tilde", "pymdownx.magiclink",
    "pymdownx.superfences", "pymdownx.details", "pymdownx.tasklist", "pymdownx.emoji", "pymdownx.keys",
    "pymdownx.smartsymbols", "pymdownx.arithmatex", "pymdownx.critic",
]


class Elements(HTMLParser):
    """Every element and attribute of an HTML fragment, and its text as a browser shows it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.well_nested = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.well_nested = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append(("!--", []))


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def assert_only_allowed_markup(html: str, wrappers: set[str] = frozenset()) -> Elements:
    """Only strong, em and http(s) links (plus `wrappers`, e.g. the <p> of Markdown)."""
    found = parse(html)
    assert found.well_nested and not found.open, f"badly nested tags in {html!r}"
    for tag, attrs in found.tags:
        assert tag in {"strong", "em", "a"} | wrappers, f"<{tag}> in {html!r}"
        if tag == "a":
            assert [name for name, _ in attrs] == ["href", "rel"], html
            assert re.match(r"^https?://[^\s\"'<>]+$", dict(attrs)["href"] or ""), html
        else:
            assert not attrs, html
    return found


def shown(html: str) -> str:
    """The text a browser shows, whitespace collapsed as HTML does."""
    return " ".join("".join(parse(html).text).split())


def said(text: str) -> str:
    return " ".join(to_plain(text).split())


#: What a reader sees of the payloads that use the allowed forms (asterisks are markup; there
#: is no escape character). Every other payload is seen exactly as written, less the angle
#: brackets of a `<https://...>` link.
SHOWN_AS = {
    "**<b>bold tag</b>** and *<i>em tag</i>*": "<b>bold tag</b> and <i>em tag</i>",
    "*a **b** c* and ***triple***": "a b c and *triple*",
    "a\\*not em\\* and \\<b> backslashes \\\\": "a\\not em\\ and \\<b> backslashes \\\\",
}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_to_html_shows_every_payload_as_text(payload: str) -> None:
    html = str(to_html(payload))
    assert_only_allowed_markup(html)
    expected = SHOWN_AS.get(payload, re.sub(r"<(https://[^\s>\"]+)>", r"\1", payload))
    assert "".join(parse(html).text) == expected
    assert to_plain(payload) == expected


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_pages_show_every_payload_as_text(payload: str) -> None:
    rendered = markdown.markdown(str(to_markdown_html(payload)), extensions=MARKDOWN_EXTENSIONS)
    assert_only_allowed_markup(rendered, wrappers={"p"})
    assert shown(rendered) == said(payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_safe_text_survives_a_list_item_and_a_table_cell(payload: str) -> None:
    page = f"- {to_markdown_html(payload)}\n\n| Field | Value |\n|---|---|\n| text | {to_markdown_html(payload)} |\n"
    rendered = markdown.markdown(page, extensions=MARKDOWN_EXTENSIONS)
    assert_only_allowed_markup(rendered, wrappers={"ul", "li", "table", "thead", "tbody", "tr", "th", "td"})
    assert shown(rendered) == f"{said(payload)} Field Value text {said(payload)}"


def test_the_allowed_forms_still_work() -> None:
    html = str(to_html("MRS is **not medically necessary**; see *AJNR* at <https://www.asnr.org/a_b.pdf>."))
    assert html == (
        'MRS is <strong>not medically necessary</strong>; see <em>AJNR</em> at '
        '<a href="https://www.asnr.org/a_b.pdf" rel="noopener">https://www.asnr.org/a_b.pdf</a>.'
    )
    rendered = markdown.markdown(str(to_markdown_html("see *AJNR* at <https://www.asnr.org/a_b.pdf>.")), extensions=MARKDOWN_EXTENSIONS)
    assert '<em>AJNR</em>' in rendered and 'href="https&#58;&#47;&#47;www&#46;asnr&#46;org&#47;a&#95;b&#46;pdf"' in rendered
    assert dict(parse(rendered).tags[-1][1])["href"] == "https://www.asnr.org/a_b.pdf"


@pytest.mark.parametrize("payload", PAYLOADS + ['MRS" http-equiv="refresh', "it's </script>\n<b>&amp;"])
def test_attribute_text_stays_inside_its_quotes(payload: str) -> None:
    value = str(to_attribute(payload))
    assert not set(value) & set("\"'<>\n\r\t"), value
    found = parse(f'<abbr title="{value}" class="x">')
    assert found.tags == [("abbr", [("title", said(payload)), ("class", "x")])]
    found = parse(f"<abbr title='{value}' class='x'>")
    assert found.tags == [("abbr", [("title", said(payload)), ("class", "x")])]


def test_templates_get_the_helper_as_a_filter() -> None:
    from generators.outputs.templating import environment

    template = environment().from_string("{{ text | markdown_safe }}")
    assert template.render(text="[x](javascript:alert(1))") == "&#91;x&#93;&#40;javascript&#58;alert&#40;1&#41;&#41;"


_HOSTILE_ALPHABET = st.sampled_from(list("<>&\"'`*_[](){}#|!:=~^+-.\\/ \n\tajs") + ["javascript:", "https://x.org/", "<script>", "onerror=", "**", "&lt;", "&#60;"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_HOSTILE_ALPHABET, max_size=40).map("".join))
def test_no_text_can_produce_other_markup(text: str) -> None:
    assert_only_allowed_markup(str(to_html(text)))
    rendered = markdown.markdown(str(to_markdown_html(text)), extensions=MARKDOWN_EXTENSIONS)
    assert_only_allowed_markup(rendered, wrappers={"p"})
    assert shown(rendered) == said(text)


# --------------------------------------------------------------------------- the hostile fixture


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_the_hostile_fixture_is_valid_data_full_of_payloads() -> None:
    library = load_library(HOSTILE_DATA)
    revision_file = next((HOSTILE_DATA / "9.99.99" / "revisions").glob("*.yaml"))
    texts = _strings(yaml.safe_load(revision_file.read_text(encoding="utf-8")))
    assert all(any(payload in text for text in texts) for payload in PAYLOADS)
    assert library.policies[0].number == "9.99.99"


def test_json_carries_hostile_text_unchanged() -> None:
    library = load_library(HOSTILE_DATA)
    files = render_api(library, AS_OF)
    policy = library.policies[0]
    for revision in policy.revisions:
        exported = json.loads(files[f"api/v1/policies/{policy.number}/revisions/{revision.key}.json"])["revision"]
        source = yaml.safe_load((HOSTILE_DATA / policy.number / "revisions" / f"{revision.key}.yaml").read_text(encoding="utf-8"))
        assert sorted(_strings(exported["statements"])) == sorted(_strings(source["statements"]))
        assert exported["cms"] == source["cms"] and exported["description"] == source["description"]
        assert exported["title"] == source["title"]


# --------------------------------------------------------------------------- the shortcut of to_html

_TEXT_PIECES = st.sampled_from(["*", "**", "http", "https://x.org/a", "<https://x.org/b>", "http://", "<", "&", "'", '"', " ", "\n", "word", "Z", "é"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_TEXT_PIECES, max_size=30).map("".join)))
def test_text_without_inline_forms_takes_a_shortcut_to_the_same_html(text: str) -> None:
    from generators.text import _inline_forms_to_html

    assert str(to_html(text)) == str(_inline_forms_to_html(text))
