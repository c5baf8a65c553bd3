# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control flow of a plan's vCenter-level steps (apply/_vcenter_ops.py) with a fake vCenter:
drift (settings or configVersion), apply and verify, rollback with the configVersion read now,
a refused first call changing nothing, and putting back a step no host took up."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_ops import apply_vcenter_steps, undo_unused_steps


def dvpg(name: str, key: str, vlan: int, version: str = "3") -> dict:
    return {"switch": "dvs1", "switch_uuid": "u1", "key": key, "name": name, "config_version": version, "vlan": vlan,
            "vlan_spec": {"type": "vlan", "vlan_id": vlan, "ranges": None, "pvlan_id": None},
            "uplinks": {"active": ["Uplink 1"], "standby": ["Uplink 2"], "unused": []},
            "uplink_names": ["Uplink 1", "Uplink 2"], "occupants": []}


def reconfigure(pg: dict, vlan: int) -> dict:
    return {"op": "ReconfigureDVPortgroup", "host": None, "switch": "dvs1", "switch_uuid": "u1", "key": pg["key"],
            "name": pg["name"], "config_version": pg["config_version"], "vlan": vlan, "hosts": ["esx01"],
            "description": f"{pg['name']}: VLAN {vlan}"}


class FakeVcenter:
    """dvPortgroups with configVersion checks, as ReconfigureDVPortgroup_Task does them."""

    def __init__(self, pgs: list[dict], fail_on: int | None = None) -> None:
        self.pgs = {pg["key"]: copy.deepcopy(pg) for pg in pgs}
        self.calls: list[tuple] = []
        self.fail_on = fail_on

    def run(self, op: dict) -> None:
        self.calls.append((op["key"], op["config_version"], op.get("vlan")))
        if self.fail_on == len(self.calls):
            raise RuntimeError("injected")
        pg = self.pgs[op["key"]]
        if op["config_version"] != pg["config_version"]:
            raise RuntimeError("ConcurrentAccess")
        if op.get("vlan") is not None:
            pg["vlan"] = op["vlan"]
        pg["config_version"] = str(int(pg["config_version"]) + 1)

    def read(self) -> list[dict]:
        return copy.deepcopy(list(self.pgs.values()))


def section(pgs: list[dict], vlans: list[int]) -> dict:
    after = [dict(copy.deepcopy(pg), vlan=vlan) for pg, vlan in zip(pgs, vlans)]
    return {"changed": True, "operations": [reconfigure(pg, vlan) for pg, vlan in zip(pgs, vlans)],
            "before": {"dvportgroups": copy.deepcopy(pgs)}, "after": {"dvportgroups": after}}


PGS = [dvpg("dv-A", "dvportgroup-1", 10), dvpg("dv-B", "dvportgroup-2", 10)]


def test_apply_verify_then_nothing_to_do():
    vc = FakeVcenter(PGS)
    plan = section(PGS, [20, 21])
    assert apply_vcenter_steps(plan, vc.run, vc.read, check_mode=True)["status"] == "planned" and vc.calls == []
    outcome = apply_vcenter_steps(plan, vc.run, vc.read, check_mode=False)
    assert (outcome["status"], outcome["changed"], vc.calls) == ("applied", True, [("dvportgroup-1", "3", 20), ("dvportgroup-2", "3", 21)])
    again = apply_vcenter_steps(plan, vc.run, vc.read, check_mode=False)
    assert (again["status"], again["changed"], len(vc.calls)) == ("unchanged", False, 2)


@pytest.mark.parametrize("moved", ["vlan", "config_version"])
def test_drift_changes_nothing(moved):
    vc = FakeVcenter(PGS)
    vc.pgs["dvportgroup-2"][moved] = 99 if moved == "vlan" else "7"
    outcome = apply_vcenter_steps(section(PGS, [20, 21]), vc.run, vc.read, check_mode=False)
    assert (outcome["status"], outcome["changed"], vc.calls) == ("drifted", False, [])
    assert outcome["differences"] == [
        "dvPortgroup dv-B on dvs1: vlan is 99, expected 10" if moved == "vlan" else
        "dvPortgroup dv-B on dvs1: configVersion is 7, planned from 3 (changed in vCenter since it was planned)"]


def test_a_refused_first_call_changes_nothing_and_a_later_one_is_rolled_back_with_the_current_version():
    vc = FakeVcenter(PGS, fail_on=1)
    first = apply_vcenter_steps(section(PGS, [20, 21]), vc.run, vc.read, check_mode=False)
    assert (first["status"], first["changed"], first["rollback"]["commands"]) == ("failed", False, [])
    vc = FakeVcenter(PGS, fail_on=2)
    second = apply_vcenter_steps(section(PGS, [20, 21]), vc.run, vc.read, check_mode=False)
    assert second["status"] == "rolled_back"
    assert vc.calls == [("dvportgroup-1", "3", 20), ("dvportgroup-2", "3", 21), ("dvportgroup-1", "4", 10)]
    assert [pg["vlan"] for pg in vc.read()] == [10, 10]


def test_a_step_no_host_took_up_is_put_back():
    vc = FakeVcenter(PGS[:1])
    plan = section(PGS[:1], [20])
    outcome = apply_vcenter_steps(plan, vc.run, vc.read, check_mode=False)
    undo_unused_steps(plan, outcome, {"esx01": "applied"}, vc.run, vc.read)
    assert outcome["status"] == "applied" and vc.read()[0]["vlan"] == 20  # used: stays
    undo_unused_steps(plan, outcome, {"esx01": "interrupted"}, vc.run, vc.read)
    assert outcome["status"] == "applied" and vc.read()[0]["vlan"] == 20  # host state unknown: stays
    undo_unused_steps(plan, outcome, {"esx01": "rolled_back"}, vc.run, vc.read)
    assert (outcome["status"], outcome["error"]) == ("rolled_back", "put back: every host that needed dv-A failed")
    assert vc.read()[0]["vlan"] == 10 and vc.calls[-1] == ("dvportgroup-1", "4", 10)
