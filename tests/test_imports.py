"""The import graph of components/, infra/ and jobs/ has no cycle and keeps the layers apart.

Every import counts, wherever it is written: at module level, inside a function (imported late,
but imported), and under ``if TYPE_CHECKING:`` (no cost at run time, but a reader still has to
understand both modules together: a cycle is a cycle for readers). ``from package import name``
counts as importing ``package.name`` when that is a module, else ``package``. A module importing
``a.b`` is not counted as importing the package ``a`` (whose ``__init__`` Python also runs):
that would make every module a package's ``__init__`` re-exports a cycle.

The rules: (a) no cycle; (b) ``jobs`` imports no private (``_``-prefixed) ``components``
module; (c) no module of the project imports the test helpers ``components.testing`` or
``jobs.testing`` (they are for users' tests); (d) the two command lines do not import each
other (``infra.cli`` and ``jobs.cli``; the entry point composes them).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import typing
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import components
from tests.conftest import ROOT

PACKAGES = ("components", "infra", "jobs")
TEST_HELPERS = ("components.testing", "jobs.testing")
CLIS = {"infra.cli": "jobs.cli", "jobs.cli": "infra.cli"}


@dataclass(frozen=True)
class Edge:
    """`source` imports `target`, at `line` of the source's file."""

    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({module_path(self.source)}:{self.line})"


def module_path(module: str) -> str:
    path = ROOT.joinpath(*module.split("."))
    return (
        (path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
        .relative_to(ROOT)
        .as_posix()
    )


def project_modules() -> dict[str, Path]:
    """Every module of the three packages, by dotted name (a package by its own name)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imports_of(module: str, path: Path, known: Mapping[str, Path]) -> Iterator[Edge]:
    """The project modules `module` imports, anywhere in its file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in dict.fromkeys(targets):
            found = _nearest_module(target, known)
            if found is not None and found != module:
                yield Edge(module, found, node.lineno)


def _nearest_module(name: str, known: Mapping[str, Path]) -> str | None:
    """`name`, or the closest enclosing module of the project (``import a.b.c`` imports a.b.c)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph() -> list[Edge]:
    known = project_modules()
    return [edge for module, path in known.items() for edge in imports_of(module, path, known)]


def cycles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        graph[edge.source].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for following in sorted(graph[node]):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import components.naming\n"
        "from components import errors, Workspace\n"
        "from . import cli\n"
        "from .plan.model import Plan\n"
        "if TYPE_CHECKING:\n"
        "    from jobs.context import StackContext\n"
        "def late():\n"
        "    import infra.plan.runner as runner\n"
    )
    known = {**project_modules(), "infra.example": source}
    edges = sorted((e.target, e.line) for e in imports_of("infra.example", source, known))
    assert edges == [
        ("components", 3),  # a name the package's __init__ exports
        ("components.errors", 3),
        ("components.naming", 2),
        ("infra.cli", 4),
        ("infra.plan.model", 5),
        ("infra.plan.runner", 9),
        ("jobs.context", 7),
    ]
    assert cycles([Edge("a", "b", 1), Edge("b", "c", 1), Edge("c", "a", 1), Edge("c", "d", 1)]) == [
        ["a", "b", "c"]
    ]


def test_no_import_cycle() -> None:
    edges = import_graph()
    found = cycles(edges)
    report = []
    for component in found:
        members = set(component)
        inside = sorted(
            (e for e in edges if e.source in members and e.target in members),
            key=lambda e: (e.source, e.target),
        )
        report.append(
            f"cycle among {', '.join(component)}:\n    " + "\n    ".join(map(str, inside))
        )
    assert not found, (
        "import cycles (each module reaches the others through these imports):\n  "
        + "\n  ".join(report)
        + "\nTo fix: move what both sides need into a small module that both import (a contract "
        "such as an immutable reference, or the errors), or pass it in as an argument; a late "
        "(function-level) or TYPE_CHECKING import hides a cycle but does not remove it."
    )


def test_jobs_import_no_private_components_module() -> None:
    private = [
        e
        for e in import_graph()
        if e.source.split(".")[0] == "jobs"
        and e.target.split(".")[0] == "components"
        and any(part.startswith("_") and part != "__init__" for part in e.target.split("."))
    ]
    assert not private, (
        "jobs imports private components modules:\n  "
        + "\n  ".join(map(str, private))
        + "\nTo fix: jobs may use what components makes public (the shared contracts and "
        "errors); make the module public (no leading underscore, an explicit __all__) or move "
        "what jobs needs into a public one."
    )


def test_no_project_module_imports_the_test_helpers() -> None:
    leaks = [e for e in import_graph() if e.target in TEST_HELPERS and e.source not in TEST_HELPERS]
    assert not leaks, (
        "project modules import a test helper:\n  "
        + "\n  ".join(map(str, leaks))
        + "\nTo fix: import the engine itself (components.recording, not components.testing); "
        "the testing modules are leaves for users' tests."
    )


def test_the_command_lines_do_not_import_each_other() -> None:
    crossed = [e for e in import_graph() if CLIS.get(e.source) == e.target]
    assert not crossed, (
        "one command line imports the other:\n  "
        + "\n  ".join(map(str, crossed))
        + "\nTo fix: the console script's entry point composes both apps; what both need (the "
        "consoles, fail, shared options) lives in a module of its own."
    )


def test_the_command_line_loads_no_cloud_library_until_a_command_needs_it() -> None:
    """``amlstack --help`` and the job commands import neither Pulumi nor pulumi-azure-native
    nor azure-ai-ml (seconds): the components' names load on first use."""
    probe = (
        "import sys\n"
        "import components.console, components.errors, jobs.cli, infra.entrypoint\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pulumi', 'pulumi_azure_native', 'azure'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_every_public_name_of_components_loads_from_the_module_that_defines_it() -> None:
    for name in components.__all__:
        value = getattr(components, name)
        if typing.get_origin(value) is not None:  # a type alias (WorkspaceKind): typing's own
            continue
        assert getattr(value, "__module__", "components").startswith("components"), name
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        components.Nothing  # noqa: B018
    tree = ast.parse((ROOT / "components" / "__init__.py").read_text())
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("components.")
        for alias in node.names
    }
    assert imported == set(components.__all__)
