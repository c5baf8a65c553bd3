# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts and intents the planner tests share (test_planner, test_planner_input)."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import make_host, make_iscsi_adapter, make_portgroup, make_vmknic


UPLINKS = {"unused": ["vmnic2", "vmnic3"]}  # vSwitch0 has vmnic0..3; port groups use 0 and 1


def pg(name: str, **kwargs) -> dict:
    return make_portgroup(name, **{**UPLINKS, **kwargs})


def esx(name: str, number: int, *extra_nics, extra_pgs=(), **kwargs) -> dict:
    """A host with vmk0 (management) and vmk1 (vMotion) both in 10.10.0.0/24: multi-homed."""
    nics = [
        make_vmknic("vmk0", f"10.10.0.{10 + number}/24", services=["management"], portgroup="Management Network"),
        make_vmknic("vmk1", f"10.10.0.{20 + number}/24", services=["vmotion"], portgroup="vMotion"),
        *extra_nics,
    ]
    pgs = [pg("Management Network"), pg("vMotion"), *extra_pgs]
    return make_host(name, nics, portgroups=pgs, **kwargs)


def subnet_class(**subnet) -> dict:
    return {"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
            "subnet": {"network": "10.20.0.0/24", **subnet}}


ISCSI = {"classes": [{"name": "iscsi", "select": {"portgroups": ["iSCSI-*"]}, "action": "iscsi",
                      "iscsi": {"adapter": "software", "enable": True,
                                "uplinks": {"iSCSI-A": "vmnic2", "iSCSI-B": "vmnic3"}}}]}


@st.composite
def scenarios(draw):
    """A few hosts with vMotion/provisioning/iSCSI vmknics in shared subnets, and one intent of each
    action kind chosen at random."""
    count = draw(st.integers(1, 3))
    hosts = []
    for index in range(count):
        number = index + 1
        nics = [make_vmknic("vmk0", f"10.10.0.{10 + number}/24", services=["management"],
                            portgroup="Management Network")]
        pgs = [pg("Management Network")]
        device = 1
        for kind in draw(st.lists(st.sampled_from(["vmotion", "prov", "iscsi", "dhcp"]), min_size=1, max_size=3,
                                  unique=True)):
            device += draw(st.integers(0, 1))  # sometimes leave a gap in the vmk numbers
            name = f"vmk{device}"
            if kind == "vmotion":
                nics.append(make_vmknic(name, f"10.10.0.{20 + number}/24", services=["vmotion"], portgroup="vMotion",
                                        mtu=draw(st.sampled_from([1500, 9000])),
                                        gateway_override=draw(st.sampled_from([None, {"ipv4": "10.10.0.1", "ipv6": None}]))))
                pgs.append(pg("vMotion", vlan=draw(st.integers(0, 5))))
            elif kind == "prov":
                nics.append(make_vmknic(name, f"10.10.0.{30 + number}/24", services=["vSphereProvisioning"],
                                        portgroup="Prov", ipv6=draw(st.sampled_from([None, ["fd00::5/64"]]))))
                pgs.append(pg("Prov"))
            elif kind == "dhcp":
                nics.append(make_vmknic(name, "10.10.0.200/24", dhcp=True, services=["vSphereReplication"],
                                        portgroup="VR"))
                pgs.append(pg("VR"))
            else:
                nics.append(make_vmknic(name, f"10.50.0.{10 + number}/24", portgroup="iSCSI-A"))
                device += 1
                nics.append(make_vmknic(f"vmk{device}", f"10.50.0.{20 + number}/24", portgroup="iSCSI-B"))
                pgs += [pg("iSCSI-A"), pg("iSCSI-B")]
            device += 1
        hosts.append(make_host(f"esx{number:02d}", nics, portgroups=pgs,
                               software_iscsi_enabled=draw(st.booleans()),
                               iscsi_adapters=[make_iscsi_adapter("vmhba64", [])] if draw(st.booleans()) else []))
        if not hosts[-1]["iscsi_adapters"]:
            hosts[-1]["software_iscsi_enabled"] = False
    vmotion = draw(st.sampled_from([
        subnet_class(mtu=9000, gateway="10.20.0.1"),
        subnet_class(vlan=20),
        subnet_class(portgroup={"name": "vMotion-20", "vlan": 20, "teaming": {"active": ["vmnic3"]}}),
        {"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "stack",
         "stack": {"key": "vmotion", "network": "10.20.0.0/24"}},
    ]))
    classes = [
        vmotion,
        draw(st.sampled_from([
            {"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "stack",
             "stack": {"key": "vSphereProvisioning"}},
            {"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "subnet",
             "subnet": {"network": "10.30.0.0/24", "pool": {"start": "10.30.0.100"}}},
        ])),
        copy.deepcopy(ISCSI["classes"][0]),
        {"name": "vr", "select": {"services": ["vSphereReplication"]}, "action": "subnet",
         "subnet": {"network": "10.40.0.0/24"}},
    ]
    return hosts, {"classes": classes}
