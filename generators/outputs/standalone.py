"""Finished HTML pages published outside MkDocs, in a small layout of our own.

Archived revision pages and "what changed" pages are 8,000 of the 10,013 pages of a library of
1,000 policies with 5 revisions each. Given to MkDocs, each was parsed as Markdown, indexed
by the search plugin and wrapped in Material's whole page chrome (header, navigation, table
of contents, scripts): most of the build's time and of the site's size. They are rendered here
instead as finished HTML (`index.html` at the same directory URL as before) and published as
data files (`generators.build.assemble.is_site_source` is False for them): MkDocs only copies them.

The layout (`templates/standalone/layout.html`) links the stylesheets the rest of the site
uses, so the pages look the same: Material's compiled stylesheets, found in the installed
`material` package (their file names carry a hash that changes with Material's version), and
ours (`PKB_STYLESHEETS`). It has a header (the plan's logo and the site name, linking home,
a menu of the site's main pages, `SiteLook.menu`: the top-level entries of `nav` as on the
MkDocs pages, and the site's search box with its one script), the site's sections as tabs when the
theme shows them (`SiteLook.tabs`, the first, the providers', current), a breadcrumb,
the site's footer, and print and phone styles from those stylesheets. The plan's look (name,
logo, favicon, footer) is the `SiteLook` read from `mkdocs.yml` (`generators.outputs.look`), as
on the MkDocs pages; the palette is the reader's (`PALETTE_SCRIPT`).
These pages are in neither the search index (`generators.outputs.search`) nor the sitemap; they are
reached through the links of the policy and history pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files as package_files

from markupsafe import Markup

from generators import urls
from generators.errors import PolicyKbError
from generators.model import Policy
from generators.outputs.look import MenuItem, SiteLook
from generators.outputs.search import BUNDLE_FOLDER
from generators.text import to_plain
from generators.outputs.templating import render_template

#: Where the diff pages' stylesheet goes in the site (listed in mkdocs.yml `extra_css` too).
DIFF_CSS_PATH = "assets/stylesheets/diff.css"

#: Our stylesheets, as mkdocs.yml `extra_css` lists them for the MkDocs pages: the hand-written
#: `content/stylesheets/policykb.css` (policy pages, print and phone layouts) and the diff pages'.
PKB_STYLESHEETS = ("stylesheets/policykb.css", DIFF_CSS_PATH)

#: Our scripts on these pages: the header's search box (hand-written `content/javascripts/search.js`, in mkdocs.yml `extra_javascript` too).
PKB_SCRIPTS = ("javascripts/search.js",)

#: The script that gives the page the reader's palette before it is shown (light or dark: the
#: one chosen on the MkDocs pages, else the system's), loaded first in the body, not deferred.
PALETTE_SCRIPT = "javascripts/standalone-palette.js"

#: The script of the search bundle Pagefind writes into the site.
SEARCH_BUNDLE = f"{BUNDLE_FOLDER}/pagefind.js"



class ThemeNotFoundError(PolicyKbError, RuntimeError):
    """The installed `material` package does not hold the compiled stylesheets we expect."""


@dataclass(frozen=True)
class Crumb:
    """One step of a page's breadcrumb: a label and the URL of its page (relative to the site root)."""

    label: str
    url: str


def relative_url(from_page: str, target: str) -> str:
    """The link from the page at URL `from_page` to `target` (a page URL or a file path).

    Both are relative to the site root; page URLs end with `/` (the home page is `""`).
    Computed from the path segments (what `posixpath.relpath` gives, without asking the
    file system for the working folder on each of the thousands of links of a page).
    """
    path, _, fragment = target.partition("#")
    base = [segment for segment in from_page.split("/") if segment]
    parts = [segment for segment in path.split("/") if segment]
    common = 0
    while common < min(len(base), len(parts)) and base[common] == parts[common]:
        common += 1
    link = "/".join([".."] * (len(base) - common) + parts[common:]) or "."
    if path == "" or path.endswith("/"):
        link = "./" if link == "." else f"{link}/"
    return f"{link}#{fragment}" if fragment else link


def policy_breadcrumb(policy: Policy) -> list[Crumb]:
    """The breadcrumb of the pages under a policy's history: policy list > policy > history."""
    return [
        Crumb("All policies", urls.page_policies()),
        Crumb(f"{policy.number} {to_plain(policy.title)}", urls.page_policy(policy.number)),
        Crumb("Revision history", urls.page_history(policy.number)),
    ]


@cache
def theme_stylesheets() -> tuple[str, ...]:
    """Material's compiled stylesheets as the theme publishes them: `assets/stylesheets/main.<hash>.min.css`, then the palette's.

    Raises:
        ThemeNotFoundError: When the installed theme has not exactly one of each.
    """
    folder = package_files("material").joinpath("templates", "assets", "stylesheets")
    names = sorted(entry.name for entry in folder.iterdir())
    found = []
    for stem in ("main", "palette"):
        matches = [name for name in names if re.fullmatch(rf"{stem}\.[0-9a-f]+\.min\.css", name)]
        if len(matches) != 1:
            raise ThemeNotFoundError(f"expected one {stem}.<hash>.min.css in {folder}, found {matches or 'none'}")
        found.append(f"assets/stylesheets/{matches[0]}")
    return tuple(found)


@cache
def theme_icon(name: str) -> Markup:
    """A Material icon (`material/weather-night`) as the theme's templates include it: its SVG file's markup.

    Raises:
        ThemeNotFoundError: When the installed theme has no such icon.
    """
    parts = name.split("/")
    icon = package_files("material").joinpath("templates", ".icons", *parts[:-1], f"{parts[-1]}.svg")
    if not all(re.fullmatch(r"[a-z0-9-]+", part) for part in parts) or not icon.is_file():
        raise ThemeNotFoundError(f"the theme has no icon {name!r} (theme.palette toggle icon)")
    return Markup(icon.read_text(encoding="utf-8").strip())  # noqa: S704 - the installed theme's own file


def palette_switch(look: SiteLook) -> dict[str, object] | None:
    """The header's light/dark switch, as the MkDocs pages have it: the palettes (for the script) and their icons; None without a switch.

    The script (`PALETTE_SCRIPT`) writes the reader's choice where Material keeps it
    (localStorage, `<site path>.__palette`, `{"index": ..., "color": {...}}`), so the choice
    carries between the MkDocs pages and these both ways.
    """
    if len(look.palette) < 2 or not all(option.toggle_name for option in look.palette):
        return None
    palettes = [{"media": o.media, "scheme": o.scheme, "primary": o.primary, "accent": o.accent, "name": o.toggle_name} for o in look.palette]
    icons = [theme_icon(option.toggle_icon) if option.toggle_icon else Markup("") for option in look.palette]
    return {"palettes": palettes, "icons": icons, "label": look.palette[0].toggle_name}


def render_standalone_page(template: str, page_url: str, breadcrumb: list[Crumb], context: Mapping[str, object], *, look: SiteLook, as_of: date, preview: bool = False) -> str:
    """A finished HTML page at `page_url` from a template that extends `standalone/layout.html`.

    Args:
        template: The page's template, under `generators/outputs/templates/`.
        page_url: The page's directory URL (relative to the site root); its links are relative to it.
        breadcrumb: The pages above this one, from the top.
        context: What the template shows (the layout's names win: `href`, `page_url`...).
        look: The plan's look (site name, logo, favicon, footer).
        as_of: The date the site is built for (the footer's "last built on").
        preview: A preview showing drafts (`SiteContext.drafts`): the DRAFT PREVIEW banner, as on the MkDocs pages.
    """

    def href(target: str) -> str:
        return relative_url(page_url, target)

    def link(item: MenuItem) -> str:  # a menu entry or a tab: a web address as it is, a page of the site relative
        return item.url if item.is_web_address else href(item.url)

    layout = {
        "page_url": page_url,
        "href": href,
        "site_name": look.site_name,
        "logo": look.asset_href(look.logo, href),
        "favicon": look.asset_href(look.favicon, href),
        "site_footer": look.footer(as_of, href("")),
        "menu": [(item.label, link(item)) for item in look.menu],
        "tabs": [(item.label, link(item)) for item in look.tabs],
        "stylesheets": (*theme_stylesheets(), *PKB_STYLESHEETS),
        "palette_script": PALETTE_SCRIPT,
        "palette": look.palette[0] if look.palette else None,
        "palette_switch": palette_switch(look),
        "scripts": PKB_SCRIPTS,
        "search_bundle": SEARCH_BUNDLE,
        "breadcrumb": breadcrumb,
        "preview": preview,
    }
    return render_template(template, **{**context, **layout})
