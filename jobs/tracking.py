"""The workspace's MLflow tracking server: experiments, runs, their metrics, params and tags.

Azure ML hosts the MLflow REST API (``/api/2.0/mlflow``) for every workspace, at the workspace's
``mlflow_tracking_uri``, with the same ARM token as everything else: no mlflow package needed.
It is the documented way to query experiments and runs ("Query & compare experiments and runs
with MLflow", Microsoft Learn): a run's id is the job's name, and a search returns each run's
latest metric values, its params and tags, a page at a time (``page_token``).

What Azure ML's server does not support is done here instead (the same page's support matrix):
filtering runs by status or start time and ordering them by a metric happen on the client; the
server orders by start time, newest first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport

from components.azure_rest import ARM_SCOPE, RestClient
from jobs.errors import JobError
from jobs.refs import workspace_arm_id
from jobs.rest import json_of

__all__ = [
    "HISTORY_API_VERSION",
    "MLFLOW_STATUSES",
    "PAGE_SIZE",
    "PARENT_TAG",
    "RUN_NAME_TAG",
    "Experiment",
    "RunHistory",
    "TrackedRun",
    "Tracking",
    "mlflow_url",
    "run_path",
    "tracking_base_url",
    "workspace_tracking_url",
]

PAGE_SIZE = 100
"""Runs asked for per search request."""
PARENT_TAG = "mlflow.parentRunId"
"""MLflow's tag on a child run (a pipeline step, a sweep trial): its parent's run id."""
RUN_NAME_TAG = "mlflow.runName"
MLFLOW_STATUSES: Mapping[str, str] = {
    "SCHEDULED": "Queued",
    "RUNNING": "Running",
    "FINISHED": "Completed",
    "FAILED": "Failed",
    "KILLED": "Canceled",
}
"""MLflow's run status -> the Azure ML job status it stands for (queued covers not started,
queued, preparing and starting)."""


HISTORY_API_VERSION = "v1.0"
"""The api-version azure-ai-ml 1.35.2 sends to run history."""


def tracking_base_url(mlflow_tracking_uri: str) -> str:
    """``azureml://<region>.api.azureml.ms/mlflow/v1.0/...`` -> its HTTPS REST base."""
    if mlflow_tracking_uri.startswith("azureml://"):
        return "https://" + mlflow_tracking_uri.removeprefix("azureml://").rstrip("/")
    return mlflow_tracking_uri.rstrip("/")


def workspace_tracking_url(ml_client: Any) -> str:
    """The HTTPS REST base of `ml_client`'s workspace's tracking server (one ARM GET of the
    workspace); `JobError` when the workspace reports none."""
    workspace = ml_client.workspaces.get(ml_client.workspace_name)
    if not workspace.mlflow_tracking_uri:
        raise JobError(f"workspace {ml_client.workspace_name} reports no MLflow tracking URI")
    return tracking_base_url(str(workspace.mlflow_tracking_uri))


def mlflow_url(base_url: str, path: str) -> str:
    """The URL of the MLflow REST API's `path` on the tracking server at `base_url`."""
    return f"{base_url}/api/2.0/mlflow/{path}"


def run_path(name: str) -> str:
    """The MLflow REST API path of one run (its id is the job name)."""
    return f"runs/get?run_id={quote(name, safe='')}"


@dataclass(frozen=True)
class Experiment:
    """An MLflow experiment (an Azure ML experiment)."""

    id: str
    name: str


@dataclass(frozen=True)
class TrackedRun:
    """One run as the tracking server has it."""

    name: str
    """The run id: the job's name."""
    experiment_id: str
    status: str
    """The Azure ML status (`MLFLOW_STATUSES`)."""
    start_ms: int | None
    end_ms: int | None
    metrics: Mapping[str, float] = field(default_factory=dict)
    """Each metric's latest value."""
    params: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def display_name(self) -> str | None:
        return self.tags.get(RUN_NAME_TAG)

    @property
    def parent(self) -> str | None:
        return self.tags.get(PARENT_TAG)

    @classmethod
    def from_mlflow(cls, run: Mapping[str, Any]) -> TrackedRun:
        """From MLflow's JSON (``{"info": {...}, "data": {"metrics", "params", "tags"}}``)."""
        info, data = run.get("info") or {}, run.get("data") or {}
        metrics: dict[str, tuple[int, int, float]] = {}
        for metric in data.get("metrics") or []:
            key = (int(metric.get("step", 0)), int(metric.get("timestamp", 0)))
            if str(metric["key"]) not in metrics or key >= metrics[str(metric["key"])][:2]:
                metrics[str(metric["key"])] = (*key, float(metric["value"]))
        tags = {str(t["key"]): str(t.get("value", "")) for t in data.get("tags") or []}
        if info.get("run_name"):
            tags.setdefault(RUN_NAME_TAG, str(info["run_name"]))
        status = str(info.get("status") or "")
        return cls(
            name=str(info.get("run_id") or info.get("run_uuid")),
            experiment_id=str(info.get("experiment_id") or ""),
            status=MLFLOW_STATUSES.get(status, status.title()),
            start_ms=_ms(info.get("start_time")),
            end_ms=_ms(info.get("end_time")),
            metrics={key: value for key, (_, _, value) in sorted(metrics.items())},
            params={str(p["key"]): str(p.get("value", "")) for p in data.get("params") or []},
            tags=tags,
        )


def _ms(value: Any) -> int | None:
    return int(value) if value not in (None, "", 0, "0") else None


class Tracking:
    """The MLflow REST API of one workspace's tracking server."""

    def __init__(
        self,
        base_url: str,
        credential: TokenCredential,
        *,
        transport: HttpTransport[Any, Any] | None = None,
    ) -> None:
        self.base_url = tracking_base_url(base_url)
        self.rest = RestClient(
            self.base_url, scope=ARM_SCOPE, transport=transport, credential=credential
        )

    @classmethod
    def of_workspace(
        cls,
        ml_client: Any,
        credential: TokenCredential,
        *,
        transport: HttpTransport[Any, Any] | None = None,
    ) -> Tracking:
        """The tracking server of `ml_client`'s workspace (`workspace_tracking_url`)."""
        return cls(workspace_tracking_url(ml_client), credential, transport=transport)

    def experiment(self, name: str) -> Experiment | None:
        """The experiment called `name`, or None when the workspace has none of that name."""
        found = self._call("GET", f"experiments/get-by-name?experiment_name={quote(name, safe='')}")
        if found is None:
            return None
        experiment = found.get("experiment") or {}
        return Experiment(str(experiment["experiment_id"]), str(experiment["name"]))

    def experiments(self) -> list[Experiment]:
        """Every active experiment of the workspace, by name."""
        found = self._pages("experiments/search", {"max_results": 1000}, "experiments")
        return sorted(
            (Experiment(str(e["experiment_id"]), str(e["name"])) for e in found),
            key=lambda e: e.name,
        )

    def runs(self, experiment: Experiment, *, page_size: int = PAGE_SIZE) -> Iterator[TrackedRun]:
        """The experiment's runs, newest first, a page at a time as they are consumed."""
        body: dict[str, Any] = {
            "experiment_ids": [experiment.id],
            "max_results": page_size,
            "order_by": ["start_time DESC"],
        }
        for run in self._pages("runs/search", body, "runs"):
            yield TrackedRun.from_mlflow(run)

    def run(self, name: str) -> TrackedRun | None:
        """One run by its id (the job name), or None when the server has no such run."""
        found = self._call("GET", run_path(name))
        return None if found is None else TrackedRun.from_mlflow(found.get("run") or {})

    def close(self) -> None:
        self.rest.close()

    def _pages(self, path: str, body: Mapping[str, Any], key: str) -> Iterator[Any]:
        """The `key` entries of a search's pages, each page POSTed as the previous one is
        consumed, until one has no ``next_page_token``."""
        while True:
            page = self._call("POST", path, body) or {}
            yield from page.get(key) or []
            if not page.get("next_page_token"):
                return
            body = {**body, "page_token": page["next_page_token"]}

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        """One MLflow call; a 404 (``RESOURCE_DOES_NOT_EXIST``) is None, other errors `JobError`."""
        response = self.rest.send(method, mlflow_url(self.base_url, path), json=body)
        if response.status_code == 404:
            return None
        return json_of(response, f"MLflow {path.split('?', maxsplit=1)[0]}", error=_mlflow_error)


def _mlflow_error(response: Any) -> str:
    """MLflow's ``error_code: message`` (or Azure's ``error.code: message``)."""
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    inner = payload.get("error")
    error: dict[str, Any] = inner if isinstance(inner, dict) else payload
    code = error.get("error_code") or error.get("code") or response.reason
    message = error.get("message") or ""
    return f"{code}: {message}".rstrip(": ")


class RunHistory:
    """Azure ML's run history service for one workspace: the child runs of a run, every page.

    azure-ai-ml 1.35.2 reads only the first page of a run's children (``jobs.list(
    parent_job_name=...)``: its pager drops the ``nextLink``), so a pipeline with more steps
    than a page would lose some; this follows ``nextLink`` to the end.
    """

    def __init__(
        self,
        api_url: str,
        workspace_id: str,
        credential: TokenCredential,
        *,
        transport: HttpTransport[Any, Any] | None = None,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/history/v1.0{workspace_id}"
        self.rest = RestClient(
            self.base, scope=ARM_SCOPE, transport=transport, credential=credential
        )

    @classmethod
    def of_workspace(
        cls,
        ml_client: Any,
        credential: TokenCredential,
        *,
        transport: HttpTransport[Any, Any] | None = None,
    ) -> RunHistory:
        """The run history of `ml_client`'s workspace (its API URL comes from the workspace's
        discovery document, as azure-ai-ml finds it)."""
        workspace_id = workspace_arm_id(
            ml_client.subscription_id, ml_client.resource_group_name, ml_client.workspace_name
        )
        return cls(ml_client.jobs._api_url, workspace_id, credential, transport=transport)

    def children(self, name: str) -> Iterator[dict[str, Any]]:
        """The run's child runs (run history's ``Run`` JSON), page after page."""
        url: str | None = (
            f"{self.base}/runs/{quote(name, safe='')}/children?api-version={HISTORY_API_VERSION}"
        )
        while url:
            response = self.rest.send("GET", url)
            if response.status_code >= 400:
                raise JobError(
                    f"run history: the steps of {name} failed: {_mlflow_error(response)}"
                )
            page = response.json() or {}
            yield from page.get("value") or []
            url = page.get("nextLink")

    def close(self) -> None:
        self.rest.close()
