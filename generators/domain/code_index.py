"""The code index: every listed code to the policies and revisions that list it.

Answers "which policy speaks to this code, and how?" for claims and prior-authorization
systems. Every CPT, HCPCS and ICD-10-CM code of every stored revision is indexed; an
ICD-10-CM range is expanded to the billable codes it covers (`generators.domain.icd10`), each with
its official description and the range it matched inside.

Which statements a listing belongs to, and how that is known, is its `basis`: `stated` when
the code's entry names them (`statements:` in the data); else `flag` when its flags point to
some (NMN to the statements whose determination is `not_medically_necessary`, E/I to those
that are `investigational`); else `policy`: the code is listed by the policy as a whole, and
no statement is named.

`build_code_index(library)` gives the whole index in memory (`policykb lookup` reads it). It
is published as shards (see `generators.outputs.code_shards`), so the code lookup page fetches
only the few kilobytes a typed code can be in:

- `api/v1/codes/index.json` (`CodeShardIndexDocument`): the code set release, the note on
  how codes are checked, and every shard with its number of codes;
- `api/v1/codes/<system>/<prefix>.json` (`CodeShardDocument`): every code of one system whose
  lookup key (upper case, no dot) starts with `<prefix>`, its first `SHARD_PREFIX_LENGTH` (3)
  characters: `C71.3` and `c713` are in `icd10cm/C71.json`, `0611T` in `cpt/061.json`. For
  ICD-10-CM a shard is one category; for CPT and HCPCS at most 100 codes. A policy's title and
  the facts of each of its revisions (status, window, links, flag meanings, statements) are
  stored once per shard, in its `policies` table. A listing names its policy and the
  revisions that list the code the same way (same code or range as printed, description,
  flags): a code that five revisions list alike has one listing, not five.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

from pydantic import Field

from generators.domain import icd10
from generators import urls
from generators.codes import normalize
from generators.domain.lifecycle import PolicyTimeline, RevisionState
from generators.model import (
    CodeSystem,
    Determination,
    Flag,
    IsoDate,
    Library,
    RomanNumeral,
    Revision,
    RevisionStatus,
    policy_sort_key,
)
from generators.outputs.json_api import ApiDocument, ApiVersion, ContentHash, Links
from generators.text import to_plain
from generators.domain.timeline import Window

#: Which statements a flag points to: the flag's meaning is the statement's determination.
FLAG_DETERMINATIONS: dict[Flag, Determination] = {
    Flag.NMN: Determination.NOT_MEDICALLY_NECESSARY,
    Flag.EI: Determination.INVESTIGATIONAL,
}
_SYSTEM_ORDER = {system: index for index, system in enumerate(CodeSystem)}
FORMAT_ONLY_NOTE = (
    "CPT and HCPCS codes are checked for format only: the AMA's CPT list is licensed and is not "
    "available to check against. ICD-10-CM codes and ranges are checked against the code set below."
)


# Field descriptions shared by the full code record and a shard's: one wording in both schemas.
_SYSTEM_URI_DOC = "The HL7 code-system URI."
_CODE_DOC = "The code as written in the code set (ICD-10-CM with its dot)."
_DESCRIPTION_DOC = "Official description for ICD-10-CM; for CPT and HCPCS the one printed beside the code by itself in the newest such listing (policies by number, then revisions), else the range description of the newest listing."
_LISTINGS_DOC = "Listings, by policy number then revision (oldest first)."
_BASIS_DOC = (
    "How the statements are known: stated (the policy's data names them), flag (the flags point to them: NMN to the "
    "not-medically-necessary statements, E/I to the investigational ones), or policy (no statement: the code is listed "
    "by the policy as a whole)."
)
StatementBasis = Literal["stated", "flag", "policy"]
"""How a listing's statements are known (see `_BASIS_DOC`)."""
_STATE_DOC = (
    "The revision's state on the build's as-of date (index.json as_of): in_effect, upcoming (approved, takes effect later), "
    "superseded, never_in_effect or retired."
)


class FlagUse(ApiDocument):
    """A flag printed beside a code, with its meaning from the revision's legend."""

    flag: Flag
    meaning: str = Field(description="The legend's meaning of the flag in this revision, e.g. Not medically necessary/appropriate.")


class StatementRef(ApiDocument):
    """A policy statement that a listing's flag points to."""

    id: str = Field(description="Stable ID of the statement.")
    number: RomanNumeral = Field(description="Its number as printed in this revision (I, II, ...).")
    determination: Determination


class CodeListing(ApiDocument):
    """One revision of one policy listing a code (directly or inside a range)."""

    policy: str = Field(description="Policy number.")
    policy_title: str
    revision: IsoDate = Field(description="The revision (committee approval date) that lists the code.")
    revision_status: RevisionStatus
    state: RevisionState = Field(description=_STATE_DOC)
    window: Window = Field(description="When this revision is in effect (see the policy file's windows).")
    listed_as: str = Field(description="The code or range as printed, e.g. 0611T or C71.0-C71.9.")
    via_range: str | None = Field(description="The range the code matched inside, e.g. C71.0-C71.9; null for a code listed by itself.")
    listed_description: str = Field(description="The description printed beside the code or range (plain text).")
    flags: list[FlagUse] = Field(description="Flags printed beside the code or range.")
    statements: list[StatementRef] = Field(description="Statements the code belongs to: named by the data, else those its flags point to; see basis.")
    basis: StatementBasis = Field(description=_BASIS_DOC)
    links: Links = Field(description="The revision as JSON and as a page.")


class CodeRecord(ApiDocument):
    """A code and every listing of it."""

    system: CodeSystem
    system_uri: str = Field(description=_SYSTEM_URI_DOC)
    code: str = Field(description=_CODE_DOC)
    description: str = Field(description=_DESCRIPTION_DOC)
    description_source: Literal["code_set", "policy"]
    listings: list[CodeListing] = Field(description=_LISTINGS_DOC)


class CodeSetInfo(ApiDocument):
    """The code set release that ICD-10-CM codes were checked and ranges expanded against."""

    system: CodeSystem
    release: str = Field(description="The release of the code set, e.g. ICD-10-CM April 1, 2026.")
    package: str = Field(description="The package that ships it.")
    package_version: str


class CodeIndexDocument(ApiDocument):
    """The whole code index in memory: every listed code to the policies and revisions that list it.

    Published as shards (`CodeShardIndexDocument`, `CodeShardDocument`), not as one file.
    """

    code_sets: list[CodeSetInfo]
    note: str = Field(description="How codes of each system were checked.")
    codes: list[CodeRecord] = Field(description="By code system (CPT, HCPCS, ICD-10-CM), then code.")


#: A shard holds the codes whose lookup key starts with the same this many characters.
SHARD_PREFIX_LENGTH = 3


class ShardRevision(ApiDocument):
    """A revision of a policy that lists codes of a shard: what all its listings there share."""

    revision_status: RevisionStatus
    state: RevisionState = Field(description=_STATE_DOC)
    window: Window = Field(description="When this revision is in effect (see the policy file's windows).")
    flags: list[FlagUse] = Field(description="The legend's meaning of each flag that its listings in this shard carry.")
    statements: list[StatementRef] = Field(description="The statements its listings in this shard belong to (named or pointed to by flags), in the revision's order.")
    links: Links = Field(description="The revision as JSON and as a page.")


class ShardPolicy(ApiDocument):
    """A policy that lists codes of a shard, and those of its revisions that do."""

    policy_title: str
    revisions: dict[str, ShardRevision] = Field(description="Its revisions that list codes of this shard, keyed by revision (committee approval date), oldest first.")


class ShardListing(ApiDocument):
    """How one policy lists a code (directly or inside a range) in one or more of its revisions."""

    policy: str = Field(description="Policy number: the key of the policy in the shard's `policies` table.")
    revisions: list[IsoDate] = Field(
        min_length=1,
        description=(
            "The revisions that list the code this way, oldest first: consecutive listings of the code by the policy "
            "that agree in every other field; each is a key of the policy's `revisions` in the `policies` table."
        ),
    )
    listed_as: str = Field(description="The code or range as printed, e.g. 0611T or C71.0-C71.9.")
    via_range: str | None = Field(description="The range the code matched inside, e.g. C71.0-C71.9; null for a code listed by itself.")
    listed_description: str = Field(description="The description printed beside the code or range (plain text).")
    flags: list[Flag] = Field(description="Flags printed beside the code or range; their meanings are in each revision's `flags`.")
    statements: list[str] = Field(description="IDs of the statements the code belongs to (see basis); their numbers are in each revision's `statements`.")
    basis: StatementBasis = Field(description=_BASIS_DOC)


class ShardCode(ApiDocument):
    """A code and every listing of it."""

    code: str = Field(description=_CODE_DOC)
    description: str = Field(description=_DESCRIPTION_DOC)
    description_source: Literal["code_set", "policy"]
    listings: list[ShardListing] = Field(description=_LISTINGS_DOC)


class CodeShardDocument(ApiDocument):
    """`api/v1/codes/<system>/<prefix>.json`: the codes of one system whose lookup key starts with `prefix`."""

    api_version: ApiVersion
    schema_url: str
    system: CodeSystem
    system_uri: str = Field(description=_SYSTEM_URI_DOC)
    prefix: str = Field(description="The first characters, upper case and without the dot, of every code of this shard.")
    policies: dict[str, ShardPolicy] = Field(description="The policies that list codes of this shard, keyed by policy number, in policy order.")
    codes: list[ShardCode] = Field(description="By code.")


class CodeShardInfo(ApiDocument):
    """One shard of the code index."""

    system: CodeSystem
    prefix: str
    url: str = Field(description="Path of the shard file.")
    code_count: int = Field(description="How many codes it holds.")
    content_hash: ContentHash = Field(description="SHA-256 of the shard file's bytes: fetch the shard again only when it changed.")


class CodeShardIndexDocument(ApiDocument):
    """`api/v1/codes/index.json`: the code index's shards, and how codes were checked."""

    api_version: ApiVersion
    schema_url: str
    code_sets: list[CodeSetInfo]
    note: str = Field(description="How codes of each system were checked.")
    prefix_length: int = Field(
        description=(
            "A code is in the shard of its system named by the first prefix_length characters of its lookup key "
            "(the code upper case, without spaces or dot): C71.3 and c713 are in icd10cm/C71.json."
        )
    )
    shards: list[CodeShardInfo] = Field(description="By code system (CPT, HCPCS, ICD-10-CM), then prefix; only shards that hold codes.")


def lookup_key(code: str) -> str:
    """What two spellings of a code must share to match: `c713`, `C71.3` -> `C713`."""
    return normalize(code).replace(".", "")


def shard_prefix(code: str) -> str:
    """The prefix of the shard a code (or a typed query of at least 3 characters) is in: `c71.3` -> `C71`."""
    return lookup_key(code)[:SHARD_PREFIX_LENGTH]


def records_from_shard(shard: CodeShardDocument) -> list[CodeRecord]:
    """The code records of a shard with a listing per revision written out in full, as `build_code_index` gives them."""
    records = []
    for code in shard.codes:
        listings = []
        for listing in code.listings:
            policy = shard.policies[listing.policy]
            for revision_date in listing.revisions:
                revision = policy.revisions[revision_date.isoformat()]
                meanings = {use.flag: use.meaning for use in revision.flags}
                statements = {statement.id: statement for statement in revision.statements}
                listings.append(
                    CodeListing(
                        policy=listing.policy,
                        policy_title=policy.policy_title,
                        revision=revision_date,
                        revision_status=revision.revision_status,
                        state=revision.state,
                        window=revision.window,
                        listed_as=listing.listed_as,
                        via_range=listing.via_range,
                        listed_description=listing.listed_description,
                        flags=[FlagUse(flag=flag, meaning=meanings[flag]) for flag in listing.flags],
                        statements=[statements[id_] for id_ in listing.statements],
                        basis=listing.basis,
                        links=revision.links,
                    )
                )
        records.append(
            CodeRecord(
                system=shard.system,
                system_uri=shard.system_uri,
                code=code.code,
                description=code.description,
                description_source=code.description_source,
                listings=listings,
            )
        )
    return records


def _statements_for(revision: Revision, flags: list[Flag]) -> list[StatementRef]:
    wanted = {FLAG_DETERMINATIONS[flag] for flag in flags if flag in FLAG_DETERMINATIONS}
    return [StatementRef(id=s.id, number=s.number, determination=s.determination) for s in revision.statements if s.determination in wanted]


def _revision_links(timeline: PolicyTimeline, revision: Revision) -> Links:
    return Links(json_url=urls.api_revision(timeline.policy.number, revision.key), html_url=timeline.page_url(revision))


def code_set_info() -> CodeSetInfo:
    """The ICD-10-CM release in use."""
    return CodeSetInfo(system=CodeSystem.ICD10CM, release=icd10.CODE_SET_RELEASE, package=icd10.PACKAGE, package_version=icd10.package_version())


@dataclass(frozen=True, eq=False)
class ListedRevision:
    """What every listing of one stored revision shares: computed once per revision, not per listing.

    Attributes:
        policy: The policy number.
        policy_title: The policy's current title.
        revision: The stored revision.
        index: Its place among the policy's stored revisions (0: the oldest).
        state: Its state on the build's as-of date.
        window: When it is in effect.
        links: It as JSON and as a page.
        meanings: The legend's meaning (plain text) of each flag it defines.
    """

    policy: str
    policy_title: str
    revision: Revision
    index: int
    state: RevisionState
    window: Window
    links: Links
    meanings: dict[Flag, str]
    _refs: dict[tuple[Flag, ...], tuple[list[FlagUse], list[StatementRef]]] = field(default_factory=dict, init=False, repr=False)
    _named: dict[tuple[str, ...], list[StatementRef]] = field(default_factory=dict, init=False, repr=False)

    def revision_fields(self) -> dict[str, Any]:
        """The fields of a shard's `ShardRevision` that come from the revision alone (all but flags and statements)."""
        return {"revision_status": self.revision.status, "state": self.state, "window": self.window, "links": self.links}

    def listing_fields(self) -> dict[str, Any]:
        """The fields of a `CodeListing` that come from the revision alone."""
        return {"policy": self.policy, "policy_title": self.policy_title, "revision": self.revision.revision, **self.revision_fields()}

    def flag_refs(self, flags: tuple[Flag, ...]) -> tuple[list[FlagUse], list[StatementRef]]:
        """The flags with their meanings in this revision, in the order given, and the statements they point to.

        Built once per revision and set of flags (a revision has few): the lists are shared,
        like the models in them.
        """
        refs = self._refs.get(flags)
        if refs is None:
            uses = [FlagUse(flag=flag, meaning=self.meanings.get(flag, flag.value)) for flag in flags]
            refs = self._refs[flags] = (uses, _statements_for(self.revision, list(flags)))
        return refs

    def statement_refs(self, ids: tuple[str, ...]) -> list[StatementRef]:
        """The statements with these IDs, in the revision's order; built once per set of IDs, like `flag_refs`."""
        refs = self._named.get(ids)
        if refs is None:
            refs = self._named[ids] = [
                StatementRef(id=s.id, number=s.number, determination=s.determination) for s in self.revision.statements if s.id in ids
            ]
        return refs

    def listing_basis(self, flags: tuple[Flag, ...], named: tuple[str, ...]) -> tuple[list[FlagUse], list[StatementRef], StatementBasis]:
        """An entry's flags with their meanings, its statements and how they are known: named, else by its flags, else none."""
        uses, flagged = self.flag_refs(flags)
        if named:
            return uses, self.statement_refs(named), "stated"
        return (uses, flagged, "flag") if flagged else (uses, [], "policy")


@dataclass(eq=False, slots=True)
class ListedEntry:
    """One entry of a revision's code table: all that its listings share (each code of a range has one).

    Compared and hashed by identity, so renderers can serialise each entry once and reuse the
    bytes for every code it lists. Not frozen only because a frozen dataclass is several times
    slower to build (one per table entry): do not change it.

    Attributes:
        revision: The revision whose table it is in.
        listed_as: The code or range as printed, e.g. 0611T or C71.0-C71.9.
        via_range: The range as printed; None for a code listed by itself.
        listed_description: The description printed beside it (plain text).
        flags: Flags printed beside it, with their meanings.
        statements: The statements it belongs to (see `basis`).
        basis: How they are known: `stated`, `flag` or `policy`.
    """

    revision: ListedRevision
    listed_as: str
    via_range: str | None
    listed_description: str
    flags: list[FlagUse]
    statements: list[StatementRef]
    basis: StatementBasis


PolicyEntries = dict[tuple[CodeSystem, str], list[ListedEntry]]
"""Every code of one policy's stored revisions to the table entries that list it, oldest revision first."""


def policy_entries(timeline: PolicyTimeline) -> PolicyEntries:
    """Every code of one policy's stored revisions, with the table entries that list it, oldest revision first.

    The same as `policy_listings` without a `CodeListing` per code: an entry is built once,
    however many codes its range covers (tens of thousands of listings per hundred policies).
    Keys are in the order codes are first met (revision, table, entry).
    """
    found: PolicyEntries = {}
    policy = timeline.policy
    for index, revision in enumerate(policy.revisions):
        window = timeline.window_of(revision)
        if window is None:  # a draft, in a preview build: it has no window and no code listing
            continue
        listed = ListedRevision(
            policy=policy.number,
            policy_title=policy.title,
            revision=revision,
            index=index,
            state=timeline.state(revision),
            window=window,
            links=_revision_links(timeline, revision),
            meanings={entry.flag: to_plain(entry.meaning) for entry in revision.codes.legend},
        )
        for system, table in revision.codes.tables():
            for entry in table.entries:
                if entry.code is not None:
                    codes, via_range = [str(entry.code)], None
                else:
                    codes, via_range = _members(system, entry.range_start, entry.range_end)
                flags, statements, basis = listed.listing_basis(tuple(entry.flags), tuple(entry.statements))
                item = ListedEntry(
                    revision=listed,
                    listed_as=entry.display,
                    via_range=via_range,
                    listed_description=to_plain(entry.description),
                    flags=flags,
                    statements=statements,
                    basis=basis,
                )
                for code in codes:
                    found.setdefault((system, code), []).append(item)
    return found


def policy_listings(timeline: PolicyTimeline) -> dict[tuple[CodeSystem, str], list[CodeListing]]:
    """Every listing of every code of one policy's stored revisions, oldest revision first.

    Keys are in the order codes are first met (revision, table, entry); `build_code_index`
    sorts them.
    """
    built: dict[ListedEntry, CodeListing] = {}

    def listing(entry: ListedEntry) -> CodeListing:
        # One per table entry, shared by the codes of its range (a listing holds no code).
        # Built from validated models: constructed without validating each field again.
        found = built.get(entry)
        if found is None:
            found = built[entry] = CodeListing.model_construct(
                **entry.revision.listing_fields(),
                listed_as=entry.listed_as,
                via_range=entry.via_range,
                listed_description=entry.listed_description,
                flags=entry.flags,
                statements=entry.statements,
                basis=entry.basis,
            )
        return found

    return {key: [listing(entry) for entry in entries] for key, entries in policy_entries(timeline).items()}


def code_description(system: CodeSystem, code: str, listings: Sequence[CodeListing] | Sequence[ListedEntry]) -> tuple[str, Literal["code_set", "policy"]]:
    """A code's description and its source: official for ICD-10-CM, else as printed.

    For CPT and HCPCS: the description printed beside the code in the last of `listings`
    (oldest first) that lists it by itself, else the range description of the last one.
    `listings` may also be the code's `ListedEntry`s (of `policy_entries`).
    """
    if system is CodeSystem.ICD10CM:
        return icd10.description(code), "code_set"
    printed = [listing.listed_description for listing in listings if listing.via_range is None]
    return (printed[-1] if printed else listings[-1].listed_description), "policy"


class PolicyCode(NamedTuple):
    """A code one policy lists, with its entries (oldest revision first) and its description as that policy gives it (`code_description`)."""

    system: CodeSystem
    code: str
    entries: list[ListedEntry]
    description: str
    description_source: Literal["code_set", "policy"]


def policy_codes(timeline: PolicyTimeline) -> list[PolicyCode]:
    """The codes the timeline's policy lists, by system then code, each described once.

    The one walk of a policy's codes that the code shards, the codes CSV and the FHIR
    ValueSets share: each output format asks for it through `PolicyInput.once`, so a build
    walks a policy's codes once however many of them it publishes.
    """
    found = policy_entries(timeline)
    return [
        PolicyCode(system, code, entries, *code_description(system, code, entries))
        for (system, code), entries in sorted(found.items(), key=lambda item: (_SYSTEM_ORDER[item[0][0]], item[0][1]))
    ]


def build_code_index(library: Library, as_of: date) -> CodeIndexDocument:
    """Index every code of every approved revision of every policy, with their states on `as_of`."""
    found: dict[tuple[CodeSystem, str], list[CodeListing]] = {}
    for policy in sorted(library.policies, key=lambda p: policy_sort_key(p.number)):
        for key, listings in policy_listings(PolicyTimeline(policy, as_of)).items():
            found.setdefault(key, []).extend(listings)
    records = []
    for (system, code), listings in sorted(found.items(), key=lambda item: (_SYSTEM_ORDER[item[0][0]], item[0][1])):
        description, source = code_description(system, code, listings)
        records.append(
            CodeRecord(system=system, system_uri=system.uri, code=code, description=description, description_source=source, listings=listings)
        )
    return CodeIndexDocument(code_sets=[code_set_info()], note=FORMAT_ONLY_NOTE, codes=records)


def _members(system: CodeSystem, start: object, end: object) -> tuple[list[str], str]:
    """The codes a range covers, and the range as printed."""
    shown = f"{start}-{end}"
    if system is not CodeSystem.ICD10CM:
        # CPT/HCPCS ranges cannot be expanded without the licensed list: index the range's ends.
        return [str(start), str(end)], shown
    return [member.code for member in icd10.expand_range(str(start), str(end))], shown


def lookup(index: CodeIndexDocument, query: str) -> list[CodeRecord]:
    """The records whose code matches `query`, written with or without the dot, in any case."""
    key = lookup_key(query)
    return [record for record in index.codes if record.code.replace(".", "") == key]
