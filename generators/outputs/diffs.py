"""Render revision diffs: a JSON file and a "what changed" page per consecutive pair, and terminal text.

Layout (relative to the site root, see `generators.urls`):

- `api/v1/policies/<number>/diffs/<old>..<new>.json` for every pair of consecutive revisions,
  and its JSON Schema `api/v1/schema/diff.schema.json`;
- `policies/<number>/diffs/<old>..<new>/index.html`, a finished HTML page published outside
  MkDocs in the site's look (`generators.outputs.standalone`): summary first, then the
  redline, with insertions and deletions marked by `<ins>`/`<del>`, CSS classes and visible
  text markers (`[+ ... +]`, `[- ... -]`), so it reads without colour and in print;
- `DIFF_CSS_PATH`, the page's stylesheet (also listed in `extra_css`).

All functions are pure; `generators.build.write` writes their output.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files as package_files
from typing import TYPE_CHECKING

from pydantic import Field

from generators import urls
from generators.domain.diff import (
    Change,
    ChangeKind,
    RevisionDiff,
    consecutive_pairs,
    diff_revisions,
    readable_value,
    reading_order,
    section_label,
)
from generators.domain.change_path import ChangePath, Step
from generators.domain.lifecycle import PolicyTimeline
from generators.model import IsoDate, Library, Policy, Revision, RevisionStatus
from generators.text import to_plain
from generators.outputs.templating import TerminalCode, render_terminal
from generators.outputs.json_api import ApiDocument, ApiVersion, PolicyRef, dump_model, readable_json, schema_of
from generators.outputs.look import SiteLook
from generators.outputs.standalone import DIFF_CSS_PATH, policy_breadcrumb, render_standalone_page

#: The look of pages rendered without a configuration (`mkdocs.yml`): the neutral defaults.
DEFAULT_LOOK = SiteLook()

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext


class DiffLinks(ApiDocument):
    """Where to find this diff; null when no file or page is published for this pair."""

    json_url: str | None = Field(description="This diff as JSON (published for consecutive revisions).")
    html_url: str | None = Field(description="This diff as a web page (published for consecutive revisions).")


class RevisionEnd(ApiDocument):
    """One side of the comparison."""

    revision: IsoDate = Field(description="The revision's ID (committee approval date).")
    status: RevisionStatus
    effective_date: IsoDate | None
    json_url: str = Field(description="The revision's JSON file.")
    html_url: str = Field(description="The revision's page.")


class DiffDocument(ApiDocument):
    """`api/v1/policies/<number>/diffs/<old>..<new>.json`: what changed between two revisions."""

    api_version: ApiVersion
    schema_url: str
    policy: PolicyRef
    old: RevisionEnd = Field(description="The revision compared from.")
    new: RevisionEnd = Field(description="The revision compared to.")
    summary: list[str] = Field(description="What changed, in plain sentences.")
    change_count: int = Field(description="Number of changes.")
    changes: list[Change] = Field(description="Every change, by section in document order.")
    links: DiffLinks


def is_published_pair(policy: Policy, old: Revision, new: Revision) -> bool:
    """True when the build publishes a diff (JSON and page) for `old` -> `new`: consecutive revisions."""
    return any(a.key == old.key and b.key == new.key for a, b in consecutive_pairs(policy))


def diff_document(timeline: PolicyTimeline, diff: RevisionDiff) -> DiffDocument:
    """The JSON document of a diff of two revisions of the timeline's policy (any two, either order)."""
    policy = timeline.policy
    published = is_published_pair(policy, diff.old, diff.new)

    def end(revision: Revision) -> RevisionEnd:
        return RevisionEnd(
            revision=revision.revision,
            status=revision.status,
            effective_date=revision.effective_date,
            json_url=urls.api_revision(policy.number, revision.key),
            html_url=timeline.page_url(revision),
        )

    return DiffDocument(
        api_version=urls.API_VERSION,
        schema_url=urls.api_schema("diff"),
        policy=PolicyRef(number=policy.number, title=policy.title, category=policy.category, json_url=urls.api_policy(policy.number)),
        old=end(diff.old),
        new=end(diff.new),
        summary=diff.summary(),
        change_count=len(diff.changes),
        changes=list(diff.changes),
        links=DiffLinks(
            json_url=urls.api_diff(policy.number, diff.old.key, diff.new.key) if published else None,
            html_url=urls.page_diff(policy.number, diff.old.key, diff.new.key) if published else None,
        ),
    )


def diff_json(timeline: PolicyTimeline, diff: RevisionDiff) -> bytes:
    """The diff as the bytes of its JSON file."""
    return dump_model(diff_document(timeline, diff))


def render_diff_api(library: Library, as_of: date) -> dict[str, bytes]:
    """One JSON file per consecutive pair of stored revisions, and the diff schema."""
    rendered: dict[str, bytes] = {urls.api_schema("diff"): readable_json(schema_of("diff", DiffDocument))}
    for policy in library.policies:
        timeline = PolicyTimeline(policy, as_of)
        for old, new in consecutive_pairs(policy):
            rendered[urls.api_diff(policy.number, old.key, new.key)] = diff_json(timeline, diff_revisions(old, new))
    return dict(sorted(rendered.items()))


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class ChangeView:
    """A change as the page and terminal show it: its record and a readable place."""

    change: Change
    place: str

    @property
    def css(self) -> str:
        """`added`, `removed` or `changed`: the CSS modifier and the text badge."""
        if self.change.kind.is_addition:
            return "added"
        if self.change.kind.is_removal:
            return "removed"
        return "changed"

    @property
    def what(self) -> str:
        """What happened, in words: `Code flags changed`; a date or detail just `changed` (its place names it)."""
        return "changed" if self.change.kind is ChangeKind.METADATA_CHANGED else self.change.kind.value

    @property
    def values(self) -> tuple[str, str]:
        """Old and new as text, for changes without a word diff (numbers, flags, dates long-form)."""

        def show(value: str | list[str] | None) -> str:
            if self.change.kind is ChangeKind.METADATA_CHANGED:
                return readable_value(self.change.path, value if isinstance(value, str) else None)
            if value is None:
                return "none"
            if isinstance(value, list):
                return ", ".join(value) or "none"
            return value.replace("_", " ") if self.change.kind is ChangeKind.STATEMENT_DETERMINATION_CHANGED else value

        return show(self.change.old), show(self.change.new)

    @property
    def segments(self) -> list[tuple[str, str]]:
        """The word diff as (op, text) pairs, line breaks as spaces: a redline is one paragraph."""
        return [(segment.op, segment.text.replace("\n", " ")) for segment in self.change.words or ()]


@dataclass(frozen=True)
class SectionView:
    """The changes of one section of the policy, in document order."""

    title: str
    changes: list[ChangeView]

    @property
    def anchor(self) -> str:
        """The id of the section's heading: `policy-statements`, `cpt-codes`."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")


def _ordinal(item: Step) -> str:
    """`[1]` -> `paragraph 2`; `[1->2]` -> `paragraph 3 (was 2)`: positions counted from 1 for readers."""
    if item.new_key is None:
        return f"paragraph {int(item.key) + 1}"  # type: ignore[arg-type]
    return f"paragraph {int(item.new_key) + 1} (was {int(item.key) + 1})"  # type: ignore[arg-type]


def _place(diff: RevisionDiff, change: Change) -> str:
    """Where a change is, in the words of the printed policy: `Statement III`, `CPT 0611T`..."""
    path = change.path
    section = path.section
    item = path.first_item
    key = item.key_text if item is not None else None
    label = section_label(section)
    if change.kind is ChangeKind.METADATA_CHANGED:
        return str(path).replace("_", " ").capitalize()
    if section == "statements" and key is not None:
        statement = diff.new_items.statements.get(key) or diff.old_items.statements.get(key)
        place = f"Statement {statement.number}" if statement else key
        criterion = path.item_of("criteria")
        if criterion is not None:
            place += f", criterion {criterion.key_text}"
        return place
    if section.startswith("codes."):
        system = label.removesuffix(" codes")
        if item is not None and section in ("codes.cpt", "codes.hcpcs", "codes.icd10cm"):
            return f"{system} {item.key}" if item.new_key is None else f"{system} {item.key} → {item.new_key}"
        if path.leaf == "copyright":
            return f"{system} copyright line"
        if path.leaf == "not_applicable":
            return f"{label} table"
        if section == "codes.legend" and key is not None:
            return f"Flag legend {key}"
        return f"{label}, {_ordinal(item)}" if item is not None else label
    if section == "references" and key is not None:
        reference = diff.new_items.references.get(key) or diff.old_items.references.get(key)
        return f"Reference {to_plain(reference.text).split('. ', 1)[0]}" if reference else f"Reference {key}"
    if section == "professional_guidelines" and key is not None:
        guideline = diff.new_items.guidelines.get(key) or diff.old_items.guidelines.get(key)
        place = f"Professional guideline {guideline.body if guideline else key}"
        point = path.item_of("points")
        if point is not None:
            place += ", bullet " + _ordinal(point).removeprefix("paragraph ")
        return place
    if section == "related_policies" and key is not None:
        return f"Related policy {key}"
    if path.steps[0].key is not None:  # a paragraph (or term) of a section that is a list
        noun = "term" if section == "search_terms" else "paragraph"
        return f"{label}, {_ordinal(path.steps[0]).replace('paragraph', noun)}"
    if len(path.steps) > 1:
        return f"{label}, {str(ChangePath(path.steps[1:])).replace('_', ' ')}"
    return label


def sections(diff: RevisionDiff) -> list[SectionView]:
    """The changes grouped by section in reading order (`diff.reading_order`): coverage, then text, then details."""
    grouped: dict[str, list[ChangeView]] = {}
    order: dict[str, int] = {}
    for change in diff.changes:
        section = change.path.section
        title = section_label(section)
        order.setdefault(title, reading_order(section))
        grouped.setdefault(title, []).append(ChangeView(change, _place(diff, change)))
    return [SectionView(title, views) for title, views in sorted(grouped.items(), key=lambda item: order[item[0]])]


def diff_page(timeline: PolicyTimeline, diff: RevisionDiff, look: SiteLook = DEFAULT_LOOK, preview: bool = False) -> str:
    """The "what changed" page of two revisions: a finished HTML page (see `render_standalone_page`) in the plan's `look`, bannered in a `preview` with drafts."""
    policy = timeline.policy
    here = urls.page_diff(policy.number, diff.old.key, diff.new.key)
    return render_standalone_page(
        "diff/page.html",
        here,
        policy_breadcrumb(policy),
        {
            "policy": policy,
            "diff": diff,
            "summary": diff.summary(),
            "sections": sections(diff),
            "link_policy": urls.page_policy(policy.number),
            "link_history": urls.page_history(policy.number),
            "link_old": timeline.page_url(diff.old),
            "link_new": timeline.page_url(diff.new),
            "link_json": urls.api_diff(policy.number, diff.old.key, diff.new.key),
            "old_state": timeline.state(diff.old),
            "new_state": timeline.state(diff.new),
            "shown": timeline.shown,
        },
        look=look,
        as_of=timeline.as_of,
        preview=preview,
    )


def render_diff_pages(library: Library, as_of: date, look: SiteLook = DEFAULT_LOOK) -> dict[str, str]:
    """The "what changed" page (HTML) of each consecutive pair, keyed by its path in the site."""
    pages: dict[str, str] = {}
    for policy in library.policies:
        timeline = PolicyTimeline(policy, as_of)
        for old, new in consecutive_pairs(policy):
            pages[urls.page_html(urls.page_diff(policy.number, old.key, new.key))] = diff_page(timeline, diff_revisions(old, new), look)
    return dict(sorted(pages.items()))


def render_policy_diffs(timeline: PolicyTimeline, look: SiteLook = DEFAULT_LOOK, preview: bool = False) -> dict[str, bytes | str]:
    """One policy's diff JSON files and "what changed" pages (in the plan's `look`; bannered in a `preview` with drafts), each diff computed once.

    The same files as `render_diff_api` (without the schema) and `render_diff_pages` give for
    this policy; a build that publishes both uses this, so no pair is compared twice.
    """
    policy = timeline.policy
    files: dict[str, bytes | str] = {}
    for old, new in consecutive_pairs(policy):
        diff = diff_revisions(old, new)
        files[urls.api_diff(policy.number, old.key, new.key)] = diff_json(timeline, diff)
        files[urls.page_html(urls.page_diff(policy.number, old.key, new.key))] = diff_page(timeline, diff, look, preview)
    return files


def render_diff_schema() -> dict[str, bytes]:
    """The diff files' JSON Schema, keyed by its path."""
    return {urls.api_schema("diff"): readable_json(schema_of("diff", DiffDocument))}


def diff_stylesheet() -> str:
    """The stylesheet of the diff pages (ins/del markers that read without colour and in print)."""
    return package_files("generators.outputs").joinpath("templates/diff/diff.css").read_text(encoding="utf-8")


def render_diff_assets() -> dict[str, str]:
    """The diff pages' stylesheet, keyed by its path in `content/` (`DIFF_CSS_PATH`)."""
    return {DIFF_CSS_PATH: diff_stylesheet()}


class DiffFormat:
    """The revision diffs as an output format (`generators.outputs.registry`).

    A policy's files are its diff JSON files and "what changed" pages (`render_policy_diffs`);
    it has no part; the library files are fixed: the diff schema and the pages' stylesheet.
    """

    name = "diffs"
    libraries = ("pydantic", "jinja2")

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """The policy's diff files and pages."""
        return render_policy_diffs(policy.timeline, policy.site.look, policy.site.drafts)

    def policy_part(self, policy: PolicyInput) -> None:
        """Nothing: the library files depend on no policy."""
        return None

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """The diff schema and stylesheet."""
        files: dict[str, bytes | str] = {**render_diff_schema(), **render_diff_assets()}
        return {path: content for path, content in files.items() if only is None or path in only}

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        """None."""
        return ()


# --------------------------------------------------------------------------- terminal


@dataclass(frozen=True)
class Palette:
    """ANSI escapes for the terminal; all empty when the output is not a terminal."""

    insert: str = ""
    delete: str = ""
    heading: str = ""
    dim: str = ""
    reset: str = ""


COLOUR = Palette(
    insert=TerminalCode("\x1b[32m"),
    delete=TerminalCode("\x1b[31m"),
    heading=TerminalCode("\x1b[1m"),
    dim=TerminalCode("\x1b[2m"),
    reset=TerminalCode("\x1b[0m"),
)
NO_COLOUR = Palette()


def diff_text(policy: Policy, diff: RevisionDiff, colour: bool = False) -> str:
    """The diff for a terminal: summary, then every change with +/- markers (colour optional)."""
    return render_terminal(
        "terminal/diff.txt.j2",
        policy=policy,
        diff=diff,
        summary=diff.summary(),
        sections=sections(diff),
        c=COLOUR if colour else NO_COLOUR,
    )
