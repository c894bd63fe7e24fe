"""IP allow-lists: what they accept, and each service's rule values."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.ip_rules import check_ip_allowlist, storage_ip_rules

public_networks = st.builds(
    lambda address, prefix: ipaddress.IPv4Network(f"{address}/{prefix}", strict=False),
    st.ip_addresses(v=4).filter(lambda a: a.is_global and not a.is_multicast),
    st.integers(min_value=24, max_value=32),
).filter(lambda n: n.is_global)


@given(networks=st.lists(public_networks, min_size=1, max_size=5, unique=True))
def test_storage_rules_cover_exactly_the_allowed_addresses(
    networks: list[ipaddress.IPv4Network],
) -> None:
    texts = [str(n) for n in networks]
    allowlist = check_ip_allowlist(texts)
    rules = storage_ip_rules(allowlist)
    covered = {a for rule in rules for a in ipaddress.IPv4Network(rule)}
    assert covered == {a for n in networks for a in n}
    # Storage takes ranges of /30 and wider as ranges, smaller ones as single addresses.
    assert all("/" not in r or ipaddress.IPv4Network(r).prefixlen <= 30 for r in rules)


def test_a_single_address_may_be_written_with_or_without_its_prefix() -> None:
    assert check_ip_allowlist(["198.51.100.7/32", "203.0.113.0/24"]) == (
        "198.51.100.7",
        "203.0.113.0/24",
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("203.0.113.1/24", "host bits zero"),
        ("2001:db8::/32", "no IPv6"),
        ("office", "IPv4 addresses or CIDR ranges"),
        ("10.0.0.0/8", "not a public internet address"),
        ("192.168.1.1", "not a public internet address"),
        ("100.64.0.0/10", "not a public internet address"),
    ],
)
def test_what_is_not_an_internet_range_is_refused(value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_ip_allowlist([value])


def test_each_range_is_listed_once() -> None:
    with pytest.raises(ValueError, match=r"198\.51\.100\.7 listed more than once"):
        check_ip_allowlist(["198.51.100.7", "198.51.100.7/32"])
