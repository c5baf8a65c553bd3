#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: remediation_plan_info
short_description: Plan the remediation of VMkernel multi-homing from declared intent
version_added: 0.1.0
description:
  - Reads every host in scope with one bulk read (as M(vmkernel.multihoming.vmknic_info)) and
    computes, from O(intent), the exact vSphere operations that make each host match it (dedicated subnets, dedicated
    TCP/IP stacks, iSCSI port binding, or accepted designs).
  - The plan is deterministic, keeps addresses that already satisfy the intent (so a second plan
    after applying is empty) and allocates the lowest free address of a pool otherwise.
  - Refuses, before anything changes and naming each problem, an intent that cannot be applied
    safely (pool too small, overlapping class subnets, a gateway outside its subnet, a vmknic
    claimed by two classes, an unknown adapter or uplink, a result that would still be
    multi-homed, a change to the vmknic vCenter uses unless allowed).
  - Checks the selectors of O(intent) before planning. An unknown service name, an unknown stack key
    (one that is neither a system stack nor a stack of a host in scope) and a malformed pattern are
    errors that list the valid choices and suggest the nearest one. A class that selects no vmknic
    is a warning and is listed in RV(empty_classes).
  - Never changes anything. Apply a plan with M(vmkernel.multihoming.remediation_apply), or
    use the C(vmkernel.multihoming.remediate) role, which does both.
  - The intent format and the operations are described in the collection's C(docs/remediation.md).
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.attributes.read_only
  - vmkernel.multihoming.connection
  - vmkernel.multihoming.scope
options:
  intent:
    description:
      - The declared intent; see C(docs/remediation.md) for every key.
      - C(classes) is a list of traffic classes, each with C(name), C(select) and an C(action) of
        V(subnet), V(stack), V(iscsi) or V(accept); C(allow_management_change) defaults to V(false).
    type: dict
    required: true
  recovery:
    description:
      - What to plan for a host whose change record in vCenter shows an interrupted remediation
        (docs/remediation.md, "Interruption, locks and recovery"). Such a host is never planned from
        the intent; its entry has a C(recovery) key and the operations of the recovery.
      - V(undo) puts back the before-state the interrupted run recorded for what it touched (the
        safe default, the host returns to a state that worked). V(finish) completes the interrupted
        change to the target it recorded.
      - A host whose record cannot be read (foreign or newer format, damaged) is refused, naming it.
      - The same for a distributed switch whose record of vCenter-level steps shows an interrupted run
        (C(docs/remediation.md), "vCenter-level steps"). V(undo) plans putting its dvPortgroups back
        to the recorded before-state and destroying the ones that run created (when no vmknic is on
        them), instead of the intent's steps on that switch; V(finish) is refused for a switch.
    type: str
    choices: [undo, finish]
    default: undo
  approved_digest:
    description:
      - The RV(digest) of the plan that was approved (for example in an AWX approval step). When the
        plan made now from a fresh read differs, the module fails and nothing is applied.
    type: str
  approved_operations:
    description:
      - The approved plan's operations per host, as the plan job publishes them (the C(operations)
        of the role's set_stats artifact). When the plan made now differs, the module fails naming
        each host that differs and how, and nothing is applied.
      - Can be given with O(approved_digest) or instead of it.
    type: dict
seealso:
  - module: vmkernel.multihoming.remediation_apply
  - module: vmkernel.multihoming.vmknic_audit
"""

EXAMPLES = r"""
- name: Plan moving vMotion off the management subnet
  vmkernel.multihoming.remediation_plan_info:
    clusters: [Compute-A]
    intent:
      classes:
        - name: vmotion
          select: {services: [vmotion]}
          action: subnet
          subnet:
            network: 10.20.0.0/24
            pool: {start: 10.20.0.10, end: 10.20.0.250}
            vlan: 20
  register: remediation

- name: Show what would be done
  ansible.builtin.debug:
    msg: "{{ remediation.plan.hosts | map(attribute='operations') | flatten | map(attribute='description') }}"
"""

RETURN = r"""
plan:
  description: The plan, as described in C(docs/remediation.md).
  returned: success, and on refusal (then with C(executable=false), for reporting only)
  type: dict
  contains:
    vcenter:
      description:
        - The vCenter-level steps, shown once and run before any host (C(docs/remediation.md), "vCenter-level steps"),
          changes of dvPortgroups, which every host on the switch shares. C(operations) (each with the hosts in scope
          that have a vmknic on its dvPortgroup), and C(before) / C(after) with the C(dvportgroups) they change
          (VLAN, failover order by uplink name, C(config_version) as read, the vmknics on them on every host).
        - A host whose predicted after-state counts on them lists them in its entry's C(vcenter_steps).
        - C(records) (only when a switch read has one) lists the switches with a change record of
          vCenter-level steps (C(switch), C(switch_uuid), C(lease) V(live), V(expired) or V(own), C(summary),
          C(error)); C(recovery) the interrupted ones this plan undoes (the record's summary, C(choice),
          and C(kept), the created dvPortgroups left because vmknics are on them). A host entry that needs steps on
          a switch being recovered is C(deferred) (no operations; plan again after the recovery).
      type: dict
      sample:
        changed: true
        operations:
          - {"op": "ReconfigureDVPortgroup", "host": null, "switch": "dvs-A", "switch_uuid": "50 2e 7a 11",
             "key": "dvportgroup-11", "name": "dv-vMotion", "config_version": "3", "vlan": 20,
             "hosts": ["10.10.0.11", "10.10.0.12"],
             "description": "dvPortgroup dv-vMotion on dvs-A: VLAN 20 (for 10.10.0.11, 10.10.0.12)"}
        before: {dvportgroups: []}
        after: {dvportgroups: []}
    hosts:
      description: Per planned host, the ordered operations and the host's before and predicted after facts.
      type: list
      elements: dict
      sample:
        - host: 10.10.0.12
          changed: true
          classes: {vmk1: vmotion}
          operations:
            - {"op": "UpdateVirtualNic", "host": "10.10.0.12", "device": "vmk1",
               "ipv4": {"address": "10.20.0.10", "netmask": "255.255.255.0"},
               "description": "vmk1: set IPv4 10.20.0.10/24 (was 10.10.0.112/21)"}
          before: {}
          after: {}
          findings_before: 1
          findings_after: 0
    skipped:
      description: Hosts not planned (not connected, or facts incomplete), with the reason.
      type: list
      elements: dict
      sample: [{"host": "10.10.0.17", "reason": "notResponding"}]
    refusals:
      description: Why the intent cannot be applied; empty when it can.
      type: list
      elements: dict
      sample: []
    executable:
      description: True when there are no refusals.
      type: bool
      sample: true
    summary:
      description: Counts of hosts, operations per vSphere method, and error findings before and after.
      type: dict
      sample: {"hosts_total": 6, "hosts_planned": 5, "hosts_changed": 2, "operations": 4, "findings_before": 3, "findings_after": 0}
digest:
  description: The sha256 of the plan's hosts and operations; pass it as O(approved_digest) to apply exactly this plan.
  returned: always
  type: str
  sample: 3f1c9a0e5b7d4c2a9f8e6d5c4b3a2918f7e6d5c4b3a29180f7e6d5c4b3a29180
empty_classes:
  description:
    - Names of the intent's classes that select no vmknic of the planned hosts, in intent order (each is
      also a warning). Usually a selector that does not say what was meant; the C(remediate) role fails
      on them with C(remediate_fail_on_empty_class=true).
  returned: success
  type: list
  elements: str
  sample: [nfs]
"""

from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._intent import (
    classes_selecting_nothing, parse_intent, validate_intent,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule, scope_argument_spec
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import ModuleFailure, PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._distributed import switches_named, switches_to_read
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._planner import build_plan
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._dvportgroup_read import (
    read_dvportgroups, read_switch_records, switch_record_field,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_records import with_switch_records
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import (
    RECOVERY_CHOICES,
    UNDO,
    approved_plan_differences,
    digested,
    plan_digest,
    with_records,
)


def main() -> None:
    argument_spec = scope_argument_spec()
    argument_spec.update(intent=dict(type="dict", required=True),
                         recovery=dict(type="str", default=UNDO, choices=list(RECOVERY_CHOICES)),
                         approved_digest=dict(type="str"), approved_operations=dict(type="dict"))
    module = VsphereModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(lambda: _plan(module))


def _plan(module: VsphereModule) -> dict:
    """The module's result: the plan; ModuleFailure when the intent is invalid or refused."""
    params = module.params
    problems = validate_intent(params["intent"])
    if problems:
        raise ModuleFailure("Invalid intent: " + "; ".join(problems), problems=problems)
    dvportgroups: list[dict] = []
    switches: dict[str, dict] = {}

    def read_dvportgroups_needed(service_instance, hosts: list[dict]) -> None:
        intent = parse_intent(params["intent"])
        dvportgroups.extend(read_dvportgroups(service_instance, switches_to_read(hosts, intent), {h["moid"]: h["name"] for h in hosts},
                                              switch_names=switches_named(intent)))
        if dvportgroups:  # the change records of the vCenter-level steps on those switches
            content = service_instance.RetrieveContent()
            switches.update(read_switch_records(content, {pg["switch_uuid"] for pg in dvportgroups}, switch_record_field(content)))

    hosts = module.read_scope("read vmknic facts", then=read_dvportgroups_needed)
    # Now that the hosts are known, a stack key must be one of theirs (or a system stack).
    problems = validate_intent(params["intent"], stacks={s["key"] for h in hosts for s in h.get("stacks") or ()})
    if problems:
        raise ModuleFailure("Invalid intent: " + "; ".join(problems), problems=problems)
    try:
        document = with_records(build_plan(hosts, params["intent"], dvportgroups), hosts, params["recovery"])
        document = with_switch_records(document, switches, dvportgroups, params["recovery"])
    except PlanError as error:
        raise ModuleFailure("Remediation refused: " + "; ".join(error.problems), problems=error.problems) from None
    if document["refusals"]:
        problems = [r["message"] for r in document["refusals"]]
        raise ModuleFailure("Remediation refused: " + "; ".join(problems), problems=problems, plan=document)
    document["digest"] = plan_digest(digested(document))
    approved = params["approved_digest"]
    differences = [] if params["approved_operations"] is None else approved_plan_differences(params["approved_operations"], document["hosts"])
    if differences or (approved and approved != document["digest"]):
        which = f"digest {approved}" if approved else "the approved operations"
        detail = ": " + "; ".join(differences) if differences else ""
        raise ModuleFailure(f"The plan read now (digest {document['digest']}) is not the approved plan ({which}): "
                            f"the hosts changed since it was approved{detail}; nothing is applied. Review the new plan.",
                            plan=document, differences=differences)
    empty = classes_selecting_nothing(parse_intent(params["intent"]), document["hosts"])
    for name in empty:
        module.warn(f"class {name} selects no vmknic in scope: check its selector")
    return dict(changed=False, plan=document, digest=document["digest"], empty_classes=empty)


if __name__ == "__main__":
    main()
