"""The code index answers "which policy speaks to this code, and how?" (its published shards and `policykb lookup`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from generators.domain import icd10
from generators.adapters.cli import main
from generators import urls
from generators.domain.code_index import CodeIndexDocument, CodeShardDocument, build_code_index, lookup, lookup_key, records_from_shard, shard_prefix
from generators.model import Library
from generators.outputs.code_shards import render_code_shards

from .conftest import DATA, AS_OF


@pytest.fixture(scope="module")
def index(library: Library) -> CodeIndexDocument:
    return build_code_index(library, AS_OF)


@pytest.fixture(scope="module")
def synthetic(synthetic_library: Callable[[int, int, int], Path]) -> Library:
    """The benchmarks' synthetic library at 3 x 3: several policies share codes and shards."""
    from generators.load.validate import load_library

    return load_library(synthetic_library(3, 3, 7))


def test_every_listed_code_is_indexed_with_ranges_expanded(library: Library, index: CodeIndexDocument) -> None:
    indexed = {(r.system.value, r.code) for r in index.codes}
    for policy in library.policies:
        for revision in policy.revisions:
            for system, table in revision.codes.tables():
                for entry in table.entries:
                    if entry.code is not None:
                        assert (system.value, entry.code) in indexed
                    else:
                        members = icd10.expand_range(entry.range_start, entry.range_end)
                        assert members and all(("icd10cm", m.code) in indexed for m in members)
    # 5 CPT + 10 (C71.0-C71.9) + 4 (C79.31-C79.49) + 9 (G46.0-G46.8) + 9 single ICD-10-CM codes
    assert len(index.codes) == 37


def test_range_members_carry_official_descriptions_and_their_range(index: CodeIndexDocument) -> None:
    (record,) = lookup(index, "C71.3")
    assert record.description == "Malignant neoplasm of parietal lobe" and record.description_source == "code_set"
    assert {(listing.revision.isoformat(), listing.via_range) for listing in record.listings} == {
        ("2025-01-23", "C71.0-C71.9"),
        ("2026-01-22", "C71.0-C71.9"),
    }
    (header_range_member,) = lookup(index, "C79.40")
    assert header_range_member.listings[0].via_range == "C79.31-C79.49"
    assert lookup(index, "C79.4") == []  # the header itself is not billable, so not a member


def test_flags_point_to_the_statements_they_mean(index: CodeIndexDocument) -> None:
    (record,) = lookup(index, "0611T")
    by_revision = {listing.revision.isoformat(): listing for listing in record.listings}
    current, earlier = by_revision["2026-01-22"], by_revision["2025-01-23"]
    assert [f.flag.value for f in current.flags] == ["NMN"] and current.flags[0].meaning == "Not medically necessary/appropriate"
    assert [(s.number, s.id, s.determination.value) for s in current.statements] == [("II", "spine-not-medically-necessary", "not_medically_necessary")]
    assert [f.flag.value for f in earlier.flags] == ["E/I"]
    assert [s.determination.value for s in earlier.statements] == ["investigational"]
    (unflagged,) = lookup(index, "76390")
    assert all(listing.flags == [] and listing.statements == [] for listing in unflagged.listings)


@pytest.mark.parametrize(("query", "code"), [
    ("C71.3", "C71.3"), ("c71.3", "C71.3"), ("C713", "C71.3"), ("c713", "C71.3"), (" C71.3 ", "C71.3"),
    # Without its dot C79.31 looks like a HCPCS code (a letter and four digits): still found.
    ("c7931", "C79.31"),
    ("0611t", "0611T"),
])
def test_lookup_accepts_the_code_with_or_without_the_dot_in_any_case(index: CodeIndexDocument, query: str, code: str) -> None:
    assert [r.code for r in lookup(index, query)] == [code]


def test_code_index_and_shards_validate_against_their_schemas_and_record_the_code_set(library: Library) -> None:
    files = render_code_shards(library, AS_OF)
    index_schema = json.loads(files["api/v1/schema/code-index.schema.json"])
    shard_schema = json.loads(files["api/v1/schema/code-shard.schema.json"])
    for schema in (index_schema, shard_schema):
        Draft202012Validator.check_schema(schema)
    document = json.loads(files["api/v1/codes/index.json"])
    Draft202012Validator(index_schema).validate(document)
    assert document["schema_url"] == "api/v1/schema/code-index.schema.json"
    assert document["code_sets"] == [
        {"system": "icd10cm", "release": icd10.CODE_SET_RELEASE, "package": "simple-icd-10-cm", "package_version": icd10.package_version()}
    ]
    assert "format only" in document["note"] and document["prefix_length"] == 3
    order = [(s["system"], s["prefix"]) for s in document["shards"]]
    assert order == sorted(order, key=lambda item: (["cpt", "hcpcs", "icd10cm"].index(item[0]), item[1]))
    for info in document["shards"]:
        shard = json.loads(files[info["url"]])
        Draft202012Validator(shard_schema).validate(shard)
        assert shard["schema_url"] == "api/v1/schema/code-shard.schema.json"
        assert info["url"] == urls.api_code_shard(info["system"], info["prefix"]) and len(shard["codes"]) == info["code_count"]
    shard = json.loads(files[urls.api_code_shard("cpt", "061")])
    shard["codes"][0]["listings"][0]["flags"] = ["MAYBE"]
    assert not Draft202012Validator(shard_schema).is_valid(shard)
    del shard["codes"][0]["listings"][0]["flags"]
    assert not Draft202012Validator(shard_schema).is_valid(shard)


def published_records(files: dict[str, bytes]) -> list:
    """Every code record of the published shards, listings written out in full, in the index's order."""
    index = json.loads(files[urls.api_code_index()])
    return [record for info in index["shards"] for record in records_from_shard(CodeShardDocument.model_validate_json(files[info["url"]], strict=True))]


@pytest.fixture(scope="module")
def twins(library: Library) -> Library:
    """6.01.03 and a copy numbered 6.01.04 whose current revision prints 0611T differently: two policies in one shard."""
    policy = library.policies[0]
    current = policy.newest
    cpt = current.codes.cpt
    entries = [e.model_copy(update={"description": "postprocessing, as the twin prints it"}) if str(e.code) == "0611T" else e for e in cpt.entries]
    codes = current.codes.model_copy(update={"cpt": cpt.model_copy(update={"entries": entries})})
    twin = policy.model_copy(update={"number": "6.01.04", "revisions": [*policy.revisions[:-1], current.model_copy(update={"codes": codes})]})
    return Library(policies=[twin, policy])  # out of order on purpose


def test_two_policies_share_a_shard_and_the_last_one_names_a_cpt_code(twins: Library) -> None:
    files = render_code_shards(twins, AS_OF)
    shard = json.loads(files[urls.api_code_shard("cpt", "061")])
    assert list(shard["policies"]) == ["6.01.03", "6.01.04"]
    assert [list(policy["revisions"]) for policy in shard["policies"].values()] == [["2025-01-23", "2026-01-22"]] * 2
    record = next(r for r in shard["codes"] if r["code"] == "0611T")
    # 0611T's flag changed (E/I -> NMN), so each revision has a listing of its own.
    assert [(listing["policy"], listing["revisions"]) for listing in record["listings"]] == [
        ("6.01.03", ["2025-01-23"]),
        ("6.01.03", ["2026-01-22"]),
        ("6.01.04", ["2025-01-23"]),
        ("6.01.04", ["2026-01-22"]),
    ]
    assert record["description"] == "postprocessing, as the twin prints it"


def test_revisions_that_list_a_code_alike_share_one_listing(library: Library) -> None:
    shard = json.loads(render_code_shards(library, AS_OF)[urls.api_code_shard("icd10cm", "C71")])
    for record in shard["codes"]:
        (listing,) = record["listings"]
        assert listing["policy"] == "6.01.03" and listing["revisions"] == ["2025-01-23", "2026-01-22"]
        assert listing["listed_as"] == listing["via_range"] == "C71.0-C71.9"


def test_the_shards_hold_exactly_the_code_index(library: Library, synthetic: Library, twins: Library) -> None:
    for each in (library, synthetic, twins):
        assert published_records(render_code_shards(each, AS_OF)) == build_code_index(each, AS_OF).codes


def test_a_code_is_in_the_shard_its_typed_spelling_names(library: Library, synthetic: Library) -> None:
    for each in (library, synthetic):
        files = render_code_shards(each, AS_OF)
        for info in json.loads(files[urls.api_code_index()])["shards"]:
            for record in json.loads(files[info["url"]])["codes"]:
                assert lookup_key(record["code"]).startswith(info["prefix"])
                for spelling in (record["code"], record["code"].lower(), record["code"].replace(".", "")):
                    assert shard_prefix(spelling) == info["prefix"]
    assert shard_prefix("c713") == shard_prefix("C71.3") == "C71" and shard_prefix("0611t") == "061"


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys {keys}"
    return dict(pairs)


def test_facts_of_a_policy_and_its_revisions_are_stored_once_per_shard(twins: Library, synthetic: Library) -> None:
    for each in (twins, synthetic):
        files = render_code_shards(each, AS_OF)
        for info in json.loads(files[urls.api_code_index()])["shards"]:
            shard = json.loads(files[info["url"]], object_pairs_hook=_no_duplicate_keys)
            referred = {(listing["policy"], date) for record in shard["codes"] for listing in record["listings"] for date in listing["revisions"]}
            tabled = {(number, date) for number, policy in shard["policies"].items() for date in policy["revisions"]}
            assert referred == tabled, "every listing's revision is in the table, and only those"
            for record in shard["codes"]:
                for listing, following in zip(record["listings"], [*record["listings"][1:], None]):
                    assert not {"policy_title", "window", "links", "is_current"} & set(listing)
                    assert listing["revisions"] == sorted(set(listing["revisions"])), "oldest first, each once"
                    if following is not None and following["policy"] == listing["policy"]:
                        same = {key: value for key, value in listing.items() if key != "revisions"}
                        assert same != {key: value for key, value in following.items() if key != "revisions"}, "neighbours that agree are one listing"
                    for date in listing["revisions"]:
                        revision = shard["policies"][listing["policy"]]["revisions"][date]
                        assert set(listing["flags"]) <= {use["flag"] for use in revision["flags"]}
                        assert set(listing["statements"]) <= {statement["id"] for statement in revision["statements"]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--data", str(DATA), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_lookup_c71_3_names_the_policy_and_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "c713", "--as-of", "2026-12-04")
    assert code == 0
    assert out.startswith("C71.3  Malignant neoplasm of parietal lobe\n")
    assert "6.01.03 Magnetic Resonance Spectroscopy (MRS)" in out
    assert "revision 2026-01-22 (in effect on 2026-12-04, published): matched inside C71.0-C71.9" in out
    assert "revision 2025-01-23 (superseded on 2026-12-04, reconstructed): matched inside C71.0-C71.9" in out


def test_lookup_says_which_revision_is_upcoming_on_the_date_asked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "0611T", "--as-of", "2026-03-01")
    assert code == 0
    assert "revision 2026-01-22 (upcoming on 2026-03-01, published)" in out
    assert "revision 2025-01-23 (in effect on 2026-03-01, reconstructed)" in out
    assert "still in effect" not in out  # an upcoming revision's window is not "still in effect"
    # what applies on the date comes first, then what comes, as on the lookup page (lookup.js)
    assert out.index("revision 2025-01-23 (in effect") < out.index("revision 2026-01-22 (upcoming")


def test_lookup_0611t_shows_the_nmn_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "0611t")
    assert code == 0 and out.startswith("0611T  ")
    current = out.split("revision 2026-01-22")[1].split("revision 2025-01-23")[0]
    assert "flags: NMN (Not medically necessary/appropriate)" in current
    assert "statement II [not medically necessary] (id: spine-not-medically-necessary)" in current
    assert "format checked only" in out


def test_lookup_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "C79.31", "--format", "json")
    records = json.loads(out)
    assert code == 0 and [r["code"] for r in records] == ["C79.31"]
    assert records[0]["listings"][0]["via_range"] == "C79.31-C79.49"


@pytest.mark.parametrize(("query", "words"), [
    ("99999", "no policy lists the code '99999'"),
    ("Z00.00", "no policy lists Z00.00 (Encounter for general adult medical examination without abnormal findings), an ICD-10-CM code"),
    ("C79.4", "no policy lists C79.4"),
])
def test_lookup_of_an_unlisted_code_says_so_and_fails(capsys: pytest.CaptureFixture[str], query: str, words: str) -> None:
    code, out, err = run(capsys, "lookup", query)
    assert code == 1 and out == ""
    assert words in err and "Traceback" not in err


def test_every_listing_says_how_its_statements_are_known(index: CodeIndexDocument) -> None:
    (record,) = lookup(index, "0611T")
    assert sorted((listing.revision.isoformat(), listing.basis, tuple(s.id for s in listing.statements)) for listing in record.listings) == [
        ("2025-01-23", "flag", ("investigational-other-indications",)),
        ("2026-01-22", "flag", ("spine-not-medically-necessary",)),
    ]
    for query in ("76390", "C71.3"):  # unflagged: listed by the policy as a whole
        (record,) = lookup(index, query)
        assert {(listing.basis, tuple(listing.statements)) for listing in record.listings} == {("policy", ())}


UNFLAGGED = '      - code: "76390"\n        description: Magnetic resonance spectroscopy\n'


def test_statements_named_in_the_data_are_stated(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    from generators.load.validate import load_library

    edit("6.01.03/revisions/2026-01-22.yaml", UNFLAGGED, UNFLAGGED + "        statements: [mrs-medically-appropriate]\n")
    library = load_library(data_copy)
    (record,) = lookup(build_code_index(library, AS_OF), "76390")
    current = next(listing for listing in record.listings if listing.revision.isoformat() == "2026-01-22")
    assert (current.basis, [(s.number, s.id) for s in current.statements]) == ("stated", [("I", "mrs-medically-appropriate")])
    shard = json.loads(render_code_shards(library, AS_OF)["api/v1/codes/cpt/763.json"])
    assert shard["policies"]["6.01.03"]["revisions"]["2026-01-22"]["statements"] == [
        {"id": "mrs-medically-appropriate", "number": "I", "determination": "medically_appropriate"}
    ]
    assert [(listing["basis"], listing["statements"]) for listing in shard["codes"][0]["listings"]] == [("policy", []), ("stated", ["mrs-medically-appropriate"])]


def test_a_statement_the_revision_does_not_have_is_refused_with_its_location(
    edit: Callable[[str, str, str], Path], data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit("6.01.03/revisions/2026-01-22.yaml", UNFLAGGED, UNFLAGGED + "        statements: [no-such-statement]\n")
    assert main(["--data", str(data_copy), "validate"]) == 1
    err = capsys.readouterr().err
    assert "2026-01-22.yaml:" in err and "codes.cpt.entries[0].statements[0]" in err and "'no-such-statement'" in err
