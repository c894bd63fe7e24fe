"""Schedules' resolved jobs kept in amlstack's cache: a plan loads azure-ai-ml (seconds) only
when a job spec, or something resolving it read, changed.

Resolving a schedule's job spec (`infra.scheduled_jobs.schedule_job`) loads it with azure-ai-ml
and checks every reference against the stack. Inside `cached_jobs` (the offline plan,
`infra.plan.runner`), `scheduled_job` keeps each resolved job as an entry (`infra.cache_entries`)
keyed by everything the resolution is computed from besides files (the stack context it is
resolved against, the schedule's name, job, experiment and overrides, amlstack's sources and the
Python environment), with the fingerprint of every project file it read (the spec, the
components and code folders it names, `infra.file_reads`). A later plan reuses the job while
all of that is unchanged; anything else resolves again, so a bad reference still fails before
anything is registered. Only resolved jobs are kept, never a failure. Outside `cached_jobs`
(``pulumi up``) every job is resolved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from components.job_schedule import ScheduledJob
from infra.cache_entries import EntryStore, entry_key, sources_digest
from infra.file_reads import watching

__all__ = ["cached_jobs", "decode", "encode", "scheduled_job"]


@dataclass
class _Block:
    """The cache of one `cached_jobs` block, and the digest of amlstack's sources, worked out
    for the block's first job (`infra.cache_entries.sources_digest`)."""

    store: EntryStore
    sources: str | None = None


_stores: list[_Block] = []


@contextmanager
def cached_jobs(directory: Path) -> Iterator[None]:
    """Keep and reuse resolved jobs in `directory` inside the block."""
    _stores.append(_Block(EntryStore(directory)))
    try:
        yield
    finally:
        _stores.pop()


def scheduled_job(
    resolve: Callable[[], ScheduledJob],
    *,
    root: Path,
    name: str,
    inputs: Sequence[str],
) -> ScheduledJob:
    """`resolve()`, or the job it gave before for the same `inputs` (strings: everything the
    job is resolved from besides the project files under `root` that it reads) while those
    files are unchanged. `name` identifies the schedule (one entry each). The job is always
    returned as the cache gives it back (`decode` of `encode`), stored or not, so a plan is the
    same either way."""
    if not _stores:
        return _as_stored(encode(resolve()))
    block = _stores[-1]
    if block.sources is None:
        block.sources = sources_digest()
    store, key = block.store, entry_key("schedule job", str(root), *inputs, sources=block.sources)
    with store.locked(name):
        stored = store.read(name, key)
        job = decode(stored) if stored is not None else None
        if job is not None:
            return job
        with watching(root) as reads:
            payload = encode(resolve())
        store.write(name, key, reads, payload)
    return _as_stored(payload)


def _as_stored(payload: bytes) -> ScheduledJob:
    job = decode(payload)
    assert job is not None, "decode reads what encode writes"
    return job


def encode(job: ScheduledJob) -> bytes:
    """`job` as JSON."""
    return json.dumps(asdict(job), sort_keys=True).encode()


def decode(payload: bytes) -> ScheduledJob | None:
    """The job `encode` wrote, or None for anything else."""
    try:
        job: ScheduledJob = _rebuilt(ScheduledJob, json.loads(payload))
    except (ValueError, KeyError, TypeError):
        return None
    return job


def _rebuilt(kind: Any, value: Any) -> Any:
    """`value`, as `encode` writes a value of type `kind` (a `ScheduledJob`, a dataclass or
    field type inside it), back as that type; TypeError or KeyError for anything else. Every
    field of a dataclass is read back, so one added to them is kept too."""
    if isinstance(kind, type) and is_dataclass(kind):
        items = _checked(value, dict)
        return kind(**{name: _rebuilt(hint, items[name]) for name, hint in _fields(kind)})
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple:  # tuple[X, ...]
        return tuple(_rebuilt(args[0], item) for item in _checked(value, list))
    if origin in (dict, Mapping):
        return {key: _rebuilt(args[1], item) for key, item in _checked(value, dict).items()}
    return value if kind is Any else _checked(value, kind)


@cache
def _fields(kind: type) -> tuple[tuple[str, Any], ...]:
    """The fields of dataclass `kind` with their types (resolving them takes ~100 us)."""
    hints = get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in fields(kind))


def _checked(value: Any, kind: Any) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind}, got {type(value).__name__}")
    return value
