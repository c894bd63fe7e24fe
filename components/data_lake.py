"""The workspace's data lake: a hierarchical-namespace (ADLS Gen2) account for ADLS datastores.

Azure ML does not accept a hierarchical-namespace account as a workspace's own storage, so ADLS
Gen2 datastores without an existing account of their own get this separate account, created once
per workspace and only when such a datastore exists: by `Workspace` before the workspace resource
when its managed network needs rules to it, else by `Workspace.add_datastore`. It has the
workspace storage's settings and guards (no shared keys, TLS 1.2, no public blobs, the same
replication, network access and IP allow-list, soft delete, diagnostics and delete lock),
except blob versioning, which Azure does not offer there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.encryption import CustomerManagedKey
from components.network import PublicNetworkAccess
from components.placement import Placement
from components.storage import StorageArgs, create_workspace_storage, guard_storage

__all__ = ["DataLake", "LakeSettings"]


@dataclass(frozen=True)
class LakeSettings:
    """What the data lake takes from its workspace. Known before the workspace resource exists,
    so the lake can be created first: the workspace's managed network has outbound rules to it."""

    resource_group_name: pulumi.Input[str]
    location: str
    tags: Mapping[str, str]
    public_network_access: PublicNetworkAccess
    protect: bool
    delete_lock: bool
    log_analytics_id: pulumi.Input[str]
    """Where the lake's blob service logs go (the workspace's Log Analytics)."""
    ip_allowlist: tuple[str, ...] = ()
    """Addresses let through the lake's default-deny firewall (public access only)."""


class DataLake(pulumi.ComponentResource):
    """An ADLS Gen2 storage account beside a workspace, with the workspace storage's settings."""

    def __init__(
        self,
        name: str,
        storage: StorageArgs,
        *,
        account_name: pulumi.Input[str],
        settings: LakeSettings,
        cmk: CustomerManagedKey | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`storage` are the workspace storage's settings; network access, ``protect``, the
        lock and the diagnostics' destination are the workspace's (`settings`); `cmk` (the
        workspace's customer-managed key) encrypts it. Default: Microsoft-managed keys."""
        super().__init__("amlstack:ml:DataLake", name, None, opts)
        placement = Placement(
            settings.resource_group_name, settings.location, dict(settings.tags), self
        )
        self.account = create_workspace_storage(
            name,
            storage,
            account_name=account_name,
            public_network_access=settings.public_network_access,
            placement=placement,
            protect=settings.protect,
            hierarchical_namespace=True,
            cmk=cmk,
            ip_allowlist=settings.ip_allowlist,
        )
        guard_storage(
            name,
            self.account.id,
            log_analytics_id=settings.log_analytics_id,
            lock=settings.delete_lock,
            placement=placement,
        )
        self.register_outputs({"id": self.account.id})
