"""Only `generators.build.write` writes, and it never writes outside the output folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators import urls
from generators.build import write
from generators.build.write import OUTPUT_MARKER, UnsafePathError, link_files_into, replace_dir_atomically, replace_file, safe_relative, write_files, write_tree


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
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [OUTPUT_MARKER, "a.txt", "b/c.txt"]
    assert (out / "a.txt").read_text(encoding="utf-8") == "one\n"
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "the staging folder was left behind"


def test_write_tree_replaces_the_whole_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_tree({"old.txt": "old\n"}, out)
    write_tree({"new.txt": "new\n"}, out)
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "new.txt"]


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


# --------------------------------------------------------------------------- the swap, kept entries, modes


def test_the_output_folder_exists_at_every_moment_of_the_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_tree({"old.txt": "old\n"}, out)
    renames: list[tuple[str, str]] = []
    real_rename = os.rename

    def watched_rename(source: str | Path, target: str | Path) -> None:
        assert out.is_dir(), "the swap left no output folder for a moment"
        renames.append((str(source), str(target)))
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", watched_rename)
    write_tree({"new.txt": "new\n"}, out)
    assert renames == []  # one exchange, no rename
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_without_an_atomic_exchange_the_swap_is_two_renames_and_still_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_renameat2", None)
    out = tmp_path / "site"
    write_tree({"old.txt": "old\n"}, out)
    write_tree({"new.txt": "new\n"}, out)
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_hidden_entries_and_cname_a_person_put_at_the_top_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_tree({"index.html": "one\n"}, out)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (out / ".git" / "current").symlink_to("HEAD")
    (out / ".nojekyll").write_bytes(b"")
    (out / "CNAME").write_text("policies.example.org\n", encoding="utf-8")
    (out / "api").mkdir()
    (out / "api" / ".hidden-deeper").write_text("not at the top\n", encoding="utf-8")
    (out / "stray.html").write_text("not hidden\n", encoding="utf-8")
    write_tree({"index.html": "two\n"}, out)
    assert sorted(p.name for p in out.iterdir()) == [".git", ".nojekyll", OUTPUT_MARKER, "CNAME", "index.html"]
    assert (out / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/gh-pages\n"
    assert (out / ".git" / "current").is_symlink()
    assert (out / "CNAME").read_text(encoding="utf-8") == "policies.example.org\n"
    assert (out / "index.html").read_text(encoding="utf-8") == "two\n"


def test_a_kept_entry_the_new_tree_also_has_comes_from_the_new_tree(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_tree({"index.html": "one\n"}, out)
    (out / "CNAME").write_text("old.example.org\n", encoding="utf-8")
    write_tree({"index.html": "two\n", "CNAME": "new.example.org\n"}, out)
    assert (out / "CNAME").read_text(encoding="utf-8") == "new.example.org\n"


@pytest.fixture
def strict_umask() -> Iterator[None]:
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def test_published_modes_do_not_depend_on_the_umask(tmp_path: Path, strict_umask: None) -> None:
    out = tmp_path / "site"
    write_tree({"index.html": "page\n", "api/v1/index.json": "{}\n"}, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "api" / "v1").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "index.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((out / "api" / "v1" / "index.json").stat().st_mode) == 0o644
    replace_file(out, "api/v2/new.json", b"{}\n")  # an in-place update, into a new folder
    assert stat.S_IMODE((out / "api" / "v2").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "api" / "v2" / "new.json").stat().st_mode) == 0o644


def test_a_file_given_as_pieces_is_written_as_their_bytes_end_to_end(tmp_path: Path) -> None:
    """A large file assembled from parts (the codes CSV) is written piece by piece, never joined in memory."""
    stamps = write.write_files_stamped(tmp_path, {"api/v1/codes.csv": [b"header\r\n", b"row 1\r\n", b"", b"row 2\r\n"], "feed.xml": b"<feed/>"})
    assert (tmp_path / "api" / "v1" / "codes.csv").read_bytes() == b"header\r\nrow 1\r\nrow 2\r\n"
    assert stamps["api/v1/codes.csv"][0] == 22 and (tmp_path / "feed.xml").read_bytes() == b"<feed/>"
