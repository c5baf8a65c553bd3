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

import threading
from typing import Any, Callable, Iterable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._gc import cyclic_gc_paused
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import vmk_sort_key
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import FIELD_NAME, record_facts
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._distributed import DistributedCatalog, add_distributed_portgroups, host_switches
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._host_facts import host_facts
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import (
    FastReadUnsupported,
    object_props,
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
# Fields of the bulk read that no fact reads, dropped by the collection's parser before it builds
# them: ``candidateVnic`` (VirtualNicManagerNetConfig) is a full HostVirtualNic of every vmknic
# that could serve each nicType, more than half of a host's bytes; the facts take the services from
# ``selectedVnic``. Reading a dropped field makes the read fall back to pyVmomi, never an empty value.
DROPPED_FIELDS = ("candidateVnic",)


# ---------------------------------------------------------------------------------------------
# PropertyCollector plumbing


def retrieve_pages(content: Any, object_specs: list[Any], property_specs: list[Any]) -> Iterable[Any]:
    """Yield ObjectContent of a paged RetrievePropertiesEx, parsed by pyVmomi (the reads other than
    the hosts' bulk read, and that read's fallback). Pages of PAGE_SIZE objects."""
    collector = content.propertyCollector
    filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=object_specs, propSet=property_specs)
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=PAGE_SIZE)
    result = collector.RetrievePropertiesEx(specSet=[filter_spec], options=options)
    while result:
        yield from result.objects
        if not result.token:
            break
        result = collector.ContinueRetrievePropertiesEx(token=result.token)


def container_spec(content: Any, types: list[Any], root: Any = None) -> tuple[Any, Any]:
    """A ContainerView of ``types`` under ``root`` (the caller destroys it) and the ObjectSpec that walks it."""
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
    view, object_spec = container_spec(content, types)
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
        for item in retrieve_pages(content, object_specs, property_specs):
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
                self._views[root._moId] = container_spec(content, _distributed_types(), root)
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
# Conversion to plain data (one host's: _host_facts.py)


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
                return [convert(item) for item in stream_retrieve(content.propertyCollector, [filter_spec], PAGE_SIZE, timeout,
                                                                  DROPPED_FIELDS)]
            except FastReadUnsupported as reason:
                if warn is not None:
                    warn(f"The bulk host read was parsed by pyVmomi instead of this collection's parser ({reason}); "
                         "the facts are the same, only slower.")
                restart()
        return [convert(item) for item in retrieve_pages(content, object_specs, property_specs)]


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
        view, spec = container_spec(content, _distributed_types(), root)
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
