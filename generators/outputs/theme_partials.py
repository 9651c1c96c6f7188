"""The theme's partials that are written from our templates: one source for markup both layouts show.

The standalone pages (`generators.outputs.standalone`) are rendered from the templates of this
package; the MkDocs pages from the theme and `overrides/`, which MkDocs and Zensical read as the
theme's `custom_dir`. Markup both show, such as the header's search box and the banner of a
preview with drafts, is written once, as a
template of this package, and copied into `overrides/partials/` with a line saying so. The copy
is committed, so that any engine builds the site from `mkdocs.yml` alone: Zensical runs no MkDocs
hook that could write it. `tests/test_search_box.py` fails when a copy is not current. After
editing a source, write the copies:

    .venv/bin/python -m generators.outputs.theme_partials          # rewrite overrides/partials/
    .venv/bin/python -m generators.outputs.theme_partials --check  # exit 1 if a copy is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from importlib.resources import files as package_files
from pathlib import Path

#: Each partial written from a template: its path relative to the project folder, and its source
#: relative to `generators/outputs/templates/`.
THEME_PARTIALS: Mapping[str, str] = {
    "overrides/partials/pkb-search.html": "standalone/_search.html",
    "overrides/partials/pkb-draft-preview.html": "standalone/_draft_preview.html",
}


def partial_text(source: str) -> str:
    """The text of the partial written from the template `source`: a comment naming the source and the command, then the source."""
    template = package_files("generators.outputs").joinpath("templates", source).read_text(encoding="utf-8")
    note = (
        f"{{#- Written by `python -m generators.outputs.theme_partials` from generators/outputs/templates/{source}:\n"
        "    edit that file, then run the command (tests/test_search_box.py checks this copy is current). -#}\n"
    )
    return note + template


def outdated_partials(root: Path) -> list[str]:
    """The partials under the project folder `root` that differ from their source (or are missing)."""
    outdated = []
    for path, source in THEME_PARTIALS.items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != partial_text(source):
            outdated.append(path)
    return outdated


def main(argv: Sequence[str] | None = None) -> int:
    """Write the theme's partials from their templates (`--check`: only say whether they are current)."""
    parser = argparse.ArgumentParser(prog="python -m generators.outputs.theme_partials", description=main.__doc__)
    parser.add_argument("--root", type=Path, default=Path("."), help="the project folder, which holds overrides/ (default: the working folder)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a partial differs from its template; write nothing")
    args = parser.parse_args(argv)
    outdated = outdated_partials(args.root)
    if args.check:
        for path in outdated:
            print(f"{path}: out of date with generators/outputs/templates/{THEME_PARTIALS[path]}; run python -m generators.outputs.theme_partials", file=sys.stderr)
        return 1 if outdated else 0
    for path in outdated:
        (args.root / path).write_text(partial_text(THEME_PARTIALS[path]), encoding="utf-8", newline="\n")
        print(f"Wrote {path} from generators/outputs/templates/{THEME_PARTIALS[path]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
