"""The `policykb` command line: `main(argv) -> int`, one subcommand per task.

Exit codes: 0 success, 1 invalid data or a failed lookup, 2 wrong usage.
Errors go to standard error as `file:line:column: error: field: message [code]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import PolicyDataError
from .model import Library, Policy, Revision
from .render import render_template
from .render.json_api import render_api
from .validate import load_library
from .write import write_tree

DEFAULT_DATA = Path(os.environ.get("POLICYKB_DATA", "policy_data"))

Command = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A request the data cannot answer (unknown policy or revision); exit code 1."""


def _print_diagnostics(error: PolicyDataError, fmt: str = "text") -> None:
    if fmt == "json":
        payload = {"ok": False, "errors": [d.as_dict() for d in error.diagnostics]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for diagnostic in error.diagnostics:
        print(diagnostic.format(), file=sys.stderr)
    count = len(error.diagnostics)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)


def find_policy(library: Library, number: str) -> Policy:
    """The policy with this number, or a `UsageError` listing those that exist."""
    policy = library.policy(number)
    if policy is None:
        known = ", ".join(p.number for p in library.policies)
        raise UsageError(f"no policy {number!r}; the knowledge base has: {known}")
    return policy


def find_revision(policy: Policy, key: str | None) -> Revision:
    """The revision `key` of `policy` (the current one when None), or a `UsageError`."""
    if key is None:
        return policy.current
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


def cmd_export(args: argparse.Namespace) -> int:
    """Write the JSON API (and its schemas) into the output folder, atomically."""
    from .cache import BuildCache, build_api_incremental

    # Policy by policy: the same files as render_api(load_library(...)) in a third less memory;
    # with --cache, only the policies whose files (or our code) changed are redone.
    files = build_api_incremental(args.data, BuildCache(args.cache) if args.cache is not None else None)
    write_tree(files, args.out)
    print(f"Wrote {len(files)} JSON files to {args.out}/{'api/v1'}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build the whole output into `--out` (for now the JSON API; the site comes next)."""
    library = load_library(args.data)
    files = render_api(library)
    write_tree(files, args.out)
    print(f"Built {len(files)} files into {args.out}/")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print a readable summary of a policy revision."""
    library = load_library(args.data)
    policy = find_policy(library, args.number)
    revision = find_revision(policy, args.revision)
    print(render_template("terminal/show.txt.j2", policy=policy, revision=revision, as_of=None, window_note=None), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `policykb` and its subcommands."""
    parser = argparse.ArgumentParser(prog="policykb", description="Medical policies as data: validate, export, show.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of policy data (default: policy_data)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check all policy data and report every problem")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(func=cmd_validate)

    export = sub.add_parser("export", help="write the JSON API and its schemas")
    export.add_argument("--out", type=Path, default=Path("build/json"), help="output folder (replaced atomically)")
    export.add_argument("--cache", type=Path, nargs="?", const=Path(".policykb-cache"), help="reuse unchanged policies' outputs from this cache folder (default .policykb-cache)")
    export.set_defaults(func=cmd_export)

    build = sub.add_parser("build", help="build the whole output (site, JSON API, diffs)")
    build.add_argument("--out", type=Path, default=Path("site"), help="output folder (replaced atomically)")
    build.set_defaults(func=cmd_build)

    show = sub.add_parser("show", help="print a policy revision in the terminal")
    show.add_argument("number", help="policy number, e.g. 6.01.03")
    show.add_argument("--revision", help="revision date YYYY-MM-DD (default: current)")
    show.set_defaults(func=cmd_show)
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
    except UsageError as error:
        print(f"policykb: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
