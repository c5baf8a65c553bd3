#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: remediation_apply
short_description: Apply a remediation plan host by host, verify each host, and roll back on failure
version_added: 0.1.0
description:
  - Takes one host's entry of a plan made by M(vmkernel.multihoming.remediation_plan_info) (O(host_plan)),
    or the whole plan (O(plan)), and makes the vSphere calls each host's entry lists, in order.
  - With O(plan), every changed host of the plan is applied in this one process and one vCenter session,
    up to O(parallel) hosts at a time and at most O(max_hosts_in_change_per_cluster) hosts of one cluster
    at a time. Each host is applied exactly as it is alone (everything below holds per host); hosts start
    in the plan's order, and a host whose cluster is at its limit waits while the next host of another
    cluster starts. After a host fails, O(continue_on_failure) decides whether other hosts start.
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
    host, and with C(--diff) the before and after of every vmknic and port group are shown; with
    O(plan), the dvPortgroups the vCenter-level steps change come first (as read at planning and as
    predicted).
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.connection
options:
  esxi_hostname:
    description: The host's name in vCenter; must be the host of O(host_plan). Required with O(host_plan).
    type: str
  host_plan:
    description:
      - The host's entry of RV(vmkernel.multihoming.remediation_plan_info#module:plan.hosts), unchanged.
      - Give this (one host; the result is that host's outcome) or O(plan).
    type: dict
  plan:
    description:
      - RV(vmkernel.multihoming.remediation_plan_info#module:plan), unchanged. Every entry of its C(hosts)
        with C(changed) is applied; the result lists each host's outcome (RV(hosts), RV(outcome)).
      - A plan the planner refused (C(executable) is false) is refused as a whole; nothing is changed.
      - Its vCenter-level steps (C(vcenter), changes of dvPortgroups) run once, before any host (RV(vcenter)).
        A host whose plan counts on them fails without a call when they are not in place, also with
        O(host_plan).
      - Give this or O(host_plan).
    type: dict
  parallel:
    description:
      - With O(plan), how many hosts are in change at the same time (each host's own steps stay in order).
      - V(1) applies one host after the other in the plan's order, as a loop over O(host_plan) does.
      - All hosts share one vCenter session; the session's HTTP connection pool is sized to this number.
    type: int
    default: 1
  max_hosts_in_change_per_cluster:
    description:
      - With O(plan), no cluster has more than this many hosts in change at the same time (from the moment a
        host is started until it is verified or rolled back, maintenance mode included). Standalone hosts
        are not grouped with any other.
      - V(0) sets no limit per cluster; O(parallel) alone bounds the hosts in change. The limit only matters
        when it is below O(parallel); keep it low (for example V(1)) with O(maintenance_mode=true), so that
        each cluster keeps the capacity for the virtual machines of its hosts in maintenance.
    type: int
    default: 0
  continue_on_failure:
    description:
      - With O(plan), what happens after a host fails (and is rolled back, unless O(rollback=false)).
      - V(false) stops the run, no other host is started; the hosts already in change finish (each is
        verified, or rolled back when it fails too); every host not started has status V(not_tried).
        With O(parallel=1) this is the first failed host and nothing after it.
      - V(true) applies every other host. Either way the module fails when a host failed, naming each.
    type: bool
    default: false
  continue_when_locked:
    description:
      - With O(plan), a host locked by another live run (status V(locked)) is never changed. V(false)
        counts it as a failed host; V(true) reports it and neither stops the run nor fails the module.
    type: bool
    default: false
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

- name: Apply every changed host, ten at a time, at most one per cluster (they enter maintenance mode)
  vmkernel.multihoming.remediation_apply:
    plan: "{{ remediation.plan }}"
    parallel: 10
    max_hosts_in_change_per_cluster: 1
    maintenance_mode: true
  register: applied

- name: Or one host's part (for example from a play over an inventory of ESXi hosts)
  vmkernel.multihoming.remediation_apply:
    esxi_hostname: "{{ item.host }}"
    host_plan: "{{ item }}"
  loop: "{{ remediation.plan.hosts | selectattr('changed') }}"
  loop_control:
    label: "{{ item.host }}"
"""

RETURN = r"""
hosts:
  description:
    - With O(plan), each changed host's outcome, in the plan's order, with the keys returned with
      O(host_plan) (RV(status) to RV(after)) and C(host), its name. A host the run did not start
      (it stopped after a failure) has status V(not_tried) and no calls.
  returned: with O(plan)
  type: list
  elements: dict
vcenter:
  description:
    - With O(plan), the outcome of its vCenter-level steps, run once before any host. C(status) is one of
      V(unchanged), V(planned), V(applied), V(drifted) (a dvPortgroup changed since it was planned, its
      C(configVersion) moved, or vCenter answered C(ConcurrentAccess)), V(failed), V(rolled_back) (also when
      every host that needed a step failed and the step was put back), V(rollback_failed); with C(changed),
      C(commands), C(executed), C(failed_operation), C(error), C(differences) and C(rollback) as for a host.
  returned: with O(plan)
  type: dict
outcome:
  description: With O(plan), each changed host's status by name.
  returned: with O(plan)
  type: dict
  sample: {"esx01": "applied", "esx02": "rolled_back", "esx03": "not_tried"}
failed_hosts:
  description:
    - With O(plan), the hosts that failed (a V(locked) host only without O(continue_when_locked)), in the plan's order.
  returned: with O(plan)
  type: list
  elements: str
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

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._remediation_apply import (
    remediation_apply_argument_spec, run_remediation_apply,
)


def main() -> None:
    module = VsphereModule(
        argument_spec=remediation_apply_argument_spec(),
        required_one_of=[("host_plan", "plan")],
        mutually_exclusive=[("host_plan", "plan")],
        required_together=[("esxi_hostname", "host_plan")],
        supports_check_mode=True,
    )
    run_remediation_apply(module)


if __name__ == "__main__":
    main()
