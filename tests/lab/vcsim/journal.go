package main

// Journal of mutating calls, and fault injection. Every lab method goes through mutate() (or
// injected() for reads), so a test can see exactly what the collection changed and can make
// the Nth call of a method fail.

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type entry struct {
	Seq     int64                  `json:"seq"`
	Time    string                 `json:"time"`
	Method  string                 `json:"method"`
	Host    *string                `json:"host"`
	Object  string                 `json:"object"`
	Args    map[string]interface{} `json:"args"`
	Fault   string                 `json:"fault,omitempty"`
	Message string                 `json:"message,omitempty"`
	Event   string                 `json:"event,omitempty"` // hold/drop primitives (holds.go)
}

type faultRule struct {
	Method  string `json:"method"`
	Host    string `json:"host"`
	Nth     int    `json:"nth"`
	Count   int    `json:"count"`
	Fault   string `json:"fault"`
	Message string `json:"message,omitempty"`
	Seen    int    `json:"seen"`
	Fired   int    `json:"fired"`
}

var journal = struct {
	sync.Mutex
	seq     int64
	entries []entry
	faults  []*faultRule
}{}

func record(e entry) {
	journal.Lock()
	defer journal.Unlock()
	journal.seq++
	e.Seq = journal.seq
	e.Time = time.Now().UTC().Format(time.RFC3339Nano)
	if e.Args == nil {
		e.Args = map[string]interface{}{}
	}
	journal.entries = append(journal.entries, e)
}

// newFault builds a vim fault by its type name (HostConfigFault, NotFound, ...).
func newFault(name string) (types.BaseMethodFault, error) {
	t, ok := types.TypeFunc()(name)
	if !ok {
		return nil, fmt.Errorf("unknown fault type %q", name)
	}
	f, ok := reflect.New(t).Interface().(types.BaseMethodFault)
	if !ok {
		return nil, fmt.Errorf("%q is not a fault type", name)
	}
	if r, ok := f.(*types.ResourceInUse); ok { // pyVmomi needs a real type name here
		r.Type = "HostVirtualNic"
	}
	return f, nil
}

func addFault(r *faultRule) error {
	if r.Method == "" {
		return fmt.Errorf("fault needs a method")
	}
	if r.Host == "" {
		r.Host = "*"
	}
	if r.Nth < 1 {
		r.Nth = 1
	}
	if r.Count < 1 {
		r.Count = 1
	}
	if r.Fault == "" {
		r.Fault = "HostConfigFault"
	}
	if _, err := newFault(r.Fault); err != nil {
		return err
	}
	journal.Lock()
	journal.faults = append(journal.faults, r)
	journal.Unlock()
	return nil
}

// injected counts the call against every matching rule and returns the fault to raise, if any.
// obj is the moref value of the object called, which a rule's host may name instead of a host
// (a distributed switch or dvPortgroup).
func injected(method string, h *host, obj string) (types.BaseMethodFault, string) {
	journal.Lock()
	defer journal.Unlock()
	for _, r := range journal.faults {
		if fires(method, h, obj, r.Method, r.Host, r.Nth, r.Count, &r.Seen, &r.Fired) {
			f, _ := newFault(r.Fault)
			msg := r.Message
			if msg == "" {
				msg = fmt.Sprintf("lab: injected %s for %s", r.Fault, method)
			}
			return f, msg
		}
	}
	return nil, ""
}

type labErr struct {
	msg   string
	fault types.BaseMethodFault
}

func fail(f types.BaseMethodFault, format string, a ...interface{}) *labErr {
	return &labErr{msg: fmt.Sprintf(format, a...), fault: f}
}

func faultName(f types.BaseMethodFault) string {
	return reflect.TypeOf(f).Elem().Name()
}

// connErr is what a method on a host that is not connected gets. vCenter refuses host
// operations on a disconnected host with HostNotConnected, and on a host it cannot reach with
// HostNotReachable (both vmodl runtime faults; assumption for which of the two vCenter picks).
func connErr(h *host) *labErr {
	switch h.Conn {
	case "connected":
		return nil
	case "notResponding":
		return fail(&types.HostNotReachable{}, "Cannot contact the specified host (%s). The host may not be available on the network, a network configuration problem may exist, or the management services on this host may not be responding.", h.Name)
	default:
		return fail(&types.HostNotConnected{}, "Unable to communicate with the remote host, since it is disconnected.")
	}
}

// mutate runs one mutating call: injected fault, connection check, the change itself, journal,
// re-render. fn must validate before it changes anything, so a failed call changes nothing.
func mutate(h *host, method string, obj types.ManagedObjectReference, args map[string]interface{}, needConn bool, fn func() *labErr) *labErr {
	var err *labErr
	var saved []byte
	if h != nil {
		saved = h.snapshot()
	}
	// A vmknic connecting to a distributed port may add a port to its dvPortgroup.
	savedSwitches := switchesSnapshot()
	if f, msg := injected(method, h, obj.Value); f != nil {
		err = &labErr{msg: msg, fault: f}
	} else if needConn {
		err = connErr(h)
	}
	if err == nil {
		err = fn()
	}
	e := entry{Method: method, Object: obj.Value, Args: args}
	if h != nil {
		n := h.Name
		e.Host = &n
	}
	if err != nil {
		e.Fault = faultName(err.fault)
		e.Message = err.msg
	}
	record(e)
	if err != nil {
		restoreSwitches(savedSwitches)
	}
	if h != nil {
		if err != nil {
			h.restore(saved)
		} else {
			h.refresh()
		}
	}
	if err == nil && len(switches) > 0 && h != nil && h.onSwitch() {
		for _, d := range switchesOf(h) {
			d.render()
		}
	}
	return err
}

// read runs a non-mutating lab method: faults can be injected, nothing is journaled.
func read(h *host, method string, needConn bool, fn func() *labErr) *labErr {
	if f, msg := injected(method, h, ""); f != nil {
		return &labErr{msg: msg, fault: f}
	}
	if needConn {
		if err := connErr(h); err != nil {
			return err
		}
	}
	return fn()
}

func (e *labErr) soap() *soap.Fault {
	if e == nil {
		return nil
	}
	return simulator.Fault(e.msg, e.fault)
}
