"""The workspace's storage account: no keys, no public blobs, TLS 1.2, soft delete, versioning,
a SAS expiration policy, infrastructure encryption, and every service's logs in Log Analytics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pulumi
from pulumi_azure_native import storage
from pydantic import Field

from components.args import Args
from components.diagnostics import STORAGE_ACCOUNT, STORAGE_SERVICES, send_logs
from components.encryption import CustomerManagedKey, storage_encryption, storage_identity
from components.guards import delete_lock
from components.ip_rules import open_to_all, storage_ip_rules
from components.placement import Placement

__all__ = [
    "MAX_SAS_EXPIRATION_DAYS",
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
MAX_SAS_EXPIRATION_DAYS = 7
"""The longest SAS validity Azure's built-in 7aa1c9d5 allows (it denies accounts above it)."""


class StorageArgs(Args):
    """The workspace storage account (artifacts, snapshots, the default datastores)."""

    sku: StorageSku = "Standard_GRS"
    """Replication. Default geo-redundant (GRS, built-in bf045164); a dev stack may choose
    Standard_LRS. Where the region has availability zones, Standard_GZRS or Standard_RAGZRS is
    also zone-redundant (built-in 85b005b2)."""
    versioning: bool = True
    """Keep previous versions of overwritten blobs. Default on."""
    soft_delete_days: int = Field(30, ge=1, le=365)
    """Days deleted blobs and containers can be restored (1-365). Default 30."""
    sas_expiration_days: int = Field(1, ge=1, le=MAX_SAS_EXPIRATION_DAYS)
    """Longest validity of a shared access signature, in days (1-7): Azure refuses SAS tokens
    that ask for longer (``sasPolicy`` with expiration action Block; built-ins bc1b984e,
    7aa1c9d5). Default 1. With shared keys off, only user delegation SAS can be issued at all."""
    infrastructure_encryption: bool = True
    """A second layer of encryption at rest, with a separate platform-managed key (built-in
    4733ea7b). Default on; it costs nothing. Fixed at creation: Azure cannot add or remove it
    on an existing account, so flipping it replaces the account and its data (an account
    created without it keeps it off: set false to keep such an account)."""


def create_workspace_storage(
    name: str,
    args: StorageArgs,
    *,
    account_name: pulumi.Input[str],
    public_network_access: str,
    placement: Placement,
    protect: bool,
    hierarchical_namespace: bool = False,
    cmk: CustomerManagedKey | None = None,
    ip_allowlist: Sequence[str] = (),
) -> storage.StorageAccount:
    """Create the account and its blob service settings; shared keys are off, so every client
    (the workspace included) authenticates with Entra ID.

    `hierarchical_namespace` makes an ADLS Gen2 account; Azure has no blob versioning there, so
    `args.versioning` is ignored for it. `cmk` encrypts it with a customer-managed key, reached as
    the key's identity (attached to the account); the account waits for the identity's role.
    `ip_allowlist` (public access only) lets those addresses through a default-deny firewall.
    """
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
            default_action=storage.DefaultAction.ALLOW
            if open_to_all(public_network_access, ip_allowlist)
            else storage.DefaultAction.DENY,
            bypass=storage.Bypass.AZURE_SERVICES,
            ip_rules=[
                storage.IPRuleArgs(i_p_address_or_range=rule, action=storage.Action.ALLOW)
                for rule in storage_ip_rules(ip_allowlist)
            ]
            or None,
        ),
        sas_policy=storage.SasPolicyArgs(
            sas_expiration_period=f"{args.sas_expiration_days}.00:00:00",
            expiration_action=storage.ExpirationAction.BLOCK,
        ),
        encryption=storage_encryption(cmk, infrastructure=args.infrastructure_encryption),
        identity=storage_identity(cmk),
        tags=placement.tags,
        opts=placement.options(protect=protect, depends_on=cmk.granted if cmk else ()),
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
    account_id: pulumi.Input[str],
    *,
    log_analytics_id: pulumi.Input[str],
    lock: bool,
    placement: Placement,
    diagnostics: bool = True,
) -> None:
    """When `diagnostics`, send the account's metrics and its blob, file, queue and table
    services' logs to Log Analytics (`components.diagnostics`); when `lock`, put a CanNotDelete
    lock on the account. The account may be one amlstack did not create (by ARM id)."""
    if lock:
        delete_lock(f"{name}-storage-lock", account_id, placement=placement)
    if not diagnostics:
        return
    send_logs(
        f"{name}-storage-account-diagnostics",
        resource_type=STORAGE_ACCOUNT,
        resource_id=account_id,
        log_analytics_id=log_analytics_id,
        placement=placement,
    )
    for service in STORAGE_SERVICES:
        # The blob service's setting keeps its original name (its URN is a contract).
        key = "" if service == "blobServices" else f"-{service.removesuffix('Services')}"
        send_logs(
            f"{name}-storage{key}-diagnostics",
            resource_type=f"{STORAGE_ACCOUNT}/{service}",
            resource_id=pulumi.Output.concat(account_id, f"/{service}/default"),
            log_analytics_id=log_analytics_id,
            placement=placement,
        )
