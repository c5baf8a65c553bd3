# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table of analysis cases: hosts in, the exact findings out (see test_audit.py)."""

from __future__ import annotations

from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding,
    make_host,
    make_ipv6,
    make_ipv6_address,
    make_portgroup,
    make_route,
    make_stack,
    make_vmknic,
)

D = "defaultTcpipStack"
SEVERITY = {
    "ipv4-same-subnet": "error", "ipv4-overlapping-subnet": "error", "ipv6-same-prefix": "error",
    "management-shares-subnet": "error", "dhcp-multiple-vmknics": "warning",
    "iscsi-binding-compliant": "info", "iscsi-binding-noncompliant": "error",
    "multi-nic-vmotion": "info", "system-owned-vmknic": "info",
    "gateway-override-ineffective": "info", "host-not-audited": "warning",
}


def F(rule, vmknics=(), subnet=None, owner=None, misrouted=None, *, stack=D, family="auto",
      severity=None, host="esx01", message=None):
    """The projection of one expected finding; `misrouted` as {vmknic: [services]}."""
    if family == "auto":
        family = None if subnet is None else ("ipv6" if ":" in subnet else "ipv4")
    expected = {
        "rule": rule, "severity": severity or SEVERITY[rule], "host": host, "stack": stack,
        "family": family, "subnet": subnet, "vmknics": list(vmknics), "route_owner": owner,
        "misrouted": [{"vmknic": v, "services": s} for v, s in (misrouted or {}).items()],
    }
    if message is not None:
        expected["message_contains"] = message
    return expected


def H(*vmknics, **kwargs):
    """A host `esx01` whose management vmknic is vmk0 on 192.168.0.10/24 (unless replaced)."""
    nics = list(vmknics)
    if not any(n["device"] == "vmk0" for n in nics) and kwargs.pop("with_vmk0", True):
        nics.insert(0, make_vmknic("vmk0", "192.168.0.10/24", services=["management"]))
    return make_host(kwargs.pop("name", "esx01"), nics, **kwargs)


V = make_vmknic
one_active = {  # port groups with one active uplink each, all others unused (iSCSI style)
    "pg-vmk1": make_portgroup("pg-vmk1", active=["vmnic2"], unused=["vmnic3"]),
    "pg-vmk2": make_portgroup("pg-vmk2", active=["vmnic3"], unused=["vmnic2"]),
}


def pgs(**teaming):
    """Port groups pg-<vmk> with the given (active, standby) tuples."""
    return [make_portgroup(f"pg-{vmk}", active=a, standby=s) for vmk, (a, s) in teaming.items()]


def iscsi_host(vmk1=None, vmk2=None, portgroups=None, **kwargs):
    vmk1 = vmk1 if vmk1 is not None else [make_binding()]
    vmk2 = vmk2 if vmk2 is not None else [make_binding()]
    return [H(
        V("vmk1", "10.40.0.11/24", iscsi_bindings=vmk1),
        V("vmk2", "10.40.0.12/24", iscsi_bindings=vmk2),
        portgroups=portgroups if portgroups is not None else list(one_active.values()), **kwargs,
    )]


ISCSI = "10.40.0.0/24"
VMO = "10.50.0.0/24"

CASES = [
    # ---------------------------------------------------------------- ipv4-same-subnet
    dict(id="v4-same-subnet-two", hosts=[H(
        V("vmk1", "10.0.1.11/24", services=["vmotion"]),
        V("vmk2", "10.0.1.12/24", services=["vsan"]),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk1", {"vmk2": ["vsan"]},
                    message="vmk1 (vmotion) and vmk2 (vsan) share 10.0.1.0/24 on defaultTcpipStack; "
                            "the stack routes that subnet through vmk1, so vSAN traffic of vmk2 leaves "
                            "through vmk1")]),
    dict(id="v4-route-order-decides-owner", hosts=[H(
        V("vmk1", "10.0.1.11/24", services=["vmotion"]),
        V("vmk2", "10.0.1.12/24", services=["vsan"]),
        stacks=[make_stack(D, [make_route("10.0.1.0/24", "vmk2"), make_route("10.0.1.0/24", "vmk1"),
                               make_route("192.168.0.0/24", "vmk0")])],
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk2", {"vmk1": ["vmotion"]})]),
    dict(id="v4-no-connected-route-owner-unknown", hosts=[H(
        V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"),
        stacks=[make_stack(D, [make_route("0.0.0.0/0", None, gateway="192.168.0.1"),
                               make_route("10.0.1.0/24", "vmk1", gateway="10.0.1.254")])],
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", None, {},
                    message="does not show which")]),
    dict(id="v4-three-members-vmk-number-order", hosts=[H(
        V("vmk10", "10.0.1.10/24", services=["faultToleranceLogging"]),
        V("vmk2", "10.0.1.2/24", services=["vmotion"]),
        V("vmk9", "10.0.1.9/24"),
    )], findings=[F("ipv4-same-subnet", ["vmk2", "vmk9", "vmk10"], "10.0.1.0/24", "vmk10",
                    {"vmk2": ["vmotion"], "vmk9": []})]),
    dict(id="v4-same-subnet-different-stacks-is-fine", hosts=[H(
        V("vmk1", "10.0.1.11/24", services=["vsan"]),
        V("vmk2", "10.0.1.12/24", stack="vmotion"),
        V("vmk3", "10.0.1.13/24", stack="vSphereProvisioning"),
    )], findings=[]),
    dict(id="v4-different-subnets-is-fine", hosts=[H(
        V("vmk1", "10.0.1.11/24", services=["vmotion"]),
        V("vmk2", "10.0.2.12/24", services=["vsan"]),
        V("vmk3", "10.0.3.13/25"), V("vmk4", "10.0.3.200/25"),
    )], findings=[]),
    dict(id="v4-no-address-skipped", hosts=[H(
        V("vmk1", "10.0.1.11/24"), V("vmk2", None), V("vmk3", None, dhcp=True),
    )], findings=[]),
    dict(id="v4-provisioning-stack-same-subnet", hosts=[H(
        V("vmk1", "10.0.1.11/24", stack="vSphereProvisioning"),
        V("vmk2", "10.0.1.12/24", stack="vSphereProvisioning"),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk1",
                    {"vmk2": ["vSphereProvisioning"]}, stack="vSphereProvisioning")]),
    dict(id="v4-two-hosts-independent", hosts=[
        H(V("vmk1", "10.0.1.11/24"), name="esx02"),
        H(V("vmk1", "10.0.1.12/24"), name="esx01"),
    ], findings=[]),

    # ---------------------------------------------------------------- ipv4-overlapping-subnet
    dict(id="v4-overlap-24-in-16", hosts=[H(
        V("vmk1", "10.20.0.5/16", services=["vsan"]),
        V("vmk2", "10.20.1.5/24", services=["vmotion"]),
    )], findings=[F("ipv4-overlapping-subnet", ["vmk1", "vmk2"], "10.20.0.0/16", "vmk1", {"vmk1": ["vsan"]},
                    message="longest-prefix match sends 10.20.1.0/24 through vmk2 and 10.20.0.0/16 "
                            "(the rest) through vmk1, so vSAN traffic of vmk1 leaves through vmk2 for "
                            "10.20.1.0/24")]),
    dict(id="v4-overlap-nested-three-one-finding", hosts=[H(
        V("vmk1", "10.20.0.5/16"), V("vmk2", "10.20.0.6/20"), V("vmk3", "10.20.1.5/24"),
    )], findings=[F("ipv4-overlapping-subnet", ["vmk1", "vmk2", "vmk3"], "10.20.0.0/16", "vmk1",
                    {"vmk1": [], "vmk2": []})]),
    dict(id="v4-overlap-plus-same-subnet", hosts=[H(
        V("vmk1", "10.20.0.5/16"), V("vmk2", "10.20.1.5/24"), V("vmk3", "10.20.1.6/24"),
    )], findings=[
        F("ipv4-overlapping-subnet", ["vmk1", "vmk2", "vmk3"], "10.20.0.0/16", "vmk1", {"vmk1": []}),
        F("ipv4-same-subnet", ["vmk2", "vmk3"], "10.20.1.0/24", "vmk2", {"vmk3": []}),
    ]),
    dict(id="v4-adjacent-prefixes-no-overlap", hosts=[H(
        V("vmk1", "10.20.0.5/25"), V("vmk2", "10.20.0.200/25"), V("vmk3", "10.20.1.5/24"),
    )], findings=[]),
    dict(id="v4-overlap-across-stacks-is-fine", hosts=[H(
        V("vmk1", "10.20.0.5/16"), V("vmk2", "10.20.1.5/24", stack="vmotion"),
    )], findings=[]),

    # ---------------------------------------------------------------- ipv6-same-prefix
    dict(id="v6-manual-same-prefix", hosts=[H(
        V("vmk1", ipv6=["2001:db8:1::11/64"], services=["vmotion"]),
        V("vmk2", ipv6=["2001:db8:1::12/64"], services=["vsan"]),
    )], findings=[F("ipv6-same-prefix", ["vmk1", "vmk2"], "2001:db8:1::/64", "vmk1", {"vmk2": ["vsan"]})]),
    dict(id="v6-slaac-counts", hosts=[H(
        V("vmk1", "10.0.1.11/24", ipv6=make_ipv6([
            make_ipv6_address("fe80::250:56ff:fe00:1/64", origin="other"),
            make_ipv6_address("2001:db8:5::250:56ff:fe00:1/64", origin="linklayer")], autoconf=True)),
        V("vmk2", "10.0.2.12/24", ipv6=make_ipv6([
            make_ipv6_address("fe80::250:56ff:fe00:2/64", origin="other"),
            make_ipv6_address("2001:db8:5::250:56ff:fe00:2/64", origin="linklayer")], autoconf=True)),
    )], findings=[F("ipv6-same-prefix", ["vmk1", "vmk2"], "2001:db8:5::/64", "vmk1", {"vmk2": []})]),
    dict(id="v6-link-local-ignored", hosts=[H(
        V("vmk1", "10.0.1.11/24", ipv6=make_ipv6([make_ipv6_address("fe80::1/64", origin="other")])),
        V("vmk2", "10.0.2.12/24", ipv6=make_ipv6([make_ipv6_address("fe80::2/64", origin="other")])),
    )], findings=[]),
    dict(id="v6-different-prefixes-fine", hosts=[H(
        V("vmk1", ipv6=["2001:db8:1::11/64"]), V("vmk2", ipv6=["2001:db8:2::12/64"]),
    )], findings=[]),
    dict(id="v6-two-addresses-one-prefix-same-vmknic", hosts=[H(
        V("vmk1", ipv6=make_ipv6([make_ipv6_address("2001:db8:1::11/64"),
                                  make_ipv6_address("2001:db8:1::abcd/64", origin="linklayer")])),
    )], findings=[]),
    dict(id="v6-same-prefix-different-stacks-fine", hosts=[H(
        V("vmk1", ipv6=["2001:db8:1::11/64"]), V("vmk2", ipv6=["2001:db8:1::12/64"], stack="vmotion"),
    )], findings=[]),
    dict(id="v4-and-v6-both-shared", hosts=[H(
        V("vmk1", "10.0.1.11/24", ipv6=["2001:db8:1::11/64"]),
        V("vmk2", "10.0.1.12/24", ipv6=["2001:db8:1::12/64"]),
    )], findings=[
        F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk1", {"vmk2": []}),
        F("ipv6-same-prefix", ["vmk1", "vmk2"], "2001:db8:1::/64", "vmk1", {"vmk2": []}),
    ]),

    # ---------------------------------------------------------------- management-shares-subnet
    dict(id="mgmt-shares-subnet", hosts=[H(
        V("vmk0", "10.10.0.11/21", services=["management"]),
        V("vmk1", "10.10.0.12/21", services=["vmotion"]),
    )], findings=[F("management-shares-subnet", ["vmk0", "vmk1"], "10.10.0.0/21", "vmk0",
                    {"vmk1": ["vmotion"]},
                    message="vmk0 (management) and vmk1 (vmotion) share 10.10.0.0/21 on defaultTcpipStack; "
                            "the stack routes that subnet through vmk0, so vMotion traffic of vmk1 leaves "
                            "through vmk0")]),
    dict(id="mgmt-fallback-by-address", hosts=[H(
        V("vmk3", "10.10.0.11/24", services=["management"]),
        V("vmk4", "10.10.0.12/24", services=["management"]),
        management={"address": "10.10.0.12", "vmknic": None, "source": "dns"}, with_vmk0=False,
    )], findings=[F("management-shares-subnet", ["vmk3", "vmk4"], "10.10.0.0/24", "vmk3",
                    {"vmk4": ["management"]}, message="vmk4 is the vmknic vCenter uses")]),
    dict(id="mgmt-tag-without-vcenter-address-is-generic", hosts=[H(
        V("vmk3", "10.10.0.11/24", services=["management"]),
        V("vmk4", "10.10.0.12/24", services=["management"]),
        management={"address": "10.99.0.1", "vmknic": None}, with_vmk0=False,
    )], findings=[F("ipv4-same-subnet", ["vmk3", "vmk4"], "10.10.0.0/24", "vmk3", {"vmk4": ["management"]})]),
    dict(id="mgmt-ipv6", hosts=[H(
        V("vmk0", ipv6=["2001:db8:9::10/64"], services=["management"]),
        V("vmk1", ipv6=["2001:db8:9::11/64"]),
        management={"address": "2001:db8:9::10", "vmknic": "vmk0", "source": "name"},
    )], findings=[F("management-shares-subnet", ["vmk0", "vmk1"], "2001:db8:9::/64", "vmk0", {"vmk1": []})]),
    dict(id="mgmt-beats-vmotion-and-iscsi", hosts=[H(
        V("vmk0", "10.50.0.10/24", services=["management", "vmotion"], iscsi_bindings=[make_binding()]),
        V("vmk1", "10.50.0.11/24", services=["vmotion"], iscsi_bindings=[make_binding()]),
    )], findings=[F("management-shares-subnet", ["vmk0", "vmk1"], VMO, "vmk0", {"vmk1": ["vmotion"]})]),
    dict(id="mgmt-alone-is-fine", hosts=[H(V("vmk1", "10.10.1.11/24"))], findings=[]),

    # ---------------------------------------------------------------- dhcp-multiple-vmknics
    dict(id="dhcp-two-leases-different-subnets", hosts=[H(
        V("vmk1", "10.0.1.11/24", dhcp=True), V("vmk2", "10.0.2.12/24", dhcp=True),
    )], findings=[F("dhcp-multiple-vmknics", ["vmk1", "vmk2"], family="ipv4")]),
    dict(id="dhcp-same-subnet-leases", hosts=[H(
        V("vmk1", "10.0.1.11/24", dhcp=True), V("vmk2", "10.0.1.12/24", dhcp=True),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk1", {"vmk2": []}),
                  F("dhcp-multiple-vmknics", ["vmk1", "vmk2"], family="ipv4")]),
    dict(id="dhcp-no-lease-still-counts", hosts=[H(
        V("vmk1", None, dhcp=True), V("vmk2", None, dhcp=True),
    )], findings=[F("dhcp-multiple-vmknics", ["vmk1", "vmk2"], family="ipv4")]),
    dict(id="dhcp-v4-and-dhcpv6-mixed-family", hosts=[H(
        V("vmk1", None, dhcp=True), V("vmk2", "10.0.2.12/24", ipv6=make_ipv6(dhcp=True)),
    )], findings=[F("dhcp-multiple-vmknics", ["vmk1", "vmk2"], family=None)]),
    dict(id="dhcp-one-per-stack-fine", hosts=[H(
        V("vmk1", None, dhcp=True), V("vmk2", None, dhcp=True, stack="vmotion"),
    )], findings=[]),
    dict(id="dhcp-single-fine", hosts=[H(V("vmk1", "10.0.1.11/24", dhcp=True))], findings=[]),

    # ---------------------------------------------------------------- iSCSI port binding
    dict(id="iscsi-compliant", hosts=iscsi_host(),
         findings=[F("iscsi-binding-compliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {},
                     message="all bound to vmhba64, each with its own single active uplink (vmnic2, vmnic3)")]),
    dict(id="iscsi-two-active-uplinks", hosts=iscsi_host(portgroups=[
        make_portgroup("pg-vmk1", active=["vmnic2", "vmnic3"]), one_active["pg-vmk2"]]),
        findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                    message="vmk1: 2 active uplinks (vmnic2, vmnic3)")]),
    dict(id="iscsi-standby-not-allowed", hosts=iscsi_host(portgroups=[
        make_portgroup("pg-vmk1", active=["vmnic2"], standby=["vmnic3"]), one_active["pg-vmk2"]]),
        findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                    message="vmk1: standby uplinks (vmnic3) not allowed")]),
    dict(id="iscsi-no-active-uplink", hosts=iscsi_host(portgroups=[
        make_portgroup("pg-vmk1", active=[], unused=["vmnic2", "vmnic3"]), one_active["pg-vmk2"]]),
        findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                    message="vmk1: no active uplink")]),
    dict(id="iscsi-shared-uplink", hosts=iscsi_host(portgroups=[
        make_portgroup("pg-vmk1", active=["vmnic2"]), make_portgroup("pg-vmk2", active=["vmnic2"])]),
        findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                    message="vmk1: shares active uplink vmnic2 with vmk2; vmk2: shares active uplink "
                            "vmnic2 with vmk1")]),
    dict(id="iscsi-partly-bound", hosts=iscsi_host(vmk2=[]),
         findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                     message="non-compliant iSCSI port binding: vmk2: not bound to any iSCSI adapter")]),
    dict(id="iscsi-different-adapters", hosts=iscsi_host(vmk2=[make_binding("vmhba65")]),
         findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                     message="vmk1: bound to vmhba64, but the bound vmknics share no adapter; "
                             "vmk2: bound to vmhba65, but the bound vmknics share no adapter")]),
    dict(id="iscsi-esxi-reports-fault", hosts=iscsi_host(
        vmk1=[make_binding(compliant=False, reasons=["IscsiFaultVnicHasWrongUplink"])]),
        findings=[F("iscsi-binding-noncompliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {"vmk2": []},
                    message="vmk1: ESXi reports IscsiFaultVnicHasWrongUplink on vmhba64")]),
    dict(id="iscsi-two-adapters-one-common-is-compliant", hosts=iscsi_host(
        vmk1=[make_binding("vmhba64"), make_binding("vmhba65")]),
        findings=[F("iscsi-binding-compliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {})]),
    dict(id="iscsi-bound-alone-no-finding", hosts=[H(
        V("vmk1", "10.40.0.11/24", iscsi_bindings=[make_binding()]),
        V("vmk2", "10.41.0.12/24", iscsi_bindings=[make_binding()]),
    )], findings=[]),

    # ---------------------------------------------------------------- multi-NIC vMotion
    dict(id="vmotion-default-stack-standby-allowed", hosts=[H(
        V("vmk1", "10.50.0.11/24", services=["vmotion"]), V("vmk2", "10.50.0.12/24", services=["vmotion"]),
        portgroups=pgs(vmk1=(["vmnic2"], ["vmnic3"]), vmk2=(["vmnic3"], ["vmnic2"])),
    )], findings=[F("multi-nic-vmotion", ["vmk1", "vmk2"], VMO, "vmk1", {},
                    message="carry only vMotion, each port group with one active uplink (vmnic2, vmnic3)")]),
    dict(id="vmotion-stack-untagged", hosts=[H(
        V("vmk1", "10.50.0.11/24", stack="vmotion"), V("vmk2", "10.50.0.12/24", stack="vmotion"),
        portgroups=pgs(vmk1=(["vmnic2"], []), vmk2=(["vmnic3"], [])),
    )], findings=[F("multi-nic-vmotion", ["vmk1", "vmk2"], VMO, "vmk1", {}, stack="vmotion")]),
    dict(id="vmotion-with-other-service-is-error", hosts=[H(
        V("vmk1", "10.50.0.11/24", services=["vmotion"]),
        V("vmk2", "10.50.0.12/24", services=["vmotion", "vsan"]),
        portgroups=pgs(vmk1=(["vmnic2"], []), vmk2=(["vmnic3"], [])),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], VMO, "vmk1", {"vmk2": ["vmotion", "vsan"]},
                    message="multi-NIC vMotion groups must carry only vMotion (vmk2 carries vMotion and vSAN)")]),
    dict(id="vmotion-several-active-uplinks-is-error", hosts=[H(
        V("vmk1", "10.50.0.11/24", services=["vmotion"]), V("vmk2", "10.50.0.12/24", services=["vmotion"]),
        portgroups=pgs(vmk1=(["vmnic2", "vmnic3"], []), vmk2=(["vmnic3"], [])),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], VMO, "vmk1", {"vmk2": ["vmotion"]},
                    message="multi-NIC vMotion needs exactly one active uplink per port group "
                            "(pg-vmk1 of vmk1 has 2 active uplinks (vmnic2, vmnic3))")]),
    dict(id="vmotion-plus-untagged-is-error", hosts=[H(
        V("vmk1", "10.50.0.11/24", services=["vmotion"]), V("vmk2", "10.50.0.12/24", services=["vmotion"]),
        V("vmk3", "10.50.0.13/24"),
        portgroups=pgs(vmk1=(["vmnic2"], []), vmk2=(["vmnic3"], [])),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2", "vmk3"], VMO, "vmk1",
                    {"vmk2": ["vmotion"], "vmk3": []}, message="(vmk3 carries untagged traffic)")]),

    # ---------------------------------------------------------------- system-owned-vmknic
    dict(id="system-owned-excluded", hosts=[H(
        V("vmk1", "10.60.0.11/24"), V("vmk50", "10.60.0.50/24", owner="NSX"),
        V("vmk51", None, dhcp=True, system_owned=True), V("vmk2", None, dhcp=True),
    )], findings=[F("system-owned-vmknic", ["vmk50"]), F("system-owned-vmknic", ["vmk51"])]),

    # ---------------------------------------------------------------- gateway-override-ineffective
    dict(id="gateway-override-in-shared-subnet", hosts=[H(
        V("vmk1", "10.0.1.11/24"),
        V("vmk2", "10.0.1.12/24", gateway_override={"ipv4": "10.0.1.1", "ipv6": None}),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk1", {"vmk2": []}),
                  F("gateway-override-ineffective", ["vmk2"], "10.0.1.0/24", "vmk1",
                    message="vmk2 overrides its ipv4 gateway (10.0.1.1) but shares 10.0.1.0/24 with vmk1")]),
    dict(id="gateway-override-alone-is-fine", hosts=[H(
        V("vmk1", "10.0.1.11/24", gateway_override={"ipv4": "10.0.1.1", "ipv6": None}),
    )], findings=[]),
    dict(id="gateway-override-other-family-ignored", hosts=[H(
        V("vmk1", "10.0.1.11/24"),
        V("vmk2", "10.0.1.12/24", gateway_override={"ipv4": None, "ipv6": "2001:db8::1"}),
    )], findings=[F("ipv4-same-subnet", ["vmk1", "vmk2"], "10.0.1.0/24", "vmk1", {"vmk2": []})]),
    dict(id="gateway-override-in-compliant-iscsi-not-reported", hosts=[H(
        V("vmk1", "10.40.0.11/24", iscsi_bindings=[make_binding()],
          gateway_override={"ipv4": "10.40.0.1", "ipv6": None}),
        V("vmk2", "10.40.0.12/24", iscsi_bindings=[make_binding()]),
        portgroups=list(one_active.values()),
    )], findings=[F("iscsi-binding-compliant", ["vmk1", "vmk2"], ISCSI, "vmk1", {})]),
    dict(id="gateway-override-in-overlap", hosts=[H(
        V("vmk1", "10.20.0.5/16", gateway_override={"ipv4": "10.20.0.1", "ipv6": None}),
        V("vmk2", "10.20.1.5/24"),
    )], findings=[F("ipv4-overlapping-subnet", ["vmk1", "vmk2"], "10.20.0.0/16", "vmk1", {"vmk1": []}),
                  F("gateway-override-ineffective", ["vmk1"], "10.20.0.0/16", "vmk1")]),

    # ---------------------------------------------------------------- host-not-audited
    dict(id="host-not-connected", hosts=[
        make_host("esx02", config_available=False, connection_state="disconnected"),
        H(V("vmk1", "10.0.1.11/24")),
    ], findings=[F("host-not-audited", host="esx02", stack=None,
                   message="esx02 is disconnected; its network configuration was not audited")],
        summary={"hosts_total": 2, "hosts_audited": 1, "hosts_not_audited": 1, "warning": 1,
                 "hosts_with_errors": 0}),
]

# Policy cases: the same shared-subnet host under different allow-lists and overrides.
_POLICY_HOST = [H(
    V("vmk1", "10.0.1.11/24", services=["vmotion"]), V("vmk2", "10.0.1.12/24", services=["vsan"]),
    V("vmk5", None, dhcp=True), V("vmk6", None, dhcp=True),
    name="esx01.lab.example.com",
)]
_SHARED = dict(rule="ipv4-same-subnet", vmknics=["vmk1", "vmk2"], subnet="10.0.1.0/24", owner="vmk1",
               misrouted={"vmk2": ["vsan"]}, host="esx01.lab.example.com")
_DHCP = dict(rule="dhcp-multiple-vmknics", vmknics=["vmk5", "vmk6"], family="ipv4",
             host="esx01.lab.example.com")

POLICY_CASES = [
    dict(id="no-policy", allow_list=None, overrides=None,
         findings=[F(**_SHARED), F(**_DHCP)], allowed={}),
    dict(id="allow-by-rule-and-host-pattern",
         allow_list=[{"host": "ESX01.*", "rule": "ipv4-same-subnet", "reason": "lab"}], overrides=None,
         findings=[F(**_DHCP), F(**_SHARED, severity="info")],
         allowed={"ipv4-same-subnet": {"reason": "lab", "match": {"entry": 0, "host": "ESX01.*", "rule": "ipv4-same-subnet"}}}),
    dict(id="allow-vmknics-subset-matches",
         allow_list=[{"vmknics": ["vmk2"], "reason": "known"}], overrides=None,
         findings=[F(**_DHCP), F(**_SHARED, severity="info")],
         allowed={"ipv4-same-subnet": {"reason": "known", "match": {"entry": 0, "host": "*", "vmknics": ["vmk2"]}}}),
    dict(id="allow-vmknics-all-must-be-in-finding",
         allow_list=[{"vmknics": ["vmk2", "vmk5"], "reason": "known"}], overrides=None,
         findings=[F(**_SHARED), F(**_DHCP)], allowed={}),
    dict(id="allow-subnet-within",
         allow_list=[{"subnet": "10.0.0.0/8", "reason": "old lab"}], overrides=None,
         findings=[F(**_DHCP), F(**_SHARED, severity="info")],
         allowed={"ipv4-same-subnet": {"reason": "old lab", "match": {"entry": 0, "host": "*", "subnet": "10.0.0.0/8"}}}),
    dict(id="allow-subnet-outside-or-narrower",
         allow_list=[{"subnet": "10.0.1.0/25", "reason": "x"}, {"subnet": "192.168.0.0/16", "reason": "y"},
                     {"subnet": "2001:db8::/32", "reason": "z"}], overrides=None,
         findings=[F(**_SHARED), F(**_DHCP)], allowed={}),
    dict(id="allow-other-host", allow_list=[{"host": "esx02*", "reason": "x"}], overrides=None,
         findings=[F(**_SHARED), F(**_DHCP)], allowed={}),
    dict(id="first-matching-entry-wins",
         allow_list=[{"rule": "host-not-audited", "reason": "a"}, {"host": "esx01*", "reason": "b"},
                     {"host": "*", "rule": "ipv4-same-subnet", "reason": "c"}], overrides=None,
         findings=[F(**_SHARED, severity="info"), F(**_DHCP, severity="info")],
         allowed={"ipv4-same-subnet": {"reason": "b", "match": {"entry": 1, "host": "esx01*"}},
                  "dhcp-multiple-vmknics": {"reason": "b", "match": {"entry": 1, "host": "esx01*"}}}),
    dict(id="override-severity", allow_list=None,
         overrides={"ipv4-same-subnet": "warning", "dhcp-multiple-vmknics": "error"},
         findings=[F(**_DHCP, severity="error"), F(**_SHARED, severity="warning")], allowed={}),
    dict(id="override-then-allow-list", allow_list=[{"rule": "dhcp-multiple-vmknics", "reason": "ok"}],
         overrides={"dhcp-multiple-vmknics": "error"},
         findings=[F(**_SHARED), F(**_DHCP, severity="info")],
         allowed={"dhcp-multiple-vmknics": {"reason": "ok", "match": {"entry": 0, "host": "*", "rule": "dhcp-multiple-vmknics"}}}),
]
POLICY_HOSTS = _POLICY_HOST
