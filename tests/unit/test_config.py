"""Stack config: tier presets, explicit values winning, and errors that name key, value, allowed."""

from __future__ import annotations

from typing import Any

import pytest

from components.errors import ConfigError
from components.testing import record
from components.workspace import WorkspaceArgs
from infra.config import load_stack_config, parse_stack_config
from infra.tiers import TIER_PRESETS
from tests.conftest import REACHABLE_NETWORK

GUID = "0a1b2c3d-0000-4000-8000-000000000001"


def stack(**overrides: Any) -> dict[str, Any]:
    workspace = {"name": "main", "network": REACHABLE_NETWORK}
    return {"location": "westeurope", "workspaces": [workspace], **overrides}


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw)
    return [str(p) for p in caught.value.problems]


def test_prod_is_the_default_tier_and_keeps_secure_defaults() -> None:
    config = parse_stack_config(stack())
    assert config.tier == "prod"
    assert config.workspaces[0].workspace_args() == WorkspaceArgs(
        name="main",
        network={"privateEndpoints": REACHABLE_NETWORK["privateEndpoints"]},  # type: ignore[arg-type]
    )
    workspace = config.workspaces[0]
    assert workspace.protect is True
    assert workspace.network.public_network_access == "Disabled"
    assert workspace.storage.sku == "Standard_GRS"


def test_dev_tier_starts_from_the_relaxed_presets() -> None:
    workspace = parse_stack_config(stack(tier="dev")).workspaces[0]
    assert workspace.protect is False
    assert workspace.network.public_network_access == "Enabled"
    assert workspace.storage.sku == "Standard_LRS"
    assert workspace.key_vault.purge_protection is False
    assert workspace.container_registry.sku == "Basic"


def test_explicit_settings_win_over_the_tier_preset_field_by_field() -> None:
    raw = stack(
        tier="dev",
        workspaces=[{"name": "main", "storage": {"sku": "Standard_ZRS"}, "protect": True}],
    )
    workspace = parse_stack_config(raw).workspaces[0]
    assert workspace.storage.sku == "Standard_ZRS"
    assert workspace.storage.soft_delete_days == 7  # still the dev preset
    assert workspace.protect is True


def test_combination_made_invalid_by_a_preset_is_still_caught() -> None:
    raw = stack(
        tier="dev", workspaces=[{"name": "main", "network": {"publicNetworkAccess": "Disabled"}}]
    )
    [message] = problems(raw)
    assert message.startswith("amlstack:workspaces[main].containerRegistry:")
    assert "sku 'Basic'" in message
    assert "'Premium'" in message


@pytest.mark.parametrize(
    ("raw", "field", "shown", "allowed"),
    [
        (stack(location="West Europe"), "amlstack:location", "'West Europe'", "'westeurope'"),
        (stack(tier="staging"), "amlstack:tier", "'staging'", "'dev' or 'prod'"),
        (stack(teir="dev"), "amlstack:teir", "unknown key", "did you mean 'tier'?"),
        (stack(workspaces=[]), "amlstack:workspaces", "[]", "at least 1 item"),
        ({"workspaces": [{"name": "main"}]}, "amlstack:location", "required", "required"),
        (
            stack(workspaces=[{"name": "Main_WS"}]),
            "amlstack:workspaces[Main_WS].name",
            "'Main_WS'",
            "lowercase",
        ),
        (
            stack(workspaces=[{"name": "main"}, {"name": "main"}]),
            "amlstack:workspaces",
            "main",
            "unique",
        ),
        (
            stack(workspaces=[{"name": "main", "storage": {"softDeleteDays": 900}}]),
            "amlstack:workspaces[main].storage.softDeleteDays",
            "900",
            "365",
        ),
        (
            stack(workspaces=[{"name": "main", "keyVault": {"retentionDays": "ninety"}}]),
            "amlstack:workspaces[main].keyVault.retentionDays",
            "'ninety'",
            "integer",
        ),
        (
            stack(workspaces=[{"name": "main", "access": {"dataScientsts": []}}]),
            "amlstack:workspaces[main].access.dataScientsts",
            "unknown key",
            "did you mean 'dataScientist'?",
        ),
        (
            stack(
                workspaces=[
                    {"name": "main", "access": {"owner": [{"objectId": "bob", "type": "User"}]}}
                ]
            ),
            "amlstack:workspaces[main].access.owner[0].objectId",
            "'bob'",
            "GUID",
        ),
        (
            stack(
                workspaces=[
                    {"name": "main", "access": {"owner": [{"objectId": GUID, "type": "Person"}]}}
                ]
            ),
            "amlstack:workspaces[main].access.owner[0].type",
            "'Person'",
            "'User', 'Group' or 'ServicePrincipal'",
        ),
        (
            stack(workspaces=[{"name": "main", "access": {"owner": [{"objectId": GUID}]}}]),
            "amlstack:workspaces[main].access.owner[0].type",
            "required",
            "required",
        ),
        (
            stack(
                workspaces=[
                    {"name": "main", "access": {"reader": [{"objectId": GUID, "type": "User"}] * 2}}
                ]
            ),
            "amlstack:workspaces[main].access.reader",
            GUID,
            "list each principal once",
        ),
        (
            stack(resourceGroup={"existing": True}),
            "amlstack:resourceGroup.existing",
            "True",
            "name",
        ),
    ],
)
def test_bad_values_are_named_with_what_is_allowed(
    raw: dict[str, Any], field: str, shown: str, allowed: str
) -> None:
    messages = problems(raw)
    assert len(messages) == 1, messages
    assert messages[0].startswith(field + ":")
    assert shown in messages[0]
    assert allowed in messages[0]


def test_all_problems_are_reported_at_once() -> None:
    raw = stack(
        location="mars", tier="x", workspaces=[{"name": "main", "storage": {"sku": "premium"}}]
    )
    assert len(problems(raw)) == 3


def test_secret_values_are_never_shown_in_errors() -> None:
    raw = stack(tags="hunter2-not-a-mapping")
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw, secret_keys=frozenset({"tags"}))
    assert "hunter2" not in str(caught.value)
    assert "[secret]" in str(caught.value)


def endpoint(model: object) -> dict[str, Any]:
    deployment = {"name": "blue", "model": model}
    return stack(
        workspaces=[
            {"name": "main", "endpoints": [{"name": "credit", "deployments": [deployment]}]}
        ]
    )


def datastore(credentials: dict[str, Any]) -> dict[str, Any]:
    account = (
        "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg/providers/"
        "Microsoft.Storage/storageAccounts/stlegacy"
    )
    store = {"name": "raw", "type": "AzureBlob", "account": account, "credentials": credentials}
    return stack(workspaces=[{"name": "main", "datastores": [store]}])


DEPLOYMENT = "amlstack:workspaces[main].endpoints[credit].deployments[blue]"
CREDENTIALS = "amlstack:workspaces[main].datastores[raw].credentials"


def test_union_members_are_no_config_keys() -> None:
    # pydantic reports `model.str` and `model.ModelArgs.version`; the config key is model.version.
    assert problems(endpoint({"name": "credit"})) == [
        f"{DEPLOYMENT}.model.version: required but missing; this key is required"
    ]
    [message] = problems(endpoint(42))
    assert message.startswith(f"{DEPLOYMENT}.model: 42 is not allowed; expected a valid string")
    assert "or expected a mapping of keys to values" in message
    [message] = problems(datastore({"type": "Sas", "token": "x", "tokn": "x"}))
    assert message.startswith(f"{CREDENTIALS}.tokn: unknown key 'tokn'; did you mean 'token'?")


def test_the_tag_of_a_tagged_union_is_the_key_at_fault() -> None:
    assert problems(datastore({"type": "ConnectionString"})) == [
        f"{CREDENTIALS}.type: 'ConnectionString' is not allowed; "
        "expected 'AccountKey', 'Sas' or 'ServicePrincipal'"
    ]
    assert problems(datastore({"key": "hunter2"})) == [
        f"{CREDENTIALS}.type: required but missing; this key is required"
    ]


def test_secrets_inside_a_union_member_are_never_shown() -> None:
    credentials = {
        "type": "ServicePrincipal",
        "tenantId": GUID,
        "clientId": GUID,
        "clientSecret": ["hunter2"],
    }
    [message] = problems(datastore(credentials))
    assert message.startswith(f"{CREDENTIALS}.clientSecret: [secret] is not allowed")
    assert "hunter2" not in message


def test_load_reads_pulumi_config_and_falls_back_to_the_provider_location() -> None:
    seen: list[Any] = []
    record(
        lambda: seen.append(load_stack_config()),
        config={
            "azure-native:location": "northeurope",
            "amlstack:workspaces": [{"name": "main", "network": REACHABLE_NETWORK}],
        },
    )
    assert seen[0].location == "northeurope"


def _preset_leaves(preset: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    leaves: list[tuple[str, ...]] = []
    for key, value in preset.items():
        if isinstance(value, dict):
            leaves += _preset_leaves(value, (*path, key))
        else:
            leaves.append((*path, key))
    return leaves


def _nested(path: tuple[str, ...], value: object) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    return value  # type: ignore[return-value]


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


DEV_PRESET_LEAVES = _preset_leaves(TIER_PRESETS["dev"])


@pytest.mark.parametrize("spelling", ["camelCase", "snake_case"])
@pytest.mark.parametrize("leaf", DEV_PRESET_LEAVES, ids=".".join)
def test_writing_a_preset_value_explicitly_gives_the_same_workspace(
    leaf: tuple[str, ...], spelling: str
) -> None:
    value: Any = TIER_PRESETS["dev"]
    for key in leaf:
        value = value[key]
    path = leaf if spelling == "camelCase" else tuple(_snake(k) for k in leaf)
    explicit = stack(tier="dev", workspaces=[{"name": "main", **_nested(path, value)}])
    implicit = stack(tier="dev", workspaces=[{"name": "main"}])
    assert parse_stack_config(explicit).workspaces[0] == parse_stack_config(implicit).workspaces[0]


@pytest.mark.parametrize("leaf", DEV_PRESET_LEAVES, ids=".".join)
def test_an_explicit_value_wins_over_the_preset_in_either_spelling(leaf: tuple[str, ...]) -> None:
    """Each preset key set to the prod default, in snake_case: the prod default holds."""
    prod = parse_stack_config(stack()).workspaces[0].model_dump(by_alias=True)
    wanted: Any = prod
    for key in leaf:
        wanted = wanted[key]
    path = tuple(_snake(k) for k in leaf)
    workspace = {"name": "main", **_nested(path, wanted)}
    if leaf == ("network", "publicNetworkAccess"):  # closed needs the registry that can close
        workspace["containerRegistry"] = {"sku": "Premium"}  # and a way in
        workspace["network"]["private_endpoints"] = REACHABLE_NETWORK["privateEndpoints"]
    raw = stack(tier="dev", workspaces=[workspace])
    got: Any = parse_stack_config(raw).workspaces[0].model_dump(by_alias=True)
    for key in leaf:
        got = got[key]
    assert got == wanted


def test_presets_apply_before_the_one_validation() -> None:
    """A dev stack writing the dev preset's own registry SKU is valid: the preset's public
    network access is part of what the registry is checked against (issue 10)."""
    raw = stack(tier="dev", workspaces=[{"name": "main", "containerRegistry": {"sku": "Basic"}}])
    assert parse_stack_config(raw).workspaces[0].container_registry.sku == "Basic"
    prod = stack(
        workspaces=[
            {"name": "main", "containerRegistry": {"sku": "Basic"}, "network": REACHABLE_NETWORK}
        ]
    )
    assert problems(prod) == [
        "amlstack:workspaces[main].containerRegistry: {'sku': 'Basic'} is not allowed; sku 'Basic' "
        "cannot turn public network access off; use 'Premium' or set "
        "network.publicNetworkAccess to 'Enabled'"
    ]


def test_a_conflict_with_a_preset_value_says_the_value_comes_from_the_preset() -> None:
    closed = {"name": "main", "network": {"publicNetworkAccess": "Disabled"}}
    [problem] = problems(stack(tier="dev", workspaces=[closed]))
    assert problem.startswith("amlstack:workspaces[main].containerRegistry: {'sku': 'Basic'}")
    assert problem.endswith(
        "(the value containerRegistry has comes from the dev tier's preset; set it in the "
        "workspace's config to choose another)"
    )
