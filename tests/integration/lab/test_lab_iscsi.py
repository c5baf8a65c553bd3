"""IscsiManager and the software iSCSI adapter in the lab."""

import pytest
from conftest import add_pg, add_vmk, vnic
from pyVmomi import vim

H = "10.10.0.24"


def hba_devices(h):
    return [a.device for a in h.config.storageDevice.hostBusAdapter]


def reasons(info):
    return [type(r).__name__.split(".")[-1] for r in (info.complianceStatus.reason or [])]


def test_demo_bindings(hosts):
    good = hosts["10.10.0.14"].configManager.iscsiManager.QueryBoundVnics("vmhba65")
    assert [(p.vnicDevice, p.pnicDevice, p.pathStatus, reasons(p)) for p in good] == [
        ("vmk1", "vmnic2", "active", []), ("vmk2", "vmnic3", "active", [])]
    bad = hosts["10.10.0.15"].configManager.iscsiManager.QueryBoundVnics("vmhba65")
    assert [reasons(p) for p in bad] == [["IscsiFaultVnicHasMultipleUplinks"]] * 2


def test_enable_software_iscsi_per_host(hosts):
    h = hosts[H]
    other = hosts["10.10.0.11"]
    assert h.config.storageDevice.softwareInternetScsiEnabled is False
    assert "vmhba65" not in hba_devices(h)
    with pytest.raises(vim.fault.NotFound):
        h.configManager.iscsiManager.QueryBoundVnics("vmhba65")
    h.configManager.storageSystem.UpdateSoftwareInternetScsiEnabled(True)
    assert h.config.storageDevice.softwareInternetScsiEnabled is True
    hba = [a for a in h.config.storageDevice.hostBusAdapter if a.device == "vmhba65"][0]
    assert isinstance(hba, vim.host.InternetScsiHba) and hba.isSoftwareBased
    assert hba.networkBindingSupport == "optional"
    assert other.config.storageDevice.softwareInternetScsiEnabled is False  # not a shared template
    assert h.configManager.storageSystem.storageDeviceInfo.softwareInternetScsiEnabled is True
    h.configManager.storageSystem.RescanHba("vmhba65")
    h.configManager.storageSystem.RescanAllHba()
    assert "vmhba65" in hba_devices(h)
    with pytest.raises(vim.fault.NotFound):
        h.configManager.storageSystem.RescanHba("vmhba99")


def test_candidates_bind_unbind(hosts):
    h = hosts[H]
    ism = h.configManager.iscsiManager
    add_pg(h, "iSCSI-A", vlan=40, vswitch="vSwitch1", active=["vmnic2"], standby=[])
    add_pg(h, "iSCSI-B", vlan=40, vswitch="vSwitch1", active=["vmnic3"], standby=["vmnic2"])
    add_pg(h, "iSCSI-C", vlan=40, vswitch="vSwitch1", active=[], standby=[])
    a = add_vmk(h, "iSCSI-A", "10.40.0.21")
    b = add_vmk(h, "iSCSI-B", "10.40.0.121")
    c = add_vmk(h, "iSCSI-C", "10.40.0.221")
    cand = {p.vnicDevice: p for p in ism.QueryCandidateNics("vmhba65") if p.vnicDevice}
    assert reasons(cand[a]) == [] and cand[a].pnicDevice == "vmnic2"
    assert reasons(cand[b]) == ["IscsiFaultVnicHasMultipleUplinks"]
    assert reasons(cand[c]) == ["IscsiFaultVnicHasNoUplinks"]
    assert reasons(cand["vmk0"]) == ["IscsiFaultVnicHasMultipleUplinks"]
    with pytest.raises(vim.fault.IscsiFaultVnicHasMultipleUplinks):
        ism.BindVnic("vmhba65", b)
    with pytest.raises(vim.fault.IscsiFaultVnicHasNoUplinks):
        ism.BindVnic("vmhba65", c)
    with pytest.raises(vim.fault.IscsiFaultVnicNotFound):
        ism.BindVnic("vmhba65", "vmk77")
    ism.BindVnic("vmhba65", a)
    with pytest.raises(vim.fault.IscsiFaultVnicAlreadyBound):
        ism.BindVnic("vmhba65", a)
    bound = ism.QueryBoundVnics("vmhba65")
    assert [(p.vnicDevice, p.pathStatus, p.portgroupName, p.switchName) for p in bound] == [(a, "notUsed", "iSCSI-A", "vSwitch1")]
    assert a not in {p.vnicDevice for p in ism.QueryCandidateNics("vmhba65")}
    st = [type(r).__name__.split(".")[-1] for r in ism.QueryVnicStatus(a).reason]
    assert st == ["IscsiFaultVnicInUse"]
    # a bound vmknic cannot be removed
    with pytest.raises(vim.fault.HostConfigFault):
        h.configManager.networkSystem.RemoveVirtualNic(a)
    assert vnic(h, a) is not None
    # migration dependencies of its uplink: listed, and allowed while the port has no sessions
    dep = ism.QueryMigrationDependencies(["vmnic2", "vmnic0"])
    assert dep.migrationAllowed is True and dep.disallowReason is None
    assert [(d.pnicDevice, d.vnicDevice, d.vmhbaName) for d in dep.dependency] == [("vmnic2", a, "vmhba65")]
    assert ism.QueryMigrationDependencies(["vmnic0"]).migrationAllowed is True
    assert [type(r).__name__.split(".")[-1] for r in ism.QueryPnicStatus("vmnic2").reason] == ["IscsiFaultPnicInUse"]
    # targets give the sole bound port sessions: its path is the last active one, which a move of
    # its uplink would take away and which unbinding needs force for
    h.configManager.storageSystem.AddInternetScsiSendTargets("vmhba65", [vim.host.InternetScsiHba.SendTarget(address="10.40.0.250")])
    assert ism.QueryBoundVnics("vmhba65")[0].pathStatus == "lastActive"
    dep = ism.QueryMigrationDependencies(["vmnic2"])
    assert dep.migrationAllowed is False
    assert [(type(r).__name__.split(".")[-1], r.vnicDevice) for r in dep.disallowReason.reason] == [("IscsiFaultVnicIsLastPath", a)]
    with pytest.raises(vim.fault.IscsiFaultVnicIsLastPath):
        ism.UnbindVnic("vmhba65", a, False)
    ism.UnbindVnic("vmhba65", a, True)
    assert not ism.QueryBoundVnics("vmhba65")
    with pytest.raises(vim.fault.IscsiFaultVnicNotBound):
        ism.UnbindVnic("vmhba65", a, False)
    h.configManager.networkSystem.RemoveVirtualNic(a)
