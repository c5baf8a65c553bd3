# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parsed remediation intent: small immutable objects the planner works with (docs/remediation.md).

Built by _intent.py from the validated intent; pure Python, standard library only."""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
from dataclasses import dataclass, field
from typing import Optional, Union

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, effective_services


@dataclass(frozen=True)
class Pool:
    """Allocatable addresses as integers: [start, end] minus ``exclude`` (inclusive int ranges)."""

    start: int
    end: int
    exclude: tuple[tuple[int, int], ...] = ()
    version: int = 4

    def __str__(self) -> str:
        return f"{address_of(self.version, self.start)}-{address_of(self.version, self.end)}"

    def excluded(self, value: int) -> bool:
        return any(low <= value <= high for low, high in self.exclude)

    def contains(self, value: int) -> bool:
        return self.start <= value <= self.end and not self.excluded(value)


IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


def address_of(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


@dataclass(frozen=True)
class Addressing:
    """Where a class's vmknics get their static address of one family (network.version) from."""

    network: IPNetwork
    pool: Pool
    # host name -> {device or None (the host's only selected vmknic): address}
    explicit: dict[str, dict[Optional[str], IPAddress]] = field(default_factory=dict)
    gateway: Optional[IPAddress] = None

    @property
    def family(self) -> str:
        return f"ipv{self.network.version}"

    def reserved(self) -> set[int]:
        """Addresses never handed out: network, broadcast (IPv6: the subnet-router anycast address
        and the all-ones address) and the declared gateway."""
        values = {int(self.network.network_address), int(self.network.broadcast_address)}
        if self.gateway is not None:
            values.add(int(self.gateway))
        return values


@dataclass(frozen=True)
class PortgroupIntent:
    name: str
    vlan: Optional[int] = None
    teaming: Optional[tuple[tuple[str, ...], tuple[str, ...]]] = None  # (active, standby)
    switch: Optional[str] = None  # a distributed switch to move a vmknic on a standard switch to


@dataclass(frozen=True)
class IscsiIntent:
    adapter: str = "software"
    enable: bool = False
    uplinks: dict[str, str] = field(default_factory=dict)  # port group name -> the one active vmnic


@dataclass(frozen=True)
class Ipv6Intent:
    """IPv6 of a class's vmknics: None leaves a setting as it is. ``addressing`` gives each vmknic
    exactly one manual address (its other manual addresses are removed)."""

    autoconf: Optional[bool] = None   # SLAAC from router advertisements
    dhcp: Optional[bool] = None       # DHCPv6
    addressing: Optional[Addressing] = None


@dataclass(frozen=True)
class Selector:
    """A vmknic matches when every given key matches; each key's list is any-of."""

    services: tuple[str, ...] = ()
    portgroups: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    stacks: tuple[str, ...] = ()
    switches: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    def matches(self, host: dict, nic: dict) -> bool:
        if self.hosts and not _any_fnmatch(host.get("name") or "", self.hosts):
            return False
        if self.devices and not _any_fnmatch(nic.get("device") or "", self.devices):
            return False
        if self.portgroups and not _any_fnmatch(nic.get("portgroup") or "", self.portgroups):
            return False
        if self.switches and not _any_fnmatch(nic.get("switch") or "", self.switches):
            return False
        if self.stacks and (nic.get("stack") or DEFAULT_STACK) not in self.stacks:
            return False
        if self.services and not set(self.services) & set(effective_services(nic)):
            return False
        if self.networks and not any(address in net for address in _nic_addresses(nic) for net in self.networks):
            return False
        return True


@dataclass(frozen=True)
class ClassIntent:
    name: str
    select: Selector
    action: str
    reason: Optional[str] = None
    addressing: Optional[Addressing] = None  # IPv4: subnet action, or stack action with a new network
    ipv6: Optional[Ipv6Intent] = None        # subnet or stack action
    mtu: Optional[int] = None
    vlan: Optional[int] = None               # subnet action: VLAN of the vmknic's current port group
    portgroup: Optional[PortgroupIntent] = None
    stack: Optional[str] = None              # stack action: target netStackInstanceKey
    iscsi: Optional[IscsiIntent] = None


@dataclass(frozen=True)
class Intent:
    classes: tuple[ClassIntent, ...]
    allow_management_change: bool = False


def _nic_addresses(nic: dict) -> list[IPAddress]:
    """The vmknic's IPv4 address and its IPv6 addresses except link-local (every vmknic has one)."""
    result: list[IPAddress] = []
    address = (nic.get("ipv4") or {}).get("address")
    if address:
        result.append(_parsed(ipaddress.IPv4Address, address))
    for entry in (nic.get("ipv6") or {}).get("addresses") or ():
        if entry.get("address") and not entry.get("link_local"):
            result.append(_parsed(ipaddress.IPv6Address, entry["address"]))
    return result


@functools.lru_cache(maxsize=1 << 14)
def _parsed(kind: type, text: str) -> IPAddress:
    """kind(text), once per process (a selector with networks looks at every vmknic it may select);
    a text that is no address raises ValueError each time, as kind(text) does."""
    return kind(text)


@functools.lru_cache(maxsize=1 << 14)
def _any_fnmatch(value: str, patterns: tuple[str, ...]) -> bool:
    """Cached: the names a selector tests (port groups, devices, switches) repeat on every host."""
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def classes_selecting_nothing(intent: Intent, plan_hosts: list[dict]) -> list[str]:
    """Names of the classes (in intent order) that select no vmknic of the planned hosts, from the
    ``classes`` map (device: class name) of each host entry of a plan document."""
    used = {name for entry in plan_hosts for name in (entry.get("classes") or {}).values()}
    return [cls.name for cls in intent.classes if cls.name not in used]


def class_addressings(cls: ClassIntent) -> list[Addressing]:
    """The class's static addressing, IPv4 then IPv6, where declared."""
    return [a for a in (cls.addressing, cls.ipv6.addressing if cls.ipv6 else None) if a is not None]
