"""The Azure ML workspace with everything it depends on, secure by default.

One ``Workspace`` creates: a user-assigned identity, Log Analytics and workspace-based Application
Insights, a storage account (no shared keys), a key vault (RBAC), a container registry (no admin
user), the data-plane roles the identity needs on them, and the Azure ML workspace wired to all of
it with identity-based system datastores. Then ``grant_*`` gives people access to the workspace.

Guards: diagnostic settings send every resource's logs to Log Analytics (`components.diagnostics`);
a CanNotDelete lock (``deleteLock``) sits on the storage account, key vault and registry;
private endpoints (``network.privateEndpoints``) and CMK encryption (``encryption``) are opt-in.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import authorization, machinelearningservices, managedidentity
from pydantic import Field, ValidationInfo, field_validator

from components import roles
from components.access import AccessArgs, Grantee, IdentityGrantee, assign_role
from components.args import Args, check_unique
from components.compute import ComputesArgs
from components.container_registry import (
    ContainerRegistryArgs,
    check_registry_cmk,
    check_registry_network,
    create_workspace_registry,
)
from components.datastore import DatastoreArgs
from components.diagnostics import CONTAINER_REGISTRY, KEY_VAULT, ML_WORKSPACE, send_logs
from components.encryption import CMK_ROLE, CustomerManagedKey, EncryptionArgs
from components.endpoint import OnlineEndpointArgs
from components.environment import EnvironmentArgs
from components.guards import delete_lock
from components.key_vault import KeyVaultArgs, create_workspace_key_vault
from components.monitoring import MonitoringArgs, create_monitoring
from components.naming import WorkspaceNames, check_key, unique_suffix, workspace_names
from components.network import (
    NetworkArgs,
    PrivateLinkTarget,
    create_private_endpoints,
    managed_network_settings,
)
from components.placement import Placement
from components.storage import StorageArgs, create_workspace_storage, guard_storage

__all__ = ["Workspace", "WorkspaceArgs"]


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
    endpoints: tuple[OnlineEndpointArgs, ...] = ()
    """Managed online endpoints of this workspace, with their deployments and traffic split.
    Default none. See README, "Online endpoints"."""
    delete_lock: bool = True
    """A CanNotDelete management lock on the storage account, key vault and registry: nobody
    deletes them out of band (portal, CLI, scripts) and Pulumi cannot replace them. Default on.
    While locked, role assignments on them cannot be removed either. (``protect`` is what stops
    ``pulumi destroy``.) Creating locks needs Owner or User Access Administrator."""
    encryption: EncryptionArgs | None = None
    """Customer-managed key encryption of the workspace, its storage accounts and its container
    registry (Premium). Default off (Microsoft-managed keys); fixed at creation."""

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("container_registry")
    @classmethod
    def _registry_can_be_private(
        cls, registry: ContainerRegistryArgs, info: ValidationInfo
    ) -> ContainerRegistryArgs:
        network = info.data.get("network")
        if network:
            check_registry_network(registry, network.public_network_access)
        return registry

    @field_validator("encryption")
    @classmethod
    def _registry_can_use_cmk(
        cls, encryption: EncryptionArgs | None, info: ValidationInfo
    ) -> EncryptionArgs | None:
        registry = info.data.get("container_registry")
        if encryption is not None and registry is not None:
            check_registry_cmk(registry)
        return encryption

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
        check_unique([item.name for item in items], "names must be unique in a workspace")
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
        dns_zone_ids: Mapping[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`dns_zone_ids` (private DNS zone name to id, see `PrivateDnsZones`) registers the
        private endpoints of ``args.network.privateEndpoints`` in those zones."""
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
        cmk_grants = (
            self._grant_identity(f"{name}-cmk", args.encryption.key_vault_id, (CMK_ROLE,))
            if args.encryption is not None
            else []
        )
        self.cmk = CustomerManagedKey.of(
            args.encryption,
            identity_id=self.identity.id,
            identity_client_id=self.identity.client_id,
            granted=cmk_grants,
        )
        self.storage_account = create_workspace_storage(
            name,
            args.storage,
            account_name=names.apply(lambda n: n.storage_account),
            public_network_access=public,
            protect=args.protect,
            placement=placement,
            cmk=self.cmk,
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
            cmk=self.cmk,
        )
        # A managed network's private endpoints to the dependencies are approved by the identity.
        approver = (
            (roles.AI_NETWORK_CONNECTION_APPROVER,)
            if args.network.isolation_mode != "Disabled"
            else ()
        )
        identity_grants = [
            self._grant_identity(
                f"{name}-storage", self.storage_account.id, _STORAGE_ROLES + approver
            ),
            self._grant_identity(
                f"{name}-keyvault", self.key_vault.id, _KEY_VAULT_ROLES + approver
            ),
            self._grant_identity(
                f"{name}-registry", self.container_registry.id, _REGISTRY_ROLES + approver
            ),
            self._grant_identity(f"{name}-insights", self.app_insights.id, _INSIGHTS_ROLES),
            cmk_grants,
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
            managed_network=managed_network_settings(args.network),
            # Provision the managed network with the workspace: online deployments need it.
            provision_network_now=args.network.isolation_mode != "Disabled" or None,
            encryption=self._encryption(args.encryption),
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
        self._guard(name, args, placement, dns_zone_ids)
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

    def _guard(
        self,
        name: str,
        args: WorkspaceArgs,
        placement: Placement,
        dns_zone_ids: Mapping[str, pulumi.Input[str]] | None,
    ) -> None:
        """Diagnostic settings, delete locks and private endpoints."""
        logs = self.log_analytics.id
        for key, kind, logged in (
            ("workspace", ML_WORKSPACE, self.workspace.id),
            ("keyvault", KEY_VAULT, self.key_vault.id),
            ("registry", CONTAINER_REGISTRY, self.container_registry.id),
        ):
            send_logs(
                f"{name}-{key}-diagnostics",
                resource_type=kind,
                resource_id=logged,
                log_analytics_id=logs,
                placement=placement,
            )
        guard_storage(
            name,
            self.storage_account,
            log_analytics_id=logs,
            lock=args.delete_lock,
            placement=placement,
        )
        if args.delete_lock:
            for key, resource in (
                ("keyvault", self.key_vault),
                ("registry", self.container_registry),
            ):
                delete_lock(f"{name}-{key}-lock", resource, placement=placement)
        endpoints = args.network.private_endpoints
        if endpoints is None:
            return
        account, vault = self.storage_account, self.key_vault
        targets = [
            PrivateLinkTarget("workspace", self.workspace.id, self.workspace.name, "amlworkspace"),
            *(
                PrivateLinkTarget(group, account.id, account.name, group)
                for group in ("blob", "file", "dfs")
            ),
            PrivateLinkTarget("keyvault", vault.id, vault.name, "vault"),
            PrivateLinkTarget(
                "registry", self.container_registry.id, self.container_registry.name, "registry"
            ),
        ]
        create_private_endpoints(
            name,
            targets,
            args=endpoints,
            dns_zone_ids=dns_zone_ids if endpoints.create_dns_zones else None,
            placement=placement,
        )

    def _encryption(
        self, encryption: EncryptionArgs | None
    ) -> machinelearningservices.EncryptionPropertyArgs | None:
        if encryption is None:
            return None
        return machinelearningservices.EncryptionPropertyArgs(
            status=machinelearningservices.EncryptionStatus.ENABLED,
            key_vault_properties=machinelearningservices.KeyVaultPropertiesArgs(
                key_vault_arm_id=encryption.key_vault_id, key_identifier=encryption.key_uri
            ),
            identity=machinelearningservices.IdentityForCmkArgs(
                user_assigned_identity=self.identity.id
            ),
        )

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
