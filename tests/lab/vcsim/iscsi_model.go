package main

// The lab's model of iSCSI port binding on a host: which vmknics are bound to the software
// adapter, their compliance, their path status, the candidates and the pNICs they depend on, and
// the changes (bind, unbind, software iSCSI on/off, targets). No SOAP here: iscsi.go has the
// IscsiManager and HostStorageSystem handlers, which journal, inject faults and take the host's
// lock around these.
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

import "github.com/vmware/govmomi/vim25/types"

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

// unbind removes the binding of dev from hba. Without force it refuses a port with active paths
// and the last path to a device.
func (h *host) unbind(hba, dev string, force bool) *labErr {
	if e := h.checkHba(hba); e != nil {
		return e
	}
	b := h.binding(dev)
	if b == nil {
		return fail(&types.IscsiFaultVnicNotBound{VnicDevice: dev}, "VMkernel adapter %s is not bound to %s", dev, hba)
	}
	if !force {
		switch h.pathStatus(b) {
		case "active":
			return fail(&types.IscsiFaultVnicHasActivePaths{VnicDevice: dev}, "VMkernel adapter %s has active paths", dev)
		case "lastActive":
			return fail(&types.IscsiFaultVnicIsLastPath{VnicDevice: dev}, "VMkernel adapter %s carries the last path to a device", dev)
		}
	}
	h.Bindings = without(h.Bindings, b)
	return nil
}

// boundPorts are the port infos of the vmknics bound to hba.
func (h *host) boundPorts(hba string) ([]types.IscsiPortInfo, *labErr) {
	if e := h.checkHba(hba); e != nil {
		return nil, e
	}
	var out []types.IscsiPortInfo
	for _, b := range h.Bindings {
		if v := h.vnic(b.Vnic); v != nil {
			out = append(out, h.portInfo(v, b))
		}
	}
	return out, nil
}

// candidates: unbound vmknics on standard port groups, then the vSwitch uplinks that are not the
// sole active uplink of any vmknic (eligible pNICs without a vmknic).
func (h *host) candidates(hba string) ([]types.IscsiPortInfo, *labErr) {
	if e := h.checkHba(hba); e != nil {
		return nil, e
	}
	var out []types.IscsiPortInfo
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
	return out, nil
}

// vnicStatus: in use when bound, then the vmknic's compliance reasons.
func (h *host) vnicStatus(dev string) (types.IscsiStatus, *labErr) {
	var st types.IscsiStatus
	v := h.vnic(dev)
	if v == nil {
		return st, fail(&types.IscsiFaultVnicNotFound{VnicDevice: dev}, "VMkernel adapter %s does not exist", dev)
	}
	if h.binding(v.Device) != nil {
		st.Reason = append(st.Reason, lmf(&types.IscsiFaultVnicInUse{VnicDevice: v.Device}, "The VMkernel adapter is in use by iSCSI"))
	}
	st.Reason = append(st.Reason, h.compliance(v)...)
	return st, nil
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

// pnicStatus: in use when a bound vmknic's single active uplink is pnic.
func (h *host) pnicStatus(pnic string) types.IscsiStatus {
	var st types.IscsiStatus
	if len(h.boundOn(pnic)) > 0 {
		st.Reason = append(st.Reason, lmf(&types.IscsiFaultPnicInUse{PnicDevice: pnic}, "The physical NIC is in use by iSCSI"))
	}
	return st
}

// migrationDependencies lists the bound vmknics whose single active uplink is among the pNICs,
// and allows the move unless it takes away every port that still has active paths (VMware's
// hostd tests: allowed for a bound pNIC without sessions and while another active path remains;
// ESXI-NETWORKING.md 2.5).
func (h *host) migrationDependencies(pnics []string) types.IscsiMigrationDependency {
	dep := types.IscsiMigrationDependency{MigrationAllowed: true}
	moved := map[string]bool{}
	for _, pn := range pnics {
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
	return dep
}

// rescanHba: the adapter must exist among the host's bus adapters.
func (h *host) rescanHba(device string) *labErr {
	for _, a := range h.obj.Config.StorageDevice.HostBusAdapter {
		if a.GetHostHostBusAdapter().Device == device {
			return nil
		}
	}
	return fail(&types.NotFound{}, "Host bus adapter %s does not exist", device)
}

// addTargets gives the software adapter targets, so that bound ports have sessions.
func (h *host) addTargets(hba string) *labErr {
	if e := h.checkHba(hba); e != nil {
		return e
	}
	h.Targets = true
	return nil
}
