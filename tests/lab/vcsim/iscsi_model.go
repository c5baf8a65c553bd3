package main

// IscsiManager (port binding) and HostStorageSystem (software iSCSI on/off, rescans).
//
// Compliance is computed from the port group's EFFECTIVE teaming (ESXI-NETWORKING.md 1.5):
// exactly one active uplink and nothing else in the failover order is compliant. No uplink at
// all -> IscsiFaultVnicHasNoUplinks; more than one uplink in active+standby ->
// IscsiFaultVnicHasMultipleUplinks (a standby uplink counts: ESXi reports binding with a standby
// uplink as "more than one uplink"; assumption); the single active uplink not being the one the
// binding was made with, or not an uplink of the vSwitch any more -> IscsiFaultVnicHasWrongUplink
// (vSphere 6.5 Storage, "iSCSI network troubleshooting": non-compliant when "the active physical
// adapter is changed"; compliant again once rebound).
//
// pathStatus per binding, as VMware's hostd tests expect it (ESXI-NETWORKING.md 2.5): a bound port
// has sessions while software iSCSI is enabled and the adapter has targets (scenario
// iscsi.targets or AddInternetScsiSend/StaticTargets); a port without sessions is "notUsed"; a
// port whose paths lead to an ALUA standby target port (scenario iscsi.alua_standby) is "standBy";
// of the others, a sole one is "lastActive" and two or more are "active". A scenario can also
// pin a status (iscsi.path_status). UnbindVnic refuses an active path without force
// (IscsiFaultVnicHasActivePaths) and a lastActive one (IscsiFaultVnicIsLastPath).

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

func lmf(f types.BaseMethodFault, msg string) types.LocalizedMethodFault {
	return types.LocalizedMethodFault{Fault: f, LocalizedMessage: msg}
}

func (h *host) compliance(v *vnic) []types.LocalizedMethodFault {
	p := h.viewOf(v)
	if p == nil {
		return []types.LocalizedMethodFault{lmf(&types.IscsiFaultInvalidVnic{VnicDevice: v.Device}, "vmknic is not on a port group")}
	}
	active, standby := p.Active, p.Standby
	n := len(active) + len(standby)
	switch {
	case n == 0:
		return []types.LocalizedMethodFault{lmf(&types.IscsiFaultVnicHasNoUplinks{VnicDevice: v.Device}, "The VMkernel adapter has no active uplinks")}
	case n > 1:
		return []types.LocalizedMethodFault{lmf(&types.IscsiFaultVnicHasMultipleUplinks{VnicDevice: v.Device}, "The VMkernel adapter has more than one uplink in its failover order")}
	case len(active) != 1:
		return []types.LocalizedMethodFault{lmf(&types.IscsiFaultVnicHasNoUplinks{VnicDevice: v.Device}, "The VMkernel adapter has no active uplinks")}
	}
	if b := h.binding(v.Device); b != nil && b.Uplink != "" && b.Uplink != active[0] {
		return []types.LocalizedMethodFault{lmf(&types.IscsiFaultVnicHasWrongUplink{VnicDevice: v.Device},
			"The active uplink "+active[0]+" is not the physical adapter "+b.Uplink+" the binding was made with")}
	}
	if indexOf(p.Uplinks, active[0]) >= 0 {
		return nil
	}
	return []types.LocalizedMethodFault{lmf(&types.IscsiFaultVnicHasWrongUplink{VnicDevice: v.Device}, "The active uplink is not an uplink of the virtual switch")}
}

// soleUplink is the single active uplink (pNIC) of the vmknic's port group ("" when it has none or several).
func (h *host) soleUplink(v *vnic) string {
	if p := h.viewOf(v); p != nil && len(p.Active) == 1 {
		return p.Active[0]
	}
	return ""
}

func (h *host) pathStatus(b *binding) string {
	if b.PathStatus != "" {
		return b.PathStatus
	}
	if !h.IscsiEnabled || !h.Targets {
		return "notUsed"
	}
	if b.AluaStandby {
		return "standBy"
	}
	if len(h.activePorts(nil)) > 1 {
		return "active"
	}
	return "lastActive"
}

// activePorts are the bound vmknics with active paths (active or lastActive), leaving out skip.
func (h *host) activePorts(skip map[string]bool) []string {
	var out []string
	for _, b := range h.Bindings {
		if skip[b.Vnic] {
			continue
		}
		switch {
		case b.PathStatus == "active" || b.PathStatus == "lastActive":
			out = append(out, b.Vnic)
		case b.PathStatus == "" && h.IscsiEnabled && h.Targets && !b.AluaStandby:
			out = append(out, b.Vnic)
		}
	}
	return out
}

func (h *host) portInfo(v *vnic, b *binding) types.IscsiPortInfo {
	r := h.renderVnic(v)
	pi := types.IscsiPortInfo{VnicDevice: v.Device, Vnic: &r, PortgroupName: v.Portgroup,
		ComplianceStatus: &types.IscsiStatus{Reason: h.compliance(v)}}
	if p := h.viewOf(v); p != nil {
		pi.SwitchName, pi.PortgroupName = p.Switch, p.Name
		if p.Dv != nil {
			pi.SwitchUuid, pi.PortgroupKey, pi.PortKey = p.Dv.SwitchUuid, p.Dv.PortgroupKey, p.Dv.PortKey
		}
		if active, standby := p.Active, p.Standby; len(active) == 1 && len(standby) == 0 {
			pi.PnicDevice = active[0]
			for _, pn := range h.obj.Config.Network.Pnic {
				if pn.Device == active[0] {
					c := pn
					pi.Pnic = &c
				}
			}
		}
	}
	if b != nil {
		pi.PathStatus = h.pathStatus(b)
	}
	return pi
}

func (h *host) checkHba(name string) *labErr {
	if !h.IscsiEnabled || name != h.Hba {
		return fail(&types.NotFound{}, "iSCSI adapter %s does not exist", name)
	}
	return nil
}

func (m *labIscsiMgr) QueryBoundVnics(req *types.QueryBoundVnics) soap.HasFault {
	h := m.h
	var out []types.IscsiPortInfo
	err := read(h, "QueryBoundVnics", true, func() *labErr {
		if e := h.checkHba(req.IScsiHbaName); e != nil {
			return e
		}
		for _, b := range h.Bindings {
			if v := h.vnic(b.Vnic); v != nil {
				out = append(out, h.portInfo(v, b))
			}
		}
		return nil
	})
	if err != nil {
		return &methods.QueryBoundVnicsBody{Fault_: err.soap()}
	}
	return &methods.QueryBoundVnicsBody{Res: &types.QueryBoundVnicsResponse{Returnval: out}}
}

// QueryCandidateNics: unbound vmknics on standard port groups, then the vSwitch uplinks that
// are not the sole active uplink of any vmknic (eligible pNICs without a vmknic).
func (m *labIscsiMgr) QueryCandidateNics(req *types.QueryCandidateNics) soap.HasFault {
	h := m.h
	var out []types.IscsiPortInfo
	err := read(h, "QueryCandidateNics", true, func() *labErr {
		if e := h.checkHba(req.IScsiHbaName); e != nil {
			return e
		}
		used := map[string]bool{}
		for _, v := range h.Vnics {
			if h.viewOf(v) == nil {
				continue
			}
			pi := h.portInfo(v, nil)
			if pi.PnicDevice != "" {
				used[pi.PnicDevice] = true
			}
			if h.binding(v.Device) == nil && v.Owner == "" && !v.SystemOwned {
				out = append(out, pi)
			}
		}
		for _, vs := range h.Vswitches {
			for _, u := range vs.Uplinks {
				if used[u] {
					continue
				}
				pi := types.IscsiPortInfo{PnicDevice: u, SwitchName: vs.Name}
				for _, pn := range h.obj.Config.Network.Pnic {
					if pn.Device == u {
						c := pn
						pi.Pnic = &c
					}
				}
				out = append(out, pi)
			}
		}
		return nil
	})
	if err != nil {
		return &methods.QueryCandidateNicsBody{Fault_: err.soap()}
	}
	return &methods.QueryCandidateNicsBody{Res: &types.QueryCandidateNicsResponse{Returnval: out}}
}

func (h *host) bind(hba, dev string) *labErr {
	if e := h.checkHba(hba); e != nil {
		return e
	}
	v := h.vnic(dev)
	if v == nil {
		return fail(&types.IscsiFaultVnicNotFound{VnicDevice: dev}, "VMkernel adapter %s does not exist", dev)
	}
	if h.binding(dev) != nil {
		return fail(&types.IscsiFaultVnicAlreadyBound{VnicDevice: dev}, "VMkernel adapter %s is already bound to %s", dev, hba)
	}
	if r := h.compliance(v); len(r) > 0 {
		return &labErr{msg: r[0].LocalizedMessage, fault: r[0].Fault}
	}
	h.Bindings = append(h.Bindings, &binding{Vnic: dev, Uplink: h.soleUplink(v)})
	return nil
}

func (m *labIscsiMgr) BindVnic(req *types.BindVnic) soap.HasFault {
	err := mutate(m.h, "BindVnic", m.Self, map[string]interface{}{"hba": req.IScsiHbaName, "device": req.VnicDevice}, true, func() *labErr {
		return m.h.bind(req.IScsiHbaName, req.VnicDevice)
	})
	return &methods.BindVnicBody{Res: &types.BindVnicResponse{}, Fault_: err.soap()}
}

func (m *labIscsiMgr) UnbindVnic(req *types.UnbindVnic) soap.HasFault {
	h := m.h
	err := mutate(h, "UnbindVnic", m.Self, map[string]interface{}{"hba": req.IScsiHbaName, "device": req.VnicDevice, "force": req.Force}, true, func() *labErr {
		if e := h.checkHba(req.IScsiHbaName); e != nil {
			return e
		}
		b := h.binding(req.VnicDevice)
		if b == nil {
			return fail(&types.IscsiFaultVnicNotBound{VnicDevice: req.VnicDevice}, "VMkernel adapter %s is not bound to %s", req.VnicDevice, req.IScsiHbaName)
		}
		if !req.Force {
			switch h.pathStatus(b) {
			case "active":
				return fail(&types.IscsiFaultVnicHasActivePaths{VnicDevice: req.VnicDevice}, "VMkernel adapter %s has active paths", req.VnicDevice)
			case "lastActive":
				return fail(&types.IscsiFaultVnicIsLastPath{VnicDevice: req.VnicDevice}, "VMkernel adapter %s carries the last path to a device", req.VnicDevice)
			}
		}
		var keep []*binding
		for _, x := range h.Bindings {
			if x != b {
				keep = append(keep, x)
			}
		}
		h.Bindings = keep
		return nil
	})
	return &methods.UnbindVnicBody{Res: &types.UnbindVnicResponse{}, Fault_: err.soap()}
}

func (m *labIscsiMgr) QueryVnicStatus(req *types.QueryVnicStatus) soap.HasFault {
	h := m.h
	var st types.IscsiStatus
	err := read(h, "QueryVnicStatus", true, func() *labErr {
		v := h.vnic(req.VnicDevice)
		if v == nil {
			return fail(&types.IscsiFaultVnicNotFound{VnicDevice: req.VnicDevice}, "VMkernel adapter %s does not exist", req.VnicDevice)
		}
		if h.binding(v.Device) != nil {
			st.Reason = append(st.Reason, lmf(&types.IscsiFaultVnicInUse{VnicDevice: v.Device}, "The VMkernel adapter is in use by iSCSI"))
		}
		st.Reason = append(st.Reason, h.compliance(v)...)
		return nil
	})
	if err != nil {
		return &methods.QueryVnicStatusBody{Fault_: err.soap()}
	}
	return &methods.QueryVnicStatusBody{Res: &types.QueryVnicStatusResponse{Returnval: st}}
}

// boundOn lists bound vmknics whose single active uplink is pnic.
func (h *host) boundOn(pnic string) []string {
	var out []string
	for _, b := range h.Bindings {
		if v := h.vnic(b.Vnic); v != nil {
			if p := h.viewOf(v); p != nil && len(p.Active) == 1 && p.Active[0] == pnic {
				out = append(out, v.Device)
			}
		}
	}
	return out
}

func (m *labIscsiMgr) QueryPnicStatus(req *types.QueryPnicStatus) soap.HasFault {
	h := m.h
	var st types.IscsiStatus
	err := read(h, "QueryPnicStatus", true, func() *labErr {
		if len(h.boundOn(req.PnicDevice)) > 0 {
			st.Reason = append(st.Reason, lmf(&types.IscsiFaultPnicInUse{PnicDevice: req.PnicDevice}, "The physical NIC is in use by iSCSI"))
		}
		return nil
	})
	if err != nil {
		return &methods.QueryPnicStatusBody{Fault_: err.soap()}
	}
	return &methods.QueryPnicStatusBody{Res: &types.QueryPnicStatusResponse{Returnval: st}}
}

// QueryMigrationDependencies lists the bound vmknics whose single active uplink is among the
// pNICs, and allows the move unless it takes away every port that still has active paths
// (VMware's hostd tests: allowed for a bound pNIC without sessions and while another active path
// remains; ESXI-NETWORKING.md 2.5).
func (m *labIscsiMgr) QueryMigrationDependencies(req *types.QueryMigrationDependencies) soap.HasFault {
	h := m.h
	dep := types.IscsiMigrationDependency{MigrationAllowed: true}
	err := read(h, "QueryMigrationDependencies", true, func() *labErr {
		moved := map[string]bool{}
		for _, pn := range req.PnicDevice {
			for _, d := range h.boundOn(pn) {
				dep.Dependency = append(dep.Dependency, types.IscsiDependencyEntity{PnicDevice: pn, VnicDevice: d, VmhbaName: h.Hba})
				moved[d] = true
			}
		}
		losing := false
		for _, d := range h.activePorts(nil) {
			losing = losing || moved[d]
		}
		if losing && len(h.activePorts(moved)) == 0 {
			dep.MigrationAllowed = false
			dep.DisallowReason = &types.IscsiStatus{}
			for _, e := range dep.Dependency {
				dep.DisallowReason.Reason = append(dep.DisallowReason.Reason,
					lmf(&types.IscsiFaultVnicIsLastPath{VnicDevice: e.VnicDevice}, "The VMkernel adapter "+e.VnicDevice+" carries the last active path"))
			}
		}
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
		for _, a := range s.h.obj.Config.StorageDevice.HostBusAdapter {
			if a.GetHostHostBusAdapter().Device == req.HbaDevice {
				return nil
			}
		}
		return fail(&types.NotFound{}, "Host bus adapter %s does not exist", req.HbaDevice)
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
		if e := s.h.checkHba(req.IScsiHbaDevice); e != nil {
			return e
		}
		s.h.Targets = true
		return nil
	})
	return &methods.AddInternetScsiSendTargetsBody{Res: &types.AddInternetScsiSendTargetsResponse{}, Fault_: err.soap()}
}

func (s *labStorage) AddInternetScsiStaticTargets(req *types.AddInternetScsiStaticTargets) soap.HasFault {
	err := mutate(s.h, "AddInternetScsiStaticTargets", s.Self, map[string]interface{}{"hba": req.IScsiHbaDevice}, true, func() *labErr {
		if e := s.h.checkHba(req.IScsiHbaDevice); e != nil {
			return e
		}
		s.h.Targets = true
		return nil
	})
	return &methods.AddInternetScsiStaticTargetsBody{Res: &types.AddInternetScsiStaticTargetsResponse{}, Fault_: err.soap()}
}
