"""Render the provider-facing site: Markdown page sources for MkDocs Material (or a successor).

`render_site_pages(library)` returns every generated page as Markdown source keyed by its path
under the docs folder (`policies/6.01.03/index.md`); the thin MkDocs adapter
(`generators.mkdocs_hook`) adds them as virtual files and `policykb pages` writes them to a
folder. Nothing here knows about MkDocs: the pages are Jinja2 templates of
`generators/templates/site/`, Markdown with HTML blocks (`md_in_html`).

Text from the data only ever reaches a page through the `html` filter (escaped, plus the
inline markup of `generators.text`) and always inside an HTML block, where Markdown does not
parse it: a `[link](javascript:...)` or `_underscores_` in the data stays text.

Links between pages are written relative to the linking page, so the site works from any
folder and over `file://`. A link to an output that another stage publishes (a diff page, the
code lookup) is written only when that output is in `published`, so a link never dangles.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Collection
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from .. import icd10, urls
from ..model import CodeEntry, CodeSystem, Determination, Library, Policy, Revision, policy_sort_key
from ..text import to_plain
from . import render_template
from .json_api import dump_json, policy_summary

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


def relative_url(from_page: str, target: str) -> str:
    """The link from the page at URL `from_page` to `target` (a page URL or a file path).

    Both are relative to the site root; page URLs end with `/` (the home page is `""`).
    """
    base = from_page.rstrip("/") or "."
    path, _, fragment = target.partition("#")
    link = posixpath.relpath(path.rstrip("/") or ".", base)
    if path == "" or path.endswith("/"):
        link = "./" if link == "." else f"{link}/"
    return f"{link}#{fragment}" if fragment else link


def meta_title(text: str) -> Markup:
    """A page title for front matter: plain text, HTML-escaped, angle brackets replaced.

    The theme prints front-matter titles into the header unescaped and into `<title>` after
    unescaping them, so the title there must not hold `<` or `>` at all; the page's own
    heading shows the exact text.
    """
    plain = to_plain(text).replace("<", "‹").replace(">", "›")
    return Markup(json.dumps(escape(plain, quote=False), ensure_ascii=False))


def expand_icd10_range(entry: CodeEntry[str]) -> RangeExpansion:
    """The member codes of an ICD-10-CM range entry with their official descriptions."""
    try:
        return RangeExpansion(icd10.expand_range(str(entry.range_start), str(entry.range_end)))
    except icd10.RangeError as error:
        return RangeExpansion((), str(error))


class _PageContext:
    """What every template gets: the page's own URL and a way to link from it."""

    def __init__(self, library: Library, published: Collection[str], page_url: str) -> None:
        self.library = library
        self.published = published
        self.page_url = page_url

    def href(self, target: str) -> str:
        """Link from this page to `target` (relative to the site root)."""
        return relative_url(self.page_url, target)

    def is_published(self, page_url: str) -> bool:
        """True when the page with this URL is part of the build (as `u/index.md` or `u.md`)."""
        return bool({urls.page_source(page_url), f"{page_url.rstrip('/')}.md"} & set(self.published))

    def has_file(self, path: str) -> bool:
        """True when the data file at `path` (relative to the site root) is part of the build."""
        return path in self.published

    def as_dict(self) -> dict[str, object]:
        return {
            "library": self.library,
            "page_url": self.page_url,
            "href": self.href,
            "is_published": self.is_published,
            "has_file": self.has_file,
            "urls": urls,
            "determination_style": DETERMINATION_STYLES.__getitem__,
            "meta_title": meta_title,
            "code_systems": CodeSystem,
        }


def _diff_url(policy: Policy, older: Revision, newer: Revision) -> str:
    return urls.page_diff(policy.number, older.key, newer.key)


def _revision_context(policy: Policy, revision: Revision, context: _PageContext) -> dict[str, object]:
    """What the policy page and an archived revision page both show."""
    index = policy.revisions.index(revision)
    previous = policy.revisions[index - 1] if index > 0 else None
    following = policy.revisions[index + 1] if index + 1 < len(policy.revisions) else None
    diff_url = _diff_url(policy, previous, revision) if previous is not None else None
    next_diff_url = _diff_url(policy, revision, following) if following is not None else None
    numbers = {reference.id: position for position, reference in enumerate(revision.references, start=1)}
    ranges = {entry.display: expand_icd10_range(entry) for entry in revision.codes.icd10cm.entries if entry.is_range}
    known_policies = {p.number for p in context.library.policies}
    return {
        **context.as_dict(),
        "policy": policy,
        "revision": revision,
        "is_current": revision is policy.current,
        "previous": previous,
        "diff_url": diff_url if diff_url is not None and context.is_published(diff_url) else None,
        "following": following,
        "next_diff_url": next_diff_url if next_diff_url is not None and context.is_published(next_diff_url) else None,
        "reference_number": numbers.__getitem__,
        "range_expansion": ranges.__getitem__,
        "icd10_release": icd10.CODE_SET_RELEASE,
        "is_known_policy": known_policies.__contains__,
        "flag_meaning": {entry.flag: entry.meaning for entry in revision.codes.legend}.get,
    }


def _history_rows(policy: Policy, context: _PageContext) -> list[dict[str, object]]:
    """Stored revisions, newest first, with their page, JSON and diff links."""
    rows = []
    for index, revision in enumerate(policy.revisions):
        previous = policy.revisions[index - 1] if index > 0 else None
        diff_url = _diff_url(policy, previous, revision) if previous is not None else None
        page = urls.page_policy(policy.number) if revision is policy.current else urls.page_revision(policy.number, revision.key)
        rows.append(
            {
                "revision": revision,
                "page_url": page,
                "json_url": urls.api_revision(policy.number, revision.key),
                "previous": previous,
                "diff_url": diff_url if diff_url is not None and context.is_published(diff_url) else None,
            }
        )
    return rows[::-1]


def _render(name: str, **context: object) -> str:
    return render_template(f"{TEMPLATES}/{name}", **context)


def _download_example(library: Library) -> str:
    """A real entry of `index.json`, shortened to the first policy, as the downloads example."""
    first = library.policies[0]
    excerpt = {"api_version": urls.API_VERSION, "schema_url": urls.api_schema("index"), "policies": [policy_summary(first).model_dump(mode="json")]}
    return dump_json(excerpt).decode("utf-8")


def render_site_pages(library: Library, published: Collection[str] = frozenset()) -> dict[str, str]:
    """Every generated page of the site, keyed by its source path under the docs folder.

    Args:
        library: The validated knowledge base.
        published: Paths of the other outputs of the build (diff pages, data files); a link
            to an optional page is written only when the page is among them.

    Returns:
        Markdown sources, e.g. `policies/6.01.03/index.md`, in a stable order.
    """
    pages: dict[str, str] = {}
    policies = sorted(library.policies, key=lambda p: policy_sort_key(p.number))

    def put(page_url: str, template: str, build: Callable[[_PageContext], dict[str, object]]) -> None:
        context = _PageContext(library, published, page_url)
        pages[urls.page_source(page_url)] = _render(template, **build(context))

    summaries = [policy_summary(p) for p in policies]
    put(urls.page_home(), "home.md", lambda c: {**c.as_dict(), "summaries": summaries})
    put(urls.page_policies(), "policies.md", lambda c: {**c.as_dict(), "summaries": summaries, "policies": policies})
    put(
        urls.page_downloads(),
        "downloads.md",
        lambda c: {**c.as_dict(), "policies": policies, "example": _download_example(library)},
    )
    for policy in policies:
        put(urls.page_policy(policy.number), "policy.md", lambda c, p=policy: _revision_context(p, p.current, c))
        put(urls.page_history(policy.number), "history.md", lambda c, p=policy: {**c.as_dict(), "policy": p, "rows": _history_rows(p, c)})
        for revision in policy.revisions[:-1]:
            put(urls.page_revision(policy.number, revision.key), "revision.md", lambda c, p=policy, r=revision: _revision_context(p, r, c))
    return dict(sorted(pages.items()))
