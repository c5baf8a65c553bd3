# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmknic_info and vmknic_audit on vmknics on a distributed switch, built on the lab through the
plain vSphere API (tests/lab/labdvs.py): switch, UUID, dvPortgroup and key, port, VLAN as what it
is, teaming by uplink name and by each host's pNICs; iSCSI port binding judged from dvPortgroup
teaming; a mixed host; and the read stays one bulk retrieval with each dvPortgroup in it once."""

from __future__ import annotations

from collections import Counter

import pytest
from labdvs import add_dvportgroup, add_dvs_hosts, add_vmk_on_dvpg, create_dvs, uplink_pnics

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere import _gather, _retrieve_stream
from harness import connection_args, run_module
from vsphere import Vsphere

UPLINKS = ["Uplink 1", "Uplink 2", "Uplink 3", "Uplink 4"]
MASK = "255.255.255.0"


@pytest.fixture(scope="module")
def built(lab_factory):
    """Two hosts on dvs-Storage: the first backs Uplink 1/2 with vmnic2/vmnic3, the second the other
    way round; Uplink 3/4 have no pNIC. Host 1: two iSCSI vmknics bound on dv-iSCSI-A/B. Host 2: a
    trunk and a private VLAN dvPortgroup, and an NFS subnet shared by a standard and a distributed vmknic."""
    lab = lab_factory(hosts=2, clusters=1)
    with Vsphere(lab) as vs:
        names = vs.host_names()
        first, second = vs.host(names[0]), vs.host(names[1])
        dvs = create_dvs(vs.si, "dvs-Storage", uplinks=UPLINKS)
        add_dvs_hosts(dvs, {first: ["vmnic2", "vmnic3"], second: ["vmnic3", "vmnic2"]})
        pgs = {
            "dv-iSCSI-A": add_dvportgroup(dvs, "dv-iSCSI-A", vlan=40, active=["Uplink 1"], standby=[]),
            "dv-iSCSI-B": add_dvportgroup(dvs, "dv-iSCSI-B", vlan=40, active=["Uplink 2"], standby=[]),
            "dv-Trunk": add_dvportgroup(dvs, "dv-Trunk", trunk=[(100, 199), (10, 20)], active=["Uplink 1", "Uplink 2"],
                                        standby=["Uplink 3"]),
            "dv-Private": add_dvportgroup(dvs, "dv-Private", pvlan=501, active=["Uplink 4"], standby=[]),
            "dv-NFS": add_dvportgroup(dvs, "dv-NFS", vlan=30, active=["Uplink 1"], standby=["Uplink 2"]),
            "dv-vMotion-A": add_dvportgroup(dvs, "dv-vMotion-A", vlan=50, active=["Uplink 1"], standby=["Uplink 2"]),
            "dv-vMotion-B": add_dvportgroup(dvs, "dv-vMotion-B", vlan=50, active=["Uplink 2"], standby=["Uplink 1"]),
        }
        devices = {
            "iscsi_a": add_vmk_on_dvpg(first, pgs["dv-iSCSI-A"], "10.40.0.11", MASK, mtu=9000),
            "iscsi_b": add_vmk_on_dvpg(first, pgs["dv-iSCSI-B"], "10.40.0.12", MASK, mtu=9000),
            "trunk": add_vmk_on_dvpg(second, pgs["dv-Trunk"], "10.41.0.12", MASK),
            "private": add_vmk_on_dvpg(second, pgs["dv-Private"], "10.42.0.12", MASK),
        }
        vs.add_portgroup(second, "NFS", vlan=30)
        devices["nfs_standard"] = vs.add_vmknic(second, "NFS", ipv4="10.30.0.12", netmask=MASK)
        devices["nfs_distributed"] = add_vmk_on_dvpg(second, pgs["dv-NFS"], "10.30.0.22", MASK)
        for pg in ("dv-vMotion-A", "dv-vMotion-B"):
            device = devices[pg] = add_vmk_on_dvpg(first, pgs[pg], f"10.50.0.{11 + len(devices)}", MASK)
            vs.select(first, "vmotion", device)
        adapter = vs.software_iscsi_adapter(first)
        vs.bind(first, adapter, devices["iscsi_a"])
        vs.bind(first, adapter, devices["iscsi_b"])
        # On the second host both iSCSI vmknics sit on dv-iSCSI-A: one active uplink each, the same one.
        devices["shared_1"] = add_vmk_on_dvpg(second, pgs["dv-iSCSI-A"], "10.40.0.21", MASK)
        devices["shared_2"] = add_vmk_on_dvpg(second, pgs["dv-iSCSI-A"], "10.40.0.22", MASK)
        second_adapter = vs.software_iscsi_adapter(second)
        vs.bind(second, second_adapter, devices["shared_1"])
        vs.bind(second, second_adapter, devices["shared_2"])
        ports = {(h.name, v.device): v.spec.distributedVirtualPort.portKey
                 for h in (first, second) for v in h.config.network.vnic if v.spec.distributedVirtualPort}
        macs = {(h.name, v.device): v.spec.mac for h in (first, second) for v in h.config.network.vnic}
        pnics = {h.name: uplink_pnics(h, "dvs-Storage") for h in (first, second)}
        keys = {name: pg.key for name, pg in pgs.items()}
        uuid = dvs.uuid
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    return {"lab": lab, "names": names, "hosts": {h["name"]: h for h in result["hosts"]}, "devices": devices,
            "ports": ports, "macs": macs, "pnics": pnics, "keys": keys, "uuid": uuid, "adapter": adapter}


def by(items, key, value):
    [item] = [i for i in items if i[key] == value]
    return item


def test_vmknic_on_a_distributed_port_exact(built):
    name = built["names"][0]
    host, device = built["hosts"][name], built["devices"]["iscsi_a"]
    vmknic = by(host["vmknics"], "device", device)
    assert vmknic == {
        "device": device, "key": f"key-vim.host.VirtualNic-{device}", "portgroup": "dv-iSCSI-A", "switch": "dvs-Storage",
        "switch_type": "distributed",
        "dvs": {"switch_uuid": built["uuid"], "portgroup_key": built["keys"]["dv-iSCSI-A"], "port_key": built["ports"][(name, device)]},
        "stack": "defaultTcpipStack", "mac": built["macs"][(name, device)], "mtu": 9000,
        "ipv4": {"address": "10.40.0.11", "netmask": MASK, "prefix_length": 24, "network": "10.40.0.0/24", "dhcp": False},
        "ipv6": vmknic["ipv6"], "services": [], "gateway_override": None,
        "iscsi_bindings": [{"adapter": built["adapter"], "compliant": True, "compliance_reasons": [],
                            "path_status": vmknic["iscsi_bindings"][0]["path_status"]}],
        "owner": None, "system_owned": False,
    }
    assert host["errors"] == []


def test_dvportgroup_teaming_by_uplink_and_by_each_hosts_pnics(built):
    first, second = built["names"]
    # proxySwitch as pyVmomi reads it: the second host backs the uplinks the other way round.
    assert built["pnics"] == {first: {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}, second: {"Uplink 1": "vmnic3", "Uplink 2": "vmnic2"}}
    assert by(built["hosts"][first]["portgroups"], "name", "dv-iSCSI-A") == {
        "name": "dv-iSCSI-A", "switch": "dvs-Storage", "switch_type": "distributed", "key": built["keys"]["dv-iSCSI-A"],
        "vlan": 40, "teaming": {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"]},
        "switch_uuid": built["uuid"], "vlan_spec": {"type": "vlan", "vlan_id": 40, "ranges": None, "pvlan_id": None},
        "uplinks": {"active": ["Uplink 1"], "standby": [], "unused": ["Uplink 2", "Uplink 3", "Uplink 4"]},
        "uplink_pnics": {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3", "Uplink 3": None, "Uplink 4": None},
    }
    trunk = by(built["hosts"][second]["portgroups"], "name", "dv-Trunk")
    assert {k: trunk[k] for k in ("vlan", "vlan_spec", "uplinks", "teaming", "uplink_pnics")} == {
        "vlan": None, "vlan_spec": {"type": "trunk", "vlan_id": None, "pvlan_id": None,
                                    "ranges": [{"start": 10, "end": 20}, {"start": 100, "end": 199}]},
        "uplinks": {"active": ["Uplink 1", "Uplink 2"], "standby": ["Uplink 3"], "unused": ["Uplink 4"]},
        "teaming": {"active": ["vmnic3", "vmnic2"], "standby": [], "unused": []},
        "uplink_pnics": {"Uplink 1": "vmnic3", "Uplink 2": "vmnic2", "Uplink 3": None, "Uplink 4": None},
    }
    private = by(built["hosts"][second]["portgroups"], "name", "dv-Private")
    assert (private["vlan"], private["vlan_spec"], private["teaming"]) == (
        None, {"type": "pvlan", "vlan_id": None, "ranges": None, "pvlan_id": 501}, {"active": [], "standby": [], "unused": ["vmnic2", "vmnic3"]})
    # A host lists the dvPortgroups its vmknics use, next to its standard port groups.
    assert sorted(p["name"] for p in built["hosts"][first]["portgroups"] if p["switch_type"] == "distributed") == [
        "dv-iSCSI-A", "dv-iSCSI-B", "dv-vMotion-A", "dv-vMotion-B"]


def test_audit_on_the_distributed_switch_and_the_mixed_host(built):
    first, second = built["names"]
    devices = built["devices"]
    result = run_module("vmknic_audit", dict(connection_args(built["lab"]), fail_on="never"))
    assert not result.get("failed"), result
    findings = {(f["host"], f["rule"]): f for f in result["findings"]}
    assert sorted(findings) == [(first, "iscsi-binding-compliant"), (first, "multi-nic-vmotion"), (second, "ipv4-same-subnet"),
                                (second, "iscsi-binding-noncompliant")]
    shared = findings[(second, "iscsi-binding-noncompliant")]
    one, two = devices["shared_1"], devices["shared_2"]
    # Uplink 1 is vmnic3 on this host (its pNICs back the uplinks the other way round).
    assert shared["evidence"]["iscsi"]["reasons"] == {one: [f"shares active uplink vmnic3 with {two}"],
                                                      two: [f"shares active uplink vmnic3 with {one}"]}
    vmotion = findings[(first, "multi-nic-vmotion")]
    assert vmotion["message"] == (f"{devices['dv-vMotion-A']} and {devices['dv-vMotion-B']} share 10.50.0.0/24 on defaultTcpipStack "
                                  "and carry only vMotion, each port group with one active uplink (vmnic2, vmnic3): "
                                  "supported multi-NIC vMotion")
    iscsi = findings[(first, "iscsi-binding-compliant")]
    assert iscsi["message"] == (f"{devices['iscsi_a']} and {devices['iscsi_b']} share 10.40.0.0/24 on defaultTcpipStack and are all "
                                f"bound to {built['adapter']}, each with its own single active uplink (vmnic2, vmnic3): "
                                "supported iSCSI port binding")
    mixed = findings[(second, "ipv4-same-subnet")]
    assert (mixed["subnet"], mixed["vmknics"], mixed["route_owner"], mixed["misrouted"]) == (
        "10.30.0.0/24", [devices["nfs_standard"], devices["nfs_distributed"]], devices["nfs_standard"],
        [{"vmknic": devices["nfs_distributed"], "services": []}])


def test_one_bulk_read_with_each_dvportgroup_once(built, monkeypatch):
    """Both hosts use dv-iSCSI-* or dv-NFS: the switch and every dvPortgroup come once, in the one
    RetrievePropertiesEx of the hosts, through the collection's parser."""
    calls: list[str] = []
    objects: Counter = Counter()
    original_call, original_retrieve = _retrieve_stream.call, _gather.stream_retrieve

    def call(stub, this, method, args, timeout=None, dropped=()):
        calls.append(method)
        return original_call(stub, this, method, args, timeout, dropped)

    def retrieve(*args, **kwargs):
        for item in original_retrieve(*args, **kwargs):
            objects[item.obj._moId] += 1
            yield item

    monkeypatch.setattr(_retrieve_stream, "call", call)
    monkeypatch.setattr(_gather, "stream_retrieve", retrieve)
    with Vsphere(built["lab"]) as vs:
        warnings: list[str] = []
        hosts = _gather.gather(vs.si, warn=warnings.append)
        dvportgroups = {pg._moId for pg in vs.content.viewManager.CreateContainerView(
            vs.content.rootFolder, [_gather.vim.dvs.DistributedVirtualPortgroup], True).view}
    assert warnings == [] and calls == ["RetrievePropertiesEx"]
    assert set(built["keys"].values()) <= dvportgroups and dvportgroups <= set(objects)
    assert set(objects.values()) == {1} and len(objects) == len(hosts) + len(dvportgroups) + 1  # + the switch
