"""policykb: medical policies as data, rendered as a site, a JSON API and revision diffs.

The package is laid out by pipeline stage, read top to bottom:

1. `generators.load`: YAML files to the typed models of `generators.model`, collecting every
   problem as a located `generators.errors.Diagnostic`;
2. `generators.domain`: what the models mean: the lifecycle of revisions on a date, the
   changes between revisions, the code index, the ICD-10-CM code set;
3. `generators.outputs`: models to files, one module per output format;
4. `generators.build`: every output of a library, rendered in parallel, cached, and written
   atomically (the only stage that writes);

`generators.lint` advises on valid data; `generators.adapters` holds the ways in: the
`policykb` command, the MkDocs hook and the authors' commands.
"""

from generators.errors import Diagnostic, PolicyDataError
from generators.model import Library, Policy, Revision
from generators.load.validate import load_library

__all__ = ["Diagnostic", "Library", "Policy", "PolicyDataError", "Revision", "load_library"]
