package main

// The host model's network changes and vCenter's path to the host: this file has the path and
// the vmknics, netmodel_switch.go port groups and vSwitches, netmodel_config.go stacks, routes
// and UpdateNetworkConfig. No SOAP in these: netsys.go has the HostNetworkSystem handlers, which
// journal, inject faults and apply vCenter's network rollback around them. Faults follow
// ESXI-NETWORKING.md 2.1; where the reference is silent the choice is commented.

import (
	"fmt"
	"net"

	"github.com/vmware/govmomi/vim25/types"
)

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
	v := &vnic{Device: h.nextDevice(), attachment: onPortgroup(pgName), Stack: stk, Mtu: 1500, Mac: spec.Mac}
	if c := spec.DistributedVirtualPort; c != nil {
		a, err := h.connectPort(c)
		if err != nil {
			return "", err
		}
		v.attachment = attachment{Dv: a}
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
		v.attachment = onPortgroup(spec.Portgroup)
	}
	if c := spec.DistributedVirtualPort; c != nil && !v.Dv.same(c) {
		old := v.Dv
		v.Dv = nil // its own port is free for the move
		a, err := h.connectPort(c)
		if err != nil {
			v.Dv = old
			return err
		}
		v.attachment = attachment{Dv: a}
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
	h.Vnics = without(h.Vnics, v)
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
