"""Dry runs and submission: resolved ids, deterministic names, snapshots, SDK fidelity."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from azure.ai.ml._artifacts import _artifact_utilities

from jobs import resolve as resolve_module
from jobs import snapshot as snapshot_module
from jobs.errors import JobError, JobSpecError, MissingPathError
from jobs.refs import Overrides
from jobs.resolve import StackResolver
from jobs.snapshot import take_snapshot
from jobs.specs import load_spec
from jobs.submit import (
    API_VERSIONS,
    LiveResolver,
    SubmitOptions,
    computes_of,
    dry_run,
    prepare,
    submit,
)
from jobs.testing import FakeAzure, fake_ml_client
from tests.jobs_support import copy_examples, dev_context, dry_run_with_stand_ins

CONTEXT = dev_context()
WS = CONTEXT.workspace_id
JOBS_URL = f"https://management.azure.com{WS}/jobs/"
REGISTRY_ENV = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"
MAP = SubmitOptions(overrides=Overrides(computes={"cpu-cluster": "cpu", "gpu-cluster": "gpu"}))


@pytest.fixture(scope="module")
def examples(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(shared, tmp_path_factory.mktemp("submit")) / "cli" / "jobs"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def command_spec(folder: Path, extra: str = "") -> Path:
    write(folder / "src" / "train.py", "print('training')\n")
    return write(
        folder / "job.yml",
        f"command: python train.py\ncode: src\nenvironment: azureml:train@latest\n"
        f"compute: azureml:gpu\nexperiment_name: churn\n{extra}",
    )


def properties(request_body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = request_body["properties"]
    return result


def test_a_command_job_becomes_a_put_with_full_arm_ids(tmp_path: Path) -> None:
    spec = command_spec(tmp_path)
    request = dry_run(load_spec(spec), CONTEXT, SubmitOptions())
    digest = take_snapshot(tmp_path / "src", where="code").digest
    body = properties(request.body)
    assert request.method == "PUT"
    assert request.url.startswith(f"{JOBS_URL}churn-")
    assert request.url.endswith("?api-version=2025-01-01-preview")
    assert body["computeId"] == f"{WS}/computes/gpu"
    assert body["environmentId"] == f"{WS}/environments/train/versions/3"
    assert body["codeId"] == f"{WS}/codes/{digest}/versions/1"
    assert body["experimentName"] == "churn"
    assert body["tags"]["amlstack.stack"] == "dev"
    assert body["tags"]["amlstack.workspace"] == "main"


def test_job_names_are_deterministic_and_follow_the_code(tmp_path: Path) -> None:
    spec = command_spec(tmp_path)

    def url() -> str:
        return dry_run(load_spec(spec), CONTEXT, SubmitOptions()).url

    first = url()
    assert url() == first
    (tmp_path / "src" / "train.py").write_text("print('training v2')\n")
    assert url() != first
    named = dry_run(load_spec(spec), CONTEXT, SubmitOptions(name="churn-7", display_name="run 7"))
    assert named.url.startswith(f"{JOBS_URL}churn-7?")
    assert properties(named.body)["displayName"] == "run 7"


def test_ignored_files_are_not_in_the_snapshot(tmp_path: Path) -> None:
    spec = command_spec(tmp_path)
    before = properties(dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body)["codeId"]
    write(tmp_path / "src" / ".amlignore", "data/\n")
    write(tmp_path / "src" / "data" / "big.csv", "x\n" * 1000)
    after = take_snapshot(tmp_path / "src", where="code")
    assert after.files == 2  # train.py and .amlignore; data/ is left out
    assert after.ignore_file == tmp_path / "src" / ".amlignore"
    assert before != properties(dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body)["codeId"]
    (tmp_path / "src" / ".amlignore").unlink()
    write(tmp_path / "src" / ".gitignore", "data/\n")
    assert take_snapshot(tmp_path / "src", where="code").files == 2


def test_large_snapshots_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spec = command_spec(tmp_path)
    monkeypatch.setattr(snapshot_module, "LARGE_SNAPSHOT_BYTES", 10)
    with caplog.at_level(logging.WARNING, logger="amlstack.jobs"):
        dry_run(load_spec(spec), CONTEXT, SubmitOptions())
    assert "the code snapshot of" in caplog.text
    assert "add a .amlignore" in caplog.text


@pytest.mark.parametrize(
    ("spec", "distribution"),
    [
        (
            "single-step/pytorch/cifar-distributed/job.yml",
            {"distributionType": "PyTorch", "processCountPerInstance": 1},
        ),
        (
            "single-step/tensorflow/mnist-distributed/job.yml",
            {"distributionType": "TensorFlow", "workerCount": 2, "parameterServerCount": 0},
        ),
    ],
)
def test_distributed_jobs(examples: Path, spec: str, distribution: dict[str, Any]) -> None:
    request, _ = dry_run_with_stand_ins(examples / spec, CONTEXT, MAP)
    body = properties(request.body)
    assert body["distribution"] == distribution
    assert body["resources"]["instanceCount"] == 2
    assert body["computeId"] == f"{WS}/computes/gpu"


def test_mpi_through_set(tmp_path: Path) -> None:
    spec = command_spec(tmp_path)
    loaded = load_spec(
        spec,
        overrides=["distribution.type=mpi", "distribution.process_count_per_instance=4"],
    )
    body = properties(dry_run(loaded, CONTEXT, SubmitOptions()).body)
    assert body["distribution"] == {"distributionType": "Mpi", "processCountPerInstance": 4}


def test_an_unknown_compute_fails_before_anything_is_sent(tmp_path: Path) -> None:
    spec = command_spec(tmp_path).read_text().replace("azureml:gpu", "azureml:gpu-cluster")
    write(tmp_path / "job.yml", spec)
    with pytest.raises(JobSpecError) as caught:
        dry_run(load_spec(tmp_path / "job.yml"), CONTEXT, SubmitOptions())
    assert str(caught.value).startswith(
        "job.yml: compute: 'gpu-cluster' is not a compute of stack 'dev' (workspace 'main'); "
        "its computes: cpu, dev-box, gpu, or 'serverless'"
    )
    assert "list it under amlstack:workspaces (the one named 'main') computes.clusters" in str(
        caught.value
    )


def test_inline_environments_are_anonymous_by_content(tmp_path: Path) -> None:
    spec = write(tmp_path / "job.yml", "command: echo hi\nenvironment:\n  image: python:3.12\n")
    body = properties(dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body)
    prefix = f"{WS}/environments/CliV2AnonymousEnvironment/versions/"
    assert body["environmentId"].startswith(prefix)
    assert body["computeId"] == f"{WS}/computes/cpu"  # no compute named: the stack's default


def test_a_pipeline_without_computes_gets_the_stack_default(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "pipeline.yml",
        "type: pipeline\njobs:\n"
        f"  prep:\n    command: echo prep\n    environment: {REGISTRY_ENV}\n"
        f"  train:\n    command: echo train\n    environment: {REGISTRY_ENV}\n"
        "    compute: azureml:gpu\n",
    )
    body = properties(dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body)
    assert body["settings"]["default_compute"] == f"{WS}/computes/cpu"
    assert "computeId" not in body["jobs"]["prep"]
    assert body["jobs"]["train"]["computeId"] == f"{WS}/computes/gpu"
    assert request_url_version(body) == API_VERSIONS["Pipeline"]


def request_url_version(body: dict[str, Any]) -> str:
    return API_VERSIONS[body["jobType"]]


def test_dsl_pipelines_from_python(tmp_path: Path) -> None:
    write(tmp_path / "src" / "prep.py", "print('prep')\n")
    builder = write(
        tmp_path / "pipeline.py",
        "from pathlib import Path\nfrom azure.ai.ml import command, dsl\n"
        "src = Path(__file__).parent / 'src'\n"
        f"prep = command(command='python prep.py', code=src, environment='{REGISTRY_ENV}')\n"
        "@dsl.pipeline(description='prep twice')\n"
        "def build():\n    prep()\n    prep()\n",
    )
    request = dry_run(load_spec(f"{builder}:build"), CONTEXT, SubmitOptions())
    body = properties(request.body)
    assert request.url.startswith(f"{JOBS_URL}pipeline-")
    assert body["settings"]["default_compute"] == f"{WS}/computes/cpu"
    component_ids = {step["componentId"] for step in body["jobs"].values()}
    assert len(body["jobs"]) == 2
    assert len(component_ids) == 1
    assert next(iter(component_ids)).startswith(f"{WS}/components/azureml_anonymous/versions/")


def test_a_missing_local_input_is_named(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "job.yml",
        f"command: ls\nenvironment: {REGISTRY_ENV}\n"
        "inputs:\n  data:\n    type: uri_folder\n    path: ./data\n",
    )
    with pytest.raises(MissingPathError, match=r"inputs\.data\.path: folder .*data.* does not"):
        load_spec(spec)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text("a,b\n")
    body = properties(dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body)
    uri = body["inputs"]["data"]["uri"]
    assert uri.startswith("azureml://datastores/workspaceblobstore/paths/LocalUpload/")
    assert uri.endswith("/data/")


FIDELITY = [
    "single-step/scikit-learn/iris/job.yml",
    "basics/hello-world.yml",
    "basics/hello-model-as-input.yml",
    "single-step/lightgbm/iris/job-sweep.yml",
    "pipelines-with-components/basics/1a_e2e_local_components/pipeline.yml",
    "pipelines-with-components/pipeline_with_hyperparameter_sweep/pipeline.yml",
]


@pytest.mark.parametrize("spec", FIDELITY)
def test_the_dry_run_is_what_azure_ai_ml_sends(examples: Path, spec: str) -> None:
    dry_run_with_stand_ins(examples / spec, CONTEXT, MAP)  # stand-ins for missing code folders
    prepared = prepare(
        load_spec(examples / spec), CONTEXT, MAP, StackResolver(CONTEXT, MAP.overrides)
    )
    azure = FakeAzure()
    azure.respond("PUT", r"/jobs/", {"name": prepared.name, **prepared.request.body})
    fake_ml_client(CONTEXT, azure).jobs.create_or_update(prepared.job, skip_validation=True)
    [sent] = azure.requests_to("PUT", r"/jobs/")
    git = ("mlflow.source.", "azureml.git.")
    sent.body["properties"]["properties"] = {
        k: v for k, v in sent.body["properties"]["properties"].items() if not k.startswith(git)
    }
    assert sent.url == prepared.request.url
    assert json.dumps(sent.body, sort_keys=True) == json.dumps(
        prepared.request.body, sort_keys=True
    )


def job_response(name: str, status: str) -> dict[str, Any]:
    return {
        "id": f"{WS}/jobs/{name}",
        "name": name,
        "properties": {
            "jobType": "Command",
            "command": "echo hi",
            "environmentId": REGISTRY_ENV,
            "computeId": f"{WS}/computes/cpu",
            "status": status,
            "services": {"Studio": {"endpoint": f"https://ml.azure.com/runs/{name}"}},
        },
    }


def test_submitting_twice_starts_one_job(tmp_path: Path) -> None:
    spec = write(tmp_path / "job.yml", f"command: echo hi\nenvironment: {REGISTRY_ENV}\n")
    name = dry_run(load_spec(spec), CONTEXT, SubmitOptions()).url.split("/jobs/")[1].split("?")[0]
    azure = FakeAzure()
    azure.respond("GET", rf"/jobs/{name}\?", status=404)
    azure.respond("PUT", rf"/jobs/{name}\?", job_response(name, "Starting"))
    client = fake_ml_client(CONTEXT, azure)
    first = submit(load_spec(spec), CONTEXT, SubmitOptions(), client)
    assert (first.name, first.created, first.status) == (name, True, "Starting")
    azure.respond("GET", rf"/jobs/{name}\?", job_response(name, "Running"))
    second = submit(load_spec(spec), CONTEXT, SubmitOptions(), client)
    assert (second.name, second.created, second.status) == (name, False, "Running")
    assert len(azure.requests_to("PUT", "/jobs/")) == 1


def test_the_computes_a_job_runs_on_are_checked_before_it_is_sent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = write(tmp_path / "job.yml", f"command: echo hi\nenvironment: {REGISTRY_ENV}\n")
    body = dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body
    assert computes_of(body) == [f"{WS}/computes/cpu"]
    azure = FakeAzure()
    azure.respond("GET", r"/jobs/", status=404)
    client = fake_ml_client(CONTEXT, azure)
    with pytest.raises(JobError, match=r"compute 'cpu' is Failed; fix or recreate it"):
        submit(load_spec(spec), CONTEXT, SubmitOptions(), client, compute_state=lambda _: "Failed")
    assert not azure.requests_to("PUT", "/jobs/")
    azure.respond("PUT", r"/jobs/", job_response("any", "Queued"))
    with caplog.at_level(logging.WARNING, logger="amlstack.jobs"):
        submit(
            load_spec(spec), CONTEXT, SubmitOptions(), client, compute_state=lambda _: "Creating"
        )
    assert "compute 'cpu' is Creating: the job waits until it is ready" in caplog.text
    assert azure.requests_to("PUT", "/jobs/")


def test_a_name_in_the_spec_is_kept(tmp_path: Path) -> None:
    spec = command_spec(tmp_path, "name: churn-baseline\n")
    request = dry_run(load_spec(spec), CONTEXT, SubmitOptions())
    assert request.url.startswith(f"{JOBS_URL}churn-baseline?")
    assert properties(request.body)["displayName"] == "churn-baseline"


def pipeline_with_a_file_component(folder: Path) -> Path:
    write(folder / "src" / "train.py", "print('training')\n")
    write(
        folder / "train.yml",
        "type: command\nname: train\ncode: ./src\ncommand: python train.py\n"
        f"environment: {REGISTRY_ENV}\n",
    )
    return write(
        folder / "pipeline.yml",
        "type: pipeline\nexperiment_name: churn\njobs:\n"
        "  a: {type: command, component: file:./train.yml}\n"
        "  b: {type: command, component: file:./train.yml, compute: azureml:gpu}\n",
    )


def test_the_dry_run_shows_the_anonymous_components_it_registers(tmp_path: Path) -> None:
    request = dry_run(load_spec(pipeline_with_a_file_component(tmp_path)), CONTEXT, SubmitOptions())
    [component] = request.document()["components"]  # both steps use one component
    step_ids = {step["componentId"] for step in properties(request.body)["jobs"].values()}
    assert step_ids == {component["url"].split("https://management.azure.com")[1].split("?")[0]}
    assert component["method"] == "PUT"
    assert component["url"].endswith("?api-version=2024-01-01-preview")
    spec = component["body"]["properties"]["componentSpec"]
    assert spec["command"] == "python train.py"
    assert spec["code"].startswith(f"azureml:{WS}/codes/")  # as azure-ai-ml writes it
    assert component["body"]["properties"]["isAnonymous"] is True
    command = dry_run(load_spec(command_spec(tmp_path / "cmd")), CONTEXT, SubmitOptions())
    assert "components" not in command.document()


def test_serverless_jobs_get_no_stack_compute(tmp_path: Path) -> None:
    write(tmp_path / "src" / "train.py", "print('training')\n")
    spec = write(
        tmp_path / "job.yml",
        f"command: python train.py\ncode: src\nenvironment: {REGISTRY_ENV}\n"
        "resources: {instance_type: Standard_E4s_v3}\n",
    )
    assert "computeId" not in properties(dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body)
    named = write(tmp_path / "named.yml", spec.read_text() + "compute: azureml:serverless\n")
    body = properties(dry_run(load_spec(named), CONTEXT, SubmitOptions()).body)
    assert body["computeId"] == "serverless"
    moved = SubmitOptions(overrides=Overrides(computes={"*": "cpu"}))
    body = properties(dry_run(load_spec(named), CONTEXT, moved).body)
    assert body["computeId"] == f"{WS}/computes/cpu"


def test_submit_uploads_local_data_where_the_dry_run_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rows").mkdir()
    (tmp_path / "rows" / "part-0.csv").write_text("a,b\n")
    predicted = StackResolver(CONTEXT).local_input(tmp_path / "rows", "uri_folder", "inputs.rows")
    uploads: list[dict[str, Any]] = []

    def upload(**kwargs: Any) -> Any:
        uploads.append(kwargs)
        digest = predicted.split("/LocalUpload/")[1].split("/")[0]
        return type("Info", (), {"relative_path": f"LocalUpload/{digest}/rows"})()

    monkeypatch.setattr(_artifact_utilities, "_upload_to_datastore", upload)
    resolver = LiveResolver(CONTEXT, None, fake_ml_client(CONTEXT, FakeAzure()))
    assert resolver.local_input(tmp_path / "rows", "uri_folder", "inputs.rows") == predicted
    [sent] = uploads
    assert sent["path"] == tmp_path / "rows"
    assert sent["datastore_name"] == "workspaceblobstore"
    digest = predicted.split("/LocalUpload/")[1].split("/")[0]
    assert sent["asset_name"] == sent["asset_hash"] == digest  # the upload hashes nothing again
    assert sent["ignore_file"] is not None


def test_a_live_submit_hashes_each_local_input_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rows").mkdir()
    (tmp_path / "rows" / "part-0.csv").write_text("a,b\n")
    hashed: list[Path] = []
    real_hash = resolve_module.get_object_hash

    def counting_hash(path: Any, ignore_file: Any) -> str:
        hashed.append(Path(path))
        return str(real_hash(path, ignore_file))

    def upload(**kwargs: Any) -> Any:
        if not kwargs.get("asset_hash"):  # azure-ai-ml would hash the whole input again
            hashed.append(Path(kwargs["path"]))
        return type("Info", (), {"relative_path": f"LocalUpload/{kwargs['asset_hash']}/rows"})()

    monkeypatch.setattr(resolve_module, "get_object_hash", counting_hash)
    monkeypatch.setattr(_artifact_utilities, "_upload_to_datastore", upload)
    resolver = LiveResolver(CONTEXT, None, fake_ml_client(CONTEXT, FakeAzure()))
    uri = resolver.local_input(tmp_path / "rows", "uri_folder", "inputs.rows")
    assert hashed == [tmp_path / "rows"]
    assert uri.startswith("azureml://datastores/workspaceblobstore/paths/LocalUpload/")
    assert uri.endswith("/rows/")
