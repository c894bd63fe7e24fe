"""`amlstack job` / `amlstack model`: JSON dry runs, exit codes, messages without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from infra.entrypoint import app
from jobs import cli as jobs_cli
from jobs import client as jobs_client
from jobs import context as jobs_context
from jobs.errors import CredentialError
from jobs.testing import FakeAzure, StaticCredential, fake_ml_client
from tests.conftest import ROOT
from tests.jobs_support import DEV_OUTPUTS, FakeModels, dev_context

runner = CliRunner()
REGISTRY_ENV = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"
STACK = ["--stack", "dev", "--outputs", str(DEV_OUTPUTS)]


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('hi')\n")
    path = tmp_path / "job.yml"
    path.write_text(
        f"command: python train.py\ncode: src\nenvironment: {REGISTRY_ENV}\n"
        "compute: azureml:cpu-cluster\nexperiment_name: churn\n"
    )
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_help_lists_the_job_and_model_verbs() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "job" in result.output
    assert "model" in result.output


def test_dry_run_prints_the_request_as_json(spec: Path) -> None:
    result = invoke("job", "submit", str(spec), *STACK, "--dry-run", "--compute", "cpu-cluster=cpu")
    assert result.exit_code == 0, result.output
    request = json.loads(result.stdout)
    assert set(request) == {"method", "url", "body"}
    assert request["method"] == "PUT"
    assert "/jobs/churn-" in request["url"]
    assert request["body"]["properties"]["computeId"].endswith("/computes/cpu")


def test_one_compute_for_every_step(spec: Path) -> None:
    result = invoke("job", "submit", str(spec), *STACK, "--dry-run", "--compute", "gpu")
    assert json.loads(result.stdout)["body"]["properties"]["computeId"].endswith("/computes/gpu")


def test_an_unknown_compute_exits_2_naming_it(spec: Path) -> None:
    result = invoke("job", "submit", str(spec), *STACK, "--dry-run")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "'cpu-cluster' is not a compute of stack 'dev'" in result.output
    assert "its computes: cpu, dev-box, gpu" in result.output
    assert "Traceback" not in result.output


def test_a_missing_code_folder_exits_2(spec: Path) -> None:
    (spec.parent / "src" / "train.py").unlink()
    (spec.parent / "src").rmdir()
    result = invoke("job", "submit", str(spec), *STACK, "--dry-run", "--compute", "cpu")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "job.yml: code: folder" in result.output
    assert "does not exist" in result.output


def test_bad_options_exit_2(spec: Path) -> None:
    result = invoke("job", "submit", str(spec), *STACK, "--dry-run", "--compute", "a=")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "expected NAME or SPEC_NAME=STACK_NAME" in result.output
    result = invoke("job", "submit", str(spec), *STACK, "--dry-run", "--tag", "team")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "expected KEY=VALUE" in result.output


def test_no_stack_outputs_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_context.shutil, "which", lambda _name: None)
    monkeypatch.delenv("AMLSTACK_OUTPUTS", raising=False)
    monkeypatch.delenv("AMLSTACK_OUTPUTS_DEV", raising=False)
    result = invoke("job", "status", "train-1", "--stack", "dev")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "no outputs for stack 'dev'" in result.output


def test_no_credential_exits_4_with_the_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_login(tenant: str | None = None) -> Any:
        raise CredentialError("no Azure credential worked (DefaultAzureCredential): az login")

    monkeypatch.setattr(jobs_client, "stack_credential", no_login)
    result = invoke("job", "status", "train-1", *STACK)
    assert result.exit_code == ExitCode.AZURE
    assert "no Azure credential worked" in result.output
    assert "Traceback" not in result.output


def fake_clients(monkeypatch: pytest.MonkeyPatch, client: Any) -> None:
    monkeypatch.setattr(
        jobs_cli.StackTarget, "clients", lambda _target, _context: (StaticCredential(), client)
    )


def test_status_exit_code_follows_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    context = dev_context()
    azure = FakeAzure()
    job = {
        "id": f"{context.workspace_id}/jobs/train-1",
        "name": "train-1",
        "properties": {
            "jobType": "Command",
            "command": "python train.py",
            "environmentId": REGISTRY_ENV,
            "computeId": f"{context.workspace_id}/computes/cpu",
            "status": "Running",
        },
    }
    azure.respond("GET", r"/jobs/train-1\?", job)
    fake_clients(monkeypatch, fake_ml_client(context, azure))
    result = invoke("job", "status", "train-1", *STACK)
    assert result.exit_code == ExitCode.JOB_NOT_FINISHED
    assert "train-1: Running" in result.output
    job["properties"]["status"] = "Completed"
    azure.respond("GET", r"/jobs/train-1\?", job)
    assert invoke("job", "status", "train-1", *STACK).exit_code == 0


def test_model_register_twice_reports_the_same_version(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_clients(monkeypatch, SimpleNamespace(models=FakeModels()))
    first = invoke("model", "register", "churn", "--job", "train-1", *STACK)
    again = invoke("model", "register", "churn", "--job", "train-1", *STACK)
    assert first.exit_code == again.exit_code == 0
    assert "registered: churn:1 from train-1/artifacts/model" in first.output
    assert "already registered: churn:1" in again.output
    bad = invoke("model", "register", "churn", "--job", "j", "--type", "onnx", *STACK)
    assert bad.exit_code == ExitCode.INVALID_INPUT


def test_the_cli_does_not_import_azure_ai_ml_until_a_job_command_runs() -> None:
    code = "import sys, infra.entrypoint, jobs; sys.exit('azure.ai.ml' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
