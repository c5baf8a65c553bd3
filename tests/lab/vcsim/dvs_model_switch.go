package main

// Switch-level changes of the distributed switch model (dvs_model.go): host members and the
// pNICs behind their uplink ports, uplink names. ReconfigureDvs_Task (dvs_switch.go) and
// CreateDVS_Task (dvs.go) call these.

import (
	"fmt"

	"github.com/vmware/govmomi/vim25/types"
)

// defaultUplinkNames: vCenter names a new switch's uplinks "Uplink 1".."Uplink N" (N = 4 when the
// spec gives no uplink policy; vSphere client default).
func defaultUplinkNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Uplink %d", i+1)
	}
	return out
}

// setMembers applies host member specs (add / edit / remove with pNIC backing). pNICs a member
// gives the switch leave the host's standard vSwitch (⚠ assumption: as the vSphere client's
// "Add and Manage Hosts" does; a real host may refuse a pNIC still in use by a vSwitch).
func (d *dvSwitch) setMembers(specs []types.DistributedVirtualSwitchHostMemberConfigSpec) *labErr {
	for _, s := range specs {
		h := lab.byRef[s.Host]
		if h == nil {
			return fail(&types.ManagedObjectNotFound{Obj: s.Host}, "The object '%s' has already been deleted or has not been completely created", s.Host.Value)
		}
		if err := connErr(h); err != nil {
			return err
		}
		m := d.member(h)
		switch s.Operation {
		case "add":
			if m != nil {
				return fail(&types.AlreadyExists{Name: h.Name}, "Host %s is already a member of %s", h.Name, d.Name)
			}
			m = &dvMember{Host: h.Ref}
			up := d.uplinkPG()
			for range d.Uplinks {
				k := d.newPort()
				up.Ports = append(up.Ports, k)
				m.UplinkPorts = append(m.UplinkPorts, k)
			}
			d.Members = append(d.Members, m)
			if err := d.setBacking(h, m, s.Backing); err != nil {
				return err
			}
		case "edit":
			if m == nil {
				return fail(&types.NotFound{}, "Host %s is not a member of %s", h.Name, d.Name)
			}
			if err := d.setBacking(h, m, s.Backing); err != nil {
				return err
			}
		case "remove":
			if m == nil {
				return fail(&types.NotFound{}, "Host %s is not a member of %s", h.Name, d.Name)
			}
			for _, v := range h.Vnics {
				if v.Dv != nil && v.Dv.SwitchUuid == d.Uuid {
					return fail(&types.ResourceInUse{Type: "HostVirtualNic", Name: v.Device},
						"The resource '%s' on host %s is in use by distributed switch %s", v.Device, h.Name, d.Name)
				}
			}
			d.Members = without(d.Members, m)
			up := d.uplinkPG()
			var ports []string
			for _, k := range up.Ports {
				if indexOf(m.UplinkPorts, k) < 0 {
					ports = append(ports, k)
				}
			}
			up.Ports = ports
		default:
			return invalidArg("spec.host.operation", "Unknown operation %q", s.Operation)
		}
	}
	return nil
}

// setBacking replaces a member's pNICs: each pnicSpec names a pNIC and, optionally, the uplink
// port it serves; without one it takes the first uplink port that has no pNIC yet.
func (d *dvSwitch) setBacking(h *host, m *dvMember, b types.BaseDistributedVirtualSwitchHostMemberBacking) *labErr {
	pb, _ := b.(*types.DistributedVirtualSwitchHostMemberPnicBacking)
	if pb == nil {
		m.Pnics = nil
		return nil
	}
	var out []dvMemberPnic
	taken := map[string]bool{}
	for _, ps := range pb.PnicSpec {
		if !contains(h.Pnics, ps.PnicDevice) {
			return invalidArg("spec.host.backing.pnicSpec.pnicDevice", "Physical NIC %s does not exist on host %s", ps.PnicDevice, h.Name)
		}
		if owner := proxyPnicOwner(h, ps.PnicDevice); owner != "" && owner != d.Name {
			return fail(&types.ResourceInUse{Type: "PhysicalNic", Name: ps.PnicDevice}, "%s of host %s is already used by %s", ps.PnicDevice, h.Name, owner)
		}
		if ps.UplinkPortKey != "" {
			if indexOf(m.UplinkPorts, ps.UplinkPortKey) < 0 {
				return invalidArg("spec.host.backing.pnicSpec.uplinkPortKey", "Port %s is not an uplink port of host %s on %s", ps.UplinkPortKey, h.Name, d.Name)
			}
			if taken[ps.UplinkPortKey] {
				return invalidArg("spec.host.backing.pnicSpec.uplinkPortKey", "Uplink port %s is given twice", ps.UplinkPortKey)
			}
			taken[ps.UplinkPortKey] = true
		}
		for _, o := range out {
			if o.Device == ps.PnicDevice {
				return invalidArg("spec.host.backing.pnicSpec.pnicDevice", "%s is given twice", ps.PnicDevice)
			}
		}
		out = append(out, dvMemberPnic{Device: ps.PnicDevice, UplinkPort: ps.UplinkPortKey})
	}
	for i := range out {
		if out[i].UplinkPort != "" {
			continue
		}
		for _, k := range m.UplinkPorts {
			if !taken[k] {
				out[i].UplinkPort, taken[k] = k, true
				break
			}
		}
		if out[i].UplinkPort == "" {
			return invalidArg("spec.host.backing.pnicSpec", "Host %s gives %s more pNICs than it has uplinks", h.Name, d.Name)
		}
	}
	m.Pnics = out
	for _, p := range out {
		h.releaseFromVswitch(p.Device)
	}
	return nil
}

// releaseFromVswitch takes a pNIC off the standard vSwitch that uses it (uplinks and teaming).
func (h *host) releaseFromVswitch(pnic string) {
	for _, vs := range h.Vswitches {
		if indexOf(vs.Uplinks, pnic) < 0 {
			continue
		}
		vs.Uplinks = without(vs.Uplinks, pnic)
		vs.Teaming = teaming{Active: without(vs.Teaming.Active, pnic), Standby: without(vs.Teaming.Standby, pnic)}
		for _, p := range h.Portgroups {
			if p.Vswitch == vs.Name && p.Teaming != nil {
				p.Teaming = &teaming{Active: without(p.Teaming.Active, pnic), Standby: without(p.Teaming.Standby, pnic)}
			}
		}
	}
}

// setUplinkNames renames, adds or removes uplinks. A removed uplink must have no pNIC on any
// host and no dvPortgroup naming it in its teaming.
func (d *dvSwitch) setUplinkNames(names []string) *labErr {
	if len(names) == 0 {
		return invalidArg("spec.uplinkPortPolicy.uplinkPortName", "At least one uplink name is required")
	}
	for i := len(names); i < len(d.Uplinks); i++ {
		for _, m := range d.Members {
			for _, p := range m.Pnics {
				if p.UplinkPort == m.UplinkPorts[i] {
					return fail(&types.ResourceInUse{Type: "DistributedVirtualPort", Name: d.Uplinks[i]}, "Uplink %s is in use", d.Uplinks[i])
				}
			}
		}
	}
	up := d.uplinkPG()
	for _, m := range d.Members {
		for len(m.UplinkPorts) < len(names) {
			k := d.newPort()
			up.Ports = append(up.Ports, k)
			m.UplinkPorts = append(m.UplinkPorts, k)
		}
		for _, k := range m.UplinkPorts[len(names):] {
			up.Ports = without(up.Ports, k)
		}
		m.UplinkPorts = m.UplinkPorts[:len(names)]
	}
	rename := map[string]string{}
	for i, n := range d.Uplinks {
		if i < len(names) {
			rename[n] = names[i]
		}
	}
	orders := []**dvTeaming{&d.Teaming}
	for _, p := range d.Portgroups {
		orders = append(orders, &p.Teaming)
	}
	for _, o := range orders {
		if *o == nil {
			continue
		}
		t := &dvTeaming{}
		for _, n := range (*o).Active {
			if r, ok := rename[n]; ok {
				t.Active = append(t.Active, r)
			}
		}
		for _, n := range (*o).Standby {
			if r, ok := rename[n]; ok {
				t.Standby = append(t.Standby, r)
			}
		}
		*o = t
	}
	d.Uplinks = copyS(names)
	return nil
}
