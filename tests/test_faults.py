"""A build killed at any point leaves the previous output or the new one, whole; the next build cleans up.

The fault-injection helper: `killed_at(point, ...)` runs `policykb` in a subprocess with
`$POLICYKB_FAULT` naming a point of `generators/build/write.py` (`write.fault_point`); the process
ends there at once, as `kill -9` would end it, with no clean-up. Then the test checks what
is left, and what the next build makes of it. Also here: the lock of the output folder
(one build at a time) and Ctrl-C (a build ends within seconds).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.adapters.entry import run
from generators.build.safety import folder_lock
from generators.build.write import FAULT_EXIT, FAULT_VARIABLE, OUTPUT_MARKER

from .conftest import DATA
from .trees import ROOT, run_policykb, snapshot_tree, tree_differences


def killed_at(point: str, *args: str | Path, exchange: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `policykb *args` in a subprocess that ends at the fault point `point`, as a kill would.

    With `exchange=False` the swap is made as where `renameat2` is not available (two renames).
    """
    env = {**os.environ, FAULT_VARIABLE: point, "NO_MKDOCS_2_WARNING": "1"}
    script = "import sys, generators.build.write as w\n" + ("" if exchange else "w._renameat2 = None\n") + "from generators.adapters.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    result = subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == FAULT_EXIT, f"the build did not reach the fault point {point!r}:\n{result.stderr}"
    return result


def beside(out: Path) -> list[str]:
    """The names in the folder of `out`."""
    return sorted(path.name for path in out.parent.iterdir())


@pytest.fixture
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "policy_data"
    shutil.copytree(DATA, copy)
    return copy


def edit_title(data: Path, words: str = "Edited") -> None:
    revision = data / "6.01.03" / "revisions" / "2026-01-22.yaml"
    text = revision.read_text(encoding="utf-8")
    revision.write_text(text.replace("\ntitle: ", f"\ntitle: {words} ", 1), encoding="utf-8")


def exported_anew(data: Path) -> dict[str, bytes]:
    """What an export of `data` into a new folder writes."""
    fresh = data.parent / "fresh"
    assert run_policykb("--data", data, "export", "--out", fresh).returncode == 0
    tree = snapshot_tree(fresh)
    shutil.rmtree(fresh)
    assert tree != {}
    return tree


@pytest.fixture
def exported(data: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A first export into `out/` (the previous output), then an edit of the data; the folder and its files."""
    out = tmp_path / "out"
    assert run_policykb("--data", data, "export", "--out", out).returncode == 0
    edit_title(data)
    return out, snapshot_tree(out)


def test_killed_before_the_swap_the_previous_output_is_whole_and_the_next_build_cleans_up(data: Path, exported: tuple[Path, dict[str, bytes]]) -> None:
    out, before = exported
    killed_at("before-swap", "--data", data, "export", "--out", out)
    assert tree_differences(before, snapshot_tree(out)) == []
    left = [name for name in beside(out) if name.startswith(".out.new-")]
    assert len(left) == 1, beside(out)
    assert run_policykb("--data", data, "export", "--out", out).returncode == 0
    assert tree_differences(snapshot_tree(out), exported_anew(data)) == []
    assert beside(out) == ["out", "policy_data"]  # the dead build's staging folder and lock are gone


def test_killed_just_after_the_swap_the_new_output_is_whole(data: Path, exported: tuple[Path, dict[str, bytes]]) -> None:
    out, before = exported
    killed_at("after-swap", "--data", data, "export", "--out", out)
    assert tree_differences(snapshot_tree(out), exported_anew(data)) == [] and (out / OUTPUT_MARKER).is_file()
    old = [name for name in beside(out) if name.startswith(".out.new-")]
    assert len(old) == 1 and snapshot_tree(out.parent / old[0]) == before  # the old tree, to be removed
    assert run_policykb("--data", data, "export", "--out", out).returncode == 0
    assert beside(out) == ["out", "policy_data"]


def test_killed_between_the_two_renames_of_a_swap_without_exchange_the_next_build_puts_the_old_output_back(
    data: Path, exported: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = exported
    killed_at("between-renames", "--data", data, "export", "--out", out, exchange=False)
    assert not out.exists()
    old = [name for name in beside(out) if name.startswith(".out.old-")]
    assert len(old) == 1 and snapshot_tree(out.parent / old[0]) == before
    # The next build, even one that fails on invalid data, first puts the old output back.
    revision = data / "6.01.03" / "revisions" / "2026-01-22.yaml"
    good = revision.read_text(encoding="utf-8")
    revision.write_text(good.replace("determination: investigational", "determination: maybe"), encoding="utf-8")
    assert run_policykb("--data", data, "export", "--out", out).returncode == 1
    assert tree_differences(before, snapshot_tree(out)) == []
    assert beside(out) == ["out", "policy_data"]


@pytest.fixture
def library(synthetic_library: Callable[[int, int, int], Path], tmp_path: Path) -> Path:
    copy = tmp_path / "library"
    shutil.copytree(synthetic_library(6, 3, 5), copy)
    return copy


def test_killed_between_two_files_of_an_incremental_update_nothing_of_it_is_published(library: Path, tmp_path: Path) -> None:
    out, cache, clean = tmp_path / "out", tmp_path / "cache", tmp_path / "clean"
    assert run_policykb("--data", library, "export", "--out", out, "--cache", cache).returncode == 0
    before = snapshot_tree(out)
    folder = sorted(p for p in library.iterdir() if p.is_dir())[1]
    revision = sorted((folder / "revisions").glob("*.yaml"))[-1]
    revision.write_text(revision.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Edited ", 1), encoding="utf-8")
    killed_at("mid-update", "--data", library, "export", "--out", out, "--cache", cache)
    assert tree_differences(before, snapshot_tree(out)) == []  # no mix of old and new files
    again = run_policykb("--data", library, "export", "--out", out, "--cache", cache)
    assert again.returncode == 0, again.stderr
    assert run_policykb("--data", library, "export", "--out", clean).returncode == 0
    assert tree_differences(snapshot_tree(out), snapshot_tree(clean)) == []
    assert not [name for name in beside(out) if name.startswith((".out.", ".cache."))]


def test_a_second_build_into_a_locked_folder_is_refused_at_once_naming_the_holder(data: Path, exported: tuple[Path, dict[str, bytes]]) -> None:
    out, before = exported
    with folder_lock(out):
        started = time.monotonic()
        second = run_policykb("--data", data, "export", "--out", out)
        assert time.monotonic() - started < 60
    assert second.returncode == 4
    assert second.stderr.count("\n") == 1 and f"another policykb build (pid {os.getpid()}) is writing it" in second.stderr
    assert tree_differences(before, snapshot_tree(out)) == []
    assert beside(out) == ["out", "policy_data"]


def test_ctrl_c_ends_a_build_within_seconds_and_leaves_the_previous_output(synthetic_library: Callable[[int, int, int], Path], tmp_path: Path) -> None:
    data = synthetic_library(40, 3, 7)
    out = tmp_path / "out"
    assert run_policykb("--data", DATA, "export", "--out", out).returncode == 0
    before = snapshot_tree(out)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "generators.adapters.cli", "--data", str(data), "export", "--out", str(out), "--jobs", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not any(name.startswith(".out.new-") for name in beside(out)) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are rendering
    if process.poll() is not None:
        pytest.skip("the build ended before it could be interrupted")
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    interrupted = time.monotonic()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError("the build did not end within 20 s of Ctrl-C") from None
    assert time.monotonic() - interrupted < 10
    assert process.returncode == 130, err
    assert "Traceback" not in err and f"policykb: interrupted; {out}/ was left as it was" in err
    assert tree_differences(before, snapshot_tree(out)) == []
    assert beside(out) == ["out"]


class _InterruptedImport:
    """A finder that raises KeyboardInterrupt when the command's module is imported: Ctrl-C while it loads."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "generators.adapters.cli":
            raise KeyboardInterrupt


def test_ctrl_c_while_the_command_is_still_loading_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delitem(sys.modules, "generators.adapters.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        run()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "policykb: interrupted\n"
