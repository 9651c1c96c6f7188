"""The thin MkDocs adapter: adds every output of `generators.build` as a virtual file.

Referenced from `mkdocs.yml` (`hooks:`; MkDocs loads it by path, hence the absolute imports). A hook rather than a plugin or mkdocs-gen-files: it
needs no packaging entry point and no extra dependency, and it holds no logic of its own, so
the generation stays in `generators.build` where a successor of MkDocs (which runs no hooks)
reaches it through `policykb pages`. Nothing is written into the docs folder.

The data folder is `policy_data` beside `mkdocs.yml`, or `$POLICYKB_DATA`. Invalid data stops
the build with every located diagnostic and no traceback (`PluginError`), also under
`mkdocs serve`, which then keeps serving the last good build.

Two savings for generated pages, neither changing a built file (`generators.html_blocks`):
Markdown converts a stub with the finished HTML blocks set aside, and Material's search
plugin reads a search view of the page without the text it would drop anyway.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from generators.build import PRERENDERED_MANIFEST, render_outputs
from generators.errors import PolicyDataError
from generators.html_blocks import html_block_anchors, protect_html_blocks, restore_html_blocks, search_view
from generators.validate import load_library


def data_dir(config: MkDocsConfig) -> Path:
    """The policy data folder the site is built from."""
    configured = os.environ.get("POLICYKB_DATA")
    if configured:
        return Path(configured).resolve()
    return Path(config.config_file_path).resolve().parent / "policy_data"


def _docs_files(files: Files, config: MkDocsConfig) -> list[str]:
    """The paths of the files of the docs folder (not the theme's), as `policykb build` lists them."""
    docs = Path(config.docs_dir).resolve()
    return [file.src_uri for file in files if file.abs_src_path and Path(file.abs_src_path).resolve().is_relative_to(docs)]


def prerendered(files: Files, config: MkDocsConfig) -> tuple[Path, list[str]] | None:
    """The folder of pages `policykb build` rendered already and their paths, if still valid.

    `policykb build` validates and renders once, writes the pages into a folder named by
    `$POLICYKB_PRERENDERED` with a manifest, and publishes the data files itself: loading and
    rendering a thousand policies a second time inside MkDocs would double our part of the
    build, and passing 500 MB of JSON through MkDocs would only copy it. The pages are used only
    if they were rendered for exactly these hand-written files (links depend on them).
    """
    folder = os.environ.get("POLICYKB_PRERENDERED")
    if not folder:
        return None
    try:
        manifest = json.loads((Path(folder) / PRERENDERED_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("hand_written") != sorted(_docs_files(files, config)):
        return None
    return Path(folder), list(manifest["sources"])


# The generated pages of the current build, and the HTML blocks set aside while Markdown
# converts a page (see `generators.html_blocks`: Markdown only passes them through).
_generated_pages: set[str] = set()
_set_aside: dict[str, list[str]] = {}
# The full content of a generated page while Material's search plugin reads its search view.
_full_content: dict[str, tuple[str, str]] = {}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages and data files; refuse to shadow a hand-written file."""
    _generated_pages.clear()
    _set_aside.clear()
    _full_content.clear()
    ready = prerendered(files, config)
    if ready is not None:
        folder, sources = ready
        for path in sources:
            _refuse_shadowing(files, config, path)
            files.append(File.generated(config, path, abs_src_path=str(folder.joinpath(*path.split("/")))))
            _generated_pages.add(path)
        return files
    folder = data_dir(config)
    try:
        library = load_library(folder)
    except PolicyDataError as error:
        count = len(error.diagnostics)
        listing = "\n".join(d.format() for d in error.diagnostics)
        raise PluginError(f"policy data in {folder} is invalid ({count} problem{'s' if count != 1 else ''}):\n{listing}") from None
    hand_written = [file.src_uri for file in files]
    for path, content in render_outputs(library, hand_written).items():
        _refuse_shadowing(files, config, path)
        files.append(File.generated(config, path, content=content))
        _generated_pages.add(path)
    return files


def on_page_markdown(markdown: str, page: Page, **_: object) -> str:
    """Set aside the finished HTML blocks of a generated page before Markdown converts it."""
    if page.file.src_uri not in _generated_pages or not page.file.src_uri.endswith(".md"):
        return markdown
    stub, blocks = protect_html_blocks(markdown)
    _set_aside[page.file.src_uri] = blocks
    return stub


def on_page_content(html: str, page: Page, **_: object) -> str:
    """Put the HTML blocks set aside by `on_page_markdown` back into the page, and their anchors."""
    blocks = _set_aside.pop(page.file.src_uri, None)
    if blocks is None:
        return html
    try:
        restored = restore_html_blocks(html, blocks)
    except ValueError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from None
    # MkDocs checks links to anchors against the ids it found while converting the page.
    if page.present_anchor_ids is not None:
        page.present_anchor_ids |= html_block_anchors(blocks)
    return restored


# Material's search plugin indexes a page in its `on_page_context` (priority 0): it parses the
# whole page with Python's `HTMLParser` and then drops what is marked `data-search-exclude`,
# the long reading sections of a policy page. Just before it, the page's content becomes its
# search view (`generators.html_blocks.search_view`, the same index without parsing the
# dropped text); just after it, the full content is back for the theme.
@event_priority(1)
def _show_search_view(context: dict[str, object], page: Page, **_: object) -> dict[str, object]:
    if page.file.src_uri not in _generated_pages or page.content is None or (page.meta.get("search") or {}).get("exclude"):
        return context
    view = search_view(page.content)
    if view is not None and view is not page.content:
        _full_content[page.file.src_uri] = (page.content, view)
        page.content = view
    return context


@event_priority(-1)
def _restore_full_content(context: dict[str, object], page: Page, **_: object) -> dict[str, object]:
    full = _full_content.pop(page.file.src_uri, None)
    if full is None:
        return context
    content, view = full
    # The search plugin deletes `data-search-*` attributes that have a value; a page holding
    # one never gets a search view, so the view must come back untouched.
    if page.content != view:
        raise PluginError(f"{page.file.src_uri}: a plugin changed the page between the search view and the full content")
    page.content = content
    return context


on_page_context = CombinedEvent(_show_search_view, _restore_full_content)


def _refuse_shadowing(files: Files, config: MkDocsConfig, path: str) -> None:
    if files.get_file_from_path(path) is not None:
        raise PluginError(f"{path} is generated from the policy data; remove the hand-written {config.docs_dir}/{path}")
