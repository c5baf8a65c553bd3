# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying a plan (private): one host's entry, or every changed host of a plan in one process and
one vCenter session with bounded concurrency (remediation_apply; its module run is
``ansible_module/_remediation_apply.py``).

Each host is applied by its own ``HostApplier`` (``_apply``: drift check, change record and lease,
calls, read-back, verification, rollback) exactly as when it is applied alone. What is added here
is only the schedule (``apply_entries``): at most ``parallel`` hosts in change at once, at most
``per_cluster`` of one cluster, hosts started in plan order (a host whose cluster is full waits,
the next host of another cluster starts), and the stop policy: after a host fails, no new host
starts, the hosts already in change finish (verified or rolled back), and every host not started
is reported ``not_tried``.

Threads share one pyVmomi ``SoapStubAdapter``: every call takes an HTTP connection of its own
from the stub's pool (under the stub's lock) and returns it afterwards, so calls of different
threads never share a socket; the session cookie is one string, the same for every thread (one
vCenter session). The pool keeps ``poolSize`` idle connections (5 by default) and closes any
beyond that after its call, so it is sized to ``parallel`` (``size_connection_pool``) to avoid a
TLS handshake per call. The session's one PropertyCollector is shared too, which is safe for what
the workers ask of it: a one-host ``RetrievePropertiesEx`` fits one page (no continuation token)
and creates no filter or view, so the collector keeps no state between their calls (a shared
collector matters for filters and WaitForUpdates, which nothing here uses). SmartConnect itself is
not thread-safe (a module-level ``_si``): the login happens once, before any worker starts.
Workers share nothing else that changes: the inventory read once before
they start (``read_topology``, with the record field key already resolved) is only read, and each
worker has its own host object, operation runner, record keeper and applier. The schedule's
bookkeeping is done by the calling thread alone.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import (
    FAILED, FAILURES, LOCKED, HostApplier, RecordKeeper, comparable_view,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import (
    OperationRunner, host_object, record_field_key, record_writer, set_maintenance_mode,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_ops import (
    VcenterRunner, apply_vcenter_steps, portgroup_differences, real_keys, undo_unused_steps,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import SWITCH_FIELD_NAME
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_records import (
    VcenterRecordKeeper, section_switches, unverified_switches,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import describe
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._dvportgroup_read import (
    read_dvportgroups, read_switch_records, switch_record_field,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import (
    gather, keep_views, read_change_record, read_topology, release_views,
)

if HAS_PYVMOMI:
    from pyVmomi import vim

NOT_TRIED = "not_tried"  # the run stopped after a failure before this host was started: nothing done

ENTRY_KEYS = ("host", "operations", "before", "after")
# How often the scheduling thread wakes while hosts are in change (to renew the switches' leases;
# a renewal call is made only once half a lease is gone).
TICK_SECONDS = 10.0

ApplyEntry = Callable[[dict], dict]


@dataclass(frozen=True)
class StopPolicy:
    """Which outcomes are errors and whether an error stops the run (the remediate role's
    remediate_continue_on_failure / remediate_continue_when_locked)."""

    continue_on_failure: bool = False
    continue_when_locked: bool = False

    def is_error(self, outcome: dict) -> bool:
        status = outcome["status"]
        return status in FAILURES and not (status == LOCKED and self.continue_when_locked)

    def stops(self, outcome: dict) -> bool:
        return self.is_error(outcome) and not self.continue_on_failure


def cluster_of(entry: dict) -> tuple[str, str] | None:
    """The cluster (datacenter, name) of a plan entry's host; None for a standalone host, which
    the per-cluster limit does not group with any other."""
    before = entry.get("before") or {}
    return (before.get("datacenter"), before["cluster"]) if before.get("cluster") else None


def not_tried(entry: dict) -> dict:
    """The outcome of a host the run never started."""
    return {"host": entry["host"], "status": NOT_TRIED, "changed": False, "commands": entry.get("operations") or [],
            "executed": [], "failed_operation": None, "error": None, "differences": [], "rollback": None}


def apply_entries(entries: list[dict], apply_entry: ApplyEntry, parallel: int = 1, per_cluster: int = 0,
                  policy: StopPolicy = StopPolicy(), tick: Callable[[], None] | None = None,
                  tick_seconds: float = TICK_SECONDS) -> list[dict]:
    """The outcome of every entry, in the entries' order. At most ``parallel`` entries are applied
    at once, and at most ``per_cluster`` of one cluster (0: no limit but ``parallel``); each starts
    as soon as a slot is free, the first in order whose cluster has room. Once an outcome stops the
    run (``policy``), nothing new starts, those in flight finish, the rest are ``not_tried``.
    ``parallel=1`` is the serial run: one host after the other in plan order. ``tick`` is called
    from this (the scheduling) thread after each host and every ``tick_seconds`` while hosts are in
    change (the switches' records are renewed there)."""
    outcomes: dict[int, dict] = {}
    waiting = list(range(len(entries)))
    in_change: dict[tuple[str, str], int] = {}
    stopped = False
    crash: BaseException | None = None

    def startable() -> int | None:
        for index in waiting:
            cluster = cluster_of(entries[index])
            if cluster is None or not per_cluster or in_change.get(cluster, 0) < per_cluster:
                return index
        return None

    finished: queue.Queue = queue.Queue()
    running = 0
    while True:
        while not stopped and running < parallel:
            index = startable()
            if index is None:
                break
            waiting.remove(index)
            cluster = cluster_of(entries[index])
            if cluster is not None:
                in_change[cluster] = in_change.get(cluster, 0) + 1
            _start_worker(apply_entry, entries[index], index, finished)
            running += 1
        if not running:
            break
        try:
            index, outcome, error = finished.get(timeout=tick_seconds if tick else None)
        except queue.Empty:
            tick()  # type: ignore[misc]  # (only reached with a tick: without one, get() waits)
            continue
        if tick:
            tick()
        running -= 1
        cluster = cluster_of(entries[index])
        if cluster is not None:
            in_change[cluster] -= 1
        if error is not None:
            # A bug, not an outcome: start nothing more, but let the hosts in change finish
            # (verified or rolled back) before the error ends the run.
            crash = crash or error
            stopped = True
            continue
        outcomes[index] = outcome
        stopped = stopped or policy.stops(outcome)
    if crash is not None:
        raise crash
    for index in waiting:
        outcomes[index] = not_tried(entries[index])
    return [outcomes[index] for index in range(len(entries))]


def _start_worker(apply_entry: ApplyEntry, entry: dict, index: int, finished: queue.Queue) -> None:
    """Apply ``entry`` in a thread of its own; put (index, outcome, exception) on ``finished``.

    A daemon thread, not a ThreadPoolExecutor's (which the interpreter waits for at exit): when the
    run is stopped from outside (Ctrl-C, AWX cancel), the process ends at once with every host in
    flight, as a serial run does with its one host, and each such host's change record stays for
    the next run to recover."""
    def work() -> None:
        try:
            finished.put((index, apply_entry(entry), None))
        except BaseException as error:  # handed to the scheduling thread, which raises it
            finished.put((index, None, error))

    threading.Thread(target=work, name=f"apply {entry.get('host')}", daemon=True).start()


def size_connection_pool(service_instance: Any, parallel: int) -> None:
    """Keep as many idle HTTP connections as there are workers (pyVmomi keeps 5 and closes the rest
    after each call, which would make every call of a sixth worker a new TLS handshake)."""
    stub = service_instance._stub
    stub.poolSize = max(getattr(stub, "poolSize", 0), parallel)


class PlanSession:
    """What the hosts of one apply share: the session, and the inventory read once (names,
    clusters, port groups, the record field): it does not change while hosts are changed."""

    def __init__(self, service_instance: Any, params: dict[str, Any], check_mode: bool, writes: bool) -> None:
        self.service_instance = service_instance
        self.params = params
        self.check_mode = check_mode
        self.content = service_instance.RetrieveContent()
        self.topology = read_topology(self.content)
        keep_views(self.topology)  # every re-read of a host reuses the distributed views (close() destroys them)
        # The dvPortgroups of the plan's vCenter-level steps as read once they ran (apply_vcenter).
        self.vcenter_state: list[dict] | None = None
        self.vcenter_records: VcenterRecordKeeper | None = None
        self.record_warnings: list[str] = []
        if writes and not check_mode:
            # Defined once per vCenter; a direct ESXi connection has no custom fields (no records).
            self.topology["record_field"] = record_field_key(self.content, self.topology["record_field"])

    def applier(self, entry: dict) -> HostApplier:
        """A HostApplier of its own for the host of ``entry`` (nothing in it is shared)."""
        name, params = entry["host"], self.params

        def read_host() -> dict:
            return gather(self.service_instance, esxi_hostnames=[name], topology=self.topology)[0]

        host = host_object(self.service_instance, entry["before"]["moid"])
        runner = OperationRunner(host, collector=self.content.propertyCollector)
        maintenance = None
        if params["maintenance_mode"]:
            timeout = params["maintenance_timeout"]
            maintenance = (lambda: set_maintenance_mode(host, True, timeout), lambda: set_maintenance_mode(host, False, timeout))
        records = None
        field = self.topology["record_field"]
        if field is not None:
            # The lease outlasts the longest wait of one step (a call, or maintenance mode).
            longest = max(params["timeout"] or 0, params["maintenance_timeout"] if params["maintenance_mode"] else 0)
            records = RecordKeeper(record_writer(self.content, host, field), longest)
        return HostApplier(read_host, runner.run, maintenance=maintenance, rollback=params["rollback"],
                           records=records, renamed=lambda: runner.renamed,
                           read_record=lambda: read_change_record(self.content, host, field))

    def close(self) -> None:
        """Destroy what the session kept on vCenter for the re-reads (its distributed views)."""
        release_views(self.topology)

    def dvportgroups(self, wanted: list[dict]) -> list[dict]:
        """The dvPortgroups of ``wanted`` (plan entries of them) as vCenter holds them now."""
        names = {(pg["switch_uuid"], pg["name"]) for pg in wanted}
        found = read_dvportgroups(self.service_instance, {uuid for uuid, _name in names}, {}, occupants=False)
        return [pg for pg in found if (pg["switch_uuid"], pg["name"]) in names]

    def vcenter_record_keeper(self, section: dict) -> VcenterRecordKeeper | None:
        """The change records of the section's switches (apply/_vcenter_records.py); the field is
        defined on the first run that writes one. None on a direct ESXi connection, and in check
        mode before any record was ever written (then no switch has one)."""
        if not section_switches(section) or self.content.customFieldsManager is None:
            return None
        field = switch_record_field(self.content)
        if field is None and self.check_mode:
            return None
        field = record_field_key(self.content, field, SWITCH_FIELD_NAME, vim.DistributedVirtualSwitch)
        manager = self.content.dvSwitchManager

        def write(switch_uuid: str, value: str) -> None:
            record_writer(self.content, manager.QueryDvsByUuid(uuid=switch_uuid), field)(value)

        timeout = self.params["timeout"] or 900
        return VcenterRecordKeeper(lambda uuids: read_switch_records(self.content, uuids, field), write, timeout)

    def apply_vcenter(self, section: dict) -> dict:
        """The outcome of the plan's vCenter-level steps (apply/_vcenter_ops.py), run once before any
        host, under the switches' change records. Their dvPortgroups as they are then are kept for
        the hosts' check (one read, not one per host)."""
        runner = VcenterRunner(self.content, self.params["timeout"] or 900)
        self.vcenter_records = self.vcenter_record_keeper(section)
        outcome = apply_vcenter_steps(section, runner.run, lambda: self.dvportgroups(section["after"]["dvportgroups"]),
                                      self.check_mode, self.vcenter_records)
        if outcome["commands"] and not self.check_mode:
            self.vcenter_state = self.dvportgroups(section["after"]["dvportgroups"])
        return outcome

    def keep_vcenter_records_alive(self) -> None:
        """During the host phase: renew the switches' leases (``VcenterRecordKeeper.keep_alive``).
        A failed renewal does not stop the hosts (each has its own record); it is kept in
        ``record_warnings`` and tried again at the next tick."""
        if self.vcenter_records is None:
            return
        try:
            self.vcenter_records.keep_alive()
        except Exception as error:  # vCenter busy or unreachable: the hosts' own records still hold
            warning = f"renewing the lease of the switches' change records failed: {describe(error)}"
            if warning not in self.record_warnings:
                self.record_warnings.append(warning)

    def finish_vcenter(self, section: dict, outcome: dict, hosts: list[dict]) -> None:
        """After the hosts (and undo_unused_vcenter_steps): clear the switches' records, except
        where the state is not verified (the section's rollback failed or it was interrupted, or a
        host that needs a step there is in an unknown state): those stay for the next run."""
        if self.vcenter_records is not None:
            self.vcenter_records.clear(keep=unverified_switches(section, outcome, {o["host"]: o["status"] for o in hosts}))

    def undo_unused_vcenter_steps(self, section: dict, outcome: dict, hosts: list[dict]) -> None:
        """Put back the vCenter-level steps no host took up (every host that needed them failed)."""
        if not self.params["rollback"]:
            return
        runner = VcenterRunner(self.content, self.params["timeout"] or 900)
        undo_unused_steps(section, outcome, {o["host"]: o["status"] for o in hosts}, runner.run,
                          lambda: self.dvportgroups(section["after"]["dvportgroups"]))

    def apply(self, entry: dict) -> dict:
        """One host's outcome, with the before and predicted after it is compared with. A host whose
        prediction counts on vCenter-level steps (``vcenter_steps``) that are not in place is not
        touched: ``failed``, naming what is missing."""
        missing = []
        if entry.get("vcenter_steps") and not self.check_mode:
            current = self.vcenter_state if self.vcenter_state is not None else self.dvportgroups(entry["vcenter_steps"])
            missing = portgroup_differences(entry["vcenter_steps"], current)
            entry = with_real_keys(entry, real_keys(entry["vcenter_steps"], current))
        if missing:
            outcome = not_tried(entry)
            outcome.update(status=FAILED, error="the vCenter-level steps this host needs are not in place ("
                           + "; ".join(missing) + "); apply the whole plan (or its vcenter section) first")
        else:
            outcome = self.applier(entry).apply(entry, self.check_mode)
        outcome["before"] = comparable_view(entry["before"])
        outcome["after"] = comparable_view(entry["after"])
        return outcome

    def apply_caught(self, entry: dict) -> dict:
        """``apply``, with an exception raised before the host's first change (``HostApplier``
        turns every later one into ``interrupted``) as that host's ``failed`` outcome, so that
        one host cannot end the others' run."""
        try:
            return self.apply(entry)
        except Exception as error:  # a fault or lost connection while reading the host: nothing changed
            outcome = not_tried(entry)
            outcome.update(status=FAILED, error=describe(error), before=comparable_view(entry["before"]),
                           after=comparable_view(entry["after"]))
            return outcome


def with_real_keys(entry: dict, keys: dict[str, str]) -> dict:
    """The entry with the keys vCenter gave the dvPortgroups the plan created in its operations."""
    if not keys:
        return entry
    operations = []
    for op in entry["operations"]:
        dvs = op.get("dvs") or {}
        operations.append(dict(op, dvs=dict(dvs, portgroup_key=keys[dvs["portgroup_key"]])) if dvs.get("portgroup_key") in keys else op)
    return dict(entry, operations=operations)


def _entry_problems(entry: Any, where: str) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{where} is not an entry of remediation_plan_info's plan.hosts"]
    missing = [key for key in ENTRY_KEYS if key not in entry]
    if missing:
        return [f"{where} is not an entry of remediation_plan_info's plan.hosts: missing " + ", ".join(missing)]
    return []


def input_problems(params: dict[str, Any]) -> list[str]:
    """What is wrong with remediation_apply's options (nothing is changed when there is anything)."""
    problems = []
    if params["parallel"] < 1:
        problems.append(f"parallel must be 1 or more, not {params['parallel']}")
    if params["max_hosts_in_change_per_cluster"] < 0:
        problems.append(f"max_hosts_in_change_per_cluster must be 0 (no limit) or more, not {params['max_hosts_in_change_per_cluster']}")
    if params["host_plan"] is not None:
        problems += _entry_problems(params["host_plan"], "host_plan")
        if not problems and params["host_plan"]["host"] != params["esxi_hostname"]:
            problems.append(f"host_plan is for {params['host_plan']['host']}, not for {params['esxi_hostname']}")
        return problems
    hosts = params["plan"].get("hosts")
    if not isinstance(hosts, list):
        return problems + ["plan is not remediation_plan_info's plan: it has no list of hosts"]
    if params["plan"].get("executable") is False:
        refusals = [r.get("message", str(r)) if isinstance(r, dict) else str(r) for r in params["plan"].get("refusals") or []]
        problems.append("the plan is not executable (the planner refused it: " + ("; ".join(refusals) or "no reason given")
                        + "); plan again once the refusals are resolved")
    for index, entry in enumerate(hosts):
        problems += _entry_problems(entry, f"plan.hosts[{index}]")
    names = [entry["host"] for entry in hosts if isinstance(entry, dict) and "host" in entry]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append("plan.hosts has more than one entry for " + ", ".join(twice))
    return problems
