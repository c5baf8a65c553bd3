# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_entries' schedule with fake hosts the test holds and releases one by one: the order
hosts start in, the per-cluster limit, the stop and continue policies, and the gc pause shared by
threads. No timing: every step waits for an event the test sets."""

from __future__ import annotations

import gc
import queue
import threading
from typing import Any

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._gc import cyclic_gc_paused
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._plan_apply import NOT_TRIED, StopPolicy, apply_entries, cluster_of

WAIT = 30  # seconds a step may take before the test gives up (a hang, never a timed assertion)


def entry(name: str, cluster: str | None) -> dict:
    return {"host": name, "operations": [{"op": "UpdateVirtualNic", "device": "vmk1"}],
            "before": {"name": name, "datacenter": "DC0", "cluster": cluster}, "after": {}}


class HeldHosts:
    """apply_entry for apply_entries: each host waits until the test releases it with a status;
    every start is reported on ``started`` with the number of hosts of its cluster in change."""

    def __init__(self) -> None:
        self.started: queue.Queue = queue.Queue()
        self.releases: dict[str, queue.Queue] = {}
        self.lock = threading.Lock()
        self.in_change: dict[Any, int] = {}
        self.in_flight = 0
        self.most_in_flight = 0
        self.most_per_cluster: dict[Any, int] = {}

    def release(self, name: str, status: str = "applied") -> None:
        self.releases.setdefault(name, queue.Queue()).put(status)

    def next_started(self) -> str:
        return self.started.get(timeout=WAIT)

    def __call__(self, item: dict) -> dict:
        cluster = cluster_of(item)
        with self.lock:
            self.releases.setdefault(item["host"], queue.Queue())
            self.in_change[cluster] = self.in_change.get(cluster, 0) + 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.most_per_cluster[cluster] = max(self.most_per_cluster.get(cluster, 0), self.in_change[cluster])
        self.started.put(item["host"])
        status = self.releases[item["host"]].get(timeout=WAIT)
        with self.lock:
            self.in_change[cluster] -= 1
            self.in_flight -= 1
        return {"host": item["host"], "status": status, "changed": status != "unchanged", "error": None if status == "applied" else "x"}


def run_in_background(entries: list[dict], hosts: HeldHosts, **kwargs: Any) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.extend(apply_entries(entries, hosts, **kwargs)), daemon=True)
    thread.start()
    return thread, result


def finish(thread: threading.Thread, result: list) -> list[tuple[str, str]]:
    thread.join(WAIT)
    assert not thread.is_alive()
    return [(o["host"], o["status"]) for o in result]


def test_serial_is_plan_order_one_at_a_time():
    entries = [entry(f"h{i}", "C0") for i in range(4)]
    hosts = HeldHosts()
    thread, result = run_in_background(entries, hosts)
    for i in range(4):
        assert hosts.next_started() == f"h{i}"
        hosts.release(f"h{i}")
    assert finish(thread, result) == [(f"h{i}", "applied") for i in range(4)]
    assert hosts.most_in_flight == 1


def test_a_full_cluster_waits_while_another_cluster_starts():
    """parallel 3, one host per cluster: A1 and B1 start; A2 waits for A1 although a slot is free,
    and B2 for B1; the standalone host is not held back by any cluster."""
    entries = [entry("A1", "A"), entry("A2", "A"), entry("B1", "B"), entry("B2", "B"), entry("S1", None)]
    hosts = HeldHosts()
    thread, result = run_in_background(entries, hosts, parallel=3, per_cluster=1)
    assert {hosts.next_started() for _start in range(3)} == {"A1", "B1", "S1"}
    hosts.release("A1")
    assert hosts.next_started() == "A2"  # the first waiting host whose cluster has room
    hosts.release("S1")
    hosts.release("B1")
    assert hosts.next_started() == "B2"
    hosts.release("A2")
    hosts.release("B2")
    assert finish(thread, result) == [("A1", "applied"), ("A2", "applied"), ("B1", "applied"), ("B2", "applied"), ("S1", "applied")]
    assert hosts.most_per_cluster == {("DC0", "A"): 1, ("DC0", "B"): 1, None: 1}


def test_per_cluster_limit_never_exceeded_with_many_hosts():
    entries = [entry(f"h{i}", f"C{i % 3}") for i in range(30)]
    hosts = HeldHosts()
    for item in entries:
        hosts.release(item["host"])
    thread, result = run_in_background(entries, hosts, parallel=8, per_cluster=2)
    assert finish(thread, result) == [(f"h{i}", "applied") for i in range(30)]
    assert all(count <= 2 for count in hosts.most_per_cluster.values())
    assert hosts.most_in_flight <= 6  # three clusters of two


class JudgedPolicy(StopPolicy):
    """StopPolicy that tells the test when the schedule has judged each outcome (so that the test
    knows h0's failure was seen while h1 was still in flight)."""

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "judged", queue.Queue())

    def stops(self, outcome: dict) -> bool:
        verdict = super().stops(outcome)
        self.judged.put(outcome["host"])
        return verdict


def test_stop_lets_hosts_in_flight_finish_and_starts_nothing_new():
    entries = [entry(f"h{i}", None) for i in range(5)]
    hosts = HeldHosts()
    policy = JudgedPolicy()
    thread, result = run_in_background(entries, hosts, parallel=2, policy=policy)
    assert {hosts.next_started(), hosts.next_started()} == {"h0", "h1"}
    hosts.release("h0", "rolled_back")
    assert policy.judged.get(timeout=WAIT) == "h0"
    hosts.release("h1", "applied")  # in flight when h0 failed: it finishes
    assert finish(thread, result) == [("h0", "rolled_back"), ("h1", "applied"), ("h2", NOT_TRIED), ("h3", NOT_TRIED), ("h4", NOT_TRIED)]
    assert hosts.started.empty()
    assert result[2] == {"host": "h2", "status": NOT_TRIED, "changed": False, "commands": entries[2]["operations"],
                         "executed": [], "failed_operation": None, "error": None, "differences": [], "rollback": None}


def test_continue_applies_every_other_host():
    entries = [entry(f"h{i}", None) for i in range(4)]
    hosts = HeldHosts()
    hosts.release("h1", "rolled_back")
    for name in ("h0", "h2", "h3"):
        hosts.release(name)
    thread, result = run_in_background(entries, hosts, parallel=2, policy=StopPolicy(continue_on_failure=True))
    assert finish(thread, result) == [("h0", "applied"), ("h1", "rolled_back"), ("h2", "applied"), ("h3", "applied")]


@pytest.mark.parametrize("continue_when_locked, expected", [
    (False, [("h0", "locked"), ("h1", NOT_TRIED)]),
    (True, [("h0", "locked"), ("h1", "applied")]),
])
def test_a_locked_host_stops_unless_continue_when_locked(continue_when_locked, expected):
    entries = [entry("h0", None), entry("h1", None)]
    hosts = HeldHosts()
    hosts.release("h0", "locked")
    hosts.release("h1")
    policy = StopPolicy(continue_when_locked=continue_when_locked)
    thread, result = run_in_background(entries, hosts, policy=policy)
    assert finish(thread, result) == expected
    assert [policy.is_error(o) for o in result] == [not continue_when_locked, False]


def test_gc_pause_is_restored_by_the_last_thread_out():
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def hold_pause() -> None:
        with cyclic_gc_paused():
            inside.set()
            leave.wait(WAIT)

    thread = threading.Thread(target=hold_pause)
    thread.start()
    assert inside.wait(WAIT)
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still inside
    leave.set()
    thread.join(WAIT)
    assert gc.isenabled()


def test_an_exception_of_a_worker_is_raised_by_the_run():
    """apply_entry's own failures are outcomes; anything it raises (a bug) ends the run loudly."""
    def broken(item: dict) -> dict:
        raise RuntimeError(f"bug on {item['host']}")

    with pytest.raises(RuntimeError, match="bug on h0"):
        apply_entries([entry("h0", None)], broken)


def test_an_exception_waits_for_the_hosts_in_change_and_starts_no_other():
    """A worker's exception does not cut the other hosts in change short (they finish, verified or
    rolled back) and no waiting host starts; then the run raises it."""
    hosts = HeldHosts()
    finished: list[str] = []

    def apply_entry(item: dict) -> dict:
        if item["host"] == "h1":
            hosts.next_started()  # h0 is in change
            raise RuntimeError("bug on h1")
        outcome = hosts(item)
        finished.append(item["host"])
        return outcome

    errors: list[BaseException] = []

    def run() -> None:
        try:
            apply_entries([entry(f"h{i}", None) for i in range(4)], apply_entry, parallel=2)
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(1)
    assert thread.is_alive() and not errors  # still waiting for h0
    hosts.release("h0")
    thread.join(WAIT)
    assert not thread.is_alive()
    assert [str(e) for e in errors] == ["bug on h1"] and finished == ["h0"]
    assert hosts.started.empty()  # neither h2 nor h3 started


def test_the_tick_runs_while_a_host_is_in_change_and_after_each_host():
    """The scheduling thread wakes every tick_seconds while a host is held (the switches' leases
    are renewed there, however long one host takes), and once after each host."""
    hosts = HeldHosts()
    ticks: queue.Queue = queue.Queue()
    thread, result = run_in_background([entry("esx01", "C1"), entry("esx02", "C1")], hosts,
                                       tick=lambda: ticks.put(hosts.in_flight), tick_seconds=0.01)
    assert hosts.next_started() == "esx01"
    assert [ticks.get(timeout=WAIT) for _tick in range(3)] == [1, 1, 1]  # esx01 still held
    hosts.release("esx01")
    assert hosts.next_started() == "esx02"
    hosts.release("esx02")
    assert finish(thread, result) == [("esx01", "applied"), ("esx02", "applied")]
