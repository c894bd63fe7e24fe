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
from dataclasses import asdict
from pathlib import Path
from typing import Any

from components.code_asset import LocalCode
from components.job_schedule import ScheduledCode, ScheduledComponent, ScheduledJob
from infra.cache_entries import EntryStore, entry_key
from infra.file_reads import watching

__all__ = ["cached_jobs", "decode", "encode", "scheduled_job"]

_stores: list[EntryStore] = []


@contextmanager
def cached_jobs(directory: Path) -> Iterator[None]:
    """Keep and reuse resolved jobs in `directory` inside the block."""
    _stores.append(EntryStore(directory))
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
    store, key = _stores[-1], entry_key("schedule job", str(root), *inputs)
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
        data = json.loads(payload)
        return ScheduledJob(
            body=_mapping(data["body"]),
            codes=tuple(
                ScheduledCode(
                    key=str(c["key"]),
                    code=LocalCode(
                        source=str(c["code"]["source"]),
                        files={str(k): str(v) for k, v in _mapping(c["code"]["files"]).items()},
                    ),
                    asset_name=str(c["asset_name"]),
                )
                for c in data["codes"]
            ),
            components=tuple(
                ScheduledComponent(
                    key=str(c["key"]),
                    name=str(c["name"]),
                    version=str(c["version"]),
                    spec=_mapping(c["spec"]),
                )
                for c in data["components"]
            ),
            computes=tuple(str(n) for n in data["computes"]),
            environments=tuple(str(n) for n in data["environments"]),
            datastores=tuple(str(n) for n in data["datastores"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected a mapping")
    return value
