"""Built-in Azure role definitions used by amlstack, in one table, and role-assignment names.

Role ids come from the Azure built-in roles reference (see SECURITY_BASELINE.md). A role
assignment's name is a GUID derived from its scope, principal and role (uuid5, like Bicep's
``guid()``), so re-running a deployment, or losing its state, never meets ``RoleAssignmentExists``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

__all__ = [
    "ACR_PULL",
    "ACR_PUSH",
    "AI_NETWORK_CONNECTION_APPROVER",
    "COMPUTE_OPERATOR",
    "CONTRIBUTOR",
    "DATA_SCIENTIST",
    "KEY_VAULT_ADMINISTRATOR",
    "KEY_VAULT_SECRETS_USER",
    "METRICS_WRITER",
    "OWNER",
    "READER",
    "REGISTRY_USER",
    "STORAGE_BLOB_DATA_CONTRIBUTOR",
    "STORAGE_BLOB_DATA_READER",
    "STORAGE_FILE_DATA_PRIVILEGED_CONTRIBUTOR",
    "STORAGE_FILE_DATA_PRIVILEGED_READER",
    "WORKSPACE_ROLES",
    "Role",
    "role_assignment_name",
    "role_definition_id",
]


@dataclass(frozen=True)
class Role:
    """A built-in role: its display name, its definition id, and a short slug for resource names."""

    name: str
    id: str
    slug: str


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
ACR_PULL = Role("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d", "acr-pull")
ACR_PUSH = Role("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec", "acr-push")
AI_NETWORK_CONNECTION_APPROVER = Role(
    "Azure AI Enterprise Network Connection Approver",
    "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
    "network-approver",
)

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
    """The ARM id of `role`'s definition in `subscription_id`."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization"
        f"/roleDefinitions/{role.id}"
    )


def role_assignment_name(scope: str, principal_id: str, role_id: str) -> str:
    """The GUID name of the assignment of `role_id` to `principal_id` at `scope` (any case)."""
    key = "|".join(part.casefold() for part in (scope, principal_id, role_id))
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, key))
