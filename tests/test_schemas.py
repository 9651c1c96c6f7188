"""The published JSON Schemas are ones a client generator can use, and they say what the models enforce.

Every schema is identified by an absolute URL under the site's, names its definitions after the
models (`CodeEntryCpt`, not a Python path), and rejects the documents our models reject,
wherever JSON Schema can say the rule. Each schema is compared with its golden file in
`tests/golden/schema/`: a change of a published schema is reviewed
(`POLICYKB_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_schemas.py`).
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from generators import urls
from generators.adapters.cli import main
from generators.outputs.json_api import schema_of

from .conftest import AS_OF, DATA, ROOT, check_golden

GOLDEN = ROOT / "tests" / "golden" / "schema"
SCHEMA_DIR = "api/v1/schema"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`policykb export` of the repository's data, for the default site URL."""
    out = tmp_path_factory.mktemp("schemas") / "export"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(urls.SITE_URL_VARIABLE, raising=False)
        assert main(["--data", str(DATA), "export", "--out", str(out), "--as-of", AS_OF.isoformat()]) == 0
    return out


def _schemas(export: Path) -> dict[str, dict[str, Any]]:
    return {path.name.removesuffix(".schema.json"): json.loads(path.read_bytes()) for path in sorted((export / SCHEMA_DIR).glob("*.schema.json"))}


def _documents(export: Path) -> dict[str, dict[str, Any]]:
    """Every published JSON data file (not the schemas, not the FHIR resources, which have FHIR's own), by path."""
    found = {}
    for path in sorted(export.rglob("*.json")):
        relative = path.relative_to(export).as_posix()
        if not relative.startswith((SCHEMA_DIR, "api/v1/fhir/")):
            found[relative] = json.loads(path.read_bytes())
    return found


def _schema_name(document: dict[str, Any]) -> str:
    return document["schema_url"].rsplit("/", 1)[1].removesuffix(".schema.json")


def test_every_published_schema_matches_its_golden_file(export: Path) -> None:
    published = sorted((export / SCHEMA_DIR).glob("*.schema.json"))
    assert [path.name for path in published] == [f"{name}.schema.json" for name in ("alias", "code-index", "code-shard", "diff", "index", "policy", "revision")]
    for path in published:
        check_golden(GOLDEN / path.name, path.read_bytes())


def test_every_schema_has_an_absolute_id_under_the_site_url(export: Path) -> None:
    for name, schema in _schemas(export).items():
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"https://policies.example.org/api/v1/schema/{name}.schema.json"


def test_the_id_follows_the_configured_site_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(urls.SITE_URL_VARIABLE, "https://medicalpolicy.example.com/kb")
    assert schema_of("index")["$id"] == "https://medicalpolicy.example.com/kb/api/v1/schema/index.schema.json"


def test_the_site_url_has_one_default_shared_with_mkdocs() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f'site_url: !ENV [{urls.SITE_URL_VARIABLE}, "{urls.DEFAULT_SITE_URL}"]' in config


def test_definitions_are_named_after_the_models(export: Path) -> None:
    for name, schema in _schemas(export).items():
        for key, definition in schema.get("$defs", {}).items():
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", key), f"{name}: {key}"
            assert definition.get("title", key) == key, f"{name}: {key}"
    assert {"CodeEntryCpt", "CodeEntryHcpcs", "CodeEntryIcd10Cm", "CodeTableIcd10Cm"} <= set(_schemas(export)["revision"]["$defs"])


def test_every_published_file_validates_against_its_schema(export: Path) -> None:
    schemas = _schemas(export)
    documents = _documents(export)
    for path, document in documents.items():
        Draft202012Validator(schemas[_schema_name(document)]).validate(document)
    # the repository's data renumbers no policy: tests/test_lifecycle.py validates alias documents
    assert {_schema_name(document) for document in documents.values()} == set(schemas) - {"alias"}


# --------------------------------------------------------------------------- what the schemas reject

REVISION = "api/v1/policies/6.01.03/revisions/2026-01-22.json"
OLD_REVISION = "api/v1/policies/6.01.03/revisions/2025-01-23.json"


def _cpt(document: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return document["revision"]["codes"]["cpt"]["entries"][index]


def _icd_range(document: dict[str, Any]) -> dict[str, Any]:
    return next(entry for entry in document["revision"]["codes"]["icd10cm"]["entries"] if entry["range_start"] is not None)


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(document: dict[str, Any]) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return apply


#: (what is wrong, the file broken, how): each is a document our models reject.
INVALID: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("a CPT code of 4 digits", REVISION, lambda d: _cpt(d).update(code="7639")),
    ("a CPT code in lower case", REVISION, lambda d: _cpt(d, 1).update(code="0609t")),
    ("an ICD-10-CM code without its dot's letter case", REVISION, lambda d: _icd_range(d).update(range_start="c71.0")),
    ("an ICD-10-CM code in a CPT table", REVISION, lambda d: _cpt(d).update(code="C71.0")),
    ("a HCPCS code in the HCPCS table that is not one", REVISION, _set(("revision", "codes", "hcpcs"), {"not_applicable": False, "entries": [{"code": "W1234", "range_start": None, "range_end": None, "flags": [], "description": "x"}], "copyright": None})),
    ("both a code and a range", REVISION, lambda d: _cpt(d).update(range_start="76390", range_end="76391")),
    ("neither a code nor a range", REVISION, lambda d: _cpt(d).update(code=None)),
    ("a range without its end", REVISION, lambda d: _icd_range(d).update(range_end=None)),
    ("the same flag twice", REVISION, lambda d: _cpt(d, 1).update(flags=["NMN", "NMN"])),
    ("a flag that does not exist", REVISION, lambda d: _cpt(d, 1).update(flags=["MAYBE"])),
    ("next_review written as a month name", REVISION, _set(("revision", "next_review"), "January")),
    ("next_review with month 13", REVISION, _set(("revision", "next_review"), "2027-13")),
    ("an effective date that is not YYYY-MM-DD", REVISION, _set(("revision", "effective_date"), "May 15, 2026")),
    ("api_version v2", REVISION, _set(("api_version",), "v2")),
    ("api_version v2 in the index", "api/v1/index.json", _set(("api_version",), "v2")),
    ("a nonsense statement number", REVISION, lambda d: d["revision"]["statements"][0].update(number="IIII")),
    ("a statement number that is not a numeral", REVISION, lambda d: d["revision"]["statements"][0].update(number="2")),
    ("a statement ID that is not a slug", REVISION, lambda d: d["revision"]["statements"][0].update(id="Spine Statement")),
    ("empty text", REVISION, lambda d: d["revision"]["statements"][0].update(text="   ")),
    ("a code table both not applicable and with entries", REVISION, lambda d: d["revision"]["codes"]["cpt"].update(not_applicable=True)),
    ("a code table neither not applicable nor with entries", REVISION, lambda d: d["revision"]["codes"]["cpt"].update(entries=[])),
    ("a reconstructed revision without provenance", OLD_REVISION, _set(("revision", "provenance"), None)),
    ("a criteria group with both one_of and all_of", REVISION, lambda d: next(s for s in d["revision"]["statements"] if s["criteria"])["criteria"].update(one_of=[], all_of=[])),
    ("a policy number that is not one", "api/v1/index.json", lambda d: d["policies"][0].update(number="6.1.3")),
    ("a statement number in a shard that is not a numeral", "api/v1/codes/cpt/061.json", lambda d: next(iter(d["policies"].values()))["revisions"]["2026-01-22"]["statements"][0].update(number="two")),
    ("an unknown field", REVISION, lambda d: d["revision"].update(surprise=1)),
]


@pytest.mark.parametrize(("problem", "path", "breaks"), INVALID, ids=[problem for problem, _, _ in INVALID])
def test_the_schemas_reject_what_the_models_reject(export: Path, problem: str, path: str, breaks: Callable[[dict[str, Any]], None]) -> None:
    schemas = _schemas(export)
    document = json.loads((export / path).read_bytes())
    broken = copy.deepcopy(document)
    breaks(broken)
    assert broken != document, f"{problem}: the case changed nothing"
    validator = Draft202012Validator(schemas[_schema_name(document)])
    assert validator.is_valid(document)
    assert not validator.is_valid(broken), f"the schema accepted {problem}"


# --------------------------------------------------------------------------- generated client models


@pytest.mark.slow
def test_generated_client_models_load_every_published_file(export: Path, tmp_path: Path) -> None:
    """`datamodel-code-generator` makes pydantic models from each schema; they load every published file."""
    package = tmp_path / "client"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    schemas = _schemas(export)
    for name in schemas:
        module = name.replace("-", "_")
        command = [
            sys.executable, "-m", "datamodel_code_generator",
            "--input", str(export / SCHEMA_DIR / f"{name}.schema.json"), "--input-file-type", "jsonschema",
            "--output", str(package / f"{module}.py"), "--output-model-type", "pydantic_v2.BaseModel",
            "--disable-timestamp", "--use-title-as-name",
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        source = (package / f"{module}.py").read_text(encoding="utf-8")
        assert "generators__" not in source
    sys.path.insert(0, str(tmp_path))
    try:
        modules = {name: importlib.import_module(f"client.{name.replace('-', '_')}") for name in schemas}
        loaded = 0
        for path, document in _documents(export).items():
            name = _schema_name(document)
            title = schemas[name]["title"]
            model = getattr(modules[name], title)
            model.model_validate(document)
            loaded += 1
        assert loaded == len(_documents(export))
        assert hasattr(modules["revision"], "CodeEntryCpt")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == "client" or name.startswith("client.")]:
            del sys.modules[name]

