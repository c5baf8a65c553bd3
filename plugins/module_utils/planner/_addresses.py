# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address helpers of the planner (private): a vmknic's static addresses, the free addresses of a
pool, and the gateway override a class's addressing leaves. Pure Python on plain data."""

from __future__ import annotations

import ipaddress
from typing import Iterator, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import ipv4_interface, manual_ipv6
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._model import Addressing


def static_addresses(nic: dict, family: str) -> list:
    """The vmknic's configured addresses of one family: a static IPv4 address (a DHCP lease is the
    DHCP server's to hand out again), or its manual IPv6 addresses."""
    if family == "ipv6":
        return [ipaddress.IPv6Interface(text).ip for text in manual_ipv6(nic)]
    iface = ipv4_interface(nic.get("ipv4"))
    return [iface.ip] if iface is not None and not (nic.get("ipv4") or {}).get("dhcp") else []


def count_free(pool, blocked: set[int]) -> int:
    total = 0
    for low, high in _pool_intervals(pool):
        total += high - low + 1 - sum(1 for value in blocked if low <= value <= high)
    return total


def _pool_intervals(pool) -> list[tuple[int, int]]:
    """[start, end] minus the exclusions, as sorted disjoint inclusive intervals."""
    intervals = [(pool.start, pool.end)]
    for ex_low, ex_high in pool.exclude:
        nxt = []
        for low, high in intervals:
            if ex_high < low or ex_low > high:
                nxt.append((low, high))
                continue
            if low < ex_low:
                nxt.append((low, ex_low - 1))
            if ex_high < high:
                nxt.append((ex_high + 1, high))
        intervals = nxt
    return intervals


def free_addresses(pool, blocked: set[int]) -> Iterator[int]:
    for low, high in _pool_intervals(pool):
        for value in range(low, high + 1):
            if value not in blocked:
                yield value


def target_gateway(current: Optional[dict], addressing: Addressing) -> Optional[dict]:
    """The gateway override for the addressing's family: the declared gateway; otherwise keep an
    override that still fits the new subnet and drop one that would point outside it. The other
    family's override stays."""
    result = {"ipv4": None, "ipv6": None, **(current or {})}
    family = addressing.family
    if addressing.gateway is not None:
        result[family] = str(addressing.gateway)
    elif result[family] and ipaddress.ip_address(result[family]) not in addressing.network:
        result[family] = None
    return result if result["ipv4"] or result["ipv6"] else None
