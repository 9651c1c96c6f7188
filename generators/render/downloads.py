"""Render the downloads for downstream systems: code index, CSV, FHIR ValueSets, Atom feed.

`render_downloads(library)` returns every file keyed by its path relative to the site root
(see `generators.urls`); like every renderer it is pure and deterministic: dates come from
the data (never the clock) and every list has a fixed order.

- `api/v1/codes.json` (+ `api/v1/schema/codes.schema.json`): the code index of
  `generators.code_index`;
- `api/v1/codes.csv`: one row per code (or ICD-10-CM range member) per stored revision;
- `api/v1/fhir/ValueSet-<number>.json`: an HL7 FHIR R4 ValueSet of each policy's current
  code list, ICD-10-CM ranges expanded to concepts;
- `feed.xml`: an Atom feed with an entry per stored revision, linking to its page and to
  the diff from the revision before.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import icd10, urls
from ..code_index import CodeIndexDocument, CodeRecord, build_code_index
from ..model import CodeSystem, Library, Policy, Revision, RevisionStatus, policy_sort_key
from ..text import to_plain
from . import render_template
from .json_api import dump_json, dump_model, schema_of

CSV_COLUMNS = (
    "policy",
    "policy_title",
    "revision",
    "revision_status",
    "is_current",
    "window_start",
    "window_end",
    "window_start_basis",
    "system",
    "code",
    "description",
    "listed_as",
    "via_range",
    "flags",
    "statements",
    "code_set_release",
)
_SYSTEM_ORDER = {system: index for index, system in enumerate(CodeSystem)}


# --------------------------------------------------------------------------- CSV


def render_codes_csv(index: CodeIndexDocument) -> bytes:
    """Every listing of the code index as CSV rows (RFC 4180: comma, CRLF, header row)."""
    rows = [(record, listing) for record in index.codes for listing in record.listings]
    rows.sort(key=lambda row: (policy_sort_key(row[1].policy), row[1].revision, _SYSTEM_ORDER[row[0].system], row[0].code, row[1].listed_as))
    icd_release = f"{index.code_sets[0].release} ({index.code_sets[0].package} {index.code_sets[0].package_version})"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record, listing in rows:
        writer.writerow(
            (
                listing.policy,
                listing.policy_title,
                listing.revision.isoformat(),
                listing.revision_status.value,
                "true" if listing.is_current else "false",
                listing.window.start.isoformat(),
                listing.window.end.isoformat() if listing.window.end else "",
                listing.window.start_basis.value,
                record.system.value,
                record.code,
                record.description,
                listing.listed_as,
                listing.via_range or "",
                ";".join(flag.flag.value for flag in listing.flags),
                ";".join(f"{s.number} {s.id}" for s in listing.statements),
                icd_release if record.system is CodeSystem.ICD10CM else "",
            )
        )
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- FHIR


def _fhir_name(number: str) -> str:
    # FHIR's ValueSet.name is "computer friendly": ^[A-Z]([A-Za-z0-9_]){0,254}$
    return "Policy_" + re.sub(r"[^A-Za-z0-9]", "_", number) + "_Codes"


def records_by_revision(index: CodeIndexDocument) -> dict[tuple[str, date], list[CodeRecord]]:
    """The code records listed by each (policy number, revision date), in the index's order."""
    listed: dict[tuple[str, date], list[CodeRecord]] = {}
    for record in index.codes:
        for key in dict.fromkeys((listing.policy, listing.revision) for listing in record.listings):
            listed.setdefault(key, []).append(record)
    return listed


def value_set(policy: Policy, index: CodeIndexDocument, listed: dict[tuple[str, date], list[CodeRecord]] | None = None) -> dict[str, Any]:
    """The FHIR R4 ValueSet of the current revision's codes of `policy`, as JSON data.

    `listed` is `records_by_revision(index)`, computed once when rendering every policy.
    """
    revision = policy.current
    if listed is None:
        listed = records_by_revision(index)
    concepts: dict[CodeSystem, list[dict[str, str]]] = {}
    for record in listed.get((policy.number, revision.revision), []):
        concepts.setdefault(record.system, []).append({"code": record.code, "display": record.description})
    include: list[dict[str, Any]] = []
    for system in CodeSystem:
        if system not in concepts:
            continue
        block: dict[str, Any] = {"system": system.uri}
        if system is CodeSystem.ICD10CM:
            block["version"] = icd10.CODE_SET_RELEASE
        block["concept"] = concepts[system]
        include.append(block)
    effective = revision.effective_date.isoformat() if revision.effective_date else "not known"
    description = (
        f"Codes listed by medical policy {policy.number} {to_plain(policy.title)}, revision {revision.key} "
        f"(effective {effective}). ICD-10-CM ranges are expanded to the billable codes they cover "
        f"({icd10.CODE_SET_RELEASE}). A code in this value set is one the policy speaks to, not one it covers: "
        f"flags such as NMN (not medically necessary) and E/I (investigational) and the statements they point to "
        f"are in {urls.api_codes()}. CPT and HCPCS codes are checked for format only."
    )
    copyrights = [table.copyright for _, table in revision.codes.tables() if table.copyright]
    document: dict[str, Any] = {
        "resourceType": "ValueSet",
        "id": f"policy-{policy.number}",
        "identifier": [{"use": "official", "value": policy.number}],
        "version": revision.key,
        "name": _fhir_name(policy.number),
        "title": f"{policy.number} {to_plain(policy.title)}: codes",
        "status": "active",
        "experimental": False,
        "date": revision.key,
        "description": description,
    }
    if copyrights:
        document["copyright"] = " ".join(copyrights)
    if include:  # FHIR requires at least one include; a policy without codes has no compose
        document["compose"] = {"include": include}
    return document


# --------------------------------------------------------------------------- Atom


@dataclass(frozen=True)
class FeedEntry:
    """What the Atom template needs of one revision."""

    id: str
    title: str
    updated: str
    page_href: str
    json_href: str
    diff_href: str | None
    previous: str | None
    status: str
    summary: str


def _timestamp(revision: Revision) -> str:
    return f"{revision.key}T00:00:00Z"


def _entry_summary(policy: Policy, revision: Revision) -> str:
    changes = [to_plain(change) for entry in policy.history.change_summaries if entry.date == revision.revision for change in entry.changes]
    parts = changes or ["No summary of changes is recorded for this date."]
    if revision.effective_date is not None:
        parts.append(f"Effective {revision.effective_date.isoformat()}.")
    else:
        parts.append("Effective date not known.")
    if revision.status is RevisionStatus.RECONSTRUCTED:
        parts.append("This revision's text is reconstructed from a later one; see its provenance.")
    return " ".join(parts)


def feed_entries(library: Library) -> list[FeedEntry]:
    """One entry per stored revision, newest first (then by policy number)."""
    entries: list[tuple[tuple[Any, ...], FeedEntry]] = []
    for policy in library.policies:
        previous: Revision | None = None
        for revision in policy.revisions:
            page = urls.page_policy(policy.number) if revision is policy.current else urls.page_revision(policy.number, revision.key)
            entry = FeedEntry(
                id=f"urn:policykb:policy:{policy.number}:revision:{revision.key}",
                title=f"{policy.number} {to_plain(policy.title)}: revision {revision.key}",
                updated=_timestamp(revision),
                page_href=page,
                json_href=urls.api_revision(policy.number, revision.key),
                diff_href=urls.page_diff(policy.number, previous.key, revision.key) if previous is not None else None,
                previous=previous.key if previous is not None else None,
                status=revision.status.value,
                summary=_entry_summary(policy, revision),
            )
            entries.append(((-revision.revision.toordinal(), policy_sort_key(policy.number)), entry))
            previous = revision
    return [entry for _, entry in sorted(entries, key=lambda item: item[0])]


def render_feed(library: Library) -> bytes:
    """The Atom feed of policy revisions (RFC 4287), from `templates/feed/atom.xml`."""
    entries = feed_entries(library)
    feed = {
        "id": "urn:policykb:feed:revisions",
        "title": "Medical policy revisions",
        "subtitle": "Each new revision of a medical policy, its summary of changes and what changed.",
        "updated": max(e.updated for e in entries),
        "author": "Medical policy knowledge base",
        "self_href": urls.feed_atom(),
        "home_href": "./",
    }
    return render_template("feed/atom.xml", feed=feed, entries=entries).encode("utf-8")


# --------------------------------------------------------------------------- all


def render_downloads(library: Library) -> dict[str, bytes]:
    """Every download file, keyed by its path relative to the site root."""
    index = build_code_index(library)
    files: dict[str, bytes] = {
        urls.api_codes(): dump_model(index),
        urls.api_schema("codes"): dump_json(schema_of("codes", CodeIndexDocument)),
        urls.download_codes_csv(): render_codes_csv(index),
        urls.feed_atom(): render_feed(library),
    }
    listed = records_by_revision(index)
    for policy in library.policies:
        files[urls.fhir_value_set(policy.number)] = dump_json(value_set(policy, index, listed))
    return dict(sorted(files.items()))
