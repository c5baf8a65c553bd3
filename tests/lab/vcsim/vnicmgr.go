package main

// HostVirtualNicManager: service tags (nicTypes) per vmknic. Registered per host: the stock
// simulator points every host at one unregistered "ha-vnic-mgr".

import (
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labVnicMgr struct {
	mo.HostVirtualNicManager // by value, first
	h                        *host
	labLocker
}

// selectCheck validates a (de)select. Services can be enabled only on the default TCP/IP stack;
// vmknics on the vmotion / vSphereProvisioning stacks carry that traffic implicitly, so selecting
// it there is accepted and changes nothing (ESXI-NETWORKING.md 1.4). vsan and vsanWitness are set
// with HostVsanSystem.UpdateVsan_Task, not here (1.4): InvalidArgument (lab's choice).
func (h *host) selectCheck(nicType, dev string) (*vnic, *labErr) {
	if !knownNicType(nicType) {
		return nil, invalidArg("nicType", "Unknown nicType %s", nicType)
	}
	if nicType == "vsan" || nicType == "vsanWitness" {
		return nil, invalidArg("nicType", "%s traffic is configured with HostVsanSystem.UpdateVsan_Task", nicType)
	}
	v := h.vnic(dev)
	if v == nil {
		return nil, invalidArg("device", "VMkernel adapter %s does not exist", dev)
	}
	return v, nil
}

func (m *labVnicMgr) SelectVnicForNicType(req *types.SelectVnicForNicType) soap.HasFault {
	h := m.h
	err := mutate(h, "SelectVnicForNicType", m.Self, map[string]interface{}{"nicType": req.NicType, "device": req.Device}, true, func() *labErr {
		v, e := h.selectCheck(req.NicType, req.Device)
		if e != nil {
			return e
		}
		if v.Stack != "defaultTcpipStack" {
			if v.Stack == req.NicType { // vmotion / vSphereProvisioning stack: implied already
				return nil
			}
			// HostConfigFault is a declared fault of SelectVnicForNicType (lab's choice of type).
			return fail(&types.HostConfigFault{}, "Services can be enabled only on VMkernel adapters of the default TCP/IP stack; %s is on %s", v.Device, v.Stack)
		}
		cur := h.Services[req.NicType]
		for _, d := range cur {
			if d == req.Device {
				return nil
			}
		}
		if req.NicType == "ptp" { // multiSelectAllowed false: selecting replaces
			cur = nil
		}
		h.Services[req.NicType] = append(copyS(cur), req.Device)
		return nil
	})
	return &methods.SelectVnicForNicTypeBody{Res: &types.SelectVnicForNicTypeResponse{}, Fault_: err.soap()}
}

func (m *labVnicMgr) DeselectVnicForNicType(req *types.DeselectVnicForNicType) soap.HasFault {
	h := m.h
	err := mutate(h, "DeselectVnicForNicType", m.Self, map[string]interface{}{"nicType": req.NicType, "device": req.Device}, true, func() *labErr {
		v, e := h.selectCheck(req.NicType, req.Device)
		if e != nil {
			return e
		}
		if v.Stack != "defaultTcpipStack" && v.Stack == req.NicType {
			return fail(&types.HostConfigFault{}, "%s traffic cannot be disabled on %s: it is on the %s TCP/IP stack", req.NicType, v.Device, v.Stack)
		}
		h.Services[req.NicType] = without(h.Services[req.NicType], req.Device)
		return nil
	})
	return &methods.DeselectVnicForNicTypeBody{Res: &types.DeselectVnicForNicTypeResponse{}, Fault_: err.soap()}
}

func (m *labVnicMgr) QueryNetConfig(req *types.QueryNetConfig) soap.HasFault {
	var out *types.VirtualNicManagerNetConfig
	err := read(m.h, "QueryNetConfig", true, func() *labErr {
		for i := range m.Info.NetConfig {
			if m.Info.NetConfig[i].NicType == req.NicType {
				c := m.Info.NetConfig[i]
				out = &c
				return nil
			}
		}
		return invalidArg("nicType", "Unknown nicType %s", req.NicType)
	})
	if err != nil {
		return &methods.QueryNetConfigBody{Fault_: err.soap()}
	}
	return &methods.QueryNetConfigBody{Res: &types.QueryNetConfigResponse{Returnval: out}}
}
