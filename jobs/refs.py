"""References in job specs (``azureml:cpu-cluster``, ``my-env@latest``, ...) turned into the ids
Azure expects, checked against what the stack has. Pure functions: no Azure, no azure-ai-ml.

A spec's compute must be one of the stack's computes; its environment one of the stack's
environments, a registry environment (``azureml://registries/...``), an inline one (image, conda,
build context) or a curated ``AzureML-*`` one every workspace has. A reference the stack does not
have fails before anything is sent, naming it and listing what the stack has.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.outputs import EnvironmentOutput
from components.suggest import did_you_mean
from jobs.context import StackContext
from jobs.errors import JobSpecError

__all__ = [
    "ALL",
    "BUILTIN_DATASTORES",
    "CURATED_PREFIX",
    "SERVERLESS",
    "Overrides",
    "asset_id",
    "content_digest",
    "default_compute",
    "is_arm_id",
    "is_binding",
    "is_registry_id",
    "job_name",
    "parse_asset_ref",
    "resolve_compute",
    "resolve_datastore",
    "resolve_environment",
    "slug",
    "stack_key_hint",
    "workspace_arm_id",
]

ALL = "*"
"""Override key that stands for every reference of its kind (``--compute gpu``)."""

CURATED_PREFIX = "AzureML-"
"""Curated environments every workspace has; the service expands ``azureml:AzureML-x@latest``."""

BUILTIN_DATASTORES = frozenset(
    {
        "workspaceblobstore",
        "workspacefilestore",
        "workspaceartifactstore",
        "workspaceworkingdirectory",
    }
)
"""Datastores Azure ML creates in every workspace."""

SERVERLESS = "serverless"
"""Azure ML's serverless compute: every workspace has it; a job on it sets
``resources.instance_type`` and azure-ai-ml sends the name as written."""

_STACK_KEYS = {
    "computes": "computes.clusters (a cluster: name, vmSize) or computes.instances",
    "environments": "environments (name, and curated, image + condaFile, or build)",
    "datastores": "datastores (name, type)",
}
"""Where, in a workspace of ``amlstack:workspaces``, each kind of reference is added."""

_PREFIX = "azureml:"
_REGISTRY = "azureml://registries/"
_ARM = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/", re.IGNORECASE)


@dataclass(frozen=True)
class Overrides:
    """Run a spec on other computes / environments than it names: ``{spec name: stack name}``.

    The key `ALL` (``"*"``) maps every reference, including a spec that names none.
    """

    computes: Mapping[str, str] = field(default_factory=dict)
    environments: Mapping[str, str] = field(default_factory=dict)


def is_arm_id(ref: str) -> bool:
    return bool(_ARM.match(ref))


def is_registry_id(ref: str) -> bool:
    return ref.startswith(_REGISTRY)


def is_binding(ref: str) -> bool:
    """``${{parent.inputs.compute}}`` and the like: bound when the pipeline runs."""
    return ref.strip().startswith("${{")


def workspace_arm_id(subscription_id: str, resource_group: str, workspace_name: str) -> str:
    """The ARM id of a workspace, from the coordinates an ``MLClient`` is built with."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{workspace_name}"
    )


def asset_id(workspace_id: str, kind: str, name: str, version: str | None = None) -> str:
    """The ARM id of a workspace asset (``computes``, ``environments``, ``codes``, ...)."""
    base = f"{workspace_id}/{kind}/{name}"
    return base if version is None else f"{base}/versions/{version}"


def parse_asset_ref(ref: str) -> tuple[str, str | None, str | None]:
    """``[azureml:]name[:version|@label]`` -> (name, version, label)."""
    text = ref.removeprefix(_PREFIX)
    if "@" in text:
        name, label = text.rsplit("@", 1)
        return name, None, label
    if ":" in text:
        name, version = text.rsplit(":", 1)
        return name, version, None
    return text, None, None


def slug(text: str, limit: int = 40) -> str:
    """Lowercase letters, digits and single hyphens, starting with a letter, at most `limit`."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    cleaned = cleaned.lstrip("0123456789-") or "job"
    return cleaned[:limit].rstrip("-")


def content_digest(document: Any) -> str:
    """SHA-256 of a JSON document with sorted keys: the same content, the same digest."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def job_name(experiment: str, digest: str) -> str:
    """``<experiment slug>-<12 hex of the request's digest>``: the same request, the same name."""
    return f"{slug(experiment)}-{digest[:12]}"


def default_compute(context: StackContext) -> str | None:
    """The compute a job runs on when it names none: the stack's first cluster, by name."""
    computes = context.workspace.computes
    clusters = sorted(name for name, c in computes.items() if c.kind == "AmlCompute")
    others = sorted(name for name in computes if name not in clusters)
    ordered = clusters + others
    return ordered[0] if ordered else None


def resolve_compute(
    ref: str | None, context: StackContext, overrides: Overrides, *, where: str
) -> str | None:
    """The ARM id of the stack compute `ref` names (None: the default compute, if any);
    ``serverless`` as written (see `SERVERLESS`)."""
    if ref is not None and is_binding(ref):
        return ref
    name = _compute_name(ref, context, where=where) if ref is not None else None
    mapped = overrides.computes.get(name or "", overrides.computes.get(ALL))
    if mapped is not None:
        name, where = mapped, f"{where} (--compute)"
    elif name is None:
        name = default_compute(context)
        if name is None:
            return None
    if name == SERVERLESS:
        return name
    compute = context.workspace.computes.get(name)
    if compute is None:
        raise JobSpecError(
            f"{where}: {name!r} is not a compute of {_where_in(context)}; "
            f"{_listing('computes', context.workspace.computes, given=name)}, or "
            f"{SERVERLESS!r} (with resources.instance_type); "
            f"{stack_key_hint(context, 'computes', name)}"
        )
    return compute.id


def _compute_name(ref: str, context: StackContext, *, where: str) -> str:
    if is_arm_id(ref):
        owner, _, name = ref.rstrip("/").rpartition("/computes/")
        if owner.lower() != context.workspace_id.lower():
            raise JobSpecError(
                f"{where}: {ref!r} is a compute of another workspace than "
                f"{_where_in(context)} ({context.workspace_id})"
            )
        return name
    return ref.removeprefix(_PREFIX)


def resolve_environment(
    ref: str, context: StackContext, overrides: Overrides, *, where: str
) -> str:
    """The id of the environment `ref` names: the stack's version, a registry id, or curated.

    A label (``@latest``) or no version means the version the stack deployed. A curated
    ``AzureML-*`` environment the stack does not list is sent as written, as azure-ai-ml does.
    """
    if is_registry_id(ref) or is_arm_id(ref):
        return ref
    name, version, label = parse_asset_ref(ref)
    mapped = overrides.environments.get(name, overrides.environments.get(ALL))
    if mapped is not None:
        name, version, label = parse_asset_ref(mapped)
        where = f"{where} (--environment)"
    found = _stack_environment(name, context)
    if found is None:
        if name.startswith(CURATED_PREFIX):
            suffix = f":{version}" if version else f"@{label}" if label else ""
            return f"{_PREFIX}{name}{suffix}"
        raise JobSpecError(
            f"{where}: {name!r} is not an environment of {_where_in(context)}; "
            f"{_listing('environments', context.workspace.environments, given=name)}, or use a "
            "registry "
            "environment (azureml://registries/<registry>/environments/<name>/versions/<v>); "
            f"{stack_key_hint(context, 'environments', name)}"
        )
    key, environment = found
    if version is None or version == environment.version:
        return environment.id
    if environment.kind == "curated":
        return f"{_PREFIX}{name}:{version}"
    return asset_id(context.workspace_id, "environments", key, version)


def _stack_environment(name: str, context: StackContext) -> tuple[str, EnvironmentOutput] | None:
    """The stack environment called `name`; curated ones also answer to ``AzureML-<name>``."""
    environments = context.workspace.environments
    if name in environments:
        return name, environments[name]
    for key, environment in environments.items():
        if environment.kind == "curated":
            registry_name = environment.id.rstrip("/").split("/environments/")[-1].split("/")[0]
            if name.lower() in {f"{CURATED_PREFIX}{registry_name}".lower(), key.lower()}:
                return key, environment
    return None


def resolve_datastore(ref: str | None, context: StackContext, *, where: str) -> str | None:
    """The ARM id of a datastore of the stack, or of one Azure ML creates in every workspace."""
    if ref is None or is_arm_id(ref):
        return ref
    name = ref.removeprefix(_PREFIX)
    datastore = context.workspace.datastores.get(name)
    if datastore is not None:
        return datastore.id
    if name in BUILTIN_DATASTORES:
        return asset_id(context.workspace_id, "datastores", name)
    raise JobSpecError(
        f"{where}: {name!r} is not a datastore of {_where_in(context)}; "
        f"{_listing('datastores', context.workspace.datastores, BUILTIN_DATASTORES, given=name)}; "
        f"{stack_key_hint(context, 'datastores', name)}"
    )


def stack_key_hint(context: StackContext, kind: str, name: str) -> str:
    """Which key of the stack file would add `name`: ``to add it, set amlstack:workspaces
    (name: main) computes.clusters ... in Pulumi.dev.yaml and deploy``."""
    return (
        f"to add {name!r} to the stack, list it under amlstack:workspaces (the one named "
        f"{context.workspace_key!r}) {_STACK_KEYS[kind]} in Pulumi.{context.stack}.yaml and deploy"
    )


def _where_in(context: StackContext) -> str:
    return f"stack {context.stack!r} (workspace {context.workspace_key!r})"


def _listing(
    kind: str, names: Mapping[str, Any], builtin: frozenset[str] = frozenset(), *, given: str
) -> str:
    known = sorted(set(names) | builtin)
    if not known:
        return f"it has no {kind}"
    return f"{did_you_mean(given, known)}its {kind}: {', '.join(known)}"
