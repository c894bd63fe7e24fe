"""Pulumi components for Azure Machine Learning, secure by default.

Implementation lives in private-by-convention modules named after each concern; this module is
the public API.
"""

from components.access import AccessArgs, Grantee, IdentityGrantee, Principal, assign_role
from components.code_asset import CodeUpload, LocalCode
from components.container_registry import ContainerRegistryArgs
from components.deployment import (
    AutoscaleArgs,
    CodeArgs,
    DeploymentArgs,
    ModelArgs,
    ProbeArgs,
    RequestSettingsArgs,
)
from components.endpoint import (
    DeploymentAssets,
    EndpointWorkspace,
    OnlineEndpoint,
    OnlineEndpointArgs,
)
from components.endpoint_traffic import EndpointTraffic
from components.errors import AmlStackError, ConfigError, ConfigProblem
from components.key_vault import KeyVaultArgs
from components.monitoring import MonitoringArgs
from components.network import NetworkArgs
from components.references import AssetRef, parse_reference
from components.registry import Registry, RegistryArgs, grant_registry_user
from components.roles import Role
from components.storage import StorageArgs
from components.workspace import Workspace, WorkspaceArgs

__all__ = [
    "AccessArgs",
    "AmlStackError",
    "AssetRef",
    "AutoscaleArgs",
    "CodeArgs",
    "CodeUpload",
    "ConfigError",
    "ConfigProblem",
    "ContainerRegistryArgs",
    "DeploymentArgs",
    "DeploymentAssets",
    "EndpointTraffic",
    "EndpointWorkspace",
    "Grantee",
    "IdentityGrantee",
    "KeyVaultArgs",
    "LocalCode",
    "ModelArgs",
    "MonitoringArgs",
    "NetworkArgs",
    "OnlineEndpoint",
    "OnlineEndpointArgs",
    "Principal",
    "ProbeArgs",
    "Registry",
    "RegistryArgs",
    "RequestSettingsArgs",
    "Role",
    "StorageArgs",
    "Workspace",
    "WorkspaceArgs",
    "assign_role",
    "grant_registry_user",
    "parse_reference",
]
