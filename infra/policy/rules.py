"""The security baseline (SECURITY_BASELINE.md) as rules: one per row, each a plain function.

A rule looks at the inputs a resource sends to Azure (camelCase, as pulumi-azure-native sends
them), its ``protect`` flag and, for a few, the other resources of the stack (diagnostic settings,
locks). The same functions run in the offline plan (over recorded resources) and in the CrossGuard
policy pack (over what the Pulumi engine passes), so both report the same violations.

Values the engine does not know yet during a preview raise pulumi-policy's ``UnknownValueError``
when a rule reads them; the pack reports those as "cannot run during preview", never as a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Literal

from components.durations import parse_duration
from components.errors import MISSING

__all__ = [
    "RULES",
    "RULE_IDS",
    "Check",
    "Facts",
    "Level",
    "Rule",
    "Subject",
    "present",
    "rule_by_id",
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

    @property
    def description(self) -> str:
        tiers = " and ".join(sorted(self.tiers))
        return f"{self.summary} ({self.sources}); {tiers} stacks"


def _lookup(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `path`, or the missing marker."""
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
    parent = _lookup(inputs, ".".join(parents)) if parents else inputs
    return isinstance(parent, Mapping) and _has_key(parent, last)


def _has_key(mapping: Mapping[str, Any], key: str) -> bool:
    # Iterating keys never reads values, so an unknown (computed) value still counts as present.
    return any(k == key for k in mapping)


def _show(value: Any) -> str:
    return "not set" if value is MISSING else repr(value)


def _equals(path: str, expected: object) -> Check:
    def check(subject: Subject, _facts: Facts) -> str | None:
        value = _lookup(subject.inputs, path)
        if value is not MISSING and value == expected:
            return None
        return f"{path} is {_show(value)}; required {expected!r}"

    return check


def _one_of(path: str, allowed: frozenset[str]) -> Check:
    def check(subject: Subject, _facts: Facts) -> str | None:
        value = _lookup(subject.inputs, path)
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
        if _lookup(subject.inputs, "properties.computeType") != kind:
            return None
        return inner(subject, facts)

    return check


_IDLE_MIN, _IDLE_MAX = timedelta(minutes=15), timedelta(days=3)


def _idle_shutdown(subject: Subject, _facts: Facts) -> str | None:
    path = "properties.properties.idleTimeBeforeShutdown"
    value = _lookup(subject.inputs, path)
    duration = parse_duration(value) if isinstance(value, str) else None
    if duration is not None and _IDLE_MIN <= duration <= _IDLE_MAX:
        return None
    return f"{path} is {_show(value)}; required an ISO 8601 duration from PT15M to P3D"


def _no_public_ssh(subject: Subject, facts: Facts) -> str | None:
    kind = _lookup(subject.inputs, "properties.computeType")
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
    if _lookup(subject.inputs, "properties.computeType") not in ("AmlCompute", "ComputeInstance"):
        return None
    return _equals("properties.properties.enableNodePublicIp", False)(subject, facts)


def _firewall(subject: Subject, _facts: Facts) -> str | None:
    action = _lookup(subject.inputs, "networkRuleSet.defaultAction")
    bypass = _lookup(subject.inputs, "networkRuleSet.bypass")
    bypassed = {part.strip() for part in bypass.split(",")} if isinstance(bypass, str) else set()
    if action == "Deny" and "AzureServices" in bypassed:
        return None
    return (
        f"networkRuleSet.defaultAction is {_show(action)} and networkRuleSet.bypass is "
        f"{_show(bypass)}; required 'Deny' and a bypass containing 'AzureServices'"
    )


def _protected(subject: Subject, _facts: Facts) -> str | None:
    if subject.protect:
        return None
    return "the resource is not protected; required Pulumi protect (WorkspaceArgs.protect)"


def _logs_to_log_analytics(subject: Subject, facts: Facts) -> str | None:
    for setting in facts.depending_on(subject, DIAGNOSTIC_SETTINGS):
        logs = _lookup(setting.inputs, "logs")
        enabled = isinstance(logs, Iterable) and any(
            isinstance(log, Mapping) and _lookup(log, "enabled") is True for log in logs
        )
        if enabled and present(setting.inputs, "workspaceId"):
            return None
    return "no diagnostic setting sends its logs to a Log Analytics workspace"


def _versioned_unless_hierarchical(subject: Subject, facts: Facts) -> str | None:
    """Blob versioning, except on a hierarchical-namespace (ADLS Gen2) account: Azure offers no
    versioning there, so the rule cannot apply (soft delete still does)."""
    account = _lookup(subject.inputs, "accountName")
    if any(
        _lookup(a.inputs, "accountName") == account and _lookup(a.inputs, "isHnsEnabled") is True
        for a in facts.of_type(STORAGE_ACCOUNT)
    ):
        return None
    return _equals("isVersioningEnabled", True)(subject, facts)


def _delete_locked(subject: Subject, facts: Facts) -> str | None:
    if any(
        _lookup(lock.inputs, "level") == "CanNotDelete" for lock in facts.of_type(GROUP_LOCK)
    ) or any(
        _lookup(lock.inputs, "level") == "CanNotDelete"
        for lock in facts.depending_on(subject, RESOURCE_LOCKS)
    ):
        return None
    return "no CanNotDelete management lock on the resource or its resource group"


def _cmk_when_asked(subject: Subject, facts: Facts) -> str | None:
    if workspace_of(subject.name, facts.workspaces) not in facts.encrypted_workspaces:
        return None
    return _all(_equals("encryption.status", "Enabled"), _is_set("encryption.keyVaultProperties"))(
        subject, facts
    )


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
    )


_GEO_REDUNDANT = frozenset({"Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"})
_STATEFUL = (WORKSPACE, STORAGE_ACCOUNT, KEY_VAULT, CONTAINER_REGISTRY, ML_REGISTRY)

RULES: tuple[Rule, ...] = (
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
        _equals("managedNetwork.isolationMode", "AllowOnlyApprovedOutbound"),
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
        "Azure Policy ba769a63",
        _cmk_when_asked,
    ),
    _rule(
        "workspace-diagnostic-settings",
        "workspace logs go to Log Analytics",
        WORKSPACE,
        "monitor:DiagnosticSetting on the workspace",
        "logs enabled, workspaceId set",
        _PROD,
        "Azure Policy afe0c3be",
        _logs_to_log_analytics,
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
        _in_workspace(_logs_to_log_analytics),
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
        "networkRuleSet.defaultAction / networkRuleSet.bypass",
        "'Deny' / contains 'AzureServices'",
        _PROD,
        "Azure Policy 34c877ad, c9d007d0; CKV_AZURE_35",
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
        "storage (blob service) logs go to Log Analytics",
        STORAGE_ACCOUNT,
        "monitor:DiagnosticSetting on <account>/blobServices/default",
        "logs enabled, workspaceId set",
        _PROD,
        "Azure Security Benchmark LT-3",
        _logs_to_log_analytics,
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
        "Azure Policy 0b60c0b2; CKV_AZURE_42",
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
        "Azure Policy 405c5871; CKV_AZURE_189",
        _equals("properties.publicNetworkAccess", "Disabled"),
    ),
    _rule(
        "keyvault-diagnostic-settings",
        "key vault logs go to Log Analytics",
        KEY_VAULT,
        "monitor:DiagnosticSetting on the vault",
        "logs enabled, workspaceId set",
        _PROD,
        "Azure Policy cf820ca0",
        _logs_to_log_analytics,
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
        "Azure Policy 0fdf0491; CKV_AZURE_139",
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
"""Every rule, in baseline order."""

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)


def rule_by_id(rule_id: str) -> Rule:
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)
