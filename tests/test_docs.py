"""The README is for users and stays short; the lab notebook lives beside the benchmarks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The project's own files a document names in backticks (not output paths such as `api/v1/...`).
PROJECT_PATH = re.compile(r"`((?:\.ci|benchmarks|content|generators|policy_data|scripts|tests)/[^`<>*\s]*)`")


@pytest.mark.parametrize(("document", "most_lines"), [("README.md", 250), ("benchmarks/README.md", 200)])
def test_the_readmes_stay_short(document: str, most_lines: int) -> None:
    lines = len((ROOT / document).read_text(encoding="utf-8").splitlines())
    assert lines < most_lines, f"{document} has {lines} lines: design notes go to content/reference/, history to benchmarks/HISTORY.md"


@pytest.mark.parametrize("document", ["README.md", "benchmarks/README.md"])
def test_every_project_file_a_readme_names_exists(document: str) -> None:
    named = PROJECT_PATH.findall((ROOT / document).read_text(encoding="utf-8"))
    assert named, "the pattern finds the paths"
    missing = sorted({path for path in named if not (ROOT / path.split(":")[0]).exists()})
    assert missing == []


def test_the_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("## The two commands") < readme.index("## The command line")
    for script in ("scripts/build.sh", "scripts/test.sh"):
        assert re.search(rf"^{re.escape(script)}\s+#", readme, flags=re.MULTILINE) and (ROOT / script).is_file()
