"""Compute clusters and compute instances of a workspace, locked down by default.

Both kinds run with a managed identity (the workspace's user-assigned identity unless config
says otherwise), with local (key) auth off, without a public IP on their nodes and without a
public SSH port. pulumi-azure-native fills ``enableNodePublicIp: true`` and
``remoteLoginPortPublicAccess: NotSpecified`` on clusters when they are omitted, so both are
always set explicitly. Clusters scale to zero by default; instances shut down when idle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar, Generic, Literal, TypeVar

import pulumi
from pulumi_azure_native import authorization
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, ValidationInfo, field_validator

from components.access import Principal, check_object_id
from components.args import Args, check_unique
from components.compute_options import SetupScripts, SetupScriptsArgs, SshArgs
from components.durations import check_duration, iso_duration
from components.errors import ConfigError
from components.naming import (
    COMPUTE_CLUSTER,
    COMPUTE_INSTANCE,
    check_arm_id,
    check_subnet_id,
    derive_name,
    unique_suffix,
)
from components.outputs import ClusterOutput, InstanceOutput, Pending
from components.schedule import ScheduleArgs
from components.vm_sizes import CLUSTER_VM_SIZES, INSTANCE_VM_SIZES, vm_size_problem
from components.workspace_ref import WorkspaceRef

__all__ = [
    "AssignedUserArgs",
    "ComputeCluster",
    "ComputeClusterArgs",
    "ComputeIdentityArgs",
    "ComputeInstance",
    "ComputeInstanceArgs",
    "ComputesArgs",
    "PersonalInstancesArgs",
    "check_vm_size",
    "compute_network_problem",
    "personal_instance",
]

_VM_SIZE = re.compile(r"(?:standard|basic)_[a-z0-9]+(?:-[a-z0-9]+)?(?:_[a-z0-9]+)*", re.IGNORECASE)
_MINUTE = timedelta(minutes=1)
_UNIQUE_NAMES = "compute names must be unique in a workspace"


def check_vm_size(
    value: str,
    *,
    offered: frozenset[str] = frozenset(),
    offered_for: str = "",
    check_offered: bool = True,
) -> str:
    """Return `value` when it has the form of an Azure VM size and, given the sizes `offered`
    (for `offered_for`), is one of them exactly; else ValueError with the closest sizes.
    `check_offered` false (a ``vmSizeCheck: false`` opt-out) checks the form only."""
    if not _VM_SIZE.fullmatch(value):
        raise ValueError("expected an Azure VM size like 'Standard_DS3_v2' or 'Standard_NC6s_v3'")
    problem = (
        vm_size_problem(value, offered, offered_for=offered_for)
        if offered and check_offered
        else None
    )
    if problem:
        raise ValueError(problem)
    return value


class ComputeIdentityArgs(Args):
    """The managed identity a compute runs as (to read data, pull images, log to the workspace)."""

    type: Literal["UserAssigned", "SystemAssigned"] = "UserAssigned"
    """``UserAssigned`` (default) or ``SystemAssigned``. A system-assigned identity gets no data
    roles from amlstack; the workspace identity already has them, hence the default."""
    user_assigned_identities: tuple[str, ...] = ()
    """ARM ids of user-assigned identities. Default: the workspace's own identity."""

    @field_validator("user_assigned_identities")
    @classmethod
    def _ids_fit_the_type(cls, ids: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if ids and info.data.get("type") == "SystemAssigned":
            raise ValueError("a SystemAssigned identity takes no user-assigned identity ids")
        shape = "Microsoft.ManagedIdentity/userAssignedIdentities/<name>"
        for identity in ids:
            try:
                check_arm_id(
                    identity,
                    kind="user-assigned identity",
                    provider_path=r"Microsoft\.ManagedIdentity/userAssignedIdentities/[-\w]+",
                    shape=shape,
                )
            except ValueError:
                raise ValueError(
                    f"{identity!r} is not the ARM id of a user-assigned identity (/subscriptions/"
                    f"<subscription GUID>/resourceGroups/<rg>/providers/{shape})"
                ) from None
        return ids


class _ComputeSettings(Args):
    """What clusters and instances share."""

    VM_SIZES: ClassVar[tuple[frozenset[str], str]] = (INSTANCE_VM_SIZES, "compute instances")

    vm_size_check: bool = True
    """Check `vmSize` against the sizes Azure ML offers (components/vm_sizes.py), spelled as
    Azure does (``Standard_DS3_v2``). Default on; ``false`` allows a size newer than the table."""
    vm_size: str = "Standard_DS3_v2"
    """Azure VM size, spelled as Azure does (``Standard_DS3_v2``, ``Standard_NC6s_v3``). Default
    Standard_DS3_v2."""
    identity: ComputeIdentityArgs = Field(default_factory=ComputeIdentityArgs)
    """Managed identity of the compute. Default: the workspace's user-assigned identity."""
    subnet: str | None = None
    """ARM id of a subnet to place the nodes in. Default none: the workspace's managed network."""
    description: str = ""
    """Shown in Azure ML studio."""

    @field_validator("vm_size")
    @classmethod
    def _vm_size_offered(cls, value: str, info: ValidationInfo) -> str:
        offered, offered_for = cls.VM_SIZES
        return check_vm_size(
            value,
            offered=offered,
            offered_for=offered_for,
            check_offered=info.data.get("vm_size_check") is not False,
        )

    @field_validator("subnet")
    @classmethod
    def _subnet_id(cls, value: str | None) -> str | None:
        return None if value is None else check_subnet_id(value)


class ComputeClusterArgs(_ComputeSettings):
    """A compute cluster (AmlCompute): nodes for jobs, scaled between min and max nodes."""

    VM_SIZES: ClassVar[tuple[frozenset[str], str]] = (CLUSTER_VM_SIZES, "compute clusters")

    name: str
    """Compute name in the workspace: 2-16 letters, digits and hyphens, starting with a letter."""
    min_nodes: int = Field(0, ge=0)
    """Nodes kept running when idle. Default 0: the cluster costs nothing when unused."""
    max_nodes: int = Field(4, ge=1)
    """Upper bound of nodes (at least `minNodes`). Default 4, as azure-ai-ml's default."""
    idle_time_before_scale_down: timedelta = timedelta(minutes=2)
    """How long an idle node waits before it is released: 1 minute to 7 days, whole seconds
    (``PT2M``, ``PT30M`` or seconds). Default PT2M, as azure-ai-ml. Bounds are amlstack's."""
    tier: Literal["Dedicated", "LowPriority"] = "Dedicated"
    """``Dedicated`` (default) or ``LowPriority`` (cheaper, may be preempted)."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return COMPUTE_CLUSTER.require(value)

    @field_validator("max_nodes")
    @classmethod
    def _max_not_below_min(cls, value: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_nodes")
        if minimum is not None and value < minimum:
            raise ValueError(f"maxNodes must be at least minNodes ({minimum})")
        return value

    @field_validator("idle_time_before_scale_down")
    @classmethod
    def _idle_range(cls, value: timedelta) -> timedelta:
        return check_duration(
            value, minimum=_MINUTE, maximum=timedelta(days=7), unit=timedelta(seconds=1)
        )


class _InstanceSettings(_ComputeSettings):
    """What every compute instance has, whether listed by name or made per data scientist."""

    idle_time_before_shutdown: timedelta = timedelta(minutes=60)
    """Shut the instance down after this long idle: 15 minutes to 3 days, whole minutes
    (``PT30M``, ``P1D``). Default PT60M. Always on (Azure Policy 679ddf89)."""
    schedules: tuple[ScheduleArgs, ...] = ()
    """Start/stop schedules (cron with a time zone). Default none."""
    setup_scripts: SetupScriptsArgs | None = None
    """Shell scripts of the project run at creation and at every start (sent inline, see
    `components.compute_options`). Default none."""

    @field_validator("idle_time_before_shutdown")
    @classmethod
    def _idle_range(cls, value: timedelta) -> timedelta:
        return check_duration(value, minimum=15 * _MINUTE, maximum=timedelta(days=3), unit=_MINUTE)


class AssignedUserArgs(Args):
    """The one person a compute instance belongs to."""

    object_id: str
    """The user's Entra object id (a GUID)."""
    tenant_id: str | None = None
    """The user's tenant id. Default: the tenant the stack deploys into."""

    @field_validator("object_id", "tenant_id")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        return None if value is None else check_object_id(value)


class ComputeInstanceArgs(_InstanceSettings):
    """A compute instance (a personal development VM) assigned to one user."""

    name: str
    """Compute name: 3-24 letters, digits and hyphens, starting with a letter. Azure requires it
    to be unique in the Azure region, across all workspaces and subscriptions."""
    assigned_user: AssignedUserArgs
    """Who the instance belongs to; only that user can use it."""
    ssh: SshArgs | None = None
    """SSH access for one public key. Default off; prod stacks refuse it unless the rule
    ``compute-no-public-ssh`` is waived."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return COMPUTE_INSTANCE.require(value)


class PersonalInstancesArgs(_InstanceSettings):
    """One compute instance for each User listed under the workspace's ``access.dataScientist``.

    Names are derived (``ci-<stack>-<workspace>-<hash of the user>``), so they are stable and
    unlikely to collide in the region.
    """


class ComputesArgs(Args):
    """The computes of a workspace. Default: none."""

    clusters: tuple[ComputeClusterArgs, ...] = ()
    """Compute clusters for jobs (for example a CPU and a GPU cluster)."""
    instances: tuple[ComputeInstanceArgs, ...] = ()
    """Compute instances, each assigned to a user."""
    personal_instances: PersonalInstancesArgs | None = None
    """When set, one instance per User listed as data scientist, with these settings."""

    @field_validator("clusters")
    @classmethod
    def _unique_clusters(
        cls, clusters: tuple[ComputeClusterArgs, ...]
    ) -> tuple[ComputeClusterArgs, ...]:
        check_unique([c.name for c in clusters], _UNIQUE_NAMES)
        return clusters

    @field_validator("instances")
    @classmethod
    def _unique_instances(
        cls, instances: tuple[ComputeInstanceArgs, ...], info: ValidationInfo
    ) -> tuple[ComputeInstanceArgs, ...]:
        clusters = [c.name for c in info.data.get("clusters", ())]
        check_unique([*clusters, *(i.name for i in instances)], _UNIQUE_NAMES)
        return instances

    def without_subnet(self) -> list[str]:
        """Config keys of the computes that have no subnet of their own."""
        keys = [f"clusters[{c.name}]" for c in self.clusters if c.subnet is None]
        keys += [f"instances[{c.name}]" for c in self.instances if c.subnet is None]
        if self.personal_instances is not None and self.personal_instances.subnet is None:
            keys.append("personalInstances")
        return keys


def compute_network_problem(isolation_mode: str, without_subnet: Sequence[str]) -> str | None:
    """Why the computes `without_subnet` (config keys or names) would have no network in a
    workspace whose managed network is `isolation_mode`, or None when they have one."""
    if isolation_mode != "Disabled" or not without_subnet:
        return None
    return (
        f"{', '.join(without_subnet)} would have no network: computes get no public IP, so "
        "they need network.isolationMode AllowInternetOutbound or AllowOnlyApprovedOutbound, "
        "or a subnet"
    )


def personal_instance(
    settings: PersonalInstancesArgs, user: Principal, *, project: str, stack: str, workspace: str
) -> ComputeInstanceArgs:
    """The instance of `user` (a data scientist): derived name, the shared settings."""
    name = derive_name(
        COMPUTE_INSTANCE,
        "ci",
        stack,
        workspace,
        unique=unique_suffix(project, stack, workspace, user.object_id),
    )
    return ComputeInstanceArgs(
        **dict(settings),
        name=name,
        assigned_user=AssignedUserArgs(object_id=user.object_id),
    )


_ArgsT = TypeVar("_ArgsT", ComputeClusterArgs, ComputeInstanceArgs)


class _Compute(pulumi.ComponentResource, Generic[_ArgsT]):
    """A Compute resource in the workspace (the Azure resource, not its component), with its
    identity; subclasses say what kind of compute it is."""

    TYPE: ClassVar[str]

    def __init__(
        self,
        name: str,
        args: _ArgsT,
        *,
        workspace: WorkspaceRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the compute in `workspace`; `Workspace.add_cluster` / ``add_instance`` parent
        it to the workspace."""
        super().__init__(self.TYPE, name, None, opts)
        self._args: _ArgsT = args
        self.compute = ml.Compute(
            f"{name}-compute",
            compute_name=args.name,
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            location=workspace.location,
            identity=_identity(args.identity, workspace),
            properties=self._properties(),
            tags=dict(workspace.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.id: pulumi.Output[str] = self.compute.id
        self.register_outputs({"id": self.id})

    def _properties(self) -> ml.AmlComputeArgs | ml.ComputeInstanceArgs:
        raise NotImplementedError


class ComputeCluster(_Compute[ComputeClusterArgs]):
    """An AmlCompute cluster: scales between min and max nodes, no public IP, no public SSH."""

    TYPE = "amlstack:ml:ComputeCluster"

    def _properties(self) -> ml.AmlComputeArgs:
        args = self._args
        return ml.AmlComputeArgs(
            compute_type="AmlCompute",
            description=args.description or None,
            disable_local_auth=True,
            properties=ml.AmlComputePropertiesArgs(
                vm_size=args.vm_size,
                vm_priority=args.tier,
                scale_settings=ml.ScaleSettingsArgs(
                    min_node_count=args.min_nodes,
                    max_node_count=args.max_nodes,
                    node_idle_time_before_scale_down=iso_duration(args.idle_time_before_scale_down),
                ),
                enable_node_public_ip=False,
                remote_login_port_public_access=ml.RemoteLoginPortPublicAccess.DISABLED,
                os_type=ml.OsType.LINUX,
                subnet=_subnet(args.subnet),
            ),
        )

    def outputs(self) -> Pending[ClusterOutput]:
        """This cluster's entry in the stack outputs (``computes.<name>``)."""
        args = self._args
        return ClusterOutput.pending(
            id=self.id, vm_size=args.vm_size, min_nodes=args.min_nodes, max_nodes=args.max_nodes
        )


class ComputeInstance(_Compute[ComputeInstanceArgs]):
    """A compute instance assigned to one user: idle shutdown, schedules, setup scripts, no
    public IP, no SSH unless asked for."""

    TYPE = "amlstack:ml:ComputeInstance"

    def __init__(
        self,
        name: str,
        args: ComputeInstanceArgs,
        *,
        workspace: WorkspaceRef,
        setup_scripts: SetupScripts | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the instance in `workspace`; `setup_scripts` are ``args.setupScripts`` read
        from the project (`components.compute_options.define_setup_scripts`)."""
        if (args.setup_scripts is None) != (setup_scripts is None):
            raise ConfigError.single(
                f"{name}: setup_scripts",
                setup_scripts,
                "give the scripts args.setupScripts names, read with define_setup_scripts, "
                "and only those",
            )
        self._scripts = setup_scripts
        super().__init__(name, args, workspace=workspace, opts=opts)

    def _properties(self) -> ml.ComputeInstanceArgs:
        args = self._args
        tenant_id: pulumi.Input[str] = args.assigned_user.tenant_id or (
            authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).tenant_id
        )
        schedules = [_schedule(s) for s in args.schedules]
        return ml.ComputeInstanceArgs(
            compute_type="ComputeInstance",
            description=args.description or None,
            disable_local_auth=True,
            properties=ml.ComputeInstancePropertiesArgs(
                vm_size=args.vm_size,
                idle_time_before_shutdown=iso_duration(args.idle_time_before_shutdown),
                enable_node_public_ip=False,
                ssh_settings=args.ssh.azure()
                if args.ssh is not None
                else ml.ComputeInstanceSshSettingsArgs(
                    ssh_public_access=ml.SshPublicAccess.DISABLED
                ),
                setup_scripts=self._scripts.azure() if self._scripts else None,
                personal_compute_instance_settings=ml.PersonalComputeInstanceSettingsArgs(
                    assigned_user=ml.AssignedUserArgs(
                        object_id=args.assigned_user.object_id, tenant_id=tenant_id
                    )
                ),
                schedules=ml.ComputeSchedulesArgs(compute_start_stop=schedules)
                if schedules
                else None,
                subnet=_subnet(args.subnet),
            ),
        )

    def outputs(self) -> Pending[InstanceOutput]:
        """This instance's entry in the stack outputs (``computes.<name>``)."""
        return InstanceOutput.pending(id=self.id, vm_size=self._args.vm_size)


def _identity(args: ComputeIdentityArgs, workspace: WorkspaceRef) -> ml.ManagedServiceIdentityArgs:
    if args.type == "SystemAssigned":
        return ml.ManagedServiceIdentityArgs(type=ml.ManagedServiceIdentityType.SYSTEM_ASSIGNED)
    ids: list[pulumi.Input[str]] = list(args.user_assigned_identities) or [workspace.identity_id]
    return ml.ManagedServiceIdentityArgs(
        type=ml.ManagedServiceIdentityType.USER_ASSIGNED, user_assigned_identities=ids
    )


def _schedule(args: ScheduleArgs) -> ml.ComputeStartStopScheduleArgs:
    return ml.ComputeStartStopScheduleArgs(
        action=args.action,
        status="Enabled" if args.enabled else "Disabled",
        trigger_type=ml.ComputeTriggerType.CRON,
        cron=ml.CronArgs(
            expression=args.cron,
            time_zone=args.windows_time_zone,
            start_time=args.start_time.strftime("%Y-%m-%dT%H:%M:%S") if args.start_time else None,
        ),
    )


def _subnet(subnet: str | None) -> ml.ResourceIdArgs | None:
    return ml.ResourceIdArgs(id=subnet) if subnet else None
