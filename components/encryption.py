"""Customer-managed key (CMK) encryption: opt-in, one setting, with a key you own.

One ``encryption`` setting encrypts everything of a workspace that holds data: the Azure ML
workspace, its storage account (and data lake account) and its container registry. Azure reaches
the key as the workspace's user-assigned identity, which gets *Key Vault Crypto Service
Encryption User* on the key's vault before anything encrypted is created
(`CMK_ROLE`). Built-ins: ba769a63 (workspace), 6fac406b (storage), 5b9159ae (registry), which
the Microsoft cloud security benchmark ships Disabled: CMK is a choice, not a default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerregistry, storage
from pydantic import ValidationInfo, field_validator

from components import roles
from components.args import Args
from components.existing import existing_name
from components.naming import check_arm_id

__all__ = [
    "CMK_ROLE",
    "CustomerManagedKey",
    "EncryptionArgs",
    "registry_encryption",
    "registry_identity",
    "storage_encryption",
    "storage_identity",
]

CMK_ROLE = roles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER
"""The role the identity needs on the key's vault to wrap and unwrap with the key."""

_KEY_URI = re.compile(
    r"(https://([a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])\.vault\.azure\.net)/keys/"
    r"([a-zA-Z0-9-]{1,127})(?:/([0-9a-fA-F]{32}))?"
)


class EncryptionArgs(Args):
    """Encrypt the workspace's data with your key instead of a Microsoft-managed one.

    Covers the workspace, its storage accounts and its container registry. The workspace identity
    gets *Key Vault Crypto Service Encryption User* on the key's vault before they are created.
    Fixed at creation: Azure cannot add or remove CMK on a workspace or registry later (a change
    replaces them, and with them their data). The vault needs soft delete and purge protection.
    """

    key_vault_id: str
    """ARM id of the key vault that holds the key (soft delete and purge protection on)."""
    key_uri: str
    """The key: ``https://<vault>.vault.azure.net/keys/<name>`` (optionally ``/<version>``), in
    the vault of `key_vault_id`. Without a version, Azure follows the key's rotations."""

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
        vault = existing_name(vault_id) if vault_id else None
        if vault is not None and match.group(2).lower() != vault.lower():
            raise ValueError(f"the key must be in the vault of keyVaultId ({vault!r})")
        return value


@dataclass(frozen=True)
class CustomerManagedKey:
    """The key of an `EncryptionArgs` and the identity Azure uses to reach it."""

    key_uri: str
    identity_id: pulumi.Input[str]
    """ARM id of the user-assigned identity that holds `CMK_ROLE` on the key's vault."""
    identity_client_id: pulumi.Input[str]
    """Its client id (a container registry names the identity by client id)."""
    granted: Sequence[pulumi.Resource] = ()
    """The role assignment(s) giving the identity `CMK_ROLE`: encrypted resources wait for them."""

    @classmethod
    def of(
        cls,
        encryption: EncryptionArgs | None,
        *,
        identity_id: pulumi.Input[str],
        identity_client_id: pulumi.Input[str],
        granted: Sequence[pulumi.Resource] = (),
    ) -> CustomerManagedKey | None:
        """None when the workspace asks for no CMK."""
        if encryption is None:
            return None
        return cls(encryption.key_uri, identity_id, identity_client_id, tuple(granted))

    @property
    def _parts(self) -> re.Match[str]:
        match = _KEY_URI.fullmatch(self.key_uri)
        assert match is not None  # validated by EncryptionArgs
        return match

    @property
    def vault_uri(self) -> str:
        return f"{self._parts.group(1)}/"

    @property
    def key_name(self) -> str:
        return self._parts.group(3)

    @property
    def key_version(self) -> str | None:
        return self._parts.group(4)


def storage_encryption(
    cmk: CustomerManagedKey | None, *, infrastructure: bool
) -> storage.EncryptionArgs:
    """A storage account's encryption: infrastructure (double) encryption when asked, and the
    customer-managed key for every service (blob, file, queue, table: account-scoped keys) when
    there is one. Both are fixed at the account's creation."""
    if cmk is None:
        return storage.EncryptionArgs(
            key_source=storage.KeySource.MICROSOFT_STORAGE,
            require_infrastructure_encryption=infrastructure,
        )
    service = storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT)
    return storage.EncryptionArgs(
        key_source=storage.KeySource.MICROSOFT_KEYVAULT,
        key_vault_properties=storage.KeyVaultPropertiesArgs(
            key_vault_uri=cmk.vault_uri, key_name=cmk.key_name, key_version=cmk.key_version
        ),
        encryption_identity=storage.EncryptionIdentityArgs(
            encryption_user_assigned_identity=cmk.identity_id
        ),
        require_infrastructure_encryption=infrastructure,
        services=storage.EncryptionServicesArgs(
            blob=service, file=service, queue=service, table=service
        ),
    )


def storage_identity(cmk: CustomerManagedKey | None) -> storage.IdentityArgs | None:
    """The identity a storage account needs for its customer-managed key (none without one)."""
    if cmk is None:
        return None
    return storage.IdentityArgs(
        type=storage.IdentityType.USER_ASSIGNED, user_assigned_identities=[cmk.identity_id]
    )


def registry_encryption(
    cmk: CustomerManagedKey | None,
) -> containerregistry.EncryptionPropertyArgs | None:
    """A container registry's customer-managed key (Premium only; fixed at creation)."""
    if cmk is None:
        return None
    return containerregistry.EncryptionPropertyArgs(
        status=containerregistry.EncryptionStatus.ENABLED,
        key_vault_properties=containerregistry.KeyVaultPropertiesArgs(
            key_identifier=cmk.key_uri, identity=cmk.identity_client_id
        ),
    )


def registry_identity(
    cmk: CustomerManagedKey | None,
) -> containerregistry.IdentityPropertiesArgs | None:
    """The identity a container registry needs for its customer-managed key."""
    if cmk is None:
        return None
    return containerregistry.IdentityPropertiesArgs(
        type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
        user_assigned_identities=pulumi.Output.from_input(cmk.identity_id).apply(
            lambda identity: {identity: containerregistry.UserIdentityPropertiesArgs()}
        ),
    )
