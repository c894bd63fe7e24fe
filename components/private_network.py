"""What a stack puts into one customer virtual network besides each workspace's own private
endpoints: an Azure Monitor private link scope (AMPLS) holding the workspaces' Application
Insights and Log Analytics, its private endpoint, and a private endpoint to the Azure ML registry.

Both are once per virtual network, not per workspace: "you cannot connect a single VNet to more
than one AMPLS" (Azure Monitor docs, "Use Azure Private Link to connect networks to Azure
Monitor"), and one endpoint to the registry serves every workspace there. The scope's access
modes stay ``Open``: with ``PrivateOnly`` every network sharing the DNS zones could reach only
the Azure Monitor resources in this scope ("Design your Azure Private Link setup"), which would
cut other workloads of a shared hub off their own telemetry. The resources' public doors are
their own settings (`components.monitoring.MonitoringArgs`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import monitor

from components.naming import MONITOR_SCOPE, derive_name, unique_suffix
from components.network import PrivateEndpointsArgs, PrivateLinkTarget, create_private_endpoints
from components.placement import Placement
from components.reach import RegistryLink

__all__ = ["PrivateNetwork"]


class PrivateNetwork(pulumi.ComponentResource):
    """The stack's Azure Monitor private link scope and registry endpoint in one network."""

    def __init__(
        self,
        name: str,
        args: PrivateEndpointsArgs,
        *,
        telemetry: Mapping[str, pulumi.Input[str]],
        registry: RegistryLink | None,
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: Mapping[str, str] | None = None,
        dns_zone_ids: Mapping[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`args` say which subnet the endpoints go into; `telemetry` are the Application
        Insights components and Log Analytics workspaces to scope (a short key, part of the
        child names, to the ARM id); `dns_zone_ids` (see `PrivateDnsZones`) registers the
        endpoints in the stack's private DNS zones."""
        super().__init__("amlstack:ml:PrivateNetwork", name, None, opts)
        placement = Placement(resource_group_name, location, dict(tags or {}), self)
        network = args.virtual_network_id
        scope = monitor.PrivateLinkScope(
            f"{name}-ampls",
            scope_name=derive_name(
                MONITOR_SCOPE,
                pulumi.get_project(),
                pulumi.get_stack(),
                network.rsplit("/", 1)[-1],
                unique=unique_suffix(network.lower()),
            ),
            resource_group_name=resource_group_name,
            location="global",
            access_mode_settings=monitor.AccessModeSettingsArgs(
                ingestion_access_mode=monitor.AccessMode.OPEN,
                query_access_mode=monitor.AccessMode.OPEN,
            ),
            tags=placement.tags,
            opts=placement.options(),
        )
        scoped = [
            monitor.PrivateLinkScopedResource(
                f"{name}-ampls-{key}",
                scope_name=scope.name,
                resource_group_name=resource_group_name,
                name=pulumi.Output.from_input(resource_id).apply(lambda i: i.rsplit("/", 1)[-1]),
                linked_resource_id=resource_id,
                kind=monitor.ScopedResourceKind.RESOURCE,
                opts=placement.options(),
            )
            for key, resource_id in sorted(telemetry.items())
        ]
        # The endpoint waits for the scope's members: their DNS records come with it.
        scope_id = pulumi.Output.all(scope.id, *(s.id for s in scoped)).apply(lambda ids: ids[0])
        targets = [PrivateLinkTarget("ampls", scope_id, scope.name, "azuremonitor")]
        if registry is not None:
            targets.append(
                PrivateLinkTarget("mlregistry", registry.id, registry.name, "amlregistry")
            )
        self.endpoints = create_private_endpoints(
            name, targets, args=args, dns_zone_ids=dns_zone_ids, placement=placement
        )
        self.scope_id: pulumi.Output[str] = scope.id
        self.register_outputs({"scopeId": self.scope_id})
