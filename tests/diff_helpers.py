"""Edits of a real revision for diff tests: small, typed, and built with `model_copy(update=...)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generators.model import CodeEntry, Criterion, Revision, Statement

ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def renumbered(statements: list[Statement]) -> list[Statement]:
    """Statements numbered in order, as printed."""
    return [s.model_copy(update={"number": ROMANS[i]}) for i, s in enumerate(statements)]


def with_statement(revision: Revision, statement_id: str, **update: Any) -> Revision:
    """The revision with one statement's fields replaced."""
    return revision.model_copy(
        update={"statements": [s.model_copy(update=update) if s.id == statement_id else s for s in revision.statements]}
    )


def without_statement(revision: Revision, statement_id: str) -> Revision:
    """The revision without one statement, the others renumbered."""
    return revision.model_copy(update={"statements": renumbered([s for s in revision.statements if s.id != statement_id])})


def map_criteria(revision: Revision, change: Callable[[Criterion], Criterion | None]) -> Revision:
    """The revision with `change` applied to every criterion, bottom up; None drops it."""

    def walk(items: list[Criterion] | None) -> list[Criterion] | None:
        if items is None:
            return None
        result: list[Criterion] = []
        for item in items:
            item = item.model_copy(update={"one_of": walk(item.one_of), "all_of": walk(item.all_of)})
            if item.one_of == [] or item.all_of == []:  # a group emptied by drops: a leaf now
                item = item.model_copy(update={"one_of": None, "all_of": None})
            changed = change(item)
            if changed is not None:
                result.append(changed)
        return result

    statements = []
    for statement in revision.statements:
        criteria = statement.criteria
        if criteria is not None:
            group = walk(criteria.one_of) if criteria.one_of is not None else None, walk(criteria.all_of) if criteria.all_of is not None else None
            if group[0] or group[1]:
                criteria = criteria.model_copy(update={"one_of": group[0], "all_of": group[1]})
            else:
                criteria = None
        statements.append(statement.model_copy(update={"criteria": criteria}))
    return revision.model_copy(update={"statements": statements})


def with_cpt(revision: Revision, entries: list[CodeEntry[Any]]) -> Revision:
    """The revision with other CPT entries."""
    table = revision.codes.cpt.model_copy(update={"entries": entries})
    return revision.model_copy(update={"codes": revision.codes.model_copy(update={"cpt": table})})


def with_icd(revision: Revision, entries: list[CodeEntry[Any]]) -> Revision:
    """The revision with other ICD-10-CM entries."""
    table = revision.codes.icd10cm.model_copy(update={"entries": entries})
    return revision.model_copy(update={"codes": revision.codes.model_copy(update={"icd10cm": table})})
