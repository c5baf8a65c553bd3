# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply one host's planned operations safely: check for drift, execute, read back, verify, and
roll the host back to its before-state on any failure.

Control flow only: reading the host and running an operation are callables, so this is tested with
fakes as well as against the lab. Rollback reuses the planner's generic diff:
``reconcile(read_back, before)`` gives the operations back to where the host was.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from ansible_collections.vmkernel.multihoming.plugins.module_utils._analysis import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils._errors import describe
from ansible_collections.vmkernel.multihoming.plugins.module_utils._plan import SOFTWARE_ADAPTER, PlanError, projection, reconcile, state_differences

ReadHost = Callable[[], dict]
RunOperation = Callable[[dict], None]

# status values
UNCHANGED = "unchanged"          # nothing to do, or the host already matches the plan's after-state
PLANNED = "planned"              # check mode: would apply
APPLIED = "applied"              # applied and verified
DRIFTED = "drifted"              # the host no longer matches the plan's before-state; nothing done
ROLLED_BACK = "rolled_back"      # failed, and the host is verified back at its before-state
ROLLBACK_FAILED = "rollback_failed"  # failed, and the rollback did not restore it: see the report
FAILED = "failed"                # failed, rollback disabled: the host is as reported in `state`

FAILURES = (DRIFTED, ROLLED_BACK, ROLLBACK_FAILED, FAILED)
# How each failure leaves the host, for the end of a module's failure message.
FAILURE_SUMMARY = {
    DRIFTED: "changed nothing",
    ROLLED_BACK: "rolled back, verified",
    ROLLBACK_FAILED: "ROLLBACK FAILED, host needs attention",
    FAILED: "left as it is",
}


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


def _verify(expected: dict, actual: dict) -> list[str]:
    """What differs from the prediction: controlled state, and error findings the plan did not expect."""
    expected = _resolve_software_adapter(expected, actual)
    problems = state_differences(expected, actual)
    if problems and not state_differences(expected, actual, by_device=False):
        # ESXi chose another vmk number for a re-created vmknic: same state under another name.
        problems = []
    unexpected = _error_ids(actual) - _error_ids(expected)
    if unexpected:
        problems.append(f"{len(unexpected)} error finding(s) not predicted by the plan remain after it")
    return problems


class HostApplier:
    def __init__(self, read_host: ReadHost, run_operation: RunOperation,
                 maintenance: tuple[Callable[[], None], Callable[[], None]] | None = None,
                 rollback: bool = True) -> None:
        self.read_host = read_host
        self.run_operation = run_operation
        self.maintenance = maintenance
        self.rollback_enabled = rollback

    def apply(self, entry: dict, check_mode: bool) -> dict:
        operations = entry.get("operations") or []
        outcome: dict[str, Any] = {
            "host": entry.get("host"), "status": UNCHANGED, "changed": False, "commands": operations,
            "executed": [], "failed_operation": None, "error": None, "differences": [], "rollback": None,
        }
        if not operations:
            return outcome
        current = self.read_host()
        if not state_differences(_resolve_software_adapter(entry["after"], current), current):
            return outcome  # already applied (a previous run): nothing to do
        drift = state_differences(entry["before"], current)
        if drift:
            outcome.update(status=DRIFTED, error="the host changed since it was planned; plan again",
                           differences=drift)
            return outcome
        if check_mode:
            outcome.update(status=PLANNED, changed=True)
            return outcome

        outcome["changed"] = True
        entered = False
        try:
            if self.maintenance is not None and not current.get("maintenance_mode"):
                self.maintenance[0]()
                entered = True
            self._execute(operations, outcome)
            read_back = self.read_host()
            if outcome["error"] is None:
                outcome["differences"] = _verify(entry["after"], read_back)
                if not outcome["differences"]:
                    outcome["status"] = APPLIED
                    return outcome
                outcome["error"] = "the host does not match the plan after applying it"
            self._recover(entry["before"], read_back, outcome)
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
                return
            outcome["executed"].append(operation)

    def _recover(self, before: dict, read_back: dict, outcome: dict) -> None:
        if not self.rollback_enabled:
            outcome.update(status=FAILED, state=read_back)
            return
        rollback: dict[str, Any] = {"commands": [], "executed": [], "error": None, "differences": []}
        outcome["rollback"] = rollback
        try:
            rollback["commands"] = reconcile(read_back, before)
        except PlanError as error:
            rollback["error"] = "no safe way back: " + "; ".join(error.problems)
        if rollback["error"] is None:
            for operation in rollback["commands"]:
                try:
                    self.run_operation(operation)
                except Exception as error:
                    rollback["error"] = f"{operation['op']} failed: {describe(error)}"
                    break
                rollback["executed"].append(operation)
        final = self.read_host()
        rollback["differences"] = state_differences(before, final)
        if rollback["error"] is None and not rollback["differences"]:
            outcome["status"] = ROLLED_BACK
        else:
            outcome.update(status=ROLLBACK_FAILED, state=final)
