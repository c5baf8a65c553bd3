# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interrupted remediations, through playbooks/remediate.yml as AWX runs it (ansible-playbook).

The lab holds the next call of the plan (hold primitive); the run is then killed as AWX kills a
cancelled job (SIGKILL of ansible-playbook's process group) and, because Ansible's workers call
setsid(), every other process of the run too, the module included (found by a marker variable in
/proc/*/environ); then the held call is released (vCenter carries out a call it received). Each
case asserts: the audit reports remediation-interrupted on the host; a new run recovers it (undo
or finish) and verifies it; the state equals the before-state (undo) or the intent (finish); no
vmknic is missing; a further run makes zero calls, change records included.

One representative set runs in the normal suite; every action kind at every position with both
choices is marked ``interrupt_matrix`` (``make test-interrupt``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from harness import REPO, Lab, ansible_env, connection_args, run_module, run_playbook
from pyVmomi import vim
from test_remediate_continue_on_failure import custom_stats
from test_remediation import CLASSES, EXPECTED_CALLS, HOST, SCENARIO
from vsphere import Vsphere

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import _resolve_software_adapter
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine import _compare
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import FIELD_NAME

MARK = "VMKMH_TEST_RUN"
PLAYBOOK = REPO / "playbooks" / "remediate.yml"


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def facts(lab: Lab) -> dict:
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    return result["hosts"][0]


def extra_vars(tmp_path: Path, kind: str, **more: Any) -> dict[str, Any]:
    intent_file = tmp_path / "intent.yml"
    intent_file.write_text(json.dumps({"remediate_intent": {"classes": [CLASSES[kind]]}}))
    return dict({"remediate_intent_file": str(intent_file)}, **more)


def playbook(lab: Lab, tmp_path: Path, kind: str, **more: Any) -> subprocess.CompletedProcess:
    return run_playbook(PLAYBOOK, ansible_env(lab, ANSIBLE_SHOW_CUSTOM_STATS="true"), extra_vars(tmp_path, kind, **more))


def start(lab: Lab, tmp_path: Path, kind: str, marker: str, **more: Any) -> subprocess.Popen:
    """ansible-playbook in a process group of its own (as ansible-runner starts it), every process
    of the run marked with MARK=marker in its environment."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(PLAYBOOK), "-i", "localhost,", "-c", "local",
           "-e", json.dumps(extra_vars(tmp_path, kind, **more))]
    env = ansible_env(lab, ANSIBLE_SHOW_CUSTOM_STATS="true", **{MARK: marker})
    # SIGINT as a job's process has it, whatever this test inherited: a shell's background job
    # (`pytest ... &` in a script) ignores SIGINT, the ignore is inherited, and Python installs no
    # handler over an ignored SIGINT, so ansible-playbook would never see Ctrl-C.
    return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def processes_of(marker: str) -> list[int]:
    needle = f"{MARK}={marker}".encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_run(proc: subprocess.Popen, marker: str, sig: int = signal.SIGKILL) -> None:
    """AWX's cancel: the signal to ansible-playbook's process group; with SIGKILL also to every
    marked process (the module runs in a session of its own)."""
    os.killpg(proc.pid, sig)
    if sig == signal.SIGKILL:
        for pid in processes_of(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    proc.communicate(timeout=60)


def wait_gone(marker: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while processes_of(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_of(marker), "processes of the run are still alive"


def interrupt(lab: Lab, tmp_path: Path, kind: str, position: int, sig: int = signal.SIGKILL) -> None:
    """Hold call number ``position`` of the kind's plan, kill the run, release the call."""
    method = EXPECTED_CALLS[kind][position]
    nth = EXPECTED_CALLS[kind][:position + 1].count(method)
    lab.hold(method, host=HOST, nth=nth, timeout_s=300)
    marker = uuid.uuid4().hex
    proc = start(lab, tmp_path, kind, marker)
    try:
        held = lab.wait_held(timeout=120)
    except Exception:
        proc.kill()
        raise AssertionError(proc.communicate()[0][-3000:]) from None
    assert (held["method"], held["host"]) == (method, HOST)
    kill_run(proc, marker, sig)
    lab.release_held()
    wait_gone(marker)
    lab.clear_holds()
    if sig == signal.SIGKILL:
        # The record is there: written before the first call, updated after each one.
        assert [e["method"] for e in lab.journal(records=True)][:1] == ["AddCustomFieldDef"]


def audit_rules(lab: Lab) -> list[str]:
    result = run_module("vmknic_audit", connection_args(lab))
    assert not result.get("failed") or result.get("findings") is not None, result.get("msg")
    return [f["rule"] for f in result["findings"] if f["host"] == HOST]


def vmknics_by_portgroup(host: dict) -> dict[str, str]:
    return {n["portgroup"]: n["device"] for n in host["vmknics"]}


def recover_and_check(lab: Lab, tmp_path: Path, kind: str, before: dict, intended: dict, choice: str) -> None:
    assert "remediation-interrupted" in audit_rules(lab)

    # Check mode shows exactly what recovery will do, and writes nothing.
    lab.clear_journal()
    checked = run_playbook(PLAYBOOK, ansible_env(lab, ANSIBLE_SHOW_CUSTOM_STATS="true"),
                           extra_vars(tmp_path, kind, remediate_recovery=choice), check=True)
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert lab.journal(records=True) == []

    recovered = playbook(lab, tmp_path, kind, remediate_recovery=choice)
    assert recovered.returncode == 0, recovered.stdout[-4000:]
    now = facts(lab)
    assert now["change_record"] is None
    assert "remediation-interrupted" not in audit_rules(lab)
    # No vmknic missing: every port group that had a vmknic has one (the class may rename it).
    assert len(now["vmknics"]) == len(before["vmknics"])
    if choice == "undo":
        assert state_differences(before, now, by_device=False) == []
        # The next run applies the intent as if nothing had happened.
        again = playbook(lab, tmp_path, kind)
        assert again.returncode == 0, again.stdout[-3000:]
        now = facts(lab)
    assert state_differences(intended, now, by_device=False) == []
    lab.clear_journal()
    further = playbook(lab, tmp_path, kind)
    assert further.returncode == 0, further.stdout[-3000:]
    assert lab.journal(records=True) == []  # a no-op: zero calls, change records included


def state_differences(expected: dict, actual: dict, by_device: bool = True) -> list[str]:
    """The planner's comparison, with the plan's placeholder for the software iSCSI adapter
    replaced by the adapter the host has (as remediation_apply's verification does)."""
    return _compare.state_differences(_resolve_software_adapter(expected, actual), actual, by_device)


def intended_state(lab: Lab, tmp_path: Path, kind: str) -> dict:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent={"classes": [CLASSES[kind]]}))
    assert not result.get("failed"), result.get("msg")
    return result["plan"]["hosts"][0]["after"]


def interrupted_case(lab: Lab, tmp_path: Path, kind: str, position: int, choice: str, sig: int = signal.SIGKILL) -> None:
    before = facts(lab)
    intended = intended_state(lab, tmp_path, kind)
    interrupt(lab, tmp_path, kind, position, sig)
    recover_and_check(lab, tmp_path, kind, before, intended, choice)


# ---------------------------------------------------------------------- the normal suite


@pytest.mark.collection_logic
@pytest.mark.parametrize("choice", ["undo", "finish"])
def test_stack_move_killed_between_remove_and_add(lab, tmp_path, choice):
    """The issue's first case: killed while AddVirtualNic of a stack move is held, after
    RemoveVirtualNic; released, the vmknic comes back on the new stack. Recovery either way."""
    interrupted_case(lab, tmp_path, "stack", 2, choice)


@pytest.mark.collection_logic
def test_killed_before_the_first_call_needs_no_change(lab, tmp_path):
    """Killed while the first host call is held: the record says 0 done; undo only clears it."""
    before = facts(lab)
    intended = intended_state(lab, tmp_path, "subnet")
    interrupt(lab, tmp_path, "subnet", 0)
    recover_and_check(lab, tmp_path, "subnet", before, intended, "undo")


def test_sigint(lab, tmp_path):
    """Ctrl-C (SIGINT to ansible-playbook's process group) while AddVirtualNic of a stack move is
    held: ansible-playbook stops its workers and the module with them; the record stays and the
    next run recovers the host."""
    interrupted_case(lab, tmp_path, "stack", 2, "finish", signal.SIGINT)


@pytest.mark.collection_logic
def test_dropped_connection_mid_stack_move(lab, tmp_path):
    """vCenter closes the connection without answering AddVirtualNic (not carried out): the host is
    left without the vmknic, the outcome is interrupted with the failed call and the record; the
    next run recovers it."""
    before = facts(lab)
    intended = intended_state(lab, tmp_path, "stack")
    lab.drop("AddVirtualNic", host=HOST)
    proc = playbook(lab, tmp_path, "stack")
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert custom_stats(proc.stdout)["outcome"] == {HOST: "interrupted"}
    assert "AddVirtualNic got no answer" in proc.stdout
    lab.clear_holds()
    assert "Provisioning" not in vmknics_by_portgroup(facts(lab))  # the loss the record makes visible
    recover_and_check(lab, tmp_path, "stack", before, intended, "finish")


def test_timeout_of_a_hung_call(lab, tmp_path):
    """A call vCenter does not answer within remediate_timeout fails the host cleanly (interrupted,
    record kept); vCenter carries the call out later; the next run recovers from the record."""
    before = facts(lab)
    intended = intended_state(lab, tmp_path, "subnet")
    lab.hold("UpdateVirtualNic", host=HOST, timeout_s=300)
    proc = playbook(lab, tmp_path, "subnet", remediate_timeout=3)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert custom_stats(proc.stdout)["outcome"] == {HOST: "interrupted"}
    assert "UpdateVirtualNic got no answer" in proc.stdout and "timed out" in proc.stdout
    lab.release_held()
    lab.clear_holds()
    recover_and_check(lab, tmp_path, "subnet", before, intended, "undo")


@pytest.mark.parametrize("continue_when_locked", [False, True])
def test_overlapping_jobs(lab, tmp_path, continue_when_locked):
    """Job A holds the host (its second call held); job B on the same scope finds A's live lease:
    it reports the host locked by A, changes nothing, and fails unless told to continue. A then
    finishes; the host is at the intent; nothing rolled A back."""
    intended = intended_state(lab, tmp_path, "subnet")
    lab.hold("UpdateVirtualNic", host=HOST, timeout_s=300)
    marker = uuid.uuid4().hex
    job_a = start(lab, tmp_path, "subnet", marker)
    lab.wait_held(timeout=120)
    seen = lab.journal(records=True)[-1]["seq"]
    job_b = playbook(lab, tmp_path, "subnet", remediate_continue_when_locked=continue_when_locked)
    assert lab.journal(since=seen, records=True) == []  # B made no call at all
    assert job_b.returncode == (0 if continue_when_locked else 2), job_b.stdout[-3000:]
    assert custom_stats(job_b.stdout)["outcome"] == {HOST: "locked"}
    assert f"locked by {socket.gethostname()} pid " in job_b.stdout
    lab.release_held()
    out = job_a.communicate(timeout=300)[0]
    assert job_a.returncode == 0, out[-3000:]
    lab.clear_holds()
    now = facts(lab)
    assert now["change_record"] is None
    assert state_differences(intended, now, by_device=False) == []
    methods = [e["method"] for e in lab.journal() if e.get("event") is None]
    assert methods == EXPECTED_CALLS["subnet"]  # A's calls, no rollback by anyone


def test_approved_plan_refused_after_a_change(lab, tmp_path):
    """Plan job (no apply) publishes the digest; the host changes during the approval wait; the
    apply job given the approved digest refuses and makes zero calls."""
    planned = playbook(lab, tmp_path, "subnet", remediate_apply=False)
    assert planned.returncode == 0, planned.stdout[-3000:]
    stats = custom_stats(planned.stdout)
    digest = stats["digest"]
    assert stats["operations"][HOST][0]["op"] == "UpdatePortGroup"
    with Vsphere(lab) as api:  # someone re-addresses the vMotion vmknic meanwhile: the plan differs
        network = api.host(HOST).configManager.networkSystem
        spec = vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=False, ipAddress="10.10.1.77", subnetMask="255.255.248.0"))
        network.UpdateVirtualNic(device="vmk1", nic=spec)
    lab.clear_journal()
    refused = playbook(lab, tmp_path, "subnet", remediate_approved_digest=digest)
    assert refused.returncode == 2, refused.stdout[-3000:]
    assert f"is not the approved plan (digest {digest})" in refused.stdout
    assert lab.journal(records=True) == []
    # Given the approved operations too, the refusal names the host and the call that changed: the
    # same re-addressing of vmk1, now from the address set meanwhile.
    refused = playbook(lab, tmp_path, "subnet", remediate_approved_digest=digest, remediate_approved_operations=stats["operations"])
    assert refused.returncode == 2, refused.stdout[-3000:]
    readdress = stats["operations"][HOST][1]["description"]
    assert f"{HOST}: {readdress} -> {readdress.split(' (was ')[0]} (was 10.10.1.77/21)" in refused.stdout, refused.stdout[-3000:]
    assert lab.journal(records=True) == []
    # Unchanged hosts: the same digest is accepted and applied.
    fresh = custom_stats(playbook(lab, tmp_path, "subnet", remediate_apply=False).stdout)["digest"]
    applied = playbook(lab, tmp_path, "subnet", remediate_approved_digest=fresh)
    assert applied.returncode == 0, applied.stdout[-3000:]


@pytest.mark.collection_logic
@pytest.mark.parametrize("value, message", [
    ("hand-written note", "foreign format"),
    ("vmkmh/7:eJwDAAAAAAE=", "format version 7, newer than this collection's 1"),
    ("vmkmh/1:!!!", "damaged"),
])
def test_unusable_record_is_a_clear_error_and_zero_calls(lab, tmp_path, value, message):
    with Vsphere(lab) as api:
        manager = api.content.customFieldsManager
        key = manager.AddCustomFieldDef(name=FIELD_NAME, moType=vim.HostSystem).key
        manager.SetField(entity=api.host(HOST), key=key, value=value)
    lab.clear_journal()
    proc = playbook(lab, tmp_path, "subnet")
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert f"host {HOST}: host record unusable: " in proc.stdout and message in proc.stdout
    assert lab.journal(records=True) == []
    assert "remediation-interrupted" in audit_rules(lab)


# ---------------------------------------------------------------------- the full matrix

MATRIX = [(kind, position, choice) for kind in sorted(EXPECTED_CALLS) for position in range(len(EXPECTED_CALLS[kind]))
          for choice in ("undo", "finish")]


@pytest.mark.interrupt_matrix
@pytest.mark.skipif(not os.environ.get("VMKMH_INTERRUPT_MATRIX"), reason="the full matrix (~15 min): make test-interrupt")
@pytest.mark.parametrize("kind, position, choice", MATRIX, ids=[f"{k}-{p}-{c}" for k, p, c in MATRIX])
def test_every_kind_every_position(lab, tmp_path, kind, position, choice):
    interrupted_case(lab, tmp_path, kind, position, choice)
