"""The Azure ML workspace with everything it depends on, secure by default, and its children.

One ``Workspace`` creates: a user-assigned identity, Log Analytics and workspace-based Application
Insights, a storage account (no shared keys), a key vault (RBAC), a container registry (no admin
user), the data-plane roles the identity needs on them, and the Azure ML workspace wired to all of
it with identity-based system datastores. ``grant_*`` gives people access to the workspace.
Any of those dependencies may exist already (``existing``, `components.existing`): the workspace
then uses it, and applies grants, diagnostics, locks and private endpoints as that says.

``kind: Hub`` makes a hub (Azure AI Foundry): it owns the network, dependencies and shared
connections, and its projects (``kind: Project``, created with ``hub=hub.hub_ref``) use them; a
project creates only its identity, its workspace and what is added to it.

Children are added through the workspace, which owns them (``parent=workspace``):
``add_cluster``, ``add_instance``, ``add_datastore``, ``add_environment``, ``add_endpoint``,
``add_batch_endpoint``, ``add_schedule`` and ``add_connection`` each create one child component
from its own ``*Args`` and return it. Children see the workspace only as a small immutable
`WorkspaceRef` (``workspace.ref``).

Guards: diagnostic settings send every resource's logs to Log Analytics (`components.diagnostics`);
a CanNotDelete lock (``deleteLock``) sits on the storage account, key vault and registry;
private endpoints (``network.privateEndpoints``), an IP allow-list (``network.ipAllowlist``) and
CMK encryption (``encryption``) are opt-in.

Network paths: what the workspace reaches beyond its own dependencies (the data lake, existing
datastore accounts, the Azure ML registry) is declared when it is created (`Reach`), because the
managed network's outbound rules are an input of the workspace: each gets a PrivateEndpoint
outbound rule (`components.outbound.automatic_rules`), and the data lake its private endpoints in
the customer network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Literal, TypedDict, TypeVar

import pulumi
from pulumi_azure_native import authorization, machinelearningservices, managedidentity
from pydantic import Field, ValidationInfo, field_validator

from components import roles
from components.access import AccessArgs, Grantee, IdentityGrantee, assign_role
from components.args import Args
from components.batch_endpoint import BatchEndpoint, BatchEndpointArgs, PipelineAssets
from components.compute import (
    ComputeCluster,
    ComputeClusterArgs,
    ComputeInstance,
    ComputeInstanceArgs,
    compute_network_problem,
)
from components.compute_options import ServerlessComputeArgs, define_setup_scripts
from components.connection import Connection, ConnectionArgs
from components.container_registry import (
    ContainerRegistryArgs,
    check_registry_cmk,
    check_registry_network,
)
from components.data_lake import DataLake, LakeSettings
from components.datastore import Datastore, DatastoreArgs, StorageTarget
from components.dependencies import Dependencies, Dependency, HubRef, create_dependencies
from components.diagnostics import (
    APP_INSIGHTS,
    CONTAINER_REGISTRY,
    KEY_VAULT,
    LOG_ANALYTICS,
    ML_WORKSPACE,
    send_logs,
)
from components.encryption import CMK_ROLE, CustomerManagedKey, EncryptionArgs
from components.endpoint import DeploymentAssets, OnlineEndpoint, OnlineEndpointArgs
from components.environment import (
    Environment,
    EnvironmentArgs,
    EnvironmentDefinition,
    define_environment,
)
from components.errors import MISSING, ConfigError
from components.existing import Applied, ExistingArgs
from components.guards import delete_lock
from components.job_schedule import JobSchedule, JobScheduleArgs, ScheduledJob
from components.key_vault import KeyVaultArgs
from components.monitoring import MonitoringArgs
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
from components.storage import StorageArgs, guard_storage
from components.tags import stack_tags
from components.workspace_acl import WorkspaceIpRules
from components.workspace_ref import WorkspaceRef, code_container

__all__ = ["Workspace", "WorkspaceArgs", "WorkspaceKind"]

WorkspaceKind = Literal["Default", "Hub", "Project"]

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
        "connections": f"{_CHILDREN_HINT}workspace.add_connection(...)",
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
    existing: ExistingArgs = Field(default_factory=ExistingArgs)
    """Existing storage account, key vault, container registry, Application Insights or Log
    Analytics workspace to use instead of creating them, by ARM id (see
    `components.existing.ExistingArgs`). Default: amlstack creates all of them. The settings
    that shape a created resource (``storage``, ``keyVault``, ``containerRegistry``, ...) do not
    apply to an existing one; the plan lists what amlstack applies to each and what stays its
    owner's."""
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
    kind: WorkspaceKind = "Default"
    """``Default`` (default): an Azure ML workspace. ``Hub``: an Azure AI Foundry hub, whose
    network, dependencies and connections its projects share. ``Project``: a project of a hub
    (``Workspace(..., hub=hub.hub_ref)``; in stack config, listed under the hub's ``projects``):
    it creates no storage, key vault, registry, monitoring or network of its own. Fixed at
    creation."""

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("container_registry")
    @classmethod
    def _registry_can_be_private(
        cls, registry: ContainerRegistryArgs, info: ValidationInfo
    ) -> ContainerRegistryArgs:
        network, existing = info.data.get("network"), info.data.get("existing")
        if existing is not None and existing.container_registry is not None:
            return registry  # an existing registry's settings are its owner's
        if network:
            check_registry_network(
                registry, network.public_network_access, ip_allowlist=bool(network.ip_allowlist)
            )
        return registry

    @field_validator("encryption")
    @classmethod
    def _registry_can_use_cmk(
        cls, encryption: EncryptionArgs | None, info: ValidationInfo
    ) -> EncryptionArgs | None:
        registry, existing = info.data.get("container_registry"), info.data.get("existing")
        brought = existing is not None and existing.container_registry is not None
        if encryption is not None and registry is not None and not brought:
            check_registry_cmk(registry)
        return encryption

    @field_validator("kind")
    @classmethod
    def _project_owns_nothing(cls, kind: str, info: ValidationInfo) -> str:
        existing = info.data.get("existing")
        if kind == "Project" and existing is not None and any(existing.ids()):
            raise ValueError(
                "a project uses its hub's storage, key vault, registry and monitoring: bring "
                "existing ones on the hub (its existing:), not on the project"
            )
        if kind == "Project" and info.data.get("encryption") is not None:
            raise ValueError("a project's data is its hub's: set encryption on the hub")
        return kind


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
_PROJECT_UPLOADS = (
    "a project's default blob container is its hub's, under a name Azure chooses, so amlstack "
    "uploads no {what} into a project"
)

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


def _check_hub(name: str, args: WorkspaceArgs, hub: HubRef | None, location: str) -> None:
    """A project needs its hub (in the hub's region); nothing else takes one."""
    if args.kind == "Project" and hub is None:
        raise ConfigError.single(
            f"{name}.kind",
            "Project",
            "a project belongs to a hub: create it with hub=<hub workspace>.hub_ref (in stack "
            "config, list it under the hub's projects:)",
        )
    if args.kind != "Project" and hub is not None:
        raise ConfigError.single(
            f"{name}.kind", args.kind, "only a kind: Project workspace takes a hub"
        )
    if hub is not None and hub.location != location:
        raise ConfigError.single(
            f"{name}.location", location, f"a project is in its hub's region ({hub.location})"
        )


class _KindInputs(TypedDict, total=False):
    """The workspace resource's inputs that depend on its kind (`Workspace._kind_inputs`)."""

    hub_resource_id: pulumi.Input[str]
    storage_account: pulumi.Input[str]
    key_vault: pulumi.Input[str]
    application_insights: pulumi.Input[str]
    container_registry: pulumi.Input[str]
    managed_network: pulumi.Input[machinelearningservices.ManagedNetworkSettingsArgs]
    provision_network_now: bool | None
    encryption: machinelearningservices.EncryptionPropertyArgs | None
    serverless_compute_settings: machinelearningservices.ServerlessComputeSettingsArgs | None


def _revision(args: WorkspaceArgs) -> str:
    """A digest of the workspace's own settings: it changes whenever Pulumi may update the
    workspace (after which its IP rules are written again)."""
    settings = args.model_dump_json(exclude={"access", "tags"})
    return hashlib.sha256(settings.encode()).hexdigest()[:16]


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
        hub: HubRef | None = None,
        reach: Reach | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`tags` go on every resource of the workspace (before ``args.tags``); `dns_zone_ids`
        (private DNS zone name to id, see `PrivateDnsZones`) registers the private endpoints of
        ``args.network.privateEndpoints`` in those zones. `hub` (``hub_workspace.hub_ref``) is
        required for, and only for, ``kind: Project``: the project uses its dependencies and
        network (``args.network`` is then ignored). `reach` declares the data lake, existing
        datastore accounts and the registry the workspace will use (default none): the managed
        network gets its outbound rules to them."""
        _refuse_children_in(args)
        _check_hub(name, args, hub, location)
        super().__init__("amlstack:ml:Workspace", name, None, opts)
        self._name = name
        self._args = args
        self._hub = hub
        self._network = hub.network if hub is not None else args.network
        self._reach = reach or Reach()
        self._dns_zone_ids = dns_zone_ids
        self._lake: DataLake | None = None
        self._lake_waits: list[pulumi.Resource] = []
        self._children: dict[str, dict[str, pulumi.ComponentResource]] = {
            "compute": {},
            "datastore": {},
            "environment": {},
            "endpoint": {},
            "connection": {},
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
        self._create_identity()
        self.dependencies = self._dependencies(placement, client.tenant_id)
        before: list[pulumi.Resource] = [*self._grant_dependencies()]
        if self._reach.data_lake:  # before the workspace: its managed network has rules to it
            self._data_lake()
            before += self._lake_waits
        self.workspace = self._create_workspace(before, client.subscription_id)
        self.workspace_name: pulumi.Output[str] = self.workspace.name
        self.id: pulumi.Output[str] = self.workspace.id
        self.ref = self._reference()
        self._grant_identity(f"{name}-workspace", self.workspace.id, (roles.CONTRIBUTOR,))
        self._guard()
        for role, principal in args.access.grants():
            self.grant(role, principal)
        self.register_outputs({"workspaceName": self.workspace_name, "id": self.id})

    @property
    def hub_ref(self) -> HubRef:
        """This hub as its projects see it (``Workspace(..., hub=hub.hub_ref)``)."""
        if self._args.kind != "Hub":
            raise ConfigError.single(
                f"{self._name}.kind", self._args.kind, "only a kind: Hub workspace has projects"
            )
        return HubRef(
            id=self.id,
            dependencies=self.dependencies.of_hub(),
            network=self._args.network,
            location=self.location,
            reach=self._reach,
        )

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
            storage = self.dependencies.storage
            target = StorageTarget(storage.id, storage.name, managed=storage.source != "existing")
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
        if self._args.kind == "Project" and definition.build_context is not None:
            raise ConfigError.single(
                f"{self._name}.environments[{definition.name}].build",
                definition.build_context,
                _PROJECT_UPLOADS.format(what="build context")
                + "; build the image in the hub's registry and use image:, or a curated one",
            )
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
        uploaded = [d for d in args.deployments if d.code is not None and d.code.path]
        if self._args.kind == "Project" and uploaded:
            first = uploaded[0]
            raise ConfigError.single(
                f"{self._name}.endpoints[{args.name}].deployments[{first.name}].code.path",
                first.code.path if first.code else MISSING,
                _PROJECT_UPLOADS.format(what="scoring code")
                + "; register the code asset and give it as code.asset",
            )
        endpoint = OnlineEndpoint(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            assets=assets,
            opts=self._child_options(aliases=[_TOP_LEVEL_BEFORE]),
        )
        return self._keep("endpoint", args.name, endpoint)

    def add_connection(
        self, args: ConnectionArgs, *, data_scientists: Sequence[Grantee] | None = None
    ) -> Connection:
        """Add a connection (``<workspace>-<connection name>``). With identity credentials the
        workspace identity gets ``args.identityAccess`` on the target, and `data_scientists`
        (default: the principals in ``access.dataScientist``) ``args.dataScientists``. A hub's
        connections shared to all are its projects' too."""
        self._claim("connection", args.name)
        connection = Connection(
            self._child_name(args.name),
            args,
            workspace=self.ref,
            data_scientists=(
                self._args.access.data_scientist if data_scientists is None else data_scientists
            ),
            opts=self._child_options(),
        )
        return self._keep("connection", args.name, connection)

    def share_connections(self, grantee: Grantee) -> None:
        """Give `grantee` (a project's identity) the identity access of this hub's shared
        connections: the project uses them as its own."""
        for connection in self.connections.values():
            if connection.args.shared:
                connection.grant(grantee, connection.args.identity_access)

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
    def connections(self) -> Mapping[str, Connection]:
        """The connections added so far, by connection name."""
        return MappingProxyType(self._children["connection"])  # type: ignore[arg-type]

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
            storage_account=self.dependencies.storage.name,
            key_vault=self.dependencies.key_vault.name,
            container_registry=self.dependencies.container_registry.name,
            application_insights=self.dependencies.app_insights.name,
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

    def _create_identity(self) -> None:
        name = self._name
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=self.names.apply(lambda n: n.identity),
            resource_group_name=self.resource_group_name,
            location=self.location,
            tags=self.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.identity_grantee = IdentityGrantee(f"{name}-identity", self.identity.principal_id)

    def _dependencies(self, placement: Placement, tenant_id: pulumi.Output[str]) -> Dependencies:
        """The hub's (a project), or monitoring, storage, key vault and container registry:
        existing or created here."""
        name, args = self._name, self._args
        if self._hub is not None:
            self.cmk = None
            return self._hub.dependencies
        # The key is granted first: storage and the registry encrypt with it as they are created.
        self.cmk = CustomerManagedKey.of(
            args.encryption,
            identity_id=self.identity.id,
            identity_client_id=self.identity.client_id,
            granted=(
                self._grant_identity(f"{name}-cmk", args.encryption.key_vault_id, (CMK_ROLE,))
                if args.encryption is not None
                else []
            ),
        )
        return create_dependencies(
            name, args, names=self.names, tenant_id=tenant_id, cmk=self.cmk, placement=placement
        )

    def _grant_dependencies(self) -> list[pulumi.Resource]:
        """The identity's roles on its dependencies, which the workspace waits for: on created
        and hub ones always, on existing ones when ``existing.grants``."""
        name, deps = self._name, self.dependencies
        # A managed network's private endpoints to the dependencies are approved by the identity.
        approver = (
            (roles.AI_NETWORK_CONNECTION_APPROVER,)
            if self._network.isolation_mode != "Disabled" and self._hub is None
            else ()
        )
        grants = []
        for key, dependency, wanted in (
            ("storage", deps.storage, _STORAGE_ROLES + approver),
            ("keyvault", deps.key_vault, _KEY_VAULT_ROLES + approver),
            ("registry", deps.container_registry, _REGISTRY_ROLES + approver),
            ("insights", deps.app_insights, _INSIGHTS_ROLES),
        ):
            if self._applies(dependency, "grants"):
                grants += self._grant_identity(f"{name}-{key}", dependency.id, wanted)
        registry = self._reach.registry
        if registry is not None and approver:
            grants += self._grant_identity(f"{name}-ml-registry", registry.id, approver)
        return [*grants, *(self.cmk.granted if self.cmk is not None else ())]

    def _create_workspace(
        self, after: Sequence[pulumi.Resource], subscription_id: pulumi.Output[str]
    ) -> machinelearningservices.Workspace:
        args, names = self._args, self.names
        return machinelearningservices.Workspace(
            f"{self._name}-workspace",
            workspace_name=names.apply(lambda n: n.workspace),
            resource_group_name=self.resource_group_name,
            location=self.location,
            kind=args.kind,
            sku=machinelearningservices.SkuArgs(
                name="Basic", tier=machinelearningservices.SkuTier.BASIC
            ),
            description=args.description,
            friendly_name=args.friendly_name or names.apply(lambda n: n.workspace),
            identity=self._identity_args(),
            primary_user_assigned_identity=self.identity.id,
            system_datastores_auth_mode=machinelearningservices.SystemDatastoresAuthMode.IDENTITY,
            # A project's is its hub's, repeated as Azure reports it.
            public_network_access=self._network.public_network_access,
            hbi_workspace=args.high_business_impact,
            tags=self.tags,
            **self._kind_inputs(subscription_id),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=list(after)),
        )

    def _kind_inputs(self, subscription_id: pulumi.Output[str]) -> _KindInputs:
        """What only a project, or only a hub or default workspace, gives Azure. A hub's
        project names its hub; storage, key vault, registry, monitoring and the managed network
        are the hub's (Azure takes them from ``hubResourceId``)."""
        args, deps = self._args, self.dependencies
        if self._hub is not None:
            return _KindInputs(hub_resource_id=self._hub.id)
        isolated = args.network.isolation_mode != "Disabled"
        return _KindInputs(
            storage_account=deps.storage.id,
            key_vault=deps.key_vault.id,
            application_insights=deps.app_insights.id,
            container_registry=deps.container_registry.id,
            managed_network=self._managed_network(subscription_id),
            # Provision the managed network with the workspace: online deployments need it.
            provision_network_now=isolated or None,
            encryption=self._encryption(args.encryption),
            serverless_compute_settings=(
                args.serverless_compute.azure() if args.serverless_compute else None
            ),
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
                connection_targets=reach.connection_targets,
                user_rules=network.outbound.private_endpoints,
                taken_names=outbound_rules(network).keys(),
            )
            return managed_network_settings(network, automatic=automatic)

        return pulumi.Output.all(
            self.names, subscription_id, self.resource_group_name, registry_id
        ).apply(settings)

    def _identity_args(self) -> machinelearningservices.ManagedServiceIdentityArgs:
        return machinelearningservices.ManagedServiceIdentityArgs(
            type=machinelearningservices.ManagedServiceIdentityType.USER_ASSIGNED,
            user_assigned_identities=[self.identity.id],
        )

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
            blob_endpoint=self.dependencies.blob_endpoint,
            code_container=self.workspace.workspace_id.apply(code_container),
            log_analytics_id=self.dependencies.log_analytics.id,
            public_network_access=self._network.public_network_access,
            protect=args.protect,
            tags=self.tags,
            identity_client_id=self.identity.client_id,
        )

    def _guard(self) -> None:
        """Diagnostic settings, delete locks, private endpoints and IP rules: on what this
        workspace created, and on existing dependencies as ``existing`` says; a project's hub
        guards the hub's."""
        name, args, deps, placement = self._name, self._args, self.dependencies, self._placement
        logs = deps.log_analytics.id
        send_logs(
            f"{name}-workspace-diagnostics",
            resource_type=ML_WORKSPACE,
            resource_id=self.workspace.id,
            log_analytics_id=logs,
            placement=placement,
        )
        self._send_dependency_logs()
        for key, dependency in (
            ("keyvault", deps.key_vault),
            ("registry", deps.container_registry),
        ):
            if self._applies(dependency, "delete_lock"):
                delete_lock(f"{name}-{key}-lock", dependency.id, placement=placement)
        guard_storage(
            name,
            deps.storage.id,
            log_analytics_id=logs,
            lock=self._applies(deps.storage, "delete_lock"),
            diagnostics=self._applies(deps.storage, "diagnostics"),
            placement=placement,
        )
        if self._network.ip_allowlist and args.kind != "Project":
            WorkspaceIpRules(
                f"{name}-ip-rules",
                workspace_id=self.workspace.id,
                ip_rules=self._network.ip_allowlist,
                workspace_revision=_revision(args),
                opts=placement.options(),
            )
        endpoints = args.network.private_endpoints
        if endpoints is None or args.kind == "Project":
            return
        create_private_endpoints(
            name,
            self._private_link_targets(),
            args=endpoints,
            dns_zone_ids=self._dns_zone_ids if endpoints.create_dns_zones else None,
            placement=placement,
        )

    def _send_dependency_logs(self) -> None:
        """Diagnostic settings of existing dependencies when ``existing.diagnostics``. Created
        ones send their logs as they are created (`components.dependencies`); storage's,
        created or existing, go with its guards."""
        deps = self.dependencies
        for key, kind, dependency in (
            ("keyvault", KEY_VAULT, deps.key_vault),
            ("registry", CONTAINER_REGISTRY, deps.container_registry),
            ("insights", APP_INSIGHTS, deps.app_insights),
            ("logs", LOG_ANALYTICS, deps.log_analytics),
        ):
            if dependency.source == "existing" and self._applies(dependency, "diagnostics"):
                send_logs(
                    f"{self._name}-{key}-diagnostics",
                    resource_type=kind,
                    resource_id=dependency.id,
                    log_analytics_id=deps.log_analytics.id,
                    placement=self._placement,
                )

    def _applies(self, dependency: Dependency, what: Applied) -> bool:
        """Whether this workspace applies `what` to `dependency`: to one it created always (a
        lock with ``deleteLock``), to its hub's only the identity's roles (the hub guards
        them), to an existing one as ``existing`` says (`ExistingArgs.applies`, which the plan
        reports by)."""
        if dependency.source == "created":
            return self._args.delete_lock if what == "delete_lock" else True
        if dependency.source == "hub":
            return what == "grants"
        return self._args.existing.applies(dependency.kind, what)

    def _private_link_targets(self) -> list[PrivateLinkTarget]:
        deps = self.dependencies
        account, vault, registry = deps.storage, deps.key_vault, deps.container_registry

        def wanted(dependency: Dependency) -> bool:
            return self._applies(dependency, "private_endpoints")

        return [
            PrivateLinkTarget("workspace", self.workspace.id, self.workspace.name, "amlworkspace"),
            *(
                PrivateLinkTarget(group, account.id, account.name, group)
                for group in ("blob", "file", "dfs")
                if wanted(account)
            ),
            *(
                [PrivateLinkTarget("keyvault", vault.id, vault.name, "vault")]
                if wanted(vault)
                else []
            ),
            *(
                [PrivateLinkTarget("registry", registry.id, registry.name, "registry")]
                if wanted(registry)
                else []
            ),
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
        """Refuse a datastore whose account the managed network (a project's: its hub's) has
        no rule to."""
        network, at = self._network, f"{self._name}.datastores[{args.name}]"
        if network.isolation_mode == "Disabled":
            return
        if self._hub is not None and args.account is None and args.type == "AzureDataLakeGen2":
            raise ConfigError.single(
                f"{at}.account",
                MISSING,
                f"the hub's managed network ({network.isolation_mode}) has no outbound rule to "
                "a project's own data lake: give the datastore an existing ADLS Gen2 account "
                "(account:), which the hub's reach then includes",
            )
        reach = self._hub.reach if self._hub is not None else self._reach
        if reach.covers(args):
            return
        needed = set(DATASTORE_SUBRESOURCES[args.type])
        if args.account is not None and {(args.account.lower(), s) for s in needed} <= {
            rule.target for rule in network.outbound.private_endpoints
        }:
            return
        creator = "its hub" if self._hub is not None else "the workspace"
        raise ConfigError.single(
            at,
            args.account or "the workspace's data lake",
            f"the managed network ({network.isolation_mode}) has no outbound rule to this "
            f"account and can no longer get one from here: declare the datastores when creating "
            f"{creator}, Workspace(..., reach=Reach.of(datastores)), or add a rule "
            f"({', '.join(sorted(needed))}) to network.outbound.privateEndpoints",
        )

    def _check_compute(self, args: ComputeClusterArgs | ComputeInstanceArgs) -> None:
        self._claim("compute", args.name)
        problem = compute_network_problem(
            self._network.isolation_mode, [args.name] if args.subnet is None else []
        )
        if problem is not None:
            raise ConfigError.single(f"{self._name}.computes[{args.name}].subnet", MISSING, problem)

    def _data_lake(self) -> DataLake:
        """The workspace's ADLS Gen2 account, created with the workspace (`Reach.data_lake`)
        or with the first datastore that needs it, and its private endpoints when the
        workspace has them."""
        if self._lake is not None:
            return self._lake
        args, network = self._args, self._network
        lake = self._lake = DataLake(
            f"{self._name}-datalake",
            args.storage,
            account_name=self.names.apply(lambda n: n.data_lake),
            settings=LakeSettings(
                resource_group_name=self.resource_group_name,
                location=self.location,
                tags=self.tags,
                public_network_access=network.public_network_access,
                protect=args.protect,
                delete_lock=args.delete_lock,
                log_analytics_id=self.dependencies.log_analytics.id,
                ip_allowlist=network.ip_allowlist,
            ),
            cmk=self.cmk,
            opts=self._child_options(),
        )
        account = lake.account
        self._lake_waits = [account]
        if network.isolation_mode != "Disabled":  # approves the managed network's endpoints
            self._lake_waits += self._grant_identity(
                f"{self._name}-datalake", account.id, (roles.AI_NETWORK_CONNECTION_APPROVER,)
            )
        endpoints = network.private_endpoints
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
