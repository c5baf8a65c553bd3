# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iSCSI port binding on dvPortgroups against the lab's vDS: each dvPortgroup gets its one active
uplink by name (vCenter-level steps), then the host binds its vmknics, in four steps with the exact
journal; a fault at every step of the plan (vCenter-level and host calls) leaves the host and both
dvPortgroups exactly as before; community.vmware's vmware_vmkernel_info agrees with the predicted
after-state. One lab for the module."""

from __future__ import annotations

from typing import Any

import pytest
from community_vmware import vmkernel_info_agrees
from labdvs import find_dvportgroup, find_dvs, reconfigure_dvportgroup

from harness import connection_args, restorable, run_module
from vsphere import Vsphere

HOST = "10.10.0.11"
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 1, "clusters": 1},
    "distributed_switches": [{
        "name": "dvs-A", "uplinks": ["Uplink 1", "Uplink 2"],
        "members": [{"index": [0], "pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [{"name": "dv-iSCSI-A", "vlan": 40, "active": ["Uplink 1", "Uplink 2"]},
                       {"name": "dv-iSCSI-B", "vlan": 40, "active": ["Uplink 1", "Uplink 2"]}],
    }],
    "hosts": [{"index": [0], "vmknics": [{"dvportgroup": "dv-iSCSI-A", "ip": "10.40.0.11/24"},
                                         {"dvportgroup": "dv-iSCSI-B", "ip": "10.40.0.12/24"}],
               "iscsi": {"enabled": True}}],  # no targets: undoing a bind that carries the last path needs force
}
INTENT = {"classes": [{"name": "iscsi", "select": {"portgroups": ["dv-iSCSI-*"]}, "action": "iscsi",
                       "iscsi": {"uplinks": {"dv-iSCSI-A": "Uplink 1", "dv-iSCSI-B": "Uplink 2"}}}]}


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def plan_of(lab) -> dict:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=INTENT))
    assert not result.get("failed"), result.get("msg")
    return result["plan"]


def apply_plan(lab, plan: dict, check: bool = False) -> dict:
    return run_module("remediation_apply", dict(connection_args(lab), plan=plan), check=check)


def facts(lab) -> dict:
    return run_module("vmknic_info", connection_args(lab))["hosts"][0]


def orders(lab) -> dict[str, tuple[list[str], list[str]]]:
    """Each iSCSI dvPortgroup's active and standby uplinks, read through pyVmomi."""
    with Vsphere(lab) as vs:
        dvs = find_dvs(vs.si, "dvs-A")
        result = {}
        for name in ("dv-iSCSI-A", "dv-iSCSI-B"):
            order = find_dvportgroup(dvs, name).config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder
            result[name] = (list(order.activeUplinkPort), list(order.standbyUplinkPort))
        return result


def calls(lab) -> list[tuple]:
    return [(e["method"], e["args"].get("device") or e["args"].get("vnicDevice"), e["args"].get("active"), e.get("fault"))
            for e in lab.journal()]


def test_iscsi_binding_on_dvportgroups_four_steps(lab, tmp_path):
    before, start = facts(lab), orders(lab)
    assert start == {"dv-iSCSI-A": (["Uplink 1", "Uplink 2"], []), "dv-iSCSI-B": (["Uplink 1", "Uplink 2"], [])}
    lab.clear_journal()
    plan = plan_of(lab)
    assert [(op["op"], op["name"], op["teaming"]) for op in plan["vcenter"]["operations"]] == [
        ("ReconfigureDVPortgroup", "dv-iSCSI-A", {"active": ["Uplink 1"], "standby": []}),
        ("ReconfigureDVPortgroup", "dv-iSCSI-B", {"active": ["Uplink 2"], "standby": []})]
    [entry] = plan["hosts"]
    assert [op["op"] for op in entry["operations"]] == ["BindVnic", "BindVnic", "RescanHba"]
    checked = apply_plan(lab, plan, check=True)
    assert checked["changed"] is True and checked["outcome"] == {HOST: "planned"}
    assert lab.journal() == [] and orders(lab) == start

    applied = apply_plan(lab, plan)
    assert applied["changed"] is True and applied["outcome"] == {HOST: "applied"}, applied.get("msg")
    devices = [op["device"] for op in entry["operations"][:2]]
    assert [c[:3] for c in calls(lab)] == [
        ("ReconfigureDVPortgroup_Task", None, ["Uplink 1"]), ("ReconfigureDVPortgroup_Task", None, ["Uplink 2"]),
        ("BindVnic", devices[0], None), ("BindVnic", devices[1], None), ("RescanHba", None, None)]
    assert orders(lab) == {"dv-iSCSI-A": (["Uplink 1"], []), "dv-iSCSI-B": (["Uplink 2"], [])}
    after = facts(lab)
    assert [(n["device"], [(b["adapter"], b["compliant"]) for b in n["iscsi_bindings"]]) for n in after["vmknics"]
            if n["portgroup"].startswith("dv-iSCSI")] == [(d, [(entry["operations"][0]["adapter"], True)]) for d in devices]

    lab.clear_journal()
    again = plan_of(lab)
    assert again["vcenter"]["operations"] == [] and again["hosts"][0]["operations"] == []
    assert apply_plan(lab, again, check=True)["changed"] is False
    assert apply_plan(lab, again)["changed"] is False
    assert lab.journal() == []

    vmkernel_info_agrees(lab, tmp_path, HOST, entry["after"])
    reset(lab, before, start)


def reset(lab, before: dict, start: dict) -> None:
    """Back to the scenario's state through the plain API: unbind, and both uplinks active again."""
    with Vsphere(lab) as vs:
        host = vs.host(HOST)
        adapter = vs.software_iscsi_adapter(host)
        for nic in facts(lab)["vmknics"]:
            if nic["iscsi_bindings"]:
                host.configManager.iscsiManager.UnbindVnic(iScsiHbaName=adapter, vnicDevice=nic["device"], force=True)
    with Vsphere(lab) as vs:
        dvs = find_dvs(vs.si, "dvs-A")
        for name, (active, standby) in start.items():
            reconfigure_dvportgroup(find_dvportgroup(dvs, name), active=active, standby=standby)
    assert orders(lab) == start and restorable(facts(lab)) == restorable(before)


STEPS = ["ReconfigureDVPortgroup_Task#1", "ReconfigureDVPortgroup_Task#2", "BindVnic#1", "BindVnic#2", "RescanHba#1"]


@pytest.mark.collection_logic
@pytest.mark.parametrize("step", STEPS)
def test_a_fault_at_each_step_leaves_host_and_dvportgroups_as_before(lab, step):
    before, start = facts(lab), orders(lab)
    plan = plan_of(lab)
    method, nth = step.split("#")
    lab.clear_journal()
    lab.inject_fault(method, nth=int(nth), fault="HostConfigFault" if "Task" not in method else "DvsFault",
                     message=f"injected at {step}")
    result = apply_plan(lab, plan)
    lab.clear_faults()
    assert result["failed"] is True, step
    assert any(c[-1] for c in calls(lab)), f"no call failed at {step}"
    assert orders(lab) == start, f"dvPortgroups not restored after a fault at {step}: {result['vcenter']}"
    assert restorable(facts(lab)) == restorable(before), f"host not restored after a fault at {step}"
