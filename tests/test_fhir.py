"""The FHIR ValueSets are canonical R4 resources a terminology server can load, with HL7's code-system URIs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B.valueset import ValueSet

from generators.domain import icd10
from generators import urls
from generators.model import CodeSystem, Library
from generators.outputs.code_shards import render_code_shards
from generators.outputs.fhir import render_value_sets

from .conftest import AS_OF

#: HL7's terminology (terminology.hl7.org, "Using ... with HL7 Standards"): the system URI of each code system.
HL7_SYSTEM_URIS = {
    CodeSystem.CPT: "http://www.ama-assn.org/go/cpt",
    CodeSystem.HCPCS: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    CodeSystem.ICD10CM: "http://hl7.org/fhir/sid/icd-10-cm",
}
#: Before 2026-05-15, the 2026-01-22 revision of 6.01.03 is upcoming: two ValueSets are published.
BEFORE_IT_TAKES_EFFECT = date(2026, 3, 1)


@pytest.fixture(scope="module", params=[AS_OF, BEFORE_IT_TAKES_EFFECT], ids=["in-effect", "with-upcoming"])
def value_sets(request: pytest.FixtureRequest, library: Library) -> dict[str, dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(urls.SITE_URL_VARIABLE, raising=False)
        files = render_value_sets(library, request.param)
    return {path: json.loads(content) for path, content in files.items() if path.startswith("api/v1/fhir/")}


def test_system_uris_are_hl7s() -> None:
    assert {system: system.uri for system in CodeSystem} == HL7_SYSTEM_URIS


def test_every_value_set_is_a_valid_canonical_r4_resource(value_sets: dict[str, dict[str, Any]]) -> None:
    assert value_sets
    for path, data in value_sets.items():
        resource = ValueSet.model_validate(data)
        assert resource.url == "https://policies.example.org/api/v1/fhir/ValueSet-6.01.03.json", path
        assert resource.version in ("2025-01-23", "2026-01-22")
        assert path in (urls.fhir_value_set("6.01.03"), urls.fhir_value_set("6.01.03", resource.version))
        assert resource.name == "Policy_6_01_03_Codes" and resource.title and resource.publisher and resource.date
        assert [(i.system, i.value) for i in resource.identifier] == [("https://policies.example.org/policies/", "6.01.03")]
        [extension] = resource.extension
        assert extension.url == "https://policies.example.org/fhir/StructureDefinition/effective-period"
        assert extension.valuePeriod.start is not None


def test_the_upcoming_revision_has_its_own_draft_value_set(library: Library) -> None:
    files = render_value_sets(library, BEFORE_IT_TAKES_EFFECT)
    shown = json.loads(files[urls.fhir_value_set("6.01.03")])
    upcoming = json.loads(files[urls.fhir_value_set("6.01.03", "2026-01-22")])
    assert (shown["version"], shown["status"]) == ("2025-01-23", "active")
    assert (upcoming["version"], upcoming["status"]) == ("2026-01-22", "draft")
    assert upcoming["extension"][0]["valuePeriod"] == {"start": "2026-05-15"}
    assert shown["extension"][0]["valuePeriod"] == {"start": "2025-01-23", "end": "2026-05-14"}
    # one canonical URL, two versions; two resources published side by side, so two logical ids
    # (loaded into a FHIR server, the same id would make one overwrite the other)
    assert shown["url"] == upcoming["url"]
    assert (shown["id"], upcoming["id"]) == ("policy-6.01.03", "policy-6.01.03-2026-01-22")


def test_every_approved_revision_has_its_value_set_by_version(library: Library) -> None:
    """Old sets stay addressable: `url|version` of any stored revision resolves to `ValueSet-<number>-<version>.json`."""
    files = render_value_sets(library, AS_OF)
    old = json.loads(files[urls.fhir_value_set("6.01.03", "2025-01-23")])
    assert (old["version"], old["status"]) == ("2025-01-23", "retired")
    assert old["url"] == json.loads(files[urls.fhir_value_set("6.01.03")])["url"]
    ValueSet.model_validate(old)
    assert files[urls.fhir_value_set("6.01.03", "2026-01-22")] == files[urls.fhir_value_set("6.01.03")]  # the one in effect, by version
    assert set(files) == {urls.fhir_value_set("6.01.03"), urls.fhir_value_set("6.01.03", "2025-01-23"), urls.fhir_value_set("6.01.03", "2026-01-22")}


def test_one_include_per_code_system_with_its_version_and_an_expansion_of_every_member(value_sets: dict[str, dict[str, Any]]) -> None:
    for data in value_sets.values():
        systems = [include["system"] for include in data["compose"]["include"]]
        assert len(systems) == len(set(systems)) and set(systems) <= set(HL7_SYSTEM_URIS.values())
        icd = next(include for include in data["compose"]["include"] if include["system"] == HL7_SYSTEM_URIS[CodeSystem.ICD10CM])
        assert icd["version"] == icd10.CODE_SET_RELEASE
        expansion = data["expansion"]
        assert expansion["timestamp"].endswith("T00:00:00Z") and expansion["total"] == len(expansion["contains"])
        listed = {(include["system"], concept["code"]) for include in data["compose"]["include"] for concept in include["concept"]}
        assert {(c["system"], c["code"]) for c in expansion["contains"]} == listed
        members = {c["code"] for c in expansion["contains"] if c["code"].startswith("C71.")}
        assert members == {f"C71.{digit}" for digit in range(10)}  # the range C71.0-C71.9, expanded


def test_shards_name_hcpcs_by_hl7s_uri(library: Library) -> None:
    files = render_code_shards(library, AS_OF)
    for path, content in files.items():
        if path.startswith("api/v1/codes/") and path.count("/") == 4:
            shard = json.loads(content)
            assert shard["system_uri"] == HL7_SYSTEM_URIS[CodeSystem(shard["system"])]
