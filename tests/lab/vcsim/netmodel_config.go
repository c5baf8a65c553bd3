package main

// The host model's TCP/IP stack changes (gateways, DNS, static routes) and UpdateNetworkConfig
// as a whole, applied through the vmknic, port group and vSwitch changes of netmodel.go and
// netmodel_switch.go. No SOAP here (see netmodel.go).

import (
	"net"

	"github.com/vmware/govmomi/vim25/types"
)

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

// applyNetworkConfig applies an UpdateNetworkConfig: vswitch, portgroup, vnic, netStackSpec (edit:
// gateways, DNS, congestion control, max connections, static routes) and the default stack's
// ipRouteConfig / dnsConfig / routeTableConfig. The caller restores the model on failure.
func (h *host) applyNetworkConfig(c *types.HostNetworkConfig) (types.HostNetworkConfigResult, *labErr) {
	var res types.HostNetworkConfigResult
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
			return res, e
		}
	}
	for _, x := range c.Portgroup {
		if x.Spec == nil {
			return res, invalidArg("config.portgroup.spec", "A port group spec is required")
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
			return res, e
		}
	}
	for _, x := range c.Vnic {
		var e *labErr
		switch x.ChangeOperation {
		case "add":
			var dev string
			if x.Spec == nil {
				return res, invalidArg("config.vnic.spec", "A vnic spec is required")
			}
			dev, e = h.addVnic(x.Portgroup, *x.Spec)
			res.VnicDevice = append(res.VnicDevice, dev)
		case "remove":
			e = h.removeVnic(x.Device)
		default:
			if x.Spec == nil {
				return res, invalidArg("config.vnic.spec", "A vnic spec is required")
			}
			e = h.updateVnic(x.Device, *x.Spec)
		}
		if e != nil {
			return res, e
		}
	}
	for _, x := range c.Portgroup {
		if x.ChangeOperation == "remove" {
			if e := h.removePG(x.Spec.Name); e != nil {
				return res, e
			}
		}
	}
	for _, x := range c.Vswitch {
		if x.ChangeOperation == "remove" {
			if e := h.removeSwitch(x.Name); e != nil {
				return res, e
			}
		}
	}
	for _, x := range c.NetStackSpec {
		if x.Operation != "" && x.Operation != "edit" {
			return res, fail(&types.NotSupported{}, "Only the edit operation is supported for netStackSpec")
		}
		if e := h.editStack(x.NetStackInstance.Key, &x.NetStackInstance); e != nil {
			return res, e
		}
	}
	if c.IpRouteConfig != nil || c.DnsConfig != nil || c.RouteTableConfig != nil {
		ns := types.HostNetStackInstance{IpRouteConfig: c.IpRouteConfig, DnsConfig: c.DnsConfig, RouteTableConfig: c.RouteTableConfig}
		if e := h.editStack("defaultTcpipStack", &ns); e != nil {
			return res, e
		}
	}
	if c.IpV6Enabled != nil {
		h.Ipv6 = *c.IpV6Enabled // takes effect at once in the lab (ESXi needs a reboot)
	}
	return res, nil
}
