"""The package's import graph: no circles, and lower rooms never import higher ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "seqsleepnet"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its text (functions included)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}

    def resolve(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seqsleepnet"):
                module = node.module or ""
                for alias in node.names:
                    full = f"{module}.{alias.name}"
                    found.add(full if full in modules else resolve(module))
            elif isinstance(node, ast.Import):
                found |= {resolve(a.name) for a in node.names if a.name.startswith("seqsleepnet")}
        graph[name] = found - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_anywhere_in_the_package() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    ("room", "higher"),
    [
        ("io", ("features", "models", "training", "report", "data", "evaluation", "cli")),
        ("features", ("models", "training", "report", "data", "evaluation", "cli")),
        ("models", ("training", "report", "data", "cli")),
    ],
)
def test_lower_rooms_never_import_higher_ones(room: str, higher: tuple[str, ...]) -> None:
    graph = _graph()
    prefix = f"seqsleepnet.{room}"
    offending = {
        module: sorted(
            target
            for target in targets
            if any(target.startswith(f"seqsleepnet.{h}") for h in higher)
        )
        for module, targets in graph.items()
        if module == prefix or module.startswith(prefix + ".")
    }
    assert {k: v for k, v in offending.items() if v} == {}
