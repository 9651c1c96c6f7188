"""YAML is loaded safely: no objects from tags, no alias bombs, no silent overwrites."""

from __future__ import annotations

from pathlib import Path

from generators.load.yaml_files import MAX_FILE_BYTES, LoadedDocument, load_yaml_file, parse_yaml


def codes_of(result: LoadedDocument | list) -> list[str]:
    assert isinstance(result, list), "expected diagnostics"
    return [d.code for d in result]


def test_scalars_stay_text_unless_plainly_null_bool_or_integer() -> None:
    doc = parse_yaml('a: 0609T\nb: 6.01.03\nc: 2026-01-22\nd: 12\ne: "12"\nf: null\ng: true\nh: yes\ni: 1.5\nj: 0123\n', "t.yaml")
    assert isinstance(doc, LoadedDocument)
    assert doc.data == {"a": "0609T", "b": "6.01.03", "c": "2026-01-22", "d": 12, "e": "12", "f": None, "g": True, "h": "yes", "i": "1.5", "j": "0123"}


def test_locations_of_fields() -> None:
    doc = parse_yaml("top:\n  items:\n    - name: x\n    - name: y\n", "t.yaml")
    assert doc.locate(("top", "items", 1, "name")) == (4, 7)
    assert doc.locate(("top", "items", 1, "missing")) == (4, 7)


def test_python_tags_are_refused() -> None:
    result = parse_yaml("a: !!python/object/apply:os.system ['echo pwned']\n", "t.yaml")
    assert codes_of(result) == ["yaml-tag"]
    assert result[0].line == 1


def test_billion_laughs_is_refused_without_expanding() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    result = parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert "yaml-alias" in codes_of(result)


def test_syntax_error_has_a_line() -> None:
    result = parse_yaml("a: [1, 2\nb: 3\n", "t.yaml")
    assert codes_of(result) == ["yaml-syntax"]
    assert result[0].line is not None


def test_duplicate_keys_are_errors() -> None:
    result = parse_yaml("a: 1\na: 2\n", "t.yaml")
    assert codes_of(result) == ["duplicate-key"]
    assert result[0].line == 2


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: ok\nb: caf\xe9\n".encode("latin-1"))
    result = load_yaml_file(path, tmp_path)
    assert codes_of(result) == ["encoding"]
    assert (result[0].line, result[0].column) == (2, 7)
    assert result[0].file == "latin1.yaml"


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_FILE_BYTES + 1))
    assert codes_of(load_yaml_file(path, tmp_path)) == ["file-too-large"]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing\n")
    assert codes_of(load_yaml_file(path, tmp_path)) == ["empty-file"]


def test_text_cut_by_a_comment_is_an_error_that_says_to_quote_it() -> None:
    """Issue 17, item 20: `Disc 2 #3` was silently the text "Disc 2"."""
    found = parse_yaml("items:\n  - Disc 2 #3 level\n  - text: many\n      lines # cut\n", "x.yaml")
    assert isinstance(found, list)
    assert [(d.line, d.field_path, d.code) for d in found] == [(2, "items[0]", "yaml-comment-in-text"), (3, "items[1].text", "yaml-comment-in-text")]
    assert "quotes" in found[0].message and "'#3 level'" in found[0].message


def test_comments_that_cut_no_text_are_allowed() -> None:
    document = parse_yaml(
        "# a header\nwhen: null  # not known\ncount: 3 # three\nflag: true # yes\ntext: \"Disc 2 #3\" # quoted\n"
        "cites: [a, b] # flow\nblock: >-\n  a #1 in a block\nhash: C#sharp\n",
        "x.yaml",
    )
    assert isinstance(document, LoadedDocument), document
    assert document.data["text"] == "Disc 2 #3" and document.data["block"] == "a #1 in a block" and document.data["hash"] == "C#sharp"
