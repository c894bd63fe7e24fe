"""Which stack config key makes a failing rule hold, for the plan's failure message.

Keys are written from a workspace (``network.publicNetworkAccess``) and shown under the workspace
that failed (``amlstack:workspaces[main].network.publicNetworkAccess``). A rule that amlstack's
components always meet has no key: a stack fails it only through code of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CONFIG_FIXES", "config_fix"]

_PUBLIC = "network.publicNetworkAccess: Disabled"

CONFIG_FIXES: Mapping[str, str | None] = {
    "workspace-public-network-disabled": _PUBLIC,
    "workspace-managed-network-approved-outbound": (
        "network.isolationMode: AllowOnlyApprovedOutbound"
    ),
    "workspace-user-assigned-identity": None,
    "workspace-identity-datastores": None,
    "workspace-cmk-encryption": "encryption",
    "workspace-diagnostic-settings": None,
    "compute-local-auth-disabled": None,
    "compute-instance-idle-shutdown": "computes.instances[].idleTimeBeforeShutdown",
    "compute-cluster-scale-to-zero": "computes.clusters[].minNodes: 0",
    "compute-no-public-ip": None,
    "compute-no-public-ssh": None,
    "endpoint-token-auth": "endpoints[].authMode: AMLToken",
    "endpoint-public-network-disabled": "endpoints[].publicNetworkAccess: Disabled",
    "storage-no-public-blob-access": None,
    "storage-tls12": None,
    "storage-https-only": None,
    "storage-no-shared-key": None,
    "storage-no-cross-tenant-replication": None,
    "storage-public-network-disabled": _PUBLIC,
    "storage-firewall-deny": _PUBLIC,
    "storage-geo-redundant": "storage.sku: Standard_GRS",
    "storage-diagnostic-settings": None,
    "blob-soft-delete": None,
    "blob-versioning": "storage.versioning: true",
    "keyvault-rbac": None,
    "keyvault-soft-delete": None,
    "keyvault-purge-protection": "keyVault.purgeProtection: true",
    "keyvault-public-network-disabled": _PUBLIC,
    "keyvault-diagnostic-settings": None,
    "registry-admin-user-disabled": None,
    "registry-anonymous-pull-disabled": None,
    "registry-public-network-disabled": f"{_PUBLIC} (with containerRegistry.sku: Premium)",
    "appinsights-local-auth-disabled": None,
    "appinsights-workspace-based": None,
    "loganalytics-local-auth-disabled": None,
    "stateful-protected": "protect: true",
    "stateful-delete-lock": "deleteLock: true",
    "compute-in-virtual-network": "network.isolationMode: AllowOnlyApprovedOutbound",
    "storage-sas-policy": "storage.sasExpirationDays: 1",
    "storage-infrastructure-encryption": "storage.infrastructureEncryption: true",
    "storage-cmk-encryption": "encryption",
    "storage-zone-redundant": "storage.sku: Standard_GZRS",
    "registry-exports-disabled": f"{_PUBLIC} (with containerRegistry.sku: Premium)",
    "registry-arm-audience-tokens-disabled": "containerRegistry.armAudienceTokens: false",
    "registry-zone-redundant": "containerRegistry.zoneRedundant: true",
    "registry-premium": "containerRegistry.sku: Premium",
    "registry-cmk-encryption": "encryption",
    "registry-diagnostic-settings": None,
    "appinsights-diagnostic-settings": None,
    "loganalytics-diagnostic-settings": None,
    "endpoint-diagnostic-settings": None,
    "autoscale-diagnostic-settings": None,
    "ml-registry-diagnostic-settings": None,
    "batch-endpoint-token-auth": "batchEndpoints[].authMode: AADToken",
    "batch-endpoint-private-workspace": _PUBLIC,
    "automation-diagnostic-settings": None,
    "workspace-serverless-no-public-ip": "serverlessCompute.noPublicIp: true",
}
"""Rule id -> the workspace config key (and value) that makes it hold, or None."""


def config_fix(rule_id: str, workspace: str | None, *, namespace: str = "amlstack") -> str | None:
    """The full config key that fixes `rule_id` for `workspace` (a stack-level resource, such as
    the stack's registry, gets the ``amlstack:registry`` key), or None when no key does."""
    fix = CONFIG_FIXES.get(rule_id)
    if fix is None:
        return None
    if workspace is None:
        return f"{namespace}:registry.{fix}" if fix.startswith(("protect", "deleteLock")) else None
    return f"{namespace}:workspaces[{workspace}].{fix}"
