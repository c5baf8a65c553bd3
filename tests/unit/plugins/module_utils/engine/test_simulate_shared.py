# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""simulate(share_unchanged=True), the planner's: for every kind of operation it predicts what the
full copy predicts, never changes the host it starts from, and shares with it only what the
operations leave as it is."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding, make_host, make_iscsi_adapter, make_portgroup, make_vmknic,
)


def _host() -> dict:
    """Management, vMotion and an iSCSI-bound pair, software iSCSI on."""
    nics = [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"),
        make_vmknic("vmk1", "10.10.0.21/24", services=["vmotion"], portgroup="vMotion"),
        make_vmknic("vmk2", "10.50.0.11/24", portgroup="iSCSI-A", iscsi_bindings=[make_binding("vmhba64")]),
        make_vmknic("vmk3", "10.50.0.21/24", portgroup="iSCSI-B", iscsi_bindings=[make_binding("vmhba64")]),
    ]
    pgs = [make_portgroup("Management Network"), make_portgroup("vMotion"),
           make_portgroup("iSCSI-A", active=["vmnic0"], unused=["vmnic1"]),
           make_portgroup("iSCSI-B", active=["vmnic1"], unused=["vmnic0"])]
    return make_host("esx01", nics, portgroups=pgs, software_iscsi_enabled=True,
                     iscsi_adapters=[make_iscsi_adapter("vmhba64", ["vmk2", "vmk3"])])


def _op(op: str, **args: Any) -> dict:
    return {"op": op, "host": "esx01", **args, "description": op}


CASES = {
    # A teaming change judges the bindings of the vmknic on the port group again (in place).
    "teaming of a bound vmknic's port group": [_op("UpdatePortGroup", name="iSCSI-A", switch="vSwitch0", vlan=0,
                                                   teaming={"active": ["vmnic1"], "standby": []})],
    "vlan": [_op("UpdatePortGroup", name="vMotion", switch="vSwitch0", vlan=20, teaming=None)],
    "re-address": [_op("UpdateVirtualNic", device="vmk1", ipv4={"address": "10.20.0.21", "netmask": "255.255.0.0"},
                       mtu=9000)],
    "move": [_op("AddPortGroup", name="vMotion-20", switch="vSwitch0", vlan=20,
                 teaming={"active": ["vmnic0"], "standby": []}),
             _op("UpdateVirtualNic", device="vmk1", portgroup="vMotion-20", switch="vSwitch0"),
             _op("RemovePortGroup", name="vMotion", switch="vSwitch0")],
    "add and remove": [_op("AddPortGroup", name="NFS", switch="vSwitch0", vlan=30,
                           teaming={"active": ["vmnic0"], "standby": []}),
                       _op("AddVirtualNic", device="vmk4", portgroup="NFS", switch="vSwitch0", stack=None,
                           ipv4={"address": "10.30.0.11", "netmask": "255.255.255.0"}, mtu=1500),
                       _op("DeselectVnicForNicType", device="vmk1", nic_type="vmotion"),
                       _op("RemoveVirtualNic", device="vmk1")],
    "services": [_op("SelectVnicForNicType", device="vmk1", nic_type="vSphereReplication")],
    "bindings": [_op("UnbindVnic", device="vmk3", adapter="vmhba64", force=False),
                 _op("RescanHba", adapter="vmhba64"),
                 _op("BindVnic", device="vmk1", adapter="vmhba64")],
    "software iSCSI off": [_op("UnbindVnic", device="vmk2", adapter="vmhba64", force=False),
                           _op("UnbindVnic", device="vmk3", adapter="vmhba64", force=False),
                           _op("UpdateSoftwareInternetScsiEnabled", enabled=False)],
    "refused": [_op("RemoveVirtualNic", device="vmk9")],
}


def _containers(value: Any) -> Iterator[Any]:
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item)


def _predicted(host: dict, operations: list[dict], **options: Any) -> Any:
    try:
        return simulate(host, operations, **options)
    except Exception as error:  # the same refusal either way
        return repr(error)


@pytest.mark.parametrize("operations", CASES.values(), ids=CASES.keys())
def test_shared_prediction_is_the_full_prediction_and_leaves_the_host(operations):
    host = _host()
    snapshot = json.dumps(host, sort_keys=True)
    shared = _predicted(host, copy.deepcopy(operations), share_unchanged=True)
    assert json.dumps(host, sort_keys=True) == snapshot
    assert shared == _predicted(host, copy.deepcopy(operations))
    if isinstance(shared, dict):
        given = {id(item) for item in _containers(host)}
        named = {op.get("device") for op in operations}
        for nic in shared["vmknics"]:
            if nic["device"] in named:  # what the operations change is the prediction's own
                assert not [item for item in _containers(nic) if id(item) in given]
        # ... and what they cannot change is shared: no operation names the management port group.
        management = next(pg for pg in host["portgroups"] if pg["name"] == "Management Network")
        assert any(pg is management for pg in shared["portgroups"])


def test_an_operation_outside_the_shareable_ones_copies_the_whole_host():
    host = _host()
    operations = [{"op": "ReconfigureDVPortgroup", "switch_uuid": "50 2e", "key": "dvportgroup-21", "vlan": 50,
                   "teaming": None, "description": "vCenter"}]
    state = simulate(host, operations, share_unchanged=True)
    assert state == simulate(host, operations)
    assert not {id(item) for item in _containers(state)} & {id(item) for item in _containers(host)}
