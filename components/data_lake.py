"""The workspace's data lake: a hierarchical-namespace (ADLS Gen2) account for ADLS datastores.

Azure ML does not accept a hierarchical-namespace account as a workspace's own storage, so ADLS
Gen2 datastores without an existing account of their own get this separate account, created once
per workspace (by `Workspace.add_datastore`) and only when such a datastore exists. It has the
workspace storage's settings and guards (no shared keys, TLS 1.2, no public blobs, the same
replication, network access, soft delete, diagnostics and delete lock), except blob versioning,
which Azure does not offer there.
"""

from __future__ import annotations

import pulumi

from components.encryption import CustomerManagedKey
from components.placement import Placement
from components.storage import StorageArgs, create_workspace_storage, guard_storage
from components.workspace_ref import WorkspaceRef

__all__ = ["DataLake"]


class DataLake(pulumi.ComponentResource):
    """An ADLS Gen2 storage account beside a workspace, with the workspace storage's settings."""

    def __init__(
        self,
        name: str,
        storage: StorageArgs,
        *,
        account_name: pulumi.Input[str],
        workspace: WorkspaceRef,
        cmk: CustomerManagedKey | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`storage` are the workspace storage's settings; network access, ``protect``, the
        lock and the diagnostics' destination are the workspace's; `cmk` (the workspace's
        customer-managed key) encrypts it. Default: Microsoft-managed keys."""
        super().__init__("amlstack:ml:DataLake", name, None, opts)
        placement = Placement(
            workspace.resource_group_name, workspace.location, dict(workspace.tags), self
        )
        self.account = create_workspace_storage(
            name,
            storage,
            account_name=account_name,
            public_network_access=workspace.public_network_access,
            placement=placement,
            protect=workspace.protect,
            hierarchical_namespace=True,
            cmk=cmk,
            ip_allowlist=workspace.ip_allowlist,
        )
        guard_storage(
            name,
            self.account.id,
            log_analytics_id=workspace.log_analytics_id,
            lock=workspace.delete_lock,
            placement=placement,
        )
        self.register_outputs({"id": self.account.id})
