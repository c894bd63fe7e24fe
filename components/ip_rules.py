"""IP allow-lists: which internet addresses may reach a workspace open to the internet, and the
firewall rules that say so on each of its services.

Pure functions over the validated list (``network.ipAllowlist``): `check_ip_allowlist` accepts
public IPv4 addresses and CIDR ranges; the workspace, key vault and registry take the list as
it is, a storage account takes `storage_ip_rules`; `open_to_all` is the storage account's and
key vault's default firewall action. Azure facts:

- the workspace's own IP rules (``networkAcls``, "Enabled from selected IP addresses") take IPv4
  addresses and ranges only (Azure ML docs, "Configure a private endpoint", section "Enable
  public access only from internet IP ranges");
- a storage account's IP rules take public IPv4 addresses or ranges, never private ones (RFC
  1918), and no ``/31`` or ``/32`` prefix: those are written as single addresses (Azure Storage
  docs, "Configure Azure Storage firewalls and virtual networks", "Restrictions for IP network
  rules");
- key vault and container registry rules take an address or a CIDR range (Key Vault docs,
  "Configure Azure Key Vault networking settings"; Container Registry docs, "Configure public
  IP network rules": Premium only).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from components.args import repeated

__all__ = [
    "check_ip_allowlist",
    "open_to_all",
    "storage_ip_rules",
]

_NOT_INTERNET = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
"""Ranges no internet client comes from: private (RFC 1918, which Azure Storage refuses in IP
rules), shared address space, loopback, link-local, multicast and reserved."""
_SMALLEST_STORAGE_RANGE = 30
"""Storage firewall ranges stop at /30; /31 and /32 are single addresses there."""


def check_ip_allowlist(values: Sequence[str]) -> tuple[str, ...]:
    """`values` normalized (``203.0.113.7/32`` stays as written, ``203.0.113.0/24`` too) when
    each is a public IPv4 address or CIDR range, listed once; else ValueError naming the bad
    ones and what is allowed."""
    bad: list[str] = []
    private: list[str] = []
    networks: list[ipaddress.IPv4Network] = []
    for value in values:
        try:
            network = ipaddress.ip_network(value.strip(), strict=True)
        except ValueError:
            bad.append(value)
            continue
        if not isinstance(network, ipaddress.IPv4Network):
            bad.append(value)
        elif any(network.overlaps(block) for block in _NOT_INTERNET):
            private.append(value)
        else:
            networks.append(network)
    if bad:
        raise ValueError(
            f"{', '.join(map(repr, bad))}: expected IPv4 addresses or CIDR ranges like "
            "'203.0.113.7' or '203.0.113.0/24' (host bits zero; Azure's IP rules take no IPv6)"
        )
    if private:
        raise ValueError(
            f"{', '.join(map(repr, private))}: not a public internet address; an IP allow-list "
            "lists where people connect from on the internet (private networks reach the "
            "workspace through private endpoints, network.privateEndpoints)"
        )
    shown = [str(n) if n.prefixlen < 32 else str(n.network_address) for n in networks]
    twice = repeated(shown)
    if twice:
        raise ValueError(f"{', '.join(twice)} listed more than once")
    return tuple(shown)


def open_to_all(public_network_access: str, allowlist: Sequence[str]) -> bool:
    """Whether a firewall's default action is Allow: public access on and no allow-list (with
    one, everything else is denied)."""
    return public_network_access == "Enabled" and not allowlist


def storage_ip_rules(allowlist: Sequence[str]) -> list[str]:
    """A storage account's ``networkRuleSet.ipRules[].iPAddressOrRange`` values: ranges of /30
    and wider as given, a /31 as its two addresses, a /32 as its address."""
    rules: list[str] = []
    for value in allowlist:
        network = ipaddress.IPv4Network(value)
        if network.prefixlen <= _SMALLEST_STORAGE_RANGE:
            rules.append(str(network))
        else:
            rules.extend(str(address) for address in network)
    return list(dict.fromkeys(rules))
