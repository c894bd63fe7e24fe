"""Pulumi components for Azure Machine Learning, secure by default.

Implementation lives in private-by-convention modules named after each concern; this module is
the public API.
"""

from components.access import AccessArgs, Grantee, IdentityGrantee, Principal, assign_role
from components.build_context import BuildContextUpload
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
from components.container_registry import ContainerRegistryArgs
from components.data_lake import DataLake
from components.datastore import (
    AccountKeyCredentials,
    Datastore,
    DatastoreArgs,
    SasCredentials,
    ServicePrincipalCredentials,
    StorageTarget,
)
from components.environment import (
    BuildArgs,
    Environment,
    EnvironmentArgs,
    EnvironmentDefinition,
    define_environment,
)
from components.errors import AmlStackError, ConfigError, ConfigProblem
from components.key_vault import KeyVaultArgs
from components.monitoring import MonitoringArgs
from components.network import NetworkArgs
from components.roles import Role
from components.schedule import ScheduleArgs
from components.storage import StorageArgs
from components.workspace import Workspace, WorkspaceArgs

__all__ = [
    "AccessArgs",
    "AccountKeyCredentials",
    "AmlStackError",
    "AssignedUserArgs",
    "BuildArgs",
    "BuildContextUpload",
    "ComputeCluster",
    "ComputeClusterArgs",
    "ComputeIdentityArgs",
    "ComputeInstance",
    "ComputeInstanceArgs",
    "ComputesArgs",
    "ConfigError",
    "ConfigProblem",
    "ContainerRegistryArgs",
    "DataLake",
    "Datastore",
    "DatastoreArgs",
    "Environment",
    "EnvironmentArgs",
    "EnvironmentDefinition",
    "Grantee",
    "IdentityGrantee",
    "KeyVaultArgs",
    "MonitoringArgs",
    "NetworkArgs",
    "PersonalInstancesArgs",
    "Principal",
    "Role",
    "SasCredentials",
    "ScheduleArgs",
    "ServicePrincipalCredentials",
    "StorageArgs",
    "StorageTarget",
    "Workspace",
    "WorkspaceArgs",
    "assign_role",
    "define_environment",
    "personal_instance",
]
