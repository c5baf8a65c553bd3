# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""remediation_apply with ``plan``: many hosts of several clusters in one process and one session.

Parallel gives what serial gives (state read back, outcomes, each host's journal), in the four
steps; the per-cluster limit is proven with the lab's holds (a host's call waits until the test
releases it, and no other host of its cluster starts meanwhile while the other cluster's hosts
run) and with the journal's order of change-record writes; a fault on one host stops the run
(hosts in flight finish, nothing new starts) or, with continue_on_failure, lets the others finish.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from harness import Lab, connection_args, run_module

WAIT = 120  # seconds a step may take before the test gives up (a hang, never a timed assertion)
# Six hosts in two clusters (C0: .11-.13, C1: .14-.16), each with vMotion in the management subnet:
# each gets the same two calls.
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 6, "clusters": 2},
    "hosts": [{"portgroups": [{"name": "vMotion", "vlan": 0}],
               "vmknics": [{"portgroup": "vMotion", "ip": "10.10.1.{i+11}/21", "services": ["vmotion"]}]}],
}
HOSTS = [f"10.10.0.{11 + i}" for i in range(6)]
CLUSTERS = {"C0": HOSTS[:3], "C1": HOSTS[3:]}
INTENT = {"classes": [{"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
                       "subnet": {"network": "10.20.0.0/24", "range": "10.20.0.10-10.20.0.50", "vlan": 20}}]}
APPLIED = [("UpdatePortGroup", None), ("UpdateVirtualNic", None)]
ROLLED_BACK = [("UpdatePortGroup", None), ("UpdateVirtualNic", "HostConfigFault"), ("UpdatePortGroup", None)]


@pytest.fixture
def lab(lab_factory) -> Lab:
    return lab_factory(scenario=SCENARIO)


def plan_of(lab: Lab) -> dict:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=INTENT))
    assert not result.get("failed"), result.get("msg")
    assert [e["host"] for e in result["plan"]["hosts"] if e["changed"]] == HOSTS
    return result["plan"]


def apply(lab: Lab, plan: dict, check: bool = False, **options: Any) -> dict:
    return run_module("remediation_apply", dict(connection_args(lab), plan=plan, **options), check=check, diff=True)


def apply_in_background(lab: Lab, plan: dict, **options: Any) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(apply(lab, plan, **options)), daemon=True)
    thread.start()
    return thread, result


def joined(thread: threading.Thread, result: dict) -> dict:
    thread.join(WAIT)
    assert not thread.is_alive(), "remediation_apply did not finish"
    return result


def host_calls(lab: Lab) -> dict[str, list[tuple[str, Any]]]:
    """Each host's journal: (method, fault) of its host calls, in order (hold events left out)."""
    calls: dict[str, list[tuple[str, Any]]] = {host: [] for host in HOSTS}
    for e in lab.journal():
        if "event" not in e:
            calls[e["host"]].append((e["method"], e.get("fault")))
    return calls


def host_journal(lab: Lab) -> dict[str, list[tuple[str, Any, Any]]]:
    """Each host's journal with the calls' arguments (change records: the method only, their
    values hold run ids and times)."""
    journal: dict[str, list[tuple[str, Any, Any]]] = {host: [] for host in HOSTS}
    for e in lab.journal(records=True):
        if e["host"] in journal and "event" not in e:
            journal[e["host"]].append((e["method"], None if e["method"] in Lab.RECORD_METHODS else e.get("args"), e.get("fault")))
    return journal


def hosts_touched(lab: Lab) -> set[str]:
    """The hosts with any write in the journal, change records included (AddCustomFieldDef names none)."""
    return {e["host"] for e in lab.journal(records=True) if e["host"]}


def facts(lab: Lab) -> dict[str, dict]:
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result.get("msg")
    return {host["name"]: host for host in result["hosts"]}


def wait_for_calls(lab: Lab, host: str, count: int, method: str | None = None) -> None:
    """Until ``host`` has made ``count`` calls (of ``method``; else host calls, records left out),
    polling the lab's journal; gives up after WAIT."""
    event = threading.Event()
    for _ in range(int(WAIT / 0.05)):
        entries = [e for e in lab.journal(records=method is not None) if e["host"] == host and "event" not in e]
        if len([e for e in entries if method in (None, e["method"])]) >= count:
            return
        event.wait(0.05)
    raise AssertionError(f"{host} did not make {count} calls {method or ''}")


def test_parallel_gives_what_serial_gives_in_four_steps(lab_factory):
    """Two identical labs, one applied serially (parallel 1), the other with parallel 4 and two
    hosts per cluster: equal outcomes, equal read-back state, equal journal per host; then the
    four steps on the parallel lab: check, apply, check (no changes), apply (changed false)."""
    serial_lab, parallel_lab = lab_factory(scenario=SCENARIO), lab_factory(scenario=SCENARIO)
    serial_plan, parallel_plan = plan_of(serial_lab), plan_of(parallel_lab)
    assert serial_plan["hosts"] == parallel_plan["hosts"]
    before = facts(parallel_lab)

    checked = apply(parallel_lab, parallel_plan, check=True, parallel=4, max_hosts_in_change_per_cluster=2)
    assert checked["changed"] is True and not checked.get("failed"), checked.get("msg")
    assert checked["outcome"] == {host: "planned" for host in HOSTS}
    assert [d["before_header"] for d in checked["diff"]] == [f"{host} (read)" for host in HOSTS]
    assert parallel_lab.journal(records=True) == []
    assert facts(parallel_lab) == before

    serial = apply(serial_lab, serial_plan)
    parallel = apply(parallel_lab, parallel_plan, parallel=4, max_hosts_in_change_per_cluster=2)
    for result in (serial, parallel):
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True and result["failed_hosts"] == []
        assert result["outcome"] == {host: "applied" for host in HOSTS}
    assert parallel["hosts"] == serial["hosts"]
    assert host_calls(parallel_lab) == {host: APPLIED for host in HOSTS}
    assert host_journal(parallel_lab) == host_journal(serial_lab)
    assert facts(parallel_lab) == facts(serial_lab)
    # Serial is plan order, one host after the other.
    assert [e["host"] for e in serial_lab.journal()] == [host for host in HOSTS for _call in APPLIED]

    parallel_lab.clear_journal()
    again = apply(parallel_lab, parallel_plan, check=True, parallel=4)
    assert again["changed"] is False and again["outcome"] == {host: "unchanged" for host in HOSTS}
    again = apply(parallel_lab, parallel_plan, parallel=4)
    assert again["changed"] is False and again["outcome"] == {host: "unchanged" for host in HOSTS}
    assert parallel_lab.journal(records=True) == []


def test_per_cluster_limit_holds_while_the_other_cluster_runs(lab):
    """One host per cluster: the first host of C0 is held in its first call; every host of C1 is
    applied meanwhile, one after the other, and no other host of C0 makes any call (not even its
    change record) until the held call is released."""
    plan = plan_of(lab)
    lab.clear_journal()
    lab.hold("UpdatePortGroup", host=HOSTS[0])
    thread, result = apply_in_background(lab, plan, parallel=4, max_hosts_in_change_per_cluster=1)
    held = lab.wait_held(timeout=WAIT)
    assert held["host"] == HOSTS[0]
    wait_for_calls(lab, CLUSTERS["C1"][-1], len(APPLIED))
    assert hosts_touched(lab) == {HOSTS[0], *CLUSTERS["C1"]}
    assert lab.release_held(held["id"]) == 1
    result = joined(thread, result)
    assert not result.get("failed"), result.get("msg")
    assert result["outcome"] == {host: "applied" for host in HOSTS}
    assert host_calls(lab) == {host: APPLIED for host in HOSTS}

    # The journal's order proves the limit for the whole run: within a cluster, a host's first
    # write (its change record) comes after the previous host's last write (the record cleared).
    for members in CLUSTERS.values():
        spans = []
        for host in members:
            seqs = [e["seq"] for e in lab.journal(records=True) if e["host"] == host]
            spans.append((min(seqs), max(seqs)))
        spans.sort()
        assert all(previous[1] < following[0] for previous, following in zip(spans, spans[1:])), spans


def test_stop_lets_hosts_in_flight_finish_and_starts_no_other(lab):
    """parallel 2: the first host's vmknic update fails while the second host is held in flight;
    the first is rolled back, the second finishes once released, no other host gets any call and
    each is reported not_tried; the module fails naming the failed host."""
    plan = plan_of(lab)
    before = facts(lab)
    lab.inject_fault("UpdateVirtualNic", host=HOSTS[0], fault="HostConfigFault", message="injected")
    lab.hold("UpdatePortGroup", host=HOSTS[1])
    lab.clear_journal()
    thread, result = apply_in_background(lab, plan, parallel=2)
    held = lab.wait_held(timeout=WAIT)
    assert held["host"] == HOSTS[1]
    # Rolled back and its record cleared (written at the start, after the first call, at the
    # rollback, cleared): its outcome is in, while the second host is still held.
    wait_for_calls(lab, HOSTS[0], 4, method="SetField")
    assert host_calls(lab)[HOSTS[0]] == ROLLED_BACK
    assert lab.release_held(held["id"]) == 1
    result = joined(thread, result)

    assert result["failed"] is True
    assert result["outcome"] == {HOSTS[0]: "rolled_back", HOSTS[1]: "applied",
                                 **{host: "not_tried" for host in HOSTS[2:]}}
    assert result["failed_hosts"] == [HOSTS[0]]
    assert result["msg"] == (f"Remediation failed on 1 of 2 hosts tried: {HOSTS[0]} (rolled_back): UpdateVirtualNic failed: "
                             "HostConfigFault: injected; stopped: continue_on_failure is false, 4 host(s) not tried")
    assert host_calls(lab) == {HOSTS[0]: ROLLED_BACK, HOSTS[1]: APPLIED, **{host: [] for host in HOSTS[2:]}}
    assert hosts_touched(lab) == {HOSTS[0], HOSTS[1]}
    after = facts(lab)
    assert after[HOSTS[0]] == before[HOSTS[0]]
    assert all(after[host] == before[host] for host in HOSTS[2:])
    assert [d["before_header"] for d in result["diff"]] == [f"{HOSTS[0]} (read)", f"{HOSTS[1]} (read)"]


def test_continue_applies_the_other_hosts(lab):
    plan = plan_of(lab)
    before = facts(lab)
    lab.inject_fault("UpdateVirtualNic", host=HOSTS[0], fault="HostConfigFault", message="injected")
    lab.clear_journal()
    result = apply(lab, plan, parallel=3, continue_on_failure=True)
    assert result["failed"] is True
    assert result["outcome"] == {HOSTS[0]: "rolled_back", **{host: "applied" for host in HOSTS[1:]}}
    assert result["msg"] == (f"Remediation failed on 1 of 6 hosts tried: {HOSTS[0]} (rolled_back): UpdateVirtualNic failed: "
                             "HostConfigFault: injected")
    assert host_calls(lab) == {HOSTS[0]: ROLLED_BACK, **{host: APPLIED for host in HOSTS[1:]}}
    assert facts(lab)[HOSTS[0]] == before[HOSTS[0]]


@pytest.mark.parametrize("options, message", [
    ({"parallel": 0}, "parallel must be 1 or more, not 0"),
    ({"max_hosts_in_change_per_cluster": -1}, "max_hosts_in_change_per_cluster must be 0 (no limit) or more, not -1"),
])
def test_bad_limits_change_nothing(lab, options, message):
    plan = plan_of(lab)
    lab.clear_journal()
    result = apply(lab, plan, **options)
    assert result["failed"] is True and result["msg"] == message
    assert lab.journal(records=True) == []


def test_refused_plan_changes_nothing(lab):
    plan = dict(plan_of(lab), executable=False, refusals=[{"host": HOSTS[0], "class": "vmotion", "message": "no free address"}])
    lab.clear_journal()
    result = apply(lab, plan)
    assert result["failed"] is True
    assert result["msg"] == ("the plan is not executable (the planner refused it: no free address); "
                             "plan again once the refusals are resolved")
    assert lab.journal(records=True) == []


def test_bad_plan_changes_nothing(lab):
    plan = plan_of(lab)
    broken = dict(plan, hosts=[{k: v for k, v in e.items() if k != "after"} if i == 2 else e for i, e in enumerate(plan["hosts"])])
    lab.clear_journal()
    result = apply(lab, broken)
    assert result["failed"] is True
    assert result["msg"] == "plan.hosts[2] is not an entry of remediation_plan_info's plan.hosts: missing after"
    assert lab.journal(records=True) == []
