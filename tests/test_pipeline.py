"""The build at scale: policy by policy, in worker processes, straight to disk, incremental.

Its promises: the same files as `render_outputs(load_library(...), AS_OF)`, whether rendered in one
process or several, cleanly or by updating the last build; only what changed is rendered
again; nothing stale is ever kept; bad data changes nothing.
"""

from __future__ import annotations

import errno
import marshal
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generators.build import cache as cache_module
from generators.build import pipeline as pipeline_module
from generators.build.assemble import OutputClashError, render_outputs
from generators.adapters.cli import main
from generators.errors import PolicyDataError
from generators.build.pipeline import BuildReport, _PartStore, build_tree, worker_start_method
from generators.load.validate import load_library

from .conftest import AS_OF

from .trees import ROOT, snapshot_tree, tree_differences

HAND_WRITTEN = ("lookup.md",)


@pytest.fixture(scope="module")
def pristine(synthetic_library: Callable[[int, int, int], Path]) -> Path:
    return synthetic_library(6, 3, 5)


@pytest.fixture
def data(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(pristine, copy)
    return copy


def expected_tree(data: Path) -> dict[str, bytes]:
    """What a build must write: every output of the library, as bytes."""
    outputs = render_outputs(load_library(data), AS_OF, HAND_WRITTEN)
    return {path: content.encode("utf-8") if isinstance(content, str) else content for path, content in outputs.items()}


def build(data: Path, out: Path, cache: Path | None = None, jobs: int = 2) -> BuildReport:
    return build_tree(data, out, as_of=AS_OF, hand_written=HAND_WRITTEN, jobs=jobs, cache_dir=cache)


def edit_one_policy(data: Path, marker: str = "Edited. ") -> Path:
    """Edit the description of the newest revision of the second policy; the file edited."""
    folder = sorted(p for p in data.iterdir() if p.is_dir())[1]
    revision = sorted((folder / "revisions").glob("*.yaml"))[-1]
    text = revision.read_text(encoding="utf-8")
    revision.write_text(text.replace("\ndescription:\n- ", f"\ndescription:\n- {marker}", 1), encoding="utf-8")
    return revision


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_clean_build_writes_exactly_every_output_of_the_library(data: Path, tmp_path: Path, jobs: int) -> None:
    report = build(data, tmp_path / "out", jobs=jobs)
    written = snapshot_tree(tmp_path / "out")
    assert tree_differences(written, expected_tree(data)) == []
    assert (report.files, report.rendered, report.incremental) == (len(written), 6, False)
    assert report.paths == tuple(sorted(written))


def test_after_editing_one_policy_only_it_is_rendered_and_the_tree_equals_a_clean_build(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    untouched = sorted(data.iterdir())[0].name
    index_before = (out / f"api/v1/policies/{untouched}.json").stat().st_mtime_ns
    edited = edit_one_policy(data)
    report = build(data, out, cache)
    assert (report.incremental, report.rendered, report.reused) == (True, 1, 5)
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []
    assert b"Edited. " in (out / f"api/v1/policies/{edited.parent.parent.name}/revisions/{edited.stem}.json").read_bytes()
    assert (out / f"api/v1/policies/{untouched}.json").stat().st_mtime_ns == index_before  # not rewritten


def _second_policy(data: Path) -> Path:
    return sorted(p for p in data.iterdir() if p.is_dir())[1]


def _newest_revision(data: Path) -> Path:
    return sorted((_second_policy(data) / "revisions").glob("*.yaml"))[-1]


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def retitle(data: Path) -> None:
    """The policy's title: its index row, the library pages and its feed entries change."""
    _replace_in(_second_policy(data) / "policy.yaml", "\ntitle: ", "\ntitle: Renamed ")


def reflag(data: Path) -> None:
    """A code's flag: its shard, the CSV rows and the FHIR file change."""
    revision = _newest_revision(data)
    text = revision.read_text(encoding="utf-8")
    codes = text.index("\ncodes:")
    flagged = text.index("      - NMN\n", codes)
    revision.write_text(text[:flagged] + "      - E/I\n" + text[flagged + len("      - NMN\n") :], encoding="utf-8")


def drop_codes(data: Path) -> None:
    """Every CPT code of the newest revision but the first: shards lose codes, some disappear."""
    revision = _newest_revision(data)
    text = revision.read_text(encoding="utf-8")
    start = text.index("\n  cpt:\n    entries:\n")
    first = text.index("\n    - code: ", start)
    second = text.index("\n    - code: ", first + 1)
    end = min(i for i in (text.find("\n  hcpcs:", start), text.find("\n  icd10cm:", start)) if i > 0)
    revision.write_text(text[:second] + text[end:], encoding="utf-8")


def resummarise(data: Path) -> None:
    """A summary of changes: the feed entries change, nothing else of the library."""
    _replace_in(_second_policy(data) / "policy.yaml", "    - Annual review.", "    - Annual review, reworded.")


@pytest.mark.parametrize("internal", [False, True], ids=["published (staged, swapped)", "internal (in place)"])
@pytest.mark.parametrize("edit", [retitle, reflag, drop_codes, resummarise, edit_one_policy])
def test_each_kind_of_edit_updates_exactly_the_files_a_clean_build_would_make(data: Path, tmp_path: Path, edit: Callable[[Path], object], internal: bool) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    edit(data)
    expected = expected_tree(data)
    before = snapshot_tree(out)
    report = build_tree(data, out, as_of=AS_OF, hand_written=HAND_WRITTEN, jobs=2, cache_dir=cache, internal=internal)
    assert (report.incremental, report.rendered) == (True, 1)
    assert tree_differences(snapshot_tree(out), expected) == []
    assert report.written == sum(1 for path, content in expected.items() if before.get(path) != content)
    assert report.removed == len(before.keys() - expected.keys())


def test_a_rebuild_with_nothing_changed_renders_and_writes_nothing(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    before = snapshot_tree(out)
    report = build(data, out, cache)
    assert (report.incremental, report.rendered, report.written, report.removed) == (True, 0, 0, 0)
    assert snapshot_tree(out) == before


def test_a_removed_policy_takes_its_files_with_it(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    gone = sorted(data.iterdir())[-1]
    shutil.rmtree(gone)
    build(data, out, cache)  # the set of policies changed: pages link to other policies, so all are rendered
    tree = snapshot_tree(out)
    assert tree_differences(tree, expected_tree(data)) == []
    assert not any(gone.name in path for path in tree)


def test_an_output_file_changed_by_hand_is_rendered_again(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    victim = sorted(out.glob("api/v1/policies/*/revisions/*.json"))[0]
    victim.write_bytes(b"{}")
    report = build(data, out, cache)
    assert (report.incremental, report.rendered) == (True, 1)  # the policy whose file it is
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []
    (out / "api/v1/index.json").unlink()  # a file that combines every policy: all are joined again
    report = build(data, out, cache)
    assert not report.incremental
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []


def _edit_keeping_size_and_time(path: Path) -> None:
    """Change one byte of `path` and put its modification time back, as a careful hand edit (or a tool) may."""
    status, content = path.stat(), path.read_bytes()
    index = content.index(b'"')
    path.write_bytes(content[:index] + b"'" + content[index + 1 :])
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size and path.stat().st_mtime_ns == status.st_mtime_ns


@pytest.mark.parametrize("victim", ["api/v1/policies/*/revisions/*.json", "api/v1/index.json"])
def test_an_output_file_edited_by_hand_keeping_its_size_and_time_is_repaired(data: Path, tmp_path: Path, victim: str) -> None:
    """Issue 17, item 5: a file's size and modification time can be put back; its change time (ctime) cannot."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    build(data, out, cache)  # the stamps of an incremental build hold too
    _edit_keeping_size_and_time(sorted(out.glob(victim))[0])
    build(data, out, cache)
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []
    report = build(data, out, cache)
    assert (report.incremental, report.rendered, report.written) == (True, 0, 0)  # and once repaired, nothing again


def test_files_added_by_hand_into_the_output_are_gone_after_an_incremental_build_as_after_a_clean_one(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    (out / "stray.html").write_text("added by hand\n", encoding="utf-8")
    (out / "api" / "v1" / "stray.json").write_text("{}\n", encoding="utf-8")
    edit_one_policy(data)
    report = build(data, out, cache)
    assert (report.incremental, report.rendered) == (True, 1)
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []


def test_a_failure_during_an_incremental_update_publishes_nothing(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    before = snapshot_tree(out)
    edit_one_policy(data)
    replaced: list[str] = []
    real_replace_file = pipeline_module.replace_file

    def disk_full_after_one_file(out_dir: Path, path: str, content: bytes, mtime_of: object = None) -> tuple[int, int]:
        if replaced:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out_dir / path))
        replaced.append(path)
        return real_replace_file(out_dir, path, content, mtime_of)

    monkeypatch.setattr(pipeline_module, "replace_file", disk_full_after_one_file)
    with pytest.raises(OSError):
        build(data, out, cache)
    assert replaced, "the update wrote no file before the failure"
    assert tree_differences(before, snapshot_tree(out)) == []  # not one file of the update is published
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "data", "out"]
    monkeypatch.undo()
    build(data, out, cache)
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []


def test_a_cached_part_that_is_not_what_was_stored_under_its_key_is_never_used(tmp_path: Path) -> None:
    store = _PartStore(tmp_path / "parts")
    first = (((-739617, 1, 1, 1), b"<entry>1.01.01</entry>"),), "2026-01-01T00:00:00Z"  # a feed part (`feed.feed_part`)
    second = (((-739617, 1, 1, 2), b"<entry>1.01.02</entry>"),), "2026-01-01T00:00:00Z"
    store.put("a" * 64, {"feed": first, "diffs": None})
    store.put("b" * 64, {"feed": second})
    assert (store.get("a" * 64, "feed"), store.get("a" * 64, "diffs")) == (first, None)
    assert store.get("a" * 64, "api") is pipeline_module._MISSING
    shutil.copyfile(store.path("a" * 64, "feed"), store.path("b" * 64, "feed"))  # a valid part, under another key
    assert store.get("b" * 64, "feed") is pipeline_module._MISSING
    shutil.copyfile(store.path("a" * 64, "diffs"), store.path("a" * 64, "api"))  # a valid part, of another format
    assert store.get("a" * 64, "api") is pipeline_module._MISSING
    damaged = bytearray(store.path("a" * 64, "feed").read_bytes())
    damaged[-1] ^= 1
    store.path("a" * 64, "feed").write_bytes(bytes(damaged))
    assert store.get("a" * 64, "feed") is pipeline_module._MISSING


def test_invalid_data_is_reported_in_full_and_changes_nothing(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    before = snapshot_tree(out)
    states = snapshot_tree(cache / "states")
    edited = edit_one_policy(data)
    edited.write_text(edited.read_text(encoding="utf-8").replace("\nstatus: ", "\nstatus: maybe-", 1), encoding="utf-8")
    for jobs, caching in ((2, cache), (2, None), (1, None)):
        with pytest.raises(PolicyDataError) as raised:
            build(data, out, caching, jobs=jobs)
        problems = raised.value.diagnostics
        assert [(d.file, d.field_path, d.code) for d in problems] == [(f"data/{edited.parent.parent.name}/revisions/{edited.name}", "status", "not-in-closed-set")]
        assert problems[0].line is not None
        assert snapshot_tree(out) == before
    assert snapshot_tree(cache / "states") == states


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("extra_path", ["index.md", "api/v1/codes.csv"])
def test_an_extra_file_on_a_generated_path_is_refused_and_changes_nothing(data: Path, tmp_path: Path, jobs: int, extra_path: str) -> None:
    """A hand-written file never silently replaces a library file, from either half of them (listing pages, downloads)."""
    out = tmp_path / "out"
    build(data, out)
    before = snapshot_tree(out)
    with pytest.raises(OutputClashError, match=re.escape(extra_path)):
        build_tree(data, out, as_of=AS_OF, hand_written=HAND_WRITTEN, jobs=jobs, extra_files={extra_path: b"hand-written"})
    assert snapshot_tree(out) == before


def test_problems_of_several_policies_come_in_folder_order_from_the_workers(data: Path, tmp_path: Path) -> None:
    folders = sorted(p for p in data.iterdir() if p.is_dir())
    for folder in (folders[4], folders[1]):
        (folder / "policy.yaml").write_text("number: [\n", encoding="utf-8")
    with pytest.raises(PolicyDataError) as raised:
        build(data, tmp_path / "out", jobs=2)
    assert [d.file for d in raised.value.diagnostics] == [f"data/{folders[1].name}/policy.yaml", f"data/{folders[4].name}/policy.yaml"]
    assert not (tmp_path / "out").exists()


def poison_kept_parts(cache: Path, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (as long) in every policy's kept parts, sealed again as the build seals them."""
    for path in (cache / "parts").rglob("*.marshal"):
        stored_format, _, payload = marshal.loads(path.read_bytes())
        payload = payload.replace(old, new)
        key, name = path.name.split(".")[:2]
        path.write_bytes(marshal.dumps((stored_format, pipeline_module._seal(key, name, payload), payload)))


def test_a_state_made_by_other_code_is_never_used(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    # Poison every kept index row (sealed again, as this code would have written it): served
    # as it is, it would show in index.json.
    poison_kept_parts(cache, b"Annual review", b"Stale! review")
    edit_one_policy(data)
    poisoned = build(data, out, cache)
    assert poisoned.incremental  # the poison is read under the same code: this test can fail
    assert b"Stale! review" in b"".join(snapshot_tree(out).values())
    # The same poisoned state and parts under another code version are never looked at.
    poison_kept_parts(cache, b"Annual review", b"Stale! review")
    monkeypatch.setattr(cache_module, "_own_code_version", lambda: "the code after a change")
    report = build(data, out, cache)
    assert not report.incremental
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []


def test_two_output_folders_can_share_one_cache(data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(data, tmp_path / "one", cache)
    build(data, tmp_path / "two", cache)  # a clean build of another folder leaves the first one's parts alone
    edit_one_policy(data)
    for out in (tmp_path / "one", tmp_path / "two"):
        report = build(data, out, cache)
        assert (report.incremental, report.rendered) == (True, 1)
        assert tree_differences(snapshot_tree(out), expected_tree(data)) == []


def test_a_corrupt_state_means_a_clean_build(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    (state,) = (cache / "states").iterdir()
    state.write_bytes(state.read_bytes()[:1000])
    report = build(data, out, cache)
    assert not report.incremental
    assert tree_differences(snapshot_tree(out), expected_tree(data)) == []


def test_cache_keys_are_the_same_in_every_process() -> None:
    """A key computed in one process must be found by the next (it once held a memory address)."""
    script = "from pathlib import Path; from generators.build.cache import BuildCache; print(BuildCache().prefix)"
    prefixes = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(prefixes) == 1


def test_policykb_pages_with_cache_writes_what_it_writes_without(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def pages(out: Path, *options: str) -> dict[str, bytes]:
        assert main(["--data", str(data), "pages", "--out", str(out), "--with-content", str(ROOT / "content"), *options]) == 0
        return snapshot_tree(out)

    cache = str(tmp_path / "cache")
    assert pages(tmp_path / "kept", "--cache", cache) == pages(tmp_path / "clean")
    edit_one_policy(data)
    capsys.readouterr()
    with_cache = pages(tmp_path / "kept", "--cache", cache, "--jobs", "2")
    assert "rendered 1 changed policy again and kept 5" in capsys.readouterr().out
    assert with_cache == pages(tmp_path / "clean", "--jobs", "1")


def test_export_writes_only_the_data_files(data: Path, tmp_path: Path) -> None:
    assert main(["--data", str(data), "export", "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat()]) == 0
    exported = snapshot_tree(tmp_path / "out")
    everything = expected_tree(data)
    assert exported == {path: content for path, content in everything.items() if path.startswith("api/") or path == "feed.xml"}


@contextmanager
def another_thread_running() -> Iterator[None]:
    """A second thread alive for the duration, as `mkdocs serve`'s server and watcher are."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_workers_are_forked_only_while_no_other_thread_runs() -> None:
    # A fresh process runs one thread (this one may not: the session's site server runs in one).
    alone = subprocess.run([sys.executable, "-c", "from generators.build.pipeline import worker_start_method; print(worker_start_method())"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert alone.stdout.strip() == "fork"
    with another_thread_running():
        assert worker_start_method() == "forkserver"


def test_a_build_while_other_threads_run_writes_the_same_files(data: Path, tmp_path: Path) -> None:
    """Under `mkdocs serve` a clean build starts its workers from a fork server: the same bytes, progress reported."""
    build(data, tmp_path / "forked")
    progress: list[tuple[int, int]] = []
    with another_thread_running():
        build_tree(data, tmp_path / "served", as_of=AS_OF, hand_written=HAND_WRITTEN, jobs=2, on_policy=lambda done, total: progress.append((done, total)))
    assert snapshot_tree(tmp_path / "served") == snapshot_tree(tmp_path / "forked")
    assert progress[-1] == (6, 6)
