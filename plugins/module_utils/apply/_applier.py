# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply one host's planned operations safely: check for drift and for another run's lock,
write the change record, execute, read back, verify, and roll the host back on any failure.

Control flow only: reading the host, running an operation and writing the host's change record
are callables, so this is tested with fakes as well as against the lab. Rollback reuses the
planner's generic diff: ``reconcile(read_back, goal)``, where the goal is the host as read with
only what this run executed put back to its before-state (``_records.goal_state``), so a rollback
never reverts what another run changed. The record (``_records``) is written before the first
change, updated after every call and cleared only when the host is verified; any exception after
the first change leaves it in place and gives the status ``interrupted``.
"""

from __future__ import annotations

import copy
import http.client
from typing import Any, Callable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError, RecordError, describe
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import projection, state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import SOFTWARE_ADAPTER
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import current_owner, encode, goal_state, new_record, renew, state_of

ReadHost = Callable[[], dict]
RunOperation = Callable[[dict], None]
WriteRecord = Callable[[str], None]  # sets the host's change record attribute ("" clears it)

# status values
UNCHANGED = "unchanged"          # nothing to do, or the host already matches the plan's after-state
PLANNED = "planned"              # check mode: would apply
APPLIED = "applied"              # applied and verified
DRIFTED = "drifted"              # the host no longer matches the plan's before-state; nothing done
ROLLED_BACK = "rolled_back"      # failed, and the host is verified back at its before-state
ROLLBACK_FAILED = "rollback_failed"  # failed, and the rollback did not restore it: see the report
FAILED = "failed"                # failed before the first change: nothing was changed
LOCKED = "locked"                # another run holds the host's lease: nothing done
INTERRUPTED = "interrupted"      # stopped after changes began (lost connection, timeout, error, or
#                                  rollback disabled): the host may have changed; record left for recovery

FAILURES = (DRIFTED, ROLLED_BACK, ROLLBACK_FAILED, FAILED, LOCKED, INTERRUPTED)
# How each failure leaves the host, for the end of a module's failure message.
FAILURE_SUMMARY = {
    DRIFTED: "changed nothing",
    ROLLED_BACK: "rolled back, verified",
    ROLLBACK_FAILED: "ROLLBACK FAILED, host needs attention; its change record is kept for recovery",
    FAILED: "changed nothing",
    LOCKED: "changed nothing",
    INTERRUPTED: "INTERRUPTED, the host may have changed; its change record is kept: the next run recovers it",
}


def unanswered(error: BaseException) -> bool:
    """A call that got no answer (connection lost or reset, timeout, broken HTTP): vCenter may
    still carry it out, so nothing is known about the host until it is read again. A vSphere fault
    is an answer: the call was refused and changed nothing."""
    return isinstance(error, (OSError, http.client.HTTPException))


def comparable_view(host: dict) -> dict:
    """The host's vmknics and port groups as verification compares them (for diffs and reports)."""
    return projection(host)


def _resolve_software_adapter(expected: dict, actual: dict) -> dict:
    """The prediction with the planner's placeholder for a not-yet-enabled software iSCSI adapter
    replaced by the adapter the host now has (ESXi names it when software iSCSI is enabled)."""
    device = next((a["device"] for a in actual.get("iscsi_adapters") or [] if a.get("software")), None)
    if device is None:
        return expected
    resolved = copy.deepcopy(expected)
    for adapter in resolved.get("iscsi_adapters") or []:
        if adapter.get("device") == SOFTWARE_ADAPTER:
            adapter["device"] = device
    for nic in resolved.get("vmknics") or []:
        for binding in nic.get("iscsi_bindings") or []:
            if binding.get("adapter") == SOFTWARE_ADAPTER:
                binding["adapter"] = device
    return resolved


def _error_ids(host: dict) -> set[str]:
    return {f["id"] for f in analyse([host])["findings"] if f["severity"] == "error"}


def _verify(expected: dict, actual: dict, findings: bool = True) -> list[str]:
    """What differs from the prediction: controlled state, and (``findings``) error findings the
    plan did not expect. A recovery is checked on state only: undo deliberately goes back to the
    recorded before-state, multi-homed as it was (with SLAAC addresses the planner cannot predict)."""
    expected = _resolve_software_adapter(expected, actual)
    problems = state_differences(expected, actual)
    if problems and not state_differences(expected, actual, by_device=False):
        # ESXi chose another vmk number for a re-created vmknic: same state under another name.
        problems = []
    unexpected = _error_ids(actual) - _error_ids(expected) if findings else set()
    if unexpected:
        problems.append(f"{len(unexpected)} error finding(s) not predicted by the plan remain after it")
    return problems


class RecordKeeper:
    """Writes one host's change record (the write-ahead log and lease of ``_records``)."""

    def __init__(self, write: WriteRecord, lease_seconds: float, owner: dict | None = None) -> None:
        self.write = write
        self.lease_seconds = lease_seconds
        self.owner = owner or current_owner()
        self.record: dict | None = None

    def start(self, entry: dict, current: dict) -> dict:
        interrupted = ((current.get("change_record") or {}).get("record")) if entry.get("recovery") else None
        record = new_record(entry, current, self.owner, self.lease_seconds)
        if interrupted is not None:
            # Recovering: keep the interrupted run's before-state and target, so that a recovery
            # interrupted in turn is recovered from the same record.
            record.update(before=interrupted["before"], target=interrupted["target"],
                          operations=interrupted["operations"], done=interrupted["done"],
                          renamed=interrupted.get("renamed") or {},
                          recovery={"choice": entry["recovery"]["choice"], "of_run": interrupted["run"],
                                    "operations": entry["operations"], "done": 0})
        self._put(record)
        return record

    def progress(self, executed: list[dict], renamed: dict, phase: str | None = None) -> None:
        record = dict(self.record, renamed=dict(renamed))
        if "recovery" in record:
            record["recovery"] = dict(record["recovery"], done=len(executed))
        else:
            record["done"] = min(len(executed), len(record["operations"]))
        if phase:
            record["phase"] = phase
        self._put(renew(record, self.lease_seconds))

    def clear(self) -> None:
        self.write("")
        self.record = None

    def _put(self, record: dict) -> None:
        self.write(encode(record))
        self.record = record


class HostApplier:
    def __init__(self, read_host: ReadHost, run_operation: RunOperation,
                 maintenance: tuple[Callable[[], None], Callable[[], None]] | None = None,
                 rollback: bool = True, records: RecordKeeper | None = None,
                 renamed: Callable[[], dict] | None = None, read_record: Callable[[], dict | None] | None = None) -> None:
        self.read_host = read_host
        # The host's change record alone (as read_host() gives it in "change_record"), for the lease
        # check after writing it: one small read instead of the whole host.
        self.read_record = read_record or (lambda: self._read().get("change_record"))
        self.run_operation = run_operation
        self.maintenance = maintenance
        self.rollback_enabled = rollback
        self.records = records
        self.renamed = renamed or dict  # planned device -> device ESXi created (OperationRunner.renamed)
        self.last_read: dict | None = None

    def _read(self) -> dict:
        self.last_read = self.read_host()
        return self.last_read

    def apply(self, entry: dict, check_mode: bool) -> dict:
        operations = entry.get("operations") or []
        outcome: dict[str, Any] = {
            "host": entry.get("host"), "status": UNCHANGED, "changed": False, "commands": operations,
            "executed": [], "failed_operation": None, "error": None, "differences": [], "rollback": None,
        }
        if not operations and not entry.get("recovery"):
            return outcome
        current = self._read()
        refusal = self._record_refusal(entry, current)
        if refusal:
            outcome.update(refusal)
            return outcome
        if not state_differences(_resolve_software_adapter(entry["after"], current), current) and not entry.get("recovery"):
            return outcome  # already applied (a previous run): nothing to do
        drift = state_differences(entry["before"], current)
        if drift:
            outcome.update(status=DRIFTED, error="the host changed since it was planned; plan again",
                           differences=drift)
            return outcome
        if check_mode:
            outcome.update(status=PLANNED, changed=True)
            return outcome
        if self.records is not None:
            try:
                self.records.start(entry, current)
            except RecordError as error:
                outcome.update(status=FAILED, error=str(error))
                return outcome
            except Exception as error:  # the record could not be written: no change is made without one
                outcome.update(status=FAILED, error=f"writing the change record failed: {describe(error)}",
                               state=self._try_read())
                return outcome
            lock = self._lost_lease()
            if lock:
                outcome.update(lock)
                return outcome
        outcome["changed"] = True
        try:
            return self._change(entry, current, operations, outcome)
        except Exception as error:  # no answer, a fault outside a call (read back, record), a bug
            failed = outcome["failed_operation"]
            call = f"{failed['op']} got no answer: " if failed and unanswered(error) else ""
            # No rollback: an unanswered call may still be carried out by vCenter. The record stays.
            outcome.update(status=INTERRUPTED, error=f"interrupted: {call}{describe(error)}", state=self._try_read())
            return outcome

    def _record_refusal(self, entry: dict, current: dict) -> dict | None:
        """Why the host's change record forbids applying ``entry`` (None when it does not)."""
        found = current.get("change_record")
        if not found:
            if entry.get("recovery"):
                return {"status": DRIFTED, "error": "the interrupted change was recovered since it was planned; plan again"}
            return None
        if found.get("error"):
            return {"status": FAILED, "error": found["error"]}
        info = found["summary"]
        if found["lease"] == "live":
            return {"status": LOCKED, "locked_by": info, "error": f"locked by {info['owner']} (run {info['run']}, "
                    f"started {info['time']}, lease until {info['expires']})"}
        if (entry.get("recovery") or {}).get("run") != info["run"]:
            return {"status": DRIFTED, "interrupted": info,
                    "error": f"the host has an interrupted change (run {info['run']} of {info['owner']}, {info['time']}, "
                             f"{info['done']} of {info['total']} operations done); "
                             "recover it with the remediate role (or remediation_plan_info and remediation_apply)"}
        return None

    def _lost_lease(self) -> dict | None:
        """After writing the record: another run that wrote at the same time wins; this one stops."""
        found = self.read_record() or {}
        ours = self.records.record
        if (found.get("record") or {}).get("run") == ours["run"]:
            return None
        info = found.get("summary") or {"owner": "another run", "run": "?"}
        return {"status": LOCKED, "locked_by": info,
                "error": f"locked by {info['owner']} (run {info['run']}), which took the host at the same time"}

    def _try_read(self) -> dict | None:
        try:
            return self._read()
        except Exception:  # the last state that could be read is reported instead
            return self.last_read

    def _progress(self, outcome: dict, phase: str | None = None) -> None:
        if self.records is not None:
            self.records.progress(outcome["executed"], self.renamed(), phase)

    def _finish(self) -> None:
        if self.records is not None:
            self.records.clear()

    def _change(self, entry: dict, current: dict, operations: list[dict], outcome: dict) -> dict:
        entered = False
        try:
            if self.maintenance is not None and not current.get("maintenance_mode"):
                self.maintenance[0]()
                entered = True
            self._execute(operations, outcome)
        except Exception:
            entered = False  # interrupted: the host stays as it is (in maintenance mode) for recovery
            raise
        try:
            read_back = self._read()
            if outcome["error"] is None:
                outcome["differences"] = _verify(entry["after"], read_back, findings=not entry.get("recovery"))
                if not outcome["differences"]:
                    outcome["status"] = APPLIED
                    self._finish()
                    return outcome
                outcome["error"] = "the host does not match the plan after applying it"
            self._recover(current, read_back, outcome)
            return outcome
        finally:
            if entered:
                self.maintenance[1]()

    def _execute(self, operations: list[dict], outcome: dict) -> None:
        for operation in operations:
            try:
                self.run_operation(operation)
            except Exception as error:  # any failure of a call stops the host and triggers recovery
                outcome["failed_operation"] = operation
                outcome["error"] = f"{operation['op']} failed: {describe(error)}"
                if unanswered(error):
                    raise
                return
            outcome["executed"].append(operation)
            self._progress(outcome)

    def _recover(self, before: dict, read_back: dict, outcome: dict) -> None:
        if not self.rollback_enabled:
            # The host is left as it is; with changes made that is an interruption, kept for recovery.
            outcome.update(status=INTERRUPTED if outcome["executed"] else FAILED, state=read_back)
            if not outcome["executed"]:
                self._finish()
            return
        rollback: dict[str, Any] = {"commands": [], "executed": [], "error": None, "differences": []}
        outcome["rollback"] = rollback
        # Only what this run executed goes back, to the host as this run found it; the rest of the
        # host stays as read now (another run may have changed it).
        executed = outcome["executed"] + ([outcome["failed_operation"]] if outcome["failed_operation"] else [])
        goal = goal_state(read_back, state_of(before, executed), executed)
        try:
            rollback["commands"] = reconcile(read_back, goal)
        except PlanError as error:
            rollback["error"] = "no safe way back: " + "; ".join(error.problems)
        if rollback["error"] is None:
            self._progress(outcome, phase="rollback")
            for operation in rollback["commands"]:
                try:
                    self.run_operation(operation)
                except Exception as error:
                    rollback["error"] = f"{operation['op']} failed: {describe(error)}"
                    break
                rollback["executed"].append(operation)
        final = self._read()
        rollback["differences"] = state_differences(goal, final)
        if rollback["error"] is None and not rollback["differences"]:
            outcome["status"] = ROLLED_BACK
            self._finish()
        else:
            outcome.update(status=ROLLBACK_FAILED, state=final)
