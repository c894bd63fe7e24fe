"""Bytecode for the installed libraries a command used, where Python writes none.

Where bytecode is not written (``PYTHONDONTWRITEBYTECODE=1``, set by many Docker images and CI
runners), every run compiles every module it imports again, and pulumi-azure-native's and
azure-ai-ml's are large: a plan of dev took 2.6 times the CPU of one with bytecode. uv can
compile all of site-packages at install (``compile-bytecode``), but then checks every file of it
again on every ``uv run`` (astral-sh/uv#12202: 0.4 s and 0.8 CPU s per run, and a "Bytecode
compiled" line), and the first run pays for compiling 11,000 files it mostly never imports
(35 to 45 CPU s). Instead, the ``amlstack`` command writes, when it ends, the bytecode Python
would have written for the modules it imported from the environment's site-packages: the first
run of a command pays for compiling what it uses, every later run reads it
(docs/internals/performance.md).

Only installed libraries get bytecode: the project's own files (amlstack's modules in a
checkout, the user's) are left as Python was told. Where site-packages cannot be written (a
read-only image), nothing is written and nothing fails.
"""

from __future__ import annotations

import os
import py_compile
import sys
import sysconfig
from collections.abc import Iterable
from types import ModuleType

__all__ = ["installed_roots", "write_missing_bytecode"]


def installed_roots() -> tuple[str, ...]:
    """The environment's site-packages directories (pure and platform)."""
    paths = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    return tuple(sorted(os.path.join(os.path.abspath(p), "") for p in paths if p))


def write_missing_bytecode(
    modules: Iterable[ModuleType] | None = None, *, roots: tuple[str, ...] | None = None
) -> int:
    """When Python writes no bytecode (``sys.dont_write_bytecode``), write it for each of
    `modules` (default: every imported module) whose source is under `roots` (default:
    `installed_roots`) and that has none; returns how many were written. Does nothing where
    Python writes bytecode itself."""
    if not sys.dont_write_bytecode:
        return 0
    under = installed_roots() if roots is None else roots
    written = 0
    for module in list(sys.modules.values()) if modules is None else modules:
        spec = getattr(module, "__spec__", None)
        source, cached = getattr(spec, "origin", None), getattr(spec, "cached", None)
        if not (
            isinstance(source, str)
            and isinstance(cached, str)
            and source.endswith(".py")
            and source.startswith(under)
        ) or os.path.exists(cached):
            continue
        try:
            py_compile.compile(source, cfile=cached, doraise=True)
        except (OSError, py_compile.PyCompileError):
            continue  # read-only, or a file the import system would not have compiled either
        written += 1
    return written
