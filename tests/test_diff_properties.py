"""Properties of the diff on generated revisions: empty on itself, mirrored when reversed, complete.

Revisions are generated from the real 6.01.03 revisions by random edits: statements, criteria,
codes, references, guidelines and paragraphs deleted, reordered or reworded, metadata changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators.domain.diff import Change, diff_revisions
from generators.model import Determination, Flag, Library, Revision
from generators.text import to_plain

from .diff_helpers import map_criteria, renumbered, with_cpt, with_icd

WORDS = st.sampled_from(["MRS", "spine", "not", "**medically**", "necessary", "<b>", "&", "tumor", "", "2025;", "Dec"])


def _pick(draw: st.DrawFn, items: list[Any]) -> Any:
    return items[draw(st.integers(0, len(items) - 1))]


def _reword(draw: st.DrawFn, text: str) -> str:
    words = text.split(" ")
    position = draw(st.integers(0, len(words)))
    action = draw(st.sampled_from(["insert", "delete", "replace"]))
    if action == "insert" or len(words) == 1:
        words.insert(position, draw(WORDS))
    elif action == "delete":
        del words[min(position, len(words) - 1)]
    else:
        words[min(position, len(words) - 1)] = draw(WORDS)
    return " ".join(words).strip() or "text"


def _subset(draw: st.DrawFn, items: list[Any], keep_one: bool = False) -> list[Any]:
    """Some items dropped, the rest possibly shuffled."""
    kept = [item for item in items if draw(st.booleans()) or len(items) == 1]
    if keep_one and not kept:
        kept = items[:1]
    if draw(st.booleans()):
        kept = draw(st.permutations(kept))
    return list(kept)


def _statements_dropped_or_reordered(draw: st.DrawFn, r: Revision) -> Revision:
    return r.model_copy(update={"statements": renumbered(_subset(draw, r.statements, keep_one=True))})


def _statement_edited(draw: st.DrawFn, r: Revision) -> Revision:
    statement = _pick(draw, r.statements)
    if draw(st.booleans()):
        update: dict[str, Any] = {"text": _reword(draw, statement.text)}
    else:
        update = {"determination": draw(st.sampled_from([d for d in Determination if d is not statement.determination]))}
    replaced = statement.model_copy(update=update)
    return r.model_copy(update={"statements": [replaced if s.id == statement.id else s for s in r.statements]})


def _criterion_edited(draw: st.DrawFn, r: Revision) -> Revision:
    walk = [p.criterion for s in r.statements for p in s.iter_criteria()]
    if not walk:
        return r
    target = _pick(draw, walk)
    action = draw(st.sampled_from(["drop", "reword", "relabel"]))
    replacement = {
        "drop": None,
        "reword": target.model_copy(update={"text": _reword(draw, target.text)}),
        "relabel": target.model_copy(update={"label": draw(st.sampled_from(["A", "B", "7", "9"]))}),
    }[action]
    return map_criteria(r, lambda c: replacement if c.id == target.id else c)


def _codes_dropped_or_reordered(draw: st.DrawFn, r: Revision) -> Revision:
    r = with_cpt(r, _subset(draw, list(r.codes.cpt.entries), keep_one=True))
    return with_icd(r, _subset(draw, list(r.codes.icd10cm.entries), keep_one=True))


def _code_edited(draw: st.DrawFn, r: Revision) -> Revision:
    entries = list(r.codes.cpt.entries)
    index = draw(st.integers(0, len(entries) - 1))
    if draw(st.booleans()):
        flags = draw(st.lists(st.sampled_from(list(Flag)), unique=True, max_size=2))
        entries[index] = entries[index].model_copy(update={"flags": flags})
    else:
        entries[index] = entries[index].model_copy(update={"description": _reword(draw, entries[index].description)})
    return with_cpt(r, entries)


def _range_edited(draw: st.DrawFn, r: Revision) -> Revision:
    ranges = [e for e in r.codes.icd10cm.entries if e.is_range]
    if not ranges:
        return r
    target = _pick(draw, ranges)
    update = {"range_end": target.range_start} if draw(st.booleans()) else {"description": _reword(draw, target.description)}
    return with_icd(r, [e.model_copy(update=update) if e is target else e for e in r.codes.icd10cm.entries])


def _references_edited(draw: st.DrawFn, r: Revision) -> Revision:
    references = _subset(draw, list(r.references))
    if references and draw(st.booleans()):
        index = draw(st.integers(0, len(references) - 1))
        update = {"text": _reword(draw, references[index].text)} if draw(st.booleans()) else {"url": draw(st.sampled_from([None, "https://example.org/x"]))}
        references[index] = references[index].model_copy(update=update)
    return r.model_copy(update={"references": references})


def _paragraphs_edited(draw: st.DrawFn, r: Revision) -> Revision:
    field = draw(st.sampled_from(["description", "disclaimer", "policy_guidelines", "cms"]))
    paragraphs = _subset(draw, list(getattr(r, field)), keep_one=True)
    index = draw(st.integers(0, len(paragraphs) - 1))
    paragraphs[index] = _reword(draw, paragraphs[index])
    if draw(st.booleans()):
        paragraphs.insert(draw(st.integers(0, len(paragraphs))), "A new paragraph about MRS.")
    return r.model_copy(update={field: paragraphs})


def _literature_edited(draw: st.DrawFn, r: Revision) -> Revision:
    literature = _subset(draw, list(r.supportive_literature))
    if literature and draw(st.booleans()):
        literature[0] = literature[0].model_copy(update={"text": _reword(draw, literature[0].text), "cites": literature[0].cites[:0]})
    return r.model_copy(update={"supportive_literature": literature})


def _guidelines_edited(draw: st.DrawFn, r: Revision) -> Revision:
    guidelines = _subset(draw, list(r.professional_guidelines))
    if guidelines and draw(st.booleans()):
        g = guidelines[0]
        guidelines[0] = g.model_copy(update={"points": _subset(draw, list(g.points)), "edition": draw(st.sampled_from([None, "Version 9"]))})
    return r.model_copy(update={"professional_guidelines": guidelines})


def _metadata_edited(draw: st.DrawFn, r: Revision) -> Revision:
    field = draw(st.sampled_from(["title", "effective_date", "next_review"]))
    value = {
        "title": _reword(draw, r.title),
        "effective_date": None if r.effective_date else r.revision,
        "next_review": draw(st.sampled_from([None, "2027-01", "2028-02"])),
    }[field]
    return r.model_copy(update={field: value})


Mutation = Callable[[st.DrawFn, Revision], Revision]
MUTATIONS: list[Mutation] = [
    _statements_dropped_or_reordered,
    _statement_edited,
    _criterion_edited,
    _codes_dropped_or_reordered,
    _code_edited,
    _range_edited,
    _references_edited,
    _paragraphs_edited,
    _literature_edited,
    _guidelines_edited,
    _metadata_edited,
]


@st.composite
def edits(draw: st.DrawFn, revision: Revision, least: int = 0, most: int = 3) -> Revision:
    """The revision after a few random edits of any part."""
    for _ in range(draw(st.integers(least, most))):
        revision = draw(st.sampled_from(MUTATIONS))(draw, revision)
    return revision


@pytest.fixture(scope="module")
def bases(library: Library) -> list[Revision]:
    return list(library.policy("6.01.03").revisions)


def _content(revision: Revision) -> dict[str, Any]:
    """What the diff compares: everything but the revision's own ID and its provenance."""
    return revision.model_dump(mode="json", exclude={"revision", "provenance"})


def _items(revision: Revision) -> dict[str, Any]:
    """The revision's content keyed by the path prefix its changes carry."""
    content = _content(revision)
    items: dict[str, Any] = {}
    for name in ("statements", "references", "professional_guidelines"):
        items |= {f"{name}[{item['id']}]": item for item in content.pop(name)}
    codes = content.pop("codes")
    for system in ("cpt", "hcpcs", "icd10cm"):
        table = codes.pop(system)
        items |= {f"codes.{system}[{_display(e)}]": e for e in table.pop("entries")}
        items[f"codes.{system}"] = table
    items |= {f"codes.{key}": value for key, value in codes.items()}
    return items | content


def _display(entry: dict[str, Any]) -> str:
    return entry["code"] or f"{entry['range_start']}-{entry['range_end']}"


def _place(change: Change) -> tuple[str, str]:
    return str(change.path), change.kind.value


PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_revision_compared_with_itself_is_empty(bases: list[Revision], data: st.DataObject) -> None:
    revision = data.draw(edits(data.draw(st.sampled_from(bases))))
    assert diff_revisions(revision, revision).changes == ()
    assert diff_revisions(revision, revision.model_copy(deep=True)).changes == ()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_reversed_diff_is_the_mirror(bases: list[Revision], data: st.DataObject) -> None:
    """diff(b, a) holds exactly the changes of diff(a, b).mirrored(): kinds, paths, values and words."""
    a = data.draw(edits(data.draw(st.sampled_from(bases))))
    b = data.draw(edits(data.draw(st.sampled_from(bases))))
    forward, backward = diff_revisions(a, b), diff_revisions(b, a)
    assert sorted(backward.changes, key=_place) == sorted(forward.mirrored().changes, key=_place)
    assert len({_place(c) for c in forward.changes}) == len(forward.changes), "each change reported once"


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.__name__.strip("_") for m in MUTATIONS])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_change_is_missed_and_words_rebuild_both_texts(bases: list[Revision], mutation: Mutation, data: st.DataObject) -> None:
    """After one edit of each kind, every item that differs has a change at its path; word diffs rebuild both texts."""
    a = data.draw(edits(data.draw(st.sampled_from(bases)), most=2))
    b = mutation(data.draw, a)
    diff = diff_revisions(a, b)
    assert bool(diff) == (_content(a) != _content(b))
    before, after = _items(a), _items(b)
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            paths = [str(c.path) for c in diff.changes]
            at_key = [path for path in paths if path == key or path.startswith((f"{key}.", f"{key}["))]
            # A range whose bounds changed is one change at [old->new].
            display = key.split("[")[-1].rstrip("]")
            at_range = [path for path in paths if key.startswith("codes.") and f"[{display}->" in path or f"->{display}]" in path]
            assert at_key or at_range, key
    for change in diff.changes:
        if change.words is not None:
            old = "".join(s.text for s in change.words if s.op != "insert")
            new = "".join(s.text for s in change.words if s.op != "delete")
            assert old == to_plain(change.old or "") and new == to_plain(change.new or ""), change.path
