"""The inline markup that policy text may use, and nothing else.

Text fields are data, not markup. Three inline forms are recognised, because the published
documents use them:

- `**strong**` (the determination in a statement, "**ONE** (1) of the following"),
- `*emphasis*` (journal titles in references),
- `<https://...>` and bare `http(s)://` addresses, shown as links.

Everything else, HTML tags, Markdown links, `javascript:` addresses, is shown literally:
`to_html` escapes the whole text first and only then adds the three forms back. A link's
address never contains a space, a quote or an angle bracket, so it cannot leave its
attribute; only `http:` and `https:` addresses become links.

Pages of the site are Markdown that MkDocs turns into HTML, and Markdown gives meaning to
characters that HTML does not (`[x](...)`, `` ` ``, `_`, `#`, `|`, `{: ...}`, a line starting
with `-` or four spaces). `to_markdown_html` is `to_html` with every ASCII punctuation
character written as a numeric character reference (`&#91;` for `[`) and whitespace runs as
one space, so no Markdown processor or extension can find syntax in it; browsers show the
characters unchanged.

An attribute value is a context of its own: `to_attribute` gives plain text on one line with
both quotes escaped, for `title`, `content` and the like. Data never reaches an `href`: the
only addresses in pages are the site's own and the `http(s)` links `to_html` makes.
"""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import date
from functools import lru_cache
from html import escape, unescape

from markupsafe import Markup

_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
# An address stops at whitespace, quotes and angle brackets; a bare one does not take the
# punctuation that ends a sentence, nor start inside a word or another address.
_URL_CHARS = r"[^\s<>\"'`]"
_LINK = re.compile(
    rf"<(?P<bracketed>https?://{_URL_CHARS}+)>"
    rf"|(?<![\w/=\"'])(?P<bare>https?://{_URL_CHARS}*[^\s<>\"'`.,;:)\]])"
)
# In to_html output every "<" belongs to one of its own tags: the data's are escaped.
_TAG = re.compile(r"(<[^>]*>)")
_HREF = re.compile(r'(href=")([^"]*)(")')
_LINK_PLACEHOLDER = re.compile(r"<(\d+)>")
_STRONG_TAG = re.compile(r"</?strong>")
_MARKDOWN_SIGNIFICANT = frozenset(string.punctuation)
_WHITESPACE = re.compile(r"\s+")


#: Characters no text of the data may hold, and that a terminal must never receive raw: C0
#: controls but tab and line feed (ESC starts terminal escape sequences, CR overwrites a line),
#: DEL, C1 controls, and the invisible format characters that reorder or hide text (bidi
#: embeddings, overrides and isolates, zero-width space, word joiner and invisible operators,
#: byte-order mark, interlinear annotations, tag characters), and what XML 1.0 forbids besides
#: (lone surrogates, U+FFFE, U+FFFF), so any valid text is well-formed in `feed.xml`. One rule:
#: the model refuses them in every text field (`generators.model.Text`), `for_terminal` shows
#: them as escapes.
UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff\U000e0000-\U000e007f]"
)


def describe_character(character: str) -> str:
    """A character for messages: `U+001B` with its Unicode name when it has one."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


def for_terminal(text: str) -> str:
    """`text` safe to print: every `UNPRINTABLE` character (and lone surrogate) as a visible escape.

    `\x1b]0;PWNED\x07` is printed as the characters `\x1b]0;PWNED\x07`, so data (or a file
    name) can neither send escape sequences to the terminal nor rewrite what it shows.
    """
    return UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


# Revisions of a policy repeat most of their text, and a page shows a text in more than one
# form: the conversions are pure, so each distinct text is converted once per process.
_memoized = lru_cache(maxsize=1 << 15)


@_memoized
def to_plain(text: str) -> str:
    """The text without markup, as a reader would say it (for search, terminals, diffs).

    Exactly the text `to_html` shows: its tags removed (every "<" in it is one of its own).
    """
    return unescape(_TAG.sub("", str(to_html(text))))


@_memoized
def to_html(text: str) -> Markup:
    """Safe HTML for `text`: escaped, with only the allowed inline forms turned into tags."""
    # Most paragraphs use none of the forms: every form needs "http" or "*", so without
    # either the escaped text is the answer (the general path gives the same, slower).
    if "*" not in text and "http" not in text:
        return Markup(escape(text, quote=True))
    return _inline_forms_to_html(text)


def _inline_forms_to_html(text: str) -> Markup:
    """`to_html` for any text, the general path: links, then strong, then emphasis."""
    pieces: list[str] = []
    links: list[str] = []
    position = 0
    # Each step below is skipped when the text cannot hold its form (it would change nothing).
    for match in _LINK.finditer(text) if "http" in text else ():
        pieces.append(escape(text[position : match.start()], quote=True))
        url = escape(match.group("bracketed") or match.group("bare"), quote=True)
        # "<N>" cannot occur in escaped text, so it marks where the link goes back in.
        pieces.append(f"<{len(links)}>")
        links.append(f'<a href="{url}" rel="noopener">{url}</a>')
        position = match.end()
    pieces.append(escape(text[position:], quote=True))
    html = "".join(pieces)
    if "**" in html:
        html = _STRONG.sub(r"<strong>\1</strong>", html)

    def emphasis(match: re.Match[str]) -> str:
        inner = match.group(1)
        # Emphasis may hold a whole <strong>...</strong> but never half of one ("******").
        depth = 0
        for tag in _STRONG_TAG.findall(inner):
            depth += -1 if tag.startswith("</") else 1
            if depth < 0:
                return match.group(0)
        return f"<em>{inner}</em>" if depth == 0 else match.group(0)

    if "*" in html:
        html = _EMPHASIS.sub(emphasis, html)
    if links:
        html = _LINK_PLACEHOLDER.sub(lambda m: links[int(m.group(1))], html)
    return Markup(html)


def _as_references(text: str) -> str:
    """Every ASCII punctuation character as `&#N;`; whitespace runs as one space."""
    text = _WHITESPACE.sub(" ", text)
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SIGNIFICANT else c for c in text)


@_memoized
def to_attribute(text: str) -> Markup:
    """`text` for a quoted HTML attribute value (`title="..."`, `content="..."`).

    The text as a reader says it (`to_plain`), whitespace runs and line breaks as one space,
    then `&`, `<`, `>`, `"` and `'` escaped: it cannot close its attribute, whichever quote
    the attribute uses, and on one line it cannot end the raw HTML block of a Markdown page.
    """
    return Markup(escape(" ".join(to_plain(text).split()), quote=True))


@_memoized
def to_markdown_html(text: str) -> Markup:
    """`to_html(text)` made inert for Markdown: the only form of data text a `.md` page may hold.

    The result is HTML that Python-Markdown (with any extension) passes through unchanged and
    a browser shows exactly as `to_html` would, except that line breaks and runs of spaces in
    the data are one space (as HTML shows them anyway). Use it inline, inside a paragraph,
    list item, table cell or heading; never inside a code block or an HTML attribute.
    """
    out = []
    for piece in _TAG.split(str(to_html(text))):
        if not piece:
            continue
        if piece.startswith("<"):
            # Our own tag: keep it, but make the address in href inert too (browsers decode it).
            out.append(_HREF.sub(lambda m: m.group(1) + _as_references(unescape(m.group(2))) + m.group(3), piece))
        else:
            out.append(_as_references(unescape(piece)))
    return Markup("".join(out))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def long_date(value: date | None, unknown: str = "not known") -> str:
    """A date as a reader writes it, independent of the locale: `May 15, 2026`."""
    if value is None:
        return unknown
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def month_year(value: str | None, unknown: str = "not known") -> str:
    """A `YYYY-MM` month as a reader writes it: `January 2027`."""
    if value is None:
        return unknown
    year, month = value.split("-")
    return f"{_MONTHS[int(month) - 1]} {year}"
