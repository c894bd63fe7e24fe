"""The two dynamic providers of the enterprise options, through a fake Azure: the Key Vault secret
read for connection credentials, and the workspace's IP rules (``networkAcls``)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from azure.ai.ml.entities import DefaultActionType, IPRule, NetworkAcls
from azure.core.rest import HttpRequest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.dynamic.dynamic import serialize_provider

from components.azure_rest import ARM_ENDPOINT, AzureRestError
from components.key_vault_secret import (
    KEY_VAULT_API_VERSION,
    KeyVaultSecretProvider,
    check_secret_uri,
)
from components.workspace_acl import WORKSPACE_API_VERSION, WorkspaceIpRulesProvider, acl_body
from jobs.testing import Answer, FakeAzure, StaticCredential
from tests.unit.test_endpoint_traffic import classes_loaded

SECRET = "https://kv-team.vault.azure.net/secrets/github-pat"
WORKSPACE = (
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/mlw-hub"
)


# -- Key Vault secrets -------------------------------------------------------------------------


def vault(status: int = 200, value: str = "ghp_token") -> tuple[KeyVaultSecretProvider, FakeAzure]:
    azure = FakeAzure()
    body = {"value": value, "id": f"{SECRET}/0123456789abcdef0123456789abcdef"}
    azure.respond("GET", re.escape(SECRET), body if status == 200 else None, status=status)
    return KeyVaultSecretProvider(transport=azure, credential=StaticCredential()), azure


def test_create_and_refresh_read_the_current_value() -> None:
    provider, azure = vault()
    created = provider.create({"secretUri": SECRET, "value": None})
    assert created.outs == {"secretUri": SECRET, "value": "ghp_token"}
    assert provider.read(SECRET, created.outs).outs["value"] == "ghp_token"
    [request, _] = azure.requests_to("GET")
    assert request.url == f"{SECRET}?api-version={KEY_VAULT_API_VERSION}"


def test_a_refused_read_names_the_role_the_deployer_needs() -> None:
    provider, _ = vault(status=403)
    with pytest.raises(AzureRestError, match="needs 'Key Vault Secrets User' on the vault kv-team"):
        provider.create({"secretUri": SECRET})


def test_a_new_uri_is_an_update_and_delete_leaves_the_vault_alone() -> None:
    provider, azure = vault()
    other = "https://kv-team.vault.azure.net/secrets/other"
    assert provider.diff(SECRET, {"secretUri": SECRET}, {"secretUri": other}).changes
    assert not provider.diff(SECRET, {"secretUri": SECRET}, {"secretUri": SECRET}).changes
    provider.delete(SECRET, {"secretUri": SECRET})
    assert azure.sent == []


def test_the_pickled_provider_names_only_its_class() -> None:
    _, seen = classes_loaded(serialize_provider(KeyVaultSecretProvider()))
    assert seen == [("components.key_vault_secret", "KeyVaultSecretProvider")]


names = st.from_regex(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True)


@given(vault_name=names, secret=st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True))
def test_secret_uris_are_accepted_with_or_without_a_version(vault_name: str, secret: str) -> None:
    uri = f"https://{vault_name}.vault.azure.net/secrets/{secret}"
    assert check_secret_uri(uri) == uri
    assert check_secret_uri(f"{uri}/{'a' * 32}") == f"{uri}/{'a' * 32}"
    with pytest.raises(ValueError, match="Key Vault secret URI"):
        check_secret_uri(uri.replace("/secrets/", "/keys/"))


# -- workspace IP rules ------------------------------------------------------------------------


class FakeWorkspace:
    """A workspace that applies a PATCH of its networkAcls after one poll."""

    def __init__(self) -> None:
        self.acls: dict[str, Any] = {}
        self.pending = False
        self.transport = FakeAzure()
        url = rf"^{re.escape(ARM_ENDPOINT + WORKSPACE)}\?api-version={WORKSPACE_API_VERSION}$"
        self.transport.handle("PATCH", url, self.patch)
        self.transport.handle("GET", url, self.get)

    def patch(self, request: HttpRequest) -> Answer:
        self.acls = json.loads(request.content)["properties"]["networkAcls"]
        self.pending = True
        return 202, {"properties": {"provisioningState": "Updating"}}

    def get(self, _request: HttpRequest) -> Answer:
        state = "Updating" if self.pending else "Succeeded"
        self.pending = False
        return 200, {"properties": {"provisioningState": state, "networkAcls": self.acls}}

    def provider(self) -> WorkspaceIpRulesProvider:
        return WorkspaceIpRulesProvider(
            transport=self.transport, credential=StaticCredential(), poll_seconds=0
        )


PROPS = {"workspaceId": WORKSPACE, "ipRules": ["203.0.113.0/24"], "workspaceRevision": "r1"}


def test_create_denies_by_default_and_allows_the_listed_ranges() -> None:
    workspace = FakeWorkspace()
    workspace.provider().create(dict(PROPS))
    assert workspace.acls == {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]}
    assert len(workspace.transport.requests_to("GET")) == 2  # polled until Succeeded


def test_read_shows_drift_and_delete_opens_the_workspace_again() -> None:
    workspace = FakeWorkspace()
    provider = workspace.provider()
    provider.create(dict(PROPS))
    workspace.acls = {"defaultAction": "Allow", "ipRules": []}  # a workspace PUT dropped them
    assert provider.read(WORKSPACE, dict(PROPS)).outs["ipRules"] == []
    provider.delete(WORKSPACE, dict(PROPS))
    assert workspace.acls == {"defaultAction": "Allow", "ipRules": []}


def test_the_rules_are_written_again_after_the_workspace_changes() -> None:
    provider = FakeWorkspace().provider()
    assert provider.diff(WORKSPACE, PROPS, {**PROPS, "workspaceRevision": "r2"}).changes
    assert not provider.diff(WORKSPACE, PROPS, dict(PROPS)).changes
    moved = provider.diff(WORKSPACE, PROPS, {**PROPS, "workspaceId": f"{WORKSPACE}2"})
    assert moved.replaces == ["workspaceId"]


def test_a_failed_update_is_reported() -> None:
    workspace = FakeWorkspace()
    workspace.transport.respond(
        "GET", re.escape(WORKSPACE), {"properties": {"provisioningState": "Failed"}}
    )
    with pytest.raises(AzureRestError, match=r"setting IP rules: .*Failed"):
        workspace.provider().create(dict(PROPS))


def test_the_body_is_what_azure_ai_ml_sends_for_selected_ip_addresses() -> None:
    sdk = NetworkAcls(default_action=DefaultActionType.DENY, ip_rules=[IPRule(value="1.2.3.4")])
    assert acl_body(["1.2.3.4"])["properties"]["networkAcls"] == sdk._to_rest_object().as_dict()
