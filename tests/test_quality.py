"""The code stays ruff- and mypy-clean: CI fails on a lint or type error like on a failing test."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import tomllib
from collections.abc import Collection
from pathlib import Path

import pytest

from tests.conftest import ROOT

SDK = "pulumi_azure_native"

# Checked in the same mypy run as the project: a wrong-typed argument to a pulumi-azure-native
# class, and a function strict mode refuses. Both must be reported, or the config checks less
# than it should (the SDK's classes turned into Any, strictness off).
PROBE = """\
from pulumi_azure_native import machinelearningservices

machinelearningservices.SkuArgs(name=1)


def untyped(value):
    return value
"""


@pytest.mark.parametrize(
    "command", [["ruff", "check", "."], ["ruff", "format", "--check", "."]], ids=" ".join
)
def test_tool_passes(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def mypy_packages() -> list[str]:
    packages: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"][
        "packages"
    ]
    return packages


def test_mypy_passes_and_still_checks_calls_into_pulumi_azure_native(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    result = subprocess.run(  # mypy takes packages as files only without other files
        [sys.executable, "-m", "mypy", *mypy_packages(), str(probe)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    # By file name: with a warm cache mypy reports the probe's errors under the path it had when
    # they were cached (an earlier run's temporary directory).
    project = [line for line in errors if Path(line.split(":", 1)[0]).name != probe.name]
    assert not project, result.stdout + result.stderr
    assert [line.rsplit("  ", 1)[-1] for line in errors] == ["[arg-type]", "[no-untyped-def]"], (
        result.stdout + result.stderr
    )
    assert 'Argument "name" to "SkuArgs" has incompatible type "int"' in errors[0]


def test_uv_does_not_walk_site_packages_on_every_run() -> None:
    """With ``compile-bytecode``, uv checks every file of site-packages on every ``uv run``
    (astral-sh/uv#12202); the command writes the bytecode it needs instead (`infra.bytecode`,
    docs/internals/performance.md)."""
    uv = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]
    assert "compile-bytecode" not in uv


def sdk_modules() -> set[str]:
    """The modules and packages directly under pulumi-azure-native's top-level package."""
    spec = importlib.util.find_spec(SDK)
    assert spec is not None
    assert spec.submodule_search_locations is not None
    [directory] = map(Path, spec.submodule_search_locations)
    return {p.stem for p in directory.iterdir() if (p / "__init__.py").is_file()} | {
        p.stem for p in directory.glob("*.py") if p.stem != "__init__"
    }


def unchecked_sdk_imports(source: str, modules: Collection[str]) -> list[str]:
    """The imports in `source` that bind pulumi-azure-native's top-level package or a name
    defined in it (not one of its `modules`): mypy skips that package (pyproject), so what they
    bind would be Any and calls through it unchecked."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] == SDK
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == SDK:
            found += [
                f"line {node.lineno}: from {SDK} import {alias.name}"
                for alias in node.names
                if alias.name not in modules
            ]
    return found


@pytest.mark.parametrize(
    ("source", "unchecked"),
    [
        ("from pulumi_azure_native import storage, network as net", False),
        ("from pulumi_azure_native.storage import StorageAccount", False),
        ("import pulumi_azure_native", True),
        ("import pulumi_azure_native.storage as storage", True),
        ("from pulumi_azure_native import storage, Provider", True),
    ],
)
def test_the_import_guard_tells_checked_from_unchecked_imports(
    source: str, unchecked: bool
) -> None:
    assert bool(unchecked_sdk_imports(source, sdk_modules())) is unchecked


def test_the_code_imports_pulumi_azure_native_by_module() -> None:
    modules = sdk_modules()
    found = [
        f"{path.relative_to(ROOT)} {finding}"
        for package in mypy_packages()
        for path in sorted((ROOT / package).rglob("*.py"))
        for finding in unchecked_sdk_imports(path.read_text(), modules)
    ]
    assert not found, "import pulumi-azure-native's service modules instead:\n" + "\n".join(found)
