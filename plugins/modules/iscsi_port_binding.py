#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iscsi_port_binding
short_description: Bind vmknics to an iSCSI adapter of an ESXi host, or unbind them
version_added: 0.1.0
description:
  - Binds (O(state=present)) or unbinds (O(state=absent)) the listed vmknics to or from one iSCSI adapter of one host
    (iSCSI port binding, the supported way to have several vmknics in one iSCSI subnet), then rescans the adapter.
  - Before binding it checks what ESXi requires of each vmknic, and refuses naming the port group and its teaming
    otherwise. The vmknic's port group must have exactly one active uplink and no standby uplink (unless O(uplinks)
    gives it one), and no two bound vmknics may use the same physical NIC.
  - A vmknic on a distributed port group (dvPortgroup) is judged from the dvPortgroup's effective teaming as this host
    sees it (its uplinks mapped to the host's physical NICs), which must have exactly one active uplink and the others
    unused. That teaming is a vCenter setting shared by every host on the switch, so O(uplinks) does not apply; the
    refusal names the dvPortgroup and its uplinks. The usual design is one dvPortgroup per iSCSI path.
  - Before unbinding it reads each binding's path status. It refuses to unbind a vmknic that carries active paths
    or the last active path to a device, unless O(force=true).
  - Changing the uplink of an already bound vmknic is refused when ESXi reports, through
    C(QueryMigrationDependencies), that iSCSI depends on the uplink it would lose; unbind the vmknic first.
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.connection
  - vmkernel.multihoming.host_change
options:
  adapter:
    description:
      - The iSCSI adapter's device, for example V(vmhba64), or V(software) for the host's software iSCSI adapter.
    type: str
    default: software
  vmknics:
    description: The vmknics to bind or unbind, for example V([vmk1, vmk2]).
    type: list
    elements: str
    required: true
  state:
    description: V(present) binds the vmknics; V(absent) unbinds them.
    type: str
    choices: [present, absent]
    default: present
  uplinks:
    description:
      - Maps each vmknic to its only active uplink, for example V(vmk1) to V(vmnic2) and V(vmk2) to V(vmnic3).
        The vmknic's standard port group gets that uplink as its only active uplink; every other uplink of the
        vSwitch becomes unused. Not for vmknics on a distributed port group.
      - Vmknics not listed must already be on a port group with exactly one active uplink and no standby.
    type: dict
  enable_software_iscsi:
    description:
      - Enable software iSCSI when it is disabled (with O(adapter=software) only). Without it, binding to a disabled
        software adapter is refused.
      - The module never disables software iSCSI.
    type: bool
    default: false
  force:
    description:
      - Unbind even a vmknic with active paths, or with the last active path to a device (C(UnbindVnic) with
        C(force)). Its paths fail over to the adapter's other bound vmknics, or are lost.
    type: bool
    default: false
seealso:
  - module: vmkernel.multihoming.vmknic
  - module: vmkernel.multihoming.standard_portgroup
"""

EXAMPLES = r"""
- name: Bind two iSCSI vmknics to the software adapter, one uplink each
  vmkernel.multihoming.iscsi_port_binding:
    esxi_hostname: esx01.example.com
    vmknics: [vmk1, vmk2]
    uplinks: {vmk1: vmnic2, vmk2: vmnic3}
    enable_software_iscsi: true

- name: Bind vmk3 and vmk4, on dvPortgroups dv-iSCSI-A and dv-iSCSI-B (one active uplink each, set in vCenter)
  vmkernel.multihoming.iscsi_port_binding:
    esxi_hostname: esx01.example.com
    vmknics: [vmk3, vmk4]

- name: Unbind vmk2 from vmhba64 (refused while it carries active paths)
  vmkernel.multihoming.iscsi_port_binding:
    esxi_hostname: esx01.example.com
    adapter: vmhba64
    vmknics: [vmk2]
    state: absent
"""

RETURN = r"""
before:
  description:
    - The adapter as read (C(adapter), C(software_iscsi_enabled), C(bound_vmknics)), and per listed vmknic its
      C(device), C(portgroup), C(switch), the port group's C(teaming) and its C(binding) to the adapter
      (C(compliant), C(compliance_reasons), C(path_status); null when not bound).
  returned: always
  type: dict
  sample: {"adapter": "vmhba65", "software_iscsi_enabled": true, "bound_vmknics": [],
           "vmknics": [{"device": "vmk1", "portgroup": "iSCSI-A", "switch": "vSwitch1",
                        "teaming": {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"]}, "binding": null}]}
commands:
  description: The vSphere calls, in order.
  returned: always
  type: list
  elements: dict
  sample: [{"op": "BindVnic", "adapter": "vmhba65", "device": "vmk1"}, {"op": "RescanHba", "adapter": "vmhba65"}]
after:
  description: The same as RV(before), as predicted (check mode) or as read back after the calls.
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
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._binding import BindingRequest
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule


def main() -> None:
    module = VsphereModule(
        argument_spec=host_change_argument_spec(
            adapter=dict(type="str", default="software"),
            vmknics=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            uplinks=dict(type="dict"),
            enable_software_iscsi=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    run_host_change(module, BindingRequest, "manage iSCSI port binding")


if __name__ == "__main__":
    main()
