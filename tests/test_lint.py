"""Content lint: warnings about valid data that is probably wrong, located like errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.adapters.cli import main
from generators.errors import Diagnostic, Severity
from generators.lint.rules import lint_library
from generators.model import Library
from generators.load.validate import load_library

from .conftest import DATA

REV = "6.01.03/revisions/2026-01-22.yaml"
OLD = "6.01.03/revisions/2025-01-23.yaml"
POLICY = "6.01.03/policy.yaml"
SOURCE = "6.01.03/source/2026-01-22.txt"
CMS = "Electromagnetic navigation bronchoscopy is not addressed"


def lint(data: Path) -> list[Diagnostic]:
    return lint_library(load_library(data), data)


def codes_at(warnings: list[Diagnostic], code: str) -> list[tuple[str, int | None, str]]:
    return [(w.file, w.line, w.field_path) for w in warnings if w.code == code]


def test_the_published_slips_of_6_01_03_are_flagged_and_nothing_else(library: Library) -> None:
    warnings = lint_library(library, DATA)
    assert all(w.severity is Severity.WARNING for w in warnings)
    assert codes_at(warnings, "other-technology") == [
        (f"policy_data/{OLD}", 321, "cms[0]"),
        (f"policy_data/{REV}", 404, "cms[0]"),
    ]
    assert codes_at(warnings, "heading-typo") == [(f"policy_data/{SOURCE}", 27, "")]
    assert "'RELATED POLICIE(S)'" in next(w.message for w in warnings if w.code == "heading-typo")
    uncited = [w for w in warnings if w.code == "reference-not-cited"]
    assert [w.file for w in uncited] == [f"policy_data/{OLD}", f"policy_data/{REV}"], "one grouped warning per revision"
    assert "found 14 of 20 references" in uncited[1].message and "kocak-2025" in uncited[1].message
    assert "cui-2023" not in uncited[1].message
    missing = [w.message.split()[4] for w in warnings if w.code == "related-policy-missing"]
    assert missing == ["6.01.29", "11.01.03", "6.01.29", "11.01.03"]
    assert {w.code for w in warnings} == {"other-technology", "heading-typo", "reference-not-cited", "related-policy-missing"}


# (file, old, new, code, expect a warning at this field path? None: expect no such warning)
MUTATIONS = [
    pytest.param(REV, CMS, "Magnetic resonance spectroscopy is not addressed", "other-technology", None, id="cms-names-the-policy-technology"),
    pytest.param(REV, CMS, "MRS is not addressed", "other-technology", None, id="cms-names-the-abbreviation"),
    pytest.param(REV, CMS, "Spectroscopic imaging of the brain is not addressed", "other-technology", None, id="cms-names-a-word-form-of-the-title"),
    pytest.param(REV, CMS, "Positron emission tomography is not covered", "other-technology", "cms[0]", id="cms-names-another-technology"),
    pytest.param(REV, "next_review: 2027-01", "next_review: 2026-01", "next-review-not-after-approval", "next_review", id="next-review-same-month"),
    pytest.param(REV, "next_review: 2027-01", "next_review: 2025-11", "next-review-not-after-approval", "next_review", id="next-review-before"),
    pytest.param(REV, "next_review: 2027-01", "next_review: 2026-02", "next-review-not-after-approval", None, id="next-review-next-month"),
    pytest.param(POLICY, "    - date: 2025-01-01\n", "    - date: 2025-06-01\n", "history-order", "history.change_summaries[2].date", id="summaries-not-newest-first"),
    pytest.param(POLICY, "    - 2003-09-18\n", "    - 2000-09-18\n", "history-order", "history.committee_approval_dates[2]", id="approvals-not-oldest-first"),
]


@pytest.mark.parametrize(("relative", "old", "new", "code", "field"), MUTATIONS)
def test_each_rule(edit: Callable[[str, str, str], Path], data_copy: Path, relative: str, old: str, new: str, code: str, field: str | None) -> None:
    edit(relative, old, new)
    found = [w for w in lint(data_copy) if w.code == code and w.file == f"policy_data/{relative}"]
    if field is None:
        assert found == []
    else:
        assert [w.field_path for w in found] == [field]
        assert found[0].line is not None and "expected" in found[0].message


def test_a_related_policy_in_the_knowledge_base_is_not_reported(data_copy: Path) -> None:
    other = data_copy / "6.01.29"
    shutil.copytree(data_copy / "6.01.03", other)
    (other / "policy.yaml").write_text((other / "policy.yaml").read_text(encoding="utf-8").replace('number: "6.01.03"', 'number: "6.01.29"'), encoding="utf-8")
    missing = [w.message.split()[4] for w in lint(data_copy) if w.code == "related-policy-missing" and "6.01.03/" in w.file]
    assert missing == ["11.01.03", "11.01.03"]


def test_citing_a_reference_removes_it_from_the_grouped_warning(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit(REV, "    cites: [cui-2023]\n", "    cites: [cui-2023, bissonnette-2022]\n")
    grouped = [w for w in lint(data_copy) if w.code == "reference-not-cited" and w.file.endswith(REV)]
    assert len(grouped) == 1 and "found 13 of 20" in grouped[0].message and "bissonnette" not in grouped[0].message


@pytest.mark.parametrize(
    ("heading", "expected"),
    [("RELATED POLICIES", None), ("RELATED POLICY(IES)", None), ("POLICY STATEMNT(S)", "POLICY STATEMENT(S)"),
     ("REFERNCES", "REFERENCES"), ("CPT", None), ("PRODUCT DISCLAIMERS", "PRODUCT DISCLAIMER")],
)
def test_heading_spellings(edit: Callable[[str, str, str], Path], data_copy: Path, heading: str, expected: str | None) -> None:
    edit(SOURCE, "RELATED POLICIE(S)\n", f"{heading}\n")
    typos = [w for w in lint(data_copy) if w.code == "heading-typo"]
    assert [w.message for w in typos] == ([] if expected is None else [f"found the heading {heading!r}; expected {expected!r}"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lint_command_warns_but_succeeds_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data", str(DATA), "lint")
    assert code == 0
    assert "policy_data/6.01.03/revisions/2026-01-22.yaml:404:5: warning: cms[0]: found 'Electromagnetic navigation bronchoscopy'" in out
    assert out.rstrip().endswith("9 warnings.")
    assert run(capsys, "--data", str(DATA), "lint", "--strict")[0] == 1
    code, out, _ = run(capsys, "--data", str(DATA), "lint", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] is True and len(payload["warnings"]) == 9
    assert {w["severity"] for w in payload["warnings"]} == {"warning"}


def test_lint_of_invalid_data_reports_the_errors(capsys: pytest.CaptureFixture[str], edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit(REV, "determination: investigational\n", "determination: experimental\n")
    code, _, err = run(capsys, "--data", str(data_copy), "lint")
    assert code == 1 and "statements[2].determination" in err


def test_a_flag_that_points_to_no_statement_is_flagged(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    # Statement II of 2026-01-22 no longer not medically necessary: the NMN flags of 0609T-0612T point nowhere.
    edit(REV, "determination: not_medically_necessary\n", "determination: not_covered\n")
    found = [w for w in lint(data_copy) if w.code == "flag-without-statement"]
    assert [(w.file, w.field_path) for w in found] == [(f"policy_data/{REV}", f"codes.cpt.entries[{index}].flags") for index in range(1, 5)]
    assert found[0].message.startswith("found the flag NMN beside 0609T, but no statement of this revision is not medically necessary")


def test_a_code_listed_twice_with_different_flags_is_flagged(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit(REV, "      - range_start: C71.0\n", "      - code: C71.3\n        flags: [NMN]\n        description: Parietal lobe\n      - range_start: C71.0\n")
    [found] = [w for w in lint(data_copy) if w.code == "code-listed-twice"]
    assert found.field_path.startswith("codes.icd10cm.entries[")
    assert "found C71.3 listed as C71.0-C71.9 with no flag, and as C71.3 with NMN" in found.message


def test_the_same_code_listed_twice_alike_is_not_flagged(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit(REV, "      - range_start: C71.0\n", "      - code: C71.3\n        description: Parietal lobe\n      - range_start: C71.0\n")
    assert [w for w in lint(data_copy) if w.code == "code-listed-twice"] == []
