"""The thin MkDocs adapter: adds every output of `generators.build.assemble` to the site.

Referenced from `mkdocs.yml` (`hooks:`; MkDocs loads it by path, hence the absolute imports). A hook rather than a plugin or mkdocs-gen-files: it
needs no packaging entry point and no extra dependency, and it holds no logic of its own, so
the generation stays in `generators.build.assemble` where a successor of MkDocs (which runs no hooks)
reaches it through `policykb pages`. Nothing is written into the docs folder.

The data folder is `policy_data` beside `mkdocs.yml`, or `$POLICYKB_DATA` (watched by
`mkdocs serve` either way). Invalid data stops `mkdocs build` with every located diagnostic
and no traceback (`PluginError`). Under `mkdocs serve` a failed build would make the server
hold every request until a build succeeds, and MkDocs' log prints a message it printed before
only once; so there each rebuild with invalid data prints every located problem and builds a
**problems site** instead (`problems_site`): every page, and the answer to any unknown
address, lists the problems, and the browser reloads by itself when the data is fixed.

**Where the outputs come from.** `policykb build` renders once and hands over its pages
(`prerendered`). Otherwise the hook renders the library itself with the policy-by-policy
pipeline (`generators.build.pipeline.build_tree`) into a folder of outputs (`render_library`):

- under `mkdocs serve`, a folder kept between rebuilds and between runs,
  `.policykb-cache/serve/` beside `mkdocs.yml` (git-ignored): a rebuild after an edit renders
  again only the policies that changed, and a new `mkdocs serve` only those that changed
  since the last one. Delete the folder to reclaim its space (about 1 GB at 1,000 policies);
  a second preview running at the same time renders into a throwaway folder instead;
- under `mkdocs build` (and `gh-deploy`), a throwaway folder beside the site folder, removed
  when the build ends: a plain build leaves no cache behind and cannot be fed by a stale one.

Either way MkDocs gets only the site sources (pages, stylesheets: `is_site_source`) as files
read from that folder; the other outputs (the JSON API, downloads, archived revision and diff
pages: most of the bytes) never pass through MkDocs, which would copy them on every build:
they are hard-linked into the finished site (`on_post_build`), as `policykb build` does. With
`mkdocs serve --dirty`, MkDocs converts only the pages whose source files the rebuild
replaced, and the hook links again only the files that changed.

A saving for generated pages that changes no built file (`generators.outputs.html_blocks`): Markdown
converts a stub with the finished HTML blocks set aside, and MkDocs holds only that stub's HTML
until it writes the page (the blocks wait compressed, `on_post_page`): it converts every page
before it writes the first, so its memory would otherwise grow with the whole site's HTML. The site's search is not MkDocs':
`policykb build` runs Pagefind over the finished site (`generators.outputs.search`).
"""

from __future__ import annotations

import html
import json
import logging
import marshal
import os
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from generators.build.assemble import PRERENDERED_MANIFEST, is_site_source
from generators import urls
from generators.errors import Diagnostic, PolicyDataError
from generators.domain.lifecycle import today_utc
from generators.outputs.look import PageFooter, SiteLook, SiteLookError, site_look_of_settings
from generators.outputs.html_blocks import html_block_anchors, protect_html_blocks, restore_html_blocks
from generators.build.pipeline import build_tree
from generators.urls import SITE_URL_VARIABLE
from generators.build.write import link_files_into

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: no lock, one preview at a time
    fcntl = None  # type: ignore[assignment]

log = get_plugin_logger("policykb")

#: The folder `mkdocs serve` keeps its outputs in, relative to the folder of `mkdocs.yml`.
SERVE_CACHE = Path(".policykb-cache") / "serve"


def data_dir(config: MkDocsConfig) -> Path:
    """The policy data folder the site is built from."""
    configured = os.environ.get("POLICYKB_DATA")
    if configured:
        return Path(configured).resolve()
    return Path(config.config_file_path).resolve().parent / "policy_data"


def build_as_of() -> date:
    """The date the site is built for: `$POLICYKB_AS_OF` (set by `policykb build --as-of`), else today (UTC)."""
    configured = os.environ.get("POLICYKB_AS_OF")
    return date.fromisoformat(configured) if configured else today_utc()


def shows_drafts() -> bool:
    """True for a preview that shows drafts: `mkdocs serve`, or `policykb build --drafts` (`$POLICYKB_DRAFTS`)."""
    return _session.serving or os.environ.get("POLICYKB_DRAFTS") == "1"


def site_look_of(config: MkDocsConfig) -> SiteLook:
    """The plan's look this configuration sets (`site_name`, `extra.policykb`, `nav`, `theme.palette`), its images checked in the docs folder.

    Raises:
        PluginError: the settings are not valid; every problem, with its key.
    """
    try:
        return site_look_of_settings(config, source=Path(config.config_file_path or "mkdocs.yml").name, docs_dir=Path(config.docs_dir))
    except SiteLookError as error:
        raise PluginError(str(error)) from None


def serve_cache_dir(config: MkDocsConfig) -> Path:
    """The folder `mkdocs serve` keeps its outputs and their build state in."""
    return Path(config.config_file_path).resolve().parent / SERVE_CACHE


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


@dataclass
class _Session:
    """What the hook keeps for one MkDocs process (MkDocs loads a hook once; `serve` rebuilds in it).

    Attributes:
        serving: Run by `mkdocs serve` (keep the outputs between rebuilds).
        dirty: Run with `--dirty`: MkDocs does not empty the site folder before a build.
        cache_lock: The serve cache this process holds and its open lock file (held while the process lives).
        outputs: The folder of this build's outputs, when the hook rendered them.
        throwaway: Whether `outputs` is removed when the build ends.
        to_link: The outputs to publish beside MkDocs' own files (`on_post_build`).
        linked: The outputs published into the site folder by the last build.
        nav_pages: The pages of the navigation of the current build.
        problems_page: Under `mkdocs serve` with invalid data, the page that lists the
            problems, for addresses the problems site has no page for (`404.html`).
        problems_built: The pages of that problems site, as MkDocs writes them.
    """

    serving: bool = False
    dirty: bool = False
    cache_lock: tuple[Path, IO[bytes]] | None = None
    outputs: Path | None = None
    throwaway: bool = False
    to_link: list[str] = field(default_factory=list)
    linked: set[str] = field(default_factory=set)
    nav_pages: list[Page] = field(default_factory=list)
    problems_page: str | None = None
    problems_built: list[Path] = field(default_factory=list)


_session = _Session()


def on_startup(command: str, dirty: bool, **_: object) -> None:
    """Remember whether this process serves a preview (its outputs are then kept), and whether dirty."""
    _session.serving = command == "serve"
    _session.dirty = dirty
    if dirty:
        logging.getLogger("mkdocs.commands.build").addFilter(_dirty_build_notice)


def _dirty_build_notice(record: logging.LogRecord) -> bool:
    """MkDocs' warning that a build is dirty, as information: `strict: true` would abort every dirty build.

    What it warns about, pages not built again keeping an older navigation, cannot happen
    to generated pages (they are outside the nav, and a change of code renders them all again);
    a hand-written page's new title reaches the other pages' navigation after a clean build.
    """
    if record.levelno == logging.WARNING and str(record.msg).startswith("A 'dirty' build is being performed"):
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg = "dirty build: MkDocs converts again only the pages whose sources changed"
    return True


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Watch the data folder too, wherever `$POLICYKB_DATA` puts it (`mkdocs serve`); tell the theme the build's date, drafts and the plan's look, the generators the site's URL."""
    # The generators read the site's URL (schema `$id`s) from the environment: give them MkDocs's,
    # which `mkdocs serve` sets to the address it serves at.
    if config.site_url:
        os.environ[SITE_URL_VARIABLE] = config.site_url
    config.extra["policykb_as_of"] = build_as_of().isoformat()
    # The plan's look: the theme shows the logo and favicon, overrides/ the footer and the name
    # on printed pages; the standalone pages get the same look from the build (render_library).
    look = site_look_of(config)
    config.theme["logo"], config.theme["favicon"] = look.logo, look.favicon
    config.extra["policykb_footer"] = PageFooter(look, build_as_of())  # called with each page's base_url
    config.extra["policykb_owner"] = look.owner
    # The banner of a preview with drafts: set again once the outputs show how many there are.
    config.extra["policykb_drafts"] = shows_drafts()
    folder = data_dir(config)
    if not any(folder.is_relative_to(Path(watched).resolve()) for watched in config.watch):
        config.watch.append(str(folder))
    return config


# The generated pages of the current build, and the HTML blocks set aside while Markdown
# converts a page (see `generators.outputs.html_blocks`: Markdown only passes them through).
_generated_pages: set[str] = set()
_set_aside: dict[str, list[str]] = {}
# The blocks of each converted generated page until MkDocs finishes the page (`on_post_page`):
# `marshal`ed and compressed.
_finish_later: dict[str, bytes] = {}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages (and note the other outputs); refuse to shadow a hand-written file."""
    _generated_pages.clear()
    _set_aside.clear()
    _finish_later.clear()
    _session.outputs, _session.to_link, _session.problems_page = None, [], None
    ready = prerendered(files, config)
    if ready is None:
        try:
            ready = render_library(files, config)
        except PolicyDataError as error:
            report = problems_report(data_dir(config), error.diagnostics)
            if not _session.serving:
                raise PluginError(report) from None
            return problems_site(files, config, error.diagnostics)
    folder, sources = ready
    for path in sources:
        _refuse_shadowing(files, config, path)
        files.append(File.generated(config, path, abs_src_path=str(folder.joinpath(*path.split("/")))))
        _generated_pages.add(path)
    return files


def render_library(files: Files, config: MkDocsConfig) -> tuple[Path, list[str]]:
    """Render every output of the data folder into the outputs folder; the folder and its site sources.

    Under `mkdocs serve` the folder is the serve cache, updated in place (only changed
    policies are rendered again); otherwise a throwaway folder beside the site folder, on the
    same file system so that the outputs can be hard-linked into the site.

    Raises:
        PolicyDataError: the data is invalid (the throwaway folder is gone).
    """
    data = data_dir(config)
    cache = _lock_serve_cache(config) if _session.serving else None
    if cache is not None:
        outputs, throwaway = cache / "site-sources", False
    else:
        site = Path(config.site_dir).resolve()
        site.parent.mkdir(parents=True, exist_ok=True)
        outputs, throwaway = Path(tempfile.mkdtemp(prefix=".policykb-pages-", dir=site.parent)) / "outputs", True
    _session.outputs, _session.throwaway = outputs, throwaway
    try:
        report = build_tree(data, outputs, hand_written=sorted(_docs_files(files, config)), cache_dir=cache, internal=True, as_of=build_as_of(), drafts=shows_drafts(), look=site_look_of(config))
    except PolicyDataError:
        _discard_throwaway()
        raise
    if report.incremental:
        log.info(f"rendered {report.rendered} changed polic{'y' if report.rendered == 1 else 'ies'} again, kept {report.reused} ({report.written} files written, {report.removed} removed)")
    else:
        log.info(f"rendered {report.rendered} policies into {outputs.parent if throwaway else outputs}")
    for path in report.paths:
        if not is_site_source(path):
            _refuse_shadowing(files, config, path)
    _session.to_link = [path for path in report.paths if not is_site_source(path)]
    config.extra["policykb_drafts"] = report.drafts > 0
    return outputs, [path for path in report.paths if is_site_source(path)]


def _lock_serve_cache(config: MkDocsConfig) -> Path | None:
    """The serve cache, locked for this process; None when another process holds it."""
    cache = serve_cache_dir(config)
    if fcntl is None:
        return cache
    if _session.cache_lock is not None:
        held, lock = _session.cache_lock
        if held == cache:
            return cache
        lock.close()  # another configuration in the same process (tests): release the old cache
        _session.cache_lock = None
    cache.mkdir(parents=True, exist_ok=True)
    lock = (cache / "lock").open("wb")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        log.warning(f"another mkdocs serve uses {cache}; this one renders everything into a throwaway folder")
        return None
    _session.cache_lock = (cache, lock)  # held until the process ends
    return cache


def on_nav(nav: Navigation, **_: object) -> Navigation:
    """Note the pages of the navigation (see `on_env`)."""
    _session.nav_pages = list(nav.pages)
    return nav


def on_env(env: Environment, config: MkDocsConfig, **_: object) -> Environment:
    """Under `--dirty`, read the navigation's pages MkDocs did not read again, for their titles.

    MkDocs reads only the changed pages of a dirty build; the others have no title, and every
    page built (the changed ones, the 404 page) would show "None" in their place in its navigation.
    """
    if _session.dirty:
        for page in _session.nav_pages:
            if page.markdown is None:
                page.read_source(config)
    return env


def on_post_build(config: MkDocsConfig) -> None:
    """Publish the outputs MkDocs does not process (data files, standalone pages) by hard links."""
    if _session.problems_page is not None:
        _finish_problems_site(Path(config.site_dir), _session.problems_page, _session.problems_built)
        return
    if _session.outputs is None:
        return
    try:
        _session.linked = _link_outputs(_session.outputs, Path(config.site_dir), _session.to_link, _session.linked if _session.dirty else None)
    except FileExistsError as error:
        raise PluginError(f"{error}; a hand-written or theme file has the path of a generated one") from None
    finally:
        _discard_throwaway()


def on_build_error(error: Exception, **_: object) -> None:
    """Remove a throwaway outputs folder when the build fails."""
    _discard_throwaway()


def _link_outputs(source: Path, site: Path, paths: list[str], linked_before: set[str] | None) -> set[str]:
    """Hard-link `paths` of `source` into `site`; the paths linked.

    After a clean build (`linked_before` None) the site folder holds only MkDocs' files: a
    file already at one of the paths is an error (`FileExistsError`). A `--dirty` build finds
    the files of earlier builds: a link that still holds the file of `source` is kept, one
    to a file the rebuild replaced is made again (a hard link keeps the bytes it was made
    with), and the files this process linked before that are no longer produced are removed.
    """
    publishing = set(paths)
    if linked_before is None:
        link_files_into(source, site, paths)
        return publishing
    for path in sorted(linked_before - publishing):
        (site / path).unlink(missing_ok=True)
    fresh = []
    for path in paths:
        try:
            if os.path.samefile(source / path, site / path):
                continue
        except OSError:  # not there yet
            pass
        (site / path).unlink(missing_ok=True)
        fresh.append(path)
    link_files_into(source, site, fresh)
    return publishing


def _discard_throwaway() -> None:
    if _session.outputs is not None and _session.throwaway:
        shutil.rmtree(_session.outputs.parent, ignore_errors=True)
        _session.outputs, _session.throwaway = None, False


def on_page_markdown(markdown: str, page: Page, **_: object) -> str:
    """Set aside the finished HTML blocks of a generated page before Markdown converts it."""
    if page.file.src_uri not in _generated_pages or not page.file.src_uri.endswith(".md"):
        return markdown
    stub, blocks = protect_html_blocks(markdown)
    _set_aside[page.file.src_uri] = blocks
    return stub


def on_page_content(html: str, page: Page, **_: object) -> str:
    """Give MkDocs the anchors of the HTML blocks set aside by `on_page_markdown`; keep the blocks, compressed, for the finished page.

    MkDocs converts every page before it writes the first one: holding every generated
    page's whole HTML until then was most of its memory. The page's content stays the
    converted stub with its placeholders, a few KB, and `on_post_page` puts the blocks into
    the finished page. The theme reads one thing in the content (it adds the page title as a
    heading when the content has no `<h1`): the first block with an `<h1` goes back at once.
    """
    blocks: list[str | None] = list(_set_aside.pop(page.file.src_uri, None) or ())
    if not blocks:
        return html
    # MkDocs checks links to anchors against the ids it found while converting the page.
    if page.present_anchor_ids is not None:
        page.present_anchor_ids |= html_block_anchors([block for block in blocks if block is not None])
    heading = None if "<h1" in html else next((number for number, block in enumerate(blocks) if block is not None and "<h1" in block), None)
    if heading is not None:
        html = _restored(html, [block if number == heading else None for number, block in enumerate(blocks)], page)
        blocks[heading] = None
    _finish_later[page.file.src_uri] = zlib.compress(marshal.dumps(blocks), 1)
    return html


def on_post_page(output: str, page: Page, **_: object) -> str:
    """Put the HTML blocks of a generated page, kept by `on_page_content`, into the finished page."""
    packed = _finish_later.pop(page.file.src_uri, None)
    if packed is None:
        return output
    return _restored(output, marshal.loads(zlib.decompress(packed)), page)


def _restored(html: str, blocks: list[str | None], page: Page) -> str:
    try:
        return restore_html_blocks(html, blocks)
    except ValueError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from None


def _refuse_shadowing(files: Files, config: MkDocsConfig, path: str) -> None:
    if files.get_file_from_path(path) is not None:
        raise PluginError(f"{path} is generated from the policy data; remove the hand-written {config.docs_dir}/{path}")


# --------------------------------------------------------------------------- invalid data under serve

#: The class of the list of problems on the pages of a problems site.
PROBLEMS_CLASS = "pkb-problems"
# On the page answering an unknown address (served without MkDocs' reload script): ask for the
# address again every second, and show it as soon as it is a page again (the data was fixed).
_RELOAD_WHEN_FIXED = (
    "<script>(function poll() { setTimeout(function () { fetch(location.href, {cache: 'no-store'})"
    ".then(function (response) { if (response.ok) { location.reload(); } else { poll(); } }, poll); }, 1000); })();</script>"
)


def problems_report(data: Path, diagnostics: Sequence[Diagnostic]) -> str:
    """What a build with invalid data prints: a head line, then every located problem, one a line."""
    count = len(diagnostics)
    listing = "\n".join(d.format() for d in diagnostics)
    return f"policy data in {data} is invalid ({count} problem{'s' if count != 1 else ''}):\n{listing}"


def problems_site(files: Files, config: MkDocsConfig, diagnostics: Sequence[Diagnostic]) -> Files:
    """Under `mkdocs serve`, with invalid data: print the problems, and make every page of the site list them.

    The build then succeeds, which is what MkDocs' server waits for before it answers requests
    and reloads the browsers: a failed build would leave every request hanging until the data
    is fixed. Every page of the site becomes the problems page: the hand-written ones, those of
    the navigation, and the policy and history pages of the policies with problems (the ones an
    author is likely looking at); any other address gets it as its "not found" page
    (`on_post_build`), which reloads itself once the address is a page again. No page made
    from the data is served. The problems are printed to the terminal on every rebuild, outside
    MkDocs' log: that log drops a message it printed before, and in strict mode an error
    logged during the build would fail it.
    """
    report = problems_report(data_dir(config), diagnostics)
    print(f"ERROR    -  policykb: {report}", file=sys.stderr, flush=True)
    heading = report.split("\n", 1)[0].capitalize().rstrip(":")
    items = "".join(f"<li><code>{html.escape(d.format())}</code></li>\n" for d in diagnostics)
    listing = (
        f'<div class="{PROBLEMS_CLASS}" markdown="0">\n<p>{html.escape(heading)}. The preview shows this page until '
        "the data is valid again, and reloads by itself when you save the fix.</p>\n"
        f"<ol>\n{items}</ol>\n</div>\n"
    )
    markdown = f"---\ntitle: Policy data problems\nsearch:\n  exclude: true\n---\n\n# Policy data problems\n\n{listing}"
    pages = {file.src_uri for file in files.documentation_pages()} | set(_nav_paths(config.nav or []))
    pages |= {urls.page_source(page(number)) for number in _policies_named(data_dir(config), diagnostics) for page in (urls.page_policy, urls.page_history)}
    for file in list(files.documentation_pages()):
        files.remove(file)
    built = []
    for path in sorted(pages):
        page = File.generated(config, path, content=markdown)
        files.append(page)
        built.append(Path(page.abs_dest_path))
    _session.problems_built = built
    _session.problems_page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Policy data problems</title></head>\n<body><main><h1>Policy data problems</h1>\n{listing}</main>\n{_RELOAD_WHEN_FIXED}\n</body></html>\n"
    )
    return files


def _nav_paths(nav: object) -> Iterator[str]:
    """The page paths named in a `nav:` configuration (lists of titles to paths or to further lists)."""
    if isinstance(nav, str):
        if nav.endswith(".md"):
            yield nav
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_paths(value)
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_paths(item)


def _policies_named(data: Path, diagnostics: Sequence[Diagnostic]) -> set[str]:
    """The policy folders of `data` that a problem is located in."""
    try:
        folders = {folder.name for folder in data.iterdir() if folder.is_dir()}
    except OSError:
        return set()
    return {part for d in diagnostics for part in Path(d.file).parts if part in folders}


def _finish_problems_site(site: Path, page: str, built: Sequence[Path]) -> None:
    """Make `page` the answer to unknown addresses, and leave no other page in the site than the problems site's (`built`).

    With `--dirty`, MkDocs does not empty the site folder: the pages of the last good build
    are removed (those linked from the outputs folder only lose their link). And it converts a
    page again only when its source is newer than the page built: the problems pages are dated
    1970, so that each is built again once the data is fixed.
    """
    keep = {path.resolve() for path in built}
    for path in site.rglob("*.html"):
        if path.resolve() not in keep:
            path.unlink()
    (site / "404.html").write_text(page, encoding="utf-8")
    for path in built:
        if path.is_file():
            os.utime(path, (0, 0))
