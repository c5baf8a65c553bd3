"""Lab hosts look and behave like ESXi 8 (ESXI-NETWORKING.md 1.3, 1.7, 2.3, 2.5, 4.1): IPv6 on,
router advertisements and the M flag, one connected route per subnet, link-local and multicast
routes per vmknic, NSX's vxlan stack, iSCSI path states and migration dependencies, compliance
after a teaming change, vCenter's network rollback on its path to the host, the provisioning stack.

Configurations are built through the plain vSphere API on default hosts wherever the API can
build them; the scenario only supplies what is outside a host (a router, a pNIC without link, the
physical network's MTU, a custom stack made with esxcli, an ALUA standby target)."""

import ipaddress

import pytest
from conftest import add_pg, add_vmk, connect, all_hosts, eui64_link_local, ipcfg, link_local_routes, pg, routes, routes6, selected, vnic
from labctl import Lab
from pyVim.connect import Disconnect
from pyVmomi import vim

SCENARIO = {
    "ra_segments": [{"vlan": 60, "prefix": "2001:db8:60::/64"},
                    {"vlan": 61, "prefix": "2001:db8:61::/64", "managed": True, "router": "fe80::61:1"}],
    "physical_mtu": [{"vlan": 0, "mtu": 1500}],
    "hosts": [
        {"index": 1, "pnics": [{"device": "vmnic3", "link": False}]},
        {"index": 2, "ipv6_enabled": False},
        {"index": 3, "stacks": [{"key": "vxlan", "create": True}],
         "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"]},
                       {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"], "mtu": 9000}],
         "portgroups": [{"name": "TEP-A", "vswitch": "vSwitch1", "vlan": 90, "active": ["vmnic2"], "standby": []},
                        {"name": "TEP-B", "vswitch": "vSwitch1", "vlan": 90, "active": ["vmnic3"], "standby": []}],
         "vmknics": [{"portgroup": "TEP-A", "ip": "10.90.0.14/24", "stack": "vxlan", "owner": "NSX", "mtu": 9000},
                     {"portgroup": "TEP-B", "ip": "10.90.0.114/24", "stack": "vxlan", "owner": "NSX", "mtu": 9000}]},
        {"index": 4,
         "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"]},
                       {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}],
         "portgroups": [{"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic2"], "standby": []},
                        {"name": "iSCSI-B", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic3"], "standby": []}],
         "vmknics": [{"portgroup": "iSCSI-A", "ip": "10.40.0.15/24"}, {"portgroup": "iSCSI-B", "ip": "10.40.0.115/24"}],
         "iscsi": {"enabled": True, "bind": ["vmk1", "vmk2"], "targets": True, "alua_standby": ["vmk2"]}},
    ],
}


@pytest.fixture(scope="module")
def esx8(tmp_path_factory):
    lab = Lab.start(hosts=5, clusters=1, scenario=SCENARIO, state_dir=str(tmp_path_factory.mktemp("esx8")))
    si = connect(lab)
    yield lab, all_hosts(si)
    Disconnect(si)
    lab.stop()


def v6(host, dev):
    return [(a.ipAddress, a.prefixLength, a.origin) for a in vnic(host, dev).spec.ip.ipV6Config.ipV6Address]


def autoconf(on, dhcp=False):
    return vim.host.IpConfig.IpV6AddressConfiguration(autoConfigurationEnabled=on, dhcpV6Enabled=dhcp)


def slaac(prefix, mac):
    """The SLAAC address: the /64 prefix and the interface identifier of the link-local address."""
    interface_id = int(ipaddress.IPv6Address(eui64_link_local(mac))) & (2**64 - 1)
    return str(ipaddress.IPv6Address(int(ipaddress.IPv6Address(prefix)) | interface_id))


def fault_names(status):
    return [type(r).__name__.split(".")[-1] for r in status.reason]


def test_router_advertisements_slaac_and_m_flag(esx8):
    hosts = esx8[1]
    h = hosts["10.10.0.11"]
    ns = h.configManager.networkSystem
    add_pg(h, "V6-RA", vlan=60)
    add_pg(h, "V6-M", vlan=61)
    a = add_vmk(h, "V6-RA", "10.60.0.11")
    b = add_vmk(h, "V6-M", "10.61.0.11")
    mac_a, mac_b = vnic(h, a).spec.mac, vnic(h, b).spec.mac
    # created without an ipV6Config: autoconfiguration off, link-local only, no default route
    assert v6(h, a) == [(eui64_link_local(mac_a), 64, "other")]
    assert [r for r in routes6(h) if r[1] == 0] == []
    # router advertisements on: a SLAAC address, its prefix route and the router's default route
    ns.UpdateVirtualNic(a, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(ipV6Config=autoconf(True))))
    assert v6(h, a) == [(eui64_link_local(mac_a), 64, "other"), (slaac("2001:db8:60::", mac_a), 64, "linklayer")]
    assert routes6(h) == [("::", 0, "fe80::1", a), ("2001:db8:60::", 64, "::", a)] + link_local_routes(h, "vmk0", a, b)
    # an RA with the M flag also gives a dhcp-origin address, DHCPv6 being off
    ns.UpdateVirtualNic(b, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(ipV6Config=autoconf(True))))
    cfg = vnic(h, b).spec.ip.ipV6Config
    assert (cfg.autoConfigurationEnabled, cfg.dhcpV6Enabled) == (True, False)
    assert v6(h, b) == [(eui64_link_local(mac_b), 64, "other"), (slaac("2001:db8:61::", mac_b), 64, "linklayer"),
                        ("2001:db8:61::d:0:102", 64, "dhcp")]
    # with DHCPv6 on and autoconfiguration off, the DHCPv6 address stays and the SLAAC one goes
    ns.UpdateVirtualNic(b, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(ipV6Config=autoconf(False, dhcp=True))))
    assert v6(h, b) == [(eui64_link_local(mac_b), 64, "other"), ("2001:db8:61::d:0:102", 64, "dhcp")]
    # both off: every router-given address goes; the link-local one stays
    ns.UpdateVirtualNic(b, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(ipV6Config=autoconf(False))))
    ns.UpdateVirtualNic(a, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(ipV6Config=autoconf(False))))
    assert (v6(h, a), v6(h, b)) == ([(eui64_link_local(mac_a), 64, "other")], [(eui64_link_local(mac_b), 64, "other")])
    assert routes6(h) == link_local_routes(h, "vmk0", a, b)


def test_ipv6_off_is_a_scenario_choice(esx8):
    hosts = esx8[1]
    h = hosts["10.10.0.13"]
    assert (h.config.network.ipV6Enabled, h.config.network.atBootIpV6Enabled) == (False, False)
    assert vnic(h, "vmk0").spec.ip.ipV6Config is None
    assert routes6(h) == []


def test_nsx_teps_on_the_vxlan_stack(esx8):
    hosts = esx8[1]
    h = hosts["10.10.0.14"]
    assert [s.key for s in h.config.network.netStackInstance] == [
        "vxlan", "ops", "mirror", "vSphereProvisioning", "vmotion", "defaultTcpipStack"]
    teps = [v for v in h.config.network.vnic if v.spec.netStackInstanceKey == "vxlan"]
    assert [(v.device, v.spec.ip.ipAddress, v.owner) for v in teps] == [("vmk1", "10.90.0.14", "NSX"), ("vmk2", "10.90.0.114", "NSX")]
    assert list(routes(h, "vxlan")) == [("10.90.0.0", 24, "0.0.0.0", "vmk1")]


def test_iscsi_path_states_and_migration_dependencies(esx8):
    hosts = esx8[1]
    # A scenario host: two bound ports, the second to an ALUA standby target port.
    ism = hosts["10.10.0.15"].configManager.iscsiManager
    assert [(p.vnicDevice, p.pathStatus) for p in ism.QueryBoundVnics("vmhba65")] == [("vmk1", "lastActive"), ("vmk2", "standBy")]
    assert ism.QueryMigrationDependencies(["vmnic3"]).migrationAllowed is True   # only a standby path
    assert ism.QueryMigrationDependencies(["vmnic2"]).migrationAllowed is False  # the last active one

    # Built through the API on a default host: two compliant bound ports with sessions are active.
    h = hosts["10.10.0.11"]
    ns, ism = h.configManager.networkSystem, h.configManager.iscsiManager
    ns.UpdateVirtualSwitch("vSwitch0", vim.host.VirtualSwitch.Specification(
        numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic0", "vmnic1"])))
    ns.AddVirtualSwitch("vSwitch1", vim.host.VirtualSwitch.Specification(
        numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic2", "vmnic3"])))
    add_pg(h, "iSCSI-A", vlan=40, vswitch="vSwitch1", active=["vmnic2"], standby=[])
    add_pg(h, "iSCSI-B", vlan=40, vswitch="vSwitch1", active=["vmnic3"], standby=[])
    a, b = add_vmk(h, "iSCSI-A", "10.40.0.12"), add_vmk(h, "iSCSI-B", "10.40.0.112")
    h.configManager.storageSystem.UpdateSoftwareInternetScsiEnabled(True)
    ism.BindVnic("vmhba65", a)
    ism.BindVnic("vmhba65", b)
    assert [p.pathStatus for p in ism.QueryBoundVnics("vmhba65")] == ["notUsed", "notUsed"]  # no sessions yet
    h.configManager.storageSystem.AddInternetScsiSendTargets("vmhba65", [vim.host.InternetScsiHba.SendTarget(address="10.40.0.250")])
    assert [(p.vnicDevice, p.pathStatus) for p in ism.QueryBoundVnics("vmhba65")] == [(a, "active"), (b, "active")]
    # moving one uplink leaves another active path; moving both takes the last ones away
    dep = ism.QueryMigrationDependencies(["vmnic2"])
    assert (dep.migrationAllowed, [(d.pnicDevice, d.vnicDevice) for d in dep.dependency]) == (True, [("vmnic2", a)])
    dep = ism.QueryMigrationDependencies(["vmnic2", "vmnic3"])
    assert dep.migrationAllowed is False
    assert [(type(r).__name__.split(".")[-1], r.vnicDevice) for r in dep.disallowReason.reason] == [
        ("IscsiFaultVnicIsLastPath", a), ("IscsiFaultVnicIsLastPath", b)]
    with pytest.raises(vim.fault.IscsiFaultVnicHasActivePaths):
        ism.UnbindVnic("vmhba65", b, False)
    # changing the single active uplink of a bound vmknic: non-compliant until rebound
    ns.UpdatePortGroup("iSCSI-B", vim.host.PortGroup.Specification(
        name="iSCSI-B", vlanId=40, vswitchName="vSwitch1", policy=vim.host.NetworkPolicy(
            nicTeaming=vim.host.NetworkPolicy.NicTeamingPolicy(nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(
                activeNic=["vmnic2"], standbyNic=[])))))
    bound = {p.vnicDevice: p for p in ism.QueryBoundVnics("vmhba65")}
    assert fault_names(bound[b].complianceStatus) == ["IscsiFaultVnicHasWrongUplink"]
    assert fault_names(bound[a].complianceStatus) == []
    assert fault_names(ism.QueryVnicStatus(b)) == ["IscsiFaultVnicInUse", "IscsiFaultVnicHasWrongUplink"]
    ism.UnbindVnic("vmhba65", b, True)
    assert ism.QueryBoundVnics("vmhba65")[0].pathStatus == "lastActive"  # a is the sole port now
    ism.BindVnic("vmhba65", b)
    assert fault_names({p.vnicDevice: p for p in ism.QueryBoundVnics("vmhba65")}[b].complianceStatus) == []


def test_network_rollback_follows_vcenters_path(esx8):
    lab, hosts = esx8
    h = hosts["10.10.0.12"]
    ns = h.configManager.networkSystem
    mgmt = pg(h, "Management Network").spec

    def mgmt_spec(**changes):
        spec = vim.host.PortGroup.Specification(name=mgmt.name, vlanId=mgmt.vlanId, vswitchName=mgmt.vswitchName,
                                                policy=vim.host.NetworkPolicy())
        for key, value in changes.items():
            setattr(spec, key, value)
        return spec

    lab.clear_journal()
    with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
        ns.UpdatePortGroup("Management Network", mgmt_spec(vlanId=5))
    # the physical network of VLAN 0 carries 1500 bytes: jumbo frames on vSwitch0 are fine while
    # vmk0 sends 1500, a jumbo vmk0 is cut off
    ns.UpdateVirtualSwitch("vSwitch0", vim.host.VirtualSwitch.Specification(
        numPorts=128, mtu=9000, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic0", "vmnic1", "vmnic2", "vmnic3"])))
    with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
        ns.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(mtu=9000))
    assert (pg(h, "Management Network").spec.vlanId, vnic(h, "vmk0").spec.mtu) == (0, 1500)
    # teaming onto a pNIC without link (host 10.10.0.12's vmnic3) rolls back; onto a linked one is fine
    assert h.config.network.pnic[3].linkSpeed is None and h.config.network.pnic[0].linkSpeed is not None
    team = vim.host.NetworkPolicy.NicTeamingPolicy(nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=["vmnic3"], standbyNic=[]))
    with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
        ns.UpdatePortGroup("Management Network", mgmt_spec(policy=vim.host.NetworkPolicy(nicTeaming=team)))
    team.nicOrder.activeNic = ["vmnic0"]
    ns.UpdatePortGroup("Management Network", mgmt_spec(policy=vim.host.NetworkPolicy(nicTeaming=team)))
    assert list(pg(h, "Management Network").computedPolicy.nicTeaming.nicOrder.activeNic) == ["vmnic0"]
    faults = [(e["method"], e.get("fault")) for e in lab.journal()]
    assert faults == [("UpdatePortGroup", "NetworkDisruptedAndConfigRolledBack"),
                      ("UpdateVirtualSwitch", None), ("UpdateVirtualNic", "NetworkDisruptedAndConfigRolledBack"),
                      ("UpdatePortGroup", "NetworkDisruptedAndConfigRolledBack"), ("UpdatePortGroup", None)]


def test_rollback_on_the_vmknic_owning_the_route_to_vcenter(tmp_path):
    """vCenter in another subnet, where a non-management vmknic of the host sits: the host answers
    vCenter through that vmknic, so re-addressing, moving or removing it cuts the path."""
    scenario = {"vcenter": "10.20.0.5", "hosts": [{"portgroups": [{"name": "vMotion", "vlan": 20}, {"name": "Other", "vlan": 21}],
                                                   "vmknics": [{"portgroup": "vMotion", "ip": "10.20.0.{i+11}/24", "services": ["vmotion"]}]}]}
    with Lab.start(hosts=1, clusters=1, scenario=scenario, state_dir=str(tmp_path)) as lab:
        si = connect(lab)
        try:
            h = all_hosts(si)["10.10.0.11"]
            assert h.summary.managementServerIp == "10.20.0.5"
            ns = h.configManager.networkSystem
            with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
                ns.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(ip=ipcfg("10.22.0.11")))
            with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
                ns.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(portgroup="Other"))
            with pytest.raises(vim.fault.NetworkDisruptedAndConfigRolledBack):
                ns.RemoveVirtualNic("vmk1")
            v = vnic(h, "vmk1")
            assert (v.portgroup, v.spec.ip.ipAddress) == ("vMotion", "10.20.0.11")
            # the vmknic's MTU and service tags are not vCenter's path
            ns.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(mtu=9000))
            h.configManager.virtualNicManager.DeselectVnicForNicType("vmotion", "vmk1")
            assert vnic(h, "vmk1").spec.mtu == 9000
        finally:
            Disconnect(si)


def test_provisioning_stack_takes_over_provisioning(esx8):
    hosts = esx8[1]
    h = hosts["10.10.0.11"]
    add_pg(h, "Prov-Default", vlan=70)
    add_pg(h, "Prov-Stack", vlan=71)
    tagged = add_vmk(h, "Prov-Default", "10.70.0.11")
    h.configManager.virtualNicManager.SelectVnicForNicType("vSphereProvisioning", tagged)
    assert selected(h, "vSphereProvisioning") == [tagged]
    stacked = add_vmk(h, "Prov-Stack", "10.71.0.11", netStackInstanceKey="vSphereProvisioning")
    assert selected(h, "vSphereProvisioning") == [stacked]
    h.configManager.networkSystem.RemoveVirtualNic(stacked)
    assert selected(h, "vSphereProvisioning") == [tagged]  # the tag was kept
