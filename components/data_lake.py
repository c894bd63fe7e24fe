"""The workspace's data lake: a hierarchical-namespace (ADLS Gen2) account for ADLS datastores.

Azure ML does not accept a hierarchical-namespace account as a workspace's own storage, so ADLS
Gen2 datastores without an existing account of their own get this separate account, created once
per workspace and only when such a datastore exists. It has the workspace storage's settings and
guards (no shared keys, TLS 1.2, no public blobs, the same replication, network access, soft
delete, diagnostics and delete lock), except blob versioning, which Azure does not offer there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from components.placement import Placement
from components.storage import create_workspace_storage, guard_storage

if TYPE_CHECKING:
    from components.workspace import Workspace

__all__ = ["DataLake"]


class DataLake(pulumi.ComponentResource):
    """An ADLS Gen2 storage account beside a workspace, with the workspace storage's settings."""

    def __init__(
        self, name: str, *, workspace: Workspace, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("amlstack:ml:DataLake", name, None, opts)
        args = workspace.args
        placement = Placement(
            workspace.resource_group_name, workspace.location, workspace.tags, self
        )
        self.account = create_workspace_storage(
            name,
            args.storage,
            account_name=workspace.names.apply(lambda n: n.data_lake),
            public_network_access=args.network.public_network_access,
            placement=placement,
            protect=args.protect,
            hierarchical_namespace=True,
            cmk=workspace.cmk,
        )
        guard_storage(
            name,
            self.account,
            log_analytics_id=workspace.log_analytics.id,
            lock=args.delete_lock,
            placement=placement,
        )
        self.register_outputs({"id": self.account.id})
