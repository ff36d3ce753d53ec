"""The import graph runs down the house and never in a circle (issue 15's "Done when").

Reads every module of the product with `ast`, so imports inside functions count too: they are still
dependencies, only later. Imports under `if TYPE_CHECKING:` never run, so they make no circle; they still
count for the layers, since a type from above is a dependency on above all the same.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Top to bottom: a package imports only from the rows below its own; packages in one row never import each
# other (cli and web are two faces; a flow renders a pack, then hands it to notifications).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli", "web"),
    ("flows",),
    ("notifications", "packs", "workbooks"),
    ("models",),
    ("config",),
)
PACKAGES = tuple(sorted(package for row in LAYERS for package in row))
RANK = {package: rank for rank, row in enumerate(LAYERS) for package in row}

# models/ sub-packages (sweep, ledger, plans, reports, output, and any new room) sit on the tables, db, vocab,
# errors and calendar at models/ top level; those never import a room. The exceptions that exist today, as
# (top-level module, room): why. Remove a line when its import goes; add none without a reason as good.
ROOM_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("models.outbox", "models.ledger"): "retrying a notice by hand is a change, recorded through the "
    "ledger's one seam (record) in the same transaction",
}

# Imports across a row, as (module, module): why. The one today: the command that starts the web face.
FACE_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("cli.web_command", "web.server"): "`lineofsight web` starts the web face's server; the web face never "
    "imports the command line",
}


@dataclass(frozen=True)
class Edge:
    """One import of one of our modules by another, with where it is written."""

    source: str
    target: str
    path: str
    line: int
    type_checking: bool

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_files() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in sorted((ROOT / package).rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement anywhere in the tree, and whether it sits under `if TYPE_CHECKING:`."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, guarded))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, True)
            for statement in node.orelse:
                visit(statement, guarded)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(tree, False)
    return found


def _ours(name: str, modules: set[str]) -> str | None:
    """The most specific module of ours that importing `name` runs, or None if it is not ours."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def read_graph() -> tuple[Edge, ...]:
    files = product_files()
    modules = set(files)
    edges: list[Edge] = []
    for source, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node, guarded in _imports(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from a import b` runs a.b when b is a module, else only a.
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            relative = str(path.relative_to(ROOT))
            for target in dict.fromkeys(_ours(name, modules) for name in names):
                if target is not None and target != source:
                    edges.append(Edge(source, target, relative, node.lineno, guarded))
    return tuple(edges)


def _top(module: str) -> str:
    return module.split(".")[0]


def _room(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _below(package: str) -> str:
    below = [other for other in PACKAGES if RANK[other] > RANK[package]]
    return "only " + ", ".join(below) if below else "nothing of ours"


def layer_violations(edges: Iterable[Edge]) -> list[str]:
    return [
        f"{edge.where()}: {edge.source} imports {edge.target}"
        f" ({_top(edge.source)} may import {_below(_top(edge.source))})"
        for edge in edges
        if _top(edge.source) != _top(edge.target)
        and RANK[_top(edge.source)] >= RANK[_top(edge.target)]
        and (edge.source, edge.target) not in FACE_EXCEPTIONS
    ]


def room_violations(edges: Iterable[Edge], rooms: set[str]) -> list[str]:
    return [
        f"{edge.where()}: {edge.source} (models/ top level) imports {edge.target} (a room of models/)"
        for edge in edges
        if _top(edge.source) == "models"
        and _room(edge.source) not in rooms
        and _room(edge.target) in rooms
        and (edge.source, _room(edge.target)) not in ROOM_EXCEPTIONS
    ]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components; every component of more than one module holds a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [component for component in components if len(component) > 1]


def a_circle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """The shortest circle through the component's first module, as modules from it back to it."""
    start, inside = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node] & inside):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"no circle through {start} in {component}")  # a component always holds one


def circles(edges: Iterable[Edge]) -> list[str]:
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for edge in edges:
        if not edge.type_checking:
            graph.setdefault(edge.source, set()).add(edge.target)
            graph.setdefault(edge.target, set())
            where.setdefault((edge.source, edge.target), edge.where())
    found = []
    for component in strongly_connected(graph):
        circle = a_circle(graph, component)
        steps = " -> ".join([circle[0], *(f"{b} ({where[(a, b)]})" for a, b in pairwise(circle))])
        found.append(f"import circle: {steps}; all modules caught in it: {', '.join(component)}")
    return found


def test_the_graph_reads_every_package_and_its_imports() -> None:
    edges = read_graph()
    modules = set(product_files())
    assert {_top(module) for module in modules} >= set(PACKAGES) - {"web"}
    pairs = {(edge.source, edge.target) for edge in edges}
    assert ("flows.bootstrap", "models.db") in pairs
    # An import inside a function counts (the CLI imports prefect-heavy flows lazily).
    assert any(_top(edge.source) == "cli" and _top(edge.target) == "flows" for edge in edges)


def test_imports_run_down_the_layers() -> None:
    violations = layer_violations(read_graph())
    assert not violations, "upward or sideways imports:\n" + "\n".join(violations)


def test_models_top_level_never_imports_its_rooms() -> None:
    rooms = {f"models.{path.parent.name}" for path in (ROOT / "models").glob("*/__init__.py")}
    assert {"models.sweep", "models.ledger", "models.plans", "models.reports"} <= rooms
    violations = room_violations(read_graph(), rooms)
    assert not violations, "models/ top level imports a room:\n" + "\n".join(violations)


def test_no_import_circle() -> None:
    found = circles(read_graph())
    assert not found, "\n".join(found)


def test_a_circle_is_named_with_where_each_import_is() -> None:
    edges = [
        Edge("a.one", "a.two", "a/one.py", 3, False),
        Edge("a.two", "a.three", "a/two.py", 4, False),
        Edge("a.three", "a.one", "a/three.py", 5, False),
        Edge("a.three", "a.four", "a/three.py", 6, False),
        Edge("a.four", "a.three", "a/four.py", 7, True),  # under TYPE_CHECKING: never runs
    ]
    assert circles(edges) == [
        "import circle: a.one -> a.two (a/one.py:3) -> a.three (a/two.py:4) -> a.one (a/three.py:5);"
        " all modules caught in it: a.one, a.three, a.two"
    ]


def test_an_upward_or_sideways_import_is_named() -> None:
    edges = [
        Edge("flows.sweep", "models.db", "flows/sweep.py", 1, False),
        Edge("models.db", "packs.build", "models/db.py", 2, False),
        Edge("packs.x", "notifications.y", "packs/x.py", 3, True),  # a type from beside is still beside
        Edge("cli.a", "web.b", "cli/a.py", 4, False),
        Edge("config.settings", "models.db", "config/settings.py", 5, False),
    ]
    assert layer_violations(edges) == [
        "models/db.py:2: models.db imports packs.build (models may import only config)",
        "packs/x.py:3: packs.x imports notifications.y (packs may import only config, models)",
        "cli/a.py:4: cli.a imports web.b (cli may import only config, flows, models, notifications, packs,"
        " workbooks)",
        "config/settings.py:5: config.settings imports models.db (config may import nothing of ours)",
    ]
