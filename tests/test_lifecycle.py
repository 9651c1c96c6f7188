"""Time and lifecycle: every output shows what is in effect on the build's date, not what was approved last.

6.01.03's 2026-01-22 revision was approved on January 22, 2026 and takes effect May 15, 2026:
built for a day in between, the policy page shows 2025-01-23 with a notice of what comes.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from generators import urls
from generators.build.assemble import render_outputs
from generators.adapters.cli import main
from generators.domain.lifecycle import PolicyTimeline, RevisionState
from generators.model import Library, Policy, Retirement
from generators.domain.timeline import StartBasis, revision_in_effect, windows
from generators.build.pipeline import build_tree
from generators.load.validate import has_published_revision, load_library, revision_file_status
from generators.outputs.look import SiteLook

from .conftest import DATA

BEFORE = date(2026, 3, 1)  # 2026-01-22 approved, not yet in effect
AFTER = date(2026, 6, 1)  # 2026-01-22 in effect


@pytest.fixture(scope="module")
def mrs(library: Library) -> Policy:
    found = library.policy("6.01.03")
    assert found is not None
    return found


@pytest.mark.parametrize(("day", "states", "in_effect", "shown"), [
    (date(2025, 6, 1), ("in_effect", "upcoming"), "2025-01-23", "2025-01-23"),
    (BEFORE, ("in_effect", "upcoming"), "2025-01-23", "2025-01-23"),
    (date(2026, 5, 14), ("in_effect", "upcoming"), "2025-01-23", "2025-01-23"),
    (date(2026, 5, 15), ("superseded", "in_effect"), "2026-01-22", "2026-01-22"),
    (AFTER, ("superseded", "in_effect"), "2026-01-22", "2026-01-22"),
    # Before the first stored revision: nothing in effect; the page shows the first that will be.
    (date(2024, 6, 1), ("upcoming", "upcoming"), None, "2025-01-23"),
])
def test_each_revision_has_a_state_on_the_as_of_date(mrs: Policy, day: date, states: tuple[str, str], in_effect: str | None, shown: str) -> None:
    timeline = PolicyTimeline(mrs, day)
    assert tuple(timeline.state(r).value for r in mrs.revisions) == states
    assert (timeline.in_effect.key if timeline.in_effect else None) == in_effect
    assert timeline.shown.key == shown


def test_review_is_overdue_after_the_month_of_next_review(mrs: Policy) -> None:
    newest = mrs.revisions[-1]  # next review 2027-01
    assert not PolicyTimeline(mrs, date(2027, 1, 31)).review_overdue(newest)
    assert PolicyTimeline(mrs, date(2027, 2, 1)).review_overdue(newest)


def test_built_between_approval_and_effective_date_the_page_shows_the_revision_in_effect(library: Library) -> None:
    outputs = render_outputs(library, BEFORE)
    page = str(outputs["policies/6.01.03/index.md"])
    assert "title: \"6.01.03 Magnetic Resonance Spectroscopy (MRS)\"" in page
    assert page.index("A new revision takes effect May 15, 2026") < page.index("Policy statements")
    assert "A new revision approved January 22, 2026 takes effect <time datetime=\"2026-05-15\">May 15, 2026</time>" in page
    assert 'href="revisions/2026-01-22/">read it</a>' in page and 'href="diffs/2025-01-23..2026-01-22/">what changes</a>' in page
    assert "this revision is <strong>in effect</strong> since" in page
    # the 2025 text is on the policy page; the 2026 one has a page of its own, bannered as upcoming
    assert '<dt>Committee approval</dt> <dd><time datetime="2025-01-23">' in page
    upcoming = str(outputs["policies/6.01.03/revisions/2026-01-22/index.html"])
    assert "Upcoming revision: takes effect May 15, 2026" in upcoming and "not in effect" not in upcoming.split("<article", 1)[1].split("pkb-upcoming-banner", 1)[0]
    assert "policies/6.01.03/revisions/2025-01-23/index.html" not in outputs

    index = json.loads(outputs["api/v1/index.json"])
    assert index["as_of"] == "2026-03-01"
    entry = index["policies"][0]
    assert (entry["status"], entry["in_effect"], entry["newest_approved"], entry["shown_revision"]) == ("active", "2025-01-23", "2026-01-22", "2025-01-23")
    assert [(u["revision"], u["effective_date"], u["links"]["html_url"]) for u in entry["upcoming"]] == [("2026-01-22", "2026-05-15", "policies/6.01.03/revisions/2026-01-22/")]
    revision = json.loads(outputs["api/v1/policies/6.01.03/revisions/2026-01-22.json"])
    assert (revision["as_of"], revision["state"]) == ("2026-03-01", "upcoming")

    listing = str(outputs["upcoming/index.md"])
    assert 'id="upcoming-6.01.03-2026-01-22"' in listing and "Annual review, policy statement added for MRS for the spine" in listing


def test_built_after_the_effective_date_the_page_shows_the_new_revision_without_notice(library: Library) -> None:
    outputs = render_outputs(library, AFTER)
    page = str(outputs["policies/6.01.03/index.md"])
    assert '<dt>Committee approval</dt> <dd><time datetime="2026-01-22">' in page and "pkb-upcoming-notice" not in page
    entry = json.loads(outputs["api/v1/index.json"])["policies"][0]
    assert (entry["in_effect"], entry["upcoming"]) == ("2026-01-22", [])
    assert "No revision is approved and waiting to take effect" in str(outputs["upcoming/index.md"])


def test_only_the_revision_in_effect_has_a_current_effective_date(library: Library) -> None:
    before, after = render_outputs(library, BEFORE), render_outputs(library, AFTER)
    in_effect = {str(before["policies/6.01.03/index.md"]), str(after["policies/6.01.03/index.md"])}
    assert all("<dt>Current effective date</dt>" in page for page in in_effect)
    upcoming = str(before["policies/6.01.03/revisions/2026-01-22/index.html"])
    superseded = str(after["policies/6.01.03/revisions/2025-01-23/index.html"])
    for page in (upcoming, superseded):
        assert "Current effective date" not in page and "<dt>Effective date</dt>" in page
    assert '<dt>Effective date</dt> <dd><time datetime="2026-05-15">May 15, 2026</time>' in upcoming


def test_code_listings_fhir_and_feed_use_the_same_rule(library: Library) -> None:
    outputs = render_outputs(library, BEFORE)
    shard = json.loads(outputs["api/v1/codes/cpt/061.json"])
    states = {key: revision["state"] for key, revision in shard["policies"]["6.01.03"]["revisions"].items()}
    assert states == {"2025-01-23": "in_effect", "2026-01-22": "upcoming"}
    active = json.loads(outputs["api/v1/fhir/ValueSet-6.01.03.json"])
    upcoming = json.loads(outputs["api/v1/fhir/ValueSet-6.01.03-2026-01-22.json"])
    assert (active["version"], active["status"]) == ("2025-01-23", "active")
    assert (upcoming["version"], upcoming["status"]) == ("2026-01-22", "draft")
    feed = bytes(outputs["feed.xml"]) if isinstance(outputs["feed.xml"], bytes) else outputs["feed.xml"].encode()
    assert b"Takes effect on 2026-05-15" in feed
    assert "state" in str(outputs["api/v1/codes.csv"]).splitlines()[0] if isinstance(outputs["api/v1/codes.csv"], str) else b",state," in outputs["api/v1/codes.csv"].splitlines()[0]


def test_the_same_data_and_date_give_the_same_bytes(library: Library) -> None:
    assert render_outputs(library, BEFORE) == render_outputs(library, BEFORE)
    assert render_outputs(library, BEFORE)["api/v1/index.json"] != render_outputs(library, AFTER)["api/v1/index.json"]


# --------------------------------------------------------------------------- drafts

DRAFT_KEY = "2027-01-21"


@pytest.fixture(scope="module")
def with_draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the data with a draft of the next revision (approved 2027-01-21, effective 2027-04-01 if approved)."""
    data = tmp_path_factory.mktemp("drafts") / "policy_data"
    shutil.copytree(DATA, data)
    newest = data / "6.01.03" / "revisions" / "2026-01-22.yaml"
    text = newest.read_text(encoding="utf-8")
    draft = text.replace("revision: 2026-01-22", f"revision: {DRAFT_KEY}").replace("status: published", "status: draft")
    draft = draft.replace("effective_date: 2026-05-15", "effective_date: 2027-04-01").replace("Magnetic Resonance Spectroscopy (MRS)", "Magnetic Resonance Spectroscopy (MRS) DRAFTWORD", 1)
    assert draft.count(DRAFT_KEY) >= 1 and "status: draft" in draft
    (newest.parent / f"{DRAFT_KEY}.yaml").write_text(draft, encoding="utf-8")
    return data


def test_a_draft_validates_and_is_in_no_file_of_a_plain_build(with_draft: Path) -> None:
    library = load_library(with_draft)  # validates like any revision, though its date is not in the history yet
    assert [r.status.value for r in library.policies[0].revisions] == ["reconstructed", "published", "draft"]
    outputs = render_outputs(library, AFTER)
    for path, content in outputs.items():
        text = content if isinstance(content, str) else content.decode("utf-8", "replace")
        assert DRAFT_KEY not in path and DRAFT_KEY not in text and "DRAFTWORD" not in text, path


def test_a_drafts_build_shows_the_draft_bannered_and_keeps_the_policy_page(with_draft: Path) -> None:
    outputs = render_outputs(load_library(with_draft), AFTER, drafts=True)
    page = str(outputs[f"policies/6.01.03/revisions/{DRAFT_KEY}/index.html"])
    assert "DRAFT: not approved, not published" in page and "DRAFTWORD" in page
    assert "DRAFTWORD" not in str(outputs["policies/6.01.03/index.md"])  # the policy page shows what is in effect
    index = json.loads(outputs["api/v1/index.json"])["policies"][0]
    assert index["in_effect"] == "2026-01-22" and index["upcoming"] == []
    revision = json.loads(outputs[f"api/v1/policies/6.01.03/revisions/{DRAFT_KEY}.json"])
    assert revision["state"] == "draft"
    assert f"api/v1/fhir/ValueSet-6.01.03-{DRAFT_KEY}.json" not in outputs


def test_every_finished_html_page_of_a_preview_with_drafts_says_draft_preview(with_draft: Path, library: Library) -> None:
    # The revision and "what changed" pages are finished HTML outside MkDocs: they carry the
    # preview's banner themselves, the diff to the draft above all (it says "draft" nowhere else).
    preview = render_outputs(load_library(with_draft), AFTER, drafts=True)
    pages = {path: str(content) for path, content in preview.items() if path.endswith(".html")}
    assert f"policies/6.01.03/diffs/2026-01-22..{DRAFT_KEY}/index.html" in pages
    assert [path for path, page in pages.items() if "DRAFT PREVIEW" not in page] == []
    assert "compared with revision 2027-01-21 (draft)." in pages[f"policies/6.01.03/diffs/2026-01-22..{DRAFT_KEY}/index.html"]
    # a preview of data without drafts shows nothing to warn about, as the MkDocs pages (report.drafts)
    for built in (render_outputs(library, AFTER, drafts=True), render_outputs(library, AFTER)):
        assert not [path for path, content in built.items() if path.endswith(".html") and "DRAFT PREVIEW" in str(content)]


def test_export_leaves_drafts_out_and_is_deterministic_for_a_date(with_draft: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["--data", str(with_draft), "export", "--out", str(out), "--as-of", "2026-03-01", "--jobs", "1"]) == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert not any(DRAFT_KEY in str(f) for f in files)
    assert json.loads((first / "api/v1/index.json").read_text())["as_of"] == "2026-03-01"


# --------------------------------------------------------------------------- retired and renumbered


@pytest.fixture(scope="module")
def retired_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """6.01.03, retired on 2026-08-01 and known before as 6.01.99."""
    data = tmp_path_factory.mktemp("retired") / "policy_data"
    shutil.copytree(DATA, data)
    identity = data / "6.01.03" / "policy.yaml"
    text = identity.read_text(encoding="utf-8")
    text = text.replace("category: Medical Policy\n", "category: Medical Policy\nformer_numbers: [\"6.01.99\"]\n")
    identity.write_text(text.replace("    reinstated: 2010-11-18\n", "    reinstated: 2010-11-18\n  - retired: 2026-08-01\n"), encoding="utf-8")
    return load_library(data)


def test_a_retired_policy_answers_only_for_the_dates_it_was_active(retired_library: Library) -> None:
    policy = retired_library.policies[0]
    assert revision_in_effect(policy, date(2026, 7, 31)) is not None
    assert revision_in_effect(policy, date(2026, 8, 1)) is None
    timeline = PolicyTimeline(policy, date(2026, 9, 1))
    assert timeline.in_effect is None and timeline.retirement == Retirement(retired=date(2026, 8, 1))
    assert [r.retired for r in policy.retirements] == [date(2010, 5, 27), date(2026, 8, 1)]  # 6.01.03's own, and the fixture's
    assert timeline.state(policy.revisions[-1]) is RevisionState.RETIRED
    assert timeline.shown.key == "2026-01-22"


def test_a_reinstated_policy_starts_a_new_window_on_the_day_it_was_made_active() -> None:
    library = load_library(DATA)
    policy = library.policies[0].model_copy(update={"retirements": [Retirement(retired=date(2025, 5, 27), reinstated=date(2025, 11, 18))]})
    first = [w for w in windows(policy) if w.revision == date(2025, 1, 23)]
    assert [(w.start, w.end, w.start_basis) for w in first] == [
        (date(2025, 1, 23), date(2025, 5, 26), StartBasis.APPROVAL_DATE),
        (date(2025, 11, 18), date(2026, 5, 14), StartBasis.REINSTATED),
    ]
    assert revision_in_effect(policy, date(2025, 7, 1)) is None


def test_a_retired_policy_keeps_its_pages_and_is_listed_as_retired(retired_library: Library) -> None:
    outputs = render_outputs(retired_library, date(2026, 9, 1))
    page = str(outputs["policies/6.01.03/index.md"])
    assert "This policy is retired" in page and "August 1, 2026" in page
    policies = str(outputs["policies/index.md"])
    assert "Retired policies" in policies and "6.01.03" in policies.split("Retired policies", 1)[1]
    entry = json.loads(outputs["api/v1/index.json"])["policies"][0]
    assert (entry["status"], entry["in_effect"]) == ("retired", None)
    assert "policies/6.01.03/revisions/2025-01-23/index.html" in outputs
    assert "Current effective date" not in page and "<dt>Effective date</dt>" in page  # the revision in effect when it was retired


def test_a_former_number_leads_to_the_policy(retired_library: Library) -> None:
    outputs = render_outputs(retired_library, AFTER)
    moved = str(outputs["policies/6.01.99/index.html"])
    assert '<meta http-equiv="refresh" content="0; url=../6.01.03/">' in moved and 'href="../6.01.03/"' in moved
    entry = json.loads(outputs["api/v1/index.json"])["policies"][0]
    assert entry["former_numbers"] == ["6.01.99"]


def _page_exists(outputs: dict[str, bytes | str], page_url: str) -> bool:
    return urls.page_source(page_url) in outputs or urls.page_html(page_url) in outputs


def test_every_page_of_a_former_number_leads_to_the_same_page_now(retired_library: Library) -> None:
    outputs = render_outputs(retired_library, BEFORE)
    pages_now = [path for path in outputs if path.startswith("policies/6.01.03/") and path.endswith(("/index.md", "/index.html"))]
    # every page the policy has now, and the page of the revision on its policy page (a page of its own when it was not the one shown)
    expected = {path.replace("6.01.03", "6.01.99").replace("index.md", "index.html") for path in pages_now} | {"policies/6.01.99/revisions/2025-01-23/index.html"}
    assert {path for path in outputs if path.startswith("policies/6.01.99/")} == expected
    for path in sorted(expected):
        page = str(outputs[path])
        found = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page)
        assert found is not None, path
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), found[1])) + "/"
        same_page = path.replace("6.01.99", "6.01.03").removesuffix("index.html")
        assert target == ("policies/6.01.03/" if "/revisions/2025-01-23/" in path else same_page), path
        assert f'<link rel="canonical" href="{found[1]}">' in page and f'class="pkb-link--current" href="{found[1]}"' in page
        assert _page_exists(outputs, target) and "6.01.99</span> is now policy 6.01.03" in page


def test_index_json_lists_each_former_number_and_its_files_are_alias_documents(retired_library: Library) -> None:
    outputs = render_outputs(retired_library, BEFORE)
    schemas = {name: json.loads(outputs[f"api/v1/schema/{name}.schema.json"]) for name in ("alias", "index")}
    index = json.loads(outputs["api/v1/index.json"])
    Draft202012Validator(schemas["index"]).validate(index)
    assert index["aliases"] == [{"former_number": "6.01.99", "number": "6.01.03", "json_url": "api/v1/policies/6.01.03.json", "html_url": "policies/6.01.03/"}]
    assert all(alias["json_url"] in outputs and _page_exists(outputs, alias["html_url"]) for alias in index["aliases"])
    files_now = [path for path in outputs if path.startswith(("api/v1/policies/6.01.03.json", "api/v1/policies/6.01.03/"))]
    aliases = {path: json.loads(outputs[path]) for path in outputs if path.startswith("api/v1/policies/6.01.99")}
    assert len(files_now) == 4 and set(aliases) == {path.replace("6.01.03", "6.01.99") for path in files_now}  # policy, 2 revisions, 1 diff
    for path, document in aliases.items():
        Draft202012Validator(schemas["alias"]).validate(document)
        assert (document["number"], document["alias_of"], document["json_url"]) == ("6.01.99", "6.01.03", path.replace("6.01.99", "6.01.03"))
        assert _page_exists(outputs, document["html_url"])


def test_show_speaks_of_retirement(retired_library: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    identity = data / "6.01.03" / "policy.yaml"
    identity.write_text(identity.read_text(encoding="utf-8").replace("    reinstated: 2010-11-18\n", "    reinstated: 2010-11-18\n  - retired: 2026-08-01\n"), encoding="utf-8")
    assert main(["--data", str(data), "show", "6.01.03", "--as-of", "2026-09-01"]) == 1
    assert "policy 6.01.03 was retired on 2026-08-01 and has not been made active again: no revision applies on 2026-09-01" in capsys.readouterr().err


# --------------------------------------------------------------------------- revise and publish


def test_revise_then_publish_round_trips_to_a_valid_published_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    assert main(["--data", str(data), "revise", "6.01.03", "--approved", "2027-01-21", "--effective", "2027-04-01"]) == 0
    draft = data / "6.01.03" / "revisions" / "2027-01-21.yaml"
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("# Draft of the next revision of 6.01.03, for the committee meeting of 01/21/27:")
    assert "\nrevision: 2027-01-21\nstatus: draft\n" in text and "\neffective_date: 2027-04-01\nnext_review: 2028-01\n" in text
    assert "transcribed completely" not in text and text.rstrip().endswith("change_summary: []")
    capsys.readouterr()

    # lint reminds about the empty summary; publish refuses it
    assert main(["--data", str(data), "lint"]) == 0
    assert "[draft-change-summary]" in capsys.readouterr().out
    assert main(["--data", str(data), "publish", "6.01.03", "2027-01-21"]) == 1
    assert "change_summary is empty" in capsys.readouterr().err

    draft.write_text(text.replace("change_summary: []", 'change_summary:\n  - \'Annual review: "NMN" kept for the spine.\''), encoding="utf-8")
    assert main(["--data", str(data), "publish", "6.01.03", "2027-01-21"]) == 0
    policy = load_library(data).policies[0]
    published = policy.revision("2027-01-21")
    assert published is not None and published.status.value == "published" and published.change_summary is None
    assert policy.history.committee_approval_dates[-1] == date(2027, 1, 21)
    assert policy.history.change_summaries[0].date == date(2027, 1, 21)
    assert policy.history.change_summaries[0].changes == ['Annual review: "NMN" kept for the spine.']
    assert "# The summary of changes" not in draft.read_text(encoding="utf-8")
    # published, it takes effect on its date: upcoming before, in effect after
    assert PolicyTimeline(policy, date(2027, 3, 1)).state(published) is RevisionState.UPCOMING
    assert PolicyTimeline(policy, date(2027, 4, 1)).in_effect is published


@pytest.mark.parametrize(("argv", "words"), [
    (["revise", "6.01.03", "--approved", "2026-01-22"], "expected a date after the newest revision, 2026-01-22"),
    (["revise", "6.01.03", "--approved", "2027-01-21", "--effective", "2027-01-01"], "expected the effective date on or after the approval"),
    (["revise", "9.99.99", "--approved", "2027-01-21"], "no policy '9.99.99'"),
    (["publish", "6.01.03", "2026-01-22"], "has no draft '2026-01-22'"),
])
def test_revise_and_publish_refuse_what_they_cannot_do(argv: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    assert main(["--data", str(data), *argv]) == 1
    assert words in capsys.readouterr().err
    assert sorted(p.name for p in (data / "6.01.03" / "revisions").iterdir()) == ["2025-01-23.yaml", "2026-01-22.yaml"]


def test_a_drafts_build_banners_every_page_and_a_plain_build_none(with_draft: Path, tmp_path: Path) -> None:
    preview, published = tmp_path / "preview", tmp_path / "published"
    config = str(Path(__file__).resolve().parent.parent / "mkdocs.yml")
    assert main(["--data", str(with_draft), "build", "--drafts", "--out", str(preview), "--config", config, "--as-of", "2026-12-04", "--jobs", "1"]) == 0
    pages = list(preview.rglob("*.html"))  # MkDocs pages and the finished revision and diff pages
    assert len(pages) > 10 and any("/diffs/" in p.as_posix() for p in pages)
    for page in pages:
        assert "DRAFT PREVIEW" in page.read_text(encoding="utf-8"), page
    draft_page = preview / "policies" / "6.01.03" / "revisions" / DRAFT_KEY / "index.html"
    assert "DRAFT: not approved, not published" in draft_page.read_text(encoding="utf-8")

    assert main(["--data", str(with_draft), "build", "--out", str(published), "--config", config, "--as-of", "2026-12-04", "--jobs", "1"]) == 0
    generated = [p for top in ("policies", "api", "upcoming") for p in (published / top).rglob("*") if p.is_file()]
    for page in [*generated, published / "feed.xml", published / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert "DRAFT PREVIEW" not in text and DRAFT_KEY not in text and "DRAFTWORD" not in text, page
    # the search indexes the policy page in effect only, never a draft
    entry = json.loads((published / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert [language["page_count"] for language in entry["languages"].values()] == [1]  # the one policy page, not the draft's


# --------------------------------------------------------------------------- a related policy of drafts only


@pytest.fixture(scope="module")
def draft_only_related(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the data where 11.01.03, a related policy of 6.01.03, is a folder holding one draft and nothing else."""
    data = tmp_path_factory.mktemp("draft-only") / "policy_data"
    shutil.copytree(DATA, data)
    folder = data / "11.01.03"
    shutil.copytree(data / "6.01.03", folder)
    identity = folder / "policy.yaml"
    identity.write_text(identity.read_text(encoding="utf-8").replace('number: "6.01.03"', 'number: "11.01.03"'), encoding="utf-8")
    (folder / "revisions" / "2025-01-23.yaml").unlink()
    revision = folder / "revisions" / "2026-01-22.yaml"
    revision.write_text(revision.read_text(encoding="utf-8").replace("status: published", "status: draft"), encoding="utf-8")
    return data


def _related_item(page: str, number: str) -> str:
    return page.split(f'<span class="pkb-policy-number">{number}</span>', 1)[0].rsplit("<li>", 1)[1] + page.split(f'<span class="pkb-policy-number">{number}</span>', 1)[1].split("</li>", 1)[0]


def test_a_related_policy_of_drafts_only_is_not_in_the_knowledge_base_unless_previewed(draft_only_related: Path, tmp_path: Path) -> None:
    assert not has_published_revision(draft_only_related / "11.01.03") and has_published_revision(draft_only_related / "6.01.03")
    look = SiteLook(related_policy_note="See the plan's library.")
    page = "policies/6.01.03/index.md"
    published = build_tree(draft_only_related, tmp_path / "published", as_of=AFTER, jobs=1, look=look)
    assert "policies/11.01.03/index.md" not in published.paths
    item = _related_item((tmp_path / "published" / page).read_text(encoding="utf-8"), "11.01.03")
    assert "<a href" not in item and "not in this knowledge base</span>" in item and "See the plan&#x27;s library." in item
    preview = build_tree(draft_only_related, tmp_path / "preview", as_of=AFTER, jobs=1, look=look, drafts=True)
    assert "policies/11.01.03/index.md" in preview.paths
    item = _related_item((tmp_path / "preview" / page).read_text(encoding="utf-8"), "11.01.03")
    assert '<a href="../11.01.03/">' in item and "not in this knowledge base" not in item
    # the library-at-once path (`render_outputs`) says the same
    library = load_library(draft_only_related)
    assert "not in this knowledge base</span>" in _related_item(render_outputs(library, AFTER)[page], "11.01.03")
    assert "<a href" in _related_item(render_outputs(library, AFTER, drafts=True)[page], "11.01.03")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revision: 2027-01-21\nstatus: draft\n", "draft"),
        ("revision: 2027-01-21\nstatus: 'draft'  # under review\r\n", "draft"),
        ("revision: 2027-01-21\nstatus: published\n", "published"),
        ("{revision: 2027-01-21, status: draft}\n", "draft"),
        ("revision: 2027-01-21\ntext: |\n  status: draft\nstatus: published\n", "published"),
        ("revision: 2027-01-21\n", None),
    ],
    ids=["plain", "quoted-commented-crlf", "published", "flow-style", "in-a-text", "none"],
)
def test_a_revision_files_status_is_read_without_validating_it(tmp_path: Path, text: str, expected: str | None) -> None:
    path = tmp_path / "2027-01-21.yaml"
    path.write_bytes(text.encode())
    status = revision_file_status(path)
    assert (status.value if status else None) == expected


def test_a_revision_file_that_is_not_a_regular_file_is_never_read_for_its_status(tmp_path: Path) -> None:
    """A FIFO would block the build forever before any message (the loader then reports it as not-a-file)."""
    fifo = tmp_path / "2027-01-21.yaml"
    os.mkfifo(fifo)
    (tmp_path / "2026-01-22.yaml").mkdir()
    assert revision_file_status(fifo) is None and revision_file_status(tmp_path / "2026-01-22.yaml") is None


def test_a_library_of_drafts_only_publishes_nothing_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing to publish is the author's situation, not a crash: one located line, exit 1, no output; a preview still works."""
    data = tmp_path / "policy_data"
    shutil.copytree(DATA, data)
    (data / "6.01.03" / "revisions" / "2025-01-23.yaml").unlink()
    revision = data / "6.01.03" / "revisions" / "2026-01-22.yaml"
    revision.write_text(revision.read_text(encoding="utf-8").replace("status: published", "status: draft"), encoding="utf-8")
    assert main(["--data", str(data), "export", "--out", str(tmp_path / "out"), "--as-of", "2026-12-04"]) == 1
    assert "found only drafts; expected at least one policy with a published or reconstructed revision" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["--data", str(data), "pages", "--out", str(tmp_path / "preview"), "--as-of", "2026-12-04", "--drafts"]) == 0
