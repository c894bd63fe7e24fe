"""Datastores under Pulumi's mocks: containers where they belong, data roles, secrets as secrets."""

from __future__ import annotations

import json

import pytest

from components import roles
from components.access import Principal
from components.datastore import DatastoreArgs, container_scope
from components.errors import SECRET_MASK, ConfigError
from components.reach import Reach
from components.testing import RecordedResource, Recording, record
from components.workspace import Workspace, WorkspaceArgs

DATASTORE = "azure-native:machinelearningservices:Datastore"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
EXTERNAL = (
    "/subscriptions/11111111-0000-0000-0000-000000000000/resourceGroups/rg-data/providers"
    "/Microsoft.Storage/storageAccounts/extdata"
)
PLACEHOLDER_KEY = "placeholder-account-key=="
READER = Principal(object_id="0a1b2c3d-0000-4000-8000-0000000000aa", type="User")
GROUP = Principal(object_id="0a1b2c3d-0000-4000-8000-0000000000bb", type="Group")
STORES = [
    DatastoreArgs(name="raw_data", type="AzureBlob", data_scientists="read"),
    DatastoreArgs(name="lake", type="AzureDataLakeGen2", container="curated"),
    DatastoreArgs(name="lake_two", type="AzureDataLakeGen2", data_scientists="write"),
    DatastoreArgs(name="files", type="AzureFile", data_scientists="read"),
    DatastoreArgs(name="partner", type="AzureBlob", container="drop", account=EXTERNAL),
    DatastoreArgs(
        name="partner_keyed",
        type="AzureFile",
        container="reports",
        account=EXTERNAL,
        credentials={"type": "AccountKey", "key": PLACEHOLDER_KEY},  # type: ignore[arg-type]
    ),
]


@pytest.fixture(scope="module")
def recording() -> Recording:
    def program() -> None:
        workspace = Workspace(
            "main",
            WorkspaceArgs(name="main"),
            resource_group_name="rg",
            location="westeurope",
            reach=Reach.of(STORES),
        )
        for args in STORES:
            workspace.add_datastore(args, data_scientists=[READER, GROUP])

    return record(program, stack="dev")


def datastore(recording: Recording, name: str) -> dict[str, object]:
    [found] = [r for r in recording.of_type(DATASTORE) if r.inputs["name"] == name]
    properties: dict[str, object] = found.inputs["properties"]
    return properties


def grants_on(recording: Recording, scope: str) -> list[RecordedResource]:
    return [a for a in recording.of_type(ASSIGNMENT) if a.inputs["scope"] == scope]


def role_ids(assignments: list[RecordedResource]) -> set[tuple[str, str]]:
    return {
        (a.inputs["principalId"], a.inputs["roleDefinitionId"].rsplit("/", 1)[1])
        for a in assignments
    }


def account_id(recording: Recording, name: str) -> str:
    account: str = recording.named(name).outputs["id"]
    return account


def test_identity_based_by_default_with_the_workspace_identity_for_studio(
    recording: Recording,
) -> None:
    for name in ("raw_data", "lake", "lake_two", "files", "partner"):
        properties = datastore(recording, name)
        assert properties["credentials"] == {"credentialsType": "None"}
        assert properties["serviceDataAccessAuthIdentity"] == "WorkspaceUserAssignedIdentity"
        assert (properties["endpoint"], properties["protocol"]) == ("core.windows.net", "https")


def test_each_kind_points_at_its_container_in_the_right_account(recording: Recording) -> None:
    storage, lake = (
        account_id(recording, "main-storage"),
        account_id(recording, "main-datalake-storage"),
    )
    blob = datastore(recording, "raw_data")
    assert (blob["datastoreType"], blob["containerName"]) == ("AzureBlob", "raw-data")
    assert blob["accountName"] == storage.rsplit("/", 1)[1]
    adls = datastore(recording, "lake")
    assert (adls["datastoreType"], adls["filesystem"]) == ("AzureDataLakeGen2", "curated")
    assert adls["accountName"] == lake.rsplit("/", 1)[1]
    files = datastore(recording, "files")
    assert (files["datastoreType"], files["fileShareName"]) == ("AzureFile", "files")
    assert (files["subscriptionId"], files["resourceGroup"]) == (
        storage.split("/")[2],
        "rg",
    )
    external = datastore(recording, "partner")
    assert (external["accountName"], external["resourceGroup"]) == ("extdata", "rg-data")
    assert external["subscriptionId"] == "11111111-0000-0000-0000-000000000000"


def test_containers_are_created_only_in_accounts_the_stack_manages(recording: Recording) -> None:
    containers = {
        r.inputs["containerName"]: r
        for r in recording.of_type("azure-native:storage:BlobContainer")
    }
    assert set(containers) == {"raw-data", "curated", "lake-two"}
    assert all(c.inputs["publicAccess"] == "None" and c.protect for c in containers.values())
    [share] = recording.of_type("azure-native:storage:FileShare")
    assert share.inputs["shareName"] == "files"
    assert share.protect


def test_the_data_lake_is_a_locked_down_hierarchical_namespace_account(
    recording: Recording,
) -> None:
    lake = recording.named("main-datalake-storage")
    workspace_storage = recording.named("main-storage")
    assert lake.inputs["isHnsEnabled"] is True
    assert "isHnsEnabled" not in workspace_storage.inputs
    for key in ("allowSharedKeyAccess", "allowBlobPublicAccess", "publicNetworkAccess", "sku"):
        assert lake.inputs[key] == workspace_storage.inputs[key]
    blob = recording.named("main-datalake-storage-blob").inputs
    assert blob["isVersioningEnabled"] is False  # Azure has no versioning with HNS


def test_data_roles_are_granted_on_the_container_scope(recording: Recording) -> None:
    identity = recording.one("azure-native:managedidentity:UserAssignedIdentity").outputs[
        "principalId"
    ]
    storage = account_id(recording, "main-storage")
    raw = grants_on(recording, container_scope(storage, "AzureBlob", "raw-data"))
    assert role_ids(raw) == {
        (identity, roles.STORAGE_BLOB_DATA_CONTRIBUTOR.id),
        (READER.object_id, roles.STORAGE_BLOB_DATA_READER.id),
        (GROUP.object_id, roles.STORAGE_BLOB_DATA_READER.id),
    }
    files = grants_on(recording, f"{storage}/fileServices/default/fileshares/files")
    assert role_ids(files) == {
        (identity, roles.STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR.id),
        (READER.object_id, roles.STORAGE_FILE_DATA_PRIVILEGED_READER.id),
        (GROUP.object_id, roles.STORAGE_FILE_DATA_PRIVILEGED_READER.id),
    }
    lake = account_id(recording, "main-datalake-storage")
    assert role_ids(grants_on(recording, container_scope(lake, "AzureBlob", "curated"))) == {
        (identity, roles.STORAGE_BLOB_DATA_CONTRIBUTOR.id)
    }
    external = grants_on(recording, container_scope(EXTERNAL, "AzureBlob", "drop"))
    assert role_ids(external) == {(identity, roles.STORAGE_BLOB_DATA_CONTRIBUTOR.id)}


def test_datastore_waits_for_its_container_and_identity_grant(recording: Recording) -> None:
    [store] = [r for r in recording.of_type(DATASTORE) if r.inputs["name"] == "raw_data"]
    by_name = {r.name: r.urn for r in recording.resources}
    assert by_name["main-raw_data-container"] in store.dependencies
    assert by_name["main-raw_data-blob-contributor-identity"] in store.dependencies
    assert by_name["main-workspace"] in store.dependencies
    assert by_name["main"] not in store.dependencies  # the Workspace component


def test_account_keys_travel_as_secrets_and_get_no_grants(recording: Recording) -> None:
    keyed = datastore(recording, "partner_keyed")
    assert keyed["credentials"] == {
        "credentialsType": "AccountKey",
        "secrets": {"secretsType": "AccountKey", "key": SECRET_MASK},
    }
    assert keyed["serviceDataAccessAuthIdentity"] == "None"
    assert not grants_on(recording, container_scope(EXTERNAL, "AzureFile", "reports"))
    assert PLACEHOLDER_KEY not in json.dumps([r.inputs for r in recording.resources])


def test_secret_credentials_need_an_existing_account_and_are_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        DatastoreArgs(
            name="keyed",
            type="AzureBlob",
            credentials={"type": "Sas", "token": "sv=2024&sig=SECRET"},  # type: ignore[arg-type]
        )
    message = str(caught.value)
    assert "DatastoreArgs.credentials" in message
    assert "Sas credentials need an existing account" in message
    assert "SECRET" not in message
