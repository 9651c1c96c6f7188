"""The inline markup that policy text may use, and nothing else.

Text fields are data, not markup. Three inline forms are recognised, because the published
documents use them:

- `**strong**` (the determination in a statement, "**ONE** (1) of the following"),
- `*emphasis*` (journal titles in references),
- `<https://...>` and bare `http(s)://` addresses, shown as links.

Everything else, HTML tags, Markdown links, `javascript:` addresses, is shown literally:
`to_html` escapes the whole text first and only then adds the three forms back.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
# Applied to already escaped text: "<" and ">" are "&lt;" and "&gt;" there.
_LINK = re.compile(r"&lt;(https?://[^\s&]+(?:&amp;[^\s&]+)*)&gt;|(?<![\w/\"=])(https?://[^\s<]+[^\s<.,;:)\]])")


def to_plain(text: str) -> str:
    """The text without markup, as a reader would say it (for search, terminals, diffs)."""
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    return re.sub(r"<(https?://[^\s>]+)>", r"\1", text)


def to_html(text: str) -> Markup:
    """Safe HTML for `text`: escaped, with only the allowed inline forms turned into tags."""
    html = escape(text, quote=True)

    def link(match: re.Match[str]) -> str:
        url = match.group(1) or match.group(2)
        return f'<a href="{url}" rel="noopener">{url}</a>'

    html = _LINK.sub(link, html)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    html = _EMPHASIS.sub(r"<em>\1</em>", html)
    return Markup(html)
