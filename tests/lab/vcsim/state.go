package main

// The lab keeps its own small model of every host's VMkernel networking (this file) and
// renders it into the vSphere data objects clients read (render.go) after every change.
// One model, one renderer: config.network, networkInfo, virtualNicManagerInfo, the vnic
// manager's info and the storage device info can never disagree.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"sync"

	"github.com/vmware/govmomi/vim25/types"
)

// labMu serialises everything the lab owns. All lab managed objects (hosts, their network,
// storage, vnic and iSCSI managers) return it as their sync.Locker, so the simulator takes it
// for every method call on them and for every PropertyCollector read of them. Lab code
// therefore never takes another object's lock while changing a host (see LAB.md: mutexes are
// not reentrant).
var labMu sync.Mutex

type labLocker struct{}

func (labLocker) Lock()   { labMu.Lock() }
func (labLocker) Unlock() { labMu.Unlock() }

type teaming struct {
	Active  []string
	Standby []string
}

type vswitch struct {
	Name    string
	Uplinks []string // bridge nicDevice
	Teaming teaming  // vSwitch-level failover order
	Mtu     int32
}

type portgroup struct {
	Name    string
	Vswitch string
	Vlan    int32
	Teaming *teaming // nil: inherit the vSwitch's order
	Policy  types.HostNetworkPolicy
}

type v6addr struct {
	Address string
	Prefix  int32
	Origin  string // manual, dhcp, linklayer (SLAAC), random, other (link-local)
	Dad     string
}

type vnic struct {
	Device      string
	Portgroup   string
	Mac         string
	Mtu         int32
	Stack       string
	Dhcp        bool
	IP, Mask    string
	V6          []v6addr
	V6Set       bool // an ipV6Config is present
	Autoconf    bool
	Dhcp6       bool
	GwOverride  *types.HostIpRouteConfig // spec.ipRouteSpec.ipRouteConfig; nil = no override
	Owner       string                   // NSX / VSAN (API 9.0 HostVirtualNic.owner)
	SystemOwned bool
	Up          int64 // when the vmknic (last) came up: orders connected routes
}

type stack struct {
	Key, Name   string
	Gateway     string
	Gateway6    string
	Dns         *types.HostDnsConfig
	CC          string
	MaxConn     int32
	StaticV4    []types.HostIpRouteEntry
	StaticV6    []types.HostIpRouteEntry
}

type binding struct {
	Vnic       string
	PathStatus string // notUsed, active, standBy, lastActive
}

type host struct {
	Index int
	Name  string
	Ref   types.ManagedObjectReference
	obj   *labHost
	ns    *labNetSys
	vnm   *labVnicMgr
	ism   *labIscsiMgr
	ss    *labStorage

	Pnics      []string
	Vswitches  []*vswitch
	Portgroups []*portgroup
	Vnics      []*vnic
	Stacks     []*stack
	Services   map[string][]string // nicType -> devices, in selection order
	Ipv6       bool

	IscsiEnabled bool
	Hba          string
	Bindings     []*binding
	// PathDefault is the pathStatus a new binding gets when the adapter has targets.
	Targets bool

	Conn  string // connected, notResponding, disconnected
	Maint bool
	nextMac int
}

// lab is the whole simulated estate.
var lab = struct {
	hosts   []*host
	byRef   map[types.ManagedObjectReference]*host
	byName  map[string]*host
	upSeq   int64
	dhcp    []dhcpSegment
	leases  map[string]string // host/vmk -> leased IP, stable across renews
	esx     bool
}{byRef: map[types.ManagedObjectReference]*host{}, byName: map[string]*host{}, leases: map[string]string{}}

type dhcpSegment struct {
	Vlan   int32
	Net    *net.IPNet
	Next   uint32 // next host offset to lease
	Gateway string
}

func nextUp() int64 { lab.upSeq++; return lab.upSeq }

// nicTypes of the current API, in the order ESXi lists them. multiSelectAllowed is true for all
// but ptp: ESXi enables PTP on a single vmknic (assumption, ESXI-NETWORKING.md is silent).
var nicTypes = []string{"vmotion", "faultToleranceLogging", "vSphereReplication", "vSphereReplicationNFC",
	"management", "vsan", "vSphereProvisioning", "vsanWitness", "vSphereBackupNFC", "ptp", "nvmeTcp", "nvmeRdma"}

func knownNicType(t string) bool {
	for _, n := range nicTypes {
		if n == t {
			return true
		}
	}
	return false
}

var stackNames = map[string]string{"defaultTcpipStack": "defaultTcpipStack", "vmotion": "vmotion", "vSphereProvisioning": "vSphereProvisioning"}

func (h *host) vnic(dev string) *vnic {
	for _, v := range h.Vnics {
		if v.Device == dev {
			return v
		}
	}
	return nil
}

func (h *host) pg(name string) *portgroup {
	for _, p := range h.Portgroups {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (h *host) vs(name string) *vswitch {
	for _, v := range h.Vswitches {
		if v.Name == name {
			return v
		}
	}
	return nil
}

func (h *host) stack(key string) *stack {
	for _, s := range h.Stacks {
		if s.Key == key {
			return s
		}
	}
	return nil
}

func (h *host) vnicOnPG(pg string) *vnic {
	for _, v := range h.Vnics {
		if v.Portgroup == pg {
			return v
		}
	}
	return nil
}

func (h *host) binding(dev string) *binding {
	for _, b := range h.Bindings {
		if b.Vnic == dev {
			return b
		}
	}
	return nil
}

// nextDevice is the lowest free vmkN, as ESXi numbers new vmknics.
func (h *host) nextDevice() string {
	for i := 0; ; i++ {
		d := fmt.Sprintf("vmk%d", i)
		if h.vnic(d) == nil {
			return d
		}
	}
}

// newMac gives VMware-OUI MACs that are unique per host and vmknic.
func (h *host) newMac() string {
	h.nextMac++
	return fmt.Sprintf("00:50:56:%02x:%02x:%02x", (h.Index>>8)&0x3f|0x40, h.Index&0xff, h.nextMac&0xff)
}

// effective teaming of a port group: its own override or the vSwitch's order. Unused = the
// rest of the vSwitch's uplinks.
func (h *host) effTeaming(p *portgroup) (active, standby, unused []string) {
	vs := h.vs(p.Vswitch)
	t := teaming{}
	if vs != nil {
		t = vs.Teaming
	}
	if p.Teaming != nil {
		t = *p.Teaming
	}
	used := map[string]bool{}
	for _, n := range t.Active {
		used[n] = true
	}
	for _, n := range t.Standby {
		used[n] = true
	}
	if vs != nil {
		for _, n := range vs.Uplinks {
			if !used[n] {
				unused = append(unused, n)
			}
		}
	}
	return t.Active, t.Standby, unused
}

// vnicService reports whether dev carries nicType, taking stacks into account: vmknics on the
// vmotion / vSphereProvisioning stacks carry that traffic implicitly, and once the vmotion
// stack has a vmknic, vMotion on default-stack vmknics is disabled (ESXI-NETWORKING.md 1.3).
func (h *host) selected(nicType string) []string {
	var out []string
	implied := map[string]string{"vmotion": "vmotion", "vSphereProvisioning": "vSphereProvisioning"}
	if stk, ok := implied[nicType]; ok {
		for _, v := range h.Vnics {
			if v.Stack == stk {
				out = append(out, v.Device)
			}
		}
		if nicType == "vmotion" && len(out) > 0 {
			return out
		}
	}
	for _, d := range h.Services[nicType] {
		if v := h.vnic(d); v != nil && v.Stack == "defaultTcpipStack" {
			out = append(out, d)
		}
	}
	return out
}

func (h *host) dropServices(dev string) {
	for t, l := range h.Services {
		var keep []string
		for _, d := range l {
			if d != dev {
				keep = append(keep, d)
			}
		}
		h.Services[t] = keep
	}
}

// mgmtVnic is the vmknic holding the address vCenter uses to reach the host: the host's name
// is its management IP in this lab.
func (h *host) mgmtVnic() *vnic {
	for _, v := range h.Vnics {
		if v.IP != "" && v.IP == h.Name {
			return v
		}
	}
	return nil
}

func maskLen(mask string) (int, bool) {
	ip := net.ParseIP(mask).To4()
	if ip == nil {
		return 0, false
	}
	ones, bits := net.IPMask(ip).Size()
	if bits == 0 {
		return 0, false
	}
	return ones, true
}

func lenMask(n int) string {
	m := net.CIDRMask(n, 32)
	return net.IP(m).String()
}

// snapshot / restore of a host's model: mutate() restores it when a call fails half-way, so a
// failed call changes nothing.
type snap struct {
	Vswitches    []*vswitch
	Portgroups   []*portgroup
	Vnics        []*vnic
	Stacks       []*stack
	Services     map[string][]string
	Bindings     []*binding
	IscsiEnabled bool
	Targets      bool
	Conn         string
	Maint, Ipv6  bool
}

func (h *host) snapshot() []byte {
	b, err := json.Marshal(snap{h.Vswitches, h.Portgroups, h.Vnics, h.Stacks, h.Services, h.Bindings, h.IscsiEnabled, h.Targets, h.Conn, h.Maint, h.Ipv6})
	if err != nil {
		panic(err)
	}
	return b
}

func (h *host) restore(b []byte) {
	var s snap
	if err := json.Unmarshal(b, &s); err != nil {
		panic(err)
	}
	h.Vswitches, h.Portgroups, h.Vnics, h.Stacks, h.Services, h.Bindings = s.Vswitches, s.Portgroups, s.Vnics, s.Stacks, s.Services, s.Bindings
	h.IscsiEnabled, h.Targets, h.Conn, h.Maint, h.Ipv6 = s.IscsiEnabled, s.Targets, s.Conn, s.Maint, s.Ipv6
	if h.Services == nil {
		h.Services = map[string][]string{}
	}
	h.obj.Runtime.InMaintenanceMode = h.Maint
	h.obj.Runtime.ConnectionState = types.HostSystemConnectionState(h.Conn)
}

// lease returns the deterministic DHCP address of a vmknic on a VLAN ("", "" without a DHCP
// segment for that VLAN: the vmknic has no lease, as with no DHCP server answering).
func lease(h *host, v *vnic, vlan int32) (string, string) {
	for i := range lab.dhcp {
		seg := &lab.dhcp[i]
		if seg.Vlan != vlan {
			continue
		}
		key := fmt.Sprintf("%s/%s/%d", h.Name, v.Device, vlan)
		ones, _ := seg.Net.Mask.Size()
		mask := lenMask(ones)
		if ip, ok := lab.leases[key]; ok {
			return ip, mask
		}
		base := binary.BigEndian.Uint32(seg.Net.IP.To4())
		seg.Next++
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, base+99+seg.Next) // leases start at .100
		lab.leases[key] = ip.String()
		return ip.String(), mask
	}
	return "", ""
}

// Router-advertisement segments: a vmknic with IPv6 autoconfiguration on a port group whose
// VLAN has a segment gets a SLAAC (origin linklayer) address: the /64 prefix + EUI-64 of its MAC.
type raSegment struct {
	Vlan int32
	Net  *net.IPNet
}

var raSegs []raSegment

func slaac(prefix *net.IPNet, mac string) string {
	ll := net.ParseIP(linkLocal(mac))
	ip := make(net.IP, 16)
	copy(ip, prefix.IP.To16())
	copy(ip[8:], ll[8:])
	return ip.String()
}

func (h *host) applySlaac(v *vnic) bool {
	want := ""
	if v.Autoconf && h.Ipv6 {
		if p := h.pg(v.Portgroup); p != nil {
			for _, s := range raSegs {
				if s.Vlan == p.Vlan {
					want = slaac(s.Net, v.Mac)
				}
			}
		}
	}
	var keep []v6addr
	changed, have := false, false
	for _, a := range v.V6 {
		if a.Origin == "linklayer" && a.Address != want {
			changed = true
			continue
		}
		have = have || a.Address == want
		keep = append(keep, a)
	}
	if want != "" && !have {
		keep = append(keep, v6addr{Address: want, Prefix: 64, Origin: "linklayer", Dad: "preferred"})
		changed = true
	}
	v.V6 = keep
	return changed
}
