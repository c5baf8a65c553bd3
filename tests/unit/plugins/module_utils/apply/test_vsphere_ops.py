# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pyVmomi call an AddVirtualNic operation becomes, on a standard and on a distributed switch
(the lab test tests/integration/remediation/test_remediate_distributed.py proves vCenter's side)."""

from __future__ import annotations

from types import SimpleNamespace

from pyVmomi import vim

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import OperationRunner


class RecordingNetworkSystem:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def AddVirtualNic(self, portgroup: str, nic: object) -> str:  # noqa: N802 (the vSphere method name)
        self.calls.append((portgroup, nic))
        return "vmk3"


def run_add(**extra: object) -> tuple[list[tuple[str, object]], OperationRunner]:
    network = RecordingNetworkSystem()
    runner = OperationRunner(SimpleNamespace(configManager=SimpleNamespace(networkSystem=network)))
    runner.run({"op": "AddVirtualNic", "host": "esx01", "device": "vmk1", "portgroup": "dv-vMotion", "switch": "dvs1",
                "stack": "vmotion", "ipv4": {"address": "10.20.0.5", "netmask": "255.255.255.0"}, "mtu": 9000,
                "gateway_override": None, "mac": None, "ipv6": None, **extra})
    return network.calls, runner


def test_distributed_port_is_named_by_switch_uuid_and_portgroup_key():
    calls, runner = run_add(dvs={"switch_uuid": "50 2e 7a 11", "portgroup_key": "dvportgroup-21"})
    [(portgroup, spec)] = calls
    assert portgroup == ""
    port = spec.distributedVirtualPort
    assert isinstance(port, vim.dvs.PortConnection)
    assert (port.switchUuid, port.portgroupKey, port.portKey) == ("50 2e 7a 11", "dvportgroup-21", None)
    assert (spec.netStackInstanceKey, spec.mtu, spec.ip.ipAddress, spec.portgroup) == ("vmotion", 9000, "10.20.0.5", None)
    assert runner.renamed == {"vmk1": "vmk3"}


def test_standard_port_group_is_named():
    calls, _runner = run_add()
    [(portgroup, spec)] = calls
    assert portgroup == "dv-vMotion" and spec.distributedVirtualPort is None
