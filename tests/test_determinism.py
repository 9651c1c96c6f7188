"""The same data always gives the same bytes, wherever and however often it is built."""

from __future__ import annotations

import shutil
from pathlib import Path

from generators.render.json_api import render_api
from generators.validate import load_library

from .conftest import DATA
from .trees import run_policykb, snapshot_tree, tree_differences


def test_render_api_twice_from_two_copies_gives_identical_bytes(tmp_path: Path) -> None:
    first_copy, second_copy = tmp_path / "one" / "policy_data", tmp_path / "two" / "data"
    shutil.copytree(DATA, first_copy)
    shutil.copytree(DATA, second_copy)
    first, second = render_api(load_library(first_copy)), render_api(load_library(second_copy))
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_two_exports_in_separate_processes_are_byte_identical(tmp_path: Path) -> None:
    other_data = tmp_path / "elsewhere" / "policy_data"
    shutil.copytree(DATA, other_data)
    first = run_policykb("--data", DATA, "export", "--out", tmp_path / "first", hash_seed="1")
    second = run_policykb("--data", other_data, "export", "--out", tmp_path / "second", hash_seed="2")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    one, two = snapshot_tree(tmp_path / "first"), snapshot_tree(tmp_path / "second")
    assert len(one) >= 8 and tree_differences(one, two) == []
    assert not any(str(tmp_path).encode() in content for content in one.values()), "a build path leaked into the output"


def test_exporting_again_over_the_previous_output_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_policykb("--data", DATA, "export", "--out", out).returncode == 0
    before = snapshot_tree(out)
    assert run_policykb("--data", DATA, "export", "--out", out, hash_seed="3").returncode == 0
    assert tree_differences(before, snapshot_tree(out)) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "staging or retired folders were left behind"


def test_a_failed_export_in_a_real_process_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    out = tmp_path / "out"
    assert run_policykb("--data", data, "export", "--out", out).returncode == 0
    before = snapshot_tree(out)
    revision = data / "6.01.03" / "revisions" / "2026-01-22.yaml"
    revision.write_text(revision.read_text(encoding="utf-8").replace("      - code: 0610T\n", "      - code: 610T\n"), encoding="utf-8")
    failed = run_policykb("--data", data, "export", "--out", out)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "policy_data/6.01.03/revisions/2026-01-22.yaml:234:" in failed.stderr
    assert tree_differences(before, snapshot_tree(out)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "policy_data"]
