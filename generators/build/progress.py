"""Progress of long builds on a terminal: counted steps and a policy counter, on standard error.

A build of a thousand policies takes a while; a person at a terminal should see that it is
moving and what it is doing. A program reading the output (CI, a pipe, a log file) should
not get control characters and half-lines, so progress is written only when the stream is a
terminal (`isatty()`), and never to standard output, which carries the command's result.

Asked for (`policykb build --timings`), the steps' costs are written at the end whatever the
stream is: each step's wall time, CPU time (user and system, of this process and of its
finished child processes: the workers, MkDocs, Pagefind) and this process's peak memory
(`StepCost`). CPU time says more than wall time on a machine shared with other work. The
memory of the child processes is not given: Linux carries a parent's peak over into the peak
of a child it starts (`ru_maxrss`), so it cannot be told from the child's own without watching
the processes (`benchmarks/run.py` samples `/proc`).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class StepCost:
    """What one step of a task cost.

    Attributes:
        step: The step's message.
        wall_seconds: Time on the clock.
        cpu_seconds: User and system CPU time of this process and of the child processes that
            ended during the step (a child still running is counted in the step it ends in).
        system_seconds: The system (kernel) share of `cpu_seconds`: creating, linking, removing files.
        peak_mb: The peak resident memory of this process so far (MB).
    """

    step: str
    wall_seconds: float
    cpu_seconds: float
    system_seconds: float
    peak_mb: int

    def format(self) -> str:
        """One line of the table `Progress.done` writes."""
        return f"{self.wall_seconds:8.1f} {self.cpu_seconds:8.1f} {self.system_seconds:8.1f} {self.peak_mb:8}  {self.step}"


#: The header of the table of step costs.
COSTS_HEADER = f"{'wall s':>8} {'CPU s':>8} {'sys s':>8} {'peak MB':>8}  step"


def peak_memory_mb() -> int:
    """This process's peak resident memory (MB): `VmHWM`, which starts afresh at `exec` (`ru_maxrss` may carry a parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:  # not Linux
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


@dataclass
class Progress:
    """Counted steps (`[2/4] Rendering pages`) and a counter within a step, on a terminal only.

    Attributes:
        steps: How many steps the whole task has.
        stream: Where progress goes; standard error when None.
        enabled: Whether to write at all; by default, when `stream` is a terminal.
        timings: Record what each step costs (`costs`) and write the table at the end, terminal or not.
        costs: The cost of each step finished so far.
    """

    steps: int
    stream: TextIO | None = None
    enabled: bool | None = None
    timings: bool = False
    costs: list[StepCost] = field(default_factory=list)
    _step: int = 0
    _started: float = field(default_factory=time.perf_counter)
    _last_count: float = 0.0
    _open: tuple[str, float, os.times_result] | None = None

    def __post_init__(self) -> None:
        if self.stream is None:
            self.stream = sys.stderr
        if self.enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            self.enabled = bool(isatty and isatty())

    def step(self, message: str) -> None:
        """Start the next step and say what it does."""
        self._close_step()
        self._step += 1
        self._open = (message, time.perf_counter(), os.times())
        self._write(f"[{self._step}/{self.steps}] {message}\n")

    def count(self, done: int, total: int, what: str) -> None:
        """Say how far the current step is (`412/1000 policies`), rewriting one line.

        Written at most ten times a second, and always for the last item, so a fast step
        costs nothing and a slow one still moves.
        """
        now = time.perf_counter()
        if done < total and now - self._last_count < 0.1:
            return
        self._last_count = now
        end = "\n" if done >= total else ""
        self._write(f"\r      {done}/{total} {what}{end}")

    def done(self, message: str) -> None:
        """Close the task with a line saying how long it took (and, with `timings`, the table of step costs)."""
        self._close_step()
        self._write(f"{message} in {time.perf_counter() - self._started:.1f} s\n")
        if self.timings and self.stream is not None:
            self.stream.write("\n".join([COSTS_HEADER, *(cost.format() for cost in self.costs)]) + "\n")
            self.stream.flush()

    def _close_step(self) -> None:
        if self._open is None or not self.timings:
            return
        message, started, before = self._open
        after = os.times()
        user = after.user - before.user + after.children_user - before.children_user
        system = after.system - before.system + after.children_system - before.children_system
        self.costs.append(StepCost(message, round(time.perf_counter() - started, 2), round(user + system, 2), round(system, 2), peak_memory_mb()))
        self._open = None

    def _write(self, text: str) -> None:
        if not self.enabled or self.stream is None:
            return
        self.stream.write(text)
        self.stream.flush()
