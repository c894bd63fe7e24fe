"""Workspace connections under Pulumi's mocks: validation, target URLs, identity roles on the
target, secrets as Pulumi secrets or Key Vault reads, and a hub sharing its connections."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import roles
from components.connection import CONNECTION_CATEGORIES, ConnectionArgs
from components.errors import SECRET_MASK, ConfigError
from components.outbound import automatic_rules
from components.private_link import private_link_type
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs

RG = "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000aa/resourceGroups/rg-ai/providers"
OPENAI = f"{RG}/Microsoft.CognitiveServices/accounts/oai-team"
SEARCH = f"{RG}/Microsoft.Search/searchServices/srch-team"
ACCOUNT = f"{RG}/Microsoft.Storage/storageAccounts/stteam"
PAT_URI = "https://kv-team.vault.azure.net/secrets/github-pat"


def connect(*connections: dict[str, Any], data_scientist: bool = False) -> Recording:
    access = (
        {"data_scientist": [{"object_id": "0a1b2c3d-0000-4000-8000-000000000003", "type": "Group"}]}
        if data_scientist
        else {}
    )

    def program() -> None:
        workspace = Workspace(
            "main",
            WorkspaceArgs(name="main", access=access),
            resource_group_name="rg",
            location="westeurope",
        )
        for config in connections:
            workspace.add_connection(ConnectionArgs(**config))

    return record(program, stack="dev")


def body(recording: Recording, name: str) -> dict[str, Any]:
    connection = recording.named(f"main-{name}-connection")
    properties: dict[str, Any] = connection.inputs["properties"]
    return properties


def role_names(recording: Recording, prefix: str) -> dict[str, str]:
    """Role definition GUID -> scope of the assignments whose name starts with `prefix`."""
    return {
        r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]: r.inputs["scope"]
        for r in recording.of_type("azure-native:authorization:RoleAssignment")
        if r.name.startswith(prefix)
    }


names = st.from_regex(r"[a-z][a-z0-9]{2,20}", fullmatch=True)


@given(name=names)
def test_a_target_by_arm_id_gives_the_endpoint_azure_expects(name: str) -> None:
    def url(category: str, provider: str, **extra: Any) -> str:
        args = ConnectionArgs(
            name="conn", category=category, target=f"{RG}/{provider}/{name}", **extra
        )
        return args.target_url

    assert url("AzureOpenAI", "Microsoft.CognitiveServices/accounts") == (
        f"https://{name}.openai.azure.com/"
    )
    assert url("AIServices", "Microsoft.CognitiveServices/accounts") == (
        f"https://{name}.cognitiveservices.azure.com/"
    )
    assert url("CognitiveSearch", "Microsoft.Search/searchServices") == (
        f"https://{name}.search.windows.net"
    )
    assert url("ContainerRegistry", "Microsoft.ContainerRegistry/registries") == (
        f"{name}.azurecr.io"
    )
    assert url("ADLSGen2", "Microsoft.Storage/storageAccounts", container="raw") == (
        f"https://{name}.dfs.core.windows.net/raw"
    )


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"category": "AzureOpenAI", "target": "oai-team"}, "an https URL"),
        ({"category": "AzureOpenAI", "target": "http://oai.example.com"}, "an https URL"),
        ({"category": "AzureOpenAI", "target": SEARCH}, "point at a Microsoft.CognitiveServices"),
        ({"category": "Git", "target": OPENAI}, "Git connections take an https URL"),
        ({"category": "Git", "target": "https://github.com/x/y"}, "need credentials"),
        (
            {
                "category": "AzureBlob",
                "target": ACCOUNT,
                "container": "raw",
                "credentials": {"type": "ApiKey", "key": "k"},
            },
            "take credentials of type Identity, not 'ApiKey'",
        ),
        (
            {"category": "AzureBlob", "target": ACCOUNT},
            "AzureBlob connections name their container",
        ),
        (
            {"category": "CognitiveSearch", "target": "https://s.search.windows.net"},
            "give its ARM id in resourceId",
        ),
        (
            {"category": "AzureOpenAI", "target": OPENAI, "resourceId": OPENAI},
            "target is an ARM id already",
        ),
        ({"category": "AIServices", "target": OPENAI, "apiVersion": "2024-10-21"}, "AzureOpenAI"),
        (
            {
                "category": "ApiKey",
                "target": "https://api.example.com",
                "credentials": {"type": "ApiKey", "key": "k"},
                "dataScientists": "read",
            },
            "identity credentials only",
        ),
    ],
)
def test_bad_connections_are_refused_with_what_is_allowed(
    config: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        ConnectionArgs(name="conn", **config)


def test_identity_is_the_default_and_the_identity_gets_the_role_on_the_target() -> None:
    recording = connect(
        {"name": "openai", "category": "AzureOpenAI", "target": OPENAI},
        {
            "name": "search",
            "category": "CognitiveSearch",
            "target": SEARCH,
            "identityAccess": "write",
        },
    )
    assert body(recording, "openai")["authType"] == "AAD"
    assert role_names(recording, "main-openai-") == {
        roles.COGNITIVE_SERVICES_OPENAI_USER.id: OPENAI
    }
    assert role_names(recording, "main-search-") == {
        roles.SEARCH_INDEX_DATA_CONTRIBUTOR.id: SEARCH,
        roles.SEARCH_SERVICE_CONTRIBUTOR.id: SEARCH,
    }
    connection = recording.named("main-openai-connection")
    granted = {r.urn for r in recording.of_type("azure-native:authorization:RoleAssignment")}
    assert set(connection.dependencies) & granted  # the role exists before the connection


def test_a_container_scopes_the_data_role_to_it_and_data_scientists_may_share_it() -> None:
    recording = connect(
        {
            "name": "blob",
            "category": "AzureBlob",
            "target": ACCOUNT,
            "container": "reference",
            "dataScientists": "read",
        },
        data_scientist=True,
    )
    scopes = {
        r.name: r.inputs["scope"]
        for r in recording.of_type("azure-native:authorization:RoleAssignment")
        if r.name.startswith("main-blob-")
    }
    assert set(scopes.values()) == {f"{ACCOUNT}/blobServices/default/containers/reference"}
    assert len(scopes) == 2  # the workspace identity and the group
    assert body(recording, "blob")["metadata"] == {
        "AccountName": "stteam",
        "ContainerName": "reference",
    }


def test_no_role_is_granted_when_identity_access_is_none_or_there_is_no_identity() -> None:
    recording = connect(
        {"name": "openai", "category": "AzureOpenAI", "target": OPENAI, "identityAccess": "none"},
        {
            "name": "git",
            "category": "Git",
            "target": "https://github.com/contoso/ml",
            "credentials": {"type": "PAT", "pat": "token"},
        },
    )
    assert role_names(recording, "main-openai-") == {}
    assert role_names(recording, "main-git-") == {}


def test_secrets_are_pulumi_secrets_and_key_vault_references_are_read_at_deployment() -> None:
    recording = connect(
        {
            "name": "git",
            "category": "Git",
            "target": "https://github.com/contoso/ml",
            "credentials": {"type": "PAT", "pat": {"keyVaultSecret": PAT_URI}},
        },
        {
            "name": "api",
            "category": "ApiKey",
            "target": "https://api.example.com",
            "shared": False,
            "credentials": {"type": "ApiKey", "key": "sk-0123"},
        },
    )
    assert body(recording, "git")["credentials"] == {"pat": SECRET_MASK}
    assert body(recording, "api")["credentials"] == {"key": SECRET_MASK}
    assert body(recording, "api")["isSharedToAll"] is False
    reader = recording.named("main-git-pat-secret")
    assert reader.inputs["secretUri"] == PAT_URI
    assert reader.parent == recording.named("main-git").urn
    assert "sk-0123" not in str([r.inputs for r in recording.resources])


def test_a_registry_connection_uses_the_workspace_identity() -> None:
    recording = connect(
        {
            "name": "images",
            "category": "ContainerRegistry",
            "target": f"{RG}/Microsoft.ContainerRegistry/registries/crteam",
        }
    )
    uai = recording.one("azure-native:managedidentity:UserAssignedIdentity")
    assert body(recording, "images")["authType"] == "ManagedIdentity"
    assert body(recording, "images")["credentials"] == {
        "clientId": uai.outputs["clientId"],
        "resourceId": uai.outputs["id"],
    }
    assert role_names(recording, "main-images-") == {
        roles.ACR_PULL.id: f"{RG}/Microsoft.ContainerRegistry/registries/crteam"
    }


def test_connection_names_are_unique_in_a_workspace() -> None:
    with pytest.raises(ConfigError, match="connection names must be unique"):
        connect(
            {"name": "openai", "category": "AzureOpenAI", "target": OPENAI},
            {"name": "openai", "category": "AzureOpenAI", "target": OPENAI},
        )


def test_each_category_names_the_private_link_sub_resources_of_its_target_type() -> None:
    assert {category: facts.groups for category, facts in CONNECTION_CATEGORIES.items()} == {
        "AzureOpenAI": ("account",),
        "AIServices": ("account",),
        "CognitiveSearch": ("searchService",),
        "ContainerRegistry": ("registry",),
        "AzureBlob": ("blob",),
        "ADLSGen2": ("dfs", "blob"),
        "Git": (),
        "ApiKey": (),
        "CustomKeys": (),
    }
    for facts in CONNECTION_CATEGORIES.values():
        link = private_link_type(facts.resource_type) if facts.resource_type else None
        assert set(facts.groups) <= set(link.subresources if link else ())


def test_connection_targets_become_the_managed_networks_private_endpoint_rules() -> None:
    openai = ConnectionArgs(name="openai", category="AzureOpenAI", target=OPENAI)
    lake = ConnectionArgs(name="lake", category="ADLSGen2", target=ACCOUNT, container="raw")
    by_url = ConnectionArgs(
        name="web", category="CognitiveSearch", target="https://s.search.windows.net",
        identityAccess="none",
    )  # fmt: skip
    assert by_url.private_link_targets == ()
    rules = automatic_rules(
        datastore_accounts=(),
        registry_id=None,
        connection_targets=[*openai.private_link_targets, *lake.private_link_targets],
    )
    assert {(r.resource_id, r.subresource) for r in rules} == {
        (OPENAI, "account"),
        (ACCOUNT, "dfs"),
        (ACCOUNT, "blob"),
    }
