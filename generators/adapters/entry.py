"""The `policykb` console script: Ctrl-C is one line and exit 130 from the first moment.

The command's modules (pydantic, the models, the outputs) take about half a second to import;
a Ctrl-C then arrives before `generators.adapters.cli.main` can catch it. `run` imports them
under the same rule, so an interrupted start prints `policykb: interrupted`, not a traceback.
"""

from __future__ import annotations

import sys

#: The exit code of a command interrupted by Ctrl-C (SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def run() -> None:
    """Run `policykb` with the process's arguments and exit with its code."""
    try:
        from generators.adapters.cli import main
    except KeyboardInterrupt:
        print("policykb: interrupted", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
