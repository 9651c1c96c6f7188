"""A published revision corrected in place says so: in its data, its page, its JSON and the feed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.adapters.cli import main
from generators.outputs.feed import render_feed
from generators.outputs.json_api import render_api
from generators.outputs.site import render_site_pages
from generators.load.validate import load_library

from .conftest import AS_OF

REVISION = "6.01.03/revisions/2026-01-22.yaml"
CORRECTION = """corrections:
  - date: 2026-06-02
    what: Added the NMN flag to CPT 76390.
    why: The flag was printed in the committee's copy and lost in transcription.
"""


def _correct(edit: Callable[[str, str, str], Path], corrections: str = CORRECTION) -> None:
    edit(REVISION, "next_review: 2027-01\n", "next_review: 2027-01\n" + corrections)


def test_a_correction_is_on_the_page_in_the_json_and_in_the_feed(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    _correct(edit)
    library = load_library(data_copy)
    page = render_site_pages(library, AS_OF)["policies/6.01.03/index.md"]
    assert 'id="corrections"' in page or "{ #corrections" in page
    assert '<time datetime="2026-06-02">' in page and "Added the NMN flag to CPT 76390." in page and "lost in transcription" in page
    revision = json.loads(render_api(library, AS_OF)["api/v1/policies/6.01.03/revisions/2026-01-22.json"])["revision"]
    assert revision["corrections"] == [
        {"date": "2026-06-02", "what": "Added the NMN flag to CPT 76390.", "why": "The flag was printed in the committee's copy and lost in transcription."}
    ]
    feed = render_feed(library, AS_OF)["feed.xml"].decode()
    entry = feed[feed.index("<id>urn:policykb:policy:6.01.03:revision:2026-01-22</id>") :].split("</entry>")[0]
    assert "<updated>2026-06-02T00:00:00Z</updated>" in entry and "<published>2026-01-22T00:00:00Z</published>" in entry
    assert "Corrected on 2026-06-02: Added the NMN flag to CPT 76390." in entry


def test_an_uncorrected_revision_has_no_corrections_section(edit: Callable[[str, str, str], Path], data_copy: Path) -> None:
    page = render_site_pages(load_library(data_copy), AS_OF)["policies/6.01.03/index.md"]
    assert "Corrections" not in page


@pytest.mark.parametrize(
    ("corrections", "expected"),
    [
        ("corrections:\n  - date: 2025-06-02\n    what: A fix.\n    why: A reason.\n", "before the revision's approval 2026-01-22"),
        ("corrections:\n  - date: 2026-06-02\n    what: A fix.\n", "corrections[0].why"),
        ("corrections:\n  - date: June 2\n    what: A fix.\n    why: A reason.\n", "corrections[0].date"),
        (
            "corrections:\n  - date: 2026-07-02\n    what: A fix.\n    why: A reason.\n  - date: 2026-06-02\n    what: A fix.\n    why: A reason.\n",
            "out of order",
        ),
    ],
    ids=["before-approval", "without-why", "not-a-date", "out-of-order"],
)
def test_a_bad_correction_is_refused_with_its_file_line_and_field(
    edit: Callable[[str, str, str], Path], data_copy: Path, capsys: pytest.CaptureFixture[str], corrections: str, expected: str
) -> None:
    _correct(edit, corrections)
    assert main(["--data", str(data_copy), "validate"]) == 1
    err = capsys.readouterr().err
    assert "6.01.03/revisions/2026-01-22.yaml:" in err and expected in err and "Traceback" not in err
