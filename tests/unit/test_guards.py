"""Diagnostics and data-loss guards: logs to Log Analytics, CanNotDelete locks, protect, soft
delete, versioning, geo-redundancy, purge protection, and opt-in customer-managed keys."""

from __future__ import annotations

import pytest

from components import diagnostics, roles
from components.errors import ConfigError
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.config import parse_stack_config
from tests.conftest import REACHABLE_NETWORK

VAULT_ID = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-keys/providers"
    "/Microsoft.KeyVault/vaults/kv-cmk-keys"
)
KEY_URI = "https://kv-cmk-keys.vault.azure.net/keys/aml/0123456789abcdef0123456789abcdef"


def deploy(args: WorkspaceArgs) -> Recording:
    return record(
        lambda: Workspace(args.name, args, resource_group_name="rg", location="westeurope")
    )


def tiered(tier: str, **workspace: object) -> WorkspaceArgs:
    raw = {
        "location": "westeurope",
        "tier": tier,
        "workspaces": [{"name": "main", "network": REACHABLE_NETWORK, **workspace}],
    }
    return parse_stack_config(raw).workspaces[0].workspace_args()


@pytest.fixture(scope="module")
def prod() -> Recording:
    return deploy(tiered("prod"))


@pytest.fixture(scope="module")
def dev() -> Recording:
    return deploy(tiered("dev"))


def expected_settings(recording: Recording) -> dict[str, str]:
    """Each resource that takes a diagnostic setting: its id -> its ARM type (of the table)."""
    by_token = {
        "azure-native:machinelearningservices:Workspace": diagnostics.ML_WORKSPACE,
        "azure-native:keyvault:Vault": diagnostics.KEY_VAULT,
        "azure-native:containerregistry:Registry": diagnostics.CONTAINER_REGISTRY,
        "azure-native:applicationinsights:Component": diagnostics.APP_INSIGHTS,
        "azure-native:operationalinsights:Workspace": diagnostics.LOG_ANALYTICS,
        "azure-native:storage:StorageAccount": diagnostics.STORAGE_ACCOUNT,
    }
    expected = {
        r.outputs["id"]: arm_type
        for token, arm_type in by_token.items()
        for r in recording.of_type(token)
    }
    for account in recording.of_type("azure-native:storage:StorageAccount"):
        for service in diagnostics.STORAGE_SERVICES:
            expected[f"{account.outputs['id']}/{service}/default"] = (
                f"{diagnostics.STORAGE_ACCOUNT}/{service}"
            )
    return expected


def test_every_resource_sends_what_the_diagnostics_table_says_to_log_analytics(
    prod: Recording,
) -> None:
    logs = prod.one("azure-native:operationalinsights:Workspace").outputs["id"]
    settings = {
        s.inputs["resourceUri"]: s.inputs
        for s in prod.of_type("azure-native:monitor:DiagnosticSetting")
    }
    expected = expected_settings(prod)
    assert set(settings) == set(expected)
    for resource_id, arm_type in expected.items():
        setting, profile = settings[resource_id], diagnostics.DIAGNOSTICS[arm_type]
        assert setting["workspaceId"] == logs
        assert setting["name"] == diagnostics.DIAGNOSTIC_SETTING_NAME
        assert setting.get("logs", []) == [
            *({"categoryGroup": g, "enabled": True} for g in profile.groups),
            *({"categoryGroup": g, "enabled": False} for g in profile.groups_off),
            *({"category": c, "enabled": True} for c in profile.categories),
        ]
        assert setting.get("metrics", []) == [
            {"category": m, "enabled": True} for m in profile.metrics
        ]


def test_the_key_vault_sends_its_audit_events_by_name_and_the_registry_its_groups(
    prod: Recording,
) -> None:
    settings = {
        s.inputs["resourceUri"]: s.inputs
        for s in prod.of_type("azure-native:monitor:DiagnosticSetting")
    }
    vault = settings[prod.one("azure-native:keyvault:Vault").outputs["id"]]
    registry = settings[prod.one("azure-native:containerregistry:Registry").outputs["id"]]
    assert {"category": "AuditEvent", "enabled": True} in vault["logs"]
    assert all("categoryGroup" not in log for log in vault["logs"])  # Azure refuses a mix
    assert registry["logs"] == [
        {"categoryGroup": "allLogs", "enabled": True},
        {"categoryGroup": "audit", "enabled": False},
    ]


def test_prod_locks_the_data_stores_against_deletion(prod: Recording) -> None:
    locks = prod.of_type("azure-native:authorization:ManagementLockByScope")
    locked = {lock.inputs["scope"] for lock in locks}
    assert locked == {
        prod.one(token).outputs["id"]
        for token in (
            "azure-native:storage:StorageAccount",
            "azure-native:keyvault:Vault",
            "azure-native:containerregistry:Registry",
        )
    }
    assert {lock.inputs["level"] for lock in locks} == {"CanNotDelete"}
    # Not the workspace: a lock there would block deleting its computes, endpoints and grants.
    workspace = prod.one("azure-native:machinelearningservices:Workspace").outputs["id"]
    assert workspace not in locked


def test_prod_keeps_deleted_data_recoverable(prod: Recording) -> None:
    blob = prod.one("azure-native:storage:BlobServiceProperties").inputs
    assert blob["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert blob["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert blob["isVersioningEnabled"] is True
    assert prod.one("azure-native:storage:StorageAccount").inputs["sku"] == {"name": "Standard_GRS"}
    vault = prod.one("azure-native:keyvault:Vault").inputs["properties"]
    assert (vault["enableSoftDelete"], vault["enablePurgeProtection"]) == (True, True)
    protected = {r.type for r in prod.resources if r.protect}
    assert protected == {
        "azure-native:machinelearningservices:Workspace",
        "azure-native:storage:StorageAccount",
        "azure-native:keyvault:Vault",
        "azure-native:containerregistry:Registry",
    }


def test_dev_has_no_locks_but_still_soft_deletes_and_logs(dev: Recording) -> None:
    assert dev.of_type("azure-native:authorization:ManagementLockByScope") == []
    settings = {
        s.inputs["resourceUri"] for s in dev.of_type("azure-native:monitor:DiagnosticSetting")
    }
    assert settings == set(expected_settings(dev))
    blob = dev.one("azure-native:storage:BlobServiceProperties").inputs
    assert blob["deleteRetentionPolicy"]["enabled"] is True


def test_a_prod_stack_may_drop_the_lock_explicitly() -> None:
    recording = deploy(tiered("prod", deleteLock=False))
    assert recording.of_type("azure-native:authorization:ManagementLockByScope") == []


def test_customer_managed_key_is_opt_in(prod: Recording) -> None:
    workspace = prod.one("azure-native:machinelearningservices:Workspace").inputs
    assert "encryption" not in workspace


def test_storage_has_a_short_sas_policy_and_infrastructure_encryption(prod: Recording) -> None:
    for account in prod.of_type("azure-native:storage:StorageAccount"):
        assert account.inputs["sasPolicy"] == {
            "sasExpirationPeriod": "1.00:00:00",
            "expirationAction": "Block",
        }
        assert account.inputs["encryption"] == {
            "keySource": "Microsoft.Storage",
            "requireInfrastructureEncryption": True,
        }
        assert "identity" not in account.inputs


def test_the_registry_has_exports_and_arm_tokens_off_and_zones_where_offered(
    prod: Recording,
) -> None:
    registry = prod.one("azure-native:containerregistry:Registry").inputs
    assert registry["policies"] == {
        "exportPolicy": {"status": "disabled"},
        "azureADAuthenticationAsArmPolicy": {"status": "disabled"},
    }
    assert registry["zoneRedundancy"] == "Enabled"  # Premium in westeurope
    elsewhere = record(
        lambda: Workspace("main", tiered("prod"), resource_group_name="rg", location="westus")
    ).one("azure-native:containerregistry:Registry")
    assert elsewhere.inputs["zoneRedundancy"] == "Disabled"  # Azure offers no zones there


def test_dev_registries_may_export_and_are_not_zone_redundant(dev: Recording) -> None:
    registry = dev.one("azure-native:containerregistry:Registry").inputs
    assert registry["sku"] == {"name": "Basic"}
    assert registry["policies"]["exportPolicy"] == {"status": "enabled"}
    assert registry["policies"]["azureADAuthenticationAsArmPolicy"] == {"status": "disabled"}
    assert registry["zoneRedundancy"] == "Disabled"


def test_customer_managed_key_encrypts_storage_and_registry_too() -> None:
    recording = deploy(tiered("prod", encryption={"keyVaultId": VAULT_ID, "keyUri": KEY_URI}))
    identity = recording.one("azure-native:managedidentity:UserAssignedIdentity").outputs
    [grant] = [
        r
        for r in recording.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["scope"] == VAULT_ID
    ]
    account = recording.one("azure-native:storage:StorageAccount")
    service = {"enabled": True, "keyType": "Account"}
    assert account.inputs["encryption"] == {
        "keySource": "Microsoft.Keyvault",
        "keyVaultProperties": {
            "keyVaultUri": "https://kv-cmk-keys.vault.azure.net/",
            "keyName": "aml",
            "keyVersion": "0123456789abcdef0123456789abcdef",
        },
        "encryptionIdentity": {"encryptionUserAssignedIdentity": identity["id"]},
        "requireInfrastructureEncryption": True,
        "services": {"blob": service, "file": service, "queue": service, "table": service},
    }
    assert account.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [identity["id"]],
    }
    registry = recording.one("azure-native:containerregistry:Registry")
    assert registry.inputs["encryption"] == {
        "status": "enabled",
        "keyVaultProperties": {"keyIdentifier": KEY_URI, "identity": identity["clientId"]},
    }
    assert registry.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": {identity["id"]: {}},
    }
    # Azure reaches the key at creation: both wait for the identity's role on the vault.
    assert grant.urn in account.dependencies
    assert grant.urn in registry.dependencies


def test_customer_managed_key_encrypts_with_the_identity_granted_first() -> None:
    recording = deploy(tiered("prod", encryption={"keyVaultId": VAULT_ID, "keyUri": KEY_URI}))
    workspace = recording.one("azure-native:machinelearningservices:Workspace")
    identity = recording.one("azure-native:managedidentity:UserAssignedIdentity").outputs
    assert workspace.inputs["encryption"] == {
        "status": "Enabled",
        "keyVaultProperties": {"keyVaultArmId": VAULT_ID, "keyIdentifier": KEY_URI},
        "identity": {"userAssignedIdentity": identity["id"]},
    }
    [grant] = [
        r
        for r in recording.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["scope"] == VAULT_ID
    ]
    assert grant.inputs["principalId"] == identity["principalId"]
    assert grant.inputs["roleDefinitionId"].endswith(
        roles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER.id
    )
    assert grant.urn in workspace.dependencies


@pytest.mark.parametrize(
    ("encryption", "field", "allowed"),
    [
        (
            {"keyVaultId": "kv-cmk-keys", "keyUri": KEY_URI},
            "encryption.keyVaultId",
            "key vault ARM id",
        ),
        (
            {"keyVaultId": VAULT_ID, "keyUri": "https://other-vault.vault.azure.net/keys/aml"},
            "encryption.keyUri",
            "in the vault of keyVaultId ('kv-cmk-keys')",
        ),
        (
            {"keyVaultId": VAULT_ID, "keyUri": "kv-cmk-keys/aml"},
            "encryption.keyUri",
            "expected a key URI",
        ),
        ({"keyVaultId": VAULT_ID}, "encryption.keyUri", "required"),
    ],
)
def test_bad_encryption_settings_name_the_key(
    encryption: dict[str, str], field: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        WorkspaceArgs(name="main", encryption=encryption)  # type: ignore[arg-type]
    [problem] = caught.value.problems
    assert problem.field == f"WorkspaceArgs.{field}"
    assert allowed in str(problem)
