"""Cache keys that cannot serve stale output: a content hash of each policy's inputs, code and settings.

A policy's outputs depend only on (a) the bytes of the files in its folder, (b) the code that
turns them into outputs and (c) the build's settings. The key of a policy hashes all three,
so any change to any of them gives a new key, and what was kept under the old key is simply
never looked up (`generators.build.pipeline` keeps each policy's record and parts under its key):

- **inputs**: every file under `policy_data/<number>/` (path and bytes; not times or sizes,
  which can lie; through links to folders; a FIFO, device or dangling link by its path and
  kind only, never read), and the folder's name;
- **code**: every file of the `generators` package (Python, templates, static files), the
  versions of Python and of the libraries whose behaviour shapes outputs (PyYAML, which
  reads the data, and those each output format names in its `libraries`: pydantic,
  Jinja2, simple-icd-10-cm, and mkdocs-material, whose stylesheet names the standalone pages
  link), the extra revision checks registered at run time (their names and
  bytecode), and `CACHE_FORMAT`;
- **settings**: whatever the caller passes as `config` (the set of policy numbers, the
  hand-written pages, which outputs are kept, the output formats: `formats_version`).

Keys are the same in every process (tested): nothing in them depends on memory addresses,
hash seeds or times.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from types import CodeType
from typing import Any

from generators.load.validate import extra_revision_checks
from generators.outputs.registry import FORMATS, OutputFormat

#: Bump when what is kept under a key changes shape.
CACHE_FORMAT = 5
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The libraries whose versions shape every output: those that read the data (the formats name theirs).
_DATA_LIBRARIES = ("pydantic", "pydantic-core", "pyyaml")


def _output_shaping_libraries(formats: Sequence[OutputFormat] = FORMATS) -> tuple[str, ...]:
    """The libraries whose versions shape outputs: the data's and every format's, each once, in a fixed order."""
    return tuple(dict.fromkeys([*_DATA_LIBRARIES, *(library for output in formats for library in output.libraries)]))


def _files_under(folder: Path) -> list[tuple[str, str]]:
    """(relative POSIX path, full path) of every entry under `folder` that is not a folder, sorted.

    No `__pycache__`. Folders behind symbolic links are followed, as the loader reads through
    them (a `revisions/` that is a link to a folder elsewhere), each real folder once: a link
    to a folder met before (above it, say) comes with an empty full path. `os.walk` rather than `Path.rglob`: hashing a thousand
    policy folders is part of every incremental build, and pathlib's per-path objects were
    most of its time.
    """
    root = os.fspath(folder)
    found: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()
    for where, folders, names in os.walk(root, followlinks=True):
        status = os.stat(where)
        prefix = where[len(root) + 1 :].replace(os.sep, "/")
        if (status.st_dev, status.st_ino) in seen:
            found.append((prefix, ""))  # a link to a folder met before: its path only
            folders[:] = []
            continue
        seen.add((status.st_dev, status.st_ino))
        folders[:] = [name for name in folders if name != "__pycache__"]
        for name in names:
            found.append((f"{prefix}/{name}" if prefix else name, os.path.join(where, name)))
    return sorted(found)


def _content_digest(path: str) -> bytes:
    """SHA-256 of a regular file's bytes, read in chunks; for anything else a tag saying what it is.

    A FIFO, a device (a link to `/dev/zero`), a socket, a dangling link or an unreadable file
    is never read (the loader refuses them, with a located message): opening a FIFO would
    wait for a writer forever, and reading `/dev/zero` never ends.
    """
    if not path:
        return b"a folder met before"
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b"not a regular file"
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        return f"unreadable: {error.errno}".encode()
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):  # replaced between the two calls
            return b"not a regular file"
        digest = hashlib.sha256()
        while chunk := os.read(handle, 1 << 20):
            digest.update(chunk)
        return digest.digest()
    finally:
        os.close(handle)


def hash_folder(folder: Path) -> str:
    """SHA-256 of every file under `folder`: relative paths and the digests of their bytes, in a fixed order."""
    digest = hashlib.sha256()
    for relative_path, full_path in _files_under(folder):
        relative = relative_path.encode("utf-8", "surrogateescape")
        content = _content_digest(full_path)
        digest.update(len(relative).to_bytes(4, "big") + relative + len(content).to_bytes(2, "big") + content)
    return digest.hexdigest()


def code_version(package_dir: Path = PACKAGE_DIR) -> str:
    """A hash of the code that makes outputs: the package's files and the libraries' versions."""
    digest = hashlib.sha256(f"policykb-cache-{CACHE_FORMAT}\0{platform.python_version()}\0".encode())
    for name in _output_shaping_libraries():
        digest.update(f"{name}={_library_version(name)}\0".encode())
    digest.update(hash_folder(package_dir).encode())
    return digest.hexdigest()


@cache
def _own_code_version() -> str:
    # Computed once per process: the code cannot change under a running build.
    return code_version(PACKAGE_DIR)


def callable_version(function: Callable[..., Any]) -> str:
    """Names and bytecode of a function: a stand-in for its code when it lives outside the package.

    The same in every process: nested code objects are hashed by their own bytecode, never by
    their `repr` (which holds a memory address).
    """
    text = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', repr(function))}\0"
    digest = hashlib.sha256(text.encode())
    code = getattr(function, "__code__", None)
    if code is not None:
        _hash_code(digest, code)
    return digest.hexdigest()


def _hash_code(digest: Any, code: CodeType) -> None:
    digest.update(code.co_code + repr(code.co_names).encode())
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            _hash_code(digest, constant)
        else:
            digest.update(repr(constant).encode())


def formats_version(formats: Sequence[OutputFormat]) -> list[str]:
    """What a build's output formats add to its settings: each one's name and class, and for a
    format outside the package (whose files `code_version` does not hash) its methods' bytecode
    and its libraries' versions."""
    described = []
    for output in formats:
        kind = type(output)
        text = f"{output.name}={kind.__module__}.{kind.__qualname__}"
        if not kind.__module__.startswith(f"{PACKAGE_DIR.name}."):
            members = [getattr(member, "__func__", member) for _, member in sorted(vars(kind).items())]  # static and class methods by their function
            methods = [callable_version(member) for member in members if callable(member)]
            versions = [f"{name}={_library_version(name)}" for name in output.libraries]
            text += "\0" + hashlib.sha256("\0".join(methods + versions).encode()).hexdigest()
        described.append(text)
    return described


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _checks_version() -> str:
    """The extra revision checks registered now: their names and bytecode."""
    return hashlib.sha256("".join(callable_version(check) for check in extra_revision_checks).encode()).hexdigest()


@dataclass
class BuildCache:
    """The keys of policy folders under this code and these build settings.

    Attributes:
        config: Build settings that change outputs; part of every key.
        code: The code version; defaults to `code_version()` of this package.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    code: str | None = None

    def __post_init__(self) -> None:
        code = self.code or _own_code_version()
        settings = json.dumps(dict(self.config), sort_keys=True, ensure_ascii=False, default=str)
        self._prefix = hashlib.sha256(f"{code}\0{_checks_version()}\0{settings}\0".encode()).hexdigest()

    @property
    def prefix(self) -> str:
        """The part of every key that is not the policy's: code version and settings."""
        return self._prefix

    def key(self, folder: Path) -> str:
        """The key of a policy folder's outputs under this code and these settings."""
        return hashlib.sha256(f"{self._prefix}\0{folder.name}\0{hash_folder(folder)}".encode()).hexdigest()
