"""Network posture of a workspace: public access, the managed network and its outbound rules,
private endpoints (with private DNS) in a customer virtual network, and where people and the
deployer connect from.

Inbound: ``publicNetworkAccess: Disabled`` closes the workspace, storage, key vault and registry to
the internet; people reach them through private endpoints in their own virtual network
(``privateEndpoints``). Outbound: the managed network (``isolationMode``) decides what computes
reach, with the outbound rules of `components.outbound`. Azure only moves a managed network
forward (`ISOLATION_ORDER`), never back.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
from pulumi_azure_native import machinelearningservices, network, privatedns
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args
from components.errors import ConfigError
from components.ip_rules import check_ip_allowlist
from components.naming import PRIVATE_ENDPOINT, check_subnet_id, derive_name, unique_suffix
from components.outbound import (
    PYTHON_PACKAGE_HOSTS,
    FirewallSku,
    OutboundArgs,
    PrivateEndpointRuleArgs,
    ServiceTagRuleArgs,
    fqdn_rule_name,
)
from components.placement import Placement
from components.private_link import dns_zones
from components.regions import check_region

__all__ = [
    "ISOLATION_ORDER",
    "PRIVATE_DNS_ZONES",
    "PYTHON_PACKAGE_HOSTS",
    "FirewallSku",
    "IsolationMode",
    "Location",
    "NetworkAccessArgs",
    "NetworkArgs",
    "OutboundArgs",
    "OutboundRule",
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
Location = Literal["public", "private"]
OutboundRule = (
    machinelearningservices.FqdnOutboundRuleArgs
    | machinelearningservices.PrivateEndpointOutboundRuleArgs
    | machinelearningservices.ServiceTagOutboundRuleArgs
)

ISOLATION_ORDER: tuple[IsolationMode, ...] = (
    "Disabled",
    "AllowInternetOutbound",
    "AllowOnlyApprovedOutbound",
)
"""Managed network modes in the only order Azure can change them (each step is one-way)."""

PRIVATE_DNS_ZONES: dict[str, tuple[str, ...]] = {
    group: dns_zones(group)
    for group in (
        "amlworkspace",
        "blob",
        "file",
        "dfs",
        "vault",
        "registry",
        "amlregistry",
        "azuremonitor",
    )
}
"""Private DNS zones (Azure public cloud) of the group ids the stack's private endpoints use
(from `components.private_link.PRIVATE_LINK_TYPES`): the workspace and its dependencies, the data
lake (``dfs``, ``blob``), the Azure ML registry and the Azure Monitor private link scope."""


class PrivateEndpointsArgs(Args):
    """Private endpoints for people who reach the workspace from their own virtual network: to
    the workspace, its storage (``blob``, ``file``, ``dfs``), key vault and container registry,
    its data lake (``dfs``, ``blob``), and, once per virtual network of the stack, to the Azure
    ML registry (``amlregistry``) and to an Azure Monitor private link scope holding the
    workspaces' Application Insights and Log Analytics (``azuremonitor``)."""

    subnet_id: str
    """ARM id of the subnet the endpoints go into
    (``/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>
    /subnets/<subnet>``). Required. The virtual network must be in the stack's subscription."""
    location: str | None = None
    """Region of that virtual network. Default: the stack's location."""
    create_dns_zones: bool = True
    """Create the private DNS zones (``privatelink.api.azureml.ms`` and the others of
    `PRIVATE_DNS_ZONES`) once per stack, link them to the virtual network and register each
    endpoint. Default on. Off: your central DNS (or an Azure Policy) registers the endpoints.
    A virtual network can be linked to one zone of each name and to one Azure Monitor private
    link scope: two stacks in one network need this off in all but one of them."""

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


class NetworkAccessArgs(Args):
    """Where the people of the workspace and the identity that deploys it connect from.

    ``public``: from the internet (a laptop, a GitHub-hosted runner). ``private``: from inside the
    virtual network that holds the private endpoints (``privateEndpoints``), or a network peered
    with it that resolves through its private DNS zones: a self-hosted CI runner there, a VPN
    gateway (point-to-site or site-to-site), ExpressRoute, or a Bastion jump box.
    """

    deployer: Location | None = None
    """Where ``pulumi up`` runs. It uploads scoring code and build contexts to the workspace
    storage, so it needs a path to that account. Default: ``private`` when
    ``publicNetworkAccess`` is Disabled, ``public`` otherwise."""
    people: Location | None = None
    """Where the people of ``access`` use studio and the SDK from (the workspace, its storage,
    key vault, datastores and telemetry). Default: as for `deployer`."""


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
    """Private endpoints in your virtual network for the workspace, its storage, key vault,
    container registry and data lake, the Azure ML registry and the workspace's telemetry (see
    `PrivateEndpointsArgs`). Default none: the managed network has its own private endpoints,
    and people use the workspace through its public endpoint, which then must be enabled."""
    access: NetworkAccessArgs = Field(default_factory=NetworkAccessArgs)
    """Where people and the deployer connect from (see `NetworkAccessArgs`)."""
    ip_allowlist: tuple[str, ...] = ()
    """Public IPv4 addresses and CIDR ranges (``203.0.113.0/24``) that may reach a workspace
    open to the internet: the workspace's IP rules, and the matching firewall rules (default
    deny, trusted Azure services allowed) on the storage accounts, key vault and registry
    amlstack creates (the registry must be Premium). Needs ``publicNetworkAccess: Enabled``.
    Default none: with public access enabled, every internet address may connect."""

    @field_validator("ip_allowlist")
    @classmethod
    def _allowlist_needs_public_access(
        cls, allowlist: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        checked = check_ip_allowlist(allowlist)
        if checked and info.data.get("public_network_access") == "Disabled":
            raise ValueError(
                "an IP allow-list selects which internet addresses reach the workspace, and "
                "publicNetworkAccess 'Disabled' closes it to every internet address (Azure "
                "applies IP rules to public network access only); set publicNetworkAccess "
                "'Enabled', or remove ipAllowlist and connect through privateEndpoints"
            )
        return checked

    @field_validator("outbound")
    @classmethod
    def _rules_fit_the_mode(cls, outbound: OutboundArgs, info: ValidationInfo) -> OutboundArgs:
        mode = info.data.get("isolation_mode")
        approved_only = {"fqdns": outbound.fqdns, "serviceTags": outbound.service_tags}
        for key, rules in approved_only.items():
            if rules and mode is not None and mode != "AllowOnlyApprovedOutbound":
                raise ValueError(
                    f"{key} need isolationMode 'AllowOnlyApprovedOutbound' (it is {mode!r}, "
                    f"which has no {key} rules); remove {key} or change isolationMode"
                )
        if outbound.private_endpoints and mode == "Disabled":
            raise ValueError(
                "privateEndpoints are rules of a managed network, and isolationMode 'Disabled' "
                "has none; use 'AllowInternetOutbound' or 'AllowOnlyApprovedOutbound'"
            )
        return outbound

    def location_of(self, who: Literal["deployer", "people"]) -> Location:
        """Where `who` connects from: as configured, else private when the workspace is closed
        to the internet and public otherwise."""
        configured: Location | None = getattr(self.access, who)
        if configured is not None:
            return configured
        return "private" if self.public_network_access == "Disabled" else "public"


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


def outbound_rules(
    args: NetworkArgs, *, automatic: Sequence[PrivateEndpointRuleArgs] = ()
) -> dict[str, OutboundRule]:
    """The outbound rules of the managed network, by rule name, as the provider's inputs: the
    user's FQDN and ServiceTag rules with ``AllowOnlyApprovedOutbound``, their PrivateEndpoint
    rules and the `automatic` ones (`components.outbound.automatic_rules`) with either managed
    mode. Azure adds the required service tags and the private endpoints to the workspace's own
    dependencies itself."""
    if args.isolation_mode == "Disabled":
        return {}
    user = machinelearningservices.RuleCategory.USER_DEFINED
    rules: dict[str, OutboundRule] = {}
    if args.isolation_mode == "AllowOnlyApprovedOutbound":
        rules |= {
            fqdn_rule_name(host): machinelearningservices.FqdnOutboundRuleArgs(
                type="FQDN", category=user, destination=host
            )
            for host in args.outbound.hosts
        }
        rules |= {rule.name: _service_tag_rule(rule) for rule in args.outbound.service_tags}
    endpoints = (*args.outbound.private_endpoints, *automatic)
    rules |= {rule.name: _private_endpoint_rule(rule) for rule in endpoints}
    return dict(sorted(rules.items()))


def _private_endpoint_rule(
    rule: PrivateEndpointRuleArgs,
) -> machinelearningservices.PrivateEndpointOutboundRuleArgs:
    return machinelearningservices.PrivateEndpointOutboundRuleArgs(
        type="PrivateEndpoint",
        category=machinelearningservices.RuleCategory.USER_DEFINED,
        destination=machinelearningservices.PrivateEndpointDestinationArgs(
            service_resource_id=rule.resource_id,
            subresource_target=rule.subresource,
            spark_enabled=rule.spark_enabled,
        ),
    )


def _service_tag_rule(
    rule: ServiceTagRuleArgs,
) -> machinelearningservices.ServiceTagOutboundRuleArgs:
    return machinelearningservices.ServiceTagOutboundRuleArgs(
        type="ServiceTag",
        category=machinelearningservices.RuleCategory.USER_DEFINED,
        destination=machinelearningservices.ServiceTagDestinationArgs(
            service_tag=rule.service_tag,
            protocol=rule.protocol,
            port_ranges=rule.port_ranges,
            action=rule.action,
        ),
    )


def managed_network_settings(
    args: NetworkArgs, *, automatic: Sequence[PrivateEndpointRuleArgs] = ()
) -> machinelearningservices.ManagedNetworkSettingsArgs:
    """The workspace's managed network: isolation mode, outbound rules (the user's and the
    `automatic` ones) and the firewall that FQDN rules need."""
    rules = outbound_rules(args, automatic=automatic)
    fqdn = any(
        isinstance(rule, machinelearningservices.FqdnOutboundRuleArgs) for rule in rules.values()
    )
    return machinelearningservices.ManagedNetworkSettingsArgs(
        isolation_mode=args.isolation_mode,
        outbound_rules=rules or None,
        firewall_sku=args.outbound.firewall_sku if fqdn else None,
    )


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
