"""The plan's own look: site name, logo, favicon, footer, menu and the related-policy note, in one place.

They are configuration, read once from `mkdocs.yml` (`site_name`, the block `extra.policykb`,
documented in the authors' guide, "The plan's own look", and `nav` for the standalone pages'
menu and tabs) into a `SiteLook`,
and used by both layouts: the MkDocs pages (the hook hands the logo and favicon to the theme
and the footer to `overrides/partials/copyright.html`) and the standalone pages
(`generators.outputs.standalone`). The footer is one template, `look/footer.html`, for both.

Defaults are neutral: the site's name, a plain logo (`content/assets/images/logo.svg`), no
contact and no disclaimer (nothing made up), and the related-policy marker alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from generators.errors import PolicyKbError
from generators.outputs.templating import render_template
from generators.text import long_date

#: Where the settings live in `mkdocs.yml`.
SETTINGS_KEY = "extra.policykb"

#: The site's name when `mkdocs.yml` names none.
DEFAULT_SITE_NAME = "Medical Policy Library"

#: The neutral logo and favicon, a file of the docs folder (`content/`).
DEFAULT_LOGO = "assets/images/logo.svg"

#: The theme feature (`theme.features`, Material and Zensical) that shows the nav's top-level entries as tabs.
TABS_FEATURE = "navigation.tabs"


class MenuItem(BaseModel):
    """One entry of the standalone pages' menu: a label and where it leads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, description="What the menu shows, the title of the `nav` entry.")
    url: str = Field(description="A page URL relative to the site root (`policies/`, `\"\"` for home), or an address outside the site (https://, mailto:).")

    @property
    def is_web_address(self) -> bool:
        """True for an address outside the site (web or email), linked as it is."""
        return _is_outside_address(self.url)


#: The standalone pages' menu when `mkdocs.yml` has no `nav`: the site's main pages.
DEFAULT_MENU = (
    MenuItem(label="Home", url=""),
    MenuItem(label="All policies", url="policies/"),
    MenuItem(label="Upcoming changes", url="upcoming/"),
    MenuItem(label="Code lookup", url="lookup/"),
    MenuItem(label="Downloads", url="downloads/"),
    MenuItem(label="How search works", url="search/"),
)


class PaletteOption(BaseModel):
    """One palette of `theme.palette` in `mkdocs.yml`, as Material stores the reader's choice of it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    media: str = Field(default="", description="The system setting it follows, e.g. `(prefers-color-scheme: dark)`.")
    scheme: str = Field(default="default", description="Material's colour scheme: `default` (light) or `slate` (dark).")
    primary: str = Field(default="indigo", description="Material's primary colour.")
    accent: str = Field(default="indigo", description="Material's accent colour.")
    toggle_name: str = Field(default="", description="The name of the switch shown while this palette is on (`Switch to dark mode`).")
    toggle_icon: str = Field(default="", description="The switch's icon, a Material icon name (`material/weather-night`).")


#: The palettes of the standalone pages when `mkdocs.yml` sets none: the project's light and dark.
DEFAULT_PALETTE = (
    PaletteOption(media="(prefers-color-scheme: light)", scheme="default", toggle_name="Switch to dark mode", toggle_icon="material/weather-night"),
    PaletteOption(media="(prefers-color-scheme: dark)", scheme="slate", toggle_name="Switch to light mode", toggle_icon="material/weather-sunny"),
)


class SiteLookError(PolicyKbError, ValueError):
    """`mkdocs.yml` holds settings of the plan's look that are not valid; one line per problem."""


def _is_web_address(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def _is_outside_address(value: str) -> bool:
    """A web or email address: linked as it is from every page, never relative to the site."""
    return _is_web_address(value) or value.startswith("mailto:")


def _web_address(value: str) -> str:
    if not _is_web_address(value) or any(character.isspace() for character in value):
        raise ValueError("an address starting with https:// (or http://), without spaces")
    return value


#: A path of a page of this site a footer link may give instead of a web address
#: (`disclaimer/`, `legal/terms.html`, `guide/authors/#contact`): letters, digits and `._~-/`,
#: ending with `/` or `.html`, then an optional fragment.
_SITE_PAGE = re.compile(r"(?P<path>[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*(?:/|\.html))(?:#[A-Za-z0-9._~-]+)?", re.ASCII)


def _footer_link(value: str) -> str:
    """A web address, or the path of a page of this site; never another scheme (`javascript:`, `data:`).

    A path has no leading `/` (the site may be published under a folder) and no `..`, and its
    first folder has no dot, so that a host name written without `https://`
    (`www.plan.example/`) is an error, not a link to a page that does not exist.
    """
    if _is_web_address(value) and not any(character.isspace() for character in value):
        return value
    page = _SITE_PAGE.fullmatch(value)
    path = page.group("path") if page is not None else ""
    if not path or ".." in path.split("/") or ("/" in path and "." in path.split("/", 1)[0]):
        raise ValueError("an address starting with https:// (or http://), or the path of a page of this site ending with / or .html, such as disclaimer/")
    return value


def _site_file(value: str) -> str:
    if _is_web_address(value):
        return value
    if not value or value.startswith("/") or "\\" in value or ".." in value.split("/") or ":" in value:
        raise ValueError("the path of an image in the docs folder (e.g. assets/images/logo.svg), or an https:// address")
    return value


class Contact(BaseModel):
    """Whom a provider office contacts about the policies: a text, and an address or an email."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, description="What the footer shows, e.g. `Provider services`.")
    url: str | None = Field(default=None, description="A web address (https://) the text links to, or the path of a page of this site (`contact/`).")
    email: str | None = Field(default=None, description="An email address the text links to (`mailto:`).")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _footer_link(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and (value.count("@") != 1 or value.startswith("@") or value.endswith("@") or any(c.isspace() or c in "<>\"'?" for c in value)):
            raise ValueError("an email address such as policies@plan.example")
        return value

    @model_validator(mode="after")
    def _one_address(self) -> Contact:
        if self.url is not None and self.email is not None:
            raise ValueError("either url or email, not both")
        return self

    @property
    def href(self) -> str | None:
        """Where the contact text links to: the web address, or `mailto:` the email; None for text alone."""
        if self.email is not None:
            return f"mailto:{self.email}"
        return self.url


class SiteLook(BaseModel):
    """The plan's look as `mkdocs.yml` sets it (`site_name` and `extra.policykb`); plain, picklable data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site_name: str = Field(default=DEFAULT_SITE_NAME, min_length=1, description="The site's name (`site_name`), in every page's header and title.")
    plan_name: str = Field(default="", description="The health plan's name: in the footer and at the top of every printed page of a policy. Empty: the site name.")
    logo: str = Field(default=DEFAULT_LOGO, description="The logo in the header: the path of an image in the docs folder (`content/`), or an https:// address.")
    favicon: str = Field(default=DEFAULT_LOGO, description="The browser tab's icon: the path of an image in the docs folder, or an https:// address.")
    contact: Contact | None = Field(default=None, description="Whom to contact, in the footer: `text` with a `url` or an `email` (or neither). None: no contact line.")
    disclaimer_url: str = Field(
        default="",
        description="The plan's disclaimer, linked from the footer: an https:// address, or the path of a page of this site (`disclaimer/`, a hand-written page of `content/`). Empty: no link.",
    )
    menu: tuple[MenuItem, ...] = Field(
        default=DEFAULT_MENU,
        description=(
            "The standalone pages' menu, as the MkDocs pages' navigation (not a setting of `extra.policykb`): the top-level entries of `nav` in `mkdocs.yml`;"
            " with tabs, the entries of the first, the providers' section, which the standalone pages belong to. No `nav`: the site's main pages."
        ),
    )
    tabs: tuple[MenuItem, ...] = Field(
        default=(),
        description="The site's sections, shown as tabs above the standalone pages as above the MkDocs pages: the top-level entries of `nav` when `theme.features` has `navigation.tabs`; the first is the standalone pages' own. Empty: no tabs.",
    )
    palette: tuple[PaletteOption, ...] = Field(
        default=DEFAULT_PALETTE,
        description="The palettes the standalone pages switch between, as the MkDocs pages: `theme.palette` in `mkdocs.yml` (not a setting of `extra.policykb`).",
    )
    related_policy_note: str = Field(
        default="",
        description="Shown beside a related policy that is not in this knowledge base, after the marker; the data's inline formatting (`**strong**`, `*emphasis*`, web addresses become links). Empty: the marker alone.",
    )

    @field_validator("logo", "favicon")
    @classmethod
    def _file(cls, value: str) -> str:
        return _site_file(value)

    @field_validator("disclaimer_url")
    @classmethod
    def _disclaimer(cls, value: str) -> str:
        return value and _footer_link(value)

    @property
    def owner(self) -> str:
        """The name the footer and the printed pages give: the plan's, else the site's."""
        return self.plan_name or self.site_name

    def asset_href(self, path: str, href: Callable[[str], str]) -> str:
        """The link to an image of the look (`logo`, `favicon`) from a page, whose `href` links to site paths."""
        return path if _is_web_address(path) else href(path)

    def footer(self, as_of: date, root: str = "") -> Markup:
        """The site's footer for a build as of `as_of` ("last built on"), for a page whose link to the site root is `root`.

        Args:
            as_of: The build's date.
            root: Prepended to a footer link that is a path of this site (`../../` on a page two
                folders down, `/` on the 404 page); web and email addresses are linked as they are.
        """
        return _footer(self, as_of, root)


@lru_cache(maxsize=32)
def _footer(look: SiteLook, as_of: date, root: str) -> Markup:
    """`SiteLook.footer`, rendered once per build and page depth."""

    def link(url: str) -> str:
        return url if _is_outside_address(url) else f"{root}{url}"

    contact_href = link(look.contact.href) if look.contact is not None and look.contact.href is not None else None
    disclaimer_href = link(look.disclaimer_url) if look.disclaimer_url else None
    return Markup(render_template("look/footer.html", look=look, contact_href=contact_href, disclaimer_href=disclaimer_href, built_on=as_of, built_on_text=long_date(as_of)))


def root_of(base_url: str) -> str:
    """The prefix of a page's links to site paths from MkDocs' `base_url` (`../..`: `../../`; `.`: nothing; `/`: `/`)."""
    return "" if base_url in ("", ".") else f"{base_url.rstrip('/')}/"


@dataclass(frozen=True)
class PageFooter:
    """The footer for the theme's pages (`overrides/partials/copyright.html` calls it with the page's `base_url`)."""

    look: SiteLook
    as_of: date

    def __call__(self, base_url: str) -> Markup:
        """The footer of a page whose `base_url` (MkDocs' link to the site root) is `base_url`."""
        return self.look.footer(self.as_of, root_of(base_url))


def site_look(
    site_name: object,
    settings: object,
    *,
    source: str,
    docs_dir: Path | None = None,
    nav: object = None,
    directory_urls: bool = True,
    palette: object = None,
    tabs: bool = False,
) -> SiteLook:
    """The look from `site_name`, the `extra.policykb` block and the `nav` of an MkDocs configuration.

    Args:
        site_name: `site_name`; None or empty for the default.
        settings: The `extra.policykb` mapping; None when the block is absent.
        source: The configuration's file name, for messages.
        docs_dir: The docs folder, where a `logo` or `favicon` set in the settings must be; None:
            not checked. (The defaults are the project's own `content/assets/images/logo.svg`.)
            Also where the title of a `nav` page given without one is read (its `# ` heading).
        nav: `nav`, whose top-level entries make the standalone pages' menu (`nav_menu`); None
            (no `nav`): `DEFAULT_MENU`.
        directory_urls: `use_directory_urls`: a page `lookup.md` is at `lookup/` (else `lookup.html`).
        palette: `theme.palette` (`theme_palette`); None: `DEFAULT_PALETTE`.
        tabs: The theme shows the nav's top-level entries as tabs (`TABS_FEATURE`): they are the
            tabs, and the entries of the first are the menu (`nav_tabs`).

    Raises:
        SiteLookError: Every problem, one a line: the file, the key, what was found, what is expected.
    """
    if settings is None:
        settings = {}
    if not isinstance(settings, Mapping):
        raise SiteLookError(f"{source}: {SETTINGS_KEY}: found {settings!r}; expected a mapping of settings ({', '.join(_SETTINGS)})")
    for key, where in (("menu", "the top-level entries of nav"), ("palette", "theme.palette")):
        if key in settings:
            raise SiteLookError(f"{source}: {SETTINGS_KEY}.{key}: found an unknown setting; expected one of {', '.join(_SETTINGS)} (the {key} is {where})")
    raw = {**settings, **({"site_name": site_name} if site_name else {})}
    try:
        look = SiteLook.model_validate(raw)
    except ValidationError as error:
        raise SiteLookError("\n".join(_problem(source, item) for item in error.errors())) from None
    if nav is not None and tabs:
        look = look.model_copy(update=dict(zip(("tabs", "menu"), nav_tabs(nav, source=source, docs_dir=docs_dir, directory_urls=directory_urls), strict=True)))
    elif nav is not None:
        look = look.model_copy(update={"menu": nav_menu(nav, source=source, docs_dir=docs_dir, directory_urls=directory_urls)})
    if palette is not None:
        look = look.model_copy(update={"palette": theme_palette(palette, source=source)})
    if docs_dir is not None:
        missing = [
            f"{source}: {SETTINGS_KEY}.{key}: found {path!r}, which is not a file of {docs_dir}; expected the path of an image in the docs folder, or an https:// address"
            for key, path in (("logo", look.logo), ("favicon", look.favicon))
            if key in settings and not _is_web_address(path) and not (docs_dir / path).is_file()
        ]
        if missing:
            raise SiteLookError("\n".join(missing))
    return look


_SETTINGS = [name for name in SiteLook.model_fields if name not in ("site_name", "menu", "tabs", "palette")]


def theme_palette(palette: object, *, source: str) -> tuple[PaletteOption, ...]:
    """The palettes of Material's `theme.palette`: a list of palettes (with toggles), or one palette (no switch).

    Raises:
        SiteLookError: `theme.palette` is neither a mapping nor a list of mappings.
    """
    options = [palette] if isinstance(palette, Mapping) else palette
    if not isinstance(options, list) or not all(isinstance(option, Mapping) for option in options):
        raise SiteLookError(f"{source}: theme.palette: found {palette!r}; expected a palette or a list of palettes")
    result = []
    for option in options:
        toggle = option.get("toggle") if isinstance(option.get("toggle"), Mapping) else {}
        fields = {key: str(option[key]).replace(" ", "-") for key in ("scheme", "primary", "accent") if option.get(key)}
        result.append(PaletteOption(media=str(option.get("media") or ""), toggle_name=str(toggle.get("name") or ""), toggle_icon=str(toggle.get("icon") or ""), **fields))
    return tuple(result)


def nav_tabs(nav: object, *, source: str, docs_dir: Path | None = None, directory_urls: bool = True) -> tuple[tuple[MenuItem, ...], tuple[MenuItem, ...]]:
    """The tabs and the menu of the standalone pages from MkDocs' `nav` when the theme shows it as tabs.

    The tabs are the top-level entries (`nav_menu`), as Material's tabs bar shows them. The
    standalone pages belong to the first tab, the providers' section: their menu is its entries,
    as the MkDocs pages' sidebar shows them (a first tab that is a page, not a section: that page).

    Raises:
        SiteLookError: As `nav_menu`, for the top-level entries or the first section's.
    """
    tabs = nav_menu(nav, source=source, docs_dir=docs_dir, directory_urls=directory_urls)
    title, target = _nav_entry(nav[0] if isinstance(nav, list) and nav else None)
    if not isinstance(target, list):
        return tabs, tabs[:1]
    return tabs, nav_menu(target, source=source, docs_dir=docs_dir, directory_urls=directory_urls, key=f"nav[0].{title}")


def _nav_entry(entry: object) -> tuple[object, object]:
    """An entry of MkDocs' `nav` as (title, page or section): `Title: target`, or an untitled target (title None)."""
    return next(iter(entry.items())) if isinstance(entry, Mapping) and len(entry) == 1 else (None, entry)


def nav_menu(nav: object, *, source: str, docs_dir: Path | None = None, directory_urls: bool = True, key: str = "nav") -> tuple[MenuItem, ...]:
    """The standalone pages' menu from MkDocs' `nav`: one entry per top-level entry, as the MkDocs pages' navigation shows it.

    A page (`Title: page.md`) links to its URL; a section (`Title: [...]`) to its first page,
    as its index; a web address is linked as it is. A page without a title gets its `# ` heading
    in `docs_dir`, else its file name, as MkDocs gives it.

    Args:
        nav: The list of entries (`nav`, or a section's).
        source: The configuration's file name, for messages.
        docs_dir: Where a page without a title is read for its heading.
        directory_urls: `use_directory_urls`.
        key: Where `nav` is in the configuration, for messages (`nav`, `nav[0].Policy library`).

    Raises:
        SiteLookError: `nav` is not a list, or an entry is not a page, a section or a web address.
    """
    if not isinstance(nav, list):
        raise SiteLookError(f"{source}: {key}: found {nav!r}; expected a list of pages and sections")
    menu = []
    for position, entry in enumerate(nav):
        title, target = _nav_entry(entry)
        page = _first_page(target)
        if page is None or not (title is None or isinstance(title, str)) or not _is_menu_target(page):
            raise SiteLookError(f"{source}: {key}[{position}]: found {entry!r}; expected a page of the docs folder (Title: page.md), a section (Title: [pages]) or an address (https://..., mailto:...)")
        url = page if _is_outside_address(page) else _page_url(page, directory_urls)
        menu.append(MenuItem(label=title or _page_title(page, docs_dir), url=url))
    return tuple(menu)


def _is_menu_target(page: str) -> bool:
    """A `nav` target the standalone menu can link: a web or `mailto:` address, or a Markdown page inside the docs folder (no scheme, no `..`, not absolute)."""
    if _is_outside_address(page):
        return not any(character.isspace() for character in page)
    return page.endswith(".md") and not page.startswith("/") and ":" not in page and "\\" not in page and ".." not in page.split("/")


def _first_page(target: object) -> str | None:
    """The page a `nav` entry's value leads to: itself, or a section's first page (None: none found)."""
    if isinstance(target, str):
        return target
    if isinstance(target, Mapping) and len(target) == 1:
        return _first_page(next(iter(target.values())))
    if isinstance(target, list):
        return next((page for page in map(_first_page, target) if page is not None), None)
    return None


def _page_url(page: str, directory_urls: bool) -> str:
    """The URL of a docs file (`lookup.md`, `policies/index.md`), relative to the site root, as MkDocs publishes it."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/" if directory_urls else f"{stem}.html"


def _page_title(page: str, docs_dir: Path | None) -> str:
    """A page's title when `nav` gives none: its first `# ` heading, else its name (`lookup.md`: Lookup)."""
    path = None if docs_dir is None or _is_web_address(page) else docs_dir / page
    if path is not None and path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    name = page.rstrip("/").removesuffix(".md").split("/")
    stem = name[-2] if name[-1] == "index" and len(name) > 1 else name[-1]
    return "Home" if stem == "index" else stem.replace("-", " ").replace("_", " ").capitalize()


def _problem(source: str, item: Mapping[str, Any]) -> str:
    """One pydantic problem as `mkdocs.yml: extra.policykb.contact.url: found ...; expected ...`."""
    location = [str(part) for part in item["loc"]]
    key = "site_name" if location[:1] == ["site_name"] else ".".join([SETTINGS_KEY, *location])
    message = str(item["msg"]).removeprefix("Value error, ").removeprefix("Input should be ")
    if item["type"] == "extra_forbidden":
        known = _SETTINGS if len(location) == 1 else list(Contact.model_fields)
        return f"{source}: {key}: found an unknown setting; expected one of {', '.join(known)}"
    if item["type"] == "missing":
        return f"{source}: {key}: found nothing; expected a text"
    return f"{source}: {key}: found {item['input']!r}; expected {message[:1].lower()}{message[1:]}"


class _TolerantLoader(yaml.SafeLoader):
    """YAML's safe loader that reads MkDocs' tags (`!ENV`, `!!python/name:`) as None."""


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def mkdocs_settings(config: Path) -> dict[str, Any]:
    """An MkDocs configuration's settings, read without running MkDocs (tags such as `!ENV` read as None)."""
    settings = yaml.load(config.read_text(encoding="utf-8"), Loader=_TolerantLoader) or {}  # noqa: S506 - SafeLoader subclass
    return settings if isinstance(settings, dict) else {}


def read_site_look(config: Path) -> SiteLook:
    """The look an MkDocs configuration file sets (see `site_look`), its images checked in its docs folder."""
    settings = mkdocs_settings(config)
    return site_look_of_settings(settings, source=config.name, docs_dir=config.parent / str(settings.get("docs_dir") or "docs"))


def site_look_of_settings(settings: Mapping[str, Any], *, source: str, docs_dir: Path) -> SiteLook:
    """The look of an MkDocs configuration's settings (read from the file, or MkDocs' own `config`): `site_look` of its keys.

    Args:
        settings: The configuration's settings: `site_name`, `extra.policykb`, `nav`,
            `use_directory_urls`, `theme.palette` and `theme.features` are read.
        source: The configuration's file name, for messages.
        docs_dir: Its docs folder, where the look's images must be.
    """
    extra, theme = settings.get("extra"), settings.get("theme")
    features = theme.get("features") if hasattr(theme, "get") else None  # a mapping, or MkDocs' Theme
    return site_look(
        settings.get("site_name"),
        extra.get("policykb") if isinstance(extra, Mapping) else None,
        source=source,
        docs_dir=docs_dir,
        nav=settings.get("nav"),
        directory_urls=settings.get("use_directory_urls", True) is not False,
        palette=theme.get("palette") if hasattr(theme, "get") else None,
        tabs=isinstance(features, list) and TABS_FEATURE in features,
    )
