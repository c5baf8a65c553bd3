#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vmknic_audit
short_description: Find VMkernel multi-homing on ESXi hosts and report it with stable rule ids
version_added: 0.1.0
description:
  - Reads every host in scope with the same single bulk read as M(vmkernel.multihoming.vmknic_info)
    and reports where several vmknics share a subnet on one TCP/IP stack, so that the stack's one
    routing table sends that subnet's traffic out of one of them (VMware KB 318546, formerly 2010877).
  - Each finding names the host, the stack, the vmknics, which vmknic really carries the subnet
    (the route owner) and which services are therefore misrouted, with a VMware reference and a
    suggested fix.
  - Recognises the designs VMware supports, compliant iSCSI port binding and multi-NIC vMotion,
    and reports them as V(info); vmknics on different TCP/IP stacks never conflict.
  - The rules are listed in the collection's C(docs/findings.md).
  - Never changes anything; RV(ignore:changed) is always V(false).
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.attributes.read_only
  - vmkernel.multihoming.connection
  - vmkernel.multihoming.scope
options:
  allow_list:
    description:
      - Accepted designs. A finding that matches an entry becomes severity V(info) and carries the
        entry's reason in the finding's C(allowed) field (see RV(findings)).
      - An entry matches when all of the keys it sets match.
    type: list
    elements: dict
    default: []
    suboptions:
      host:
        description: fnmatch pattern on the host name.
        type: str
        default: "*"
      vmknics:
        description: Every listed vmknic must be part of the finding.
        type: list
        elements: str
      subnet:
        description: The finding's subnet must lie within this CIDR.
        type: str
      rule:
        description: The finding's rule id.
        type: str
      reason:
        description: Why this design is accepted; shown in every report.
        type: str
        required: true
  severity_overrides:
    description:
      - Severity per rule id, replacing the default (V(error), V(warning) or V(info)).
      - Applied before O(allow_list).
    type: dict
    default: {}
  fail_on:
    description:
      - Fail the task when a finding has this severity or a worse one; the findings are still returned.
      - V(never) only reports.
    type: str
    choices: [error, warning, info, never]
    default: never
  return_facts:
    description:
      - Also return the host facts that were analysed (as RV(hosts)), for reports that draw each host's vmknics.
    type: bool
    default: false
seealso:
  - module: vmkernel.multihoming.vmknic_info
  - plugin: vmkernel.multihoming.vmknic_findings
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Audit a cluster and fail the pipeline on errors
  vmkernel.multihoming.vmknic_audit:
    clusters: [Compute-A]
    fail_on: error
  register: audit

- name: Accept a storage design and treat DHCP warnings as info
  vmkernel.multihoming.vmknic_audit:
    allow_list:
      - host: "esx-nfs-*"
        subnet: 10.30.0.0/24
        reason: "NFS array on a flat network, change CHG-1234 scheduled"
    severity_overrides:
      dhcp-multiple-vmknics: info
  register: audit

- name: Show the summary
  ansible.builtin.debug:
    var: audit.summary
"""

RETURN = r"""
findings:
  description: Findings sorted by severity, host, stack and rule. The fields are described in C(docs/findings.md).
  returned: always
  type: list
  elements: dict
  sample:
    - rule: management-shares-subnet
      severity: error
      host: 10.10.0.12
      datacenter: DC0
      cluster: C0
      stack: defaultTcpipStack
      family: ipv4
      subnet: 10.10.0.0/21
      vmknics: [vmk0, vmk1]
      route_owner: vmk0
      misrouted: [{"vmknic": "vmk1", "services": ["vmotion"]}]
      message: "vmk0 (management) and vmk1 (vMotion) share 10.10.0.0/21 on defaultTcpipStack; ..."
      evidence: {}
      reference: VMware KB 318546 (formerly 2010877)
      remediation: Move the other vmknics to their own subnets; keep the management vmknic where vCenter reaches it.
      allowed: null
      id: 3f2a9c1b7d4e
summary:
  description: Counts per severity and rule, and how many hosts were audited.
  returned: always
  type: dict
  sample:
    error: 3
    warning: 1
    info: 2
    hosts_total: 6
    hosts_audited: 5
    hosts_not_audited: 1
    hosts_with_errors: 2
    by_rule: {"ipv4-same-subnet": 2, "management-shares-subnet": 1}
hosts:
  description: The analysed host facts, as M(vmkernel.multihoming.vmknic_info) returns them.
  returned: when O(return_facts=true)
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._policy import validate_policy
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._rules import severity_at_least
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule, scope_argument_spec
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import ModuleFailure


def main() -> None:
    argument_spec = scope_argument_spec()
    argument_spec.update(
        allow_list=dict(type="list", elements="dict", default=[], options=dict(
            host=dict(type="str", default="*"),
            vmknics=dict(type="list", elements="str"),
            subnet=dict(type="str"),
            rule=dict(type="str"),
            reason=dict(type="str", required=True),
        )),
        severity_overrides=dict(type="dict", default={}),
        fail_on=dict(type="str", default="never", choices=["error", "warning", "info", "never"]),
        return_facts=dict(type="bool", default=False),
    )
    module = VsphereModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(lambda: _audit(module))


def _audit(module: VsphereModule) -> dict[str, Any]:
    """The module's result: the findings; ModuleFailure when the policy is invalid or findings reach fail_on."""
    params = module.params
    # Suboption defaults fill unset keys with None; the policy only knows the keys that are set.
    allow_list = [{key: value for key, value in entry.items() if value is not None} for entry in params["allow_list"]]
    problems = validate_policy(allow_list, params["severity_overrides"])
    if problems:
        raise ModuleFailure("Invalid audit policy: " + "; ".join(problems))

    hosts = module.read_scope("audit vmknics")
    result = analyse(hosts, allow_list, params["severity_overrides"])
    if params["return_facts"]:
        result["hosts"] = hosts
    threshold = params["fail_on"]
    if threshold != "never":
        over = [f for f in result["findings"] if severity_at_least(f["severity"], threshold)]
        if over:
            raise ModuleFailure(f"{len(over)} finding(s) at or above '{threshold}' on "
                                f"{len({f['host'] for f in over})} host(s)", changed=False, **result)
    return dict(changed=False, **result)


if __name__ == "__main__":
    main()
