package main

// IscsiManager (port binding) and HostStorageSystem (software iSCSI on/off, rescans, targets)
// SOAP handlers. Each journals the call, takes injected faults and the host's lock around the
// model's query or change (iscsi_model.go).

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labIscsiMgr struct {
	mo.IscsiManager // by value, first
	h               *host
	labLocker
}

type labStorage struct {
	simulator.HostStorageSystem // by value, first
	h                           *host
	labLocker
}

func (m *labIscsiMgr) QueryBoundVnics(req *types.QueryBoundVnics) soap.HasFault {
	var out []types.IscsiPortInfo
	err := read(m.h, "QueryBoundVnics", true, func() (e *labErr) {
		out, e = m.h.boundPorts(req.IScsiHbaName)
		return e
	})
	if err != nil {
		return &methods.QueryBoundVnicsBody{Fault_: err.soap()}
	}
	return &methods.QueryBoundVnicsBody{Res: &types.QueryBoundVnicsResponse{Returnval: out}}
}

func (m *labIscsiMgr) QueryCandidateNics(req *types.QueryCandidateNics) soap.HasFault {
	var out []types.IscsiPortInfo
	err := read(m.h, "QueryCandidateNics", true, func() (e *labErr) {
		out, e = m.h.candidates(req.IScsiHbaName)
		return e
	})
	if err != nil {
		return &methods.QueryCandidateNicsBody{Fault_: err.soap()}
	}
	return &methods.QueryCandidateNicsBody{Res: &types.QueryCandidateNicsResponse{Returnval: out}}
}

func (m *labIscsiMgr) BindVnic(req *types.BindVnic) soap.HasFault {
	err := mutate(m.h, "BindVnic", m.Self, map[string]interface{}{"hba": req.IScsiHbaName, "device": req.VnicDevice}, true, func() *labErr {
		return m.h.bind(req.IScsiHbaName, req.VnicDevice)
	})
	return &methods.BindVnicBody{Res: &types.BindVnicResponse{}, Fault_: err.soap()}
}

func (m *labIscsiMgr) UnbindVnic(req *types.UnbindVnic) soap.HasFault {
	err := mutate(m.h, "UnbindVnic", m.Self, map[string]interface{}{"hba": req.IScsiHbaName, "device": req.VnicDevice, "force": req.Force}, true, func() *labErr {
		return m.h.unbind(req.IScsiHbaName, req.VnicDevice, req.Force)
	})
	return &methods.UnbindVnicBody{Res: &types.UnbindVnicResponse{}, Fault_: err.soap()}
}

func (m *labIscsiMgr) QueryVnicStatus(req *types.QueryVnicStatus) soap.HasFault {
	var st types.IscsiStatus
	err := read(m.h, "QueryVnicStatus", true, func() (e *labErr) {
		st, e = m.h.vnicStatus(req.VnicDevice)
		return e
	})
	if err != nil {
		return &methods.QueryVnicStatusBody{Fault_: err.soap()}
	}
	return &methods.QueryVnicStatusBody{Res: &types.QueryVnicStatusResponse{Returnval: st}}
}

func (m *labIscsiMgr) QueryPnicStatus(req *types.QueryPnicStatus) soap.HasFault {
	var st types.IscsiStatus
	err := read(m.h, "QueryPnicStatus", true, func() *labErr {
		st = m.h.pnicStatus(req.PnicDevice)
		return nil
	})
	if err != nil {
		return &methods.QueryPnicStatusBody{Fault_: err.soap()}
	}
	return &methods.QueryPnicStatusBody{Res: &types.QueryPnicStatusResponse{Returnval: st}}
}

func (m *labIscsiMgr) QueryMigrationDependencies(req *types.QueryMigrationDependencies) soap.HasFault {
	var dep types.IscsiMigrationDependency
	err := read(m.h, "QueryMigrationDependencies", true, func() *labErr {
		dep = m.h.migrationDependencies(req.PnicDevice)
		return nil
	})
	if err != nil {
		return &methods.QueryMigrationDependenciesBody{Fault_: err.soap()}
	}
	return &methods.QueryMigrationDependenciesBody{Res: &types.QueryMigrationDependenciesResponse{Returnval: dep}}
}

// ---- HostStorageSystem ----

func (s *labStorage) UpdateSoftwareInternetScsiEnabled(req *types.UpdateSoftwareInternetScsiEnabled) soap.HasFault {
	err := mutate(s.h, "UpdateSoftwareInternetScsiEnabled", s.Self, map[string]interface{}{"enabled": req.Enabled}, true, func() *labErr {
		s.h.IscsiEnabled = req.Enabled // bindings survive disable/enable, as the host keeps them
		return nil
	})
	return &methods.UpdateSoftwareInternetScsiEnabledBody{Res: &types.UpdateSoftwareInternetScsiEnabledResponse{}, Fault_: err.soap()}
}

func (s *labStorage) RescanHba(req *types.RescanHba) soap.HasFault {
	err := mutate(s.h, "RescanHba", s.Self, map[string]interface{}{"hba": req.HbaDevice}, true, func() *labErr {
		return s.h.rescanHba(req.HbaDevice)
	})
	return &methods.RescanHbaBody{Res: &types.RescanHbaResponse{}, Fault_: err.soap()}
}

// RescanAllHba shadows the stock method (which swaps in Fibre Channel adapters).
func (s *labStorage) RescanAllHba(req *types.RescanAllHba) soap.HasFault {
	err := mutate(s.h, "RescanAllHba", s.Self, map[string]interface{}{}, true, func() *labErr { return nil })
	return &methods.RescanAllHbaBody{Res: &types.RescanAllHbaResponse{}, Fault_: err.soap()}
}

func (s *labStorage) AddInternetScsiSendTargets(req *types.AddInternetScsiSendTargets) soap.HasFault {
	err := mutate(s.h, "AddInternetScsiSendTargets", s.Self, map[string]interface{}{"hba": req.IScsiHbaDevice}, true, func() *labErr {
		return s.h.addTargets(req.IScsiHbaDevice)
	})
	return &methods.AddInternetScsiSendTargetsBody{Res: &types.AddInternetScsiSendTargetsResponse{}, Fault_: err.soap()}
}

func (s *labStorage) AddInternetScsiStaticTargets(req *types.AddInternetScsiStaticTargets) soap.HasFault {
	err := mutate(s.h, "AddInternetScsiStaticTargets", s.Self, map[string]interface{}{"hba": req.IScsiHbaDevice}, true, func() *labErr {
		return s.h.addTargets(req.IScsiHbaDevice)
	})
	return &methods.AddInternetScsiStaticTargetsBody{Res: &types.AddInternetScsiStaticTargetsResponse{}, Fault_: err.soap()}
}
