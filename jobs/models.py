"""Models: register one from a run's output, promote it to the stack's registry, list with lineage.

Registration is idempotent: each version is tagged with where it came from (run, output, path);
registering the same run output again returns that version instead of adding one. Promotion
copies a workspace version to the Azure ML registry under the same name and version, once: a
second promotion finds it there. Tags carry the lineage: ``amlstack.run`` (the job),
``amlstack.source`` (``<job>/<output>/<path>``) and ``amlstack.stack``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from azure.core.exceptions import ResourceNotFoundError

from jobs.context import StackContext
from jobs.errors import ModelError

__all__ = [
    "RUN_TAG",
    "SOURCE_TAG",
    "STACK_TAG",
    "ModelOperations",
    "ModelVersion",
    "list_models",
    "model_path",
    "next_version",
    "promote_model",
    "register_model",
    "run_of",
]

RUN_TAG = "amlstack.run"
SOURCE_TAG = "amlstack.source"
STACK_TAG = "amlstack.stack"

ModelType = Literal["mlflow_model", "custom_model"]


class ModelOperations(Protocol):
    """The part of ``MLClient.models`` used here (a fake in tests, the SDK's otherwise)."""

    def list(self, name: str | None = None) -> Iterable[Any]: ...

    def get(self, name: str, version: str | None = None) -> Any: ...

    def create_or_update(self, model: Any) -> Any: ...

    def share(
        self,
        name: str,
        version: str,
        *,
        share_with_name: str,
        share_with_version: str,
        registry_name: str,
    ) -> Any: ...


@dataclass(frozen=True)
class ModelVersion:
    """One model version and where it came from."""

    name: str
    version: str
    type: str
    run: str | None
    source: str | None
    stack: str | None
    created: bool = False
    """True when this call registered or promoted it; False when it was already there."""


def model_path(job: str, output: str, path: str) -> str:
    """The ``azureml://jobs/...`` URI of a path in a job's output (``artifacts`` for MLflow)."""
    base = f"azureml://jobs/{job}/outputs/{output}"
    return f"{base}/paths/{path.strip('/')}" if path.strip("/") else base


def next_version(versions: Iterable[str]) -> str:
    """One more than the highest numeric version ("1" when there is none)."""
    numbers = [int(v) for v in versions if v.isdigit()]
    return str(max(numbers, default=0) + 1)


def register_model(
    models: ModelOperations,
    context: StackContext,
    *,
    name: str,
    job: str,
    output: str = "artifacts",
    path: str = "model",
    type: ModelType = "mlflow_model",
    description: str | None = None,
) -> ModelVersion:
    """Register `path` of `job`'s `output` as a version of model `name`; idempotent."""
    from azure.ai.ml.entities import Model

    source = f"{job}/{output}/{path.strip('/')}"
    existing = _versions(models, name)
    for model in existing:
        if (model.tags or {}).get(SOURCE_TAG) == source:
            return _describe(model)
    model = Model(
        name=name,
        version=next_version(str(m.version) for m in existing),
        path=model_path(job, output, path),
        type=type,
        description=description,
        job_name=job,
        tags={RUN_TAG: job, SOURCE_TAG: source, STACK_TAG: context.stack},
    )
    return _describe(models.create_or_update(model), created=True)


def promote_model(
    workspace_models: ModelOperations,
    registry_models: ModelOperations,
    context: StackContext,
    *,
    name: str,
    version: str,
) -> ModelVersion:
    """Copy workspace model `name`:`version` to the stack's registry; idempotent."""
    if context.registry is None:
        raise ModelError(f"stack {context.stack!r} has no registry in its outputs")
    try:
        model = workspace_models.get(name, version)
    except ResourceNotFoundError:
        raise ModelError(
            f"model {name}:{version} is not in workspace {context.workspace_name}"
        ) from None
    try:
        promoted = registry_models.get(name, version)
    except ResourceNotFoundError:
        promoted = None
    if promoted is not None:
        theirs, ours = (promoted.tags or {}).get(SOURCE_TAG), (model.tags or {}).get(SOURCE_TAG)
        if theirs != ours:
            raise ModelError(
                f"registry {context.registry.name} already has {name}:{version} from "
                f"{theirs or 'elsewhere'}, not from {ours or 'this workspace'}; "
                "register the model under a new version first"
            )
        return _describe(promoted)
    shared = workspace_models.share(
        name,
        version,
        share_with_name=name,
        share_with_version=version,
        registry_name=context.registry.name,
    )
    return _describe(shared, created=True)


def list_models(models: ModelOperations, name: str | None = None) -> list[ModelVersion]:
    """Every version of model `name` (or the latest of every model), with its lineage."""
    found = _versions(models, name) if name else list(models.list())
    return sorted(
        (_describe(m) for m in found),
        key=lambda m: (m.name, int(m.version) if m.version.isdigit() else 0, m.version),
    )


def _versions(models: ModelOperations, name: str) -> list[Any]:
    try:
        return list(models.list(name=name))
    except ResourceNotFoundError:
        return []


def run_of(model: Any) -> str | None:
    """The run a model version was registered from: its ``amlstack.run`` tag, else the
    ``job_name`` Azure ML records."""
    return (model.tags or {}).get(RUN_TAG) or getattr(model, "job_name", None)


def _describe(model: Any, *, created: bool = False) -> ModelVersion:
    tags = model.tags or {}
    return ModelVersion(
        name=str(model.name),
        version=str(model.version),
        type=str(model.type),
        run=run_of(model),
        source=tags.get(SOURCE_TAG),
        stack=tags.get(STACK_TAG),
        created=created,
    )
