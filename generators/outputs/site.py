"""Render the provider-facing site: Markdown page sources for MkDocs Material (or a successor).

Pages are rendered policy by policy, so a worker can render one policy alone:

- `render_policy_pages(policy, site)`: a policy's page, its revision history and its archived
  revision pages, from the policy and a small picklable `SiteContext` (the set of policy
  numbers, the hand-written files);
- `render_library_pages(listings, site)`: home, the policy list and downloads, from one
  `PolicyListing` per policy (`policy_listing(policy)`);
- `render_site_pages(library)`: both, for the whole library.

Pages are keyed by their path under the docs folder (`policies/6.01.03/index.md`). Archived
revision pages are finished HTML (`index.html`) published outside MkDocs
(`generators.outputs.standalone`); the others are Markdown with HTML blocks. The thin
MkDocs adapter (`generators.adapters.mkdocs_hook`) adds them as virtual files and `policykb pages`
writes them to a folder. Nothing here knows about MkDocs: the pages are Jinja2 templates of
`generators/outputs/templates/site/`, Markdown with HTML blocks (`md_in_html`).

Text from the data only ever reaches a page through the `html` filter (escaped, plus the
inline markup of `generators.text`) and always inside an HTML block, where Markdown does not
parse it: a `[link](javascript:...)` or `_underscores_` in the data stays text.

Links between pages are written relative to the linking page, so the site works from any
folder and over `file://`. A link never dangles: a "what changed" link is written for each
consecutive pair of revisions, whose diff page the diff stage always publishes
(`render.diffs.is_published_pair`); the code lookup is linked only when its hand-written page
is there. The data files the downloads page links to are always published with the site.

Pieces that depend on their data alone are rendered once and reused (same bytes, less work):
a policy's distinct statements (revisions repeat most of them), section headings and ICD-10-CM
range listings (`PageFragments`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import astuple, dataclass
from datetime import date
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from generators.domain import icd10
from generators import urls
from generators.domain.lifecycle import PolicyTimeline
from generators.model import CodeEntry, CodeSystem, Determination, Library, Policy, Revision, RevisionStatus, Statement, policy_sort_key
from generators.text import long_date, to_attribute, to_plain
from generators.outputs.templating import environment, render_template
from generators.outputs.diffs import is_published_pair
from generators.outputs.json_api import PolicySummary, policy_api_part, readable_json
from generators.outputs.look import SiteLook
from generators.outputs.standalone import policy_breadcrumb, relative_url, render_standalone_page

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput

TEMPLATES = "site"


@dataclass(frozen=True)
class DeterminationStyle:
    """How a determination looks: a CSS modifier, a glyph that survives black-and-white print."""

    css: str
    glyph: str


DETERMINATION_STYLES: dict[Determination, DeterminationStyle] = {
    Determination.MEDICALLY_APPROPRIATE: DeterminationStyle("appropriate", "✓"),
    Determination.MEDICALLY_NECESSARY: DeterminationStyle("appropriate", "✓"),
    Determination.NOT_MEDICALLY_NECESSARY: DeterminationStyle("not-necessary", "✕"),
    Determination.INVESTIGATIONAL: DeterminationStyle("investigational", "?"),
    Determination.COSMETIC: DeterminationStyle("not-necessary", "✕"),
    Determination.NOT_COVERED: DeterminationStyle("not-necessary", "✕"),
}


@dataclass(frozen=True)
class RangeExpansion:
    """The billable ICD-10-CM codes of a range entry, or why they could not be listed."""

    members: tuple[icd10.IcdCode, ...]
    problem: str | None = None


def meta_title(text: str) -> Markup:
    """A page title or description for front matter: a YAML string of attribute-safe text.

    The theme prints front-matter values unescaped into the header, into `<title>` and into
    `<meta name="description" content="...">`: the value must be safe in a quoted attribute
    (`to_attribute`: one line, `&`, `"` and `'` escaped), and it must not hold `<` or `>` at
    all (they are shown as ‹ and ›); the page's own heading shows the exact text.
    """
    safe = str(to_attribute(text)).replace("&lt;", "‹").replace("&gt;", "›")
    return Markup(json.dumps(safe, ensure_ascii=False))


def _expand_icd10_range(range_start: str, range_end: str) -> RangeExpansion:
    try:
        return RangeExpansion(icd10.expand_range(range_start, range_end))
    except icd10.RangeError as error:
        return RangeExpansion((), str(error))


@dataclass(frozen=True)
class SiteContext:
    """What a policy's pages need to know about the rest of the site: plain, picklable data.

    A worker process renders one policy's pages from its `Policy` and this context alone.
    """

    #: Numbers of every policy with pages in this build (a related policy is linked only when
    #: present): a policy of drafts only is not, unless the build is a preview (`drafts`).
    policy_numbers: frozenset[str]
    #: The date the site is built for: which revision is in effect, which are upcoming.
    as_of: date
    #: Paths of the hand-written files of the docs folder (`lookup.md`), which pages may link to.
    hand_written: frozenset[str] = frozenset()
    #: True for a preview that shows draft revisions (`policykb build --drafts`, `mkdocs serve`)
    #: of data that has some: its pages say DRAFT PREVIEW.
    drafts: bool = False
    #: The plan's look (`mkdocs.yml`): the standalone pages' header and footer, the related-policy note.
    look: SiteLook = SiteLook()

    @classmethod
    def of(cls, library: Library, as_of: date, hand_written: Collection[str] = (), drafts: bool = False, look: SiteLook | None = None) -> SiteContext:
        """The context of `library` built for `as_of` beside the hand-written files `hand_written`.

        A preview (`drafts`) is one only when the library has a draft to show (as `build_tree` decides).
        """
        drafts = drafts and any(r.status is RevisionStatus.DRAFT for p in library.policies for r in p.revisions)
        shown = library if drafts else library.without_drafts()
        return cls(policy_numbers=frozenset(p.number for p in shown.policies), as_of=as_of, hand_written=frozenset(hand_written), drafts=drafts, look=look or SiteLook())


@dataclass(frozen=True)
class UpcomingChange:
    """An upcoming revision as the library's Upcoming changes page lists it: plain, picklable."""

    revision: str
    effective_date: str
    changes: tuple[str, ...]
    page_url: str
    diff_url: str | None


@dataclass(frozen=True)
class PolicyListing:
    """A policy as the library-wide pages list it (home, policy list, downloads): picklable."""

    summary: PolicySummary
    #: Keys (approval dates) of the stored revisions, oldest first.
    revision_keys: tuple[str, ...]
    #: How many committee approvals the policy's history lists.
    approval_count: int
    #: Its upcoming revisions, soonest first.
    upcoming: tuple[UpcomingChange, ...] = ()
    #: Keys of its draft revisions (a preview shows them; a published build has none).
    drafts: tuple[str, ...] = ()

    @property
    def number(self) -> str:
        """The policy number."""
        return self.summary.number

    @property
    def title(self) -> str:
        """The policy title."""
        return self.summary.title

    @property
    def approved_keys(self) -> tuple[str, ...]:
        """Keys of the stored revisions but drafts, oldest first: each has its FHIR ValueSet by version."""
        return tuple(key for key in self.revision_keys if key not in self.drafts)

    @property
    def diff_pairs(self) -> list[tuple[str, str]]:
        """(older, newer) keys of each consecutive pair of stored revisions, oldest first."""
        return list(zip(self.revision_keys, self.revision_keys[1:], strict=False))


def policy_listing(timeline: PolicyTimeline, summary: PolicySummary | None = None) -> PolicyListing:
    """The listing of the timeline's policy for `render_library_pages`; `summary` is its `policy_api_part`'s, when the caller has it."""
    policy = timeline.policy
    return PolicyListing(
        summary=summary if summary is not None else policy_api_part(timeline).summary,
        revision_keys=tuple(r.key for r in policy.revisions),
        approval_count=len(policy.history.committee_approval_dates),
        upcoming=tuple(_upcoming_change(timeline, revision) for revision in timeline.upcoming),
        drafts=tuple(r.key for r in policy.revisions if r.status is RevisionStatus.DRAFT),
    )


#: How many recently changed policies the home page lists: the home page stays small at any library size.
HOME_RECENT = 10
#: How many upcoming changes the home page lists (the Upcoming changes page lists them all).
HOME_UPCOMING = 10


@dataclass(frozen=True)
class PolicyGroup:
    """The policies of one section of the numbering (`6.01` for 6.01.03), as the policy list groups them."""

    section: str
    summaries: tuple[PolicySummary, ...]

    @property
    def anchor(self) -> str:
        """The id of the group on the policy list: `section-6-01`."""
        return "section-" + self.section.replace(".", "-")


def policy_section(number: str) -> str:
    """The section of a policy number, its first two parts: `6.01` for 6.01.03."""
    return number.rsplit(".", 1)[0]


def policy_groups(summaries: list[PolicySummary]) -> list[PolicyGroup]:
    """`summaries` (in policy-number order) grouped by section, in the same order."""
    groups: dict[str, list[PolicySummary]] = {}
    for summary in summaries:
        groups.setdefault(policy_section(summary.number), []).append(summary)
    return [PolicyGroup(section, tuple(members)) for section, members in groups.items()]


def recent_changes(summaries: list[PolicySummary], count: int = HOME_RECENT) -> list[PolicySummary]:
    """The `count` policies with the newest entries in their summary of changes, newest first (then by number)."""
    changed = sorted((s for s in summaries if s.last_change), key=lambda s: policy_sort_key(s.number))
    return sorted(changed, key=lambda s: s.last_change, reverse=True)[:count]  # type: ignore[arg-type, return-value]


def _upcoming_change(timeline: PolicyTimeline, revision: Revision) -> UpcomingChange:
    policy = timeline.policy
    index = policy.revisions.index(revision)
    previous = policy.revisions[index - 1] if index > 0 else None
    return UpcomingChange(
        revision=revision.key,
        effective_date=timeline.start(revision).isoformat(),
        changes=tuple(to_plain(change) for entry in policy.history.change_summaries if entry.date == revision.revision for change in entry.changes),
        page_url=timeline.page_url(revision),
        diff_url=_diff_url(policy, previous, revision) if previous is not None else None,
    )


class _PageContext:
    """What every template gets: the page's own URL and a way to link from it."""

    def __init__(self, site: SiteContext, page_url: str, html_page: bool = False) -> None:
        self.site = site
        self.page_url = page_url
        #: True for a finished HTML page, False for Markdown that MkDocs renders.
        self.html_page = html_page

    def href(self, target: str) -> str:
        """Link from this page to `target` (relative to the site root)."""
        return relative_url(self.page_url, target)

    def is_hand_written(self, page_url: str) -> bool:
        """True when the page with this URL is a hand-written file (as `u/index.md` or `u.md`)."""
        return bool({urls.page_source(page_url), f"{page_url.rstrip('/')}.md"} & self.site.hand_written)

    def as_dict(self) -> dict[str, object]:
        return {
            "page_url": self.page_url,
            "href": self.href,
            "is_hand_written": self.is_hand_written,
            "urls": urls,
            "determination_style": DETERMINATION_STYLES.__getitem__,
            "meta_title": meta_title,
            "code_systems": CodeSystem,
            "html_page": self.html_page,
            "as_of": self.site.as_of,
            "drafts": self.site.drafts,
            "related_policy_note": self.site.look.related_policy_note,
        }


def _diff_url(policy: Policy, older: Revision, newer: Revision) -> str | None:
    """The "what changed" page of two revisions, None unless they are a published pair.

    The diff stage publishes a page for each consecutive pair of stored revisions
    (`render.diffs.consecutive_pairs`), so the policy alone says which pages exist.
    """
    if not is_published_pair(policy, older, newer):
        return None
    return urls.page_diff(policy.number, older.key, newer.key)


class PageFragments:
    """Pieces of a policy's pages that depend on their data alone, each rendered once (same bytes).

    - A policy's statements (`site/_statement.md`), once per distinct statement for all its
      pages: revisions repeat most statements word for word, and a criteria tree is the
      largest part of a page. Keyed by the statement's JSON.
    - Section headings (`site/_heading.md`), the same few on every page, and ICD-10-CM range
      listings (`site/_icd10_range.md`), which may hold hundreds of codes and recur revision
      after revision: once per process, for as long as their template is unchanged (templates
      are looked up once per policy, so `mkdocs serve` still shows an edited template).
    """

    def __init__(self) -> None:
        env = environment()
        self._statement_macro = env.get_template(f"{TEMPLATES}/_statement.md").module.statement  # type: ignore[attr-defined]
        self._heading_template = env.get_template(f"{TEMPLATES}/_heading.md")
        self._range_template = env.get_template(f"{TEMPLATES}/_icd10_range.md")
        self._statements: dict[str, Markup] = {}

    def statement(self, statement: Statement) -> Markup:
        """The `<li>` of `statement`, with its criteria tree."""
        key = statement.model_dump_json()
        html = self._statements.get(key)
        if html is None:
            html = self._statements[key] = self._statement_macro(statement, DETERMINATION_STYLES[statement.determination])
        return html

    def heading(self, level: int, title: str, anchor: str, *, html_page: bool) -> Markup:
        """A section heading: Markdown for MkDocs pages, HTML for the finished ones."""
        return _section_heading(self._heading_template, level, title, anchor, html_page)

    def icd10_range_details(self, entry: CodeEntry[str]) -> Markup:
        """The `<details>` listing the billable codes of an ICD-10-CM range entry."""
        return _icd10_range_details(self._range_template, str(entry.range_start), str(entry.range_end))


# Process-wide, keyed by the template too: a template edited under `mkdocs serve` is a new one.
@lru_cache(maxsize=256)
def _section_heading(template: jinja2.Template, level: int, title: str, anchor: str, html_page: bool) -> Markup:
    return Markup(template.render(level=level, title=title, id=anchor, html_page=html_page))


@lru_cache(maxsize=1 << 12)
def _icd10_range_details(template: jinja2.Template, range_start: str, range_end: str) -> Markup:
    # The code set is fixed for the process.
    expansion = _expand_icd10_range(range_start, range_end)
    return Markup(template.render(display=f"{range_start}-{range_end}", expansion=expansion, icd10_release=icd10.CODE_SET_RELEASE))


def _revision_context(timeline: PolicyTimeline, revision: Revision, site: SiteContext, context: _PageContext, fragments: PageFragments) -> dict[str, object]:
    """What the policy page and a revision's own page both show, with the revision's body (`site/_revision.md`)."""
    policy = timeline.policy
    index = policy.revisions.index(revision)
    previous = policy.revisions[index - 1] if index > 0 else None
    following = policy.revisions[index + 1] if index + 1 < len(policy.revisions) else None
    numbers = {reference.id: position for position, reference in enumerate(revision.references, start=1)}
    shown = {
        **context.as_dict(),
        "policy": policy,
        "revision": revision,
        "timeline": timeline,
        "state": timeline.state(revision),
        "shown": timeline.shown,
        "upcoming": [_upcoming_change(timeline, r) for r in timeline.upcoming if r is not revision],
        "retirement": timeline.retirement,
        "review_overdue": timeline.review_overdue(revision),
        "window": timeline.window_of(revision),
        "previous": previous,
        "diff_url": _diff_url(policy, previous, revision) if previous is not None else None,
        "following": following,
        "next_diff_url": _diff_url(policy, revision, following) if following is not None else None,
        "reference_numbers": numbers,
        "history": policy.history.until(revision.revision),
        "statement_html": fragments.statement,
        "heading": partial(fragments.heading, html_page=context.html_page),
        "icd10_range_details": fragments.icd10_range_details,
        "is_known_policy": site.policy_numbers.__contains__,
        "flag_meaning": {entry.flag: entry.meaning for entry in revision.codes.legend}.get,
    }
    # The body is rendered on its own and placed into its page (the same bytes as including
    # it): included, each of its thousand pieces went up through every template of the page.
    return {**shown, "revision_body": Markup(_render("_revision.md", **shown))}


def _timeline_data(timeline: PolicyTimeline, context: _PageContext) -> dict[str, object]:
    """The policy's windows for the page's script (date of service, notices after the build day): plain JSON data."""
    policy = timeline.policy
    revisions = {r.revision: r for r in policy.revisions}
    return {
        "as_of": timeline.as_of.isoformat(),
        "policy": policy.number,
        "windows": [
            {
                "revision": w.revision.isoformat(),
                "approved": long_date(w.revision),
                "start": w.start.isoformat(),
                "start_long": long_date(w.start),
                "end": w.end.isoformat() if w.end else None,
                "start_basis": w.start_basis.value,
                "in_effect": w.in_effect,
                "href": context.href(timeline.page_url(revisions[w.revision])),
            }
            for w in timeline.windows
        ],
        "retirements": [{"retired": r.retired.isoformat(), "reinstated": r.reinstated.isoformat() if r.reinstated else None} for r in policy.retirements],
    }


def _history_rows(timeline: PolicyTimeline) -> list[dict[str, object]]:
    """Stored revisions, newest first, with their state and their page, JSON and diff links."""
    policy = timeline.policy
    rows = []
    for index, revision in enumerate(policy.revisions):
        previous = policy.revisions[index - 1] if index > 0 else None
        rows.append(
            {
                "revision": revision,
                "state": timeline.state(revision),
                "is_shown": revision is timeline.shown,
                "page_url": timeline.page_url(revision),
                "json_url": urls.api_revision(policy.number, revision.key),
                "previous": previous,
                "diff_url": _diff_url(policy, previous, revision) if previous is not None else None,
            }
        )
    return rows[::-1]


def _history_context(timeline: PolicyTimeline, context: _PageContext) -> dict[str, object]:
    """What the revision history shows: the stored revisions, and the page of each by its approval date."""
    policy = timeline.policy
    stored_pages = {revision.revision: timeline.page_url(revision) for revision in policy.revisions}
    return {**context.as_dict(), "policy": policy, "timeline": timeline, "rows": _history_rows(timeline), "stored_pages": stored_pages}


def _render(name: str, **context: object) -> str:
    return render_template(f"{TEMPLATES}/{name}", **context)


def _download_example(first: PolicySummary) -> str:
    """A real entry of `index.json`, shortened to the first policy, as the downloads example."""
    excerpt = {"api_version": urls.API_VERSION, "schema_url": urls.api_schema("index"), "policies": [first.model_dump(mode="json")]}
    return readable_json(excerpt).decode("utf-8")


def _page(page_url: str, template: str, site: SiteContext, build: Callable[[_PageContext], dict[str, object]]) -> tuple[str, str]:
    context = _PageContext(site, page_url)
    return urls.page_source(page_url), _render(template, **build(context))


def render_policy_pages(timeline: PolicyTimeline, site: SiteContext) -> dict[str, str]:
    """One policy's pages: its page and revision history (Markdown for MkDocs) and a page of each other revision.

    The policy page shows `timeline.shown` (the revision in effect on the as-of date); every
    other revision (upcoming, superseded, a draft in a preview) has its own page of finished
    HTML (`policies/<n>/revisions/<date>/index.html`) published outside MkDocs
    (`generators.outputs.standalone`), bannered with its state. Every page the policy has under
    a former number (`PolicyTimeline.former_addresses`) is a page that leads to the same page now.

    Depends on nothing but `policy` and `site`, so policies render independently (one worker
    each); links to the policy's "what changed" pages follow its consecutive revision pairs.

    Returns:
        Page sources keyed by their path under the docs folder, in a stable order.
    """
    policy = timeline.policy
    number = policy.number
    fragments = PageFragments()
    pages = dict(
        [
            _page(urls.page_policy(number), "policy.md", site, lambda c: {**_revision_context(timeline, timeline.shown, site, c, fragments), "timeline_data": _timeline_data(timeline, c)}),
            _page(urls.page_history(number), "history.md", site, lambda c: _history_context(timeline, c)),
        ]
    )
    for revision in policy.revisions:
        if revision is timeline.shown:
            continue
        page_url = urls.page_revision(number, revision.key)
        context = _revision_context(timeline, revision, site, _PageContext(site, page_url, html_page=True), fragments)
        pages[urls.page_html(page_url)] = render_standalone_page("site/revision.html", page_url, policy_breadcrumb(policy), context, look=site.look, as_of=site.as_of, preview=site.drafts)
    for address in timeline.former_addresses():
        page_url = address.former_page
        context = {**_PageContext(site, page_url, html_page=True).as_dict(), "policy": policy, "address": address}
        pages[urls.page_html(page_url)] = render_standalone_page("site/moved.html", page_url, policy_breadcrumb(policy), context, look=site.look, as_of=site.as_of, preview=site.drafts)
    return dict(sorted(pages.items()))


def render_library_pages(listings: list[PolicyListing], site: SiteContext) -> dict[str, str]:
    """The pages about the whole library: home, the policy list, downloads.

    The home page holds a bounded number of entries at any library size (`HOME_RECENT`,
    `HOME_UPCOMING`) and links to the policy list, which lists every policy grouped by section
    (`policy_groups`) with a filter (`content/assets/javascripts/policy-filter.js`).

    Args:
        listings: Every policy's `policy_listing`, in policy-number order.
        site: The site context (for the link to the hand-written code lookup).

    Returns:
        Markdown sources keyed by their path under the docs folder, in a stable order.
    """
    summaries = [listing.summary for listing in listings]
    active = [summary for summary in summaries if summary.status != "retired"]
    retired = [summary for summary in summaries if summary.status == "retired"]
    upcoming = sorted(
        ((listing, change) for listing in listings for change in listing.upcoming),
        key=lambda item: (item[1].effective_date, policy_sort_key(item[0].number)),
    )
    pages = dict(
        [
            _page(
                urls.page_home(),
                "home.md",
                site,
                lambda c: {**c.as_dict(), "recent": recent_changes(active), "upcoming": upcoming, "upcoming_shown": HOME_UPCOMING, "policy_count": len(active)},
            ),
            _page(
                urls.page_policies(),
                "policies.md",
                site,
                lambda c: {**c.as_dict(), "groups": policy_groups(active), "categories": sorted({s.category for s in active}), "retired": retired, "policies": listings},
            ),
            _page(urls.page_upcoming(), "upcoming.md", site, lambda c: {**c.as_dict(), "upcoming": upcoming}),
            _page(urls.page_downloads(), "downloads.md", site, lambda c: {**c.as_dict(), "policies": listings, "example": _download_example(summaries[0])}),
        ]
    )
    return dict(sorted(pages.items()))


def render_site_pages(library: Library, as_of: date, published: Collection[str] = frozenset(), look: SiteLook | None = None) -> dict[str, str]:
    """Every generated page of the site: `render_library_pages` and each policy's `render_policy_pages`.

    Args:
        library: The validated knowledge base.
        as_of: The date the site is built for.
        published: Paths of the hand-written files of the docs folder, or of every other
            output of the build: the code lookup page is linked only when it is among them.
        look: The plan's look (`generators.outputs.look`); None: the neutral defaults.

    Returns:
        Page sources keyed by their path under the docs folder, in a stable order: Markdown
        for MkDocs (`policies/6.01.03/index.md`), finished HTML for archived revisions
        (`policies/6.01.03/revisions/2025-01-23/index.html`).
    """
    site = SiteContext.of(library, as_of, published, look=look)
    timelines = [PolicyTimeline(p, as_of) for p in sorted(library.policies, key=lambda p: policy_sort_key(p.number))]
    pages = render_library_pages([policy_listing(t) for t in timelines], site)
    for timeline in timelines:
        pages.update(render_policy_pages(timeline, site))
    return dict(sorted(pages.items()))


def listing_to_plain(listing: PolicyListing) -> tuple[object, ...]:
    """A policy's listing as plain values (for `marshal`)."""
    upcoming = tuple(astuple(change) for change in listing.upcoming)
    return (listing.summary.model_dump_json().encode(), listing.revision_keys, listing.approval_count, upcoming, listing.drafts)


def listing_from_plain(plain: tuple[Any, ...]) -> PolicyListing:
    """The listing from `listing_to_plain`'s values."""
    summary, revision_keys, approval_count, upcoming, drafts = plain
    return PolicyListing(
        summary=PolicySummary.model_validate_json(summary, strict=True),
        revision_keys=tuple(revision_keys),
        approval_count=int(approval_count),
        upcoming=tuple(UpcomingChange(revision, effective, tuple(changes), page, diff) for revision, effective, changes, page, diff in upcoming),
        drafts=tuple(drafts),
    )


class SitePagesFormat:
    """The site's pages as an output format (`generators.outputs.registry`).

    A policy's files are its pages (`render_policy_pages`: Markdown for MkDocs, finished HTML
    for its other revisions); its part, its `PolicyListing` (plain); the library files, the
    home, policy list, upcoming changes and downloads pages.
    """

    name = "site"
    libraries = ("jinja2", "mkdocs-material")

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """The policy's pages."""
        return dict(render_policy_pages(policy.timeline, policy.site))

    def policy_part(self, policy: PolicyInput) -> tuple[object, ...]:
        """Its listing, as `listing_to_plain` gives it."""
        return listing_to_plain(policy_listing(policy.timeline, policy.once(policy_api_part).summary))

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """The library pages."""
        pages = render_library_pages([listing_from_plain(part) for part in parts], site)  # type: ignore[arg-type]
        return {path: content for path, content in pages.items() if only is None or path in only}

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        """Every library page: each lists every policy."""
        return tuple(urls.page_source(page) for page in (urls.page_home(), urls.page_policies(), urls.page_upcoming(), urls.page_downloads()))
