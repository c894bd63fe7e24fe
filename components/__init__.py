"""Pulumi components for Azure Machine Learning, secure by default.

Implementation lives in private-by-convention modules named after each concern; this module is
the public API.
"""

from components.access import AccessArgs, Grantee, IdentityGrantee, Principal, assign_role
from components.container_registry import ContainerRegistryArgs
from components.diagnostics import send_logs
from components.encryption import EncryptionArgs
from components.errors import AmlStackError, ConfigError, ConfigProblem
from components.guards import delete_lock
from components.key_vault import KeyVaultArgs
from components.monitoring import MonitoringArgs
from components.network import (
    NetworkArgs,
    OutboundArgs,
    PrivateDnsZones,
    PrivateDnsZonesArgs,
    PrivateEndpointsArgs,
)
from components.roles import Role
from components.storage import StorageArgs
from components.workspace import Workspace, WorkspaceArgs

__all__ = [
    "AccessArgs",
    "AmlStackError",
    "ConfigError",
    "ConfigProblem",
    "ContainerRegistryArgs",
    "EncryptionArgs",
    "Grantee",
    "IdentityGrantee",
    "KeyVaultArgs",
    "MonitoringArgs",
    "NetworkArgs",
    "OutboundArgs",
    "Principal",
    "PrivateDnsZones",
    "PrivateDnsZonesArgs",
    "PrivateEndpointsArgs",
    "Role",
    "StorageArgs",
    "Workspace",
    "WorkspaceArgs",
    "assign_role",
    "delete_lock",
    "send_logs",
]
