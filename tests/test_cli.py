"""The `policykb` command line: exit codes, messages, and what it writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.cli import main

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
