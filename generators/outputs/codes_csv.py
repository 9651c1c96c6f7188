"""The codes as CSV, `api/v1/codes.csv`: an output format (`generators.outputs.registry`).

One row per stored revision and code (or ICD-10-CM range member) it lists, safe to open in a
spreadsheet program (`spreadsheet_safe`, a UTF-8 byte-order mark). A row's description is the
official one for ICD-10-CM, for CPT and HCPCS the one its revision prints. A policy's part is
its rows, serialised in a worker from the walk of its codes that the shards and the ValueSets
share (`code_index.policy_codes`); the file is the header and every policy's rows, in policy
order, written as they are (never joined in memory).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterator, Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from generators import urls
from generators.domain.code_index import ListedEntry, ListedRevision, PolicyCode, code_set_info, policy_codes
from generators.domain.lifecycle import PolicyTimeline
from generators.model import CodeSystem, Library, policy_sort_key

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext

CSV_COLUMNS = (
    "policy",
    "policy_title",
    "revision",
    "revision_status",
    "state",
    "window_start",
    "window_end",
    "window_start_basis",
    "system",
    "code",
    "description",
    "listed_as",
    "via_range",
    "flags",
    "statements",
    "code_set_release",
)

#: The first bytes of `codes.csv`: the UTF-8 byte-order mark, so that spreadsheet programs
#: read the file as UTF-8 (Excel takes a CSV without it for the system's legacy code page).
CSV_BOM = "\ufeff".encode("utf-8")
# What makes csv.writer (default dialect, QUOTE_MINIMAL) quote a field: the delimiter, the
# quote character and the line terminator's characters.
_CSV_QUOTED = re.compile(r'[,"\r\n]')
# A cell a spreadsheet program would read as a formula (OWASP, CSV injection): one starting
# with = + - @ TAB or CR; also one starting with quotes before those, so that the one quote
# `spreadsheet_safe` adds can always be taken off again (`spreadsheet_value`).
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
# Either of the two: the fields that the fast path of `_csv_fields` cannot write as they are.
_CSV_SPECIAL = re.compile(r"""[,"\r\n]|^'*[=+\-@\t]""")


def spreadsheet_safe(value: str) -> str:
    """`value` as a CSV cell that no spreadsheet program takes for a formula (OWASP's CSV injection advice).

    A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return, possibly after
    quotes (`'`), gets one quote in front: `=SUM(A1)` -> `'=SUM(A1)`, `'=x` -> `''=x`. Every
    other value is unchanged. `spreadsheet_value` undoes it.
    """
    return "'" + value if _FORMULA_START.match(value) else value


def spreadsheet_value(cell: str) -> str:
    """The data of a cell written by `spreadsheet_safe`: the added quote taken off again."""
    return cell[1:] if cell.startswith("'") and _FORMULA_START.match(cell, 1) else cell


def _csv_line(values: tuple[str, ...]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow([spreadsheet_safe(value) for value in values])
    return buffer.getvalue().encode("utf-8")


#: The first bytes of `codes.csv`: the byte-order mark and the header row.
CSV_HEADER = CSV_BOM + _csv_line(CSV_COLUMNS)


def _csv_field(value: str) -> str:
    """`value` as one cell of a row: made `spreadsheet_safe`, then quoted as `csv.writer` quotes (RFC 4180, only when needed)."""
    value = spreadsheet_safe(value)
    if _CSV_QUOTED.search(value) is None:
        return value
    return '"' + value.replace('"', '""') + '"'


def _csv_fields(values: tuple[str, ...]) -> str:
    """Several cells of a row (see `_csv_field`), each followed by the delimiter."""
    if not any(map(_CSV_SPECIAL.search, values)):  # the common case: every field is written as it is
        return ",".join(values) + ","
    return "".join(_csv_field(value) + "," for value in values)


@cache
def _icd_release_column() -> str:
    # Reading the package version from its metadata costs milliseconds: once per process.
    info = code_set_info()
    return f"{info.release} ({info.package} {info.package_version})"


def _csv_revision_columns(listed: ListedRevision) -> str:
    """The columns `policy` to `window_start_basis` of a revision's rows, each followed by the delimiter."""
    window = listed.window
    return _csv_fields(
        (
            listed.policy,
            listed.policy_title,
            listed.revision.key,
            listed.revision.status.value,
            listed.state.value,
            window.start.isoformat(),
            window.end.isoformat() if window.end else "",
            window.start_basis.value,
        )
    )


def _csv_entry_columns(entry: ListedEntry) -> str:
    """The columns `listed_as` to `statements` of an entry's rows, each followed by the delimiter."""
    return _csv_fields(
        (
            entry.listed_as,
            entry.via_range or "",
            ";".join([use.flag.value for use in entry.flags]) if entry.flags else "",
            ";".join([f"{s.number} {s.id}" for s in entry.statements]) if entry.statements else "",
        )
    )


def _csv_row_entries(entries: list[ListedEntry]) -> list[ListedEntry]:
    """The entry each revision's row of a code is made from: one per revision, oldest first.

    A revision can list a code more than once: by itself and inside a range (`C71.3` and
    `C71.0-C71.9`), inside two ranges, or as both ends of a CPT range (`0609T-0609T`). Its row
    comes from the entry that lists the code by itself, else from the first range in the
    table that holds it. (The code index shards keep every entry.)
    """
    chosen: dict[ListedRevision, ListedEntry] = {}
    for entry in entries:  # oldest revision first, in table order within a revision
        kept = chosen.get(entry.revision)
        if kept is None or (kept.via_range is not None and entry.via_range is None):
            chosen[entry.revision] = entry
    return list(chosen.values())


def csv_rows(codes: list[PolicyCode]) -> bytes:
    """One policy's rows of `codes.csv` (CRLF-terminated): one per revision and code, by revision, system, code (RFC 4180).

    `codes` are its `policy_codes`. A row's description is the official one for ICD-10-CM,
    else the one printed by the row's own revision. Each row is its revision's columns, its
    code's and its entry's, each serialised once.
    """
    icd_release = _csv_field(_icd_release_column()) + "\r\n"
    revision_columns: dict[ListedRevision, str] = {}
    entry_columns: dict[ListedEntry, str] = {}
    rows: dict[ListedRevision, list[str]] = {}
    for system, code, entries, description, _ in codes:
        official = system is CodeSystem.ICD10CM
        code_columns = _csv_fields((system.value, code, description)) if official else ""
        end = icd_release if official else "\r\n"
        for entry in _csv_row_entries(entries):
            listed = entry.revision
            head = revision_columns.get(listed)
            if head is None:
                head = revision_columns[listed] = _csv_revision_columns(listed)
                rows[listed] = []
            tail = entry_columns.get(entry)
            if tail is None:
                tail = entry_columns[entry] = _csv_entry_columns(entry)
            if not official:
                code_columns = _csv_fields((system.value, code, entry.listed_description))
            rows[listed].append(head + code_columns + tail + end)
    # Codes come by system and code, so each revision's rows are in the file's order already.
    return "".join(row for listed in sorted(rows, key=lambda listed: listed.revision.revision) for row in rows[listed]).encode("utf-8")


def iter_codes_csv(parts: Sequence[bytes], only: Collection[str] | None = None) -> Iterator[tuple[str, list[bytes]]]:
    """`codes.csv` from every policy's rows (in policy order), unless `only` leaves it out: the header and the rows as they are, not joined."""
    if only is None or urls.download_codes_csv() in only:
        yield urls.download_codes_csv(), [CSV_HEADER, *parts]


def render_codes_csv(library: Library, as_of: date) -> dict[str, bytes]:
    """`codes.csv` as of `as_of`, keyed by its path relative to the site root; the policies put in policy order."""
    rows = [csv_rows(policy_codes(PolicyTimeline(policy, as_of))) for policy in sorted(library.policies, key=lambda policy: policy_sort_key(policy.number))]
    return {path: b"".join(chunks) for path, chunks in iter_codes_csv(rows)}


class CodesCsvFormat:
    """The codes CSV as an output format.

    A policy has no file of its own here; its part is its rows (`csv_rows` of the shared
    `policy_codes`), bytes; the library file, `codes.csv`, is streamed (`iter_library_files`):
    about 50 KB a policy, never joined in memory.
    """

    name = "codes_csv"
    libraries = ("simple-icd-10-cm",)

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """None: the CSV combines policies."""
        return {}

    def policy_part(self, policy: PolicyInput) -> bytes:
        """Its rows of `codes.csv`."""
        return csv_rows(policy.once(policy_codes))

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """`codes.csv` (unless `only` leaves it out)."""
        return {path: b"".join(chunks) for path, chunks in iter_codes_csv(parts, only)}  # type: ignore[arg-type]

    def iter_library_files(self, parts: Sequence[object], site: SiteContext) -> Iterator[tuple[str, list[bytes]]]:
        """`codes.csv` as the header and every policy's rows, not joined: what the build writes."""
        return iter_codes_csv(parts)  # type: ignore[arg-type]

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        """`codes.csv`."""
        return (urls.download_codes_csv(),)
