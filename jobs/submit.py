"""Submit command, sweep and pipeline jobs against a stack, or show the request (dry run).

`prepare` loads nothing and sends nothing: it takes a loaded job, checks and resolves every
reference against the stack (`jobs.resolve`), names the job deterministically and builds the PUT
azure-ai-ml would send. `dry_run` is `prepare` with the offline resolver; `submit` is `prepare`
with a resolver that uploads code and registers environments and components under the very ids the
dry run shows, then hands the job to ``MLClient.jobs.create_or_update``. Submitting the same
request twice finds the first job by its name instead of starting a second one.

The request is the body the SDK serializes; at send time azure-ai-ml adds git tracking properties
(``mlflow.source.git.*`` from the current directory's repository) to ``properties.properties``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.ai.ml import MLClient
from azure.ai.ml.entities import Command, Component, Environment, Job, PipelineJob
from azure.ai.ml.entities._assets import Code
from azure.ai.ml.entities._job.to_rest_functions import to_rest_job_object
from azure.ai.ml.entities._validation import PathAwareSchemaValidatableMixin
from azure.ai.ml.sweep import SweepJob
from azure.core.exceptions import ResourceNotFoundError

from components.azure_rest import ARM_ENDPOINT
from jobs.context import StackContext
from jobs.errors import JobError, JobSpecError
from jobs.follow import status_text
from jobs.git import COMMIT_TAG, DIFF_HASH_TAG, DIRTY_TAG, git_state
from jobs.models import STACK_TAG
from jobs.pipelines import apply_default_compute, resolve_pipeline
from jobs.refs import (
    ALL,
    Overrides,
    content_digest,
    default_compute,
    is_arm_id,
    job_name,
    workspace_arm_id,
)
from jobs.resolve import (
    BLOB_STORE_PATHS,
    Resolver,
    StackResolver,
    local_upload,
    resolve_command,
    resolve_sweep,
    rest_json,
)
from jobs.snapshot import take_snapshot
from jobs.specs import LoadedSpec

__all__ = [
    "API_VERSIONS",
    "ARM_ENDPOINT",
    "COMMIT_TAG",
    "COMPONENT_API_VERSION",
    "DIFF_HASH_TAG",
    "DIRTY_TAG",
    "WORKSPACE_TAG",
    "LiveResolver",
    "PreparedJob",
    "Request",
    "SubmitOptions",
    "Submitted",
    "check_compute",
    "computes_of",
    "dry_run",
    "job_body",
    "prepare",
    "resolve_job",
    "submit",
    "validate_job",
]

API_VERSIONS: Mapping[str, str] = {
    "Command": "2025-01-01-preview",
    "Sweep": "2024-01-01-preview",
    "Pipeline": "2024-01-01-preview",
}
"""The api-version azure-ai-ml 1.35.2 sends a job PUT with, by job type (tests check it)."""
COMPONENT_API_VERSION = "2024-01-01-preview"
"""The api-version azure-ai-ml 1.35.2 registers (anonymous) components with."""

WORKSPACE_TAG = "amlstack.workspace"
"""Job tag: the workspace key the job was submitted to (beside `jobs.models.STACK_TAG`; the git
tags are `jobs.git`'s)."""
_PENDING = "amlstack-pending-name"

log = logging.getLogger("amlstack.jobs")


@dataclass(frozen=True)
class SubmitOptions:
    """What a submission may change about a spec; every default keeps the spec as written."""

    name: str | None = None
    """The job name. Default: the spec's ``name``, else ``<experiment>-<12 hex of its hash>``."""
    experiment: str | None = None
    """Default: the spec's ``experiment_name``, else its folder name (YAML) or file stem."""
    display_name: str | None = None
    """Default: the spec's ``display_name``, else the job name."""
    description: str | None = None
    """Default: the spec's."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Added to the spec's tags, with ``amlstack.stack``, ``.workspace`` and, in a git
    repository, ``.gitCommit``, ``.gitDirty`` and ``.gitDiffHash`` (`jobs.git`)."""
    overrides: Overrides = field(default_factory=Overrides)
    """Computes / environments to use instead of those the spec names."""


@dataclass(frozen=True)
class Request:
    """One HTTP request: what the dry run prints."""

    method: str
    url: str
    body: dict[str, Any]
    components: tuple[Request, ...] = ()
    """The anonymous components a pipeline's steps use, registered (PUT) before the job; the
    dry run shows them under ``components`` (left out when there are none)."""

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"method": self.method, "url": self.url, "body": self.body}
        if self.components:
            document["components"] = [c.document() for c in self.components]
        return document

    def to_json(self) -> str:
        return json.dumps(self.document(), indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class PreparedJob:
    """A job whose references are resolved, with its name and the request that creates it."""

    job: Any
    name: str
    request: Request


@dataclass(frozen=True)
class Submitted:
    """A submitted job, or the one already there under the same name."""

    name: str
    status: str
    studio_url: str | None
    created: bool


def prepare(
    spec: LoadedSpec, context: StackContext, options: SubmitOptions, resolver: Resolver
) -> PreparedJob:
    """Check, resolve and name the job of `spec` (in place) and build its request."""
    job = spec.job
    if not isinstance(job, Job):
        raise JobSpecError(f"{spec.source}: {type(job).__name__} is not an azure-ai-ml job")
    if isinstance(job, PipelineJob):
        apply_default_compute(job, _default_compute_name(context, options.overrides))
    validate_job(job, spec.source)
    job.experiment_name = options.experiment or job.experiment_name or spec.default_experiment
    if options.display_name:
        job.display_name = options.display_name
    if options.description:
        job.description = options.description
    resolve_job(job, resolver, at=f"{spec.source.name}: ")
    tags = _amlstack_tags(context, spec.source, resolver.code_paths)
    job.tags = {**(job.tags or {}), **tags, **options.tags}
    chosen = options.name or job.name
    job.name = chosen or _PENDING
    body = job_body(job)
    if not chosen:
        hashed = dict(body["properties"])
        if hashed.get("displayName") == _PENDING:
            del hashed["displayName"]
        job.name = job_name(job.experiment_name, content_digest(hashed))
        if body["properties"].get("displayName") == _PENDING:
            body["properties"]["displayName"] = job.name
    version = API_VERSIONS[body["properties"]["jobType"]]  # _resolve admits only these types
    workspace = workspace_arm_id(
        context.subscription_id, context.resource_group, context.workspace_name
    )
    url = f"{ARM_ENDPOINT}{workspace}/jobs/{job.name}?api-version={version}"
    components = tuple(
        Request("PUT", f"{ARM_ENDPOINT}{component_id}?api-version={COMPONENT_API_VERSION}", body)
        for component_id, body in getattr(resolver, "anonymous_components", {}).items()
    )
    return PreparedJob(job=job, name=job.name, request=Request("PUT", url, body, components))


def dry_run(spec: LoadedSpec, context: StackContext, options: SubmitOptions) -> Request:
    """The request `submit` would send, with every id resolved from the stack. No network."""
    return prepare(spec, context, options, StackResolver(context, options.overrides)).request


def submit(
    spec: LoadedSpec,
    context: StackContext,
    options: SubmitOptions,
    ml_client: MLClient,
    *,
    compute_state: Callable[[str], str] | None = None,
) -> Submitted:
    """Upload what the job needs, then create it; an existing job of the same name is returned.

    `compute_state` (e.g. `jobs.rest.compute_state` with a credential) checks each compute the
    job runs on first: a failed one stops the submission, one still being created is a warning.
    """
    prepared = prepare(spec, context, options, LiveResolver(context, options.overrides, ml_client))
    try:
        existing = ml_client.jobs.get(prepared.name)
    except ResourceNotFoundError:
        existing = None
    if existing is not None:
        return Submitted(prepared.name, status_text(existing), existing.studio_url, created=False)
    if compute_state is not None:
        for compute_id in computes_of(prepared.request.body):
            check_compute(compute_id, compute_state(compute_id))
    created = ml_client.jobs.create_or_update(prepared.job, skip_validation=True)
    return Submitted(prepared.name, status_text(created), created.studio_url, created=True)


def computes_of(body: Mapping[str, Any]) -> list[str]:
    """The ARM ids of the computes a request's job runs on (steps and defaults included)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in ("computeId", "default_compute") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)

    walk(body)
    return sorted({c for c in found if is_arm_id(c)})


def check_compute(compute_id: str, state: str) -> None:
    """A failed or deleted compute stops a submission; one not ready yet only warns."""
    name = compute_id.rsplit("/", 1)[-1]
    if state in {"Failed", "Deleting", "Canceled"}:
        raise JobError(
            f"compute {name!r} is {state}; fix or recreate it (`pulumi up`) before submitting"
        )
    if state != "Succeeded":
        log.warning("compute %r is %s: the job waits until it is ready", name, state)


class LiveResolver(StackResolver):
    """Uploads code and registers inline environments and components, under predictable ids."""

    def __init__(
        self, context: StackContext, overrides: Overrides | None, ml_client: MLClient
    ) -> None:
        super().__init__(context, overrides)
        self.ml_client = ml_client

    def code(self, path: Path, where: str) -> str:
        snapshot = take_snapshot(path, where=where)
        self.code_paths.append(path)
        code = Code(name=snapshot.digest, version="1", path=str(path))
        return str(self.ml_client._code.create_or_update(code).id)

    def environment(self, ref: str | Environment, where: str) -> str:
        if isinstance(ref, str) or ref.id:
            return super().environment(ref, where)
        return str(self.ml_client.environments.create_or_update(ref).id)

    def component(self, component: Component, where: str) -> str:  # noqa: ARG002
        if component.id:
            return str(component.id)
        return str(self.ml_client.components.create_or_update(component, is_anonymous=True).id)

    def local_input(self, path: Path, input_type: str, where: str) -> str:
        """Upload as azure-ai-ml does (to ``LocalUpload/<content hash>/``, skipped when that is
        there already), so the job carries the URI the dry run showed. The content is hashed
        once: the upload is given the hash and ignore file the URI was predicted with."""
        from azure.ai.ml._artifacts._artifact_utilities import _upload_to_datastore

        predicted = local_upload(path, input_type, where=where)  # checks the path
        uploaded = _upload_to_datastore(
            operation_scope=self.ml_client._operation_scope,
            datastore_operation=self.ml_client.datastores,
            path=path,
            artifact_type="Data",
            datastore_name="workspaceblobstore",
            show_progress=False,
            asset_name=predicted.digest,
            asset_hash=predicted.digest,
            ignore_file=predicted.ignore_file,
        )
        uri = f"{BLOB_STORE_PATHS}/{uploaded.relative_path}"
        uri = uri + "/" if predicted.uri.endswith("/") and not uri.endswith("/") else uri
        if uri != predicted.uri:
            log.warning("%s: uploaded to %s, not %s as predicted", where, uri, predicted.uri)
        return uri


def _default_compute_name(context: StackContext, overrides: Overrides) -> str | None:
    return overrides.computes.get(ALL) or default_compute(context)


def validate_job(job: Job, source: Path) -> None:
    """azure-ai-ml's own offline validation (schema, pipeline bindings), as ``az ml`` runs it."""
    if not isinstance(job, PathAwareSchemaValidatableMixin):
        return
    result = job._validate(raise_error=False)
    if not result.passed:
        lines = [f"{path}: {message}" for path, message in result.error_messages.items()]
        raise JobSpecError(f"{source}: invalid job:\n" + "\n".join(f"  - {x}" for x in lines))


def resolve_job(job: Job, resolver: Resolver, *, at: str) -> None:
    """Resolve every reference of a command, sweep or pipeline job in place (`at` prefixes
    errors); other job types are refused."""
    if isinstance(job, PipelineJob):
        resolve_pipeline(job, resolver, at=at)
    elif isinstance(job, SweepJob):
        resolve_sweep(job, resolver, at=at)
    elif isinstance(job, Command):
        resolve_command(job, resolver, at=at)
    else:
        raise JobSpecError(
            f"{at}{type(job).__name__} jobs are not supported; submit command, sweep or "
            "pipeline jobs"
        )


def job_body(job: Job) -> dict[str, Any]:
    """The JSON body azure-ai-ml's client sends for `job` (read-only fields left out)."""
    return rest_json(to_rest_job_object(job))


def _amlstack_tags(context: StackContext, source: Path, code_paths: list[Path]) -> dict[str, str]:
    """The stack, the workspace and the git state of the code (warning when it is dirty)."""
    tags = {STACK_TAG: context.stack, WORKSPACE_TAG: context.workspace_key}
    state = git_state(source.resolve().parent, code_paths)
    if state is None:
        return tags
    if state.dirty:
        shown = ", ".join(state.changed[:5]) + (", ..." if len(state.changed) > 5 else "")
        log.warning(
            "the code has uncommitted changes (%d: %s); the run records %s=true and %s=%s; "
            "commit them for a run you can trace to a commit",
            len(state.changed),
            shown,
            DIRTY_TAG,
            DIFF_HASH_TAG,
            (state.diff_hash or "")[:12],
        )
    return {**tags, **state.tags()}
