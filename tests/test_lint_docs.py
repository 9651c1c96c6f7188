"""Each lint rule is declared once, and the authors' lint page is written from that declaration."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.adapters.cli import main as policykb
from generators.lint import docs
from generators.lint.rules import RULES, lint_library
from generators.model import Library

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


def test_the_lint_page_describes_the_rules_as_declared() -> None:
    page = (ROOT / docs.LINT_PAGE).read_text(encoding="utf-8")
    assert docs.with_rules_section(page, docs.rules_section()) == page, (
        "content/guide/lint.md is out of date with generators/lint/rules.py: run .venv/bin/python -m generators.lint.docs"
    )


def test_every_rule_has_a_code_a_summary_and_an_explanation() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes)), "a code names one rule"
    for rule in RULES:
        assert rule.summary.endswith("."), f"{rule.code}: the first line of its check's docstring says what it finds"
        assert len(rule.explanation.split()) >= 20, f"{rule.code}: its docstring explains how it looks and how to fix it"


def test_every_warning_comes_from_a_declared_rule(library: Library) -> None:
    warnings = lint_library(library, DATA)
    assert warnings and {w.code for w in warnings} <= {rule.code for rule in RULES}


def test_the_hand_written_parts_of_the_page_are_kept(tmp_path: Path) -> None:
    page = tmp_path / "lint.md"
    page.write_text(f"# Intro\n\nhand-written\n\n{docs.START_MARKER}\nstale\n{docs.END_MARKER}\n\n## After\n", encoding="utf-8")
    assert docs.main(["--page", str(page), "--check"]) == 1
    assert "stale" in page.read_text(encoding="utf-8"), "--check writes nothing"
    assert docs.main(["--page", str(page)]) == 0
    written = page.read_text(encoding="utf-8")
    assert written.startswith("# Intro\n\nhand-written\n\n") and written.endswith(f"{docs.END_MARKER}\n\n## After\n")
    assert "stale" not in written and all(f"### `{rule.code}`" in written for rule in RULES)
    assert docs.main(["--page", str(page), "--check"]) == 0


def test_a_page_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="lint-rules:start"):
        docs.with_rules_section("# Lint\n", docs.rules_section())


def test_lint_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert policykb(["lint", "--rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [rule.code for rule in RULES]
    assert lines[0].endswith(RULES[0].summary)
