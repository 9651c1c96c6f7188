"""Time on the built site in real Chromium: a date-of-service answer, and notices that stay true after the build day.

The site is built for March 1, 2026: 6.01.03's 2026-01-22 revision is approved and takes
effect May 15, 2026, so the policy page shows 2025-01-23 with a notice.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from generators.adapters.cli import main

from .conftest import DATA, ROOT
from .trees import served

pytestmark = pytest.mark.browser

POLICY = "policies/6.01.03/"


def served_build(root: Path, data: Path, as_of: str) -> Iterator[str]:
    """The site as `policykb build --as-of <as_of>` makes it of `data`, served on 127.0.0.1."""

    with served(root) as url:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("POLICYKB_SITE_URL", url)
            assert main(["--data", str(data), "build", "--out", str(root), "--config", str(ROOT / "mkdocs.yml"), "--as-of", as_of, "--jobs", "1"]) == 0
        yield url


@pytest.fixture(scope="module")
def march_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site as `policykb build --as-of 2026-03-01` makes it, served on 127.0.0.1."""
    yield from served_build(tmp_path_factory.mktemp("march") / "site", DATA, "2026-03-01")


@pytest.fixture(scope="module")
def retired_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """6.01.03 retired on 2026-08-01 and known before as 6.01.99 (tests/test_lifecycle.py's fixture), built for 2026-09-01."""
    work = tmp_path_factory.mktemp("retired")
    data = work / "policy_data"
    shutil.copytree(DATA, data)
    identity = data / "6.01.03" / "policy.yaml"
    text = identity.read_text(encoding="utf-8").replace("category: Medical Policy\n", "category: Medical Policy\nformer_numbers: [\"6.01.99\"]\n")
    identity.write_text(text.replace("    reinstated: 2010-11-18\n", "    reinstated: 2010-11-18\n  - retired: 2026-08-01\n"), encoding="utf-8")
    yield from served_build(work / "site", data, "2026-09-01")


def visit(page: Any, url: str, today: str) -> None:
    """Open `url` with the visitor's clock set to noon of `today`."""
    page.clock.set_fixed_time(datetime.fromisoformat(f"{today}T12:00:00"))
    page.goto(url)


def test_the_notice_says_what_comes_while_it_is_still_to_come(page: Any, march_site: str) -> None:
    visit(page, march_site + POLICY, "2026-03-02")
    notice = page.locator(".pkb-upcoming-notice")
    assert notice.locator(".admonition-title").inner_text() == "A new revision takes effect May 15, 2026"
    assert "Until then the revision on this page applies." in notice.inner_text()
    assert page.locator("dd time[datetime='2025-01-23']").count() == 1  # the 2025 text is shown


def test_the_notice_is_updated_when_the_page_is_read_after_the_effective_date(page: Any, march_site: str) -> None:
    visit(page, march_site + POLICY, "2026-05-20")
    notice = page.locator(".pkb-upcoming-notice")
    assert notice.locator(".admonition-title").inner_text() == "A new revision took effect May 15, 2026"
    text = notice.inner_text()
    assert "This page was built for March 1, 2026. Since May 15, 2026, the revision approved January 22, 2026 applies" in text
    assert notice.locator("a").get_attribute("href") == "revisions/2026-01-22/"


@pytest.mark.parametrize(("day", "words", "href"), [
    ("2025-06-01", ["the revision approved January 23, 2025 applied", "its start is only its committee approval date"], "./"),
    ("2026-06-01", ["the revision approved January 22, 2026 applied", "in effect from May 15, 2026"], "revisions/2026-01-22/"),
    ("2024-06-01", ["No stored revision applied on June 1, 2024", "the first stored revision is in effect from January 23, 2025"], None),
])
def test_a_date_of_service_is_answered_from_the_windows(page: Any, march_site: str, day: str, words: list[str], href: str | None) -> None:
    visit(page, march_site + POLICY, "2026-03-02")
    form = page.locator("form.pkb-dos")
    assert form.is_visible()
    form.locator("input[type=date]").fill(day)
    answer = form.locator("output")
    for expected in words:
        assert expected in answer.inner_text(), answer.inner_text()
    links = answer.locator("a")
    if href is None:
        assert links.count() == 0
    else:
        assert links.get_attribute("href") == href


def test_the_upcoming_revision_has_its_own_page_and_the_list_of_upcoming_changes(page: Any, march_site: str) -> None:
    visit(page, march_site + "policies/6.01.03/revisions/2026-01-22/", "2026-03-02")
    assert page.locator(".pkb-upcoming-banner .admonition-title").inner_text() == "Upcoming revision: takes effect May 15, 2026"
    visit(page, march_site + "upcoming/", "2026-03-02")
    row = page.locator("#upcoming-6\\.01\\.03-2026-01-22")
    assert "May 15, 2026" in row.inner_text() and "Annual review, policy statement added" in row.inner_text()


@pytest.mark.parametrize(("day", "words"), [
    ("2026-07-15", "On July 15, 2026 the revision approved January 22, 2026 applied"),
    ("2026-08-15", "Policy 6.01.03 was retired on August 1, 2026: no revision applied on August 15, 2026."),
    # 6.01.03's own history: deleted 05/27/10, made active again 11/18/10
    ("2010-07-01", "Policy 6.01.03 was retired on May 27, 2010: no revision applied on July 1, 2010."),
])
def test_a_retired_policy_answers_a_date_of_service_only_while_it_was_active(page: Any, retired_site: str, day: str, words: str) -> None:
    visit(page, retired_site + POLICY, "2026-09-02")
    assert "This policy is retired" in page.locator(".pkb-retired-banner, .admonition").first.inner_text()
    form = page.locator("form.pkb-dos")
    form.locator("input[type=date]").fill(day)
    assert words in form.locator("output").inner_text()


@pytest.mark.parametrize(("former", "now"), [
    ("policies/6.01.99/", POLICY),
    ("policies/6.01.99/history/", POLICY + "history/"),
    ("policies/6.01.99/revisions/2026-01-22/", POLICY),  # the revision on the policy page on 2026-09-01
    ("policies/6.01.99/revisions/2025-01-23/", POLICY + "revisions/2025-01-23/"),
    ("policies/6.01.99/diffs/2025-01-23..2026-01-22/", POLICY + "diffs/2025-01-23..2026-01-22/"),
])
def test_a_former_number_leads_to_the_same_page_now(page: Any, retired_site: str, former: str, now: str) -> None:
    visit(page, retired_site + former, "2026-09-02")
    page.wait_for_url(retired_site + now)
    assert "6.01.03" in page.locator("h1").first.inner_text()
