# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The safety rules the planner and the per-host modules share, and that both apply them the same
way: one uplink per iSCSI vmknic (standard port groups and dvPortgroups), the dedicated-stack rule
(the planner refuses, the vmknic module warns, on one condition), the post-change audit (one
judgement of which errors a change answers for)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._request import plan_change
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._vmknic import VmknicRequest
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._planner import plan
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import (
    StackConflict, dedicated_stack_problems, iscsi_uplink_problems, post_change_errors,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    dv_vmknic, make_binding, make_dv_portgroup, make_host, make_portgroup, make_vmknic,
)

ONE = make_dv_portgroup("dv-iSCSI-A", key="dvportgroup-31", active=("Uplink 1",))
OTHER = make_dv_portgroup("dv-iSCSI-B", key="dvportgroup-32", active=("Uplink 2",))
STANDBY = make_dv_portgroup("dv-iSCSI-S", key="dvportgroup-33", active=("Uplink 1",), standby=("Uplink 2",))
SAME = make_dv_portgroup("dv-iSCSI-C", key="dvportgroup-34", active=("Uplink 1",))


def remedy(device: str) -> str:
    return f"give {device} one uplink"


def iscsi_host(*pairs: tuple[str, dict], bound=()) -> dict:
    nics = [dv_vmknic(device, f"10.40.0.{n}/24", pg, iscsi_bindings=[make_binding("vmhba64")] if device in bound else [])
            for n, (device, pg) in enumerate(pairs, 11)]
    return make_host("esx01", nics, portgroups=[pg for _device, pg in pairs])


def test_one_active_uplink_per_dvportgroup_is_bindable():
    state = iscsi_host(("vmk1", ONE), ("vmk2", OTHER))
    assert iscsi_uplink_problems(state, "vmhba64", ["vmk1", "vmk2"], remedy) == []


def test_a_dvportgroup_with_a_standby_uplink_is_named_with_its_teaming():
    state = iscsi_host(("vmk1", STANDBY))
    assert iscsi_uplink_problems(state, "vmhba64", ["vmk1"], remedy) == [
        "dvPortgroup dv-iSCSI-S on dvs1 of vmk1 has active [Uplink 1 (vmnic2)] and standby [Uplink 2 (vmnic3)]; iSCSI port "
        "binding needs exactly one active uplink and no standby (set its teaming in vCenter, for every host on dvs1: "
        "one active uplink, the others unused; or use a dvPortgroup per path)"]


def test_two_vmknics_on_one_uplink_clash_with_those_already_bound():
    state = iscsi_host(("vmk1", ONE), ("vmk2", SAME), bound=["vmk1"])
    assert iscsi_uplink_problems(state, "vmhba64", ["vmk2"], remedy) == [
        "vmk1, vmk2 would be bound through the same uplink vmnic2; iSCSI port binding needs one physical NIC per vmknic"]
    # Bound to another adapter, vmk1 does not count.
    assert iscsi_uplink_problems(state, "vmhba65", ["vmk2"], remedy) == []


def test_a_standard_port_group_is_given_the_callers_remedy():
    state = make_host("esx01", [make_vmknic("vmk1", "10.40.0.11/24", portgroup="iSCSI-A")],
                      portgroups=[make_portgroup("iSCSI-A", active=["vmnic2", "vmnic3"])])
    assert iscsi_uplink_problems(state, "vmhba64", ["vmk1"], remedy) == [
        "port group iSCSI-A of vmk1 has active [vmnic2, vmnic3] and standby []; iSCSI port binding needs exactly one "
        "active uplink and no standby (give vmk1 one uplink)"]


# --------------------------------------------------------------------------- dedicated stack

def vmotion_host(*extra: dict) -> dict:
    return make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"),
                               *extra])


def moved(host: dict, device: str, stack: str) -> dict:
    after = copy.deepcopy(host)
    nic = next(n for n in after["vmknics"] if n["device"] == device)
    nic["stack"], nic["services"] = stack, ["vmotion"] if stack == "vmotion" else nic["services"]
    return after


def test_first_vmknic_on_the_vmotion_stack_leaves_a_tagged_one_behind():
    before = vmotion_host(make_vmknic("vmk1", "10.20.0.11/24", services=["vmotion"]),
                          make_vmknic("vmk2", "10.20.0.12/24", services=["vmotion"]))
    assert dedicated_stack_problems(before, moved(before, "vmk1", "vmotion")) == [
        StackConflict("vmotion", "vmotion", ["vmk1"], ["vmk2"])]
    assert str(dedicated_stack_problems(before, moved(before, "vmk1", "vmotion"))[0]) == (
        "vmk1 would be on the vmotion stack while vmk2 keeps vmotion on the default stack, where ESXi then stops using it")
    # Moving both, or a host that was already so, is not a new conflict.
    assert dedicated_stack_problems(before, moved(moved(before, "vmk1", "vmotion"), "vmk2", "vmotion")) == []
    already = moved(before, "vmk1", "vmotion")
    assert dedicated_stack_problems(already, already) == []


def test_a_tagged_default_stack_vmknic_next_to_the_vmotion_stack_is_now_warned_by_the_module():
    """The one condition changes when the vmknic module warns: before, only a vmknic that became the
    first on the stack was warned about. Bringing one back to the default stack, tagged for vMotion,
    while another stays on the vmotion stack is the same conflict: the planner refused it already."""
    host = vmotion_host(make_vmknic("vmk1", "10.20.0.11/24", stack="vmotion", services=["vmotion"]),
                        make_vmknic("vmk3", "10.20.0.13/24", stack="vmotion", services=["vmotion"]))
    request = VmknicRequest.from_params({"device": "vmk3", "stack": "defaultTcpipStack", "services": ["vmotion"]})
    change = plan_change(host, request, False, lambda pnics: {"allowed": True})
    assert [op["op"] for op in change.entry["operations"]] == ["RemoveVirtualNic", "AddVirtualNic", "SelectVnicForNicType"]
    # vmk3 is re-created as vmk2, the lowest free number (ESXi's choice, predicted)
    assert change.warnings == ["after this change vmk1 would be on the vmotion stack while vmk2 keeps vmotion on the "
                               "default stack, where ESXi then stops using it; move vmk2 to the vmotion stack as well, "
                               "or drop the vmotion tag there"]
    intent = {"classes": [{"name": "back", "select": {"devices": ["vmk3"]}, "action": "stack",
                           "stack": {"key": "defaultTcpipStack"}}]}
    with pytest.raises(PlanError) as refused:
        plan([host], intent)
    assert refused.value.problems == [
        "host esx01: after the plan vmk1 would be on the vmotion stack while vmk2 keeps vmotion on the default stack, "
        "where ESXi then stops using it; move vmk2 in the same class"]


def error(rule: str, *vmknics: str, subnet: str = "10.0.0.0/24") -> dict:
    return {"rule": rule, "stack": "defaultTcpipStack", "family": "ipv4", "subnet": subnet, "vmknics": list(vmknics)}


@pytest.mark.parametrize("before, after, touched, answered", [
    # new on a subnet, or grown by a vmknic: the change answers for it
    ([], [error("MH001", "vmk1", "vmk2")], (), True),
    ([error("MH001", "vmk1", "vmk2")], [error("MH001", "vmk1", "vmk2", "vmk3")], (), True),
    # as it was, or smaller (its id changes when it shrinks): not the change's doing
    ([error("MH001", "vmk1", "vmk2")], [error("MH001", "vmk1", "vmk2")], (), False),
    ([error("MH001", "vmk1", "vmk2", "vmk3")], [error("MH001", "vmk1", "vmk2")], (), False),
    # the same group on another subnet, or under another rule, is new
    ([error("MH001", "vmk1", "vmk2")], [error("MH001", "vmk1", "vmk2", subnet="10.0.1.0/24")], (), True),
    ([error("MH001", "vmk1", "vmk2")], [error("MH002", "vmk1", "vmk2")], (), True),
    # an old error on a vmknic the change selects: the change was meant to fix it
    ([error("MH001", "vmk1", "vmk2")], [error("MH001", "vmk1", "vmk2")], ("vmk2",), True),
])
def test_post_change_errors(before, after, touched, answered):
    assert post_change_errors(before, after, touched) == (after if answered else [])


def test_the_module_does_not_warn_when_a_multihomed_group_shrinks():
    """Moving one of three same-subnet vmknics away leaves a smaller group of the same error: the
    module's post-change audit judges it as the planner does (it warned before: the id changed)."""
    host = make_host("esx01", [make_vmknic("vmk0", "10.0.0.10/24", services=["management"]),
                               make_vmknic("vmk1", "10.0.0.11/24", portgroup="pg1", services=["vmotion"]),
                               make_vmknic("vmk2", "10.0.0.12/24", portgroup="pg2", services=["vmotion"])],
                     portgroups=[make_portgroup("Management Network"), make_portgroup("pg1"), make_portgroup("pg2")])
    request = VmknicRequest.from_params({"device": "vmk2", "ipv4": {"address": "10.0.9.12", "netmask": "255.255.255.0"}})
    change = plan_change(host, request, False, lambda pnics: {"allowed": True})
    assert [op["op"] for op in change.entry["operations"]] == ["UpdateVirtualNic"]
    assert [w for w in change.warnings if "the audit reports" in w] == []
    # Adding a vmknic to the subnet instead is warned about.
    request = VmknicRequest.from_params({"device": "vmk2", "ipv4": {"address": "10.0.0.13", "netmask": "255.255.255.0"}})
    grown = make_host("esx01", [make_vmknic("vmk0", "10.0.0.10/24", services=["management"]),
                                make_vmknic("vmk1", "10.0.0.11/24", portgroup="pg1", services=["vmotion"]),
                                make_vmknic("vmk2", "10.0.9.12/24", portgroup="pg2", services=["vmotion"])],
                      portgroups=[make_portgroup("Management Network"), make_portgroup("pg1"), make_portgroup("pg2")])
    change = plan_change(grown, request, False, lambda pnics: {"allowed": True})
    assert [w for w in change.warnings if "the audit reports" in w], change.warnings
