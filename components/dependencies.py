"""What a workspace depends on: storage, key vault, container registry, Application Insights and
Log Analytics, each created by the workspace, existing (`components.existing`), or its hub's.

`create_dependencies` makes the ones a workspace does not bring; a project gets its hub's
(`HubRef.dependencies`). Either way the workspace sees them as `Dependencies`: ids and names it
wires into itself, grants its identity on, and guards (diagnostics, locks, private endpoints)
as the `Dependency.source` allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import pulumi

from components.container_registry import ContainerRegistryArgs, create_workspace_registry
from components.encryption import CustomerManagedKey
from components.existing import EXISTING_BY_FIELD, ExistingArgs, ExistingKind, existing_name
from components.key_vault import KeyVaultArgs, create_workspace_key_vault
from components.monitoring import MonitoringArgs, create_app_insights, create_log_analytics
from components.naming import WorkspaceNames
from components.network import NetworkArgs
from components.placement import Placement
from components.reach import Reach
from components.storage import StorageArgs, create_workspace_storage

__all__ = [
    "Dependencies",
    "Dependency",
    "DependencySettings",
    "HubRef",
    "Source",
    "create_dependencies",
]

Source = Literal["created", "existing", "hub"]


class _Named(Protocol):
    """A created Azure resource: its ARM id and name."""

    @property
    def id(self) -> pulumi.Output[str]: ...
    @property
    def name(self) -> pulumi.Output[str]: ...


def _use_or_create(
    existing: ExistingArgs, kind: ExistingKind, create: Callable[[], _Named]
) -> Dependency:
    """The existing resource of `kind`, or the one `create` makes when `existing` has none."""
    resource_id: str | None = getattr(existing, kind.field)
    if resource_id is not None:
        return Dependency.existing(resource_id, kind)
    return Dependency.created(create(), kind)


@dataclass(frozen=True)
class Dependency:
    """One resource a workspace uses."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    source: Source
    """``created`` by this workspace, ``existing`` (brought by ARM id) or its ``hub``'s."""
    kind: ExistingKind
    """What it is (its `ExistingArgs` field): what amlstack applies to it when it exists."""

    @classmethod
    def created(cls, resource: _Named, kind: ExistingKind) -> Dependency:
        return cls(resource.id, resource.name, "created", kind)

    @classmethod
    def existing(cls, resource_id: str, kind: ExistingKind) -> Dependency:
        return cls(
            pulumi.Output.from_input(resource_id),
            pulumi.Output.from_input(existing_name(resource_id)),
            "existing",
            kind,
        )


@dataclass(frozen=True)
class Dependencies:
    """Everything a workspace depends on, wherever it comes from."""

    storage: Dependency
    key_vault: Dependency
    container_registry: Dependency
    app_insights: Dependency
    log_analytics: Dependency
    blob_endpoint: pulumi.Output[str]
    """The storage account's blob endpoint (``https://<account>.blob.core.windows.net/``)."""

    def of_hub(self) -> Dependencies:
        """The same resources, as a project of the hub sees them."""
        return Dependencies(
            storage=replace(self.storage, source="hub"),
            key_vault=replace(self.key_vault, source="hub"),
            container_registry=replace(self.container_registry, source="hub"),
            app_insights=replace(self.app_insights, source="hub"),
            log_analytics=replace(self.log_analytics, source="hub"),
            blob_endpoint=self.blob_endpoint,
        )


@dataclass(frozen=True)
class HubRef:
    """A hub workspace as its projects see it: its id, dependencies and network."""

    id: pulumi.Output[str]
    dependencies: Dependencies
    network: NetworkArgs
    """The hub's network: its projects share it (public access, managed network, rules)."""
    location: str
    reach: Reach = field(default_factory=Reach)
    """What the hub's managed network has outbound rules to, its projects' datastore accounts
    included (they use that network)."""


class DependencySettings(Protocol):
    """What `create_dependencies` reads of a workspace's arguments (`WorkspaceArgs`)."""

    @property
    def existing(self) -> ExistingArgs: ...
    @property
    def network(self) -> NetworkArgs: ...
    @property
    def storage(self) -> StorageArgs: ...
    @property
    def key_vault(self) -> KeyVaultArgs: ...
    @property
    def container_registry(self) -> ContainerRegistryArgs: ...
    @property
    def monitoring(self) -> MonitoringArgs: ...
    @property
    def protect(self) -> bool: ...


def create_dependencies(
    name: str,
    args: DependencySettings,
    *,
    names: pulumi.Output[WorkspaceNames],
    tenant_id: pulumi.Output[str],
    cmk: CustomerManagedKey | None,
    placement: Placement,
) -> Dependencies:
    """Create what `args.existing` does not bring, secure by default and with the workspace's
    network (public access, IP allow-list); existing resources are used as they are."""
    existing, network = args.existing, args.network
    public, allowlist = network.public_network_access, network.ip_allowlist
    logs, insights = _monitoring(name, args, names=names, placement=placement)
    storage_kind = EXISTING_BY_FIELD["storage_account"]
    if existing.storage_account is not None:
        storage = Dependency.existing(existing.storage_account, storage_kind)
        blob_endpoint = storage.name.apply(lambda n: f"https://{n}.blob.core.windows.net/")
    else:
        account = create_workspace_storage(
            name,
            args.storage,
            account_name=names.apply(lambda n: n.storage_account),
            public_network_access=public,
            protect=args.protect,
            placement=placement,
            cmk=cmk,
            ip_allowlist=allowlist,
        )
        storage = Dependency.created(account, storage_kind)
        blob_endpoint = account.primary_endpoints.blob
    vault = _use_or_create(
        existing,
        EXISTING_BY_FIELD["key_vault"],
        lambda: create_workspace_key_vault(
            name,
            args.key_vault,
            vault_name=names.apply(lambda n: n.key_vault),
            tenant_id=tenant_id,
            public_network_access=public,
            protect=args.protect,
            placement=placement,
            log_analytics_id=logs.id,
            ip_allowlist=allowlist,
        ),
    )
    registry = _use_or_create(
        existing,
        EXISTING_BY_FIELD["container_registry"],
        lambda: create_workspace_registry(
            name,
            args.container_registry,
            registry_name=names.apply(lambda n: n.container_registry),
            public_network_access=public,
            protect=args.protect,
            placement=placement,
            log_analytics_id=logs.id,
            cmk=cmk,
            ip_allowlist=allowlist,
        ),
    )
    return Dependencies(storage, vault, registry, insights, logs, blob_endpoint)


def _monitoring(
    name: str,
    args: DependencySettings,
    *,
    names: pulumi.Output[WorkspaceNames],
    placement: Placement,
) -> tuple[Dependency, Dependency]:
    """Log Analytics and Application Insights, existing or created. Created ones are linked to
    a private link scope where the workspace has private endpoints: queries are then private."""
    existing, network = args.existing, args.network
    ingestion = args.monitoring.public_ingestion
    query = args.monitoring.query_access(private_link=network.private_endpoints is not None)
    logs = _use_or_create(
        existing,
        EXISTING_BY_FIELD["log_analytics"],
        lambda: create_log_analytics(
            name,
            args.monitoring,
            log_analytics_name=names.apply(lambda n: n.log_analytics),
            placement=placement,
            public_ingestion=ingestion,
            public_query=query,
        ),
    )
    insights = _use_or_create(
        existing,
        EXISTING_BY_FIELD["application_insights"],
        lambda: create_app_insights(
            name,
            app_insights_name=names.apply(lambda n: n.app_insights),
            log_analytics_id=logs.id,
            placement=placement,
            public_ingestion=ingestion,
            public_query=query,
        ),
    )
    return logs, insights
