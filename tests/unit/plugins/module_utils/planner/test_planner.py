# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation planner: exact plans, idempotency, determinism, refusals, rollback, allocation."""

from __future__ import annotations

import copy
import json
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError, SimulationError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._planner import build_plan, plan

from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.planner.plan_cases import ISCSI, esx, pg, scenarios, subnet_class
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding, make_host, make_iscsi_adapter, make_ipv6, make_ipv6_address, make_portgroup, make_stack, make_vmknic,
)


# --------------------------------------------------------------------------- helpers


def strip(operations: list[dict]) -> list[dict]:
    return [{k: v for k, v in op.items() if k != "description"} for op in operations]


def ops_of(document: dict, host: str) -> list[dict]:
    return strip(next(h for h in document["hosts"] if h["host"] == host)["operations"])


def all_ops(document: dict) -> list[dict]:
    return [op for h in document["hosts"] for op in strip(h["operations"])]


def afters(document: dict) -> list[dict]:
    return [h["after"] for h in document["hosts"]]


def refusals(hosts: list[dict], intent: dict) -> list[str]:
    with pytest.raises(PlanError) as caught:
        plan(hosts, intent)
    return caught.value.problems


def assert_idempotent(hosts: list[dict], intent: dict) -> dict:
    """Plan, then plan again on the predicted after-state: nothing left to do."""
    document = plan(hosts, intent)
    again = plan(afters(document), intent)
    assert all_ops(again) == []
    assert all(h["after"] == h["before"] for h in again["hosts"])
    return document


def assert_rollback(document: dict) -> None:
    """reconcile(after, before) simulates back to exactly before (modulo re-created vmknic numbers)."""
    for entry in document["hosts"]:
        before, after = entry["before"], entry["after"]
        back = simulate(after, reconcile(after, before))
        assert state_differences(before, back, by_device=False) == []
        if not any(op["op"] == "AddVirtualNic" for op in entry["operations"]):
            assert state_differences(before, back) == []


# --------------------------------------------------------------------------- subnet action


def test_subnet_with_pool_allocates_lowest_free_in_host_order():
    hosts = [esx("esx02", 2), esx("esx01", 1)]
    intent = {"classes": [subnet_class(pool={"start": "10.20.0.10", "end": "10.20.0.20"})]}
    document = assert_idempotent(hosts, intent)
    assert all_ops(document) == [
        {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1",
         "ipv4": {"address": "10.20.0.10", "netmask": "255.255.255.0"}},
        {"op": "UpdateVirtualNic", "host": "esx02", "device": "vmk1",
         "ipv4": {"address": "10.20.0.11", "netmask": "255.255.255.0"}},
    ]
    entry = document["hosts"][0]
    assert entry["operations"][0]["description"] == "vmk1: set IPv4 10.20.0.10/24 (was 10.10.0.21/24)"
    assert (entry["changed"], entry["findings_before"], entry["findings_after"]) == (True, 1, 0)
    assert entry["classes"] == {"vmk1": "vmotion"}
    assert document["summary"] == {
        "hosts_total": 2, "hosts_planned": 2, "hosts_changed": 2, "hosts_skipped": 0, "operations": 2,
        "by_op": {"UpdateVirtualNic": 2}, "findings_before": 2, "findings_after": 0, "refusals": 0,
    }
    assert document["executable"] is True and document["refusals"] == []
    assert_rollback(document)


def test_subnet_with_explicit_map():
    hosts = [esx("esx01", 1), esx("esx02", 2), esx("esx03", 3)]
    intent = {"classes": [subnet_class(addresses={"esx01": {"vmk1": "10.20.0.101"}, "esx03": "10.20.0.103"},
                                       pool={"start": "10.20.0.101"})]}
    document = assert_idempotent(hosts, intent)
    assert [op["ipv4"]["address"] for op in all_ops(document)] == ["10.20.0.101", "10.20.0.102", "10.20.0.103"]
    assert_rollback(document)


def test_subnet_vlan_change_updates_the_current_port_group_first():
    document = assert_idempotent([esx("esx01", 1)], {"classes": [subnet_class(vlan=20)]})
    assert all_ops(document) == [
        {"op": "UpdatePortGroup", "host": "esx01", "name": "vMotion", "switch": "vSwitch0", "vlan": 20,
         "teaming": None},
        {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1",
         "ipv4": {"address": "10.20.0.1", "netmask": "255.255.255.0"}},
    ]
    assert_rollback(document)


def test_subnet_portgroup_move_with_creation_mtu_and_gateway():
    intent = {"classes": [subnet_class(
        gateway="10.20.0.1", mtu=9000,
        portgroup={"name": "vMotion-20", "vlan": 20, "teaming": {"active": ["vmnic2"], "standby": ["vmnic3"]}},
    )]}
    document = assert_idempotent([esx("esx01", 1)], intent)
    assert all_ops(document) == [
        {"op": "AddPortGroup", "host": "esx01", "name": "vMotion-20", "switch": "vSwitch0", "vlan": 20,
         "teaming": {"active": ["vmnic2"], "standby": ["vmnic3"]}},
        {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1",
         "ipv4": {"address": "10.20.0.2", "netmask": "255.255.255.0"}, "mtu": 9000,
         "gateway_override": {"ipv4": "10.20.0.1", "ipv6": None}, "portgroup": "vMotion-20", "switch": "vSwitch0"},
    ]
    after = document["hosts"][0]["after"]
    created = next(p for p in after["portgroups"] if p["name"] == "vMotion-20")
    assert created["teaming"] == {"active": ["vmnic2"], "standby": ["vmnic3"], "unused": ["vmnic0", "vmnic1"]}
    assert_rollback(document)  # rollback moves vmk1 back, then removes vMotion-20


def test_subnet_move_into_existing_portgroup_updates_it_in_place():
    host = esx("esx01", 1, extra_pgs=[pg("vMotion-20", vlan=5)])
    document = assert_idempotent([host], {"classes": [subnet_class(portgroup={"name": "vMotion-20", "vlan": 20})]})
    assert [op["op"] for op in all_ops(document)] == ["UpdatePortGroup", "UpdateVirtualNic"]
    assert all_ops(document)[0]["vlan"] == 20 and all_ops(document)[1]["portgroup"] == "vMotion-20"
    assert_rollback(document)


def test_subnet_drops_gateway_override_outside_the_new_subnet():
    nic = make_vmknic("vmk1", "10.10.0.21/24", services=["vmotion"], portgroup="vMotion",
                      gateway_override={"ipv4": "10.10.0.1", "ipv6": None})
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]), nic])
    document = assert_idempotent([host], {"classes": [subnet_class()]})
    assert all_ops(document)[0]["gateway_override"] is None
    assert_rollback(document)


def test_kept_addresses_make_reruns_noops_and_mtu_only_changes():
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.77/24", services=["vmotion"]),
    ])
    document = assert_idempotent([host], {"classes": [subnet_class(mtu=9000)]})
    assert all_ops(document) == [{"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "mtu": 9000}]


def test_dhcp_vmknic_gets_a_static_address():
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.50/24", dhcp=True, services=["vmotion"]),
    ])
    document = assert_idempotent([host], {"classes": [subnet_class()]})
    assert all_ops(document)[0]["ipv4"] == {"address": "10.20.0.1", "netmask": "255.255.255.0"}
    assert_rollback(document)  # back to {dhcp: true}


# --------------------------------------------------------------------------- stack action


def test_stack_move_recreates_on_the_vmotion_stack():
    intent = {"classes": [{"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "stack",
                           "stack": {"key": "vmotion", "network": "10.20.0.0/24"}}]}
    document = assert_idempotent([esx("esx01", 1)], intent)
    assert all_ops(document) == [
        {"op": "DeselectVnicForNicType", "host": "esx01", "nic_type": "vmotion", "device": "vmk1"},
        {"op": "RemoveVirtualNic", "host": "esx01", "device": "vmk1"},
        {"op": "AddVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "vMotion", "switch": "vSwitch0",
         "stack": "vmotion", "ipv4": {"address": "10.20.0.1", "netmask": "255.255.255.0"}, "mtu": 1500,
         "gateway_override": None, "mac": "00:50:56:00:00:01",
         "ipv6": {"autoconf": False, "dhcp": False, "addresses": []}},
    ]
    after = document["hosts"][0]["after"]
    vmk1 = after["vmknics"][1]
    # ESXi lists a vmknic on the vmotion stack as selected for vMotion (no tag is set)
    assert (vmk1["stack"], vmk1["services"]) == ("vmotion", ["vmotion"])
    assert {"family": "ipv4", "network": "10.20.0.0/24", "gateway": "0.0.0.0", "device": "vmk1",
            "connected": True} in next(s for s in after["stacks"] if s["key"] == "vmotion")["routes"]
    assert_rollback(document)  # re-created on the default stack and vmotion selected again


def test_stack_move_keeps_address_and_predicts_lowest_free_device():
    # vmk1 missing: the re-created vmk2 comes back as vmk1, and the ops after Add use that name.
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk2", "10.30.0.5/24", services=["vSphereProvisioning"], mtu=9000),
    ])
    intent = {"classes": [{"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "stack",
                           "stack": {"key": "vSphereProvisioning"}}]}
    document = assert_idempotent([host], intent)
    add = all_ops(document)[-1]
    assert (add["op"], add["device"], add["ipv4"]["address"], add["mtu"]) == ("AddVirtualNic", "vmk1", "10.30.0.5", 9000)
    assert_rollback(document)


def test_stack_move_back_to_default_reselects_the_implied_service():
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.5/24", stack="vmotion"),
    ])
    intent = {"classes": [{"name": "v", "select": {"stacks": ["vmotion"]}, "action": "stack",
                           "stack": {"key": "defaultTcpipStack"}}]}
    document = assert_idempotent([host], intent)
    assert [(op["op"], op.get("nic_type")) for op in all_ops(document)] == [
        ("RemoveVirtualNic", None), ("AddVirtualNic", None), ("SelectVnicForNicType", "vmotion")]


def test_stack_move_on_a_distributed_switch_recreates_on_a_distributed_port():
    # AddVirtualNic on a vDS names switch UUID and dvPortgroup key, never the dvPortgroup's name
    # (vCenter rejects that after the old vmknic is gone); rollback's re-add is built the same way.
    dvs = {"switch_uuid": "50 2e 7a 11", "portgroup_key": "dvportgroup-21", "port_key": "7"}
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.5/24", services=["vmotion"], portgroup="dv-vMotion", switch="dvs1",
                    switch_type="distributed", dvs=dvs),
    ], portgroups=[make_portgroup("dv-vMotion", switch="dvs1", switch_type="distributed", key="dvportgroup-21",
                                  active=["vmnic2"], standby=[], unused=["vmnic3"])])
    intent = {"classes": [{"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "stack",
                           "stack": {"key": "vmotion"}}]}
    document = assert_idempotent([host], intent)
    assert all_ops(document) == [
        {"op": "DeselectVnicForNicType", "host": "esx01", "nic_type": "vmotion", "device": "vmk1"},
        {"op": "RemoveVirtualNic", "host": "esx01", "device": "vmk1"},
        {"op": "AddVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "dv-vMotion", "switch": "dvs1",
         "stack": "vmotion", "ipv4": {"address": "10.20.0.5", "netmask": "255.255.255.0"}, "mtu": 1500,
         "gateway_override": None, "mac": "00:50:56:00:00:01",
         "ipv6": {"autoconf": False, "dhcp": False, "addresses": []},
         "dvs": {"switch_uuid": "50 2e 7a 11", "portgroup_key": "dvportgroup-21"}},
    ]
    entry = document["hosts"][0]
    moved = entry["after"]["vmknics"][1]
    assert (moved["switch_type"], moved["dvs"]) == ("distributed", {"switch_uuid": "50 2e 7a 11",
                                                                    "portgroup_key": "dvportgroup-21", "port_key": None})
    back = reconcile(entry["after"], entry["before"])
    assert [(op["op"], op.get("stack"), op.get("dvs")) for op in back if op["op"] == "AddVirtualNic"] == [
        ("AddVirtualNic", "defaultTcpipStack", {"switch_uuid": "50 2e 7a 11", "portgroup_key": "dvportgroup-21"})]
    assert_rollback(document)


def test_stack_move_on_a_distributed_port_without_its_key_is_refused():
    nic = make_vmknic("vmk1", "10.20.0.5/24", services=["vmotion"], portgroup="dv-vMotion", switch="dvs1",
                      switch_type="distributed", dvs={"switch_uuid": "50 2e", "portgroup_key": None, "port_key": "7"})
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]), nic],
                     portgroups=[make_portgroup("dv-vMotion", switch="dvs1", switch_type="distributed")])
    with pytest.raises(PlanError) as raised:
        reconcile(host, {**host, "vmknics": [host["vmknics"][0], {**nic, "stack": "vmotion", "services": []}]})
    assert raised.value.problems == ["host esx01: vmk1 is on distributed switch dvs1 but its switch UUID or "
                                     "dvPortgroup key is unknown; it cannot be re-created"]


# --------------------------------------------------------------------------- iSCSI action


def iscsi_host(name: str = "esx01", *, enabled: bool | None = False, adapters=()) -> dict:
    return make_host(name, [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"),
        make_vmknic("vmk2", "10.50.0.11/24", portgroup="iSCSI-A"),
        make_vmknic("vmk3", "10.50.0.12/24", portgroup="iSCSI-B"),
    ], portgroups=[pg("Management Network"), pg("iSCSI-A"), pg("iSCSI-B")],
        software_iscsi_enabled=enabled, iscsi_adapters=adapters)


def test_iscsi_enable_teaming_and_binding_in_order():
    document = assert_idempotent([iscsi_host()], ISCSI)
    assert all_ops(document) == [
        {"op": "UpdateSoftwareInternetScsiEnabled", "host": "esx01", "enabled": True},
        {"op": "UpdatePortGroup", "host": "esx01", "name": "iSCSI-A", "switch": "vSwitch0", "vlan": 0,
         "teaming": {"active": ["vmnic2"], "standby": []}},
        {"op": "UpdatePortGroup", "host": "esx01", "name": "iSCSI-B", "switch": "vSwitch0", "vlan": 0,
         "teaming": {"active": ["vmnic3"], "standby": []}},
        {"op": "BindVnic", "host": "esx01", "adapter": "software", "device": "vmk2"},
        {"op": "BindVnic", "host": "esx01", "adapter": "software", "device": "vmk3"},
        {"op": "RescanHba", "host": "esx01", "adapter": "software"},
    ]
    entry = document["hosts"][0]
    assert (entry["findings_before"], entry["findings_after"]) == (1, 0)
    assert entry["after"]["vmknics"][1]["iscsi_bindings"] == [
        {"adapter": "software", "compliant": True, "compliance_reasons": [], "path_status": None}]
    assert_rollback(document)  # unbind, restore teaming, disable software iSCSI


def test_iscsi_uses_the_existing_software_adapter():
    host = iscsi_host(enabled=True, adapters=[make_iscsi_adapter("vmhba64", [])])
    document = assert_idempotent([host], ISCSI)
    assert [op.get("adapter") for op in all_ops(document) if op["op"] in ("BindVnic", "RescanHba")] == [
        "vmhba64", "vmhba64", "vmhba64"]


# --------------------------------------------------------------------------- accept


def test_accept_class_has_no_operations_and_counts_no_errors():
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.11/24", services=["vmotion"], portgroup="vMotion-A"),
        make_vmknic("vmk2", "10.20.0.12/24", services=["vmotion", "faultToleranceLogging"], portgroup="vMotion-B"),
    ])
    intent = {"classes": [{"name": "mnv", "select": {"portgroups": ["vMotion-A", "vMotion-B"]}, "action": "accept",
                           "reason": "multi-NIC vMotion"}]}
    document = plan([host], intent)
    entry = document["hosts"][0]
    assert (entry["changed"], entry["operations"], entry["findings_before"]) == (False, [], 0)
    assert entry["classes"] == {"vmk1": "mnv", "vmk2": "mnv"}


def test_accept_does_not_cover_an_unaccepted_member():
    host = make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.11/24", services=["vmotion"], portgroup="vMotion-A"),
        make_vmknic("vmk2", "10.20.0.12/24", services=["vmotion"], portgroup="vMotion-B"),
        make_vmknic("vmk3", "10.20.0.13/24", services=["vSphereReplication"], portgroup="VR"),
    ])
    intent = {"classes": [
        {"name": "mnv", "select": {"portgroups": ["vMotion-*"]}, "action": "accept", "reason": "multi-NIC"},
        {"name": "vr", "select": {"portgroups": ["VR"]}, "action": "subnet", "subnet": {"network": "10.60.0.0/24"}},
    ]}
    document = plan([host], intent)
    assert ops_of(document, "esx01") == [{"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk3",
                                          "ipv4": {"address": "10.60.0.1", "netmask": "255.255.255.0"}}]
    assert document["hosts"][0]["findings_before"] == 1  # vmk3 made the accepted group an error


# --------------------------------------------------------------------------- hosts and order


def test_disconnected_host_is_skipped_not_refused():
    down = make_host("esx09", config_available=False)
    document = plan([esx("esx01", 1), down], {"classes": [subnet_class()]})
    assert document["skipped"] == [{"host": "esx09", "reason": "host is notResponding; its configuration is not "
                                    "trusted and it is not planned"}]
    assert [h["host"] for h in document["hosts"]] == ["esx01"]
    assert document["summary"]["hosts_skipped"] == 1


def test_host_with_incomplete_facts_is_skipped():
    broken = esx("esx02", 2, errors=["QueryBoundVnics(vmhba64) failed: timeout"])
    document = plan([esx("esx01", 1), broken], {"classes": [subnet_class()]})
    assert document["skipped"] == [{"host": "esx02", "reason": "facts are incomplete: QueryBoundVnics(vmhba64) "
                                    "failed: timeout"}]


def test_management_vmknic_is_changed_last_when_allowed():
    host = esx("esx01", 1)
    host["management"]["source"] = "dns"
    intent = {"allow_management_change": True, "classes": [
        {"name": "mgmt", "select": {"services": ["management"]}, "action": "subnet",
         "subnet": {"network": "10.10.0.0/24", "pool": {"start": "10.10.0.11"}, "vlan": 10}},
        subnet_class(),
    ]}
    document = assert_idempotent([host], intent)
    assert [(op["op"], op.get("device") or op.get("name")) for op in all_ops(document)] == [
        ("UpdateVirtualNic", "vmk1"), ("UpdatePortGroup", "Management Network")]


def test_system_owned_vmknics_are_never_selected():
    host = esx("esx01", 1, make_vmknic("vmk5", "10.10.0.99/24", services=["vmotion"], owner="NSX"))
    document = plan([host], {"classes": [subnet_class()]})
    assert document["hosts"][0]["classes"] == {"vmk1": "vmotion"}


HOSTS_FOR_ORDER = [
    esx("esx03", 3, make_vmknic("vmk2", "10.10.0.33/24", services=["vSphereProvisioning"], portgroup="Prov")),
    esx("esx01", 1, make_vmknic("vmk2", "10.10.0.31/24", services=["vSphereProvisioning"], portgroup="Prov")),
    esx("esx02", 2),
]
ORDER_INTENT = {"classes": [
    subnet_class(pool={"start": "10.20.0.100"}, portgroup={"name": "vMotion-20", "vlan": 20}),
    {"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "stack",
     "stack": {"key": "vSphereProvisioning", "network": "10.30.0.0/24"}},
]}


def _shuffled(hosts: list[dict], rnd: random.Random) -> list[dict]:
    result = copy.deepcopy(hosts)
    rnd.shuffle(result)
    for host in result:
        for key in ("vmknics", "portgroups", "iscsi_adapters"):
            rnd.shuffle(host[key])
    return result


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_same_plan_whatever_the_input_order(rnd):
    expected = json.dumps(plan(HOSTS_FOR_ORDER, ORDER_INTENT), sort_keys=True)
    assert json.dumps(plan(_shuffled(HOSTS_FOR_ORDER, rnd), ORDER_INTENT), sort_keys=True) == expected


# --------------------------------------------------------------------------- refusals


def test_refusal_pool_too_small():
    hosts = [esx("esx01", 1), esx("esx02", 2), esx("esx03", 3)]
    intent = {"classes": [subnet_class(pool={"start": "10.20.0.10", "end": "10.20.0.12", "exclude": ["10.20.0.11"]})]}
    assert refusals(hosts, intent) == ["class vmotion: pool 10.20.0.10-10.20.0.12 of 10.20.0.0/24 has 2 free "
                                       "addresses, 3 needed"]


def test_refusal_overlapping_classes_and_gateway_outside():
    intent = {"classes": [subnet_class(gateway="10.99.0.1"),
                          {"name": "prov", "select": {"devices": "vmk9"}, "action": "subnet",
                           "subnet": {"network": "10.20.0.0/16"}}]}
    assert refusals([esx("esx01", 1)], intent) == [
        "class vmotion.subnet.gateway: 10.99.0.1 is not a usable address of 10.20.0.0/24",
        "classes vmotion and prov: subnets 10.20.0.0/24 and 10.20.0.0/16 overlap",
    ]


def test_refusal_vmknic_claimed_by_two_classes():
    intent = {"classes": [subnet_class(), {"name": "by-device", "select": {"devices": ["vmk1"]}, "action": "accept",
                                           "reason": "x"}]}
    assert refusals([esx("esx01", 1)], intent) == [
        "host esx01: vmk1 is selected by classes vmotion and by-device; make the selectors disjoint"]


def test_refusal_unknown_adapter_and_uplink():
    host = iscsi_host(enabled=True, adapters=[make_iscsi_adapter("vmhba64", []),
                                              make_iscsi_adapter("vmhba1", None, software=False,
                                                                 binding_support="notsupported")])
    bad_adapter = copy.deepcopy(ISCSI)
    bad_adapter["classes"][0]["iscsi"] = {"adapter": "vmhba99", "uplinks": {"iSCSI-A": "vmnic2"}}
    assert refusals([host], bad_adapter) == [
        "class iscsi, host esx01 vmk2: iSCSI adapter vmhba99 does not exist (adapters that can bind: vmhba64)",
        "class iscsi, host esx01 vmk3: iSCSI adapter vmhba99 does not exist (adapters that can bind: vmhba64)",
    ]
    bad_uplink = copy.deepcopy(ISCSI)
    bad_uplink["classes"][0]["iscsi"]["uplinks"] = {"iSCSI-A": "vmnic7", "iSCSI-B": "vmnic3"}
    assert refusals([host], bad_uplink) == [
        "class iscsi, host esx01 vmk2: uplink vmnic7 is not on vSwitch0 (its uplinks: vmnic0, vmnic1, vmnic2, vmnic3)"]


def test_refusal_iscsi_teaming_not_bindable_and_disabled_adapter():
    intent = {"classes": [{"name": "iscsi", "select": {"devices": ["vmk2"]}, "action": "iscsi", "iscsi": {}}]}
    assert refusals([iscsi_host(enabled=False)], intent) == [
        "class iscsi, host esx01 vmk2: software iSCSI is disabled on the host; set iscsi.enable: true to enable it"]
    host = iscsi_host(enabled=True, adapters=[make_iscsi_adapter("vmhba64", [])])
    assert refusals([host], intent) == [
        "class iscsi, host esx01 vmk2: port group iSCSI-A of vmk2 has active [vmnic0, vmnic1] and standby []; iSCSI "
        "port binding needs exactly one active uplink and no standby (declare it in iscsi.uplinks)"]


def test_refusal_still_multihomed():
    host = esx("esx01", 1, make_vmknic("vmk2", "10.20.0.50/24", services=["vSphereReplication"], portgroup="VR"))
    problems = refusals([host], {"classes": [subnet_class()]})
    assert len(problems) == 1
    assert problems[0].startswith("host esx01: after the plan ipv4-same-subnet would remain on defaultTcpipStack "
                                  "10.20.0.0/24 for vmk1, vmk2: ")


def test_refusal_management_change():
    intent = {"classes": [{"name": "mgmt", "select": {"devices": ["vmk0"]}, "action": "subnet",
                           "subnet": {"network": "10.30.0.0/24"}}]}
    assert refusals([esx("esx01", 1)], intent) == [
        "host esx01: the plan changes vmk0, the vmknic vCenter uses to manage the host (vmk0: set IPv4 "
        "10.30.0.1/24 (was 10.10.0.11/24)); set allow_management_change: true to allow it",
        "host esx01: vCenter reaches the host by its IP address 10.10.0.11; re-addressing vmk0 would disconnect it "
        "(network rollback reverts the change); register the host by DNS name first",
    ]
    intent["allow_management_change"] = True
    host = esx("esx01", 1)
    host["management"]["source"] = "dns"
    assert [op["op"] for op in all_ops(plan([host], intent))] == ["UpdateVirtualNic"]


def test_refusal_management_stack_move_always():
    intent = {"allow_management_change": True, "classes": [
        {"name": "mgmt", "select": {"devices": ["vmk0"]}, "action": "stack", "stack": {"key": "vmotion"}}]}
    assert refusals([esx("esx01", 1)], intent) == [
        "class mgmt, host esx01 vmk0: cannot move to stack vmotion: it is the vmknic vCenter uses to manage the "
        "host, and a stack move removes and re-creates it; it carries management, which cannot be enabled on "
        "stack vmotion"]


def test_refusal_stack_move_losing_services_bound_or_unknown_stack():
    host = esx("esx01", 1, make_vmknic("vmk2", "10.40.0.5/24", services=["vmotion", "faultToleranceLogging"]),
               make_vmknic("vmk3", "10.50.0.5/24", services=["vmotion"], iscsi_bindings=[make_binding("vmhba64")]))
    intent = {"classes": [{"name": "v", "select": {"devices": ["vmk2", "vmk3"]}, "action": "stack",
                           "stack": {"key": "vmotion"}},
                          {"name": "w", "select": {"devices": ["vmk1"]}, "action": "stack", "stack": {"key": "nsx"}}]}
    assert refusals([host], intent) == [
        "class v, host esx01 vmk2: cannot move to stack vmotion: it carries faultToleranceLogging, which cannot be "
        "enabled on stack vmotion",
        "class v, host esx01 vmk3: cannot move to stack vmotion: it is bound to iSCSI adapter vmhba64; do not "
        "re-create iSCSI-bound vmknics",
        "class w, host esx01 vmk1: stack nsx does not exist on the host (create custom stacks with 'esxcli network "
        "ip netstack add -N nsx' first)",
    ]


def test_refusal_vmotion_stack_while_default_stack_keeps_vmotion():
    host = esx("esx01", 1, make_vmknic("vmk2", "10.40.0.5/24", services=["vmotion"], portgroup="vMotion-2"))
    intent = {"classes": [{"name": "v", "select": {"devices": ["vmk2"]}, "action": "stack",
                           "stack": {"key": "vmotion"}}]}
    assert "host esx01: after the plan vmk2 would be on the vmotion stack while vmk1 keeps vmotion on the default " \
           "stack, where ESXi then stops using it; move vmk1 in the same class" in refusals([host], intent)


def test_refusal_explicit_addresses():
    hosts = [esx("esx01", 1), esx("esx02", 2, make_vmknic("vmk2", "10.20.0.7/24", portgroup="Other"))]
    intent = {"classes": [subnet_class(addresses={"esx01": "10.20.0.7", "esx02": {"vmk9": "10.20.0.8"}})]}
    problems = refusals(hosts, intent)
    assert problems[:2] == [
        "class vmotion: explicit address 10.20.0.7 for host esx01 vmk1 is in use by esx02 vmk2",
        "class vmotion: explicit address 10.20.0.8 for host esx02 vmk9: the class selects no such vmknic there",
    ]
    assert refusals([esx("esx01", 1)], {"classes": [subnet_class(addresses={"esx01": "10.20.0.300"})]}) == [
        "class vmotion.subnet.addresses[esx01]: '10.20.0.300' is not an IPv4 address"]


def test_refusal_portgroup_on_other_switch_and_shared_portgroup():
    host = esx("esx01", 1, make_vmknic("vmk2", "10.10.0.41/24", services=["vmotion"], portgroup="vMotion-2"),
               extra_pgs=[pg("vMotion-2")])
    intent = {"classes": [subnet_class(portgroup={"name": "vMotion-20"})]}
    assert refusals([host], intent) == ["host esx01: port group vMotion-20 on vSwitch0 would hold vmk1, vmk2; a "
                                        "standard port group holds one vmknic"]
    other = esx("esx01", 1, extra_pgs=[pg("vMotion-20", switch="vSwitch1")])
    assert refusals([other], intent) == ["class vmotion, host esx01 vmk1: port group vMotion-20 exists on vSwitch1, "
                                         "not on vSwitch0 where vmk1 is"]


def test_refusals_are_complete_across_hosts_and_classes():
    hosts = [esx("esx01", 1), esx("esx02", 2)]
    intent = {"classes": [subnet_class(pool={"start": "10.20.0.10", "end": "10.20.0.10"}),
                          {"name": "mgmt", "select": {"devices": ["vmk0"]}, "action": "subnet",
                           "subnet": {"network": "10.30.0.0/24"}}]}
    with pytest.raises(PlanError) as caught:
        plan(hosts, intent)
    problems = caught.value.problems
    assert "class vmotion: pool 10.20.0.10-10.20.0.10 of 10.20.0.0/24 has 1 free address, 2 needed" in problems
    assert sum("the plan changes vmk0" in p for p in problems) == 2
    assert caught.value.plan["executable"] is False


def test_invalid_intent_raises_plan_error_with_every_problem():
    with pytest.raises(PlanError) as caught:
        plan([], {"classes": [{"name": "x", "action": "subnet", "select": {}, "subnet": {"network": "nope"}}]})
    assert len(caught.value.problems) == 2


# --------------------------------------------------------------------------- allocation edges


def test_allocation_skips_network_broadcast_gateway_exclusions_and_used_anywhere():
    hosts = [esx("esx01", 1), esx("esx02", 2),
             esx("esx03", 3, make_vmknic("vmk2", "10.20.0.1/24", portgroup="x", stack="custom")),
             make_host("esx04", [make_vmknic("vmk0", "10.20.0.3/24", services=["management"])],
                       stacks=[make_stack("defaultTcpipStack", default_gateway="10.20.0.4")])]
    intent = {"classes": [subnet_class(gateway="10.20.0.2", pool={"exclude": ["10.20.0.5-10.20.0.6"]},
                                       network="10.20.0.0/29")]}
    # usable 10.20.0.1-6: .1 used on esx03 (another stack), .2 gateway, .3 used on esx04, .4 esx04's stack
    # gateway, .5-.6 excluded -> nothing left
    assert refusals(hosts, intent) == ["class vmotion: pool 10.20.0.1-10.20.0.6 of 10.20.0.0/29 has 0 free "
                                       "addresses, 3 needed"]
    intent["classes"][0]["subnet"]["network"] = "10.20.0.0/28"
    intent["classes"][0]["subnet"]["pool"] = {"exclude": ["10.20.0.5-10.20.0.6", "10.20.0.8/31"]}
    addresses = [op["ipv4"]["address"] for op in all_ops(plan(hosts, intent)) if op.get("ipv4")]
    assert addresses == ["10.20.0.7", "10.20.0.10", "10.20.0.11"]


def test_allocation_keeps_fitting_addresses_before_allocating():
    # esx01's vmk1 needs a new address; esx02's 10.20.0.1 already fits and is kept (not given to esx01).
    hosts = [esx("esx01", 1), make_host("esx02", [
        make_vmknic("vmk0", "10.10.0.12/24", services=["management"]),
        make_vmknic("vmk1", "10.20.0.1/16", services=["vmotion"])])]
    document = plan(hosts, {"classes": [subnet_class()]})
    assert all_ops(document) == [
        {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1",
         "ipv4": {"address": "10.20.0.2", "netmask": "255.255.255.0"}},
        {"op": "UpdateVirtualNic", "host": "esx02", "device": "vmk1",
         "ipv4": {"address": "10.20.0.1", "netmask": "255.255.255.0"}},  # netmask fixed, address kept
    ]


def test_duplicate_address_is_kept_once_only():
    hosts = [
        make_host(f"esx0{i}", [make_vmknic("vmk0", f"10.10.0.1{i}/24", services=["management"]),
                               make_vmknic("vmk1", "10.20.0.9/24", services=["vmotion"])])
        for i in (1, 2)
    ]
    # Both hold 10.20.0.9, so neither keeps it: both get fresh addresses.
    ops = all_ops(plan(hosts, {"classes": [subnet_class()]}))
    assert [(op["host"], op["ipv4"]["address"]) for op in ops] == [("esx01", "10.20.0.1"), ("esx02", "10.20.0.2")]


# --------------------------------------------------------------------------- reconcile / simulate


def test_simulate_refuses_unsafe_operations():
    host = esx("esx01", 1)
    with pytest.raises(SimulationError, match="management vmknic"):
        simulate(host, [{"op": "RemoveVirtualNic", "host": "esx01", "device": "vmk0"}])
    with pytest.raises(SimulationError, match="already holds vmk0"):
        simulate(host, [{"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1",
                         "portgroup": "Management Network", "switch": "vSwitch0"}])
    with pytest.raises(SimulationError, match="without an IPv4 address"):
        simulate(host, [{"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "ipv4": None}])
    assert simulate(host, []) == host and simulate(host, []) is not host


def test_reconcile_removes_and_adds_vmknics_and_portgroups():
    before = esx("esx01", 1)
    after = simulate(before, [
        {"op": "AddPortGroup", "host": "esx01", "name": "NFS", "switch": "vSwitch0", "vlan": 30,
         "teaming": {"active": ["vmnic2"], "standby": []}},
        {"op": "AddVirtualNic", "host": "esx01", "device": "vmk2", "portgroup": "NFS", "switch": "vSwitch0",
         "stack": "defaultTcpipStack", "ipv4": {"address": "10.30.0.5", "netmask": "255.255.255.0"}, "mtu": 9000,
         "gateway_override": None, "mac": None, "ipv6": None},
        {"op": "SelectVnicForNicType", "host": "esx01", "nic_type": "vSphereBackupNFC", "device": "vmk2"},
    ])
    ops = strip(reconcile(after, before))
    assert ops == [
        {"op": "DeselectVnicForNicType", "host": "esx01", "nic_type": "vSphereBackupNFC", "device": "vmk2"},
        {"op": "RemoveVirtualNic", "host": "esx01", "device": "vmk2"},
        {"op": "RemovePortGroup", "host": "esx01", "name": "NFS", "switch": "vSwitch0"},
    ]
    assert state_differences(before, simulate(after, ops)) == []
    forward = reconcile(before, after)
    assert state_differences(after, simulate(before, forward)) == []


def test_reconcile_refuses_swaps_and_vsan():
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
                               make_vmknic("vmk1", "10.20.0.1/24"), make_vmknic("vmk2", "10.20.0.2/24")])
    swapped = copy.deepcopy(host)
    swapped["vmknics"][1]["ipv4"], swapped["vmknics"][2]["ipv4"] = host["vmknics"][2]["ipv4"], host["vmknics"][1]["ipv4"]
    with pytest.raises(PlanError, match="swap port groups or addresses"):
        reconcile(host, swapped)
    vsan = copy.deepcopy(host)
    vsan["vmknics"][1]["services"] = ["vsan"]
    with pytest.raises(PlanError, match="UpdateVsan_Task"):
        reconcile(host, vsan)


def test_vacating_vmknic_goes_first():
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
                               make_vmknic("vmk1", "10.20.0.2/24"), make_vmknic("vmk2", "10.30.0.2/24")])
    target = copy.deepcopy(host)
    target["vmknics"][1]["ipv4"] = copy.deepcopy(host["vmknics"][2]["ipv4"])  # vmk1 takes vmk2's address...
    target["vmknics"][2]["ipv4"]["address"] = "10.30.0.3"                    # ...which vmk2 gives up
    assert [op["device"] for op in reconcile(host, target)] == ["vmk2", "vmk1"]


# --------------------------------------------------------------------------- rollback property


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_rollback_and_idempotency_property(scenario):
    hosts, intent = scenario
    document = plan(hosts, intent)
    assert_rollback(document)
    assert all_ops(plan(afters(document), intent)) == []
    for entry in document["hosts"]:
        # What check mode reports is what simulate predicts, and the executor compares with it.
        assert entry["after"] == simulate(entry["before"], entry["operations"])


# --------------------------------------------------------------------------- scale


def test_plan_1000_hosts_timing():
    hosts = [esx(f"esx{i:04d}", i % 200,
                 make_vmknic("vmk2", f"10.11.{i // 250}.{i % 250 + 1}/16", services=["vSphereProvisioning"],
                             portgroup="Prov"))
             for i in range(1000)]
    intent = {"classes": [subnet_class(network="10.20.0.0/20"),
                          {"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "stack",
                           "stack": {"key": "vSphereProvisioning"}}]}
    started = time.perf_counter()
    document = plan(hosts, intent)
    elapsed = time.perf_counter() - started
    print(f"\nplanned 1000 hosts, {document['summary']['operations']} operations in {elapsed:.2f}s")
    assert document["summary"]["hosts_changed"] == 1000


def test_build_plan_reports_refusals_without_raising():
    document = build_plan([esx("esx01", 1), esx("esx02", 2)],
                          {"classes": [subnet_class(range="10.20.0.10-10.20.0.10")]})
    assert document["executable"] is False
    assert document["refusals"] == [{"host": None, "class": "vmotion", "message": "class vmotion: pool "
                                     "10.20.0.10-10.20.0.10 of 10.20.0.0/24 has 1 free address, 2 needed"}]
    assert document["summary"]["refusals"] == 1


# --------------------------------------------------------------------------- IPv6


def slaac_host(name: str, number: int, **kwargs) -> dict:
    """Two vmknics with SLAAC addresses in one /64 (router advertisements on their VLAN): multi-homed."""
    slaac = [make_ipv6_address(f"2001:db8:60::{number}:{i}/64", origin="linklayer") for i in (1, 2)]
    nics = [
        make_vmknic("vmk0", f"10.10.0.{10 + number}/24", services=["management"], portgroup="Management Network"),
        make_vmknic("vmk1", f"10.61.0.{number}/24", portgroup="A", ipv6=make_ipv6([slaac[0]], autoconf=True)),
        make_vmknic("vmk2", f"10.62.0.{number}/24", portgroup="B", ipv6=make_ipv6([slaac[1]], autoconf=True)),
    ]
    return make_host(name, nics, portgroups=[pg("Management Network"), pg("A"), pg("B")], ipv6_enabled=True, **kwargs)


def v6_class(**ipv6) -> dict:
    return {"name": "nfs", "select": {"portgroups": ["B"]}, "action": "subnet", "subnet": {"ipv6": ipv6}}


def test_ipv6_autoconf_off_removes_the_slaac_address_and_the_finding():
    hosts = [slaac_host("esx01", 1)]
    document = assert_idempotent(hosts, {"classes": [v6_class(autoconf=False)]})
    assert all_ops(document) == [{"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk2",
                                  "ipv6": {"autoconf": False, "dhcp": False, "add": [], "remove": []}}]
    entry = document["hosts"][0]
    vmk2 = next(n for n in entry["after"]["vmknics"] if n["device"] == "vmk2")
    assert vmk2["ipv6"] == {"autoconf": False, "dhcp": False, "addresses": []}
    assert vmk2["ipv4"] == hosts[0]["vmknics"][2]["ipv4"]  # IPv4 untouched
    assert [r["device"] for r in entry["after"]["stacks"][0]["routes"] if r["family"] == "ipv6"] == ["vmk1"]
    assert (entry["findings_before"], entry["findings_after"]) == (1, 0)
    assert_rollback(document)


def test_ipv6_static_addresses_lowest_free_kept_on_rerun_with_gateway():
    # Another host's vmknic already holds 2001:db8:62::10: never handed out again.
    holder = make_host("esx03", [make_vmknic("vmk0", "10.10.0.30/24", services=["management"],
                                             ipv6=make_ipv6(["2001:db8:62::10/64"]))], ipv6_enabled=True)
    hosts = [slaac_host("esx02", 2), holder, slaac_host("esx01", 1)]
    intent = {"classes": [v6_class(autoconf=False, network="2001:db8:62::/64", range="2001:db8:62::10-2001:db8:62::20",
                                   gateway="2001:db8:62::1")]}
    document = assert_idempotent(hosts, intent)
    assert [(op["host"], op["ipv6"]["add"], op["gateway_override"]) for op in all_ops(document)] == [
        ("esx01", ["2001:db8:62::11/64"], {"ipv4": None, "ipv6": "2001:db8:62::1"}),
        ("esx02", ["2001:db8:62::12/64"], {"ipv4": None, "ipv6": "2001:db8:62::1"}),
    ]
    assert_rollback(document)


def test_ipv6_replaces_manual_addresses_outside_the_class_prefix():
    host = slaac_host("esx01", 1)
    host["vmknics"][2]["ipv6"] = make_ipv6(["2001:db8:60::99/64", "2001:db8:62::15/64"], autoconf=False)
    document = assert_idempotent([host], {"classes": [v6_class(network="2001:db8:62::/64")]})
    # The address that already fits stays; the one in the shared prefix goes.
    assert all_ops(document) == [{"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk2",
                                  "ipv6": {"autoconf": False, "dhcp": False, "add": [], "remove": ["2001:db8:60::99/64"]}}]
    assert_rollback(document)


def test_ipv6_swap_of_manual_addresses_is_ordered():
    host = slaac_host("esx01", 1)
    host["vmknics"][1]["ipv6"] = make_ipv6(["2001:db8:62::5/64"])
    host["vmknics"][2]["ipv6"] = make_ipv6([])
    target = copy.deepcopy(host)
    target["vmknics"][1]["ipv6"] = make_ipv6([])
    target["vmknics"][2]["ipv6"] = make_ipv6(["2001:db8:62::5/64"])
    # vmk2 takes the address vmk1 gives up: vmk1 goes first.
    assert [op["device"] for op in reconcile(host, target)] == ["vmk1", "vmk2"]
    target["vmknics"][1]["ipv6"] = make_ipv6(["2001:db8:62::6/64"])
    host["vmknics"][2]["ipv6"] = make_ipv6(["2001:db8:62::6/64"])
    with pytest.raises(PlanError, match="swap port groups or addresses"):
        reconcile(host, target)


def test_ipv6_refusals():
    disabled = slaac_host("esx01", 1)
    disabled["ipv6_enabled"] = False
    assert refusals([disabled], {"classes": [v6_class(autoconf=False, network="2001:db8:62::/64")]}) == [
        "class nfs, host esx01 vmk2: IPv6 is disabled on the host (config.network.ipV6Enabled); enabling it needs a "
        "reboot, which this planner does not do"]
    hosts = [slaac_host("esx01", 1), slaac_host("esx02", 2)]
    assert refusals(hosts, {"classes": [v6_class(autoconf=False, network="2001:db8:62::/64",
                                                 range="2001:db8:62::10-2001:db8:62::10")]}) == [
        "class nfs: pool 2001:db8:62::10-2001:db8:62::10 of 2001:db8:62::/64 has 1 free address, 2 needed"]
    # SLAAC left on: the static address does not end the shared prefix.
    problems = refusals([slaac_host("esx01", 1)], {"classes": [v6_class(network="2001:db8:62::/64")]})
    assert len(problems) == 1 and "ipv6-same-prefix would remain" in problems[0], problems
    explicit = {"classes": [v6_class(autoconf=False, network="2001:db8:60::/64",
                                     addresses={"esx01": "2001:db8:60::1:1"})]}
    assert refusals([slaac_host("esx01", 1)], explicit) == [
        "class nfs: explicit address 2001:db8:60::1:1 for host esx01 vmk2 is in use by esx01 vmk1"]
