# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the analysis engine: one table row per rule case, plus policy, ids, sorting."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._policy import validate_policy
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._rules import GROUP_RULES, RULES, SEVERITIES, severity_at_least
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.analysis.analysis_cases import (
    CASES,
    POLICY_CASES,
    POLICY_HOSTS,
    H,
    V,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import make_host

PROJECTED = ("rule", "severity", "host", "stack", "family", "subnet", "vmknics", "route_owner", "misrouted")
FINDING_KEYS = {
    "rule", "severity", "host", "datacenter", "cluster", "stack", "family", "subnet", "vmknics",
    "route_owner", "misrouted", "message", "evidence", "reference", "remediation", "allowed", "id",
}


def _project(finding: dict) -> dict:
    return {key: finding[key] for key in PROJECTED}


def _canon(items: list[dict]) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True) for item in items)


def _check(result: dict, expected: list[dict]) -> None:
    assert _canon([_project(f) for f in result["findings"]]) == _canon(
        [{k: v for k, v in e.items() if k != "message_contains"} for e in expected]
    )
    for exp in expected:
        if "message_contains" not in exp:
            continue
        found = [f for f in result["findings"] if _project(f) == {k: exp[k] for k in PROJECTED}]
        assert exp["message_contains"] in found[0]["message"], found[0]["message"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rule_cases(case):
    result = analyse(copy.deepcopy(case["hosts"]))
    _check(result, case["findings"])
    for finding in result["findings"]:
        assert set(finding) == FINDING_KEYS
        rule = RULES[finding["rule"]]
        assert finding["reference"] == rule.reference and finding["remediation"] == rule.remediation
        assert "\n" not in finding["message"] and finding["message"]
        assert finding["allowed"] is None
        assert finding["datacenter"] == "dc1"
    summary = result["summary"]
    expected_counts = {sev: sum(f["severity"] == sev for f in case["findings"]) for sev in SEVERITIES}
    assert {sev: summary[sev] for sev in SEVERITIES} == expected_counts
    assert summary["by_rule"] == {
        rule: sum(f["rule"] == rule for f in case["findings"]) for rule in RULES
    }
    for key, value in case.get("summary", {}).items():
        assert summary[key] == value


@pytest.mark.parametrize("case", POLICY_CASES, ids=[c["id"] for c in POLICY_CASES])
def test_policy_cases(case):
    assert validate_policy(case["allow_list"], case["overrides"]) == []
    result = analyse(copy.deepcopy(POLICY_HOSTS), case["allow_list"], case["overrides"])
    _check(result, case["findings"])
    allowed = {f["rule"]: f["allowed"] for f in result["findings"] if f["allowed"] is not None}
    assert allowed == case["allowed"]


def test_input_is_not_modified():
    hosts = [H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"))]
    before = copy.deepcopy(hosts)
    analyse(hosts, [{"rule": "ipv4-same-subnet", "reason": "x"}])
    assert hosts == before


def test_summary_of_mixed_fleet():
    hosts = [
        H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"), name="esx-a"),
        H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"), V("vmk3", "10.0.9.1/24", owner="VSAN"),
          name="esx-b"),
        H(V("vmk1", "10.0.1.11/24"), name="esx-c"),
        make_host("esx-d", config_available=False),
    ]
    summary = analyse(hosts, [{"host": "esx-b", "reason": "lab"}])["summary"]
    assert summary == {
        "error": 1, "warning": 1, "info": 2,
        "hosts_total": 4, "hosts_audited": 3, "hosts_not_audited": 1, "hosts_with_errors": 1,
        "by_rule": {**{rule: 0 for rule in RULES}, "ipv4-same-subnet": 2, "system-owned-vmknic": 1,
                    "host-not-audited": 1},
    }


def test_empty_input():
    assert analyse([]) == {
        "findings": [],
        "summary": {"error": 0, "warning": 0, "info": 0, "hosts_total": 0, "hosts_audited": 0,
                    "hosts_not_audited": 0, "hosts_with_errors": 0, "by_rule": {r: 0 for r in RULES}},
    }


def test_sorting_severity_host_stack_rule_vmknics():
    hosts = [
        H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"),
          V("vmk10", "10.0.2.11/24"), V("vmk11", "10.0.2.12/24"),
          V("vmk20", None, dhcp=True), V("vmk21", None, dhcp=True),
          V("vmk3", "10.0.1.11/24", stack="vmotion"), V("vmk4", "10.0.1.12/24", stack="vmotion"),
          name="b"),
        H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"), name="a"),
        make_host("c", config_available=False),
    ]
    order = [(f["severity"], f["host"], f["stack"], f["rule"], f["vmknics"]) for f in analyse(hosts)["findings"]]
    assert order == [
        ("error", "a", "defaultTcpipStack", "ipv4-same-subnet", ["vmk1", "vmk2"]),
        ("error", "b", "defaultTcpipStack", "ipv4-same-subnet", ["vmk1", "vmk2"]),
        ("error", "b", "defaultTcpipStack", "ipv4-same-subnet", ["vmk10", "vmk11"]),
        ("error", "b", "vmotion", "ipv4-same-subnet", ["vmk3", "vmk4"]),
        ("warning", "b", "defaultTcpipStack", "dhcp-multiple-vmknics", ["vmk20", "vmk21"]),
        ("warning", "c", None, "host-not-audited", []),
    ]


def test_ids_are_stable_and_distinct():
    hosts = [H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24")),
             H(V("vmk1", "10.0.1.11/24"), V("vmk2", "10.0.1.12/24"), name="esx02")]
    first = analyse(hosts)["findings"]
    again = analyse(copy.deepcopy(hosts))["findings"]
    assert [f["id"] for f in first] == [f["id"] for f in again]
    assert all(re.fullmatch(r"[0-9a-f]{12}", f["id"]) for f in first)
    assert len({f["id"] for f in first}) == 2
    # The id does not change with the severity policy: allow-listed findings keep their identity.
    allowed = analyse(hosts, [{"host": "esx02", "reason": "x"}])["findings"]
    assert {f["id"] for f in allowed} == {f["id"] for f in first}


def test_management_vmknic_null_without_address_match_is_generic():
    hosts = [H(V("vmk0", "10.0.1.10/24", services=["management"]), V("vmk1", "10.0.1.11/24"),
               management={"address": None, "vmknic": None, "source": None})]
    assert [f["rule"] for f in analyse(hosts)["findings"]] == ["ipv4-same-subnet"]


def test_portgroup_resolved_by_switch_when_names_collide():
    from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
        make_binding, make_portgroup,
    )
    hosts = [H(
        V("vmk1", "10.40.0.11/24", portgroup="iscsi", switch="vSwitch1", iscsi_bindings=[make_binding()]),
        V("vmk2", "10.40.0.12/24", portgroup="iscsi", switch="dvs1", switch_type="distributed",
          iscsi_bindings=[make_binding()]),
        portgroups=[make_portgroup("iscsi", switch="vSwitch1", active=["vmnic2"]),
                    make_portgroup("iscsi", switch="dvs1", switch_type="distributed", active=["vmnic3"])],
    )]
    (finding,) = analyse(hosts)["findings"]
    # Each vmknic's teaming is its own switch's port group (one active uplink each: no teaming
    # reason); what is wrong is the split over two switches (vSphere Storage GUID-66AF5FA0).
    assert finding["rule"] == "iscsi-binding-noncompliant"
    assert finding["evidence"]["iscsi"]["members"]["vmk1"]["active"] == ["vmnic2"]
    assert finding["evidence"]["iscsi"]["members"]["vmk2"]["active"] == ["vmnic3"]
    assert finding["evidence"]["iscsi"]["reasons"] == {
        "vmk1": ["on switch vSwitch1 while vmk2 on dvs1: same-subnet vmknics must share one switch"],
        "vmk2": ["on switch dvs1 while vmk1 on vSwitch1: same-subnet vmknics must share one switch"],
    }


def test_unknown_teaming_is_not_compliant():
    from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import make_binding
    hosts = [H(V("vmk1", "10.40.0.11/24", iscsi_bindings=[make_binding()], portgroup=None),
               V("vmk2", "10.40.0.12/24", iscsi_bindings=[make_binding()], portgroup=None))]
    (finding,) = analyse(hosts)["findings"]
    assert finding["rule"] == "iscsi-binding-noncompliant"
    assert "teaming of port group None unknown" in finding["message"]


# ---------------------------------------------------------------- policy validation


@pytest.mark.parametrize("allow_list, overrides, problem", [
    ([{"rule": "nope", "reason": "x"}], None, "allow_list[0]: unknown rule 'nope'"),
    ([{"subnet": "10.0.0.0/33", "reason": "x"}], None, "allow_list[0]: 'subnet' '10.0.0.0/33' is not a valid CIDR"),
    ([{"subnet": 10, "reason": "x"}], None, "allow_list[0]: 'subnet' 10 is not a valid CIDR"),
    ([{"subnet": "10.0.0.1", "reason": "x"}], None, "allow_list[0]: 'subnet' '10.0.0.1' is not a valid CIDR"),
    ([{"subnet": "10.0.0.0/0.255.255.255", "reason": "x"}], None, "allow_list[0]: 'subnet'"),
    ([{"subnet": "2001:db8::/129", "reason": "x"}], None, "allow_list[0]: 'subnet'"),
    ([{"rule": "ipv4-same-subnet"}], None, "allow_list[0]: 'reason' is required and must be a non-empty string"),
    ([{"rule": "ipv4-same-subnet", "reason": "  "}], None, "allow_list[0]: 'reason' is required"),
    ([{"reason": "everything"}], None, "allow_list[0]: matches every finding"),
    ([{"host": "*", "reason": "everything"}], None, "allow_list[0]: matches every finding"),
    ([{"vmknics": "vmk1", "reason": "x"}], None, "allow_list[0]: 'vmknics' must be a non-empty list"),
    ([{"vmknics": [], "reason": "x"}], None, "allow_list[0]: 'vmknics' must be a non-empty list"),
    ([{"host": "", "reason": "x", "rule": "ipv4-same-subnet"}], None, "allow_list[0]: 'host' must be"),
    ([{"rules": "ipv4-same-subnet", "host": "a", "reason": "x"}], None, "allow_list[0]: unknown key 'rules'"),
    (["ipv4-same-subnet"], None, "allow_list[0]: must be a mapping"),
    ({"rule": "x"}, None, "allow_list must be a list"),
    (None, {"nope": "info"}, "severity_overrides: unknown rule 'nope'"),
    (None, {"ipv4-same-subnet": "critical"}, "severity_overrides['ipv4-same-subnet']: unknown severity 'critical'"),
    (None, ["ipv4-same-subnet"], "severity_overrides must be a mapping"),
])
def test_validate_policy_problems(allow_list, overrides, problem):
    problems = validate_policy(allow_list, overrides)
    assert any(p.startswith(problem) for p in problems), problems
    with pytest.raises(ValueError, match="invalid audit policy"):
        analyse([], allow_list, overrides)


def test_validate_policy_accepts_good_input():
    assert validate_policy(None, None) == []
    assert validate_policy([], {}) == []
    assert validate_policy(
        [{"host": "esx*", "vmknics": ["vmk1"], "subnet": "10.0.0.0/8", "rule": "ipv4-same-subnet", "reason": "x"},
         {"subnet": "2001:db8::/32", "reason": "v6 lab"}, {"subnet": "10.1.2.3/24", "reason": "host bits ok"},
         {"subnet": "10.1.0.0/255.255.0.0", "reason": "netmask form"}],
        {rule: "info" for rule in RULES},
    ) == []


def test_validate_policy_reports_every_problem():
    problems = validate_policy([{"rule": "nope"}, {"reason": "x", "subnet": "bad"}], {"x": "y"})
    assert len(problems) == 5, problems


# ---------------------------------------------------------------- rules and severities


def test_severity_at_least():
    assert severity_at_least("error", "warning")
    assert severity_at_least("warning", "warning")
    assert not severity_at_least("info", "warning")
    assert severity_at_least("info", "info")
    assert not severity_at_least("warning", "error")
    with pytest.raises(ValueError):
        severity_at_least("fatal", "info")


def test_rules_are_complete():
    for rule_id, info in RULES.items():
        assert info.id == rule_id
        assert info.severity in SEVERITIES
        assert info.title and info.reference and info.remediation
        assert info.as_dict()["id"] == rule_id
    assert set(GROUP_RULES) <= set(RULES)


def test_docs_list_exactly_the_rules():
    docs = (Path(__file__).resolve().parents[5] / "docs" / "findings.md").read_text()
    table = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning|info) \|", docs, re.M))
    assert table == {rule_id: info.severity for rule_id, info in RULES.items()}


def test_timing_1000_hosts(capsys):
    """Measured and printed, not asserted: CI machines vary."""
    hosts = [
        H(V("vmk1", f"10.{i % 250}.1.11/24", services=["vmotion"]),
          V("vmk2", f"10.{i % 250}.1.12/24", services=["vsan"]),
          V("vmk3", f"10.{i % 250}.2.13/24", ipv6=[f"2001:db8:{i:x}::13/64"]),
          V("vmk4", f"10.{i % 250}.3.14/24", stack="vmotion"),
          name=f"esx{i:04d}")
        for i in range(1000)
    ]
    start = time.perf_counter()
    result = analyse(hosts)
    elapsed = time.perf_counter() - start
    assert result["summary"]["hosts_total"] == 1000
    with capsys.disabled():
        print(f"\nanalyse(): 1000 hosts x 5 vmknics in {elapsed * 1000:.0f} ms")


def test_route_networks_in_non_canonical_form_still_match():
    from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import make_stack
    hosts = [H(V("vmk1", ipv6=["2001:db8:1::11/64"]), V("vmk2", ipv6=["2001:db8:1::12/64"]),
               stacks=[make_stack("defaultTcpipStack", [
                   {"family": "ipv6", "network": "2001:0DB8:0001:0000::/64", "gateway": "::",
                    "device": "vmk2", "connected": True}])])]
    (finding,) = analyse(hosts)["findings"]
    assert finding["route_owner"] == "vmk2"
    assert "routes that prefix through vmk2" in finding["message"]


def test_shared_views_give_each_state_its_own_findings():
    """analyse(views=): a second audit of states that share vmknic dicts with the first (the
    planner's before and after) reuses their parsed views and finds what an audit of its own finds;
    a vmknic that is a new dict (changed) is parsed again."""
    hosts = [copy.deepcopy(h) for case in CASES for h in case["hosts"]]
    changed = []
    for host in hosts:
        nics = list(host.get("vmknics") or ())
        if nics:  # the first vmknic moves to another subnet, the others stay the same dicts
            nics[0] = dict(nics[0], ipv4=dict(nics[0].get("ipv4") or {}, address="10.99.0.1", prefix_length=24,
                                              netmask="255.255.255.0", network="10.99.0.0/24", dhcp=False))
        changed.append(dict(host, vmknics=nics))
    views: dict = {}
    assert analyse(hosts, views=views) == analyse(hosts)
    assert views
    assert analyse(changed, views=views) == analyse(changed)
