"""Render the JSON API: a versioned, static set of files for downstream systems.

Layout (relative to the site root, see `generators.urls`):

- `api/v1/index.json`: every policy, with its current revision and links;
- `api/v1/policies/<number>.json`: identity, history and the list of stored revisions;
- `api/v1/policies/<number>/revisions/<date>.json`: one revision's full snapshot;
- `api/v1/schema/<kind>.schema.json`: the JSON Schema (draft 2020-12) of each kind of file.

The document shapes are pydantic models, so the published schemas are generated from the
same definitions that produce the files and cannot drift from them. Output is deterministic:
keys in model order, ISO dates, no floats, UTF-8, one trailing newline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .. import urls
from ..model import History, IsoDate, Library, Policy, Revision, RevisionStatus, YearMonth
from ..timeline import Window, windows


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Links(_Document):
    """Where to find related files, as paths relative to the site root."""

    json_url: str = Field(description="This resource as JSON.")
    html_url: str = Field(description="This resource as a web page.")


class PolicySummary(_Document):
    """One row of the policy index."""

    number: str
    title: str
    category: str
    current_revision: IsoDate = Field(description="ID (approval date) of the revision published now.")
    effective_date: IsoDate | None = Field(description="Effective date of the current revision; null when unknown.")
    next_review: YearMonth | None = Field(description="Next review (YYYY-MM) of the current revision.")
    last_change: IsoDate | None = Field(description="Date of the newest entry of the summary of changes.")
    links: Links


class IndexDocument(_Document):
    """`api/v1/index.json`: every policy of the knowledge base."""

    api_version: str = Field(description="Version of the API layout, e.g. v1.")
    schema_url: str = Field(description="Path of the JSON Schema of this file.")
    policies: list[PolicySummary]


class RevisionSummary(_Document):
    """A stored revision as listed in a policy file."""

    revision: IsoDate = Field(description="The committee approval date that identifies the revision.")
    status: RevisionStatus
    effective_date: IsoDate | None
    next_review: YearMonth | None
    statement_count: int
    links: Links


class PolicyDocument(_Document):
    """`api/v1/policies/<number>.json`: a policy, its history and its revisions."""

    api_version: str
    schema_url: str
    number: str
    title: str
    category: str
    current_revision: IsoDate
    history: History
    revisions: list[RevisionSummary] = Field(description="Stored revisions, oldest first.")
    windows: list[Window] = Field(
        description=(
            "When each stored revision is in effect, oldest first: pick the window whose start <= date of service "
            "<= end (end null: still in effect). No window before the first start: the text in effect then is not stored."
        )
    )
    links: Links


class PolicyRef(_Document):
    """The policy a revision belongs to."""

    number: str
    title: str
    category: str
    json_url: str


class RevisionDocument(_Document):
    """`api/v1/policies/<number>/revisions/<date>.json`: one revision's full snapshot."""

    api_version: str
    schema_url: str
    policy: PolicyRef
    is_current: bool = Field(description="True for the revision published now.")
    revision: Revision
    links: Links


SCHEMAS: dict[str, type[BaseModel]] = {
    "index": IndexDocument,
    "policy": PolicyDocument,
    "revision": RevisionDocument,
}


def dump_json(data: Any) -> bytes:
    """The one serialisation of every JSON data file we publish: stable, compact, UTF-8.

    Compact (no indentation, no spaces after separators): these files are read by programs,
    and indentation made a fifth of their bytes (about 65 MB of a 1,000-policy site).
    Browsers and `jq` show them indented. Schemas and examples for people: `readable_json`.
    """
    return (json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")


def readable_json(data: Any) -> bytes:
    """JSON for people (the published schemas, examples on pages): indented by two spaces, UTF-8."""
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def dump_model(document: BaseModel) -> bytes:
    """`dump_json(document.model_dump(mode="json"))`, serialised by pydantic-core instead.

    The same bytes (a test holds the two equal for every character and for whole libraries),
    several times faster than building the dict and encoding it.
    """
    return (document.model_dump_json() + "\n").encode("utf-8")


def schema_of(name: str, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of API file."""
    model = model or SCHEMAS[name]
    body = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": urls.api_schema(name),
        **body,
    }


def _last_change(policy: Policy) -> date | None:
    return max((entry.date for entry in policy.history.change_summaries), default=None)


def policy_summary(policy: Policy) -> PolicySummary:
    """The index row of a policy."""
    current = policy.current
    return PolicySummary(
        number=policy.number,
        title=policy.title,
        category=policy.category,
        current_revision=current.revision,
        effective_date=current.effective_date,
        next_review=current.next_review,
        last_change=_last_change(policy),
        links=Links(json_url=urls.api_policy(policy.number), html_url=urls.page_policy(policy.number)),
    )


def _revision_html(policy: Policy, revision: Revision) -> str:
    if revision is policy.current:
        return urls.page_policy(policy.number)
    return urls.page_revision(policy.number, revision.key)


def policy_document(policy: Policy) -> PolicyDocument:
    """The policy file of one policy."""
    return PolicyDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("policy"),
        number=policy.number,
        title=policy.title,
        category=policy.category,
        current_revision=policy.current.revision,
        history=policy.history,
        revisions=[
            RevisionSummary(
                revision=r.revision,
                status=r.status,
                effective_date=r.effective_date,
                next_review=r.next_review,
                statement_count=len(r.statements),
                links=Links(json_url=urls.api_revision(policy.number, r.key), html_url=_revision_html(policy, r)),
            )
            for r in policy.revisions
        ],
        windows=windows(policy),
        links=Links(json_url=urls.api_policy(policy.number), html_url=urls.page_policy(policy.number)),
    )


def revision_document(policy: Policy, revision: Revision) -> RevisionDocument:
    """The file of one revision."""
    return RevisionDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("revision"),
        policy=PolicyRef(number=policy.number, title=policy.title, category=policy.category, json_url=urls.api_policy(policy.number)),
        is_current=revision is policy.current,
        revision=revision,
        links=Links(json_url=urls.api_revision(policy.number, revision.key), html_url=_revision_html(policy, revision)),
    )


@dataclass(frozen=True)
class PolicyApiPart:
    """What one policy contributes to the API: computed alone, so it can be cached alone.

    Attributes:
        files: The policy's own files (its policy file and one file per revision).
        summary: Its row in `index.json`.
    """

    files: dict[str, bytes]
    summary: PolicySummary


def policy_api_part(policy: Policy) -> PolicyApiPart:
    """Every API output of one policy (see `assemble_api` for the files of the library)."""
    files = {urls.api_policy(policy.number): dump_model(policy_document(policy))}
    for revision in policy.revisions:
        files[urls.api_revision(policy.number, revision.key)] = dump_model(revision_document(policy, revision))
    return PolicyApiPart(files=files, summary=policy_summary(policy))


def assemble_api(parts: list[PolicyApiPart]) -> dict[str, bytes]:
    """Every API file of a library from its policies' parts (in policy order)."""
    files: dict[str, bytes] = {
        urls.api_index(): dump_model(IndexDocument(api_version=urls.API_VERSION, schema_url=urls.api_schema("index"), policies=[part.summary for part in parts])),
    }
    for part in parts:
        files.update(part.files)
    for name in SCHEMAS:
        files[urls.api_schema(name)] = _schema_file(name)
    return dict(sorted(files.items()))


@cache
def _schema_file(name: str) -> bytes:
    # The schemas depend on the code only; generating them is a third of an incremental build.
    return readable_json(schema_of(name))


def render_api(library: Library) -> dict[str, bytes]:
    """Every API file, keyed by its path relative to the site root."""
    return assemble_api([policy_api_part(policy) for policy in library.policies])
