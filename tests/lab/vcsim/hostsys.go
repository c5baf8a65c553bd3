package main

// HostSystem: connection state and maintenance mode. The wrapper replaces the stock host object
// (same Self). Stock code that type-asserts *simulator.HostSystem (VM placement, datastore
// destroy, environment browser) does not work on lab hosts, so the lab inventory has no VMs.

import (
	"net"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labHost struct {
	simulator.HostSystem // by value, first
	h                    *host
	labLocker
}

// runTask runs fn as a vSphere task on the host (runLabTask).
func runTask(h *host, name string, fn func() *labErr) types.ManagedObjectReference {
	return runLabTask(h.obj, name, func() (types.AnyType, *labErr) { return nil, fn() })
}

func (o *labHost) setConn(state string) {
	o.h.Conn = state
	o.Runtime.ConnectionState = types.HostSystemConnectionState(state)
}

// EnterMaintenanceMode_Task / ExitMaintenanceMode_Task: InvalidState when the host already is
// (not) in maintenance mode, per the vSphere API reference of these methods. No VMs to evacuate.
func (o *labHost) EnterMaintenanceModeTask(req *types.EnterMaintenanceMode_Task) soap.HasFault {
	ref := runTask(o.h, "enterMaintenanceMode", func() *labErr {
		return mutate(o.h, "EnterMaintenanceMode_Task", o.Self, map[string]interface{}{"timeout": req.Timeout}, true, func() *labErr {
			if o.h.Maint {
				return fail(&types.InvalidState{}, "The host %s is already in maintenance mode", o.h.Name)
			}
			o.h.Maint = true
			o.Runtime.InMaintenanceMode = true
			return nil
		})
	})
	return &methods.EnterMaintenanceMode_TaskBody{Res: &types.EnterMaintenanceMode_TaskResponse{Returnval: ref}}
}

func (o *labHost) ExitMaintenanceModeTask(req *types.ExitMaintenanceMode_Task) soap.HasFault {
	ref := runTask(o.h, "exitMaintenanceMode", func() *labErr {
		return mutate(o.h, "ExitMaintenanceMode_Task", o.Self, map[string]interface{}{"timeout": req.Timeout}, true, func() *labErr {
			if !o.h.Maint {
				return fail(&types.InvalidState{}, "The host %s is not in maintenance mode", o.h.Name)
			}
			o.h.Maint = false
			o.Runtime.InMaintenanceMode = false
			return nil
		})
	})
	return &methods.ExitMaintenanceMode_TaskBody{Res: &types.ExitMaintenanceMode_TaskResponse{Returnval: ref}}
}

func (o *labHost) DisconnectHostTask(req *types.DisconnectHost_Task) soap.HasFault {
	ref := runTask(o.h, "disconnectHost", func() *labErr {
		return mutate(o.h, "DisconnectHost_Task", o.Self, map[string]interface{}{}, false, func() *labErr {
			o.setConn("disconnected")
			return nil
		})
	})
	return &methods.DisconnectHost_TaskBody{Res: &types.DisconnectHost_TaskResponse{Returnval: ref}}
}

// ReconnectHost_Task always reaches the host in the lab (a notResponding host comes back).
// cnxSpec.hostName may move vCenter to another address of the host: it must be the IPv4
// address of one of its vmknics, else NoHost ("cannot contact the specified host").
func (o *labHost) ReconnectHostTask(req *types.ReconnectHost_Task) soap.HasFault {
	args := map[string]interface{}{}
	newName := ""
	if req.CnxSpec != nil && req.CnxSpec.HostName != "" {
		newName = req.CnxSpec.HostName
		args["hostName"] = newName
	}
	ref := runTask(o.h, "reconnectHost", func() *labErr {
		return mutate(o.h, "ReconnectHost_Task", o.Self, args, false, func() *labErr {
			if newName != "" && newName != o.h.Name {
				if net.ParseIP(newName) == nil {
					return fail(&types.NoHost{Name: newName}, "Cannot contact the specified host (%s)", newName)
				}
				found := false
				for _, v := range o.h.Vnics {
					found = found || v.IP == newName
				}
				if !found {
					return fail(&types.NoHost{Name: newName}, "Cannot contact the specified host (%s)", newName)
				}
				if _, taken := lab.byName[newName]; taken {
					return fail(&types.AlreadyConnected{Name: newName}, "The host %s is already managed by this vCenter Server", newName)
				}
				o.rename(newName)
			}
			o.setConn("connected")
			return nil
		})
	})
	return &methods.ReconnectHost_TaskBody{Res: &types.ReconnectHost_TaskResponse{Returnval: ref}}
}

func (o *labHost) rename(name string) {
	delete(lab.byName, o.h.Name)
	o.h.Name = name
	lab.byName[name] = o.h
	o.Name = name
	o.Summary.Config.Name = name
	if started {
		simulator.Map.Update(o, []types.PropertyChange{{Name: "name", Val: name}, {Name: "summary.config.name", Val: name}})
	}
}
