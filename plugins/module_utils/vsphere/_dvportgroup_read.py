# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dvPortgroups a remediation may change, as vCenter holds them (private): their VLAN, failover
order (uplink names), configVersion, and every vmknic connected to them on any host, in scope or
not. The planner needs the occupants to refuse a change that would also move vmknics the intent
does not select; the facts only list the hosts in scope.

Separate from the bulk read (vsphere/_gather.py) because only a remediation that touches a
dvPortgroup needs it: one RetrievePropertiesEx for the switches and dvPortgroups asked for, and one
FetchDVPorts per switch (connected ports of those dvPortgroups only), never one call per dvPortgroup.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import SWITCH_FIELD_NAME, record_facts
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._distributed import _dv_vlan, _uplink_order
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import container_spec, retrieve_pages
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import object_props

if HAS_PYVMOMI:
    from pyVmomi import vim, vmodl

DVPORTGROUP_PATHS = ("key", "name", "config.distributedVirtualSwitch", "config.defaultPortConfig",
                     "config.configVersion", "config.uplink")
DVSWITCH_PATHS = ("uuid", "name", "config.uplinkPortPolicy", "config.host")


def _properties(content: Any, types: list[Any], paths: dict[Any, tuple[str, ...]]) -> list[tuple[Any, dict[str, Any]]]:
    """(object, props) of every object of ``types`` in the inventory, in one paged RetrievePropertiesEx."""
    pc = vmodl.query.PropertyCollector
    view, spec = container_spec(content, types)
    try:
        return [(item.obj, object_props(item)) for item in
                retrieve_pages(content, [spec], [pc.PropertySpec(type=kind, pathSet=list(paths[kind])) for kind in types])]
    finally:
        view.DestroyView()


def dvportgroup_entry(props: dict[str, Any], switch: dict[str, Any]) -> dict[str, Any]:
    """A dvPortgroup as plain data (docs/remediation.md, "vCenter-level steps"), without occupants."""
    port_config = props.get("config.defaultPortConfig")
    vlan_spec = _dv_vlan(getattr(port_config, "vlan", None)) if port_config is not None else None
    names = list(getattr(switch.get("config.uplinkPortPolicy"), "uplinkPortName", None) or [])
    order = _uplink_order(port_config)
    uplinks = None
    if order is not None:
        active, standby = order
        uplinks = {"active": active, "standby": standby, "unused": [u for u in names if u not in active and u not in standby]}
    return {
        "switch": switch.get("name"), "switch_uuid": switch.get("uuid"), "key": props.get("key"), "name": props.get("name"),
        "config_version": props.get("config.configVersion"), "vlan": vlan_spec["vlan_id"] if vlan_spec else None,
        "vlan_spec": vlan_spec, "uplinks": uplinks, "uplink_names": names, "occupants": [],
    }


def read_dvportgroups(service_instance: Any, switch_uuids: set[str], host_names: dict[str, str],
                      occupants: bool = True, switch_names: frozenset = frozenset()) -> list[dict[str, Any]]:
    """Every dvPortgroup (uplink portgroups left out) of the distributed switches ``switch_uuids``,
    sorted by switch and name, each with ``occupants``: ``[{host, device}]`` of the vmknics
    connected to it on any host. ``host_names``: HostSystem moid -> name of the hosts already
    known (the facts); the other occupants' hosts are named in one more read. ``occupants``
    false: the settings only (no FetchDVPorts), as verifying a change needs. ``switch_names``: more
    switches, by name; each of their dvPortgroups also has ``members``: host name -> uplink name ->
    the vmnic behind it there (for moving a vmknic onto the switch; one FetchDVPorts of its uplink
    ports per switch)."""
    if not switch_uuids and not switch_names:
        return []
    content = service_instance.RetrieveContent()
    items = _properties(content, [vim.DistributedVirtualSwitch, vim.dvs.DistributedVirtualPortgroup],
                        {vim.DistributedVirtualSwitch: DVSWITCH_PATHS, vim.dvs.DistributedVirtualPortgroup: DVPORTGROUP_PATHS})
    switches = {obj._moId: (obj, props) for obj, props in items if isinstance(obj, vim.DistributedVirtualSwitch)
                and (props.get("uuid") in switch_uuids or props.get("name") in switch_names)}
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for obj, props in items:
        switch = props.get("config.distributedVirtualSwitch")
        if not isinstance(obj, vim.dvs.DistributedVirtualPortgroup) or switch is None or switch._moId not in switches:
            continue
        if props.get("config.uplink"):
            continue
        entry = dvportgroup_entry(props, switches[switch._moId][1])
        entries[(entry["switch_uuid"], entry["key"])] = entry
    for dvs, switch_props in switches.values() if occupants else ():
        keys = [key for uuid, key in entries if uuid == switch_props.get("uuid")]
        if not keys:
            continue
        criteria = vim.dvs.PortCriteria(connected=True, inside=True, portgroupKey=keys)
        for port in dvs.FetchDVPorts(criteria=criteria) or []:
            connectee = port.connectee
            entry = entries.get((switch_props.get("uuid"), port.portgroupKey))
            if entry is None or connectee is None or connectee.type != "hostVmkVnic" or connectee.connectedEntity is None:
                continue
            entry["occupants"].append({"host": connectee.connectedEntity, "device": connectee.nicKey})
    members = {props.get("uuid"): _members(dvs, props) for dvs, props in switches.values() if props.get("name") in switch_names}
    names = dict(host_names)
    unknown = {o["host"] for e in entries.values() for o in e["occupants"] if o["host"]._moId not in names}
    unknown |= {host for by_host in members.values() for host in by_host if host._moId not in names}
    if unknown:  # hosts out of scope: their names, in one read
        names.update(_host_names(content, list(unknown)))
    result = sorted(entries.values(), key=lambda e: (e["switch"] or "", e["name"] or ""))
    for entry in result:
        if entry["switch_uuid"] in members:
            entry["members"] = {names.get(host._moId, host._moId): uplinks for host, uplinks in members[entry["switch_uuid"]].items()}
        entry["occupants"] = sorted(({"host": names.get(o["host"]._moId, o["host"]._moId), "device": o["device"]}
                                     for o in entry["occupants"]), key=lambda o: (o["host"], o["device"] or ""))
    return result


def switch_record_field(content: Any) -> int | None:
    """The key of the switches' change record field (None when it is not defined yet, or on a
    direct ESXi connection)."""
    manager = content.customFieldsManager
    if manager is None:
        return None
    return next((f.key for f in manager.field or () if f.name == SWITCH_FIELD_NAME), None)


def read_switch_records(content: Any, switch_uuids: set[str], field_key: int | None) -> dict[str, dict[str, Any]]:
    """Each of the distributed switches ``switch_uuids``: ``{switch, switch_uuid, obj, change_record}``
    (``change_record`` as ``_records.record_facts`` gives it, None for no record), in one
    RetrievePropertiesEx; nothing is read when the field is not defined (no switch has a record)."""
    if field_key is None or not switch_uuids:
        return {}
    found = {}
    for obj, props in _properties(content, [vim.DistributedVirtualSwitch], {vim.DistributedVirtualSwitch: ("uuid", "name", "customValue")}):
        if props.get("uuid") not in switch_uuids:
            continue
        value = next((v.value for v in props.get("customValue") or () if v.key == field_key), None)
        found[props["uuid"]] = {"switch": props.get("name"), "switch_uuid": props["uuid"], "obj": obj,
                                "change_record": record_facts(value, holder="switch")}
    return found


def _members(dvs: Any, props: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """Each member host (object) of the switch -> uplink name -> the vmnic backing it there."""
    uplink_names = {port.key: port.config.name for port in dvs.FetchDVPorts(criteria=vim.dvs.PortCriteria(uplinkPort=True)) or []}
    result: dict[Any, dict[str, Any]] = {}
    for member in props.get("config.host") or []:
        config = member.config
        backing = getattr(config, "backing", None)
        by_port = {spec.uplinkPortKey: spec.pnicDevice for spec in getattr(backing, "pnicSpec", None) or []}
        names = list(getattr(props.get("config.uplinkPortPolicy"), "uplinkPortName", None) or [])
        uplinks = {name: None for name in names}
        uplinks.update({uplink_names[key]: pnic for key, pnic in by_port.items() if key in uplink_names})
        result[config.host] = uplinks
    return result


def _host_names(content: Any, hosts: list[Any]) -> dict[str, str]:
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(objectSet=[pc.ObjectSpec(obj=host, skip=False) for host in hosts],
                         propSet=[pc.PropertySpec(type=vim.HostSystem, pathSet=["name"])])
    result = content.propertyCollector.RetrievePropertiesEx(specSet=[spec], options=pc.RetrieveOptions())
    return {item.obj._moId: object_props(item).get("name") for item in (result.objects if result else [])}
