# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read vmknic facts of many hosts in bulk and turn them into plain data (docs/facts.md).

Two PropertyCollector retrievals, whatever the number of hosts: a light one for the inventory
topology (names and parents, to resolve the scope and each host's datacenter and cluster), then
one paged RetrievePropertiesEx of every network path the collection needs, for the hosts in scope
only, with every distributed switch and dvPortgroup of their datacenters in the same read (each
read once, however many hosts use it: a vmknic on a vDS takes its VLAN and teaming from there).
Walking ``host.config.network...`` attribute by attribute costs a SOAP round trip each and is
7-20x slower. The only per-host calls are IscsiManager.QueryBoundVnics, because no property
exposes iSCSI port bindings, and they are made only for adapters that can bind.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
from typing import Any, Callable, Iterable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._gc import cyclic_gc_paused
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, vmk_sort_key
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import FIELD_NAME, record_facts
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._distributed import DistributedCatalog, add_distributed_portgroups, host_switches
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import (
    FastReadUnsupported,
    object_props,
    vmodl_isinstance,
    vmodl_type_name,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import retrieve as stream_retrieve
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import ScopeError

if HAS_PYVMOMI:
    from pyVmomi import vim, vmodl

HOST_PATHS = (
    "name",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
    "config.network.vnic",
    "config.network.portgroup",
    "config.network.vswitch",
    "config.network.proxySwitch",
    "config.network.netStackInstance",
    "config.network.routeTableInfo",
    "config.network.ipRouteConfig",
    "config.network.ipV6Enabled",
    "config.virtualNicManagerInfo",
    "config.storageDevice.hostBusAdapter",
    "config.storageDevice.softwareInternetScsiEnabled",
    "configManager.iscsiManager",
    "summary.managementServerIp",
    "config.network.pnic",
    "customValue",
)
# Read once per vCenter in the bulk read, next to the hosts: what a vmknic on a distributed port
# takes from its dvPortgroup (VLAN, teaming) and from its switch (name, uplink names).
DVPORTGROUP_PATHS = ("key", "name", "config.distributedVirtualSwitch", "config.defaultPortConfig")
DVSWITCH_PATHS = ("uuid", "name", "config.uplinkPortPolicy")
PAGE_SIZE = 200


# ---------------------------------------------------------------------------------------------
# PropertyCollector plumbing


def _retrieve(content: Any, object_specs: list[Any], property_specs: list[Any]) -> Iterable[Any]:
    """Yield ObjectContent of a paged RetrievePropertiesEx."""
    collector = content.propertyCollector
    filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=object_specs, propSet=property_specs)
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=PAGE_SIZE)
    result = collector.RetrievePropertiesEx(specSet=[filter_spec], options=options)
    while result:
        yield from result.objects
        if not result.token:
            break
        result = collector.ContinueRetrievePropertiesEx(token=result.token)


def _container_spec(content: Any, types: list[Any], root: Any = None) -> tuple[Any, Any]:
    view = content.viewManager.CreateContainerView(root or content.rootFolder, types, True)
    traversal = vmodl.query.PropertyCollector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
    return view, vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])


def _missing(object_content: Any) -> list[str]:
    """What vCenter could not read of this object (ObjectContent.missingSet), for facts' errors."""
    problems = []
    for missing in object_content.missingSet or ():
        fault = missing.fault
        reason = vmodl_type_name(fault) if fault is not None else "unknown fault"
        message = getattr(fault, "msg", None)
        problems.append(f"{missing.path} could not be read: {reason}" + (f": {message}" if message else ""))
    return problems


# ---------------------------------------------------------------------------------------------
# Scope


def read_topology(content: Any) -> dict[str, Any]:
    """Names and parents of hosts, clusters, datacenters and folders (distributed switches and
    dvPortgroups are read with the hosts, by gather)."""
    pc = vmodl.query.PropertyCollector
    types = [vim.HostSystem, vim.ComputeResource, vim.Datacenter, vim.Folder]
    view, object_spec = _container_spec(content, types)
    property_specs = [
        pc.PropertySpec(type=vim.HostSystem, pathSet=["name", "parent"]),
        pc.PropertySpec(type=vim.ComputeResource, pathSet=["name", "parent"]),
        pc.PropertySpec(type=vim.ClusterComputeResource, pathSet=["name", "parent"]),
        pc.PropertySpec(type=vim.Datacenter, pathSet=["name", "parent"]),
        pc.PropertySpec(type=vim.Folder, pathSet=["name", "parent"]),
    ]
    # The service content travels with the topology: a re-read of hosts (gather with topology=)
    # then costs no RetrieveServiceContent round trip.
    topology: dict[str, Any] = {"objects": {}, "hosts": [], "record_field": None, "content": content}
    object_specs = [object_spec]
    if content.customFieldsManager is not None:  # vCenter only: the change records' field definition
        object_specs.append(pc.ObjectSpec(obj=content.customFieldsManager, skip=False))
        property_specs.append(pc.PropertySpec(type=vim.CustomFieldsManager, pathSet=["field"]))
    try:
        for item in _retrieve(content, object_specs, property_specs):
            props = object_props(item)
            obj = item.obj
            if isinstance(obj, vim.CustomFieldsManager):
                topology["record_field"] = next((f.key for f in props.get("field") or () if f.name == FIELD_NAME
                                                 and f.managedObjectType in (None, vim.HostSystem)), None)
            else:
                parent = props.get("parent")
                topology["objects"][obj._moId] = {"obj": obj, "name": props.get("name"), "parent": parent._moId if parent else None}
                if isinstance(obj, vim.HostSystem):
                    topology["hosts"].append(obj)
    finally:
        view.DestroyView()
    return topology


def _distributed_types() -> list[Any]:
    return [vim.DistributedVirtualSwitch, vim.dvs.DistributedVirtualPortgroup]


class KeptViews:
    """The ContainerViews of distributed switches and dvPortgroups under each datacenter, created at
    the first read of a session and kept for its later re-reads of hosts (a remediation reads each
    host three times: drift check, read-back, rollback check), which saves a CreateContainerView and
    a DestroyView per read. A view follows the inventory, so a dvPortgroup created meanwhile is in
    the next read as it is with a new view. Shared by the workers of one apply (hence the lock);
    ``destroy`` once they are done (vCenter also drops a session's views at logout)."""

    def __init__(self) -> None:
        self._views: dict[str, tuple[Any, Any]] = {}  # root moid -> (view, ObjectSpec)
        self._lock = threading.Lock()

    def object_spec(self, content: Any, root: Any) -> Any:
        with self._lock:
            if root._moId not in self._views:
                self._views[root._moId] = _container_spec(content, _distributed_types(), root)
            return self._views[root._moId][1]

    def destroy(self) -> None:
        with self._lock:
            views, self._views = [view for view, _spec in self._views.values()], {}
        for view in views:
            try:
                view.DestroyView()
            except Exception:  # noqa: BLE001  lost session or connection: vCenter drops the session's views with it
                pass


def keep_views(topology: dict[str, Any]) -> KeptViews:
    """Make every gather() with this ``topology`` reuse its distributed views (KeptViews)."""
    topology["kept_views"] = KeptViews()
    return topology["kept_views"]


def release_views(topology: dict[str, Any]) -> None:
    """Destroy the views keep_views() kept for ``topology`` (nothing when it kept none)."""
    kept = topology.pop("kept_views", None)
    if kept is not None:
        kept.destroy()


def _distributed_roots(topology: dict[str, Any], datacenters: set[str | None]) -> list[Any]:
    """The Datacenter objects named ``datacenters`` (where the hosts in scope are)."""
    return [o["obj"] for o in topology["objects"].values()
            if isinstance(o["obj"], vim.Datacenter) and o["name"] in datacenters]


def _ancestors(topology: dict[str, Any], moid: str) -> Iterable[dict[str, Any]]:
    objects = topology["objects"]
    parent = objects[moid]["parent"]
    while parent in objects:
        yield objects[parent]
        parent = objects[parent]["parent"]


def _placement(topology: dict[str, Any], host: Any) -> tuple[str | None, str | None]:
    datacenter = cluster = None
    for ancestor in _ancestors(topology, host._moId):
        obj = ancestor["obj"]
        if cluster is None and isinstance(obj, vim.ClusterComputeResource):
            cluster = ancestor["name"]
        if isinstance(obj, vim.Datacenter):
            datacenter = ancestor["name"]
            break
    return datacenter, cluster


def select_hosts(topology: dict[str, Any], datacenter: str | None = None, clusters: list[str] | None = None,
                 esxi_hostnames: list[str] | None = None) -> list[tuple[Any, str | None, str | None]]:
    """Hosts in scope as (HostSystem, datacenter, cluster); ScopeError names what was not found."""
    placed = [(host, *_placement(topology, host)) for host in topology["hosts"]]
    names = {host._moId: topology["objects"][host._moId]["name"] for host in topology["hosts"]}
    problems = []
    if datacenter is not None:
        if datacenter not in {dc for _host, dc, _cluster in placed} and not any(
            isinstance(o["obj"], vim.Datacenter) and o["name"] == datacenter for o in topology["objects"].values()
        ):
            problems.append(f"datacenter '{datacenter}' not found")
        placed = [entry for entry in placed if entry[1] == datacenter]
    if clusters:
        known = {o["name"] for o in topology["objects"].values() if isinstance(o["obj"], vim.ClusterComputeResource)}
        known_here = {cluster for _host, _dc, cluster in placed}
        missing = [c for c in clusters if c not in known_here and c not in known]
        if missing:
            problems.append("cluster(s) not found: " + ", ".join(missing))
        else:
            empty_here = [c for c in clusters if c not in known_here]
            if empty_here and datacenter is not None:
                problems.append(f"cluster(s) not in datacenter '{datacenter}': " + ", ".join(empty_here))
        placed = [entry for entry in placed if entry[2] in set(clusters)]
    if esxi_hostnames:
        present = {names[entry[0]._moId] for entry in placed}
        missing = [h for h in esxi_hostnames if h not in present]
        if missing:
            problems.append("host(s) not found in scope: " + ", ".join(missing))
        placed = [entry for entry in placed if names[entry[0]._moId] in set(esxi_hostnames)]
    if problems:
        raise ScopeError(problems)
    return placed


# ---------------------------------------------------------------------------------------------
# Conversion to plain data


@functools.lru_cache(maxsize=64)  # a vCenter has few distinct masks; parsing one is not free
def _prefix_of_mask(mask: str | None) -> int | None:
    if not mask:
        return None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def _ipv4(ip_config: Any) -> dict[str, Any] | None:
    if ip_config is None:
        return None
    address, mask, dhcp = ip_config.ipAddress or None, ip_config.subnetMask or None, bool(ip_config.dhcp)
    if not address and not dhcp:
        return None
    prefix = _prefix_of_mask(mask)
    network = None
    if address and prefix is not None:
        network = str(ipaddress.IPv4Interface(f"{address}/{prefix}").network)
    else:
        address = mask = None
    return {"address": address, "netmask": mask, "prefix_length": prefix, "network": network, "dhcp": dhcp}


def _ipv6(ip_config: Any) -> dict[str, Any]:
    v6 = getattr(ip_config, "ipV6Config", None) if ip_config is not None else None
    addresses = []
    for entry in (v6.ipV6Address or []) if v6 else []:
        interface = ipaddress.IPv6Interface(f"{entry.ipAddress}/{entry.prefixLength}")
        addresses.append({
            "address": str(interface.ip),
            "prefix_length": int(entry.prefixLength),
            "network": str(interface.network),
            "origin": entry.origin,
            "link_local": interface.ip.is_link_local,
            "dad_state": entry.dadState,
        })
    addresses.sort(key=lambda a: (ipaddress.IPv6Address(a["address"]), a["prefix_length"]))
    return {
        "autoconf": bool(v6.autoConfigurationEnabled) if v6 else False,
        "dhcp": bool(v6.dhcpV6Enabled) if v6 else False,
        "addresses": addresses,
    }


def _gateway_override(spec: Any) -> dict[str, Any] | None:
    route_spec = getattr(spec, "ipRouteSpec", None)
    config = route_spec.ipRouteConfig if route_spec else None
    if config is None or not (config.defaultGateway or config.ipV6DefaultGateway):
        return None
    return {"ipv4": config.defaultGateway or None, "ipv6": config.ipV6DefaultGateway or None}


def _services_by_key(nic_manager_info: Any) -> dict[str, list[str]]:
    """vmknic key -> nicTypes it is selected for. selectedVnic reads '<nicType>.<vmknic key>'."""
    services: dict[str, list[str]] = {}
    for net_config in (nic_manager_info.netConfig or []) if nic_manager_info else []:
        prefix = net_config.nicType + "."
        for selected in net_config.selectedVnic or []:
            key = selected[len(prefix):] if selected.startswith(prefix) else selected
            services.setdefault(key, []).append(net_config.nicType)
    return services


def _standard_portgroups(portgroups: list[Any], vswitches: list[Any]) -> list[dict[str, Any]]:
    uplinks_of = {}
    for vswitch in vswitches or []:
        bridge = getattr(vswitch.spec, "bridge", None) if vswitch.spec else None
        devices = list(getattr(bridge, "nicDevice", None) or [])
        if not devices:
            devices = [key.rsplit("-", 1)[-1] for key in vswitch.pnic or []]
        uplinks_of[vswitch.name] = devices
    result = []
    for portgroup in portgroups or []:
        spec = portgroup.spec
        switch = spec.vswitchName
        order = None
        policy = portgroup.computedPolicy or spec.policy
        if policy and policy.nicTeaming and policy.nicTeaming.nicOrder:
            order = policy.nicTeaming.nicOrder
        active = list(order.activeNic or []) if order else []
        standby = list(order.standbyNic or []) if order else []
        unused = sorted(set(uplinks_of.get(switch, [])) - set(active) - set(standby))
        result.append({
            "name": spec.name, "switch": switch, "switch_type": "standard", "key": None,
            "vlan": spec.vlanId, "teaming": {"active": active, "standby": standby, "unused": unused},
        })
    return result


def _pnics(pnics: Any) -> list[dict[str, Any]]:
    """Physical NICs and whether they have link (ESXi leaves linkSpeed unset without link)."""
    return sorted(({"device": p.device, "link": p.linkSpeed is not None} for p in pnics or []),
                  key=lambda p: p["device"])


@functools.lru_cache(maxsize=4096)  # hosts of one vCenter share most of their route networks
def _route_network(network: str, prefix: int) -> str:
    return str(ipaddress.ip_network(f"{network}/{prefix}", strict=False))


def _routes(stack: Any, default_route_info: Any, is_default: bool) -> list[dict[str, Any]]:
    entries: list[tuple[str, Any]] = []
    table = getattr(stack, "routeTableConfig", None)
    if table is not None and (table.ipRoute or table.ipv6Route):
        entries = [("ipv4", op.route) for op in table.ipRoute or []] + [("ipv6", op.route) for op in table.ipv6Route or []]
    elif is_default and default_route_info is not None:
        # Older hosts fill only the deprecated top-level table, which is the default stack's.
        entries = [("ipv4", r) for r in default_route_info.ipRoute or []] + [("ipv6", r) for r in default_route_info.ipv6Route or []]
    routes = []
    for family, route in entries:
        gateway = route.gateway or None
        routes.append({
            "family": family, "network": _route_network(route.network, route.prefixLength), "gateway": gateway,
            "device": route.deviceName or None, "connected": gateway in (None, "0.0.0.0", "::"),
        })
    return routes


def _stacks(props: dict[str, Any]) -> list[dict[str, Any]]:
    stacks = []
    default_gateway_config = props.get("config.network.ipRouteConfig")
    for stack in props.get("config.network.netStackInstance") or []:
        is_default = stack.key == DEFAULT_STACK
        gateways = stack.ipRouteConfig or (default_gateway_config if is_default else None)
        stacks.append({
            "key": stack.key,
            "name": stack.name or None,
            "default_gateway": (gateways.defaultGateway or None) if gateways else None,
            "ipv6_default_gateway": (gateways.ipV6DefaultGateway or None) if gateways else None,
            "routes": _routes(stack, props.get("config.network.routeTableInfo"), is_default),
        })
    return sorted(stacks, key=lambda s: s["key"])


def _iscsi_adapters(props: dict[str, Any]) -> list[dict[str, Any]]:
    adapters = []
    for hba in props.get("config.storageDevice.hostBusAdapter") or []:
        if vmodl_isinstance(hba, vim.host.InternetScsiHba):
            adapters.append({
                "device": hba.device,
                "software": bool(hba.isSoftwareBased),
                "binding_support": getattr(hba, "networkBindingSupport", None),
                "bound_vmknics": None,
            })
    return sorted(adapters, key=lambda a: a["device"])


def host_facts(props: dict[str, Any], moid: str, datacenter: str | None, cluster: str | None) -> dict[str, Any]:
    """One host's facts (docs/facts.md) from its retrieved properties. A vmknic on a distributed
    port names its dvPortgroup and switch once add_distributed_portgroups has run."""
    state = props.get("runtime.connectionState") or "disconnected"
    facts: dict[str, Any] = {
        "name": props.get("name"), "moid": moid, "datacenter": datacenter, "cluster": cluster,
        "connection_state": state, "maintenance_mode": bool(props.get("runtime.inMaintenanceMode")),
        "config_available": state == "connected",
        "management": {"address": None, "vmknic": None, "source": None},
        "ipv6_enabled": None, "vmknics": [], "portgroups": [], "stacks": [], "iscsi_adapters": [],
        "software_iscsi_enabled": None, "errors": [],
        "vcenter_address": props.get("summary.managementServerIp") or None, "pnics": [],
    }
    if state != "connected":
        # vCenter's cached config of a host it cannot reach is not evidence of the host's state.
        return facts
    facts["pnics"] = _pnics(props.get("config.network.pnic"))
    ipv6_enabled = props.get("config.network.ipV6Enabled")
    facts["ipv6_enabled"] = None if ipv6_enabled is None else bool(ipv6_enabled)
    iscsi_enabled = props.get("config.storageDevice.softwareInternetScsiEnabled")
    facts["software_iscsi_enabled"] = None if iscsi_enabled is None else bool(iscsi_enabled)
    standard = _standard_portgroups(props.get("config.network.portgroup"), props.get("config.network.vswitch"))
    portgroups = {("standard", pg["name"]): pg for pg in standard}
    services = _services_by_key(props.get("config.virtualNicManagerInfo"))
    vmknics = []
    for vnic in props.get("config.network.vnic") or []:
        spec = vnic.spec
        dv_port = getattr(spec, "distributedVirtualPort", None)
        dvs = None
        if dv_port is not None and dv_port.switchUuid:
            dvs = {"switch_uuid": dv_port.switchUuid, "portgroup_key": dv_port.portgroupKey or None, "port_key": dv_port.portKey or None}
            portgroup_name = switch = None  # add_distributed_portgroups
            switch_type = "distributed"
        elif getattr(spec, "opaqueNetwork", None) is not None:
            portgroup_name, switch, switch_type = None, None, "opaque"
        else:
            portgroup_name = vnic.portgroup or None
            known = portgroups.get(("standard", portgroup_name))
            switch, switch_type = (known["switch"] if known else None), "standard"
        owner = getattr(vnic, "owner", None) or None
        vmknics.append({
            "device": vnic.device, "key": vnic.key, "portgroup": portgroup_name, "switch": switch,
            "switch_type": switch_type, "dvs": dvs, "stack": spec.netStackInstanceKey or DEFAULT_STACK,
            "mac": spec.mac or None, "mtu": spec.mtu, "ipv4": _ipv4(spec.ip), "ipv6": _ipv6(spec.ip),
            "services": sorted(services.get(vnic.key, [])), "gateway_override": _gateway_override(spec),
            "iscsi_bindings": [], "owner": owner,
            "system_owned": bool(owner) or bool(getattr(spec, "systemOwned", False)),
        })
    facts["vmknics"] = sorted(vmknics, key=lambda v: vmk_sort_key(v["device"]))
    facts["portgroups"] = sorted(portgroups.values(), key=lambda p: (p["switch_type"], p["switch"] or "", p["name"]))
    facts["stacks"] = _stacks(props)
    facts["iscsi_adapters"] = _iscsi_adapters(props)
    facts["management"] = management_endpoint(facts)
    return facts


def change_record(props: dict[str, Any], field_key: int | None) -> dict[str, Any] | None:
    """The host's change record (docs/facts.md): None when it has none, else the record, its lease
    state and summary, or the error that makes it unusable."""
    if field_key is None:
        return None
    return record_facts(next((v.value for v in props.get("customValue") or () if v.key == field_key), None))


def read_change_record(content: Any, host: Any, field_key: int | None) -> dict[str, Any] | None:
    """The host's change record alone, as gather() puts it in the host's facts: one small
    RetrievePropertiesEx of ``customValue``, to confirm a lease just written without reading the
    whole host again."""
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(objectSet=[pc.ObjectSpec(obj=host, skip=False)], propSet=[pc.PropertySpec(type=vim.HostSystem, pathSet=["customValue"])])
    result = content.propertyCollector.RetrievePropertiesEx(specSet=[spec], options=pc.RetrieveOptions())
    return change_record(object_props(result.objects[0]) if result and result.objects else {}, field_key)


def _resolve(name: str) -> list[str]:
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []


def management_endpoint(facts: dict[str, Any]) -> dict[str, Any]:
    """The address vCenter uses for the host, and the vmknic holding it (docs/facts.md)."""
    by_address = {}
    for vmknic in facts["vmknics"]:
        if vmknic["ipv4"] and vmknic["ipv4"]["address"]:
            by_address[vmknic["ipv4"]["address"]] = vmknic["device"]
        for entry in vmknic["ipv6"]["addresses"]:
            by_address[entry["address"]] = vmknic["device"]
    name = facts["name"] or ""
    try:
        literal = str(ipaddress.ip_address(name))
        return {"address": literal, "vmknic": by_address.get(literal), "source": "name"}
    except ValueError:
        pass
    for address in _resolve(name):
        if address in by_address:
            return {"address": address, "vmknic": by_address[address], "source": "dns"}
    tagged = [v for v in facts["vmknics"] if "management" in v["services"] and v["stack"] == DEFAULT_STACK
              and v["ipv4"] and v["ipv4"]["address"]]
    if len(tagged) == 1:
        return {"address": tagged[0]["ipv4"]["address"], "vmknic": tagged[0]["device"], "source": "service_tag"}
    return {"address": None, "vmknic": None, "source": None}


# ---------------------------------------------------------------------------------------------
# iSCSI bindings (method calls: no property carries them)


def _binding(port_info: Any, adapter: str) -> dict[str, Any]:
    status = port_info.complianceStatus
    reasons = sorted({type(reason).__name__.rsplit(".", 1)[-1] for reason in (status.reason or [])}) if status else []
    return {"adapter": adapter, "compliant": not reasons, "compliance_reasons": reasons, "path_status": port_info.pathStatus or None}


def add_iscsi_bindings(facts: dict[str, Any], iscsi_manager: Any) -> None:
    """Fill iscsi_bindings / bound_vmknics for adapters that can bind and are enabled."""
    by_device = {v["device"]: v for v in facts["vmknics"]}
    for adapter in facts["iscsi_adapters"]:
        if adapter["binding_support"] == "notsupported" or (adapter["software"] and not facts["software_iscsi_enabled"]):
            continue
        try:
            ports = iscsi_manager.QueryBoundVnics(iScsiHbaName=adapter["device"]) or []
        except vmodl.MethodFault as fault:
            facts["errors"].append(f"QueryBoundVnics({adapter['device']}) failed: {fault.msg or type(fault).__name__}")
            continue
        adapter["bound_vmknics"] = sorted({p.vnicDevice for p in ports if p.vnicDevice}, key=vmk_sort_key)
        for port in ports:
            if port.vnicDevice in by_device:
                by_device[port.vnicDevice]["iscsi_bindings"].append(_binding(port, adapter["device"]))


def iscsi_migration_dependencies(host: Any, pnics: list[str]) -> dict[str, Any]:
    """IscsiManager.QueryMigrationDependencies as plain data: whether these physical NICs may be
    taken away from the vmknics using them, and the iSCSI bindings that depend on them
    (ESXI-NETWORKING.md 2.5 and 4.6). ``host`` is the HostSystem. A host that cannot answer gives
    ``allowed: null`` and the ``error``: the caller decides what an unknown answer means."""
    try:
        answer = host.configManager.iscsiManager.QueryMigrationDependencies(pnicDevice=list(pnics))
    except vmodl.MethodFault as fault:
        name = type(fault).__name__.rsplit(".", 1)[-1]
        return {"allowed": None, "reasons": [], "dependencies": [], "error": f"{name}: {fault.msg}" if fault.msg else name}
    reasons = answer.disallowReason.reason if answer.disallowReason else None
    return {
        "allowed": bool(answer.migrationAllowed),
        "reasons": sorted({type(reason).__name__.rsplit(".", 1)[-1] for reason in reasons or ()}),
        "dependencies": [{"pnic": d.pnicDevice, "vmknic": d.vnicDevice, "adapter": d.vmhbaName} for d in answer.dependency or ()],
        "error": None,
    }


# ---------------------------------------------------------------------------------------------
# Entry point


def _read_hosts(content: Any, object_specs: list[Any], property_specs: list[Any], convert: Callable[[Any], Any],
                fast_read: bool, warn: Callable[[str], None] | None, timeout: float | None,
                restart: Callable[[], None]) -> list[Any]:
    """``convert(object_content)`` of every object of the bulk read, parsed by _retrieve_stream
    when ``fast_read``, by pyVmomi otherwise or when our parser meets something it does not
    understand (then ``warn`` says so, what the parser read is discarded and ``restart`` is called:
    one source per read)."""
    with cyclic_gc_paused():
        if fast_read:
            filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=object_specs, propSet=property_specs)
            try:
                return [convert(item) for item in stream_retrieve(content.propertyCollector, [filter_spec], PAGE_SIZE, timeout)]
            except FastReadUnsupported as reason:
                if warn is not None:
                    warn(f"The bulk host read was parsed by pyVmomi instead of this collection's parser ({reason}); "
                         "the facts are the same, only slower.")
                restart()
        return [convert(item) for item in _retrieve(content, object_specs, property_specs)]


def gather(service_instance: Any, datacenter: str | None = None, clusters: list[str] | None = None,
           esxi_hostnames: list[str] | None = None, topology: dict[str, Any] | None = None,
           fast_read: bool = True, warn: Callable[[str], None] | None = None,
           timeout: float | None = None) -> list[dict[str, Any]]:
    """Facts of every host in scope, sorted by name. Pass ``topology`` (read_topology) to read the
    same hosts again without re-reading the inventory, as a remediation does around its changes.
    ``fast_read``: parse the bulk read with _retrieve_stream (falling back to pyVmomi, with a
    message to ``warn``); ``timeout``: seconds per socket read of that parse."""
    content = (topology or {}).get("content") or service_instance.RetrieveContent()
    if topology is None:
        topology = read_topology(content)
    selected = select_hosts(topology, datacenter, clusters, esxi_hostnames)
    if not selected:
        return []
    pc = vmodl.query.PropertyCollector
    placement = {host._moId: (dc, cl) for host, dc, cl in selected}
    # The switches and dvPortgroups of the datacenters in scope travel in the same read as the
    # hosts, each object once (a switch and its dvPortgroups belong to one datacenter).
    kept: KeptViews | None = topology.get("kept_views")
    views, distributed_specs = [], []
    for root in _distributed_roots(topology, {dc for _host, dc, _cluster in selected}) or [content.rootFolder]:
        if kept is not None:
            distributed_specs.append(kept.object_spec(content, root))
            continue
        view, spec = _container_spec(content, _distributed_types(), root)
        views.append(view)
        distributed_specs.append(spec)
    object_specs = [pc.ObjectSpec(obj=host, skip=False) for host, _dc, _cluster in selected] + distributed_specs
    property_specs = [
        pc.PropertySpec(type=vim.HostSystem, pathSet=list(HOST_PATHS)),
        pc.PropertySpec(type=vim.DistributedVirtualSwitch, pathSet=list(DVSWITCH_PATHS)),
        pc.PropertySpec(type=vim.dvs.DistributedVirtualPortgroup, pathSet=list(DVPORTGROUP_PATHS)),
    ]
    catalogs = [DistributedCatalog()]  # one per parse: a fallback to pyVmomi starts a new one

    def convert(item: Any) -> tuple[dict[str, Any], Any, dict[str, Any]] | None:
        if catalogs[-1].add(item):
            return None
        props = object_props(item)
        moid = item.obj._moId
        facts = host_facts(props, moid, *placement[moid])
        facts["change_record"] = change_record(props, topology.get("record_field"))
        facts["errors"].extend(_missing(item))
        return facts, props.get("configManager.iscsiManager"), host_switches(props.get("config.network.proxySwitch"))

    def read() -> list[Any]:
        try:
            return _read_hosts(content, object_specs, property_specs, convert, fast_read, warn, timeout,
                               lambda: catalogs.append(DistributedCatalog()))
        finally:
            for view in views:
                view.DestroyView()

    hosts = []
    # dvPortgroups and iSCSI bindings are resolved once the bulk read is complete (and its source final).
    for converted in read():
        if converted is None:
            continue
        facts, iscsi_manager, switches = converted
        if facts["config_available"]:
            add_distributed_portgroups(facts, switches, catalogs[-1])
            if iscsi_manager is not None and facts["iscsi_adapters"]:
                add_iscsi_bindings(facts, iscsi_manager)
        hosts.append(facts)
    return sorted(hosts, key=lambda h: h["name"] or "")
