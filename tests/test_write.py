"""Only `generators.write` writes, and it never writes outside the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import urls
from generators.write import UnsafePathError, link_files_into, replace_dir_atomically, safe_relative, write_files, write_tree


@pytest.mark.parametrize(
    "path",
    [
        "../escaped.json",
        "api/v1/policies/../../../../escaped.json",
        urls.api_policy("../../../etc/x"),
        urls.api_revision("6.01.03", "../../../../../tmp/2026-01-22"),
        "/etc/passwd",
        "api\\..\\escaped.json",
        "api/v1/index.json\x00.html",
        "api/v1/new\nline.json",
        "",
    ],
)
def test_a_path_leaving_the_output_folder_is_refused(path: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_relative(path)


def test_one_unsafe_path_means_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("previous\n", encoding="utf-8")
    files = {"api/v1/index.json": b"{}\n", urls.api_policy("../../outside"): b"{}\n"}
    with pytest.raises(UnsafePathError):
        write_tree(files, out)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert [p.relative_to(out).as_posix() for p in out.rglob("*")] == ["index.html"]
    assert (out / "index.html").read_text(encoding="utf-8") == "previous\n"


def test_a_failure_while_writing_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_tree({"a.txt": "one\n", "b/c.txt": "two\n"}, out)

    def fill_then_fail(staging: Path) -> None:
        (staging / "a.txt").write_text("half-written\n", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_dir_atomically(out, fill_then_fail)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["a.txt", "b/c.txt"]
    assert (out / "a.txt").read_text(encoding="utf-8") == "one\n"
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "the staging folder was left behind"


def test_write_tree_replaces_the_whole_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_tree({"old.txt": "old\n"}, out)
    write_tree({"new.txt": "new\n"}, out)
    assert [p.name for p in out.iterdir()] == ["new.txt"]


def test_data_files_join_a_built_site_as_hard_links_and_never_replace_a_file(tmp_path: Path) -> None:
    site, kept = tmp_path / "site", tmp_path / "kept"
    site.mkdir()
    kept.mkdir()
    write_files({"index.html": "page", "api/v1/index.json": "{}"}, site)
    write_files({"api/v1/policies.json": "[]", "feed.xml": "<feed/>", "index.html": "other"}, kept)
    link_files_into(kept, site, ["api/v1/policies.json", "feed.xml"])
    assert (site / "api/v1/policies.json").read_text() == "[]" and (site / "api/v1/index.json").read_text() == "{}"
    assert (site / "feed.xml").stat().st_ino == (kept / "feed.xml").stat().st_ino  # linked, not copied
    assert (kept / "feed.xml").exists()  # the kept folder stays whole for the next incremental build
    with pytest.raises(FileExistsError):
        link_files_into(kept, site, ["index.html"])
    assert (site / "index.html").read_text() == "page"
