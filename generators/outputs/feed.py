"""The Atom feed of policy revisions, `feed.xml`: an output format (`generators.outputs.registry`).

An entry per stored revision (RFC 4287), newest first, linking to its page, its JSON and the
diff from the revision before, with its summary of changes. A policy's part is its entries,
rendered in a worker (`templates/feed/entry.xml`), and its newest timestamp; the feed only
sorts and joins them. Dates come from the data, never the clock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from generators import urls
from generators.domain.lifecycle import PolicyTimeline, RevisionState
from generators.model import Library, Revision, RevisionStatus, policy_sort_key
from generators.outputs.json_api import PUBLISHER
from generators.outputs.templating import render_template
from generators.text import to_plain

if TYPE_CHECKING:
    from generators.outputs.registry import PolicyInput
    from generators.outputs.site import SiteContext

#: An entry's place in the feed (newest first, then by policy number) and its XML.
FeedItem = tuple[tuple[int, ...], bytes]


@dataclass(frozen=True)
class FeedEntry:
    """What the Atom template needs of one revision."""

    id: str
    title: str
    published: str
    updated: str
    page_href: str
    json_href: str
    diff_href: str | None
    previous: str | None
    status: str
    summary: str


def _timestamp(revision: Revision) -> str:
    return f"{revision.last_updated.isoformat()}T00:00:00Z"


def _entry_summary(timeline: PolicyTimeline, revision: Revision) -> str:
    policy = timeline.policy
    changes = [to_plain(change) for entry in policy.history.change_summaries if entry.date == revision.revision for change in entry.changes]
    parts = changes or ["No summary of changes is recorded for this date."]
    if timeline.state(revision) is RevisionState.UPCOMING:
        parts.append(f"Takes effect on {timeline.start(revision).isoformat()}; until then the previous revision applies.")
    elif revision.effective_date is not None:
        parts.append(f"Effective {revision.effective_date.isoformat()}.")
    else:
        parts.append("Effective date not known.")
    if revision.status is RevisionStatus.RECONSTRUCTED:
        parts.append("This revision's text is reconstructed from a later one; see its provenance.")
    parts += [f"Corrected on {c.date.isoformat()}: {to_plain(c.what)} ({to_plain(c.why)})" for c in revision.corrections]
    return " ".join(parts)


def policy_feed_entries(timeline: PolicyTimeline) -> list[tuple[tuple[int, ...], FeedEntry]]:
    """One entry per stored revision of the policy, each with its place in the feed: newest first, then by policy number."""
    policy = timeline.policy
    entries = []
    previous: Revision | None = None
    for revision in policy.revisions:
        page = timeline.page_url(revision)
        entry = FeedEntry(
            id=f"urn:policykb:policy:{policy.number}:revision:{revision.key}",
            title=f"{policy.number} {to_plain(policy.title)}: revision {revision.key}",
            published=f"{revision.key}T00:00:00Z",
            updated=_timestamp(revision),
            page_href=page,
            json_href=urls.api_revision(policy.number, revision.key),
            diff_href=urls.page_diff(policy.number, previous.key, revision.key) if previous is not None else None,
            previous=previous.key if previous is not None else None,
            status=revision.status.value,
            summary=_entry_summary(timeline, revision),
        )
        entries.append(((-revision.revision.toordinal(), *policy_sort_key(policy.number)), entry))
        previous = revision
    return entries


def feed_part(timeline: PolicyTimeline) -> tuple[tuple[FeedItem, ...], str]:
    """What the timeline's policy adds to the feed: its entries, rendered, each with its place; and its newest entry's timestamp."""
    entries = tuple((key, render_template("feed/entry.xml", entry=entry).encode("utf-8")) for key, entry in policy_feed_entries(timeline))
    return entries, max(_timestamp(revision) for revision in timeline.policy.revisions)


def _feed_head(updated: str) -> bytes:
    feed = {
        "id": "urn:policykb:feed:revisions",
        "title": "Medical policy revisions",
        "subtitle": "Each new revision of a medical policy, its summary of changes and what changed.",
        "updated": updated,
        "author": PUBLISHER,
        "self_href": urls.feed_atom(),
        "home_href": "./",
    }
    return render_template("feed/head.xml", feed=feed).encode("utf-8")


def assemble_feed(entries: Iterable[Iterable[FeedItem]], updated: Iterable[str]) -> bytes:
    """The Atom feed of policy revisions (RFC 4287) from each policy's entries and newest timestamp (`feed_part`): the head, every entry newest first, the end."""
    ordered = sorted((entry for policy_entries in entries for entry in policy_entries), key=lambda entry: entry[0])
    return _feed_head(max(updated)) + b"".join(xml for _, xml in ordered) + b"</feed>\n"


def render_feed(library: Library, as_of: date) -> dict[str, bytes]:
    """`feed.xml` as of `as_of`, keyed by its path relative to the site root."""
    parts = [feed_part(PolicyTimeline(policy, as_of)) for policy in library.policies]
    return {urls.feed_atom(): assemble_feed([entries for entries, _ in parts], [updated for _, updated in parts])}


class FeedFormat:
    """The Atom feed as an output format: a policy's part is its entries and newest timestamp (`feed_part`); the library file, `feed.xml`."""

    name = "feed"
    libraries = ("jinja2",)

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        """None: the feed combines policies."""
        return {}

    def policy_part(self, policy: PolicyInput) -> tuple[tuple[FeedItem, ...], str]:
        """Its entries, rendered, and its newest timestamp."""
        return feed_part(policy.timeline)

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        """`feed.xml` (unless `only` leaves it out)."""
        if only is not None and urls.feed_atom() not in only:
            return {}
        return {urls.feed_atom(): assemble_feed([part[0] for part in parts], [part[1] for part in parts])}  # type: ignore[index]

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        """`feed.xml`."""
        return (urls.feed_atom(),)
