# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmknic_info returns exactly what was built on the lab through the plain vSphere API."""

from __future__ import annotations

import textwrap

import pytest

from harness import ansible_env, connection_args, run_module, run_playbook
from vsphere import Vsphere, link_local_fact

MGMT_MASK = "255.255.248.0"  # the lab's management subnet is 10.10.0.0/21


@pytest.fixture(scope="module")
def built(lab_factory):
    """A 3-host, 2-cluster lab; the first host gets vMotion, IPv6, gateway override and iSCSI; the
    third has IPv6 turned off (an admin's choice: on by default, as on ESXi 6.5 and later)."""
    lab = lab_factory(hosts=3, clusters=2, scenario={"hosts": [{"index": 2, "ipv6_enabled": False}]})
    with Vsphere(lab) as vs:
        names = vs.host_names()
        host = vs.host(names[0])
        vs.add_portgroup(host, "vMotion", vlan=20, active=["vmnic1"], standby=["vmnic0"])
        vs.add_portgroup(host, "iSCSI-A", vlan=30, active=["vmnic2"], standby=[])
        vs.add_portgroup(host, "iSCSI-B", vlan=30, active=["vmnic3"], standby=[])
        vs.add_portgroup(host, "Provisioning", vlan=40)
        vmotion = vs.add_vmknic(host, "vMotion", ipv4="10.20.0.11", netmask="255.255.255.0", mtu=9000,
                                ipv6=[("2001:db8:20::11", 64)], gateway="10.20.0.1")
        vs.select(host, "vmotion", vmotion)
        iscsi_a = vs.add_vmknic(host, "iSCSI-A", ipv4="10.30.0.11", netmask="255.255.255.0", mtu=9000)
        iscsi_b = vs.add_vmknic(host, "iSCSI-B", ipv4="10.30.0.12", netmask="255.255.255.0", mtu=9000)
        provisioning = vs.add_vmknic(host, "Provisioning", ipv4="10.40.0.11", netmask="255.255.255.0",
                                     stack="vSphereProvisioning")
        adapter = vs.software_iscsi_adapter(host)
        vs.bind(host, adapter, iscsi_a)
        vs.bind(host, adapter, iscsi_b)
        macs = {v.device: v.spec.mac for v in host.config.network.vnic}
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    return {
        "lab": lab, "names": names, "result": result, "macs": macs, "adapter": adapter,
        "devices": {"vmotion": vmotion, "iscsi_a": iscsi_a, "iscsi_b": iscsi_b, "provisioning": provisioning},
    }


def by_name(items, key, value):
    matches = [item for item in items if item[key] == value]
    assert len(matches) == 1, (value, items)
    return matches[0]


def vmknic(host, device):
    return by_name(host["vmknics"], "device", device)


def test_hosts_placement_and_management(built):
    hosts = built["result"]["hosts"]
    assert [h["name"] for h in hosts] == built["names"]
    assert [(h["datacenter"], h["cluster"]) for h in hosts] == [("DC0", "C0"), ("DC0", "C1"), ("DC0", "C0")] or \
        sorted(h["cluster"] for h in hosts) == ["C0", "C0", "C1"]
    for host in hosts:
        assert host["connection_state"] == "connected"
        assert host["config_available"] is True
        assert host["maintenance_mode"] is False
        assert host["management"] == {"address": host["name"], "vmknic": "vmk0", "source": "name"}
        assert host["errors"] == []
    assert built["result"]["changed"] is False


def test_management_vmknic_exact(built):
    host = built["result"]["hosts"][1]
    assert vmknic(host, "vmk0") == {
        "device": "vmk0", "key": "key-vim.host.VirtualNic-vmk0", "portgroup": "Management Network",
        "switch": "vSwitch0", "switch_type": "standard", "dvs": None, "stack": "defaultTcpipStack",
        "mac": vmknic(host, "vmk0")["mac"], "mtu": 1500,
        "ipv4": {"address": host["name"], "netmask": MGMT_MASK, "prefix_length": 21, "network": "10.10.0.0/21", "dhcp": False},
        # the installer's vmk0: router advertisements on, its link-local address (no router here)
        "ipv6": {"autoconf": True, "dhcp": False, "addresses": [link_local_fact(vmknic(host, "vmk0")["mac"])]},
        "services": ["management"], "gateway_override": None, "iscsi_bindings": [], "owner": None, "system_owned": False,
    }
    assert by_name(host["stacks"], "key", "defaultTcpipStack")["default_gateway"] == "10.10.0.1"
    assert host["ipv6_enabled"] is True and host["vcenter_address"] == "10.10.0.10"
    assert host["pnics"] == [{"device": f"vmnic{i}", "link": True} for i in range(4)]
    off = built["result"]["hosts"][2]
    assert off["ipv6_enabled"] is False and vmknic(off, "vmk0")["ipv6"] == {"autoconf": False, "dhcp": False, "addresses": []}


def test_built_vmknics_exact(built):
    host = built["result"]["hosts"][0]
    devices = built["devices"]
    assert vmknic(host, devices["vmotion"]) == {
        "device": devices["vmotion"], "key": f"key-vim.host.VirtualNic-{devices['vmotion']}", "portgroup": "vMotion",
        "switch": "vSwitch0", "switch_type": "standard", "dvs": None, "stack": "defaultTcpipStack",
        "mac": built["macs"][devices["vmotion"]], "mtu": 9000,
        "ipv4": {"address": "10.20.0.11", "netmask": "255.255.255.0", "prefix_length": 24, "network": "10.20.0.0/24", "dhcp": False},
        "ipv6": {"autoconf": False, "dhcp": False, "addresses": [
            {"address": "2001:db8:20::11", "prefix_length": 64, "network": "2001:db8:20::/64", "origin": "manual",
             "link_local": False, "dad_state": vmknic(host, devices["vmotion"])["ipv6"]["addresses"][0]["dad_state"]},
        ] + [link_local_fact(built["macs"][devices["vmotion"]])]},
        "services": ["vmotion"], "gateway_override": {"ipv4": "10.20.0.1", "ipv6": None},
        "iscsi_bindings": [], "owner": None, "system_owned": False,
    }
    provisioning = vmknic(host, devices["provisioning"])
    assert provisioning["stack"] == "vSphereProvisioning"
    assert provisioning["ipv4"]["network"] == "10.40.0.0/24"
    # A vmknic on the provisioning stack carries provisioning traffic without a tag; the lab lists it
    # as selected for that nicType, as the vSphere client shows the service (tests/lab/README.md).
    assert provisioning["services"] == ["vSphereProvisioning"]
    for key in ("iscsi_a", "iscsi_b"):
        entry = vmknic(host, devices[key])
        assert entry["iscsi_bindings"] == [{"adapter": built["adapter"], "compliant": True, "compliance_reasons": [],
                                            "path_status": entry["iscsi_bindings"][0]["path_status"]}]
        assert entry["mtu"] == 9000


def test_portgroups_teaming(built):
    host = built["result"]["hosts"][0]
    assert by_name(host["portgroups"], "name", "vMotion") == {
        "name": "vMotion", "switch": "vSwitch0", "switch_type": "standard", "key": None, "vlan": 20,
        "teaming": {"active": ["vmnic1"], "standby": ["vmnic0"], "unused": ["vmnic2", "vmnic3"]},
    }
    assert by_name(host["portgroups"], "name", "iSCSI-A")["teaming"] == {
        "active": ["vmnic2"], "standby": [], "unused": ["vmnic0", "vmnic1", "vmnic3"]}
    # Without an override the port group inherits the vSwitch's order.
    provisioning = by_name(host["portgroups"], "name", "Provisioning")
    assert provisioning["vlan"] == 40
    assert sorted(provisioning["teaming"]["active"] + provisioning["teaming"]["standby"] + provisioning["teaming"]["unused"]) == \
        ["vmnic0", "vmnic1", "vmnic2", "vmnic3"]


def test_stacks_and_routes(built):
    host = built["result"]["hosts"][0]
    devices = built["devices"]
    default = by_name(host["stacks"], "key", "defaultTcpipStack")
    connected = {(r["network"], r["device"]) for r in default["routes"] if r["connected"]}
    assert connected == {("10.10.0.0/21", "vmk0"), ("10.20.0.0/24", devices["vmotion"]), ("10.30.0.0/24", devices["iscsi_a"]),
                         ("2001:db8:20::/64", devices["vmotion"])}
    # ESXi lists one connected route for the subnet two vmknics share: the one that came up first.
    same_subnet = [r["device"] for r in default["routes"] if r["network"] == "10.30.0.0/24"]
    assert same_subnet == [devices["iscsi_a"]]
    # fe80::/64, ff01::/32 and ff02::/32 once per vmknic, through its own link-local address
    on_link = sorted((r["network"], r["device"], r["gateway"]) for r in default["routes"] if r["family"] == "ipv6" and not r["connected"])
    assert on_link == sorted((network, device, link_local_fact(built["macs"][device])["address"])
                             for device in ["vmk0", devices["vmotion"], devices["iscsi_a"], devices["iscsi_b"]]
                             for network in ("fe80::/64", "ff01::/32", "ff02::/32"))
    provisioning = by_name(host["stacks"], "key", "vSphereProvisioning")
    assert [(r["network"], r["device"]) for r in provisioning["routes"] if r["connected"]] == \
        [("10.40.0.0/24", devices["provisioning"])]
    assert [(s["key"], s["name"]) for s in host["stacks"]] == [
        ("defaultTcpipStack", "defaultTcpipStack"), ("mirror", None), ("ops", None), ("vSphereProvisioning", None), ("vmotion", None)]
    assert by_name(host["stacks"], "key", "vmotion")["routes"] == []  # no vmknic: no routeTableConfig


def test_iscsi_adapter(built):
    host = built["result"]["hosts"][0]
    assert host["software_iscsi_enabled"] is True
    adapter = by_name(host["iscsi_adapters"], "device", built["adapter"])
    assert adapter["software"] is True
    assert adapter["bound_vmknics"] == sorted([built["devices"]["iscsi_a"], built["devices"]["iscsi_b"]])
    other = built["result"]["hosts"][1]
    assert other["software_iscsi_enabled"] is False
    assert all(a["bound_vmknics"] is None for a in other["iscsi_adapters"])


def test_scope_options(built):
    lab, names = built["lab"], built["names"]
    by_cluster = run_module("vmknic_info", dict(connection_args(lab), clusters=["C1"]))
    assert [h["cluster"] for h in by_cluster["hosts"]] == ["C1"]
    by_host = run_module("vmknic_info", dict(connection_args(lab), esxi_hostnames=[names[2]], datacenter="DC0"))
    assert [h["name"] for h in by_host["hosts"]] == [names[2]]
    missing = run_module("vmknic_info", dict(connection_args(lab), clusters=["C9"], esxi_hostnames=["10.99.0.1"]))
    assert missing["failed"] is True
    assert missing["msg"] == "Invalid scope: cluster(s) not found: C9; host(s) not found in scope: 10.99.0.1"
    no_dc = run_module("vmknic_info", dict(connection_args(lab), datacenter="DC7"))
    assert no_dc["failed"] is True and "datacenter 'DC7' not found" in no_dc["msg"]


def test_check_mode_same_result(built):
    checked = run_module("vmknic_info", connection_args(built["lab"]), check=True)
    assert checked["changed"] is False
    assert checked["hosts"] == built["result"]["hosts"]


def test_connection_errors(built):
    lab = built["lab"]
    wrong = run_module("vmknic_info", dict(connection_args(lab), password="not-the-password"))
    assert wrong["failed"] is True
    assert wrong["msg"] == f"Cannot log in to {lab.hostname}:{lab.port}: user name or password is wrong"
    assert "not-the-password" not in str(wrong)
    cert = run_module("vmknic_info", dict(connection_args(lab), validate_certs=True))
    assert cert["failed"] is True
    assert cert["msg"].startswith(f"The TLS certificate of {lab.hostname}:{lab.port} could not be verified")
    closed = run_module("vmknic_info", dict(connection_args(lab), port=1))
    assert closed["failed"] is True and closed["msg"] == f"Cannot reach {lab.hostname}:1: Connection refused"
    for result in (wrong, cert, closed):
        assert "Traceback" not in str(result) and "exception" not in result
    missing = run_module("vmknic_info", {"hostname": lab.hostname})
    assert missing["msg"] == "Missing connection options: username (or VMWARE_USER), password (or VMWARE_PASSWORD)"


def test_disconnected_host_reported_not_failed(lab_factory):
    lab = lab_factory(hosts=2)
    with Vsphere(lab) as vs:
        names = vs.host_names()
        vs.disconnect_host(vs.host(names[1]))
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result
    down = by_name(result["hosts"], "name", names[1])
    assert down["connection_state"] == "disconnected"
    assert down["config_available"] is False
    assert down["vmknics"] == [] and down["stacks"] == []
    assert by_name(result["hosts"], "name", names[0])["config_available"] is True


def test_standalone_esxi(lab_factory):
    lab = lab_factory(esx=True)
    result = run_module("vmknic_info", connection_args(lab))
    assert len(result["hosts"]) == 1
    host = result["hosts"][0]
    assert host["cluster"] is None
    assert [v["device"] for v in host["vmknics"]] == ["vmk0"]


def test_playbook_with_module_defaults_and_environment(built, tmp_path):
    """The action group and the VMWARE_* variables (what AWX's VMware credential injects)."""
    lab = built["lab"]
    playbook = tmp_path / "info.yml"
    out = tmp_path / "out.json"
    playbook.write_text(textwrap.dedent(f"""\
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/vmkernel.multihoming.vmware:
              validate_certs: false
          tasks:
            - name: Gather
              vmkernel.multihoming.vmknic_info:
                clusters: [C0]
              register: facts
            - name: Save
              ansible.builtin.copy:
                content: "{{{{ facts | to_json }}}}"
                dest: {out}
                mode: "0600"
        """))
    env = ansible_env(lab, VMWARE_VALIDATE_CERTS="true")  # module_defaults must win over the environment
    proc = run_playbook(playbook, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import json

    facts = json.loads(out.read_text())
    assert sorted(h["name"] for h in facts["hosts"]) == sorted(h["name"] for h in built["result"]["hosts"] if h["cluster"] == "C0")
    assert lab.password not in proc.stdout
