"""Customer-managed key (CMK) encryption of a workspace: opt-in, with a key you own."""

from __future__ import annotations

import re

from pydantic import ValidationInfo, field_validator

from components.args import Args
from components.naming import check_arm_id

__all__ = ["EncryptionArgs"]

_KEY_URI = re.compile(
    r"https://([a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])\.vault\.azure\.net/keys/[a-zA-Z0-9-]{1,127}"
    r"(?:/[0-9a-fA-F]{32})?"
)


class EncryptionArgs(Args):
    """Encrypt the workspace's data with your key instead of a Microsoft-managed one.

    The workspace identity gets *Key Vault Crypto Service Encryption User* on the key's vault
    before the workspace is created. Fixed at creation: Azure cannot add or remove CMK later.
    """

    key_vault_id: str
    """ARM id of the key vault that holds the key (soft delete and purge protection on)."""
    key_uri: str
    """The key: ``https://<vault>.vault.azure.net/keys/<name>`` (optionally ``/<version>``), in
    the vault of `key_vault_id`."""

    @field_validator("key_vault_id")
    @classmethod
    def _vault_arm_id(cls, value: str) -> str:
        return check_arm_id(
            value,
            kind="key vault",
            provider_path=r"Microsoft\.KeyVault/vaults/[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]",
            shape="Microsoft.KeyVault/vaults/<vault>",
        )

    @field_validator("key_uri")
    @classmethod
    def _key_in_that_vault(cls, value: str, info: ValidationInfo) -> str:
        match = _KEY_URI.fullmatch(value)
        if match is None:
            raise ValueError(
                "expected a key URI: https://<vault>.vault.azure.net/keys/<name>[/<32-hex version>]"
            )
        vault_id = info.data.get("key_vault_id")
        vault = vault_id.rsplit("/", 1)[-1] if vault_id else None
        if vault is not None and match.group(1).lower() != vault.lower():
            raise ValueError(f"the key must be in the vault of keyVaultId ({vault!r})")
        return value
