"""Distributed switches in the lab, asserted through pyVmomi: switches, host members and their
proxySwitch, dvPortgroups with VLAN and teaming, vmknics on distributed ports (from a scenario
and through the API), the journal, injected faults, and a failed call changing nothing."""

import os
import sys

import pytest
from conftest import LAB_DIR, all_hosts, connect, ipcfg, vnic
from labctl import Lab
from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

sys.path.insert(0, os.path.abspath(LAB_DIR))

from labdvs import (TaskFailed, add_dvportgroup, add_dvs_hosts, add_vmk_on_dvpg, create_dvs,  # noqa: E402
                    find_dvportgroup, member_spec, port_connection, proxy_switch, reconfigure_dvs, uplink_pnics,
                    wait_task)

SCENARIO = {
    "distributed_switches": [{
        "name": "DSwitch-A",
        "uplinks": ["Uplink 1", "Uplink 2"],
        "mtu": 9000,
        "members": [{"index": [0, 1, 2], "pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [
            {"name": "dvPG-vMotion", "vlan": 50, "active": ["Uplink 1"], "standby": ["Uplink 2"]},
            {"name": "dvPG-iSCSI-A", "vlan": 40, "active": ["Uplink 1"], "standby": []},
            {"name": "dvPG-Trunk", "vlan_trunk": [[100, 200]]},
        ],
    }],
    "hosts": [
        {"index": [0, 1, 2], "vmknics": [
            {"dvportgroup": "dvPG-vMotion", "ip": "10.50.0.{i+11}/24", "services": ["vmotion"], "mtu": 9000},
        ]},
    ],
}


@pytest.fixture(scope="module")
def dvlab(tmp_path_factory):
    lab = Lab.start(hosts=5, clusters=1, scenario=SCENARIO, state_dir=str(tmp_path_factory.mktemp("dvlab")))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def dsi(dvlab):
    si = connect(dvlab)
    yield si
    Disconnect(si)


@pytest.fixture(scope="module")
def dhosts(dsi):
    return all_hosts(dsi)


def switches(si):
    view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.DistributedVirtualSwitch], True)
    try:
        return {d.name: d for d in view.view}
    finally:
        view.Destroy()


def test_scenario_switch_reads_back_as_vcenter_has_it(dsi, dhosts):
    dvs = switches(dsi)["DSwitch-A"]
    assert isinstance(dvs, vim.dvs.VmwareDistributedVirtualSwitch)
    cfg = dvs.config
    assert cfg.name == "DSwitch-A" and cfg.maxMtu == 9000
    assert list(cfg.uplinkPortPolicy.uplinkPortName) == ["Uplink 1", "Uplink 2"]
    assert sorted(h.name for h in dvs.summary.hostMember) == ["10.10.0.11", "10.10.0.12", "10.10.0.13"]
    names = [p.name for p in dvs.portgroup]
    assert names[0].startswith("DSwitch-A-DVUplinks-") and names[1:] == ["dvPG-vMotion", "dvPG-iSCSI-A", "dvPG-Trunk"]
    assert cfg.uplinkPortgroup[0].config.uplink is True
    vmo = find_dvportgroup(dvs, "dvPG-vMotion")
    s = vmo.config.defaultPortConfig
    assert isinstance(s.vlan, vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec) and s.vlan.vlanId == 50
    assert s.vlan.inherited is False
    order = s.uplinkTeamingPolicy.uplinkPortOrder
    assert (list(order.activeUplinkPort), list(order.standbyUplinkPort), order.inherited) == (["Uplink 1"], ["Uplink 2"], False)
    trunk = find_dvportgroup(dvs, "dvPG-Trunk").config.defaultPortConfig
    assert isinstance(trunk.vlan, vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec)
    assert [(r.start, r.end) for r in trunk.vlan.vlanId] == [(100, 200)]
    inherited = trunk.uplinkTeamingPolicy.uplinkPortOrder
    assert inherited.inherited is True and list(inherited.activeUplinkPort) == ["Uplink 1", "Uplink 2"]
    assert sorted(h.name for h in vmo.host) == ["10.10.0.11", "10.10.0.12", "10.10.0.13"]


def test_member_host_has_proxy_switch_and_pnics_left_vswitch0(dsi, dhosts):
    dvs = switches(dsi)["DSwitch-A"]
    h = dhosts["10.10.0.12"]
    ps = proxy_switch(h, "DSwitch-A")
    assert ps.dvsUuid == dvs.uuid and ps.mtu == 9000
    assert uplink_pnics(h, "DSwitch-A") == {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}
    assert list(ps.pnic) == ["key-vim.host.PhysicalNic-vmnic2", "key-vim.host.PhysicalNic-vmnic3"]
    member = next(m for m in dvs.config.host if m.config.host.name == "10.10.0.12")
    assert sorted(kv.key for kv in ps.uplinkPort) == sorted(member.uplinkPortKey)
    vs0 = next(v for v in h.config.network.vswitch if v.name == "vSwitch0")
    assert list(vs0.spec.bridge.nicDevice) == ["vmnic0", "vmnic1"]
    assert proxy_switch(dhosts["10.10.0.14"], "DSwitch-A") is None
    pgs = {n.name for n in h.network if isinstance(n, vim.dvs.DistributedVirtualPortgroup)}
    assert {"dvPG-vMotion", "dvPG-iSCSI-A", "dvPG-Trunk"} <= pgs


def test_scenario_vmknic_is_on_a_distributed_port(dsi, dhosts):
    dvs = switches(dsi)["DSwitch-A"]
    pg = find_dvportgroup(dvs, "dvPG-vMotion")
    h = dhosts["10.10.0.11"]
    v = vnic(h, "vmk1")
    assert v.portgroup == "" and v.spec.portgroup in ("", None)
    port = v.spec.distributedVirtualPort
    assert (port.switchUuid, port.portgroupKey) == (dvs.uuid, pg.key)
    assert port.portKey in pg.portKeys
    assert v.spec.ip.ipAddress == "10.50.0.11" and v.spec.mtu == 9000
    ports = dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[port.portKey]))
    assert len(ports) == 1 and ports[0].connectee.nicKey == "vmk1" and ports[0].connectee.connectedEntity == h
    route = [r for r in h.config.network.routeTableInfo.ipRoute if r.network == "10.50.0.0"]
    assert [(r.prefixLength, r.deviceName) for r in route] == [(24, "vmk1")]


def test_api_builds_switch_members_portgroup_and_vmknic(dvlab, dsi, dhosts):
    dvlab.clear_journal()
    h3, h4 = dhosts["10.10.0.14"], dhosts["10.10.0.15"]
    dvs = create_dvs(dsi, "DSwitch-B", uplinks=["Uplink 1", "Uplink 2", "Uplink 3", "Uplink 4"])
    add_dvs_hosts(dvs, {h3: ["vmnic3"], h4: ["vmnic3"]})
    pg = add_dvportgroup(dvs, "dvPG-NFS", vlan=60, active=["Uplink 1"], standby=[])
    dev = add_vmk_on_dvpg(h3, pg, "10.60.0.14")
    assert dev == "vmk1"
    v = vnic(h3, dev)
    assert v.spec.distributedVirtualPort.portgroupKey == pg.key
    assert uplink_pnics(h3, "DSwitch-B") == {"Uplink 1": "vmnic3"}
    j = [(e["method"], e["host"], e.get("fault")) for e in dvlab.journal()]
    assert j == [("CreateDVS_Task", None, None), ("ReconfigureDvs_Task", None, None),
                 ("CreateDVPortgroup_Task", None, None), ("AddVirtualNic", "10.10.0.14", None)]
    add = dvlab.journal()[-1]["args"]
    assert (add["switchUuid"], add["portgroupKey"], add["device"]) == (dvs.uuid, pg.key, "vmk1")
    assert "portgroup" not in add
    members = dvlab.journal()[1]["args"]["hosts"]
    assert members == [{"operation": "add", "host": "10.10.0.14", "pnics": ["vmnic3"]},
                       {"operation": "add", "host": "10.10.0.15", "pnics": ["vmnic3"]}]


def test_add_virtual_nic_with_portgroup_name_and_dv_port_is_refused(dsi, dhosts):
    pg = find_dvportgroup(switches(dsi)["DSwitch-A"], "dvPG-iSCSI-A")
    h = dhosts["10.10.0.13"]
    spec = vim.host.VirtualNic.Specification(ip=ipcfg("10.40.0.13"), distributedVirtualPort=port_connection(pg))
    with pytest.raises(vmodl.fault.InvalidArgument):
        h.configManager.networkSystem.AddVirtualNic("dvPG-iSCSI-A", spec)
    non_member = dhosts["10.10.0.15"]
    with pytest.raises(vmodl.fault.InvalidArgument):
        non_member.configManager.networkSystem.AddVirtualNic("", spec)
    assert [v.device for v in h.config.network.vnic] == ["vmk0", "vmk1"]


def test_failed_multi_host_reconfigure_changes_no_host(dvlab, dsi, dhosts):
    dvs = switches(dsi)["DSwitch-A"]
    before = dvs.config.configVersion
    h5, h3 = dhosts["10.10.0.15"], dhosts["10.10.0.11"]
    dvlab.clear_journal()
    # The second member spec fails (host already a member): the first must not stick either.
    with pytest.raises(TaskFailed) as e:
        reconfigure_dvs(dvs, [member_spec("add", h5, ["vmnic2"]), member_spec("add", h3, ["vmnic1"])])
    assert isinstance(e.value.fault, vim.fault.AlreadyExists)
    assert proxy_switch(h5, "DSwitch-A") is None
    assert "vmnic2" in next(v for v in h5.config.network.vswitch if v.name == "vSwitch0").spec.bridge.nicDevice
    assert dvs.config.configVersion == before
    assert sorted(h.name for h in dvs.summary.hostMember) == ["10.10.0.11", "10.10.0.12", "10.10.0.13"]
    [entry] = dvlab.journal()
    assert (entry["method"], entry["fault"]) == ("ReconfigureDvs_Task", "AlreadyExists")


def test_stale_config_version_is_concurrent_access(dsi):
    dvs = switches(dsi)["DSwitch-A"]
    spec = vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(configVersion="0", maxMtu=1600)
    with pytest.raises(TaskFailed) as e:
        wait_task(dvs.ReconfigureDvs_Task(spec))
    assert isinstance(e.value.fault, vim.fault.ConcurrentAccess)
    assert dvs.config.maxMtu == 9000


def test_injected_fault_fails_the_task_and_changes_nothing(dvlab, dsi, dhosts):
    dvs = switches(dsi)["DSwitch-A"]
    dvlab.inject_fault("CreateDVPortgroup_Task", fault="DvsFault", message="lab says no")
    with pytest.raises(TaskFailed) as e:
        add_dvportgroup(dvs, "dvPG-never", vlan=7)
    assert isinstance(e.value.fault, vim.fault.DvsFault) and e.value.msg == "lab says no"
    assert "dvPG-never" not in [p.name for p in dvs.portgroup]
    dvlab.inject_fault("AddVirtualNic", host="10.10.0.13", fault="HostConfigFault")
    with pytest.raises(vim.fault.HostConfigFault):
        add_vmk_on_dvpg(dhosts["10.10.0.13"], find_dvportgroup(dvs, "dvPG-iSCSI-A"), "10.40.0.13")
    assert [v.device for v in dhosts["10.10.0.13"].config.network.vnic] == ["vmk0", "vmk1"]
    assert dvs.FetchDVPorts(vim.dvs.PortCriteria(connected=True, portgroupKey=[find_dvportgroup(dvs, "dvPG-iSCSI-A").key], inside=True)) == []
