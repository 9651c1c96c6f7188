"""The same data always gives the same bytes, wherever and however often it is built."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from generators.build.assemble import epoch_of
from generators.outputs.json_api import render_api
from generators.load.validate import load_library
from generators.build.write import OUTPUT_MARKER

from .conftest import AS_OF, DATA

from .trees import run_policykb, snapshot_tree, tree_differences


def test_render_api_twice_from_two_copies_gives_identical_bytes(tmp_path: Path) -> None:
    first_copy, second_copy = tmp_path / "one" / "policy_data", tmp_path / "two" / "data"
    shutil.copytree(DATA, first_copy)
    shutil.copytree(DATA, second_copy)
    first, second = render_api(load_library(first_copy), AS_OF), render_api(load_library(second_copy), AS_OF)
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_two_exports_in_separate_processes_are_byte_identical(tmp_path: Path) -> None:
    other_data = tmp_path / "elsewhere" / "policy_data"
    shutil.copytree(DATA, other_data)
    first = run_policykb("--data", DATA, "export", "--out", tmp_path / "first", "--as-of", "2026-03-01", hash_seed="1")
    second = run_policykb("--data", other_data, "export", "--out", tmp_path / "second", "--as-of", "2026-03-01", hash_seed="2")
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


def _mtimes(folder: Path) -> dict[str, int]:
    """Each published file's modification time (not policykb's own marker: `trees.snapshot_tree` leaves it out too)."""
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file() and p.name != OUTPUT_MARKER}


def test_a_second_export_keeps_every_files_bytes_and_modification_time(tmp_path: Path) -> None:
    """A web server's Last-Modified and ETag stay the same for unchanged data: each file's time is the as-of date."""
    out = tmp_path / "out"
    assert run_policykb("--data", DATA, "export", "--out", out, "--as-of", "2026-03-01").returncode == 0
    before, times = snapshot_tree(out), _mtimes(out)
    assert set(times.values()) == {epoch_of(date(2026, 3, 1)) * 1_000_000_000}
    assert run_policykb("--data", DATA, "export", "--out", out, "--as-of", "2026-03-01", hash_seed="4").returncode == 0
    assert tree_differences(before, snapshot_tree(out)) == [] and _mtimes(out) == times


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


# --------------------------------------------------------------------------- the whole site
# Two full `policykb build` runs (HTML, JSON, sitemap, search index), each in its own process.


@pytest.fixture(scope="module")
def two_site_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The site built twice at once from two copies of the data, with different hash seeds and folders."""
    root = tmp_path_factory.mktemp("sites")
    other_data = root / "elsewhere" / "policy_data"
    shutil.copytree(DATA, other_data)
    same_url = {"POLICYKB_SITE_URL": "https://policies.example.org/"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(run_policykb, "--data", DATA, "build", "--out", root / "first" / "site", "--as-of", "2026-03-01", hash_seed="1", extra_env=same_url)
        second = pool.submit(run_policykb, "--data", other_data, "build", "--out", root / "second-site", "--as-of", "2026-03-01", hash_seed="2", extra_env=same_url)
        one, two = first.result(), second.result()
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    return root / "first" / "site", root / "second-site", root


def test_two_site_builds_in_separate_processes_are_byte_identical(two_site_builds: tuple[Path, Path, Path]) -> None:
    first_site, second_site, root = two_site_builds
    one, two = snapshot_tree(first_site), snapshot_tree(second_site)
    for expected in ("index.html", "policies/6.01.03/index.html", "policies/6.01.03/diffs/2025-01-23..2026-01-22/index.html",
                     "sitemap.xml", "sitemap.xml.gz", "pagefind/pagefind-entry.json", "api/v1/codes/index.json", "api/v1/codes/icd10cm/C71.json", "feed.xml"):  # fmt: skip
        assert expected in one, expected
    assert tree_differences(one, two) == []
    assert not any(str(root).encode() in content for content in one.values()), "a build path leaked into the site"
    assert set(_mtimes(first_site).values()) == set(_mtimes(second_site).values()) == {epoch_of(date(2026, 3, 1)) * 1_000_000_000}


def test_a_failed_site_build_leaves_the_previous_real_site_byte_for_byte_intact(two_site_builds: tuple[Path, Path, Path], tmp_path: Path) -> None:
    # A copy, so the other test's site stays as built.
    site = tmp_path / "site"
    shutil.copytree(two_site_builds[0], site)
    before = snapshot_tree(site)
    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    revision = data / "6.01.03" / "revisions" / "2026-01-22.yaml"
    revision.write_text(revision.read_text(encoding="utf-8").replace("determination: investigational", "determination: maybe"), encoding="utf-8")
    failed = run_policykb("--data", data, "build", "--out", site)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "2026-01-22.yaml:" in failed.stderr
    assert tree_differences(before, snapshot_tree(site)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy_data", "site"], "staging folders were left behind"


def test_a_second_build_keeps_the_markers_time_too(tmp_path: Path) -> None:
    """Every file of the output keeps its time, policykb's own marker included (its text is a constant: so is its time)."""
    out = tmp_path / "out"
    assert run_policykb("--data", DATA, "export", "--out", out, "--as-of", "2026-03-01").returncode == 0
    first = (out / OUTPUT_MARKER).stat().st_mtime_ns
    assert run_policykb("--data", DATA, "export", "--out", out, "--as-of", "2026-03-02").returncode == 0
    assert (out / OUTPUT_MARKER).stat().st_mtime_ns == first == epoch_of(date(2026, 12, 4)) * 1_000_000_000


def _times_by_change(before: Path, after: Path) -> dict[bool, set[int]]:
    """The times of the files of `after`, by whether `before` held the same bytes at their path (True) or not."""
    found: dict[bool, set[int]] = {True: set(), False: set()}
    for path in sorted(after.rglob("*")):
        if path.is_file() and path.name != OUTPUT_MARKER:
            old = before / path.relative_to(after)
            found[old.is_file() and old.read_bytes() == path.read_bytes()].add(path.stat().st_mtime_ns)
    return found


def test_a_build_for_a_later_date_keeps_the_time_of_every_file_whose_bytes_it_keeps(tmp_path: Path) -> None:
    """Last-Modified and ETag change with the bytes only, across daily builds too (issue 16): a schema, a shard, the feed keep theirs."""
    out, first = tmp_path / "out", tmp_path / "first"
    assert run_policykb("--data", DATA, "export", "--out", out, "--as-of", "2026-06-01").returncode == 0
    shutil.copytree(out, first)
    assert run_policykb("--data", DATA, "export", "--out", out, "--as-of", "2026-06-02").returncode == 0
    times = _times_by_change(first, out)
    assert times == {True: {epoch_of(date(2026, 6, 1)) * 1_000_000_000}, False: {epoch_of(date(2026, 6, 2)) * 1_000_000_000}}
    for kept in ("api/v1/schema/revision.schema.json", "api/v1/codes/cpt/061.json", "api/v1/codes.csv", "feed.xml"):
        assert (out / kept).stat().st_mtime_ns == (first / kept).stat().st_mtime_ns, kept
    assert (out / "api/v1/index.json").stat().st_mtime_ns == epoch_of(date(2026, 6, 2)) * 1_000_000_000  # states the new as_of
    fresh = tmp_path / "fresh"
    assert run_policykb("--data", DATA, "export", "--out", fresh, "--as-of", "2026-06-02").returncode == 0
    assert set(_mtimes(fresh).values()) == {epoch_of(date(2026, 6, 2)) * 1_000_000_000}  # a new folder: one date, from the data and the date


@pytest.mark.parametrize("cache", [False, True], ids=["clean", "with-cache"])
def test_a_site_built_for_a_later_date_keeps_the_time_of_every_file_whose_bytes_it_keeps(tmp_path: Path, cache: bool) -> None:
    """The same for `policykb build`: MkDocs's pages and assets, Pagefind's index and the data files (linked from the cache or not)."""
    out, first = tmp_path / "site", tmp_path / "first"
    options = ("--cache", tmp_path / "cache") if cache else ()
    assert run_policykb("--data", DATA, "build", "--out", out, "--as-of", "2026-06-01", *options).returncode == 0
    shutil.copytree(out, first)
    assert run_policykb("--data", DATA, "build", "--out", out, "--as-of", "2026-06-02", *options).returncode == 0
    times = _times_by_change(first, out)
    assert times == {True: {epoch_of(date(2026, 6, 1)) * 1_000_000_000}, False: {epoch_of(date(2026, 6, 2)) * 1_000_000_000}}
    kept = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.stat().st_mtime_ns == epoch_of(date(2026, 6, 1)) * 1_000_000_000]
    assert any(p.startswith("assets/") for p in kept) and any(p.startswith("pagefind/") for p in kept) and "api/v1/codes/cpt/061.json" in kept
    if cache:  # the next build on the same date finds every file as it left it: nothing to render again
        again = run_policykb("--data", DATA, "build", "--out", out, "--as-of", "2026-06-02", *options)
        assert again.returncode == 0 and _times_by_change(first, out) == times
