"""HostVirtualNicManager in the lab: per-host objects, nicTypes, select / deselect rules."""

import pytest
from conftest import add_pg, add_vmk, selected
from pyVmomi import vim, vmodl

H = "10.10.0.23"
ALL_TYPES = {"vmotion", "faultToleranceLogging", "vSphereReplication", "vSphereReplicationNFC", "management", "vsan",
             "vSphereProvisioning", "vsanWitness", "vSphereBackupNFC", "ptp", "nvmeTcp", "nvmeRdma"}


def test_vnic_manager_per_host_and_info(hosts):
    refs = {h.configManager.virtualNicManager._moId for h in hosts.values()}
    assert len(refs) == len(hosts)
    h = hosts[H]
    vnm = h.configManager.virtualNicManager
    types = {nc.nicType: nc for nc in vnm.info.netConfig}
    assert set(types) == ALL_TYPES
    assert set(nc.nicType for nc in h.config.virtualNicManagerInfo.netConfig) == ALL_TYPES
    assert types["ptp"].multiSelectAllowed is False
    assert all(nc.multiSelectAllowed for t, nc in types.items() if t != "ptp")
    mgmt = types["management"]
    assert list(mgmt.selectedVnic) == ["management.key-vim.host.VirtualNic-vmk0"]
    assert [c.device for c in mgmt.candidateVnic] == ["vmk0"]  # no stray vmk1 from the template
    assert mgmt.candidateVnic[0].key == "management.key-vim.host.VirtualNic-vmk0"
    q = vnm.QueryNetConfig("vSphereBackupNFC")
    assert q.nicType == "vSphereBackupNFC" and not q.selectedVnic
    with pytest.raises(vmodl.fault.InvalidArgument):
        vnm.QueryNetConfig("bogus")


def test_select_deselect(hosts):
    h = hosts[H]
    vnm = h.configManager.virtualNicManager
    add_pg(h, "vMotion", vlan=20)
    dev = add_vmk(h, "vMotion", "10.20.0.20")
    vnm.SelectVnicForNicType("vmotion", dev)
    vnm.SelectVnicForNicType("vmotion", dev)  # idempotent
    assert selected(h, "vmotion") == [dev]
    assert list(vnm.QueryNetConfig("vmotion").selectedVnic) == ["vmotion.key-vim.host.VirtualNic-" + dev]
    vnm.SelectVnicForNicType("management", dev)
    assert selected(h, "management") == ["vmk0", dev]
    vnm.DeselectVnicForNicType("management", dev)
    assert selected(h, "management") == ["vmk0"]
    # ptp: one vmknic only, selecting moves it
    vnm.SelectVnicForNicType("ptp", "vmk0")
    vnm.SelectVnicForNicType("ptp", dev)
    assert selected(h, "ptp") == [dev]
    with pytest.raises(vmodl.fault.InvalidArgument):
        vnm.SelectVnicForNicType("bogus", dev)
    with pytest.raises(vmodl.fault.InvalidArgument):
        vnm.SelectVnicForNicType("vmotion", "vmk42")
    with pytest.raises(vmodl.fault.InvalidArgument):
        vnm.SelectVnicForNicType("vsan", dev)  # vSAN is configured with UpdateVsan_Task


def test_services_only_on_default_stack(hosts):
    h = hosts[H]
    vnm = h.configManager.virtualNicManager
    add_pg(h, "vm-stack", vlan=21)
    add_pg(h, "prov-stack", vlan=22)
    vdev = add_vmk(h, "vm-stack", "10.21.0.20", netStackInstanceKey="vmotion")
    pdev = add_vmk(h, "prov-stack", "10.22.0.20", netStackInstanceKey="vSphereProvisioning")
    with pytest.raises(vim.fault.HostConfigFault):
        vnm.SelectVnicForNicType("management", vdev)
    with pytest.raises(vim.fault.HostConfigFault):
        vnm.SelectVnicForNicType("vmotion", pdev)
    vnm.SelectVnicForNicType("vmotion", vdev)  # implied by the stack already
    # a vmknic on the vmotion stack carries vMotion; default-stack vMotion is then disabled
    assert selected(h, "vmotion") == [vdev]
    assert selected(h, "vSphereProvisioning") == [pdev]
    assert "vmotion" in [c.key.split(".")[0] for c in vnm.QueryNetConfig("vmotion").candidateVnic]
    with pytest.raises(vim.fault.HostConfigFault):
        vnm.DeselectVnicForNicType("vmotion", vdev)
    assert selected(h, "management") == ["vmk0"]
