"""The workspace's data lake: a hierarchical-namespace (ADLS Gen2) account for ADLS datastores.

Azure ML does not accept a hierarchical-namespace account as a workspace's own storage, so ADLS
Gen2 datastores without an existing account of their own get this separate account, created once
per workspace and only when such a datastore exists. It has the workspace storage's settings (no
shared keys, TLS 1.2, no public blobs, the same replication, network access and soft delete).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from components.placement import Placement
from components.storage import create_workspace_storage

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
        self.account = create_workspace_storage(
            name,
            args.storage,
            account_name=workspace.names.apply(lambda n: n.data_lake),
            public_network_access=args.network.public_network_access,
            placement=Placement(
                workspace.resource_group_name, workspace.location, workspace.tags, self
            ),
            protect=args.protect,
            hierarchical_namespace=True,
        )
        self.register_outputs({"id": self.account.id})
