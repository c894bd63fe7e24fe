"""Results and raw reads: MLflow metrics, compute state from the raw ARM answer, HTTP errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jobs.errors import JobError
from jobs.rest import compute_state, get_json
from jobs.results import metrics, tracking_base_url
from jobs.testing import FakeAzure, StaticCredential, fake_ml_client
from tests.jobs_support import dev_context, rest_example

CONTEXT = dev_context()
COMPUTE = f"{CONTEXT.workspace_id}/computes/cpu"
TRACKING = (
    "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/0000/resourceGroups/rg/"
    "providers/Microsoft.MachineLearningServices/workspaces/ws"
)


def test_a_creating_compute_is_read_where_the_sdk_cannot(shared: Path) -> None:
    creating = rest_example(shared, "Compute/createOrUpdate/BasicAmlCompute.json")
    azure = FakeAzure()
    azure.respond("GET", r"/computes/cpu\?", creating)
    # azure-ai-ml 1.35.2 cannot parse this answer: the reason compute_state reads it raw.
    with pytest.raises(AttributeError):
        fake_ml_client(CONTEXT, azure).compute.get("cpu")
    assert compute_state(COMPUTE, StaticCredential(), transport=azure) == "Creating"
    [sent] = azure.requests_to("GET", r"/computes/cpu\?api-version=2025-12-01")
    assert sent.path == COMPUTE


def test_a_provisioned_compute_reports_its_state(shared: Path) -> None:
    compute = rest_example(shared, "Compute/createOrUpdate/AmlCompute.json")
    azure = FakeAzure()
    azure.respond("GET", r"/computes/cpu\?", compute)
    assert (
        compute_state(COMPUTE, StaticCredential(), transport=azure)
        == (compute["properties"]["provisioningState"])
    )


def test_http_errors_carry_the_service_message() -> None:
    azure = FakeAzure()
    azure.respond(
        "GET",
        r"/computes/cpu\?",
        {"error": {"code": "AuthorizationFailed", "message": "no access to cpu"}},
        status=403,
    )
    with pytest.raises(JobError, match=r"failed: AuthorizationFailed: no access to cpu$"):
        get_json(f"https://management.azure.com{COMPUTE}?x=1", StaticCredential(), transport=azure)


def workspace_with_tracking(shared: Path) -> dict[str, Any]:
    body = rest_example(shared, "Workspace/create.json")
    body["id"] = CONTEXT.workspace_id
    body["name"] = CONTEXT.workspace_name
    body["properties"]["mlFlowTrackingUri"] = TRACKING
    return body


def test_metrics_come_from_the_workspace_mlflow_server(shared: Path) -> None:
    azure = FakeAzure()
    azure.respond(
        "GET", rf"/workspaces/{CONTEXT.workspace_name}\?", workspace_with_tracking(shared)
    )
    run = {
        "run": {
            "info": {"run_id": "train-1", "status": "FINISHED"},
            "data": {
                "metrics": [
                    {"key": "rmse", "value": 0.25, "timestamp": 1700000000000, "step": 9},
                    {"key": "accuracy", "value": 0.9, "timestamp": 1700000000000},
                ],
                "params": [{"key": "C", "value": "0.8"}],
            },
        }
    }
    azure.respond("GET", r"/api/2\.0/mlflow/runs/get\?run_id=train-1$", run)
    client = fake_ml_client(CONTEXT, azure)
    found = metrics(client, StaticCredential(), "train-1", transport=azure)
    assert [(m.key, m.value, m.step) for m in found] == [("accuracy", 0.9, 0), ("rmse", 0.25, 9)]
    [sent] = azure.requests_to("GET", "/mlflow/")
    assert sent.url.startswith(tracking_base_url(TRACKING))
    assert sent.url.startswith("https://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/")
