package main

// dvPortgroup changes of the distributed switch model (dvs_model.go): the default port config
// merged policy by policy (VLAN, uplink teaming, the rest kept as given) and the number of ports.

import (
	"github.com/vmware/govmomi/vim25/types"
)

// applyPortSetting merges a defaultPortConfig into the portgroup, policy by policy: a policy the
// spec leaves out keeps its value, one with inherited=true goes back to the switch's.
func (d *dvSwitch) applyPortSetting(p *dvPortgroup, s types.BaseDVPortSetting) *labErr {
	if s == nil {
		return nil
	}
	vs, ok := s.(*types.VMwareDVSPortSetting)
	if !ok {
		return nil
	}
	if vs.Vlan != nil {
		v, err := parseVlan(vs.Vlan)
		if err != nil {
			return err
		}
		p.Vlan = v
	}
	if tp := vs.UplinkTeamingPolicy; tp != nil && tp.UplinkPortOrder != nil {
		o := tp.UplinkPortOrder
		if o.Inherited {
			p.Teaming = nil
		} else {
			seen := map[string]bool{}
			for _, n := range append(copyS(o.ActiveUplinkPort), o.StandbyUplinkPort...) {
				if indexOf(d.Uplinks, n) < 0 || seen[n] {
					return invalidArg("spec.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder", "%s is not an uplink of %s", n, d.Name)
				}
				seen[n] = true
			}
			p.Teaming = &dvTeaming{Active: copyS(o.ActiveUplinkPort), Standby: copyS(o.StandbyUplinkPort)}
		}
	}
	merged := mergeSetting(p.Setting, vs)
	p.Setting = merged
	return nil
}

func parseVlan(b types.BaseVmwareDistributedVirtualSwitchVlanSpec) (*dvVlan, *labErr) {
	switch v := b.(type) {
	case *types.VmwareDistributedVirtualSwitchVlanIdSpec:
		if v.Inherited {
			return nil, nil
		}
		if v.VlanId < 0 || v.VlanId > 4094 {
			return nil, invalidArg("spec.defaultPortConfig.vlan.vlanId", "VLAN ID %d is out of range (0-4094)", v.VlanId)
		}
		return &dvVlan{Kind: "id", ID: v.VlanId}, nil
	case *types.VmwareDistributedVirtualSwitchTrunkVlanSpec:
		if v.Inherited {
			return nil, nil
		}
		for _, r := range v.VlanId {
			if r.Start < 0 || r.End > 4094 || r.Start > r.End {
				return nil, invalidArg("spec.defaultPortConfig.vlan.vlanId", "VLAN range %d-%d is invalid", r.Start, r.End)
			}
		}
		return &dvVlan{Kind: "trunk", Ranges: append([]types.NumericRange(nil), v.VlanId...)}, nil
	case *types.VmwareDistributedVirtualSwitchPvlanSpec:
		if v.Inherited {
			return nil, nil
		}
		return &dvVlan{Kind: "pvlan", ID: v.PvlanId}, nil
	}
	return nil, invalidArg("spec.defaultPortConfig.vlan", "Unsupported VLAN spec")
}

// mergeTeaming: the teaming policies set in n replace those in t (and n's inherited flag).
func mergeTeaming(t types.VmwareUplinkPortTeamingPolicy, n *types.VmwareUplinkPortTeamingPolicy) types.VmwareUplinkPortTeamingPolicy {
	t.Inherited = n.Inherited
	if n.Policy != nil {
		t.Policy = n.Policy
	}
	if n.ReversePolicy != nil {
		t.ReversePolicy = n.ReversePolicy
	}
	if n.NotifySwitches != nil {
		t.NotifySwitches = n.NotifySwitches
	}
	if n.RollingOrder != nil {
		t.RollingOrder = n.RollingOrder
	}
	if n.FailureCriteria != nil {
		t.FailureCriteria = n.FailureCriteria
	}
	if n.UplinkPortOrder != nil {
		t.UplinkPortOrder = n.UplinkPortOrder
	}
	return t
}

// mergeSetting: the policies set in s replace those in cur.
func mergeSetting(cur, s *types.VMwareDVSPortSetting) *types.VMwareDVSPortSetting {
	out := &types.VMwareDVSPortSetting{}
	if cur != nil {
		c := *cur
		out = &c
	}
	if s.Vlan != nil {
		out.Vlan = s.Vlan
	}
	if s.UplinkTeamingPolicy != nil {
		t := types.VmwareUplinkPortTeamingPolicy{}
		if out.UplinkTeamingPolicy != nil {
			t = *out.UplinkTeamingPolicy
		}
		t = mergeTeaming(t, s.UplinkTeamingPolicy)
		out.UplinkTeamingPolicy = &t
	}
	if s.SecurityPolicy != nil {
		out.SecurityPolicy = s.SecurityPolicy
	}
	if s.IpfixEnabled != nil {
		out.IpfixEnabled = s.IpfixEnabled
	}
	if s.TxUplink != nil {
		out.TxUplink = s.TxUplink
	}
	if s.LacpPolicy != nil {
		out.LacpPolicy = s.LacpPolicy
	}
	if s.MacManagementPolicy != nil {
		out.MacManagementPolicy = s.MacManagementPolicy
	}
	if s.QosTag != nil {
		out.QosTag = s.QosTag
	}
	if s.Blocked != nil {
		out.Blocked = s.Blocked
	}
	if s.InShapingPolicy != nil {
		out.InShapingPolicy = s.InShapingPolicy
	}
	if s.OutShapingPolicy != nil {
		out.OutShapingPolicy = s.OutShapingPolicy
	}
	if s.VmDirectPathGen2Allowed != nil {
		out.VmDirectPathGen2Allowed = s.VmDirectPathGen2Allowed
	}
	if s.FilterPolicy != nil {
		out.FilterPolicy = s.FilterPolicy
	}
	if s.NetworkResourcePoolKey != nil {
		out.NetworkResourcePoolKey = s.NetworkResourcePoolKey
	}
	return out
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
