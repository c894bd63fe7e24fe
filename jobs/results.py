"""A run's results: its MLflow metrics and its outputs.

Metrics come from the workspace's MLflow tracking server (the MLflow REST API Azure ML hosts under
``/api/2.0/mlflow``), with the same ARM token as everything else: no mlflow package needed. The
run id is the job name; for a pipeline or sweep, ask for the child job's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import HttpTransport

from jobs.errors import JobError
from jobs.rest import get_json
from jobs.tracking import mlflow_url, run_path, tracking_base_url, workspace_tracking_url

__all__ = ["Metric", "download_outputs", "metrics", "tracking_base_url"]


@dataclass(frozen=True)
class Metric:
    """The latest logged value of one metric."""

    key: str
    value: float
    step: int
    timestamp: int
    """Milliseconds since the epoch, as MLflow logs it."""


def metrics(
    ml_client: Any,
    credential: TokenCredential,
    job_name: str,
    *,
    transport: HttpTransport[Any, Any] | None = None,
) -> list[Metric]:
    """The latest value of every metric the run logged, sorted by key."""
    url = mlflow_url(workspace_tracking_url(ml_client), run_path(job_name))
    document = get_json(url, credential, transport=transport)
    logged = ((document or {}).get("run") or {}).get("data", {}).get("metrics") or []
    return sorted(
        (
            Metric(
                key=str(m["key"]),
                value=float(m["value"]),
                step=int(m.get("step", 0)),
                timestamp=int(m.get("timestamp", 0)),
            )
            for m in logged
        ),
        key=lambda m: m.key,
    )


def download_outputs(
    ml_client: Any, job_name: str, destination: Path, *, output_name: str | None = None
) -> Path:
    """Download a job's outputs (all, or one named output) under `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    try:
        ml_client.jobs.download(
            job_name,
            download_path=str(destination),
            output_name=output_name,
            all=output_name is None,
        )
    except HttpResponseError as error:
        raise JobError(f"cannot download the outputs of {job_name}: {error.message}") from None
    return destination
