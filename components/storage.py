"""The workspace's storage account: no keys, no public blobs, TLS 1.2, soft delete, versioning."""

from __future__ import annotations

from typing import Literal

import pulumi
from pulumi_azure_native import storage
from pydantic import Field

from components.args import Args
from components.diagnostics import send_logs
from components.guards import delete_lock
from components.placement import Placement

__all__ = [
    "StorageArgs",
    "StorageSku",
    "create_workspace_storage",
    "guard_storage",
]

StorageSku = Literal[
    "Standard_LRS",
    "Standard_ZRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
]


class StorageArgs(Args):
    """The workspace storage account (artifacts, snapshots, the default datastores)."""

    sku: StorageSku = "Standard_GRS"
    """Replication. Default geo-redundant (GRS); a dev stack may choose Standard_LRS."""
    versioning: bool = True
    """Keep previous versions of overwritten blobs. Default on."""
    soft_delete_days: int = Field(30, ge=1, le=365)
    """Days deleted blobs and containers can be restored (1-365). Default 30."""


def create_workspace_storage(
    name: str,
    args: StorageArgs,
    *,
    account_name: pulumi.Input[str],
    public_network_access: str,
    placement: Placement,
    protect: bool,
    hierarchical_namespace: bool = False,
) -> storage.StorageAccount:
    """Create the account and its blob service settings; shared keys are off, so every client
    (the workspace included) authenticates with Entra ID.

    `hierarchical_namespace` makes an ADLS Gen2 account; Azure has no blob versioning there, so
    `args.versioning` is ignored for it.
    """
    public = public_network_access == "Enabled"
    account = storage.StorageAccount(
        f"{name}-storage",
        account_name=account_name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        kind=storage.Kind.STORAGE_V2,
        sku=storage.SkuArgs(name=args.sku),
        allow_blob_public_access=False,
        allow_shared_key_access=False,
        allow_cross_tenant_replication=False,
        default_to_o_auth_authentication=True,
        enable_https_traffic_only=True,
        minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
        is_hns_enabled=hierarchical_namespace or None,
        public_network_access=public_network_access,
        network_rule_set=storage.NetworkRuleSetArgs(
            default_action=storage.DefaultAction.ALLOW if public else storage.DefaultAction.DENY,
            bypass=storage.Bypass.AZURE_SERVICES,
        ),
        tags=placement.tags,
        opts=placement.options(protect=protect),
    )
    retention = storage.DeleteRetentionPolicyArgs(enabled=True, days=args.soft_delete_days)
    storage.BlobServiceProperties(
        f"{name}-storage-blob",
        account_name=account.name,
        resource_group_name=placement.resource_group_name,
        blob_services_name="default",
        delete_retention_policy=retention,
        container_delete_retention_policy=retention,
        is_versioning_enabled=args.versioning and not hierarchical_namespace,
        opts=placement.options(),
    )
    return account


def guard_storage(
    name: str,
    account: storage.StorageAccount,
    *,
    log_analytics_id: pulumi.Input[str],
    lock: bool,
    placement: Placement,
) -> None:
    """Send the account's blob service logs (and transactions) to Log Analytics and, when `lock`,
    put a CanNotDelete lock on the account."""
    send_logs(
        f"{name}-storage-diagnostics",
        resource_id=account.id.apply(lambda i: f"{i}/blobServices/default"),
        log_analytics_id=log_analytics_id,
        metrics=("Transaction",),
        placement=placement,
    )
    if lock:
        delete_lock(f"{name}-storage-lock", account, placement=placement)
