"""The `policykb` command line: `main(argv) -> int`, one subcommand per task.

Exit codes: 0 success, 1 invalid data, a failed lookup or (`lint --strict`) any warning,
2 wrong usage (including an `--out` a build must not write into: `generators.build.safety`),
3 an error of the file system (disk full, read-only, permission denied: `EXIT_IO`),
4 another build holds the lock of `--out` or `--cache` (`EXIT_BUSY`), 130 interrupted.
Errors go to standard error as `file:line:column: error: field: message [code]`.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any


from generators.domain import icd10
from generators.adapters.authoring import AuthoringError, publish, revise
from generators.adapters.entry import EXIT_INTERRUPTED
from generators.build.assemble import (
    PRERENDERED_MANIFEST,
    OutputClashError,
    epoch_of,
    is_data_file,
    is_site_source,
    output_mtime_ns,
    read_hand_written,
)
from generators.domain.code_index import build_code_index, lookup
from generators.codes import normalize
from generators.domain.diff import diff_revisions
from generators.errors import PolicyDataError, PolicyKbError
from generators.domain.lifecycle import PolicyTimeline, today_utc
from generators.model import CodeSystem, Library, Policy, Revision, published_date
from generators.build.pipeline import BuildReport, build_tree, default_jobs
from generators.build.progress import Progress
from generators.outputs.templating import render_terminal
from generators.outputs.diffs import diff_json, diff_text
from generators.outputs.look import SiteLookError, mkdocs_settings, read_site_look
from generators.build.safety import FolderBusyError, OutputFolderError, check_output_folder, clean_stale_staging, folder_lock
from generators.text import for_terminal
from generators.outputs.search import SearchIndexFailed, index_site
from generators.domain.timeline import first_window
from generators.load.validate import load_library
from generators.build.write import date_files, link_files_into, replace_dir_atomically, staging_prefix, write_file_atomically

DEFAULT_DATA = Path(os.environ.get("POLICYKB_DATA", "policy_data"))
#: The exit code of an error of the file system (disk full, read-only, permission denied).
EXIT_IO = 3
#: The exit code when another build holds the lock of the output folder or the cache.
EXIT_BUSY = 4


class UsageError(PolicyKbError):
    """A request the data cannot answer (unknown policy or revision); exit code 1."""


class BuildFailed(PolicyKbError):
    """The site generator failed after the data validated; its own output says why."""


def _print_diagnostics(error: PolicyDataError, fmt: str = "text") -> None:
    if fmt == "json":
        payload = {"ok": False, "errors": [d.as_dict() for d in error.diagnostics]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for diagnostic in error.diagnostics:
        print(for_terminal(diagnostic.format()), file=sys.stderr)
    count = len(error.diagnostics)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)


def find_policy(library: Library, number: str) -> Policy:
    """The policy with this number, or a `UsageError` listing those that exist."""
    policy = library.policy(number)
    if policy is None:
        known = ", ".join(p.number for p in library.policies)
        raise UsageError(f"no policy {number!r}; the knowledge base has: {known}")
    return policy


def find_revision(policy: Policy, key: str) -> Revision:
    """The revision `key` of `policy`, or a `UsageError` listing the stored ones."""
    revision = policy.revision(key)
    if revision is None:
        known = ", ".join(r.key for r in policy.revisions)
        raise UsageError(f"policy {policy.number} has no revision {key!r}; stored revisions: {known}")
    return revision


# --------------------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate all policy data; print every problem."""
    library = load_library(args.data)
    revisions = sum(len(p.revisions) for p in library.policies)
    if args.format == "json":
        print(json.dumps({"ok": True, "errors": [], "policies": len(library.policies), "revisions": revisions}))
    else:
        print(f"OK: {len(library.policies)} policies, {revisions} revisions valid.")
    return 0


def _build_tree(args: argparse.Namespace, out: Path, progress: Progress, **options: Any) -> BuildReport:
    """`pipeline.build_tree` with the command's data folder, as-of date, drafts, jobs, cache and progress."""
    return build_tree(
        args.data,
        out,
        jobs=args.jobs,
        cache_dir=args.cache,
        on_policy=lambda done, total: progress.count(done, total, "policies"),
        as_of=args.as_of,
        drafts=getattr(args, "drafts", False),
        **options,
    )


def _as_of_note(args: argparse.Namespace) -> str:
    """How a build's date reads in its closing line: `as of 2026-12-04`, and whether drafts are in."""
    drafts = ", drafts included (a preview: do not publish)" if getattr(args, "drafts", False) else ""
    return f"as of {args.as_of.isoformat()}{drafts}"


def _incremental_note(report: BuildReport) -> str:
    if not report.incremental:
        return ""
    changed = "changed policy" if report.rendered == 1 else "changed policies"
    return f" (rendered {report.rendered} {changed} again and kept {report.reused}: {report.written} files written, {report.removed} removed)"


@contextmanager
def _output_guard(args: argparse.Namespace) -> Iterator[None]:
    """Check `--out`, hold the locks of `--out` and `--cache`, clean what dead builds left (`generators.build.safety`)."""
    check_output_folder(args.out, data_dir=args.data, cache_dir=args.cache)
    with ExitStack() as locks:
        locks.enter_context(folder_lock(args.out))
        clean_stale_staging(args.out)
        if args.cache is not None:
            locks.enter_context(folder_lock(args.cache))
            clean_stale_staging(args.cache / "site-sources")
        yield


def cmd_export(args: argparse.Namespace) -> int:
    """Write the data files (JSON API, diffs, code index, CSV, FHIR, Atom) into the output folder, atomically."""
    progress = Progress(steps=1)
    progress.step(f"Loading, validating and rendering {args.data}/ into {args.out}/ as of {args.as_of.isoformat()}")
    with _output_guard(args):
        report = _build_tree(args, args.out, progress, select=is_data_file)
    progress.done("Exported")
    print(f"Wrote {report.files} files (JSON API, diffs, code index, CSV, FHIR ValueSets, Atom feed) to {args.out}/, {_as_of_note(args)}{_incremental_note(report)}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then build the whole site (pages, JSON API) with `mkdocs build --strict`.

    MkDocs builds into a temporary folder that replaces `--out` only when the build succeeded,
    so a failure leaves the previous site intact. `SOURCE_DATE_EPOCH` is the newest date in the
    data, so the same data gives the same bytes.

    The data is loaded and rendered once, here, policy by policy (`generators.build.pipeline`): the
    pages go to MkDocs through a folder named by `$POLICYKB_PRERENDERED` (read by
    `generators.adapters.mkdocs_hook`), the other files join the finished site as they are, without
    passing through MkDocs. The site is the same as the hook alone makes (tested). With
    `--cache`, that folder is kept in the cache and only changed policies are rendered again.
    Pagefind then indexes the finished site for the search box (`generators.outputs.search`), before
    the swap: a site is never published without its search.
    """
    config = args.config.resolve()
    if not config.is_file():
        raise UsageError(f"no MkDocs configuration at {args.config}; run from the repository root or pass --config")
    look = read_site_look(config)  # before any work: a mistake in the plan's look fails at once
    progress = Progress(steps=5, timings=args.timings)
    progress.step(f"Loading, validating and rendering {args.data}/ as of {args.as_of.isoformat()}")
    hand_written = sorted(read_hand_written_paths(mkdocs_docs_dir(config)))
    args.out.resolve().parent.mkdir(parents=True, exist_ok=True)
    with _output_guard(args), tempfile.TemporaryDirectory(prefix=staging_prefix(args.out.resolve(), "build"), dir=args.out.resolve().parent) as scratch:
        rendered = args.cache / "site-sources" if args.cache is not None else Path(scratch) / "rendered"
        report = _build_tree(args, rendered, progress, hand_written=hand_written, internal=True, look=look, published_site=args.out)
        sources = [path for path in report.paths if is_site_source(path)]
        others = [path for path in report.paths if not is_site_source(path)]
        manifest = {"hand_written": hand_written, "sources": sources}
        write_file_atomically(rendered / PRERENDERED_MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
        env = {
            **os.environ,
            "POLICYKB_DATA": str(args.data.resolve()),
            "POLICYKB_PRERENDERED": str(rendered.resolve()),
            "SOURCE_DATE_EPOCH": str(epoch_of(report.newest)) if report.newest is not None else "0",
            "NO_MKDOCS_2_WARNING": "1",
            "POLICYKB_AS_OF": args.as_of.isoformat(),
            "POLICYKB_DRAFTS": "1" if report.drafts else "",
        }

        def run_mkdocs(staging: Path) -> None:
            command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(staging)]
            if subprocess.run(command, env=env, check=False).returncode != 0:
                raise BuildFailed(f"mkdocs build --strict failed (see above); {args.out}/ was left as it was")
            # The other files need no processing by MkDocs: they join the site as they are.
            progress.step(f"Publishing the {len(others)} other files beside MkDocs' pages")
            link_files_into(rendered, staging, others)
            progress.step("Indexing the policy pages for search with Pagefind")
            try:
                index_site(staging)
            except SearchIndexFailed as error:
                raise BuildFailed(f"{error}\n{args.out}/ was left as it was") from None
            progress.step("Dating the files and swapping the new site in")
            # MkDocs's pages and Pagefind's files too (the others were dated when written): see output_mtime_ns
            date_files(staging, args.out.resolve(), output_mtime_ns(args.as_of), skip=frozenset(others))

        progress.step(f"Building {len(sources)} pages with mkdocs build --strict")
        replace_dir_atomically(args.out, run_mkdocs)
    progress.done("Built")
    print(f"Built the site into {args.out}/, {_as_of_note(args)}")
    return 0


def mkdocs_docs_dir(config: Path) -> Path:
    """The `docs_dir` of an MkDocs configuration (read without running MkDocs; tags such as `!ENV` ignored)."""
    return config.parent / str(mkdocs_settings(config).get("docs_dir") or "docs")


def read_hand_written_paths(docs_dir: Path) -> list[str]:
    """The paths MkDocs sees in the docs folder, as `src_uri`s (the hook checks they match)."""
    return [path.relative_to(docs_dir).as_posix() for path in docs_dir.rglob("*") if path.is_file()]


def cmd_pages(args: argparse.Namespace) -> int:
    """Write the generated page sources and data files (for site tools that run no MkDocs hooks)."""
    progress = Progress(steps=1)
    progress.step(f"Loading, validating and rendering {args.data}/ into {args.out}/")
    hand_written = read_hand_written(args.with_content) if args.with_content is not None else {}
    config = args.config if args.config is not None else Path("mkdocs.yml")
    if args.config is not None and not config.is_file():
        raise UsageError(f"no MkDocs configuration at {args.config}")
    look = read_site_look(config) if config.is_file() else None
    try:
        with _output_guard(args):
            report = _build_tree(args, args.out, progress, hand_written=hand_written.keys(), extra_files=hand_written, look=look)
    except OutputClashError as error:
        raise UsageError(f"{error}: a hand-written file in {args.with_content}/ has the path of a generated one") from None
    progress.done("Wrote the pages")
    print(f"Wrote {report.files} files to {args.out}/, {_as_of_note(args)}{_incremental_note(report)}")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Validate, then print content warnings; exit 1 on warnings only with `--strict`."""
    from generators.lint.rules import RULES, lint_library

    if args.rules:
        width = max(len(rule.code) for rule in RULES)
        for rule in RULES:
            print(f"{rule.code:<{width}}  {rule.summary}")
        return 0
    library = load_library(args.data)
    warnings = lint_library(library, args.data)
    if args.format == "json":
        print(json.dumps({"ok": not (warnings and args.strict), "warnings": [w.as_dict() for w in warnings]}, indent=2, ensure_ascii=False))
    else:
        for warning in warnings:
            print(warning.format())
        count = len(warnings)
        print(f"{count} warning{'s' if count != 1 else ''}." if count else "No warnings.")
    return 1 if warnings and args.strict else 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print a readable summary of a policy revision: the one in effect on a date (default today), or one named."""
    library = load_library(args.data)
    policy = find_policy(library, args.number)
    as_of = args.as_of or today_utc()
    timeline = PolicyTimeline(policy, as_of)
    if args.revision is not None:
        revision = find_revision(policy, args.revision)
    else:
        found = timeline.in_effect
        if found is None:
            raise UsageError(_nothing_in_effect(timeline))
        revision = found
    notes = [f"revision {revision.key} is {timeline.describe(revision)}"]
    # A revision approved but not yet in effect is the classic surprise: say so.
    notes += [f"revision {later.key} is {timeline.describe(later)}" for later in timeline.upcoming if later is not revision]
    if timeline.review_overdue(revision):
        notes.append(f"review overdue: the next review was due {revision.next_review}")
    context = {"policy": policy, "revision": revision, "state": timeline.state(revision), "as_of": as_of.isoformat(), "notes": notes}
    print(render_terminal("terminal/show.txt.j2", **context), end="")
    return 0


def cmd_revise(args: argparse.Namespace) -> int:
    """Start the next revision of a policy: a draft copy of its newest revision with the new dates."""
    path = revise(args.data, args.number, args.approved, args.effective)
    print(f"Wrote the draft {path}: edit it, fill in its change_summary, preview it with `mkdocs serve`, then `policykb publish {args.number} {args.approved.isoformat()}` once approved.")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish an approved draft: status published, its approval date and summary of changes added to the history."""
    changed = publish(args.data, args.number, args.revision.isoformat())
    print(f"Published revision {args.revision.isoformat()} of {args.number}: changed {', '.join(str(path) for path in changed)}.")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed between two stored revisions of a policy (any two, either order)."""
    library = load_library(args.data)
    policy = find_policy(library, args.number)
    old, new = find_revision(policy, args.old), find_revision(policy, args.new)
    diff = diff_revisions(old, new)
    if args.format == "json":
        sys.stdout.write(diff_json(PolicyTimeline(policy, today_utc()), diff).decode("utf-8"))
    else:
        # Colour only for a person at a terminal; the +/- and [- -] {+ +} markers are always there.
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        print(diff_text(policy, diff, colour=colour), end="")
    return 0


def _nothing_in_effect(timeline: PolicyTimeline) -> str:
    """Why no revision is in effect on the timeline's date: retired, or before the first stored revision."""
    policy, day = timeline.policy, timeline.as_of
    retirement = timeline.retirement
    if retirement is not None:
        until = f"until it was made active again on {retirement.reinstated}" if retirement.reinstated else "and has not been made active again"
        return f"policy {policy.number} was retired on {retirement.retired} {until}: no revision applies on {day}"
    upcoming = timeline.upcoming
    # A new policy: its first committee approval is a stored revision that is not in effect yet.
    if upcoming and min(policy.history.committee_approval_dates) >= upcoming[0].revision:
        first = upcoming[0]
        return f"policy {policy.number} is not in effect yet on {day}: its first revision, {first.key}, is approved and takes effect {timeline.start(first)}"
    return _before_first_revision(policy, day)


def _before_first_revision(policy: Policy, day: date) -> str:
    """Why no stored revision answers for `day`, naming the first date that does."""
    first = first_window(policy)
    if first is None:  # pragma: no cover - a policy always has a revision in effect at its newest start
        return f"policy {policy.number} has no stored revision in effect on {day}"
    message = (
        f"policy {policy.number} has no stored revision in effect on {day}: the first stored revision, {first.revision}, "
        f"is in effect from {first.start} ({first.start_basis.label})"
    )
    earlier = [d for d in policy.history.committee_approval_dates if d <= day]
    if earlier:
        message += f"; the history lists earlier committee approvals (latest on or before {day}: {max(earlier)}) whose text the knowledge base does not hold"
    return message


_SYSTEM_NAMES = {CodeSystem.CPT.value: "CPT", CodeSystem.HCPCS.value: "HCPCS Level II", CodeSystem.ICD10CM.value: "ICD-10-CM"}


def cmd_lookup(args: argparse.Namespace) -> int:
    """Print the policies and revisions that list a code, with flags and matching range."""
    library = load_library(args.data)
    index = build_code_index(library.without_drafts(), args.as_of or today_utc())
    records = lookup(index, args.code)
    if not records:
        raise UsageError(_unlisted(args.code, len(index.codes)))
    if args.format == "json":
        print(json.dumps([r.model_dump(mode="json") for r in records], indent=2, ensure_ascii=False))
        return 0
    as_of = (args.as_of or today_utc()).isoformat()
    text = render_terminal("terminal/lookup.txt.j2", records=records, system_names=_SYSTEM_NAMES, release=icd10.CODE_SET_RELEASE, as_of=as_of)
    print(text, end="")
    return 0


def _unlisted(query: str, indexed: int) -> str:
    """The message for a code no policy lists: says whether it exists in ICD-10-CM."""
    code = normalize(query)
    dotted = f"{code[:3]}.{code[3:]}" if len(code) > 3 and "." not in code else code
    for candidate in dict.fromkeys((code, dotted)):
        if candidate[:1].isalpha() and icd10.is_code(candidate):
            return f"no policy lists {candidate} ({icd10.description(candidate)}), an ICD-10-CM code; searched {indexed} indexed codes (ICD-10-CM ranges expanded)"
    return f"no policy lists the code {query.strip()!r}; searched {indexed} indexed CPT, HCPCS and ICD-10-CM codes (ICD-10-CM ranges expanded)"


def _iso_date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {text!r}; expected a calendar date written YYYY-MM-DD") from None


def _build_date(text: str) -> date:
    """A build's `--as-of`: a date its outputs can carry (`generators.model.published_date`)."""
    day = _iso_date(text)
    try:
        return published_date(day)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _optional_folder(parser: argparse.ArgumentParser, flag: str, default: Path, text: str) -> None:
    """`--flag` (off), `--flag` alone (the default folder) or `--flag DIR`."""
    parser.add_argument(flag, type=Path, nargs="?", const=default, default=None, metavar="DIR", help=text)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"found {value}; expected a number of processes, 1 or more")
    return value


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that renders the whole library."""
    _optional_folder(
        parser,
        "--cache",
        Path(".policykb-cache"),
        "render again only the policies that changed since the last build into the same folder "
        "(default DIR: .policykb-cache); the same files as without",
    )
    parser.add_argument("--jobs", type=_positive, default=default_jobs(), metavar="N", help="worker processes (default: one per core)")
    parser.add_argument(
        "--as-of",
        type=_build_date,
        default=today_utc(),
        metavar="DATE",
        help="the date to build for, YYYY-MM-DD (default: today, UTC): which revision is in effect, which are upcoming; the same data and date give the same bytes",
    )


def _add_drafts_option(parser: argparse.ArgumentParser) -> None:
    """`--drafts`: a preview that shows draft revisions, bannered (never for the published site)."""
    parser.add_argument("--drafts", action="store_true", help="a preview: include draft revisions, each page of them bannered DRAFT (never publish this)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `policykb` and its subcommands."""
    parser = argparse.ArgumentParser(prog="policykb", description="Medical policies as data: validate, export, show, diff.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of policy data (default: policy_data)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check all policy data and report every problem")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(func=cmd_validate)

    export = sub.add_parser("export", help="write the data files: JSON API, diffs, code index, CSV, FHIR, feed")
    export.add_argument("--out", type=Path, default=Path("build/json"), help="output folder (replaced atomically)")
    _add_build_options(export)
    export.set_defaults(func=cmd_export)

    build = sub.add_parser("build", help="validate, then build the whole site (pages, JSON API) with mkdocs --strict")
    build.add_argument("--out", type=Path, default=Path("site"), help="output folder (replaced atomically)")
    build.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs configuration (default: mkdocs.yml)")
    _add_build_options(build)
    _add_drafts_option(build)
    build.add_argument("--timings", action="store_true", help="at the end, print what each step cost on standard error: wall and CPU seconds, peak memory")
    build.set_defaults(func=cmd_build)

    lint = sub.add_parser("lint", help="validate, then warn about content that is probably wrong")
    lint.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--rules", action="store_true", help="list the rules (code and what each finds) and exit")
    lint.set_defaults(func=cmd_lint)
    pages = sub.add_parser("pages", help="write the generated page sources and data files into a folder")
    pages.add_argument("--out", type=Path, default=Path("build/docs"), help="output folder (replaced atomically)")
    _optional_folder(pages, "--with-content", Path("content"), "also copy the hand-written pages (default DIR: content), making --out a complete docs folder")
    pages.add_argument("--config", type=Path, default=None, help="MkDocs configuration whose extra.policykb sets the plan's look (default: mkdocs.yml when there is one)")
    _add_build_options(pages)
    _add_drafts_option(pages)
    pages.set_defaults(func=cmd_pages)

    show = sub.add_parser("show", help="print a policy revision in the terminal")
    show.add_argument("number", help="policy number, e.g. 6.01.03")
    show.add_argument("--revision", help="revision date YYYY-MM-DD (default: the one in effect on --as-of)")
    show.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the date of service, YYYY-MM-DD (default: today, UTC): show the revision in effect then")
    show.set_defaults(func=cmd_show)

    diff = sub.add_parser("diff", help="print what changed between two revisions of a policy")
    diff.add_argument("number", help="policy number, e.g. 6.01.03")
    diff.add_argument("old", help="revision to compare from, YYYY-MM-DD")
    diff.add_argument("new", help="revision to compare to, YYYY-MM-DD")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="text for people (default), json for programs")
    diff.set_defaults(func=cmd_diff)
    revise_cmd = sub.add_parser("revise", help="start the next revision of a policy as a draft copy of its newest one")
    revise_cmd.add_argument("number", help="policy number, e.g. 6.01.03")
    revise_cmd.add_argument("--approved", type=_iso_date, required=True, metavar="DATE", help="the committee date the revision is for, YYYY-MM-DD (its ID)")
    revise_cmd.add_argument("--effective", type=_iso_date, metavar="DATE", help="the date it takes effect, YYYY-MM-DD (default: not known yet)")
    revise_cmd.set_defaults(func=cmd_revise)
    publish_cmd = sub.add_parser("publish", help="publish an approved draft revision and add it to the policy's history")
    publish_cmd.add_argument("number", help="policy number, e.g. 6.01.03")
    publish_cmd.add_argument("revision", type=_iso_date, help="the draft's approval date, YYYY-MM-DD")
    publish_cmd.set_defaults(func=cmd_publish)
    lookup_cmd = sub.add_parser("lookup", help="which policies list a code (CPT, HCPCS, ICD-10-CM), with flags")
    lookup_cmd.add_argument("code", help="a code, with or without the dot, any case: C71.3, c713, 0611T")
    lookup_cmd.add_argument("--format", choices=("text", "json"), default="text")
    lookup_cmd.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the date the states (in effect, upcoming, ...) are given for (default: today, UTC)")
    lookup_cmd.set_defaults(func=cmd_lookup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `policykb` with `argv`; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PolicyDataError as error:
        _print_diagnostics(error, getattr(args, "format", "text"))
        return 1
    except (UsageError, BuildFailed, AuthoringError, SiteLookError) as error:
        print(for_terminal(f"policykb: error: {error}"), file=sys.stderr)
        return 1
    except OutputFolderError as error:
        print(f"policykb: error: {error}", file=sys.stderr)
        return 2
    except FolderBusyError as error:
        print(f"policykb: error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as error:
        print(f"policykb: error: {describe_os_error(error)}{_kept(args)}", file=sys.stderr)
        return EXIT_IO
    except KeyboardInterrupt:
        print(f"policykb: interrupted{_kept(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _kept(args: argparse.Namespace) -> str:
    """What a failed or interrupted command left: its output folder as it was."""
    return f"; {args.out}/ was left as it was" if getattr(args, "out", None) is not None else ""


def describe_os_error(error: OSError) -> str:
    """One line for an error of the file system: the path, what happened, the error's name.

    E.g. `/srv/site/.site.new-41-x/api/v1/index.json: No space left on device [ENOSPC]`.
    """
    name = errno.errorcode.get(error.errno, "") if error.errno is not None else ""
    what = error.strerror or str(error) or type(error).__name__
    where = "" if error.filename is None else f"{os.fsdecode(error.filename)}: "
    if error.filename2 is not None:
        where = f"{os.fsdecode(error.filename)} -> {os.fsdecode(error.filename2)}: "
    return f"{where}{what}" + (f" [{name}]" if name else "")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
