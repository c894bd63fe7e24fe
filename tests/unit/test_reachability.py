"""The reachability check over planned resources: synthetic stacks with each path broken on
purpose (remove the rule, close a door, move the deployer), and the sample stacks' real gaps."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.testing import RecordedResource
from infra.config import parse_stack_config
from infra.plan import Plan, find_project, read_stack_file
from infra.policy.reachability import Path, WorkspaceConsumers, consumers_of, reachability
from tests.conftest import ROOT

SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
GROUP = f"{SUBSCRIPTION}/resourceGroups/rg-ml/providers"
STORAGE = f"{GROUP}/Microsoft.Storage/storageAccounts/stmain"
LAKE = f"{GROUP}/Microsoft.Storage/storageAccounts/stlake"
VAULT = f"{GROUP}/Microsoft.KeyVault/vaults/kv-main"
ACR = f"{GROUP}/Microsoft.ContainerRegistry/registries/crmain"
INSIGHTS = f"{GROUP}/Microsoft.Insights/components/appi-main"
LOGS = f"{GROUP}/Microsoft.OperationalInsights/workspaces/log-main"
WORKSPACE = f"{GROUP}/Microsoft.MachineLearningServices/workspaces/mlw-main"
REGISTRY = (
    f"{SUBSCRIPTION}/resourceGroups/rg-shared/providers/Microsoft.MachineLearningServices"
    "/registries/mlr-shared"
)
SCOPE = f"{GROUP}/Microsoft.Insights/privateLinkScopes/ampls-hub"
VNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-hub/providers"
    "/Microsoft.Network/virtualNetworks/vnet-hub"
)
SUBNET = f"{VNET}/subnets/snet-pe"


def resource(type_token: str, name: str, **inputs: Any) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:pulumi:test::amlstack::{type_token}::{name}",
        type=type_token,
        name=name,
        custom=True,
        parent="",
        inputs=inputs,
        dependencies=(),
        protect=False,
    )


def endpoint(name: str, target: str, *groups: str) -> RecordedResource:
    return resource(
        "azure-native:network:PrivateEndpoint",
        f"main-pe-{name}",
        subnet={"id": SUBNET},
        privateLinkServiceConnections=[
            {"name": groups[0], "privateLinkServiceId": target, "groupIds": list(groups)}
        ],
    )


def pe_rule(target: str, subresource: str) -> dict[str, Any]:
    return {
        "type": "PrivateEndpoint",
        "category": "UserDefined",
        "destination": {
            "serviceResourceId": target,
            "subresourceTarget": subresource,
            "sparkEnabled": False,
        },
    }


CLOSED = {"publicNetworkAccess": "Disabled", "networkRuleSet": {"defaultAction": "Deny"}}
CHILD = {"workspaceName": "mlw-main", "resourceGroupName": "rg-ml"}


def private_stack(mode: str = "AllowOnlyApprovedOutbound") -> list[RecordedResource]:
    """A closed workspace whose every path exists: customer private endpoints in vnet-hub,
    PrivateEndpoint outbound rules to the data lake and the registry."""
    rules = {
        "pe-stlake-dfs": pe_rule(LAKE, "dfs"),
        "pe-stlake-blob": pe_rule(LAKE, "blob"),
        "pe-mlr-shared-amlregistry": pe_rule(REGISTRY, "amlregistry"),
    }
    return [
        resource(
            "azure-native:machinelearningservices:Workspace",
            "main-workspace",
            workspaceName="mlw-main",
            resourceGroupName="rg-ml",
            storageAccount=STORAGE,
            keyVault=VAULT,
            containerRegistry=ACR,
            applicationInsights=INSIGHTS,
            publicNetworkAccess="Disabled",
            managedNetwork={"isolationMode": mode, "outboundRules": rules},
            tags={"workspace": "main"},
        ),
        resource(
            "azure-native:storage:StorageAccount",
            "main-storage",
            accountName="stmain",
            resourceGroupName="rg-ml",
            **CLOSED,
        ),
        resource(
            "azure-native:storage:StorageAccount",
            "main-datalake-storage",
            accountName="stlake",
            resourceGroupName="rg-ml",
            **CLOSED,
        ),
        resource(
            "azure-native:keyvault:Vault",
            "main-keyvault",
            vaultName="kv-main",
            resourceGroupName="rg-ml",
            properties={"publicNetworkAccess": "Disabled"},
        ),
        resource(
            "azure-native:containerregistry:Registry",
            "main-registry",
            registryName="crmain",
            resourceGroupName="rg-ml",
            publicNetworkAccess="Disabled",
        ),
        resource(
            "azure-native:applicationinsights:Component",
            "main-insights",
            resourceName="appi-main",
            resourceGroupName="rg-ml",
            workspaceResourceId=LOGS,
        ),
        resource(
            "azure-native:operationalinsights:Workspace",
            "main-logs",
            workspaceName="log-main",
            resourceGroupName="rg-ml",
        ),
        resource(
            "azure-native:machinelearningservices:Compute",
            "main-cpu-compute",
            computeName="cpu",
            properties={"computeType": "AmlCompute", "properties": {}},
            **CHILD,
        ),
        resource(
            "azure-native:machinelearningservices:Datastore",
            "main-curated-datastore",
            properties={
                "datastoreType": "AzureDataLakeGen2",
                "accountName": "stlake",
                "resourceGroup": "rg-ml",
                "filesystem": "curated",
            },
            **CHILD,
        ),
        resource(
            "azure-native:machinelearningservices:OnlineDeployment",
            "main-credit-blue",
            properties={
                "model": "azureml://registries/mlr-shared/models/credit/versions/2",
                "appInsightsEnabled": True,
            },
            **CHILD,
        ),
        resource(
            "pulumi-python:dynamic/amlstack:CodeUpload",
            "main-credit-blue-code-upload",
            accountUrl="https://stmain.blob.core.windows.net/",
        ),
        resource(
            "azure-native:authorization:RoleAssignment",
            "main-ml-registry-user-identity",
            scope=REGISTRY,
        ),
        resource(
            "azure-native:monitor:DiagnosticSetting",
            "main-workspace-diagnostics",
            resourceUri=WORKSPACE,
            workspaceId=LOGS,
        ),
        endpoint("workspace", WORKSPACE, "amlworkspace"),
        endpoint("blob", STORAGE, "blob"),
        endpoint("file", STORAGE, "file"),
        endpoint("keyvault", VAULT, "vault"),
        endpoint("lake-dfs", LAKE, "dfs"),
        endpoint("lake-blob", LAKE, "blob"),
    ]


def shared_stack(*, with_endpoint: bool = True) -> list[RecordedResource]:
    registry = resource(
        "azure-native:machinelearningservices:Registry",
        "models-registry",
        registryName="mlr-shared",
        resourceGroupName="rg-shared",
        publicNetworkAccess="Disabled",
    )
    return [registry, *([endpoint("registry", REGISTRY, "amlregistry")] if with_endpoint else [])]


PRIVATE = WorkspaceConsumers("main", "amlstack:workspaces[0]", "private", "private", VNET)


def rows(
    resources: list[RecordedResource],
    who: WorkspaceConsumers = PRIVATE,
    external: list[RecordedResource] | None = None,
) -> dict[tuple[str, str], Path]:
    found = reachability(
        resources, [who], external=shared_stack() if external is None else external
    )
    return {(p.consumer.rsplit("::", 1)[-1], p.target.rsplit("::", 1)[-1]): p for p in found}


def edit(resources: list[RecordedResource], name: str, **inputs: Any) -> list[RecordedResource]:
    """`resources` with `inputs` merged into the resource called `name`."""
    return [
        replace(r, inputs={**copy.deepcopy(r.inputs), **inputs}) if r.name == name else r
        for r in resources
    ]


def without(resources: list[RecordedResource], *names: str) -> list[RecordedResource]:
    return [r for r in resources if r.name not in names]


def test_a_private_stack_with_every_path_reaches_everything() -> None:
    found = rows(private_stack())
    assert all(p.reachable for p in found.values()), [p for p in found.values() if not p.reachable]
    via = {key: p.via for key, p in found.items()}
    assert via[("main-cpu-compute", "main-datalake-storage")] == "outboundRule"
    assert via[("main-cpu-compute", "main-storage")] == "outboundRule"  # Azure's own endpoint
    assert via[("main-cpu-compute", "models-registry")] == "outboundRule"
    assert via[("main-credit-blue", "models-registry")] == "outboundRule"
    assert via[("main-credit-blue", "main-insights")] == "outboundRule"  # AzureMonitor tag
    assert via[("main:people", "main-datalake-storage")] == "privateEndpoint"
    assert via[("main:people", "models-registry")] == "privateEndpoint"
    assert via[("main:deployer", "main-storage")] == "privateEndpoint"
    assert via[("main:people", "main-logs")] == "public"  # queries stay open
    assert via[("main-workspace-diagnostics", "main-logs")] == "trustedService"
    consumers = {consumer for consumer, _ in found}
    assert consumers == {
        "main-cpu-compute",
        "main-credit-blue",
        "main:deployer",
        "main:people",
        "main-workspace-diagnostics",
    }


def test_removing_the_outbound_rule_to_the_data_lake_cuts_the_compute_off() -> None:
    stack = private_stack()
    workspace = next(r for r in stack if r.name == "main-workspace")
    network = copy.deepcopy(workspace.inputs["managedNetwork"])
    del network["outboundRules"]["pe-stlake-dfs"]
    path = rows(edit(stack, "main-workspace", managedNetwork=network))[
        ("main-cpu-compute", "main-datalake-storage")
    ]
    assert (path.via, path.reachable) == ("none", False)
    assert "no PrivateEndpoint outbound rule (dfs)" in path.reason
    assert "fix: amlstack:workspaces[0].network.outbound.privateEndpoints" in path.reason


def test_removing_the_registry_rule_breaks_training_and_the_registry_model_deployment() -> None:
    stack = private_stack()
    workspace = next(r for r in stack if r.name == "main-workspace")
    network = copy.deepcopy(workspace.inputs["managedNetwork"])
    del network["outboundRules"]["pe-mlr-shared-amlregistry"]
    found = rows(edit(stack, "main-workspace", managedNetwork=network))
    for consumer in ("main-cpu-compute", "main-credit-blue"):
        path = found[(consumer, "models-registry")]
        assert not path.reachable
        assert "public network access disabled" in path.reason


def test_closing_a_door_of_a_public_stack_shuts_out_public_people() -> None:
    public = WorkspaceConsumers("main", "amlstack:workspaces[0]", "public", "public", None)
    stack = [
        edit([r], r.name, publicNetworkAccess="Enabled", networkRuleSet={"defaultAction": "Allow"})[
            0
        ]
        if r.type == "azure-native:storage:StorageAccount"
        else r
        for r in private_stack()
    ]
    assert rows(stack, public)[("main:people", "main-storage")].via == "public"
    closed = rows(edit(stack, "main-storage", networkRuleSet={"defaultAction": "Deny"}), public)
    path = closed[("main:people", "main-storage")]
    assert not path.reachable
    assert "firewall default deny" in path.reason
    assert "fix: amlstack:workspaces[0].network.access.people: private" in path.reason


def test_moving_the_deployer_to_the_internet_breaks_the_uploads() -> None:
    moved = replace(PRIVATE, deployer="public")
    path = rows(private_stack(), moved)[("main:deployer", "main-storage")]
    assert not path.reachable
    assert path.reason.startswith("code uploads (storage account stmain)")
    assert "fix: amlstack:workspaces[0].network.access.deployer: private" in path.reason


def test_private_without_private_endpoints_is_nowhere() -> None:
    nowhere = replace(PRIVATE, private_network=None)
    found = rows(private_stack(), nowhere)
    people = [p for (consumer, _), p in found.items() if consumer == "main:people"]
    assert people
    assert not any(p.reachable for p in people)
    assert all(
        "fix: amlstack:workspaces[0].network.privateEndpoints.subnetId" in p.reason for p in people
    )


def test_a_registry_without_private_endpoints_is_unreachable_from_the_private_network() -> None:
    path = rows(private_stack(), external=shared_stack(with_endpoint=False))[
        ("main:people", "models-registry")
    ]
    assert not path.reachable
    assert "private endpoints of the registry" in path.reason


def test_a_registry_known_only_by_id_is_assumed_closed() -> None:
    found = rows(private_stack(), external=[])
    assert found[("main:people", REGISTRY)].reachable is False
    assert "not in this plan" in found[("main:people", REGISTRY)].reason
    assert found[("main-cpu-compute", REGISTRY)].via == "outboundRule"  # the rule still counts


def test_an_endpoint_missing_one_subresource_is_no_path() -> None:
    path = rows(without(private_stack(), "main-pe-lake-blob"))[
        ("main:people", "main-datalake-storage")
    ]
    assert not path.reachable
    assert "no private endpoint (blob, dfs)" in path.reason


def test_approved_outbound_reaches_a_public_account_only_through_a_rule() -> None:
    stack = edit(
        private_stack(),
        "main-datalake-storage",
        publicNetworkAccess="Enabled",
        networkRuleSet={"defaultAction": "Allow"},
    )
    workspace = next(r for r in stack if r.name == "main-workspace")
    network = copy.deepcopy(workspace.inputs["managedNetwork"])
    network["outboundRules"] = {
        k: v for k, v in network["outboundRules"].items() if "stlake" not in k
    }
    stack = edit(stack, "main-workspace", managedNetwork=network)
    key = ("main-cpu-compute", "main-datalake-storage")
    path = rows(stack)[key]
    assert not path.reachable
    assert "only approved outbound is allowed" in path.reason

    def with_tag(ports: str, tag: str = "Storage") -> Path:
        tagged = copy.deepcopy(network)
        tagged["outboundRules"]["storage"] = {
            "type": "ServiceTag",
            "category": "UserDefined",
            "destination": {"serviceTag": tag, "protocol": "TCP", "portRanges": ports},
        }
        return rows(edit(stack, "main-workspace", managedNetwork=tagged))[key]

    assert with_tag("80,443").via == "outboundRule"
    assert "ServiceTag outbound rule storage (Storage)" in with_tag("80,443").reason
    assert not with_tag("80").reachable
    assert not with_tag("443", "AzureKeyVault").reachable
    internet = edit(
        stack,
        "main-workspace",
        managedNetwork={**network, "isolationMode": "AllowInternetOutbound"},
    )
    assert rows(internet)[key].via == "public"


def test_internet_outbound_uses_azures_endpoints_only_for_closed_dependencies() -> None:
    stack = edit(
        private_stack("AllowInternetOutbound"),
        "main-storage",
        publicNetworkAccess="Enabled",
        networkRuleSet={"defaultAction": "Allow"},
    )
    found = rows(stack)
    assert found[("main-cpu-compute", "main-storage")].via == "public"
    assert found[("main-cpu-compute", "main-keyvault")].via == "outboundRule"


def test_telemetry_closed_to_public_ingestion_needs_a_private_link_scope() -> None:
    closed = edit(private_stack(), "main-insights", publicNetworkAccessForIngestion="Disabled")
    path = rows(closed)[("main-credit-blue", "main-insights")]
    assert not path.reachable
    assert "cannot have a private endpoint to an Azure Monitor private link scope" in path.reason

    queries = edit(private_stack(), "main-logs", publicNetworkAccessForQuery="Disabled")
    assert not rows(queries)[("main:people", "main-logs")].reachable
    scope = [
        resource(
            "azure-native:monitor:PrivateLinkScope",
            "main-ampls",
            scopeName="ampls-hub",
            resourceGroupName="rg-ml",
            accessModeSettings={
                "ingestionAccessMode": "PrivateOnly",
                "queryAccessMode": "PrivateOnly",
            },
        ),
        resource(
            "azure-native:monitor:PrivateLinkScopedResource",
            "main-ampls-logs",
            scopeName="ampls-hub",
            resourceGroupName="rg-ml",
            linkedResourceId=LOGS,
        ),
        endpoint("ampls", SCOPE, "azuremonitor"),
    ]
    found = rows([*queries, *scope])
    assert found[("main:people", "main-logs")].via == "privateEndpoint"
    # PrivateOnly: the network reaches Azure Monitor resources in the scope only.
    shut_out = found[("main:people", "main-insights")]
    assert not shut_out.reachable
    assert "PrivateOnly for query" in shut_out.reason


def test_a_compute_in_a_customer_subnet_uses_that_network() -> None:
    stack = edit(
        private_stack(),
        "main-cpu-compute",
        properties={"computeType": "AmlCompute", "properties": {"subnet": {"id": SUBNET}}},
    )
    found = rows(stack)
    assert found[("main-cpu-compute", "main-storage")].via == "privateEndpoint"
    path = found[("main-cpu-compute", "main-registry")]  # no customer endpoint to the ACR
    assert not path.reachable
    assert "fix: amlstack:workspaces[0].network.privateEndpoints" in path.reason


_ENDPOINTS = [r.name for r in private_stack() if r.type == "azure-native:network:PrivateEndpoint"]
_RULES = ["pe-stlake-dfs", "pe-stlake-blob", "pe-mlr-shared-amlregistry"]


@given(st.sets(st.sampled_from(_ENDPOINTS)), st.sets(st.sampled_from(_RULES)))
def test_taking_paths_away_never_opens_one(gone: set[str], rules_gone: set[str]) -> None:
    stack = private_stack()
    workspace = next(r for r in stack if r.name == "main-workspace")
    network = copy.deepcopy(workspace.inputs["managedNetwork"])
    network["outboundRules"] = {
        k: v for k, v in network["outboundRules"].items() if k not in rules_gone
    }
    fewer = edit(without(stack, *gone), "main-workspace", managedNetwork=network)
    before, after = rows(stack), rows(fewer)
    assert before.keys() == after.keys()
    assert all(before[key].reachable or not after[key].reachable for key in before)
    assert reachability(fewer, [PRIVATE]) == reachability(list(reversed(fewer)), [PRIVATE])


# --- the sample stacks ---------------------------------------------------------------------


def sample_rows(plans: dict[str, Plan], stack: str) -> dict[tuple[str, str], Path]:
    raw = read_stack_file(find_project(ROOT), stack).config
    config = parse_stack_config(
        {k.removeprefix("amlstack:"): v for k, v in raw.items() if k.startswith("amlstack:")}
    )
    found = reachability(
        plans[stack].resources, consumers_of(config.workspaces), external=plans["shared"].resources
    )
    return {(p.consumer.rsplit("::", 1)[-1], p.target.rsplit("::", 1)[-1]): p for p in found}


@pytest.mark.parametrize("stack", ["dev", "test", "prod"])
def test_every_path_of_every_sample_stack_exists(sample_plans: dict[str, Plan], stack: str) -> None:
    found = sample_rows(sample_plans, stack)
    assert found
    assert [p for p in found.values() if not p.reachable] == []
    # The plan computes the same rows itself.
    assert sample_plans[stack].unreachable == ()
    assert len(sample_plans[stack].reachability) == len(found)


def test_the_hubs_allow_listed_people_and_its_projects_computes_get_in(
    sample_plans: dict[str, Plan],
) -> None:
    """The hub sample: firewalls that deny by default except the office and CI ranges
    (network.ipAllowlist), and projects whose computes run in the hub's managed network."""
    found = sample_rows(sample_plans, "hub")
    assert [p for p in found.values() if not p.reachable] == []
    people = found[("hub:people", "hub-storage")]
    assert (people.via, "network.ipAllowlist" in people.reason) == ("public", True)
    assert found[("fraud-cpu-cluster-compute", "hub-storage")].via == "outboundRule"


def test_an_address_the_firewall_does_not_list_is_shut_out(sample_plans: dict[str, Plan]) -> None:
    resources = list(sample_plans["hub"].resources)
    storage = next(r for r in resources if r.name == "hub-storage")
    rules = storage.inputs["networkRuleSet"]["ipRules"]
    assert {r["iPAddressOrRange"] for r in rules} == {"203.0.113.0/24", "198.51.100.7"}
    narrower = {**storage.inputs["networkRuleSet"], "ipRules": rules[:1]}
    hub = WorkspaceConsumers(
        "hub",
        "amlstack:workspaces[hub]",
        "public",
        "public",
        None,
        ip_allowlist=("203.0.113.0/24", "198.51.100.7"),
    )
    before = rows(resources, hub, external=[])
    after = rows(edit(resources, "hub-storage", networkRuleSet=narrower), hub, external=[])
    assert before[("hub:people", "hub-storage")].reachable
    shut = after[("hub:people", "hub-storage")]
    assert not shut.reachable
    assert "firewall default deny" in shut.reason


def test_existing_dependencies_are_their_owners_to_open(sample_plans: dict[str, Plan]) -> None:
    """The test stack's platform workspace uses the platform team's storage and key vault: the
    plan cannot see their networks, so the rows say so instead of failing or passing them."""
    found = sample_rows(sample_plans, "test")
    owned = {t.rsplit("/", 1)[-1]: p for (c, t), p in found.items() if c == "platform:people"}
    for name in ("stplatformshared", "kv-platform-shared", "appi-platform"):
        assert owned[name].via == "owner", owned[name]
        assert owned[name].reachable
        assert "not verified" in owned[name].reason
    # Where no existing dependency is the target, nothing is taken on trust.
    assert all(p.via != "owner" for (c, _), p in found.items() if not c.startswith("platform"))


@pytest.mark.parametrize("stack", ["prod", "test"])
def test_the_private_samples_reach_their_lake_registry_and_telemetry_privately(
    sample_plans: dict[str, Plan], stack: str
) -> None:
    found = sample_rows(sample_plans, stack)
    for target in ("main-datalake-storage", "models-registry"):
        assert found[("main-cpu-cluster-compute", target)].via == "outboundRule"
        assert found[("main:people", target)].via == "privateEndpoint"
    for target in ("main-insights", "main-logs"):
        assert found[("main:people", target)].via == "privateEndpoint"  # the scope's endpoint
    assert found[("main:deployer", "models-registry")].via == "privateEndpoint"


def test_dev_reaches_everything_publicly_and_the_registry_through_its_open_door(
    sample_plans: dict[str, Plan],
) -> None:
    found = sample_rows(sample_plans, "dev")
    assert found[("main:people", "main-storage")].via == "public"
    assert found[("main:deployer", "models-registry")].via == "public"
    # Its managed network still uses a private endpoint rule to the registry.
    assert found[("main-cpu-cluster-compute", "models-registry")].via == "outboundRule"


def test_the_registry_door_comes_from_the_stack_reference_without_the_shared_plan(
    sample_plans: dict[str, Plan],
) -> None:
    """What the CrossGuard pack sees: the stack's own resources only."""
    raw = read_stack_file(find_project(ROOT), "dev").config
    config = parse_stack_config(
        {k.removeprefix("amlstack:"): v for k, v in raw.items() if k.startswith("amlstack:")}
    )
    alone = reachability(sample_plans["dev"].resources, consumers_of(config.workspaces))
    assert [p for p in alone if not p.reachable] == []
    registry = next(p for p in alone if p.consumer == "main:deployer" and "registries" in p.target)
    assert registry.via == "public"
    assert registry.target.startswith("/subscriptions/")
