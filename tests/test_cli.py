"""The `policykb` command line: exit codes, messages, and what it writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel

from generators.adapters import cli
from generators.adapters.cli import main
from generators.text import UNPRINTABLE
from generators.load.validate import load_library

from .conftest import DATA


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_passes_on_the_repository_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data", str(DATA), "validate")
    assert code == 0 and "1 policies, 2 revisions valid" in out


def test_validate_fails_with_located_messages(capsys: pytest.CaptureFixture[str], edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit("6.01.03/revisions/2026-01-22.yaml", "determination: investigational\n", "determination: experimental\n")
    code, _, err = run(capsys, "--data", str(data_copy), "validate")
    assert code == 1
    assert "6.01.03/revisions/2026-01-22.yaml:" in err and "statements[2].determination" in err
    assert "Traceback" not in err


def test_validate_json_format(capsys: pytest.CaptureFixture[str], edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit("6.01.03/revisions/2026-01-22.yaml", "effective_date: 2026-05-15", "effective_date: 2026-13-01")
    code, out, _ = run(capsys, "--data", str(data_copy), "validate", "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False
    assert payload["errors"][0]["field_path"] == "effective_date" and payload["errors"][0]["line"] == 10


def test_show_current_and_archived(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data", str(DATA), "show", "6.01.03")
    assert code == 0
    assert "II. [NOT MEDICALLY NECESSARY] MRS is considered not medically necessary for all spine uses." in out
    assert "III. [INVESTIGATIONAL]" in out and "0611T            (NMN)" in out
    code, out, _ = run(capsys, "--data", str(DATA), "show", "6.01.03", "--revision", "2025-01-23")
    assert code == 0 and "II. [INVESTIGATIONAL]" in out and "reconstructed" in out and "\nIII. " not in out


@pytest.mark.parametrize(("argv", "expected"), [
    (["show", "9.99.99"], "no policy '9.99.99'; the knowledge base has: 6.01.03"),
    (["show", "6.01.03", "--revision", "2024-01-18"], "stored revisions: 2025-01-23, 2026-01-22"),
])
def test_unknown_policy_or_revision(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    code, _, err = run(capsys, "--data", str(DATA), *argv)
    assert code == 1 and expected in err


def test_export_writes_the_api(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, "--data", str(DATA), "export", "--out", str(tmp_path / "out"))
    assert code == 0
    index = json.loads((tmp_path / "out/api/v1/index.json").read_text())
    assert index["policies"][0]["number"] == "6.01.03"


def test_failed_export_leaves_previous_output_intact(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, edit: Callable[[str, str, str], Path], data_copy: Path
) -> None:
    out = tmp_path / "out"
    assert run(capsys, "--data", str(data_copy), "export", "--out", str(out))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    edit("6.01.03/revisions/2026-01-22.yaml", "      - code: 0610T\n", "      - code: 610T\n")
    assert run(capsys, "--data", str(data_copy), "export", "--out", str(out))[0] == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "policy_data"]


# --------------------------------------------------------------------------- terminal output

#: A window title, a screen clear, a right-to-left override and a C1 CSI: none may reach a terminal.
ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\u202e\x9b"


def _raw_control(text: str) -> list[str]:
    return sorted({c for c in text if UNPRINTABLE.match(c)})


@pytest.fixture
def library_with_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library as if validation had let control characters through (it refuses them):
    the printers must still not pass them on (issue 17, item 10)."""
    library = load_library(DATA)
    policy = library.policies[0]
    old, new = policy.revisions
    provenance = old.provenance
    assert provenance is not None
    note = provenance.notes[0].model_copy(update={"field": "statements" + ESCAPES, "difference": "gone" + ESCAPES})
    old = old.model_copy(update={"title": old.title + ESCAPES, "provenance": provenance.model_copy(update={"notes": [note]})})
    statement = new.statements[0].model_copy(update={"text": new.statements[0].text + ESCAPES})
    new = new.model_copy(update={"statements": [statement, *new.statements[1:]]})
    tampered = library.model_copy(update={"policies": [policy.model_copy(update={"title": policy.title + ESCAPES, "revisions": [old, new]})]})
    monkeypatch.setattr(cli, "load_library", lambda *args, **kwargs: tampered)


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "6.01.03", "--revision", "2025-01-23"],
        ["show", "6.01.03"],
        ["diff", "6.01.03", "2025-01-23", "2026-01-22"],
        ["lookup", "76390"],
    ],
    ids=["show-archived", "show-current", "diff", "lookup"],
)
def test_printed_data_never_sends_control_characters_to_the_terminal(
    capsys: pytest.CaptureFixture[str], library_with_escapes: None, argv: list[str]
) -> None:
    code, out, err = run(capsys, "--data", str(DATA), *argv)
    assert code == 0, err
    assert _raw_control(out) == [] and _raw_control(err) == []
    assert "PWNED" in out and "\\x1b]0;PWNED\\x07\\x1b[2J\\u202e\\x9b" in out, "shown as visible escapes"


def test_diff_colours_stay_and_data_escapes_do_not() -> None:
    from generators.domain.diff import diff_revisions
    from generators.outputs.diffs import diff_text

    policy = load_library(DATA).policies[0]
    old, new = policy.revisions
    hostile = new.model_copy(update={"statements": [new.statements[0].model_copy(update={"text": "MRS" + ESCAPES}), *new.statements[1:]]})
    text = diff_text(policy, diff_revisions(old, hostile), colour=True)
    assert "\x1b[32m" in text and "\x1b[0m" in text
    assert "\x1b]" not in text and "\x1b[2J" not in text and "\u202e" not in text and "\x9b" not in text


def test_a_file_name_with_escapes_is_printed_inert(capsys: pytest.CaptureFixture[str], data_copy: Path) -> None:
    (data_copy / "6.01.03" / "revisions" / "\x1b]0;PWNED\x07.yaml").write_text("x: 1\n", encoding="utf-8")
    code, _, err = run(capsys, "--data", str(data_copy), "validate")
    assert code == 1 and "PWNED" in err
    assert _raw_control(err) == []


@pytest.mark.parametrize("day,code", [("0001-01-01", 1), ("1969-12-31", 1), ("9999-12-31", 0)])
def test_show_as_of_any_date_answers_without_a_traceback(capsys: pytest.CaptureFixture[str], day: str, code: int) -> None:
    """Issue 17, item 15: dates at the ends of the calendar never reach date arithmetic unchecked."""
    returned, out, err = run(capsys, "--data", str(DATA), "show", "6.01.03", "--as-of", day)
    assert returned == code and "Traceback" not in err
    assert ("no stored revision in effect on" in err) if code else ("As of         9999-12-31" in out)


def test_the_ends_of_the_published_date_range_validate(edit: Callable[[str, str, str], Path], data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit("6.01.03/policy.yaml", "    - date: 2025-01-01\n", "    - date: 1970-01-01\n")
    edit("6.01.03/revisions/2026-01-22.yaml", "next_review: 2027-01\n", "next_review: 2099-12\n")
    edit("6.01.03/revisions/2026-01-22.yaml", "effective_date: 2026-05-15\n", "effective_date: 2099-12-31\n")
    code, _, err = run(capsys, "--data", str(data_copy), "validate")
    assert code == 0, err


def test_every_error_policykb_raises_on_purpose_has_one_root() -> None:
    """Callers catch `PolicyKbError` to catch them all (and still the built-in kinds they were)."""
    from generators.adapters.authoring import AuthoringError
    from generators.build.assemble import OutputClashError
    from generators.adapters.cli import BuildFailed, UsageError
    from generators.errors import PolicyDataError, PolicyKbError
    from generators.domain.icd10 import RangeError
    from generators.outputs.standalone import ThemeNotFoundError

    for error in (AuthoringError, OutputClashError, BuildFailed, UsageError, PolicyDataError, RangeError, ThemeNotFoundError):
        assert issubclass(error, PolicyKbError), error
    assert issubclass(OutputClashError, ValueError) and issubclass(RangeError, ValueError)


@pytest.mark.parametrize("command", ["export", "pages", "build"])
@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2100-01-01", "9999-12-31"])
def test_a_build_date_outside_the_published_range_is_wrong_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, day: str) -> None:
    """Issue 17, item 15: `--as-of` of a build is a date the outputs can carry (1970 to 2099), refused before anything is read or written."""
    with pytest.raises(SystemExit) as stopped:
        main(["--data", str(DATA), command, "--out", str(tmp_path / "out"), "--as-of", day])
    _, err = capsys.readouterr()
    assert stopped.value.code == 2 and "Traceback" not in err
    assert f"found {day}, outside the dates policykb publishes; expected a date from 1970-01-01 to 2099-12-31" in err
    assert not (tmp_path / "out").exists()


#: Fields that name or key things (matched, looked up, parsed), not free text: left as they are.
_KEY_FIELDS = frozenset({"cites", "code", "id", "next_review", "number", "range_start", "range_end", "url"})


def _escapes_in_every_text(value: object, name: str = "") -> object:
    """`value` with `ESCAPES` added to every free-text string of every model in it (validation would refuse them all)."""
    if isinstance(value, BaseModel):
        return value.model_copy(update={field: _escapes_in_every_text(getattr(value, field), field) for field in type(value).model_fields})
    if isinstance(value, list):
        return [_escapes_in_every_text(item, name) for item in value]
    if isinstance(value, tuple):
        return tuple(_escapes_in_every_text(item, name) for item in value)
    if isinstance(value, dict):
        return {key: _escapes_in_every_text(item, name) for key, item in value.items()}
    if type(value) is str and name not in _KEY_FIELDS:
        return value + ESCAPES
    return value


@pytest.mark.parametrize(
    "argv",
    [["show", "6.01.03", "--revision", "2025-01-23"], ["show", "6.01.03"], ["diff", "6.01.03", "2025-01-23", "2026-01-22"], ["lookup", "76390"], ["lookup", "C71.1"]],
    ids=["show-archived", "show-current", "diff", "lookup-cpt", "lookup-icd10"],
)
def test_no_text_field_sends_control_characters_to_the_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    """Issue 17, item 10, for every class of field: each free-text string of the whole library carries escapes."""
    tampered = _escapes_in_every_text(load_library(DATA))
    monkeypatch.setattr(cli, "load_library", lambda *args, **kwargs: tampered)
    code, out, err = run(capsys, "--data", str(DATA), *argv)
    assert code == 0, err
    assert _raw_control(out) == [] and _raw_control(err) == []
    assert out.count("\\x1b]0;PWNED\\x07\\x1b[2J\\u202e\\x9b") >= 1, "the data's text is printed, its escapes visible"
