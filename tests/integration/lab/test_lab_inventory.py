"""Default inventory, scenario loading and validation, the launcher's command contract,
PropertyCollector reads, ESX mode."""

import json
import os
import subprocess
import sys

import pytest
from conftest import DEMO, LAB_DIR, all_hosts, connect, eui64_link_local, link_local_routes, retrieve, routes, routes6, selected, vnic
from labctl import BINARY, SRC, Lab, LabError
from pyVmomi import vim

PATHS = ["name", "runtime.connectionState", "runtime.inMaintenanceMode", "config.network.vnic",
         "config.network.portgroup", "config.network.vswitch", "config.network.proxySwitch",
         "config.network.netStackInstance", "config.network.routeTableInfo", "config.network.ipRouteConfig",
         "config.network.ipV6Enabled", "config.virtualNicManagerInfo", "config.storageDevice.hostBusAdapter",
         "config.storageDevice.softwareInternetScsiEnabled", "configManager.networkSystem",
         "configManager.virtualNicManager", "configManager.iscsiManager", "configManager.storageSystem", "parent"]


def test_default_inventory(tmp_path):
    with Lab.start(hosts=5, clusters=2, state_dir=str(tmp_path)) as lab:
        si = connect(lab)
        c = si.content
        dc = c.rootFolder.childEntity[0]
        assert dc.name == "DC0"
        clusters = {cl.name: sorted(h.name for h in cl.host) for cl in dc.hostFolder.childEntity}
        assert clusters == {"C0": ["10.10.0.11", "10.10.0.12", "10.10.0.13"], "C1": ["10.10.0.14", "10.10.0.15"]}
        h = all_hosts(si)["10.10.0.13"]
        net = h.config.network
        assert [p.device for p in net.pnic] == ["vmnic0", "vmnic1", "vmnic2", "vmnic3"]
        assert [(v.name, list(v.spec.bridge.nicDevice)) for v in net.vswitch] == [("vSwitch0", ["vmnic0", "vmnic1", "vmnic2", "vmnic3"])]
        assert {p.spec.name: p.spec.vlanId for p in net.portgroup} == {"VM Network": 0, "Management Network": 0}
        v = vnic(h, "vmk0")
        assert (v.portgroup, v.spec.ip.ipAddress, v.spec.ip.subnetMask, v.spec.ip.dhcp) == ("Management Network", "10.10.0.13", "255.255.248.0", False)
        assert len(net.vnic) == 1
        assert selected(h, "management") == ["vmk0"]
        # The stacks an ESXi 8.0.3 host lists, in its order, only the default one named; stacks
        # without vmknics have no routeTableConfig.
        assert [(s.key, s.name) for s in net.netStackInstance] == [
            ("ops", None), ("mirror", None), ("vSphereProvisioning", None), ("vmotion", None),
            ("defaultTcpipStack", "defaultTcpipStack")]
        assert [s.key for s in net.netStackInstance if s.routeTableConfig is not None] == ["defaultTcpipStack"]
        assert net.ipRouteConfig.defaultGateway == "10.10.0.1"
        assert routes(h) == [("0.0.0.0", 0, "10.10.0.1", "vmk0"), ("10.10.0.0", 21, "0.0.0.0", "vmk0")]
        # IPv6 on, the installer's vmk0 with autoconfiguration on and only its EUI-64 link-local
        # address (no router on the segment), routed per vmknic.
        assert (net.ipV6Enabled, net.atBootIpV6Enabled) == (True, True)
        v6 = v.spec.ip.ipV6Config
        assert (v6.autoConfigurationEnabled, v6.dhcpV6Enabled) == (True, False)
        assert [(a.ipAddress, a.prefixLength, a.origin) for a in v6.ipV6Address] == [(eui64_link_local(v.spec.mac), 64, "other")]
        assert routes6(h) == link_local_routes(h, "vmk0")
        assert summary_ip(h) == "10.10.0.10"  # vCenter's address
        assert h.config.storageDevice.softwareInternetScsiEnabled is False
        ids = {x.configManager.iscsiManager._moId for x in all_hosts(si).values()}
        assert len(ids) == 5
        assert lab.journal() == []


def summary_ip(host):
    return host.summary.managementServerIp


def test_property_collector_reads_all_paths(si):
    data = retrieve(si, PATHS)
    assert len(data) == 19
    for name, props in data.items():
        assert set(props) >= set(PATHS) - {"config.network.proxySwitch"}, name
    assert isinstance(data["10.10.0.11"]["parent"], vim.ClusterComputeResource)


def test_demo_scenario_content(hosts):
    h = hosts["10.10.0.12"]
    # one connected route for the shared subnet: the vmknic that came up first
    assert [r[3] for r in routes(h) if r[0] == "10.10.0.0"] == ["vmk0"]
    assert vnic(h, "vmk1").spec.ipRouteSpec.ipRouteConfig.defaultGateway == "10.10.0.254"
    h = hosts["10.10.0.15"]
    dhcp = [(v.spec.ip.dhcp, v.spec.ip.ipAddress) for v in h.config.network.vnic if v.spec.ip.dhcp]
    assert dhcp == [(True, "10.70.0.100"), (True, "10.70.0.101")]
    slaac = [r for r in routes6(h) if r[0] == "2001:db8:60::"]
    assert slaac == [("2001:db8:60::", 64, "::", "vmk3")]
    # the router's default route, learned by the first vmknic that heard it
    assert [r for r in routes6(h) if r[1] == 0] == [("::", 0, "fe80::1", "vmk3")]
    assert all(a.origin == "linklayer" for a in vnic(h, "vmk3").spec.ip.ipV6Config.ipV6Address if a.ipAddress.startswith("2001"))
    h = hosts["10.10.0.16"]
    assert ("10.80.0.0", 24, "0.0.0.0", "vmk2") in routes(h, "vmotion")
    assert ("10.80.0.0", 24, "0.0.0.0", "vmk1") in routes(h)
    assert (vnic(h, "vmk3").owner, vnic(h, "vmk4").owner) == ("NSX", "VSAN")
    assert vnic(h, "vmk3").spec.systemOwned is True
    h = hosts["10.10.0.13"]
    nets = [(r[0], r[1]) for r in routes(h)]
    assert ("10.31.0.0", 16) in nets and ("10.31.7.0", 24) in nets


def test_scenario_dict_index_and_templates(tmp_path):
    sc = {"hosts": [{"index": [0, 2], "portgroups": [{"name": "S", "vlan": 3}],
                     "vmknics": [{"portgroup": "S", "ip": "10.3.0.{i+100}/24", "services": ["vmotion"]}],
                     "maintenance": True}]}
    with Lab.start(hosts=3, scenario=sc, state_dir=str(tmp_path)) as lab:
        hs = all_hosts(connect(lab))
        assert vnic(hs["10.10.0.11"], "vmk1").spec.ip.ipAddress == "10.3.0.100"
        assert vnic(hs["10.10.0.13"], "vmk1").spec.ip.ipAddress == "10.3.0.102"
        assert vnic(hs["10.10.0.12"], "vmk1") is None
        assert hs["10.10.0.13"].runtime.inMaintenanceMode is True


@pytest.mark.parametrize("bad, msg", [
    ({"hosts": [{"match": "*", "vmknics": [{"portgroup": "Nope", "ip": "10.1.1.1/24"}]}]}, "does not exist"),
    ({"hosts": [{"match": "*", "bogus": 1}]}, "unknown field"),
    ({"hosts": [{"match": "1.2.3.4"}]}, "matches no host"),
    ({"hosts": [{"match": "*", "connection": "sleepy"}]}, "connection must be"),
    ({"hosts": [{"match": "*", "portgroups": [{"name": "P", "vlan": 5000}]}]}, "VLAN"),
    ({"faults": [{"method": "AddVirtualNic", "fault": "Bogus"}]}, "unknown fault type"),
])
def test_scenario_validation(tmp_path, bad, msg):
    with pytest.raises(LabError) as e:
        Lab.start(hosts=2, scenario=bad, state_dir=str(tmp_path))
    assert msg in str(e.value)


def test_scenario_faults(tmp_path):
    sc = {"faults": [{"method": "AddPortGroup", "host": "10.10.0.12", "fault": "NotFound"}]}
    with Lab.start(hosts=2, scenario=sc, state_dir=str(tmp_path)) as lab:
        hs = all_hosts(connect(lab))
        spec = vim.host.PortGroup.Specification(name="P", vlanId=1, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy())
        hs["10.10.0.11"].configManager.networkSystem.AddPortGroup(spec)
        with pytest.raises(vim.fault.NotFound):
            hs["10.10.0.12"].configManager.networkSystem.AddPortGroup(spec)
        assert lab.journal()[-1]["fault"] == "NotFound"


def test_esx_mode(tmp_path):
    with Lab.start(esx=True, state_dir=str(tmp_path)) as lab:
        si = connect(lab)
        assert si.content.about.apiType == "HostAgent"
        hs = all_hosts(si)
        assert list(hs) == ["10.10.0.11"]
        h = hs["10.10.0.11"]
        assert vnic(h, "vmk0").spec.ip.ipAddress == "10.10.0.11"
        h.configManager.networkSystem.AddPortGroup(vim.host.PortGroup.Specification(
            name="P", vlanId=1, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy()))
        assert lab.journal()[0]["host"] == "10.10.0.11"


def test_cli_contract(tmp_path):
    launcher = os.path.join(LAB_DIR, "lab")
    sd = ["--state-dir", str(tmp_path)]

    def run(*args):
        p = subprocess.run([sys.executable, launcher, *args, *sd], check=False, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout

    out = run("start", "--hosts", "10", "--clusters", "3", "--scenario", DEMO)
    info = json.loads(out)
    assert set(info) == {"hostname", "port", "username", "password", "pid"}
    assert info["hostname"] == "127.0.0.1"
    assert {"connection.json", "lab.pid", "lab.log"} <= set(os.listdir(tmp_path))
    try:
        hs = all_hosts(connect(Lab.attach(str(tmp_path))))
        hs["10.10.0.11"].configManager.networkSystem.AddPortGroup(vim.host.PortGroup.Specification(
            name="CLI", vlanId=1, vswitchName="vSwitch0", policy=vim.host.NetworkPolicy()))
        assert json.loads(run("journal"))[0]["method"] == "AddPortGroup"
        run("journal", "--clear")
        assert json.loads(run("journal")) == []
        run("fault", "--method", "AddPortGroup", "--host", "10.10.0.12", "--fault", "NotFound", "--nth", "1", "--count", "1")
        assert json.loads(run("faults"))[0]["fault"] == "NotFound"
        run("faults", "--clear")
        assert json.loads(run("faults")) == []
    finally:
        run("stop")
    assert "connection.json" not in os.listdir(tmp_path)


def test_cli_build_prints_an_up_to_date_binary():
    """`lab build` (make lab-build) leaves a binary no older than any Go source and prints its path."""
    p = subprocess.run([sys.executable, os.path.join(LAB_DIR, "lab"), "build"], check=False, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == BINARY
    newest = max(os.path.getmtime(os.path.join(SRC, n)) for n in os.listdir(SRC) if n.endswith(".go"))
    assert os.access(BINARY, os.X_OK) and os.path.getmtime(BINARY) >= newest
