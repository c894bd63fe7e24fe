"""The workspace's key vault: RBAC authorization (built-in 12d4fa5e), soft delete (1e66c121),
purge protection (0b60c0b2); its audit events go to Log Analytics (`components.diagnostics`)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import keyvault
from pydantic import Field

from components.args import Args
from components.diagnostics import KEY_VAULT, send_logs
from components.ip_rules import open_to_all
from components.placement import Placement

__all__ = ["KeyVaultArgs", "create_workspace_key_vault"]


class KeyVaultArgs(Args):
    """The workspace key vault (connection secrets the workspace manages)."""

    purge_protection: bool = True
    """Forbid purging deleted secrets and the vault before retention ends (built-in 0b60c0b2,
    in the Microsoft cloud security benchmark). Default on; once on, Azure never lets it be
    turned off. The dev tier's preset turns it off, so that vaults can be recreated freely, and
    the plan reports that as a relaxation (``infra/tiers.py``)."""
    retention_days: int = Field(90, ge=7, le=90)
    """Days a deleted vault or secret stays recoverable (7-90). Default 90. Its name stays taken."""


def create_workspace_key_vault(
    name: str,
    args: KeyVaultArgs,
    *,
    vault_name: pulumi.Input[str],
    tenant_id: pulumi.Input[str],
    public_network_access: str,
    placement: Placement,
    protect: bool,
    log_analytics_id: pulumi.Input[str],
    ip_allowlist: Sequence[str] = (),
) -> keyvault.Vault:
    """Create the vault, its logs sent to `log_analytics_id`; access is by Azure RBAC only (no
    access policies). `ip_allowlist` (public access only) lets those addresses through a
    default-deny firewall."""
    vault = keyvault.Vault(
        f"{name}-keyvault",
        vault_name=vault_name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        properties=keyvault.VaultPropertiesArgs(
            tenant_id=tenant_id,
            sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
            enable_rbac_authorization=True,
            enable_soft_delete=True,
            soft_delete_retention_in_days=args.retention_days,
            # Azure rejects `false` here: purge protection is either on or absent.
            enable_purge_protection=True if args.purge_protection else None,
            public_network_access=public_network_access,
            network_acls=keyvault.NetworkRuleSetArgs(
                bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
                default_action=(
                    keyvault.NetworkRuleAction.ALLOW
                    if open_to_all(public_network_access, ip_allowlist)
                    else keyvault.NetworkRuleAction.DENY
                ),
                ip_rules=[keyvault.IPRuleArgs(value=rule) for rule in ip_allowlist] or None,
            ),
        ),
        tags=placement.tags,
        opts=placement.options(protect=protect),
    )
    send_logs(
        f"{name}-keyvault-diagnostics",
        resource_type=KEY_VAULT,
        resource_id=vault.id,
        log_analytics_id=log_analytics_id,
        placement=placement,
    )
    return vault
