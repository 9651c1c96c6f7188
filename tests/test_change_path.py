"""A change's path is typed (`ChangePath`) and printed as the same strings as before, only at the edge.

Every kind of path the diff makes prints as the string the diff JSON files have always held,
and reads back (`ChangePath.parse`) to the same path: in a table of each kind, and for every
change of real diffs (policy_data, the synthetic library, and random edits of 6.01.03).
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators.domain.change_path import POSITIONAL_FIELDS, ChangePath, Step
from generators.domain.diff import Change, ChangeKind, RevisionDiff, diff_revisions
from generators.load.validate import load_library
from generators.model import Library, Revision

from .test_diff_properties import edits

P = ChangePath.of
STATEMENT = P("statements").item("spine-not-medically-necessary")
GUIDELINE = P("professional_guidelines").item("nccn-cns")

#: (path as the diff builds it, the string the JSON has always held): one row per kind of path.
KINDS: list[tuple[ChangePath, str]] = [
    (P("title"), "title"),
    (P("effective_date"), "effective_date"),
    (P("next_review"), "next_review"),
    (P("status"), "status"),
    (STATEMENT, "statements[spine-not-medically-necessary]"),
    (STATEMENT.field("number"), "statements[spine-not-medically-necessary].number"),
    (STATEMENT.field("determination"), "statements[spine-not-medically-necessary].determination"),
    (STATEMENT.field("text"), "statements[spine-not-medically-necessary].text"),
    (STATEMENT.field("criteria"), "statements[spine-not-medically-necessary].criteria"),
    (STATEMENT.field("criteria").item("x"), "statements[spine-not-medically-necessary].criteria[x]"),
    (STATEMENT.field("criteria").item("x").field("text"), "statements[spine-not-medically-necessary].criteria[x].text"),
    (STATEMENT.field("criteria").item("x").field("logic"), "statements[spine-not-medically-necessary].criteria[x].logic"),
    (P("preamble", "text"), "preamble.text"),
    (P("preamble", "disclaimer_link_text"), "preamble.disclaimer_link_text"),
    (P("related_policies").item("6.01.03"), "related_policies[6.01.03]"),
    (P("related_policies").item("6.01.03").field("title"), "related_policies[6.01.03].title"),
    (P("related_policies").item("6.01.03").field("heading"), "related_policies[6.01.03].heading"),
    (P("policy_guidelines").at(2, 2), "policy_guidelines[2]"),
    (P("description").at(None, 0), "description[0]"),
    (P("description").at(3, None), "description[3]"),
    (P("supportive_literature").at(1, 2), "supportive_literature[1->2]"),
    (P("supportive_literature").at(1, 2).field("cites"), "supportive_literature[1->2].cites"),
    (GUIDELINE, "professional_guidelines[nccn-cns]"),
    *[(GUIDELINE.field(name), f"professional_guidelines[nccn-cns].{name}") for name in ("body", "organization", "edition", "text", "cites")],
    (GUIDELINE.field("points").at(0, 1), "professional_guidelines[nccn-cns].points[0->1]"),
    (P("regulatory_status", "not_applicable"), "regulatory_status.not_applicable"),
    (P("regulatory_status").at(0, 0), "regulatory_status[0]"),
    (P("codes", "notes").at(0, 1), "codes.notes[0->1]"),
    (P("codes", "legend").item("NMN"), "codes.legend[NMN]"),
    (P("codes", "legend").item("NMN").field("meaning"), "codes.legend[NMN].meaning"),
    (P("codes", "cpt", "not_applicable"), "codes.cpt.not_applicable"),
    (P("codes", "cpt").item("0609T"), "codes.cpt[0609T]"),
    (P("codes", "cpt").item("99213").field("flags"), "codes.cpt[99213].flags"),
    (P("codes", "hcpcs").item("L8696").field("description"), "codes.hcpcs[L8696].description"),
    (P("codes", "icd10cm").item("C71.0-C71.9", "C71.0-C71.8"), "codes.icd10cm[C71.0-C71.9->C71.0-C71.8]"),
    (P("codes", "icd10cm").item("C71.0-C71.9", "C71.0-C71.8").field("flags"), "codes.icd10cm[C71.0-C71.9->C71.0-C71.8].flags"),
    (P("codes", "cpt", "copyright"), "codes.cpt.copyright"),
    (P("references").item("nice-ng99-2018"), "references[nice-ng99-2018]"),
    *[(P("references").item("nice-ng99-2018").field(name), f"references[nice-ng99-2018].{name}") for name in ("text", "url", "year")],
    (P("cms").at(0, 0), "cms[0]"),
    (P("search_terms", "not_applicable"), "search_terms.not_applicable"),
    (P("search_terms").at(4, 3), "search_terms[4->3]"),
    (P("disclaimer").at(0, 0), "disclaimer[0]"),
]

#: How the paths were mirrored while they were strings: a pair of keys in brackets swapped.
_OLD_MIRROR = re.compile(r"\[([^\[\]]*?)->([^\[\]]*?)\]")


def _round_trips(path: ChangePath) -> None:
    text = str(path)
    assert path.to_json() == text
    assert ChangePath.parse(text) == path, text
    assert str(path.mirrored()) == _OLD_MIRROR.sub(lambda m: f"[{m.group(2)}->{m.group(1)}]", text)
    assert path.mirrored().mirrored() == path


@pytest.mark.parametrize(("path", "printed"), KINDS, ids=[printed for _, printed in KINDS])
def test_every_kind_of_path_prints_as_before_and_reads_back(path: ChangePath, printed: str) -> None:
    assert str(path) == printed
    _round_trips(path)


def test_the_table_has_every_section_the_diff_names() -> None:
    sections = {path.section for path, _ in KINDS}
    assert sections >= {"statements", "preamble", "related_policies", "supportive_literature", "professional_guidelines", "references"}
    assert {s for s in sections if s.startswith("codes.")} == {"codes.notes", "codes.legend", "codes.cpt", "codes.hcpcs", "codes.icd10cm"}
    assert POSITIONAL_FIELDS == {step.field for path, _ in KINDS for step in path.steps if isinstance(step.key, int)}


def test_typed_parts() -> None:
    path = STATEMENT.field("criteria").item("x").field("text")
    assert path.section == "statements" and path.leaf == "text"
    assert path.first_item == Step("statements", "spine-not-medically-necessary")
    assert path.item_of("criteria") == Step("criteria", "x") and path.item_of("points") is None
    renamed = P("codes", "icd10cm").item("C71.0-C71.9", "C71.0-C71.8")
    assert renamed.section == "codes.icd10cm" and renamed.first_item is not None
    assert (renamed.first_item.key_text, renamed.first_item.current_key) == ("C71.0-C71.9->C71.0-C71.8", "C71.0-C71.8")
    assert P("description").at(1, 2).first_item == Step("description", 1, 2)
    assert P("description").at(2, 2) == P("description").at(None, 2) == P("description").item(2)
    assert P("title").first_item is None
    with pytest.raises(ValueError, match="ending at an item"):
        STATEMENT.item("again")


@pytest.mark.parametrize("text", ["", "title.", ".title", "codes..cpt", "statements[x", "statements[]", "Title", "description[x]", "description[01]", "a b"])
def test_parse_rejects_what_no_diff_prints(text: str) -> None:
    with pytest.raises(ValueError, match="expected a change path"):
        ChangePath.parse(text)


def test_a_change_keeps_its_string_in_json_and_its_type_in_python() -> None:
    path = P("codes", "icd10cm").item("C71.0-C71.9", "C71.0-C71.8")
    change = Change(kind=ChangeKind.CODE_RANGE_CHANGED, path=path, old="C71.0-C71.9", new="C71.0-C71.8")
    assert change.model_dump_json().startswith('{"kind":"Code range changed","path":"codes.icd10cm[C71.0-C71.9->C71.0-C71.8]",')
    assert change.model_dump(mode="json")["path"] == str(path)
    assert change.model_dump()["path"] == str(path) and change.path == path
    assert Change.model_validate_json(change.model_dump_json()) == change
    assert Change.model_validate(change.model_dump()) == change  # model_dump gives the string back: it is read again
    with pytest.raises(ValueError):
        Change.model_validate({**change.model_dump(), "path": "codes..cpt"})
    assert pickle.loads(pickle.dumps(change)) == change
    assert hash(change) == hash(pickle.loads(pickle.dumps(change)))
    assert Change.model_json_schema(mode="serialization")["properties"]["path"]["type"] == "string"


def _all_pairs(library: Library) -> list[RevisionDiff]:
    return [diff_revisions(a, b) for policy in library.policies for a in policy.revisions for b in policy.revisions if a is not b]


def test_real_diffs_of_policy_data_round_trip(library: Library) -> None:
    changes = [change for diff in _all_pairs(library) for change in diff.changes]
    assert changes
    for change in changes:
        _round_trips(change.path)


def test_real_diffs_of_the_synthetic_library_round_trip(synthetic_library: Callable[[int, int, int], Path]) -> None:
    changes = [change for diff in _all_pairs(load_library(synthetic_library(6, 3, 5))) for change in diff.changes]
    assert len({change.path.section for change in changes}) >= 5
    for change in changes:
        _round_trips(change.path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_diffs_of_random_edits_round_trip(library: Library, data: st.DataObject) -> None:
    bases: list[Revision] = list(library.policy("6.01.03").revisions)
    a = data.draw(edits(data.draw(st.sampled_from(bases))))
    b = data.draw(edits(data.draw(st.sampled_from(bases))))
    for change in diff_revisions(a, b).changes:
        _round_trips(change.path)
