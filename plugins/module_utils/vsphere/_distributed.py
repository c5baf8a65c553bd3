# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distributed switches in the facts (private, docs/facts.md): the switches and dvPortgroups of the
bulk read, kept once for all hosts (DistributedCatalog), and each vmknic on a distributed port
given its dvPortgroup's VLAN and teaming as one host sees them (uplink names mapped to that host's
vmnics through its ``config.network.proxySwitch``)."""

from __future__ import annotations

from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import fully_decoded, object_props, vmodl_isinstance

if HAS_PYVMOMI:
    from pyVmomi import vim


def host_switches(proxy_switches: list[Any] | None) -> dict[str, dict[str, Any]]:
    """This host's distributed switches (``config.network.proxySwitch``): switch UUID ->
    ``{name, uplinks}``, ``uplinks`` mapping each uplink name, in the host's port order, to the
    vmnic behind it on this host (None when the host backs that uplink with no pNIC)."""
    switches: dict[str, dict[str, Any]] = {}
    for proxy in proxy_switches or []:
        backing = getattr(proxy.spec, "backing", None) if proxy.spec else None
        port_to_pnic = {spec.uplinkPortKey: spec.pnicDevice for spec in getattr(backing, "pnicSpec", None) or []}
        switches[proxy.dvsUuid] = {
            "name": proxy.dvsName or None,
            "uplinks": {port.value: port_to_pnic.get(port.key) for port in proxy.uplinkPort or []},
        }
    return switches


class DistributedCatalog:
    """The distributed switches and dvPortgroups of the bulk read, each read once for all hosts."""

    def __init__(self) -> None:
        self.switches: dict[str, dict[str, Any]] = {}  # switch moid -> props
        self.portgroups: list[dict[str, Any]] = []
        self._index: dict[Any, dict[str, Any]] | None = None

    def add(self, item: Any) -> bool:
        """Keep ``item`` (an ObjectContent) if it is a switch or a dvPortgroup; False otherwise.
        Kept decoded whole: the catalog is read after the bulk read, when a value the parser does
        not understand could no longer send the read to pyVmomi."""
        obj = item.obj
        if isinstance(obj, vim.dvs.DistributedVirtualPortgroup):
            self.portgroups.append(fully_decoded(object_props(item)))
        elif isinstance(obj, vim.DistributedVirtualSwitch):
            self.switches[obj._moId] = fully_decoded(object_props(item))
        else:
            return False
        self._index = None
        return True

    def _indexed(self) -> dict[Any, dict[str, Any]]:
        """switch UUID -> switch props, (switch UUID, dvPortgroup key) -> dvPortgroup props."""
        if self._index is None:
            uuids = {moid: props.get("uuid") for moid, props in self.switches.items()}
            index: dict[Any, dict[str, Any]] = {props.get("uuid"): props for props in self.switches.values()}
            for props in self.portgroups:
                switch = props.get("config.distributedVirtualSwitch")
                index[(uuids.get(switch._moId) if switch is not None else None, props.get("key"))] = props
            self._index = index
        return self._index

    def switch(self, uuid: str) -> dict[str, Any] | None:
        return self._indexed().get(uuid)

    def portgroup(self, switch_uuid: str, key: str) -> dict[str, Any] | None:
        return self._indexed().get((switch_uuid, key))


def _dv_vlan(vlan_spec: Any) -> dict[str, Any] | None:
    """A dvPortgroup's VLAN setting as what it is: one VLAN id, trunked ranges, or a private VLAN."""
    if vlan_spec is None:
        return None
    dvs_types = vim.dvs.VmwareDistributedVirtualSwitch
    entry: dict[str, Any] = {"type": None, "vlan_id": None, "ranges": None, "pvlan_id": None}
    if vmodl_isinstance(vlan_spec, dvs_types.VlanIdSpec):
        entry.update(type="vlan", vlan_id=int(vlan_spec.vlanId))
    elif vmodl_isinstance(vlan_spec, dvs_types.TrunkVlanSpec):
        ranges = sorted((int(r.start), int(r.end)) for r in vlan_spec.vlanId or [])
        entry.update(type="trunk", ranges=[{"start": start, "end": end} for start, end in ranges])
    elif vmodl_isinstance(vlan_spec, dvs_types.PvlanSpec):
        entry.update(type="pvlan", pvlan_id=int(vlan_spec.pvlanId))
    else:
        return None
    return entry


def _uplink_order(port_config: Any) -> tuple[list[str], list[str]] | None:
    teaming = getattr(port_config, "uplinkTeamingPolicy", None) if port_config is not None else None
    order = getattr(teaming, "uplinkPortOrder", None) if teaming is not None else None
    if order is None:
        return None
    return list(order.activeUplinkPort or []), list(order.standbyUplinkPort or [])


def distributed_portgroup(switch_uuid: str, key: str, catalog: DistributedCatalog,
                          host_switch: dict[str, Any] | None) -> dict[str, Any]:
    """The port group entry (docs/facts.md) of dvPortgroup ``key`` as seen from one host: VLAN and
    teaming from the dvPortgroup's default port config, uplink names mapped to this host's vmnics
    (``host_switch``, from host_switches). Teaming is None when the dvPortgroup was not read or
    has no uplink teaming order."""
    props = catalog.portgroup(switch_uuid, key)
    switch = catalog.switch(switch_uuid)
    host_uplinks: dict[str, str | None] = dict((host_switch or {}).get("uplinks") or {})
    policy = getattr((switch or {}).get("config.uplinkPortPolicy"), "uplinkPortName", None)
    names = list(policy or host_uplinks)
    port_config = (props or {}).get("config.defaultPortConfig")
    vlan_spec = _dv_vlan(getattr(port_config, "vlan", None)) if port_config is not None else None
    order = _uplink_order(port_config)
    uplinks = teaming = None
    if order is not None:
        active, standby = order
        uplinks = {"active": active, "standby": standby, "unused": [u for u in names if u not in active and u not in standby]}
        teaming = {role: [host_uplinks[u] for u in uplinks[role] if host_uplinks.get(u)] for role in ("active", "standby")}
        teaming["unused"] = sorted(host_uplinks[u] for u in uplinks["unused"] if host_uplinks.get(u))
    return {
        "name": (props or {}).get("name") or key,
        "switch": (switch or {}).get("name") or (host_switch or {}).get("name") or switch_uuid,
        "switch_type": "distributed", "key": key,
        "vlan": vlan_spec["vlan_id"] if vlan_spec else None, "teaming": teaming,
        "switch_uuid": switch_uuid, "vlan_spec": vlan_spec, "uplinks": uplinks,
        "uplink_pnics": {name: host_uplinks.get(name) for name in names},
    }


def add_distributed_portgroups(facts: dict[str, Any], switches: dict[str, dict[str, Any]], catalog: DistributedCatalog) -> None:
    """Name the dvPortgroup and switch of each vmknic on a distributed port and list those
    dvPortgroups in ``portgroups``; ``switches`` is the host's host_switches."""
    portgroups = {(pg["switch_type"], pg["switch"], pg["name"]): pg for pg in facts["portgroups"]}
    for vmknic in facts["vmknics"]:
        dvs = vmknic["dvs"]
        if dvs is None:
            continue
        if not dvs["portgroup_key"]:  # a standalone distributed port: no dvPortgroup to take settings from
            switch = catalog.switch(dvs["switch_uuid"]) or switches.get(dvs["switch_uuid"]) or {}
            vmknic["switch"] = switch.get("name") or dvs["switch_uuid"]
            continue
        portgroup = distributed_portgroup(dvs["switch_uuid"], dvs["portgroup_key"], catalog, switches.get(dvs["switch_uuid"]))
        if portgroup["teaming"] is None:
            why = "could not be read" if catalog.portgroup(dvs["switch_uuid"], dvs["portgroup_key"]) is None \
                else "has no uplink teaming order (not a VMware distributed switch?)"
            facts["errors"].append(f"dvPortgroup {dvs['portgroup_key']} of distributed switch {dvs['switch_uuid']} "
                                   f"({vmknic['device']}) {why}: its teaming is unknown")
        portgroups.setdefault(("distributed", portgroup["switch"], portgroup["name"]), portgroup)
        vmknic["portgroup"], vmknic["switch"] = portgroup["name"], portgroup["switch"]
    facts["portgroups"] = sorted(portgroups.values(), key=lambda p: (p["switch_type"], p["switch"] or "", p["name"]))
