package main

// The SOAP handlers of a distributed switch (DistributedVirtualSwitch: AddDVPortgroup_Task,
// CreateDVPortgroup_Task, ReconfigureDvs_Task, LookupDvPortGroup, FetchDVPorts, Destroy_Task,
// UpdateDVSHealthCheckConfig_Task, PerformDvsProductSpecOperation_Task) and of the
// DistributedVirtualSwitchManager. Each journals the call, takes injected faults and changes
// the model (dvs_model*.go) through labMutate (dvs.go).

import (
	"fmt"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labDvs struct {
	mo.VmwareDistributedVirtualSwitch // by value, first (the mo type of its Self.Type)
	labLocker
	uuid string
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
			switches = without(switches, d)
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

// dvsVersions: the switch versions a vCenter 8.0 U3 offers (QueryAvailableDvsSpec).
var dvsVersions = []string{"7.0.0", "7.0.2", "7.0.3", "8.0.0", "8.0.3"}

func knownDvsVersion(v string) bool { return indexOf(dvsVersions, v) >= 0 }

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
