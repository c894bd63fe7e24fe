"""Following jobs: streamed logs, progress, timeouts, cancel, CI exit codes, failure details."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from components.exit_codes import ExitCode
from jobs.follow import (
    AzureJobSource,
    exit_code,
    follow,
    outcome_of,
)
from jobs.testing import FakeAzure, fake_ml_client
from tests.jobs_support import dev_context, rest_example

CONTEXT = dev_context()


@dataclass
class ScriptedJob:
    """A job whose status and logs advance one step per status check."""

    statuses: list[str]
    logs_by_step: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    child_jobs: list[tuple[str, str]] = field(default_factory=list)
    child_logs: dict[str, dict[str, str]] = field(default_factory=dict)
    step: int = -1
    canceled: bool = False

    def status(self, name: str) -> str:
        self.step = min(self.step + 1, len(self.statuses) - 1)
        return "Canceled" if self.canceled else self.statuses[self.step]

    def logs(self, name: str) -> dict[str, str]:
        if name in self.child_logs:
            return self.child_logs[name]
        return (
            self.logs_by_step[min(self.step, len(self.logs_by_step) - 1)]
            if self.logs_by_step
            else {}
        )

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def children(self, name: str) -> list[tuple[str, str]]:
        return self.child_jobs

    def cancel(self, name: str) -> None:
        self.canceled = True


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def run(job: ScriptedJob, **kwargs: Any) -> tuple[Any, list[str], FakeClock]:
    clock = FakeClock()
    lines: list[str] = []
    outcome = follow(job, "train-1", emit=lines.append, clock=clock, sleep=clock.sleep, **kwargs)
    return outcome, lines, clock


def test_logs_stream_incrementally_until_the_job_completes() -> None:
    job = ScriptedJob(
        statuses=["Queued", "Running", "Running", "Completed"],
        logs_by_step=[
            {},
            {"user_logs/std_log.txt": "epoch 1\n"},
            {"user_logs/std_log.txt": "epoch 1\nepoch 2\n"},
            {"user_logs/std_log.txt": "epoch 1\nepoch 2\ndone\n"},
        ],
    )
    outcome, lines, clock = run(job, poll_seconds=5)
    assert lines == [
        "[train-1] Queued",
        "[train-1] Running",
        "--- user_logs/std_log.txt ---",
        "epoch 1",
        "epoch 2",
        "[train-1] Completed",
        "done",
    ]
    assert outcome.exit_code == ExitCode.OK
    assert clock.slept == [5, 5, 5]


def test_a_timeout_stops_following_and_can_cancel() -> None:
    outcome, lines, clock = run(ScriptedJob(statuses=["Running"]), timeout=25, poll_seconds=10)
    assert outcome.timed_out
    assert outcome.exit_code == ExitCode.JOB_TIMED_OUT
    assert clock.slept == [10, 10, 5]
    job = ScriptedJob(statuses=["Running"])
    outcome, lines, _ = run(job, timeout=5, poll_seconds=10, cancel_on_timeout=True)
    assert job.canceled
    assert lines[-1] == "[train-1] timed out after 5 s: cancel requested"
    assert outcome.exit_code == ExitCode.JOB_TIMED_OUT


def test_a_failed_pipeline_names_its_failing_step_with_error_and_log_tail() -> None:
    log = "".join(f"line {i}\n" for i in range(50)) + "ValueError: bad column\n"
    job = ScriptedJob(
        statuses=["Running", "Failed"],
        errors={"train-1": "pipeline failed", "train-1-score": "Execution failed: bad column"},
        child_jobs=[("train-1-prep", "Completed"), ("train-1-score", "Failed")],
        child_logs={"train-1-score": {"user_logs/std_log.txt": log, "system.txt": "boot\n"}},
    )
    outcome, _, _ = run(job, stream_logs=False)
    assert outcome.exit_code == ExitCode.JOB_FAILED
    assert outcome.failed_step == "train-1-score"
    assert outcome.error == "Execution failed: bad column"
    assert len(outcome.log_tail) == 30
    assert outcome.log_tail[-1] == "ValueError: bad column"
    summary = outcome.summary()
    assert "failed step: train-1-score" in summary
    assert "last 30 log lines:" in summary


def test_a_failed_command_job_reports_its_own_error() -> None:
    job = ScriptedJob(statuses=["Failed"], errors={"train-1": "OOM"})
    outcome = outcome_of(job, "train-1", "Failed")
    assert (outcome.failed_step, outcome.error) == (None, "OOM")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("Completed", ExitCode.OK),
        ("Failed", ExitCode.JOB_FAILED),
        ("NotResponding", ExitCode.JOB_FAILED),
        ("Canceled", ExitCode.JOB_CANCELED),
        ("CancelRequested", ExitCode.JOB_CANCELED),
        ("Running", ExitCode.JOB_NOT_FINISHED),
        ("Queued", ExitCode.JOB_NOT_FINISHED),
    ],
)
def test_exit_codes(status: str, code: int) -> None:
    assert exit_code(status) == code


def command_job_example(shared: Path, name: str, status: str) -> dict[str, Any]:
    """The REST example's CommandJob response, its placeholder ids made real."""
    body = rest_example(shared, "Job/CommandJob/createOrUpdate.json")
    ws = CONTEXT.workspace_id
    body.update(id=f"{ws}/jobs/{name}", name=name, type="Microsoft.MachineLearningServices/jobs")
    body["properties"].update(
        status=status,
        computeId=f"{ws}/computes/cpu",
        environmentId=f"{ws}/environments/train/versions/3",
        codeId=f"{ws}/codes/abc/versions/1",
    )
    for output in body["properties"]["outputs"].values():
        output["uri"] = "azureml://datastores/workspaceblobstore/paths/out/"
    return body


def test_azure_status_and_cancel_parse_the_rest_examples(shared: Path) -> None:
    azure = FakeAzure()
    azure.respond("GET", r"/jobs/train-1\?", command_job_example(shared, "train-1", "Running"))
    azure.respond("POST", r"/jobs/train-1/cancel\?", status=202)
    source = AzureJobSource(fake_ml_client(CONTEXT, azure))
    assert source.status("train-1") == "Running"
    source.cancel("train-1")
    assert azure.requests_to("POST", r"/jobs/train-1/cancel")
