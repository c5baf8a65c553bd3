# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostApplier's control flow with a fake host: every status, and what is called when."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import HostApplier
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.apply.fake_host import OPERATIONS, FakeHost, before_host


@pytest.fixture
def entry() -> dict:
    before = before_host()
    return {"host": "esx01", "operations": OPERATIONS, "before": before, "after": simulate(before, OPERATIONS)}


def applier(host: FakeHost, **kwargs) -> HostApplier:
    return HostApplier(host.read, host.run, **kwargs)


def test_applies_and_verifies(entry):
    host = FakeHost(entry["before"])
    outcome = applier(host).apply(entry, check_mode=False)
    assert (outcome["status"], outcome["changed"], outcome["error"]) == ("applied", True, None)
    assert host.calls == ["UpdatePortGroup", "UpdateVirtualNic"]
    assert outcome["executed"] == OPERATIONS


def test_check_mode_calls_nothing(entry):
    host = FakeHost(entry["before"])
    outcome = applier(host).apply(entry, check_mode=True)
    assert (outcome["status"], outcome["changed"]) == ("planned", True)
    assert host.calls == []


def test_already_applied_is_unchanged(entry):
    host = FakeHost(entry["after"])
    for check_mode in (True, False):
        outcome = applier(host).apply(entry, check_mode=check_mode)
        assert (outcome["status"], outcome["changed"]) == ("unchanged", False)
    assert host.calls == []


def test_empty_plan_reads_nothing():
    def unreachable() -> dict:
        raise AssertionError("must not read the host")

    outcome = HostApplier(unreachable, unreachable).apply({"host": "esx01", "operations": []}, check_mode=False)
    assert (outcome["status"], outcome["changed"]) == ("unchanged", False)


def test_drift_changes_nothing(entry):
    drifted = before_host()
    drifted["vmknics"][1]["mtu"] = 9000
    host = FakeHost(drifted)
    outcome = applier(host).apply(entry, check_mode=False)
    assert outcome["status"] == "drifted" and outcome["changed"] is False
    assert outcome["differences"] == ["vmknic vmk1: mtu is 9000, expected 1500"]
    assert host.calls == []


@pytest.mark.parametrize("step", [0, 1])
def test_failure_rolls_back(entry, step):
    host = FakeHost(entry["before"], fail_at={step})
    outcome = applier(host).apply(entry, check_mode=False)
    assert outcome["status"] == "rolled_back"
    assert outcome["error"] == f"{OPERATIONS[step]['op']} failed: RuntimeError: injected failure of call {step}"
    assert outcome["executed"] == OPERATIONS[:step]
    assert outcome["rollback"]["differences"] == [] and outcome["rollback"]["error"] is None
    assert len(outcome["rollback"]["executed"]) == step  # undoes exactly what was done
    assert state_differences(entry["before"], host.read()) == []


def test_verification_failure_rolls_back(entry):
    host = FakeHost(entry["before"], drop=True)
    outcome = applier(host).apply(entry, check_mode=False)
    assert outcome["status"] == "rolled_back"
    assert outcome["error"] == "the host does not match the plan after applying it"
    assert "vmknic vmk1: ipv4 is '10.10.0.12/24', expected '10.20.0.10/24'" in outcome["differences"]


def test_failed_rollback_reports_state(entry):
    host = FakeHost(entry["before"], fail_at={1, 2})  # the apply fails, then the rollback's first call
    outcome = applier(host).apply(entry, check_mode=False)
    assert outcome["status"] == "rollback_failed"
    assert outcome["rollback"]["error"].startswith("UpdatePortGroup failed: RuntimeError")
    vmotion = next(pg for pg in outcome["state"]["portgroups"] if pg["name"] == "vMotion")
    assert vmotion["vlan"] == 20  # where the host really is
    assert outcome["rollback"]["differences"] == ["portgroup vSwitch0/vMotion: vlan is 20, expected 0"]


def test_rollback_disabled_leaves_host(entry):
    host = FakeHost(entry["before"], fail_at={1})
    outcome = applier(host, rollback=False).apply(entry, check_mode=False)
    # One call was made: the host changed, so it is an interruption, not a plain failure.
    assert outcome["status"] == "interrupted" and outcome["rollback"] is None
    assert host.calls == ["UpdatePortGroup", "UpdateVirtualNic"]


def test_rollback_disabled_first_call_failed_is_failed(entry):
    host = FakeHost(entry["before"], fail_at={0})
    outcome = applier(host, rollback=False).apply(entry, check_mode=False)
    assert outcome["status"] == "failed" and outcome["executed"] == []


def test_maintenance_mode_entered_and_left_even_on_failure(entry):
    events: list[str] = []
    host = FakeHost(entry["before"], fail_at={0})
    maintenance = (lambda: events.append("enter"), lambda: events.append("exit"))
    outcome = applier(host, maintenance=maintenance).apply(entry, check_mode=False)
    assert outcome["status"] == "rolled_back"
    assert events == ["enter", "exit"]


def test_maintenance_mode_kept_when_already_in_it(entry):
    events: list[str] = []
    before = copy.deepcopy(entry["before"])
    before["maintenance_mode"] = True
    entry = dict(entry, before=before, after=simulate(before, OPERATIONS))
    maintenance = (lambda: events.append("enter"), lambda: events.append("exit"))
    outcome = applier(FakeHost(before), maintenance=maintenance).apply(entry, check_mode=False)
    assert outcome["status"] == "applied" and events == []
