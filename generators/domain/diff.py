"""Semantic diff of two revisions of a policy, by stable IDs, never by position.

`diff_revisions(old, new)` returns a `RevisionDiff`: typed `Change` records, each with a
`kind` (an enum whose values are readable sentences), the `path` of the item, its `old` and
`new` values and, for text, a word-level diff. Detection is separate from presentation:
`RevisionDiff.summary()` says it in plain sentences; the JSON, page and terminal renderers
format the same records.

How items are matched:

- statements, criteria (anywhere in a statement's tree), references and professional
  guidelines by their `id`; related policies by number; flag legend entries by flag;
- codes by code (or range) within each code system; a range whose start or end changed but
  whose description did not is one "Code range changed", not a removal and an addition;
- lists without IDs (paragraphs, bullets) are aligned on their texts, and reported as
  paragraphs added, removed or changed (with a word diff).

Paths (`generators.domain.change_path.ChangePath`, typed; printed only in the JSON and the
terminal) name items by ID (`statements[spine-not-medically-necessary]`,
`codes.cpt[0611T].flags`). Items without an ID are named by position: `description[2]` is
the third paragraph; when a changed paragraph sits at different positions in the two
revisions the path holds both, `supportive_literature[1->2]` (old position, then new).

The provenance block of a reconstructed revision is not compared: it describes how the
snapshot was made, not what the policy said.

Symmetry: `diff_revisions(a, a)` is empty, and `diff_revisions(b, a)` holds exactly the
changes of `diff_revisions(a, b).mirrored()`: added and removed swapped, old and new swapped,
word insertions and deletions swapped (within a changed run deletions come first), position
pairs in paths reversed. "Holds exactly" compares the changes as collections: each diff lists
them in its own reading order (sections in document order, items in the order of the `new`
revision, then those only `old` has), so the two lists may be ordered differently. Alignments that
have several equally good answers (word diffs, paragraph alignment, order changes) are
computed in one canonical direction and mirrored, so the choice never depends on the
direction of the comparison.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cached_property, lru_cache
from itertools import compress, count, islice
from operator import ne
from typing import Literal, TypeVar

# difflib's algorithm compiled: the same matching blocks and opcodes as the standard library's
# SequenceMatcher (tests compare them), several times faster; matching is most of a diff's time.
from cydifflib import SequenceMatcher
from pydantic import BaseModel, ConfigDict, Field

from generators.domain.change_path import ChangePath
from generators.model import (
    CodeEntry,
    CodeSystem,
    FlagLegend,
    Policy,
    ProfessionalGuideline,
    Reference,
    Revision,
    Statement,
)
from generators.text import long_date, month_year, to_plain

# --------------------------------------------------------------------------- records


class ChangeKind(str, Enum):
    """What kind of change a `Change` is; the value is a readable sentence."""

    METADATA_CHANGED = "Metadata changed"
    STATEMENT_ADDED = "Statement added"
    STATEMENT_REMOVED = "Statement removed"
    STATEMENT_RENUMBERED = "Statement renumbered"
    STATEMENT_DETERMINATION_CHANGED = "Statement determination changed"
    STATEMENT_TEXT_CHANGED = "Statement text changed"
    CRITERIA_LOGIC_CHANGED = "Criteria logic changed"
    CRITERION_ADDED = "Criterion added"
    CRITERION_REMOVED = "Criterion removed"
    CRITERION_MOVED = "Criterion moved"
    CRITERION_TEXT_CHANGED = "Criterion text changed"
    CODE_ADDED = "Code added"
    CODE_REMOVED = "Code removed"
    CODE_MOVED = "Code moved"
    CODE_FLAGS_CHANGED = "Code flags changed"
    CODE_DESCRIPTION_CHANGED = "Code description changed"
    CODE_RANGE_CHANGED = "Code range changed"
    REFERENCE_ADDED = "Reference added"
    REFERENCE_REMOVED = "Reference removed"
    REFERENCE_MOVED = "Reference moved"
    REFERENCE_CHANGED = "Reference changed"
    GUIDELINE_ADDED = "Professional guideline added"
    GUIDELINE_REMOVED = "Professional guideline removed"
    GUIDELINE_MOVED = "Professional guideline moved"
    RELATED_POLICY_ADDED = "Related policy added"
    RELATED_POLICY_REMOVED = "Related policy removed"
    RELATED_POLICY_MOVED = "Related policy moved"
    SECTION_TEXT_ADDED = "Section text added"
    SECTION_TEXT_REMOVED = "Section text removed"
    SECTION_TEXT_CHANGED = "Section text changed"

    @property
    def mirror(self) -> ChangeKind:
        """The kind of the same change seen from the other revision (added <-> removed)."""
        name = self.name
        if name.endswith("_ADDED"):
            return ChangeKind[name.removesuffix("_ADDED") + "_REMOVED"]
        if name.endswith("_REMOVED"):
            return ChangeKind[name.removesuffix("_REMOVED") + "_ADDED"]
        return self

    @property
    def is_addition(self) -> bool:
        """True for the kinds that add an item."""
        return self.name.endswith("_ADDED")

    @property
    def is_removal(self) -> bool:
        """True for the kinds that remove an item."""
        return self.name.endswith("_REMOVED")


Op = Literal["equal", "insert", "delete"]


class WordSegment(BaseModel):
    """A run of text that is equal in both revisions, inserted in the new, or deleted from the old."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    op: Op = Field(description="equal, insert (only in the new text) or delete (only in the old text).")
    text: str = Field(description="The words, with the spaces between them.")


Value = str | list[str] | None


class Change(BaseModel):
    """One difference between two revisions."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    kind: ChangeKind = Field(description="What changed, as a sentence.")
    path: ChangePath = Field(description="Where: field path with stable IDs, e.g. codes.cpt[0611T].flags.")
    old: Value = Field(description="The value in the old revision; null when absent or not known.")
    new: Value = Field(description="The value in the new revision; null when absent or not known.")
    words: list[WordSegment] | None = Field(
        default=None, description="For text: the word-level diff of the plain texts (old = equal + delete, new = equal + insert)."
    )

    def mirrored(self) -> Change:
        """The same change seen from the other revision."""
        return Change(
            kind=self.kind.mirror,
            path=self.path.mirrored(),
            old=self.new,
            new=self.old,
            words=None if self.words is None else mirror_words(self.words),
        )


# --------------------------------------------------------------------------- word diff

# Words (with inner hyphens and apostrophes), single punctuation marks, runs of spaces: so
# "2024]." -> "2024; accessed 2025 Dec 02]." is an insertion after "2024", not a rewrite.
_TOKEN = re.compile(r"\s+|\w+(?:[-'’]\w+)*|[^\w\s]")
T = TypeVar("T", bound=Hashable)
K = TypeVar("K", bound=Hashable)
ItemT = TypeVar("ItemT")
Opcode = tuple[str, int, int, int, int]


def _opcodes(old: Sequence[T], new: Sequence[T], key: Callable[[Sequence[T]], object] = tuple) -> list[Opcode]:
    """difflib opcodes computed in a canonical direction, so that swapping the inputs mirrors them.

    difflib breaks ties by position in its first argument; computing always from the smaller
    input (by `key`) and swapping back makes the alignment independent of direction.
    """
    old_key, new_key = key(old), key(new)
    # The common head and tail are equal runs whatever the alignment: only the middle goes to
    # difflib, whose matching is quadratic in the length of what it is given (an edit to one
    # sentence of a long section would otherwise cost as much as rewriting all of it).
    limit = min(len(old), len(new))
    head = _first_difference(old, new, limit)
    tail = _first_difference(reversed(old), reversed(new), limit - head)
    old_middle, new_middle = old[head : len(old) - tail], new[head : len(new) - tail]
    if old_key <= new_key:  # type: ignore[operator]
        middle = [(tag, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_middle, new_middle, autojunk=False).get_opcodes()]
    else:
        swap = {"insert": "delete", "delete": "insert"}
        middle = [
            (swap.get(tag, tag), i1, i2, j1, j2)
            for tag, j1, j2, i1, i2 in SequenceMatcher(None, new_middle, old_middle, autojunk=False).get_opcodes()
        ]
    return _with_head_and_tail(middle, head, tail, len(old), len(new))


def _first_difference(old: Iterable[T], new: Iterable[T], limit: int) -> int:
    """The index of the first pair of unequal items of `old` and `new`, or `limit` when the first `limit` pairs are equal."""
    # Compared in C (map, compress): the Python loop over every token was a tenth of a diff's time.
    return next(compress(count(), map(ne, islice(old, limit), new)), limit)


def _with_head_and_tail(middle: list[Opcode], head: int, tail: int, old_length: int, new_length: int) -> list[Opcode]:
    """Opcodes of the trimmed middle shifted back into place, with the equal head and tail around them."""
    opcodes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    for tag, i1, i2, j1, j2 in middle:
        if tag == "equal" and opcodes and opcodes[-1][0] == "equal":
            previous = opcodes.pop()
            opcodes.append(("equal", previous[1], i2 + head, previous[3], j2 + head))
        else:
            opcodes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        if opcodes and opcodes[-1][0] == "equal":
            previous = opcodes.pop()
            opcodes.append(("equal", previous[1], old_length, previous[3], new_length))
        else:
            opcodes.append(("equal", old_length - tail, old_length, new_length - tail, new_length))
    return opcodes


# A changed text is usually compared twice, with the revision before it and the one after it:
# its tokens are kept for a while (a few hundred texts: the revisions of a policy or two).
@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text))


def _normalise(segments: Iterable[tuple[Op, str]]) -> list[WordSegment]:
    """Merge adjacent runs of one op; inside a run of changes put deletions before insertions.

    A lone space between two changed words is folded into both sides, so that "a b" -> "c d"
    reads as one deletion and one insertion rather than four alternating pieces.
    """
    items = [(op, text) for op, text in segments if text]
    # Fold whitespace-only equal runs that sit between changes into the change.
    folded: list[tuple[Op, str]] = []
    for index, (op, text) in enumerate(items):
        between_changes = (
            op == "equal"
            and not text.strip()
            and 0 < index < len(items) - 1
            and items[index - 1][0] != "equal"
            and items[index + 1][0] != "equal"
        )
        if between_changes:
            folded += [("delete", text), ("insert", text)]
        else:
            folded.append((op, text))
    result: list[WordSegment] = []
    run: dict[str, list[str]] = {"delete": [], "insert": []}

    def flush() -> None:
        for op in ("delete", "insert"):
            if run[op]:
                result.append(WordSegment(op=op, text="".join(run[op])))
                run[op] = []

    for op, text in folded:
        if op == "equal":
            flush()
            if result and result[-1].op == "equal":
                result[-1] = WordSegment(op="equal", text=result[-1].text + text)
            else:
                result.append(WordSegment(op="equal", text=text))
        else:
            run[op].append(text)
    flush()
    return result


def word_diff(old: str | None, new: str | None) -> list[WordSegment]:
    """The word-level diff of two texts (markup removed); a missing text counts as empty."""
    old_plain, new_plain = to_plain(old or ""), to_plain(new or "")
    # Half the word diffs are of an added or removed item: the whole text is one run, what
    # the opcodes of an empty side give, without tokenising it ("".join(tokens) is the text).
    if not old_plain or not new_plain or old_plain == new_plain:
        op: Op = "equal" if old_plain == new_plain else "insert" if new_plain else "delete"
        text = new_plain or old_plain
        return [WordSegment(op=op, text=text)] if text else []
    old_tokens, new_tokens = _tokens(old_plain), _tokens(new_plain)
    pieces: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(old_tokens, new_tokens):
        if tag == "equal":
            pieces.append(("equal", "".join(old_tokens[i1:i2])))
        else:
            pieces.append(("delete", "".join(old_tokens[i1:i2])))
            pieces.append(("insert", "".join(new_tokens[j1:j2])))
    return _normalise(pieces)


def mirror_words(segments: Sequence[WordSegment]) -> list[WordSegment]:
    """The word diff seen from the other text: insertions and deletions swapped."""
    swap: dict[str, Op] = {"insert": "delete", "delete": "insert", "equal": "equal"}
    return _normalise((swap[s.op], s.text) for s in segments)


# --------------------------------------------------------------------------- the diff

# The paths of the parts of a revision, made once (a diff names its changes by extending them).
_TITLE, _EFFECTIVE_DATE, _NEXT_REVIEW, _STATUS = (ChangePath.of(name) for name in ("title", "effective_date", "next_review", "status"))
_STATEMENTS = ChangePath.of("statements")
_PREAMBLE_TEXT = ChangePath.of("preamble", "text")
_PREAMBLE_DISCLAIMER_LINK = ChangePath.of("preamble", "disclaimer_link_text")
_RELATED_POLICIES = ChangePath.of("related_policies")
_POLICY_GUIDELINES = ChangePath.of("policy_guidelines")
_DESCRIPTION = ChangePath.of("description")
_LITERATURE = ChangePath.of("supportive_literature")
_GUIDELINES = ChangePath.of("professional_guidelines")
_REGULATORY_STATUS = ChangePath.of("regulatory_status")
_CODE_NOTES = ChangePath.of("codes", "notes")
_CODE_LEGEND = ChangePath.of("codes", "legend")
_CODE_TABLES = {system: ChangePath.of("codes", system.value) for system in CodeSystem}
_REFERENCES = ChangePath.of("references")
_CMS = ChangePath.of("cms")
_SEARCH_TERMS = ChangePath.of("search_terms")
_DISCLAIMER = ChangePath.of("disclaimer")


@dataclass(frozen=True)
class ItemsById:
    """The items of a revision that changes name by key, in dicts: a lookup costs the same however long the lists.

    Looking an item up by scanning its list, once per change, made diffs of long lists
    quadratic (8,000 references: 3.8 s). Keys are unique in valid data; were one not, the
    first item with it is kept, as a scan would find it.

    Attributes:
        statements: Statements by ID.
        references: References by ID.
        guidelines: Professional guidelines by ID.
        codes: Code table entries by code system (`cpt`, ...), then code or range as shown.
    """

    statements: dict[str, Statement]
    references: dict[str, Reference]
    guidelines: dict[str, ProfessionalGuideline]
    codes: dict[str, dict[str, CodeEntry[str]]]

    @classmethod
    def of(cls, revision: Revision) -> ItemsById:
        """The lookups of one revision."""
        return cls(
            statements=_first_by_key(revision.statements, lambda s: s.id),
            references=_first_by_key(revision.references, lambda r: r.id),
            guidelines=_first_by_key(revision.professional_guidelines, lambda g: g.id),
            codes={system.value: _first_by_key(table.entries, lambda e: e.display) for system, table in revision.codes.tables()},
        )


def _first_by_key(items: Sequence[ItemT], key: Callable[[ItemT], str]) -> dict[str, ItemT]:
    """`items` by key; the first of several with one key."""
    found: dict[str, ItemT] = {}
    for item in items:
        found.setdefault(key(item), item)
    return found


@dataclass(frozen=True)
class RevisionDiff:
    """The changes from one revision to another, in reading order of the sections."""

    old: Revision
    new: Revision
    changes: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def mirrored(self) -> RevisionDiff:
        """The same differences seen from `new` to `old`."""
        return RevisionDiff(old=self.new, new=self.old, changes=tuple(c.mirrored() for c in self.changes))

    def of_kind(self, *kinds: ChangeKind) -> list[Change]:
        """The changes of these kinds, in order."""
        return [c for c in self.changes if c.kind in kinds]

    def summary(self) -> list[str]:
        """Plain-language sentences saying what changed, in the order of the document."""
        return list(self._summary)

    @cached_property
    def old_items(self) -> ItemsById:
        """The old revision's items by key, for naming what a change is about."""
        return ItemsById.of(self.old)

    @cached_property
    def new_items(self) -> ItemsById:
        """The new revision's items by key, for naming what a change is about."""
        return ItemsById.of(self.new)

    @cached_property
    def _summary(self) -> tuple[str, ...]:
        # Computed once: the JSON file and the page of a diff both show the summary.
        return tuple(_summarise(self))


def consecutive_pairs(policy: Policy) -> list[tuple[Revision, Revision]]:
    """Each stored revision with the one after it, oldest first: the pairs a build publishes a diff of (JSON and page)."""
    return list(zip(policy.revisions, policy.revisions[1:], strict=False))


def diff_revisions(old: Revision, new: Revision) -> RevisionDiff:
    """Compare two revisions item by item, matching items by their stable IDs."""
    found: list[Change] = []
    found += _metadata(old, new)
    found += _statements(old, new)
    found += _text_pair(_PREAMBLE_TEXT, old.preamble.text, new.preamble.text)
    found += _text_pair(_PREAMBLE_DISCLAIMER_LINK, old.preamble.disclaimer_link_text, new.preamble.disclaimer_link_text)
    found += _related_policies(old, new)
    found += _paragraphs(_POLICY_GUIDELINES, old.policy_guidelines, new.policy_guidelines)
    found += _paragraphs(_DESCRIPTION, old.description, new.description)
    found += _literature(old, new)
    found += _guidelines(old, new)
    found += _not_applicable(_REGULATORY_STATUS, old.regulatory_status.not_applicable, new.regulatory_status.not_applicable)
    found += _paragraphs(_REGULATORY_STATUS, old.regulatory_status.paragraphs, new.regulatory_status.paragraphs)
    found += _codes(old, new)
    found += _references(old, new)
    found += _paragraphs(_CMS, old.cms, new.cms)
    found += _not_applicable(_SEARCH_TERMS, old.search_terms.not_applicable, new.search_terms.not_applicable)
    found += _paragraphs(_SEARCH_TERMS, old.search_terms.terms, new.search_terms.terms)
    found += _paragraphs(_DISCLAIMER, old.disclaimer, new.disclaimer)
    return RevisionDiff(old=old, new=new, changes=tuple(found))


# --------------------------------------------------------------------------- helpers


def _text_change(kind: ChangeKind, path: ChangePath, old: str | None, new: str | None) -> Change:
    return Change(kind=kind, path=path, old=old, new=new, words=word_diff(old, new))


def _text_pair(path: ChangePath, old: str | None, new: str | None, kind: ChangeKind = ChangeKind.SECTION_TEXT_CHANGED) -> list[Change]:
    """A text field: added, removed or changed (with words), or nothing when equal."""
    if old == new:
        return []
    if kind is ChangeKind.SECTION_TEXT_CHANGED and old is None:
        kind = ChangeKind.SECTION_TEXT_ADDED
    elif kind is ChangeKind.SECTION_TEXT_CHANGED and new is None:
        kind = ChangeKind.SECTION_TEXT_REMOVED
    return [_text_change(kind, path, old, new)]


def _value_pair(kind: ChangeKind, path: ChangePath, old: Value, new: Value) -> list[Change]:
    return [] if old == new else [Change(kind=kind, path=path, old=old, new=new)]


def _not_applicable(path: ChangePath, old: bool, new: bool) -> list[Change]:
    text = "Not Applicable"
    return _text_pair(path.field("not_applicable"), text if old else None, text if new else None)




def _moved(old_keys: Sequence[K], new_keys: Sequence[K]) -> set[K]:
    """Items kept by both whose relative order changed: those outside a longest common order."""
    common = set(old_keys) & set(new_keys)
    old_order = [k for k in old_keys if k in common]
    new_order = [k for k in new_keys if k in common]
    if old_order == new_order:
        return set()
    kept: set[K] = set()
    for tag, i1, i2, _j1, _j2 in _opcodes(old_order, new_order, key=lambda keys: [repr(k) for k in keys]):
        if tag == "equal":
            kept.update(old_order[i1:i2])
    return common - kept


def _align(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Pairs (old index, new index) of texts aligned in order; None on the side where a text is absent.

    Texts in a replaced block are paired in order when they are similar (they are the same
    paragraph, edited); dissimilar ones are a removal and an addition. Like `_opcodes`, the
    pairing is computed in a canonical direction so that swapping the inputs mirrors it.
    """
    if tuple(old) <= tuple(new):
        return _align_forward(old, new)
    return [(o, n) for n, o in _align_forward(new, old)]


def _align_forward(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]]:
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, list(old), list(new), autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds, news = deque(range(i1, i2)), deque(range(j1, j2))
        while olds and news:
            o, n = olds[0], news[0]
            if _similar(old[o], new[n]):
                pairs.append((o, n))
                olds.popleft()
                news.popleft()
            elif len(olds) >= len(news):
                pairs.append((olds.popleft(), None))
            else:
                pairs.append((None, news.popleft()))
        pairs += [(o, None) for o in olds] + [(None, n) for n in news]
    return pairs


def _similar(a: str, b: str) -> bool:
    """True when two texts share at least half their words (the same paragraph, edited).

    "Share" counts the words of difflib's matching blocks, computed in a canonical order.
    """
    a_words, b_words = a.split(), b.split()
    first, second = sorted((a_words, b_words))  # ratio depends on the order of its inputs
    return _matches_at_least(first, second, (max(len(a_words), len(b_words)) + 1) // 2)


def _matches_at_least(first: list[str], second: list[str], wanted: int) -> bool:
    """True when difflib's matching blocks of `first` and `second` hold at least `wanted` items.

    The blocks are found as `SequenceMatcher.get_matching_blocks` finds them (the longest
    match of a range, then the ranges on either side of it), but the search stops as soon as
    the answer is known: once `wanted` items matched, or once the ranges left to search
    could not make up the rest. The total does not depend on the order ranges are searched.
    """
    matcher = SequenceMatcher(None, first, second, autojunk=False)
    pending = [(0, len(first), 0, len(second))]
    matched = 0
    room = min(len(first), len(second))  # the most the pending ranges can still match
    while pending and matched < wanted <= matched + room:
        alo, ahi, blo, bhi = pending.pop()
        room -= min(ahi - alo, bhi - blo)
        i, j, size = matcher.find_longest_match(alo, ahi, blo, bhi)
        if size:
            matched += size
            for left, right in (((alo, i), (blo, j)), ((i + size, ahi), (j + size, bhi))):
                if left[0] < left[1] and right[0] < right[1]:
                    pending.append((left[0], left[1], right[0], right[1]))
                    room += min(left[1] - left[0], right[1] - right[0])
    return matched >= wanted


def _paragraphs(prefix: ChangePath, old: Sequence[str], new: Sequence[str]) -> list[Change]:
    """Unkeyed paragraphs or bullets: added, removed or changed, aligned on their texts."""
    if old == new:  # most sections do not change between revisions: no alignment to compute
        return []
    found: list[Change] = []
    for o, n in _align(old, new):
        found += _text_pair(prefix.at(o, n), None if o is None else old[o], None if n is None else new[n])
    return found


# --------------------------------------------------------------------------- sections


def _date(value: object) -> str | None:
    return None if value is None else str(value)


def _metadata(old: Revision, new: Revision) -> list[Change]:
    found: list[Change] = []
    if old.title != new.title:
        found.append(_text_change(ChangeKind.METADATA_CHANGED, _TITLE, old.title, new.title))
    found += _value_pair(ChangeKind.METADATA_CHANGED, _EFFECTIVE_DATE, _date(old.effective_date), _date(new.effective_date))
    found += _value_pair(ChangeKind.METADATA_CHANGED, _NEXT_REVIEW, old.next_review, new.next_review)
    found += _value_pair(ChangeKind.METADATA_CHANGED, _STATUS, old.status.value, new.status.value)
    return found


def _statements(old: Revision, new: Revision) -> list[Change]:
    found: list[Change] = []
    old_by_id = {s.id: s for s in old.statements}
    new_by_id = {s.id: s for s in new.statements}
    # Reading order: the new revision's statements, then those only the old one has.
    order = [s.id for s in new.statements] + [s.id for s in old.statements if s.id not in new_by_id]
    for statement_id in order:
        before, after = old_by_id.get(statement_id), new_by_id.get(statement_id)
        path = _STATEMENTS.item(statement_id)
        if before is None:
            found.append(_text_change(ChangeKind.STATEMENT_ADDED, path, None, after.text))  # type: ignore[union-attr]
            continue
        if after is None:
            found.append(_text_change(ChangeKind.STATEMENT_REMOVED, path, before.text, None))
            continue
        if before == after:  # equal models have equal fields: nothing to find in their criteria
            continue
        found += _value_pair(ChangeKind.STATEMENT_RENUMBERED, path.field("number"), before.number, after.number)
        found += _value_pair(
            ChangeKind.STATEMENT_DETERMINATION_CHANGED, path.field("determination"), before.determination.value, after.determination.value
        )
        if before.text != after.text:
            found.append(_text_change(ChangeKind.STATEMENT_TEXT_CHANGED, path.field("text"), before.text, after.text))
        found += _criteria(path, before, after)
    return found


def _criteria(path: ChangePath, old: Statement, new: Statement) -> list[Change]:
    found: list[Change] = []
    criteria = path.field("criteria")
    old_logic = old.criteria.logic if old.criteria else None
    new_logic = new.criteria.logic if new.criteria else None
    if old_logic and new_logic:
        found += _value_pair(ChangeKind.CRITERIA_LOGIC_CHANGED, criteria, old_logic, new_logic)
    # By ID; were an ID in a tree twice (invalid data), the last one is kept, at the first one's place in the order.
    before = {placed.criterion.id: placed for placed in old.iter_criteria()}
    after = {placed.criterion.id: placed for placed in new.iter_criteria()}
    order = list(after) + [c for c in before if c not in after]
    for criterion_id in order:
        was, now = before.get(criterion_id), after.get(criterion_id)
        if was is None:
            found.append(_text_change(ChangeKind.CRITERION_ADDED, criteria.item(criterion_id), None, now.criterion.text))  # type: ignore[union-attr]
            continue
        if now is None:
            found.append(_text_change(ChangeKind.CRITERION_REMOVED, criteria.item(criterion_id), was.criterion.text, None))
            continue
        moved = was.parent_id != now.parent_id or was.criterion.label != now.criterion.label
        reworded = was.criterion.text != now.criterion.text
        was_logic, now_logic = was.criterion.logic, now.criterion.logic
        if not (moved or reworded or (was_logic and now_logic and was_logic != now_logic)):
            continue  # most criteria of a changed statement: no path to make
        here = criteria.item(criterion_id)
        if moved:
            found.append(Change(kind=ChangeKind.CRITERION_MOVED, path=here, old=".".join(was.labels), new=".".join(now.labels)))
        if reworded:
            found.append(_text_change(ChangeKind.CRITERION_TEXT_CHANGED, here.field("text"), was.criterion.text, now.criterion.text))
        if was_logic and now_logic:
            found += _value_pair(ChangeKind.CRITERIA_LOGIC_CHANGED, here.field("logic"), was_logic, now_logic)
    return found


def _keyed(
    prefix: ChangePath,
    old: Sequence[ItemT],
    new: Sequence[ItemT],
    key: Callable[[ItemT], str],
    added: ChangeKind,
    removed: ChangeKind,
    moved: ChangeKind,
    text: Callable[[ItemT], str],
    compare: Callable[[ChangePath, ItemT, ItemT], list[Change]],
    pairs: Mapping[str, tuple[str, str]] | None = None,
) -> list[Change]:
    """Items with a stable key: added, removed, moved (relative order changed), compared.

    `pairs` names the keys that stand for an item with another key in each revision (a code
    range with new bounds): such an item's path holds both keys.
    """
    if old == new:  # the same items in the same order: none added, removed, moved or changed
        return []
    old_keys, new_keys = [key(i) for i in old], [key(i) for i in new]
    old_by_key, new_by_key = dict(zip(old_keys, old, strict=True)), dict(zip(new_keys, new, strict=True))
    old_position = {k: i for i, k in enumerate(old_keys)}
    new_position = {k: i for i, k in enumerate(new_keys)}
    moved_keys = _moved(old_keys, new_keys)
    order = new_keys + [k for k in old_keys if k not in new_by_key]
    found: list[Change] = []

    def path_of(item_key: str) -> ChangePath:
        return prefix.item(*pairs[item_key]) if pairs and item_key in pairs else prefix.item(item_key)

    for item_key in order:
        before, after = old_by_key.get(item_key), new_by_key.get(item_key)
        if before is None:
            found.append(_text_change(added, path_of(item_key), None, text(after)))  # type: ignore[arg-type]
        elif after is None:
            found.append(_text_change(removed, path_of(item_key), text(before), None))
        else:
            changed = before != after  # equal items differ in nothing `compare` could find
            if item_key not in moved_keys and not changed:
                continue  # most items: kept in place, unchanged, no path to make
            path = path_of(item_key)
            if item_key in moved_keys:
                # Old and new positions (from 0) in the printed list.
                found.append(Change(kind=moved, path=path, old=str(old_position[item_key]), new=str(new_position[item_key])))
            if changed:
                found += compare(path, before, after)
    return found


def _related_policies(old: Revision, new: Revision) -> list[Change]:
    def flat(revision: Revision) -> list[tuple[str, str, str]]:
        return [(p.number, p.title, group.heading) for group in revision.related_policies for p in group.policies]

    def compare(path: ChangePath, before: tuple[str, str, str], after: tuple[str, str, str]) -> list[Change]:
        return _text_pair(path.field("title"), before[1], after[1]) + _text_pair(path.field("heading"), before[2], after[2])

    return _keyed(
        _RELATED_POLICIES, flat(old), flat(new), lambda p: p[0],
        ChangeKind.RELATED_POLICY_ADDED, ChangeKind.RELATED_POLICY_REMOVED, ChangeKind.RELATED_POLICY_MOVED,
        lambda p: p[1], compare,
    )  # fmt: skip


def _literature(old: Revision, new: Revision) -> list[Change]:
    found: list[Change] = []
    before, after = old.supportive_literature, new.supportive_literature
    if before == after:
        return found
    for o, n in _align([p.text for p in before], [p.text for p in after]):
        path = _LITERATURE.at(o, n)
        found += _text_pair(path, None if o is None else before[o].text, None if n is None else after[n].text)
        if o is not None and n is not None:
            found += _value_pair(ChangeKind.SECTION_TEXT_CHANGED, path.field("cites"), list(before[o].cites), list(after[n].cites))
    # Paragraphs equal in text may still cite differently.
    for tag, i1, i2, j1, j2 in _opcodes([p.text for p in before], [p.text for p in after]):
        if tag == "equal":
            for o, n in zip(range(i1, i2), range(j1, j2), strict=True):
                found += _value_pair(ChangeKind.SECTION_TEXT_CHANGED, _LITERATURE.at(o, n).field("cites"), list(before[o].cites), list(after[n].cites))
    return found


def _guidelines(old: Revision, new: Revision) -> list[Change]:
    def compare(path: ChangePath, before: ProfessionalGuideline, after: ProfessionalGuideline) -> list[Change]:
        found: list[Change] = []
        for field in ("body", "organization", "edition", "text"):
            found += _text_pair(path.field(field), getattr(before, field), getattr(after, field))
        found += _paragraphs(path.field("points"), before.points, after.points)
        found += _value_pair(ChangeKind.SECTION_TEXT_CHANGED, path.field("cites"), list(before.cites), list(after.cites))
        return found

    return _keyed(
        _GUIDELINES, old.professional_guidelines, new.professional_guidelines, lambda g: g.id,
        ChangeKind.GUIDELINE_ADDED, ChangeKind.GUIDELINE_REMOVED, ChangeKind.GUIDELINE_MOVED,
        lambda g: g.text, compare,
    )  # fmt: skip


def _references(old: Revision, new: Revision) -> list[Change]:
    def compare(path: ChangePath, before: Reference, after: Reference) -> list[Change]:
        found: list[Change] = []
        if before.text != after.text:
            found.append(_text_change(ChangeKind.REFERENCE_CHANGED, path.field("text"), before.text, after.text))
        found += _value_pair(ChangeKind.REFERENCE_CHANGED, path.field("url"), before.url, after.url)
        found += _value_pair(ChangeKind.REFERENCE_CHANGED, path.field("year"), _date(before.year), _date(after.year))
        return found

    return _keyed(
        _REFERENCES, old.references, new.references, lambda r: r.id,
        ChangeKind.REFERENCE_ADDED, ChangeKind.REFERENCE_REMOVED, ChangeKind.REFERENCE_MOVED,
        lambda r: r.text, compare,
    )  # fmt: skip


def _codes(old: Revision, new: Revision) -> list[Change]:
    found = _paragraphs(_CODE_NOTES, old.codes.notes, new.codes.notes)

    def legend_compare(path: ChangePath, before: FlagLegend, after: FlagLegend) -> list[Change]:
        return _text_pair(path.field("meaning"), before.meaning, after.meaning)

    found += _keyed(
        _CODE_LEGEND, old.codes.legend, new.codes.legend, lambda e: e.flag.value,
        ChangeKind.SECTION_TEXT_ADDED, ChangeKind.SECTION_TEXT_REMOVED, ChangeKind.SECTION_TEXT_CHANGED,
        lambda e: e.meaning, legend_compare,
    )  # fmt: skip
    for (system, before), (_, after) in zip(old.codes.tables(), new.codes.tables(), strict=True):
        if before == after:  # most tables do not change: no codes to key and compare
            continue
        prefix = _CODE_TABLES[system]
        found += _not_applicable(prefix, before.not_applicable, after.not_applicable)
        found += _code_entries(system, before.entries, after.entries)
        found += _text_pair(prefix.field("copyright"), before.copyright, after.copyright)
    return found


def _code_entries(system: CodeSystem, old: Sequence[CodeEntry[str]], new: Sequence[CodeEntry[str]]) -> list[Change]:
    """Codes by identity; a range whose bounds changed but description did not is one change."""
    prefix = _CODE_TABLES[system]
    old_keys = {e.display for e in old}
    new_keys = {e.display for e in new}
    # Pair leftover ranges by equal description: the same row with other bounds.
    # Each old range in order takes the first new range of its description not taken yet.
    renamed: dict[str, str] = {}
    unpaired: dict[str, deque[str]] = {}
    for entry in new:
        if entry.is_range and entry.display not in old_keys:
            unpaired.setdefault(entry.description, deque()).append(entry.display)
    for before in old:
        if before.is_range and before.display not in new_keys and unpaired.get(before.description):
            renamed[before.display] = unpaired[before.description].popleft()

    # A renamed range is matched by one key on both sides (each new range is paired once at
    # most); its path holds the old and the new bounds.
    pairs = {f"{o}->{n}": (o, n) for o, n in renamed.items()}
    key_of_old = {o: key for key, (o, _) in pairs.items()}
    key_of_new = {n: key for key, (_, n) in pairs.items()}
    keyed_old = [(key_of_old.get(display := e.display, display), e) for e in old]
    keyed_new = [(key_of_new.get(display := e.display, display), e) for e in new]

    def compare(path: ChangePath, before: tuple[str, CodeEntry[str]], after: tuple[str, CodeEntry[str]]) -> list[Change]:
        was, now = before[1], after[1]
        found = _value_pair(ChangeKind.CODE_RANGE_CHANGED, path, was.display, now.display)
        found += _value_pair(ChangeKind.CODE_FLAGS_CHANGED, path.field("flags"), [f.value for f in was.flags], [f.value for f in now.flags])
        if was.description != now.description:
            found.append(_text_change(ChangeKind.CODE_DESCRIPTION_CHANGED, path.field("description"), was.description, now.description))
        return found

    return _keyed(
        prefix, keyed_old, keyed_new, lambda pair: pair[0],
        ChangeKind.CODE_ADDED, ChangeKind.CODE_REMOVED, ChangeKind.CODE_MOVED,
        lambda pair: pair[1].description, compare, pairs,
    )  # fmt: skip


# --------------------------------------------------------------------------- summary

_METADATA_LABELS = {"title": "Title", "effective_date": "Effective date", "next_review": "Next review", "status": "Status"}
_SECTION_LABELS = {
    "preamble": "Preamble",
    "related_policies": "Related policies",
    "policy_guidelines": "Policy guidelines",
    "description": "Description",
    "supportive_literature": "Supportive literature",
    "professional_guidelines": "Professional guidelines",
    "regulatory_status": "Regulatory status",
    "codes.notes": "Code notes",
    "codes.legend": "Flag legend",
    "codes.cpt": "CPT codes",
    "codes.hcpcs": "HCPCS codes",
    "codes.icd10cm": "ICD-10 codes",
    "references": "References",
    "cms": "CMS",
    "search_terms": "Search terms",
    "disclaimer": "Product disclaimer",
}
_SYSTEM_LABELS = {"cpt": "CPT", "hcpcs": "HCPCS", "icd10cm": "ICD-10"}
_LOGIC_WORDS = {"one_of": "ONE of the following", "all_of": "ALL of the following"}


def section_label(section: str) -> str:
    """The heading of a section as readers know it."""
    if section == "statements":
        return "Policy statements"
    if section in _METADATA_LABELS:
        return "Policy details"
    return _SECTION_LABELS.get(section, section.replace("_", " ").capitalize())


def _sentence(text: str) -> str:
    """Plain text ending in one full stop (printed statements often end in a colon)."""
    text = " ".join(to_plain(text).split()).rstrip(" :;,")
    return text if text.endswith((".", "?", "!")) else text + "."


def _quoted(text: str) -> str:
    return "'" + " ".join(to_plain(text).split()).rstrip(" .:;,") + "'"


def _short_reference(text: str, year: int | None) -> str:
    """The authors (or the body) of a citation: its text up to the first full stop."""
    head = to_plain(text).split(". ", 1)[0].strip()
    return f"{head} ({year})" if year is not None else head


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _key(path: ChangePath) -> str:
    """The key of the item a change is about, as printed (`0609T`, `0100T-0105T->0100T-0110T`)."""
    item = path.first_item
    return item.key_text if item is not None else str(path)


def _current_key(path: ChangePath) -> str:
    """The key of the item a change is about in the newer revision that has it (a code as shown)."""
    item = path.first_item
    return str(item.current_key) if item is not None else str(path)


def reading_order(section: str) -> int:
    """Where a section's changes come for a reader: coverage (statements, codes) first, then text, then dates and details."""
    if section == "statements" or section.startswith("codes."):
        return 0
    return 2 if section in _METADATA_LABELS else 1


def readable_value(path: ChangePath, value: str | None) -> str:
    """A metadata value as the pages write it: dates long-form (`May 15, 2026`, `January 2027`), `not known` for none."""
    if not value:
        return "not known"
    if path == _EFFECTIVE_DATE:
        return long_date(date.fromisoformat(value))
    if path == _NEXT_REVIEW:
        return month_year(value)
    return value.replace("_", " ")


def _summarise(diff: RevisionDiff) -> list[str]:
    """The summary in reading order: coverage changes first, then text sections, then dates and details."""
    sentences: list[str] = []
    by_section: dict[str, list[Change]] = {}
    for change in diff.changes:
        by_section.setdefault(change.path.section, []).append(change)

    sentences += _summarise_statements(by_section.get("statements", []), diff.old_items, diff.new_items)

    for section, changes in sorted(by_section.items(), key=lambda item: reading_order(item[0])):
        if section == "statements" or section in _METADATA_LABELS:
            continue
        if section.startswith("codes.") and section.split(".")[1] in _SYSTEM_LABELS:
            sentences += _summarise_codes(section.split(".")[1], changes, diff.old_items, diff.new_items)
        elif section == "references":
            sentences += _summarise_references(changes, diff.old_items, diff.new_items)
        elif section == "professional_guidelines":
            sentences += _summarise_guidelines(changes, diff.old_items, diff.new_items)
        elif section == "related_policies":
            sentences += _summarise_related(changes)
        else:
            sentences.append(_summarise_text_section(section, changes))

    for change in diff.changes:
        if change.kind is ChangeKind.METADATA_CHANGED:
            label = _METADATA_LABELS.get(change.path.leaf, str(change.path))
            sentences.append(f"{label} changed from {readable_value(change.path, change.old)} to {readable_value(change.path, change.new)}.")
    return sentences


def _summarise_statements(changes: list[Change], old: ItemsById, new: ItemsById) -> list[str]:
    sentences: list[str] = []
    by_statement: dict[str, list[Change]] = {}
    for change in changes:
        by_statement.setdefault(_key(change.path), []).append(change)
    for statement_id, items in by_statement.items():
        before, after = old.statements.get(statement_id), new.statements.get(statement_id)
        kinds = {c.kind for c in items}
        if after is not None and before is None:
            sentences.append(f"Statement {after.number} added: {_sentence(after.text)}")
            continue
        if before is not None and after is None:
            sentences.append(f"Statement {before.number} removed: {_sentence(before.text)}")
            continue
        assert before is not None and after is not None
        if ChangeKind.STATEMENT_RENUMBERED in kinds:
            wording = "changed" if ChangeKind.STATEMENT_TEXT_CHANGED in kinds else "unchanged"
            sentences.append(f"Statement {_quoted(before.text)} renumbered {before.number} -> {after.number}, wording {wording}.")
        elif ChangeKind.STATEMENT_TEXT_CHANGED in kinds:
            sentences.append(f"Statement {after.number} wording changed: now {_quoted(after.text)}.")
        name = f"Statement {after.number}"
        for change in items:
            sentences += _summarise_statement_part(name, change)
    return sentences


def _summarise_statement_part(name: str, change: Change) -> list[str]:
    labels = change.old if change.kind is ChangeKind.CRITERION_REMOVED else change.new
    if change.kind is ChangeKind.STATEMENT_DETERMINATION_CHANGED:
        words = [str(v).replace("_", " ") for v in (change.old, change.new)]
        return [f"{name} determination changed from {words[0]} to {words[1]}."]
    if change.kind is ChangeKind.CRITERIA_LOGIC_CHANGED:
        return [f"{name}: criteria now need {_LOGIC_WORDS.get(str(change.new), change.new)} (was {_LOGIC_WORDS.get(str(change.old), change.old)})."]
    if change.kind is ChangeKind.CRITERION_ADDED:
        return [f"{name}: criterion added: {_sentence(str(labels))}"]
    if change.kind is ChangeKind.CRITERION_REMOVED:
        return [f"{name}: criterion removed: {_sentence(str(labels))}"]
    if change.kind is ChangeKind.CRITERION_MOVED:
        return [f"{name}: criterion {change.old} is now {change.new}."]
    if change.kind is ChangeKind.CRITERION_TEXT_CHANGED:
        return [f"{name}: criterion wording changed: now {_quoted(str(change.new))}."]
    return []


def _summarise_codes(system: str, changes: list[Change], old: ItemsById, new: ItemsById) -> list[str]:
    label = _SYSTEM_LABELS[system]
    sentences: list[str] = []
    flag_groups: dict[tuple[str, str], list[str]] = {}
    added: list[str] = []
    removed: list[str] = []
    for change in changes:
        key = _key(change.path)
        if change.kind is ChangeKind.CODE_FLAGS_CHANGED:
            group = (", ".join(change.old or []) or "no flag", ", ".join(change.new or []) or "no flag")
            flag_groups.setdefault(group, []).append(key)
        elif change.kind is ChangeKind.CODE_ADDED:
            added.append(_current_key(change.path))
        elif change.kind is ChangeKind.CODE_REMOVED:
            removed.append(_current_key(change.path))
        elif change.kind is ChangeKind.CODE_RANGE_CHANGED:
            sentences.append(f"{label} range {change.old} is now {change.new}.")
        elif change.kind is ChangeKind.CODE_DESCRIPTION_CHANGED:
            sentences.append(f"{label} {key} description changed: now {_quoted(str(change.new))}.")
        elif change.kind is ChangeKind.CODE_MOVED:
            sentences.append(f"{label} {key} moved in the code list.")
        elif change.kind is ChangeKind.SECTION_TEXT_ADDED and change.path.leaf == "not_applicable":
            sentences.append(f"{label} codes are now not applicable.")
        elif change.kind is ChangeKind.SECTION_TEXT_REMOVED and change.path.leaf == "not_applicable":
            sentences.append(f"{label} codes, not applicable before, are now listed.")
        elif change.path.leaf == "copyright":
            verb = {ChangeKind.SECTION_TEXT_ADDED: "added", ChangeKind.SECTION_TEXT_REMOVED: "removed"}.get(change.kind, "changed")
            sentences.append(f"{label} copyright line {verb}: {_sentence(str(change.new or change.old))}")
    for (was, now), codes in flag_groups.items():
        sentences.insert(0, f"{label} {'code' if len(codes) == 1 else 'codes'} {', '.join(codes)}: flag {was} -> {now}.")
    if removed:
        sentences.insert(0, f"{label} {'code' if len(removed) == 1 else 'codes'} removed: {_code_list(old, system, removed)}.")
    if added:
        sentences.insert(0, f"{label} {'code' if len(added) == 1 else 'codes'} added: {_code_list(new, system, added)}.")
    return sentences


def _code_list(revision: ItemsById, system: str, displays: list[str]) -> str:
    parts = []
    for display in displays:
        entry = revision.codes[system].get(display)
        flags = f" [{', '.join(f.value for f in entry.flags)}]" if entry and entry.flags else ""
        parts.append(f"{display}{flags} ({' '.join(to_plain(entry.description).split())})" if entry else display)
    return "; ".join(parts)


def _summarise_references(changes: list[Change], old: ItemsById, new: ItemsById) -> list[str]:
    # Names in the order first met, each once (a dict as an ordered set: a list's `in` made this quadratic).
    groups: dict[str, dict[str, None]] = {"added": {}, "removed": {}, "changed": {}, "moved": {}}
    for change in changes:
        key = _key(change.path)
        group = {
            ChangeKind.REFERENCE_ADDED: "added",
            ChangeKind.REFERENCE_REMOVED: "removed",
            ChangeKind.REFERENCE_MOVED: "moved",
        }.get(change.kind, "changed")
        reference = (old if group == "removed" else new).references.get(key)
        name = _short_reference(reference.text, reference.year) if reference else key
        groups[group].setdefault(name)
    return [f"{_count(len(names), 'reference')} {verb}: {'; '.join(names)}." for verb, names in groups.items() if names]


def _summarise_guidelines(changes: list[Change], old: ItemsById, new: ItemsById) -> list[str]:
    sentences: list[str] = []
    seen: set[str] = set()
    for change in changes:
        key = _key(change.path)
        if key in seen:
            continue
        seen.add(key)
        guideline = (old if change.kind is ChangeKind.GUIDELINE_REMOVED else new).guidelines.get(key)
        name = key if guideline is None else guideline.body + (f" ({guideline.edition})" if guideline.edition else "")
        verb = {
            ChangeKind.GUIDELINE_ADDED: "added",
            ChangeKind.GUIDELINE_REMOVED: "removed",
            ChangeKind.GUIDELINE_MOVED: "moved",
        }.get(change.kind, "changed")
        sentences.append(f"Professional guideline {name} {verb}.")
    return sentences


def _summarise_related(changes: list[Change]) -> list[str]:
    sentences: list[str] = []
    for change in changes:
        key = _key(change.path)
        if change.kind is ChangeKind.RELATED_POLICY_ADDED:
            sentences.append(f"Related policy {key} added: {_sentence(str(change.new))}")
        elif change.kind is ChangeKind.RELATED_POLICY_REMOVED:
            sentences.append(f"Related policy {key} removed: {_sentence(str(change.old))}")
        elif change.kind is ChangeKind.RELATED_POLICY_MOVED:
            sentences.append(f"Related policy {key} moved in the list.")
        else:
            sentences.append(f"Related policy {key}: {change.path.leaf} changed.")
    return sentences


def _summarise_text_section(section: str, changes: list[Change]) -> str:
    counts = {"added": 0, "removed": 0, "changed": 0}
    for change in changes:
        counts["added" if change.kind.is_addition else "removed" if change.kind.is_removal else "changed"] += 1
    indexed = all(c.path.first_item is not None for c in changes)
    noun = "paragraph" if indexed else "field"
    if section == "search_terms":
        noun = "term"
    if section == "codes.legend":
        noun = "flag"
    parts = [f"{_count(n, noun)} {verb}" for verb, n in counts.items() if n]
    return f"{section_label(section)}: {', '.join(parts)}."
