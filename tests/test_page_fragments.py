"""Parts of the site pages that are rendered once and reused show the data of the page they are on.

A policy's pages share the HTML of the statements its revisions repeat, and every page the
same section headings (`generators.outputs.site`): a statement edited in a later revision, or a
heading on a Markdown page beside an HTML one, must still show what that page holds.
"""

from __future__ import annotations

from generators import urls
from generators.model import Library, Policy, Revision
from generators.outputs.site import SiteContext, render_policy_pages

from .conftest import AS_OF, timeline

ARCHIVED = urls.page_html(urls.page_revision("6.01.03", "2025-01-23"))
CURRENT = urls.page_source(urls.page_policy("6.01.03"))


def _with_first_statement(revision: Revision, text: str) -> Revision:
    first = revision.statements[0].model_copy(update={"text": text})
    return revision.model_copy(update={"statements": [first, *revision.statements[1:]]})


def _policy_pages(library: Library, old_text: str, new_text: str) -> dict[str, str]:
    policy = library.policies[0]
    old, new = policy.revisions
    edited = Policy.model_copy(policy, update={"revisions": [_with_first_statement(old, old_text), _with_first_statement(new, new_text)]})
    return render_policy_pages(timeline(edited), SiteContext(as_of=AS_OF, policy_numbers=frozenset({policy.number})))


def test_a_statement_edited_in_a_later_revision_shows_its_own_text_on_each_page(library: Library) -> None:
    pages = _policy_pages(library, "Wording approved in 2025.", "Wording approved in 2026.")
    assert "Wording approved in 2025." in pages[ARCHIVED] and "Wording approved in 2026." not in pages[ARCHIVED]
    assert "Wording approved in 2026." in pages[CURRENT] and "Wording approved in 2025." not in pages[CURRENT]


def test_a_statement_both_revisions_hold_is_shown_the_same_on_both_pages(library: Library) -> None:
    pages = _policy_pages(library, "The same wording.", "The same wording.")
    statement = library.policies[0].newest.statements[0]
    start = '<li class="pkb-statement'
    shown = [page[page.index(start) : page.index("</li>\n", page.index(start))] for page in (pages[ARCHIVED], pages[CURRENT])]
    assert f'id="statement-{statement.id}"' in shown[0] and "The same wording." in shown[0]
    assert shown[0] == shown[1]


def test_headings_are_markdown_on_the_policy_page_and_html_on_archived_pages(library: Library) -> None:
    site = SiteContext(as_of=AS_OF, policy_numbers=frozenset({"6.01.03"}))
    for _ in range(2):  # the second time, every heading comes from what the first rendered
        pages = render_policy_pages(timeline(library.policies[0]), site)
        assert "\n## Policy statements { #policy-statements }\n" in pages[CURRENT]
        assert '<h2 id="policy-statements">' not in pages[CURRENT]
        assert '\n<h2 id="policy-statements">Policy statements<a class="headerlink" href="#policy-statements" title="Permanent link">&para;</a></h2>\n' in pages[ARCHIVED]
        assert "## Policy statements" not in pages[ARCHIVED]
