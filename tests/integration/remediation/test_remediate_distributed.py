# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stack move of a vmknic on a distributed switch, against the lab's vDS: the vmknic is
re-created on a distributed port of the same dvPortgroup (AddVirtualNic with portgroup "" and
distributedVirtualPort{switchUuid, portgroupKey}), in four steps with the exact journal; a fault
at every step rolls back with the same kind of re-add, so the vmknic is never lost; and
community.vmware.vmware_vmkernel_info, an independent reader, agrees with the predicted after-state."""

from __future__ import annotations

from typing import Any

import pytest
from community_vmware import vmkernel_info_agrees

from harness import connection_args, restorable, run_module
from vsphere import Vsphere

HOST = "10.10.0.11"
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 1, "clusters": 1},
    "distributed_switches": [{
        "name": "dvs-A", "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000,
        "members": [{"index": [0], "pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [{"name": "dv-Provisioning", "vlan": 80, "active": ["Uplink 1"], "standby": ["Uplink 2"]}],
    }],
    "hosts": [{"index": [0], "vmknics": [
        {"dvportgroup": "dv-Provisioning", "ip": "10.80.0.11/24", "services": ["vSphereProvisioning"], "mtu": 9000},
    ]}],
}
INTENT = {"classes": [{"name": "provisioning", "select": {"portgroups": ["dv-Provisioning"]}, "action": "stack",
                       "stack": {"key": "vSphereProvisioning"}}]}


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def facts(lab) -> dict:
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    return result["hosts"][0]


def plan_entry(lab) -> dict:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=INTENT))
    assert not result.get("failed"), result.get("msg")
    return result["plan"]["hosts"][0]


def apply(lab, entry: dict, check: bool = False) -> dict:
    return run_module("remediation_apply", dict(connection_args(lab), esxi_hostname=entry["host"], host_plan=entry),
                      check=check, diff=True)


def provisioning(host: dict) -> dict:
    [nic] = [v for v in host["vmknics"] if v["portgroup"] == "dv-Provisioning"]
    return nic


def calls(lab) -> list[tuple]:
    """The journal: method, device, stack, port group argument, switch UUID, dvPortgroup key, fault."""
    return [(e["method"], e["args"].get("device"), e["args"].get("stack"), e["args"].get("portgroup"),
             e["args"].get("switchUuid"), e["args"].get("portgroupKey"), e.get("fault")) for e in lab.journal()]


def comparable(host: dict) -> dict:
    """Facts as a rollback restores them (harness.restorable), but for the distributed port of a
    re-created vmknic, which vCenter allocates anew."""
    result = restorable(host)
    result["vmknics"] = [dict(v, dvs=dict(v["dvs"], port_key=None) if v["dvs"] else None) for v in host["vmknics"]]
    return result


def test_stack_move_on_a_distributed_switch_four_steps(lab, tmp_path):
    before = facts(lab)
    old = provisioning(before)
    uuid, key = old["dvs"]["switch_uuid"], old["dvs"]["portgroup_key"]
    device = old["device"]
    lab.clear_journal()

    # 1. check mode: predicts the re-create on a distributed port, calls nothing
    entry = plan_entry(lab)
    assert entry["changed"] is True
    add = entry["operations"][-1]
    assert [op["op"] for op in entry["operations"]] == ["DeselectVnicForNicType", "RemoveVirtualNic", "AddVirtualNic"]
    assert (add["portgroup"], add["switch"], add["stack"], add["dvs"]) == (
        "dv-Provisioning", "dvs-A", "vSphereProvisioning", {"switch_uuid": uuid, "portgroup_key": key})
    checked = apply(lab, entry, check=True)
    assert (checked["changed"], checked["status"]) == (True, "planned"), checked
    assert lab.journal() == [] and facts(lab) == before

    # 2. real run: exactly these calls; AddVirtualNic names the switch and dvPortgroup, no port group
    applied = apply(lab, entry)
    assert (applied["changed"], applied["status"]) == (True, "applied"), (applied.get("msg"), applied.get("differences"))
    assert calls(lab) == [
        ("DeselectVnicForNicType", device, None, None, None, None, None),
        ("RemoveVirtualNic", device, None, None, None, None, None),
        ("AddVirtualNic", device, "vSphereProvisioning", None, uuid, key, None),
    ]
    after = facts(lab)
    nic = provisioning(after)
    assert (nic["device"], nic["stack"], nic["ipv4"], nic["mac"], nic["mtu"], nic["switch"], nic["switch_type"]) == (
        device, "vSphereProvisioning", old["ipv4"], old["mac"], 9000, "dvs-A", "distributed")
    assert (nic["dvs"]["switch_uuid"], nic["dvs"]["portgroup_key"]) == (uuid, key) and nic["dvs"]["port_key"]
    with Vsphere(lab) as vs:  # read back with plain pyVmomi
        [vnic] = [v for v in vs.host(HOST).config.network.vnic if v.device == device]
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort.switchUuid, vnic.spec.distributedVirtualPort.portgroupKey,
            vnic.spec.netStackInstanceKey) == ("", uuid, key, "vSphereProvisioning")

    # 3. check mode again: nothing to do; 4. real run again: changed=false, no call
    lab.clear_journal()
    again = plan_entry(lab)
    assert again["changed"] is False and again["operations"] == []
    assert apply(lab, again, check=True)["changed"] is False
    assert apply(lab, again)["changed"] is False
    assert lab.journal() == [] and facts(lab) == after

    # community.vmware's reader agrees with the plan's predicted after-state
    vmkernel_info_agrees(lab, tmp_path, HOST, entry["after"])


def test_fault_at_each_step_keeps_the_distributed_vmknic(lab):
    """Whatever call fails, the rollback puts the vmknic back on its dvPortgroup, re-adding it on a
    distributed port when it was already removed."""
    before = facts(lab)
    old = provisioning(before)
    uuid, key, device = old["dvs"]["switch_uuid"], old["dvs"]["portgroup_key"], old["device"]
    entry = plan_entry(lab)
    rollbacks = {
        0: [],
        1: [("SelectVnicForNicType", device, None, None, None, None, None)],
        2: [("AddVirtualNic", device, "defaultTcpipStack", None, uuid, key, None),
            ("SelectVnicForNicType", device, None, None, None, None, None)],
    }
    for step, operation in enumerate(entry["operations"]):
        lab.clear_journal()
        lab.clear_faults()
        lab.inject_fault(operation["op"], host=HOST, nth=1, fault="HostConfigFault", message=f"injected at step {step}")
        result = apply(lab, entry)
        assert (result["failed"], result["status"]) == (True, "rolled_back"), (step, result.get("msg"), result.get("rollback"))
        made = calls(lab)
        assert made[step][0] == operation["op"] and made[step][-1] == "HostConfigFault"
        assert made[step + 1:] == rollbacks[step], step
        assert comparable(facts(lab)) == comparable(before), f"host not restored after a fault at step {step}"
    lab.clear_faults()
    assert apply(lab, entry)["status"] == "applied"
