"""The fast paths of loading and export give exactly what the plain ones give."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from generators.load import _Builder, _ComposeLoader, parse_yaml
from generators.model import Library, Reference
from generators.render.json_api import dump_json, dump_model, policy_document, revision_document

from .conftest import DATA


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
        documents.append(policy_document(policy))
        documents += [revision_document(policy, revision) for revision in policy.revisions]
    for document in documents:
        assert dump_model(document) == dump_json(document.model_dump(mode="json"))


def test_synthetic_library_serialises_the_same(tmp_path: Path) -> None:
    from benchmarks.synthetic import generate_library
    from generators.validate import load_library

    generate_library(tmp_path / "lib", policies=2, revisions=2, seed=3)
    test_whole_documents_serialise_the_same(load_library(tmp_path / "lib"))
