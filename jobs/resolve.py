"""Resolve a loaded job's references before it is sent: computes, environments, code, components.

azure-ai-ml turns ``cpu-cluster`` or ``src`` into ARM ids inside ``create_or_update``, talking to
Azure as it goes. Here the same walk over the job is done up front with a `Resolver`:
`StackResolver` answers offline from the stack outputs (the dry run); `jobs.submit`'s one uploads
and registers, then returns the ids the offline one predicts. Either way every reference is checked
against the stack first, so an unknown compute fails before anything is sent.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from azure.ai.ml import Input
from azure.ai.ml._restclient.arm_ml_service._utils.model_base import SdkJSONEncoder
from azure.ai.ml._utils._asset_utils import IgnoreFile, get_ignore_file, get_object_hash
from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.constants._common import ANONYMOUS_COMPONENT_NAME
from azure.ai.ml.entities import Component, Environment
from azure.ai.ml.entities._assets import Code

from jobs.context import StackContext
from jobs.errors import JobSpecError
from jobs.local_paths import check_local_path, expects_for_input
from jobs.refs import (
    Overrides,
    asset_id,
    is_arm_id,
    is_binding,
    is_registry_id,
    parse_asset_ref,
    resolve_compute,
    resolve_datastore,
    resolve_environment,
)
from jobs.snapshot import take_snapshot

__all__ = [
    "BLOB_STORE_PATHS",
    "LOCAL_UPLOADS",
    "LocalUpload",
    "Resolver",
    "StackResolver",
    "local_upload",
    "resolve_code",
    "resolve_command",
    "resolve_component_dependencies",
    "resolve_inputs",
    "resolve_sweep",
    "rest_json",
    "runs_serverless",
    "uploaded_input_uri",
]

log = logging.getLogger("amlstack.jobs")

BLOB_STORE_PATHS = "azureml://datastores/workspaceblobstore/paths"
"""The URI of a path in the workspace's default blob datastore: ``<this>/<path>``."""
LOCAL_UPLOADS = f"{BLOB_STORE_PATHS}/LocalUpload"
"""Where azure-ai-ml uploads local inputs: ``<this>/<content hash>/<file or folder name>``."""


class Resolver(Protocol):
    """Turns one kind of reference into the id the request carries; `where` names it in errors."""

    context: StackContext
    code_paths: list[Path]
    """The local code folders (or files) resolved so far: what the job uploads."""

    def compute(self, ref: str | None, where: str) -> str | None: ...

    def environment(self, ref: str | Environment, where: str) -> str: ...

    def code(self, path: Path, where: str) -> str: ...

    def component(self, component: Component, where: str) -> str: ...

    def datastore(self, ref: str | None, where: str) -> str | None: ...

    def local_input(self, path: Path, input_type: str, where: str) -> str:
        """The URI a local input (``uri_file``, ``uri_folder``, ``mltable``, ...) is uploaded to."""
        ...


class StackResolver:
    """Offline: ids from the stack outputs and content hashes, as Azure ML would assign them."""

    def __init__(self, context: StackContext, overrides: Overrides | None = None) -> None:
        self.context = context
        self.overrides = overrides or Overrides()
        self.code_paths: list[Path] = []
        self.anonymous_components: dict[str, dict[str, Any]] = {}
        """ARM id -> body of each anonymous component the job's steps use, in step order."""

    def compute(self, ref: str | None, where: str) -> str | None:
        return resolve_compute(ref, self.context, self.overrides, where=where)

    def environment(self, ref: str | Environment, where: str) -> str:
        if isinstance(ref, str):
            return resolve_environment(ref, self.context, self.overrides, where=where)
        if ref.id:
            return str(ref.id)
        # Inline environments (image, conda file, build context) are registered as they are
        # defined: anonymous ones get azure-ai-ml's content hash as their version.
        if ref.version is None:
            raise JobSpecError(
                f"{where}: inline environment {ref.name!r} needs a version (or no name at all)"
            )
        return asset_id(self.context.workspace_id, "environments", str(ref.name), str(ref.version))

    def code(self, path: Path, where: str) -> str:
        snapshot = take_snapshot(path, where=where)
        self.code_paths.append(path)
        return asset_id(self.context.workspace_id, "codes", snapshot.digest, "1")

    def component(self, component: Component, where: str) -> str:  # noqa: ARG002
        """The id of a registered component; an inline one (``file:./train.yml``) becomes an
        anonymous component named by its content hash, whose body is kept to show."""
        if component.id:
            return str(component.id)
        component_id = asset_id(
            self.context.workspace_id,
            "components",
            ANONYMOUS_COMPONENT_NAME,
            component._get_anonymous_hash(),
        )
        if component_id not in self.anonymous_components:
            component._is_anonymous = True  # as create_or_update(..., is_anonymous=True) sets it
            self.anonymous_components[component_id] = rest_json(component._to_rest_object())
        return component_id

    def datastore(self, ref: str | None, where: str) -> str | None:
        return resolve_datastore(ref, self.context, where=where)

    def local_input(self, path: Path, input_type: str, where: str) -> str:
        return uploaded_input_uri(path, input_type, where=where)


def rest_json(rest_object: Any) -> dict[str, Any]:
    """The JSON azure-ai-ml's client sends for a REST object (read-only fields left out)."""
    body: dict[str, Any] = json.loads(
        json.dumps(rest_object, cls=SdkJSONEncoder, exclude_readonly=True)
    )
    return body


@dataclass(frozen=True)
class LocalUpload:
    """A local input as azure-ai-ml uploads it (`local_upload`)."""

    digest: str
    """Its content hash: the folder it is uploaded to, under `LOCAL_UPLOADS`."""
    ignore_file: IgnoreFile
    """What the hash (and so the upload) leaves out: ``.amlignore`` or ``.gitignore``."""
    uri: str
    """Where it is uploaded to (`uploaded_input_uri`)."""


def local_upload(path: Path, input_type: str, *, where: str) -> LocalUpload:
    """A local input's content hash, ignore file and URI, each computed once: the URI is in the
    workspace blob store, under the content hash (so the same data is uploaded once); a
    ``uri_folder``'s ends in ``/``. The path must be what its type says
    (`jobs.local_paths.check_local_path`)."""
    check_local_path(path, expects_for_input(input_type), where=where, input_type=input_type)
    ignore_file = get_ignore_file(path if path.is_dir() else path.parent)
    digest = get_object_hash(path, ignore_file)
    uri = f"{LOCAL_UPLOADS}/{digest}/{path.name}"
    return LocalUpload(
        digest, ignore_file, uri + "/" if input_type == AssetTypes.URI_FOLDER else uri
    )


def uploaded_input_uri(path: Path, input_type: str, *, where: str) -> str:
    """Where azure-ai-ml uploads a local input (`local_upload`)."""
    return local_upload(path, input_type, where=where).uri


def resolve_code(value: object, base: Path, resolver: Resolver, *, where: str) -> object:
    """A ``code:`` value as the request carries it: local folders become code asset ids."""
    if value is None:
        return None
    if isinstance(value, Code):
        local = Path(str(value.path))
        return resolver.code(local if local.is_absolute() else Path(value.base_path, local), where)
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if is_arm_id(text) or is_registry_id(text) or "://" in text or text.startswith("git+"):
        return text  # a registered asset or remote code: azure-ai-ml handles it as written
    if text.startswith("azureml:"):
        name, version, _ = parse_asset_ref(text)
        if version is None:
            raise JobSpecError(f"{where}: code asset {text!r} needs a version (name:version)")
        return asset_id(resolver.context.workspace_id, "codes", name, version)
    return resolver.code((base / text).resolve(), where)


def resolve_component_dependencies(component: Any, resolver: Resolver, *, where: str) -> None:
    """Resolve a component's own code and environment, in place (before its hash is taken)."""
    if hasattr(component, "_build_code"):
        with component._build_code() as built:
            origin = built if built is not None else component._get_origin_code_value()
            resolved = resolve_code(
                origin, Path(component.base_path), resolver, where=f"{where}.code"
            )
            if resolved is not None:
                component._fill_back_code_value(resolved)
    environment = getattr(component, "environment", None)
    if isinstance(environment, str | Environment):
        component.environment = resolver.environment(environment, f"{where}.environment")


def resolve_inputs(
    inputs: Mapping[str, Any] | None, base: Path, resolver: Resolver, *, where: str
) -> None:
    """Local paths become the URIs they are uploaded to, ``name:version`` assets their ARM ids;
    datastores named in ``azureml://datastores/...`` must exist in the stack."""
    for name, data in _named_inputs(inputs or {}):
        path, at = data.path, f"{where}.{name}"
        if path.startswith("azureml://datastores/"):
            resolver.datastore(path.removeprefix("azureml://datastores/").split("/", 1)[0], at)
        elif is_binding(path) or "://" in path or is_arm_id(path):
            continue  # remote, or bound when the pipeline runs
        elif ":" in path or "@" in path:
            asset, version, _ = parse_asset_ref(path)
            models = data.type in (AssetTypes.MLFLOW_MODEL, AssetTypes.CUSTOM_MODEL)
            if version is None:
                log.info("%s: %s is resolved to its version when the job is sent", at, path)
            else:
                kind = "models" if models else "data"
                data.path = asset_id(resolver.context.workspace_id, kind, asset, version)
        else:
            local = Path(path) if Path(path).is_absolute() else (base / path).resolve()
            data.path = resolver.local_input(local, str(data.type or ""), at)


def _named_inputs(inputs: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, Input) for every input with a path; pipeline inputs wrap theirs in ``_data``."""
    for name, entry in inputs.items():
        if hasattr(entry, "flatten") and not hasattr(entry, "_data"):  # a parameter group
            flat = entry.flatten(group_parameter_name=name)
            yield from _named_inputs({f"{name}[{i}]": item for i, item in enumerate(flat)})
            continue
        data = getattr(entry, "_data", entry)
        if isinstance(data, Input) and isinstance(data.path, str) and data.path:
            yield name, data


def runs_serverless(job: Any) -> bool:
    """True for a job or step that names no compute but an instance type: Azure ML runs it on
    serverless compute (azure-ai-ml sends no compute), so no default compute is filled in."""
    resources = getattr(job, "resources", None)
    return job.compute is None and bool(getattr(resources, "instance_type", None))


def resolve_command(job: Any, resolver: Resolver, *, at: str = "") -> None:
    """A command job (or builder): code, environment, compute and inputs; `at` prefixes errors."""
    base = Path(job._base_path)
    job.code = resolve_code(job.code, base, resolver, where=f"{at}code")
    if job.environment is not None:
        job.environment = resolver.environment(job.environment, f"{at}environment")
    if not runs_serverless(job):
        job.compute = resolver.compute(job.compute, f"{at}compute")
    resolve_inputs(job._job_inputs, base, resolver, where=f"{at}inputs")


def resolve_sweep(job: Any, resolver: Resolver, *, at: str = "") -> None:
    """A sweep job: its trial's code and environment, its compute and its inputs."""
    base = Path(job._base_path)
    trial = job.trial
    trial.code = resolve_code(trial.code, base, resolver, where=f"{at}trial.code")
    if trial.environment is not None:
        trial.environment = resolver.environment(trial.environment, f"{at}trial.environment")
    if not runs_serverless(job):
        job.compute = resolver.compute(job.compute, f"{at}compute")
    resolve_inputs(job.inputs, base, resolver, where=f"{at}inputs")
