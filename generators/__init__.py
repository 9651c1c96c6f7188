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

What a library user needs is importable from `generators` itself (`__all__`): load a library
(`load_library`), its models (`Library`, `Policy`, `Revision`, `Statement`, ...), what they mean
on a date (`PolicyTimeline`, `windows`), the changes between two revisions (`diff_revisions`),
the code index (`build_code_index`, `lookup`), lint (`lint_library`), every output
(`render_outputs`) or a whole build (`build_tree`), and the errors (`PolicyKbError` is the root
of every error policykb raises on purpose). Each name is imported on first use, so
`import generators` stays as cheap as the foundation it needs.

Example:
    ```python
    from datetime import date
    from pathlib import Path

    import generators

    library = generators.load_library(Path("policy_data"))
    policy = library.policies[0]
    print(generators.PolicyTimeline(policy, date.today()).in_effect)  # the revision in effect
    old, new = policy.revisions[-2:]
    for line in generators.diff_revisions(old, new).summary():  # what changed, in sentences
        print(line)
    ```
"""

from __future__ import annotations

import importlib
from typing import Any

# The public name -> the module that defines it (and documents it in the API reference).
_EXPORTS = {
    # Errors
    "PolicyKbError": "generators.errors",
    "PolicyDataError": "generators.errors",
    "Diagnostic": "generators.errors",
    "Severity": "generators.errors",
    # The models
    "Library": "generators.model",
    "Policy": "generators.model",
    "Revision": "generators.model",
    "RevisionStatus": "generators.model",
    "Statement": "generators.model",
    "Determination": "generators.model",
    "CriteriaGroup": "generators.model",
    "Criterion": "generators.model",
    "PlacedCriterion": "generators.model",
    "Codes": "generators.model",
    "CodeSystem": "generators.model",
    "Flag": "generators.model",
    "Reference": "generators.model",
    "History": "generators.model",
    # Loading and validation
    "load_library": "generators.load.validate",
    "load_policy": "generators.load.validate",
    # What the models mean
    "PolicyTimeline": "generators.domain.lifecycle",
    "RevisionState": "generators.domain.lifecycle",
    "windows": "generators.domain.timeline",
    "Window": "generators.domain.timeline",
    "revision_in_effect": "generators.domain.timeline",
    "diff_revisions": "generators.domain.diff",
    "RevisionDiff": "generators.domain.diff",
    "Change": "generators.domain.diff",
    "ChangeKind": "generators.domain.diff",
    "ChangePath": "generators.domain.change_path",
    "build_code_index": "generators.domain.code_index",
    "lookup": "generators.domain.code_index",
    # Lint
    "lint_library": "generators.lint.rules",
    # Outputs and the build
    "render_outputs": "generators.build.assemble",
    "build_tree": "generators.build.pipeline",
    "BuildReport": "generators.build.pipeline",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (the build stages are slow to import)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'generators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names and the public API, imported or not."""
    return sorted(set(globals()) | set(__all__))
