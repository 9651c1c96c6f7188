"""Stage 2, validate: the data folder to typed models, collecting every `Diagnostic`.

`load_library(folder)` reads `policy_data/<number>/policy.yaml` and
`policy_data/<number>/revisions/<YYYY-MM-DD>.yaml` for every policy, validates each file into
the models of `generators.model`, then checks what a model alone cannot: unique IDs, citations
that resolve, code formats and range order, file names that match their contents, effective
dates not before approval, and stable IDs that keep naming the same statement from one
revision to the next. All problems of a run are reported together in one `PolicyDataError`.
"""

from __future__ import annotations

import gc
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generators.load.codeset_check import check_icd10_codes
from generators.errors import Diagnostic, PolicyDataError, display_path
from generators.load.yaml_files import FieldPath, LoadedDocument, load_yaml_file, parse_yaml, read_regular_file
from generators.model import (
    POLICY_NUMBER,
    Library,
    Policy,
    PolicyIdentity,
    Revision,
    RevisionStatus,
    policy_sort_key,
)
from generators.text import to_plain

_REVISION_FILE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\.yaml\Z", re.ASCII)

#: Extra checks on a validated revision (e.g. the ICD-10-CM code set); each yields diagnostics.
RevisionCheck = Callable[[Revision, LoadedDocument], Iterable[Diagnostic]]
extra_revision_checks: list[RevisionCheck] = []


def register_revision_check(check: RevisionCheck) -> RevisionCheck:
    """Add a check run on every validated revision (used as a decorator)."""
    extra_revision_checks.append(check)
    return check


# --------------------------------------------------------------------------- pydantic errors


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the text {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str] | None:
    """The field names allowed at `loc` (for "unknown field" messages), when they can be found."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _inner_model(annotation: Any) -> Any:
    """The model class inside `X | None`, `list[X]` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _message(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, str]:
    kind = error["type"]
    loc = tuple(error["loc"])
    found = error.get("input")
    if kind == "missing":
        return f"missing required field {loc[-1]!r}; expected it to be given", "missing-field"
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        expected = f"one of: {', '.join(allowed)}" if allowed else "only the documented fields"
        return f"found the unknown field {loc[-1]!r}; expected {expected}", "unknown-field"
    text = error["msg"]
    if text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    if text.startswith("found"):
        return text, "invalid-value"
    if kind == "string_pattern_mismatch":
        return f"found {_describe(found)}; expected text matching the pattern {error['ctx']['pattern']}", "invalid-value"
    if kind == "too_short":
        return f"found {_describe(found)} of {error['ctx']['actual_length']} items; expected at least {error['ctx']['min_length']}", "invalid-value"
    # pydantic says "Input should be X"; our messages say "found ...; expected X".
    expected = text.replace("Input should be ", "").replace("valid array", "list").replace("valid dictionary", "mapping").replace("an object", "a mapping")
    if expected == text and text.startswith("expected"):
        return f"found {_describe(found)}; {text}", "invalid-value"
    if expected == text:
        expected = f"a valid value: {text[0].lower()}{text[1:]}"
    if kind == "enum":
        return f"found {_describe(found)}; expected {expected}", "not-in-closed-set"
    if kind.endswith("_type") or kind in {"model_type", "model_attributes_type", "list_type", "dict_type"}:
        hint = " (quote it in YAML)" if kind == "string_type" and isinstance(found, int) else ""
        return f"found {_describe(found)}; expected {expected}{hint}", "wrong-type"
    return f"found {_describe(found)}; expected {expected}", "invalid-value"


def validate_document(document: LoadedDocument, model: type[BaseModel]) -> tuple[Any, list[Diagnostic]]:
    """Validate a loaded YAML document into `model`; return (instance or None, diagnostics)."""
    if not isinstance(document.data, dict):
        return None, [document.diagnostic((), f"found {_describe(document.data)} at the top of the file; expected a mapping", "wrong-type")]
    try:
        # Strict JSON-mode validation: enums and dates from their text forms, nothing coerced.
        return model.model_validate_json(json.dumps(document.data), strict=True), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            message, code = _message(error, model)
            problems.append(document.diagnostic(loc, message, code))
        return None, problems


# --------------------------------------------------------------------------- revision checks


def _duplicates(items: Iterable[tuple[FieldPath, str]], what: str, document: LoadedDocument) -> list[Diagnostic]:
    items = list(items)
    counts = Counter(value for _, value in items)
    return [
        document.diagnostic(path, f"found the {what} {value!r} more than once; expected each {what} once", "duplicate-id")
        for path, value in items
        if counts[value] > 1
    ]


def _roman(number: int) -> str:
    numerals = [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out


def check_revision(revision: Revision, document: LoadedDocument) -> list[Diagnostic]:
    """What the model cannot check alone: IDs, numbering, citations, codes, file name."""
    problems: list[Diagnostic] = []
    expected_name = f"{revision.key}.yaml"
    if document.path.name != expected_name:
        problems.append(
            document.diagnostic(("revision",), f"found revision {revision.key} in {document.path.name}; expected the file to be named {expected_name}", "file-name")
        )

    problems += _duplicates(((("statements", i, "id"), s.id) for i, s in enumerate(revision.statements)), "statement ID", document)
    for index, statement in enumerate(revision.statements):
        expected_number = _roman(index + 1)
        if statement.number != expected_number:
            problems.append(
                document.diagnostic(("statements", index, "number"), f"found number {statement.number}; expected {expected_number} (statements are numbered in order)", "numbering")
            )
    criteria = (
        (("statements", s_index, *placed.field_path, "id"), placed.criterion.id)
        for s_index, statement in enumerate(revision.statements)
        for placed in statement.iter_criteria()
    )
    problems += _duplicates(criteria, "criterion ID", document)

    problems += _duplicates(((("references", i, "id"), r.id) for i, r in enumerate(revision.references)), "reference ID", document)
    problems += _duplicates(((("professional_guidelines", i, "id"), g.id) for i, g in enumerate(revision.professional_guidelines)), "guideline ID", document)
    known_references = {r.id for r in revision.references}
    citing = [("supportive_literature", i, p.cites) for i, p in enumerate(revision.supportive_literature)]
    citing += [("professional_guidelines", i, g.cites) for i, g in enumerate(revision.professional_guidelines)]
    for section, index, cites in citing:
        for c_index, cited in enumerate(cites):
            if cited not in known_references:
                problems.append(
                    document.diagnostic(
                        (section, index, "cites", c_index),
                        f"found a citation of {cited!r}, which is not in references; expected one of: {', '.join(sorted(known_references)) or '(no references)'}",
                        "unknown-reference",
                    )
                )

    legend = {entry.flag for entry in revision.codes.legend}
    statement_ids = [statement.id for statement in revision.statements]
    for system, table in revision.codes.tables():
        seen: Counter[str] = Counter(entry.display for entry in table.entries)
        for e_index, entry in enumerate(table.entries):
            base: FieldPath = ("codes", system.value, "entries", e_index)
            if seen[entry.display] > 1:
                problems.append(document.diagnostic(base, f"found {entry.display} more than once in the {system.title} table; expected each code once", "duplicate-code"))
            for f_index, flag in enumerate(entry.flags):
                if flag not in legend:
                    problems.append(
                        document.diagnostic(base + ("flags", f_index), f"found the flag {flag.value}, which the legend does not explain; expected a legend entry for it in codes.legend", "flag-without-legend")
                    )
            for s_index, statement_id in enumerate(entry.statements):
                if statement_id not in statement_ids:
                    problems.append(
                        document.diagnostic(
                            base + ("statements", s_index),
                            f"found the statement {statement_id!r}, which is not a statement of this revision; expected one of: {', '.join(statement_ids)}",
                            "unknown-reference",
                        )
                    )
    if revision.effective_date is not None and revision.effective_date < revision.revision and not revision.effective_before_approval_allowed:
        problems.append(
            document.diagnostic(
                ("effective_date",),
                f"found the effective date {revision.effective_date}, before the committee approval {revision.key}; "
                "expected a date on or after the approval (set effective_before_approval_allowed: true for a retroactive policy)",
                "effective-before-approval",
            )
        )
    if revision.provenance is not None and revision.provenance.derived_from is not None and revision.provenance.derived_from <= revision.revision:
        problems.append(
            document.diagnostic(("provenance", "derived_from"), f"found {revision.provenance.derived_from}; expected a later revision than {revision.key} to reconstruct from", "provenance")
        )
    for check in extra_revision_checks:
        try:
            problems += list(check(revision, document))
        except Exception as exc:  # noqa: BLE001 - a failing check must still give a located report
            problems.append(
                document.diagnostic(
                    (),
                    f"found data the check {check.__name__} could not handle ({type(exc).__name__}: {exc}); "
                    "expected a report, not a failure (a bug in policykb: please report it)",
                    "check-failed",
                )
            )
    return problems


# --------------------------------------------------------------------------- across revisions

#: Words that say *what is decided* rather than *about what*; a statement keeps its ID when
#: its determination changes, so these are left out when comparing what two statements cover.
_DETERMINATION_WORDS = frozenset(
    "considered medically necessary appropriate investigational experimental cosmetic covered not "
    "the and for all any other when are is be of to in or with".split()
)


@lru_cache(maxsize=1 << 14)
def scope_words(text: str) -> frozenset[str]:
    """The significant words of a statement or criterion: what it is about."""
    words = re.findall(r"[a-z0-9]+", to_plain(text).lower())
    return frozenset(word for word in words if len(word) > 2 and word not in _DETERMINATION_WORDS)


def scope_overlap(old_text: str, new_text: str) -> float:
    """Jaccard overlap of the scope words of two texts: 1.0 the same subject, 0.0 none shared."""
    old_words, new_words = scope_words(old_text), scope_words(new_text)
    if not old_words and not new_words:
        return 1.0
    return len(old_words & new_words) / len(old_words | new_words)


#: A statement whose determination changed keeps its ID only while it covers the same ground.
SAME_STATEMENT_OVERLAP = 0.5
#: Below this overlap two texts are about different things, whatever their determination.
DIFFERENT_SUBJECT_OVERLAP = 0.2


def _stable_items(revision: Revision) -> dict[str, tuple[FieldPath, str, Any]]:
    """Every statement and criterion by stable ID: (field path, text, determination or None)."""
    found: dict[str, tuple[FieldPath, str, Any]] = {}
    for s_index, statement in enumerate(revision.statements):
        found.setdefault(statement.id, (("statements", s_index, "id"), statement.text, statement.determination))
        for placed in statement.iter_criteria():
            found.setdefault(placed.criterion.id, (("statements", s_index, *placed.field_path, "id"), placed.criterion.text, None))
    return found


def check_stable_ids(older: tuple[Revision, LoadedDocument], newer: tuple[Revision, LoadedDocument]) -> list[Diagnostic]:
    """A stable ID must name the same statement or criterion in consecutive revisions.

    The diff matches statements by ID, so an ID reused for something else would show an
    unrelated statement as "changed" instead of one removed and one added. An ID counts as
    reused when the texts share less than `DIFFERENT_SUBJECT_OVERLAP` of their scope words, or,
    for a statement whose determination changed, less than `SAME_STATEMENT_OVERLAP`.
    """
    (old_revision, old_document), (new_revision, new_document) = older, newer
    old_items, new_items = _stable_items(old_revision), _stable_items(new_revision)
    problems: list[Diagnostic] = []
    for item_id, (path, new_text, new_determination) in new_items.items():
        if item_id not in old_items:
            continue
        old_path, old_text, old_determination = old_items[item_id]
        if old_text == new_text:  # most items of an annual review: the same subject by definition
            continue
        overlap = scope_overlap(old_text, new_text)
        changed_determination = new_determination is not None and old_determination is not None and new_determination != old_determination
        if overlap >= DIFFERENT_SUBJECT_OVERLAP and not (changed_determination and overlap < SAME_STATEMENT_OVERLAP):
            continue
        where = old_document.locate(old_path)
        old_place = f"{old_document.name}:{where[0]}" if where else old_document.name
        kind = "statement" if new_determination is not None else "criterion"
        what = f"the determination changed from {old_determination.value} to {new_determination.value} and " if changed_determination else ""
        problems.append(
            new_document.diagnostic(
                path,
                f"found the {kind} ID {item_id!r} reused for a different {kind}: {what}the text shares "
                f"{overlap:.0%} of its words with {item_id!r} in {old_place}; expected a new ID for a new {kind}",
                "reused-id",
            )
        )
    return problems


# --------------------------------------------------------------------------- policy and library


def load_policy(folder: Path, root: Path | None = None) -> tuple[Policy | None, list[Diagnostic]]:
    """Load and validate one policy folder; return (policy or None, diagnostics)."""
    problems: list[Diagnostic] = []
    folder_name = display_path(folder, root)
    if not POLICY_NUMBER.match(folder.name):
        return None, [Diagnostic(file=folder_name, message=f"found the folder {folder.name!r}; expected a folder named by a policy number such as 6.01.03 (ASCII digits, nothing else)", code="folder-name")]
    identity_file = folder / "policy.yaml"
    if not os.path.lexists(identity_file):  # anything else there (a directory, a device) is reported by the loader
        return None, [Diagnostic(file=display_path(identity_file, root), message="missing policy.yaml; expected the policy's identity and history in it", code="missing-file")]
    loaded = load_yaml_file(identity_file, root)
    identity = None
    identity_doc = None
    if isinstance(loaded, list):
        problems += loaded
    else:
        identity_doc = loaded
        identity, found = validate_document(loaded, PolicyIdentity)
        problems += found
        if identity is not None and identity.number != folder.name:
            problems.append(loaded.diagnostic(("number",), f"found number {identity.number!r} in folder {folder.name!r}; expected the folder to be named by the policy number", "folder-name"))

    revisions: list[Revision] = []
    documents: dict[str, LoadedDocument] = {}
    revision_dir = folder / "revisions"
    files = sorted(revision_dir.glob("*")) if revision_dir.is_dir() else []
    if not files:
        problems.append(Diagnostic(file=display_path(revision_dir, root), message="found no revision files; expected at least one revisions/YYYY-MM-DD.yaml", code="missing-file"))
    for path in files:
        if not _REVISION_FILE.match(path.name):
            problems.append(Diagnostic(file=display_path(path, root), message=f"found {path.name!r}; expected revision files named YYYY-MM-DD.yaml", code="file-name"))
            continue
        document = load_yaml_file(path, root)
        if isinstance(document, list):
            problems += document
            continue
        revision, found = validate_document(document, Revision)
        problems += found
        if revision is not None:
            problems += check_revision(revision, document)
            # A draft is not approved yet: `policykb publish` adds its date to the history.
            approved = revision.status is not RevisionStatus.DRAFT
            if approved and identity is not None and identity_doc is not None and revision.revision not in identity.history.committee_approval_dates:
                problems.append(
                    document.diagnostic(("revision",), f"found revision {revision.key}, which is not among the committee approval dates in policy.yaml; expected one of those dates", "unknown-revision")
                )
            revisions.append(revision)
            documents[revision.key] = document

    revisions.sort(key=lambda r: r.revision)
    for older, newer in zip(revisions, revisions[1:]):
        problems += check_stable_ids((older, documents[older.key]), (newer, documents[newer.key]))
    if problems or identity is None:
        return None, problems
    # Every field of policy.yaml is a field of the policy: a new one reaches it without a line here.
    policy = Policy(**dict(identity), revisions=revisions)
    return policy, []


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk load, then restore it.

    Loading a library makes millions of small container objects (nodes, dicts, models) that
    live on. Each full pass of the cyclic collector walks all of them, and the passes come
    more often as the heap grows: at 1,000 policies that was half the time of loading. None
    of these objects form reference cycles, so reference counting frees what is dropped while
    the collector sleeps; it is switched back on (as it was) afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_library(data_dir: Path, on_policy: Callable[[int, int], None] | None = None) -> Library:
    """Load and validate every policy under `data_dir`; raise `PolicyDataError` with all problems.

    Args:
        data_dir: The folder of policy folders.
        on_policy: Called with (policies done, policies in all) after each policy, e.g. to
            show progress.
    """
    with cyclic_gc_paused():
        return _load_library(data_dir, on_policy)


def policy_folders(data_dir: Path) -> list[Path]:
    """The policy folders of a data folder, in name order; `PolicyDataError` if it is missing."""
    if not data_dir.is_dir():
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message="the data folder does not exist; expected a folder of policies", code="missing-file")])
    return sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


#: A revision file's top-level `status:` line, as authors write it (`status: draft  # comment`).
_STATUS_LINE = re.compile(r"^status:[ \t]*([\"']?)([a-z]+)\1[ \t]*(?:#[^\n]*)?\r?(?=\n|\Z)", re.MULTILINE | re.ASCII)


def revision_file_status(path: Path) -> RevisionStatus | None:
    """A revision file's `status`, read without validating the file; None when it has no valid one.

    Only a regular file is read (`read_regular_file`: never a FIFO or a device), once. Its
    top-level `status:` line is searched for; a file written otherwise (flow style, a tag) is
    parsed as YAML. Cheap: a build reads it for every policy before rendering any
    (`has_published_revision`).
    """
    raw = read_regular_file(path, path.as_posix())
    if isinstance(raw, list):
        return None
    found = _STATUS_LINE.search(raw.decode("utf-8", errors="replace"))
    if found is not None:
        status: object = found.group(2)
    else:
        try:
            document = parse_yaml(raw.decode("utf-8").removeprefix("\ufeff"), path.as_posix(), path)
        except UnicodeDecodeError:
            return None
        status = document.data.get("status") if not isinstance(document, list) and isinstance(document.data, dict) else None
    return RevisionStatus(status) if isinstance(status, str) and status in RevisionStatus._value2member_map_ else None


def has_published_revision(folder: Path) -> bool:
    """True when a policy folder holds a revision that is not a draft: the policy has pages in a published build.

    A folder of drafts only publishes nothing (`Policy.without_drafts`): a related policy's link
    to it would lead nowhere. A revision file without a valid status counts as published (the
    build reports the file's problem and publishes nothing anyway).
    """
    files = _revision_files(folder)
    return not files or any(_counts_as_published(revision_file_status(path)) for path in reversed(files))


def has_draft_revision(folder: Path) -> bool:
    """True when a policy folder holds a draft revision: a preview build (`--drafts`) has one to show, and says so on every page."""
    return any(revision_file_status(path) is RevisionStatus.DRAFT for path in reversed(_revision_files(folder)))


def _revision_files(folder: Path) -> list[Path]:
    """The revision files of a policy folder (named `YYYY-MM-DD.yaml`), oldest first."""
    revision_dir = folder / "revisions"
    return sorted(p for p in revision_dir.glob("*") if _REVISION_FILE.match(p.name)) if revision_dir.is_dir() else []


def former_number_clashes(folders: Iterable[Path], root: Path | None = None) -> list[Diagnostic]:
    """A former number that another policy has now, or lists as its former number too: one located error each.

    A former number's pages and JSON files lead to the policy that lists it (`former_numbers`
    in `policy.yaml`), so the number must belong to no other policy: two policies would publish
    files at the same addresses. Checked across the library before a build renders anything;
    cheap, as only the `policy.yaml` files that mention `former_numbers` are parsed.
    """
    claims: dict[str, list[tuple[str, LoadedDocument, int]]] = {}
    numbers = {folder.name for folder in folders}
    for folder in sorted(folders):
        identity_file = folder / "policy.yaml"
        raw = read_regular_file(identity_file, identity_file.as_posix()) if identity_file.is_file() else []
        if isinstance(raw, list) or b"former_numbers" not in raw:
            continue  # a file that cannot be read is reported by its policy's validation
        document = load_yaml_file(identity_file, root)
        formers = document.data.get("former_numbers") if not isinstance(document, list) and isinstance(document.data, dict) else None
        if not isinstance(document, list) and isinstance(formers, list):
            for index, former in enumerate(formers):
                claims.setdefault(str(former), []).append((folder.name, document, index))
    problems: list[Diagnostic] = []
    for former, claimants in sorted(claims.items()):
        for number, document, index in claimants:
            others = sorted({other for other, _, _ in claimants if other != number} | ({former} if former in numbers and former != number else set()))
            if others:
                problems.append(document.diagnostic(
                    ("former_numbers", index),
                    f"found the former number {former}, which policy {', '.join(others)} also publishes under; expected a number no other policy has or had (correct the mistyped number, or keep it in one policy)",
                    "former-number-taken",
                ))
    return problems


def _counts_as_published(status: RevisionStatus | None) -> bool:
    return status is None or status.is_published


def _load_library(data_dir: Path, on_policy: Callable[[int, int], None] | None) -> Library:
    policies: list[Policy] = []
    problems: list[Diagnostic] = []
    folders = policy_folders(data_dir)
    for done, folder in enumerate(folders, start=1):
        policy, found = load_policy(folder, data_dir.parent)
        problems += found
        if policy is not None:
            policies.append(policy)
        if on_policy is not None:
            on_policy(done, len(folders))
    problems += former_number_clashes(folders, data_dir.parent)
    if problems:
        raise PolicyDataError(problems)
    if not policies:
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message="found no policies; expected at least one policy folder", code="missing-file")])
    policies.sort(key=lambda p: policy_sort_key(p.number))
    return Library(policies=policies)


# The official ICD-10-CM code set is checked on every load, not only when a caller asks.
register_revision_check(check_icd10_codes)
