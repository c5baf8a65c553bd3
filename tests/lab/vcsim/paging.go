package main

// Paged PropertyCollector retrievals, as vCenter does them (govmomi 0.24.2's simulator returns
// every object in one result and has no ContinueRetrievePropertiesEx).
//
// RetrievePropertiesEx returns at most min(options.maxObjects, pageCap) objects and a token
// when more remain; ContinueRetrievePropertiesEx returns the next page for that token, and
// CancelRetrievePropertiesEx discards it. A token belongs to the session that started the
// retrieval; an unknown, finished, cancelled or foreign token gives InvalidProperty (name
// "token"), the only fault the API declares for both methods. maxObjects <= 0 gives
// InvalidArgument ("a value less than or equal to 0 is illegal", RetrieveOptions; an explicit 0
// cannot be told from an unset value once decoded, so only negative values are refused).
//
// Which objects match is decided when the retrieval starts; each page's properties are read
// when that page is served, so a host changed between two pages reads back changed if it is
// in a later page and unchanged if it was in an earlier one. vCenter documents no snapshot
// across pages, so clients must not rely on one; each object is still read whole, under the
// lab's lock, never half before and half after a change.

import (
	"strconv"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// pageCap is the most objects one page carries, whatever the client asks for (vCenter's
// PropertyCollector policy). 100 is what vCenter returns when maxObjects is unset (reported by
// govc, the vSphere Java SDK and ManageIQ users); that it also caps larger maxObjects at 100
// is an assumption (tests/lab/README.md).
const pageCap = 100

// pagedRetrieval is what remains of one retrieval: the objects still to be read and how.
type pagedRetrieval struct {
	session  string
	pageSize int
	rest     []types.ManagedObjectReference
	propSet  []types.PropertySpec
	missing  *bool // FilterSpec.reportMissingObjectsInResults
}

var (
	pagingMu    sync.Mutex
	retrievals  = map[string]*pagedRetrieval{}
	lastTokenID int
)

// pagingCollector replaces the root PropertyCollector. The simulator gives every session its
// own zero-valued instance of this type (Session.Get), so it holds no state of its own.
type pagingCollector struct {
	simulator.PropertyCollector
}

func installPaging() {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	pc := &pagingCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)
}

func sessionKey(ctx *simulator.Context) string {
	if ctx.Session == nil {
		return ""
	}
	return ctx.Session.Key
}

func badToken() *soap.Fault {
	return simulator.Fault("", &types.InvalidProperty{Name: "token"})
}

func (pc *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	body := &methods.RetrievePropertiesExBody{}
	size := pageCap
	// An explicit 0 is illegal too, but decodes like an unset value: only < 0 is refused.
	if r.Options.MaxObjects < 0 {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxObjects"})
		return body
	}
	if r.Options.MaxObjects > 0 && int(r.Options.MaxObjects) < size {
		size = int(r.Options.MaxObjects)
	}
	// Which objects: the stock collector with every path removed answers that cheaply.
	var propSet []types.PropertySpec
	for _, spec := range r.SpecSet {
		propSet = append(propSet, spec.PropSet...)
	}
	selectOnly := *r
	selectOnly.SpecSet = nil
	for _, spec := range r.SpecSet {
		spec.PropSet = nil
		for _, p := range propSet {
			spec.PropSet = append(spec.PropSet, types.PropertySpec{Type: p.Type})
		}
		selectOnly.SpecSet = append(selectOnly.SpecSet, spec)
	}
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, &selectOnly).(*methods.RetrievePropertiesExBody)
	if res.Fault_ != nil {
		return res
	}
	var refs []types.ManagedObjectReference
	for _, o := range res.Res.Returnval.Objects {
		refs = append(refs, o.Obj)
	}
	var missing *bool
	if len(r.SpecSet) > 0 {
		missing = r.SpecSet[0].ReportMissingObjectsInResults
	}
	retrieval := &pagedRetrieval{session: sessionKey(ctx), pageSize: size, rest: refs, propSet: propSet, missing: missing}
	result, fault := pc.page(ctx, retrieval)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	body.Res = &types.RetrievePropertiesExResponse{Returnval: result}
	return body
}

// page reads the next objects of a retrieval and, when more remain, files it under a new token.
func (pc *pagingCollector) page(ctx *simulator.Context, retrieval *pagedRetrieval) (*types.RetrieveResult, *soap.Fault) {
	n := retrieval.pageSize
	if n > len(retrieval.rest) {
		n = len(retrieval.rest)
	}
	batch, rest := retrieval.rest[:n], retrieval.rest[n:]
	objects := make([]types.ObjectSpec, 0, n)
	for _, ref := range batch {
		objects = append(objects, types.ObjectSpec{Obj: ref, Skip: types.NewBool(false)})
	}
	req := &types.RetrievePropertiesEx{
		This: pc.Self,
		SpecSet: []types.PropertyFilterSpec{{
			PropSet: retrieval.propSet, ObjectSet: objects, ReportMissingObjectsInResults: retrieval.missing,
		}},
	}
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, req).(*methods.RetrievePropertiesExBody)
	if res.Fault_ != nil {
		return nil, res.Fault_
	}
	result := res.Res.Returnval
	if len(rest) > 0 {
		pagingMu.Lock()
		lastTokenID++
		result.Token = strconv.Itoa(lastTokenID)
		retrievals[result.Token] = &pagedRetrieval{session: retrieval.session, pageSize: retrieval.pageSize,
			rest: rest, propSet: retrieval.propSet, missing: retrieval.missing}
		pagingMu.Unlock()
	}
	return result, nil
}

// take removes and returns the retrieval filed under token, if it belongs to this session.
func take(ctx *simulator.Context, token string) *pagedRetrieval {
	pagingMu.Lock()
	defer pagingMu.Unlock()
	retrieval := retrievals[token]
	if retrieval == nil || retrieval.session != sessionKey(ctx) {
		return nil
	}
	delete(retrievals, token)
	return retrieval
}

func (pc *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}
	retrieval := take(ctx, r.Token)
	if retrieval == nil {
		body.Fault_ = badToken()
		return body
	}
	result, fault := pc.page(ctx, retrieval)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: *result}
	return body
}

func (pc *pagingCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	body := &methods.CancelRetrievePropertiesExBody{}
	if take(ctx, r.Token) == nil {
		body.Fault_ = badToken()
		return body
	}
	body.Res = &types.CancelRetrievePropertiesExResponse{}
	return body
}
