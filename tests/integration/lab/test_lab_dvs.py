"""Distributed switches in the lab, asserted through pyVmomi: switches, host members and their
proxySwitch, dvPortgroups with VLAN and teaming, vmknics on distributed ports (from a scenario
and through the API), the journal, injected faults, and a failed call changing nothing."""

import os
import sys
import threading

import pytest
from conftest import LAB_DIR, all_hosts, connect, ipcfg, vnic
from labctl import Lab
from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

sys.path.insert(0, os.path.abspath(LAB_DIR))

from labdvs import (TaskFailed, add_dvportgroup, add_dvs_hosts, add_vmk_on_dvpg, create_dvs,  # noqa: E402
                    find_dvportgroup, member_spec, move_vmk_to_dvpg, port_connection, proxy_switch,
                    port_setting, reconfigure_dvportgroup, reconfigure_dvs, uplink_pnics, wait_task)

SCENARIO = {
    "dhcp_segments": [{"vlan": 40, "subnet": "10.40.0.0/24"}],
    "distributed_switches": [{
        "name": "DSwitch-A",
        "uplinks": ["Uplink 1", "Uplink 2"],
        "mtu": 9000,
        "members": [{"index": [0, 1, 2], "pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [
            {"name": "dvPG-vMotion", "vlan": 50, "active": ["Uplink 1"], "standby": ["Uplink 2"]},
            {"name": "dvPG-iSCSI-A", "vlan": 40, "active": ["Uplink 1"], "standby": []},
            {"name": "dvPG-Trunk", "vlan_trunk": [[100, 200]]},
            {"name": "dvPG-iSCSI-B", "vlan": 40, "active": ["Uplink 2"], "standby": []},
            {"name": "dvPG-Spare", "vlan": 70},
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


@pytest.fixture(autouse=True)
def _no_leftover_dv_faults(dvlab):
    yield
    dvlab.clear_faults()


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
    assert names[0].startswith("DSwitch-A-DVUplinks-")
    assert names[1:] == ["dvPG-vMotion", "dvPG-iSCSI-A", "dvPG-Trunk", "dvPG-iSCSI-B", "dvPG-Spare"]
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


def _pg(si, name, switch="DSwitch-A"):
    return find_dvportgroup(switches(si)[switch], name)


def test_update_virtual_nic_moves_between_dvportgroups_and_standard_port_group(dvlab, dsi, dhosts):
    h = dhosts["10.10.0.12"]
    ns = h.configManager.networkSystem
    vmo, spare = _pg(dsi, "dvPG-vMotion"), _pg(dsi, "dvPG-Spare")
    old_port = vnic(h, "vmk1").spec.distributedVirtualPort.portKey
    dvlab.clear_journal()
    move_vmk_to_dvpg(h, "vmk1", spare)
    v = vnic(h, "vmk1")
    assert (v.portgroup, v.spec.distributedVirtualPort.portgroupKey) == ("", spare.key)
    assert v.spec.distributedVirtualPort.portKey in spare.portKeys
    dvs = switches(dsi)["DSwitch-A"]
    assert dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[old_port]))[0].connectee is None
    # to a standard port group and back
    ns.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(portgroup="VM Network"))
    v = vnic(h, "vmk1")
    assert (v.portgroup, v.spec.distributedVirtualPort) == ("VM Network", None)
    move_vmk_to_dvpg(h, "vmk1", vmo)
    v = vnic(h, "vmk1")
    assert (v.portgroup, v.spec.distributedVirtualPort.portgroupKey) == ("", vmo.key)
    assert [(e["method"], e["args"].get("portgroupKey"), e["args"].get("portgroup")) for e in dvlab.journal()] == [
        ("UpdateVirtualNic", spare.key, None), ("UpdateVirtualNic", None, "VM Network"), ("UpdateVirtualNic", vmo.key, None)]


def test_dhcp_lease_follows_the_dvportgroup_vlan(dsi, dhosts):
    h = dhosts["10.10.0.13"]
    spec = vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=True), distributedVirtualPort=port_connection(_pg(dsi, "dvPG-Spare")))
    dev = h.configManager.networkSystem.AddVirtualNic("", spec)
    assert not vnic(h, dev).spec.ip.ipAddress  # VLAN 70 has no DHCP server
    move_vmk_to_dvpg(h, dev, _pg(dsi, "dvPG-iSCSI-B"))
    assert vnic(h, dev).spec.ip.ipAddress.startswith("10.40.0.1")
    h.configManager.networkSystem.RemoveVirtualNic(dev)


def test_iscsi_compliance_on_dvportgroups(dsi, dhosts):
    h = dhosts["10.10.0.13"]
    h.configManager.storageSystem.UpdateSoftwareInternetScsiEnabled(True)
    ism = h.configManager.iscsiManager
    a = add_vmk_on_dvpg(h, _pg(dsi, "dvPG-iSCSI-A"), "10.41.0.13")
    b = add_vmk_on_dvpg(h, _pg(dsi, "dvPG-iSCSI-B"), "10.41.0.113")
    cand = {p.vnicDevice: p for p in ism.QueryCandidateNics("vmhba65") if p.vnicDevice}
    reasons = {d: [type(r).__name__.split(".")[-1] for r in (p.complianceStatus.reason or [])] for d, p in cand.items()}
    assert reasons[a] == [] and reasons[b] == [] and reasons["vmk1"] == ["IscsiFaultVnicHasMultipleUplinks"]
    assert (cand[a].pnicDevice, cand[b].pnicDevice) == ("vmnic2", "vmnic3")
    with pytest.raises(vim.fault.IscsiFaultVnicHasMultipleUplinks):
        ism.BindVnic("vmhba65", "vmk1")
    ism.BindVnic("vmhba65", a)
    ism.BindVnic("vmhba65", b)
    dvs = switches(dsi)["DSwitch-A"]
    bound = {p.vnicDevice: p for p in ism.QueryBoundVnics("vmhba65")}
    pa = bound[a]
    assert (pa.switchName, pa.switchUuid, pa.portgroupName, pa.portgroupKey) == ("DSwitch-A", dvs.uuid, "dvPG-iSCSI-A", _pg(dsi, "dvPG-iSCSI-A").key)
    assert pa.portKey == vnic(h, a).spec.distributedVirtualPort.portKey and pa.pnicDevice == "vmnic2"
    # a standby uplink on the dvPortgroup makes the binding non-compliant, as on a standard switch
    reconfigure_dvportgroup(_pg(dsi, "dvPG-iSCSI-A"), active=["Uplink 1"], standby=["Uplink 2"])
    bound = {p.vnicDevice: p for p in ism.QueryBoundVnics("vmhba65")}
    assert [type(r).__name__.split(".")[-1] for r in bound[a].complianceStatus.reason] == ["IscsiFaultVnicHasMultipleUplinks"]
    reconfigure_dvportgroup(_pg(dsi, "dvPG-iSCSI-A"), active=["Uplink 1"], standby=[])
    assert [p.vnicDevice for p in ism.QueryMigrationDependencies(["vmnic3"]).dependency] == [b]


def test_reconfigure_dvportgroup_checks_and_bumps_config_version(dvlab, dsi):
    pg = _pg(dsi, "dvPG-Spare")
    v0 = pg.config.configVersion
    dvlab.clear_journal()
    reconfigure_dvportgroup(pg, vlan=71)
    assert pg.config.configVersion == str(int(v0) + 1)
    assert pg.config.defaultPortConfig.vlan.vlanId == 71
    # teaming untouched by a VLAN-only spec
    assert pg.config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder.inherited is True
    with pytest.raises(TaskFailed) as e:
        reconfigure_dvportgroup(pg, config_version=v0, vlan=72)
    assert isinstance(e.value.fault, vim.fault.ConcurrentAccess)
    assert pg.config.defaultPortConfig.vlan.vlanId == 71
    reconfigure_dvportgroup(pg, trunk=[(10, 20)])
    assert isinstance(pg.config.defaultPortConfig.vlan, vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec)
    reconfigure_dvportgroup(pg, pvlan=301)
    assert pg.config.defaultPortConfig.vlan.pvlanId == 301
    j = [(e["method"], e["args"].get("vlan"), e.get("fault")) for e in dvlab.journal()]
    assert j == [("ReconfigureDVPortgroup_Task", 71, None), ("ReconfigureDVPortgroup_Task", 72, "ConcurrentAccess"),
                 ("ReconfigureDVPortgroup_Task", "trunk:10-20", None), ("ReconfigureDVPortgroup_Task", "pvlan:301", None)]


def test_destroy_dvportgroup_refused_while_in_use(dsi, dhosts):
    dvs = switches(dsi)["DSwitch-A"]
    with pytest.raises(TaskFailed) as e:
        wait_task(_pg(dsi, "dvPG-vMotion").Destroy_Task())
    assert isinstance(e.value.fault, vim.fault.ResourceInUse)
    assert "dvPG-vMotion" in [p.name for p in dvs.portgroup]
    spare = add_dvportgroup(dvs, "dvPG-Gone", vlan=9)
    wait_task(spare.Destroy_Task())
    assert "dvPG-Gone" not in [p.name for p in dvs.portgroup]
    assert "dvPG-Gone" not in [n.name for n in dhosts["10.10.0.11"].network]


def test_vlan_change_of_the_management_dvportgroup_is_rolled_back(dvlab, tmp_path):
    scenario = {
        "distributed_switches": [{"name": "DS-Mgmt", "members": [{"pnics": ["vmnic2", "vmnic3"]}],
                                  "portgroups": [{"name": "dvPG-Mgmt", "vlan": 0}]}],
    }
    with Lab.start(hosts=2, scenario=scenario, state_dir=str(tmp_path / "m")) as lab:
        si = connect(lab)
        try:
            h = all_hosts(si)["10.10.0.11"]
            pg = find_dvportgroup(switches(si)["DS-Mgmt"], "dvPG-Mgmt")
            move_vmk_to_dvpg(h, "vmk0", pg)  # same VLAN, pNICs with link: the path holds
            assert vnic(h, "vmk0").spec.distributedVirtualPort.portgroupKey == pg.key
            lab.clear_journal()
            with pytest.raises(TaskFailed) as e:
                reconfigure_dvportgroup(pg, vlan=99)
            assert isinstance(e.value.fault, vim.fault.NetworkDisruptedAndConfigRolledBack)
            assert pg.config.defaultPortConfig.vlan.vlanId == 0
            with pytest.raises(TaskFailed) as e:
                reconfigure_dvportgroup(pg, active=[], standby=[])
            assert isinstance(e.value.fault, vim.fault.NetworkDisruptedAndConfigRolledBack)
            assert [(x["method"], x["fault"]) for x in lab.journal()] == [
                ("ReconfigureDVPortgroup_Task", "NetworkDisruptedAndConfigRolledBack")] * 2
            # migrating vmk0 to a switch whose uplinks have no pNIC on the host cuts the path
            bare = create_dvs(si, "DS-Bare")
            add_dvs_hosts(bare, {h: []})
            bare_pg = add_dvportgroup(bare, "dvPG-Bare", vlan=0)
            with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
                move_vmk_to_dvpg(h, "vmk0", bare_pg)
            assert vnic(h, "vmk0").spec.distributedVirtualPort.portgroupKey == pg.key
            # and back to the standard switch, which still has vmnic0/1
            h.configManager.networkSystem.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(portgroup="Management Network"))
            assert (vnic(h, "vmk0").portgroup, vnic(h, "vmk0").spec.distributedVirtualPort) == ("Management Network", None)
        finally:
            Disconnect(si)


def test_fault_aimed_at_a_dvportgroup_and_hold_of_a_task_method(dvlab, dsi):
    spare = _pg(dsi, "dvPG-Spare")
    other = _pg(dsi, "dvPG-Trunk")
    dvlab.inject_fault("ReconfigureDVPortgroup_Task", host=spare._moId, fault="ConcurrentAccess")
    reconfigure_dvportgroup(other, trunk=[(100, 201)])  # another dvPortgroup: not hit
    with pytest.raises(TaskFailed) as e:
        reconfigure_dvportgroup(spare, vlan=80)
    assert isinstance(e.value.fault, vim.fault.ConcurrentAccess)
    assert [(f["seen"], f["fired"]) for f in dvlab.faults()] == [(1, 1)]
    dvlab.clear_faults()
    # a held task method waits until released, then runs
    dvlab.hold("ReconfigureDVPortgroup_Task", host=spare._moId)
    version = spare.config.configVersion
    done = {}
    worker = threading.Thread(target=lambda: done.setdefault("r", reconfigure_dvportgroup(connect_pg(dvlab, "dvPG-Spare"), vlan=81)))
    worker.start()
    held = dvlab.wait_held()
    assert (held["method"], held["object"], held["host"]) == ("ReconfigureDVPortgroup_Task", spare._moId, None)
    assert spare.config.configVersion == version
    dvlab.release_held(held["id"])
    worker.join(30)
    assert spare.config.defaultPortConfig.vlan.vlanId == 81 and spare.config.configVersion == str(int(version) + 1)
    dvlab.clear_holds()


def connect_pg(lab, name):
    """The dvPortgroup through a session of its own (a held call blocks its connection)."""
    return _pg(connect(lab), name)


def test_uplink_without_a_pnic_on_the_host_gives_no_uplinks(dsi, dhosts):
    # DSwitch-B: 10.10.0.14 has only vmnic3, on Uplink 1
    dvs = switches(dsi)["DSwitch-B"]
    h = dhosts["10.10.0.14"]
    pg = add_dvportgroup(dvs, "dvPG-NoPnic", vlan=45, active=["Uplink 2"], standby=[])
    dev = add_vmk_on_dvpg(h, pg, "10.45.0.14")
    h.configManager.storageSystem.UpdateSoftwareInternetScsiEnabled(True)
    cand = {p.vnicDevice: p for p in h.configManager.iscsiManager.QueryCandidateNics("vmhba65") if p.vnicDevice}
    assert [type(r).__name__.split(".")[-1] for r in cand[dev].complianceStatus.reason] == ["IscsiFaultVnicHasNoUplinks"]
    uplinks = dvs.FetchDVPorts(vim.dvs.PortCriteria(uplinkPort=True, host=[h]))
    assert sorted(p.config.name for p in uplinks) == ["Uplink 1", "Uplink 2", "Uplink 3", "Uplink 4"]
    assert {p.proxyHost for p in uplinks} == {h}


def test_dvportgroups_inherit_the_switch_default_port_config(dvlab, dsi):
    dvs = switches(dsi)["DSwitch-A"]
    trunk = _pg(dsi, "dvPG-Trunk")  # teaming inherited
    dvlab.clear_journal()
    reconfigure_dvs(dvs, defaultPortConfig=port_setting(active=["Uplink 2"], standby=["Uplink 1"]))
    order = dvs.config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder
    assert (list(order.activeUplinkPort), list(order.standbyUplinkPort), order.inherited) == (["Uplink 2"], ["Uplink 1"], False)
    inherited = trunk.config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder
    assert (list(inherited.activeUplinkPort), list(inherited.standbyUplinkPort), inherited.inherited) == (["Uplink 2"], ["Uplink 1"], True)
    own = _pg(dsi, "dvPG-vMotion").config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder
    assert list(own.activeUplinkPort) == ["Uplink 1"] and own.inherited is False
    with pytest.raises(TaskFailed) as e:
        reconfigure_dvs(dvs, defaultPortConfig=port_setting(active=["Uplink 9"]))
    assert isinstance(e.value.fault, vmodl.fault.InvalidArgument)
    reconfigure_dvs(dvs, defaultPortConfig=port_setting(active=["Uplink 1", "Uplink 2"], standby=[]))
    assert [(x["method"], x.get("fault")) for x in dvlab.journal()] == [
        ("ReconfigureDvs_Task", None), ("ReconfigureDvs_Task", "InvalidArgument"), ("ReconfigureDvs_Task", None)]
