"""Experiments you can read: the runs of an experiment, one run in full, runs side by side, the
best run by a metric.

The runs, their latest metric values, params and tags come from the workspace's MLflow tracking
server (`jobs.tracking`), newest first, a page at a time: `list_runs` reads only as many pages as
the listing needs. Each listed run's compute comes from its job (one ARM read per listed run),
and the models each run produced from the workspace's model versions (their ``job_name`` or
``amlstack.run`` tag). `show_job` reads one job through azure-ai-ml (ARM, and run history for a
pipeline's steps and the log files). The selection, filtering, sorting and comparison are plain
functions of the runs, tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from components.suggest import did_you_mean
from jobs.errors import JobError, ModelError, RunSelectionError
from jobs.git import COMMIT_TAG, DIRTY_TAG
from jobs.models import ModelOperations, run_of
from jobs.tracking import Experiment, RunHistory, TrackedRun, Tracking

__all__ = [
    "LISTING_VERSION",
    "Comparison",
    "JobView",
    "Listing",
    "RunFilter",
    "RunRow",
    "Step",
    "choose_best",
    "compare_runs",
    "experiment_of",
    "list_runs",
    "models_by_run",
    "select_runs",
    "shared_metrics",
    "show_job",
    "sort_rows",
    "tracked_runs",
]

LISTING_VERSION = 1
"""The version of ``job list --json`` / ``job show --json`` / ``job compare --json`` documents."""
_GIT_COMMIT_PROPERTY = "mlflow.source.git.commit"
"""What azure-ai-ml records of the submitting directory's repository, when amlstack's tag is
missing (a job submitted another way)."""


@dataclass(frozen=True)
class RunFilter:
    """Which runs a listing keeps; every default keeps all top-level runs."""

    statuses: frozenset[str] = frozenset()
    """Keep runs in these statuses (Azure ML's, as `TrackedRun.status` has them); empty: any."""
    since_ms: int | None = None
    """Keep runs started at or after this time (milliseconds since the epoch)."""

    def keeps(self, run: TrackedRun) -> bool:
        if run.parent is not None:  # pipeline steps and sweep trials belong to their parent
            return False
        if self.statuses and run.status not in self.statuses:
            return False
        return not self.older(run)

    def older(self, run: TrackedRun) -> bool:
        """Whether `run` started before ``since`` (a run without a start time is not)."""
        since, start = self.since_ms, run.start_ms
        return since is not None and start is not None and start < since


def select_runs(
    runs: Iterable[TrackedRun], run_filter: RunFilter, limit: int | None
) -> tuple[list[TrackedRun], bool]:
    """The first `limit` runs `run_filter` keeps, from `runs` newest first, and whether more may
    follow. Stops reading `runs` at the limit, or at the first run older than ``since``."""
    kept: list[TrackedRun] = []
    for run in runs:
        if run_filter.older(run):
            if run.parent is None:
                return kept, False  # newest first: every later run is older still
            continue
        if not run_filter.keeps(run):
            continue
        if limit is not None and len(kept) == limit:
            return kept, True
        kept.append(run)
    return kept, False


def shared_metrics(runs: Sequence[TrackedRun]) -> list[str]:
    """The metrics every one of `runs` logged, by name (none for no runs)."""
    if not runs:
        return []
    common = set(runs[0].metrics)
    for run in runs[1:]:
        common &= set(run.metrics)
    return sorted(common)


@dataclass(frozen=True)
class RunRow:
    """One run of the experiment view (``job list``; the JSON document's ``runs``)."""

    name: str
    display_name: str | None
    status: str
    start: str | None
    """When it started, ISO 8601 in UTC."""
    duration_seconds: float | None
    """From start to end (to now, while it runs)."""
    compute: str | None
    metrics: dict[str, float]
    """The latest value of every metric the run logged."""
    params: dict[str, str]
    git_commit: str | None
    git_dirty: bool | None
    """None when the run records no git state."""
    models: list[str] = field(default_factory=list)
    """The model versions registered from the run, as ``name:version``."""


def sort_rows(rows: Sequence[RunRow], metric: str | None, *, descending: bool) -> list[RunRow]:
    """By `metric` (runs without it last), else as given (newest first)."""
    if metric is None:
        return list(rows)
    with_it = [row for row in rows if metric in row.metrics]
    without = [row for row in rows if metric not in row.metrics]
    with_it.sort(key=lambda row: row.metrics[metric], reverse=descending)
    return with_it + without


@dataclass(frozen=True)
class Listing:
    """The experiment view: its runs, the metrics shown, and whether more runs match."""

    experiment: str
    runs: list[RunRow]
    metrics: list[str]
    more: bool

    def document(self) -> dict[str, Any]:
        """The ``job list --json`` document (docs/guides/jobs-and-models.md)."""
        return {
            "version": LISTING_VERSION,
            "experiment": self.experiment,
            "metrics": self.metrics,
            "more": self.more,
            "runs": [_row_document(row) for row in self.runs],
        }


def _row_document(row: RunRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "displayName": row.display_name,
        "status": row.status,
        "start": row.start,
        "durationSeconds": row.duration_seconds,
        "compute": row.compute,
        "metrics": row.metrics,
        "params": row.params,
        "git": {"commit": row.git_commit, "dirty": row.git_dirty},
        "models": row.models,
    }


def experiment_of(tracking: Tracking, name: str) -> Experiment:
    """The experiment called `name`; `RunSelectionError` names the workspace's experiments."""
    found = tracking.experiment(name)
    if found is not None:
        return found
    known = [e.name for e in tracking.experiments()]
    listing = f"its experiments: {', '.join(known)}" if known else "it has no experiments yet"
    raise RunSelectionError(
        f"--experiment {name!r}: the workspace has no experiment {name!r}; "
        f"{did_you_mean(name, known)}{listing}"
    )


def list_runs(
    tracking: Tracking,
    experiment: str,
    *,
    run_filter: RunFilter = RunFilter(),
    limit: int | None = 20,
    metrics: Sequence[str] = (),
    sort: str | None = None,
    descending: bool = True,
    compute_of: Callable[[str], str | None] = lambda _name: None,
    models: ModelOperations | None = None,
    now_ms: int | None = None,
) -> Listing:
    """The experiment view of `experiment` (see module doc). `metrics` are the columns
    (default: those the listed runs share); `sort` a metric to order by; `compute_of` reads a
    run's compute (``lambda name: ml_client.jobs.get(name).compute``)."""
    found = experiment_of(tracking, experiment)
    runs, more = select_runs(tracking.runs(found), run_filter, limit)
    produced = models_by_run(models) if models is not None and runs else {}
    now = now_ms if now_ms is not None else int(datetime.now(UTC).timestamp() * 1000)
    rows = [_row(run, compute_of(run.name), produced.get(run.name, []), now_ms=now) for run in runs]
    shown = list(metrics) or shared_metrics(runs)
    return Listing(found.name, sort_rows(rows, sort, descending=descending), shown, more)


def _row(run: TrackedRun, compute: str | None, models: list[str], *, now_ms: int) -> RunRow:
    commit = run.tags.get(COMMIT_TAG) or run.tags.get(_GIT_COMMIT_PROPERTY)
    end = run.end_ms or (now_ms if run.status in ("Running", "Queued") else None)
    return RunRow(
        name=run.name,
        display_name=run.display_name,
        status=run.status,
        start=_iso(run.start_ms),
        duration_seconds=(end - run.start_ms) / 1000 if run.start_ms and end else None,
        compute=compute,
        metrics=dict(run.metrics),
        params=dict(run.params),
        git_commit=commit,
        git_dirty=_dirty(run.tags),
        models=sorted(models),
    )


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return (
        datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def models_by_run(models: ModelOperations) -> dict[str, list[str]]:
    """Run name -> the model versions registered from it (``name:version``)."""
    produced: dict[str, list[str]] = {}
    for container in models.list():
        for version in models.list(name=str(container.name)):
            run = run_of(version)
            if run:
                produced.setdefault(str(run), []).append(f"{version.name}:{version.version}")
    return produced


def choose_best(
    runs: Iterable[TrackedRun], metric: str, *, maximize: bool, experiment: str
) -> tuple[TrackedRun, int]:
    """The completed top-level run with the best latest value of `metric`, and how many runs
    were compared. No completed run: `ModelError` (there is nothing to register yet); none
    logged `metric`, or two share the best value: `RunSelectionError`."""
    completed = [run for run in runs if run.parent is None and run.status == "Completed"]
    if not completed:
        raise ModelError(
            f"experiment {experiment!r} has no completed run yet; wait for one to complete "
            "(amlstack job list --experiment shows their status)"
        )
    scored = [run for run in completed if _finite(run.metrics.get(metric))]
    if not scored:
        logged = sorted({key for run in completed for key in run.metrics})
        listing = f"they logged: {', '.join(logged)}" if logged else "they logged no metric"
        raise RunSelectionError(
            f"--metric {metric!r}: none of the {len(completed)} completed runs of experiment "
            f"{experiment!r} logged it; {did_you_mean(metric, logged)}{listing}"
        )
    best = (max if maximize else min)(run.metrics[metric] for run in scored)
    winners = sorted(run.name for run in scored if run.metrics[metric] == best)
    if len(winners) > 1:
        raise RunSelectionError(
            f"--metric {metric!r}: runs {', '.join(winners)} of experiment {experiment!r} tie "
            f"at {best:g} ({'max' if maximize else 'min'}); choose one with --job RUN"
        )
    return next(run for run in scored if run.name == winners[0]), len(scored)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


@dataclass(frozen=True)
class Comparison:
    """Runs side by side: each metric's and param's value per run, and which differ."""

    runs: list[TrackedRun]
    metrics: dict[str, list[float | None]]
    params: dict[str, list[str | None]]

    def differs(self, values: Sequence[object]) -> bool:
        return len({repr(value) for value in values}) > 1

    def document(self) -> dict[str, Any]:
        """The ``job compare --json`` document (docs/guides/jobs-and-models.md)."""
        names = [run.name for run in self.runs]

        def table(values: Mapping[str, Sequence[object]]) -> dict[str, Any]:
            return {
                key: {"values": dict(zip(names, row, strict=True)), "differs": self.differs(row)}
                for key, row in values.items()
            }

        return {
            "version": LISTING_VERSION,
            "runs": [
                {"name": run.name, "status": run.status, "displayName": run.display_name}
                for run in self.runs
            ],
            "metrics": table(self.metrics),
            "params": table(self.params),
        }


def compare_runs(runs: Sequence[TrackedRun]) -> Comparison:
    """Every metric and param any of `runs` has, with each run's value (None: it has none)."""
    metric_keys = sorted({key for run in runs for key in run.metrics})
    param_keys = sorted({key for run in runs for key in run.params})
    return Comparison(
        runs=list(runs),
        metrics={key: [run.metrics.get(key) for run in runs] for key in metric_keys},
        params={key: [run.params.get(key) for run in runs] for key in param_keys},
    )


def tracked_runs(tracking: Tracking, names: Sequence[str]) -> list[TrackedRun]:
    """Each named run from the tracking server; a missing one raises `JobError` naming it."""
    found = []
    for name in names:
        run = tracking.run(name)
        if run is None:
            raise JobError(f"run {name!r} is not in the workspace's MLflow tracking server")
        found.append(run)
    return found


@dataclass(frozen=True)
class Step:
    """One child job of a pipeline (or trial of a sweep)."""

    name: str
    display_name: str | None
    status: str
    compute: str | None


@dataclass(frozen=True)
class JobView:
    """One job in full (``job show``)."""

    name: str
    display_name: str | None
    type: str
    status: str
    experiment: str | None
    compute: str | None
    environment: str | None
    code: str | None
    code_hash: str | None
    """The code snapshot's content hash: amlstack names code assets by it."""
    inputs: dict[str, dict[str, str]]
    """Name -> ``{"type", "uri"}`` (``{"type": "literal", "value"}`` for a plain value)."""
    outputs: dict[str, dict[str, str]]
    tags: dict[str, str]
    studio_url: str | None
    steps: list[Step]
    log_files: list[str]
    logs_uri: str
    """Where Azure ML keeps the run's outputs and logs (the artifact store)."""

    @property
    def git_commit(self) -> str | None:
        """The commit amlstack tagged the job with (``amlstack.gitCommit``)."""
        return self.tags.get(COMMIT_TAG)

    @property
    def git_dirty(self) -> bool | None:
        """Whether the code had uncommitted changes; None when the job records no git state."""
        return _dirty(self.tags)

    def document(self) -> dict[str, Any]:
        """The ``job show --json`` document (docs/guides/jobs-and-models.md)."""
        return {
            "version": LISTING_VERSION,
            "name": self.name,
            "displayName": self.display_name,
            "type": self.type,
            "status": self.status,
            "experiment": self.experiment,
            "compute": self.compute,
            "environment": self.environment,
            "code": {"id": self.code, "hash": self.code_hash},
            "inputs": self.inputs,
            "outputs": self.outputs,
            "tags": self.tags,
            "git": {"commit": self.git_commit, "dirty": self.git_dirty},
            "studioUrl": self.studio_url,
            "steps": [
                {
                    "name": s.name,
                    "displayName": s.display_name,
                    "status": s.status,
                    "compute": s.compute,
                }
                for s in self.steps
            ],
            "logs": {"files": self.log_files, "uri": self.logs_uri},
        }


def _dirty(tags: Mapping[str, str]) -> bool | None:
    """``amlstack.gitDirty`` as a bool; None when it is not there."""
    value = tags.get(DIRTY_TAG)
    return None if value is None else value == "true"


def show_job(ml_client: Any, name: str, history: RunHistory) -> JobView:
    """One job through azure-ai-ml, its steps (every page) from `history`, its log files."""
    from jobs.follow import status_text

    job = ml_client.jobs.get(name)
    job_type = str(getattr(job.type, "value", job.type))
    steps = []
    if job_type in ("pipeline", "sweep"):
        steps = [
            Step(
                name=str(child.get("runId")),
                display_name=child.get("displayName"),
                status=str(child.get("status") or ""),
                compute=(child.get("compute") or {}).get("target"),
            )
            for child in history.children(name)
        ]
    details = ml_client.jobs._runs_operations.get_run_details(name)
    code = _text(getattr(job, "code", None))
    return JobView(
        name=str(job.name),
        display_name=job.display_name,
        type=job_type,
        status=status_text(job),
        experiment=job.experiment_name,
        compute=_text(job.compute),
        environment=_text(getattr(job, "environment", None)),
        code=code,
        code_hash=_code_hash(code),
        inputs=dict(_io(getattr(job, "inputs", None) or {})),
        outputs=dict(_io(getattr(job, "outputs", None) or {})),
        tags=dict(job.tags or {}),
        studio_url=job.studio_url,
        steps=steps,
        log_files=sorted(details.log_files or {}),
        logs_uri=f"azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.{name}/",
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "id", None) or value)


def _code_hash(code: str | None) -> str | None:
    """The content hash of a code asset amlstack named (``.../codes/<64 hex>/versions/1``)."""
    if code is None:
        return None
    parts = code.rstrip("/").split("/")
    name = parts[-3] if len(parts) >= 3 and parts[-2] == "versions" else parts[-1].split(":")[0]
    return name if len(name) == 64 and all(c in "0123456789abcdef" for c in name) else None


def _io(entries: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    for key, entry in entries.items():
        data = getattr(entry, "_data", entry)
        path = getattr(data, "path", None)
        kind = getattr(data, "type", None)
        if kind is not None:
            yield key, {"type": str(kind), "uri": str(path) if path else ""}
        elif data is not None:
            yield key, {"type": "literal", "value": str(data)}
