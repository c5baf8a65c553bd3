# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vCenter-level steps against the lab's vDS: a dvPortgroup's VLAN changed once for every host on
it (ReconfigureDVPortgroup_Task with the configVersion read), vmknics moved to an existing
dvPortgroup, to one the plan creates, and from a standard port group onto one the plan creates,
each in four steps with the exact journal and the state read back through pyVmomi; a fault at
every step of each of those plans (vCenter-level and host calls) rolls back what it must, with the
exact journal, outcome and every host and dvPortgroup read back, and so does a refused change
record; a configVersion that moved since
the plan changes nothing; a dvPortgroup shared with a vmknic out of scope is refused with zero
mutating calls. One lab for the module; each test leaves the hosts and dvPortgroups as it found
them (but the last)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from labdvs import find_dvportgroup, find_dvs, move_vmk_to_dvpg, reconfigure_dvportgroup, wait_task

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


def apply_plan(lab, document: dict, check: bool = False, diff: bool = False) -> dict:
    return run_module("remediation_apply", dict(connection_args(lab), plan=document), check=check, diff=diff)


def dvportgroup_setting(config: Any) -> tuple[Any, list[str] | None, list[str] | None]:
    """VLAN (an id, or a trunk's ranges) and active and standby uplinks of a dvPortgroup's config."""
    setting = config.defaultPortConfig
    vlan = getattr(setting.vlan, "vlanId", None)
    order = getattr(setting.uplinkTeamingPolicy, "uplinkPortOrder", None)
    return ([(r.start, r.end) for r in vlan] if isinstance(vlan, list) else vlan,
            list(order.activeUplinkPort) if order else None, list(order.standbyUplinkPort) if order else None)


def dvportgroup(lab, name: str) -> tuple[int, list[str], list[str], str]:
    """VLAN, active and standby uplinks and configVersion of a dvPortgroup, read through pyVmomi."""
    with Vsphere(lab) as vs:
        config = find_dvportgroup(find_dvs(vs.si, "dvs-A"), name).config
        return dvportgroup_setting(config) + (config.configVersion,)


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
    checked = apply_plan(lab, plan, check=True, diff=True)
    assert (checked["changed"], checked["vcenter"]["status"]) == (True, "planned"), checked.get("msg")
    assert lab.journal() == [] and dvportgroup(lab, "dv-vMotion") == before
    [diff] = checked["diff"]  # --diff: the dvPortgroup as read and as predicted (no host changes)
    assert (diff["before_header"], diff["after_header"]) == ("vCenter dvPortgroups (read)", "vCenter dvPortgroups (predicted)")
    assert [(pg["name"], pg["vlan"]) for pg in diff["before"]["dvportgroups"]] == [("dv-vMotion", 10)]
    assert [(pg["name"], pg["vlan"]) for pg in diff["after"]["dvportgroups"]] == [("dv-vMotion", 20)]

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
    checked_again = apply_plan(lab, again, check=True, diff=True)
    assert (checked_again["changed"], checked_again["diff"]) == (False, [])
    assert apply_plan(lab, again)["changed"] is False
    assert lab.journal() == []

    # put it back for the other tests (the plain API, not the collection)
    restore = {"classes": [dict(VLAN_INTENT["classes"][0], subnet={"network": "10.20.0.0/24", "vlan": 10})]}
    assert apply_plan(lab, plan_document(lab, restore)["plan"])["vcenter"]["status"] == "applied"
    assert dvportgroup(lab, "dv-vMotion")[:3] == before[:3]


def test_a_config_version_moved_since_the_plan_changes_nothing(lab):
    """Someone else reconfigures the dvPortgroup after the plan: drift, not a blind retry (a
    refused call is test_a_fault_at_each_step_of_each_distributed_plan)."""
    plan = plan_document(lab, VLAN_INTENT)["plan"]
    before = dvportgroup(lab, "dv-vMotion")
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


CREATE_AND_MOVE_INTENT = move_intent("dv-vMotion-25")
CREATE_AND_MOVE_INTENT["classes"][0]["subnet"]["portgroup"].update(vlan=25, teaming={"active": ["Uplink 2"], "standby": ["Uplink 1"]})
NFS_INTENT = {"classes": [{"name": "nfs", "select": {"portgroups": ["NFS"]}, "action": "subnet",
                           "subnet": {"network": "10.60.0.0/24", "portgroup": {"name": "dv-NFS", "switch": "dvs-A"}}}]}


def vmotion_nics(lab) -> list[tuple]:
    """(host, device, dvPortgroup key) of the vMotion vmknics, read through pyVmomi."""
    with Vsphere(lab) as vs:
        return [(name, v.device, v.spec.distributedVirtualPort.portgroupKey) for name in HOSTS
                for v in vs.host(name).config.network.vnic if v.spec.ip.ipAddress.startswith("10.20.")]


def test_move_to_another_dvportgroup_four_steps(lab):
    before = vmotion_nics(lab)
    lab.clear_journal()
    plan = plan_document(lab, move_intent("dv-vMotion-20"))["plan"]
    assert plan["vcenter"]["operations"] == []
    moves = [(e["host"], op["op"], op["device"], op["portgroup"]) for e in plan["hosts"] for op in e["operations"]]
    assert moves == [(h, "UpdateVirtualNic", d, "dv-vMotion-20") for h, d, _key in before]
    new_key = plan["hosts"][0]["operations"][0]["dvs"]["portgroup_key"]
    assert apply_plan(lab, plan, check=True)["outcome"] == {h: "planned" for h, _d, _k in before}
    assert lab.journal() == [] and vmotion_nics(lab) == before

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


def destroy_dvportgroup(lab, name: str) -> None:
    """Destroy_Task of a dvPortgroup no vmknic uses (the plain API, not the collection)."""
    with Vsphere(lab) as vs:
        wait_task(find_dvportgroup(find_dvs(vs.si, "dvs-A"), name).Destroy_Task())


def test_move_to_a_dvportgroup_the_plan_creates_four_steps(lab):
    before, names = vmotion_nics(lab), dvportgroup_names(lab)
    lab.clear_journal()
    plan = plan_document(lab, CREATE_AND_MOVE_INTENT)["plan"]
    [create] = plan["vcenter"]["operations"]
    assert (create["op"], create["name"], create["vlan"], create["hosts"]) == ("CreateDVPortgroup", "dv-vMotion-25", 25, HOSTS[:2])
    assert apply_plan(lab, plan, check=True)["vcenter"]["status"] == "planned" and lab.journal() == []
    assert vmotion_nics(lab) == before and dvportgroup_names(lab) == names

    applied = apply_plan(lab, plan)
    assert applied["outcome"] == {h: "applied" for h, _d, _k in before} and applied["vcenter"]["status"] == "applied"
    journal = lab.journal()
    new_key = journal[0]["args"]["keys"][0]
    assert [(e["host"], e["method"], e["args"].get("portgroupKey")) for e in journal] == [
        (None, "CreateDVPortgroup_Task", None)] + [(h, "UpdateVirtualNic", new_key) for h, _d, _k in before]
    assert vmotion_nics(lab) == [(h, d, new_key) for h, d, _k in before]
    assert dvportgroup(lab, "dv-vMotion-25")[:3] == (25, ["Uplink 2"], ["Uplink 1"])
    lab.clear_journal()
    again = plan_document(lab, CREATE_AND_MOVE_INTENT)["plan"]
    assert again["vcenter"]["operations"] == [] and all(not e["operations"] for e in again["hosts"])
    assert apply_plan(lab, again)["changed"] is False and lab.journal() == []
    back = apply_plan(lab, plan_document(lab, move_intent("dv-vMotion"))["plan"])
    assert back["outcome"] == {h: "applied" for h, _d, _k in before} and vmotion_nics(lab) == before
    destroy_dvportgroup(lab, "dv-vMotion-25")
    assert dvportgroup_names(lab) == names


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
    if not inventory:  # the outcome lines start with the vCenter-level steps
        assert '"vCenter-level steps (1): applied"' in proc.stdout, proc.stdout[-4000:]
    restore = {"classes": [dict(VLAN_INTENT["classes"][0], subnet={"network": "10.20.0.0/24", "vlan": 10})]}
    assert apply_plan(lab, plan_document(lab, restore)["plan"])["vcenter"]["status"] == "applied"
    assert dvportgroup(lab, "dv-vMotion")[:3] == before[:3]


def estate(lab) -> dict:
    """Every host's vmknics (port group or distributed port's switch and dvPortgroup, address, MTU,
    stack, MAC), port groups, and selected services, and every dvPortgroup of dvs-A (key, VLAN,
    failover order; not configVersion, which a put-back advances), read through pyVmomi. A
    distributed port's key is left out: vCenter allocates a new one to a vmknic moved back."""
    with Vsphere(lab) as vs:
        hosts = {}
        for name in HOSTS:
            config = vs.host(name).config
            hosts[name] = {
                "vmknics": {v.device: {"portgroup": v.portgroup, "mac": v.spec.mac, "mtu": v.spec.mtu,
                                       "stack": v.spec.netStackInstanceKey, "ipv4": (v.spec.ip.ipAddress, v.spec.ip.subnetMask),
                                       "dvport": (v.spec.distributedVirtualPort.switchUuid, v.spec.distributedVirtualPort.portgroupKey)
                                       if v.spec.distributedVirtualPort else None}
                            for v in config.network.vnic},
                "portgroups": sorted((p.spec.name, p.spec.vswitchName, p.spec.vlanId) for p in config.network.portgroup),
                "services": sorted((c.nicType, sorted(c.selectedVnic)) for c in config.virtualNicManagerInfo.netConfig),
            }
        dvportgroups = {pg.name: (pg.key,) + dvportgroup_setting(pg.config) for pg in find_dvs(vs.si, "dvs-A").portgroup}
        return {"hosts": hosts, "dvportgroups": dvportgroups}


def on_dvportgroup(state: dict, host: str, device: str, portgroup_key: str) -> dict:
    """``state`` with one vmknic of the switch on another of its dvPortgroups."""
    result = copy.deepcopy(state)
    nic = result["hosts"][host]["vmknics"][device]
    nic["dvport"] = (nic["dvport"][0], portgroup_key)
    return result


PLANS = {"vlan": VLAN_INTENT, "move": move_intent("dv-vMotion-20"), "create-and-move": CREATE_AND_MOVE_INTENT,
         "standard-to-created": NFS_INTENT}
# The vSphere calls each plan makes, in order: (method, host; None for vCenter-level).
PLAN_CALLS = {
    "vlan": [("ReconfigureDVPortgroup_Task", None)],
    "move": [("UpdateVirtualNic", HOSTS[0]), ("UpdateVirtualNic", HOSTS[1])],
    "create-and-move": [("CreateDVPortgroup_Task", None), ("UpdateVirtualNic", HOSTS[0]), ("UpdateVirtualNic", HOSTS[1])],
    "standard-to-created": [("CreateDVPortgroup_Task", None), ("UpdateVirtualNic", HOSTS[2])],
}
DESTROY = ("Destroy_Task", None, None)
SWITCH_RECORD = ("SetField", None, None)  # a record write on the distributed switch (no host)
# plan, index of the failing call in PLAN_CALLS, the outcome per host, the vcenter status, the
# calls after the failing one (rollback), the host left moved (applied before the failure) and
# where to (docs/remediation.md "vCenter-level steps": a step a host took up stays).
FAULTS = [
    pytest.param("vlan", 0, {}, "failed", [], None, id="vlan-reconfigure"),  # its hosts have no call of their own
    pytest.param("move", 0, {HOSTS[0]: "rolled_back", HOSTS[1]: "not_tried"}, "unchanged", [], None, id="move-host1"),
    pytest.param("move", 1, {HOSTS[0]: "applied", HOSTS[1]: "rolled_back"}, "unchanged", [], "dv-vMotion-20", id="move-host2"),
    pytest.param("create-and-move", 0, {HOSTS[0]: "failed", HOSTS[1]: "not_tried"}, "failed", [], None, id="create-and-move-create"),
    pytest.param("create-and-move", 1, {HOSTS[0]: "rolled_back", HOSTS[1]: "not_tried"}, "rolled_back", [DESTROY], None,
                 id="create-and-move-host1"),
    pytest.param("create-and-move", 2, {HOSTS[0]: "applied", HOSTS[1]: "rolled_back"}, "applied", [], "dv-vMotion-25",
                 id="create-and-move-host2"),
    pytest.param("standard-to-created", 0, {HOSTS[2]: "failed"}, "failed", [], None, id="standard-to-created-create"),
    pytest.param("standard-to-created", 1, {HOSTS[2]: "rolled_back"}, "rolled_back", [DESTROY], None, id="standard-to-created-host"),
]


def test_the_faults_cover_every_call_of_every_plan():
    assert sorted((p.values[0], p.values[1]) for p in FAULTS) == sorted(
        (kind, step) for kind, made in PLAN_CALLS.items() for step in range(len(made)))


def apply_with_a_fault(lab, plan: dict, method: str, host: str | None, fault: str, message: str) -> dict:
    """remediation_apply of the plan with the first call of ``method`` (on ``host``) refused; the
    journal is cleared before, the fault after."""
    lab.clear_journal()
    lab.inject_fault(method, host=host or "*", nth=1, fault=fault, message=message)
    try:
        return apply_plan(lab, plan)
    finally:
        lab.clear_faults()


def plan_calls(plan: dict) -> list[tuple]:
    """The vSphere calls of a plan, vCenter-level steps first, then each host's in plan order."""
    return [(op["op"] + "_Task", None) for op in plan["vcenter"]["operations"]] + [
        (op["op"], entry["host"]) for entry in plan["hosts"] for op in entry["operations"]]


@pytest.mark.collection_logic
@pytest.mark.parametrize(("kind", "step", "outcome", "vcenter", "rollback", "kept"), FAULTS)
def test_a_fault_at_each_step_of_each_distributed_plan(lab, kind, step, outcome, vcenter, rollback, kept):
    """The call at ``step`` is refused: the host that made it (or every host needing the vCenter
    step) is back as before, the hosts after it are not started, a dvPortgroup no host took up is
    destroyed again or put back; only a host applied before the failure keeps its change."""
    before = estate(lab)
    plan = plan_document(lab, PLANS[kind])["plan"]
    assert plan_calls(plan) == PLAN_CALLS[kind]  # FAULTS covers every call of the plan
    method, host = PLAN_CALLS[kind][step]
    fault = "HostConfigFault" if host else "DvsFault"
    result = apply_with_a_fault(lab, plan, method, host, fault, f"injected at {kind} step {step}")
    assert (result["failed"], result["outcome"], result["vcenter"]["status"]) == (True, outcome, vcenter), (
        result.get("msg"), result["vcenter"])
    # the message counts hosts only (the vCenter-level steps are named, not counted as a host)
    failed_hosts = [s for s in outcome.values() if s not in ("applied", "not_tried")]
    where = (["the vCenter-level steps"] if vcenter in ("failed", "rolled_back") else []) + (
        [f"{len(failed_hosts)} of {sum(s != 'not_tried' for s in outcome.values())} hosts tried"] if failed_hosts else [])
    assert result["msg"].startswith("Remediation failed on " + " and on ".join(where) + ": "), result["msg"]
    assert f"injected at {kind} step {step}" in result["msg"]
    made = [(e["method"], e["host"], e.get("fault")) for e in lab.journal()]
    assert made == [(m, h, None) for m, h in PLAN_CALLS[kind][:step]] + [(method, host, fault)] + rollback
    after = estate(lab)
    if kept is None:
        assert after == before
        return
    [device] = [op["device"] for op in plan["hosts"][0]["operations"]]
    expected = on_dvportgroup(before, HOSTS[0], device, after["dvportgroups"][kept][0])
    if kept not in before["dvportgroups"]:  # created by the plan, and kept: the first host is on it
        [create] = plan["vcenter"]["operations"]
        expected["dvportgroups"][kept] = (after["dvportgroups"][kept][0], create["vlan"], create["teaming"]["active"],
                                          create["teaming"]["standby"])
    assert after == expected
    # back to the module's state through the plain API
    with Vsphere(lab) as vs:
        move_vmk_to_dvpg(vs.host(HOSTS[0]), device, find_dvportgroup(find_dvs(vs.si, "dvs-A"), "dv-vMotion"))
    if kept not in before["dvportgroups"]:
        destroy_dvportgroup(lab, kept)
    assert estate(lab) == before


def test_a_refused_change_record_destroys_the_dvportgroup_the_plan_created(lab):
    """The first host's change record cannot be written (SetField, before its first call): the host
    fails unchanged, the next is not started, and the dvPortgroup created for them is destroyed."""
    before = estate(lab)
    plan = plan_document(lab, CREATE_AND_MOVE_INTENT)["plan"]
    result = apply_with_a_fault(lab, plan, "SetField", HOSTS[0], "SystemError", "injected at the record")
    assert (result["outcome"], result["vcenter"]["status"]) == ({HOSTS[0]: "failed", HOSTS[1]: "not_tried"}, "rolled_back"), (
        result.get("msg"), result["vcenter"])
    assert result["msg"].startswith("Remediation failed on the vCenter-level steps and on 1 of 1 hosts tried: ")
    assert "writing the change record failed" in result["msg"]
    assert [(e["method"], e["host"], e.get("fault")) for e in lab.journal(records=True) if e["method"] != "AddCustomFieldDef"] == [
        # the switch's record (docs/remediation.md "Records"): written, updated after the create,
        # cleared once the created dvPortgroup is destroyed again
        SWITCH_RECORD, ("CreateDVPortgroup_Task", None, None), SWITCH_RECORD, ("SetField", HOSTS[0], "SystemError"),
        DESTROY, SWITCH_RECORD]
    assert estate(lab) == before


def test_move_from_a_standard_port_group_onto_a_dvportgroup_the_plan_creates(lab):
    """The last test of the module (the vmknic stays on the vDS)."""
    lab.clear_journal()
    plan = plan_document(lab, NFS_INTENT)["plan"]
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
    again = plan_document(lab, NFS_INTENT)["plan"]
    assert again["vcenter"]["operations"] == [] and all(not e["operations"] for e in again["hosts"])
    assert apply_plan(lab, again)["changed"] is False and lab.journal() == []
