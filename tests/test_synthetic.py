"""The synthetic library of the benchmarks: valid, deterministic, realistic, never in policy_data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.synthetic import LARGE, MODEL, generate_library
from generators.domain import icd10
from generators.adapters.cli import main
from generators.model import Library
from generators.load.validate import load_library

from .conftest import DATA


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "lib"
    generate_library(out, policies=3, revisions=3, seed=7)
    return out


@pytest.fixture(scope="module")
def synthetic(synthetic_dir: Path) -> Library:
    return load_library(synthetic_dir)


def test_generated_library_passes_policykb_validate(synthetic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(synthetic_dir), "validate"]) == 0
    assert "3 policies, 9 revisions valid" in capsys.readouterr().out


def test_same_seed_gives_byte_identical_files(synthetic_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_library(again, policies=3, revisions=3, seed=7)
    files = sorted(p.relative_to(synthetic_dir) for p in synthetic_dir.rglob("*.yaml"))
    assert files == sorted(p.relative_to(again) for p in again.rglob("*.yaml"))
    assert all((synthetic_dir / f).read_bytes() == (again / f).read_bytes() for f in files)


def test_refuses_policy_data_and_non_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="policy_data"):
        generate_library(DATA / "synthetic", policies=1, revisions=1, seed=1)
    (tmp_path / "taken.txt").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        generate_library(tmp_path, policies=1, revisions=1, seed=1)


def test_shape_is_like_a_real_policy(synthetic: Library) -> None:
    for policy in synthetic.policies:
        assert [r.revision for r in policy.revisions] == policy.history.committee_approval_dates[-3:]
        assert {s.date for s in policy.history.change_summaries} >= {r.revision for r in policy.revisions}
        for revision in policy.revisions:
            codes = sum(len(table.entries) for _, table in revision.codes.tables())
            assert 5 <= codes <= 50
            assert len(revision.references) >= 20
            assert any(s.criteria is not None for s in revision.statements)
            assert sum(len(p) for p in revision.description) > 1000


def test_icd10_codes_and_ranges_are_real(synthetic: Library) -> None:
    for policy in synthetic.policies:
        for entry in policy.newest.codes.icd10cm.entries:
            if entry.is_range:
                assert icd10.expand_range(str(entry.range_start), str(entry.range_end))
            else:
                assert icd10.is_billable(str(entry.code)), entry.code


def test_revisions_change_like_annual_reviews(synthetic: Library) -> None:
    renumbered = reflagged = added_codes = edited = 0
    for policy in synthetic.policies:
        for old, new in zip(policy.revisions, policy.revisions[1:]):
            old_numbers = {s.id: s.number for s in old.statements}
            renumbered += any(old_numbers.get(s.id, s.number) != s.number for s in new.statements)
            old_flags = {e.display: e.flags for e in old.codes.cpt.entries}
            reflagged += any(e.display in old_flags and old_flags[e.display] != e.flags for e in new.codes.cpt.entries)
            added_codes += len(new.codes.icd10cm.entries) > len(old.codes.icd10cm.entries) or len(new.codes.cpt.entries) > len(old.codes.cpt.entries)
            edited += old.description != new.description or old.supportive_literature != new.supportive_literature
    assert renumbered and reflagged and added_codes and edited


def _bytes_per_revision(folder: Path) -> float:
    files = list(folder.glob("*/revisions/*.yaml"))
    return sum(f.stat().st_size for f in files) / len(files)


def test_model_profile_is_sized_like_6_01_03_and_large_is_larger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`model` is about as large as the policy it is modelled on; `large` (the default) well above it."""
    published = _bytes_per_revision(DATA)  # 6.01.03's two revisions
    generate_library(tmp_path / "model", policies=8, revisions=5, seed=1, profile=MODEL)
    generate_library(tmp_path / "large", policies=8, revisions=5, seed=1, profile=LARGE)
    assert main(["--data", str(tmp_path / "model"), "validate"]) == 0
    assert "8 policies, 40 revisions valid" in capsys.readouterr().out
    model, large = _bytes_per_revision(tmp_path / "model"), _bytes_per_revision(tmp_path / "large")
    assert 0.8 * published <= model <= 1.4 * published, (model, published)
    assert large >= 1.4 * published, (large, published)


def test_the_default_profile_is_large(tmp_path: Path) -> None:
    generate_library(tmp_path / "default", policies=2, revisions=2, seed=5)
    generate_library(tmp_path / "large", policies=2, revisions=2, seed=5, profile=LARGE)
    files = sorted(p.relative_to(tmp_path / "default") for p in (tmp_path / "default").rglob("*.yaml"))
    assert all((tmp_path / "default" / f).read_bytes() == (tmp_path / "large" / f).read_bytes() for f in files)
