"""Content lint: places where valid data is probably wrong, reported as warnings.

Validation (`generators.load.validate`) refuses data that cannot be published; lint points at data
that can be published but that an author should look at, because published documents do
contain such slips and the knowledge base transcribes them as printed. Each rule has a code;
every rule is described on the authors' guide page `content/guide/lint.md`.

- `other-technology`: a CMS or regulatory sentence "X is not addressed/covered/approved ..."
  whose subject X shares no word with the policy's title (a sentence copied from another policy);
- `next-review-not-after-approval`: the next review month is not after the approval month;
- `history-order`: change summaries not newest first, or approval dates not oldest first;
- `related-policy-missing`: a related policy that is not in the knowledge base;
- `reference-not-cited`: references no literature paragraph or guideline cites (one warning
  per revision, listing them);
- `draft-change-summary`: a draft revision whose summary of changes is still empty (`policykb
  publish` refuses it);
- `heading-typo`: a heading of the published source text (`policy_data/<n>/source/*.txt`)
  that is close to, but not, a known heading of the document format ("RELATED POLICIE(S)");
- `flag-without-statement`: a code whose flag points to no statement of its revision (NMN
  and no not-medically-necessary statement), so the code index cannot say which statement
  decides it;
- `code-listed-twice`: a code listed twice in one revision's table with different flags
  (by itself and inside an ICD-10-CM range, or twice by itself).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path

from generators.domain import icd10
from generators.domain.code_index import FLAG_DETERMINATIONS
from generators.errors import Diagnostic, Severity, display_path, sort_key
from generators.load.yaml_files import FieldPath, LoadedDocument, load_yaml_file
from generators.model import CodeSystem, Library, Policy, Revision, RevisionStatus
from generators.text import to_plain

#: The headings of the published document format, spelled correctly.
KNOWN_HEADINGS = (
    "MEDICAL POLICY",
    "POLICY STATEMENT(S)",
    "RELATED POLICIES",
    "RELATED POLICY(IES)",
    "POLICY GUIDELINE(S)",
    "DESCRIPTION",
    "SUPPORTIVE LITERATURE",
    "PROFESSIONAL GUIDELINE(S)",
    "REGULATORY STATUS",
    "CODE(S)",
    "REFERENCES",
    "CENTERS FOR MEDICARE AND MEDICAID SERVICES (CMS)",
    "SEARCH TERMS",
    "PRODUCT DISCLAIMER",
    "POLICY HISTORY/REVISION",
)
#: How close a line must be to a known heading to count as a misspelling of it (difflib ratio).
HEADING_SIMILARITY = 0.85
_HEADING_LINE = re.compile(r"^[A-Z][A-Z0-9 ()/'&,.-]{2,}$")

# "Electromagnetic navigation bronchoscopy is not addressed in National or Regional CMS ..."
_COVERAGE_SENTENCE = re.compile(
    r"(?:^|(?<=[.;]\s))(?P<subject>[A-Z][^.;:]{2,120}?)\s+(?:is|are)\s+(?:not\s+)?"
    r"(?:addressed|covered|approved|cleared|regulated)\b"
)
_GENERIC_WORDS = frozenset(
    "the this that these those there service services procedure procedures test tests testing "
    "technology technologies device devices treatment treatments use uses for and with of in "
    "its their policy medical".split()
)


def _warning(document: LoadedDocument, path: FieldPath, message: str, code: str) -> Diagnostic:
    located = document.diagnostic(path, message, code)
    return Diagnostic(
        file=located.file,
        line=located.line,
        column=located.column,
        field_path=located.field_path,
        message=message,
        code=code,
        severity=Severity.WARNING,
    )


def _stems(text: str) -> set[str]:
    """Significant words of `text`, cut to six letters so that plurals and -ic/-y forms match."""
    words = re.findall(r"[a-z0-9]+", to_plain(text).lower())
    return {word[:6] for word in words if len(word) > 2 and word not in _GENERIC_WORDS}


def _title_vocabulary(policy: Policy, revision: Revision) -> set[str]:
    """The words that name the policy's technology: its titles and their abbreviations."""
    vocabulary = _stems(policy.title) | _stems(revision.title)
    for title in (policy.title, revision.title):
        words = [w for w in re.findall(r"[A-Za-z]+", re.sub(r"\(.*?\)", "", title)) if w.lower() not in _GENERIC_WORDS]
        initials = "".join(word[0] for word in words).lower()
        if len(initials) > 1:
            vocabulary.add(initials)
    return vocabulary


def check_other_technology(policy: Policy, revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`other-technology`: a coverage sentence about something the policy is not about."""
    vocabulary = _title_vocabulary(policy, revision)
    sections: list[tuple[FieldPath, str]] = [(("cms", i), text) for i, text in enumerate(revision.cms)]
    sections += [(("regulatory_status", "paragraphs", i), text) for i, text in enumerate(revision.regulatory_status.paragraphs)]
    for path, text in sections:
        for match in _COVERAGE_SENTENCE.finditer(to_plain(text)):
            subject = match.group("subject").strip()
            if _stems(subject) and not _stems(subject) & vocabulary:
                yield _warning(
                    document,
                    path,
                    f"found {subject!r} as the subject of a coverage sentence, which shares no word with the "
                    f"policy title {revision.title!r}; expected the policy's own technology (copied from another policy?)",
                    "other-technology",
                )


def check_next_review(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`next-review-not-after-approval`: the next review must come after the approval month."""
    if revision.next_review is None:
        return
    year, month = (int(part) for part in revision.next_review.split("-"))
    if (year, month) <= (revision.revision.year, revision.revision.month):
        yield _warning(
            document,
            ("next_review",),
            f"found the next review {revision.next_review}, not after the committee approval {revision.key}; "
            "expected a later month",
            "next-review-not-after-approval",
        )


def check_history_order(policy: Policy, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`history-order`: summaries newest first, approval dates oldest first, as printed."""
    summaries = policy.history.change_summaries
    for index in range(1, len(summaries)):
        if summaries[index].date >= summaries[index - 1].date:
            yield _warning(
                document,
                ("history", "change_summaries", index, "date"),
                f"found {summaries[index].date} after {summaries[index - 1].date}; expected the summary of changes newest first",
                "history-order",
            )
    approvals = policy.history.committee_approval_dates
    for index in range(1, len(approvals)):
        if approvals[index] <= approvals[index - 1]:
            yield _warning(
                document,
                ("history", "committee_approval_dates", index),
                f"found {approvals[index]} after {approvals[index - 1]}; expected committee approval dates oldest first, each once",
                "history-order",
            )


def check_related_policies(library: Library, revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`related-policy-missing`: a related policy the knowledge base does not hold (no link)."""
    known = {policy.number for policy in library.policies}
    for g_index, group in enumerate(revision.related_policies):
        for p_index, related in enumerate(group.policies):
            if related.number not in known:
                yield _warning(
                    document,
                    ("related_policies", g_index, "policies", p_index, "number"),
                    f"found the related policy {related.number} ({related.title}), which is not in the knowledge base; "
                    "expected its data under policy_data/ (until then it is shown without a link)",
                    "related-policy-missing",
                )


def check_uncited_references(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`reference-not-cited`: one warning per revision listing every reference nobody cites."""
    cited = {c for p in revision.supportive_literature for c in p.cites}
    cited |= {c for g in revision.professional_guidelines for c in g.cites}
    uncited = [reference.id for reference in revision.references if reference.id not in cited]
    if uncited:
        yield _warning(
            document,
            ("references",),
            f"found {len(uncited)} of {len(revision.references)} references cited by no literature paragraph or "
            f"guideline: {', '.join(uncited)}; expected each reference to be cited (in `cites`) or removed",
            "reference-not-cited",
        )


def check_source_headings(source: Path, root: Path | None) -> Iterator[Diagnostic]:
    """`heading-typo`: a heading line of a source text close to a known heading but not it."""
    name = display_path(source, root)
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return  # sources are reference material; validation does not depend on them
    for number, line in enumerate(lines, start=1):
        heading = line.strip()
        if not _HEADING_LINE.match(heading) or heading in KNOWN_HEADINGS:
            continue
        close = difflib.get_close_matches(heading, KNOWN_HEADINGS, n=1, cutoff=HEADING_SIMILARITY)
        if close:
            yield Diagnostic(
                file=name,
                line=number,
                column=line.index(heading) + 1,
                message=f"found the heading {heading!r}; expected {close[0]!r}",
                code="heading-typo",
                severity=Severity.WARNING,
            )


def check_draft_change_summary(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """A draft whose summary of changes is empty: `policykb publish` needs it."""
    if revision.status is RevisionStatus.DRAFT and not revision.change_summary:
        yield _warning(
            document,
            ("change_summary",) if revision.change_summary is not None else ("status",),
            f"found draft {revision.key} with an empty change_summary; expected the summary of changes (one bullet per line) before `policykb publish`",
            "draft-change-summary",
        )


def check_flags_point_to_statements(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`flag-without-statement`: a flag whose determination no statement of the revision has."""
    determinations = {statement.determination for statement in revision.statements}
    for system, table in revision.codes.tables():
        for index, entry in enumerate(table.entries):
            for flag in entry.flags:
                wanted = FLAG_DETERMINATIONS.get(flag)
                if wanted is not None and wanted not in determinations:
                    yield _warning(
                        document,
                        ("codes", system.value, "entries", index, "flags"),
                        f"found the flag {flag.value} beside {entry.display}, but no statement of this revision is {wanted.label}; "
                        "expected a statement the flag points to (or a different flag)",
                        "flag-without-statement",
                    )


def _listed_codes(system: CodeSystem, start: str, end: str) -> list[str]:
    """The codes an entry lists: an ICD-10-CM range's billable members, else the ends as printed."""
    if system is CodeSystem.ICD10CM:
        try:
            return [member.code for member in icd10.expand_range(start, end)]
        except icd10.RangeError:  # validation reports it; lint looks only at valid data
            return []
    return [start, end]


def _flags_text(flags: list[str]) -> str:
    return ", ".join(flags) or "no flag"


def check_codes_listed_twice(revision: Revision, document: LoadedDocument) -> Iterator[Diagnostic]:
    """`code-listed-twice`: the same code in two entries of one table with different flags (one warning per entry)."""
    for system, table in revision.codes.tables():
        first: dict[str, tuple[str, list[str]]] = {}
        for index, entry in enumerate(table.entries):
            codes = [str(entry.code)] if entry.code is not None else _listed_codes(system, str(entry.range_start), str(entry.range_end))
            flags = sorted(flag.value for flag in entry.flags)
            clashes = []
            for code in codes:
                seen = first.setdefault(code, (entry.display, flags))
                if seen[1] != flags and seen[0] != entry.display:
                    clashes.append((code, seen))
            if clashes:
                code, (where, other) = clashes[0]
                yield _warning(
                    document,
                    ("codes", system.value, "entries", index),
                    f"found {code} listed as {entry.display} with {_flags_text(flags)}, and as {where} with {_flags_text(other)}"
                    f"{f' ({len(clashes)} codes in all)' if len(clashes) > 1 else ''}; expected one listing per code, or the same flags",
                    "code-listed-twice",
                )


def lint_library(library: Library, data_dir: Path) -> list[Diagnostic]:
    """Every lint warning of a validated library whose data is in `data_dir`, sorted."""
    root = data_dir.parent
    warnings: list[Diagnostic] = []
    for policy in library.policies:
        folder = data_dir / policy.number
        identity = load_yaml_file(folder / "policy.yaml", root)
        if isinstance(identity, LoadedDocument):
            warnings += check_history_order(policy, identity)
        for revision in policy.revisions:
            document = load_yaml_file(folder / "revisions" / f"{revision.key}.yaml", root)
            if not isinstance(document, LoadedDocument):
                continue  # cannot happen for a library that validated; nothing to locate
            warnings += check_other_technology(policy, revision, document)
            warnings += check_next_review(revision, document)
            warnings += check_related_policies(library, revision, document)
            warnings += check_uncited_references(revision, document)
            warnings += check_draft_change_summary(revision, document)
            warnings += check_flags_point_to_statements(revision, document)
            warnings += check_codes_listed_twice(revision, document)
        for source in sorted((folder / "source").glob("*.txt")):
            warnings += check_source_headings(source, root)
    return sorted(warnings, key=sort_key)
