# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host and a two-step plan for the apply tests (test_applier, test_records): the host applies
operations with the engine's simulator and fails where told."""

from __future__ import annotations

import copy

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import make_host, make_portgroup, make_vmknic


def before_host() -> dict:
    return make_host("esx01", [
        make_vmknic("vmk0", "10.10.0.11/24", services=["management"], portgroup="Management Network"),
        make_vmknic("vmk1", "10.10.0.12/24", services=["vmotion"], portgroup="vMotion"),
    ], portgroups=[make_portgroup("Management Network"), make_portgroup("vMotion")])


OPERATIONS = [
    {"op": "UpdatePortGroup", "host": "esx01", "name": "vMotion", "switch": "vSwitch0", "vlan": 20, "teaming": None,
     "description": "vMotion: VLAN 20"},
    {"op": "UpdateVirtualNic", "host": "esx01", "device": "vmk1", "ipv4": {"address": "10.20.0.10", "netmask": "255.255.255.0"},
     "description": "vmk1: 10.20.0.10/24"},
]


class FakeHost:
    """Applies operations with the planner's simulator, fails where told, records every call."""

    def __init__(self, state: dict, fail_at: set[int] | None = None, drop: bool = False) -> None:
        self.state = copy.deepcopy(state)
        self.fail_at = fail_at or set()
        self.drop = drop  # "succeeds" without changing anything: verification must catch it
        self.calls: list[str] = []

    def read(self) -> dict:
        return copy.deepcopy(self.state)

    def run(self, operation: dict) -> None:
        index = len(self.calls)
        self.calls.append(operation["op"])
        if index in self.fail_at:
            raise RuntimeError(f"injected failure of call {index}")
        if not self.drop:
            self.state = simulate(self.state, [operation])
