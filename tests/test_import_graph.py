"""The package's modules import each other one way only: no import circle.

Every module of ``dicmodel`` is parsed with :mod:`ast` (nothing is imported). An import at module
level, inside a function or under ``if TYPE_CHECKING:`` all count: a function-level import is
still a dependency, it only moves the circle from import time to call time. Importing a
submodule is an edge to that submodule, not to the packages above it (``from ..x import y``
does run ``dicmodel/__init__.py``, but every module would then sit in a circle with it).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "dicmodel"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# Circles that other work in progress is removing (issue 19). Edges between the two modules of
# a pair are ignored in both directions until then. The lead empties this list once those
# branches are merged; do not add to it: break a new circle instead.
CIRCLES_BEING_REMOVED: list[tuple[str, str]] = []


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, packages named by their ``__init__.py``."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name a ``from ... import`` refers to."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]  # a module's level 1 is its package
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_package, node)
                # 'from pkg import sub' names a submodule; 'from mod import name' the module
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
                targets = subs if len(subs) == len(node.names) else subs + [base]
            for t in targets:
                # 'import dicmodel.a.b' or an attribute path: the longest known module prefix
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != mod and (t == PACKAGE or t.startswith(PACKAGE + ".")):
                    graph[mod].add(t)
    return graph


def _without_allowed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    pairs = {frozenset(p) for p in CIRCLES_BEING_REMOVED}
    return {a: {b for b in bs if frozenset((a, b)) not in pairs} for a, bs in graph.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return [_one_cycle(graph, set(c)) for c in comps]


def _one_cycle(graph: dict[str, set[str]], comp: set[str]) -> list[str]:
    """A shortest circle through the component's first module (breadth-first)."""
    start = min(comp)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for v in frontier:
            for w in sorted(graph[v] & comp):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in prev:
                    prev[w] = v
                    nxt_frontier.append(w)
        frontier = nxt_frontier
    return sorted(comp)


def test_the_graph_sees_known_imports():
    g = import_graph()
    assert "dicmodel.errors" in g["dicmodel.diagram"]  # module level, relative
    assert "dicmodel.describe._geometry.graph" in g["dicmodel.describe._geometry.classify"]
    assert "dicmodel.ingest" in g["dicmodel.pipeline"]  # inside a function


def test_cycle_finder_reports_a_circle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(g) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    cycles = find_cycles(_without_allowed(import_graph()))
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)
