"""The code index as shards: an output format (`generators.outputs.registry`).

- `api/v1/codes/index.json` (+ `api/v1/schema/code-index.schema.json`): the code set, the
  note, and every shard of the code index with its number of codes and content hash;
- `api/v1/codes/<system>/<prefix>.json` (+ `api/v1/schema/code-shard.schema.json`): the
  codes of `generators.domain.code_index` whose lookup key starts with `<prefix>`
  (`code_index.shard_prefix`), one line per revision of its `policies` table and per
  listing (a run of revisions of one policy that list a code alike).

A policy's part is its piece of every shard it lists codes in, serialised in a worker from
the walk of its codes that the CSV and the ValueSets share (`code_index.policy_codes`); the
library files only sort and join those bytes. A shard's code record, which all policies
share, takes the description of the last policy (in policy order) that lists the code by
itself (for CPT and HCPCS; ICD-10-CM's is official).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from generators import urls
from generators.domain.code_index import (
    FORMAT_ONLY_NOTE,
    SHARD_PREFIX_LENGTH,
    CodeShardDocument,
    CodeShardIndexDocument,
    CodeShardInfo,
    ListedEntry,
    ListedRevision,
    PolicyCode,
    ShardRevision,
    code_set_info,
    policy_codes,
    shard_prefix,
)
from generators.domain.lifecycle import PolicyTimeline
from generators.model import CodeSystem, Flag, Library, Policy, policy_sort_key
from generators.outputs import line_layout
from generators.outputs.json_api import chunks_hash, dump_model, readable_json, schema_of

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext

_SYSTEM_ORDER = {system.value: index for index, system in enumerate(CodeSystem)}
_FLAG_ORDER = {flag: index for index, flag in enumerate(Flag)}
_CODE = operator.itemgetter(0)
ShardKey = tuple[str, str]
"""A shard: (code system value, prefix), e.g. `("icd10cm", "C71")`."""


class CodeShardPart(NamedTuple):
    """What one policy contributes to one shard of the code index, serialised (`generators.outputs.line_layout`).

    The codes it lists there are in columns: the facts of its i-th code are the i-th of each
    column (plain tuples, kept as they are in the cache: `CodeShardsFormat.policy_part`).
    A named tuple, not a dataclass: a build makes one per policy and shard from the cache
    (about 30,000 at 1,000 policies), and a frozen dataclass takes several times longer to make.

    Attributes:
        policy: Its member of the shard's `policies` table (`"<number>":{...}`): its title
            and the revisions that list codes of the shard, one line each, oldest first.
        codes: The codes of the shard it lists, by code.
        listed_alone: For each code, whether the policy lists it by itself in some revision
            (not only inside a range): the shard's record takes its description from the last
            such policy.
        fields: For each code, the members of its `ShardCode` record but its listings, as
            this policy describes the code (`line_layout.members`).
        listings: For each code, its `ShardListing`s of the code, one a line
            (`line_layout.join_items`).
    """

    policy: bytes
    codes: tuple[str, ...]
    listed_alone: tuple[bool, ...]
    fields: tuple[bytes, ...]
    listings: tuple[bytes, ...]


ShardParts = dict[ShardKey, CodeShardPart]
"""A policy's part of every shard it lists codes in, by shard."""


# --------------------------------------------------------------------------- a policy's part


def _same_listing(entry: ListedEntry, other: ListedEntry) -> bool:
    """Whether two entries of one policy list a code alike in two revisions: all but the revision agree."""
    return (
        entry.revision is not other.revision
        and entry.listed_as == other.listed_as
        and entry.via_range == other.via_range
        and entry.listed_description == other.listed_description
        and [use.flag for use in entry.flags] == [use.flag for use in other.flags]
        and [statement.id for statement in entry.statements] == [statement.id for statement in other.statements]
        and entry.basis == other.basis
    )


def _listing_runs(entries: list[ListedEntry]) -> list[tuple[ListedEntry, ...]]:
    """A code's entries in one policy (oldest revision first) cut into runs that list it alike: one `ShardListing` each.

    Only neighbours of different revisions are joined, so the runs written out revision by
    revision give back the entries in their order.
    """
    runs: list[list[ListedEntry]] = []
    for entry in entries:
        if runs and _same_listing(runs[-1][-1], entry):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return [tuple(run) for run in runs]


def _listing_line(run: tuple[ListedEntry, ...]) -> bytes:
    """The `ShardListing` of a run of entries (the same for every code of their range), as JSON."""
    entry = run[0]
    listing = {
        "policy": entry.revision.policy,
        "revisions": [each.revision.revision.key for each in run],
        "listed_as": entry.listed_as,
        "via_range": entry.via_range,
        "listed_description": entry.listed_description,
        "flags": [use.flag.value for use in entry.flags],
        "statements": [statement.id for statement in entry.statements],
        "basis": entry.basis,
    }
    return line_layout.encode(listing)


def _code_fields(code: PolicyCode) -> bytes:
    """The members of a `ShardCode` record before its listings, as the code's policy describes it."""
    return line_layout.members({"code": code.code, "description": code.description, "description_source": code.description_source})


def _shard_revision(listed: ListedRevision, flags: Collection[Flag], statement_ids: Collection[str]) -> bytes:
    """The member (`"<revision>":{...}`) of a policy's `revisions` in a shard, for a revision whose listings there carry `flags` and name `statement_ids`.

    Its flags are in the order of `Flag`, its statements in the revision's order.
    """
    uses, _ = listed.flag_refs(tuple(sorted(flags, key=_FLAG_ORDER.__getitem__)))
    statements = listed.statement_refs(tuple(sorted(statement_ids)))
    revision = ShardRevision(**listed.revision_fields(), flags=uses, statements=statements)
    return line_layout.member(listed.revision.key, revision.model_dump_json().encode("utf-8"))


def _shard_policy(revisions: list[bytes], policy: str, fields: bytes) -> bytes:
    """A policy's member (`"<number>":{...}`) of a shard's `policies` table (a `ShardPolicy`), from its fields but revisions (`_shard_policy_fields`) and its revisions' members."""
    return line_layout.member(policy, b"".join(line_layout.lined_record(fields, "revisions", "{}", revisions)))


def _shard_policy_fields(policy: Policy) -> bytes:
    """The members of a policy's `ShardPolicy` before its revisions: the same in every shard."""
    return line_layout.members({"policy_title": policy.title})


def shard_parts(policy: Policy, codes: list[PolicyCode]) -> ShardParts:
    """`policy`'s part of every shard it lists codes in (`codes`: its `policy_codes`, by system then code)."""
    shard_codes: dict[ShardKey, list[tuple[str, bool, bytes, bytes]]] = {}
    shard_flags: dict[ShardKey, dict[ListedRevision, tuple[set[Flag], set[str]]]] = {}
    # The codes of a range share their runs of entries: each run is serialised once.
    run_lines: dict[tuple[ListedEntry, ...], tuple[bytes, frozenset[Flag], frozenset[str]]] = {}
    for code in codes:
        shard = (code.system.value, shard_prefix(code.code))
        flags_by_revision = shard_flags.setdefault(shard, {})
        lines = []
        for run in _listing_runs(code.entries):
            found = run_lines.get(run)
            if found is None:
                found = run_lines[run] = (_listing_line(run), frozenset(use.flag for use in run[0].flags), frozenset(s.id for s in run[0].statements))
            line, flags, statement_ids = found
            lines.append(line)
            for entry in run:
                revision_flags, revision_statements = flags_by_revision.setdefault(entry.revision, (set(), set()))
                revision_flags.update(flags)
                revision_statements.update(statement_ids)
        listed_alone = any(entry.via_range is None for entry in code.entries)
        shard_codes.setdefault(shard, []).append((code.code, listed_alone, _code_fields(code), line_layout.join_items(lines)))
    # A revision's entry depends only on the flags and statements of its listings in the shard: few kinds per revision.
    entries: dict[tuple[ListedRevision, frozenset[Flag], frozenset[str]], bytes] = {}
    parts = {}
    policy_fields = _shard_policy_fields(policy)
    for shard, flags_by_revision in shard_flags.items():
        table = []
        for listed in sorted(flags_by_revision, key=operator.attrgetter("index")):
            revision_flags, revision_statements = flags_by_revision[listed]
            key = (listed, frozenset(revision_flags), frozenset(revision_statements))
            if key not in entries:
                entries[key] = _shard_revision(listed, key[1], key[2])
            table.append(entries[key])
        codes_listed, listed_alone, fields, listings = zip(*shard_codes[shard])  # one column per field
        parts[shard] = CodeShardPart(_shard_policy(table, policy.number, policy_fields), codes_listed, listed_alone, fields, listings)
    return parts


def policy_shard_parts(timeline: PolicyTimeline) -> ShardParts:
    """The timeline's policy's part of every shard it lists codes in, from its `policy_codes`."""
    return shard_parts(timeline.policy, policy_codes(timeline))


# --------------------------------------------------------------------------- the library files


#: The fields of a `CodeShardDocument` written one record per line (`line_layout`): its last two.
_SHARD_RECORDS = ("policies", "codes")


def _shard_fields(system: str, prefix: str) -> bytes:
    """The members of a shard's `CodeShardDocument` before its `policies` table: the document's own fields, in model order."""
    empty = CodeShardDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("code-shard"),
        system=CodeSystem(system),
        system_uri=CodeSystem(system).uri,
        prefix=prefix,
        policies={},
        codes=[],
    )
    return line_layout.members(empty.model_dump(mode="json", exclude=set(_SHARD_RECORDS)))


def assemble_shard(shard: ShardKey, pieces: list[CodeShardPart]) -> tuple[bytes, int]:
    """One shard file from the pieces of the policies that list codes in it (in policy order); and its number of codes."""
    chunks, count = shard_chunks(shard, pieces)
    return b"".join(chunks), count


def shard_chunks(shard: ShardKey, pieces: list[CodeShardPart]) -> tuple[list[bytes], int]:
    """`assemble_shard` as the pieces of bytes the file is made of, not joined (`iter_code_shard_files`)."""
    system, prefix = shard
    # A row per policy and code: (code, listed alone, fields, listings).
    by_code = list(itertools.chain.from_iterable(zip(piece.codes, piece.listed_alone, piece.fields, piece.listings) for piece in pieces))
    by_code.sort(key=_CODE)  # stable: each code's listings stay in policy order
    # The file as a list of pieces, joined when written (only a code's listings of several policies, and
    # the policies table, are joined before): each listing is copied once or twice, never re-encoded.
    records = []
    for _, group in itertools.groupby(by_code, key=_CODE):
        listed = list(group)
        # The record's description is the last policy's that lists the code by itself (see code_description).
        fields = next((fields for _, listed_alone, fields, _ in reversed(listed) if listed_alone), listed[-1][2])
        records.append(line_layout.lined_record(fields, "listings", "[]", [row[3] for row in listed]))
    policies = line_layout.lined("{}", [piece.policy for piece in pieces])
    out = line_layout.lined_object(_shard_fields(system, prefix), [("policies", policies), ("codes", line_layout.lined_records("[]", records))])
    out.append(b"\n")
    return out, len(records)


def code_index_file(code_counts: Mapping[ShardKey, int], hashes: Mapping[ShardKey, str]) -> bytes:
    """`codes/index.json`: every shard with its number of codes and its content hash (`json_api.content_hash`), in shard order."""
    shards = [
        CodeShardInfo(
            system=CodeSystem(system),
            prefix=prefix,
            url=urls.api_code_shard(system, prefix),
            code_count=code_counts[system, prefix],
            content_hash=hashes[system, prefix],
        )
        for system, prefix in sorted(code_counts, key=lambda shard: (_SYSTEM_ORDER[shard[0]], shard[1]))
    ]
    return dump_model(
        CodeShardIndexDocument(
            api_version=urls.API_VERSION,
            schema_url=urls.api_schema("code-index"),
            code_sets=[code_set_info()],
            note=FORMAT_ONLY_NOTE,
            prefix_length=SHARD_PREFIX_LENGTH,
            shards=shards,
        )
    )


def _code_schemas() -> dict[str, bytes]:
    return _code_schemas_under(urls.site_url())


@cache
def _code_schemas_under(site_url: str) -> dict[str, bytes]:
    # The schemas depend on the code and the site's URL (their `$id`) only.
    return {
        urls.api_schema("code-index"): readable_json(schema_of("code-index", CodeShardIndexDocument)),
        urls.api_schema("code-shard"): readable_json(schema_of("code-shard", CodeShardDocument)),
    }


def iter_code_shard_files(parts: Sequence[ShardParts], only: Collection[str] | None = None) -> Iterator[tuple[str, list[bytes]]]:
    """The schemas, the shard files and `codes/index.json` from the policies' parts (in policy order), those in `only` if given.

    One file at a time, each as the pieces of bytes it is made of (not joined): what a build
    writes, never holding every shard at once.
    """

    def wanted(path: str) -> bool:
        return only is None or path in only

    for path, content in _code_schemas().items():
        if wanted(path):
            yield path, [content]
    pieces: dict[ShardKey, list[CodeShardPart]] = {}
    for part in parts:
        for shard, piece in part.items():
            pieces.setdefault(shard, []).append(piece)
    counts: dict[ShardKey, int] = {}
    hashes: dict[ShardKey, str] = {}
    # The code index holds every shard's hash: when it is wanted, every shard is assembled.
    every_shard = wanted(urls.api_code_index())
    for shard, shard_pieces in pieces.items():
        url = urls.api_code_shard(*shard)
        if not (every_shard or wanted(url)):
            continue
        chunks, counts[shard] = shard_chunks(shard, shard_pieces)
        hashes[shard] = chunks_hash(chunks)
        if wanted(url):
            yield url, chunks
    if every_shard:
        yield urls.api_code_index(), [code_index_file(counts, hashes)]


def render_code_shards(library: Library, as_of: date) -> dict[str, bytes]:
    """The code index's files as of `as_of` (index, shards, their schemas), keyed by path relative to the site root; the policies put in policy order."""
    parts = [policy_shard_parts(PolicyTimeline(policy, as_of)) for policy in sorted(library.policies, key=lambda policy: policy_sort_key(policy.number))]
    return dict(sorted((path, b"".join(chunks)) for path, chunks in iter_code_shard_files(parts)))


# --------------------------------------------------------------------------- the format


def _plain(parts: ShardParts) -> dict[ShardKey, tuple[object, ...]]:
    """A policy's shard parts as `marshal` stores them: each `CodeShardPart` as a plain tuple."""
    return {shard: tuple(piece) for shard, piece in parts.items()}


def _from_plain(plain: object) -> ShardParts:
    """The shard parts `_plain` gave."""
    return {shard: CodeShardPart._make(columns) for shard, columns in plain.items()}  # type: ignore[attr-defined]


class CodeShardsFormat:
    """The code index as an output format: `codes/index.json`, the shards and their schemas.

    A policy has no files of its own here; its part is its piece of each shard it lists codes
    in (`shard_parts` of the shared `policy_codes`, as plain tuples); the library files are
    streamed (`iter_library_files`): the shards are a build's largest library files.
    """

    name = "code_shards"
    libraries = ("pydantic-core", "simple-icd-10-cm")

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """None: every file of the code index combines policies."""
        return {}

    def policy_part(self, policy: PolicyInput) -> dict[ShardKey, tuple[object, ...]]:
        """Its piece of each shard it lists codes in, serialised."""
        return _plain(shard_parts(policy.timeline.policy, policy.once(policy_codes)))

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """The code index, its shards and their schemas (those in `only` if given)."""
        return {path: b"".join(chunks) for path, chunks in iter_code_shard_files([_from_plain(part) for part in parts], only)}

    def iter_library_files(self, parts: Sequence[object], site: SiteContext) -> Iterator[tuple[str, list[bytes]]]:
        """The same files one at a time, each as its pieces: what the build writes."""
        return iter_code_shard_files([_from_plain(part) for part in parts])

    def library_paths_fed_by(self, part: object) -> set[str]:
        """Its shards and the code index (which holds every shard's hash)."""
        return {urls.api_code_shard(system, prefix) for system, prefix in part} | {urls.api_code_index()}  # type: ignore[attr-defined]
