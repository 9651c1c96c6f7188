"""policykb: medical policies as data, rendered as a site, a JSON API and revision diffs.

The pipeline reads top to bottom:

1. `generators.load`: YAML files to plain data with the line of every field;
2. `generators.validate`: plain data to the typed models of `generators.model`,
   collecting every located `generators.errors.Diagnostic`;
3. `generators.render`: models to output (site pages, JSON API, diffs);
4. `generators.write`: the only stage that writes, atomically.
"""

from .errors import Diagnostic, PolicyDataError
from .model import Library, Policy, Revision
from .validate import load_library

__all__ = ["Diagnostic", "Library", "Policy", "PolicyDataError", "Revision", "load_library"]
