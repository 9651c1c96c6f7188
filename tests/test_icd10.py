"""ICD-10-CM ranges expand against the official code set to the billable codes they cover."""

from __future__ import annotations

import pytest

from generators.domain import icd10


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("C71.0", "C71.9", [f"C71.{i}" for i in range(10)]),
    ("C79.31", "C79.49", ["C79.31", "C79.32", "C79.40", "C79.49"]),
    ("G46.0", "G46.8", [f"G46.{i}" for i in range(9)]),
])
def test_ranges_of_6_01_03_expand_to_billable_codes(start: str, end: str, expected: list[str]) -> None:
    assert [c.code for c in icd10.expand_range(start, end)] == expected


def test_members_carry_official_descriptions() -> None:
    members = {c.code: c.description for c in icd10.expand_range("C71.0", "C71.9")}
    assert members["C71.3"] == "Malignant neoplasm of parietal lobe"


def test_valid_is_not_billable() -> None:
    assert icd10.is_code("C79.4") and not icd10.is_billable("C79.4")
    assert icd10.is_code("G04.9") and not icd10.is_billable("G04.9")
    assert icd10.is_billable("G04.90")
    assert not icd10.is_code("C71.X")


@pytest.mark.parametrize(("start", "end", "message"), [
    ("C71.9", "C71.0", "reversed"),
    ("C71.0", "C71.99", "not in the ICD-10-CM code set"),
])
def test_bad_ranges(start: str, end: str, message: str) -> None:
    with pytest.raises(icd10.RangeError, match=message):
        icd10.expand_range(start, end)
