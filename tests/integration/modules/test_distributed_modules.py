# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host modules on distributed port groups against the lab's vDS, in one lab whose state
every test puts back. vmknic: create on a dvPortgroup no vmknic of the host is on yet, move between
dvPortgroups, onto a standard port group and back, a stack move re-created on a distributed port of
the same dvPortgroup; the four steps with the exact calls and their distributed port arguments, the
vmknic read back through plain pyVmomi, community.vmware.vmware_vmkernel_info agreeing with the
prediction; a fault at every call; refusals (an ambiguous name, a switch the host is not on).
iscsi_port_binding: bound on dvPortgroups with one active uplink each (ESXi's compliance read
back), refused naming the dvPortgroup and its teaming otherwise, and two vmknics on one uplink."""

from __future__ import annotations

from typing import Any

import pytest
from community_vmware import vmkernel_info_agrees

from harness import restorable_on_new_ports
from host_change_steps import HOST, facts, fault_at_every_call, four_steps, refused, run
from vsphere import Vsphere

SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 2, "clusters": 1},
    "distributed_switches": [
        {"name": "dvs-A", "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000,
         "members": [{"index": [0, 1], "pnics": ["vmnic2", "vmnic3"]}],
         "portgroups": [{"name": "dv-vMotion-A", "vlan": 50, "active": ["Uplink 1"], "standby": ["Uplink 2"]},
                        {"name": "dv-vMotion-B", "vlan": 51, "active": ["Uplink 2"], "standby": ["Uplink 1"]},
                        {"name": "Shared", "vlan": 60},
                        {"name": "dv-iSCSI-A", "vlan": 40, "active": ["Uplink 1"], "standby": []},
                        {"name": "dv-iSCSI-B", "vlan": 40, "active": ["Uplink 2"], "standby": []},
                        {"name": "dv-iSCSI-Standby", "vlan": 40, "active": ["Uplink 1"], "standby": ["Uplink 2"]}]},
        # The first host is not a member: its dvPortgroups are not the first host's to attach to.
        {"name": "dvs-Other", "uplinks": ["Uplink 1"], "members": [{"index": [1], "pnics": ["vmnic1"]}],
         "portgroups": [{"name": "dv-Elsewhere", "vlan": 70}]},
    ],
    "hosts": [{"index": [0], "portgroups": [{"name": "Std-vMotion", "vlan": 50}, {"name": "Shared", "vlan": 60}],
               "vmknics": [{"dvportgroup": "dv-vMotion-A", "ip": "10.50.0.11/24", "services": ["vmotion"], "mtu": 9000},
                           {"dvportgroup": "dv-iSCSI-A", "ip": "10.40.0.11/24"},          # vmk2
                           {"dvportgroup": "dv-iSCSI-B", "ip": "10.40.0.12/24"},          # vmk3
                           {"dvportgroup": "dv-iSCSI-Standby", "ip": "10.40.0.13/24"},    # vmk4
                           {"dvportgroup": "dv-iSCSI-A", "ip": "10.40.0.14/24"}],         # vmk5
               "iscsi": {"enabled": True}}],
}
DEVICE = "vmk1"


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


@pytest.fixture(scope="module")
def ports(lab) -> dict[str, tuple[str, str]]:
    """dvPortgroup name -> (switch UUID, dvPortgroup key), read through plain pyVmomi."""
    with Vsphere(lab) as vs:
        view = vs.content.viewManager.CreateContainerView(vs.content.rootFolder, [], True)
        try:
            return {pg.name: (pg.config.distributedVirtualSwitch.uuid, pg.key) for pg in view.view
                    if type(pg).__name__.endswith("DistributedVirtualPortgroup")}
        finally:
            view.DestroyView()


def nic(host: dict, device: str = DEVICE) -> dict | None:
    return next((n for n in host["vmknics"] if n["device"] == device), None)


def vnic(lab, device: str = DEVICE) -> Any:
    """The vmknic as pyVmomi reads it: (portgroup, switch UUID, dvPortgroup key, stack)."""
    with Vsphere(lab) as vs:
        found = next(v for v in vs.host(HOST).config.network.vnic if v.device == device)
        port = found.spec.distributedVirtualPort
        return (found.portgroup, port.switchUuid if port else None, port.portgroupKey if port else None,
                found.spec.netStackInstanceKey)


def distributed_args(journal: list[dict]) -> list[tuple]:
    """Each call's method, device, port group name and distributed port (switch UUID, dvPortgroup key)."""
    return [(e["method"], e["args"].get("device"), e["args"].get("portgroup"), e["args"].get("switchUuid"),
             e["args"].get("portgroupKey")) for e in journal]


def applied_once(lab, options: dict, calls: list[str]) -> dict:
    """One real run: applied and verified, exactly ``calls`` (the journal is kept for the caller)."""
    lab.clear_journal()
    result = run(lab, "vmknic", options)
    assert (result.get("changed"), result.get("status")) == (True, "applied"), (result.get("msg"), result.get("differences"))
    assert [e["method"] for e in lab.journal()] == calls
    return result


def predicted_is_read(checked: dict, after: dict, device: str = DEVICE) -> None:
    """Check mode predicted the vmknic as read back, but for the port vCenter allocates."""
    read = nic(after, device)
    assert checked["after"] == dict(read, dvs=dict(read["dvs"], port_key=None) if read["dvs"] else None)


def test_create_on_a_dvportgroup_then_remove(lab, ports):
    options = {"portgroup": "dv-vMotion-B", "ipv4": {"address": "10.51.0.11", "prefix_length": 24}, "mtu": 9000,
               "services": ["vmotion"]}
    before = facts(lab)
    checked, applied, journal = four_steps(lab, "vmknic", options, ["AddVirtualNic", "SelectVnicForNicType"])
    uuid, key = ports["dv-vMotion-B"]
    assert distributed_args(journal) == [("AddVirtualNic", "vmk6", None, uuid, key), ("SelectVnicForNicType", "vmk6", None, None, None)]
    after = facts(lab)
    created = nic(after, "vmk6")
    assert applied["after"] == created and applied["before"] is None
    assert (created["portgroup"], created["switch"], created["switch_type"], created["mtu"], created["services"]) == (
        "dv-vMotion-B", "dvs-A", "distributed", 9000, ["vmotion"])
    assert checked["after"]["mac"] is None  # ESXi chooses a new vmknic's MAC (and so its link-local address)
    assert checked["after"]["dvs"] == {"switch_uuid": uuid, "portgroup_key": key, "port_key": None}
    assert vnic(lab, "vmk6") == ("", uuid, key, "defaultTcpipStack")
    applied = applied_once(lab, {"device": "vmk6", "state": "absent"}, ["DeselectVnicForNicType", "RemoveVirtualNic"])
    assert applied["after"] is None and facts(lab) == before


def test_moves_between_dvportgroups_and_standard_port_groups(lab, ports, tmp_path):
    start = facts(lab)
    steps = [  # (options, where it ends up as pyVmomi reads it)
        ({"device": DEVICE, "portgroup": "dv-vMotion-B"}, ("", *ports["dv-vMotion-B"])),
        ({"device": DEVICE, "portgroup": "Std-vMotion"}, ("Std-vMotion", None, None)),
        ({"device": DEVICE, "portgroup": "dv-vMotion-A", "switch": "dvs-A"}, ("", *ports["dv-vMotion-A"])),
    ]
    for number, (options, placed) in enumerate(steps):
        portgroup = None if placed[1] else placed[0]
        if number == 1:  # onto a standard port group: the standard path, applied once (test_vmknic.py has its four steps)
            applied = applied_once(lab, options, ["UpdateVirtualNic"])
            assert distributed_args(lab.journal()) == [("UpdateVirtualNic", DEVICE, portgroup, None, None)]
        else:
            checked, applied, journal = four_steps(lab, "vmknic", options, ["UpdateVirtualNic"])
            assert distributed_args(journal) == [("UpdateVirtualNic", DEVICE, portgroup, placed[1], placed[2])]
            predicted_is_read(checked, facts(lab))
        assert vnic(lab) == (*placed, "defaultTcpipStack")
        assert (applied["after"]["portgroup"], applied["after"]["ipv4"], applied["after"]["services"]) == (
            options["portgroup"], nic(start)["ipv4"], ["vmotion"])
        if number == 0:  # an independent reader agrees with the prediction (and with the rest as read)
            read = facts(lab)
            vmkernel_info_agrees(lab, tmp_path, HOST, dict(read, vmknics=[checked["after"] if n["device"] == DEVICE else n
                                                                          for n in read["vmknics"]]))
    assert restorable_on_new_ports(facts(lab)) == restorable_on_new_ports(start)  # back where it started


def test_stack_move_on_a_dvportgroup_and_back(lab, ports):
    uuid, key = ports["dv-vMotion-A"]
    old = nic(facts(lab))
    checked, applied, journal = four_steps(lab, "vmknic", {"device": DEVICE, "stack": "vmotion"},
                                           ["DeselectVnicForNicType", "RemoveVirtualNic", "AddVirtualNic"])
    assert distributed_args(journal)[-1] == ("AddVirtualNic", DEVICE, None, uuid, key)
    after = facts(lab)
    predicted_is_read(checked, after)
    moved = nic(after)
    assert applied["after"] == moved
    assert (moved["stack"], moved["mac"], moved["ipv4"], moved["portgroup"], moved["services"]) == (
        "vmotion", old["mac"], old["ipv4"], "dv-vMotion-A", ["vmotion"])
    assert vnic(lab) == ("", uuid, key, "vmotion")
    applied_once(lab, {"device": DEVICE, "stack": "defaultTcpipStack", "services": ["vmotion"]},
                 ["RemoveVirtualNic", "AddVirtualNic", "SelectVnicForNicType"])
    assert distributed_args(lab.journal())[1] == ("AddVirtualNic", DEVICE, None, uuid, key)
    assert vnic(lab) == ("", uuid, key, "defaultTcpipStack")


def test_fault_at_every_call_of_a_stack_move_rolls_back(lab):
    """Whatever call fails, the vmknic is back on its dvPortgroup (re-added on a distributed port when
    it was already removed). A fault under a move between dvPortgroups: test_distributed_operations.py."""
    start = facts(lab)
    fault_at_every_call(lab, "vmknic", {"device": DEVICE, "stack": "vmotion"})
    applied_once(lab, {"device": DEVICE, "stack": "defaultTcpipStack", "services": ["vmotion"]},
                 ["RemoveVirtualNic", "AddVirtualNic", "SelectVnicForNicType"])
    assert restorable_on_new_ports(facts(lab)) == restorable_on_new_ports(start)


BAD = [
    ({"portgroup": "Shared", "ipv4": {"address": "10.60.0.11", "prefix_length": 24}},
     "port group Shared exists on vSwitch0, dvs-A; give switch to say which"),
    ({"device": DEVICE, "portgroup": "Shared"}, "port group Shared exists on vSwitch0, dvs-A; give switch to say which"),
    ({"portgroup": "dv-Elsewhere", "ipv4": {"address": "10.70.0.11", "prefix_length": 24}},
     "port group dv-Elsewhere does not exist (standard port groups: Management Network, Shared, Std-vMotion, VM Network; "
     "distributed port groups: Shared, dv-iSCSI-A, dv-iSCSI-B, dv-iSCSI-Standby, dv-vMotion-A, dv-vMotion-B)"),
    ({"device": DEVICE, "portgroup": "dv-vMotion-B", "switch": "dvs-Other"}, "port group dv-vMotion-B on dvs-Other does not exist"),
]


@pytest.mark.collection_logic
@pytest.mark.parametrize("options, needle", BAD)
def test_refusals_make_no_call(lab, options, needle):
    refused(lab, "vmknic", options, needle)


# --------------------------------------------------------------------------- iscsi_port_binding


def test_bind_on_dvportgroups_with_one_active_uplink_each(lab, ports):
    options = {"vmknics": ["vmk2", "vmk3"]}
    checked, applied, journal = four_steps(lab, "iscsi_port_binding", options, ["BindVnic", "BindVnic", "RescanHba"])
    assert [e["args"].get("device") for e in journal] == ["vmk2", "vmk3", None]
    after = facts(lab)
    for device, uplink in (("vmk2", "vmnic2"), ("vmk3", "vmnic3")):
        # ESXi's own judgement (QueryBoundVnics), from the dvPortgroup's teaming on this host
        assert [(b["adapter"], b["compliant"], b["compliance_reasons"]) for b in nic(after, device)["iscsi_bindings"]] == [
            ("vmhba65", True, [])]
        view = next(v for v in applied["after"]["vmknics"] if v["device"] == device)
        assert (view["switch"], view["teaming"]["active"], view["teaming"]["standby"]) == ("dvs-A", [uplink], [])
    assert checked["after"]["bound_vmknics"] == applied["after"]["bound_vmknics"] == ["vmk2", "vmk3"]
    four_steps(lab, "iscsi_port_binding", dict(options, state="absent"), ["UnbindVnic", "UnbindVnic", "RescanHba"])


BAD_BINDINGS = [
    ({"vmknics": ["vmk4"]},
     "dvPortgroup dv-iSCSI-Standby on dvs-A of vmk4 has active [Uplink 1 (vmnic2)] and standby [Uplink 2 (vmnic3)]; "
     "iSCSI port binding needs exactly one active uplink and no standby (set its teaming in vCenter, for every host on "
     "dvs-A: one active uplink, the others unused; or use a dvPortgroup per path)"),
    ({"vmknics": ["vmk2", "vmk5"]},
     "vmk2, vmk5 would be bound through the same uplink vmnic2; iSCSI port binding needs one physical NIC per vmknic"),
    ({"vmknics": ["vmk2"], "uplinks": {"vmk2": "vmnic3"}},
     "vmk2 is on distributed switch dvs-A; its uplinks are set on the distributed port group in vCenter, not with uplinks"),
]


@pytest.mark.collection_logic
@pytest.mark.parametrize("options, needle", BAD_BINDINGS)
def test_binding_refusals_make_no_call(lab, options, needle):
    refused(lab, "iscsi_port_binding", options, needle)
