"""Time the downloads built from per-policy parts, and measure their sizes: prints figures, asserts nothing.

The downloads are four output formats of the registry (`generators.outputs.code_shards`,
`codes_csv`, `fhir`, `feed`), which share one walk of each policy's codes. On an existing
policy folder (e.g. a synthetic library made by `benchmarks/synthetic.py`):

- `parts`: `render_policy_outputs(policy, site, formats)` of the four formats for every
  policy (loaded beforehand; its ValueSets and its part of each format), one process, the
  fastest of `--repeat` runs, wall-clock and CPU time (a pipeline spreads this over its
  workers and caches each part);
- `assemble`: every format's `library_files(parts)`, the fastest of `--repeat` runs,
  wall-clock and CPU time: what every rebuild pays, however few policies changed;
- `assemble only`: `library_files(parts, only=...)` of the files one policy's parts feed
  (`library_paths_fed_by`), what a rebuild after editing one policy needs (its shards, the
  code index, the CSV and the feed);
- the size of the parts (pickled, as they travel from a worker) and of each download.

It checks that the files equal those of each module's `render_` function.

Usage: `python benchmarks/downloads_parts.py FOLDER [--repeat 5]`
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import time
from collections.abc import Collection
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators.build.assemble import render_policy_outputs  # noqa: E402
from generators.load.validate import load_library  # noqa: E402
from generators.outputs.code_shards import CodeShardsFormat, render_code_shards  # noqa: E402
from generators.outputs.codes_csv import CodesCsvFormat, render_codes_csv  # noqa: E402
from generators.outputs.feed import FeedFormat, render_feed  # noqa: E402
from generators.outputs.fhir import FhirFormat, render_value_sets  # noqa: E402
from generators.outputs.site import SiteContext  # noqa: E402


#: The date the parts are made for: fixed, so figures of different days compare.
AS_OF = date(2026, 12, 4)
#: The four formats of the downloads.
FORMATS = (CodeShardsFormat(), CodesCsvFormat(), FhirFormat(), FeedFormat())
#: What they are rendered with: they need nothing of the rest of the site.
SITE = SiteContext(policy_numbers=frozenset(), as_of=AS_OF)


def _group(path: str) -> str:
    if path.startswith("api/v1/codes/"):
        return "code index (api/v1/codes/)"
    if path.startswith("api/v1/fhir/"):
        return "FHIR ValueSets"
    return path


def _library_files(parts: list[dict[str, object]], only: Collection[str] | None = None) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {}
    for output in FORMATS:
        files.update(output.library_files([part[output.name] for part in parts], SITE, only=only))
    return files


def main(argv: list[str] | None = None) -> int:
    """Print the figures for one policy folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    library = load_library(args.folder)
    print(f"{len(library.policies)} policies, {sum(len(p.revisions) for p in library.policies)} revisions, {os.cpu_count()} cores")
    wall, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        made = [render_policy_outputs(policy, SITE, FORMATS) for policy in library.policies]
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    parts = [each.parts.by_format for each in made]
    own = {path: content for each in made for path, content in each.files.items()}
    print(f"parts:    {min(wall):6.3f} s wall, {min(cpu):.3f} s CPU (fastest of {args.repeat}, one process), {len(pickle.dumps(parts)) / 1e6:.1f} MB pickled")
    wall, cpu = [], []
    for _ in range(args.repeat):
        files = None  # drop the previous run's output before the next
        start, start_cpu = time.perf_counter(), time.process_time()
        files = _library_files(parts)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"assemble: {min(wall):6.3f} s wall, {min(cpu):.3f} s CPU (fastest of {args.repeat}), all downloads")
    assert files is not None
    files = {**own, **files}
    expected = {**render_code_shards(library, AS_OF), **render_codes_csv(library, AS_OF), **render_value_sets(library, AS_OF), **render_feed(library, AS_OF)}
    assert files == expected, "assembled files differ from the render_ functions'"
    edited = parts[len(parts) // 2]
    only = {path for output in FORMATS for path in output.library_paths_fed_by(edited[output.name])}
    wall, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        some = _library_files(parts, only=only)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert all(files[path] == content for path, content in some.items())
    print(f"assemble only what one policy's edit can change ({len(only)} files, {sum(map(len, some.values())) / 1e6:.1f} MB):"
          f" {min(wall):.3f} s wall, {min(cpu):.3f} s CPU")
    sizes: dict[str, int] = {}
    for path, content in files.items():
        sizes[_group(path)] = sizes.get(_group(path), 0) + len(content)
    for group, size in sorted(sizes.items()):
        print(f"  {group}: {size / 1e6:.1f} MB")
    shards = sorted(len(content) for path, content in files.items() if path.startswith("api/v1/codes/") and not path.endswith("/index.json"))
    print(f"  {len(shards)} shards: median {statistics.median(shards) / 1e3:.1f} KB, largest {shards[-1] / 1e3:.1f} KB;"
          f" api/v1/codes/index.json {len(files['api/v1/codes/index.json']) / 1e3:.1f} KB")
    print(f"  all downloads: {sum(sizes.values()) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
