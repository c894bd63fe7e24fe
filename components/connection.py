"""Workspace connections: Azure OpenAI, AI Services, AI Search, a container registry, Git,
ADLS Gen2 and blob storage, an API key or custom keys, shared with the workspace's users.

A connection names a target (an Azure resource by ARM id, or a URL) and how to authenticate.
Identity (Microsoft Entra ID) is the default wherever the target accepts it: no secret exists,
and the workspace identity gets the role the target needs from the one role table
(`components.roles`), granted before the connection is created. Secrets (API keys, tokens,
passwords) come only from ``pulumi config set --secret`` or from a Key Vault reference
(``{keyVaultSecret: https://<vault>.vault.azure.net/secrets/<name>}``, read at deployment by
`components.key_vault_secret`); they reach Azure as Pulumi secrets. Stack config refuses a secret
written in plain text (`infra.config`).

The body is the ``Microsoft.MachineLearningServices/workspaces/connections`` one of API
2025-12-01 (``category``, ``target``, ``authType``, ``credentials``, ``isSharedToAll``,
``metadata``), shaped as azure-ai-ml's ``load_connection`` builds it for the same spec
(``tests/conformance/test_connections.py`` checks both).

A target given by ARM id gives the URL Azure expects: ``https://<name>.openai.azure.com/``,
``https://<name>.cognitiveservices.azure.com/`` (both assume the account's custom subdomain is its
name, as the portal and the Azure Verified Modules create it; give the endpoint as `target` and the
id as `resourceId` otherwise), ``https://<name>.search.windows.net``, ``<name>.azurecr.io`` (the
registry's login server), ``https://<name>.blob.core.windows.net/`` and
``https://<name>.dfs.core.windows.net/<file system>`` (Azure public cloud).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

import pulumi
from pulumi_azure_native import authorization
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, SecretStr, ValidationInfo, field_validator

from components import roles
from components.access import Grantee, assign_role
from components.args import Args
from components.datastore import container_scope
from components.errors import AmlStackError
from components.key_vault_secret import KeyVaultSecretValue, check_secret_uri
from components.naming import NameRule
from components.private_link import DATASTORE_SUBRESOURCES, parse_resource_id
from components.workspace_ref import WorkspaceRef

__all__ = [
    "CONNECTION",
    "CONNECTION_CATEGORIES",
    "ApiKeyCredentials",
    "Connection",
    "ConnectionArgs",
    "ConnectionCategory",
    "CustomKeysCredentials",
    "IdentityCredentials",
    "KeyVaultSecretRef",
    "NoCredentials",
    "PatCredentials",
    "UsernamePasswordCredentials",
]

ConnectionCategory = Literal[
    "AzureOpenAI",
    "AIServices",
    "CognitiveSearch",
    "ContainerRegistry",
    "Git",
    "ADLSGen2",
    "AzureBlob",
    "ApiKey",
    "CustomKeys",
]
Access = Literal["read", "write"]

CONNECTION = NameRule(
    "connection",
    "",
    3,
    33,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "3-33 letters, digits, '_' or '-', starting with a letter or digit",
)
"""Azure's rule for connection names (``^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$``, API 2025-12-01)."""


class KeyVaultSecretRef(Args):
    """A secret kept in Azure Key Vault, read while the stack deploys."""

    key_vault_secret: str
    """Its URI: ``https://<vault>.vault.azure.net/secrets/<name>`` (optionally ``/<version>``;
    without one, each deployment after ``pulumi refresh`` takes the current version). The identity
    running ``pulumi`` needs Key Vault Secrets User on the vault."""

    @field_validator("key_vault_secret")
    @classmethod
    def _secret_uri(cls, value: str) -> str:
        return check_secret_uri(value)


Secret = SecretStr | KeyVaultSecretRef
"""A secret value: set with ``pulumi config set --secret --path`` (never plain text), or a Key
Vault reference."""


class IdentityCredentials(Args):
    """Microsoft Entra ID: callers use their identity, the workspace its managed identity."""

    type: Literal["Identity"]
    """``Identity``."""


class ApiKeyCredentials(Args):
    """An API key."""

    type: Literal["ApiKey"]
    """``ApiKey``."""
    key: Secret
    """The key: a secure value (``pulumi config set --secret --path``) or
    ``{keyVaultSecret: <secret URI>}``, never plain text."""


class PatCredentials(Args):
    """A personal access token (Git)."""

    type: Literal["PAT"]
    """``PAT``."""
    pat: Secret
    """The token: a secure value or a Key Vault reference, never plain text."""


class UsernamePasswordCredentials(Args):
    """A user name and password (Git, a container registry's token)."""

    type: Literal["UsernamePassword"]
    """``UsernamePassword``."""
    username: str
    """The user name (not secret)."""
    password: Secret
    """The password: a secure value or a Key Vault reference, never plain text."""


class CustomKeysCredentials(Args):
    """Named secrets a tool reads from the connection (``CustomKeys``)."""

    type: Literal["CustomKeys"]
    """``CustomKeys``."""
    keys: dict[str, Secret] = Field(min_length=1)
    """Key name to value, each a secure value or a Key Vault reference (at least one)."""


class NoCredentials(Args):
    """No authentication (a public Git repository or registry)."""

    type: Literal["None"]
    """``None``."""


Credentials = Annotated[
    IdentityCredentials
    | ApiKeyCredentials
    | PatCredentials
    | UsernamePasswordCredentials
    | CustomKeysCredentials
    | NoCredentials,
    Field(discriminator="type"),
]


@dataclass(frozen=True)
class _Category:
    """What Azure accepts for one connection category, and the roles identity access needs."""

    resource_type: str | None
    """The ARM type of the target resource; None: a URL only."""
    credentials: tuple[str, ...]
    read: tuple[roles.Role, ...] = ()
    write: tuple[roles.Role, ...] = ()
    url: Callable[[str, str | None], str] | None = None
    """The target URL of a resource, from its name (and container)."""
    groups: tuple[str, ...] = ()
    """The private link sub-resources (`components.private_link.PRIVATE_LINK_TYPES`) a
    managed network needs a private endpoint to, to reach the target."""


_COGNITIVE = "Microsoft.CognitiveServices/accounts"
_STORAGE = "Microsoft.Storage/storageAccounts"

CONNECTION_CATEGORIES: dict[str, _Category] = {
    "AzureOpenAI": _Category(
        _COGNITIVE,
        ("Identity", "ApiKey"),
        read=(roles.COGNITIVE_SERVICES_OPENAI_USER,),
        write=(roles.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR,),
        url=lambda name, _: f"https://{name}.openai.azure.com/",
        groups=("account",),
    ),
    "AIServices": _Category(
        _COGNITIVE,
        ("Identity", "ApiKey"),
        read=(roles.COGNITIVE_SERVICES_USER,),
        write=(roles.COGNITIVE_SERVICES_USER, roles.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR),
        url=lambda name, _: f"https://{name}.cognitiveservices.azure.com/",
        groups=("account",),
    ),
    "CognitiveSearch": _Category(
        "Microsoft.Search/searchServices",
        ("Identity", "ApiKey"),
        read=(roles.SEARCH_INDEX_DATA_READER,),
        write=(roles.SEARCH_INDEX_DATA_CONTRIBUTOR, roles.SEARCH_SERVICE_CONTRIBUTOR),
        url=lambda name, _: f"https://{name}.search.windows.net",
        groups=("searchService",),
    ),
    "ContainerRegistry": _Category(
        "Microsoft.ContainerRegistry/registries",
        ("Identity", "UsernamePassword", "None"),
        read=(roles.ACR_PULL,),
        write=(roles.ACR_PUSH,),
        url=lambda name, _: f"{name}.azurecr.io",
        groups=("registry",),
    ),
    "AzureBlob": _Category(
        _STORAGE,
        ("Identity",),
        read=(roles.STORAGE_BLOB_DATA_READER,),
        write=(roles.STORAGE_BLOB_DATA_CONTRIBUTOR,),
        url=lambda name, _: f"https://{name}.blob.core.windows.net/",
        groups=DATASTORE_SUBRESOURCES["AzureBlob"],
    ),
    "ADLSGen2": _Category(
        _STORAGE,
        ("Identity",),
        read=(roles.STORAGE_BLOB_DATA_READER,),
        write=(roles.STORAGE_BLOB_DATA_CONTRIBUTOR,),
        url=lambda name, container: f"https://{name}.dfs.core.windows.net/{container or ''}",
        groups=DATASTORE_SUBRESOURCES["AzureDataLakeGen2"],
    ),
    "Git": _Category(None, ("PAT", "UsernamePassword", "None")),
    "ApiKey": _Category(None, ("ApiKey",)),
    "CustomKeys": _Category(None, ("CustomKeys",)),
}
"""Per category: the target's ARM type, the credential types Azure ML takes (account keys and
SAS tokens are left out: the stacks' storage refuses shared keys), the data roles for
``identityAccess`` read and write (Azure built-in roles reference), and the private link
sub-resources (blob storage and ADLS Gen2 those of their datastores: ADLS Gen2 needs ``blob``
beside ``dfs``)."""


def _allowed(category: _Category) -> str:
    *others, last = category.credentials
    return f"{', '.join(others)} or {last}" if others else last


class ConnectionArgs(Args):
    """One workspace connection. Only `name`, `category` and `target` are required."""

    name: str
    """Connection name in the workspace: 3-33 letters, digits, '_' or '-'."""
    category: ConnectionCategory
    """``AzureOpenAI``, ``AIServices``, ``CognitiveSearch`` (AI Search), ``ContainerRegistry``,
    ``Git``, ``ADLSGen2``, ``AzureBlob``, ``ApiKey`` (any API behind a key) or ``CustomKeys``."""
    target: str
    """The ARM id of the Azure resource (``/subscriptions/<id>/resourceGroups/<rg>/providers/
    Microsoft.CognitiveServices/accounts/<name>``), from which amlstack derives its endpoint, or
    the endpoint as an https URL (Git, ApiKey and CustomKeys connections take URLs only)."""
    resource_id: str | None = None
    """The target resource's ARM id, when `target` is a URL: needed for identity access (the
    role is granted on it) and sent as ``ResourceId`` metadata where Azure ML reads it. Default
    none."""
    container: str | None = None
    """The blob container (``AzureBlob``, required there) or ADLS Gen2 file system (optional,
    appended to the endpoint); identity roles are then granted on it only."""
    credentials: Credentials | None = None
    """How to authenticate: ``{type: Identity}`` (the default wherever the category allows it:
    AzureOpenAI, AIServices, CognitiveSearch, ContainerRegistry, ADLSGen2, AzureBlob), or
    ``ApiKey`` / ``PAT`` / ``UsernamePassword`` / ``CustomKeys`` with secrets from
    ``pulumi config set --secret --path`` or ``{keyVaultSecret: <URI>}``, or ``None``."""
    shared: bool = True
    """Share the connection with every user of the workspace (``isSharedToAll``). Default on.
    Off: only its creator (the deployer) sees it."""
    identity_access: Literal["read", "write", "none"] = "read"
    """With identity credentials, the data role the workspace identity gets on the target:
    ``read`` (default; e.g. Cognitive Services OpenAI User, Search Index Data Reader, AcrPull,
    Storage Blob Data Reader), ``write`` (the contributor roles) or ``none`` (its owner grants
    it)."""
    data_scientists: Literal["none", "read", "write"] = "none"
    """With identity credentials, the same data role for the principals in the workspace's
    ``access.dataScientist`` (who use the connection with their own identity). Default none."""
    api_version: str | None = None
    """Azure OpenAI API version sent as ``ApiVersion`` metadata (``2024-10-21``). Default none:
    clients choose."""
    metadata: dict[str, str] = Field(default_factory=dict)
    """More metadata, sent as given (after the keys amlstack sets)."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return CONNECTION.require(value)

    @field_validator("target")
    @classmethod
    def _arm_id_or_url(cls, value: str, info: ValidationInfo) -> str:
        facts = _facts(info)
        if value.startswith("/"):
            if facts is not None and facts.resource_type is None:
                raise ValueError(f"{info.data['category']} connections take an https URL")
            return _check_resource(value, facts, info)
        parsed = urlparse(value)
        hosted = parsed.scheme == "https" and parsed.netloc
        login_server = info.data.get("category") == "ContainerRegistry" and _is_host(value)
        if not hosted and not login_server:
            kind = f"the ARM id of the {_kind(facts)} or " if facts and facts.resource_type else ""
            raise ValueError(
                f"expected {kind}an https URL (https://<host>/...); ARM ids start with "
                "/subscriptions/<subscription GUID>/resourceGroups/<rg>/providers/"
            )
        return value

    @field_validator("resource_id")
    @classmethod
    def _resource_of_the_category(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if str(info.data.get("target", "")).startswith("/"):
            raise ValueError("target is an ARM id already; give resourceId only with a URL target")
        facts = _facts(info)
        if facts is not None and facts.resource_type is None:
            raise ValueError(f"{info.data['category']} connections have no Azure resource")
        return _check_resource(value, facts, info)

    @field_validator("container")
    @classmethod
    def _container_where_it_means_something(
        cls, value: str | None, info: ValidationInfo
    ) -> str | None:
        category = info.data.get("category")
        if value is None and category == "AzureBlob":
            raise ValueError("AzureBlob connections name their container")
        if value is not None and category not in ("AzureBlob", "ADLSGen2"):
            raise ValueError("container applies to AzureBlob and ADLSGen2 connections only")
        return value

    @field_validator("credentials")
    @classmethod
    def _credentials_the_category_takes(
        cls, value: Credentials | None, info: ValidationInfo
    ) -> Credentials | None:
        facts = _facts(info)
        if facts is None:
            return value
        category = info.data["category"]
        if value is None and "Identity" not in facts.credentials:
            raise ValueError(
                f"{category} connections need credentials: type {_allowed(facts)} (there is no "
                "identity-based access to it)"
            )
        if value is not None and value.type not in facts.credentials:
            raise ValueError(
                f"{category} connections take credentials of type {_allowed(facts)}, not "
                f"{value.type!r}"
            )
        return value

    @field_validator("identity_access", "data_scientists")
    @classmethod
    def _roles_need_a_resource(cls, value: str, info: ValidationInfo) -> str:
        if value == "none" or "target" not in info.data or "credentials" not in info.data:
            return value
        key = "identityAccess" if info.field_name == "identity_access" else "dataScientists"
        credentials = info.data["credentials"]
        if credentials is not None and not isinstance(credentials, IdentityCredentials):
            if info.field_name == "data_scientists":
                raise ValueError(f"{key} applies to identity credentials only")
            return value
        if _resource_id(info.data) is None:
            raise ValueError(
                f"{key} {value!r} grants a role on the target, and a URL target does not say "
                f"which resource it is: give its ARM id in resourceId, or set {key}: none"
            )
        return value

    @field_validator("api_version")
    @classmethod
    def _openai_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("category") != "AzureOpenAI":
            raise ValueError("apiVersion applies to AzureOpenAI connections only")
        return value

    # -- what Azure gets (pure) -----------------------------------------------------------

    @property
    def identity_based(self) -> bool:
        return self.credentials is None or isinstance(self.credentials, IdentityCredentials)

    @property
    def target_resource_id(self) -> str | None:
        """The target's ARM id, when known."""
        return _resource_id({"target": self.target, "resource_id": self.resource_id})

    @property
    def target_url(self) -> str:
        """The ``target`` Azure gets: the URL given, or the one derived from the ARM id."""
        if not self.target.startswith("/"):
            return self.target
        url = CONNECTION_CATEGORIES[self.category].url
        parsed = parse_resource_id(self.target)
        assert url is not None  # the validators ensure a resource category
        assert parsed is not None  # ... and a valid ARM id
        return url(parsed.name, self.container)

    @property
    def auth_type(self) -> str:
        """The wire ``authType``: ``AAD`` for identity, ``ManagedIdentity`` for a registry."""
        if not self.identity_based:
            assert self.credentials is not None
            return self.credentials.type
        return "ManagedIdentity" if self.category == "ContainerRegistry" else "AAD"

    def wire_metadata(self) -> dict[str, str]:
        """The ``metadata`` azure-ai-ml sends for this category, then `metadata`."""
        resource = self.target_resource_id
        known: dict[str, str | None] = {}
        if self.category == "AzureOpenAI":
            known = {"ApiType": "Azure", "ResourceId": resource, "ApiVersion": self.api_version}
        elif self.category == "AIServices":
            known = {"ResourceId": resource}
        elif self.category == "AzureBlob":
            parsed = parse_resource_id(resource) if resource else None
            account = parsed.name if parsed else urlparse(self.target_url).netloc.split(".")[0]
            known = {"AccountName": account, "ContainerName": self.container}
        return {**{k: v for k, v in known.items() if v is not None}, **self.metadata}

    @property
    def private_link_targets(self) -> tuple[tuple[str, str], ...]:
        """(resource id, sub-resource) a managed network needs a private endpoint to, to reach
        the target (``account``, ``searchService``, ``registry``, ``blob``, ``dfs`` and
        ``blob``); none for a URL target without `resourceId`. The managed network's
        outbound rules take them through `components.outbound.automatic_rules`."""
        resource = self.target_resource_id
        if resource is None:
            return ()
        return tuple((resource, group) for group in CONNECTION_CATEGORIES[self.category].groups)

    def roles_for(self, access: str) -> tuple[roles.Role, ...]:
        """The roles `access` (read, write) needs on the target; none for ``none``."""
        facts = CONNECTION_CATEGORIES[self.category]
        return {"read": facts.read, "write": facts.write}.get(access, ())

    @property
    def grant_scope(self) -> str | None:
        """Where identity roles go: the container or file system when named, else the target."""
        resource = self.target_resource_id
        if resource is None or self.container is None:
            return resource
        return container_scope(resource, "AzureBlob", self.container)  # ADLS too: a container


def _facts(info: ValidationInfo) -> _Category | None:
    category = info.data.get("category")
    return CONNECTION_CATEGORIES.get(category) if isinstance(category, str) else None


_KINDS = {
    _COGNITIVE: "account",
    "Microsoft.Search/searchServices": "search service",
    "Microsoft.ContainerRegistry/registries": "registry",
    _STORAGE: "storage account",
}


def _kind(facts: _Category | None) -> str:
    return _KINDS.get(facts.resource_type or "", "resource") if facts else "resource"


def _check_resource(value: str, facts: _Category | None, info: ValidationInfo) -> str:
    parsed = parse_resource_id(value)
    expected = facts.resource_type if facts else None
    shape = f"{expected}/<name>" if expected else "<Namespace>/<type>/<name>"
    if parsed is None:
        raise ValueError(
            "expected an ARM id: /subscriptions/<subscription GUID>/resourceGroups/<rg>/"
            f"providers/{shape}, or an https URL"
        )
    if expected is not None and parsed.type.lower() != expected.lower():
        raise ValueError(
            f"{info.data['category']} connections point at a {expected}, not a {parsed.type}; "
            f"expected /subscriptions/<id>/resourceGroups/<rg>/providers/{shape}"
        )
    return value


def _resource_id(data: dict[str, Any]) -> str | None:
    target = str(data.get("target", ""))
    return target if target.startswith("/") else data.get("resource_id")


def _is_host(value: str) -> bool:
    """A bare host name (a registry's login server, ``<name>.azurecr.io``)."""
    return "/" not in value and "." in value and " " not in value


class Connection(pulumi.ComponentResource):
    """A workspace connection and the roles its identity access needs on the target."""

    def __init__(
        self,
        name: str,
        args: ConnectionArgs,
        *,
        workspace: WorkspaceRef,
        data_scientists: Sequence[Grantee] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the connection `args` describes in `workspace`; with identity credentials the
        workspace identity (and `data_scientists`, as ``args.dataScientists`` says) get their
        roles on the target first. `Workspace.add_connection` parents it."""
        super().__init__("amlstack:ml:Connection", name, None, opts)
        self._name = name
        self._args = args
        grants = self._grant(workspace, data_scientists) if args.identity_based else []
        self.connection = ml.WorkspaceConnection(
            f"{name}-connection",
            connection_name=args.name,
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            properties=self._properties(name, workspace),
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants),
        )
        self.id: pulumi.Output[str] = self.connection.id
        self.register_outputs({"id": self.id})

    def _grant(
        self, workspace: WorkspaceRef, data_scientists: Sequence[Grantee]
    ) -> list[authorization.RoleAssignment]:
        args = self._args
        grants = self.grant(workspace.identity, args.identity_access)
        for grantee in data_scientists:
            grants += self.grant(grantee, args.data_scientists)
        return grants

    def grant(self, grantee: Grantee, access: str) -> list[authorization.RoleAssignment]:
        """Give `grantee` the roles `access` (read, write, none) needs on the target, when the
        connection is identity-based and its target's ARM id is known (a hub gives its
        projects' identities its shared connections' access this way)."""
        args, scope = self._args, self._args.grant_scope
        if scope is None or not args.identity_based:
            return []
        return [
            assign_role(
                f"{self._name}-{role.slug}-{grantee.grant_label}",
                role=role,
                grantee=grantee,
                scope=scope,
                parent=self,
            )
            for role in args.roles_for(access)
        ]

    @property
    def args(self) -> ConnectionArgs:
        """What the connection was created from."""
        return self._args

    def _secret(self, field: str, value: Secret) -> pulumi.Output[str]:
        """`value` as a Pulumi secret: a config value, or read from Key Vault by a
        `KeyVaultSecretValue` named after the connection and the field."""
        if isinstance(value, KeyVaultSecretRef):
            read = KeyVaultSecretValue(
                f"{self._name}-{field}-secret",
                secret_uri=value.key_vault_secret,
                opts=pulumi.ResourceOptions(parent=self),
            )
            return pulumi.Output.secret(read.value)
        return pulumi.Output.secret(value.get_secret_value())

    def _properties(self, name: str, workspace: WorkspaceRef) -> Any:
        args = self._args
        common: dict[str, Any] = {
            "category": args.category,
            "target": args.target_url,
            "is_shared_to_all": args.shared,
            "metadata": args.wire_metadata(),
        }
        credentials = args.credentials
        if args.auth_type == "AAD":
            return ml.AADAuthTypeWorkspaceConnectionPropertiesArgs(auth_type="AAD", **common)
        if args.auth_type == "ManagedIdentity":
            if workspace.identity_client_id is None:
                raise AmlStackError(
                    f"{name}: a ContainerRegistry connection with identity credentials needs "
                    "the workspace identity's client id (WorkspaceRef.identity_client_id)"
                )
            return ml.ManagedIdentityAuthTypeWorkspaceConnectionPropertiesArgs(
                auth_type="ManagedIdentity",
                credentials=ml.WorkspaceConnectionManagedIdentityArgs(
                    client_id=workspace.identity_client_id, resource_id=workspace.identity_id
                ),
                **common,
            )
        if isinstance(credentials, ApiKeyCredentials):
            return ml.ApiKeyAuthWorkspaceConnectionPropertiesArgs(
                auth_type="ApiKey",
                credentials=ml.WorkspaceConnectionApiKeyArgs(
                    key=self._secret("key", credentials.key)
                ),
                **common,
            )
        if isinstance(credentials, PatCredentials):
            return ml.PATAuthTypeWorkspaceConnectionPropertiesArgs(
                auth_type="PAT",
                credentials=ml.WorkspaceConnectionPersonalAccessTokenArgs(
                    pat=self._secret("pat", credentials.pat)
                ),
                **common,
            )
        if isinstance(credentials, UsernamePasswordCredentials):
            return ml.UsernamePasswordAuthTypeWorkspaceConnectionPropertiesArgs(
                auth_type="UsernamePassword",
                credentials=ml.WorkspaceConnectionUsernamePasswordArgs(
                    username=credentials.username,
                    password=self._secret("password", credentials.password),
                ),
                **common,
            )
        if isinstance(credentials, CustomKeysCredentials):
            return ml.CustomKeysWorkspaceConnectionPropertiesArgs(
                auth_type="CustomKeys",
                credentials=ml.CustomKeysArgs(
                    keys={
                        key: self._secret(f"keys-{key}", value)
                        for key, value in sorted(credentials.keys.items())
                    }
                ),
                **common,
            )
        return ml.NoneAuthTypeWorkspaceConnectionPropertiesArgs(auth_type="None", **common)
