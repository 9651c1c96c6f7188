"""The 2025-01-23 revision is a reconstruction that says what is known and what is inferred."""

from __future__ import annotations

from datetime import date

from generators.model import Basis, Determination, Library, RevisionStatus


def test_2025_has_statements_i_and_ii_with_stable_ids(library: Library) -> None:
    policy = library.policy("6.01.03")
    old, new = policy.revision("2025-01-23"), policy.revision("2026-01-22")
    assert [(s.number, s.id) for s in old.statements] == [
        ("I", "mrs-medically-appropriate"),
        ("II", "investigational-other-indications"),
    ]
    assert new.statement("investigational-other-indications").number == "III"
    assert old.statement("investigational-other-indications").text == new.statement("investigational-other-indications").text
    assert old.statement("investigational-other-indications").determination is Determination.INVESTIGATIONAL
    assert old.statement("spine-not-medically-necessary") is None
    assert old.statements[0] == new.statements[0]


def test_reconstruction_is_marked_and_explained(library: Library) -> None:
    old = library.policy("6.01.03").revision("2025-01-23")
    assert old.status is RevisionStatus.RECONSTRUCTED
    assert old.provenance is not None and old.provenance.derived_from == date(2026, 1, 22)
    bases = {note.field: note.basis for note in old.provenance.notes}
    assert bases["statements"] is Basis.STATED
    assert bases["statements[1].number"] is Basis.INFERRED
    assert bases["effective_date"] is Basis.UNKNOWN
    assert old.effective_date is None and old.next_review is None


def test_nothing_published_after_the_revision_date(library: Library) -> None:
    old = library.policy("6.01.03").revision("2025-01-23")
    assert all(r.year is None or r.year <= 2025 for r in old.references)
    assert {"moreno-acosta-2025", "valizadeh-2025", "kocak-2025", "nccn-cns-2025"}.isdisjoint({r.id for r in old.references})
    assert all("accessed 2025" not in r.text for r in old.references)
    assert [g.body for g in old.professional_guidelines] == ["NICE", "ACR-ASNR"]
    assert old.codes.cpt.copyright is None


def test_the_published_revision_has_no_provenance(library: Library) -> None:
    current = library.policy("6.01.03").newest
    assert current.status is RevisionStatus.PUBLISHED and current.provenance is None
