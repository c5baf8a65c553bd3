# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vCenter-level steps against the lab's vDS: a dvPortgroup's VLAN changed once for every host on
it (ReconfigureDVPortgroup_Task with the configVersion read), in four steps with the exact journal
and the dvPortgroup read back through pyVmomi; a refused call and a configVersion that moved
since the plan change nothing; a dvPortgroup shared with a vmknic out of scope is refused with zero
mutating calls. One lab for the module; each test leaves the dvPortgroups as it found them."""

from __future__ import annotations

from typing import Any

import pytest
from labdvs import find_dvportgroup, find_dvs, reconfigure_dvportgroup

from harness import ansible_env, connection_args, run_module, run_playbook
from remediation_setup import REMEDIATE_PLAYBOOK, intent_file
from vsphere import Vsphere

HOSTS = ["10.10.0.11", "10.10.0.12", "10.10.0.13"]
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 3, "clusters": 1},
    "distributed_switches": [{
        "name": "dvs-A", "uplinks": ["Uplink 1", "Uplink 2"],
        "members": [{"index": [0, 1, 2], "pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [{"name": "dv-vMotion", "vlan": 10, "active": ["Uplink 1"], "standby": ["Uplink 2"]},
                       {"name": "dv-Replication", "vlan": 30, "active": ["Uplink 1"], "standby": ["Uplink 2"]},
                       {"name": "dv-vMotion-20", "vlan": 20, "active": ["Uplink 2"], "standby": ["Uplink 1"]}],
    }],
    "hosts": [
        {"index": [0, 1], "vmknics": [{"dvportgroup": "dv-vMotion", "ip": "10.20.0.1{i}/24", "services": ["vmotion"]}]},
        {"index": [0, 2], "vmknics": [{"dvportgroup": "dv-Replication", "ip": "10.30.0.1{i}/24", "services": ["vSphereReplication"]}]},
        {"index": [2], "portgroups": [{"name": "NFS", "vlan": 60}],
         "vmknics": [{"portgroup": "NFS", "ip": "10.60.0.1{i}/24"}]},
    ],
}
VLAN_INTENT = {"classes": [{"name": "vmotion", "select": {"portgroups": ["dv-vMotion"]}, "action": "subnet",
                            "subnet": {"network": "10.20.0.0/24", "vlan": 20}}]}


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def plan_document(lab, intent: dict, **scope: Any) -> dict:
    result = run_module("remediation_plan_info", dict(connection_args(lab), intent=intent, **scope))
    assert "plan" in result or scope, result
    return result


def apply_plan(lab, document: dict, check: bool = False) -> dict:
    return run_module("remediation_apply", dict(connection_args(lab), plan=document), check=check)


def dvportgroup(lab, name: str) -> tuple[int, list[str], list[str], str]:
    """VLAN, active and standby uplinks and configVersion of a dvPortgroup, read through pyVmomi."""
    with Vsphere(lab) as vs:
        config = find_dvportgroup(find_dvs(vs.si, "dvs-A"), name).config
        order = config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder
        return (config.defaultPortConfig.vlan.vlanId, list(order.activeUplinkPort), list(order.standbyUplinkPort),
                config.configVersion)


def calls(lab) -> list[tuple]:
    return [(e["method"], e["args"].get("portgroupKey"), e["args"].get("configVersion"), e["args"].get("vlan"),
             e.get("fault")) for e in lab.journal()]


def test_vlan_of_a_dvportgroup_four_steps(lab):
    before = dvportgroup(lab, "dv-vMotion")
    assert before[0] == 10
    lab.clear_journal()

    # 1. plan and check mode: one vCenter-level step, no host call, nothing called
    document = plan_document(lab, VLAN_INTENT)
    assert not document.get("failed"), document.get("msg")
    plan = document["plan"]
    [op] = plan["vcenter"]["operations"]
    key = op["key"]
    assert (op["op"], op["name"], op["switch"], op["vlan"], op["config_version"], op["hosts"]) == (
        "ReconfigureDVPortgroup", "dv-vMotion", "dvs-A", 20, before[3], HOSTS[:2])
    assert [e["operations"] for e in plan["hosts"]] == [[], [], []]
    assert [e.get("vcenter_steps", [{}])[0].get("vlan") for e in plan["hosts"]] == [20, 20, None]
    checked = apply_plan(lab, plan, check=True)
    assert (checked["changed"], checked["vcenter"]["status"]) == (True, "planned"), checked.get("msg")
    assert lab.journal() == [] and dvportgroup(lab, "dv-vMotion") == before

    # 2. apply: exactly one call, with the configVersion read; read back through pyVmomi
    applied = apply_plan(lab, plan)
    assert (applied["changed"], applied["vcenter"]["status"]) == (True, "applied"), (applied.get("msg"), applied["vcenter"])
    assert calls(lab) == [("ReconfigureDVPortgroup_Task", key, before[3], 20, None)]
    after = dvportgroup(lab, "dv-vMotion")
    assert after[:3] == (20, ["Uplink 1"], ["Uplink 2"]) and after[3] != before[3]
    facts = run_module("vmknic_info", connection_args(lab))["hosts"]
    assert [[p["vlan"] for p in h["portgroups"] if p["name"] == "dv-vMotion"] for h in facts] == [[20], [20], []]

    # 3. plan again: nothing to do; 4. apply again: changed false, no call
    lab.clear_journal()
    again = plan_document(lab, VLAN_INTENT)["plan"]
    assert again["vcenter"]["operations"] == [] and all(not e["operations"] for e in again["hosts"])
    assert apply_plan(lab, again, check=True)["changed"] is False
    assert apply_plan(lab, again)["changed"] is False
    assert lab.journal() == []

    # put it back for the other tests (the plain API, not the collection)
    restore = {"classes": [dict(VLAN_INTENT["classes"][0], subnet={"network": "10.20.0.0/24", "vlan": 10})]}
    assert apply_plan(lab, plan_document(lab, restore)["plan"])["vcenter"]["status"] == "applied"
    assert dvportgroup(lab, "dv-vMotion")[:3] == before[:3]


def test_a_refused_call_and_a_moved_config_version_change_nothing(lab):
    plan = plan_document(lab, VLAN_INTENT)["plan"]
    before = dvportgroup(lab, "dv-vMotion")
    lab.clear_journal()
    lab.inject_fault("ReconfigureDVPortgroup_Task", nth=1, fault="DvsFault", message="injected")
    failed = apply_plan(lab, plan)
    lab.clear_faults()
    assert failed["failed"] is True and failed["vcenter"]["status"] == "failed", failed["vcenter"]
    assert [c[0] for c in calls(lab)] == ["ReconfigureDVPortgroup_Task"] and calls(lab)[0][-1] == "DvsFault"
    assert dvportgroup(lab, "dv-vMotion") == before

    # someone else reconfigures the dvPortgroup after the plan: drift, not a blind retry
    with Vsphere(lab) as vs:
        reconfigure_dvportgroup(find_dvportgroup(find_dvs(vs.si, "dvs-A"), "dv-vMotion"), vlan=10)
    moved = dvportgroup(lab, "dv-vMotion")
    assert moved[3] != before[3]
    lab.clear_journal()
    drifted = apply_plan(lab, plan)
    assert drifted["failed"] is True and drifted["vcenter"]["status"] == "drifted", drifted["vcenter"]
    assert "configVersion" in " ".join(drifted["vcenter"]["differences"])
    assert lab.journal() == [] and dvportgroup(lab, "dv-vMotion") == moved


def test_a_dvportgroup_shared_with_a_vmknic_out_of_scope_is_refused(lab):
    intent = {"classes": [{"name": "replication", "select": {"portgroups": ["dv-Replication"]}, "action": "subnet",
                           "subnet": {"network": "10.30.0.0/24", "vlan": 31}}]}
    lab.clear_journal()
    refused = plan_document(lab, intent, esxi_hostnames=HOSTS[:2])
    assert refused["failed"] is True
    [message] = refused["problems"]
    assert message.startswith("class replication: dvPortgroup dv-Replication on dvs-A also carries 10.10.0.13 vmk")
    assert message.endswith("which the class does not select; changing its VLAN would change theirs too. Create a "
                            "dedicated dvPortgroup for the class's vmknics and move them to it")
    assert lab.journal() == []


def move_intent(portgroup: str) -> dict:
    return {"classes": [{"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
                         "subnet": {"network": "10.20.0.0/24", "portgroup": {"name": portgroup}}}]}


def vmotion_nics(lab) -> list[tuple]:
    """(host, device, dvPortgroup key) of the vMotion vmknics, read through pyVmomi."""
    with Vsphere(lab) as vs:
        return [(name, v.device, v.spec.distributedVirtualPort.portgroupKey) for name in HOSTS
                for v in vs.host(name).config.network.vnic if v.spec.ip.ipAddress.startswith("10.20.")]


def test_move_to_another_dvportgroup_four_steps_and_a_fault(lab):
    before = vmotion_nics(lab)
    lab.clear_journal()
    plan = plan_document(lab, move_intent("dv-vMotion-20"))["plan"]
    assert plan["vcenter"]["operations"] == []
    moves = [(e["host"], op["op"], op["device"], op["portgroup"]) for e in plan["hosts"] for op in e["operations"]]
    assert moves == [(h, "UpdateVirtualNic", d, "dv-vMotion-20") for h, d, _key in before]
    new_key = plan["hosts"][0]["operations"][0]["dvs"]["portgroup_key"]
    assert apply_plan(lab, plan, check=True)["outcome"] == {h: "planned" for h, _d, _k in before}
    assert lab.journal() == [] and vmotion_nics(lab) == before

    # a fault at the first host's call: it is rolled back, the other is not started, nothing changed
    lab.inject_fault("UpdateVirtualNic", host=before[0][0], nth=1, fault="HostConfigFault", message="injected")
    failed = apply_plan(lab, plan)
    lab.clear_faults()
    assert failed["outcome"] == {before[0][0]: "rolled_back", before[1][0]: "not_tried"}, failed.get("msg")
    assert vmotion_nics(lab) == before

    lab.clear_journal()
    applied = apply_plan(lab, plan)
    assert applied["outcome"] == {h: "applied" for h, _d, _k in before}, applied.get("msg")
    assert [(e["host"], e["method"], e["args"].get("device"), e["args"].get("portgroupKey")) for e in lab.journal()] == [
        (h, "UpdateVirtualNic", d, new_key) for h, d, _k in before]
    assert vmotion_nics(lab) == [(h, d, new_key) for h, d, _k in before]
    lab.clear_journal()
    again = plan_document(lab, move_intent("dv-vMotion-20"))["plan"]
    assert all(not e["operations"] for e in again["hosts"]) and apply_plan(lab, again)["changed"] is False
    assert lab.journal() == []
    back = apply_plan(lab, plan_document(lab, move_intent("dv-vMotion"))["plan"])
    assert back["outcome"] == {h: "applied" for h, _d, _k in before} and vmotion_nics(lab) == before


def dvportgroup_names(lab) -> list[str]:
    with Vsphere(lab) as vs:
        return sorted(p.name for p in find_dvs(vs.si, "dvs-A").portgroup)


def test_move_to_a_dvportgroup_the_plan_creates_four_steps_and_a_fault(lab):
    before, names = vmotion_nics(lab), dvportgroup_names(lab)
    intent = move_intent("dv-vMotion-25")
    intent["classes"][0]["subnet"]["portgroup"].update(vlan=25, teaming={"active": ["Uplink 2"], "standby": ["Uplink 1"]})
    lab.clear_journal()
    plan = plan_document(lab, intent)["plan"]
    [create] = plan["vcenter"]["operations"]
    assert (create["op"], create["name"], create["vlan"], create["hosts"]) == ("CreateDVPortgroup", "dv-vMotion-25", 25, HOSTS[:2])
    assert apply_plan(lab, plan, check=True)["vcenter"]["status"] == "planned" and lab.journal() == []

    # a fault at the creation: nothing created, and the hosts that need it fail without a call
    lab.inject_fault("CreateDVPortgroup_Task", nth=1, fault="DvsFault", message="injected")
    refused = apply_plan(lab, plan)
    lab.clear_faults()
    assert refused["vcenter"]["status"] == "failed" and refused["failed"] is True, refused["vcenter"]
    assert set(refused["outcome"].values()) <= {"failed", "not_tried"} and "failed" in refused["outcome"].values()
    assert [(e["method"], e.get("fault")) for e in lab.journal()] == [("CreateDVPortgroup_Task", "DvsFault")]
    assert vmotion_nics(lab) == before and dvportgroup_names(lab) == names
    lab.clear_journal()

    # a fault at the first host's move: the host is rolled back, the other not started, and the
    # dvPortgroup no host took up is destroyed again
    lab.inject_fault("UpdateVirtualNic", host=before[0][0], nth=1, fault="HostConfigFault", message="injected")
    failed = apply_plan(lab, plan)
    lab.clear_faults()
    assert failed["outcome"] == {before[0][0]: "rolled_back", before[1][0]: "not_tried"}, failed.get("msg")
    assert failed["vcenter"]["status"] == "rolled_back", failed["vcenter"]
    assert [e["method"] for e in lab.journal()] == ["CreateDVPortgroup_Task", "UpdateVirtualNic", "Destroy_Task"]
    assert vmotion_nics(lab) == before and dvportgroup_names(lab) == names

    lab.clear_journal()
    applied = apply_plan(lab, plan)
    assert applied["outcome"] == {h: "applied" for h, _d, _k in before} and applied["vcenter"]["status"] == "applied"
    journal = lab.journal()
    new_key = journal[0]["args"]["keys"][0]
    assert [(e["host"], e["method"], e["args"].get("portgroupKey")) for e in journal] == [
        (None, "CreateDVPortgroup_Task", None)] + [(h, "UpdateVirtualNic", new_key) for h, _d, _k in before]
    assert vmotion_nics(lab) == [(h, d, new_key) for h, d, _k in before]
    assert dvportgroup(lab, "dv-vMotion-25")[:3] == (25, ["Uplink 2"], ["Uplink 1"])
    lab.clear_journal()
    again = plan_document(lab, intent)["plan"]
    assert again["vcenter"]["operations"] == [] and all(not e["operations"] for e in again["hosts"])
    assert apply_plan(lab, again)["changed"] is False and lab.journal() == []
    back = apply_plan(lab, plan_document(lab, move_intent("dv-vMotion"))["plan"])
    assert back["outcome"] == {h: "applied" for h, _d, _k in before} and vmotion_nics(lab) == before


@pytest.mark.parametrize("inventory", [False, True], ids=["localhost", "esxi-inventory"])
def test_the_role_applies_a_plan_of_vcenter_level_steps_only(lab, tmp_path, inventory):
    """A plan whose only change is a dvPortgroup's VLAN (no host call) is applied by the role, on
    localhost (one remediation_apply of the whole plan) and over an ESXi inventory (the steps once,
    before the hosts); then put back."""
    before = dvportgroup(lab, "dv-vMotion")
    extra: dict[str, Any] = {"remediate_intent_file": str(intent_file(tmp_path, {"remediate_intent": VLAN_INTENT}))}
    kwargs: dict[str, Any] = {}
    if inventory:
        path = tmp_path / "esxi.ini"
        path.write_text("[esxi]\n" + "".join(f"{host}\n" for host in HOSTS))
        kwargs["inventory"] = path
        extra.update(remediate_hosts="esxi", remediate_serial=0)
    lab.clear_journal()
    proc = run_playbook(REMEDIATE_PLAYBOOK, ansible_env(lab), extra_vars=extra, **kwargs)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert [(e["method"], e["args"].get("vlan")) for e in lab.journal()] == [("ReconfigureDVPortgroup_Task", 20)]
    assert dvportgroup(lab, "dv-vMotion")[0] == 20
    restore = {"classes": [dict(VLAN_INTENT["classes"][0], subnet={"network": "10.20.0.0/24", "vlan": 10})]}
    assert apply_plan(lab, plan_document(lab, restore)["plan"])["vcenter"]["status"] == "applied"
    assert dvportgroup(lab, "dv-vMotion")[:3] == before[:3]


def test_move_from_a_standard_port_group_onto_a_dvportgroup_the_plan_creates(lab):
    """The last test of the module (the vmknic stays on the vDS)."""
    intent = {"classes": [{"name": "nfs", "select": {"portgroups": ["NFS"]}, "action": "subnet",
                           "subnet": {"network": "10.60.0.0/24", "portgroup": {"name": "dv-NFS", "switch": "dvs-A"}}}]}
    lab.clear_journal()
    plan = plan_document(lab, intent)["plan"]
    [create] = plan["vcenter"]["operations"]
    assert (create["op"], create["name"], create["vlan"], create["teaming"], create["hosts"]) == (
        "CreateDVPortgroup", "dv-NFS", 60, {"active": ["Uplink 1", "Uplink 2"], "standby": []}, [HOSTS[2]])
    [entry] = [e for e in plan["hosts"] if e["operations"]]
    [move] = entry["operations"]
    assert (entry["host"], move["op"], move["portgroup"], move["switch"]) == (HOSTS[2], "UpdateVirtualNic", "dv-NFS", "dvs-A")
    assert apply_plan(lab, plan, check=True)["changed"] is True and lab.journal() == []
    applied = apply_plan(lab, plan)
    assert applied["outcome"] == {HOSTS[2]: "applied"} and applied["vcenter"]["status"] == "applied", applied.get("msg")
    journal = lab.journal()
    assert [(e["method"], e["args"].get("device"), e["args"].get("portgroupKey")) for e in journal] == [
        ("CreateDVPortgroup_Task", None, None), ("UpdateVirtualNic", move["device"], journal[0]["args"]["keys"][0])]
    with Vsphere(lab) as vs:
        [vnic] = [v for v in vs.host(HOSTS[2]).config.network.vnic if v.device == move["device"]]
    assert (vnic.portgroup, vnic.spec.distributedVirtualPort.portgroupKey) == ("", journal[0]["args"]["keys"][0])
    assert dvportgroup(lab, "dv-NFS")[:3] == (60, ["Uplink 1", "Uplink 2"], [])
    lab.clear_journal()
    again = plan_document(lab, intent)["plan"]
    assert again["vcenter"]["operations"] == [] and all(not e["operations"] for e in again["hosts"])
    assert apply_plan(lab, again)["changed"] is False and lab.journal() == []
