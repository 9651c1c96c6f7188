"""The diff engine matches items by stable IDs and reports each change once, with its kind and path."""

from __future__ import annotations

from collections.abc import Callable

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generators.domain.change_path import ChangePath
from generators.domain.diff import Change, ChangeKind, SequenceMatcher, WordSegment, _similar, diff_revisions, mirror_words, word_diff
from generators.model import Determination, Library, Revision
from generators.text import to_plain

from .diff_helpers import map_criteria, renumbered, with_cpt, with_icd, with_statement, without_statement

K = ChangeKind


@pytest.fixture(scope="module")
def current(library: Library) -> Revision:
    return library.policy("6.01.03").newest


@pytest.fixture(scope="module")
def reconstructed(library: Library) -> Revision:
    return library.policy("6.01.03").revision("2025-01-23")


def kinds_and_paths(old: Revision, new: Revision) -> list[tuple[ChangeKind, str]]:
    return [(c.kind, str(c.path)) for c in diff_revisions(old, new).changes]


# --------------------------------------------------------------------------- 6.01.03 as published


def test_6_01_03_reports_exactly_what_the_reconstruction_differs_in(reconstructed: Revision, current: Revision) -> None:
    assert kinds_and_paths(reconstructed, current) == [
        (K.METADATA_CHANGED, "effective_date"),
        (K.METADATA_CHANGED, "next_review"),
        (K.METADATA_CHANGED, "status"),
        (K.STATEMENT_ADDED, "statements[spine-not-medically-necessary]"),
        (K.STATEMENT_RENUMBERED, "statements[investigational-other-indications].number"),
        (K.SECTION_TEXT_ADDED, "supportive_literature[1]"),
        (K.GUIDELINE_ADDED, "professional_guidelines[nccn-cns-cancers]"),
        (K.CODE_FLAGS_CHANGED, "codes.cpt[0609T].flags"),
        (K.CODE_FLAGS_CHANGED, "codes.cpt[0610T].flags"),
        (K.CODE_FLAGS_CHANGED, "codes.cpt[0611T].flags"),
        (K.CODE_FLAGS_CHANGED, "codes.cpt[0612T].flags"),
        (K.SECTION_TEXT_ADDED, "codes.cpt.copyright"),
        (K.REFERENCE_CHANGED, "references[acr-asnr-2019].text"),
        (K.REFERENCE_ADDED, "references[kocak-2025]"),
        (K.REFERENCE_ADDED, "references[moreno-acosta-2025]"),
        (K.REFERENCE_ADDED, "references[nccn-cns-2025]"),
        (K.REFERENCE_CHANGED, "references[nice-ng99-2018].text"),
        (K.REFERENCE_ADDED, "references[valizadeh-2025]"),
    ]


def test_6_01_03_values_of_the_statement_changes(reconstructed: Revision, current: Revision) -> None:
    diff = diff_revisions(reconstructed, current)
    (added,) = diff.of_kind(K.STATEMENT_ADDED)
    assert added.old is None and added.new == current.statement("spine-not-medically-necessary").text
    assert current.statement("spine-not-medically-necessary").number == "II"
    (renumbered_change,) = diff.of_kind(K.STATEMENT_RENUMBERED)
    assert (renumbered_change.old, renumbered_change.new) == ("II", "III")
    assert not diff.of_kind(K.STATEMENT_TEXT_CHANGED, K.STATEMENT_DETERMINATION_CHANGED, K.STATEMENT_REMOVED)
    assert not [c for c in diff.changes if "mrs-medically-appropriate" in str(c.path)], "statement I is unchanged"
    flags = diff.of_kind(K.CODE_FLAGS_CHANGED)
    assert {(tuple(c.old or []), tuple(c.new or [])) for c in flags} == {(("E/I",), ("NMN",))}


def test_6_01_03_reference_edits_are_word_level(reconstructed: Revision, current: Revision) -> None:
    changed = {str(c.path): c for c in diff_revisions(reconstructed, current).of_kind(K.REFERENCE_CHANGED)}
    edits = {path: [(s.op, s.text) for s in c.words or [] if s.op != "equal"] for path, c in changed.items()}
    assert edits == {
        "references[acr-asnr-2019].text": [("insert", "; accessed 2025 Dec 02")],
        "references[nice-ng99-2018].text": [("insert", "; accessed 2025 Dec 29")],
    }


def test_6_01_03_summary_in_plain_language(reconstructed: Revision, current: Revision) -> None:
    summary = diff_revisions(reconstructed, current).summary()
    assert "Statement II added: MRS is considered not medically necessary for all spine uses." in summary
    assert "Statement 'MRS is considered investigational for all other indications' renumbered II -> III, wording unchanged." in summary
    assert "CPT codes 0609T, 0610T, 0611T, 0612T: flag E/I -> NMN." in summary
    assert "Effective date changed from not known to May 15, 2026." in summary
    assert "Supportive literature: 1 paragraph added." in summary
    assert "Professional guideline NCCN (Version 3.2025) added." in summary
    assert any(s.startswith("4 references added: Kocak B, Mese I, Ates Kus E (2025);") for s in summary)
    assert not any("**" in s for s in summary), "markup is removed from the summary"
    backwards = diff_revisions(current, reconstructed).summary()
    assert "Statement II removed: MRS is considered not medically necessary for all spine uses." in backwards
    assert "Statement 'MRS is considered investigational for all other indications' renumbered III -> II, wording unchanged." in backwards


def test_a_revision_compared_with_itself_has_no_changes(reconstructed: Revision, current: Revision) -> None:
    for revision in (reconstructed, current):
        diff = diff_revisions(revision, revision)
        assert not diff and diff.changes == () and diff.summary() == []


# --------------------------------------------------------------------------- the table

Edit = Callable[[Revision], tuple[Revision, Revision]]


def _statement_reordered(r: Revision) -> tuple[Revision, Revision]:
    first, second, third = r.statements
    return r, r.model_copy(update={"statements": renumbered([first, third, second])})


def _criterion_text(r: Revision) -> tuple[Revision, Revision]:
    return r, map_criteria(r, lambda c: c.model_copy(update={"text": "Seizures of any kind."}) if c.id == "seizures" else c)


def _criterion_removed(r: Revision) -> tuple[Revision, Revision]:
    return r, map_criteria(r, lambda c: None if c.id == "seizures" else c)


def _criterion_relabelled(r: Revision) -> tuple[Revision, Revision]:
    return r, map_criteria(r, lambda c: c.model_copy(update={"label": "7"}) if c.id == "seizures" else c)


def _criterion_moved_up(r: Revision) -> tuple[Revision, Revision]:
    """`seizures` leaves group A for the top of the tree, labelled B."""
    seizures = next(p.criterion for p in r.statements[0].iter_criteria() if p.criterion.id == "seizures")
    moved = map_criteria(r, lambda c: None if c.id == "seizures" else c)
    group = moved.statements[0].criteria
    group = group.model_copy(update={"all_of": [*group.all_of, seizures.model_copy(update={"label": "B"})]})
    return r, with_statement(moved, "mrs-medically-appropriate", criteria=group)


def _criteria_logic(r: Revision) -> tuple[Revision, Revision]:
    group = r.statements[0].criteria
    return r, with_statement(r, "mrs-medically-appropriate", criteria=group.model_copy(update={"all_of": None, "one_of": group.all_of}))


def _code_flag(r: Revision) -> tuple[Revision, Revision]:
    entries = [e.model_copy(update={"flags": []}) if e.code == "0611T" else e for e in r.codes.cpt.entries]
    return r, with_cpt(r, entries)


def _code_description(r: Revision) -> tuple[Revision, Revision]:
    entries = [e.model_copy(update={"description": "MR spectroscopy"}) if e.code == "76390" else e for e in r.codes.cpt.entries]
    return r, with_cpt(r, entries)


def _code_removed(r: Revision) -> tuple[Revision, Revision]:
    return r, with_cpt(r, [e for e in r.codes.cpt.entries if e.code != "0610T"])


def _code_reordered(r: Revision) -> tuple[Revision, Revision]:
    entries = list(r.codes.cpt.entries)
    return r, with_cpt(r, [entries[-1], *entries[:-1]])


def _range_changed(r: Revision) -> tuple[Revision, Revision]:
    entries = [e.model_copy(update={"range_end": "C71.8"}) if e.range_start == "C71.0" else e for e in r.codes.icd10cm.entries]
    return r, with_icd(r, entries)


def _range_replaced(r: Revision) -> tuple[Revision, Revision]:
    entries = [
        e.model_copy(update={"range_end": "C71.8", "description": "Other brain neoplasm"}) if e.range_start == "C71.0" else e
        for e in r.codes.icd10cm.entries
    ]
    return r, with_icd(r, entries)


def _reference_url(r: Revision) -> tuple[Revision, Revision]:
    refs = [x.model_copy(update={"url": "https://example.org/acr.pdf"}) if x.id == "acr-asnr-2019" else x for x in r.references]
    return r, r.model_copy(update={"references": refs})


def _reference_removed(r: Revision) -> tuple[Revision, Revision]:
    return r, r.model_copy(update={"references": [x for x in r.references if x.id != "wei-2024"]})


def _references_swapped(r: Revision) -> tuple[Revision, Revision]:
    refs = list(r.references)
    refs[0], refs[1] = refs[1], refs[0]
    return r, r.model_copy(update={"references": refs})


def _guideline_point(r: Revision) -> tuple[Revision, Revision]:
    guidelines = [
        g.model_copy(update={"points": [*g.points[:1], "Recommended for routine brain tumor imaging.", *g.points[2:]]})
        if g.id == "nccn-cns-cancers"
        else g
        for g in r.professional_guidelines
    ]
    return r, r.model_copy(update={"professional_guidelines": guidelines})


def _description_paragraph_edited_and_added(r: Revision) -> tuple[Revision, Revision]:
    paragraphs = list(r.description)
    paragraphs[1] = paragraphs[1].replace("principal spectral peaks", "main spectral peaks")
    return r, r.model_copy(update={"description": [*paragraphs, "MRS is also used in research."]})


def _description_paragraph_dropped(r: Revision) -> tuple[Revision, Revision]:
    return r, r.model_copy(update={"description": r.description[1:]})


def _search_terms(r: Revision) -> tuple[Revision, Revision]:
    terms = r.search_terms.model_copy(update={"not_applicable": False, "terms": ["MRS", "spectroscopy"]})
    return r, r.model_copy(update={"search_terms": terms})


def _related_policy(r: Revision) -> tuple[Revision, Revision]:
    group = r.related_policies[0]
    policies = [p.model_copy(update={"title": "Experimental Services"}) if p.number == "11.01.03" else p for p in group.policies]
    return r, r.model_copy(update={"related_policies": [group.model_copy(update={"policies": policies[:1] + policies[1:]})]})


def _related_policy_removed(r: Revision) -> tuple[Revision, Revision]:
    group = r.related_policies[0]
    return r, r.model_copy(update={"related_policies": [group.model_copy(update={"policies": group.policies[:1]})]})


def _legend(r: Revision) -> tuple[Revision, Revision]:
    legend = [e.model_copy(update={"meaning": "Not medically necessary"}) if e.flag.value == "NMN" else e for e in r.codes.legend]
    return r, r.model_copy(update={"codes": r.codes.model_copy(update={"legend": legend})})


TABLE: list[tuple[str, Edit, list[tuple[ChangeKind, str]]]] = [
    ("nothing", lambda r: (r, r), []),
    ("title", lambda r: (r, r.model_copy(update={"title": "MR Spectroscopy"})), [(K.METADATA_CHANGED, "title")]),
    ("next review unknown", lambda r: (r, r.model_copy(update={"next_review": None})), [(K.METADATA_CHANGED, "next_review")]),
    (
        "statement removed, later one renumbered",
        lambda r: (r, without_statement(r, "spine-not-medically-necessary")),
        [
            (K.STATEMENT_RENUMBERED, "statements[investigational-other-indications].number"),
            (K.STATEMENT_REMOVED, "statements[spine-not-medically-necessary]"),
        ],
    ),
    (
        "statements reordered",
        _statement_reordered,
        [
            (K.STATEMENT_RENUMBERED, "statements[investigational-other-indications].number"),
            (K.STATEMENT_RENUMBERED, "statements[spine-not-medically-necessary].number"),
        ],
    ),
    (
        "determination",
        lambda r: (r, with_statement(r, "spine-not-medically-necessary", determination=Determination.INVESTIGATIONAL)),
        [(K.STATEMENT_DETERMINATION_CHANGED, "statements[spine-not-medically-necessary].determination")],
    ),
    (
        "statement wording",
        lambda r: (r, with_statement(r, "spine-not-medically-necessary", text="MRS is considered **not medically necessary** for spine uses.")),
        [(K.STATEMENT_TEXT_CHANGED, "statements[spine-not-medically-necessary].text")],
    ),
    (
        "criterion wording",
        _criterion_text,
        [(K.CRITERION_TEXT_CHANGED, "statements[mrs-medically-appropriate].criteria[seizures].text")],
    ),
    ("criterion removed", _criterion_removed, [(K.CRITERION_REMOVED, "statements[mrs-medically-appropriate].criteria[seizures]")]),
    ("criterion relabelled", _criterion_relabelled, [(K.CRITERION_MOVED, "statements[mrs-medically-appropriate].criteria[seizures]")]),
    ("criterion to another parent", _criterion_moved_up, [(K.CRITERION_MOVED, "statements[mrs-medically-appropriate].criteria[seizures]")]),
    ("criteria logic", _criteria_logic, [(K.CRITERIA_LOGIC_CHANGED, "statements[mrs-medically-appropriate].criteria")]),
    ("code flag", _code_flag, [(K.CODE_FLAGS_CHANGED, "codes.cpt[0611T].flags")]),
    ("code description", _code_description, [(K.CODE_DESCRIPTION_CHANGED, "codes.cpt[76390].description")]),
    ("code removed", _code_removed, [(K.CODE_REMOVED, "codes.cpt[0610T]")]),
    ("code moved", _code_reordered, [(K.CODE_MOVED, "codes.cpt[0612T]")]),
    ("range bounds", _range_changed, [(K.CODE_RANGE_CHANGED, "codes.icd10cm[C71.0-C71.9->C71.0-C71.8]")]),
    (
        "range and description",
        _range_replaced,
        [(K.CODE_ADDED, "codes.icd10cm[C71.0-C71.8]"), (K.CODE_REMOVED, "codes.icd10cm[C71.0-C71.9]")],
    ),
    (
        "copyright removed",
        lambda r: (r, r.model_copy(update={"codes": r.codes.model_copy(update={"cpt": r.codes.cpt.model_copy(update={"copyright": None})})})),
        [(K.SECTION_TEXT_REMOVED, "codes.cpt.copyright")],
    ),
    ("flag legend", _legend, [(K.SECTION_TEXT_CHANGED, "codes.legend[NMN].meaning")]),
    (
        "code notes",
        lambda r: (r, r.model_copy(update={"codes": r.codes.model_copy(update={"notes": r.codes.notes[:1]})})),
        [(K.SECTION_TEXT_REMOVED, "codes.notes[1]")],
    ),
    ("reference url", _reference_url, [(K.REFERENCE_CHANGED, "references[acr-asnr-2019].url")]),
    ("reference removed", _reference_removed, [(K.REFERENCE_REMOVED, "references[wei-2024]")]),
    # Either of two swapped items may be called "moved"; the choice is canonical, the same both ways.
    ("references swapped", _references_swapped, [(K.REFERENCE_MOVED, "references[bissonnette-2022]")]),
    ("guideline bullet", _guideline_point, [(K.SECTION_TEXT_CHANGED, "professional_guidelines[nccn-cns-cancers].points[1]")]),
    (
        "guideline removed",
        lambda r: (r, r.model_copy(update={"professional_guidelines": r.professional_guidelines[1:]})),
        [(K.GUIDELINE_REMOVED, "professional_guidelines[nccn-cns-cancers]")],
    ),
    (
        "description edited and extended",
        _description_paragraph_edited_and_added,
        [(K.SECTION_TEXT_CHANGED, "description[1]"), (K.SECTION_TEXT_ADDED, "description[3]")],
    ),
    ("description paragraph dropped", _description_paragraph_dropped, [(K.SECTION_TEXT_REMOVED, "description[0]")]),
    (
        "literature paragraph edited after a removal",
        lambda r: (
            r,
            r.model_copy(
                update={"supportive_literature": [r.supportive_literature[1].model_copy(update={"text": r.supportive_literature[1].text + " More."})]}
            ),
        ),
        [(K.SECTION_TEXT_REMOVED, "supportive_literature[0]"), (K.SECTION_TEXT_CHANGED, "supportive_literature[1->0]")],
    ),
    (
        "policy guidelines",
        lambda r: (r, r.model_copy(update={"policy_guidelines": [r.policy_guidelines[0].replace("not both", "never both")]})),
        [(K.SECTION_TEXT_CHANGED, "policy_guidelines[0]")],
    ),
    (
        "cms note edited",
        lambda r: (r, r.model_copy(update={"cms": [r.cms[0].replace("Electromagnetic navigation bronchoscopy", "Magnetic resonance spectroscopy")]})),
        [(K.SECTION_TEXT_CHANGED, "cms[0]")],
    ),
    (
        "cms note rewritten: a new paragraph, not an edit",
        lambda r: (r, r.model_copy(update={"cms": ["MRS is not addressed by CMS."]})),
        [(K.SECTION_TEXT_REMOVED, "cms[0]"), (K.SECTION_TEXT_ADDED, "cms[0]")],
    ),
    ("disclaimer", lambda r: (r, r.model_copy(update={"disclaimer": r.disclaimer[:-1]})), [(K.SECTION_TEXT_REMOVED, "disclaimer[4]")]),
    (
        "preamble",
        lambda r: (r, r.model_copy(update={"preamble": r.preamble.model_copy(update={"disclaimer_link_text": None})})),
        [(K.SECTION_TEXT_REMOVED, "preamble.disclaimer_link_text")],
    ),
    (
        "search terms listed",
        _search_terms,
        [(K.SECTION_TEXT_REMOVED, "search_terms.not_applicable"), (K.SECTION_TEXT_ADDED, "search_terms[0]"), (K.SECTION_TEXT_ADDED, "search_terms[1]")],
    ),
    ("related policy title", _related_policy, [(K.SECTION_TEXT_CHANGED, "related_policies[11.01.03].title")]),
    ("related policy removed", _related_policy_removed, [(K.RELATED_POLICY_REMOVED, "related_policies[11.01.03]")]),
    (
        "provenance is not policy content",
        lambda r: (r, r.model_copy(update={"provenance": None})),
        [],
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [(e, x) for _, e, x in TABLE], ids=[name for name, _, _ in TABLE])
def test_change_kinds(current: Revision, edit: Edit, expected: list[tuple[ChangeKind, str]]) -> None:
    old, new = edit(current)
    assert kinds_and_paths(old, new) == expected
    # The mirror property on each row: the backward diff is the forward one seen from the other side.
    by_place = lambda c: (str(c.path), c.kind.value)  # noqa: E731
    assert sorted(diff_revisions(new, old).changes, key=by_place) == sorted(diff_revisions(old, new).mirrored().changes, key=by_place)


def test_range_change_values(current: Revision) -> None:
    (change,) = diff_revisions(*_range_changed(current)).changes
    assert (change.old, change.new) == ("C71.0-C71.9", "C71.0-C71.8")


def test_criterion_move_says_where_from_and_to(current: Revision) -> None:
    (change,) = diff_revisions(*_criterion_moved_up(current)).changes
    assert (change.old, change.new) == ("A.6", "B")
    summary = diff_revisions(*_criterion_moved_up(current)).summary()
    assert summary == ["Statement I: criterion A.6 is now B."]


def test_criterion_wording_summary_and_words(current: Revision) -> None:
    diff = diff_revisions(*_criterion_text(current))
    (change,) = diff.changes
    assert [(s.op, s.text) for s in change.words or []] == [
        ("equal", "Seizures"),
        ("delete", ", especially temporal lobe epilepsy"),
        ("insert", " of any kind"),
        ("equal", "."),
    ]
    assert diff.summary() == ["Statement I: criterion wording changed: now 'Seizures of any kind'."]


# --------------------------------------------------------------------------- word diff


WORD_CASES = [
    ("", ""),
    ("same text", "same text"),
    ("", "all new words"),
    ("all old words", ""),
    ("a b c d", "a x y d"),
    ("**strong** and *em*", "strong and em"),
    ("2019 [revised 2024].", "2019 [revised 2024; accessed 2025 Dec 02]."),
    ("one two three four", "four three two one"),
]


@pytest.mark.parametrize(("old", "new"), WORD_CASES)
def test_word_diff_rebuilds_both_texts_and_mirrors(old: str, new: str) -> None:
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.op != "insert") == to_plain(old)
    assert "".join(s.text for s in segments if s.op != "delete") == to_plain(new)
    assert word_diff(new, old) == mirror_words(segments)
    assert all(s.text for s in segments), "no empty segments"
    assert all(a.op != b.op for a, b in zip(segments, segments[1:], strict=False)), "adjacent segments differ in op"


def test_word_diff_groups_a_replacement() -> None:
    assert word_diff("a b c d", "a x y d") == [
        WordSegment(op="equal", text="a "),
        WordSegment(op="delete", text="b c"),
        WordSegment(op="insert", text="x y"),
        WordSegment(op="equal", text=" d"),
    ]


# Few words, so that texts share words, repeat them and match in several blocks.
PARAGRAPHS = st.lists(st.sampled_from(["MRS", "the", "of", "tumor", "spine", "**not**", "2025;", "<b>"]), max_size=24).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(PARAGRAPHS, PARAGRAPHS)
def test_paragraphs_are_similar_when_difflib_matches_half_their_words(old: str, new: str) -> None:
    # The definition, computed in full: the alignment stops searching once the answer is known.
    first, second = sorted((old.split(), new.split()))
    matched = sum(block.size for block in difflib.SequenceMatcher(None, first, second, autojunk=False).get_matching_blocks())
    assert _similar(old, new) is _similar(new, old) is (2 * matched >= max(len(first), len(second)))


@settings(max_examples=300, deadline=None)
@given(PARAGRAPHS, PARAGRAPHS)
def test_the_compiled_matcher_answers_as_the_standard_librarys(old: str, new: str) -> None:
    # The diff uses cydifflib's SequenceMatcher for speed: its answers must be difflib's, so the
    # published diffs are what the standard library's algorithm gives.
    old_words, new_words = old.split(" "), new.split(" ")
    ours = SequenceMatcher(None, old_words, new_words, autojunk=False)
    reference = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    assert [tuple(op) for op in ours.get_opcodes()] == [tuple(op) for op in reference.get_opcodes()]
    assert [tuple(block) for block in ours.get_matching_blocks()] == [tuple(block) for block in reference.get_matching_blocks()]
    assert tuple(ours.find_longest_match(1, len(old_words), 0, len(new_words) - 1)) == tuple(
        reference.find_longest_match(1, len(old_words), 0, len(new_words) - 1)
    )


@settings(max_examples=300, deadline=None)
@given(PARAGRAPHS, PARAGRAPHS)
def test_word_diff_rebuilds_both_texts_of_generated_paragraphs(old: str, new: str) -> None:
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.op != "insert") == to_plain(old)
    assert "".join(s.text for s in segments if s.op != "delete") == to_plain(new)
    assert word_diff(new, old) == mirror_words(segments)
    assert all(a.op != b.op for a, b in zip(segments, segments[1:], strict=False)), "adjacent segments differ in op"


def test_change_mirror_swaps_kind_values_words_and_positions() -> None:
    change = Change(
        kind=K.SECTION_TEXT_CHANGED,
        path=ChangePath.parse("supportive_literature[1->0]"),
        old="a b",
        new="a c",
        words=word_diff("a b", "a c"),
    )
    assert change.mirrored() == Change(
        kind=K.SECTION_TEXT_CHANGED, path=ChangePath.parse("supportive_literature[0->1]"), old="a c", new="a b", words=word_diff("a c", "a b")
    )
    assert change.mirrored().mirrored() == change
    assert K.CODE_ADDED.mirror is K.CODE_REMOVED and K.CODE_MOVED.mirror is K.CODE_MOVED


def test_change_kinds_read_as_sentences() -> None:
    for kind in ChangeKind:
        assert kind.value[0].isupper() and not kind.value.endswith(".") and " " in kind.value
        assert kind.mirror.mirror is kind
