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
from collections.abc import Sequence
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


def restore_html_blocks(html: str, blocks: Sequence[str | None]) -> str:
    """Put the blocks set aside by `protect_html_blocks` back into the converted `html`.

    A block given as None is not put back: its placeholder stays (it is put back later, or was
    already, see `generators.adapters.mkdocs_hook.on_page_content`).

    Raises:
        ValueError: If the placeholder of a block to put back is not in `html` exactly once.
    """
    seen: list[int] = []

    def block(match: re.Match[str]) -> str:
        number = int(match.group(1))
        content = blocks[number] if number < len(blocks) else None
        if content is None:
            return match.group(0)
        seen.append(number)
        return content

    restored = _PLACEHOLDER_IN_HTML.sub(block, html)
    expected = [number for number, content in enumerate(blocks) if content is not None]
    if sorted(seen) != expected:
        raise ValueError(f"{len(expected)} HTML blocks set aside, {len(seen)} placeholders found after conversion")
    return restored
