"""Enterprise workspace options under Pulumi's mocks: existing dependencies, IP allow-lists, hubs
with projects, any role through access, and secrets that never appear in plain text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from components import roles
from components.datastore import DatastoreArgs
from components.errors import ConfigError
from components.existing import not_managed
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.config import StackConfig, parse_stack_config
from infra.plan.runner import not_managed_of
from infra.program import deploy
from infra.secret_config import secure_paths, stack_file_secure_paths

SUB = "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000aa/resourceGroups/rg-platform/providers"
STORAGE = f"{SUB}/Microsoft.Storage/storageAccounts/stplatform"
VAULT = f"{SUB}/Microsoft.KeyVault/vaults/kv-platform"
LOGS = f"{SUB}/Microsoft.OperationalInsights/workspaces/log-platform"
GROUP = {"objectId": "0a1b2c3d-0000-4000-8000-000000000003", "type": "Group"}
SUBNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000aa/resourceGroups/rg-net/providers"
    "/Microsoft.Network/virtualNetworks/vnet/subnets/endpoints"
)


def config(*workspaces: dict[str, Any], tier: str = "dev") -> StackConfig:
    return parse_stack_config(
        {"location": "westeurope", "tier": tier, "workspaces": list(workspaces)}
    )


def plan(stack: StackConfig) -> Recording:
    return record(lambda: deploy(stack), stack="dev")


def types(recording: Recording, prefix: str) -> Counter[str]:
    return Counter(
        r.type.rsplit(":", 1)[-1] for r in recording.resources if r.name.startswith(prefix)
    )


# -- bring your own ------------------------------------------------------------------------


def test_existing_dependencies_are_used_and_not_created() -> None:
    recording = plan(
        config({"name": "main", "existing": {"storageAccount": STORAGE, "keyVault": VAULT}})
    )
    created = types(recording, "main-")
    assert created["StorageAccount"] == 0
    assert created["Vault"] == 0
    assert created["Registry"] == 1  # a mix: the registry is created
    workspace = recording.named("main-workspace").inputs
    assert (workspace["storageAccount"], workspace["keyVault"]) == (STORAGE, VAULT)
    scopes = {
        r.inputs["scope"] for r in recording.of_type("azure-native:authorization:RoleAssignment")
    }
    assert {STORAGE, VAULT} <= scopes  # the identity's roles on them
    diagnosed = {
        r.inputs["resourceUri"] for r in recording.of_type("azure-native:monitor:DiagnosticSetting")
    }
    assert {VAULT, STORAGE, f"{STORAGE}/blobServices/default"} <= diagnosed


def test_existing_ones_get_locks_and_endpoints_only_as_configured() -> None:
    existing = {"storageAccount": STORAGE, "keyVault": VAULT, "logAnalytics": LOGS}
    network = {"publicNetworkAccess": "Disabled", "privateEndpoints": {"subnetId": SUBNET}}
    off = {"grants": False, "diagnostics": False, "privateEndpoints": False}
    quiet = plan(
        config(
            {
                "name": "main",
                "network": network,
                "containerRegistry": {"sku": "Premium"},
                "existing": {**existing, **off},
            }
        )
    )
    scopes = {r.inputs["scope"] for r in quiet.of_type("azure-native:authorization:RoleAssignment")}
    assert not {STORAGE, VAULT} & scopes
    settings = quiet.of_type("azure-native:monitor:DiagnosticSetting")
    diagnosed = {r.inputs["resourceUri"] for r in settings}
    assert not any(uri.startswith((STORAGE, VAULT, LOGS)) for uri in diagnosed)
    targets = {
        c["privateLinkServiceId"]
        for r in quiet.of_type("azure-native:network:PrivateEndpoint")
        for c in r.inputs["privateLinkServiceConnections"]
    }
    assert not {STORAGE, VAULT} & targets
    locked = plan(
        config({"name": "main", "deleteLock": True, "existing": {**existing, "deleteLock": True}})
    )
    found = locked.of_type("azure-native:authorization:ManagementLockByScope")
    locks = {r.inputs["scope"] for r in found}
    assert {STORAGE, VAULT} <= locks
    # Diagnostics of every resource go to the existing Log Analytics workspace.
    assert {
        r.inputs["workspaceId"] for r in locked.of_type("azure-native:monitor:DiagnosticSetting")
    } == {LOGS}


def test_the_plan_says_what_it_does_not_manage() -> None:
    stack = config({"name": "main", "existing": {"keyVault": VAULT, "logAnalytics": LOGS}})
    [vault, logs] = not_managed("main", stack.workspaces[0].existing, private_endpoints=False)
    assert (vault.kind, vault.id) == ("key vault", VAULT)
    assert "the workspace identity's roles" in vault.applied
    assert "network access and firewall (IP allow-list)" in vault.left_to_owner
    assert "the workspace identity's roles" not in logs.applied  # nothing to grant there
    assert vault.document()["leftToOwner"] == list(vault.left_to_owner)


EVERY_KIND = {
    "storageAccount": STORAGE,
    "keyVault": VAULT,
    "containerRegistry": f"{SUB}/Microsoft.ContainerRegistry/registries/crplatform",
    "applicationInsights": f"{SUB}/Microsoft.Insights/components/appi-platform",
    "logAnalytics": LOGS,
}


@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"grants": False, "diagnostics": False, "deleteLock": True, "privateEndpoints": False},
        {"deleteLock": True, "privateEndpoints": False},
        {"grants": False, "diagnostics": False},
    ],
)
@pytest.mark.parametrize("private_endpoints", [True, False])
def test_the_plan_lists_exactly_what_is_applied_to_existing_ones(
    flags: dict[str, bool], private_endpoints: bool
) -> None:
    network: dict[str, Any] = (
        {"publicNetworkAccess": "Disabled", "privateEndpoints": {"subnetId": SUBNET}}
        if private_endpoints
        else {}
    )
    stack = config({"name": "main", "network": network, "existing": {**EVERY_KIND, **flags}})
    recording = plan(stack)
    on: dict[str, set[str]] = {}
    for r in recording.resources:
        if r.type == "azure-native:authorization:RoleAssignment":
            on.setdefault(r.inputs["scope"], set()).add("the workspace identity's roles")
        elif r.type == "azure-native:monitor:DiagnosticSetting":
            on.setdefault(r.inputs["resourceUri"], set()).add(
                "diagnostic setting amlstack-log-analytics"
            )
        elif r.type == "azure-native:authorization:ManagementLockByScope":
            on.setdefault(r.inputs["scope"], set()).add("CanNotDelete lock")
        elif r.type == "azure-native:network:PrivateEndpoint":
            for c in r.inputs["privateLinkServiceConnections"]:
                on.setdefault(c["privateLinkServiceId"], set()).add("private endpoints")
    listed = {entry.id: set(entry.applied) for entry in not_managed_of(stack)}
    assert listed.keys() == set(EVERY_KIND.values())
    assert listed == {resource_id: on.get(resource_id, set()) for resource_id in listed}


def test_an_existing_dependency_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"existing\.keyVault.*expected a key vault ARM id"):
        config({"name": "main", "existing": {"keyVault": STORAGE}})


# -- IP allow-list ---------------------------------------------------------------------------

ALLOWED = ["203.0.113.0/24", "198.51.100.7"]


def test_the_allowlist_becomes_firewall_rules_and_the_workspace_ip_rules() -> None:
    recording = plan(
        config(
            {
                "name": "main",
                "network": {"ipAllowlist": ALLOWED},
                "containerRegistry": {"sku": "Premium"},
                "datastores": [{"name": "lake", "type": "AzureDataLakeGen2"}],
            }
        )
    )
    for account in recording.of_type("azure-native:storage:StorageAccount"):  # data lake too
        rules = account.inputs["networkRuleSet"]
        assert rules["defaultAction"] == "Deny"
        assert [r["iPAddressOrRange"] for r in rules["ipRules"]] == ALLOWED
    acls = recording.one("azure-native:keyvault:Vault").inputs["properties"]["networkAcls"]
    assert (acls["defaultAction"], [r["value"] for r in acls["ipRules"]]) == ("Deny", ALLOWED)
    registry = recording.one("azure-native:containerregistry:Registry").inputs["networkRuleSet"]
    assert [r["iPAddressOrRange"] for r in registry["ipRules"]] == ALLOWED
    [ip_rules] = [r for r in recording.resources if r.type.endswith("WorkspaceIpRules")]
    assert ip_rules.inputs["ipRules"] == ALLOWED
    assert recording.named("main-workspace").urn in ip_rules.dependencies


def test_without_an_allowlist_an_open_workspace_stays_open_to_all() -> None:
    account = plan(config({"name": "main"})).one("azure-native:storage:StorageAccount")
    assert account.inputs["networkRuleSet"]["defaultAction"] == "Allow"
    assert "ipRules" not in account.inputs["networkRuleSet"]


def test_an_existing_registry_needs_no_premium_sku_for_the_allowlist() -> None:
    registry = f"{SUB}/Microsoft.ContainerRegistry/registries/crplatform"
    with pytest.raises(ConfigError, match="Premium only"):
        config({"name": "main", "network": {"ipAllowlist": ALLOWED}})  # the dev preset: Basic
    stack = config(
        {
            "name": "main",
            "network": {"ipAllowlist": ALLOWED},
            "existing": {"containerRegistry": registry},
        }
    )
    assert stack.workspaces[0].container_registry.sku == "Basic"  # not used: the registry exists


def test_an_allowlist_is_refused_when_public_access_is_disabled() -> None:
    with pytest.raises(ConfigError, match="Azure applies IP rules to public network access only"):
        config({"name": "main", "network": {"ipAllowlist": ALLOWED}}, tier="prod")


# -- hubs and projects -----------------------------------------------------------------------

HUB = {
    "name": "hub",
    "kind": "Hub",
    "connections": [
        {"name": "openai", "category": "AzureOpenAI",
         "target": f"{SUB}/Microsoft.CognitiveServices/accounts/oai"},
    ],
    "projects": [
        {"name": "fraud", "access": {"dataScientist": [GROUP]},
         "datastores": [{"name": "raw", "type": "AzureBlob"}]},
        {"name": "support"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def hub() -> Recording:
    return plan(config(HUB))


def test_projects_use_the_hubs_dependencies_and_network(hub: Recording) -> None:
    assert types(hub, "fraud-")["StorageAccount"] == 0
    assert types(hub, "fraud-")["Vault"] == 0
    assert len(hub.of_type("azure-native:storage:StorageAccount")) == 1
    hub_ws, project = hub.named("hub-workspace").inputs, hub.named("fraud-workspace").inputs
    assert hub_ws["kind"] == "Hub"
    assert project["kind"] == "Project"
    assert project["hubResourceId"] == hub.named("hub-workspace").outputs["id"]
    assert project["publicNetworkAccess"] == hub_ws["publicNetworkAccess"]
    assert "storageAccount" not in project
    assert "managedNetwork" not in project
    # The datastore's container goes into the hub's storage account.
    container = hub.named("fraud-raw-container").inputs
    assert (
        container["accountName"]
        == hub.one("azure-native:storage:StorageAccount").inputs["accountName"]
    )


def test_projects_get_their_roles_on_the_hub_and_its_shared_connections(hub: Recording) -> None:
    names = {r.name for r in hub.of_type("azure-native:authorization:RoleAssignment")}
    assert "fraud-storage-blob-contributor-identity" in names
    assert {"hub-openai-openai-user-fraud-identity", "hub-openai-openai-user-support-identity"} <= (
        names
    )


def test_stack_outputs_list_the_projects_with_the_hubs_storage(hub: Recording) -> None:
    outputs = hub.outputs["workspaces"]
    assert set(outputs) == {"hub", "fraud", "support"}
    assert outputs["fraud"]["storageAccount"] == outputs["hub"]["storageAccount"]


def test_a_project_needs_its_hub() -> None:
    with pytest.raises(ConfigError, match="a project belongs to a hub"):
        config({"name": "fraud", "kind": "Project"})

    def program() -> None:
        Workspace("fraud", WorkspaceArgs(name="fraud", kind="Project"),
                  resource_group_name="rg", location="westeurope")  # fmt: skip

    with pytest.raises(ConfigError, match=r"hub=<hub workspace>\.hub_ref"):
        record(program, stack="dev")


def test_projects_take_no_network_and_upload_nothing() -> None:
    with pytest.raises(ConfigError, match="a project uses its hub's network"):
        config({**HUB, "projects": [{"name": "fraud", "network": {}}]})
    with pytest.raises(ConfigError, match="a build context is uploaded"):
        config(
            {**HUB, "projects": [{"name": "fraud",
                                  "environments": [{"name": "e", "build": {"context": "env"}}]}]}
        )  # fmt: skip


LAKE = f"{SUB}/Microsoft.Storage/storageAccounts/stlake"
ISOLATED = {"isolationMode": "AllowOnlyApprovedOutbound"}


def test_an_isolated_hubs_network_reaches_its_projects_accounts_and_connection_targets() -> None:
    """The hub's managed network is its projects' too: its outbound rules, fixed when the hub is
    created, include what the projects will use."""
    project = {
        "name": "fraud",
        "datastores": [{"name": "lake", "type": "AzureDataLakeGen2", "account": LAKE}],
        "connections": [
            {"name": "search", "category": "CognitiveSearch",
             "target": f"{SUB}/Microsoft.Search/searchServices/srch"},
        ],
    }  # fmt: skip
    recording = plan(config({**HUB, "network": ISOLATED, "projects": [project]}))
    rules = recording.named("hub-workspace").inputs["managedNetwork"]["outboundRules"].values()
    destinations = [r["destination"] for r in rules if r["type"] == "PrivateEndpoint"]
    targets = {
        (d["serviceResourceId"].rsplit("/", 1)[-1], d["subresourceTarget"]) for d in destinations
    }
    assert {
        ("stlake", "dfs"),
        ("stlake", "blob"),
        ("srch", "searchService"),
        ("oai", "account"),
    } <= (targets)
    assert recording.named("fraud-lake-datastore")  # added: the hub's rules cover its account


def test_a_projects_own_data_lake_is_refused_in_an_isolated_hub() -> None:
    project = {"name": "fraud", "datastores": [{"name": "lake", "type": "AzureDataLakeGen2"}]}
    with pytest.raises(ConfigError) as error:
        config({**HUB, "network": ISOLATED, "projects": [project]})
    [problem] = error.value.problems
    assert problem.field == "amlstack:workspaces[hub].projects[fraud].datastores[lake].account"
    assert "give the datastore an existing ADLS Gen2 account" in problem.allowed

    def program() -> None:  # the components refuse it too
        hub_args = WorkspaceArgs(name="hub", kind="Hub", network=ISOLATED)
        hub = Workspace("hub", hub_args, resource_group_name="rg", location="westeurope")
        fraud_args = WorkspaceArgs(name="fraud", kind="Project")
        fraud = Workspace(
            "fraud", fraud_args, resource_group_name="rg", location="westeurope", hub=hub.hub_ref
        )
        fraud.add_datastore(DatastoreArgs(name="lake", type="AzureDataLakeGen2"))

    with pytest.raises(ConfigError, match=r"fraud\.datastores\[lake\]\.account"):
        record(program, stack="dev")


# -- any role --------------------------------------------------------------------------------

CUSTOM = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000aa/providers/Microsoft.Authorization/"
    "roleDefinitions/3f1e2d4c-5b6a-4789-9abc-def012345678"
)


def test_any_built_in_or_custom_role_is_granted_with_a_deterministic_name() -> None:
    grants = [
        {"role": "Azure AI Developer", "principals": [GROUP]},
        {"role": CUSTOM, "principals": [GROUP]},
    ]
    stack = config({"name": "main", "access": {"roles": grants}})
    first, second = plan(stack), plan(stack)
    by_name = {r.name: r.inputs for r in first.of_type("azure-native:authorization:RoleAssignment")}
    developer = by_name[f"main-ai-developer-{GROUP['objectId']}"]
    assert developer["roleDefinitionId"].endswith(roles.AI_DEVELOPER.id)
    assert by_name[f"main-role-3f1e2d4c-{GROUP['objectId']}"]["roleDefinitionId"] == CUSTOM

    def assignment_names(recording: Recording) -> dict[str, str]:
        found = recording.of_type("azure-native:authorization:RoleAssignment")
        return {r.name: r.inputs["roleAssignmentName"] for r in found}

    assert assignment_names(first) == assignment_names(second)


# -- secrets ---------------------------------------------------------------------------------

SECRET_CONNECTION = {
    "name": "api",
    "category": "ApiKey",
    "target": "https://api.example.com",
    "credentials": {"type": "ApiKey", "key": "sk-0123"},
}


def raw(connection: dict[str, Any]) -> dict[str, Any]:
    workspace = {"name": "main", "connections": [connection]}
    return {"location": "westeurope", "tier": "dev", "workspaces": [workspace]}


def test_a_plain_text_secret_is_refused_with_the_command_that_stores_it() -> None:
    with pytest.raises(ConfigError) as error:
        parse_stack_config(raw(SECRET_CONNECTION), secure_paths=frozenset())
    message = str(error.value)
    assert "amlstack:workspaces[main].connections[api].credentials.key" in message
    command = "pulumi config set --secret --path 'amlstack:workspaces[0].connections[0]"
    assert f"{command}.credentials.key'" in message
    assert "sk-0123" not in message


def test_a_secure_value_or_a_key_vault_reference_is_accepted() -> None:
    secure = frozenset({"workspaces[0].connections[0].credentials.key"})
    parse_stack_config(raw(SECRET_CONNECTION), secure_paths=secure)
    vault_secret = {"keyVaultSecret": "https://kv-team.vault.azure.net/secrets/k"}
    reference = {**SECRET_CONNECTION, "credentials": {"type": "ApiKey", "key": vault_secret}}
    parse_stack_config(raw(reference), secure_paths=frozenset())
    # Without the stack file, a secret top-level key is the only evidence there is.
    parse_stack_config(raw(SECRET_CONNECTION), secret_keys=frozenset({"workspaces"}))
    with pytest.raises(ConfigError, match="must not be written in the stack file in plain text"):
        parse_stack_config(raw(SECRET_CONNECTION))


def test_a_projects_plain_text_secret_is_named_where_it_is_in_the_stack_file() -> None:
    project = {"name": "fraud", "connections": [SECRET_CONNECTION]}
    stack = {
        "location": "westeurope",
        "tier": "dev",
        "workspaces": [{**HUB, "projects": [project]}],
    }
    with pytest.raises(ConfigError) as error:
        parse_stack_config(stack, secure_paths=frozenset())
    message = str(error.value)
    assert "amlstack:workspaces[hub].projects[fraud].connections[api].credentials.key" in message
    assert "--path 'amlstack:workspaces[0].projects[0].connections[0].credentials.key'" in message
    secure = frozenset({"workspaces[0].projects[0].connections[0].credentials.key"})
    parse_stack_config(stack, secure_paths=secure)


def test_the_stack_file_tells_a_secure_credential_from_a_plain_one_beside_it() -> None:
    """Under pulumi up the whole workspaces key is secret once one value is: the stack file's
    secure paths tell which one was written in plain text."""
    account = f"{SUB}/Microsoft.Storage/storageAccounts/stlegacy"
    datastores = [
        {"name": "keyed", "type": "AzureBlob", "account": account,
         "credentials": {"type": "AccountKey", "key": "decrypted-key"}},
        {"name": "tokened", "type": "AzureBlob", "account": account,
         "credentials": {"type": "Sas", "token": "sv=plain"}},
    ]  # fmt: skip
    stack = {"location": "westeurope", "tier": "dev",
             "workspaces": [{"name": "main", "datastores": datastores}]}  # fmt: skip
    secure = frozenset({"workspaces[0].datastores[0].credentials.key"})
    with pytest.raises(ConfigError) as error:
        parse_stack_config(stack, secret_keys=frozenset({"workspaces"}), secure_paths=secure)
    [problem] = error.value.problems
    assert problem.field == "amlstack:workspaces[main].datastores[tokened].credentials.token"


def test_secure_paths_are_read_from_the_stack_file(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(
        "config:\n"
        "  amlstack:workspaces:\n"
        "    - name: main\n"
        "      connections:\n"
        "        - credentials:\n"
        "            key:\n"
        "              secure: v1:abc\n"
        "  other:token:\n"
        "    secure: v1:def\n"
    )
    assert stack_file_secure_paths(stack, "amlstack") == {
        "workspaces[0].connections[0].credentials.key"
    }
    assert stack_file_secure_paths(tmp_path / "missing.yaml", "amlstack") is None
    assert secure_paths({"a": [{"secure": "x"}, {"b": {"secure": "y"}}]}) == {"a[0]", "a[1].b"}
