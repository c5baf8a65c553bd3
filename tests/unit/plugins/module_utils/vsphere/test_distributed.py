# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts of vmknics on distributed ports from pyVmomi data objects shaped as vCenter returns them
(the lab tests tests/integration/modules/test_vmknic_info_distributed.py read them from vCenter):
the dvPortgroup's VLAN as what it is, teaming by uplink name and by this host's pNICs."""

from __future__ import annotations

from pyVmomi import vim, vmodl

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._distributed import (
    DistributedCatalog,
    add_distributed_portgroups,
    host_switches,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._host_facts import host_facts

UUID = "50 2e 7a 11 9c 3d 44 01-8b 52 6f 0e 21 aa 90 17"
DVS = vim.dvs.VmwareDistributedVirtualSwitch
PORTGROUP_KEYS = {"iSCSI-A": "dvportgroup-31", "Trunk": "dvportgroup-32", "Private": "dvportgroup-33"}


def content(obj, **props):
    return vmodl.query.PropertyCollector.ObjectContent(
        obj=obj, propSet=[vmodl.DynamicProperty(name=name.replace("__", "."), val=val) for name, val in props.items()])


def port_config(vlan, active, standby):
    order = DVS.UplinkPortOrderPolicy(activeUplinkPort=active, standbyUplinkPort=standby)
    return DVS.VmwarePortConfigPolicy(vlan=vlan, uplinkTeamingPolicy=DVS.UplinkPortTeamingPolicy(uplinkPortOrder=order))


def catalog() -> DistributedCatalog:
    switch = vim.dvs.VmwareDistributedVirtualSwitch("dvs-9")
    result = DistributedCatalog()
    items = [
        content(switch, uuid=UUID, name="dvs-Storage", config__uplinkPortPolicy=vim.DistributedVirtualSwitch.NameArrayUplinkPortPolicy(
            uplinkPortName=["Uplink 1", "Uplink 2", "Uplink 3", "Uplink 4"])),
        content(vim.dvs.DistributedVirtualPortgroup("dvportgroup-31"), key="dvportgroup-31", name="iSCSI-A",
                config__distributedVirtualSwitch=switch,
                config__defaultPortConfig=port_config(DVS.VlanIdSpec(vlanId=40), ["Uplink 1"], [])),
        content(vim.dvs.DistributedVirtualPortgroup("dvportgroup-32"), key="dvportgroup-32", name="Trunk",
                config__distributedVirtualSwitch=switch,
                config__defaultPortConfig=port_config(DVS.TrunkVlanSpec(vlanId=[vim.NumericRange(start=100, end=199),
                                                                                vim.NumericRange(start=10, end=20)]),
                                                      ["Uplink 2", "Uplink 1"], ["Uplink 3"])),
        content(vim.dvs.DistributedVirtualPortgroup("dvportgroup-33"), key="dvportgroup-33", name="Private",
                config__distributedVirtualSwitch=switch,
                config__defaultPortConfig=port_config(DVS.PvlanSpec(pvlanId=501), ["Uplink 4"], [])),
    ]
    assert all(result.add(item) for item in items)
    assert not result.add(content(vim.HostSystem("host-1"), name="x"))
    return result


def proxy_switch():
    backing = vim.dvs.HostMember.PnicBacking(pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice="vmnic2", uplinkPortKey="100"),
                                                       vim.dvs.HostMember.PnicSpec(pnicDevice="vmnic3", uplinkPortKey="101")])
    return vim.host.HostProxySwitch(
        dvsUuid=UUID, dvsName="dvs-Storage", spec=vim.host.HostProxySwitch.Specification(backing=backing),
        uplinkPort=[vim.KeyValue(key=str(100 + i), value=f"Uplink {i + 1}") for i in range(4)])


def vnic(device, portgroup, port_key, address):
    connection = vim.dvs.PortConnection(switchUuid=UUID, portgroupKey=PORTGROUP_KEYS.get(portgroup, portgroup), portKey=port_key)
    spec = vim.host.VirtualNic.Specification(
        distributedVirtualPort=connection, mtu=9000, mac="00:50:56:6a:00:0" + device[-1],
        ip=vim.host.IpConfig(dhcp=False, ipAddress=address, subnetMask="255.255.255.0"))
    return vim.host.VirtualNic(device=device, key=f"key-vim.host.VirtualNic-{device}", portgroup="", spec=spec)


def facts(*vnics):
    props = {"name": "10.10.0.11", "runtime.connectionState": "connected", "config.network.vnic": list(vnics),
             "config.network.proxySwitch": [proxy_switch()]}
    result = host_facts(props, "host-1", "DC0", "C0")
    add_distributed_portgroups(result, host_switches(props["config.network.proxySwitch"]), catalog())
    return result


def test_host_switches_map_uplink_names_to_this_hosts_pnics():
    assert host_switches([proxy_switch()]) == {UUID: {"name": "dvs-Storage", "uplinks": {
        "Uplink 1": "vmnic2", "Uplink 2": "vmnic3", "Uplink 3": None, "Uplink 4": None}}}


def test_vmknic_on_a_dvportgroup_names_switch_portgroup_and_port():
    host = facts(vnic("vmk1", "iSCSI-A", "12", "10.40.0.11"))
    (vmk1,) = host["vmknics"]
    assert (vmk1["portgroup"], vmk1["switch"], vmk1["switch_type"], vmk1["dvs"]) == (
        "iSCSI-A", "dvs-Storage", "distributed", {"switch_uuid": UUID, "portgroup_key": "dvportgroup-31", "port_key": "12"})
    assert host["portgroups"] == [{
        "name": "iSCSI-A", "switch": "dvs-Storage", "switch_type": "distributed", "key": "dvportgroup-31", "vlan": 40,
        "teaming": {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"]},
        "switch_uuid": UUID, "vlan_spec": {"type": "vlan", "vlan_id": 40, "ranges": None, "pvlan_id": None},
        "uplinks": {"active": ["Uplink 1"], "standby": [], "unused": ["Uplink 2", "Uplink 3", "Uplink 4"]},
        "uplink_pnics": {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3", "Uplink 3": None, "Uplink 4": None},
    }]
    assert host["errors"] == []


def test_trunk_and_private_vlans_are_what_they_are():
    host = facts(vnic("vmk1", "Trunk", "13", "10.41.0.11"), vnic("vmk2", "Private", "14", "10.42.0.11"))
    trunk, private = (next(pg for pg in host["portgroups"] if pg["name"] == name) for name in ("Trunk", "Private"))
    ranges = [{"start": 10, "end": 20}, {"start": 100, "end": 199}]
    assert (trunk["vlan"], trunk["vlan_spec"]) == (None, {"type": "trunk", "vlan_id": None, "pvlan_id": None, "ranges": ranges})
    # Failover order is kept; an uplink without a pNIC on this host has no vmnic in teaming.
    assert (trunk["uplinks"], trunk["teaming"]) == (
        {"active": ["Uplink 2", "Uplink 1"], "standby": ["Uplink 3"], "unused": ["Uplink 4"]},
        {"active": ["vmnic3", "vmnic2"], "standby": [], "unused": []})
    assert (private["vlan"], private["vlan_spec"]) == (None, {"type": "pvlan", "vlan_id": None, "ranges": None, "pvlan_id": 501})
    assert private["teaming"] == {"active": [], "standby": [], "unused": ["vmnic2", "vmnic3"]}


def test_dvportgroup_not_read_leaves_teaming_unknown_and_says_so():
    host = facts(vnic("vmk1", "dvportgroup-77", "15", "10.43.0.11"))
    (entry,) = host["portgroups"]
    assert (entry["name"], entry["switch"], entry["teaming"], entry["vlan_spec"], entry["uplinks"]) == (
        "dvportgroup-77", "dvs-Storage", None, None, None)
    assert host["errors"] == [f"dvPortgroup dvportgroup-77 of distributed switch {UUID} (vmk1) could not be read: "
                              "its teaming is unknown"]
