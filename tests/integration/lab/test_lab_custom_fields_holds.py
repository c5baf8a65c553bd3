"""Custom fields (CustomFieldsManager) and the hold / drop test primitives of the lab."""

import http.client
import threading

import pytest
from conftest import add_pg, connect, pg, retrieve
from pyVmomi import vim, vmodl

H = "10.10.0.28"
OTHER = "10.10.0.29"


def _field(si, name):
    manager = si.content.customFieldsManager
    try:
        return manager.AddCustomFieldDef(name=name, moType=vim.HostSystem)
    except vim.fault.DuplicateName:
        return next(f for f in manager.field if f.name == name)


def _own_host(lab, host):
    """The host through a session of its own, so that a held or dropped call blocks only it."""
    return vim.HostSystem(host._moId, connect(lab)._stub)


def test_custom_field_definition_and_values(lab, si, hosts):
    manager = si.content.customFieldsManager
    lab.clear_journal()
    field = manager.AddCustomFieldDef(name="lab.test", moType=vim.HostSystem)
    assert field.key > 0 and field.name == "lab.test" and field.managedObjectType == vim.HostSystem
    with pytest.raises(vim.fault.DuplicateName):
        manager.AddCustomFieldDef(name="lab.test", moType=vim.HostSystem)
    host = hosts[H]
    manager.SetField(entity=host, key=field.key, value="one")
    manager.SetField(entity=host, key=field.key, value="two")  # replaces, never appends
    props = retrieve(si, ["name", "customValue", "availableField"])
    values = [(v.key, v.value) for v in props[H]["customValue"]]
    assert values == [(field.key, "two")]
    assert not props[OTHER].get("customValue")
    assert field.key in [f.key for f in props[OTHER]["availableField"]]
    assert field.key in [f.key for f in manager.field]
    with pytest.raises(vmodl.fault.InvalidArgument):
        manager.SetField(entity=host, key=field.key + 1000, value="x")
    journal = lab.journal(records=True)
    assert [(e["method"], e.get("fault")) for e in journal] == [
        ("AddCustomFieldDef", None), ("AddCustomFieldDef", "DuplicateName"),
        ("SetField", None), ("SetField", None), ("SetField", "InvalidArgument")]
    assert journal[2]["host"] == H and journal[2]["args"] == {"entity": host._moId, "key": field.key, "length": 3}


def test_set_field_fault_changes_nothing(lab, si, hosts):
    field = _field(si, "lab.fault")
    host = hosts[H]
    si.content.customFieldsManager.SetField(entity=host, key=field.key, value="kept")
    lab.inject_fault("SetField", host=H, fault="SystemError")
    with pytest.raises(vmodl.fault.SystemError):
        si.content.customFieldsManager.SetField(entity=host, key=field.key, value="lost")
    lab.clear_faults()
    values = {v.key: v.value for v in retrieve(si, ["name", "customValue"])[H]["customValue"]}
    assert values[field.key] == "kept"


def test_hold_blocks_one_call_until_released(lab, hosts):
    lab.clear_journal()
    lab.hold("AddPortGroup", host=H)
    errors = []

    def call():
        try:
            add_pg(_own_host(lab, hosts[H]), "Held1")
        except Exception as error:  # reported to the test thread
            errors.append(error)

    worker = threading.Thread(target=call)
    worker.start()
    held = lab.wait_held()
    assert (held["method"], held["host"]) == ("AddPortGroup", H)
    add_pg(hosts[OTHER], "NotHeld")          # other hosts and reads go on meanwhile
    assert pg(hosts[H], "Held1") is None     # the held call has not run
    assert lab.release_held(held["id"]) == 1
    worker.join(30)
    assert not worker.is_alive() and errors == []
    assert pg(hosts[H], "Held1") is not None
    events = [(e["method"], e.get("event"), e["host"]) for e in lab.journal()]
    assert events == [("AddPortGroup", "held", H), ("AddPortGroup", None, OTHER),
                      ("AddPortGroup", "released", H), ("AddPortGroup", None, H)]
    lab.clear_holds()


def test_hold_times_out_and_then_runs(lab, hosts):
    lab.clear_journal()
    lab.hold("AddPortGroup", host=H, timeout_s=0.3)
    add_pg(hosts[H], "HeldTimeout")
    assert pg(hosts[H], "HeldTimeout") is not None
    assert [e.get("event") for e in lab.journal()] == ["held", "hold timed out", None]
    lab.clear_holds()


@pytest.mark.parametrize("when, applied", [("before", False), ("after", True)])
def test_drop_closes_the_connection_without_an_answer(lab, hosts, when, applied):
    name = "Dropped-" + when
    lab.clear_journal()
    lab.drop("AddPortGroup", host=H, when=when)
    target = _own_host(lab, hosts[H])
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        add_pg(target, name)
    assert (pg(hosts[H], name) is not None) == applied
    events = [(e["method"], e.get("event")) for e in lab.journal()]
    expected = [("AddPortGroup", None), ("AddPortGroup", "dropped after the call")] if applied else [("AddPortGroup", "dropped")]
    assert events == expected
    assert lab.holds()["rules"][0]["fired"] == 1
    lab.clear_holds()
