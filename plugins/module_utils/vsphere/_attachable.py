# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dvPortgroups a host can attach a vmknic to (private), for the per-host modules.

A host's facts list a dvPortgroup only while it holds one of the host's vmknics (docs/facts.md);
creating a vmknic on another one, or moving one there, needs the rest: every dvPortgroup but the
uplink one of each distributed switch the host is a member of, in the facts' port group form (VLAN
and teaming as this host sees them, through its ``config.network.proxySwitch``)."""

from __future__ import annotations

from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._distributed import DistributedCatalog, distributed_portgroup, host_switches
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import (
    DVPORTGROUP_PATHS, DVSWITCH_PATHS, container_spec, retrieve_pages,
)

if HAS_PYVMOMI:
    from pyVmomi import vim, vmodl


def attachable_portgroups(service_instance: Any, host: Any) -> list[dict[str, Any]]:
    """The dvPortgroups of ``host``'s distributed switches (uplink port groups left out), sorted by
    switch and name; empty, without a further read, when the host is on no distributed switch."""
    switches = host_switches(host.config.network.proxySwitch)
    if not switches:
        return []
    content = service_instance.RetrieveContent()
    view, object_spec = container_spec(content, [vim.DistributedVirtualSwitch, vim.dvs.DistributedVirtualPortgroup])
    pc = vmodl.query.PropertyCollector
    property_specs = [pc.PropertySpec(type=vim.DistributedVirtualSwitch, pathSet=list(DVSWITCH_PATHS)),
                      pc.PropertySpec(type=vim.dvs.DistributedVirtualPortgroup, pathSet=list(DVPORTGROUP_PATHS) + ["config.uplink"])]
    catalog = DistributedCatalog()
    try:
        for item in retrieve_pages(content, [object_spec], property_specs):
            catalog.add(item)
    finally:
        view.DestroyView()
    uuids = {moid: props.get("uuid") for moid, props in catalog.switches.items()}
    portgroups = []
    for props in catalog.portgroups:
        switch = props.get("config.distributedVirtualSwitch")
        uuid = uuids.get(switch._moId) if switch is not None else None
        if uuid in switches and not props.get("config.uplink"):
            portgroups.append(distributed_portgroup(uuid, props.get("key"), catalog, switches[uuid]))
    return sorted(portgroups, key=lambda pg: (pg["switch"] or "", pg["name"]))
