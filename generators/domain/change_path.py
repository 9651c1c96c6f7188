"""Where a change is: a typed path into a revision, printed as a string only at the edge.

A `ChangePath` is a tuple of `Step`s. A step is a field name and, for an item of a list, the
item's key: its stable ID or code (a `str`), or for lists without IDs its position from 0
(an `int`). An item found at different keys in the two revisions (a paragraph that moved, a
code range whose bounds changed) has both, `key` (old) and `new_key` (new).

The diff (`generators.domain.diff`) builds paths with `ChangePath.of`, `field`, `item` and
`at`; the summaries and pages read their parts (`section`, `first_item`, `item_of`, `leaf`).
Only the JSON (the diff files, `policykb diff --format json`) and the terminal print them, as
steps joined by dots with keys in brackets and a pair of keys as `old->new`:

- `statements[spine-not-medically-necessary].criteria[x].text`
- `codes.cpt[0609T].flags`, `codes.cpt[0100T-0105T->0100T-0110T]` (a range with new bounds)
- `supportive_literature[1->2]` (the second paragraph, now the third), `description[0]`
- `title`, `preamble.text`, `regulatory_status.not_applicable`

`ChangePath.parse` reads such a string back (a diff JSON file loaded into its model);
`str(ChangePath.parse(text)) == text` for every path a diff makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

#: A list item's key: a stable ID or code, or a position from 0 in a list without IDs.
Key = str | int

#: The lists whose items have no ID and are named by position (paragraphs, bullets, terms):
#: a key of one of these fields is an `int`. Read by `ChangePath.parse`; the diff makes such
#: steps with `ChangePath.at`.
POSITIONAL_FIELDS = frozenset(
    {
        "policy_guidelines",
        "description",
        "supportive_literature",
        "regulatory_status",
        "cms",
        "search_terms",
        "disclaimer",
        "notes",
        "points",
    }
)

#: One printed step: a field name, then an optional key in brackets, then a dot or the end.
_PRINTED_STEP = re.compile(r"([a-z_][a-z0-9_]*)(?:\[([^\[\]]+)\])?(?:\.(?=.)|\Z)")


class Step(NamedTuple):
    """One step of a `ChangePath`: a field, and for an item of a list its key.

    A named tuple: immutable, hashable, and cheap to make (a diff makes one or more per change).

    Attributes:
        field: The field's name, e.g. `statements`, `cpt`, `text`.
        key: The item's key (the old one when it has two); None for a field that is not a list item.
        new_key: The item's key in the new revision, only when it differs from `key`.
    """

    field: str
    key: Key | None = None
    new_key: Key | None = None

    def __str__(self) -> str:
        if self.key is None:
            return self.field
        return f"{self.field}[{self.key_text}]"

    @property
    def key_text(self) -> str:
        """The key as printed between the brackets: `0609T`, `2`, `1->2`; empty for no key."""
        if self.key is None:
            return ""
        if self.new_key is None:
            return str(self.key)
        return f"{self.key}->{self.new_key}"

    @property
    def current_key(self) -> Key | None:
        """The item's key in the newer revision that has it: `new_key` when there are two, else `key`."""
        return self.key if self.new_key is None else self.new_key

    def mirrored(self) -> Step:
        """The step seen from the other revision: a pair of keys swapped."""
        if self.new_key is None:
            return self
        return Step(self.field, self.new_key, self.key)


@dataclass(frozen=True, slots=True)
class ChangePath:
    """Where a change is in a revision: a tuple of `Step`s (see the module's documentation).

    Frozen and hashable; `str(path)` and `to_json()` give the printed form, which is what a
    `Change` serialises to and is validated from in JSON.
    """

    steps: tuple[Step, ...]

    @classmethod
    def of(cls, *fields: str) -> ChangePath:
        """A path of plain fields: `ChangePath.of("codes", "cpt")` is `codes.cpt`."""
        return cls(tuple(map(Step, fields)))

    def field(self, name: str) -> ChangePath:
        """This path, then the field `name`: `statements[x]` -> `statements[x].text`."""
        return ChangePath((*self.steps, Step(name)))

    def item(self, key: Key, new_key: Key | None = None) -> ChangePath:
        """The item `key` of the list this path ends at (`new_key`: its key in the new revision when it differs)."""
        last = self.steps[-1]
        if last.key is not None:
            raise ValueError(f"found the path {self} ending at an item; expected it to end at a list to take an item of")
        if new_key == key:
            new_key = None
        return ChangePath((*self.steps[:-1], Step(last.field, key, new_key)))

    def at(self, old_index: int | None, new_index: int | None) -> ChangePath:
        """The item of a list without IDs at these positions (from 0): one position when it is the same or one side has none."""
        if old_index is None:
            return self.item(new_index)  # type: ignore[arg-type]
        return self.item(old_index, new_index)

    def mirrored(self) -> ChangePath:
        """The path seen from the other revision: every pair of keys swapped."""
        return ChangePath(tuple(step.mirrored() for step in self.steps))

    @property
    def section(self) -> str:
        """The section of the policy the path is in: `statements`, `supportive_literature`; for codes `codes.cpt`, `codes.legend`..."""
        first = self.steps[0]
        if first.field == "codes" and first.key is None and len(self.steps) > 1:
            return f"codes.{self.steps[1].field}"
        return first.field

    @property
    def first_item(self) -> Step | None:
        """The first step that names a list item (`statements[x]` of `statements[x].criteria[y]`); None when none does."""
        return next((step for step in self.steps if step.key is not None), None)

    def item_of(self, field: str) -> Step | None:
        """The first step naming an item of the list `field` (`criteria[y]` of `statements[x].criteria[y].text`), or None."""
        return next((step for step in self.steps if step.field == field and step.key is not None), None)

    @property
    def leaf(self) -> str:
        """The field of the last step: `flags` of `codes.cpt[0609T].flags`."""
        return self.steps[-1].field

    def __str__(self) -> str:
        return ".".join(map(str, self.steps))

    def to_json(self) -> str:
        """The printed form, as the diff JSON files hold it (`str(path)`)."""
        return str(self)

    @classmethod
    def parse(cls, text: str) -> ChangePath:
        """The path a printed change path names; `ValueError` when `text` is not one.

        Keys of `POSITIONAL_FIELDS` are positions (`int`); every other key is an ID or code.
        """
        steps: list[Step] = []
        at = 0
        try:
            while at < len(text) or not steps:
                match = _PRINTED_STEP.match(text, at)
                if match is None:
                    raise ValueError("no step here")
                name, printed_key = match.groups()
                if printed_key is None:
                    steps.append(Step(name))
                else:
                    old, pair, new = printed_key.partition("->")
                    positional = name in POSITIONAL_FIELDS
                    keys: list[Key] = [int(part) if positional else part for part in ((old, new) if pair else (old,))]
                    steps.append(Step(name, *keys))
                at = match.end()
            path = cls(tuple(steps))
            if str(path) != text:  # e.g. a position written `01`: not a path a diff makes
                raise ValueError("printed differently")
        except ValueError:
            raise ValueError(f"found {text!r}; expected a change path such as codes.cpt[0611T].flags") from None
        return path

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """In a pydantic model: a `ChangePath` in Python (or its printed string, as `model_dump` gives it back); its printed string in JSON, in the JSON Schema and when dumped."""
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(cls.parse, core_schema.str_schema()),
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), core_schema.no_info_after_validator_function(cls.parse, core_schema.str_schema())]),
            serialization=core_schema.plain_serializer_function_ser_schema(cls.to_json, return_schema=core_schema.str_schema()),
        )
