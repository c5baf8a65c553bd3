# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value conversions the engine and the planner share: vmk numbers, IPv4/IPv6 settings as
facts and as vSphere call arguments, teaming arguments, deep copies of plain data, and the
vocabulary of operations (private).

Pure Python on plain data; no pyVmomi, no Ansible.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import socket
from typing import Any, Iterable, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._addresses import packed_address, packed_literal
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, system_owner, vmk_number


OPERATIONS = (
    "UpdateSoftwareInternetScsiEnabled", "AddPortGroup", "UpdatePortGroup", "RemovePortGroup",
    "UnbindVnic", "DeselectVnicForNicType", "RemoveVirtualNic", "AddVirtualNic", "UpdateVirtualNic",
    "SelectVnicForNicType", "BindVnic", "RescanHba", "CreateDVPortgroup", "ReconfigureDVPortgroup", "DestroyDVPortgroup",
)
# Operations on vCenter objects shared by hosts (a dvPortgroup): run once, before the hosts that
# need them, by apply/_vcenter_ops.py; each host's simulation applies them to what it sees of them.
VCENTER_OPERATIONS = ("CreateDVPortgroup", "ReconfigureDVPortgroup", "DestroyDVPortgroup")
# The key a dvPortgroup the plan creates has until vCenter gives it its own (apply/_vcenter_ops.py).
NEW_DVPORTGROUP_KEY = "new:"
# Services SelectVnicForNicType cannot set: vSAN tags go through HostVsanSystem.UpdateVsan_Task.
VSAN_SERVICES = frozenset({"vsan", "vsanWitness"})
ADDRESS_TYPES = {"ipv4": ipaddress.IPv4Address, "ipv6": ipaddress.IPv6Address}


def stack_of(nic: dict) -> str:
    return nic.get("stack") or DEFAULT_STACK


def is_system_owned(nic: dict) -> bool:
    return system_owner(nic) is not None


def portgroup_id(nic_or_pg: dict) -> tuple:
    return (nic_or_pg.get("switch"), nic_or_pg.get("portgroup", nic_or_pg.get("name")))


def find_vmknic(host: dict, device: Optional[str]) -> Optional[dict]:
    """The vmknic ``device`` of a host (facts or a predicted state), or None."""
    return next((n for n in host.get("vmknics") or () if n["device"] == device), None)


def ipv4_static(address: str, network: ipaddress.IPv4Network) -> dict:
    netmask, text = _network_texts(network)
    return {"address": str(address), "netmask": netmask, "prefix_length": network.prefixlen, "network": text, "dhcp": False}


@functools.lru_cache(maxsize=1 << 12)
def _network_texts(network: ipaddress.IPv4Network) -> tuple[str, str]:
    """(netmask, network) as text: a plan gives a class's network to every host."""
    return str(network.netmask), str(network)


def _ipv4_dhcp() -> dict:
    return {"address": None, "netmask": None, "prefix_length": None, "network": None, "dhcp": True}


def copy_data(value: Any) -> Any:
    """A deep copy of facts-model data (dicts, lists, tuples of strings, numbers, booleans, None),
    several times faster than copy.deepcopy, which the planner otherwise spends most of its time in.
    Anything else is handed to copy.deepcopy."""
    kind = type(value)
    # Leaves are most of the facts: they are kept without a call each (a dict is copied whole at C
    # speed, then only its containers are replaced by their copies).
    if kind is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) not in _IMMUTABLE_TYPES:
                copied[key] = copy_data(item)
        return copied
    if kind is list:
        return [item if type(item) in _IMMUTABLE_TYPES else copy_data(item) for item in value]
    if kind is tuple:
        return tuple(item if type(item) in _IMMUTABLE_TYPES else copy_data(item) for item in value)
    if kind in _IMMUTABLE_TYPES:
        return value
    return copy.deepcopy(value)


_IMMUTABLE_TYPES = frozenset({str, int, float, bool, type(None)})


@functools.lru_cache(maxsize=1 << 16)
def _parse_ipv4_interface(address: str, prefix: Any) -> Optional[ipaddress.IPv4Interface]:
    """Each address/prefix pair is parsed once per process (the planner compares the same addresses
    many times; IPv4Interface is immutable, so sharing the parsed value is safe)."""
    packed = packed_address(socket.AF_INET, address)
    try:
        if packed is not None:  # the same interface, without ipaddress parsing the address text
            return ipaddress.IPv4Interface((packed, str(prefix)))
        return ipaddress.IPv4Interface(f"{address}/{prefix}")
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def parse_ip_address(text: str) -> Optional[Any]:
    """ipaddress.ip_address(text), parsed once per process; None when it is not an address.
    Through inet_pton first (packed_literal): ip_address tries IPv4 and raises before it parses an IPv6
    address, ~10x the time, and a host lists a link-local gateway per vmknic."""
    literal = packed_literal(text) if isinstance(text, str) else None
    if literal is not None:
        return ipaddress.IPv6Address(literal[1]) if literal[0] == 6 else ipaddress.IPv4Address(literal[1])
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def ip_value(text: Any) -> Optional[tuple[int, int]]:
    """(version, int) of parse_ip_address(text), None when it is not an address; what inet_pton
    reads is not made into an address object (a host lists a link-local gateway per vmknic)."""
    literal = packed_literal(text) if isinstance(text, str) else None
    if literal is not None:
        return literal[0], int.from_bytes(literal[1], "big")
    address = parse_ip_address(text)
    return None if address is None else (address.version, int(address))


@functools.lru_cache(maxsize=1 << 16)
def ipv6_int(text: str) -> int:
    """int(ipaddress.IPv6Address(text)), parsed once per process (raises ValueError as it does)."""
    return int(ipaddress.IPv6Address(text))


@functools.lru_cache(maxsize=1 << 16)
def _ipv4_interface_text(address: str, prefix: Any) -> Optional[str]:
    iface = _parse_ipv4_interface(address, prefix)
    return str(iface) if iface is not None else None


def _address_and_prefix(ipv4: Optional[dict]) -> Optional[tuple[str, Any]]:
    if not ipv4 or not ipv4.get("address"):
        return None
    prefix = ipv4.get("prefix_length")
    if prefix is None:
        prefix = ipv4.get("netmask")
    return None if prefix is None else (ipv4["address"], prefix)


def ipv4_interface(ipv4: Optional[dict]) -> Optional[ipaddress.IPv4Interface]:
    given = _address_and_prefix(ipv4)
    return _parse_ipv4_interface(*given) if given else None


def ipv4_address_int(ipv4: Optional[dict]) -> Optional[int]:
    """int(ipv4_interface(ipv4)), the address as an int, without making the interface when the C
    parser reads the address and the prefix is one ipaddress takes (the planner notes the address
    of every vmknic in scope, and parses few of them otherwise)."""
    given = _address_and_prefix(ipv4)
    return _ipv4_address_int(*given) if given else None


@functools.lru_cache(maxsize=1 << 16)
def _ipv4_address_int(address: str, prefix: Any) -> Optional[int]:
    packed = packed_address(socket.AF_INET, address)
    if packed is not None and _ipv4_prefix_taken(prefix):
        return int.from_bytes(packed, "big")
    iface = _parse_ipv4_interface(address, prefix)  # it decides
    return None if iface is None else int(iface)


@functools.lru_cache(maxsize=1 << 8)
def _ipv4_prefix_taken(prefix: Any) -> bool:
    """Whether _parse_ipv4_interface takes this prefix (its network of a valid address then always is one)."""
    try:
        ipaddress.IPv4Network((0, str(prefix)))
    except ValueError:
        return False
    return True


def ipv4_interface_text(ipv4: Optional[dict]) -> Optional[str]:
    """str(ipv4_interface(ipv4)) ("10.0.0.5/24"), None when it has no static address."""
    given = _address_and_prefix(ipv4)
    return _ipv4_interface_text(*given) if given else None


def ipv4_text(ipv4: Optional[dict]) -> str:
    if not ipv4:
        return "no IPv4"
    if ipv4.get("dhcp"):
        return "DHCP"
    return ipv4_interface_text(ipv4) or "no IPv4 address"


def ipv4_equal(a: Optional[dict], b: Optional[dict]) -> bool:
    """Same configuration: both DHCP (whatever the lease), or the same static address and prefix."""
    if not a or not b:
        return not a and not b
    if a.get("dhcp") or b.get("dhcp"):
        return bool(a.get("dhcp")) == bool(b.get("dhcp"))
    return ipv4_interface(a) == ipv4_interface(b)


def ipv4_arg(ipv4: dict) -> dict:
    """The operation form of an IPv4 config: ``{dhcp: true}`` or ``{address, netmask}``."""
    if ipv4.get("dhcp"):
        return {"dhcp": True}
    iface = ipv4_interface(ipv4)
    return {"address": str(iface.ip), "netmask": str(iface.netmask)}


def ipv4_from_arg(arg: dict) -> dict:
    if arg.get("dhcp"):
        return _ipv4_dhcp()
    try:
        iface = _parse_ipv4_interface(arg["address"], arg["netmask"])
    except TypeError:  # not text: ipaddress says what is wrong with it, as below
        iface = None
    if iface is None:
        iface = ipaddress.IPv4Interface(f"{arg['address']}/{arg['netmask']}")  # raises ValueError naming the problem
    return ipv4_static(str(iface.ip), iface.network)


# IPv6 address origins that come and go with autoconfiguration (SLAAC, privacy) and with DHCPv6.
_AUTOCONF_ORIGINS = frozenset({"linklayer", "random"})
_DHCP_ORIGINS = frozenset({"dhcp"})


def manual_ipv6(nic: dict) -> list[str]:
    """The vmknic's manual (configured) IPv6 addresses as sorted 'address/prefix' strings."""
    return sorted(f"{a['address']}/{a['prefix_length']}" for a in (nic.get("ipv6") or {}).get("addresses") or ()
                  if a.get("origin") == "manual")


def ipv6_settings(nic: dict) -> tuple[bool, bool, tuple[str, ...]]:
    """What is configured about a vmknic's IPv6: (autoconf, dhcp, manual addresses)."""
    ipv6 = nic.get("ipv6") or {}
    return bool(ipv6.get("autoconf")), bool(ipv6.get("dhcp")), tuple(manual_ipv6(nic))


def ipv6_address(text: str) -> dict:
    iface = ipaddress.IPv6Interface(text)
    return {"address": str(iface.ip), "prefix_length": iface.network.prefixlen, "network": str(iface.network),
            "origin": "manual", "link_local": iface.ip.is_link_local, "dad_state": "preferred"}


def configure_ipv6(nic: dict, autoconf: bool, dhcp: bool, manual: Iterable[str]) -> None:
    """Give ``nic`` these IPv6 settings, as ESXi will show them: addresses that autoconfiguration
    gave go when it is turned off; a DHCPv6 address goes once neither DHCPv6 nor autoconfiguration
    is on (a router advertisement with the M flag gives one to a vmknic that only listens to router
    advertisements). New ones cannot be predicted when either is turned on."""
    ipv6 = nic.get("ipv6") or {}
    wanted = {ipv6_address(text)["address"]: ipv6_address(text) for text in manual}
    kept = []
    for entry in ipv6.get("addresses") or ():
        origin = entry.get("origin")
        if origin == "manual" or entry.get("address") in wanted:
            continue
        if (origin in _AUTOCONF_ORIGINS and not autoconf) or (origin in _DHCP_ORIGINS and not (dhcp or autoconf)):
            continue
        kept.append(entry)
    addresses = kept + list(wanted.values())
    addresses.sort(key=lambda a: (ipaddress.IPv6Address(a["address"]), a["prefix_length"]))
    nic["ipv6"] = {**ipv6, "autoconf": autoconf, "dhcp": dhcp, "addresses": addresses}


def ipv6_arg(current: dict, target: dict) -> dict:
    """The operation form of an IPv6 change: both flags, and the manual addresses to add and remove."""
    autoconf, dhcp, wanted = ipv6_settings(target)
    have = manual_ipv6(current)
    return {"autoconf": autoconf, "dhcp": dhcp, "add": [a for a in wanted if a not in have],
            "remove": [a for a in have if a not in wanted]}


def ipv6_text(nic: dict) -> str:
    autoconf, dhcp, manual = ipv6_settings(nic)
    return (f"IPv6 autoconf {'on' if autoconf else 'off'}, DHCPv6 {'on' if dhcp else 'off'}, "
            f"manual {', '.join(manual) or 'none'}")


def teaming_arg(teaming: Optional[dict]) -> dict:
    teaming = teaming or {}
    return {"active": list(teaming.get("active") or ()), "standby": list(teaming.get("standby") or ())}


def bound_adapters(nic: dict) -> list[str]:
    return sorted({b.get("adapter") for b in nic.get("iscsi_bindings") or () if b.get("adapter")})


def selectable_services(nic: dict) -> set[str]:
    """Services set by SelectVnicForNicType: only on the default stack (the dedicated stacks imply
    their traffic, and tags cannot be enabled on any other stack)."""
    return set(nic.get("services") or ()) if stack_of(nic) == DEFAULT_STACK else set()


def management_devices(host: dict) -> set[str]:
    """The vmknic vCenter uses; when the facts do not know it, every management-tagged vmknic on
    the default stack is treated as the management vmknic (the safe assumption)."""
    devices = {n["device"] for n in host.get("vmknics") or ()}
    named = (host.get("management") or {}).get("vmknic")
    if named:
        return {named} & devices
    return {n["device"] for n in host.get("vmknics") or ()
            if "management" in (n.get("services") or ()) and stack_of(n) == DEFAULT_STACK}


def lowest_free_device(devices: set[str]) -> str:
    """ESXi gives a new vmknic the lowest unused vmkN number (the executor maps the real name)."""
    numbers = {vmk_number(d) for d in devices}
    number = 0
    while number in numbers:
        number += 1
    return f"vmk{number}"


def make_operation(op: str, host: str, description: str, **args: Any) -> dict:
    return {"op": op, "host": host, **args, "description": description}


def standard_portgroups(host: dict) -> dict:
    return {(pg["switch"], pg["name"]): pg for pg in host.get("portgroups") or ()
            if pg.get("switch_type", "standard") == "standard"}
