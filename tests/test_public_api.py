"""The public API: what `generators` exports exists and is documented, and every public module is in the API reference."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import generators

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "content" / "reference"
PACKAGE = Path(generators.__file__).parent


def public_modules() -> list[str]:
    """Every module and package of `generators` whose name has no part beginning with `_`."""
    found = [info.name for info in pkgutil.walk_packages(generators.__path__, "generators.")]
    return ["generators", *(name for name in found if not any(part.startswith("_") for part in name.split(".")))]


def documented_modules() -> set[str]:
    """The modules of the `::: name` blocks of the API reference pages."""
    pages = "\n".join(page.read_text(encoding="utf-8") for page in REFERENCE.glob("*.md"))
    return set(re.findall(r"^::: (generators[\w.]*)\s*$", pages, flags=re.MULTILINE))


@pytest.mark.parametrize("name", generators.__all__)
def test_every_exported_name_exists_and_is_documented_where_it_is_defined(name: str) -> None:
    value = getattr(generators, name)
    module = generators._EXPORTS[name]
    assert getattr(value, "__module__", None) == module, f"{name} is defined in {module}, whose reference page documents it"
    doc = value.__doc__ or ""
    assert doc.strip() and not doc.startswith(f"{name}("), f"{name} has no docstring of its own"


def test_a_star_import_gives_exactly_the_public_api() -> None:
    namespace: dict[str, object] = {}
    exec("from generators import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(generators.__all__)
    with pytest.raises(AttributeError, match="no attribute 'render_everything'"):
        generators.render_everything  # noqa: B018


def test_importing_the_package_imports_no_stage() -> None:
    # The names are imported on first use: the workers and `policykb lint --rules` do not pay for the build.
    code = "import sys, generators; print(sorted(m for m in sys.modules if m.startswith('generators.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert loaded.strip() == "[]"


def test_every_folder_of_the_package_is_a_package() -> None:
    # A folder without __init__.py is a namespace package: pkgutil skips it and mkdocstrings cannot find it.
    folders = {path.parent for path in PACKAGE.rglob("*.py")}
    assert sorted(str(folder.relative_to(PACKAGE)) for folder in folders if not (folder / "__init__.py").exists()) == []


def test_every_public_module_is_in_the_api_reference() -> None:
    missing = sorted(set(public_modules()) - documented_modules())
    assert missing == [], f"add a '::: module' block for each to the stage's page in content/reference/: {missing}"


def test_the_api_reference_names_only_modules_that_exist() -> None:
    for name in sorted(documented_modules()):
        importlib.import_module(name)
    assert documented_modules() <= set(public_modules())


def test_every_public_module_says_what_it_is_for() -> None:
    undocumented = [name for name in public_modules() if not inspect.getdoc(importlib.import_module(name))]
    assert undocumented == []


def test_every_error_policykb_raises_on_purpose_has_one_root() -> None:
    # A private exception (`_Refused`) is control flow inside its module and never leaves it.
    outside = []
    for name in public_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == name:
                if not value.__name__.startswith("_") and not issubclass(value, generators.PolicyKbError):
                    outside.append(f"{name}.{value.__name__}")
    assert outside == [], "derive them from generators.errors.PolicyKbError"
