"""Stage 4, build: render every output of a library and write it, fast and safely.

- `assemble`: every output of a library, as one mapping (the reference);
- `pipeline`: the same, in worker processes, incrementally, with `cache`;
- `write`: the only writer: atomic files and folder swaps; `safety` guards the output folder;
- `progress`: progress lines on the terminal.
"""
