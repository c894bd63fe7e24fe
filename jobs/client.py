"""Azure credentials and clients for a stack's workspace and registry.

Which credential is used, first match wins:

1. **GitHub Actions OIDC**: a federated credential of an app registration, with no secret:
   ``ACTIONS_ID_TOKEN_REQUEST_URL`` / ``_TOKEN`` (set when the workflow has ``id-token: write``;
   or Pulumi's ``ARM_OIDC_REQUEST_URL`` / ``_TOKEN``), ``AZURE_CLIENT_ID`` (or ``ARM_CLIENT_ID``)
   and ``AZURE_TENANT_ID`` (or ``ARM_TENANT_ID``, or ``--tenant``);
2. **workload identity** (AKS, or any ``AZURE_FEDERATED_TOKEN_FILE``);
3. with an explicit tenant: environment, managed identity, Azure CLI, Azure Developer CLI and
   PowerShell credentials, each asked for a token of that tenant;
4. otherwise ``DefaultAzureCredential`` (``az login`` on a laptop).

The credential is tried once before anything else, so a missing login fails with one message
listing what was tried and how to sign in, never a stack trace.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from components.azure_rest import ARM_SCOPE
from jobs.context import StackContext
from jobs.errors import CredentialError, JobError

__all__ = [
    "ARM_SCOPE",
    "GITHUB_AUDIENCE",
    "CredentialChoice",
    "check_credential",
    "choose_credential",
    "credential_hint",
    "github_oidc_token",
    "make_credential",
    "ml_client",
    "registry_client",
    "stack_credential",
]

GITHUB_AUDIENCE = "api://AzureADTokenExchange"

CredentialKind = Literal["github-oidc", "workload-identity", "tenant-chain", "default"]


@dataclass(frozen=True)
class CredentialChoice:
    """Which credential to build, from the environment and an optional explicit tenant."""

    kind: CredentialKind
    tenant_id: str | None = None
    client_id: str | None = None
    request_url: str | None = None
    request_token: str | None = None

    def describe(self) -> str:
        if self.kind == "github-oidc":
            return f"GitHub OIDC for app {self.client_id} in tenant {self.tenant_id}"
        if self.kind == "workload-identity":
            return "workload identity (AZURE_FEDERATED_TOKEN_FILE)"
        if self.kind == "tenant-chain":
            return (
                f"environment, managed identity, Azure CLI and PowerShell, tenant {self.tenant_id}"
            )
        return "DefaultAzureCredential (environment, workload and managed identity, Azure CLI, ...)"


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if env.get(name):
            return env[name]
    return None


def choose_credential(env: Mapping[str, str], tenant_id: str | None = None) -> CredentialChoice:
    """Pick the credential for this environment (see module doc); pure, never touches Azure."""
    tenant = tenant_id or _first(env, "AZURE_TENANT_ID", "ARM_TENANT_ID")
    client = _first(env, "AZURE_CLIENT_ID", "ARM_CLIENT_ID")
    url = _first(env, "ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL")
    token = _first(env, "ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if url and token and client and tenant and not env.get("AZURE_FEDERATED_TOKEN_FILE"):
        return CredentialChoice("github-oidc", tenant, client, url, token)
    if env.get("AZURE_FEDERATED_TOKEN_FILE"):
        return CredentialChoice("workload-identity", tenant, client)
    if tenant_id:
        return CredentialChoice("tenant-chain", tenant_id)
    return CredentialChoice("default")


Fetch = Callable[[urllib.request.Request], bytes]


def _urlopen(request: urllib.request.Request) -> bytes:
    with urllib.request.urlopen(request, timeout=30) as response:
        body: bytes = response.read()
        return body


def github_oidc_token(url: str, request_token: str, fetch: Fetch = _urlopen) -> str:
    """The workflow's OIDC token for Azure AD (audience ``api://AzureADTokenExchange``)."""
    separator = "&" if "?" in url else "?"
    request = urllib.request.Request(
        f"{url}{separator}audience={quote(GITHUB_AUDIENCE, safe='')}",
        headers={"Authorization": f"bearer {request_token}", "Accept": "application/json"},
    )
    try:
        value = json.loads(fetch(request)).get("value")
    except (OSError, ValueError) as error:
        raise CredentialError(f"cannot get the GitHub OIDC token: {error}") from None
    if not isinstance(value, str) or not value:
        raise CredentialError("the GitHub OIDC token response has no 'value'")
    return value


def make_credential(choice: CredentialChoice, fetch: Fetch = _urlopen) -> TokenCredential:
    """Build the credential `choice` describes (no token is requested yet)."""
    from azure import identity

    if choice.kind == "github-oidc":
        url, token = str(choice.request_url), str(choice.request_token)
        return identity.ClientAssertionCredential(
            tenant_id=str(choice.tenant_id),
            client_id=str(choice.client_id),
            func=lambda: github_oidc_token(url, token, fetch),
        )
    if choice.kind == "workload-identity":
        return identity.WorkloadIdentityCredential(
            tenant_id=choice.tenant_id, client_id=choice.client_id
        )
    if choice.kind == "tenant-chain":
        tenant = str(choice.tenant_id)
        return identity.ChainedTokenCredential(
            identity.EnvironmentCredential(),
            identity.ManagedIdentityCredential(),
            identity.AzureCliCredential(tenant_id=tenant),
            identity.AzureDeveloperCliCredential(tenant_id=tenant),
            identity.AzurePowerShellCredential(tenant_id=tenant),
        )
    return identity.DefaultAzureCredential()


_HINT_FROM: dict[CredentialKind, str] = {
    "github-oidc": "ClientAssertionCredential",
    "workload-identity": "WorkloadIdentityCredential",
    "tenant-chain": "AzureCliCredential",
    "default": "AzureCliCredential",
}
"""Whose words to keep from azure-identity's report: the credential people of each kind use."""


def check_credential(credential: TokenCredential, choice: CredentialChoice) -> None:
    """Get one ARM token; when none comes, raise `CredentialError`: one short message with the
    most useful line of azure-identity's report and what to do."""
    try:
        credential.get_token(ARM_SCOPE)
    except ClientAuthenticationError as error:
        hint = credential_hint(str(error), _HINT_FROM[choice.kind])
        raise CredentialError(
            f"not signed in to Azure: no credential worked ({choice.describe()}).\n"
            f"{hint}\n"
            "Sign in with `az login` (add --tenant for another tenant); in CI use OIDC: "
            "AZURE_CLIENT_ID and AZURE_TENANT_ID and `permissions: id-token: write`."
        ) from None


def credential_hint(report: str, credential: str) -> str:
    """The line of azure-identity's `report` about `credential` (``AzureCliCredential: Please
    run 'az login'``), else its first line; whole sentences, never cut in a word."""
    lines = [line.strip() for line in report.splitlines() if line.strip()]
    chosen = next((line for line in lines if line.startswith(f"{credential}:")), None)
    text = chosen or (lines[0] if lines else "no details")
    sentences = text.split(". ")
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + len(sentence) > 240:
            break
        kept += f". {sentence}"
    return kept if kept.endswith(".") else f"{kept}."


def stack_credential(
    tenant_id: str | None = None, env: Mapping[str, str] | None = None
) -> TokenCredential:
    """The credential for this environment, checked once (see module doc)."""
    choice = choose_credential(os.environ if env is None else env, tenant_id)
    credential = make_credential(choice)
    check_credential(credential, choice)
    return credential


def ml_client(context: StackContext, credential: TokenCredential, **kwargs: Any) -> Any:
    """An ``MLClient`` for the stack's workspace; refuses the offline plan's placeholder ids."""
    from azure.ai.ml import MLClient

    if context.offline:
        raise JobError(
            f"stack {context.stack!r}: the offline plan's outputs are not a deployed workspace; "
            "pass --outputs FILE from `pulumi stack output --json`"
        )
    return MLClient(
        credential,
        context.subscription_id,
        context.resource_group,
        context.workspace_name,
        **kwargs,
    )


def registry_client(context: StackContext, credential: TokenCredential, **kwargs: Any) -> Any:
    """An ``MLClient`` for the stack's Azure ML registry (where models are promoted to)."""
    from azure.ai.ml import MLClient

    if context.registry is None:
        raise JobError(f"stack {context.stack!r} has no registry in its outputs to promote to")
    return MLClient(credential, registry_name=context.registry.name, **kwargs)
