"""Content lint: places where valid data is probably wrong, reported as warnings.

Validation (`generators.load.validate`) refuses data that cannot be published; lint points at data
that can be published but that an author should look at, because published documents do
contain such slips and the knowledge base transcribes them as printed.

Each rule is declared once, with `@rule`: its code, the kind of file it reads (`PolicyFile`,
`RevisionFile` or `SourceFile`) and its check, whose docstring is the rule's description (first
line: what it finds; the rest: how it looks and how to fix it). `RULES` lists them in the order
they are declared; `lint_library` runs each on the files it reads, and `generators.lint.docs`
writes the rules' section of the authors' page `content/guide/lint.md` from them.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, TypeVar

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


# --- What a rule reads, what it finds, and the registry -------------------------------------


@dataclass(frozen=True)
class Finding:
    """What a check found: a message, and where (a field path, or a line and column of a text file)."""

    message: str
    at: FieldPath = ()
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class _DataFile:
    """A YAML file of a policy, with its policy and library; a finding is located at its field path."""

    library: Library
    policy: Policy
    document: LoadedDocument

    def warning(self, finding: Finding, code: str) -> Diagnostic:
        """The finding as a warning with the rule's code, located at its field path in the file."""
        return replace(self.document.diagnostic(finding.at, finding.message, code), severity=Severity.WARNING)


@dataclass(frozen=True)
class PolicyFile(_DataFile):
    """A policy's `policy.yaml` (its identity and history), with its library."""


@dataclass(frozen=True)
class RevisionFile(_DataFile):
    """One revision file of a policy, with its policy and library."""

    revision: Revision


@dataclass(frozen=True)
class SourceFile:
    """A published source text of a policy (`policy_data/<number>/source/*.txt`)."""

    path: Path
    root: Path | None

    def warning(self, finding: Finding, code: str) -> Diagnostic:
        """The finding as a warning with the rule's code, located at its line and column."""
        return Diagnostic(
            file=display_path(self.path, self.root),
            line=finding.line,
            column=finding.column,
            message=finding.message,
            code=code,
            severity=Severity.WARNING,
        )


#: The kinds of file a rule reads.
LintTarget = PolicyFile | RevisionFile | SourceFile
Target = TypeVar("Target", PolicyFile, RevisionFile, SourceFile)
#: A rule's check: what it finds in one file of its kind.
Check = Callable[[Target], Iterable[Finding]]


@dataclass(frozen=True)
class LintRule(Generic[Target]):
    """One lint rule: its code, the kind of file it reads and its check.

    Attributes:
        code: The stable code printed with each warning, e.g. `history-order`.
        reads: The kind of file the check is run on.
        check: Yields what it finds in one such file; its docstring describes the rule.
    """

    code: str
    reads: type[Target]
    check: Check[Target]

    @property
    def summary(self) -> str:
        """What the rule finds, in one line (the first line of the check's docstring)."""
        return self._description()[0]

    @property
    def explanation(self) -> str:
        """How the rule looks, why, and how to fix what it finds (the rest of the docstring)."""
        return self._description()[1]

    def _description(self) -> tuple[str, str]:
        summary, _, rest = (inspect.getdoc(self.check) or "").partition("\n")
        return summary.strip(), rest.strip()

    def run(self, target: Target) -> Iterator[Diagnostic]:
        """The rule's warnings for one file."""
        for finding in self.check(target):
            yield target.warning(finding, self.code)


_RULES: list[LintRule] = []  # type: ignore[type-arg]


def rule(code: str, reads: type[Target]) -> Callable[[Check[Target]], Check[Target]]:
    """Register the decorated check as the lint rule `code`, run on every file of the kind `reads`."""

    def register(check: Check[Target]) -> Check[Target]:
        if any(known.code == code for known in _RULES):
            raise ValueError(f"lint rule {code!r} is declared twice")
        _RULES.append(LintRule(code, reads, check))
        return check

    return register


# --- The rules, in the order of the authors' page --------------------------------------------


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


@rule("other-technology", reads=RevisionFile)
def check_other_technology(file: RevisionFile) -> Iterator[Finding]:
    """A sentence of the CMS or regulatory status section about another technology than the policy's, usually copied from another policy.

    Lint reads each sentence "X is/are (not) addressed / covered / approved / cleared /
    regulated ..." and warns when its subject X shares no significant word with the policy's
    title (words are compared on their first six letters, so *spectroscopic* matches
    *spectroscopy*) and is not the title's abbreviation (its initials count too: *MRS*).

    To fix it, name the policy's own technology, or remove the sentence if it belongs to
    another policy. If the published document prints it so, keep it as transcribed and tell
    the policy's owner.
    """
    policy, revision = file.policy, file.revision
    vocabulary = _title_vocabulary(policy, revision)
    sections: list[tuple[FieldPath, str]] = [(("cms", i), text) for i, text in enumerate(revision.cms)]
    sections += [(("regulatory_status", "paragraphs", i), text) for i, text in enumerate(revision.regulatory_status.paragraphs)]
    for path, text in sections:
        for match in _COVERAGE_SENTENCE.finditer(to_plain(text)):
            subject = match.group("subject").strip()
            if _stems(subject) and not _stems(subject) & vocabulary:
                yield Finding(
                    f"found {subject!r} as the subject of a coverage sentence, which shares no word with the "
                    f"policy title {revision.title!r}; expected the policy's own technology (copied from another policy?)",
                    at=path,
                )


@rule("next-review-not-after-approval", reads=RevisionFile)
def check_next_review(file: RevisionFile) -> Iterator[Finding]:
    """A next review date in the same month as the committee approval, or before it.

    Lint compares `next_review` (YYYY-MM) with the month of `revision`. To fix it, correct
    the month (usually a year after the approval), or remove `next_review` if the document
    gives none.
    """
    revision = file.revision
    if revision.next_review is None:
        return
    year, month = (int(part) for part in revision.next_review.split("-"))
    if (year, month) <= (revision.revision.year, revision.revision.month):
        yield Finding(
            f"found the next review {revision.next_review}, not after the committee approval {revision.key}; expected a later month",
            at=("next_review",),
        )


@rule("history-order", reads=PolicyFile)
def check_history_order(file: PolicyFile) -> Iterator[Finding]:
    """A summary of changes not newest first, or committee approval dates not oldest first (or listed twice).

    Lint compares each date of the history in `policy.yaml` with the one before it, in the
    order the published document prints them. To fix it, put the entries in that order, or
    correct the mistyped date.
    """
    summaries = file.policy.history.change_summaries
    for index in range(1, len(summaries)):
        if summaries[index].date >= summaries[index - 1].date:
            yield Finding(
                f"found {summaries[index].date} after {summaries[index - 1].date}; expected the summary of changes newest first",
                at=("history", "change_summaries", index, "date"),
            )
    approvals = file.policy.history.committee_approval_dates
    for index in range(1, len(approvals)):
        if approvals[index] <= approvals[index - 1]:
            yield Finding(
                f"found {approvals[index]} after {approvals[index - 1]}; expected committee approval dates oldest first, each once",
                at=("history", "committee_approval_dates", index),
            )


@rule("related-policy-missing", reads=RevisionFile)
def check_related_policies(file: RevisionFile) -> Iterator[Finding]:
    """A related policy that is not in the knowledge base, so the site cannot link to it.

    Lint looks the number up among the policies in `policy_data/`. The policy is shown without
    a link until its data is added; the warning goes away then. A mistyped number is fixed in
    the revision file.
    """
    known = {policy.number for policy in file.library.policies}
    for g_index, group in enumerate(file.revision.related_policies):
        for p_index, related in enumerate(group.policies):
            if related.number not in known:
                yield Finding(
                    f"found the related policy {related.number} ({related.title}), which is not in the knowledge base; "
                    "expected its data under policy_data/ (until then it is shown without a link)",
                    at=("related_policies", g_index, "policies", p_index, "number"),
                )


@rule("reference-not-cited", reads=RevisionFile)
def check_uncited_references(file: RevisionFile) -> Iterator[Finding]:
    """References that no supportive literature paragraph or professional guideline cites.

    One warning per revision lists every such reference. Published documents often list
    references they do not cite in the text: the warning is a reminder to link each one from
    the paragraph or guideline that relies on it (its `cites`), not an error; a reference the
    document lists but never uses stays, as printed.
    """
    revision = file.revision
    cited = {c for p in revision.supportive_literature for c in p.cites}
    cited |= {c for g in revision.professional_guidelines for c in g.cites}
    uncited = [reference.id for reference in revision.references if reference.id not in cited]
    if uncited:
        yield Finding(
            f"found {len(uncited)} of {len(revision.references)} references cited by no literature paragraph or "
            f"guideline: {', '.join(uncited)}; expected each reference to be cited (in `cites`) or removed",
            at=("references",),
        )


@rule("draft-change-summary", reads=RevisionFile)
def check_draft_change_summary(file: RevisionFile) -> Iterator[Finding]:
    """A draft revision whose `change_summary` is still empty.

    `policykb revise` writes the draft with `change_summary: []`, and `policykb publish`
    refuses a draft without a summary of changes, so lint reminds about it first. To fix it,
    write the summary of changes, one bullet per line.
    """
    revision = file.revision
    if revision.status is RevisionStatus.DRAFT and not revision.change_summary:
        yield Finding(
            f"found draft {revision.key} with an empty change_summary; expected the summary of changes (one bullet per line) before `policykb publish`",
            at=("change_summary",) if revision.change_summary is not None else ("status",),
        )


@rule("flag-without-statement", reads=RevisionFile)
def check_flags_point_to_statements(file: RevisionFile) -> Iterator[Finding]:
    """A code whose flag points to no statement of its revision, e.g. NMN beside a code while no statement is *not medically necessary*.

    A flag points to the statements whose determination is its meaning (NMN:
    `not_medically_necessary`, E/I: `investigational`), as in the code index; with none, the
    code index cannot say which statement decides the code. To fix it, correct the flag, or
    the determination of the statement it should point to.
    """
    determinations = {statement.determination for statement in file.revision.statements}
    for system, table in file.revision.codes.tables():
        for index, entry in enumerate(table.entries):
            for flag in entry.flags:
                wanted = FLAG_DETERMINATIONS.get(flag)
                if wanted is not None and wanted not in determinations:
                    yield Finding(
                        f"found the flag {flag.value} beside {entry.display}, but no statement of this revision is {wanted.label}; "
                        "expected a statement the flag points to (or a different flag)",
                        at=("codes", system.value, "entries", index, "flags"),
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


@rule("code-listed-twice", reads=RevisionFile)
def check_codes_listed_twice(file: RevisionFile) -> Iterator[Finding]:
    """A code listed twice in one revision's table with different flags: twice by itself, or by itself and inside an ICD-10-CM range (e.g. C71.3 flagged NMN beside the unflagged C71.0-C71.9).

    Lint compares the flags of every code of each table entry (ICD-10-CM ranges expanded to
    their billable codes; CPT and HCPCS ranges by their ends), with one warning per later
    entry that disagrees with an earlier one. A claims system reading the code index would
    find two answers for the code. To fix it, list the code once, or give both entries the
    same flags.
    """
    for system, table in file.revision.codes.tables():
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
                yield Finding(
                    f"found {code} listed as {entry.display} with {_flags_text(flags)}, and as {where} with {_flags_text(other)}"
                    f"{f' ({len(clashes)} codes in all)' if len(clashes) > 1 else ''}; expected one listing per code, or the same flags",
                    at=("codes", system.value, "entries", index),
                )


@rule("heading-typo", reads=SourceFile)
def check_source_headings(file: SourceFile) -> Iterator[Finding]:
    """A misspelt section heading in the published source text.

    Headings are not stored in the data (the site prints its own), so the check reads
    `policy_data/<number>/source/*.txt`: a line in capitals that is close to a known heading
    (`KNOWN_HEADINGS`, listed on the lint page; similarity at least 0.85) but not one of them, e.g.
    `RELATED POLICIE(S)` for `RELATED POLICIES`. The source text is kept as published, so
    the warning is for the policy's owner, whose next edition can correct it.
    """
    try:
        lines = file.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return  # sources are reference material; validation does not depend on them
    for number, line in enumerate(lines, start=1):
        heading = line.strip()
        if not _HEADING_LINE.match(heading) or heading in KNOWN_HEADINGS:
            continue
        close = difflib.get_close_matches(heading, KNOWN_HEADINGS, n=1, cutoff=HEADING_SIMILARITY)
        if close:
            yield Finding(f"found the heading {heading!r}; expected {close[0]!r}", line=number, column=line.index(heading) + 1)


#: Every lint rule, in the order they are declared (and described on the authors' page).
RULES: tuple[LintRule, ...] = tuple(_RULES)  # type: ignore[type-arg]


# --- Running them ---------------------------------------------------------------------------


def lint_files(library: Library, data_dir: Path) -> Iterator[LintTarget]:
    """The files of a validated library that lint reads: each policy's `policy.yaml`, revisions and source texts."""
    root = data_dir.parent
    for policy in library.policies:
        folder = data_dir / policy.number
        identity = load_yaml_file(folder / "policy.yaml", root)
        if isinstance(identity, LoadedDocument):
            yield PolicyFile(library, policy, identity)
        for revision in policy.revisions:
            document = load_yaml_file(folder / "revisions" / f"{revision.key}.yaml", root)
            if isinstance(document, LoadedDocument):  # always, for a library that validated
                yield RevisionFile(library, policy, document, revision)
        for source in sorted((folder / "source").glob("*.txt")):
            yield SourceFile(source, root)


def lint_library(library: Library, data_dir: Path) -> list[Diagnostic]:
    """Every lint warning of a validated library whose data is in `data_dir`, sorted."""
    warnings: list[Diagnostic] = []
    for file in lint_files(library, data_dir):
        for lint_rule in RULES:
            if isinstance(file, lint_rule.reads):
                warnings += lint_rule.run(file)
    return sorted(warnings, key=sort_key)
