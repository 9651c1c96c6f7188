"""Cache keys: any change to a policy's files, the code or the settings gives a new key; nothing else does.

What is kept under a key, and that an incremental build equals a clean one, is tested in
`tests/test_pipeline.py`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from generators.load import validate
from generators.build.cache import PACKAGE_DIR, BuildCache, code_version


@pytest.fixture(scope="module")
def pristine(synthetic_library: Callable[[int, int, int], Path]) -> Path:
    return synthetic_library(2, 2, 11)


@pytest.fixture
def folder(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(pristine, copy)
    return sorted(p for p in copy.iterdir() if p.is_dir())[0]


def test_any_change_to_a_policy_folder_gives_a_new_key(folder: Path) -> None:
    keys = BuildCache()
    seen = {keys.key(folder)}
    revision = sorted((folder / "revisions").glob("*.yaml"))[-1]
    revision.write_bytes(revision.read_bytes() + b"\n")  # one byte more
    seen.add(keys.key(folder))
    (folder / "notes.txt").write_text("a new file\n", encoding="utf-8")
    seen.add(keys.key(folder))
    (folder / "notes.txt").rename(folder / "notes2.txt")  # same bytes, another name
    seen.add(keys.key(folder))
    assert len(seen) == 4


def test_times_alone_do_not_change_a_key(folder: Path) -> None:
    keys = BuildCache()
    before = keys.key(folder)
    for path in folder.rglob("*"):
        os.utime(path, (0, 0))
    assert keys.key(folder) == before


def test_code_and_settings_are_part_of_every_key(folder: Path) -> None:
    keys = {
        BuildCache().key(folder),
        BuildCache(code="another code version").key(folder),
        BuildCache(config={"policy_numbers": ["1.01.01"]}).key(folder),
        BuildCache(config={"policy_numbers": ["1.01.02"]}).key(folder),
    }
    assert len(keys) == 4


def test_a_registered_revision_check_changes_every_key(folder: Path) -> None:
    before = BuildCache().key(folder)

    def extra_check(revision: object, document: object) -> list[object]:
        return []

    validate.register_revision_check(extra_check)  # type: ignore[arg-type]
    try:
        assert BuildCache().key(folder) != before
    finally:
        validate.extra_revision_checks.remove(extra_check)  # type: ignore[arg-type]
    assert BuildCache().key(folder) == before


def test_code_version_changes_with_any_file_of_the_package(tmp_path: Path) -> None:
    package = tmp_path / "generators"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_version(package)
    template = next(package.glob("outputs/templates/**/*.j2"))
    template.write_text(template.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert code_version(package) != before


def _key_within(folder: Path, seconds: float = 10) -> str:
    """The folder's key, computed in a thread that must end within `seconds`."""
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(BuildCache().key(folder)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"hashing {folder} did not end within {seconds} s"
    return result[0]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda where: os.mkfifo(where), id="a FIFO"),
        pytest.param(lambda where: os.symlink("/dev/zero", where), id="a link to /dev/zero"),
        pytest.param(lambda where: os.symlink("missing.yaml", where), id="a dangling link"),
        pytest.param(lambda where: os.symlink(os.path.basename(where), where), id="a link to itself"),
        pytest.param(lambda where: os.symlink("..", where), id="a link to the folder above"),
    ],
)
def test_hashing_reads_only_regular_files_and_always_ends(folder: Path, make: Callable[[str], None]) -> None:
    before = _key_within(folder)
    make(str(folder / "revisions" / "odd.yaml"))
    assert _key_within(folder) != before  # the entry is part of the key: by its name and kind, never read


def test_a_revisions_folder_behind_a_link_is_hashed_through_the_link(folder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(folder / "revisions", elsewhere)
    (folder / "revisions").symlink_to(elsewhere, target_is_directory=True)
    before = _key_within(folder)
    revision = sorted(elsewhere.glob("*.yaml"))[-1]
    revision.write_text(revision.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8")
    assert _key_within(folder) != before
