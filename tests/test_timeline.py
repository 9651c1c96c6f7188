"""Point in time: the revision in effect on a date of service, in the API and on the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest

from generators.adapters.cli import main
from generators.model import Library, Policy
from generators.outputs.json_api import render_api
from generators.domain.timeline import StartBasis, revision_in_effect, windows

from .conftest import DATA, AS_OF


@pytest.fixture(scope="module")
def policy(library: Library) -> Policy:
    found = library.policy("6.01.03")
    assert found is not None
    return found


@pytest.mark.parametrize(("day", "expected"), [
    ("2025-01-23", "2025-01-23"),  # the reconstructed revision starts on its approval date
    ("2025-06-01", "2025-01-23"),
    # 2026-01-22 was approved in January but takes effect 2026-05-15: until then 2025-01-23 applies.
    ("2026-03-01", "2025-01-23"),
    ("2026-05-14", "2025-01-23"),
    ("2026-05-15", "2026-01-22"),
    ("2026-06-01", "2026-01-22"),
    ("2031-01-01", "2026-01-22"),
    ("2025-01-22", None),
])
def test_revision_in_effect_on_a_date_of_service(policy: Policy, day: str, expected: str | None) -> None:
    window = revision_in_effect(policy, date.fromisoformat(day))
    assert (window.revision.isoformat() if window else None) == expected


def test_unknown_effective_date_is_replaced_by_the_approval_date_and_flagged(policy: Policy) -> None:
    first, current = windows(policy)
    assert (first.start, first.end, first.start_basis) == (date(2025, 1, 23), date(2026, 5, 14), StartBasis.APPROVAL_DATE)
    assert (current.start, current.end, current.start_basis) == (date(2026, 5, 15), None, StartBasis.EFFECTIVE_DATE)
    assert "effective date is not known" in first.describe()


def test_windows_never_overlap_even_when_a_later_revision_takes_effect_first(policy: Policy) -> None:
    # Give the older revision an effective date after the newer one's: the newer one wins.
    older, newer = policy.revisions
    odd = policy.model_copy(update={"revisions": [older.model_copy(update={"effective_date": date(2026, 6, 1)}), newer]})
    first, second = windows(odd)
    assert not first.in_effect and "never in effect" in first.describe()
    assert revision_in_effect(odd, date(2026, 7, 1)).revision == newer.revision
    assert revision_in_effect(odd, date(2026, 5, 1)) is None


def test_policy_json_carries_the_windows(library: Library) -> None:
    document = json.loads(render_api(library, AS_OF)["api/v1/policies/6.01.03.json"])
    assert document["windows"] == [
        {"revision": "2025-01-23", "start": "2025-01-23", "end": "2026-05-14", "start_basis": "approval_date", "in_effect": True},
        {"revision": "2026-01-22", "start": "2026-05-15", "end": None, "start_basis": "effective_date", "in_effect": True},
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--data", str(DATA), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_show_as_of_picks_the_revision_in_effect(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "6.01.03", "--as-of", "2025-06-01")
    assert code == 0 and "Revision      2025-01-23 (in effect on 2025-06-01)  [reconstructed]" in out
    assert "II. [INVESTIGATIONAL]" in out and "\nIII. " not in out  # two statements
    assert "revision 2025-01-23 is in effect: in effect 2025-01-23 to 2026-05-14" in out
    assert "committee approval date, because its effective date is not known" in out

    code, out, _ = run(capsys, "show", "6.01.03", "--as-of", "2026-06-01")
    assert code == 0 and "Revision      2026-01-22 (in effect on 2026-06-01)" in out
    assert "II. [NOT MEDICALLY NECESSARY]" in out and "III. [INVESTIGATIONAL]" in out


def test_show_as_of_explains_an_approved_revision_not_yet_in_effect(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "6.01.03", "--as-of", "2026-03-01")
    assert code == 0 and "Revision      2025-01-23" in out
    assert "revision 2026-01-22 is upcoming: approved 2026-01-22, takes effect 2026-05-15" in out


def test_show_as_of_before_the_first_stored_revision_is_a_clear_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "6.01.03", "--as-of", "2024-06-01")
    assert code == 1 and out == ""
    assert "no stored revision in effect on 2024-06-01" in err and "the first stored revision, 2025-01-23" in err
    assert "2024-01-18" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["show", "6.01.03", "--as-of", "2026-02-30"],
    ["show", "6.01.03", "--as-of", "20260601"],
    ["show", "6.01.03", "--as-of", "2026-06"],
])
def test_show_as_of_rejects_bad_usage(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--data", str(DATA), *argv])
    assert exited.value.code == 2
    assert "policykb show: error:" in capsys.readouterr().err
