"""Output formats are a registry: a new format is one class and one line.

Its promises: a format added with `with_format` is published by `render_outputs` and by the
pipeline, cleanly and incrementally, and an incremental build after an edit writes exactly the
bytes of a clean build of the edited data; the build never looks inside a format's parts.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import pytest

from generators.build.assemble import OutputClashError, render_outputs
from generators.build.pipeline import BuildReport, build_tree
from generators.load.validate import load_library
from generators.model import policy_sort_key
from generators.outputs.registry import FORMATS, OutputFormat, PolicyInput, with_format
from generators.outputs.site import SiteContext

from .conftest import AS_OF
from .trees import snapshot_tree, tree_differences

HAND_WRITTEN = ("lookup.md",)


class SummaryFormat:
    """A newcomer's format: `policies/<n>/summary.txt` per policy, `summaries.txt` listing them."""

    name = "summaries"
    libraries: tuple[str, ...] = ()

    def policy_files(self, policy: PolicyInput) -> dict[str, bytes | str]:
        return {f"policies/{policy.timeline.policy.number}/summary.txt": self._line(policy)}

    def policy_part(self, policy: PolicyInput) -> str:
        return self._line(policy)

    def library_files(self, parts: Sequence[object], site: SiteContext, only: Collection[str] | None = None) -> dict[str, bytes | str]:
        return {"summaries.txt": "".join(str(part) for part in parts)}

    def library_paths_fed_by(self, part: object) -> tuple[str, ...]:
        return ("summaries.txt",)

    @staticmethod
    def _line(policy: PolicyInput) -> str:
        timeline = policy.timeline
        return f"{timeline.policy.number}\t{timeline.policy.title}\t{timeline.shown.key}\n"


#: The one line that registers it, for a build of one's own.
WITH_SUMMARIES: tuple[OutputFormat, ...] = with_format(SummaryFormat())


@pytest.fixture
def data(synthetic_library: Callable[[int, int, int], Path], tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(synthetic_library(6, 3, 5), copy)
    return copy


def build(data: Path, out: Path, cache: Path | None = None, jobs: int = 2) -> BuildReport:
    return build_tree(data, out, as_of=AS_OF, hand_written=HAND_WRITTEN, jobs=jobs, cache_dir=cache, formats=WITH_SUMMARIES)


def clean_tree(data: Path) -> dict[str, bytes]:
    """Every output of the library with the summaries, as `render_outputs` makes them."""
    outputs = render_outputs(load_library(data), AS_OF, HAND_WRITTEN, formats=WITH_SUMMARIES)
    return {path: content.encode("utf-8") if isinstance(content, str) else content for path, content in outputs.items()}


def retitle_one_policy(data: Path) -> str:
    """Give the second policy a new title; its number."""
    folder = sorted(p for p in data.iterdir() if p.is_dir())[1]
    identity = folder / "policy.yaml"
    text = identity.read_text(encoding="utf-8")
    identity.write_text(text.replace("\ntitle: ", "\ntitle: Retitled ", 1), encoding="utf-8")
    return folder.name


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_format_added_with_one_line_is_published_by_a_clean_build(data: Path, tmp_path: Path, jobs: int) -> None:
    build(data, tmp_path / "out", jobs=jobs)
    written = snapshot_tree(tmp_path / "out")
    assert tree_differences(written, clean_tree(data)) == []
    numbers = sorted((p.name for p in data.iterdir() if p.is_dir()), key=policy_sort_key)  # in policy order
    assert [line.split("\t")[0] for line in written["summaries.txt"].decode().splitlines()] == numbers
    assert all(written[f"policies/{number}/summary.txt"] in written["summaries.txt"] for number in numbers)


def test_the_other_formats_are_unchanged_by_it(data: Path) -> None:
    library = load_library(data)
    with_summaries = render_outputs(library, AS_OF, HAND_WRITTEN, formats=WITH_SUMMARIES)
    without = render_outputs(library, AS_OF, HAND_WRITTEN)
    assert {path for path in with_summaries if path.endswith("summary.txt") or path == "summaries.txt"} == with_summaries.keys() - without.keys()
    assert {path: with_summaries[path] for path in without} == without


def test_after_an_edit_an_incremental_build_writes_the_bytes_of_a_clean_build(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache)
    before = snapshot_tree(out)
    number = retitle_one_policy(data)
    report = build(data, out, cache)
    assert (report.incremental, report.rendered) == (True, 1)
    after = snapshot_tree(out)
    assert tree_differences(after, clean_tree(data)) == []
    assert b"\tRetitled " in after[f"policies/{number}/summary.txt"] and b"\tRetitled " in after["summaries.txt"]
    assert after["summaries.txt"] != before["summaries.txt"]


def test_adding_a_format_is_a_new_build_not_a_stale_one(data: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_tree(data, out, as_of=AS_OF, hand_written=HAND_WRITTEN, jobs=1, cache_dir=cache)
    report = build(data, out, cache, jobs=1)  # the formats are part of the build settings
    assert not report.incremental
    assert tree_differences(snapshot_tree(out), clean_tree(data)) == []


def test_two_formats_of_one_name_or_writing_one_path_are_refused(data: Path) -> None:
    with pytest.raises(ValueError, match="summaries"):
        with_format(SummaryFormat(), WITH_SUMMARIES)

    class Clashing(SummaryFormat):
        name = "clashing"

    with pytest.raises(OutputClashError, match="summar"):
        render_outputs(load_library(data), AS_OF, formats=(*WITH_SUMMARIES, Clashing()))


def test_every_registered_format_has_a_unique_name() -> None:
    assert len({output.name for output in FORMATS}) == len(FORMATS)
