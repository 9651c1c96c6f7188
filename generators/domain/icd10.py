"""The official ICD-10-CM code set (CDC), through the `simple-icd-10-cm` package.

The package ships one release of the code set (`CODE_SET_RELEASE`); it is recorded in the
exports so a downstream system knows which release a range was expanded against.

- `is_code(code)`: the code exists in the code set (billable or a header);
- `is_billable(code)`: the code is a leaf, i.e. can be billed;
- `expand_range(start, end)`: the billable codes from `start` to `end` inclusive, in
  tabular order; the end's own descendants are included when the end is a header;
  `range_size(start, end)` counts them without building them.

The package parses its XML when imported (about 1.7 s), and every process that validates a
policy asks the code set. So what we use of it is kept in a **snapshot**: the codes in
tabular order, which are billable, and their official descriptions. It is built from the
package once and stored as a `marshal` file of plain values (no code runs when it is read),
`<cache>/simple-icd-10-cm-<version>.snapshot<SNAPSHOT_FORMAT>.marshal`, in the first of:
`$POLICYKB_CODESET_CACHE`, `$XDG_CACHE_HOME/policykb`, `~/.cache/policykb`. Reading it takes
about 0.05 s. The package version and `SNAPSHOT_FORMAT` are in the file name and in the file,
so another package release or format never reads an old snapshot. A missing, corrupt or
foreign snapshot is rebuilt from the package; a folder that cannot be written only means the
snapshot is rebuilt in memory by each process.

A header's descendants are not stored: in ICD-10-CM they are exactly the codes that follow it
in tabular order and start with its code (`tests/test_icd10_snapshot.py` checks this over
the whole code set). `description` and `billable_under` of anything that is not a code of the
snapshot (a code written without its dot, a chapter, a block, an unknown code) are answered by
the package itself, imported for the purpose, as before: an unknown code raises `ValueError`.
"""

from __future__ import annotations

import marshal
import os
import warnings
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from itertools import accumulate
from pathlib import Path
from types import ModuleType

from generators.errors import PolicyKbError
from generators.build.write import write_file_atomically

PACKAGE = "simple-icd-10-cm"
#: The release of the code set that the installed package ships (see its data folder).
CODE_SET_RELEASE = "ICD-10-CM April 1, 2026 (FY2026 update)"
#: The layout of the snapshot file; raise it whenever what is stored changes.
SNAPSHOT_FORMAT = 2
#: Overrides the folder of the snapshot (the tests point it at a temporary folder).
CACHE_VARIABLE = "POLICYKB_CODESET_CACHE"
# The file starts with this tag and the CRC-32 of the marshalled payload: a truncated or
# damaged file is refused before marshal reads it.
_MAGIC = b"policykb icd10cm snapshot\n"


@dataclass(frozen=True)
class IcdCode:
    """A billable ICD-10-CM code and its official description."""

    code: str
    description: str


class RangeError(PolicyKbError, ValueError):
    """A range whose ends are unknown or out of order in the code set."""


@dataclass(frozen=True)
class CodeSetSnapshot:
    """What policykb uses of the code set, in tabular order.

    Attributes:
        codes: the codes and categories, as the package lists them in tabular order (a block
            named like its only category, e.g. `B20`, is listed before it under the same name).
        position: each code's position in `codes` (the last one for a name listed twice).
        billable: one byte per position, 1 where the code is a leaf.
        descriptions: the official descriptions, UTF-8, one after the other in tabular order.
        description_ends: where each description ends in `descriptions` (`[0]` is 0).
    """

    codes: list[str]
    position: dict[str, int]
    billable: bytes
    descriptions: bytes
    description_ends: tuple[int, ...]

    def description_at(self, index: int) -> str:
        """The official description of the code at position `index`."""
        return self.descriptions[self.description_ends[index] : self.description_ends[index + 1]].decode("utf-8")

    def descendants_end(self, index: int) -> int:
        """The position just after the last descendant of the code at position `index`."""
        codes, header = self.codes, self.codes[index]
        end = index + 1
        while end < len(codes) and codes[end].startswith(header):
            end += 1
        return end


def package_version() -> str:
    """The installed version of the code-set package."""
    return metadata.version(PACKAGE)


def snapshot_path() -> Path | None:
    """Where the snapshot of the installed package is kept; None when no folder can be named."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        folder = Path(configured)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        try:
            # The XDG spec says to ignore a relative XDG_CACHE_HOME.
            folder = (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "policykb"
        except RuntimeError:  # no home folder to be found
            return None
    return folder / f"{PACKAGE}-{package_version()}.snapshot{SNAPSHOT_FORMAT}.marshal"


def load_snapshot() -> CodeSetSnapshot:
    """The snapshot, read from its file, or built from the package (and stored) if need be."""
    path = snapshot_path()
    version = package_version()
    stored = _read_snapshot(path, version) if path is not None else None
    if stored is not None:
        return stored
    payload = _payload_from_package(version)
    if path is not None:
        body = marshal.dumps(payload)
        try:
            write_file_atomically(path, _MAGIC + zlib.crc32(body).to_bytes(4, "big") + body)
        except OSError:
            pass  # an unwritable cache only costs time: the next process builds it again
    snapshot = _snapshot_from_payload(payload, version)
    assert snapshot is not None, "a snapshot built from the package is always well formed"
    return snapshot


def _read_snapshot(path: Path, version: str) -> CodeSetSnapshot | None:
    try:
        content = path.read_bytes()
    except OSError:  # missing, unreadable, or a folder
        return None
    header = len(_MAGIC) + 4
    body = memoryview(content)[header:]
    if content[: len(_MAGIC)] != _MAGIC or content[len(_MAGIC) : header] != zlib.crc32(body).to_bytes(4, "big"):
        return None
    try:
        payload = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    return _snapshot_from_payload(payload, version)


def _payload_from_package(version: str) -> tuple[object, ...]:
    return (SNAPSHOT_FORMAT, PACKAGE, version, *_content_from_package())


@cache
def _content_from_package() -> tuple[str, bytes, bytes, tuple[int, ...]]:
    # Cached: a process that must rebuild the snapshot more than once walks the package once.
    cm = _package()
    # The package lists a block named like its only category (B20, F99, ...) as well as the
    # category: the same code twice, which a range crossing it would list twice. Once is right.
    codes = list(dict.fromkeys(c for c in cm.get_all_codes(True) if _is_code_like(c)))
    descriptions = [str(cm.get_description(c)).encode("utf-8") for c in codes]
    billable = bytes(bool(cm.is_leaf(c)) for c in codes)
    ends = tuple(accumulate(map(len, descriptions), initial=0))
    return "\n".join(codes), billable, b"".join(descriptions), ends


def _snapshot_from_payload(payload: object, version: str) -> CodeSetSnapshot | None:
    """The snapshot a payload holds, or None if it is not one of this format and package version."""
    if not (isinstance(payload, tuple) and len(payload) == 7 and payload[:3] == (SNAPSHOT_FORMAT, PACKAGE, version)):
        return None
    codes_text, billable, descriptions, ends = payload[3:]
    if not (isinstance(codes_text, str) and isinstance(billable, bytes) and isinstance(descriptions, bytes) and isinstance(ends, tuple)):
        return None
    codes = codes_text.split("\n")
    if not (len(billable) == len(codes) and len(ends) == len(codes) + 1 and ends[0] == 0 and ends[-1] == len(descriptions)):
        return None
    return CodeSetSnapshot(codes, dict(zip(codes, range(len(codes)))), billable, descriptions, ends)


@cache
def _snapshot() -> CodeSetSnapshot:
    return load_snapshot()


@cache
def _package() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def _is_code_like(item: str) -> bool:
    # Chapters are numbers ("1") and blocks are ranges ("A00-A09"): neither is a code.
    return item[:1].isalpha() and "-" not in item


@cache
def billable_codes() -> tuple[str, ...]:
    """Every billable code of the code set, in tabular order."""
    snapshot = _snapshot()
    return tuple(code for code, leaf in zip(snapshot.codes, snapshot.billable) if leaf)


def is_code(code: str) -> bool:
    """True when `code` (written with its dot) is a category or code of ICD-10-CM."""
    return code in _snapshot().position


def is_billable(code: str) -> bool:
    """True when `code` is a leaf of the code set, i.e. a billable code."""
    snapshot = _snapshot()
    index = snapshot.position.get(code)
    return index is not None and bool(snapshot.billable[index])


def description(code: str) -> str:
    """The official description of `code`.

    Raises:
        ValueError: `code` is not in the code set.
    """
    snapshot = _snapshot()
    index = snapshot.position.get(code)
    if index is None:
        return str(_package().get_description(code))
    return snapshot.description_at(index)


def billable_under(code: str) -> tuple[IcdCode, ...]:
    """The billable codes under the header `code`, in tabular order (empty for a leaf).

    Raises:
        ValueError: `code` is not in the code set.
    """
    snapshot = _snapshot()
    index = snapshot.position.get(code)
    if index is None:
        cm = _package()
        return tuple(IcdCode(c, description(c)) for c in cm.get_descendants(code) if cm.is_leaf(c))
    return _billable_between(snapshot, index + 1, snapshot.descendants_end(index))


@cache
def expand_range(start: str, end: str) -> tuple[IcdCode, ...]:
    """The billable codes from `start` to `end` inclusive, in tabular order.

    Raises:
        RangeError: an end is not in the code set, or `end` comes before `start`.
    """
    snapshot = _snapshot()
    return _billable_between(snapshot, *_range_positions(snapshot, start, end))


def range_size(start: str, end: str) -> int:
    """How many billable codes `expand_range(start, end)` gives, counted without building them.

    Raises:
        RangeError: as `expand_range`.
    """
    snapshot = _snapshot()
    first, stop = _range_positions(snapshot, start, end)
    return snapshot.billable.count(1, first, stop)


def _range_positions(snapshot: CodeSetSnapshot, start: str, end: str) -> tuple[int, int]:
    """The positions in tabular order from `start` to just after `end` and its descendants."""
    missing = [c for c in (start, end) if c not in snapshot.position]
    if missing:
        raise RangeError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the ICD-10-CM code set ({CODE_SET_RELEASE})")
    first, last = snapshot.position[start], snapshot.position[end]
    if last < first:
        raise RangeError(f"the range {start}-{end} is reversed in the ICD-10-CM code set: {end} comes before {start}")
    # The end's descendants directly follow it in tabular order.
    return first, snapshot.descendants_end(last)


def _billable_between(snapshot: CodeSetSnapshot, first: int, stop: int) -> tuple[IcdCode, ...]:
    return tuple(IcdCode(snapshot.codes[i], snapshot.description_at(i)) for i in range(first, stop) if snapshot.billable[i])
