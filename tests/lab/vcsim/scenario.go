package main

// Scenario: a JSON document (the launcher converts YAML) applied on top of the default
// inventory. Rules are applied in file order, hosts in index order, vmknics in list order, so
// which vmknic "came up first" is deterministic. See ../README.md for the format.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"

	"github.com/vmware/govmomi/vim25/types"
)

type Scenario struct {
	Inventory *struct {
		Hosts    int  `json:"hosts"`
		Clusters int  `json:"clusters"`
		Esx      bool `json:"esx"`
	} `json:"inventory"`
	DhcpSegments []struct {
		Vlan   int32  `json:"vlan"`
		Subnet string `json:"subnet"`
	} `json:"dhcp_segments"`
	RaSegments []struct {
		Vlan    int32  `json:"vlan"`
		Prefix  string `json:"prefix"`
		Managed bool   `json:"managed"` // the M flag: a DHCPv6 address even with DHCPv6 off
		Router  string `json:"router"`  // the router's link-local address (default fe80::1)
	} `json:"ra_segments"`
	Vcenter     string `json:"vcenter"` // vCenter's IPv4 address (default 10.10.0.10)
	PhysicalMtu []struct {
		Vlan int32 `json:"vlan"`
		Mtu  int32 `json:"mtu"`
	} `json:"physical_mtu"` // the largest MTU the physical network of a VLAN carries (default 9000)
	Faults              []*faultRule `json:"faults"`
	DistributedSwitches []SwitchRule `json:"distributed_switches"`
	Hosts               []HostRule   `json:"hosts"`
}

// hostSelector picks hosts: fnmatch on the name, host index (number or list), cluster name; no
// selector = every host.
type hostSelector struct {
	Match   string      `json:"match"`
	Index   interface{} `json:"index"` // int or list of ints
	Cluster string      `json:"cluster"`
}

// SwitchRule is a distributed switch made before the host rules run (so their vmknics can name
// its dvPortgroups), through the same model calls as CreateDVS_Task, ReconfigureDvs_Task and
// AddDVPortgroup_Task.
type SwitchRule struct {
	Name    string   `json:"name"`
	Uplinks []string `json:"uplinks"` // default "Uplink 1".."Uplink 4"
	Mtu     int32    `json:"mtu"`
	Members []struct {
		hostSelector
		Pnics []string `json:"pnics"` // on the uplinks in order; they leave the standard vSwitch
	} `json:"members"`
	Portgroups []struct {
		Name      string     `json:"name"`
		Vlan      *int32     `json:"vlan"`
		VlanTrunk [][2]int32 `json:"vlan_trunk"` // [[start, end], ...]
		Pvlan     *int32     `json:"pvlan"`
		Active    *[]string  `json:"active"` // uplink names; omit both to inherit the switch's order
		Standby   *[]string  `json:"standby"`
		NumPorts  int32      `json:"num_ports"`
		Type      string     `json:"type"` // earlyBinding (default) or ephemeral
	} `json:"portgroups"`
}

type HostRule struct {
	hostSelector
	Connection  string `json:"connection"`
	Maintenance *bool  `json:"maintenance"`
	Ipv6        *bool  `json:"ipv6_enabled"`
	Pnics       []struct {
		Device string `json:"device"`
		Link   bool   `json:"link"`
	} `json:"pnics"`
	Vswitches []struct {
		Name    string   `json:"name"`
		Uplinks []string `json:"uplinks"`
		Active  []string `json:"active"`
		Standby []string `json:"standby"`
		Mtu     int32    `json:"mtu"`
	} `json:"vswitches"`
	Portgroups []struct {
		Name    string    `json:"name"`
		Vswitch string    `json:"vswitch"`
		Vlan    int32     `json:"vlan"`
		Active  *[]string `json:"active"`
		Standby *[]string `json:"standby"`
	} `json:"portgroups"`
	Stacks []struct {
		Key      string  `json:"key"`
		Create   bool    `json:"create"` // a custom stack (esxcli network ip netstack add), e.g. NSX's vxlan
		Gateway  *string `json:"gateway"`
		Gateway6 *string `json:"gateway6"`
	} `json:"stacks"`
	Vmknics []struct {
		Device      string `json:"device"`
		Portgroup   string `json:"portgroup"`
		Dvportgroup string `json:"dvportgroup"` // a dvPortgroup name (instead of portgroup)
		Dvswitch    string `json:"dvswitch"`    // its switch, when the name is on several
		IP          string `json:"ip"`
		Netmask     string `json:"netmask"`
		Dhcp        bool   `json:"dhcp"`
		Ipv6        []struct {
			Address string `json:"address"`
			Origin  string `json:"origin"`
		} `json:"ipv6"`
		Autoconf    bool     `json:"ipv6_autoconf"`
		Dhcp6       bool     `json:"dhcpv6"`
		Stack       string   `json:"stack"`
		Services    []string `json:"services"`
		Mtu         int32    `json:"mtu"`
		Gateway     string   `json:"gateway"`
		Gateway6    string   `json:"gateway6"`
		Owner       string   `json:"owner"`
		SystemOwned bool     `json:"system_owned"`
	} `json:"vmknics"`
	Iscsi *struct {
		Enabled     bool              `json:"enabled"`
		Bind        []string          `json:"bind"`
		Targets     bool              `json:"targets"`
		PathStatus  map[string]string `json:"path_status"`
		AluaStandby []string          `json:"alua_standby"` // ports whose target port is ALUA standby
	} `json:"iscsi"`
}

func parseScenario(b []byte) (*Scenario, error) {
	var s Scenario
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario: %v", err)
	}
	return &s, nil
}

var tmplRe = regexp.MustCompile(`\{i([+-]\d+)?\}`)

// expand replaces {i} / {i+N} / {i-N} with the host index (plus N), so one rule can give many
// hosts distinct addresses: "10.20.0.{i+100}/24".
func expand(s string, h *host) string {
	return tmplRe.ReplaceAllStringFunc(s, func(m string) string {
		n := h.Index
		if sub := tmplRe.FindStringSubmatch(m); sub[1] != "" {
			k, _ := strconv.Atoi(sub[1])
			n += k
		}
		return strconv.Itoa(n)
	})
}

// each runs fn on every host the selector matches, in index order; an error names the host.
func (r *hostSelector) each(fn func(h *host) error) error {
	matched := 0
	for _, h := range lab.hosts {
		ok, err := r.matches(h)
		if err != nil {
			return fmt.Errorf(": %v", err)
		}
		if !ok {
			continue
		}
		matched++
		if err := fn(h); err != nil {
			return fmt.Errorf(" on host %s: %v", h.Name, err)
		}
	}
	if matched == 0 {
		return fmt.Errorf(" matches no host")
	}
	return nil
}

func (r *hostSelector) matches(h *host) (bool, error) {
	if r.Match != "" {
		ok, err := path.Match(r.Match, h.Name)
		if err != nil {
			return false, fmt.Errorf("bad match pattern %q", r.Match)
		}
		if !ok {
			return false, nil
		}
	}
	if r.Cluster != "" && clusterOf(h) != r.Cluster {
		return false, nil
	}
	switch x := r.Index.(type) {
	case nil:
	case float64:
		return int(x) == h.Index, nil
	case []interface{}:
		for _, v := range x {
			if f, ok := v.(float64); ok && int(f) == h.Index {
				return true, nil
			}
		}
		return false, nil
	default:
		return false, fmt.Errorf("index must be a number or a list of numbers")
	}
	return true, nil
}

func applyScenario(s *Scenario) error {
	for i, d := range s.DhcpSegments {
		_, n, err := net.ParseCIDR(d.Subnet)
		if err != nil || n.IP.To4() == nil {
			return fmt.Errorf("scenario: dhcp_segments[%d]: subnet %q is not an IPv4 CIDR", i, d.Subnet)
		}
		lab.dhcp = append(lab.dhcp, dhcpSegment{Vlan: d.Vlan, Net: n})
	}
	for i, d := range s.RaSegments {
		_, n, err := net.ParseCIDR(d.Prefix)
		if ones, _ := n.Mask.Size(); err != nil || n.IP.To4() != nil || ones != 64 {
			return fmt.Errorf("scenario: ra_segments[%d]: prefix %q is not an IPv6 /64", i, d.Prefix)
		}
		router := d.Router
		if router == "" {
			router = "fe80::1"
		}
		if ip := net.ParseIP(router); ip == nil || !ip.IsLinkLocalUnicast() {
			return fmt.Errorf("scenario: ra_segments[%d]: router %q is not an IPv6 link-local address", i, d.Router)
		}
		raSegs = append(raSegs, raSegment{Vlan: d.Vlan, Net: n, Managed: d.Managed, Router: router})
	}
	if s.Vcenter != "" {
		if ip := net.ParseIP(s.Vcenter); ip == nil || ip.To4() == nil {
			return fmt.Errorf("scenario: vcenter %q is not an IPv4 address", s.Vcenter)
		}
		lab.vcenter = s.Vcenter
		for _, h := range lab.hosts {
			h.obj.Summary.ManagementServerIp = s.Vcenter
		}
	}
	for i, m := range s.PhysicalMtu {
		if m.Mtu < 1280 || m.Mtu > 9216 {
			return fmt.Errorf("scenario: physical_mtu[%d]: mtu %d is out of range", i, m.Mtu)
		}
		lab.segmentMtu[m.Vlan] = m.Mtu
	}
	for i, f := range s.Faults {
		if err := addFault(f); err != nil {
			return fmt.Errorf("scenario: faults[%d]: %v", i, err)
		}
	}
	for i := range s.DistributedSwitches {
		if err := applySwitchRule(&s.DistributedSwitches[i]); err != nil {
			return fmt.Errorf("scenario: distributed_switches[%d] (%s): %v", i, s.DistributedSwitches[i].Name, err)
		}
	}
	for ri := range s.Hosts {
		r := &s.Hosts[ri]
		if err := r.each(func(h *host) error { return applyRule(r, h) }); err != nil {
			return fmt.Errorf("scenario: hosts[%d]%v", ri, err)
		}
	}
	return nil
}

func errOf(e *labErr) error {
	if e == nil {
		return nil
	}
	return fmt.Errorf("%s (%s)", e.msg, faultName(e.fault))
}

func applyRule(r *HostRule, h *host) error {
	if r.Ipv6 != nil {
		h.Ipv6 = *r.Ipv6
	}
	for i, p := range r.Pnics {
		if !contains(h.Pnics, p.Device) {
			return fmt.Errorf("pnics[%d]: %s is not a physical NIC of the host", i, p.Device)
		}
		h.NoLink[p.Device] = !p.Link
	}
	if len(r.Pnics) > 0 {
		h.obj.Config.Network.Pnic = renderPnics(h)
	}
	for i, v := range r.Vswitches {
		spec := &types.HostVirtualSwitchSpec{Mtu: v.Mtu, Bridge: &types.HostVirtualSwitchBondBridge{NicDevice: v.Uplinks}}
		if v.Active != nil || v.Standby != nil {
			spec.Policy = &types.HostNetworkPolicy{NicTeaming: &types.HostNicTeamingPolicy{NicOrder: &types.HostNicOrderPolicy{ActiveNic: v.Active, StandbyNic: v.Standby}}}
		}
		var e *labErr
		if vs := h.vs(v.Name); vs != nil {
			e = h.setSwitch(vs, spec)
		} else {
			e = h.addSwitch(v.Name, spec)
		}
		if e != nil {
			return fmt.Errorf("vswitches[%d]: %v", i, errOf(e))
		}
	}
	for i, p := range r.Portgroups {
		vsw := p.Vswitch
		if vsw == "" {
			vsw = "vSwitch0"
		}
		spec := types.HostPortGroupSpec{Name: p.Name, VswitchName: vsw, VlanId: p.Vlan, Policy: emptyPolicy()}
		if p.Active != nil || p.Standby != nil {
			o := &types.HostNicOrderPolicy{}
			if p.Active != nil {
				o.ActiveNic = *p.Active
			}
			if p.Standby != nil {
				o.StandbyNic = *p.Standby
			}
			spec.Policy.NicTeaming = &types.HostNicTeamingPolicy{NicOrder: o}
		}
		var e *labErr
		if h.pg(p.Name) != nil {
			e = h.updatePG(p.Name, spec)
		} else {
			e = h.addPG(spec)
		}
		if e != nil {
			return fmt.Errorf("portgroups[%d] (%s): %v", i, p.Name, errOf(e))
		}
	}
	for i, s := range r.Stacks {
		st := h.stack(s.Key)
		if st == nil && s.Create && s.Key != "" {
			st = &stack{Key: s.Key, CC: "newreno", MaxConn: 11000}
			h.Stacks = append([]*stack{st}, h.Stacks...)
		}
		if st == nil {
			return fmt.Errorf("stacks[%d]: unknown TCP/IP stack %q (create: true makes a custom stack)", i, s.Key)
		}
		if s.Gateway != nil {
			st.Gateway = *s.Gateway
		}
		if s.Gateway6 != nil {
			st.Gateway6 = *s.Gateway6
		}
	}
	for i, v := range r.Vmknics {
		spec := types.HostVirtualNicSpec{Portgroup: v.Portgroup, NetStackInstanceKey: v.Stack, Mtu: v.Mtu, Ip: &types.HostIpConfig{Dhcp: v.Dhcp}}
		if v.IP != "" {
			ipStr := expand(v.IP, h)
			mask := v.Netmask
			if ip, n, err := net.ParseCIDR(ipStr); err == nil {
				ones, _ := n.Mask.Size()
				ipStr, mask = ip.String(), lenMask(ones)
			}
			spec.Ip.IpAddress, spec.Ip.SubnetMask = ipStr, mask
		}
		if len(v.Ipv6) > 0 || v.Autoconf || v.Dhcp6 {
			c := &types.HostIpConfigIpV6AddressConfiguration{AutoConfigurationEnabled: types.NewBool(v.Autoconf), DhcpV6Enabled: types.NewBool(v.Dhcp6)}
			for j, a := range v.Ipv6 {
				ip, n, err := net.ParseCIDR(expand(a.Address, h))
				if err != nil {
					return fmt.Errorf("vmknics[%d].ipv6[%d]: %q is not address/prefix", i, j, a.Address)
				}
				ones, _ := n.Mask.Size()
				c.IpV6Address = append(c.IpV6Address, types.HostIpConfigIpV6Address{IpAddress: ip.String(), PrefixLength: int32(ones), Origin: a.Origin, Operation: "add"})
			}
			spec.Ip.IpV6Config = c
		}
		if v.Gateway != "" || v.Gateway6 != "" {
			spec.IpRouteSpec = &types.HostVirtualNicIpRouteSpec{IpRouteConfig: &types.HostIpRouteConfig{DefaultGateway: v.Gateway, IpV6DefaultGateway: v.Gateway6}}
		}
		if v.Dvportgroup != "" {
			if v.Portgroup != "" {
				return fmt.Errorf("vmknics[%d]: give portgroup or dvportgroup, not both", i)
			}
			c, err := findDvPortgroup(v.Dvswitch, v.Dvportgroup)
			if err != nil {
				return fmt.Errorf("vmknics[%d]: %v", i, err)
			}
			spec.DistributedVirtualPort = c
		}
		dev := v.Device
		var e *labErr
		if dev != "" && h.vnic(dev) != nil {
			if spec.Ip.IpAddress == "" && !spec.Ip.Dhcp && spec.Ip.IpV6Config == nil {
				spec.Ip = nil
			}
			e = h.updateVnic(dev, spec)
		} else {
			if v.Portgroup == "" && v.Dvportgroup == "" {
				return fmt.Errorf("vmknics[%d]: portgroup or dvportgroup is required", i)
			}
			if dev != "" && dev != h.nextDevice() {
				return fmt.Errorf("vmknics[%d]: device %s would be created as %s (vmknics get the lowest free vmkN)", i, dev, h.nextDevice())
			}
			dev, e = h.addVnic(v.Portgroup, spec)
		}
		if e != nil {
			return fmt.Errorf("vmknics[%d]: %v", i, errOf(e))
		}
		vn := h.vnic(dev)
		switch v.Owner {
		case "", "NSX", "VSAN":
			vn.Owner = v.Owner
		default:
			return fmt.Errorf("vmknics[%d]: owner must be NSX or VSAN", i)
		}
		vn.SystemOwned = vn.SystemOwned || v.SystemOwned
		for _, s := range v.Services {
			if !knownNicType(s) {
				return fmt.Errorf("vmknics[%d]: unknown service %q", i, s)
			}
			if vn.Stack != "defaultTcpipStack" && vn.Stack != s {
				return fmt.Errorf("vmknics[%d]: services can be enabled only on the default TCP/IP stack", i)
			}
			if vn.Stack == "defaultTcpipStack" && !contains(h.Services[s], dev) {
				h.Services[s] = append(h.Services[s], dev)
			}
		}
	}
	if is := r.Iscsi; is != nil {
		h.IscsiEnabled = is.Enabled
		h.Targets = is.Targets
		for _, d := range is.Bind {
			if h.vnic(d) == nil {
				return fmt.Errorf("iscsi.bind: vmknic %s does not exist", d)
			}
			if h.binding(d) == nil {
				// Scenario bindings skip the compliance check: a binding can become
				// non-compliant after the fact (teaming changed later).
				h.Bindings = append(h.Bindings, &binding{Vnic: d, Uplink: h.soleUplink(h.vnic(d))})
			}
		}
		for _, d := range is.AluaStandby {
			b := h.binding(d)
			if b == nil {
				return fmt.Errorf("iscsi.alua_standby: %s is not bound", d)
			}
			b.AluaStandby = true
		}
		for d, st := range is.PathStatus {
			b := h.binding(d)
			if b == nil {
				return fmt.Errorf("iscsi.path_status: %s is not bound", d)
			}
			switch st {
			case "notUsed", "active", "standBy", "lastActive":
				b.PathStatus = st
			default:
				return fmt.Errorf("iscsi.path_status: %q is not notUsed/active/standBy/lastActive", st)
			}
		}
	}
	switch r.Connection {
	case "":
	case "connected", "notResponding", "disconnected":
		h.obj.setConn(r.Connection)
	default:
		return fmt.Errorf("connection must be connected, notResponding or disconnected")
	}
	if r.Maintenance != nil {
		h.Maint = *r.Maintenance
		h.obj.Runtime.InMaintenanceMode = h.Maint
	}
	h.applyLeases()
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func applySwitchRule(r *SwitchRule) error {
	cs := &types.VMwareDVSConfigSpec{DVSConfigSpec: types.DVSConfigSpec{Name: r.Name}, MaxMtu: r.Mtu}
	if r.Uplinks != nil {
		cs.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: r.Uplinks}
	}
	d, e := createSwitch(cs, nil)
	if e != nil {
		return errOf(e)
	}
	for mi := range r.Members {
		m := &r.Members[mi]
		err := m.each(func(h *host) error {
			b := &types.DistributedVirtualSwitchHostMemberPnicBacking{}
			for _, p := range m.Pnics {
				b.PnicSpec = append(b.PnicSpec, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: p})
			}
			return errOf(d.setMembers([]types.DistributedVirtualSwitchHostMemberConfigSpec{{Operation: "add", Host: h.Ref, Backing: b}}))
		})
		if err != nil {
			return fmt.Errorf("members[%d]%v", mi, err)
		}
	}
	for i, p := range r.Portgroups {
		setting := &types.VMwareDVSPortSetting{}
		kinds := 0
		if p.Vlan != nil {
			kinds++
			setting.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: *p.Vlan}
		}
		if p.VlanTrunk != nil {
			kinds++
			t := &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{}
			for _, r := range p.VlanTrunk {
				t.VlanId = append(t.VlanId, types.NumericRange{Start: r[0], End: r[1]})
			}
			setting.Vlan = t
		}
		if p.Pvlan != nil {
			kinds++
			setting.Vlan = &types.VmwareDistributedVirtualSwitchPvlanSpec{PvlanId: *p.Pvlan}
		}
		if kinds > 1 {
			return fmt.Errorf("portgroups[%d] (%s): give one of vlan, vlan_trunk and pvlan", i, p.Name)
		}
		if p.Active != nil || p.Standby != nil {
			o := &types.VMwareUplinkPortOrderPolicy{}
			if p.Active != nil {
				o.ActiveUplinkPort = *p.Active
			}
			if p.Standby != nil {
				o.StandbyUplinkPort = *p.Standby
			}
			setting.UplinkTeamingPolicy = &types.VmwareUplinkPortTeamingPolicy{UplinkPortOrder: o}
		}
		if _, e := d.addPortgroup(types.DVPortgroupConfigSpec{Name: p.Name, NumPorts: p.NumPorts, Type: p.Type, DefaultPortConfig: setting}, false); e != nil {
			return fmt.Errorf("portgroups[%d] (%s): %v", i, p.Name, errOf(e))
		}
	}
	return nil
}

// findDvPortgroup: the connection to a dvPortgroup named in a scenario vmknic.
func findDvPortgroup(switchName, name string) (*types.DistributedVirtualSwitchPortConnection, error) {
	var found []*types.DistributedVirtualSwitchPortConnection
	for _, d := range switches {
		if switchName != "" && d.Name != switchName {
			continue
		}
		if p := d.portgroupNamed(name); p != nil && !p.Uplink {
			found = append(found, &types.DistributedVirtualSwitchPortConnection{SwitchUuid: d.Uuid, PortgroupKey: p.Key})
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("dvportgroup %q does not exist", name)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("dvportgroup %q is on several switches; name its dvswitch", name)
}
