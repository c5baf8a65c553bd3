# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vCenter-level steps of a plan (private): changes of dvPortgroups, which every host on the
switch shares, run once before the hosts that need them (docs/remediation.md, "vCenter-level steps").

``VcenterRunner`` runs one operation (one vSphere call); ``apply_vcenter_steps`` applies the plan's
``vcenter`` section as HostApplier applies a host: drift check against the plan's before-state
(a dvPortgroup whose configVersion moved is drift: someone else changed it), the calls, read-back
and verification, and on failure a rollback to the before-state with the configVersion read now.
A ``ConcurrentAccess`` answer is drift too, never retried: the plan was made from a configuration
that no longer exists.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import unanswered
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import wait_for_task
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import describe
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import NEW_DVPORTGROUP_KEY
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI

if HAS_PYVMOMI:
    from pyVmomi import vim

# statuses, as HostApplier's
UNCHANGED, PLANNED, APPLIED, DRIFTED, ROLLED_BACK, ROLLBACK_FAILED, FAILED, INTERRUPTED = (
    "unchanged", "planned", "applied", "drifted", "rolled_back", "rollback_failed", "failed", "interrupted")

ReadPortgroups = Callable[[], list]  # the dvPortgroups of the plan's vcenter.before, as read now


def portgroup_setting(vlan: int | None, teaming: dict | None) -> Any:
    """The defaultPortConfig that sets only what is given: a VLAN id and an explicit failover order
    (uplink names; the switch's other uplinks become unused)."""
    dvs_types = vim.dvs.VmwareDistributedVirtualSwitch
    setting = dvs_types.VmwarePortConfigPolicy()
    if vlan is not None:
        setting.vlan = dvs_types.VlanIdSpec(inherited=False, vlanId=int(vlan))
    if teaming is not None:
        order = dvs_types.UplinkPortOrderPolicy(
            inherited=False, activeUplinkPort=list(teaming["active"]), standbyUplinkPort=list(teaming.get("standby") or []))
        setting.uplinkTeamingPolicy = dvs_types.UplinkPortTeamingPolicy(inherited=False, uplinkPortOrder=order)
    return setting


class VcenterRunner:
    """Runs vCenter-level operations. ``portgroup(switch_uuid, key)`` finds the dvPortgroup object."""

    def __init__(self, content: Any, timeout: float) -> None:
        self.content = content
        self.timeout = timeout

    def portgroup(self, switch_uuid: str, key: str) -> Any:
        switch = self.content.dvSwitchManager.QueryDvsByUuid(uuid=switch_uuid)
        return switch.LookupDvPortGroup(portgroupKey=key)

    def run(self, op: dict[str, Any]) -> None:
        handler = getattr(self, "_" + op["op"], None)
        if handler is None:
            raise ValueError(f"unknown operation {op['op']}")
        handler(op)

    def _CreateDVPortgroup(self, op: dict[str, Any]) -> None:
        # earlyBinding with autoExpand: vCenter adds ports as vmknics take them, as the Web Client does.
        spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=op["name"], type="earlyBinding", numPorts=8, autoExpand=True,
                                                              defaultPortConfig=portgroup_setting(op.get("vlan"), op.get("teaming")))
        switch = self.content.dvSwitchManager.QueryDvsByUuid(uuid=op["switch_uuid"])
        wait_for_task(switch.CreateDVPortgroup_Task(spec=spec), self.timeout)

    def _DestroyDVPortgroup(self, op: dict[str, Any]) -> None:
        wait_for_task(self.portgroup(op["switch_uuid"], op["key"]).Destroy_Task(), self.timeout)

    def _ReconfigureDVPortgroup(self, op: dict[str, Any]) -> None:
        spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(configVersion=op["config_version"],
                                                              defaultPortConfig=portgroup_setting(op.get("vlan"), op.get("teaming")))
        wait_for_task(self.portgroup(op["switch_uuid"], op["key"]).ReconfigureDVPortgroup_Task(spec=spec), self.timeout)


def _key(pg: dict) -> tuple:
    """A dvPortgroup by switch and name (unique there; a dvPortgroup the plan creates has no key yet)."""
    return (pg.get("switch_uuid"), pg.get("name"))


def created(pg: dict) -> bool:
    return str(pg.get("key") or "").startswith(NEW_DVPORTGROUP_KEY)


def real_keys(planned: list[dict], current: list[dict]) -> dict[str, str]:
    """The key vCenter gave each dvPortgroup the plan created (planned key -> key), from a read."""
    found = {_key(pg): pg["key"] for pg in current}
    return {pg["key"]: found[_key(pg)] for pg in planned if created(pg) and _key(pg) in found}


def _view(pg: dict) -> dict:
    """What a vCenter step controls of a dvPortgroup, for comparison."""
    uplinks = pg.get("uplinks") or {}
    return {"vlan": pg.get("vlan"), "active": list(uplinks.get("active") or []), "standby": list(uplinks.get("standby") or [])}


def portgroup_differences(expected: list[dict], actual: list[dict], versions: bool = False) -> list[str]:
    """How the dvPortgroups read now differ from ``expected`` (``versions``: configVersion too)."""
    found = {_key(pg): pg for pg in actual}
    problems = []
    for pg in expected:
        now = found.get(_key(pg))
        name = f"dvPortgroup {pg['name']} on {pg['switch']}"
        if now is None:
            problems.append(f"{name}: missing")
            continue
        for item, value in _view(pg).items():
            if _view(now)[item] != value:
                problems.append(f"{name}: {item} is {_view(now)[item]!r}, expected {value!r}")
        if versions and now.get("config_version") != pg.get("config_version"):
            problems.append(f"{name}: configVersion is {now.get('config_version')}, planned from {pg.get('config_version')} "
                            "(changed in vCenter since it was planned)")
    return problems


def restore_operation(before: dict, now: dict) -> dict:
    """The operation that puts a dvPortgroup back, with the configVersion it has now."""
    uplinks = before.get("uplinks") or {}
    return {"op": "ReconfigureDVPortgroup", "host": None, "switch": before["switch"], "switch_uuid": before["switch_uuid"],
            "key": before["key"], "name": before["name"], "config_version": now.get("config_version"),
            "vlan": before.get("vlan"),
            "teaming": {"active": list(uplinks.get("active") or []), "standby": list(uplinks.get("standby") or [])} if uplinks else None,
            "description": f"restore dvPortgroup {before['name']} on {before['switch']}"}


def concurrent_access(error: BaseException) -> bool:
    return HAS_PYVMOMI and isinstance(error, vim.fault.ConcurrentAccess)


def apply_vcenter_steps(section: dict, run: Callable[[dict], None], read: ReadPortgroups, check_mode: bool,
                        records: Any = None) -> dict:
    """The outcome of the plan's ``vcenter`` section: ``status`` (as a host's), ``executed``,
    ``failed_operation``, ``error``, ``differences``, ``rollback``. ``records``: the switches'
    change records (``_vcenter_records.VcenterRecordKeeper``), checked before anything and written
    before the first call; None on a connection without custom fields."""
    operations = section.get("operations") or []
    outcome: dict[str, Any] = {"status": UNCHANGED, "changed": False, "commands": operations, "executed": [],
                               "failed_operation": None, "error": None, "differences": [], "rollback": None}
    recovering = bool(section.get("recovery"))
    if not operations and not recovering:
        return outcome
    before, after = section["before"]["dvportgroups"], section["after"]["dvportgroups"]
    refusal = records.refusal(section) if records is not None else None
    if refusal:
        outcome.update(refusal)
        return outcome
    current = read()
    if not portgroup_differences(after, current) and not recovering:
        return outcome  # already applied
    existing = {_key(pg) for pg in current}
    drift = portgroup_differences(before, current, versions=True) + [
        f"dvPortgroup {pg['name']} on {pg['switch']}: exists already (the plan creates it)"
        for pg in after if created(pg) and _key(pg) in existing]
    if drift:
        outcome.update(status=DRIFTED, error="the dvPortgroups changed since they were planned; plan again", differences=drift)
        return outcome
    if check_mode:
        outcome.update(status=PLANNED, changed=True)
        return outcome
    if records is not None:
        try:
            lost = records.start(section)
        except Exception as error:  # no call is made without a record
            outcome.update(status=FAILED, error=f"writing the switches' change records failed: {describe(error)}")
            return outcome
        if lost:
            outcome.update(lost)
            return outcome
    outcome["changed"] = True
    for operation in operations:
        try:
            run(operation)
        except Exception as error:  # a refused call: roll back what was done
            outcome.update(failed_operation=operation, error=f"{operation['op']} failed: {describe(error)}")
            if unanswered(error):
                # vCenter may still carry it out: no rollback, the records stay for the next run.
                outcome.update(status=INTERRUPTED, error=f"interrupted: {operation['op']} got no answer: {describe(error)}")
                return outcome
            if concurrent_access(error):
                outcome["status"] = DRIFTED
                outcome["error"] += " (changed in vCenter since it was planned; plan again)"
            break
        outcome["executed"].append(operation)
        if records is not None:
            records.progress(outcome["executed"])
    read_back = read()
    if outcome["error"] is None:
        outcome["differences"] = portgroup_differences(after, read_back)
        if not outcome["differences"]:
            outcome["status"] = APPLIED
            return outcome
        outcome["error"] = "the dvPortgroups do not match the plan after applying it"
    if records is not None:
        records.rolling_back()
    _roll_back(outcome, before + [pg for pg in after if created(pg)], read_back, run, read)
    return outcome


def destroy_operation(pg: dict, now: dict) -> dict:
    return {"op": "DestroyDVPortgroup", "host": None, "switch": pg["switch"], "switch_uuid": pg["switch_uuid"],
            "key": now["key"], "name": pg["name"], "description": f"destroy dvPortgroup {pg['name']} on {pg['switch']} (created by this run)"}


def _restore_all(goal: list[dict], read_back: list[dict], run: Callable[[dict], None], read: ReadPortgroups) -> dict:
    """Put the dvPortgroups of ``goal`` (plan entries) back to their settings, and destroy those the
    plan created (vCenter refuses while a vmknic is on one); the rollback report."""
    now = {_key(pg): pg for pg in read_back}
    rollback: dict[str, Any] = {"commands": [], "executed": [], "error": None, "differences": []}
    rollback["commands"] = [destroy_operation(pg, now[_key(pg)]) if created(pg) else restore_operation(pg, now[_key(pg)]) for pg in goal
                            if _key(pg) in now and (created(pg) or portgroup_differences([pg], [now[_key(pg)]]))]
    for operation in rollback["commands"]:
        try:
            run(operation)
        except Exception as error:
            rollback["error"] = f"{operation['op']} failed: {describe(error)}"
            break
        rollback["executed"].append(operation)
    final = read()
    left = {_key(pg) for pg in final}
    rollback["differences"] = portgroup_differences([pg for pg in goal if not created(pg)], final) + [
        f"dvPortgroup {pg['name']} on {pg['switch']}: created by this run and still there" for pg in goal
        if created(pg) and _key(pg) in left]
    return rollback


def undo_unused_steps(section: dict, outcome: dict, host_status: dict[str, str], run: Callable[[dict], None],
                      read: ReadPortgroups) -> None:
    """After the hosts: put back each applied vCenter-level step whose every host failed and is
    back at its before-state (or was never started), so that no dvPortgroup keeps a change no host
    took up. A step that a host uses (applied, or with no host-level operation of its own), or
    whose host is in an unknown state (rollback_failed, interrupted), stays."""
    if outcome["status"] != APPLIED:
        return
    unused = ("rolled_back", FAILED, DRIFTED, "locked", "not_tried")
    steps = [op for op in outcome["executed"] if op.get("hosts") and all(host_status.get(h) in unused for h in op["hosts"])]
    if not steps:
        return
    keys = {_key(op) for op in steps}
    goal = [pg for pg in section["before"]["dvportgroups"] + [pg for pg in section["after"]["dvportgroups"] if created(pg)]
            if _key(pg) in keys]
    rollback = _restore_all(goal, read(), run, read)
    ok = rollback["error"] is None and not rollback["differences"]
    outcome.update(rollback=rollback, status=ROLLED_BACK if ok else ROLLBACK_FAILED,
                   error="put back: every host that needed " + ", ".join(op["name"] for op in steps) + " failed")


def _roll_back(outcome: dict, before: list[dict], read_back: list[dict], run: Callable[[dict], None], read: ReadPortgroups) -> None:
    touched = {_key(op) for op in outcome["executed"]}
    rollback = _restore_all([pg for pg in before if _key(pg) in touched], read_back, run, read)
    outcome["rollback"] = rollback
    if not outcome["executed"] and not rollback["differences"]:
        if outcome["status"] != DRIFTED:
            outcome.update(status=FAILED, changed=False)  # the first call was refused: nothing changed
        else:
            outcome["changed"] = False
        return
    outcome["status"] = ROLLED_BACK if rollback["error"] is None and not rollback["differences"] else ROLLBACK_FAILED
