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


#: Where requests and commands come in: they call use cases, handing each a fresh unit of work.
ENTRY_POINTS = [
    *sorted((SOURCE / "adapters" / "web").rglob("*.py")),
    *sorted((SOURCE / "adapters" / "devices").rglob("*.py")),
    *sorted((SOURCE / "adapters" / "exchange").rglob("*.py")),
    *sorted((SOURCE / "demo").rglob("*.py")),  # the demos drive the use cases like any client
    *sorted((SOURCE / "cli").rglob("*.py")),  # the `cuakhau` command, one module per command group
    *sorted(SOURCE.glob("*.py")),  # bootstrap.py and the scripts beside it
]


def _touches_the_unit_of_work(source: str, name: str) -> list[str]:
    """Every use of a unit of work other than handing it to a call, and every commit, rollback or savepoint."""
    tree = ast.parse(source, filename=name)
    parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def handed_to_a_call(node: ast.AST) -> bool:
        above = parent.get(node)
        if isinstance(above, ast.keyword):
            return isinstance(parent.get(above), ast.Call)
        return isinstance(above, ast.Call) and node in above.args

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        where = f"{name}:{node.lineno}"
        if node.attr == "uow":  # ctx.uow(...), or the factory itself
            above = parent.get(node)
            used = above if isinstance(above, ast.Call) and above.func is node else node
            if not handed_to_a_call(used):
                found.append(f"{where} keeps or opens a unit of work")
        elif node.attr in ("commit", "rollback", "savepoint"):
            found.append(f"{where} .{node.attr}")
        elif isinstance(node.value, ast.Name) and node.value.id == "uow":
            found.append(f"{where} uow.{node.attr}")
    return found


def test_the_entry_point_check_sees_repository_reads_and_commits() -> None:
    source = (
        "def fine(ctx):\n"
        "    return use_case(ctx.uow(read_only=True), x=1) or other(uow=ctx.uow()) or sweep(ctx.uow)\n"
        "def reads(ctx):\n"
        "    with ctx.uow(read_only=True) as uow:\n"
        "        return uow.gates.all()\n"
        "def writes(ctx):\n"
        "    factory = ctx.uow\n"
        "    factory().commit()\n"
    )
    assert sorted(_touches_the_unit_of_work(source, "sample.py")) == [
        "sample.py:4 keeps or opens a unit of work",
        "sample.py:5 uow.gates",
        "sample.py:7 keeps or opens a unit of work",
        "sample.py:8 .commit",
    ]


def test_routers_pages_and_the_cli_leave_repositories_and_commits_to_the_use_cases() -> None:
    """An entry point hands ``ctx.uow()`` to a service function and nothing more: no ``with ctx.uow() as uow``,
    no ``uow.<repository>``, no commit. Every read and every write is a use case in services/."""
    assert len(ENTRY_POINTS) > 30
    assert SOURCE / "cli" / "accounts.py" in ENTRY_POINTS  # the command line's modules are read too
    found = [
        hit
        for path in ENTRY_POINTS
        for hit in _touches_the_unit_of_work(path.read_text("utf-8"), str(path.relative_to(SOURCE)))
    ]
    assert found == []
