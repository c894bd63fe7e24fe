"""Plans stored on disk by what they are computed from, shared by test processes and runs.

pytest-xdist runs the suite in several processes, and most test modules need the plans of the
sample stacks: without a shared store, every process plans every sample stack again. A plan is
stored under a key that covers everything a plan is computed from (`PlanCache.key`), so any
change to the config or the program gives a new key and a stored plan is never stale. Processes
that ask for the same plan at once wait for the first one (a file lock) instead of planning it
too.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import pickle
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import components
import infra
from infra.plan import Plan, Project, run_plan

PROGRAM = (Path(components.__file__).parent, Path(infra.__file__).parent)
"""The packages the plan runs: the components and the program."""

SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules"})
"""Besides hidden directories (``.git``, ``.venv``, tool caches): nothing a plan reads."""


def tree_digest(root: Path) -> str:
    """The SHA-256 of every file's path (relative to `root`) and content under `root`,
    following symbolic links, skipping hidden directories and `SKIPPED_DIRECTORIES`."""
    digest = hashlib.sha256()
    for directory, subdirectories, files in os.walk(root, followlinks=True):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if not name.startswith(".") and name not in SKIPPED_DIRECTORIES
        )
        for name in sorted(files):
            path = Path(directory, name)
            digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def environment_digest() -> str:
    """The SHA-256 of the Python version and every installed distribution and its version."""
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    return hashlib.sha256("\n".join([sys.version, *installed]).encode()).hexdigest()


@dataclass(frozen=True)
class PlanCache:
    """Plans of stacks, stored in `directory` by `key`."""

    directory: Path
    program: tuple[Path, ...] = PROGRAM

    def key(self, project: Project, stack: str) -> str:
        """What the plan of `stack` is computed from: the stack's name, every file of the
        project (its stack files, those of the stacks it references, the files its config points
        to), the program's source, the Python version and the installed distributions."""
        parts: Iterable[str] = (
            stack,
            tree_digest(project.directory),
            *(tree_digest(package) for package in self.program),
            environment_digest(),
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def plan(self, project: Project, stack: str) -> Plan:
        """The stored plan of `stack` for its key, planned and stored when there is none (and
        the stack's plans under other keys removed: the store keeps one plan per stack)."""
        directory = self.directory / stack
        directory.mkdir(parents=True, exist_ok=True)
        stored = directory / f"{self.key(project, stack)}.pickle"
        with (directory / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if stored.is_file():
                plan: Plan = pickle.loads(stored.read_bytes())
                return plan
            plan = run_plan(project, stack)
            partial = stored.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(pickle.dumps(plan))
            partial.replace(stored)
            for older in directory.glob("*.pickle"):
                if older != stored:
                    older.unlink()
            return plan


class StackPlans(Mapping[str, Plan]):
    """The plans of `stacks` of `project`, each planned (or read from `cache`) on first use."""

    def __init__(self, project: Project, stacks: Iterable[str], cache: PlanCache | None) -> None:
        self._project = project
        self._stacks = tuple(stacks)
        self._cache = cache
        self._plans: dict[str, Plan] = {}

    def __getitem__(self, stack: str) -> Plan:
        if stack not in self._stacks:
            raise KeyError(stack)
        if stack not in self._plans:
            self._plans[stack] = (
                self._cache.plan(self._project, stack)
                if self._cache is not None
                else run_plan(self._project, stack)
            )
        return self._plans[stack]

    def __iter__(self) -> Iterator[str]:
        return iter(self._stacks)

    def __len__(self) -> int:
        return len(self._stacks)
