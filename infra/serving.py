"""Serving: each workspace's online endpoints, and the Azure ML registry the stacks share.

`check_serving` runs with config validation (before anything is registered): it checks what one
key cannot check alone (an environment named from the workspace's config exists, a registry model
has a registry, a code folder exists). `deploy_serving` maps the references written in config to
the ids the components take, creates the registry (or references the stack that owns it), grants
the workspace identities AzureML Registry User on it, and creates the endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi

from components.args import repeated
from components.code_asset import LocalCode, snapshot_folder
from components.deployment import CodeArgs, DeploymentArgs
from components.endpoint import DeploymentAssets, EndpointWorkspace, OnlineEndpoint
from components.environment import Environment, parse_curated
from components.errors import ConfigError, ConfigProblem
from components.references import AssetRef, parse_reference
from components.registry import Registry, grant_registry_user
from components.suggest import did_you_mean
from components.workspace import Workspace, WorkspaceArgs

if TYPE_CHECKING:
    from infra.config import StackConfig

__all__ = [
    "RegistryInfo",
    "Serving",
    "check_serving",
    "defined_environments",
    "deploy_serving",
    "workspace_environment_id",
]


def defined_environments(workspace: WorkspaceArgs) -> dict[str, str | None]:
    """The environments `workspace`'s config defines: name -> version when config pins it (a
    curated reference), None when the version is the content hash computed at deploy time."""
    return {
        env.name: parse_curated(env.curated)[1] if env.curated else None
        for env in workspace.environments
    }


def workspace_environment_id(
    environments: Mapping[str, Environment], ref: AssetRef
) -> pulumi.Input[str]:
    """The id of the workspace environment `ref` names (checked by `check_serving` already)."""
    return environments[ref.name].id


def check_serving(config: StackConfig, *, at: str, root: Path | None = None) -> None:
    """Raise `ConfigError` for references config validation alone cannot check.

    With `root`, also check that every code folder exists and holds its scoring script.
    """
    has_registry = config.registry is not None or config.registry_stack is not None
    problems: list[ConfigProblem] = []
    for workspace in config.workspaces:
        base = f"{at}workspaces[{workspace.name}].endpoints"
        twice = repeated([e.name for e in workspace.endpoints])
        if twice:
            problems.append(ConfigProblem(base, twice, "endpoint names must be unique"))
        environments = defined_environments(workspace)
        for endpoint in workspace.endpoints:
            for deployment in endpoint.deployments:
                where = f"{base}[{endpoint.name}].deployments[{deployment.name}]"
                problems += _deployment_problems(
                    deployment, where, environments, has_registry=has_registry, root=root
                )
    if problems:
        raise ConfigError(problems)


def _deployment_problems(
    deployment: DeploymentArgs,
    where: str,
    environments: Mapping[str, str | None],
    *,
    has_registry: bool,
    root: Path | None,
) -> Iterator[ConfigProblem]:
    if deployment.model_ref.source == "stack-registry" and not has_registry:
        yield ConfigProblem(
            f"{where}.model.source",
            "registry",
            "the stack has no registry: set amlstack:registry or amlstack:registryStack, "
            "or use source 'workspace'",
        )
    env = deployment.environment_ref
    if env is not None and env.source == "config" and not _defined(env, environments):
        known = ", ".join(f"{n}:{v}" if v else n for n, v in sorted(environments.items())) or "none"
        yield ConfigProblem(
            f"{where}.environment",
            deployment.environment,
            f"not an environment of this workspace's config (defined: {known}); "
            f"{did_you_mean(env.name, environments)}or use azureml:<name>:<version>, "
            "azureml://registries/... or an ARM id",
        )
    if root is not None and deployment.code is not None and deployment.code.path is not None:
        yield from _code_problems(deployment.code, f"{where}.code", root)


def _defined(env: AssetRef, environments: Mapping[str, str | None]) -> bool:
    """A deployment names a config environment by name; a version must be the pinned one."""
    return env.name in environments and env.version in (None, environments[env.name])


def _code_problems(code: CodeArgs, where: str, root: Path) -> Iterator[ConfigProblem]:
    folder = root / str(code.path)
    if not folder.is_dir():
        yield ConfigProblem(
            f"{where}.path", code.path, f"expected a folder in {root}", problem="folder not found"
        )
    elif not (folder / code.scoring_script).is_file():
        yield ConfigProblem(
            f"{where}.scoringScript",
            code.scoring_script,
            f"expected a file inside {code.path}",
            problem="file not found",
        )


@dataclass(frozen=True)
class RegistryInfo:
    """The registry the stack's workspaces use: owned here or by another stack."""

    name: pulumi.Output[str]
    id: pulumi.Output[str]
    location: pulumi.Output[str]

    def outputs(self) -> dict[str, pulumi.Output[str]]:
        return {"name": self.name, "id": self.id, "location": self.location}


@dataclass
class Serving:
    """What `deploy_serving` created, for the stack outputs."""

    registry: RegistryInfo | None = None
    endpoints: dict[str, dict[str, OnlineEndpoint]] = field(default_factory=dict)

    def workspace_outputs(self, workspace_key: str) -> dict[str, Any]:
        """``endpoints`` of one workspace: Azure name, scoring URI, deployments, traffic."""
        return {
            "endpoints": {
                key: {
                    "name": endpoint.endpoint_name,
                    "scoringUri": endpoint.scoring_uri,
                    "deployments": endpoint.args.deployment_names,
                    "traffic": endpoint.traffic.traffic,
                }
                for key, endpoint in self.endpoints.get(workspace_key, {}).items()
            }
        }


def deploy_serving(
    config: StackConfig,
    *,
    resource_group_name: pulumi.Input[str],
    tags: dict[str, str],
    workspaces: Mapping[str, Workspace],
    environments: Mapping[str, Mapping[str, Environment]],
    root: Path,
) -> Serving:
    """Create the registry or reference it, grant the workspaces on it, create the endpoints."""
    registry = _registry(config, resource_group_name, tags)
    if registry is not None:
        for key, workspace in workspaces.items():
            grant_registry_user(
                f"{key}-ml-registry-user-identity",
                registry_id=registry.id,
                grantee=workspace.identity_grantee,
                parent=workspace,
            )
    serving = Serving(registry=registry)
    for key, workspace in workspaces.items():
        target = _endpoint_workspace(workspace)
        serving.endpoints[key] = {
            endpoint.name: OnlineEndpoint(
                f"{key}-{endpoint.name}",
                endpoint,
                workspace=target,
                assets={
                    d.name: _assets(d, workspace, environments[key], registry, root)
                    for d in endpoint.deployments
                },
                tags=tags,
            )
            for endpoint in workspace.args.endpoints
        }
    return serving


def _registry(
    config: StackConfig, resource_group_name: pulumi.Input[str], tags: dict[str, str]
) -> RegistryInfo | None:
    if config.registry is not None:
        registry = Registry(
            config.registry.name,
            config.registry,
            resource_group_name=resource_group_name,
            location=config.location,
            tags=tags,
        )
        return RegistryInfo(
            registry.registry_name, registry.id, pulumi.Output.from_input(config.location)
        )
    if config.registry_stack is not None:
        shared = pulumi.StackReference(config.registry_stack).require_output("registry")
        return RegistryInfo(
            shared.apply(lambda r: str(r["name"])),
            shared.apply(lambda r: str(r["id"])),
            shared.apply(lambda r: str(r["location"])),
        )
    return None


def _endpoint_workspace(workspace: Workspace) -> EndpointWorkspace:
    return EndpointWorkspace(
        key=workspace.args.name,
        workspace=workspace.workspace,
        resource_group_name=workspace.resource_group_name,
        location=workspace.location,
        public_network_access=workspace.args.network.public_network_access,
        identity_id=workspace.identity.id,
        blob_endpoint=workspace.storage_account.primary_endpoints.blob,
        code_container=workspace.workspace.workspace_id.apply(
            lambda guid: f"azureml-blobstore-{guid}"
        ),
    )


def _assets(
    deployment: DeploymentArgs,
    workspace: Workspace,
    environments: Mapping[str, Environment],
    registry: RegistryInfo | None,
    root: Path,
) -> DeploymentAssets:
    """The ids (or the code folder to upload) of a deployment's model, environment and code."""

    def resolve(ref: AssetRef) -> pulumi.Output[str]:
        registry_name = registry.name if registry is not None else None
        return pulumi.Output.all(workspace.id, registry_name).apply(
            lambda ids: ref.resolve(ids[0], registry_name=ids[1])
        )

    environment: pulumi.Input[str] | None = None
    env = deployment.environment_ref
    if env is not None:
        environment = (
            workspace_environment_id(environments, env) if env.source == "config" else resolve(env)
        )
    code: pulumi.Input[str] | LocalCode | None = None
    if deployment.code is not None and deployment.code.path is not None:
        code = snapshot_folder(root, deployment.code.path)
    elif deployment.code is not None:
        code = resolve(parse_reference(str(deployment.code.asset), "codes"))
    return DeploymentAssets(model=resolve(deployment.model_ref), environment=environment, code=code)
