"""The adjudication example of the docs (`content/downloads-codes.md`) runs against a fresh export and answers right."""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date
from typing import Any

import pytest

from generators import urls
from generators.adapters.cli import main

from .conftest import AS_OF, DATA, ROOT

DOCS = ROOT / "content" / "downloads-codes.md"


def _example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("{ #adjudication-example }") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def adjudicate(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The example's `adjudicate`, reading a fresh export instead of the published site."""
    out = tmp_path_factory.mktemp("adjudication") / "export"
    assert main(["--data", str(DATA), "export", "--out", str(out), "--as-of", AS_OF.isoformat()]) == 0
    source = _example()
    published = f'SITE = "{urls.DEFAULT_SITE_URL}"'
    assert published in source
    namespace: dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source.replace(published, f'SITE = "{out.as_uri()}/"'), str(DOCS), "exec"), namespace)  # noqa: S102 - our own docs
    comments = "\n".join(line.removeprefix("# ") for line in source.splitlines() if line.startswith("# "))
    assert printed.getvalue().split() == comments.split(), "the example's printed answers differ from those the docs show"
    return namespace["adjudicate"]


def test_a_flagged_code_gets_its_statement_and_determination_by_date_of_service(adjudicate: Any) -> None:
    assert adjudicate("cpt", "0611t", date(2026, 6, 1)) == [
        {"policy": "6.01.03", "revision": "2026-01-22", "listed_as": "0611T", "statement": "II", "determination": "not_medically_necessary"}
    ]
    # Approved on 2026-01-22 but in effect from 2026-05-15: in March the older revision applies.
    assert adjudicate("cpt", "0611T", date(2026, 3, 1))[0]["revision"] == "2025-01-23"


def test_an_unflagged_code_is_listed_by_the_policy_as_a_whole(adjudicate: Any) -> None:
    [answer] = adjudicate("cpt", "76390", date(2026, 6, 1))
    assert (answer["statement"], answer["determination"]) == (None, "listed by the policy as a whole")
    [icd] = adjudicate("icd10cm", "c713", date(2026, 6, 1))
    assert icd["listed_as"] == "C71.0-C71.9"


def test_no_answer_before_the_first_window_or_for_an_unlisted_code(adjudicate: Any) -> None:
    assert adjudicate("cpt", "0611T", date(2020, 1, 1)) == []
    assert adjudicate("cpt", "99213", date(2026, 6, 1)) == []
