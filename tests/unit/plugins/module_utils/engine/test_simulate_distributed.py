# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's vmknic operations on a distributed switch: AddVirtualNic on a dvPortgroup,
UpdateVirtualNic between dvPortgroups, from a standard port group onto one and back; and the
pyVmomi call the executor makes for each (the lab test
tests/integration/modules/test_distributed_operations.py proves vCenter's side)."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from pyVmomi import vim

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import OperationRunner
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import SimulationError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import find_vmknic
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    dv_vmknic, make_dv_portgroup, make_host, make_portgroup, make_vmknic,
)

UUID = "50 2e 7a 11"
DV_A = make_dv_portgroup("dv-A", key="dvportgroup-21", vlan=50, active=("Uplink 1",), standby=("Uplink 2",))
DV_B = make_dv_portgroup("dv-B", key="dvportgroup-22", vlan=60, active=("Uplink 2",))
STANDARD = make_portgroup("Std-NFS", vlan=30, active=["vmnic0"], unused=["vmnic1"])


def host() -> dict:
    """vmk1 on dv-A; dv-B holds none of the host's vmknics, so the facts do not list it."""
    return make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"),
                               dv_vmknic("vmk1", "10.50.0.11/24", DV_A)],
                     portgroups=[make_portgroup("Management Network"), STANDARD, DV_A])


def port(pg: dict) -> dict:
    return {"switch_uuid": pg["switch_uuid"], "portgroup_key": pg["key"]}


def move(pg: dict, **dvs: object) -> dict:
    return {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": pg["name"], "switch": pg["switch"], **dvs}


def placement(state: dict, device: str = "vmk1") -> tuple:
    nic = find_vmknic(state, device)
    return nic["portgroup"], nic["switch"], nic["switch_type"], nic["dvs"]


def listed(state: dict) -> list[tuple]:
    return [(pg["switch_type"], pg["name"]) for pg in state["portgroups"]]


def test_move_between_dvportgroups_names_the_new_one_and_lists_it_instead_of_the_old():
    after = simulate(host(), [move(DV_B, dvs=port(DV_B))], portgroups=[DV_B])
    assert placement(after) == ("dv-B", "dvs1", "distributed", {"switch_uuid": UUID, "portgroup_key": "dvportgroup-22",
                                                                "port_key": None})
    # As the facts do: a dvPortgroup is listed while it holds a vmknic of the host.
    assert listed(after) == [("standard", "Management Network"), ("standard", "Std-NFS"), ("distributed", "dv-B")]
    assert [pg for pg in after["portgroups"] if pg["name"] == "dv-B"] == [DV_B]


def test_move_from_a_dvportgroup_to_a_standard_port_group_and_back():
    to_standard = simulate(host(), [move(STANDARD)])
    assert placement(to_standard) == ("Std-NFS", "vSwitch0", "standard", None)
    assert listed(to_standard) == [("standard", "Management Network"), ("standard", "Std-NFS")]
    back = simulate(to_standard, [move(DV_A, dvs=port(DV_A))], portgroups=[DV_A])
    assert placement(back) == ("dv-A", "dvs1", "distributed", {"switch_uuid": UUID, "portgroup_key": "dvportgroup-21",
                                                               "port_key": None})
    assert listed(back) == [("standard", "Management Network"), ("standard", "Std-NFS"), ("distributed", "dv-A")]
    assert [pg for pg in back["portgroups"] if pg["name"] == "dv-A"] == [DV_A]


def test_add_virtual_nic_on_a_dvportgroup_the_facts_do_not_list():
    add = {"op": "AddVirtualNic", "host": "esx01", "device": "vmk2", "portgroup": "dv-B", "switch": "dvs1", "stack": "vmotion",
           "ipv4": {"address": "10.60.0.11", "netmask": "255.255.255.0"}, "mtu": 9000, "dvs": port(DV_B)}
    after = simulate(host(), [add], portgroups=[DV_B])
    assert placement(after, "vmk2") == ("dv-B", "dvs1", "distributed", {"switch_uuid": UUID, "portgroup_key": "dvportgroup-22",
                                                                        "port_key": None})
    assert (find_vmknic(after, "vmk2")["stack"], find_vmknic(after, "vmk2")["services"]) == ("vmotion", ["vmotion"])


@pytest.mark.parametrize("operation, message", [
    (move(DV_B, dvs=port(DV_B)), "UpdateVirtualNic: host esx01 has no port group dv-B on dvs1"),
    (move(DV_A), "UpdateVirtualNic: dv-A on dvs1 is a distributed port group; the operation must name its switch UUID "
                 "and dvPortgroup key (dvs)"),
    (move(DV_A, dvs=port(DV_B)), "UpdateVirtualNic: dvs 50 2e 7a 11/dvportgroup-22 is not dvPortgroup dv-A on dvs1 "
                                 "(50 2e 7a 11/dvportgroup-21)"),
    (move(STANDARD, dvs=port(DV_A)), "UpdateVirtualNic: Std-NFS on vSwitch0 is a standard port group; dvs is for "
                                     "distributed ones"),
])
def test_what_the_executor_could_not_send_is_refused(operation, message):
    # dv-B is not passed as attachable; the others name a port the executor would send wrongly.
    with pytest.raises(SimulationError) as raised:
        simulate(host(), [operation])
    assert raised.value.problems == [message]


def test_reconcile_moves_onto_a_dvportgroup_with_its_port_and_back_by_name():
    current = host()
    target = simulate(current, [], portgroups=[DV_B])
    target["portgroups"].append(DV_B)
    nic = find_vmknic(target, "vmk1")
    nic.update(portgroup="dv-B", dvs=dict(port(DV_B), port_key=None))
    [operation] = reconcile(current, target)
    assert operation == {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "dv-B", "switch": "dvs1",
                         "dvs": port(DV_B), "description": "vmk1: set port group dv-B on dvs1 (was dv-A)"}
    nic.update(portgroup="Std-NFS", switch="vSwitch0", switch_type="standard", dvs=None)
    [operation] = reconcile(current, target)
    assert operation == {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "Std-NFS",
                         "switch": "vSwitch0", "description": "vmk1: set port group Std-NFS on vSwitch0 (was dv-A)"}


class RecordingNetworkSystem:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def UpdateVirtualNic(self, device: str, nic: object) -> None:  # noqa: N802 (the vSphere method name)
        self.calls.append((device, nic))


def sent(operation: dict) -> object:
    network = RecordingNetworkSystem()
    OperationRunner(SimpleNamespace(configManager=SimpleNamespace(networkSystem=network))).run(operation)
    [(device, spec)] = network.calls
    assert device == "vmk1"
    return spec


def test_update_virtual_nic_onto_a_dvportgroup_sends_only_the_distributed_port():
    spec = sent(move(DV_B, dvs=port(DV_B)))
    connection = spec.distributedVirtualPort
    assert isinstance(connection, vim.dvs.PortConnection)
    assert (connection.switchUuid, connection.portgroupKey, connection.portKey, spec.portgroup) == (
        UUID, "dvportgroup-22", None, None)
    assert (spec.ip, spec.mtu, spec.netStackInstanceKey) == (None, None, None)


def test_update_virtual_nic_onto_a_standard_port_group_sends_its_name_only():
    spec = sent(move(STANDARD))
    assert (spec.portgroup, spec.distributedVirtualPort) == ("Std-NFS", None)


def test_vmknics_sharing_a_dvportgroup_are_compared_each_on_its_own():
    """By port group (a re-created vmknic's device is ESXi's choice), two vmknics on one dvPortgroup
    are told apart by their IPv4 configuration: a change to either one is a difference."""
    two = make_host("esx01", [dv_vmknic("vmk1", "10.50.0.11/24", DV_A), dv_vmknic("vmk2", "10.50.0.12/24", DV_A)],
                    portgroups=[DV_A])
    changed = copy.deepcopy(two)
    changed["vmknics"][0]["mtu"] = 9000
    assert state_differences(two, changed, by_device=False) == ["vmknic dvs1/dv-A 10.50.0.11/24: mtu is 9000, expected 1500"]
    renamed = copy.deepcopy(two)
    renamed["vmknics"][1]["device"] = "vmk7"
    assert state_differences(two, renamed, by_device=False) == []


def test_dhcp_vmknics_sharing_a_dvportgroup_are_each_compared():
    """Two DHCP vmknics on one dvPortgroup have the same placement (port group, IPv4 "dhcp"): both
    are compared, and a difference on either is found also under other device names (before, the
    second one replaced the first in the comparison, so a wrong MTU on vmk1 went unseen)."""
    two = make_host("esx01", [dv_vmknic("vmk1", None, DV_A, dhcp=True), dv_vmknic("vmk2", None, DV_A, dhcp=True, mtu=9000)],
                    portgroups=[DV_A])
    wrong = copy.deepcopy(two)
    wrong["vmknics"][0]["mtu"] = 9000
    assert state_differences(two, wrong, by_device=False) == [
        "vmknic dvs1/dv-A dhcp #1: mtu is 9000, expected 1500"]
    renamed = copy.deepcopy(two)
    renamed["vmknics"][0]["device"], renamed["vmknics"][1]["device"] = "vmk8", "vmk7"
    assert state_differences(two, renamed, by_device=False) == []
    one_gone = copy.deepcopy(two)
    del one_gone["vmknics"][1]
    assert "missing" in " ".join(state_differences(two, one_gone, by_device=False))
