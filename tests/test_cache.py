"""Incremental builds: byte-identical to clean builds, and never served from a stale entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.synthetic import generate_library
from generators.build import render_data_files
from generators.cache import PACKAGE_DIR, BuildCache, PolicyRenderer, build_api_incremental, build_data_files_incremental, build_incremental, code_version
from generators.cli import main
from generators.errors import PolicyDataError
from generators.model import Policy
from generators.render import render_template
from generators.render.json_api import render_api
from generators.validate import load_library

from .trees import snapshot_tree


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cache-lib") / "lib"
    generate_library(out, policies=3, revisions=2, seed=11)
    return out


@pytest.fixture
def data(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(pristine, copy)
    return copy


def clean_build(data: Path) -> dict[str, bytes]:
    return render_api(load_library(data))


def edit_one_policy(data: Path) -> Path:
    revision = sorted(data.glob("*/revisions/*.yaml"))[-1]
    text = revision.read_text(encoding="utf-8")
    revision.write_text(text.replace("\ndescription:\n- ", "\ndescription:\n- Edited. ", 1), encoding="utf-8")
    return revision


def test_rebuild_after_editing_one_policy_is_byte_identical_to_a_clean_build(data: Path, tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache")
    assert build_api_incremental(data, cache) == clean_build(data)
    assert (cache.hits, cache.misses) == (0, 3)
    edited = edit_one_policy(data)
    rebuilt = build_api_incremental(data, cache)
    assert (cache.hits, cache.misses) == (2, 4)  # only the edited policy was redone
    clean = clean_build(data)
    assert rebuilt == clean
    assert any(b"Edited. " in content for path, content in clean.items() if edited.parent.parent.name in path)


def test_policy_by_policy_build_without_a_cache_equals_a_clean_build(data: Path) -> None:
    assert build_api_incremental(data, None) == clean_build(data)


def test_an_entry_made_by_other_code_or_config_is_never_used(data: Path, tmp_path: Path) -> None:
    old = BuildCache(tmp_path / "cache", code="code-before-the-change")
    build_api_incremental(data, old)
    for entry in (tmp_path / "cache").rglob("*.marshal"):  # make every old entry visibly wrong
        entry.write_bytes(entry.read_bytes().replace(b"Annual review", b"Stale! review"))  # same length: still readable
    assert b"Stale! review" in b"".join(build_api_incremental(data, BuildCache(tmp_path / "cache", code="code-before-the-change")).values())
    for newer in (BuildCache(tmp_path / "cache", code="code-after-the-change"), BuildCache(tmp_path / "cache", code="code-before-the-change", config={"site_url": "https://x"})):
        assert build_api_incremental(data, newer) == clean_build(data)
        assert newer.hits == 0


def test_code_version_changes_with_any_file_of_the_package(tmp_path: Path) -> None:
    package = tmp_path / "generators"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_version(package)
    template = next(package.glob("templates/**/*.j2"))
    template.write_text(template.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert code_version(package) != before


def test_corrupt_entries_are_misses_not_crashes(data: Path, tmp_path: Path) -> None:
    build_api_incremental(data, BuildCache(tmp_path / "cache"))
    for entry in (tmp_path / "cache").rglob("*.marshal"):
        entry.write_bytes(entry.read_bytes()[:100])
    cache = BuildCache(tmp_path / "cache")
    assert build_api_incremental(data, cache) == clean_build(data)
    assert cache.misses == 3


def test_invalid_data_reports_what_a_clean_build_reports_and_is_not_cached(data: Path, tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache")
    build_api_incremental(data, cache)
    revision = sorted(data.glob("*/revisions/*.yaml"))[0]
    revision.write_text(revision.read_text(encoding="utf-8").replace("status: published", "status: draft", 1).replace("status: reconstructed", "status: draft", 1), encoding="utf-8")
    with pytest.raises(PolicyDataError) as clean:
        load_library(data)
    for _ in range(2):
        with pytest.raises(PolicyDataError) as incremental:
            build_api_incremental(data, cache)
        assert incremental.value.diagnostics == clean.value.diagnostics


def show_page(policy: Policy) -> dict[str, str]:
    """A stand-in for a site page renderer: the terminal view of the current revision."""
    text = render_template("terminal/show.txt.j2", policy=policy, revision=policy.current, as_of=None, window_note=None)
    return {f"policies/{policy.number}/show.txt": text}


def short_show_page(policy: Policy) -> dict[str, str]:
    """The same page, changed: a renderer whose code changed."""
    return {path: text[:100] for path, text in show_page(policy).items()}


def test_policy_renderers_are_cached_with_their_code_in_the_key(data: Path, tmp_path: Path) -> None:
    def clean(renderer: PolicyRenderer) -> dict[str, bytes | str]:
        library = load_library(data)
        files: dict[str, bytes | str] = dict(render_api(library))
        for policy in library.policies:
            files.update(renderer(policy))
        return dict(sorted(files.items()))

    cache = BuildCache(tmp_path / "cache")
    assert build_incremental(data, cache, {"pages": show_page}) == clean(show_page)
    edit_one_policy(data)
    assert build_incremental(data, cache, {"pages": show_page}) == clean(show_page)
    assert (cache.hits, cache.misses) == (2, 4)
    changed = BuildCache(tmp_path / "cache")
    assert build_incremental(data, changed, {"pages": short_show_page}) == clean(short_show_page)
    assert changed.hits == 0


def test_data_files_from_the_cache_equal_a_clean_export_before_and_after_an_edit(data: Path, tmp_path: Path) -> None:
    """API, diffs, code index, CSV, FHIR and feed: the per-policy parts cached, the global files assembled."""
    cache = BuildCache(tmp_path / "cache")
    assert build_data_files_incremental(data, cache) == render_data_files(load_library(data))
    edit_one_policy(data)
    rebuilt = build_data_files_incremental(data, cache)
    assert (cache.hits, cache.misses) == (2, 4)
    assert rebuilt == render_data_files(load_library(data))


def test_a_stale_data_entry_is_never_used_even_when_poisoned(data: Path, tmp_path: Path) -> None:
    """An entry made by other code has another key: poisoning it on disk changes nothing."""
    build_data_files_incremental(data, BuildCache(tmp_path / "cache", code="code-before-the-change"))
    for entry in (tmp_path / "cache").rglob("*.marshal"):  # same length: still readable
        entry.write_bytes(entry.read_bytes().replace(b"Annual review", b"Stale! review"))
    served = build_data_files_incremental(data, BuildCache(tmp_path / "cache", code="code-before-the-change"))
    assert any(b"Stale! review" in content for content in served.values() if isinstance(content, bytes))
    current = BuildCache(tmp_path / "cache", code="code-after-the-change")
    assert build_data_files_incremental(data, current) == render_data_files(load_library(data))
    assert current.hits == 0


def test_export_with_cache_writes_exactly_what_export_writes(data: Path, tmp_path: Path) -> None:
    def export(*options: str) -> dict[str, bytes]:
        out = tmp_path / "out"
        assert main(["--data", str(data), "export", "--out", str(out), *options]) == 0
        return snapshot_tree(out)

    cache = str(tmp_path / "cache")
    assert export("--cache", cache) == export()
    edit_one_policy(data)
    assert export("--cache", cache) == export()
