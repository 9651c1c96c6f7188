"""The fast paths of loading, export and downloads give exactly what the plain ones give."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from generators.domain.code_index import FlagUse, ListedEntry, PolicyCode, ShardCode, ShardListing, StatementRef, policy_entries
from generators.load.yaml_files import _Builder, _ComposeLoader, parse_yaml
from generators.model import CodeSystem, Determination, Flag, Library, Reference
from generators.outputs import line_layout
from generators.outputs.code_shards import _code_fields, _listing_line
from generators.outputs.codes_csv import _csv_fields
from generators.outputs.json_api import dump_json, dump_model, policy_document, revision_document

from .conftest import DATA, timeline


def test_fast_conversion_gives_the_data_and_locations_of_the_careful_one() -> None:
    for path in sorted(DATA.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        doc = parse_yaml(text, path.name)
        careful = _Builder(path.name)
        expected = careful.build(yaml.compose(text, Loader=yaml.CSafeLoader), ())
        assert not isinstance(doc, list) and doc.data == expected
        assert doc.locations == careful.locations


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("base: {a: 1}\nother:\n  <<: {b: 2}\n", "yaml-key", id="merge-key"),
        pytest.param("a: =\n", "yaml-tag", id="value-key"),
        pytest.param("a: !!binary aGk=\n", "yaml-tag", id="binary-tag"),
        pytest.param("a: &x 1\nb: *x\n", "yaml-alias", id="scalar-alias"),
    ],
)
def test_refusals_survive_the_constant_tag_resolver(text: str, code: str) -> None:
    result = parse_yaml(text, "t.yaml")
    assert isinstance(result, list) and [d.code for d in result] == [code]
    assert result[0].line is not None


def test_constant_resolver_keeps_scalar_text_and_style() -> None:
    text = "a: 1.5\nb: '2026-01-22'\nc: yes\n"
    fast = yaml.compose(text, Loader=_ComposeLoader)
    plain = yaml.compose(text, Loader=yaml.CSafeLoader)
    assert [(k.value, v.value, v.style) for k, v in fast.value] == [(k.value, v.value, v.style) for k, v in plain.value]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1).filter(lambda s: s.strip()))
def test_pydantic_serialisation_equals_python_json_for_any_text(text: str) -> None:
    # Built without validation: the serialiser must agree on any text, even text the model refuses.
    reference = Reference.model_construct(id="a", text=text, url=None, year=None)
    assert dump_model(reference) == dump_json(reference.model_dump(mode="json"))


def test_every_control_and_special_character_serialises_the_same() -> None:
    text = "".join(chr(i) for i in range(1, 0x3000)) + "\U0001f600\u2028\u2029\ufeff"
    reference = Reference.model_construct(id="a", text=text, url=None, year=None)
    assert dump_model(reference) == dump_json(reference.model_dump(mode="json"))


def test_whole_documents_serialise_the_same(library: Library) -> None:
    documents: list[BaseModel] = list(library.policies)
    for policy in library.policies:
        documents.append(policy_document(timeline(policy), {revision.key: "sha256:" + "0" * 64 for revision in policy.revisions}))
        documents += [revision_document(timeline(policy), revision) for revision in policy.revisions]
    for document in documents:
        assert dump_model(document) == dump_json(document.model_dump(mode="json"))


def test_synthetic_library_serialises_the_same(synthetic_library: Callable[[int, int, int], Path]) -> None:
    from generators.load.validate import load_library

    test_whole_documents_serialise_the_same(load_library(synthetic_library(2, 2, 3)))


# --------------------------------------------------------------------------- downloads

HOSTILE_TEXT = 'Brain, "spine" & <b>x</b> </script> \\ é ✓ \U0001f600 \u2028 tab\tand\r\nnew line'


def _csv_writer_row(values: tuple[str, ...]) -> str:
    """The reference: OWASP's neutralisation (one ' before a cell of quotes then = + - @ TAB or CR), then the csv module."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow(["'" + value if re.match(r"'*[=+\-@\t\r]", value) else value for value in values])
    return buffer.getvalue()


def test_csv_fields_are_neutralised_and_quoted_exactly_as_the_reference_writes_them() -> None:
    formulas = ["=1+1", "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "'=1", "''-1", "'a", "=a,b", '@"x"', "\r\n"]
    values = ["", " ", '"', '""', ",", "\r", "\n", "\r\n", HOSTILE_TEXT, *formulas, *(f"a{chr(i)}b" for i in range(1, 0x3000)), *(f"{chr(i)}b" for i in range(1, 0x3000))]
    for value in values:
        assert _csv_fields((value, "x", value)) + "end\r\n" == _csv_writer_row((value, "x", value, "end")), repr(value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",))) | st.text(alphabet=st.sampled_from("'=+-@\t\r\n,\"a")), min_size=1, max_size=4))
def test_csv_fields_equal_the_csv_module_for_any_text(values: list[str]) -> None:
    assert _csv_fields(tuple(values)) + "end\r\n" == _csv_writer_row((*values, "end"))


def _hostile_entry(library: Library, text: str) -> ListedEntry:
    listed = replace(next(iter(policy_entries(timeline(library.policies[0])).values()))[0].revision, policy=text)
    flags = [FlagUse(flag=Flag.EI, meaning=text), FlagUse(flag=Flag.NMN, meaning=text)]
    statements = [StatementRef(id=text, number="I", determination=Determination.INVESTIGATIONAL)]
    return ListedEntry(revision=listed, listed_as=text, via_range=text, listed_description=text, flags=flags, statements=statements, basis="flag")


@pytest.mark.parametrize("text", [HOSTILE_TEXT, "".join(chr(i) for i in range(1, 0x3000)) + "\U0001f600\u2028\u2029\ufeff"])
def test_listing_lines_and_code_fields_are_what_the_shard_models_write(library: Library, text: str) -> None:
    entry = _hostile_entry(library, text)
    later = replace(entry, revision=replace(entry.revision, revision=library.policies[0].newest))
    listing = ShardListing(
        policy=entry.revision.policy,
        revisions=[entry.revision.revision.revision, later.revision.revision.revision],
        listed_as=text,
        via_range=text,
        listed_description=text,
        flags=[Flag.EI, Flag.NMN],
        statements=[text],
        basis="flag",
    )
    assert _listing_line((entry, later)) == listing.model_dump_json().encode("utf-8")
    alone = ShardListing(policy=entry.revision.policy, revisions=[entry.revision.revision.revision], listed_as="0611T", via_range=None, listed_description="", flags=[], statements=[], basis="policy")
    assert _listing_line((ListedEntry(entry.revision, "0611T", None, "", [], [], "policy"),)) == alone.model_dump_json().encode("utf-8")
    for source in ("code_set", "policy"):
        code = PolicyCode(CodeSystem.CPT, text, [entry], text, source)  # type: ignore[arg-type]
        record = ShardCode(code=text, description=text, description_source=source, listings=[])  # type: ignore[arg-type]
        written = line_layout.lined_object(_code_fields(code), [("listings", line_layout.lined("[]", []))])
        assert b"".join(written) == record.model_dump_json().encode("utf-8")


