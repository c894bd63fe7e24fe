"""Who reaches what: every consumer -> target network path of a stack, decided offline.

Input: the planned resources (``type`` and ``inputs`` as in the plan JSON), the resources of the
stacks it references (the registry's owner), and where each workspace's people and deployer
connect from (`WorkspaceConsumers`, from ``network.access``). Output: one `Path` per consumer and
target, sorted; an unreachable one names the config key that would open a path. Without the
referenced stacks' resources (the CrossGuard pack sees only its own stack), the registry's door
is read from the ``registry`` output its StackReference carries (``publicNetworkAccess``).

Consumers: each compute (its workspace's managed network, or its subnet), each online deployment
(the managed network), the deployer (uploads to the workspace storage, model promotion to the
registry), the people (studio and the SDK), and diagnostic settings (Azure Monitor's own channel).
Targets: the workspace, its storage, key vault and container registry, each datastore account,
the registry, Application Insights and Log Analytics.

A path is, in the order tried:
- ``privateEndpoint``: a ``network:PrivateEndpoint`` in the consumer's virtual network connected
  to the target with the sub-resources it needs (telemetry: to an Azure Monitor private link
  scope that holds the target);
- ``outboundRule``: a managed-network rule to the target: a PrivateEndpoint rule, Azure's own
  private endpoints to the workspace and its dependencies, or, when the target accepts public
  traffic, a ServiceTag rule (Azure's required ``AzureMachineLearning`` and ``AzureMonitor``
  included) allowing TCP 443;
- ``trustedService``: diagnostic settings reach Log Analytics "over a secure private Microsoft
  channel" whatever its network settings (Azure Monitor docs, "Design Azure Monitor Private Link
  configuration");
- ``public``: the target accepts traffic from the internet (public network access on, no
  firewall default-deny, or a firewall whose IP rules hold every address of the workspace's
  ``network.ipAllowlist``, where its people and deployer then come from) and the consumer may
  go there;
- ``owner``: the target is an existing dependency of the workspace (``existing``), whose
  network is its owner's and not in the plan: counted as reachable, and the reason says it is
  not verified (the plan's "not managed" list says the same).
The Azure facts behind these rules are in docs/internals/network-shapes.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from ipaddress import IPv4Network
from typing import Any, Literal

from components.network import Location
from components.private_link import DATASTORE_SUBRESOURCES, parse_resource_id
from components.recording import RecordedResource
from components.service_tags import port_ranges
from components.workspace import WorkspaceArgs

__all__ = [
    "Path",
    "Via",
    "WorkspaceConsumers",
    "consumers_of",
    "reachability",
    "short_name",
]

Via = Literal["public", "privateEndpoint", "outboundRule", "trustedService", "owner", "none"]
Channel = Literal["data", "ingestion", "query"]
Key = tuple[str, str, str]
"""A resource as ARM compares ids: (type, resource group, name), lowercased."""

_ML = "azure-native:machinelearningservices"
_STORAGE = "Microsoft.Storage/storageAccounts"
_ML_WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
_ML_REGISTRY = "Microsoft.MachineLearningServices/registries"
_SCOPE = "Microsoft.Insights/privateLinkScopes"


@dataclass(frozen=True)
class _Kind:
    arm_type: str
    name_input: str
    label: str
    service_tag: str
    telemetry: bool = False


_KINDS: dict[str, _Kind] = {
    f"{_ML}:Workspace": _Kind(_ML_WORKSPACE, "workspaceName", "workspace", "AzureMachineLearning"),
    f"{_ML}:Registry": _Kind(_ML_REGISTRY, "registryName", "registry", "AzureMachineLearning"),
    "azure-native:storage:StorageAccount": _Kind(
        _STORAGE, "accountName", "storage account", "Storage"
    ),
    "azure-native:keyvault:Vault": _Kind(
        "Microsoft.KeyVault/vaults", "vaultName", "key vault", "AzureKeyVault"
    ),
    "azure-native:containerregistry:Registry": _Kind(
        "Microsoft.ContainerRegistry/registries",
        "registryName",
        "container registry",
        "AzureContainerRegistry",
    ),
    "azure-native:applicationinsights:Component": _Kind(
        "Microsoft.Insights/components",
        "resourceName",
        "Application Insights",
        "AzureMonitor",
        telemetry=True,
    ),
    "azure-native:operationalinsights:Workspace": _Kind(
        "Microsoft.OperationalInsights/workspaces",
        "workspaceName",
        "Log Analytics workspace",
        "AzureMonitor",
        telemetry=True,
    ),
}
_KIND_BY_ARM_TYPE = {kind.arm_type.lower(): kind for kind in _KINDS.values()}

_TELEMETRY_DOORS: tuple[tuple[Channel, str], ...] = (
    ("ingestion", "publicNetworkAccessForIngestion"),
    ("query", "publicNetworkAccessForQuery"),
)
"""Application Insights and Log Analytics inputs for each channel (absent: Enabled)."""

_REQUIRED_TAGS = frozenset({"AzureMachineLearning", "AzureMonitor"})
"""Service tags Azure adds to every AllowOnlyApprovedOutbound managed network that cover targets
here (Azure ML docs, "Workspace Managed Virtual Network Isolation", "List of required rules")."""


@dataclass(frozen=True)
class _Dependency:
    subresources: frozenset[str]
    """The sub-resources of Azure's own private endpoints to it: what computes and people need."""
    label: str
    """How reasons name it."""
    purpose: str
    """What computes and people need it for."""


_DEPENDENCIES: dict[str, _Dependency] = {
    "workspace": _Dependency(frozenset({"amlworkspace"}), "the workspace", "the workspace API"),
    "storage": _Dependency(frozenset({"blob", "file"}), "the workspace storage", "workspace files"),
    "keyVault": _Dependency(frozenset({"vault"}), "the workspace key vault", "workspace secrets"),
    "containerRegistry": _Dependency(
        frozenset({"registry"}), "the workspace container registry", "environment images"
    ),
}
"""The workspace and its dependencies. Azure's own private endpoints from a managed network to
them: with AllowOnlyApprovedOutbound always, with AllowInternetOutbound when their public access
is off (same docs, "List of required rules")."""


@dataclass(frozen=True)
class WorkspaceConsumers:
    """Where one workspace's people and deployer connect from."""

    workspace: str
    """The workspace's config key (``main``)."""
    at: str
    """Its place in config (``amlstack:workspaces[0]``): fixing keys start with it."""
    deployer: Location
    people: Location
    private_network: str | None
    """The virtual network of ``network.privateEndpoints``: where ``private`` is."""
    existing: frozenset[str] = frozenset()
    """The ARM ids (lowercase) of the workspace's existing dependencies (``existing``)."""
    ip_allowlist: tuple[str, ...] = ()
    """``network.ipAllowlist``: the addresses people and the deployer come from when public."""


@dataclass(frozen=True, order=True)
class Path:
    """One consumer -> target row: ``{consumer, target, via, reachable, reason}``."""

    consumer: str
    """A URN (computes, deployments, diagnostic settings), or ``<workspace>:deployer`` and
    ``<workspace>:people``."""
    target: str
    """The target's URN when planned (here or in a referenced stack), else its ARM id."""
    via: Via
    reachable: bool
    reason: str
    """What the consumer needs it for and how it gets there, or why not and the config key
    that would open a path (``fix: ...``)."""

    @property
    def message(self) -> str:
        """``<consumer> -> <target>: <reason>``, short names for URNs."""
        return f"{short_name(self.consumer)} -> {short_name(self.target)}: {self.reason}"


def short_name(value: str) -> str:
    """A URN's resource name (``main-storage``); anything else (an ARM id) as it is."""
    return value.rsplit("::", 1)[-1] if value.startswith("urn:") else value


def consumers_of(
    workspaces: Sequence[WorkspaceArgs], *, at: str = "amlstack:workspaces"
) -> tuple[WorkspaceConsumers, ...]:
    """The people and deployer of each workspace of a stack's config."""
    return tuple(
        WorkspaceConsumers(
            workspace=ws.name,
            at=f"{at}[{ws.name}]",
            deployer=ws.network.location_of("deployer"),
            people=ws.network.location_of("people"),
            private_network=(
                ws.network.private_endpoints.virtual_network_id
                if ws.network.private_endpoints
                else None
            ),
            existing=frozenset(arm_id.lower() for _, arm_id in ws.existing.ids()),
            ip_allowlist=ws.network.ip_allowlist,
        )
        for ws in workspaces
    )


def reachability(
    resources: Iterable[RecordedResource],
    consumers: Sequence[WorkspaceConsumers],
    *,
    external: Iterable[RecordedResource] = (),
) -> tuple[Path, ...]:
    """Every consumer -> target path of the planned `resources`, sorted by consumer and target.

    `external` are the resources of referenced stacks: their targets and private endpoints
    count, their consumers do not. A target known only by its ARM id (an existing account, a
    registry of a stack not given) is assumed closed to the internet.
    """
    own = [r for r in resources if r.custom]
    world = _World.of(own, [r for r in external if r.custom])
    paths: set[Path] = set()
    for who in consumers:
        workspace = world.workspaces.get(who.workspace)
        if workspace is None:
            continue
        for consumer, network, needs in _consumers(world, workspace, who):
            paths |= {_decide(world, consumer, network, need, who) for need in _merged(needs)}
    for setting in world.own_of("azure-native:monitor:DiagnosticSetting"):
        target = world.target(world.key_of(str(setting.inputs.get("workspaceId", ""))))
        paths.add(
            Path(
                setting.urn,
                target.label,
                "trustedService",
                True,
                f"diagnostic logs ({target.kind} {target.name}): sent over Azure Monitor's own "
                "channel, which the workspace's network settings do not restrict",
            )
        )
    return tuple(sorted(paths))


# --- what the plan says ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    label: str
    kind: str
    name: str
    service_tag: str | None
    open_for: frozenset[Channel]
    """What it accepts from the internet: ``data``, or for telemetry ``ingestion``/``query``."""
    planned: bool
    location: str | None = None
    doors: str = ""
    """What closes it to the internet, for messages."""
    ip_rules: tuple[str, ...] = ()
    """With public access on and a default-deny firewall: the addresses its IP rules let in."""


@dataclass(frozen=True)
class _Endpoint:
    network: str
    target: Key
    groups: frozenset[str]


@dataclass(frozen=True)
class _Workspace:
    resource: RecordedResource
    mode: str
    dependencies: Mapping[str, Key]
    """``workspace``, ``storage``, ``keyVault``, ``containerRegistry``."""
    insights: Key | None
    rules: Mapping[str, Mapping[str, Any]]


def _workspace_of(inputs: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The workspace a resource's inputs place it in: (workspace name, resource group); None
    for an input that is missing or not a name."""
    name, group = inputs.get("workspaceName"), inputs.get("resourceGroupName")
    return (name if isinstance(name, str) else None, group if isinstance(group, str) else None)


@dataclass
class _World:
    own: Sequence[RecordedResource]
    targets: dict[Key, _Target] = field(default_factory=dict)
    ids: dict[Key, str] = field(default_factory=dict)
    """ARM ids seen in inputs, for targets that are not planned."""
    endpoints: list[_Endpoint] = field(default_factory=list)
    scopes: dict[Key, tuple[frozenset[Key], Mapping[str, Any]]] = field(default_factory=dict)
    workspaces: dict[str, _Workspace] = field(default_factory=dict)
    registries: set[Key] = field(default_factory=set)
    log_analytics: dict[Key, Key] = field(default_factory=dict)

    @classmethod
    def of(cls, own: Sequence[RecordedResource], external: Sequence[RecordedResource]) -> _World:
        world = cls(own)
        everything = [*own, *external]
        linked: dict[Key, set[Key]] = defaultdict(set)
        for r in everything:
            inputs = r.inputs
            if r.type in _KINDS:
                key, target = _target_of(r)
                world.targets[key] = target
                if r.type == "azure-native:applicationinsights:Component":
                    logs = world.key_of(str(inputs.get("workspaceResourceId", "")))
                    world.log_analytics[key] = logs
                elif r.type == f"{_ML}:Registry":
                    world.registries.add(key)
            elif r.type == "azure-native:network:PrivateEndpoint":
                world.endpoints += _endpoints_of(inputs)
            elif r.type == "azure-native:monitor:PrivateLinkScopedResource":
                scope = _key(_SCOPE, inputs.get("resourceGroupName"), inputs.get("scopeName"))
                linked[scope].add(world.key_of(str(inputs.get("linkedResourceId", ""))))
            elif r.type == "azure-native:authorization:RoleAssignment":
                scope_key = world.key_of(str(inputs.get("scope", "")))
                if scope_key[0] == _ML_REGISTRY.lower():
                    world.registries.add(scope_key)
            elif r.type == "pulumi:pulumi:StackReference":
                world.read_registry(r)
        for r in everything:
            if r.type == "azure-native:monitor:PrivateLinkScope":
                scope = _key(_SCOPE, r.inputs.get("resourceGroupName"), r.inputs.get("scopeName"))
                modes = r.inputs.get("accessModeSettings") or {}
                world.scopes[scope] = (frozenset(linked[scope]), modes)
        for r in own:
            if r.type == f"{_ML}:Workspace":
                tags = r.inputs.get("tags") or {}
                config_key = str(tags.get("workspace", r.name.removesuffix("-workspace")))
                world.workspaces[config_key] = world.workspace_of(r)
        hubs = {w.dependencies["workspace"]: w for w in world.workspaces.values()}
        for config_key, w in list(world.workspaces.items()):
            hub_id = w.resource.inputs.get("hubResourceId")
            hub = hubs.get(world.key_of(str(hub_id))) if hub_id else None
            if hub is not None:  # a project: its hub's managed network and dependencies
                world.workspaces[config_key] = replace(
                    hub,
                    resource=w.resource,
                    dependencies={**hub.dependencies, "workspace": w.dependencies["workspace"]},
                )
        return world

    def read_registry(self, reference: RecordedResource) -> None:
        """The registry of a referenced stack, from its ``registry`` output: known by ARM id,
        open to the internet as that output says (unless its planned resource is given)."""
        state = reference.outputs or reference.inputs
        registry = (state.get("outputs") or {}).get("registry")
        if not isinstance(registry, Mapping):
            return
        key = self.key_of(str(registry.get("id", "")))
        if key[0] != _ML_REGISTRY.lower():
            return
        self.registries.add(key)
        public = str(registry.get("publicNetworkAccess", "Disabled")).lower() != "disabled"
        self.targets.setdefault(
            key,
            _Target(
                label=self.ids[key],
                kind="registry",
                name=key[2],
                service_tag="AzureMachineLearning",
                open_for=frozenset({"data"}) if public else frozenset(),
                planned=True,
                doors="" if public else "public network access disabled",
            ),
        )

    def own_of(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.own if r.type == type_token]

    def children_of(self, workspace: _Workspace) -> list[RecordedResource]:
        """The child resources of `workspace` (computes, datastores...: those in its workspace
        name and resource group), from an index of the plan built once, not a scan each."""
        found = self._by_workspace.get(_workspace_of(workspace.resource.inputs), [])
        return [r for r in found if r.type != workspace.resource.type]

    @cached_property
    def _by_workspace(self) -> dict[tuple[str | None, str | None], list[RecordedResource]]:
        index: dict[tuple[str | None, str | None], list[RecordedResource]] = defaultdict(list)
        for r in self.own:
            index[_workspace_of(r.inputs)].append(r)
        return index

    @cached_property
    def endpoint_groups(self) -> dict[tuple[str, Key], set[str]]:
        """(network, target) to the sub-resources its private endpoints connect, built once
        (a hub network holds every workspace's endpoints: no scan per consumer and need)."""
        groups: dict[tuple[str, Key], set[str]] = defaultdict(set)
        for endpoint in self.endpoints:
            groups[(endpoint.network, endpoint.target)] |= endpoint.groups
        return groups

    @cached_property
    def monitor_endpoints(self) -> dict[str, list[_Endpoint]]:
        """Network to its private endpoints to Azure Monitor scopes (``azuremonitor``), in plan
        order."""
        found: dict[str, list[_Endpoint]] = defaultdict(list)
        for endpoint in self.endpoints:
            if "azuremonitor" in endpoint.groups:
                found[endpoint.network].append(endpoint)
        return found

    @cached_property
    def upload_accounts(self) -> frozenset[str]:
        """The storage account names the plan uploads files to (code, build contexts)."""
        return frozenset(
            str(r.inputs["accountUrl"]).removeprefix("https://").split(".", 1)[0].lower()
            for r in self.own
            if "accountUrl" in r.inputs
        )

    def key_of(self, resource_id: str) -> Key:
        """The key of an ARM id (a sub-resource id counts as its top-level resource)."""
        parsed = parse_resource_id(_top_level(resource_id))
        if parsed is None:
            return ("", "", resource_id.lower())
        self.ids.setdefault(parsed.key, _top_level(resource_id))
        return parsed.key

    def target(self, key: Key) -> _Target:
        known = self.targets.get(key)
        if known is not None:
            return known
        kind = _KIND_BY_ARM_TYPE.get(key[0])
        return _Target(
            label=self.ids.get(key, key[2]),
            kind=kind.label if kind else "resource",
            name=key[2],
            service_tag=kind.service_tag if kind else None,
            open_for=frozenset(),
            planned=False,
        )

    def workspace_of(self, r: RecordedResource) -> _Workspace:
        inputs = r.inputs
        managed = inputs.get("managedNetwork") or {}
        deps = {
            name: self.key_of(str(inputs[key]))
            for name, key in (
                ("storage", "storageAccount"),
                ("keyVault", "keyVault"),
                ("containerRegistry", "containerRegistry"),
            )
            if inputs.get(key)
        }
        deps["workspace"] = _planned_key(r)
        insights = inputs.get("applicationInsights")
        return _Workspace(
            resource=r,
            mode=str(managed.get("isolationMode", "Disabled")),
            dependencies=deps,
            insights=self.key_of(str(insights)) if insights else None,
            rules=managed.get("outboundRules") or {},
        )


def _top_level(resource_id: str) -> str:
    parts = resource_id.split("/")
    # /subscriptions/<s>/resourceGroups/<g>/providers/<Namespace>/<type>/<name>[/...]
    return "/".join(parts[:9]) if len(parts) > 9 else resource_id


def _key(arm_type: str, group: Any, name: Any) -> Key:
    return (arm_type.lower(), str(group or "").lower(), str(name or "").lower())


def _planned_key(r: RecordedResource) -> Key:
    """The key of a planned target (a resource of `_KINDS`), from its inputs."""
    kind = _KINDS[r.type]
    return _key(kind.arm_type, r.inputs.get("resourceGroupName"), r.inputs.get(kind.name_input))


def _target_of(r: RecordedResource) -> tuple[Key, _Target]:
    kind = _KINDS[r.type]
    inputs = r.inputs
    open_for: frozenset[Channel]
    doors, ip_rules = "", tuple[str, ...]()
    if kind.telemetry:
        open_for = frozenset(
            channel
            for channel, key in _TELEMETRY_DOORS
            if str(inputs.get(key, "Enabled")).lower() != "disabled"
        )
    else:
        props = (inputs.get("properties") if kind.label == "key vault" else inputs) or {}
        firewall = props.get("networkRuleSet") or props.get("networkAcls") or {}
        public = str(props.get("publicNetworkAccess", "Enabled")).lower() != "disabled"
        allow = str(firewall.get("defaultAction", "Allow")).lower() != "deny"
        open_for = frozenset({"data"}) if public and allow else frozenset()
        ip_rules = (
            tuple(
                str(rule.get("value") or rule.get("iPAddressOrRange") or "")
                for rule in firewall.get("ipRules") or []
                if isinstance(rule, Mapping)
            )
            if public and not allow
            else ()
        )
        shut = [
            ("public network access disabled", not public),
            ("firewall default deny", not allow),
        ]
        doors = ", ".join(text for text, applies in shut if applies)
    key = _planned_key(r)
    location = inputs.get("location")
    target = _Target(
        label=r.urn,
        kind=kind.label,
        name=key[2],
        service_tag=kind.service_tag,
        open_for=open_for,
        planned=True,
        location=str(location).lower() if location else None,
        doors=doors,
        ip_rules=ip_rules,
    )
    return key, target


def _endpoints_of(inputs: Mapping[str, Any]) -> list[_Endpoint]:
    subnet = str((inputs.get("subnet") or {}).get("id", ""))
    network = subnet.rsplit("/subnets/", 1)[0].lower()
    found = []
    for connection in inputs.get("privateLinkServiceConnections") or ():
        target = parse_resource_id(str(connection.get("privateLinkServiceId", "")))
        if target is not None:
            found.append(
                _Endpoint(network, target.key, frozenset(connection.get("groupIds") or ()))
            )
    return found


# --- consumers and what they need ------------------------------------------------------------


@dataclass(frozen=True)
class _Internet:
    who: Literal["deployer", "people"] | None
    """Which configured consumer connects from the internet (None: a deployment of a workspace
    without a managed network)."""


@dataclass(frozen=True)
class _VirtualNetwork:
    id: str


@dataclass(frozen=True)
class _Managed:
    workspace: _Workspace


@dataclass(frozen=True)
class _Nowhere:
    """``private`` without private endpoints: there is no private network to be in."""


_Network = _Internet | _VirtualNetwork | _Managed | _Nowhere


@dataclass(frozen=True)
class _Need:
    target: Key
    subresources: frozenset[str]
    channel: Channel
    purpose: str


def _merged(needs: Iterable[_Need]) -> list[_Need]:
    """One need per target and channel: the union of sub-resources, the purposes joined."""
    grouped: dict[tuple[Key, Channel], list[_Need]] = defaultdict(list)
    for need in needs:
        grouped[(need.target, need.channel)].append(need)
    return [
        _Need(
            target,
            frozenset().union(*(n.subresources for n in group)),
            channel,
            ", ".join(dict.fromkeys(n.purpose for n in group)),
        )
        for (target, channel), group in grouped.items()
    ]


def _consumers(
    world: _World, workspace: _Workspace, who: WorkspaceConsumers
) -> list[tuple[str, _Network, list[_Need]]]:
    deps = workspace.dependencies
    children = world.children_of(workspace)
    core = _dependency_needs(deps, "workspace", "storage", "keyVault")
    images = _dependency_needs(deps, "containerRegistry")
    datastores = _datastore_needs(children)
    registry = [
        _Need(key, frozenset({"amlregistry"}), "data", "registry models and environments")
        for key in sorted(world.registries)
    ]
    managed: _Network = _Managed(workspace) if workspace.mode != "Disabled" else _Internet(None)
    consumers: list[tuple[str, _Network, list[_Need]]] = []
    for compute in (r for r in children if r.type == f"{_ML}:Compute"):
        subnet = _compute_subnet(compute.inputs)
        network = _VirtualNetwork(subnet.rsplit("/subnets/", 1)[0].lower()) if subnet else managed
        consumers.append((compute.urn, network, [*core, *images, *datastores, *registry]))
    for deployment in (r for r in children if r.type == f"{_ML}:OnlineDeployment"):
        consumers.append(
            (deployment.urn, managed, [*images, *_deployment_needs(world, workspace, deployment)])
        )
    uploads = []
    if "storage" in deps and deps["storage"][2] in world.upload_accounts:
        uploads.append(_Need(deps["storage"], frozenset({"blob"}), "data", "code uploads"))
    logs = world.log_analytics.get(workspace.insights) if workspace.insights else None
    queries = [
        _Need(key, frozenset(), "query", "telemetry queries")
        for key in (workspace.insights, logs)
        if key is not None
    ]
    promotion = [
        _Need(n.target, n.subresources, n.channel, "model promotion to the registry")
        for n in registry
    ]
    deployer = _network_of("deployer", who.deployer, who)
    people = _network_of("people", who.people, who)
    consumers.append((f"{who.workspace}:deployer", deployer, [*uploads, *promotion]))
    consumers.append((f"{who.workspace}:people", people, [*core, *datastores, *registry, *queries]))
    return consumers


def _dependency_needs(deps: Mapping[str, Key], *names: str) -> list[_Need]:
    """What computes and people need of the workspace dependencies `names` it has."""
    return [
        _Need(deps[name], _DEPENDENCIES[name].subresources, "data", _DEPENDENCIES[name].purpose)
        for name in names
        if name in deps
    ]


def _network_of(
    role: Literal["deployer", "people"], location: Location, who: WorkspaceConsumers
) -> _Network:
    if location == "public":
        return _Internet(role)
    if who.private_network is None:
        return _Nowhere()
    return _VirtualNetwork(who.private_network.lower())


def _compute_subnet(inputs: Mapping[str, Any]) -> str | None:
    inner = (inputs.get("properties") or {}).get("properties") or {}
    subnet = inner.get("subnet")
    value = subnet.get("id") if isinstance(subnet, Mapping) else None
    return str(value) if value else None


def _datastore_needs(children: Sequence[RecordedResource]) -> list[_Need]:
    needs = []
    for datastore in (r for r in children if r.type == f"{_ML}:Datastore"):
        props = datastore.inputs.get("properties") or {}
        kind = str(props.get("datastoreType", ""))
        account = props.get("accountName")
        if kind in DATASTORE_SUBRESOURCES and account:
            key = _key(_STORAGE, props.get("resourceGroup"), account)
            needs.append(_Need(key, frozenset(DATASTORE_SUBRESOURCES[kind]), "data", "datastores"))
    return needs


def _deployment_needs(
    world: _World, workspace: _Workspace, deployment: RecordedResource
) -> list[_Need]:
    deps = workspace.dependencies
    props = deployment.inputs.get("properties") or {}
    needs = []
    if "storage" in deps:
        needs.append(_Need(deps["storage"], frozenset({"blob"}), "data", "model and code files"))
    assets = " ".join(str(props.get(key, "")) for key in ("model", "environmentId")).lower()
    needs += [
        _Need(key, frozenset({"amlregistry"}), "data", "its model or environment in the registry")
        for key in sorted(world.registries)
        if f"azureml://registries/{key[2]}/" in assets
    ]
    if props.get("appInsightsEnabled") and workspace.insights is not None:
        needs.append(_Need(workspace.insights, frozenset(), "ingestion", "request telemetry"))
    return needs


# --- the decision ----------------------------------------------------------------------------

_Row = Callable[[Via, str], Path]


def _decide(
    world: _World, consumer: str, network: _Network, need: _Need, who: WorkspaceConsumers
) -> Path:
    target = world.target(need.target)
    subs = ", ".join(sorted(need.subresources)) or "azuremonitor"

    def row(via: Via, how: str) -> Path:
        what = f"{need.purpose} ({target.kind} {target.name})"
        return Path(consumer, target.label, via, via != "none", f"{what}: {how}")

    if not target.planned and target.label.lower() in who.existing:
        return row(
            "owner",
            "an existing dependency, whose network is its owner's and not in this plan: not "
            "verified; make sure it lets this consumer in",
        )
    is_open = need.channel in target.open_for
    closed = _closed(target, need.channel)
    if isinstance(network, _Nowhere):
        return row(
            "none",
            "'private' needs the network of the workspace's private endpoints and there are "
            f"none; fix: {who.at}.network.privateEndpoints.subnetId",
        )
    if isinstance(network, _Managed):
        return _through_managed_network(
            network.workspace, target, need, is_open=is_open, row=row, who=who
        )
    if isinstance(network, _VirtualNetwork):
        endpoint = _private_endpoint(world, network.id, need)
        if endpoint is True:
            return row("privateEndpoint", f"private endpoint ({subs}) in {_short(network.id)}")
        if endpoint:
            return row("none", endpoint)
        if is_open:
            return row("public", "accepts public traffic")
        return row(
            "none",
            f"{closed}; no private endpoint ({subs}) to it in {_short(network.id)}; fix: "
            f"{_endpoint_fix(target, who)}",
        )
    if is_open:
        return row("public", "accepts public traffic")
    if network.who is not None and _allow_listed(target, who.ip_allowlist):
        return row("public", "its IP rules let in the addresses of network.ipAllowlist")
    if network.who is None:
        fix = f"{who.at}.network.isolationMode (a managed network)"
    else:
        fix = f"{who.at}.network.access.{network.who}: private"
    return row("none", f"{closed}; this consumer comes from the internet; fix: {fix}")


def _allow_listed(target: _Target, addresses: Sequence[str]) -> bool:
    """Whether every address of `addresses` (the consumer's ``network.ipAllowlist``, IPv4 as
    validated) passes the target's IP rules."""
    if not addresses or not target.ip_rules:
        return False
    rules = [IPv4Network(rule, strict=False) for rule in target.ip_rules if rule]

    def passes(address: str) -> bool:
        wanted = IPv4Network(address, strict=False)
        if any(wanted.subnet_of(rule) for rule in rules):
            return True
        small = wanted.num_addresses <= 2  # a /31 goes into storage as its two addresses
        return small and all(any(a in rule for rule in rules) for a in wanted)

    return all(passes(address) for address in addresses)


def _closed(target: _Target, channel: Channel) -> str:
    if not target.planned:
        return "not in this plan, so assumed closed to the internet"
    if channel == "data":
        return target.doors
    return f"public network access for {channel} disabled"


def _short(network_id: str) -> str:
    return network_id.rsplit("/", 1)[-1]


def _endpoint_fix(target: _Target, who: WorkspaceConsumers) -> str:
    if target.kind == "registry":
        return "private endpoints of the registry (amlstack:registry of its stack) in this network"
    if not target.planned:
        return "a private endpoint from the account's owner in this network"
    return f"{who.at}.network.privateEndpoints"


def _private_endpoint(world: _World, network: str, need: _Need) -> bool | str:
    """True when a private endpoint in `network` reaches the need; a reason when an Azure
    Monitor scope in that network shuts the target out; "" when there is no endpoint."""
    if need.channel == "data":
        groups = world.endpoint_groups.get((network, need.target), set())
        return bool(groups) and need.subresources <= groups
    for endpoint in world.monitor_endpoints.get(network, []):
        linked, modes = world.scopes.get(endpoint.target, (frozenset(), {}))
        if need.target in linked:
            return True
        if modes.get(f"{need.channel}AccessMode", "Open") == "PrivateOnly":
            return (
                f"the Azure Monitor private link scope {endpoint.target[2]} of this network is "
                f"PrivateOnly for {need.channel} and does not hold it; fix: add it to the scope"
            )
    return ""


def _through_managed_network(
    workspace: _Workspace,
    target: _Target,
    need: _Need,
    *,
    is_open: bool,
    row: _Row,
    who: WorkspaceConsumers,
) -> Path:
    mode = workspace.mode
    internet = mode == "AllowInternetOutbound"
    if need.channel != "data":
        if not is_open:
            return row(
                "none",
                f"public network access for {need.channel} disabled, and a managed network "
                "cannot have a private endpoint to an Azure Monitor private link scope; fix: "
                f"{who.at}.monitoring.public{need.channel.capitalize()}: Enabled",
            )
        if internet:
            return row("public", "the managed network allows internet outbound")
        return row("outboundRule", "Azure's required AzureMonitor service tag rule")
    dependency = next((n for n, k in workspace.dependencies.items() if k == need.target), None)
    if (
        dependency is not None
        and need.subresources <= _DEPENDENCIES[dependency].subresources
        and not (internet and is_open)
    ):
        return row(
            "outboundRule", f"Azure's own private endpoint to {_DEPENDENCIES[dependency].label}"
        )
    covered = _rule_subresources(workspace, need.target)
    if need.subresources <= covered:
        subs = ", ".join(sorted(need.subresources))
        return row("outboundRule", f"PrivateEndpoint outbound rule ({subs})")
    if is_open and internet:
        return row("public", "the managed network allows internet outbound")
    if is_open:
        tag = _service_tag_rule(workspace, target)
        if tag is not None:
            return row("outboundRule", tag)
    why = _closed(target, "data") if not is_open else "only approved outbound is allowed"
    missing = ", ".join(sorted(need.subresources - covered))
    return row(
        "none",
        f"{why}; no PrivateEndpoint outbound rule ({missing}) to it; fix: "
        f"{who.at}.network.outbound.privateEndpoints",
    )


def _rule_subresources(workspace: _Workspace, target: Key) -> set[str]:
    covered = set()
    for rule in workspace.rules.values():
        destination = rule.get("destination")
        if rule.get("type") != "PrivateEndpoint" or not isinstance(destination, Mapping):
            continue
        resource = parse_resource_id(str(destination.get("serviceResourceId", "")))
        if resource is not None and resource.key == target:
            covered.add(str(destination.get("subresourceTarget", "")))
    return covered


def _service_tag_rule(workspace: _Workspace, target: _Target) -> str | None:
    """How approved-only outbound reaches a public `target` on TCP 443 by service tag, if it
    does: one of Azure's required tags, or a user's ServiceTag rule."""
    if target.service_tag in _REQUIRED_TAGS:
        return f"Azure's required {target.service_tag} service tag rule"
    for name, rule in sorted(workspace.rules.items()):
        destination = rule.get("destination")
        if rule.get("type") != "ServiceTag" or not isinstance(destination, Mapping):
            continue
        tag = str(destination.get("serviceTag", ""))
        base, _, region = tag.partition(".")
        if base != target.service_tag:
            continue
        if region and target.location and region.lower() != target.location:
            continue
        if destination.get("action", "Allow") != "Allow":
            continue
        if destination.get("protocol", "TCP") not in ("TCP", "*"):
            continue
        if any(a <= 443 <= b for a, b in port_ranges(str(destination.get("portRanges", "")))):
            return f"ServiceTag outbound rule {name} ({tag})"
    return None
