# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab fidelity: community.vmware's modules, written against real ESXi, work against the lab.

community.vmware is the referee: when its modules create, re-run (idempotently), change and
delete port groups, vmknics and iSCSI port bindings on the lab exactly as they would on ESXi,
the lab is faithful. Every case runs the modules through ansible-playbook and asserts their
results, the state read back independently with pyVmomi (tests/integration/vsphere.py) and the
calls the lab journaled. The last case cross-checks this collection's remediation with
community.vmware.vmware_vmkernel_info as an independent reader.

Each test works on its own host of one shared lab, so the tests do not depend on each other.
"""

from __future__ import annotations

import ipaddress
import json
import site
from pathlib import Path
from typing import Any

import pytest
from pyVmomi import vim

from harness import COLLECTIONS, ansible_env, connection_args, run_module, run_playbook
from vsphere import Vsphere

# community.vmware comes with the `ansible` package, in the venv's site-packages.
COMMUNITY_PATH = next(p for p in site.getsitepackages() if (Path(p) / "ansible_collections" / "community" / "vmware").is_dir())

PORTGROUP_HOST = "10.10.0.11"
VMKERNEL_HOST = "10.10.0.12"
INFO_HOST = "10.10.0.13"
ISCSI_HOST = "10.10.0.14"

# The services vmware_vmkernel_info reports (as enable_<name>), by nicType.
INFO_SERVICES = {"vmotion": "enable_vmotion", "vsan": "enable_vsan", "management": "enable_management",
                 "faultToleranceLogging": "enable_ft"}


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(hosts=4, clusters=1)


def play(lab, tmp_path: Path, tasks: list[dict[str, Any]], name: str = "play") -> list[dict[str, Any]]:
    """Run ``tasks`` (module name -> arguments, plus task keywords) in one playbook; return their results.

    Each task is registered and the last task writes all results to a JSON file, so one
    ansible-playbook run (about 1 s of start-up) serves several module runs.
    """
    registered = [f"fidelity_{index}" for index in range(len(tasks))]
    out = tmp_path / f"{name}.json"
    playbook = [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [dict(task, register=var) for task, var in zip(tasks, registered)] + [{
            "name": "Save the results for the test",
            "ansible.builtin.copy": {"content": "{{ [%s] | to_json }}" % ", ".join(registered), "dest": str(out)},
        }],
    }]
    path = tmp_path / f"{name}.yml"
    path.write_text(json.dumps(playbook, indent=1))  # JSON is YAML
    env = ansible_env(lab, ANSIBLE_COLLECTIONS_PATH=f"{COLLECTIONS}:{COMMUNITY_PATH}")
    proc = run_playbook(path, env)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text())


def calls(lab) -> list[tuple[str, str]]:
    """The journaled calls as (method, host), then cleared."""
    entries = lab.journal()
    lab.clear_journal()
    assert all("fault" not in e for e in entries), entries
    return [(e["method"], e["host"]) for e in entries]


def journal(lab) -> list[dict[str, Any]]:
    entries = lab.journal()
    lab.clear_journal()
    return entries


def selected_services(host: Any) -> dict[str, set[str]]:
    """vmknic device -> the nicTypes it is selected for, as ESXi reports them in virtualNicManagerInfo
    (candidate keys there carry the nicType: ``vmotion.key-vim.host.VirtualNic-vmk1``)."""
    services: dict[str, set[str]] = {}
    for net_config in host.config.virtualNicManagerInfo.netConfig:
        keys = set(net_config.selectedVnic or [])
        for candidate in net_config.candidateVnic or []:
            if candidate.key in keys:
                services.setdefault(candidate.device, set()).add(net_config.nicType)
    return services


def find_portgroup(host: Any, name: str) -> Any | None:
    return next((p for p in host.config.network.portgroup if p.spec.name == name), None)


def find_vnic(host: Any, device: str) -> Any | None:
    return next((v for v in host.config.network.vnic if v.device == device), None)


# ---- 1. vmware_portgroup ----------------------------------------------------------------------

def portgroup_task(vlan: int, state: str = "present") -> dict[str, Any]:
    args: dict[str, Any] = {"esxi_hostname": PORTGROUP_HOST, "switch": "vSwitch0", "portgroup": "Fidelity-PG", "state": state}
    if state == "present":
        args.update(vlan_id=vlan, teaming={"active_adapters": ["vmnic1"], "standby_adapters": ["vmnic0"]})
    return {"community.vmware.vmware_portgroup": args}


def test_portgroup_create_rerun_change_delete(lab, tmp_path):
    lab.clear_journal()
    created, again = play(lab, tmp_path, [portgroup_task(20), portgroup_task(20)], "create")
    assert created["changed"] is True and created["result"][PORTGROUP_HOST]["msg"] == "Port Group added"
    # The re-run reads the port group back and finds nothing to do (security, shaping and teaming
    # sub-policies read back as ESXi reports them: present, unset where not overridden).
    assert again["changed"] is False, again["result"]
    entries = journal(lab)
    assert [e["method"] for e in entries] == ["AddPortGroup"]
    assert entries[0]["args"] == {"name": "Fidelity-PG", "vswitch": "vSwitch0", "vlan": 20, "active": ["vmnic1"], "standby": ["vmnic0"]}
    with Vsphere(lab) as vs:
        pg = find_portgroup(vs.host(PORTGROUP_HOST), "Fidelity-PG")
        assert (pg.spec.vlanId, pg.spec.vswitchName, pg.vswitch) == (20, "vSwitch0", "key-vim.host.VirtualSwitch-vSwitch0")
        order = pg.computedPolicy.nicTeaming.nicOrder
        assert (list(order.activeNic), list(order.standbyNic)) == (["vmnic1"], ["vmnic0"])

    changed, = play(lab, tmp_path, [portgroup_task(30)], "change")
    assert changed["changed"] is True and changed["result"][PORTGROUP_HOST]["vlan_id_previous"] == 20
    assert calls(lab) == [("UpdatePortGroup", PORTGROUP_HOST)]
    with Vsphere(lab) as vs:
        pg = find_portgroup(vs.host(PORTGROUP_HOST), "Fidelity-PG")
        assert pg.spec.vlanId == 30
        assert list(pg.computedPolicy.nicTeaming.nicOrder.activeNic) == ["vmnic1"]

    deleted, gone = play(lab, tmp_path, [portgroup_task(30, "absent"), portgroup_task(30, "absent")], "delete")
    assert deleted["changed"] is True and gone["changed"] is False
    assert calls(lab) == [("RemovePortGroup", PORTGROUP_HOST)]
    with Vsphere(lab) as vs:
        host = vs.host(PORTGROUP_HOST)
        assert find_portgroup(host, "Fidelity-PG") is None
        assert "key-vim.host.PortGroup-Fidelity-PG" not in next(s for s in host.config.network.vswitch if s.name == "vSwitch0").portgroup


# ---- 2. vmware_vmkernel -----------------------------------------------------------------------

def vmkernel_task(portgroup: str, ip: str | None = None, mtu: int = 1500, state: str = "present", stack: str = "default",
                  **services: bool) -> dict[str, Any]:
    args: dict[str, Any] = {"esxi_hostname": VMKERNEL_HOST, "vswitch_name": "vSwitch0", "portgroup_name": portgroup,
                            "state": state, "mtu": mtu, **services}
    if state == "present":
        args["network"] = {"type": "static", "ip_address": ip, "subnet_mask": "255.255.255.0", "tcpip_stack": stack}
    else:
        args["device"] = "vmk1"  # the module requires the device to delete one
    return {"community.vmware.vmware_vmkernel": args}


def test_vmkernel_create_rerun_change_delete(lab, tmp_path):
    with Vsphere(lab) as vs:
        host = vs.host(VMKERNEL_HOST)
        vs.add_portgroup(host, "Fidelity-vMotion", vlan=20)
        vs.add_portgroup(host, "Fidelity-vMotion-Stack", vlan=21)
    services = {"enable_vmotion": True, "enable_provisioning": True, "enable_ft": True}
    lab.clear_journal()

    created, again = play(lab, tmp_path, [vmkernel_task("Fidelity-vMotion", "10.20.0.12", 9000, **services)] * 2, "create")
    assert (created["changed"], created["device"], created["msg"]) == (True, "vmk1", "VMkernel Adapter created")
    assert again["changed"] is False, again
    entries = journal(lab)
    assert [(e["method"], e["args"].get("nicType")) for e in entries] == [
        ("AddVirtualNic", None), ("SelectVnicForNicType", "vmotion"), ("SelectVnicForNicType", "faultToleranceLogging"),
        ("SelectVnicForNicType", "vSphereProvisioning")]
    assert entries[0]["args"] | {"device": "vmk1"} == {"device": "vmk1", "dhcp": False, "ip": "10.20.0.12", "netmask": "255.255.255.0",
                                                       "mtu": 9000, "portgroup": "Fidelity-vMotion", "stack": "defaultTcpipStack"}
    with Vsphere(lab) as vs:
        host = vs.host(VMKERNEL_HOST)
        vnic = find_vnic(host, "vmk1")
        assert (vnic.portgroup, vnic.spec.ip.ipAddress, vnic.spec.ip.subnetMask, vnic.spec.mtu, vnic.spec.netStackInstanceKey) == \
            ("Fidelity-vMotion", "10.20.0.12", "255.255.255.0", 9000, "defaultTcpipStack")
        assert selected_services(host)["vmk1"] == {"vmotion", "faultToleranceLogging", "vSphereProvisioning"}

    # Change the address, then the MTU: each an UpdateVirtualNic of the same device, services kept.
    new_ip, new_mtu = play(lab, tmp_path, [vmkernel_task("Fidelity-vMotion", "10.20.0.22", 9000, **services),
                                           vmkernel_task("Fidelity-vMotion", "10.20.0.22", 1500, **services)], "change")
    assert (new_ip["changed"], new_ip["ipv4_ip_previous"]) == (True, "10.20.0.12")
    assert (new_mtu["changed"], new_mtu["mtu_previous"]) == (True, 9000)
    assert calls(lab) == [("UpdateVirtualNic", VMKERNEL_HOST)] * 2
    with Vsphere(lab) as vs:
        host = vs.host(VMKERNEL_HOST)
        vnic = find_vnic(host, "vmk1")
        assert (vnic.spec.ip.ipAddress, vnic.spec.mtu) == ("10.20.0.22", 1500)
        assert selected_services(host)["vmk1"] == {"vmotion", "faultToleranceLogging", "vSphereProvisioning"}

    # Delete (idempotently), then one on the vmotion TCP/IP stack (idempotently): the module sets no
    # service there, the stack itself carries vMotion, and ESXi reports it selected for vmotion.
    deleted, gone, stacked, stacked_again = play(lab, tmp_path, [
        vmkernel_task("Fidelity-vMotion", state="absent"), vmkernel_task("Fidelity-vMotion", state="absent"),
        vmkernel_task("Fidelity-vMotion-Stack", "10.21.0.12", 9000, stack="vmotion"),
        vmkernel_task("Fidelity-vMotion-Stack", "10.21.0.12", 9000, stack="vmotion")], "delete-and-stack")
    assert (deleted["changed"], deleted["device"], gone["changed"]) == (True, "vmk1", False)
    # ESXi reuses the lowest free vmkN.
    assert (stacked["changed"], stacked["device"], stacked["tcpip_stack"]) == (True, "vmk1", "vmotion")
    assert stacked_again["changed"] is False, stacked_again
    entries = journal(lab)
    assert [e["method"] for e in entries] == ["RemoveVirtualNic", "AddVirtualNic"]
    assert entries[1]["args"]["stack"] == "vmotion" and entries[1]["args"]["portgroup"] == "Fidelity-vMotion-Stack"
    with Vsphere(lab) as vs:
        host = vs.host(VMKERNEL_HOST)
        assert sorted(v.device for v in host.config.network.vnic) == ["vmk0", "vmk1"]
        vnic = find_vnic(host, "vmk1")
        assert (vnic.portgroup, vnic.spec.netStackInstanceKey, vnic.spec.ip.ipAddress) == ("Fidelity-vMotion-Stack", "vmotion", "10.21.0.12")
        assert selected_services(host)["vmk1"] == {"vmotion"}


# ---- 3. vmware_vmkernel_info ------------------------------------------------------------------

def test_vmkernel_info_matches_what_was_built(lab, tmp_path):
    """Built with plain pyVmomi on one host; vmware_vmkernel_info reads every host of the cluster."""
    with Vsphere(lab) as vs:
        host = vs.host(INFO_HOST)
        vs.add_portgroup(host, "Info-FT", vlan=30)
        vs.add_portgroup(host, "Info-vMotion", vlan=31)
        vs.add_portgroup(host, "Info-Prov", vlan=32)
        ft_nic = vs.add_vmknic(host, "Info-FT", ipv4="10.30.0.13", netmask="255.255.255.0", mtu=9000)
        vs.select(host, "faultToleranceLogging", ft_nic)
        vs.select(host, "management", ft_nic)
        vmotion_nic = vs.add_vmknic(host, "Info-vMotion", ipv4="10.31.0.13", netmask="255.255.255.128", stack="vmotion")
        prov_nic = vs.add_vmknic(host, "Info-Prov", ipv4="10.32.0.13", netmask="255.255.255.0", stack="vSphereProvisioning")

    info, = play(lab, tmp_path, [{"community.vmware.vmware_vmkernel_info": {"cluster_name": "C0"}}], "info")
    built = {v["device"]: v for v in info["host_vmk_info"][INFO_HOST]}
    assert (ft_nic, vmotion_nic, prov_nic) == ("vmk1", "vmk2", "vmk3")
    expected = {
        "vmk0": ("Management Network", INFO_HOST, "255.255.248.0", 1500, "defaultTcpipStack", {"management"}),
        "vmk1": ("Info-FT", "10.30.0.13", "255.255.255.0", 9000, "defaultTcpipStack", {"management", "faultToleranceLogging"}),
        "vmk2": ("Info-vMotion", "10.31.0.13", "255.255.255.128", 1500, "vmotion", {"vmotion"}),
        "vmk3": ("Info-Prov", "10.32.0.13", "255.255.255.0", 1500, "vSphereProvisioning", set()),
    }
    assert {device: (v["portgroup"], v["ipv4_address"], v["ipv4_subnet_mask"], v["mtu"], v["stack"],
                     {nic_type for nic_type, flag in INFO_SERVICES.items() if v[flag]})
            for device, v in built.items()} == expected

    # Every host of the cluster, field by field, against the lab read back with pyVmomi.
    with Vsphere(lab) as vs:
        assert sorted(info["host_vmk_info"]) == vs.host_names()
        for name, reported in info["host_vmk_info"].items():
            host = vs.host(name)
            services = selected_services(host)
            assert reported == [{
                "device": v.device, "key": v.key, "portgroup": v.portgroup, "ipv4_address": v.spec.ip.ipAddress,
                "ipv4_subnet_mask": v.spec.ip.subnetMask, "dhcp": v.spec.ip.dhcp, "mac": v.spec.mac, "mtu": v.spec.mtu,
                "stack": v.spec.netStackInstanceKey,
                **{flag: nic_type in services.get(v.device, set()) for nic_type, flag in INFO_SERVICES.items()},
            } for v in host.config.network.vnic], name
