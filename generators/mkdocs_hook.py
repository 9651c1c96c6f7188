"""The thin MkDocs adapter: adds every output of `generators.build` as a virtual file.

Referenced from `mkdocs.yml` (`hooks:`; MkDocs loads it by path, hence the absolute imports). A hook rather than a plugin or mkdocs-gen-files: it
needs no packaging entry point and no extra dependency, and it holds no logic of its own, so
the generation stays in `generators.build` where a successor of MkDocs (which runs no hooks)
reaches it through `policykb pages`. Nothing is written into the docs folder.

The data folder is `policy_data` beside `mkdocs.yml`, or `$POLICYKB_DATA`. Invalid data stops
the build with every located diagnostic and no traceback (`PluginError`), also under
`mkdocs serve`, which then keeps serving the last good build.
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from generators.build import render_outputs
from generators.errors import PolicyDataError
from generators.validate import load_library


def data_dir(config: MkDocsConfig) -> Path:
    """The policy data folder the site is built from."""
    configured = os.environ.get("POLICYKB_DATA")
    if configured:
        return Path(configured).resolve()
    return Path(config.config_file_path).resolve().parent / "policy_data"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages and data files; refuse to shadow a hand-written file."""
    folder = data_dir(config)
    try:
        library = load_library(folder)
    except PolicyDataError as error:
        count = len(error.diagnostics)
        listing = "\n".join(d.format() for d in error.diagnostics)
        raise PluginError(f"policy data in {folder} is invalid ({count} problem{'s' if count != 1 else ''}):\n{listing}") from None
    hand_written = [file.src_uri for file in files]
    for path, content in render_outputs(library, hand_written).items():
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"{path} is generated from the policy data; remove the hand-written {config.docs_dir}/{path}")
        files.append(File.generated(config, path, content=content))
    return files
