"""The Azure ML workspace with everything it depends on, secure by default, and its children.

One ``Workspace`` creates: a user-assigned identity, Log Analytics and workspace-based Application
Insights, a storage account (no shared keys), a key vault (RBAC), a container registry (no admin
user), the data-plane roles the identity needs on them, and the Azure ML workspace wired to all of
it with identity-based system datastores. ``grant_*`` gives people access to the workspace.

Children are added through the workspace, which owns them (``parent=workspace``):
``add_cluster``, ``add_instance``, ``add_datastore``, ``add_environment``, ``add_endpoint``,
``add_batch_endpoint`` and ``add_schedule`` each create one child component from its own
``*Args`` and return it. Children see the workspace
only as a small immutable `WorkspaceRef` (``workspace.ref``).

Guards: diagnostic settings send every resource's logs to Log Analytics (`components.diagnostics`);
a CanNotDelete lock (``deleteLock``) sits on the storage account, key vault and registry;
private endpoints (``network.privateEndpoints``) and CMK encryption (``encryption``) are opt-in.

Network paths: what the workspace reaches beyond its own dependencies (the data lake, existing
datastore accounts, the Azure ML registry) is declared when it is created (`Reach`), because the
managed network's outbound rules are an input of the workspace: each gets a PrivateEndpoint
outbound rule (`components.outbound.automatic_rules`), and the data lake its private endpoints in
the customer network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, TypeVar

import pulumi
from pulumi_azure_native import authorization, machinelearningservices, managedidentity
from pydantic import Field, ValidationInfo, field_validator

from components import roles
from components.access import AccessArgs, Grantee, IdentityGrantee, assign_role
from components.args import Args
from components.batch_endpoint import (
    BatchEndpoint,
    BatchEndpointArgs,
    PipelineAssets,
)
from components.compute import (
    ComputeCluster,
    ComputeClusterArgs,
    ComputeInstance,
    ComputeInstanceArgs,
    compute_network_problem,
)
from components.compute_options import ServerlessComputeArgs, define_setup_scripts
from components.container_registry import (
    ContainerRegistryArgs,
    check_registry_cmk,
    check_registry_network,
    create_workspace_registry,
)
from components.data_lake import DataLake, LakeSettings
from components.datastore import Datastore, DatastoreArgs, StorageTarget
from components.diagnostics import CONTAINER_REGISTRY, KEY_VAULT, ML_WORKSPACE, send_logs
from components.encryption import CMK_ROLE, CustomerManagedKey, EncryptionArgs
from components.endpoint import DeploymentAssets, OnlineEndpoint, OnlineEndpointArgs
from components.environment import (
    Environment,
    EnvironmentArgs,
    EnvironmentDefinition,
    define_environment,
)
from components.errors import MISSING, ConfigError
from components.guards import delete_lock
from components.job_schedule import JobSchedule, JobScheduleArgs, ScheduledJob
from components.key_vault import KeyVaultArgs, create_workspace_key_vault
from components.monitoring import MonitoringArgs, create_monitoring
from components.naming import WorkspaceNames, check_key, unique_suffix, workspace_names
from components.network import (
    NetworkArgs,
    PrivateLinkTarget,
    create_private_endpoints,
    managed_network_settings,
    outbound_rules,
)
from components.outbound import DatastoreAccount, automatic_rules
from components.outputs import Pending, WorkspaceOutput
from components.placement import Placement
from components.private_link import DATASTORE_SUBRESOURCES
from components.reach import Reach
from components.storage import StorageArgs, create_workspace_storage, guard_storage
from components.tags import stack_tags
from components.workspace_ref import WorkspaceRef, code_container

__all__ = ["Workspace", "WorkspaceArgs"]

_Child = TypeVar("_Child", bound=pulumi.ComponentResource)
_CHILDREN_HINT = "children are added through the workspace: "


class WorkspaceArgs(Args):
    """One Azure ML workspace and its dependencies. Only `name` is required; every default is
    the secure choice. Computes, datastores, environments and endpoints are not arguments: add
    them with ``workspace.add_*`` once the workspace exists."""

    unknown_key_hints: ClassVar[Mapping[str, str]] = {
        "computes": f"{_CHILDREN_HINT}workspace.add_cluster(...) and workspace.add_instance(...)",
        "datastores": f"{_CHILDREN_HINT}workspace.add_datastore(...)",
        "environments": f"{_CHILDREN_HINT}workspace.add_environment(...)",
        "endpoints": f"{_CHILDREN_HINT}workspace.add_endpoint(...)",
        "batchEndpoints": f"{_CHILDREN_HINT}workspace.add_batch_endpoint(...)",
        "schedules": f"{_CHILDREN_HINT}workspace.add_schedule(...)",
    }

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
    """Pulumi ``protect`` on the stateful resources (workspace, storage, key vault, registry,
    datastore containers), so ``pulumi destroy`` refuses to delete them. Default on; a dev stack
    may turn it off."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on every resource of this workspace, its children included."""
    delete_lock: bool = True
    """A CanNotDelete management lock on the storage account, key vault and registry: nobody
    deletes them out of band (portal, CLI, scripts) and Pulumi cannot replace them. Default on.
    While locked, role assignments on them cannot be removed either. (``protect`` is what stops
    ``pulumi destroy``.) Creating locks needs Owner or User Access Administrator."""
    encryption: EncryptionArgs | None = None
    """Customer-managed key encryption of the workspace, its storage accounts and its container
    registry (Premium). Default off (Microsoft-managed keys); fixed at creation."""
    serverless_compute: ServerlessComputeArgs | None = None
    """The subnet serverless compute (jobs that name no compute) runs in, without public IPs by
    default. Default: Azure's (the managed network, if the workspace has one)."""

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

# Endpoints were top-level resources of the stack before the workspace owned them: this alias
# keeps the URN of endpoints deployed then, so `pulumi up` moves them instead of replacing them.
_TOP_LEVEL_BEFORE = pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)


def _refuse_children_in(args: WorkspaceArgs) -> None:
    """A subclass of `WorkspaceArgs` that carries children (stack config does) would have them
    silently ignored here: refuse it."""
    carried = [
        key
        for key in type(args).model_fields.keys() - WorkspaceArgs.model_fields.keys()
        if getattr(args, key)
    ]
    if carried:
        raise ConfigError.single(
            f"{args.name}: {', '.join(sorted(carried))}",
            type(args).__name__,
            "Workspace creates only what WorkspaceArgs describes; pass the workspace's own "
            "arguments (WorkspaceConfig.workspace_args()) and add the children with "
            "workspace.add_*",
        )


class Workspace(pulumi.ComponentResource):
    """An Azure ML workspace, its storage, key vault, registry, monitoring and identity, and the
    children added with ``add_*``."""

    def __init__(
        self,
        name: str,
        args: WorkspaceArgs,
        *,
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: Mapping[str, str] | None = None,
        dns_zone_ids: Mapping[str, pulumi.Input[str]] | None = None,
        reach: Reach | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`tags` go on every resource of the workspace (before ``args.tags``); `dns_zone_ids`
        (private DNS zone name to id, see `PrivateDnsZones`) registers the private endpoints of
        ``args.network.privateEndpoints`` in those zones. `reach` declares the data lake,
        existing datastore accounts and the registry the workspace will use (default none):
        the managed network gets its outbound rules to them."""
        _refuse_children_in(args)
        super().__init__("amlstack:ml:Workspace", name, None, opts)
        self._name = name
        self._args = args
        self._reach = reach or Reach()
        self._dns_zone_ids = dns_zone_ids
        self._lake: DataLake | None = None
        self._lake_waits: list[pulumi.Resource] = []
        self._children: dict[str, dict[str, pulumi.ComponentResource]] = {
            "compute": {},
            "datastore": {},
            "environment": {},
            "endpoint": {},
            "batch endpoint": {},
            "schedule": {},
        }
        self.resource_group_name = pulumi.Output.from_input(resource_group_name)
        self.location = location
        self.tags = stack_tags(pulumi.get_stack(), tags or {}, args.tags, workspace=args.name)
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.names: pulumi.Output[WorkspaceNames] = self._names(client.subscription_id)
        placement = self._placement = Placement(self.resource_group_name, location, self.tags, self)
        self._create_dependencies(placement, client.tenant_id)
        before: list[pulumi.Resource] = [*self._grant_dependencies()]
        if self._reach.data_lake:  # before the workspace: its managed network has rules to it
            self._data_lake()
            before += self._lake_waits
        self.workspace = self._create_workspace(before, client.subscription_id)
        self.workspace_name: pulumi.Output[str] = self.workspace.name
        self.id: pulumi.Output[str] = self.workspace.id
        self.ref = self._reference()
        self._grant_identity(f"{name}-workspace", self.workspace.id, (roles.CONTRIBUTOR,))
        self._guard(placement, dns_zone_ids)
        for role, principal in args.access.grants():
            self.grant(role, principal)
        self.register_outputs({"workspaceName": self.workspace_name, "id": self.id})

    # -- children -------------------------------------------------------------------------

    def add_cluster(self, args: ComputeClusterArgs) -> ComputeCluster:
        """Add a compute cluster (``<workspace>-<cluster name>``)."""
        self._check_compute(args)
        cluster = ComputeCluster(
            self._child_name(args.name), args, workspace=self.ref, opts=self._child_options()
        )
        return self._keep("compute", args.name, cluster)

    def add_instance(
        self, args: ComputeInstanceArgs, *, base_dir: Path | None = None
    ) -> ComputeInstance:
        """Add a compute instance assigned to one user (``<workspace>-<instance name>``). Its
        setup scripts are read from `base_dir` (default: the current directory)."""
        self._check_compute(args)
        scripts = (
            define_setup_scripts(
                args.setup_scripts,
                base_dir=base_dir or Path.cwd(),
                at=f"{self._name}.computes[{args.name}].setupScripts",
            )
            if args.setup_scripts is not None
            else None
        )
        instance = ComputeInstance(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            setup_scripts=scripts,
            opts=self._child_options(),
        )
        return self._keep("compute", args.name, instance)

    def add_datastore(
        self, args: DatastoreArgs, *, data_scientists: Sequence[Grantee] | None = None
    ) -> Datastore:
        """Add a datastore. Its container goes into the workspace storage (Blob, File), the
        workspace's data lake (ADLS Gen2, created with the first such datastore) or, with
        ``args.account``, an existing account. `data_scientists` get ``args.dataScientists``
        access to it; default: the principals in ``access.dataScientist``. With a managed
        network, the workspace's `Reach` (or an outbound rule of ``network.outbound``) must
        name the account: the network's rules were fixed when the workspace was created."""
        self._claim("datastore", args.name)
        self._check_reach(args)
        if args.account is not None:
            target = StorageTarget.existing(args.account)
        elif args.type == "AzureDataLakeGen2":
            target = StorageTarget.of(self._data_lake().account)
        else:
            target = StorageTarget.of(self.storage_account)
        datastore = Datastore(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            target=target,
            data_scientists=(
                self._args.access.data_scientist if data_scientists is None else data_scientists
            ),
            opts=self._child_options(),
        )
        return self._keep("datastore", args.name, datastore)

    def add_environment(
        self, environment: EnvironmentArgs | EnvironmentDefinition, *, base_dir: Path | None = None
    ) -> Environment:
        """Add an environment. `EnvironmentArgs` are read from `base_dir` (default: the current
        directory) here; a program that wants every file error before anything is registered
        reads them first with `define_environment` and passes the definition."""
        definition = (
            environment
            if isinstance(environment, EnvironmentDefinition)
            else define_environment(
                environment,
                base_dir=base_dir or Path.cwd(),
                at=f"{self._name}.environments[{environment.name}]",
            )
        )
        self._claim("environment", definition.name)
        created = Environment(
            self._child_name(definition.name),
            definition,
            workspace=self.ref,
            opts=self._child_options(),
        )
        return self._keep("environment", definition.name, created)

    def add_endpoint(
        self, args: OnlineEndpointArgs, *, assets: Mapping[str, DeploymentAssets]
    ) -> OnlineEndpoint:
        """Add a managed online endpoint with its deployments and traffic split; `assets` gives
        each deployment's resolved model, environment and code."""
        self._claim("endpoint", args.name)
        endpoint = OnlineEndpoint(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            assets=assets,
            opts=self._child_options(aliases=[_TOP_LEVEL_BEFORE]),
        )
        return self._keep("endpoint", args.name, endpoint)

    def add_batch_endpoint(
        self,
        args: BatchEndpointArgs,
        *,
        assets: Mapping[str, DeploymentAssets | PipelineAssets],
    ) -> BatchEndpoint:
        """Add a batch endpoint with its deployments and default deployment; `assets` gives
        each deployment's resolved ids. Deployments run on clusters added before
        (``add_cluster``)."""
        self._claim("batch endpoint", args.name)
        clusters = {n: c for n, c in self.computes.items() if isinstance(c, ComputeCluster)}
        endpoint = BatchEndpoint(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            assets=assets,
            clusters=clusters,
            instances=[n for n in self.computes if n not in clusters],
            opts=self._child_options(),
        )
        return self._keep("batch endpoint", args.name, endpoint)

    def add_schedule(self, args: JobScheduleArgs, *, job: ScheduledJob) -> JobSchedule:
        """Add a job schedule; `job` is its job spec resolved against this workspace
        (`infra.scheduled_jobs.schedule_job`). The schedule waits for the computes, environments and
        datastores the job uses, added before."""
        self._claim("schedule", args.name)
        # The Azure resources themselves: a datastore's grants to people are no prerequisite.
        kinds: list[tuple[Mapping[str, pulumi.Resource], tuple[str, ...]]] = [
            ({n: c.compute for n, c in self.computes.items()}, job.computes),
            (self.environments, job.environments),
            ({n: d.datastore for n, d in self.datastores.items()}, job.datastores),
        ]
        missing = sorted(n for children, names in kinds for n in names if n not in children)
        if missing:
            raise ConfigError.single(
                f"{self._name}.schedules[{args.name}].job",
                missing,
                "add the computes, environments and datastores a scheduled job uses first",
            )
        schedule = JobSchedule(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            job=job,
            after=[children[n] for children, names in kinds for n in names],
            opts=self._child_options(),
        )
        return self._keep("schedule", args.name, schedule)

    @property
    def computes(self) -> Mapping[str, ComputeCluster | ComputeInstance]:
        """The computes added so far, by compute name."""
        return MappingProxyType(self._children["compute"])  # type: ignore[arg-type]

    @property
    def datastores(self) -> Mapping[str, Datastore]:
        """The datastores added so far, by datastore name."""
        return MappingProxyType(self._children["datastore"])  # type: ignore[arg-type]

    @property
    def environments(self) -> Mapping[str, Environment]:
        """The environments added so far, by environment name."""
        return MappingProxyType(self._children["environment"])  # type: ignore[arg-type]

    @property
    def endpoints(self) -> Mapping[str, OnlineEndpoint]:
        """The online endpoints added so far, by endpoint key."""
        return MappingProxyType(self._children["endpoint"])  # type: ignore[arg-type]

    @property
    def batch_endpoints(self) -> Mapping[str, BatchEndpoint]:
        """The batch endpoints added so far, by endpoint key."""
        return MappingProxyType(self._children["batch endpoint"])  # type: ignore[arg-type]

    @property
    def schedules(self) -> Mapping[str, JobSchedule]:
        """The job schedules added so far, by schedule name."""
        return MappingProxyType(self._children["schedule"])  # type: ignore[arg-type]

    def outputs(self) -> Pending[WorkspaceOutput]:
        """This workspace's entry in the stack outputs (``workspaces.<key>``), its children's
        included."""
        return WorkspaceOutput.pending(
            name=self.workspace_name,
            id=self.id,
            storage_account=self.storage_account.name,
            key_vault=self.key_vault.name,
            container_registry=self.container_registry.name,
            application_insights=self.app_insights.name,
            identity_client_id=self.identity.client_id,
            identity_principal_id=self.identity.principal_id,
            computes={name: c.outputs() for name, c in self.computes.items()},
            datastores={name: d.outputs() for name, d in self.datastores.items()},
            environments={name: e.outputs() for name, e in self.environments.items()},
            endpoints={key: e.outputs() for key, e in self.endpoints.items()},
            batch_endpoints={key: b.outputs() for key, b in self.batch_endpoints.items()},
            schedules={name: s.outputs() for name, s in self.schedules.items()},
        )

    # -- access ---------------------------------------------------------------------------

    def grant(self, role: roles.Role, grantee: Grantee) -> authorization.RoleAssignment:
        """Grant `role` on this workspace to `grantee`; the assignment's GUID name is derived."""
        return assign_role(
            f"{self._name}-{role.slug}-{grantee.grant_label}",
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

    # -- construction ---------------------------------------------------------------------

    def _names(self, subscription_id: pulumi.Output[str]) -> pulumi.Output[WorkspaceNames]:
        project, stack, key = pulumi.get_project(), pulumi.get_stack(), self._args.name
        return pulumi.Output.all(subscription_id, self.resource_group_name).apply(
            lambda ids: workspace_names(
                project, stack, key, unique=unique_suffix(*ids, project, stack, key)
            )
        )

    def _create_dependencies(self, placement: Placement, tenant_id: pulumi.Output[str]) -> None:
        """The identity, monitoring, storage, key vault and container registry."""
        name, args, names = self._name, self._args, self.names
        public = args.network.public_network_access
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=names.apply(lambda n: n.identity),
            resource_group_name=self.resource_group_name,
            location=self.location,
            tags=self.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.identity_grantee = IdentityGrantee(f"{name}-identity", self.identity.principal_id)
        monitoring = create_monitoring(
            name,
            args.monitoring,
            log_analytics_name=names.apply(lambda n: n.log_analytics),
            app_insights_name=names.apply(lambda n: n.app_insights),
            private_link=args.network.private_endpoints is not None,
            placement=placement,
        )
        self.log_analytics = monitoring.log_analytics
        self.app_insights = monitoring.app_insights
        # The key is granted first: storage and the registry encrypt with it as they are created.
        self._cmk_grants = (
            self._grant_identity(f"{name}-cmk", args.encryption.key_vault_id, (CMK_ROLE,))
            if args.encryption is not None
            else []
        )
        self.cmk = CustomerManagedKey.of(
            args.encryption,
            identity_id=self.identity.id,
            identity_client_id=self.identity.client_id,
            granted=self._cmk_grants,
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
            tenant_id=tenant_id,
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

    def _grant_dependencies(self) -> list[authorization.RoleAssignment]:
        """The identity's roles on its dependencies, which the workspace waits for."""
        name, args = self._name, self._args
        # A managed network's private endpoints to the dependencies are approved by the identity.
        approver = (
            (roles.AI_NETWORK_CONNECTION_APPROVER,)
            if args.network.isolation_mode != "Disabled"
            else ()
        )
        registry = self._reach.registry
        registry_grants = (
            self._grant_identity(f"{name}-ml-registry", registry.id, approver)
            if registry is not None and approver
            else []
        )
        return [
            *self._grant_identity(
                f"{name}-storage", self.storage_account.id, _STORAGE_ROLES + approver
            ),
            *self._grant_identity(
                f"{name}-keyvault", self.key_vault.id, _KEY_VAULT_ROLES + approver
            ),
            *self._grant_identity(
                f"{name}-registry", self.container_registry.id, _REGISTRY_ROLES + approver
            ),
            *self._grant_identity(f"{name}-insights", self.app_insights.id, _INSIGHTS_ROLES),
            *registry_grants,
            *self._cmk_grants,
        ]

    def _create_workspace(
        self, after: Sequence[pulumi.Resource], subscription_id: pulumi.Output[str]
    ) -> machinelearningservices.Workspace:
        args, names = self._args, self.names
        isolated = args.network.isolation_mode != "Disabled"
        return machinelearningservices.Workspace(
            f"{self._name}-workspace",
            workspace_name=names.apply(lambda n: n.workspace),
            resource_group_name=self.resource_group_name,
            location=self.location,
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
            public_network_access=args.network.public_network_access,
            managed_network=self._managed_network(subscription_id),
            # Provision the managed network with the workspace: online deployments need it.
            provision_network_now=isolated or None,
            encryption=self._encryption(args.encryption),
            hbi_workspace=args.high_business_impact,
            serverless_compute_settings=(
                args.serverless_compute.azure() if args.serverless_compute else None
            ),
            tags=self.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=list(after)),
        )

    def _managed_network(
        self, subscription_id: pulumi.Output[str]
    ) -> pulumi.Input[machinelearningservices.ManagedNetworkSettingsArgs]:
        """The managed network with the user's rules and those `Reach` needs. ARM ids are
        composed from the subscription, group and derived names, which a preview knows."""
        network, reach = self._args.network, self._reach
        if network.isolation_mode == "Disabled" or reach == Reach():
            return managed_network_settings(network)
        registry_id = reach.registry.id if reach.registry is not None else None

        def settings(
            values: list[object],
        ) -> machinelearningservices.ManagedNetworkSettingsArgs:
            names, subscription, group, registry = values
            assert isinstance(names, WorkspaceNames)
            lake = (
                f"/subscriptions/{subscription}/resourceGroups/{group}/providers/"
                f"Microsoft.Storage/storageAccounts/{names.data_lake}"
            )
            accounts = [*reach.accounts]
            if reach.data_lake:
                accounts.append(DatastoreAccount(lake, "AzureDataLakeGen2"))
            automatic = automatic_rules(
                datastore_accounts=accounts,
                registry_id=str(registry) if registry else None,
                user_rules=network.outbound.private_endpoints,
                taken_names=outbound_rules(network).keys(),
            )
            return managed_network_settings(network, automatic=automatic)

        return pulumi.Output.all(
            self.names, subscription_id, self.resource_group_name, registry_id
        ).apply(settings)

    def _reference(self) -> WorkspaceRef:
        args = self._args
        return WorkspaceRef(
            key=args.name,
            name=self.workspace.name,
            id=self.workspace.id,
            resource_group_name=self.resource_group_name,
            location=self.location,
            identity=self.identity_grantee,
            identity_id=self.identity.id,
            blob_endpoint=self.storage_account.primary_endpoints.blob,
            code_container=self.workspace.workspace_id.apply(code_container),
            log_analytics_id=self.log_analytics.id,
            public_network_access=args.network.public_network_access,
            protect=args.protect,
            delete_lock=args.delete_lock,
            tags=self.tags,
        )

    def _guard(
        self, placement: Placement, dns_zone_ids: Mapping[str, pulumi.Input[str]] | None
    ) -> None:
        """Diagnostic settings, delete locks and private endpoints."""
        name, args = self._name, self._args
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
        create_private_endpoints(
            name,
            self._private_link_targets(),
            args=endpoints,
            dns_zone_ids=dns_zone_ids if endpoints.create_dns_zones else None,
            placement=placement,
        )

    def _private_link_targets(self) -> list[PrivateLinkTarget]:
        account, vault, registry = self.storage_account, self.key_vault, self.container_registry
        return [
            PrivateLinkTarget("workspace", self.workspace.id, self.workspace.name, "amlworkspace"),
            *(
                PrivateLinkTarget(group, account.id, account.name, group)
                for group in ("blob", "file", "dfs")
            ),
            PrivateLinkTarget("keyvault", vault.id, vault.name, "vault"),
            PrivateLinkTarget("registry", registry.id, registry.name, "registry"),
        ]

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

    # -- children's plumbing --------------------------------------------------------------

    def _child_name(self, child: str) -> str:
        return f"{self._name}-{child}"

    def _child_options(self, *, aliases: Sequence[pulumi.Alias] = ()) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, aliases=list(aliases) or None)

    def _claim(self, kind: str, key: str) -> None:
        """Refuse a second child of the same kind and name: Azure names them by that name."""
        if key in self._children[kind]:
            raise ConfigError.single(
                f"{self._name}.{kind}s", key, f"{kind} names must be unique in a workspace"
            )

    def _keep(self, kind: str, key: str, child: _Child) -> _Child:
        self._children[kind][key] = child
        return child

    def _check_reach(self, args: DatastoreArgs) -> None:
        """Refuse a datastore whose account the managed network has no rule to."""
        network = self._args.network
        if network.isolation_mode == "Disabled" or self._reach.covers(args):
            return
        needed = set(DATASTORE_SUBRESOURCES[args.type])
        if args.account is not None and needed <= {
            rule.subresource
            for rule in network.outbound.private_endpoints
            if rule.resource_id.lower() == args.account.lower()
        }:
            return
        raise ConfigError.single(
            f"{self._name}.datastores[{args.name}]",
            args.account or "the workspace's data lake",
            f"the managed network ({network.isolation_mode}) has no outbound rule to this "
            "account and can no longer get one from here: declare the datastores when "
            "creating the workspace, Workspace(..., reach=Reach.of(datastores)), or add a "
            f"rule ({', '.join(sorted(needed))}) to network.outbound.privateEndpoints",
        )

    def _check_compute(self, args: ComputeClusterArgs | ComputeInstanceArgs) -> None:
        self._claim("compute", args.name)
        problem = compute_network_problem(
            self._args.network.isolation_mode, [args.name] if args.subnet is None else []
        )
        if problem is not None:
            raise ConfigError.single(f"{self._name}.computes[{args.name}].subnet", MISSING, problem)

    def _data_lake(self) -> DataLake:
        """The workspace's ADLS Gen2 account, created with the workspace (`Reach.data_lake`)
        or with the first datastore that needs it, and its private endpoints when the
        workspace has them."""
        if self._lake is not None:
            return self._lake
        args = self._args
        lake = self._lake = DataLake(
            f"{self._name}-datalake",
            args.storage,
            account_name=self.names.apply(lambda n: n.data_lake),
            settings=LakeSettings(
                resource_group_name=self.resource_group_name,
                location=self.location,
                tags=self.tags,
                public_network_access=args.network.public_network_access,
                protect=args.protect,
                delete_lock=args.delete_lock,
                log_analytics_id=self.log_analytics.id,
            ),
            cmk=self.cmk,
            opts=self._child_options(),
        )
        account = lake.account
        self._lake_waits = [account]
        if args.network.isolation_mode != "Disabled":  # approves the managed network's endpoints
            self._lake_waits += self._grant_identity(
                f"{self._name}-datalake", account.id, (roles.AI_NETWORK_CONNECTION_APPROVER,)
            )
        endpoints = args.network.private_endpoints
        if endpoints is not None:
            create_private_endpoints(
                self._name,
                [
                    PrivateLinkTarget(f"datalake-{group}", account.id, account.name, group)
                    for group in DATASTORE_SUBRESOURCES["AzureDataLakeGen2"]
                ],
                args=endpoints,
                dns_zone_ids=self._dns_zone_ids if endpoints.create_dns_zones else None,
                placement=self._placement,
            )
        return lake
