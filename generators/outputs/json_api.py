"""Render the JSON API: a versioned, static set of files for downstream systems.

Layout (relative to the site root, see `generators.urls`):

- `api/v1/index.json`: the build's as-of date, and every policy with the revision in effect
  on it, the upcoming ones and links;
- `api/v1/policies/<number>.json`: identity, history and the list of stored revisions;
- `api/v1/policies/<number>/revisions/<date>.json`: one revision's full snapshot;
- the same paths under a policy's former number: an alias document naming the file now
  (`AliasDocument`; `index.json` lists every former number in `aliases`);
- `api/v1/schema/<kind>.schema.json`: the JSON Schema (draft 2020-12) of each kind of file.

The document shapes are pydantic models, so the published schemas are generated from the
same definitions that produce the files and cannot drift from them. Output is deterministic:
keys in model order, ISO dates, no floats, UTF-8, one trailing newline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema

from generators import urls
from generators.domain.lifecycle import FormerAddress, PolicyTimeline, RevisionState
from generators.model import History, IsoDate, Library, Policy, PolicyNumber, Retirement, Revision, RevisionStatus, YearMonth, policy_sort_key
from generators.domain.timeline import Window

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext


class ApiDocument(BaseModel):
    """The base of every published JSON document: strict, closed (no unknown fields), immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


ApiVersion = Literal["v1"]
"""`urls.API_VERSION`: a file of another version does not validate against these schemas."""

ContentHash = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
"""`sha256:` and the hex SHA-256 of a file's content (`content_hash`)."""

#: Who publishes the data files: the FHIR ValueSets' publisher, the Atom feed's author.
PUBLISHER = "Medical policy knowledge base"
#: How a client keeps a copy in sync; published in `index.json` (`sync`) and on the downloads page.
SYNC_NOTE = (
    "Keep the content_hash of every file you hold. After each build, fetch index.json and fetch again exactly the files whose "
    "content_hash differs from yours (links.json_url for a policy, revisions[].json_url for a revision; codes/index.json lists "
    "each shard's); delete the files of policies and revisions no longer listed. A renumbered policy is listed under its number now; "
    "aliases maps each former number to it. A content_hash is the SHA-256 of the file's "
    "bytes without its as_of member (a shard's: of its bytes), so a file re-stated for a later date with the same content keeps its "
    "hash, and a correction made in place changes it even when no date in the data does."
)


_STATE_DOC = (
    "State on the as-of date: in_effect, upcoming (approved, takes effect later; the previous revision still applies), "
    "superseded, never_in_effect (a later revision took effect first) or retired (in effect when the policy was retired)."
)


class Links(ApiDocument):
    """Where to find related files, as paths relative to the site root."""

    json_url: str = Field(description="This resource as JSON.")
    html_url: str = Field(description="This resource as a web page.")


class UpcomingRevision(ApiDocument):
    """An approved revision that takes effect after the as-of date."""

    revision: IsoDate = Field(description="ID (committee approval date) of the revision.")
    effective_date: IsoDate = Field(description="The day it takes effect (its approval date when no effective date is known).")
    links: Links


class RevisionVersion(ApiDocument):
    """A revision file as `index.json` lists it: where it is and the hash of its content."""

    revision: IsoDate = Field(description="ID (committee approval date) of the revision.")
    json_url: str = Field(description="Path of the revision file.")
    content_hash: ContentHash = Field(description="Content hash of the revision file: see the index's sync note.")


class PolicySummary(ApiDocument):
    """One row of the policy index, as of the build's as-of date."""

    number: PolicyNumber
    title: str
    category: str
    status: Literal["active", "retired", "not_yet_in_effect"] = Field(
        description="active: a revision is in effect on the as-of date; retired: the policy is retired then; not_yet_in_effect: its first revision takes effect later."
    )
    in_effect: IsoDate | None = Field(description="ID (approval date) of the revision in effect on the as-of date; null when none is (retired, or not yet in effect).")
    upcoming: list[UpcomingRevision] = Field(description="Approved revisions that take effect after the as-of date, soonest first.")
    newest_approved: IsoDate = Field(description="ID of the revision with the newest committee approval date (in effect or upcoming).")
    shown_revision: IsoDate = Field(description="ID of the revision the policy page (links.html_url) shows: the one in effect, else see status.")
    effective_date: IsoDate | None = Field(description="Effective date of the shown revision; null when unknown.")
    next_review: YearMonth | None = Field(description="Next review (YYYY-MM) of the shown revision.")
    review_overdue: bool = Field(description="True when the as-of date is past the month of next_review: the policy may be out of date.")
    last_change: IsoDate | None = Field(description="Date of the newest entry of the summary of changes.")
    former_numbers: list[str] = Field(description="Numbers the policy was published under before (aliases: their URLs lead here).")
    links: Links
    content_hash: ContentHash = Field(description="Content hash of the policy file (links.json_url): see the index's sync note.")
    revisions: list[RevisionVersion] = Field(description="Every stored revision's file with its content hash, oldest first.")


class PolicyAlias(ApiDocument):
    """A number a policy was published under before, and where the policy is now."""

    former_number: PolicyNumber = Field(description="The number the policy was published under before.")
    number: PolicyNumber = Field(description="The policy's number now: its entry in policies.")
    json_url: str = Field(description="Path of the policy file under its number now.")
    html_url: str = Field(description="The policy page under its number now.")


class IndexDocument(ApiDocument):
    """`api/v1/index.json`: every policy of the knowledge base, as of one date."""

    api_version: ApiVersion = Field(description="Version of the API layout: v1.")
    schema_url: str = Field(description="Path of the JSON Schema of this file.")
    as_of: IsoDate = Field(description="The date this build was made for: every state and in_effect field is as of this date.")
    sync: str = Field(description="How to keep a copy of the files in sync, by their content hashes.")
    policies: list[PolicySummary]
    aliases: list[PolicyAlias] = Field(
        description="Every former number of a policy, in number order: a system that holds a policy under an old number finds it here. Its files under the old number are alias documents (alias schema)."
    )


class RevisionSummary(ApiDocument):
    """A stored revision as listed in a policy file."""

    revision: IsoDate = Field(description="The committee approval date that identifies the revision.")
    status: RevisionStatus
    state: RevisionState = Field(description=_STATE_DOC)
    effective_date: IsoDate | None
    next_review: YearMonth | None
    statement_count: int
    links: Links
    content_hash: ContentHash = Field(description="Content hash of the revision file: this policy file's own hash changes whenever one of its revisions' does.")


class PolicyDocument(ApiDocument):
    """`api/v1/policies/<number>.json`: a policy, its history and its revisions."""

    api_version: ApiVersion
    schema_url: str
    number: PolicyNumber
    title: str
    category: str
    as_of: IsoDate = Field(description="The date the build was made for.")
    in_effect: IsoDate | None = Field(description="ID of the revision in effect on the as-of date; null when none is.")
    former_numbers: list[str] = Field(description="Numbers the policy was published under before.")
    retirements: list[Retirement] = Field(description="Periods the policy was retired (applies to no date of service), oldest first.")
    history: History
    revisions: list[RevisionSummary] = Field(description="Stored revisions, oldest first.")
    windows: list[Window] = Field(
        description=(
            "When each stored revision is in effect, oldest first: pick the window whose start <= date of service "
            "<= end (end null: no later revision ends it; a start after the as-of date is an upcoming revision). No window before the first start: the text in effect then is not stored."
        )
    )
    links: Links


class PolicyRef(ApiDocument):
    """The policy a revision belongs to."""

    number: str
    title: str
    category: str
    json_url: str


class RevisionDocument(ApiDocument):
    """`api/v1/policies/<number>/revisions/<date>.json`: one revision's full snapshot."""

    api_version: ApiVersion
    schema_url: str
    policy: PolicyRef
    as_of: IsoDate = Field(description="The date the build was made for.")
    state: RevisionState = Field(description=_STATE_DOC)
    revision: Revision
    links: Links


class AliasDocument(ApiDocument):
    """A policy's file (policy, revision or diff) under a former number: it names the same file under the number now.

    A static host cannot redirect, and a copy of the file would make the policy appear twice.
    It has no `as_of`: its bytes change only when what it names moves (a revision's page is the
    policy page while that revision is the one shown).
    """

    api_version: ApiVersion
    schema_url: str
    number: PolicyNumber = Field(description="The former number this file is published under.")
    alias_of: PolicyNumber = Field(description="The policy's number now.")
    json_url: str = Field(description="Path of the same file under the policy's number now: read that one.")
    html_url: str = Field(description="The same resource's web page now.")


SCHEMAS: dict[str, type[BaseModel]] = {
    "alias": AliasDocument,
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


class SchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema generator, with each definition named after its model (`CodeEntryCpt`).

    Pydantic names a definition after its core schema, and when two parametrisations of a
    generic model look alike to it (`CodeEntry[CptCode]`, `CodeEntry[HcpcsCode]`) it falls back
    to the Python path of their type parameters (`generators__model__CodeEntry_Annotated_...`):
    client generators turn those into class names. A definition's title is its model's name
    (`_PerCodeSystem.model_parametrized_name`); it becomes the key wherever it is unique.
    """

    def generate(self, schema: CoreSchema, mode: Literal["validation", "serialization"] = "validation") -> JsonSchemaValue:
        """The schema, its definitions keyed by their titles."""
        generated = super().generate(schema, mode)
        definitions: dict[str, Any] = generated.get("$defs", {})
        titles = [definition.get("title", key) for key, definition in definitions.items()]
        renames = {key: title for key, title in zip(definitions, titles) if key != title and titles.count(title) == 1 and title not in definitions}
        if not renames:
            return generated
        refs = {f"#/$defs/{old}": f"#/$defs/{new}" for old, new in renames.items()}

        def rename(value: Any) -> Any:
            if isinstance(value, dict):
                return {key: refs.get(item, item) if key == "$ref" else rename(item) for key, item in value.items()}
            if isinstance(value, list):
                return [rename(item) for item in value]
            return value

        generated = rename(generated)
        generated["$defs"] = dict(sorted((renames.get(key, key), definition) for key, definition in generated["$defs"].items()))
        return generated


def schema_of(name: str, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of API file, identified by its absolute URL under the site's."""
    model = model or SCHEMAS[name]
    body = model.model_json_schema(mode="serialization", schema_generator=SchemaGenerator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": urls.absolute(urls.api_schema(name)),
        **body,
    }


def bytes_hash(content: bytes) -> str:
    """`sha256:` and the hex SHA-256 of `content`: the form of every `content_hash`."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def chunks_hash(chunks: Iterable[bytes]) -> str:
    """`bytes_hash` of the bytes `chunks` make joined, without joining them."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def content_hash(document: BaseModel) -> str:
    """The content hash of a published document: `bytes_hash` of its file's bytes without the `as_of` member.

    `as_of` is left out so that a file re-stated for a later date with nothing else changed keeps
    its hash. A client can check a hash: parse the file, drop `as_of`, serialise as compact
    UTF-8 JSON (`json.dumps(data, separators=(",", ":"), ensure_ascii=False)`) and a newline.
    """
    return bytes_hash((document.model_dump_json(exclude={"as_of"}) + "\n").encode("utf-8"))


def _last_change(policy: Policy) -> date | None:
    return max((entry.date for entry in policy.history.change_summaries), default=None)


def policy_summary(timeline: PolicyTimeline, hashes: dict[str, str]) -> PolicySummary:
    """The index row of a policy, as of the timeline's date; `hashes` are the content hashes of its API files, by path."""
    policy = timeline.policy
    shown = timeline.shown
    in_effect = timeline.in_effect
    newest = timeline.newest_approved
    if in_effect is not None:
        status = "active"
    elif timeline.retirement is not None:
        status = "retired"
    else:
        status = "not_yet_in_effect"
    return PolicySummary(
        number=policy.number,
        title=policy.title,
        category=policy.category,
        status=status,
        in_effect=in_effect.revision if in_effect is not None else None,
        upcoming=[
            UpcomingRevision(revision=r.revision, effective_date=timeline.start(r), links=_revision_links(timeline, r))
            for r in timeline.upcoming
        ],
        newest_approved=(newest or shown).revision,
        shown_revision=shown.revision,
        effective_date=shown.effective_date,
        next_review=shown.next_review,
        review_overdue=timeline.review_overdue(shown),
        last_change=_last_change(policy),
        former_numbers=list(policy.former_numbers),
        links=Links(json_url=urls.api_policy(policy.number), html_url=urls.page_policy(policy.number)),
        content_hash=hashes[urls.api_policy(policy.number)],
        revisions=[
            RevisionVersion(revision=r.revision, json_url=path, content_hash=hashes[path])
            for r in policy.revisions
            for path in [urls.api_revision(policy.number, r.key)]
        ],
    )


def _revision_links(timeline: PolicyTimeline, revision: Revision) -> Links:
    return Links(json_url=urls.api_revision(timeline.policy.number, revision.key), html_url=timeline.page_url(revision))


def alias_document(policy: Policy, address: FormerAddress) -> AliasDocument:
    """The alias document at `address.former_file`: the policy's file there under its former number names the file now."""
    assert address.file is not None
    return AliasDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("alias"),
        number=address.former_number,
        alias_of=policy.number,
        json_url=address.file,
        html_url=address.page,
    )


def index_aliases(summaries: Iterable[PolicySummary]) -> list[PolicyAlias]:
    """The `aliases` of `index.json`: each former number of each policy, with the policy's number and links now, in number order."""
    found = [
        PolicyAlias(former_number=former, number=summary.number, json_url=summary.links.json_url, html_url=summary.links.html_url)
        for summary in summaries
        for former in summary.former_numbers
    ]
    return sorted(found, key=lambda alias: policy_sort_key(alias.former_number))


def policy_document(timeline: PolicyTimeline, revision_hashes: dict[str, str]) -> PolicyDocument:
    """The policy file of one policy; `revision_hashes` are its revision files' content hashes, by revision ID."""
    policy = timeline.policy
    in_effect = timeline.in_effect
    return PolicyDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("policy"),
        number=policy.number,
        title=policy.title,
        category=policy.category,
        as_of=timeline.as_of,
        in_effect=in_effect.revision if in_effect is not None else None,
        former_numbers=list(policy.former_numbers),
        retirements=list(policy.retirements),
        history=policy.history,
        revisions=[
            RevisionSummary(
                revision=r.revision,
                status=r.status,
                state=timeline.state(r),
                effective_date=r.effective_date,
                next_review=r.next_review,
                statement_count=len(r.statements),
                links=_revision_links(timeline, r),
                content_hash=revision_hashes[r.key],
            )
            for r in policy.revisions
        ],
        windows=list(timeline.windows),
        links=Links(json_url=urls.api_policy(policy.number), html_url=urls.page_policy(policy.number)),
    )


def revision_document(timeline: PolicyTimeline, revision: Revision) -> RevisionDocument:
    """The file of one revision."""
    policy = timeline.policy
    return RevisionDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("revision"),
        policy=PolicyRef(number=policy.number, title=policy.title, category=policy.category, json_url=urls.api_policy(policy.number)),
        as_of=timeline.as_of,
        state=timeline.state(revision),
        revision=revision,
        links=_revision_links(timeline, revision),
    )


@dataclass(frozen=True)
class PolicyApiPart:
    """What one policy contributes to the API: computed alone, so it can be cached alone.

    Attributes:
        files: The policy's own files (its policy file and one file per revision), and its
            alias documents under its former numbers.
        summary: Its row in `index.json`.
    """

    files: dict[str, bytes]
    summary: PolicySummary


def policy_api_part(timeline: PolicyTimeline) -> PolicyApiPart:
    """Every API output of one policy (see `assemble_api` for the files of the library)."""
    policy = timeline.policy
    revisions = {revision.key: revision_document(timeline, revision) for revision in policy.revisions}
    revision_hashes = {key: content_hash(document) for key, document in revisions.items()}
    documents: dict[str, BaseModel] = {urls.api_policy(policy.number): policy_document(timeline, revision_hashes)}
    documents.update((urls.api_revision(policy.number, key), document) for key, document in revisions.items())
    files = {path: dump_model(document) for path, document in documents.items()}
    hashes = {path: content_hash(document) for path, document in documents.items()}
    files.update((address.former_file, dump_model(alias_document(policy, address))) for address in timeline.former_addresses() if address.former_file is not None)
    return PolicyApiPart(files=files, summary=policy_summary(timeline, hashes))


def assemble_api(parts: list[PolicyApiPart], as_of: date) -> dict[str, bytes]:
    """Every API file of a library from its policies' parts (in policy order), as of `as_of`."""
    summaries = [part.summary for part in parts]
    index = IndexDocument(api_version=urls.API_VERSION, schema_url=urls.api_schema("index"), as_of=as_of, sync=SYNC_NOTE, policies=summaries, aliases=index_aliases(summaries))
    files: dict[str, bytes] = {urls.api_index(): dump_model(index)}
    for part in parts:
        files.update(part.files)
    for name in SCHEMAS:
        files[urls.api_schema(name)] = _schema_file(name, urls.site_url())
    return dict(sorted(files.items()))


@cache
def _schema_file(name: str, site_url: str) -> bytes:
    # The schemas depend on the code and the site's URL only; generating them is a third of an incremental build.
    return readable_json(schema_of(name))


def render_api(library: Library, as_of: date) -> dict[str, bytes]:
    """Every API file as of `as_of`, keyed by its path relative to the site root."""
    return assemble_api([policy_api_part(PolicyTimeline(policy, as_of)) for policy in library.policies], as_of)


class ApiFormat:
    """The JSON API as an output format (`generators.outputs.registry`).

    A policy's files are its policy and revision files; its part, its row of `index.json`
    (JSON bytes); the library files, `index.json` and the schemas.
    """

    name = "api"
    libraries = ("pydantic", "pydantic-core")

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """The policy's file, a file per revision, and the alias documents under its former numbers."""
        return dict(policy.once(policy_api_part).files)

    def policy_part(self, policy: PolicyInput) -> bytes:
        """Its row of `index.json`, serialised."""
        return policy.once(policy_api_part).summary.model_dump_json().encode()

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """`index.json` and the schemas."""
        if only is not None and urls.api_index() not in only:
            return {path: content for path, content in assemble_api([], site.as_of).items() if path in only}
        summaries = [PolicyApiPart(files={}, summary=PolicySummary.model_validate_json(part, strict=True)) for part in parts]  # type: ignore[arg-type]
        files = assemble_api(summaries, site.as_of)
        return files if only is None else {path: content for path, content in files.items() if path in only}

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        """`index.json`."""
        return (urls.api_index(),)
