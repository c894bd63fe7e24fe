"""Follow a job to its end: stream its logs, show progress, stop at a timeout, map to exit codes.

`follow` is plain logic over a `JobSource` (what Azure says about a job), so it is tested with a
scripted source and a fake clock; `AzureJobSource` is the azure-ai-ml one. When a job fails, the
outcome carries the failing step (for pipelines, the first failed child job), its error and the
last lines of its log.

Exit codes, for CI (`components.exit_codes.ExitCode`): 0 completed, 10 failed, 11 canceled, 12
still running at the timeout, 13 not finished yet (``status``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from components.exit_codes import ExitCode

__all__ = [
    "TAIL_LINES",
    "TERMINAL_STATUSES",
    "AzureJobSource",
    "JobSource",
    "Outcome",
    "exit_code",
    "follow",
    "outcome_of",
    "status_text",
]

TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Canceled", "NotResponding"})
_FAILED = frozenset({"Failed", "NotResponding"})
_CANCELED = frozenset({"Canceled", "CancelRequested"})
TAIL_LINES = 30
"""Log lines shown with a failed job (of its failing step's main log)."""


class JobSource(Protocol):
    """What following a job needs to know about it."""

    def status(self, name: str) -> str: ...

    def logs(self, name: str) -> dict[str, str]:
        """Log file name -> its whole text so far (only the files worth showing)."""
        ...

    def error(self, name: str) -> str | None: ...

    def children(self, name: str) -> list[tuple[str, str]]:
        """(name, status) of a pipeline's or sweep's child jobs, in start order."""
        ...

    def cancel(self, name: str) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """How a job ended (or where it was when following stopped)."""

    name: str
    status: str
    timed_out: bool = False
    failed_step: str | None = None
    error: str | None = None
    log_tail: tuple[str, ...] = field(default=())

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.JOB_TIMED_OUT if self.timed_out else exit_code(self.status)

    def summary(self) -> str:
        lines = [f"{self.name}: {self.status}" + (" (timed out)" if self.timed_out else "")]
        if self.failed_step:
            lines.append(f"failed step: {self.failed_step}")
        if self.error:
            lines.append(f"error: {self.error}")
        if self.log_tail:
            lines.append(f"last {len(self.log_tail)} log lines:")
            lines += [f"  {line}" for line in self.log_tail]
        return "\n".join(lines)


def status_text(job: Any) -> str:
    """A job's status as Azure spells it (azure-ai-ml may hand back an enum member)."""
    status = job.status
    return str(getattr(status, "value", status))


def exit_code(status: str) -> ExitCode:
    """The exit code for a job in `status` (see module doc)."""
    if status == "Completed":
        return ExitCode.OK
    if status in _FAILED:
        return ExitCode.JOB_FAILED
    if status in _CANCELED:
        return ExitCode.JOB_CANCELED
    return ExitCode.JOB_NOT_FINISHED


def follow(
    source: JobSource,
    name: str,
    *,
    emit: Callable[[str], None],
    timeout: float | None = None,
    poll_seconds: float = 10.0,
    stream_logs: bool = True,
    cancel_on_timeout: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Poll until the job ends or `timeout` seconds pass, emitting status changes and new log text.

    At the timeout the job keeps running unless `cancel_on_timeout`.
    """
    deadline = None if timeout is None else clock() + timeout
    shown: dict[str, int] = {}
    last_status = None
    while True:
        status = source.status(name)
        if status != last_status:
            emit(f"[{name}] {status}")
            last_status = status
        if stream_logs:
            _emit_new_log_text(source.logs(name), shown, emit)
        if status in TERMINAL_STATUSES:
            return outcome_of(source, name, status)
        if deadline is not None and clock() >= deadline:
            if cancel_on_timeout:
                source.cancel(name)
                emit(f"[{name}] timed out after {timeout:g} s: cancel requested")
            return Outcome(name=name, status=status, timed_out=True)
        wait = poll_seconds if deadline is None else min(poll_seconds, deadline - clock())
        sleep(max(wait, 0.0))


def outcome_of(source: JobSource, name: str, status: str) -> Outcome:
    """The outcome of a job in `status`; for a failure, the failing step, its error and log tail."""
    if status not in _FAILED:
        return Outcome(name=name, status=status)
    failed_children = [child for child, state in source.children(name) if state in _FAILED]
    step = failed_children[0] if failed_children else None
    target = step or name
    error = source.error(target) or (source.error(name) if step else None)
    return Outcome(
        name=name,
        status=status,
        failed_step=step,
        error=error,
        log_tail=_tail(source.logs(target)),
    )


def _emit_new_log_text(
    logs: dict[str, str], shown: dict[str, int], emit: Callable[[str], None]
) -> None:
    for log_name, text in logs.items():
        start = shown.get(log_name)
        if start is None:
            emit(f"--- {log_name} ---")
            start = 0
        if len(text) > start:
            emit(text[start:].rstrip("\n"))
            shown[log_name] = len(text)


def _tail(logs: dict[str, str]) -> tuple[str, ...]:
    """The last lines of the main log (``std_log`` if there is one, else the last file)."""
    if not logs:
        return ()
    names = sorted(logs, key=lambda n: ("std_log" not in n, n))
    lines = logs[names[0]].rstrip("\n").splitlines()
    return tuple(lines[-TAIL_LINES:])


class AzureJobSource:
    """A `JobSource` over azure-ai-ml: ARM for status and cancel, run history for logs."""

    def __init__(self, ml_client: Any) -> None:
        self.ml_client = ml_client

    def status(self, name: str) -> str:
        return status_text(self.ml_client.jobs.get(name))

    def logs(self, name: str) -> dict[str, str]:
        from azure.ai.ml._utils.utils import download_text_from_url
        from azure.ai.ml.operations._job_ops_helper import _get_sorted_filtered_logs

        jobs = self.ml_client.jobs
        details = jobs._runs_operations.get_run_details(name)
        files = details.log_files or {}
        job_type = str(jobs.get(name).type)
        shown = _get_sorted_filtered_logs(files, job_type, {}, only_streamable=False)
        return {
            log_name: download_text_from_url(files[log_name], jobs._requests_pipeline)
            for log_name in shown
        }

    def error(self, name: str) -> str | None:
        details = self.ml_client.jobs._runs_operations.get_run_details(name)
        root = getattr(details.error, "error", None)
        message = getattr(root, "message", None)
        return str(message) if message else None

    def children(self, name: str) -> list[tuple[str, str]]:
        return [
            (str(child.name), status_text(child))
            for child in self.ml_client.jobs.list(parent_job_name=name)
        ]

    def cancel(self, name: str) -> None:
        self.ml_client.jobs.begin_cancel(name).result()
