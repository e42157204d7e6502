"""Imports: no module of the code imports itself back, and every lazy import says why."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "models")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imported_names(name: str, path: Path) -> Iterator[str]:
    """Every module name an import anywhere in the file may load (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    """Each module's imports of our modules, with the packages whose `__init__` they run."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets: set[str] = set()
        for imported in _imported_names(name, path):
            parts = imported.split(".")
            for end in range(1, len(parts) + 1):
                target = ".".join(parts[:end])
                # A module's own packages are already being imported when it runs.
                if target in MODULES and not (name == target or name.startswith(target + ".")):
                    targets.add(target)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of the graph as a path of module names, or [] when there is none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str]:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return []
        path.append(module)
        for target in sorted(graph[module]):
            if found := visit(target):
                return found
        path.pop()
        done.add(module)
        return []

    for module in sorted(graph):
        if found := visit(module):
            return found
    return []


def test_the_graph_sees_imports_of_every_kind() -> None:
    graph = _graph()
    assert len(graph) > 60
    assert "bot.routing" in graph["bot.context"] or "bot.context" in graph["bot.routing"]
    assert "bot.adapters.telegram" in graph["bot.runner"]  # a function-level import
    assert "bot.services.community" in graph["bot.cli"]  # a package's __init__ runs
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_of_the_code_is_part_of_an_import_cycle() -> None:
    assert _cycle(_graph()) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name: str) -> None:
    assert importlib.import_module(name).__name__ == name


def _explained(lines: list[str], number: int) -> bool:
    """The import on line `number` (from 1) sits in a group of imports under a comment."""
    above = number - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_every_import_inside_a_function_says_why_in_a_comment_above_it() -> None:
    unexplained = []
    for path in MODULES.values():
        source = path.read_text("utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                unexplained += [
                    f"{path.relative_to(ROOT)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                    and not _explained(lines, inner.lineno)
                ]
    assert unexplained == []
