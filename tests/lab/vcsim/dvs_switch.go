package main

// Distributed switches as vCenter has them: the SOAP handlers of Folder.CreateDVS_Task,
// DistributedVirtualSwitch (AddDVPortgroup_Task, CreateDVPortgroup_Task, ReconfigureDvs_Task,
// FetchDVPorts) and DistributedVirtualPortgroup, and the rendering of the model (dvs_model.go)
// into those managed objects. These replace govmomi 0.24.2's simulator/dvs.go, portgroup.go
// and Folder.CreateDVSTask (see ../README.md, "Distributed switches", for what each lacks).
// Every call is journaled, takes injected faults, and runs under a lab-wide snapshot: a failed
// call changes no host and no switch.

import (
	"fmt"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// labNetFolder replaces a datacenter's network folder, for CreateDVS_Task.
type labNetFolder struct {
	simulator.Folder // by value, first
	labLocker
}

type labDvs struct {
	mo.VmwareDistributedVirtualSwitch // by value, first (the mo type of its Self.Type)
	labLocker
	uuid string
}

type labDvpg struct {
	mo.DistributedVirtualPortgroup // by value, first
	labLocker
}

// installDvs wraps every datacenter's network folder (vCenter only).
func installDvs() {
	if lab.esx {
		return
	}
	installDvsManager()
	for _, e := range simulator.Map.All("Datacenter") {
		dc := e.(*simulator.Datacenter)
		f, ok := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder)
		if !ok {
			continue
		}
		simulator.Map.Put(&labNetFolder{Folder: *f})
		lab.netFolder = dc.NetworkFolder
	}
}

func netFolder() *labNetFolder {
	f, _ := simulator.Map.Get(lab.netFolder).(*labNetFolder)
	return f
}

// runLabTask runs fn as a vSphere task on obj; a failure becomes the task's error with the lab's
// message (the stock runner puts the Go type name there).
func runLabTask(obj mo.Reference, name string, fn func() (types.AnyType, *labErr)) types.ManagedObjectReference {
	var msg string
	task := simulator.CreateTask(obj, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		res, err := fn()
		if err != nil {
			msg = err.msg
			return nil, err.fault
		}
		return res, nil
	})
	ref := task.Run()
	if msg != "" {
		simulator.Map.Update(task, []types.PropertyChange{{Name: "info.error", Val: types.LocalizedMethodFault{Fault: task.Info.Error.Fault, LocalizedMessage: msg}}})
	}
	return ref
}

// labMutate is mutate for vCenter-level calls that may change many hosts: injected fault, the
// change, vCenter's network rollback on every host whose path the change cuts, journal,
// re-render; on failure the lab-wide snapshot is restored.
func labMutate(method string, obj types.ManagedObjectReference, args map[string]interface{}, fn func() *labErr) *labErr {
	saved := takeLabSnap()
	paths := map[*host]string{}
	touched := map[*host]bool{} // hosts on a switch before or after: their proxySwitch, leases, rendering
	for _, h := range lab.hosts {
		if sig, ok := h.vcPath(); ok {
			paths[h] = sig
		}
		touched[h] = h.onSwitch()
	}
	var err *labErr
	if f, msg := injected(method, nil, obj.Value); f != nil {
		err = &labErr{msg: msg, fault: f}
	} else {
		err = fn()
	}
	if err == nil {
		for i, h := range lab.hosts {
			touched[h] = touched[h] || h.onSwitch() || string(h.snapshot()) != string(saved.hosts[i])
			if touched[h] {
				h.applyLeases() // a VLAN change moves DHCP vmknics to another segment
			}
		}
		for _, h := range lab.hosts {
			if before, had := paths[h]; had && touched[h] {
				if after, has := h.vcPath(); !has || after != before {
					err = rollback(h)
					break
				}
			}
		}
	}
	e := entry{Method: method, Object: obj.Value, Args: args}
	if err != nil {
		e.Fault = faultName(err.fault)
		e.Message = err.msg
	}
	record(e)
	if err != nil {
		saved.restore()
		return err
	}
	pruneDvObjects()
	for _, h := range lab.hosts {
		if touched[h] {
			h.refresh()
		}
	}
	for _, d := range switches {
		d.render()
	}
	return nil
}

// ---- Folder.CreateDVS_Task ----

func (f *labNetFolder) CreateDVSTask(req *types.CreateDVS_Task) soap.HasFault {
	args := map[string]interface{}{}
	ref := runLabTask(f, "createDVS", func() (types.AnyType, *labErr) {
		var d *dvSwitch
		cs := req.Spec.ConfigSpec
		if cs != nil {
			args["name"] = cs.GetDVSConfigSpec().Name
		}
		err := labMutate("CreateDVS_Task", f.Self, args, func() *labErr {
			if cs == nil {
				return invalidArg("spec.configSpec", "A config spec is required")
			}
			var e *labErr
			d, e = createSwitch(cs, req.Spec.ProductInfo)
			return e
		})
		if err != nil {
			return nil, err
		}
		args["uuid"] = d.Uuid
		return d.Ref, nil
	})
	return &methods.CreateDVS_TaskBody{Res: &types.CreateDVS_TaskResponse{Returnval: ref}}
}

var dvsSeq int

// createSwitch validates the spec, then builds the switch, its uplink portgroup and its host
// members (the scenario uses it too).
func createSwitch(cs types.BaseDVSConfigSpec, product *types.DistributedVirtualSwitchProductSpec) (*dvSwitch, *labErr) {
	spec := cs.GetDVSConfigSpec()
	if spec.Name == "" {
		return nil, invalidArg("spec.configSpec.name", "A switch name is required")
	}
	f := netFolder()
	if f == nil {
		return nil, fail(&types.NotSupported{}, "Distributed switches need a vCenter")
	}
	for _, c := range f.ChildEntity {
		if e, ok := simulator.Map.Get(c).(mo.Entity); ok && e.Entity().Name == spec.Name {
			return nil, fail(&types.DuplicateName{Name: spec.Name, Object: c}, "The name '%s' already exists.", spec.Name)
		}
	}
	uplinks := defaultUplinkNames(4)
	if p, ok := spec.UplinkPortPolicy.(*types.DVSNameArrayUplinkPortPolicy); ok && p != nil {
		if len(p.UplinkPortName) == 0 {
			return nil, invalidArg("spec.configSpec.uplinkPortPolicy", "At least one uplink name is required")
		}
		uplinks = copyS(p.UplinkPortName)
	}
	mtu := int32(1500)
	if v, ok := cs.(*types.VMwareDVSConfigSpec); ok && v.MaxMtu != 0 {
		if v.MaxMtu < 1280 || v.MaxMtu > 9000 {
			return nil, invalidArg("spec.configSpec.maxMtu", "MTU %d is out of range (1280-9000)", v.MaxMtu)
		}
		mtu = v.MaxMtu
	}
	dvsSeq++
	d := &dvSwitch{Name: spec.Name, Uplinks: uplinks, Mtu: mtu, Version: 1, Extra: newDvsExtra().merged(cs),
		// vCenter's UUIDs are 16 hex bytes, space-separated, a dash in the middle.
		Uuid: fmt.Sprintf("50 2a 6c 1d 00 00 %02x %02x-%02x 4c 61 62 00 00 00 %02x", dvsSeq>>8&0xff, dvsSeq&0xff, dvsSeq&0xff, dvsSeq&0xff)}
	if product != nil && product.Version != "" {
		if !knownDvsVersion(product.Version) {
			return nil, invalidArg("spec.productInfo.version", "Distributed switch version %s is not supported", product.Version)
		}
		p := *d.Extra.Product
		p.Version = product.Version
		d.Extra.Product = &p
	}
	if err := d.applySwitchPortSetting(spec.DefaultPortConfig); err != nil {
		return nil, err
	}
	o := &labDvs{uuid: d.Uuid}
	o.Self = types.ManagedObjectReference{Type: "VmwareDistributedVirtualSwitch"}
	o.Name = d.Name
	putChild(f, o)
	d.Ref = o.Self
	switches = append(switches, d)
	if _, err := d.addPortgroup(types.DVPortgroupConfigSpec{Name: fmt.Sprintf("%s-DVUplinks-%s", d.Name, o.Self.Value[len("dvs-"):]),
		Type: "earlyBinding", DefaultPortConfig: &types.VMwareDVSPortSetting{
			Vlan: &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: []types.NumericRange{{Start: 0, End: 4094}}}}}, true); err != nil {
		return nil, err
	}
	if err := d.setMembers(spec.Host); err != nil {
		return nil, err
	}
	return d, nil
}

// putChild adds an entity to the network folder (vCenter puts a switch's dvPortgroups next to it).
func putChild(f *labNetFolder, e mo.Entity) {
	simulator.Map.PutEntity(f, e)
	children := append(append([]types.ManagedObjectReference(nil), f.ChildEntity...), e.Reference())
	f.ChildEntity = children
	if started {
		simulator.Map.Update(f, []types.PropertyChange{{Name: "childEntity", Val: children}})
	}
}

// pruneDvObjects removes the managed objects of switches and dvPortgroups the model no longer
// has (made by a call that then failed).
func pruneDvObjects() {
	f := netFolder()
	if f == nil {
		return
	}
	known := map[types.ManagedObjectReference]bool{}
	for _, d := range switches {
		known[d.Ref] = true
		for _, p := range d.Portgroups {
			known[p.Ref] = true
		}
	}
	var keep []types.ManagedObjectReference
	for _, c := range f.ChildEntity {
		if (c.Type == "VmwareDistributedVirtualSwitch" || c.Type == "DistributedVirtualPortgroup") && !known[c] {
			simulator.Map.Remove(c)
			continue
		}
		keep = append(keep, c)
	}
	if len(keep) != len(f.ChildEntity) {
		f.ChildEntity = keep
		if started {
			simulator.Map.Update(f, []types.PropertyChange{{Name: "childEntity", Val: keep}})
		}
	}
}

// addPortgroup validates a spec and creates the dvPortgroup and its managed object.
func (d *dvSwitch) addPortgroup(spec types.DVPortgroupConfigSpec, uplink bool) (*dvPortgroup, *labErr) {
	if spec.Name == "" {
		return nil, invalidArg("spec.name", "A port group name is required")
	}
	f := netFolder()
	for _, c := range f.ChildEntity {
		if e, ok := simulator.Map.Get(c).(mo.Entity); ok && e.Entity().Name == spec.Name {
			return nil, fail(&types.DuplicateName{Name: spec.Name, Object: c}, "The name '%s' already exists.", spec.Name)
		}
	}
	p := &dvPortgroup{Name: spec.Name, Uplink: uplink, Type: spec.Type, Auto: true}
	switch p.Type {
	case "":
		p.Type = "earlyBinding"
	case "earlyBinding", "ephemeral":
	case "lateBinding":
		// deprecated since 5.0; vCenter still accepts it
	default:
		return nil, invalidArg("spec.type", "Unknown port group type %q", spec.Type)
	}
	if spec.AutoExpand != nil {
		p.Auto = *spec.AutoExpand
	}
	if spec.NumPorts < 0 {
		return nil, invalidArg("spec.numPorts", "numPorts %d is negative", spec.NumPorts)
	}
	if err := d.applyPortSetting(p, spec.DefaultPortConfig); err != nil {
		return nil, err
	}
	p.Policy, p.Description = spec.Policy, spec.Description
	for i := int32(0); i < spec.NumPorts; i++ {
		p.Ports = append(p.Ports, d.newPort())
	}
	o := &labDvpg{}
	o.Self = types.ManagedObjectReference{Type: "DistributedVirtualPortgroup"}
	o.Name = p.Name
	putChild(f, o)
	p.Ref = o.Self
	p.Key = o.Self.Value
	d.Portgroups = append(d.Portgroups, p)
	return p, nil
}

// ---- DistributedVirtualSwitch ----

func (o *labDvs) model() *dvSwitch { return switchByUuid(o.uuid) }

func pgSpecArgs(specs []types.DVPortgroupConfigSpec) map[string]interface{} {
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return map[string]interface{}{"names": names}
}

func (o *labDvs) addPortgroups(method, task string, specs []types.DVPortgroupConfigSpec) types.ManagedObjectReference {
	args := pgSpecArgs(specs)
	return runLabTask(o, task, func() (types.AnyType, *labErr) {
		err := labMutate(method, o.Self, args, func() *labErr {
			d := o.model()
			if d == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The switch has been deleted")
			}
			var keys []string
			for _, s := range specs {
				p, e := d.addPortgroup(s, false)
				if e != nil {
					return e
				}
				keys = append(keys, p.Key)
			}
			args["keys"] = keys
			return nil
		})
		return nil, err
	})
}

func (o *labDvs) AddDVPortgroupTask(req *types.AddDVPortgroup_Task) soap.HasFault {
	ref := o.addPortgroups("AddDVPortgroup_Task", "addDVPortgroup", req.Spec)
	return &methods.AddDVPortgroup_TaskBody{Res: &types.AddDVPortgroup_TaskResponse{Returnval: ref}}
}

func (o *labDvs) CreateDVPortgroupTask(req *types.CreateDVPortgroup_Task) soap.HasFault {
	ref := o.addPortgroups("CreateDVPortgroup_Task", "createDVPortgroup", []types.DVPortgroupConfigSpec{req.Spec})
	return &methods.CreateDVPortgroup_TaskBody{Res: &types.CreateDVPortgroup_TaskResponse{Returnval: ref}}
}

func dvsSpecArgs(spec *types.DVSConfigSpec) map[string]interface{} {
	a := map[string]interface{}{"configVersion": spec.ConfigVersion}
	if spec.Name != "" {
		a["name"] = spec.Name
	}
	var hosts []map[string]interface{}
	for _, m := range spec.Host {
		x := map[string]interface{}{"operation": m.Operation, "host": m.Host.Value}
		if h := lab.byRef[m.Host]; h != nil {
			x["host"] = h.Name
		}
		if b, ok := m.Backing.(*types.DistributedVirtualSwitchHostMemberPnicBacking); ok && b != nil {
			var pn []string
			for _, p := range b.PnicSpec {
				pn = append(pn, p.PnicDevice)
			}
			x["pnics"] = pn
		}
		hosts = append(hosts, x)
	}
	if hosts != nil {
		a["hosts"] = hosts
	}
	return a
}

// checkVersion: a spec's configVersion must be the current one (ConcurrentAccess otherwise). An
// empty configVersion is accepted (⚠ vCenter's handling of an unset version is not confirmed).
func checkVersion(given string, current int) *labErr {
	if given != "" && given != strconv.Itoa(current) {
		return fail(&types.ConcurrentAccess{}, "Cannot complete operation due to concurrent modification by another operation.")
	}
	return nil
}

func (o *labDvs) ReconfigureDvsTask(req *types.ReconfigureDvs_Task) soap.HasFault {
	var spec types.DVSConfigSpec
	if req.Spec != nil {
		spec = *req.Spec.GetDVSConfigSpec()
	}
	args := dvsSpecArgs(&spec)
	ref := runLabTask(o, "reconfigureDvs", func() (types.AnyType, *labErr) {
		return nil, labMutate("ReconfigureDvs_Task", o.Self, args, func() *labErr {
			d := o.model()
			if d == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The switch has been deleted")
			}
			if err := checkVersion(spec.ConfigVersion, d.Version); err != nil {
				return err
			}
			if spec.Name != "" && spec.Name != d.Name {
				if switchByName(spec.Name) != nil {
					return fail(&types.DuplicateName{Name: spec.Name, Object: o.Self}, "The name '%s' already exists.", spec.Name)
				}
				d.Name = spec.Name
			}
			if v, ok := req.Spec.(*types.VMwareDVSConfigSpec); ok && v.MaxMtu != 0 {
				if v.MaxMtu < 1280 || v.MaxMtu > 9000 {
					return invalidArg("spec.maxMtu", "MTU %d is out of range (1280-9000)", v.MaxMtu)
				}
				d.Mtu = v.MaxMtu
			}
			if p, ok := spec.UplinkPortPolicy.(*types.DVSNameArrayUplinkPortPolicy); ok && p != nil {
				if err := d.setUplinkNames(p.UplinkPortName); err != nil {
					return err
				}
			}
			if err := d.setMembers(spec.Host); err != nil {
				return err
			}
			d.Extra = d.Extra.merged(req.Spec)
			if err := d.applySwitchPortSetting(spec.DefaultPortConfig); err != nil {
				return err
			}
			d.Version++
			return nil
		})
	})
	return &methods.ReconfigureDvs_TaskBody{Res: &types.ReconfigureDvs_TaskResponse{Returnval: ref}}
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

// LookupDvPortGroup: the switch's dvPortgroup with this key (NotFound otherwise), as vCenter.
func (o *labDvs) LookupDvPortGroup(req *types.LookupDvPortGroup) soap.HasFault {
	d := o.model()
	if d == nil {
		return &methods.LookupDvPortGroupBody{Fault_: simulator.Fault("The switch has been deleted", &types.ManagedObjectNotFound{Obj: o.Self})}
	}
	p := d.portgroup(req.PortgroupKey)
	if p == nil {
		return &methods.LookupDvPortGroupBody{Fault_: simulator.Fault("No dvPortgroup with key "+req.PortgroupKey, &types.NotFound{})}
	}
	ref := p.Ref
	return &methods.LookupDvPortGroupBody{Res: &types.LookupDvPortGroupResponse{Returnval: &ref}}
}

// FetchDVPorts: the switch's ports (uplink ports included) matching the criteria.
func (o *labDvs) FetchDVPorts(req *types.FetchDVPorts) soap.HasFault {
	var out []types.DistributedVirtualPort
	err := read(nil, "FetchDVPorts", false, func() *labErr {
		d := o.model()
		if d == nil {
			return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The switch has been deleted")
		}
		out = d.ports(req.Criteria)
		return nil
	})
	if err != nil {
		return &methods.FetchDVPortsBody{Fault_: err.soap()}
	}
	return &methods.FetchDVPortsBody{Res: &types.FetchDVPortsResponse{Returnval: out}}
}

func (d *dvSwitch) ports(c *types.DistributedVirtualSwitchPortCriteria) []types.DistributedVirtualPort {
	var out []types.DistributedVirtualPort
	used := portUsers(d.Uuid)
	for _, p := range d.Portgroups {
		for _, k := range p.Ports {
			port := types.DistributedVirtualPort{Key: k, DvsUuid: d.Uuid, PortgroupKey: p.Key,
				Config: types.DVPortConfigInfo{Setting: d.renderSetting(p), ConfigVersion: "0"}}
			connected := false
			if p.Uplink {
				for _, m := range d.Members {
					if indexOf(m.UplinkPorts, k) >= 0 {
						ref := m.Host
						port.ProxyHost = &ref
						port.Config.Name = d.Uplinks[indexOf(m.UplinkPorts, k)]
					}
				}
			} else if u, ok := used[k]; ok {
				connected = true
				port.ProxyHost = &u.h.Ref
				port.Connectee = &types.DistributedVirtualSwitchPortConnectee{ConnectedEntity: &u.h.Ref, NicKey: u.v.Device, Type: "hostVmkVnic"}
			}
			if !portMatches(c, p, k, connected, port.ProxyHost) {
				continue
			}
			out = append(out, port)
		}
	}
	return out
}

func portMatches(c *types.DistributedVirtualSwitchPortCriteria, p *dvPortgroup, key string, connected bool, host *types.ManagedObjectReference) bool {
	if c == nil {
		return true
	}
	if c.Connected != nil && *c.Connected != connected {
		return false
	}
	if c.UplinkPort != nil && *c.UplinkPort != p.Uplink {
		return false
	}
	if len(c.PortgroupKey) > 0 {
		in := indexOf(c.PortgroupKey, p.Key) >= 0
		if c.Inside == nil || *c.Inside {
			if !in {
				return false
			}
		} else if in {
			return false
		}
	}
	if len(c.PortKey) > 0 && indexOf(c.PortKey, key) < 0 {
		return false
	}
	if len(c.Host) > 0 {
		found := false
		for _, h := range c.Host {
			found = found || (host != nil && h == *host)
		}
		if !found {
			return false
		}
	}
	return true
}

// ---- rendering ----

// dvsVersions: the switch versions a vCenter 8.0 U3 offers (QueryAvailableDvsSpec).
var dvsVersions = []string{"7.0.0", "7.0.2", "7.0.3", "8.0.0", "8.0.3"}

func knownDvsVersion(v string) bool { return indexOf(dvsVersions, v) >= 0 }

// renderSetting: the portgroup's defaultPortConfig as vCenter reads it back: every modelled
// policy present, inherited where the portgroup does not set it.
func (d *dvSwitch) renderSetting(p *dvPortgroup) *types.VMwareDVSPortSetting {
	s := &types.VMwareDVSPortSetting{}
	if p.Setting != nil {
		c := *p.Setting
		s = &c
	}
	v := d.effVlan(p)
	inherited := p.Vlan == nil
	switch v.Kind {
	case "trunk":
		s.Vlan = &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}}, VlanId: append([]types.NumericRange(nil), v.Ranges...)}
	case "pvlan":
		s.Vlan = &types.VmwareDistributedVirtualSwitchPvlanSpec{VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}}, PvlanId: v.ID}
	default:
		s.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}}, VlanId: v.ID}
	}
	t := types.VmwareUplinkPortTeamingPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true},
		Policy:         &types.StringPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: "loadbalance_srcid"},
		ReversePolicy:  &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: types.NewBool(true)},
		NotifySwitches: &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: types.NewBool(true)},
		RollingOrder:   &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: types.NewBool(false)},
	}
	if s.UplinkTeamingPolicy != nil {
		t = mergeTeaming(t, s.UplinkTeamingPolicy)
	}
	eff := d.effTeaming(p)
	t.UplinkPortOrder = &types.VMwareUplinkPortOrderPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: p.Teaming == nil},
		ActiveUplinkPort: copyS(eff.Active), StandbyUplinkPort: copyS(eff.Standby)}
	s.UplinkTeamingPolicy = &t
	return s
}

// render writes the switch model into its managed objects.
func (d *dvSwitch) render() {
	o, _ := simulator.Map.Get(d.Ref).(*labDvs)
	if o == nil {
		return
	}
	var members []types.DistributedVirtualSwitchHostMember
	var hostRefs, pgRefs []types.ManagedObjectReference
	var pgNames []string
	numPorts := int32(0)
	for _, m := range d.Members {
		ref := m.Host
		hostRefs = append(hostRefs, ref)
		var ps []types.DistributedVirtualSwitchHostMemberPnicSpec
		for _, p := range m.Pnics {
			ps = append(ps, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: p.Device, UplinkPortKey: p.UplinkPort, UplinkPortgroupKey: d.uplinkPG().Key})
		}
		r := ref
		members = append(members, types.DistributedVirtualSwitchHostMember{
			Config: types.DistributedVirtualSwitchHostMemberConfigInfo{Host: &r, MaxProxySwitchPorts: 512,
				Backing: &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: ps}},
			ProductInfo: d.Extra.Product, UplinkPortKey: copyS(m.UplinkPorts), Status: "up"})
	}
	for _, p := range d.Portgroups {
		pgRefs = append(pgRefs, p.Ref)
		pgNames = append(pgNames, p.Name)
		numPorts += int32(len(p.Ports))
		d.renderPortgroup(p, hostRefs)
	}
	up := d.uplinkPG()
	x := d.Extra
	sw := &dvPortgroup{Setting: x.PortConfig, Vlan: d.Vlan, Teaming: d.Teaming}
	if sw.Vlan == nil {
		sw.Vlan = &dvVlan{Kind: "id"}
	}
	if sw.Teaming == nil {
		sw.Teaming = &dvTeaming{Active: copyS(d.Uplinks)}
	}
	portConfig := d.renderSetting(sw) // the switch's own: nothing inherited
	portConfig.UplinkTeamingPolicy.Inherited = false
	cfg := &types.VMwareDVSConfigInfo{DVSConfigInfo: types.DVSConfigInfo{
		Uuid: d.Uuid, Name: d.Name, NumPorts: numPorts, MaxPorts: 2147483647, ConfigVersion: strconv.Itoa(d.Version),
		UplinkPortPolicy:  &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: copyS(d.Uplinks)},
		UplinkPortgroup:   []types.ManagedObjectReference{up.Ref},
		DefaultPortConfig: portConfig, Description: x.Description, SwitchIpAddress: x.SwitchIP,
		HealthCheckConfig: x.Health,
		Host:              members, ProductInfo: *x.Product, DefaultProxySwitchMaxNumPorts: 512,
		Policy: &types.DVSPolicy{AutoPreInstallAllowed: types.NewBool(false), AutoUpgradeAllowed: types.NewBool(false), PartialUpgradeAllowed: types.NewBool(false)},
	}, MaxMtu: d.Mtu, LinkDiscoveryProtocolConfig: x.Ldp, IpfixConfig: x.Ipfix,
		LacpApiVersion: "multipleLag", MulticastFilteringMode: x.Multicast}
	if x.Contact != nil {
		cfg.Contact = *x.Contact
	}
	o.Name = d.Name
	o.Uuid = d.Uuid
	o.Config = cfg
	o.Portgroup = pgRefs
	o.Summary = types.DVSSummary{Name: d.Name, Uuid: d.Uuid, NumPorts: numPorts, ProductInfo: x.Product, Description: x.Description, Contact: x.Contact,
		HostMember: hostRefs, Host: hostRefs, PortgroupName: pgNames, NumHosts: int32(len(hostRefs))}
	o.Capability = types.DVSCapability{DvsOperationSupported: types.NewBool(true), DvPortGroupOperationSupported: types.NewBool(true), DvPortOperationSupported: types.NewBool(true)}
	if started {
		simulator.Map.Update(o, []types.PropertyChange{{Name: "name", Val: o.Name}, {Name: "config", Val: cfg},
			{Name: "summary", Val: o.Summary}, {Name: "portgroup", Val: pgRefs}})
	}
}

func (d *dvSwitch) renderPortgroup(p *dvPortgroup, hosts []types.ManagedObjectReference) {
	o, _ := simulator.Map.Get(p.Ref).(*labDvpg)
	if o == nil {
		return
	}
	sw := d.Ref
	o.Name = p.Name
	o.Key = p.Key
	o.Host = append([]types.ManagedObjectReference(nil), hosts...)
	o.PortKeys = copyS(p.Ports)
	o.Summary = &types.NetworkSummary{Network: &o.Self, Name: p.Name, Accessible: true}
	o.Config = types.DVPortgroupConfigInfo{Key: p.Key, Name: p.Name, NumPorts: int32(len(p.Ports)), DistributedVirtualSwitch: &sw,
		DefaultPortConfig: d.renderSetting(p), Type: p.Type, ConfigVersion: strconv.Itoa(p.Version), AutoExpand: types.NewBool(p.Auto),
		Uplink: types.NewBool(p.Uplink), Description: p.Description, Policy: p.Policy}
	o.Config.Policy = renderPgPolicy(p.Policy)
	if started {
		simulator.Map.Update(o, []types.PropertyChange{{Name: "name", Val: o.Name}, {Name: "config", Val: o.Config},
			{Name: "host", Val: o.Host}, {Name: "portKeys", Val: o.PortKeys}, {Name: "summary", Val: o.Summary}})
	}
}

// renderPgPolicy: the override permissions as vCenter reads them back, every flag present
// (false where the client left it unset: a pyVmomi session at the lab's API 6.5 does not send
// 6.7's macManagementOverrideAllowed); vCenter's defaults without a policy.
func renderPgPolicy(given types.BaseDVPortgroupPolicy) *types.VMwareDVSPortgroupPolicy {
	p := types.VMwareDVSPortgroupPolicy{DVPortgroupPolicy: types.DVPortgroupPolicy{BlockOverrideAllowed: true, PortConfigResetAtDisconnect: true}}
	switch g := given.(type) {
	case *types.VMwareDVSPortgroupPolicy:
		p = *g
	case *types.DVPortgroupPolicy:
		p.DVPortgroupPolicy = *g
	}
	for _, b := range []**bool{&p.NetworkResourcePoolOverrideAllowed, &p.TrafficFilterOverrideAllowed, &p.IpfixOverrideAllowed, &p.MacManagementOverrideAllowed} {
		if *b == nil {
			*b = types.NewBool(false)
		}
	}
	return &p
}

// proxySwitches renders a host's config.network.proxySwitch: one per switch it is a member of.
func (h *host) proxySwitches() []types.HostProxySwitch {
	var out []types.HostProxySwitch
	for i, d := range switchesOf(h) {
		m := d.member(h)
		var pn []string
		var ps []types.DistributedVirtualSwitchHostMemberPnicSpec
		for _, p := range m.Pnics {
			pn = append(pn, pnicKey(p.Device))
			ps = append(ps, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: p.Device, UplinkPortKey: p.UplinkPort, UplinkPortgroupKey: d.uplinkPG().Key})
		}
		var up []types.KeyValue
		for j, k := range m.UplinkPorts {
			up = append(up, types.KeyValue{Key: k, Value: d.Uplinks[j]})
		}
		out = append(out, types.HostProxySwitch{DvsUuid: d.Uuid, DvsName: d.Name, Key: fmt.Sprintf("DvsPortset-%d", i),
			NumPorts: 512, ConfigNumPorts: 512, NumPortsAvailable: 512 - int32(len(m.UplinkPorts)), UplinkPort: up, Mtu: d.Mtu, Pnic: pn,
			Spec: types.HostProxySwitchSpec{Backing: &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: ps}}})
	}
	return out
}

// dvNetworks: the dvPortgroups a host sees (HostSystem.network).
func (h *host) dvNetworks() []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, d := range switchesOf(h) {
		for _, p := range d.Portgroups {
			out = append(out, p.Ref)
		}
	}
	return out
}

// ---- DistributedVirtualPortgroup ----

func (o *labDvpg) model() (*dvSwitch, *dvPortgroup) { return portgroupAnywhere(o.Key) }

func dvpgSpecArgs(key string, spec *types.DVPortgroupConfigSpec) map[string]interface{} {
	a := map[string]interface{}{"portgroupKey": key, "configVersion": spec.ConfigVersion}
	if spec.Name != "" {
		a["name"] = spec.Name
	}
	if spec.NumPorts != 0 {
		a["numPorts"] = spec.NumPorts
	}
	if s, ok := spec.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok && s != nil {
		if s.Vlan != nil {
			if v, err := parseVlan(s.Vlan); err == nil {
				a["vlan"] = vlanArg(v)
			}
		}
		if t := s.UplinkTeamingPolicy; t != nil && t.UplinkPortOrder != nil {
			if t.UplinkPortOrder.Inherited {
				a["teaming"] = "inherited"
			} else {
				a["active"] = copyS(t.UplinkPortOrder.ActiveUplinkPort)
				a["standby"] = copyS(t.UplinkPortOrder.StandbyUplinkPort)
			}
		}
	}
	return a
}

// vlanArg: a VLAN setting as the journal shows it (an id, "trunk:100-200,300-300", "pvlan:101",
// "inherited").
func vlanArg(v *dvVlan) interface{} {
	if v == nil {
		return "inherited"
	}
	switch v.Kind {
	case "trunk":
		s := "trunk:"
		for i, r := range v.Ranges {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf("%d-%d", r.Start, r.End)
		}
		return s
	case "pvlan":
		return fmt.Sprintf("pvlan:%d", v.ID)
	}
	return v.ID
}

// ReconfigureDVPortgroup_Task: the spec's configVersion must be the current one (a stale one
// fails with ConcurrentAccess); on success configVersion goes up by one. Under vCenter's network
// rollback on every member host (a VLAN or teaming change that cuts vCenter's path to a host
// changes nothing).
func (o *labDvpg) ReconfigureDVPortgroupTask(req *types.ReconfigureDVPortgroup_Task) soap.HasFault {
	spec := req.Spec
	args := dvpgSpecArgs(o.Key, &spec)
	ref := runLabTask(o, "reconfigureDVPortgroup", func() (types.AnyType, *labErr) {
		return nil, labMutate("ReconfigureDVPortgroup_Task", o.Self, args, func() *labErr {
			d, p := o.model()
			if p == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The port group has been deleted")
			}
			if err := checkVersion(spec.ConfigVersion, p.Version); err != nil {
				return err
			}
			if spec.Name != "" && spec.Name != p.Name {
				for _, c := range netFolder().ChildEntity {
					if e, ok := simulator.Map.Get(c).(mo.Entity); ok && e.Entity().Name == spec.Name {
						return fail(&types.DuplicateName{Name: spec.Name, Object: c}, "The name '%s' already exists.", spec.Name)
					}
				}
				p.Name = spec.Name
			}
			switch spec.Type {
			case "", "earlyBinding", "ephemeral", "lateBinding":
				if spec.Type != "" {
					p.Type = spec.Type
				}
			default:
				return invalidArg("spec.type", "Unknown port group type %q", spec.Type)
			}
			if spec.AutoExpand != nil {
				p.Auto = *spec.AutoExpand
			}
			if err := d.setNumPorts(p, spec.NumPorts); err != nil {
				return err
			}
			if err := d.applyPortSetting(p, spec.DefaultPortConfig); err != nil {
				return err
			}
			if spec.Policy != nil {
				p.Policy = spec.Policy
			}
			if spec.Description != "" {
				p.Description = spec.Description
			}
			p.Version++
			return nil
		})
	})
	return &methods.ReconfigureDVPortgroup_TaskBody{Res: &types.ReconfigureDVPortgroup_TaskResponse{Returnval: ref}}
}

// setNumPorts grows or shrinks a portgroup's ports (0 = unchanged); only free ports go.
func (d *dvSwitch) setNumPorts(p *dvPortgroup, n int32) *labErr {
	if n < 0 {
		return invalidArg("spec.numPorts", "numPorts %d is negative", n)
	}
	if n == 0 || p.Uplink {
		return nil
	}
	for int32(len(p.Ports)) < n {
		p.Ports = append(p.Ports, d.newPort())
	}
	var keep []string
	extra := len(p.Ports) - int(n)
	used := portUsers(d.Uuid)
	for i := len(p.Ports) - 1; i >= 0; i-- {
		if _, taken := used[p.Ports[i]]; extra > 0 && !taken {
			extra--
			continue
		}
		keep = append([]string{p.Ports[i]}, keep...)
	}
	if extra > 0 {
		return fail(&types.ResourceInUse{Type: "DistributedVirtualPortgroup", Name: p.Name}, "Port group %s has more ports in use than %d", p.Name, n)
	}
	p.Ports = keep
	return nil
}

// Destroy_Task of a dvPortgroup: refused (ResourceInUse) while a vmknic is connected to one of its
// ports; the uplink portgroup goes only with its switch.
func (o *labDvpg) DestroyTask(req *types.Destroy_Task) soap.HasFault {
	args := map[string]interface{}{"portgroupKey": o.Key, "name": o.Name}
	ref := runLabTask(o, "destroy", func() (types.AnyType, *labErr) {
		return nil, labMutate("Destroy_Task", o.Self, args, func() *labErr {
			d, p := o.model()
			if p == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The port group has been deleted")
			}
			if p.Uplink {
				return fail(&types.NotSupported{}, "The uplink port group of %s cannot be removed", d.Name)
			}
			used := portUsers(d.Uuid)
			for _, k := range p.Ports {
				if u, taken := used[k]; taken {
					return fail(&types.ResourceInUse{Type: "DistributedVirtualPortgroup", Name: p.Name},
						"The resource '%s' is in use: port %s is connected to %s on %s", p.Name, k, u.v.Device, u.h.Name)
				}
			}
			var keep []*dvPortgroup
			for _, x := range d.Portgroups {
				if x != p {
					keep = append(keep, x)
				}
			}
			d.Portgroups = keep
			return nil
		})
	})
	return &methods.Destroy_TaskBody{Res: &types.Destroy_TaskResponse{Returnval: ref}}
}

// Destroy_Task of a switch: refused while a vmknic is connected to it; its members' pNICs are
// left without a switch.
func (o *labDvs) DestroyTask(req *types.Destroy_Task) soap.HasFault {
	args := map[string]interface{}{"uuid": o.uuid, "name": o.Name}
	ref := runLabTask(o, "destroy", func() (types.AnyType, *labErr) {
		return nil, labMutate("Destroy_Task", o.Self, args, func() *labErr {
			d := o.model()
			if d == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The switch has been deleted")
			}
			for _, h := range lab.hosts {
				for _, v := range h.Vnics {
					if v.Dv != nil && v.Dv.SwitchUuid == d.Uuid {
						return fail(&types.ResourceInUse{Type: "VmwareDistributedVirtualSwitch", Name: d.Name},
							"The resource '%s' is in use: %s on %s is connected to it", d.Name, v.Device, h.Name)
					}
				}
			}
			var keep []*dvSwitch
			for _, x := range switches {
				if x != d {
					keep = append(keep, x)
				}
			}
			switches = keep
			return nil
		})
	})
	return &methods.Destroy_TaskBody{Res: &types.Destroy_TaskResponse{Returnval: ref}}
}

// UpdateDVSHealthCheckConfig_Task: the health check configs replace those of the same type.
func (o *labDvs) UpdateDVSHealthCheckConfigTask(req *types.UpdateDVSHealthCheckConfig_Task) soap.HasFault {
	ref := runLabTask(o, "updateDVSHealthCheckConfig", func() (types.AnyType, *labErr) {
		return nil, labMutate("UpdateDVSHealthCheckConfig_Task", o.Self, map[string]interface{}{"configs": len(req.HealthCheckConfig)}, func() *labErr {
			d := o.model()
			if d == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The switch has been deleted")
			}
			x := *d.Extra
			x.Health = append([]types.BaseDVSHealthCheckConfig(nil), x.Health...)
			for _, n := range req.HealthCheckConfig {
				replaced := false
				for i, c := range x.Health {
					if fmt.Sprintf("%T", c) == fmt.Sprintf("%T", n) {
						x.Health[i], replaced = n, true
					}
				}
				if !replaced {
					return fail(&types.NotSupported{}, "Health check %T is not supported", n)
				}
			}
			d.Extra = &x
			return nil
		})
	})
	return &methods.UpdateDVSHealthCheckConfig_TaskBody{Res: &types.UpdateDVSHealthCheckConfig_TaskResponse{Returnval: ref}}
}

// PerformDvsProductSpecOperation_Task: only "upgrade" (to a newer available version).
func (o *labDvs) PerformDvsProductSpecOperationTask(req *types.PerformDvsProductSpecOperation_Task) soap.HasFault {
	args := map[string]interface{}{"operation": req.Operation}
	if req.ProductSpec != nil {
		args["version"] = req.ProductSpec.Version
	}
	ref := runLabTask(o, "performDvsProductSpecOperation", func() (types.AnyType, *labErr) {
		return nil, labMutate("PerformDvsProductSpecOperation_Task", o.Self, args, func() *labErr {
			d := o.model()
			if d == nil {
				return fail(&types.ManagedObjectNotFound{Obj: o.Self}, "The switch has been deleted")
			}
			if req.Operation != "upgrade" || req.ProductSpec == nil {
				return fail(&types.NotSupported{}, "Only the upgrade operation is supported")
			}
			if indexOf(dvsVersions, req.ProductSpec.Version) <= indexOf(dvsVersions, d.Extra.Product.Version) {
				return invalidArg("productSpec.version", "Version %s is not newer than %s", req.ProductSpec.Version, d.Extra.Product.Version)
			}
			x := *d.Extra
			p := *x.Product
			p.Version = req.ProductSpec.Version
			x.Product = &p
			d.Extra = &x
			return nil
		})
	})
	return &methods.PerformDvsProductSpecOperation_TaskBody{Res: &types.PerformDvsProductSpecOperation_TaskResponse{Returnval: ref}}
}

// ---- DistributedVirtualSwitchManager ----

type labDvsMgr struct {
	mo.DistributedVirtualSwitchManager // by value, first
	labLocker
}

func installDvsManager() {
	if lab.esx {
		return
	}
	m := &labDvsMgr{}
	m.Self = types.ManagedObjectReference{Type: "DistributedVirtualSwitchManager", Value: "DVSManager"}
	simulator.Map.Put(m)
}

func (m *labDvsMgr) QueryAvailableDvsSpec(req *types.QueryAvailableDvsSpec) soap.HasFault {
	var out []types.DistributedVirtualSwitchProductSpec
	for _, v := range dvsVersions {
		p := *newDvsExtra().Product
		p.Version = v
		out = append(out, p)
	}
	return &methods.QueryAvailableDvsSpecBody{Res: &types.QueryAvailableDvsSpecResponse{Returnval: out}}
}

func (m *labDvsMgr) QueryDvsByUuid(req *types.QueryDvsByUuid) soap.HasFault {
	d := switchByUuid(req.Uuid)
	if d == nil {
		return &methods.QueryDvsByUuidBody{Fault_: simulator.Fault("No distributed switch with UUID "+req.Uuid, &types.NotFound{})}
	}
	ref := d.Ref
	return &methods.QueryDvsByUuidBody{Res: &types.QueryDvsByUuidResponse{Returnval: &ref}}
}
