# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Equality is the test: the bulk read parsed by the collection (_retrieve_stream) and by pyVmomi
gives identical facts, for every lab scenario the integration tests use, for configurations built
through the plain API, for random configurations, over one page and over many.

Every comparison also checks that the fast path really ran (no fallback warning); a comparison of
pyVmomi with itself could not fail.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyVim.task import WaitForTask

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere import _gather, _retrieve_stream
from harness import Lab
from vsphere import Vsphere

TESTS = Path(__file__).resolve().parents[1]
LAB_SCENARIOS = TESTS.parent / "lab" / "scenarios"
SCENARIO_KEYS = {"inventory", "dhcp_segments", "ra_segments", "faults", "hosts", "distributed_switches"}


def integration_scenarios() -> list[tuple[str, dict[str, Any]]]:
    """Every scenario file of the lab and every module-level scenario of tests/integration: the
    module-level assignments of each test file are evaluated in order (plain data only, names
    defined earlier in the file allowed), and the dicts shaped like a scenario are kept."""
    found = [(f"lab/{path.name}", yaml.safe_load(path.read_text())) for path in sorted(LAB_SCENARIOS.glob("*.yaml"))]
    for path in sorted(TESTS.glob("**/test_*.py")):
        names: dict[str, Any] = {"__builtins__": {"dict": dict, "list": list, "range": range, "str": str}}
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                continue
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if not isinstance(target, ast.Name):
                continue
            try:
                value = eval(compile(ast.Expression(node.value), str(path), "eval"), names)  # noqa: S307 (our own test data)
            except Exception:  # refers to imports or functions: not plain data
                continue
            names[target.id] = value
            if isinstance(value, dict) and isinstance(value.get("hosts"), list) and set(value) <= SCENARIO_KEYS:
                found.append((f"{path.relative_to(TESTS)}:{target.id}", value))
    return found


SCENARIOS = integration_scenarios()


def test_every_scenario_is_found():
    names = [name for name, _scenario in SCENARIOS]
    assert "lab/demo.yaml" in names
    assert len(names) >= 11, names  # demo + the module scenarios (vmknic, iSCSI, remediation, audit, ...)


def read_both(si: Any, page_size: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    monkeypatch.setattr(_gather, "PAGE_SIZE", page_size)
    warnings: list[str] = []
    fast = _gather.gather(si, warn=warnings.append)
    assert warnings == []  # the fast path ran to the end
    return fast, _gather.gather(si, fast_read=False)


def assert_identical(fast: list[dict[str, Any]], slow: list[dict[str, Any]]) -> None:
    assert fast == slow
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)  # same JSON types too


def check_lab(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    lab.clear_faults()  # injected faults count calls: both reads must meet the same lab
    with Vsphere(lab) as vs:
        for page_size in (_gather.PAGE_SIZE, 2):
            fast, slow = read_both(vs.si, page_size, monkeypatch)
            assert_identical(fast, slow)
    return fast


@pytest.mark.collection_logic
@pytest.mark.parametrize("scenario", [s for _name, s in SCENARIOS], ids=[name for name, _s in SCENARIOS])
def test_scenario(scenario, tmp_path, monkeypatch):
    with Lab.start(scenario=scenario, state_dir=str(tmp_path)) as lab:
        facts = check_lab(lab, monkeypatch)
    assert facts and all(host["name"] for host in facts)


def test_configuration_built_through_the_api(tmp_path, monkeypatch):
    """IPv6 with two addresses and SLAAC off, a same-subnet NFS pair with a gateway override, the
    vmotion stack, fault tolerance logging, one iSCSI binding, a host in maintenance and a
    disconnected one, all made with plain pyVmomi calls on default hosts."""
    with Lab.start(hosts=3, clusters=1, state_dir=str(tmp_path)) as lab, Vsphere(lab) as vs:
        names = vs.host_names()
        host = vs.host(names[1])
        host.configManager.networkSystem.UpdateNetworkConfig(_gather.vim.host.NetworkConfig(ipV6Enabled=True), "modify")
        for name, vlan, active, standby in [("NFS-1", 50, ["vmnic2"], []), ("NFS-2", 50, ["vmnic3"], ["vmnic0"]),
                                            ("Migrate", 60, ["vmnic1"], ["vmnic0"])]:
            vs.add_portgroup(host, name, vlan=vlan, active=active, standby=standby)
        nfs = [vs.add_vmknic(host, name, ipv4=f"10.50.{i}.21", netmask="255.255.0.0", mtu=9000,
                             ipv6=[(f"2001:db8:50::{21 + i}", 64), (f"2001:db8:51::{21 + i}", 80)],
                             gateway="10.50.0.1" if i else None)
               for i, name in enumerate(["NFS-1", "NFS-2"])]
        vs.select(host, "faultToleranceLogging", nfs[1])
        vs.add_vmknic(host, "Migrate", ipv4="10.60.0.21", netmask="255.255.255.0", stack="vmotion")
        adapter = vs.software_iscsi_adapter(host)
        vs.bind(host, adapter, nfs[0])
        WaitForTask(vs.host(names[0]).EnterMaintenanceMode_Task(timeout=0))
        vs.disconnect_host(vs.host(names[2]))
        facts = check_lab(lab, monkeypatch)
    changed = next(h for h in facts if h["name"] == names[1])
    assert [a["bound_vmknics"] for a in changed["iscsi_adapters"]] == [[nfs[0]]]
    assert [h["maintenance_mode"] for h in facts] == [True, False, False]
    assert next(h for h in facts if h["name"] == names[2])["config_available"] is False


def test_distributed_switches_built_through_the_api(tmp_path, monkeypatch):
    """Two switches, dvPortgroups with a VLAN id, trunked ranges and a private VLAN, uplinks with
    and without a pNIC behind them, vmknics on distributed ports next to standard ones, made with
    plain pyVmomi calls: both parsers give the same facts, over one page and over many."""
    from labdvs import add_dvportgroup, add_dvs_hosts, add_vmk_on_dvpg, create_dvs

    with Lab.start(hosts=3, clusters=1, state_dir=str(tmp_path)) as lab, Vsphere(lab) as vs:
        hosts = [vs.host(name) for name in vs.host_names()]
        storage = create_dvs(vs.si, "dvs-Storage", uplinks=["Uplink 1", "Uplink 2", "Uplink 3"])
        add_dvs_hosts(storage, {hosts[0]: ["vmnic2", "vmnic3"], hosts[1]: ["vmnic3"]})
        other = create_dvs(vs.si, "dvs-Other", uplinks=["Uplink 1", "Uplink 2"])
        add_dvs_hosts(other, {hosts[1]: ["vmnic2"], hosts[2]: ["vmnic2", "vmnic3"]})
        portgroups = [
            add_dvportgroup(storage, "iSCSI", vlan=40, active=["Uplink 1"], standby=[]),
            add_dvportgroup(storage, "Trunk", trunk=[(100, 199), (10, 20)]),
            add_dvportgroup(storage, "Private", pvlan=501, active=["Uplink 3"], standby=["Uplink 2"]),
            add_dvportgroup(other, "iSCSI", vlan=41, active=["Uplink 2"], standby=["Uplink 1"]),
        ]
        add_vmk_on_dvpg(hosts[0], portgroups[0], "10.40.0.11", "255.255.255.0", mtu=9000)
        add_vmk_on_dvpg(hosts[0], portgroups[1], "10.41.0.11", "255.255.255.0")
        add_vmk_on_dvpg(hosts[1], portgroups[2], "10.42.0.12", "255.255.255.0")
        add_vmk_on_dvpg(hosts[1], portgroups[3], "10.40.0.12", "255.255.255.0")
        add_vmk_on_dvpg(hosts[2], portgroups[3], "10.40.0.13", "255.255.255.0")
        vs.add_portgroup(hosts[2], "NFS", vlan=30)
        vs.add_vmknic(hosts[2], "NFS", ipv4="10.40.0.23", netmask="255.255.255.0")
        facts = check_lab(lab, monkeypatch)
    distributed = [(h["name"], p["switch"], p["name"], p["vlan_spec"]["type"]) for h in facts for p in h["portgroups"]
                   if p["switch_type"] == "distributed"]
    assert sorted(distributed) == sorted([
        (facts[0]["name"], "dvs-Storage", "iSCSI", "vlan"), (facts[0]["name"], "dvs-Storage", "Trunk", "trunk"),
        (facts[1]["name"], "dvs-Other", "iSCSI", "vlan"), (facts[1]["name"], "dvs-Storage", "Private", "pvlan"),
        (facts[2]["name"], "dvs-Other", "iSCSI", "vlan")])
    assert all(h["errors"] == [] for h in facts)


def test_many_pages(tmp_path, monkeypatch):
    """250 hosts: three pages at the lab's cap of 100, 125 pages of two."""
    with Lab.start(hosts=250, clusters=3, scenario=str(LAB_SCENARIOS / "demo.yaml"), state_dir=str(tmp_path)) as lab:
        facts = check_lab(lab, monkeypatch)
    assert len(facts) == 250


# ---------------------------------------------------------------------------------------------
# A host changed between two pages


def set_mtu(vs: Vsphere, name: str, mtu: int) -> None:
    host = vs.host(name)
    host.configManager.networkSystem.UpdateVirtualNic("vmk0", _gather.vim.host.VirtualNic.Specification(mtu=mtu))


@pytest.mark.collection_logic
@pytest.mark.parametrize("fast_read", [True, False], ids=["fast", "pyvmomi"])
def test_host_changed_between_pages(fast_read, tmp_path, monkeypatch):
    """Every host's MTU changes after the first page has been read. vCenter promises no snapshot
    across pages: the facts must show the hosts of page 1 as they were and the others as they are,
    each host whole, with both parsers alike."""
    with Lab.start(hosts=6, state_dir=str(tmp_path)) as lab, Vsphere(lab) as vs:
        si = vs.si
        topology = _gather.read_topology(si.RetrieveContent())  # read before the hooks: they watch the bulk read
        order = [topology["objects"][host._moId]["name"] for host in topology["hosts"]]
        monkeypatch.setattr(_gather, "PAGE_SIZE", 2)
        changed = []

        def change_all_first() -> None:
            if not changed:
                changed.append(True)
                for name in order:
                    set_mtu(vs, name, 1600)

        if fast_read:
            original_call = _retrieve_stream.call

            def call(stub, this, method, args, timeout=None):
                if method == "ContinueRetrievePropertiesEx":
                    change_all_first()
                return original_call(stub, this, method, args, timeout)
            monkeypatch.setattr(_retrieve_stream, "call", call)
        else:
            stub = si._stub
            original_invoke = stub.InvokeMethod

            def invoke(mo, info, args, outerStub=None):
                if info.wsdlName == "ContinueRetrievePropertiesEx":
                    change_all_first()
                return original_invoke(mo, info, args, outerStub)
            monkeypatch.setattr(stub, "InvokeMethod", invoke)
        warnings: list[str] = []
        facts = {h["name"]: h for h in _gather.gather(si, topology=topology, fast_read=fast_read, warn=warnings.append)}
    assert changed and warnings == []
    mtus = {name: [v["mtu"] for v in facts[name]["vmknics"]] for name in order}
    assert mtus == {name: [1500] if name in order[:2] else [1600] for name in order}


def test_fallback_mid_read_discards_the_fast_pages(tmp_path, monkeypatch):
    """Our parser gives up on page 2: the module says so, and every fact comes from pyVmomi."""
    with Lab.start(scenario=str(LAB_SCENARIOS / "demo.yaml"), state_dir=str(tmp_path)) as lab, Vsphere(lab) as vs:
        lab.clear_faults()
        monkeypatch.setattr(_gather, "PAGE_SIZE", 2)
        original_call = _retrieve_stream.call

        def call(stub, this, method, args, timeout=None):
            if method == "ContinueRetrievePropertiesEx":
                raise _retrieve_stream.FastReadUnsupported("test: page 2 not understood")
            return original_call(stub, this, method, args, timeout)
        monkeypatch.setattr(_retrieve_stream, "call", call)
        warnings: list[str] = []
        fast = _gather.gather(vs.si, warn=warnings.append)
        slow = _gather.gather(vs.si, fast_read=False)
    assert warnings == ["The bulk host read was parsed by pyVmomi instead of this collection's parser "
                        "(test: page 2 not understood); the facts are the same, only slower."]
    assert_identical(fast, slow)


# ---------------------------------------------------------------------------------------------
# Random configurations


@st.composite
def host_rules(draw: st.DrawFn, index: int) -> dict[str, Any]:
    ipv6 = draw(st.booleans())
    rule: dict[str, Any] = {
        "index": index,
        "connection": draw(st.sampled_from(["connected"] * 4 + ["notResponding", "disconnected"])),
        "maintenance": draw(st.booleans()),
        "ipv6_enabled": ipv6,
    }
    split = draw(st.booleans())
    if split:
        rule["vswitches"] = [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "active": ["vmnic0"], "standby": ["vmnic1"]},
                             {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3"], "active": ["vmnic2", "vmnic3"], "mtu": 9000}]
    portgroups, vmknics = [], []
    for k in range(draw(st.integers(0, 4))):
        vswitch = draw(st.sampled_from(["vSwitch0", "vSwitch1"] if split else ["vSwitch0"]))
        uplinks = ["vmnic0", "vmnic1"] if vswitch == "vSwitch0" and split else ["vmnic2", "vmnic3"] if split else [
            "vmnic0", "vmnic1", "vmnic2", "vmnic3"]
        vlan = draw(st.sampled_from([0, 20, 60, 70, 4094]))
        portgroup: dict[str, Any] = {"name": f"PG-{k}", "vswitch": vswitch, "vlan": vlan}
        if draw(st.booleans()):
            active = draw(st.lists(st.sampled_from(uplinks), min_size=1, max_size=2, unique=True))
            portgroup.update(active=active, standby=[u for u in uplinks if u not in active][:1])
        portgroups.append(portgroup)
        if not draw(st.booleans()):
            continue
        stack = draw(st.sampled_from(["defaultTcpipStack"] * 3 + ["vmotion", "vSphereProvisioning"]))
        subnet = draw(st.sampled_from([20, 21]))
        prefix = draw(st.sampled_from([16, 24, 28]))
        vmknic: dict[str, Any] = {"portgroup": portgroup["name"], "stack": stack, "mtu": draw(st.sampled_from([1500, 9000]))}
        if vlan == 70 and draw(st.booleans()):
            vmknic["dhcp"] = True
        else:
            vmknic["ip"] = f"10.{subnet}.0.{10 + index}/{prefix}"
            if draw(st.booleans()):
                vmknic["gateway"] = f"10.{subnet}.0.1"
        if ipv6 and draw(st.booleans()):
            vmknic["ipv6"] = [{"address": f"2001:db8:{subnet}::{index + 1}/64", "origin": "manual"}]
        if ipv6 and vlan == 60:
            vmknic["ipv6_autoconf"] = draw(st.booleans())
        if stack == "defaultTcpipStack":
            vmknic["services"] = draw(st.lists(st.sampled_from(
                ["vmotion", "management", "faultToleranceLogging", "vSphereReplication", "vSphereProvisioning"]),
                max_size=2, unique=True))
            if draw(st.integers(0, 5)) == 0:
                vmknic["owner"] = "NSX"
        vmknics.append(vmknic)
    rule["portgroups"], rule["vmknics"] = portgroups, vmknics
    if draw(st.booleans()):
        devices = [f"vmk{n + 1}" for n in range(len(vmknics)) if vmknics[n]["stack"] == "defaultTcpipStack"]
        rule["iscsi"] = {"enabled": True, "bind": draw(st.lists(st.sampled_from(devices), unique=True)) if devices else [],
                         "targets": draw(st.booleans())}
    return rule


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    hosts = draw(st.integers(1, 4))
    return {
        "inventory": {"hosts": hosts, "clusters": draw(st.integers(1, hosts))},
        "dhcp_segments": [{"vlan": 70, "subnet": "10.70.0.0/24"}],
        "ra_segments": [{"vlan": 60, "prefix": "2001:db8:60::/64"}],
        "hosts": [draw(host_rules(index)) for index in range(hosts)],
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_random_configurations(scenario, tmp_path_factory, monkeypatch):
    with Lab.start(scenario=scenario, state_dir=str(tmp_path_factory.mktemp("lab"))) as lab:
        check_lab(lab, monkeypatch)


@st.composite
def distributed_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """One or two switches with random members (pNICs from vmnic2/vmnic3, which leave vSwitch0),
    dvPortgroups with a VLAN id, trunk or private VLAN and a random or inherited uplink order, and
    vmknics on them with random addresses, MTU, IPv6 and services."""
    hosts = draw(st.integers(1, 3))
    uplinks = ["Uplink 1", "Uplink 2", "Uplink 3"]
    switches, rules = [], [{"index": index, "ipv6_enabled": draw(st.booleans()), "vmknics": []} for index in range(hosts)]
    taken: set[tuple[int, str]] = set()
    for number in range(draw(st.integers(1, 2))):
        members = []
        for index in range(hosts):
            free = [p for p in ("vmnic2", "vmnic3") if (index, p) not in taken]
            if draw(st.booleans()):
                pnics = draw(st.lists(st.sampled_from(free), unique=True, max_size=len(free))) if free else []
                taken.update((index, p) for p in pnics)
                members.append({"index": index, "pnics": pnics})
        portgroups = []
        for k in range(draw(st.integers(1, 3))):
            portgroup: dict[str, Any] = {"name": f"dvPG-{number}-{k}"}
            kind = draw(st.sampled_from(["vlan", "vlan", "trunk", "pvlan"]))
            if kind == "vlan":
                portgroup["vlan"] = draw(st.sampled_from([0, 20, 4094]))
            elif kind == "trunk":
                portgroup["vlan_trunk"] = draw(st.sampled_from([[[100, 199]], [[10, 20], [300, 301]]]))
            else:
                portgroup["pvlan"] = draw(st.sampled_from([501, 502]))
            if draw(st.booleans()):
                active = draw(st.lists(st.sampled_from(uplinks), min_size=1, max_size=2, unique=True))
                portgroup.update(active=active, standby=draw(st.lists(st.sampled_from([u for u in uplinks if u not in active]),
                                                                      max_size=1)))
            portgroups.append(portgroup)
        switches.append({"name": f"dvs-{number}", "uplinks": uplinks, "members": members, "portgroups": portgroups})
        for member in members:
            index = member["index"]
            for portgroup in draw(st.lists(st.sampled_from(portgroups), max_size=2, unique_by=lambda p: p["name"])):
                vmknic: dict[str, Any] = {"dvportgroup": portgroup["name"], "dvswitch": f"dvs-{number}",
                                          "ip": f"10.{draw(st.sampled_from([20, 21]))}.{number}.{10 + index}/24",
                                          "mtu": draw(st.sampled_from([1500, 9000]))}
                if rules[index]["ipv6_enabled"] and draw(st.booleans()):
                    vmknic["ipv6"] = [{"address": f"2001:db8:{number}::{index + 1}/64", "origin": "manual"}]
                vmknic["services"] = draw(st.lists(st.sampled_from(["vmotion", "faultToleranceLogging"]), max_size=1))
                rules[index]["vmknics"].append(vmknic)
    return {"inventory": {"hosts": hosts, "clusters": 1}, "distributed_switches": switches, "hosts": rules}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=distributed_scenarios())
def test_random_distributed_configurations(scenario, tmp_path_factory, monkeypatch):
    with Lab.start(scenario=scenario, state_dir=str(tmp_path_factory.mktemp("lab"))) as lab:
        check_lab(lab, monkeypatch)
