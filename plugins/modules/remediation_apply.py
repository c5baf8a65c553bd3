#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: remediation_apply
short_description: Apply one host's remediation plan, verify it, and roll back on failure
version_added: 0.1.0
description:
  - Takes one host's entry of a plan made by M(vmkernel.multihoming.remediation_plan_info) and
    makes the vSphere calls it lists, in order.
  - Before changing anything it reads the host again; if the host no longer matches the plan's
    before-state (someone changed it since), it changes nothing and fails. If the host already
    matches the plan's after-state, it reports no change.
  - After the calls it reads the host back and compares it with the predicted after-state, and
    checks that no error finding remains that the plan did not predict.
  - Before its first change it writes a change record into the host's custom attribute
    C(vmkernel.multihoming.change) in vCenter (the field is defined once per vCenter) with the run id,
    the owner (AWX job id, controller host, pid), the plan digest, the before-state and target of what the
    plan touches and the progress; it is updated after every call and cleared only when the host
    is verified. The record is also a lease, and a host whose record belongs to another live run is
    not touched (status V(locked)). See docs/remediation.md, "Interruption, locks and recovery".
  - When vCenter refuses a call (a vSphere fault) or the verification fails, it rolls back what this run executed (and only that, the
    rest of the host stays as read, so another run's changes are kept), verifies the rollback, and
    fails with a report of exactly what happened.
  - Any other exception after the first change (lost connection, timeout, unexpected error) gives
    status V(interrupted), with the calls made, the failed call and the last state that could be read; the
    record stays in vCenter and the next plan recovers the host from it.
  - An entry with a C(recovery) key (made by M(vmkernel.multihoming.remediation_plan_info) for a
    host with an interrupted record) is applied only while that record is still there, and
    clears it once the host is verified.
  - In check mode nothing is written. RV(ignore:changed) says whether a real run would change the
    host, and with C(--diff) the before and after of every vmknic and port group are shown.
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.connection
options:
  esxi_hostname:
    description: The host's name in vCenter; must be the host of O(host_plan).
    type: str
    required: true
  host_plan:
    description:
      - The host's entry of RV(vmkernel.multihoming.remediation_plan_info#module:plan.hosts), unchanged.
    type: dict
    required: true
  maintenance_mode:
    description:
      - Enter maintenance mode before the first change and leave it afterwards (also after a rollback).
      - A host already in maintenance mode stays in it.
    type: bool
    default: false
  maintenance_timeout:
    description: Seconds to wait for entering or leaving maintenance mode.
    type: int
    default: 1800
  rollback:
    description:
      - Roll the host back to its before-state when a call or the verification fails.
      - With V(false) the host is left as it is and its state is reported.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Predicts the change from the plan; makes no change.
  diff_mode:
    support: full
    description: Before and predicted after of the host's vmknics and port groups.
seealso:
  - module: vmkernel.multihoming.remediation_plan_info
"""

EXAMPLES = r"""
- name: Plan once
  vmkernel.multihoming.remediation_plan_info:
    intent: "{{ intent }}"
  register: remediation
  run_once: true

- name: Apply each host's part, one host at a time
  vmkernel.multihoming.remediation_apply:
    esxi_hostname: "{{ item.host }}"
    host_plan: "{{ item }}"
    maintenance_mode: true
  loop: "{{ remediation.plan.hosts | selectattr('changed') }}"
  loop_control:
    label: "{{ item.host }}"
"""

RETURN = r"""
status:
  description:
    - V(unchanged) nothing to do; V(planned) check mode, would apply; V(applied) applied and verified;
      V(drifted) the host changed since it was planned, nothing done; V(rolled_back) failed and verified back
      at the before-state; V(rollback_failed) failed and not fully restored (see RV(rollback) and RV(state));
      V(failed) failed before any change (nothing changed); V(locked) another live run holds the
      host's change record (see RV(locked_by)), nothing done; V(interrupted) stopped after changes
      began (lost connection, timeout, unexpected error, or O(rollback=false)), see RV(executed),
      RV(failed_operation), RV(state); the change record stays for recovery.
  returned: always
  type: str
  sample: applied
commands:
  description: The planned operations (vSphere calls), in order.
  returned: always
  type: list
  elements: dict
  sample: [{"op": "UpdateVirtualNic", "device": "vmk1", "description": "vmk1: set IPv4 10.20.0.10/24"}]
executed:
  description: The operations that were made successfully.
  returned: always
  type: list
  elements: dict
failed_operation:
  description: The operation that failed, if one did.
  returned: always
  type: dict
error:
  description: What went wrong, in one line; null on success.
  returned: always
  type: str
differences:
  description: How the host differed from the prediction after applying, or from the before-state on drift.
  returned: always
  type: list
  elements: str
rollback:
  description: The rollback's operations, those executed, its error and what still differs from the before-state.
  returned: when a rollback was attempted
  type: dict
state:
  description: The host's facts as read at the end (the last that could be read), when it is not where it should be.
  returned: when status is rollback_failed, interrupted or failed
  type: dict
locked_by:
  description: The change record summary of the run holding the host (run, owner, job, time, expires, progress).
  returned: when status is locked
  type: dict
before:
  description: The host's vmknics and port groups before, as compared (device to settings).
  returned: always
  type: dict
after:
  description: The predicted vmknics and port groups after.
  returned: always
  type: dict
"""

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import FAILURE_SUMMARY, FAILURES, HostApplier, RecordKeeper, comparable_view
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import gather, read_topology
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import (
    OperationRunner, host_object, record_field_key, record_writer, set_maintenance_mode,
)


def main() -> None:
    module = VsphereModule(
        argument_spec=dict(
            esxi_hostname=dict(type="str", required=True),
            host_plan=dict(type="dict", required=True),
            maintenance_mode=dict(type="bool", default=False),
            maintenance_timeout=dict(type="int", default=1800),
            rollback=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    name, entry = params["esxi_hostname"], params["host_plan"]
    missing = [key for key in ("host", "operations", "before", "after") if key not in entry]
    if missing:
        module.fail_json(msg="host_plan is not an entry of remediation_plan_info's plan.hosts: missing " + ", ".join(missing))
    if entry["host"] != name:
        module.fail_json(msg=f"host_plan is for {entry['host']}, not for {name}")

    with module.session(f"apply the remediation plan of {name}") as service_instance:
        content = service_instance.RetrieveContent()
        # The inventory (names, clusters, port groups) does not change while one host is changed.
        topology = read_topology(content)

        def read_host() -> dict:
            return gather(service_instance, esxi_hostnames=[name], topology=topology)[0]

        host = host_object(service_instance, entry["before"]["moid"])
        runner = OperationRunner(host)
        maintenance = None
        if params["maintenance_mode"]:
            timeout = params["maintenance_timeout"]
            maintenance = (lambda: set_maintenance_mode(host, True, timeout), lambda: set_maintenance_mode(host, False, timeout))
        records = None
        if not module.check_mode and (entry["operations"] or entry.get("recovery")):
            # Defined once per vCenter; a direct ESXi connection has no custom fields (no records).
            topology["record_field"] = record_field_key(content, topology["record_field"])
        if topology["record_field"] is not None:
            # The lease outlasts the longest wait of one step (a call, or maintenance mode).
            longest = max(params["timeout"] or 0, params["maintenance_timeout"] if params["maintenance_mode"] else 0)
            records = RecordKeeper(record_writer(content, host, topology["record_field"]), longest)
        applier = HostApplier(read_host, runner.run, maintenance=maintenance, rollback=params["rollback"],
                              records=records, renamed=lambda: runner.renamed)
        outcome = applier.apply(entry, module.check_mode)

    outcome["before"] = comparable_view(entry["before"])
    outcome["after"] = comparable_view(entry["after"])
    result = dict(outcome)
    if module._diff:
        result["diff"] = {"before": outcome["before"], "after": outcome["after"],
                          "before_header": f"{name} (read)", "after_header": f"{name} (predicted)"}
    if outcome["status"] in FAILURES:
        module.fail_json(msg=f"{name}: {outcome['error']} ({FAILURE_SUMMARY[outcome['status']]})", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
