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
	"sort"
	"strconv"
	"strings"
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
	FromRA  bool // given because of a router advertisement (SLAAC, or DHCPv6 on the M flag)
}

// attachment is where a vmknic is plugged in, one of two kinds: a standard port group
// (Portgroup, by name) or a distributed port (Dv: switch UUID, portgroup key, port key). Exactly
// one is set. Whatever depends on it reads it through one port-group view (host.viewOf).
type attachment struct {
	Portgroup string    // standard port group; "" on a distributed port
	Dv        *dvAttach // distributed port; nil on a standard port group
}

func onPortgroup(name string) attachment { return attachment{Portgroup: name} }

type vnic struct {
	Device string
	attachment
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
	Key, Name string
	Gateway   string
	Gateway6  string
	Dns       *types.HostDnsConfig
	CC        string
	MaxConn   int32
	StaticV4  []types.HostIpRouteEntry
	StaticV6  []types.HostIpRouteEntry
}

type binding struct {
	Vnic       string
	PathStatus string // set by a scenario (notUsed, active, standBy, lastActive); "" = derived
	// Uplink is the vmknic's single active uplink when it was bound: the pNIC the HBA binding is
	// associated with. Changing the port group's active uplink later makes the binding
	// non-compliant (IscsiFaultVnicHasWrongUplink) until it is rebound (ESXI-NETWORKING.md 2.5).
	Uplink string
	// AluaStandby: the port's paths lead to an ALUA standby target port (scenario choice).
	AluaStandby bool
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

	// baseNetworks: the datacenter networks the host had before the lab (HostSystem.network
	// lists them, then the dvPortgroups of its switches).
	baseNetworks []types.ManagedObjectReference

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

	Conn    string // connected, notResponding, disconnected
	Maint   bool
	nextMac int
	// NoLink lists pNICs without link (scenario): rendered without linkSpeed, and unusable for
	// vCenter's path to the host.
	NoLink map[string]bool
}

// lab is the whole simulated estate.
var lab = struct {
	hosts  []*host
	byRef  map[types.ManagedObjectReference]*host
	byName map[string]*host
	upSeq  int64
	dhcp   []dhcpSegment
	leases map[string]string // host/vmk -> leased IP, stable across renews
	esx    bool
	// vcenter is the IPv4 address vCenter reaches the hosts from (summary.managementServerIp).
	// By default it sits in the hosts' management subnet, as in most estates.
	vcenter string
	// segmentMtu is the largest frame the physical network of a VLAN carries (default 9000).
	segmentMtu map[int32]int32
	// netFolder is the datacenter's network folder (distributed switches live there).
	netFolder types.ManagedObjectReference
}{vcenter: "10.10.0.10", segmentMtu: map[int32]int32{}, byRef: map[types.ManagedObjectReference]*host{}, byName: map[string]*host{}, leases: map[string]string{}}

type dhcpSegment struct {
	Vlan    int32
	Net     *net.IPNet
	Next    uint32 // next host offset to lease
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

// pgView is what a vmknic's attachment gives it, whichever kind it is (a standard port group or
// a distributed port): the switch, the VLAN its frames are in, its effective teaming as the
// host's pNICs, and the switch's MTU. Everything that depends on where a vmknic is plugged in
// (vCenter's path, DHCP and router segments, iSCSI compliance) reads it through this view.
type pgView struct {
	Name    string // port group or dvPortgroup name
	Switch  string // vSwitch or distributed switch name
	Vlan    int32
	Active  []string
	Standby []string
	Unused  []string
	Uplinks []string // every pNIC of the switch on this host
	Mtu     int32
	// Distributed port only.
	Dv *dvAttach
}

// viewOf: nil when the vmknic's port group (or dvPortgroup, or switch membership) is gone.
func (h *host) viewOf(v *vnic) *pgView {
	if v.Dv != nil {
		d, p := portgroupAnywhere(v.Dv.PortgroupKey)
		if d == nil || d.member(h) == nil {
			return nil
		}
		t := d.effTeaming(p)
		var rest []string
		for _, n := range d.Uplinks {
			if indexOf(t.Active, n) < 0 && indexOf(t.Standby, n) < 0 {
				rest = append(rest, n)
			}
		}
		return &pgView{Name: p.Name, Switch: d.Name, Vlan: d.effVlan(p).accessVlan(), Active: d.pnicsOf(h, t.Active),
			Standby: d.pnicsOf(h, t.Standby), Unused: d.pnicsOf(h, rest), Uplinks: d.pnicsOf(h, d.Uplinks), Mtu: d.Mtu, Dv: v.Dv}
	}
	p := h.pg(v.Portgroup)
	if p == nil {
		return nil
	}
	active, standby, unused := h.effTeaming(p)
	mtu, uplinks := int32(1500), []string(nil)
	if vs := h.vs(p.Vswitch); vs != nil {
		mtu, uplinks = vs.Mtu, copyS(vs.Uplinks)
	}
	return &pgView{Name: p.Name, Switch: p.Vswitch, Vlan: p.Vlan, Active: active, Standby: standby, Unused: unused, Uplinks: uplinks, Mtu: mtu}
}

func (a *dvAttach) equal(b *dvAttach) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// same: the vmknic is already where the connection asks (same switch and portgroup, and the same
// port when one is named).
func (a *dvAttach) same(c *types.DistributedVirtualSwitchPortConnection) bool {
	return a != nil && a.SwitchUuid == c.SwitchUuid && (c.PortgroupKey == "" || a.PortgroupKey == c.PortgroupKey) &&
		(c.PortKey == "" || a.PortKey == c.PortKey)
}

func (h *host) onSwitch() bool { return len(switchesOf(h)) > 0 }

// selected lists the vmknics that carry nicType, taking stacks into account: vmknics on the
// vmotion / vSphereProvisioning stacks carry that traffic implicitly, and once such a stack has a
// vmknic, that traffic on default-stack vmknics is disabled (ESXI-NETWORKING.md 1.3; vSphere 6.5
// Networking, "Create a VMkernel adapter": "VMkernel adapters on the default TCP/IP stack are
// disabled for the provisioning service"). The tag itself is kept: it is listed again once the
// stack has no vmknic left.
func (h *host) selected(nicType string) []string {
	var out []string
	implied := map[string]string{"vmotion": "vmotion", "vSphereProvisioning": "vSphereProvisioning"}
	if stk, ok := implied[nicType]; ok {
		for _, v := range h.Vnics {
			if v.Stack == stk {
				out = append(out, v.Device)
			}
		}
		if len(out) > 0 {
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
		h.Services[t] = without(l, dev)
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

// Router-advertisement segments: a router on a VLAN announces a /64. A vmknic with IPv6
// autoconfiguration on a port group of that VLAN gets a SLAAC (origin linklayer) address, the
// prefix + EUI-64 of its MAC, and its stack learns the IPv6 default route from the router (gateway =
// the router's link-local address). With the M (managed) flag set, the DHCPv6 server the router
// points to also gives the vmknic a "dhcp"-origin address, even with DHCPv6 off on the vmknic:
// ESXi 6.5+ honours the M and O flags of router advertisements (vSphere 6.5 Networking, "Create a
// VMkernel adapter"; the recorded 6.7u3 host shows such an address with dhcpV6Enabled false).
type raSegment struct {
	Vlan    int32
	Net     *net.IPNet
	Managed bool
	Router  string // the router's link-local address
}

var raSegs []raSegment

func slaac(prefix *net.IPNet, mac string) string {
	ll := net.ParseIP(linkLocal(mac))
	ip := make(net.IP, 16)
	copy(ip, prefix.IP.To16())
	copy(ip[8:], ll[8:])
	return ip.String()
}

// dhcpv6Address is the deterministic address a DHCPv6 server gives a vmknic: prefix::d:<host>:<vmk>.
func dhcpv6Address(prefix *net.IPNet, h *host, v *vnic) string {
	ip := make(net.IP, 16)
	copy(ip, prefix.IP.To16())
	n, _ := strconv.Atoi(strings.TrimPrefix(v.Device, "vmk"))
	binary.BigEndian.PutUint16(ip[10:], 0xd)
	binary.BigEndian.PutUint16(ip[12:], uint16(h.Index))
	binary.BigEndian.PutUint16(ip[14:], uint16(0x100+n))
	return ip.String()
}

// raSegment of a vmknic's port group VLAN, if a router announces there.
func (h *host) raSegment(v *vnic) *raSegment {
	if p := h.viewOf(v); p != nil {
		for i := range raSegs {
			if raSegs[i].Vlan == p.Vlan {
				return &raSegs[i]
			}
		}
	}
	return nil
}

// hearsRouter: the vmknic processes router advertisements (autoconfiguration on) on a segment
// with a router.
func (h *host) hearsRouter(v *vnic) *raSegment {
	if !h.Ipv6 || !v.Autoconf {
		return nil
	}
	return h.raSegment(v)
}

// applySlaac keeps the vmknic's router-given addresses in line with its settings and segment and
// reports whether they changed: the SLAAC address while autoconfiguration is on; the address of
// an M-flag RA's DHCPv6 server while autoconfiguration or DHCPv6 is on. A dhcp-origin address goes
// once both are off (whoever gave it).
func (h *host) applySlaac(v *vnic) bool {
	want := map[string]string{} // address -> origin
	seg := h.raSegment(v)
	if seg != nil && h.Ipv6 {
		if v.Autoconf {
			want[slaac(seg.Net, v.Mac)] = "linklayer"
		}
		if seg.Managed && (v.Autoconf || v.Dhcp6) {
			want[dhcpv6Address(seg.Net, h, v)] = "dhcp"
		}
	}
	var keep []v6addr
	changed := false
	have := map[string]bool{}
	for _, a := range v.V6 {
		stale := a.FromRA && want[a.Address] != a.Origin
		stale = stale || (a.Origin == "linklayer" && want[a.Address] != a.Origin)
		stale = stale || (a.Origin == "dhcp" && !v.Autoconf && !v.Dhcp6)
		if stale {
			changed = true
			continue
		}
		have[a.Address] = true
		keep = append(keep, a)
	}
	for _, addr := range sortedKeys(want) {
		if !have[addr] {
			keep = append(keep, v6addr{Address: addr, Prefix: 64, Origin: want[addr], Dad: "preferred", FromRA: true})
			changed = true
		}
	}
	v.V6 = keep
	return changed
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
