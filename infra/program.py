"""The Pulumi program: compose the components a `StackConfig` asks for, and export the outputs.

Each workspace of the config becomes a `Workspace` (a hub's projects after the hub, with its
``hub_ref``); its computes, datastores, environments, connections, online and batch endpoints
and job schedules are added through it (``workspace.add_*``). The registry comes first: each
workspace declares what it reaches (`Reach`: its data lake, datastore accounts, the registry; a
hub's includes its projects' accounts) when it is created, and the stack's `PrivateNetwork` in
each customer network the workspaces put private endpoints in follows them (telemetry scope,
registry endpoint). The jobs package and CI read the exported outputs (``pulumi stack output
--json``), so their keys are a contract: `components.outputs` defines them, for the program and
its readers alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
from pulumi_azure_native import authorization, resources

from components.naming import RESOURCE_GROUP, derive_name, unique_suffix
from components.network import PrivateDnsZones, PrivateDnsZonesArgs, PrivateEndpointsArgs
from components.outputs import StackOutputs, export_stack_outputs
from components.private_network import PrivateNetwork
from components.reach import Reach, RegistryLink
from components.tags import stack_tags
from components.workspace import Workspace
from infra.assets import add_assets, define_environments
from infra.config import StackConfig, WorkspaceConfig
from infra.project import project_root
from infra.schedules import add_schedules, define_schedules
from infra.serving import RegistryInfo, add_endpoints, stack_registry

__all__ = ["deploy"]


def deploy(
    config: StackConfig,
    *,
    replacement_keys: Callable[[], pulumi.Output[dict[str, Any]]] | None = None,
) -> dict[str, Workspace]:
    """Declare every resource of the stack; returns the workspaces by their config key.
    `replacement_keys` gives, once every resource is declared, what the next run's data-loss
    guard compares (`infra.replacements`)."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    root = project_root()
    environments = define_environments(config, root)  # reads files: fails first
    schedules = define_schedules(config, environments, root)  # loads job specs: fails first too
    tags = {"project": project, **config.tags}
    group_name = _resource_group(config, stack, tags)
    dns = _private_dns_zones(config, stack, group_name, tags)
    registry = stack_registry(config, group_name, tags)
    link = RegistryLink(registry.id, registry.name) if registry is not None else None
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
            reach=_reach(workspace_config, link),
        )
        add_assets(workspace, workspace_config, environments[key], base_dir=root)
        if hub is not None:
            workspaces[hub].share_connections(workspace.identity_grantee)
        workspaces[key] = workspace
    _private_networks(
        config,
        stack=stack,
        group_name=group_name,
        tags=tags,
        workspaces=workspaces,
        registry=link,
        dns=dns,
    )
    for workspace_config in config.workspaces:
        key = workspace_config.name
        add_endpoints(workspaces[key], workspace_config, registry=registry, root=root)
        add_schedules(workspaces[key], workspace_config, schedules[key])
    _export_outputs(
        config,
        group_name,
        workspaces,
        registry,
        replacement_keys() if replacement_keys is not None else None,
    )
    return workspaces


def _reach(config: WorkspaceConfig, registry: RegistryLink | None) -> Reach | None:
    """What a workspace's managed network needs rules to: its datastores' accounts and
    connections' targets, its projects' too (a hub: they use its network), and the registry.
    None for a project."""
    if config.hub is not None:
        return None
    projects = [d for p in config.projects for d in p.datastores if d.account is not None]
    return Reach.of(
        [*config.datastores, *projects],
        registry=registry,
        connections=[*config.connections, *(c for p in config.projects for c in p.connections)],
    )


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


def _private_networks(
    config: StackConfig,
    *,
    stack: str,
    group_name: pulumi.Output[str],
    tags: dict[str, str],
    workspaces: dict[str, Workspace],
    registry: RegistryLink | None,
    dns: PrivateDnsZones | None,
) -> list[PrivateNetwork]:
    """One `PrivateNetwork` per virtual network the workspaces put private endpoints in: the
    telemetry scope of those workspaces and the endpoint to the registry. Its endpoints go into
    the subnet of the first workspace (in config order) there."""
    in_network: dict[str, tuple[PrivateEndpointsArgs, list[Workspace]]] = {}
    for w in config.workspaces:
        endpoints = w.network.private_endpoints
        if endpoints is not None:
            entry = in_network.setdefault(endpoints.virtual_network_id.lower(), (endpoints, []))
            entry[1].append(workspaces[w.name])
    created = []
    for network_id, (endpoints, members) in sorted(in_network.items()):
        telemetry = {  # a project's are its hub's, linked with the hub
            f"{w.ref.key}-{kind}": dependency.id
            for w in members
            for kind, dependency in (
                ("insights", w.dependencies.app_insights),
                ("logs", w.dependencies.log_analytics),
            )
            if dependency.source != "hub"
        }
        created.append(
            PrivateNetwork(
                f"{stack}-{network_id.rsplit('/', 1)[-1]}-{unique_suffix(network_id)}",
                endpoints,
                telemetry=telemetry,
                registry=registry,
                resource_group_name=group_name,
                location=config.location,
                tags=stack_tags(stack, tags),
                dns_zone_ids=dns.zone_ids if dns and endpoints.create_dns_zones else None,
            )
        )
    return created


def _export_outputs(
    config: StackConfig,
    group_name: pulumi.Output[str],
    workspaces: dict[str, Workspace],
    registry: RegistryInfo | None,
    replacement_keys: pulumi.Output[dict[str, Any]] | None,
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
        replacement_keys=replacement_keys,
    )
    export_stack_outputs(outputs)
