# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery of an interrupted move between dvPortgroups: the change record keeps the dvPortgroup
the vmknic was on, so undoing the move onto one the host's facts no longer list is planned (back
onto its distributed port) and predicted."""

from __future__ import annotations

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply import _records as records
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import find_vmknic
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    dv_vmknic, make_dv_portgroup, make_host, make_vmknic,
)

DV_A = make_dv_portgroup("dv-A", key="dvportgroup-21")
DV_B = make_dv_portgroup("dv-B", key="dvportgroup-22")
OWNER = {"job": None, "controller": None, "host": "ctl", "pid": 100}


def test_undo_of_an_interrupted_move_goes_back_onto_the_old_dvportgroup():
    before = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"),
                                 dv_vmknic("vmk1", "10.50.0.11/24", DV_A)], portgroups=[DV_A])
    move = {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "dv-B", "switch": "dvs1",
            "dvs": {"switch_uuid": DV_B["switch_uuid"], "portgroup_key": DV_B["key"]}, "description": "vmk1: move to dv-B"}
    moved = simulate(before, [move], portgroups=[DV_B])
    record = records.new_record({"host": "esx01", "operations": [move], "before": before, "after": moved}, before, OWNER, 60, now=0.0)
    assert [p["name"] for p in record["before"]["portgroups"]] == ["dv-A"]
    current = dict(moved, change_record={"error": None, "lease": "expired", "record": dict(record, done=1),
                                         "summary": {"run": record["run"]}})
    document = {"hosts": [{"host": "esx01", "changed": False, "operations": []}], "refusals": [], "summary": {}}
    [entry] = records.with_records(document, [current], records.UNDO)["hosts"]
    assert [(op["op"], op["portgroup"], op["dvs"]) for op in entry["operations"]] == [
        ("UpdateVirtualNic", "dv-A", {"switch_uuid": DV_A["switch_uuid"], "portgroup_key": "dvportgroup-21"})]
    assert find_vmknic(entry["after"], "vmk1")["portgroup"] == "dv-A"
    assert [p["name"] for p in entry["after"]["portgroups"] if p["switch_type"] == "distributed"] == ["dv-A"]
