#!/usr/bin/python
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vmknic_info
short_description: Gather VMkernel adapter facts of many ESXi hosts in one bulk read
version_added: 0.1.0
description:
  - Reads the VMkernel adapters (vmknics), port groups, TCP/IP stacks and routes, services and
    iSCSI port bindings of every ESXi host in scope.
  - All hosts are read with one paged PropertyCollector retrieval, not host by host, so a vCenter
    with a thousand hosts answers in seconds. iSCSI bindings need one C(QueryBoundVnics) call per
    iSCSI adapter that can bind and is enabled.
  - The same retrieval reads every distributed switch and dvPortgroup of the datacenters in scope
    once, not once per host. A vmknic on a distributed switch is reported with the switch name and UUID, the dvPortgroup's
    name and key, its port key, the dvPortgroup's VLAN (an id, trunked ranges or a private VLAN)
    and its teaming, as uplink names and as the host's physical NICs behind them. The teaming is
    the dvPortgroup's default port configuration; per-port overrides are not read.
  - The pages of that retrieval are parsed by the collection itself (the standard library's C XML
    parser, typed by pyVmomi's own type metadata), several times faster than pyVmomi's parser. If a
    reply holds anything this parser does not understand, the read is repeated with pyVmomi and a
    warning says so; the facts are the same either way.
  - Hosts that are not connected are listed with their connection state and no configuration;
    they never fail the module.
  - The result is plain data in the model described in the collection's C(docs/facts.md); the
    M(vmkernel.multihoming.vmknic_audit) module and the P(vmkernel.multihoming.vmknic_findings#filter)
    filter analyse it.
author:
  - vmkernel.multihoming contributors (@vmkernel)
extends_documentation_fragment:
  - vmkernel.multihoming.attributes
  - vmkernel.multihoming.attributes.read_only
  - vmkernel.multihoming.connection
  - vmkernel.multihoming.scope
"""

EXAMPLES = r"""
- name: Gather vmknic facts of a whole vCenter (connection from VMWARE_* variables)
  vmkernel.multihoming.vmknic_info:
  register: vmknics

- name: Gather one cluster
  vmkernel.multihoming.vmknic_info:
    hostname: vcenter.example.com
    username: auditor@vsphere.local
    password: "{{ vcenter_password }}"
    datacenter: DC1
    clusters: [Compute-A]
  register: vmknics

- name: List every vmknic with its subnet
  ansible.builtin.debug:
    msg: "{{ item.0.name }} {{ item.1.device }} {{ item.1.ipv4.network | default('-') }} {{ item.1.stack }}"
  loop: "{{ vmknics.hosts | subelements('vmknics') }}"
"""

RETURN = r"""
hosts:
  description:
    - One entry per host in scope, sorted by name. The full model is in C(docs/facts.md).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The host's name in vCenter.
      type: str
      sample: 10.10.0.11
    moid:
      description: Managed object id of the host.
      type: str
      sample: host-21
    datacenter:
      description: Datacenter of the host.
      type: str
      sample: DC0
    cluster:
      description: Cluster of the host; null for a standalone host.
      type: str
      sample: C0
    connection_state:
      description: V(connected), V(notResponding) or V(disconnected).
      type: str
      sample: connected
    maintenance_mode:
      description: Whether the host is in maintenance mode.
      type: bool
      sample: false
    config_available:
      description:
        - False when the host is not connected; its vmknics, port groups, stacks and adapters are then empty.
      type: bool
      sample: true
    management:
      description: The address vCenter uses to reach the host, the vmknic holding it, and how it was found.
      type: dict
      sample: {"address": "10.10.0.11", "vmknic": "vmk0", "source": "name"}
    ipv6_enabled:
      description: Whether IPv6 is enabled on the host.
      type: bool
      sample: true
    software_iscsi_enabled:
      description: Whether the software iSCSI adapter is enabled.
      type: bool
      sample: false
    vcenter_address:
      description: vCenter's own address as the host knows it (C(summary.managementServerIp)).
      type: str
      sample: 10.10.0.10
    pnics:
      description: The host's physical NICs and whether they have link; empty when the host is not connected.
      type: list
      elements: dict
      sample: [{"device": "vmnic0", "link": true}]
    errors:
      description: What could not be read for this host; the rest of its facts are valid.
      type: list
      elements: str
      sample: []
    vmknics:
      description: The host's VMkernel adapters, sorted by device number.
      type: list
      elements: dict
      sample:
        - device: vmk1
          key: key-vim.host.VirtualNic-vmk1
          portgroup: vMotion
          switch: vSwitch0
          switch_type: standard
          dvs: null
          stack: defaultTcpipStack
          mac: "00:50:56:6a:01:01"
          mtu: 9000
          ipv4: {"address": "10.10.0.111", "netmask": "255.255.248.0", "prefix_length": 21, "network": "10.10.0.0/21", "dhcp": false}
          ipv6: {"autoconf": false, "dhcp": false, "addresses": []}
          services: [vmotion]
          gateway_override: null
          iscsi_bindings: []
          owner: null
          system_owned: false
        - device: vmk2
          key: key-vim.host.VirtualNic-vmk2
          portgroup: dv-iSCSI-A
          switch: dvs-Storage
          switch_type: distributed
          dvs: {"switch_uuid": "50 2e 7a 11 9c 3d 44 01-8b 52 6f 0e 21 aa 90 17", "portgroup_key": "dvportgroup-31", "port_key": "12"}
          stack: defaultTcpipStack
          mac: "00:50:56:6a:01:02"
          mtu: 9000
          ipv4: {"address": "10.40.0.11", "netmask": "255.255.255.0", "prefix_length": 24, "network": "10.40.0.0/24", "dhcp": false}
          ipv6: {"autoconf": false, "dhcp": false, "addresses": []}
          services: []
          gateway_override: null
          iscsi_bindings: [{"adapter": "vmhba65", "compliant": true, "compliance_reasons": [], "path_status": "active"}]
          owner: null
          system_owned: false
    portgroups:
      description:
        - Port groups of the host's standard switches and the distributed port groups its vmknics use.
        - C(teaming) lists the host's vmnics. A distributed port group also has C(switch_uuid),
          C(vlan_spec) (C(type) V(vlan), V(trunk) or V(pvlan), with C(vlan_id), C(ranges) or C(pvlan_id)),
          C(uplinks) (the uplink names in each role) and C(uplink_pnics) (uplink name to this host's
          vmnic, null when the host backs that uplink with none). Its C(vlan) is null for a trunk or
          private VLAN, and its C(teaming) is null when the dvPortgroup could not be read or has no uplink teaming order (C(errors) says so).
      type: list
      elements: dict
      sample:
        - name: vMotion
          switch: vSwitch0
          switch_type: standard
          key: null
          vlan: 20
          teaming: {"active": ["vmnic1"], "standby": ["vmnic0"], "unused": ["vmnic2", "vmnic3"]}
        - name: dv-iSCSI-A
          switch: dvs-Storage
          switch_type: distributed
          key: dvportgroup-31
          vlan: 40
          teaming: {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"]}
          switch_uuid: "50 2e 7a 11 9c 3d 44 01-8b 52 6f 0e 21 aa 90 17"
          vlan_spec: {"type": "vlan", "vlan_id": 40, "ranges": null, "pvlan_id": null}
          uplinks: {"active": ["Uplink 1"], "standby": [], "unused": ["Uplink 2", "Uplink 3", "Uplink 4"]}
          uplink_pnics: {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3", "Uplink 3": null, "Uplink 4": null}
    stacks:
      description: TCP/IP stacks with their gateways and routes, in the host's route order.
      type: list
      elements: dict
      sample:
        - key: defaultTcpipStack
          name: defaultTcpipStack
          default_gateway: 10.10.0.1
          ipv6_default_gateway: null
          routes:
            - {"family": "ipv4", "network": "10.10.0.0/21", "gateway": "0.0.0.0", "device": "vmk0", "connected": true}
    iscsi_adapters:
      description: iSCSI adapters and the vmknics bound to them (null when not queried).
      type: list
      elements: dict
      sample:
        - {"device": "vmhba65", "software": true, "binding_support": "optional", "bound_vmknics": ["vmk2", "vmk3"]}
"""

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule, scope_argument_spec


def main() -> None:
    module = VsphereModule(argument_spec=scope_argument_spec(), supports_check_mode=True)
    module.run(lambda: dict(changed=False, hosts=module.read_scope("read vmknic facts")))


if __name__ == "__main__":
    main()
