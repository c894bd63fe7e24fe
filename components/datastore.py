"""Datastores: Azure Blob, ADLS Gen2 and Azure File, identity-based by default.

A datastore points at a blob container, an ADLS Gen2 file system or a file share, either one
amlstack creates (in the workspace storage, or for ADLS Gen2 in the workspace's data lake: Azure
ML cannot use a hierarchical-namespace account as workspace storage) or one in an existing
account given by ARM id. Identity-based datastores (no credentials, the default) come with the
data roles on that container: the workspace identity read-write, data scientists as configured.
Account keys, SAS tokens and service principal secrets are an explicit choice for existing
accounts only, typed as secrets and sent to Pulumi as secrets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import authorization, storage
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, SecretStr, ValidationInfo, field_validator

from components import roles
from components.access import Grantee, assign_role, check_object_id
from components.args import Args
from components.naming import DATASTORE, STORAGE_CONTAINER, derive_name
from components.outputs import DatastoreOutput, DatastoreType, Pending
from components.workspace_ref import WorkspaceRef

__all__ = [
    "AccountKeyCredentials",
    "Datastore",
    "DatastoreArgs",
    "DatastoreType",
    "SasCredentials",
    "ServicePrincipalCredentials",
    "StorageTarget",
    "container_scope",
    "data_role",
    "parse_account_id",
]

_ACCOUNT_ID = re.compile(
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.Storage/storageAccounts/(?P<account>[a-z0-9]{3,24})",
    re.IGNORECASE,
)


class AccountKeyCredentials(Args):
    """Authenticate with the storage account key (the account must allow shared keys)."""

    type: Literal["AccountKey"]
    key: SecretStr
    """The account key: set it as a Pulumi secret (``pulumi config set --secret --path``)."""


class SasCredentials(Args):
    """Authenticate with a SAS token (the account must allow shared keys)."""

    type: Literal["Sas"]
    token: SecretStr
    """The SAS token, as a Pulumi secret."""


class ServicePrincipalCredentials(Args):
    """Authenticate as a service principal with a client secret."""

    type: Literal["ServicePrincipal"]
    tenant_id: str
    client_id: str
    client_secret: SecretStr
    """The client secret, as a Pulumi secret."""
    authority_url: str = "https://login.microsoftonline.com"
    """Entra authority. Default the public cloud's."""

    @field_validator("tenant_id", "client_id")
    @classmethod
    def _guid(cls, value: str) -> str:
        return check_object_id(value)


DatastoreCredentials = Annotated[
    AccountKeyCredentials | SasCredentials | ServicePrincipalCredentials,
    Field(discriminator="type"),
]
_SHARED_KEY = (AccountKeyCredentials, SasCredentials)


class DatastoreArgs(Args):
    """One datastore: a named pointer from the workspace to a container, file system or share."""

    name: str
    """Datastore name in the workspace: 1-255 letters, digits, '-' or '_'."""
    type: DatastoreType
    """``AzureBlob``, ``AzureDataLakeGen2`` or ``AzureFile``."""
    container: str | None = None
    """The blob container, ADLS Gen2 file system or file share: 3-63 lowercase letters, digits
    and hyphens. Default: derived from `name` (``raw_data`` -> ``raw-data``)."""
    account: str | None = None
    """ARM id of an existing storage account; its container must exist. Default: amlstack
    creates the container in the workspace storage (Blob, File) or data lake (ADLS Gen2)."""
    credentials: DatastoreCredentials | None = None
    """Default none: identity-based access (each caller's own Entra identity, the workspace
    identity for studio). ``AccountKey``, ``Sas`` or ``ServicePrincipal`` only with `account`."""
    data_scientists: Literal["none", "read", "write"] = "none"
    """Data role for the principals in the workspace's ``access.dataScientist`` on this
    container (identity-based datastores only). Default none."""
    description: str = ""
    """Shown in Azure ML studio."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return DATASTORE.require(value)

    @field_validator("container")
    @classmethod
    def _valid_container(cls, value: str | None) -> str | None:
        return None if value is None else STORAGE_CONTAINER.require(value)

    @field_validator("account")
    @classmethod
    def _account_id(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT_ID.fullmatch(value):
            raise ValueError(
                "expected a storage account ARM id (/subscriptions/<id>/resourceGroups/<group>/"
                "providers/Microsoft.Storage/storageAccounts/<name>)"
            )
        return value

    @field_validator("credentials")
    @classmethod
    def _secrets_only_for_existing_accounts(
        cls, credentials: DatastoreCredentials | None, info: ValidationInfo
    ) -> DatastoreCredentials | None:
        if (
            isinstance(credentials, _SHARED_KEY)
            and "account" in info.data
            and not info.data["account"]
        ):
            raise ValueError(
                f"{credentials.type} credentials need an existing account (account: ARM id); "
                "the accounts amlstack creates refuse shared keys, use identity-based access"
            )
        return credentials

    @field_validator("data_scientists")
    @classmethod
    def _grants_only_without_secrets(cls, value: str, info: ValidationInfo) -> str:
        if value != "none" and info.data.get("credentials") is not None:
            raise ValueError(
                "data roles apply to identity-based datastores only; with credentials everyone "
                "uses the datastore's secret: remove credentials or set dataScientists: none"
            )
        return value

    @property
    def container_name(self) -> str:
        """The container, file system or share name (given, or derived from `name`)."""
        return self.container or derive_name(STORAGE_CONTAINER, self.name)

    @property
    def identity_based(self) -> bool:
        return self.credentials is None


@dataclass(frozen=True)
class StorageTarget:
    """The storage account a datastore points into, and whether amlstack manages it."""

    account_id: pulumi.Output[str]
    account_name: pulumi.Output[str]
    managed: bool
    """True for accounts this stack creates: the datastore creates its container there."""

    @classmethod
    def of(cls, account: storage.StorageAccount) -> StorageTarget:
        """An account created by this stack (the workspace storage or the data lake)."""
        return cls(account.id, account.name, managed=True)

    @classmethod
    def existing(cls, account_id: str) -> StorageTarget:
        """An account that exists already, by ARM id; its containers must exist too."""
        _, _, name = parse_account_id(account_id)
        return cls(pulumi.Output.from_input(account_id), pulumi.Output.from_input(name), False)


def parse_account_id(account_id: str) -> tuple[str, str, str]:
    """(subscription, resource group, account name) of a storage account ARM id."""
    match = _ACCOUNT_ID.match(account_id)
    if match is None:
        raise ValueError(f"{account_id!r} is not a storage account ARM id")
    return match.group("subscription"), match.group("group"), match.group("account")


def container_scope(account_id: str, kind: DatastoreType, container: str) -> str:
    """The role-assignment scope of a container or file share (RBAC spells shares 'fileshares')."""
    if kind == "AzureFile":
        return f"{account_id}/fileServices/default/fileshares/{container}"
    return f"{account_id}/blobServices/default/containers/{container}"


_DATA_ROLES: dict[tuple[bool, str], roles.Role] = {
    (False, "write"): roles.STORAGE_BLOB_DATA_CONTRIBUTOR,
    (False, "read"): roles.STORAGE_BLOB_DATA_READER,
    (True, "write"): roles.STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR,
    (True, "read"): roles.STORAGE_FILE_DATA_PRIVILEGED_READER,
}
"""Data role by (is a file share, access): Azure Files needs the Privileged roles for OAuth."""


def data_role(kind: DatastoreType, access: Literal["read", "write"]) -> roles.Role:
    """The built-in role that gives `access` to the data of a `kind` datastore."""
    return _DATA_ROLES[(kind == "AzureFile", access)]


class Datastore(pulumi.ComponentResource):
    """A workspace datastore, its container when amlstack manages the account, and data roles."""

    def __init__(
        self,
        name: str,
        args: DatastoreArgs,
        *,
        workspace: WorkspaceRef,
        target: StorageTarget,
        data_scientists: Sequence[Grantee] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the datastore in `workspace` pointing into `target`; `data_scientists` get
        ``args.dataScientists`` access. A container amlstack creates carries the workspace's
        ``protect``. `Workspace.add_datastore` picks the target and parents it."""
        super().__init__("amlstack:ml:Datastore", name, None, opts)
        self._args = args
        container = args.container_name
        created = self._create_container(name, target, workspace.protect) if target.managed else []
        scope = pulumi.Output.all(target.account_id, *(c.id for c in created)).apply(
            lambda ids: container_scope(ids[0], args.type, container)
        )
        grants: list[authorization.RoleAssignment] = []
        if args.identity_based:
            grants.append(
                assign_role(
                    f"{name}-{data_role(args.type, 'write').slug}-identity",
                    role=data_role(args.type, "write"),
                    grantee=workspace.identity,
                    scope=scope,
                    parent=self,
                )
            )
            if args.data_scientists != "none":
                role = data_role(args.type, args.data_scientists)
                for grantee in data_scientists:
                    assign_role(
                        f"{name}-{role.slug}-{grantee.grant_label}",
                        role=role,
                        grantee=grantee,
                        scope=scope,
                        parent=self,
                    )
        self.datastore = ml.Datastore(
            f"{name}-datastore",
            name=args.name,
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            properties=_properties(args, target, container),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*created, *grants]),
        )
        self.id: pulumi.Output[str] = self.datastore.id
        self.register_outputs({"id": self.id})

    def outputs(self) -> Pending[DatastoreOutput]:
        """This datastore's entry in the stack outputs (``datastores.<name>``)."""
        return DatastoreOutput.pending(type=self._args.type, id=self.id)

    def _create_container(
        self, name: str, target: StorageTarget, protect: bool
    ) -> list[pulumi.CustomResource]:
        """The container, file system or share, in an account this stack manages."""
        group = target.account_id.apply(lambda i: parse_account_id(i)[1])
        options = pulumi.ResourceOptions(parent=self, protect=protect)
        if self._args.type == "AzureFile":
            return [
                storage.FileShare(
                    f"{name}-share",
                    share_name=self._args.container_name,
                    account_name=target.account_name,
                    resource_group_name=group,
                    opts=options,
                )
            ]
        return [
            storage.BlobContainer(
                f"{name}-container",
                container_name=self._args.container_name,
                account_name=target.account_name,
                resource_group_name=group,
                public_access=storage.PublicAccess.NONE,
                opts=options,
            )
        ]


def _properties(
    args: DatastoreArgs, target: StorageTarget, container: str
) -> ml.AzureBlobDatastoreArgs | ml.AzureDataLakeGen2DatastoreArgs | ml.AzureFileDatastoreArgs:
    ids = target.account_id.apply(parse_account_id)
    common: dict[str, Any] = {
        "account_name": target.account_name,
        "credentials": _credentials(args.credentials),
        "description": args.description or None,
        "endpoint": "core.windows.net",
        "protocol": "https",
        "subscription_id": ids.apply(lambda parts: parts[0]),
        "resource_group": ids.apply(lambda parts: parts[1]),
        "service_data_access_auth_identity": (
            ml.ServiceDataAccessAuthIdentity.WORKSPACE_USER_ASSIGNED_IDENTITY
            if args.identity_based
            else ml.ServiceDataAccessAuthIdentity.NONE
        ),
    }
    if args.type == "AzureBlob":
        return ml.AzureBlobDatastoreArgs(
            datastore_type="AzureBlob", container_name=container, **common
        )
    if args.type == "AzureDataLakeGen2":
        return ml.AzureDataLakeGen2DatastoreArgs(
            datastore_type="AzureDataLakeGen2", filesystem=container, **common
        )
    return ml.AzureFileDatastoreArgs(
        datastore_type="AzureFile", file_share_name=container, **common
    )


def _credentials(
    credentials: DatastoreCredentials | None,
) -> (
    ml.NoneDatastoreCredentialsArgs
    | ml.AccountKeyDatastoreCredentialsArgs
    | ml.SasDatastoreCredentialsArgs
    | ml.ServicePrincipalDatastoreCredentialsArgs
):
    """Secrets go to Pulumi as secrets: encrypted in state, masked in every output."""
    if credentials is None:
        return ml.NoneDatastoreCredentialsArgs(credentials_type="None")
    if isinstance(credentials, AccountKeyCredentials):
        return ml.AccountKeyDatastoreCredentialsArgs(
            credentials_type="AccountKey",
            secrets=ml.AccountKeyDatastoreSecretsArgs(
                secrets_type="AccountKey", key=_secret(credentials.key)
            ),
        )
    if isinstance(credentials, SasCredentials):
        return ml.SasDatastoreCredentialsArgs(
            credentials_type="Sas",
            secrets=ml.SasDatastoreSecretsArgs(
                secrets_type="Sas", sas_token=_secret(credentials.token)
            ),
        )
    return ml.ServicePrincipalDatastoreCredentialsArgs(
        credentials_type="ServicePrincipal",
        tenant_id=credentials.tenant_id,
        client_id=credentials.client_id,
        authority_url=credentials.authority_url,
        secrets=ml.ServicePrincipalDatastoreSecretsArgs(
            secrets_type="ServicePrincipal", client_secret=_secret(credentials.client_secret)
        ),
    )


def _secret(value: SecretStr) -> pulumi.Output[str]:
    return pulumi.Output.secret(value.get_secret_value())
