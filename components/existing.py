"""Bring your own dependencies: a workspace that uses an existing storage account, key vault,
container registry, Application Insights or Log Analytics workspace instead of creating one.

Enterprises with a central platform team hand a workspace the resources that team owns. amlstack
then creates none of them; any mix works (an existing storage account, a created key vault). On
what it does not create it applies, where the stack's identity has the right and config allows:

- the workspace identity's roles (``grants``, default on; needs Owner, User Access Administrator
  or Role Based Access Control Administrator on the resource),
- a diagnostic setting to Log Analytics (``diagnostics``, default on; needs Monitoring
  Contributor or Contributor),
- a CanNotDelete lock (``deleteLock``, default off: the owner decides; needs Owner or User
  Access Administrator),
- private endpoints in ``network.privateEndpoints.subnetId`` (``privateEndpoints``, default on;
  the owner approves them unless the stack's identity may).

Everything else stays the owner's (`LEFT_TO_OWNER`): network access and firewall rules (the IP
allow-list too), encryption, replication, soft delete and purge protection, SKUs, retention.
The offline plan lists each existing resource with what amlstack applies and what it leaves
(`not_managed`), so a review sees both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from pydantic import ValidationInfo, field_validator

from components.args import Args
from components.naming import check_arm_id

__all__ = [
    "EXISTING_BY_FIELD",
    "EXISTING_KINDS",
    "LEFT_TO_OWNER",
    "Applied",
    "ExistingArgs",
    "ExistingKind",
    "NotManaged",
    "existing_name",
    "not_managed",
]


@dataclass(frozen=True)
class ExistingKind:
    """One kind of dependency a workspace may bring: its field, its ARM id's shape, and what
    amlstack may apply to it."""

    field: str
    """The `ExistingArgs` field (Python name)."""
    label: str
    provider_path: str
    shape: str
    granted: bool = True
    """The workspace identity gets roles on it."""
    data_store: bool = True
    """It holds data: delete locks and ``network.privateEndpoints`` apply to it."""


def _kind(
    field: str, label: str, namespace: str, type_: str, *, granted: bool, data_store: bool
) -> ExistingKind:
    return ExistingKind(
        field,
        label,
        rf"{re.escape(namespace)}/{type_}/[-\w.]+",
        f"{namespace}/{type_}/<name>",
        granted,
        data_store,
    )


EXISTING_KINDS: tuple[ExistingKind, ...] = (
    _kind("storage_account", "storage account", "Microsoft.Storage",
          "storageAccounts", granted=True, data_store=True),
    _kind("key_vault", "key vault", "Microsoft.KeyVault", "vaults",
          granted=True, data_store=True),
    _kind("container_registry", "container registry",
          "Microsoft.ContainerRegistry", "registries", granted=True, data_store=True),
    _kind("application_insights", "Application Insights component",
          "Microsoft.Insights", "components", granted=True, data_store=False),
    _kind("log_analytics", "Log Analytics workspace",
          "Microsoft.OperationalInsights", "workspaces", granted=False, data_store=False),
)  # fmt: skip
"""What a workspace may bring, in the order the plan lists them."""
EXISTING_BY_FIELD: Mapping[str, ExistingKind] = MappingProxyType(
    {kind.field: kind for kind in EXISTING_KINDS}
)
"""Each kind by its `ExistingArgs` field."""

Applied = Literal["grants", "diagnostics", "delete_lock", "private_endpoints"]
"""What amlstack may apply to a dependency of a workspace, created or existing."""
_APPLIED: tuple[tuple[Applied, str], ...] = (
    ("grants", "the workspace identity's roles"),
    ("diagnostics", "diagnostic setting amlstack-log-analytics"),
    ("delete_lock", "CanNotDelete lock"),
    ("private_endpoints", "private endpoints"),
)
"""Each, as the plan names it, in the order the plan lists them."""

LEFT_TO_OWNER: dict[str, tuple[str, ...]] = {
    "storage_account": (
        "network access and firewall (IP allow-list)",
        "shared key access",
        "encryption (customer-managed key)",
        "replication",
        "soft delete and versioning",
        "SAS expiration policy",
    ),
    "key_vault": (
        "network access and firewall (IP allow-list)",
        "RBAC authorization",
        "soft delete and purge protection",
    ),
    "container_registry": (
        "network access and firewall (IP allow-list)",
        "SKU",
        "admin user and anonymous pull",
        "exports",
        "encryption (customer-managed key)",
    ),
    "application_insights": ("local authentication", "the Log Analytics workspace it writes to"),
    "log_analytics": ("local authentication", "retention"),
}
"""What amlstack never sets on an existing resource of each kind: its owner keeps it."""


class ExistingArgs(Args):
    """Existing resources the workspace uses instead of creating them, by ARM id, and what
    amlstack may apply to them. Every id defaults to none: amlstack creates that dependency."""

    storage_account: str | None = None
    """ARM id of the storage account to use as the workspace storage. It must allow the
    workspace identity in (amlstack grants the roles with ``grants``) and, with shared keys off,
    Azure ML's identity-based system datastores. Not a hierarchical-namespace account."""
    key_vault: str | None = None
    """ARM id of the key vault (RBAC authorization, soft delete on)."""
    container_registry: str | None = None
    """ARM id of the container registry (admin user off; the identity pulls and pushes by role)."""
    application_insights: str | None = None
    """ARM id of the (workspace-based) Application Insights component."""
    log_analytics: str | None = None
    """ARM id of the Log Analytics workspace every diagnostic setting of this workspace sends to
    (and a created Application Insights writes to)."""
    grants: bool = True
    """Grant the workspace identity its roles on the existing resources (the roles it has on
    created ones). Default on. Off: their owner grants them (the plan lists which)."""
    diagnostics: bool = True
    """Add amlstack's diagnostic setting (``amlstack-log-analytics``) to each existing resource.
    Default on. Off: the owner's diagnostic settings stay the only ones."""
    delete_lock: bool = False
    """Put amlstack's CanNotDelete lock on the existing resources too. Default off: an existing
    resource's lifecycle is its owner's."""
    private_endpoints: bool = True
    """Create the private endpoints of ``network.privateEndpoints`` to the existing resources
    too. Default on; the owner approves them unless the deployer may."""

    @field_validator(*(kind.field for kind in EXISTING_KINDS))
    @classmethod
    def _arm_id_of_the_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or info.field_name is None:
            return value
        kind = EXISTING_BY_FIELD[info.field_name]
        return check_arm_id(
            value, kind=kind.label, provider_path=kind.provider_path, shape=kind.shape
        )

    def ids(self) -> Iterator[tuple[ExistingKind, str]]:
        """(kind, ARM id) of each resource given, in `EXISTING_KINDS` order."""
        for kind in EXISTING_KINDS:
            value = getattr(self, kind.field)
            if value is not None:
                yield kind, value

    def applies(self, kind: ExistingKind, what: Applied) -> bool:
        """Whether amlstack applies `what` to an existing resource of `kind` (private endpoints:
        those of ``network.privateEndpoints``, when the workspace has them). The workspace
        creates by this (`components.workspace.Workspace`), and the plan reports by it."""
        if what == "grants":
            return self.grants and kind.granted
        if what == "diagnostics":
            return self.diagnostics
        if what == "delete_lock":
            return self.delete_lock and kind.data_store
        return self.private_endpoints and kind.data_store

    def applied(self, kind: ExistingKind, *, private_endpoints: bool) -> tuple[str, ...]:
        """What amlstack applies to an existing resource of `kind` (`private_endpoints`: the
        workspace has ``network.privateEndpoints``), as the plan lists it."""
        return tuple(
            shown
            for what, shown in _APPLIED
            if self.applies(kind, what) and (what != "private_endpoints" or private_endpoints)
        )


def existing_name(resource_id: str) -> str:
    """The resource name at the end of an ARM id."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class NotManaged:
    """An existing resource a workspace uses: what amlstack applies to it and what it leaves."""

    workspace: str
    kind: str
    """What it is (``storage account``)."""
    id: str
    applied: tuple[str, ...]
    left_to_owner: tuple[str, ...]

    def document(self) -> dict[str, Any]:
        """Its entry in the plan JSON (``notManaged``)."""
        return {
            "workspace": self.workspace,
            "kind": self.kind,
            "id": self.id,
            "applied": list(self.applied),
            "leftToOwner": list(self.left_to_owner),
        }


def not_managed(
    workspace: str, existing: ExistingArgs, *, private_endpoints: bool
) -> list[NotManaged]:
    """The existing resources of one workspace, as the plan reports them."""
    return [
        NotManaged(
            workspace,
            kind.label,
            resource_id,
            existing.applied(kind, private_endpoints=private_endpoints),
            LEFT_TO_OWNER[kind.field],
        )
        for kind, resource_id in existing.ids()
    ]
