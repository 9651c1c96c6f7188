"""Everything the build publishes, in one place, policy by policy.

- `render_policy_outputs(policy, site)`: one policy's own files (API, diffs, pages, FHIR) and
  its `PolicyParts` of the files that combine every policy;
- `render_library_outputs(parts, site)`: those files (index, code index, CSV, feed, home,
  policy list, downloads page, schemas), joined from the parts;
- `render_outputs(library)`: both, for a loaded library, as one mapping.

`generators.build.pipeline` runs the first in worker processes and the second in the main one;
`render_outputs` is the reference the pipeline is tested against. Every output of every stage is added here once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import astuple, dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from generators import urls
from generators.errors import PolicyKbError
from generators.domain.lifecycle import PolicyTimeline
from generators.model import Library, Policy
from generators.outputs.diffs import render_diff_assets, render_diff_schema, render_policy_diffs
from generators.outputs.downloads import DownloadsPart, assemble_downloads, downloads_part
from generators.outputs.json_api import PolicyApiPart, PolicySummary, assemble_api, policy_api_part
from generators.outputs.site import PolicyListing, SiteContext, UpcomingChange, policy_listing, render_library_pages, render_policy_pages


class OutputClashError(PolicyKbError, ValueError):
    """Two stages produced the same output path."""


def merge_outputs(*parts: dict[str, bytes] | dict[str, str] | dict[str, bytes | str]) -> dict[str, bytes | str]:
    """Merge the outputs of several stages; a path produced twice is a programming error."""
    merged: dict[str, bytes | str] = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise OutputClashError(f"more than one stage produces {', '.join(sorted(clash))}")
        merged.update(part)
    return dict(sorted(merged.items()))


@dataclass(frozen=True)
class PolicyParts:
    """What one policy adds to the files that combine every policy: small, plain data.

    Computed with the policy's own files (`render_policy_outputs`), sent from a worker
    process to the main one, and kept between builds by `generators.build.pipeline`.

    Attributes:
        listing: The policy's row in `index.json` and on the library pages.
        downloads: Its rows, shard entries and feed entries of the downloads (serialised),
            without its own files (its FHIR ValueSet is among the policy's files).
    """

    listing: PolicyListing
    downloads: DownloadsPart

    @property
    def number(self) -> str:
        """The policy number."""
        return self.listing.number

    def to_plain(self) -> tuple[object, ...]:
        """The parts as plain values (for `marshal`)."""
        return (*listing_to_plain(self.listing), self.downloads.as_marshal_data())

    @classmethod
    def from_plain(cls, plain: tuple[object, ...]) -> PolicyParts:
        """The parts from `to_plain`'s values."""
        *listing, downloads = plain
        return cls(listing=listing_from_plain(tuple(listing)), downloads=DownloadsPart.from_marshal_data(downloads))


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


@dataclass(frozen=True)
class PolicyOutputs:
    """One policy's own files and its parts of the library files."""

    files: dict[str, bytes | str]
    parts: PolicyParts


def render_policy_outputs(policy: Policy, site: SiteContext) -> PolicyOutputs:
    """Every file of one policy (API, diffs, pages, FHIR) and its parts of the library files, as of `site.as_of`.

    `policy` is as published: drafts are left out before (`Policy.without_drafts`) unless the
    build is a preview (`site.drafts`).
    """
    timeline = PolicyTimeline(policy, site.as_of)
    downloads = downloads_part(timeline)
    api = policy_api_part(timeline)
    files = merge_outputs(api.files, render_policy_diffs(timeline, site.look), render_policy_pages(timeline, site), downloads.files)
    parts = PolicyParts(listing=policy_listing(timeline, api.summary), downloads=replace(downloads, files={}))
    return PolicyOutputs(files=files, parts=parts)


def render_library_outputs(parts: Sequence[PolicyParts], site: SiteContext) -> dict[str, bytes | str]:
    """The files that combine every policy, from the policies' parts in policy order.

    Two halves that need nothing of each other (`generators.build.pipeline` renders them at once,
    in two processes): the files made from the index rows, and the downloads.
    """
    return merge_outputs(render_listing_outputs([part.listing for part in parts], site), assemble_downloads([part.downloads for part in parts]))


def render_listing_outputs(listings: Sequence[PolicyListing], site: SiteContext) -> dict[str, bytes | str]:
    """The library files made from the index rows alone, and the fixed ones (diff schema and stylesheet)."""
    return merge_outputs(render_listing_files(listings, site), render_diff_schema(), render_diff_assets())


def render_listing_files(listings: Sequence[PolicyListing], site: SiteContext) -> dict[str, bytes | str]:
    """The files made from the policies' index rows alone: `index.json` (and the API schemas), home, policy list, downloads page."""
    api = assemble_api([PolicyApiPart(files={}, summary=listing.summary) for listing in listings], site.as_of)
    return merge_outputs(api, render_library_pages(list(listings), site))


def render_outputs(library: Library, as_of: date, hand_written: Collection[str] = (), drafts: bool = False) -> dict[str, bytes | str]:
    """Every file the build publishes, keyed by its path relative to the site (docs) root.

    The union of each policy's `render_policy_outputs` and the `render_library_outputs`
    joined from their parts: exactly what `generators.build.pipeline.build_tree` writes, policy
    by policy.

    Args:
        library: The validated knowledge base, drafts included.
        as_of: The date the outputs are made for.
        hand_written: Paths of the hand-written files of the docs folder (e.g. `lookup.md`),
            which generated pages may link to.
        drafts: A preview: publish the drafts too, bannered.
    """
    site = SiteContext.of(library, as_of, hand_written, drafts)
    published = library if drafts else library.without_drafts()
    outputs = [render_policy_outputs(policy, site) for policy in published.policies]
    return merge_outputs(*(output.files for output in outputs), render_library_outputs([output.parts for output in outputs], site))


#: The manifest `policykb build` leaves beside the pre-rendered pages for the MkDocs hook.
PRERENDERED_MANIFEST = ".policykb-prerendered.json"


def is_data_file(path: str) -> bool:
    """True for the files for downstream systems (`policykb export`): the JSON API, the downloads, the feed."""
    return path.startswith(f"{urls.API_ROOT}/") or path == urls.feed_atom()


def is_site_source(path: str) -> bool:
    """True for the outputs MkDocs must process (pages, stylesheets); False for data files it would only copy."""
    return path.endswith(".md") or path.startswith("assets/")


def source_date_epoch(library: Library) -> int:
    """The build's timestamp for tools that print one (the sitemap): the newest date in the data.

    Passed to MkDocs as `SOURCE_DATE_EPOCH`, so the same data gives a byte-identical site,
    and the date still means something: the last approval or change in the library.
    """
    newest = max(
        max([r.revision for r in policy.revisions] + [entry.date for entry in policy.history.change_summaries])
        for policy in library.policies
    )
    return epoch_of(newest)


def newest_date(listings: Iterable[PolicyListing]) -> date:
    """The newest revision or change-summary date of the policies listed: `source_date_epoch` without the models."""
    dates = []
    for listing in listings:
        dates.append(date.fromisoformat(listing.revision_keys[-1]))
        if listing.summary.last_change is not None:
            dates.append(listing.summary.last_change)
    return max(dates)


def epoch_of(day: date) -> int:
    """Midnight UTC of `day` as seconds since the epoch."""
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def output_mtime_ns(as_of: date) -> int:
    """The modification time of every file a build writes: midnight UTC of its as-of date, in nanoseconds.

    Every output is a function of the data and the as-of date (every JSON file states it), so a
    second build of the same data for the same date leaves every file's bytes and time as they
    were, and a web server's `Last-Modified` and `ETag` with them. The rule is one date for all
    files, not the newest date each file depends on: a file's bytes change with the as-of date
    (its `as_of`, its revisions' states), so no earlier date could be said to be its last change.
    Data corrected without a new as-of date keeps the times: compare `content_hash`es, not times.
    """
    return epoch_of(as_of) * 1_000_000_000


def read_hand_written(docs_dir: Path) -> dict[str, bytes]:
    """The hand-written files of the docs folder, keyed like the generated ones."""
    return {path.relative_to(docs_dir).as_posix(): path.read_bytes() for path in sorted(docs_dir.rglob("*")) if path.is_file()}
