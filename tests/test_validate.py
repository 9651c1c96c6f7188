"""Broken data is rejected with located messages: file, line, field path, found vs expected."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generators import model
from generators.errors import PolicyDataError, format_path
from generators.load.yaml_files import load_yaml_file
from generators.text import UNPRINTABLE
from generators.load.validate import load_library, validate_document

from .conftest import DATA
from .trees import run_policykb

REV = "6.01.03/revisions/2026-01-22.yaml"
POLICY = "6.01.03/policy.yaml"


def problems(data: Path) -> list[str]:
    with pytest.raises(PolicyDataError) as caught:
        load_library(data)
    return [d.format() for d in caught.value.diagnostics]


# (file, old text, new text, expected fragments of one message: file:line, field path, words)
BROKEN = [
    pytest.param(REV, "determination: investigational\n", "determination: experimental\n",
                 ["2026-01-22.yaml:", "statements[2].determination", "found the text 'experimental'", "investigational"], id="determination-outside-closed-set"),
    pytest.param(REV, "effective_date: 2026-05-15", "effective_date: 2026-02-30",
                 ["2026-01-22.yaml:10:", "effective_date", "not a calendar date"], id="impossible-date"),
    pytest.param(REV, "next_review: 2027-01", "next_review: January 2027",
                 ["next_review", "expected a month written YYYY-MM"], id="month-in-words"),
    pytest.param(REV, "      - code: 0610T\n", "      - code: 610T\n",
                 ["codes.cpt.entries[2].code", "found '610T'", "CPT code"], id="malformed-cpt"),
    pytest.param(REV, "      - code: G03.9\n", "      - code: g03.9\n",
                 ["codes.icd10cm.entries[2].code", "ICD-10-CM"], id="malformed-icd"),
    pytest.param(REV, "range_start: G46.0\n        range_end: G46.8", "range_start: G46.8\n        range_end: G46.0",
                 ["codes.icd10cm.entries[7].range_end", "reversed in the ICD-10-CM code set"], id="reversed-icd-range"),
    pytest.param(REV, "      - code: \"76390\"\n", "      - range_start: \"76399\"\n        range_end: \"76390\"\n",
                 ["codes.cpt.entries[0]", "end comes before its start"], id="reversed-cpt-range"),
    pytest.param(REV, "    cites: [cui-2023]", "    cites: [cui-2032]",
                 ["supportive_literature[0].cites[0]", "'cui-2032'", "not in references"], id="missing-reference"),
    pytest.param(REV, "      - id: seizures\n", "      - id: brain-infection\n",
                 ["criterion ID 'brain-infection' more than once"], id="duplicate-criterion-id"),
    pytest.param(REV, "      - number: \"6.01.29\"", "      - number: \"6.1.29\"",
                 ["related_policies[0].policies[0].number", "policy number such as 6.01.03"], id="malformed-related-policy"),
    pytest.param(REV, "title: Magnetic Resonance Spectroscopy (MRS)\neffective", "titel: Magnetic Resonance Spectroscopy (MRS)\neffective",
                 ["2026-01-22.yaml:9:", "unknown field 'titel'", "title"], id="unknown-field"),
    pytest.param(REV, "    number: II\n", "    number: IV\n",
                 ["statements[1].number", "expected II"], id="numbering"),
    pytest.param(REV, "- code: \"76390\"", "- code: 76390",
                 ["codes.cpt.entries[0].code", "the number 76390", "quote it"], id="unquoted-number"),
    pytest.param(POLICY, "    - 2025-01-23\n", "",
                 ["2025-01-23.yaml", "not among the committee approval dates"], id="revision-not-in-history"),
    pytest.param(REV, "disclaimer:\n", "disclaimer: {}\nextra:\n",
                 ["disclaimer", "found a mapping; expected a list"], id="mapping-where-list-expected"),
    pytest.param(REV, "statements:\n  - id: mrs", "statements:\n  - id: mrs\n    id: again\n  - id: mrs",
                 ["found the field 'id' twice"], id="duplicate-key"),
]


@pytest.mark.parametrize(("relative", "old", "new", "expected"), BROKEN)
def test_broken_data_is_reported_with_location(
    edit: Callable[[str, str, str], Path], data_copy: Path, relative: str, old: str, new: str, expected: list[str]
) -> None:
    edit(relative, old, new)
    messages = problems(data_copy)
    assert any(all(fragment in message for fragment in expected) for message in messages), "\n".join(messages)


def test_every_problem_of_a_run_is_reported(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit(REV, "determination: investigational\n", "determination: experimental\n")
    edit(REV, "      - code: 0610T\n", "      - code: 610T\n")
    edit("6.01.03/revisions/2025-01-23.yaml", "    cites: [cui-2023]", "    cites: [nobody-2020]")
    messages = problems(data_copy)
    assert len(messages) == 3
    assert sum("2025-01-23.yaml" in m for m in messages) == 1


def test_reconstruction_without_provenance_is_refused(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    path = data_copy / "6.01.03/revisions/2025-01-23.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nprovenance:")] + "\n", encoding="utf-8")
    assert any("provenance" in m for m in problems(data_copy))


def test_folder_that_is_not_a_policy_number(data_copy: Path) -> None:
    (data_copy / "not-a-policy").mkdir()
    assert any("expected a folder named by a policy number" in m for m in problems(data_copy))


def test_a_failing_extra_check_is_reported_against_the_file_not_raised(data_copy: Path) -> None:
    from generators.load import validate

    def explodes(revision: object, document: object) -> list:
        raise KeyError("C71.0")

    validate.extra_revision_checks.append(explodes)
    try:
        messages = problems(data_copy)
    finally:
        validate.extra_revision_checks.remove(explodes)
    assert len(messages) == 2
    assert all("could not handle (KeyError: 'C71.0')" in m and m.endswith("[check-failed]") for m in messages)
    assert messages[0].startswith("policy_data/6.01.03/revisions/2025-01-23.yaml:")


# --------------------------------------------------------------------------- one text rule


def _string_leaves(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _string_leaves(item, path + (key,))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _string_leaves(item, path + (index,))]
    return [path] if isinstance(value, str) else []


def _append_to_strings(value: object, suffix: str) -> object:
    if isinstance(value, dict):
        return {key: _append_to_strings(item, suffix) for key, item in value.items()}
    if isinstance(value, list):
        return [_append_to_strings(item, suffix) for item in value]
    return value + suffix if isinstance(value, str) else value


@pytest.mark.parametrize("character", ["\x1b", "\x00", "\r", "\x7f", "\x85", "\u202e", "\ufeff"])
@pytest.mark.parametrize("name,model_name", [("policy.yaml", "PolicyIdentity"), ("revisions/2025-01-23.yaml", "Revision"), ("revisions/2026-01-22.yaml", "Revision")])
def test_every_text_field_refuses_control_characters(character: str, name: str, model_name: str) -> None:
    """Issue 17, item 10: one rule for every string of the data, provenance notes included."""
    document = load_yaml_file(DATA / "6.01.03" / name)
    assert not isinstance(document, list)
    leaves = _string_leaves(document.data)
    document.data = _append_to_strings(document.data, character)
    _, found = validate_document(document, getattr(model, model_name))
    refused = {d.field_path for d in found}
    assert [format_path(leaf) for leaf in leaves if format_path(leaf) not in refused] == []


# --------------------------------------------------------------------------- ASCII patterns


def _validation_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from generators.load import yaml_files as load, validate

    return [
        (f"{module.__name__}.{name}", value)
        for module in (model, validate, load)
        for name, value in vars(module).items()
        if isinstance(value, re.Pattern) and value is not UNPRINTABLE  # a set of characters, not a format
    ]


def test_every_validation_pattern_is_ascii_and_anchored_at_the_very_end() -> None:
    """Issue 17, item 6: `\\d` matches "７", and `$` matches before a final line break."""
    patterns = _validation_patterns()
    assert len(patterns) >= 10
    for name, pattern in patterns:
        assert pattern.flags & re.ASCII, name
        assert "\\d" not in pattern.pattern and not pattern.pattern.endswith("$"), name


@pytest.mark.parametrize(
    "pattern,good,bad",
    [
        (model.CPT_CODE, "76390", ["７６３９０", "76390\n", "0609T\n", "٧٦٣٩٠"]),
        (model.HCPCS_CODE, "A4649", ["A４６４９", "A4649\n"]),
        (model.ICD10CM_CODE, "C71.0", ["C７1.0", "C71.0\n"]),
        (model.POLICY_NUMBER, "6.01.03", ["６.01.03", "6.01.04\n"]),
        (model.SLUG, "spine-uses", ["spine-uses\n", "spïne"]),
        (model.ROMAN, "IV", ["IV\n"]),
    ],
)
def test_codes_numbers_and_ids_are_ascii_without_a_final_line_break(pattern: re.Pattern[str], good: str, bad: list[str]) -> None:
    assert pattern.match(good)
    assert [text for text in bad if pattern.match(text)] == []


# --------------------------------------------------------------------------- statement numbering


def test_the_last_statement_number_is_the_last_numeral_the_checker_writes() -> None:
    from generators.load.validate import _roman

    assert _roman(model.MAX_STATEMENTS) == model.LAST_STATEMENT_NUMBER == "CCCXCIX"
    assert model.ROMAN.match(model.LAST_STATEMENT_NUMBER) and not model.ROMAN.match(_roman(model.MAX_STATEMENTS + 1))


def test_a_revision_of_399_statements_is_numbered_up_to_cccxcix(data_copy: Path) -> None:
    """Issue 17, item 18: the limit is reachable, and one more is refused with the limit named."""
    from generators.load.validate import _roman

    path = data_copy / REV
    text = path.read_text(encoding="utf-8")
    extra = "".join(
        f"  - id: extra-{n}\n    number: {_roman(n)}\n    determination: investigational\n    text: Extra statement {n}.\n"
        for n in range(4, model.MAX_STATEMENTS + 1)
    )
    path.write_text(text.replace("\nrelated_policies:\n", "\n" + extra + "related_policies:\n", 1), encoding="utf-8")
    statements = load_library(data_copy).policies[0].newest.statements
    assert len(statements) == 399 and statements[-1].number == "CCCXCIX"
    one_more = "  - id: extra-400\n    number: CD\n    determination: investigational\n    text: Extra statement 400.\n"
    path.write_text(path.read_text(encoding="utf-8").replace("\nrelated_policies:\n", "\n" + one_more + "related_policies:\n", 1), encoding="utf-8")
    assert [p for p in problems(data_copy) if "statements:" in p] == [
        f"policy_data/{REV}:22:1: error: statements: found 400 statements; expected at most 399, the last number a statement "
        "can have being CCCXCIX (split the policy, or merge statements) [invalid-value]"
    ]


@pytest.mark.parametrize(
    ("formers", "expected"),
    [
        ('["6.01.98", "6.01.29"]', "found the former number 6.01.29, which policy 6.01.29 also publishes under"),  # another policy's number
        ('["6.01.99"]', "found the former number 6.01.99, which policy 6.01.29 also publishes under"),  # another policy's former number
    ],
)
def test_a_former_number_of_another_policy_is_refused_before_anything_is_written(data_copy: Path, tmp_path: Path, formers: str, expected: str) -> None:
    other = data_copy / "6.01.29"
    shutil.copytree(data_copy / "6.01.03", other)
    identity = (other / "policy.yaml").read_text(encoding="utf-8").replace('number: "6.01.03"', 'number: "6.01.29"')
    (other / "policy.yaml").write_text(identity.replace("category: Medical Policy\n", 'category: Medical Policy\nformer_numbers: ["6.01.99"]\n'), encoding="utf-8")
    own = data_copy / "6.01.03" / "policy.yaml"
    own.write_text(own.read_text(encoding="utf-8").replace("category: Medical Policy\n", f"category: Medical Policy\nformer_numbers: {formers}\n"), encoding="utf-8")
    with pytest.raises(PolicyDataError) as refused:
        load_library(data_copy)
    ours = [d for d in refused.value.diagnostics if d.file.endswith("6.01.03/policy.yaml")]
    assert [(d.code, d.line, d.field_path) for d in ours] == [("former-number-taken", 8, f"former_numbers[{len(formers.split(',')) - 1}]")]
    assert expected in ours[0].message
    out = tmp_path / "out"
    built = run_policykb("--data", data_copy, "export", "--out", out)
    assert built.returncode == 1 and "former-number-taken" in built.stderr and "Traceback" not in built.stderr
    assert not out.exists()
