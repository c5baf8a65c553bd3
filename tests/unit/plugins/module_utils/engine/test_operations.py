# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One operation table: every operation the engine names has a simulator and an executor, and
nothing simulates or executes an operation the engine does not name, so a new operation cannot be
added in only some of the places (engine/_values.OPERATIONS, engine/_simulate.SIMULATORS,
apply/_vsphere_ops.OperationRunner for host-level operations, apply/_vcenter_ops.VcenterRunner for
engine/_values.VCENTER_OPERATIONS)."""

from __future__ import annotations

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vcenter_ops import VcenterRunner
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import OperationRunner
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import SIMULATORS
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import OPERATIONS, VCENTER_OPERATIONS


def executors(runner: type = OperationRunner) -> set[str]:
    """The operations a runner's run dispatches to: its methods named _<Operation> (vSphere's
    method names start with an upper-case letter; the runner's own helpers do not)."""
    return {name[1:] for name in vars(runner) if name.startswith("_") and name[1:2].isupper()}


def test_operations_are_unique():
    assert len(OPERATIONS) == len(set(OPERATIONS))


def test_every_operation_has_a_simulator_and_nothing_else_is_simulated():
    assert set(SIMULATORS) == set(OPERATIONS)


def test_every_operation_has_an_executor_and_nothing_else_is_executed():
    assert executors() == set(OPERATIONS) - set(VCENTER_OPERATIONS)
    assert executors(VcenterRunner) == set(VCENTER_OPERATIONS)
