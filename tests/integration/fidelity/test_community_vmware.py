# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab fidelity: community.vmware's modules, written against real ESXi, work against the lab.

community.vmware is the referee: when its modules create, re-run (idempotently), change and
delete port groups, vmknics and iSCSI port bindings on the lab exactly as they would on ESXi,
the lab is faithful. Every case runs the modules through ansible-playbook and asserts their
results, the state read back independently with pyVmomi (tests/integration/vsphere.py) and the
calls the lab journaled. The last case cross-checks this collection's remediation with
community.vmware.vmware_vmkernel_info as an independent reader.

Tests 1-4 and the TCP/IP stack and IPv6 cases each work on their own host of one shared lab, so they do not depend on each other; the
remediation cross-check starts its own lab. Not covered: enable_vsan (vmware_vmkernel sets it
with HostVsanSystem.UpdateVsan_Task; the lab models no vSAN), vmware_host_iscsi's alias, IQN, CHAP
and targets (the lab does not model those HostStorageSystem updates). Distributed switches:
test_community_vmware_dvs.py.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from pyVmomi import vim

from community_vmware import find_vnic, journal, play
from harness import connection_args, run_module
from vsphere import Vsphere, link_local_fact

PORTGROUP_HOST = "10.10.0.11"
VMKERNEL_HOST = "10.10.0.12"
INFO_HOST = "10.10.0.13"
ISCSI_HOST = "10.10.0.14"
STACKS_HOST = "10.10.0.15"
IPV6_HOST = "10.10.0.16"

# The services vmware_vmkernel_info reports (as enable_<name>), by nicType.
INFO_SERVICES = {"vmotion": "enable_vmotion", "vsan": "enable_vsan", "management": "enable_management",
                 "faultToleranceLogging": "enable_ft"}


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(hosts=6, clusters=1)


def calls(lab) -> list[tuple[str, str]]:
    """The journaled calls as (method, host), then cleared."""
    entries = lab.journal()
    lab.clear_journal()
    assert all("fault" not in e for e in entries), entries
    return [(e["method"], e["host"]) for e in entries]


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


# ---- 4. vmware_host_iscsi ---------------------------------------------------------------------

def iscsi_task(**args: Any) -> dict[str, Any]:
    return {"community.vmware.vmware_host_iscsi": {"esxi_hostname": ISCSI_HOST, **args}}


def test_host_iscsi_enable_and_port_binding(lab, tmp_path):
    """Software iSCSI on, two compliant port groups (one active uplink each, no standby) with a
    vmknic each, built with community.vmware's own modules, then both vmknics bound."""
    iscsi_nics = []
    for index, uplink in enumerate(("vmnic2", "vmnic3")):
        name = f"iSCSI-{'AB'[index]}"
        iscsi_nics += [
            {"community.vmware.vmware_portgroup": {"esxi_hostname": ISCSI_HOST, "switch": "vSwitch0", "portgroup": name, "vlan_id": 40,
                                                   "teaming": {"active_adapters": [uplink], "standby_adapters": []}}},
            {"community.vmware.vmware_vmkernel": {"esxi_hostname": ISCSI_HOST, "vswitch_name": "vSwitch0", "portgroup_name": name,
                                                  "mtu": 9000, "network": {"type": "static", "ip_address": f"10.40.0.{14 + index * 100}",
                                                                           "subnet_mask": "255.255.255.0"}}},
        ]
    lab.clear_journal()
    enabled, enabled_again, *built = play(lab, tmp_path, [iscsi_task(state="enabled"), iscsi_task(state="enabled"), *iscsi_nics], "enable")
    assert (enabled["changed"], enabled_again["changed"]) == (True, False)
    assert [b["changed"] for b in built] == [True] * 4
    assert [e["method"] for e in journal(lab)] == ["UpdateSoftwareInternetScsiEnabled", "AddPortGroup", "AddVirtualNic",
                                                   "AddPortGroup", "AddVirtualNic"]
    devices = [built[1]["device"], built[3]["device"]]
    assert devices == ["vmk1", "vmk2"]
    with Vsphere(lab) as vs:
        host = vs.host(ISCSI_HOST)
        assert host.config.storageDevice.softwareInternetScsiEnabled is True
        hba = next(hba for hba in host.config.storageDevice.hostBusAdapter if isinstance(hba, vim.host.InternetScsiHba) and hba.isSoftwareBased)
        adapter = hba.device
        # As ESXi sends a fresh adapter: what vmware_host_iscsi compares with its defaults.
        auth = hba.authenticationProperties
        assert (hba.iScsiAlias, auth.chapName, auth.chapAuthenticationType, auth.mutualChapName, auth.mutualChapAuthenticationType) == \
            ("", "", "chapProhibited", "", "chapProhibited")

    binding = iscsi_task(state="present", iscsi_config={"vmhba_name": adapter, "port_bind": devices})
    bound, bound_again = play(lab, tmp_path, [binding, binding], "bind")
    assert bound["changed"] is True and sorted(bound["iscsi_properties"]["port_bind"]) == devices
    assert bound_again["changed"] is False, bound_again
    entries = journal(lab)
    assert [(e["method"], e["args"]["hba"], e["args"]["device"]) for e in entries] == [("BindVnic", adapter, "vmk1"), ("BindVnic", adapter, "vmk2")]
    with Vsphere(lab) as vs:
        ports = vs.host(ISCSI_HOST).configManager.iscsiManager.QueryBoundVnics(iScsiHbaName=adapter)
        assert sorted((p.vnicDevice, p.portgroupName, p.pnicDevice, p.switchName) for p in ports) == [
            ("vmk1", "iSCSI-A", "vmnic2", "vSwitch0"), ("vmk2", "iSCSI-B", "vmnic3", "vSwitch0")]
        assert all(not p.complianceStatus.reason for p in ports), [p.complianceStatus for p in ports]


# ---- vmware_host_tcpip_stacks and vmware_host_ipv6 ---------------------------------------------

def test_host_tcpip_stacks_change_and_rerun(lab, tmp_path):
    """The default and provisioning stacks edited with netStackSpec (operation edit), read back;
    the re-run changes nothing. The default gateway stays: vCenter reaches the host in its subnet."""
    task = {"community.vmware.vmware_host_tcpip_stacks": {
        "esxi_hostname": STACKS_HOST,
        "default": {"hostname": "esx-stacks", "domain": "example.com", "preferred_dns": "10.10.0.2", "alternate_dns": "10.10.0.3",
                    "search_domains": ["example.com", "lab.local"], "gateway": "10.10.0.1", "congestion_algorithm": "cubic",
                    "max_num_connections": 12000},
        "provisioning": {"gateway": "10.40.0.254", "congestion_algorithm": "newreno", "max_num_connections": 12000}}}
    lab.clear_journal()
    changed, again = play(lab, tmp_path, [task, task], "tcpip-stacks")
    assert (changed["changed"], again["changed"]) == (True, False), (changed, again)
    assert calls(lab) == [("UpdateNetworkConfig", STACKS_HOST)]
    with Vsphere(lab) as vs:
        stacks = {s.key: s for s in vs.host(STACKS_HOST).config.network.netStackInstance}
        default, provisioning = stacks["defaultTcpipStack"], stacks["vSphereProvisioning"]
        assert (default.dnsConfig.hostName, default.dnsConfig.domainName, list(default.dnsConfig.address),
                list(default.dnsConfig.searchDomain)) == ("esx-stacks", "example.com", ["10.10.0.2", "10.10.0.3"], ["example.com", "lab.local"])
        assert (default.ipRouteConfig.defaultGateway, default.congestionControlAlgorithm, default.requestedMaxNumberOfConnections) == \
            ("10.10.0.1", "cubic", 12000)
        assert (provisioning.ipRouteConfig.defaultGateway, provisioning.congestionControlAlgorithm,
                provisioning.requestedMaxNumberOfConnections) == ("10.40.0.254", "newreno", 12000)
        # ESXi 8 lists ops and mirror too, only the default stack named, no routes on stacks without vmknics
        assert [(s.key, s.name) for s in stacks.values()] == [("ops", None), ("mirror", None), ("vSphereProvisioning", None),
                                                              ("vmotion", None), ("defaultTcpipStack", "defaultTcpipStack")]
        assert provisioning.routeTableConfig is None


def test_host_ipv6_disable_enable_and_rerun(lab, tmp_path):
    """IPv6 is on on ESXi 8 hosts: disabling and enabling it with vmware_host_ipv6, each re-run
    unchanged (the lab applies the setting at once; ESXi needs a reboot, tests/lab/README.md)."""
    def ipv6(state: str) -> dict[str, Any]:
        return {"community.vmware.vmware_host_ipv6": {"esxi_hostname": IPV6_HOST, "state": state}}

    lab.clear_journal()
    on_already, = play(lab, tmp_path, [ipv6("enabled")], "ipv6-on-already")
    assert on_already["changed"] is False, on_already
    off, off_again = play(lab, tmp_path, [ipv6("disabled")] * 2, "ipv6-off")
    assert (off["changed"], off_again["changed"]) == (True, False), (off, off_again)
    with Vsphere(lab) as vs:
        host = vs.host(IPV6_HOST)
        assert (host.config.network.ipV6Enabled, host.config.network.atBootIpV6Enabled) == (False, False)
        assert find_vnic(host, "vmk0").spec.ip.ipV6Config is None
    on, on_again = play(lab, tmp_path, [ipv6("enabled")] * 2, "ipv6-on")
    assert (on["changed"], on_again["changed"]) == (True, False), (on, on_again)
    assert calls(lab) == [("UpdateNetworkConfig", IPV6_HOST)] * 2
    with Vsphere(lab) as vs:
        host = vs.host(IPV6_HOST)
        assert (host.config.network.ipV6Enabled, host.config.network.atBootIpV6Enabled) == (True, True)
        vmk0 = find_vnic(host, "vmk0")
        assert [(a.ipAddress, a.origin) for a in vmk0.spec.ip.ipV6Config.ipV6Address] == [(link_local_fact(vmk0.spec.mac)["address"], "other")]


# ---- 5. remediation cross-check ---------------------------------------------------------------

REMEDIATION_HOST = "10.10.0.11"
REMEDIATION_SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 1, "clusters": 1},
    "hosts": [{
        "portgroups": [{"name": "vMotion", "vlan": 0}, {"name": "Provisioning", "vlan": 80}, {"name": "NFS", "vlan": 30}],
        "vmknics": [
            # Three vmknics sharing the management subnet with vmk0 (multihoming), one per action kind.
            {"portgroup": "vMotion", "ip": "10.10.1.11/21", "services": ["vmotion"]},
            {"portgroup": "Provisioning", "ip": "10.10.2.11/21", "services": ["vSphereProvisioning"]},
            {"portgroup": "NFS", "ip": "10.10.3.11/21", "mtu": 1500},
        ],
    }],
}
REMEDIATION_INTENT = {"classes": [
    {"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
     "subnet": {"network": "10.20.0.0/24", "range": "10.20.0.10-10.20.0.20", "vlan": 20}},
    {"name": "provisioning", "select": {"services": ["vSphereProvisioning"]}, "action": "stack", "stack": {"key": "vSphereProvisioning"}},
    {"name": "nfs", "select": {"portgroups": ["NFS"]}, "action": "subnet",
     "subnet": {"network": "10.30.0.0/24", "range": "10.30.0.10-10.30.0.20", "mtu": 9000, "portgroup": {"name": "NFS-30", "vlan": 30}}},
]}


def test_remediation_outcome_read_back_by_community_vmware(lab_factory, tmp_path):
    """After this collection's plan is applied, community.vmware.vmware_vmkernel_info (an independent
    reader) sees every vmknic exactly as the plan predicted it (``after``)."""
    lab = lab_factory(scenario=REMEDIATION_SCENARIO)
    plan = run_module("remediation_plan_info", dict(connection_args(lab), intent=REMEDIATION_INTENT))
    assert not plan.get("failed"), plan.get("msg")
    entry, = plan["plan"]["hosts"]
    assert entry["changed"] is True and {op["op"] for op in entry["operations"]} >= {"UpdateVirtualNic", "RemoveVirtualNic", "AddVirtualNic"}
    applied = run_module("remediation_apply", dict(connection_args(lab), esxi_hostname=entry["host"], host_plan=entry))
    assert (applied.get("changed"), applied.get("status")) == (True, "applied"), applied.get("msg")

    info, = play(lab, tmp_path, [{"community.vmware.vmware_vmkernel_info": {"esxi_hostname": REMEDIATION_HOST}}], "info")
    seen = {v["device"]: v for v in info["host_vmk_info"][REMEDIATION_HOST]}
    predicted = {v["device"]: v for v in entry["after"]["vmknics"]}
    assert sorted(seen) == sorted(predicted)
    for device, nic in predicted.items():
        reported = seen[device]
        prefix = ipaddress.ip_network(f"0.0.0.0/{reported['ipv4_subnet_mask']}").prefixlen
        assert (reported["portgroup"], reported["ipv4_address"], reported["ipv4_subnet_mask"], prefix, reported["mtu"], reported["stack"]) == \
            (nic["portgroup"], nic["ipv4"]["address"], nic["ipv4"]["netmask"], nic["ipv4"]["prefix_length"], nic["mtu"], nic["stack"]), device
        # vmware_vmkernel_info reports four services only; the others are compared with pyVmomi above (tests 2 and 3).
        assert {t for t, flag in INFO_SERVICES.items() if reported[flag]} == set(nic["services"]) & set(INFO_SERVICES), device
    # The planned changes did happen (not merely "plan == reality" on an untouched host).
    by_portgroup = {v["portgroup"]: v for v in seen.values()}
    assert by_portgroup["vMotion"]["ipv4_address"].startswith("10.20.0.") and by_portgroup["vMotion"]["enable_vmotion"] is True
    assert by_portgroup["Provisioning"]["stack"] == "vSphereProvisioning"
    assert (by_portgroup["NFS-30"]["ipv4_address"].startswith("10.30.0."), by_portgroup["NFS-30"]["mtu"]) == (True, 9000)
