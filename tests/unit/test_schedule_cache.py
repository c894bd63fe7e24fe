"""Schedules' resolved jobs in amlstack's cache: reused only while the job's spec, what resolving
it read and everything else it is resolved from are unchanged; a bad reference still fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import infra.schedules
from components.code_asset import LocalCode
from components.errors import ConfigError
from components.job_schedule import ScheduledCode, ScheduledComponent, ScheduledJob
from infra.plan import find_project, run_plan
from infra.schedule_cache import cached_jobs, decode, encode, scheduled_job
from tests.conftest import link_sample_folders

JOB = ScheduledJob(
    body={"jobType": "Pipeline", "jobs": {"train": {"code": "azureml:code:1"}}, "n": [1, 2.5]},
    codes=(ScheduledCode("jobs-train", LocalCode("src", {"b.py": "22", "a.py": "11"}), "main-x"),),
    components=(ScheduledComponent("jobs-train", "amlstack_main_x", "9f", {"type": "command"}),),
    computes=("cpu-cluster",),
    environments=("train-cpu",),
    datastores=("curated",),
)


def test_a_job_comes_back_from_its_encoding_as_it_was() -> None:
    assert decode(encode(JOB)) == JOB


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json",
        b"[]",
        b'{"body": {}}',
        encode(JOB).replace(b'"codes": [', b'"codes": [1, '),
    ],
)
def test_anything_but_an_encoded_job_is_no_job(payload: bytes) -> None:
    assert decode(payload) is None


def counting(calls: list[int], job: ScheduledJob = JOB) -> Callable[[], ScheduledJob]:
    def resolve() -> ScheduledJob:
        calls.append(1)
        return job

    return resolve


def test_outside_a_plan_every_job_is_resolved(tmp_path: Path) -> None:
    calls: list[int] = []
    for _ in range(2):
        assert scheduled_job(counting(calls), root=tmp_path, name="s", inputs=("a",)) == JOB
    assert len(calls) == 2


def test_a_kept_job_is_reused_until_what_it_read_or_was_resolved_from_changes(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    spec = root / "job.yml"
    spec.write_text("type: command\n")
    calls: list[int] = []

    def resolve() -> ScheduledJob:
        spec.read_text()  # what a resolution reads is what the kept job depends on
        calls.append(1)
        return JOB

    with cached_jobs(tmp_path / "cache"):
        job = scheduled_job(resolve, root=root, name="s", inputs=("a",))
        assert scheduled_job(resolve, root=root, name="s", inputs=("a",)) == job == JOB
        assert len(calls) == 1
        scheduled_job(resolve, root=root, name="s", inputs=("b",))  # other inputs
        assert len(calls) == 2
        spec.write_text("type: pipeline\n")
        scheduled_job(resolve, root=root, name="s", inputs=("b",))
        assert len(calls) == 3
        scheduled_job(resolve, root=root, name="s", inputs=("b",))
        assert len(calls) == 3


def test_a_failed_resolution_is_not_kept(tmp_path: Path) -> None:
    calls: list[int] = []

    def refuse() -> ScheduledJob:
        calls.append(1)
        raise ConfigError.single("job", "job.yml", "no such compute")

    with cached_jobs(tmp_path / "cache"):
        for _ in range(2):
            with pytest.raises(ConfigError):
                scheduled_job(refuse, root=tmp_path, name="s", inputs=("a",))
    assert len(calls) == 2


def a_stack_with_a_schedule(project: Path) -> None:
    link_sample_folders(project, copy=("pipelines",))
    workspace = {
        "name": "main",
        "network": {"publicNetworkAccess": "Enabled"},
        "computes": {"clusters": [{"name": "cpu-cluster"}]},
        "environments": [
            {
                "name": "train-cpu",
                "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
                "condaFile": "environments/train-cpu/conda.yml",
            }
        ],
        "datastores": [{"name": "curated", "type": "AzureBlob"}],
        "schedules": [
            {
                "name": "nightly",
                "job": "pipelines/nightly-retrain/pipeline.yml",
                "trigger": {"type": "cron", "expression": "0 2 * * *"},
            }
        ],
    }
    config = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "dev",
        "amlstack:workspaces": [workspace],
    }
    (project / "Pulumi.s.yaml").write_text(yaml.safe_dump({"config": config}))


def test_a_plan_reuses_the_resolved_job_and_a_bad_reference_still_fails(
    scratch_project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    a_stack_with_a_schedule(scratch_project)
    project = find_project(scratch_project)
    first = run_plan(project, "s")

    def unused(*_: object) -> ScheduledJob:
        raise AssertionError("resolved again")

    with monkeypatch.context() as patch:
        patch.setattr(infra.schedules, "_resolve", unused)
        again = run_plan(project, "s")
    assert again.to_json() == first.to_json()
    spec = scratch_project / "pipelines/nightly-retrain/pipeline.yml"
    spec.write_text(spec.read_text().replace("azureml:cpu-cluster", "azureml:gpu-cluster"))
    with pytest.raises(ConfigError, match="'gpu-cluster' is not a compute of stack 's'"):
        run_plan(project, "s")
