"""Stage 3, render: pure functions from models to output files (site pages, JSON, diffs).

Nothing here touches the file system; `generators.build.write` does.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache

import jinja2
from markupsafe import Markup, escape

from generators.text import (
    for_terminal,
    long_date,
    month_year,
    to_attribute,
    to_html,
    to_markdown_html,
    to_plain,
)


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of all templates: strict about undefined names.

    Autoescape is on for `.html` and `.md` templates: text from the data is escaped unless a
    template passes it through `html`, which allows only the markup of `generators.text`.
    In `.md` templates (Markdown that MkDocs renders) data text must go through
    `markdown_safe` instead: `html` output is still Markdown to MkDocs (`[x](...)`, `_`, `|`).
Data text inside an attribute value goes through `attribute` (one line, quotes escaped).
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generators.outputs", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "md", "xml"), default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plain"] = to_plain
    env.filters["html"] = to_html
    env.filters["markdown_safe"] = to_markdown_html
    env.filters["attribute"] = to_attribute
    env.filters["long_date"] = long_date
    env.filters["path_breaks"] = path_breaks
    env.filters["name_breaks"] = name_breaks
    env.filters["month_year"] = month_year
    env.filters["json_attribute"] = json_attribute
    env.filters["iso_long_date"] = lambda value: long_date(date.fromisoformat(value))
    return env


def json_attribute(data: object) -> str:
    """Data as compact JSON for an HTML attribute: plain text, which autoescaping then escapes (`"` -> `&#34;`)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def path_breaks(path: str) -> Markup:
    """A file path, escaped, that may wrap after each `/` (a long path must not widen a table)."""
    return Markup("/<wbr>").join(escape(part) for part in escape(path).split("/"))


#: Where a field name or path may wrap: after these characters (`effective_date`, `codes.cpt.entries`).
_NAME_BREAK = re.compile(r"(?<=[_./])")


def name_breaks(name: str) -> Markup:
    """A field name or path, escaped, that may wrap after each `_`, `.` or `/`, never inside a word.

    With `word-break: normal` in the stylesheet a narrow table column then breaks
    `effective_<wbr>date` between its words, not `effec`/`tive_`/`date`.
    """
    return Markup("<wbr>").join(escape(part) for part in _NAME_BREAK.split(name))


def render_template(name: str, **context: object) -> str:
    """Render one template of `generators/outputs/templates` with `context`."""
    return environment().get_template(name).render(**context)


class TerminalCode(str):
    """An escape sequence of our own (a colour): the only text a terminal template prints raw."""


def _for_terminal(value: object) -> object:
    """Jinja `finalize` of terminal templates: every printed value but our codes made inert."""
    if isinstance(value, TerminalCode) or value is None:
        return value
    return for_terminal(str(value))


@cache
def terminal_environment() -> jinja2.Environment:
    """`environment()` for `terminal/` templates: everything printed goes through `for_terminal`.

    Data (and anything else a template prints) can never send control characters or escape
    sequences to the terminal; the colours of `policykb diff` are `TerminalCode`s.
    """
    return environment().overlay(finalize=_for_terminal)


def render_terminal(name: str, **context: object) -> str:
    """Render one `terminal/` template with `context`, safe to print."""
    return terminal_environment().get_template(name).render(**context)
