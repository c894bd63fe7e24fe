"""Azure service tags a managed network's ServiceTag outbound rules may name, and port ranges.

Source: "Azure service tags overview", table "Available service tags" (MicrosoftDocs/azure-docs,
articles/virtual-network/service-tags-overview.md, ms.date 2023-01-26): the tags usable for
outbound traffic ("Outbound" or "Both"), and whether each can be narrowed to a region
(``Storage.westeurope``). Inbound-only tags (``ActionGroup``, ``GatewayManager``...) cannot be an
outbound destination and are not listed.
"""

from __future__ import annotations

import difflib
import re

from components.regions import check_region

__all__ = [
    "SERVICE_TAGS",
    "check_port_ranges",
    "check_service_tag",
    "port_ranges",
]

SERVICE_TAGS: dict[str, bool] = {
    "AppConfiguration": False,
    "AppService": True,
    "AppServiceManagement": False,
    "AutonomousDevelopmentPlatform": True,
    "AzureActiveDirectory": False,
    "AzureActiveDirectoryDomainServices": False,
    "AzureAdvancedThreatProtection": False,
    "AzureArcInfrastructure": False,
    "AzureAttestation": False,
    "AzureBackup": False,
    "AzureBotService": False,
    "AzureCloud": True,
    "AzureConnectors": True,
    "AzureContainerAppsService": True,
    "AzureContainerRegistry": True,
    "AzureCosmosDB": True,
    "AzureDatabricks": False,
    "AzureDataLake": False,
    "AzureDeviceUpdate": False,
    "AzureDevSpaces": False,
    "AzureEventGrid": False,
    "AzureFrontDoor.Frontend": True,
    "AzureFrontDoor.Backend": True,
    "AzureFrontDoor.FirstParty": True,
    "AzureHealthcareAPIs": False,
    "AzureInformationProtection": False,
    "AzureIoTHub": True,
    "AzureKeyVault": True,
    "AzureLoadBalancer": False,
    "AzureMachineLearning": False,
    "AzureManagedGrafana": False,
    "AzureMonitor": False,
    "AzureOpenDatasets": False,
    "AzurePlatformDNS": False,
    "AzurePlatformIMDS": False,
    "AzurePlatformLKM": False,
    "AzureResourceManager": False,
    "AzureSignalR": False,
    "AzureSiteRecovery": False,
    "AzureSphere": False,
    "AzureSpringCloud": False,
    "AzureStack": False,
    "AzureUpdateDelivery": False,
    "AzureWebPubSub": True,
    "BatchNodeManagement": True,
    "ChaosStudio": False,
    "CognitiveServicesFrontend": False,
    "CognitiveServicesManagement": False,
    "DataFactory": True,
    "DataFactoryManagement": False,
    "Dynamics365BusinessCentral": False,
    "Dynamics365ForMarketingEmail": True,
    "EOPExternalPublishedIPs": False,
    "EventHub": True,
    "GuestAndHybridManagement": False,
    "Internet": False,
    "KustoAnalytics": False,
    "LogicApps": False,
    "M365ManagementActivityApi": True,
    "Marketplace": False,
    "MicrosoftAzureFluidRelay": False,
    "MicrosoftCloudAppSecurity": False,
    "MicrosoftContainerRegistry": True,
    "MicrosoftDefenderForEndpoint": False,
    "MicrosoftPurviewPolicyDistribution": False,
    "PowerBI": False,
    "PowerPlatformInfra": True,
    "PowerQueryOnline": False,
    "ServiceBus": True,
    "ServiceFabric": False,
    "Sql": True,
    "SqlManagement": False,
    "Storage": True,
    "StorageSyncService": False,
    "VirtualNetwork": False,
    "WindowsAdminCenter": False,
    "WindowsVirtualDesktop": False,
}
"""Outbound service tag to whether it can be regional (``<tag>.<region>``)."""

_PORT_RANGE = re.compile(r"(\d{1,5})(?:-(\d{1,5}))?")


def check_service_tag(value: str) -> str:
    """`value` when Azure has that outbound service tag (``Storage``, ``Storage.westeurope``),
    else ValueError with the closest tags."""
    if value in SERVICE_TAGS:
        return value
    tag, _, region = value.rpartition(".")
    if tag in SERVICE_TAGS:
        if not SERVICE_TAGS[tag]:
            raise ValueError(f"service tag {tag!r} cannot be narrowed to a region; use {tag!r}")
        try:
            check_region(region.lower())
        except ValueError as error:
            raise ValueError(f"{region!r} after {tag + '.'!r}: {error}") from None
        return value
    close = difflib.get_close_matches(value, SERVICE_TAGS, n=3)
    hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
    raise ValueError(
        f"not an Azure service tag for outbound traffic; {hint}expected a tag such as 'Storage', "
        "'AzureKeyVault' or 'DataFactory', optionally regional ('Storage.westeurope'); see "
        "'Available service tags' in Azure's service tags overview"
    )


def port_ranges(value: str) -> tuple[tuple[int, int], ...]:
    """The (first, last) port of each item of a port list like ``"443"`` or ``"80,8080-8090"``;
    ValueError when an item is not a port or range within 1-65535."""
    ranges = []
    for item in (part.strip() for part in value.split(",")):
        match = _PORT_RANGE.fullmatch(item)
        if match is None:
            raise ValueError(
                f"{item!r} is not a port or range; expected ports 1-65535 like '443', "
                "'8080-8090' or a comma list '80,443'"
            )
        first = int(match[1])
        last = int(match[2]) if match[2] else first
        if not 1 <= first <= last <= 65535:
            raise ValueError(
                f"{item!r}: ports must be within 1-65535 and a range must go up ('8080-8090')"
            )
        ranges.append((first, last))
    return tuple(ranges)


def check_port_ranges(value: str | int) -> str:
    """`value` as Azure's port list (``"80,8080-8090"``, no spaces), or ValueError."""
    ranges = port_ranges(str(value))
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
