#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vmknic
short_description: Create, change or remove one VMkernel adapter (vmknic) of an ESXi host
version_added: 0.1.0
description:
  - Declares one vmknic of one host, that is its port group, TCP/IP stack, IPv4 address, MTU, service tags
    and IPv4 gateway override. What is not given is left as it is.
  - O(portgroup) is a standard port group or a distributed port group (dvPortgroup) of a distributed switch the
    host is a member of. A name that exists on more than one switch (a standard and a distributed port group of the
    same name, or two vSwitches) is refused until O(switch) says which; nothing is guessed.
  - The vmknic is found by O(device), or by the port group it is on (O(portgroup); a standard port group holds at
    most one vmknic, a dvPortgroup may hold several, then O(device) must say which). Without O(device) and with no
    vmknic on O(portgroup), O(state=present) creates one there; ESXi names it.
  - On a dvPortgroup the vmknic gets a distributed port vCenter allocates (C(AddVirtualNic) or
    C(UpdateVirtualNic) with C(distributedVirtualPort) naming the switch UUID and dvPortgroup key, and no port group
    name).
  - With O(device), a different O(portgroup) moves the vmknic to that port group, between standard port groups,
    between dvPortgroups, or from one kind to the other.
  - A different O(stack) removes the vmknic and creates it again on that stack, with the same port group (on a
    distributed switch a new distributed port of the same dvPortgroup), MAC, IPv4, MTU and gateway override (a
    vmknic's stack is fixed at creation). Its service tags are selected again on the default stack; on another stack
    it has none.
  - The dvPortgroup's VLAN and teaming are vCenter settings shared by every host on the switch; this module does not
    change them (see the remediation planner, docs/remediation.md).
  - IPv6 settings are not managed yet (they are kept as they are, and carried over when the vmknic is re-created).
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.connection
  - vmkernel.multihoming.host_change
options:
  device:
    description:
      - The vmknic's device name, for example V(vmk1). It must exist when O(state=present).
    type: str
  portgroup:
    description:
      - The standard port group or dvPortgroup the vmknic is on, is created on, or moves to.
      - When O(device) is not given, the vmknic is the one on this port group.
    type: str
  switch:
    description:
      - The standard vSwitch or distributed switch (by name) of O(portgroup), when a port group of that name exists
        on more than one switch.
    type: str
  state:
    description:
      - V(present) creates or changes the vmknic; V(absent) removes it.
      - The management vmknic, a vmknic bound to iSCSI and a vmknic owned by NSX or vSAN are never removed.
    type: str
    choices: [present, absent]
    default: present
  stack:
    description:
      - The TCP/IP stack (C(netStackInstanceKey)), for example V(defaultTcpipStack), V(vmotion) or
        V(vSphereProvisioning). Default for a new vmknic V(defaultTcpipStack).
      - A custom stack must already exist on the host.
    type: str
  ipv4:
    description:
      - The IPv4 configuration. Required to create a vmknic.
    type: dict
    suboptions:
      address:
        description: The static IPv4 address.
        type: str
      netmask:
        description: The subnet mask, for example V(255.255.255.0). Not together with O(ipv4.prefix_length).
        type: str
      prefix_length:
        description: The prefix length, for example V(24). Not together with O(ipv4.netmask).
        type: int
        aliases: [prefix]
      dhcp:
        description: Get the address from DHCP. Not together with O(ipv4.address).
        type: bool
  mtu:
    description:
      - The MTU, 1280 to 9000. Default for a new vmknic 1500.
    type: int
  services:
    description:
      - The complete list of services (C(nicType) tags) the vmknic carries; the ones not listed are disabled.
      - Tags exist on the default TCP/IP stack only; the V(vmotion) and V(vSphereProvisioning) stacks carry their
        own traffic. vSAN tags are set through vSAN and are kept as they are.
    type: list
    elements: str
    choices: [faultToleranceLogging, management, nvmeRdma, nvmeTcp, ptp, vSphereBackupNFC, vSphereProvisioning,
              vSphereReplication, vSphereReplicationNFC, vmotion]
  gateway:
    description:
      - The vmknic's own IPv4 default gateway (override of the stack's), inside its subnet.
      - An empty string removes the override.
      - An override does not decide which vmknic carries a subnet shared by several vmknics.
    type: str
seealso:
  - module: vmkernel.multihoming.iscsi_port_binding
  - module: vmkernel.multihoming.standard_portgroup
  - module: vmkernel.multihoming.vmknic_info
"""

EXAMPLES = r"""
- name: A vMotion vmknic on its own subnet, jumbo frames
  vmkernel.multihoming.vmknic:
    esxi_hostname: esx01.example.com
    portgroup: vMotion
    ipv4: {address: 10.20.0.11, prefix_length: 24}
    mtu: 9000
    services: [vmotion]

- name: Move vmk2 to the vMotion TCP/IP stack (re-created there)
  vmkernel.multihoming.vmknic:
    esxi_hostname: esx01.example.com
    device: vmk2
    stack: vmotion
    services: []

- name: A vMotion vmknic on a dvPortgroup of distributed switch dvs-Prod
  vmkernel.multihoming.vmknic:
    esxi_hostname: esx01.example.com
    portgroup: dv-vMotion
    switch: dvs-Prod
    ipv4: {address: 10.20.0.11, prefix_length: 24}
    mtu: 9000
    services: [vmotion]

- name: Move vmk1 from its standard port group onto a dvPortgroup
  vmkernel.multihoming.vmknic:
    esxi_hostname: esx01.example.com
    device: vmk1
    portgroup: dv-NFS
    switch: dvs-Prod

- name: Give vmk3 a gateway override
  vmkernel.multihoming.vmknic:
    esxi_hostname: esx01.example.com
    device: vmk3
    gateway: 10.30.0.1

- name: Remove the vmknic of port group NFS-old
  vmkernel.multihoming.vmknic:
    esxi_hostname: esx01.example.com
    portgroup: NFS-old
    state: absent
"""

RETURN = r"""
before:
  description: The vmknic as read (the entry of RV(vmkernel.multihoming.vmknic_info#module:hosts[].vmknics)); null when absent.
  returned: always
  type: dict
  sample: {"device": "vmk1", "portgroup": "vMotion", "stack": "defaultTcpipStack", "mtu": 1500, "services": ["vmotion"]}
commands:
  description: The vSphere calls, in order; a new vmknic's C(device) is the predicted name.
  returned: always
  type: list
  elements: dict
  sample: [{"op": "UpdateVirtualNic", "device": "vmk1", "mtu": 9000, "description": "vmk1: set MTU 9000 (was 1500)"}]
after:
  description:
    - The vmknic as predicted (check mode) or as read back after the calls; null when absent.
    - On a dvPortgroup C(dvs) names the switch UUID and dvPortgroup key; its C(port_key) is null in the
      prediction (vCenter allocates the port) and set as read back.
  returned: always
  type: dict
  sample: {"device": "vmk1", "portgroup": "dv-vMotion", "switch": "dvs-Prod", "switch_type": "distributed",
           "dvs": {"switch_uuid": "50 2a 6c 1d 00 00 00 01-01 4c 61 62 00 00 00 01", "portgroup_key": "dvportgroup-28",
                   "port_key": null}, "stack": "defaultTcpipStack", "mtu": 9000, "services": ["vmotion"]}
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
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._vmknic import SERVICES, VmknicRequest
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule


def main() -> None:
    module = VsphereModule(
        argument_spec=host_change_argument_spec(
            device=dict(type="str"),
            portgroup=dict(type="str"),
            switch=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            stack=dict(type="str"),
            ipv4=dict(type="dict", options=dict(
                address=dict(type="str"),
                netmask=dict(type="str"),
                prefix_length=dict(type="int", aliases=["prefix"]),
                dhcp=dict(type="bool"),
            )),
            mtu=dict(type="int"),
            services=dict(type="list", elements="str", choices=list(SERVICES)),
            gateway=dict(type="str"),
        ),
        required_one_of=[("device", "portgroup")],
        supports_check_mode=True,
    )
    run_host_change(module, VmknicRequest, "manage a vmknic")


if __name__ == "__main__":
    main()
