"""Render the downloads for downstream systems: code index shards, CSV, FHIR ValueSets, Atom feed.

Every file here combines policies, so it is built in two steps that a pipeline can run apart:
`downloads_part(policy)` computes, in a worker and cached per policy, everything one policy
contributes, already serialised (CSV rows, shard listings, feed entries, its FHIR file);
`assemble_downloads(parts)` only sorts and joins those bytes. `render_downloads(library)` is
the two together. Like every renderer they are pure and deterministic: dates come from the
data (never the clock) and every list has a fixed order.

- `api/v1/codes/index.json` (+ `api/v1/schema/code-index.schema.json`): the code set, the
  note, and every shard of the code index with its number of codes;
- `api/v1/codes/<system>/<prefix>.json` (+ `api/v1/schema/code-shard.schema.json`): the
  codes of `generators.domain.code_index` whose lookup key starts with `<prefix>`
  (`code_index.shard_prefix`), one line per revision of its `policies` table and per
  listing (a run of revisions of one policy that list a code alike);
- `api/v1/codes.csv`: one row per stored revision and code (or ICD-10-CM range member) it
  lists, safe to open in a spreadsheet program (`spreadsheet_safe`, a UTF-8 byte-order mark);
- `api/v1/fhir/ValueSet-<number>.json`: an HL7 FHIR R4 ValueSet of each policy's current
  code list, ICD-10-CM ranges expanded to concepts;
- `feed.xml`: an Atom feed with an entry per stored revision, linking to its page and to
  the diff from the revision before.

For CPT and HCPCS codes the description in a CSV row is the one its revision prints, in the
ValueSet the one the policy prints (its newest listing of the code by itself); a shard's code
record, which all policies share, takes the one of the last policy (in policy order) that
lists it by itself.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from generators.domain import icd10
from generators import urls
from generators.domain.code_index import (
    FORMAT_ONLY_NOTE,
    SHARD_PREFIX_LENGTH,
    CodeShardDocument,
    CodeShardIndexDocument,
    CodeShardInfo,
    ListedEntry,
    ListedRevision,
    ShardRevision,
    code_description,
    code_set_info,
    policy_entries,
    shard_prefix,
)
from generators.domain.lifecycle import PolicyTimeline, RevisionState
from generators.model import CodeSystem, Flag, Library, Policy, Revision, RevisionStatus, policy_sort_key
from generators.text import to_plain
from generators.outputs import line_layout
from generators.outputs.templating import render_template
from generators.outputs.json_api import chunks_hash, dump_json, dump_model, readable_json, schema_of

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext

CSV_COLUMNS = (
    "policy",
    "policy_title",
    "revision",
    "revision_status",
    "state",
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
_SYSTEM_ORDER = {system.value: index for index, system in enumerate(CodeSystem)}
_FLAG_ORDER = {flag: index for index, flag in enumerate(Flag)}
_CODE = operator.itemgetter(0)
#: The files every part joins into (besides its shards and own files).
SHARED_PATHS = (
    urls.download_codes_csv(),
    urls.feed_atom(),
    urls.api_code_index(),
    urls.api_schema("code-index"),
    urls.api_schema("code-shard"),
)
ShardKey = tuple[str, str]
"""A shard: (code system value, prefix), e.g. `("icd10cm", "C71")`."""


class CodeShardPart(NamedTuple):
    """What one policy contributes to one shard of the code index, serialised (`generators.outputs.line_layout`).

    The codes it lists there are in columns: the facts of its i-th code are the i-th of each
    column (plain tuples, kept as they are in the cache: `DownloadsPart.as_marshal_data`).
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


@dataclass(frozen=True)
class DownloadsPart:
    """Everything one policy contributes to the downloads: plain, picklable data, mostly bytes.

    Attributes:
        number: The policy number.
        sort_key: `policy_sort_key(number)`: the order of policies in every combined file.
        csv_rows: Its rows of `codes.csv` (CRLF-terminated), in the file's order.
        shards: Its part of each shard of the code index that it lists codes in.
        feed_entries: (sort key, entry XML) per stored revision; the feed sorts by the key.
        feed_updated: Its newest entry's timestamp.
        files: Files of its own (its FHIR ValueSet).
    """

    number: str
    sort_key: tuple[int, ...]
    csv_rows: bytes
    shards: dict[ShardKey, CodeShardPart]
    feed_entries: tuple[tuple[tuple[int, ...], bytes], ...]
    feed_updated: str
    files: dict[str, bytes]

    def paths(self) -> set[str]:
        """The files whose bytes depend on this part: its shards and own files, and the files every part joins."""
        return {urls.api_code_shard(system, prefix) for system, prefix in self.shards} | set(self.files) | set(SHARED_PATHS)

    def as_marshal_data(self) -> tuple[Any, ...]:
        """The part as tuples, dicts, bytes, strings, ints and bools only: what `marshal` stores (a cache entry)."""
        shards = {shard: tuple(piece) for shard, piece in self.shards.items()}
        return (self.number, self.sort_key, self.csv_rows, shards, self.feed_entries, self.feed_updated, self.files)

    @classmethod
    def from_marshal_data(cls, data: tuple[Any, ...]) -> DownloadsPart:
        """The part `as_marshal_data` gave."""
        number, sort_key, csv_rows, shards, feed_entries, feed_updated, files = data
        pieces = {shard: CodeShardPart._make(columns) for shard, columns in shards.items()}
        return cls(number, sort_key, csv_rows, pieces, feed_entries, feed_updated, files)


class _Code(NamedTuple):
    """A code one policy lists, with its entries (oldest revision first) and its description as that policy gives it."""

    system: CodeSystem
    code: str
    entries: list[ListedEntry]
    description: str
    description_source: Literal["code_set", "policy"]


def _policy_codes(timeline: PolicyTimeline) -> list[_Code]:
    """The codes the timeline's policy lists, by system then code, each described once for the CSV, shards and ValueSets."""
    found = policy_entries(timeline)
    return [
        _Code(system, code, entries, *code_description(system, code, entries))
        for (system, code), entries in sorted(found.items(), key=lambda item: (_SYSTEM_ORDER[item[0][0].value], item[0][1]))
    ]


# --------------------------------------------------------------------------- CSV

#: The first bytes of `codes.csv`: the UTF-8 byte-order mark, so that spreadsheet programs
#: read the file as UTF-8 (Excel takes a CSV without it for the system's legacy code page).
CSV_BOM = "\ufeff".encode("utf-8")
# What makes csv.writer (default dialect, QUOTE_MINIMAL) quote a field: the delimiter, the
# quote character and the line terminator's characters.
_CSV_QUOTED = re.compile(r'[,"\r\n]')
# A cell a spreadsheet program would read as a formula (OWASP, CSV injection): one starting
# with = + - @ TAB or CR; also one starting with quotes before those, so that the one quote
# `spreadsheet_safe` adds can always be taken off again (`spreadsheet_value`).
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
# Either of the two: the fields that the fast path of `_csv_fields` cannot write as they are.
_CSV_SPECIAL = re.compile(r"""[,"\r\n]|^'*[=+\-@\t]""")


def spreadsheet_safe(value: str) -> str:
    """`value` as a CSV cell that no spreadsheet program takes for a formula (OWASP's CSV injection advice).

    A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return, possibly after
    quotes (`'`), gets one quote in front: `=SUM(A1)` -> `'=SUM(A1)`, `'=x` -> `''=x`. Every
    other value is unchanged. `spreadsheet_value` undoes it.
    """
    return "'" + value if _FORMULA_START.match(value) else value


def spreadsheet_value(cell: str) -> str:
    """The data of a cell written by `spreadsheet_safe`: the added quote taken off again."""
    return cell[1:] if cell.startswith("'") and _FORMULA_START.match(cell, 1) else cell


def _csv_line(values: tuple[str, ...]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow([spreadsheet_safe(value) for value in values])
    return buffer.getvalue().encode("utf-8")


CSV_HEADER = CSV_BOM + _csv_line(CSV_COLUMNS)


def _csv_field(value: str) -> str:
    """`value` as one cell of a row: made `spreadsheet_safe`, then quoted as `csv.writer` quotes (RFC 4180, only when needed)."""
    value = spreadsheet_safe(value)
    if _CSV_QUOTED.search(value) is None:
        return value
    return '"' + value.replace('"', '""') + '"'


def _csv_fields(values: tuple[str, ...]) -> str:
    """Several cells of a row (see `_csv_field`), each followed by the delimiter."""
    if not any(map(_CSV_SPECIAL.search, values)):  # the common case: every field is written as it is
        return ",".join(values) + ","
    return "".join(_csv_field(value) + "," for value in values)


@cache
def _icd_release_column() -> str:
    # Reading the package version from its metadata costs milliseconds: once per process.
    info = code_set_info()
    return f"{info.release} ({info.package} {info.package_version})"


def _csv_revision_columns(listed: ListedRevision) -> str:
    """The columns `policy` to `window_start_basis` of a revision's rows, each followed by the delimiter."""
    window = listed.window
    return _csv_fields(
        (
            listed.policy,
            listed.policy_title,
            listed.revision.key,
            listed.revision.status.value,
            listed.state.value,
            window.start.isoformat(),
            window.end.isoformat() if window.end else "",
            window.start_basis.value,
        )
    )


def _csv_entry_columns(entry: ListedEntry) -> str:
    """The columns `listed_as` to `statements` of an entry's rows, each followed by the delimiter."""
    return _csv_fields(
        (
            entry.listed_as,
            entry.via_range or "",
            ";".join([use.flag.value for use in entry.flags]) if entry.flags else "",
            ";".join([f"{s.number} {s.id}" for s in entry.statements]) if entry.statements else "",
        )
    )


def _csv_row_entries(entries: list[ListedEntry]) -> list[ListedEntry]:
    """The entry each revision's row of a code is made from: one per revision, oldest first.

    A revision can list a code more than once: by itself and inside a range (`C71.3` and
    `C71.0-C71.9`), inside two ranges, or as both ends of a CPT range (`0609T-0609T`). Its row
    comes from the entry that lists the code by itself, else from the first range in the
    table that holds it. (The code index shards keep every entry.)
    """
    chosen: dict[ListedRevision, ListedEntry] = {}
    for entry in entries:  # oldest revision first, in table order within a revision
        kept = chosen.get(entry.revision)
        if kept is None or (kept.via_range is not None and entry.via_range is None):
            chosen[entry.revision] = entry
    return list(chosen.values())


def _csv_rows(codes: list[_Code]) -> bytes:
    """One policy's rows of `codes.csv`: one per revision and code, by revision, system, code (RFC 4180).

    A row's description is the official one for ICD-10-CM, else the one printed by the row's
    own revision. Each row is its revision's columns, its code's and its entry's, each
    serialised once.
    """
    icd_release = _csv_field(_icd_release_column()) + "\r\n"
    revision_columns: dict[ListedRevision, str] = {}
    entry_columns: dict[ListedEntry, str] = {}
    rows: dict[ListedRevision, list[str]] = {}
    for system, code, entries, description, _ in codes:
        official = system is CodeSystem.ICD10CM
        code_columns = _csv_fields((system.value, code, description)) if official else ""
        end = icd_release if official else "\r\n"
        for entry in _csv_row_entries(entries):
            listed = entry.revision
            head = revision_columns.get(listed)
            if head is None:
                head = revision_columns[listed] = _csv_revision_columns(listed)
                rows[listed] = []
            tail = entry_columns.get(entry)
            if tail is None:
                tail = entry_columns[entry] = _csv_entry_columns(entry)
            if not official:
                code_columns = _csv_fields((system.value, code, entry.listed_description))
            rows[listed].append(head + code_columns + tail + end)
    # Codes come by system and code, so each revision's rows are in the file's order already.
    return "".join(row for listed in sorted(rows, key=lambda listed: listed.revision.revision) for row in rows[listed]).encode("utf-8")


# --------------------------------------------------------------------------- code index shards


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


def _code_fields(code: _Code) -> bytes:
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


def _shard_parts(policy: Policy, codes: list[_Code]) -> dict[ShardKey, CodeShardPart]:
    """`policy`'s part of every shard it lists codes in (`codes`: its codes by system then code)."""
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
    """`assemble_shard` as the pieces of bytes the file is made of, not joined (`iter_downloads`)."""
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


def _shard_files(parts: list[DownloadsPart], only: Collection[str] | None) -> Iterator[tuple[str, list[bytes]]]:
    """The shard files and `codes/index.json` from the policies' parts (in policy order), those in `only` if given, one at a time."""
    pieces: dict[ShardKey, list[CodeShardPart]] = {}
    for part in parts:
        for shard, piece in part.shards.items():
            pieces.setdefault(shard, []).append(piece)
    counts: dict[ShardKey, int] = {}
    hashes: dict[ShardKey, str] = {}

    def wanted(path: str) -> bool:
        return only is None or path in only

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


def _code_schemas() -> dict[str, bytes]:
    return _code_schemas_under(urls.site_url())


@cache
def _code_schemas_under(site_url: str) -> dict[str, bytes]:
    # The schemas depend on the code and the site's URL (their `$id`) only.
    return {
        urls.api_schema("code-index"): readable_json(schema_of("code-index", CodeShardIndexDocument)),
        urls.api_schema("code-shard"): readable_json(schema_of("code-shard", CodeShardDocument)),
    }


# --------------------------------------------------------------------------- FHIR


#: Who publishes the site's files (the feed's author, the ValueSets' publisher).
PUBLISHER = "Medical policy knowledge base"


def _fhir_name(number: str) -> str:
    # FHIR's ValueSet.name is "computer friendly": ^[A-Z]([A-Za-z0-9_]){0,254}$
    return "Policy_" + re.sub(r"[^A-Za-z0-9]", "_", number) + "_Codes"


def value_set(timeline: PolicyTimeline, revision: Revision, codes: list[_Code] | None = None) -> dict[str, Any]:
    """The FHIR R4 ValueSet of the codes of one revision of the timeline's policy, as JSON data.

    A canonical resource: `url` is the absolute address of the policy's ValueSet file, `version`
    the revision, `identifier` the policy number (system: `urls.fhir_identifier_system`). Its
    `status` follows the revision's state on the as-of date: `active` for the revision in
    effect, `draft` for an upcoming one (approved, not yet in effect), `retired` otherwise. Its
    window in effect is the extension `urls.fhir_effective_period_extension` (a Period), as R4
    has no `effectivePeriod` on ValueSet. `compose` has one include per code system (with the
    ICD-10-CM release as its version); `expansion` lists every code, ICD-10-CM range members
    included, stamped with the as-of date. `codes` is `_policy_codes(timeline)`, when the
    caller has it already.
    """
    policy = timeline.policy
    if codes is None:
        codes = _policy_codes(timeline)
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
        "id": f"policy-{policy.number}",
        **({"extension": [{"url": urls.fhir_effective_period_extension(), "valuePeriod": period}]} if period is not None else {}),
        "url": urls.absolute(urls.fhir_value_set(policy.number)),
        "identifier": [{"use": "official", "system": urls.fhir_identifier_system(), "value": policy.number}],
        "version": revision.key,
        "name": _fhir_name(policy.number),
        "title": f"{policy.number} {to_plain(policy.title)}: codes",
        "status": _FHIR_STATUS.get(state, "retired"),
        "experimental": False,
        "date": _last_updated(revision).isoformat(),
        "publisher": PUBLISHER,
        "description": description,
    }
    if copyrights:
        document["copyright"] = " ".join(copyrights)
    if include:  # FHIR requires at least one include; a policy without codes has no compose
        document["compose"] = {"include": include}
        document["expansion"] = {"timestamp": f"{timeline.as_of.isoformat()}T00:00:00Z", "total": len(contains), "contains": contains}
    return document


#: A ValueSet's FHIR status by its revision's state; any other state is `retired`.
_FHIR_STATUS = {RevisionState.IN_EFFECT: "active", RevisionState.UPCOMING: "draft"}


def _value_set_files(timeline: PolicyTimeline, codes: list[_Code]) -> dict[str, bytes]:
    """The ValueSets a policy publishes: the shown revision's (`ValueSet-<number>.json`) and each upcoming one's."""
    files = {urls.fhir_value_set(timeline.policy.number): dump_json(value_set(timeline, timeline.shown, codes))}
    for revision in timeline.upcoming:
        if revision is not timeline.shown:
            files[urls.fhir_value_set(timeline.policy.number, revision.key)] = dump_json(value_set(timeline, revision, codes))
    return files


# --------------------------------------------------------------------------- Atom


@dataclass(frozen=True)
class FeedEntry:
    """What the Atom template needs of one revision."""

    id: str
    title: str
    published: str
    updated: str
    page_href: str
    json_href: str
    diff_href: str | None
    previous: str | None
    status: str
    summary: str


def _last_updated(revision: Revision) -> date:
    """When the revision was last changed: its approval, or its newest correction made in place."""
    return max([revision.revision, *(c.date for c in revision.corrections)])


def _timestamp(revision: Revision) -> str:
    return f"{_last_updated(revision).isoformat()}T00:00:00Z"


def _entry_summary(timeline: PolicyTimeline, revision: Revision) -> str:
    policy = timeline.policy
    changes = [to_plain(change) for entry in policy.history.change_summaries if entry.date == revision.revision for change in entry.changes]
    parts = changes or ["No summary of changes is recorded for this date."]
    if timeline.state(revision) is RevisionState.UPCOMING:
        parts.append(f"Takes effect on {timeline.start(revision).isoformat()}; until then the previous revision applies.")
    elif revision.effective_date is not None:
        parts.append(f"Effective {revision.effective_date.isoformat()}.")
    else:
        parts.append("Effective date not known.")
    if revision.status is RevisionStatus.RECONSTRUCTED:
        parts.append("This revision's text is reconstructed from a later one; see its provenance.")
    parts += [f"Corrected on {c.date.isoformat()}: {to_plain(c.what)} ({to_plain(c.why)})" for c in revision.corrections]
    return " ".join(parts)


def policy_feed_entries(timeline: PolicyTimeline) -> list[tuple[tuple[int, ...], FeedEntry]]:
    """One entry per stored revision of the policy, each with its place in the feed: newest first, then by policy number."""
    policy = timeline.policy
    entries = []
    previous: Revision | None = None
    for revision in policy.revisions:
        page = timeline.page_url(revision)
        entry = FeedEntry(
            id=f"urn:policykb:policy:{policy.number}:revision:{revision.key}",
            title=f"{policy.number} {to_plain(policy.title)}: revision {revision.key}",
            published=f"{revision.key}T00:00:00Z",
            updated=_timestamp(revision),
            page_href=page,
            json_href=urls.api_revision(policy.number, revision.key),
            diff_href=urls.page_diff(policy.number, previous.key, revision.key) if previous is not None else None,
            previous=previous.key if previous is not None else None,
            status=revision.status.value,
            summary=_entry_summary(timeline, revision),
        )
        entries.append(((-revision.revision.toordinal(), *policy_sort_key(policy.number)), entry))
        previous = revision
    return entries


def _feed_head(updated: str) -> bytes:
    feed = {
        "id": "urn:policykb:feed:revisions",
        "title": "Medical policy revisions",
        "subtitle": "Each new revision of a medical policy, its summary of changes and what changed.",
        "updated": updated,
        "author": PUBLISHER,
        "self_href": urls.feed_atom(),
        "home_href": "./",
    }
    return render_template("feed/head.xml", feed=feed).encode("utf-8")


def _assemble_feed(parts: list[DownloadsPart]) -> bytes:
    """The Atom feed of policy revisions (RFC 4287): the head, every entry newest first, the end."""
    return assemble_feed([part.feed_entries for part in parts], [part.feed_updated for part in parts])


def assemble_feed(entries: Iterable[Iterable[tuple[tuple[int, ...], bytes]]], updated: Iterable[str]) -> bytes:
    """The Atom feed from each policy's `feed_entries` and `feed_updated`."""
    ordered = sorted((entry for policy_entries in entries for entry in policy_entries), key=lambda entry: entry[0])
    return _feed_head(max(updated)) + b"".join(xml for _, xml in ordered) + b"</feed>\n"


# --------------------------------------------------------------------------- parts and files


def downloads_part(timeline: PolicyTimeline) -> DownloadsPart:
    """Everything the timeline's policy contributes to the downloads, serialised; see `assemble_downloads`."""
    policy = timeline.policy
    codes = _policy_codes(timeline)
    feed = [(key, render_template("feed/entry.xml", entry=entry).encode("utf-8")) for key, entry in policy_feed_entries(timeline)]
    return DownloadsPart(
        number=policy.number,
        sort_key=policy_sort_key(policy.number),
        csv_rows=_csv_rows(codes),
        shards=_shard_parts(policy, codes),
        feed_entries=tuple(feed),
        feed_updated=max(_timestamp(revision) for revision in policy.revisions),
        files=_value_set_files(timeline, codes),
    )


def assemble_downloads(parts: list[DownloadsPart], only: Collection[str] | None = None) -> dict[str, bytes]:
    """Every download file from the policies' parts, keyed by path: only sorting and joining bytes.

    Args:
        parts: One per policy of the library, in any order (they are put in policy order); at
            least one.
        only: If given, assemble only these paths. After some policies changed, the files
            that can differ are the `paths()` of their old and new parts (which include the
            files every part joins); every other file is byte-identical to the last build's.
    """
    return dict(sorted((path, b"".join(chunks)) for path, chunks in iter_downloads(parts, only)))


def iter_downloads(parts: list[DownloadsPart], only: Collection[str] | None = None) -> Iterator[tuple[str, list[bytes]]]:
    """The files of `assemble_downloads`, one at a time, each as the pieces of bytes it is made of (not joined).

    What a build writes the downloads with: the files are never all in memory at once, and the
    largest (`codes.csv`, about 50 KB a policy) is written from the policies' rows as they are.
    At 5,000 policies, joining them all first doubled the memory the parts take (issue 19).
    """
    ordered = sorted(parts, key=lambda part: part.sort_key)

    def wanted(path: str) -> bool:
        return only is None or path in only

    for path, content in _code_schemas().items():
        if wanted(path):
            yield path, [content]
    if wanted(urls.download_codes_csv()):
        yield urls.download_codes_csv(), [CSV_HEADER, *(part.csv_rows for part in ordered)]
    if wanted(urls.feed_atom()):
        yield urls.feed_atom(), [_assemble_feed(ordered)]
    yield from _shard_files(ordered, only)
    for part in ordered:
        for path, content in part.files.items():
            if wanted(path):
                yield path, [content]


def render_downloads(library: Library, as_of: date) -> dict[str, bytes]:
    """Every download file as of `as_of`, keyed by its path relative to the site root."""
    return assemble_downloads([downloads_part(PolicyTimeline(policy, as_of)) for policy in library.policies])


class DownloadsFormat:
    """The downloads as an output format (`generators.outputs.registry`): code shards, CSV, FHIR, feed.

    One format, not four: one walk of a policy's codes (`downloads_part`) gives its rows,
    shard listings and ValueSets. A policy's files are its FHIR ValueSets; its part, the rest
    of its `DownloadsPart` (`as_marshal_data`); the library files, `assemble_downloads`.
    """

    name = "downloads"
    libraries = ("pydantic-core", "jinja2", "simple-icd-10-cm")

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """The policy's FHIR ValueSets."""
        return dict(policy.once(downloads_part).files)

    def policy_part(self, policy: PolicyInput) -> tuple[Any, ...]:
        """Its rows, shard listings and feed entries, serialised."""
        return replace(policy.once(downloads_part), files={}).as_marshal_data()

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """The shards, code index, CSV, feed and code schemas."""
        return dict(assemble_downloads([DownloadsPart.from_marshal_data(part) for part in parts], only))  # type: ignore[arg-type]

    def iter_library_files(self, parts: Sequence[object], site: SiteContext) -> Iterator[tuple[str, list[bytes]]]:
        """The same files one at a time, each as its pieces (`iter_downloads`): what the build writes."""
        return iter_downloads([DownloadsPart.from_marshal_data(part) for part in parts])  # type: ignore[arg-type]

    def library_paths_fed_by(self, part: object) -> set[str]:
        """Its shards, the code index, the CSV and the feed."""
        return DownloadsPart.from_marshal_data(part).paths()  # type: ignore[arg-type]
