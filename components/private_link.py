"""Azure Private Link facts in one table: which sub-resources (group ids) each resource type has,
their private DNS zones, and which of them an Azure ML managed network can reach.

Sources (docs/internals/network-shapes.md has the details):
- sub-resources and zones: "Azure Private Endpoint private DNS zone values" (learn.microsoft.com
  /azure/private-link/private-endpoint-dns, updated 2026-05-07), Azure public cloud;
- what a managed network supports: "Workspace Managed Virtual Network Isolation", section
  "Private endpoints" (MicrosoftDocs/azure-ai-docs,
  articles/machine-learning/how-to-managed-network.md);
- Azure Monitor's zones: the REST example ``PrivateLinkScopePrivateLinkResourceGet.json``
  (Azure/azure-rest-api-specs, monitor, 2023-06-01-preview: ``requiredZoneNames``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from components.naming import ARM_ID_PREFIX
from components.outputs import DatastoreType

__all__ = [
    "DATASTORE_SUBRESOURCES",
    "PRIVATE_LINK_TYPES",
    "DatastoreType",
    "PrivateLinkType",
    "ResourceId",
    "check_subresource",
    "dns_zones",
    "parse_resource_id",
    "private_link_type",
]

DATASTORE_SUBRESOURCES: dict[DatastoreType, tuple[str, ...]] = {
    "AzureBlob": ("blob",),
    "AzureDataLakeGen2": ("dfs", "blob"),
    "AzureFile": ("file",),
}
"""Sub-resources a datastore of each type is read through. ADLS Gen2 needs ``blob`` too:
"operations that target the Data Lake Storage Gen2 endpoint might be redirected to the Blob
endpoint" (Azure Storage docs, "Use private endpoints for Azure Storage")."""


_BLOB = ("privatelink.blob.core.windows.net",)
_ML_API = "privatelink.api.azureml.ms"
_POSTGRES: dict[str, tuple[str, ...]] = {
    "postgresqlServer": ("privatelink.postgres.database.azure.com",)
}
_MYSQL: dict[str, tuple[str, ...]] = {"mysqlServer": ("privatelink.mysql.database.azure.com",)}


@dataclass(frozen=True)
class PrivateLinkType:
    """One Azure resource type that private endpoints can connect to."""

    kind: str
    """What people call it (``storage account``), for messages."""
    subresources: dict[str, tuple[str, ...]]
    """Group id (``blob``) to the private DNS zones its endpoint registers in."""
    managed_network: bool = True
    """An Azure ML managed network can create a private endpoint (outbound rule) to it."""
    spark: bool = False
    """Its outbound rule may set ``sparkEnabled`` (Azure Storage only)."""


PRIVATE_LINK_TYPES: dict[str, PrivateLinkType] = {
    "Microsoft.MachineLearningServices/workspaces": PrivateLinkType(
        "Azure ML workspace",
        {"amlworkspace": (_ML_API, "privatelink.notebooks.azure.net")},
    ),
    "Microsoft.MachineLearningServices/registries": PrivateLinkType(
        "Azure ML registry", {"amlregistry": (_ML_API,)}
    ),
    "Microsoft.Storage/storageAccounts": PrivateLinkType(
        "storage account",
        {
            "blob": _BLOB,
            "blob_secondary": _BLOB,
            "dfs": ("privatelink.dfs.core.windows.net",),
            "dfs_secondary": ("privatelink.dfs.core.windows.net",),
            "file": ("privatelink.file.core.windows.net",),
            "queue": ("privatelink.queue.core.windows.net",),
            "queue_secondary": ("privatelink.queue.core.windows.net",),
            "table": ("privatelink.table.core.windows.net",),
            "table_secondary": ("privatelink.table.core.windows.net",),
            "web": ("privatelink.web.core.windows.net",),
            "web_secondary": ("privatelink.web.core.windows.net",),
        },
        spark=True,
    ),
    "Microsoft.KeyVault/vaults": PrivateLinkType(
        "key vault", {"vault": ("privatelink.vaultcore.azure.net",)}
    ),
    "Microsoft.ContainerRegistry/registries": PrivateLinkType(
        "container registry", {"registry": ("privatelink.azurecr.io",)}
    ),
    "Microsoft.CognitiveServices/accounts": PrivateLinkType(
        "Azure AI services account",
        {
            "account": (
                "privatelink.cognitiveservices.azure.com",
                "privatelink.openai.azure.com",
                "privatelink.services.ai.azure.com",
            )
        },
    ),
    "Microsoft.Search/searchServices": PrivateLinkType(
        "Azure AI Search service", {"searchService": ("privatelink.search.windows.net",)}
    ),
    "Microsoft.Sql/servers": PrivateLinkType(
        "Azure SQL server", {"sqlServer": ("privatelink.database.windows.net",)}
    ),
    "Microsoft.DataFactory/factories": PrivateLinkType(
        "data factory",
        {
            "dataFactory": ("privatelink.datafactory.azure.net",),
            "portal": ("privatelink.adf.azure.com",),
        },
    ),
    "Microsoft.DocumentDB/databaseAccounts": PrivateLinkType(
        "Cosmos DB account",
        {
            "Sql": ("privatelink.documents.azure.com",),
            "MongoDB": ("privatelink.mongo.cosmos.azure.com",),
            "Cassandra": ("privatelink.cassandra.cosmos.azure.com",),
            "Gremlin": ("privatelink.gremlin.cosmos.azure.com",),
            "Table": ("privatelink.table.cosmos.azure.com",),
            "Analytical": ("privatelink.analytics.cosmos.azure.com",),
        },
    ),
    "Microsoft.EventHub/namespaces": PrivateLinkType(
        "Event Hubs namespace", {"namespace": ("privatelink.servicebus.windows.net",)}
    ),
    "Microsoft.Cache/Redis": PrivateLinkType(
        "Azure Cache for Redis", {"redisCache": ("privatelink.redis.cache.windows.net",)}
    ),
    "Microsoft.Databricks/workspaces": PrivateLinkType(
        "Databricks workspace",
        {
            "databricks_ui_api": ("privatelink.azuredatabricks.net",),
            "browser_authentication": ("privatelink.azuredatabricks.net",),
        },
    ),
    "Microsoft.DBforMariaDB/servers": PrivateLinkType(
        "MariaDB server", {"mariadbServer": ("privatelink.mariadb.database.azure.com",)}
    ),
    "Microsoft.DBforPostgreSQL/servers": PrivateLinkType("PostgreSQL server", _POSTGRES),
    "Microsoft.DBforPostgreSQL/flexibleServers": PrivateLinkType(
        "PostgreSQL flexible server", _POSTGRES
    ),
    "Microsoft.DBforMySQL/servers": PrivateLinkType("MySQL server", _MYSQL),
    "Microsoft.DBforMySQL/flexibleServers": PrivateLinkType("MySQL flexible server", _MYSQL),
    "Microsoft.ApiManagement/service": PrivateLinkType(
        "API Management service", {"Gateway": ("privatelink.azure-api.net",)}
    ),
    "Microsoft.Insights/privateLinkScopes": PrivateLinkType(
        "Azure Monitor private link scope",
        {
            "azuremonitor": (
                "privatelink.monitor.azure.com",
                "privatelink.oms.opinsights.azure.com",
                "privatelink.ods.opinsights.azure.com",
                "privatelink.agentsvc.azure-automation.net",
                *_BLOB,
            )
        },
        managed_network=False,
    ),
}
"""Resource type (as in ARM ids) to its private link facts. ``managed_network`` follows the
managed network's list of supported services; Azure Monitor scopes are reached from a customer
virtual network only."""

_BY_LOWER = {key.lower(): key for key in PRIVATE_LINK_TYPES}

_RESOURCE_ID = re.compile(
    ARM_ID_PREFIX + r"(?P<namespace>[A-Za-z][\w.]*)/(?P<type>[A-Za-z][\w]*)/(?P<name>[-\w.]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResourceId:
    """The parts of a top-level ARM resource id."""

    subscription: str
    group: str
    type: str
    """``Namespace/type`` as written in the id (``Microsoft.Storage/storageAccounts``)."""
    name: str

    @property
    def key(self) -> tuple[str, str, str]:
        """(type, group, name) lowercased: ARM compares ids without case."""
        return (self.type.lower(), self.group.lower(), self.name.lower())


def parse_resource_id(value: str) -> ResourceId | None:
    """The parts of `value` when it is the ARM id of a top-level resource, else None."""
    match = _RESOURCE_ID.fullmatch(value)
    if match is None:
        return None
    return ResourceId(
        subscription=match["subscription"],
        group=match["group"],
        type=f"{match['namespace']}/{match['type']}",
        name=match["name"],
    )


def private_link_type(resource_type: str) -> PrivateLinkType | None:
    """The facts of `resource_type` (any case), or None when private endpoints cannot reach it."""
    key = _BY_LOWER.get(resource_type.lower())
    return None if key is None else PRIVATE_LINK_TYPES[key]


def check_subresource(resource_type: str, subresource: str) -> str:
    """`subresource` when `resource_type` has it, else ValueError naming the ones it has."""
    facts = private_link_type(resource_type)
    if facts is None:
        raise ValueError(f"{resource_type} has no private link sub-resources")
    if subresource in facts.subresources:
        return subresource
    allowed = ", ".join(map(repr, facts.subresources))
    close = difflib.get_close_matches(subresource, facts.subresources, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(
        f"a {facts.kind} has no sub-resource {subresource!r}; {hint}expected {allowed}"
    )


def dns_zones(subresource: str) -> tuple[str, ...]:
    """The private DNS zones of a group id (the same for every type that has it)."""
    for facts in PRIVATE_LINK_TYPES.values():
        if subresource in facts.subresources:
            return facts.subresources[subresource]
    raise KeyError(subresource)
