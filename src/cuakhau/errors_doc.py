"""The error tree and the error codes, written out from the code (``python -m cuakhau.errors_doc``).

``docs/errors.md`` is this module's output, and the tree in :mod:`cuakhau.domain.errors`'s docstring is
:func:`tree`'s: ``tests/unit/test_error_tree.py`` fails when either no longer matches the classes and the
catalogs. The classes that stand outside ``domain/errors.py`` do so because they belong to one area (accounts,
the exchange, pages, scenarios); the tree names the module of each.
"""

from __future__ import annotations

import importlib
import inspect

from cuakhau import i18n
from cuakhau.domain.errors import CuakhauError

#: Every module that defines a subclass of CuakhauError (the test checks that none is missing).
ERROR_MODULES = (
    "cuakhau.domain.errors",
    "cuakhau.domain.accounts",
    "cuakhau.domain.exchange",
    "cuakhau.simulation.scenario",
    "cuakhau.adapters.web.pages.access",
)


def error_classes() -> list[type[CuakhauError]]:
    for name in ERROR_MODULES:
        importlib.import_module(name)
    found: list[type[CuakhauError]] = []
    pending: list[type[CuakhauError]] = [CuakhauError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _summary(cls: type[CuakhauError]) -> str:
    doc = inspect.getdoc(cls) if cls.__doc__ else None
    return doc.split("\n\n")[0].replace("\n", " ") if doc else ""


def tree() -> str:
    """The class tree: name, HTTP status, default code and defining module of each, children by name."""
    children: dict[type[CuakhauError], list[type[CuakhauError]]] = {}
    for cls in error_classes():
        for base in cls.__bases__:
            if issubclass(base, CuakhauError):
                children.setdefault(base, []).append(cls)
    lines: list[str] = []

    def walk(cls: type[CuakhauError], prefix: str, last: bool, top: bool) -> None:
        where = cls.__module__.removeprefix("cuakhau.")
        head = cls.__name__ if top else f"{prefix}{'└── ' if last else '├── '}{cls.__name__}"
        lines.append(f"{head:<30} {cls.http_status}  {cls.default_code:<26} {where}")
        kids = sorted(children.get(cls, []), key=lambda c: c.__name__)
        for i, kid in enumerate(kids):
            walk(kid, "" if top else prefix + ("    " if last else "│   "), i == len(kids) - 1, False)

    walk(CuakhauError, "", True, True)
    return "\n".join(lines)


def document() -> str:
    """``docs/errors.md``: the tree, then every code with its message in each language."""
    out = [
        "# Errors: the tree and the codes",
        "",
        "Written by `python -m cuakhau.errors_doc > docs/errors.md` from the error classes and the message",
        "catalogs (`src/cuakhau/i18n/`); `tests/unit/test_error_tree.py` fails when it is out of date.",
        "",
        'Every error answer has one shape, `{"error": {"code", "message", "field", "params", "details"}}`.',
        "The `code` is stable: clients branch on it. The `message` follows `Accept-Language` (vi, zh, en);",
        "`{name}` in a message is filled from `params`.",
        "",
        "## The tree",
        "",
        "class, HTTP status, default code, module (below `cuakhau.`); a class answers with its own status",
        "except `ExchangeRefused`, whose status follows its code.",
        "",
        "```",
        tree(),
        "```",
        "",
        "## The codes",
    ]
    groups: dict[str, list[str]] = {}
    for code in sorted(i18n.CATALOG):
        groups.setdefault(code.split(".")[0], []).append(code)
    for group, codes in groups.items():
        out += ["", f"### {group}", "", "| code | en | vi | zh |", "|---|---|---|---|"]
        for code in codes:
            texts = i18n.CATALOG[code]
            cells = [texts[lang].replace("|", "\\|").replace("\n", " ") for lang in ("en", "vi", "zh")]
            out.append(f"| `{code}` | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(document(), end="")  # noqa: T201
