# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmknic_audit against the lab: every rule of docs/findings.md, the legitimate designs, the policy
options, fail_on, scope, check mode, and that the audit never writes to vCenter.

The demo scenario (tests/lab/scenarios/demo.yaml) has one host per situation; a small targeted
scenario adds the variants the demo does not show (partial iSCSI binding, vMotion pair with two
active uplinks, multi-NIC vMotion on the vmotion stack, manual IPv6 in one prefix, same subnet on
the default and the provisioning stack, a legitimate iSCSI group with gateway overrides).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import REPO, connection_args, run_module

DEMO = REPO / "tests" / "lab" / "scenarios" / "demo.yaml"

# The demo's findings, in the module's order (severity, host, stack, rule, vmknics):
# (rule, severity, host, stack, family, subnet, vmknics, route_owner, misrouted)
DEMO_FINDINGS = [
    ("management-shares-subnet", "error", "10.10.0.12", "defaultTcpipStack", "ipv4", "10.10.0.0/21",
     ["vmk0", "vmk1"], "vmk0", [{"vmknic": "vmk1", "services": ["vmotion"]}]),
    # The /16 encloses the /24: vmk3's replication traffic to 10.31.7.0/24 leaves through vmk4.
    ("ipv4-overlapping-subnet", "error", "10.10.0.13", "defaultTcpipStack", "ipv4", "10.31.0.0/16",
     ["vmk3", "vmk4"], "vmk3", [{"vmknic": "vmk3", "services": ["vSphereReplication"]}]),
    ("ipv4-same-subnet", "error", "10.10.0.13", "defaultTcpipStack", "ipv4", "10.30.0.0/24",
     ["vmk1", "vmk2"], "vmk1", [{"vmknic": "vmk2", "services": ["vmotion"]}]),
    # The two DHCP leases land in one subnet: a same-subnet error besides the DHCP warning.
    ("ipv4-same-subnet", "error", "10.10.0.15", "defaultTcpipStack", "ipv4", "10.70.0.0/24",
     ["vmk5", "vmk6"], "vmk5", [{"vmknic": "vmk6", "services": []}]),
    ("ipv6-same-prefix", "error", "10.10.0.15", "defaultTcpipStack", "ipv6", "2001:db8:60::/64",
     ["vmk3", "vmk4"], "vmk3", [{"vmknic": "vmk4", "services": []}]),
    ("iscsi-binding-noncompliant", "error", "10.10.0.15", "defaultTcpipStack", "ipv4", "10.40.0.0/24",
     ["vmk1", "vmk2"], "vmk1", [{"vmknic": "vmk2", "services": []}]),
] + [
    # Cluster C2, on the distributed switch DSwitch-C2: vMotion in the management subnet, and two
    # iSCSI vmknics that share a subnet without port binding.
    row for n in (18, 19, 20) for row in (
        ("ipv4-same-subnet", "error", f"10.10.0.{n}", "defaultTcpipStack", "ipv4", "10.40.0.0/24",
         ["vmk2", "vmk3"], "vmk2", [{"vmknic": "vmk3", "services": []}]),
        ("management-shares-subnet", "error", f"10.10.0.{n}", "defaultTcpipStack", "ipv4", "10.10.0.0/21",
         ["vmk0", "vmk1"], "vmk0", [{"vmknic": "vmk1", "services": ["vmotion"]}]))
] + [
    ("dhcp-multiple-vmknics", "warning", "10.10.0.15", "defaultTcpipStack", "ipv4", None,
     ["vmk5", "vmk6"], None, []),
    ("host-not-audited", "warning", "10.10.0.17", None, None, None, [], None, []),
    ("gateway-override-ineffective", "info", "10.10.0.12", "defaultTcpipStack", "ipv4", "10.10.0.0/21",
     ["vmk1"], "vmk0", []),
    ("iscsi-binding-compliant", "info", "10.10.0.14", "defaultTcpipStack", "ipv4", "10.40.0.0/24",
     ["vmk1", "vmk2"], "vmk1", []),
    ("multi-nic-vmotion", "info", "10.10.0.14", "defaultTcpipStack", "ipv4", "10.50.0.0/24",
     ["vmk3", "vmk4"], "vmk3", []),
    ("system-owned-vmknic", "info", "10.10.0.16", "defaultTcpipStack", None, None, ["vmk3"], None, []),
    ("system-owned-vmknic", "info", "10.10.0.16", "defaultTcpipStack", None, None, ["vmk4"], None, []),
]

ALL_RULES = {
    "ipv4-same-subnet", "ipv4-overlapping-subnet", "ipv6-same-prefix", "management-shares-subnet",
    "dhcp-multiple-vmknics", "iscsi-binding-compliant", "iscsi-binding-noncompliant", "multi-nic-vmotion",
    "system-owned-vmknic", "gateway-override-ineffective", "host-not-audited",
}

_SWITCHES = [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0", "vmnic1"]},
             {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"]}]

# Variants the demo does not cover. 10.10.0.15 stays clean.
TARGETED: dict[str, Any] = {
    "inventory": {"hosts": 5, "clusters": 1},
    "hosts": [
        {"vswitches": _SWITCHES},
        # Compliant teaming, but only vmk1 is bound: a partial binding is not supported.
        {"match": "10.10.0.11",
         "portgroups": [{"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic2"], "standby": []},
                        {"name": "iSCSI-B", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic3"], "standby": []}],
         "vmknics": [{"portgroup": "iSCSI-A", "ip": "10.40.0.11/24"}, {"portgroup": "iSCSI-B", "ip": "10.40.0.111/24"}],
         "iscsi": {"enabled": True, "bind": ["vmk1"]}},
        # vMotion-only pair whose port groups inherit two active uplinks: not multi-NIC vMotion.
        {"match": "10.10.0.12",
         "portgroups": [{"name": "vMotion-A", "vlan": 50}, {"name": "vMotion-B", "vlan": 50}],
         "vmknics": [{"portgroup": "vMotion-A", "ip": "10.50.0.12/24", "services": ["vmotion"]},
                     {"portgroup": "vMotion-B", "ip": "10.50.0.112/24", "services": ["vmotion"]}]},
        # Legitimate designs only: multi-NIC vMotion on the vmotion stack (no tags: the stack implies
        # vMotion), one subnet on the default and the provisioning stack, and a compliant iSCSI pair
        # whose gateway overrides are intended (routed iSCSI), so no gateway-override finding.
        {"match": "10.10.0.13",
         "portgroups": [{"name": "vMotion-A", "vlan": 50, "active": ["vmnic0"], "standby": ["vmnic1"]},
                        {"name": "vMotion-B", "vlan": 50, "active": ["vmnic1"], "standby": ["vmnic0"]},
                        {"name": "NFS", "vlan": 80}, {"name": "Provisioning", "vlan": 80},
                        {"name": "iSCSI-A", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic2"], "standby": []},
                        {"name": "iSCSI-B", "vswitch": "vSwitch1", "vlan": 40, "active": ["vmnic3"], "standby": []}],
         "vmknics": [{"portgroup": "vMotion-A", "ip": "10.50.0.13/24", "stack": "vmotion"},
                     {"portgroup": "vMotion-B", "ip": "10.50.0.113/24", "stack": "vmotion"},
                     {"portgroup": "NFS", "ip": "10.80.0.13/24"},
                     {"portgroup": "Provisioning", "ip": "10.80.0.113/24", "stack": "vSphereProvisioning"},
                     {"portgroup": "iSCSI-A", "ip": "10.40.0.13/24", "gateway": "10.40.0.1"},
                     {"portgroup": "iSCSI-B", "ip": "10.40.0.113/24", "gateway": "10.40.0.1"}],
         "iscsi": {"enabled": True, "bind": ["vmk5", "vmk6"], "targets": True}},
        # Manual (not SLAAC) IPv6 addresses in one /64 on vmknics whose IPv4 subnets differ.
        {"match": "10.10.0.14", "ipv6_enabled": True,
         "portgroups": [{"name": "A", "vlan": 60}, {"name": "B", "vlan": 60}],
         "vmknics": [{"portgroup": "A", "ip": "10.61.0.14/24", "ipv6": [{"address": "2001:db8:60::14/64", "origin": "manual"}]},
                     {"portgroup": "B", "ip": "10.62.0.14/24", "ipv6": [{"address": "2001:db8:60::114/64", "origin": "manual"}]}]},
    ],
}

TARGETED_FINDINGS = [
    ("iscsi-binding-noncompliant", "error", "10.10.0.11", "defaultTcpipStack", "ipv4", "10.40.0.0/24",
     ["vmk1", "vmk2"], "vmk1", [{"vmknic": "vmk2", "services": []}]),
    ("ipv4-same-subnet", "error", "10.10.0.12", "defaultTcpipStack", "ipv4", "10.50.0.0/24",
     ["vmk1", "vmk2"], "vmk1", [{"vmknic": "vmk2", "services": ["vmotion"]}]),
    ("ipv6-same-prefix", "error", "10.10.0.14", "defaultTcpipStack", "ipv6", "2001:db8:60::/64",
     ["vmk1", "vmk2"], "vmk1", [{"vmknic": "vmk2", "services": []}]),
    ("iscsi-binding-compliant", "info", "10.10.0.13", "defaultTcpipStack", "ipv4", "10.40.0.0/24",
     ["vmk5", "vmk6"], "vmk5", []),
    ("multi-nic-vmotion", "info", "10.10.0.13", "vmotion", "ipv4", "10.50.0.0/24",
     ["vmk1", "vmk2"], "vmk1", []),
]


def key(finding: dict) -> tuple:
    return (finding["rule"], finding["severity"], finding["host"], finding["stack"], finding["family"],
            finding["subnet"], finding["vmknics"], finding["route_owner"], finding["misrouted"])


def audit(lab, check: bool = False, **options: Any) -> dict:
    return run_module("vmknic_audit", dict(connection_args(lab), **options), check=check)


def only(result: dict, rule: str, host: str) -> dict:
    matches = [f for f in result["findings"] if f["rule"] == rule and f["host"] == host]
    assert len(matches) == 1, (rule, host, result["findings"])
    return matches[0]


@pytest.fixture(scope="module")
def demo_lab(lab_factory):
    return lab_factory(scenario=str(DEMO))


@pytest.fixture(scope="module")
def demo(demo_lab):
    """The default audit of the demo, once; tests that write nothing share it."""
    demo_lab.clear_journal()
    result = audit(demo_lab)
    assert not result.get("failed"), result.get("msg")
    return result


@pytest.fixture(scope="module")
def targeted(lab_factory):
    lab = lab_factory(scenario=TARGETED)
    result = audit(lab)
    assert not result.get("failed"), result.get("msg")
    return result


# ---------------------------------------------------------------------------------------- rules


def test_demo_findings_exact(demo):
    assert [key(f) for f in demo["findings"]] == [tuple(row) for row in DEMO_FINDINGS]
    # The demo is meant to show every rule at least once.
    assert {f["rule"] for f in demo["findings"]} == ALL_RULES
    for finding in demo["findings"]:
        assert finding["datacenter"] == "DC0"
        assert finding["cluster"] == ("C0" if finding["host"] <= "10.10.0.14" else "C1" if finding["host"] <= "10.10.0.17" else "C2")
        assert finding["allowed"] is None
        assert finding["message"] and finding["reference"] and finding["remediation"]
        assert len(finding["id"]) == 12 and int(finding["id"], 16) >= 0


def test_demo_summary(demo):
    assert demo["summary"] == {
        "error": 12, "warning": 2, "info": 5,
        "hosts_total": 10, "hosts_audited": 9, "hosts_not_audited": 1, "hosts_with_errors": 6,
        "by_rule": {
            "ipv4-same-subnet": 5, "ipv4-overlapping-subnet": 1, "ipv6-same-prefix": 1, "management-shares-subnet": 4,
            "dhcp-multiple-vmknics": 1, "iscsi-binding-compliant": 1, "iscsi-binding-noncompliant": 1,
            "multi-nic-vmotion": 1, "system-owned-vmknic": 2, "gateway-override-ineffective": 1, "host-not-audited": 1,
            "remediation-interrupted": 0,
        },
    }
    assert demo["changed"] is False
    assert "hosts" not in demo  # return_facts defaults to false


def test_demo_evidence(demo):
    """The evidence an admin needs to act on each finding."""
    management = only(demo, "management-shares-subnet", "10.10.0.12")
    assert management["evidence"]["management_vmknic"] == "vmk0"
    assert management["evidence"]["addresses"] == {"vmk0": "10.10.0.12/21", "vmk1": "10.10.1.12/21"}

    override = only(demo, "gateway-override-ineffective", "10.10.0.12")
    assert override["evidence"]["gateway"] == "10.10.0.254"
    assert override["evidence"]["group_id"] == management["id"]

    overlap = only(demo, "ipv4-overlapping-subnet", "10.10.0.13")
    assert [(p["prefix"], p["carried_by"], p["except"]) for p in overlap["evidence"]["parts"]] == [
        ("10.31.7.0/24", "vmk4", []), ("10.31.0.0/16", "vmk3", ["10.31.7.0/24"])]

    iscsi = only(demo, "iscsi-binding-noncompliant", "10.10.0.15")
    assert "standby uplinks (vmnic3) not allowed" in iscsi["message"]
    assert "IscsiFaultVnicHasMultipleUplinks" in iscsi["message"]

    dhcp = only(demo, "dhcp-multiple-vmknics", "10.10.0.15")
    assert dhcp["evidence"]["dhcp"] == {"vmk5": ["ipv4"], "vmk6": ["ipv4"]}

    assert only(demo, "host-not-audited", "10.10.0.17")["evidence"]["connection_state"] == "notResponding"
    owners = {f["vmknics"][0]: f["evidence"]["owner"] for f in demo["findings"] if f["rule"] == "system-owned-vmknic"}
    assert owners == {"vmk3": "NSX", "vmk4": "VSAN"}


def test_demo_legitimate_designs_are_not_errors(demo):
    """Clean host, compliant iSCSI, multi-NIC vMotion, one subnet on two stacks: no error, no warning."""
    bad = [f for f in demo["findings"] if f["severity"] != "info"]
    assert not [f for f in bad if f["host"] in ("10.10.0.11", "10.10.0.14", "10.10.0.16")]
    # 10.80.0.0/24 is on both the default and the vmotion stack of 10.10.0.16: separate routing tables.
    assert not [f for f in demo["findings"] if f["subnet"] == "10.80.0.0/24"]
    assert not [f for f in demo["findings"] if f["host"] == "10.10.0.11"]


def test_targeted_findings_exact(targeted):
    assert [key(f) for f in targeted["findings"]] == [tuple(row) for row in TARGETED_FINDINGS]
    messages = {f["host"]: f["message"] for f in targeted["findings"] if f["severity"] == "error"}
    assert messages["10.10.0.11"].endswith("vmk2: not bound to any iSCSI adapter")
    assert "multi-NIC vMotion needs exactly one active uplink per port group" in messages["10.10.0.12"]
    # Legitimate designs: nothing at error, no gateway-override finding for routed iSCSI, no finding
    # for 10.80.0.0/24 on two stacks, nothing at all on the clean host.
    assert not [f for f in targeted["findings"] if f["host"] == "10.10.0.13" and f["severity"] != "info"]
    assert not [f for f in targeted["findings"] if f["rule"] == "gateway-override-ineffective"]
    assert not [f for f in targeted["findings"] if f["subnet"] == "10.80.0.0/24"]
    assert not [f for f in targeted["findings"] if f["host"] == "10.10.0.15"]
    assert targeted["summary"]["hosts_with_errors"] == 3


# ------------------------------------------------------------------------------------- policy


def test_allow_list(demo_lab, demo):
    allow_list = [
        {"host": "10.10.0.13", "rule": "ipv4-same-subnet", "subnet": "10.30.0.0/16", "reason": "NFS flat network, CHG-1"},
        {"vmknics": ["vmk5"], "rule": "dhcp-multiple-vmknics", "reason": "temporary DHCP test"},
        # Would also match the DHCP finding: the first matching entry wins.
        {"host": "10.10.0.1*", "rule": "dhcp-multiple-vmknics", "reason": "never used"},
        # Matches nothing (the host name pattern is case-insensitive, but no vmk9 exists).
        {"host": "10.10.0.12", "vmknics": ["vmk9"], "reason": "no such vmknic"},
    ]
    result = audit(demo_lab, allow_list=allow_list)
    assert not result.get("failed"), result.get("msg")

    nfs = next(f for f in result["findings"] if f["rule"] == "ipv4-same-subnet" and f["host"] == "10.10.0.13")
    assert nfs["severity"] == "info"
    assert nfs["allowed"] == {"reason": "NFS flat network, CHG-1",
                              "match": {"entry": 0, "host": "10.10.0.13", "rule": "ipv4-same-subnet", "subnet": "10.30.0.0/16"}}
    dhcp = only(result, "dhcp-multiple-vmknics", "10.10.0.15")
    assert dhcp["severity"] == "info"
    assert dhcp["allowed"] == {"reason": "temporary DHCP test",
                               "match": {"entry": 1, "host": "*", "rule": "dhcp-multiple-vmknics", "vmknics": ["vmk5"]}}
    # The id identifies the situation, not the policy: a later allow-list change keeps it.
    ids = {(f["rule"], f["host"], tuple(f["vmknics"])): f["id"] for f in demo["findings"]}
    assert all(ids[(f["rule"], f["host"], tuple(f["vmknics"]))] == f["id"] for f in result["findings"])
    # Everything else is untouched.
    others = [f for f in result["findings"] if f is not nfs and f is not dhcp]
    assert all(f["allowed"] is None for f in others)
    assert result["summary"]["error"] == 11 and result["summary"]["warning"] == 1 and result["summary"]["info"] == 7
    # 10.10.0.13 keeps its overlap error.
    assert result["summary"]["hosts_with_errors"] == 6


def test_allow_list_clears_a_host(demo_lab):
    allow_list = [{"host": "10.10.0.13", "subnet": "10.0.0.0/8", "reason": "lab host, accepted"}]
    result = audit(demo_lab, allow_list=allow_list)
    assert [f["severity"] for f in result["findings"] if f["host"] == "10.10.0.13"] == ["info", "info"]
    assert result["summary"]["hosts_with_errors"] == 5


def test_severity_overrides(demo_lab):
    result = audit(demo_lab, severity_overrides={"dhcp-multiple-vmknics": "error", "gateway-override-ineffective": "warning"},
                   # Overrides apply first; the allow-list then downgrades to info.
                   allow_list=[{"rule": "ipv4-overlapping-subnet", "reason": "re-IP planned"}])
    assert not result.get("failed"), result.get("msg")
    assert only(result, "dhcp-multiple-vmknics", "10.10.0.15")["severity"] == "error"
    assert only(result, "gateway-override-ineffective", "10.10.0.12")["severity"] == "warning"
    assert only(result, "ipv4-overlapping-subnet", "10.10.0.13")["severity"] == "info"
    assert (result["summary"]["error"], result["summary"]["warning"], result["summary"]["info"]) == (12, 2, 5)
    # Sorted by severity first: the overridden DHCP finding moves up among the errors.
    severities = [f["severity"] for f in result["findings"]]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


@pytest.mark.parametrize("options, expected", [
    ({"allow_list": [{"host": "*", "reason": "silence everything"}]}, "matches every finding"),
    ({"allow_list": [{"rule": "no-such-rule", "reason": "x"}]}, "no-such-rule"),
    ({"allow_list": [{"subnet": "10.30.0.0/33", "reason": "x"}]}, "10.30.0.0/33"),
    ({"allow_list": [{"rule": "ipv4-same-subnet", "reason": ""}]}, "reason"),
    ({"severity_overrides": {"ipv4-same-subnet": "fatal"}}, "fatal"),
    ({"severity_overrides": {"no-such-rule": "info"}}, "no-such-rule"),
])
def test_invalid_policy_fails_before_connecting(options, expected):
    """A bad policy is reported before any vSphere call: here there is not even a server to call,
    so a connection attempt would fail with a connection message instead."""
    nowhere = dict(hostname="127.0.0.1", port=1, username="nobody", password="secret", validate_certs=False)
    result = run_module("vmknic_audit", dict(nowhere, **options))
    assert result.get("failed") is True, result
    assert result["msg"].startswith("Invalid audit policy: "), result["msg"]
    assert expected in result["msg"], result["msg"]
    assert "findings" not in result


def test_missing_reason_is_an_argument_error():
    nowhere = dict(hostname="127.0.0.1", port=1, username="nobody", password="secret", validate_certs=False)
    result = run_module("vmknic_audit", dict(nowhere, allow_list=[{"host": "esx01"}]))
    assert result.get("failed") is True
    assert "reason" in result["msg"]


# ------------------------------------------------------------------------------------ fail_on


@pytest.mark.parametrize("fail_on, count, hosts", [("error", 12, 6), ("warning", 14, 7), ("info", 19, 9)])
def test_fail_on_threshold(demo_lab, demo, fail_on, count, hosts):
    result = audit(demo_lab, fail_on=fail_on)
    assert result.get("failed") is True
    assert result["msg"] == f"{count} finding(s) at or above '{fail_on}' on {hosts} host(s)"
    # A pipeline that fails still gets everything it needs to report.
    assert result["findings"] == demo["findings"]
    assert result["summary"] == demo["summary"]
    assert result["changed"] is False


def test_fail_on_never_and_clean_scope(demo_lab, demo):
    result = audit(demo_lab, fail_on="never")
    assert not result.get("failed")
    assert result["findings"] == demo["findings"]
    # fail_on error on a scope without errors (the clean host) passes.
    clean = audit(demo_lab, fail_on="error", esxi_hostnames=["10.10.0.11"])
    assert not clean.get("failed"), clean.get("msg")
    assert clean["findings"] == []
    assert clean["summary"]["hosts_total"] == 1


# -------------------------------------------------------------------------------------- scope


@pytest.mark.parametrize("options, hosts", [
    ({"clusters": ["C1"]}, ["10.10.0.15", "10.10.0.16", "10.10.0.17"]),
    ({"cluster_name": "C0"}, ["10.10.0.11", "10.10.0.12", "10.10.0.13", "10.10.0.14"]),
    ({"esxi_hostnames": ["10.10.0.12", "10.10.0.16"]}, ["10.10.0.12", "10.10.0.16"]),
    ({"datacenter": "DC0", "clusters": ["C0"], "esxi_hostname": ["10.10.0.13"]}, ["10.10.0.13"]),
    ({"clusters": ["C2"]}, ["10.10.0.18", "10.10.0.19", "10.10.0.20"]),  # on a distributed switch
    ({"datacenter": "DC0"}, [f"10.10.0.{n}" for n in range(11, 21)]),
])
def test_scope(demo_lab, demo, options, hosts):
    result = audit(demo_lab, return_facts=True, **options)
    assert not result.get("failed"), result.get("msg")
    assert sorted(h["name"] for h in result["hosts"]) == hosts
    assert result["summary"]["hosts_total"] == len(hosts)
    # A narrower scope gives exactly the demo's findings of those hosts.
    assert result["findings"] == [f for f in demo["findings"] if f["host"] in hosts]


@pytest.mark.parametrize("options, expected", [
    ({"clusters": ["NoSuchCluster"]}, "NoSuchCluster"),
    ({"esxi_hostnames": ["esx-missing"]}, "esx-missing"),
    ({"datacenter": "NoSuchDC"}, "NoSuchDC"),
])
def test_scope_unknown_name_fails(demo_lab, options, expected):
    result = audit(demo_lab, **options)
    assert result.get("failed") is True
    assert result["msg"].startswith("Invalid scope: ") and expected in result["msg"], result["msg"]


# ------------------------------------------------------------------------------ read only


def test_check_mode_identical(demo_lab, demo):
    checked = audit(demo_lab, check=True)
    assert not checked.get("failed"), checked.get("msg")
    assert checked["changed"] is False
    assert checked["findings"] == demo["findings"]
    assert checked["summary"] == demo["summary"]
    failing = audit(demo_lab, check=True, fail_on="error")
    assert failing.get("failed") is True and failing["findings"] == demo["findings"]


def test_return_facts(demo_lab):
    result = audit(demo_lab, return_facts=True, esxi_hostnames=["10.10.0.14"])
    assert [h["name"] for h in result["hosts"]] == ["10.10.0.14"]
    assert {v["device"] for v in result["hosts"][0]["vmknics"]} == {"vmk0", "vmk1", "vmk2", "vmk3", "vmk4"}


def test_audit_never_writes(demo_lab, demo):
    """Runs last in this module (pytest keeps file order): every audit above, check mode or not,
    failing or not, left the lab journal empty."""
    assert demo_lab.journal() == []
    result = audit(demo_lab, fail_on="info", return_facts=True)
    assert result["changed"] is False
    assert demo_lab.journal() == []
