"""The security baseline (SECURITY_BASELINE.md) as rules: one per row, each a plain function.

A rule looks at the inputs a resource sends to Azure (camelCase, as pulumi-azure-native sends
them), its ``protect`` flag and, for a few, the other resources of the stack (diagnostic settings,
locks). The same functions run in the offline plan (over recorded resources) and in the CrossGuard
policy pack (over what the Pulumi engine passes), so both report the same violations.

Values the engine does not know yet during a preview raise pulumi-policy's ``UnknownValueError``
when a rule reads them; the pack reports those as "cannot run during preview", never as a pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Literal

from components import diagnostics
from components.durations import parse_duration
from components.errors import MISSING, ConfigError
from components.regions import ACR_ZONE_REDUNDANT_REGIONS
from components.storage import MAX_SAS_EXPIRATION_DAYS

__all__ = [
    "RULES",
    "RULE_IDS",
    "Check",
    "Facts",
    "Level",
    "Rule",
    "Subject",
    "lookup",
    "present",
    "rule_by_id",
    "unknown_rule",
    "workspace_of",
]

Level = Literal["mandatory", "advisory"]

_DEV_AND_PROD = frozenset({"dev", "prod"})
_PROD = frozenset({"prod"})

ML = "azure-native:machinelearningservices"
WORKSPACE = f"{ML}:Workspace"
COMPUTE = f"{ML}:Compute"
ONLINE_ENDPOINT = f"{ML}:OnlineEndpoint"
BATCH_ENDPOINT = f"{ML}:BatchEndpoint"
SCHEDULE = f"{ML}:Schedule"
ML_REGISTRY = f"{ML}:Registry"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
KEY_VAULT = "azure-native:keyvault:Vault"
CONTAINER_REGISTRY = "azure-native:containerregistry:Registry"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
DIAGNOSTIC_SETTINGS = frozenset({"azure-native:monitor:DiagnosticSetting"})
RESOURCE_LOCKS = frozenset(
    {
        "azure-native:authorization:ManagementLockByScope",
        "azure-native:authorization:ManagementLockAtResourceLevel",
    }
)
GROUP_LOCK = "azure-native:authorization:ManagementLockAtResourceGroupLevel"


@dataclass(frozen=True)
class Subject:
    """A resource as a rule sees it: what it sends to Azure, and how Pulumi treats it."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    protect: bool = False
    dependencies: frozenset[str] = frozenset()
    """URNs this resource waits for (explicit and implied by its inputs)."""


@dataclass(frozen=True)
class Facts:
    """What a rule may look at beyond the resource itself."""

    resources: tuple[Subject, ...] = ()
    """The stack's resources (empty when a rule runs on one resource at a time)."""
    workspaces: tuple[str, ...] = ()
    """The stack's workspace keys, to tell which workspace a resource belongs to."""
    encrypted_workspaces: frozenset[str] = frozenset()
    """Workspace keys whose config asks for customer-managed key encryption."""

    def depending_on(self, subject: Subject, types: Iterable[str]) -> list[Subject]:
        """The resources of `types` that wait for `subject`, in stack order."""
        wanted = frozenset(types)
        return [r for r in self._dependents.get(subject.urn, ()) if r.type in wanted]

    def of_type(self, type_token: str) -> list[Subject]:
        """The resources of `type_token`, in stack order."""
        return list(self._by_type.get(type_token, ()))

    # Indexes built on first use, so that rules looking at other resources stay linear in the
    # number of resources (a 50-workspace stack has about 3000).

    @cached_property
    def _dependents(self) -> dict[str, list[Subject]]:
        dependents: dict[str, list[Subject]] = {}
        for resource in self.resources:
            for urn in resource.dependencies:
                dependents.setdefault(urn, []).append(resource)
        return dependents

    @cached_property
    def _by_type(self) -> dict[str, list[Subject]]:
        by_type: dict[str, list[Subject]] = {}
        for resource in self.resources:
            by_type.setdefault(resource.type, []).append(resource)
        return by_type


Check = Callable[[Subject, Facts], str | None]
"""Returns why `subject` violates the rule, or None when it complies (or the rule does not apply
to this kind of resource, e.g. a cluster rule on a compute instance)."""


@dataclass(frozen=True)
class Rule:
    """One row of the baseline: what it requires, of which resources, in which tiers."""

    id: str
    summary: str
    resource_types: tuple[str, ...]
    path: str
    required: str
    tiers: frozenset[str]
    level: Level
    sources: str
    check: Check = field(repr=False, compare=False)
    needs_stack: bool = False
    """True when the rule looks at other resources (diagnostic settings, locks): the pack runs it
    as a stack policy, after every resource is known."""
    note: str = ""
    """Where the rule deliberately differs from its Azure built-ins, and why (shown by
    ``amlstack policies`` and ``docs/security.md``)."""

    @property
    def builtins(self) -> tuple[str, ...]:
        """The Azure built-in policies the rule stands for: the id prefixes its sources name."""
        return tuple(re.findall(r"\b[0-9a-f]{8}\b", self.sources))

    @property
    def description(self) -> str:
        tiers = " and ".join(sorted(self.tiers))
        return f"{self.summary} ({self.sources}); {tiers} stacks"


def lookup(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `path`, or the missing marker (`components.errors.MISSING`)."""
    value: Any = inputs
    for key in path.split("."):
        if not isinstance(value, Mapping) or not _has_key(value, key):
            return MISSING
        value = value[key]
    return value


def present(inputs: Mapping[str, Any], path: str) -> bool:
    """Whether `path` is set, without reading its value (an unknown value during a preview, such
    as the id of a resource not created yet, counts as set)."""
    *parents, last = path.split(".")
    parent = lookup(inputs, ".".join(parents)) if parents else inputs
    return isinstance(parent, Mapping) and _has_key(parent, last)


def _has_key(mapping: Mapping[str, Any], key: str) -> bool:
    # Iterating keys never reads values, so an unknown (computed) value still counts as present.
    return any(k == key for k in mapping)


def _show(value: Any) -> str:
    return "not set" if value is MISSING else repr(value)


def _equals(path: str, expected: object) -> Check:
    def check(subject: Subject, _facts: Facts) -> str | None:
        value = lookup(subject.inputs, path)
        if value is not MISSING and value == expected:
            return None
        return f"{path} is {_show(value)}; required {expected!r}"

    return check


def _one_of(path: str, allowed: frozenset[str]) -> Check:
    def check(subject: Subject, _facts: Facts) -> str | None:
        value = lookup(subject.inputs, path)
        if value in allowed:
            return None
        return f"{path} is {_show(value)}; required one of {', '.join(sorted(allowed))}"

    return check


def _is_set(path: str) -> Check:
    def check(subject: Subject, _facts: Facts) -> str | None:
        return None if present(subject.inputs, path) else f"{path} is not set"

    return check


def _all(*checks: Check) -> Check:
    def check(subject: Subject, facts: Facts) -> str | None:
        problems = [p for p in (c(subject, facts) for c in checks) if p]
        return "; ".join(problems) or None

    return check


def _for_compute(kind: str, inner: Check) -> Check:
    """`inner` for computes of `kind` (``AmlCompute``, ``ComputeInstance``) only."""

    def check(subject: Subject, facts: Facts) -> str | None:
        if lookup(subject.inputs, "properties.computeType") != kind:
            return None
        return inner(subject, facts)

    return check


_IDLE_MIN, _IDLE_MAX = timedelta(minutes=15), timedelta(days=3)


def _idle_shutdown(subject: Subject, _facts: Facts) -> str | None:
    path = "properties.properties.idleTimeBeforeShutdown"
    value = lookup(subject.inputs, path)
    duration = parse_duration(value) if isinstance(value, str) else None
    if duration is not None and _IDLE_MIN <= duration <= _IDLE_MAX:
        return None
    return f"{path} is {_show(value)}; required an ISO 8601 duration from PT15M to P3D"


def _no_public_ssh(subject: Subject, facts: Facts) -> str | None:
    kind = lookup(subject.inputs, "properties.computeType")
    if kind == "AmlCompute":
        return _equals("properties.properties.remoteLoginPortPublicAccess", "Disabled")(
            subject, facts
        )
    if kind == "ComputeInstance":
        return _equals("properties.properties.sshSettings.sshPublicAccess", "Disabled")(
            subject, facts
        )
    return None


def _no_public_ip(subject: Subject, facts: Facts) -> str | None:
    if lookup(subject.inputs, "properties.computeType") not in ("AmlCompute", "ComputeInstance"):
        return None
    return _equals("properties.properties.enableNodePublicIp", False)(subject, facts)


def _firewall(subject: Subject, _facts: Facts) -> str | None:
    action = lookup(subject.inputs, "networkRuleSet.defaultAction")
    bypass = lookup(subject.inputs, "networkRuleSet.bypass")
    bypassed = {part.strip() for part in bypass.split(",")} if isinstance(bypass, str) else set()
    ip_rules = lookup(subject.inputs, "networkRuleSet.ipRules")
    if action == "Deny" and "AzureServices" in bypassed and ip_rules in (MISSING, []):
        return None
    return (
        f"networkRuleSet.defaultAction is {_show(action)}, networkRuleSet.bypass is "
        f"{_show(bypass)} and networkRuleSet.ipRules is {_show(ip_rules)}; required 'Deny', a "
        "bypass containing 'AzureServices' and no IP rules"
    )


def _protected(subject: Subject, _facts: Facts) -> str | None:
    if subject.protect:
        return None
    return "the resource is not protected; required Pulumi protect (WorkspaceArgs.protect)"


def _versioned_unless_hierarchical(subject: Subject, facts: Facts) -> str | None:
    """Blob versioning, except on a hierarchical-namespace (ADLS Gen2) account: Azure offers no
    versioning there, so the rule cannot apply (soft delete still does)."""
    account = lookup(subject.inputs, "accountName")
    if any(
        lookup(a.inputs, "accountName") == account and lookup(a.inputs, "isHnsEnabled") is True
        for a in facts.of_type(STORAGE_ACCOUNT)
    ):
        return None
    return _equals("isVersioningEnabled", True)(subject, facts)


def _delete_locked(subject: Subject, facts: Facts) -> str | None:
    if any(
        lookup(lock.inputs, "level") == "CanNotDelete" for lock in facts.of_type(GROUP_LOCK)
    ) or any(
        lookup(lock.inputs, "level") == "CanNotDelete"
        for lock in facts.depending_on(subject, RESOURCE_LOCKS)
    ):
        return None
    return "no CanNotDelete management lock on the resource or its resource group"


def _when_encrypted(*checks: Check) -> Check:
    """`checks` for the resources of workspaces whose config asks for a customer-managed key."""
    inner = _all(*checks)

    def check(subject: Subject, facts: Facts) -> str | None:
        if workspace_of(subject.name, facts.workspaces) not in facts.encrypted_workspaces:
            return None
        return inner(subject, facts)

    return check


def _in_workspace(inner: Check) -> Check:
    """`inner` applied to the Azure ML workspace the resource depends on (batch endpoints and
    schedules take their network and logging from it)."""

    def check(subject: Subject, facts: Facts) -> str | None:
        workspaces = [w for w in facts.of_type(WORKSPACE) if w.urn in subject.dependencies]
        if not workspaces:
            return "its workspace is not in the stack, so its settings cannot be checked"
        problems = [p for p in (inner(w, facts) for w in workspaces) if p]
        return f"its workspace: {'; '.join(problems)}" if problems else None

    return check


def _serverless_without_public_ip(subject: Subject, facts: Facts) -> str | None:
    if not present(subject.inputs, "serverlessComputeSettings"):
        return None  # serverless compute in the managed network: no public IP to give it
    return _equals("serverlessComputeSettings.serverlessComputeNoPublicIP", True)(subject, facts)


def workspace_of(resource_name: str, workspaces: Iterable[str]) -> str | None:
    """The workspace key a resource belongs to: child names start with their workspace's key
    (``main-storage``); the longest matching key wins (``main-eu`` over ``main``)."""
    matches = [
        key for key in workspaces if resource_name == key or resource_name.startswith(f"{key}-")
    ]
    return max(matches, key=len, default=None)


# --- Checks for Azure's built-in policies (the settings the built-ins look for) -----------------

_PULUMI_TO_ARM = {
    WORKSPACE: diagnostics.ML_WORKSPACE,
    ML_REGISTRY: diagnostics.ML_REGISTRY,
    ONLINE_ENDPOINT: diagnostics.ONLINE_ENDPOINT,
    KEY_VAULT: diagnostics.KEY_VAULT,
    STORAGE_ACCOUNT: diagnostics.STORAGE_ACCOUNT,
    CONTAINER_REGISTRY: diagnostics.CONTAINER_REGISTRY,
    APP_INSIGHTS: diagnostics.APP_INSIGHTS,
    LOG_ANALYTICS: diagnostics.LOG_ANALYTICS,
    AUTOSCALE: diagnostics.AUTOSCALE_SETTING,
}
_SERVICE_SUFFIXES = tuple(f"/{service}/default" for service in diagnostics.STORAGE_SERVICES)


def _expected_settings(type_token: str) -> list[tuple[str, str]]:
    """(resourceUri suffix, ARM type) of each diagnostic setting a resource needs: a storage
    account needs one on itself and one on each service."""
    arm_type = _PULUMI_TO_ARM[type_token]
    if arm_type != diagnostics.STORAGE_ACCOUNT:
        return [("", arm_type)]
    return [("", arm_type)] + [
        (suffix, f"{arm_type}/{service}")
        for suffix, service in zip(_SERVICE_SUFFIXES, diagnostics.STORAGE_SERVICES, strict=True)
    ]


def _entries(setting: Subject, key: str, name: str) -> set[str]:
    """The `name`s (categoryGroup, category) of the enabled entries of the setting's `key`."""
    entries = lookup(setting.inputs, key)
    if not isinstance(entries, Iterable):
        return set()
    return {
        str(lookup(e, name))
        for e in entries
        if isinstance(e, Mapping) and lookup(e, "enabled") is True and present(e, name)
    }


def _missing_from(setting: Subject, profile: diagnostics.LogProfile) -> list[str]:
    groups = _entries(setting, "logs", "categoryGroup")
    categories = _entries(setting, "logs", "category")
    metrics = _entries(setting, "metrics", "category")
    missing = [
        *(f"log group {g}" for g in profile.groups if g not in groups),
        *(f"log category {c}" for c in profile.categories if c not in categories),
        *(f"metric {m}" for m in profile.metrics if m not in metrics),
    ]
    if not present(setting.inputs, "workspaceId"):
        missing.append("workspaceId (a Log Analytics workspace)")
    return missing


def _diagnostics(subject: Subject, facts: Facts) -> str | None:
    """The diagnostic settings `components.diagnostics` gives the subject's type, to Log
    Analytics, with what that table sends."""
    settings = facts.depending_on(subject, DIAGNOSTIC_SETTINGS)
    expected = _expected_settings(subject.type)
    problems = []
    for suffix, arm_type in expected:
        profile = diagnostics.DIAGNOSTICS[arm_type]
        where = f"on {suffix.strip('/')}" if suffix else "on the resource"
        # Only a storage account's settings need telling apart by their resourceUri, which is
        # unknown during a first preview (the pack then says the rule cannot run yet).
        candidates = [
            s
            for s in settings
            if len(expected) == 1
            or (
                str(lookup(s.inputs, "resourceUri")).endswith(suffix)
                if suffix
                else not str(lookup(s.inputs, "resourceUri")).endswith(_SERVICE_SUFFIXES)
            )
        ]
        if not candidates:
            problems.append(f"no diagnostic setting {where}")
        elif all(_missing_from(c, profile) for c in candidates):
            problems.append(
                f"the setting {where} lacks {', '.join(_missing_from(candidates[0], profile))}"
            )
    return "; ".join(problems) or None


def _sas_policy(subject: Subject, _facts: Facts) -> str | None:
    period = lookup(subject.inputs, "sasPolicy.sasExpirationPeriod")
    action = lookup(subject.inputs, "sasPolicy.expirationAction")
    days = _sas_days(period)
    if days is not None and days <= MAX_SAS_EXPIRATION_DAYS and action == "Block":
        return None
    return (
        f"sasPolicy.sasExpirationPeriod is {_show(period)} and sasPolicy.expirationAction is "
        f"{_show(action)}; required at most {MAX_SAS_EXPIRATION_DAYS}.00:00:00 and 'Block'"
    )


def _sas_days(period: Any) -> float | None:
    """Days of a ``D.HH:MM:SS`` SAS expiration period (None when it is not one)."""
    match = (
        re.fullmatch(r"(\d+)\.(\d{2}):(\d{2}):(\d{2})", period) if isinstance(period, str) else None
    )
    if match is None:
        return None
    days, hours, minutes, seconds = (int(g) for g in match.groups())
    return days + (hours * 3600 + minutes * 60 + seconds) / 86400


def _zone_redundant_registry(subject: Subject, facts: Facts) -> str | None:
    problem = _equals("zoneRedundancy", "Enabled")(subject, facts)
    location = lookup(subject.inputs, "location")
    if problem is not None and location not in ACR_ZONE_REDUNDANT_REGIONS:
        problem += (
            f"; Azure offers no zone-redundant registry in {_show(location)}: waive this rule "
            "with that reason, or deploy to a region with availability zones"
        )
    return problem


def hub_of(subject: Subject, facts: Facts) -> Subject | None:
    """The hub workspace of a project (``kind: Project``) among the stack's resources, by its
    ``hubResourceId``; None for other workspaces, or a hub outside the stack."""
    if lookup(subject.inputs, "kind") != "Project":
        return None
    hub_id = str(lookup(subject.inputs, "hubResourceId")).lower()
    for workspace in facts.of_type(WORKSPACE):
        tail = (
            f"/resourcegroups/{lookup(workspace.inputs, 'resourceGroupName')}/providers/"
            f"microsoft.machinelearningservices/workspaces/"
            f"{lookup(workspace.inputs, 'workspaceName')}"
        ).lower()
        if hub_id.endswith(tail):
            return workspace
    return None


def _hub_network(check: Check) -> Check:
    """`check` on the workspace, or on its hub for a project: a hub's projects use the hub's
    managed network (Azure AI Foundry docs, "How to configure a managed network for hubs")."""

    def on_the_network_owner(subject: Subject, facts: Facts) -> str | None:
        hub = hub_of(subject, facts)
        if hub is None:
            return check(subject, facts)
        problem = check(hub, facts)
        return None if problem is None else f"its hub's {problem}"

    return on_the_network_owner


def _in_a_network(subject: Subject, facts: Facts) -> str | None:
    """A compute joins a subnet, or lives in its workspace's managed network (a project's: its
    hub's)."""
    if lookup(subject.inputs, "properties.computeType") not in ("AmlCompute", "ComputeInstance"):
        return None
    if present(subject.inputs, "properties.properties.subnet.id"):
        return None
    workspace_name = lookup(subject.inputs, "workspaceName")
    for workspace in facts.of_type(WORKSPACE):
        if lookup(workspace.inputs, "workspaceName") != workspace_name:
            continue
        owner = hub_of(workspace, facts) or workspace
        if lookup(owner.inputs, "managedNetwork.isolationMode") in (
            "AllowInternetOutbound",
            "AllowOnlyApprovedOutbound",
        ):
            return None
    return (
        "properties.properties.subnet.id is not set and the workspace has no managed network; "
        "required a subnet, or the workspace's managed network"
    )


def _rule(  # noqa: PLR0917 (one positional argument per column of the baseline table)
    rule_id: str,
    summary: str,
    types: str | tuple[str, ...],
    path: str,
    required: str,
    tiers: frozenset[str],
    sources: str,
    check: Check,
    *,
    level: Level = "mandatory",
    needs_stack: bool = False,
    note: str = "",
) -> Rule:
    return Rule(
        id=rule_id,
        summary=summary,
        resource_types=(types,) if isinstance(types, str) else types,
        path=path,
        required=required,
        tiers=tiers,
        level=level,
        sources=sources,
        check=check,
        needs_stack=needs_stack,
        note=note,
    )


_GEO_REDUNDANT = frozenset({"Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"})
_STATEFUL = (WORKSPACE, STORAGE_ACCOUNT, KEY_VAULT, CONTAINER_REGISTRY, ML_REGISTRY)

_BASELINE: tuple[Rule, ...] = (
    # Machine Learning workspace
    _rule(
        "workspace-public-network-disabled",
        "workspace public network access disabled",
        WORKSPACE,
        "publicNetworkAccess",
        "'Disabled'",
        _PROD,
        "Azure Policy 438c38d2; CKV_AZURE_144",
        _equals("publicNetworkAccess", "Disabled"),
    ),
    _rule(
        "workspace-managed-network-approved-outbound",
        "workspace managed network allows only approved outbound",
        WORKSPACE,
        "managedNetwork.isolationMode",
        "'AllowOnlyApprovedOutbound'",
        _PROD,
        "Azure Policy 6ddb1705",
        _hub_network(_equals("managedNetwork.isolationMode", "AllowOnlyApprovedOutbound")),
        needs_stack=True,
    ),
    _rule(
        "workspace-user-assigned-identity",
        "workspace uses a user-assigned identity",
        WORKSPACE,
        "primaryUserAssignedIdentity",
        "set",
        _PROD,
        "Azure Policy 5f0c7d88",
        _is_set("primaryUserAssignedIdentity"),
    ),
    _rule(
        "workspace-identity-datastores",
        "workspace system datastores use identity, not account keys",
        WORKSPACE,
        "systemDatastoresAuthMode",
        "'Identity'",
        _DEV_AND_PROD,
        "needed with Azure Policy 8c6a50c6 (no shared keys)",
        _equals("systemDatastoresAuthMode", "Identity"),
    ),
    _rule(
        "workspace-cmk-encryption",
        "workspace encrypted with the customer-managed key its config asks for",
        WORKSPACE,
        "encryption.status",
        "'Enabled' when workspaces[].encryption is set",
        _PROD,
        "Azure Policy ba769a63, 7f40cee6",
        _when_encrypted(
            _equals("encryption.status", "Enabled"), _is_set("encryption.keyVaultProperties")
        ),
    ),
    _rule(
        "workspace-diagnostic-settings",
        "workspace logs go to Log Analytics",
        WORKSPACE,
        "monitor:DiagnosticSetting on the workspace",
        "components.diagnostics: allLogs on (audit listed off), AllMetrics, workspaceId set",
        _PROD,
        "Azure Policy afe0c3be, 90c90eda",
        _diagnostics,
        needs_stack=True,
    ),
    # Computes
    _rule(
        "compute-local-auth-disabled",
        "compute local authentication disabled",
        COMPUTE,
        "properties.disableLocalAuth",
        "true",
        _DEV_AND_PROD,
        "Azure Policy e96a9a5f; CKV_AZURE_142",
        _equals("properties.disableLocalAuth", True),
    ),
    _rule(
        "compute-instance-idle-shutdown",
        "compute instance shuts down when idle",
        COMPUTE,
        "properties.properties.idleTimeBeforeShutdown",
        "ISO 8601, PT15M to P3D",
        _DEV_AND_PROD,
        "Azure Policy 679ddf89",
        _for_compute("ComputeInstance", _idle_shutdown),
    ),
    _rule(
        "compute-cluster-scale-to-zero",
        "compute cluster scales to zero nodes",
        COMPUTE,
        "properties.properties.scaleSettings.minNodeCount",
        "0",
        _DEV_AND_PROD,
        "CKV_AZURE_150",
        _for_compute("AmlCompute", _equals("properties.properties.scaleSettings.minNodeCount", 0)),
    ),
    _rule(
        "compute-no-public-ip",
        "compute nodes have no public IP",
        COMPUTE,
        "properties.properties.enableNodePublicIp",
        "false (the provider fills true when absent)",
        _PROD,
        "baseline: no public node IP",
        _no_public_ip,
    ),
    _rule(
        "compute-no-public-ssh",
        "compute has no public SSH",
        COMPUTE,
        "properties.properties.remoteLoginPortPublicAccess (cluster), "
        "properties.properties.sshSettings.sshPublicAccess (instance)",
        "'Disabled'",
        _PROD,
        "baseline: no public SSH",
        _no_public_ssh,
    ),
    # Online endpoints
    _rule(
        "endpoint-token-auth",
        "online endpoint authenticates with tokens, not keys",
        ONLINE_ENDPOINT,
        "properties.authMode",
        "'AMLToken' or 'AADToken'",
        _PROD,
        "baseline: endpoint auth not key-based",
        _one_of("properties.authMode", frozenset({"AMLToken", "AADToken"})),
    ),
    _rule(
        "endpoint-public-network-disabled",
        "online endpoint public network access disabled",
        ONLINE_ENDPOINT,
        "properties.publicNetworkAccess",
        "'Disabled'",
        _PROD,
        "baseline: endpoint public access",
        _equals("properties.publicNetworkAccess", "Disabled"),
    ),
    # Automation: batch endpoints, job schedules and serverless compute. Batch endpoints have no
    # network or diagnostic settings of their own: they take the workspace's public network
    # access when they are created (Azure ML docs, "Network isolation in batch endpoints"), and
    # their jobs, like scheduled runs, log through the workspace's diagnostic setting (Azure
    # Monitor lists resource logs for workspaces and online endpoints, none for batch endpoints
    # or schedules).
    _rule(
        "batch-endpoint-token-auth",
        "batch endpoint authenticates with Microsoft Entra tokens",
        BATCH_ENDPOINT,
        "properties.authMode",
        "'AADToken'",
        _DEV_AND_PROD,
        "baseline: endpoint auth not key-based",
        _equals("properties.authMode", "AADToken"),
    ),
    _rule(
        "batch-endpoint-private-workspace",
        "batch endpoint created in a workspace without public network access",
        BATCH_ENDPOINT,
        "publicNetworkAccess of its workspace",
        "'Disabled'",
        _PROD,
        "baseline: endpoint public access (Azure Policy 438c38d2 through the workspace)",
        _in_workspace(_equals("publicNetworkAccess", "Disabled")),
        needs_stack=True,
    ),
    _rule(
        "automation-diagnostic-settings",
        "batch endpoint and schedule runs log to Log Analytics through their workspace",
        (BATCH_ENDPOINT, SCHEDULE),
        "monitor:DiagnosticSetting on its workspace",
        "logs enabled, workspaceId set",
        _PROD,
        "Azure Policy afe0c3be through the workspace",
        _in_workspace(_diagnostics),
        needs_stack=True,
    ),
    _rule(
        "workspace-serverless-no-public-ip",
        "serverless compute in a custom subnet gets no public IP",
        WORKSPACE,
        "serverlessComputeSettings.serverlessComputeNoPublicIP",
        "true when serverlessComputeSettings is set",
        _PROD,
        "baseline: no public node IP",
        _serverless_without_public_ip,
    ),
    # Storage account
    _rule(
        "storage-no-public-blob-access",
        "storage allows no anonymous blob access",
        STORAGE_ACCOUNT,
        "allowBlobPublicAccess",
        "false",
        _DEV_AND_PROD,
        "Azure Policy 4fa4b6c0; CKV_AZURE_190",
        _equals("allowBlobPublicAccess", False),
    ),
    _rule(
        "storage-tls12",
        "storage requires TLS 1.2",
        STORAGE_ACCOUNT,
        "minimumTlsVersion",
        "'TLS1_2'",
        _DEV_AND_PROD,
        "Azure Policy fe83a0eb; CKV_AZURE_44",
        _equals("minimumTlsVersion", "TLS1_2"),
    ),
    _rule(
        "storage-https-only",
        "storage accepts HTTPS only",
        STORAGE_ACCOUNT,
        "enableHttpsTrafficOnly",
        "true",
        _DEV_AND_PROD,
        "Azure Policy 404c3081; CKV_AZURE_3",
        _equals("enableHttpsTrafficOnly", True),
    ),
    _rule(
        "storage-no-shared-key",
        "storage refuses shared key (account key) access",
        STORAGE_ACCOUNT,
        "allowSharedKeyAccess",
        "false",
        _DEV_AND_PROD,
        "Azure Policy 8c6a50c6; CKV2_AZURE_40",
        _equals("allowSharedKeyAccess", False),
    ),
    _rule(
        "storage-no-cross-tenant-replication",
        "storage does not replicate to other tenants",
        STORAGE_ACCOUNT,
        "allowCrossTenantReplication",
        "false",
        _DEV_AND_PROD,
        "Azure Policy 92a89a79",
        _equals("allowCrossTenantReplication", False),
    ),
    _rule(
        "storage-public-network-disabled",
        "storage public network access disabled",
        STORAGE_ACCOUNT,
        "publicNetworkAccess",
        "'Disabled'",
        _PROD,
        "Azure Policy b2982f36; CKV_AZURE_59",
        _equals("publicNetworkAccess", "Disabled"),
    ),
    _rule(
        "storage-firewall-deny",
        "storage firewall denies by default and lets trusted Azure services through",
        STORAGE_ACCOUNT,
        "networkRuleSet.defaultAction / .bypass / .ipRules",
        "'Deny' / contains 'AzureServices' / none",
        _PROD,
        "Azure Policy 34c877ad, c9d007d0, 2a1a9cdf, db4f9b05; CKV_AZURE_35",
        _firewall,
    ),
    _rule(
        "storage-geo-redundant",
        "storage is geo-redundant",
        STORAGE_ACCOUNT,
        "sku.name",
        "Standard_GRS, Standard_RAGRS, Standard_GZRS or Standard_RAGZRS",
        _PROD,
        "Azure Policy bf045164",
        _one_of("sku.name", _GEO_REDUNDANT),
    ),
    _rule(
        "storage-diagnostic-settings",
        "storage account metrics and its services' logs go to Log Analytics",
        STORAGE_ACCOUNT,
        "monitor:DiagnosticSetting on the account and on <account>/<blob|file|queue|table>"
        "Services/default",
        "components.diagnostics: metrics (account), allLogs (services), workspaceId set",
        _PROD,
        "Azure Policy 59759c62, b4fe1a3b, 25a70cc8, 7bd000e3, 2fb86bf3",
        _diagnostics,
        level="advisory",
        needs_stack=True,
    ),
    _rule(
        "blob-soft-delete",
        "deleted blobs and containers can be restored",
        BLOB_SERVICE,
        "deleteRetentionPolicy.enabled, containerDeleteRetentionPolicy.enabled",
        "true, true",
        _DEV_AND_PROD,
        "Azure Policy 9fbd64e3",
        _all(
            _equals("deleteRetentionPolicy.enabled", True),
            _equals("containerDeleteRetentionPolicy.enabled", True),
        ),
    ),
    _rule(
        "blob-versioning",
        "blob versioning on (not offered on ADLS Gen2 accounts)",
        BLOB_SERVICE,
        "isVersioningEnabled",
        "true",
        _PROD,
        "Azure Policy c36a325b",
        _versioned_unless_hierarchical,
        needs_stack=True,
        note="Differs from c36a325b, which reports every blob service without versioning: Azure "
        "offers no blob versioning on hierarchical-namespace (ADLS Gen2) accounts, so the "
        "workspace's data lake is exempt (soft delete still protects it). Exempt its blob "
        "service from c36a325b with category Mitigated.",
    ),
    # Key vault
    _rule(
        "keyvault-rbac",
        "key vault uses Azure RBAC, not access policies",
        KEY_VAULT,
        "properties.enableRbacAuthorization",
        "true",
        _DEV_AND_PROD,
        "Azure Policy 12d4fa5e",
        _equals("properties.enableRbacAuthorization", True),
    ),
    _rule(
        "keyvault-soft-delete",
        "key vault soft delete on",
        KEY_VAULT,
        "properties.enableSoftDelete",
        "true",
        _DEV_AND_PROD,
        "Azure Policy 1e66c121, 0b60c0b2; CKV_AZURE_42",
        _equals("properties.enableSoftDelete", True),
    ),
    _rule(
        "keyvault-purge-protection",
        "key vault purge protection on",
        KEY_VAULT,
        "properties.enablePurgeProtection",
        "true",
        _PROD,
        "Azure Policy 0b60c0b2; CKV_AZURE_110",
        _equals("properties.enablePurgeProtection", True),
    ),
    _rule(
        "keyvault-public-network-disabled",
        "key vault public network access disabled",
        KEY_VAULT,
        "properties.publicNetworkAccess",
        "'Disabled'",
        _PROD,
        "Azure Policy 405c5871, 55615ac9; CKV_AZURE_189",
        _equals("properties.publicNetworkAccess", "Disabled"),
    ),
    _rule(
        "keyvault-diagnostic-settings",
        "key vault logs go to Log Analytics",
        KEY_VAULT,
        "monitor:DiagnosticSetting on the vault",
        "components.diagnostics: AuditEvent and AzurePolicyEvaluationDetails on, AllMetrics, "
        "workspaceId set",
        _PROD,
        "Azure Policy cf820ca0, 951af2fa, bef3f64c",
        _diagnostics,
        level="advisory",
        needs_stack=True,
    ),
    # Container registry
    _rule(
        "registry-admin-user-disabled",
        "container registry admin user disabled",
        CONTAINER_REGISTRY,
        "adminUserEnabled",
        "false",
        _DEV_AND_PROD,
        "Azure Policy dc921057; CKV_AZURE_137",
        _equals("adminUserEnabled", False),
    ),
    _rule(
        "registry-anonymous-pull-disabled",
        "container registry anonymous pull disabled",
        CONTAINER_REGISTRY,
        "anonymousPullEnabled",
        "false",
        _DEV_AND_PROD,
        "Azure Policy 9f2dea28; CKV_AZURE_138",
        _equals("anonymousPullEnabled", False),
    ),
    _rule(
        "registry-public-network-disabled",
        "container registry public network access disabled",
        CONTAINER_REGISTRY,
        "publicNetworkAccess",
        "'Disabled' (needs sku Premium)",
        _PROD,
        "Azure Policy 0fdf0491, d0793b48; CKV_AZURE_139",
        _equals("publicNetworkAccess", "Disabled"),
    ),
    # Monitoring
    _rule(
        "appinsights-local-auth-disabled",
        "Application Insights local (key) auth off",
        APP_INSIGHTS,
        "disableLocalAuth",
        "true",
        _DEV_AND_PROD,
        "Azure Policy 199d5677",
        _equals("disableLocalAuth", True),
    ),
    _rule(
        "appinsights-workspace-based",
        "Application Insights is workspace-based",
        APP_INSIGHTS,
        "workspaceResourceId",
        "set",
        _DEV_AND_PROD,
        "Azure Policy d550e854",
        _is_set("workspaceResourceId"),
    ),
    _rule(
        "loganalytics-local-auth-disabled",
        "Log Analytics local (key) auth off",
        LOG_ANALYTICS,
        "features.disableLocalAuth",
        "true",
        _DEV_AND_PROD,
        "Azure Policy e15effd4",
        _equals("features.disableLocalAuth", True),
    ),
    # Data-loss guards
    _rule(
        "stateful-protected",
        "stateful resources are Pulumi-protected",
        _STATEFUL,
        "protect (resource option)",
        "true",
        _PROD,
        "baseline: data-loss guards",
        _protected,
    ),
    _rule(
        "stateful-delete-lock",
        "stateful data stores carry a CanNotDelete lock",
        (STORAGE_ACCOUNT, KEY_VAULT, CONTAINER_REGISTRY, ML_REGISTRY),
        "authorization:ManagementLockByScope on the resource, or a resource group lock",
        "level 'CanNotDelete'",
        _PROD,
        "baseline: data-loss guards",
        _delete_locked,
        needs_stack=True,
    ),
)

# --- Azure's built-in policies beyond the baseline table ----------------------------------------

_VNET_NOTE = (
    "Differs from 7804b5c7 (in the Microsoft cloud security benchmark), which reports every "
    "compute without a subnet: computes in a workspace's managed network cannot join a customer "
    "virtual network, and the managed network meets the intent (no public IP, outbound only "
    "through the workspace's managed network, inbound only through its private endpoints). "
    "Computes with a subnet must have one. Exempt the managed-network computes from the "
    "benchmark's reference azureMachineLearningComputesShouldBeInAVirtualNetwork (exemption "
    "category Mitigated): see docs/security.md."
)
_DIAGNOSTIC_REQUIRED = "components.diagnostics: its row of the table, workspaceId set"

_BUILTINS: tuple[Rule, ...] = (
    _rule(
        "compute-in-virtual-network",
        "compute joins a subnet or the workspace's managed network",
        COMPUTE,
        "properties.properties.subnet.id, or the workspace's managedNetwork.isolationMode",
        "set / 'AllowInternetOutbound' or 'AllowOnlyApprovedOutbound'",
        _DEV_AND_PROD,
        "Azure Policy 7804b5c7",
        _in_a_network,
        needs_stack=True,
        note=_VNET_NOTE,
    ),
    _rule(
        "storage-sas-policy",
        "storage SAS tokens expire within 7 days, or are refused",
        STORAGE_ACCOUNT,
        "sasPolicy.sasExpirationPeriod / sasPolicy.expirationAction",
        "at most '7.00:00:00' / 'Block'",
        _DEV_AND_PROD,
        "Azure Policy bc1b984e, 7aa1c9d5",
        _sas_policy,
    ),
    _rule(
        "storage-infrastructure-encryption",
        "storage encrypts twice at rest (infrastructure encryption)",
        STORAGE_ACCOUNT,
        "encryption.requireInfrastructureEncryption",
        "true (fixed at creation)",
        _PROD,
        "Azure Policy 4733ea7b",
        _equals("encryption.requireInfrastructureEncryption", True),
    ),
    _rule(
        "storage-cmk-encryption",
        "storage encrypted with the customer-managed key its config asks for",
        STORAGE_ACCOUNT,
        "encryption.keySource, encryption.services.{queue,table}.keyType",
        "'Microsoft.Keyvault', 'Account' when workspaces[].encryption is set",
        _PROD,
        "Azure Policy 6fac406b, f0e5abd0, 7c322315",
        _when_encrypted(
            _equals("encryption.keySource", "Microsoft.Keyvault"),
            _is_set("encryption.keyVaultProperties"),
            _equals("encryption.services.queue.keyType", "Account"),
            _equals("encryption.services.table.keyType", "Account"),
        ),
    ),
    _rule(
        "storage-zone-redundant",
        "storage is zone-redundant",
        STORAGE_ACCOUNT,
        "sku.name",
        "Standard_ZRS, Standard_GZRS or Standard_RAGZRS",
        _PROD,
        "Azure Policy 85b005b2",
        _one_of("sku.name", frozenset({"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"})),
        level="advisory",
    ),
    _rule(
        "registry-exports-disabled",
        "container registry exports disabled",
        CONTAINER_REGISTRY,
        "policies.exportPolicy.status / publicNetworkAccess",
        "'disabled' / 'Disabled' (Premium)",
        _PROD,
        "Azure Policy 524b0254",
        _all(
            _equals("policies.exportPolicy.status", "disabled"),
            _equals("publicNetworkAccess", "Disabled"),
        ),
    ),
    _rule(
        "registry-arm-audience-tokens-disabled",
        "container registry refuses ARM audience tokens",
        CONTAINER_REGISTRY,
        "policies.azureADAuthenticationAsArmPolicy.status",
        "'disabled'",
        _DEV_AND_PROD,
        "Azure Policy 42781ec6",
        _equals("policies.azureADAuthenticationAsArmPolicy.status", "disabled"),
    ),
    _rule(
        "registry-zone-redundant",
        "container registry is zone-redundant where Azure offers it",
        CONTAINER_REGISTRY,
        "zoneRedundancy",
        "'Enabled' (Premium; fixed at creation)",
        _PROD,
        "Azure Policy 9d2b0a20",
        _zone_redundant_registry,
    ),
    _rule(
        "registry-premium",
        "container registry on a SKU that supports private link",
        CONTAINER_REGISTRY,
        "sku.name",
        "'Premium'",
        _PROD,
        "Azure Policy bd560fc0",
        _equals("sku.name", "Premium"),
    ),
    _rule(
        "registry-cmk-encryption",
        "container registry encrypted with the customer-managed key its config asks for",
        CONTAINER_REGISTRY,
        "encryption.status",
        "'enabled' when workspaces[].encryption is set",
        _PROD,
        "Azure Policy 5b9159ae",
        _when_encrypted(
            _equals("encryption.status", "enabled"), _is_set("encryption.keyVaultProperties")
        ),
    ),
    *(
        _rule(
            f"{key}-diagnostic-settings",
            f"{what} logs go to Log Analytics",
            type_token,
            "monitor:DiagnosticSetting on the resource",
            _DIAGNOSTIC_REQUIRED,
            _PROD,
            "Azure Policy "
            + ", ".join(diagnostics.DIAGNOSTICS[_PULUMI_TO_ARM[type_token]].builtins),
            _diagnostics,
            level="advisory",
            needs_stack=True,
        )
        for key, what, type_token in (
            ("registry", "container registry", CONTAINER_REGISTRY),
            ("appinsights", "Application Insights", APP_INSIGHTS),
            ("loganalytics", "Log Analytics", LOG_ANALYTICS),
            ("endpoint", "online endpoint", ONLINE_ENDPOINT),
            ("autoscale", "autoscale setting", AUTOSCALE),
            ("ml-registry", "Azure ML registry", ML_REGISTRY),
        )
    ),
)

RULES: tuple[Rule, ...] = (*_BASELINE, *_BUILTINS)
"""Every rule: the baseline's, in its order, then those for the other Azure built-ins."""

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)


def rule_by_id(rule_id: str) -> Rule:
    """The rule with id `rule_id`; a `ConfigError` (naming the closest id) when there is none."""
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise ConfigError.single("rule", rule_id, unknown_rule(rule_id))


def unknown_rule(rule_id: str) -> str:
    """What to say about `rule_id`, which is no rule's id: the closest id, and where ids are."""
    close = difflib.get_close_matches(rule_id, RULE_IDS, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown rule; {hint}expected a rule id listed by 'amlstack policies'"
