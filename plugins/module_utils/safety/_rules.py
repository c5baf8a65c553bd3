# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safety rules the remediation planner and the per-host modules both apply (private).

Each rule returns a list of problems (sentences); the planner refuses a plan that has any, a
per-host module refuses (or warns, where it says so). Pure Python on plain data.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Callable, Iterable, NamedTuple, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, IMPLIED_SERVICES, vmk_sort_key

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import find_portgroup
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import (
    VSAN_SERVICES, bound_adapters, find_vmknic, management_devices, stack_of,
)


def untrusted_facts(host: dict) -> Optional[str]:
    """Why a host is neither planned nor changed: "state" when it is not connected or its
    configuration was not readable (its connection_state says which), "facts" when reading its
    facts failed part-way (its ``errors``); None when its facts can be trusted."""
    if host.get("connection_state") != "connected" or not host.get("config_available", True):
        return "state"
    if host.get("errors"):
        return "facts"
    return None


def services_lost_on_stack(services: Iterable[str], stack: str) -> list[str]:
    """The services a vmknic would lose on ``stack``: service tags exist on the default stack only;
    a dedicated stack keeps just the traffic it implies, and vSAN tags (set through vSAN) stay."""
    if stack == DEFAULT_STACK:
        return []
    return sorted(set(services) - set(IMPLIED_SERVICES.get(stack, ())) - VSAN_SERVICES)


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


@functools.lru_cache(maxsize=1 << 12)
def _network(text: str) -> ipaddress._BaseNetwork:
    """A route's network, parsed once per process (every host of a fleet repeats them)."""
    return ipaddress.ip_network(text, strict=False)


@functools.lru_cache(maxsize=1 << 12)
def _address(text: str) -> ipaddress._BaseAddress:
    """ipaddress.ip_address(text), parsed once per process (vCenter's address, the gateways)."""
    return ipaddress.ip_address(text)


def _owner_towards(state: dict, address: ipaddress._BaseAddress) -> tuple[Optional[str], bool]:
    """The default-stack vmknic the host sends to ``address`` through, and whether through the
    gateway: the owner (first listed device) of the longest connected route holding it, else the
    owner of the connected route to the default gateway."""
    stack = next((s for s in state.get("stacks") or () if s.get("key") == DEFAULT_STACK), None) or {}
    best: tuple[int, Optional[str]] = (-1, None)
    family = f"ipv{address.version}"
    for route in stack.get("routes") or ():
        if not route.get("connected") or not route.get("device") or route.get("family") != family:
            continue
        network = _network(route["network"])
        if address in network and network.prefixlen > best[0]:
            best = (network.prefixlen, route["device"])
    if best[1] is not None:
        return best[1], False
    gateway = stack.get("default_gateway" if address.version == 4 else "ipv6_default_gateway")
    if gateway and _address(gateway) != address:
        return _owner_towards(state, _address(gateway))[0], True
    return None, False


def _vcenter_path(state: dict) -> tuple[Optional[tuple], str, tuple]:
    """vCenter's path to the host in ``state`` (tests/lab/README.md, "vCenter's path"): vCenter
    connects to the management address; the host answers through the vmknic owning the route to
    vCenter. Returns (signature, "", port group names of its two legs) while the path holds,
    (None, why, ()) when it is cut."""
    management = state.get("management") or {}
    by_device = {n["device"]: n for n in state.get("vmknics") or ()}
    mgmt = by_device.get(management.get("vmknic"))
    held = {(mgmt or {}).get("ipv4", {}).get("address") if mgmt and mgmt.get("ipv4") else None}
    held |= {a.get("address") for a in ((mgmt or {}).get("ipv6") or {}).get("addresses") or ()}
    if mgmt is None or management.get("address") not in held:
        return None, f"no vmknic would hold {management.get('address')}, the address vCenter connects to", ()
    device, routed = _owner_towards(state, _address(state["vcenter_address"]))
    egress = by_device.get(device)
    if egress is None:
        return None, f"no vmknic would have a route to vCenter at {state['vcenter_address']}", ()
    # pNICs the facts list without link (an uplink the facts do not list may have link)
    dark = {p["device"] for p in state.get("pnics") or ()} - {p["device"] for p in state.get("pnics") or () if p.get("link")}
    inbound, why = _path_leg(state, mgmt, dark)
    if why:
        return None, why, ()
    # One vmknic both ways (the usual case) is one leg.
    outbound, why = (inbound, "") if egress is mgmt else _path_leg(state, egress, dark)
    if why:
        return None, why, ()
    return (mgmt["device"], routed, inbound, outbound), "", (mgmt.get("portgroup"), egress.get("portgroup"))


def _path_leg(state: dict, nic: dict, dark: set[str]) -> tuple[Optional[tuple], str]:
    """((switch, VLAN) of the port group ``nic`` is on, "") while one of its uplinks may have link;
    (None, why) when every one is a pNIC without link."""
    pg = find_portgroup(state, nic.get("portgroup"), nic.get("switch")) or {}
    team = pg.get("teaming") or {}
    uplinks = list(team.get("active") or ()) + list(team.get("standby") or ())
    if pg and uplinks and dark.issuperset(uplinks):
        return None, f"port group {pg.get('name')} of {nic['device']} would have no uplink with link ({', '.join(uplinks)})"
    return (nic.get("switch"), pg.get("vlan")), ""


# What vCenter's path reads (_vcenter_path) these operations never change (engine/_simulate.py):
# services, iSCSI bindings and adapters, and nothing a host sees of a dvPortgroup's creation or end.
_OFF_THE_PATH = frozenset({"SelectVnicForNicType", "DeselectVnicForNicType", "BindVnic", "UnbindVnic", "RescanHba",
                           "UpdateSoftwareInternetScsiEnabled", "CreateDVPortgroup", "DestroyDVPortgroup"})
# These change only the port groups named op["name"] (and bindings on them): off the path unless
# one of its legs is on such a port group.
_PORTGROUP_OPERATIONS = frozenset({"AddPortGroup", "UpdatePortGroup", "RemovePortGroup"})


class VcenterPathWatch:
    """Why operations would make vCenter roll back (network rollback, ESXI-NETWORKING.md 4.1): an
    operation after which vCenter's path to the host is cut, or reaches it over another VLAN,
    switch or through the gateway instead of directly (re-addressing, moving or removing the vmknic
    that owns the route to vCenter, a VLAN change under it, teaming onto pNICs without link). Each
    operation is its own call, so every step counts.

    Pass it as simulate()'s ``watch`` (engine/_simulate.py), with the dvPortgroups an operation may
    attach a vmknic to as ``portgroups``: it judges the states simulate() passes through, so the
    operations are applied once for the prediction and this rule together. ``problems`` is then
    the sentence, starting with ``subject``, naming the first step that cuts the path; empty when
    none does, when vCenter's address or the management vmknic is unknown, or when the path was
    not whole before."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.problems: list[str] = []
        self.before: Optional[tuple] = None
        self.legs: tuple = ()  # the port groups of the path's two legs, as last judged
        self.done = False

    def __call__(self, state: dict, step: int, op: Optional[dict]) -> None:
        if self.done:
            return
        if op is None:
            if state.get("vcenter_address") and (state.get("management") or {}).get("vmknic"):
                self.before, _why, self.legs = _vcenter_path(state)
            self.done = self.before is None
            return
        if op["op"] in _OFF_THE_PATH or (op["op"] in _PORTGROUP_OPERATIONS and op.get("name") not in self.legs):
            return  # the state it leaves is, on the path, the one just judged whole
        after, why, self.legs = _vcenter_path(state)
        if after == self.before:
            return
        address = state["vcenter_address"]
        if after is not None:
            device, routed = _owner_towards(state, _address(address))
            why = (f"the host would answer vCenter at {address} through {device}"
                   f"{' via the gateway' if routed else ''} on another switch or VLAN")
        self.problems.append(f"{self.subject} would cut vCenter's path to host {state.get('name')} at step {step} "
                             f"({op['description']}): {why}; vCenter rolls such a change back "
                             "(NetworkDisruptedAndConfigRolledBack)")
        self.done = True


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


def teaming_text(pg: dict) -> str:
    """A port group's effective failover order in words; a dvPortgroup's by uplink name with the
    host's pNIC behind each (docs/facts.md ``uplinks``, ``uplink_pnics``)."""
    if pg.get("switch_type") == "distributed" and pg.get("uplinks"):
        pnics = pg.get("uplink_pnics") or {}

        def named(uplinks: Iterable[str]) -> str:
            return ", ".join(f"{u} ({pnics.get(u) or 'no pNIC'})" for u in uplinks)
        return f"active [{named(pg['uplinks'].get('active') or ())}] and standby [{named(pg['uplinks'].get('standby') or ())}]"
    team = pg.get("teaming") or {}
    return f"active [{', '.join(team.get('active') or ())}] and standby [{', '.join(team.get('standby') or ())}]"


def iscsi_uplink_problems(state: dict, adapter: str, devices: Iterable[str], remedy: Callable[[str], str]) -> list[str]:
    """Why ``devices`` cannot be bound to iSCSI adapter ``adapter`` in ``state`` (a target, with
    the bindings it declares): vSphere port binding is one vmknic to one physical NIC
    (ESXI-NETWORKING.md 1.5), so each must be on a port group whose effective teaming has exactly one
    active uplink and no standby (on a dvPortgroup: one active uplink, the others unused), and no two
    vmknics bound to the adapter may share that uplink. ``remedy(device)`` says how to give a
    standard port group one uplink (the caller's option); a dvPortgroup's teaming is vCenter's."""
    problems = []
    wanted = list(devices)
    for device in wanted:
        nic = find_vmknic(state, device) or {}
        pg = find_portgroup(state, nic.get("portgroup"), nic.get("switch"))
        if pg is None:
            continue
        team = pg.get("teaming") or {}
        if len(team.get("active") or ()) == 1 and not team.get("standby"):
            continue
        if pg.get("switch_type") == "distributed":
            problems.append(f"dvPortgroup {pg['name']} on {pg['switch']} of {device} has {teaming_text(pg)}; iSCSI port binding "
                            f"needs exactly one active uplink and no standby (set its teaming in vCenter, for every host on "
                            f"{pg['switch']}: one active uplink, the others unused; or use a dvPortgroup per path)")
        else:
            problems.append(f"port group {pg['name']} of {device} has {teaming_text(pg)}; iSCSI port binding needs "
                            f"exactly one active uplink and no standby ({remedy(device)})")
    by_uplink: dict[str, list[str]] = {}
    for nic in state.get("vmknics") or ():
        if nic["device"] not in wanted and adapter not in bound_adapters(nic):
            continue
        pg = find_portgroup(state, nic.get("portgroup"), nic.get("switch"))
        active = ((pg or {}).get("teaming") or {}).get("active") or []
        if len(active) == 1:
            by_uplink.setdefault(active[0], []).append(nic["device"])
    problems += [f"{', '.join(sorted(on, key=vmk_sort_key))} would be bound through the same uplink {uplink}; iSCSI port "
                 "binding needs one physical NIC per vmknic" for uplink, on in sorted(by_uplink.items()) if len(on) > 1]
    return problems


class StackConflict(NamedTuple):
    """Default-stack vmknics tagged for the traffic a dedicated stack carries, once that stack has a
    vmknic: ESXi then stops using them for it (ESXI-NETWORKING.md 1.3)."""

    stack: str
    service: str
    on_stack: list[str]
    tagged: list[str]

    def __str__(self) -> str:
        return (f"{', '.join(self.on_stack)} would be on the {self.stack} stack while {', '.join(self.tagged)} keeps "
                f"{self.service} on the default stack, where ESXi then stops using it")


def dedicated_stack_problems(before: dict, after: dict) -> list[StackConflict]:
    """The vmotion (vSphereProvisioning) stacks that ``after`` uses while default-stack vmknics are
    still tagged for their traffic, where ``before`` was not already so. The planner refuses them
    (a plan can move every such vmknic in one class); the vmknic module warns (it changes one vmknic
    per call, and a migration of several passes through this state)."""
    problems = []
    users_before, users_after = _dedicated_stack_users(before), _dedicated_stack_users(after)
    for stack, (service,) in IMPLIED_SERVICES.items():
        before_on, before_tagged = users_before[stack]
        after_on, after_tagged = users_after[stack]
        if after_on and after_tagged and not (before_on and before_tagged):
            problems.append(StackConflict(stack, service, after_on, after_tagged))
    return problems


def _dedicated_stack_users(host: dict) -> dict[str, tuple[list[str], list[str]]]:
    """Per dedicated stack (IMPLIED_SERVICES), in one pass over the vmknics: the devices on it, and
    the default-stack devices tagged for its traffic."""
    users: dict[str, tuple[list[str], list[str]]] = {stack: ([], []) for stack in IMPLIED_SERVICES}
    for nic in host.get("vmknics") or ():
        stack = stack_of(nic)
        if stack in users:
            users[stack][0].append(nic["device"])
        elif stack == DEFAULT_STACK:
            services = nic.get("services") or ()
            for dedicated, (service,) in IMPLIED_SERVICES.items():
                if service in services:
                    users[dedicated][1].append(nic["device"])
    return users


def _same_or_smaller(finding: dict, before: list[dict]) -> bool:
    """Whether an error finding was already there before the change, as it is or smaller: the same
    rule on the same stack, family and subnet, among vmknics that were all already in it (its id
    changes when a group shrinks, so ids cannot tell)."""
    key = (finding["rule"], finding.get("stack"), finding.get("family"), finding.get("subnet"))
    return any((f["rule"], f.get("stack"), f.get("family"), f.get("subnet")) == key
               and set(finding["vmknics"]) <= set(f["vmknics"]) for f in before)


def post_change_errors(errors_before: list[dict], errors_after: list[dict], touched: Iterable[str] = ()) -> list[dict]:
    """The audit's error findings after a change that the change answers for: every one it adds or
    grows, and every one on a vmknic it touches (``touched``: the devices it selects or creates).
    Each caller passes the findings of one host, ``severity: error`` only; the planner refuses
    them (an intent declares a host's end state), a per-host module warns (a same-subnet design is
    built one vmknic at a time, so its first step always looks multi-homed)."""
    touched = set(touched)
    return [finding for finding in errors_after
            if set(finding["vmknics"]) & touched or not _same_or_smaller(finding, errors_before)]
