"""The Pulumi program: compose the components a `StackConfig` asks for, and export the outputs.

Each workspace of the config becomes a `Workspace`; its computes, datastores, environments,
online and batch endpoints and job schedules are added through it (``workspace.add_*``). The
jobs package and CI read the exported outputs (``pulumi stack output --json``), so their keys are
a contract: see README, "Stack outputs".
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_azure_native import authorization, resources

from components.naming import RESOURCE_GROUP, derive_name
from components.network import PrivateDnsZones, PrivateDnsZonesArgs
from components.tags import stack_tags
from components.workspace import Workspace
from infra.assets import add_assets, define_environments
from infra.config import StackConfig
from infra.previous import NETWORK_ISOLATION_OUTPUT
from infra.project import project_root
from infra.schedules import add_schedules, define_schedules
from infra.serving import RegistryInfo, add_endpoints, stack_registry

__all__ = ["deploy", "workspace_outputs"]


def deploy(config: StackConfig) -> dict[str, Workspace]:
    """Declare every resource of the stack; returns the workspaces by their config key."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    root = project_root()
    environments = define_environments(config, root)  # reads files: fails first
    schedules = define_schedules(config, environments, root)  # loads job specs: fails first too
    tags = {"project": project, **config.tags}
    group_name = _resource_group(config, stack, tags)
    dns = _private_dns_zones(config, stack, group_name, tags)
    workspaces: dict[str, Workspace] = {}
    for workspace_config in config.workspaces:
        key = workspace_config.name
        workspace = Workspace(
            key,
            workspace_config.workspace_args(),
            resource_group_name=group_name,
            location=config.location,
            tags=tags,
            dns_zone_ids=dns.zone_ids if dns else None,
        )
        add_assets(workspace, workspace_config, environments[key], base_dir=root)
        workspaces[key] = workspace
    registry = stack_registry(config, group_name, tags)
    for workspace_config in config.workspaces:
        key = workspace_config.name
        add_endpoints(workspaces[key], workspace_config, registry=registry, root=root)
        add_schedules(workspaces[key], workspace_config, schedules[key])
    _export_outputs(config, group_name, workspaces, registry)
    return workspaces


def _resource_group(config: StackConfig, stack: str, tags: dict[str, str]) -> pulumi.Output[str]:
    """The stack's resource group name: an existing group's, or one created here."""
    name = config.resource_group.name or derive_name(RESOURCE_GROUP, pulumi.get_project(), stack)
    if config.resource_group.existing:
        return pulumi.Output.from_input(name)
    group = resources.ResourceGroup(
        f"{stack}-rg",
        resource_group_name=name,
        location=config.location,
        tags=stack_tags(stack, tags),
    )
    return group.name


def _private_dns_zones(
    config: StackConfig, stack: str, group_name: pulumi.Output[str], tags: dict[str, str]
) -> PrivateDnsZones | None:
    """The private DNS zones of the stack, linked to every virtual network that workspaces put
    private endpoints in (when they ask amlstack to create the zones)."""
    networks = sorted(
        {
            w.network.private_endpoints.virtual_network_id
            for w in config.workspaces
            if w.network.private_endpoints and w.network.private_endpoints.create_dns_zones
        }
    )
    if not networks:
        return None
    return PrivateDnsZones(
        f"{stack}-dns",
        PrivateDnsZonesArgs(virtual_network_ids=tuple(networks)),
        resource_group_name=group_name,
        tags=stack_tags(stack, tags),
    )


def _export_outputs(
    config: StackConfig,
    group_name: pulumi.Output[str],
    workspaces: dict[str, Workspace],
    registry: RegistryInfo | None,
) -> None:
    """Export the stack's coordinates; nothing secret is ever exported."""
    client = authorization.get_client_config_output()
    pulumi.export("subscriptionId", client.subscription_id)
    pulumi.export("tenantId", client.tenant_id)
    pulumi.export("resourceGroup", group_name)
    pulumi.export("location", config.location)
    pulumi.export("tier", config.tier)
    if workspaces:
        pulumi.export("workspaceName", next(iter(workspaces.values())).workspace_name)
    pulumi.export(
        "workspaces", {key: workspace_outputs(workspace) for key, workspace in workspaces.items()}
    )
    if registry is not None:
        pulumi.export("registry", registry.outputs())
    # Read back on the next run to refuse changes Azure cannot make (infra.previous).
    pulumi.export(
        NETWORK_ISOLATION_OUTPUT, {w.name: w.network.isolation_mode for w in config.workspaces}
    )


def workspace_outputs(workspace: Workspace) -> dict[str, Any]:
    """One workspace's entry in the ``workspaces`` stack output."""
    return {
        "name": workspace.workspace_name,
        "id": workspace.id,
        "storageAccount": workspace.storage_account.name,
        "keyVault": workspace.key_vault.name,
        "containerRegistry": workspace.container_registry.name,
        "applicationInsights": workspace.app_insights.name,
        "identityClientId": workspace.identity.client_id,
        "identityPrincipalId": workspace.identity.principal_id,
        "computes": {name: c.outputs() for name, c in workspace.computes.items()},
        "datastores": {name: d.outputs() for name, d in workspace.datastores.items()},
        "environments": {name: e.outputs() for name, e in workspace.environments.items()},
        "endpoints": {
            key: {
                "name": endpoint.endpoint_name,
                "scoringUri": endpoint.scoring_uri,
                "deployments": list(endpoint.deployment_names),
                "traffic": endpoint.traffic.traffic,
            }
            for key, endpoint in workspace.endpoints.items()
        },
        "batchEndpoints": {key: b.outputs() for key, b in workspace.batch_endpoints.items()},
        "schedules": {name: s.outputs() for name, s in workspace.schedules.items()},
    }
