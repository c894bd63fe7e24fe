"""An Azure ML registry: models and environments shared by the workspaces of several stacks.

One stack owns the registry (``amlstack:registry``, e.g. a ``shared`` stack holding nothing else);
the others name that stack in ``amlstack:registryStack`` and read its ``registry`` output through a
``pulumi.StackReference``. Every workspace identity that uses the registry gets AzureML Registry
User on it, so a model registered in dev can be shared to the registry and deployed in prod by
name and version.

The registry keeps its assets in a storage account and a container registry per region, which
Azure creates and manages (``regionDetails``); the first region is the registry's own location.
Its logs go to a Log Analytics workspace (built-in 33835ef6): one of its own, created beside it,
or an existing one (``logAnalyticsWorkspaceId``).
"""

from __future__ import annotations

from typing import Literal

import pulumi
from pulumi_azure_native import authorization, machinelearningservices
from pydantic import Field, field_validator

from components import roles
from components.access import Grantee, Principal, assign_role
from components.args import Args, check_unique
from components.diagnostics import ML_REGISTRY as ML_REGISTRY_TYPE
from components.diagnostics import send_logs
from components.guards import delete_lock
from components.monitoring import MonitoringArgs, create_log_analytics
from components.naming import (
    LOG_ANALYTICS,
    ML_REGISTRY,
    check_arm_id,
    check_key,
    derive_name,
    unique_suffix,
)
from components.network import PublicNetworkAccess
from components.placement import Placement
from components.regions import check_region
from components.tags import stack_tags

__all__ = ["Registry", "RegistryArgs", "RegistryStorageSku", "grant_registry_user"]

RegistryStorageSku = Literal[
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
    "Premium_LRS",
    "Premium_ZRS",
]


class RegistryArgs(Args):
    """The Azure ML registry a stack owns. Only `name` is required."""

    name: str
    """Short key of the registry (``models``); the Azure name is derived from project, stack and
    this key, ending with a hash like a storage account's (registry names are global)."""
    replication_regions: tuple[str, ...] = ()
    """Regions the registry replicates its assets to, besides the stack's location. Default
    none. Each gets its own storage account and container registry."""
    public_network_access: PublicNetworkAccess = "Disabled"
    """Whether the registry is reachable from the internet. Default Disabled (private
    endpoints); a dev-only registry may choose Enabled."""
    storage_sku: RegistryStorageSku = "Standard_LRS"
    """Replication of each region's storage account. Default Standard_LRS: the registry's own
    regions are its redundancy."""
    users: tuple[Principal, ...] = ()
    """People, groups and service principals that get AzureML Registry User (read, share and
    use assets). Workspace identities of the linked stacks get it without being listed."""
    protect: bool = True
    """Pulumi ``protect`` on the registry. Default on: deleting it deletes every shared model."""
    delete_lock: bool = True
    """A CanNotDelete management lock on the registry, so nobody deletes it out of band. Default
    on; creating locks needs Owner or User Access Administrator."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags."""
    log_analytics_workspace_id: str | None = None
    """ARM id of the Log Analytics workspace the registry's logs go to. Default: one of its own,
    created beside it (``<name>-logs``, 90 days, Entra ID only)."""

    @field_validator("log_analytics_workspace_id")
    @classmethod
    def _log_analytics_arm_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_arm_id(
            value,
            kind="Log Analytics workspace",
            provider_path=r"Microsoft\.OperationalInsights/workspaces/[a-zA-Z0-9][a-zA-Z0-9-]*",
            shape="Microsoft.OperationalInsights/workspaces/<workspace>",
        )

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("replication_regions")
    @classmethod
    def _regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        for region in regions:
            check_region(region)
        check_unique(regions, "list each region once")
        return regions

    @field_validator("users")
    @classmethod
    def _each_user_once(cls, users: tuple[Principal, ...]) -> tuple[Principal, ...]:
        check_unique([u.object_id for u in users], "list each principal once")
        return users


class Registry(pulumi.ComponentResource):
    """An Azure ML registry with system-managed storage and container registry per region."""

    def __init__(
        self,
        name: str,
        args: RegistryArgs,
        *,
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("amlstack:ml:Registry", name, None, opts)
        self.component_name = name
        project, stack = pulumi.get_project(), pulumi.get_stack()
        group = pulumi.Output.from_input(resource_group_name)
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        )
        azure_name = pulumi.Output.all(client.subscription_id, group).apply(
            lambda ids: derive_name(
                ML_REGISTRY,
                project,
                stack,
                args.name,
                unique=unique_suffix(*ids, project, stack, args.name),
            )
        )
        regions = [location, *(r for r in args.replication_regions if r != location)]
        all_tags = stack_tags(stack, tags or {}, args.tags)
        placement = Placement(group, location, all_tags, self)
        self.registry = machinelearningservices.Registry(
            f"{name}-registry",
            registry_name=azure_name,
            resource_group_name=group,
            location=location,
            identity=machinelearningservices.ManagedServiceIdentityArgs(
                type=machinelearningservices.ManagedServiceIdentityType.SYSTEM_ASSIGNED
            ),
            public_network_access=args.public_network_access,
            region_details=[_region(region, args) for region in regions],
            tags=all_tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.registry_name: pulumi.Output[str] = self.registry.name
        self.id: pulumi.Output[str] = self.registry.id
        self.location = location
        self.log_analytics_id = self._log_analytics(name, args, placement, project, stack)
        send_logs(
            f"{name}-diagnostics",
            resource_type=ML_REGISTRY_TYPE,
            resource_id=self.id,
            log_analytics_id=self.log_analytics_id,
            placement=placement,
        )
        if args.delete_lock:
            delete_lock(f"{name}-lock", self.registry.id, placement=placement)
        for principal in args.users:
            self.grant_user(principal)
        self.register_outputs({"registryName": self.registry_name, "id": self.id})

    @staticmethod
    def _log_analytics(
        name: str, args: RegistryArgs, placement: Placement, project: str, stack: str
    ) -> pulumi.Input[str]:
        if args.log_analytics_workspace_id is not None:
            return args.log_analytics_workspace_id
        return create_log_analytics(
            name,
            MonitoringArgs(),
            log_analytics_name=derive_name(LOG_ANALYTICS, project, stack, args.name),
            placement=placement,
        ).id

    def grant_user(self, grantee: Grantee) -> authorization.RoleAssignment:
        """AzureML Registry User on this registry: read, share and deploy its assets."""
        return grant_registry_user(
            f"{self.component_name}-registry-user-{grantee.grant_label}",
            registry_id=self.id,
            grantee=grantee,
            parent=self,
        )


def _region(
    location: str, args: RegistryArgs
) -> machinelearningservices.RegistryRegionArmDetailsArgs:
    """One region of the registry: a Premium container registry and a storage account that
    Azure ML creates and manages, with no public blob access."""
    return machinelearningservices.RegistryRegionArmDetailsArgs(
        location=location,
        acr_details=[
            machinelearningservices.AcrDetailsArgs(
                system_created_acr_account=machinelearningservices.SystemCreatedAcrAccountArgs(
                    acr_account_sku="Premium"
                )
            )
        ],
        storage_account_details=[
            machinelearningservices.StorageAccountDetailsArgs(
                system_created_storage_account=machinelearningservices.SystemCreatedStorageAccountArgs(
                    storage_account_type=args.storage_sku,
                    storage_account_hns_enabled=False,
                    allow_blob_public_access=False,
                )
            )
        ],
    )


def grant_registry_user(
    resource_name: str,
    *,
    registry_id: pulumi.Input[str],
    grantee: Grantee,
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    """Grant AzureML Registry User on a registry, also one owned by another stack (by ARM id)."""
    return assign_role(
        resource_name, role=roles.REGISTRY_USER, grantee=grantee, scope=registry_id, parent=parent
    )
