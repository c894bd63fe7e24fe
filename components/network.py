"""Network posture of a workspace: public access, the managed network and its outbound rules, and
private endpoints (with private DNS) in a customer virtual network.

Inbound: ``publicNetworkAccess: Disabled`` closes the workspace, storage, key vault and registry to
the internet; people reach them through private endpoints in their own virtual network
(``privateEndpoints``). Outbound: the managed network (``isolationMode``) decides what computes
reach. Azure only moves a managed network forward (`ISOLATION_ORDER`), never back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
from pulumi_azure_native import machinelearningservices, network, privatedns
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args, repeated
from components.errors import ConfigError
from components.naming import PRIVATE_ENDPOINT, check_subnet_id, derive_name, unique_suffix
from components.placement import Placement
from components.regions import check_region

__all__ = [
    "ISOLATION_ORDER",
    "PRIVATE_DNS_ZONES",
    "PYTHON_PACKAGE_HOSTS",
    "FirewallSku",
    "IsolationMode",
    "NetworkArgs",
    "OutboundArgs",
    "PrivateDnsZones",
    "PrivateDnsZonesArgs",
    "PrivateEndpointsArgs",
    "PrivateLinkTarget",
    "PublicNetworkAccess",
    "check_isolation_change",
    "create_private_endpoints",
    "managed_network_settings",
    "outbound_rules",
]

PublicNetworkAccess = Literal["Enabled", "Disabled"]
IsolationMode = Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"]
FirewallSku = Literal["Basic", "Standard"]

ISOLATION_ORDER: tuple[IsolationMode, ...] = (
    "Disabled",
    "AllowInternetOutbound",
    "AllowOnlyApprovedOutbound",
)
"""Managed network modes in the only order Azure can change them (each step is one-way)."""

PYTHON_PACKAGE_HOSTS: tuple[str, ...] = (
    "anaconda.com",
    "*.anaconda.com",
    "*.anaconda.org",
    "pypi.org",
    "*.pythonhosted.org",
)
"""Hosts pip and conda need to build job environments (Azure ML docs, "Managed virtual network
isolation", scenario "Access public machine learning packages"; pip downloads from
files.pythonhosted.org)."""

PRIVATE_DNS_ZONES: dict[str, tuple[str, ...]] = {
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
    "dfs": ("privatelink.dfs.core.windows.net",),
    "vault": ("privatelink.vaultcore.azure.net",),
    "registry": ("privatelink.azurecr.io",),
}
"""Private DNS zones (Azure public cloud) by private link group id."""

_HOST = re.compile(r"(\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class OutboundArgs(Args):
    """What computes in the managed network may reach beyond Azure ML's required destinations."""

    python_packages: bool = True
    """With ``AllowOnlyApprovedOutbound``: FQDN rules to PyPI and conda (`PYTHON_PACKAGE_HOSTS`),
    so jobs can build environments with pip and conda. Default on. Azure implements FQDN rules
    with a managed Azure Firewall, which is billed. Off: only Azure ML's required service tags and
    private endpoints (curated environments and Microsoft Container Registry images still work)."""
    fqdns: tuple[str, ...] = ()
    """More hosts jobs may reach on ports 80 and 443 (``*.huggingface.co``). Only with
    ``AllowOnlyApprovedOutbound`` (the other modes have no FQDN rules). Default none."""
    firewall_sku: FirewallSku = "Standard"
    """The Azure Firewall that carries FQDN rules: ``Standard`` (Azure's default) or ``Basic``
    (cheaper, fewer features)."""

    @field_validator("fqdns")
    @classmethod
    def _valid_hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        bad = [host for host in hosts if not _HOST.fullmatch(host)]
        if bad:
            raise ValueError(
                f"{', '.join(map(repr, bad))}: expected lowercase host names like 'pypi.org' or "
                "'*.anaconda.org' (no scheme, port or path)"
            )
        twice = repeated(hosts)
        if twice:
            raise ValueError(f"{', '.join(twice)} listed more than once")
        return hosts


class PrivateEndpointsArgs(Args):
    """Private endpoints for people who reach the workspace from their own virtual network."""

    subnet_id: str
    """ARM id of the subnet the endpoints go into
    (``/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>
    /subnets/<subnet>``). Required. The virtual network must be in the stack's subscription."""
    location: str | None = None
    """Region of that virtual network. Default: the stack's location."""
    create_dns_zones: bool = True
    """Create the private DNS zones (``privatelink.api.azureml.ms`` and the others of
    `PRIVATE_DNS_ZONES`) once per stack, link them to the virtual network and register each
    endpoint. Default on. Off: your central DNS (or an Azure Policy) registers the endpoints."""

    @field_validator("subnet_id")
    @classmethod
    def _subnet_arm_id(cls, value: str) -> str:
        return check_subnet_id(value)

    @field_validator("location")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        return None if value is None else check_region(value)

    @property
    def virtual_network_id(self) -> str:
        """The subnet's virtual network."""
        return self.subnet_id.rsplit("/subnets/", 1)[0]


class NetworkArgs(Args):
    """How the workspace, its storage, key vault and registry are reached, and what they reach."""

    public_network_access: PublicNetworkAccess = "Disabled"
    """Whether the workspace, storage, key vault and registry accept traffic from the internet.
    Default Disabled: reach them through private endpoints. A dev stack may choose Enabled."""
    isolation_mode: IsolationMode = "AllowOnlyApprovedOutbound"
    """Managed virtual network for computes. Default AllowOnlyApprovedOutbound (outbound only to
    approved destinations). One-way: Azure cannot move back to a less isolated mode."""
    outbound: OutboundArgs = Field(default_factory=OutboundArgs)
    """Outbound rules of the managed network. Default: PyPI and conda (see `OutboundArgs`)."""
    private_endpoints: PrivateEndpointsArgs | None = None
    """Private endpoints for the workspace, storage (blob, file, dfs), key vault and registry in
    your virtual network. Default none: the managed network has its own private endpoints, and
    people use the workspace through its public endpoint when that is enabled."""

    @field_validator("outbound")
    @classmethod
    def _fqdns_need_approved_outbound(
        cls, outbound: OutboundArgs, info: ValidationInfo
    ) -> OutboundArgs:
        mode = info.data.get("isolation_mode")
        if outbound.fqdns and mode is not None and mode != "AllowOnlyApprovedOutbound":
            raise ValueError(
                f"fqdns need isolationMode 'AllowOnlyApprovedOutbound' (it is {mode!r}, which "
                "has no FQDN rules); remove fqdns or change isolationMode"
            )
        return outbound


def check_isolation_change(field: str, deployed: str | None, wanted: str) -> None:
    """Refuse `wanted` when Azure cannot change the deployed managed network mode to it.

    `deployed` is the mode the workspace has now (None or unknown: a new workspace, no check).
    """
    if deployed not in ISOLATION_ORDER or wanted not in ISOLATION_ORDER:
        return
    at = ISOLATION_ORDER.index(deployed)
    if ISOLATION_ORDER.index(wanted) >= at:
        return
    allowed = " or ".join(repr(mode) for mode in ISOLATION_ORDER[at:])
    raise ConfigError.single(
        field,
        wanted,
        f"the deployed workspace uses {deployed!r} and Azure cannot move a managed network back "
        f"to a less isolated mode (only {' -> '.join(ISOLATION_ORDER)}); keep {allowed}, or "
        "delete the workspace (and purge it) to create it again",
    )


def outbound_rules(args: NetworkArgs) -> dict[str, str]:
    """User-defined FQDN outbound rules of the managed network: rule name to host. Only
    ``AllowOnlyApprovedOutbound`` has them; Azure adds the required service tags and the private
    endpoints to the workspace's own dependencies itself."""
    if args.isolation_mode != "AllowOnlyApprovedOutbound":
        return {}
    hosts = list(PYTHON_PACKAGE_HOSTS) if args.outbound.python_packages else []
    hosts += [host for host in args.outbound.fqdns if host not in hosts]
    return {_rule_name(host): host for host in hosts}


def managed_network_settings(
    args: NetworkArgs,
) -> machinelearningservices.ManagedNetworkSettingsArgs:
    """The workspace's managed network: isolation mode, outbound rules and their firewall."""
    rules = outbound_rules(args)
    return machinelearningservices.ManagedNetworkSettingsArgs(
        isolation_mode=args.isolation_mode,
        outbound_rules={
            rule: machinelearningservices.FqdnOutboundRuleArgs(
                type="FQDN",
                category=machinelearningservices.RuleCategory.USER_DEFINED,
                destination=host,
            )
            for rule, host in rules.items()
        }
        or None,
        firewall_sku=args.outbound.firewall_sku if rules else None,
    )


def _rule_name(host: str) -> str:
    return "fqdn-" + host.replace("*.", "wildcard-").replace(".", "-")


@dataclass(frozen=True)
class PrivateLinkTarget:
    """One private endpoint to create: which resource, which of its sub-resources."""

    key: str
    """Short label, part of the Pulumi child names (``workspace``, ``blob``)."""
    resource_id: pulumi.Input[str]
    resource_name: pulumi.Input[str]
    group_id: str
    """Private link sub-resource (`PRIVATE_DNS_ZONES` keys)."""


class PrivateDnsZonesArgs(Args):
    """The private DNS zones of a stack and the virtual networks that resolve through them."""

    virtual_network_ids: tuple[str, ...] = Field(min_length=1)
    """ARM ids of the virtual networks to link each zone to (no auto-registration)."""
    zones: tuple[str, ...] = tuple(
        sorted({zone for zones in PRIVATE_DNS_ZONES.values() for zone in zones})
    )
    """Zone names. Default: every zone of `PRIVATE_DNS_ZONES`."""


class PrivateDnsZones(pulumi.ComponentResource):
    """Private DNS zones for Azure ML private endpoints, linked to the given virtual networks."""

    def __init__(
        self,
        name: str,
        args: PrivateDnsZonesArgs,
        *,
        resource_group_name: pulumi.Input[str],
        tags: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("amlstack:ml:PrivateDnsZones", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.zone_ids: dict[str, pulumi.Output[str]] = {}
        for zone in args.zones:
            slug = zone.removeprefix("privatelink.").replace(".", "-")
            created = privatedns.PrivateZone(
                f"{name}-{slug}",
                private_zone_name=zone,
                resource_group_name=resource_group_name,
                location="global",
                tags=tags,
                opts=child,
            )
            self.zone_ids[zone] = created.id
            for vnet_id in args.virtual_network_ids:
                link = f"{vnet_id.rsplit('/', 1)[-1]}-{unique_suffix(vnet_id.lower())}"
                privatedns.VirtualNetworkLink(
                    f"{name}-{slug}-{link}",
                    private_zone_name=created.name,
                    resource_group_name=resource_group_name,
                    virtual_network_link_name=link,
                    virtual_network=privatedns.SubResourceArgs(id=vnet_id),
                    registration_enabled=False,
                    location="global",
                    tags=tags,
                    opts=child,
                )
        self.register_outputs({"zoneIds": self.zone_ids})


def _endpoint_name(resource_name: str, *, group_id: str) -> str:
    return derive_name(PRIVATE_ENDPOINT, resource_name, group_id)


def create_private_endpoints(
    name: str,
    targets: Sequence[PrivateLinkTarget],
    *,
    args: PrivateEndpointsArgs,
    dns_zone_ids: Mapping[str, pulumi.Input[str]] | None,
    placement: Placement,
) -> list[network.PrivateEndpoint]:
    """One private endpoint per target in the subnet of `args`, registered in the private DNS
    zones of `dns_zone_ids` when given."""
    endpoints = []
    location = args.location or placement.location
    for target in targets:
        endpoint = network.PrivateEndpoint(
            f"{name}-pe-{target.key}",
            private_endpoint_name=pulumi.Output.from_input(target.resource_name).apply(
                functools.partial(_endpoint_name, group_id=target.group_id)
            ),
            resource_group_name=placement.resource_group_name,
            location=location,
            subnet=network.SubnetArgsDict(id=args.subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=target.group_id,
                    private_link_service_id=target.resource_id,
                    group_ids=[target.group_id],
                )
            ],
            tags=placement.tags,
            opts=placement.options(),
        )
        if dns_zone_ids is not None:
            network.PrivateDnsZoneGroup(
                f"{name}-pe-{target.key}-dns",
                private_endpoint_name=endpoint.name,
                private_dns_zone_group_name="default",
                resource_group_name=placement.resource_group_name,
                private_dns_zone_configs=[
                    network.PrivateDnsZoneConfigArgs(
                        name=zone.replace(".", "-"), private_dns_zone_id=dns_zone_ids[zone]
                    )
                    for zone in PRIVATE_DNS_ZONES[target.group_id]
                ],
                opts=placement.options(),
            )
        endpoints.append(endpoint)
    return endpoints
