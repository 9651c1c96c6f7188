"""The benchmark script runs end to end and prints its figures (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def test_benchmark_prints_cores_stages_ratio_and_skips_missing_stages(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "2", "--revisions", "2", "--repeat", "1", "--work", str(tmp_path), "--only", "floor", "total", "incremental", "mkdocs"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    assert f"{os.cpu_count()} cores, Python" in done.stdout
    assert "N = 2 policies x R = 2 revisions, profile large" in done.stdout
    assert "ratio total/floor = " in done.stdout
    assert "cpu_system_s=" in done.stdout
    assert "identical_to_clean=True" in done.stdout
    # The stages' outputs were kept until the end, then deleted: only the library is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library-2x2-seed1"]
    mkdocs_line = next(line for line in done.stdout.splitlines() if line.startswith("mkdocs"))
    assert "skipped" in mkdocs_line or "site_mb=" in mkdocs_line


def test_benchmark_prints_growth_between_sizes_step_costs_and_each_process_memory(tmp_path: Path) -> None:
    """Issue 19: the time ratio between two sizes, each step of `policykb build`, the peak memory of each kind of process."""
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "2", "3", "--revisions", "1", "--repeat", "1", "--work", str(tmp_path), "--only", "total", "mkdocs"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    total = next(line for line in done.stdout.splitlines() if line.startswith("total"))
    assert "peak_mb_main=" in total and "peak_mb_tree=" in total
    mkdocs = next(line for line in done.stdout.splitlines() if line.startswith("mkdocs"))
    # Pagefind runs a fraction of a second on 3 policies: the sampler may not see it (every 0.2 s).
    assert "peak_mb_mkdocs=" in mkdocs and "cpu_user_s=" in mkdocs
    assert "pages with mkdocs build --strict: " in done.stdout and "Indexing the policy pages for search with Pagefind: " in done.stdout
    growth = done.stdout.split("growth N = 3 / N = 2 (1.5x the policies", 1)[1]
    assert "total " in growth and "mkdocs " in growth and "time " in growth and "CPU " in growth


def test_downloads_parts_benchmark_prints_its_figures() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "downloads_parts.py"), str(ROOT / "policy_data"), "--repeat", "1"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    assert f"1 policies, 2 revisions, {os.cpu_count()} cores" in done.stdout
    assert "assemble:" in done.stdout and "assemble only what one policy's edit can change" in done.stdout
    assert "code index (api/v1/codes/):" in done.stdout and "shards: median" in done.stdout


def test_large_revision_benchmark_prints_a_line_per_size() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "large_revision.py"), "--references", "20", "--codes", "20"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    lines = done.stdout.splitlines()
    assert "validate s" in lines[0] and "per 1,000 items" in lines[0]
    assert lines[1].split()[:2] == ["20", "references"] and lines[2].split()[:2] == ["20", "codes"]


@pytest.mark.browser
def test_search_benchmark_prints_bytes_before_and_during_the_first_search_and_times(built_site: Path) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "search.py"), "--site", str(built_site), "--query", "glioma", "--query", "C71.3"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    assert "before a search:" in done.stdout and "of which search index 0.0 KB" in done.stdout  # nothing of the index before a search
    assert "first search 'glioma':" in done.stdout and "ms after the last key" in done.stdout
    assert "then 'C71.3': results" in done.stdout


def test_home_size_benchmark_prints_the_home_page_and_policy_list_figures(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "home_size.py"), "--policies", "3", "--revisions", "1", "--work", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    lines = done.stdout.splitlines()
    assert lines[-3] == "N = 3 policies x R = 1 revisions, as of 2026-12-04"
    assert lines[-2].startswith("home: ") and "KB gzipped" in lines[-2] and lines[-2].endswith(" elements")
    assert lines[-1].startswith("policy list: ")
