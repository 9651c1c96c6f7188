"""Set aside the finished HTML blocks of a generated page, so a Markdown engine skips them.

Our page templates emit each section body as a block of finished HTML between Markdown
headings (which give the table of contents and permalinks). Python-Markdown passes such a
block through unchanged, but only after feeding it through its HTML parser twice (MkDocs'
anchor collection and the raw-HTML extraction): at 1,000 policies that was most of the
`mkdocs build`. `protect_html_blocks` replaces each top-level block by an empty placeholder;
`restore_html_blocks` puts the blocks back into the converted HTML, and `html_block_anchors`
gives their `id`s to MkDocs' anchor check (which would otherwise have collected them from the
Markdown, with its HTML parser). Pure functions, no MkDocs import: the Markdown a page
renderer produces is unchanged and still builds with any Markdown tool.

A block is set aside only where Markdown itself would pass it through verbatim: it starts
with a block-level tag at the start of a line after a blank line, closes at the end of a
line followed by a blank line or by another such block, and has no `markdown` attribute. Anything else stays in the
Markdown.
"""

from __future__ import annotations

import re
from html import unescape

# Block-level tags our templates start blocks with (Python-Markdown treats them as raw HTML).
_BLOCK_START = re.compile(r"<(div|ol|ul|p|table|dl|section|details|h[1-6]|blockquote|figure)(?=[\s>])[^>]*>", re.IGNORECASE)
# An `id` attribute, or `name` on an anchor: what MkDocs' anchor check collects.
_START_TAG_ATTRIBUTES = re.compile(r"<([a-zA-Z][^\s/>]*)(\s[^>]*)>")
_ANCHOR_ATTRIBUTE = re.compile(r'\s(id|name)="([^"]*)"')
_PLACEHOLDER = '<div data-pkb-html-block="{number}"></div>'
_PLACEHOLDER_IN_HTML = re.compile(r'<div data-pkb-html-block="(\d+)"></div>')


def _tag_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){name}(?=[\s>/])[^>]*>", re.IGNORECASE)


def _block_end(lines: list[str], start: int) -> int | None:
    """The index of the last line of the blocks starting on line `start`, if they close cleanly.

    Blocks directly following each other (no blank line between, each starting a line) are one
    run, as Markdown passes each of them through and joins them with a line break.
    """
    opening = _BLOCK_START.match(lines[start])
    if opening is None:
        return None
    tag = _tag_pattern(opening.group(1))
    depth = 0
    for index in range(start, len(lines)):
        line = lines[index]
        for match in tag.finditer(line):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                # Text after the closing tag would join the block differently in Markdown:
                # leave such a block to Markdown.
                if line[match.end() :].strip():
                    return None
                if index + 1 == len(lines) or not lines[index + 1].strip():
                    return index
                return _block_end(lines, index + 1)
    return None


def protect_html_blocks(markdown: str) -> tuple[str, list[str]]:
    """Replace each finished top-level HTML block of `markdown` by a placeholder.

    Returns:
        The Markdown with placeholders, and the blocks in placeholder order.
    """
    lines = markdown.split("\n")
    kept: list[str] = []
    blocks: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        after_blank = index == 0 or not lines[index - 1].strip()
        end = _block_end(lines, index) if after_blank else None
        if end is None:
            kept.append(line)
            index += 1
            continue
        block = "\n".join(lines[index : end + 1])
        if "markdown=" in block:
            kept.append(line)
            index += 1
            continue
        kept.append(_PLACEHOLDER.format(number=len(blocks)))
        blocks.append(block)
        index = end + 1
    return "\n".join(kept), blocks


def html_block_anchors(blocks: list[str]) -> set[str]:
    """The anchors of `blocks` as MkDocs' anchor check collects them: ids, and names of `<a>`, unescaped.

    Set aside, the blocks no longer reach MkDocs' HTML parser; handing it their ids directly
    (in the 1,000-policy library, over a hundred per policy page) spares parsing them twice.
    """
    anchors: set[str] = set()
    for block in blocks:
        for tag, attributes in _START_TAG_ATTRIBUTES.findall(block):
            if "id=" in attributes or "name=" in attributes:
                is_anchor = tag.lower() == "a"
                anchors.update(unescape(value) for name, value in _ANCHOR_ATTRIBUTE.findall(attributes) if name == "id" or is_anchor)
    return anchors


def restore_html_blocks(html: str, blocks: list[str]) -> str:
    """Put the blocks set aside by `protect_html_blocks` back into the converted `html`.

    Raises:
        ValueError: If a placeholder did not come through the conversion exactly once.
    """
    seen: list[int] = []

    def block(match: re.Match[str]) -> str:
        number = int(match.group(1))
        seen.append(number)
        return blocks[number]

    restored = _PLACEHOLDER_IN_HTML.sub(block, html)
    if sorted(seen) != list(range(len(blocks))):
        raise ValueError(f"{len(blocks)} HTML blocks set aside, {len(seen)} placeholders found after conversion")
    return restored


# What Material's search plugin reads of a page (`material/plugins/search/plugin.py`, class
# `Parser`): it keeps a stack of the open elements, starts a section at each heading with an
# `id`, and skips the text of an element marked `data-search-exclude` (a marked heading drops
# its whole section). Parsing a policy page in full, only to drop its long reading sections,
# was its main cost. `search_view` gives it the page without the text it would skip.
_VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Raw-text elements (for any Python's `HTMLParser`): a tag inside them is text to an HTML parser,
# not to a regular expression.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"})
# A tag as our pages write it: attributes bare or with a double-quoted value holding no
# markup character (Jinja2 and Python-Markdown escape them). Anything else ends the search
# view: the page is then indexed in full, as before.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"\'<>/=]+(?:="[^"<>]*")?)*)\s*(/?)>')
_ATTRIBUTE_NAME = re.compile(r'\s+([^\s"\'<>/=]+)')
_EXCLUDE = "data-search-exclude"
# Material's search plugin also deletes `data-search-*` attributes that have a value from the
# page; a page holding one is indexed in full, so the view and the page cannot differ there.
_SEARCH_ATTRIBUTE_WITH_VALUE = re.compile(r'data-search-\w+="')


def _attribute_names(attributes: str) -> set[str]:
    return {name.lower() for name in _ATTRIBUTE_NAME.findall(attributes)}


def _skipped_body_end(tags: list[re.Match[str]], index: int, name: str) -> int | None:
    """The index of the end tag of the `data-search-exclude` element named `name` opened by `tags[index]`.

    Only if its body is plainly skipped: the search parser skips such a body only while no
    element of the same name closes inside it (it matches skipped elements by name), and it
    starts a section at a heading even there; a body with either, or unbalanced, is kept (None).
    """
    open_elements: list[str] = []
    for position in range(index + 1, len(tags)):
        closing, tag_name, _, self_closing = tags[position].groups()
        tag_name = tag_name.lower()
        if closing:
            if not open_elements:
                return position if tag_name == name else None
            if open_elements.pop() != tag_name:
                return None
        elif tag_name == name or tag_name in _HEADINGS or tag_name in _RAW_TEXT:
            return None
        elif tag_name not in _VOID_ELEMENTS and not self_closing:
            open_elements.append(tag_name)
    return None


def search_view(html: str) -> str | None:
    """The page `html` without what Material's search plugin would skip, or None if unsure.

    Cut out: the body of each outermost element marked `data-search-exclude` (the parser skips
    its text), and the section after each top-level heading so marked (with an id), up to the
    next heading with an id (the parser files that text under the excluded heading, whose
    section it drops). What is
    left gives the search plugin's parser the same sections, titles and texts, because every
    element it opens is closed in order, no heading is nested, and nothing cut opens or closes
    an element the parser is tracking. Pages outside that shape (a "<" that is not one of our
    tags, unbalanced markup, raw-text elements, nested headings, `data-search-*` attributes
    with a value, Pygments line-number tables) give None: index them as they are.

    Returns:
        The search view (`html` itself when nothing is excluded), or None.
    """
    if _EXCLUDE not in html:
        return html
    if _SEARCH_ATTRIBUTE_WITH_VALUE.search(html) or "linenodiv" in html:
        return None
    tags = list(_TAG.finditer(html))
    if len(tags) != html.count("<"):
        return None
    # Open elements: name, whether the parser skips their text, whether they are a heading that
    # starts a section the parser drops (marked and with an id: without one it starts none).
    open_elements: list[tuple[str, bool, bool]] = []
    skipping = 0  # open elements whose text the parser skips: nothing inside them is cut again
    cuts: list[tuple[int, int]] = []
    section_start: int | None = None  # the end of a top-level excluded heading: its section starts here
    section_end = 0  # the last point since section_start at which no element was open
    # Whether the parser reads that section plainly: an excluded element in it whose body is
    # not plainly skipped can make the parser fail (it then closes a list item it never
    # opened); cutting the section would hide that failure, so such a section stays.
    section_plain = True
    index = 0
    while index < len(tags):
        tag = tags[index]
        index += 1
        closing, name, attributes, self_closing = tag.groups()
        name = name.lower()
        if closing:
            if name in _VOID_ELEMENTS or not open_elements or open_elements[-1][0] != name:
                return None
            _, skipped, drops_section = open_elements.pop()
            skipping -= skipped
            if not open_elements:
                if drops_section:
                    section_start = section_end = tag.end()
                    section_plain = True
                elif section_start is not None:
                    section_end = tag.end()
            continue
        if name in _RAW_TEXT:
            return None
        is_heading = name in _HEADINGS
        names = _attribute_names(attributes) if is_heading or _EXCLUDE in attributes.lower() else set()
        excluded = _EXCLUDE in names
        if is_heading:
            # A nested heading moves the parser between sections in ways a cut could change.
            if open_elements or self_closing:
                return None
            # Only a heading with an id starts a new section; until then the parser keeps
            # adding to the dropped one (and its quirks can look back into it).
            if section_start is not None and "id" in names:
                if section_end > section_start and section_plain:
                    cuts.append((section_start, section_end))
                section_start = None
        elif name in _VOID_ELEMENTS or self_closing:
            if not open_elements and section_start is not None:
                section_end = tag.end()
            continue
        elif excluded and not skipping:
            end_index = _skipped_body_end(tags, index - 1, name)
            if section_start is not None:
                section_plain = section_plain and end_index is not None
            elif end_index is not None:
                cuts.append((tag.end(), tags[end_index].start()))
                index = end_index + 1
                continue
        open_elements.append((name, excluded, excluded and is_heading and "id" in names))
        skipping += excluded
    if open_elements:
        return None
    if section_start is not None and section_end > section_start and section_plain:
        cuts.append((section_start, section_end))
    if not cuts:
        return html
    pieces: list[str] = []
    kept_from = 0
    for cut_start, cut_end in cuts:
        pieces.append(html[kept_from:cut_start])
        kept_from = cut_end
    pieces.append(html[kept_from:])
    return "".join(pieces)
