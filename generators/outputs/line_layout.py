"""JSON laid out one record per line, written from values encoded apart: how the code index shards are written.

A shard (`generators.outputs.downloads`) is compact JSON, byte for byte what
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
    return encode(key) + b":" + value


def members(fields: Mapping[str, Any]) -> bytes:
    """The members of an object of plain data, in its order, without the braces: `"a":1,"b":"x"`.

    `b"{" + members(fields) + b"}"` is `encode(fields)` (for a non-empty mapping).
    """
    return b",".join([encode(key) + b":" + encode(value) for key, value in fields.items()])


def join_items(items: Iterable[bytes]) -> bytes:
    """Items of a lined container as one run, each but the last followed by `ITEM_SEPARATOR`.

    A run stands wherever an item may: the container's items joined are the same bytes
    whether they come one by one or in runs (so a policy's listings of a code are joined in
    its worker, and the runs of every policy in the shard).
    """
    return ITEM_SEPARATOR.join(items)


def lined(brackets: Brackets, items: Iterable[bytes | Chunks]) -> Chunks:
    """A container with each item on a line of its own: the opening bracket, a line break, the items (`ITEM_SEPARATOR` between), a line break, the closing bracket.

    An item is its bytes, or the chunks of a value (a record that holds a lined container
    itself). An empty container is `[]` or `{}`.
    """
    out: Chunks = [_OPEN[brackets]]
    for item in items:
        if len(out) > 1:
            out.append(ITEM_SEPARATOR)
        if isinstance(item, bytes):
            out.append(item)
        else:
            out += item
    if len(out) == 1:
        return [_EMPTY[brackets]]
    out.append(_CLOSE[brackets])
    return out


def lined_object(fields: bytes, containers: Sequence[tuple[str, Chunks]]) -> Chunks:
    """An object from its first members (`members`: its compact fields), then its lined containers (key, `lined(...)`), in this order.

    The containers must be the object's last fields (in its model's order), as they are in
    every shard model.
    """
    out: Chunks = [b"{", fields] if fields else [b"{"]
    for key, container in containers:
        out.append((b"," if len(out) > 1 else b"") + encode(key) + b":")
        out += container
    out.append(b"}")
    return out
