"""Hypothesis strategies for policy data, built from the constraints of `generators.model`.

Every strategy draws plain data as a YAML file would hold it (strings, integers, booleans,
lists and mappings), valid for the models: IDs are slugs, codes match their system's format,
ranges are in order, sections are either "not applicable" or have content.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from generators.domain import icd10
from generators.model import CPT_CODE, HCPCS_CODE, ICD10CM_CODE, Basis, Determination, Flag, code_order_key

Data = dict[str, Any]

#: Any printable text, tabs and line breaks included; control and invisible format characters
#: (and unassigned code points such as U+FFFF, which XML forbids) are refused by the model.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Cn"), whitelist_characters="\n\t"),
    min_size=1,
    max_size=30,
).filter(lambda value: value.strip() != "")
slug = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
iso_date = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
year_month = st.builds(lambda year, month: f"{year:04d}-{month:02d}", st.integers(1990, 2099), st.integers(1, 12))
policy_number = st.from_regex(r"[1-9][0-9]?\.[0-9]{2}\.[0-9]{2}", fullmatch=True)
http_url = st.from_regex(r"https?://[a-z0-9.]{1,12}/[A-Za-z0-9_~*()\[\]./-]{0,20}", fullmatch=True)


def _roman(number: int) -> str:
    return ["I", "II", "III", "IV", "V", "VI"][number - 1]


def _criteria(depth: int, prefix: str) -> st.SearchStrategy[list[Data]]:
    """A non-empty list of criteria with unique IDs under `prefix`, nested up to `depth`."""

    @st.composite
    def build(draw: st.DrawFn) -> list[Data]:
        count = draw(st.integers(1, 3))
        items = []
        for index in range(count):
            item: Data = {"id": f"{prefix}-{index}", "label": draw(st.from_regex(r"[A-Za-z0-9]{1,4}", fullmatch=True)), "text": draw(text)}
            if depth > 0 and draw(st.booleans()):
                item[draw(st.sampled_from(["one_of", "all_of"]))] = draw(_criteria(depth - 1, f"{prefix}-{index}"))
            items.append(item)
        return items

    return build()


@st.composite
def statements(draw: st.DrawFn) -> list[Data]:
    """1-3 statements numbered I, II, III, some with criteria trees."""
    found = []
    for index in range(draw(st.integers(1, 3))):
        statement: Data = {
            "id": f"s{index}-{draw(slug)}",
            "number": _roman(index + 1),
            "determination": draw(st.sampled_from([d.value for d in Determination])),
            "text": draw(text),
        }
        if draw(st.booleans()):
            statement["criteria"] = {draw(st.sampled_from(["one_of", "all_of"])): draw(_criteria(2, f"c{index}"))}
        found.append(statement)
    return found


def _display(row: Data) -> str:
    """A row's code or range as printed: codes are unique within a table."""
    return row.get("code") or f"{row['range_start']}-{row['range_end']}"


def _code_table(pattern: Any) -> st.SearchStrategy[Data]:
    code = st.from_regex(pattern, fullmatch=True)
    ends = st.tuples(code, code).map(lambda pair: tuple(sorted(pair, key=code_order_key)))
    if pattern is ICD10CM_CODE:
        # ICD-10-CM codes are checked against the official code set: draw billable codes, and
        # a range's ends in the code set's order (not alphabetical: C84.ZA precedes C84.90),
        # covering at most 500 billable codes (a range may cover 10,000, a revision's 25,000).
        billable = icd10.billable_codes()
        code = st.sampled_from(billable)
        last = len(billable) - 1
        ends = st.tuples(st.integers(0, last), st.integers(0, 499)).map(lambda drawn: (billable[drawn[0]], billable[min(drawn[0] + drawn[1], last)]))

    @st.composite
    def entry(draw: st.DrawFn) -> Data:
        row: Data = {}
        if draw(st.booleans()):
            row["code"] = draw(code)
        else:
            row["range_start"], row["range_end"] = draw(ends)
        row["flags"] = draw(st.lists(st.sampled_from([f.value for f in Flag]), unique=True, max_size=2))
        row["description"] = draw(text)
        return row

    return st.one_of(
        st.just({"not_applicable": True}),
        st.builds(lambda entries, copyright: {"entries": entries, **({"copyright": copyright} if copyright else {})},
                  st.lists(entry(), min_size=1, max_size=3, unique_by=_display), st.none() | text),
    )


def _section(field: str) -> st.SearchStrategy[Data]:
    return st.one_of(st.just({"not_applicable": True}), st.lists(text, min_size=1, max_size=2).map(lambda items: {field: items}))


@st.composite
def revisions(draw: st.DrawFn) -> Data:
    """A whole revision file, valid for `Revision`."""
    approved = draw(iso_date)
    references = [
        {"id": f"r{index}-{draw(slug)}", "text": draw(text), **({"url": draw(http_url)} if draw(st.booleans()) else {}),
         **({"year": draw(st.integers(1900, 2100))} if draw(st.booleans()) else {})}
        for index in range(draw(st.integers(0, 3)))
    ]
    reference_ids = [r["id"] for r in references]
    cites = st.lists(st.sampled_from(reference_ids), unique=True, max_size=2) if reference_ids else st.just([])
    status = draw(st.sampled_from(["published", "reconstructed"]))
    revision: Data = {
        "revision": approved.isoformat(),
        "status": status,
        "title": draw(text),
        "effective_date": draw(st.none() | iso_date.filter(lambda d: d >= approved).map(lambda d: d.isoformat())),
        "effective_before_approval_allowed": draw(st.booleans()),
        "next_review": draw(st.none() | year_month),
        "preamble": {"text": draw(text), **({"disclaimer_link_text": draw(text)} if draw(st.booleans()) else {})},
        "statements": draw(statements()),
        "related_policies": draw(st.lists(st.builds(lambda heading, policies: {"heading": heading, "policies": policies}, text,
                                                    st.lists(st.builds(lambda n, t: {"number": n, "title": t}, policy_number, text), min_size=1, max_size=2)), max_size=2)),
        "policy_guidelines": draw(st.lists(text, max_size=2)),
        "description": draw(st.lists(text, min_size=1, max_size=2)),
        "supportive_literature": draw(st.lists(st.builds(lambda t, c: {"text": t, "cites": c}, text, cites), max_size=2)),
        "professional_guidelines": [
            {"id": f"g{index}", "body": draw(text), "organization": draw(text), "edition": draw(st.none() | text), "text": draw(text),
             "points": draw(st.lists(text, max_size=2)), "cites": draw(cites)}
            for index in range(draw(st.integers(0, 2)))
        ],
        "regulatory_status": draw(_section("paragraphs")),
        "codes": {
            "notes": draw(st.lists(text, max_size=2)),
            "legend": [{"flag": f.value, "meaning": draw(text)} for f in Flag],
            "cpt": draw(_code_table(CPT_CODE)),
            "hcpcs": draw(_code_table(HCPCS_CODE)),
            "icd10cm": draw(_code_table(ICD10CM_CODE)),
        },
        "references": references,
        "cms": draw(st.lists(text, max_size=2)),
        "search_terms": draw(_section("terms")),
        "disclaimer": draw(st.lists(text, min_size=1, max_size=2)),
    }
    if status == "reconstructed" or draw(st.booleans()):
        later = draw(iso_date.filter(lambda d: d > approved))
        revision["provenance"] = {
            "derived_from": later.isoformat(),
            "summary": draw(text),
            "notes": [{"field": draw(slug), "difference": draw(text), "reason": draw(text), "basis": draw(st.sampled_from([b.value for b in Basis]))}
                      for _ in range(draw(st.integers(0, 2)))],
        }
    return revision


@st.composite
def identities(draw: st.DrawFn, approvals: list[str]) -> Data:
    """A policy.yaml whose history holds `approvals` (ISO dates, oldest first)."""
    return {
        "number": draw(policy_number),
        "title": draw(text),
        "category": draw(text),
        "history": {
            "committee_approval_dates": approvals,
            "change_summaries": [{"date": day, "changes": draw(st.lists(text, min_size=1, max_size=2))} for day in reversed(approvals)],
        },
    }


#: Arbitrary YAML-able data: what a confused author or a fuzzer might put in a file.
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20), iso_date)
nested = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=20,
)
