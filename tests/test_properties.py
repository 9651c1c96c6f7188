"""Properties that hold for every policy, not just 6.01.03 (hypothesis).

1. YAML -> model -> JSON -> model is the identity: what an author writes is what the API
   publishes, and what the API publishes reads back into the same model.
2. Validation never fails with anything but its own diagnostics, whatever the file holds.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators import urls
from generators.errors import Diagnostic, PolicyDataError
from generators.load.yaml_files import LoadedDocument, parse_yaml
from generators.model import Library, Policy, PolicyIdentity, Revision
from generators.outputs.json_api import IndexDocument, PolicyDocument, RevisionDocument, render_api
from generators.load.validate import check_revision, load_library, validate_document

from . import strategies
from .conftest import DATA, AS_OF

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _Dumper(yaml.SafeDumper):
    """Writes YAML as an author would: never an anchor (our loader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def load(data: Any, name: str, model: type[Any]) -> Any:
    """Write `data` as YAML, read it back through the real loader, validate into `model`."""
    document = parse_yaml(dump(data), name)
    assert isinstance(document, LoadedDocument), document
    instance, problems = validate_document(document, model)
    assert not problems, [p.format() for p in problems]
    return instance, document


@FAST
@given(st.data())
def test_yaml_to_model_to_json_to_model_is_the_identity(data: st.DataObject) -> None:
    revision_data = data.draw(strategies.revisions(), label="revision")
    revision, document = load(revision_data, f"{revision_data['revision']}.yaml", Revision)
    assert check_revision(revision, document) == []
    # Every value written in the YAML is in the model, unchanged.
    assert revision.model_dump(mode="json", exclude_unset=True) == revision_data

    identity_data = data.draw(strategies.identities([revision_data["revision"]]), label="policy.yaml")
    identity, _ = load(identity_data, "policy.yaml", PolicyIdentity)
    assert identity.model_dump(mode="json", exclude_unset=True) == identity_data

    policy = Policy(number=identity.number, title=identity.title, category=identity.category, history=identity.history, revisions=[revision])
    files = render_api(Library(policies=[policy]), AS_OF)
    again = RevisionDocument.model_validate_json(files[urls.api_revision(policy.number, revision.key)], strict=True)
    assert again.revision == revision
    assert [row.number for row in IndexDocument.model_validate_json(files[urls.api_index()], strict=True).policies] == [policy.number]
    assert PolicyDocument.model_validate_json(files[urls.api_policy(policy.number)], strict=True).history == policy.history


def _validate_everything(document: LoadedDocument | list[Diagnostic]) -> None:
    if isinstance(document, list):
        assert document and all(isinstance(d, Diagnostic) for d in document)
        return
    for model in (Revision, PolicyIdentity):
        instance, problems = validate_document(document, model)
        assert (instance is None) == bool(problems)
        if isinstance(instance, Revision):
            check_revision(instance, document)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list("abc:-[]{}&*!|>'\"#%@`,? \n\t0129.") + ["\n  ", "- ", ": ", "!!python/object:os.system", "<<: "]), max_size=60).map("".join))
def test_validation_of_arbitrary_yaml_text_never_raises(text: str) -> None:
    _validate_everything(parse_yaml(text, "fuzz.yaml"))


@settings(max_examples=150, deadline=None)
@given(strategies.nested)
def test_validation_of_arbitrary_data_never_raises(value: Any) -> None:
    _validate_everything(parse_yaml(dump({"revision": value, "statements": value, "codes": value}), "fuzz.yaml"))


REAL_REVISION = yaml.safe_load((DATA / "6.01.03/revisions/2026-01-22.yaml").read_text(encoding="utf-8"))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, prefix + (index,))
    return found


_REAL_PATHS = [p for p in _paths(REAL_REVISION) if p]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_REAL_PATHS), strategies.nested), min_size=1, max_size=3))
def test_any_damage_to_the_real_revision_is_reported_not_raised(damage: list[tuple[tuple[Any, ...], Any]]) -> None:
    broken = json.loads(json.dumps(REAL_REVISION, default=str))
    for path, value in damage:
        target = broken
        try:
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "policy_data"
        (data / "6.01.03" / "revisions").mkdir(parents=True)
        (data / "6.01.03" / "policy.yaml").write_bytes((DATA / "6.01.03/policy.yaml").read_bytes())
        (data / "6.01.03" / "revisions" / "2025-01-23.yaml").write_bytes((DATA / "6.01.03/revisions/2025-01-23.yaml").read_bytes())
        (data / "6.01.03" / "revisions" / "2026-01-22.yaml").write_text(dump(broken), encoding="utf-8")
        try:
            load_library(data)
        except PolicyDataError as error:
            assert error.diagnostics and all(d.file for d in error.diagnostics)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_in_a_revision_file_are_reported_not_raised(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "policy_data"
        (data / "6.01.03" / "revisions").mkdir(parents=True)
        (data / "6.01.03" / "policy.yaml").write_bytes((DATA / "6.01.03/policy.yaml").read_bytes())
        (data / "6.01.03" / "revisions" / "2026-01-22.yaml").write_bytes(content)
        try:
            load_library(data)
        except PolicyDataError as error:
            assert any(d.file.endswith("2026-01-22.yaml") for d in error.diagnostics)
        else:
            raise AssertionError("arbitrary bytes validated as a revision")
