"""Azure role definitions used by amlstack, in one table, and role-assignment names.

Role ids come from Microsoft's Azure built-in roles reference (MicrosoftDocs/azure-docs,
``articles/role-based-access-control/built-in-roles.md``; SECURITY_BASELINE.md lists the core
ones). `BUILT_IN_ROLES` holds the well-known roles amlstack grants itself or that Azure ML teams
ask for; any other role is given by its definition GUID or, for a custom role, its full
role-definition id (`find_role`). A complete name table would be generated from that reference
page (one row per role: name, description, id) or from ``az role definition list --custom-role-only
false``; amlstack ships the curated subset so that a plan never needs Azure.

A role assignment's name is a GUID derived from its scope, principal and role (uuid5, like Bicep's
``guid()``), so re-running a deployment, or losing its state, never meets ``RoleAssignmentExists``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from components.suggest import did_you_mean

__all__ = [
    "ACR_PULL",
    "ACR_PUSH",
    "AI_DEVELOPER",
    "AI_NETWORK_CONNECTION_APPROVER",
    "BUILT_IN_ROLES",
    "COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR",
    "COGNITIVE_SERVICES_OPENAI_USER",
    "COGNITIVE_SERVICES_USER",
    "COMPUTE_OPERATOR",
    "CONTRIBUTOR",
    "DATA_SCIENTIST",
    "GUID",
    "KEY_VAULT_ADMINISTRATOR",
    "KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER",
    "KEY_VAULT_SECRETS_USER",
    "METRICS_WRITER",
    "OWNER",
    "READER",
    "REGISTRY_USER",
    "SEARCH_INDEX_DATA_CONTRIBUTOR",
    "SEARCH_INDEX_DATA_READER",
    "SEARCH_SERVICE_CONTRIBUTOR",
    "STORAGE_BLOB_DATA_CONTRIBUTOR",
    "STORAGE_BLOB_DATA_READER",
    "STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR",
    "STORAGE_FILE_DATA_PRIVILEGED_READER",
    "WORKSPACE_ROLES",
    "Role",
    "find_role",
    "role_assignment_name",
    "role_definition_id",
]


@dataclass(frozen=True)
class Role:
    """A role: its display name, its definition GUID, and a short slug for resource names."""

    name: str
    id: str
    slug: str
    definition_id: str | None = None
    """The full role-definition id, when the role was given by one (a custom role): sent as
    is. Default: the id in the scope's subscription (`role_definition_id`)."""


READER = Role("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7", "reader")
CONTRIBUTOR = Role("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", "contributor")
OWNER = Role("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "owner")
DATA_SCIENTIST = Role(
    "AzureML Data Scientist", "f6c7c914-8db3-469d-8ca1-694a8f32e121", "data-scientist"
)
METRICS_WRITER = Role(
    "AzureML Metrics Writer (preview)", "635dd51f-9968-44d3-b7fb-6d9a6bd613ae", "metrics-writer"
)
COMPUTE_OPERATOR = Role(
    "AzureML Compute Operator", "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815", "compute-operator"
)
REGISTRY_USER = Role(
    "AzureML Registry User", "1823dd4f-9b8c-4ab6-ab4e-7397a3684615", "registry-user"
)
STORAGE_BLOB_DATA_CONTRIBUTOR = Role(
    "Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe", "blob-contributor"
)
STORAGE_BLOB_DATA_READER = Role(
    "Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "blob-reader"
)
STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR = Role(
    "Storage File Data Privileged Contributor",
    "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    "file-contributor",
)
STORAGE_FILE_DATA_PRIVILEGED_READER = Role(
    "Storage File Data Privileged Reader", "b8eda974-7b85-4f76-af95-65846b26df6d", "file-reader"
)
KEY_VAULT_SECRETS_USER = Role(
    "Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6", "kv-secrets-user"
)
KEY_VAULT_ADMINISTRATOR = Role(
    "Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483", "kv-admin"
)
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = Role(
    "Key Vault Crypto Service Encryption User",
    "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "kv-crypto-encryption-user",
)
ACR_PULL = Role("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d", "acr-pull")
ACR_PUSH = Role("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec", "acr-push")
AI_NETWORK_CONNECTION_APPROVER = Role(
    "Azure AI Enterprise Network Connection Approver",
    "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
    "network-approver",
)

AI_DEVELOPER = Role("Azure AI Developer", "64702f94-c441-49e6-a78b-ef80e0188fee", "ai-developer")
COGNITIVE_SERVICES_OPENAI_USER = Role(
    "Cognitive Services OpenAI User", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", "openai-user"
)
COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR = Role(
    "Cognitive Services OpenAI Contributor",
    "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "openai-contributor",
)
COGNITIVE_SERVICES_USER = Role(
    "Cognitive Services User", "a97b65f3-24c7-4388-baec-2e87135dc908", "cognitive-services-user"
)
SEARCH_INDEX_DATA_READER = Role(
    "Search Index Data Reader", "1407120a-92aa-4202-b7e9-c0e197c71c8f", "search-index-reader"
)
SEARCH_INDEX_DATA_CONTRIBUTOR = Role(
    "Search Index Data Contributor",
    "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "search-index-contributor",
)
SEARCH_SERVICE_CONTRIBUTOR = Role(
    "Search Service Contributor", "7ca78c08-252a-4471-8644-bb5ff32d4ba0", "search-contributor"
)
_OTHER_WELL_KNOWN = (
    Role("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "uaa"),
    Role(
        "Role Based Access Control Administrator",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "rbac-admin",
    ),
    Role("Azure AI Administrator", "b78c5d69-af96-48a3-bf8d-a8b4d589de94", "ai-administrator"),
    Role(
        "Azure AI Inference Deployment Operator",
        "3afb7f49-54cb-416e-8c09-6dc049efa503",
        "ai-inference-deployment-operator",
    ),
    Role("Foundry User", "53ca6127-db72-4b80-b1b0-d745d6d5456d", "foundry-user"),
    Role(
        "Cognitive Services Contributor",
        "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
        "cognitive-services-contributor",
    ),
    Role("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "blob-owner"),
    Role(
        "Storage Queue Data Contributor",
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        "queue-contributor",
    ),
    Role(
        "Storage Table Data Contributor",
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
        "table-contributor",
    ),
    Role("AcrDelete", "c2f4ef07-c644-48eb-af81-4b1b4947fb11", "acr-delete"),
)
"""Well-known roles no amlstack code grants itself, grantable by name through ``access.roles``."""

BUILT_IN_ROLES: tuple[Role, ...] = (
    READER,
    CONTRIBUTOR,
    OWNER,
    DATA_SCIENTIST,
    METRICS_WRITER,
    COMPUTE_OPERATOR,
    REGISTRY_USER,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR,
    STORAGE_FILE_DATA_PRIVILEGED_READER,
    KEY_VAULT_SECRETS_USER,
    KEY_VAULT_ADMINISTRATOR,
    KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
    ACR_PULL,
    ACR_PUSH,
    AI_NETWORK_CONNECTION_APPROVER,
    AI_DEVELOPER,
    COGNITIVE_SERVICES_OPENAI_USER,
    COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR,
    COGNITIVE_SERVICES_USER,
    SEARCH_INDEX_DATA_READER,
    SEARCH_INDEX_DATA_CONTRIBUTOR,
    SEARCH_SERVICE_CONTRIBUTOR,
    *_OTHER_WELL_KNOWN,
)
"""The one role table: every built-in role amlstack knows by name (ids from the built-in roles
reference). `find_role` looks names up here, without case."""

_BY_NAME = {role.name.casefold(): role for role in BUILT_IN_ROLES}
_BY_ID = {role.id: role for role in BUILT_IN_ROLES}
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
"""A GUID in either case (role definition ids, principals' object ids)."""
_DEFINITION_ID = re.compile(
    r"(?:/subscriptions/[0-9a-fA-F-]{36}"
    r"|/providers/Microsoft\.Management/managementGroups/[-\w.()]{1,90})?"
    r"/providers/Microsoft\.Authorization/roleDefinitions/(?P<guid>" + GUID.pattern + ")",
    re.IGNORECASE,
)
_ROLE_FORMS = (
    "a built-in role name (components.roles.BUILT_IN_ROLES), a role definition GUID, or a "
    "custom role's full id /subscriptions/<subscription>/providers/Microsoft.Authorization/"
    "roleDefinitions/<GUID>"
)


def find_role(value: str) -> Role:
    """The role `value` names: a name of `BUILT_IN_ROLES` (any case), a role definition GUID
    (built-in or custom), or a full role-definition id; ValueError with suggestions otherwise.
    Roles given by id get the slug ``role-<first 8 hex digits>`` (resource names stay stable)."""
    text = value.strip()
    if GUID.fullmatch(text):
        guid = text.lower()
        return _BY_ID.get(guid) or Role(guid, guid, f"role-{guid[:8]}")
    if match := _DEFINITION_ID.fullmatch(text):
        guid = match["guid"].lower()
        known = _BY_ID.get(guid)
        name = known.name if known else text
        slug = known.slug if known else f"role-{guid[:8]}"
        return Role(name, guid, slug, definition_id=text)
    known = _BY_NAME.get(text.casefold())
    if known is not None:
        return known
    hint = did_you_mean(text, [role.name for role in BUILT_IN_ROLES])
    raise ValueError(f"unknown role {text!r}; {hint}expected {_ROLE_FORMS}")


WORKSPACE_ROLES: dict[str, Role] = {
    "reader": READER,
    "contributor": CONTRIBUTOR,
    "owner": OWNER,
    "data_scientist": DATA_SCIENTIST,
    "metrics_writer": METRICS_WRITER,
    "compute_operator": COMPUTE_OPERATOR,
}
"""The roles stack config can grant on a workspace, by their `AccessArgs` field."""

_ASSIGNMENT_NAMESPACE = uuid.uuid5(
    uuid.NAMESPACE_URL, "https://github.com/amlstack/role-assignments"
)


def role_definition_id(subscription_id: str, role: Role) -> str:
    """The ARM id of `role`'s definition in `subscription_id` (a full id given for the role is
    kept as given)."""
    if role.definition_id is not None:
        return role.definition_id
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization"
        f"/roleDefinitions/{role.id}"
    )


def role_assignment_name(scope: str, principal_id: str, role_id: str) -> str:
    """The GUID name of the assignment of `role_id` to `principal_id` at `scope` (any case)."""
    key = "|".join(part.casefold() for part in (scope, principal_id, role_id))
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, key))
