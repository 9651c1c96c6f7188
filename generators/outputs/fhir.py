"""HL7 FHIR R4 ValueSets of each policy's codes: an output format (`generators.outputs.registry`).

`api/v1/fhir/ValueSet-<number>.json` holds the codes of the revision the policy shows, and
`ValueSet-<number>-<revision>.json` those of each stored revision but drafts (old, in effect
and upcoming: addressable by version), ICD-10-CM ranges expanded to concepts. A CPT or HCPCS concept's display is the description the policy prints
(its newest listing of the code by itself), from the walk of its codes that the shards and
the CSV share (`code_index.policy_codes`). Every file is the policy's own: the format has no
library file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from generators import urls
from generators.domain import icd10
from generators.domain.code_index import PolicyCode, policy_codes
from generators.domain.lifecycle import PolicyTimeline, RevisionState
from generators.model import CodeSystem, Library, Revision
from generators.outputs.json_api import PUBLISHER, dump_json
from generators.text import to_plain

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext

#: A ValueSet's FHIR status by its revision's state; any other state is `retired`.
_FHIR_STATUS = {RevisionState.IN_EFFECT: "active", RevisionState.UPCOMING: "draft"}


def _fhir_name(number: str) -> str:
    # FHIR's ValueSet.name is "computer friendly": ^[A-Z]([A-Za-z0-9_]){0,254}$
    return "Policy_" + re.sub(r"[^A-Za-z0-9]", "_", number) + "_Codes"


def value_set(timeline: PolicyTimeline, revision: Revision, codes: list[PolicyCode] | None = None) -> dict[str, Any]:
    """The FHIR R4 ValueSet of the codes of one revision of the timeline's policy, as JSON data.

    A canonical resource: `url` is the absolute address of the policy's ValueSet file, `version`
    the revision, `identifier` the policy number (system: `urls.fhir_identifier_system`); its
    `id` is `policy-<number>` for the shown revision, `policy-<number>-<revision>` for another,
    so the files published side by side load into one FHIR server. Its
    `status` follows the revision's state on the as-of date: `active` for the revision in
    effect, `draft` for an upcoming one (approved, not yet in effect), `retired` otherwise. Its
    window in effect is the extension `urls.fhir_effective_period_extension` (a Period), as R4
    has no `effectivePeriod` on ValueSet. `compose` has one include per code system (with the
    ICD-10-CM release as its version); `expansion` lists every code, ICD-10-CM range members
    included, stamped with the as-of date. `codes` is `policy_codes(timeline)`, when the
    caller has it already.
    """
    policy = timeline.policy
    if codes is None:
        codes = policy_codes(timeline)
    concepts: dict[CodeSystem, list[dict[str, str]]] = {}
    for code in codes:
        if any(entry.revision.revision is revision for entry in code.entries):
            concepts.setdefault(code.system, []).append({"code": code.code, "display": code.description})
    include: list[dict[str, Any]] = []
    contains: list[dict[str, str]] = []
    for system in CodeSystem:
        if system not in concepts:
            continue
        version = {"version": icd10.CODE_SET_RELEASE} if system is CodeSystem.ICD10CM else {}
        include.append({"system": system.uri, **version, "concept": concepts[system]})
        contains += [{"system": system.uri, **version, **concept} for concept in concepts[system]]
    state = timeline.state(revision)
    effective = revision.effective_date.isoformat() if revision.effective_date else "not known"
    description = (
        f"Codes listed by medical policy {policy.number} {to_plain(policy.title)}, revision {revision.key} "
        f"(effective {effective}; {state.label} as of {timeline.as_of.isoformat()}). ICD-10-CM ranges are expanded to the billable codes they cover "
        f"({icd10.CODE_SET_RELEASE}). A code in this value set is one the policy speaks to, not one it covers: "
        f"flags such as NMN (not medically necessary) and E/I (investigational) and the statements they point to "
        f"are in the code index, {urls.api_code_index()} and its shards. CPT and HCPCS codes are checked for format only."
    )
    copyrights = [table.copyright for _, table in revision.codes.tables() if table.copyright]
    window = timeline.window_of(revision)
    period = {"start": window.start.isoformat(), **({"end": window.end.isoformat()} if window.end else {})} if window is not None else None
    document: dict[str, Any] = {
        "resourceType": "ValueSet",
        "id": f"policy-{policy.number}" if revision is timeline.shown else f"policy-{policy.number}-{revision.key}",
        **({"extension": [{"url": urls.fhir_effective_period_extension(), "valuePeriod": period}]} if period is not None else {}),
        "url": urls.absolute(urls.fhir_value_set(policy.number)),
        "identifier": [{"use": "official", "system": urls.fhir_identifier_system(), "value": policy.number}],
        "version": revision.key,
        "name": _fhir_name(policy.number),
        "title": f"{policy.number} {to_plain(policy.title)}: codes",
        "status": _FHIR_STATUS.get(state, "retired"),
        "experimental": False,
        "date": revision.last_updated.isoformat(),
        "publisher": PUBLISHER,
        "description": description,
    }
    if copyrights:
        document["copyright"] = " ".join(copyrights)
    if include:  # FHIR requires at least one include; a policy without codes has no compose
        document["compose"] = {"include": include}
        document["expansion"] = {"timestamp": f"{timeline.as_of.isoformat()}T00:00:00Z", "total": len(contains), "contains": contains}
    return document


def value_set_files(timeline: PolicyTimeline, codes: list[PolicyCode]) -> dict[str, bytes]:
    """The ValueSets a policy publishes: the shown revision's, and every approved revision's by version.

    `ValueSet-<number>.json` is the set of the revision the policy page shows (in effect);
    `ValueSet-<number>-<revision>.json` that of each stored revision but drafts (superseded,
    in effect, upcoming), so the canonical `url|version` of any revision, old ones included,
    resolves to a file. A revision's set is the same bytes in both places.
    """
    number = timeline.policy.number
    files: dict[str, bytes] = {}
    for revision in timeline.policy.revisions:
        if timeline.state(revision) is not RevisionState.DRAFT:
            files[urls.fhir_value_set(number, revision.key)] = dump_json(value_set(timeline, revision, codes))
    shown = urls.fhir_value_set(number, timeline.shown.key)
    files[urls.fhir_value_set(number)] = files[shown] if shown in files else dump_json(value_set(timeline, timeline.shown, codes))
    return files


def render_value_sets(library: Library, as_of: date) -> dict[str, bytes]:
    """Every policy's ValueSets as of `as_of`, keyed by path relative to the site root."""
    files: dict[str, bytes] = {}
    for policy in library.policies:
        timeline = PolicyTimeline(policy, as_of)
        files.update(value_set_files(timeline, policy_codes(timeline)))
    return dict(sorted(files.items()))


class FhirFormat:
    """The FHIR ValueSets as an output format: a policy's own files only (no part, no library file)."""

    name = "fhir"
    libraries = ("simple-icd-10-cm",)

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """The policy's ValueSets (`value_set_files` of the shared `policy_codes`)."""
        return dict(value_set_files(policy.timeline, policy.once(policy_codes)))

    def policy_part(self, policy: PolicyInput) -> None:
        """None: a ValueSet holds one policy's codes only."""
        return None

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """None."""
        return {}

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        """None."""
        return ()
