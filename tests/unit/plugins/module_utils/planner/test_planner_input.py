# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner works on its own copies: it never changes the facts or the intent it is given, what
it builds and what its predicted states change share nothing with them, and the cyclic GC it pauses
is restored.

The planner copies each host's facts only where it changes them (the target, and in simulate()'s
state what the operations change: the rest of a predicted state is the facts' own, unchanged);
these tests are what makes that safe (docs/benchmarks.md, planner)."""

from __future__ import annotations

import copy
import gc
import json
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner import _planner as _plan
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError, SimulationError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import copy_data
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._planner import build_plan, plan

from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding, make_host, make_iscsi_adapter, make_ipv6, make_ipv6_address, make_vmknic,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.planner.plan_cases import ISCSI, esx, pg, scenarios, subnet_class


def containers(value: Any) -> Iterator[Any]:
    """Every dict and list inside value (value included)."""
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def assert_unchanged_and_unshared(hosts: list[dict], intent: dict, document: dict, snapshot: str) -> None:
    assert json.dumps([hosts, intent], sort_keys=True) == snapshot
    given_ids = {id(item) for item in containers([hosts, intent])}
    for entry in document["hosts"]:
        # What the planner built is its own: changing it cannot change the facts.
        assert not [item for item in containers(entry["operations"]) if id(item) in given_ids]
        # So is what the operations change in the predicted state (the rest is the facts, unchanged).
        changed = {op.get("device") for op in entry["operations"]}
        for nic in entry["after"]["vmknics"]:
            if nic["device"] in changed:
                assert not [item for item in containers(nic) if id(item) in given_ids], nic["device"]


def mixed_hosts() -> list[dict]:
    """Services and bindings out of order, IPv6 addresses of several origins, a DHCP vmknic, an
    iSCSI-bound pair: every list the planner sorts or rewrites."""
    iscsi_a = make_vmknic("vmk3", "10.50.0.11/24", portgroup="iSCSI-A", iscsi_bindings=[make_binding("vmhba64")])
    iscsi_b = make_vmknic("vmk4", "10.50.0.21/24", portgroup="iSCSI-B")
    slaac = make_vmknic("vmk2", "10.10.0.41/24", services=["vSphereProvisioning"], portgroup="Prov",
                        ipv6=make_ipv6([make_ipv6_address("fd00::41/64"),
                                        make_ipv6_address("fd00::aa:41/64", origin="linklayer")], autoconf=True))
    dhcp = make_vmknic("vmk5", "10.10.0.200/24", dhcp=True, services=["vSphereReplication", "vSphereBackupNFC"],
                       portgroup="VR")
    first = esx("esx02", 2, iscsi_a, iscsi_b, slaac, dhcp,
                extra_pgs=[pg("iSCSI-A"), pg("iSCSI-B"), pg("Prov"), pg("VR")],
                software_iscsi_enabled=True, iscsi_adapters=[make_iscsi_adapter("vmhba64", ["vmk3"])], ipv6_enabled=True)
    first["vmknics"].reverse()
    first["portgroups"].reverse()
    return [first, esx("esx01", 1), make_host("esx03", [make_vmknic("vmk0", "10.10.0.13/24", services=["management"])],
                                              connection_state="disconnected")]


MIXED_INTENT = {"classes": [
    subnet_class(vlan=20, mtu=9000, gateway="10.20.0.1"),
    {"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "stack",
     "stack": {"key": "vSphereProvisioning"}},
    copy.deepcopy(ISCSI["classes"][0]),
]}


def test_plan_does_not_change_its_input():
    hosts, intent = mixed_hosts(), copy.deepcopy(MIXED_INTENT)
    snapshot = json.dumps([hosts, intent], sort_keys=True)
    document = build_plan(hosts, intent)
    assert document["summary"]["hosts_changed"] >= 1  # the planner had work to do on these facts
    assert_unchanged_and_unshared(hosts, intent, document, snapshot)
    # The same facts plan the same way a second time (nothing the first run touched leaked back).
    assert build_plan(hosts, intent) == document


def test_refused_plan_does_not_change_its_input():
    hosts = mixed_hosts()
    intent = {"classes": [subnet_class(range="10.20.0.10-10.20.0.10")]}  # one address for two hosts
    snapshot = json.dumps([hosts, intent], sort_keys=True)
    with pytest.raises(PlanError) as caught:
        plan(hosts, intent)
    assert caught.value.plan["refusals"]
    assert_unchanged_and_unshared(hosts, intent, caught.value.plan, snapshot)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_plan_does_not_change_its_input_property(scenario):
    hosts, intent = scenario
    snapshot = json.dumps([hosts, intent], sort_keys=True)
    document = build_plan(hosts, intent)
    assert_unchanged_and_unshared(hosts, intent, document, snapshot)


def test_simulate_does_not_change_its_input():
    hosts = mixed_hosts()
    document = plan(hosts, MIXED_INTENT)
    entry = next(h for h in document["hosts"] if h["host"] == "esx02")
    before = json.dumps(entry["before"], sort_keys=True)
    state = simulate(entry["before"], entry["operations"])
    assert state == entry["after"]
    assert json.dumps(entry["before"], sort_keys=True) == before
    assert not {id(item) for item in containers(state)} & {id(item) for item in containers(entry["before"])}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_shared_prediction_is_the_full_copy_prediction(scenario):
    """simulate(share_unchanged=True), the planner's, predicts what the full copy predicts, and
    leaves the state it starts from as it was."""
    hosts, intent = scenario
    document = build_plan(hosts, intent)
    for entry in document["hosts"]:
        before = json.dumps(entry["before"], sort_keys=True)
        assert predicted(entry, share_unchanged=True) == predicted(entry)
        assert json.dumps(entry["before"], sort_keys=True) == before


def predicted(entry: dict, **options: Any) -> Any:
    try:
        return simulate(entry["before"], entry["operations"], **options)
    except SimulationError as error:
        return error.problems


def test_copy_data_is_a_deep_copy():
    value = {"a": [{"b": 1, "c": None}, ("x", [2])], "d": {"e": {"f", "g"}}, "h": 1.5, "i": True}
    copied = copy_data(value)
    assert copied == value
    assert not {id(item) for item in containers(copied)} & {id(item) for item in containers(value)}
    assert copied["a"][1][1] is not value["a"][1][1]  # lists inside tuples are copied too
    assert copied["d"]["e"] is not value["d"]["e"]  # other types go through copy.deepcopy


@pytest.mark.parametrize("enabled", [True, False])
def test_build_plan_restores_the_garbage_collector(enabled, monkeypatch):
    seen = []
    real_run = _plan._Planner.run

    def run(self):
        seen.append(gc.isenabled())
        return real_run(self)

    monkeypatch.setattr(_plan._Planner, "run", run)
    (gc.enable if enabled else gc.disable)()
    try:
        build_plan([esx("esx01", 1)], {"classes": [subnet_class()]})
        assert seen == [False] and gc.isenabled() is enabled

        def fail(self):
            raise RuntimeError("planner bug")

        monkeypatch.setattr(_plan._Planner, "run", fail)
        with pytest.raises(RuntimeError):
            build_plan([esx("esx01", 1)], {"classes": [subnet_class()]})
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
