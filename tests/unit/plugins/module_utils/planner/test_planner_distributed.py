# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vCenter-level part of a plan: dvPortgroup VLAN and teaming changes planned once for every
host on the switch, the refusals that protect vmknics the class does not select, and each host's
predicted after-state through them (planner/_distributed.py)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._planner import build_plan, plan
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    dv_vmknic, make_dv_portgroup, make_host, make_vmknic,
)

UUID = "50 2e 7a 11"
UPLINKS = ["Uplink 1", "Uplink 2", "Uplink 3", "Uplink 4"]
VMOTION_PG = make_dv_portgroup("dv-vMotion", key="dvportgroup-11", vlan=10, active=("Uplink 1", "Uplink 2"))
VLAN_CLASS = {"classes": [{"name": "vmotion", "select": {"portgroups": ["dv-vMotion"]}, "action": "subnet",
                           "subnet": {"network": "10.20.0.0/24", "vlan": 20}}]}


def catalogue_entry(pg: dict, occupants: list[tuple[str, str]], version: str = "3") -> dict:
    """A dvPortgroup as vsphere/_dvportgroup_read.py reads it."""
    return {"switch": pg["switch"], "switch_uuid": pg["switch_uuid"], "key": pg["key"], "name": pg["name"],
            "config_version": version, "vlan": pg["vlan"], "vlan_spec": copy.deepcopy(pg["vlan_spec"]),
            "uplinks": copy.deepcopy(pg["uplinks"]), "uplink_names": list(UPLINKS),
            "occupants": [{"host": h, "device": d} for h, d in occupants]}


def vmotion_host(name: str, number: int) -> dict:
    return make_host(name, [make_vmknic("vmk0", f"10.10.0.{number}/24", services=["management"]),
                            dv_vmknic("vmk1", f"10.20.0.{number}/24", VMOTION_PG, services=["vmotion"])],
                     portgroups=[copy.deepcopy(VMOTION_PG)])


def problems(hosts: list[dict], intent: dict, catalogue: list[dict] | None) -> list[str]:
    with pytest.raises(PlanError) as caught:
        plan(hosts, intent, catalogue)
    return caught.value.problems


def test_a_vlan_change_is_one_vcenter_step_for_every_host_on_the_dvportgroup():
    hosts = [vmotion_host("esx01", 11), vmotion_host("esx02", 12)]
    catalogue = [catalogue_entry(VMOTION_PG, [("esx01", "vmk1"), ("esx02", "vmk1")])]
    document = plan(hosts, VLAN_CLASS, catalogue)
    [op] = document["vcenter"]["operations"]
    assert op == {"op": "ReconfigureDVPortgroup", "host": None, "switch": "dvs1", "switch_uuid": UUID,
                  "key": "dvportgroup-11", "name": "dv-vMotion", "config_version": "3", "vlan": 20,
                  "hosts": ["esx01", "esx02"], "description": "dvPortgroup dv-vMotion on dvs1: VLAN 20 (for esx01, esx02)"}
    assert document["vcenter"]["changed"] is True
    assert [pg["vlan"] for pg in document["vcenter"]["before"]["dvportgroups"]] == [10]
    assert [pg["vlan"] for pg in document["vcenter"]["after"]["dvportgroups"]] == [20]
    for entry in document["hosts"]:  # no host-level call; each host's prediction sees the new VLAN
        assert entry["operations"] == [] and entry["changed"] is False
        [after_pg] = [p for p in entry["after"]["portgroups"] if p["name"] == "dv-vMotion"]
        [before_pg] = [p for p in entry["before"]["portgroups"] if p["name"] == "dv-vMotion"]
        assert (before_pg["vlan"], after_pg["vlan"]) == (10, 20)
    assert document["summary"]["by_op"] == {"ReconfigureDVPortgroup": 1}
    # planned again from the state it leaves: nothing to do
    done = [dict(catalogue[0], vlan=20, vlan_spec=dict(catalogue[0]["vlan_spec"], vlan_id=20), config_version="4")]
    again = plan([e["after"] for e in document["hosts"]], VLAN_CLASS, done)
    assert again["vcenter"] == {"changed": False, "operations": [], "before": {"dvportgroups": []}, "after": {"dvportgroups": []}}


def test_without_the_dvportgroups_read_a_dvportgroup_change_is_refused():
    assert problems([vmotion_host("esx01", 11)], VLAN_CLASS, None) == [
        "class vmotion, host esx01 vmk1: dvPortgroup dv-vMotion on dvs1 was not read from vCenter; its VLAN is changed "
        "in vCenter for every host on the switch, and planning that needs its configVersion and every vmknic on it "
        "(plan with remediation_plan_info)"]
    # re-addressing a vmknic on a vDS needs no vCenter step
    readdress = {"classes": [dict(VLAN_CLASS["classes"][0], subnet={"network": "10.20.0.0/24"})]}
    document = plan([vmotion_host("esx01", 11)], readdress)
    assert document["vcenter"]["operations"] == [] and document["hosts"][0]["operations"] == []


def test_a_dvportgroup_shared_with_vmknics_the_class_does_not_select_is_refused_naming_them():
    """Out of scope (esx09, only in vCenter's ports) and in scope but not selected (vmk2 of esx01)."""
    host = vmotion_host("esx01", 11)
    host["vmknics"].append(dv_vmknic("vmk2", "10.30.0.11/24", VMOTION_PG, services=["vSphereReplication"]))
    catalogue = [catalogue_entry(VMOTION_PG, [("esx01", "vmk1"), ("esx01", "vmk2"), ("esx09", "vmk1")])]
    intent = {"classes": [dict(VLAN_CLASS["classes"][0], select={"services": ["vmotion"]})]}
    document = build_plan([host], intent, catalogue)
    assert [r["message"] for r in document["refusals"]] == [
        "class vmotion: dvPortgroup dv-vMotion on dvs1 also carries esx01 vmk2, esx09 vmk1, which the class does not "
        "select; changing its VLAN would change theirs too. Create a dedicated dvPortgroup for the class's vmknics and "
        "move them to it"]
    assert document["executable"] is False and document["vcenter"]["operations"] == []


def test_the_management_vmknics_dvportgroup_needs_allow_management_change():
    pg = make_dv_portgroup("dv-Management", key="dvportgroup-10", vlan=0)
    host = make_host("esx01", [dv_vmknic("vmk0", "10.10.0.11/24", pg, services=["management"])], portgroups=[pg])
    catalogue = [catalogue_entry(pg, [("esx01", "vmk0")])]
    intent = {"classes": [{"name": "mgmt", "select": {"devices": ["vmk0"]}, "action": "subnet",
                           "subnet": {"network": "10.10.0.0/24", "vlan": 5}}]}
    assert problems([host], intent, catalogue) == [
        "class mgmt: dvPortgroup dv-Management on dvs1 carries esx01 vmk0, the vmknic vCenter uses to manage the host; "
        "changing its VLAN needs allow_management_change: true"]


def iscsi_host(active: tuple[str, ...]) -> tuple[dict, list[dict]]:
    pgs = [make_dv_portgroup(name, key=f"dvportgroup-{20 + i}", vlan=30, active=active) for i, name in enumerate(("dv-iSCSI-A", "dv-iSCSI-B"))]
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
                               dv_vmknic("vmk1", "10.30.0.11/24", pgs[0]), dv_vmknic("vmk2", "10.30.1.11/24", pgs[1])],
                     portgroups=pgs, software_iscsi_enabled=True,
                     iscsi_adapters=[{"device": "vmhba64", "software": True, "binding_support": "optional", "bound_vmknics": []}])
    return host, [catalogue_entry(pgs[0], [("esx01", "vmk1")]), catalogue_entry(pgs[1], [("esx01", "vmk2")])]


ISCSI_DV = {"classes": [{"name": "iscsi", "select": {"portgroups": ["dv-iSCSI-*"]}, "action": "iscsi",
                         "iscsi": {"uplinks": {"dv-iSCSI-A": "Uplink 1", "dv-iSCSI-B": "Uplink 2"}}}]}


def test_iscsi_port_binding_gives_each_dvportgroup_one_active_uplink_by_name():
    host, catalogue = iscsi_host(("Uplink 1", "Uplink 2"))
    document = plan([host], ISCSI_DV, catalogue)
    assert [(op["name"], op["teaming"], op["config_version"]) for op in document["vcenter"]["operations"]] == [
        ("dv-iSCSI-A", {"active": ["Uplink 1"], "standby": []}, "3"),
        ("dv-iSCSI-B", {"active": ["Uplink 2"], "standby": []}, "3")]
    [entry] = document["hosts"]
    assert [(op["op"], op.get("device"), op["adapter"]) for op in entry["operations"]] == [
        ("BindVnic", "vmk1", "vmhba64"), ("BindVnic", "vmk2", "vmhba64"), ("RescanHba", None, "vmhba64")]
    after = {n["device"]: n for n in entry["after"]["vmknics"]}
    assert [(b["adapter"], b["compliant"]) for d in ("vmk1", "vmk2") for b in after[d]["iscsi_bindings"]] == [
        ("vmhba64", True), ("vmhba64", True)]
    teams = {p["name"]: p["teaming"] for p in entry["after"]["portgroups"] if p["switch_type"] == "distributed"}
    assert teams == {"dv-iSCSI-A": {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"]},
                     "dv-iSCSI-B": {"active": ["vmnic3"], "standby": [], "unused": ["vmnic2"]}}
    assert [pg["uplinks"] for pg in document["vcenter"]["after"]["dvportgroups"]] == [
        {"active": ["Uplink 1"], "standby": [], "unused": ["Uplink 2", "Uplink 3", "Uplink 4"]},
        {"active": ["Uplink 2"], "standby": [], "unused": ["Uplink 1", "Uplink 3", "Uplink 4"]}]


def test_iscsi_uplink_that_is_not_an_uplink_of_the_switch_is_refused():
    host, catalogue = iscsi_host(("Uplink 1",))
    intent = copy.deepcopy(ISCSI_DV)
    intent["classes"][0]["iscsi"]["uplinks"]["dv-iSCSI-B"] = "vmnic3"
    assert problems([host], intent, catalogue) == [
        "class iscsi, host esx01 vmk2: vmnic3 is not an uplink of distributed switch dvs1 (its uplinks: Uplink 1, "
        "Uplink 2, Uplink 3, Uplink 4)"]


NEW_PG = make_dv_portgroup("dv-vMotion-20", key="dvportgroup-12", vlan=20, active=("Uplink 1",), standby=("Uplink 2",))
MOVE_CLASS = {"classes": [{"name": "vmotion", "select": {"portgroups": ["dv-vMotion"]}, "action": "subnet",
                           "subnet": {"network": "10.20.0.0/24", "portgroup": {"name": "dv-vMotion-20"}}}]}


def test_a_move_to_another_dvportgroup_of_the_switch_is_one_host_call_with_dvs():
    host = vmotion_host("esx01", 11)
    catalogue = [catalogue_entry(VMOTION_PG, [("esx01", "vmk1")]), catalogue_entry(NEW_PG, [])]
    document = plan([host], MOVE_CLASS, catalogue)
    assert document["vcenter"]["operations"] == []
    [entry] = document["hosts"]
    assert [(op["op"], op["device"], op["portgroup"], op["switch"], op["dvs"]) for op in entry["operations"]] == [
        ("UpdateVirtualNic", "vmk1", "dv-vMotion-20", "dvs1", {"switch_uuid": UUID, "portgroup_key": "dvportgroup-12"})]
    [nic] = [n for n in entry["after"]["vmknics"] if n["device"] == "vmk1"]
    assert (nic["portgroup"], nic["dvs"]["portgroup_key"]) == ("dv-vMotion-20", "dvportgroup-12")
    assert [(p["name"], p["vlan"], p["teaming"]) for p in entry["after"]["portgroups"] if p["switch_type"] == "distributed"] == [
        ("dv-vMotion-20", 20, {"active": ["vmnic2"], "standby": ["vmnic3"], "unused": []})]
    # declaring another VLAN for the new dvPortgroup is a vCenter-level step before the move
    with_vlan = copy.deepcopy(MOVE_CLASS)
    with_vlan["classes"][0]["subnet"]["portgroup"]["vlan"] = 21
    document = plan([host], with_vlan, catalogue)
    assert [(op["name"], op["vlan"]) for op in document["vcenter"]["operations"]] == [("dv-vMotion-20", 21)]
    [nic_pg] = [p for p in document["hosts"][0]["after"]["portgroups"] if p["switch_type"] == "distributed"]
    assert nic_pg["vlan"] == 21


def test_a_missing_dvportgroup_is_created_once_like_the_one_left_but_for_what_is_declared():
    hosts = [vmotion_host("esx01", 11), vmotion_host("esx02", 12)]
    catalogue = [catalogue_entry(VMOTION_PG, [("esx01", "vmk1"), ("esx02", "vmk1")])]
    intent = copy.deepcopy(MOVE_CLASS)
    intent["classes"][0]["subnet"]["portgroup"].update(vlan=20, teaming={"active": ["Uplink 2"], "standby": ["Uplink 1"]})
    document = plan(hosts, intent, catalogue)
    assert document["vcenter"]["operations"] == [{
        "op": "CreateDVPortgroup", "host": None, "switch": "dvs1", "switch_uuid": UUID, "key": "new:dv-vMotion-20",
        "name": "dv-vMotion-20", "vlan": 20, "teaming": {"active": ["Uplink 2"], "standby": ["Uplink 1"]},
        "hosts": ["esx01", "esx02"],
        "description": "dvPortgroup dv-vMotion-20 on dvs1: create with VLAN 20, active Uplink 2, standby Uplink 1 (for esx01, esx02)"}]
    assert document["vcenter"]["before"] == {"dvportgroups": []}
    for entry in document["hosts"]:
        [op] = entry["operations"]
        assert (op["op"], op["portgroup"], op["dvs"]) == ("UpdateVirtualNic", "dv-vMotion-20",
                                                          {"switch_uuid": UUID, "portgroup_key": "new:dv-vMotion-20"})
        assert [(p["name"], p["vlan"], p["teaming"]["active"]) for p in entry["after"]["portgroups"]
                if p["switch_type"] == "distributed"] == [("dv-vMotion-20", 20, ["vmnic3"])]
    # without teaming declared, it is the one of the dvPortgroup the vmknics leave
    document = plan(hosts, MOVE_CLASS, catalogue)
    assert [(op["vlan"], op["teaming"]) for op in document["vcenter"]["operations"]] == [
        (10, {"active": ["Uplink 1", "Uplink 2"], "standby": []})]


def test_a_move_to_a_dvportgroup_shared_with_a_vlan_change_is_refused():
    host = vmotion_host("esx01", 11)
    with_vlan = copy.deepcopy(MOVE_CLASS)
    with_vlan["classes"][0]["subnet"]["portgroup"]["vlan"] = 21
    catalogue = [catalogue_entry(VMOTION_PG, [("esx01", "vmk1")]), catalogue_entry(NEW_PG, [("esx07", "vmk3")])]
    assert problems([host], with_vlan, catalogue) == [
        "class vmotion: dvPortgroup dv-vMotion-20 on dvs1 also carries esx07 vmk3, which the class does not select; "
        "changing its VLAN would change theirs too. Create a dedicated dvPortgroup for the class's vmknics and move "
        "them to it"]


def test_moving_the_management_vmknic_to_another_dvportgroup_needs_allow_management_change():
    old = make_dv_portgroup("dv-Management", key="dvportgroup-10", vlan=0)
    new = make_dv_portgroup("dv-Management-2", key="dvportgroup-13", vlan=0)
    host = make_host("esx01", [dv_vmknic("vmk0", "10.10.0.11/24", old, services=["management"]),
                               dv_vmknic("vmk1", "10.20.0.11/24", VMOTION_PG, services=["vmotion"])],
                     portgroups=[old, copy.deepcopy(VMOTION_PG)])
    catalogue = [catalogue_entry(old, [("esx01", "vmk0")]), catalogue_entry(new, []),
                 catalogue_entry(VMOTION_PG, [("esx01", "vmk1")]), catalogue_entry(NEW_PG, [])]
    intent = {"classes": [{"name": "mgmt", "select": {"devices": ["vmk0"]}, "action": "subnet",
                           "subnet": {"network": "10.10.0.0/24", "portgroup": {"name": "dv-Management-2"}}},
                          dict(MOVE_CLASS["classes"][0], select={"devices": ["vmk1"]})]}
    [refusal] = problems([host], intent, catalogue)
    assert refusal.startswith("host esx01: the plan changes vmk0, the vmknic vCenter uses to manage the host (")
    assert refusal.endswith("); set allow_management_change: true to allow it")
    document = plan([host], dict(intent, allow_management_change=True), catalogue)
    assert [(op["device"], op["portgroup"]) for op in document["hosts"][0]["operations"]] == [
        ("vmk1", "dv-vMotion-20"), ("vmk0", "dv-Management-2")]  # the management vmknic last


def test_a_vmknic_on_a_standard_switch_moves_onto_a_dvportgroup_of_a_switch_its_host_is_a_member_of():
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
                               make_vmknic("vmk1", "10.20.0.11/24", services=["vmotion"], portgroup="vMotion")])
    catalogue = [dict(catalogue_entry(NEW_PG, []), members={"esx01": {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}})]
    intent = {"classes": [{"name": "vmotion", "select": {"portgroups": ["vMotion"]}, "action": "subnet",
                           "subnet": {"network": "10.20.0.0/24", "portgroup": {"name": "dv-vMotion-20", "switch": "dvs1"}}}]}
    document = plan([host], intent, catalogue)
    assert document["vcenter"]["operations"] == []
    [op] = document["hosts"][0]["operations"]
    assert (op["op"], op["portgroup"], op["switch"], op["dvs"]) == (
        "UpdateVirtualNic", "dv-vMotion-20", "dvs1", {"switch_uuid": UUID, "portgroup_key": "dvportgroup-12"})
    [nic] = [n for n in document["hosts"][0]["after"]["vmknics"] if n["device"] == "vmk1"]
    assert (nic["switch_type"], nic["portgroup"]) == ("distributed", "dv-vMotion-20")
    catalogue[0]["members"] = {"esx02": {"Uplink 1": "vmnic2"}}
    assert problems([host], intent, catalogue) == [
        "class vmotion, host esx01 vmk1: host esx01 is not a member of distributed switch dvs1; add it (with its "
        "uplinks) in vCenter first"]


def test_moving_the_management_vmknic_from_a_standard_switch_onto_a_dvportgroup_needs_allow_management_change():
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network")])
    catalogue = [dict(catalogue_entry(NEW_PG, []), members={"esx01": {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}})]
    intent = {"classes": [{"name": "mgmt", "select": {"devices": ["vmk0"]}, "action": "subnet",
                           "subnet": {"network": "10.10.0.0/24", "portgroup": {"name": "dv-vMotion-20", "switch": "dvs1"}}}]}
    [refusal] = problems([host], intent, catalogue)
    assert refusal.startswith("host esx01: the plan changes vmk0, the vmknic vCenter uses to manage the host (")
    document = plan([host], dict(intent, allow_management_change=True), catalogue)
    assert [(op["op"], op["device"], op["switch"]) for op in document["hosts"][0]["operations"]] == [
        ("UpdateVirtualNic", "vmk0", "dvs1")]
