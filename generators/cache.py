"""Incremental builds: a content-hash cache of each policy's outputs that cannot serve stale output.

A policy's outputs depend only on (a) the bytes of the files in its folder, (b) the code that
turns them into outputs and (c) the build's configuration. The cache key of a policy hashes all
three, so any change to any of them gives a new key and the old entry is simply never looked up:

- **inputs**: every file under `policy_data/<number>/` (path and bytes; not times or sizes,
  which can lie), and the folder's name;
- **code**: every file of the `generators` package (Python, templates, static files), the
  versions of Python and of the libraries whose behaviour shapes outputs (pydantic, PyYAML,
  Jinja2, simple-icd-10-cm), the extra revision checks registered at run time, and
  `CACHE_FORMAT`;
- **configuration**: whatever the caller passes as `config` (e.g. the site URL).

Only what one policy alone determines is cached: its validated, rendered `PolicyApiPart`
(own files and index row), the files of any `PolicyRenderer` passed to
`build_incremental` (e.g. a policy's pages and diffs; their names and bytecode join the key)
and, for `build_data_files_incremental` (`policykb export --cache`), the validated model as
JSON, from which the downloads that combine every policy are rendered again.
Everything global (`index.json`, schemas) is recomputed on every build from the
parts, with the same functions a clean build uses (`generators.render.json_api.assemble_api`),
so an incremental build is byte-identical to a clean one (tested, and checked by
`benchmarks/run.py`). A policy with problems is never cached: the build validates it again
and reports every problem, as a clean build would.

Entries are `marshal` files of plain bytes and strings (no code runs on reading them); a
corrupt or unreadable entry counts as a miss. Entries are written atomically. The cache
folder is disposable: delete it at any time.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import platform
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from types import CodeType
from typing import Any

from .build import merge_outputs
from .errors import Diagnostic, PolicyDataError
from .model import Library, Policy, policy_sort_key
from .render.diffs import render_diff_schema, render_policy_diff_api
from .render.downloads import render_downloads
from .render.json_api import PolicyApiPart, PolicySummary, assemble_api, policy_api_part
from .validate import _extra_revision_checks, cyclic_gc_paused, load_policy, policy_folders
from .write import write_file_atomically

#: Bump when the layout of a cache entry changes.
CACHE_FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent
_OUTPUT_SHAPING_LIBRARIES = ("pydantic", "pydantic-core", "pyyaml", "jinja2", "simple-icd-10-cm")


def _files_under(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


def hash_folder(folder: Path) -> str:
    """SHA-256 of every file under `folder`: relative paths and bytes, in a fixed order."""
    digest = hashlib.sha256()
    for path in _files_under(folder):
        relative = path.relative_to(folder).as_posix().encode("utf-8")
        content = path.read_bytes()
        digest.update(len(relative).to_bytes(4, "big") + relative + len(content).to_bytes(8, "big"))
        digest.update(content)
    return digest.hexdigest()


def code_version(package_dir: Path = PACKAGE_DIR) -> str:
    """A hash of the code that makes outputs: the package's files and the libraries' versions."""
    digest = hashlib.sha256(f"policykb-cache-{CACHE_FORMAT}\0{platform.python_version()}\0".encode())
    for name in _OUTPUT_SHAPING_LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=absent\0".encode())
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


def _checks_version() -> str:
    """The extra revision checks registered now: their names and bytecode."""
    return hashlib.sha256("".join(callable_version(check) for check in _extra_revision_checks).encode()).hexdigest()


#: A render function of one policy's own outputs (pages, diffs, ...): path -> content.
PolicyRenderer = Callable[[Policy], Mapping[str, bytes | str]]


@dataclass(frozen=True)
class CachedPolicy:
    """Everything cached for one policy: its API part, its other renderers' files, its model.

    `model` is the validated policy as JSON (empty unless the build asked to keep it), from
    which outputs that combine every policy (code index, CSV, FHIR, feed) are rendered again
    without parsing and checking the YAML.
    """

    api: PolicyApiPart
    files: dict[str, bytes | str]
    model: bytes = b""


@dataclass
class BuildCache:
    """A folder of cached policy parts, keyed by the hash of inputs, code and configuration.

    Attributes:
        directory: Where entries live (e.g. `.policykb-cache/`); created when needed.
        config: Build settings that change outputs; part of every key.
        code: The code version; defaults to `code_version()` of this package.
        hits: Policies served from the cache by the last builds.
        misses: Policies validated and rendered by the last builds.
    """

    directory: Path
    config: Mapping[str, Any] = field(default_factory=dict)
    code: str | None = None
    hits: int = 0
    misses: int = 0

    def __post_init__(self) -> None:
        code = self.code or _own_code_version()
        settings = json.dumps(dict(self.config), sort_keys=True, ensure_ascii=False, default=str)
        self._prefix = hashlib.sha256(f"{code}\0{_checks_version()}\0{settings}\0".encode()).hexdigest()

    @property
    def prefix(self) -> str:
        """The part of every key that is not the policy's: code version and configuration."""
        return self._prefix

    def key(self, folder: Path, renderers: str = "") -> str:
        """The key of a policy folder's outputs under this code, configuration and renderers."""
        return hashlib.sha256(f"{self._prefix}\0{renderers}\0{folder.name}\0{hash_folder(folder)}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.marshal"

    def get(self, key: str) -> CachedPolicy | None:
        """The entry stored under `key`, or None (missing, unreadable or corrupt)."""
        try:
            stored = marshal.loads(self._path(key).read_bytes())
            summary = PolicySummary.model_validate_json(stored["summary"], strict=True)
            api = PolicyApiPart(files=stored["files"], summary=summary)
            return CachedPolicy(api=api, files=stored["extra"], model=stored.get("model", b""))
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, entry: CachedPolicy) -> None:
        """Store an entry under `key`, atomically."""
        api = entry.api
        stored = {"files": api.files, "summary": api.summary.model_dump_json(), "extra": entry.files, "model": entry.model}
        write_file_atomically(self._path(key), marshal.dumps(stored))


def _render_policy(policy: Policy, renderers: Mapping[str, PolicyRenderer], keep_model: bool = False) -> CachedPolicy:
    api = policy_api_part(policy)
    files: dict[str, bytes | str] = {}
    for name, render in renderers.items():
        for path, content in render(policy).items():
            if path in files or path in api.files:
                raise ValueError(f"the policy renderer {name!r} writes {path}, which another renderer writes too")
            files[path] = content
    return CachedPolicy(api=api, files=files, model=policy.model_dump_json().encode("utf-8") if keep_model else b"")


def _cached_entries(
    data_dir: Path, build_cache: BuildCache | None, renderers: Mapping[str, PolicyRenderer], keep_models: bool = False
) -> tuple[list[CachedPolicy], list[Policy]]:
    """Every policy's entry, in policy order, from the cache or freshly validated and rendered.

    With `keep_models`, also every policy's validated model (from the entry's JSON on a hit).

    Raises:
        PolicyDataError: with every problem of every policy, as `load_library` does.
    """
    renderers_version = "".join(f"{name}={callable_version(render)};" for name, render in renderers.items())
    if keep_models:
        renderers_version += "model;"
    entries: list[tuple[tuple[int, ...], CachedPolicy, Policy | None]] = []
    problems: list[Diagnostic] = []
    for folder in policy_folders(data_dir):
        key = build_cache.key(folder, renderers_version) if build_cache is not None else None
        entry = build_cache.get(key) if build_cache is not None and key is not None else None
        policy: Policy | None = None
        if entry is None or (keep_models and not entry.model):
            policy, found = load_policy(folder, data_dir.parent)
            problems += found
            if policy is None:
                continue
            entry = _render_policy(policy, renderers, keep_models)
            if build_cache is not None and key is not None:
                build_cache.put(key, entry)
                build_cache.misses += 1
        else:
            if keep_models:
                policy = Policy.model_validate_json(entry.model, strict=True)
            if build_cache is not None:
                build_cache.hits += 1
        entries.append((policy_sort_key(entry.api.summary.number), entry, policy))
    if problems:
        raise PolicyDataError(problems)
    if not entries:
        raise PolicyDataError([Diagnostic(file=data_dir.as_posix(), message="found no policies; expected at least one policy folder", code="missing-file")])
    entries.sort(key=lambda item: item[0])
    return [entry for _, entry, _ in entries], [policy for _, _, policy in entries if policy is not None]


def build_incremental(data_dir: Path, build_cache: BuildCache | None, policy_renderers: Mapping[str, PolicyRenderer] | None = None) -> dict[str, bytes | str]:
    """The JSON API plus every policy renderer's files, redoing only the changed policies.

    Equals `render_api(load_library(data_dir))` merged with each renderer applied to each
    policy, byte for byte. Policies are loaded and rendered one at a time and only their
    outputs are kept, so even without a cache (`build_cache=None`) this needs far less memory
    than holding the library. The renderers' names and code are part of the cache key.

    Raises:
        PolicyDataError: with every problem of every policy, as `load_library` does.
    """
    renderers = dict(sorted((policy_renderers or {}).items()))
    with cyclic_gc_paused():
        entries, _ = _cached_entries(data_dir, build_cache, renderers)
        files: dict[str, bytes | str] = dict(assemble_api([entry.api for entry in entries]))
        for entry in entries:
            files.update(entry.files)
        return dict(sorted(files.items()))


def build_data_files_incremental(data_dir: Path, build_cache: BuildCache | None) -> dict[str, bytes | str]:
    """`render_data_files(load_library(data_dir))` byte for byte: what `policykb export` writes.

    Per policy (cached): the JSON API part, the diff JSON files and the validated model.
    Global (every build, from the parts): `index.json`, schemas, and the downloads
    that combine every policy (code index, CSV, FHIR ValueSets, Atom feed), rendered by
    `render_downloads` from the models, which on a cache hit are read back from their JSON
    (validated, strict) instead of being parsed and checked from YAML again.

    Raises:
        PolicyDataError: with every problem of every policy, as `load_library` does.
    """
    with cyclic_gc_paused():
        entries, policies = _cached_entries(data_dir, build_cache, {"diffs": render_policy_diff_api}, keep_models=True)
        own: dict[str, bytes | str] = dict(assemble_api([entry.api for entry in entries]))
        for entry in entries:
            own.update(entry.files)
        return merge_outputs(own, render_diff_schema(), render_downloads(Library(policies=policies)))


def build_api_incremental(data_dir: Path, build_cache: BuildCache | None) -> dict[str, bytes]:
    """`render_api(load_library(data_dir))`, byte for byte, redoing only the changed policies."""
    return build_incremental(data_dir, build_cache)  # type: ignore[return-value]  # no renderers: all bytes
