"""The line layout of the code index shards: compact JSON with line breaks between records, nothing else."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from generators.outputs.line_layout import ITEM_SEPARATOR, encode, join_items, lined, lined_object, lined_record, lined_records, member, members

#: Text a record may hold: any character, line breaks and separators of the layout included.
TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12) | st.sampled_from(["", "\n", ",\n", "]}\n]}", '"', "\u2028"])
PLAIN = st.recursive(st.none() | st.booleans() | st.integers() | TEXT, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
FIELDS = st.dictionaries(TEXT, PLAIN, min_size=1, max_size=4)


@given(FIELDS)
def test_members_are_the_compact_object_without_its_braces(fields: dict[str, Any]) -> None:
    assert b"{" + members(fields) + b"}" == encode(fields)
    assert b"{" + b",".join(member(key, encode(value)) for key, value in fields.items()) + b"}" == encode(fields)


@given(FIELDS, st.lists(FIELDS, max_size=4), st.dictionaries(TEXT, FIELDS, max_size=4))
def test_a_lined_object_is_its_compact_json_with_a_line_break_around_each_record(fields: dict[str, Any], records: list[dict[str, Any]], table: dict[str, dict[str, Any]]) -> None:
    # The containers come after the object's own fields, as in every shard model.
    fields = {key: value for key, value in fields.items() if key not in ("table", "records")}
    written = b"".join(lined_object(members(fields), [("table", lined("{}", [member(key, encode(value)) for key, value in table.items()])), ("records", lined("[]", [encode(record) for record in records]))]))
    data = {**fields, "table": table, "records": records}
    assert json.loads(written) == data
    # Encoded strings hold no raw line break: taking the layout's out gives the compact JSON back.
    assert written.replace(b"\n", b"") == encode(data)
    # One line per record of a non-empty container, and one for each closing bracket.
    assert written.count(b"\n") == (len(table) + 1 if table else 0) + (len(records) + 1 if records else 0)


def test_the_layout_of_a_shard_record() -> None:
    listings = [encode({"policy": "1"}), encode({"policy": "2"})]
    record = lined_object(members({"code": "C71.0"}), [("listings", lined("[]", listings))])
    assert b"".join(record) == b'{"code":"C71.0","listings":[\n{"policy":"1"},\n{"policy":"2"}\n]}'
    # A record holding a lined container is itself an item of one (the shard's codes).
    assert b"".join(lined_records("[]", [record, record])) == b"[\n" + b"".join(record) + b",\n" + b"".join(record) + b"\n]"
    assert b"".join(lined_records("[]", [record])) == b"".join(lined("[]", [b"".join(record)]))
    assert lined("[]", []) == lined_records("[]", []) == [b"[]"] and lined("{}", []) == [b"{}"]
    for fields in (members({"code": "C71.0"}), b""):
        for items in (listings, []):
            assert b"".join(lined_record(fields, "listings", "[]", items)) == b"".join(lined_object(fields, [("listings", lined("[]", items))]))
    assert b"".join(lined_object(b"", [("codes", lined("[]", []))])) == encode({"codes": []})


@given(st.lists(st.lists(st.binary(max_size=5), min_size=1, max_size=3), max_size=4))
def test_runs_of_items_join_like_the_items_one_by_one(runs: list[list[bytes]]) -> None:
    items = [item for run in runs for item in run]
    assert b"".join(lined("[]", [join_items(run) for run in runs])) == b"".join(lined("[]", items))
    assert join_items(items) == ITEM_SEPARATOR.join(items)
