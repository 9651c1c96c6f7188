"""The output formats: one protocol, and the registry of the formats every build publishes.

A format makes two kinds of files:

- **its files of each policy** (`policy_files`), rendered in a worker process from that
  policy alone;
- **its library files** (`library_files`), which combine every policy (an index, a feed, a
  CSV), joined in the main build from each policy's **part** (`policy_part`): the little a
  policy adds to them, as plain data.

Parts cross process boundaries and are kept on disk between builds, so they are plain:
`None`, bools, ints, strings, bytes, and tuples and dicts of those (what `marshal` writes).
The build never looks inside a part: it compares a policy's old and new part, and when they
differ asks the format which library files either feeds (`library_paths_fed_by`), then has
only those joined again (`library_files(..., only=...)`).

Adding a format is one module with one class implementing `OutputFormat`, and one line:
its instance in `FORMATS` (every build), or passed as `formats=` to `render_outputs` and
`generators.build.pipeline.build_tree` (a build of one's own; see `with_format`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from generators.domain.lifecycle import PolicyTimeline
from generators.outputs.code_shards import CodeShardsFormat
from generators.outputs.codes_csv import CodesCsvFormat
from generators.outputs.diffs import DiffFormat
from generators.outputs.feed import FeedFormat
from generators.outputs.fhir import FhirFormat
from generators.outputs.json_api import ApiFormat
from generators.outputs.site import SitePagesFormat

if TYPE_CHECKING:
    from generators.outputs.site import SiteContext

#: A part: plain data only (None, bool, int, str, bytes, and tuples and dicts of those).
Plain = object
#: Files keyed by their path relative to the site root.
Files = dict[str, bytes | str]
_Result = TypeVar("_Result")


@dataclass
class PolicyInput:
    """What a format renders one policy from: its timeline, the site, and work shared between formats.

    Attributes:
        timeline: The policy (as published) as of the build's date.
        site: What its files need to know of the rest of the site.
    """

    timeline: PolicyTimeline
    site: SiteContext
    _done: dict[Callable[[PolicyTimeline], object], object] = field(default_factory=dict, repr=False)

    def once(self, function: Callable[[PolicyTimeline], _Result]) -> _Result:
        """`function(self.timeline)`, computed once for every format that asks.

        E.g. `json_api.policy_api_part` (the API's files and index row, whose row the site's
        listing reuses) or `code_index.policy_codes` (the walk of a policy's codes that the
        code shards, the CSV and the FHIR ValueSets share).
        """
        if function not in self._done:
            self._done[function] = function(self.timeline)
        return self._done[function]  # type: ignore[return-value]


class OutputFormat(Protocol):
    """One output format: its files of each policy, its part of each policy, its library files.

    Attributes:
        name: A short unique name (`"api"`); a policy's parts are kept under it.
        libraries: Distributions (besides the package) whose version shapes its bytes: part
            of every cache key (`generators.build.cache.code_version`).
    """

    name: str
    libraries: tuple[str, ...]

    def policy_files(self, policy: PolicyInput) -> Files:
        """The policy's own files."""
        ...

    def policy_part(self, policy: PolicyInput) -> Plain:
        """What the policy adds to the library files, as plain data (None if nothing)."""
        ...

    def library_files(self, parts: Sequence[Plain], site: SiteContext, only: Collection[str] | None = None) -> Files:
        """The library files from every policy's part, in policy order; only the paths in `only` if given.

        A path of `only` that the parts no longer produce is simply left out (the build then
        removes the file).
        """
        ...

    def library_paths_fed_by(self, part: Plain) -> Collection[str]:
        """The library files whose bytes depend on `part`."""
        ...


def streams_library_files(output: OutputFormat) -> bool:
    """Whether the format writes its library files one at a time, in pieces (`library_file_pieces`).

    A format whose library files are large may define `iter_library_files(parts, site)`,
    yielding the files of `library_files` one at a time, each as the pieces of bytes it is
    made of (not joined). The build then never holds them all at once, and joins them in its
    main process, which holds the parts already, rather than sending the parts to a worker
    (the code shards and the CSV, issue 19).
    """
    return getattr(output, "iter_library_files", None) is not None


def library_file_pieces(output: OutputFormat, parts: Sequence[Plain], site: SiteContext) -> Iterable[tuple[str, bytes | str | Sequence[bytes]]]:
    """A format's library files one at a time, as the build writes them: its `iter_library_files` if it streams them (`streams_library_files`), else the files of `library_files`."""
    if streams_library_files(output):
        return output.iter_library_files(parts, site)  # type: ignore[attr-defined]
    return output.library_files(parts, site).items()


#: Every format a build publishes.
FORMATS: tuple[OutputFormat, ...] = (
    ApiFormat(),
    SitePagesFormat(),
    DiffFormat(),
    CodeShardsFormat(),
    CodesCsvFormat(),
    FhirFormat(),
    FeedFormat(),
)


def with_format(extra: OutputFormat, formats: Sequence[OutputFormat] = FORMATS) -> tuple[OutputFormat, ...]:
    """`formats` and `extra`: a build of one's own (`build_tree(..., formats=with_format(MyFormat()))`)."""
    if any(existing.name == extra.name for existing in formats):
        raise ValueError(f"there is already an output format named {extra.name!r}")
    return (*formats, extra)
