"""Shared fixtures: the repository's data, loaded once, and helpers to break copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.model import Library
from generators.validate import load_library

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "policy_data"
#: The published text of 6.01.03, kept beside its data; the shared copy is the original.
SOURCE = DATA / "6.01.03" / "source" / "2026-01-22.txt"
SHARED_SOURCE = ROOT.parent / "shared" / "source" / "6.01.03-magnetic-resonance-spectroscopy.txt"


@pytest.fixture(scope="session")
def library() -> Library:
    """The knowledge base as committed."""
    return load_library(DATA)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of policy_data to break."""
    target = tmp_path / "policy_data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def edit(data_copy: Path) -> Callable[[str, str, str], Path]:
    """Replace `old` by `new` (exactly once) in a file of the data copy."""

    def apply(relative: str, old: str, new: str) -> Path:
        path = data_copy / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    return apply


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After the run, say how much of the bad-input corpus was exercised and rejected."""
    from .corpus_support import RESULTS, load_cases

    if not RESULTS:
        return
    total = len(load_cases())
    kinds = sorted({kind for kind, _ in RESULTS.values()})
    codes = sorted({code for _, code in RESULTS.values()})
    terminalreporter.write_sep("-", "bad-input corpus")
    terminalreporter.write_line(
        f"{len(RESULTS)} of {total} broken inputs rejected as expected; "
        f"{len(kinds)} kinds of broken input, {len(codes)} distinct error codes"
    )
    terminalreporter.write_line(f"error codes: {', '.join(codes)}")
