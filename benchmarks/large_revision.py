"""Time one policy whose revisions are very long lists: prints figures, asserts nothing.

A legal revision may list tens of thousands of references or codes. This script copies
`policy_data/` into a temporary folder and gives both revisions of 6.01.03 `--references`
references (or `--codes` CPT codes): the older revision every other one, the newer all of
them but about 1% of the older's removed and 1% edited or reflagged, so that the diff has
half the items added and its summary names each one. Then it times, for each size:

- `validate`: `load_library(folder)`: parse, validate, check across revisions;
- `diff`: `diff_revisions(old, new)` and its `summary()`;
- `render`: `render_policy_outputs(policy, site)`: every file of the policy (JSON API, pages,
  diffs, downloads parts) without MkDocs.

Cost that grows faster than the list shows as a time per 1,000 items that grows with the size.

Usage: `python benchmarks/large_revision.py --references 1000 10000 95000 [--codes 1000 16000]`
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators.build.assemble import render_policy_outputs  # noqa: E402
from generators.domain.diff import diff_revisions  # noqa: E402
from generators.outputs.site import SiteContext  # noqa: E402
from generators.load.validate import load_library  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
POLICY = "6.01.03"
OLD, NEW = "2025-01-23", "2026-01-22"


#: The date the outputs are made for: fixed, so figures of different days compare.
AS_OF = date(2026, 12, 4)

def _keeps(index: int, newer: bool) -> bool:
    """Whether a revision lists item `index`: the older every other one, the newer all but about 1% of those."""
    return index % 300 != 2 if newer else index % 2 == 0


_YAML_WORDS = frozenset({"no", "on", "off", "yes", "null", "true", "false"})
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _short_ids(count: int) -> list[str]:
    """`count` distinct reference IDs as short as YAML allows unquoted: a letter, then letters or digits."""
    ids: list[str] = []
    length = 1
    while len(ids) < count:
        for first in _DIGITS[10:]:
            for number in range(36 ** (length - 1)):
                rest = ""
                for _ in range(length - 1):
                    number, digit = divmod(number, 36)
                    rest = _DIGITS[digit] + rest
                if first + rest not in _YAML_WORDS:
                    ids.append(first + rest)
                if len(ids) == count:
                    return ids
        length += 1
    return ids


def _references(count: int, newer: bool) -> str:
    """YAML list items of up to `count` minimal references (see `_keeps`), about 20 bytes each; the newer revision edits about 1% of the older's.

    So small that 95,000 of them fit beside 6.01.03's own text in the 2 MB a revision file may have.
    """
    lines = []
    for index, reference_id in enumerate(_short_ids(count)):
        if _keeps(index, newer):
            lines.append(f"- {{id: {reference_id},text: {'U' if newer and index % 300 == 4 else 'T'}}}\n")
    return "".join(lines)


def _codes(count: int, newer: bool) -> str:
    """YAML list items of up to `count` CPT codes 7xxxx, 0xxxT (see `_keeps`); the newer revision reflags about 1% of the older's."""
    lines = []
    for index in range(count):
        if not _keeps(index, newer):
            continue
        # 7xxxx then 1000T, 1001T, ...: clear of the real table's 76390 and 0609T-0612T.
        code = ("0999T" if index == 6390 else f"7{index:04d}") if index < 9000 else f"{index - 8000:04d}T"
        flags = "        flags: [NMN]\n" if newer and index % 300 == 4 else ""
        lines.append(f'      - code: "{code}"\n{flags}        description: Procedure number {index}\n')
    return "".join(lines)


def make_data(folder: Path, references: int = 0, codes: int = 0) -> Path:
    """A copy of policy_data/ in `folder` whose 6.01.03 revisions list `references` more references and `codes` more CPT codes."""
    data = folder / "policy_data"
    shutil.copytree(REPOSITORY / "policy_data", data)
    for key in (OLD, NEW):
        path = data / POLICY / "revisions" / f"{key}.yaml"
        text = path.read_text(encoding="utf-8")
        if references:
            # The list is indented by two spaces in the data: written without them, saving 2 bytes per item.
            text = re.sub(
                r"\nreferences:\n((?:  .*\n|\n)*)",
                lambda m: "\nreferences:\n" + _references(references, key == NEW) + re.sub(r"(?m)^  ", "", m.group(1)),
                text,
                count=1,
            )
        if codes:
            text = re.sub(r"(\n  cpt:\n    entries:\n)", lambda m: m.group(1) + _codes(codes, key == NEW), text, count=1)
        path.write_text(text, encoding="utf-8")
    return data


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def measure(references: int = 0, codes: int = 0) -> dict[str, float]:
    """Seconds of each stage for one size."""
    with tempfile.TemporaryDirectory(prefix="policykb-large-") as temporary:
        data = make_data(Path(temporary), references, codes)
        validate, library = _timed(lambda: load_library(data))
        policy = library.policies[0]  # type: ignore[attr-defined]
        old, new = policy.revisions
        diff_seconds, _ = _timed(lambda: diff_revisions(old, new).summary())
        render, _ = _timed(lambda: render_policy_outputs(policy, SiteContext.of(library, AS_OF)))  # type: ignore[arg-type]
        size = (data / POLICY / "revisions" / f"{NEW}.yaml").stat().st_size
    return {"yaml_mb": size / 1e6, "validate": validate, "diff": diff_seconds, "render": render}


def main(argv: list[str] | None = None) -> int:
    """Print a line of figures per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--references", type=int, nargs="*", default=[1000, 10000, 95000])
    parser.add_argument("--codes", type=int, nargs="*", default=[])
    args = parser.parse_args(argv)
    measure()  # imports, the code set snapshot, templates: paid once, outside the figures
    print(f"{'items':>16} {'YAML MB':>8} {'validate s':>11} {'diff s':>8} {'render s':>9}   per 1,000 items: validate, diff, render")
    for what, sizes in (("references", args.references), ("codes", args.codes)):
        for size in sizes:
            figures = measure(**{what: size})
            per = [1000 * figures[stage] / size for stage in ("validate", "diff", "render")]
            print(
                f"{size:>7,} {what:<8} {figures['yaml_mb']:>8.2f} {figures['validate']:>11.2f} {figures['diff']:>8.2f} {figures['render']:>9.2f}"
                f"   {per[0]:.3f}, {per[1]:.3f}, {per[2]:.3f} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
