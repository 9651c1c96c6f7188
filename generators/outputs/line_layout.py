"""JSON laid out one record per line, written from values encoded apart: how the code index shards are written.

A shard (`generators.outputs.code_shards`) is compact JSON, byte for byte what
`model_dump_json()` writes, except in the containers that hold its records (the table of
policies, each policy's revisions, the list of codes, each code's listings): there each item
stands on a line of its own, and the closing bracket on the line after the last item.

    {"prefix":"C71","policies":{
    "6.01.03":{"policy_title":"...","revisions":{
    "2026-01-22":{...}
    }}
    },"codes":[
    {"code":"C71.0",...,"listings":[
    {"policy":"6.01.03",...}
    ]}
    ]}

A shard then reads and compares line by line, and its records can be serialised apart (in
the build's workers, cached per policy) and only joined when the file is assembled. Every
function here writes bytes around values that are already encoded; none takes bytes off an
encoded value. A file is returned as `Chunks`, the pieces it is made of, so that a build
writes and hashes it without joining it in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any, Literal

import pydantic_core

Chunks = list[bytes]
"""A JSON value as the pieces of bytes it is made of, in order (joined: the value)."""

Brackets = Literal["[]", "{}"]
"""The brackets of a container: an array's, or an object's (whose items are `member`s)."""

#: What stands between two items of a lined container.
ITEM_SEPARATOR = b",\n"
_OPEN = {"[]": b"[\n", "{}": b"{\n"}
_CLOSE = {"[]": b"\n]", "{}": b"\n}"}
_EMPTY = {"[]": b"[]", "{}": b"{}"}


def encode(value: Any) -> bytes:
    """Compact JSON of plain data (strings, numbers, None, bools, lists, dicts), by pydantic-core.

    Byte for byte what `model_dump_json()` writes for a model with the same fields in the
    same order: the same serialiser, without building a model per record.
    """
    return pydantic_core.to_json(value)


def member(key: str, value: bytes) -> bytes:
    """One member of an object, `"key":value`, from its key and its encoded value."""
    return pydantic_core.to_json(key) + b":" + value


@cache
def _field(key: str) -> bytes:
    # A field name and its colon: encoded once per name (a shard writes the same few names
    # tens of thousands of times).
    return pydantic_core.to_json(key) + b":"


def members(fields: Mapping[str, Any]) -> bytes:
    """The members of an object of plain data, in its order, without the braces: `"a":1,"b":"x"`.

    `b"{" + members(fields) + b"}"` is `encode(fields)` (for a non-empty mapping). Meant for
    the fields of a model, whose names are few: each name is encoded once per process.
    """
    return b",".join([_field(key) + pydantic_core.to_json(value) for key, value in fields.items()])


def join_items(items: Iterable[bytes]) -> bytes:
    """Items of a lined container as one run, each but the last followed by `ITEM_SEPARATOR`.

    A run stands wherever an item may: the container's items joined are the same bytes
    whether they come one by one or in runs (so a policy's listings of a code are joined in
    its worker, and the runs of every policy in the shard).
    """
    return ITEM_SEPARATOR.join(items)


def lined(brackets: Brackets, items: Sequence[bytes]) -> Chunks:
    """A container with each item on a line of its own: the opening bracket, a line break, the items (`ITEM_SEPARATOR` between), a line break, the closing bracket.

    An item is an encoded value (a `member` in an object), or a run of them (`join_items`).
    An empty container is `[]` or `{}`.
    """
    if not items:
        return [_EMPTY[brackets]]
    return [_OPEN[brackets], ITEM_SEPARATOR.join(items), _CLOSE[brackets]]


def lined_records(brackets: Brackets, records: Iterable[Chunks]) -> Chunks:
    """`lined`, for items that are the chunks of records holding lined containers themselves (a shard's codes), not joined."""
    remaining = iter(records)
    first = next(remaining, None)
    if first is None:
        return [_EMPTY[brackets]]
    out: Chunks = [_OPEN[brackets], *first]
    for record in remaining:
        out.append(ITEM_SEPARATOR)
        out += record
    out.append(_CLOSE[brackets])
    return out


@cache
def _next_field(key: str) -> bytes:
    # A field that follows another: the comma, its name and its colon.
    return b"," + _field(key)


def lined_object(fields: bytes, containers: Sequence[tuple[str, Chunks]]) -> Chunks:
    """An object from its first members (`members`: its compact fields), then its lined containers (key, `lined(...)`), in this order.

    The containers must be the object's last fields (in its model's order), as they are in
    every shard model.
    """
    out: Chunks = [b"{", fields] if fields else [b"{"]
    for key, container in containers:
        out.append(_next_field(key) if len(out) > 1 else _field(key))
        out += container
    out.append(b"}")
    return out


def lined_record(fields: bytes, key: str, brackets: Brackets, items: Sequence[bytes]) -> Chunks:
    """`lined_object(fields, [(key, lined(brackets, items))])` in one step: a record whose one lined container is its last field (a shard's code and its listings, a policy and its revisions)."""
    return [b"{", fields, _next_field(key) if fields else _field(key), *lined(brackets, items), b"}"]
