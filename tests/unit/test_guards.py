"""Diagnostics and data-loss guards: logs to Log Analytics, CanNotDelete locks, protect, soft
delete, versioning, geo-redundancy, purge protection, and opt-in customer-managed keys."""

from __future__ import annotations

import pytest

from components import roles
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


def test_workspace_key_vault_and_blob_logs_go_to_log_analytics(prod: Recording) -> None:
    logs = prod.one("azure-native:operationalinsights:Workspace").outputs["id"]
    settings = {
        s.inputs["resourceUri"]: s.inputs
        for s in prod.of_type("azure-native:monitor:DiagnosticSetting")
    }
    workspace = prod.one("azure-native:machinelearningservices:Workspace").outputs["id"]
    vault = prod.one("azure-native:keyvault:Vault").outputs["id"]
    account = prod.one("azure-native:storage:StorageAccount").outputs["id"]
    assert set(settings) == {workspace, vault, f"{account}/blobServices/default"}
    for setting in settings.values():
        assert setting["workspaceId"] == logs
        assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert settings[f"{account}/blobServices/default"]["metrics"] == [
        {"category": "Transaction", "enabled": True}
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
    assert len(dev.of_type("azure-native:monitor:DiagnosticSetting")) == 3
    blob = dev.one("azure-native:storage:BlobServiceProperties").inputs
    assert blob["deleteRetentionPolicy"]["enabled"] is True


def test_a_prod_stack_may_drop_the_lock_explicitly() -> None:
    recording = deploy(tiered("prod", deleteLock=False))
    assert recording.of_type("azure-native:authorization:ManagementLockByScope") == []


def test_customer_managed_key_is_opt_in(prod: Recording) -> None:
    workspace = prod.one("azure-native:machinelearningservices:Workspace").inputs
    assert "encryption" not in workspace


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
