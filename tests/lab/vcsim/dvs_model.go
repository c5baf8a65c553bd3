package main

// The lab's model of vCenter's distributed switches: switches, their uplink port names, host
// members with the pNICs behind each uplink port, dvPortgroups with their default port config
// (VLAN, uplink teaming), and the distributed ports vmknics are connected to. This file has
// the model's objects, their lookups, the connection of a vmknic to a distributed port and the
// lab-wide snapshot; dvs_model_switch.go and dvs_model_portgroup.go change the model. No SOAP in
// the model: the handlers are in dvs.go, dvs_switch.go and dvs_portgroup.go, and dvs_render.go
// renders the model into the managed objects.

import (
	"encoding/json"
	"strconv"

	"github.com/vmware/govmomi/vim25/types"
)

// dvVlan is a dvPortgroup's VLAN setting: one of a VLAN id (0 = none), trunk ranges, or a
// private VLAN id (VmwareDistributedVirtualSwitch{VlanId,TrunkVlan,PvlanSpec}).
type dvVlan struct {
	Kind   string // "id", "trunk", "pvlan"
	ID     int32
	Ranges []types.NumericRange
}

// dvTeaming: active and standby uplink names (uplinkTeamingPolicy.uplinkPortOrder).
type dvTeaming struct {
	Active  []string
	Standby []string
}

type dvPortgroup struct {
	Key     string
	Name    string
	Ref     types.ManagedObjectReference
	Uplink  bool // the switch's uplink portgroup
	Type    string
	Auto    bool // autoExpand
	Version int  // config.configVersion
	// Vlan and Teaming are the portgroup's own settings; nil = inherited from the switch.
	Vlan    *dvVlan
	Teaming *dvTeaming
	Ports   []string // port keys, in creation order
	// Setting is the defaultPortConfig as clients set it (policies the lab does not model are
	// kept and read back as given).
	// Not in the JSON snapshot (interface-typed policies); a setting is never changed in place, so
	// the snapshot keeps the pointers (switchSnap).
	Setting *types.VMwareDVSPortSetting `json:"-"`
	// Policy is config.policy (override permissions) as set; nil = vCenter's default.
	Policy types.BaseDVPortgroupPolicy `json:"-"`
	// Description is kept as given.
	Description string
}

// dvMemberPnic: one pNIC of a host member, on one uplink port.
type dvMemberPnic struct {
	Device     string
	UplinkPort string // port key in the uplink portgroup
}

type dvMember struct {
	Host        types.ManagedObjectReference
	UplinkPorts []string // one port per uplink name, in the switch's uplink order
	Pnics       []dvMemberPnic
}

// dvsExtra is the part of a switch's config the lab keeps as clients set it and reads back
// unchanged (contact, LLDP/CDP, NetFlow, multicast mode, health checks, the switch-level port
// policies, the product version): it is not interpreted. Never changed in place (the snapshot
// keeps the pointer).
type dvsExtra struct {
	Contact     *types.DVSContactInfo
	Description string
	Ldp         *types.LinkDiscoveryProtocolConfig
	Ipfix       *types.VMwareIpfixConfig
	Multicast   string
	SwitchIP    string
	PortConfig  *types.VMwareDVSPortSetting
	Health      []types.BaseDVSHealthCheckConfig
	Product     *types.DistributedVirtualSwitchProductSpec
}

// newDvsExtra: what a new switch reads back as, the values a fresh vCenter 8 switch has where
// the spec is silent (⚠ NetFlow and security defaults as community.vmware's vmware_dvswitch
// assumes them: MAC changes, forged transmits, promiscuous off; sampling 4096, timeouts 60/15 s).
func newDvsExtra() *dvsExtra {
	f := types.NewBool(false)
	return &dvsExtra{
		Ldp:       &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"},
		Ipfix:     &types.VMwareIpfixConfig{ActiveFlowTimeout: 60, IdleFlowTimeout: 15, SamplingRate: 4096, InternalFlowsOnly: false},
		Multicast: "legacyFiltering",
		// No macManagementPolicy: it is API 6.7, and the lab answers as API 6.5 (pyVmomi cannot
		// read it in a 6.5 session); the security policy says the same.
		PortConfig: &types.VMwareDVSPortSetting{SecurityPolicy: &types.DVSSecurityPolicy{
			AllowPromiscuous: &types.BoolPolicy{Value: f}, MacChanges: &types.BoolPolicy{Value: f}, ForgedTransmits: &types.BoolPolicy{Value: f}}},
		Health: []types.BaseDVSHealthCheckConfig{
			&types.VMwareDVSVlanMtuHealthCheckConfig{VMwareDVSHealthCheckConfig: types.VMwareDVSHealthCheckConfig{DVSHealthCheckConfig: types.DVSHealthCheckConfig{Enable: f, Interval: 1}}},
			&types.VMwareDVSTeamingHealthCheckConfig{VMwareDVSHealthCheckConfig: types.VMwareDVSHealthCheckConfig{DVSHealthCheckConfig: types.DVSHealthCheckConfig{Enable: f, Interval: 1}}},
		},
		Product: &types.DistributedVirtualSwitchProductSpec{Name: "DVS", Vendor: "VMware, Inc.", Version: "8.0.3", Build: "24022515", ForwardingClass: "etherswitch"},
	}
}

// merged: a copy with what a config spec sets (its defaultPortConfig: applySwitchPortSetting).
func (x *dvsExtra) merged(cs types.BaseDVSConfigSpec) *dvsExtra {
	c := *x
	spec := cs.GetDVSConfigSpec()
	if spec.Contact != nil {
		c.Contact = spec.Contact
	}
	if spec.Description != "" {
		c.Description = spec.Description
	}
	if spec.SwitchIpAddress != "" {
		c.SwitchIP = spec.SwitchIpAddress
	}
	if v, ok := cs.(*types.VMwareDVSConfigSpec); ok {
		if v.LinkDiscoveryProtocolConfig != nil {
			c.Ldp = v.LinkDiscoveryProtocolConfig
		}
		if v.IpfixConfig != nil {
			c.Ipfix = v.IpfixConfig
		}
		if v.MulticastFilteringMode != "" {
			c.Multicast = v.MulticastFilteringMode
		}
	}
	return &c
}

type dvSwitch struct {
	Extra      *dvsExtra `json:"-"`
	Name       string
	Uuid       string
	Ref        types.ManagedObjectReference
	Uplinks    []string // uplink port names ("Uplink 1".. )
	Mtu        int32
	Version    int
	NextPort   int
	Portgroups []*dvPortgroup // the uplink portgroup first
	Members    []*dvMember
	// Vlan and Teaming: the switch's defaultPortConfig, which dvPortgroups inherit; nil = no
	// VLAN / every uplink active in order.
	Vlan    *dvVlan
	Teaming *dvTeaming
}

// dvAttach is a vmknic's distributed port.
type dvAttach struct {
	SwitchUuid   string
	PortgroupKey string
	PortKey      string
}

// switches is every distributed switch of the lab, in creation order.
var switches []*dvSwitch

func switchByUuid(uuid string) *dvSwitch {
	for _, d := range switches {
		if d.Uuid == uuid {
			return d
		}
	}
	return nil
}

func switchByName(name string) *dvSwitch {
	for _, d := range switches {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func (d *dvSwitch) portgroup(key string) *dvPortgroup {
	for _, p := range d.Portgroups {
		if p.Key == key {
			return p
		}
	}
	return nil
}

func (d *dvSwitch) portgroupNamed(name string) *dvPortgroup {
	for _, p := range d.Portgroups {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// portgroupAnywhere finds a dvPortgroup by key on any switch.
func portgroupAnywhere(key string) (*dvSwitch, *dvPortgroup) {
	for _, d := range switches {
		if p := d.portgroup(key); p != nil {
			return d, p
		}
	}
	return nil, nil
}

func (d *dvSwitch) member(h *host) *dvMember {
	for _, m := range d.Members {
		if m.Host == h.Ref {
			return m
		}
	}
	return nil
}

func (d *dvSwitch) uplinkPG() *dvPortgroup {
	for _, p := range d.Portgroups {
		if p.Uplink {
			return p
		}
	}
	return nil
}

func (d *dvSwitch) newPort() string {
	k := strconv.Itoa(d.NextPort)
	d.NextPort++
	return k
}

// switchesOf lists the switches a host is a member of.
func switchesOf(h *host) []*dvSwitch {
	var out []*dvSwitch
	for _, d := range switches {
		if d.member(h) != nil {
			out = append(out, d)
		}
	}
	return out
}

// proxyPnicOwner names the distributed switch holding a host's pNIC, "" when none does.
func proxyPnicOwner(h *host, pnic string) string {
	for _, d := range switchesOf(h) {
		for _, p := range d.member(h).Pnics {
			if p.Device == pnic {
				return d.Name
			}
		}
	}
	return ""
}

// effVlan / effTeaming of a dvPortgroup: its own setting, else the switch's, else none / every
// uplink active in order.
func (d *dvSwitch) effVlan(p *dvPortgroup) dvVlan {
	switch {
	case p.Vlan != nil:
		return *p.Vlan
	case d.Vlan != nil:
		return *d.Vlan
	}
	return dvVlan{Kind: "id"}
}

func (d *dvSwitch) effTeaming(p *dvPortgroup) dvTeaming {
	switch {
	case p.Teaming != nil:
		return *p.Teaming
	case d.Teaming != nil:
		return *d.Teaming
	}
	return dvTeaming{Active: copyS(d.Uplinks)}
}

// applySwitchPortSetting: a switch-level defaultPortConfig (VLAN and teaming modelled, the rest
// kept as given), validated like a dvPortgroup's.
func (d *dvSwitch) applySwitchPortSetting(s types.BaseDVPortSetting) *labErr {
	sw := &dvPortgroup{Vlan: d.Vlan, Teaming: d.Teaming, Setting: d.Extra.PortConfig}
	if err := d.applyPortSetting(sw, s); err != nil {
		return err
	}
	x := *d.Extra
	x.PortConfig = sw.Setting
	d.Vlan, d.Teaming, d.Extra = sw.Vlan, sw.Teaming, &x
	return nil
}

// accessVlan is the VLAN a vmknic's untagged frames are in on a dvPortgroup, the key of the
// lab's per-VLAN segments (DHCP, router advertisements, physical MTU). ⚠ A trunk portgroup gives
// the vmknic untagged frames: VLAN 0 (native); a private VLAN: its secondary id (assumption).
func (v dvVlan) accessVlan() int32 {
	if v.Kind == "trunk" {
		return 0
	}
	return v.ID
}

// pnicsOf maps uplink names to the host's pNICs behind them (in the order of names); uplinks
// without a pNIC on the host are left out.
func (d *dvSwitch) pnicsOf(h *host, names []string) []string {
	m := d.member(h)
	if m == nil {
		return nil
	}
	var out []string
	for _, n := range names {
		i := indexOf(d.Uplinks, n)
		if i < 0 || i >= len(m.UplinkPorts) {
			continue
		}
		for _, p := range m.Pnics {
			if p.UplinkPort == m.UplinkPorts[i] {
				out = append(out, p.Device)
			}
		}
	}
	return out
}

// portUse: the vmknic (and its host) connected to a distributed port.
type portUse struct {
	h *host
	v *vnic
}

// portUsers: every connected port of a switch, by port key (one pass over the lab).
func portUsers(uuid string) map[string]portUse {
	used := map[string]portUse{}
	for _, h := range lab.hosts {
		for _, v := range h.Vnics {
			if v.Dv != nil && v.Dv.SwitchUuid == uuid {
				used[v.Dv.PortKey] = portUse{h, v}
			}
		}
	}
	return used
}

// connectPort allocates a port of a dvPortgroup for a vmknic of host h: the requested port when
// given (it must be a free port of the portgroup), else the first free one, else (autoExpand or
// ephemeral) a new one.
func (h *host) connectPort(c *types.DistributedVirtualSwitchPortConnection) (*dvAttach, *labErr) {
	d := switchByUuid(c.SwitchUuid)
	if d == nil {
		return nil, fail(&types.NotFound{}, "The distributed virtual switch with UUID %s does not exist", c.SwitchUuid)
	}
	if d.member(h) == nil {
		return nil, fail(&types.InvalidArgument{InvalidProperty: "nic.distributedVirtualPort"}, "Host %s is not a member of distributed switch %s", h.Name, d.Name)
	}
	if c.PortgroupKey == "" && c.PortKey == "" {
		return nil, invalidArg("nic.distributedVirtualPort.portgroupKey", "A portgroup key or a port key is required")
	}
	p := d.portgroup(c.PortgroupKey)
	if c.PortgroupKey != "" && p == nil {
		return nil, fail(&types.NotFound{}, "The distributed port group %s does not exist on %s", c.PortgroupKey, d.Name)
	}
	if p == nil { // a port key alone: its portgroup
		for _, x := range d.Portgroups {
			if indexOf(x.Ports, c.PortKey) >= 0 {
				p = x
			}
		}
		if p == nil {
			return nil, fail(&types.NotFound{}, "Port %s does not exist on %s", c.PortKey, d.Name)
		}
	}
	if p.Uplink {
		return nil, invalidArg("nic.distributedVirtualPort.portgroupKey", "%s is the uplink port group of %s", p.Name, d.Name)
	}
	if c.PortKey != "" {
		if indexOf(p.Ports, c.PortKey) < 0 {
			return nil, fail(&types.NotFound{}, "Port %s is not a port of %s", c.PortKey, p.Name)
		}
		if u, taken := portUsers(d.Uuid)[c.PortKey]; taken {
			return nil, fail(&types.ResourceInUse{Type: "DistributedVirtualPort", Name: c.PortKey}, "Port %s is in use by %s on %s", c.PortKey, u.v.Device, u.h.Name)
		}
		return &dvAttach{SwitchUuid: d.Uuid, PortgroupKey: p.Key, PortKey: c.PortKey}, nil
	}
	used := portUsers(d.Uuid)
	for _, k := range p.Ports {
		if _, taken := used[k]; !taken {
			return &dvAttach{SwitchUuid: d.Uuid, PortgroupKey: p.Key, PortKey: k}, nil
		}
	}
	if !p.Auto && p.Type != "ephemeral" {
		return nil, fail(&types.InvalidArgument{InvalidProperty: "nic.distributedVirtualPort"}, "No free port in distributed port group %s", p.Name)
	}
	k := d.newPort()
	p.Ports = append(p.Ports, k)
	return &dvAttach{SwitchUuid: d.Uuid, PortgroupKey: p.Key, PortKey: k}, nil
}

// ---- lab-wide snapshot ----

// labSnap is the state of every host and every distributed switch, so a call that changes
// several hosts (ReconfigureDvs_Task, a dvPortgroup change under vCenter's network rollback) can
// be undone as a whole.
type labSnap struct {
	hosts    [][]byte
	switches switchSnap
}

type switchSnap struct {
	model    []byte
	settings map[string]*types.VMwareDVSPortSetting // by portgroup key
	policies map[string]types.BaseDVPortgroupPolicy // by portgroup key
	extras   map[string]*dvsExtra                   // by switch UUID
}

func takeLabSnap() labSnap {
	s := labSnap{switches: switchesSnapshot()}
	for _, h := range lab.hosts {
		s.hosts = append(s.hosts, h.snapshot())
	}
	return s
}

func (s labSnap) restore() {
	for i, h := range lab.hosts {
		h.restore(s.hosts[i])
	}
	restoreSwitches(s.switches)
	pruneDvObjects()
}

// switchesSnapshot / restoreSwitches: the distributed switch model (not the managed objects,
// which are found by key and re-rendered).
func switchesSnapshot() switchSnap {
	if len(switches) == 0 {
		return switchSnap{}
	}
	b, err := json.Marshal(switches)
	if err != nil {
		panic(err)
	}
	settings := map[string]*types.VMwareDVSPortSetting{}
	policies := map[string]types.BaseDVPortgroupPolicy{}
	extras := map[string]*dvsExtra{}
	for _, d := range switches {
		extras[d.Uuid] = d.Extra
		for _, p := range d.Portgroups {
			settings[p.Key] = p.Setting
			policies[p.Key] = p.Policy
		}
	}
	return switchSnap{model: b, settings: settings, policies: policies, extras: extras}
}

func restoreSwitches(s switchSnap) {
	if s.model == nil {
		switches = nil
		return
	}
	var l []*dvSwitch
	if err := json.Unmarshal(s.model, &l); err != nil {
		panic(err)
	}
	for _, d := range l {
		d.Extra = s.extras[d.Uuid]
		for _, p := range d.Portgroups {
			p.Setting = s.settings[p.Key]
			p.Policy = s.policies[p.Key]
		}
	}
	switches = l
}
