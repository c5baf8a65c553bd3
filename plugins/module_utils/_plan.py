# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation planner: from vmknic facts and declared intent to an exact list of vSphere operations.

Pure Python on plain data (docs/facts.md in, docs/remediation.md out); no pyVmomi, no Ansible.

- ``plan(hosts, intent)``: the operations that make every host match the intent, or PlanError
  listing every refusal. ``build_plan`` returns the same document with the refusals inside.
- ``reconcile(current, target)``: the generic diff between two states of one host, in safe order.
  Forward plans are ``reconcile(facts, target)``; rollback is ``reconcile(read_back, before)``.
- ``simulate(host, operations)``: the predicted state after the operations (check mode, and what the
  executor compares its read-back with, see ``state_differences``).
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils._gc import cyclic_gc_paused
from ansible_collections.vmkernel.multihoming.plugins.module_utils._names import DEFAULT_STACK, system_owner, vmk_sort_key
from ._intent import (
    IMPLIED_SERVICES, SYSTEM_STACKS, Addressing, ClassIntent, Intent, IntentError, class_addressings, parse_intent,
)

from ._analysis import analyse as _analyse

__all__ = [
    "OPERATIONS", "PlanError", "SimulationError", "build_plan", "explicit_teaming", "find_portgroup", "management_devices", "management_problems", "plan",
    "projection", "reconcile", "simulate", "state_differences", "switch_uplinks", "vcenter_path_problems",
]

OPERATIONS = (
    "UpdateSoftwareInternetScsiEnabled", "AddPortGroup", "UpdatePortGroup", "RemovePortGroup",
    "UnbindVnic", "DeselectVnicForNicType", "RemoveVirtualNic", "AddVirtualNic", "UpdateVirtualNic",
    "SelectVnicForNicType", "BindVnic", "RescanHba",
)
# Services SelectVnicForNicType cannot set: vSAN tags go through HostVsanSystem.UpdateVsan_Task.
VSAN_SERVICES = frozenset({"vsan", "vsanWitness"})
# Placeholder adapter name while software iSCSI is still disabled (the adapter appears on enable).
SOFTWARE_ADAPTER = "software"
_VMK_RE = re.compile(r"^(\D*)(\d+)$")
_ADDRESS_TYPES = {"ipv4": ipaddress.IPv4Address, "ipv6": ipaddress.IPv6Address}


class PlanError(Exception):
    """The intent cannot be applied safely. ``problems``: every reason, one sentence each;
    ``plan``: the would-be plan document (for reporting only, never to execute), if one was built."""

    def __init__(self, problems: list[str], plan: Optional[dict] = None):
        super().__init__("remediation refused: " + "; ".join(problems))
        self.problems = list(problems)
        self.plan = plan


class SimulationError(PlanError):
    """An operation does not apply to the state it is simulated on (a planner or executor bug)."""


# =========================================================================== small helpers


def _vmk_number(device: Optional[str]) -> int:
    match = _VMK_RE.match(device or "")
    return int(match.group(2)) if match else -1


def _stack_of(nic: dict) -> str:
    return nic.get("stack") or DEFAULT_STACK


def _is_system_owned(nic: dict) -> bool:
    return system_owner(nic) is not None


def _pg_id(nic_or_pg: dict) -> tuple:
    return (nic_or_pg.get("switch"), nic_or_pg.get("portgroup", nic_or_pg.get("name")))


def _ipv4_static(address: str, network: ipaddress.IPv4Network) -> dict:
    return {"address": str(address), "netmask": str(network.netmask), "prefix_length": network.prefixlen,
            "network": str(network), "dhcp": False}


def _ipv4_dhcp() -> dict:
    return {"address": None, "netmask": None, "prefix_length": None, "network": None, "dhcp": True}


def _copy_data(value: Any) -> Any:
    """A deep copy of facts-model data (dicts, lists, tuples of strings, numbers, booleans, None),
    several times faster than copy.deepcopy, which the planner otherwise spends most of its time in.
    Anything else is handed to copy.deepcopy."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_data(item) for key, item in value.items()}
    if kind is list:
        return [_copy_data(item) for item in value]
    if kind is tuple:
        return tuple(_copy_data(item) for item in value)
    if value is None or kind in _IMMUTABLE_TYPES:
        return value
    return copy.deepcopy(value)


_IMMUTABLE_TYPES = frozenset({str, int, float, bool})


@functools.lru_cache(maxsize=1 << 16)
def _parse_ipv4_interface(address: str, prefix: Any) -> Optional[ipaddress.IPv4Interface]:
    """Each address/prefix pair is parsed once per process (the planner compares the same addresses
    many times; IPv4Interface is immutable, so sharing the parsed value is safe)."""
    try:
        return ipaddress.IPv4Interface(f"{address}/{prefix}")
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _parse_ip_address(text: str) -> Optional[Any]:
    """ipaddress.ip_address(text), parsed once per process; None when it is not an address."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _ipv6_int(text: str) -> int:
    """int(ipaddress.IPv6Address(text)), parsed once per process (raises ValueError as it does)."""
    return int(ipaddress.IPv6Address(text))


def _ipv4_interface(ipv4: Optional[dict]) -> Optional[ipaddress.IPv4Interface]:
    if not ipv4 or not ipv4.get("address"):
        return None
    prefix = ipv4.get("prefix_length")
    if prefix is None:
        prefix = ipv4.get("netmask")
    return _parse_ipv4_interface(ipv4["address"], prefix) if prefix is not None else None


def _ipv4_text(ipv4: Optional[dict]) -> str:
    if not ipv4:
        return "no IPv4"
    if ipv4.get("dhcp"):
        return "DHCP"
    iface = _ipv4_interface(ipv4)
    return str(iface) if iface else "no IPv4 address"


def _ipv4_equal(a: Optional[dict], b: Optional[dict]) -> bool:
    """Same configuration: both DHCP (whatever the lease), or the same static address and prefix."""
    if not a or not b:
        return not a and not b
    if a.get("dhcp") or b.get("dhcp"):
        return bool(a.get("dhcp")) == bool(b.get("dhcp"))
    return _ipv4_interface(a) == _ipv4_interface(b)


def _ipv4_arg(ipv4: dict) -> dict:
    """The operation form of an IPv4 config: ``{dhcp: true}`` or ``{address, netmask}``."""
    if ipv4.get("dhcp"):
        return {"dhcp": True}
    iface = _ipv4_interface(ipv4)
    return {"address": str(iface.ip), "netmask": str(iface.netmask)}


def _ipv4_from_arg(arg: dict) -> dict:
    if arg.get("dhcp"):
        return _ipv4_dhcp()
    iface = ipaddress.IPv4Interface(f"{arg['address']}/{arg['netmask']}")
    return _ipv4_static(str(iface.ip), iface.network)


# IPv6 address origins that come and go with autoconfiguration (SLAAC, privacy) and with DHCPv6.
_AUTOCONF_ORIGINS = frozenset({"linklayer", "random"})
_DHCP_ORIGINS = frozenset({"dhcp"})


def _manual_ipv6(nic: dict) -> list[str]:
    """The vmknic's manual (configured) IPv6 addresses as sorted 'address/prefix' strings."""
    return sorted(f"{a['address']}/{a['prefix_length']}" for a in (nic.get("ipv6") or {}).get("addresses") or ()
                  if a.get("origin") == "manual")


def _ipv6_settings(nic: dict) -> tuple[bool, bool, tuple[str, ...]]:
    """What is configured about a vmknic's IPv6: (autoconf, dhcp, manual addresses)."""
    ipv6 = nic.get("ipv6") or {}
    return bool(ipv6.get("autoconf")), bool(ipv6.get("dhcp")), tuple(_manual_ipv6(nic))


def _ipv6_address(text: str) -> dict:
    iface = ipaddress.IPv6Interface(text)
    return {"address": str(iface.ip), "prefix_length": iface.network.prefixlen, "network": str(iface.network),
            "origin": "manual", "link_local": iface.ip.is_link_local, "dad_state": "preferred"}


def _configure_ipv6(nic: dict, autoconf: bool, dhcp: bool, manual: Iterable[str]) -> None:
    """Give ``nic`` these IPv6 settings, as ESXi will show them: addresses that autoconfiguration
    gave go when it is turned off; a DHCPv6 address goes once neither DHCPv6 nor autoconfiguration
    is on (a router advertisement with the M flag gives one to a vmknic that only listens to router
    advertisements). New ones cannot be predicted when either is turned on."""
    ipv6 = nic.get("ipv6") or {}
    wanted = {_ipv6_address(text)["address"]: _ipv6_address(text) for text in manual}
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


def _ipv6_arg(current: dict, target: dict) -> dict:
    """The operation form of an IPv6 change: both flags, and the manual addresses to add and remove."""
    autoconf, dhcp, wanted = _ipv6_settings(target)
    have = _manual_ipv6(current)
    return {"autoconf": autoconf, "dhcp": dhcp, "add": [a for a in wanted if a not in have],
            "remove": [a for a in have if a not in wanted]}


def _ipv6_text(nic: dict) -> str:
    autoconf, dhcp, manual = _ipv6_settings(nic)
    return (f"IPv6 autoconf {'on' if autoconf else 'off'}, DHCPv6 {'on' if dhcp else 'off'}, "
            f"manual {', '.join(manual) or 'none'}")


def _teaming_arg(teaming: Optional[dict]) -> dict:
    teaming = teaming or {}
    return {"active": list(teaming.get("active") or ()), "standby": list(teaming.get("standby") or ())}


def _bound_adapters(nic: dict) -> list[str]:
    return sorted({b.get("adapter") for b in nic.get("iscsi_bindings") or () if b.get("adapter")})


def _selectable_services(nic: dict) -> set[str]:
    """Services set by SelectVnicForNicType: only on the default stack (the dedicated stacks imply
    their traffic, and tags cannot be enabled on any other stack)."""
    return set(nic.get("services") or ()) if _stack_of(nic) == DEFAULT_STACK else set()


def management_devices(host: dict) -> set[str]:
    """The vmknic vCenter uses; when the facts do not know it, every management-tagged vmknic on
    the default stack is treated as the management vmknic (the safe assumption)."""
    devices = {n["device"] for n in host.get("vmknics") or ()}
    named = (host.get("management") or {}).get("vmknic")
    if named:
        return {named} & devices
    return {n["device"] for n in host.get("vmknics") or ()
            if "management" in (n.get("services") or ()) and _stack_of(n) == DEFAULT_STACK}


def management_problems(host: dict, operations: list[dict], allow: bool, subject: str) -> list[str]:
    """Why ``operations`` must not run on ``host`` because of the vmknic vCenter uses (its own
    operations, or its port group's), as sentences starting with ``subject`` ("the plan") where
    one is needed; empty when they may."""
    mgmt = management_devices(host)
    mgmt_pgs = {(n.get("switch"), n.get("portgroup")) for n in host.get("vmknics") or () if n["device"] in mgmt}
    touching = [op for op in operations
                if op.get("device") in mgmt
                or (op["op"] in ("UpdatePortGroup", "RemovePortGroup") and (op["switch"], op["name"]) in mgmt_pgs)]
    if not touching:
        return []
    devices = ", ".join(sorted(mgmt, key=vmk_sort_key))
    problems = []
    if not allow:
        problems.append(f"{subject} changes {devices}, the vmknic vCenter uses to manage the host ("
                        + "; ".join(op["description"] for op in touching) + "); set allow_management_change: true to allow it")
    management = host.get("management") or {}
    if management.get("source") == "name" and any(op["op"] == "UpdateVirtualNic" and "ipv4" in op for op in touching):
        problems.append(f"vCenter reaches the host by its IP address {management.get('address')}; re-addressing {devices} "
                        "would disconnect it (network rollback reverts the change); register the host by DNS name first")
    return problems


def _owner_towards(state: dict, address: ipaddress._BaseAddress) -> tuple[Optional[str], bool]:
    """The default-stack vmknic the host sends to ``address`` through, and whether through the
    gateway: the owner (first listed device) of the longest connected route holding it, else the
    owner of the connected route to the default gateway."""
    stack = next((s for s in state.get("stacks") or () if s.get("key") == DEFAULT_STACK), None) or {}
    best: tuple[int, Optional[str]] = (-1, None)
    for route in stack.get("routes") or ():
        if not route.get("connected") or not route.get("device") or route.get("family") != f"ipv{address.version}":
            continue
        network = ipaddress.ip_network(route["network"], strict=False)
        if address in network and network.prefixlen > best[0]:
            best = (network.prefixlen, route["device"])
    if best[1] is not None:
        return best[1], False
    gateway = stack.get("default_gateway" if address.version == 4 else "ipv6_default_gateway")
    if gateway and ipaddress.ip_address(gateway) != address:
        return _owner_towards(state, ipaddress.ip_address(gateway))[0], True
    return None, False


def _vcenter_path(state: dict) -> tuple[Optional[tuple], str]:
    """vCenter's path to the host in ``state`` (tests/lab/README.md, "vCenter's path"): vCenter
    connects to the management address; the host answers through the vmknic owning the route to
    vCenter. Returns (signature, "") while the path holds, (None, why) when it is cut."""
    management = state.get("management") or {}
    by_device = {n["device"]: n for n in state.get("vmknics") or ()}
    mgmt = by_device.get(management.get("vmknic"))
    held = {(mgmt or {}).get("ipv4", {}).get("address") if mgmt and mgmt.get("ipv4") else None}
    held |= {a.get("address") for a in ((mgmt or {}).get("ipv6") or {}).get("addresses") or ()}
    if mgmt is None or management.get("address") not in held:
        return None, f"no vmknic would hold {management.get('address')}, the address vCenter connects to"
    device, routed = _owner_towards(state, ipaddress.ip_address(state["vcenter_address"]))
    egress = by_device.get(device)
    if egress is None:
        return None, f"no vmknic would have a route to vCenter at {state['vcenter_address']}"
    linked = {p["device"] for p in state.get("pnics") or () if p.get("link")}
    known = {p["device"] for p in state.get("pnics") or ()}
    legs = []
    for nic in (mgmt, egress):
        pg = find_portgroup(state, nic.get("portgroup"), nic.get("switch")) or {}
        team = pg.get("teaming") or {}
        uplinks = list(team.get("active") or ()) + list(team.get("standby") or ())
        if pg and uplinks and not any(u in linked or u not in known for u in uplinks):
            return None, f"port group {pg.get('name')} of {nic['device']} would have no uplink with link ({', '.join(uplinks)})"
        legs.append((nic.get("switch"), pg.get("vlan")))
    return (mgmt["device"], routed, *legs), ""


def vcenter_path_problems(host: dict, operations: list[dict], subject: str) -> list[str]:
    """Why ``operations`` would make vCenter roll back (network rollback, ESXI-NETWORKING.md 4.1):
    an operation after which vCenter's path to the host is cut, or reaches it over another VLAN,
    switch or through the gateway instead of directly (re-addressing, moving or removing the vmknic
    that owns the route to vCenter, a VLAN change under it, teaming onto pNICs without link). Each
    operation is its own call, so every step counts. Empty when vCenter's address or the
    management vmknic is unknown, or the path was not whole before."""
    if not host.get("vcenter_address") or not (host.get("management") or {}).get("vmknic"):
        return []
    before = _vcenter_path(host)[0]
    if before is None:
        return []
    state = simulate(host, [])
    for step, op in enumerate(operations, 1):
        _SIMULATORS[op["op"]](state, op)
        after, why = _vcenter_path(state)
        if after == before:
            continue
        if after is not None:
            device, routed = _owner_towards(state, ipaddress.ip_address(host["vcenter_address"]))
            why = (f"the host would answer vCenter at {host['vcenter_address']} through {device}"
                   f"{' via the gateway' if routed else ''} on another switch or VLAN")
        return [f"{subject} would cut vCenter's path to host {host.get('name')} at step {step} ({op['description']}): "
                f"{why}; vCenter rolls such a change back (NetworkDisruptedAndConfigRolledBack)"]
    return []


def unbind_problems(host: dict, operations: list[dict]) -> list[str]:
    """Unbinding without force that ESXi refuses: a bound port with active paths
    (IscsiFaultVnicHasActivePaths) or the last active path to the storage (IscsiFaultVnicIsLastPath;
    path states ESXI-NETWORKING.md 2.5)."""
    status = {(n["device"], b.get("adapter")): b.get("path_status") for n in host.get("vmknics") or ()
              for b in n.get("iscsi_bindings") or ()}
    problems = []
    for op in operations:
        if op["op"] != "UnbindVnic" or op.get("force"):
            continue
        path = status.get((op["device"], op["adapter"]))
        if path == "lastActive":
            problems.append(f"the plan unbinds {op['device']} from {op['adapter']}, which carries the last active path "
                            "to its storage (path status lastActive); ESXi refuses that without force and the host would "
                            "lose the storage: move the storage paths first")
        elif path == "active":
            problems.append(f"the plan unbinds {op['device']} from {op['adapter']}, which has active paths (path status "
                            "active); ESXi refuses that without force: unbind it first with iscsi_port_binding "
                            "(force: true), its paths then fail over to the other bound vmknics")
    return problems


def _lowest_free_device(devices: set[str]) -> str:
    """ESXi gives a new vmknic the lowest unused vmkN number (the executor maps the real name)."""
    numbers = {_vmk_number(d) for d in devices}
    number = 0
    while number in numbers:
        number += 1
    return f"vmk{number}"


def _op(op: str, host: str, description: str, **args: Any) -> dict:
    return {"op": op, "host": host, **args, "description": description}


def _standard_portgroups(host: dict) -> dict:
    return {(pg["switch"], pg["name"]): pg for pg in host.get("portgroups") or ()
            if pg.get("switch_type", "standard") == "standard"}


# =========================================================================== reconcile


@dataclass
class _Group:
    """The operations of one vmknic (matched current/target pair, or a removal, or an addition)."""

    current: Optional[dict]
    target: Optional[dict]
    management: bool

    @property
    def order_key(self) -> tuple:
        nic = self.current or self.target
        return (self.management, self.current is None, vmk_sort_key(nic["device"]))

    def vacates(self) -> set:
        """Port group slots and addresses this group gives up (others may need them first)."""
        if self.current is None:
            return set()
        result = set()
        moves = self.target is None or _pg_id(self.current) != _pg_id(self.target) \
            or _stack_of(self.current) != _stack_of(self.target)
        if moves:
            result.add(("pg",) + _pg_id(self.current))
        return result | (_held_addresses(self.current) - _held_addresses(self.target))

    def enters(self) -> set:
        if self.target is None:
            return set()
        result = set()
        if self.current is None or _pg_id(self.current) != _pg_id(self.target):
            result.add(("pg",) + _pg_id(self.target))
        return result | (_held_addresses(self.target) - _held_addresses(self.current))


def _held_addresses(nic: Optional[dict]) -> set:
    """The addresses a vmknic holds that no other vmknic may hold at the same time."""
    if nic is None:
        return set()
    iface = _ipv4_interface(nic.get("ipv4"))
    result = {("ip", str(iface.ip))} if iface is not None else set()
    return result | {("ip", text.split("/")[0]) for text in _manual_ipv6(nic)}


def _match_vmknics(current: dict, target: dict) -> tuple[list, list, list]:
    """Pairs (current, target) by device, then by port group for vmknics re-created under another
    name; the rest are removals and additions. System-owned vmknics are never touched."""
    cur = {n["device"]: n for n in current.get("vmknics") or () if not _is_system_owned(n)}
    tgt = {n["device"]: n for n in target.get("vmknics") or () if not _is_system_owned(n)}
    pairs = [(cur[d], tgt[d]) for d in sorted(set(cur) & set(tgt), key=vmk_sort_key)]
    rest_cur = {d: cur[d] for d in cur if d not in tgt}
    rest_tgt = {d: tgt[d] for d in tgt if d not in cur}
    by_pg: dict = {}
    for device, nic in rest_tgt.items():
        by_pg.setdefault(_pg_id(nic), []).append(device)
    for device in sorted(rest_cur, key=vmk_sort_key):
        candidates = by_pg.get(_pg_id(rest_cur[device])) or []
        if len(candidates) == 1:
            other = candidates.pop()
            pairs.append((rest_cur.pop(device), rest_tgt.pop(other)))
    removed = [rest_cur[d] for d in sorted(rest_cur, key=vmk_sort_key)]
    added = [rest_tgt[d] for d in sorted(rest_tgt, key=vmk_sort_key)]
    return pairs, removed, added


def _order_groups(groups: list[_Group], host: str) -> list[_Group]:
    """Management last, vmk order otherwise, except that a vmknic taking a port group or address
    another vmknic gives up goes after it (Kahn's algorithm; a cycle is a swap we refuse)."""
    pending = sorted(groups, key=lambda g: g.order_key)
    vacates = [g.vacates() for g in pending]
    enters = [g.enters() for g in pending]
    deps = {i: {j for j in range(len(pending)) if j != i and enters[i] & vacates[j]}
            for i in range(len(pending))}
    ordered: list[_Group] = []
    done: set[int] = set()
    while len(done) < len(pending):
        ready = [i for i in range(len(pending)) if i not in done and deps[i] <= done]
        if not ready:
            stuck = [(pending[i].current or pending[i].target)["device"] for i in range(len(pending)) if i not in done]
            raise PlanError([f"host {host}: {', '.join(stuck)} swap port groups or addresses with each other; "
                             "no order of operations keeps them unique, change them in two runs"])
        done.add(ready[0])
        ordered.append(pending[ready[0]])
    return ordered


def _check_services_supported(nic: dict, services: Iterable[str], host: str) -> None:
    vsan = sorted(set(services) & VSAN_SERVICES)
    if vsan:
        raise PlanError([f"host {host}: {nic['device']} would need {', '.join(vsan)} changed, which is done with "
                         "HostVsanSystem.UpdateVsan_Task, not by this planner"])


class _Reconciler:
    """Builds the operations of one host; ``devices`` tracks vmk names as operations add/remove."""

    def __init__(self, current: dict, target: dict):
        self.current = current
        self.target = target
        self.host = current.get("name") or target.get("name") or ""
        self.devices = {n["device"] for n in current.get("vmknics") or ()}
        self.adapters_changed: list[str] = []

    def op(self, op: str, description: str, **args: Any) -> dict:
        return _op(op, self.host, description, **args)

    # ----------------------------------------------------------------- per vmknic

    def group_ops(self, group: _Group) -> list[dict]:
        cur, tgt = group.current, group.target
        if tgt is None:
            return self.teardown(cur, "remove it")
        if cur is None:
            return self.build(tgt, None)
        if _stack_of(cur) != _stack_of(tgt):
            return self.teardown(cur, f"re-create it on stack {_stack_of(tgt)}") + self.build(tgt, cur)
        return self.update(cur, tgt)

    def teardown(self, cur: dict, why: str) -> list[dict]:
        device = cur["device"]
        ops = [self.unbind(device, adapter) for adapter in _bound_adapters(cur)]
        _check_services_supported(cur, _selectable_services(cur), self.host)
        ops += [self.op("DeselectVnicForNicType", f"{device}: stop {service} before removing it",
                        nic_type=service, device=device)
                for service in sorted(_selectable_services(cur))]
        ops.append(self.op("RemoveVirtualNic", f"{device}: remove ({why})", device=device))
        self.devices.discard(device)
        return ops

    def build(self, tgt: dict, replaces: Optional[dict]) -> list[dict]:
        device = _lowest_free_device(self.devices)
        self.devices.add(device)
        ipv4 = tgt.get("ipv4") or (replaces or {}).get("ipv4")
        if not ipv4:
            raise PlanError([f"host {self.host}: {tgt['device']} has no IPv4 configuration to create it with"])
        was = f" (re-creates {replaces['device']} from stack {_stack_of(replaces)})" if replaces else ""
        ops = [self.op(
            "AddVirtualNic",
            f"{device}: create on port group {tgt.get('portgroup')}, stack {_stack_of(tgt)}, "
            f"{_ipv4_text(ipv4)}, MTU {tgt.get('mtu')}{was}",
            device=device, portgroup=tgt.get("portgroup"), switch=tgt.get("switch"), stack=_stack_of(tgt),
            ipv4=_ipv4_arg(ipv4), mtu=tgt.get("mtu"), gateway_override=copy.deepcopy(tgt.get("gateway_override")),
            mac=tgt.get("mac"), ipv6=copy.deepcopy(tgt.get("ipv6")), **self.distributed_port(tgt),
        )]
        _check_services_supported(tgt, _selectable_services(tgt), self.host)
        ops += [self.op("SelectVnicForNicType", f"{device}: enable {service}", nic_type=service, device=device)
                for service in sorted(_selectable_services(tgt))]
        ops += [self.bind(device, adapter) for adapter in _bound_adapters(tgt)]
        return ops

    def distributed_port(self, tgt: dict) -> dict:
        """``dvs`` of an AddVirtualNic on a distributed switch: AddVirtualNic takes the switch UUID
        and dvPortgroup key there (ESXI-NETWORKING.md 2.6), never a port group name."""
        if tgt.get("switch_type") != "distributed":
            return {}
        dvs = tgt.get("dvs") or {}
        if not dvs.get("switch_uuid") or not dvs.get("portgroup_key"):
            raise PlanError([f"host {self.host}: {tgt['device']} is on distributed switch {tgt.get('switch')} but its "
                             "switch UUID or dvPortgroup key is unknown; it cannot be re-created"])
        return {"dvs": {"switch_uuid": dvs["switch_uuid"], "portgroup_key": dvs["portgroup_key"]}}

    def update(self, cur: dict, tgt: dict) -> list[dict]:
        device = cur["device"]
        ops = [self.unbind(device, a) for a in _bound_adapters(cur) if a not in _bound_adapters(tgt)]
        dropped = _selectable_services(cur) - _selectable_services(tgt)
        added = _selectable_services(tgt) - _selectable_services(cur)
        _check_services_supported(cur, dropped | added, self.host)
        ops += [self.op("DeselectVnicForNicType", f"{device}: disable {s}", nic_type=s, device=device)
                for s in sorted(dropped)]
        args: dict[str, Any] = {}
        said: list[str] = []
        if not _ipv4_equal(cur.get("ipv4"), tgt.get("ipv4")) and tgt.get("ipv4"):
            args["ipv4"] = _ipv4_arg(tgt["ipv4"])
            said.append(f"IPv4 {_ipv4_text(tgt['ipv4'])} (was {_ipv4_text(cur.get('ipv4'))})")
        if _ipv6_settings(cur) != _ipv6_settings(tgt):
            args["ipv6"] = _ipv6_arg(cur, tgt)
            said.append(f"{_ipv6_text(tgt)} (was {_ipv6_text(cur)})")
        if tgt.get("mtu") != cur.get("mtu") and tgt.get("mtu") is not None:
            args["mtu"] = tgt["mtu"]
            said.append(f"MTU {tgt['mtu']} (was {cur.get('mtu')})")
        if (tgt.get("gateway_override") or None) != (cur.get("gateway_override") or None):
            args["gateway_override"] = copy.deepcopy(tgt.get("gateway_override"))
            gateway = (tgt.get("gateway_override") or {}).get("ipv4")
            said.append(f"gateway override {gateway}" if gateway else "no IPv4 gateway override")
        if _pg_id(cur) != _pg_id(tgt):
            args["portgroup"] = tgt.get("portgroup")
            args["switch"] = tgt.get("switch")
            said.append(f"port group {tgt.get('portgroup')} on {tgt.get('switch')} (was {cur.get('portgroup')})")
        if args:
            ops.append(self.op("UpdateVirtualNic", f"{device}: set " + ", ".join(said), device=device, **args))
        ops += [self.op("SelectVnicForNicType", f"{device}: enable {s}", nic_type=s, device=device)
                for s in sorted(added)]
        ops += [self.bind(device, a) for a in _bound_adapters(tgt) if a not in _bound_adapters(cur)]
        return ops

    def bind(self, device: str, adapter: str) -> dict:
        self.adapters_changed.append(adapter)
        return self.op("BindVnic", f"{device}: bind to iSCSI adapter {adapter}", adapter=adapter, device=device)

    def unbind(self, device: str, adapter: str) -> dict:
        self.adapters_changed.append(adapter)
        return self.op("UnbindVnic", f"{device}: unbind from iSCSI adapter {adapter}", adapter=adapter,
                       device=device, force=False)

    def rescans(self) -> list[dict]:
        adapters = sorted(set(self.adapters_changed))
        self.adapters_changed = []
        return [self.op("RescanHba", f"rescan {a} after binding changes", adapter=a) for a in adapters]

    # ----------------------------------------------------------------- port groups and host-level

    def portgroup_ops(self, management_pgs: set) -> tuple[list[dict], list[dict], list[dict]]:
        """(ops before the vmknics, ops just before the management vmknic, removals at the end)."""
        cur, tgt = _standard_portgroups(self.current), _standard_portgroups(self.target)
        early, late, removals = [], [], []
        for key in sorted(tgt):
            pg = tgt[key]
            if key not in cur:
                early.append(self.op(
                    "AddPortGroup", f"create port group {pg['name']} on {pg['switch']} (VLAN {pg.get('vlan')})",
                    name=pg["name"], switch=pg["switch"], vlan=pg.get("vlan") or 0,
                    teaming=_teaming_arg(pg.get("teaming"))))
                continue
            old = cur[key]
            team_changed = _teaming_arg(old.get("teaming")) != _teaming_arg(pg.get("teaming"))
            if old.get("vlan") == pg.get("vlan") and not team_changed:
                continue
            said = []
            if old.get("vlan") != pg.get("vlan"):
                said.append(f"VLAN {pg.get('vlan')} (was {old.get('vlan')})")
            if team_changed:
                t = _teaming_arg(pg.get("teaming"))
                said.append(f"active {', '.join(t['active']) or '-'} standby {', '.join(t['standby']) or '-'}")
            op = self.op("UpdatePortGroup", f"port group {pg['name']} on {pg['switch']}: " + ", ".join(said),
                         name=pg["name"], switch=pg["switch"], vlan=pg.get("vlan") or 0,
                         teaming=_teaming_arg(pg.get("teaming")) if team_changed else None)
            (late if key in management_pgs else early).append(op)
        for key in sorted(set(cur) - set(tgt)):
            removals.append(self.op("RemovePortGroup", f"remove port group {key[1]} from {key[0]}",
                                    name=key[1], switch=key[0]))
        return early, late, removals

    def run(self) -> list[dict]:
        pairs, removed, added = _match_vmknics(self.current, self.target)
        mgmt = management_devices(self.current)
        groups = [_Group(c, t, c["device"] in mgmt) for c, t in pairs]
        groups += [_Group(c, None, c["device"] in mgmt) for c in removed]
        groups += [_Group(None, t, False) for t in added]
        mgmt_pgs = {_pg_id(n) for g in groups if g.management for n in (g.current, g.target) if n}
        early, late, removals = self.portgroup_ops(mgmt_pgs)

        ops: list[dict] = []
        cur_sw, tgt_sw = self.current.get("software_iscsi_enabled"), self.target.get("software_iscsi_enabled")
        if tgt_sw is True and cur_sw is not True:
            ops.append(self.op("UpdateSoftwareInternetScsiEnabled", "enable the software iSCSI adapter",
                               enabled=True))
        ops += early
        ordered = _order_groups([g for g in groups if self._changes(g)], self.host)
        management_started = False
        for group in ordered:
            if group.management and not management_started:
                management_started = True
                ops += self.rescans() + late
                late = []
            ops += self.group_ops(group)
        ops += self.rescans() + late + removals
        if tgt_sw is False and cur_sw is True:
            ops.append(self.op("UpdateSoftwareInternetScsiEnabled", "disable the software iSCSI adapter",
                               enabled=False))
        return ops

    @staticmethod
    def _changes(group: _Group) -> bool:
        cur, tgt = group.current, group.target
        if cur is None or tgt is None:
            return True
        return (
            _stack_of(cur) != _stack_of(tgt) or _pg_id(cur) != _pg_id(tgt)
            or (not _ipv4_equal(cur.get("ipv4"), tgt.get("ipv4")) and bool(tgt.get("ipv4")))
            or _ipv6_settings(cur) != _ipv6_settings(tgt)
            or (tgt.get("mtu") is not None and tgt.get("mtu") != cur.get("mtu"))
            or (tgt.get("gateway_override") or None) != (cur.get("gateway_override") or None)
            or _selectable_services(cur) != _selectable_services(tgt)
            or _bound_adapters(cur) != _bound_adapters(tgt)
        )


def reconcile(current_host: dict, target_host: dict) -> list[dict]:
    """The operations, in safe order, that turn ``current_host`` into ``target_host`` (both in the
    facts model). Vmknics are matched by device, then by port group; standard port groups by
    (switch, name). Distributed port groups, stacks, routes and system-owned vmknics are never
    changed. Raises PlanError when a difference cannot be made safely by this planner."""
    return _Reconciler(current_host, target_host).run()


# =========================================================================== simulate


def _find_nic(state: dict, device: str, op: dict) -> dict:
    for nic in state.get("vmknics") or ():
        if nic["device"] == device:
            return nic
    raise SimulationError([f"{op['op']}: host {state.get('name')} has no vmknic {device}"])


def find_portgroup(state: dict, name: Optional[str], switch: Optional[str]) -> Optional[dict]:
    """The port group ``name`` (on ``switch`` when given)."""
    for pg in state.get("portgroups") or ():
        if pg["name"] == name and (switch is None or pg["switch"] == switch):
            return pg
    return None


def switch_uplinks(state: dict, switch: str) -> set[str]:
    uplinks: set[str] = set()
    for pg in state.get("portgroups") or ():
        if pg["switch"] == switch:
            team = pg.get("teaming") or {}
            for role in ("active", "standby", "unused"):
                uplinks.update(team.get(role) or ())
    return uplinks


def explicit_teaming(state: dict, switch: str, active: Iterable[str], standby: Iterable[str] = ()) -> dict:
    """The facts' teaming of a port group with this explicit failover order: every other uplink of
    the vSwitch is unused."""
    active, standby = list(active), list(standby)
    return {"active": active, "standby": standby,
            "unused": sorted(switch_uplinks(state, switch) - set(active) - set(standby))}


def _predicted_compliance(state: dict, nic: dict) -> tuple[bool, list[str]]:
    """What ESXi will report for a binding made now: one active uplink and no standby is compliant."""
    pg = find_portgroup(state, nic.get("portgroup"), nic.get("switch"))
    team = (pg or {}).get("teaming") or {}
    active, standby = team.get("active") or [], team.get("standby") or []
    if not active:
        return False, ["IscsiFaultVnicHasNoUplinks"]
    if len(active) > 1 or standby:
        return False, ["IscsiFaultVnicHasMultipleUplinks"]
    return True, []


def _refresh_bindings(state: dict, nic: dict) -> None:
    for binding in nic.get("iscsi_bindings") or ():
        binding["compliant"], binding["compliance_reasons"] = _predicted_compliance(state, nic)


def _sole_active(pg: dict) -> Optional[str]:
    active = (pg.get("teaming") or {}).get("active") or []
    return active[0] if len(active) == 1 else None


def _mark_wrong_uplink(nic: dict, bound_uplink: Optional[str], new_uplink: Optional[str]) -> None:
    """A binding is associated with the single active uplink it was made with: changing that uplink
    makes it non-compliant until it is rebound (vSphere 6.5 Storage, "iSCSI network troubleshooting")."""
    if bound_uplink is None or new_uplink is None or bound_uplink == new_uplink:
        return
    for binding in nic.get("iscsi_bindings") or ():
        if binding.get("compliant") is not False:
            binding["compliant"], binding["compliance_reasons"] = False, ["IscsiFaultVnicHasWrongUplink"]


def _stack(state: dict, key: str) -> dict:
    for stack in state.setdefault("stacks", []):
        if stack["key"] == key:
            return stack
    stack = {"key": key, "name": key, "default_gateway": None, "ipv6_default_gateway": None, "routes": []}
    state["stacks"].append(stack)
    return stack


def _drop_connected_routes(state: dict, device: str, families: tuple[str, ...] = ("ipv4", "ipv6")) -> None:
    for stack in state.get("stacks") or ():
        stack["routes"] = [r for r in stack.get("routes") or ()
                           if not (r.get("device") == device and r.get("connected") and r.get("family") in families)]


def _add_connected_routes(state: dict, nic: dict, families: tuple[str, ...] = ("ipv4", "ipv6")) -> None:
    """New connected routes go after the existing ones: an older vmknic keeps owning a shared subnet."""
    routes = _stack(state, _stack_of(nic))["routes"]
    if "ipv4" in families and (nic.get("ipv4") or {}).get("network"):
        routes.append({"family": "ipv4", "network": nic["ipv4"]["network"], "gateway": "0.0.0.0",
                       "device": nic["device"], "connected": True})
    if "ipv6" in families:
        for addr in (nic.get("ipv6") or {}).get("addresses") or ():
            if addr.get("network") and not addr.get("link_local"):
                routes.append({"family": "ipv6", "network": addr["network"], "gateway": "::",
                               "device": nic["device"], "connected": True})


def _place_nic(state: dict, nic: dict, portgroup: Optional[str], switch: Optional[str], op: dict) -> None:
    """Attach ``nic`` to a port group, enforcing one vmknic per standard port group."""
    pg = find_portgroup(state, portgroup, switch)
    if pg is None:
        raise SimulationError([f"{op['op']}: host {state.get('name')} has no port group {portgroup} on {switch}"])
    if pg.get("switch_type", "standard") == "standard":
        for other in state.get("vmknics") or ():
            if other is not nic and (other.get("portgroup"), other.get("switch")) == (pg["name"], pg["switch"]):
                raise SimulationError([f"{op['op']}: port group {portgroup} on {switch} of host "
                                       f"{state.get('name')} already holds {other['device']}"])
    nic["portgroup"], nic["switch"] = pg["name"], pg["switch"]
    nic["switch_type"] = pg.get("switch_type", "standard")
    if nic["switch_type"] == "distributed":
        uuid = (nic.get("dvs") or {}).get("switch_uuid") or state.get("_dvs_uuids", {}).get(pg["switch"])
        nic["dvs"] = {"switch_uuid": uuid, "portgroup_key": pg.get("key"), "port_key": None}
    else:
        nic["dvs"] = None


def _sim_enable_software_iscsi(state: dict, op: dict) -> None:
    state["software_iscsi_enabled"] = bool(op["enabled"])
    software = [a for a in state.setdefault("iscsi_adapters", []) if a.get("software")]
    if op["enabled"]:
        if not software:
            state["iscsi_adapters"].append({"device": SOFTWARE_ADAPTER, "software": True,
                                            "binding_support": "optional", "bound_vmknics": []})
        for adapter in software:
            if adapter.get("bound_vmknics") is None:
                adapter["bound_vmknics"] = []
        return
    for adapter in software:
        if adapter.get("bound_vmknics"):
            raise SimulationError([f"{op['op']}: {adapter['device']} on {state.get('name')} still has bindings"])
    state["iscsi_adapters"] = [a for a in state["iscsi_adapters"] if a["device"] != SOFTWARE_ADAPTER]
    for adapter in software:
        adapter["bound_vmknics"] = None


def _sim_add_portgroup(state: dict, op: dict) -> None:
    if find_portgroup(state, op["name"], None) is not None:
        raise SimulationError([f"AddPortGroup: {op['name']} already exists on {state.get('name')}"])
    team = _teaming_arg(op.get("teaming"))
    state.setdefault("portgroups", []).append({
        "name": op["name"], "switch": op["switch"], "switch_type": "standard", "key": None,
        "vlan": op.get("vlan") or 0,
        "teaming": explicit_teaming(state, op["switch"], team["active"], team["standby"]),
    })


def _sim_update_portgroup(state: dict, op: dict) -> None:
    pg = find_portgroup(state, op["name"], op["switch"])
    if pg is None or pg.get("switch_type", "standard") != "standard":
        raise SimulationError([f"UpdatePortGroup: no standard port group {op['name']} on {op['switch']}"])
    pg["vlan"] = op.get("vlan") or 0
    if op.get("teaming") is not None:
        bound_uplink = _sole_active(pg)
        team = _teaming_arg(op["teaming"])
        pg["teaming"] = explicit_teaming(state, op["switch"], team["active"], team["standby"])
        for nic in state.get("vmknics") or ():
            if _pg_id(nic) == (pg["switch"], pg["name"]):
                _refresh_bindings(state, nic)
                _mark_wrong_uplink(nic, bound_uplink, _sole_active(pg))


def _sim_remove_portgroup(state: dict, op: dict) -> None:
    pg = find_portgroup(state, op["name"], op["switch"])
    if pg is None:
        raise SimulationError([f"RemovePortGroup: no port group {op['name']} on {op['switch']}"])
    for nic in state.get("vmknics") or ():
        if _pg_id(nic) == (pg["switch"], pg["name"]):
            raise SimulationError([f"RemovePortGroup: {op['name']} still holds {nic['device']}"])
    state["portgroups"].remove(pg)


def _sim_add_vnic(state: dict, op: dict) -> None:
    device = op["device"]
    if any(n["device"] == device for n in state.get("vmknics") or ()):
        raise SimulationError([f"AddVirtualNic: {device} already exists on {state.get('name')}"])
    nic = {
        "device": device, "key": f"key-vim.host.VirtualNic-{device}", "portgroup": None, "switch": None,
        "switch_type": "standard", "dvs": None, "stack": op.get("stack") or DEFAULT_STACK,
        "mac": op.get("mac"), "mtu": op.get("mtu") or 1500, "ipv4": _ipv4_from_arg(op["ipv4"]),
        "ipv6": copy.deepcopy(op.get("ipv6")) or {"autoconf": False, "dhcp": False, "addresses": []},
        "services": [], "gateway_override": copy.deepcopy(op.get("gateway_override")),
        "iscsi_bindings": [], "owner": None, "system_owned": False,
    }
    _place_nic(state, nic, op.get("portgroup"), op.get("switch"), op)
    _take_over_stack_traffic(state, nic)
    _add_link_local(state, nic)
    state.setdefault("vmknics", []).append(nic)
    _add_connected_routes(state, nic)


def _add_link_local(state: dict, nic: dict) -> None:
    """With IPv6 on, ESXi gives every vmknic its EUI-64 fe80:: address (origin other), derived from
    its MAC: predictable for a re-created vmknic that keeps its MAC, not for a new one."""
    if not state.get("ipv6_enabled") or not nic.get("mac"):
        return
    octets = bytearray(int(x, 16) for x in nic["mac"].split(":"))
    octets[0] ^= 0x02
    address = ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + bytes(octets[:3]) + b"\xff\xfe" + bytes(octets[3:]))
    entry = dict(_ipv6_address(f"{address}/64"), origin="other")
    addresses = [a for a in nic["ipv6"].get("addresses") or () if a.get("address") != str(address)] + [entry]
    addresses.sort(key=lambda a: (ipaddress.IPv6Address(a["address"]), a["prefix_length"]))
    nic["ipv6"] = {**nic["ipv6"], "addresses": addresses}


def _take_over_stack_traffic(state: dict, nic: dict) -> None:
    """ESXi lists a vmknic on the vmotion (vSphereProvisioning) stack as selected for that traffic,
    without a tag (ESXI-NETWORKING.md 1.3). Default-stack vmknics tagged for it stop carrying it;
    the planner refuses plans that leave such vmknics behind (see _dedicated_stack_checks)."""
    implied = IMPLIED_SERVICES.get(_stack_of(nic), ())
    if implied:
        nic["services"] = sorted(implied)


def _sim_update_vnic(state: dict, op: dict) -> None:
    nic = _find_nic(state, op["device"], op)
    if "ipv4" in op:
        if not op["ipv4"]:
            raise SimulationError([f"UpdateVirtualNic: {op['device']} would be left without an IPv4 address"])
        nic["ipv4"] = _ipv4_from_arg(op["ipv4"])
        _drop_connected_routes(state, nic["device"], ("ipv4",))
        _add_connected_routes(state, nic, ("ipv4",))
    if "ipv6" in op:
        change = op["ipv6"]
        removed = set(change.get("remove") or ())
        manual = [a for a in _manual_ipv6(nic) if a not in removed] + list(change.get("add") or ())
        _configure_ipv6(nic, bool(change.get("autoconf")), bool(change.get("dhcp")), manual)
        _drop_connected_routes(state, nic["device"], ("ipv6",))
        _add_connected_routes(state, nic, ("ipv6",))
    if op.get("mtu") is not None:
        nic["mtu"] = op["mtu"]
    if "gateway_override" in op:
        nic["gateway_override"] = copy.deepcopy(op["gateway_override"])
    if op.get("portgroup") is not None:
        _place_nic(state, nic, op["portgroup"], op.get("switch"), op)
        _refresh_bindings(state, nic)


def _sim_remove_vnic(state: dict, op: dict) -> None:
    nic = _find_nic(state, op["device"], op)
    if nic["device"] in management_devices(state):
        raise SimulationError([f"RemoveVirtualNic: {nic['device']} is the management vmknic of {state.get('name')}"])
    if nic.get("iscsi_bindings"):
        raise SimulationError([f"RemoveVirtualNic: {nic['device']} is still bound to iSCSI"])
    state["vmknics"].remove(nic)
    _drop_connected_routes(state, nic["device"])


def _sim_select(state: dict, op: dict) -> None:
    nic = _find_nic(state, op["device"], op)
    if op["op"] == "SelectVnicForNicType":
        if _stack_of(nic) != DEFAULT_STACK:
            raise SimulationError([f"SelectVnicForNicType: {nic['device']} is on stack {_stack_of(nic)}; "
                                   "services can be enabled only on the default stack"])
        nic["services"] = sorted(set(nic.get("services") or ()) | {op["nic_type"]})
    else:
        nic["services"] = sorted(set(nic.get("services") or ()) - {op["nic_type"]})


def _adapter(state: dict, name: str, op: dict) -> dict:
    for adapter in state.get("iscsi_adapters") or ():
        if adapter["device"] == name or (name == SOFTWARE_ADAPTER and adapter.get("software")):
            return adapter
    raise SimulationError([f"{op['op']}: host {state.get('name')} has no iSCSI adapter {name}"])


def _sim_bind(state: dict, op: dict) -> None:
    nic = _find_nic(state, op["device"], op)
    adapter = _adapter(state, op["adapter"], op)
    bound = adapter.get("bound_vmknics")
    if bound is None:
        raise SimulationError([f"{op['op']}: iSCSI adapter {adapter['device']} is not enabled for binding"])
    if op["op"] == "BindVnic":
        if nic["device"] in bound:
            raise SimulationError([f"BindVnic: {nic['device']} is already bound to {adapter['device']}"])
        compliant, reasons = _predicted_compliance(state, nic)
        nic.setdefault("iscsi_bindings", []).append({"adapter": adapter["device"], "compliant": compliant, "compliance_reasons": reasons, "path_status": None})
        nic["iscsi_bindings"].sort(key=lambda b: b["adapter"])
        adapter["bound_vmknics"] = sorted(set(bound) | {nic["device"]}, key=vmk_sort_key)
    else:
        if nic["device"] not in bound:
            raise SimulationError([f"UnbindVnic: {nic['device']} is not bound to {adapter['device']}"])
        nic["iscsi_bindings"] = [b for b in nic.get("iscsi_bindings") or () if b["adapter"] != adapter["device"]]
        adapter["bound_vmknics"] = [d for d in bound if d != nic["device"]]


_SIMULATORS = {
    "UpdateSoftwareInternetScsiEnabled": _sim_enable_software_iscsi,
    "AddPortGroup": _sim_add_portgroup,
    "UpdatePortGroup": _sim_update_portgroup,
    "RemovePortGroup": _sim_remove_portgroup,
    "AddVirtualNic": _sim_add_vnic,
    "UpdateVirtualNic": _sim_update_vnic,
    "RemoveVirtualNic": _sim_remove_vnic,
    "SelectVnicForNicType": _sim_select,
    "DeselectVnicForNicType": _sim_select,
    "BindVnic": _sim_bind,
    "UnbindVnic": _sim_bind,
    "RescanHba": lambda state, op: _adapter(state, op["adapter"], op),
}


def simulate(host: dict, operations: list[dict]) -> dict:
    """A deep copy of ``host`` with ``operations`` applied: the predicted state (facts model).
    Raises SimulationError when an operation does not apply (missing vmknic or port group, a
    second vmknic in a standard port group, removing the management vmknic, ...)."""
    state = _copy_data(host)
    # Remember distributed switch UUIDs so a vmknic re-created on a DVS gets its switch back.
    state["_dvs_uuids"] = {n["switch"]: n["dvs"]["switch_uuid"] for n in host.get("vmknics") or ()
                           if n.get("dvs") and n["dvs"].get("switch_uuid")}
    try:
        for op in operations:
            if op.get("host") not in (None, host.get("name")):
                raise SimulationError([f"{op['op']}: operation for host {op.get('host')} applied to {host.get('name')}"])
            handler = _SIMULATORS.get(op.get("op"))
            if handler is None:
                raise SimulationError([f"unknown operation {op.get('op')!r}"])
            handler(state, op)
    finally:
        state.pop("_dvs_uuids", None)
    state["vmknics"] = sorted(state.get("vmknics") or [], key=lambda n: vmk_sort_key(n["device"]))
    state["portgroups"] = sorted(state.get("portgroups") or [], key=lambda p: (p["name"], p["switch"]))
    state["iscsi_adapters"] = sorted(state.get("iscsi_adapters") or [], key=lambda a: a["device"])
    return state


# =========================================================================== comparison


def _nic_projection(nic: dict) -> dict:
    """What the planner controls about a vmknic; fields vSphere computes are left out."""
    ipv4 = nic.get("ipv4")
    if ipv4 and ipv4.get("dhcp"):
        ipv4_view: Any = "dhcp"
    else:
        ipv4_view = str(_ipv4_interface(ipv4)) if _ipv4_interface(ipv4) else None
    ipv6 = nic.get("ipv6") or {}
    return {
        "portgroup": nic.get("portgroup"), "switch": nic.get("switch"), "stack": _stack_of(nic),
        "mtu": nic.get("mtu"), "ipv4": ipv4_view, "gateway_override": nic.get("gateway_override") or None,
        "services": sorted(_selectable_services(nic)), "iscsi": _bound_adapters(nic), "mac": nic.get("mac"),
        "ipv6": {"autoconf": bool(ipv6.get("autoconf")), "dhcp": bool(ipv6.get("dhcp")),
                 "manual": sorted(f"{a.get('address')}/{a.get('prefix_length')}"
                                  for a in ipv6.get("addresses") or () if a.get("origin") == "manual")},
    }


def _projection(host: dict, by_device: bool) -> dict:
    nics = {}
    for nic in host.get("vmknics") or ():
        if _is_system_owned(nic):
            continue
        key = nic["device"] if by_device else f"{nic.get('switch')}/{nic.get('portgroup')}"
        nics[key] = _nic_projection(nic)
    pgs = {f"{s}/{n}": {"vlan": pg.get("vlan"), "teaming": _teaming_arg(pg.get("teaming"))}
           for (s, n), pg in _standard_portgroups(host).items()}
    return {"vmknics": nics, "portgroups": pgs, "software_iscsi_enabled": host.get("software_iscsi_enabled")}


def projection(host: dict) -> dict:
    """What the planner controls on a host, per vmknic device and standard port group: the view that
    state_differences compares, and what diffs show."""
    return _projection(host, True)


def state_differences(expected: dict, actual: dict, by_device: bool = True) -> list[str]:
    """Differences, as sentences, between two states of one host in what the planner controls
    (device, port group, stack, IPv4, MTU, gateway override, default-stack services, iSCSI
    bindings, MAC, IPv6 settings, standard port groups, software iSCSI). Empty means "as predicted".
    With ``by_device=False`` vmknics are compared by port group, for re-created vmknics whose number
    ESXi chose differently."""
    left, right = _projection(expected, by_device), _projection(actual, by_device)
    problems = []
    for section in ("vmknics", "portgroups"):
        for key in sorted(set(left[section]) | set(right[section])):
            a, b = left[section].get(key), right[section].get(key)
            if a is None or b is None:
                problems.append(f"{section[:-1]} {key}: {'missing' if b is None else 'unexpected'}")
                continue
            for item in sorted(set(a) | set(b)):
                if item == "mac" and a.get(item) is None:
                    continue  # a new vmknic's MAC is ESXi's choice; a re-created one's is predicted
                if a.get(item) != b.get(item):
                    problems.append(f"{section[:-1]} {key}: {item} is {b.get(item)!r}, expected {a.get(item)!r}")
    if left["software_iscsi_enabled"] != right["software_iscsi_enabled"]:
        problems.append(f"software_iscsi_enabled is {right['software_iscsi_enabled']!r}, "
                        f"expected {left['software_iscsi_enabled']!r}")
    return problems


# =========================================================================== planning


def _existed_before(finding: dict, before: list[dict]) -> bool:
    """Whether the plan leaves this error as it found it, or smaller: the same rule on the same stack
    and subnet, among vmknics that were all already in it. (Its id changes when a group shrinks.)"""
    key = (finding["rule"], finding.get("stack"), finding.get("family"), finding.get("subnet"))
    return any((f["rule"], f.get("stack"), f.get("family"), f.get("subnet")) == key
               and set(finding["vmknics"]) <= set(f["vmknics"]) for f in before)


def _normalise_host(host: dict) -> dict:
    """The host with every list in the facts' canonical order, so the plan does not depend on the
    order of the input (route order is kept: it decides which vmknic owns a shared subnet).

    New dicts and lists down to each vmknic; everything below is shared with ``host``. The planner
    never changes its facts (it changes its own full copies: the target and simulate()'s state),
    so the caller's facts stay as they were (test_plan_does_not_change_its_input)."""
    result = dict(host)
    result["vmknics"] = sorted(
        ({**nic, "services": sorted(nic.get("services") or []),
          "iscsi_bindings": sorted(nic.get("iscsi_bindings") or [], key=lambda b: b.get("adapter") or "")}
         for nic in host.get("vmknics") or ()),
        key=lambda n: vmk_sort_key(n["device"]))
    result["portgroups"] = sorted(host.get("portgroups") or [], key=lambda p: (p["name"], p["switch"]))
    result["stacks"] = sorted(host.get("stacks") or [], key=lambda s: s["key"])
    result["iscsi_adapters"] = sorted(host.get("iscsi_adapters") or [], key=lambda a: a["device"])
    return result


def _static_addresses(nic: dict, family: str) -> list:
    """The vmknic's configured addresses of one family: a static IPv4 address (a DHCP lease is the
    DHCP server's to hand out again), or its manual IPv6 addresses."""
    if family == "ipv6":
        return [ipaddress.IPv6Interface(text).ip for text in _manual_ipv6(nic)]
    iface = _ipv4_interface(nic.get("ipv4"))
    return [iface.ip] if iface is not None and not (nic.get("ipv4") or {}).get("dhcp") else []


def _count_free(pool, blocked: set[int]) -> int:
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


def _free_addresses(pool, blocked: set[int]) -> Iterator[int]:
    for low, high in _pool_intervals(pool):
        for value in range(low, high + 1):
            if value not in blocked:
                yield value


def _target_gateway(current: Optional[dict], addressing: Addressing) -> Optional[dict]:
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


@dataclass
class _HostPlan:
    facts: dict
    target: dict
    selected: dict = field(default_factory=dict)   # device -> ClassIntent (accept classes included)
    operations: list = field(default_factory=list)
    after: Optional[dict] = None


class _Planner:
    def __init__(self, hosts: list[dict], intent: Intent):
        self.intent = intent
        self.refusals: list[dict] = []
        self.skipped: list[dict] = []
        self.plans: dict[str, _HostPlan] = {}
        self.all_hosts = sorted((_normalise_host(h) for h in hosts), key=lambda h: h.get("name") or "")
        # Per family ("ipv4", "ipv6"): address -> [(host, device)] holding it, and gateways in use.
        self.holders: dict[str, dict[int, list[tuple[str, str]]]] = {"ipv4": {}, "ipv6": {}}
        self.gateways: dict[str, set[int]] = {"ipv4": set(), "ipv6": set()}
        # (family, host, device) -> the static address the intent gives it
        self.addresses: dict[tuple[str, str, str], Any] = {}
        # Hosts with a refusal: checks that would only restate its consequences are skipped there.
        self.tainted: set[str] = set()

    def refuse(self, message: str, host: Optional[str] = None, cls: Optional[str] = None) -> None:
        self.refusals.append({"host": host, "class": cls, "message": message})
        if host is not None:
            self.tainted.add(host)
        elif cls is not None:
            self.tainted.update(h for h, _device in self.members(next(c for c in self.intent.classes if c.name == cls)))

    # ----------------------------------------------------------------- inventory

    def collect(self) -> None:
        names: dict[str, int] = {}
        for host in self.all_hosts:
            names[host.get("name")] = names.get(host.get("name"), 0) + 1
            self._note_addresses(host)
            if host.get("connection_state") != "connected" or not host.get("config_available", True):
                self.skipped.append({"host": host["name"], "reason": f"host is {host.get('connection_state')}; "
                                     "its configuration is not trusted and it is not planned"})
            elif host.get("errors"):
                self.skipped.append({"host": host["name"], "reason": "facts are incomplete: "
                                     + "; ".join(host["errors"])})
            else:
                self.plans[host["name"]] = _HostPlan(facts=host, target=_copy_data(host))
        for name, count in sorted(names.items(), key=lambda kv: str(kv[0])):
            if count > 1:
                self.refuse(f"host {name} appears {count} times in the facts")

    def _note_addresses(self, host: dict) -> None:
        """Every address in use anywhere in scope is off-limits for allocation, gateways included."""
        for nic in host.get("vmknics") or ():
            member = (host["name"], nic["device"])
            iface = _ipv4_interface(nic.get("ipv4"))
            if iface is not None:
                self.holders["ipv4"].setdefault(int(iface.ip), []).append(member)
            for entry in (nic.get("ipv6") or {}).get("addresses") or ():
                if entry.get("address") and not entry.get("link_local"):
                    self.holders["ipv6"].setdefault(_ipv6_int(entry["address"]), []).append(member)
            for family in ("ipv4", "ipv6"):
                self._note_gateway(family, (nic.get("gateway_override") or {}).get(family))
        for stack in host.get("stacks") or ():
            self._note_gateway("ipv4", stack.get("default_gateway"))
            self._note_gateway("ipv6", stack.get("ipv6_default_gateway"))
            for route in stack.get("routes") or ():
                if not route.get("connected") and route.get("family") in self.gateways:
                    self._note_gateway(route["family"], route.get("gateway"))

    def _note_gateway(self, family: str, gateway: Optional[str]) -> None:
        address = _parse_ip_address(gateway) if gateway else None
        if address is not None and not address.is_unspecified and f"ipv{address.version}" == family:
            self.gateways[family].add(int(address))

    # ----------------------------------------------------------------- selection

    def select(self) -> None:
        for name, hp in self.plans.items():
            for nic in hp.facts["vmknics"]:
                if _is_system_owned(nic):
                    continue  # NSX / vSAN manage these; never ours to change
                matches = [c for c in self.intent.classes if c.select.matches(hp.facts, nic)]
                if len(matches) > 1:
                    self.refuse(f"host {name}: {nic['device']} is selected by classes "
                                f"{' and '.join(c.name for c in matches)}; make the selectors disjoint", name)
                elif matches:
                    hp.selected[nic["device"]] = matches[0]

    def members(self, cls: ClassIntent) -> list[tuple[str, str]]:
        return [(name, device) for name, hp in self.plans.items()
                for device in sorted(hp.selected, key=vmk_sort_key) if hp.selected[device] is cls]

    # ----------------------------------------------------------------- addresses

    def allocate(self, cls: ClassIntent) -> None:
        for addressing in class_addressings(cls):
            self._allocate(cls, addressing)

    def _allocate(self, cls: ClassIntent, addressing: Addressing) -> None:
        """Explicit addresses first, then addresses that already fit, then the lowest free ones
        (hosts by name, vmknics by number), never one held anywhere in scope."""
        family = addressing.family
        holders, gateways = self.holders[family], self.gateways[family]
        members = self.members(cls)
        taken: dict[int, tuple[str, str]] = {}
        result: dict[tuple[str, str], Any] = {}
        self._explicit(cls, addressing, members, taken, result)
        reserved = addressing.reserved()
        for member in members:
            if member in result:
                continue
            nic = next(n for n in self.plans[member[0]].facts["vmknics"] if n["device"] == member[1])
            for address in _static_addresses(nic, family):
                value = int(address)
                if (address in addressing.network and addressing.pool.contains(value) and value not in reserved
                        and value not in gateways and value not in taken and holders.get(value, []) == [member]):
                    taken[value] = member
                    result[member] = address
                    break
        rest = [m for m in members if m not in result]
        if rest:
            blocked = set(holders) | set(taken) | reserved | gateways
            free = _count_free(addressing.pool, blocked)
            if free < len(rest):
                self.refuse(f"class {cls.name}: pool {addressing.pool} of {addressing.network} has {free} free "
                            f"address{'es' if free != 1 else ''}, {len(rest)} needed", cls=cls.name)
                return
            values = _free_addresses(addressing.pool, blocked)
            for member in rest:
                result[member] = _ADDRESS_TYPES[family](next(values))
        self.addresses.update({(family,) + member: address for member, address in result.items()})

    def _explicit(self, cls: ClassIntent, addressing: Addressing, members: list, taken: dict, result: dict) -> None:
        family = addressing.family
        by_host: dict[str, list[str]] = {}
        for host, device in members:
            by_host.setdefault(host, []).append(device)
        for host, devices in sorted(addressing.explicit.items()):
            for device, address in sorted(devices.items(), key=lambda kv: str(kv[0])):
                where = f"class {cls.name}: explicit address {address} for host {host}"
                if device is None:
                    chosen = by_host.get(host, [])
                    if len(chosen) != 1:
                        self.refuse(f"{where} needs a device: the class selects "
                                    f"{len(chosen)} vmknics there ({', '.join(chosen) or 'none'})", host, cls.name)
                        continue
                    device = chosen[0]
                elif device not in by_host.get(host, []):
                    self.refuse(f"{where} {device}: the class selects no such vmknic there", host, cls.name)
                    continue
                holders = [h for h in self.holders[family].get(int(address), []) if h != (host, device)]
                if holders:
                    self.refuse(f"{where} {device} is in use by " + ", ".join(f"{h} {d}" for h, d in holders),
                                host, cls.name)
                    continue
                if int(address) in self.gateways[family]:
                    self.refuse(f"{where} {device} is a gateway address in use", host, cls.name)
                    continue
                taken[int(address)] = (host, device)
                result[(host, device)] = address

    # ----------------------------------------------------------------- targets

    def build_target(self, name: str) -> None:
        hp = self.plans[name]
        nics = {n["device"]: n for n in hp.target["vmknics"]}
        for device in sorted(hp.selected, key=vmk_sort_key):
            cls = hp.selected[device]
            where = f"class {cls.name}, host {name} {device}"
            nic = nics[device]
            if cls.action == "accept":
                continue
            if cls.addressing is not None and ("ipv4", name, device) in self.addresses:
                nic["ipv4"] = _ipv4_static(self.addresses[("ipv4", name, device)], cls.addressing.network)
                nic["gateway_override"] = _target_gateway(nic.get("gateway_override"), cls.addressing)
            if cls.ipv6 is not None:
                self._ipv6_target(hp, nic, cls, where)
            if cls.mtu is not None:
                nic["mtu"] = cls.mtu
            if cls.action == "subnet":
                self._subnet_target(hp, nic, cls, where)
            elif cls.action == "stack":
                self._stack_target(hp, nic, cls, where)
            elif cls.action == "iscsi":
                self._iscsi_target(hp, nic, cls, where)
        occupants: dict = {}
        for nic in hp.target["vmknics"]:
            if nic.get("switch_type", "standard") == "standard" and nic.get("portgroup"):
                occupants.setdefault(_pg_id(nic), []).append(nic["device"])
        for (switch, pg), devices in sorted(occupants.items(), key=lambda kv: str(kv[0])):
            if len(devices) > 1:
                self.refuse(f"host {name}: port group {pg} on {switch} would hold {', '.join(devices)}; a "
                            "standard port group holds one vmknic", name)

    def _ipv6_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        autoconf, dhcp, manual = _ipv6_settings(nic)
        wanted = cls.ipv6
        autoconf = autoconf if wanted.autoconf is None else wanted.autoconf
        dhcp = dhcp if wanted.dhcp is None else wanted.dhcp
        key = ("ipv6", hp.facts["name"], nic["device"])
        if wanted.addressing is not None and key in self.addresses:
            manual = (f"{self.addresses[key]}/{wanted.addressing.network.prefixlen}",)
            nic["gateway_override"] = _target_gateway(nic.get("gateway_override"), wanted.addressing)
            if hp.facts.get("ipv6_enabled") is False and manual != _ipv6_settings(nic)[2]:
                self.refuse(f"{where}: IPv6 is disabled on the host (config.network.ipV6Enabled); enabling it "
                            "needs a reboot, which this planner does not do", hp.facts["name"], cls.name)
                return
        _configure_ipv6(nic, autoconf, dhcp, manual)

    def _standard_pg(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str, what: str) -> Optional[dict]:
        if nic.get("switch_type", "standard") != "standard":
            self.refuse(f"{where}: is on {nic.get('switch_type')} switch {nic.get('switch')}; {what} is changed "
                        "on the distributed switch in vCenter, not by this planner", hp.facts["name"], cls.name)
            return None
        pg = find_portgroup(hp.target, nic.get("portgroup"), nic.get("switch"))
        if pg is None:
            self.refuse(f"{where}: its port group {nic.get('portgroup')} is not in the facts", hp.facts["name"], cls.name)
        return pg

    def _uplinks_ok(self, hp: _HostPlan, switch: str, uplinks: Iterable[str], where: str, cls: ClassIntent) -> bool:
        known = switch_uplinks(hp.facts, switch)
        unknown = [u for u in uplinks if u not in known]
        if unknown:
            self.refuse(f"{where}: uplink {', '.join(unknown)} is not on {switch} (its uplinks: "
                        f"{', '.join(sorted(known)) or 'unknown'})", hp.facts["name"], cls.name)
        return not unknown

    def _subnet_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        if cls.vlan is not None:
            pg = self._standard_pg(hp, nic, cls, where, "the VLAN")
            if pg is not None:
                pg["vlan"] = cls.vlan
        if cls.portgroup is None:
            return
        wanted = cls.portgroup
        current = self._standard_pg(hp, nic, cls, where, "the port group")
        if current is None:
            return
        switch = nic["switch"]
        existing = find_portgroup(hp.target, wanted.name, None)
        if existing is not None and existing["switch"] != switch:
            self.refuse(f"{where}: port group {wanted.name} exists on {existing['switch']}, not on {switch} where "
                        f"{nic['device']} is", hp.facts["name"], cls.name)
            return
        if wanted.teaming is not None and not self._uplinks_ok(hp, switch, wanted.teaming[0] + wanted.teaming[1],
                                                               where, cls):
            return
        if existing is None:
            # A new port group behaves like the one the vmknic leaves, except for what is declared.
            existing = {"name": wanted.name, "switch": switch, "switch_type": "standard", "key": None,
                        "vlan": current.get("vlan") or 0, "teaming": copy.deepcopy(current.get("teaming"))}
            hp.target["portgroups"].append(existing)
            hp.target["portgroups"].sort(key=lambda p: (p["name"], p["switch"]))
        if wanted.vlan is not None:
            existing["vlan"] = wanted.vlan
        if wanted.teaming is not None:
            existing["teaming"] = explicit_teaming(hp.facts, switch, *wanted.teaming)
        nic["portgroup"] = wanted.name

    def _stack_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        name, key = hp.facts["name"], cls.stack
        if key not in SYSTEM_STACKS and key not in {s["key"] for s in hp.facts.get("stacks") or ()}:
            self.refuse(f"{where}: stack {key} does not exist on the host (create custom stacks with "
                        f"'esxcli network ip netstack add -N {key}' first)", name, cls.name)
            return
        if _stack_of(nic) == key:
            return
        device = nic["device"]
        problems = []
        if device in management_devices(hp.facts):
            problems.append("it is the vmknic vCenter uses to manage the host, and a stack move removes and "
                            "re-creates it")
        if _bound_adapters(nic):
            problems.append(f"it is bound to iSCSI adapter {', '.join(_bound_adapters(nic))}; do not re-create "
                            "iSCSI-bound vmknics")
        services = set(nic.get("services") or ()) | set(IMPLIED_SERVICES.get(_stack_of(nic), ()))
        if services & VSAN_SERVICES:
            problems.append(f"it carries {', '.join(sorted(services & VSAN_SERVICES))}, set through vSAN, not "
                            "SelectVnicForNicType")
        if key != DEFAULT_STACK:
            lost = sorted(services - set(IMPLIED_SERVICES.get(key, ())) - VSAN_SERVICES)
            if lost:
                problems.append(f"it carries {', '.join(lost)}, which cannot be enabled on stack {key}")
        if problems:
            self.refuse(f"{where}: cannot move to stack {key}: " + "; ".join(problems), name, cls.name)
            return
        nic["stack"] = key
        # Services are tags on the default stack only; a dedicated stack implies its own traffic.
        nic["services"] = sorted(services) if key == DEFAULT_STACK else []

    def _iscsi_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        name, wanted = hp.facts["name"], cls.iscsi
        adapter = self._iscsi_adapter(hp, wanted, where, cls)
        if adapter is None:
            return
        pg = self._standard_pg(hp, nic, cls, where, "teaming") if nic.get("portgroup") in wanted.uplinks \
            else find_portgroup(hp.target, nic.get("portgroup"), nic.get("switch"))
        if pg is None:
            if nic.get("portgroup") not in wanted.uplinks:
                self.refuse(f"{where}: its port group {nic.get('portgroup')} is not in the facts", name, cls.name)
            return
        if nic.get("portgroup") in wanted.uplinks:
            uplink = wanted.uplinks[nic["portgroup"]]
            if not self._uplinks_ok(hp, nic["switch"], [uplink], where, cls):
                return
            pg["teaming"] = explicit_teaming(hp.facts, nic["switch"], [uplink])
        team = pg.get("teaming") or {}
        if len(team.get("active") or ()) != 1 or team.get("standby"):
            self.refuse(f"{where}: port group {pg['name']} has active uplinks "
                        f"[{', '.join(team.get('active') or ())}] and standby [{', '.join(team.get('standby') or ())}]; "
                        "iSCSI port binding needs exactly one active uplink and no standby (declare it in "
                        "iscsi.uplinks)", name, cls.name)
            return
        if adapter not in _bound_adapters(nic):
            nic["iscsi_bindings"] = sorted(
                (nic.get("iscsi_bindings") or []) + [{"adapter": adapter, "compliant": None,
                                                      "compliance_reasons": [], "path_status": None}],
                key=lambda b: b["adapter"])

    def _iscsi_adapter(self, hp: _HostPlan, wanted, where: str, cls: ClassIntent) -> Optional[str]:
        name, target = hp.facts["name"], hp.target
        adapters = target.setdefault("iscsi_adapters", [])
        if wanted.adapter != SOFTWARE_ADAPTER:
            found = next((a for a in adapters if a["device"] == wanted.adapter), None)
            if found is None or found.get("binding_support") == "notsupported":
                known = ", ".join(a["device"] for a in adapters if a.get("binding_support") != "notsupported")
                self.refuse(f"{where}: iSCSI adapter {wanted.adapter} "
                            f"{'does not support port binding' if found else 'does not exist'} "
                            f"(adapters that can bind: {known or 'none'})", name, cls.name)
                return None
            if found.get("bound_vmknics") is None:
                self.refuse(f"{where}: the bindings of iSCSI adapter {wanted.adapter} are unknown (not queried)",
                            name, cls.name)
                return None
            return found["device"]
        software = next((a for a in adapters if a.get("software")), None)
        if target.get("software_iscsi_enabled") is not True:
            if not wanted.enable:
                self.refuse(f"{where}: software iSCSI is disabled on the host; set iscsi.enable: true to enable it",
                            name, cls.name)
                return None
            target["software_iscsi_enabled"] = True
            if software is None:
                software = {"device": SOFTWARE_ADAPTER, "software": True, "binding_support": "optional",
                            "bound_vmknics": []}
                adapters.append(software)
            elif software.get("bound_vmknics") is None:
                software["bound_vmknics"] = []
        if software is None:
            self.refuse(f"{where}: software iSCSI is enabled but the facts show no software iSCSI adapter",
                        name, cls.name)
            return None
        return software["device"]

    # ----------------------------------------------------------------- operations and checks

    def operations(self, name: str) -> None:
        hp = self.plans[name]
        tainted = name in self.tainted
        try:
            hp.operations = reconcile(hp.facts, hp.target)
            hp.after = simulate(hp.facts, hp.operations)
        except PlanError as error:
            if not tainted:  # on a refused host this only restates the refusal (e.g. a shared port group)
                for problem in error.problems:
                    self.refuse(problem, name)
            hp.operations, hp.after = [], _copy_data(hp.facts)
            return
        for problem in [] if tainted else state_differences(hp.target, hp.after, by_device=False):
            self.refuse(f"host {name}: internal error, the operations do not reach the target ({problem})", name)
        self._management_checks(hp)
        self._dedicated_stack_checks(hp)
        for problem in unbind_problems(hp.facts, hp.operations):
            self.refuse(f"host {name}: {problem}", name)

    def _management_checks(self, hp: _HostPlan) -> None:
        name = hp.facts["name"]
        problems = management_problems(hp.facts, hp.operations, self.intent.allow_management_change, "the plan")
        for problem in problems or vcenter_path_problems(hp.facts, hp.operations, "the plan"):
            self.refuse(f"host {name}: {problem}", name)

    def _dedicated_stack_checks(self, hp: _HostPlan) -> None:
        """Once a vmknic is on the vmotion (provisioning) stack, ESXi stops using the default stack
        for that traffic: refuse plans that start using the stack while default-stack vmknics still
        carry the service."""
        for stack, (service,) in IMPLIED_SERVICES.items():
            def split(host: dict) -> tuple[list[str], list[str]]:
                on_stack = [n["device"] for n in host["vmknics"] if _stack_of(n) == stack]
                tagged = [n["device"] for n in host["vmknics"]
                          if _stack_of(n) == DEFAULT_STACK and service in (n.get("services") or ())]
                return on_stack, tagged
            before_on, before_tagged = split(hp.facts)
            after_on, after_tagged = split(hp.after)
            if after_on and after_tagged and not (before_on and before_tagged):
                self.refuse(f"host {hp.facts['name']}: after the plan {', '.join(after_on)} would be on the {stack} "
                            f"stack while {', '.join(after_tagged)} keeps {service} on the default stack, where ESXi "
                            f"then stops using it; move {', '.join(after_tagged)} in the same class", hp.facts["name"])

    def analysis_checks(self) -> dict[str, tuple[int, int]]:
        """Refuse targets that leave a host multi-homed; return (errors before, errors after) per host."""
        counts = {name: (0, 0) for name in self.plans}
        if not self.plans:
            return counts
        names = list(self.plans)
        before = _analyse([self.plans[n].facts for n in names])["findings"]
        after = _analyse([self.plans[n].after for n in names])["findings"]

        def errors(findings: list[dict]) -> dict[str, list[dict]]:
            result: dict[str, list[dict]] = {n: [] for n in names}
            for finding in findings:
                hp = self.plans.get(finding["host"])
                if hp is None or finding["severity"] != "error":
                    continue
                accepted = {d for d, c in hp.selected.items() if c.action == "accept"}
                # Exact membership, not analyse()'s subset allow-list match: an accepted group that
                # gained a vmknic from outside the accept class is not accepted any more.
                if finding["vmknics"] and set(finding["vmknics"]) <= accepted:
                    continue
                result[finding["host"]].append(finding)
            return result

        errors_before, errors_after = errors(before), errors(after)
        for name in names:
            hp = self.plans[name]
            counts[name] = (len(errors_before[name]), len(errors_after[name]))
            if name in self.tainted:
                continue  # its after-state is not the intent's; the refusal already says why
            selected = {d for d, c in hp.selected.items() if c.action != "accept"}
            selected |= {op["device"] for op in hp.operations if op["op"] == "AddVirtualNic"}
            for finding in errors_after[name]:
                if set(finding["vmknics"]) & selected or not _existed_before(finding, errors_before[name]):
                    where = " ".join(x for x in (finding.get("stack"), finding.get("subnet")) if x)
                    self.refuse(f"host {name}: after the plan {finding['rule']} would remain on {where} for "
                                f"{', '.join(finding['vmknics'])}: {finding['message']}", name)
        return counts

    # ----------------------------------------------------------------- document

    def run(self) -> dict:
        self.collect()
        self.select()
        for cls in self.intent.classes:
            self.allocate(cls)
        for name in self.plans:
            self.build_target(name)
        for name in self.plans:
            self.operations(name)
        counts = self.analysis_checks()
        hosts = []
        for name, hp in self.plans.items():
            hosts.append({
                "host": name,
                "changed": bool(hp.operations),
                "classes": {d: hp.selected[d].name for d in sorted(hp.selected, key=vmk_sort_key)},
                "operations": hp.operations,
                "before": hp.facts,
                "after": hp.after,
                "findings_before": counts[name][0],
                "findings_after": counts[name][1],
            })
        refusals = sorted(self.refusals, key=lambda r: (r["host"] or "", r["class"] or "", r["message"]))
        by_op: dict[str, int] = {}
        for entry in hosts:
            for op in entry["operations"]:
                by_op[op["op"]] = by_op.get(op["op"], 0) + 1
        summary = {
            "hosts_total": len(self.all_hosts), "hosts_planned": len(hosts),
            "hosts_changed": sum(1 for h in hosts if h["changed"]), "hosts_skipped": len(self.skipped),
            "operations": sum(by_op.values()), "by_op": dict(sorted(by_op.items())),
            "findings_before": sum(h["findings_before"] for h in hosts),
            "findings_after": sum(h["findings_after"] for h in hosts),
            "refusals": len(refusals),
        }
        return {"hosts": hosts, "skipped": self.skipped, "refusals": refusals, "executable": not refusals,
                "summary": summary}


def build_plan(hosts: list[dict], intent: Any) -> dict:
    """The plan document with every refusal inside (``executable`` false when there are any).
    For reports and check mode; execute only what ``plan()`` returns."""
    try:
        parsed = intent if isinstance(intent, Intent) else parse_intent(intent)
    except IntentError as error:
        raise PlanError(error.problems) from None
    with cyclic_gc_paused():  # the planner's data has no reference cycles
        return _Planner(hosts, parsed).run()


def plan(hosts: list[dict], intent: Any) -> dict:
    """The operations that make every connected host in ``hosts`` match ``intent``. Raises PlanError
    listing every refusal (and carrying the would-be plan) when any applies: nothing is half-planned."""
    document = build_plan(hosts, intent)
    if document["refusals"]:
        raise PlanError([r["message"] for r in document["refusals"]], document)
    return document
