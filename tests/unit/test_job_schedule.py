"""Job schedules: triggers checked offline, job specs resolved against the stack as `job submit`
resolves them, and the schedule created after what its job uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components.compute import ComputeClusterArgs
from components.datastore import DatastoreArgs
from components.environment import EnvironmentArgs
from components.errors import ConfigError
from components.job_schedule import (
    WORKSPACE_ID_PLACEHOLDER,
    JobScheduleArgs,
    ScheduledJob,
    azure_time_zone,
    with_workspace,
)
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.assets import define_environments
from infra.config import parse_stack_config
from infra.scheduled_jobs import schedule_job
from infra.schedules import config_context
from jobs.errors import JobSpecError
from tests.conftest import REACHABLE_NETWORK

ML = "azure-native:machinelearningservices"
CURATED = "azureml://registries/azureml/environments/sklearn-1.5/versions/53"
PIPELINE = {
    "$schema": "https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json",
    "type": "pipeline",
    "display_name": "nightly",
    "inputs": {"data": {"type": "uri_folder", "path": "azureml://datastores/raw/paths/extracts/"}},
    "jobs": {
        "prep": {
            "type": "command",
            "code": "./src",
            "command": "python prep.py --data ${{inputs.data}}",
            "environment": "azureml:sklearn@latest",
            "inputs": {"data": "${{parent.inputs.data}}"},
        },
        "train": {
            "type": "command",
            "code": "./src",
            "command": "python train.py",
            "environment": "azureml:sklearn@latest",
        },
    },
}
WORKSPACE = {
    "name": "main",
    "computes": {
        "clusters": [{"name": "cpu"}],
        "instances": [
            {
                "name": "ci-alice",
                "assignedUser": {"objectId": "0a1b2c3d-0000-4000-8000-0000000000aa"},
            }
        ],
    },
    "datastores": [{"name": "raw", "type": "AzureBlob"}],
    "environments": [{"name": "sklearn", "curated": CURATED}],
}


def trigger(**fields: Any) -> Any:
    args = JobScheduleArgs.parse(
        {"name": "nightly", "job": "job.yml", "trigger": fields}, at="schedule"
    )
    return args.trigger


def problem_of(**fields: Any) -> Any:
    with pytest.raises(ConfigError) as caught:
        trigger(**fields)
    [problem] = caught.value.problems
    return problem


# -- triggers ---------------------------------------------------------------------------------


def test_a_cron_trigger_reaches_azure_as_azure_ml_writes_it() -> None:
    cron = trigger(
        type="cron",
        expression="0  2 * * MON-FRI",
        timeZone="Europe/Amsterdam",
        startTime="2025-01-01T02:00:00",
        endTime="2026-01-01T00:00:00",
    )
    assert cron.azure().__dict__ == {
        "trigger_type": "Cron",
        "expression": "0 2 * * MON-FRI",
        "start_time": "2025-01-01T02:00:00",
        "end_time": "2026-01-01T00:00:00",
        "time_zone": "W. Europe Standard Time",
    }


def test_a_recurrence_trigger_takes_any_case_and_sends_azure_names() -> None:
    recurrence = trigger(
        type="recurrence",
        frequency="week",
        interval=2,
        schedule={"hours": [4, 16], "minutes": [30], "weekDays": ["monday", "Friday"]},
    )
    sent = recurrence.azure()
    assert (sent.frequency, sent.interval, sent.time_zone) == ("Week", 2, "UTC")
    assert sent.schedule.__dict__ == {
        "hours": [4, 16],
        "minutes": [30],
        "week_days": ["Monday", "Friday"],
    }


@pytest.mark.parametrize(
    ("fields", "field", "allowed"),
    [
        ({"type": "cron", "expression": "0 2 * *"}, "expression", "expected 5 cron fields"),
        ({"type": "cron", "expression": "61 2 * * *"}, "expression", "61 is outside 0-59"),
        (
            {"type": "cron", "expression": "0 2 * * *", "timeZone": "Mars/Olympus"},
            "timeZone",
            "expected an IANA time zone",
        ),
        (
            {"type": "cron", "expression": "0 2 * * *", "timeZone": "Saratov Standard Time"},
            "timeZone",
            "not a time zone Azure ML schedules accept",
        ),
        (
            {
                "type": "cron",
                "expression": "0 2 * * *",
                "startTime": "2025-06-01T00:00:00",
                "endTime": "2025-01-01T00:00:00",
            },
            "endTime",
            "expected a time after startTime (2025-06-01T00:00:00)",
        ),
        (
            {"type": "cron", "expression": "0 2 * * *", "startTime": "2025-06-01T00:00:00+02:00"},
            "startTime",
            "without a UTC offset",
        ),
        ({"type": "recurrence", "frequency": "fortnight", "interval": 1}, "frequency", "'Day'"),
        ({"type": "recurrence", "frequency": "day", "interval": 0}, "interval", "greater than"),
        (
            {
                "type": "recurrence",
                "frequency": "day",
                "interval": 1,
                "schedule": {"hours": [24], "minutes": [0]},
            },
            "schedule.hours[0]",
            "less than or equal to 23",
        ),
        ({"type": "hourly", "expression": "0 * * * *"}, "type", "'cron' or 'recurrence'"),
    ],
)
def test_bad_triggers_fail_with_the_key(fields: dict[str, Any], field: str, allowed: str) -> None:
    problem = problem_of(**fields)
    assert problem.field.removeprefix("schedule.trigger.") == field
    assert allowed in problem.allowed


@pytest.mark.parametrize(
    ("zone", "windows"),
    [
        ("UTC", "UTC"),
        ("Europe/Amsterdam", "W. Europe Standard Time"),
        ("America/Los_Angeles", "Pacific Standard Time"),
        ("Pacific Standard Time", "Pacific Standard Time"),
    ],
)
def test_time_zones_reach_azure_by_their_windows_name(zone: str, windows: str) -> None:
    assert azure_time_zone(zone) == windows


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("/etc/job.yml", "inside the project"),
        ("../job.yml", "inside the project"),
        ("job.json", "YAML file"),
    ],
)
def test_the_job_is_a_yaml_file_of_the_project(value: str, allowed: str) -> None:
    with pytest.raises(ConfigError, match=allowed):
        JobScheduleArgs.parse(
            {"name": "n", "job": value, "trigger": {"type": "cron", "expression": "0 2 * * *"}},
            at="schedule",
        )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


@given(document=_JSON, suffix=st.sampled_from(["", "/codes/c/versions/1", "/computes/cpu"]))
def test_the_workspace_placeholder_is_replaced_everywhere_and_nothing_else(
    document: Any, suffix: str
) -> None:
    real = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/x"
    assert with_workspace(document, real) == json.loads(json.dumps(document))
    wrapped = {"id": WORKSPACE_ID_PLACEHOLDER + suffix, "nested": [document]}
    replaced = with_workspace(wrapped, real)
    assert replaced["id"] == real + suffix
    assert WORKSPACE_ID_PLACEHOLDER not in json.dumps(replaced)


# -- job specs against the stack ----------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pipelines" / "src").mkdir(parents=True)
    (tmp_path / "pipelines" / "src" / "train.py").write_text("print('train')\n")
    write(tmp_path / "pipelines" / "nightly.yml", PIPELINE)
    return tmp_path


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def resolve(project: Path, spec: Path, workspace: dict[str, Any] = WORKSPACE) -> ScheduledJob:
    closed = {**workspace, "network": {**REACHABLE_NETWORK, **workspace.get("network", {})}}
    config = parse_stack_config({"location": "westeurope", "workspaces": [closed]})
    [ws] = config.workspaces
    environments = define_environments(config, project)
    context = config_context(config, ws, environments[ws.name], stack="dev")
    return schedule_job(spec, context, root=project, schedule="nightly")


def test_a_pipeline_resolves_to_stack_ids_and_lists_what_to_register(project: Path) -> None:
    job = resolve(project, project / "pipelines" / "nightly.yml")
    body = job.body
    ws = WORKSPACE_ID_PLACEHOLDER
    assert body["jobType"] == "Pipeline"
    assert body["experimentName"] == "nightly"  # the schedule's name: the spec names none
    assert body["settings"]["default_compute"] == f"{ws}/computes/cpu"  # the stack's default
    assert body["inputs"]["data"]["uri"] == "azureml://datastores/raw/paths/extracts/"
    assert body["tags"] == {
        "amlstack.stack": "dev",
        "amlstack.workspace": "main",
        "amlstack.schedule": "nightly",
    }
    [code] = job.codes  # both steps run the same folder: one upload
    assert (code.key, code.asset_name, code.code.source) == (
        "jobs-prep",
        "main-nightly",
        "pipelines/src",
    )
    assert list(code.code.files) == ["train.py"]
    assert [c.key for c in job.components] == ["jobs-prep", "jobs-train"]
    for step, component in zip(("prep", "train"), job.components, strict=True):
        assert component.name == "amlstack_main_nightly"
        assert body["jobs"][step]["componentId"] == (
            f"{ws}/components/amlstack_main_nightly/versions/{component.version}"
        )
        assert component.spec["environment"] == CURATED  # registry ids stay as written
        assert component.spec["code"] == (
            f"azureml:{ws}/codes/main-nightly/versions/{code.code.digest[:16]}"
        )
    assert (job.computes, job.environments, job.datastores) == (("cpu",), (), ("raw",))


def test_the_same_spec_resolves_to_the_same_job(project: Path) -> None:
    spec = project / "pipelines" / "nightly.yml"
    assert resolve(project, spec) == resolve(project, spec)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda p: p["jobs"]["train"].update(compute="azureml:gpu"),
            "jobs.train.compute: 'gpu' is not a compute of stack 'dev' (workspace 'main'); "
            "did you mean 'cpu'? its computes: ci-alice, cpu",
        ),
        (
            lambda p: p["jobs"]["train"].update(environment="azureml:tensorflow@latest"),
            "'tensorflow' is not an environment of stack 'dev' (workspace 'main'); "
            "its environments: sklearn",
        ),
        (
            lambda p: p["jobs"]["train"].update(
                environment={"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"}
            ),
            "a schedule registers no inline environment",
        ),
        (
            lambda p: p["inputs"]["data"].update(path="azureml://datastores/lake/paths/x/"),
            "'lake' is not a datastore of stack 'dev'",
        ),
        (
            lambda p: p["inputs"]["data"].update(path="./data"),
            "a schedule uploads no input data",
        ),
    ],
)
def test_references_the_stack_lacks_fail_like_job_submit(
    project: Path, edit: Any, message: str
) -> None:
    (project / "pipelines" / "data").mkdir()
    document = json.loads(json.dumps(PIPELINE))
    edit(document)
    spec = write(project / "pipelines" / "edited.yml", document)
    with pytest.raises(JobSpecError) as caught:
        resolve(project, spec)
    assert message in str(caught.value)


def test_only_command_and_pipeline_jobs_are_scheduled(project: Path) -> None:
    sweep = {
        "type": "sweep",
        "trial": {
            "command": "python train.py",
            "environment": "azureml:sklearn@latest",
            "code": "./src",
        },
        "compute": "azureml:cpu",
        "sampling_algorithm": "random",
        "search_space": {"lr": {"type": "uniform", "min_value": 0.01, "max_value": 0.1}},
        "objective": {"primary_metric": "accuracy", "goal": "maximize"},
        "limits": {"max_total_trials": 2},
    }
    spec = write(project / "pipelines" / "sweep.yml", sweep)
    with pytest.raises(JobSpecError, match="SweepJob jobs cannot be scheduled here"):
        resolve(project, spec)


def test_code_outside_the_project_is_refused(project: Path, tmp_path_factory: Any) -> None:
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "train.py").write_text("print()\n")
    command = {
        "command": "python train.py",
        "code": str(outside),
        "environment": "azureml:sklearn@latest",
        "compute": "azureml:cpu",
    }
    spec = write(project / "pipelines" / "command.yml", command)
    with pytest.raises(JobSpecError, match="is outside the project"):
        resolve(project, spec)


# -- the schedule resource --------------------------------------------------------------------


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    root = tmp_path_factory.mktemp("schedule")
    (root / "pipelines" / "src").mkdir(parents=True)
    (root / "pipelines" / "src" / "train.py").write_text("print('train')\n")
    spec = write(root / "pipelines" / "nightly.yml", PIPELINE)
    job = resolve(root, spec)
    args = JobScheduleArgs.parse(
        {
            "name": "nightly",
            "job": "pipelines/nightly.yml",
            "enabled": False,
            "trigger": {"type": "cron", "expression": "0 2 * * *"},
        },
        at="schedule",
    )

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        workspace.add_cluster(ComputeClusterArgs(name="cpu"))
        workspace.add_datastore(DatastoreArgs(name="raw", type="AzureBlob"))
        workspace.add_environment(EnvironmentArgs(name="sklearn", curated=CURATED))
        schedule = workspace.add_schedule(args, job=job)
        pulumi.export("schedule", schedule.outputs().document())

    return record(program, stack="dev")


def test_the_schedule_sends_the_job_with_the_real_workspace_id(scheduled: Recording) -> None:
    workspace_id = scheduled.one(f"{ML}:Workspace").outputs["id"]
    schedule = scheduled.one(f"{ML}:Schedule")
    properties = schedule.inputs["properties"]
    assert schedule.inputs["name"] == "nightly"
    assert properties["isEnabled"] is False
    assert properties["trigger"] == {
        "triggerType": "Cron",
        "expression": "0 2 * * *",
        "timeZone": "UTC",
    }
    definition = properties["action"]["jobDefinition"]
    assert properties["action"]["actionType"] == "CreateJob"
    assert definition["settings"]["default_compute"] == f"{workspace_id}/computes/cpu"
    assert WORKSPACE_ID_PLACEHOLDER not in json.dumps([r.inputs for r in scheduled.resources])
    assert scheduled.outputs["schedule"]["enabled"] is False


def test_the_schedule_waits_for_what_its_job_uses_and_registers(scheduled: Recording) -> None:
    schedule = scheduled.one(f"{ML}:Schedule")
    waits = set(schedule.dependencies)
    expected = {
        scheduled.named("main-cpu-compute").urn,
        scheduled.named("main-raw-datastore").urn,
        scheduled.named("main-nightly-jobs-prep-code").urn,
        scheduled.named("main-nightly-jobs-prep").urn,
        scheduled.named("main-nightly-jobs-train").urn,
    }
    assert expected <= waits
    grants = {r.urn for r in scheduled.of_type("azure-native:authorization:RoleAssignment")}
    assert not grants & waits  # a datastore's grants are no prerequisite of the schedule


def test_components_and_code_are_registered_under_the_schedule(scheduled: Recording) -> None:
    component = scheduled.one("amlstack:ml:JobSchedule")
    assert component.parent == scheduled.one("amlstack:ml:Workspace").urn
    versions = scheduled.of_type(f"{ML}:ComponentVersion")
    assert {v.parent for v in versions} == {component.urn}
    assert {v.inputs["name"] for v in versions} == {"amlstack_main_nightly"}
    upload = scheduled.one("pulumi-python:dynamic/amlstack:CodeUpload")
    assert upload.inputs["source"] == "pipelines/src"


def test_a_schedule_whose_job_uses_what_the_workspace_lacks_is_refused(
    project: Path,
) -> None:
    job = resolve(project, project / "pipelines" / "nightly.yml")
    args = JobScheduleArgs.parse(
        {"name": "nightly", "job": "x.yml", "trigger": {"type": "cron", "expression": "0 2 * * *"}},
        at="schedule",
    )

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        workspace.add_schedule(args, job=job)

    with pytest.raises(ConfigError, match=r"main.schedules\[nightly\].job: \['cpu', 'raw'\]"):
        record(program)
