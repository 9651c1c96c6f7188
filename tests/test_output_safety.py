"""No command deletes what it did not write: an `--out` that holds what policykb did not make is refused.

Each refusal is one located line (the flag, the folder, what it is, what is expected), exit
code 2, and nothing is touched: the folder and everything beside it stay as they were. An
error of the file system (disk full, read-only, permission denied) is one line naming the
path, exit code 3, and the previous output is kept.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.adapters.cli import EXIT_IO, main
from generators.build.write import OUTPUT_MARKER

from .conftest import DATA
from .trees import snapshot_tree


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of the repository (a `.git`, the data, a README), the current folder."""
    root = tmp_path / "clone"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (root / "README.md").write_text("# policykb\n", encoding="utf-8")
    shutil.copytree(DATA, root / "policy_data")
    monkeypatch.chdir(root)
    return root


def everything_under(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, the marker and hidden entries included."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--data", "policy_data", "export", *argv])
    return code, capsys.readouterr().err


REFUSED: list[tuple[str, list[str], Callable[[Path], None], str]] = [
    ("the current folder (a clone)", ["--out", "."], lambda root: None, "it is the current folder"),
    ("a folder above the current one", ["--out", ".."], lambda root: None, "it contains the current folder"),
    ("the data folder", ["--out", "policy_data"], lambda root: None, "it is the data folder (--data)"),
    ("a folder inside the data folder", ["--out", "policy_data/out"], lambda root: None, "it is inside the data folder (--data)"),
    ("the cache inside the output", ["--out", "out", "--cache", "out/cache"], lambda root: None, "it contains the cache folder (--cache)"),
    ("the output inside the cache", ["--out", "cache/out", "--cache", "cache"], lambda root: None, "it is inside the cache folder (--cache)"),
    ("the output is the cache", ["--out", "cache", "--cache", "cache"], lambda root: None, "it is the cache folder (--cache)"),
    ("a file", ["--out", "README.md"], lambda root: None, "it is a file, not a folder"),
    (
        "a folder policykb did not write",
        ["--out", "mine"],
        lambda root: (root / "mine").mkdir() or (root / "mine" / "notes.txt").write_text("mine\n", encoding="utf-8"),
        "it is a folder policykb did not write, holding notes.txt",
    ),
    (
        "another repository",
        ["--out", "other"],
        lambda root: (root / "other" / ".git").mkdir(parents=True) or (root / "other" / "main.py").write_text("print()\n", encoding="utf-8"),
        "(a repository: it holds .git), holding main.py",
    ),
]


@pytest.mark.parametrize(("case", "argv", "prepare", "expected"), REFUSED, ids=[case[0] for case in REFUSED])
def test_an_out_holding_what_policykb_did_not_write_is_refused_and_nothing_is_touched(
    clone: Path, capsys: pytest.CaptureFixture[str], case: str, argv: list[str], prepare: Callable[[Path], None], expected: str
) -> None:
    prepare(clone)
    before = everything_under(clone.parent)
    code, err = export(capsys, *argv)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"policykb: error: --out {argv[1]}: refusing to write there: "), err
    assert expected in err and f"expected a new or empty folder, or one policykb wrote (it holds {OUTPUT_MARKER})" in err
    assert "Traceback" not in err
    assert everything_under(clone.parent) == before


@pytest.mark.parametrize(
    ("cache", "expected"),
    [(".", "it is the current folder"), ("policy_data", "it is the data folder (--data)"), ("policy_data/cache", "it is inside the data folder (--data)"), ("..", "it contains the current folder")],
)
def test_a_cache_in_the_current_folder_or_the_data_is_refused(clone: Path, capsys: pytest.CaptureFixture[str], cache: str, expected: str) -> None:
    before = everything_under(clone.parent)
    code, err = export(capsys, "--out", "out", "--cache", cache)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"policykb: error: --cache {cache}: refusing to keep the cache there: {expected}")
    assert everything_under(clone.parent) == before


@pytest.mark.parametrize("command", ["build", "pages"])
def test_build_and_pages_refuse_the_same_folders(clone: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    (clone / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    before = everything_under(clone.parent)
    assert main(["--data", "policy_data", command, "--out", "."]) == 2
    assert "refusing to write there: it is the current folder" in capsys.readouterr().err
    assert everything_under(clone.parent) == before


def test_a_missing_an_empty_or_a_policykb_folder_is_written(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export(capsys, "--out", "new/json")[0] == 0
    (clone / "empty").mkdir()
    assert export(capsys, "--out", "empty")[0] == 0
    assert export(capsys, "--out", "empty")[0] == 0  # its own output, marked, the second time
    assert (clone / "empty" / OUTPUT_MARKER).is_file()
    assert snapshot_tree(clone / "empty") == snapshot_tree(clone / "new/json")


def test_a_fresh_gh_pages_checkout_is_written_and_its_git_and_cname_are_kept(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = clone / "site"
    (site / ".git").mkdir(parents=True)
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (site / ".nojekyll").write_bytes(b"")
    (site / "CNAME").write_text("policies.example.org\n", encoding="utf-8")
    for _ in range(2):
        assert export(capsys, "--out", "site")[0] == 0
        assert (site / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/gh-pages\n"
        assert (site / "CNAME").read_text(encoding="utf-8") == "policies.example.org\n"
        assert (site / ".nojekyll").exists() and (site / "api" / "v1" / "index.json").is_file()


# --------------------------------------------------------------------------- errors of the file system


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM])
def test_a_file_system_error_is_one_line_naming_the_path_with_exit_code_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    out = tmp_path / "out"
    assert main(["--data", str(DATA), "export", "--out", str(out)]) == 0
    before = everything_under(out)
    real_write_bytes = Path.write_bytes
    written: list[Path] = []

    def failing_write_bytes(self: Path, data: bytes) -> int:
        written.append(self)
        if len(written) == 5:
            raise OSError(code, os.strerror(code))  # as a full disk fails write(): no file named
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write_bytes)
    capsys.readouterr()
    assert main(["--data", str(DATA), "export", "--out", str(out), "--jobs", "1"]) == EXIT_IO
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err == f"policykb: error: {written[-1]}: {os.strerror(code)} [{errno.errorcode[code]}]; {out}/ was left as it was\n"
    assert everything_under(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_full_disk_when_taking_the_lock_names_the_lock_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17, item 16: the lock's pid is the first byte a build writes; a full disk there names the lock file too."""
    out = tmp_path / "out"
    real_write = os.write

    def failing_write(handle: int, data: bytes) -> int:
        if data == f"{os.getpid()}\n".encode():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write() fails: no file named
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", failing_write)
    assert main(["--data", str(DATA), "export", "--out", str(out)]) == EXIT_IO
    err = capsys.readouterr().err
    assert err == f"policykb: error: {tmp_path / '.out.lock'}: {os.strerror(errno.ENOSPC)} [ENOSPC]; {out}/ was left as it was\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
