"""Progress of long builds on a terminal: counted steps and a policy counter, on standard error.

A build of a thousand policies takes a while; a person at a terminal should see that it is
moving and what it is doing. A program reading the output (CI, a pipe, a log file) should
not get control characters and half-lines, so progress is written only when the stream is a
terminal (`isatty()`), and never to standard output, which carries the command's result.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Progress:
    """Counted steps (`[2/4] Rendering pages`) and a counter within a step, on a terminal only.

    Attributes:
        steps: How many steps the whole task has.
        stream: Where progress goes; standard error when None.
        enabled: Whether to write at all; by default, when `stream` is a terminal.
    """

    steps: int
    stream: TextIO | None = None
    enabled: bool | None = None
    _step: int = 0
    _started: float = field(default_factory=time.perf_counter)
    _last_count: float = 0.0

    def __post_init__(self) -> None:
        if self.stream is None:
            self.stream = sys.stderr
        if self.enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            self.enabled = bool(isatty and isatty())

    def step(self, message: str) -> None:
        """Start the next step and say what it does."""
        self._step += 1
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
        """Close the task with a line saying how long it took."""
        self._write(f"{message} in {time.perf_counter() - self._started:.1f} s\n")

    def _write(self, text: str) -> None:
        if not self.enabled or self.stream is None:
            return
        self.stream.write(text)
        self.stream.flush()
