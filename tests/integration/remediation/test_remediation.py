# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation against the lab: the four steps per action kind, fault injection, bad intents.

Every case asserts the state read back from the lab, the exact calls in the lab journal, and
``changed``: check mode writes nothing, the real run makes exactly the planned calls, and a
second check and a second run change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import connection_args, restorable, run_module
from remediation_setup import facts as facts_by_name
from vsphere import Vsphere

HOST = "10.10.0.11"

# One host with a problem of each kind, each fixed by one intent class below.
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 1, "clusters": 1},
    "dhcp_segments": [{"vlan": 70, "subnet": "10.70.0.0/24"}],
    "ra_segments": [{"vlan": 60, "prefix": "2001:db8:60::/64"}],
    "hosts": [{
        "ipv6_enabled": True,
        "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0", "vmnic1"]},
                      {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}],
        "portgroups": [
            {"name": "vMotion", "vlan": 0},
            {"name": "Provisioning", "vlan": 80},
            {"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40},
            {"name": "iSCSI-B", "vswitch": "vSwitch1", "vlan": 40},
            {"name": "NFS", "vlan": 30},
            {"name": "V6-A", "vlan": 60},
            {"name": "V6-B", "vlan": 60},
        ],
        "vmknics": [
            {"portgroup": "vMotion", "ip": "10.10.1.11/21", "services": ["vmotion"]},
            {"portgroup": "Provisioning", "ip": "10.80.0.11/24", "services": ["vSphereProvisioning"]},
            {"portgroup": "iSCSI-A", "ip": "10.40.0.11/24"},
            {"portgroup": "iSCSI-B", "ip": "10.40.0.12/24"},
            {"portgroup": "NFS", "ip": "10.10.2.11/21", "mtu": 1500},
            # Router advertisements on VLAN 60 give both a SLAAC address in 2001:db8:60::/64.
            {"portgroup": "V6-A", "ip": "10.61.0.11/24", "ipv6_autoconf": True},
            {"portgroup": "V6-B", "ip": "10.62.0.11/24", "ipv6_autoconf": True},
        ],
    }],
}

CLASSES = {
    "subnet": {"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
               "subnet": {"network": "10.20.0.0/24", "range": "10.20.0.10-10.20.0.20", "vlan": 20}},
    "portgroup": {"name": "nfs", "select": {"portgroups": ["NFS"]}, "action": "subnet",
                  "subnet": {"network": "10.30.0.0/24", "range": "10.30.0.10-10.30.0.20", "mtu": 9000,
                             "gateway": "10.30.0.1",
                             "portgroup": {"name": "NFS-30", "vlan": 30,
                                           "teaming": {"active": ["vmnic1"], "standby": ["vmnic0"]}}}},
    "stack": {"name": "provisioning", "select": {"services": ["vSphereProvisioning"]}, "action": "stack",
              "stack": {"key": "vSphereProvisioning"}},
    "iscsi": {"name": "iscsi", "select": {"portgroups": ["iSCSI-*"]}, "action": "iscsi",
              "iscsi": {"adapter": "software", "enable": True, "uplinks": {"iSCSI-A": "vmnic2", "iSCSI-B": "vmnic3"}}},
    # IPv6 only: SLAAC off and a static address in a prefix of its own on its own VLAN; IPv4 stays.
    "ipv6": {"name": "v6", "select": {"networks": ["2001:db8:60::/64"], "portgroups": ["V6-B"]}, "action": "subnet",
             "subnet": {"vlan": 62, "ipv6": {"autoconf": False, "network": "2001:db8:62::/64",
                                             "range": "2001:db8:62::10-2001:db8:62::20", "gateway": "2001:db8:62::1"}}},
}

# The calls each class makes, in order (method, key arguments from the journal).
EXPECTED_CALLS = {
    "subnet": ["UpdatePortGroup", "UpdateVirtualNic"],
    "portgroup": ["AddPortGroup", "UpdateVirtualNic"],
    "stack": ["DeselectVnicForNicType", "RemoveVirtualNic", "AddVirtualNic"],
    "iscsi": ["UpdateSoftwareInternetScsiEnabled", "UpdatePortGroup", "UpdatePortGroup", "BindVnic", "BindVnic", "RescanHba"],
    "ipv6": ["UpdatePortGroup", "UpdateVirtualNic"],
}


def intent(*kinds: str) -> dict:
    return {"classes": [CLASSES[kind] for kind in kinds]}


def facts(lab) -> dict:
    return facts_by_name(lab)[HOST]


def plan_for(lab, the_intent: dict) -> dict:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=the_intent))
    assert not result.get("failed"), result.get("msg")
    return result["plan"]


def apply(lab, entry: dict, check: bool = False, **options: Any) -> dict:
    return run_module("remediation_apply", dict(connection_args(lab), esxi_hostname=entry["host"], host_plan=entry, **options),
                      check=check, diff=True)


def vmknic(host: dict, portgroup: str) -> dict:
    return next(v for v in host["vmknics"] if v["portgroup"] == portgroup)


def portgroup(host: dict, name: str) -> dict:
    return next(p for p in host["portgroups"] if p["name"] == name)


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


@pytest.mark.collection_logic
@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_four_steps(lab, kind):
    before = facts(lab)
    lab.clear_journal()

    # 1. check mode: predicts the change, writes nothing
    entry = plan_for(lab, intent(kind))["hosts"][0]
    assert entry["changed"] is True
    assert [op["op"] for op in entry["operations"]] == EXPECTED_CALLS[kind]
    checked = apply(lab, entry, check=True)
    assert (checked["changed"], checked["status"]) == (True, "planned"), checked
    assert checked["diff"]["before"] != checked["diff"]["after"]
    assert lab.journal() == []
    assert facts(lab) == before

    # 2. real run: exactly the planned calls, verified
    applied = apply(lab, entry)
    assert (applied["changed"], applied["status"]) == (True, "applied"), (applied.get("msg"), applied.get("differences"))
    assert [e["method"] for e in lab.journal()] == EXPECTED_CALLS[kind]
    assert all("fault" not in e for e in lab.journal())
    after = facts(lab)

    # 3. check mode again: nothing to do; 4. real run again: changed=false, no call
    lab.clear_journal()
    again = plan_for(lab, intent(kind))["hosts"][0]
    assert again["changed"] is False and again["operations"] == []
    assert apply(lab, again, check=True)["changed"] is False
    assert apply(lab, again)["changed"] is False
    assert lab.journal() == []
    assert facts(lab) == after
    check_outcome(kind, before, after)


def check_outcome(kind: str, before: dict, after: dict) -> None:
    """The state read back is the one the intent declares."""
    if kind == "subnet":
        nic = vmknic(after, "vMotion")
        assert nic["ipv4"]["address"] == "10.20.0.10" and nic["ipv4"]["network"] == "10.20.0.0/24"
        assert nic["services"] == ["vmotion"]
        assert portgroup(after, "vMotion")["vlan"] == 20
    elif kind == "portgroup":
        nic = vmknic(after, "NFS-30")
        assert (nic["ipv4"]["address"], nic["mtu"], nic["gateway_override"]) == ("10.30.0.10", 9000, {"ipv4": "10.30.0.1", "ipv6": None})
        assert portgroup(after, "NFS-30")["teaming"] == {"active": ["vmnic1"], "standby": ["vmnic0"], "unused": []}
        assert nic["device"] == vmknic(before, "NFS")["device"]
    elif kind == "stack":
        nic = vmknic(after, "Provisioning")
        old = vmknic(before, "Provisioning")
        assert (nic["stack"], nic["ipv4"], nic["mac"], nic["device"]) == ("vSphereProvisioning", old["ipv4"], old["mac"], old["device"])
    elif kind == "iscsi":
        assert after["software_iscsi_enabled"] is True
        for name, uplink in (("iSCSI-A", "vmnic2"), ("iSCSI-B", "vmnic3")):
            assert portgroup(after, name)["teaming"]["active"] == [uplink]
            assert portgroup(after, name)["teaming"]["standby"] == []
            bindings = vmknic(after, name)["iscsi_bindings"]
            assert [(b["adapter"], b["compliant"]) for b in bindings] == [("vmhba65", True)]
    elif kind == "ipv6":
        nic, old = vmknic(after, "V6-B"), vmknic(before, "V6-B")
        assert nic["ipv4"] == old["ipv4"]
        assert (nic["ipv6"]["autoconf"], nic["ipv6"]["dhcp"]) == (False, False)
        assert [(a["address"], a["prefix_length"], a["origin"]) for a in nic["ipv6"]["addresses"]] == [
            ("2001:db8:62::10", 64, "manual"), (next(a["address"] for a in old["ipv6"]["addresses"] if a["link_local"]), 64, "other")]
        assert nic["gateway_override"] == {"ipv4": None, "ipv6": "2001:db8:62::1"}
        assert portgroup(after, "V6-B")["vlan"] == 62
        # the vmknic next to it keeps its SLAAC address, now alone in 2001:db8:60::/64
        assert [a["origin"] for a in vmknic(after, "V6-A")["ipv6"]["addresses"] if not a["link_local"]] == ["linklayer"]
    audit = [f for f in run_audit_findings(after) if f["severity"] == "error"]
    assert not [f for f in audit if set(f["vmknics"]) & {vmknic(after, pg)["device"] for pg in touched(kind, after)}]


def touched(kind: str, host: dict) -> list[str]:
    return {"subnet": ["vMotion"], "portgroup": ["NFS-30"], "stack": ["Provisioning"], "iscsi": ["iSCSI-A", "iSCSI-B"],
            "ipv6": ["V6-A", "V6-B"]}[kind]


def run_audit_findings(host: dict) -> list[dict]:
    from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse

    return analyse([host])["findings"]


def test_accept_changes_nothing(lab):
    the_intent = {"classes": [{"name": "ok", "select": {"portgroups": ["iSCSI-*"]}, "action": "accept", "reason": "lab"}]}
    entry = plan_for(lab, the_intent)["hosts"][0]
    assert entry["changed"] is False and entry["operations"] == []
    lab.clear_journal()
    assert apply(lab, entry)["changed"] is False
    assert lab.journal() == []


@pytest.mark.collection_logic
@pytest.mark.parametrize("kind", ["portgroup", "stack", "iscsi", "ipv6"])
def test_fault_at_each_step_rolls_back(lab, kind):
    """A failure at any step of a host's plan leaves the host exactly as before, and says so."""
    before = facts(lab)
    entry = plan_for(lab, intent(kind))["hosts"][0]
    for step, operation in enumerate(entry["operations"]):
        lab.clear_journal()
        lab.clear_faults()
        # The nth call of this method on the host, counting the earlier calls of the same method.
        nth = 1 + sum(1 for op in entry["operations"][:step] if op["op"] == operation["op"])
        lab.inject_fault(operation["op"], host=HOST, nth=nth, fault="HostConfigFault", message=f"injected at step {step}")
        result = apply(lab, entry)
        assert result["failed"] is True, (step, result)
        assert result["status"] == "rolled_back", (step, result.get("msg"), result.get("rollback"))
        assert result["failed_operation"]["op"] == operation["op"]
        assert f"injected at step {step}" in result["msg"] and "rolled back, verified" in result["msg"]
        assert len(result["executed"]) == step
        assert restorable(facts(lab)) == restorable(before), f"host not restored after a fault at step {step} ({operation['op']})"
    lab.clear_faults()
    assert apply(lab, entry)["status"] == "applied"


def test_ipv6_change_sends_the_ipv4_part_unchanged(lab):
    """IpConfig cannot leave IPv4 out: an IPv6-only change re-sends the vmknic's current IPv4 address
    (never an empty one, which would strip it), and names only the manual addresses it adds or removes."""
    entry = plan_for(lab, intent("ipv6"))["hosts"][0]
    update = entry["operations"][1]
    assert "ipv4" not in update
    assert update["ipv6"] == {"autoconf": False, "dhcp": False, "add": ["2001:db8:62::10/64"], "remove": []}
    lab.clear_journal()
    assert apply(lab, entry)["status"] == "applied"
    call = lab.journal()[1]
    assert call["method"] == "UpdateVirtualNic"
    assert {k: call["args"].get(k) for k in ("dhcp", "ip", "netmask", "ipv6")} == {
        "dhcp": False, "ip": "10.62.0.11", "netmask": "255.255.255.0", "ipv6": ["add:2001:db8:62::10"]}
    # Read back with plain pyVmomi, independently of this collection's reader.
    with Vsphere(lab) as vs:
        vnic = next(v for v in vs.host(HOST).config.network.vnic if v.portgroup == "V6-B")
    ip = vnic.spec.ip
    assert (ip.dhcp, ip.ipAddress, ip.subnetMask) == (False, "10.62.0.11", "255.255.255.0")
    assert (ip.ipV6Config.autoConfigurationEnabled, ip.ipV6Config.dhcpV6Enabled) == (False, False)
    assert sorted((a.ipAddress, a.prefixLength, a.origin) for a in ip.ipV6Config.ipV6Address if a.origin != "other") == [
        ("2001:db8:62::10", 64, "manual")]
    assert vnic.spec.ipRouteSpec.ipRouteConfig.ipV6DefaultGateway == "2001:db8:62::1"


def test_rollback_disabled_reports_state(lab):
    entry = plan_for(lab, intent("portgroup"))["hosts"][0]
    lab.inject_fault("UpdateVirtualNic", host=HOST, fault="HostConfigFault")
    result = apply(lab, entry, rollback=False)
    # AddPortGroup was made: the host changed, so it is an interruption with the record kept.
    assert result["failed"] is True and result["status"] == "interrupted"
    assert result["rollback"] is None
    assert [p["name"] for p in result["state"]["portgroups"] if p["name"] == "NFS-30"] == ["NFS-30"]
    lab.clear_faults()
    recovery = plan_for(lab, intent("portgroup"))["hosts"][0]
    assert recovery["recovery"]["choice"] == "undo" and recovery["recovery"]["done"] == 1
    assert [op["op"] for op in recovery["operations"]] == ["RemovePortGroup"]


def test_drift_is_refused(lab):
    entry = plan_for(lab, intent("subnet"))["hosts"][0]
    other = plan_for(lab, intent("portgroup"))["hosts"][0]
    assert apply(lab, other)["status"] == "applied"
    lab.clear_journal()
    result = apply(lab, entry)
    assert result["failed"] is True and result["status"] == "drifted"
    assert "changed since it was planned" in result["msg"]
    assert lab.journal() == []


BAD_INTENTS = [
    ({"classes": [dict(CLASSES["subnet"], subnet={"network": "10.20.0.0/24", "range": "10.20.0.10-10.20.0.10", "vlan": 20}),
                  dict(CLASSES["portgroup"], select={"portgroups": ["NFS", "vMotion"]})]},
     "is selected by classes vmotion and nfs"),
    ({"classes": [dict(CLASSES["subnet"], subnet={"network": "10.20.0.0/24", "gateway": "10.99.0.1"})]}, "gateway"),
    ({"classes": [CLASSES["subnet"], dict(CLASSES["portgroup"], subnet={"network": "10.20.0.0/25"})]}, "overlap"),
    ({"classes": [dict(CLASSES["iscsi"], iscsi={"adapter": "vmhba99"})]}, "vmhba99"),
    ({"classes": [dict(CLASSES["iscsi"], iscsi={"adapter": "software", "enable": True, "uplinks": {"iSCSI-A": "vmnic7"}})]}, "vmnic7"),
    ({"classes": [{"name": "mgmt", "select": {"services": ["management"]}, "action": "subnet",
                   "subnet": {"network": "10.99.0.0/24"}}]}, "management"),
    ({"classes": [dict(CLASSES["subnet"], subnet={"network": "10.20.0.0/30"}),
                  {"name": "more", "select": {"portgroups": ["NFS"]}, "action": "subnet", "subnet": {"network": "10.20.0.0/30"}}]},
     None),
    ({"classes": [{"name": "nfs-into-vmotion", "select": {"portgroups": ["NFS"]}, "action": "subnet",
                   "subnet": {"network": "10.10.0.0/21"}}]}, "remain"),
    # A static IPv6 address while SLAAC stays on leaves the shared /64 in place.
    ({"classes": [dict(CLASSES["ipv6"], subnet={"ipv6": {"network": "2001:db8:62::/64"}})]},
     "ipv6-same-prefix would remain on defaultTcpipStack 2001:db8:60::/64"),
    ({"classes": [dict(CLASSES["ipv6"], subnet={"ipv6": {"autoconf": False, "network": "2001:db8:62::/64",
                                                         "range": "2001:db8:62::-2001:db8:62::1"}})]},
     "pool start 2001:db8:62:: is not a usable address"),
]


@pytest.mark.collection_logic
@pytest.mark.parametrize("bad_intent,needle", BAD_INTENTS)
def test_bad_intents_change_nothing(lab, bad_intent, needle):
    lab.clear_journal()
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=bad_intent))
    assert result.get("failed") is True, result
    assert result["msg"].startswith(("Invalid intent: ", "Remediation refused: "))
    if needle:
        assert needle in result["msg"], result["msg"]
    assert lab.journal() == []


def test_maintenance_mode_around_the_changes(lab):
    entry = plan_for(lab, intent("subnet"))["hosts"][0]
    lab.clear_journal()
    assert apply(lab, entry, maintenance_mode=True)["status"] == "applied"
    assert [e["method"] for e in lab.journal()] == ["EnterMaintenanceMode_Task", *EXPECTED_CALLS["subnet"], "ExitMaintenanceMode_Task"]
    assert facts(lab)["maintenance_mode"] is False


def test_maintenance_mode_left_after_a_rollback(lab):
    entry = plan_for(lab, intent("subnet"))["hosts"][0]
    lab.inject_fault("UpdateVirtualNic", host=HOST, fault="HostConfigFault")
    lab.clear_journal()
    result = apply(lab, entry, maintenance_mode=True)
    assert result["status"] == "rolled_back"
    methods = [e["method"] for e in lab.journal()]
    assert methods[0] == "EnterMaintenanceMode_Task" and methods[-1] == "ExitMaintenanceMode_Task"
    assert facts(lab)["maintenance_mode"] is False
