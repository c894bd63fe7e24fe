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

from infra.policy import (
    RULE_IDS,
    RULES,
    Facts,
    PolicyContext,
    Subject,
    WaiverArgs,
    check_waivers,
    evaluate,
    rule_by_id,
    unused_waivers,
    workspace_of,
)

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
        {"networkRuleSet": {"defaultAction": "Deny", "bypass": "None"}},
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
}
STACK_RULES = {
    "batch-endpoint-private-workspace",
    "automation-diagnostic-settings",
    "workspace-cmk-encryption",
    "workspace-diagnostic-settings",
    "storage-diagnostic-settings",
    "keyvault-diagnostic-settings",
    "stateful-protected",
    "stateful-delete-lock",
}


def test_every_rule_has_a_case_here() -> None:
    assert set(CASES) | STACK_RULES == set(RULE_IDS)
    assert len(RULE_IDS) == len(set(RULE_IDS))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_good_inputs_and_fails_bad_ones(rule_id: str) -> None:
    rule = rule_by_id(rule_id)
    type_token, good, bad = CASES[rule_id]
    assert type_token in rule.resource_types
    assert rule.check(subject(type_token, good), Facts()) is None
    violation = rule.check(subject(type_token, bad), Facts())
    assert violation is not None
    assert rule.path.split(" ")[0].split(",")[0] in violation or "required" in violation


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


def diagnostic(target: Subject, *, enabled: bool = True, workspace: bool = True) -> Subject:
    inputs: dict[str, Any] = {"logs": [{"categoryGroup": "allLogs", "enabled": enabled}]}
    if workspace:
        inputs["workspaceId"] = "/subscriptions/x/workspaces/logs"
    return subject(
        DIAGNOSTICS, inputs, name=f"{target.name}-diag", dependencies=frozenset({target.urn})
    )


@pytest.mark.parametrize(
    ("rule_id", "type_token"),
    [
        ("workspace-diagnostic-settings", WORKSPACE),
        ("keyvault-diagnostic-settings", VAULT),
        ("storage-diagnostic-settings", STORAGE),
    ],
)
def test_diagnostic_rules_need_a_setting_sending_logs_to_log_analytics(
    rule_id: str, type_token: str
) -> None:
    rule = rule_by_id(rule_id)
    target = subject(type_token, {}, name="main-target")
    other = subject(type_token, {}, name="main-other")
    assert rule.needs_stack
    assert rule.check(target, Facts(resources=(target, diagnostic(target)))) is None
    assert rule.check(target, Facts(resources=(target, diagnostic(other)))) is not None
    assert rule.check(target, Facts(resources=(target, diagnostic(target, enabled=False))))
    assert rule.check(target, Facts(resources=(target, diagnostic(target, workspace=False))))


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
    logged = Facts(resources=(private, public, diagnostic(private)))
    assert logs.check(in_private, logged) is None
    assert logs.check(in_public, logged) == (
        "its workspace: no diagnostic setting sends its logs to a Log Analytics workspace"
    )
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


def test_dev_stacks_are_held_to_the_dev_column_only() -> None:
    dev = evaluate(open_stack(), PolicyContext(tier="dev", workspaces=("main", "team")))
    prod = evaluate(open_stack(), PolicyContext(tier="prod", workspaces=("main", "team")))
    assert "workspace-public-network-disabled" not in ids(dev)
    assert ids(prod, "mandatory").count("workspace-public-network-disabled") == 2
    assert set(ids(dev)) < set(ids(prod))


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


def test_readme_lists_every_rule_with_its_tiers_and_level() -> None:
    """The rule tables of README.md and the guides in docs/ (where newer rules are listed)."""
    root = Path(__file__).parents[2]
    readme = "\n".join(p.read_text() for p in [root / "README.md", *root.glob("docs/**/*.md")])
    for rule in RULES:
        tiers = "dev + prod" if rule.tiers == {"dev", "prod"} else "prod"
        assert f"| `{rule.id}` | {tiers} | {rule.level} |" in readme, rule.id


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
                "logs": [{"categoryGroup": "allLogs", "enabled": True}],
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
