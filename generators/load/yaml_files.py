"""Stage 1, load: YAML files to plain Python data plus a map from field path to line.

Only a safe loader is used (libyaml's `CSafeLoader` when available) and only to *compose*
the node tree; we build the Python values ourselves so that:

- every field path gets the line and column it was written at (for located errors);
- anchors and aliases are refused (they are how "billion laughs" documents blow up memory);
- explicit tags (`!!python/object`, `!!binary`, ...) are refused;
- duplicate keys are errors rather than silently overwritten;
- scalars stay strings unless they are plainly `null`, `true`/`false` or a decimal integer,
  so a code like `0609T` or a policy number like `6.01.03` is never mangled into a number
  and a date is parsed by the model, not by YAML.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generators.errors import Diagnostic, display_path, format_path

try:  # libyaml is an order of magnitude faster; the pure-Python loader is equally safe.
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _SafeLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _ComposeLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader, used only to compose nodes, with a constant-time tag resolver.

    PyYAML's resolver runs a handful of regular expressions on every plain scalar to guess
    its type (40% of the time of composing a policy file). We never construct values from
    tags: `_Builder._scalar` types a scalar from its text and style alone. So an implicit
    scalar is tagged `str`, except `<<` and `=`, which keep their special tags so that merge
    keys and value keys are still refused. Explicit tags (`!!python/...`) are not resolved
    at all and are still refused.
    """

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:  # noqa: D102
        if kind is yaml.ScalarNode:
            if implicit[0] and value == "<<":
                return _MERGE_TAG
            if implicit[0] and value == "=":
                return _VALUE_TAG
            return _STR_TAG
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:  # noqa: D102
        return None  # no path resolvers are registered

    def ascend_resolver(self) -> None:  # noqa: D102
        return None

#: Larger files are refused before parsing: no policy revision comes near this.
MAX_FILE_BYTES = 2_000_000
#: Deeper nesting is refused: real data nests about 12 levels (criteria of criteria), and
#: building the values is recursive, so a deeply nested document must not reach Python's limit.
MAX_DEPTH = 40
#: Longer digit strings stay text: Python refuses to convert integers of more than 4300
#: digits, and no field of the model holds a number anywhere near this long.
MAX_INTEGER_DIGITS = 18

Location = tuple[int, int]  # 1-based (line, column)
FieldPath = tuple[str | int, ...]

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_INTEGER = re.compile(rf"^(0|[1-9][0-9]{{0,{MAX_INTEGER_DIGITS - 1}}})\Z", re.ASCII)
_NULLS = {"", "~", "null"}


@dataclass
class LoadedDocument:
    """A YAML file as plain data, with the location of every field in it.

    The map of locations is made on first use from the node tree (`root`): only a document
    with a problem needs it, so a valid library never pays for it.
    """

    path: Path
    name: str
    data: Any
    root: yaml.Node | None = field(default=None, repr=False)
    _locations: dict[FieldPath, Location] | None = field(default=None, repr=False)

    @property
    def locations(self) -> dict[FieldPath, Location]:
        """Line and column (1-based) of every field path of the document."""
        if self._locations is None:
            builder = _Builder(self.name)
            if self.root is not None:
                builder.build(self.root, ())
            self._locations = builder.locations
            self.root = None  # the map replaces the node tree
        return self._locations

    def locate(self, path: FieldPath) -> Location | None:
        """Line and column of `path`, or of its nearest enclosing field that has one."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def diagnostic(self, path: FieldPath, message: str, code: str) -> Diagnostic:
        """A diagnostic located at `path` in this document."""
        where = self.locate(path)
        return Diagnostic(
            file=self.name,
            line=where[0] if where else None,
            column=where[1] if where else None,
            field_path=format_path(path),
            message=message,
            code=code,
        )


class _Builder:
    """Turns a composed node tree into Python data, recording locations and problems."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.locations: dict[FieldPath, Location] = {}
        self.problems: list[Diagnostic] = []
        self._seen: set[int] = set()
        self._aliases: list[FieldPath] = []

    def problem(self, node: yaml.Node, path: FieldPath, message: str, code: str, at: Location | None = None) -> None:
        line, column = at or (node.start_mark.line + 1, node.start_mark.column + 1)
        self.problems.append(
            Diagnostic(
                file=self.name,
                line=line,
                column=column,
                field_path=format_path(path),
                message=message,
                code=code,
            )
        )

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        if len(path) > MAX_DEPTH:
            # Named by the outer fields only: the full path would be 40 "[0]"s long.
            self.problem(
                node,
                path[:5],
                f"found values nested more than {MAX_DEPTH} levels deep; expected the shallow structure of a policy",
                "too-deep",
            )
            return None
        if id(node) in self._seen:
            # An alias is the very node it refers to, so its own position is lost: report the
            # field or list that holds it. One report per file is enough (a "billion laughs"
            # document holds dozens), with the count.
            self._aliases.append(path)
            return None
        self.locations.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        self._seen.add(id(node))
        if node.tag not in _ALLOWED_TAGS:
            self.problem(
                node,
                path,
                f"found the YAML tag {node.tag!r}; expected plain YAML without tags",
                "yaml-tag",
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, path, "found a complex or merge key; expected a plain field name", "yaml-key")
                continue
            key = str(key_node.value)
            if key in result:
                self.problem(
                    key_node,
                    path + (key,),
                    f"found the field {key!r} twice in one mapping; expected each field once",
                    "duplicate-key",
                )
                continue
            self.locations[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, path + (key,))
        return result

    def finish(self, root: yaml.Node) -> None:
        """Add the report of aliases, once per file, located at the first one."""
        if not self._aliases:
            return
        first = self._aliases[0]
        holder = first if first and isinstance(first[-1], str) else first[:-1]
        more = f" (and {len(self._aliases) - 1} more)" if len(self._aliases) > 1 else ""
        self.problem(
            root,
            first,
            f"found a YAML alias (*name){more}; anchors and aliases are not allowed in policy data, "
            "expected the value written out",
            "yaml-alias",
            at=self.locations.get(holder),
        )

    @staticmethod
    def _scalar(node: yaml.ScalarNode) -> Any:
        text = node.value
        if node.style:  # quoted or block scalar: always a string (plain is None or "")
            return text
        if text in _NULLS:
            return None
        if text in ("true", "false"):
            return text == "true"
        if _INTEGER.match(text):
            return int(text)
        return text


class _Refused(Exception):
    """The fast conversion met something `_Builder` reports (alias, tag, key problem)."""


def _convert(root: yaml.Node) -> Any:
    """The data of a node tree, exactly as `_Builder.build` makes it, without locations.

    Every refusal of `_Builder` (nesting too deep, aliases, tags, complex, merge and duplicate keys) raises
    `_Refused` here, so the caller can let `_Builder` report it with its location.
    """
    seen: set[int] = set()
    remember = seen.add
    allowed = _ALLOWED_TAGS
    scalar_node, mapping_node = yaml.ScalarNode, yaml.MappingNode
    nulls, integer = _NULLS, _INTEGER.match

    def convert(node: yaml.Node, depth: int) -> Any:
        if depth > MAX_DEPTH or id(node) in seen or node.tag not in allowed:
            raise _Refused
        remember(id(node))
        kind = node.__class__
        if kind is scalar_node:
            text = node.value
            if node.style:
                return text
            if text in nulls:
                return None
            if text == "true" or text == "false":
                return text == "true"
            return int(text) if integer(text) else text
        if kind is mapping_node:
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not scalar_node or key_node.tag == _MERGE_TAG:
                    raise _Refused
                key = str(key_node.value)
                if key in result:
                    raise _Refused
                result[key] = convert(value_node, depth + 1)
            return result
        return [convert(item, depth + 1) for item in node.value]

    return convert(root, 0)


#: A line with a comment after something: whitespace, then `#` (a full-line comment is not one).
_TRAILING_COMMENT = re.compile(r"\S[ \t]+#", re.ASCII)
_COMMENT_AFTER = re.compile(r"[ \t]+#", re.ASCII)


def _text_cut_by_comments(text: str, root: yaml.Node, name: str) -> list[Diagnostic]:
    """Plain text values followed by ` #` on their line: YAML dropped the rest as a comment.

    `description: Disc 2 #3 level` is the text "Disc 2": nothing says the rest is gone. A
    value read as null, a boolean or a number may carry a comment (`effective_date: null  # not
    known`); text may not, it must be quoted. Costs nothing when no line has such a comment.
    """
    lines = text.split("\n")
    suspects = {number for number, line in enumerate(lines) if "#" in line and _TRAILING_COMMENT.search(line)}
    if not suspects:
        return []
    problems: list[Diagnostic] = []

    def walk(node: yaml.Node, path: FieldPath) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                walk(value_node, path + (str(key_node.value),))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))
        elif not node.style and node.end_mark.line in suspects and isinstance(_Builder._scalar(node), str):
            line = lines[node.end_mark.line]
            if _COMMENT_AFTER.match(line, node.end_mark.column):
                comment = line[node.end_mark.column :].strip()
                shown = comment if len(comment) <= 40 else comment[:37] + "..."
                problems.append(
                    Diagnostic(
                        file=name,
                        line=node.start_mark.line + 1,
                        column=node.start_mark.column + 1,
                        field_path=format_path(path),
                        message=(
                            f"found the text {node.value!r} followed by {shown!r}, which YAML drops as a comment; "
                            "expected the whole text in quotes if the # belongs to it (or the comment on a line of its own)"
                        ),
                        code="yaml-comment-in-text",
                    )
                )

    walk(root, ())
    return problems


def parse_yaml(text: str, name: str, path: Path | None = None) -> LoadedDocument | list[Diagnostic]:
    """Parse YAML text into a `LoadedDocument`, or return the diagnostics that prevent it."""
    try:
        root = yaml.compose(text, Loader=_ComposeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f"{exc.context}, " if exc.context else ""
        if exc.context and exc.context.startswith("while") and exc.context_mark and mark and exc.context_mark.line != mark.line:
            # e.g. an unclosed quote fails at the end of the file: say where it began.
            context = f"{exc.context} (begun at line {exc.context_mark.line + 1}), "
        return [
            Diagnostic(
                file=name,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                message=f"found a YAML syntax error: {context}{problem}; expected well-formed YAML",
                code="yaml-syntax",
            )
        ]
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow in a document (a control character such as NUL).
        before = text[: exc.position]
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return [
            Diagnostic(
                file=name,
                line=before.count("\n") + 1,
                column=exc.position - (before.rfind("\n") + 1) + 1,
                message=f"found the control character U+{character:04X}, which YAML does not allow; expected printable text",
                code="control-character",
            )
        ]
    except yaml.YAMLError as exc:
        return [Diagnostic(file=name, message=f"found a YAML error: {exc}; expected well-formed YAML", code="yaml-syntax")]
    if root is None:
        return [Diagnostic(file=name, line=1, message="found an empty file; expected a YAML mapping", code="empty-file")]
    try:
        data = _convert(root)
    except _Refused:
        # Something is refused: convert again, slowly, to say what and where.
        builder = _Builder(name)
        builder.build(root, ())
        builder.finish(root)
        return builder.problems
    cut = _text_cut_by_comments(text, root, name)
    if cut:
        return cut
    return LoadedDocument(path=path or Path(name), name=name, data=data, root=root)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_a_file(name: str, kind: str) -> list[Diagnostic]:
    return [Diagnostic(file=name, message=f"found {kind}, not a regular file; expected a regular YAML file", code="not-a-file")]


def read_regular_file(path: Path, name: str, limit: int = MAX_FILE_BYTES) -> bytes | list[Diagnostic]:
    """The bytes of `path` if it is a regular file (or a link to one) of at most `limit` bytes.

    Anything else is a located diagnostic saying what it is, and is never read: a FIFO would
    block forever, `/dev/zero` never ends. The file is opened without blocking and checked on
    the open descriptor, so what is read is what was checked.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _not_a_file(name, "a symbolic link that loops (it leads back to itself)")
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return _not_a_file(name, f"a symbolic link to a missing file ({os.readlink(path)})")
        if exc.errno == errno.EISDIR:
            return _not_a_file(name, "a directory")
        if exc.errno == errno.ENOENT:
            return [Diagnostic(file=name, message="found no file; expected a regular YAML file here", code="missing-file")]
        return [Diagnostic(file=name, message=f"found a file that cannot be read ({exc.strerror}); expected a readable YAML file", code="unreadable")]
    status = os.fstat(descriptor)
    for is_kind, kind in _KINDS:
        if is_kind(status.st_mode):
            os.close(descriptor)
            return _not_a_file(name, kind)
    with os.fdopen(descriptor, "rb") as handle:
        size = status.st_size
        if size > limit:
            return [Diagnostic(file=name, message=f"found a file of {size:,} bytes; expected at most {limit:,} bytes", code="file-too-large")]
        try:
            return handle.read(limit + 1)
        except OSError as exc:
            return [Diagnostic(file=name, message=f"found a file that cannot be read ({exc.strerror}); expected a readable YAML file", code="unreadable")]


def load_yaml_file(path: Path, root: Path | None = None) -> LoadedDocument | list[Diagnostic]:
    """Read and parse one YAML file with every safety check; never raises on bad input."""
    name = display_path(path, root)
    raw = read_regular_file(path, name)
    if isinstance(raw, list):
        return raw
    if len(raw) > MAX_FILE_BYTES:  # grew since it was measured
        return [Diagnostic(file=name, message=f"found a file of more than {MAX_FILE_BYTES:,} bytes; expected at most {MAX_FILE_BYTES:,} bytes", code="file-too-large")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return [
            Diagnostic(
                file=name,
                line=line,
                column=column,
                message=f"found the byte 0x{raw[exc.start]:02x}, which is not UTF-8; expected UTF-8 text",
                code="encoding",
            )
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml(text, name, path)
