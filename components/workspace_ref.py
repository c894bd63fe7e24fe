"""What a workspace's children need from it, as a small immutable reference.

Computes, datastores, environments and endpoints are created by `Workspace.add_*`, which hands
each child a `WorkspaceRef` (AWS CDK's ``IBucket``, Azure Verified Modules' child modules): the
child never sees the `Workspace` component or its arguments, and a program may build a reference
to a workspace it did not create (`WorkspaceRef` is plain data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pulumi

from components.access import IdentityGrantee
from components.network import PublicNetworkAccess

__all__ = ["WorkspaceRef", "code_container"]


def code_container(workspace_guid: str) -> str:
    """The workspace's default blob container (``azureml-blobstore-<workspace GUID>``), where
    azure-ai-ml and amlstack upload code and build contexts."""
    return f"azureml-blobstore-{workspace_guid}"


@dataclass(frozen=True)
class WorkspaceRef:
    """An Azure ML workspace as its children see it."""

    key: str
    """The workspace's key in the stack (``main``): part of every child's derived names."""
    name: pulumi.Output[str]
    """The Azure workspace name. An output of the workspace resource, so that a child that uses
    it waits for the workspace (and only for it)."""
    id: pulumi.Output[str]
    """The workspace's ARM id."""
    resource_group_name: pulumi.Output[str]
    location: str
    identity: IdentityGrantee
    """The workspace's user-assigned identity, as a grantee (data roles on datastores)."""
    identity_id: pulumi.Output[str]
    """ARM id of that identity (computes and endpoints may run as it)."""
    blob_endpoint: pulumi.Output[str]
    """The workspace storage account's blob endpoint (``https://<account>.blob...net/``)."""
    code_container: pulumi.Output[str]
    """Blob container for uploaded code and build contexts (see `code_container`)."""
    log_analytics_id: pulumi.Output[str]
    """The Log Analytics workspace the workspace's diagnostics go to."""
    public_network_access: PublicNetworkAccess = "Disabled"
    """The workspace's setting: the default of endpoints created in it."""
    protect: bool = True
    """Whether stateful children (datastore containers) carry Pulumi ``protect``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Azure tags every child carries (read-only)."""
    identity_client_id: pulumi.Output[str] | None = None
    """Client id of the workspace identity (connections that name it). Default unknown."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", MappingProxyType(dict(self.tags)))
