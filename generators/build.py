"""Everything the build publishes, in one place: `render_outputs(library)`.

The site adapters (`generators.mkdocs_hook` for MkDocs, `policykb pages` for tools that run
no hooks) publish exactly this mapping, so every output of every stage is added here once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, time
from pathlib import Path

from .model import Library
from .render.diffs import render_diff_api, render_diff_assets, render_diff_files
from .render.downloads import render_downloads
from .render.json_api import render_api
from .render.site import render_site_pages


class OutputClashError(ValueError):
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


def render_data_files(library: Library) -> dict[str, bytes | str]:
    """The data files for downstream systems: JSON API, diffs, code index, CSV, FHIR, Atom."""
    return merge_outputs(render_api(library), render_diff_api(library), render_downloads(library))


def render_outputs(library: Library, hand_written: Collection[str] = ()) -> dict[str, bytes | str]:
    """Every file the build publishes, keyed by its path relative to the site (docs) root.

    Data files and pages of the other stages come first, so the site pages can link to
    exactly the pages that exist (a "what changed" link only when its diff page is there).

    Args:
        library: The validated knowledge base.
        hand_written: Paths of the hand-written files of the docs folder (e.g. `lookup.md`),
            which generated pages may link to.
    """
    others = merge_outputs(render_api(library), render_diff_files(library), render_downloads(library), render_diff_assets())
    published = set(others) | set(hand_written)
    return merge_outputs(others, render_site_pages(library, published=published))


#: The manifest `policykb build` leaves beside the pre-rendered pages for the MkDocs hook.
PRERENDERED_MANIFEST = ".policykb-prerendered.json"


def is_site_source(path: str) -> bool:
    """True for the outputs MkDocs must process (pages, stylesheets); False for data files it would only copy."""
    return path.endswith(".md") or path.startswith("assets/")


def split_site_sources(outputs: dict[str, bytes | str]) -> tuple[dict[str, bytes | str], dict[str, bytes | str]]:
    """(pages and assets for MkDocs, data files to publish beside them) of `render_outputs`."""
    sources = {path: content for path, content in outputs.items() if is_site_source(path)}
    data = {path: content for path, content in outputs.items() if not is_site_source(path)}
    return sources, data


def source_date_epoch(library: Library) -> int:
    """The build's timestamp for tools that print one (the sitemap): the newest date in the data.

    Passed to MkDocs as `SOURCE_DATE_EPOCH`, so the same data gives a byte-identical site,
    and the date still means something: the last approval or change in the library.
    """
    newest = max(
        max([r.revision for r in policy.revisions] + [entry.date for entry in policy.history.change_summaries])
        for policy in library.policies
    )
    return int(datetime.combine(newest, time(), tzinfo=UTC).timestamp())


def read_hand_written(docs_dir: Path) -> dict[str, bytes]:
    """The hand-written files of the docs folder, keyed like the generated ones."""
    return {path.relative_to(docs_dir).as_posix(): path.read_bytes() for path in sorted(docs_dir.rglob("*")) if path.is_file()}
