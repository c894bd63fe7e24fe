"""Outbound rules of all three kinds: validated in config, emitted as the provider's inputs, and
the automatic PrivateEndpoint rules for what the stack wires up (a pure function)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.errors import ConfigError
from components.naming import OUTBOUND_RULE, derive_name
from components.network import NetworkArgs
from components.outbound import (
    DatastoreAccount,
    PrivateEndpointRuleArgs,
    automatic_rules,
    fqdn_rule_name,
)
from components.private_link import (
    DATASTORE_SUBRESOURCES,
    PRIVATE_LINK_TYPES,
    check_subresource,
    parse_resource_id,
)
from components.service_tags import SERVICE_TAGS, check_port_ranges, port_ranges
from components.testing import record
from components.workspace import Workspace, WorkspaceArgs

SUB = "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-data/providers"
LAKE = f"{SUB}/Microsoft.Storage/storageAccounts/stcuratedlake"
VAULT = f"{SUB}/Microsoft.KeyVault/vaults/kv-team"
SEARCH = f"{SUB}/Microsoft.Search/searchServices/srch-docs"
REGISTRY = f"{SUB}/Microsoft.MachineLearningServices/registries/mlr-shared"
SCOPE = f"{SUB}/Microsoft.Insights/privateLinkScopes/ampls-hub"


def network(**outbound: Any) -> NetworkArgs:
    """The network of `outbound` (keys as in stack config)."""
    return NetworkArgs.parse({"outbound": outbound}, at="NetworkArgs")


def problem(**outbound: Any) -> tuple[str, str]:
    with pytest.raises(ConfigError) as caught:
        network(**outbound)
    [only] = caught.value.problems
    return only.field, only.allowed


def test_every_kind_is_emitted_as_the_providers_outbound_rule_inputs() -> None:
    args = WorkspaceArgs(
        name="main",
        network={
            "outbound": {
                "pythonPackages": False,
                "fqdns": ["huggingface.co"],
                "privateEndpoints": [
                    {"name": "lake-dfs", "resourceId": LAKE, "subresource": "dfs"},
                    {
                        "name": "lake-blob",
                        "resourceId": LAKE,
                        "subresource": "blob",
                        "sparkEnabled": True,
                    },
                ],
                "serviceTags": [
                    {"name": "adf", "serviceTag": "DataFactory", "portRanges": "80, 8080-8089"},
                    {
                        "name": "storage-weu",
                        "serviceTag": "Storage.westeurope",
                        "portRanges": 443,
                        "protocol": "*",
                        "action": "Allow",
                    },
                ],
            }
        },
    )
    recording = record(lambda: Workspace("main", args, resource_group_name="rg", location="x"))
    managed = recording.one("azure-native:machinelearningservices:Workspace").inputs[
        "managedNetwork"
    ]
    assert managed["outboundRules"] == {
        "adf": {
            "category": "UserDefined",
            "destination": {
                "portRanges": "80,8080-8089",
                "protocol": "TCP",
                "serviceTag": "DataFactory",
            },
            "type": "ServiceTag",
        },
        "fqdn-huggingface-co": {
            "category": "UserDefined",
            "destination": "huggingface.co",
            "type": "FQDN",
        },
        "lake-blob": {
            "category": "UserDefined",
            "destination": {
                "serviceResourceId": LAKE,
                "sparkEnabled": True,
                "subresourceTarget": "blob",
            },
            "type": "PrivateEndpoint",
        },
        "lake-dfs": {
            "category": "UserDefined",
            "destination": {
                "serviceResourceId": LAKE,
                "sparkEnabled": False,
                "subresourceTarget": "dfs",
            },
            "type": "PrivateEndpoint",
        },
        "storage-weu": {
            "category": "UserDefined",
            "destination": {
                "action": "Allow",
                "portRanges": "443",
                "protocol": "*",
                "serviceTag": "Storage.westeurope",
            },
            "type": "ServiceTag",
        },
    }
    assert managed["firewallSku"] == "Standard"  # the FQDN rule needs the firewall


def test_private_endpoint_rules_alone_need_no_firewall_and_work_with_internet_outbound() -> None:
    args = NetworkArgs(
        isolation_mode="AllowInternetOutbound",
        outbound={
            "privateEndpoints": [{"name": "kv-rule", "resourceId": VAULT, "subresource": "vault"}]
        },
    )
    recording = record(
        lambda: Workspace(
            "main", WorkspaceArgs(name="main", network=args), resource_group_name="rg", location="x"
        )
    )
    managed = recording.one("azure-native:machinelearningservices:Workspace").inputs[
        "managedNetwork"
    ]
    assert list(managed["outboundRules"]) == ["kv-rule"]
    assert "firewallSku" not in managed


@pytest.mark.parametrize(
    ("outbound", "field", "allowed"),
    [
        (
            {"privateEndpoints": [{"name": "kv-rule", "resourceId": VAULT, "subresource": "blob"}]},
            "NetworkArgs.outbound.privateEndpoints[kv-rule].subresource",
            "a key vault has no sub-resource 'blob'; expected 'vault'",
        ),
        (
            {"privateEndpoints": [{"name": "lake", "resourceId": LAKE, "subresource": "dsf"}]},
            "NetworkArgs.outbound.privateEndpoints[lake].subresource",
            "did you mean 'dfs'?",
        ),
        (
            {
                "privateEndpoints": [
                    {"name": "mon", "resourceId": SCOPE, "subresource": "azuremonitor"}
                ]
            },
            "NetworkArgs.outbound.privateEndpoints[mon].resourceId",
            "cannot create private endpoints to Microsoft.Insights/privateLinkScopes",
        ),
        (
            {
                "privateEndpoints": [
                    {"name": "lake", "resourceId": "stcuratedlake", "subresource": "dfs"}
                ]
            },
            "NetworkArgs.outbound.privateEndpoints[lake].resourceId",
            "expected the ARM id of a resource",
        ),
        (
            {
                "privateEndpoints": [
                    {
                        "name": "srch",
                        "resourceId": SEARCH,
                        "subresource": "searchService",
                        "sparkEnabled": True,
                    }
                ]
            },
            "NetworkArgs.outbound.privateEndpoints[srch].sparkEnabled",
            "storage accounts only",
        ),
        (
            {"privateEndpoints": [{"name": "x", "resourceId": VAULT, "subresource": "vault"}]},
            "NetworkArgs.outbound.privateEndpoints[x].name",
            "3-33 letters",
        ),
        (
            {
                "privateEndpoints": [
                    {"name": "data", "resourceId": VAULT, "subresource": "vault"},
                    {"name": "data", "resourceId": LAKE, "subresource": "dfs"},
                ]
            },
            "NetworkArgs.outbound.privateEndpoints",
            "(FQDN rules are named fqdn-<host>); repeated: data",
        ),
        (
            {
                "privateEndpoints": [
                    {"name": "fqdn-pypi-org", "resourceId": VAULT, "subresource": "vault"}
                ]
            },
            "NetworkArgs.outbound.privateEndpoints",
            "repeated: fqdn-pypi-org",
        ),
        (
            {
                "privateEndpoints": [
                    {"name": "lake-1", "resourceId": LAKE, "subresource": "dfs"},
                    {
                        "name": "lake-2",
                        "resourceId": LAKE.upper().replace("/SUBSCRIPTIONS", "/subscriptions"),
                        "subresource": "dfs",
                    },
                ]
            },
            "NetworkArgs.outbound.privateEndpoints",
            "one rule per resource and sub-resource",
        ),
        (
            {
                "privateEndpoints": [{"name": "data", "resourceId": VAULT, "subresource": "vault"}],
                "serviceTags": [{"name": "data", "serviceTag": "Storage", "portRanges": "443"}],
            },
            "NetworkArgs.outbound.serviceTags",
            "repeated: data",
        ),
        (
            {
                "serviceTags": [
                    {"name": "adf", "serviceTag": "DataFactory", "portRanges": "443,70000"}
                ]
            },
            "NetworkArgs.outbound.serviceTags[adf].portRanges",
            "within 1-65535",
        ),
        (
            {
                "serviceTags": [
                    {"name": "adf", "serviceTag": "DataFactory", "portRanges": "9000-8000"}
                ]
            },
            "NetworkArgs.outbound.serviceTags[adf].portRanges",
            "a range must go up",
        ),
        (
            {"serviceTags": [{"name": "adf", "serviceTag": "DataFactory", "portRanges": "https"}]},
            "NetworkArgs.outbound.serviceTags[adf].portRanges",
            "'https' is not a port or range",
        ),
        (
            {"serviceTags": [{"name": "adf", "serviceTag": "DataFactroy", "portRanges": "443"}]},
            "NetworkArgs.outbound.serviceTags[adf].serviceTag",
            "did you mean 'DataFactory'",
        ),
        (
            {
                "serviceTags": [
                    {
                        "name": "kv-rule",
                        "serviceTag": "AzureMonitor.westeurope",
                        "portRanges": "443",
                    }
                ]
            },
            "NetworkArgs.outbound.serviceTags[kv-rule].serviceTag",
            "'AzureMonitor' cannot be narrowed to a region",
        ),
        (
            {
                "serviceTags": [
                    {"name": "st-rule", "serviceTag": "Storage.mars", "portRanges": "443"}
                ]
            },
            "NetworkArgs.outbound.serviceTags[st-rule].serviceTag",
            "'mars' after 'Storage.'",
        ),
        (
            {
                "serviceTags": [
                    {
                        "name": "st-rule",
                        "serviceTag": "Storage",
                        "portRanges": "443",
                        "protocol": "HTTP",
                    }
                ]
            },
            "NetworkArgs.outbound.serviceTags[st-rule].protocol",
            "'TCP', 'UDP', 'ICMP' or '*'",
        ),
    ],
)
def test_bad_rules_name_the_key_and_what_is_allowed(
    outbound: dict[str, Any], field: str, allowed: str
) -> None:
    found_field, found_allowed = problem(**outbound)
    assert found_field == field
    assert allowed in found_allowed


@pytest.mark.parametrize(
    ("mode", "outbound", "needs"),
    [
        (
            "AllowInternetOutbound",
            {"serviceTags": [{"name": "adf", "serviceTag": "DataFactory", "portRanges": "443"}]},
            "serviceTags need isolationMode 'AllowOnlyApprovedOutbound'",
        ),
        (
            "Disabled",
            {
                "privateEndpoints": [
                    {"name": "kv-rule", "resourceId": VAULT, "subresource": "vault"}
                ]
            },
            "privateEndpoints are rules of a managed network",
        ),
    ],
)
def test_rule_kinds_need_the_mode_that_has_them(
    mode: str, outbound: dict[str, Any], needs: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        NetworkArgs.parse({"isolationMode": mode, "outbound": outbound}, at="NetworkArgs")
    [only] = caught.value.problems
    assert only.field == "NetworkArgs.outbound"
    assert needs in only.allowed


def test_the_subresource_table_rejects_what_a_type_does_not_have() -> None:
    for resource_type, facts in PRIVATE_LINK_TYPES.items():
        for subresource in facts.subresources:
            assert check_subresource(resource_type.upper(), subresource) == subresource
            assert all(zone.startswith("privatelink.") for zone in facts.subresources[subresource])
    with pytest.raises(ValueError, match="expected 'amlregistry'"):
        check_subresource("Microsoft.MachineLearningServices/registries", "amlworkspace")


@given(st.lists(st.tuples(st.integers(1, 65535), st.integers(0, 500)), min_size=1, max_size=5))
def test_port_ranges_normalize_to_azures_form_and_back(items: list[tuple[int, int]]) -> None:
    ranges = [(a, min(a + width, 65535)) for a, width in items]
    text = " , ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
    normalized = check_port_ranges(text)
    assert " " not in normalized
    assert port_ranges(normalized) == tuple(ranges)
    assert check_port_ranges(normalized) == normalized


@given(st.sampled_from(sorted(SERVICE_TAGS)))
def test_every_listed_tag_and_its_regional_form_where_azure_has_one(tag: str) -> None:
    rule = {"name": "tag-rule", "serviceTag": tag, "portRanges": "443"}
    assert network(serviceTags=[rule]).outbound.service_tags[0].service_tag == tag
    regional = {**rule, "serviceTag": f"{tag}.northeurope"}
    if SERVICE_TAGS[tag]:
        network(serviceTags=[regional])
    else:
        with pytest.raises(ConfigError):
            network(serviceTags=[regional])


@given(st.from_regex(r"(\*\.)?([a-z][a-z0-9-]{0,20}[a-z0-9]\.){1,4}[a-z]{2,10}", fullmatch=True))
def test_fqdn_rule_names_are_valid_rule_names(host: str) -> None:
    assert OUTBOUND_RULE.accepts(fqdn_rule_name(host))


# --- automatic rules: a pure function -------------------------------------------------------

_ACCOUNT_NAMES = st.from_regex(r"[a-z][a-z0-9]{2,23}", fullmatch=True)
_ACCOUNTS = st.lists(
    st.builds(
        DatastoreAccount,
        account_id=st.tuples(_ACCOUNT_NAMES, st.booleans()).map(
            lambda n: f"{SUB}/Microsoft.Storage/storageAccounts/{n[0].upper() if n[1] else n[0]}"
        ),
        datastore_type=st.sampled_from(sorted(DATASTORE_SUBRESOURCES)),
    ),
    max_size=6,
)
_REGISTRIES = st.none() | st.from_regex(r"mlr-[a-z0-9-]{3,40}[a-z0-9]", fullmatch=True).map(
    lambda n: f"{SUB}/Microsoft.MachineLearningServices/registries/{n}"
)


@st.composite
def _user_rules(draw: st.DrawFn, accounts: list[DatastoreAccount]) -> list[PrivateEndpointRuleArgs]:
    """Rules a user may have written: some to the same targets (any name), some not."""
    rules: list[PrivateEndpointRuleArgs] = []
    for index, account in enumerate(accounts):
        if draw(st.booleans()):
            subresource = draw(st.sampled_from(DATASTORE_SUBRESOURCES[account.datastore_type]))
            plain = derive_name(
                OUTBOUND_RULE, "pe", account.account_id.rsplit("/", 1)[-1], subresource
            )
            name = draw(st.sampled_from([f"mine-{index}", plain]))
            if name not in {r.name for r in rules} and (
                account.account_id.lower(),
                subresource,
            ) not in {r.target for r in rules}:
                rules.append(
                    PrivateEndpointRuleArgs(
                        name=name, resource_id=account.account_id, subresource=subresource
                    )
                )
    return rules


@given(st.data(), _ACCOUNTS, _REGISTRIES)
def test_automatic_rules_add_what_is_missing_and_never_duplicate_a_user_rule(
    data: st.DataObject, accounts: list[DatastoreAccount], registry: str | None
) -> None:
    user = data.draw(_user_rules(accounts))
    rules = automatic_rules(datastore_accounts=accounts, registry_id=registry, user_rules=user)
    wanted = {
        (a.account_id.lower(), sub)
        for a in accounts
        for sub in DATASTORE_SUBRESOURCES[a.datastore_type]
    } | ({(registry.lower(), "amlregistry")} if registry else set())
    assert {r.target for r in rules} == wanted - {r.target for r in user}
    names = [r.name for r in (*user, *rules)]
    assert len(names) == len(set(names))
    assert all(OUTBOUND_RULE.accepts(r.name) for r in rules)
    # Deterministic: the same inputs in another order give the same rules.
    assert (
        automatic_rules(
            datastore_accounts=list(reversed(accounts)),
            registry_id=registry,
            user_rules=list(reversed(user)),
        )
        == rules
    )
    # Idempotent: once its rules are written, nothing more is needed.
    assert (
        automatic_rules(
            datastore_accounts=accounts, registry_id=registry, user_rules=[*user, *rules]
        )
        == ()
    )


def test_automatic_rules_leave_the_workspace_dependencies_to_azure() -> None:
    own = f"{SUB}/Microsoft.Storage/storageAccounts/stworkspace"
    rules = automatic_rules(
        datastore_accounts=[
            DatastoreAccount(own, "AzureBlob"),
            DatastoreAccount(LAKE, "AzureDataLakeGen2"),
        ],
        registry_id=REGISTRY,
        covered=[own.upper().replace("/SUBSCRIPTIONS", "/subscriptions")],
        taken_names=["pe-stcuratedlake-dfs"],
    )
    assert [(r.name, r.resource_id, r.subresource) for r in rules] == [
        ("pe-mlr-shared-amlregistry", REGISTRY, "amlregistry"),
        ("pe-stcuratedlake-blob", LAKE, "blob"),
        (rules[2].name, LAKE, "dfs"),
    ]
    assert rules[2].name.startswith("pe-stcuratedlake-dfs-")  # the plain name was taken


def test_resource_ids_compare_without_case() -> None:
    lake = parse_resource_id(LAKE)
    shouted = parse_resource_id(LAKE.replace("resourceGroups", "resourcegroups").upper())
    assert lake is not None
    assert shouted is not None
    assert (
        lake.key == shouted.key == ("microsoft.storage/storageaccounts", "rg-data", "stcuratedlake")
    )
    assert parse_resource_id(f"{LAKE}/blobServices/default") is None  # not a top-level resource
