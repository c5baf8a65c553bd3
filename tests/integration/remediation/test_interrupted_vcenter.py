# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An interrupted vCenter-level step (docs/remediation.md, "vCenter-level steps", Records / Locks /
Recovery) against the lab's vDS: remediation_apply is killed (SIGKILL of the module's process)
while its ReconfigureDVPortgroup_Task is held by the lab; a second run meanwhile finds the switch
locked and makes no call; the held call is then released (vCenter carries out a call it received).
The record on the switch, read through pyVmomi, says what happened; remediation_plan_info reports it
and plans the undo; the intent's plan is refused over it with no call; the undo restores the
dvPortgroup (read back through pyVmomi) and clears the record."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from labdvs import find_dvs

from harness import REPO, ansible_env, connection_args, run_module
from test_remediate_dvportgroup import SCENARIO, VLAN_INTENT, apply_plan, dvportgroup, plan_document
from vsphere import Vsphere

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import SWITCH_FIELD_NAME, decode


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def switch_record(lab) -> dict | None:
    """The change record on dvs-A, read through pyVmomi (None when cleared)."""
    with Vsphere(lab) as vs:
        keys = [f.key for f in vs.si.content.customFieldsManager.field if f.name == SWITCH_FIELD_NAME]
        values = [v.value for v in find_dvs(vs.si, "dvs-A").customValue if v.key in keys]
    return decode(values[0]) if values else None


def start_apply(lab, plan: dict) -> subprocess.Popen:
    payload = {"ANSIBLE_MODULE_ARGS": dict(connection_args(lab), plan=plan, _ansible_check_mode=False, _ansible_diff=False)}
    proc = subprocess.Popen([sys.executable, str(REPO / "plugins" / "modules" / "remediation_apply.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ansible_env(), start_new_session=True)
    proc.stdin.write(json.dumps(payload))
    proc.stdin.close()
    return proc


def test_killed_during_reconfigure_dvportgroup_is_locked_then_reported_and_undone(lab):
    before = dvportgroup(lab, "dv-vMotion")
    plan = plan_document(lab, VLAN_INTENT)["plan"]
    [step] = plan["vcenter"]["operations"]
    lab.hold("ReconfigureDVPortgroup_Task", timeout_s=300)
    proc = start_apply(lab, plan)
    try:
        held = lab.wait_held(timeout=120)
    except Exception:
        proc.kill()
        raise AssertionError(proc.stdout.read()[-3000:]) from None
    assert held["method"] == "ReconfigureDVPortgroup_Task"
    # written before the call: this run, nothing done yet, the before-state of dv-vMotion
    record = switch_record(lab)
    assert (record["kind"], record["phase"], record["done"], record["switch"]) == ("switch", "apply", 0, "dvs-A")
    assert [(op["op"], op["key"], op["vlan"]) for op in record["operations"]] == [("ReconfigureDVPortgroup", step["key"], 20)]
    assert [(pg["name"], pg["vlan"], pg["config_version"]) for pg in record["before"]] == [("dv-vMotion", 10, before[3])]
    assert record["owner"]["pid"] == proc.pid

    # a second run while the first holds the lease: locked, no call
    lab.clear_journal()
    second = apply_plan(lab, plan)
    assert second["failed"] is True and second["vcenter"]["status"] == "locked", second["vcenter"]
    assert second["vcenter"]["locked_by"]["run"] == record["run"]
    assert lab.journal(records=True) == []
    live = plan_document(lab, VLAN_INTENT)["plan"]["vcenter"]
    assert [(r["switch"], r["lease"], r["summary"]["run"]) for r in live["records"]] == [("dvs-A", "live", record["run"])]

    # killed as AWX kills a cancelled job; vCenter then carries out the call it had received
    proc.kill()
    proc.wait(timeout=60)
    proc.stdout.close()
    lab.release_held()
    lab.clear_holds()
    deadline = time.monotonic() + 30  # the released call runs on its own connection
    while dvportgroup(lab, "dv-vMotion")[0] != 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dvportgroup(lab, "dv-vMotion")[0] == 20
    assert switch_record(lab)["run"] == record["run"]

    # the next plan reports it and plans the undo instead of the intent; check mode writes nothing
    lab.clear_journal()
    result = plan_document(lab, VLAN_INTENT)
    assert not result.get("failed"), result.get("msg")
    recovery = result["plan"]
    vcenter = recovery["vcenter"]
    assert [(r["lease"], r["summary"]["run"], r["summary"]["done"]) for r in vcenter["records"]] == [("expired", record["run"], 0)]
    assert [(r["run"], r["choice"], r["kept"]) for r in vcenter["recovery"]] == [(record["run"], "undo", [])]
    now = dvportgroup(lab, "dv-vMotion")
    assert [(op["op"], op["name"], op["vlan"], op["config_version"]) for op in vcenter["operations"]] == [
        ("ReconfigureDVPortgroup", "dv-vMotion", 10, now[3])]
    assert all(not e["changed"] for e in recovery["hosts"])
    assert apply_plan(lab, recovery, check=True)["vcenter"]["status"] == "planned"
    assert finish_refused(lab)

    # the intent's plan over the interrupted record: refused, no call
    refused = apply_plan(lab, plan)
    assert refused["failed"] is True and refused["vcenter"]["status"] == "drifted", refused["vcenter"]
    assert "has an interrupted change" in refused["vcenter"]["error"]
    assert lab.journal(records=True) == []

    # undo: the dvPortgroup back to its before-state, the record cleared
    undone = apply_plan(lab, recovery)
    assert undone["vcenter"]["status"] == "applied" and not undone.get("failed"), undone.get("msg")
    assert [(e["method"], e["args"].get("vlan")) for e in lab.journal()] == [("ReconfigureDVPortgroup_Task", 10)]
    assert dvportgroup(lab, "dv-vMotion")[:3] == before[:3]
    assert switch_record(lab) is None
    assert "records" not in plan_document(lab, VLAN_INTENT)["plan"]["vcenter"]


def finish_refused(lab) -> bool:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=VLAN_INTENT, recovery="finish"))
    return result["failed"] is True and "recovery finish is not supported for vCenter-level steps" in result["msg"]
