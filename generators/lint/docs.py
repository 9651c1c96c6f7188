"""The rules' section of the authors' page on lint, written from the registry `generators.lint.rules.RULES`.

The page `content/guide/lint.md` is hand-written but for the part between its two markers,
which this module writes; `tests/test_lint_docs.py` fails when the committed page differs.
After adding or changing a rule, rewrite that part:

    .venv/bin/python -m generators.lint.docs          # rewrite content/guide/lint.md
    .venv/bin/python -m generators.lint.docs --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import jinja2

from generators.lint.rules import KNOWN_HEADINGS, RULES, LintRule

#: The authors' page on lint, relative to the project folder.
LINT_PAGE = Path("content/guide/lint.md")
#: The lines that enclose the generated part of the page.
START_MARKER = "<!-- lint-rules:start (written by `python -m generators.lint.docs` from generators/lint/rules.py) -->"
END_MARKER = "<!-- lint-rules:end -->"

# The docstrings are our own Markdown: nothing to escape.
_SECTION = jinja2.Template(
    """\
| code | what it finds |
|---|---|
{% for rule in rules %}
| [`{{ rule.code }}`](#{{ rule.code }}) | {{ rule.summary }} |
{% endfor %}
{% for rule in rules %}

### `{{ rule.code }}` {{ '{#' ~ rule.code ~ '}' }}

{{ rule.summary }}

{{ rule.explanation }}
{% endfor %}

Known headings (`heading-typo`): {{ headings | join(", ") }}.
""",
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    keep_trailing_newline=True,
)


def rules_section(rules: Sequence[LintRule] = RULES) -> str:  # type: ignore[type-arg]
    """The Markdown describing every rule: a table of codes, then each rule's description."""
    return _SECTION.render(rules=rules, headings=KNOWN_HEADINGS)


def with_rules_section(page: str, section: str) -> str:
    """`page` with the text between its markers replaced by `section`."""
    before, start, rest = page.partition(START_MARKER + "\n")
    _, end, after = rest.partition(END_MARKER)
    if not start or not end:
        raise ValueError(f"the lint page has no lines {START_MARKER!r} ... {END_MARKER!r}")
    return f"{before}{start}{section}{end}{after}"


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the rules' section of the lint page (`--check`: only say whether it is current)."""
    parser = argparse.ArgumentParser(prog="python -m generators.lint.docs", description=main.__doc__)
    parser.add_argument("--page", type=Path, default=LINT_PAGE, help=f"the page (default: {LINT_PAGE})")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page differs from the registry; write nothing")
    args = parser.parse_args(argv)
    page = args.page.read_text(encoding="utf-8")
    wanted = with_rules_section(page, rules_section())
    if wanted == page:
        return 0
    if args.check:
        print(f"{args.page}: the lint rules' section is out of date; run python -m generators.lint.docs", file=sys.stderr)
        return 1
    args.page.write_text(wanted, encoding="utf-8")
    print(f"Rewrote the lint rules' section of {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
