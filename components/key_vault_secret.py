"""A secret read from Azure Key Vault while the stack deploys: one dynamic resource.

A connection credential may be a Key Vault reference (``{keyVaultSecret: <secret URI>}``) instead
of a value in the stack config. Azure Resource Manager never returns a secret's value (its
``Microsoft.KeyVault/vaults/secrets`` GET leaves ``value`` out), so no azure-native resource or
invoke can read it: `KeyVaultSecretValue` GETs it from the vault's data plane
(``https://<vault>.vault.azure.net/secrets/<name>[/<version>]?api-version=7.4``) with a token
for the identity running ``pulumi up``, and hands it on as a Pulumi secret (encrypted in the
state, masked in every output). ``pulumi refresh`` (``up --refresh``) reads it again, so a
rotated secret reaches the connection on the next deployment; a URI with a version pins it.

The identity running ``pulumi`` needs *Key Vault Secrets User* on the vault and network access to
it. The offline plan reads nothing: it shows the reference and the value as a secret.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
from pulumi import dynamic

from components.provider_pickling import DynamicResource

__all__ = [
    "KEY_VAULT_API_VERSION",
    "KeyVaultSecretProvider",
    "KeyVaultSecretValue",
    "check_secret_uri",
]

KEY_VAULT_API_VERSION = "7.4"
"""Key Vault data-plane REST API version."""
_SCOPE = "https://vault.azure.net/.default"
_SECRET_URI = re.compile(
    r"https://(?P<vault>[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])\.vault\.azure\.net/secrets/"
    r"(?P<name>[a-zA-Z0-9-]{1,127})(?:/(?P<version>[0-9a-fA-F]{32}))?/?"
)
_FORBIDDEN = 403
_NOT_FOUND = 404


def check_secret_uri(value: str) -> str:
    """`value` when it is a Key Vault secret URI, else ValueError saying what one looks like."""
    if _SECRET_URI.fullmatch(value) is None:
        raise ValueError(
            "expected a Key Vault secret URI: https://<vault>.vault.azure.net/secrets/<name> "
            "(optionally /<32-hex-digit version>)"
        )
    return value.rstrip("/")


class KeyVaultSecretProvider(dynamic.ResourceProvider):
    """Create, update and read fetch the secret's current value; delete leaves the vault alone.

    `transport` (an azure-core ``HttpTransport``) and `credential` default to the network and
    ``DefaultAzureCredential``; tests pass fakes.
    """

    serialize_as_secret_always = False  # the provider holds no secret: only these settings

    def __init__(self, *, transport: Any = None, credential: Any = None) -> None:
        super().__init__()
        self.transport = transport
        self.credential = credential

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        uri = str(props["secretUri"])
        return dynamic.CreateResult(uri, {"secretUri": uri, "value": self._value(uri)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        changed = olds.get("secretUri") != news.get("secretUri")
        return dynamic.DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        uri = str(news["secretUri"])
        return dynamic.UpdateResult({"secretUri": uri, "value": self._value(uri)})

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        uri = str(props.get("secretUri") or id_)
        return dynamic.ReadResult(id_, {"secretUri": uri, "value": self._value(uri)})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """The secret is the vault owner's: nothing to delete."""

    def _value(self, uri: str) -> str:
        from components.azure_rest import AzureRestError, RestClient, raise_for_status

        match = _SECRET_URI.fullmatch(uri)
        if match is None:
            raise AzureRestError(f"{uri} is not a Key Vault secret URI")
        rest = RestClient(
            f"https://{match['vault']}.vault.azure.net",
            scope=_SCOPE,
            transport=self.transport,
            credential=self.credential,
        )
        try:
            response = rest.send("GET", f"{uri.rstrip('/')}?api-version={KEY_VAULT_API_VERSION}")
        finally:
            rest.close()
        if response.status_code == _FORBIDDEN:
            raise AzureRestError(
                f"reading {uri} was refused (403): the identity running pulumi needs 'Key Vault "
                f"Secrets User' on the vault {match['vault']} and network access to it"
            )
        if response.status_code == _NOT_FOUND:
            raise AzureRestError(f"{uri} does not exist (404): create the secret first")
        raise_for_status(response, f"read {uri}")
        value = response.json().get("value")
        if not isinstance(value, str):
            raise AzureRestError(f"{uri}: Key Vault returned no value")
        return value


class KeyVaultSecretValue(DynamicResource, module="amlstack", name="KeyVaultSecretValue"):
    """The current value of one Key Vault secret, as a Pulumi secret (`value`)."""

    value: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        secret_uri: str,
        provider: KeyVaultSecretProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            provider or KeyVaultSecretProvider(),
            resource_name,
            {"secretUri": check_secret_uri(secret_uri), "value": None},
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=["value"])
            ),
        )
