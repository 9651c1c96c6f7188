"""Everything the build publishes, in one place, policy by policy: every format of the registry.

- `render_policy_outputs(policy, site)`: one policy's own files in every format
  (`generators.outputs.registry.FORMATS`) and its `PolicyParts` of the files that combine
  every policy;
- `render_library_outputs(parts, site)`: those files (index, code index, CSV, feed, home,
  policy list, downloads page, schemas), each format's joined from its parts;
- `render_outputs(library)`: both, for a loaded library, as one mapping.

`generators.build.pipeline` runs the first in worker processes and the second in the main one;
`render_outputs` is the reference the pipeline is tested against. Each takes `formats=` for a
build with other formats than `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from generators import urls
from generators.errors import PolicyKbError
from generators.domain.lifecycle import PolicyTimeline
from generators.model import Library, Policy, RevisionStatus
from generators.outputs.registry import FORMATS, OutputFormat, Plain, PolicyInput
from generators.outputs.site import SiteContext


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
        number: The policy number.
        newest: Its newest revision or change-summary date (ISO), for `BuildReport.newest`.
        drafts: How many draft revisions it shows (a preview; 0 in a published build).
        by_format: Each format's part (`OutputFormat.policy_part`), by format name.
    """

    number: str
    newest: str
    drafts: int
    by_format: dict[str, Plain]


@dataclass(frozen=True)
class PolicyOutputs:
    """One policy's own files and its parts of the library files."""

    files: dict[str, bytes | str]
    parts: PolicyParts


def render_policy_outputs(policy: Policy, site: SiteContext, formats: Sequence[OutputFormat] = FORMATS) -> PolicyOutputs:
    """Every file of one policy in every format and its parts of the library files, as of `site.as_of`.

    `policy` is as published: drafts are left out before (`Policy.without_drafts`) unless the
    build is a preview (`site.drafts`).
    """
    given = PolicyInput(PolicyTimeline(policy, site.as_of), site)
    files = merge_outputs(*(output.policy_files(given) for output in formats))
    newest = max([revision.revision for revision in policy.revisions] + [entry.date for entry in policy.history.change_summaries])
    parts = PolicyParts(
        number=policy.number,
        newest=newest.isoformat(),
        drafts=sum(1 for revision in policy.revisions if revision.status is RevisionStatus.DRAFT),
        by_format={output.name: output.policy_part(given) for output in formats},
    )
    return PolicyOutputs(files=files, parts=parts)


def render_library_outputs(parts: Sequence[PolicyParts], site: SiteContext, formats: Sequence[OutputFormat] = FORMATS) -> dict[str, bytes | str]:
    """The files that combine every policy, each format's from its parts, the policies in policy order."""
    return merge_outputs(*(output.library_files([part.by_format[output.name] for part in parts], site) for output in formats))


def render_outputs(
    library: Library, as_of: date, hand_written: Collection[str] = (), drafts: bool = False, formats: Sequence[OutputFormat] = FORMATS
) -> dict[str, bytes | str]:
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
        formats: The output formats (`generators.outputs.registry`).
    """
    site = SiteContext.of(library, as_of, hand_written, drafts)
    published = library if drafts else library.without_drafts()
    outputs = [render_policy_outputs(policy, site, formats) for policy in published.policies]
    return merge_outputs(*(output.files for output in outputs), render_library_outputs([output.parts for output in outputs], site, formats))


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


def newest_date(parts: Iterable[PolicyParts]) -> date:
    """The newest revision or change-summary date of the policies: `source_date_epoch` without the models."""
    return date.fromisoformat(max(part.newest for part in parts))


def epoch_of(day: date) -> int:
    """Midnight UTC of `day` as seconds since the epoch."""
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def output_mtime_ns(as_of: date) -> int:
    """The modification time of a file a build writes anew: midnight UTC of its as-of date, in nanoseconds.

    A file the output folder already holds with the same bytes keeps its time instead
    (`generators.build.write.previous_mtime_ns`, `date_files`): every file is dated the as-of
    date of the build that first wrote its bytes there. So a web server's `Last-Modified` and
    `ETag` stay the same for unchanged bytes across builds, also on later dates (a schema, a
    stylesheet, a code shard or the feed often does not change when the date does), and a
    fresh folder gets one date, a function of the data and the date alone. A file whose bytes
    changed gets the new as-of date, later than its old time when builds follow the calendar.
    A correction made and rebuilt on the same as-of date keeps the times of the files it
    changed: compare `content_hash`es, not times.
    """
    return epoch_of(as_of) * 1_000_000_000


def read_hand_written(docs_dir: Path) -> dict[str, bytes]:
    """The hand-written files of the docs folder, keyed like the generated ones."""
    return {path.relative_to(docs_dir).as_posix(): path.read_bytes() for path in sorted(docs_dir.rglob("*")) if path.is_file()}
