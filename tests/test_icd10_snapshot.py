"""The ICD-10-CM snapshot answers exactly as the simple-icd-10-cm package does, and is kept safely.

The reference answers below are the functions of `generators.domain.icd10` as they were written
against the package itself, before the snapshot.
"""

from __future__ import annotations

import marshal
import os
import random
import re
import shutil
import zlib
from collections import Counter
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generators.domain import icd10
from generators.domain.icd10 import IcdCode


@pytest.fixture(scope="module")
def cm() -> ModuleType:
    """The package itself (parsed once for the module)."""
    return icd10._package()


@pytest.fixture(scope="module")
def tabular(cm: ModuleType) -> list[str]:
    """The code-like items of the package, in its tabular order (chapters and blocks left out), each once."""
    return list(dict.fromkeys(c for c in cm.get_all_codes(True) if c[:1].isalpha() and "-" not in c))


@pytest.fixture(scope="module")
def position(tabular: list[str]) -> dict[str, int]:
    """Each code's position in tabular order (the last one for a block named like its category)."""
    return {code: index for index, code in enumerate(tabular)}


def outcome(call: Any, *args: str) -> object:
    """What a call returns, or the type and message of what it raises."""
    try:
        return call(*args)
    except Exception as error:  # noqa: BLE001 - the error is the outcome compared
        return (type(error), str(error))


# --------------------------------------------------------------------------- the reference


def reference_description(cm: ModuleType, code: str) -> str:
    return str(cm.get_description(code))


def reference_billable_under(cm: ModuleType, code: str) -> tuple[IcdCode, ...]:
    return tuple(IcdCode(c, reference_description(cm, c)) for c in cm.get_descendants(code) if cm.is_leaf(c))


def reference_expand_range(cm: ModuleType, tabular: list[str], position: dict[str, int], start: str, end: str) -> tuple[IcdCode, ...]:
    missing = [c for c in (start, end) if c not in position]
    if missing:
        raise icd10.RangeError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the ICD-10-CM code set ({icd10.CODE_SET_RELEASE})")
    first, last = position[start], position[end]
    if last < first:
        raise icd10.RangeError(f"the range {start}-{end} is reversed in the ICD-10-CM code set: {end} comes before {start}")
    span = list(tabular[first : last + 1])
    in_span = set(span)
    span += [c for c in cm.get_descendants(end) if c not in in_span]
    return tuple(IcdCode(code, reference_description(cm, code)) for code in span if cm.is_leaf(code))


# --------------------------------------------------------------------------- same answers

#: Inputs that are not codes as written in policies: no dot, lower case, spaces, unknown, empty.
ODD_INPUTS = ["C7931", "C794", "c71.0", " C71.0", "C71.0 ", "C71.X", "C71.99", "Z99.99", "", "C71-C72", "C69-C72", "2", "99"]


def test_descendants_are_the_following_codes_that_share_the_header_prefix(cm: ModuleType, tabular: list[str], position: dict[str, int]) -> None:
    # Why the snapshot stores no tree: checked over the whole code set, leaves included.
    for code, index in position.items():
        end = index + 1
        while end < len(tabular) and tabular[end].startswith(code):
            end += 1
        assert cm.get_descendants(code) == tabular[index + 1 : end], code


def test_is_code_and_is_billable_answer_like_the_package(cm: ModuleType, position: dict[str, int]) -> None:
    items = cm.get_all_codes(True) + cm.get_all_codes(False) + ODD_INPUTS
    assert [icd10.is_code(c) for c in items] == [c in position for c in items]
    assert [icd10.is_billable(c) for c in items] == [c in position and cm.is_leaf(c) for c in items]


def test_descriptions_are_the_official_ones(cm: ModuleType) -> None:
    items = cm.get_all_codes(True) + cm.get_all_codes(False)[::50] + ODD_INPUTS
    assert [outcome(icd10.description, c) for c in items] == [outcome(reference_description, cm, c) for c in items]
    assert outcome(icd10.description, "C71.99") == (ValueError, 'The code "C71.99" does not exist.')


def test_billable_codes_are_the_leaves_in_tabular_order(cm: ModuleType, tabular: list[str]) -> None:
    assert icd10.billable_codes() == tuple(c for c in tabular if cm.is_leaf(c))


def test_billable_under_every_code_is_what_the_package_gives(cm: ModuleType, position: dict[str, int]) -> None:
    for code in [*position, *ODD_INPUTS]:
        assert outcome(icd10.billable_under, code) == outcome(reference_billable_under, cm, code), code
    assert [c.code for c in icd10.billable_under("C79.4")] == ["C79.40", "C79.49"]


def test_ranges_expand_as_they_did_against_the_package(cm: ModuleType, tabular: list[str], position: dict[str, int]) -> None:
    rng = random.Random(20260401)
    headers = [c for c in position if not cm.is_leaf(c)]
    ranges: list[tuple[str, str]] = []
    for _ in range(2000):  # forward ranges, from one code to a few hundred
        first = rng.randrange(len(tabular))
        ranges.append((tabular[first], tabular[min(len(tabular) - 1, first + rng.choice([0, 1, 5, 40, 300]))]))
    for header in rng.sample(headers, 1000):  # a header as the end (its descendants come along) or the start
        index = position[header]
        ranges.append((tabular[max(0, index - rng.randrange(30))], header))
        ranges.append((header, tabular[min(len(tabular) - 1, index + rng.randrange(30))]))
    for name in _listed_twice(cm):  # a block named like its only category, listed before it
        index = tabular.index(name)
        ranges += [(tabular[index - 2], name), (tabular[index - 1], tabular[index + 3]), (name, tabular[index + 2])]
    ranges += [(end, start) for start, end in rng.sample(ranges, 300) if start != end]  # reversed
    ranges += [("C71.0", "C71.99"), ("C71.99", "C71.0"), ("C71.X", "C71.Y"), ("C710", "C719"), ("C69-C72", "C72.9"), ("2", "C71.0"), ("", "C71.0")]
    for start, end in ranges:
        assert outcome(icd10.expand_range, start, end) == outcome(reference_expand_range, cm, tabular, position, start, end), (start, end)
    assert outcome(icd10.expand_range, "C71.9", "C71.0")[0] is icd10.RangeError


def _listed_twice(cm: ModuleType) -> list[str]:
    twice = [code for code, count in Counter(cm.get_all_codes(True)).items() if count > 1 and code[:1].isalpha()]
    assert "B20" in twice, "the package lists blocks named like their only category (B20) twice"
    return twice


def test_a_code_the_package_lists_twice_is_expanded_and_listed_once(cm: ModuleType) -> None:
    for name in _listed_twice(cm):
        assert icd10.billable_codes().count(name) <= 1, name
    assert [c.code for c in icd10.expand_range("B19.21", "B20")].count("B20") == 1
    assert len(set(icd10.billable_codes())) == len(icd10.billable_codes())


# --------------------------------------------------------------------------- the stored snapshot


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty snapshot folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(icd10.CACHE_VARIABLE, str(folder))
    return folder


def forbid_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading the package fails: what is answered must come from a stored snapshot."""

    def refuse() -> None:
        raise AssertionError("the package was read although a good snapshot was stored")

    monkeypatch.setattr(icd10, "_content_from_package", refuse)


@pytest.fixture(scope="module")
def package_answers(cm: ModuleType, tabular: list[str]) -> tuple[list[str], bytes, list[str]]:
    """The codes, billable flags and descriptions, as the package gives them."""
    return tabular, bytes(bool(cm.is_leaf(c)) for c in tabular), [cm.get_description(c) for c in tabular]


def answers(snapshot: icd10.CodeSetSnapshot) -> tuple[list[str], bytes, list[str]]:
    """The same, as `snapshot` holds them."""
    return snapshot.codes, snapshot.billable, [snapshot.description_at(i) for i in range(len(snapshot.codes))]


def test_the_test_session_keeps_its_snapshot_out_of_the_users_cache() -> None:
    assert icd10.is_code("C71.0")  # the session's snapshot is loaded, or built and stored
    path = icd10.snapshot_path()
    assert path is not None and not path.is_relative_to(Path.home())
    assert path.parent == Path(os.environ[icd10.CACHE_VARIABLE]) and path.is_file()


def test_snapshot_is_stored_once_then_read_without_the_package(cache_folder: Path, package_answers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    built = icd10.load_snapshot()
    path = icd10.snapshot_path()
    assert path == cache_folder / f"simple-icd-10-cm-{icd10.package_version()}.snapshot{icd10.SNAPSHOT_FORMAT}.marshal"
    assert path.is_file() and answers(built) == package_answers
    forbid_package(monkeypatch)
    assert icd10.load_snapshot() == built


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(icd10.CACHE_VARIABLE)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert icd10.snapshot_path().parent == tmp_path / "xdg" / "policykb"  # type: ignore[union-attr]
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG spec says
    assert icd10.snapshot_path().parent == tmp_path / "home" / ".cache" / "policykb"  # type: ignore[union-attr]
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert icd10.snapshot_path().parent == tmp_path / "home" / ".cache" / "policykb"  # type: ignore[union-attr]


def _checked(body: bytes) -> bytes:
    """A file with a right tag and checksum around `body`."""
    return icd10._MAGIC + zlib.crc32(body).to_bytes(4, "big") + body


def _bit_flipped(content: bytes) -> bytes:
    flipped = bytearray(content)
    flipped[len(flipped) // 2] ^= 0x01
    return bytes(flipped)


#: Ways a stored snapshot can be damaged or foreign: each turns the good file into a bad one.
DAMAGES = {
    "empty": lambda content: b"",
    "truncated": lambda content: content[: len(content) // 2],
    "one bit flipped": _bit_flipped,
    "not a snapshot": lambda content: b"\x00garbage" * 100,
    "no tag and checksum": lambda content: content[len(icd10._MAGIC) + 4 :],
    "checked but not marshal": lambda content: _checked(b"\xff\xfe not marshal data"),
    "checked but foreign values": lambda content: _checked(marshal.dumps({"codes": ["A00"]})),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_snapshot_is_rebuilt_from_the_package(damage: str, cache_folder: Path, package_answers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    icd10.load_snapshot()
    path = icd10.snapshot_path()
    assert path is not None
    path.write_bytes(DAMAGES[damage](path.read_bytes()))
    assert answers(icd10.load_snapshot()) == package_answers
    forbid_package(monkeypatch)
    assert answers(icd10.load_snapshot()) == package_answers, "the rebuilt snapshot was stored again"


def test_another_format_or_package_version_never_reads_an_old_snapshot(cache_folder: Path, package_answers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    icd10.load_snapshot()
    old = icd10.snapshot_path()
    assert old is not None
    monkeypatch.setattr(icd10, "SNAPSHOT_FORMAT", icd10.SNAPSHOT_FORMAT + 1)
    monkeypatch.setattr(icd10, "package_version", lambda: "99.0")
    new = icd10.snapshot_path()
    assert new is not None and new != old and "99.0" in new.name and f"snapshot{icd10.SNAPSHOT_FORMAT}" in new.name
    shutil.copyfile(old, new)  # an old snapshot under the new name is refused by what it holds
    rebuilt = icd10.load_snapshot()
    assert answers(rebuilt) == package_answers
    assert icd10._read_snapshot(new, "99.0") == rebuilt and icd10._read_snapshot(old, "99.0") is None


def test_an_unwritable_cache_folder_only_means_building_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package_answers: Any) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(icd10.CACHE_VARIABLE, str(blocker / "cache"))
    assert answers(icd10.load_snapshot()) == package_answers  # no error, and no warning (they are errors here)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_folder_in_place_of_the_snapshot_file_is_no_error(cache_folder: Path, package_answers: Any) -> None:
    path = icd10.snapshot_path()
    assert path is not None
    path.mkdir(parents=True)
    assert answers(icd10.load_snapshot()) == package_answers
    assert path.is_dir()


def test_release_and_version_recorded_are_the_installed_packages() -> None:
    # The package names its data files after the release they hold.
    data_files = [entry.name for entry in resources.files("simple_icd_10_cm.data").iterdir()]
    tabular_files = [name for name in data_files if re.fullmatch(r"icd10c-tabular-.+\.xml", name)]
    assert len(tabular_files) == 1, data_files
    month, day, year = re.fullmatch(r"icd10c-tabular-(\w+)-(\d+)-(\d{4})\.xml", tabular_files[0]).groups()  # type: ignore[union-attr]
    assert icd10.CODE_SET_RELEASE.startswith(f"ICD-10-CM {month} {day}, {year}")
    assert icd10.is_code("C71.0")
    path = icd10.snapshot_path()
    assert path is not None and icd10.package_version() in path.name
    assert icd10._read_snapshot(path, icd10.package_version()) is not None
