"""Azure region names (``az account list-locations --query [].name``), to catch typos offline."""

from __future__ import annotations

import difflib

__all__ = ["ACR_ZONE_REDUNDANT_REGIONS", "AZURE_REGIONS", "check_region"]

AZURE_REGIONS = frozenset(
    [
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "brazilsoutheast",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "centraluseuap",
        "chilecentral",
        "denmarkeast",
        "eastasia",
        "eastus",
        "eastus2",
        "eastus2euap",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "jioindiacentral",
        "jioindiawest",
        "koreacentral",
        "koreasouth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southeastasia",
        "southindia",
        "spaincentral",
        "swedencentral",
        "swedensouth",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
        "usgovarizona",
        "usgovtexas",
        "usgovvirginia",
        "chinaeast2",
        "chinaeast3",
        "chinanorth2",
        "chinanorth3",
    ]
)


ACR_ZONE_REDUNDANT_REGIONS = frozenset(
    [
        # Americas
        "brazilsouth",
        "canadacentral",
        "centralus",
        "eastus",
        "eastus2",
        "eastus2euap",
        "southcentralus",
        "usgovvirginia",
        "westus2",
        "westus3",
        # Europe
        "francecentral",
        "germanywestcentral",
        "italynorth",
        "northeurope",
        "norwayeast",
        "swedencentral",
        "switzerlandnorth",
        "uksouth",
        "westeurope",
        # Africa
        "southafricanorth",
        # Asia Pacific
        "australiaeast",
        "centralindia",
        "chinanorth3",
        "eastasia",
        "japaneast",
        "koreacentral",
        "qatarcentral",
        "southeastasia",
        "uaenorth",
    ]
)
"""Regions where a Premium container registry can be created zone-redundant (``zoneRedundancy:
Enabled``). Source: Microsoft Learn, "Enable zone redundancy in Azure Container Registry",
section "Regional support" (MicrosoftDocs/azure-docs, articles/container-registry/
zone-redundancy.md, revision of 2023-10-31). Elsewhere Azure rejects the setting."""


def check_region(value: str) -> str:
    """Return `value` when it is an Azure region name; otherwise explain, with the closest names."""
    if value in AZURE_REGIONS:
        return value
    compact = value.replace(" ", "").lower()
    guesses = (
        [compact]
        if compact in AZURE_REGIONS
        else difflib.get_close_matches(compact, sorted(AZURE_REGIONS), n=3)
    )
    hint = f"did you mean {' or '.join(repr(g) for g in guesses)}? " if guesses else ""
    raise ValueError(
        f"expected an Azure region name (lowercase, no spaces); {hint}e.g. 'westeurope', 'eastus2'"
    )
