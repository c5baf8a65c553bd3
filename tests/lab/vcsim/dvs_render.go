package main

// The distributed switch model (dvs_model*.go) rendered into what clients read: the
// VmwareDistributedVirtualSwitch and DistributedVirtualPortgroup managed objects, and each
// member host's config.network.proxySwitch and HostSystem.network.

import (
	"fmt"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// renderSetting: the portgroup's defaultPortConfig as vCenter reads it back: every modelled
// policy present, inherited where the portgroup does not set it.
func (d *dvSwitch) renderSetting(p *dvPortgroup) *types.VMwareDVSPortSetting {
	s := &types.VMwareDVSPortSetting{}
	if p.Setting != nil {
		c := *p.Setting
		s = &c
	}
	v := d.effVlan(p)
	inherited := p.Vlan == nil
	switch v.Kind {
	case "trunk":
		s.Vlan = &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}}, VlanId: append([]types.NumericRange(nil), v.Ranges...)}
	case "pvlan":
		s.Vlan = &types.VmwareDistributedVirtualSwitchPvlanSpec{VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}}, PvlanId: v.ID}
	default:
		s.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}}, VlanId: v.ID}
	}
	t := types.VmwareUplinkPortTeamingPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true},
		Policy:         &types.StringPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: "loadbalance_srcid"},
		ReversePolicy:  &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: types.NewBool(true)},
		NotifySwitches: &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: types.NewBool(true)},
		RollingOrder:   &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: types.NewBool(false)},
	}
	if s.UplinkTeamingPolicy != nil {
		t = mergeTeaming(t, s.UplinkTeamingPolicy)
	}
	eff := d.effTeaming(p)
	t.UplinkPortOrder = &types.VMwareUplinkPortOrderPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: p.Teaming == nil},
		ActiveUplinkPort: copyS(eff.Active), StandbyUplinkPort: copyS(eff.Standby)}
	s.UplinkTeamingPolicy = &t
	return s
}

// render writes the switch model into its managed objects.
func (d *dvSwitch) render() {
	o, _ := simulator.Map.Get(d.Ref).(*labDvs)
	if o == nil {
		return
	}
	var members []types.DistributedVirtualSwitchHostMember
	var hostRefs, pgRefs []types.ManagedObjectReference
	var pgNames []string
	numPorts := int32(0)
	for _, m := range d.Members {
		ref := m.Host
		hostRefs = append(hostRefs, ref)
		var ps []types.DistributedVirtualSwitchHostMemberPnicSpec
		for _, p := range m.Pnics {
			ps = append(ps, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: p.Device, UplinkPortKey: p.UplinkPort, UplinkPortgroupKey: d.uplinkPG().Key})
		}
		r := ref
		members = append(members, types.DistributedVirtualSwitchHostMember{
			Config: types.DistributedVirtualSwitchHostMemberConfigInfo{Host: &r, MaxProxySwitchPorts: 512,
				Backing: &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: ps}},
			ProductInfo: d.Extra.Product, UplinkPortKey: copyS(m.UplinkPorts), Status: "up"})
	}
	for _, p := range d.Portgroups {
		pgRefs = append(pgRefs, p.Ref)
		pgNames = append(pgNames, p.Name)
		numPorts += int32(len(p.Ports))
		d.renderPortgroup(p, hostRefs)
	}
	up := d.uplinkPG()
	x := d.Extra
	sw := &dvPortgroup{Setting: x.PortConfig, Vlan: d.Vlan, Teaming: d.Teaming}
	if sw.Vlan == nil {
		sw.Vlan = &dvVlan{Kind: "id"}
	}
	if sw.Teaming == nil {
		sw.Teaming = &dvTeaming{Active: copyS(d.Uplinks)}
	}
	portConfig := d.renderSetting(sw) // the switch's own: nothing inherited
	portConfig.UplinkTeamingPolicy.Inherited = false
	cfg := &types.VMwareDVSConfigInfo{DVSConfigInfo: types.DVSConfigInfo{
		Uuid: d.Uuid, Name: d.Name, NumPorts: numPorts, MaxPorts: 2147483647, ConfigVersion: strconv.Itoa(d.Version),
		UplinkPortPolicy:  &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: copyS(d.Uplinks)},
		UplinkPortgroup:   []types.ManagedObjectReference{up.Ref},
		DefaultPortConfig: portConfig, Description: x.Description, SwitchIpAddress: x.SwitchIP,
		HealthCheckConfig: x.Health,
		Host:              members, ProductInfo: *x.Product, DefaultProxySwitchMaxNumPorts: 512,
		Policy: &types.DVSPolicy{AutoPreInstallAllowed: types.NewBool(false), AutoUpgradeAllowed: types.NewBool(false), PartialUpgradeAllowed: types.NewBool(false)},
	}, MaxMtu: d.Mtu, LinkDiscoveryProtocolConfig: x.Ldp, IpfixConfig: x.Ipfix,
		LacpApiVersion: "multipleLag", MulticastFilteringMode: x.Multicast}
	if x.Contact != nil {
		cfg.Contact = *x.Contact
	}
	o.Name = d.Name
	o.Uuid = d.Uuid
	o.Config = cfg
	o.Portgroup = pgRefs
	o.Summary = types.DVSSummary{Name: d.Name, Uuid: d.Uuid, NumPorts: numPorts, ProductInfo: x.Product, Description: x.Description, Contact: x.Contact,
		HostMember: hostRefs, Host: hostRefs, PortgroupName: pgNames, NumHosts: int32(len(hostRefs))}
	o.Capability = types.DVSCapability{DvsOperationSupported: types.NewBool(true), DvPortGroupOperationSupported: types.NewBool(true), DvPortOperationSupported: types.NewBool(true)}
	if started {
		simulator.Map.Update(o, []types.PropertyChange{{Name: "name", Val: o.Name}, {Name: "config", Val: cfg},
			{Name: "summary", Val: o.Summary}, {Name: "portgroup", Val: pgRefs}})
	}
}

func (d *dvSwitch) renderPortgroup(p *dvPortgroup, hosts []types.ManagedObjectReference) {
	o, _ := simulator.Map.Get(p.Ref).(*labDvpg)
	if o == nil {
		return
	}
	sw := d.Ref
	o.Name = p.Name
	o.Key = p.Key
	o.Host = append([]types.ManagedObjectReference(nil), hosts...)
	o.PortKeys = copyS(p.Ports)
	o.Summary = &types.NetworkSummary{Network: &o.Self, Name: p.Name, Accessible: true}
	o.Config = types.DVPortgroupConfigInfo{Key: p.Key, Name: p.Name, NumPorts: int32(len(p.Ports)), DistributedVirtualSwitch: &sw,
		DefaultPortConfig: d.renderSetting(p), Type: p.Type, ConfigVersion: strconv.Itoa(p.Version), AutoExpand: types.NewBool(p.Auto),
		Uplink: types.NewBool(p.Uplink), Description: p.Description, Policy: p.Policy}
	o.Config.Policy = renderPgPolicy(p.Policy)
	if started {
		simulator.Map.Update(o, []types.PropertyChange{{Name: "name", Val: o.Name}, {Name: "config", Val: o.Config},
			{Name: "host", Val: o.Host}, {Name: "portKeys", Val: o.PortKeys}, {Name: "summary", Val: o.Summary}})
	}
}

// renderPgPolicy: the override permissions as vCenter reads them back, every flag present
// (false where the client left it unset: a pyVmomi session at the lab's API 6.5 does not send
// 6.7's macManagementOverrideAllowed); vCenter's defaults without a policy.
func renderPgPolicy(given types.BaseDVPortgroupPolicy) *types.VMwareDVSPortgroupPolicy {
	p := types.VMwareDVSPortgroupPolicy{DVPortgroupPolicy: types.DVPortgroupPolicy{BlockOverrideAllowed: true, PortConfigResetAtDisconnect: true}}
	switch g := given.(type) {
	case *types.VMwareDVSPortgroupPolicy:
		p = *g
	case *types.DVPortgroupPolicy:
		p.DVPortgroupPolicy = *g
	}
	for _, b := range []**bool{&p.NetworkResourcePoolOverrideAllowed, &p.TrafficFilterOverrideAllowed, &p.IpfixOverrideAllowed, &p.MacManagementOverrideAllowed} {
		if *b == nil {
			*b = types.NewBool(false)
		}
	}
	return &p
}

// proxySwitches renders a host's config.network.proxySwitch: one per switch it is a member of.
func (h *host) proxySwitches() []types.HostProxySwitch {
	var out []types.HostProxySwitch
	for i, d := range switchesOf(h) {
		m := d.member(h)
		var pn []string
		var ps []types.DistributedVirtualSwitchHostMemberPnicSpec
		for _, p := range m.Pnics {
			pn = append(pn, pnicKey(p.Device))
			ps = append(ps, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: p.Device, UplinkPortKey: p.UplinkPort, UplinkPortgroupKey: d.uplinkPG().Key})
		}
		var up []types.KeyValue
		for j, k := range m.UplinkPorts {
			up = append(up, types.KeyValue{Key: k, Value: d.Uplinks[j]})
		}
		out = append(out, types.HostProxySwitch{DvsUuid: d.Uuid, DvsName: d.Name, Key: fmt.Sprintf("DvsPortset-%d", i),
			NumPorts: 512, ConfigNumPorts: 512, NumPortsAvailable: 512 - int32(len(m.UplinkPorts)), UplinkPort: up, Mtu: d.Mtu, Pnic: pn,
			Spec: types.HostProxySwitchSpec{Backing: &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: ps}}})
	}
	return out
}

// dvNetworks: the dvPortgroups a host sees (HostSystem.network).
func (h *host) dvNetworks() []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, d := range switchesOf(h) {
		for _, p := range d.Portgroups {
			out = append(out, p.Ref)
		}
	}
	return out
}
