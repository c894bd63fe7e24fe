"""The Azure ML workspace with everything it depends on, secure by default.

One ``Workspace`` creates: a user-assigned identity, Log Analytics and workspace-based Application
Insights, a storage account (no shared keys), a key vault (RBAC), a container registry (no admin
user), the data-plane roles the identity needs on them, and the Azure ML workspace wired to all of
it with identity-based system datastores. Then ``grant_*`` gives people access to the workspace.
"""

from __future__ import annotations

import re

import pulumi
from pulumi_azure_native import authorization, machinelearningservices, managedidentity
from pydantic import Field, ValidationInfo, field_validator

from components import roles
from components.access import AccessArgs, Grantee, IdentityGrantee, assign_role
from components.args import Args, repeated
from components.compute import ComputesArgs
from components.container_registry import ContainerRegistryArgs, create_workspace_registry
from components.datastore import DatastoreArgs
from components.environment import EnvironmentArgs
from components.key_vault import KeyVaultArgs, create_workspace_key_vault
from components.monitoring import MonitoringArgs, create_monitoring
from components.naming import WorkspaceNames, unique_suffix, workspace_names
from components.network import NetworkArgs
from components.placement import Placement
from components.storage import StorageArgs, create_workspace_storage

__all__ = ["Workspace", "WorkspaceArgs"]

_KEY = re.compile(r"[a-z][a-z0-9-]{0,22}[a-z0-9]")


class WorkspaceArgs(Args):
    """One Azure ML workspace. Only `name` is required; every default is the secure choice."""

    name: str
    """Short key of the workspace within the stack (``main``, ``team-vision``): 2-24 lowercase
    letters, digits and hyphens. Azure names are derived from project, stack and this key."""
    description: str = ""
    """Shown in Azure ML studio."""
    friendly_name: str | None = None
    """Display name in Azure ML studio. Default: the derived workspace name."""
    access: AccessArgs = Field(default_factory=AccessArgs)
    """Who gets which workspace role. Default: nobody beyond the deployer."""
    network: NetworkArgs = Field(default_factory=NetworkArgs)
    storage: StorageArgs = Field(default_factory=StorageArgs)
    key_vault: KeyVaultArgs = Field(default_factory=KeyVaultArgs)
    container_registry: ContainerRegistryArgs = Field(default_factory=ContainerRegistryArgs)
    monitoring: MonitoringArgs = Field(default_factory=MonitoringArgs)
    high_business_impact: bool = False
    """Collect less diagnostic data (high business impact). Default off; fixed at creation."""
    protect: bool = True
    """Pulumi ``protect`` on the stateful resources (workspace, storage, key vault, registry), so
    ``pulumi destroy`` refuses to delete them. Default on; a dev stack may turn it off."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on every resource of this workspace."""
    computes: ComputesArgs = Field(default_factory=ComputesArgs)
    """Compute clusters and instances (see `components.compute`). Default none."""
    datastores: tuple[DatastoreArgs, ...] = ()
    """Datastores (see `components.datastore`). Default none beyond the workspace's own."""
    environments: tuple[EnvironmentArgs, ...] = ()
    """Environments (see `components.environment`). Default none."""

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError(
                "expected 2-24 lowercase letters, digits and hyphens, starting with a letter "
                "and ending with a letter or digit"
            )
        return value

    @field_validator("container_registry")
    @classmethod
    def _registry_can_be_private(
        cls, registry: ContainerRegistryArgs, info: ValidationInfo
    ) -> ContainerRegistryArgs:
        network = info.data.get("network")
        if network and network.public_network_access == "Disabled" and registry.sku != "Premium":
            raise ValueError(
                f"sku {registry.sku!r} cannot turn public network access off; use 'Premium' "
                "or set network.publicNetworkAccess to 'Enabled'"
            )
        return registry

    @field_validator("computes")
    @classmethod
    def _computes_fit_the_workspace(
        cls, computes: ComputesArgs, info: ValidationInfo
    ) -> ComputesArgs:
        access, network = info.data.get("access"), info.data.get("network")
        has_users = access is None or any(p.type == "User" for p in access.data_scientist)
        if computes.personal_instances is not None and not has_users:
            raise ValueError(
                "personalInstances makes one instance per User in access.dataScientist, "
                "and there is none: add users there or remove personalInstances"
            )
        if network is not None and network.isolation_mode == "Disabled":
            bare = computes.without_subnet()
            if bare:
                raise ValueError(
                    f"{', '.join(bare)} would have no network: computes get no public IP, so "
                    "they need network.isolationMode AllowInternetOutbound or "
                    "AllowOnlyApprovedOutbound, or a subnet"
                )
        return computes

    @field_validator("datastores", "environments")
    @classmethod
    def _unique_names(
        cls, items: tuple[DatastoreArgs, ...] | tuple[EnvironmentArgs, ...]
    ) -> tuple[DatastoreArgs, ...] | tuple[EnvironmentArgs, ...]:
        twice = repeated([item.name for item in items])
        if twice:
            raise ValueError(f"names must be unique in a workspace; repeated: {', '.join(twice)}")
        return items


# Roles the workspace identity needs on each dependency (Azure ML documents these for a
# workspace with a user-assigned identity); granted before the workspace is created.
_STORAGE_ROLES = (
    roles.STORAGE_BLOB_DATA_CONTRIBUTOR,
    roles.STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR,
    roles.CONTRIBUTOR,
)
_KEY_VAULT_ROLES = (roles.KEY_VAULT_ADMINISTRATOR, roles.CONTRIBUTOR)
_REGISTRY_ROLES = (roles.ACR_PULL, roles.ACR_PUSH, roles.CONTRIBUTOR)
_INSIGHTS_ROLES = (roles.CONTRIBUTOR,)


class Workspace(pulumi.ComponentResource):
    """An Azure ML workspace and its storage, key vault, registry, monitoring and identity."""

    def __init__(
        self,
        name: str,
        args: WorkspaceArgs,
        *,
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("amlstack:ml:Workspace", name, None, opts)
        self.component_name = name
        self.args = args
        self.resource_group_name = pulumi.Output.from_input(resource_group_name)
        self.location = location
        project, stack = pulumi.get_project(), pulumi.get_stack()
        all_tags = {
            "managed-by": "amlstack",
            "stack": stack,
            "workspace": args.name,
            **(tags or {}),
            **args.tags,
        }
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        )
        names = pulumi.Output.all(client.subscription_id, self.resource_group_name).apply(
            lambda ids: workspace_names(
                project, stack, args.name, unique=unique_suffix(*ids, project, stack, args.name)
            )
        )
        self.names: pulumi.Output[WorkspaceNames] = names
        self.tags = all_tags
        placement = Placement(self.resource_group_name, location, all_tags, self)
        public = args.network.public_network_access

        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=names.apply(lambda n: n.identity),
            resource_group_name=self.resource_group_name,
            location=location,
            tags=all_tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.identity_grantee = IdentityGrantee(f"{name}-identity", self.identity.principal_id)
        monitoring = create_monitoring(
            name,
            args.monitoring,
            log_analytics_name=names.apply(lambda n: n.log_analytics),
            app_insights_name=names.apply(lambda n: n.app_insights),
            placement=placement,
        )
        self.log_analytics = monitoring.log_analytics
        self.app_insights = monitoring.app_insights
        self.storage_account = create_workspace_storage(
            name,
            args.storage,
            account_name=names.apply(lambda n: n.storage_account),
            public_network_access=public,
            protect=args.protect,
            placement=placement,
        )
        self.key_vault = create_workspace_key_vault(
            name,
            args.key_vault,
            vault_name=names.apply(lambda n: n.key_vault),
            tenant_id=client.tenant_id,
            public_network_access=public,
            protect=args.protect,
            placement=placement,
        )
        self.container_registry = create_workspace_registry(
            name,
            args.container_registry,
            registry_name=names.apply(lambda n: n.container_registry),
            public_network_access=public,
            protect=args.protect,
            placement=placement,
        )
        identity_grants = [
            self._grant_identity(f"{name}-storage", self.storage_account.id, _STORAGE_ROLES),
            self._grant_identity(f"{name}-keyvault", self.key_vault.id, _KEY_VAULT_ROLES),
            self._grant_identity(f"{name}-registry", self.container_registry.id, _REGISTRY_ROLES),
            self._grant_identity(f"{name}-insights", self.app_insights.id, _INSIGHTS_ROLES),
        ]
        self.workspace = machinelearningservices.Workspace(
            f"{name}-workspace",
            workspace_name=names.apply(lambda n: n.workspace),
            resource_group_name=self.resource_group_name,
            location=location,
            kind="Default",
            sku=machinelearningservices.SkuArgs(
                name="Basic", tier=machinelearningservices.SkuTier.BASIC
            ),
            description=args.description,
            friendly_name=args.friendly_name or names.apply(lambda n: n.workspace),
            identity=machinelearningservices.ManagedServiceIdentityArgs(
                type=machinelearningservices.ManagedServiceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[self.identity.id],
            ),
            primary_user_assigned_identity=self.identity.id,
            storage_account=self.storage_account.id,
            key_vault=self.key_vault.id,
            application_insights=self.app_insights.id,
            container_registry=self.container_registry.id,
            system_datastores_auth_mode=machinelearningservices.SystemDatastoresAuthMode.IDENTITY,
            public_network_access=public,
            managed_network=machinelearningservices.ManagedNetworkSettingsArgs(
                isolation_mode=args.network.isolation_mode,
            ),
            hbi_workspace=args.high_business_impact,
            tags=all_tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                depends_on=[grant for grants in identity_grants for grant in grants],
            ),
        )
        self.workspace_name: pulumi.Output[str] = self.workspace.name
        self.id: pulumi.Output[str] = self.workspace.id
        self._grant_identity(f"{name}-workspace", self.workspace.id, (roles.CONTRIBUTOR,))
        for role, principal in args.access.grants():
            self.grant(role, principal)
        self.register_outputs({"workspaceName": self.workspace_name, "id": self.id})

    def grant(self, role: roles.Role, grantee: Grantee) -> authorization.RoleAssignment:
        """Grant `role` on this workspace to `grantee`; the assignment's GUID name is derived."""
        return assign_role(
            f"{self.component_name}-{role.slug}-{grantee.grant_label}",
            role=role,
            grantee=grantee,
            scope=self.id,
            parent=self,
        )

    def grant_reader(self, grantee: Grantee) -> authorization.RoleAssignment:
        """View the workspace and its assets."""
        return self.grant(roles.READER, grantee)

    def grant_contributor(self, grantee: Grantee) -> authorization.RoleAssignment:
        """Manage the workspace and its assets, but not who has access."""
        return self.grant(roles.CONTRIBUTOR, grantee)

    def grant_owner(self, grantee: Grantee) -> authorization.RoleAssignment:
        """Full access, including access management."""
        return self.grant(roles.OWNER, grantee)

    def grant_data_scientist(self, grantee: Grantee) -> authorization.RoleAssignment:
        """Run jobs and manage assets and computes (AzureML Data Scientist)."""
        return self.grant(roles.DATA_SCIENTIST, grantee)

    def grant_metrics_writer(self, grantee: Grantee) -> authorization.RoleAssignment:
        """Log metrics to runs (AzureML Metrics Writer)."""
        return self.grant(roles.METRICS_WRITER, grantee)

    def grant_compute_operator(self, grantee: Grantee) -> authorization.RoleAssignment:
        """Create, start, stop and delete computes (AzureML Compute Operator)."""
        return self.grant(roles.COMPUTE_OPERATOR, grantee)

    def _grant_identity(
        self, target: str, scope: pulumi.Input[str], wanted: tuple[roles.Role, ...]
    ) -> list[authorization.RoleAssignment]:
        return [
            assign_role(
                f"{target}-{role.slug}-identity",
                role=role,
                grantee=self.identity_grantee,
                scope=scope,
                parent=self,
            )
            for role in wanted
        ]
