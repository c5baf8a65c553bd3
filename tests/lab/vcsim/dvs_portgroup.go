package main

// The SOAP handlers of a dvPortgroup (DistributedVirtualPortgroup: ReconfigureDVPortgroup_Task,
// Destroy_Task), under labMutate (dvs.go) like every vCenter-level call.

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labDvpg struct {
	mo.DistributedVirtualPortgroup // by value, first
	labLocker
}

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
			d.Portgroups = without(d.Portgroups, p)
			return nil
		})
	})
	return &methods.Destroy_TaskBody{Res: &types.Destroy_TaskResponse{Returnval: ref}}
}
