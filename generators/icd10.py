"""The official ICD-10-CM code set (CDC), through the `simple-icd-10-cm` package.

The package ships one release of the code set (`CODE_SET_RELEASE`); it is recorded in the
exports so a downstream system knows which release a range was expanded against.
The package takes about 1.7 s to import, so it is imported lazily, once, on first use.

- `is_code(code)`: the code exists in the code set (billable or a header);
- `is_billable(code)`: the code is a leaf, i.e. can be billed;
- `expand_range(start, end)`: the billable codes from `start` to `end` inclusive, in
  tabular order; the end's own descendants are included when the end is a header.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from types import ModuleType

PACKAGE = "simple-icd-10-cm"
#: The release of the code set that the installed package ships (see its data folder).
CODE_SET_RELEASE = "ICD-10-CM April 1, 2026 (FY2026 update)"


@dataclass(frozen=True)
class IcdCode:
    """A billable ICD-10-CM code and its official description."""

    code: str
    description: str


class RangeError(ValueError):
    """A range whose ends are unknown or out of order in the code set."""


@cache
def _codeset() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


@cache
def _ordered_codes() -> tuple[list[str], dict[str, int]]:
    codes = [c for c in _codeset().get_all_codes(True) if _is_code_like(c)]
    return codes, {code: index for index, code in enumerate(codes)}


def _is_code_like(item: str) -> bool:
    # Chapters are numbers ("1") and blocks are ranges ("A00-A09"): neither is a code.
    return item[:1].isalpha() and "-" not in item


@cache
def billable_codes() -> tuple[str, ...]:
    """Every billable code of the code set, in tabular order."""
    cm = _codeset()
    return tuple(code for code in _ordered_codes()[0] if cm.is_leaf(code))


def package_version() -> str:
    """The installed version of the code-set package."""
    return metadata.version(PACKAGE)


def is_code(code: str) -> bool:
    """True when `code` (written with its dot) is a category or code of ICD-10-CM."""
    return code in _ordered_codes()[1]


def is_billable(code: str) -> bool:
    """True when `code` is a leaf of the code set, i.e. a billable code."""
    return is_code(code) and bool(_codeset().is_leaf(code))


def description(code: str) -> str:
    """The official description of `code`."""
    return str(_codeset().get_description(code))


def billable_under(code: str) -> tuple[IcdCode, ...]:
    """The billable codes under the header `code`, in tabular order (empty for a leaf)."""
    cm = _codeset()
    return tuple(IcdCode(c, description(c)) for c in cm.get_descendants(code) if cm.is_leaf(c))


@cache
def expand_range(start: str, end: str) -> tuple[IcdCode, ...]:
    """The billable codes from `start` to `end` inclusive, in tabular order.

    Raises:
        RangeError: an end is not in the code set, or `end` comes before `start`.
    """
    codes, index = _ordered_codes()
    missing = [c for c in (start, end) if c not in index]
    if missing:
        raise RangeError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the ICD-10-CM code set ({CODE_SET_RELEASE})")
    first, last = index[start], index[end]
    if last < first:
        raise RangeError(f"the range {start}-{end} is reversed in the ICD-10-CM code set: {end} comes before {start}")
    cm = _codeset()
    span = list(codes[first : last + 1])
    span += [c for c in cm.get_descendants(end) if c not in span]
    return tuple(IcdCode(code, description(code)) for code in span if cm.is_leaf(code))
