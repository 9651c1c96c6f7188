"""Point in time: which stored revision of a policy was in effect on a given date.

A revision is in effect from its effective date up to the day before the next stored
revision takes effect; the newest revision's window is open-ended. Where a revision's
effective date is not known (a reconstructed revision, say), its committee approval date is
used instead and the window says so (`start_basis: approval_date`), so a claims system can
decide how much to trust the boundary.

Only stored revisions have windows: for a date before the first stored revision the
knowledge base does not hold the text in effect, and `revision_in_effect` returns None.
Nor does a policy apply while it is retired (`Policy.retirements`): windows are cut there,
and a window that starts again when the policy is made active says so
(`start_basis: reinstated`). Drafts have no window: they are not approved yet.

Which state each revision is in on a date, and which one each page shows, is built on these
windows in `generators.domain.lifecycle`.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from generators.model import IsoDate, Policy, RevisionStatus


class StartBasis(str, Enum):
    """Which date a window starts on."""

    EFFECTIVE_DATE = "effective_date"
    APPROVAL_DATE = "approval_date"
    REINSTATED = "reinstated"

    @property
    def label(self) -> str:
        """How the basis reads in a sentence."""
        if self is StartBasis.EFFECTIVE_DATE:
            return "its effective date"
        if self is StartBasis.REINSTATED:
            return "the day the policy was made active again after it was retired"
        return "its committee approval date, because its effective date is not known"


class Window(BaseModel):
    """The dates (inclusive) during which one stored revision is, was or will be the policy in effect."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    revision: IsoDate = Field(description="The revision (committee approval date) in effect in this window.")
    start: IsoDate = Field(description="First day in effect.")
    end: IsoDate | None = Field(description="Last day in effect (inclusive); null while no later revision or retirement ends it.")
    start_basis: StartBasis = Field(
        description=(
            "effective_date; approval_date when the effective date is not known and the approval date is used instead; "
            "reinstated when the window starts on the day a retired policy was made active again."
        )
    )
    in_effect: bool = Field(
        description=(
            "Whether the window holds at all: false when the next revision took effect on or before this one's start, so it was never in effect. "
            "Not whether it is in effect on the as-of date: an upcoming revision's window (start after as_of) is true; see the revision's state."
        )
    )

    def contains(self, day: date) -> bool:
        """True when `day` falls in this window."""
        return self.in_effect and self.start <= day and (self.end is None or day <= self.end)

    def describe(self) -> str:
        """One line for people: `in effect 2025-01-23 to 2026-05-14 (start: ...)`."""
        if not self.in_effect:
            return f"never in effect: the next revision took effect on or before {self.start}"
        until = f"to {self.end}" if self.end is not None else "onwards (no later revision)"
        return f"in effect {self.start} {until}; the start is {self.start_basis.label}"


def windows(policy: Policy) -> list[Window]:
    """The windows in effect of the approved revisions of `policy`, oldest first.

    One window per revision, except that a retirement cuts a window in two (or ends it);
    a revision that never took effect has one window with `in_effect: false`.
    """
    approved = [r for r in policy.revisions if r.status is not RevisionStatus.DRAFT]
    starts = [
        (r.effective_date, StartBasis.EFFECTIVE_DATE) if r.effective_date is not None else (r.revision, StartBasis.APPROVAL_DATE)
        for r in approved
    ]
    found: list[Window] = []
    for index, revision in enumerate(approved):
        start, basis = starts[index]
        # Later revisions win: a revision ends the day before any later one starts.
        later_starts = [s for s, _ in starts[index + 1 :]]
        end = min(later_starts) - timedelta(days=1) if later_starts else None
        in_effect = end is None or end >= start
        window = Window(revision=revision.revision, start=start, end=end, start_basis=basis, in_effect=in_effect)
        found += _cut_by_retirements(window, policy) if in_effect else [window]
    return found


def _cut_by_retirements(window: Window, policy: Policy) -> list[Window]:
    """`window` without the days the policy was retired (none, one or several pieces)."""
    pieces = [window]
    for retirement in policy.retirements:
        kept: list[Window] = []
        for piece in pieces:
            if piece.end is not None and piece.end < retirement.retired or retirement.reinstated is not None and retirement.reinstated <= piece.start:
                kept.append(piece)
                continue
            if piece.start < retirement.retired:
                kept.append(piece.model_copy(update={"end": retirement.retired - timedelta(days=1)}))
            if retirement.reinstated is not None and (piece.end is None or retirement.reinstated <= piece.end):
                kept.append(piece.model_copy(update={"start": max(piece.start, retirement.reinstated), "start_basis": StartBasis.REINSTATED if retirement.reinstated > piece.start else piece.start_basis}))
        pieces = kept
    return pieces


def revision_in_effect(policy: Policy, day: date) -> Window | None:
    """The window of the stored revision in effect on `day`, or None before the first one."""
    return next((w for w in windows(policy) if w.contains(day)), None)


def first_window(policy: Policy) -> Window | None:
    """The earliest window in effect (None only if no stored revision was ever in effect)."""
    return min((w for w in windows(policy) if w.in_effect), key=lambda w: w.start, default=None)
