"""Billing code formats: what a CPT, HCPCS or ICD-10-CM code must look like.

CPT codes cannot be checked against the AMA list (it is licensed), so CPT and HCPCS are
checked for format only (by the code types of `generators.model`). ICD-10-CM codes are
checked for format there too; membership in the official code set is a separate check.
"""

from __future__ import annotations

from generators.model import HCPCS_CODE


def normalize(code: str) -> str:
    """Canonical form for lookups: upper case, no surrounding spaces, ICD-10-CM dot kept.

    `c713` and `C71.3` both become `C71.3`; `0611t` becomes `0611T`.
    """
    code = code.strip().upper()
    if len(code) > 3 and code[0].isascii() and code[0].isalpha() and code[1] in "0123456789" and "." not in code and not HCPCS_CODE.match(code):
        return f"{code[:3]}.{code[3:]}"
    return code
