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
from typing import Any, ClassVar

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import Field, PrivateAttr, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from components.access import AccessArgs
from components.args import Args, check_unique, item_key
from components.batch_endpoint import BatchEndpointArgs
from components.compute import ComputesArgs, compute_network_problem
from components.connection import ConnectionArgs
from components.datastore import DatastoreArgs
from components.endpoint import OnlineEndpointArgs
from components.environment import EnvironmentArgs
from components.errors import MISSING, ConfigError, ConfigProblem
from components.job_schedule import JobScheduleArgs
from components.naming import check_key
from components.network import NetworkArgs
from components.regions import check_region
from components.registry import RegistryArgs
from components.workspace import WorkspaceArgs
from infra.compute_checks import setup_script_problems, ssh_problems
from infra.deployment_checks import batch_endpoint_problems, endpoint_problems
from infra.policy.waivers import WaiverArgs, check_waivers
from infra.project import project_root
from infra.secret_config import (
    SecretHolders,
    plain_text_credentials,
    stack_file_secure_paths,
    strings_in,
)
from infra.tiers import TIER_PRESETS, Tier

__all__ = [
    "ProjectConfig",
    "ResourceGroupArgs",
    "StackConfig",
    "WorkspaceConfig",
    "load_stack_config",
    "parse_stack_config",
    "secret_config_values",
    "with_tier_presets",
    "workspace_places",
]

_STACK_NAME = re.compile(r"[^/\s]+/[^/\s]+/[^/\s]+")
_Named = (
    DatastoreArgs
    | EnvironmentArgs
    | OnlineEndpointArgs
    | BatchEndpointArgs
    | JobScheduleArgs
    | ConnectionArgs
)
"""The children of a workspace whose names must be unique among their kind."""
_URN = re.compile(r"urn:pulumi:[^:\s]+::[^:\s]+::\S+::\S+")


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


_INHERITED = (
    "a project uses its hub's {what}: set it on the hub (the workspace with kind: Hub whose "
    "projects: list this one)"
)


class ProjectConfig(Args):
    """One project of a hub: who works in it and what it holds. Its network, storage, key
    vault, registry, monitoring and guards are the hub's."""

    unknown_key_hints: ClassVar[Mapping[str, str]] = {
        "network": _INHERITED.format(what="network (public access, managed network, rules)"),
        "storage": _INHERITED.format(what="storage account"),
        "keyVault": _INHERITED.format(what="key vault"),
        "containerRegistry": _INHERITED.format(what="container registry"),
        "monitoring": _INHERITED.format(what="Application Insights and Log Analytics"),
        "existing": _INHERITED.format(what="dependencies"),
        "encryption": _INHERITED.format(what="encryption"),
        "protect": _INHERITED.format(what="protect setting"),
        "deleteLock": _INHERITED.format(what="delete locks"),
        "kind": "every workspace under projects: is a project (kind: Project)",
        "projects": "projects do not nest: list them all under the hub",
    }

    name: str
    """Short key of the project within the stack (unique among all workspaces and projects):
    2-24 lowercase letters, digits and hyphens."""
    description: str = ""
    """Shown in Azure AI Foundry and Azure ML studio."""
    friendly_name: str | None = None
    """Display name. Default: the derived workspace name."""
    access: AccessArgs = Field(default_factory=AccessArgs)
    """Who gets which role on the project. Default: nobody beyond the deployer."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on the project's resources."""
    computes: ComputesArgs = Field(default_factory=ComputesArgs)
    """Compute clusters and instances, in the hub's managed network. Default none."""
    datastores: tuple[DatastoreArgs, ...] = ()
    """Datastores; Blob and File ones get their container in the hub's storage. Default none."""
    environments: tuple[EnvironmentArgs, ...] = ()
    """Curated, image or conda environments (a build context needs an upload into the project's
    default blob container, which amlstack does not make). Default none."""
    endpoints: tuple[OnlineEndpointArgs, ...] = ()
    """Online endpoints whose scoring code is a registered code asset (``code.asset``).
    Default none."""
    connections: tuple[ConnectionArgs, ...] = ()
    """The project's own connections, besides the hub's shared ones. Default none."""

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("datastores", "environments", "endpoints", "connections")
    @classmethod
    def _unique_names(cls, items: tuple[_Named, ...], info: ValidationInfo) -> tuple[_Named, ...]:
        return _unique_in_workspace(items, str(info.field_name))

    @field_validator("environments")
    @classmethod
    def _no_build_context(cls, items: tuple[EnvironmentArgs, ...]) -> tuple[EnvironmentArgs, ...]:
        built = [e.name for e in items if e.build is not None]
        if built:
            raise ValueError(
                f"{', '.join(built)}: a build context is uploaded to the workspace's default "
                "blob container, and a project's is its hub's, under a name Azure chooses: use "
                "image:, condaFile: or curated: in a project"
            )
        return items

    @field_validator("endpoints")
    @classmethod
    def _no_code_upload(
        cls, items: tuple[OnlineEndpointArgs, ...]
    ) -> tuple[OnlineEndpointArgs, ...]:
        uploaded = [
            f"{e.name}.{d.name}" for e in items for d in e.deployments if d.code and d.code.path
        ]
        if uploaded:
            raise ValueError(
                f"{', '.join(uploaded)}: code.path is uploaded to the workspace's default blob "
                "container, and a project's is its hub's, under a name Azure chooses: register "
                "the code and give code.asset in a project"
            )
        return items


class WorkspaceConfig(WorkspaceArgs):
    """One workspace of the stack: what `Workspace` creates (`WorkspaceArgs`), and the children
    the program adds to it with ``workspace.add_*``."""

    unknown_key_hints: ClassVar[Mapping[str, str]] = {
        "hubResourceId": "a project's hub is the kind: Hub workspace whose projects: list it",
    }

    computes: ComputesArgs = Field(default_factory=ComputesArgs)
    """Compute clusters and instances (see `components.compute`). Default none."""
    datastores: tuple[DatastoreArgs, ...] = ()
    """Datastores (see `components.datastore`). Default none beyond the workspace's own."""
    environments: tuple[EnvironmentArgs, ...] = ()
    """Environments (see `components.environment`). Default none."""
    endpoints: tuple[OnlineEndpointArgs, ...] = ()
    """Managed online endpoints of this workspace, with their deployments and traffic split.
    Default none. See README, "Online endpoints"."""
    batch_endpoints: tuple[BatchEndpointArgs, ...] = ()
    """Batch endpoints of this workspace, with their deployments and default deployment.
    Default none. See docs/guides/batch-and-schedules.md."""
    schedules: tuple[JobScheduleArgs, ...] = ()
    """Recurring jobs (a job spec and a cron or recurrence trigger). Default none. See
    docs/guides/batch-and-schedules.md."""
    connections: tuple[ConnectionArgs, ...] = ()
    """Connections to Azure OpenAI, AI Services, AI Search, registries, Git, storage and APIs
    (see `components.connection`); a hub's connections shared to all are its projects' too.
    Default none."""
    projects: tuple[ProjectConfig, ...] = ()
    """With ``kind: Hub``: the hub's projects, each a workspace of kind Project that uses the
    hub's network, dependencies and shared connections. Default none."""

    _hub: str | None = PrivateAttr(default=None)

    @property
    def hub(self) -> str | None:
        """The key of the hub a project belongs to (None for other workspaces)."""
        return self._hub

    @field_validator("kind")
    @classmethod
    def _projects_live_under_a_hub(cls, kind: str) -> str:
        if kind == "Project":
            raise ValueError(
                "a project belongs to a hub: list it under the projects: of a workspace with "
                "kind: Hub (the hub's network, storage, key vault and registry are its own)"
            )
        return kind

    @field_validator("computes")
    @classmethod
    def _computes_fit_the_workspace(
        cls, computes: ComputesArgs, info: ValidationInfo
    ) -> ComputesArgs:
        problem = _computes_problem(computes, info.data.get("access"), info.data.get("network"))
        if problem is not None:
            raise ValueError(problem)
        return computes

    @field_validator(
        "datastores", "environments", "endpoints", "batch_endpoints", "schedules", "connections"
    )
    @classmethod
    def _unique_names(cls, items: tuple[_Named, ...], info: ValidationInfo) -> tuple[_Named, ...]:
        return _unique_in_workspace(items, str(info.field_name))

    @field_validator("projects")
    @classmethod
    def _projects_of_a_hub(
        cls, projects: tuple[ProjectConfig, ...], info: ValidationInfo
    ) -> tuple[ProjectConfig, ...]:
        kind = info.data.get("kind")
        if projects and kind != "Hub":
            raise ValueError(
                f"projects belong to a hub: set kind: Hub on this workspace (it is {kind!r})"
            )
        network = info.data.get("network")
        for project in projects:
            problem = _computes_problem(project.computes, project.access, network)
            if problem is not None:
                raise ValueError(f"project {project.name}: {problem}")
        return projects

    def workspace_args(self) -> WorkspaceArgs:
        """The workspace's own arguments, without the children."""
        own = {name: getattr(self, name) for name in WorkspaceArgs.model_fields}
        return WorkspaceArgs.model_construct(self.model_fields_set & own.keys(), **own)

    def project_configs(self) -> list[WorkspaceConfig]:
        """This hub's projects as workspaces of kind Project, with the hub's network and
        guards (what they use is the hub's)."""
        inherited = {
            key: getattr(self, key)
            for key in (
                "network",
                "storage",
                "key_vault",
                "container_registry",
                "monitoring",
                "protect",
                "delete_lock",
                "high_business_impact",
            )
        }
        configs = []
        for project in self.projects:
            own = {key: getattr(project, key) for key in project.model_fields_set}
            fields = {**inherited, **own, "kind": "Project"}
            config = WorkspaceConfig.model_construct(set(fields), **fields)
            config._hub = self.name
            configs.append(config)
        return configs


def _unique_in_workspace(items: tuple[_Named, ...], field: str) -> tuple[_Named, ...]:
    kind = field.removesuffix("s").replace("_", " ")
    check_unique([item.name for item in items], f"{kind} names must be unique in a workspace")
    return items


def _computes_problem(
    computes: ComputesArgs, access: AccessArgs | None, network: NetworkArgs | None
) -> str | None:
    """Why `computes` cannot be (personal instances without users, a network they need)."""
    has_users = access is None or any(p.type == "User" for p in access.data_scientist)
    if computes.personal_instances is not None and not has_users:
        return (
            "personalInstances makes one instance per User in access.dataScientist, "
            "and there is none: add users there or remove personalInstances"
        )
    if network is not None:
        return compute_network_problem(network.isolation_mode, computes.without_subnet())
    return None


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
    workspaces: tuple[WorkspaceConfig, ...] = ()
    """One or more workspaces (for example one per team), each with its own access and assets."""
    waivers: tuple[WaiverArgs, ...] = ()
    """Baseline rules this stack relaxes on purpose, each with its reason (see
    docs/guides/waivers.md). Default none: every rule of the stack's tier must hold, or the plan
    fails."""
    allow_replace: tuple[str, ...] = ()
    """Resources the next ``pulumi up`` may replace or delete although that loses data, each by
    its name as the plan's tree shows it (``main-storage``) or its URN. Default none:
    ``amlstack plan --since`` refuses (exit 3) the replacement or delete of stateful data
    (infra/plan/guard.py) and of a deployment carrying live traffic. A named resource is also
    re-created when an input Azure cannot change in place changes, and is not protected
    (infra/replacements.py). Remove the entries once deployed."""

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
    def _with_projects(cls, workspaces: tuple[WorkspaceConfig, ...]) -> tuple[WorkspaceConfig, ...]:
        """Each hub followed by its projects: every workspace of the stack, in one list."""
        return tuple(config for hub in workspaces for config in (hub, *hub.project_configs()))

    @field_validator("workspaces")
    @classmethod
    def _some_workspace(
        cls, workspaces: tuple[WorkspaceConfig, ...], info: ValidationInfo
    ) -> tuple[WorkspaceConfig, ...]:
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
    def _unique_workspaces(
        cls, workspaces: tuple[WorkspaceConfig, ...]
    ) -> tuple[WorkspaceConfig, ...]:
        check_unique(
            [w.name for w in workspaces], "workspace names must be unique (projects' included)"
        )
        return workspaces

    @field_validator("allow_replace")
    @classmethod
    def _resources(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            if not entry or any(c.isspace() for c in entry):
                raise ValueError(
                    f"{entry!r} is not a resource: expected its name as amlstack plan shows it "
                    "(main-storage) or its URN"
                )
            if entry.startswith("urn:") and not _URN.fullmatch(entry):
                raise ValueError(
                    f"{entry!r} is not a Pulumi URN: urn:pulumi:<stack>::<project>::<type>::<name>"
                )
        check_unique(list(entries), "allowReplace entries must be unique")
        return entries

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
    secure_paths: frozenset[str] | None = None,
) -> StackConfig:
    """Validate `raw` (config keys without the namespace, structured values already parsed).

    The stack's tier presets fill every workspace setting the config leaves out. Values under a
    key in `secret_keys` are never shown in error messages. With `root` (the project directory),
    folders named in config (scoring code) must exist there. Connection secrets must be secure
    values (their config path in `secure_paths`, the stack file's; None when unknown: then
    their top-level key must be in `secret_keys`) or Key Vault references.
    """
    try:
        config = _parse(raw, namespace)
        _check_secrets(
            config, raw, namespace=namespace, secret_keys=secret_keys, secure=secure_paths
        )
        _check_references(config, at=f"{namespace}:", root=root)
        return config
    except ConfigError as error:
        raise ConfigError(
            replace(p, secret=p.secret or _top_key(p.field, namespace) in secret_keys)
            for p in error.problems
        ) from None


def _check_secrets(
    config: StackConfig,
    raw: Mapping[str, Any],
    *,
    namespace: str,
    secret_keys: frozenset[str],
    secure: frozenset[str] | None,
) -> None:
    """Credentials must come from ``pulumi config set --secret`` (infra/secret_config.py)."""
    problems = plain_text_credentials(
        _secret_holders(config), raw, namespace=namespace, secret_keys=secret_keys, secure=secure
    )
    if problems:
        raise ConfigError(problems)


def _secret_holders(config: StackConfig) -> list[SecretHolders]:
    return [
        SecretHolders(named, indexed, w.datastores, w.endpoints, w.connections)
        for w, named, indexed in workspace_places(config)
    ]


def workspace_places(config: StackConfig) -> list[tuple[WorkspaceConfig, str, str]]:
    """Each workspace with its config path by item name and by index (``pulumi config set
    --path`` takes those): a hub's projects are under its ``projects``."""
    places, hubs = [], -1
    seen: dict[str, tuple[str, str, int]] = {}  # hub key: its paths, and its projects so far
    for workspace in config.workspaces:
        if workspace.hub is None:
            hubs += 1
            named, indexed = f"workspaces[{workspace.name}]", f"workspaces[{hubs}]"
            seen[workspace.name] = (named, indexed, 0)
        else:
            hub_named, hub_indexed, count = seen[workspace.hub]
            seen[workspace.hub] = (hub_named, hub_indexed, count + 1)
            named = f"{hub_named}.projects[{workspace.name}]"
            indexed = f"{hub_indexed}.projects[{count}]"
        places.append((workspace, named, indexed))
    return places


def _check_references(config: StackConfig, *, at: str, root: Path | None) -> None:
    """What config validation alone cannot check: references between keys, code folders, a
    workspace nobody could reach."""
    has_registry = config.registry is not None or config.registry_stack is not None
    problems: list[ConfigProblem] = []
    for workspace, named, _ in workspace_places(config):
        where = f"{at}{named}"
        nobody = _nobody_gets_in(workspace, at=where, tier=config.tier)
        problems += [nobody] if nobody else []
        problems += _project_lake_problems(workspace, at=where)
        problems += endpoint_problems(
            workspace.endpoints,
            workspace.environments,
            at=f"{where}.endpoints",
            has_registry=has_registry,
            root=root,
        )
        problems += batch_endpoint_problems(
            workspace.batch_endpoints,
            workspace.environments,
            clusters=[c.name for c in workspace.computes.clusters],
            instances=[i.name for i in workspace.computes.instances],
            at=f"{where}.batchEndpoints",
            has_registry=has_registry,
            root=root,
        )
        problems += ssh_problems(
            workspace.computes,
            workspace=workspace.name,
            tier=config.tier,
            waivers=config.waivers,
            at=f"{where}.computes",
        )
        if root is not None:
            problems += setup_script_problems(workspace.computes, root=root, at=f"{where}.computes")
    if problems:
        raise ConfigError(problems)


def _project_lake_problems(workspace: WorkspaceConfig, *, at: str) -> list[ConfigProblem]:
    """A project's ADLS Gen2 datastore without an account would get the project's own data
    lake, which its hub's managed network (fixed with the hub) has no rule to."""
    mode = workspace.network.isolation_mode
    if workspace.hub is None or mode == "Disabled":
        return []
    return [
        ConfigProblem(
            f"{at}.datastores[{d.name}].account",
            MISSING,
            f"the hub's managed network ({mode}) has no outbound rule to a project's own data "
            "lake: give the datastore an existing ADLS Gen2 account, which the hub's rules then "
            "include",
        )
        for d in workspace.datastores
        if d.type == "AzureDataLakeGen2" and d.account is None
    ]


def _nobody_gets_in(workspace: WorkspaceConfig, *, at: str, tier: str) -> ConfigProblem | None:
    """Every public door closed (a prod stack), or people or the deployer `private`, and no
    private endpoint for them to come through."""
    network = workspace.network
    if network.private_endpoints is not None:
        return None
    private = [who for who in ("deployer", "people") if network.location_of(who) == "private"]
    closed = network.public_network_access == "Disabled"
    if not private and not (closed and tier == "prod"):
        return None
    facts = ["every public door is closed (publicNetworkAccess 'Disabled')"] if closed else []
    if private:
        verb = "is" if len(private) == 1 else "are"
        facts.append(f"the {' and the '.join(private)} {verb} 'private' (network.access)")
    opening = (
        ""
        if tier == "prod"
        else ", or open the doors: network.publicNetworkAccess 'Enabled' and network.access "
        "'public'"
    )
    return ConfigProblem(
        f"{at}.network.privateEndpoints",
        MISSING,
        f"no way into the workspace: {' and '.join(facts)}, but there is no private "
        "endpoint to come in through; set network.privateEndpoints.subnetId to a subnet of the "
        "network your people and the deployer's runner are in (a self-hosted runner, a VPN or a "
        f"Bastion host there; docs/guides/private-networking.md){opening}",
    )


def _parse(raw: Mapping[str, Any], namespace: str) -> StackConfig:
    at = f"{namespace}:"
    try:
        return StackConfig.parse(with_tier_presets(raw), at=at)
    except ConfigError as error:
        raise ConfigError(_explained(p, raw, at) for p in error.problems) from None


_WORKSPACE_KEY = re.compile(r"workspaces\[([^\]]+)\]\.(\w+)")


def _explained(problem: ConfigProblem, raw: Mapping[str, Any], at: str) -> ConfigProblem:
    """Say where a value the config does not write came from: left out (a top-level key whose
    default fails, such as no workspaces), or the tier's preset."""
    field = problem.field.removeprefix(at)
    if field in _absent(raw):
        return replace(problem, value=MISSING)
    match = _WORKSPACE_KEY.match(field)
    tier = raw.get("tier", "prod")
    workspaces = raw.get("workspaces")
    if match is None or not isinstance(workspaces, list) or not isinstance(tier, str):
        return problem
    written = _written_workspace(workspaces, match.group(1))
    key = match.group(2)
    if key not in TIER_PRESETS.get(tier, {}) or written is None:
        return problem
    if any(to_camel(k) == key for k in written):
        return problem
    return replace(
        problem,
        allowed=f"{problem.allowed} (the value {key} has comes from the {tier} tier's preset; "
        "set it in the workspace's config to choose another)",
    )


def _written_workspace(workspaces: list[Any], key: str) -> Mapping[str, Any] | None:
    """The workspace an error path names (``workspaces[main]``, or ``workspaces[0]`` for one
    without a name), as the config wrote it."""
    for index, workspace in enumerate(workspaces):
        if isinstance(workspace, Mapping) and item_key(workspace, index) == f"[{key}]":
            return workspace
    return None


def with_tier_presets(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`raw` with its tier's presets under every workspace, so that the one validation sees
    each workspace as it will be: a key the config sets wins over the preset (whether spelt
    ``deleteLock`` or ``delete_lock``). An unknown tier or a malformed list is left as it is,
    for validation to report."""
    merged = dict(raw)
    tier = raw.get("tier", "prod")
    preset = TIER_PRESETS.get(tier) if isinstance(tier, str) else None
    workspaces = raw.get("workspaces")
    if preset and isinstance(workspaces, list):
        merged["workspaces"] = [
            _deep_merge(preset, w) if isinstance(w, Mapping) else w for w in workspaces
        ]
    return merged


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
    root = project_root()
    return parse_stack_config(
        raw,
        namespace=namespace,
        secret_keys=secret_keys,
        root=root,
        secure_paths=stack_file_secure_paths(root / f"Pulumi.{pulumi.get_stack()}.yaml", namespace),
    )


def secret_config_values() -> frozenset[str]:
    """Every string value under the running stack's secret config keys (for
    `infra.secret_inputs.keep_config_secrets`)."""
    raw, secret_keys = _read_namespace(pulumi.get_project())
    return frozenset(strings_in([raw[key] for key in secret_keys]))


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
    """`override` over `base`; a key of `base` (camelCase) is replaced by the same key in
    `override` in either spelling."""
    merged = dict(base)
    for key, value in override.items():
        under = merged.pop(to_camel(key), None)
        if isinstance(value, Mapping) and isinstance(under, Mapping):
            merged[key] = _deep_merge(under, value)
        else:
            merged[key] = value
    return merged
