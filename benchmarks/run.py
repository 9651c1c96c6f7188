"""Benchmark the build on synthetic libraries: prints figures, asserts nothing.

For each size N (default 100 and 1,000 policies, R = 5 revisions each) it generates a
synthetic library (`benchmarks/synthetic.py`, cached in the work folder) and runs every
stage in a fresh Python process, so that one stage's memory does not inflate the next's:

- `floor`: read every YAML file and parse it with `yaml.load(..., CSafeLoader)`, nothing else;
- `load_validate`: `generators.load.validate.load_library`;
- `render_json`, `render_site`, `render_diffs`, `render_codes`: each render function alone,
  on a library loaded before the clock starts;
- `total`: load + validate + render + write every output (`generators.build.pipeline.build_tree`,
  what `policykb pages` does) with one worker per core; `ratio` = total / floor;
  `total_one_process` is the same work in one process;
- `incremental`: a rebuild of every output after editing one policy, from the state of the
  last build (`--cache`), in-process and through the command line, checked against a clean build;
- `mkdocs`: `policykb build` (the whole site with `mkdocs build`), its size on disk and the
  size of its Pagefind search bundle (needs `generators.build.assemble`).

A stage whose code is not importable yet is printed as skipped with the reason, so the same
script runs before and after the site, diff and code-index work is merged.
Time is wall-clock of the stage's work only (imports and the loading of its inputs are
outside the clock), the fastest of `--repeat` runs; peak memory is the maximum resident set size of the stage's process,
which includes the interpreter, the imports and the inputs it loaded.

Usage: `python benchmarks/run.py [--sizes 100 1000] [--revisions 5] [--seed 1] [--work DIR]`
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import select
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

#: The date every benchmark builds for: fixed, so figures of different days compare.
AS_OF = date(2026, 12, 4)
REPOSITORY = Path(__file__).resolve().parent.parent
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))


# --------------------------------------------------------------------------- optional stages


def optional(module: str, *names: str) -> tuple[Any, ...] | str:
    """The functions `names` of `module`, or a note saying why they cannot be had."""
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        return f"{module} not importable ({error})"
    missing = [name for name in names if not hasattr(found, name)]
    if missing:
        return f"{module} has no {', '.join(missing)}"
    return tuple(getattr(found, name) for name in names)


def site_renderer() -> tuple[Any, ...] | str:
    """`render_outputs(library, AS_OF)` of the site lane."""
    return optional("generators.build.assemble", "render_outputs")


def diff_renderers() -> tuple[Any, ...] | str:
    """`render_diff_api(library, AS_OF)` and `render_diff_pages(library, AS_OF)` of the diff lane."""
    return optional("generators.outputs.diffs", "render_diff_api", "render_diff_pages")


#: The output formats of the downloads (`generators.outputs.registry.FORMATS`, by name).
DOWNLOAD_FORMATS = ("code_shards", "codes_csv", "fhir", "feed")


def downloads_renderer() -> Callable[[Any], dict[str, Any]] | str:
    """The downloads of a library as of `AS_OF` (code shards, CSV, FHIR ValueSets, Atom feed): their four formats, as a build renders them (one walk of a policy's codes)."""
    found = optional("generators.build.assemble", "render_outputs")
    registry = optional("generators.outputs.registry", "FORMATS")
    if isinstance(found, str) or isinstance(registry, str):
        return found if isinstance(found, str) else str(registry)
    (render_outputs,), (formats,) = found, registry
    chosen = [output for output in formats if output.name in DOWNLOAD_FORMATS]
    if len(chosen) != len(DOWNLOAD_FORMATS):
        return f"generators.outputs.registry.FORMATS has no formats named {', '.join(DOWNLOAD_FORMATS)}"
    return lambda library: render_outputs(library, AS_OF, formats=chosen)


def renders() -> dict[str, Callable[[Any], dict[str, Any]] | str]:
    """Every render stage: name -> function of the library, or the note why it is skipped."""
    from generators.outputs.json_api import render_api

    stages: dict[str, Callable[[Any], dict[str, Any]] | str] = {"render_json": lambda library: render_api(library, AS_OF)}
    site = site_renderer()
    stages["render_site"] = site if isinstance(site, str) else lambda library: site[0](library, AS_OF)
    diffs = diff_renderers()
    if isinstance(diffs, str):
        stages["render_diffs"] = diffs
    else:
        api, pages = diffs
        stages["render_diffs"] = lambda library: {**api(library, AS_OF), **pages(library, AS_OF)}
    stages["render_codes"] = downloads_renderer()
    return stages


# --------------------------------------------------------------------------- stages (in a child)


def _output_size(files: dict[str, Any]) -> dict[str, Any]:
    return {"files": len(files), "output_mb": round(sum(len(v) for v in files.values()) / 1e6, 1)}


def stage_floor(data: Path) -> dict[str, Any]:
    import yaml

    paths = sorted(data.rglob("*.yaml"))
    start = time.perf_counter()
    size = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        size += len(text)
        yaml.load(text, Loader=yaml.CSafeLoader)  # result dropped: the strictest floor
    return {"seconds": time.perf_counter() - start, "files": len(paths), "yaml_mb": round(size / 1e6, 1)}


def stage_load_validate(data: Path) -> dict[str, Any]:
    from generators.load.validate import load_library

    start = time.perf_counter()
    library = load_library(data)
    return {"seconds": time.perf_counter() - start, "revisions": sum(len(p.revisions) for p in library.policies)}


def stage_render(name: str) -> Callable[[Path], dict[str, Any]]:
    def run(data: Path) -> dict[str, Any]:
        from generators.load.validate import load_library

        render = renders()[name]
        if isinstance(render, str):
            return {"skipped": render}
        library = load_library(data)
        start = time.perf_counter()
        files = render(library)
        return {"seconds": time.perf_counter() - start, **_output_size(files)}

    return run


def _content() -> dict[str, Any]:
    """The hand-written pages and the plan's look (`mkdocs.yml`), as `policykb pages --with-content content` adds them."""
    from generators.build.assemble import read_hand_written
    from generators.outputs.look import read_site_look

    files = read_hand_written(REPOSITORY / "content")
    return {"hand_written": sorted(files), "extra_files": files, "look": read_site_look(REPOSITORY / "mkdocs.yml")}


def _tree_digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def _children_peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _proc_status(pid: int) -> dict[str, str]:
    """The fields of `/proc/PID/status` (empty when the process is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _role(pid: int, root: int) -> str:
    """What a process of the build is, from its command line: main, worker, mkdocs, pagefind."""
    if pid == root:
        return "main"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "mkdocs" in command:
        return "mkdocs"
    if "pagefind" in command:
        return "pagefind"
    return "worker"


class TreeMemory:
    """The memory of a process and its descendants, sampled from `/proc` (`sample`).

    `ru_maxrss` cannot tell a child's peak from its parent's (Linux carries the parent's
    peak over into a child it starts), so the peak of each process is read from its own
    `VmHWM` while it lives (exact, except for what a process allocates in its last
    interval between samples; a process shorter than the interval may be missed), and the memory of the whole tree at once as the sum of
    `VmRSS` at each sample (pages shared between a parent and its forked workers are
    counted in each). The sampling runs in a process of its own (`watching`): a thread in
    the measured process would make `build_tree` start its workers another way
    (`pipeline.worker_start_method`).

    Attributes:
        peaks_mb: The largest `VmHWM` of the processes of each role (`_role`), MB.
        tree_peak_mb: The largest sum of `VmRSS` over the tree at one sample, MB.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks_mb: dict[str, int] = {}
        self.tree_peak_mb = 0
        self._roles: dict[int, str] = {}

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        found, pending = [], [self.root]
        while pending:
            pid = pending.pop()
            if pid != os.getpid():  # not the sampler itself
                found.append(pid)
            pending += children.get(pid, [])
        return found

    def sample(self) -> None:
        total = 0
        for pid in self._tree():
            status = _proc_status(pid)
            if "VmHWM" not in status:
                continue
            role = self._roles.setdefault(pid, _role(pid, self.root))
            self.peaks_mb[role] = max(self.peaks_mb.get(role, 0), round(int(status["VmHWM"].split()[0]) / 1024))
            total += int(status["VmRSS"].split()[0])
        self.tree_peak_mb = max(self.tree_peak_mb, round(total / 1024))

    def figures(self) -> dict[str, int]:
        """`peak_mb_<role>` for each role, and `peak_mb_tree`."""
        return {**{f"peak_mb_{role}": mb for role, mb in sorted(self.peaks_mb.items())}, "peak_mb_tree": self.tree_peak_mb}


def watch(root: int, interval: float = 0.2) -> None:
    """The sampler process: sample the tree of `root` until standard input closes, then print the figures as JSON."""
    memory = TreeMemory(root)
    while True:
        memory.sample()
        if select.select([sys.stdin], [], [], interval)[0]:
            break
    print(json.dumps(memory.figures()))


@contextmanager
def watching(root: int) -> Iterator[dict[str, int]]:
    """Sample the memory of `root` and its descendants while the block runs; the dict yielded gets the figures at its end."""
    figures: dict[str, int] = {}
    watcher = subprocess.Popen([sys.executable, __file__, "--watch", str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield figures
    finally:
        stdout, _ = watcher.communicate("")
        figures.update(json.loads(stdout))


#: Set by the driver for its stage processes: where their output folders go, kept until every
#: stage has run. Deleting a stage's output at once (600-900 MB at N = 1,000) slowed the writes
#: of the next stage by up to 60% on this machine (its disk is mounted with online discard):
#: the figures would measure the previous run's deletion.
SCRATCH_ENV = "POLICYKB_BENCH_SCRATCH"


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """An empty folder for one stage's outputs: under the driver's scratch folder, deleted when the benchmark ends."""
    root = os.environ.get(SCRATCH_ENV)
    if root is None:  # a stage run on its own
        with tempfile.TemporaryDirectory() as folder:
            yield Path(folder)
        return
    yield Path(tempfile.mkdtemp(dir=root))


def _cpu_seconds(before: os.times_result) -> dict[str, float]:
    """CPU seconds since `before`, this process and its finished children: user, and system (the kernel's, e.g. the file system's)."""
    after = os.times()
    user = after.user - before.user + after.children_user - before.children_user
    system = after.system - before.system + after.children_system - before.children_system
    return {"cpu_user_s": round(user, 1), "cpu_system_s": round(system, 1)}


def stage_total(data: Path, jobs: int | None = None) -> dict[str, Any]:
    """Load, validate, render and write every output, as `policykb pages` does (`pipeline.build_tree`)."""
    found = optional("generators.build.pipeline", "build_tree", "default_jobs")
    if isinstance(found, str):
        return {"skipped": found}
    build_tree, default_jobs = found
    jobs = jobs or default_jobs()
    content = _content()
    with scratch_folder() as scratch:
        out = scratch / "out"
        with watching(os.getpid()) as peaks:
            cpu = os.times()
            start = time.perf_counter()
            report = build_tree(data, out, as_of=AS_OF, jobs=jobs, **content)
            seconds = time.perf_counter() - start
            cpu_seconds = _cpu_seconds(cpu)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"seconds": seconds, "jobs": jobs, "files": report.files, "output_mb": round(size / 1e6, 1), **cpu_seconds, **peaks}


def stage_total_one_process(data: Path) -> dict[str, Any]:
    """`total` with one process: the work itself, without the second core."""
    return stage_total(data, jobs=1)


def stage_incremental(data: Path) -> dict[str, Any]:
    """Rebuild every output after editing one policy, from the last build's state (`--cache`)."""
    found = optional("generators.build.pipeline", "build_tree", "default_jobs")
    if isinstance(found, str):
        return {"skipped": found}
    build_tree, default_jobs = found
    content = _content()
    with scratch_folder() as scratch:
        copy, out, cache = scratch / "data", scratch / "out", scratch / "cache"
        shutil.copytree(data, copy)
        cold_start = time.perf_counter()
        build_tree(copy, out, as_of=AS_OF, cache_dir=cache, **content)
        cold = time.perf_counter() - cold_start
        edited = sorted(copy.glob("*/revisions/*.yaml"))[-1]
        text = edited.read_text(encoding="utf-8")
        edited.write_text(text.replace("\ndescription:\n- ", "\ndescription:\n- Edited for the benchmark. ", 1), encoding="utf-8")
        start = time.perf_counter()
        report = build_tree(copy, out, as_of=AS_OF, cache_dir=cache, **content)
        seconds = time.perf_counter() - start
        # The same edit again, through the command line: the time a person waits, Python's start included.
        edited.write_text(text.replace("\ndescription:\n- ", "\ndescription:\n- Edited again. ", 1), encoding="utf-8")
        command = [sys.executable, "-m", "generators.adapters.cli", "--data", str(copy), "pages", "--out", str(out), "--with-content", str(REPOSITORY / "content"), "--cache", str(cache), "--as-of", AS_OF.isoformat()]
        command_start = time.perf_counter()
        done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, check=False)
        command_seconds = time.perf_counter() - command_start
        clean = scratch / "clean"
        build_tree(copy, clean, as_of=AS_OF, jobs=default_jobs(), **content)
        identical = done.returncode == 0 and _tree_digest(out) == _tree_digest(clean)
    return {
        "seconds": seconds,
        "what": "every output (pages, JSON, diffs, code index, downloads)",
        "rendered": report.rendered,
        "written": report.written,
        "command_seconds": round(command_seconds, 2),
        "cold_seconds": round(cold, 2),
        "identical_to_clean": identical,
    }


def stage_mkdocs(data: Path) -> dict[str, Any]:
    found = site_renderer()
    if isinstance(found, str):
        return {"skipped": found}
    with scratch_folder() as scratch:
        out = scratch / "site"
        command = [sys.executable, "-m", "generators.adapters.cli", "--data", str(data), "build", "--out", str(out), "--as-of", AS_OF.isoformat(), "--timings"]
        cpu = os.times()
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with watching(process.pid) as peaks:
            stdout, stderr = process.communicate()
            seconds = time.perf_counter() - start
            cpu_seconds = _cpu_seconds(cpu)  # the build's processes, not the sampler's
        if process.returncode != 0:
            return {"skipped": f"policykb build failed: {(stdout + stderr).strip()[-300:]}"}
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        breakdown = _site_breakdown(out)
        pages = sum(1 for _ in out.rglob("*.html"))
        bundle = out / "pagefind"  # generators.outputs.search.BUNDLE_FOLDER: the Pagefind search bundle: on disk, not what a visitor downloads (benchmarks/search.py)
        index_mb = round(sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()) / 1e6, 2) if bundle.is_dir() else None
    return {
        "seconds": seconds,
        **cpu_seconds,
        **peaks,
        "steps": _step_costs(stderr),
        "pages": pages,
        "site_mb": round(size / 1e6, 1),
        "search_index_mb": index_mb,
        "site_breakdown_mb": breakdown,
    }


def _step_costs(stderr: str) -> list[str]:
    """The table `policykb build --timings` printed, one string a step: `step: wall s, CPU s, peak MB`."""
    from generators.build.progress import COSTS_HEADER

    lines = stderr.splitlines()
    if COSTS_HEADER not in lines:
        return []
    steps = []
    for line in lines[lines.index(COSTS_HEADER) + 1 :]:
        wall, cpu, system, peak, step = line.split(maxsplit=4)
        steps.append(f"{step}: {wall} s, CPU {cpu} s (sys {system}), main {peak} MB")
    return steps


def _site_breakdown(site: Path) -> dict[str, float]:
    """MB of the built site by kind of file: what the site's size is made of."""
    kinds: dict[str, int] = {}
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(site).as_posix()
        if relative.startswith("api/v1/policies/") and "/diffs/" in relative:
            kind = "diff_json"
        elif relative.startswith("api/v1/policies/"):
            kind = "policy_and_revision_json"
        elif relative.startswith("api/v1/codes/") or relative.endswith(".csv") or relative.startswith("api/v1/fhir/") or relative == "feed.xml":
            kind = "downloads"
        elif relative.startswith("policies/") and "/revisions/" in relative:
            kind = "archived_pages"
        elif relative.startswith("policies/") and "/diffs/" in relative:
            kind = "diff_pages"
        elif relative.startswith("policies/"):
            kind = "policy_and_history_pages"
        else:
            kind = "other"
        kinds[kind] = kinds.get(kind, 0) + path.stat().st_size
    return {kind: round(size / 1e6, 1) for kind, size in sorted(kinds.items())}


STAGES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "floor": stage_floor,
    "load_validate": stage_load_validate,
    "render_json": stage_render("render_json"),
    "render_site": stage_render("render_site"),
    "render_diffs": stage_render("render_diffs"),
    "render_codes": stage_render("render_codes"),
    "total": stage_total,
    "total_one_process": stage_total_one_process,
    "incremental": stage_incremental,
    "mkdocs": stage_mkdocs,
}


def peak_rss_mb() -> int:
    """This process's peak resident memory (MB).

    Read from `VmHWM`, which starts afresh at `exec`; `ru_maxrss` does not (Linux carries the
    parent's peak over into the child), so it would charge the driver's memory to a stage.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:  # not Linux
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_child(name: str, data: Path) -> None:
    """Run one stage in this process and print its figures as one JSON line."""
    figures = STAGES[name](data)
    figures["peak_mb"] = peak_rss_mb()
    print(json.dumps(figures))


# --------------------------------------------------------------------------- driver


@dataclass
class Result:
    """The figures of one stage at one size."""

    stage: str
    figures: dict[str, Any]


def run_stage(name: str, data: Path, repeat: int) -> Result:
    """Run a stage `repeat` times, each in a fresh Python process; keep the fastest run.

    The fastest of a few runs is the least disturbed by other work on the machine; the peak
    memory is the highest of the runs.
    """
    best: dict[str, Any] | None = None
    peak = 0
    for _ in range(repeat if name not in ("mkdocs", "incremental") else 1):
        done = subprocess.run([sys.executable, __file__, "--stage", name, "--data", str(data)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            return Result(name, {"skipped": f"failed: {lines[-1] if lines else done.returncode}"})
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        if "skipped" in figures:
            return Result(name, figures)
        peak = max(peak, figures["peak_mb"])
        if best is None or figures["seconds"] < best["seconds"]:
            best = figures
    assert best is not None
    best["peak_mb"] = peak
    return Result(name, best)


def library_for(work: Path, policies: int, revisions: int, seed: int, profile: str = "large") -> Path:
    """The synthetic library of this size and size profile, generated once into `work`."""
    from benchmarks.synthetic import PROFILES, generate_library

    suffix = "" if profile == "large" else f"-{profile}"
    target = work / f"library-{policies}x{revisions}-seed{seed}{suffix}"
    if not target.exists():
        staging = work / f".{target.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        generate_library(staging, policies, revisions, seed, PROFILES[profile])
        staging.rename(target)
    return target


def report(size: int, revisions: int, profile: str, results: list[Result]) -> None:
    """Print one size's figures as a table."""
    print(f"\nN = {size:,} policies x R = {revisions} revisions, profile {profile}")
    print(f"{'stage':<15} {'seconds':>8} {'peak MB':>8}  details")
    by_name = {r.stage: r.figures for r in results}
    for result in results:
        figures = dict(result.figures)
        if "skipped" in figures:
            print(f"{result.stage:<15} {'-':>8} {'-':>8}  skipped: {figures['skipped']}")
            continue
        seconds = figures.pop("seconds")
        peak = figures.pop("peak_mb")
        steps = figures.pop("steps", [])
        details = ", ".join(f"{k}={v}" for k, v in figures.items())
        print(f"{result.stage:<15} {seconds:>8.2f} {peak:>8}  {details}")
        for step in steps:
            print(f"{'':<33}{step}")
    floor, total = by_name.get("floor", {}), by_name.get("total", {})
    if "seconds" in floor and "seconds" in total:
        print(f"ratio total/floor = {total['seconds'] / floor['seconds']:.2f} (goal <= 2; {total.get('jobs', 1)} worker processes)")
    serial = by_name.get("total_one_process", {})
    if "seconds" in floor and "seconds" in serial:
        print(f"ratio total_one_process/floor = {serial['seconds'] / floor['seconds']:.2f} (the same work in one process)")
    mkdocs = by_name.get("mkdocs", {})
    if "seconds" in mkdocs and "seconds" in total:
        ours = min(total["seconds"], mkdocs["seconds"])
        print(f"share of the build: ours {ours:.1f} s ({ours / mkdocs['seconds']:.0%}), MkDocs and writing {mkdocs['seconds'] - ours:.1f} s (goal: whole build < 90 s)")


#: The stages whose growth with the library `report_growth` prints, and the goal (issue 19): the
#: time at N = 5,000 at most 5.5 times the time at N = 1,000.
GROWTH_STAGES = ("total", "total_one_process", "mkdocs")
GROWTH_GOAL = 5.5


def report_growth(by_size: dict[int, list[Result]]) -> None:
    """Print how each whole-build stage grows from the smallest size to each larger one: time, CPU, memory.

    Linear cost grows like the number of policies; the goal is at most 5.5x the time of
    N = 1,000 at N = 5,000. CPU time (user and system, of the whole process tree) is less
    disturbed than wall time by other work on the machine.
    """
    sizes = sorted(by_size)
    if len(sizes) < 2:
        return
    base = sizes[0]
    for size in sizes[1:]:
        print(f"\ngrowth N = {size:,} / N = {base:,} ({size / base:.1f}x the policies; goal at 5,000 / 1,000: at most {GROWTH_GOAL}x the time, under 1 GB)")
        for stage in GROWTH_STAGES:
            small = next((r.figures for r in by_size[base] if r.stage == stage), {})
            large = next((r.figures for r in by_size[size] if r.stage == stage), {})
            if "seconds" not in small or "seconds" not in large:
                continue
            parts = [f"time {large['seconds'] / small['seconds']:.2f}x ({small['seconds']:.1f} -> {large['seconds']:.1f} s)"]
            if "cpu_user_s" in small and "cpu_user_s" in large:
                cpu_small = small["cpu_user_s"] + small["cpu_system_s"]
                cpu_large = large["cpu_user_s"] + large["cpu_system_s"]
                parts.append(f"CPU {cpu_large / cpu_small:.2f}x ({cpu_small:.1f} -> {cpu_large:.1f} s)")
            peaks = {key: value for key, value in large.items() if key.startswith("peak_mb_") and key != "peak_mb_tree"}
            if peaks:
                largest = max(peaks, key=peaks.__getitem__)
                parts.append(f"largest process {small.get(largest, '?')} -> {peaks[largest]} MB ({largest.removeprefix('peak_mb_')})")
            if "peak_mb_tree" in large:
                parts.append(f"tree at once {small.get('peak_mb_tree', '?')} -> {large['peak_mb_tree']} MB")
            print(f"  {stage:<18} " + "; ".join(parts))


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark (and of its per-stage child processes)."""
    parser = argparse.ArgumentParser(description="Benchmark policykb on synthetic libraries.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="numbers of policies (default: 100 1000; 1000 5000 measures growth, issue 19: minutes)")
    parser.add_argument("--revisions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=["large", "model"], default="large", help="size of each synthetic policy (benchmarks/synthetic.py): large (default) or model, sized like 6.01.03")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "policykb-bench", help="where the synthetic libraries are kept")
    parser.add_argument("--only", nargs="+", choices=list(STAGES), help="run only these stages")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage; the fastest is shown (default 3)")
    parser.add_argument("--stage", choices=list(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--watch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.watch:
        watch(args.watch)
        return 0
    if args.stage:
        run_child(args.stage, args.data)
        return 0
    print(f"policykb benchmark: {os.cpu_count()} cores, Python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}")
    args.work.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=args.work))
    os.environ[SCRATCH_ENV] = str(scratch)  # the stage processes inherit it
    by_size: dict[int, list[Result]] = {}
    try:
        for size in args.sizes:
            data = library_for(args.work, size, args.revisions, args.seed, args.profile)
            results = [run_stage(name, data, args.repeat) for name in (args.only or STAGES)]
            report(size, args.revisions, args.profile, results)
            by_size[size] = results
        report_growth(by_size)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
