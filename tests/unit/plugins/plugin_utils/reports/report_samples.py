# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sample data for the report tests: host facts (docs/facts.md) and a hand-made result
(docs/findings.md) that matches them.

The result is written by hand, not computed, so the renderer tests pin the renderers alone and
keep passing whatever the analysis engine's wording; the browser test feeds the same facts
through the real engine.
"""

from __future__ import annotations

import copy


from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding,
    make_host,
    make_iscsi_adapter,
    make_portgroup,
    make_route,
    make_stack,
    make_vmknic,
)


def _host(name, vmknics, *, cluster="Compute-A", datacenter="DC-East", **kwargs):
    return make_host(name, vmknics, cluster=cluster, datacenter=datacenter, ipv6_enabled=True, **kwargs)


def sample_hosts():
    """Six hosts in two datacenters: one of each situation the reports must show."""
    return [
        # Management and vMotion in one subnet: the textbook KB 318546 case.
        _host(
            "esx-a01.lab.example",
            [
                make_vmknic("vmk0", "10.10.1.11/24", portgroup="Management Network", services=["management"],
                            ipv6=["fe80::250:56ff:fe6a:1/64"]),
                make_vmknic("vmk1", "10.10.1.21/24", portgroup="vMotion-A", services=["vmotion"],
                            gateway_override={"ipv4": "10.10.1.254", "ipv6": None}),
                make_vmknic("vmk2", "172.16.20.11/24", portgroup="Provisioning", stack="vSphereProvisioning",
                            services=["vSphereProvisioning"]),
            ],
            portgroups=[
                make_portgroup("Management Network", active=["vmnic0"], standby=["vmnic1"]),
                make_portgroup("Provisioning", active=["vmnic1"], standby=["vmnic0"], vlan=30),
                make_portgroup("vMotion-A", active=["vmnic1"], standby=["vmnic0"]),
            ],
            stacks=[make_stack(default_gateway="10.10.1.1")],
        ),
        # Clean host.
        _host(
            "esx-a02.lab.example",
            [
                make_vmknic("vmk0", "10.10.1.12/24", portgroup="Management Network", services=["management"]),
                make_vmknic("vmk1", "10.10.4.12/24", portgroup="vMotion-A", services=["vmotion"]),
            ],
            portgroups=[
                make_portgroup("Management Network", active=["vmnic0"], standby=["vmnic1"]),
                make_portgroup("vMotion-A", active=["vmnic1"], standby=["vmnic0"], vlan=40),
            ],
            stacks=[make_stack(default_gateway="10.10.1.1")],
        ),
        # Supported designs only: multi-NIC vMotion and compliant iSCSI port binding.
        _host(
            "esx-a03.lab.example",
            [
                make_vmknic("vmk0", "10.10.1.13/24", portgroup="Management Network", services=["management"]),
                make_vmknic("vmk1", "10.10.2.13/24", portgroup="vMotion-1", services=["vmotion"]),
                make_vmknic("vmk2", "10.10.2.23/24", portgroup="vMotion-2", services=["vmotion"]),
                make_vmknic("vmk3", "10.10.3.13/24", portgroup="iSCSI-1", iscsi_bindings=[make_binding("vmhba65")]),
                make_vmknic("vmk4", "10.10.3.23/24", portgroup="iSCSI-2", iscsi_bindings=[make_binding("vmhba65")]),
            ],
            portgroups=[
                make_portgroup("Management Network", active=["vmnic0"], standby=["vmnic1"]),
                make_portgroup("iSCSI-1", active=["vmnic2"], unused=["vmnic3"], vlan=50),
                make_portgroup("iSCSI-2", active=["vmnic3"], unused=["vmnic2"], vlan=50),
                make_portgroup("vMotion-1", active=["vmnic0"], standby=["vmnic1"], vlan=20),
                make_portgroup("vMotion-2", active=["vmnic1"], standby=["vmnic0"], vlan=20),
            ],
            stacks=[make_stack(default_gateway="10.10.1.1")],
            iscsi_adapters=[make_iscsi_adapter("vmhba65", ["vmk3", "vmk4"])],
            software_iscsi_enabled=True,
        ),
        # vSAN, NFS and replication share a subnet; management and vSAN share an IPv6 /64.
        _host(
            "esx-b01.lab.example",
            [
                make_vmknic("vmk0", "10.20.1.11/24", portgroup="Management Network", services=["management"],
                            ipv6=["2001:db8:20::11/64"]),
                make_vmknic("vmk1", "10.20.2.11/24", portgroup="vSAN", services=["vsan"], ipv6=["2001:db8:20::21/64"]),
                make_vmknic("vmk2", "10.20.2.31/24", portgroup="NFS"),
                make_vmknic("vmk3", "10.20.2.41/24", portgroup="Replication", services=["vSphereReplication"]),
            ],
            cluster="Storage-B",
            portgroups=[
                make_portgroup("Management Network", active=["vmnic0"], standby=["vmnic1"]),
                make_portgroup("NFS", active=["vmnic1"], standby=["vmnic0"], vlan=60),
                make_portgroup("Replication", active=["vmnic1"], standby=["vmnic0"], vlan=60),
                make_portgroup("vSAN", active=["vmnic1"], standby=["vmnic0"], vlan=60),
            ],
            # IPv4 connected routes only: the host reports no IPv6 route for the shared /64.
            stacks=[make_stack(default_gateway="10.20.1.1", routes=[
                make_route("10.20.1.0/24", "vmk0"), make_route("10.20.2.0/24", "vmk1"),
                make_route("10.20.2.0/24", "vmk2"), make_route("10.20.2.0/24", "vmk3"),
            ])],
        ),
        # Not responding: nothing to audit.
        _host("esx-b02.lab.example", [], cluster="Storage-B", config_available=False),
        # Standalone host with a wrong netmask and an NSX-owned vmknic.
        _host(
            "esx-w01.lab.example",
            [
                make_vmknic("vmk0", "10.30.0.10/16", portgroup="Management Network", services=["management"]),
                make_vmknic("vmk1", "10.30.5.10/24", portgroup="vSAN", services=["vsan"]),
                make_vmknic("vmk10", "192.168.250.10/24", portgroup="nsx-vtep", stack="vxlan", owner="NSX"),
            ],
            cluster=None,
            datacenter="DC-West",
            portgroups=[
                make_portgroup("Management Network", active=["vmnic0"]),
                make_portgroup("nsx-vtep", active=["vmnic1"], vlan=250),
                make_portgroup("vSAN", active=["vmnic0"]),
            ],
            stacks=[make_stack(default_gateway="10.30.0.1")],
        ),
    ]


_KB = "VMware KB 318546"


def finding(rule, severity, host_name, message, *, cluster="Compute-A", datacenter="DC-East", stack="defaultTcpipStack",
            family="ipv4", subnet=None, vmknics=(), route_owner=None, misrouted=(), evidence=None, allowed=None,
            remediation="Give each vmknic on this stack its own subnet.", reference=_KB):
    return {
        "rule": rule,
        "severity": severity,
        "host": host_name,
        "datacenter": datacenter,
        "cluster": cluster,
        "stack": stack,
        "family": family,
        "subnet": subnet,
        "vmknics": list(vmknics),
        "route_owner": route_owner,
        "misrouted": [{"vmknic": v, "services": list(s)} for v, s in misrouted],
        "message": message,
        "evidence": evidence or {},
        "reference": reference,
        "remediation": remediation,
        "allowed": allowed,
        "id": "%s:%s:%s" % (rule, host_name, ",".join(vmknics)),
    }


def sample_result():
    """A hand-made analyse() result for sample_hosts(), with report metadata."""
    findings = [
        finding("management-shares-subnet", "error", "esx-a01.lab.example",
                "vmk0 (management) shares 10.10.1.0/24 with vmk1 (vMotion) on defaultTcpipStack; "
                "vMotion traffic leaves through vmk0",
                subnet="10.10.1.0/24", vmknics=["vmk0", "vmk1"], route_owner="vmk0",
                misrouted=[("vmk1", ["vmotion"])],
                evidence={"addresses": {"vmk0": "10.10.1.11/24", "vmk1": "10.10.1.21/24"}},
                remediation="Move the other vmknics off the management subnet first."),
        finding("ipv4-same-subnet", "error", "esx-b01.lab.example",
                "vmk1 (vSAN), vmk2 and vmk3 (vSphere Replication) share 10.20.2.0/24 on defaultTcpipStack; "
                "NFS and replication traffic leaves through vmk1",
                cluster="Storage-B", subnet="10.20.2.0/24", vmknics=["vmk1", "vmk2", "vmk3"], route_owner="vmk1",
                misrouted=[("vmk2", []), ("vmk3", ["vSphereReplication"])]),
        finding("management-shares-subnet", "error", "esx-b01.lab.example",
                "management vmknic vmk0 shares 2001:db8:20::/64 on defaultTcpipStack with vmk1 (vSAN)",
                cluster="Storage-B", family="ipv6", subnet="2001:db8:20::/64", vmknics=["vmk0", "vmk1"],
                route_owner=None),
        finding("ipv4-overlapping-subnet", "error", "esx-w01.lab.example",
                "vmk1 (10.30.5.0/24) lies inside vmk0's 10.30.0.0/16 on defaultTcpipStack",
                cluster=None, datacenter="DC-West", subnet="10.30.0.0/16", vmknics=["vmk0", "vmk1"],
                route_owner="vmk0", evidence={"prefixes": {"vmk0": "10.30.0.0/16", "vmk1": "10.30.5.0/24"}}),
        finding("host-not-audited", "warning", "esx-b02.lab.example",
                "esx-b02.lab.example is notResponding; its network configuration was not audited",
                cluster="Storage-B", stack=None, family=None, evidence={"connection_state": "notResponding"},
                remediation="Reconnect the host to vCenter and run the audit again.",
                reference="vSphere API HostSystem.runtime.connectionState"),
        finding("gateway-override-ineffective", "info", "esx-a01.lab.example",
                "vmk1 overrides its ipv4 gateway (10.10.1.254) but shares 10.10.1.0/24 with vmk0",
                subnet="10.10.1.0/24", vmknics=["vmk1"], route_owner="vmk0"),
        finding("iscsi-binding-compliant", "info", "esx-a03.lab.example",
                "vmk3 and vmk4 share 10.10.3.0/24 with compliant iSCSI port binding to vmhba65",
                subnet="10.10.3.0/24", vmknics=["vmk3", "vmk4"], route_owner="vmk3",
                remediation="Nothing to fix: supported iSCSI port binding."),
        finding("multi-nic-vmotion", "info", "esx-a03.lab.example",
                "vmk1 and vmk2 form a multi-NIC vMotion group in 10.10.2.0/24",
                subnet="10.10.2.0/24", vmknics=["vmk1", "vmk2"], route_owner="vmk1",
                remediation="Nothing to fix: supported multi-NIC vMotion."),
        finding("system-owned-vmknic", "info", "esx-w01.lab.example",
                "vmk10 is owned by NSX and is excluded from the multi-homing audit",
                cluster=None, datacenter="DC-West", stack="vxlan", family=None, vmknics=["vmk10"],
                remediation="Nothing to fix here."),
    ]
    by_rule = {}
    for f in findings:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    return {
        "run": {
            "generated": "2026-03-01T12:00:00Z",
            "vcenter": "vcenter.lab.example",
            "scope": "every host of the vCenter",
            "collection_version": "0.1.0",
            "ansible_version": "2.16.19",
        },
        "findings": findings,
        "summary": {
            "error": 4,
            "warning": 1,
            "info": 4,
            "hosts_total": 6,
            "hosts_audited": 5,
            "hosts_not_audited": 1,
            "hosts_with_errors": 3,
            "by_rule": by_rule,
        },
    }


def sample_previous(result):
    """The result of an earlier run: without the first finding of ``result`` (so that one is new
    now) and with a finding on esx-a02 that is gone now (resolved: the host was audited again)."""
    before = clone(result)
    before["findings"] = before["findings"][1:] + [
        finding("ipv4-same-subnet", "error", "esx-a02.lab.example", "vmk1 and vmk2 share 10.10.9.0/24 on defaultTcpipStack",
                subnet="10.10.9.0/24", vmknics=["vmk1", "vmk2"], route_owner="vmk1"),
    ]
    before["run"] = dict(before["run"], generated="2026-02-22T12:00:00Z")
    return before


def clone(value):
    return copy.deepcopy(value)
