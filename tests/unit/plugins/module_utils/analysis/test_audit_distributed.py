# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit on vmknics on distributed switches and on mixed hosts (a standard and a distributed
switch on one host), on plain facts: every rule case of analysis_cases.py gives the same findings
when its vmknics sit on dvPortgroups, and iSCSI port binding / multi-NIC vMotion are judged from
the dvPortgroup's effective teaming, uplink names mapped to the host's pNICs."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.analysis.analysis_cases import CASES, H, V
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    dv_vmknic,
    make_binding,
    make_dv_portgroup,
    make_portgroup,
)

PREFIX = "dvs-"  # the distributed twin of vSwitchN is dvs-vSwitchN


def _uplink(vmnic: str) -> str:
    return f"Uplink {int(vmnic.removeprefix('vmnic')) + 1}"


def _distributed_twin(pg: dict) -> dict:
    teaming = pg["teaming"]
    pnics = {_uplink(v): v for role in ("active", "standby", "unused") for v in teaming[role]}
    twin = make_dv_portgroup(pg["name"], active=[_uplink(v) for v in teaming["active"]],
                             standby=[_uplink(v) for v in teaming["standby"]], switch=PREFIX + pg["switch"],
                             switch_uuid=f"uuid {pg['switch']}", vlan=pg["vlan"], uplink_pnics=pnics)
    assert twin["teaming"] == teaming
    return twin


def on_distributed_switches(host: dict, moved) -> dict:
    """``host`` with each vmknic ``moved(nic)`` selects on the distributed twin of its port group."""
    host = copy.deepcopy(host)
    standard = {(pg["name"], pg["switch"]): pg for pg in host["portgroups"]}
    twins = {}
    for nic in host["vmknics"]:
        pg = standard.get((nic["portgroup"], nic["switch"]))
        if pg is None or not moved(nic):
            continue
        twin = twins.setdefault((pg["name"], pg["switch"]), _distributed_twin(pg))
        port = dv_vmknic(nic["device"], "0.0.0.0/32", twin)
        nic.update({key: port[key] for key in ("portgroup", "switch", "switch_type", "dvs")})
    host["portgroups"] += list(twins.values())
    return host


def _odd(nic: dict) -> bool:
    return int(nic["device"].removeprefix("vmk")) % 2 == 1


def _same_findings(case: dict, moved) -> None:
    expected = analyse(copy.deepcopy(case["hosts"]))
    moved_hosts = [on_distributed_switches(h, moved) for h in case["hosts"]]
    assert any(n["switch_type"] == "distributed" for h in moved_hosts for n in h["vmknics"]) or not any(
        h["vmknics"] for h in case["hosts"])
    result = analyse(moved_hosts)
    assert json.dumps(result, sort_keys=True).replace(PREFIX, "") == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_rule_case_on_distributed_switches(case):
    _same_findings(case, lambda nic: True)


MIXED = [c for c in CASES if not any(n["iscsi_bindings"] for h in c["hosts"] for n in h["vmknics"])]


@pytest.mark.parametrize("case", MIXED, ids=[c["id"] for c in MIXED])
def test_every_rule_case_on_mixed_hosts(case):
    # Odd vmknics on a vDS, the others on the standard switch: the same groups, owners and words.
    _same_findings(case, _odd)


# ---------------------------------------------------------------- exact findings on dvPortgroups

ISCSI_A = make_dv_portgroup("dv-iSCSI-A", active=["Uplink 1"], key="dvportgroup-31")
ISCSI_B = make_dv_portgroup("dv-iSCSI-B", active=["Uplink 2"], key="dvportgroup-32")


def iscsi(pg_a: dict | None = None, pg_b: dict | None = None) -> list[dict]:
    pg_a, pg_b = pg_a or ISCSI_A, pg_b or ISCSI_B
    return [H(dv_vmknic("vmk1", "10.40.0.11/24", pg_a, iscsi_bindings=[make_binding()]),
              dv_vmknic("vmk2", "10.40.0.12/24", pg_b, iscsi_bindings=[make_binding()]),
              portgroups=[pg_a, pg_b])]


def only(hosts: list[dict]) -> dict:
    (finding,) = analyse(hosts)["findings"]
    return finding


def test_iscsi_binding_on_dvportgroups_with_one_active_uplink_each_is_compliant():
    finding = only(iscsi())
    assert (finding["rule"], finding["severity"], finding["vmknics"]) == ("iscsi-binding-compliant", "info", ["vmk1", "vmk2"])
    assert finding["message"] == ("vmk1 and vmk2 share 10.40.0.0/24 on defaultTcpipStack and are all bound to vmhba64, "
                                  "each with its own single active uplink (vmnic2, vmnic3): supported iSCSI port binding")


def test_iscsi_binding_on_dvportgroup_with_standby_uplink_is_not_compliant():
    finding = only(iscsi(pg_b=make_dv_portgroup("dv-iSCSI-B", active=["Uplink 2"], standby=["Uplink 1"])))
    assert finding["rule"] == "iscsi-binding-noncompliant"
    assert finding["evidence"]["iscsi"]["reasons"] == {"vmk2": ["standby uplinks (vmnic2) not allowed"]}


def test_iscsi_binding_on_dvportgroups_sharing_their_uplink_is_not_compliant():
    finding = only(iscsi(pg_b=make_dv_portgroup("dv-iSCSI-B", active=["Uplink 1"])))
    assert finding["evidence"]["iscsi"]["reasons"] == {"vmk1": ["shares active uplink vmnic2 with vmk2"],
                                                       "vmk2": ["shares active uplink vmnic2 with vmk1"]}


def test_iscsi_active_uplink_without_a_pnic_on_this_host_is_named():
    finding = only(iscsi(pg_b=make_dv_portgroup("dv-iSCSI-B", active=["Uplink 3"])))
    assert finding["rule"] == "iscsi-binding-noncompliant"
    assert finding["evidence"]["iscsi"]["reasons"] == {
        "vmk2": ["no active uplink; active Uplink 3 of dvs1 has no pNIC on this host"]}


def test_iscsi_binding_split_over_a_standard_and_a_distributed_switch_is_not_compliant():
    hosts = [H(V("vmk1", "10.40.0.11/24", portgroup="iSCSI-A", switch="vSwitch1", iscsi_bindings=[make_binding()]),
               dv_vmknic("vmk2", "10.40.0.12/24", ISCSI_B, iscsi_bindings=[make_binding()]),
               portgroups=[make_portgroup("iSCSI-A", switch="vSwitch1", active=["vmnic2"], unused=["vmnic3"]), ISCSI_B])]
    finding = only(hosts)
    assert finding["rule"] == "iscsi-binding-noncompliant"
    assert finding["message"] == (
        "vmk1 and vmk2 share 10.40.0.0/24 on defaultTcpipStack with non-compliant iSCSI port binding: "
        "vmk1: on switch vSwitch1 while vmk2 on dvs1: same-subnet vmknics must share one switch; "
        "vmk2: on switch dvs1 while vmk1 on vSwitch1: same-subnet vmknics must share one switch")


def test_unread_dvportgroup_teaming_is_unknown_not_compliant():
    unread = {**ISCSI_B, "teaming": None, "uplinks": None, "vlan": None, "vlan_spec": None}
    finding = only(iscsi(pg_b=unread))
    assert finding["evidence"]["iscsi"]["reasons"] == {"vmk2": ["teaming of port group dv-iSCSI-B unknown"]}


VMOTION_A = make_dv_portgroup("dv-vMotion-A", active=["Uplink 1"], standby=["Uplink 2"])
VMOTION_B = make_dv_portgroup("dv-vMotion-B", active=["Uplink 2"], standby=["Uplink 1"])


def test_multi_nic_vmotion_on_dvportgroups_with_standby_is_supported():
    hosts = [H(dv_vmknic("vmk1", "10.50.0.11/24", VMOTION_A, services=["vmotion"]),
               dv_vmknic("vmk2", "10.50.0.12/24", VMOTION_B, services=["vmotion"]), portgroups=[VMOTION_A, VMOTION_B])]
    finding = only(hosts)
    assert finding["rule"] == "multi-nic-vmotion"
    assert finding["message"] == ("vmk1 and vmk2 share 10.50.0.0/24 on defaultTcpipStack and carry only vMotion, each port "
                                  "group with one active uplink (vmnic2, vmnic3): supported multi-NIC vMotion")


def test_multi_nic_vmotion_on_a_dvportgroup_with_two_active_uplinks_is_multihoming():
    both = make_dv_portgroup("dv-vMotion-B", active=["Uplink 1", "Uplink 2"])
    hosts = [H(dv_vmknic("vmk1", "10.50.0.11/24", VMOTION_A, services=["vmotion"]),
               dv_vmknic("vmk2", "10.50.0.12/24", both, services=["vmotion"]), portgroups=[VMOTION_A, both])]
    finding = only(hosts)
    assert (finding["rule"], finding["route_owner"]) == ("ipv4-same-subnet", "vmk1")
    assert finding["message"].endswith("; multi-NIC vMotion needs exactly one active uplink per port group "
                                       "(dv-vMotion-B of vmk2 has 2 active uplinks (vmnic2, vmnic3))")


def test_mixed_host_same_subnet_on_a_standard_and_a_distributed_switch():
    nfs = make_dv_portgroup("dv-NFS", active=["Uplink 1", "Uplink 2"])
    hosts = [H(V("vmk1", "10.30.0.11/24", portgroup="NFS", services=["vSphereReplication"]),
               dv_vmknic("vmk2", "10.30.0.12/24", nfs), portgroups=[nfs])]
    finding = only(hosts)
    assert (finding["rule"], finding["vmknics"], finding["route_owner"], finding["misrouted"]) == (
        "ipv4-same-subnet", ["vmk1", "vmk2"], "vmk1", [{"vmknic": "vmk2", "services": []}])
    assert finding["message"] == ("vmk1 (vSphereReplication) and vmk2 share 10.30.0.0/24 on defaultTcpipStack; the stack "
                                  "routes that subnet through vmk1, so traffic of vmk2 leaves through vmk1")


def test_management_vmknic_on_a_dvportgroup_shares_its_subnet():
    management = make_dv_portgroup("dv-Management", active=["Uplink 1"], standby=["Uplink 2"])
    hosts = [H(dv_vmknic("vmk0", "192.168.0.10/24", management, services=["management"]),
               dv_vmknic("vmk1", "192.168.0.11/24", VMOTION_A, services=["vmotion"]), portgroups=[management, VMOTION_A])]
    finding = only(hosts)
    assert (finding["rule"], finding["evidence"]["management_vmknic"]) == ("management-shares-subnet", "vmk0")
