# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write-ahead change records of the vCenter-level steps (private; docs/remediation.md,
"Interruption, locks and recovery" and "vCenter-level steps").

A dvPortgroup change is made once for every host on the switch, so its record is kept on the
DistributedVirtualSwitch of the dvPortgroup (custom attribute ``SWITCH_FIELD_NAME``), one per
switch the plan's ``vcenter`` section changes, in the host records' encoding (``_records``). It is
also the switch's lease lock: a second run that finds a live lease of another run makes no call.

``VcenterRecordKeeper`` checks, writes, updates and clears those records through two callables
(read the records of switches, write one), so it is tested without vSphere; ``with_switch_records``
is remediation_plan_info's part: it reports the records and, for an interrupted one, replaces the
intent's steps on that switch with the undo of the interrupted run.
"""

from __future__ import annotations

import time
import uuid
from typing import Callable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import (
    FINISH, PHASE_ROLLBACK, UNDO, current_owner, encode, new_switch_record, renew,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_ops import (
    DRIFTED, FAILED, destroy_operation, portgroup_differences, restore_operation,
)

LOCKED = "locked"  # another live run holds a switch of the section: no call

# switch uuids -> {uuid: {"switch": name, "switch_uuid": uuid, "change_record": record_facts(...) or None}}
ReadSwitchRecords = Callable[[set], dict]
WriteSwitchRecord = Callable[[str, str], None]  # (switch uuid, attribute value; "" clears it)


def section_switches(section: dict) -> set[str]:
    """The uuids of the switches whose dvPortgroups the section's operations change."""
    return {op["switch_uuid"] for op in section.get("operations") or () if op.get("switch_uuid")} | {
        r["switch_uuid"] for r in section.get("recovery") or ()}


def _locked(info: dict, switch: str, why: str = "") -> dict:
    return {"status": LOCKED, "locked_by": info,
            "error": f"switch {switch} is locked by {info['owner']} (run {info['run']}, started {info['time']}, "
                     f"lease until {info['expires']}){why}; no vCenter-level call was made"}


class VcenterRecordKeeper:
    """The change records of one run's vCenter-level steps, one per switch."""

    def __init__(self, read: ReadSwitchRecords, write: WriteSwitchRecord, lease_seconds: float, owner: dict | None = None) -> None:
        self.read = read
        self.write = write
        self.lease_seconds = lease_seconds
        self.owner = owner or current_owner()
        self.records: dict[str, dict] = {}  # switch uuid -> the record this run wrote there
        self.found: dict[str, dict] = {}

    def refusal(self, section: dict) -> dict | None:
        """Why the switches' records forbid the section's calls (None when they do not): an
        unusable record (``failed``), a live lease of another run (``locked``), an interrupted
        record the section does not recover (``drifted``), or a recovery whose record is gone."""
        switches = section_switches(section)
        self.found = self.read(switches)
        recovering = {r["switch_uuid"]: r["run"] for r in section.get("recovery") or ()}
        for switch_uuid in sorted(switches):
            seen = self.found.get(switch_uuid) or {}
            name = seen.get("switch") or switch_uuid
            facts = seen.get("change_record")
            if not facts:
                if switch_uuid in recovering:
                    return {"status": DRIFTED, "error": f"the interrupted change of switch {name} was recovered since it "
                                                        "was planned; plan again"}
                continue
            if facts["error"]:
                return {"status": FAILED, "error": f"switch {name}: {facts['error']}; nothing is changed. Inspect the "
                                                   "switch and clear its attribute by hand"}
            info = facts["summary"]
            if facts["lease"] == "live":
                return _locked(info, name)
            if facts["lease"] == "expired" and recovering.get(switch_uuid) != info["run"]:
                return {"status": DRIFTED, "interrupted": info,
                        "error": f"switch {name} has an interrupted change (run {info['run']} of {info['owner']}, "
                                 f"{info['time']}, {info['done']} of {info['total']} operations done); recover it with "
                                 "remediation_plan_info (recovery: undo) and remediation_apply, or the remediate role"}
        return None

    def start(self, section: dict) -> dict | None:
        """Write a record on every switch of the section before its first call; a recovery keeps
        the interrupted run's before-state and created dvPortgroups (a recovery interrupted in turn
        is recovered from the same record). Then read them back: a switch where another run's record
        is there instead (written at the same instant) stops this run (``locked``: this run's own
        records are cleared, no call is made)."""
        run = uuid.uuid4().hex[:16]
        recovering = {r["switch_uuid"]: r for r in section.get("recovery") or ()}
        for switch_uuid in sorted(section_switches(section)):
            record = new_switch_record(section, switch_uuid, run, self.owner, self.lease_seconds)
            interrupted = ((self.found.get(switch_uuid) or {}).get("change_record") or {}).get("record")
            if switch_uuid in recovering and interrupted is not None:
                record.update(before=interrupted["before"], created=interrupted["created"], switch=interrupted["switch"],
                              recovery={"choice": recovering[switch_uuid]["choice"], "of_run": interrupted["run"]})
            self._put(switch_uuid, record)
        found = self.read(set(self.records))
        for switch_uuid in sorted(self.records):
            facts = (found.get(switch_uuid) or {}).get("change_record") or {}
            if (facts.get("record") or {}).get("run") != run:
                info = facts.get("summary") or {"owner": "another run", "run": "?", "time": "?", "expires": "?"}
                lost = self.records.pop(switch_uuid)
                self.clear()
                return _locked(info, lost["switch"], ", which took it at the same time")
        return None

    def progress(self, executed: list[dict], phase: str | None = None) -> None:
        """After a call: how many of each switch's operations are done; the lease renewed."""
        for switch_uuid, record in list(self.records.items()):
            done = sum(1 for op in executed if op.get("switch_uuid") == switch_uuid)
            updated = dict(record, done=min(done, len(record["operations"])))
            if phase:
                updated["phase"] = phase
            self._put(switch_uuid, renew(updated, self.lease_seconds))

    def keep_alive(self, now: float | None = None) -> None:
        """Renew each of this run's records whose lease is half gone. Called while the hosts are
        applied: the records stay until every host is done, and a host phase longer than the lease
        must not look interrupted to another run (whose undo would then change dvPortgroups under
        the hosts still being applied)."""
        now = time.time() if now is None else now
        for switch_uuid, record in list(self.records.items()):
            if record["expires"] - now < self.lease_seconds / 2:
                self._put(switch_uuid, renew(record, self.lease_seconds, now))

    def rolling_back(self) -> None:
        for switch_uuid, record in list(self.records.items()):
            self._put(switch_uuid, renew(dict(record, phase=PHASE_ROLLBACK), self.lease_seconds))

    def clear(self, keep: set[str] = frozenset()) -> None:
        """Clear this run's records, except on the switches ``keep`` (their state is not verified)."""
        for switch_uuid in sorted(set(self.records) - set(keep)):
            self.write(switch_uuid, "")
            del self.records[switch_uuid]

    def _put(self, switch_uuid: str, record: dict) -> None:
        self.write(switch_uuid, encode(record))
        self.records[switch_uuid] = record


def unverified_switches(section: dict, outcome: dict, host_status: dict[str, str]) -> set[str]:
    """The switches whose record must stay after the run: all of them when the section's outcome
    is not a verified one, else those with a step a host needs whose own state is unknown
    (rollback_failed, interrupted)."""
    if outcome["status"] in ("rollback_failed", "interrupted"):
        return section_switches(section)
    unknown = ("rollback_failed", "interrupted")
    return {op["switch_uuid"] for op in section.get("operations") or ()
            if any(host_status.get(h) in unknown for h in op.get("hosts") or ())}


def undo_operations(record: dict, current: list[dict]) -> tuple[list[dict], list[dict], list[str], list[str]]:
    """The undo of an interrupted switch record, from the dvPortgroups as read now: (operations,
    the dvPortgroups they leave, what makes the undo impossible, what it leaves as it is). Each
    dvPortgroup of the record's before-state that differs now is reconfigured back (with the
    configVersion it has now; one that is gone cannot be); each one the interrupted run created is
    destroyed when no vmknic is on it, and kept when one is."""
    now = {(pg["switch_uuid"], pg["name"]): pg for pg in current}
    operations: list[dict] = []
    after: list[dict] = []
    impossible: list[str] = []
    kept: list[str] = []
    for pg in record["before"]:
        found = now.get((pg["switch_uuid"], pg["name"]))
        if found is None:
            impossible.append(f"dvPortgroup {pg['name']} on {pg['switch']} is gone: its before-state cannot be restored")
            continue
        after.append(pg)
        if portgroup_differences([pg], [found]):
            operations.append(restore_operation(pg, found))
    for pg in record["created"]:
        found = now.get((pg["switch_uuid"], pg["name"]))
        if found is None:
            continue
        if found.get("occupants"):
            users = ", ".join(f"{o['host']} {o['device']}" for o in found["occupants"])
            kept.append(f"dvPortgroup {pg['name']} on {pg['switch']}, created by the interrupted run, is kept: "
                        f"vmknics are on it ({users})")
            continue
        operations.append(dict(destroy_operation(pg, found),
                               description=f"destroy dvPortgroup {pg['name']} on {pg['switch']} (created by the interrupted run {record['run']})"))
    return operations, after, impossible, kept


def _without_switch(entries: list[dict], switch_uuids: set[str]) -> list[dict]:
    return [e for e in entries if e.get("switch_uuid") not in switch_uuids]


def with_switch_records(document: dict, switches: dict[str, dict], dvportgroups: list[dict], choice: str) -> dict:
    """The plan document with the change records of the distributed switches read (``switches``,
    as ReadSwitchRecords gives them) taken into account: ``vcenter.records`` lists every switch
    with a record (switch, lease, summary, error); a switch with an interrupted record gets the undo
    of that run (``vcenter.recovery``) instead of the intent's steps on it, and the host entries that
    count on those steps are deferred (no operations, ``deferred`` says why: plan again once the
    switch is recovered); ``finish`` is refused for a switch (not supported); an unusable record is
    a refusal naming the switch. A live lease of another run leaves the plan as it is: apply finds
    it ``locked``."""
    vcenter = dict(document.get("vcenter") or {"operations": [], "before": {"dvportgroups": []}, "after": {"dvportgroups": []}})
    records, recovery, refusals = [], [], []
    recovered: set[str] = set()
    operations: list[dict] = []
    before: list[dict] = []
    after: list[dict] = []
    for switch_uuid in sorted(switches):
        facts = switches[switch_uuid].get("change_record")
        if not facts:
            continue
        name = switches[switch_uuid].get("switch") or switch_uuid
        records.append({"switch": name, "switch_uuid": switch_uuid, "lease": facts["lease"], "summary": facts["summary"],
                        "error": facts["error"]})
        if facts["error"]:
            refusals.append({"host": None, "class": None, "message": f"switch {name}: {facts['error']}; nothing is changed there"})
        elif facts["lease"] == "expired" and choice == FINISH:
            refusals.append({"host": None, "class": None,
                             "message": f"switch {name} has an interrupted change (run {facts['summary']['run']}); recovery "
                                        "finish is not supported for vCenter-level steps: recover it with recovery undo"})
        elif facts["lease"] == "expired":
            undo, left, impossible, kept = undo_operations(facts["record"], [pg for pg in dvportgroups if pg["switch_uuid"] == switch_uuid])
            refusals += [{"host": None, "class": None, "message": f"switch {name}: {problem}"} for problem in impossible]
            recovered.add(switch_uuid)
            operations += undo
            touched = {op["name"] for op in undo}
            before += [pg for pg in dvportgroups if pg["switch_uuid"] == switch_uuid and pg["name"] in touched]
            after += left
            recovery.append(dict(facts["summary"], choice=UNDO, kept=kept))
    if not records:
        return document
    vcenter["records"] = records
    hosts = document["hosts"]
    if recovered:
        vcenter["operations"] = _without_switch(vcenter.get("operations") or [], recovered) + operations
        vcenter["before"] = {"dvportgroups": _without_switch(vcenter["before"]["dvportgroups"], recovered) + before}
        vcenter["after"] = {"dvportgroups": _without_switch(vcenter["after"]["dvportgroups"], recovered) + after}
        vcenter["recovery"] = recovery
        hosts = [_deferred(e, recovered) if any(pg.get("switch_uuid") in recovered for pg in e.get("vcenter_steps") or ())
                 else e for e in hosts]
    kept = list(document["refusals"]) + refusals
    result = dict(document, vcenter=vcenter, hosts=hosts, refusals=kept, executable=not kept)
    result["summary"] = dict(document["summary"], refusals=len(kept), switches_recovering=len(recovered),
                             hosts_changed=sum(1 for e in hosts if e["changed"]))
    return result


def _deferred(entry: dict, recovered: set[str]) -> dict:
    names = sorted({pg["switch"] for pg in entry["vcenter_steps"] if pg.get("switch_uuid") in recovered})
    deferred = dict(entry, changed=False, operations=[], after=entry["before"],
                    deferred=f"needs vCenter-level steps on {', '.join(names)}, which this run recovers first; plan again")
    deferred.pop("vcenter_steps")
    return deferred
