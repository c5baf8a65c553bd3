# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation intent: schema and semantic validation, and its parsed (normalised) form.

The intent says where each kind of VMkernel traffic belongs (docs/remediation.md). This module
knows nothing about hosts: it checks what can be checked on the intent alone (types, unknown keys,
CIDRs, pools, gateways, overlapping class subnets, duplicated explicit addresses) and turns it into
small immutable objects the planner (_plan.py) works with. Pure Python, standard library only.
"""

from __future__ import annotations

import difflib
import fnmatch
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, SYSTEM_STACKS, effective_services
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import IntentError

__all__ = [
    "ACTIONS", "SELECT_KEYS", "SERVICE_NAMES", "SYSTEM_STACKS", "DEFAULT_STACK",
    "Addressing", "ClassIntent", "Intent", "IscsiIntent", "Ipv6Intent", "Pool", "PortgroupIntent",
    "Selector", "class_addressings", "classes_selecting_nothing", "effective_services", "parse_intent",
    "validate_intent",
]

# Stacks every ESXi host has; custom stacks must already exist on the host (no API creates them).
# Every HostVirtualNicManagerNicType of the vSphere API (ESXI-NETWORKING.md 1.4): the service names
# a selector may use (vmknic facts list a vmknic's services by these names).
SERVICE_NAMES = ("faultToleranceLogging", "management", "nvmeRdma", "nvmeTcp", "ptp", "vSphereBackupNFC",
                 "vSphereProvisioning", "vSphereReplication", "vSphereReplicationNFC", "vmotion", "vnetworking",
                 "vsan", "vsanExternal", "vsanReplication", "vsanWitness")
# The dedicated stacks carry their own traffic without (and cannot take) a service tag.

ACTIONS = ("subnet", "stack", "iscsi", "accept")
SELECT_KEYS = ("services", "portgroups", "devices", "hosts", "stacks", "switches", "networks")
_TOP_KEYS = ("allow_management_change", "classes")
_CLASS_KEYS = ("name", "select", "action", "reason") + ACTIONS[:3]
_ADDRESSING_KEYS = ("network", "addresses", "pool", "range", "gateway")
_SUBNET_KEYS = _ADDRESSING_KEYS + ("ipv6", "vlan", "portgroup", "mtu")
_STACK_KEYS = ("key",) + _ADDRESSING_KEYS + ("ipv6", "mtu")
_IPV6_KEYS = ("autoconf", "dhcp") + _ADDRESSING_KEYS
_ISCSI_KEYS = ("adapter", "enable", "uplinks")
_POOL_KEYS = ("start", "end", "exclude")
_PORTGROUP_KEYS = ("name", "vlan", "teaming")
_TEAMING_KEYS = ("active", "standby")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Selector keys whose values are shell-style wildcard patterns (fnmatch), not regular expressions.
PATTERN_KEYS = ("portgroups", "devices", "hosts", "switches")
# What only a regular expression would contain: anchors, ".+", character-class escapes (not ".*":
# "10.10.0.*" and "esx01.*" are good wildcards).
_REGEX_HINT = re.compile(r"^\^|\$$|\.\+|\\[dDsSwWb]")
_DEVICE_RE = re.compile(r"^vmk[0-9]+$")
MTU_MIN, MTU_MAX = 1280, 9000
# Longest prefix a class subnet may have: room for at least two vmknics (IPv4 /30; IPv6 /126).
LONGEST_PREFIX = {4: 30, 6: 126}
VLAN_MAX = 4094  # 4095 means "all VLANs" (VGT) on a standard port group: never right for a vmknic


# --------------------------------------------------------------------------- parsed form


@dataclass(frozen=True)
class Pool:
    """Allocatable addresses as integers: [start, end] minus ``exclude`` (inclusive int ranges)."""

    start: int
    end: int
    exclude: tuple[tuple[int, int], ...] = ()
    version: int = 4

    def __str__(self) -> str:
        return f"{_address(self.version, self.start)}-{_address(self.version, self.end)}"

    def excluded(self, value: int) -> bool:
        return any(low <= value <= high for low, high in self.exclude)

    def contains(self, value: int) -> bool:
        return self.start <= value <= self.end and not self.excluded(value)


IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


def _address(version: int, value: int) -> IPAddress:
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
        result.append(ipaddress.IPv4Address(address))
    for entry in (nic.get("ipv6") or {}).get("addresses") or ():
        if entry.get("address") and not entry.get("link_local"):
            result.append(ipaddress.IPv6Address(entry["address"]))
    return result


def _any_fnmatch(value: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


# --------------------------------------------------------------------------- validation


def suggestion(value: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for a near miss of one of ``choices`` (case or a typo), else ''."""
    choices = list(choices)
    folded = [c for c in choices if c.lower() == value.lower()]
    close = folded or difflib.get_close_matches(value, choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def pattern_problem(pattern: str, key: str) -> Optional[str]:
    """Why ``pattern`` (a value of selector key ``key``) cannot mean what was meant, or None."""
    if _REGEX_HINT.search(pattern):
        return (f"{pattern!r} looks like a regular expression; selectors take shell-style wildcards "
                "(*, ?, [abc]), e.g. 'vMotion-*'")
    last_open = pattern.rfind("[")
    if last_open >= 0 and "]" not in pattern[last_open + 1:]:
        return f"{pattern!r} has a '[' that is never closed (write '[[]' for a literal '[')"
    if key == "devices" and not any(c in pattern for c in "*?[") and not _DEVICE_RE.match(pattern):
        number = re.search(r"[0-9]+", pattern)
        hint = f" (did you mean vmk{number.group()}?)" if number else ""
        return f"{pattern!r} is not a vmknic device name (vmk0, vmk1, ...){hint}"
    return None


class _Checker:
    """Collects problems while parsing, so one pass both validates and builds the parsed form.

    ``stacks``: the TCP/IP stack keys of the hosts in scope, when known. Without them any stack name
    other than a near miss of a system stack is taken as a custom stack (the planner checks it)."""

    def __init__(self, stacks: Optional[Iterable[str]] = None) -> None:
        self.problems: list[str] = []
        self.stacks = None if stacks is None else sorted(set(SYSTEM_STACKS) | set(stacks))

    def stack_key(self, key: str, where: str) -> None:
        if key in SYSTEM_STACKS or (self.stacks is not None and key in self.stacks):
            return
        if self.stacks is None:
            hint = suggestion(key, SYSTEM_STACKS)
            if hint:  # a custom stack named like a system stack is a typo, not a custom stack
                self.add(where, f"unknown stack {key!r}{hint}; system stacks: {', '.join(SYSTEM_STACKS)}")
            return
        self.add(where, f"unknown stack {key!r}{suggestion(key, self.stacks)}; stacks in scope: {', '.join(self.stacks)}")

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def mapping(self, value: Any, where: str, allowed: tuple[str, ...]) -> Optional[dict]:
        if not isinstance(value, dict):
            self.add(where, "must be a mapping")
            return None
        for key in sorted(set(value) - set(allowed), key=str):
            hint = suggestion(key, allowed) if isinstance(key, str) else ""
            self.add(where, f"unknown key {key!r}{hint} (expected one of {', '.join(allowed)})")
        return value

    def string_list(self, value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            self.add(where, "must be a non-empty string or list of non-empty strings")
            return ()
        return tuple(value)

    def address(self, value: Any, where: str, version: int = 4) -> Optional[IPAddress]:
        try:
            if not isinstance(value, str):
                raise ValueError
            text = value.strip()
            return ipaddress.IPv4Address(text) if version == 4 else ipaddress.IPv6Address(text)
        except ValueError:
            self.add(where, f"{value!r} is not an IPv{version} address")
            return None

    def integer(self, value: Any, where: str, low: int, high: int) -> Optional[int]:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(where, f"must be an integer from {low} to {high}, got {value!r}")
            return None
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.add(where, f"must be true or false, got {value!r}")
            return False
        return value


def validate_intent(intent: Any, stacks: Optional[Iterable[str]] = None) -> list[str]:
    """Every problem with ``intent`` as a sentence naming where it is; empty when it is valid.
    ``stacks``: the stack keys of the hosts in scope, when known (then any other key is unknown)."""
    checker = _Checker(stacks)
    _parse(intent, checker)
    return checker.problems


def parse_intent(intent: Any, stacks: Optional[Iterable[str]] = None) -> Intent:
    """The parsed intent; raises IntentError listing every problem when it is invalid."""
    checker = _Checker(stacks)
    parsed = _parse(intent, checker)
    if checker.problems or parsed is None:
        raise IntentError(checker.problems or ["the intent is empty"])
    return parsed


def _parse(intent: Any, checker: _Checker) -> Optional[Intent]:
    top = checker.mapping(intent, "intent", _TOP_KEYS)
    if top is None:
        return None
    allow = checker.boolean(top.get("allow_management_change", False), "allow_management_change")
    raw_classes = top.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        checker.add("classes", "must be a non-empty list")
        return None
    classes = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_classes):
        parsed = _parse_class(raw, index, checker)
        if parsed is None:
            continue
        if parsed.name in seen:
            checker.add(f"classes[{index}]", f"name {parsed.name!r} is already used by classes[{seen[parsed.name]}]")
        seen.setdefault(parsed.name, index)
        classes.append(parsed)
    _check_overlaps(classes, checker)
    _check_explicit_duplicates(classes, checker)
    return Intent(classes=tuple(classes), allow_management_change=allow)


def _parse_class(raw: Any, index: int, checker: _Checker) -> Optional[ClassIntent]:
    where = f"classes[{index}]"
    cls = checker.mapping(raw, where, _CLASS_KEYS)
    if cls is None:
        return None
    name = cls.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        checker.add(where, f"'name' is required: letters, digits, '_', '.', '-' (got {name!r})")
        name = f"#{index}"
    else:
        where = f"class {name}"
    action = cls.get("action")
    if action not in ACTIONS:
        checker.add(where, f"'action' must be one of {', '.join(ACTIONS)} (got {action!r})")
        return None
    select = _parse_selector(cls.get("select"), f"{where}.select", checker)
    reason = cls.get("reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        checker.add(f"{where}.reason", "must be a non-empty string")
    if action == "accept" and not (isinstance(reason, str) and reason.strip()):
        checker.add(where, "an accept class needs a 'reason' saying why the shared subnet is legitimate")
    for other in ACTIONS[:3]:
        if other != action and other in cls:
            checker.add(where, f"'{other}' settings do not apply to action {action}")
    result = ClassIntent(name=name, select=select or Selector(), action=action, reason=reason)
    if action == "subnet":
        return _parse_subnet_action(cls.get("subnet"), result, f"{where}.subnet", checker)
    if action == "stack":
        return _parse_stack_action(cls.get("stack"), result, f"{where}.stack", checker)
    if action == "iscsi":
        return _parse_iscsi_action(cls.get("iscsi"), result, f"{where}.iscsi", checker)
    return result


def _parse_selector(raw: Any, where: str, checker: _Checker) -> Optional[Selector]:
    sel = checker.mapping(raw, where, SELECT_KEYS)
    if sel is None:
        return None
    if not any(key in sel for key in SELECT_KEYS):
        # An empty selector would take every vmknic of every host: make that impossible.
        checker.add(where, f"needs at least one of {', '.join(SELECT_KEYS)}")
        return None
    values: dict[str, Any] = {}
    for key in SELECT_KEYS:
        if key in sel:
            values[key] = checker.string_list(sel[key], f"{where}.{key}")
    for service in values.get("services", ()):
        if service not in SERVICE_NAMES:
            checker.add(f"{where}.services", f"unknown service {service!r}{suggestion(service, SERVICE_NAMES)}; "
                        f"services: {', '.join(SERVICE_NAMES)}")
    for stack in values.get("stacks", ()):
        checker.stack_key(stack, f"{where}.stacks")
    for key in PATTERN_KEYS:
        for pattern in values.get(key, ()):
            problem = pattern_problem(pattern, key)
            if problem:
                checker.add(f"{where}.{key}", problem)
    networks = []
    for text in values.get("networks", ()):
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            checker.add(f"{where}.networks", f"{text!r} is not an IPv4 or IPv6 CIDR")
    values["networks"] = tuple(networks)
    return Selector(**values)


def _parse_network(raw: Any, where: str, checker: _Checker, version: int) -> Optional[IPNetwork]:
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


def _parse_addressing(block: dict, where: str, checker: _Checker, version: int = 4) -> Optional[Addressing]:
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


def _parse_pool(block: dict, network: IPNetwork, where: str, checker: _Checker) -> Optional[Pool]:
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
            checker.add(where, f"pool {label} {_address(version, value)} is not a usable address of {network}")
            ok = False
    if ok and start > end:
        checker.add(where, f"pool start {_address(version, start)} is after its end {_address(version, end)}")
        ok = False
    return Pool(start, end, excludes, version) if ok else None


def _parse_range(raw: Any, where: str, checker: _Checker, version: int) -> Optional[tuple[int, int]]:
    if not isinstance(raw, str) or raw.count("-") != 1:
        example = "10.20.0.10-10.20.0.200" if version == 4 else "2001:db8:20::10-2001:db8:20::ff"
        checker.add(where, f"must look like '{example}', got {raw!r}")
        return None
    low, high = (checker.address(part, where, version) for part in raw.split("-"))
    if low is None or high is None:
        return None
    return int(low), int(high)


def _parse_exclude(raw: Any, where: str, checker: _Checker, version: int) -> Optional[tuple[int, int]]:
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


def _parse_explicit(raw: Any, network: IPNetwork, gateway: Optional[IPAddress], where: str, checker: _Checker) -> dict:
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


def _parse_teaming(raw: Any, where: str, checker: _Checker):
    team = checker.mapping(raw, where, _TEAMING_KEYS)
    if team is None:
        return None
    active = checker.string_list(team.get("active"), f"{where}.active")
    standby = checker.string_list(team["standby"], f"{where}.standby") if team.get("standby") else ()
    both = set(active) & set(standby)
    if both:
        checker.add(where, f"{', '.join(sorted(both))} cannot be both active and standby")
    if len(set(active)) != len(active) or len(set(standby)) != len(standby):
        checker.add(where, "lists an uplink twice")
    return (tuple(active), tuple(standby)) if active else None


def _parse_subnet_action(raw: Any, cls: ClassIntent, where: str, checker: _Checker) -> ClassIntent:
    if raw is None:
        checker.add(where, "is required for action subnet (at least 'network' or 'ipv6')")
        return cls
    block = checker.mapping(raw, where, _SUBNET_KEYS)
    if block is None:
        return cls
    if block.get("network") is None and block.get("ipv6") is None:
        checker.add(where, "needs 'network' (the IPv4 subnet), 'ipv6', or both")
    addressing = _parse_optional_addressing(block, where, checker)
    ipv6 = _parse_ipv6(block.get("ipv6"), f"{where}.ipv6", checker)
    mtu = checker.integer(block["mtu"], f"{where}.mtu", MTU_MIN, MTU_MAX) if block.get("mtu") is not None else None
    vlan = checker.integer(block["vlan"], f"{where}.vlan", 0, VLAN_MAX) if block.get("vlan") is not None else None
    portgroup = None
    if block.get("portgroup") is not None:
        if vlan is not None:
            checker.add(where, "give the VLAN inside 'portgroup' when moving vmknics to another port group")
        pg = checker.mapping(block["portgroup"], f"{where}.portgroup", _PORTGROUP_KEYS)
        if pg is not None:
            name = pg.get("name")
            if not isinstance(name, str) or not name.strip():
                checker.add(f"{where}.portgroup.name", "is required")
            pg_vlan = None
            if pg.get("vlan") is not None:
                pg_vlan = checker.integer(pg["vlan"], f"{where}.portgroup.vlan", 0, VLAN_MAX)
            teaming = _parse_teaming(pg["teaming"], f"{where}.portgroup.teaming", checker) \
                if pg.get("teaming") is not None else None
            portgroup = PortgroupIntent(name=str(name), vlan=pg_vlan, teaming=teaming)
    return ClassIntent(name=cls.name, select=cls.select, action=cls.action, reason=cls.reason,
                       addressing=addressing, ipv6=ipv6, mtu=mtu, vlan=vlan, portgroup=portgroup)


def _parse_stack_action(raw: Any, cls: ClassIntent, where: str, checker: _Checker) -> ClassIntent:
    if raw is None:
        checker.add(where, "is required for action stack (at least 'key')")
        return cls
    block = checker.mapping(raw, where, _STACK_KEYS)
    if block is None:
        return cls
    key = block.get("key")
    if not isinstance(key, str) or not key.strip():
        checker.add(f"{where}.key", "is required: the netStackInstanceKey to move the vmknics to")
        key = None
    else:
        checker.stack_key(key, f"{where}.key")
    addressing = _parse_optional_addressing(block, where, checker)
    ipv6 = _parse_ipv6(block.get("ipv6"), f"{where}.ipv6", checker)
    mtu = checker.integer(block["mtu"], f"{where}.mtu", MTU_MIN, MTU_MAX) if block.get("mtu") is not None else None
    return ClassIntent(name=cls.name, select=cls.select, action=cls.action, reason=cls.reason,
                       addressing=addressing, ipv6=ipv6, mtu=mtu, stack=key)


def _parse_optional_addressing(block: dict, where: str, checker: _Checker, version: int = 4) -> Optional[Addressing]:
    """Addressing when 'network' is given; without it the vmknics keep their addresses of that family."""
    if block.get("network") is not None:
        return _parse_addressing(block, where, checker, version)
    for dependent in ("addresses", "pool", "range", "gateway"):
        if dependent in block:
            checker.add(where, f"'{dependent}' needs 'network' (without it the vmknics keep their addresses)")
    return None


def _parse_ipv6(raw: Any, where: str, checker: _Checker) -> Optional[Ipv6Intent]:
    if raw is None:
        return None
    block = checker.mapping(raw, where, _IPV6_KEYS)
    if block is None:
        return None
    autoconf = checker.boolean(block["autoconf"], f"{where}.autoconf") if "autoconf" in block else None
    dhcp = checker.boolean(block["dhcp"], f"{where}.dhcp") if "dhcp" in block else None
    addressing = _parse_optional_addressing(block, where, checker, 6)
    if autoconf is None and dhcp is None and "network" not in block:
        checker.add(where, "needs at least one of autoconf, dhcp or network")
    return Ipv6Intent(autoconf=autoconf, dhcp=dhcp, addressing=addressing)


def _parse_iscsi_action(raw: Any, cls: ClassIntent, where: str, checker: _Checker) -> ClassIntent:
    block = checker.mapping(raw if raw is not None else {}, where, _ISCSI_KEYS)
    if block is None:
        return cls
    adapter = block.get("adapter", "software")
    if not isinstance(adapter, str) or not adapter.strip():
        checker.add(f"{where}.adapter", "must be 'software' or an adapter device such as vmhba64")
        adapter = "software"
    enable = checker.boolean(block.get("enable", False), f"{where}.enable")
    if enable and adapter != "software":
        checker.add(f"{where}.enable", "only applies to the software iSCSI adapter (adapter: software)")
    uplinks: dict[str, str] = {}
    raw_uplinks = block.get("uplinks") or {}
    if not isinstance(raw_uplinks, dict):
        checker.add(f"{where}.uplinks", "must map port group names to one vmnic each")
    else:
        for pg, nic in sorted(raw_uplinks.items(), key=lambda kv: str(kv[0])):
            if not isinstance(nic, str) or not nic:
                checker.add(f"{where}.uplinks[{pg}]", "must be one vmnic name (the only active uplink)")
                continue
            uplinks[str(pg)] = nic
        users: dict[str, list[str]] = {}
        for pg, nic in uplinks.items():
            users.setdefault(nic, []).append(pg)
        for nic, pgs in sorted(users.items()):
            if len(pgs) > 1:
                checker.add(f"{where}.uplinks", f"{nic} is the uplink of {', '.join(pgs)}; iSCSI port "
                            "binding needs a different uplink per port group")
    return ClassIntent(name=cls.name, select=cls.select, action=cls.action, reason=cls.reason,
                       iscsi=IscsiIntent(adapter=adapter, enable=enable, uplinks=uplinks))


def classes_selecting_nothing(intent: Intent, plan_hosts: list[dict]) -> list[str]:
    """Names of the classes (in intent order) that select no vmknic of the planned hosts, from the
    ``classes`` map (device: class name) of each host entry of a plan document."""
    used = {name for entry in plan_hosts for name in (entry.get("classes") or {}).values()}
    return [cls.name for cls in intent.classes if cls.name not in used]


def class_addressings(cls: ClassIntent) -> list[Addressing]:
    """The class's static addressing, IPv4 then IPv6, where declared."""
    return [a for a in (cls.addressing, cls.ipv6.addressing if cls.ipv6 else None) if a is not None]


def _check_overlaps(classes: list[ClassIntent], checker: _Checker) -> None:
    """Two classes sharing address space would hand out the same addresses (and usually multi-home)."""
    nets = [(c.name, a.network) for c in classes for a in class_addressings(c)]
    for i, (name_a, net_a) in enumerate(nets):
        for name_b, net_b in nets[i + 1:]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):  # type: ignore[arg-type]
                checker.add("", f"classes {name_a} and {name_b}: subnets {net_a} and {net_b} overlap")


def _check_explicit_duplicates(classes: list[ClassIntent], checker: _Checker) -> None:
    owners: dict[IPAddress, list[str]] = {}
    for addressing in (a for cls in classes for a in class_addressings(cls)):
        for host, devices in sorted(addressing.explicit.items()):
            for device, address in sorted(devices.items(), key=lambda kv: str(kv[0])):
                owners.setdefault(address, []).append(f"{host} {device}" if device else host)
    for address, users in sorted(owners.items(), key=lambda kv: (kv[0].version, kv[0])):
        if len(users) > 1:
            checker.add("", f"explicit address {address} is given more than once ({', '.join(users)})")
