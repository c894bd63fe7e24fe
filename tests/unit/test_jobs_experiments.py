"""The experiment view against a fake Azure ML workspace (`jobs.testing.FakeWorkspace`): runs
listed with filters and paging, one command and one pipeline run shown, runs compared, the best
run's model registered; and the selection logic on its own, with hypothesis."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from infra.entrypoint import app
from jobs import cli as jobs_cli
from jobs.errors import JobError, ModelError, RunSelectionError
from jobs.experiments import RunFilter, choose_best, select_runs, shared_metrics
from jobs.testing import FakeAzure, FakeRun, FakeWorkspace, StaticCredential, fake_ml_client
from jobs.tracking import RunHistory, TrackedRun, Tracking
from tests.jobs_support import DEV_OUTPUTS, FakeModels, dev_context

CONTEXT = dev_context()
WS = CONTEXT.workspace_id
STACK = ["--stack", "dev", "--outputs", str(DEV_OUTPUTS)]
T0 = 1_750_000_000_000
MINUTE = 60_000
runner = CliRunner()


def churn_runs() -> list[FakeRun]:
    """Seven runs of ``churn`` a minute apart (newest last), one failed, one a child."""
    runs = [
        FakeRun(
            f"churn-{i}",
            "churn",
            start_ms=T0 + i * MINUTE,
            end_ms=T0 + i * MINUTE + 90_000,
            metrics={"auc": 0.70 + i / 100, "loss": 0.5 - i / 100},
            params={"learning_rate": str(0.1 * (i + 1))},
            tags={"amlstack.gitCommit": f"{i:040x}", "amlstack.gitDirty": str(i == 5).lower()},
            compute="gpu" if i % 2 else "cpu",
        )
        for i in range(6)
    ]
    runs[2].status = "Failed"
    runs.append(FakeRun("churn-5-trial", "churn", parent="churn-5", start_ms=T0 + 5 * MINUTE + 1))
    return runs


@pytest.fixture
def workspace() -> FakeWorkspace:
    fake = FakeWorkspace(FakeAzure(), CONTEXT, page_size=2)
    fake.add(*churn_runs())
    return fake


@pytest.fixture
def models() -> FakeModels:
    return FakeModels()


@pytest.fixture
def cli(
    workspace: FakeWorkspace, models: FakeModels, monkeypatch: pytest.MonkeyPatch
) -> FakeWorkspace:
    """The CLI talking to `workspace` (jobs, tracking) and `models` (registered versions)."""
    client = fake_ml_client(CONTEXT, workspace.azure)
    mixed = SimpleNamespace(
        jobs=client.jobs,
        workspaces=client.workspaces,
        workspace_name=client.workspace_name,
        models=models,
    )
    monkeypatch.setattr(
        jobs_cli.StackTarget, "clients", lambda _target, _context: (StaticCredential(), mixed)
    )
    monkeypatch.setattr(
        jobs_cli.StackTarget,
        "tracking",
        lambda _target, _client, credential: Tracking(
            workspace.tracking_uri, credential, transport=workspace.azure
        ),
    )
    monkeypatch.setattr(
        jobs_cli.StackTarget,
        "history",
        lambda _target, _client, credential: RunHistory(
            workspace.api_url, CONTEXT.workspace_id, credential, transport=workspace.azure
        ),
    )
    return workspace


def invoke(*args: str) -> Any:
    return runner.invoke(app, [*args, *STACK], env={"COLUMNS": "250"})


def searches(workspace: FakeWorkspace) -> list[Any]:
    return [sent.body for sent in workspace.azure.requests_to("POST", "/mlflow/runs/search")]


def test_list_pages_through_the_runs_and_stops_at_the_limit(cli: FakeWorkspace) -> None:
    result = invoke("job", "list", "--experiment", "churn", "--limit", "3", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["version"] == 1
    assert [run["name"] for run in document["runs"]] == ["churn-5", "churn-4", "churn-3"]
    assert document["more"] is True
    assert document["metrics"] == ["auc", "loss"]
    first = document["runs"][0]
    assert first["compute"] == "gpu"
    assert first["durationSeconds"] == 90.0
    assert first["start"] == "2025-06-15T15:11:40Z"
    assert first["git"] == {"commit": f"{5:040x}", "dirty": True}
    sent = searches(cli)
    assert len(sent) == 3  # pages of two: the trial is skipped, the third page says "more"
    assert "page_token" not in sent[0]
    assert sent[1]["page_token"]
    assert sent[0]["order_by"] == ["start_time DESC"]
    experiment_id = cli.experiment_id("churn")
    assert sent[0]["experiment_ids"] == [experiment_id]


def test_list_filters_by_status_and_start_and_sorts_by_a_metric(cli: FakeWorkspace) -> None:
    since = "2025-06-15T15:09:40Z"  # churn-3's start
    result = invoke(
        "job", "list", "-e", "churn", "--status", "completed", "--since", since,
        "--sort", "loss", "--ascending", "--metric", "auc", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [run["name"] for run in document["runs"]] == ["churn-5", "churn-4", "churn-3"]
    assert document["metrics"] == ["auc"]
    assert document["more"] is False
    assert len(searches(cli)) == 3  # churn-2 is older than --since: the 4th page is not read


def test_list_shows_the_models_each_run_produced(cli: FakeWorkspace, models: FakeModels) -> None:
    assert invoke("model", "register", "churn", "--job", "churn-4").exit_code == 0
    result = invoke("job", "list", "-e", "churn", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "churn:1" in result.output
    line = next(line for line in result.output.splitlines() if "churn-5 " in line)
    assert "00000000+dirty" in line
    assert "1m30s" in line


def test_list_without_an_experiment_lists_the_experiments(cli: FakeWorkspace) -> None:
    cli.add(FakeRun("iris-1", "iris"))
    result = invoke("job", "list", "--json")
    assert result.exit_code == 0, result.output
    names = [e["name"] for e in json.loads(result.stdout)["experiments"]]
    assert names == ["churn", "iris"]


def test_an_unknown_experiment_exits_2_with_a_suggestion(cli: FakeWorkspace) -> None:
    result = invoke("job", "list", "-e", "chrun")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "the workspace has no experiment 'chrun'; did you mean 'churn'?" in result.output


def test_show_a_command_run(cli: FakeWorkspace) -> None:
    digest = "ab" * 32
    cli.runs[0].properties = {
        "codeId": f"{WS}/codes/{digest}/versions/1",
        "inputs": {
            "rows": {
                "jobInputType": "uri_folder",
                "uri": "azureml://datastores/workspaceblobstore/paths/LocalUpload/x/rows/",
            },
            "epochs": {"jobInputType": "literal", "value": "5"},
        },
        "outputs": {
            "model": {
                "jobOutputType": "mlflow_model",
                "uri": "azureml://datastores/workspaceartifactstore/paths/churn-0/model/",
            }
        },
    }
    result = invoke("job", "show", "churn-0", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["type"] == "command"
    assert document["compute"] == "cpu"
    assert document["environment"].startswith("azureml://registries/azureml/environments/")
    assert document["code"]["hash"] == digest
    assert document["inputs"]["rows"] == {
        "type": "uri_folder",
        "uri": "azureml://datastores/workspaceblobstore/paths/LocalUpload/x/rows/",
    }
    assert document["inputs"]["epochs"]["value"] == "5"
    assert document["outputs"]["model"]["uri"].endswith("/churn-0/model/")
    assert document["git"] == {"commit": f"{0:040x}", "dirty": False}
    assert document["logs"]["files"] == ["user_logs/std_log.txt"]
    assert "sv=" not in result.stdout  # the log files' SAS URLs are never printed
    text = invoke("job", "show", "churn-0")
    assert "ExperimentRun/dcid.churn-0/" in text.output
    assert "amlstack job logs churn-0 --stack dev" in text.output


def test_show_prints_the_git_commit_and_whether_it_was_dirty(cli: FakeWorkspace) -> None:
    dirty = invoke("job", "show", "churn-5")
    assert dirty.exit_code == 0, dirty.output
    assert f"{5:040x} (dirty)" in dirty.output
    clean = invoke("job", "show", "churn-4")
    assert f"{4:040x}" in clean.output
    assert "(dirty)" not in clean.output


def test_show_a_pipeline_run_with_its_steps_paged(cli: FakeWorkspace) -> None:
    cli.add(
        FakeRun("train-pipe", "churn", job_type="Pipeline", compute=None, start_ms=T0),
        *(
            FakeRun(f"train-pipe-{step}", "churn", parent="train-pipe", display_name=step,
                    status=status, compute="cpu")
            for step, status in (("prep", "Completed"), ("train", "Running"), ("eval", "Queued"))
        ),
    )  # fmt: skip
    result = invoke("job", "show", "train-pipe", "--json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert [(s["displayName"], s["status"]) for s in steps] == [
        ("prep", "Completed"),
        ("train", "Running"),
        ("eval", "Queued"),
    ]
    pages = cli.azure.requests_to("GET", r"/runs/train-pipe/children")
    assert len(pages) == 2  # two steps a page
    assert "continuationtoken=2" in pages[1].url
    table = invoke("job", "show", "train-pipe")
    assert "3 steps" in table.output


def test_compare_puts_metrics_and_params_side_by_side(cli: FakeWorkspace) -> None:
    cli.runs[1].params = {"learning_rate": "0.1"}  # the same as churn-0's
    result = invoke("job", "compare", "churn-0", "churn-1", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [run["name"] for run in document["runs"]] == ["churn-0", "churn-1"]
    assert document["metrics"]["auc"] == {
        "values": {"churn-0": 0.7, "churn-1": 0.71},
        "differs": True,
    }
    assert document["params"]["learning_rate"]["differs"] is False
    table = invoke("job", "compare", "churn-0", "churn-1")
    assert "metric auc" in table.output
    assert "param learning_rate" in table.output


def test_compare_a_missing_run_exits_4_naming_it(cli: FakeWorkspace) -> None:
    result = invoke("job", "compare", "churn-0", "nope")
    assert result.exit_code == ExitCode.AZURE
    assert "run 'nope' is not in the workspace's MLflow tracking server" in result.output


def test_register_from_the_best_run_names_it_and_is_idempotent(
    cli: FakeWorkspace, models: FakeModels
) -> None:
    args = ("model", "register", "churn", "--from-best", "churn", "--metric", "auc")
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert "best run of churn by max auc: churn-5 (auc=0.75, of 5 completed runs" in first.output
    assert "registered: churn:1 from churn-5/artifacts/model" in first.output
    again = invoke(*args)
    assert "already registered: churn:1" in again.output
    assert models.created == 1
    lowest = invoke(
        "model", "register", "churn", "--from-best", "churn", "--metric", "auc", "--min"
    )
    assert "churn-0 (auc=0.7," in lowest.output
    assert "registered: churn:2 from churn-0/artifacts/model" in lowest.output


def test_register_from_best_refuses_ties_missing_metrics_and_empty_experiments(
    cli: FakeWorkspace,
) -> None:
    cli.runs[4].metrics["auc"] = cli.runs[5].metrics["auc"]
    tie = invoke("model", "register", "churn", "--from-best", "churn", "--metric", "auc")
    assert tie.exit_code == ExitCode.INVALID_INPUT
    assert "runs churn-4, churn-5 of experiment 'churn' tie at 0.75 (max)" in tie.output
    assert "choose one with --job RUN" in tie.output
    missing = invoke("model", "register", "churn", "--from-best", "churn", "--metric", "acu")
    assert missing.exit_code == ExitCode.INVALID_INPUT
    assert "did you mean 'auc'? they logged: auc, loss" in missing.output
    cli.add(FakeRun("iris-1", "iris", status="Running"))
    waiting = invoke("model", "register", "iris", "--from-best", "iris", "--metric", "auc")
    assert waiting.exit_code == ExitCode.AZURE
    assert "experiment 'iris' has no completed run yet" in waiting.output


def tracked(
    name: str, *, value: float | None, status: str = "Completed", start: int = 0
) -> TrackedRun:
    metrics = {} if value is None else {"m": value}
    return TrackedRun(name, "e", status, start, start + 1, metrics=metrics)


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(values, min_size=1, max_size=12, unique=True), st.booleans())
def test_the_best_run_has_the_extreme_value(scores: list[float], maximize: bool) -> None:
    runs = [tracked(f"r{i}", value=v) for i, v in enumerate(scores)]
    best, compared = choose_best(runs, "m", maximize=maximize, experiment="e")
    assert best.metrics["m"] == (max(scores) if maximize else min(scores))
    assert compared == len(scores)


@given(st.lists(values, min_size=1, max_size=6), st.booleans())
def test_a_shared_best_value_is_a_tie(scores: list[float], maximize: bool) -> None:
    runs = [tracked(f"r{i}", value=v) for i, v in enumerate([*scores, scores[0]])]
    best_value = max(scores) if maximize else min(scores)
    tied = sum(1 for run in runs if run.metrics["m"] == best_value) > 1
    if tied:
        with pytest.raises(RunSelectionError, match="tie at"):
            choose_best(runs, "m", maximize=maximize, experiment="e")
    else:
        assert (
            choose_best(runs, "m", maximize=maximize, experiment="e")[0].metrics["m"] == best_value
        )


def test_unfinished_runs_and_runs_without_the_metric_are_not_candidates() -> None:
    runs = [tracked("done", value=0.5), tracked("running", value=0.9, status="Running")]
    assert choose_best(runs, "m", maximize=True, experiment="e")[0].name == "done"
    with pytest.raises(ModelError, match="no completed run yet"):
        choose_best(runs[1:], "m", maximize=True, experiment="e")
    with pytest.raises(RunSelectionError, match="they logged no metric"):
        choose_best([tracked("x", value=None)], "m", maximize=True, experiment="e")


starts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=15)


@given(starts, st.integers(min_value=1, max_value=20), st.integers(min_value=0, max_value=10_000))
def test_selection_keeps_the_newest_matching_runs(
    start_times: list[int], limit: int, since: int
) -> None:
    runs = [tracked(f"r{i}", value=1.0, start=s) for i, s in enumerate(sorted(start_times)[::-1])]
    kept, more = select_runs(iter(runs), RunFilter(since_ms=since), limit)
    matching = [run for run in runs if (run.start_ms or 0) >= since]
    assert kept == matching[:limit]
    assert more == (len(matching) > limit)


def test_shared_metrics_are_those_every_run_logged() -> None:
    runs = [
        TrackedRun("a", "e", "Completed", 1, 2, metrics={"auc": 1.0, "loss": 0.1}),
        TrackedRun("b", "e", "Completed", 1, 2, metrics={"auc": 0.9}),
    ]
    assert shared_metrics(runs) == ["auc"]
    assert shared_metrics([]) == []


def test_the_guide_documents_every_key_of_the_json_documents() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "guides" / "jobs-and-models.md").read_text()
    for key in ("durationSeconds", "displayName", '"more"', '"differs"', "studioUrl", '"steps"'):
        assert key in guide, key


def test_tracking_errors_name_the_call_and_the_mlflow_error(workspace: FakeWorkspace) -> None:
    tracking = Tracking(workspace.tracking_uri, StaticCredential(), transport=workspace.azure)
    mlflow = re.escape(f"{workspace.tracking_base}/api/2.0/mlflow/")
    refused = {"error_code": "PERMISSION_DENIED", "message": "no access"}
    workspace.azure.respond("POST", f"^{mlflow}experiments/search", refused, status=403)
    with pytest.raises(JobError, match=r"^MLflow experiments/search failed: PERMISSION_DENIED: "):
        tracking.experiments()
    workspace.azure.respond("GET", f"^{mlflow}runs/get", b"<html>")
    with pytest.raises(JobError, match=r"^MLflow runs/get: the response is not JSON$"):
        tracking.run("churn-1")


def test_run_history_of_a_client_is_that_of_its_workspace(workspace: FakeWorkspace) -> None:
    workspace.add(FakeRun("pipe", "churn", job_type="Pipeline"))
    workspace.add(FakeRun("pipe-step", "churn", parent="pipe"))
    client = fake_ml_client(CONTEXT, workspace.azure)
    history = RunHistory.of_workspace(client, StaticCredential(), transport=workspace.azure)
    assert history.base == f"{workspace.api_url}/history/v1.0{WS}"
    assert [child["runId"] for child in history.children("pipe")] == ["pipe-step"]


def test_the_fake_tracking_server_is_at_the_https_form_of_the_tracking_uri(
    workspace: FakeWorkspace,
) -> None:
    assert workspace.tracking_uri == f"azureml://westeurope.api.azureml.ms/mlflow/v1.0{WS}"
    assert workspace.tracking_base == f"https://westeurope.api.azureml.ms/mlflow/v1.0{WS}"
