"""The stack's configuration, read once and validated before any resource is registered.

This module is the only reader of `pulumi.Config`. `load_stack_config` turns the stack file
(`Pulumi.<stack>.yaml`, key prefix ``amlstack:``) into a typed, immutable `StackConfig`, or raises
`ConfigError` naming each bad key, its value and what is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args, check_unique
from components.errors import MISSING, ConfigError
from components.regions import check_region
from components.registry import RegistryArgs
from components.workspace import WorkspaceArgs
from infra.policy.waivers import WaiverArgs, check_waivers
from infra.project import project_root
from infra.serving import check_serving
from infra.tiers import TIER_PRESETS, Tier

__all__ = [
    "ResourceGroupArgs",
    "StackConfig",
    "load_stack_config",
    "parse_stack_config",
    "secret_config_values",
]

_STACK_NAME = re.compile(r"[^/\s]+/[^/\s]+/[^/\s]+")


class ResourceGroupArgs(Args):
    """The resource group every resource of the stack goes into."""

    name: str | None = None
    """Its name. Default: ``rg-<project>-<stack>``."""
    existing: bool = False
    """Use a group that already exists (by `name`) instead of creating one. Default: create it."""

    @field_validator("existing")
    @classmethod
    def _existing_needs_name(cls, existing: bool, info: ValidationInfo) -> bool:
        if existing and not info.data.get("name"):
            raise ValueError("existing: true needs the group's name in resourceGroup.name")
        return existing


class StackConfig(Args):
    """Everything a stack deploys. Only `location` and one workspace are required."""

    location: str
    """Azure region of every resource (``westeurope``). Default: ``azure-native:location``."""
    tier: Tier = "prod"
    """``prod`` (default): every workspace setting defaults to the secure choice. ``dev``: starts
    from the relaxed presets of `infra.tiers` (public access, LRS storage, no protect)."""
    resource_group: ResourceGroupArgs = Field(default_factory=ResourceGroupArgs)
    tags: dict[str, str] = Field(default_factory=dict)
    """Azure tags on every resource of the stack."""
    registry: RegistryArgs | None = None
    """The Azure ML registry this stack owns (models and environments shared across stacks).
    Default none. A stack that owns the registry may have no workspace."""
    registry_stack: str | None = None
    """The stack that owns the registry, fully qualified (``organization/amlstack/shared``):
    its ``registry`` output is read with a StackReference and every workspace identity here gets
    AzureML Registry User on it. Default none."""
    workspaces: tuple[WorkspaceArgs, ...] = ()
    """One or more workspaces (for example one per team), each with its own access and assets."""
    waivers: tuple[WaiverArgs, ...] = ()
    """Baseline rules this stack relaxes on purpose, each with its reason (see
    docs/guides/waivers.md). Default none: every rule of the stack's tier must hold, or the plan
    fails."""

    @field_validator("registry_stack")
    @classmethod
    def _one_registry(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("registry") is not None:
            raise ValueError("this stack owns amlstack:registry; set one of the two, not both")
        if value is not None and not _STACK_NAME.fullmatch(value):
            raise ValueError(
                "expected a fully qualified stack name: <organization>/<project>/<stack>"
            )
        return value

    @field_validator("workspaces")
    @classmethod
    def _some_workspace(
        cls, workspaces: tuple[WorkspaceArgs, ...], info: ValidationInfo
    ) -> tuple[WorkspaceArgs, ...]:
        if not workspaces and "registry" in info.data and info.data["registry"] is None:
            raise ValueError(
                "expected at least 1 item; only a stack that owns the registry "
                "(amlstack:registry) may have no workspace"
            )
        return workspaces

    @field_validator("location")
    @classmethod
    def _known_region(cls, value: str) -> str:
        return check_region(value)

    @field_validator("workspaces")
    @classmethod
    def _unique_workspaces(cls, workspaces: tuple[WorkspaceArgs, ...]) -> tuple[WorkspaceArgs, ...]:
        check_unique([w.name for w in workspaces], "workspace names must be unique")
        return workspaces

    @field_validator("waivers")
    @classmethod
    def _waivers_fit_the_stack(
        cls, waivers: tuple[WaiverArgs, ...], info: ValidationInfo
    ) -> tuple[WaiverArgs, ...]:
        workspaces = info.data.get("workspaces")
        check_waivers(
            waivers,
            tier=info.data.get("tier"),
            workspaces=[w.name for w in workspaces] if workspaces is not None else None,
        )
        return waivers


def parse_stack_config(
    raw: Mapping[str, Any],
    *,
    namespace: str = "amlstack",
    secret_keys: frozenset[str] = frozenset(),
    root: Path | None = None,
) -> StackConfig:
    """Validate `raw` (config keys without the namespace, structured values already parsed).

    The stack's tier presets fill every workspace setting the config leaves out. Values under a
    key in `secret_keys` are never shown in error messages. With `root` (the project directory),
    folders named in config (scoring code) must exist there.
    """
    try:
        config = _parse(raw, namespace)
        check_serving(config, at=f"{namespace}:", root=root)
        return config
    except ConfigError as error:
        raise ConfigError(
            replace(p, secret=p.secret or _top_key(p.field, namespace) in secret_keys)
            for p in error.problems
        ) from None


def _parse(raw: Mapping[str, Any], namespace: str) -> StackConfig:
    at = f"{namespace}:"
    try:
        first = StackConfig.parse(raw, at=at)
    except ConfigError as error:
        # A top-level key whose default fails (no workspaces) was left out, not set to a value.
        raise ConfigError(
            replace(p, value=MISSING) if p.field.removeprefix(at) in _absent(raw) else p
            for p in error.problems
        ) from None
    preset = TIER_PRESETS[first.tier]
    explicit = first.model_dump(by_alias=True, exclude_unset=True)
    explicit["workspaces"] = [
        _deep_merge(preset, ws.model_dump(by_alias=True, exclude_unset=True))
        for ws in first.workspaces
    ]
    explicit.setdefault("location", first.location)
    return StackConfig.parse(explicit, at=at)


def _absent(raw: Mapping[str, Any]) -> set[str]:
    keys = {info.alias or name for name, info in StackConfig.model_fields.items()}
    return keys - set(raw)


def load_stack_config() -> StackConfig:
    """Read and validate the running stack's config (``pulumi up``, ``preview``, the plan)."""
    namespace = pulumi.get_project()
    raw, secret_keys = _read_namespace(namespace)
    if "location" not in raw:
        location = pulumi.Config("azure-native").get("location")
        if location is not None:
            raw["location"] = location
    return parse_stack_config(
        raw, namespace=namespace, secret_keys=secret_keys, root=project_root()
    )


def secret_config_values() -> frozenset[str]:
    """Every string value under the running stack's secret config keys (for
    `infra.secret_inputs.keep_config_secrets`)."""
    raw, secret_keys = _read_namespace(pulumi.get_project())
    return frozenset(_strings([raw[key] for key in secret_keys]))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _read_namespace(namespace: str) -> tuple[dict[str, Any], frozenset[str]]:
    """All ``<namespace>:*`` keys with their values, and which of them are secrets."""
    prefix = f"{namespace}:"
    keys = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw: dict[str, Any] = {}
    secrets: set[str] = set()
    for full_key in sorted(keys):
        if full_key.startswith(prefix):
            key = full_key.removeprefix(prefix)
            raw[key] = _structured(runtime_config.get_config(full_key))
            if runtime_config.is_config_secret(full_key):
                secrets.add(key)
    return raw, frozenset(secrets)


def _top_key(field: str, namespace: str) -> str:
    return field.removeprefix(f"{namespace}:").split(".")[0].split("[")[0]


def _structured(value: str | None) -> Any:
    """Pulumi passes objects, lists, numbers and booleans as JSON text, strings as they are."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
