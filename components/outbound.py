"""Outbound rules of a workspace's managed network: FQDN, PrivateEndpoint and ServiceTag.

What each kind is (Azure ML docs, "Workspace Managed Virtual Network Isolation"):
- FQDN: a host jobs may reach on ports 80 and 443, through a managed Azure Firewall (billed);
  only with ``AllowOnlyApprovedOutbound``.
- PrivateEndpoint: a private endpoint from the managed network to an Azure resource and one of
  its sub-resources (`components.private_link`); with either managed mode. Azure adds these
  itself only for the workspace and its own storage, key vault and container registry.
- ServiceTag: traffic to an Azure service tag on a protocol and ports (`components.service_tags`);
  only with ``AllowOnlyApprovedOutbound``.

Rule names are one namespace per workspace: `OUTBOUND_RULE`. The rules the stack itself needs
(datastore accounts, the registry) come from `automatic_rules`, a pure function.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationInfo, field_validator

from components.args import Args, repeated
from components.naming import OUTBOUND_RULE, derive_name, unique_suffix
from components.private_link import (
    DATASTORE_SUBRESOURCES,
    PRIVATE_LINK_TYPES,
    DatastoreType,
    check_subresource,
    parse_resource_id,
    private_link_type,
)
from components.service_tags import check_port_ranges, check_service_tag

__all__ = [
    "PYTHON_PACKAGE_HOSTS",
    "DatastoreAccount",
    "FirewallSku",
    "OutboundArgs",
    "PrivateEndpointRuleArgs",
    "ServiceTagRuleArgs",
    "automatic_rules",
    "fqdn_rule_name",
]

FirewallSku = Literal["Basic", "Standard"]

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

_HOST = re.compile(r"(\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SUPPORTED = ", ".join(t for t, facts in PRIVATE_LINK_TYPES.items() if facts.managed_network)


def fqdn_rule_name(host: str) -> str:
    """The rule name of an FQDN rule: ``fqdn-pypi-org``, ``fqdn-wildcard-anaconda-org``; a host
    too long for a rule name keeps its start and ends with a hash."""
    return derive_name(OUTBOUND_RULE, "fqdn-" + host.replace("*.", "wildcard-").replace(".", "-"))


def _rule_name(value: str) -> str:
    return OUTBOUND_RULE.require(value)


class PrivateEndpointRuleArgs(Args):
    """A private endpoint from the managed network to one sub-resource of an Azure resource."""

    name: str
    """Rule name, unique among the workspace's outbound rules: 3-33 letters, digits, '_' or
    '-', starting with a letter or digit."""
    resource_id: str
    """ARM id of the resource (``/subscriptions/<id>/resourceGroups/<rg>/providers/
    Microsoft.Storage/storageAccounts/<name>``), in the workspace's tenant. Its type must be one
    the managed network supports (`components.private_link.PRIVATE_LINK_TYPES`)."""
    subresource: str
    """The sub-resource (private link group id) to connect: for a storage account ``blob``,
    ``dfs``, ``file``, ``queue``, ``table`` or ``web``; ``vault``, ``registry``,
    ``amlregistry``, ``amlworkspace``, ``searchService``, ``account``..."""
    spark_enabled: bool = False
    """Let serverless Spark jobs use this endpoint (storage accounts only). Default off."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _rule_name(value)

    @field_validator("resource_id")
    @classmethod
    def _supported_resource(cls, value: str) -> str:
        parsed = parse_resource_id(value)
        if parsed is None:
            raise ValueError(
                "expected the ARM id of a resource: /subscriptions/<subscription GUID>/"
                "resourceGroups/<rg>/providers/<Namespace>/<type>/<name>"
            )
        facts = private_link_type(parsed.type)
        if facts is None or not facts.managed_network:
            raise ValueError(
                f"a managed network cannot create private endpoints to {parsed.type}; "
                f"supported types: {_SUPPORTED}"
            )
        return value

    @field_validator("subresource")
    @classmethod
    def _subresource_of_the_type(cls, value: str, info: ValidationInfo) -> str:
        parsed = parse_resource_id(info.data.get("resource_id", ""))
        return value if parsed is None else check_subresource(parsed.type, value)

    @field_validator("spark_enabled")
    @classmethod
    def _spark_only_for_storage(cls, value: bool, info: ValidationInfo) -> bool:
        parsed = parse_resource_id(info.data.get("resource_id", ""))
        facts = None if parsed is None else private_link_type(parsed.type)
        if value and facts is not None and not facts.spark:
            raise ValueError(f"sparkEnabled applies to storage accounts only, not a {facts.kind}")
        return value

    @property
    def target(self) -> tuple[str, str]:
        """(resource id lowercased, sub-resource): what the rule connects, whatever its name."""
        return (self.resource_id.lower(), self.subresource)


class ServiceTagRuleArgs(Args):
    """Traffic from the managed network to an Azure service tag on a protocol and ports."""

    name: str
    """Rule name, unique among the workspace's outbound rules (see `PrivateEndpointRuleArgs`)."""
    service_tag: str
    """An Azure service tag for outbound traffic (``DataFactory``, ``AzureKeyVault``), or its
    regional form (``Storage.westeurope``) where Azure has one (`SERVICE_TAGS`)."""
    port_ranges: str
    """Ports to allow: ``"443"``, a range ``"8080-8090"`` or a comma list ``"80,8080-8090"``,
    each within 1-65535. A single number may be written without quotes."""
    protocol: Literal["TCP", "UDP", "ICMP", "*"] = "TCP"
    """``TCP`` (default), ``UDP``, ``ICMP`` or ``*`` for all."""
    action: Literal["Allow", "Deny"] | None = None
    """``Allow`` or ``Deny``. Default: not sent, and Azure allows the traffic."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _rule_name(value)

    @field_validator("service_tag")
    @classmethod
    def _known_tag(cls, value: str) -> str:
        return check_service_tag(value)

    @field_validator("port_ranges", mode="before")
    @classmethod
    def _ports(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            return value  # pydantic then says a string is expected
        return check_port_ranges(value)


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
    private_endpoints: tuple[PrivateEndpointRuleArgs, ...] = ()
    """Private endpoints from the managed network to other Azure resources (a storage account's
    ``dfs``, another registry's ``amlregistry``, an AI Search service). With either managed
    mode. Default none beyond the ones amlstack adds for the stack's own datastores and
    registry, and the ones Azure adds for the workspace's own dependencies."""
    service_tags: tuple[ServiceTagRuleArgs, ...] = ()
    """Traffic to Azure service tags on given protocols and ports. Only with
    ``AllowOnlyApprovedOutbound``. Default none beyond Azure's required tags."""

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

    @field_validator("private_endpoints")
    @classmethod
    def _unique_endpoints(
        cls, rules: tuple[PrivateEndpointRuleArgs, ...], info: ValidationInfo
    ) -> tuple[PrivateEndpointRuleArgs, ...]:
        _check_names([rule.name for rule in rules], _fqdn_names(info.data))
        twice = repeated([f"{rule.resource_id.lower()} {rule.subresource}" for rule in rules])
        if twice:
            raise ValueError(f"one rule per resource and sub-resource; repeated: {twice[0]}")
        return rules

    @field_validator("service_tags")
    @classmethod
    def _unique_tags(
        cls, rules: tuple[ServiceTagRuleArgs, ...], info: ValidationInfo
    ) -> tuple[ServiceTagRuleArgs, ...]:
        endpoints = [rule.name for rule in info.data.get("private_endpoints", ())]
        _check_names([rule.name for rule in rules], [*_fqdn_names(info.data), *endpoints])
        return rules

    @property
    def hosts(self) -> tuple[str, ...]:
        """The FQDN rules' hosts: PyPI and conda when `python_packages`, then `fqdns`."""
        hosts = list(PYTHON_PACKAGE_HOSTS) if self.python_packages else []
        return (*hosts, *(host for host in self.fqdns if host not in hosts))


def _fqdn_names(data: dict[str, Any]) -> list[str]:
    hosts = list(PYTHON_PACKAGE_HOSTS) if data.get("python_packages", True) else []
    return [fqdn_rule_name(host) for host in (*hosts, *data.get("fqdns", ()))]


def _check_names(names: Sequence[str], others: Collection[str]) -> None:
    twice = repeated(names)
    clash = sorted(set(names) & set(others))
    if twice or clash:
        raise ValueError(
            "outbound rule names must be unique in the workspace (FQDN rules are named "
            f"fqdn-<host>); repeated: {', '.join(twice or clash)}"
        )


@dataclass(frozen=True)
class DatastoreAccount:
    """A storage account a datastore of the stack reads, and the datastore's type."""

    account_id: str
    datastore_type: DatastoreType


def automatic_rules(
    *,
    datastore_accounts: Iterable[DatastoreAccount],
    registry_id: str | None,
    user_rules: Sequence[PrivateEndpointRuleArgs] = (),
    covered: Collection[str] = (),
    taken_names: Collection[str] = (),
    connection_targets: Iterable[tuple[str, str]] = (),
) -> tuple[PrivateEndpointRuleArgs, ...]:
    """The PrivateEndpoint rules a workspace's managed network needs for what the stack wires up:
    each datastore account (`DATASTORE_SUBRESOURCES`), the registry (``amlregistry``) and each
    connection target, as (resource id, sub-resource) from
    `components.connection.ConnectionArgs.private_link_targets`.

    Skipped: targets a rule of `user_rules` already connects, and the resources of `covered`
    (the workspace's own storage, key vault and registry, whose rules Azure adds itself). Names
    (``pe-<resource>-<subresource>``) avoid `taken_names` and the user's; the result is sorted,
    so the same inputs always give the same rules.
    """
    skip = {rule.target for rule in user_rules}
    covered_ids = {resource_id.lower() for resource_id in covered}
    targets = [
        (account.account_id, subresource)
        for account in datastore_accounts
        for subresource in DATASTORE_SUBRESOURCES[account.datastore_type]
    ]
    if registry_id is not None:
        targets.append((registry_id, "amlregistry"))
    targets += connection_targets
    wanted: dict[tuple[str, str], str] = {}  # ids compare without case; keep one spelling
    for resource_id, subresource in sorted(targets):
        wanted.setdefault((resource_id.lower(), subresource), resource_id)
    names = {*taken_names, *(rule.name for rule in user_rules)}
    rules = []
    for target in sorted(wanted):
        resource_id, subresource = target
        if target in skip or resource_id in covered_ids:
            continue
        name = _free_name(wanted[target], subresource, names)
        names.add(name)
        rules.append(
            PrivateEndpointRuleArgs(name=name, resource_id=wanted[target], subresource=subresource)
        )
    return tuple(rules)


def _free_name(resource_id: str, subresource: str, taken: Collection[str]) -> str:
    """``pe-<resource name>-<subresource>``, or with a hash of the target when that is taken."""
    resource = resource_id.rstrip("/").rsplit("/", 1)[-1]
    name = derive_name(OUTBOUND_RULE, "pe", resource, subresource)
    salt = 0
    while name in taken:
        seed = unique_suffix(resource_id.lower(), subresource, str(salt))
        name = derive_name(OUTBOUND_RULE, "pe", resource, subresource, unique=seed)
        salt += 1
    return name
