# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv6 remediation on a segment whose router sets the M flag (ESXI-NETWORKING.md 1.7): the vmknics
get a SLAAC and a dhcp-origin address with DHCPv6 off, both in one /64 (multi-homed). The plan's
predicted after-state, addresses included, is what the lab then shows: turning autoconfiguration
off takes both router-given addresses away; turning only DHCPv6 off keeps the M-flag one."""

from __future__ import annotations

import pytest

from harness import connection_args, run_module

HOST = "10.10.0.11"
SCENARIO = {
    "inventory": {"hosts": 1, "clusters": 1},
    "ra_segments": [{"vlan": 61, "prefix": "2001:db8:61::/64", "managed": True}],
    "hosts": [{
        "portgroups": [{"name": "V6-A", "vlan": 61}, {"name": "V6-B", "vlan": 61}],
        "vmknics": [{"portgroup": "V6-A", "ip": "10.61.0.11/24", "ipv6_autoconf": True},
                    {"portgroup": "V6-B", "ip": "10.62.0.11/24", "ipv6_autoconf": True}],
    }],
}


def facts(lab) -> dict:
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    return result["hosts"][0]


def vmknic(host: dict, portgroup: str) -> dict:
    return next(v for v in host["vmknics"] if v["portgroup"] == portgroup)


def origins(nic: dict) -> list[str]:
    return sorted(a["origin"] for a in nic["ipv6"]["addresses"])


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def plan_for(lab, settings: dict) -> dict:
    the_intent = {"classes": [{"name": "v6", "select": {"portgroups": ["V6-B"]}, "action": "subnet",
                               "subnet": {"ipv6": settings}}]}
    return run_module("remediation_plan_info", dict(connection_args(lab), intent=the_intent))


def test_autoconf_off_takes_both_router_given_addresses_as_predicted(lab):
    before = vmknic(facts(lab), "V6-B")
    assert origins(before) == ["dhcp", "linklayer", "other"]
    assert (before["ipv6"]["autoconf"], before["ipv6"]["dhcp"]) == (True, False)
    audit = run_module("vmknic_audit", connection_args(lab))
    assert [(f["rule"], f["subnet"], f["vmknics"], f["route_owner"]) for f in audit["findings"] if f["severity"] == "error"] == [
        ("ipv6-same-prefix", "2001:db8:61::/64", ["vmk1", "vmk2"], "vmk1")]

    plan = plan_for(lab, {"autoconf": False})
    assert not plan.get("failed"), plan.get("msg")
    entry, = plan["plan"]["hosts"]
    assert [op["op"] for op in entry["operations"]] == ["UpdateVirtualNic"]
    predicted = vmknic(entry["after"], "V6-B")
    assert origins(predicted) == ["other"]
    applied = run_module("remediation_apply", dict(connection_args(lab), esxi_hostname=HOST, host_plan=entry))
    assert (applied.get("changed"), applied.get("status")) == (True, "applied"), applied.get("msg")
    assert vmknic(facts(lab), "V6-B")["ipv6"] == predicted["ipv6"]


def test_dhcpv6_on_keeps_the_m_flag_address_so_the_plan_is_refused(lab):
    """SLAAC off but DHCPv6 on: the DHCPv6 server the RA names keeps giving vmk2 an address in
    vmk1's /64; the planner predicts it and refuses a plan that leaves the host multi-homed."""
    plan = plan_for(lab, {"autoconf": False, "dhcp": True})
    assert plan.get("failed") is True
    assert plan["problems"] == [
        "host 10.10.0.11: after the plan ipv6-same-prefix would remain on defaultTcpipStack 2001:db8:61::/64 for vmk1, vmk2: "
        "vmk1 and vmk2 share 2001:db8:61::/64 on defaultTcpipStack; the stack routes that prefix through vmk1, so traffic "
        "of vmk2 leaves through vmk1"]
