"""The built-in policy evaluator (tests/azure_policy) on small synthetic resources: each part of
the policy language it implements, with a compliant and a non-compliant case."""

from __future__ import annotations

from typing import Any

import pytest

from components.testing import RecordedResource
from tests.azure_policy import (
    MISSING,
    ArmResource,
    Context,
    Definition,
    ExpressionError,
    Library,
    arm_resources,
    arm_type_of,
    evaluate_definition,
    holds,
    resolve,
    select,
)

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
ACCOUNT_ID = f"{SUB}/providers/Microsoft.Storage/storageAccounts/st1"
ALIASES = {
    "microsoft.test/things/flag": "properties.flag",
    "microsoft.test/things/name.first": "properties.name.first",
    "microsoft.test/things/items[*]": "properties.items[*]",
    "microsoft.test/things/items[*].value": "properties.items[*].value",
    "microsoft.test/things/items[*].tags[*]": "properties.items[*].tags[*]",
    "microsoft.test/things/items.value": "properties.items[*].value",
    "microsoft.test/things/sku.name": "sku.name",
}


def thing(properties: dict[str, Any], **top: Any) -> ArmResource:
    return ArmResource(
        id=f"{SUB}/providers/Microsoft.Test/things/t1",
        type="Microsoft.Test/things",
        name="t1",
        body={"location": "westeurope", "properties": properties, **top},
        api_version="2024-01-01",
    )


def check(condition: dict[str, Any], resource: ArmResource, **parameters: Any) -> bool:
    return holds(condition, Context(resource, ALIASES, parameters))


# --- expressions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[parameters('effect')]", "Audit"),
        ("[equals(parameters('group'), 'AUDIT')]", True),
        ("[equals(parameters('group'), 'allLogs')]", False),
        ("[first(parameters('locations'))]", "*"),
        ("[int(split('7.01:02:03', createArray(':', '.'))[1])]", 1),
        ("[if(empty(''), 99, int('3'))]", 99),
        ("[if(empty('x'), 99, int('3'))]", 3),
        ("[padLeft('7', 3, '0')]", "007"),
        ("[length(createArray(1, 2, 3))]", 3),
        ("[concat('a', 'b''c')]", "ab'c"),
        ("[not(and(true, false))]", True),
        ("[requestContext().apiVersion]", "2024-01-01"),
        ("[greaterOrEquals(requestContext().apiVersion, '2019-04-01')]", True),
        ("[coalesce(field('Microsoft.Test/things/flag'), 'none')]", "none"),
        ("[[literal]", "[literal]"),
        ("not an expression", "not an expression"),
    ],
)
def test_expressions(expression: str, expected: Any) -> None:
    context = Context(
        thing({}),
        ALIASES,
        {"effect": "Audit", "group": "audit", "locations": ["*"]},
    )
    assert resolve(expression, context) == expected


def test_if_evaluates_only_the_branch_it_takes() -> None:
    context = Context(thing({}), ALIASES)
    assert resolve("[if(true, 1, unknownFunction())]", context) == 1
    with pytest.raises(ExpressionError, match="not supported"):
        resolve("[if(false, 1, unknownFunction())]", context)


def test_a_parameter_without_value_or_default_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="the assignment must give it"):
        resolve("[parameters('logAnalytics')]", Context(thing({}), ALIASES))


def test_unparsable_expressions_are_errors() -> None:
    with pytest.raises(ExpressionError):
        resolve("[equals('a',]", Context(thing({}), ALIASES))


# --- conditions ----------------------------------------------------------------------------------

FLAG = "Microsoft.Test/things/flag"


@pytest.mark.parametrize(
    ("condition", "compliant_flag", "other_flag"),
    [
        ({"equals": "Disabled"}, "disabled", "Enabled"),
        ({"notEquals": "Disabled"}, "Enabled", "DISABLED"),
        ({"equals": "true"}, True, False),
        ({"equals": True}, "True", "false"),
        ({"equals": 7}, 7, 8),
        ({"in": ["a", "b"]}, "B", "c"),
        ({"notIn": ["a", "b"]}, "c", "a"),
        ({"like": "*ZRS"}, "Standard_RAGZRS", "Standard_GRS"),
        ({"notLike": "*ZRS"}, "Standard_GRS", "Standard_zrs"),
        ({"contains": "Azure"}, "Logging, AzureServices", "None"),
        ({"notContains": "AzureServices"}, "None", "azureservices"),
        ({"greater": 7}, 8, 7),
        ({"greaterOrEquals": 7}, 7, 6),
        ({"less": "2019-04-01"}, "2018-01-01", "2024-01-01"),
        ({"lessOrEquals": 3}, 3, 4),
        ({"match": "##-??"}, "12-ab", "ab-12"),
        ({"exists": "true"}, "anything", MISSING),
        ({"exists": False}, MISSING, "anything"),
    ],
)
def test_operators(condition: dict[str, Any], compliant_flag: Any, other_flag: Any) -> None:
    def resource(flag: Any) -> ArmResource:
        return thing({} if flag is MISSING else {"flag": flag})

    assert check({"field": FLAG, **condition}, resource(compliant_flag))
    assert not check({"field": FLAG, **condition}, resource(other_flag))


@pytest.mark.parametrize(
    ("operator", "holds_when_missing"),
    [
        ("equals", False),
        ("notEquals", True),
        ("in", False),
        ("notIn", True),
        ("like", False),
        ("notLike", True),
        ("contains", False),
        ("notContains", True),
        ("greater", False),
    ],
)
def test_a_missing_property_fails_positive_operators(
    operator: str, holds_when_missing: bool
) -> None:
    target = ["x"] if operator.lower().endswith("in") else "x"
    assert check({"field": FLAG, operator: target}, thing({})) is holds_when_missing


def test_logical_operators_and_case_insensitive_keys() -> None:
    resource = thing({"flag": "on"}, sku={"name": "Premium"})
    assert check(
        {
            "allof": [
                {"field": FLAG, "equals": "on"},
                {
                    "anyOf": [
                        {"field": "Microsoft.Test/things/sku.name", "notequals": "Premium"},
                        {"not": {"field": FLAG, "equals": "off"}},
                    ]
                },
            ]
        },
        resource,
    )
    assert not check({"not": {"field": FLAG, "equals": "ON"}}, resource)


def test_special_fields() -> None:
    resource = thing({}, tags={"Cost.Center": "ml"}, kind="StorageV2")
    assert check({"field": "type", "equals": "microsoft.test/THINGS"}, resource)
    assert check({"field": "name", "like": "t*"}, resource)
    assert check({"field": "location", "equals": "westeurope"}, resource)
    assert check({"field": "kind", "equals": "StorageV2"}, resource)
    assert check({"field": "tags['Cost.Center']", "equals": "ml"}, resource)
    assert check({"field": "tags.missing", "exists": False}, resource)
    assert check({"value": "[field('type')]", "equals": "Microsoft.Test/things"}, resource)


def test_unknown_aliases_are_errors_not_passes() -> None:
    with pytest.raises(ExpressionError, match="not in the alias table"):
        check({"field": "Microsoft.Test/things/nope", "equals": "x"}, thing({}))


# --- arrays: [*] aliases and count ---------------------------------------------------------------

ITEMS = "Microsoft.Test/things/items[*]"
VALUE = "Microsoft.Test/things/items[*].value"


def items(*values: Any) -> ArmResource:
    return thing({"items": [{} if v is MISSING else {"value": v} for v in values]})


def test_a_star_alias_holds_only_when_every_member_does() -> None:
    assert check({"field": VALUE, "equals": "a"}, items("a", "A"))
    assert not check({"field": VALUE, "equals": "a"}, items("a", "b"))
    # Every member of none: an empty (or missing) array passes.
    assert check({"field": VALUE, "equals": "a"}, items())
    assert check({"field": VALUE, "equals": "a"}, thing({}))
    # A member without the property selects a missing value: it fails equals.
    assert not check({"field": VALUE, "equals": "a"}, items("a", MISSING))
    assert check({"field": VALUE, "notEquals": "b"}, items("a", MISSING))


def test_a_legacy_alias_through_an_array_selects_every_member() -> None:
    assert check({"field": "Microsoft.Test/things/items.value", "equals": True}, items(True))
    assert not check(
        {"field": "Microsoft.Test/things/items.value", "equals": True}, items(True, False)
    )


def test_field_returns_the_selected_values() -> None:
    context = Context(items("a", "b"), ALIASES)
    assert context.field(VALUE) == ["a", "b"]
    assert context.field(ITEMS) == [{"value": "a"}, {"value": "b"}]
    assert context.field(FLAG) is None


@pytest.mark.parametrize(
    ("members", "expected"),
    [(("a", "b", "a"), 2), (("b",), 0), ((), 0)],
)
def test_count_with_where_sees_one_member_at_a_time(
    members: tuple[str, ...], expected: int
) -> None:
    resource = items(*members)
    counted = {"count": {"field": ITEMS, "where": {"field": VALUE, "equals": "a"}}}
    assert check({**counted, "equals": expected}, resource)
    assert not check({**counted, "equals": expected + 1}, resource)
    # The legacy alias through the counted array reads the current member too.
    legacy = {"field": "Microsoft.Test/things/items.value", "equals": "a"}
    assert check({"count": {"field": ITEMS, "where": legacy}, "equals": expected}, resource)


def test_count_without_where_is_the_length() -> None:
    assert check({"count": {"field": ITEMS}, "equals": 3}, items(1, 2, 3))
    assert check(
        {"count": {"field": ITEMS}, "equals": "[length(field('Microsoft.Test/things/items[*]'))]"},
        items(1, 2),
    )


def test_nested_counts_and_current() -> None:
    resource = thing({"items": [{"value": "x", "tags": ["a", "b"]}, {"value": "y", "tags": ["c"]}]})
    tags = "Microsoft.Test/things/items[*].tags[*]"
    assert check({"count": {"field": tags}, "equals": 3}, resource)
    inner = {"count": {"field": tags, "where": {"field": tags, "equals": "c"}}, "greater": 0}
    where = {"allOf": [{"field": VALUE, "equals": "y"}, inner]}
    assert check({"count": {"field": ITEMS, "where": where}, "equals": 1}, resource)
    current = {"value": "[current('Microsoft.Test/things/items[*].value')]", "equals": "x"}
    assert check({"count": {"field": ITEMS, "where": current}, "equals": 1}, resource)


def test_value_count_with_a_name() -> None:
    resource = thing({"flag": "prefix-2"})
    condition = {
        "count": {
            "value": "[parameters('patterns')]",
            "name": "pattern",
            "where": {"field": FLAG, "like": "[current('pattern')]"},
        },
        "greater": 0,
    }
    assert check(condition, resource, patterns=["other-*", "prefix-*"])
    assert not check(condition, resource, patterns=["other-*"])
    assert check({"count": {"value": [1, 2]}, "equals": 2}, resource)


def test_select_reports_collections() -> None:
    assert select(items("a"), VALUE, ALIASES) == (True, ["a"])
    assert select(thing({"flag": 1}), FLAG, ALIASES) == (False, [1])
    assert select(thing({}), FLAG, ALIASES) == (False, [MISSING])


# --- definitions: effects, parameters, existence -------------------------------------------------


def definition(rule: dict[str, Any], **parameters: Any) -> Definition:
    return Definition(
        id="00000000-test",
        display_name="test",
        mode="Indexed",
        parameters={
            "effect": {"defaultValue": "Audit"},
            **{k: {"defaultValue": v} for k, v in parameters.items()},
        },
        rule=rule,
    )


AUDIT_FLAG = definition(
    {
        "if": {
            "allOf": [
                {"field": "type", "equals": "Microsoft.Test/things"},
                {"field": FLAG, "notEquals": "[parameters('wanted')]"},
            ]
        },
        "then": {"effect": "[parameters('effect')]"},
    },
    wanted="on",
)


def test_an_audit_definition_uses_defaults_and_assignment_values() -> None:
    on, off = thing({"flag": "on"}), thing({"flag": "off"})
    assert evaluate_definition(AUDIT_FLAG, on, aliases=ALIASES).outcome == "not-applicable"
    assert evaluate_definition(AUDIT_FLAG, off, aliases=ALIASES).outcome == "non-compliant"
    assigned = {"wanted": "off"}
    assert (
        evaluate_definition(AUDIT_FLAG, off, aliases=ALIASES, assignment=assigned).outcome
        == "not-applicable"
    )
    disabled = {"effect": "Disabled"}
    assert (
        evaluate_definition(AUDIT_FLAG, off, aliases=ALIASES, assignment=disabled).outcome
        == "disabled"
    )


def test_indexed_mode_skips_resources_without_a_location() -> None:
    child = ArmResource(id="x", type="Microsoft.Test/things", name="x", body={"properties": {}})
    assert evaluate_definition(AUDIT_FLAG, child, aliases=ALIASES).outcome == "not-applicable"


DIAGNOSTICS_ALIASES = {
    **ALIASES,
    "microsoft.insights/diagnosticsettings/logs[*]": "properties.logs[*]",
    "microsoft.insights/diagnosticsettings/logs[*].enabled": "properties.logs[*].enabled",
    "microsoft.insights/diagnosticsettings/workspaceid": "properties.workspaceId",
}
LOG_ENABLED = {"field": "Microsoft.Insights/diagnosticSettings/logs[*].enabled", "equals": True}
NEEDS_LOGS = Definition(
    id="00000000-logs",
    display_name="logs",
    mode="Indexed",
    parameters={
        "effect": {"defaultValue": "AuditIfNotExists"},
        "logAnalytics": {},
        "profileName": {},
    },
    rule={
        "if": {"field": "type", "equals": "Microsoft.Test/things"},
        "then": {
            "effect": "[parameters('effect')]",
            "details": {
                "type": "Microsoft.Insights/diagnosticSettings",
                "name": "[parameters('profileName')]",
                "existenceCondition": {
                    "allOf": [
                        {
                            "count": {
                                "field": "Microsoft.Insights/diagnosticSettings/logs[*]",
                                "where": LOG_ENABLED,
                            },
                            "greaterOrEquals": 1,
                        },
                        {
                            "field": "Microsoft.Insights/diagnosticSettings/workspaceId",
                            "equals": "[parameters('logAnalytics')]",
                        },
                        {"value": "[field('name')]", "equals": "t1"},
                    ]
                },
            },
        },
    },
)


def setting(scope: str, name: str, *, enabled: bool, workspace: str = "la") -> ArmResource:
    return ArmResource(
        id=f"{scope}/providers/Microsoft.Insights/diagnosticSettings/{name}",
        type="Microsoft.Insights/diagnosticSettings",
        name=name,
        body={"properties": {"logs": [{"enabled": enabled}], "workspaceId": workspace}},
        label=name,
    )


@pytest.mark.parametrize(
    ("settings", "outcome"),
    [
        ([("", "ds", True, "la")], "compliant"),
        ([("", "ds", False, "la")], "non-compliant"),
        ([("", "ds", True, "other")], "non-compliant"),
        ([("", "other-name", True, "la")], "non-compliant"),
        # A setting of a child resource is not the resource's own.
        ([("/children/c1", "ds", True, "la")], "non-compliant"),
        ([("", "ds", False, "la"), ("", "ds", True, "la")], "compliant"),
        ([], "non-compliant"),
    ],
)
def test_audit_if_not_exists_looks_at_the_resources_settings(
    settings: list[tuple[str, str, bool, str]], outcome: str
) -> None:
    resource = thing({})
    stack = [
        setting(resource.id + suffix, name, enabled=enabled, workspace=workspace)
        for suffix, name, enabled, workspace in settings
    ]
    result = evaluate_definition(
        NEEDS_LOGS,
        resource,
        stack=stack,
        aliases=DIAGNOSTICS_ALIASES,
        assignment={"logAnalytics": "la", "profileName": "ds"},
    )
    assert result.outcome == outcome, result.reason


def test_an_assignment_value_may_depend_on_the_resource() -> None:
    resource = thing({})
    result = evaluate_definition(
        NEEDS_LOGS,
        resource,
        stack=[setting(resource.id, "ds", enabled=True, workspace="la-t1")],
        aliases=DIAGNOSTICS_ALIASES,
        assignment={"logAnalytics": lambda r: f"la-{r.name}", "profileName": "ds"},
    )
    assert result.outcome == "compliant"


# --- from plan resources to ARM ------------------------------------------------------------------


def recorded(
    type_token: str, name: str, inputs: dict[str, Any], resource_id: str
) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:pulumi:prod::amlstack::{type_token}::{name}",
        type=type_token,
        name=name,
        custom=True,
        parent="",
        inputs=inputs,
        dependencies=(),
        protect=False,
        outputs={"id": resource_id},
    )


def test_arm_types_come_from_the_id() -> None:
    assert arm_type_of(f"{ACCOUNT_ID}/blobServices/default") == (
        "Microsoft.Storage/storageAccounts/blobServices"
    )
    assert arm_type_of(f"{ACCOUNT_ID}/providers/Microsoft.Insights/diagnosticSettings/x") == (
        "Microsoft.Insights/diagnosticSettings"
    )
    assert arm_type_of(SUB) == "Microsoft.Resources/resourceGroups"


def test_pulumi_inputs_become_the_arm_body() -> None:
    account = recorded(
        "azure-native:storage:StorageAccount",
        "main-storage",
        {
            "accountName": "st1",
            "resourceGroupName": "rg",
            "location": "westeurope",
            "sku": {"name": "Standard_GRS"},
            "kind": "StorageV2",
            "minimumTlsVersion": "TLS1_2",
            "enableHttpsTrafficOnly": True,
            "networkRuleSet": {
                "defaultAction": "Deny",
                "ipRules": [{"iPAddressOrRange": "1.2.3.4"}],
            },
            "encryption": {"encryptionIdentity": {"encryptionUserAssignedIdentity": "uai"}},
        },
        ACCOUNT_ID,
    )
    vault = recorded(
        "azure-native:keyvault:Vault",
        "main-keyvault",
        {"vaultName": "kv", "resourceGroupName": "rg", "properties": {"enableSoftDelete": True}},
        f"{SUB}/providers/Microsoft.KeyVault/vaults/kv",
    )
    arm = {r.name: r for r in arm_resources([account, vault])}
    body = arm["st1"].body
    assert body["sku"] == {"name": "Standard_GRS"}
    assert body["kind"] == "StorageV2"
    properties = body["properties"]
    assert "accountName" not in properties
    assert properties["minimumTlsVersion"] == "TLS1_2"
    assert properties["supportsHttpsTrafficOnly"] is True
    assert properties["networkAcls"] == {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]}
    assert properties["encryption"] == {"identity": {"userAssignedIdentity": "uai"}}
    assert arm["kv"].body == {"properties": {"enableSoftDelete": True}}
    assert arm["kv"].api_version == "2024-11-01"


def test_azure_adds_storage_services_and_approved_private_endpoint_connections() -> None:
    account = recorded(
        "azure-native:storage:StorageAccount",
        "main-storage",
        {"accountName": "st1", "resourceGroupName": "rg", "location": "westeurope"},
        ACCOUNT_ID,
    )
    blob = recorded(
        "azure-native:storage:BlobServiceProperties",
        "main-storage-blob",
        {"accountName": "st1", "resourceGroupName": "rg", "blobServicesName": "default"},
        f"{ACCOUNT_ID}/blobServices/default",
    )
    endpoint = recorded(
        "azure-native:network:PrivateEndpoint",
        "main-pe",
        {
            "privateEndpointName": "pe-blob",
            "resourceGroupName": "rg",
            "location": "westeurope",
            "privateLinkServiceConnections": [
                {"name": "blob", "groupIds": ["blob"], "privateLinkServiceId": ACCOUNT_ID}
            ],
        },
        f"{SUB}/providers/Microsoft.Network/privateEndpoints/pe-blob",
    )
    arm = arm_resources([account, blob, endpoint])
    types = sorted(r.type.rsplit("/", 1)[-1] for r in arm)
    assert types == [
        "blobServices",  # the planned one, not a second implicit one
        "fileServices",
        "privateEndpointConnections",
        "privateEndpoints",
        "queueServices",
        "storageAccounts",
        "tableServices",
    ]
    by_type = {r.type.rsplit("/", 1)[-1]: r for r in arm}
    connections = by_type["storageAccounts"].body["properties"]["privateEndpointConnections"]
    assert connections[0]["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"
    groups = by_type["privateEndpoints"].body["properties"]["privateLinkServiceConnections"]
    assert groups == [
        {"name": "blob", "properties": {"groupIds": ["blob"], "privateLinkServiceId": ACCOUNT_ID}}
    ]


# --- real built-ins on synthetic resources -------------------------------------------------------


def storage_account(**properties: Any) -> ArmResource:
    return ArmResource(
        id=ACCOUNT_ID,
        type="Microsoft.Storage/storageAccounts",
        name="st1",
        body={"location": "westeurope", "kind": "StorageV2", "properties": properties},
        api_version="2024-01-01",
    )


@pytest.mark.parametrize(
    ("sas_policy", "outcome"),
    [
        ({"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Block"}, "not-applicable"),
        ({"sasExpirationPeriod": "7.00:00:00", "expirationAction": "Block"}, "not-applicable"),
        ({"sasExpirationPeriod": "7.00:00:01", "expirationAction": "Block"}, "non-compliant"),
        ({"sasExpirationPeriod": "8.00:00:00", "expirationAction": "Block"}, "non-compliant"),
        ({"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Log"}, "non-compliant"),
        ({"sasExpirationPeriod": "1.00:00:00"}, "non-compliant"),
        (None, "non-compliant"),
    ],
)
def test_the_sas_seven_day_built_in(
    policy_library: Library, sas_policy: dict[str, str] | None, outcome: str
) -> None:
    definition = policy_library.definitions["7aa1c9d5-3d7e-4579-8117-d85e99211757"]
    account = storage_account(**({"sasPolicy": sas_policy} if sas_policy else {}))
    result = evaluate_definition(definition, account, aliases=policy_library.aliases)
    assert result.outcome == outcome


def test_every_alias_our_built_ins_use_is_in_the_alias_table(policy_library: Library) -> None:
    """A definition whose alias is missing would evaluate as an error, never as a pass: no
    definition meets an unknown alias on a resource of a type it names."""
    unknown = []
    for definition in policy_library.definitions.values():
        for arm_type in definition.subject_types:
            resource = ArmResource(
                id=f"{SUB}/providers/{arm_type}/x",
                type=arm_type,
                name="x",
                body={"location": "westeurope", "properties": {}},
            )
            result = evaluate_definition(
                definition,
                resource,
                aliases=policy_library.aliases,
                assignment={"logAnalytics": "la", "listOfAllowedSKUs": ["Standard_GRS"]},
            )
            if "alias" in result.reason:
                unknown.append((definition.short_id, result.reason))
    assert unknown == []
