"""The Azure built-in policy definitions the baseline's rules, the tier presets and the diagnostic
settings refer to (Azure/azure-policy, ``built-in-policies/policyDefinitions/``, release
3.2026.0417.1), with their display names and whether the Microsoft cloud security benchmark
(initiative 1f3afdf9-d0c9-4c3d-847f-89da613e70a8) includes them. A test compares this table with
the published definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.diagnostics import DIAGNOSTIC_SETTING_NAME

__all__ = [
    "ASSIGNMENT",
    "ASSIGNMENT_BY_POLICY",
    "BENCHMARK_ID",
    "BUILTINS",
    "NOT_FOLLOWED",
    "BuiltIn",
    "builtin",
]

BENCHMARK_ID = "1f3afdf9-d0c9-4c3d-847f-89da613e70a8"
"""The Microsoft cloud security benchmark initiative."""


@dataclass(frozen=True)
class BuiltIn:
    """One built-in policy definition."""

    id: str
    name: str
    benchmark: bool = False
    """A member of the Microsoft cloud security benchmark."""

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @property
    def label(self) -> str:
        """How pages and listings name it: its short id, `` (MCSB)`` after a benchmark's."""
        return f"{self.short_id}{' (MCSB)' if self.benchmark else ''}"


_ALL = (
    BuiltIn(
        "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
        "Key vaults should have deletion protection enabled",
        benchmark=True,
    ),
    BuiltIn(
        "0fdf0491-d080-4575-b627-ad0e843cba0f",
        "Public network access should be disabled for Container registries",
        benchmark=False,
    ),
    BuiltIn(
        "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
        "Azure Key Vault should use RBAC permission model",
        benchmark=True,
    ),
    BuiltIn(
        "1604f626-4d8d-4124-8bb8-b1e5f95562de",
        "Storage accounts should use private link (excluding storage accounts created by Databricks)",
        benchmark=True,
    ),
    BuiltIn(
        "199d5677-e4d9-4264-9465-efe1839c06bd",
        "Application Insights components should block non-Azure Active Directory based ingestion.",
        benchmark=False,
    ),
    BuiltIn(
        "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
        "Key vaults should have soft delete enabled",
        benchmark=True,
    ),
    BuiltIn(
        "244bcb20-b194-41f3-afcc-63aef382b64c",
        "Enable logging by category group for Application Insights (Microsoft.Insights/components) to Log Analytics (Virtual Enclaves)",
        benchmark=False,
    ),
    BuiltIn(
        "25a70cc8-2bd4-47f1-90b6-1478e4662c96",
        "Configure diagnostic settings for File Services to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "2a1a9cdf-e04d-429a-8416-3bfb72a1b26f",
        "Storage accounts should restrict network access using virtual network rules",
        benchmark=True,
    ),
    BuiltIn(
        "2fb86bf3-d221-43d1-96d1-2434af34eaa0",
        "Configure diagnostic settings for Table Services to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "30499756-47d6-493c-9e57-ee3db2d9fa96",
        "Enable logging by category group for microsoft.insights/autoscalesettings to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "33835ef6-bc67-4bde-bf5f-5a857f195a57",
        "Enable logging by category group for microsoft.machinelearningservices/registries to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "34c877ad-507e-4c82-993e-3452a6e0ad3c",
        "Storage accounts should restrict network access",
        benchmark=True,
    ),
    BuiltIn(
        "404c3081-a854-4457-ae30-26a93ef643f9",
        "Secure transfer to storage accounts should be enabled",
        benchmark=True,
    ),
    BuiltIn(
        "405c5871-3e91-4644-8a63-58e19d68ff5b",
        "Azure Key Vault should disable public network access",
        benchmark=False,
    ),
    BuiltIn(
        "42781ec6-6127-4c30-bdfa-fb423a0047d3",
        "Container registries should have ARM audience token authentication disabled.",
        benchmark=False,
    ),
    BuiltIn(
        "438c38d2-3772-465a-a9cc-7a6666a275ce",
        "Azure Machine Learning Workspaces should disable public network access",
        benchmark=True,
    ),
    BuiltIn(
        "45e05259-1eb5-4f70-9574-baf73e9d219b",
        "Azure Machine Learning workspaces should use private link",
        benchmark=True,
    ),
    BuiltIn(
        "4733ea7b-a883-42fe-8cac-97454c2a9e4a",
        "Storage accounts should have infrastructure encryption",
        benchmark=False,
    ),
    BuiltIn(
        "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
        "Storage account public access should be disallowed",
        benchmark=True,
    ),
    BuiltIn(
        "524b0254-c285-4903-bee6-bb8126cde579",
        "Container registries should have exports disabled",
        benchmark=False,
    ),
    BuiltIn(
        "55615ac9-af46-4a59-874e-391cc3dfb490",
        "Azure Key Vault should have firewall enabled or public network access disabled",
        benchmark=True,
    ),
    BuiltIn(
        "56288eb2-4350-461d-9ece-2bb242269dce",
        "Enable logging by category group for Container registries (microsoft.containerregistry/registries) to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "59759c62-9a22-4cdf-ae64-074495983fef",
        "Configure diagnostic settings for Storage Accounts to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
        "Container registries should be encrypted with a customer-managed key",
        benchmark=True,
    ),
    BuiltIn(
        "5cfb9e8a-2f13-40bd-a527-c89bc596d299",
        "Enable logging by category group for microsoft.machinelearningservices/workspaces/onlineendpoints to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "5f0c7d88-c7de-45b8-ac49-db49e72eaa78",
        "Azure Machine Learning workspaces should use user-assigned managed identity",
        benchmark=False,
    ),
    BuiltIn(
        "679ddf89-ab8f-48a5-9029-e76054077449",
        "Azure Machine Learning Compute Instance should have idle shutdown.",
        benchmark=False,
    ),
    BuiltIn(
        "6b359d8f-f88d-4052-aa7c-32015963ecc1",
        "Enable logging by category group for Key vaults (microsoft.keyvault/vaults) to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "6ddb1705-c8cf-450e-aa4b-19ad6703c440",
        "Azure Machine Learning and Ai Studio should use Allow Only Approved Outbound Managed Vnet mode",
        benchmark=False,
    ),
    BuiltIn(
        "6edd7eda-6dd8-40f7-810d-67160c639cd9",
        "Storage accounts should use private link",
        benchmark=True,
    ),
    BuiltIn(
        "6fac406b-40ca-413b-bf8e-0bf964659c25",
        "Storage accounts should use customer-managed key for encryption",
        benchmark=True,
    ),
    BuiltIn(
        "7804b5c7-01dc-4723-969b-ae300cc07ff1",
        "Azure Machine Learning Computes should be in a virtual network",
        benchmark=True,
    ),
    BuiltIn(
        "79494980-ea12-4ca1-8cca-317e942b6da2",
        "Enable logging by category group for Application Insights (microsoft.insights/components) to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "7aa1c9d5-3d7e-4579-8117-d85e99211757",
        "Storage SAS tokens should adhere to 7 day maximum validity",
        benchmark=False,
    ),
    BuiltIn(
        "7bd000e3-37c7-4928-9f31-86c4b77c5c45",
        "Configure diagnostic settings for Queue Services to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "7c322315-e26d-4174-a99e-f49d351b4688",
        "Table Storage should use customer-managed key for encryption",
        benchmark=False,
    ),
    BuiltIn(
        "7f40cee6-e933-4d0f-a782-b96615e0f4a6",
        "Azure Machine Learning workspaces should be encrypted with the use of a customer-managed key",
        benchmark=False,
    ),
    BuiltIn(
        "818719e5-1338-4776-9a9d-3c31e4df5986",
        "Enable logging by category group for Log Analytics workspaces (microsoft.operationalinsights/workspaces) to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "85b005b2-95fc-4953-b9cb-f9ee6427c754",
        "[Preview]: Storage Accounts should be Zone Redundant",
        benchmark=False,
    ),
    BuiltIn(
        "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
        "Storage accounts should prevent shared key access",
        benchmark=True,
    ),
    BuiltIn(
        "90c90eda-bfe7-4c67-bf26-410420ed1047",
        "Enable logging by category group for Azure Machine Learning (microsoft.machinelearningservices/workspaces) to Log Analytics",
        benchmark=False,
    ),
    BuiltIn(
        "92a89a79-6c52-4a7e-a03f-61306fc49312",
        "Storage accounts should prevent cross tenant object replication",
        benchmark=False,
    ),
    BuiltIn(
        "951af2fa-529b-416e-ab6e-066fd85ac459",
        "Deploy - Configure diagnostic settings for Azure Key Vault to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "9d2b0a20-57d6-474c-9d12-44a4a20999c6",
        "[Preview]: Container Registry should be Zone Redundant",
        benchmark=False,
    ),
    BuiltIn(
        "9f2dea28-e834-476c-99c5-3507b4728395",
        "Container registries should have anonymous authentication disabled.",
        benchmark=False,
    ),
    BuiltIn(
        "9fbd64e3-67b8-489b-98e5-fa0007d17e76",
        "Configure soft delete for blobs and containers on Storage Accounts",
        benchmark=False,
    ),
    BuiltIn(
        "a6abeaec-4d90-4a02-805f-6b26c4d3fbe9",
        "Azure Key Vaults should use private link",
        benchmark=True,
    ),
    BuiltIn(
        "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
        "Resource logs in Azure Machine Learning Workspaces should be enabled",
        benchmark=True,
    ),
    BuiltIn(
        "b2982f36-99f2-4db5-8eff-283140c09693",
        "Storage accounts should disable public network access",
        benchmark=False,
    ),
    BuiltIn(
        "b4fe1a3b-0715-4c6c-a5ea-ffc33cf823cb",
        "Configure diagnostic settings for Blob Services to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "ba769a63-b8cc-4b2d-abf6-ac33c7204be8",
        "Azure Machine Learning workspaces should be encrypted with a customer-managed key",
        benchmark=True,
    ),
    BuiltIn(
        "bc1b984e-ddae-40cc-801a-050a030e4fbe",
        "Storage accounts should have shared access signature (SAS) policies configured",
        benchmark=False,
    ),
    BuiltIn(
        "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13",
        "Container registries should have SKUs that support Private Links",
        benchmark=False,
    ),
    BuiltIn(
        "bef3f64c-5290-43b7-85b0-9b254eef4c47",
        "Deploy Diagnostic Settings for Key Vault to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "bf045164-79ba-4215-8f95-f8048dc1780b",
        "Geo-redundant storage should be enabled for Storage Accounts",
        benchmark=False,
    ),
    BuiltIn(
        "c36a325b-ae04-4863-ad4f-19c6678f8e08",
        "Configure your Storage account to enable blob versioning",
        benchmark=False,
    ),
    BuiltIn(
        "c9d007d0-c057-4772-b18c-01e546713bcd",
        "Storage accounts should allow access from trusted Microsoft services",
        benchmark=False,
    ),
    BuiltIn(
        "cf820ca0-f99e-4f3e-84fb-66e913812d21",
        "Resource logs in Key Vault should be enabled",
        benchmark=True,
    ),
    BuiltIn(
        "d0793b48-0edc-4296-a390-4c75d1bdfd71",
        "Container registries should not allow unrestricted network access",
        benchmark=True,
    ),
    BuiltIn(
        "d550e854-df1a-4de9-bf44-cd894b39a95e",
        "Azure Monitor Logs for Application Insights should be linked to a Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "db4f9b05-5ffd-4b34-b714-3c710dbb3fd6",
        "Storage accounts should restrict network access using virtual network rules (excluding storage accounts created by Databricks)",
        benchmark=True,
    ),
    BuiltIn(
        "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
        "Container registries should have local admin account disabled.",
        benchmark=False,
    ),
    BuiltIn(
        "e15effd4-2278-4c65-a0da-4d6f6d1890e2",
        "Log Analytics Workspaces should block non-Azure Active Directory based ingestion.",
        benchmark=False,
    ),
    BuiltIn(
        "e413671a-dd10-4cc1-a943-45b598596cb7",
        "Azure Machine Learning workspaces should enable V1LegacyMode to support network isolation backward compatibility",
        benchmark=False,
    ),
    BuiltIn(
        "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
        "Container registries should use private link",
        benchmark=True,
    ),
    BuiltIn(
        "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
        "Azure Machine Learning Computes should have local authentication methods disabled",
        benchmark=True,
    ),
    BuiltIn(
        "f0e5abd0-2554-4736-b7c0-4ffef23475ef",
        "Queue Storage should use customer-managed key for encryption",
        benchmark=False,
    ),
    BuiltIn(
        "f59276f0-5740-4aaf-821d-45d185aa210e",
        "Configure diagnostic settings for Azure Machine Learning Workspaces to Log Analytics workspace",
        benchmark=False,
    ),
    BuiltIn(
        "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
        "Storage accounts should have the specified minimum TLS version",
        benchmark=False,
    ),
    BuiltIn(
        "0c4bd2e8-8872-4f37-a654-03f6f38ddc76",
        "Application Insights components with Private Link enabled should use Bring Your Own Storage accounts for profiler and debugger.",
    ),
    BuiltIn(
        "ea4d6841-2173-4317-9747-ff522a45120f",
        "Key Vault should use a virtual network service endpoint",
    ),
    BuiltIn(
        "60d21c4f-21a3-4d94-85f4-b924e6aeeda4",
        "Storage Accounts should use a virtual network service endpoint",
    ),
    BuiltIn(
        "c4857be7-912a-4c75-87e6-e30292bcdf78",
        "[Preview]: Container Registry should use a virtual network service endpoint",
    ),
    BuiltIn(
        "4510daf9-5abc-4d7d-a11d-d84416b814f6",
        "[Preview]: Azure Backup should be enabled for Blobs in Storage Accounts",
    ),
    BuiltIn(
        "fa298e57-9444-42ba-bf04-86e8470e32c7",
        "Saved-queries in Azure Monitor should be saved in customer storage account for logs encryption",
    ),
    BuiltIn(
        "7433c107-6db4-4ad1-b57a-a76dce0154a1", "Storage accounts should be limited by allowed SKUs"
    ),
)

BUILTINS: dict[str, BuiltIn] = {b.short_id: b for b in _ALL}
"""By id prefix (the 8 hex digits rules and messages name)."""

NOT_FOLLOWED: dict[str, str] = {
    "f59276f0": "Its existence condition wants every log entry of the workspace's setting on; "
    "the category-group built-in 90c90eda wants the audit group listed off. One setting cannot "
    "meet both: amlstack follows 90c90eda, the newer one.",
    "6b359d8f": "Azure refuses a diagnostic setting that mixes log categories and category "
    "groups; the key vault sends AuditEvent by name, which cf820ca0, 951af2fa and bef3f64c look "
    "for, so this category-group form cannot hold as well.",
    "e413671a": "V1 legacy mode turns off the v2 API features the stacks use (managed network, "
    "identity-based datastores); it exists for workspaces that still run v1 SDK code.",
    "ea4d6841": "Virtual network service endpoints are the alternative to private endpoints: the "
    "stacks reach the key vault through private endpoints and set no service-endpoint rules.",
    "60d21c4f": "As ea4d6841, for storage accounts.",
    "c4857be7": "As ea4d6841, for container registries.",
    "0c4bd2e8": "The stacks use neither the Application Insights profiler nor the snapshot "
    "debugger, the data this customer storage account would hold.",
    "4510daf9": "Azure Backup of blobs needs a Backup vault, which the stacks do not create; soft "
    "delete, versioning (prod), geo-redundancy and delete locks protect the data.",
    "fa298e57": "Saving Log Analytics queries to a customer storage account needs a linked "
    "storage account and customer-managed keys on Log Analytics, outside the stacks.",
    "7433c107": "The allowed SKUs are the assigner's parameter, with no default to meet.",
}
"""Built-ins a stack deliberately does not meet, and why (``docs/security.md`` lists them)."""


ASSIGNMENT: dict[str, str] = {
    "logAnalytics": "the stack's Log Analytics workspace (each workspace has its own: assign per "
    "resource group, or once per workspace)",
    "profileName": DIAGNOSTIC_SETTING_NAME,
    "diagnosticSettingName": DIAGNOSTIC_SETTING_NAME,
    "diagnosticsSettingNameToUse": DIAGNOSTIC_SETTING_NAME,
    "categoryGroup": "allLogs",
}
"""Parameter values of the built-ins the stacks are built for, by parameter name: the logs'
destination, the name of the settings amlstack creates, and the category group it sends
(``allLogs``: every log; the built-ins' default ``audit`` expects only the audit group)."""

ASSIGNMENT_BY_POLICY: dict[str, dict[str, str]] = {
    "bef3f64c": {"metricsEnabled": "True"},
    "6ddb1705": {"isolationMode": "AllowOnlyApprovedOutbound"},
}
"""Per built-in: bef3f64c with the metrics the vault sends; 6ddb1705 with the mode its name asks
for (its default, ``Disabled``, would report every managed network)."""


def builtin(short_id: str) -> BuiltIn:
    """The built-in with this id prefix; KeyError names it when the table lacks it."""
    return BUILTINS[short_id]
