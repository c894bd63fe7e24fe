"""The workspace component under Pulumi's mocks: secure inputs, identity roles, grants, order."""

from __future__ import annotations

import pytest

from components import roles
from components._fake_azure import PLACEHOLDER_SUBSCRIPTION
from components.access import Principal
from components.errors import ConfigError
from components.testing import RecordedResource, Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.config import parse_stack_config

ALICE = Principal(object_id="0A1B2C3D-0000-4000-8000-0000000000AA", type="User", name="alice")
RG = "rg-test"


def deploy(args: WorkspaceArgs, *, grant: bool = False) -> Recording:
    def program() -> None:
        workspace = Workspace(args.name, args, resource_group_name=RG, location="westeurope")
        if grant:
            workspace.grant_data_scientist(ALICE)

    return record(program, stack="dev")


def dev_args(**workspace: object) -> WorkspaceArgs:
    raw = {"location": "westeurope", "tier": "dev", "workspaces": [{"name": "main", **workspace}]}
    return parse_stack_config(raw).workspaces[0].workspace_args()


@pytest.fixture(scope="module")
def prod() -> Recording:
    return deploy(WorkspaceArgs(name="main"), grant=True)


@pytest.fixture(scope="module")
def dev() -> Recording:
    return deploy(dev_args())


def assignments(recording: Recording) -> list[RecordedResource]:
    return recording.of_type("azure-native:authorization:RoleAssignment")


def test_storage_meets_the_dev_column_in_every_tier(prod: Recording, dev: Recording) -> None:
    for recording in (prod, dev):
        account = recording.one("azure-native:storage:StorageAccount").inputs
        assert account["allowBlobPublicAccess"] is False
        assert account["allowSharedKeyAccess"] is False
        assert account["allowCrossTenantReplication"] is False
        assert account["enableHttpsTrafficOnly"] is True
        assert account["minimumTlsVersion"] == "TLS1_2"
        blob = recording.one("azure-native:storage:BlobServiceProperties").inputs
        assert blob["deleteRetentionPolicy"]["enabled"] is True
        assert blob["containerDeleteRetentionPolicy"]["enabled"] is True


def test_prod_defaults_close_the_network_and_keep_data(prod: Recording) -> None:
    account = prod.one("azure-native:storage:StorageAccount").inputs
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    assert account["sku"] == {"name": "Standard_GRS"}
    assert (
        prod.one("azure-native:storage:BlobServiceProperties").inputs["isVersioningEnabled"] is True
    )
    vault = prod.one("azure-native:keyvault:Vault").inputs["properties"]
    assert vault["enablePurgeProtection"] is True
    assert vault["publicNetworkAccess"] == "Disabled"
    registry = prod.one("azure-native:containerregistry:Registry").inputs
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["sku"] == {"name": "Premium"}
    workspace = prod.one("azure-native:machinelearningservices:Workspace").inputs
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["managedNetwork"]["isolationMode"] == "AllowOnlyApprovedOutbound"


def test_dev_relaxes_only_what_the_dev_column_allows(dev: Recording) -> None:
    account = dev.one("azure-native:storage:StorageAccount").inputs
    assert account["publicNetworkAccess"] == "Enabled"
    assert account["sku"] == {"name": "Standard_LRS"}
    vault = dev.one("azure-native:keyvault:Vault").inputs["properties"]
    assert "enablePurgeProtection" not in vault  # Azure rejects false; absent means off
    assert vault["enableSoftDelete"] is True
    assert vault["enableRbacAuthorization"] is True


def test_key_vault_registry_and_monitoring_use_no_local_secrets(prod: Recording) -> None:
    vault = prod.one("azure-native:keyvault:Vault").inputs["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["tenantId"]
    registry = prod.one("azure-native:containerregistry:Registry").inputs
    assert registry["adminUserEnabled"] is False
    assert registry["anonymousPullEnabled"] is False
    insights = prod.one("azure-native:applicationinsights:Component").inputs
    logs = prod.one("azure-native:operationalinsights:Workspace")
    assert insights["disableLocalAuth"] is True
    assert insights["workspaceResourceId"] == logs.outputs["id"]
    assert logs.inputs["features"]["disableLocalAuth"] is True


def test_workspace_is_wired_to_its_dependencies_by_identity(prod: Recording) -> None:
    workspace = prod.one("azure-native:machinelearningservices:Workspace").inputs
    identity = prod.one("azure-native:managedidentity:UserAssignedIdentity").outputs["id"]
    assert workspace["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity]}
    assert workspace["primaryUserAssignedIdentity"] == identity
    assert workspace["systemDatastoresAuthMode"] == "Identity"
    for key, token in [
        ("storageAccount", "azure-native:storage:StorageAccount"),
        ("keyVault", "azure-native:keyvault:Vault"),
        ("containerRegistry", "azure-native:containerregistry:Registry"),
        ("applicationInsights", "azure-native:applicationinsights:Component"),
    ]:
        assert workspace[key] == prod.one(token).outputs["id"]


def test_names_are_derived_from_project_stack_and_workspace(prod: Recording) -> None:
    workspace = prod.one("azure-native:machinelearningservices:Workspace").inputs
    assert workspace["workspaceName"] == "mlw-amlstack-dev-main"
    account = prod.one("azure-native:storage:StorageAccount").inputs["accountName"]
    assert account.startswith("stamlstackdevmain")
    assert len(account) <= 24


def test_stateful_resources_are_protected_only_when_asked(prod: Recording, dev: Recording) -> None:
    stateful = {
        "azure-native:machinelearningservices:Workspace",
        "azure-native:storage:StorageAccount",
        "azure-native:keyvault:Vault",
        "azure-native:containerregistry:Registry",
    }
    assert {r.type for r in prod.resources if r.protect} == stateful
    assert not any(r.protect for r in dev.resources)


def test_identity_gets_the_data_plane_roles_before_the_workspace_exists(prod: Recording) -> None:
    identity = prod.one("azure-native:managedidentity:UserAssignedIdentity").outputs["principalId"]
    mine = [a for a in assignments(prod) if a.inputs["principalId"] == identity]
    granted = {
        (
            a.inputs["scope"].split("/providers/")[1].split("/")[0],
            a.inputs["roleDefinitionId"].rsplit("/", 1)[1],
        )
        for a in mine
    }
    assert ("Microsoft.Storage", roles.STORAGE_BLOB_DATA_CONTRIBUTOR.id) in granted
    assert ("Microsoft.Storage", roles.STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR.id) in granted
    assert ("Microsoft.KeyVault", roles.KEY_VAULT_ADMINISTRATOR.id) in granted
    assert ("Microsoft.ContainerRegistry", roles.ACR_PULL.id) in granted
    assert ("Microsoft.ContainerRegistry", roles.ACR_PUSH.id) in granted
    assert all(a.inputs["principalType"] == "ServicePrincipal" for a in mine)
    workspace = prod.one("azure-native:machinelearningservices:Workspace")
    before = [a for a in mine if "MachineLearningServices" not in a.inputs["scope"]]
    assert before
    assert all(a.urn in workspace.dependencies for a in before)


def test_grants_carry_uuid5_names_and_subscription_scoped_role_ids(prod: Recording) -> None:
    workspace_id = prod.one("azure-native:machinelearningservices:Workspace").outputs["id"]
    grant = prod.named("main-data-scientist-0a1b2c3d-0000-4000-8000-0000000000aa")
    assert grant.inputs["scope"] == workspace_id
    assert grant.inputs["principalId"] == ALICE.object_id
    assert grant.inputs["principalType"] == "User"
    assert grant.inputs["roleDefinitionId"] == roles.role_definition_id(
        PLACEHOLDER_SUBSCRIPTION, roles.DATA_SCIENTIST
    )
    assert grant.inputs["roleAssignmentName"] == roles.role_assignment_name(
        workspace_id, ALICE.object_id, roles.DATA_SCIENTIST.id
    )
    assert prod.one("azure-native:machinelearningservices:Workspace").urn in grant.dependencies


def test_config_access_becomes_one_assignment_per_role_and_principal() -> None:
    people = [
        {"objectId": f"0a1b2c3d-0000-4000-8000-00000000000{i}", "type": "Group"} for i in range(3)
    ]
    recording = deploy(
        dev_args(access={"owner": people[:1], "reader": people, "metricsWriter": people[2:]})
    )
    workspace_id = recording.one("azure-native:machinelearningservices:Workspace").outputs["id"]
    at_workspace = [a for a in assignments(recording) if a.inputs["scope"] == workspace_id]
    by_role: dict[str, int] = {}
    for a in at_workspace:
        if a.inputs["principalType"] == "Group":
            role_id = a.inputs["roleDefinitionId"].rsplit("/", 1)[1]
            by_role[role_id] = by_role.get(role_id, 0) + 1
    assert by_role == {roles.OWNER.id: 1, roles.READER.id: 3, roles.METRICS_WRITER.id: 1}
    names = [a.inputs["roleAssignmentName"] for a in assignments(recording)]
    assert len(names) == len(set(names))


def test_every_child_is_parented_to_the_component(prod: Recording) -> None:
    component = prod.one("amlstack:ml:Workspace")
    children = [r for r in prod.resources if r.custom]
    assert children
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("main-") for r in children)


def test_bad_arguments_fail_in_the_constructor_naming_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        WorkspaceArgs(name="main", storage={"sku": "Premium_LRS"})  # type: ignore[arg-type]
    assert "WorkspaceArgs.storage.sku: 'Premium_LRS' is not allowed" in str(caught.value)
