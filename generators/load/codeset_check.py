"""Check ICD-10-CM codes and ranges against the official code set (`generators.domain.icd10`).

Registered by `generators.load.validate` as an extra revision check, so it runs on every load.
Each problem is a located diagnostic:

- `icd10-unknown-code`: a code that is not in the code set at all;
- `icd10-header-code`: a single code that is a category header, not a billable code (the
  published code lists name billable codes; a header there is almost always a typo or a
  missing last character, and a claim never carries it);
- `icd10-range`: a range whose ends are not in the code set, are reversed in its tabular
  order, or that covers no billable code;
- `icd10-range-too-large`: a range that covers more than `MAX_RANGE_CODES` billable codes, or
  that brings the ranges of the revision to more than `MAX_REVISION_RANGE_CODES`. Every
  member of a range is published with its description, on pages and in every download, for
  every revision that lists it: ten ranges over the whole code set (74,719 billable codes
  each) took 52 s and 1.48 GB to build and made 466 MB of site. The bounds keep that cost
  proportional to what a policy can mean, far above what real policies list.

CPT and HCPCS codes are checked for format only (by the model): the AMA's CPT list is
licensed and not available to check against.
"""

from __future__ import annotations

from collections.abc import Iterator

from generators.domain import icd10
from generators.errors import Diagnostic
from generators.load.yaml_files import FieldPath, LoadedDocument
from generators.model import Revision


#: The most billable codes one ICD-10-CM range may cover: above whole chapters that policies
#: name, such as M00-M99 (6,665 codes) or C00-D49 (1,727), far below the code set (74,719).
MAX_RANGE_CODES = 10_000
#: The most billable codes all the ICD-10-CM ranges of one revision may cover together.
MAX_REVISION_RANGE_CODES = 25_000


def check_icd10_codes(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """Yield a diagnostic for every ICD-10-CM code or range of `revision` the code set refutes."""
    table = revision.codes.icd10cm
    release = icd10.CODE_SET_RELEASE
    covered = 0  # billable codes of the ranges so far that were not refused
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
            size = icd10.range_size(start, end)  # counted, not expanded: a range may be huge
        except icd10.RangeError as error:
            yield document.diagnostic(base + ("range_end",), f"found the range {start}-{end}: {error}; expected the start before the end", "icd10-range")
            continue
        if not size:
            yield document.diagnostic(base, f"found the range {start}-{end}, which covers no billable code; expected a range of billable codes", "icd10-range")
        elif size > MAX_RANGE_CODES:
            yield document.diagnostic(
                base,
                f"found the range {start}-{end}, which covers {size:,} billable codes; expected at most {MAX_RANGE_CODES:,} "
                "billable codes in one range (list the narrower ranges or categories the policy means)",
                "icd10-range-too-large",
            )
        else:
            covered += size
            if covered - size <= MAX_REVISION_RANGE_CODES < covered:  # said once, at the range that goes over
                yield document.diagnostic(
                    base,
                    f"found the range {start}-{end} ({size:,} billable codes), which brings the ranges of this revision to {covered:,} "
                    f"billable codes; expected at most {MAX_REVISION_RANGE_CODES:,} billable codes in all the ICD-10-CM ranges of a revision",
                    "icd10-range-too-large",
                )
