"""From a plan's Pulumi resources to the ARM resources Azure Policy would evaluate.

pulumi-azure-native sends the ARM body with its top-level ``properties`` flattened into the
inputs (``minimumTlsVersion`` is ARM ``properties.minimumTlsVersion``), except where the resource
takes ``properties`` itself (key vaults, Azure ML computes, endpoints, assets), and renames a few
fields (`_RENAMES`). The path parameters (``resourceGroupName``, ``accountName``...) are the ARM id,
not the body.

Azure also holds resources no plan declares, which the built-ins look at:

- every storage account has its ``blobServices``, ``fileServices``, ``queueServices`` and
  ``tableServices`` named ``default`` (diagnostic settings are set on them);
- a private endpoint the plan creates (auto-approved ``privateLinkServiceConnections``) adds an
  approved ``privateEndpointConnections`` child to its target, and to the target's
  ``properties.privateEndpointConnections``. Those a workspace's managed network creates itself
  are not counted: the plan cannot show them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from components._fake_azure import ARM_PATHS
from components.testing import RecordedResource
from tests.azure_policy.conditions import ArmResource

__all__ = ["API_VERSIONS", "arm_resources", "arm_type_of"]

API_VERSIONS = {
    "microsoft.machinelearningservices": "2025-12-01",
    "microsoft.storage": "2024-01-01",
    "microsoft.keyvault": "2024-11-01",
    "microsoft.containerregistry": "2023-01-01-preview",
    "microsoft.insights/components": "2020-02-02",
    "microsoft.insights/diagnosticsettings": "2021-05-01-preview",
    "microsoft.insights/autoscalesettings": "2022-10-01",
    "microsoft.operationalinsights": "2023-09-01",
    "microsoft.managedidentity": "2023-01-31",
    "microsoft.network/privatednszones": "2024-06-01",
    "microsoft.network": "2024-05-01",
    "microsoft.authorization": "2022-04-01",
    "microsoft.resources": "2024-03-01",
}
"""The API version pulumi-azure-native 3.x sends for each provider (``requestContext()``), as
listed by the shared ``arm-types`` folder; the longest matching prefix of the type wins."""

_TOP_LEVEL = frozenset(
    {"location", "tags", "sku", "kind", "identity", "zones", "extendedlocation", "plan"}
)

_STORAGE_SERVICES = ("blobServices", "fileServices", "queueServices", "tableServices")


def arm_type_of(resource_id: str) -> str:
    """``/subscriptions/../providers/Microsoft.Storage/storageAccounts/a/blobServices/default`` ->
    ``Microsoft.Storage/storageAccounts/blobServices``."""
    if "/providers/" not in resource_id.lower():
        return "Microsoft.Resources/resourceGroups"
    tail = re.split("/providers/", resource_id, flags=re.IGNORECASE)[-1].split("/")
    return "/".join([tail[0], *tail[1::2]])


def _api_version(arm_type: str) -> str:
    lowered = arm_type.lower()
    matches = [prefix for prefix in API_VERSIONS if lowered.startswith(prefix)]
    return API_VERSIONS[max(matches, key=len)] if matches else ""


def _rename(mapping: dict[str, Any], renames: Mapping[str, str]) -> None:
    for old, new in renames.items():
        if old in mapping:
            mapping[new] = mapping.pop(old)


def _storage_account(properties: dict[str, Any]) -> None:
    _rename(
        properties,
        {"networkRuleSet": "networkAcls", "enableHttpsTrafficOnly": "supportsHttpsTrafficOnly"},
    )
    acls = properties.get("networkAcls", {})
    for rule in acls.get("virtualNetworkRules", []):
        _rename(rule, {"virtualNetworkResourceId": "id", "state": "state"})
    for rule in acls.get("ipRules", []):
        _rename(rule, {"iPAddressOrRange": "value"})
    encryption = properties.get("encryption", {})
    _rename(encryption, {"encryptionIdentity": "identity"})
    _rename(
        encryption.get("identity", {}),
        {
            "encryptionUserAssignedIdentity": "userAssignedIdentity",
            "encryptionFederatedIdentityClientId": "federatedIdentityClientId",
        },
    )


def _private_endpoint(properties: dict[str, Any]) -> None:
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        properties[key] = [
            {"name": c.get("name"), "properties": {k: v for k, v in c.items() if k != "name"}}
            for c in properties.get(key, [])
        ]


def _app_insights(properties: dict[str, Any]) -> None:
    _rename(
        properties,
        {
            "applicationType": "Application_Type",
            "flowType": "Flow_Type",
            "requestSource": "Request_Source",
        },
    )


_RENAMES = {
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:network:PrivateEndpoint": _private_endpoint,
    "azure-native:applicationinsights:Component": _app_insights,
}


def _body(resource: RecordedResource) -> dict[str, Any]:
    path_inputs = set(re.findall(r"\{(\w+)\}", ARM_PATHS.get(resource.type, "")))
    inputs = {k: copy.deepcopy(v) for k, v in resource.inputs.items() if k not in path_inputs}
    body = {k: inputs.pop(k) for k in list(inputs) if k.lower() in _TOP_LEVEL}
    properties = inputs.pop("properties") if "properties" in inputs else inputs
    rename = _RENAMES.get(resource.type)
    if rename is not None:
        rename(properties)
    body["properties"] = properties
    return body


def arm_resources(resources: Iterable[RecordedResource]) -> list[ArmResource]:
    """The ARM resources of a plan (custom ``azure-native`` resources), with the ones Azure
    derives from them (storage services, private endpoint connections)."""
    planned: list[tuple[RecordedResource, str, dict[str, Any]]] = []
    for resource in resources:
        resource_id = resource.outputs.get("id")
        if not resource.custom or not resource.type.startswith("azure-native:") or not resource_id:
            continue
        planned.append((resource, str(resource_id), _body(resource)))
    bodies = {resource_id.lower(): body for _, resource_id, body in planned}
    arm = [
        ArmResource(
            id=resource_id,
            type=arm_type_of(resource_id),
            name=resource_id.rstrip("/").split("/")[-1],
            body=body,
            api_version=_api_version(arm_type_of(resource_id)),
            label=resource.urn,
        )
        for resource, resource_id, body in planned
    ]
    derived = _storage_services(arm, bodies) + _private_endpoint_connections(arm, bodies)
    return arm + derived


def _storage_services(
    arm: list[ArmResource], bodies: Mapping[str, dict[str, Any]]
) -> list[ArmResource]:
    derived = []
    for account in (r for r in arm if r.type.lower() == "microsoft.storage/storageaccounts"):
        for service in _STORAGE_SERVICES:
            service_id = f"{account.id}/{service}/default"
            if service_id.lower() in bodies:
                continue
            derived.append(
                ArmResource(
                    id=service_id,
                    type=f"{account.type}/{service}",
                    name="default",
                    body={"properties": {}},
                    api_version=account.api_version,
                    label=f"{account.label} ({service}/default, implicit)",
                )
            )
    return derived


def _private_endpoint_connections(
    arm: list[ArmResource], bodies: Mapping[str, dict[str, Any]]
) -> list[ArmResource]:
    by_id = {r.id.lower(): r for r in arm}
    derived = []
    for endpoint in (r for r in arm if r.type.lower() == "microsoft.network/privateendpoints"):
        connections = endpoint.body["properties"].get("privateLinkServiceConnections", [])
        for connection in connections:
            service = str(connection["properties"].get("privateLinkServiceId", ""))
            target = by_id.get(service.lower())
            if target is None:
                continue
            connection_id = f"{target.id}/privateEndpointConnections/{endpoint.name}"
            properties = {
                "privateEndpoint": {"id": endpoint.id},
                "privateLinkServiceConnectionState": {"status": "Approved"},
            }
            bodies[target.id.lower()]["properties"].setdefault(
                "privateEndpointConnections", []
            ).append({"id": connection_id, "properties": properties})
            derived.append(
                ArmResource(
                    id=connection_id,
                    type=f"{target.type}/privateEndpointConnections",
                    name=endpoint.name,
                    body={"properties": properties},
                    api_version=target.api_version,
                    label=f"{endpoint.label} (approved connection on {target.name})",
                )
            )
    return derived
