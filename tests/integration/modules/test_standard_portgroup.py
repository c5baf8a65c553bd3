# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmkernel.multihoming.standard_portgroup against the lab: create, change and remove in four steps
with the exact calls, a fault at every call, refusals with no call (iSCSI bindings included)."""

from __future__ import annotations

import pytest

from host_change_steps import HOST, facts, fault_at_every_call, four_steps, refused, run

SCENARIO = {
    "inventory": {"hosts": 1, "clusters": 1},
    "hosts": [{
        "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0", "vmnic1"]},
                      {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}],
        "portgroups": [
            {"name": "vMotion", "vlan": 20},
            {"name": "Spare", "vlan": 50},
            {"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic2"], "standby": []},
        ],
        "vmknics": [{"portgroup": "vMotion", "ip": "10.20.0.11/24", "services": ["vmotion"]},     # vmk1
                    {"portgroup": "iSCSI-A", "ip": "10.40.0.11/24"}],                             # vmk2
        "iscsi": {"enabled": True, "bind": ["vmk2"]},
    }],
}

CASES = {
    "create": ({"name": "NFS", "switch": "vSwitch0", "vlan": 30, "teaming": {"active": ["vmnic1"], "standby": ["vmnic0"]}},
               ["AddPortGroup"],
               {"name": "NFS", "vswitch": "vSwitch0", "vlan": 30, "active": ["vmnic1"], "standby": ["vmnic0"]},
               {"name": "NFS", "switch": "vSwitch0", "switch_type": "standard", "key": None, "vlan": 30,
                "teaming": {"active": ["vmnic1"], "standby": ["vmnic0"], "unused": []}}),
    "vlan": ({"name": "vMotion", "vlan": 21}, ["UpdatePortGroup"],
             {"name": "vMotion", "portgroup": "vMotion", "vswitch": "vSwitch0", "vlan": 21},
             {"name": "vMotion", "switch": "vSwitch0", "switch_type": "standard", "key": None, "vlan": 21,
              "teaming": {"active": ["vmnic0", "vmnic1"], "standby": [], "unused": []}}),
    "teaming": ({"name": "vMotion", "switch": "vSwitch0", "teaming": {"active": ["vmnic1"], "standby": ["vmnic0"]}},
                ["UpdatePortGroup"],
                {"name": "vMotion", "vlan": 20, "active": ["vmnic1"], "standby": ["vmnic0"]},
                {"name": "vMotion", "switch": "vSwitch0", "switch_type": "standard", "key": None, "vlan": 20,
                 "teaming": {"active": ["vmnic1"], "standby": ["vmnic0"], "unused": []}}),
    "absent": ({"name": "Spare", "state": "absent"}, ["RemovePortGroup"], {"portgroup": "Spare"}, None),
}


@pytest.fixture
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def portgroup(host: dict, name: str) -> dict | None:
    return next((p for p in host["portgroups"] if p["name"] == name), None)


@pytest.mark.collection_logic
@pytest.mark.parametrize("case", sorted(CASES))
def test_four_steps(lab, case):
    options, calls, arguments, expected = CASES[case]
    before = facts(lab)
    checked, applied, journal = four_steps(lab, "standard_portgroup", options, calls)
    assert arguments.items() <= journal[0]["args"].items(), journal
    after = facts(lab)
    assert portgroup(after, options["name"]) == checked["after"] == applied["after"] == expected
    assert applied["before"] == portgroup(before, options["name"])
    # Nothing else changed: the other port groups and every vmknic are as they were.
    assert [p for p in after["portgroups"] if p["name"] != options["name"]] == \
        [p for p in before["portgroups"] if p["name"] != options["name"]]
    assert after["vmknics"] == before["vmknics"]


@pytest.mark.collection_logic
@pytest.mark.parametrize("case", ["create", "teaming"])
def test_fault_rolls_back(lab, case):
    fault_at_every_call(lab, "standard_portgroup", CASES[case][0])


def test_fault_message(lab):
    lab.inject_fault("UpdatePortGroup", host=HOST, fault="InvalidArgument", message="policy rejected")
    result = run(lab, "standard_portgroup", {"name": "vMotion", "vlan": 21})
    assert result["failed"] is True and result["status"] == "rolled_back"
    assert result["msg"] == f"{HOST}: UpdatePortGroup failed: InvalidArgument: policy rejected (rolled back, verified)"
    assert result["rollback"]["commands"] == [] and result["after"]["vlan"] == 20


BAD = [
    ({"name": "vMotion", "state": "absent"}, "port group vMotion holds vmk1; remove or move it first"),
    ({"name": "vMotion", "teaming": {"active": ["vmnic9"]}}, "uplink vmnic9 is not on vSwitch0 (its uplinks: vmnic0, vmnic1)"),
    ({"name": "vMotion", "teaming": {"active": ["vmnic2"]}}, "uplink vmnic2 is not on vSwitch0"),
    ({"name": "vMotion", "switch": "vSwitch1", "vlan": 20}, "port group vMotion is on vSwitch0, not vSwitch1"),
    ({"name": "vMotion", "vlan": 4095}, "VLAN 4095 passes every VLAN to guests (VGT); port group vMotion holds vmk1"),
    ({"name": "NFS", "vlan": 30, "teaming": {"active": ["vmnic0"]}}, "switch is required to create port group NFS"),
    ({"name": "NFS", "switch": "vSwitch9", "teaming": {"active": ["vmnic0"]}}, "vSwitch vSwitch9 has no port group on the host"),
    ({"name": "NFS", "switch": "vSwitch0", "vlan": 30}, "teaming is required to create port group NFS"),
    ({"name": "Management Network", "vlan": 10}, "this changes vmk0, the vmknic vCenter uses to manage the host"),
    ({"name": "iSCSI-A", "teaming": {"active": ["vmnic3"]}},
     "vmk2 is bound to iSCSI adapter vmhba65; port group iSCSI-A would have active [vmnic3] and standby [], which makes "
     "the binding non-compliant (IscsiFaultVnicHasWrongUplink); the binding belongs to the uplink it was made with: "
     "unbind vmk2, change the uplink, then bind it again"),
    ({"name": "iSCSI-A", "teaming": {"active": ["vmnic2"], "standby": ["vmnic3"]}},
     "vmk2 is bound to iSCSI adapter vmhba65; port group iSCSI-A would have active [vmnic2] and standby [vmnic3], which "
     "makes the binding non-compliant (IscsiFaultVnicHasMultipleUplinks)"),
]

BAD_OPTIONS = [
    ({"name": "vMotion", "vlan": 5000}, "vlan: 5000 is outside 0-4095"),
    ({"name": "vMotion", "teaming": {"active": []}}, "teaming.active: give at least one uplink"),
    ({"name": "vMotion", "teaming": {"active": ["vmnic0"], "standby": ["vmnic0"]}}, "teaming: vmnic0 listed more than once"),
    ({"name": "vMotion", "state": "absent", "vlan": 20}, "state: absent takes no vlan"),
]


@pytest.mark.collection_logic
@pytest.mark.parametrize("options,needle", BAD)
def test_refusals_make_no_call(lab, options, needle):
    for check in (True, False):
        assert refused(lab, "standard_portgroup", options, needle, check=check)["msg"].endswith("(nothing was changed)")


@pytest.mark.parametrize("options,needle", BAD_OPTIONS)
def test_bad_options_make_no_call(lab, options, needle):
    assert refused(lab, "standard_portgroup", options, needle)["msg"].startswith("Invalid options: ")


def test_unknown_migration_dependencies_refuse(lab):
    """A host that cannot answer QueryMigrationDependencies: the uplink is treated as depended on."""
    lab.inject_fault("QueryMigrationDependencies", host=HOST, fault="NotSupported", message="not on this host", count=2)
    refused(lab, "standard_portgroup", {"name": "iSCSI-A", "teaming": {"active": ["vmnic3"]}},
            "ESXi could not say whether iSCSI depends on it (QueryMigrationDependencies: NotSupported: not on this host); "
            "unbind vmk2 first")


def test_management_port_group_with_permission(lab):
    """VLAN change of the management port group, allowed by option: vCenter would lose its path to
    the host and roll the change back, so the module refuses it and makes no call."""
    lab.clear_journal()
    refused(lab, "standard_portgroup", {"name": "Management Network", "vlan": 10, "allow_management_change": True},
            "this would cut vCenter's path to host 10.10.0.11 at step 1 (port group Management Network on vSwitch0: "
            "VLAN 10 (was 0)): the host would answer vCenter at 10.10.0.10 through vmk0 on another switch or VLAN; vCenter rolls "
            "such a change back (NetworkDisruptedAndConfigRolledBack)")
    assert lab.journal() == []
    assert portgroup(facts(lab), "Management Network")["vlan"] == 0
