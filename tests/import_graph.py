"""The import graph of the riskengine package, read from the source (no module is run).

Every ``import`` and ``from … import`` of a riskengine module counts, at module level or
inside a function, except those under ``if TYPE_CHECKING:`` (they never run). Run it to
see the graph and any cycle::

    python tests/import_graph.py
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "riskengine"
SOURCE = Path(__file__).resolve().parents[1] / "src" / PACKAGE


def modules(root: Path = SOURCE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def graph(root: Path = SOURCE) -> dict[str, set[str]]:
    """Module → the riskengine modules it imports. Importing ``a.b.c`` runs ``a`` and
    ``a.b`` first, so they count too, except the module's own packages: those are
    already running when it is imported (a package may import its own modules)."""
    mods = modules(root)
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if is_package else name.split(".")[:-1]
        deps: set[str] = set()
        ancestors = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module.split(".") if node.module else []
                if node.level:
                    base = here[: len(here) - node.level + 1] + base
                stem = ".".join(base)
                # ``from a import b`` imports the module a.b when there is one
                targets = [
                    f"{stem}.{a.name}" if f"{stem}.{a.name}" in mods else stem for a in node.names
                ]
            for target in targets:
                parts = target.split(".")
                if parts[0] != PACKAGE:
                    continue
                for k in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:k])
                    if prefix in mods and prefix != name and prefix not in ancestors:
                        deps.add(prefix)
        out[name] = deps
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def dependency_order(g: dict[str, set[str]]) -> list[str]:
    """Every module after the modules it imports (the graph must have no cycle)."""
    order: list[str] = []
    done: set[str] = set()

    def visit(v: str) -> None:
        if v in done:
            return
        done.add(v)
        for w in sorted(g[v]):
            visit(w)
        order.append(v)

    for v in sorted(g):
        visit(v)
    return order


def main() -> int:
    g = graph()
    for name in sorted(g):
        print(f"{name} -> {', '.join(sorted(g[name] - {PACKAGE})) or '-'}")
    found = cycles(g)
    for group in found:
        print("cycle:", " ↔ ".join(group))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
