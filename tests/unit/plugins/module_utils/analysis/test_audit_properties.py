# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests of the analysis engine (hypothesis)."""

from __future__ import annotations

import copy
import ipaddress
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import (
    GROUP_RULES,
    RULES,
    SEVERITIES,
    analyse,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    make_binding,
    make_host,
    make_portgroup,
    make_vmknic,
)

STACKS = ("defaultTcpipStack", "vmotion", "custom1")
SERVICES = ("management", "vmotion", "vsan", "faultToleranceLogging", "vSphereReplication")
UPLINKS = ("vmnic0", "vmnic1", "vmnic2", "vmnic3")
PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def vmknic_options(draw) -> dict:
    """Everything about a vmknic except its addresses."""
    binding = draw(st.sampled_from([None, "vmhba64", "vmhba65"]))
    return dict(
        stack=draw(st.sampled_from(STACKS)),
        services=draw(st.lists(st.sampled_from(SERVICES), unique=True, max_size=2)),
        iscsi_bindings=[make_binding(binding)] if binding else [],
        gateway_override=draw(st.sampled_from([None, {"ipv4": "10.255.0.1", "ipv6": None}])),
        system_owned=draw(st.integers(0, 9)) == 0,
        dhcp=draw(st.integers(0, 5)) == 0,
    )


@st.composite
def teaming(draw) -> tuple[list[str], list[str]]:
    active = draw(st.lists(st.sampled_from(UPLINKS), unique=True, max_size=3))
    standby = draw(st.lists(st.sampled_from([u for u in UPLINKS if u not in active]), unique=True, max_size=1))
    return active, standby


@st.composite
def host(draw, name: str = "esx01", *, disjoint: bool = False) -> dict:
    """A host with 1-7 vmknics. `disjoint`: every vmknic gets its own /24 and /64 slot."""
    count = draw(st.integers(1, 7))
    slots = draw(st.lists(st.integers(0, 250), unique=True, min_size=count, max_size=count)) if disjoint else None
    nics, portgroups = [], []
    for index in range(count):
        device = f"vmk{index}"
        options = draw(vmknic_options())
        if disjoint:
            # Any prefix length from /24 up keeps the subnet inside the vmknic's own /24.
            ipv4 = f"10.1.{slots[index]}.{index + 1}/{draw(st.integers(24, 29))}"
            ipv6 = [f"2001:db8:{slots[index]:x}::{index + 1:x}/{draw(st.sampled_from([64, 80, 96]))}"]
        else:
            ipv4 = draw(st.sampled_from([
                None, f"10.0.{draw(st.integers(0, 3))}.{index + 10}/24", f"10.0.{index}.{index + 10}/16",
                f"10.0.{draw(st.integers(0, 3))}.{128 + index}/25",
            ]))
            ipv6 = draw(st.sampled_from([[], [f"2001:db8:{draw(st.integers(0, 2))}::{index + 1:x}/64"]]))
        nics.append(make_vmknic(device, ipv4, ipv6=ipv6, **options))
        active, standby = draw(teaming())
        portgroups.append(make_portgroup(f"pg-{device}", active=active, standby=standby))
    management = draw(st.sampled_from([None, "vmk0", "by-address", "none"]))
    mgmt_block = None
    if management == "by-address" and nics[0]["ipv4"] and nics[0]["ipv4"]["address"]:
        mgmt_block = {"address": nics[0]["ipv4"]["address"], "vmknic": None, "source": "dns"}
    elif management == "none":
        mgmt_block = {"address": None, "vmknic": None, "source": None}
    return make_host(name, nics, portgroups=portgroups, management=mgmt_block)


@st.composite
def fleet(draw) -> list[dict]:
    count = draw(st.integers(1, 4))
    hosts = [draw(host(f"esx{i:02d}")) for i in range(count)]
    if draw(st.booleans()):
        hosts.append(make_host("esx99", config_available=False))
    return hosts


def _addressed(nic: dict) -> bool:
    return bool(nic["ipv4"] and nic["ipv4"]["address"])


def _shuffle_host(host: dict, rnd: random.Random) -> dict:
    """The same host with every list shuffled, except that connected routes of one network keep
    their relative order (it decides which vmknic carries the network)."""
    host = copy.deepcopy(host)
    for key in ("vmknics", "portgroups", "stacks", "iscsi_adapters"):
        rnd.shuffle(host[key])
    for nic in host["vmknics"]:
        rnd.shuffle(nic["iscsi_bindings"])
    for stack in host["stacks"]:
        queues: dict[str, list] = {}
        for route in stack["routes"]:
            queues.setdefault(route["network"], []).append(route)
        labels = [route["network"] for route in stack["routes"]]
        rnd.shuffle(labels)
        stack["routes"] = [queues[label].pop(0) for label in labels]
    return host


# ---------------------------------------------------------------- properties


@PROFILE
@given(host(disjoint=True))
def test_disjoint_subnets_never_produce_an_error(h):
    findings = analyse([h])["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []
    assert {f["rule"] for f in findings} <= {"system-owned-vmknic", "dhcp-multiple-vmknics"}


@PROFILE
@given(host())
def test_every_same_subnet_pair_on_one_stack_is_found(h):
    findings = analyse([h])["findings"]
    groups = [f for f in findings if f["rule"] in GROUP_RULES and f["family"] == "ipv4"]
    nics = [n for n in h["vmknics"] if _addressed(n) and not n["system_owned"]]
    for i, a in enumerate(nics):
        for b in nics[i + 1:]:
            net_a = str(ipaddress.ip_interface(f"{a['ipv4']['address']}/{a['ipv4']['prefix_length']}").network)
            net_b = str(ipaddress.ip_interface(f"{b['ipv4']['address']}/{b['ipv4']['prefix_length']}").network)
            together = [f for f in groups if {a["device"], b["device"]} <= set(f["vmknics"])]
            if a["stack"] == b["stack"] and net_a == net_b:
                assert [f["subnet"] for f in together] == [net_a], (a["device"], b["device"], findings)
                assert together[0]["stack"] == a["stack"]
            else:
                assert together == []


@PROFILE
@given(host())
def test_every_overlap_on_one_stack_is_found(h):
    findings = analyse([h])["findings"]
    overlaps = [f for f in findings if f["rule"] == "ipv4-overlapping-subnet"]
    nics = [n for n in h["vmknics"] if _addressed(n) and not n["system_owned"]]
    nets = {n["device"]: ipaddress.ip_network(n["ipv4"]["network"]) for n in nics}
    for a in nics:
        for b in nics:
            outer, inner = nets[a["device"]], nets[b["device"]]
            if a["stack"] == b["stack"] and inner != outer and inner.subnet_of(outer):
                assert any({a["device"], b["device"]} <= set(f["vmknics"]) for f in overlaps), findings
    for finding in overlaps:
        assert len({n["stack"] for n in nics if n["device"] in finding["vmknics"]}) == 1


@PROFILE
@given(fleet(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(hosts, rnd):
    expected = analyse(hosts)
    shuffled = [_shuffle_host(h, rnd) for h in hosts]
    rnd.shuffle(shuffled)
    assert analyse(shuffled) == expected


@PROFILE
@given(fleet())
def test_summary_and_ids_are_consistent(hosts):
    result = analyse(hosts)
    findings, summary = result["findings"], result["summary"]
    assert sum(summary[s] for s in SEVERITIES) == len(findings)
    assert sum(summary["by_rule"].values()) == len(findings)
    assert set(summary["by_rule"]) == set(RULES)
    assert len({f["id"] for f in findings}) == len(findings)
    assert summary["hosts_total"] == len(hosts)
    assert summary["hosts_not_audited"] == sum(not h["config_available"] for h in hosts)
    assert summary["hosts_with_errors"] == len({f["host"] for f in findings if f["severity"] == "error"})
    # Every finding names only vmknics that exist on its host.
    devices = {h["name"]: {n["device"] for n in h["vmknics"]} for h in hosts}
    for finding in findings:
        assert set(finding["vmknics"]) <= devices[finding["host"]]
        if finding["rule"] != "gateway-override-ineffective":  # names only the overriding vmknic
            assert finding["route_owner"] is None or finding["route_owner"] in finding["vmknics"]
        misrouted = {m["vmknic"] for m in finding["misrouted"]}
        if finding["rule"] == "ipv4-overlapping-subnet":
            # The enclosing prefix's own vmknic loses the longer prefixes inside it.
            assert misrouted and misrouted <= set(finding["vmknics"])
        else:
            assert misrouted <= set(finding["vmknics"]) - {finding["route_owner"]}


@PROFILE
@given(fleet())
def test_allow_everything_on_a_host_pattern_leaves_no_error(hosts):
    result = analyse(hosts, [{"host": "esx*", "reason": "accepted"}])
    assert all(f["severity"] == "info" and f["allowed"]["reason"] == "accepted" for f in result["findings"])
