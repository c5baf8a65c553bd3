# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/remediate.yml when one host of a multi-host plan fails: remediate_continue_on_failure.

The lab fails the vmknic update on one host (fault injection); remediation_apply rolls that host
back. With ``false`` the run stops there: the hosts after it are never called. With ``true`` every
other host is applied and the run still fails at the end, naming the failed host. Both over
localhost (the whole scope, host by host) and over an ESXi inventory in serial batches. Each case
asserts the rc, the exact calls in the lab journal, the state read back from the lab and the
outcome per host published with set_stats (what AWX shows as the job's artifacts).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ansible.release import __version__ as ansible_core_version

from harness import Lab, ansible_env, run_playbook
from remediation_setup import REMEDIATE_PLAYBOOK, VMOTION_SCENARIO, custom_stats, facts, intent_file, vmotion

# The ansible-core running the playbooks (the one of the venv running pytest).
ANSIBLE_CORE = tuple(int(part) for part in ansible_core_version.split(".")[:2])
HOSTS = ["10.10.0.11", "10.10.0.12", "10.10.0.13"]
# Planned once for the whole scope: lowest free addresses in host-name order.
ADDRESSES = {"10.10.0.11": "10.20.0.10", "10.10.0.12": "10.20.0.11", "10.10.0.13": "10.20.0.12"}
FAULT_MESSAGE = "injected: vmknic update refused"


def apply_calls(host: str) -> list[tuple[str, str, Any]]:
    """The journal of a host whose plan was applied: (host, method, fault)."""
    return [(host, "UpdatePortGroup", None), (host, "UpdateVirtualNic", None)]


def rolled_back_calls(host: str) -> list[tuple[str, str, Any]]:
    """The port group got VLAN 20, the vmknic update failed, the rollback put VLAN 0 back."""
    return [(host, "UpdatePortGroup", None), (host, "UpdateVirtualNic", "HostConfigFault"), (host, "UpdatePortGroup", None)]


def calls(lab: Lab, host: str | None = None) -> list[tuple[str, str, Any]]:
    return [(e["host"], e["method"], e.get("fault")) for e in lab.journal() if host in (None, e["host"])]


def assert_applied(host: dict) -> None:
    assert vmotion(host) == (f"{ADDRESSES[host['name']]}/24", 20), host["name"]


def assert_second_rolled_back_others_applied(lab: Lab, before: dict[str, dict], output: str) -> None:
    """The state read back and the published outcome when 10.10.0.12 failed and the others were applied."""
    after = facts(lab)
    assert_applied(after["10.10.0.11"])
    assert_applied(after["10.10.0.13"])
    assert after["10.10.0.12"] == before["10.10.0.12"]
    assert custom_stats(output)["outcome"] == {"10.10.0.11": "applied", "10.10.0.12": "rolled_back", "10.10.0.13": "applied"}


def recap(output: str) -> dict[str, dict[str, int]]:
    return {host: {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counters)}
            for host, counters in re.findall(r"^(\S+)\s+: (ok=.*)$", output, re.M)}


def run(lab: Lab, tmp_path: Path, continue_on_failure: bool, inventory: list[str] | None = None,
        serial: int | None = None, **more: Any):
    """ansible-playbook playbooks/remediate.yml over localhost, or over an ESXi inventory (group esxi);
    ``more``: further role variables."""
    extra: dict[str, Any] = {"remediate_intent_file": str(intent_file(tmp_path)), "remediate_continue_on_failure": continue_on_failure,
                             **more}
    kwargs: dict[str, Any] = {}
    if inventory is not None:
        path = tmp_path / "esxi.ini"
        path.write_text("[esxi]\n" + "".join(f"{host}\n" for host in inventory))
        kwargs["inventory"] = path
        extra.update(remediate_hosts="esxi", remediate_serial=serial or 0)
    env = ansible_env(lab, ANSIBLE_SHOW_CUSTOM_STATS="true")
    return run_playbook(REMEDIATE_PLAYBOOK, env, extra_vars=extra, **kwargs)


@pytest.fixture
def lab(lab_factory) -> Lab:
    """A fresh lab per test: each test changes hosts."""
    return lab_factory(scenario=VMOTION_SCENARIO)


@pytest.fixture
def before(lab) -> dict[str, dict]:
    """The hosts' facts before any change (a rolled-back host must be back at exactly these)."""
    state = facts(lab)
    assert [vmotion(state[host]) for host in HOSTS] == [(f"10.10.1.{11 + i}/21", 0) for i in range(3)]
    return state


def fail_on(lab: Lab, host: str) -> None:
    """The first vmknic update on ``host`` fails; remediation_apply then rolls the host back."""
    lab.inject_fault("UpdateVirtualNic", host=host, nth=1, count=1, fault="HostConfigFault", message=FAULT_MESSAGE)
    lab.clear_journal()


def test_stop_at_the_failed_host(lab, before, tmp_path):
    """false (the default): the first host is applied, the second fails and is rolled back, the run
    stops with rc 2 and the third host gets no call at all."""
    fail_on(lab, "10.10.0.12")
    proc = run(lab, tmp_path, continue_on_failure=False)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert calls(lab) == apply_calls("10.10.0.11") + rolled_back_calls("10.10.0.12")
    assert calls(lab, "10.10.0.13") == []
    assert "10.10.0.12 failed (rolled_back): UpdateVirtualNic failed: HostConfigFault: " + FAULT_MESSAGE in proc.stdout
    assert "Stopping: remediate_continue_on_failure is false" in proc.stdout

    after = facts(lab)
    assert_applied(after["10.10.0.11"])
    # Rolled back to its before-state, and the host never tried is as it was.
    assert after["10.10.0.12"] == before["10.10.0.12"]
    assert after["10.10.0.13"] == before["10.10.0.13"]

    # Published although the run failed: what was applied, what failed, what was not tried.
    stats = custom_stats(proc.stdout)
    assert stats["applied"] is True
    assert stats["outcome"] == {"10.10.0.11": "applied", "10.10.0.12": "rolled_back", "10.10.0.13": "not_tried"}
    assert recap(proc.stdout)["localhost"]["failed"] == 1


def test_continue_then_fail_naming_the_host(lab, before, tmp_path):
    """true: every host is tried; the failed one is rolled back, the others are applied, and the run
    still fails (rc 2) once at the end, naming the failed host. Without the fault a second run
    applies just that host."""
    fail_on(lab, "10.10.0.12")
    proc = run(lab, tmp_path, continue_on_failure=True)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert calls(lab) == apply_calls("10.10.0.11") + rolled_back_calls("10.10.0.12") + apply_calls("10.10.0.13")
    assert ("Remediation failed on 1 of 3 hosts tried: 10.10.0.12 (rolled_back): UpdateVirtualNic failed: "
            "HostConfigFault: " + FAULT_MESSAGE) in proc.stdout
    assert "Stopping" not in proc.stdout

    assert_second_rolled_back_others_applied(lab, before, proc.stdout)
    # The failure was shown when it happened (ignored, so the run went on) and failed the run at the end.
    assert recap(proc.stdout)["localhost"]["ignored"] == 1 and recap(proc.stdout)["localhost"]["failed"] == 1

    # The fault is gone (count=1): planned again, only the failed host is left, and it is applied.
    assert [rule["fired"] for rule in lab.faults()] == [1]
    lab.clear_journal()
    again = run(lab, tmp_path, continue_on_failure=True)
    assert again.returncode == 0, again.stdout[-3000:]
    assert calls(lab) == apply_calls("10.10.0.12")
    assert_applied(facts(lab)["10.10.0.12"])
    assert custom_stats(again.stdout)["outcome"] == {"10.10.0.12": "applied"}


def test_parallel_stop_lets_hosts_in_flight_finish(lab, before, tmp_path):
    """remediate_parallel 3 on localhost: the three hosts are in change at once in one
    remediation_apply; the second fails and is rolled back, the two in flight with it finish, and
    the run stops with the same message and artifacts as a serial stop."""
    fail_on(lab, "10.10.0.12")
    proc = run(lab, tmp_path, continue_on_failure=False, remediate_parallel=3)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert calls(lab, "10.10.0.11") == apply_calls("10.10.0.11")
    assert calls(lab, "10.10.0.12") == rolled_back_calls("10.10.0.12")
    assert calls(lab, "10.10.0.13") == apply_calls("10.10.0.13")
    assert "10.10.0.12 failed (rolled_back): UpdateVirtualNic failed: HostConfigFault: " + FAULT_MESSAGE in proc.stdout
    assert "Stopping: remediate_continue_on_failure is false" in proc.stdout
    assert_second_rolled_back_others_applied(lab, before, proc.stdout)
    assert recap(proc.stdout)["localhost"]["failed"] == 1


def test_inventory_continue_runs_every_batch(lab, before, tmp_path):
    """Over an ESXi inventory, one host per batch: the failed host's batch does not end the play,
    the last batch still runs, and the run fails after it, naming the failed host."""
    fail_on(lab, "10.10.0.12")
    proc = run(lab, tmp_path, continue_on_failure=True, inventory=HOSTS, serial=1)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert calls(lab) == apply_calls("10.10.0.11") + rolled_back_calls("10.10.0.12") + apply_calls("10.10.0.13")
    assert "Remediation failed on 1 of 3 hosts tried: 10.10.0.12 (rolled_back)" in proc.stdout

    # Every batch added its host; the failed host's failure is ignored in its batch (so the play
    # goes on) and the run fails once, in the last batch.
    assert_second_rolled_back_others_applied(lab, before, proc.stdout)
    counters = recap(proc.stdout)
    assert (counters["10.10.0.11"]["failed"], counters["10.10.0.11"]["ignored"]) == (0, 0)
    assert counters["10.10.0.12"]["ignored"] == 1
    assert counters["10.10.0.13"]["failed"] == 1


def test_inventory_stop_ends_later_batches(lab, before, tmp_path):
    """Over an ESXi inventory with two hosts per batch: the first host fails while the second of its
    batch is applied at the same time; the next batch never starts."""
    fail_on(lab, "10.10.0.11")
    proc = run(lab, tmp_path, continue_on_failure=False, inventory=HOSTS, serial=2)
    assert proc.returncode == 2, proc.stdout[-3000:]
    # The hosts of one batch run concurrently: compare per host.
    assert calls(lab, "10.10.0.11") == rolled_back_calls("10.10.0.11")
    assert calls(lab, "10.10.0.12") == apply_calls("10.10.0.12")
    assert calls(lab, "10.10.0.13") == []
    assert "10.10.0.11 failed (rolled_back)" in proc.stdout

    after = facts(lab)
    assert after["10.10.0.11"] == before["10.10.0.11"]
    assert_applied(after["10.10.0.12"])
    assert after["10.10.0.13"] == before["10.10.0.13"]
    assert custom_stats(proc.stdout)["outcome"] == {"10.10.0.11": "rolled_back", "10.10.0.12": "applied", "10.10.0.13": "not_tried"}
    # The batch was not continued: 10.10.0.13 never ran a task. ansible-core 2.16 still starts the
    # next batch after an any_errors_fatal task of an included file: there the role applies nothing
    # to it (the calls and facts above).
    if ANSIBLE_CORE >= (2, 17):
        assert "10.10.0.13" not in recap(proc.stdout)
