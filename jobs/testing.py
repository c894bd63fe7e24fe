"""Test helpers for code built on the jobs package: a fake Azure behind a real ``MLClient``.

`FakeAzure` is an azure-core transport: the real client (azure-ai-ml's, or amlstack's own REST
pipeline, `components.azure_rest`) builds, sends and parses every request, with retries, bearer
tokens and long-running-operation polling, and `FakeAzure` answers from canned JSON (e.g. the REST
examples of the Azure REST API specs) or from a handler, and records what was sent.
`StaticCredential` hands out a token that never expires. `FakeWorkspace` puts a workspace's
experiments on a `FakeAzure`: its jobs (ARM), its MLflow tracking server (experiments, runs
searched a page at a time, one run) and its run history (a pipeline's steps, paged; a run's log
files), each answering in the shape Azure ML answers in::

    from jobs.testing import FakeAzure, fake_ml_client

    def test_reads_job_status(context):
        azure = FakeAzure()
        azure.respond("GET", r"/jobs/train-1\\?", {"name": "train-1", ...})
        ml_client = fake_ml_client(context, azure)
        assert ml_client.jobs.get("train-1").status == "Completed"
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

from jobs.context import StackContext
from jobs.tracking import tracking_base_url

__all__ = [
    "Answer",
    "FakeAzure",
    "FakeRun",
    "FakeWorkspace",
    "Handler",
    "Sent",
    "StaticCredential",
    "fake_ml_client",
    "fake_token",
]

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
"""A response: status, JSON body (None: no content) and, optionally, headers."""
Handler = Callable[[HttpRequest], Answer]
"""Answers one request (to compute the answer from the request, or to keep state)."""


def fake_token(*, audience: str = "https://management.azure.com/", tenant: str = "tenant") -> str:
    """An unsigned JWT with the claims azure-ai-ml reads (``aud``, ``tid``, ``oid``)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    claims = {"aud": audience, "tid": tenant, "oid": "00000000-0000-0000-0000-0000000000aa"}
    header = {"alg": "none", "typ": "JWT"}
    return ".".join(
        part(x) for x in (json.dumps(header).encode(), json.dumps(claims).encode(), b"x")
    )


class StaticCredential:
    """A credential whose tokens never expire; ``scopes_seen`` records what was asked for."""

    def __init__(self, tenant: str = "tenant") -> None:
        self.tenant = tenant
        self.scopes_seen: list[str] = []

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        info = self.get_token_info(*scopes)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(self, *scopes: str, **_: Any) -> AccessTokenInfo:
        self.scopes_seen += scopes
        audience = scopes[0].removesuffix("/.default") if scopes else ""
        return AccessTokenInfo(fake_token(audience=audience, tenant=self.tenant), 2**31 - 1)


@dataclass(frozen=True)
class Sent:
    """One request the client sent."""

    method: str
    url: str
    body: Any
    """The content: parsed JSON, else text, else bytes (None without content)."""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> str:
        return urlsplit(self.url).query


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


@dataclass
class FakeAzure(HttpTransport):  # type: ignore[type-arg]
    """Answers requests whose method and URL match a route; unmatched ones get a 404."""

    routes: list[_Route] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def respond(
        self,
        method: str,
        url_pattern: str,
        *bodies: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer with `bodies` in turn (the last one repeats); newer routes win."""
        answers: list[Answer] = [(status, body, headers or {}) for body in (bodies or (None,))]

        def next_answer(_request: HttpRequest) -> Answer:
            return answers.pop(0) if len(answers) > 1 else answers[0]

        self.handle(method, url_pattern, next_answer)

    def handle(self, method: str, url_pattern: str, handler: Handler) -> None:
        """Answer requests whose URL matches `url_pattern` with ``handler(request)``; newer
        routes win."""
        self.routes.insert(0, _Route(method.upper(), re.compile(url_pattern), handler))

    def requests_to(self, method: str, url_pattern: str = "") -> list[Sent]:
        """The requests sent with `method` to a URL that matches `url_pattern`."""
        pattern = re.compile(url_pattern)
        return [s for s in self.sent if s.method == method.upper() and pattern.search(s.url)]

    def send(self, request: HttpRequest, **_kwargs: Any) -> HttpResponseImpl:
        body = _request_body(request)
        self.sent.append(Sent(request.method, request.url, body, dict(request.headers)))
        for route in self.routes:
            if route.method == request.method and route.pattern.search(request.url):
                status, answer, *headers = route.handler(request)
                return _response(request, status, answer, headers[0] if headers else {})
        error = {"error": {"code": "NotFound", "message": f"no fake for {request.url}"}}
        return _response(request, 404, error, {})

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> FakeAzure:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def fake_ml_client(context: StackContext, azure: FakeAzure, **kwargs: Any) -> Any:
    """An ``MLClient`` for the stack's workspace that talks to `azure` only."""
    from azure.ai.ml import MLClient

    return MLClient(
        StaticCredential(),
        context.subscription_id,
        context.resource_group,
        context.workspace_name,
        transport=azure,
        **kwargs,
    )


def _request_body(request: HttpRequest) -> Any:
    """The body `request` was sent with: JSON decoded, else text, else bytes (None: none)."""
    return _decode(getattr(request, "content", None) or getattr(request, "data", None))


def _decode(content: Any) -> Any:
    if content is None:
        return None
    try:
        text = content.decode() if isinstance(content, bytes) else content
    except UnicodeDecodeError:
        return content
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _response(
    request: HttpRequest, status: int, body: Any, headers: dict[str, str]
) -> HttpResponseImpl:
    response = HttpResponseImpl(
        request=request,
        internal_response=_Closed(),
        status_code=status,
        reason="OK" if status < 400 else "Error",
        content_type="application/json",
        headers=CaseInsensitiveDict({"content-type": "application/json", **headers}),
        stream_download_generator=_no_stream,
    )
    if body is None:
        response._content = b""
    else:
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return response


class _Closed:
    def close(self) -> None:
        return None


def _no_stream(**_: Any) -> Iterator[bytes]:
    return iter(())


_MLFLOW_STATUS = {
    "Queued": "SCHEDULED",
    "Running": "RUNNING",
    "Completed": "FINISHED",
    "Failed": "FAILED",
    "Canceled": "KILLED",
}


@dataclass
class FakeRun:
    """One run of a `FakeWorkspace`: a job to ARM, a run to MLflow and to run history."""

    name: str
    experiment: str
    status: str = "Completed"
    """The Azure ML status (Queued, Running, Completed, Failed, Canceled)."""
    start_ms: int = 1_700_000_000_000
    end_ms: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    display_name: str | None = None
    parent: str | None = None
    """The pipeline (or sweep) this run is a step (or trial) of."""
    compute: str | None = "cpu"
    job_type: str = "Command"
    """ARM ``jobType``: Command, Pipeline or Sweep."""
    properties: dict[str, Any] = field(default_factory=dict)
    """More of the ARM job's ``properties`` (``inputs``, ``outputs``, ``codeId``, ``jobs``, ...)."""
    log_files: tuple[str, ...] = ("user_logs/std_log.txt",)


@dataclass
class FakeWorkspace:
    """The stack's workspace, its experiments and runs, answered on `azure` (see module doc).

    `page_size` caps every page (as the server caps ``max_results``), so tests see paging.
    """

    azure: FakeAzure
    context: StackContext
    page_size: int = 1000
    region: str = "westeurope"
    runs: list[FakeRun] = field(default_factory=list)

    def __post_init__(self) -> None:
        ws = re.escape(self.context.workspace_id)
        api = re.escape(self.api_url)
        history = re.escape(self._history_prefix)
        self.azure.handle("GET", rf"{ws}\?", lambda _r: (200, self.workspace_body()))
        self.azure.handle("GET", rf"{ws}/jobs/[^/?]+\?", self._job)
        self.azure.handle("GET", rf"^{api}/discovery", lambda _r: (200, {"api": self.api_url}))
        mlflow = re.escape(f"{self.tracking_base}/api/2.0/mlflow/")
        self.azure.handle("GET", rf"^{mlflow}experiments/get-by-name\?", self._experiment)
        self.azure.handle("POST", rf"^{mlflow}experiments/search", self._experiments)
        self.azure.handle("POST", rf"^{mlflow}runs/search", self._search)
        self.azure.handle("GET", rf"^{mlflow}runs/get\?", self._run)
        self.azure.handle("GET", rf"^{history}/runs/[^/]+/children", self._children)
        self.azure.handle("GET", rf"^{history}/runs/[^/]+/details", self._details)

    @property
    def api_url(self) -> str:
        return f"https://{self.region}.api.azureml.ms"

    @property
    def tracking_uri(self) -> str:
        """The workspace's ``mlflow_tracking_uri``, as Azure ML reports it."""
        return f"azureml://{self.region}.api.azureml.ms/mlflow/v1.0{self.context.workspace_id}"

    @property
    def tracking_base(self) -> str:
        """The HTTPS REST base of `tracking_uri` (`jobs.tracking.tracking_base_url`)."""
        return tracking_base_url(self.tracking_uri)

    @property
    def _history_prefix(self) -> str:
        return f"{self.api_url}/history/v1.0{self.context.workspace_id}"

    def add(self, *runs: FakeRun) -> None:
        self.runs.extend(runs)

    def experiment_id(self, name: str) -> str:
        """A stable id for experiment `name` (Azure ML's are GUIDs)."""
        digest = base64.b32encode(name.encode()).decode().lower().rstrip("=")
        return f"{digest[:8]:0<8}-0000-4000-8000-{len(name):012d}"

    def workspace_body(self) -> dict[str, Any]:
        return {
            "id": self.context.workspace_id,
            "name": self.context.workspace_name,
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": self.region,
            "properties": {
                "friendlyName": self.context.workspace_name,
                "mlFlowTrackingUri": self.tracking_uri,
                "discoveryUrl": f"{self.api_url}/discovery",
            },
        }

    def _named(self, name: str) -> FakeRun | None:
        return next((run for run in self.runs if run.name == name), None)

    def _job(self, request: HttpRequest) -> Answer:
        name = urlsplit(request.url).path.rsplit("/", 1)[-1]
        run = self._named(name)
        if run is None:
            return 404, {"error": {"code": "UserError", "message": f"job {name} not found"}}
        return 200, self.job_body(run)

    def job_body(self, run: FakeRun) -> dict[str, Any]:
        """The run as ARM returns a job (``GET .../jobs/<name>``)."""
        ws = self.context.workspace_id
        properties: dict[str, Any] = {
            "jobType": run.job_type,
            "status": run.status,
            "experimentName": run.experiment,
            "displayName": run.display_name or run.name,
            "tags": run.tags,
            "properties": {},
            "services": {
                "Studio": {
                    "jobServiceType": "Studio",
                    "endpoint": f"https://ml.azure.com/runs/{run.name}?wsid={ws}",
                }
            },
        }
        if run.compute is not None:
            properties["computeId"] = f"{ws}/computes/{run.compute}"
        if run.job_type == "Command":
            properties.setdefault("command", "python train.py")
            properties["environmentId"] = (
                "azureml://registries/azureml/environments/sklearn-1.5/versions/23"
            )
        if run.job_type == "Pipeline":
            properties["jobs"] = {}
            properties["settings"] = {}
        properties.update(run.properties)
        return {
            "id": f"{ws}/jobs/{run.name}",
            "name": run.name,
            "type": "Microsoft.MachineLearningServices/workspaces/jobs",
            "properties": properties,
        }

    def mlflow_run(self, run: FakeRun) -> dict[str, Any]:
        """The run as the MLflow REST API returns it."""
        tags = {**run.tags, "mlflow.runName": run.display_name or run.name}
        if run.parent is not None:
            tags["mlflow.parentRunId"] = run.parent
        info: dict[str, Any] = {
            "run_id": run.name,
            "run_uuid": run.name,
            "run_name": run.display_name or run.name,
            "experiment_id": self.experiment_id(run.experiment),
            "status": _MLFLOW_STATUS[run.status],
            "start_time": run.start_ms,
            "lifecycle_stage": "active",
        }
        if run.end_ms is not None:
            info["end_time"] = run.end_ms
        return {
            "info": info,
            "data": {
                "metrics": [
                    {"key": k, "value": v, "timestamp": run.end_ms or run.start_ms, "step": 0}
                    for k, v in run.metrics.items()
                ],
                "params": [{"key": k, "value": v} for k, v in run.params.items()],
                "tags": [{"key": k, "value": v} for k, v in tags.items()],
            },
        }

    def _experiment(self, request: HttpRequest) -> Answer:
        name = parse_qs(urlsplit(request.url).query).get("experiment_name", [""])[0]
        if not any(run.experiment == name for run in self.runs):
            return 404, _mlflow_missing(f"Experiment '{name}' does not exist.")
        return 200, {"experiment": self._experiment_body(name)}

    def _experiment_body(self, name: str) -> dict[str, Any]:
        return {
            "experiment_id": self.experiment_id(name),
            "name": name,
            "lifecycle_stage": "active",
        }

    def _experiments(self, request: HttpRequest) -> Answer:
        names = sorted({run.experiment for run in self.runs})
        body = _request_body(request) or {}
        page, token = self._page(names, body)
        answer: dict[str, Any] = {"experiments": [self._experiment_body(n) for n in page]}
        if token:
            answer["next_page_token"] = token
        return 200, answer

    def _search(self, request: HttpRequest) -> Answer:
        body = _request_body(request) or {}
        ids = set(body.get("experiment_ids") or [])
        found = [r for r in self.runs if self.experiment_id(r.experiment) in ids]
        found.sort(key=lambda r: r.start_ms, reverse=True)  # start_time DESC, the default
        page, token = self._page(found, body)
        answer: dict[str, Any] = {"runs": [self.mlflow_run(r) for r in page]}
        if token:
            answer["next_page_token"] = token
        return 200, answer

    def _page(self, items: list[Any], body: Mapping[str, Any]) -> tuple[list[Any], str | None]:
        size = min(int(body.get("max_results") or 1000), self.page_size)
        token = body.get("page_token")
        offset = int(base64.b64decode(token).decode()) if token else 0
        end = offset + size
        following = base64.b64encode(str(end).encode()).decode() if end < len(items) else None
        return items[offset:end], following

    def _run(self, request: HttpRequest) -> Answer:
        name = parse_qs(urlsplit(request.url).query).get("run_id", [""])[0]
        run = self._named(name)
        if run is None:
            return 404, _mlflow_missing(f"Run '{name}' not found")
        return 200, {"run": self.mlflow_run(run)}

    def history_run(self, run: FakeRun) -> dict[str, Any]:
        """The run as run history returns it (``RunDto``)."""
        body: dict[str, Any] = {
            "runId": run.name,
            "displayName": run.display_name or run.name,
            "status": run.status,
            "experimentId": self.experiment_id(run.experiment),
            "parentRunId": run.parent,
            "tags": run.tags,
            "properties": {},
        }
        if run.compute is not None:
            body["compute"] = {"target": run.compute}
        return body

    def _children(self, request: HttpRequest) -> Answer:
        parts = urlsplit(request.url)
        parent = parts.path.rstrip("/").split("/")[-2]
        children = [run for run in self.runs if run.parent == parent]
        query = parse_qs(parts.query)
        offset = int(query.get("$continuationtoken", ["0"])[0])
        end = offset + self.page_size
        answer: dict[str, Any] = {"value": [self.history_run(r) for r in children[offset:end]]}
        if end < len(children):
            answer["continuationToken"] = str(end)
            answer["nextLink"] = (
                f"{parts.scheme}://{parts.netloc}{parts.path}?$continuationtoken={end}"
            )
        return 200, answer

    def _details(self, request: HttpRequest) -> Answer:
        name = urlsplit(request.url).path.rstrip("/").split("/")[-2]
        run = self._named(name)
        if run is None:
            return 404, {"error": {"code": "UserError", "message": f"run {name} not found"}}
        files = {
            log: f"https://st.blob.core.windows.net/azureml/ExperimentRun/dcid.{quote(name)}/{log}?sv=x"
            for log in run.log_files
        }
        return 200, {"runId": run.name, "status": run.status, "logFiles": files}


def _mlflow_missing(message: str) -> dict[str, str]:
    return {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": message}
