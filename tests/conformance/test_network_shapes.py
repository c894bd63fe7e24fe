"""Outbound rules and private endpoints have Azure's shapes: the ARM body schemas of the API
versions pulumi-azure-native sends (../shared/arm-types), and the group ids and zones agree with
Azure Policy's built-in private DNS definitions (../shared/azure-policy)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from components.network import PRIVATE_DNS_ZONES
from components.private_link import PRIVATE_LINK_TYPES, private_link_type
from components.testing import RecordedResource, Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.plan import Plan

ML = "bicep/machinelearningservices/microsoft.machinelearningservices/2025-12-01/types.json"
NETWORK = "bicep/network/microsoft.network/2024-05-01/types.json"
SUB = "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-data/providers"
SUBNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-hub/providers"
    "/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe"
)
READ_ONLY = 2


class Types:
    """A bicep-types ``types.json``: its objects by name, with references resolved."""

    def __init__(self, path: Path) -> None:
        self.items: list[dict[str, Any]] = json.loads(path.read_text())

    def named(self, name: str) -> dict[str, Any]:
        return next(item for item in self.items if item.get("name") == name)

    def resolve(self, ref: dict[str, Any]) -> dict[str, Any]:
        return self.items[int(ref["$ref"].rsplit("/", 1)[-1])]

    def writable(self, obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The properties of an object (and of its base, for a discriminated one) one may send."""
        props = {**obj.get("baseProperties", {}), **obj.get("properties", {})}
        return {k: self.resolve(v["type"]) for k, v in props.items() if not v["flags"] & READ_ONLY}


@cache
def types(shared: Path, relative: str) -> Types:
    return Types(shared / "arm-types" / relative)


def conforms(schema: Types, obj: dict[str, Any], value: object, path: str) -> list[str]:
    """Where `value` does not fit the ARM type `obj` (unknown or read-only keys, wrong kinds)."""
    kind = obj["$type"]
    if kind == "StringType":
        pattern = obj.get("pattern")
        if not isinstance(value, str) or (pattern and not re.search(pattern, value)):
            return [f"{path}: {value!r} is not a string matching {pattern}"]
        return []
    if kind == "StringLiteralType":
        return [] if value == obj["value"] else [f"{path}: {value!r} != {obj['value']!r}"]
    if kind == "BooleanType":
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if kind == "UnionType":
        members = [schema.resolve(e) for e in obj["elements"]]
        if any(not conforms(schema, m, value, path) for m in members):
            return []
        return [f"{path}: {value!r} fits no member of the union"]
    if kind == "ArrayType":
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        item = schema.resolve(obj["itemType"])
        return [p for i, v in enumerate(value) for p in conforms(schema, item, v, f"{path}[{i}]")]
    if kind == "DiscriminatedObjectType":
        if not isinstance(value, dict) or value.get(obj["discriminator"]) not in obj["elements"]:
            return [f"{path}: no known {obj['discriminator']} in {value!r}"]
        element = schema.resolve(obj["elements"][value[obj["discriminator"]]])
        merged = {**element, "baseProperties": obj.get("baseProperties", {})}
        return conforms(schema, {**merged, "$type": "ObjectType"}, value, path)
    if kind == "ObjectType":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        props = schema.writable(obj)
        extra = obj.get("additionalProperties")
        problems = []
        for key, item in value.items():
            if key in props:
                problems += conforms(schema, props[key], item, f"{path}.{key}")
            elif extra:  # a dictionary (outbound rules by name)
                problems += conforms(schema, schema.resolve(extra), item, f"{path}.{key}")
            else:
                problems.append(f"{path}.{key}: not a writable property")
        return problems
    return []  # numbers and the like: nothing here sends them


@pytest.fixture(scope="module")
def recording() -> Recording:
    args = WorkspaceArgs(
        name="main",
        network={  # type: ignore[arg-type]
            "privateEndpoints": {"subnetId": SUBNET},
            "outbound": {
                "fqdns": ["huggingface.co"],
                "privateEndpoints": [
                    {
                        "name": "lake-dfs",
                        "resourceId": f"{SUB}/Microsoft.Storage/storageAccounts/stlake",
                        "subresource": "dfs",
                        "sparkEnabled": True,
                    },
                    {
                        "name": "shared-registry",
                        "resourceId": f"{SUB}/Microsoft.MachineLearningServices/registries/mlr-x",
                        "subresource": "amlregistry",
                    },
                ],
                "serviceTags": [
                    {"name": "adf", "serviceTag": "DataFactory", "portRanges": "80,8080-8089"},
                    {"name": "deny-sql", "serviceTag": "Sql", "portRanges": 1433, "action": "Deny"},
                ],
            },
        },
    )
    return record(lambda: Workspace("main", args, resource_group_name="rg", location="westeurope"))


def test_the_managed_network_fits_the_2025_12_01_schema(recording: Recording, shared: Path) -> None:
    schema = types(shared, ML)
    managed = recording.one("azure-native:machinelearningservices:Workspace").inputs[
        "managedNetwork"
    ]
    assert {rule["type"] for rule in managed["outboundRules"].values()} == {
        "FQDN",
        "PrivateEndpoint",
        "ServiceTag",
    }
    assert conforms(schema, schema.named("ManagedNetworkSettings"), managed, "managedNetwork") == []
    # Rule names follow the outbound rule resource's name pattern.
    rule_type = schema.named("Microsoft.MachineLearningServices/workspaces/outboundRules")
    name_type = schema.resolve(rule_type["properties"]["name"]["type"])
    assert all(
        re.fullmatch(name_type["pattern"].strip("^$"), name) for name in managed["outboundRules"]
    )


def test_the_checker_finds_what_azure_would_refuse(shared: Path) -> None:
    schema = types(shared, ML)
    rules = schema.named("ManagedNetworkSettings")
    bad = {
        "isolationMode": "AllowOnlyApprovedOutbound",
        "outboundRules": {
            "a": {"type": "PrivateEndpoint", "destination": {"resourceId": "x"}},
            "b": {"type": "Firewall", "destination": "x"},
            "c": {"type": "ServiceTag", "destination": {"serviceTag": "Storage"}, "status": 1},
        },
    }
    problems = conforms(schema, rules, bad, "managedNetwork")
    assert any("destination.resourceId: not a writable property" in p for p in problems)
    assert any("no known type" in p for p in problems)
    assert any("status" in p for p in problems)


def test_customer_private_endpoints_fit_the_2024_05_01_schema(
    recording: Recording, shared: Path
) -> None:
    schema = types(shared, NETWORK)
    connection = schema.named("PrivateLinkServiceConnectionProperties")
    endpoints = recording.of_type("azure-native:network:PrivateEndpoint")
    assert endpoints
    for endpoint in endpoints:
        for link in endpoint.inputs["privateLinkServiceConnections"]:
            # Pulumi flattens `properties`; `name` belongs to the connection itself.
            body = {k: v for k, v in link.items() if k != "name"}
            assert conforms(schema, connection, body, endpoint.name) == []
            target = link["privateLinkServiceId"].split("/providers/", 1)[1].rsplit("/", 1)[0]
            facts = private_link_type(target)
            assert facts is not None
            assert set(link["groupIds"]) <= set(facts.subresources)


_POLICY_TYPES = {
    "Storage": "Microsoft.Storage/storageAccounts",
    "Key Vault": "Microsoft.KeyVault/vaults",
    "Container Registry": "Microsoft.ContainerRegistry/registries",
    "Machine Learning": "Microsoft.MachineLearningServices/workspaces",
}


def dns_policies(shared: Path) -> list[tuple[str, str, int]]:
    """(category, group id, number of zones it configures) of each built-in policy that adds a
    private DNS zone group to private endpoints of a group id."""
    found = []
    for path in sorted((shared / "azure-policy" / "definitions").glob("*/*.json")):
        definition = json.loads(path.read_text())["properties"]
        condition = json.dumps(definition["policyRule"]["if"])
        groups = re.findall(r'groupIds\[\*\]", "equals": "([^"]+)"', condition)
        deploys = definition["policyRule"]["then"].get("details", {}).get("type", "")
        if groups and deploys.endswith("privateDnsZoneGroups"):
            zones = sum("ZoneId" in name for name in definition["parameters"])
            found += [(path.parent.name, group, zones) for group in groups]
    return found


def test_the_table_agrees_with_azure_policys_private_dns_definitions(shared: Path) -> None:
    policies = [p for p in dns_policies(shared) if p[1] != "fileshare"]  # Microsoft.FileShares
    assert len(policies) >= 14
    for category, group, zones in policies:
        facts = PRIVATE_LINK_TYPES[_POLICY_TYPES[category]]
        assert group in facts.subresources, (category, group)
        assert len(facts.subresources[group]) == zones, (category, group)
    # The registry's and Azure Monitor's zones have no such definition in the copy; their
    # groups and zones come from the DNS zone values page and the AMPLS REST example.
    assert {group for _, group, _ in policies} >= set(PRIVATE_DNS_ZONES) - {
        "amlregistry",
        "azuremonitor",
    }


# --- the sample stacks ------------------------------------------------------------------------

PRIVATE_SAMPLES = ("prod", "test")


def _planned(plan: Plan, token: str) -> list[RecordedResource]:
    return [r for r in plan.resources if r.type == token]


def _main_workspace(plan: Plan) -> RecordedResource:
    """The sample's private workspace (``main``; the test stack has a public one beside it)."""
    [workspace] = [
        r
        for r in _planned(plan, "azure-native:machinelearningservices:Workspace")
        if r.name == "main-workspace"
    ]
    return workspace


@pytest.mark.parametrize("stack", PRIVATE_SAMPLES)
def test_the_samples_managed_networks_fit_the_schema(
    sample_plans: dict[str, Plan], shared: Path, stack: str
) -> None:
    schema = types(shared, ML)
    workspace = _main_workspace(sample_plans[stack])
    managed = workspace.inputs["managedNetwork"]
    kinds = {rule["type"] for rule in managed["outboundRules"].values()}
    assert "PrivateEndpoint" in kinds
    assert conforms(schema, schema.named("ManagedNetworkSettings"), managed, stack) == []


@pytest.mark.parametrize("stack", PRIVATE_SAMPLES)
def test_the_samples_private_endpoints_fit_the_schema_and_the_policy_zones(
    sample_plans: dict[str, Plan], shared: Path, stack: str
) -> None:
    """Every customer endpoint (the workspace's, the data lake's, the registry's, the telemetry
    scope's) fits the 2024-05-01 body; its DNS zone group registers in the zones of its group
    id, as many as Azure Policy's built-in DNS definition for that group configures."""
    schema = types(shared, NETWORK)
    connection = schema.named("PrivateLinkServiceConnectionProperties")
    policy_zones = {group: zones for _, group, zones in dns_policies(shared)}
    plan = sample_plans[stack]
    zone_names = {
        z.outputs["id"]: z.inputs["privateZoneName"]
        for z in _planned(plan, "azure-native:privatedns:PrivateZone")
    }
    groups_of = {}
    for endpoint in _planned(plan, "azure-native:network:PrivateEndpoint"):
        [link] = endpoint.inputs["privateLinkServiceConnections"]
        body = {k: v for k, v in link.items() if k != "name"}
        assert conforms(schema, connection, body, endpoint.name) == []
        target = link["privateLinkServiceId"].split("/providers/", 1)[1].rsplit("/", 1)[0]
        facts = private_link_type(target)
        assert facts is not None
        assert set(link["groupIds"]) <= set(facts.subresources)
        groups_of[endpoint.inputs["privateEndpointName"]] = link["groupIds"][0]
    assert {"amlregistry", "azuremonitor", "dfs", "blob"} <= set(groups_of.values())
    for zone_group in _planned(plan, "azure-native:network:PrivateDnsZoneGroup"):
        group = groups_of[zone_group.inputs["privateEndpointName"]]
        zones = sorted(
            zone_names[c["privateDnsZoneId"]] for c in zone_group.inputs["privateDnsZoneConfigs"]
        )
        assert zones == sorted(PRIVATE_DNS_ZONES[group]), group
        if group in policy_zones:
            assert len(zones) == policy_zones[group], group


@pytest.mark.parametrize("stack", PRIVATE_SAMPLES)
def test_the_samples_outbound_rules_use_group_ids_azure_policy_knows(
    sample_plans: dict[str, Plan], shared: Path, stack: str
) -> None:
    """The PrivateEndpoint rules' sub-resources are private link group ids of their target's
    type; for storage, the ones Azure Policy's private DNS definitions configure."""
    storage_groups = {g for category, g, _ in dns_policies(shared) if category == "Storage"}
    workspace = _main_workspace(sample_plans[stack])
    for rule in workspace.inputs["managedNetwork"]["outboundRules"].values():
        if rule["type"] != "PrivateEndpoint":
            continue
        destination = rule["destination"]
        target = destination["serviceResourceId"].split("/providers/", 1)[1].rsplit("/", 1)[0]
        facts = private_link_type(target)
        assert facts is not None
        assert facts.managed_network
        assert destination["subresourceTarget"] in facts.subresources
        if target == "Microsoft.Storage/storageAccounts":
            assert destination["subresourceTarget"] in storage_groups
