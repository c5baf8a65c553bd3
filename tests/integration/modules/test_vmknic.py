# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmkernel.multihoming.vmknic against the lab: the four steps per kind of change with the exact
calls and the state read back, a fault at every call, and refusals that make no call."""

from __future__ import annotations

import pytest

from host_change_steps import HOST, facts, fault_at_every_call, four_steps, refused, run, warnings
from vsphere import link_local_fact

SCENARIO = {
    "inventory": {"hosts": 1, "clusters": 1},
    "dhcp_segments": [{"vlan": 30, "subnet": "10.30.0.0/24"}],
    "hosts": [{
        "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0", "vmnic1"]},
                      {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}],
        "portgroups": [
            {"name": "vMotion", "vlan": 20},
            {"name": "NFS", "vlan": 30},
            {"name": "Provisioning", "vlan": 40},
            {"name": "Spare", "vlan": 30},
            {"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 50, "active": ["vmnic2"], "standby": []},
        ],
        "vmknics": [
            {"portgroup": "NFS", "ip": "10.30.0.11/24"},                                                 # vmk1
            {"portgroup": "Provisioning", "ip": "10.40.0.11/24", "services": ["vSphereProvisioning"]},   # vmk2
            {"portgroup": "iSCSI-A", "ip": "10.50.0.11/24"},                                             # vmk3
        ],
        "iscsi": {"enabled": True, "bind": ["vmk3"]},
    }],
}

# name: (options, the calls in order, the journal arguments of each call (a subset))
CASES = {
    "create": (
        {"portgroup": "vMotion", "ipv4": {"address": "10.20.0.11", "prefix_length": 24}, "mtu": 9000,
         "services": ["vmotion"], "gateway": "10.20.0.1"},
        ["AddVirtualNic", "SelectVnicForNicType"],
        [{"device": "vmk4", "portgroup": "vMotion", "ip": "10.20.0.11", "netmask": "255.255.255.0", "dhcp": False,
          "mtu": 9000, "stack": "defaultTcpipStack", "gateway_override": True},
         {"device": "vmk4", "nicType": "vmotion"}],
    ),
    "update": (
        {"device": "vmk1", "ipv4": {"address": "10.31.0.11", "netmask": "255.255.255.0"}, "mtu": 9000,
         "gateway": "10.31.0.1", "services": ["vSphereReplication"]},
        ["UpdateVirtualNic", "SelectVnicForNicType"],
        [{"device": "vmk1", "ip": "10.31.0.11", "netmask": "255.255.255.0", "dhcp": False, "mtu": 9000,
          "gateway_override": True},
         {"device": "vmk1", "nicType": "vSphereReplication"}],
    ),
    "dhcp": ({"device": "vmk1", "ipv4": {"dhcp": True}}, ["UpdateVirtualNic"], [{"device": "vmk1", "dhcp": True}]),
    "move": ({"device": "vmk1", "portgroup": "Spare"}, ["UpdateVirtualNic"], [{"device": "vmk1", "portgroup": "Spare"}]),
    "stack": (
        {"device": "vmk2", "stack": "vSphereProvisioning"},
        ["DeselectVnicForNicType", "RemoveVirtualNic", "AddVirtualNic"],
        [{"device": "vmk2", "nicType": "vSphereProvisioning"}, {"device": "vmk2"},
         {"device": "vmk2", "portgroup": "Provisioning", "ip": "10.40.0.11", "stack": "vSphereProvisioning"}],
    ),
    "absent": ({"portgroup": "NFS", "state": "absent"}, ["RemoveVirtualNic"], [{"device": "vmk1"}]),
    "management": ({"device": "vmk0", "mtu": 9000, "allow_management_change": True}, ["UpdateVirtualNic"],
                   [{"device": "vmk0", "mtu": 9000}]),
}


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def vmknic(host: dict, device: str) -> dict | None:
    return next((n for n in host["vmknics"] if n["device"] == device), None)


@pytest.mark.collection_logic
@pytest.mark.parametrize("case", sorted(CASES))
def test_four_steps(lab, case):
    options, calls, arguments = CASES[case]
    before = facts(lab)
    checked, applied, journal = four_steps(lab, "vmknic", options, calls)
    for entry, expected in zip(journal, arguments):
        assert expected.items() <= entry["args"].items(), (entry, expected)
    after = facts(lab)
    check_outcome(case, before, after, checked, applied)


def check_outcome(case: str, before: dict, after: dict, checked: dict, applied: dict) -> None:
    """The state read back is the declared one, and check mode predicted it."""
    if case == "absent":
        assert (checked["after"], applied["after"]) == (None, None)
        assert vmknic(after, "vmk1") is None and applied["before"] == vmknic(before, "vmk1")
        return
    device = {"create": "vmk4", "management": "vmk0", "stack": "vmk2"}.get(case, "vmk1")
    nic = vmknic(after, device)
    assert applied["after"] == nic
    predicted = dict(checked["after"])
    if case == "create":
        assert applied["before"] is None and predicted["mac"] is None  # ESXi chooses a new vmknic's MAC
        predicted["mac"] = nic["mac"]
        # ... and so its link-local address (IPv6 is on): the only IPv6 address of a vmknic created
        # without an ipV6Config, whose autoconfiguration is off
        assert predicted["ipv6"] == {"autoconf": False, "dhcp": False, "addresses": []}
        predicted["ipv6"] = {"autoconf": False, "dhcp": False, "addresses": [link_local_fact(nic["mac"])]}
    if case == "dhcp":
        assert predicted["ipv4"] == {"address": None, "netmask": None, "prefix_length": None, "network": None, "dhcp": True}
        assert nic["ipv4"]["dhcp"] is True and nic["ipv4"]["network"] == "10.30.0.0/24"  # the lease
        predicted["ipv4"] = nic["ipv4"]
    if case == "stack":
        # ESXi lists a vmknic on the provisioning stack as selected for that traffic (no tag is set),
        # and check mode predicts it.
        assert (predicted["services"], nic["services"]) == (["vSphereProvisioning"], ["vSphereProvisioning"])
        old = vmknic(before, "vmk2")
        assert (nic["stack"], nic["mac"], nic["ipv4"]) == ("vSphereProvisioning", old["mac"], old["ipv4"])
    assert predicted == nic
    if case == "create":
        assert (nic["portgroup"], nic["mtu"], nic["services"]) == ("vMotion", 9000, ["vmotion"])
        assert nic["gateway_override"] == {"ipv4": "10.20.0.1", "ipv6": None}
    elif case == "update":
        assert (nic["ipv4"]["network"], nic["mtu"], nic["services"]) == ("10.31.0.0/24", 9000, ["vSphereReplication"])
        assert nic["gateway_override"] == {"ipv4": "10.31.0.1", "ipv6": None}
    elif case == "move":
        assert (nic["portgroup"], nic["ipv4"]) == ("Spare", vmknic(before, "vmk1")["ipv4"])
    elif case == "management":
        assert (nic["mtu"], nic["ipv4"]) == (9000, vmknic(before, "vmk0")["ipv4"])


def test_diff_shows_the_vmknic(lab):
    result = run(lab, "vmknic", {"device": "vmk1", "mtu": 9000}, check=True)
    assert result["diff"]["before"]["mtu"] == 1500 and result["diff"]["after"]["mtu"] == 9000
    assert result["diff"]["before_header"] == f"{HOST} (read)"


def test_gateway_override_removed_with_an_empty_string(lab):
    four_steps(lab, "vmknic", {"device": "vmk1", "gateway": "10.30.0.1"}, ["UpdateVirtualNic"])
    four_steps(lab, "vmknic", {"device": "vmk1", "gateway": ""}, ["UpdateVirtualNic"])
    assert vmknic(facts(lab), "vmk1")["gateway_override"] is None


def test_new_multihoming_is_warned(lab):
    """A vmknic in the management subnet is allowed (it may be a step of a design) but said."""
    result = run(lab, "vmknic", {"portgroup": "vMotion", "ipv4": {"address": "10.10.1.11", "prefix_length": 21}}, check=True)
    assert result["changed"] is True
    assert any("after this change the audit reports" in w and "vmk4" in w for w in warnings(result)), warnings(result)


def test_first_vmknic_on_a_dedicated_stack_is_warned(lab):
    run(lab, "vmknic", {"device": "vmk1", "services": ["vmotion"]})
    options = {"portgroup": "vMotion", "ipv4": {"address": "10.20.0.11", "prefix_length": 24}, "stack": "vmotion"}
    result = run(lab, "vmknic", options, check=True)
    assert [op["op"] for op in result["commands"]] == ["AddVirtualNic"]
    assert ("after this change vmk4 would be on the vmotion stack while vmk1 keeps vmotion on the default stack, where "
            "ESXi then stops using it; move vmk1 to the vmotion stack as well, or drop the vmotion tag there") in warnings(result)


@pytest.mark.collection_logic
@pytest.mark.parametrize("case", ["create", "update", "stack"])
def test_fault_at_every_call_rolls_back(lab, case):
    fault_at_every_call(lab, "vmknic", CASES[case][0])


def test_fault_reports_the_rollback(lab):
    lab.inject_fault("SelectVnicForNicType", host=HOST, fault="HostConfigFault", message="no vmotion today")
    result = run(lab, "vmknic", CASES["create"][0])
    assert result["failed"] is True and result["status"] == "rolled_back"
    assert result["msg"] == (f"{HOST}: SelectVnicForNicType failed: HostConfigFault: no vmotion today "
                             "(rolled back, verified)")
    assert [op["op"] for op in result["rollback"]["commands"]] == ["RemoveVirtualNic"]
    assert result["after"] is None  # read back after the rollback: no vmknic on vMotion
    assert [(e["method"], "fault" in e) for e in lab.journal()] == [
        ("AddVirtualNic", False), ("SelectVnicForNicType", True), ("RemoveVirtualNic", False)]


def test_network_rollback_the_planner_cannot_foresee_is_reported(lab_factory):
    """The physical network of the management VLAN carries 1500 bytes (the facts cannot show it):
    vCenter loses the host on a jumbo vmk0 and rolls the change back; the module says so."""
    scenario = dict(SCENARIO, physical_mtu=[{"vlan": 0, "mtu": 1500}])
    scenario["hosts"] = [dict(SCENARIO["hosts"][0], vswitches=[
        {"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0", "vmnic1"], "mtu": 9000},
        {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}])]
    lab = lab_factory(scenario=scenario)
    result = run(lab, "vmknic", {"device": "vmk0", "mtu": 9000, "allow_management_change": True})
    assert result["failed"] is True and result["status"] == "rolled_back", result
    assert result["msg"].startswith(f"{HOST}: UpdateVirtualNic failed: NetworkDisruptedAndConfigRolledBack: The network "
                                    f"configuration change disconnected the host '{HOST}' from vCenter Server"), result["msg"]
    assert [(e["method"], e.get("fault")) for e in lab.journal()] == [("UpdateVirtualNic", "NetworkDisruptedAndConfigRolledBack")]
    assert vmknic(facts(lab), "vmk0")["mtu"] == 1500


BAD = [
    ({"device": "vmk0", "mtu": 9000}, "set allow_management_change: true"),
    ({"device": "vmk0", "ipv4": {"address": "10.10.0.99", "prefix_length": 21}, "allow_management_change": True},
     "vCenter reaches the host by its IP address 10.10.0.11"),
    ({"device": "vmk0", "state": "absent", "allow_management_change": True}, "vmk0 is the vmknic vCenter uses to manage the host; it is never removed"),
    ({"device": "vmk0", "stack": "vmotion", "allow_management_change": True}, "a stack change removes and re-creates it"),
    ({"portgroup": "Nope", "ipv4": {"address": "10.20.0.11", "prefix_length": 24}}, "port group Nope does not exist"),
    ({"device": "vmk1", "portgroup": "Provisioning"}, "port group Provisioning on vSwitch0 already holds vmk2"),
    ({"portgroup": "vMotion"}, "ipv4 is required to create a vmknic"),
    ({"portgroup": "vMotion", "ipv4": {"address": "10.30.0.11", "prefix_length": 24}}, "10.30.0.11 is already the address of vmk1"),
    ({"device": "vmk9", "mtu": 9000}, "vmk9 does not exist; to create a vmknic give portgroup without device"),
    ({"device": "vmk1", "stack": "custom1"}, "stack custom1 does not exist on the host"),
    ({"device": "vmk1", "stack": "vmotion", "services": ["vSphereReplication"]}, "cannot be enabled on stack vmotion"),
    ({"device": "vmk3", "state": "absent"}, "vmk3 is bound to iSCSI adapter vmhba65; unbind it first"),
    ({"device": "vmk3", "stack": "vmotion"}, "vmk3 is bound to iSCSI adapter vmhba65; a stack change re-creates it"),
    ({"device": "vmk1", "gateway": "10.99.0.1"}, "gateway 10.99.0.1 is outside vmk1's subnet 10.30.0.0/24"),
    ({"device": "vmk1", "gateway": "10.30.0.1"}, None),  # valid: used below to set up the next case
    ({"device": "vmk1", "ipv4": {"address": "10.31.0.11", "prefix_length": 24}},
     "vmk1 has the gateway override 10.30.0.1, which is outside its new subnet 10.31.0.0/24"),
]

BAD_OPTIONS = [
    ({"device": "vmk1", "ipv4": {"address": "10.30.0.12", "prefix_length": 24, "dhcp": True}}, "dhcp: true takes no address"),
    ({"device": "vmk1", "ipv4": {"address": "10.30.0.12"}}, "give address with either netmask or prefix_length"),
    ({"device": "vmk1", "ipv4": {"address": "10.30.0.0", "prefix_length": 24}}, "is the network or broadcast address"),
    ({"device": "vmk1", "ipv4": {"address": "10.30.0.300", "prefix_length": 24}}, "ipv4: "),
    ({"device": "vmk1", "mtu": 100}, "mtu: 100 is outside 1280-9000"),
    ({"device": "vmk1", "gateway": "gw.example.com"}, "gateway: gw.example.com is not an IPv4 address"),
    ({"device": "vmk1", "state": "absent", "mtu": 9000}, "state: absent takes no mtu"),
    ({"device": "vmk1", "services": ["vsan"]}, "value of services must be one or more of"),
    ({"mtu": 9000}, "one of the following is required: device, portgroup"),
]


def test_refusals_make_no_call(lab):
    """Each refused change fails naming the reason, in check mode and for real, with no call."""
    for options, needle in BAD:
        if needle is None:
            assert run(lab, "vmknic", options)["status"] == "applied"
            continue
        for check in (True, False):
            result = refused(lab, "vmknic", options, needle, check=check)
            assert result["msg"].startswith(f"{HOST}: ") and result["msg"].endswith("(nothing was changed)")


@pytest.mark.parametrize("options,needle", BAD_OPTIONS)
def test_bad_options_make_no_call(lab, options, needle):
    result = refused(lab, "vmknic", options, needle)
    if "value of" not in needle and "one of the following" not in needle:
        assert result["msg"].startswith("Invalid options: ")


def test_unknown_host(lab):
    refused(lab, "vmknic", {"device": "vmk1", "mtu": 9000, "esxi_hostname": "10.99.99.99"}, "not found")
