"""The Pulumi program: compose the components a `StackConfig` asks for, and export the outputs.

Each workspace of the config becomes a `Workspace` (a hub's projects after the hub, with its
``hub_ref``); its computes, datastores, environments, connections and endpoints are added through
it (``workspace.add_*``). The jobs package and CI read the exported
outputs (``pulumi stack output --json``), so their keys are a contract: `components.outputs`
defines them, for the program and its readers alike.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, resources

from components.naming import RESOURCE_GROUP, derive_name
from components.network import PrivateDnsZones, PrivateDnsZonesArgs
from components.outputs import StackOutputs, export_stack_outputs
from components.tags import stack_tags
from components.workspace import Workspace
from infra.assets import add_assets, define_environments
from infra.config import StackConfig
from infra.project import project_root
from infra.serving import RegistryInfo, add_endpoints, stack_registry

__all__ = ["deploy"]


def deploy(config: StackConfig) -> dict[str, Workspace]:
    """Declare every resource of the stack; returns the workspaces by their config key."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    root = project_root()
    environments = define_environments(config, root)  # reads files: fails first
    tags = {"project": project, **config.tags}
    group_name = _resource_group(config, stack, tags)
    dns = _private_dns_zones(config, stack, group_name, tags)
    workspaces: dict[str, Workspace] = {}
    for workspace_config in config.workspaces:
        key = workspace_config.name
        hub = workspace_config.hub
        workspace = Workspace(
            key,
            workspace_config.workspace_args(),
            resource_group_name=group_name,
            location=config.location,
            tags=tags,
            dns_zone_ids=dns.zone_ids if dns else None,
            hub=workspaces[hub].hub_ref if hub is not None else None,
        )
        add_assets(workspace, workspace_config, environments[key])
        if hub is not None:
            workspaces[hub].share_connections(workspace.identity_grantee)
        workspaces[key] = workspace
    registry = stack_registry(config, group_name, tags)
    for workspace_config in config.workspaces:
        add_endpoints(
            workspaces[workspace_config.name], workspace_config, registry=registry, root=root
        )
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
    first = next(iter(workspaces.values()), None)
    outputs = StackOutputs.pending(
        subscription_id=client.subscription_id,
        tenant_id=client.tenant_id,
        resource_group=group_name,
        location=config.location,
        tier=config.tier,
        workspace_name=first.workspace_name if first is not None else None,
        workspaces={key: workspace.outputs() for key, workspace in workspaces.items()},
        registry=registry.outputs() if registry is not None else None,
        # Read back on the next run to refuse changes Azure cannot make (infra.previous).
        network_isolation={w.name: w.network.isolation_mode for w in config.workspaces},
    )
    export_stack_outputs(outputs)
