package main

// Default inventory: a vCenter (DC0, clusters C0.., hosts spread evenly in blocks) or one
// standalone ESXi. Every host is named by its management IP (10.10.0.11 + index, in
// 10.10.0.0/21) and gets the lab's own managers.

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const maxHosts = 2036 // 10.10.0.11 .. 10.10.7.254

func mgmtIP(i int) string {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, binary.BigEndian.Uint32(net.IPv4(10, 10, 0, 0).To4())+11+uint32(i))
	return ip.String()
}

func buildInventory(nHosts, nClusters int, esxMode bool) (*simulator.Model, error) {
	var m *simulator.Model
	var refs []types.ManagedObjectReference
	if esxMode {
		m = simulator.ESX()
		m.Machine, m.Datastore = 0, 0
		if err := m.Create(); err != nil {
			return nil, err
		}
		refs = append(refs, simulator.Map.Any("HostSystem").Reference())
	} else {
		if nHosts < 1 || nHosts > maxHosts {
			return nil, fmt.Errorf("--hosts must be 1..%d", maxHosts)
		}
		if nClusters < 1 || nClusters > nHosts {
			return nil, fmt.Errorf("--clusters must be 1..hosts")
		}
		m = simulator.VPX()
		m.Datacenter, m.Cluster, m.ClusterHost, m.Host = 1, nClusters, 0, 0
		m.Machine, m.Portgroup, m.Datastore, m.Pool = 0, 0, 0, 0
		if err := m.Create(); err != nil {
			return nil, err
		}
		var clusters []*simulator.ClusterComputeResource
		for _, e := range simulator.Map.All("ClusterComputeResource") {
			clusters = append(clusters, e.(*simulator.ClusterComputeResource))
		}
		if len(clusters) != nClusters {
			return nil, fmt.Errorf("expected %d clusters, model made %d", nClusters, len(clusters))
		}
		sortByName(clusters)
		for c, cl := range clusters {
			cl.Name = fmt.Sprintf("C%d", c)
		}
		for i := 0; i < nHosts; i++ {
			cl := clusters[i*nClusters/nHosts]
			body := cl.AddHostTask(&types.AddHost_Task{This: cl.Self, Spec: types.HostConnectSpec{HostName: mgmtIP(i)}, AsConnected: true})
			tref := body.(*methods.AddHost_TaskBody).Res.Returnval
			t := simulator.Map.Get(tref).(*simulator.Task)
			if t.Info.Error != nil {
				return nil, fmt.Errorf("adding host %d: %v", i, t.Info.Error.LocalizedMessage)
			}
			refs = append(refs, t.Info.Result.(types.ManagedObjectReference))
		}
	}
	for i, ref := range refs {
		wrapHost(i, simulator.Map.Get(ref).(*simulator.HostSystem))
	}
	return m, nil
}

func sortByName(c []*simulator.ClusterComputeResource) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j].Name < c[j-1].Name; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

// wrapHost replaces the stock host and its managers with the lab's (same Self), gives it new
// per-host VirtualNicManager / IscsiManager references (the stock pointers are shared with the
// template), and sets up the default network model.
func wrapHost(i int, sh *simulator.HostSystem) {
	name := mgmtIP(i)
	// IPv6 is on by default, as on every recorded ESXi 6.7/8 host (ESXI-NETWORKING.md 1.7; only the
	// simulator's 6.5 template had it off); scenarios turn it off per host with ipv6_enabled.
	h := &host{Index: i, Name: name, Ref: sh.Self, Hba: "vmhba65", Conn: "connected", Ipv6: true,
		Services: map[string][]string{}, Pnics: []string{"vmnic0", "vmnic1", "vmnic2", "vmnic3"}, NoLink: map[string]bool{}}
	o := &labHost{HostSystem: *sh, h: h}
	o.Summary.Runtime = &o.Runtime // the copied pointer still points into the stock object
	o.Name = name
	o.Summary.Config.Name = name
	o.Summary.ManagementServerIp = lab.vcenter
	o.Runtime.ConnectionState = types.HostSystemConnectionStateConnected
	cfg := new(types.HostConfigInfo)
	*cfg = *o.Config
	nw := *cfg.Network
	cfg.Network = &nw
	cfg.Vmotion = nil // the template's vMotion info names a 127.0.0.1 vmk0
	o.Config = cfg
	h.obj = o
	h.baseNetworks = append([]types.ManagedObjectReference(nil), o.Network...)
	simulator.Map.Put(o)

	sns := simulator.Map.Get(*o.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
	h.ns = &labNetSys{HostNetworkSystem: *sns, h: h}
	h.ns.Host = &o.HostSystem.HostSystem
	simulator.Map.Put(h.ns)

	sss := simulator.Map.Get(*o.ConfigManager.StorageSystem).(*simulator.HostStorageSystem)
	h.ss = &labStorage{HostStorageSystem: *sss, h: h}
	h.ss.Host = &o.HostSystem.HostSystem
	simulator.Map.Put(h.ss)

	h.vnm = &labVnicMgr{h: h}
	h.vnm.Self = types.ManagedObjectReference{Type: "HostVirtualNicManager", Value: "vnicmgr-" + sh.Self.Value}
	vref := simulator.Map.Put(h.vnm).Reference()
	o.ConfigManager.VirtualNicManager = &vref

	h.ism = &labIscsiMgr{IscsiManager: mo.IscsiManager{Self: types.ManagedObjectReference{Type: "IscsiManager", Value: "iscsimgr-" + sh.Self.Value}}, h: h}
	iref := simulator.Map.Put(h.ism).Reference()
	o.ConfigManager.IscsiManager = &iref

	cfg.Network.Pnic = renderPnics(h)
	h.Vswitches = []*vswitch{{Name: "vSwitch0", Uplinks: copyS(h.Pnics), Teaming: teaming{Active: copyS(h.Pnics)}, Mtu: 1500}}
	h.Portgroups = []*portgroup{
		{Name: "VM Network", Vswitch: "vSwitch0", Policy: emptyPolicy()},
		{Name: "Management Network", Vswitch: "vSwitch0", Policy: emptyPolicy()},
	}
	// The stacks an ESXi 8.0 host lists, in its order; only the default stack has a name (recorded
	// 8.0.3 host, ESXI-NETWORKING.md 1.3).
	h.Stacks = []*stack{
		{Key: "ops", CC: "newreno", MaxConn: 11000},
		{Key: "mirror", CC: "newreno", MaxConn: 11000},
		{Key: "vSphereProvisioning", CC: "newreno", MaxConn: 11000},
		{Key: "vmotion", CC: "newreno", MaxConn: 11000},
		{Key: "defaultTcpipStack", Name: "defaultTcpipStack", Gateway: "10.10.0.1", CC: "newreno", MaxConn: 11000,
			Dns: &types.HostDnsConfig{HostName: fmt.Sprintf("esx%03d", i+1), DomainName: "lab.local", Address: []string{"10.10.0.2"}, SearchDomain: []string{"lab.local"}}},
	}
	// The installer's vmk0 has router advertisements (autoconfiguration) on; vmknics created later
	// through the API without an ipV6Config have it off (recorded 8.0.3 host).
	vmk0 := &vnic{Device: "vmk0", attachment: onPortgroup("Management Network"), Mac: h.newMac(), Mtu: 1500, Stack: "defaultTcpipStack",
		IP: name, Mask: "255.255.248.0", Autoconf: true, Up: nextUp()}
	h.Vnics = []*vnic{vmk0}
	h.Services["management"] = []string{"vmk0"}

	lab.hosts = append(lab.hosts, h)
	lab.byRef[h.Ref] = h
	lab.byName[name] = h
}

// emptyPolicy is a port group policy with no overrides (everything inherited from the vSwitch).
func emptyPolicy() types.HostNetworkPolicy {
	return types.HostNetworkPolicy{Security: &types.HostNetworkSecurityPolicy{}, NicTeaming: &types.HostNicTeamingPolicy{},
		OffloadPolicy: &types.HostNetOffloadCapabilities{}, ShapingPolicy: &types.HostNetworkTrafficShapingPolicy{}}
}

func clusterOf(h *host) string {
	if h.obj.Parent == nil {
		return ""
	}
	if c, ok := simulator.Map.Get(*h.obj.Parent).(*simulator.ClusterComputeResource); ok {
		return c.Name
	}
	return ""
}
