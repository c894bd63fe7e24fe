"""Plans kept in amlstack's cache, reused while nothing they were computed from changed.

``amlstack plan STACK`` stores the outputs of what it planned; ``amlstack job submit --dry-run``
without ``--outputs`` reads a stack's outputs from there instead of planning again
(`infra.entrypoint.plan_outputs`), and the test suite keeps whole plans the same way. An entry
(`infra.cache_entries`) belongs to one stack of one project directory; its key covers the stack,
the project directory, amlstack's sources and the Python environment, and its fingerprint every
project file the plan read (`infra.file_reads`): the stack file, those of the stacks it
references, and every file the config points to (conda files, build contexts, scoring code,
the job specs of schedules and what those read in turn), not the rest of the tree. Any change to
one of them plans again; a corrupt entry is a miss, never trusted.

This module is outside `infra.plan`, whose package imports the whole program: reading a stack's
outputs from the cache loads neither Pulumi nor the components.
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.cache_entries import PROGRAM, EntryStore, cache_directory, entry_key, sources_digest
from infra.file_reads import watching

if TYPE_CHECKING:
    from infra.plan.model import Plan

__all__ = ["PlanCache", "project_directory"]


def project_directory(start: Path) -> Path | None:
    """The directory of the project `start` is in (the nearest with a Pulumi.yaml, as
    `infra.plan.find_project` finds it), or None."""
    start = start.resolve()
    return next((d for d in (start, *start.parents) if (d / "Pulumi.yaml").is_file()), None)


@dataclass(frozen=True)
class PlanCache:
    """Plans of stacks in `directory` (by default ``plans`` in amlstack's cache), keyed by the
    sources of `program`."""

    directory: Path = field(default_factory=lambda: cache_directory() / "plans")
    program: tuple[Path, ...] = PROGRAM

    def outputs(self, project_dir: Path, stack: str) -> dict[str, Any] | None:
        """The stored outputs of `stack`, or None when no valid entry has them."""
        payload = self._payload(project_dir, stack)
        if payload is None:
            return None
        head, _, _ = payload.partition(b"\n")
        try:
            outputs = json.loads(head)
        except ValueError:
            return None
        return outputs if isinstance(outputs, dict) else None

    def plan(self, project_dir: Path, stack: str) -> Plan | None:
        """The stored `Plan` of `stack`, or None when no valid entry kept it."""
        return _kept_plan(self._payload(project_dir, stack), stack)

    def plan_or_run(
        self, project_dir: Path, stack: str, run: Callable[[], Plan], *, keep_plan: bool = False
    ) -> Plan:
        """`run()` (which plans `stack` of the project in `project_dir`), watched and stored:
        the plan's outputs, and with `keep_plan` the plan itself, which is then returned
        instead of planning again while its entry is valid. Processes asking at once wait for
        the first instead of planning too."""
        store, name = self._store(), self.entry_name(project_dir, stack)
        with store.locked(name):
            key = self.key(project_dir, stack)  # one digest of the sources, to read and write
            if keep_plan and (kept := _kept_plan(store.read(name, key), stack)) is not None:
                return kept
            with watching(project_dir) as reads:
                plan = run()
            payload = json.dumps(plan.outputs, sort_keys=True).encode() + b"\n"
            if keep_plan:
                payload += pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
            store.write(name, key, reads, payload)
            return plan

    def entry_name(self, project_dir: Path, stack: str) -> str:
        """The entry of `stack` of the project in `project_dir` (one per stack and project)."""
        return f"{os.path.abspath(project_dir)}\0{stack}"

    def key(self, project_dir: Path, stack: str) -> str:
        """What the entry must hold: the project directory, the stack, amlstack's sources and
        the Python environment (`infra.cache_entries.entry_key`)."""
        sources = sources_digest(self.program)
        return entry_key("plan", os.path.abspath(project_dir), stack, sources=sources)

    def _payload(self, project_dir: Path, stack: str) -> bytes | None:
        name = self.entry_name(project_dir, stack)
        return self._store().read(name, self.key(project_dir, stack))

    def _store(self) -> EntryStore:
        return EntryStore(self.directory)


def _kept_plan(payload: bytes | None, stack: str) -> Plan | None:
    """The `Plan` of `stack` an entry's `payload` kept, or None."""
    _, _, kept = (payload or b"").partition(b"\n")
    if not kept:
        return None
    from infra.plan.model import Plan  # noqa: PLC0415 (the program: only for a kept plan)

    try:
        plan = pickle.loads(kept)
    except Exception:  # a corrupt entry is a miss, whatever unpickling it raises
        return None
    return plan if isinstance(plan, Plan) and plan.stack == stack else None
