"""The baseline's rules on synthetic resources: each rule passes its good inputs and fails its bad
ones, for every resource type the baseline covers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from components import diagnostics
from components.errors import ConfigError
from infra.config import parse_stack_config
from infra.policy import (
    RULE_IDS,
    RULES,
    Facts,
    PolicyContext,
    Subject,
    WaiverArgs,
    check,
    check_waivers,
    evaluate,
    rule_by_id,
    unused_waivers,
    workspace_of,
)
from infra.policy.builtins import BUILTINS
from infra.tiers import PRESETS, TIER_PRESETS
from tests.conftest import REACHABLE_NETWORK

ML = "azure-native:machinelearningservices"
WORKSPACE = f"{ML}:Workspace"
COMPUTE = f"{ML}:Compute"
ENDPOINT = f"{ML}:OnlineEndpoint"
BATCH = f"{ML}:BatchEndpoint"
SCHEDULE = f"{ML}:Schedule"
STORAGE = "azure-native:storage:StorageAccount"
BLOB = "azure-native:storage:BlobServiceProperties"
VAULT = "azure-native:keyvault:Vault"
ACR = "azure-native:containerregistry:Registry"
INSIGHTS = "azure-native:applicationinsights:Component"
LOGS = "azure-native:operationalinsights:Workspace"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
LOCK = "azure-native:authorization:ManagementLockByScope"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
ML_REGISTRY = f"{ML}:Registry"


def subject(
    type_token: str,
    inputs: dict[str, Any],
    *,
    name: str = "main-thing",
    protect: bool = False,
    dependencies: frozenset[str] = frozenset(),
) -> Subject:
    return Subject(
        urn=f"urn:pulumi:prod::amlstack::{type_token}::{name}",
        type=type_token,
        name=name,
        inputs=inputs,
        protect=protect,
        dependencies=dependencies,
    )


def cluster(**props: Any) -> dict[str, Any]:
    inner = {
        "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4},
        "enableNodePublicIp": False,
        "remoteLoginPortPublicAccess": "Disabled",
        **props,
    }
    return {
        "properties": {"computeType": "AmlCompute", "disableLocalAuth": True, "properties": inner}
    }


def instance(**props: Any) -> dict[str, Any]:
    inner = {
        "idleTimeBeforeShutdown": "PT30M",
        "enableNodePublicIp": False,
        "sshSettings": {"sshPublicAccess": "Disabled"},
        **props,
    }
    return {
        "properties": {
            "computeType": "ComputeInstance",
            "disableLocalAuth": True,
            "properties": inner,
        }
    }


def endpoint(**props: Any) -> dict[str, Any]:
    return {"properties": {"authMode": "AMLToken", "publicNetworkAccess": "Disabled", **props}}


# rule id -> (resource type, inputs that comply, inputs that violate), for the rules that look at
# one resource only. Stack rules (diagnostics, locks) and protect are tested below.
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "workspace-public-network-disabled": (
        WORKSPACE,
        {"publicNetworkAccess": "Disabled"},
        {},
    ),
    "workspace-managed-network-approved-outbound": (
        WORKSPACE,
        {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}},
        {"managedNetwork": {"isolationMode": "AllowInternetOutbound"}},
    ),
    "workspace-user-assigned-identity": (
        WORKSPACE,
        {"primaryUserAssignedIdentity": "/subscriptions/x/id"},
        {},
    ),
    "workspace-identity-datastores": (
        WORKSPACE,
        {"systemDatastoresAuthMode": "Identity"},
        {"systemDatastoresAuthMode": "AccessKey"},
    ),
    "compute-local-auth-disabled": (
        COMPUTE,
        cluster(),
        {"properties": {"computeType": "AmlCompute", "disableLocalAuth": False}},
    ),
    "compute-instance-idle-shutdown": (COMPUTE, instance(), instance(idleTimeBeforeShutdown="P7D")),
    "compute-cluster-scale-to-zero": (
        COMPUTE,
        cluster(),
        cluster(scaleSettings={"minNodeCount": 1, "maxNodeCount": 4}),
    ),
    "compute-no-public-ip": (COMPUTE, instance(), cluster(enableNodePublicIp=True)),
    "compute-no-public-ssh": (
        COMPUTE,
        cluster(),
        instance(sshSettings={"sshPublicAccess": "Enabled"}),
    ),
    "endpoint-token-auth": (ENDPOINT, endpoint(authMode="AADToken"), endpoint(authMode="Key")),
    "endpoint-public-network-disabled": (
        ENDPOINT,
        endpoint(),
        endpoint(publicNetworkAccess="Enabled"),
    ),
    "batch-endpoint-token-auth": (
        BATCH,
        {"properties": {"authMode": "AADToken"}},
        {"properties": {"authMode": "Key"}},
    ),
    "workspace-serverless-no-public-ip": (
        WORKSPACE,
        {"serverlessComputeSettings": {"serverlessComputeNoPublicIP": True}},
        {"serverlessComputeSettings": {"serverlessComputeCustomSubnet": "/x/subnets/jobs"}},
    ),
    "storage-no-public-blob-access": (
        STORAGE,
        {"allowBlobPublicAccess": False},
        {"allowBlobPublicAccess": True},
    ),
    "storage-tls12": (STORAGE, {"minimumTlsVersion": "TLS1_2"}, {"minimumTlsVersion": "TLS1_0"}),
    "storage-https-only": (STORAGE, {"enableHttpsTrafficOnly": True}, {}),
    "storage-no-shared-key": (
        STORAGE,
        {"allowSharedKeyAccess": False},
        {"allowSharedKeyAccess": True},
    ),
    "storage-no-cross-tenant-replication": (
        STORAGE,
        {"allowCrossTenantReplication": False},
        {},
    ),
    "storage-public-network-disabled": (
        STORAGE,
        {"publicNetworkAccess": "Disabled"},
        {"publicNetworkAccess": "Enabled"},
    ),
    "storage-firewall-deny": (
        STORAGE,
        {"networkRuleSet": {"defaultAction": "Deny", "bypass": "Logging, AzureServices"}},
        {
            "networkRuleSet": {
                "defaultAction": "Deny",
                "bypass": "AzureServices",
                "ipRules": [{"iPAddressOrRange": "1.2.3.4"}],
            }
        },
    ),
    "storage-geo-redundant": (
        STORAGE,
        {"sku": {"name": "Standard_RAGZRS"}},
        {"sku": {"name": "Standard_ZRS"}},
    ),
    "blob-soft-delete": (
        BLOB,
        {
            "deleteRetentionPolicy": {"enabled": True, "days": 7},
            "containerDeleteRetentionPolicy": {"enabled": True, "days": 7},
        },
        {"deleteRetentionPolicy": {"enabled": True, "days": 7}},
    ),
    "blob-versioning": (BLOB, {"isVersioningEnabled": True}, {"isVersioningEnabled": False}),
    "keyvault-rbac": (
        VAULT,
        {"properties": {"enableRbacAuthorization": True}},
        {"properties": {"enableRbacAuthorization": False}},
    ),
    "keyvault-soft-delete": (
        VAULT,
        {"properties": {"enableSoftDelete": True}},
        {"properties": {"enableSoftDelete": False}},
    ),
    "keyvault-purge-protection": (
        VAULT,
        {"properties": {"enablePurgeProtection": True}},
        {"properties": {}},
    ),
    "keyvault-public-network-disabled": (
        VAULT,
        {"properties": {"publicNetworkAccess": "Disabled"}},
        {"properties": {"publicNetworkAccess": "Enabled"}},
    ),
    "registry-admin-user-disabled": (ACR, {"adminUserEnabled": False}, {"adminUserEnabled": True}),
    "registry-anonymous-pull-disabled": (
        ACR,
        {"anonymousPullEnabled": False},
        {"anonymousPullEnabled": True},
    ),
    "registry-public-network-disabled": (
        ACR,
        {"publicNetworkAccess": "Disabled"},
        {"publicNetworkAccess": "Enabled"},
    ),
    "appinsights-local-auth-disabled": (INSIGHTS, {"disableLocalAuth": True}, {}),
    "appinsights-workspace-based": (INSIGHTS, {"workspaceResourceId": "/x/logs"}, {}),
    "loganalytics-local-auth-disabled": (
        LOGS,
        {"features": {"disableLocalAuth": True}},
        {"features": {"disableLocalAuth": False}},
    ),
    # Azure's built-in policies beyond the baseline table.
    "storage-sas-policy": (
        STORAGE,
        {"sasPolicy": {"sasExpirationPeriod": "7.00:00:00", "expirationAction": "Block"}},
        {"sasPolicy": {"sasExpirationPeriod": "7.00:00:01", "expirationAction": "Block"}},
    ),
    "storage-infrastructure-encryption": (
        STORAGE,
        {"encryption": {"requireInfrastructureEncryption": True}},
        {"encryption": {"keySource": "Microsoft.Storage"}},
    ),
    "storage-zone-redundant": (
        STORAGE,
        {"sku": {"name": "Standard_GZRS"}},
        {"sku": {"name": "Standard_GRS"}},
    ),
    "registry-exports-disabled": (
        ACR,
        {"policies": {"exportPolicy": {"status": "disabled"}}, "publicNetworkAccess": "Disabled"},
        {"policies": {"exportPolicy": {"status": "disabled"}}, "publicNetworkAccess": "Enabled"},
    ),
    "registry-arm-audience-tokens-disabled": (
        ACR,
        {"policies": {"azureADAuthenticationAsArmPolicy": {"status": "disabled"}}},
        {"policies": {}},
    ),
    "registry-zone-redundant": (
        ACR,
        {"zoneRedundancy": "Enabled", "location": "westeurope"},
        {"zoneRedundancy": "Disabled", "location": "westeurope"},
    ),
    "registry-premium": (ACR, {"sku": {"name": "Premium"}}, {"sku": {"name": "Standard"}}),
}
STACK_RULES = {
    "batch-endpoint-private-workspace",
    "automation-diagnostic-settings",
    "workspace-cmk-encryption",
    "storage-cmk-encryption",
    "registry-cmk-encryption",
    "compute-in-virtual-network",
    "stateful-protected",
    "stateful-delete-lock",
}
DIAGNOSTIC_RULES = {
    "workspace-diagnostic-settings": WORKSPACE,
    "storage-diagnostic-settings": STORAGE,
    "keyvault-diagnostic-settings": VAULT,
    "registry-diagnostic-settings": ACR,
    "appinsights-diagnostic-settings": INSIGHTS,
    "loganalytics-diagnostic-settings": LOGS,
    "endpoint-diagnostic-settings": ENDPOINT,
    "autoscale-diagnostic-settings": AUTOSCALE,
    "ml-registry-diagnostic-settings": ML_REGISTRY,
}


def test_every_rule_has_a_case_here() -> None:
    assert set(CASES) | STACK_RULES | set(DIAGNOSTIC_RULES) == set(RULE_IDS)
    assert len(RULE_IDS) == len(set(RULE_IDS))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_a_violation_names_the_azure_built_ins_of_its_rule(rule_id: str) -> None:
    """What the plan and the policy pack print says what Azure Policy would say."""
    rule = rule_by_id(rule_id)
    type_token, good, bad = CASES[rule_id]
    context = PolicyContext(tier="prod")
    assert check(rule, subject(type_token, good), Facts(), context) is None
    finding = check(rule, subject(type_token, bad), Facts(), context)
    assert finding is not None
    assert all(short_id in finding.message for short_id in rule.builtins)


def test_every_built_in_a_rule_names_is_a_known_definition() -> None:
    named = {short_id for rule in RULES for short_id in rule.builtins}
    assert named <= set(BUILTINS)
    assert {"524b0254", "42781ec6", "bc1b984e", "7aa1c9d5", "4733ea7b", "9d2b0a20"} <= named


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_good_inputs_and_fails_bad_ones(rule_id: str) -> None:
    rule = rule_by_id(rule_id)
    type_token, good, bad = CASES[rule_id]
    assert type_token in rule.resource_types
    assert rule.check(subject(type_token, good), Facts()) is None
    violation = rule.check(subject(type_token, bad), Facts())
    assert violation is not None
    assert rule.path.split(" ")[0].split(",")[0] in violation or "required" in violation


def test_an_unknown_rule_id_is_a_config_error_naming_the_closest() -> None:
    with pytest.raises(ConfigError, match=r"rule: 'storage-tls1' .* did you mean 'storage-tls12'"):
        rule_by_id("storage-tls1")


def test_violation_names_the_path_the_value_and_what_is_required() -> None:
    rule = rule_by_id("storage-tls12")
    assert rule.check(subject(STORAGE, {"minimumTlsVersion": "TLS1_0"}), Facts()) == (
        "minimumTlsVersion is 'TLS1_0'; required 'TLS1_2'"
    )
    assert rule.check(subject(STORAGE, {}), Facts()) == (
        "minimumTlsVersion is not set; required 'TLS1_2'"
    )


def test_compute_rules_only_look_at_their_kind_of_compute() -> None:
    idle, zero = (
        rule_by_id("compute-instance-idle-shutdown"),
        rule_by_id("compute-cluster-scale-to-zero"),
    )
    assert idle.check(subject(COMPUTE, cluster()), Facts()) is None
    assert zero.check(subject(COMPUTE, instance()), Facts()) is None
    # pulumi-azure-native fills enableNodePublicIp=true when it is omitted: absent fails.
    no_ip = rule_by_id("compute-no-public-ip")
    inputs = cluster()
    del inputs["properties"]["properties"]["enableNodePublicIp"]
    assert no_ip.check(subject(COMPUTE, inputs), Facts()) is not None
    no_ssh = rule_by_id("compute-no-public-ssh")
    assert no_ssh.check(
        subject(COMPUTE, cluster(remoteLoginPortPublicAccess="NotSpecified")), Facts()
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [("PT15M", True), ("PT14M", False), ("P3D", True), ("P3DT1M", False), ("PT1H", True)],
)
def test_idle_shutdown_range_is_15_minutes_to_3_days(value: str, ok: bool) -> None:
    rule = rule_by_id("compute-instance-idle-shutdown")
    violation = rule.check(subject(COMPUTE, instance(idleTimeBeforeShutdown=value)), Facts())
    assert (violation is None) is ok


@given(
    keys=st.lists(
        st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4})?", fullmatch=True), max_size=4
    ),
    suffix=st.sampled_from(["storage", "keyvault", "pe-blob", "workspace-diagnostics"]),
)
def test_workspace_of_is_the_longest_key_the_name_starts_with(keys: list[str], suffix: str) -> None:
    for key in keys:
        found = workspace_of(f"{key}-{suffix}", keys)
        assert found is not None
        assert f"{key}-{suffix}".startswith(f"{found}-")
        assert len(found) >= len(key)
    assert workspace_of(f"zz9-{suffix}", [k for k in keys if not k.startswith("zz9")]) is None


_ARM_TYPES = {
    WORKSPACE: diagnostics.ML_WORKSPACE,
    STORAGE: diagnostics.STORAGE_ACCOUNT,
    VAULT: diagnostics.KEY_VAULT,
    ACR: diagnostics.CONTAINER_REGISTRY,
    INSIGHTS: diagnostics.APP_INSIGHTS,
    LOGS: diagnostics.LOG_ANALYTICS,
    ENDPOINT: diagnostics.ONLINE_ENDPOINT,
    AUTOSCALE: diagnostics.AUTOSCALE_SETTING,
    ML_REGISTRY: diagnostics.ML_REGISTRY,
}


def diagnostic(
    target: Subject,
    arm_type: str,
    *,
    suffix: str = "",
    enabled: bool = True,
    workspace: bool = True,
) -> Subject:
    """The setting `components.diagnostics` gives `arm_type`, on `target` (+ `suffix`)."""
    profile = diagnostics.DIAGNOSTICS[arm_type]
    logs = [{"categoryGroup": g, "enabled": enabled} for g in profile.groups]
    logs += [{"categoryGroup": g, "enabled": False} for g in profile.groups_off]
    logs += [{"category": c, "enabled": enabled} for c in profile.categories]
    inputs: dict[str, Any] = {
        "resourceUri": f"/subscriptions/x/{target.name}{suffix}",
        "logs": logs,
        "metrics": [{"category": m, "enabled": enabled} for m in profile.metrics],
    }
    if workspace:
        inputs["workspaceId"] = "/subscriptions/x/workspaces/logs"
    return subject(
        DIAGNOSTICS,
        inputs,
        name=f"{target.name}{suffix}-diag",
        dependencies=frozenset({target.urn}),
    )


def settings_of(target: Subject, **options: Any) -> tuple[Subject, ...]:
    arm_type = _ARM_TYPES[target.type]
    settings = [diagnostic(target, arm_type, **options)]
    if target.type == STORAGE:
        settings += [
            diagnostic(target, f"{arm_type}/{s}", suffix=f"/{s}/default", **options)
            for s in diagnostics.STORAGE_SERVICES
        ]
    return tuple(settings)


@pytest.mark.parametrize(("rule_id", "type_token"), sorted(DIAGNOSTIC_RULES.items()))
def test_diagnostic_rules_need_the_settings_of_the_diagnostics_table(
    rule_id: str, type_token: str
) -> None:
    rule = rule_by_id(rule_id)
    target = subject(type_token, {}, name="main-target")
    other = subject(type_token, {}, name="main-other")
    context = PolicyContext(tier="prod")
    assert rule.needs_stack
    assert rule.check(target, Facts(resources=(target, *settings_of(target)))) is None
    assert rule.check(target, Facts(resources=(target, *settings_of(other)))) is not None
    assert rule.check(target, Facts(resources=(target, *settings_of(target, enabled=False))))
    finding = check(
        rule, target, Facts(resources=(target, *settings_of(target, workspace=False))), context
    )
    assert finding is not None
    assert "workspaceId" in finding.violation
    profile = diagnostics.DIAGNOSTICS[_ARM_TYPES[type_token]]
    assert all(short_id in finding.message for short_id in profile.builtins)


def test_a_storage_account_needs_a_setting_on_each_of_its_services() -> None:
    rule = rule_by_id("storage-diagnostic-settings")
    account = subject(STORAGE, {}, name="main-storage")
    without_queue = [s for s in settings_of(account) if "queueServices" not in s.name]
    problem = rule.check(account, Facts(resources=(account, *without_queue)))
    assert problem == "no diagnostic setting on queueServices/default"


def test_serverless_compute_in_the_managed_network_has_no_public_ip_to_refuse() -> None:
    rule = rule_by_id("workspace-serverless-no-public-ip")
    assert rule.check(subject(WORKSPACE, {}), Facts()) is None


@pytest.mark.parametrize("type_token", [BATCH, SCHEDULE])
def test_automation_takes_network_and_logs_from_the_workspace_it_depends_on(
    type_token: str,
) -> None:
    private = subject(WORKSPACE, {"publicNetworkAccess": "Disabled"}, name="main-workspace")
    public = subject(WORKSPACE, {"publicNetworkAccess": "Enabled"}, name="team-workspace")
    in_private = subject(type_token, {}, dependencies=frozenset({private.urn}))
    in_public = subject(type_token, {}, name="team-x", dependencies=frozenset({public.urn}))
    logs = rule_by_id("automation-diagnostic-settings")
    assert logs.needs_stack
    logged = Facts(resources=(private, public, diagnostic(private, diagnostics.ML_WORKSPACE)))
    assert logs.check(in_private, logged) is None
    assert logs.check(in_public, logged) == "its workspace: no diagnostic setting on the resource"
    assert logs.check(subject(type_token, {}), logged) is not None  # no workspace to look at
    if type_token == BATCH:
        network = rule_by_id("batch-endpoint-private-workspace")
        assert network.check(in_private, logged) is None
        assert network.check(in_public, logged) == (
            "its workspace: publicNetworkAccess is 'Enabled'; required 'Disabled'"
        )


def test_delete_lock_rule_accepts_a_resource_lock_or_a_resource_group_lock() -> None:
    rule = rule_by_id("stateful-delete-lock")
    account = subject(STORAGE, {}, name="main-storage")
    lock = subject(
        LOCK, {"level": "CanNotDelete"}, name="main-lock", dependencies=frozenset({account.urn})
    )
    read_only = subject(
        LOCK, {"level": "ReadOnly"}, name="main-lock", dependencies=frozenset({account.urn})
    )
    group_lock = subject(
        "azure-native:authorization:ManagementLockAtResourceGroupLevel",
        {"level": "CanNotDelete"},
        name="rg-lock",
    )
    assert rule.check(account, Facts(resources=(account, lock))) is None
    assert rule.check(account, Facts(resources=(account, group_lock))) is None
    assert rule.check(account, Facts(resources=(account, read_only))) is not None
    assert rule.check(account, Facts(resources=(account,))) is not None
    assert f"{ML}:Registry" in rule.resource_types


def test_protect_rule_covers_every_stateful_resource() -> None:
    rule = rule_by_id("stateful-protected")
    assert set(rule.resource_types) == {
        WORKSPACE,
        STORAGE,
        VAULT,
        ACR,
        f"{ML}:Registry",
    }
    assert rule.check(subject(VAULT, {}, protect=True), Facts()) is None
    assert rule.check(subject(VAULT, {}, protect=False), Facts()) is not None


@pytest.mark.parametrize(
    ("rule_id", "type_token", "encrypted"),
    [
        (
            "workspace-cmk-encryption",
            WORKSPACE,
            {"encryption": {"status": "Enabled", "keyVaultProperties": {"keyIdentifier": "k"}}},
        ),
        (
            "registry-cmk-encryption",
            ACR,
            {"encryption": {"status": "enabled", "keyVaultProperties": {"keyIdentifier": "k"}}},
        ),
        (
            "storage-cmk-encryption",
            STORAGE,
            {
                "encryption": {
                    "keySource": "Microsoft.Keyvault",
                    "keyVaultProperties": {"keyName": "k"},
                    "services": {"queue": {"keyType": "Account"}, "table": {"keyType": "Account"}},
                }
            },
        ),
    ],
)
def test_cmk_rules_apply_to_the_workspaces_whose_config_asks_for_it(
    rule_id: str, type_token: str, encrypted: dict[str, Any]
) -> None:
    rule = rule_by_id(rule_id)
    plain = subject(type_token, {}, name="main-thing")
    asked = Facts(workspaces=("main",), encrypted_workspaces=frozenset({"main"}))
    assert rule.check(plain, Facts(workspaces=("main",))) is None
    assert rule.check(plain, asked) is not None
    assert rule.check(subject(type_token, encrypted, name="main-thing"), asked) is None
    context = PolicyContext(
        tier="prod", workspaces=("main",), encrypted_workspaces=frozenset({"main"})
    )
    finding = check(rule, plain, asked, context)
    assert finding is not None
    assert all(short_id in finding.message for short_id in rule.builtins)


def test_zone_redundancy_says_where_azure_offers_none() -> None:
    rule = rule_by_id("registry-zone-redundant")
    offered = rule.check(
        subject(ACR, {"zoneRedundancy": "Disabled", "location": "westeurope"}), Facts()
    )
    none = rule.check(subject(ACR, {"zoneRedundancy": "Disabled", "location": "westus"}), Facts())
    assert offered is not None
    assert "offers no" not in offered
    assert none is not None
    assert "Azure offers no zone-redundant registry in 'westus'" in none


def network_workspace(isolation: str) -> Subject:
    return subject(
        WORKSPACE,
        {"workspaceName": "mlw-main", "managedNetwork": {"isolationMode": isolation}},
        name="main-workspace",
    )


@pytest.mark.parametrize(
    ("isolation", "subnet", "ok"),
    [
        ("AllowOnlyApprovedOutbound", False, True),
        ("AllowInternetOutbound", False, True),
        ("Disabled", False, False),
        ("Disabled", True, True),
    ],
)
def test_a_compute_joins_a_subnet_or_the_managed_network(
    isolation: str, subnet: bool, ok: bool
) -> None:
    rule = rule_by_id("compute-in-virtual-network")
    compute = cluster(**({"subnet": {"id": "/subscriptions/x/subnets/s"}} if subnet else {}))
    compute["workspaceName"] = "mlw-main"
    target = subject(COMPUTE, compute, name="main-cpu-compute")
    finding = check(
        rule,
        target,
        Facts(resources=(target, network_workspace(isolation))),
        PolicyContext(tier="prod"),
    )
    assert (finding is None) is ok
    if finding is not None:
        assert "7804b5c7" in finding.message
    assert "exemption" in rule.note.lower()
    assert "managed network" in rule.note


def test_cmk_rule_applies_to_the_workspaces_whose_config_asks_for_it() -> None:
    rule = rule_by_id("workspace-cmk-encryption")
    plain = subject(WORKSPACE, {}, name="main-workspace")
    encrypted = subject(
        WORKSPACE,
        {"encryption": {"status": "Enabled", "keyVaultProperties": {"keyIdentifier": "k"}}},
        name="main-workspace",
    )
    asked = Facts(workspaces=("main",), encrypted_workspaces=frozenset({"main"}))
    assert rule.check(plain, Facts(workspaces=("main",))) is None
    assert rule.check(plain, asked) is not None
    assert rule.check(encrypted, asked) is None


def test_every_baseline_policy_id_is_encoded_by_a_rule(shared: Path) -> None:
    text = (shared / "SECURITY_BASELINE.md").read_text().split("## Built-in role", 1)[0]
    policy_ids = set(re.findall(r"\(([0-9a-f]{8})[;)]", text)) | set(
        re.findall(r"[ (]([0-9a-f]{8})[);]", text)
    )
    checkov = set(re.findall(r"CKV2?_AZURE_\d+", text))
    sources = " ".join(rule.sources for rule in RULES)
    assert len(policy_ids) >= 25
    assert {p for p in policy_ids if p not in sources} == set()
    assert {c for c in checkov if c not in sources} == set()


# Evaluation over a stack: tiers and waivers.


def open_stack() -> list[Subject]:
    """A prod-looking stack whose workspace is open to the internet."""
    return [
        subject(WORKSPACE, {"publicNetworkAccess": "Enabled"}, name="main-workspace", protect=True),
        subject(WORKSPACE, {"publicNetworkAccess": "Enabled"}, name="team-workspace", protect=True),
    ]


def ids(findings: list[Any], level: str | None = None) -> list[str]:
    return [f.rule.id for f in findings if level is None or f.level == level]


def test_dev_stacks_are_held_to_the_dev_column_and_told_what_they_relax() -> None:
    dev = evaluate(open_stack(), PolicyContext(tier="dev", workspaces=("main", "team")))
    prod = evaluate(open_stack(), PolicyContext(tier="prod", workspaces=("main", "team")))
    assert "workspace-public-network-disabled" not in ids(dev, "mandatory")
    assert ids(dev, "relaxed").count("workspace-public-network-disabled") == 2
    assert ids(prod, "mandatory").count("workspace-public-network-disabled") == 2
    assert set(ids(dev)) == set(ids(prod))
    relaxed = next(f for f in dev if f.level == "relaxed")
    assert relaxed.message.endswith("relaxed: dev stacks do not require it (amlstack:tier dev)")


def test_a_dev_preset_kept_by_a_workspace_is_named_as_the_relaxation() -> None:
    presets = tuple(
        (workspace, p)
        for workspace in ("main",)
        for p in PRESETS["dev"]
        if p.key == "network.publicNetworkAccess"
    )
    context = PolicyContext(tier="dev", workspaces=("main", "team"), presets=presets)
    findings = {
        f.urn.rsplit("::", 1)[1]: f
        for f in evaluate(open_stack(), context)
        if f.rule.id == "workspace-public-network-disabled"
    }
    main, team = findings["main-workspace"], findings["team-workspace"]
    assert main.relaxation is not None
    assert main.relaxation.preset is not None
    assert "relaxed: dev preset network.publicNetworkAccess: 'Enabled'" in main.message
    assert "438c38d2" in main.message
    assert "45e05259" in main.message
    assert team.relaxation is not None
    assert team.relaxation.preset is None


def test_a_waiver_relaxes_its_rule_for_its_workspace_only_and_says_why() -> None:
    waiver = WaiverArgs(
        rule="workspace-public-network-disabled",
        reason="team works from the office network",
        workspace="team",
    )
    context = PolicyContext(tier="prod", workspaces=("main", "team"), waivers=(waiver,))
    findings = [
        f
        for f in evaluate(open_stack(), context)
        if f.rule.id == "workspace-public-network-disabled"
    ]
    by_name = {f.urn.rsplit("::", 1)[1]: f for f in findings}
    assert by_name["team-workspace"].level == "waived"
    assert by_name["team-workspace"].message.endswith("waived: team works from the office network")
    assert by_name["main-workspace"].level == "mandatory"
    assert unused_waivers(findings, context) == []


def test_a_stack_wide_waiver_covers_every_workspace_and_unused_ones_are_reported() -> None:
    public = WaiverArgs(rule="workspace-public-network-disabled", reason="a public demo stack")
    idle = WaiverArgs(rule="compute-no-public-ip", reason="no computes here anyway")
    context = PolicyContext(tier="prod", workspaces=("main", "team"), waivers=(public, idle))
    findings = evaluate(open_stack(), context)
    assert ids(findings, "waived").count("workspace-public-network-disabled") == 2
    assert unused_waivers(findings, context) == [idle]


def test_every_preset_relaxes_known_rules_of_the_prod_column_only() -> None:
    for presets in PRESETS.values():
        for preset in presets:
            for rule_id in preset.rules:
                assert rule_by_id(rule_id).tiers == {"prod"}, (preset.key, rule_id)
            assert set(preset.builtins) <= set(BUILTINS)


@given(
    scopes=st.lists(st.sampled_from([None, "main", "team"]), min_size=1, max_size=4),
)
def test_a_rule_is_waived_at_most_once_per_resource(scopes: list[str | None]) -> None:
    waivers = [
        WaiverArgs(rule="storage-geo-redundant", reason="cheap pilot storage", workspace=scope)
        for scope in scopes
    ]
    overlapping = len(scopes) > 1 and (None in scopes or len(set(scopes)) < len(scopes))
    if overlapping:
        with pytest.raises(ValueError, match="already waived"):
            check_waivers(waivers, tier="prod", workspaces=["main", "team"])
    else:
        check_waivers(waivers, tier="prod", workspaces=["main", "team"])


def test_ids_unknown_during_preview_count_as_set() -> None:
    """During ``pulumi preview`` the engine sends ids of resources not created yet as unknowns;
    pulumi-policy raises when a rule reads one. Presence rules must not read them."""
    inputs = unknown_checking_proxy({"primaryUserAssignedIdentity": UNKNOWN_STRING_VALUE})
    workspace = subject(WORKSPACE, inputs)
    assert rule_by_id("workspace-user-assigned-identity").check(workspace, Facts()) is None
    target = subject(VAULT, {}, name="main-keyvault")
    setting = subject(
        DIAGNOSTICS,
        unknown_checking_proxy(
            {
                "resourceUri": "/subscriptions/x/vaults/kv",
                "logs": [
                    {"category": "AuditEvent", "enabled": True},
                    {"category": "AzurePolicyEvaluationDetails", "enabled": True},
                ],
                "metrics": [{"category": "AllMetrics", "enabled": True}],
                "workspaceId": UNKNOWN_STRING_VALUE,
            }
        ),
        dependencies=frozenset({target.urn}),
    )
    rule = rule_by_id("keyvault-diagnostic-settings")
    assert rule.check(target, Facts(resources=(target, setting))) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from([STORAGE, DIAGNOSTICS, LOCK, VAULT]),
            st.sets(st.integers(min_value=0, max_value=7)),
        ),
        max_size=8,
    ),
    st.integers(min_value=0, max_value=7),
)
def test_facts_find_dependents_and_types_in_stack_order(
    graph: list[tuple[str, set[int]]], target: int
) -> None:
    """The indexes behind `Facts` answer exactly what a scan of the stack's resources would."""
    resources = tuple(
        subject(
            kind,
            {},
            name=f"thing-{index}",
            dependencies=frozenset(
                f"urn:pulumi:prod::amlstack::{STORAGE}::thing-{d}" for d in deps
            ),
        )
        for index, (kind, deps) in enumerate(graph)
    )
    facts = Facts(resources=resources)
    waited_for = subject(STORAGE, {}, name=f"thing-{target}")
    for types in ({DIAGNOSTICS}, {DIAGNOSTICS, LOCK}, {VAULT}):
        assert facts.depending_on(waited_for, types) == [
            r for r in resources if r.type in types and waited_for.urn in r.dependencies
        ]
    for kind in (STORAGE, DIAGNOSTICS, LOCK, VAULT):
        assert facts.of_type(kind) == [r for r in resources if r.type == kind]


def test_the_presets_a_workspace_keeps_are_the_relaxations_of_its_stack() -> None:
    closed = {
        "name": "team",
        "network": {
            "publicNetworkAccess": "Disabled",
            "isolationMode": "AllowOnlyApprovedOutbound",
            **REACHABLE_NETWORK,
        },
        "containerRegistry": {"sku": "Premium", "exportsEnabled": False},
    }
    raw = {"location": "westeurope", "tier": "dev", "workspaces": [{"name": "main"}, closed]}
    context = PolicyContext.from_config(parse_stack_config(raw))
    kept = {(workspace, preset.key) for workspace, preset in context.presets}
    assert ("main", "network.publicNetworkAccess") in kept
    assert ("team", "network.publicNetworkAccess") not in kept
    assert ("team", "keyVault.purgeProtection") in kept
    prod = {**raw, "tier": "prod", "workspaces": [closed]}
    assert PolicyContext.from_config(parse_stack_config(prod)).presets == ()


def test_no_preset_value_is_none() -> None:
    # kept_presets reads a setting with rules.lookup: a missing one (the MISSING marker) is
    # never a preset's value, and no preset is None, so missing and null settings keep none.
    assert all(p.value is not None for presets in PRESETS.values() for p in presets)


def test_the_tier_presets_are_the_settings_each_preset_names() -> None:
    for tier, presets in PRESETS.items():
        for preset in presets:
            value: Any = TIER_PRESETS[tier]
            for key in preset.key.split("."):
                value = value[key]
            assert value == preset.value


@given(
    days=st.integers(min_value=0, max_value=30),
    hours=st.integers(min_value=0, max_value=23),
    minutes=st.integers(min_value=0, max_value=59),
    seconds=st.integers(min_value=0, max_value=59),
    action=st.sampled_from(["Block", "Log"]),
)
def test_sas_policies_pass_up_to_seven_days_with_block(
    days: int, hours: int, minutes: int, seconds: int, action: str
) -> None:
    period = f"{days}.{hours:02d}:{minutes:02d}:{seconds:02d}"
    inputs = {"sasPolicy": {"sasExpirationPeriod": period, "expirationAction": action}}
    violation = rule_by_id("storage-sas-policy").check(subject(STORAGE, inputs), Facts())
    within = days * 86400 + hours * 3600 + minutes * 60 + seconds <= 7 * 86400
    assert (violation is None) is (within and action == "Block")
