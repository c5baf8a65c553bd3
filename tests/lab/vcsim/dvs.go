package main

// Distributed switches as vCenter serves them, replacing govmomi 0.24.2's simulator/dvs.go,
// portgroup.go and Folder.CreateDVSTask (see ../README.md, "Distributed switches", for what each
// lacks). This file has what every vCenter-level handler shares: the network folder with
// CreateDVS_Task, the task runner, labMutate (journal, injected faults, vCenter's network
// rollback and the lab-wide snapshot: a failed call changes no host and no switch) and the
// creation of switches and dvPortgroups with their managed objects. The handlers of the
// switch are in dvs_switch.go, of a dvPortgroup in dvs_portgroup.go; dvs_render.go renders the
// model (dvs_model*.go) into the managed objects.

import (
	"fmt"

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
