# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host-level vmknic operations on a distributed switch against the lab's vDS, through the
applier the modules and remediation_apply use (HostApplier: drift check, calls, read-back verified
against the simulator's prediction, rollback): UpdateVirtualNic between dvPortgroups, from a
dvPortgroup to a standard port group and back, AddVirtualNic on a dvPortgroup; each call's
arguments from the lab's journal and the vmknic read back through plain pyVmomi; and a fault after
a move onto a dvPortgroup rolls the vmknic back onto its old distributed port group."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import APPLIED, ROLLED_BACK, HostApplier
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import OperationRunner
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import find_vmknic
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import gather
from harness import restorable_on_new_ports
from vsphere import Vsphere

HOST = "10.10.0.11"
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 1, "clusters": 1},
    "distributed_switches": [{
        "name": "dvs-A", "uplinks": ["Uplink 1", "Uplink 2"],
        "members": [{"index": [0], "pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [{"name": "dv-A", "vlan": 50, "active": ["Uplink 1"], "standby": ["Uplink 2"]},
                       {"name": "dv-B", "vlan": 60, "active": ["Uplink 2"], "standby": []}],
    }],
    "hosts": [{"index": [0], "portgroups": [{"name": "Std-NFS", "vlan": 30}], "vmknics": [
        {"dvportgroup": "dv-A", "ip": "10.50.0.11/24"},
        {"dvportgroup": "dv-B", "ip": "10.60.0.11/24"},
    ]}],
}


class Session:
    """One pyVmomi session on the lab: the host's facts as the modules read them, and the applier."""

    def __init__(self, lab) -> None:
        self.lab = lab
        self.vsphere = Vsphere(lab)
        self.host = self.vsphere.host(HOST)
        self.dvportgroups: list[dict] = []  # every dvPortgroup, in the facts' form, once seen

    def facts(self) -> dict:
        facts = gather(self.vsphere.si, esxi_hostnames=[HOST])[0]
        seen = {pg["name"] for pg in self.dvportgroups}
        self.dvportgroups += [pg for pg in facts["portgroups"] if pg["switch_type"] == "distributed" and pg["name"] not in seen]
        return facts

    def apply(self, operations: list[dict]) -> tuple[dict, dict]:
        """Apply ``operations`` as a module does; (the outcome, the predicted after-state)."""
        before = self.facts()
        after = simulate(before, operations, portgroups=self.dvportgroups)
        runner = OperationRunner(self.host)
        self.lab.clear_journal()
        outcome = HostApplier(self.facts, runner.run, renamed=lambda: runner.renamed).apply(
            {"host": HOST, "operations": operations, "before": before, "after": after}, False)
        return outcome, after

    def vnic(self, device: str) -> Any:
        return next(v for v in self.host.config.network.vnic if v.device == device)


@pytest.fixture(scope="module")
def session(lab_factory):
    session = Session(lab_factory(scenario=SCENARIO))
    yield session
    session.vsphere.close()


def keys(session: Session) -> dict[str, tuple[str, str]]:
    return {pg["name"]: (pg["switch_uuid"], pg["key"]) for pg in session.dvportgroups}


def update_calls(lab) -> list[tuple]:
    """The journal's UpdateVirtualNic/AddVirtualNic calls: method, device, port group, switch UUID, dvPortgroup key."""
    return [(e["method"], e["args"].get("device"), e["args"].get("portgroup"), e["args"].get("switchUuid"),
             e["args"].get("portgroupKey")) for e in lab.journal() if e["method"] in ("UpdateVirtualNic", "AddVirtualNic")]


def move(device: str, portgroup: str, switch: str, dvs: tuple[str, str] | None = None) -> dict:
    op = {"op": "UpdateVirtualNic", "host": HOST, "device": device, "portgroup": portgroup, "switch": switch,
          "description": f"{device}: set port group {portgroup} on {switch}"}
    if dvs:
        op["dvs"] = {"switch_uuid": dvs[0], "portgroup_key": dvs[1]}
    return op


def device_on(facts: dict, portgroup: str) -> str:
    [nic] = [n for n in facts["vmknics"] if n["portgroup"] == portgroup]
    return nic["device"]


def test_vmknic_moves_between_dvportgroups_and_standard_port_groups(session):
    facts = session.facts()
    device = device_on(facts, "dv-A")
    uuid_a, key_a = keys(session)["dv-A"]
    uuid_b, key_b = keys(session)["dv-B"]

    # dv-A -> dv-B: only distributedVirtualPort, no port group name
    outcome, predicted = session.apply([move(device, "dv-B", "dvs-A", keys(session)["dv-B"])])
    assert (outcome["status"], outcome["differences"]) == (APPLIED, []), outcome
    assert update_calls(session.lab) == [("UpdateVirtualNic", device, None, uuid_b, key_b)]
    vnic = session.vnic(device)
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort.switchUuid, vnic.spec.distributedVirtualPort.portgroupKey) == (
        "", uuid_b, key_b)
    read = find_vmknic(session.facts(), device)
    assert (read["portgroup"], read["switch"], read["switch_type"]) == ("dv-B", "dvs-A", "distributed")
    assert read["dvs"] == dict(find_vmknic(predicted, device)["dvs"], port_key=vnic.spec.distributedVirtualPort.portKey)
    # dv-A holds none of the host's vmknics now: neither the facts nor the prediction list it
    assert [pg["name"] for pg in predicted["portgroups"] if pg["switch_type"] == "distributed"] == ["dv-B"]
    assert [pg["name"] for pg in session.facts()["portgroups"] if pg["switch_type"] == "distributed"] == ["dv-B"]

    # dv-B -> a standard port group: its name, no distributed port
    outcome = session.apply([move(device, "Std-NFS", "vSwitch0")])[0]
    assert (outcome["status"], outcome["differences"]) == (APPLIED, []), outcome
    assert update_calls(session.lab) == [("UpdateVirtualNic", device, "Std-NFS", None, None)]
    vnic = session.vnic(device)
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort) == ("Std-NFS", None)

    # back onto dv-A, which the host's facts no longer list (the simulator is told it exists)
    outcome = session.apply([move(device, "dv-A", "dvs-A", (uuid_a, key_a))])[0]
    assert (outcome["status"], outcome["differences"]) == (APPLIED, []), outcome
    assert update_calls(session.lab) == [("UpdateVirtualNic", device, None, uuid_a, key_a)]
    vnic = session.vnic(device)
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort.portgroupKey) == ("", key_a)
    assert restorable_on_new_ports(session.facts()) == restorable_on_new_ports(facts)  # where it started, on a new port


def test_add_virtual_nic_on_a_dvportgroup_then_remove_it(session):
    session.facts()
    uuid_b, key_b = keys(session)["dv-B"]
    add = {"op": "AddVirtualNic", "host": HOST, "device": "vmk9", "portgroup": "dv-B", "switch": "dvs-A",
           "stack": "vmotion", "ipv4": {"address": "10.61.0.11", "netmask": "255.255.255.0"}, "mtu": 1500,
           "gateway_override": None, "mac": None, "ipv6": None, "dvs": {"switch_uuid": uuid_b, "portgroup_key": key_b},
           "description": "create on dv-B"}
    outcome = session.apply([add])[0]
    assert (outcome["status"], outcome["differences"]) == (APPLIED, []), outcome
    [(method, device, portgroup, uuid, key)] = update_calls(session.lab)
    assert (method, portgroup, uuid, key) == ("AddVirtualNic", None, uuid_b, key_b)
    vnic = session.vnic(device)
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort.portgroupKey, vnic.spec.netStackInstanceKey) == (
        "", key_b, "vmotion")
    outcome = session.apply([{"op": "RemoveVirtualNic", "host": HOST, "device": device, "description": "remove"}])[0]
    assert outcome["status"] == APPLIED, outcome


def test_a_fault_after_a_move_onto_a_dvportgroup_rolls_it_back_onto_its_old_one(session):
    before = session.facts()
    device = device_on(before, "dv-A")
    uuid_a, key_a = keys(session)["dv-A"]
    session.lab.inject_fault("SelectVnicForNicType", host=HOST)
    try:
        outcome = session.apply([move(device, "dv-B", "dvs-A", keys(session)["dv-B"]),
                                 {"op": "SelectVnicForNicType", "host": HOST, "device": device, "nic_type": "vmotion",
                                  "description": "enable vmotion"}])[0]
    finally:
        session.lab.clear_faults()
    assert outcome["status"] == ROLLED_BACK, outcome
    assert [op["op"] for op in outcome["rollback"]["executed"]] == ["UpdateVirtualNic"]
    assert outcome["rollback"]["executed"][0]["dvs"] == {"switch_uuid": uuid_a, "portgroup_key": key_a}
    assert [call[0] for call in update_calls(session.lab)] == ["UpdateVirtualNic", "UpdateVirtualNic"]
    vnic = session.vnic(device)
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort.portgroupKey) == ("", key_a)
    assert restorable_on_new_ports(session.facts()) == restorable_on_new_ports(before)
