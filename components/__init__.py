"""Pulumi components for Azure Machine Learning, secure by default.

Implementation lives in private-by-convention modules named after each concern; this module is
the public API.

Each name loads on first use (PEP 562, as scientific-python's SPEC 1 lazy loading does): the
imports below are written for type checkers and read to find a name's module when it is first
asked for. Importing one module of the package (``components.errors``, ``components.console``)
then costs neither Pulumi nor pulumi-azure-native, which the ``amlstack job`` commands and
``--help`` never need.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.access import (
        AccessArgs,
        Grantee,
        IdentityGrantee,
        Principal,
        RoleGrantArgs,
        assign_role,
    )
    from components.batch_defaults import BatchEndpointDefaults
    from components.batch_endpoint import (
        BatchEndpoint,
        BatchEndpointArgs,
        BatchModelDeploymentArgs,
        BatchPipelineDeploymentArgs,
        BatchRetryArgs,
        PipelineAssets,
        PipelineSettingsArgs,
    )
    from components.blob_upload import FolderUpload, FolderUploadProvider
    from components.code_asset import CodeUpload, LocalCode
    from components.compute import (
        AssignedUserArgs,
        ComputeCluster,
        ComputeClusterArgs,
        ComputeIdentityArgs,
        ComputeInstance,
        ComputeInstanceArgs,
        ComputesArgs,
        PersonalInstancesArgs,
        personal_instance,
    )
    from components.compute_options import (
        ServerlessComputeArgs,
        SetupScriptArgs,
        SetupScriptsArgs,
        SshArgs,
        define_setup_scripts,
    )
    from components.connection import Connection, ConnectionArgs, KeyVaultSecretRef
    from components.container_registry import ContainerRegistryArgs
    from components.data_lake import DataLake, LakeSettings
    from components.datastore import (
        AccountKeyCredentials,
        Datastore,
        DatastoreArgs,
        SasCredentials,
        ServicePrincipalCredentials,
        StorageTarget,
    )
    from components.dependencies import Dependencies, Dependency, HubRef
    from components.deployment import (
        AutoscaleArgs,
        CodeArgs,
        DeploymentArgs,
        ModelArgs,
        ProbeArgs,
        RequestSettingsArgs,
    )
    from components.diagnostics import send_logs
    from components.encryption import EncryptionArgs
    from components.endpoint import (
        DeploymentAssets,
        OnlineEndpoint,
        OnlineEndpointArgs,
    )
    from components.endpoint_traffic import EndpointTraffic
    from components.environment import (
        BuildArgs,
        BuildContextUpload,
        Environment,
        EnvironmentArgs,
        EnvironmentDefinition,
        define_environment,
    )
    from components.errors import AmlStackError, ConfigError, ConfigProblem
    from components.existing import ExistingArgs
    from components.guards import delete_lock
    from components.job_schedule import (
        CronTriggerArgs,
        JobSchedule,
        JobScheduleArgs,
        RecurrencePatternArgs,
        RecurrenceTriggerArgs,
        ScheduledJob,
    )
    from components.key_vault import KeyVaultArgs
    from components.key_vault_secret import KeyVaultSecretValue
    from components.monitoring import MonitoringArgs
    from components.network import (
        NetworkAccessArgs,
        NetworkArgs,
        OutboundArgs,
        PrivateDnsZones,
        PrivateDnsZonesArgs,
        PrivateEndpointsArgs,
    )
    from components.outbound import PrivateEndpointRuleArgs, ServiceTagRuleArgs
    from components.placement import Placement
    from components.private_network import PrivateNetwork
    from components.reach import Reach, RegistryLink
    from components.references import AssetRef, parse_reference
    from components.registry import Registry, RegistryArgs, grant_registry_user
    from components.roles import BUILT_IN_ROLES, Role, find_role
    from components.schedule import ScheduleArgs
    from components.storage import StorageArgs
    from components.workspace import Workspace, WorkspaceArgs, WorkspaceKind
    from components.workspace_acl import WorkspaceIpRules
    from components.workspace_ref import WorkspaceRef

__all__ = [
    "BUILT_IN_ROLES",
    "AccessArgs",
    "AccountKeyCredentials",
    "AmlStackError",
    "AssetRef",
    "AssignedUserArgs",
    "AutoscaleArgs",
    "BatchEndpoint",
    "BatchEndpointArgs",
    "BatchEndpointDefaults",
    "BatchModelDeploymentArgs",
    "BatchPipelineDeploymentArgs",
    "BatchRetryArgs",
    "BuildArgs",
    "BuildContextUpload",
    "CodeArgs",
    "CodeUpload",
    "ComputeCluster",
    "ComputeClusterArgs",
    "ComputeIdentityArgs",
    "ComputeInstance",
    "ComputeInstanceArgs",
    "ComputesArgs",
    "ConfigError",
    "ConfigProblem",
    "Connection",
    "ConnectionArgs",
    "ContainerRegistryArgs",
    "CronTriggerArgs",
    "DataLake",
    "Datastore",
    "DatastoreArgs",
    "Dependencies",
    "Dependency",
    "DeploymentArgs",
    "DeploymentAssets",
    "EncryptionArgs",
    "EndpointTraffic",
    "Environment",
    "EnvironmentArgs",
    "EnvironmentDefinition",
    "ExistingArgs",
    "FolderUpload",
    "FolderUploadProvider",
    "Grantee",
    "HubRef",
    "IdentityGrantee",
    "JobSchedule",
    "JobScheduleArgs",
    "KeyVaultArgs",
    "KeyVaultSecretRef",
    "KeyVaultSecretValue",
    "LakeSettings",
    "LocalCode",
    "ModelArgs",
    "MonitoringArgs",
    "NetworkAccessArgs",
    "NetworkArgs",
    "OnlineEndpoint",
    "OnlineEndpointArgs",
    "OutboundArgs",
    "PersonalInstancesArgs",
    "PipelineAssets",
    "PipelineSettingsArgs",
    "Placement",
    "Principal",
    "PrivateDnsZones",
    "PrivateDnsZonesArgs",
    "PrivateEndpointRuleArgs",
    "PrivateEndpointsArgs",
    "PrivateNetwork",
    "ProbeArgs",
    "Reach",
    "RecurrencePatternArgs",
    "RecurrenceTriggerArgs",
    "Registry",
    "RegistryArgs",
    "RegistryLink",
    "RequestSettingsArgs",
    "Role",
    "RoleGrantArgs",
    "SasCredentials",
    "ScheduleArgs",
    "ScheduledJob",
    "ServerlessComputeArgs",
    "ServicePrincipalCredentials",
    "ServiceTagRuleArgs",
    "SetupScriptArgs",
    "SetupScriptsArgs",
    "SshArgs",
    "StorageArgs",
    "StorageTarget",
    "Workspace",
    "WorkspaceArgs",
    "WorkspaceIpRules",
    "WorkspaceKind",
    "WorkspaceRef",
    "assign_role",
    "define_environment",
    "define_setup_scripts",
    "delete_lock",
    "find_role",
    "grant_registry_user",
    "parse_reference",
    "personal_instance",
    "send_logs",
]


@cache
def _modules() -> dict[str, str]:
    """Each name of `__all__` -> the module it is imported from above."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def __getattr__(name: str) -> Any:
    """A name of `__all__`, imported from its module on first use."""
    if name not in __all__:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    value = getattr(importlib.import_module(_modules()[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
