"""Fixtures for the tests of the lab itself (tests/lab): one session lab running the demo
scenario on 19 hosts (10.10.0.21-29 are left plain, with the demo's vSwitch1, for tests that
change things), reached through pyVmomi like the collection reaches vCenter."""

import ipaddress
import os
import sys

import pytest

LAB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab")
sys.path.insert(0, os.path.abspath(LAB_DIR))

from labctl import Lab, load_scenario  # noqa: E402
from pyVim.connect import Disconnect, SmartConnect  # noqa: E402
from pyVmomi import vim, vmodl  # noqa: E402

DEMO = os.path.join(os.path.abspath(LAB_DIR), "scenarios", "demo.yaml")


def connect(lab):
    return SmartConnect(host=lab.hostname, port=lab.port, user=lab.username, pwd=lab.password,
                        disableSslCertValidation=True)


def all_hosts(si):
    c = si.content
    view = c.viewManager.CreateContainerView(c.rootFolder, [vim.HostSystem], True)
    try:
        return {h.name: h for h in view.view}
    finally:
        view.Destroy()


def retrieve(si, paths, obj_type=vim.HostSystem):
    """One RetrievePropertiesEx over a ContainerView: {name-or-moid: {path: value}}."""
    c = si.content
    view = c.viewManager.CreateContainerView(c.rootFolder, [obj_type], True)
    pc = c.propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
            obj=view, skip=True,
            selectSet=[vmodl.query.PropertyCollector.TraversalSpec(type=vim.view.ContainerView, path="view")])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=list(paths))])
    out = {}
    res = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    while res:
        for oc in res.objects:
            props = {p.name: p.val for p in oc.propSet}
            out[props.get("name", oc.obj._moId)] = props
        res = pc.ContinueRetrievePropertiesEx(res.token) if res.token else None
    view.Destroy()
    return out


def demo_with_plain_hosts() -> dict:
    """The demo scenario, and the demo's storage vSwitch1 on the hosts after it (10.10.0.21-29)."""
    scenario = load_scenario(DEMO)
    [storage] = [r for r in scenario["hosts"] if r.get("match") == "10.10.0.1[1-7]"]
    scenario["hosts"].append(dict(storage, match="10.10.0.2[1-9]"))
    return scenario


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    lab = Lab.start(hosts=19, clusters=2, scenario=demo_with_plain_hosts(), state_dir=str(tmp_path_factory.mktemp("lab")))
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def si(lab):
    si = connect(lab)
    yield si
    Disconnect(si)


@pytest.fixture(scope="session")
def hosts(si):
    return all_hosts(si)


@pytest.fixture(autouse=True)
def _no_leftover_faults(request):
    yield
    if "lab" in request.fixturenames:
        request.getfixturevalue("lab").clear_faults()


def routes(host, stack="defaultTcpipStack"):
    for s in host.config.network.netStackInstance:
        if s.key == stack:
            return [(r.route.network, r.route.prefixLength, r.route.gateway, r.route.deviceName)
                    for r in s.routeTableConfig.ipRoute]
    raise KeyError(stack)


def routes6(host, stack="defaultTcpipStack"):
    for s in host.config.network.netStackInstance:
        if s.key == stack:
            return [(r.route.network, r.route.prefixLength, r.route.gateway, r.route.deviceName)
                    for r in s.routeTableConfig.ipv6Route]
    raise KeyError(stack)


def eui64_link_local(mac: str) -> str:
    """The fe80:: address ESXi derives from a vmknic's MAC (modified EUI-64, RFC 4291 appendix A)."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    interface_id = octets[:3] + [0xFF, 0xFE] + octets[3:]
    return str(ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + interface_id)))


def link_local_routes(host, *devices):
    """The IPv6 routes ESXi lists per vmknic: fe80::/64, ff01::/32, ff02::/32 via its link-local."""
    out = []
    for dev in devices:
        ll = eui64_link_local(vnic(host, dev).spec.mac)
        out += [("fe80::", 64, ll, dev), ("ff01::", 32, ll, dev), ("ff02::", 32, ll, dev)]
    return out


def vnic(host, dev):
    for v in host.config.network.vnic:
        if v.device == dev:
            return v
    return None


def pg(host, name):
    for p in host.config.network.portgroup:
        if p.spec.name == name:
            return p
    return None


def selected(host, nic_type):
    for nc in host.config.virtualNicManagerInfo.netConfig:
        if nc.nicType == nic_type:
            return [s.split(".", 1)[1].rsplit("-", 1)[1] for s in nc.selectedVnic]
    raise KeyError(nic_type)


def ipcfg(ip, mask="255.255.255.0"):
    return vim.host.IpConfig(dhcp=False, ipAddress=ip, subnetMask=mask)


def add_pg(host, name, vlan=0, vswitch="vSwitch0", active=None, standby=None):
    policy = vim.host.NetworkPolicy()
    if active is not None or standby is not None:
        policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy(
            nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=active or [], standbyNic=standby or []))
    host.configManager.networkSystem.AddPortGroup(
        vim.host.PortGroup.Specification(name=name, vlanId=vlan, vswitchName=vswitch, policy=policy))


def add_vmk(host, pgname, ip, mask="255.255.255.0", **kw):
    spec = vim.host.VirtualNic.Specification(ip=ipcfg(ip, mask), **kw)
    return host.configManager.networkSystem.AddVirtualNic(pgname, spec)
