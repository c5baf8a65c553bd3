# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab fidelity on distributed switches: community.vmware's vmware_dvswitch, vmware_dvs_host,
vmware_dvs_portgroup, vmware_vmkernel (dvswitch_name), vmware_vmkernel_info and vmware_migrate_vmk
(VSS -> VDS and back), written against real vCenters, run against the lab unchanged, re-runs
included. Each step asserts the modules' results, the state read back with pyVmomi and the
journaled calls. The cases build on each other (switch, members, dvPortgroup, vmknic, migration)
on one lab, in file order.
"""

from __future__ import annotations

from typing import Any

import pytest
from pyVmomi import vim
from community_vmware import find_vnic, journal, play

from vsphere import Vsphere

HOST_A = "10.10.0.11"
HOST_B = "10.10.0.12"
SWITCH = "DSwitch-Fidelity"


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(hosts=3, clusters=1)


def dvswitch_task(mtu: int = 9000, state: str = "present") -> dict[str, Any]:
    args: dict[str, Any] = {"datacenter": "DC0", "switch": SWITCH, "state": state}
    if state == "present":
        args.update(mtu=mtu, uplink_quantity=2, uplink_prefix="Uplink ", version="7.0.3")
    return {"community.vmware.vmware_dvswitch": args}


def dvs_host_task(host: str, vmnics: list[str], state: str = "present") -> dict[str, Any]:
    return {"community.vmware.vmware_dvs_host": {"esxi_hostname": host, "switch_name": SWITCH, "vmnics": vmnics, "state": state}}


def dvs_portgroup_task(name: str, vlan: int, active: list[str], standby: list[str], state: str = "present") -> dict[str, Any]:
    args: dict[str, Any] = {"switch_name": SWITCH, "portgroup_name": name, "state": state}
    if state == "present":
        args.update(vlan_id=vlan, num_ports=8, port_binding="static",
                    teaming_policy={"load_balance_policy": "loadbalance_srcid", "active_uplinks": active, "standby_uplinks": standby})
    return {"community.vmware.vmware_dvs_portgroup": args}


def dvs_vmkernel_task(host: str, portgroup: str, ip: str, **extra: Any) -> dict[str, Any]:
    args = {"esxi_hostname": host, "dvswitch_name": SWITCH, "portgroup_name": portgroup, "state": "present",
            "network": {"type": "static", "ip_address": ip, "subnet_mask": "255.255.255.0"}, **extra}
    return {"community.vmware.vmware_vmkernel": args}


def the_switch(vs: Vsphere) -> Any:
    view = vs.content.viewManager.CreateContainerView(vs.content.rootFolder, [vim.DistributedVirtualSwitch], True)
    try:
        return next(d for d in view.view if d.name == SWITCH)
    finally:
        view.Destroy()


def uplink_pnics(host: Any) -> dict[str, str]:
    proxy = next(p for p in host.config.network.proxySwitch if p.dvsName == SWITCH)
    names = {kv.key: kv.value for kv in proxy.uplinkPort}
    return {names[p.uplinkPortKey]: p.pnicDevice for p in proxy.spec.backing.pnicSpec}


def test_1_dvswitch_create_rerun_change(lab, tmp_path):
    lab.clear_journal()
    created, again = play(lab, tmp_path, [dvswitch_task(), dvswitch_task()], "dvs-create")
    assert created["changed"] is True, created
    assert again["changed"] is False, again
    entries = journal(lab)
    assert [e["method"] for e in entries] == ["CreateDVS_Task"], entries
    assert entries[0]["args"]["name"] == SWITCH
    with Vsphere(lab) as vs:
        dvs = the_switch(vs)
        assert (dvs.config.maxMtu, list(dvs.config.uplinkPortPolicy.uplinkPortName)) == (9000, ["Uplink 1", "Uplink 2"])
        assert dvs.config.productInfo.version == "7.0.3"
    changed, = play(lab, tmp_path, [dvswitch_task(mtu=1600)], "dvs-change")
    assert changed["changed"] is True, changed
    assert [e["method"] for e in journal(lab)] == ["ReconfigureDvs_Task"]
    with Vsphere(lab) as vs:
        assert the_switch(vs).config.maxMtu == 1600


def test_2_dvs_host_add_rerun(lab, tmp_path):
    lab.clear_journal()
    results = play(lab, tmp_path, [dvs_host_task(HOST_A, ["vmnic2", "vmnic3"]), dvs_host_task(HOST_B, ["vmnic2", "vmnic3"]),
                                   dvs_host_task(HOST_A, ["vmnic2", "vmnic3"])], "dvs-host")
    assert [r["changed"] for r in results] == [True, True, False], results
    entries = journal(lab)
    # vmware_dvs_host adds the host, then gives it its pNICs on the uplink ports it read back
    # (FetchDVPorts of the host's uplink ports, by uplink name).
    assert [(e["method"], [(h["operation"], h["host"], h.get("pnics")) for h in e["args"]["hosts"]]) for e in entries] == [
        ("ReconfigureDvs_Task", [("add", HOST_A, None)]), ("ReconfigureDvs_Task", [("edit", HOST_A, ["vmnic2", "vmnic3"])]),
        ("ReconfigureDvs_Task", [("add", HOST_B, None)]), ("ReconfigureDvs_Task", [("edit", HOST_B, ["vmnic2", "vmnic3"])])]
    with Vsphere(lab) as vs:
        for name in (HOST_A, HOST_B):
            host = vs.host(name)
            assert uplink_pnics(host) == {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}
            vs0 = next(v for v in host.config.network.vswitch if v.name == "vSwitch0")
            assert list(vs0.spec.bridge.nicDevice) == ["vmnic0", "vmnic1"]


def test_3_dvs_portgroup_create_rerun_change(lab, tmp_path):
    lab.clear_journal()
    created, again = play(lab, tmp_path, [dvs_portgroup_task("dvPG-vMotion", 50, ["Uplink 1"], ["Uplink 2"]),
                                          dvs_portgroup_task("dvPG-vMotion", 50, ["Uplink 1"], ["Uplink 2"])], "dvpg-create")
    assert created["changed"] is True and again["changed"] is False, (created, again)
    assert [e["method"] for e in journal(lab)] == ["AddDVPortgroup_Task"]
    changed, = play(lab, tmp_path, [dvs_portgroup_task("dvPG-vMotion", 51, ["Uplink 2"], ["Uplink 1"])], "dvpg-change")
    assert changed["changed"] is True, changed
    entries = journal(lab)
    assert [(e["method"], e["args"].get("vlan"), e["args"].get("active")) for e in entries] == [
        ("ReconfigureDVPortgroup_Task", 51, ["Uplink 2"])]
    with Vsphere(lab) as vs:
        pg = next(p for p in the_switch(vs).portgroup if p.name == "dvPG-vMotion")
        setting = pg.config.defaultPortConfig
        assert setting.vlan.vlanId == 51
        order = setting.uplinkTeamingPolicy.uplinkPortOrder
        assert (list(order.activeUplinkPort), list(order.standbyUplinkPort)) == (["Uplink 2"], ["Uplink 1"])
        assert pg.config.configVersion == "1"


def test_4_vmkernel_on_the_dvportgroup_and_info(lab, tmp_path):
    lab.clear_journal()
    created, again, info = play(lab, tmp_path, [
        dvs_vmkernel_task(HOST_A, "dvPG-vMotion", "10.50.0.11", enable_vmotion=True, mtu=1600),
        dvs_vmkernel_task(HOST_A, "dvPG-vMotion", "10.50.0.11", enable_vmotion=True, mtu=1600),
        {"community.vmware.vmware_vmkernel_info": {"esxi_hostname": HOST_A}}], "dvs-vmk")
    assert created["changed"] is True and again["changed"] is False, (created, again)
    entries = journal(lab)
    assert [e["method"] for e in entries] == ["AddVirtualNic", "SelectVnicForNicType"], entries
    add = entries[0]["args"]
    with Vsphere(lab) as vs:
        dvs = the_switch(vs)
        pg = next(p for p in dvs.portgroup if p.name == "dvPG-vMotion")
        assert (add["switchUuid"], add["portgroupKey"]) == (dvs.uuid, pg.key) and "portgroup" not in add
        vmk = find_vnic(vs.host(HOST_A), "vmk1")
        assert vmk.portgroup == "" and vmk.spec.distributedVirtualPort.portgroupKey == pg.key
        assert (vmk.spec.ip.ipAddress, vmk.spec.mtu) == ("10.50.0.11", 1600)
    reported = {v["device"]: v for v in info["host_vmk_info"][HOST_A]}
    assert reported["vmk1"]["ipv4_address"] == "10.50.0.11" and reported["vmk1"]["enable_vmotion"] is True


def test_5_migrate_vmk_vss_to_vds_and_back(lab, tmp_path):
    setup = play(lab, tmp_path, [
        dvs_portgroup_task("dvPG-Mig", 60, ["Uplink 1"], ["Uplink 2"]),
        {"community.vmware.vmware_portgroup": {"esxi_hostname": HOST_B, "switch": "vSwitch0", "portgroup": "Mig-PG", "vlan_id": 60}},
        {"community.vmware.vmware_vmkernel": {"esxi_hostname": HOST_B, "vswitch_name": "vSwitch0", "portgroup_name": "Mig-PG",
                                              "state": "present",
                                              "network": {"type": "static", "ip_address": "10.60.0.12", "subnet_mask": "255.255.255.0"}}}],
        "mig-setup")
    assert all(r["changed"] for r in setup), setup
    lab.clear_journal()
    migrate = {"esxi_hostname": HOST_B, "device": "vmk1"}
    to_vds = {"community.vmware.vmware_migrate_vmk": dict(
        migrate, current_switch_name="vSwitch0", current_portgroup_name="Mig-PG", migrate_switch_name=SWITCH, migrate_portgroup_name="dvPG-Mig")}
    moved, again = play(lab, tmp_path, [to_vds, to_vds], "mig-to-vds")
    assert moved["changed"] is True and again["changed"] is False, (moved, again)
    # One UpdateNetworkConfig moves the vmknic to a distributed port and removes its port group.
    assert [(e["method"], e["args"]["portgroup"], e["args"]["vnic"]) for e in journal(lab)] == [("UpdateNetworkConfig", 1, 1)]
    with Vsphere(lab) as vs:
        pg = next(p for p in the_switch(vs).portgroup if p.name == "dvPG-Mig")
        host = vs.host(HOST_B)
        vmk = find_vnic(host, "vmk1")
        assert vmk.portgroup == "" and vmk.spec.distributedVirtualPort.portgroupKey == pg.key
        assert vmk.spec.ip.ipAddress == "10.60.0.12"
        assert "Mig-PG" not in [p.spec.name for p in host.config.network.portgroup]
    to_vss = {"community.vmware.vmware_migrate_vmk": dict(
        migrate, current_switch_name=SWITCH, current_portgroup_name="dvPG-Mig", migrate_switch_name="vSwitch0",
        migrate_portgroup_name="Mig-Back", migrate_vlan_id=60)}
    back, again = play(lab, tmp_path, [to_vss, to_vss], "mig-to-vss")
    assert back["changed"] is True and again["changed"] is False, (back, again)
    assert [(e["method"], e["args"]["portgroup"], e["args"]["vnic"]) for e in journal(lab)] == [
        ("UpdateNetworkConfig", 1, 0), ("UpdateNetworkConfig", 0, 1)]
    with Vsphere(lab) as vs:
        host = vs.host(HOST_B)
        vmk = find_vnic(host, "vmk1")
        assert (vmk.portgroup, vmk.spec.distributedVirtualPort) == ("Mig-Back", None)
        assert next(p for p in host.config.network.portgroup if p.spec.name == "Mig-Back").spec.vlanId == 60
