"""Downloads for downstream systems: the code index shards, the codes CSV, FHIR R4 ValueSets, the Atom feed.

Each format is read back with the tool its consumers use: the csv module, the FHIR model
library (`fhir.resources`, R4B module: R4B is R4 with backwards-compatible fixes, and has the
same ValueSet), and `feedparser` (the feed parser most Python feed readers are built on), plus
the RFC 4287 required elements checked with `xml.etree`. Golden copies live in
`tests/golden/downloads/`; regenerate with `POLICYKB_UPDATE_GOLDEN=1` on purpose only.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import marshal
import multiprocessing
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from fhir.resources.R4B.valueset import ValueSet
from pydantic import ValidationError

from generators.domain import icd10
from generators import urls
from generators.domain.code_index import CodeShardDocument, build_code_index, shard_prefix
from generators.model import Library, Policy
from generators.domain import code_index
from generators.build.assemble import render_policy_outputs
from generators.outputs.code_shards import CodeShardsFormat, render_code_shards
from generators.outputs.codes_csv import CSV_COLUMNS, CodesCsvFormat, render_codes_csv, spreadsheet_safe, spreadsheet_value
from generators.outputs.feed import FeedFormat, render_feed
from generators.outputs.fhir import FhirFormat, render_value_sets
from generators.outputs.json_api import dump_json, dump_model
from generators.outputs.registry import FORMATS, OutputFormat, PolicyInput, streams_library_files
from generators.outputs.site import SiteContext
from generators.load.validate import load_library, load_policy, policy_folders

from .conftest import DATA, check_golden, AS_OF, timeline

GOLDEN = Path(__file__).parent / "golden" / "downloads"
#: The four formats of the downloads, as the registry holds them.
DOWNLOADS: tuple[OutputFormat, ...] = (CodeShardsFormat(), CodesCsvFormat(), FhirFormat(), FeedFormat())
#: What these formats are rendered with: they need nothing of the rest of the site.
SITE = SiteContext(policy_numbers=frozenset(), as_of=AS_OF)
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def render_downloads(library: Library, as_of: date) -> dict[str, bytes]:
    """Every download file of the four formats (code shards, CSV, ValueSets, feed), each made by its module's `render_` function."""
    files = {**render_code_shards(library, as_of), **render_codes_csv(library, as_of), **render_value_sets(library, as_of), **render_feed(library, as_of)}
    return dict(sorted(files.items()))


@pytest.fixture(scope="module")
def files(library: Library) -> dict[str, bytes]:
    return render_downloads(library, AS_OF)


def test_the_downloads_are_four_formats_of_the_registry_and_only_the_large_ones_stream() -> None:
    registered = {type(output): output.name for output in FORMATS}
    assert [registered.get(type(output)) for output in DOWNLOADS] == ["code_shards", "codes_csv", "fhir", "feed"]
    assert [streams_library_files(output) for output in DOWNLOADS] == [True, True, False, False]


def test_layout_and_determinism(library: Library, files: dict[str, bytes]) -> None:
    shards = sorted({urls.api_code_shard(r.system.value, shard_prefix(r.code)) for r in build_code_index(library, AS_OF).codes})
    assert "api/v1/codes/icd10cm/C71.json" in shards and "api/v1/codes/cpt/061.json" in shards
    assert sorted(files) == sorted([
        "api/v1/codes.csv",
        "api/v1/codes/index.json",
        *shards,
        "api/v1/fhir/ValueSet-6.01.03-2025-01-23.json",
        "api/v1/fhir/ValueSet-6.01.03-2026-01-22.json",
        "api/v1/fhir/ValueSet-6.01.03.json",
        "api/v1/schema/code-index.schema.json",
        "api/v1/schema/code-shard.schema.json",
        "feed.xml",
    ])
    assert render_downloads(library, AS_OF) == files


#: Written by `dump_json`; the shards have a layout of their own (one line per entry), kept as it is.
COMPACT_JSON = {"api/v1/codes/index.json", "api/v1/fhir/ValueSet-6.01.03.json"}


@pytest.mark.parametrize("path", [
    "api/v1/codes.csv", "api/v1/codes/index.json", "api/v1/codes/icd10cm/C71.json", "api/v1/codes/cpt/061.json",
    "api/v1/fhir/ValueSet-6.01.03.json", "feed.xml",
])
def test_matches_golden(files: dict[str, bytes], path: str) -> None:
    check_golden(GOLDEN / path.removeprefix("api/v1/").replace("/", "-"), files[path], published_json=dump_json if path in COMPACT_JSON else None)


def test_every_shard_is_its_models_json_with_one_record_a_line(library: Library, synthetic: Library) -> None:
    """The shards are serialised from their models (`line_layout`): take the line breaks out and `model_dump_json` is left."""
    for each in (library, synthetic):
        shards = {path: content for path, content in render_downloads(each, AS_OF).items() if path.startswith("api/v1/codes/") and path != urls.api_code_index()}
        assert shards
        for content in shards.values():
            document = CodeShardDocument.model_validate_json(content, strict=True)
            assert content.replace(b"\n", b"") + b"\n" == dump_model(document)
            revisions = sum(len(policy.revisions) for policy in document.policies.values())
            listings = sum(len(code.listings) for code in document.codes)
            # A line each: the head, each policy, revision and code, each listing, each closing bracket.
            assert content.count(b"\n") == 1 + len(document.policies) + revisions + len(document.policies) + 1 + len(document.codes) + listings + len(document.codes) + 1


# --------------------------------------------------------------------------- parts


@pytest.fixture(scope="module")
def synthetic_dir(synthetic_library: Callable[[int, int, int], Path]) -> Path:
    """The N = 3 synthetic library of tests/test_synthetic.py."""
    return synthetic_library(3, 3, 7)


@pytest.fixture(scope="module")
def synthetic(synthetic_dir: Path) -> Library:
    return load_library(synthetic_dir)


Parts = dict[str, object]
"""A policy's part of each of the four formats, by format name."""


def policy_outputs(policy: Policy) -> tuple[dict[str, bytes | str], Parts]:
    """What a build worker makes of one policy in the four formats: its own files (the ValueSets) and its parts."""
    made = render_policy_outputs(policy, SITE, DOWNLOADS)
    return made.files, made.parts.by_format


def outputs_of_folder(folder: Path) -> tuple[dict[str, bytes | str], Parts]:
    """What a build worker does: load one policy folder and render it."""
    policy, problems = load_policy(folder)
    assert policy is not None and problems == [], problems
    return policy_outputs(policy)


def library_files(parts: list[Parts], only: set[str] | None = None) -> dict[str, bytes | str]:
    """Every format's library files from the policies' parts (in policy order)."""
    files: dict[str, bytes | str] = {}
    for output in DOWNLOADS:
        files.update(output.library_files([part[output.name] for part in parts], SITE, only=only))
    return dict(sorted(files.items()))


def _outputs_in_fresh_processes(data_dir: Path) -> list[tuple[dict[str, bytes | str], Parts]]:
    # "spawn": new interpreters with their own hash seeds, as the build's workers are; the
    # parts come back pickled, so any set-order dependence or unpicklable field shows here.
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(outputs_of_folder, policy_folders(data_dir)))


def test_parts_made_in_worker_processes_assemble_to_the_same_bytes(library: Library, synthetic_dir: Path, synthetic: Library) -> None:
    for data_dir, each in ((DATA, library), (synthetic_dir, synthetic)):
        made = _outputs_in_fresh_processes(data_dir)
        assert len(made) == len(each.policies)
        own = {path: content for files, _ in made for path, content in files.items()}
        assert {**own, **library_files([parts for _, parts in made])} == render_downloads(each, AS_OF)


def test_the_shards_csv_and_value_sets_walk_a_policys_codes_once(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    walks: list[str] = []
    entries = code_index.policy_entries

    def counted(timeline: Any) -> Any:
        walks.append(timeline.policy.number)
        return entries(timeline)

    monkeypatch.setattr(code_index, "policy_entries", counted)
    given = PolicyInput(timeline(library.policies[0]), SITE)
    for output in DOWNLOADS:
        output.policy_files(given)
        output.policy_part(given)
    assert walks == [library.policies[0].number]


def test_a_build_gets_the_shards_and_the_csv_one_file_at_a_time_and_the_csv_unjoined(synthetic: Library) -> None:
    """Issue 19: a build never holds every shard, nor the whole CSV, beside the parts they are made of."""
    parts = [policy_outputs(policy)[1] for policy in synthetic.policies]
    for output in DOWNLOADS[:2]:
        files = output.iter_library_files([part[output.name] for part in parts], SITE)  # type: ignore[attr-defined]
        assert not isinstance(files, dict)  # a generator: each file is made when the build asks for it
        pieces = dict(files)
        assert {path: b"".join(chunks) for path, chunks in pieces.items()} == output.library_files([part[output.name] for part in parts], SITE)
    csv = pieces[urls.download_codes_csv()]
    assert all(row is part["codes_csv"] for row, part in zip(csv[1:], parts, strict=True))


def test_a_part_is_plain_and_survives_marshal_as_a_cache_stores_it(synthetic: Library) -> None:
    parts = [policy_outputs(policy)[1] for policy in synthetic.policies]
    kept = [marshal.loads(marshal.dumps(part)) for part in parts]
    assert kept == parts and library_files(kept) == library_files(parts)


def test_after_an_edit_only_the_paths_of_the_old_and_new_part_change(synthetic: Library) -> None:
    before_parts = [policy_outputs(policy)[1] for policy in synthetic.policies]
    edited = synthetic.policies[1].model_copy(update={"title": "A new title"})
    after_parts = [*before_parts[:1], policy_outputs(edited)[1], *before_parts[2:]]
    before, after = library_files(before_parts), library_files(after_parts)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    may_change = {path for output in DOWNLOADS for part in (before_parts[1], after_parts[1]) for path in output.library_paths_fed_by(part[output.name])}
    assert changed and changed <= may_change and len(may_change) < len(after)
    assert library_files(after_parts, only=may_change) == {path: after[path] for path in may_change if path in after}


def test_csv_rows_match_the_code_index_for_several_policies(synthetic: Library) -> None:
    # The reference: the code index's listings, one per (policy, revision, system, code), a code
    # listed by itself winning over a range; CPT and HCPCS described as that revision prints them.
    index = build_code_index(synthetic, AS_OF)
    expected: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    for record in index.codes:
        for listing in record.listings:
            key = (listing.policy, listing.revision.isoformat(), record.system.value, record.code)
            description = record.description if record.description_source == "code_set" else listing.listed_description
            if key not in expected or (listing.via_range is None and expected[key][0] != record.code):
                expected[key] = (listing.listed_as, description)
    order = sorted(expected, key=lambda row: (tuple(int(n) for n in row[0].split(".")), row[1], ["cpt", "hcpcs", "icd10cm"].index(row[2]), row[3]))
    rows = csv_rows(render_downloads(synthetic, AS_OF))
    assert [(r["policy"], r["revision"], r["system"], r["code"], r["listed_as"], r["description"]) for r in rows] == [(*key, *expected[key]) for key in order]
    assert len({r["policy"] for r in rows}) == 3


# --------------------------------------------------------------------------- CSV


def csv_rows(files: dict[str, bytes]) -> list[dict[str, str]]:
    data = files[urls.download_codes_csv()]
    assert data.startswith(b"\xef\xbb\xbfpolicy,")  # the UTF-8 byte-order mark, for spreadsheet programs
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_csv_has_one_row_per_code_or_range_member_per_revision(library: Library, files: dict[str, bytes]) -> None:
    rows = csv_rows(files)
    assert len(rows) == sum(len(record.listings) for record in build_code_index(library, AS_OF).codes) == 2 * 37
    brain = [r for r in rows if r["via_range"] == "C71.0-C71.9" and r["revision"] == "2026-01-22"]
    assert [r["code"] for r in brain] == [f"C71.{i}" for i in range(10)]
    assert brain[3]["description"] == "Malignant neoplasm of parietal lobe" and brain[3]["listed_as"] == "C71.0-C71.9"
    assert brain[3]["code_set_release"].startswith(icd10.CODE_SET_RELEASE)
    assert brain[3]["window_start"] == "2026-05-15" and brain[3]["window_end"] == "" and brain[3]["state"] == "in_effect"


def test_csv_rows_carry_flags_statements_and_windows(files: dict[str, bytes]) -> None:
    rows = {(r["revision"], r["code"]): r for r in csv_rows(files)}
    current, earlier = rows[("2026-01-22", "0611T")], rows[("2025-01-23", "0611T")]
    assert (current["flags"], current["statements"]) == ("NMN", "II spine-not-medically-necessary")
    assert (earlier["flags"], earlier["statements"]) == ("E/I", "II investigational-other-indications")
    assert (earlier["window_start"], earlier["window_end"], earlier["window_start_basis"]) == ("2025-01-23", "2026-05-14", "approval_date")
    assert earlier["code_set_release"] == "" and earlier["system"] == "cpt"


def test_text_with_quotes_commas_line_breaks_and_markup_survives_the_csv_and_the_shards(library: Library) -> None:
    from .test_code_index import published_records

    text = 'Brain, "spine" & </script> \\ é ✓ \U0001f600 \u2028 tab\tand\r\nnew line'
    policy = library.policies[0]
    revisions = []
    for revision in policy.revisions:
        codes = revision.codes
        tables = {
            name: getattr(codes, name).model_copy(
                update={"entries": [entry.model_copy(update={"description": f"{text} {i}"}) for i, entry in enumerate(getattr(codes, name).entries)]}
            )
            for name in ("cpt", "hcpcs", "icd10cm")
        }
        legend = [entry.model_copy(update={"meaning": f"{text} {entry.flag.value}"}) for entry in codes.legend]
        revisions.append(revision.model_copy(update={"codes": codes.model_copy(update={**tables, "legend": legend})}))
    hostile = Library(policies=[policy.model_copy(update={"title": text, "revisions": revisions})])
    files = render_downloads(hostile, AS_OF)
    assert published_records(files) == build_code_index(hostile, AS_OF).codes
    written = files[urls.download_codes_csv()].decode("utf-8")
    rows = list(csv.reader(io.StringIO(written, newline="")))
    rewritten = io.StringIO(newline="")
    csv.writer(rewritten).writerows(rows)
    assert rewritten.getvalue() == written  # quoted where the csv module quotes, and nowhere else
    assert {row[1] for row in rows[1:]} == {text} and any(row[10].startswith(text) for row in rows[1:])


def _with_code_descriptions(policy: Policy, describe: Callable[[int, str], str]) -> Policy:
    """`policy` with every code entry's description replaced by `describe(index, old description)`."""
    revisions = []
    for revision in policy.revisions:
        codes = revision.codes
        tables = {
            name: getattr(codes, name).model_copy(
                update={"entries": [entry.model_copy(update={"description": describe(i, entry.description)}) for i, entry in enumerate(getattr(codes, name).entries)]}
            )
            for name in ("cpt", "hcpcs", "icd10cm")
        }
        revisions.append(revision.model_copy(update={"codes": codes.model_copy(update=tables)}))
    return policy.model_copy(update={"revisions": revisions})


#: OWASP's CSV injection examples and their relatives: each would be a formula in a spreadsheet.
FORMULAS = [
    '=HYPERLINK("http://x","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted by its author",
    "''+two quotes",
    "'plain quote, no formula",
]


def _undo(cell: str) -> str:
    """The documented rule: a cell of one or more ' then = + - @ TAB or CR had one ' added; remove it."""
    return re.sub(r"^'(?='*[=+\-@\t\r])", "", cell)


def test_no_csv_cell_starts_a_formula_and_every_cell_gives_back_its_data(library: Library) -> None:
    policy = _with_code_descriptions(library.policies[0], lambda i, _: FORMULAS[i % len(FORMULAS)])
    hostile = Library(policies=[policy.model_copy(update={"title": "=1+1 " + policy.title})])
    rows = list(csv.DictReader(io.StringIO(render_downloads(hostile, AS_OF)[urls.download_codes_csv()].decode("utf-8-sig"), newline="")))
    assert not [cell for row in rows for cell in row.values() if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {row["policy_title"] for row in rows} == {"'=1+1 " + policy.title}
    assert {_undo(row["policy_title"]) for row in rows} == {"=1+1 " + policy.title}
    cpt = {row["description"]: _undo(row["description"]) for row in rows if row["system"] == "cpt"}
    assert set(cpt.values()) == set(FORMULAS[:5]) and cpt["'=HYPERLINK(\"http://x\",\"click\")"] == FORMULAS[0]
    assert all(spreadsheet_value(cell) == data for cell, data in cpt.items())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\r\n,\"ab é"), max_size=6) | st.text())
def test_a_spreadsheet_safe_cell_never_starts_a_formula_and_gives_back_its_value(value: str) -> None:
    cell = spreadsheet_safe(value)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") and spreadsheet_value(cell) == value
    assert cell == value or cell == "'" + value


def _overlapping(policy: Policy) -> tuple[Policy, set[tuple[str, str, str]]]:
    """`policy` with codes listed twice in every revision, and which codes (policy, revision, code) are also listed by themselves.

    An ICD-10-CM range's last member is also listed by itself (after the range), and the first
    CPT code is also listed as a range of its own (before the code): legal data, as validation
    refuses only the same code or range twice.
    """
    revisions, alone = [], set()
    for revision in policy.revisions:
        codes = revision.codes
        icd = list(codes.icd10cm.entries)
        ranges = [entry for entry in icd if entry.is_range]
        if ranges:
            member = icd10.expand_range(str(ranges[0].range_start), str(ranges[0].range_end))[-1].code
            icd.append(ranges[0].model_copy(update={"code": member, "range_start": None, "range_end": None, "flags": []}))
            alone.add((policy.number, revision.key, member))
        first = codes.cpt.entries[0]
        as_range = first.model_copy(update={"code": None, "range_start": first.code, "range_end": first.code, "description": "As a range"})
        alone.add((policy.number, revision.key, str(first.code)))
        tables = {"icd10cm": codes.icd10cm.model_copy(update={"entries": icd}), "cpt": codes.cpt.model_copy(update={"entries": [as_range, *codes.cpt.entries]})}
        revisions.append(revision.model_copy(update={"codes": codes.model_copy(update=tables)}))
    return policy.model_copy(update={"revisions": revisions}), alone


def test_csv_has_one_row_per_policy_revision_system_and_code_and_a_code_by_itself_wins(synthetic: Library) -> None:
    made = [_overlapping(policy) for policy in synthetic.policies]
    overlapping = Library(policies=[policy for policy, _ in made])
    alone = set().union(*(codes for _, codes in made))
    rows = csv_rows(render_downloads(overlapping, AS_OF))
    keys = [(r["policy"], r["revision"], r["system"], r["code"]) for r in rows]
    assert len(keys) == len(set(keys)) < sum(len(record.listings) for record in build_code_index(overlapping, AS_OF).codes)
    assert len(keys) == len(csv_rows(render_downloads(synthetic, AS_OF))) + sum(code[0].isalpha() for code in alone)  # the new ICD-10-CM codes only
    wins = [r for r in rows if (r["policy"], r["revision"], r["code"]) in alone]
    assert {(r["policy"], r["revision"], r["code"]) for r in wins} == alone
    assert all(r["listed_as"] == r["code"] and r["via_range"] == "" and r["description"] != "As a range" for r in wins)


def test_each_csv_row_describes_the_code_as_its_own_revision_prints_it(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    edit("6.01.03/revisions/2025-01-23.yaml", "description: Magnetic resonance spectroscopy\n", "description: MR spectroscopy (older wording)\n")
    rows = {(r["revision"], r["code"]): r for r in csv_rows(render_downloads(load_library(data_copy), AS_OF))}
    assert rows[("2025-01-23", "76390")]["description"] == "MR spectroscopy (older wording)"
    assert rows[("2026-01-22", "76390")]["description"] == "Magnetic resonance spectroscopy"


# --------------------------------------------------------------------------- FHIR


def test_fhir_value_sets_parse_with_the_fhir_library(files: dict[str, bytes]) -> None:
    data = json.loads(files[urls.fhir_value_set("6.01.03")])
    value_set = ValueSet.model_validate(data)
    assert value_set.status == "active" and value_set.version == "2026-01-22" and str(value_set.date) == "2026-01-22"
    systems = {include.system: include for include in value_set.compose.include}
    assert list(systems) == ["http://www.ama-assn.org/go/cpt", "http://hl7.org/fhir/sid/icd-10-cm"]  # HCPCS: Not Applicable
    assert [c.code for c in systems["http://www.ama-assn.org/go/cpt"].concept] == ["0609T", "0610T", "0611T", "0612T", "76390"]
    icd = {c.code: c.display for c in systems["http://hl7.org/fhir/sid/icd-10-cm"].concept}
    assert icd["C71.3"] == "Malignant neoplasm of parietal lobe" and "C79.40" in icd and "C79.4" not in icd
    assert len(icd) == 10 + 4 + 9 + 9 and not any("-" in code for code in icd)
    assert systems["http://hl7.org/fhir/sid/icd-10-cm"].version == icd10.CODE_SET_RELEASE
    assert "American Medical Association" in (value_set.copyright or "")


def test_a_policy_whose_tables_are_all_not_applicable_still_gets_a_valid_value_set(library: Library) -> None:
    policy = library.policies[0]
    current = policy.newest
    empty = current.codes.model_copy(update={name: getattr(current.codes, name).model_copy(update={"not_applicable": True, "entries": []}) for name in ("cpt", "hcpcs", "icd10cm")})
    bare = policy.model_copy(update={"revisions": [*policy.revisions[:-1], current.model_copy(update={"codes": empty})]})
    data = json.loads(render_downloads(library.model_copy(update={"policies": [bare]}), AS_OF)[urls.fhir_value_set(policy.number)])
    assert "compose" not in data and ValueSet.model_validate(data).version == current.key


@pytest.mark.parametrize("break_it", [
    pytest.param(lambda d: d.pop("status"), id="status-missing"),
    pytest.param(lambda d: d.update(date="22/01/2026"), id="date-not-fhir"),
    pytest.param(lambda d: d.update(id="policy/6.01.03"), id="id-pattern"),
    pytest.param(lambda d: d["compose"]["include"][0]["concept"][0].pop("code"), id="concept-without-code"),
])
def test_fhir_library_rejects_a_broken_value_set(files: dict[str, bytes], break_it: Callable[[dict[str, Any]], object]) -> None:
    # Proves the check above has teeth: the library refuses what FHIR R4 refuses.
    data = json.loads(files[urls.fhir_value_set("6.01.03")])
    break_it(data)
    with pytest.raises(ValidationError):
        ValueSet.model_validate(data)


# --------------------------------------------------------------------------- Atom


def test_feed_is_valid_atom_with_the_required_elements(files: dict[str, bytes]) -> None:
    root = ET.fromstring(files[urls.feed_atom()])
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert (root.findtext(ATOM + required) or "").strip(), required
    assert RFC3339.match(root.findtext(f"{ATOM}updated") or "")
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "6.01.03 Magnetic Resonance Spectroscopy (MRS): revision 2026-01-22",
        "6.01.03 Magnetic Resonance Spectroscopy (MRS): revision 2025-01-23",
    ]
    for entry in entries:
        assert (entry.findtext(f"{ATOM}id") or "").startswith("urn:")
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        assert entry.findtext(f"{ATOM}summary")
        assert any(link.get("rel") == "alternate" and link.get("type") == "text/html" for link in entry.findall(f"{ATOM}link"))
    newest, first = entries
    related = [link.get("href") for link in newest.findall(f"{ATOM}link") if link.get("rel") == "related"]
    assert related == [urls.page_diff("6.01.03", "2025-01-23", "2026-01-22")]
    assert not [link for link in first.findall(f"{ATOM}link") if link.get("rel") == "related"]
    assert newest.findtext(f"{ATOM}summary", "").startswith("Annual review, policy statement added for MRS for the spine")


def test_feed_parses_with_feedparser_and_links_resolve_against_the_feed_url(files: dict[str, bytes]) -> None:
    parsed = feedparser.parse(
        files[urls.feed_atom()],
        response_headers={"content-location": "https://kb.example/feed.xml", "content-type": "application/atom+xml; charset=utf-8"},
    )
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.entries[0].updated == "2026-01-22T00:00:00Z"
    assert parsed.entries[0].link == "https://kb.example/policies/6.01.03/"
    assert parsed.entries[1].link == "https://kb.example/policies/6.01.03/revisions/2025-01-23/"


def test_feed_escapes_text_from_the_data(library: Library) -> None:
    policy = library.policies[0]
    hostile = library.model_copy(update={"policies": [policy.model_copy(update={"title": 'A & B <script>alert("x")</script>'})]})
    feed = render_downloads(hostile, AS_OF)[urls.feed_atom()]
    root = ET.fromstring(feed)
    assert b"<script>" not in feed
    assert root.find(f"{ATOM}entry/{ATOM}title").text.startswith('6.01.03 A & B <script>alert("x")</script>')


@pytest.mark.parametrize("character", ["\uffff", "\ufffe", "\x01", "\x0b", "\x1f", "\x7f"])
def test_text_xml_forbids_never_validates_so_the_feed_is_always_xml(character: str, tmp_path: Path) -> None:
    """Issue 17, item 7: a change summary with U+FFFF made feed.xml invalid XML."""
    from generators.errors import PolicyDataError

    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    policy_file = data / "6.01.03" / "policy.yaml"
    text = policy_file.read_text(encoding="utf-8")
    old = "        - Annual review. Policy intent unchanged.\n"
    escaped = character.encode("unicode_escape").decode("ascii").replace("\\x", "\\u00")
    policy_file.write_text(text.replace(old, f'        - "Annual review.{escaped} Policy intent unchanged."\n'), encoding="utf-8")
    with pytest.raises(PolicyDataError) as refused:
        load_library(data)
    [problem] = refused.value.diagnostics
    assert problem.field_path == "history.change_summaries[1].changes[0]" and "expected printable text" in problem.message


def test_the_feed_of_the_hostile_fixture_is_well_formed_xml() -> None:
    hostile = load_library(Path(__file__).resolve().parent / "data" / "hostile")
    feed = render_downloads(hostile, AS_OF)[urls.feed_atom()]
    root = ET.fromstring(feed)
    titles = [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]
    assert titles and all("</script>" in title for title in titles)
