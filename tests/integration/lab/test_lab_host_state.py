"""Connection state and maintenance mode in the lab."""

import pytest
from conftest import add_pg, retrieve
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

H = "10.10.0.25"
H2 = "10.10.0.26"


def test_maintenance_mode(hosts):
    h = hosts[H]
    assert h.runtime.inMaintenanceMode is False
    WaitForTask(h.EnterMaintenanceMode_Task(timeout=0))
    assert h.runtime.inMaintenanceMode is True
    with pytest.raises(vim.fault.InvalidState):
        WaitForTask(h.EnterMaintenanceMode_Task(timeout=0))
    WaitForTask(h.ExitMaintenanceMode_Task(timeout=0))
    assert h.runtime.inMaintenanceMode is False
    with pytest.raises(vim.fault.InvalidState):
        WaitForTask(h.ExitMaintenanceMode_Task(timeout=0))


def test_disconnect_blocks_changes_reconnect(hosts):
    h = hosts[H]
    WaitForTask(h.DisconnectHost_Task())
    assert h.runtime.connectionState == "disconnected"
    with pytest.raises(vmodl.fault.HostNotConnected):
        add_pg(h, "X")
    with pytest.raises(vmodl.fault.HostNotConnected):
        h.configManager.virtualNicManager.SelectVnicForNicType("vmotion", "vmk0")
    with pytest.raises(vmodl.fault.HostNotConnected):
        WaitForTask(h.EnterMaintenanceMode_Task(timeout=0))
    WaitForTask(h.ReconnectHost_Task())
    assert h.runtime.connectionState == "connected"
    add_pg(h, "X")


def test_not_responding_host_from_scenario(hosts, si):
    h = hosts["10.10.0.17"]
    assert h.runtime.connectionState == "notResponding"
    with pytest.raises(vmodl.fault.HostNotReachable):
        add_pg(h, "Y")
    states = retrieve(si, ["name", "runtime.connectionState"])
    assert states["10.10.0.17"]["runtime.connectionState"] == "notResponding"
    assert states["10.10.0.11"]["runtime.connectionState"] == "connected"


def test_reconnect_to_a_new_management_address(hosts, lab):
    h = hosts[H2]
    ns = h.configManager.networkSystem
    add_pg(h, "Mgmt2", vlan=0)
    ns.AddVirtualNic("Mgmt2", vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=False, ipAddress="10.10.4.23", subnetMask="255.255.248.0")))
    with pytest.raises(vim.fault.NoHost):
        WaitForTask(h.ReconnectHost_Task(cnxSpec=vim.host.ConnectSpec(hostName="10.10.4.99")))
    WaitForTask(h.ReconnectHost_Task(cnxSpec=vim.host.ConnectSpec(hostName="10.10.4.23")))
    assert h.name == "10.10.4.23"
    # vmk0 no longer holds the address vCenter uses: it may go now
    ns.RemoveVirtualNic("vmk0")
    with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
        ns.RemoveVirtualNic("vmk1")
    e = [x for x in lab.journal() if x["method"] == "ReconnectHost_Task"][-1]
    assert e["args"] == {"hostName": "10.10.4.23"} and "fault" not in e
