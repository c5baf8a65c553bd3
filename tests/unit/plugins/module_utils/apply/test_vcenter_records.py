# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change records of the vCenter-level steps (apply/_vcenter_records.py, _records.py): the switch
record's content and encoding, written before the first call and updated after each, a live lease
of another run (locked, no call), an interrupted record (refused unless recovered), the race of two
writers, what stays after a failure, and the undo that remediation_plan_info plans from a record."""

from __future__ import annotations

import time

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import (
    KIND_SWITCH, PHASE_ROLLBACK, decode, encode, new_switch_record, record_facts, summary,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_ops import apply_vcenter_steps
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_records import (
    VcenterRecordKeeper, undo_operations, unverified_switches, with_switch_records,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.apply.test_vcenter_ops import PGS, FakeVcenter, dvpg, section

OTHER = {"job": "812", "controller": "awx.example.com", "host": "awx-ee-7f9c", "pid": 4242}


class SwitchStore:
    """The switches' custom attribute, as SetField and a read of customValue see it."""

    def __init__(self, journal: list) -> None:
        self.values: dict[str, str] = {}
        self.journal = journal

    def read(self, uuids: set) -> dict:
        return {u: {"switch": "dvs1", "switch_uuid": u, "change_record": record_facts(self.values.get(u), holder="switch")}
                for u in uuids}

    def write(self, switch_uuid: str, value: str) -> None:
        self.journal.append(("SetField", switch_uuid, decode(value)))
        self.values[switch_uuid] = value


class JournaledVcenter(FakeVcenter):
    def __init__(self, pgs: list[dict], journal: list, fail_on: int | None = None, error: Exception | None = None) -> None:
        super().__init__(pgs, fail_on)
        self.journal = journal
        self.error = error

    def run(self, op: dict) -> None:
        self.journal.append((op["op"], op["key"]))
        if self.error is not None and self.fail_on == len(self.calls) + 1:
            self.calls.append(op["key"])
            raise self.error
        super().run(op)


def setup(fail_on: int | None = None, error: Exception | None = None):
    journal: list = []
    store = SwitchStore(journal)
    vcenter = JournaledVcenter(PGS, journal, fail_on, error)
    return journal, store, vcenter, VcenterRecordKeeper(store.read, store.write, lease_seconds=120)


def foreign_record(expires_in: float, plan: dict | None = None) -> str:
    record = new_switch_record(plan or section(PGS, [20, 30]), "u1", "a1b2c3d4e5f60718", OTHER, 120)
    record["expires"] = time.time() + expires_in
    return encode(record)


def test_switch_record_holds_the_section_of_that_switch_and_round_trips():
    plan = section(PGS, [20, 10])
    plan["operations"] = plan["operations"][:1]  # only dv-A changes
    created = dict(dvpg("dv-new", "new:dv-new", 40), occupants=[])
    plan["after"]["dvportgroups"].append(created)
    other_switch = dict(plan["operations"][0], switch_uuid="u2", switch="dvs2", name="dv-Z")
    plan["operations"].append(other_switch)
    record = new_switch_record(plan, "u1", "run1", OTHER, 120, now=1000.0)
    assert record["kind"] == KIND_SWITCH
    assert record["operations"] == plan["operations"][:1]
    assert [pg["name"] for pg in record["before"]] == ["dv-A"]
    assert record["before"][0]["vlan"] == 10
    assert record["created"] == [created]
    assert (record["run"], record["switch"], record["done"], record["phase"], record["expires"]) == ("run1", "dvs1", 0, "apply", 1240.0)
    assert decode(encode(record)) == record
    assert summary(record)["dvportgroups"] == ["dv-A", "dv-new"]
    assert summary(record)["created"] == ["dv-new"]
    assert summary(record)["owner"] == "AWX job 812 on awx.example.com (awx-ee-7f9c pid 4242)"


def test_a_host_record_on_a_switch_and_a_switch_record_on_a_host_are_unusable():
    value = foreign_record(600)
    assert record_facts(value, holder="host")["error"] == "host record unusable: it holds a record of a switch"
    assert record_facts(value, holder="switch")["error"] is None
    damaged = decode(value)
    del damaged["created"]
    assert "created missing" in record_facts(encode(damaged), holder="switch")["error"]


def test_record_written_before_the_first_call_updated_after_each_and_cleared_after_the_hosts():
    journal, store, vcenter, keeper = setup()
    plan = section(PGS, [20, 30])
    outcome = apply_vcenter_steps(plan, vcenter.run, vcenter.read, False, keeper)
    assert outcome["status"] == "applied"
    steps = [(entry[0], entry[2]["done"] if entry[0] == "SetField" else entry[1]) for entry in journal]
    assert steps == [("SetField", 0), ("ReconfigureDVPortgroup", "dvportgroup-1"), ("SetField", 1),
                     ("ReconfigureDVPortgroup", "dvportgroup-2"), ("SetField", 2)]
    first = journal[0][2]
    assert [pg["vlan"] for pg in first["before"]] == [10, 10] and first["phase"] == "apply"
    assert unverified_switches(plan, outcome, {"esx01": "applied"}) == set()
    keeper.clear(keep=unverified_switches(plan, outcome, {"esx01": "applied"}))
    assert store.values == {"u1": ""}


@pytest.mark.parametrize("expires_in, status, key, message", [
    (600, "locked", "locked_by", "switch dvs1 is locked by AWX job 812"),
    (-1, "drifted", "interrupted", "recover it with remediation_plan_info (recovery: undo)"),
], ids=["live lease of another run: locked", "interrupted: refused until recovered"])
def test_another_runs_record_means_no_call(expires_in, status, key, message):
    journal, store, vcenter, keeper = setup()
    store.values["u1"] = foreign_record(expires_in)
    outcome = apply_vcenter_steps(section(PGS, [20, 30]), vcenter.run, vcenter.read, False, keeper)
    assert outcome["status"] == status
    assert outcome[key]["run"] == "a1b2c3d4e5f60718"
    assert message in outcome["error"]
    assert journal == []


def test_two_runs_writing_at_once_the_one_whose_record_is_not_there_stops():
    journal, store, vcenter, keeper = setup()
    other = foreign_record(600)

    def write(switch_uuid: str, value: str) -> None:
        store.write(switch_uuid, value)
        if value:  # the other run writes just after this one
            store.values[switch_uuid] = other

    keeper.write = write
    outcome = apply_vcenter_steps(section(PGS, [20, 30]), vcenter.run, vcenter.read, False, keeper)
    assert outcome["status"] == "locked"
    assert "which took it at the same time" in outcome["error"]
    assert vcenter.calls == []


def test_refused_call_rolls_back_in_phase_rollback_and_the_record_is_cleared():
    journal, store, vcenter, keeper = setup(fail_on=2)
    plan = section(PGS, [20, 30])
    outcome = apply_vcenter_steps(plan, vcenter.run, vcenter.read, False, keeper)
    assert outcome["status"] == "rolled_back"
    phases = [entry[2]["phase"] for entry in journal if entry[0] == "SetField"]
    assert phases == ["apply", "apply", PHASE_ROLLBACK]
    assert unverified_switches(plan, outcome, {}) == set()


def test_a_call_with_no_answer_is_interrupted_no_rollback_and_the_record_stays():
    journal, store, vcenter, keeper = setup(fail_on=2, error=ConnectionResetError("reset"))
    plan = section(PGS, [20, 30])
    outcome = apply_vcenter_steps(plan, vcenter.run, vcenter.read, False, keeper)
    assert outcome["status"] == "interrupted"
    assert outcome["rollback"] is None
    assert unverified_switches(plan, outcome, {}) == {"u1"}
    keeper.clear(keep=unverified_switches(plan, outcome, {}))
    assert decode(store.values["u1"])["done"] == 1


def test_a_host_in_an_unknown_state_keeps_the_record_of_its_step():
    plan = section(PGS, [20, 30])
    assert unverified_switches(plan, {"status": "applied"}, {"esx01": "interrupted"}) == {"u1"}
    assert unverified_switches(plan, {"status": "applied"}, {"esx01": "rolled_back"}) == set()


def interrupted_record() -> dict:
    """A run that set dv-A to VLAN 20 and created dv-new, then was killed."""
    plan = section(PGS[:1], [20])
    plan["after"]["dvportgroups"].append(dict(dvpg("dv-new", "new:dv-new", 40)))
    record = new_switch_record(plan, "u1", "a1b2c3d4e5f60718", OTHER, 120)
    record["expires"] = time.time() - 1
    return record


def test_undo_restores_with_the_configversion_read_now_and_destroys_only_unused_created():
    record = interrupted_record()
    now = [dvpg("dv-A", "dvportgroup-1", 20, version="4"), dvpg("dv-new", "dvportgroup-9", 40)]
    operations, after, impossible, kept = undo_operations(record, now)
    assert [(op["op"], op["key"], op.get("config_version"), op.get("vlan")) for op in operations] == [
        ("ReconfigureDVPortgroup", "dvportgroup-1", "4", 10), ("DestroyDVPortgroup", "dvportgroup-9", None, None)]
    assert [pg["vlan"] for pg in after] == [10] and impossible == [] and kept == []
    now[1]["occupants"] = [{"host": "esx01", "device": "vmk2"}]
    operations, _after, _impossible, kept = undo_operations(record, now)
    assert [op["op"] for op in operations] == ["ReconfigureDVPortgroup"]
    assert kept == ["dvPortgroup dv-new on dvs1, created by the interrupted run, is kept: vmknics are on it (esx01 vmk2)"]
    assert undo_operations(record, now[1:])[2] == ["dvPortgroup dv-A on dvs1 is gone: its before-state cannot be restored"]


def plan_document() -> dict:
    steps = section(PGS, [30, 30])
    host = {"host": "esx01", "changed": True, "operations": [{"op": "UpdateVirtualNic", "device": "vmk1"}],
            "before": {"name": "esx01"}, "after": {"name": "esx01", "x": 1}, "vcenter_steps": steps["after"]["dvportgroups"]}
    return {"vcenter": steps, "hosts": [host], "refusals": [], "executable": True,
            "summary": {"hosts_changed": 1, "refusals": 0}}


def switches_with(value: str) -> dict:
    return {"u1": {"switch": "dvs1", "switch_uuid": "u1", "change_record": record_facts(value, holder="switch")}}


def test_plan_undoes_an_interrupted_switch_instead_of_the_intent_and_defers_its_hosts():
    now = [dvpg("dv-A", "dvportgroup-1", 20, version="4"), PGS[1], dvpg("dv-new", "dvportgroup-9", 40)]
    document = with_switch_records(plan_document(), switches_with(encode(interrupted_record())), now, "undo")
    vcenter = document["vcenter"]
    assert [(op["op"], op["name"]) for op in vcenter["operations"]] == [("ReconfigureDVPortgroup", "dv-A"), ("DestroyDVPortgroup", "dv-new")]
    assert [pg["name"] for pg in vcenter["before"]["dvportgroups"]] == ["dv-A", "dv-new"]
    assert [(pg["name"], pg["vlan"]) for pg in vcenter["after"]["dvportgroups"]] == [("dv-A", 10)]
    assert [(r["run"], r["choice"], r["switch_uuid"]) for r in vcenter["recovery"]] == [("a1b2c3d4e5f60718", "undo", "u1")]
    assert vcenter["records"][0]["lease"] == "expired"
    host = document["hosts"][0]
    assert (host["changed"], host["operations"], "vcenter_steps" in host) == (False, [], False)
    assert "needs vCenter-level steps on dvs1" in host["deferred"]
    assert document["executable"] and document["summary"]["switches_recovering"] == 1


def test_plan_with_finish_or_an_unusable_switch_record_is_refused_and_a_live_one_is_reported():
    refused = with_switch_records(plan_document(), switches_with(encode(interrupted_record())), list(PGS), "finish")
    assert not refused["executable"]
    assert "recovery finish is not supported for vCenter-level steps" in refused["refusals"][0]["message"]
    damaged = with_switch_records(plan_document(), switches_with("vmkmh/1:!!"), list(PGS), "undo")
    assert damaged["refusals"][0]["message"].startswith("switch dvs1: switch record unusable: its change record is damaged")
    live = with_switch_records(plan_document(), switches_with(foreign_record(600)), list(PGS), "undo")
    assert live["vcenter"]["records"][0]["lease"] == "live"
    assert live["vcenter"]["operations"] == plan_document()["vcenter"]["operations"]
    assert with_switch_records(plan_document(), {}, list(PGS), "undo") == plan_document()


def test_the_planned_undo_applies_under_a_record_that_keeps_the_interrupted_before_state_then_clears():
    journal, store, _vcenter, keeper = setup()
    interrupted = interrupted_record()
    store.values["u1"] = encode(interrupted)
    now = [dvpg("dv-A", "dvportgroup-1", 20, version="4"), PGS[1]]
    vcenter = JournaledVcenter(now, journal)
    document = with_switch_records(plan_document(), switches_with(store.values["u1"]), now, "undo")
    outcome = apply_vcenter_steps(document["vcenter"], vcenter.run, vcenter.read, False, keeper)
    assert outcome["status"] == "applied"
    assert vcenter.pgs["dvportgroup-1"]["vlan"] == 10
    written = journal[0][2]
    assert (written["before"], written["created"]) == (interrupted["before"], interrupted["created"])
    assert written["recovery"] == {"choice": "undo", "of_run": "a1b2c3d4e5f60718"}
    keeper.clear(keep=unverified_switches(document["vcenter"], outcome, {}))
    assert store.values["u1"] == ""
    # planned before, recovered since by another run: drift, no call
    again = apply_vcenter_steps(document["vcenter"], vcenter.run, vcenter.read, False,
                                VcenterRecordKeeper(store.read, store.write, 120))
    assert again["status"] == "drifted" and "recovered since it was planned" in again["error"]


def test_check_mode_reports_a_lock_and_writes_nothing():
    journal, store, vcenter, keeper = setup()
    assert apply_vcenter_steps(section(PGS, [20, 30]), vcenter.run, vcenter.read, True, keeper)["status"] == "planned"
    store.values["u1"] = foreign_record(600)
    assert apply_vcenter_steps(section(PGS, [20, 30]), vcenter.run, vcenter.read, True, keeper)["status"] == "locked"
    assert [e for e in journal if e[0] == "SetField"] == []


def test_killed_after_the_rollback_destroyed_what_it_created_the_undo_only_clears_the_record():
    """The window between a rollback's DestroyDVPortgroup and the record's clear (no record update
    between the two): the next run finds dv-A back as before and dv-new gone. Its undo has no call
    to make, and applying it clears the interrupted record, so the switch is not stuck."""
    journal, store, _vcenter, keeper = setup()
    interrupted = dict(interrupted_record(), phase=PHASE_ROLLBACK, done=1)
    store.values["u1"] = encode(interrupted)
    now = [dvpg("dv-A", "dvportgroup-1", 10), PGS[1]]
    assert undo_operations(interrupted, now) == ([], [now[0]], [], [])
    document = with_switch_records(plan_document(), switches_with(store.values["u1"]), now, "undo")
    assert document["executable"] and document["vcenter"]["operations"] == []
    assert document["vcenter"]["recovery"][0]["run"] == interrupted["run"]
    vcenter = JournaledVcenter(now, journal)
    outcome = apply_vcenter_steps(document["vcenter"], vcenter.run, vcenter.read, False, keeper)
    assert (outcome["status"], outcome["executed"], vcenter.calls) == ("applied", [], [])
    keeper.clear(keep=unverified_switches(document["vcenter"], outcome, {}))
    assert store.values["u1"] == ""
    assert [entry[0] for entry in journal] == ["SetField", "SetField"]


def test_keep_alive_renews_a_lease_only_once_half_of_it_is_gone():
    """During a host phase longer than the lease, the switch record is renewed (another run then
    sees it locked, never interrupted); before half the lease is gone no call is made."""
    journal, store, vcenter, keeper = setup()
    assert apply_vcenter_steps(section(PGS, [20, 30]), vcenter.run, vcenter.read, False, keeper)["status"] == "applied"
    written = len(journal)
    expires = keeper.records["u1"]["expires"]
    keeper.keep_alive(now=expires - 100)  # lease 120 s: 100 s left, more than half
    assert len(journal) == written
    keeper.keep_alive(now=expires - 50)
    assert len(journal) == written + 1
    renewed = decode(store.values["u1"])
    assert renewed["expires"] > expires and renewed["done"] == 2 and renewed["phase"] == "apply"
    assert record_facts(store.values["u1"], owner=OTHER, holder="switch", now=expires + 10)["lease"] == "live"
