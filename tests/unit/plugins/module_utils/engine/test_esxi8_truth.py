# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit and the planner on facts as a recorded ESXi 8.0.3 host reports them
(ESXI-NETWORKING.md 1.7, 2.3, 4.1): one connected route per subnet, link-local and multicast routes
per vmknic, router-learned default routes, SLAAC and M-flag addresses, NSX TEPs on the vxlan stack,
vCenter's path to the host."""

from __future__ import annotations

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import configure_ipv6
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import VcenterPathWatch, unbind_problems
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding, make_host, make_ipv6, make_ipv6_address, make_portgroup, make_route, make_stack, make_vmknic,
)

LL0, LL1, LL2 = "fe80::250:56ff:fe00:1", "fe80::250:56ff:fe00:2", "fe80::250:56ff:fe00:3"


def per_vmknic_routes(device: str, link_local: str) -> list[dict]:
    """fe80::/64, ff01::/32, ff02::/32 for one vmknic, through its own link-local address."""
    return [make_route(net, device, gateway=link_local) for net in ("fe80::/64", "ff01::/32", "ff02::/32")]


def ipv6_nic(device: str, ipv4: str, link_local: str, *extra: dict, autoconf: bool = False, **kwargs) -> dict:
    return make_vmknic(device, ipv4, ipv6=make_ipv6([make_ipv6_address(f"{link_local}/64", origin="other"), *extra],
                                                    autoconf=autoconf), **kwargs)


def findings(host: dict) -> list[tuple]:
    return [(f["rule"], f["subnet"], f["vmknics"], f["route_owner"]) for f in analyse([host])["findings"]]


def test_one_listed_connected_route_names_the_owner():
    """Two vmknics in one subnet, one connected route listed (the one that came up first)."""
    nics = [make_vmknic("vmk0", "10.10.0.11/21", services=["management"]),
            make_vmknic("vmk1", "10.30.0.11/24", portgroup="NFS"),
            make_vmknic("vmk2", "10.30.0.12/24", portgroup="NFS-2", services=["vmotion"])]
    routes = [make_route("0.0.0.0/0", "vmk0", gateway="10.10.0.1"), make_route("10.10.0.0/21", "vmk0"),
              make_route("10.30.0.0/24", "vmk2")]
    host = make_host(vmknics=nics, stacks=[make_stack(routes=routes, default_gateway="10.10.0.1")], auto_routes=False)
    result = analyse([host])["findings"]
    assert [(f["rule"], f["vmknics"], f["route_owner"]) for f in result] == [("ipv4-same-subnet", ["vmk1", "vmk2"], "vmk2")]
    assert result[0]["evidence"]["connected_routes"] == ["vmk2"]
    assert result[0]["misrouted"] == [{"vmknic": "vmk1", "services": []}]


def test_link_local_multicast_and_router_routes_are_not_multihoming():
    nics = [ipv6_nic("vmk0", "10.10.0.11/21", LL0, make_ipv6_address("2001:db8:60::250:56ff:fe00:1/64", origin="linklayer"),
                     autoconf=True, services=["management"]),
            ipv6_nic("vmk1", "10.20.0.11/24", LL1, portgroup="vMotion", services=["vmotion"]),
            ipv6_nic("vmk2", "10.30.0.11/24", LL2, portgroup="NFS")]
    routes = ([make_route("0.0.0.0/0", "vmk0", gateway="10.10.0.1"), make_route("::/0", "vmk0", gateway="fe80::1")]
              + [make_route(n, d) for n, d in (("10.10.0.0/21", "vmk0"), ("10.20.0.0/24", "vmk1"), ("10.30.0.0/24", "vmk2"),
                                               ("2001:db8:60::/64", "vmk0"))]
              + per_vmknic_routes("vmk0", LL0) + per_vmknic_routes("vmk1", LL1) + per_vmknic_routes("vmk2", LL2))
    host = make_host(vmknics=nics, stacks=[make_stack(routes=routes, default_gateway="10.10.0.1")], auto_routes=False,
                     ipv6_enabled=True)
    assert findings(host) == []


def test_slaac_and_m_flag_addresses_in_one_prefix_are_multihoming():
    """Router advertisements give two vmknics on one VLAN addresses in the same /64 (SLAAC on one,
    the M flag's DHCPv6 address on the other, whose DHCPv6 is off): one prefix route, the first."""
    a = ipv6_nic("vmk1", "10.61.0.11/24", LL1, make_ipv6_address("2001:db8:61::250:56ff:fe00:2/64", origin="linklayer"),
                 autoconf=True, portgroup="V6-A")
    b = ipv6_nic("vmk2", "10.62.0.11/24", LL2, make_ipv6_address("2001:db8:61::d:0:102/64", origin="dhcp"),
                 autoconf=True, portgroup="V6-B")
    mgmt = make_vmknic("vmk0", "10.10.0.11/21", services=["management"])
    routes = ([make_route(n, d) for n, d in (("10.10.0.0/21", "vmk0"), ("10.61.0.0/24", "vmk1"), ("10.62.0.0/24", "vmk2"),
                                             ("2001:db8:61::/64", "vmk1"))]
              + [make_route("::/0", "vmk1", gateway="fe80::61:1")] + per_vmknic_routes("vmk1", LL1) + per_vmknic_routes("vmk2", LL2))
    host = make_host(vmknics=[mgmt, a, b], stacks=[make_stack(routes=routes)], auto_routes=False, ipv6_enabled=True)
    assert findings(host) == [("ipv6-same-prefix", "2001:db8:61::/64", ["vmk1", "vmk2"], "vmk1")]


def test_turning_autoconf_off_drops_the_m_flag_address_only_with_dhcpv6_off():
    nic = ipv6_nic("vmk2", "10.62.0.11/24", LL2, make_ipv6_address("2001:db8:61::d:0:102/64", origin="dhcp"),
                   make_ipv6_address("2001:db8:61::250:56ff:fe00:3/64", origin="linklayer"), autoconf=True)
    kept = dict(nic)
    configure_ipv6(kept, True, False, [])  # unchanged: the RA's M flag keeps giving the address
    assert [a["origin"] for a in kept["ipv6"]["addresses"]] == ["dhcp", "linklayer", "other"]  # in address order
    dhcp_on = dict(nic)
    configure_ipv6(dhcp_on, False, True, [])
    assert [a["origin"] for a in dhcp_on["ipv6"]["addresses"]] == ["dhcp", "other"]
    both_off = dict(nic)
    configure_ipv6(both_off, False, False, [])
    assert [a["address"] for a in both_off["ipv6"]["addresses"]] == [LL2]


def test_nsx_teps_on_the_vxlan_stack_are_not_audited():
    """NSX-T TEPs sit on the vxlan stack, several in one subnet by design; hosts before API 9.0 do not
    set HostVirtualNic.owner on them."""
    teps = [make_vmknic("vmk10", "10.90.0.14/24", stack="vxlan", portgroup="TEP-A"),
            make_vmknic("vmk11", "10.90.0.114/24", stack="vxlan", portgroup="TEP-B")]
    host = make_host(vmknics=[make_vmknic("vmk0", "10.10.0.14/21", services=["management"])] + teps)
    result = analyse([host])["findings"]
    assert [(f["rule"], f["vmknics"], f["severity"], f["evidence"]["owner"]) for f in result] == [
        ("system-owned-vmknic", ["vmk10"], "info", "NSX"), ("system-owned-vmknic", ["vmk11"], "info", "NSX")]


def vcenter_host(vcenter: str = "10.20.0.5", pnics=None) -> dict:
    nics = [make_vmknic("vmk0", "10.10.0.11/21", portgroup="Management Network", services=["management"]),
            make_vmknic("vmk1", "10.20.0.11/24", portgroup="vMotion", services=["vmotion"])]
    routes = [make_route("0.0.0.0/0", "vmk0", gateway="10.10.0.1"), make_route("10.10.0.0/21", "vmk0"),
              make_route("10.20.0.0/24", "vmk1")]
    host = make_host("10.10.0.11", vmknics=nics, auto_routes=False,
                     portgroups=[make_portgroup("Management Network", vlan=0), make_portgroup("vMotion", vlan=20),
                                 make_portgroup("Other", vlan=21)],
                     stacks=[make_stack(routes=routes, default_gateway="10.10.0.1")])
    host["vcenter_address"] = vcenter
    host["pnics"] = pnics or [{"device": "vmnic0", "link": True}, {"device": "vmnic1", "link": True}]
    return host


def vcenter_path_problems(host: dict, operations: list[dict], subject: str) -> list[str]:
    """The rule as the planner and the per-host modules apply it: watching simulate()."""
    watch = VcenterPathWatch(subject)
    simulate(host, operations, watch=watch)
    return watch.problems


def update_vnic(device: str, **args) -> dict:
    return {"op": "UpdateVirtualNic", "host": "10.10.0.11", "device": device, **args, "description": f"update {device}"}


def test_planner_refuses_moving_the_vmknic_vcenter_is_answered_through():
    host = vcenter_host()
    readdress = update_vnic("vmk1", ipv4={"address": "10.22.0.11", "netmask": "255.255.255.0"})
    assert vcenter_path_problems(host, [readdress], "the plan") == [
        "the plan would cut vCenter's path to host 10.10.0.11 at step 1 (update vmk1): the host would answer vCenter at "
        "10.20.0.5 through vmk0 via the gateway on another switch or VLAN; vCenter rolls such a change back "
        "(NetworkDisruptedAndConfigRolledBack)"]
    move = update_vnic("vmk1", portgroup="Other", switch="vSwitch0")
    assert "at step 1 (update vmk1)" in vcenter_path_problems(host, [move], "the plan")[0]
    # MTU is not the path; with vCenter in the management subnet, vmk1 is not on it at all
    assert vcenter_path_problems(host, [update_vnic("vmk1", mtu=9000)], "the plan") == []
    assert vcenter_path_problems(vcenter_host("10.10.0.10"), [readdress, move], "the plan") == []


def test_planner_refuses_teaming_the_management_port_group_onto_a_pnic_without_link():
    host = vcenter_host("10.10.0.10", pnics=[{"device": "vmnic0", "link": True}, {"device": "vmnic1", "link": False}])
    dark = {"op": "UpdatePortGroup", "host": "10.10.0.11", "name": "Management Network", "switch": "vSwitch0", "vlan": 0,
            "teaming": {"active": ["vmnic1"], "standby": []}, "description": "team onto vmnic1"}
    assert vcenter_path_problems(host, [dark], "the plan") == [
        "the plan would cut vCenter's path to host 10.10.0.11 at step 1 (team onto vmnic1): port group Management Network "
        "of vmk0 would have no uplink with link (vmnic1); vCenter rolls such a change back (NetworkDisruptedAndConfigRolledBack)"]
    lit = dict(dark, teaming={"active": ["vmnic0"], "standby": ["vmnic1"]})
    assert vcenter_path_problems(host, [lit], "the plan") == []
    vlan = dict(lit, vlan=5, description="VLAN 5")
    assert "at step 1 (VLAN 5): the host would answer vCenter at 10.10.0.10 through vmk0 on another switch or VLAN" in \
        vcenter_path_problems(host, [vlan], "the plan")[0]
    assert simulate(host, [lit])["portgroups"][0]["teaming"]["active"] == ["vmnic0"]


def test_planner_refuses_unbinding_ports_with_active_paths_without_force():
    nics = [make_vmknic("vmk0", "10.10.0.11/21", services=["management"]),
            make_vmknic("vmk1", "10.40.0.11/24", iscsi_bindings=[make_binding("vmhba65", path_status="lastActive")]),
            make_vmknic("vmk2", "10.40.0.12/24", iscsi_bindings=[make_binding("vmhba65", path_status="active")]),
            make_vmknic("vmk3", "10.40.0.13/24", iscsi_bindings=[make_binding("vmhba65", path_status="notUsed")])]
    host = make_host(vmknics=nics)

    def unbind(device: str, force: bool = False) -> dict:
        return {"op": "UnbindVnic", "host": host["name"], "device": device, "adapter": "vmhba65", "force": force,
                "description": f"{device}: unbind"}

    assert unbind_problems(host, [unbind("vmk3"), unbind("vmk1", force=True)]) == []
    assert unbind_problems(host, [unbind("vmk1"), unbind("vmk2")]) == [
        "the plan unbinds vmk1 from vmhba65, which carries the last active path to its storage (path status lastActive); "
        "ESXi refuses that without force and the host would lose the storage: move the storage paths first",
        "the plan unbinds vmk2 from vmhba65, which has active paths (path status active); ESXi refuses that without force: "
        "unbind it first with iscsi_port_binding (force: true), its paths then fail over to the other bound vmknics"]
