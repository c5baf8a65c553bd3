# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulate: the predicted state of a host after operations (private).

Check mode shows it, and the executor compares its read-back with it (engine/_compare.py).
Pure Python on plain data.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Callable, Iterable, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, IMPLIED_SERVICES, SOFTWARE_ADAPTER, vmk_sort_key

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import SimulationError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import (
    configure_ipv6, copy_data, find_vmknic, ipv4_from_arg, ipv6_address, management_devices, manual_ipv6, portgroup_id, stack_of, teaming_arg,
)


def _find_nic(state: dict, device: str, op: dict) -> dict:
    nic = find_vmknic(state, device)
    if nic is not None:
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
    routes = _stack(state, stack_of(nic))["routes"]
    if "ipv4" in families and (nic.get("ipv4") or {}).get("network"):
        routes.append({"family": "ipv4", "network": nic["ipv4"]["network"], "gateway": "0.0.0.0",
                       "device": nic["device"], "connected": True})
    if "ipv6" in families:
        for addr in (nic.get("ipv6") or {}).get("addresses") or ():
            if addr.get("network") and not addr.get("link_local"):
                routes.append({"family": "ipv6", "network": addr["network"], "gateway": "::",
                               "device": nic["device"], "connected": True})


def _distributed_port(state: dict, pg: dict, op: dict) -> dict:
    """The ``dvs`` of a vmknic placed on dvPortgroup ``pg``: the operation names the switch UUID and
    dvPortgroup key (the executor sends them as distributedVirtualPort), vCenter picks the port."""
    dvs = op.get("dvs") or {}
    uuid = pg.get("switch_uuid") or state.get("_dvs_uuids", {}).get(pg["switch"])
    if not dvs.get("switch_uuid") or not dvs.get("portgroup_key"):
        raise SimulationError([f"{op['op']}: {pg['name']} on {pg['switch']} is a distributed port group; the operation "
                               "must name its switch UUID and dvPortgroup key (dvs)"])
    if uuid not in (None, dvs["switch_uuid"]) or pg.get("key") not in (None, dvs["portgroup_key"]):
        raise SimulationError([f"{op['op']}: dvs {dvs['switch_uuid']}/{dvs['portgroup_key']} is not dvPortgroup "
                               f"{pg['name']} on {pg['switch']} ({uuid}/{pg.get('key')})"])
    return {"switch_uuid": dvs["switch_uuid"], "portgroup_key": dvs["portgroup_key"], "port_key": None}


def _place_nic(state: dict, nic: dict, portgroup: Optional[str], switch: Optional[str], op: dict) -> None:
    """Attach ``nic`` to a port group, enforcing one vmknic per standard port group."""
    pg = find_portgroup(state, portgroup, switch)
    if pg is None:
        raise SimulationError([f"{op['op']}: host {state.get('name')} has no port group {portgroup} on {switch}"])
    if pg.get("switch_type", "standard") == "standard":
        if op.get("dvs"):
            raise SimulationError([f"{op['op']}: {portgroup} on {switch} is a standard port group; dvs is for "
                                   "distributed ones"])
        for other in state.get("vmknics") or ():
            if other is not nic and (other.get("portgroup"), other.get("switch")) == (pg["name"], pg["switch"]):
                raise SimulationError([f"{op['op']}: port group {portgroup} on {switch} of host "
                                       f"{state.get('name')} already holds {other['device']}"])
    nic["portgroup"], nic["switch"] = pg["name"], pg["switch"]
    nic["switch_type"] = pg.get("switch_type", "standard")
    nic["dvs"] = _distributed_port(state, pg, op) if nic["switch_type"] == "distributed" else None


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
    team = teaming_arg(op.get("teaming"))
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
        team = teaming_arg(op["teaming"])
        pg["teaming"] = explicit_teaming(state, op["switch"], team["active"], team["standby"])
        for nic in state.get("vmknics") or ():
            if portgroup_id(nic) == (pg["switch"], pg["name"]):
                _refresh_bindings(state, nic)
                _mark_wrong_uplink(nic, bound_uplink, _sole_active(pg))


def _sim_remove_portgroup(state: dict, op: dict) -> None:
    pg = find_portgroup(state, op["name"], op["switch"])
    if pg is None:
        raise SimulationError([f"RemovePortGroup: no port group {op['name']} on {op['switch']}"])
    for nic in state.get("vmknics") or ():
        if portgroup_id(nic) == (pg["switch"], pg["name"]):
            raise SimulationError([f"RemovePortGroup: {op['name']} still holds {nic['device']}"])
    state["portgroups"].remove(pg)


def dv_teaming(pg: dict, active: Iterable[str], standby: Iterable[str]) -> tuple[dict, dict]:
    """A dvPortgroup's failover order as uplink names (``uplinks``: every other uplink of the switch
    unused) and as the vmnics behind them on the host of ``pg`` (``teaming``, the facts' form)."""
    names = list(pg.get("uplink_pnics") or {})
    active, standby = list(active), list(standby)
    uplinks = {"active": active, "standby": standby, "unused": [u for u in names if u not in active and u not in standby]}
    pnics = pg.get("uplink_pnics") or {}
    teaming = {role: [pnics[u] for u in uplinks[role] if pnics.get(u)] for role in ("active", "standby")}
    teaming["unused"] = sorted(pnics[u] for u in uplinks["unused"] if pnics.get(u))
    return uplinks, teaming


def _sim_reconfigure_dvportgroup(state: dict, op: dict) -> None:
    """The dvPortgroup as this host sees it after the vCenter-level change: its VLAN, and its
    failover order mapped to this host's vmnics. A host with no vmknic on it sees no change."""
    pg = next((p for p in state.get("portgroups") or () if p.get("switch_type") == "distributed"
               and p.get("switch_uuid") == op["switch_uuid"] and p.get("key") == op["key"]), None)
    if pg is None:
        return
    if op.get("vlan") is not None:
        pg["vlan"] = op["vlan"]
        pg["vlan_spec"] = {"type": "vlan", "vlan_id": op["vlan"], "ranges": None, "pvlan_id": None}
    if op.get("teaming") is not None:
        bound_uplink = _sole_active(pg)
        pg["uplinks"], pg["teaming"] = dv_teaming(pg, op["teaming"]["active"], op["teaming"].get("standby") or ())
        for nic in state.get("vmknics") or ():
            if portgroup_id(nic) == (pg["switch"], pg["name"]):
                _refresh_bindings(state, nic)
                _mark_wrong_uplink(nic, bound_uplink, _sole_active(pg))


def _sim_create_dvportgroup(state: dict, op: dict) -> None:
    """Nothing a host shows: its facts list a dvPortgroup only while one of its vmknics is on it (a
    move onto the new dvPortgroup brings it in, with the settings it is created with)."""


def _sim_destroy_dvportgroup(state: dict, op: dict) -> None:
    for nic in state.get("vmknics") or ():
        if (nic.get("dvs") or {}).get("switch_uuid") == op["switch_uuid"] and nic["dvs"].get("portgroup_key") == op["key"]:
            raise SimulationError([f"DestroyDVPortgroup: {op['name']} still holds {nic['device']} of {state.get('name')}"])


def _sim_add_vnic(state: dict, op: dict) -> None:
    device = op["device"]
    if any(n["device"] == device for n in state.get("vmknics") or ()):
        raise SimulationError([f"AddVirtualNic: {device} already exists on {state.get('name')}"])
    nic = {
        "device": device, "key": f"key-vim.host.VirtualNic-{device}", "portgroup": None, "switch": None,
        "switch_type": "standard", "dvs": None, "stack": op.get("stack") or DEFAULT_STACK,
        "mac": op.get("mac"), "mtu": op.get("mtu") or 1500, "ipv4": ipv4_from_arg(op["ipv4"]),
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
    entry = dict(ipv6_address(f"{address}/64"), origin="other")
    addresses = [a for a in nic["ipv6"].get("addresses") or () if a.get("address") != str(address)] + [entry]
    addresses.sort(key=lambda a: (ipaddress.IPv6Address(a["address"]), a["prefix_length"]))
    nic["ipv6"] = {**nic["ipv6"], "addresses": addresses}


def _take_over_stack_traffic(state: dict, nic: dict) -> None:
    """ESXi lists a vmknic on the vmotion (vSphereProvisioning) stack as selected for that traffic,
    without a tag (ESXI-NETWORKING.md 1.3). Default-stack vmknics tagged for it stop carrying it;
    the planner refuses plans that leave such vmknics behind (see _dedicated_stack_checks)."""
    implied = IMPLIED_SERVICES.get(stack_of(nic), ())
    if implied:
        nic["services"] = sorted(implied)


def _sim_update_vnic(state: dict, op: dict) -> None:
    nic = _find_nic(state, op["device"], op)
    if "ipv4" in op:
        if not op["ipv4"]:
            raise SimulationError([f"UpdateVirtualNic: {op['device']} would be left without an IPv4 address"])
        nic["ipv4"] = ipv4_from_arg(op["ipv4"])
        _drop_connected_routes(state, nic["device"], ("ipv4",))
        _add_connected_routes(state, nic, ("ipv4",))
    if "ipv6" in op:
        change = op["ipv6"]
        removed = set(change.get("remove") or ())
        manual = [a for a in manual_ipv6(nic) if a not in removed] + list(change.get("add") or ())
        configure_ipv6(nic, bool(change.get("autoconf")), bool(change.get("dhcp")), manual)
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
        if stack_of(nic) != DEFAULT_STACK:
            raise SimulationError([f"SelectVnicForNicType: {nic['device']} is on stack {stack_of(nic)}; "
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


SIMULATORS = {
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
    "CreateDVPortgroup": _sim_create_dvportgroup,
    "ReconfigureDVPortgroup": _sim_reconfigure_dvportgroup,
    "DestroyDVPortgroup": _sim_destroy_dvportgroup,
}


def _attachable(state: dict, portgroups: Iterable[dict]) -> None:
    """Add the dvPortgroups ``portgroups`` (facts form) the state does not list yet: the facts list a
    dvPortgroup only while it holds a vmknic of the host, and an operation may attach one to it."""
    portgroups = list(portgroups)
    if not portgroups:
        return
    listed = {(pg.get("switch_type", "standard"), pg["switch"], pg["name"]) for pg in state.get("portgroups") or ()}
    for pg in portgroups:
        if (pg.get("switch_type"), pg["switch"], pg["name"]) not in listed:
            state.setdefault("portgroups", []).append(copy_data(pg))


def _drop_unused_distributed(state: dict) -> None:
    """As the facts do: a dvPortgroup is listed while it holds a vmknic of the host."""
    if not any(pg.get("switch_type") == "distributed" for pg in state.get("portgroups") or ()):
        return
    used = {portgroup_id(nic) for nic in state.get("vmknics") or () if nic.get("switch_type") == "distributed"}
    state["portgroups"] = [pg for pg in state.get("portgroups") or ()
                           if pg.get("switch_type", "standard") != "distributed" or portgroup_id(pg) in used]


# Called with the state as simulate() works on it: step 0 (no operation) before the first operation,
# then step N after the Nth. A safety rule that judges every intermediate state (vCenter's path,
# safety/_rules.py VcenterPathWatch) rides along instead of replaying the operations on a copy of
# its own. It must not change the state.
Watch = Callable[[dict, int, Optional[dict]], None]


# The operations whose handlers change in place only what _changeable_copy copies for them: the
# vmknic an operation names (``device``), the port group it names (``name``) and the vmknics on a
# port group of that name (their iSCSI bindings are judged again), the TCP/IP stacks and their
# route lists (vmknic operations), the iSCSI adapters (iSCSI operations), and the host's own dict
# and vmknic and port group lists. Any other operation (ReconfigureDVPortgroup, an unknown one)
# makes the copy a full one.
_SHAREABLE = frozenset({
    "UpdateSoftwareInternetScsiEnabled", "AddPortGroup", "UpdatePortGroup", "RemovePortGroup", "AddVirtualNic",
    "UpdateVirtualNic", "RemoveVirtualNic", "SelectVnicForNicType", "DeselectVnicForNicType", "BindVnic", "UnbindVnic",
    "RescanHba", "CreateDVPortgroup", "DestroyDVPortgroup",
})
_ROUTING = frozenset({"AddVirtualNic", "UpdateVirtualNic", "RemoveVirtualNic"})
_ISCSI = frozenset({"UpdateSoftwareInternetScsiEnabled", "BindVnic", "UnbindVnic"})
_PORTGROUP = frozenset({"AddPortGroup", "UpdatePortGroup", "RemovePortGroup"})


def _changeable_copy(host: dict, operations: list[dict]) -> dict:
    """``host`` with its own copy of everything ``operations`` may change in place (_SHAREABLE),
    sharing the rest with it (most vmknics and port groups, the pNICs, the route entries)."""
    kinds = {op.get("op") for op in operations}
    if not kinds <= _SHAREABLE:
        return copy_data(host)
    devices = {op.get("device") for op in operations}
    names = {op.get("name") for op in operations if op.get("op") in _PORTGROUP}
    state = dict(host)
    if isinstance(host.get("vmknics"), list):
        state["vmknics"] = [copy_data(nic) if not isinstance(nic, dict) or nic.get("device") in devices
                            or nic.get("portgroup") in names else nic for nic in host["vmknics"]]
    if isinstance(host.get("portgroups"), list):
        state["portgroups"] = [copy_data(pg) if not isinstance(pg, dict) or pg.get("name") in names else pg
                               for pg in host["portgroups"]]
    if kinds & _ROUTING and isinstance(host.get("stacks"), list):
        # A route entry is never changed, only dropped or added: each stack gets its own route list.
        state["stacks"] = [{**stack, "routes": list(stack["routes"])}
                           if isinstance(stack, dict) and isinstance(stack.get("routes"), list) else copy_data(stack)
                           for stack in host["stacks"]]
    if kinds & _ISCSI and "iscsi_adapters" in host:
        state["iscsi_adapters"] = copy_data(host["iscsi_adapters"])
    return state


def simulate(host: dict, operations: list[dict], portgroups: Iterable[dict] = (), watch: Optional[Watch] = None,
             share_unchanged: bool = False) -> dict:
    """A deep copy of ``host`` with ``operations`` applied: the predicted state (facts model).
    ``portgroups``: dvPortgroups of the host's distributed switches, in the facts' port group form,
    that the operations may attach vmknics to although the host's facts do not list them.
    ``watch``: sees the state before and after each operation (Watch).
    ``share_unchanged``: the state shares with ``host`` what the operations leave as it is (most
    of a host), for a caller that changes neither (the planner): ``host`` is never changed either way.
    Raises SimulationError when an operation does not apply (missing vmknic or port group, a
    second vmknic in a standard port group, removing the management vmknic, ...)."""
    state = _changeable_copy(host, operations) if share_unchanged else copy_data(host)
    _attachable(state, portgroups)
    # Remember distributed switch UUIDs so a vmknic re-created on a DVS gets its switch back.
    state["_dvs_uuids"] = {n["switch"]: n["dvs"]["switch_uuid"] for n in host.get("vmknics") or ()
                           if n.get("dvs") and n["dvs"].get("switch_uuid")}
    try:
        if watch is not None:
            watch(state, 0, None)
        for step, op in enumerate(operations, 1):
            if op.get("host") not in (None, host.get("name")):
                raise SimulationError([f"{op['op']}: operation for host {op.get('host')} applied to {host.get('name')}"])
            handler = SIMULATORS.get(op.get("op"))
            if handler is None:
                raise SimulationError([f"unknown operation {op.get('op')!r}"])
            handler(state, op)
            if watch is not None:
                watch(state, step, op)
    finally:
        state.pop("_dvs_uuids", None)
    _drop_unused_distributed(state)
    state["vmknics"] = sorted(state.get("vmknics") or [], key=lambda n: vmk_sort_key(n["device"]))
    state["portgroups"] = sorted(state.get("portgroups") or [], key=lambda p: (p["name"], p["switch"]))
    state["iscsi_adapters"] = sorted(state.get("iscsi_adapters") or [], key=lambda a: a["device"])
    return state
