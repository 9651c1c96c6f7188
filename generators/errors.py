"""Errors as data: every problem found in policy data is a located `Diagnostic`.

Loading and validation never stop at the first problem: they collect diagnostics and
raise one `PolicyDataError` carrying all of them, so an author fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    """How bad a diagnostic is: errors stop a build, warnings (lint) do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One located problem in the policy data.

    Attributes:
        file: The file the problem is in (relative to the data folder when possible).
        line: 1-based line in the file, when YAML gives one.
        column: 1-based column in the file, when YAML gives one.
        field_path: Dotted path of the field, e.g. `statements[1].criteria.one_of[0].label`.
        message: What was found and what is expected.
        code: A short stable identifier of the kind of problem, e.g. `yaml-syntax`.
        severity: `error` or `warning`.
    """

    file: str
    line: int | None = None
    column: int | None = None
    field_path: str = ""
    message: str = ""
    code: str = "invalid"
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def format(self) -> str:
        """Render as `file:line:column: severity: [field] message (code)`."""
        location = self.file
        if self.line is not None:
            location += f":{self.line}"
            if self.column is not None:
                location += f":{self.column}"
        where = f" {self.field_path}:" if self.field_path else ""
        return f"{location}: {self.severity.value}:{where} {self.message} [{self.code}]"

    def as_dict(self) -> dict[str, object]:
        """Serialise for JSON output (`policykb validate --format json`)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field_path": self.field_path,
            "message": self.message,
            "code": self.code,
            "severity": self.severity.value,
        }


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str, str, str]:
    """Order of diagnostics in reports: by file, line, column; a missing line sorts first."""
    return (diagnostic.file, diagnostic.line or 0, diagnostic.column or 0, diagnostic.field_path, diagnostic.code, diagnostic.message)


class PolicyKbError(Exception):
    """The root of every error policykb raises on purpose: catch this to catch them all."""


class PolicyDataError(PolicyKbError):
    """Raised when policy data is invalid; carries every diagnostic of the run."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def display_path(path: Path, root: Path | None = None) -> str:
    """A short, stable name for a file in messages: relative to `root` or the cwd."""
    # The folder is resolved, not the file: a file that is a link (even a looping one) keeps its own name.
    resolved = path.parent.resolve() / path.name
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def format_path(parts: tuple[str | int, ...]) -> str:
    """Turn a location tuple `('statements', 1, 'id')` into `statements[1].id`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
