"""Azure region names (``az account list-locations --query [].name``), to catch typos offline."""

from __future__ import annotations

import difflib

__all__ = ["AZURE_REGIONS", "check_region"]

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
