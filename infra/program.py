"""The Pulumi program: compose the components a `StackConfig` asks for, and export the outputs.

The jobs package and CI read the exported outputs (``pulumi stack output --json``), so their keys
are a contract: see docs/reference/stack-outputs.md.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, resources

from components.naming import RESOURCE_GROUP, derive_name
from components.network import PrivateDnsZones, PrivateDnsZonesArgs
from components.workspace import Workspace
from infra.assets import WorkspaceAssets, define_environments, deploy_assets
from infra.config import StackConfig
from infra.previous import NETWORK_ISOLATION_OUTPUT
from infra.project import project_root
from infra.serving import Serving, deploy_serving

__all__ = ["deploy"]


def deploy(config: StackConfig) -> dict[str, Workspace]:
    """Declare every resource of the stack; returns the workspaces by their config key."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    environments = define_environments(config, project_root())  # reads files: fails first
    tags = {"project": project, **config.tags}
    group_name = _resource_group(config, project, stack, tags)
    dns = _private_dns_zones(config, stack, group_name, tags)
    workspaces = {
        args.name: Workspace(
            args.name,
            args,
            resource_group_name=group_name,
            location=config.location,
            tags=tags,
            dns_zone_ids=dns.zone_ids if dns else None,
        )
        for args in config.workspaces
    }
    assets = {
        args.name: deploy_assets(workspaces[args.name], args, environments[args.name])
        for args in config.workspaces
    }
    serving = deploy_serving(
        config,
        resource_group_name=group_name,
        tags=tags,
        workspaces=workspaces,
        environments={key: a.environments for key, a in assets.items()},
        root=project_root(),
    )
    _export_outputs(config, group_name, workspaces, assets, serving)
    return workspaces


def _resource_group(
    config: StackConfig, project: str, stack: str, tags: dict[str, str]
) -> pulumi.Output[str]:
    """The stack's resource group name: an existing group's, or one created here."""
    name = config.resource_group.name or derive_name(RESOURCE_GROUP, project, stack)
    if config.resource_group.existing:
        return pulumi.Output.from_input(name)
    group = resources.ResourceGroup(
        f"{stack}-rg",
        resource_group_name=name,
        location=config.location,
        tags={"managed-by": "amlstack", "stack": stack, **tags},
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
        tags={"managed-by": "amlstack", "stack": stack, **tags},
    )


def _export_outputs(
    config: StackConfig,
    group_name: pulumi.Output[str],
    workspaces: dict[str, Workspace],
    assets: dict[str, WorkspaceAssets],
    serving: Serving,
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
        "workspaces",
        {
            key: {
                **_workspace_outputs(workspace),
                **assets[key].outputs(),
                **serving.workspace_outputs(key),
            }
            for key, workspace in workspaces.items()
        },
    )
    if serving.registry is not None:
        pulumi.export("registry", serving.registry.outputs())
    # Read back on the next run to refuse changes Azure cannot make (infra.previous).
    pulumi.export(
        NETWORK_ISOLATION_OUTPUT,
        {key: w.args.network.isolation_mode for key, w in workspaces.items()},
    )


def _workspace_outputs(workspace: Workspace) -> dict[str, pulumi.Input[str]]:
    return {
        "name": workspace.workspace_name,
        "id": workspace.id,
        "storageAccount": workspace.storage_account.name,
        "keyVault": workspace.key_vault.name,
        "containerRegistry": workspace.container_registry.name,
        "applicationInsights": workspace.app_insights.name,
        "identityClientId": workspace.identity.client_id,
        "identityPrincipalId": workspace.identity.principal_id,
    }
