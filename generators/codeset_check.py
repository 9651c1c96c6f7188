"""Check ICD-10-CM codes and ranges against the official code set (`generators.icd10`).

Registered by `generators.validate` as an extra revision check, so it runs on every load.
Each problem is a located diagnostic:

- `icd10-unknown-code`: a code that is not in the code set at all;
- `icd10-header-code`: a single code that is a category header, not a billable code (the
  published code lists name billable codes; a header there is almost always a typo or a
  missing last character, and a claim never carries it);
- `icd10-range`: a range whose ends are not in the code set, are reversed in its tabular
  order, or that covers no billable code.

CPT and HCPCS codes are checked for format only (by the model): the AMA's CPT list is
licensed and not available to check against.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import icd10
from .errors import Diagnostic
from .load import FieldPath, LoadedDocument
from .model import Revision


def check_icd10_codes(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """Yield a diagnostic for every ICD-10-CM code or range of `revision` the code set refutes."""
    table = revision.codes.icd10cm
    release = icd10.CODE_SET_RELEASE
    for index, entry in enumerate(table.entries):
        base: FieldPath = ("codes", "icd10cm", "entries", index)
        if entry.code is not None:
            code = str(entry.code)
            if not icd10.is_code(code):
                yield document.diagnostic(
                    base + ("code",),
                    f"found {code}, which is not in the ICD-10-CM code set ({release}); expected an existing code",
                    "icd10-unknown-code",
                )
            elif not icd10.is_billable(code):
                under = [c.code for c in icd10.billable_under(code)]
                shown = ", ".join(under[:6]) + (", ..." if len(under) > 6 else "")
                yield document.diagnostic(
                    base + ("code",),
                    f"found {code} ({icd10.description(code)}), a category header that is not billable; "
                    f"expected a billable code under it ({shown}), or the range {under[0]}-{under[-1]} if all are meant",
                    "icd10-header-code",
                )
            continue
        start, end = str(entry.range_start), str(entry.range_end)
        for field, code in (("range_start", start), ("range_end", end)):
            if not icd10.is_code(code):
                yield document.diagnostic(
                    base + (field,),
                    f"found {code}, which is not in the ICD-10-CM code set ({release}); expected an existing code as the {field.replace('_', ' ')}",
                    "icd10-range",
                )
        if not (icd10.is_code(start) and icd10.is_code(end)):
            continue
        try:
            members = icd10.expand_range(start, end)
        except icd10.RangeError as error:
            yield document.diagnostic(base + ("range_end",), f"found the range {start}-{end}: {error}; expected the start before the end", "icd10-range")
            continue
        if not members:
            yield document.diagnostic(base, f"found the range {start}-{end}, which covers no billable code; expected a range of billable codes", "icd10-range")
