"""HostNetworkSystem in the lab: vmknics, port groups, routes, UpdateNetworkConfig, rollback."""

import pytest
from conftest import add_pg, add_vmk, eui64_link_local, ipcfg, link_local_routes, pg, routes, routes6, selected, vnic
from pyVmomi import vim, vmodl

H = "10.10.0.21"
H2 = "10.10.0.22"
HC = "10.10.0.28"   # UpdateNetworkConfig
HR = "10.10.0.29"   # rollback


def test_add_vmknic_device_key_mac_and_routes(hosts):
    h = hosts[H]
    add_pg(h, "NFS", vlan=30)
    dev = add_vmk(h, "NFS", "10.30.0.18")
    assert dev == "vmk1"
    v = vnic(h, "vmk1")
    assert v.key == "key-vim.host.VirtualNic-vmk1"
    assert v.portgroup == "NFS" and v.spec.portgroup == "NFS"
    assert v.spec.mac.startswith("00:50:56:")
    assert v.spec.netStackInstanceKey == "defaultTcpipStack"
    assert v.spec.mtu == 1500
    assert ("10.30.0.0", 24, "0.0.0.0", "vmk1") in routes(h)
    assert h.config.network.routeTableInfo.ipRoute[-1].deviceName == "vmk1"
    # networkInfo of the network system is kept in step with config.network
    ni = h.configManager.networkSystem.networkInfo
    assert [x.device for x in ni.vnic] == [x.device for x in h.config.network.vnic]
    # port group shows the vmknic's port
    assert pg(h, "NFS").port[0].type == "host"


def test_same_subnet_lists_one_route_first_up(hosts):
    """A recorded ESXi 8.0.3 host lists one connected route for a subnet two vmknics share: the
    vmknic that came up first owns it."""
    h = hosts[H]
    add_pg(h, "NFS2", vlan=30)
    add_vmk(h, "NFS2", "10.30.0.118")
    rs = [r for r in routes(h) if r[0] == "10.30.0.0"]
    assert rs == [("10.30.0.0", 24, "0.0.0.0", "vmk1")]
    # vmk1 comes up again when its IP config changes: vmk2 now owns the subnet
    h.configManager.networkSystem.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(ip=ipcfg("10.30.0.19")))
    assert [r[3] for r in routes(h) if r[0] == "10.30.0.0"] == ["vmk2"]
    # a change that is not an IP change (MTU) does not reorder
    h.configManager.networkSystem.UpdateVirtualNic("vmk2", vim.host.VirtualNic.Specification(mtu=9000))
    assert vnic(h, "vmk2").spec.mtu == 9000
    assert [r[3] for r in routes(h) if r[0] == "10.30.0.0"] == ["vmk2"]


def test_add_vmknic_faults(hosts):
    ns = hosts[H].configManager.networkSystem
    with pytest.raises(vim.fault.AlreadyExists):
        add_vmk(hosts[H], "NFS", "10.30.0.50")
    with pytest.raises(vmodl.fault.InvalidArgument):
        add_vmk(hosts[H], "No Such PG", "10.30.0.50")
    add_pg(hosts[H], "Spare", vlan=33)
    with pytest.raises(vmodl.fault.InvalidArgument):
        add_vmk(hosts[H], "Spare", "10.30.0.300")
    with pytest.raises(vmodl.fault.InvalidArgument):
        add_vmk(hosts[H], "Spare", "10.30.0.50", mask="255.0.255.0")
    with pytest.raises(vmodl.fault.InvalidArgument) as e:
        add_vmk(hosts[H], "Spare", "10.30.0.50", netStackInstanceKey="nope")
    assert e.value.invalidProperty == "nic.netStackInstanceKey"
    with pytest.raises(vmodl.fault.InvalidArgument):
        ns.AddVirtualNic("Spare", vim.host.VirtualNic.Specification(mtu=100, ip=ipcfg("10.30.0.50")))
    assert vnic(hosts[H], "vmk3") is None  # nothing was created


def test_stack_is_honoured_and_fixed(hosts):
    h = hosts[H]
    add_pg(h, "vMotion-stack", vlan=20)
    dev = add_vmk(h, "vMotion-stack", "10.20.0.18", netStackInstanceKey="vmotion")
    assert vnic(h, dev).spec.netStackInstanceKey == "vmotion"
    assert ("10.20.0.0", 24, "0.0.0.0", dev) in routes(h, "vmotion")
    assert all(r[3] != dev for r in routes(h))
    with pytest.raises(vmodl.fault.InvalidArgument):
        h.configManager.networkSystem.UpdateVirtualNic(dev, vim.host.VirtualNic.Specification(netStackInstanceKey="defaultTcpipStack"))
    assert vnic(h, dev).spec.netStackInstanceKey == "vmotion"
    rt = {s.netStackInstanceKey: list(s.vmknicKeys or []) for s in h.runtime.networkRuntimeInfo.netStackInstanceRuntimeInfo}
    assert "key-vim.host.VirtualNic-" + dev in rt["vmotion"]


def test_update_vmknic_gateway_override_ipv6_and_portgroup(hosts):
    h = hosts[H2]
    ns = h.configManager.networkSystem
    add_pg(h, "A", vlan=40)
    add_pg(h, "B", vlan=41)
    dev = add_vmk(h, "A", "10.40.0.19")
    rs = vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="10.40.0.1"))
    ns.UpdateVirtualNic(dev, vim.host.VirtualNic.Specification(ipRouteSpec=rs))
    assert vnic(h, dev).spec.ipRouteSpec.ipRouteConfig.defaultGateway == "10.40.0.1"
    assert routes(h)[0] == ("0.0.0.0", 0, "10.10.0.1", "vmk0")  # the override does not touch routing
    ns.UpdateVirtualNic(dev, vim.host.VirtualNic.Specification(
        ipRouteSpec=vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig())))
    assert vnic(h, dev).spec.ipRouteSpec is None
    # IPv6 is on on a default host: a vmknic created without an ipV6Config has autoconfiguration
    # off and its EUI-64 link-local address only
    lla = eui64_link_local(vnic(h, dev).spec.mac)
    cfg = vnic(h, dev).spec.ip.ipV6Config
    assert (cfg.autoConfigurationEnabled, cfg.dhcpV6Enabled) == (False, False)
    assert [(a.ipAddress, a.prefixLength, a.origin) for a in cfg.ipV6Address] == [(lla, 64, "other")]
    # IPv6 add / remove, connected IPv6 route
    v6 = vim.host.IpConfig.IpV6AddressConfiguration(autoConfigurationEnabled=False, dhcpV6Enabled=False, ipV6Address=[
        vim.host.IpConfig.IpV6Address(ipAddress="2001:db8:40::19", prefixLength=64, operation="add")])
    spec6 = vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=False, ipAddress="10.40.0.19", subnetMask="255.255.255.0", ipV6Config=v6))
    ns.UpdateNetworkConfig(vim.host.NetworkConfig(ipV6Enabled=False), "modify")  # an admin's choice
    with pytest.raises(vim.fault.InvalidState):
        ns.UpdateVirtualNic(dev, spec6)
    ns.UpdateNetworkConfig(vim.host.NetworkConfig(ipV6Enabled=True), "modify")
    assert h.config.network.ipV6Enabled is True
    ns.UpdateVirtualNic(dev, spec6)
    addrs = [(a.ipAddress, a.origin) for a in vnic(h, dev).spec.ip.ipV6Config.ipV6Address]
    assert addrs == [(lla, "other"), ("2001:db8:40::19", "manual")]
    assert routes6(h) == [("2001:db8:40::", 64, "::", dev)] + link_local_routes(h, "vmk0", dev)
    v6.ipV6Address[0].operation = "remove"
    ip = vim.host.IpConfig(dhcp=False, ipAddress="10.40.0.19", subnetMask="255.255.255.0", ipV6Config=v6)
    ns.UpdateVirtualNic(dev, vim.host.VirtualNic.Specification(ip=ip))
    assert routes6(h) == link_local_routes(h, "vmk0", dev)
    # move to another port group
    ns.UpdateVirtualNic(dev, vim.host.VirtualNic.Specification(portgroup="B"))
    assert vnic(h, dev).portgroup == "B"
    assert not pg(h, "A").port and pg(h, "B").port
    add_vmk(h, "A", "10.41.0.19")
    with pytest.raises(vim.fault.AlreadyExists):
        ns.UpdateVirtualNic(dev, vim.host.VirtualNic.Specification(portgroup="A"))
    with pytest.raises(vim.fault.NotFound):
        ns.UpdateVirtualNic("vmk99", vim.host.VirtualNic.Specification(mtu=9000))


def test_remove_vmknic(hosts):
    h = hosts[H2]
    ns = h.configManager.networkSystem
    add_pg(h, "Tmp", vlan=42)
    dev = add_vmk(h, "Tmp", "10.42.0.19")
    h.configManager.virtualNicManager.SelectVnicForNicType("faultToleranceLogging", dev)
    ns.RemoveVirtualNic(dev)
    assert vnic(h, dev) is None
    assert dev not in selected(h, "faultToleranceLogging")
    assert all(r[3] != dev for r in routes(h))
    with pytest.raises(vim.fault.NotFound):
        ns.RemoveVirtualNic(dev)
    # the freed device number is reused, as on ESXi
    assert add_vmk(h, "Tmp", "10.42.0.19") == dev


def test_portgroups_same_name_on_many_hosts_keys_vswitch_computed_policy(hosts):
    for name in (H, H2):
        add_pg(hosts[name], "Shared", vlan=55, vswitch="vSwitch1", active=["vmnic2"], standby=[])
    h = hosts[H2]
    p = pg(h, "Shared")
    assert p.key == "key-vim.host.PortGroup-Shared"
    assert p.vswitch == "key-vim.host.VirtualSwitch-vSwitch1"
    vs1 = [v for v in h.config.network.vswitch if v.name == "vSwitch1"][0]
    assert "key-vim.host.PortGroup-Shared" in vs1.portgroup
    assert list(p.computedPolicy.nicTeaming.nicOrder.activeNic) == ["vmnic2"]
    assert not p.computedPolicy.nicTeaming.nicOrder.standbyNic
    assert list(p.spec.policy.nicTeaming.nicOrder.activeNic) == ["vmnic2"]
    # inherit from the vSwitch again
    ns = h.configManager.networkSystem
    ns.UpdatePortGroup("Shared", vim.host.PortGroup.Specification(name="Shared", vlanId=56, vswitchName="vSwitch1", policy=vim.host.NetworkPolicy()))
    p = pg(h, "Shared")
    assert p.spec.vlanId == 56
    assert list(p.computedPolicy.nicTeaming.nicOrder.activeNic) == ["vmnic2", "vmnic3"]
    # rename carries the vmknic along
    dev = add_vmk(h, "Shared", "10.56.0.19")
    ns.UpdatePortGroup("Shared", vim.host.PortGroup.Specification(name="Shared2", vlanId=56, vswitchName="vSwitch1", policy=vim.host.NetworkPolicy()))
    assert vnic(h, dev).portgroup == "Shared2" and pg(h, "Shared") is None
    with pytest.raises(vim.fault.ResourceInUse) as e:
        ns.RemovePortGroup("Shared2")
    assert e.value.name == dev
    ns.RemoveVirtualNic(dev)
    ns.RemovePortGroup("Shared2")
    assert pg(h, "Shared2") is None
    assert pg(hosts[H], "Shared") is not None  # the other host's port group is untouched
    with pytest.raises(vim.fault.NotFound):
        ns.RemovePortGroup("Shared2")


def test_portgroup_faults(hosts):
    h = hosts[H2]
    ns = h.configManager.networkSystem
    with pytest.raises(vmodl.fault.InvalidArgument):
        add_pg(h, "BadVlan", vlan=4096)
    with pytest.raises(vim.fault.NotFound):
        add_pg(h, "NoSwitch", vswitch="vSwitch9")
    with pytest.raises(vmodl.fault.InvalidArgument):
        add_pg(h, "BadUplink", vswitch="vSwitch1", active=["vmnic0"])
    with pytest.raises(vim.fault.AlreadyExists):
        add_pg(h, "Management Network")
    with pytest.raises(vim.fault.NotFound):
        ns.UpdatePortGroup("Nope", vim.host.PortGroup.Specification(name="Nope", vlanId=1, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy()))
    assert pg(h, "BadVlan") is None and pg(h, "BadUplink") is None


def test_update_network_config_stacks_routes_portgroups(hosts):
    h = hosts[HC]
    ns = h.configManager.networkSystem
    cfg = vim.host.NetworkConfig(netStackSpec=[vim.host.NetworkConfig.NetStackSpec(
        operation="edit", netStackInstance=vim.host.NetStackInstance(
            key="vmotion", ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="10.20.0.1"),
            routeTableConfig=vim.host.IpRouteTableConfig(ipRoute=[vim.host.IpRouteOp(
                changeOperation="add", route=vim.host.IpRouteEntry(network="10.99.0.0", prefixLength=16, gateway="10.20.0.254"))])))])
    ns.UpdateNetworkConfig(cfg, "modify")
    st = [s for s in h.config.network.netStackInstance if s.key == "vmotion"][0]
    assert st.ipRouteConfig.defaultGateway == "10.20.0.1"
    assert st.routeTableConfig is None  # a stack without vmknics lists no routes
    add_pg(h, "vMotion-Stack", vlan=20)
    dev = add_vmk(h, "vMotion-Stack", "10.20.0.25", netStackInstanceKey="vmotion")
    assert routes(h, "vmotion") == [("0.0.0.0", 0, "10.20.0.1", dev), ("10.20.0.0", 24, "0.0.0.0", dev),
                                    ("10.99.0.0", 16, "10.20.0.254", None)]
    st = [s for s in h.config.network.netStackInstance if s.key == "vmotion"][0]
    assert all(op.changeOperation == "ignore" for op in st.routeTableConfig.ipRoute)
    h.configManager.networkSystem.RemoveVirtualNic(dev)
    # port group + vmknic in one call; the result names the new device
    cfg = vim.host.NetworkConfig(
        portgroup=[vim.host.PortGroup.Config(changeOperation="add", spec=vim.host.PortGroup.Specification(
            name="Cfg", vlanId=7, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy()))],
        vnic=[vim.host.VirtualNic.Config(changeOperation="add", portgroup="Cfg", spec=vim.host.VirtualNic.Specification(ip=ipcfg("10.7.0.25")))])
    res = ns.UpdateNetworkConfig(cfg, "modify")
    assert list(res.vnicDevice) == ["vmk1"]
    assert vnic(h, "vmk1").portgroup == "Cfg"
    # all or nothing: the second change fails, the first is not kept
    cfg = vim.host.NetworkConfig(portgroup=[
        vim.host.PortGroup.Config(changeOperation="add", spec=vim.host.PortGroup.Specification(
            name="Cfg2", vlanId=8, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy())),
        vim.host.PortGroup.Config(changeOperation="add", spec=vim.host.PortGroup.Specification(
            name="Cfg3", vlanId=9999, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy()))])
    with pytest.raises(vmodl.fault.InvalidArgument):
        ns.UpdateNetworkConfig(cfg, "modify")
    assert pg(h, "Cfg2") is None
    with pytest.raises(vim.fault.NotFound):
        ns.UpdateNetworkConfig(vim.host.NetworkConfig(netStackSpec=[vim.host.NetworkConfig.NetStackSpec(
            operation="edit", netStackInstance=vim.host.NetStackInstance(key="nope"))]), "modify")


def test_vswitch_add_update_remove(hosts):
    h = hosts[HC]
    ns = h.configManager.networkSystem
    with pytest.raises(vim.fault.ResourceInUse):
        ns.AddVirtualSwitch("vSwitch2", vim.host.VirtualSwitch.Specification(
            numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic0"])))
    ns.UpdateVirtualSwitch("vSwitch1", vim.host.VirtualSwitch.Specification(
        numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic2"])))
    ns.AddVirtualSwitch("vSwitch2", vim.host.VirtualSwitch.Specification(
        numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic3"])))
    vs = {v.name: v for v in h.config.network.vswitch}
    assert list(vs["vSwitch2"].spec.bridge.nicDevice) == ["vmnic3"]
    assert list(vs["vSwitch2"].pnic) == ["key-vim.host.PhysicalNic-vmnic3"]
    ns.RemoveVirtualSwitch("vSwitch2")
    assert "vSwitch2" not in {v.name for v in h.config.network.vswitch}


def test_rollback_of_the_management_address(hosts):
    h = hosts[HR]
    ns = h.configManager.networkSystem
    rolled = vim.fault.NetworkDisruptedAndConfigRolledBack
    with pytest.raises(rolled) as e:
        ns.RemoveVirtualNic("vmk0")
    assert e.value.host == HR
    with pytest.raises(rolled):
        ns.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(ip=ipcfg("10.10.3.26", "255.255.248.0")))
    with pytest.raises(rolled):
        ns.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=True)))
    add_pg(h, "Other", vlan=12)
    with pytest.raises(rolled):
        ns.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(portgroup="Other"))
    with pytest.raises(rolled):
        ns.UpdatePortGroup("Management Network", vim.host.PortGroup.Specification(
            name="Management Network", vlanId=12, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy()))
    v = vnic(h, "vmk0")
    assert (v.spec.ip.ipAddress, v.portgroup, v.spec.ip.dhcp) == (HR, "Management Network", False)
    assert pg(h, "Management Network").spec.vlanId == 0
    # what does not take the address away is allowed
    ns.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(mtu=9000))
    assert vnic(h, "vmk0").spec.mtu == 9000


def test_changes_notify_wait_for_updates(si, hosts):
    h = hosts[H]
    pc = si.content.propertyCollector.CreatePropertyCollector()
    try:
        pc.CreateFilter(vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=h)],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.HostSystem, pathSet=["config.network.portgroup"])]), True)
        u = pc.WaitForUpdatesEx("", vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=2))
        add_pg(h, "Watched", vlan=77)
        u = pc.WaitForUpdatesEx(u.version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=5))
        changes = [c for fs in u.filterSet for o in fs.objectSet for c in o.changeSet]
        assert changes[0].name == "config.network.portgroup"
        assert "Watched" in [p.spec.name for p in changes[0].val]
    finally:
        pc.Destroy()
