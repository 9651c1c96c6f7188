"""The 2026-01-22 revision holds the published document completely and exactly.

Every line of the source text must be found in the exported JSON of that revision (or, for
the header and history, in the policy file), with its published wording. Page headers of
the printed layout are the only lines not stored.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from generators.model import Library
from generators.outputs.json_api import render_api
from generators.text import to_plain

from .conftest import SHARED_SOURCE, SOURCE, AS_OF

REVISION_JSON = "api/v1/policies/6.01.03/revisions/2026-01-22.json"
POLICY_JSON = "api/v1/policies/6.01.03.json"

PAGE_LAYOUT = re.compile(r"^(Medical Policy: Magnetic Resonance Spectroscopy \(MRS\)|Policy Number: 6\.01\.03|Page: \d of 8)$")
HEADINGS = {
    "MEDICAL POLICY", "POLICY STATEMENT(S)", "RELATED POLICIE(S)", "POLICY GUIDELINE(S)", "DESCRIPTION",
    "SUPPORTIVE LITERATURE", "PROFESSIONAL GUIDELINE(S)", "REGULATORY STATUS", "CODE(S)", "CPT Codes",
    "HCPCS Codes", "ICD10 Codes", "REFERENCES", "CENTERS FOR MEDICARE AND MEDICAID SERVICES (CMS)",
    "SEARCH TERMS", "PRODUCT DISCLAIMER", "POLICY HISTORY/REVISION", "Committee Approval Dates",
    "Code\tDescription", "Date\tSummary of Changes",
}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", to_plain(text)).strip()


@pytest.fixture(scope="module")
def exported(library: Library) -> tuple[dict, dict, str]:
    files = render_api(library, AS_OF)
    revision = json.loads(files[REVISION_JSON])
    policy = json.loads(files[POLICY_JSON])
    corpus = " \n ".join(_normal(s) for s in _strings(revision) + _strings(policy))
    return revision, policy, corpus


def published_lines() -> list[str]:
    """The lines of the published 6.01.03 text that hold its content (not the printed page layout or headings)."""
    lines = []
    for raw in SOURCE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or PAGE_LAYOUT.match(line) or line in HEADINGS:
            continue
        lines.append(line)
    return lines


def test_the_kept_source_is_the_published_one() -> None:
    if not SHARED_SOURCE.exists():
        pytest.skip("no shared/ folder beside this checkout")
    assert SOURCE.read_bytes() == SHARED_SOURCE.read_bytes()


def _us_date(text: str) -> str:
    return datetime.strptime(text, "%m/%d/%y").date().isoformat()


def test_every_source_line_is_in_the_data(exported: tuple[dict, dict, str]) -> None:
    revision_doc, policy_doc, corpus = exported
    revision = revision_doc["revision"]
    codes = {
        (e["code"] or f"{e['range_start']}-{e['range_end']}"): e
        for table in ("cpt", "hcpcs", "icd10cm")
        for e in revision["codes"][table]["entries"]
    }
    summaries = {s["date"]: s["changes"] for s in policy_doc["history"]["change_summaries"]}
    missing: list[str] = []
    for line in published_lines():
        cells = line.split("\t")
        if cells[0] == "Medical Policy Title":
            assert revision["title"] == cells[1] == policy_doc["title"]
        elif cells[0] == "Policy Number":
            assert policy_doc["number"] == cells[1]
        elif cells[0] == "Current Effective Date":
            assert revision["effective_date"] == datetime.strptime(cells[1], "%B %d, %Y").date().isoformat()
        elif cells[0] == "Next Review Date":
            assert revision["next_review"] == datetime.strptime(cells[1], "%B %Y").strftime("%Y-%m")
        elif line == "(Link to [Product Disclaimer](#))":
            assert revision["preamble"]["disclaimer_link_text"] == "Product Disclaimer"
        elif line == "Not Applicable" or cells[0] == "Not Applicable":
            continue  # checked as states below
        elif re.match(r"^\d\d/\d\d/\d\d, ", line):
            dates = [_us_date(d) for d in line.split(", ")]
            assert policy_doc["history"]["committee_approval_dates"] == dates
        elif re.match(r"^\d\d/\d\d/\d\d\t", line):
            text = re.sub(r"^<ul[^>]*>•\s*", "", cells[1])
            assert summaries.get(_us_date(cells[0])) == [text], line
        elif len(cells) == 2 and re.match(r"^[0-9A-Z][0-9A-Z.]+", cells[0]):
            printed, description = cells
            flags = re.findall(r"\((NMN|E/I)\)", printed)
            code = re.sub(r"\s*\((NMN|E/I)\)", "", printed).replace(" ", "")
            entry = codes.get(code)
            assert entry is not None, f"code {code} missing"
            assert entry["description"] == description
            assert entry["flags"] == flags
        elif match := re.match(r"^(\d{1,2}\.\d\d\.\d\d) (.+)$", line):
            related = [(p["number"], p["title"]) for g in revision["related_policies"] for p in g["policies"]]
            assert match.groups() in related, line
        elif match := re.match(r"^- \((NMN|E/I)\)=(.+)$", line):
            assert {"flag": match[1], "meaning": match[2]} in revision["codes"]["legend"], line
        elif line.startswith("Copyright ©"):
            assert revision["codes"]["cpt"]["copyright"] == line
        else:
            text = _normal(re.sub(r"^-\s*(?:[IVX]+\.|[A-Z]\.)?\s*|^\d\.\s*", "", line))
            if text not in corpus:
                missing.append(line)
    assert not missing, "not in the data:\n" + "\n".join(missing)


def test_not_applicable_is_a_state(exported: tuple[dict, dict, str]) -> None:
    revision = exported[0]["revision"]
    assert revision["codes"]["hcpcs"] == {"not_applicable": True, "entries": [], "copyright": None}
    assert revision["regulatory_status"]["not_applicable"] is True
    assert revision["search_terms"]["not_applicable"] is True


def test_counts_match_the_source(library: Library) -> None:
    policy = library.policy("6.01.03")
    assert policy is not None
    current = policy.newest
    assert [s.number for s in current.statements] == ["I", "II", "III"]
    assert [p.criterion.label for p in current.statements[0].iter_criteria()] == ["A", "1", "2", "3", "4", "5", "6"]
    assert current.statements[0].criteria.children[0].logic == "one_of"
    assert [e.display for e in current.codes.cpt.entries] == ["76390", "0609T", "0610T", "0611T", "0612T"]
    assert len(current.codes.icd10cm.entries) == 12
    assert len(current.references) == 20
    assert len(policy.history.committee_approval_dates) == 17
    assert len(policy.history.change_summaries) == 6
    assert len(current.disclaimer) == 5
    assert [g.body for g in current.professional_guidelines] == ["NCCN", "NICE", "ACR-ASNR"]
    assert current.cms == ["Electromagnetic navigation bronchoscopy is not addressed in National or Regional CMS coverage determinations or policies."]


def test_every_citation_resolves(library: Library) -> None:
    for policy in library.policies:
        for revision in policy.revisions:
            ids = {r.id for r in revision.references}
            cited = {c for p in revision.supportive_literature for c in p.cites}
            cited |= {c for g in revision.professional_guidelines for c in g.cites}
            assert cited <= ids
