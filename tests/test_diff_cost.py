"""A diff, its summary and the places its page names cost in proportion to the lists compared.

Looking each changed item up by scanning its revision's list made them quadratic (8,000
references: 3.8 s; 16,000 CPT codes: 22 s; a legal 1.97 MB revision of 100,000 references kept
`build` busy for more than 300 s). Times on a shared machine are noisy, so these tests count operations
instead: how often the keys of the items (reference IDs, codes) are compared or read.
Doubling the list must about double the count, not quadruple it. `benchmarks/large_revision.py`
prints the times.
"""

from __future__ import annotations

from collections.abc import Callable

from generators.domain.diff import diff_revisions
from generators.model import Library, Reference, Revision
from generators.outputs.diffs import sections


class _Counted(str):
    """A key that counts its uses: each equality test (a list scan does one per item; a dict lookup one) and each `str()` (`CodeEntry.display`)."""

    uses = 0

    def __eq__(self, other: object) -> bool:
        _Counted.uses += 1
        return str.__eq__(self, other)

    def __str__(self) -> str:
        _Counted.uses += 1
        return str.__str__(self)  # a plain str

    __hash__ = str.__hash__


def _with_references(revision: Revision, count: int, newer: bool) -> Revision:
    """`revision` with `count` more references (the older revision every other one), keyed by counting IDs."""
    extra = [
        Reference.model_construct(id=_Counted(f"extra-{index}"), text=f"Author{index} A. Study {index}. J Test. 2020", url=None, year=None)
        for index in range(count)
        if newer or index % 2 == 0
    ]
    return revision.model_copy(update={"references": [*revision.references, *extra]})


def _with_codes(revision: Revision, count: int, newer: bool) -> Revision:
    """`revision` with `count` more CPT codes (the older revision every other one), coded by counting strings."""
    template = revision.codes.cpt.entries[0]
    extra = [
        template.model_copy(update={"code": _Counted(f"{index + 1000:04d}T"), "flags": [], "description": f"Procedure {index}"})
        for index in range(count)
        if newer or index % 2 == 0
    ]
    table = revision.codes.cpt.model_copy(update={"entries": [*revision.codes.cpt.entries, *extra]})
    return revision.model_copy(update={"codes": revision.codes.model_copy(update={"cpt": table})})


def _uses(library: Library, count: int, add: Callable[[Revision, int, bool], Revision]) -> int:
    """Key uses of diffing two revisions with `count` more items (half of them added), summarising it and placing its changes on the page."""
    old, new = library.policies[0].revisions
    old, new = add(old, count, False), add(new, count, True)
    _Counted.uses = 0
    diff = diff_revisions(old, new)
    summary = diff.summary()
    places = [view.place for section in sections(diff) for view in section.changes]
    assert len(places) >= count // 2 and summary
    return _Counted.uses


def test_diff_summary_and_page_of_twice_the_references_cost_about_twice_as_much(library: Library) -> None:
    small, large = _uses(library, 400, _with_references), _uses(library, 800, _with_references)
    assert 400 <= small and large <= 2.5 * small, (small, large)


def test_diff_summary_and_page_of_twice_the_codes_cost_about_twice_as_much(library: Library) -> None:
    small, large = _uses(library, 400, _with_codes), _uses(library, 800, _with_codes)
    assert 400 <= small and large <= 2.5 * small, (small, large)
