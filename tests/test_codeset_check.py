"""ICD-10-CM codes and ranges are checked against the official code set on every load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generators.domain import icd10
from generators.load.codeset_check import MAX_RANGE_CODES, MAX_REVISION_RANGE_CODES
from generators.errors import PolicyDataError
from generators.load.validate import load_library

REV = "6.01.03/revisions/2026-01-22.yaml"


def diagnostics(data: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(PolicyDataError) as caught:
        load_library(data)
    return [(d.format(), d.field_path, d.code) for d in caught.value.diagnostics]


@pytest.mark.parametrize(("old", "new", "field_path", "code", "words"), [
    pytest.param("      - code: G03.9\n", "      - code: G03.7\n", "codes.icd10cm.entries[2].code", "icd10-unknown-code",
                 ["found G03.7, which is not in the ICD-10-CM code set"], id="code-not-in-code-set"),
    pytest.param("      - code: G04.90\n", "      - code: G04.9\n", "codes.icd10cm.entries[3].code", "icd10-header-code",
                 ["found G04.9", "category header that is not billable", "G04.90, G04.91", "G04.90-G04.91"], id="header-not-billable"),
    pytest.param("range_end: C71.9\n", "range_end: C71.X\n", "codes.icd10cm.entries[0].range_end", "icd10-range",
                 ["found C71.X, which is not in the ICD-10-CM code set", "range end"], id="range-end-missing"),
    # Lexicographically C76.0 < C7A.00 (the model's own check passes); in the tabular list C7A comes first.
    pytest.param("range_start: G46.0\n        range_end: G46.8", "range_start: C76.0\n        range_end: C7A.00",
                 "codes.icd10cm.entries[7].range_end", "icd10-range", ["reversed in the ICD-10-CM code set"], id="range-reversed-in-tabular-order"),
])
def test_code_set_refutes_bad_icd10_codes(
    edit: Callable[[str, str, str], Path], data_copy: Path, old: str, new: str, field_path: str, code: str, words: list[str]
) -> None:
    edit(REV, old, new)
    found = diagnostics(data_copy)
    assert len(found) == 1, found
    text, path, kind = found[0]
    assert text.startswith("policy_data/6.01.03/revisions/2026-01-22.yaml:") and (path, kind) == (field_path, code)
    for word in words:
        assert word in text


def test_the_committed_codes_are_all_in_the_code_set(data_copy: Path) -> None:
    assert load_library(data_copy).policy("6.01.03") is not None


def test_the_recorded_release_is_the_one_the_installed_package_ships() -> None:
    # CODE_SET_RELEASE is written by hand from the package's data folder; a new package
    # version may ship another release, and every export would then name the wrong one.
    assert icd10.package_version() == "1.5.0", (
        f"simple-icd-10-cm {icd10.package_version()} is installed; check which ICD-10-CM release it ships, "
        "update generators/domain/icd10.py CODE_SET_RELEASE and this test together"
    )
    assert icd10.CODE_SET_RELEASE.startswith("ICD-10-CM April 1, 2026")


# --------------------------------------------------------------------------- bounded ranges


def test_ten_ranges_over_the_whole_code_set_are_each_refused_with_their_size_and_the_bound(
    edit: Callable[[str, str, str], Path], data_copy: Path
) -> None:
    # Issue 17: these built for 52 s, took 1.48 GB and made 466 MB of site.
    starts = icd10.billable_codes()[:10]
    ranges = "".join(f"      - {{range_start: {start}, range_end: Z99.89, description: Everything {i}}}\n" for i, start in enumerate(starts))
    edit(REV, "  icd10cm:\n    entries:\n", "  icd10cm:\n    entries:\n" + ranges)
    found = diagnostics(data_copy)
    assert [(path, kind) for _, path, kind in found] == [(f"codes.icd10cm.entries[{i}]", "icd10-range-too-large") for i in range(10)]
    for (text, _, _), start in zip(found, starts, strict=True):
        size = icd10.range_size(start, "Z99.89")
        assert f"found the range {start}-Z99.89, which covers {size:,} billable codes; expected at most {MAX_RANGE_CODES:,}" in text


def test_the_bounds_are_far_above_the_ranges_policies_list() -> None:
    from benchmarks.synthetic import icd_pools

    listed = [(start, end) for start, end, _ in icd_pools().ranges] + [("C71.0", "C71.9"), ("C79.31", "C79.49"), ("G46.0", "G46.8")]
    assert max(icd10.range_size(start, end) for start, end in listed) * 100 <= MAX_RANGE_CODES
    # Whole chapters that policies name fit: neoplasms, musculoskeletal.
    assert icd10.range_size("C00", "D49") == 1727 and icd10.range_size("M00", "M99") == 6665 <= MAX_RANGE_CODES
    assert MAX_RANGE_CODES < MAX_REVISION_RANGE_CODES < len(icd10.billable_codes()) / 2


@pytest.mark.parametrize(("start", "end"), [("C71.0", "C71.9"), ("C79.31", "C79.49"), ("C79.31", "C79.4"), ("C00", "D49"), ("A00.0", "Z99.89"), ("G04.90", "G04.90")])
def test_range_size_counts_what_expand_range_gives(start: str, end: str) -> None:
    assert icd10.range_size(start, end) == len(icd10.expand_range(start, end))
