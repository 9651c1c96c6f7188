"""The JSON API validates against its published schemas, is deterministic and round-trips."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from generators.model import Library, Revision
from generators.outputs.json_api import SCHEMAS, render_api

from .conftest import AS_OF


@pytest.fixture(scope="module")
def files(library: Library) -> dict[str, bytes]:
    return render_api(library, AS_OF)


def test_layout(files: dict[str, bytes]) -> None:
    assert sorted(files) == [
        "api/v1/index.json",
        "api/v1/policies/6.01.03.json",
        "api/v1/policies/6.01.03/revisions/2025-01-23.json",
        "api/v1/policies/6.01.03/revisions/2026-01-22.json",
        *(f"api/v1/schema/{name}.schema.json" for name in sorted(SCHEMAS)),
    ]


def _schema_for(document: dict) -> dict:
    return document["schema_url"].rsplit("/", 1)[1].removesuffix(".schema.json")


def test_every_file_validates_against_its_published_schema(files: dict[str, bytes]) -> None:
    schemas = {name: json.loads(files[f"api/v1/schema/{name}.schema.json"]) for name in SCHEMAS}
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    checked = 0
    for path, content in files.items():
        if "/schema/" in path:
            continue
        document = json.loads(content)
        Draft202012Validator(schemas[_schema_for(document)]).validate(document)
        checked += 1
    assert checked == 4


def test_schema_rejects_what_it_should(files: dict[str, bytes]) -> None:
    schema = json.loads(files["api/v1/schema/revision.schema.json"])
    document = json.loads(files["api/v1/policies/6.01.03/revisions/2026-01-22.json"])
    document["revision"]["statements"][0]["determination"] = "maybe"
    assert not Draft202012Validator(schema).is_valid(document)
    document = json.loads(files["api/v1/policies/6.01.03/revisions/2026-01-22.json"])
    document["revision"]["surprise"] = 1
    assert not Draft202012Validator(schema).is_valid(document)


def test_output_is_deterministic(library: Library, files: dict[str, bytes]) -> None:
    assert render_api(library, AS_OF) == files


def test_no_floats_and_iso_dates(files: dict[str, bytes]) -> None:
    for path, content in files.items():
        if "/schema/" in path:
            continue
        text = content.decode("utf-8")
        assert not re.search(r":\s*-?\d+\.\d+\s*[,\n}]", text), path
        json.loads(text, parse_float=lambda s: pytest.fail(f"float {s} in {path}"))
    revision = json.loads(files["api/v1/policies/6.01.03/revisions/2026-01-22.json"])["revision"]
    assert revision["revision"] == "2026-01-22" and revision["effective_date"] == "2026-05-15"


def test_revision_json_round_trips_to_the_model(library: Library, files: dict[str, bytes]) -> None:
    for revision in library.policy("6.01.03").revisions:
        document = json.loads(files[f"api/v1/policies/6.01.03/revisions/{revision.key}.json"])
        assert Revision.model_validate_json(json.dumps(document["revision"]), strict=True) == revision


def test_policy_file_lists_revisions_with_their_states(files: dict[str, bytes]) -> None:
    policy = json.loads(files["api/v1/policies/6.01.03.json"])
    assert (policy["as_of"], policy["in_effect"]) == ("2026-12-04", "2026-01-22")
    assert [(r["revision"], r["status"], r["state"], r["statement_count"]) for r in policy["revisions"]] == [
        ("2025-01-23", "reconstructed", "superseded", 2),
        ("2026-01-22", "published", "in_effect", 3),
    ]
    assert policy["revisions"][0]["links"]["json_url"] == "api/v1/policies/6.01.03/revisions/2025-01-23.json"
    index = json.loads(files["api/v1/index.json"])
    assert index["policies"][0]["last_change"] == "2026-01-22"


def test_data_files_are_compact_and_schemas_indented(files: dict[str, bytes]) -> None:
    """Programs read the data files: no indentation, one line; people read the schemas."""
    for path, content in files.items():
        document = json.loads(content)
        if "/schema/" in path:
            assert content == (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode(), path
        else:
            assert content == (json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n").encode(), path
