package main

// HostNetworkSystem's SOAP handlers: vmknics, port groups, vSwitches, UpdateNetworkConfig. Each
// journals the call, takes injected faults and applies vCenter's network rollback around the
// model change (netmodel.go).

import (
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
		var e *labErr
		res, e = h.applyNetworkConfig(&c)
		return e
	})
	if err != nil {
		return &methods.UpdateNetworkConfigBody{Fault_: err.soap()}
	}
	return &methods.UpdateNetworkConfigBody{Res: &types.UpdateNetworkConfigResponse{Returnval: res}}
}
