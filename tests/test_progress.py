"""Long builds show counted steps on a terminal, and nothing when the output is not a terminal."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generators.adapters.cli import main
from generators.build.progress import COSTS_HEADER, Progress

from .conftest import DATA, ROOT


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_counts_steps_and_policies_on_a_terminal() -> None:
    stream = _Terminal()
    progress = Progress(steps=2, stream=stream)
    progress.step("Loading")
    for done in range(1, 4):
        progress.count(done, 3, "policies")
    progress.step("Rendering")
    progress.done("Built")
    text = stream.getvalue()
    assert text.startswith("[1/2] Loading\n")
    assert "\r      3/3 policies\n" in text
    assert "[2/2] Rendering\n" in text
    assert text.splitlines()[-1].startswith("Built in ")


def test_progress_is_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(steps=2, stream=stream)
    progress.step("Loading")
    progress.count(1, 1, "policies")
    progress.done("Built")
    assert stream.getvalue() == ""


def test_export_piped_prints_only_its_result(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--data", str(DATA), "export", "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith("Wrote ")


def test_export_on_a_terminal_shows_counted_steps_on_stderr(tmp_path: Path) -> None:
    """Run the real command with its standard error on a pseudo-terminal."""
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "generators.adapters.cli", "--data", str(DATA), "export", "--out", str(tmp_path / "out")]
    chunks: list[bytes] = []

    def read_terminal() -> None:  # read while the command runs: a closed terminal drops what is unread
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the command has exited and closed its side
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=terminal, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False, timeout=120)
    os.close(terminal)
    reader.join(timeout=10)
    os.close(controller)
    shown = b"".join(chunks).decode("utf-8")
    assert done.returncode == 0
    assert "[1/1] Loading, validating and rendering" in shown
    assert "1/1 policies" in shown
    assert "Exported in" in shown
    assert b"[1/1]" not in done.stdout


def test_timings_give_each_steps_cost_even_when_not_a_terminal() -> None:
    """`policykb build --timings`: wall and CPU seconds and peak memory per step, for a log as well as a terminal."""
    stream = io.StringIO()
    progress = Progress(steps=2, stream=stream, timings=True)
    progress.step("Loading")
    sum(range(200_000))
    progress.step("Rendering")
    progress.done("Built")
    lines = stream.getvalue().splitlines()
    assert lines[0] == COSTS_HEADER
    assert [line.split(maxsplit=4)[4] for line in lines[1:]] == ["Loading", "Rendering"]
    assert [cost.step for cost in progress.costs] == ["Loading", "Rendering"]
    assert all(cost.wall_seconds >= 0 and cost.cpu_seconds >= 0 and cost.peak_mb > 0 for cost in progress.costs)
