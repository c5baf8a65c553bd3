"""Journal of mutating calls and fault injection."""

import pytest
from conftest import add_pg, add_vmk, pg
from pyVmomi import vim

H = "10.10.0.27"


def test_journal_entries(lab, hosts):
    h = hosts[H]
    lab.clear_journal()
    add_pg(h, "J1", vlan=5)
    h.configManager.virtualNicManager.QueryNetConfig("vmotion")  # reads are not journaled
    h.config.network.vnic
    with pytest.raises(vim.fault.AlreadyExists):
        add_pg(h, "J1", vlan=5)
    j = lab.journal()
    assert [e["method"] for e in j] == ["AddPortGroup", "AddPortGroup"]
    e = j[0]
    assert set(e) >= {"seq", "time", "method", "host", "object", "args"}
    assert e["host"] == H and e["object"] == h.configManager.networkSystem._moId
    assert e["args"]["name"] == "J1" and e["args"]["vlan"] == 5
    assert "fault" not in e
    assert j[1]["fault"] == "AlreadyExists" and j[1]["seq"] > e["seq"]
    lab.clear_journal()
    assert lab.journal() == []


def test_injected_fault_nth_count_host(lab, hosts):
    h = hosts[H]
    lab.inject_fault("AddPortGroup", host=H, nth=2, count=2, fault="PlatformConfigFault", message="boom")
    add_pg(h, "F1")
    for name in ("F2", "F3"):
        with pytest.raises(vim.fault.PlatformConfigFault) as e:
            add_pg(h, name)
        assert "boom" in e.value.msg
        assert pg(h, name) is None  # nothing changed
    add_pg(h, "F4")
    add_pg(hosts["10.10.0.23"], "F-other")  # other hosts are not affected
    j = [e for e in lab.journal() if e["method"] == "AddPortGroup" and e["host"] == H]
    assert [e.get("fault") for e in j[-4:]] == [None, "PlatformConfigFault", "PlatformConfigFault", None]
    f = lab.faults()[0]
    assert (f["seen"], f["fired"]) == (4, 2)
    lab.clear_faults()
    assert lab.faults() == []


def test_injected_fault_types(lab, hosts):
    h = hosts[H]
    lab.inject_fault("AddVirtualNic", fault="HostConfigFault")
    with pytest.raises(vim.fault.HostConfigFault):
        add_vmk(h, "F1", "10.1.0.24")
    lab.inject_fault("UnbindVnic", fault="IscsiFaultVnicHasActivePaths")
    with pytest.raises(vim.fault.IscsiFaultVnicHasActivePaths):
        h.configManager.iscsiManager.UnbindVnic("vmhba65", "vmk0", True)
    lab.inject_fault("RemovePortGroup", fault="ResourceInUse")
    with pytest.raises(vim.fault.ResourceInUse):
        h.configManager.networkSystem.RemovePortGroup("F1")
    assert pg(h, "F1") is not None
    from labctl import LabError
    with pytest.raises(LabError):
        lab.inject_fault("AddPortGroup", fault="NoSuchFault")
