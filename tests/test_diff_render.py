"""Diff outputs: the JSON file and its schema, the "what changed" page, and `policykb diff`.

Golden files live in `tests/golden/diff/`; regenerate them on purpose with
`POLICYKB_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_diff_render.py` and review the change.
"""

from __future__ import annotations

import json
import os
import posixpath
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from generators import urls
from generators.adapters.cli import main
from generators.domain.diff import diff_revisions
from generators.model import Library, Policy
from generators.outputs.diffs import (
    DIFF_CSS_PATH,
    DiffDocument,
    diff_json,
    diff_page,
    render_diff_api,
    render_diff_assets,
    render_diff_pages,
)
from generators.outputs.json_api import dump_json

from .conftest import DATA, ROOT, check_golden, without_theme_hashes, AS_OF, timeline
from .diff_helpers import with_statement

GOLDEN = Path(__file__).parent / "golden" / "diff"
PAIR = ("2025-01-23", "2026-01-22")
PAGE = urls.page_html(urls.page_diff("6.01.03", *PAIR))


@pytest.fixture(scope="module")
def policy(library: Library) -> Policy:
    return library.policy("6.01.03")


@pytest.fixture(scope="module")
def api(library: Library) -> dict[str, bytes]:
    return render_diff_api(library, AS_OF)


@pytest.fixture(scope="module")
def pages(library: Library) -> dict[str, str]:
    return render_diff_pages(library, AS_OF)


# --------------------------------------------------------------------------- JSON


def test_one_json_file_per_consecutive_pair_and_a_schema(api: dict[str, bytes]) -> None:
    assert sorted(api) == [
        "api/v1/policies/6.01.03/diffs/2025-01-23..2026-01-22.json",
        "api/v1/schema/diff.schema.json",
    ]
    assert urls.api_diff("6.01.03", *PAIR) in api and urls.api_schema("diff") in api


def test_json_matches_golden_file(api: dict[str, bytes]) -> None:
    check_golden(GOLDEN / "6.01.03_2025-01-23..2026-01-22.json", api[urls.api_diff("6.01.03", *PAIR)], published_json=dump_json)
    check_golden(GOLDEN / "diff.schema.json", api[urls.api_schema("diff")])


def test_json_validates_against_its_published_schema(api: dict[str, bytes]) -> None:
    schema = json.loads(api[urls.api_schema("diff")])
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    document = json.loads(api[urls.api_diff("6.01.03", *PAIR)])
    Draft202012Validator(schema).validate(document)
    assert document["schema_url"] == urls.api_schema("diff")
    assert document["change_count"] == len(document["changes"]) == 18
    document["changes"][0]["kind"] = "Something happened"
    assert not Draft202012Validator(schema).is_valid(document)
    document = json.loads(api[urls.api_diff("6.01.03", *PAIR)])
    document["changes"][0]["words"] = [{"op": "replace", "text": "x"}]
    assert not Draft202012Validator(schema).is_valid(document)


def test_json_round_trips_to_the_document_model(api: dict[str, bytes]) -> None:
    text = api[urls.api_diff("6.01.03", *PAIR)]
    document = DiffDocument.model_validate_json(text)
    assert json.loads(json.dumps(document.model_dump(mode="json"))) == json.loads(text)


def test_json_links_and_outputs_are_deterministic(library: Library, api: dict[str, bytes]) -> None:
    document = json.loads(api[urls.api_diff("6.01.03", *PAIR)])
    assert document["links"] == {"json_url": urls.api_diff("6.01.03", *PAIR), "html_url": urls.page_diff("6.01.03", *PAIR)}
    assert document["old"]["html_url"] == urls.page_revision("6.01.03", "2025-01-23")
    assert document["new"]["html_url"] == urls.page_policy("6.01.03"), "the current revision's page is the policy page"
    assert render_diff_api(library, AS_OF) == api
    assert render_diff_pages(library, AS_OF) == render_diff_pages(library, AS_OF)


def test_json_of_a_backward_pair_is_published_nowhere(policy: Policy) -> None:
    document = json.loads(diff_json(timeline(policy), diff_revisions(policy.revisions[1], policy.revisions[0])))
    assert document["links"] == {"json_url": None, "html_url": None}
    assert document["old"]["revision"] == "2026-01-22"


# --------------------------------------------------------------------------- page


def test_page_matches_golden_file(pages: dict[str, str]) -> None:
    assert sorted(pages) == [PAGE]
    check_golden(GOLDEN / "6.01.03_2025-01-23..2026-01-22.html", without_theme_hashes(pages[PAGE]))


def test_page_is_finished_html_in_the_site_layout(pages: dict[str, str]) -> None:
    """Not a MkDocs page: out of the search index, in the site's look, with the site's search box as its one script."""
    page = pages[PAGE]
    assert page.startswith("<!doctype html>\n<html lang=\"en\">")
    assert "<title>What changed in 6.01.03: 2025-01-23 → 2026-01-22 - Medical Policy Library</title>" in page
    scripts = re.findall(r"<script src=\"[^\"]*\"", page)
    assert scripts == ['<script src="../../../../javascripts/standalone-palette.js"', '<script src="../../../../javascripts/search.js"'] and "noindex" not in page
    assert f'<link rel="stylesheet" href="../../../../{DIFF_CSS_PATH}">' in page
    breadcrumb = page.split('<nav class="md-path"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', breadcrumb) == ["../../../", "../../", "../../history/"]


def test_page_starts_with_the_summary_then_the_redline(pages: dict[str, str]) -> None:
    page = pages[PAGE]
    assert page.index('<h2 id="summary">') < page.index('<h2 id="changes">')
    summary = page[page.index('<h2 id="summary">') : page.index('<h2 id="changes">')]
    assert "<li>Statement II added: MRS is considered not medically necessary for all spine uses.</li>" in summary
    assert "renumbered II -&gt; III, wording unchanged." in summary
    redline = page[page.index('<h2 id="changes">') :]
    added = r'<div class="pkb-change pkb-change--added">\n<p class="pkb-change-head"><span class="pkb-badge pkb-badge--added">ADDED</span>'
    spine = re.search(added + r" <strong>Statement II</strong>.*?</div>", redline, re.S)
    assert spine and '<ins class="pkb-ins"><span class="pkb-mark">[+</span>MRS is considered not medically necessary for all spine uses.<span class="pkb-mark">+]</span></ins>' in spine.group(0)
    assert '<span class="pkb-mark">[+</span>; accessed 2025 Dec 02<span class="pkb-mark">+]</span>' in redline
    assert '<del class="pkb-del"><span class="pkb-mark">[-</span>E/I<span class="pkb-mark">-]</span></del>' in redline


def test_page_links_resolve_to_the_site_pages(pages: dict[str, str]) -> None:
    here = urls.page_diff("6.01.03", *PAIR)
    page = pages[PAGE]
    row = page.split('<p class="pkb-diff-links">', 1)[1].split("</p>", 1)[0]
    links = {text: target for target, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', row)}
    resolve = lambda link: posixpath.normpath(posixpath.join(here, link)) + ("/" if link.endswith("/") else "")  # noqa: E731
    assert resolve(links["Policy 6.01.03"]) == urls.page_policy("6.01.03")
    assert resolve(links["Revision history"]) == urls.page_history("6.01.03")
    assert resolve(links["Revision 2025-01-23"]) == urls.page_revision("6.01.03", "2025-01-23")
    assert resolve(links["Revision 2026-01-22"]) == urls.page_policy("6.01.03")
    assert resolve(links["This diff as JSON"]) == urls.api_diff("6.01.03", *PAIR)


def test_page_escapes_all_data_text(policy: Policy) -> None:
    old = policy.newest
    hostile = "MRS <script>alert(1)</script> & [link](javascript:x) is **not medically necessary** for all spine uses."
    new = with_statement(old, "spine-not-medically-necessary", text=hostile)
    new = new.model_copy(update={"cms": ['CMS says <img src=x onerror="alert(2)">.']})
    page = diff_page(timeline(policy), diff_revisions(old, new))
    assert "<script>" not in page and "<img src=x" not in page  # (the header's <img> is the plan's logo)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<span class="pkb-mark">[+</span>&lt;script&gt;alert(1)&lt;/script&gt; &amp; [link](javascript:x) is' in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page


def test_page_for_the_same_revision_says_so(policy: Policy) -> None:
    page = diff_page(timeline(policy), diff_revisions(policy.newest, policy.newest))
    assert "No changes: the two revisions are the same." in page and '<h2 id="changes">' not in page


def test_stylesheet_marks_changes_without_colour() -> None:
    (path, css), = render_diff_assets().items()
    assert path == DIFF_CSS_PATH
    assert ".pkb-ins" in css and "text-decoration: underline" in css and "line-through" in css and "@media print" in css


# --------------------------------------------------------------------------- command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--data", str(DATA), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_summary_then_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", "6.01.03", *PAIR)
    assert code == 0 and err == ""
    assert out.index("SUMMARY") < out.index("CHANGES (18)")
    assert "  * Statement II added: MRS is considered not medically necessary for all spine uses." in out
    assert "+ Statement II: Statement added  statements[spine-not-medically-necessary]" in out
    assert "    [-E/I-] -> {+NMN+}" in out
    assert "\x1b[" not in out, "no colour codes when the output is not a terminal"
    check_golden(GOLDEN / "6.01.03_2025-01-23..2026-01-22.txt", out)


def test_cli_either_order_and_json(capsys: pytest.CaptureFixture[str], api: dict[str, bytes]) -> None:
    code, out, _ = run(capsys, "diff", "6.01.03", *PAIR, "--format", "json")
    assert code == 0 and out.encode("utf-8") == api[urls.api_diff("6.01.03", *PAIR)]
    code, out, _ = run(capsys, "diff", "6.01.03", PAIR[1], PAIR[0])
    assert code == 0 and "- Statement II: Statement removed" in out and "renumbered III -> II" in out
    code, out, _ = run(capsys, "diff", "6.01.03", PAIR[1], PAIR[1])
    assert code == 0 and "No changes: the two revisions are the same." in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("6.01.99", *PAIR), "no policy '6.01.99'; the knowledge base has: 6.01.03"),
        (("6.01.03", "2025-01-23", "2024-01-01"), "policy 6.01.03 has no revision '2024-01-01'; stored revisions: 2025-01-23, 2026-01-22"),
        (("6.01.03", "yesterday", "2026-01-22"), "policy 6.01.03 has no revision 'yesterday'; stored revisions: 2025-01-23, 2026-01-22"),
    ],
)
def test_cli_unknown_policy_or_revision_lists_what_exists(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(capsys, "diff", *argv)
    assert code == 1 and out == ""
    assert err == f"policykb: error: {message}\n"


def test_cli_uses_colour_only_on_a_terminal() -> None:
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    process = subprocess.run(
        [sys.executable, "-m", "generators.adapters.cli", "--data", str(DATA), "diff", "6.01.03", *PAIR],
        stdout=terminal, stderr=subprocess.PIPE, cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal is closed once everything is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    out = b"".join(chunks).decode("utf-8")
    assert process.returncode == 0, process.stderr
    assert "\x1b[32m{+NMN+}\x1b[0m" in out and "\x1b[31m[-E/I-]\x1b[0m" in out, "colour, and the markers still there"


def test_the_page_speaks_the_readers_language(pages: dict[str, str]) -> None:
    """Coverage changes first, dates long-form, and no internal path in the visible text (they stay in the JSON)."""
    page = pages["policies/6.01.03/diffs/2025-01-23..2026-01-22/index.html"]
    visible = re.sub(r"<[^>]+>", " ", page.split("<article", 1)[1])
    assert "codes." not in visible and "statements[" not in visible and "effective_date" not in visible
    summary = re.findall(r"<li>(.*?)</li>", page.split('class="pkb-diff-summary"', 1)[1].split("</ul>", 1)[0])
    assert summary[0].startswith("Statement II added") and summary[-3:] == [
        "Effective date changed from not known to May 15, 2026.",
        "Next review changed from not known to January 2027.",
        "Status changed from reconstructed to published.",
    ]
    headings = re.findall(r'<h3 id="([^"]+)"', page)
    assert headings[:2] == ["policy-statements", "cpt-codes"] and headings[-1] == "policy-details"
    assert "<strong>CPT 0609T</strong>: Code flags changed" in page
