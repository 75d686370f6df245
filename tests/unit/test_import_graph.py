"""No file of Shutter imports one that, directly or through others, imports it back.

The graph is read from the source (no imports run): every import a module makes at run
time counts, including those inside functions; imports under ``if TYPE_CHECKING:`` never
run, so they do not. An import names the module it loads (``from services import outbox``
loads ``services.outbox``; ``import a.b`` loads ``a.b``), as import-linter reads them: the
package ``a`` whose ``__init__`` runs first is not counted (the schema's root imports the
resolvers, which import schema types, until the root moves out of schema/).
"""

from __future__ import annotations

import ast
import functools
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the wheel ships: the top-level modules and packages of the project.
SOURCES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"][
    "only-include"
]

Graph = dict[str, set[str]]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> dict[str, Path]:
    paths: list[Path] = []
    for source in map(ROOT.joinpath, SOURCES):
        paths.extend(sorted(source.rglob("*.py")) if source.is_dir() else [source])
    return {module_name(path): path for path in paths}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth, skipping ``if TYPE_CHECKING:`` bodies."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if isinstance(node, ast.If) and is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_imports(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        found.update(project_module(target, known) for target in targets)
    found.discard(name)
    found.discard("")
    return found


def project_module(imported: str, known: set[str]) -> str:
    """The project module an import loads: the longest known prefix ("" for another library)."""
    while imported and imported not in known:
        imported = imported.rpartition(".")[0]
    return imported


@functools.cache
def import_graph() -> Graph:
    files = project_files()
    known = set(files)
    return {name: imported_modules(name, path, known) for name, path in files.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


def reachable(graph: Graph, start: str) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for target in graph.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def test_no_file_imports_one_that_imports_it_back() -> None:
    assert cycles(import_graph()) == []


# import-linter reads packages only; these hold its rules for the top-level modules.


def test_the_api_never_loads_the_worker_side() -> None:
    assert sorted(name for name in reachable(import_graph(), "app") if name.startswith("jobs.worker")) == []


def test_settings_import_nothing_of_the_project() -> None:
    assert import_graph()["settings"] == set()


def test_the_reader_counts_function_local_imports_and_skips_type_checking_ones() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import services.stores\n"
        "def f():\n    from jobs import names\n"
    )
    assert sorted(getattr(node, "module", None) or "" for node in runtime_imports(tree)) == ["jobs", "typing"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
