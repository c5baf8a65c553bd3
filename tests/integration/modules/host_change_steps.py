# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every test of a per-host module (vmknic, iscsi_port_binding, standard_portgroup) does on the
lab: the four steps, a fault at every call, and refusals that write nothing."""

from __future__ import annotations

from typing import Any

from harness import connection_args, restorable, run_module

HOST = "10.10.0.11"  # the lab's first host


def facts(lab: Any) -> dict:
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    return next(h for h in result["hosts"] if h["name"] == HOST)


def run(lab: Any, module: str, args: dict, check: bool = False) -> dict:
    return run_module(module, {**connection_args(lab), "esxi_hostname": HOST, **args}, check=check, diff=True)


def warnings(result: dict) -> list[str]:
    """The module's warnings as text (ansible-core 2.19 returns them as structured events)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings") or ()]


def four_steps(lab: Any, module: str, args: dict, calls: list[str]) -> tuple[dict, dict, list[dict]]:
    """Check mode (changed, no write), real run (exactly ``calls``), check again and run again
    (unchanged, no write). Returns the check-mode result, the real run's result and its journal."""
    before = facts(lab)
    lab.clear_journal()

    checked = run(lab, module, args, check=True)
    assert not checked.get("failed"), checked.get("msg")
    assert (checked["changed"], checked["status"]) == (True, "planned"), checked
    assert [op["op"] for op in checked["commands"]] == calls
    assert checked["diff"]["before"] != checked["diff"]["after"]
    assert checked["diff"]["after_header"].endswith("(predicted)")
    assert lab.journal() == []
    assert facts(lab) == before

    applied = run(lab, module, args)
    assert (applied.get("changed"), applied.get("status")) == (True, "applied"), (applied.get("msg"), applied.get("differences"))
    assert applied["commands"] == checked["commands"], "check mode must predict the exact calls"
    assert applied["before"] == checked["before"]
    journal = lab.journal()
    assert [entry["method"] for entry in journal] == calls
    assert all("fault" not in entry for entry in journal)
    after = facts(lab)

    lab.clear_journal()
    again = run(lab, module, args, check=True)
    assert (again["changed"], again["status"], again["commands"]) == (False, "unchanged", []), again
    assert again["before"] == again["after"] == applied["after"]
    again = run(lab, module, args)
    assert (again["changed"], again["status"], again["commands"]) == (False, "unchanged", []), again
    assert lab.journal() == []
    assert facts(lab) == after
    return checked, applied, journal


def fault_at_every_call(lab: Any, module: str, args: dict) -> None:
    """A fault at each call in turn: the module fails saying so, the journal holds exactly the calls
    made, the failed one and the rollback's, and the host is back where it was. Then it applies."""
    before = facts(lab)
    commands = run(lab, module, args, check=True)["commands"]
    assert commands
    for step, operation in enumerate(commands):
        lab.clear_journal()
        lab.clear_faults()
        # The nth call of this method on the host, counting the earlier calls of the same method.
        nth = 1 + sum(1 for op in commands[:step] if op["op"] == operation["op"])
        lab.inject_fault(operation["op"], host=HOST, nth=nth, fault="HostConfigFault", message=f"injected at step {step}")
        result = run(lab, module, args)
        assert result.get("failed") is True, (step, result)
        assert result["status"] == "rolled_back", (step, result.get("msg"), result.get("rollback"))
        assert result["failed_operation"]["op"] == operation["op"]
        assert f"{operation['op']} failed: HostConfigFault: injected at step {step}" in result["msg"]
        assert result["msg"].endswith("(rolled back, verified)")
        assert result["executed"] == commands[:step]
        methods = [entry["method"] for entry in lab.journal()]
        assert methods == [op["op"] for op in commands[:step + 1]] + [op["op"] for op in result["rollback"]["executed"]]
        assert restorable(facts(lab)) == restorable(before), f"host not restored after a fault at step {step}"
    lab.clear_faults()
    assert run(lab, module, args)["status"] == "applied"


def refused(lab: Any, module: str, args: dict, needle: str, check: bool = False) -> dict:
    """The module fails with ``needle`` in its message and makes no call."""
    lab.clear_journal()
    result = run(lab, module, args, check=check)
    assert result.get("failed") is True, result
    assert needle in result["msg"], result["msg"]
    assert lab.journal() == []
    return result
