"""The workspace's container registry: no admin user, no anonymous pull, no exports, no ARM
audience tokens, zone-redundant where Azure offers it; pulls by identity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pulumi
from pulumi_azure_native import containerregistry
from pydantic import ValidationInfo, field_validator

from components.args import Args
from components.diagnostics import CONTAINER_REGISTRY, send_logs
from components.encryption import CustomerManagedKey, registry_encryption, registry_identity
from components.placement import Placement
from components.regions import ACR_ZONE_REDUNDANT_REGIONS

__all__ = [
    "ContainerRegistryArgs",
    "check_registry_cmk",
    "check_registry_network",
    "create_workspace_registry",
    "exports_enabled",
    "zone_redundant",
]

RegistrySku = Literal["Basic", "Standard", "Premium"]


class ContainerRegistryArgs(Args):
    """The registry that holds the images Azure ML builds for environments."""

    sku: RegistrySku = "Premium"
    """Tier. Default Premium, the only tier that can turn public network access and exports off,
    be zone-redundant or use a customer-managed key."""
    exports_enabled: bool | None = None
    """Allow copying images out of the registry (``az acr import`` from it, transfer pipelines).
    Default: off (built-in 524b0254) wherever Azure can turn exports off, that is on a Premium
    registry with public network access Disabled; on otherwise. Pulls (``docker pull``, Azure
    ML jobs and deployments) are not exports."""
    arm_audience_tokens: bool = False
    """Accept Entra ID tokens issued for Azure Resource Manager, not only those for the registry
    (``azureADAuthenticationAsArmPolicy``). Default off (built-in 42781ec6): ``az acr login``,
    Azure ML and managed identities get registry-audience tokens; admin user and repository
    tokens are unaffected (and off)."""
    zone_redundant: bool = True
    """Spread the registry over the region's availability zones (built-in 9d2b0a20). Default on
    where Azure offers it: a Premium registry in a region of
    `components.regions.ACR_ZONE_REDUNDANT_REGIONS`; elsewhere the registry is created without.
    Fixed at creation: changing it replaces the registry (and deletes its images)."""

    @field_validator("exports_enabled")
    @classmethod
    def _exports_off_needs_premium(
        cls, exports_enabled: bool | None, info: ValidationInfo
    ) -> bool | None:
        sku = info.data.get("sku")
        if exports_enabled is False and sku is not None and sku != "Premium":
            raise ValueError(
                f"a {sku} registry cannot turn exports off (Azure: Premium only); set "
                "exportsEnabled: true, or sku: Premium"
            )
        return exports_enabled


def check_registry_network(
    registry: ContainerRegistryArgs, public_network_access: str, *, ip_allowlist: bool = False
) -> None:
    """Raise ValueError when the registry's settings need a network the workspace does not have:
    turning public access off needs Premium, and so do IP rules (`ip_allowlist`); exports off
    need public access off."""
    if ip_allowlist and registry.sku != "Premium":
        raise ValueError(
            f"sku {registry.sku!r} has no IP rules, and network.ipAllowlist puts them on the "
            "registry (Azure: Premium only); use 'Premium', or remove ipAllowlist"
        )
    if public_network_access == "Disabled" and registry.sku != "Premium":
        raise ValueError(
            f"sku {registry.sku!r} cannot turn public network access off; use 'Premium' "
            "or set network.publicNetworkAccess to 'Enabled'"
        )
    if public_network_access != "Disabled" and registry.exports_enabled is False:
        raise ValueError(
            "exportsEnabled: false needs network.publicNetworkAccess 'Disabled' (Azure turns "
            "exports off only on a registry closed to the internet); set exportsEnabled: true"
        )


def check_registry_cmk(registry: ContainerRegistryArgs) -> None:
    """Raise ValueError when the registry cannot be encrypted with a customer-managed key."""
    if registry.sku != "Premium":
        raise ValueError(
            f"a {registry.sku} container registry cannot use a customer-managed key (Azure: "
            "Premium only); set containerRegistry.sku: Premium, or remove encryption"
        )


def exports_enabled(args: ContainerRegistryArgs, public_network_access: str) -> bool:
    """Whether the registry allows exports: as configured, else off where Azure can turn them
    off (Premium, closed to the internet)."""
    if args.exports_enabled is not None:
        return args.exports_enabled
    return not (args.sku == "Premium" and public_network_access == "Disabled")


def zone_redundant(args: ContainerRegistryArgs, location: str) -> bool:
    """Whether the registry is created zone-redundant: asked, Premium, and offered in `location`."""
    return args.zone_redundant and args.sku == "Premium" and location in ACR_ZONE_REDUNDANT_REGIONS


def create_workspace_registry(
    name: str,
    args: ContainerRegistryArgs,
    *,
    registry_name: pulumi.Input[str],
    public_network_access: str,
    placement: Placement,
    protect: bool,
    log_analytics_id: pulumi.Input[str],
    cmk: CustomerManagedKey | None = None,
    ip_allowlist: Sequence[str] = (),
) -> containerregistry.Registry:
    """Create the registry, its logs sent to `log_analytics_id`; the workspace identity
    pushes and pulls by role, not password.
    `cmk` encrypts it with a customer-managed key (Premium; the registry waits for the key
    identity's role). `ip_allowlist` (Premium, public access only) lets those addresses
    through a default-deny firewall."""
    disabled = containerregistry.ExportPolicyStatus.DISABLED
    registry = containerregistry.Registry(
        f"{name}-registry",
        registry_name=registry_name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        sku=containerregistry.SkuArgs(name=args.sku),
        admin_user_enabled=False,
        anonymous_pull_enabled=False,
        public_network_access=public_network_access,
        network_rule_bypass_options=containerregistry.NetworkRuleBypassOptions.AZURE_SERVICES,
        network_rule_set=containerregistry.NetworkRuleSetArgs(
            default_action=containerregistry.DefaultAction.DENY,
            ip_rules=[
                containerregistry.IPRuleArgs(
                    i_p_address_or_range=rule, action=containerregistry.Action.ALLOW
                )
                for rule in ip_allowlist
            ],
        )
        if ip_allowlist
        else None,
        policies=containerregistry.PoliciesArgs(
            export_policy=containerregistry.ExportPolicyArgs(
                status=containerregistry.ExportPolicyStatus.ENABLED
                if exports_enabled(args, public_network_access)
                else disabled
            ),
            azure_ad_authentication_as_arm_policy=containerregistry.AzureADAuthenticationAsArmPolicyArgs(
                status=containerregistry.AzureADAuthenticationAsArmPolicyStatus.ENABLED
                if args.arm_audience_tokens
                else containerregistry.AzureADAuthenticationAsArmPolicyStatus.DISABLED
            ),
        ),
        zone_redundancy=(
            containerregistry.ZoneRedundancy.ENABLED
            if zone_redundant(args, placement.location)
            else containerregistry.ZoneRedundancy.DISABLED
        ),
        encryption=registry_encryption(cmk),
        identity=registry_identity(cmk),
        tags=placement.tags,
        opts=placement.options(protect=protect, depends_on=cmk.granted if cmk else ()),
    )
    send_logs(
        f"{name}-registry-diagnostics",
        resource_type=CONTAINER_REGISTRY,
        resource_id=registry.id,
        log_analytics_id=log_analytics_id,
        placement=placement,
    )
    return registry
