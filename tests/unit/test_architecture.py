"""The shape of the code, checked: no import cycles, and no import hidden inside a function to dodge one.

``lint-imports`` holds the same line between sibling packages and modules (the ``acyclic_siblings`` contract in
pyproject.toml); these tests hold it for every module of the package, parents included, and run with pytest.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

import cuakhau

SOURCE = Path(cuakhau.__file__).parent


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    work: list[tuple[str, list[str]]] = []  # the depth-first path: each module with the imports left to follow

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        work.append((module, sorted(graph.find_modules_directly_imported_by(module) & graph.modules)))

    for root in sorted(graph.modules):
        if root in index:
            continue
        visit(root)
        while work:
            module, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    visit(nxt)
                elif nxt in on_stack:
                    low[module] = min(low[module], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c", "p.d"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    graph.add_import(importer="p.c", imported="p.d")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_module_of_cuakhau_imports_itself_back() -> None:
    """Imports inside functions count: grimp reads every import statement, wherever it stands."""
    graph = grimp.build_graph("cuakhau", cache_dir=None)
    assert len(graph.modules) > 100  # the whole package was read
    assert _cycles(graph) == []


def _imports_inside_functions(path: Path, prefix: str) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [f"{path.name}:{node.lineno} {name}" for name in names if name.startswith(prefix)]
    return found


def test_services_import_each_other_only_at_the_top_of_the_module() -> None:
    """A use case that needs another feature's rule imports it where everyone sees it; a lifecycle rule is wired
    in services/lifecycle.py, never by an import tucked into a function."""
    modules = sorted((SOURCE / "services").rglob("*.py"))
    assert len(modules) > 10
    hidden = [hit for path in modules for hit in _imports_inside_functions(path, "cuakhau.services")]
    assert hidden == []
