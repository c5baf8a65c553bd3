package main

// CustomFieldsManager as vCenter has it, replacing govmomi 0.24.2's, which is wrong in ways the
// collection's change records depend on:
//   - its SetField appends a second value for a key instead of replacing the value, so
//     `customValue` grows and a reader cannot tell which value is current;
//   - it type-asserts the entity without a check (an unknown entity panics the handler);
//   - its keys start at 0 (vCenter's are positive) and nothing is journaled.
// Here: AddCustomFieldDef (DuplicateName when the name exists for the type, as vCenter does),
// SetField replacing the value of its key on the entity's `customValue` and `value`, and
// InvalidArgument for an unknown key, an unknown entity or a field of another type. Entities: hosts
// and distributed switches (where the vCenter-level steps keep their records). Both calls
// are journaled and can be made to fail or be held like every lab method. The fields are made
// `availableField` of every HostSystem. Setting an empty string keeps an empty value (assumption:
// vCenter shows an empty attribute; readers treat empty as "no value").
// SetCustomValue (ExtensibleManagedObject) is stock and type-asserts the stock manager: not used.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labCustomFields struct {
	mo.CustomFieldsManager // by value, first
	labLocker
	nextKey int32
}

// installCustomFields replaces the stock CustomFieldsManager (vCenter only; ESXi has none).
func installCustomFields() {
	si, ok := simulator.Map.Get(types.ManagedObjectReference{Type: "ServiceInstance", Value: "ServiceInstance"}).(*simulator.ServiceInstance)
	if !ok {
		return
	}
	ref := si.Content.CustomFieldsManager
	if ref == nil {
		return
	}
	stock, ok := simulator.Map.Get(*ref).(*simulator.CustomFieldsManager)
	if !ok {
		return
	}
	c := &labCustomFields{CustomFieldsManager: stock.CustomFieldsManager, nextKey: 100}
	simulator.Map.Put(c)
}

func (c *labCustomFields) AddCustomFieldDef(req *types.AddCustomFieldDef) soap.HasFault {
	var def types.CustomFieldDef
	args := map[string]interface{}{"name": req.Name, "moType": req.MoType}
	err := mutate(nil, "AddCustomFieldDef", c.Self, args, false, func() *labErr {
		for _, f := range c.Field {
			if f.Name == req.Name && (f.ManagedObjectType == "" || req.MoType == "" || f.ManagedObjectType == req.MoType) {
				return fail(&types.DuplicateName{Name: req.Name, Object: c.Self}, "The name '%s' already exists.", req.Name)
			}
		}
		c.nextKey++
		def = types.CustomFieldDef{Key: c.nextKey, Name: req.Name, ManagedObjectType: req.MoType, Type: "string",
			FieldDefPrivileges: req.FieldDefPolicy, FieldInstancePrivileges: req.FieldPolicy}
		c.Field = append(append([]types.CustomFieldDef{}, c.Field...), def)
		args["key"] = def.Key
		if req.MoType == "" || req.MoType == "HostSystem" {
			for _, h := range lab.hosts { // lab objects share labMu, which this call holds
				h.obj.AvailableField = append(append([]types.CustomFieldDef{}, h.obj.AvailableField...), def)
			}
		}
		if fieldAppliesToSwitch(req.MoType) {
			for _, d := range switches {
				if o, ok := simulator.Map.Get(d.Ref).(*labDvs); ok {
					o.AvailableField = append(append([]types.CustomFieldDef{}, o.AvailableField...), def)
				}
			}
		}
		return nil
	})
	if err != nil {
		return &methods.AddCustomFieldDefBody{Fault_: err.soap()}
	}
	return &methods.AddCustomFieldDefBody{Res: &types.AddCustomFieldDefResponse{Returnval: def}}
}

func (c *labCustomFields) SetField(req *types.SetField) soap.HasFault {
	h := lab.byRef[req.Entity]
	args := map[string]interface{}{"entity": req.Entity.Value, "key": req.Key, "length": len(req.Value)}
	err := mutate(h, "SetField", c.Self, args, false, func() *labErr {
		var field *types.CustomFieldDef
		for i := range c.Field {
			if c.Field[i].Key == req.Key {
				field = &c.Field[i]
			}
		}
		if field == nil {
			return invalidArg("key", "no custom field with key %d", req.Key)
		}
		value := &types.CustomFieldStringValue{CustomFieldValue: types.CustomFieldValue{Key: req.Key}, Value: req.Value}
		if d, ok := simulator.Map.Get(req.Entity).(*labDvs); ok && h == nil {
			if !fieldAppliesToSwitch(field.ManagedObjectType) {
				return invalidArg("entity", "field %s applies to %s", field.Name, field.ManagedObjectType)
			}
			d.CustomValue = replaceFieldValue(d.CustomValue, value)
			d.Value = replaceFieldValue(d.Value, value)
			simulator.Map.Update(d, []types.PropertyChange{{Name: "customValue", Val: d.CustomValue}, {Name: "value", Val: d.Value}})
			return nil
		}
		if h == nil {
			return invalidArg("entity", "%s is not a host or distributed switch of this lab", req.Entity.Value)
		}
		if field.ManagedObjectType != "" && field.ManagedObjectType != "HostSystem" {
			return invalidArg("entity", "field %s applies to %s", field.Name, field.ManagedObjectType)
		}
		h.obj.CustomValue = replaceFieldValue(h.obj.CustomValue, value)
		h.obj.Value = replaceFieldValue(h.obj.Value, value)
		return nil
	})
	return &methods.SetFieldBody{Res: &types.SetFieldResponse{}, Fault_: err.soap()}
}

// fieldAppliesToSwitch: a field for every type, or for distributed switches (vCenter applies a
// field of a type to its subtypes: DistributedVirtualSwitch covers VmwareDistributedVirtualSwitch).
func fieldAppliesToSwitch(moType string) bool {
	return moType == "" || moType == "DistributedVirtualSwitch" || moType == "VmwareDistributedVirtualSwitch"
}

// replaceFieldValue returns a new list with the value of value's key replaced (or appended).
func replaceFieldValue(values []types.BaseCustomFieldValue, value *types.CustomFieldStringValue) []types.BaseCustomFieldValue {
	out := make([]types.BaseCustomFieldValue, 0, len(values)+1)
	replaced := false
	for _, v := range values {
		if v.GetCustomFieldValue().Key == value.Key {
			out = append(out, value)
			replaced = true
		} else {
			out = append(out, v)
		}
	}
	if !replaced {
		out = append(out, value)
	}
	return out
}
