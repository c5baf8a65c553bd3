package main

// The host model's standard switching changes: port groups (teaming checked against the
// vSwitch's uplinks) and vSwitches. No SOAP here (see netmodel.go).

import (
	"github.com/vmware/govmomi/vim25/types"
)

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
	h.Portgroups = without(h.Portgroups, p)
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
	var pgs []*portgroup
	for _, p := range h.Portgroups {
		if p.Vswitch != name {
			pgs = append(pgs, p)
		}
	}
	h.Vswitches, h.Portgroups = without(h.Vswitches, vs), pgs
	return nil
}
