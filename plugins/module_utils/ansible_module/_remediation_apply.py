# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""remediation_apply's module run (private): its options, one host's entry or a whole plan applied
through ``apply/_plan_apply.py``, and the result (one host's outcome, or every host's)."""

from __future__ import annotations

from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import FAILURE_SUMMARY, FAILURES
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._plan_apply import (
    NOT_TRIED, PlanSession, StopPolicy, apply_entries, input_problems, size_connection_pool,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import ModuleFailure


def remediation_apply_argument_spec() -> dict[str, dict[str, Any]]:
    """remediation_apply's options (besides the connection options)."""
    return dict(
        esxi_hostname=dict(type="str"),
        host_plan=dict(type="dict"),
        plan=dict(type="dict"),
        parallel=dict(type="int", default=1),
        max_hosts_in_change_per_cluster=dict(type="int", default=0),
        continue_on_failure=dict(type="bool", default=False),
        continue_when_locked=dict(type="bool", default=False),
        maintenance_mode=dict(type="bool", default=False),
        maintenance_timeout=dict(type="int", default=1800),
        rollback=dict(type="bool", default=True),
    )


def _diff(outcome: dict) -> dict:
    name = outcome["host"]
    return {"before": outcome["before"], "after": outcome["after"],
            "before_header": f"{name} (read)", "after_header": f"{name} (predicted)"}


def _vcenter_diff(section: dict) -> dict:
    """The --diff entry of the plan's vCenter-level steps: the dvPortgroups they change, as read
    at planning and as predicted (a dvPortgroup the plan creates is only in ``after``)."""
    return {"before": {"dvportgroups": section["before"]["dvportgroups"]}, "after": {"dvportgroups": section["after"]["dvportgroups"]},
            "before_header": "vCenter dvPortgroups (read)", "after_header": "vCenter dvPortgroups (predicted)"}


def _failure_message(outcome: dict) -> str:
    """What became of a failed host, in one line."""
    return f"{outcome['host']}: {outcome['error']} ({FAILURE_SUMMARY[outcome['status']]})"


def _host_result(module: VsphereModule, session: PlanSession, entry: dict) -> tuple[dict, str | None]:
    """One host's result, and the failure message when it failed."""
    outcome = session.apply(entry)
    result = dict(outcome)
    if module._diff:
        result["diff"] = _diff(outcome)
    return result, _failure_message(outcome) if outcome["status"] in FAILURES else None


def _plan_result(module: VsphereModule, session: PlanSession, entries: list[dict]) -> tuple[dict, str | None]:
    """Every host's outcome, and the failure message naming each host that failed."""
    params = module.params
    policy = StopPolicy(params["continue_on_failure"], params["continue_when_locked"])
    # vCenter-level steps first, once; a host that needs a failed one fails without a call.
    section = params["plan"].get("vcenter") or {}
    vcenter = session.apply_vcenter(section)
    outcomes = apply_entries(entries, session.apply_caught, params["parallel"], params["max_hosts_in_change_per_cluster"], policy,
                             tick=session.keep_vcenter_records_alive)
    for warning in session.record_warnings:
        module.warn(warning)
    session.undo_unused_vcenter_steps(section, vcenter, outcomes)
    session.finish_vcenter(section, vcenter, outcomes)
    errors = [o for o in outcomes if policy.is_error(o)]
    result: dict[str, Any] = {
        "changed": vcenter["changed"] or any(o["changed"] for o in outcomes),
        "vcenter": vcenter,
        "hosts": outcomes,
        "outcome": {o["host"]: o["status"] for o in outcomes},
        "failed_hosts": [o["host"] for o in errors],
    }
    tried = sum(1 for o in outcomes if o["status"] != NOT_TRIED)
    # What failed, for the message: the vCenter-level steps (not a host, so not counted as one) and hosts.
    where = [f"{len(errors)} of {tried} hosts tried"] if errors else []
    if vcenter["status"] in FAILURES:
        errors.insert(0, dict(vcenter, host="vCenter"))
        where.insert(0, "the vCenter-level steps")
    if module._diff:
        result["diff"] = ([_vcenter_diff(section)] if vcenter["changed"] else []) + [
            _diff(o) for o in outcomes if o["status"] != NOT_TRIED]
    for outcome in outcomes:
        if outcome["status"] in FAILURES and not policy.is_error(outcome):  # locked, and told to continue
            module.warn(_failure_message(outcome))
    if not errors:
        return result, None
    untried = len(outcomes) - tried
    stop = f"; stopped: continue_on_failure is false, {untried} host(s) not tried" if untried else ""
    return result, ("Remediation failed on " + " and on ".join(where) + ": "
                    + "; ".join(f"{o['host']} ({o['status']}): {o['error']}" for o in errors) + stop)


def run_remediation_apply(module: VsphereModule) -> None:
    """The whole module run: one host's entry (``esxi_hostname`` and ``host_plan``, the result is that
    host's outcome), or every changed host of ``plan`` (the result lists each host's outcome)."""
    module.run(lambda: _apply(module))


def _apply(module: VsphereModule) -> dict[str, Any]:
    """The result of one remediation_apply run; ModuleFailure when it fails."""
    params = module.params
    problems = input_problems(params)
    if problems:
        raise ModuleFailure("; ".join(problems), problems=problems)
    single = params["host_plan"]
    if single is not None:
        entries = [single]
        action = f"apply the remediation plan of {single['host']}"
    else:
        entries = [entry for entry in params["plan"]["hosts"] if entry.get("changed", bool(entry["operations"]))]
        action = f"apply the remediation plan to {len(entries)} host(s)"
    writes = any(entry["operations"] or entry.get("recovery") for entry in entries)
    with module.session(action) as service_instance:
        size_connection_pool(service_instance, params["parallel"])
        session = PlanSession(service_instance, params, module.check_mode, writes)
        try:
            if single is not None:
                result, failure = _host_result(module, session, single)
            else:
                result, failure = _plan_result(module, session, entries)
        finally:
            session.close()
    if failure:
        raise ModuleFailure(failure, **result)
    return result
