"""The bad-input corpus of `tests/corpus/cases.yaml`: how a case breaks a copy of the data.

Kept apart from the test module so the session summary (tests/conftest.py) and other tests
can use the same cases.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generators.load.yaml_files import MAX_FILE_BYTES

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES_FILE = CORPUS / "cases.yaml"
FILES = CORPUS / "files"


@dataclass(frozen=True)
class Expected:
    """The diagnostic a case must produce."""

    code: str
    file: str
    line: int | None
    field: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One broken input: which file it breaks, how, and the error it must produce."""

    name: str
    kind: str
    target: str
    how: dict[str, Any] = field(hash=False)
    expected: Expected

    def apply(self, data: Path) -> None:
        """Break the copy of the data under `data` as this case says."""
        path = data / self.target
        if "copy_folder" in self.how:
            shutil.copytree(data / self.how["copy_folder"], path)
            return
        if "make" in self.how:
            self._make(path, self.how["make"])
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if "replace" in self.how:
            text = path.read_text(encoding="utf-8")
            old, new = self.how["replace"], self.how["with"]
            if text.count(old) != 1:
                raise AssertionError(f"case {self.name}: {old!r} occurs {text.count(old)} times in {self.target}")
            path.write_text(text.replace(old, new), encoding="utf-8")
        elif "append" in self.how:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(self.how["append"])
        elif "file_from" in self.how:
            path.write_bytes((FILES / self.how["file_from"]).read_bytes())
        elif self.how.get("delete"):
            path.unlink()
        elif self.how.get("generate") == "huge-file":
            # Valid YAML all the way: only the size is wrong, so nothing else can reject it.
            line = b"# " + b"x" * 97 + b"\n"
            path.write_bytes(path.read_bytes() + line * (MAX_FILE_BYTES // len(line) + 1))
        elif self.how.get("generate") == "too-many-statements":
            # 400 statements more than the file has, before its own (only the count is checked first).
            extra = "".join(f"  - id: extra-{i}\n    number: I\n    determination: investigational\n    text: Extra {i}.\n" for i in range(400))
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("\nstatements:\n", "\nstatements:\n" + extra, 1), encoding="utf-8")
        elif self.how.get("generate") == "utf-16":
            path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
        else:
            raise AssertionError(f"case {self.name}: no way of breaking the file given")


    @staticmethod
    def _make(path: Path, kind: str) -> None:
        """Put something other than a regular file at `path` (replacing the file there)."""
        if path.exists() or path.is_symlink():
            path.unlink()
        if kind == "directory":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "dangling-symlink":
            path.symlink_to(path.parent / "no-such-file.yaml")
        elif kind == "self-symlink":
            path.symlink_to(path.name)
        elif kind.startswith("symlink-to:"):
            path.symlink_to(kind.removeprefix("symlink-to:"))
        else:
            raise AssertionError(f"unknown kind of file to make: {kind}")


def load_cases() -> list[Case]:
    """Every case of the corpus, in file order."""
    raw = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    cases = []
    for entry in raw:
        expect = entry["expect"]
        how = {k: v for k, v in entry.items() if k not in {"case", "kind", "in", "expect"}}
        cases.append(
            Case(
                name=entry["case"],
                kind=entry["kind"],
                target=entry["in"],
                how=how,
                expected=Expected(
                    code=expect["code"],
                    file="policy_data/" + expect.get("file", entry["in"]),
                    line=expect["line"],
                    field=expect["field"],
                    words=tuple(expect["words"]),
                ),
            )
        )
    return cases


#: Cases that passed in this test session: name -> (kind, diagnostic code); read by the
#: session summary in tests/conftest.py.
RESULTS: dict[str, tuple[str, str]] = {}
