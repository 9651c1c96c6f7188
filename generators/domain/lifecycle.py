"""Time and lifecycle: the state of each revision on a date, and which revision each page shows.

The words, the same in the code, the pages, the JSON and the command line:

- **approved**: a revision is approved on its committee date, which identifies it;
- **upcoming**: approved, but its effective date is after the as-of date: the previous
  revision still applies until then;
- **in effect**: its window (`generators.domain.timeline`) holds the as-of date;
- **superseded**: it was in effect, and a later revision took over;
- **never in effect**: a later revision took effect on or before its own start;
- **retired**: it was the revision in effect when the policy was retired, and the policy
  is retired on the as-of date;
- **draft**: authored as `status: draft`: under committee review, validated and
  previewable, never published (`Policy.without_drafts`).

A build is made for one date, its *as-of* date (`policykb build --as-of`, default today): the
same data and the same date give the same bytes. `PolicyTimeline` is the one place that says
which revision is in effect, which are upcoming, and which revision the policy page shows;
every output asks it (`page_url`) where a revision is read, and (`former_addresses`) where
each page and file of a renumbered policy was under its former numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from functools import cached_property
from typing import Literal

from generators import urls
from generators.domain.diff import consecutive_pairs
from generators.model import Policy, Retirement, Revision, RevisionStatus
from generators.domain.timeline import Window, windows


class RevisionState(str, Enum):
    """Where a revision stands on the as-of date of a build."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    IN_EFFECT = "in_effect"
    SUPERSEDED = "superseded"
    NEVER_IN_EFFECT = "never_in_effect"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        """The words on pages and in the terminal: `in effect`, `upcoming`, ..."""
        return self.value.replace("_", " ")

    @property
    def reading_order(self) -> int:
        """Where revisions in this state come in a list for readers: what applies first, then what comes, then the past.

        The code lookup page orders its listings the same way (`STATE_ORDER` in `lookup.js`).
        """
        return _READING_ORDER.index(self)


_READING_ORDER = (
    RevisionState.IN_EFFECT,
    RevisionState.UPCOMING,
    RevisionState.SUPERSEDED,
    RevisionState.RETIRED,
    RevisionState.NEVER_IN_EFFECT,
    RevisionState.DRAFT,
)


def today_utc() -> date:
    """Today's date in UTC: the default as-of date of a build."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class FormerAddress:
    """A page of a policy (and its JSON file, if it has one) under a former number, and the same page and file now.

    A static host cannot redirect: the site publishes a page at `former_page` that leads to
    `page` (`site/moved.html`), and the API an alias document at `former_file` that names
    `file` (`generators.outputs.json_api.AliasDocument`).

    Attributes:
        former_number: The number the policy was published under.
        kind: What the page is: the policy page, its revision history, a revision's page, a diff.
        former_page: Its URL under the former number.
        page: The same page's URL now (for a revision, where `PolicyTimeline.page_url` reads it).
        former_file: Its JSON file under the former number (None: the history has no file).
        file: The same JSON file now.
    """

    former_number: str
    kind: Literal["policy", "history", "revision", "diff"]
    former_page: str
    page: str
    former_file: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class PolicyTimeline:
    """A policy seen on one date: each revision's state, and which revision each page shows.

    Immutable: what it derives (the revision in effect, the upcoming ones, the one shown) is
    computed once per timeline, however many pages and files ask.

    Attributes:
        policy: The policy (with its drafts, in a preview build).
        as_of: The date the build is made for.
        windows: The windows in effect of its approved revisions (`generators.domain.timeline.windows`).
    """

    policy: Policy
    as_of: date
    windows: tuple[Window, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(windows(self.policy)))

    # ---------------------------------------------------------------- states

    def state(self, revision: Revision) -> RevisionState:
        """The state of `revision` on the as-of date."""
        if revision.status is RevisionStatus.DRAFT:
            return RevisionState.DRAFT
        own = [w for w in self.windows if w.revision == revision.revision]
        if not any(w.in_effect for w in own):
            return RevisionState.NEVER_IN_EFFECT
        if any(w.contains(self.as_of) for w in own):
            return RevisionState.IN_EFFECT
        if min(w.start for w in own) > self.as_of:
            return RevisionState.UPCOMING
        if revision is self._retired_with:
            return RevisionState.RETIRED
        return RevisionState.SUPERSEDED

    @cached_property
    def in_effect(self) -> Revision | None:
        """The revision in effect on the as-of date (None before the first one, or while retired)."""
        window = next((w for w in self.windows if w.contains(self.as_of)), None)
        return self.policy.revision(window.revision.isoformat()) if window is not None else None

    @cached_property
    def upcoming(self) -> list[Revision]:
        """The approved revisions that take effect after the as-of date, soonest first."""
        found = [r for r in self.policy.revisions if self.state(r) is RevisionState.UPCOMING]
        return sorted(found, key=self.start)

    @cached_property
    def newest_approved(self) -> Revision | None:
        """The revision with the newest committee approval date (drafts are not approved)."""
        return next((r for r in reversed(self.policy.revisions) if r.status is not RevisionStatus.DRAFT), None)

    @cached_property
    def retirement(self) -> Retirement | None:
        """The retirement in force on the as-of date, if the policy is retired then."""
        return self.policy.retirement_on(self.as_of)

    @cached_property
    def _retired_with(self) -> Revision | None:
        """The revision that was in effect the day before the policy was retired, if it is retired now."""
        retirement = self.retirement
        if retirement is None:
            return None
        before = [w for w in self.windows if w.in_effect and w.start < retirement.retired]
        last = max(before, key=lambda w: w.start, default=None)
        return self.policy.revision(last.revision.isoformat()) if last is not None else None

    def start(self, revision: Revision) -> date:
        """The first day `revision` is (or would be) in effect: its effective date, else its approval date."""
        return revision.effective_date or revision.revision

    # ---------------------------------------------------------------- where each revision is shown

    @cached_property
    def shown(self) -> Revision:
        """The revision the policy page shows.

        The one in effect on the as-of date; while the policy is retired, the one in effect
        when it was retired; before any revision takes effect, the first upcoming one; as a
        last resort (only revisions that never took effect), the newest approved one.
        """
        chosen = self.in_effect or self._retired_with or next(iter(self.upcoming), None) or self.newest_approved
        return chosen if chosen is not None else self.policy.newest

    def page_url(self, revision: Revision) -> str:
        """The page where `revision` is read: the policy page for the shown one, else its own page."""
        if revision is self.shown:
            return urls.page_policy(self.policy.number)
        return urls.page_revision(self.policy.number, revision.key)

    def former_addresses(self) -> list[FormerAddress]:
        """Every page and JSON file the policy has, under each of its former numbers: the addresses that must keep working.

        The pages and files the policy has under its number now, no others: the policy page,
        the history, a page and file per stored revision (a revision's own page under the
        former number leads to where it is read now: the policy page for the shown one), a page
        and file per published diff (`consecutive_pairs`).
        """
        number = self.policy.number
        found: list[FormerAddress] = []
        for former in self.policy.former_numbers:
            found.append(FormerAddress(former, "policy", urls.page_policy(former), urls.page_policy(number), urls.api_policy(former), urls.api_policy(number)))
            found.append(FormerAddress(former, "history", urls.page_history(former), urls.page_history(number)))
            found.extend(
                FormerAddress(former, "revision", urls.page_revision(former, r.key), self.page_url(r), urls.api_revision(former, r.key), urls.api_revision(number, r.key))
                for r in self.policy.revisions
            )
            found.extend(
                FormerAddress(former, "diff", urls.page_diff(former, old.key, new.key), urls.page_diff(number, old.key, new.key), urls.api_diff(former, old.key, new.key), urls.api_diff(number, old.key, new.key))
                for old, new in consecutive_pairs(self.policy)
            )
        return found

    def window_of(self, revision: Revision) -> Window | None:
        """The newest window of `revision` (None for a draft)."""
        return next((w for w in reversed(self.windows) if w.revision == revision.revision), None)

    def review_overdue(self, revision: Revision) -> bool:
        """True when the as-of date is past the month of the revision's next review."""
        if revision.next_review is None:
            return False
        return self.as_of.strftime("%Y-%m") > revision.next_review

    def describe(self, revision: Revision) -> str:
        """One line for people: the revision's state and its window, e.g. `upcoming: takes effect 2026-05-15`."""
        state = self.state(revision)
        window = self.window_of(revision)
        if state is RevisionState.DRAFT:
            return "draft: under review, not approved or published"
        assert window is not None
        if state is RevisionState.UPCOMING:
            return f"upcoming: approved {revision.key}, takes effect {window.start}; until then the previous revision applies"
        if state is RevisionState.NEVER_IN_EFFECT:
            return window.describe()
        if state is RevisionState.RETIRED:
            retirement = self.retirement
            assert retirement is not None
            return f"retired: the policy was retired on {retirement.retired}; this revision was in effect until then"
        return f"{state.label}: {window.describe()}"
