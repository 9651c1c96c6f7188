"""The code lookup page works in real Chromium over the generated code index shards.

The MkDocs site is built elsewhere; here the page's own markup (the block between the
`lookup:start`/`lookup:end` markers of `content/lookup.md`) and `lookup.js` are served in a
minimal harness laid out like the built site: `<root>/lookup/`, `<root>/assets/javascripts/`,
`<root>/api/v1/codes/index.json` and the shards `<root>/api/v1/codes/<system>/<prefix>.json`.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from generators import urls
from generators.model import Library
from generators.outputs.code_shards import render_code_shards

from .conftest import ROOT, AS_OF
from .trees import served as serving

pytestmark = pytest.mark.browser

LOOKUP_MD = ROOT / "content" / "lookup.md"
LOOKUP_JS = ROOT / "content" / "assets" / "javascripts" / "lookup.js"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Code lookup</title>{head}</head>
<body><main>{markup}</main>
<script src="../assets/javascripts/lookup.js"></script>
</body></html>
"""
# Material's document$ is a replay subject: it emits the current document, then one per
# instant navigation. This stand-in does the same so the re-render path is tested too.
FAKE_DOCUMENT_SUBJECT = """<script>
window.__subscribers = [];
window.document$ = { subscribe: function (fn) { window.__subscribers.push(fn);
  if (document.readyState !== "loading") fn(document);
  else document.addEventListener("DOMContentLoaded", function () { fn(document); }); } };
window.__navigate = function (markup) {
  document.querySelector("main").innerHTML = markup;
  window.__subscribers.forEach(function (fn) { fn(document); });
};
</script>"""


def page_markup() -> str:
    match = re.search(r"<!-- lookup:start -->\n(.*?)<!-- lookup:end -->", LOOKUP_MD.read_text(encoding="utf-8"), re.S)
    assert match, "content/lookup.md lost its lookup:start/lookup:end markers"
    return match.group(1)


def lay_out_site(root: Path, code_files: dict[str, bytes], head: str = "") -> None:
    (root / "lookup").mkdir(parents=True)
    (root / "lookup" / "index.html").write_text(PAGE.format(head=head, markup=page_markup()), encoding="utf-8")
    (root / "assets" / "javascripts").mkdir(parents=True)
    shutil.copy(LOOKUP_JS, root / "assets" / "javascripts" / "lookup.js")
    for path, content in code_files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)


@pytest.fixture(scope="module")
def site(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with four copies of the page: plain, with a Material-like document$, with hostile data, with an unflagged code tied to statements."""
    served = tmp_path_factory.mktemp("lookup-site")
    codes = {path: content for path, content in render_code_shards(library, AS_OF).items() if path.startswith("api/v1/codes/")}
    lay_out_site(served / "plain", codes)
    lay_out_site(served / "material", codes, head=FAKE_DOCUMENT_SUBJECT)
    shard_path = urls.api_code_shard("icd10cm", "C71")
    hostile = json.loads(codes[shard_path])
    record = next(r for r in hostile["codes"] if r["code"] == "C71.3")
    record["description"] = '<img src=x onerror="window.__pwned=1">Parietal'
    for policy in hostile["policies"].values():
        policy["policy_title"] = "<b>bold</b> & title"
    lay_out_site(served / "hostile", {**codes, shard_path: json.dumps(hostile).encode("utf-8")})
    # 76390 (unflagged) tied to two statements, as `statements:` in a code table entry ties it.
    cpt_path = urls.api_code_shard("cpt", "763")
    tied = json.loads(codes[cpt_path])
    for listing in next(r for r in tied["codes"] if r["code"] == "76390")["listings"]:
        listing["statements"] = ["mrs-medically-appropriate", "spine-not-medically-necessary"]
    for revision in tied["policies"]["6.01.03"]["revisions"].values():
        revision["statements"] = [
            {"id": "mrs-medically-appropriate", "number": "I", "determination": "medically_appropriate"},
            {"id": "spine-not-medically-necessary", "number": "II", "determination": "not_medically_necessary"},
        ]
    lay_out_site(served / "tied", {**codes, cpt_path: json.dumps(tied).encode("utf-8")})
    with serving(served) as url:
        yield url.removesuffix("/")


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh tab of the session's Chromium (tests/conftest.py) that fails the test on a script error."""
    context = chromium.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


def search(page: Page, query: str) -> None:
    box = page.locator("#code-lookup-input")
    box.fill("")
    box.press_sequentially(query, delay=10)


def test_typing_a_code_without_the_dot_finds_the_policy_and_the_range(page: Page, site: str) -> None:
    page.goto(f"{site}/plain/lookup/")
    expect(page.locator("#code-lookup-status")).to_have_text("Type a code, e.g. C71.3, c713 or 0611T.")
    search(page, "c713")
    expect(page.locator("#code-lookup-status")).to_have_text("1 code found.")
    result = page.locator("article.policykb-lookup__code")
    expect(result).to_have_count(1)
    expect(result.locator("h3")).to_have_text("C71.3 \u2014 Malignant neoplasm of parietal lobe")
    # One listing in the shard names both revisions (they list C71.0-C71.9 alike): one line each here.
    listings = result.locator("li.policykb-lookup__listing")
    expect(listings).to_have_count(2)
    expect(listings.nth(1)).to_contain_text("revision 2025-01-23 (superseded) · reconstructed")
    expect(listings.nth(1).locator(".policykb-lookup__range")).to_have_text("inside range C71.0-C71.9")
    first = listings.first
    expect(first).to_contain_text("revision 2026-01-22 (in effect) · published")
    expect(first.locator(".policykb-lookup__range")).to_have_text("inside range C71.0-C71.9")
    link = first.locator("a")
    expect(link).to_have_text("6.01.03 Magnetic Resonance Spectroscopy (MRS), revision 2026-01-22 (in effect)")
    expect(link).to_have_attribute("href", f"{site}/plain/policies/6.01.03/#code-C71.0-C71.9")  # the range's row
    expect(page.locator("a[data-site-path='api/v1/codes.csv']")).to_have_attribute("href", f"{site}/plain/api/v1/codes.csv")


def test_a_typed_code_fetches_only_the_index_and_its_shard(page: Page, site: str) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url.removeprefix(f"{site}/plain/")))
    page.goto(f"{site}/plain/lookup/")
    expect(page.locator("#code-lookup-status")).to_have_text("Type a code, e.g. C71.3, c713 or 0611T.")
    search(page, "c71.3")
    expect(page.locator("#code-lookup-status")).to_have_text("1 code found.")
    search(page, "C713")  # the same shard again: not fetched twice
    expect(page.locator("article.policykb-lookup__code h3")).to_have_text("C71.3 — Malignant neoplasm of parietal lobe")
    assert [url for url in fetched if url.startswith("api/")] == [urls.api_code_index(), urls.api_code_shard("icd10cm", "C71")]


@pytest.mark.parametrize(("day", "long_day", "applies", "not_then"), [
    ("2026-03-01", "March 1, 2026", "2025-01-23", "2026-01-22"),  # approved in January, in effect from May 15
    ("2026-06-01", "June 1, 2026", "2026-01-22", "2025-01-23"),
])
def test_a_date_of_service_puts_the_revision_that_applied_then_first(page: Page, site: str, day: str, long_day: str, applies: str, not_then: str) -> None:
    page.goto(f"{site}/plain/lookup/?code=0611T")
    page.locator("#code-lookup-date").fill(day)
    listings = page.locator("li.policykb-lookup__listing")
    expect(listings.first.locator(".policykb-lookup__on-date")).to_have_text(f"Applied on the date of service ({long_day})")
    expect(listings.first.locator("a")).to_contain_text(f"revision {applies}")
    expect(listings.nth(1).locator(".policykb-lookup__on-date")).to_have_text(f"Not in effect on {long_day}")
    expect(listings.nth(1).locator("a")).to_contain_text(f"revision {not_then}")


def test_a_cpt_code_shows_its_flag_and_statement(page: Page, site: str) -> None:
    page.goto(f"{site}/plain/lookup/?code=0611t")
    listings = page.locator("li.policykb-lookup__listing")
    expect(listings).to_have_count(2)
    expect(listings.nth(0).locator(".policykb-lookup__flag")).to_have_text("NMN")
    expect(listings.nth(0)).to_contain_text("statement II (not medically necessary)")
    expect(listings.nth(1).locator(".policykb-lookup__flag")).to_have_text("E/I")
    expect(listings.nth(1)).to_contain_text("from the approval date: effective date not known")
    # Dates as the site's pages write them.
    expect(listings.nth(0)).to_contain_text("published, in effect from May 15, 2026")
    expect(listings.nth(1)).to_contain_text("reconstructed, in effect from January 23, 2025 to May 14, 2026 (from the approval date")
    expect(listings.nth(0).locator(".policykb-lookup__no-flag")).to_have_count(0)


def test_a_code_without_a_flag_says_what_that_means(page: Page, site: str) -> None:
    page.goto(f"{site}/plain/lookup/?code=C71.3")
    flags = page.locator("li.policykb-lookup__listing").first.locator(".policykb-lookup__flags")
    expect(flags).to_have_text("No flag: listed by the policy without a coverage flag, for the policy as a whole: its statements say when the code is covered")


def test_a_code_without_a_flag_names_the_statements_it_belongs_to(page: Page, site: str) -> None:
    page.goto(f"{site}/tied/lookup/?code=76390")
    flags = page.locator("li.policykb-lookup__listing").first.locator(".policykb-lookup__flags")
    expect(flags).to_have_text(
        "No flag: listed by the policy without a coverage flag; it belongs to statement I (medically appropriate) and statement II (not medically necessary)"
    )


def test_an_unlisted_code_says_so_and_a_prefix_offers_listed_codes(page: Page, site: str) -> None:
    page.goto(f"{site}/plain/lookup/")
    search(page, "Z99.99")
    expect(page.locator("#code-lookup-status")).to_have_text("No policy lists the code Z99.99.")
    expect(page.locator("article.policykb-lookup__code")).to_have_count(0)
    search(page, "c79")
    expect(page.locator(".policykb-lookup__pick")).to_have_text(["C79.31", "C79.32", "C79.40", "C79.49"])
    page.locator(".policykb-lookup__pick", has_text="C79.40").click()
    expect(page.locator("article.policykb-lookup__code h3")).to_contain_text("C79.40")
    expect(page.locator(".policykb-lookup__range").first).to_have_text("inside range C79.31-C79.49")


def test_instant_navigation_sets_the_page_up_again_once(page: Page, site: str) -> None:
    page.goto(f"{site}/material/lookup/")
    search(page, "C71.3")
    expect(page.locator("article.policykb-lookup__code")).to_have_count(1)
    # Material replaces the content and emits document$ again; the script is not reloaded.
    page.evaluate("markup => window.__navigate(markup)", page_markup())
    expect(page.locator("#code-lookup-status")).to_have_text("Type a code, e.g. C71.3, c713 or 0611T.")
    search(page, "G46.4")
    expect(page.locator("article.policykb-lookup__code")).to_have_count(1)
    expect(page.locator(".policykb-lookup__range").first).to_have_text("inside range G46.0-G46.8")
    # Emitting again for the same content must not attach a second set of handlers.
    added = page.evaluate("""async () => {
        let added = 0;
        const original = EventTarget.prototype.addEventListener;
        EventTarget.prototype.addEventListener = function (...args) { added += 1; return original.apply(this, args); };
        window.__subscribers.forEach(fn => fn(document));
        await new Promise(resolve => setTimeout(resolve, 100));
        EventTarget.prototype.addEventListener = original;
        return added;
    }""")
    assert added == 0


def test_text_from_the_data_is_never_markup(page: Page, site: str) -> None:
    page.goto(f"{site}/hostile/lookup/?code=C71.3")
    heading = page.locator("article.policykb-lookup__code h3")
    expect(heading).to_have_text('C71.3 \u2014 <img src=x onerror="window.__pwned=1">Parietal')
    expect(page.locator("#code-lookup-results img")).to_have_count(0)
    expect(page.locator("#code-lookup-results b")).to_have_count(0)
    expect(page.locator("li.policykb-lookup__listing a").first).to_contain_text("<b>bold</b> & title")
    assert page.evaluate("() => window.__pwned") is None
