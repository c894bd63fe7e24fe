"""Network posture of a workspace and its dependencies: public access and managed isolation."""

from __future__ import annotations

from typing import Literal

from components.args import Args

__all__ = ["IsolationMode", "NetworkArgs", "PublicNetworkAccess"]

PublicNetworkAccess = Literal["Enabled", "Disabled"]
IsolationMode = Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"]


class NetworkArgs(Args):
    """How the workspace, its storage, key vault and registry are reached, and what they reach."""

    public_network_access: PublicNetworkAccess = "Disabled"
    """Whether the workspace, storage, key vault and registry accept traffic from the internet.
    Default Disabled: reach them through private endpoints. A dev stack may choose Enabled."""
    isolation_mode: IsolationMode = "AllowOnlyApprovedOutbound"
    """Managed virtual network for computes. Default AllowOnlyApprovedOutbound (outbound only to
    approved destinations). One-way: Azure cannot move back to a less isolated mode."""
