"""The error tree in ``domain/errors.py``'s docstring and ``docs/errors.md`` are the code's, not a memory of it."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import cuakhau
from cuakhau import errors_doc
from cuakhau.domain import errors

ROOT = Path(__file__).resolve().parents[2]
#: Modules that run something when imported (the CLI, Alembic's environment).
NOT_IMPORTED = ("cuakhau.__main__", "cuakhau.adapters.db.migrations")


def test_every_error_class_is_in_a_module_the_tree_reads() -> None:
    for info in pkgutil.walk_packages(cuakhau.__path__, "cuakhau."):
        if not info.name.startswith(NOT_IMPORTED):
            importlib.import_module(info.name)
    defined = {cls.__module__ for cls in _all_subclasses(errors.CuakhauError) if cls.__module__.startswith("cuakhau.")}
    assert defined <= set(errors_doc.ERROR_MODULES), defined - set(errors_doc.ERROR_MODULES)
    assert {c.__name__ for c in errors_doc.error_classes()} >= {"Forbidden", "ExchangeRefused", "Unavailable"}


def test_the_docstring_tree_is_the_code_tree() -> None:
    assert errors.__doc__ is not None
    documented = [line[4:] for line in errors.__doc__.split("::\n\n", 1)[1].splitlines() if line.startswith("    ")]
    assert "\n".join(documented).rstrip() == errors_doc.tree(), (
        "domain/errors.py's tree is out of date: paste `python -c 'from cuakhau import errors_doc; "
        "print(errors_doc.tree())'` indented by four spaces"
    )


def test_docs_errors_md_is_generated_from_the_code() -> None:
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == errors_doc.document(), (
        "docs/errors.md is out of date: run `python -m cuakhau.errors_doc > docs/errors.md`"
    )


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found
