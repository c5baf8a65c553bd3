# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host modules' pure layer on facts the lab cannot build: distributed switches, system-owned
vmknics, hosts that are not connected, and the prediction's MAC of a new vmknic."""

from __future__ import annotations

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._binding import BindingRequest
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._portgroup import PortgroupRequest
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._request import Refused, plan_change
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._vmknic import VmknicRequest
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding, make_dv_portgroup, make_host, make_iscsi_adapter, make_portgroup, make_vmknic,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import InvalidOptions

DVS = {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-1", "port_key": "12"}


def host(*extra: dict, **kwargs) -> dict:
    nics = [make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"), *extra]
    return make_host("esx01", nics, **kwargs)


def no_dependencies(pnics: list[str]) -> dict:
    raise AssertionError(f"QueryMigrationDependencies asked for {pnics}")


def plan(facts: dict, request, allow: bool = False):
    return plan_change(facts, request, allow, no_dependencies)


def vmknic(**params) -> VmknicRequest:
    return VmknicRequest.from_params({"state": "present", **params})


def test_distributed_vmknic_is_re_addressed_moved_and_re_created_on_its_dvportgroup():
    facts = host(make_vmknic("vmk1", "10.20.0.11/24", portgroup="dv-vMotion", switch="dvs1", switch_type="distributed", dvs=DVS))
    change = plan(facts, vmknic(device="vmk1", mtu=9000))
    assert [op["op"] for op in change.entry["operations"]] == ["UpdateVirtualNic"]
    # Onto a standard port group the one-vmknic rule of standard port groups holds.
    with pytest.raises(Refused, match="port group Management Network on vSwitch0 already holds vmk0; a standard port group holds one vmknic"):
        plan(facts, vmknic(device="vmk1", portgroup="Management Network"))
    # A stack move re-creates it on a distributed port of the same dvPortgroup.
    change = plan(facts, vmknic(device="vmk1", stack="vmotion"))
    assert [(op["op"], op.get("dvs")) for op in change.entry["operations"]] == [
        ("RemoveVirtualNic", None), ("AddVirtualNic", {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-1"})]
    assert change.desired.view(change.entry["after"])["dvs"] == {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-1",
                                                                 "port_key": None}
    # A distributed port group may hold several vmknics: by port group alone, one must be named.
    facts["vmknics"].append(make_vmknic("vmk2", "10.20.0.12/24", portgroup="dv-vMotion", switch="dvs1",
                                        switch_type="distributed", dvs=DVS))
    with pytest.raises(Refused, match="port group dv-vMotion holds vmk1, vmk2; give device to say which"):
        plan(facts, vmknic(portgroup="dv-vMotion", ipv4={"address": "10.20.0.13", "prefix_length": 24}))


def test_system_owned_vmknic_is_left_alone():
    facts = host(make_vmknic("vmk1", "10.30.0.11/24", owner="NSX"))
    for request in (vmknic(device="vmk1", mtu=9000), VmknicRequest.from_params({"device": "vmk1", "state": "absent"})):
        with pytest.raises(Refused, match="vmk1 is owned by NSX"):
            plan(facts, request)


def test_host_not_connected_or_incomplete():
    with pytest.raises(Refused, match="host is notResponding"):
        plan(make_host("esx01", [], config_available=False), vmknic(device="vmk1", mtu=9000))
    with pytest.raises(Refused, match="facts are incomplete .QueryBoundVnics"):
        plan(host(errors=["QueryBoundVnics(vmhba64) failed: NotFound"]), vmknic(device="vmk0", mtu=9000))


def test_vsan_tags_are_kept_when_services_are_declared():
    facts = host(make_vmknic("vmk1", "10.40.0.11/24", services=["vsan", "vmotion"]))
    change = plan(facts, vmknic(device="vmk1", services=[]))
    assert [(op["op"], op.get("nic_type")) for op in change.entry["operations"]] == [("DeselectVnicForNicType", "vmotion")]
    assert change.entry["after"]["vmknics"][1]["services"] == ["vsan"]


def test_force_reaches_the_unbind_call():
    nic = make_vmknic("vmk1", "10.40.0.11/24", iscsi_bindings=[make_binding("vmhba64", path_status="active")])
    facts = host(nic, portgroups=[make_portgroup("Management Network"), make_portgroup("pg-vmk1", active=["vmnic2"])],
                 iscsi_adapters=[make_iscsi_adapter("vmhba64", ["vmk1"])], software_iscsi_enabled=True)
    absent = {"adapter": "vmhba64", "vmknics": ["vmk1"], "state": "absent"}
    with pytest.raises(Refused, match="vmk1 has active paths through vmhba64"):
        plan(facts, BindingRequest.from_params(absent))
    change = plan(facts, BindingRequest.from_params({**absent, "force": True}))
    assert [(op["op"], op.get("force")) for op in change.entry["operations"]] == [("UnbindVnic", True), ("RescanHba", None)]


def test_dependency_query_decides_an_uplink_change_under_a_binding():
    nic = make_vmknic("vmk1", "10.40.0.11/24", iscsi_bindings=[make_binding("vmhba64")])
    facts = host(nic, portgroups=[make_portgroup("Management Network"),
                                  make_portgroup("pg-vmk1", active=["vmnic2"], unused=["vmnic3"])],
                 iscsi_adapters=[make_iscsi_adapter("vmhba64", ["vmk1"])], software_iscsi_enabled=True)
    asked = []

    def allowed(pnics: list[str]) -> dict:
        asked.append(pnics)
        return {"allowed": True, "reasons": [], "dependencies": []}

    # Moving the port group to another pNIC that iSCSI does not depend on: allowed.
    request = PortgroupRequest.from_params({"name": "pg-vmk1", "teaming": {"active": ["vmnic2", "vmnic3"], "standby": []}})
    with pytest.raises(Refused) as refusal:
        plan_change(facts, request, False, allowed)
    assert asked == [] and "IscsiFaultVnicHasMultipleUplinks" in str(refusal.value)
    # Replacing the single active uplink: the binding belongs to the old one (non-compliant until
    # rebound), whatever QueryMigrationDependencies says.
    request = PortgroupRequest.from_params({"name": "pg-vmk1", "teaming": {"active": ["vmnic3"], "standby": []}})
    with pytest.raises(Refused) as refusal:
        plan_change(facts, request, False, allowed)
    assert asked == [["vmnic2"]]
    assert refusal.value.problems == [
        "vmk1 is bound to iSCSI adapter vmhba64; port group pg-vmk1 would have active [vmnic3] and standby [], which "
        "makes the binding non-compliant (IscsiFaultVnicHasWrongUplink); the binding belongs to the uplink it was made "
        "with: unbind vmk1, change the uplink, then bind it again"]


def test_verification_takes_the_mac_of_a_created_vmknic_from_esxi():
    predicted = host(make_vmknic("vmk1", "10.20.0.11/24", portgroup="vMotion"))
    predicted["vmknics"][1]["mac"] = None  # a new vmknic: ESXi chooses its MAC
    read = host(make_vmknic("vmk1", "10.20.0.11/24", portgroup="vMotion", mac="00:50:56:aa:bb:cc"))
    assert state_differences(predicted, read) == []
    # A predicted MAC (a re-created vmknic keeps its own) is compared.
    predicted["vmknics"][1]["mac"] = "00:50:56:aa:bb:cd"
    assert state_differences(predicted, read) == [
        "vmknic vmk1: mac is '00:50:56:aa:bb:cc', expected '00:50:56:aa:bb:cd'"]


@pytest.mark.parametrize("request_type,params,needle", [
    (VmknicRequest, {"mtu": 9000}, "give device, portgroup, or both"),
    (BindingRequest, {"vmknics": ["vmk1"], "adapter": "vmhba64", "enable_software_iscsi": True}, "only with adapter: software"),
    (PortgroupRequest, {"name": "pg", "vlan": -1}, "vlan: -1 is outside 0-4095"),
])
def test_invalid_options_name_the_problem(request_type, params, needle):
    with pytest.raises(InvalidOptions, match=needle):
        request_type.from_params(params)


DV_B = make_dv_portgroup("dv-vMotion-B", switch="dvs1", switch_uuid="50 1a", key="dvportgroup-2")


def test_vmknic_is_created_on_a_dvportgroup_the_facts_do_not_list():
    facts = host(make_vmknic("vmk1", "10.20.0.11/24", portgroup="dv-vMotion", switch="dvs1", switch_type="distributed", dvs=DVS))
    request = vmknic(portgroup="dv-vMotion-B", ipv4={"address": "10.21.0.11", "prefix_length": 24})
    change = plan_change(facts, request, False, no_dependencies, [DV_B])
    [add] = change.entry["operations"]
    assert (add["op"], add["device"], add["portgroup"], add["switch"], add["dvs"]) == (
        "AddVirtualNic", "vmk2", "dv-vMotion-B", "dvs1", {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-2"})
    created = change.desired.view(change.entry["after"])
    assert (created["device"], created["switch_type"], created["dvs"]) == (
        "vmk2", "distributed", {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-2", "port_key": None})
    assert DV_B in change.entry["after"]["portgroups"]
    # Without the dvPortgroups of the host's switches, the name is unknown.
    with pytest.raises(Refused, match=r"port group dv-vMotion-B does not exist \(standard port groups: Management Network\)"):
        plan(facts, request)


def test_a_name_on_a_standard_and_a_distributed_switch_needs_switch():
    shared = make_dv_portgroup("Shared", switch="dvs1", switch_uuid="50 1a", key="dvportgroup-3")
    facts = host(make_vmknic("vmk1", "10.20.0.11/24", portgroup="pg-vmk1"), portgroups=[make_portgroup("Shared")])
    with pytest.raises(Refused, match="port group Shared exists on vSwitch0, dvs1; give switch to say which"):
        plan_change(facts, vmknic(device="vmk1", portgroup="Shared"), False, no_dependencies, [shared])
    change = plan_change(facts, vmknic(device="vmk1", portgroup="Shared", switch="dvs1"), False, no_dependencies, [shared])
    assert [(op["op"], op["portgroup"], op["switch"], op["dvs"]) for op in change.entry["operations"]] == [
        ("UpdateVirtualNic", "Shared", "dvs1", {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-3"})]
