package main

// HostNetworkSystem: vmknics, port groups, vSwitches, UpdateNetworkConfig. Faults follow
// ESXI-NETWORKING.md 2.1; where the reference is silent the choice is commented.

import (
	"fmt"
	"net"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labNetSys struct {
	simulator.HostNetworkSystem // by value, first: property reads find mo.HostNetworkSystem
	h                           *host
	labLocker
}

func invalidArg(prop, format string, a ...interface{}) *labErr {
	return fail(&types.InvalidArgument{InvalidProperty: prop}, format, a...)
}

// rollback is vCenter's network rollback: a change that cuts vCenter's path to the host fails
// and the host reverts. The vim fault for this is NetworkDisruptedAndConfigRolledBack (its
// message per vSphere's rollback documentation).
func rollback(h *host) *labErr {
	return fail(&types.NetworkDisruptedAndConfigRolledBack{Host: h.Name},
		"The network configuration change disconnected the host '%s' from vCenter Server and has been rolled back.", h.Name)
}

// vcPath is the lab's model of vCenter's path to the host ("every network change that
// disconnects a host triggers a rollback", vSphere Networking "vSphere Networking Rollback",
// GUID-88B9F893; ESXI-NETWORKING.md 4.1). vCenter (lab.vcenter) connects to the host's name, the
// IPv4 address of one vmknic (the management vmknic); the host answers through the vmknic its
// default stack routes vCenter's address to: the owner of the connected route of vCenter's subnet
// (direct), else the owner of the connected route to the default gateway (routed). The path holds
// while both vmknics exist, each on a port group with a pNIC that has link among its active and
// standby uplinks and an MTU the segment's physical network carries. Its signature is what the
// packets see: the management address and vmknic, the VLAN each direction uses, and whether
// replies go direct or through the gateway. A change that breaks the path or changes its
// signature disconnects the host: re-addressing, moving or removing the vmknic that owns the route
// when the route then leaves through another VLAN or through the gateway, a VLAN change under
// either vmknic, teaming onto pNICs without link, an MTU the network does not carry. The route
// moving to another vmknic on the same VLAN and vSwitch keeps the path (assumption).
func (h *host) vcPath() (string, bool) {
	mgmt := h.mgmtVnic()
	if mgmt == nil {
		return "", false
	}
	egress, routed := h.egressTo(net.ParseIP(lab.vcenter))
	if egress == nil {
		return "", false
	}
	sig := fmt.Sprintf("%s/%s routed=%v", mgmt.Device, mgmt.IP, routed)
	for _, v := range []*vnic{mgmt, egress} {
		p := h.viewOf(v)
		if p == nil || !h.hasLink(p) || h.pathMtu(v, p) > h.segmentMtu(p.Vlan) {
			return "", false
		}
		// The VLAN, not the switch: the lab's physical network is one segment per VLAN that every
		// pNIC with link reaches, so a vmknic moving to another switch (standard or distributed)
		// whose uplinks have link keeps the path (⚠ assumption, see ../README.md).
		sig += fmt.Sprintf("|vlan%d", p.Vlan)
	}
	return sig, true
}

// egressTo is the default-stack vmknic the host sends to ip through: the owner of the longest
// connected route holding ip, else (routed) the owner of the connected route to the default
// gateway.
func (h *host) egressTo(ip net.IP) (*vnic, bool) {
	st := h.stack("defaultTcpipStack")
	if st == nil || ip == nil {
		return nil, false
	}
	v4, _ := h.routes(st)
	best, bestLen := "", -1
	for _, r := range v4 {
		_, n, err := net.ParseCIDR(fmt.Sprintf("%s/%d", r.Network, r.PrefixLength))
		if err == nil && r.Gateway == "0.0.0.0" && n.Contains(ip) && int(r.PrefixLength) > bestLen {
			best, bestLen = r.DeviceName, int(r.PrefixLength)
		}
	}
	if best == "" && st.Gateway != "" && !ip.Equal(net.ParseIP(st.Gateway)) {
		v, _ := h.egressTo(net.ParseIP(st.Gateway))
		return v, true
	}
	return h.vnic(best), false
}

func (h *host) hasLink(p *pgView) bool {
	for _, n := range append(copyS(p.Active), p.Standby...) {
		if !h.NoLink[n] {
			return true
		}
	}
	return false
}

func (h *host) pathMtu(v *vnic, p *pgView) int32 {
	if p.Mtu < v.Mtu {
		return p.Mtu
	}
	return v.Mtu
}

func (h *host) segmentMtu(vlan int32) int32 {
	if m, ok := lab.segmentMtu[vlan]; ok {
		return m
	}
	return 9000
}

// keepsVcPath wraps a network change: when vCenter had a path to the host before and the
// change cuts it, the change is rolled back (mutate restores the model).
func keepsVcPath(h *host, fn func() *labErr) func() *labErr {
	return func() *labErr {
		before, had := h.vcPath()
		if err := fn(); err != nil {
			return err
		}
		if after, has := h.vcPath(); had && (!has || after != before) {
			return rollback(h)
		}
		return nil
	}
}

// netMutate is mutate for HostNetworkSystem changes, under vCenter's network rollback.
func netMutate(h *host, method string, obj types.ManagedObjectReference, args map[string]interface{}, needConn bool, fn func() *labErr) *labErr {
	return mutate(h, method, obj, args, needConn, keepsVcPath(h, fn))
}

// ---- vmknics ----

func (h *host) addVnic(pgName string, spec types.HostVirtualNicSpec) (string, *labErr) {
	if pgName == "" {
		pgName = spec.Portgroup
	}
	if spec.OpaqueNetwork != nil {
		return "", fail(&types.NotSupported{}, "the lab does not model opaque networks")
	}
	if spec.DistributedVirtualPort != nil && pgName != "" {
		// The API reference: portgroup must be "" when nic.distributedVirtualPort is set.
		return "", invalidArg("portgroup", "A port group name cannot be given with a distributed virtual port")
	}
	if pgName == "" && spec.DistributedVirtualPort == nil {
		return "", invalidArg("portgroup", "A port group is required")
	}
	if pgName != "" {
		if h.pg(pgName) == nil {
			return "", invalidArg("portgroup", "Port group %s does not exist", pgName)
		}
		if v := h.vnicOnPG(pgName); v != nil {
			return "", fail(&types.AlreadyExists{Name: pgName}, "Port group %s already has a VMkernel adapter (%s)", pgName, v.Device)
		}
	}
	stk := spec.NetStackInstanceKey
	if stk == "" {
		stk = "defaultTcpipStack"
	}
	if h.stack(stk) == nil {
		return "", invalidArg("nic.netStackInstanceKey", "TCP/IP stack %s does not exist", stk)
	}
	v := &vnic{Device: h.nextDevice(), Portgroup: pgName, Stack: stk, Mtu: 1500, Mac: spec.Mac}
	if c := spec.DistributedVirtualPort; c != nil {
		a, err := h.connectPort(c)
		if err != nil {
			return "", err
		}
		v.Dv = a
	}
	if v.Mac == "" {
		v.Mac = h.newMac()
	}
	if spec.Ip == nil {
		return "", invalidArg("nic.ip", "An IP configuration is required")
	}
	if err := h.setIP(v, spec.Ip, true); err != nil {
		return "", err
	}
	if err := setMtu(v, spec.Mtu); err != nil {
		return "", err
	}
	setGw(v, spec.IpRouteSpec)
	if spec.SystemOwned != nil {
		v.SystemOwned = *spec.SystemOwned
	}
	v.Up = nextUp()
	h.Vnics = append(h.Vnics, v)
	h.applyLeases()
	return v.Device, nil
}

func setMtu(v *vnic, mtu int32) *labErr {
	if mtu == 0 {
		return nil
	}
	if mtu < 1280 || mtu > 9000 {
		return invalidArg("nic.mtu", "MTU %d is out of range (1280-9000)", mtu)
	}
	v.Mtu = mtu
	return nil
}

// setGw: an ipRouteSpec replaces the override; one whose gateways are unset removes it.
func setGw(v *vnic, rs *types.HostVirtualNicIpRouteSpec) {
	if rs == nil {
		return
	}
	rc, _ := rs.IpRouteConfig.(*types.HostIpRouteConfig)
	if rc == nil || (rc.DefaultGateway == "" && rc.IpV6DefaultGateway == "") {
		v.GwOverride = nil
		return
	}
	v.GwOverride = &types.HostIpRouteConfig{DefaultGateway: rc.DefaultGateway, IpV6DefaultGateway: rc.IpV6DefaultGateway}
}

// setIP applies an IpConfig. creating: the IPv4 part is required. On update, an IpConfig with
// neither dhcp nor an address only changes the IPv6 part.
func (h *host) setIP(v *vnic, ip *types.HostIpConfig, creating bool) *labErr {
	switch {
	case ip.Dhcp:
		v.Dhcp = true
		v.IP, v.Mask = "", ""
	case ip.IpAddress != "":
		a := net.ParseIP(ip.IpAddress).To4()
		if a == nil || a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() {
			return invalidArg("nic.ip.ipAddress", "Invalid IP address %q", ip.IpAddress)
		}
		n, ok := maskLen(ip.SubnetMask)
		if !ok || n == 0 || lenMask(n) != ip.SubnetMask {
			return invalidArg("nic.ip.subnetMask", "Invalid subnet mask %q", ip.SubnetMask)
		}
		v.Dhcp, v.IP, v.Mask = false, a.String(), ip.SubnetMask
	case creating:
		return invalidArg("nic.ip.ipAddress", "An IPv4 address or DHCP is required")
	}
	if c := ip.IpV6Config; c != nil {
		hasAddr := false
		for _, a := range c.IpV6Address {
			if a.Operation != "remove" {
				hasAddr = true
			}
		}
		if hasAddr && !h.Ipv6 {
			return fail(&types.InvalidState{}, "IPv6 is not enabled on host %s", h.Name)
		}
		v.V6Set = true
		if c.AutoConfigurationEnabled != nil {
			v.Autoconf = *c.AutoConfigurationEnabled
		}
		if c.DhcpV6Enabled != nil {
			v.Dhcp6 = *c.DhcpV6Enabled
		}
		for _, a := range c.IpV6Address {
			p := net.ParseIP(a.IpAddress)
			if p == nil || p.To4() != nil || a.PrefixLength < 1 || a.PrefixLength > 128 {
				return invalidArg("nic.ip.ipV6Config", "Invalid IPv6 address %s/%d", a.IpAddress, a.PrefixLength)
			}
			if p.IsLinkLocalUnicast() {
				continue // the link-local address is the host's own
			}
			var keep []v6addr
			for _, x := range v.V6 {
				if !net.ParseIP(x.Address).Equal(p) {
					keep = append(keep, x)
				}
			}
			if a.Operation != "remove" {
				origin := a.Origin
				if origin == "" {
					origin = "manual"
				}
				keep = append(keep, v6addr{Address: p.String(), Prefix: a.PrefixLength, Origin: origin, Dad: "preferred"})
			}
			v.V6 = keep
		}
	}
	return nil
}

func (h *host) updateVnic(dev string, spec types.HostVirtualNicSpec) *labErr {
	v := h.vnic(dev)
	if v == nil {
		return fail(&types.NotFound{}, "VMkernel adapter %s does not exist", dev)
	}
	// The stack is fixed at creation (ESXI-NETWORKING.md 1.3). InvalidArgument is the lab's
	// choice; community.vmware checks this itself before calling.
	if spec.NetStackInstanceKey != "" && spec.NetStackInstanceKey != v.Stack {
		return invalidArg("nic.netStackInstanceKey", "The TCP/IP stack cannot be changed on an existing VMkernel adapter")
	}
	oldUp := v.Up
	before := *v
	before.V6 = append([]v6addr(nil), v.V6...)
	if spec.Portgroup != "" && spec.DistributedVirtualPort != nil {
		return invalidArg("nic.portgroup", "Set only one of portgroup and distributedVirtualPort")
	}
	if spec.Portgroup != "" && spec.Portgroup != v.Portgroup {
		p := h.pg(spec.Portgroup)
		if p == nil {
			return invalidArg("nic.portgroup", "Port group %s does not exist", spec.Portgroup)
		}
		if o := h.vnicOnPG(spec.Portgroup); o != nil {
			return fail(&types.AlreadyExists{Name: spec.Portgroup}, "Port group %s already has a VMkernel adapter (%s)", spec.Portgroup, o.Device)
		}
		v.Portgroup, v.Dv = spec.Portgroup, nil
	}
	if c := spec.DistributedVirtualPort; c != nil && !v.Dv.same(c) {
		old := v.Dv
		v.Dv = nil // its own port is free for the move
		a, err := h.connectPort(c)
		if err != nil {
			v.Dv = old
			return err
		}
		v.Portgroup, v.Dv = "", a
	}
	if spec.Ip != nil {
		if err := h.setIP(v, spec.Ip, false); err != nil {
			return err
		}
	}
	if err := setMtu(v, spec.Mtu); err != nil {
		return err
	}
	setGw(v, spec.IpRouteSpec)
	h.applyLeases()
	if v.Up == oldUp && (v.IP != before.IP || v.Mask != before.Mask || v.Dhcp != before.Dhcp || !sameV6(v.V6, before.V6) || v.Portgroup != before.Portgroup || !v.Dv.equal(before.Dv)) {
		v.Up = nextUp() // a vmknic comes up again when its IP config changes
	}
	return nil
}

func sameV6(a, b []v6addr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h *host) removeVnic(dev string) *labErr {
	v := h.vnic(dev)
	if v == nil {
		return fail(&types.NotFound{}, "VMkernel adapter %s does not exist", dev)
	}
	if b := h.binding(dev); b != nil {
		// RemoveVirtualNic declares NotFound and HostConfigFault only; ESXi refuses to remove a
		// vmknic bound to an iSCSI adapter, so HostConfigFault (ESXI-NETWORKING.md 2.1, 4.6).
		return fail(&types.HostConfigFault{}, "VMkernel adapter %s is bound to iSCSI adapter %s; unbind it first", dev, h.Hba)
	}
	var keep []*vnic
	for _, x := range h.Vnics {
		if x != v {
			keep = append(keep, x)
		}
	}
	h.Vnics = keep
	h.dropServices(dev)
	return nil
}

// applyLeases gives DHCP vmknics an address from the DHCP segment of their port group's VLAN.
// Leases are deterministic: handed out in request order and kept per host/vmknic/VLAN.
func (h *host) applyLeases() {
	for _, v := range h.Vnics {
		if h.applySlaac(v) {
			v.Up = nextUp()
		}
		if !v.Dhcp {
			continue
		}
		ip, mask := "", ""
		if p := h.viewOf(v); p != nil {
			ip, mask = lease(h, v, p.Vlan)
		}
		if ip != v.IP || mask != v.Mask {
			v.IP, v.Mask = ip, mask
			v.Up = nextUp()
		}
	}
}

// ---- port groups ----

func (h *host) checkTeaming(vs *vswitch, nt *types.HostNicTeamingPolicy) (*teaming, *labErr) {
	if nt == nil || nt.NicOrder == nil {
		return nil, nil
	}
	t := &teaming{Active: copyS(nt.NicOrder.ActiveNic), Standby: copyS(nt.NicOrder.StandbyNic)}
	seen := map[string]bool{}
	for _, n := range append(copyS(t.Active), t.Standby...) {
		ok := false
		for _, u := range vs.Uplinks {
			ok = ok || u == n
		}
		if !ok || seen[n] {
			return nil, invalidArg("portgrp.policy.nicTeaming.nicOrder", "%s is not an uplink of %s", n, vs.Name)
		}
		seen[n] = true
	}
	return t, nil
}

func (h *host) addPG(spec types.HostPortGroupSpec) *labErr {
	if spec.Name == "" {
		return invalidArg("portgrp.name", "A port group name is required")
	}
	vs := h.vs(spec.VswitchName)
	if vs == nil {
		return fail(&types.NotFound{}, "Virtual switch %s does not exist", spec.VswitchName)
	}
	if h.pg(spec.Name) != nil {
		return fail(&types.AlreadyExists{Name: spec.Name}, "Port group %s already exists", spec.Name)
	}
	if spec.VlanId < 0 || spec.VlanId > 4095 {
		return invalidArg("portgrp.vlanId", "VLAN ID %d is out of range (0-4095)", spec.VlanId)
	}
	t, err := h.checkTeaming(vs, spec.Policy.NicTeaming)
	if err != nil {
		return err
	}
	h.Portgroups = append(h.Portgroups, &portgroup{Name: spec.Name, Vswitch: vs.Name, Vlan: spec.VlanId, Teaming: t, Policy: spec.Policy})
	return nil
}

func (h *host) updatePG(name string, spec types.HostPortGroupSpec) *labErr {
	p := h.pg(name)
	if p == nil {
		return fail(&types.NotFound{}, "Port group %s does not exist", name)
	}
	if spec.VswitchName != "" && spec.VswitchName != p.Vswitch {
		return invalidArg("portgrp.vswitchName", "A port group cannot be moved to another virtual switch")
	}
	if spec.VlanId < 0 || spec.VlanId > 4095 {
		return invalidArg("portgrp.vlanId", "VLAN ID %d is out of range (0-4095)", spec.VlanId)
	}
	t, err := h.checkTeaming(h.vs(p.Vswitch), spec.Policy.NicTeaming)
	if err != nil {
		return err
	}
	if spec.Name != "" && spec.Name != p.Name {
		if h.pg(spec.Name) != nil {
			return fail(&types.AlreadyExists{Name: spec.Name}, "Port group %s already exists", spec.Name)
		}
		for _, v := range h.Vnics {
			if v.Portgroup == p.Name {
				v.Portgroup = spec.Name
			}
		}
		p.Name = spec.Name
	}
	p.Vlan, p.Teaming, p.Policy = spec.VlanId, t, spec.Policy
	h.applyLeases()
	return nil
}

func (h *host) removePG(name string) *labErr {
	p := h.pg(name)
	if p == nil {
		return fail(&types.NotFound{}, "Port group %s does not exist", name)
	}
	if v := h.vnicOnPG(name); v != nil {
		return fail(&types.ResourceInUse{Type: "HostVirtualNic", Name: v.Device}, "Port group %s is in use by VMkernel adapter %s", name, v.Device)
	}
	var keep []*portgroup
	for _, x := range h.Portgroups {
		if x != p {
			keep = append(keep, x)
		}
	}
	h.Portgroups = keep
	return nil
}

// ---- vSwitches ----

func (h *host) setSwitch(vs *vswitch, spec *types.HostVirtualSwitchSpec) *labErr {
	if spec == nil {
		return nil
	}
	if b, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge); ok && b != nil {
		for _, n := range b.NicDevice {
			found := false
			for _, p := range h.Pnics {
				found = found || p == n
			}
			if !found {
				return invalidArg("spec.bridge.nicDevice", "Physical NIC %s does not exist", n)
			}
			if owner := proxyPnicOwner(h, n); owner != "" {
				return fail(&types.ResourceInUse{Type: "PhysicalNic", Name: n}, "%s is already used by distributed switch %s", n, owner)
			}
			for _, o := range h.Vswitches {
				for _, u := range o.Uplinks {
					if o != vs && u == n {
						return fail(&types.ResourceInUse{Type: "PhysicalNic", Name: n}, "%s is already used by %s", n, o.Name)
					}
				}
			}
		}
		vs.Uplinks = copyS(b.NicDevice)
	}
	if spec.Mtu != 0 {
		vs.Mtu = spec.Mtu
	}
	if spec.Policy != nil && spec.Policy.NicTeaming != nil && spec.Policy.NicTeaming.NicOrder != nil {
		o := spec.Policy.NicTeaming.NicOrder
		vs.Teaming = teaming{Active: copyS(o.ActiveNic), Standby: copyS(o.StandbyNic)}
	} else if spec.Bridge != nil {
		vs.Teaming = teaming{Active: copyS(vs.Uplinks)}
	}
	return nil
}

func (h *host) addSwitch(name string, spec *types.HostVirtualSwitchSpec) *labErr {
	if h.vs(name) != nil {
		return fail(&types.AlreadyExists{Name: name}, "Virtual switch %s already exists", name)
	}
	vs := &vswitch{Name: name, Mtu: 1500}
	if err := h.setSwitch(vs, spec); err != nil {
		return err
	}
	h.Vswitches = append(h.Vswitches, vs)
	return nil
}

func (h *host) removeSwitch(name string) *labErr {
	vs := h.vs(name)
	if vs == nil {
		return fail(&types.NotFound{}, "Virtual switch %s does not exist", name)
	}
	for _, p := range h.Portgroups {
		if p.Vswitch == name {
			if v := h.vnicOnPG(p.Name); v != nil {
				return fail(&types.ResourceInUse{Type: "HostVirtualNic", Name: v.Device}, "Virtual switch %s is in use by VMkernel adapter %s", name, v.Device)
			}
		}
	}
	var keep []*vswitch
	for _, x := range h.Vswitches {
		if x != vs {
			keep = append(keep, x)
		}
	}
	var pgs []*portgroup
	for _, p := range h.Portgroups {
		if p.Vswitch != name {
			pgs = append(pgs, p)
		}
	}
	h.Vswitches, h.Portgroups = keep, pgs
	return nil
}

// ---- SOAP methods ----

func vnicArgs(dev, pg string, spec *types.HostVirtualNicSpec) map[string]interface{} {
	a := map[string]interface{}{}
	if dev != "" {
		a["device"] = dev
	}
	if pg != "" {
		a["portgroup"] = pg
	}
	if spec == nil {
		return a
	}
	if spec.Portgroup != "" {
		a["portgroup"] = spec.Portgroup
	}
	if c := spec.DistributedVirtualPort; c != nil {
		a["switchUuid"] = c.SwitchUuid
		a["portgroupKey"] = c.PortgroupKey
		if c.PortKey != "" {
			a["portKey"] = c.PortKey
		}
	}
	if spec.Ip != nil {
		a["dhcp"] = spec.Ip.Dhcp
		if spec.Ip.IpAddress != "" {
			a["ip"] = spec.Ip.IpAddress
			a["netmask"] = spec.Ip.SubnetMask
		}
		if spec.Ip.IpV6Config != nil {
			var l []string
			for _, x := range spec.Ip.IpV6Config.IpV6Address {
				l = append(l, x.Operation+":"+x.IpAddress)
			}
			a["ipv6"] = l
		}
	}
	if spec.Mtu != 0 {
		a["mtu"] = spec.Mtu
	}
	if spec.NetStackInstanceKey != "" {
		a["stack"] = spec.NetStackInstanceKey
	}
	if spec.IpRouteSpec != nil {
		a["gateway_override"] = true
	}
	return a
}

func (s *labNetSys) AddVirtualNic(req *types.AddVirtualNic) soap.HasFault {
	var dev string
	args := vnicArgs("", req.Portgroup, &req.Nic)
	err := netMutate(s.h, "AddVirtualNic", s.Self, args, true, func() *labErr {
		var e *labErr
		dev, e = s.h.addVnic(req.Portgroup, req.Nic)
		if e == nil {
			args["device"] = dev
		}
		return e
	})
	if err != nil {
		return &methods.AddVirtualNicBody{Fault_: err.soap()}
	}
	return &methods.AddVirtualNicBody{Res: &types.AddVirtualNicResponse{Returnval: dev}}
}

func (s *labNetSys) UpdateVirtualNic(req *types.UpdateVirtualNic) soap.HasFault {
	err := netMutate(s.h, "UpdateVirtualNic", s.Self, vnicArgs(req.Device, "", &req.Nic), true, func() *labErr {
		return s.h.updateVnic(req.Device, req.Nic)
	})
	return &methods.UpdateVirtualNicBody{Res: &types.UpdateVirtualNicResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) RemoveVirtualNic(req *types.RemoveVirtualNic) soap.HasFault {
	err := netMutate(s.h, "RemoveVirtualNic", s.Self, map[string]interface{}{"device": req.Device}, true, func() *labErr {
		return s.h.removeVnic(req.Device)
	})
	return &methods.RemoveVirtualNicBody{Res: &types.RemoveVirtualNicResponse{}, Fault_: err.soap()}
}

func pgArgs(name string, spec *types.HostPortGroupSpec) map[string]interface{} {
	a := map[string]interface{}{}
	if name != "" {
		a["portgroup"] = name
	}
	if spec != nil {
		a["name"] = spec.Name
		a["vswitch"] = spec.VswitchName
		a["vlan"] = spec.VlanId
		if nt := spec.Policy.NicTeaming; nt != nil && nt.NicOrder != nil {
			a["active"] = nt.NicOrder.ActiveNic
			a["standby"] = nt.NicOrder.StandbyNic
		}
	}
	return a
}

func (s *labNetSys) AddPortGroup(req *types.AddPortGroup) soap.HasFault {
	err := netMutate(s.h, "AddPortGroup", s.Self, pgArgs("", &req.Portgrp), true, func() *labErr { return s.h.addPG(req.Portgrp) })
	return &methods.AddPortGroupBody{Res: &types.AddPortGroupResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) UpdatePortGroup(req *types.UpdatePortGroup) soap.HasFault {
	err := netMutate(s.h, "UpdatePortGroup", s.Self, pgArgs(req.PgName, &req.Portgrp), true, func() *labErr {
		return s.h.updatePG(req.PgName, req.Portgrp)
	})
	return &methods.UpdatePortGroupBody{Res: &types.UpdatePortGroupResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) RemovePortGroup(req *types.RemovePortGroup) soap.HasFault {
	err := netMutate(s.h, "RemovePortGroup", s.Self, pgArgs(req.PgName, nil), true, func() *labErr { return s.h.removePG(req.PgName) })
	return &methods.RemovePortGroupBody{Res: &types.RemovePortGroupResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) AddVirtualSwitch(req *types.AddVirtualSwitch) soap.HasFault {
	err := netMutate(s.h, "AddVirtualSwitch", s.Self, map[string]interface{}{"vswitch": req.VswitchName}, true, func() *labErr {
		return s.h.addSwitch(req.VswitchName, req.Spec)
	})
	return &methods.AddVirtualSwitchBody{Res: &types.AddVirtualSwitchResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) UpdateVirtualSwitch(req *types.UpdateVirtualSwitch) soap.HasFault {
	err := netMutate(s.h, "UpdateVirtualSwitch", s.Self, map[string]interface{}{"vswitch": req.VswitchName}, true, func() *labErr {
		vs := s.h.vs(req.VswitchName)
		if vs == nil {
			return fail(&types.NotFound{}, "Virtual switch %s does not exist", req.VswitchName)
		}
		return s.h.setSwitch(vs, &req.Spec)
	})
	return &methods.UpdateVirtualSwitchBody{Res: &types.UpdateVirtualSwitchResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) RemoveVirtualSwitch(req *types.RemoveVirtualSwitch) soap.HasFault {
	err := netMutate(s.h, "RemoveVirtualSwitch", s.Self, map[string]interface{}{"vswitch": req.VswitchName}, true, func() *labErr {
		return s.h.removeSwitch(req.VswitchName)
	})
	return &methods.RemoveVirtualSwitchBody{Res: &types.RemoveVirtualSwitchResponse{}, Fault_: err.soap()}
}

func (s *labNetSys) RefreshNetworkSystem(req *types.RefreshNetworkSystem) soap.HasFault {
	return &methods.RefreshNetworkSystemBody{Res: &types.RefreshNetworkSystemResponse{}}
}

// UpdateNetworkConfig applies vswitch, portgroup, vnic, netStackSpec (edit: gateways, DNS,
// congestion control, max connections, static routes) and the default stack's ipRouteConfig /
// dnsConfig / routeTableConfig. It is all-or-nothing: mutate() restores the model on failure.
func (s *labNetSys) UpdateNetworkConfig(req *types.UpdateNetworkConfig) soap.HasFault {
	c := req.Config
	h := s.h
	var res types.HostNetworkConfigResult
	args := map[string]interface{}{"changeMode": req.ChangeMode, "vswitch": len(c.Vswitch), "portgroup": len(c.Portgroup),
		"vnic": len(c.Vnic), "netStackSpec": len(c.NetStackSpec)}
	err := netMutate(h, "UpdateNetworkConfig", s.Self, args, true, func() *labErr {
		if req.ChangeMode != "modify" && req.ChangeMode != "replace" {
			return invalidArg("changeMode", "changeMode must be modify or replace")
		}
		// Removals go last (port groups, then vSwitches), after the vmknics moved: a host applies
		// the config as a whole, and community.vmware's vmware_migrate_vmk removes a vmknic's
		// port group in the same call that moves the vmknic to a distributed port.
		for _, x := range c.Vswitch {
			var e *labErr
			switch x.ChangeOperation {
			case "add":
				e = h.addSwitch(x.Name, x.Spec)
			case "remove":
				continue
			default:
				vs := h.vs(x.Name)
				if vs == nil {
					e = fail(&types.NotFound{}, "Virtual switch %s does not exist", x.Name)
				} else {
					e = h.setSwitch(vs, x.Spec)
				}
			}
			if e != nil {
				return e
			}
		}
		for _, x := range c.Portgroup {
			if x.Spec == nil {
				return invalidArg("config.portgroup.spec", "A port group spec is required")
			}
			var e *labErr
			switch x.ChangeOperation {
			case "add":
				e = h.addPG(*x.Spec)
			case "remove":
				continue
			default:
				e = h.updatePG(x.Spec.Name, *x.Spec)
			}
			if e != nil {
				return e
			}
		}
		for _, x := range c.Vnic {
			var e *labErr
			switch x.ChangeOperation {
			case "add":
				var dev string
				if x.Spec == nil {
					return invalidArg("config.vnic.spec", "A vnic spec is required")
				}
				dev, e = h.addVnic(x.Portgroup, *x.Spec)
				res.VnicDevice = append(res.VnicDevice, dev)
			case "remove":
				e = h.removeVnic(x.Device)
			default:
				if x.Spec == nil {
					return invalidArg("config.vnic.spec", "A vnic spec is required")
				}
				e = h.updateVnic(x.Device, *x.Spec)
			}
			if e != nil {
				return e
			}
		}
		for _, x := range c.Portgroup {
			if x.ChangeOperation == "remove" {
				if e := h.removePG(x.Spec.Name); e != nil {
					return e
				}
			}
		}
		for _, x := range c.Vswitch {
			if x.ChangeOperation == "remove" {
				if e := h.removeSwitch(x.Name); e != nil {
					return e
				}
			}
		}
		for _, x := range c.NetStackSpec {
			if x.Operation != "" && x.Operation != "edit" {
				return fail(&types.NotSupported{}, "Only the edit operation is supported for netStackSpec")
			}
			if e := h.editStack(x.NetStackInstance.Key, &x.NetStackInstance); e != nil {
				return e
			}
		}
		if c.IpRouteConfig != nil || c.DnsConfig != nil || c.RouteTableConfig != nil {
			ns := types.HostNetStackInstance{IpRouteConfig: c.IpRouteConfig, DnsConfig: c.DnsConfig, RouteTableConfig: c.RouteTableConfig}
			if e := h.editStack("defaultTcpipStack", &ns); e != nil {
				return e
			}
		}
		if c.IpV6Enabled != nil {
			h.Ipv6 = *c.IpV6Enabled // takes effect at once in the lab (ESXi needs a reboot)
		}
		return nil
	})
	if err != nil {
		return &methods.UpdateNetworkConfigBody{Fault_: err.soap()}
	}
	return &methods.UpdateNetworkConfigBody{Res: &types.UpdateNetworkConfigResponse{Returnval: res}}
}

func (h *host) editStack(key string, n *types.HostNetStackInstance) *labErr {
	st := h.stack(key)
	if st == nil {
		return fail(&types.NotFound{}, "TCP/IP stack %s does not exist", key)
	}
	if rc, ok := n.IpRouteConfig.(*types.HostIpRouteConfig); ok && rc != nil {
		for _, g := range []string{rc.DefaultGateway, rc.IpV6DefaultGateway} {
			if g != "" && net.ParseIP(g) == nil {
				return invalidArg("ipRouteConfig", "Invalid gateway %q", g)
			}
		}
		st.Gateway, st.Gateway6 = rc.DefaultGateway, rc.IpV6DefaultGateway
	}
	if d, ok := n.DnsConfig.(*types.HostDnsConfig); ok && d != nil {
		c := *d
		st.Dns = &c
	}
	if n.CongestionControlAlgorithm != "" {
		st.CC = n.CongestionControlAlgorithm
	}
	if n.RequestedMaxNumberOfConnections != 0 {
		st.MaxConn = n.RequestedMaxNumberOfConnections
	}
	if rt := n.RouteTableConfig; rt != nil {
		var err *labErr
		st.StaticV4, err = routeOps(st.StaticV4, rt.IpRoute, false)
		if err != nil {
			return err
		}
		st.StaticV6, err = routeOps(st.StaticV6, rt.Ipv6Route, true)
		if err != nil {
			return err
		}
	}
	return nil
}

func routeOps(cur []types.HostIpRouteEntry, ops []types.HostIpRouteOp, v6 bool) ([]types.HostIpRouteEntry, *labErr) {
	out := append([]types.HostIpRouteEntry(nil), cur...)
	for _, o := range ops {
		r := o.Route
		ip := net.ParseIP(r.Network)
		if ip == nil || (ip.To4() == nil) != v6 {
			return nil, invalidArg("routeTableConfig", "Invalid route network %q", r.Network)
		}
		switch o.ChangeOperation {
		case "add":
			out = append(out, types.HostIpRouteEntry{Network: r.Network, PrefixLength: r.PrefixLength, Gateway: r.Gateway})
		case "remove":
			var keep []types.HostIpRouteEntry
			found := false
			for _, x := range out {
				if x.Network == r.Network && x.PrefixLength == r.PrefixLength && (r.Gateway == "" || x.Gateway == r.Gateway) {
					found = true
					continue
				}
				keep = append(keep, x)
			}
			if !found {
				return nil, fail(&types.NotFound{}, "Route %s/%d does not exist", r.Network, r.PrefixLength)
			}
			out = keep
		case "ignore", "":
		default:
			return nil, invalidArg("changeOperation", "Unknown changeOperation %q", o.ChangeOperation)
		}
	}
	return out, nil
}
