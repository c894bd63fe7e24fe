"""Bytecode for the installed libraries a command used, where Python writes none."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import infra.entrypoint
from infra.bytecode import installed_roots, write_missing_bytecode


def load(path: Path) -> ModuleType:
    """Import the module at `path` as the import system does, without adding it to sys.modules."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)


def a_library(root: Path, name: str = "library") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{name}.py"
    path.write_text("ANSWER = 42\n")
    return path


@pytest.mark.usefixtures("no_writes")
def test_the_libraries_used_get_the_bytecode_python_would_have_written(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    library = load(a_library(site))
    project = load(a_library(tmp_path / "project", "own"))  # the project's own: left alone
    assert library.__spec__ is not None
    assert project.__spec__ is not None
    cached = Path(str(library.__spec__.cached))
    assert not cached.exists()
    roots = (f"{site}{os.sep}",)
    assert write_missing_bytecode([library, project], roots=roots) == 1
    assert cached.read_bytes()[:4] == importlib.util.MAGIC_NUMBER
    assert not Path(str(project.__spec__.cached)).exists()
    assert write_missing_bytecode([library, project], roots=roots) == 0  # once
    assert load(site / "library.py").ANSWER == 42  # the written bytecode loads


@pytest.mark.usefixtures("no_writes")
def test_an_environment_where_bytecode_cannot_be_written_is_left_as_it_is(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site-packages"
    library = load(a_library(site))
    (site / "__pycache__").write_text("a file where the bytecode folder would go")
    assert write_missing_bytecode([library], roots=(f"{site}{os.sep}",)) == 0


def test_where_python_writes_bytecode_itself_nothing_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    library = load(a_library(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert write_missing_bytecode([library], roots=(f"{tmp_path}{os.sep}",)) == 0
    assert installed_roots()
    assert all(root.endswith(os.sep) for root in installed_roots())


def test_the_command_writes_them_when_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[Callable[..., object]] = []
    monkeypatch.setattr(infra.entrypoint.atexit, "register", registered.append)
    monkeypatch.setattr(infra.entrypoint, "app", lambda: None)
    infra.entrypoint.main()
    assert write_missing_bytecode in registered
