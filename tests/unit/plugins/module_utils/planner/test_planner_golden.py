# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole plan document, byte for byte, for scenarios of every kind the planner tests build:
a fleet like the bench's (docs/benchmarks.md) on standard switches and with its storage on a
vDS, subnet / stack / iSCSI / IPv6 classes, dvPortgroup changes, moves and creations, refusals,
vCenter's path, skipped hosts.

The digests are sha256 of ``json.dumps(document, sort_keys=True)`` as main made them at 0db3586,
before the planner was made faster (issue 13 point 4): speed work must leave every one as it is.
A change that means to change plans updates the digests it changes, and says why."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._planner import build_plan
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.factories import (
    dv_vmknic, make_dv_portgroup, make_host, make_iscsi_adapter, make_route, make_stack, make_vmknic,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.planner.plan_cases import ISCSI, esx, pg, subnet_class
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.planner.test_planner_distributed import (
    MOVE_CLASS, NEW_PG, VLAN_CLASS, VMOTION_PG, catalogue_entry, vmotion_host,
)

# The bench's intent (tests/bench/bench.py INTENT): vMotion leaves the management subnet for
# 10.20.0.0/16 on VLAN 20, the storage pair is accepted.
FLEET_INTENT = {"allow_management_change": False, "classes": [
    {"name": "vmotion", "select": {"services": ["vmotion"], "networks": ["10.10.0.0/21"]}, "action": "subnet",
     "subnet": {"network": "10.20.0.0/16", "range": "10.20.0.10-10.20.15.250", "vlan": 20}},
    {"name": "storage", "select": {"portgroups": ["Storage-A", "Storage-B", "dv-Storage-A", "dv-Storage-B"]}, "action": "accept",
     "reason": "two storage vmknics on one VLAN, one active uplink each"}]}
STORAGE_DV = [make_dv_portgroup(name, key=f"dvportgroup-{40 + i}", vlan=40, active=(uplink,))
              for i, (name, uplink) in enumerate((("dv-Storage-A", "Uplink 1"), ("dv-Storage-B", "Uplink 2")))]


def fleet_host(number: int, distributed: bool = False) -> dict:
    """A host of the bench's lab: vmk0 (management) and vmk1 (vMotion) in 10.10.0.0/21, the storage
    pair sharing 10.40.0.0/16 (on a vDS when ``distributed``), a link-local IPv6 address and route
    per vmknic as ESXi lists them, vCenter in the management subnet."""
    last = 11 + number
    mac = [f"00:50:56:40:{number:02x}:0{device}" for device in range(4)]
    nics = [make_vmknic("vmk0", f"10.10.0.{last}/21", services=["management"], portgroup="Management Network", mac=mac[0]),
            make_vmknic("vmk1", f"10.10.4.{last}/21", services=["vmotion"], portgroup="vMotion", mac=mac[1])]
    pgs = [pg("Management Network"), pg("vMotion")]
    if distributed:
        nics += [dv_vmknic(f"vmk{2 + i}", f"10.40.{128 * i}.{last}/16", STORAGE_DV[i], mtu=9000, mac=mac[2 + i]) for i in range(2)]
        pgs += copy.deepcopy(STORAGE_DV)
    else:
        nics += [make_vmknic(f"vmk{2 + i}", f"10.40.{128 * i}.{last}/16", portgroup=f"Storage-{'AB'[i]}", mtu=9000, mac=mac[2 + i])
                 for i in range(2)]
        pgs += [pg("Storage-A", vlan=40, active=("vmnic2",), unused=("vmnic0", "vmnic1", "vmnic3")),
                pg("Storage-B", vlan=40, active=("vmnic3",), unused=("vmnic0", "vmnic1", "vmnic2"))]
    routes = [make_route("0.0.0.0/0", "vmk0", gateway="10.10.0.1"), make_route("10.10.0.0/21", "vmk0"),
              make_route("10.40.0.0/16", "vmk2")]
    for device, address in enumerate(mac):
        link_local = "fe80::250:56ff:fe40:" + address[-5:].replace(":", "")
        nics[device]["ipv6"]["addresses"].append({"address": link_local, "prefix_length": 64, "network": "fe80::/64",
                                                  "origin": "other", "link_local": True, "dad_state": "preferred"})
        routes += [make_route(network, f"vmk{device}", gateway=link_local, family="ipv6") for network in ("fe80::/64", "ff02::/32")]
    host = make_host(f"10.10.0.{last}", nics, portgroups=pgs, cluster=f"C{number % 3}", ipv6_enabled=True,
                     stacks=[make_stack(routes=routes, default_gateway="10.10.0.1"), make_stack("vmotion")])
    host["vcenter_address"] = "10.10.0.5"
    host["pnics"] = [{"device": f"vmnic{i}", "link": True} for i in range(4)]
    return host


def fleet(distributed: bool = False) -> tuple[list[dict], list[dict] | None]:
    hosts = [fleet_host(number, distributed) for number in range(12)]
    if not distributed:
        return hosts, None
    return hosts, [catalogue_entry(p, [(h["name"], f"vmk{2 + i}") for h in hosts]) for i, p in enumerate(STORAGE_DV)]


def vcenter_behind_vmotion() -> list[dict]:
    """vCenter in vMotion's subnet: the vMotion vmknic (VLAN 5) owns the route to it, so moving it
    makes the host answer vCenter over another VLAN."""
    host = esx("esx01", 1)
    host["vcenter_address"], host["pnics"] = "10.10.0.5", [{"device": "vmnic0", "link": True}]
    next(p for p in host["portgroups"] if p["name"] == "vMotion")["vlan"] = 5
    host["stacks"][0]["routes"] = [make_route("10.10.0.0/24", "vmk1"), make_route("10.10.0.0/24", "vmk0")]
    return [host]


def iscsi_hosts() -> list[dict]:
    nics = [make_vmknic("vmk2", "10.50.0.11/24", portgroup="iSCSI-A"), make_vmknic("vmk3", "10.50.0.21/24", portgroup="iSCSI-B")]
    return [esx("esx01", 1, *nics, extra_pgs=[pg("iSCSI-A"), pg("iSCSI-B")], software_iscsi_enabled=False,
                iscsi_adapters=[make_iscsi_adapter("vmhba64", [])])]


def ipv6_hosts() -> list[dict]:
    return [esx(f"esx0{n}", n, make_vmknic("vmk2", f"10.10.0.{30 + n}/24", services=["vSphereProvisioning"], portgroup="Prov",
                                           ipv6=["fd00::5/64"] if n == 1 else None), extra_pgs=[pg("Prov")], ipv6_enabled=True)
            for n in (1, 2)]


IPV6_CLASS = {"classes": [{"name": "prov", "select": {"services": ["vSphereProvisioning"]}, "action": "subnet",
                           "subnet": {"network": "10.30.0.0/24", "gateway": "10.30.0.1",
                                      "ipv6": {"autoconf": False, "network": "fd00:30::/64", "range": "fd00:30::10-fd00:30::ff"}}}]}
STACK_CLASS = {"classes": [{"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "stack",
                            "stack": {"key": "vmotion", "network": "10.20.0.0/24"}}]}
MANAGEMENT_CLASS = {"classes": [{"name": "mgmt", "select": {"services": ["management"]}, "action": "subnet",
                                 "subnet": {"network": "10.30.0.0/24"}}]}
ONTO_DVS = {"classes": [{"name": "vmotion", "select": {"portgroups": ["vMotion"]}, "action": "subnet",
                         "subnet": {"network": "10.20.0.0/24", "portgroup": {"name": "dv-vMotion-20", "switch": "dvs1"}}}]}


def onto_dvs() -> tuple[list[dict], list[dict]]:
    host = make_host("esx01", [make_vmknic("vmk0", "10.10.0.11/24", services=["management"]),
                               make_vmknic("vmk1", "10.20.0.11/24", services=["vmotion"], portgroup="vMotion")])
    return [host], [dict(catalogue_entry(NEW_PG, []), members={"esx01": {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}})]


def scenarios() -> dict[str, tuple[list[dict], dict, list[dict] | None]]:
    two_vmotion = [vmotion_host("esx01", 11), vmotion_host("esx02", 12)]
    vmotion_catalogue = [catalogue_entry(VMOTION_PG, [("esx01", "vmk1"), ("esx02", "vmk1")])]
    return {
        "fleet": (*fleet()[:1], FLEET_INTENT, None),
        "fleet on a vDS": (fleet(True)[0], FLEET_INTENT, fleet(True)[1]),
        "subnet pool, new port group, MTU, gateway": (
            [esx(f"esx0{n}", n) for n in (1, 2, 3)],
            {"classes": [subnet_class(range="10.20.0.100-10.20.0.110", gateway="10.20.0.1", mtu=9000, portgroup={
                "name": "vMotion-20", "vlan": 20, "teaming": {"active": ["vmnic1"], "standby": []}})]},
            None),
        "stack move": ([esx("esx01", 1), esx("esx02", 2)], STACK_CLASS, None),
        "iSCSI enable, teaming, binding": (iscsi_hosts(), ISCSI, None),
        "IPv4 and IPv6 addressing": (ipv6_hosts(), IPV6_CLASS, None),
        "management change refused": ([esx("esx01", 1)], MANAGEMENT_CLASS, None),
        "pool too small refused": ([esx(f"esx0{n}", n) for n in (1, 2, 3)], {"classes": [subnet_class(range="10.20.0.10-10.20.0.11")]}, None),
        "vCenter path cut refused": (vcenter_behind_vmotion(), {"classes": [subnet_class()]}, None),
        "skipped and accepted hosts": (
            [esx("esx01", 1), esx("esx02", 2, config_available=False), esx("esx03", 3, errors=["vmknics: timed out"])],
            {"classes": [{"name": "accepted", "select": {"services": ["vmotion"]}, "action": "accept", "reason": "lab"}]}, None),
        "dvPortgroup VLAN": (two_vmotion, VLAN_CLASS, vmotion_catalogue),
        "dvPortgroup VLAN without the catalogue": (two_vmotion, VLAN_CLASS, None),
        "move to another dvPortgroup": ([vmotion_host("esx01", 11)], MOVE_CLASS,
                                        [catalogue_entry(VMOTION_PG, [("esx01", "vmk1")]), catalogue_entry(NEW_PG, [])]),
        "dvPortgroup created": (two_vmotion, MOVE_CLASS, vmotion_catalogue),
        "onto a vDS": (*onto_dvs()[:1], ONTO_DVS, onto_dvs()[1]),
    }


DIGESTS = {
    'IPv4 and IPv6 addressing': '77c7db295e7d5297d49c7c480f71f836b4ada94884cb28b61d2bbf27476bda1b',
    'dvPortgroup VLAN': '295d0473a2bc889034dbfcdfdd994daed6f1e5406323d9e26e163704cb3f3a9a',
    'dvPortgroup VLAN without the catalogue': 'c9461465e4ed10b4dc5a1dacdebb61a76df64a2de67bd5bd6ea023d3cb7a961f',
    'dvPortgroup created': '9952da0ed0b711e40a458f4ddd42775d0d7b78f65838aa50f00ca32b6845e69c',
    'fleet': '8bcc0ac937eb742bbce302b1b1d9243f301f821089184ff76b312a9642b73fc6',
    'fleet on a vDS': '4a6e05c07673a524b8a70bc37db62baf9e4054f6027f068ec99dcdbbe0bd1606',
    'iSCSI enable, teaming, binding': '401810b7a8ec9ca0a49c7da79b4e67496c0c13e7aa4f9685d0b8dfacd2cded30',
    'management change refused': 'e7e5199fdd7fdd7a41657e28c336ccb82ee47d472cb96ebca33745163a69cf48',
    'move to another dvPortgroup': '1079dd719fb2a337292bf1b672464dc03669c3f0e0cb1113df03a8985c3b9dad',
    'onto a vDS': '2bf11c095f27c15ece39541b18c55a24ca47adc694d43e7ec874f5ce2c8ab3d9',
    'pool too small refused': 'ae82fcb280fea1fca5f7151837e8558e8f3c29ec914f5d733d1330bc7445ca69',
    'skipped and accepted hosts': '0d4eef8e9b91eb78f82d53128dd9c6b24cb8d8699999fdeb257843def639eac7',
    'stack move': '8d67e1fe2cc6541611c240dabe5f098ae4cf82b0779b68d7ec6a00177515704c',
    'subnet pool, new port group, MTU, gateway': '2be351d38399b855048861b930ec9044db4804aa6dc49f9fc0632fa1de11a4d7',
    'vCenter path cut refused': '56b18b5b264668d24273cde546c6a4855397b4e9ddf6c9d11b3591e75b607040',
}


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_plan_document_is_byte_for_byte_as_before(name):
    hosts, intent, catalogue = scenarios()[name]
    document = json.dumps(build_plan(hosts, intent, catalogue), sort_keys=True)
    assert hashlib.sha256(document.encode()).hexdigest() == DIGESTS[name], document[:2000]


def test_every_scenario_has_a_digest():
    assert sorted(scenarios()) == sorted(DIGESTS)
