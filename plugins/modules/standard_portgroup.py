#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: standard_portgroup
short_description: Create, change or remove a standard port group of an ESXi host (VLAN and uplinks)
version_added: 0.1.0
description:
  - Declares one port group of a standard vSwitch of one host, that is its VLAN and its active and standby uplinks
    (failover order). What is not given is left as it is. Security and traffic shaping settings are kept.
  - Uplinks that are not on the vSwitch are refused, as is removing a port group that still holds a vmknic.
  - A teaming change under an iSCSI-bound vmknic is refused when it would make the binding non-compliant, or when
    ESXi reports, through C(QueryMigrationDependencies), that iSCSI depends on an uplink it takes away.
  - Distributed port groups are vCenter objects and are not managed here.
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.connection
  - vmkernel.multihoming.host_change
options:
  name:
    description: The port group's name.
    type: str
    required: true
  switch:
    description:
      - The standard vSwitch the port group is on. Required to create it; for an existing one it must match.
      - To create a port group, the vSwitch must already have a port group on the host (its uplinks are known from
        them).
    type: str
  state:
    description: V(present) creates or changes the port group; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  vlan:
    description:
      - The VLAN id, 0 (none) to 4095 (all VLANs to the guest, refused for a port group holding a vmknic).
        Default for a new port group 0.
    type: int
  teaming:
    description:
      - The failover order, set as an override on the port group. Required to create one.
      - Uplinks of the vSwitch in neither list are unused.
      - The current order compared is the effective one, so declaring what the port group inherits changes nothing.
    type: dict
    suboptions:
      active:
        description: The active uplinks, in order; at least one.
        type: list
        elements: str
        required: true
      standby:
        description: The standby uplinks, in order.
        type: list
        elements: str
        default: []
seealso:
  - module: vmkernel.multihoming.vmknic
  - module: vmkernel.multihoming.iscsi_port_binding
"""

EXAMPLES = r"""
- name: A vMotion port group on VLAN 20, vmnic1 active and vmnic0 standby
  vmkernel.multihoming.standard_portgroup:
    esxi_hostname: esx01.example.com
    name: vMotion
    switch: vSwitch0
    vlan: 20
    teaming:
      active: [vmnic1]
      standby: [vmnic0]

- name: Remove a port group nothing uses any more
  vmkernel.multihoming.standard_portgroup:
    esxi_hostname: esx01.example.com
    name: Old-NFS
    state: absent
"""

RETURN = r"""
before:
  description:
    - The port group as read (the entry of RV(vmkernel.multihoming.vmknic_info#module:hosts[].portgroups)); null when
      absent.
  returned: always
  type: dict
  sample: {"name": "vMotion", "switch": "vSwitch0", "switch_type": "standard", "key": null, "vlan": 0,
           "teaming": {"active": ["vmnic0", "vmnic1"], "standby": [], "unused": []}}
commands:
  description: The vSphere calls, in order.
  returned: always
  type: list
  elements: dict
  sample: [{"op": "UpdatePortGroup", "name": "vMotion", "switch": "vSwitch0", "vlan": 20, "teaming": null}]
after:
  description: The port group as predicted (check mode) or as read back after the calls; null when absent.
  returned: always
  type: dict
status:
  description:
    - V(unchanged), V(planned) (check mode), V(applied) (applied and verified), V(drifted) (the host changed while
      the module ran; nothing done), V(rolled_back) (failed, host verified back at its state before),
      V(rollback_failed) (failed and not restored; see RV(rollback) and RV(state)), V(failed) (nothing
      changed, for example an unreadable change record), V(locked) (another live run holds the host's
      change record; nothing done), V(interrupted) (no answer from vCenter after changes began; the
      change record in vCenter is kept and the remediate role recovers the host).
  returned: always
  type: str
  sample: applied
executed:
  description: The calls that were made successfully.
  returned: always
  type: list
  elements: dict
failed_operation:
  description: The call that failed, if one did.
  returned: always
  type: dict
error:
  description: What went wrong, in one line; null on success.
  returned: always
  type: str
differences:
  description: How the host differed from the prediction after the calls, or from the state read before on drift.
  returned: always
  type: list
  elements: str
rollback:
  description: The rollback's calls, those made, its error and what still differs from the state before.
  returned: always
  type: dict
state:
  description: The host's facts as read at the end, when it is not where it should be.
  returned: when status is rollback_failed
  type: dict
"""

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._host_change import host_change_argument_spec, run_host_change
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._portgroup import PortgroupRequest
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule


def main() -> None:
    module = VsphereModule(
        argument_spec=host_change_argument_spec(
            name=dict(type="str", required=True),
            switch=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            vlan=dict(type="int"),
            teaming=dict(type="dict", options=dict(
                active=dict(type="list", elements="str", required=True),
                standby=dict(type="list", elements="str", default=[]),
            )),
        ),
        supports_check_mode=True,
    )
    run_host_change(module, PortgroupRequest, "manage a standard port group")


if __name__ == "__main__":
    main()
