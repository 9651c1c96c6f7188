"""Stage 2, the typed model of a medical policy and its revisions.

A `Policy` holds its identity and history (committee approval dates, summaries of changes)
and a list of `Revision` snapshots. Each revision is a full copy of the published document
at one committee approval: statements with their criteria tree, codes, references and every
text section. Text fields may use a small inline markup (see `generators.text`): `**strong**`,
`*emphasis*` and `<https://...>` links; everything else is shown as written.

Models are strict (no silent type coercion) and closed (unknown fields are errors).
"""

from __future__ import annotations

import re
from datetime import date
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Generic, Literal, TypeVar

from annotated_types import GroupedMetadata

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from generators.text import UNPRINTABLE, describe_character

# --------------------------------------------------------------------------- scalar types

# Every pattern is ASCII-only ([0-9], not \d, which also matches "７" and "٣") and anchored with
# \Z, not $ (which also matches before a final line break: "0609T\n" would pass).
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
_YEAR_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})\Z", re.ASCII)
POLICY_NUMBER = re.compile(r"^[0-9]{1,2}\.[0-9]{2}\.[0-9]{2}\Z", re.ASCII)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", re.ASCII)
CPT_CODE = re.compile(r"^(?:[0-9]{5}|[0-9]{4}[FTU])\Z", re.ASCII)
HCPCS_CODE = re.compile(r"^[A-V][0-9]{4}\Z", re.ASCII)
ICD10CM_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?\Z", re.ASCII)
ROMAN = re.compile(r"^(?=[IVXLC])C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\Z", re.ASCII)
#: Statements are numbered I, II, III...; the numerals written with I, V, X, L and C (at most
#: three Cs) end at CCCXCIX, so a revision has at most this many statements (real ones: under 20).
MAX_STATEMENTS = 399
LAST_STATEMENT_NUMBER = "CCCXCIX"


def json_schema_pattern(regex: re.Pattern[str]) -> str:
    """A pattern of ours as JSON Schema writes it (ECMA-262): `\\Z` (end of text, in Python) is `$` there."""
    return regex.pattern.replace("\\Z", "$")


#: The dates policykb publishes. The build stamps its files with the newest date of the data
#: (`SOURCE_DATE_EPOCH`; the sitemap's gzip header holds an unsigned 32-bit time, 1970 to
#: 2106-02-07) and computes the day before a date (`generators.domain.timeline`): a date outside this
#: range is refused where it is written, never left to crash a build.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2099, 12, 31)
_DATE_RANGE = f"a date from {EARLIEST_DATE} to {LATEST_DATE}"


def published_date(day: date) -> date:
    """`day` if policykb can publish it (`EARLIEST_DATE` to `LATEST_DATE`); else a `ValueError` saying so."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"found {day}, outside the dates policykb publishes; expected {_DATE_RANGE}")
    return day


def _parse_date(value: Any) -> Any:
    """Accept `date` objects and ISO `YYYY-MM-DD` strings in the published range, nothing else (no timestamps)."""
    if isinstance(value, date):
        return published_date(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"found {value!r}, which is not a calendar date ({exc}); expected a real date written YYYY-MM-DD") from None
        return published_date(day)
    shown = "null" if value is None else repr(value)
    raise ValueError(f"found {shown}; expected a date written YYYY-MM-DD")


IsoDate = Annotated[
    date,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": json_schema_pattern(_ISO_DATE)}),
]


def _check_year_month(value: str) -> str:
    match = _YEAR_MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"found {value!r}; expected a month written YYYY-MM, e.g. 2027-01")
    if not EARLIEST_DATE.year <= int(match.group(1)) <= LATEST_DATE.year:
        raise ValueError(f"found {value!r}, outside the dates policykb publishes; expected a month from {EARLIEST_DATE:%Y-%m} to {LATEST_DATE:%Y-%m}")
    return value


YearMonth = Annotated[str, AfterValidator(_check_year_month), WithJsonSchema({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"})]
"""A date of month precision, `YYYY-MM` ("January 2027" is `2027-01`)."""


@dataclass(frozen=True)
class _pattern(GroupedMetadata):  # noqa: N801 - reads as the function it replaced: Annotated[str, _pattern(...)]
    """A string that must match `regex` (`expected` says what it should look like); its JSON Schema gives the same pattern."""

    regex: re.Pattern[str]
    expected: str

    def __iter__(self) -> Iterator[Any]:
        regex, expected = self.regex, self.expected

        def check(value: str) -> str:
            if not regex.match(value):
                raise ValueError(f"found {value!r}; expected {expected}")
            return value

        yield AfterValidator(check)
        yield WithJsonSchema({"type": "string", "pattern": json_schema_pattern(regex)})


def _printable_text(value: str) -> str:
    """The one rule of every text field: not blank, and no `UNPRINTABLE` character.

    A control or invisible format character is invisible on a page and in print (one in a
    text field is a transcription accident, e.g. an escaped "\\0" in a quoted string), and in
    a terminal it can run escape sequences (`policykb show`).
    """
    if not value.strip():
        raise ValueError("found empty text; expected the text as published")
    unprintable = UNPRINTABLE.search(value)
    if unprintable:
        raise ValueError(f"found the control character {describe_character(unprintable.group())} in the text; expected printable text")
    return value


# The JSON Schema of `Text` (what a schema can say of `_printable_text`): no control character, and at least one
# character that is not white space.
_NO_CONTROL = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*"
Text = Annotated[str, AfterValidator(_printable_text), WithJsonSchema({"type": "string", "pattern": f"^{_NO_CONTROL}\\S{_NO_CONTROL}$"})]
"""Non-blank printable text as published; may use the inline markup of `generators.text`.

Every free-text field of the model is `Text` (or `Text | None`), so the rule holds everywhere."""
Slug = Annotated[str, _pattern(SLUG, "a stable ID of lower-case words joined by hyphens, e.g. spine-not-medically-necessary")]
PolicyNumber = Annotated[str, _pattern(POLICY_NUMBER, "a policy number such as 6.01.03")]
RomanNumeral = Annotated[str, _pattern(ROMAN, f"a Roman numeral such as I, II or III, at most {LAST_STATEMENT_NUMBER}")]
#: An address is printable ASCII without spaces, quotes or angle brackets: no NUL, no control
#: character and no space can hide in it (write other characters percent-encoded).
HTTP_URL = re.compile(r"https?://[!#-;=?-~]+\Z", re.ASCII)
HttpUrl = Annotated[str, _pattern(HTTP_URL, "an http(s) URL of printable ASCII characters without spaces, quotes or angle brackets")]


class Model(BaseModel):
    """Base of all policy models: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# The rules of the models' own validators that JSON Schema can say, for their published schemas.
# A field with a default may be absent from a document; an optional one may be null.
def _state_or_list(items: str) -> dict[str, Any]:
    """`not_applicable: true` and no `items`, or a non-empty list of `items` (and `not_applicable` false or absent)."""
    return {
        "oneOf": [
            {"required": ["not_applicable"], "properties": {"not_applicable": {"const": True}, items: {"maxItems": 0}}},
            {"required": [items], "properties": {"not_applicable": {"const": False}, items: {"minItems": 1}}},
        ]
    }


# --------------------------------------------------------------------------- closed sets


class Determination(str, Enum):
    """What a policy statement decides about a service."""

    MEDICALLY_APPROPRIATE = "medically_appropriate"
    MEDICALLY_NECESSARY = "medically_necessary"
    NOT_MEDICALLY_NECESSARY = "not_medically_necessary"
    INVESTIGATIONAL = "investigational"
    COSMETIC = "cosmetic"
    NOT_COVERED = "not_covered"

    @property
    def label(self) -> str:
        """The words printed in the policy, e.g. `not medically necessary`."""
        return self.value.replace("_", " ")


class Flag(str, Enum):
    """Flags printed beside a code; their meaning is given by the code section's legend."""

    NMN = "NMN"
    EI = "E/I"


class CodeSystem(str, Enum):
    """Code systems of the code tables, with their standard system URIs."""

    CPT = "cpt"
    HCPCS = "hcpcs"
    ICD10CM = "icd10cm"

    @property
    def title(self) -> str:
        """The heading of the table in the published document."""
        return {"cpt": "CPT Codes", "hcpcs": "HCPCS Codes", "icd10cm": "ICD10 Codes"}[self.value]

    @property
    def uri(self) -> str:
        """The HL7 code-system URI used by FHIR."""
        return {
            "cpt": "http://www.ama-assn.org/go/cpt",
            "hcpcs": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",  # http, as in HL7's terminology
            "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
        }[self.value]


class RevisionStatus(str, Enum):
    """How a revision was authored: the published text, a reconstruction, or a draft under review.

    A draft is validated like any revision and can be previewed (`mkdocs serve`,
    `policykb build --drafts`), but is never published. What state a published revision is
    in on a date (upcoming, in effect, ...) is not authored: it follows from the dates.
    """

    PUBLISHED = "published"
    RECONSTRUCTED = "reconstructed"
    DRAFT = "draft"

    @property
    def is_published(self) -> bool:
        """True for a revision a published build shows: every status but `draft`."""
        return self is not RevisionStatus.DRAFT


class Basis(str, Enum):
    """How a reconstructed fact is known."""

    STATED = "stated"
    INFERRED = "inferred"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------- statements


class Criterion(Model):
    """One criterion as printed (e.g. `A.` or `3.`), possibly with a group of sub-criteria.

    A criterion with `one_of` or `all_of` is met when its own text holds and its
    sub-criteria are met by that logic ("... and ONE (1) of the following:").
    """

    id: Slug = Field(description="Stable ID of the criterion; never changes between revisions.")
    label: str = Field(description="The label as printed: A, B, 1, 2, ...", pattern=r"^[A-Za-z0-9]{1,4}$")
    text: Text = Field(description="The criterion's wording as published.")
    one_of: list[Criterion] | None = Field(default=None, description="Sub-criteria of which one must be met.", json_schema_extra={"minItems": 1})
    all_of: list[Criterion] | None = Field(default=None, description="Sub-criteria which must all be met.", json_schema_extra={"minItems": 1})

    model_config = ConfigDict(
        json_schema_extra={"not": {"required": ["one_of", "all_of"], "properties": {"one_of": {"type": "array"}, "all_of": {"type": "array"}}}}
    )

    @model_validator(mode="after")
    def _one_group_at_most(self) -> Criterion:
        if self.one_of is not None and self.all_of is not None:
            raise ValueError("found both one_of and all_of; expected at most one group of sub-criteria")
        for group in (self.one_of, self.all_of):
            if group is not None and not group:
                raise ValueError("found an empty group of sub-criteria; expected at least one criterion")
        return self

    @property
    def logic(self) -> Literal["one_of", "all_of"] | None:
        """`one_of`, `all_of`, or None for a leaf."""
        if self.one_of is not None:
            return "one_of"
        if self.all_of is not None:
            return "all_of"
        return None

    @property
    def children(self) -> list[Criterion]:
        """The sub-criteria, whatever their logic."""
        return self.one_of or self.all_of or []


class CriteriaGroup(Model):
    """The top of a statement's criteria tree: `all_of` or `one_of` its criteria."""

    one_of: list[Criterion] | None = Field(default=None, description="Criteria of which one must be met.", json_schema_extra={"minItems": 1})
    all_of: list[Criterion] | None = Field(default=None, description="Criteria which must all be met.", json_schema_extra={"minItems": 1})

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["one_of"], "properties": {"one_of": {"type": "array"}, "all_of": {"type": "null"}}},
                {"required": ["all_of"], "properties": {"all_of": {"type": "array"}, "one_of": {"type": "null"}}},
            ]
        }
    )

    @model_validator(mode="after")
    def _exactly_one_group(self) -> CriteriaGroup:
        groups = [g for g in (self.one_of, self.all_of) if g is not None]
        if len(groups) != 1 or not groups[0]:
            raise ValueError("expected exactly one non-empty group: one_of or all_of")
        return self

    @property
    def logic(self) -> Literal["one_of", "all_of"]:
        """`one_of` or `all_of`."""
        return "one_of" if self.one_of is not None else "all_of"

    @property
    def children(self) -> list[Criterion]:
        """The criteria of the group."""
        return self.one_of or self.all_of or []


class Statement(Model):
    """A numbered policy statement: a determination, its scope, and optional criteria."""

    id: Slug = Field(description="Stable ID; the same statement keeps it in every revision.")
    number: RomanNumeral = Field(description="Display number as printed (I, II, III); may change between revisions.")
    determination: Determination = Field(description="What the statement decides.")
    text: Text = Field(description="The statement's wording as published (its scope).")
    criteria: CriteriaGroup | None = Field(default=None, description="The criteria tree, when the statement has one.")

    def iter_criteria(self) -> Iterator[PlacedCriterion]:
        """Every criterion of the tree with where it sits, depth first, in printed order.

        The one walk of a criteria tree: validation (duplicate and reused IDs, located by
        `PlacedCriterion.field_path`), the diff (moves, by `parent_id` and `labels`) and the
        terminal view all read it.
        """
        if self.criteria is not None:
            yield from _placed_criteria(self.criteria.children, ("criteria", self.criteria.logic), (), None)


@dataclass(frozen=True)
class PlacedCriterion:
    """A criterion of a statement's tree with where it sits (`Statement.iter_criteria`).

    Attributes:
        criterion: The criterion.
        field_path: Its field path inside the statement, e.g. `("criteria", "all_of", 0, "one_of", 1)`;
            a revision's field path is `("statements", index, *field_path)`.
        labels: Its printed labels from the top, e.g. `("A", "1")` for criterion 1 under A.
        parent_id: The ID of the criterion it sits under; None at the top of the tree.
    """

    criterion: Criterion
    field_path: tuple[str | int, ...]
    labels: tuple[str, ...]
    parent_id: str | None


def _placed_criteria(
    items: list[Criterion], path: tuple[str | int, ...], labels: tuple[str, ...], parent_id: str | None
) -> Iterator[PlacedCriterion]:
    for index, item in enumerate(items):
        here = (*path, index)
        item_labels = (*labels, item.label)
        yield PlacedCriterion(item, here, item_labels, parent_id)
        logic = item.logic
        if logic is not None:
            yield from _placed_criteria(item.children, (*here, logic), item_labels, item.id)


# --------------------------------------------------------------------------- sections


class RelatedPolicy(Model):
    """A policy named under "Related policies"."""

    number: PolicyNumber = Field(description="Its policy number.")
    title: Text = Field(description="Its title as printed.")


class RelatedPolicyGroup(Model):
    """Related policies under one heading, e.g. "Corporate Medical Policy"."""

    heading: Text = Field(description="The heading the policies sit under.")
    policies: list[RelatedPolicy] = Field(min_length=1, description="The policies, in printed order.")


class LiteratureParagraph(Model):
    """A paragraph of the supportive literature and the references it cites."""

    text: Text = Field(description="The paragraph as published.")
    cites: list[Slug] = Field(default_factory=list, description="IDs of the references the paragraph cites.")


class ProfessionalGuideline(Model):
    """What one professional body says: an introduction and its bullet points."""

    id: Slug = Field(description="Stable ID of the guideline entry.")
    body: Text = Field(description="Short name of the body, e.g. NCCN, NICE, ACR-ASNR.")
    organization: Text = Field(description="Full name of the body or bodies.")
    edition: Text | None = Field(default=None, description="Version or date of the guideline, e.g. Version 3.2025.")
    text: Text = Field(description="The introducing paragraph as published.")
    points: list[Text] = Field(default_factory=list, description="Bullet points, in printed order.")
    cites: list[Slug] = Field(default_factory=list, description="IDs of the references for this guideline.")


class NotApplicableSection(Model):
    """A section that may be printed as "Not Applicable" (a state, not a text)."""

    not_applicable: bool = Field(default=False, description="True when the section is printed as Not Applicable.")
    paragraphs: list[Text] = Field(default_factory=list, description="The section's text when it applies.")

    model_config = ConfigDict(json_schema_extra=_state_or_list("paragraphs"))

    @model_validator(mode="after")
    def _state_or_text(self) -> NotApplicableSection:
        if self.not_applicable == bool(self.paragraphs):
            raise ValueError("expected either not_applicable: true or a non-empty list of paragraphs, not both")
        return self


class SearchTerms(Model):
    """The "Search terms" section: a list of terms, or Not Applicable."""

    not_applicable: bool = Field(default=False, description="True when printed as Not Applicable.")
    terms: list[Text] = Field(default_factory=list, description="The terms when listed.")

    model_config = ConfigDict(json_schema_extra=_state_or_list("terms"))

    @model_validator(mode="after")
    def _state_or_terms(self) -> SearchTerms:
        if self.not_applicable == bool(self.terms):
            raise ValueError("expected either not_applicable: true or a non-empty list of terms, not both")
        return self


CptCode = Annotated[str, _pattern(CPT_CODE, "a CPT code of 5 digits, or 4 digits and F, T or U (e.g. 76390, 0609T)")]
HcpcsCode = Annotated[str, _pattern(HCPCS_CODE, "a HCPCS Level II code: a letter A-V and 4 digits (e.g. A4649)")]
Icd10CmCode = Annotated[str, _pattern(ICD10CM_CODE, "an ICD-10-CM code such as C71.0 or G04.90 (upper case, with the dot)")]
CodeT = TypeVar("CodeT")
_CODE_TYPE_NAMES = ((CptCode, "Cpt"), (HcpcsCode, "Hcpcs"), (Icd10CmCode, "Icd10Cm"))


def code_order_key(code: str) -> tuple[str, str]:
    """Order of codes within a system for range checks: category, then subcode."""
    category, _, sub = code.partition(".")
    return category, sub


class _PerCodeSystem(Model):
    """Names the parametrised models `CodeEntryCpt`, `CodeTableIcd10Cm`, ... in the schema."""

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        suffix = next((name for kind, name in _CODE_TYPE_NAMES if kind is params[0]), "Any")
        return f"{cls.__name__}{suffix}"


class CodeEntry(_PerCodeSystem, Generic[CodeT]):
    """One row of a code table: a single code or an inclusive range, with flags.

    The code fields are checked for the format of their table's code system.
    """

    code: CodeT | None = Field(default=None, description="A single code, e.g. 76390 or G03.9.")
    range_start: CodeT | None = Field(default=None, description="First code of an inclusive range, e.g. C71.0.")
    range_end: CodeT | None = Field(default=None, description="Last code of an inclusive range, e.g. C71.9.")
    flags: list[Flag] = Field(default_factory=list, description="Flags printed beside the code (NMN, E/I).", json_schema_extra={"uniqueItems": True})
    description: Text = Field(description="The description as printed.")
    statements: list[Slug] = Field(
        default_factory=list,
        description=(
            "IDs of the statements of this revision the code belongs to, when the document says so. Left empty, the build "
            "derives them from the flags (basis flag), or the code is listed by the policy as a whole (basis policy)."
        ),
        json_schema_extra={"uniqueItems": True},
    )

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["code"], "properties": {"code": {"type": "string"}, "range_start": {"type": "null"}, "range_end": {"type": "null"}}},
                {
                    "required": ["range_start", "range_end"],
                    "properties": {"code": {"type": "null"}, "range_start": {"type": "string"}, "range_end": {"type": "string"}},
                },
            ]
        }
    )

    @model_validator(mode="after")
    def _code_or_range(self) -> CodeEntry[CodeT]:
        single = self.code is not None
        ranged = self.range_start is not None or self.range_end is not None
        if single == ranged or (ranged and (self.range_start is None or self.range_end is None)):
            raise ValueError("expected either code, or both range_start and range_end")
        # ICD-10-CM ranges are ordered by the official code set, not alphabetically (C84.ZA comes
        # before C84.90 there): `generators.load.codeset_check` checks them against it.
        is_icd = ranged and bool(ICD10CM_CODE.match(str(self.range_start)))
        if ranged and not is_icd and code_order_key(str(self.range_end)) < code_order_key(str(self.range_start)):
            raise ValueError(f"found the range {self.display}, whose end comes before its start; expected start <= end")
        if len(set(self.flags)) != len(self.flags):
            raise ValueError("found a flag twice; expected each flag once")
        return self

    @property
    def is_range(self) -> bool:
        """True for a range entry."""
        return self.code is None

    @property
    def display(self) -> str:
        """The code or range as shown: `76390`, `C71.0-C71.9`."""
        return str(self.code) if self.code is not None else f"{self.range_start}-{self.range_end}"


class CodeTable(_PerCodeSystem, Generic[CodeT]):
    """The table of one code system: entries, or Not Applicable."""

    not_applicable: bool = Field(default=False, description="True when the table is printed as Not Applicable.")
    entries: list[CodeEntry[CodeT]] = Field(default_factory=list, description="The rows, in printed order.")
    copyright: Text | None = Field(default=None, description="A copyright line printed under the table.")

    model_config = ConfigDict(json_schema_extra=_state_or_list("entries"))

    @model_validator(mode="after")
    def _state_or_entries(self) -> CodeTable[CodeT]:
        if self.not_applicable == bool(self.entries):
            raise ValueError("expected either not_applicable: true or a non-empty list of entries, not both")
        return self


class FlagLegend(Model):
    """The legend of one flag, as printed above the code tables."""

    flag: Flag = Field(description="The flag.")
    meaning: Text = Field(description="Its meaning as printed, e.g. Not medically necessary/appropriate.")


class Codes(Model):
    """The "Code(s)" section: notes, flag legend, and one table per code system."""

    notes: list[Text] = Field(default_factory=list, description="The notes printed above the tables.")
    legend: list[FlagLegend] = Field(default_factory=list, description="Flag legend, in printed order.")
    cpt: CodeTable[CptCode] = Field(description="CPT codes.")
    hcpcs: CodeTable[HcpcsCode] = Field(description="HCPCS codes.")
    icd10cm: CodeTable[Icd10CmCode] = Field(description="ICD-10-CM codes.")

    def tables(self) -> list[tuple[CodeSystem, CodeTable[Any]]]:
        """The tables in printed order with their code system."""
        return [(CodeSystem.CPT, self.cpt), (CodeSystem.HCPCS, self.hcpcs), (CodeSystem.ICD10CM, self.icd10cm)]


class Reference(Model):
    """One entry of the reference list."""

    id: Slug = Field(description="Stable ID, used by literature paragraphs and guidelines to cite it.")
    text: Text = Field(description="The citation as published.")
    url: HttpUrl | None = Field(default=None, description="The address given in the citation, if any.")
    year: int | None = Field(default=None, ge=1900, le=2100, description="Year of publication.")


class Preamble(Model):
    """The paragraph printed under the header, and its link to the product disclaimer."""

    text: Text = Field(description="The preamble as published.")
    disclaimer_link_text: Text | None = Field(default=None, description="Text of the link to the product disclaimer.")


class ProvenanceNote(Model):
    """One difference of a reconstructed revision from the published text it derives from."""

    field: Text = Field(description="Field path in the revision, e.g. statements or references.")
    difference: Text = Field(description="What differs from the published text.")
    reason: Text = Field(description="Why: the evidence or the reasoning.")
    basis: Basis = Field(description="stated by the source, inferred from it, or unknown.")


class Provenance(Model):
    """Where a revision's content comes from, and every way it differs from its source."""

    derived_from: IsoDate | None = Field(default=None, description="The revision this one was reconstructed from.")
    summary: Text = Field(description="How the revision was made.")
    notes: list[ProvenanceNote] = Field(default_factory=list, description="Every difference from the source revision.")


class Correction(Model):
    """A correction made in place to a revision after it was published (a typo, a missing flag), with no new committee approval."""

    date: IsoDate = Field(description="The day the correction was made.")
    what: Text = Field(description="What was changed, e.g. Added the NMN flag to CPT 76390.")
    why: Text = Field(description="Why: the error it corrects, and its evidence.")


class Revision(Model):
    """A full snapshot of the policy document as approved on one committee date."""

    revision: IsoDate = Field(description="The committee approval date; identifies the revision.")
    status: RevisionStatus = Field(description="published, or reconstructed from a later text.")
    title: Text = Field(description="The policy title in this revision.")
    effective_date: IsoDate | None = Field(description="The day the revision takes (or took) effect, printed as \"Current effective date\" on the published document; null when not known.")
    effective_before_approval_allowed: bool = Field(
        default=False,
        description=(
            "True only when the policy takes effect retroactively, before its committee approval; "
            "otherwise an effective date before the approval date is an error."
        ),
    )
    next_review: YearMonth | None = Field(description="Next review date (month precision); null when not known.")
    preamble: Preamble
    statements: list[Statement] = Field(min_length=1, description=f"Policy statements in printed order, at most {MAX_STATEMENTS}.", json_schema_extra={"maxItems": MAX_STATEMENTS})
    related_policies: list[RelatedPolicyGroup] = Field(default_factory=list)
    policy_guidelines: list[Text] = Field(default_factory=list, description="Paragraphs of the policy guidelines.")
    description: list[Text] = Field(min_length=1, description="Paragraphs of the description.")
    supportive_literature: list[LiteratureParagraph] = Field(default_factory=list)
    professional_guidelines: list[ProfessionalGuideline] = Field(default_factory=list)
    regulatory_status: NotApplicableSection
    codes: Codes
    references: list[Reference] = Field(default_factory=list)
    cms: list[Text] = Field(default_factory=list, description="The CMS section's paragraphs.")
    search_terms: SearchTerms
    disclaimer: list[Text] = Field(min_length=1, description="Bullets of the product disclaimer.")
    provenance: Provenance | None = Field(default=None, description="Required for reconstructed revisions.")
    corrections: list[Correction] = Field(
        default_factory=list,
        description="Corrections made in place after the revision was published, oldest first; none in a draft (a draft is edited freely).",
    )
    change_summary: list[Text] | None = Field(
        default=None,
        exclude=True,
        description="A draft's summary of changes, which `policykb publish` moves into the policy's history; drafts only.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["status"], "properties": {"status": {"const": "reconstructed"}}},
            "then": {"required": ["provenance"], "properties": {"provenance": {"type": "object"}}},
        }
    )

    @field_validator("statements", mode="before")
    @classmethod
    def _numbered_statements_only(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_STATEMENTS:
            raise ValueError(
                f"found {len(value)} statements; expected at most {MAX_STATEMENTS}, the last number a statement "
                f"can have being {LAST_STATEMENT_NUMBER} (split the policy, or merge statements)"
            )
        return value

    @model_validator(mode="after")
    def _provenance_when_reconstructed(self) -> Revision:
        if self.status is RevisionStatus.RECONSTRUCTED and self.provenance is None:
            raise ValueError("found a reconstructed revision without provenance; expected a provenance block saying what is known and inferred")
        if self.corrections and self.status is RevisionStatus.DRAFT:
            raise ValueError("found corrections in a draft revision; expected corrections only in a published or reconstructed revision (a draft is edited freely)")
        for correction in self.corrections:
            if correction.date < self.revision:
                raise ValueError(
                    f"found a correction dated {correction.date.isoformat()}, before the revision's approval {self.key}; expected the day the correction was made"
                )
        if [c.date for c in self.corrections] != sorted(c.date for c in self.corrections):
            raise ValueError("found corrections out of order; expected them oldest first")
        if self.change_summary is not None and self.status is not RevisionStatus.DRAFT:
            raise ValueError(
                f"found change_summary in a {self.status.value} revision; expected it only in a draft: a published revision's summary is in policy.yaml's history"
            )
        return self

    @property
    def key(self) -> str:
        """The revision's ID as used in file names and URLs: `2026-01-22`."""
        return self.revision.isoformat()

    @property
    def last_updated(self) -> date:
        """When the revision was last changed: its approval, or its newest correction made in place."""
        return max([self.revision, *(c.date for c in self.corrections)])

    def statement(self, statement_id: str) -> Statement | None:
        """The statement with this stable ID, if any."""
        return next((s for s in self.statements if s.id == statement_id), None)

    def reference(self, reference_id: str) -> Reference | None:
        """The reference with this stable ID, if any."""
        return next((r for r in self.references if r.id == reference_id), None)


# --------------------------------------------------------------------------- policy


class ChangeSummary(Model):
    """One row of the summary of changes: a date and its bullets."""

    date: IsoDate
    changes: list[Text] = Field(min_length=1, description="The bullets as published.")


class History(Model):
    """The policy's history, kept apart from the content revisions."""

    committee_approval_dates: list[IsoDate] = Field(min_length=1, description="All committee approval dates, in printed order.")
    change_summaries: list[ChangeSummary] = Field(default_factory=list, description="Summary of changes, newest first as printed.")

    def until(self, day: date) -> History:
        """The history as the document approved on `day` prints it: the approvals and summaries dated on or before `day`."""
        # A copy, not a new validated model: a draft may come before every approval.
        return self.model_copy(
            update={
                "committee_approval_dates": [approved for approved in self.committee_approval_dates if approved <= day],
                "change_summaries": [summary for summary in self.change_summaries if summary.date <= day],
            }
        )


class Retirement(Model):
    """A period during which the policy was retired (deleted) and applied to no date of service."""

    retired: IsoDate = Field(description="The first day the policy no longer applies.")
    reinstated: IsoDate | None = Field(default=None, description="The day it was made active again; null while it stays retired.")

    @model_validator(mode="after")
    def _reinstated_after_retired(self) -> Retirement:
        if self.reinstated is not None and self.reinstated <= self.retired:
            raise ValueError(f"found reinstated {self.reinstated.isoformat()} on or before retired {self.retired.isoformat()}; expected a later date")
        return self

    def covers(self, day: date) -> bool:
        """True when the policy was retired on `day`."""
        return self.retired <= day and (self.reinstated is None or day < self.reinstated)


class PolicyIdentity(Model):
    """The contents of a policy's `policy.yaml`: identity and history."""

    number: PolicyNumber = Field(description="The policy number, e.g. 6.01.03.")
    title: Text = Field(description="The current title.")
    category: Text = Field(description="The kind of policy, e.g. Medical Policy.")
    former_numbers: list[PolicyNumber] = Field(default_factory=list, description="Numbers the policy was published under before; their addresses lead here.")
    retirements: list[Retirement] = Field(default_factory=list, description="Periods the policy was retired, oldest first; the last may be open (still retired).")
    history: History

    @model_validator(mode="after")
    def _retirements_in_order(self) -> PolicyIdentity:
        for older, newer in zip(self.retirements, self.retirements[1:]):
            if older.reinstated is None or newer.retired < older.reinstated:
                raise ValueError("found retirements that overlap or are out of order; expected each to be reinstated before the next one starts, oldest first")
        if self.number in self.former_numbers:
            raise ValueError(f"found the policy's own number {self.number} among former_numbers; expected only numbers it was published under before")
        return self


class Policy(Model):
    """A policy: identity, history and its stored revisions, oldest first."""

    number: PolicyNumber
    title: Text
    category: Text
    former_numbers: list[PolicyNumber] = Field(default_factory=list, description="Numbers the policy was published under before.")
    retirements: list[Retirement] = Field(default_factory=list, description="Periods the policy was retired, oldest first.")
    history: History
    revisions: list[Revision] = Field(min_length=1, description="Stored revisions, oldest first.")

    @property
    def newest(self) -> Revision:
        """The newest stored revision (the newest approved one once drafts are left out).

        Which revision is in effect on a date, and which one each page shows, is not this:
        see `generators.domain.lifecycle.PolicyTimeline`.
        """
        return self.revisions[-1]

    def retirement_on(self, day: date) -> Retirement | None:
        """The retirement covering `day`, if the policy was retired then."""
        return next((r for r in self.retirements if r.covers(day)), None)

    def without_drafts(self) -> Policy | None:
        """The policy as published: its draft revisions left out (None when it has only drafts)."""
        published = [r for r in self.revisions if r.status.is_published]
        if len(published) == len(self.revisions):
            return self
        return self.model_copy(update={"revisions": published}) if published else None

    def revision(self, key: str) -> Revision | None:
        """The revision with this ID (`2025-01-23`), if stored."""
        return next((r for r in self.revisions if r.key == key), None)


class Library(Model):
    """Every policy of the knowledge base, ordered by policy number."""

    policies: list[Policy]

    def without_drafts(self) -> Library:
        """The library as published: each policy's drafts left out, and a policy with nothing else left out whole."""
        published = [p for p in (policy.without_drafts() for policy in self.policies) if p is not None]
        return self if published == self.policies else self.model_copy(update={"policies": published})

    def policy(self, number: str) -> Policy | None:
        """The policy with this number, if any."""
        return next((p for p in self.policies if p.number == number), None)


def policy_sort_key(number: str) -> tuple[int, ...]:
    """Sort policy numbers numerically: 6.01.03 before 11.01.03."""
    return tuple(int(part) for part in number.split("."))

