"""The workspace's container registry: no admin user, no anonymous pull; pulls by identity."""

from __future__ import annotations

from typing import Literal

import pulumi
from pulumi_azure_native import containerregistry

from components.args import Args
from components.placement import Placement

__all__ = ["ContainerRegistryArgs", "create_workspace_registry"]


class ContainerRegistryArgs(Args):
    """The registry that holds the images Azure ML builds for environments."""

    sku: Literal["Basic", "Standard", "Premium"] = "Premium"
    """Tier. Default Premium, the only tier that can turn public network access off."""


def create_workspace_registry(
    name: str,
    args: ContainerRegistryArgs,
    *,
    registry_name: pulumi.Input[str],
    public_network_access: str,
    placement: Placement,
    protect: bool,
) -> containerregistry.Registry:
    """Create the registry; the workspace identity pushes and pulls by role, not password."""
    return containerregistry.Registry(
        f"{name}-registry",
        registry_name=registry_name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        sku=containerregistry.SkuArgs(name=args.sku),
        admin_user_enabled=False,
        anonymous_pull_enabled=False,
        public_network_access=public_network_access,
        network_rule_bypass_options=containerregistry.NetworkRuleBypassOptions.AZURE_SERVICES,
        tags=placement.tags,
        opts=placement.options(protect=protect),
    )
