"""Serving: each workspace's online and batch endpoints, and the Azure ML registry the stacks
share.

Config validation has checked the references already (`infra.deployment_checks`).
`stack_registry` creates the registry (or references the
stack that owns it); `add_endpoints` grants a workspace's identity AzureML Registry User on it,
maps the references written in config to the ids the components take, and adds the online and
batch endpoints through the workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components.batch_endpoint import BatchModelDeploymentArgs, PipelineAssets
from components.code_asset import LocalCode, snapshot_folder
from components.deployment import ScoringArgs
from components.endpoint import DeploymentAssets
from components.outputs import Pending, RegistryOutput
from components.references import AssetRef, parse_reference
from components.registry import Registry, grant_registry_user
from components.workspace import Workspace
from infra.config import StackConfig, WorkspaceConfig

__all__ = ["RegistryInfo", "add_endpoints", "stack_registry"]


@dataclass(frozen=True)
class RegistryInfo:
    """The registry the stack's workspaces use: owned here or by another stack."""

    name: pulumi.Output[str]
    id: pulumi.Output[str]
    location: pulumi.Output[str]
    public_network_access: pulumi.Output[str]
    """``Enabled`` or ``Disabled``: what the stacks that use it read to know whether their people
    and deployers may reach it over the internet (the reachability check)."""

    def outputs(self) -> Pending[RegistryOutput]:
        """The ``registry`` stack output."""
        return RegistryOutput.pending(
            name=self.name,
            id=self.id,
            location=self.location,
            public_network_access=self.public_network_access,
        )


def add_endpoints(
    workspace: Workspace,
    config: WorkspaceConfig,
    *,
    registry: RegistryInfo | None,
    root: Path,
) -> None:
    """Grant `workspace`'s identity AzureML Registry User on `registry`, then add the online and
    batch endpoints `config` lists, their assets resolved (after ``add_assets``: environments
    named from config and clusters are the workspace's)."""
    if registry is not None:
        grant_registry_user(
            f"{config.name}-ml-registry-user-identity",
            registry_id=registry.id,
            grantee=workspace.identity_grantee,
            parent=workspace,
        )
    for endpoint in config.endpoints:
        workspace.add_endpoint(
            endpoint,
            assets={d.name: _assets(d, workspace, registry, root) for d in endpoint.deployments},
        )
    for batch in config.batch_endpoints:
        workspace.add_batch_endpoint(
            batch,
            assets={
                d.name: _assets(d, workspace, registry, root)
                if isinstance(d, BatchModelDeploymentArgs)
                else PipelineAssets(_resolver(workspace, registry)(d.component_ref))
                for d in batch.deployments
            },
        )


def stack_registry(
    config: StackConfig, resource_group_name: pulumi.Input[str], tags: dict[str, str]
) -> RegistryInfo | None:
    """The registry the stack's workspaces use: created here (``amlstack:registry``), read from
    the stack that owns it (``amlstack:registryStack``), or none."""
    if config.registry is not None:
        registry = Registry(
            config.registry.name,
            config.registry,
            resource_group_name=resource_group_name,
            location=config.location,
            tags=tags,
        )
        return RegistryInfo(
            registry.registry_name,
            registry.id,
            pulumi.Output.from_input(config.location),
            pulumi.Output.from_input(config.registry.public_network_access),
        )
    if config.registry_stack is not None:
        shared = pulumi.StackReference(config.registry_stack).require_output("registry")
        return RegistryInfo(
            shared.apply(lambda r: str(r["name"])),
            shared.apply(lambda r: str(r["id"])),
            shared.apply(lambda r: str(r["location"])),
            # A registry stack deployed before this output existed: its default, Disabled.
            shared.apply(lambda r: str(r.get("publicNetworkAccess", "Disabled"))),
        )
    return None


def _resolver(
    workspace: Workspace, registry: RegistryInfo | None
) -> Callable[[AssetRef], pulumi.Output[str]]:
    """Resolves references to the ids Azure expects, in `workspace` and the stack's registry."""
    registry_name = registry.name if registry is not None else None

    def resolve(ref: AssetRef) -> pulumi.Output[str]:
        return pulumi.Output.all(workspace.id, registry_name).apply(
            lambda ids: ref.resolve(ids[0], registry_name=ids[1])
        )

    return resolve


def _assets(
    deployment: ScoringArgs,
    workspace: Workspace,
    registry: RegistryInfo | None,
    root: Path,
) -> DeploymentAssets:
    """The ids (or the code folder to upload) of a deployment's model, environment and code."""
    resolve = _resolver(workspace, registry)

    environment: pulumi.Input[str] | None = None
    env = deployment.environment_ref
    if env is not None:
        # A config environment was added to the workspace already (checked at validation).
        environment = (
            workspace.environments[env.name].id if env.source == "config" else resolve(env)
        )
    code: pulumi.Input[str] | LocalCode | None = None
    if deployment.code is not None and deployment.code.path is not None:
        code = snapshot_folder(root, deployment.code.path)
    elif deployment.code is not None:
        code = resolve(parse_reference(str(deployment.code.asset), "codes"))
    return DeploymentAssets(model=resolve(deployment.model_ref), environment=environment, code=code)
