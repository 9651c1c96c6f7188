"""Time the downloads built from per-policy parts, and measure their sizes: prints figures, asserts nothing.

On an existing policy folder (e.g. a synthetic library made by `benchmarks/synthetic.py`):

- `parts`: `downloads_part(PolicyTimeline(policy, AS_OF))` for every policy (loaded beforehand), one process, the
  fastest of `--repeat` runs, wall-clock and CPU time (a pipeline spreads this over its
  workers and caches each part);
- `assemble`: `assemble_downloads(parts)`, the fastest of `--repeat` runs, wall-clock and CPU
  time: what every rebuild pays, however few policies changed;
- `assemble only`: `assemble_downloads(parts, only=part.paths())`, what a rebuild after
  editing one policy needs (its shards and ValueSet, the CSV, feed and index);
- the size of the parts (pickled, as they travel from a worker) and of each download.

It checks that the assembled files equal `render_downloads(library, AS_OF)`.

Usage: `python benchmarks/downloads_parts.py FOLDER [--repeat 5]`
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators.domain.lifecycle import PolicyTimeline  # noqa: E402
from generators.outputs.downloads import assemble_downloads, downloads_part, render_downloads  # noqa: E402
from generators.load.validate import load_library  # noqa: E402


#: The date the parts are made for: fixed, so figures of different days compare.
AS_OF = date(2026, 12, 4)

def _group(path: str) -> str:
    if path.startswith("api/v1/codes/"):
        return "code index (api/v1/codes/)"
    if path.startswith("api/v1/fhir/"):
        return "FHIR ValueSets"
    return path


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
        parts = [downloads_part(PolicyTimeline(policy, AS_OF)) for policy in library.policies]
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"parts:    {min(wall):6.3f} s wall, {min(cpu):.3f} s CPU (fastest of {args.repeat}, one process), {len(pickle.dumps(parts)) / 1e6:.1f} MB pickled")
    wall, cpu = [], []
    for _ in range(args.repeat):
        files = None  # drop the previous run's output before the next
        start, start_cpu = time.perf_counter(), time.process_time()
        files = assemble_downloads(parts)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"assemble: {min(wall):6.3f} s wall, {min(cpu):.3f} s CPU (fastest of {args.repeat}), all downloads")
    assert files is not None and files == render_downloads(library, AS_OF), "assembled files differ from render_downloads"
    edited = parts[len(parts) // 2]
    only = edited.paths()
    wall, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        some = assemble_downloads(parts, only=only)
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
