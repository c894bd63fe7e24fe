"""Credentials: which one each environment gets, GitHub OIDC, and one clear message on failure."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    ChainedTokenCredential,
    ClientAssertionCredential,
    DefaultAzureCredential,
    WorkloadIdentityCredential,
)

from infra.entrypoint import plan_outputs
from jobs.client import (
    CredentialChoice,
    check_credential,
    choose_credential,
    credential_hint,
    github_oidc_token,
    make_credential,
    ml_client,
    registry_client,
)
from jobs.context import load_context
from jobs.errors import CredentialError, JobError
from jobs.testing import StaticCredential
from tests.conftest import ROOT
from tests.jobs_support import dev_context

GITHUB = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/?run=1",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
    "AZURE_CLIENT_ID": "app-id",
    "AZURE_TENANT_ID": "tenant-id",
}


@pytest.mark.parametrize(
    ("env", "tenant", "kind"),
    [
        ({}, None, "default"),
        ({}, "t1", "tenant-chain"),
        (GITHUB, None, "github-oidc"),
        (
            {
                "ARM_OIDC_REQUEST_URL": "https://x/",
                "ARM_OIDC_REQUEST_TOKEN": "t",
                "ARM_CLIENT_ID": "app",
                "ARM_TENANT_ID": "tenant",
            },
            None,
            "github-oidc",
        ),
        ({**GITHUB, "AZURE_CLIENT_ID": ""}, None, "default"),
        ({"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}, "t1", "workload-identity"),
        ({**GITHUB, "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}, None, "workload-identity"),
    ],
)
def test_the_environment_picks_the_credential(
    env: dict[str, str], tenant: str | None, kind: str
) -> None:
    assert choose_credential(env, tenant).kind == kind


def test_an_explicit_tenant_wins_over_the_environment() -> None:
    assert choose_credential(GITHUB, "other-tenant").tenant_id == "other-tenant"


def test_github_oidc_asks_for_the_azure_audience() -> None:
    seen: list[urllib.request.Request] = []

    def fetch(request: urllib.request.Request) -> bytes:
        seen.append(request)
        return json.dumps({"value": "federated-jwt"}).encode()

    token = github_oidc_token(GITHUB["ACTIONS_ID_TOKEN_REQUEST_URL"], "request-token", fetch)
    assert token == "federated-jwt"
    assert seen[0].full_url == (
        "https://token.actions.example/?run=1&audience=api%3A%2F%2FAzureADTokenExchange"
    )
    assert seen[0].get_header("Authorization") == "bearer request-token"
    with pytest.raises(CredentialError, match="has no 'value'"):
        github_oidc_token("https://x/", "t", lambda _request: b"{}")


@pytest.mark.parametrize(
    ("choice", "kind"),
    [
        (choose_credential(GITHUB), ClientAssertionCredential),
        (CredentialChoice("workload-identity", "t", "c"), WorkloadIdentityCredential),
        (CredentialChoice("tenant-chain", "t"), ChainedTokenCredential),
        (CredentialChoice("default"), DefaultAzureCredential),
    ],
)
def test_each_choice_builds_its_credential(
    choice: CredentialChoice, kind: type, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("jwt")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    assert isinstance(make_credential(choice), kind)


class NoLogin:
    def get_token(self, *scopes: str, **_: Any) -> Any:
        raise ClientAuthenticationError(
            "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
            "Attempted credentials:\n\tEnvironmentCredential: not configured\n"
            "\tAzureCliCredential: Please run 'az login' to set up an account"
        )


def test_no_working_credential_is_one_clear_message() -> None:
    with pytest.raises(CredentialError) as caught:
        check_credential(NoLogin(), CredentialChoice("default"))  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(
        "not signed in to Azure: no credential worked (DefaultAzureCredential"
    )
    assert "\nAzureCliCredential: Please run 'az login' to set up an account.\n" in message
    assert "EnvironmentCredential" not in message  # azure-identity's list is not repeated
    assert "id-token: write" in message
    assert len(message.splitlines()) == 3
    assert caught.value.__cause__ is None


def test_the_hint_keeps_whole_sentences_of_the_chosen_credential() -> None:
    report = (
        "DefaultAzureCredential failed.\nAttempted credentials:\n"
        "\tAzureDeveloperCliCredential: Azure Developer CLI could not be found. " + "Please visit "
        "https://aka.ms/azure-dev for installation instructions and then, once installed, "
        "authenticate to your Azure account using 'azd auth login'. " * 3
    )
    hint = credential_hint(report, "AzureDeveloperCliCredential")
    assert hint.startswith("AzureDeveloperCliCredential: Azure Developer CLI could not be found.")
    assert hint.endswith("using 'azd auth login'.")
    assert hint.count("azd auth login") == 1  # whole sentences, up to about 240 characters
    assert credential_hint(report, "AzureCliCredential") == "DefaultAzureCredential failed."


def test_a_working_credential_passes() -> None:
    credential = StaticCredential()
    check_credential(credential, CredentialChoice("default"))
    assert credential.scopes_seen == ["https://management.azure.com/.default"]


def test_clients_refuse_the_offline_plan_and_a_stack_without_registry() -> None:
    offline = load_context("dev", env={}, project_dir=ROOT, offline_plan=plan_outputs)
    with pytest.raises(JobError, match="not a deployed workspace"):
        ml_client(offline, StaticCredential())
    without_registry = offline.outputs.model_copy(update={"registry": None})
    context = type(offline)("dev", "file", without_registry, "main")
    with pytest.raises(JobError, match="no registry"):
        registry_client(context, StaticCredential())
    client = ml_client(dev_context(), StaticCredential())
    assert client.workspace_name == "mlw-amlstack-dev-main"
