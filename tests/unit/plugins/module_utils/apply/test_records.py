# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change records: format, limits, leases, recovery goals, and HostApplier writing them."""

from __future__ import annotations

import base64
import copy
import json
import random
import zlib

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply import _records as records
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import HostApplier, RecordKeeper
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import make_host, make_portgroup, make_vmknic
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.apply.fake_host import OPERATIONS, FakeHost, before_host

ME = {"job": None, "controller": None, "host": "ctl", "pid": 100}
OTHER = {"job": "42", "controller": "https://awx.example.com", "host": "automation-job-42-abcde", "pid": 7}


def entry_of(before: dict, operations: list[dict] | None = None) -> dict:
    operations = OPERATIONS if operations is None else operations
    return {"host": before["name"], "operations": operations, "before": before, "after": simulate(before, operations)}


def record_of(owner: dict | None = None, done: int = 0, now: float = 1000.0) -> dict:
    owner = OTHER if owner is None else owner
    before = before_host()
    record = records.new_record(entry_of(before), before, owner, lease_seconds=60, now=now)
    return dict(record, done=done)


# ------------------------------------------------------------------ format


def test_round_trip_and_prefix():
    record = record_of()
    value = records.encode(record)
    assert value.startswith("vmkmh/1:")
    assert records.decode(value) == json.loads(json.dumps(record))
    assert records.decode("") is None and records.decode(None) is None


def test_typical_record_is_well_under_the_limit():
    assert len(records.encode(record_of())) < records.MAX_ENCODED / 4


def test_record_over_the_limit_is_refused():
    record = record_of()
    # Random-looking text does not compress: the limit applies to the encoded value.
    noise = random.Random(8).randbytes(6000)
    record["before"]["vmknics"][0]["note"] = base64.b64encode(noise).decode()
    with pytest.raises(records.RecordError, match=r"more than the 8192 allowed"):
        records.encode(record)


@pytest.mark.parametrize("value, message", [
    ("owner=someone-else", "foreign format"),
    ("vmkmh/2:AAAA", "format version 2, newer than this collection's 1"),
    ("vmkmh/x:AAAA", "damaged \\(no format version\\)"),
    ("vmkmh/1:not base64!", "damaged"),
    ("vmkmh/1:" + base64.b64encode(zlib.compress(b"[1, 2]")).decode(), "damaged: not an object"),
    ("vmkmh/1:" + base64.b64encode(zlib.compress(b'{"run": 5}')).decode(), "run missing or not str"),
])
def test_unusable_values(value, message):
    with pytest.raises(records.RecordError, match=message):
        records.decode(value)
    facts = records.record_facts(value)
    assert facts["record"] is None and facts["error"].startswith("host record unusable: ")


def test_owner_from_awx_environment():
    owner = records.current_owner({"JOB_ID": "42", "AWX_HOST": "https://awx.example.com"})
    assert owner["job"] == "42" and owner["controller"] == "https://awx.example.com" and owner["pid"] > 0
    assert records.describe_owner(OTHER) == "AWX job 42 on https://awx.example.com (automation-job-42-abcde pid 7)"
    assert records.current_owner({})["job"] is None


# ------------------------------------------------------------------ leases


def test_lease_states():
    record = record_of(now=1000.0)
    assert records.lease_state(record, ME, now=1001.0) == "live"
    assert records.lease_state(record, ME, now=record["expires"] + 1) == "expired"
    assert records.lease_state(record, OTHER, now=1001.0) == "own"
    dead = dict(record, owner=dict(ME, pid=2 ** 22 + 12345))  # same controller, no such process
    assert records.lease_state(dead, dict(ME, pid=1), now=1001.0) == "expired"


def test_summary_names_job_progress_and_vmknics():
    info = records.summary(record_of(done=1))
    assert info["owner"].startswith("AWX job 42") and info["job"] == "42"
    assert (info["done"], info["total"], info["next"]) == (1, 2, "vmk1: 10.20.0.10/24")
    assert info["vmknics"] == ["vmk1"] and info["time"] == "1970-01-01T00:16:40Z"


# ------------------------------------------------------------------ recovery goals


def test_record_holds_only_what_the_plan_touches():
    record = record_of()
    assert [n["device"] for n in record["before"]["vmknics"]] == ["vmk1"]
    assert [p["name"] for p in record["before"]["portgroups"]] == ["vMotion"]
    assert "software_iscsi_enabled" not in record["before"]


def test_recovery_goals_from_a_half_done_change():
    before = before_host()
    half = simulate(before, OPERATIONS[:1])
    record = dict(record_of(), done=1)
    finished = simulate(half, reconcile(half, records.recovery_goal(half, record, records.FINISH)))
    assert not state_differences(simulate(before, OPERATIONS), finished)
    undone = simulate(half, reconcile(half, records.recovery_goal(half, record, records.UNDO)))
    assert not state_differences(before, undone)
    with pytest.raises(ValueError):
        records.recovery_goal(half, record, "redo")


def test_goal_keeps_what_others_changed():
    before = before_host()
    record = record_of()
    elsewhere = copy.deepcopy(simulate(before, OPERATIONS[:1]))
    vmk0 = next(n for n in elsewhere["vmknics"] if n["device"] == "vmk0")
    vmk0["mtu"] = 9000  # another run changed vmk0 meanwhile
    goal = records.recovery_goal(elsewhere, record, records.UNDO)
    assert next(n for n in goal["vmknics"] if n["device"] == "vmk0")["mtu"] == 9000
    assert all(op.get("device") != "vmk0" for op in reconcile(elsewhere, goal))


def test_finish_follows_a_renamed_vmknic():
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network")],
                     portgroups=[make_portgroup("Management Network"), make_portgroup("NFS")])
    add = {"op": "AddVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "NFS", "switch": "vSwitch0",
           "ipv4": {"address": "10.30.0.5", "netmask": "255.255.255.0"}, "stack": "defaultTcpipStack", "description": "add vmk1"}
    record = records.new_record(entry_of(host, [add]), host, ME, 60, now=1.0)
    record["renamed"] = {"vmk1": "vmk7"}
    created = simulate(host, [add])
    next(n for n in created["vmknics"] if n["device"] == "vmk1")["device"] = "vmk7"
    assert reconcile(created, records.recovery_goal(created, record, records.FINISH)) == []


# ------------------------------------------------------------------ HostApplier with records


class RecordedHost(FakeHost):
    """A fake host with a change record attribute, read back into the facts like _gather does."""

    def __init__(self, state: dict, value: str = "", **kwargs) -> None:
        super().__init__(state, **kwargs)
        self.value = value
        self.writes: list[str] = []
        self.offline_after: int | None = None

    def read(self) -> dict:
        if self.offline_after is not None and len(self.calls) > self.offline_after:
            raise ConnectionResetError("connection reset by peer")
        facts = super().read()
        facts["change_record"] = records.record_facts(self.value, ME)
        return facts

    def write(self, value: str) -> None:
        if self.offline_after is not None and len(self.calls) > self.offline_after:
            raise ConnectionResetError("connection reset by peer")
        self.writes.append(value)
        self.value = value


def with_records(host: RecordedHost) -> HostApplier:
    return HostApplier(host.read, host.run, records=RecordKeeper(host.write, 60, ME))


def test_applied_writes_before_each_step_and_clears():
    host = RecordedHost(before_host())
    outcome = with_records(host).apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "applied"
    decoded = [records.decode(v) for v in host.writes[:-1]]
    assert [r["done"] for r in decoded] == [0, 1, 2] and host.writes[-1] == ""
    assert len({r["run"] for r in decoded}) == 1


def test_lost_connection_after_the_first_call_is_interrupted_and_keeps_the_record():
    host = RecordedHost(before_host(), fail_at={1})
    host.offline_after = 1  # the second call fails and vCenter is gone from then on
    outcome = with_records(host).apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "interrupted" and outcome["changed"] is True
    assert [op["op"] for op in outcome["executed"]] == ["UpdatePortGroup"]
    assert outcome["failed_operation"]["op"] == "UpdateVirtualNic"
    assert "connection reset by peer" in outcome["error"]
    assert outcome["state"] is not None  # the last state that could be read
    kept = records.decode(host.value)
    assert kept["done"] == 1 and kept["owner"] == ME


def test_live_lease_of_another_run_changes_nothing():
    other = records.encode(dict(record_of(), expires=2 ** 40))
    host = RecordedHost(before_host(), value=other)
    outcome = with_records(host).apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "locked" and outcome["locked_by"]["job"] == "42"
    assert "locked by AWX job 42" in outcome["error"]
    assert host.calls == [] and host.writes == [] and host.value == other


@pytest.mark.parametrize("value", ["garbage", "vmkmh/9:AAAA"])
def test_unusable_record_changes_nothing(value):
    host = RecordedHost(before_host(), value=value)
    outcome = with_records(host).apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "failed" and outcome["error"].startswith("host record unusable")
    assert host.calls == [] and host.writes == []


def test_expired_record_needs_a_recovery_plan():
    host = RecordedHost(before_host(), value=records.encode(dict(record_of(), expires=1.0)))
    outcome = with_records(host).apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "drifted" and "interrupted change" in outcome["error"]
    assert host.calls == [] and host.writes == []


def test_recovery_entry_keeps_the_original_record_and_clears_it():
    before = before_host()
    half = simulate(before, OPERATIONS[:1])
    original = dict(record_of(), done=1, expires=1.0)
    host = RecordedHost(half, value=records.encode(original))
    operations = reconcile(half, records.recovery_goal(half, original, records.UNDO))
    entry = {"host": "esx01", "operations": operations, "before": half, "after": simulate(half, operations),
             "recovery": {"choice": "undo", "run": original["run"]}}
    outcome = with_records(host).apply(entry, check_mode=False)
    assert outcome["status"] == "applied" and host.value == ""
    first = records.decode(host.writes[0])
    assert first["before"] == original["before"] and first["recovery"]["of_run"] == original["run"]
    assert not state_differences(before, host.read())


def test_rollback_reverts_only_this_runs_operations():
    host = RecordedHost(before_host(), fail_at={1})
    original_run = host.run

    def run(operation):  # another run changes vmk0's MTU while this one works
        original_run(operation)
        next(n for n in host.state["vmknics"] if n["device"] == "vmk0")["mtu"] = 9000

    applier = HostApplier(host.read, run, records=RecordKeeper(host.write, 60, ME))
    outcome = applier.apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "rolled_back" and host.value == ""
    assert all(op.get("device") != "vmk0" for op in outcome["rollback"]["commands"])
    assert next(n for n in host.state["vmknics"] if n["device"] == "vmk0")["mtu"] == 9000


@pytest.mark.parametrize("error", [TimeoutError("timed out"), ConnectionResetError("reset"), OSError("no route")])
def test_unanswered_call_is_interrupted_without_rollback(error):
    host = RecordedHost(before_host())

    def run(operation):
        if host.calls:
            raise error
        host.run(operation)

    outcome = HostApplier(host.read, run, records=RecordKeeper(host.write, 60, ME)).apply(entry_of(before_host()), check_mode=False)
    assert outcome["status"] == "interrupted" and outcome["rollback"] is None
    assert outcome["error"].startswith("interrupted: UpdateVirtualNic got no answer: ") and str(error) in outcome["error"]
    assert host.calls == ["UpdatePortGroup"]  # no rollback call: vCenter may still carry the call out
    assert records.decode(host.value)["done"] == 1


def test_approved_plan_differences_name_each_host_and_how():
    update_pg = {"op": "UpdatePortGroup", "host": "h1", "args": {"name": "vMotion", "vlan": 20}}
    update_nic = {"op": "UpdateVirtualNic", "host": "h1", "args": {"device": "vmk1", "ipv4": "10.20.0.10"}}
    approved = {"h1": [update_pg, update_nic], "h2": [update_nic], "h3": [update_nic]}
    now = [
        {"host": "h1", "operations": [update_nic]},                                               # a call less
        {"host": "h2", "operations": [dict(update_nic, args={"device": "vmk1", "ipv4": "10.20.0.11"})]},  # other address
        {"host": "h3", "operations": []},                                                         # fixed meanwhile
        {"host": "h4", "operations": [update_pg]},                                                # new
        {"host": "h5", "operations": []},
    ]
    assert records.approved_plan_differences(approved, now) == [
        "h1: calls UpdatePortGroup, UpdateVirtualNic -> UpdateVirtualNic",
        # Without a description, an operation is named by its JSON.
        'h2: {"args": {"device": "vmk1", "ipv4": "10.20.0.10"}, "host": "h1", "op": "UpdateVirtualNic"}'
        ' -> {"args": {"device": "vmk1", "ipv4": "10.20.0.11"}, "host": "h1", "op": "UpdateVirtualNic"}',
        "h3: approved with 1 call(s), now nothing to do",
        "h4: not in the approved plan, now 1 call(s)",
    ]
    same = [{"host": h, "operations": ops} for h, ops in approved.items()] + [{"host": "h5", "operations": []}]
    assert records.approved_plan_differences(approved, same) == []
