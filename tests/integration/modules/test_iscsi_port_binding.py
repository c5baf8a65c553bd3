# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmkernel.multihoming.iscsi_port_binding against the lab: bind and unbind in four steps with the
exact calls, the compliance and path-status checks, a fault at every call, refusals with no call."""

from __future__ import annotations

import pytest

from host_change_steps import HOST, facts, fault_at_every_call, four_steps, refused, run, warnings

PORTGROUPS = [
    {"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40},                                           # inherits both uplinks
    {"name": "iSCSI-B", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic3"], "standby": []},     # bindable
    {"name": "iSCSI-C", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic2"], "standby": ["vmnic3"]},
]
VSWITCHES = [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0", "vmnic1"]},
             {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}]
VMKNICS = [{"portgroup": "iSCSI-A", "ip": "10.40.0.11/24"}, {"portgroup": "iSCSI-B", "ip": "10.40.0.12/24"},
           {"portgroup": "iSCSI-C", "ip": "10.40.0.13/24"}]

# Software iSCSI disabled, nothing bound.
FRESH = {"inventory": {"hosts": 1, "clusters": 1},
         "hosts": [{"vswitches": VSWITCHES, "portgroups": PORTGROUPS, "vmknics": VMKNICS}]}
# Bound and in use: the adapter has targets; vmk1 carries the last path to a device.
IN_USE = {"inventory": {"hosts": 1, "clusters": 1},
          "hosts": [{"vswitches": VSWITCHES,
                     "portgroups": [dict(PORTGROUPS[0], active=["vmnic2"], standby=[]), PORTGROUPS[1], PORTGROUPS[2]],
                     "vmknics": VMKNICS,
                     "iscsi": {"enabled": True, "bind": ["vmk1", "vmk2"], "targets": True, "path_status": {"vmk1": "lastActive"}}}]}

BIND = {"vmknics": ["vmk1", "vmk2"], "uplinks": {"vmk1": "vmnic2"}, "enable_software_iscsi": True}
BIND_CALLS = ["UpdateSoftwareInternetScsiEnabled", "UpdatePortGroup", "BindVnic", "BindVnic", "RescanHba"]


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=FRESH)


@pytest.fixture
def in_use(lab_factory):
    return lab_factory(scenario=IN_USE)


def vmknic(host: dict, device: str) -> dict:
    return next(n for n in host["vmknics"] if n["device"] == device)


def portgroup(host: dict, name: str) -> dict:
    return next(p for p in host["portgroups"] if p["name"] == name)


def test_bind_four_steps(lab):
    checked, applied, journal = four_steps(lab, "iscsi_port_binding", BIND, BIND_CALLS)
    assert [e["args"] for e in journal] == [
        {"enabled": True},
        {"name": "iSCSI-A", "portgroup": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic2"], "standby": None},
        {"hba": "vmhba65", "device": "vmk1"},
        {"hba": "vmhba65", "device": "vmk2"},
        {"hba": "vmhba65"},
    ]
    after = facts(lab)
    assert after["software_iscsi_enabled"] is True
    assert portgroup(after, "iSCSI-A")["teaming"] == {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"]}
    for device in ("vmk1", "vmk2"):
        assert vmknic(after, device)["iscsi_bindings"] == [
            {"adapter": "vmhba65", "compliant": True, "compliance_reasons": [], "path_status": "notUsed"}]
    # Check mode names the adapter it is about to enable by the planner's placeholder.
    assert (checked["before"]["adapter"], checked["after"]["adapter"], applied["after"]["adapter"]) == ("software", "software", "vmhba65")
    assert checked["before"]["software_iscsi_enabled"] is False
    assert applied["after"]["bound_vmknics"] == ["vmk1", "vmk2"]
    assert [v["binding"]["compliant"] for v in checked["after"]["vmknics"]] == [True, True]


def test_unbind_four_steps(lab):
    run(lab, "iscsi_port_binding", BIND)
    checked, applied, journal = four_steps(lab, "iscsi_port_binding", {"vmknics": ["vmk2"], "state": "absent"},
                                           ["UnbindVnic", "RescanHba"])
    assert [e["args"] for e in journal] == [{"hba": "vmhba65", "device": "vmk2", "force": False}, {"hba": "vmhba65"}]
    assert vmknic(facts(lab), "vmk2")["iscsi_bindings"] == []
    assert applied["after"]["bound_vmknics"] == ["vmk1"] and applied["after"]["vmknics"][0]["binding"] is None
    # vmk1, vmk2 and vmk3 share a subnet: the audit reported it before (vmk3 is not bound), so no new warning.
    assert warnings(checked) == []


def test_unbind_with_active_paths_needs_force(in_use):
    refused(in_use, "iscsi_port_binding", {"vmknics": ["vmk2"], "state": "absent"},
            "vmk2 has active paths through vmhba65; ESXi unbinds it only with force")
    refused(in_use, "iscsi_port_binding", {"vmknics": ["vmk1"], "state": "absent"},
            "vmk1 carries the last active path to a device through vmhba65 (path status lastActive)")
    checked, applied, journal = four_steps(in_use, "iscsi_port_binding", {"vmknics": ["vmk2"], "state": "absent", "force": True},
                                           ["UnbindVnic", "RescanHba"])
    assert journal[0]["args"] == {"hba": "vmhba65", "device": "vmk2", "force": True}
    assert checked["before"]["vmknics"][0]["binding"]["path_status"] == "active"


def test_absent_on_a_disabled_adapter_changes_nothing(lab):
    lab.clear_journal()
    result = run(lab, "iscsi_port_binding", {"vmknics": ["vmk1"], "state": "absent"})
    assert (result["changed"], result["status"], result["commands"]) == (False, "unchanged", [])
    assert lab.journal() == []


def test_fault_at_every_call_rolls_back(lab):
    fault_at_every_call(lab, "iscsi_port_binding", BIND)


def test_fault_rollback_disables_software_iscsi_again(lab):
    lab.inject_fault("BindVnic", host=HOST, nth=2, fault="PlatformConfigFault", message="binding failed")
    result = run(lab, "iscsi_port_binding", BIND)
    assert result["failed"] is True and result["status"] == "rolled_back"
    assert result["msg"] == f"{HOST}: BindVnic failed: PlatformConfigFault: binding failed (rolled back, verified)"
    assert [op["op"] for op in result["rollback"]["executed"]] == [
        "UpdatePortGroup", "UnbindVnic", "RescanHba", "UpdateSoftwareInternetScsiEnabled"]
    assert result["after"]["software_iscsi_enabled"] is False


def test_uplink_of_a_bound_vmknic_is_not_moved(lab):
    """The binding belongs to the single active uplink it was made with (ESXi reports
    IscsiFaultVnicHasWrongUplink after a change): re-pointing a bound vmk1 is refused."""
    run(lab, "iscsi_port_binding", {"vmknics": ["vmk1"], "uplinks": {"vmk1": "vmnic2"}, "enable_software_iscsi": True})
    refused(lab, "iscsi_port_binding", {"vmknics": ["vmk1"], "uplinks": {"vmk1": "vmnic3"}},
            "vmk1 is bound to iSCSI adapter vmhba65; port group iSCSI-A would have active [vmnic3] and standby [], which "
            "makes the binding non-compliant (IscsiFaultVnicHasWrongUplink); the binding belongs to the uplink it was "
            "made with: unbind vmk1, change the uplink, then bind it again")


BAD = [
    ({"vmknics": ["vmk1"]}, "software iSCSI is disabled on the host; set enable_software_iscsi: true"),
    ({"vmknics": ["vmk1"], "enable_software_iscsi": True},
     "port group iSCSI-A of vmk1 has active [vmnic2, vmnic3] and standby []; iSCSI port binding needs exactly one active "
     "uplink and no standby (declare it: uplinks: {vmk1: vmnicN})"),
    ({"vmknics": ["vmk3"], "enable_software_iscsi": True}, "port group iSCSI-C of vmk3 has active [vmnic2] and standby [vmnic3]"),
    ({"vmknics": ["vmk1"], "uplinks": {"vmk1": "vmnic7"}, "enable_software_iscsi": True},
     "uplink vmnic7 is not on vSwitch1 (its uplinks: vmnic2, vmnic3)"),
    ({"vmknics": ["vmk1", "vmk2"], "uplinks": {"vmk1": "vmnic3"}, "enable_software_iscsi": True},
     "vmk1, vmk2 would be bound through the same uplink vmnic3; iSCSI port binding needs one physical NIC per vmknic"),
    ({"vmknics": ["vmk9"], "enable_software_iscsi": True}, "vmk9 does not exist"),
    ({"vmknics": ["vmk1"], "adapter": "vmhba99"}, "iSCSI adapter vmhba99 does not exist (adapters that can bind: none)"),
    ({"vmknics": ["vmk0"], "uplinks": {"vmk0": "vmnic0"}, "enable_software_iscsi": True}, "set allow_management_change: true"),
]

BAD_OPTIONS = [
    ({"vmknics": ["vmk1"], "uplinks": {"vmk2": "vmnic2"}}, "uplinks: vmk2 not in vmknics"),
    ({"vmknics": ["vmk1", "vmk2"], "uplinks": {"vmk1": "vmnic2", "vmk2": "vmnic2"}},
     "uplinks: vmnic2 is given for vmk1, vmk2; iSCSI port binding needs one physical NIC per vmknic"),
    ({"vmknics": ["vmk1", "vmk1"]}, "vmknics: vmk1 given more than once"),
    ({"vmknics": []}, "vmknics: give at least one vmknic"),
    ({"vmknics": ["vmk1"], "state": "absent", "uplinks": {"vmk1": "vmnic2"}}, "uplinks: only with state: present"),
    ({"vmknics": ["vmk1"], "adapter": "vmhba65", "enable_software_iscsi": True}, "enable_software_iscsi: only with adapter: software"),
]


@pytest.mark.collection_logic
@pytest.mark.parametrize("options,needle", BAD)
def test_refusals_make_no_call(lab, options, needle):
    for check in (True, False):
        result = refused(lab, "iscsi_port_binding", options, needle, check=check)
        assert result["msg"].endswith("(nothing was changed)")


@pytest.mark.parametrize("options,needle", BAD_OPTIONS)
def test_bad_options_make_no_call(lab, options, needle):
    assert refused(lab, "iscsi_port_binding", options, needle)["msg"].startswith("Invalid options: ")
