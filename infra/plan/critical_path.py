"""How long a stack takes to deploy: the longest chain of dependent resources, in estimated seconds.

Pulumi creates every resource as soon as everything it depends on exists, so the deployment's
wall time is the heaviest path through the dependency graph, each resource weighted by how long
Azure takes to provision it. `estimate` computes it for a plan; `longest_path` is the pure graph
algorithm over `Step`s; `needless_waits` finds long-running resources held up by side effects
(role assignments, datastores, locks, diagnostics) that they do not need.

Most edges of the graph are data dependencies: an input of one resource is an output of another.
The others are ordering edges (``depends_on``): Azure needs the order although no input says so.
`ORDERINGS` states the reason for each kind of ordering edge the program creates, with its
source; a test keeps every ordering edge of the sample stacks in it, and the printed critical
path names the reason where the path follows one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from components.recording import RecordedResource
from infra.plan.dependencies import dependency_order, transitive_dependencies
from infra.plan.model import CriticalPath

__all__ = [
    "ANCHOR_TYPES",
    "DEFAULT_SECONDS",
    "LONG_RUNNING_TYPES",
    "ORDERINGS",
    "PROVISIONING_SECONDS",
    "SIDE_EFFECT_TYPES",
    "Ordering",
    "Step",
    "estimate",
    "longest_path",
    "needless_waits",
    "provisioning_seconds",
    "steps_of",
    "unexplained_orderings",
]

_NATIVE = "azure-native:"
_ML = "azure-native:machinelearningservices:"
_COMPUTE = _ML + "Compute"

PROVISIONING_SECONDS: Mapping[str, int] = {
    # Typical seconds from Pulumi's create request until ARM reports Succeeded, for one resource
    # in a region with capacity: an estimate to compare plans and find the critical path, not an
    # SLA. The figures are typical durations from deploying these types with ARM templates,
    # Terraform and Pulumi (the CLI shows each create's duration), including ARM's polling of
    # long-running operations (Retry-After, usually 10-15 s). They were not re-measured for this
    # table (no Azure subscription here); correct them from your own `pulumi up` timings.
    # Resource group and identity: synchronous PUTs, answered within seconds.
    "azure-native:resources:ResourceGroup": 5,
    "azure-native:managedidentity:UserAssignedIdentity": 10,
    # Monitoring: Log Analytics provisions its workspace asynchronously; App Insights is quick.
    "azure-native:operationalinsights:Workspace": 30,
    "azure-native:applicationinsights:Component": 15,
    "azure-native:monitor:DiagnosticSetting": 10,
    # Storage: account creation is an async operation of roughly half a minute; its blob
    # service settings, containers and shares are synchronous child PUTs.
    "azure-native:storage:StorageAccount": 30,
    "azure-native:storage:BlobServiceProperties": 5,
    "azure-native:storage:BlobContainer": 5,
    "azure-native:storage:FileShare": 5,
    # Key vault: about half a minute (DNS name registration); keys and secrets are fast.
    "azure-native:keyvault:Vault": 30,
    "azure-native:keyvault:Key": 5,
    "azure-native:keyvault:Secret": 5,
    # Container registry: Premium (geo-replication capable) takes longer than Basic; one figure.
    "azure-native:containerregistry:Registry": 45,
    # RBAC and locks: the PUT returns within seconds. A new assignment can take minutes more to
    # take effect everywhere; ARM does not wait for that, so neither does this estimate.
    "azure-native:authorization:RoleAssignment": 10,
    "azure-native:authorization:ManagementLockAtResourceLevel": 5,
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": 5,
    "azure-native:authorization:ManagementLockByScope": 5,
    # Azure ML workspace: one to two minutes (it validates and wires storage, key vault,
    # registry and insights); the managed network itself is provisioned later, with the first
    # compute or an explicit provision call, and is not part of this figure. An outbound rule
    # of the managed network updates the workspace, about a minute.
    _ML + "Workspace": 90,
    _ML + "ManagedNetworkSettingsRule": 60,
    # Computes (the type is refined by computeType, see `provisioning_seconds`): a cluster with
    # minNodeCount 0 creates no VM, about a minute; a compute instance boots and sets up a VM,
    # typically 5-7 minutes.
    _COMPUTE + "/AmlCompute": 75,
    _COMPUTE + "/ComputeInstance": 390,
    _COMPUTE: 75,
    # Assets: datastores, environments and models are metadata PUTs. An environment version's
    # image is built on first use, not at creation.
    _ML + "Datastore": 5,
    _ML + "EnvironmentContainer": 5,
    _ML + "EnvironmentVersion": 10,
    _ML + "ModelContainer": 5,
    _ML + "ModelVersion": 10,
    _ML + "CodeVersion": 10,
    # Serving: an endpoint takes one to two minutes; a managed online deployment provisions VMs,
    # pulls (or first builds) the image and waits for the readiness probe, typically about 10
    # minutes and longer when the image is built for the first time.
    _ML + "OnlineEndpoint": 120,
    _ML + "OnlineDeployment": 600,
    # Autoscale settings are synchronous Azure Monitor PUTs.
    "azure-native:monitor:AutoscaleSetting": 5,
    # amlstack's dynamic resources: the traffic split is one endpoint update (PUT, then polling
    # its operation, about a minute); uploads of scoring code and build contexts are a few blob
    # PUTs of small folders.
    "pulumi-python:dynamic/amlstack:EndpointTraffic": 60,
    "pulumi-python:dynamic/amlstack:CodeUpload": 10,
    "pulumi-python:dynamic/amlstack:BuildContextUpload": 10,
    # Automation (batch endpoints and schedules). Not measured here either; estimated from what
    # Azure does for each: a batch endpoint provisions no VMs (its deployments' jobs run on a
    # cluster), only the endpoint's route and metadata, so it is taken as half an online
    # endpoint; a batch deployment validates its model, code and compute references and
    # registers the deployment, with no instance and no image build (the image is built by the
    # first job), about a minute and a half; a schedule and a component version are metadata
    # PUTs, like a code version; setting the default deployment is one endpoint update (PUT,
    # then polling), cheaper than an online traffic split because no routing changes.
    _ML + "BatchEndpoint": 60,
    _ML + "BatchDeployment": 90,
    _ML + "Schedule": 10,
    _ML + "ComponentVersion": 10,
    "pulumi-python:dynamic/amlstack:BatchEndpointDefaults": 30,
    # Azure ML registry: creates its own storage and registry in a managed resource group.
    _ML + "Registry": 300,
    # Private networking: a private endpoint allocates a NIC and connects, a minute or more;
    # a private DNS zone is a global resource and its virtual network links take ~30-60 s.
    "azure-native:network:VirtualNetwork": 15,
    "azure-native:network:Subnet": 10,
    "azure-native:network:NetworkSecurityGroup": 10,
    "azure-native:network:PrivateEndpoint": 90,
    "azure-native:network:PrivateDnsZoneGroup": 15,
    "azure-native:privatedns:PrivateZone": 45,
    "azure-native:privatedns:VirtualNetworkLink": 45,
    # An Azure Monitor private link scope and its members are metadata (global, no data plane).
    "azure-native:monitor:PrivateLinkScope": 15,
    "azure-native:monitor:PrivateLinkScopedResource": 15,
}
"""Typical provisioning seconds per Pulumi type token (Compute refined by ``/<computeType>``)."""

DEFAULT_SECONDS = 30
"""Estimate for an Azure resource type missing from `PROVISIONING_SECONDS`."""

LONG_RUNNING_TYPES = frozenset({_COMPUTE, _ML + "OnlineEndpoint", _ML + "BatchEndpoint"})
"""Resources that should start as early as they can: nothing optional may hold them up."""

SIDE_EFFECT_TYPES = frozenset(
    {
        "azure-native:authorization:RoleAssignment",
        "azure-native:authorization:ManagementLockAtResourceLevel",
        "azure-native:authorization:ManagementLockAtResourceGroupLevel",
        "azure-native:authorization:ManagementLockByScope",
        "azure-native:monitor:DiagnosticSetting",
        _ML + "Datastore",
    }
)
"""Resources that grant, guard or observe something: nothing they do makes a compute or an
endpoint possible, so those should never wait for them."""

ANCHOR_TYPES = frozenset({_ML + "Workspace"})
"""Resources whose own prerequisites every resource inside them must wait for anyway: the
workspace needs its identity's role assignments before Azure creates it."""


@dataclass(frozen=True)
class Ordering:
    """Why resources of one type wait for resources of another that none of their inputs name."""

    reason: str
    """What Azure needs, in a line (the printed critical path shows it)."""
    source: str
    """Where that is documented or reported."""


_ONE_AT_A_TIME = "one at a time: Azure ML refuses or cancels overlapping operations on an endpoint"
_PARALLELISM = (
    "docs/internals/deployment-parallelism.md (Azure/azure-sdk-for-net#36961; "
    "how-to-troubleshoot-online-endpoints, OperationCanceled)"
)
_UAI = (
    "learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication "
    "(user-assigned managed identity: the roles it needs on the workspace's resources)"
)
_CMK_REASON = "the key is read as the identity, which needs its key vault role first"
_SCHEDULE_REFERENCES = Ordering(
    "Azure ML checks the job's references (ids resolved from config) when it creates the schedule",
    "infra/scheduled_jobs.py; "
    "learn.microsoft.com/azure/machine-learning/how-to-schedule-pipeline-job",
)

ORDERINGS: Mapping[tuple[str, str], Ordering] = {
    # (dependent type, dependency type) -> why, for every ordering edge the program creates.
    (_ML + "OnlineDeployment", _ML + "OnlineDeployment"): Ordering(_ONE_AT_A_TIME, _PARALLELISM),
    (_ML + "BatchDeployment", _ML + "BatchDeployment"): Ordering(
        _ONE_AT_A_TIME,
        _PARALLELISM + "; Azure/azure-cli#17075 (another operation on the same entity)",
    ),
    ("pulumi-python:dynamic/amlstack:EndpointTraffic", _ML + "OnlineDeployment"): Ordering(
        "the split names only existing deployments, and writing it updates the endpoint",
        _PARALLELISM + "; Azure/azure-dev#4037",
    ),
    ("pulumi-python:dynamic/amlstack:BatchEndpointDefaults", _ML + "BatchDeployment"): Ordering(
        "the default names an existing deployment, and setting it updates the endpoint",
        "components/batch_defaults.py; " + _PARALLELISM,
    ),
    (_ML + "Workspace", "azure-native:authorization:RoleAssignment"): Ordering(
        "Azure creates the workspace as its identity, which needs these roles first",
        _UAI,
    ),
    (_ML + "Workspace", "azure-native:storage:StorageAccount"): Ordering(
        "the managed network's outbound rule to the data lake needs the account",
        "components/workspace.py; "
        "learn.microsoft.com/azure/machine-learning/how-to-managed-network",
    ),
    ("azure-native:storage:StorageAccount", "azure-native:authorization:RoleAssignment"): Ordering(
        _CMK_REASON,
        "learn.microsoft.com/azure/storage/common/customer-managed-keys-configure-new-account",
    ),
    ("azure-native:containerregistry:Registry", "azure-native:authorization:RoleAssignment"): (
        Ordering(
            _CMK_REASON,
            "learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys",
        )
    ),
    (_ML + "Datastore", "azure-native:storage:BlobContainer"): Ordering(
        "Azure ML registers a datastore only on a container that exists",
        "components/datastore.py",
    ),
    (_ML + "Datastore", "azure-native:storage:FileShare"): Ordering(
        "Azure ML registers a datastore only on a file share that exists",
        "components/datastore.py",
    ),
    (_ML + "Datastore", "azure-native:authorization:RoleAssignment"): Ordering(
        "an identity-based datastore is read as the workspace identity: its role first",
        "learn.microsoft.com/azure/machine-learning/how-to-datastore (identity-based access)",
    ),
    (_ML + "WorkspaceConnection", "azure-native:authorization:RoleAssignment"): Ordering(
        "an identity-based connection is used as the workspace identity: its role on the target"
        " first",
        "components/connection.py; learn.microsoft.com/azure/machine-learning/how-to-connection",
    ),
    (_ML + "CodeVersion", "pulumi-python:dynamic/amlstack:CodeUpload"): Ordering(
        "the version points at the blobs the upload writes (versions never change)",
        "components/code_asset.py",
    ),
    (_ML + "EnvironmentVersion", "pulumi-python:dynamic/amlstack:BuildContextUpload"): Ordering(
        "the version builds from the context the upload writes",
        "components/environment.py",
    ),
    **{
        (_ML + "Schedule", _ML + kind): _SCHEDULE_REFERENCES
        for kind in (
            "CodeVersion",
            "ComponentVersion",
            "Compute",
            "Datastore",
            "EnvironmentContainer",
            "EnvironmentVersion",
        )
    },
}
"""The reason for each ordering edge (``depends_on``, implied by no input), by the types of its
two ends: `unexplained_orderings` finds the edges missing here."""


@dataclass(frozen=True)
class Step:
    """One resource to provision: what it is, how long it takes and what it waits for."""

    urn: str
    type: str
    seconds: int
    dependencies: tuple[str, ...] = ()
    orderings: tuple[str, ...] = ()
    """The `dependencies` no input names (``depends_on``): each needs a reason in `ORDERINGS`."""


def provisioning_seconds(type_token: str, inputs: Mapping[str, Any] | None = None) -> int:
    """Estimated seconds to create one resource; components, stack references and providers
    take none.

    A ``Compute`` is looked up by its ``properties.computeType`` first (cluster vs instance).
    """
    if not type_token.startswith(_NATIVE):
        return PROVISIONING_SECONDS.get(type_token, 0)
    if type_token == _COMPUTE and inputs is not None:
        properties = inputs.get("properties")
        kind = properties.get("computeType") if isinstance(properties, Mapping) else None
        refined = PROVISIONING_SECONDS.get(f"{type_token}/{kind}")
        if refined is not None:
            return refined
    return PROVISIONING_SECONDS.get(type_token, DEFAULT_SECONDS)


def steps_of(resources: Iterable[RecordedResource]) -> list[Step]:
    """The plan's custom resources as steps; waiting on a component means waiting on all of
    its custom descendants, as the Pulumi SDK expands it."""
    recorded = list(resources)
    children: dict[str, list[RecordedResource]] = {}
    for resource in recorded:
        children.setdefault(resource.parent, []).append(resource)
    custom = {r.urn for r in recorded if r.custom}
    expanded: dict[str, tuple[str, ...]] = {}

    def expand(urn: str) -> tuple[str, ...]:
        if urn in custom:
            return (urn,)
        if urn not in expanded:
            expanded[urn] = tuple(
                found for child in children.get(urn, []) for found in expand(child.urn)
            )
        return expanded[urn]

    def step(resource: RecordedResource) -> Step:
        dependencies = tuple(dict.fromkeys(d for u in resource.dependencies for d in expand(u)))
        data = {d for u in resource.input_dependencies for d in expand(u)}
        return Step(
            urn=resource.urn,
            type=resource.type,
            seconds=provisioning_seconds(resource.type, resource.inputs),
            dependencies=dependencies,
            orderings=tuple(d for d in dependencies if d not in data),
        )

    return [step(r) for r in recorded if r.custom]


def unexplained_orderings(steps: Iterable[Step]) -> list[tuple[str, str]]:
    """The ordering edges ``(dependent type, dependency type)`` that `ORDERINGS` gives no
    reason for, sorted; dependencies outside `steps` are left out."""
    types = {step.urn: step.type for step in steps}
    return sorted(
        {
            (types[step.urn], types[urn])
            for step in (s for s in steps if s.orderings)
            for urn in step.orderings
            if urn in types and (types[step.urn], types[urn]) not in ORDERINGS
        }
    )


def longest_path(steps: Iterable[Step]) -> CriticalPath:
    """The chain of steps, each depending on the one before, with the largest total seconds.

    Dependencies on URNs that are not steps are ignored. Ties go to the smallest URN, so the
    same graph always gives the same path. Raises `DependencyCycleError` on a dependency cycle.
    """
    by_urn = {step.urn: step for step in steps}
    finish: dict[str, int] = {}
    previous: dict[str, str | None] = {}
    for urn in _order(by_urn):
        step = by_urn[urn]
        before: str | None = None
        for dependency in sorted(set(step.dependencies) & by_urn.keys()):
            if before is None or finish[dependency] > finish[before]:
                before = dependency
        finish[urn] = step.seconds + (finish[before] if before is not None else 0)
        previous[urn] = before
    if not finish:
        return CriticalPath()
    last = min(finish, key=lambda urn: (-finish[urn], urn))
    chain: list[str] = []
    cursor: str | None = last
    while cursor is not None:
        chain.append(cursor)
        cursor = previous[cursor]
    return CriticalPath(seconds=finish[last], resources=tuple(reversed(chain)))


def estimate(resources: Iterable[RecordedResource]) -> CriticalPath:
    """The critical path of a plan's resources, with the reason for each ordering edge on it."""
    steps = steps_of(resources)
    path = longest_path(steps)
    by_urn = {step.urn: step for step in steps}
    reasons = [""]
    for before, urn in itertools.pairwise(path.resources):
        step = by_urn[urn]
        known = ORDERINGS.get((step.type, by_urn[before].type))
        reasons.append(known.reason if before in step.orderings and known else "")
    return replace(path, reasons=tuple(reasons) if path.resources else ())


def needless_waits(
    steps: Iterable[Step],
    *,
    waiters: frozenset[str] = LONG_RUNNING_TYPES,
    side_effects: frozenset[str] = SIDE_EFFECT_TYPES,
    anchors: frozenset[str] = ANCHOR_TYPES,
) -> list[tuple[str, str]]:
    """Pairs ``(waiter, side effect)``: a resource of a `waiters` type that waits, directly or
    through others, for a resource of a `side_effects` type that none of its `anchors` needs.

    A compute waits for its workspace, and the workspace for its identity's role assignments:
    that wait is needed. A compute that waits for a person's role assignment is not.
    """
    by_urn = {step.urn: step for step in steps}
    ancestry = transitive_dependencies({urn: step.dependencies for urn, step in by_urn.items()})
    found: list[tuple[str, str]] = []
    for urn in sorted(by_urn):
        if by_urn[urn].type not in waiters:
            continue
        upstream = ancestry[urn]
        needed = set().union(
            *(ancestry[a] for a in upstream if by_urn[a].type in anchors),
        )
        found += [
            (urn, side) for side in sorted(upstream - needed) if by_urn[side].type in side_effects
        ]
    return found


def _order(by_urn: Mapping[str, Step]) -> list[str]:
    return dependency_order({urn: step.dependencies for urn, step in by_urn.items()})
