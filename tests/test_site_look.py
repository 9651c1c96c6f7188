"""The plan's own look (`extra.policykb` in mkdocs.yml): one configuration for both layouts.

Promises: the plan's name, contact, disclaimer, logo and favicon set in `mkdocs.yml` reach the
MkDocs pages and the standalone pages alike; the footer says when the site was built (its
as-of date, so the same data and date give the same bytes); a related policy outside the
knowledge base carries the plan's note; a mistake in the settings stops the build at once
with the file, the key, what was found and what is expected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generators.adapters.cli import main
from generators.model import Library
from generators.outputs.look import DEFAULT_MENU, MenuItem, PageFooter, SiteLook, SiteLookError, nav_menu, nav_tabs, read_site_look, root_of, site_look
from generators.outputs.site import render_site_pages
from generators.outputs.standalone import render_standalone_page
from tests.conftest import AS_OF, DATA, ROOT

PLAN = {
    "plan_name": "Example Health Plan",
    "contact": {"text": "Provider services", "email": "policies@plan.example"},
    "disclaimer_url": "https://plan.example/disclaimer",
    "related_policy_note": "See the plan's policy library: https://plan.example/policies",
}


def plan_config(tmp_path: Path, settings: str) -> Path:
    """A copy of the project's mkdocs.yml in `tmp_path` with `settings` as its `extra.policykb` block."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for relative in ("content", "overrides", "generators/adapters/mkdocs_hook.py", "policy_data", "generators"):
        text = re.sub(rf"(?m)(^\s*(?:-|docs_dir:|custom_dir:)\s*){re.escape(relative)}$", rf"\g<1>{ROOT / relative}", text)
    text = text.replace("paths: [.]", f"paths: [{ROOT}]")
    head, _, _ = text.partition("\nextra:\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"{head}\nextra:\n  policykb:\n{settings}", encoding="utf-8")
    return config


def test_the_projects_configuration_is_the_neutral_look() -> None:
    look = read_site_look(ROOT / "mkdocs.yml")
    assert look.model_copy(update={"menu": DEFAULT_MENU, "tabs": ()}) == SiteLook()  # the menu and the tabs are the nav's
    assert look.owner == "Medical Policy Library" and look.contact is None and look.disclaimer_url == ""
    assert (ROOT / "content" / look.logo).is_file() and (ROOT / "content" / look.favicon).is_file()


def test_the_footer_names_the_plan_its_contact_its_disclaimer_and_the_build_date() -> None:
    footer = site_look("Policies", PLAN, source="mkdocs.yml").footer(AS_OF)
    assert '<span class="pkb-site-footer__owner">Example Health Plan</span>' in footer
    assert '<a href="mailto:policies@plan.example">Provider services</a>' in footer
    assert '<a href="https://plan.example/disclaimer">Disclaimer</a>' in footer
    assert 'Last built on <time datetime="2026-12-04">December 4, 2026</time>' in footer
    neutral = SiteLook().footer(AS_OF)
    assert "Disclaimer" not in neutral and "mailto:" not in neutral and "Medical Policy Library" in neutral


def test_a_related_policy_outside_the_knowledge_base_carries_the_plans_note(library: Library) -> None:
    look = site_look(None, PLAN, source="mkdocs.yml")
    page = render_site_pages(library, AS_OF, look=look)["policies/6.01.03/index.md"]
    absent = page.split('<span class="pkb-policy-number">11.01.03</span>', 1)[1].split("</li>", 1)[0]
    assert "not in this knowledge base</span>" in absent
    assert '<span class="pkb-related__note">See the plan&#x27;s policy library: <a href="https://plan.example/policies" rel="noopener">https://plan.example/policies</a></span>' in absent
    assert "pkb-related__note" not in render_site_pages(library, AS_OF)["policies/6.01.03/index.md"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({"plan_name": 3}, "mkdocs.yml: extra.policykb.plan_name: found 3; expected a valid string", id="not-text"),
        pytest.param({"contact": {"text": "Call us", "url": "plan.example"}}, "mkdocs.yml: extra.policykb.contact.url: found 'plan.example'; expected an address starting with https://", id="url-without-scheme"),
        pytest.param({"contact": {"text": "Call us", "email": "nobody"}}, "mkdocs.yml: extra.policykb.contact.email: found 'nobody'; expected an email address", id="email"),
        pytest.param({"contact": {"url": "https://plan.example"}}, "mkdocs.yml: extra.policykb.contact.text: found nothing; expected a text", id="contact-without-text"),
        pytest.param({"disclaimer_url": "javascript:alert(1)"}, "mkdocs.yml: extra.policykb.disclaimer_url: found 'javascript:alert(1)'; expected an address starting with https://", id="script-url"),
        pytest.param({"logo": "/etc/logo.svg"}, "mkdocs.yml: extra.policykb.logo: found '/etc/logo.svg'; expected the path of an image in the docs folder", id="absolute-logo"),
        pytest.param({"plan_nam": "Typo"}, "mkdocs.yml: extra.policykb.plan_nam: found an unknown setting; expected one of plan_name, logo, favicon, contact, disclaimer_url, related_policy_note", id="typo"),
    ],
)
def test_a_mistake_in_the_settings_names_the_file_the_key_what_was_found_and_what_is_expected(settings: dict[str, object], expected: str) -> None:
    with pytest.raises(SiteLookError) as error:
        site_look(None, settings, source="mkdocs.yml")
    assert str(error.value).startswith(expected), str(error.value)


def test_every_problem_is_reported_at_once_and_a_missing_image_is_one() -> None:
    with pytest.raises(SiteLookError) as error:
        site_look(None, {"plan_name": 3, "disclaimer_url": "plan.example"}, source="mkdocs.yml")
    assert [line.split(":")[1].strip() for line in str(error.value).splitlines()] == ["extra.policykb.plan_name", "extra.policykb.disclaimer_url"]
    with pytest.raises(SiteLookError, match=r"extra.policykb.logo: found 'assets/images/ours.svg', which is not a file of .*content"):
        site_look(None, {"logo": "assets/images/ours.svg"}, source="mkdocs.yml", docs_dir=ROOT / "content")


def test_the_build_stops_at_once_on_a_mistake_in_the_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = plan_config(tmp_path, '    contact: {text: "Call us", url: "www.plan.example"}\n')
    code = main(["--data", str(DATA), "build", "--out", str(tmp_path / "site"), "--config", str(config), "--as-of", AS_OF.isoformat()])
    assert code == 1
    assert "policykb: error: mkdocs.yml: extra.policykb.contact.url: found 'www.plan.example'; expected an address starting with https://" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_the_plans_look_reaches_the_mkdocs_pages_and_the_standalone_pages(tmp_path: Path) -> None:
    settings = (
        '    plan_name: "Example Health Plan"\n'
        '    contact: {text: "Provider services", email: "policies@plan.example"}\n'
        '    disclaimer_url: "https://plan.example/disclaimer"\n'
        "    logo: assets/images/logo.svg\n"
    )
    site = tmp_path / "site"
    code = main(["--data", str(DATA), "build", "--out", str(site), "--config", str(plan_config(tmp_path, settings)), "--as-of", AS_OF.isoformat()])
    assert code == 0
    mkdocs_page = (site / "policies/6.01.03/index.html").read_text(encoding="utf-8")
    standalone_page = (site / "policies/6.01.03/revisions/2025-01-23/index.html").read_text(encoding="utf-8")
    for page in (mkdocs_page, standalone_page):
        assert '<span class="pkb-site-footer__owner">Example Health Plan</span>' in page
        assert '<a href="mailto:policies@plan.example">Provider services</a>' in page
        assert '<a href="https://plan.example/disclaimer">Disclaimer</a>' in page
        assert 'Last built on <time datetime="2026-12-04">December 4, 2026</time>' in page
        assert "Made with" not in page
    assert '<link rel="icon" href="../../assets/images/logo.svg">' in mkdocs_page
    assert '<img src="../../assets/images/logo.svg" alt="logo">' in mkdocs_page
    assert '<link rel="icon" href="../../../../assets/images/logo.svg">' in standalone_page
    assert '<img src="../../../../assets/images/logo.svg" alt="">' in standalone_page
    assert 'content: "Example Health Plan · ' in mkdocs_page  # the running head of printed pages
    # the standalone page's menu is the providers' section of the nav, as the MkDocs page's sidebar
    menu = standalone_page.split('<nav class="pkb-menu__panel" aria-label="Site">', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'<a href="([^"]*)">([^<]*)</a>', menu) == [
        ("../../../../", "Home"),
        ("../../../", "Policies"),
        ("../../../../upcoming/", "Upcoming changes"),
        ("../../../../lookup/", "Code lookup"),
        ("../../../../search/", "How search works"),
        ("../../../../downloads/", "Downloads"),
    ]
    # and its tabs are the site's sections, as the MkDocs page's tabs, the providers' current
    tabs = [page.split('<nav class="md-tabs"', 1)[1].split("</nav>", 1)[0] for page in (mkdocs_page, standalone_page)]
    for page_tabs, root in zip(tabs, ("../../", "../../../../"), strict=True):
        assert re.findall(r'<a href="([^"]*)" class="md-tabs__link"[^>]*>\s*([^<]*?)\s*</a>', page_tabs) == [
            (root.rstrip("/") if page_tabs is tabs[0] else root, "Policy library"),
            (f"{root}guide/authors/", "For authors and developers"),
        ]
    assert re.search(r'<li class="md-tabs__item md-tabs__item--active"><a href="\.\./\.\./\.\./\.\./" class="md-tabs__link"[^>]*>Policy library</a>', tabs[1])


# --------------------------------------------------------------------------- the standalone pages' menu


def test_with_tabs_the_tabs_are_the_sections_and_the_menu_is_the_providers_section() -> None:
    look = read_site_look(ROOT / "mkdocs.yml")  # navigation.tabs
    assert [(item.label, item.url) for item in look.tabs] == [
        ("Policy library", ""),  # a section leads to its first page
        ("For authors and developers", "guide/authors/"),  # its first page, inside a subsection
    ]
    assert [(item.label, item.url) for item in look.menu] == [
        ("Home", ""),
        ("Policies", "policies/"),
        ("Upcoming changes", "upcoming/"),
        ("Code lookup", "lookup/"),
        ("How search works", "search/"),
        ("Downloads", "downloads/"),
    ]


def test_without_tabs_the_menu_is_the_top_level_entries_of_the_nav() -> None:
    nav = [{"Home": "index.md"}, {"Downloads": ["downloads/index.md", {"Codes": "downloads-codes.md"}]}, {"Guide": [{"Authors": ["guide/authors.md"]}]}]
    look = site_look(None, None, source="mkdocs.yml", nav=nav)
    assert [(item.label, item.url) for item in look.menu] == [("Home", ""), ("Downloads", "downloads/"), ("Guide", "guide/authors/")] and look.tabs == ()
    page = render_standalone_page("standalone/layout.html", "policies/6.01.03/revisions/2025-01-23/", [], {}, look=look, as_of=AS_OF)
    assert "md-tabs" not in page


def test_with_tabs_a_first_tab_that_is_a_page_is_the_menu_and_errors_name_the_section() -> None:
    tabs, menu = nav_tabs([{"Home": "index.md"}, {"Guide": ["guide/authors.md"]}], source="mkdocs.yml")
    assert [item.label for item in tabs] == ["Home", "Guide"] and menu == tabs[:1]
    with pytest.raises(SiteLookError, match=r"^mkdocs.yml: nav\[0\].Library\[1\]: found 3; expected a page"):
        site_look(None, None, source="mkdocs.yml", nav=[{"Library": ["index.md", 3]}], tabs=True)


def test_without_a_nav_the_menu_is_the_sites_main_pages() -> None:
    assert site_look(None, None, source="mkdocs.yml").menu == DEFAULT_MENU == SiteLook().menu
    assert [item.url for item in DEFAULT_MENU] == ["", "policies/", "upcoming/", "lookup/", "downloads/", "search/"]


def test_a_nav_page_without_a_title_a_web_address_and_file_urls(tmp_path: Path) -> None:
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "faq.md").write_text("Intro.\n\n# Questions asked\n", encoding="utf-8")
    nav = ["index.md", "guide/faq.md", "other.md", {"The plan": "https://plan.example/"}, {"Guide": [{"Start": "guide/index.md"}]}, {"Write to us": "mailto:policies@plan.example"}]
    assert nav_menu(nav, source="mkdocs.yml", docs_dir=tmp_path) == (
        MenuItem(label="Home", url=""),
        MenuItem(label="Questions asked", url="guide/faq/"),
        MenuItem(label="Other", url="other/"),
        MenuItem(label="The plan", url="https://plan.example/"),
        MenuItem(label="Guide", url="guide/"),
        MenuItem(label="Write to us", url="mailto:policies@plan.example"),
    )
    assert [item.url for item in nav_menu(nav, source="mkdocs.yml", directory_urls=False)] == ["", "guide/faq.html", "other.html", "https://plan.example/", "guide/", "mailto:policies@plan.example"]


@pytest.mark.parametrize(
    ("nav", "expected"),
    [
        pytest.param("index.md", "mkdocs.yml: nav: found 'index.md'; expected a list of pages and sections", id="not-a-list"),
        pytest.param([{"Empty": []}], "mkdocs.yml: nav[0]: found {'Empty': []}; expected a page", id="empty-section"),
        pytest.param([3], "mkdocs.yml: nav[0]: found 3; expected a page", id="number"),
        pytest.param([{"Run": "javascript:alert(1)"}], "mkdocs.yml: nav[0]: found {'Run': 'javascript:alert(1)'}; expected a page", id="javascript"),
        pytest.param([{"Up": "../other.md"}], "mkdocs.yml: nav[0]: found {'Up': '../other.md'}; expected a page", id="outside-docs"),
        pytest.param([{"Blog": "/blog/"}], "mkdocs.yml: nav[0]: found {'Blog': '/blog/'}; expected a page", id="absolute-path"),
        pytest.param([{"About": "about.html"}], "mkdocs.yml: nav[0]: found {'About': 'about.html'}; expected a page", id="not-markdown"),
    ],
)
def test_a_nav_the_menu_cannot_follow_is_an_error(nav: object, expected: str) -> None:
    with pytest.raises(SiteLookError) as error:
        site_look(None, None, source="mkdocs.yml", nav=nav)
    assert str(error.value).startswith(expected), str(error.value)


def test_the_menu_is_not_a_setting_of_extra_policykb() -> None:
    with pytest.raises(SiteLookError, match=r"extra.policykb.menu: found an unknown setting"):
        site_look(None, {"menu": []}, source="mkdocs.yml")


def test_a_standalone_page_links_a_web_address_of_the_menu_as_it_is() -> None:
    look = site_look(None, None, source="mkdocs.yml", nav=["index.md", {"The plan": "https://plan.example/"}])
    page = render_standalone_page("standalone/layout.html", "policies/6.01.03/revisions/2025-01-23/", [], {}, look=look, as_of=AS_OF)
    assert '<li><a href="../../../../">Home</a></li>' in page and '<li><a href="https://plan.example/">The plan</a></li>' in page


def test_every_setting_is_documented_in_the_authors_guide() -> None:
    guide = (ROOT / "content/guide/authors.md").read_text(encoding="utf-8").split("## The plan's own look", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"(?m)^\| `(\w+)` \|", guide)
    assert documented == [name for name in SiteLook.model_fields if name not in ("site_name", "menu", "tabs", "palette")]


def test_the_pages_command_uses_the_plans_look_too(tmp_path: Path) -> None:
    config = plan_config(tmp_path, '    plan_name: "Example Health Plan"\n')
    out = tmp_path / "docs"
    assert main(["--data", str(DATA), "pages", "--out", str(out), "--config", str(config), "--as-of", AS_OF.isoformat()]) == 0
    page = (out / "policies/6.01.03/revisions/2025-01-23/index.html").read_text(encoding="utf-8")
    assert '<span class="pkb-site-footer__owner">Example Health Plan</span>' in page


# --------------------------------------------------------------------------- footer links to pages of the site


@pytest.mark.parametrize("link", ["disclaimer/", "legal/terms.html", "terms.html", "guide/authors/#the-plans-own-look", "https://plan.example/disclaimer"])
def test_a_footer_link_may_be_a_path_of_a_page_of_the_site(link: str) -> None:
    look = site_look(None, {"disclaimer_url": link, "contact": {"text": "Provider services", "url": link}}, source="mkdocs.yml")
    assert look.disclaimer_url == link and look.contact is not None and look.contact.url == link


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html,hi", "mailto:policies@plan.example", "/disclaimer/", "../disclaimer/", "guide/../../x/", "www.plan.example/", "plan.example", "disclaimer", "disclaimer /", "//plan.example/"],
)
def test_a_footer_link_of_another_scheme_or_not_a_page_is_an_error_naming_the_file_and_the_key(link: str) -> None:
    with pytest.raises(SiteLookError) as error:
        site_look(None, {"disclaimer_url": link, "contact": {"text": "Call us", "url": link}}, source="mkdocs.yml")
    expected = "; expected an address starting with https:// (or http://), or the path of a page of this site ending with / or .html, such as disclaimer/"
    assert str(error.value).splitlines() == [f"mkdocs.yml: extra.policykb.{key}: found {link!r}{expected}" for key in ("contact.url", "disclaimer_url")]


def test_a_footer_link_to_a_page_of_the_site_is_relative_to_each_page() -> None:
    look = site_look(None, {"disclaimer_url": "disclaimer/", "contact": {"text": "Provider services", "url": "contact/#phone"}}, source="mkdocs.yml")
    for root in ("", "../../", "/"):
        footer = look.footer(AS_OF, root)
        assert f'<a href="{root}contact/#phone">Provider services</a>' in footer and f'<a href="{root}disclaimer/">Disclaimer</a>' in footer
    assert [root_of(base_url) for base_url in (".", "", "..", "../..", "/", "/policies")] == ["", "", "../", "../../", "/", "/policies/"]
    assert PageFooter(look, AS_OF)("../..") == look.footer(AS_OF, "../../")


def test_site_footer_links_lead_to_the_page_from_every_depth_of_both_layouts(tmp_path: Path) -> None:
    settings = '    disclaimer_url: "guide/authors/"\n    contact: {text: "Provider services", url: "lookup/#code-lookup-form"}\n'
    site = tmp_path / "site"
    code = main(["--data", str(DATA), "build", "--out", str(site), "--config", str(plan_config(tmp_path, settings)), "--as-of", AS_OF.isoformat()])
    assert code == 0
    pages = ["index.html", "lookup/index.html", "policies/6.01.03/index.html", "policies/6.01.03/revisions/2025-01-23/index.html", "policies/6.01.03/diffs/2025-01-23..2026-01-22/index.html"]
    for page in pages:
        html = (site / page).read_text(encoding="utf-8")
        footer = html.split('<div class="pkb-site-footer">', 1)[1].split("</div>", 1)[0]
        links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer))
        assert (site / page).parent.joinpath(links["Disclaimer"], "index.html").resolve() == (site / "guide/authors/index.html").resolve(), page
        contact, _, fragment = links["Provider services"].partition("#")
        assert fragment == "code-lookup-form" and (site / page).parent.joinpath(contact, "index.html").resolve() == (site / "lookup/index.html").resolve(), page
    # the 404 page is served at any depth: its links start at the site's path
    assert '<a href="/guide/authors/">Disclaimer</a>' in (site / "404.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the standalone pages' palette switch


def test_the_palettes_are_the_themes_and_a_standalone_page_has_its_switch() -> None:
    look = read_site_look(ROOT / "mkdocs.yml")
    assert look.palette == SiteLook().palette and [(o.scheme, o.toggle_name) for o in look.palette] == [("default", "Switch to dark mode"), ("slate", "Switch to light mode")]
    page = render_standalone_page("standalone/layout.html", "policies/6.01.03/revisions/2025-01-23/", [], {}, look=look, as_of=AS_OF)
    switch = page.split('<button type="button" class="md-header__button md-icon pkb-palette-switch"', 1)[1].split("</button>", 1)[0]
    assert 'aria-label="Switch to dark mode"' in switch and " hidden>" in switch and switch.count("<svg") == 2


def test_one_palette_or_palettes_without_toggles_give_no_switch() -> None:
    one = site_look(None, None, source="mkdocs.yml", palette={"scheme": "slate", "primary": "deep purple"})
    assert [(o.scheme, o.primary) for o in one.palette] == [("slate", "deep-purple")]
    page = render_standalone_page("standalone/layout.html", "", [], {}, look=one, as_of=AS_OF)
    assert "pkb-palette-switch" not in page and 'data-md-color-scheme="slate" data-md-color-primary="deep-purple"' in page
    with pytest.raises(SiteLookError, match=r"^mkdocs.yml: theme.palette: found 'dark'; expected a palette or a list of palettes$"):
        site_look(None, None, source="mkdocs.yml", palette="dark")
    with pytest.raises(SiteLookError, match=r"extra.policykb.palette: found an unknown setting"):
        site_look(None, {"palette": []}, source="mkdocs.yml")
