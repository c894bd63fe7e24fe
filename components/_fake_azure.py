"""What Azure Resource Manager would answer for a created resource, synthesized offline.

Used by the recording mocks (components.recording) and the offline plan: each resource gets the ARM
id, name and computed outputs (principal ids, endpoints, URIs) the real provider would return, so
inputs that reference them (`scope`, `storageAccount`, ...) look exactly as in a real deployment.
Every value is derived from the inputs, so the same program gives the same answers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "ARM_PATHS",
    "PLACEHOLDER_OBJECT",
    "PLACEHOLDER_SUBSCRIPTION",
    "PLACEHOLDER_TENANT",
    "arm_id",
    "fake_guid",
    "provider_outputs",
]

PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_TENANT = "00000000-0000-0000-0000-00000000000a"
PLACEHOLDER_OBJECT = "00000000-0000-0000-0000-00000000000b"

_RG = "/subscriptions/{subscription}/resourceGroups/{resourceGroupName}"
_ML = _RG + "/providers/Microsoft.MachineLearningServices"
_WS = _ML + "/workspaces/{workspaceName}"
_ACCOUNT = _RG + "/providers/Microsoft.Storage/storageAccounts/{accountName}"

ARM_PATHS: dict[str, str] = {
    "azure-native:resources:ResourceGroup": _RG,
    "azure-native:storage:StorageAccount": _ACCOUNT,
    "azure-native:storage:BlobServiceProperties": _ACCOUNT + "/blobServices/default",
    "azure-native:storage:BlobContainer": _ACCOUNT
    + "/blobServices/default/containers/{containerName}",
    "azure-native:storage:FileShare": _ACCOUNT + "/fileServices/default/shares/{shareName}",
    "azure-native:keyvault:Vault": _RG + "/providers/Microsoft.KeyVault/vaults/{vaultName}",
    "azure-native:operationalinsights:Workspace": (
        _RG + "/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}"
    ),
    "azure-native:applicationinsights:Component": (
        _RG + "/providers/Microsoft.Insights/components/{resourceName}"
    ),
    "azure-native:containerregistry:Registry": (
        _RG + "/providers/Microsoft.ContainerRegistry/registries/{registryName}"
    ),
    "azure-native:managedidentity:UserAssignedIdentity": (
        _RG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}"
    ),
    "azure-native:machinelearningservices:Workspace": _WS,
    "azure-native:machinelearningservices:Compute": _WS + "/computes/{computeName}",
    "azure-native:machinelearningservices:Datastore": _WS + "/datastores/{name}",
    "azure-native:machinelearningservices:EnvironmentContainer": _WS + "/environments/{name}",
    "azure-native:machinelearningservices:EnvironmentVersion": (
        _WS + "/environments/{name}/versions/{version}"
    ),
    "azure-native:machinelearningservices:OnlineEndpoint": _WS + "/onlineEndpoints/{endpointName}",
    "azure-native:machinelearningservices:OnlineDeployment": (
        _WS + "/onlineEndpoints/{endpointName}/deployments/{deploymentName}"
    ),
    "azure-native:machinelearningservices:BatchEndpoint": _WS + "/batchEndpoints/{endpointName}",
    "azure-native:machinelearningservices:BatchDeployment": (
        _WS + "/batchEndpoints/{endpointName}/deployments/{deploymentName}"
    ),
    "azure-native:machinelearningservices:Schedule": _WS + "/schedules/{name}",
    "azure-native:machinelearningservices:ComponentVersion": (
        _WS + "/components/{name}/versions/{version}"
    ),
    "azure-native:machinelearningservices:Registry": _ML + "/registries/{registryName}",
    "azure-native:machinelearningservices:CodeVersion": _WS + "/codes/{name}/versions/{version}",
    "azure-native:monitor:AutoscaleSetting": (
        _RG + "/providers/Microsoft.Insights/autoscalesettings/{autoscaleSettingName}"
    ),
    "azure-native:authorization:RoleAssignment": (
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}"
    ),
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": (
        _RG + "/providers/Microsoft.Authorization/locks/{lockName}"
    ),
    "azure-native:authorization:ManagementLockByScope": (
        "{scope}/providers/Microsoft.Authorization/locks/{lockName}"
    ),
    "azure-native:monitor:DiagnosticSetting": (
        "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}"
    ),
    "azure-native:monitor:PrivateLinkScope": (
        _RG + "/providers/Microsoft.Insights/privateLinkScopes/{scopeName}"
    ),
    "azure-native:monitor:PrivateLinkScopedResource": (
        _RG + "/providers/Microsoft.Insights/privateLinkScopes/{scopeName}/scopedResources/{name}"
    ),
    "azure-native:network:PrivateEndpoint": (
        _RG + "/providers/Microsoft.Network/privateEndpoints/{privateEndpointName}"
    ),
    "azure-native:network:PrivateDnsZoneGroup": (
        _RG + "/providers/Microsoft.Network/privateEndpoints/{privateEndpointName}"
        "/privateDnsZoneGroups/{privateDnsZoneGroupName}"
    ),
    "azure-native:privatedns:PrivateZone": (
        _RG + "/providers/Microsoft.Network/privateDnsZones/{privateZoneName}"
    ),
    "azure-native:privatedns:VirtualNetworkLink": (
        _RG + "/providers/Microsoft.Network/privateDnsZones/{privateZoneName}"
        "/virtualNetworkLinks/{virtualNetworkLinkName}"
    ),
}
"""ARM id templates by Pulumi type token; `{input}` placeholders are filled from the inputs."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_IDS = uuid.UUID("6f0b3c52-8f0e-4c59-a9a4-7e1f0d9e2b11")


def fake_guid(*seed: str) -> str:
    """A stable GUID for a computed value (principal ids, workspace ids)."""
    return str(uuid.uuid5(_IDS, "|".join(seed)))


def arm_id(type_token: str, logical_name: str, inputs: Mapping[str, Any], subscription: str) -> str:
    """The ARM id Azure would give; a name missing from the inputs defaults to `logical_name`."""
    template = ARM_PATHS.get(type_token)
    if template is None:
        _, module, kind = type_token.split(":")
        template = _RG + f"/providers/{module}/{kind}/{{name}}"
    values = {"subscription": subscription}

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        value = values.get(key, inputs.get(key))
        return str(value) if isinstance(value, str | int | float) else logical_name

    return _PLACEHOLDER.sub(fill, template)


def provider_outputs(
    type_token: str, logical_name: str, inputs: Mapping[str, Any], subscription: str, tenant: str
) -> dict[str, Any]:
    """The resource's outputs: its inputs plus `id`, `name` and the values Azure computes."""
    resource_id = arm_id(type_token, logical_name, inputs, subscription)
    state: dict[str, Any] = {**inputs, "id": resource_id, "name": resource_id.rsplit("/", 1)[-1]}
    if isinstance(inputs.get("identity"), dict):
        state["identity"] = _identity_response(inputs["identity"], resource_id, tenant)
    extra = _COMPUTED.get(type_token)
    if extra is not None:
        for key, value in extra(state, tenant).items():
            if isinstance(value, dict) and isinstance(state.get(key), dict):
                state[key] = {**state[key], **value}
            else:
                state[key] = value
    return state


def _identity_response(identity: dict[str, Any], resource_id: str, tenant: str) -> dict[str, Any]:
    """Inputs list user-assigned identity ids; Azure answers with a map of id to principal."""
    assigned = identity.get("userAssignedIdentities") or []
    response: dict[str, Any] = {
        **identity,
        "userAssignedIdentities": {
            uai: {"principalId": fake_guid("principal", uai), "clientId": fake_guid("client", uai)}
            for uai in assigned
        },
    }
    if "SystemAssigned" in str(identity.get("type", "")):
        response["principalId"] = fake_guid("principal", resource_id)
        response["tenantId"] = tenant
    return response


def _identity(state: dict[str, Any], tenant: str) -> dict[str, Any]:
    return {
        "principalId": fake_guid("principal", state["id"]),
        "clientId": fake_guid("client", state["id"]),
        "tenantId": tenant,
    }


def _storage(state: dict[str, Any], _tenant: str) -> dict[str, Any]:
    name = state["name"]
    return {
        "primaryEndpoints": {
            kind: f"https://{name}.{kind}.core.windows.net/"
            for kind in ("blob", "dfs", "file", "queue", "table")
        }
    }


def _workspace(state: dict[str, Any], _tenant: str) -> dict[str, Any]:
    location = state.get("location", "westeurope")
    return {
        "workspaceId": fake_guid("workspace", state["id"]),
        "discoveryUrl": f"https://{location}.api.azureml.ms/discovery",
        "mlFlowTrackingUri": f"azureml://{location}.api.azureml.ms/mlflow/v1.0{state['id']}",
    }


def _endpoint(state: dict[str, Any], _tenant: str) -> dict[str, Any]:
    host = f"{state['name']}.{state.get('location', 'westeurope')}.inference.ml.azure.com"
    return {
        "properties": {
            "scoringUri": f"https://{host}/score",
            "swaggerUri": f"https://{host}/swagger.json",
        }
    }


def _batch_endpoint(state: dict[str, Any], _tenant: str) -> dict[str, Any]:
    host = f"{state['name']}.{state.get('location', 'westeurope')}.inference.ml.azure.com"
    return {"properties": {"scoringUri": f"https://{host}/jobs"}}


def _registry(state: dict[str, Any], _tenant: str) -> dict[str, Any]:
    host = f"{state.get('location', 'westeurope')}.api.azureml.ms"
    return {
        "discoveryUrl": f"https://{host}/registrymanagement/v1.0/registries/{state['name']}/discovery",
        "mlFlowRegistryUri": f"azureml://{host}/mlflow/v1.0{state['id']}",
    }


_COMPUTED: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "azure-native:managedidentity:UserAssignedIdentity": _identity,
    "azure-native:storage:StorageAccount": _storage,
    "azure-native:keyvault:Vault": lambda s, _t: {
        "properties": {"vaultUri": f"https://{s['name']}.vault.azure.net/"}
    },
    "azure-native:containerregistry:Registry": lambda s, _t: {
        "loginServer": f"{s['name']}.azurecr.io"
    },
    "azure-native:applicationinsights:Component": lambda s, _t: {
        "instrumentationKey": fake_guid("instrumentation", s["id"]),
        "appId": fake_guid("app", s["id"]),
    },
    "azure-native:operationalinsights:Workspace": lambda s, _t: {
        "customerId": fake_guid("customer", s["id"])
    },
    "azure-native:machinelearningservices:Workspace": _workspace,
    "azure-native:machinelearningservices:OnlineEndpoint": _endpoint,
    "azure-native:machinelearningservices:BatchEndpoint": _batch_endpoint,
    "azure-native:machinelearningservices:Registry": _registry,
}
