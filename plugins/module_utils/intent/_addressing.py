# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addressing in the intent: a network of one family with its pool, range, exclusions, explicit
addresses and gateway, and the ipv6 block; shared by the subnet and stack actions."""

from __future__ import annotations

import ipaddress
from typing import Any, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._checker import Checker
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._model import Addressing, IPAddress, IPNetwork, Ipv6Intent, Pool, address_of

ADDRESSING_KEYS = ("network", "addresses", "pool", "range", "gateway")
IPV6_KEYS = ("autoconf", "dhcp") + ADDRESSING_KEYS
_POOL_KEYS = ("start", "end", "exclude")
# Longest prefix a class subnet may have: room for at least two vmknics (IPv4 /30; IPv6 /126).
LONGEST_PREFIX = {4: 30, 6: 126}


def _parse_network(raw: Any, where: str, checker: Checker, version: int) -> Optional[IPNetwork]:
    try:
        if not isinstance(raw, str):
            raise ValueError
        text = raw.strip()
        network = ipaddress.IPv4Network(text, strict=True) if version == 4 else ipaddress.IPv6Network(text, strict=True)
    except ValueError:
        checker.add(where, f"{raw!r} is not an IPv{version} network in CIDR form (host bits must be zero)")
        return None
    longest = LONGEST_PREFIX[version]
    if network.prefixlen > longest:
        checker.add(where, f"{network} is too small for vmknics (the longest prefix allowed is /{longest})")
        return None
    return network


def _usable(network: IPNetwork) -> tuple[int, int]:
    return int(network.network_address) + 1, int(network.broadcast_address) - 1


def _parse_addressing(block: dict, where: str, checker: Checker, version: int = 4) -> Optional[Addressing]:
    """network + pool/range + explicit addresses + gateway of one address family; shared by the
    subnet and stack actions (IPv4) and their ipv6 blocks."""
    network = _parse_network(block.get("network"), f"{where}.network", checker, version)
    if network is None:
        return None
    first, last = _usable(network)

    gateway = None
    if block.get("gateway") is not None:
        gateway = checker.address(block["gateway"], f"{where}.gateway", version)
        if gateway is not None and not first <= int(gateway) <= last:
            checker.add(f"{where}.gateway", f"{gateway} is not a usable address of {network}")
            gateway = None

    pool = _parse_pool(block, network, where, checker)
    explicit = _parse_explicit(block.get("addresses"), network, gateway, f"{where}.addresses", checker)
    return Addressing(network=network, pool=pool or Pool(first, last, version=version), explicit=explicit,
                      gateway=gateway)


def _parse_pool(block: dict, network: IPNetwork, where: str, checker: Checker) -> Optional[Pool]:
    version = network.version
    first, last = _usable(network)
    if "pool" in block and "range" in block:
        checker.add(where, "give either 'pool' or 'range', not both")
        return None
    start, end, excludes = first, last, ()
    if "range" in block:
        bounds = _parse_range(block["range"], f"{where}.range", checker, version)
        if bounds is None:
            return None
        start, end = bounds
    elif "pool" in block:
        pool = checker.mapping(block["pool"], f"{where}.pool", _POOL_KEYS)
        if pool is None:
            return None
        if pool.get("start") is not None:
            address = checker.address(pool["start"], f"{where}.pool.start", version)
            start = int(address) if address is not None else start
        if pool.get("end") is not None:
            address = checker.address(pool["end"], f"{where}.pool.end", version)
            end = int(address) if address is not None else end
        raw_exclude = pool.get("exclude", [])
        if not isinstance(raw_exclude, list):
            checker.add(f"{where}.pool.exclude", "must be a list of addresses, ranges (a-b) or CIDRs")
            raw_exclude = []
        parsed = [_parse_exclude(item, f"{where}.pool.exclude", checker, version) for item in raw_exclude]
        excludes = tuple(sorted(p for p in parsed if p is not None))
    ok = True
    for label, value in (("start", start), ("end", end)):
        if not first <= value <= last:
            checker.add(where, f"pool {label} {address_of(version, value)} is not a usable address of {network}")
            ok = False
    if ok and start > end:
        checker.add(where, f"pool start {address_of(version, start)} is after its end {address_of(version, end)}")
        ok = False
    return Pool(start, end, excludes, version) if ok else None


def _parse_range(raw: Any, where: str, checker: Checker, version: int) -> Optional[tuple[int, int]]:
    if not isinstance(raw, str) or raw.count("-") != 1:
        example = "10.20.0.10-10.20.0.200" if version == 4 else "2001:db8:20::10-2001:db8:20::ff"
        checker.add(where, f"must look like '{example}', got {raw!r}")
        return None
    low, high = (checker.address(part, where, version) for part in raw.split("-"))
    if low is None or high is None:
        return None
    return int(low), int(high)


def _parse_exclude(raw: Any, where: str, checker: Checker, version: int) -> Optional[tuple[int, int]]:
    if isinstance(raw, str) and "-" in raw:
        bounds = _parse_range(raw, where, checker, version)
        if bounds is not None and bounds[0] > bounds[1]:
            checker.add(where, f"range {raw!r} ends before it starts")
            return None
        return bounds
    if isinstance(raw, str) and "/" in raw:
        try:
            net = ipaddress.ip_network(raw.strip(), strict=False)
            if net.version != version:
                raise ValueError
        except ValueError:
            checker.add(where, f"{raw!r} is not an IPv{version} CIDR")
            return None
        return int(net.network_address), int(net.broadcast_address)
    address = checker.address(raw, where, version)
    return (int(address), int(address)) if address is not None else None


def _parse_explicit(raw: Any, network: IPNetwork, gateway: Optional[IPAddress], where: str, checker: Checker) -> dict:
    """``{host: address}`` or ``{host: {device: address}}``; None as device means "the host's only
    selected vmknic"."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        checker.add(where, "must map host names to an address or to {device: address}")
        return {}
    result: dict[str, dict[Optional[str], IPAddress]] = {}
    for host in sorted(raw, key=str):
        value = raw[host]
        entries = value.items() if isinstance(value, dict) else [(None, value)]
        for device, text in sorted(entries, key=lambda kv: str(kv[0])):
            spot = f"{where}[{host}]" + (f"[{device}]" if device is not None else "")
            address = checker.address(text, spot, network.version)
            if address is None:
                continue
            if address not in network:
                checker.add(spot, f"{address} is outside {network}")
                continue
            if address in (network.network_address, network.broadcast_address):
                checker.add(spot, f"{address} is the network or broadcast address of {network}")
                continue
            if gateway is not None and address == gateway:
                checker.add(spot, f"{address} is the class gateway")
                continue
            result.setdefault(str(host), {})[device] = address
    return result


def parse_optional_addressing(block: dict, where: str, checker: Checker, version: int = 4) -> Optional[Addressing]:
    """Addressing when 'network' is given; without it the vmknics keep their addresses of that family."""
    if block.get("network") is not None:
        return _parse_addressing(block, where, checker, version)
    for dependent in ("addresses", "pool", "range", "gateway"):
        if dependent in block:
            checker.add(where, f"'{dependent}' needs 'network' (without it the vmknics keep their addresses)")
    return None


def parse_ipv6(raw: Any, where: str, checker: Checker) -> Optional[Ipv6Intent]:
    if raw is None:
        return None
    block = checker.mapping(raw, where, IPV6_KEYS)
    if block is None:
        return None
    autoconf = checker.boolean(block["autoconf"], f"{where}.autoconf") if "autoconf" in block else None
    dhcp = checker.boolean(block["dhcp"], f"{where}.dhcp") if "dhcp" in block else None
    addressing = parse_optional_addressing(block, where, checker, 6)
    if autoconf is None and dhcp is None and "network" not in block:
        checker.add(where, "needs at least one of autoconf, dhcp or network")
    return Ipv6Intent(autoconf=autoconf, dhcp=dhcp, addressing=addressing)
