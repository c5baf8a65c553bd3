# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schema and semantic validation of the remediation intent (docs/remediation.md)."""

from __future__ import annotations

import copy
import ipaddress

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import IntentError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import effective_services
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._intent import classes_selecting_nothing, parse_intent, validate_intent

FULL = {
    "allow_management_change": False,
    "classes": [
        {
            "name": "vmotion",
            "select": {"services": ["vmotion"], "portgroups": ["vMotion*"], "hosts": ["esx*"]},
            "action": "subnet",
            "subnet": {
                "network": "10.20.0.0/24",
                "addresses": {"esx01": {"vmk1": "10.20.0.11"}, "esx02": "10.20.0.12"},
                "pool": {"start": "10.20.0.10", "end": "10.20.0.200", "exclude": ["10.20.0.99", "10.20.0.150-10.20.0.159", "10.20.0.160/28"]},
                "gateway": "10.20.0.1",
                "portgroup": {"name": "vMotion-20", "vlan": 20, "teaming": {"active": ["vmnic1"], "standby": ["vmnic2"]}},
                "mtu": 9000,
            },
        },
        {"name": "provisioning", "select": {"services": "vSphereProvisioning"}, "action": "stack",
         "stack": {"key": "vSphereProvisioning", "network": "10.30.0.0/24", "range": "10.30.0.10-10.30.0.20"}},
        {"name": "iscsi", "select": {"portgroups": ["iSCSI-*"]}, "action": "iscsi",
         "iscsi": {"adapter": "software", "enable": True, "uplinks": {"iSCSI-A": "vmnic2", "iSCSI-B": "vmnic3"}}},
        {"name": "multi-nic-vmotion", "select": {"portgroups": ["vMotion-A", "vMotion-B"]}, "action": "accept",
         "reason": "multi-NIC vMotion, one uplink each"},
    ],
}


def with_class(index: int, **changes) -> dict:
    intent = copy.deepcopy(FULL)
    intent["classes"][index].update(changes)
    return intent


def with_subnet(**changes) -> dict:
    intent = copy.deepcopy(FULL)
    intent["classes"][0]["subnet"].update(changes)
    return intent


def test_full_example_is_valid_and_parsed():
    assert validate_intent(FULL) == []
    parsed = parse_intent(FULL)
    vmotion, prov, iscsi, accept = parsed.classes
    assert vmotion.addressing.network == ipaddress.IPv4Network("10.20.0.0/24")
    assert str(vmotion.addressing.pool) == "10.20.0.10-10.20.0.200"
    assert vmotion.addressing.pool.exclude[0] == (int(ipaddress.IPv4Address("10.20.0.99")),) * 2
    assert vmotion.addressing.explicit == {
        "esx01": {"vmk1": ipaddress.IPv4Address("10.20.0.11")},
        "esx02": {None: ipaddress.IPv4Address("10.20.0.12")},
    }
    assert vmotion.portgroup.teaming == (("vmnic1",), ("vmnic2",))
    assert vmotion.mtu == 9000
    assert prov.stack == "vSphereProvisioning" and str(prov.addressing.pool) == "10.30.0.10-10.30.0.20"
    assert prov.select.services == ("vSphereProvisioning",)
    assert iscsi.iscsi.enable is True and iscsi.iscsi.uplinks == {"iSCSI-A": "vmnic2", "iSCSI-B": "vmnic3"}
    assert accept.reason.startswith("multi-NIC")
    assert parsed.allow_management_change is False


@pytest.mark.parametrize("intent, problem", [
    (None, "intent: must be a mapping"),
    ({"classes": []}, "classes: must be a non-empty list"),
    ({"classes": [{"name": "a", "select": {"devices": "vmk1"}, "action": "accept", "reason": "x"}], "extra": 1},
     "intent: unknown key 'extra' (expected one of allow_management_change, classes)"),
    ({"allow_management_change": "yes", "classes": [{"name": "a", "select": {"devices": "vmk1"}, "action": "accept", "reason": "x"}]},
     "allow_management_change: must be true or false, got 'yes'"),
    (with_class(0, name="bad name"), "classes[0]: 'name' is required: letters, digits, '_', '.', '-' (got 'bad name')"),
    (with_class(1, name="vmotion"), "classes[1]: name 'vmotion' is already used by classes[0]"),
    (with_class(0, action="move"), "class vmotion: 'action' must be one of subnet, stack, iscsi, accept (got 'move')"),
    (with_class(0, select={}), "class vmotion.select: needs at least one of services, portgroups, devices, hosts, "
                               "stacks, switches, networks"),
    (with_class(0, select={"colour": ["red"]}), "class vmotion.select: unknown key 'colour' (expected one of "
                                                "services, portgroups, devices, hosts, stacks, switches, networks)"),
    (with_class(0, select={"devices": []}), "class vmotion.select.devices: must be a non-empty string or list of "
                                            "non-empty strings"),
    (with_class(0, select={"networks": ["10.0.0.300/24"]}), "class vmotion.select.networks: '10.0.0.300/24' is not "
                                                            "an IPv4 or IPv6 CIDR"),
    (with_class(3, reason=None), "class multi-nic-vmotion: an accept class needs a 'reason' saying why the shared "
                                 "subnet is legitimate"),
    (with_class(3, subnet={"network": "10.9.0.0/24"}), "class multi-nic-vmotion: 'subnet' settings do not apply to "
                                                       "action accept"),
    (with_class(0, subnet=None), "class vmotion.subnet: is required for action subnet (at least 'network' or "
                                 "'ipv6')"),
    (with_class(0, subnet={"mtu": 9000}), "class vmotion.subnet: needs 'network' (the IPv4 subnet), 'ipv6', or both"),
    (with_subnet(ipv6={}), "class vmotion.subnet.ipv6: needs at least one of autoconf, dhcp or network"),
    (with_subnet(ipv6={"autoconf": "no"}), "class vmotion.subnet.ipv6.autoconf: must be true or false, got 'no'"),
    (with_subnet(ipv6={"slaac": False}), "class vmotion.subnet.ipv6: unknown key 'slaac' (expected one of autoconf, "
                                         "dhcp, network, addresses, pool, range, gateway)"),
    (with_subnet(ipv6={"network": "10.20.0.0/24"}), "class vmotion.subnet.ipv6.network: '10.20.0.0/24' is not an "
                                                    "IPv6 network in CIDR form (host bits must be zero)"),
    (with_subnet(ipv6={"network": "2001:db8::/127"}), "class vmotion.subnet.ipv6.network: 2001:db8::/127 is too "
                                                      "small for vmknics (the longest prefix allowed is /126)"),
    (with_subnet(ipv6={"range": "2001:db8::5-2001:db8::9"}), "class vmotion.subnet.ipv6: 'range' needs 'network' "
                                                             "(without it the vmknics keep their addresses)"),
    (with_subnet(ipv6={"network": "2001:db8::/64", "gateway": "2001:db9::1"}),
     "class vmotion.subnet.ipv6.gateway: 2001:db9::1 is not a usable address of 2001:db8::/64"),
    (with_subnet(ipv6={"network": "2001:db8::/64", "range": "2001:db8::9-2001:db8::5"}),
     "class vmotion.subnet.ipv6: pool start 2001:db8::9 is after its end 2001:db8::5"),
    (with_subnet(ipv6={"network": "2001:db8::/64", "pool": {"exclude": ["10.0.0.0/8"]}}),
     "class vmotion.subnet.ipv6.pool.exclude: '10.0.0.0/8' is not an IPv6 CIDR"),
    (with_subnet(ipv6={"network": "2001:db8::/64", "addresses": {"esx01": "2001:db9::5"}}),
     "class vmotion.subnet.ipv6.addresses[esx01]: 2001:db9::5 is outside 2001:db8::/64"),
    (with_subnet(ipv6={"network": "2001:db8::/64", "addresses": {"esx01": "10.20.0.5"}}),
     "class vmotion.subnet.ipv6.addresses[esx01]: '10.20.0.5' is not an IPv6 address"),
    (with_class(1, stack=None), "class provisioning.stack: is required for action stack (at least 'key')"),
    (with_class(1, stack={"network": "10.30.0.0/24"}), "class provisioning.stack.key: is required: the "
                                                       "netStackInstanceKey to move the vmknics to"),
    (with_class(1, stack={"key": "vmotion", "gateway": "10.1.1.1"}),
     "class provisioning.stack: 'gateway' needs 'network' (without it the vmknics keep their addresses)"),
    (with_subnet(network="10.20.0.1/24"), "class vmotion.subnet.network: '10.20.0.1/24' is not an IPv4 network in "
                                          "CIDR form (host bits must be zero)"),
    (with_subnet(network="10.20.0.0/31"), "class vmotion.subnet.network: 10.20.0.0/31 is too small for vmknics "
                                          "(the longest prefix allowed is /30)"),
    (with_subnet(gateway="10.21.0.1"), "class vmotion.subnet.gateway: 10.21.0.1 is not a usable address of "
                                       "10.20.0.0/24"),
    (with_subnet(gateway="10.20.0.255"), "class vmotion.subnet.gateway: 10.20.0.255 is not a usable address of "
                                         "10.20.0.0/24"),
    (with_subnet(pool={"start": "10.20.1.10"}), "class vmotion.subnet: pool start 10.20.1.10 is not a usable "
                                                "address of 10.20.0.0/24"),
    (with_subnet(pool={"start": "10.20.0.0"}), "class vmotion.subnet: pool start 10.20.0.0 is not a usable "
                                               "address of 10.20.0.0/24"),
    (with_subnet(pool={"start": "10.20.0.50", "end": "10.20.0.40"}), "class vmotion.subnet: pool start 10.20.0.50 is after its end 10.20.0.40"),
    (with_subnet(range="10.20.0.10-10.20.0.20"), "class vmotion.subnet: give either 'pool' or 'range', not both"),
    (with_subnet(pool={"exclude": ["10.20.0.30-10.20.0.20"]}), "class vmotion.subnet.pool.exclude: range "
                                                               "'10.20.0.30-10.20.0.20' ends before it starts"),
    (with_subnet(pool={"size": 3}), "class vmotion.subnet.pool: unknown key 'size' (expected one of start, end, "
                                    "exclude)"),
    (with_subnet(addresses={"esx01": {"vmk1": "10.21.0.5"}}), "class vmotion.subnet.addresses[esx01][vmk1]: "
                                                              "10.21.0.5 is outside 10.20.0.0/24"),
    (with_subnet(addresses={"esx01": "10.20.0.1"}), "class vmotion.subnet.addresses[esx01]: 10.20.0.1 is the "
                                                    "class gateway"),
    (with_subnet(addresses={"esx01": "10.20.0.0"}), "class vmotion.subnet.addresses[esx01]: 10.20.0.0 is the "
                                                    "network or broadcast address of 10.20.0.0/24"),
    (with_subnet(addresses={"esx01": "10.20.0.20", "esx02": {"vmk1": "10.20.0.20"}}),
     "explicit address 10.20.0.20 is given more than once (esx01, esx02 vmk1)"),
    (with_subnet(mtu=9216), "class vmotion.subnet.mtu: must be an integer from 1280 to 9000, got 9216"),
    (with_subnet(vlan=4095, portgroup=None), "class vmotion.subnet.vlan: must be an integer from 0 to 4094, got 4095"),
    (with_subnet(vlan=20), "class vmotion.subnet: give the VLAN inside 'portgroup' when moving vmknics to another "
                           "port group"),
    (with_subnet(portgroup={"vlan": 3}), "class vmotion.subnet.portgroup.name: is required"),
    (with_subnet(portgroup={"name": "x", "teaming": {"active": ["vmnic1"], "standby": ["vmnic1"]}}),
     "class vmotion.subnet.portgroup.teaming: vmnic1 cannot be both active and standby"),
    (with_class(2, iscsi={"adapter": "vmhba64", "enable": True}),
     "class iscsi.iscsi.enable: only applies to the software iSCSI adapter (adapter: software)"),
    (with_class(2, iscsi={"uplinks": {"iSCSI-A": "vmnic2", "iSCSI-B": "vmnic2"}}),
     "class iscsi.iscsi.uplinks: vmnic2 is the uplink of iSCSI-A, iSCSI-B; iSCSI port binding needs a different "
     "uplink per port group"),
    (with_class(1, stack={"key": "vSphereProvisioning", "network": "10.20.0.128/25"}),
     "classes vmotion and provisioning: subnets 10.20.0.0/24 and 10.20.0.128/25 overlap"),
])
def test_problem_messages(intent, problem):
    problems = validate_intent(intent)
    assert problem in problems, problems


def test_problems_are_complete_not_first_only():
    intent = copy.deepcopy(FULL)
    intent["classes"][0]["subnet"]["mtu"] = 1
    intent["classes"][0]["subnet"]["gateway"] = "1.1.1.1"
    intent["classes"][1]["stack"]["key"] = ""
    intent["classes"][3]["reason"] = ""
    assert len(validate_intent(intent)) == 5  # reason also fails the "non-empty string" check
    with pytest.raises(IntentError) as caught:
        parse_intent(intent)
    assert caught.value.problems == validate_intent(intent)


def test_defaults():
    parsed = parse_intent({"classes": [
        {"name": "a", "select": {"devices": "vmk1"}, "action": "subnet", "subnet": {"network": "10.0.0.0/29"}},
        {"name": "b", "select": {"devices": "vmk2"}, "action": "iscsi"},
    ]})
    pool = parsed.classes[0].addressing.pool
    assert str(pool) == "10.0.0.1-10.0.0.6" and pool.exclude == ()
    assert parsed.classes[0].addressing.gateway is None
    assert parsed.classes[1].iscsi.adapter == "software" and parsed.classes[1].iscsi.enable is False
    assert parsed.allow_management_change is False


@pytest.mark.parametrize("select, nic, host, expected", [
    ({"services": ["vmotion"]}, {"services": ["vmotion"]}, "h", True),
    ({"services": ["vmotion"]}, {"services": [], "stack": "vmotion"}, "h", True),
    ({"services": ["vmotion"]}, {"services": ["management"]}, "h", False),
    ({"portgroups": ["vMotion*"]}, {"portgroup": "vMotion-A"}, "h", True),
    ({"portgroups": ["vMotion*"]}, {"portgroup": "vmotion"}, "h", False),  # case-sensitive, like vSphere names
    ({"hosts": ["10.10.0.*"], "devices": ["vmk1"]}, {"device": "vmk1"}, "10.10.0.11", True),
    ({"hosts": ["10.10.0.*"], "devices": ["vmk1"]}, {"device": "vmk2"}, "10.10.0.11", False),
    ({"networks": ["10.0.0.0/8"]}, {"ipv4": {"address": "10.1.2.3"}}, "h", True),
    ({"networks": ["10.0.0.0/8"]}, {"ipv4": None}, "h", False),
    ({"stacks": ["vmotion"]}, {"stack": "vmotion"}, "h", True),
    ({"switches": ["dvs-*"]}, {"switch": "vSwitch0"}, "h", False),
])
def test_selector(select, nic, host, expected):
    intent = {"classes": [{"name": "c", "select": select, "action": "accept", "reason": "r"}]}
    selector = parse_intent(intent).classes[0].select
    assert selector.matches({"name": host}, nic) is expected


def test_effective_services():
    assert effective_services({"services": ["vmotion"]}) == ("vmotion",)
    assert effective_services({"services": [], "stack": "vSphereProvisioning"}) == ("vSphereProvisioning",)
    assert effective_services({"services": ["management", "vmotion"], "stack": "defaultTcpipStack"}) == (
        "management", "vmotion")


def test_ipv6_block_parsed():
    parsed = parse_intent({"classes": [
        {"name": "nfs", "select": {"networks": ["2001:db8:60::/64"]}, "action": "subnet",
         "subnet": {"ipv6": {"autoconf": False, "network": "2001:db8:62::/64", "range": "2001:db8:62::10-2001:db8:62::ff",
                             "addresses": {"esx01": "2001:DB8:62::5"}, "gateway": "2001:db8:62::1"}}},
        {"name": "v6only", "select": {"devices": ["vmk9"]}, "action": "subnet", "subnet": {"ipv6": {"dhcp": False}}},
    ]})
    nfs, only = parsed.classes
    assert nfs.addressing is None  # no IPv4 network: the IPv4 addresses stay
    assert (nfs.ipv6.autoconf, nfs.ipv6.dhcp) == (False, None)
    addressing = nfs.ipv6.addressing
    assert addressing.family == "ipv6" and str(addressing.pool) == "2001:db8:62::10-2001:db8:62::ff"
    assert addressing.explicit == {"esx01": {None: ipaddress.IPv6Address("2001:db8:62::5")}}
    assert int(ipaddress.IPv6Address("2001:db8:62::1")) in addressing.reserved()
    assert (only.ipv6.autoconf, only.ipv6.dhcp, only.ipv6.addressing) == (None, False, None)


@pytest.mark.parametrize("networks, nic, expected", [
    (["2001:db8:60::/64"], {"ipv6": {"addresses": [{"address": "2001:db8:60::250:56ff:fe00:1", "link_local": False}]}}, True),
    (["fe80::/10"], {"ipv6": {"addresses": [{"address": "fe80::1", "link_local": True}]}}, False),
    (["2001:db8:60::/64", "10.0.0.0/8"], {"ipv4": {"address": "10.1.1.1"}, "ipv6": None}, True),
    (["2001:db8:60::/64"], {"ipv4": {"address": "10.1.1.1"}}, False),
])
def test_selector_networks_ipv6(networks, nic, expected):
    intent = {"classes": [{"name": "c", "select": {"networks": networks}, "action": "accept", "reason": "r"}]}
    assert parse_intent(intent).classes[0].select.matches({"name": "h"}, nic) is expected


def test_ipv6_class_subnets_overlap():
    intent = with_subnet(ipv6={"network": "2001:db8::/64", "addresses": {"esx01": "2001:db8::5"}})
    intent["classes"][1]["stack"]["ipv6"] = {"network": "2001:db8::/48", "addresses": {"esx02": "2001:db8::5"}}
    problems = validate_intent(intent)
    assert problems == ["classes vmotion and provisioning: subnets 2001:db8::/64 and 2001:db8::/48 overlap",
                        "explicit address 2001:db8::5 is given more than once (esx01, esx02)"]


# ------------------------------------------------------------------------- selector values


def selecting(**select) -> dict:
    return {"classes": [{"name": "c", "select": select, "action": "accept", "reason": "test"}]}


@pytest.mark.parametrize("select, problem", [
    ({"services": ["vmotoin"]},
     "class c.select.services: unknown service 'vmotoin' (did you mean vmotion?); services: faultToleranceLogging, "
     "management, nvmeRdma, nvmeTcp, ptp, vSphereBackupNFC, vSphereProvisioning, vSphereReplication, "
     "vSphereReplicationNFC, vmotion, vnetworking, vsan, vsanExternal, vsanReplication, vsanWitness"),
    ({"services": ["VMotion"]}, "unknown service 'VMotion' (did you mean vmotion?)"),
    ({"services": ["backup"]}, "unknown service 'backup'; services: "),
    ({"stacks": ["vMotion"]},
     "class c.select.stacks: unknown stack 'vMotion' (did you mean vmotion?); system stacks: defaultTcpipStack, "
     "vmotion, vSphereProvisioning"),
    ({"stacks": ["defaultTcpIpStack"]}, "unknown stack 'defaultTcpIpStack' (did you mean defaultTcpipStack?)"),
    ({"devices": ["^vmk[12]$"]}, "class c.select.devices: '^vmk[12]$' looks like a regular expression; selectors "
                                 "take shell-style wildcards (*, ?, [abc]), e.g. 'vMotion-*'"),
    ({"portgroups": ["iSCSI-.+"]}, "'iSCSI-.+' looks like a regular expression"),
    ({"portgroups": ["iSCSI-\\d"]}, "looks like a regular expression"),
    ({"hosts": ["esx[01"]}, "class c.select.hosts: 'esx[01' has a '[' that is never closed (write '[[]' for a literal '[')"),
    ({"devices": ["vmk 2"]}, "class c.select.devices: 'vmk 2' is not a vmknic device name (vmk0, vmk1, ...) (did you mean vmk2?)"),
    ({"devices": ["eth0"]}, "'eth0' is not a vmknic device name (vmk0, vmk1, ...) (did you mean vmk0?)"),
])
def test_selector_values_are_checked(select, problem):
    problems = validate_intent(selecting(**select))
    assert len(problems) == 1 and problem in problems[0], problems


@pytest.mark.parametrize("select", [
    {"services": ["vmotion", "vsan", "vSphereReplicationNFC"]},
    {"stacks": ["defaultTcpipStack", "vmotion", "vSphereProvisioning"]},
    {"stacks": ["vxlan"]},  # a custom stack: checked against the hosts by the plan
    {"devices": ["vmk1", "vmk1?", "vmk[12]", "*"]},
    {"portgroups": ["VM Network (prod)", "iSCSI-[AB]", "[[]legacy]*"], "hosts": ["10.10.0.*", "esx01.*"]},
])
def test_valid_selector_values(select):
    assert validate_intent(selecting(**select)) == []


def test_stacks_of_the_scope_are_the_valid_choices():
    intent = {"classes": [{"name": "nsx", "select": {"stacks": ["vxlan"]}, "action": "stack",
                           "stack": {"key": "vxaln"}}]}
    assert validate_intent(intent) == []  # no host known: any name that is no near miss of a system stack
    assert validate_intent(intent, stacks=["vxlan", "defaultTcpipStack"]) == [
        "class nsx.stack.key: unknown stack 'vxaln' (did you mean vxlan?); stacks in scope: defaultTcpipStack, "
        "vSphereProvisioning, vmotion, vxlan"]
    assert validate_intent(intent, stacks=["ops"]) == [
        "class nsx.select.stacks: unknown stack 'vxlan'; stacks in scope: defaultTcpipStack, ops, vSphereProvisioning, vmotion",
        "class nsx.stack.key: unknown stack 'vxaln'; stacks in scope: defaultTcpipStack, ops, vSphereProvisioning, vmotion"]


def test_classes_selecting_nothing():
    parsed = parse_intent(FULL)
    hosts = [{"host": "esx01", "classes": {"vmk1": "vmotion", "vmk3": "iscsi"}},
             {"host": "esx02", "classes": {"vmk4": "iscsi"}}]
    assert classes_selecting_nothing(parsed, hosts) == ["provisioning", "multi-nic-vmotion"]
    assert classes_selecting_nothing(parsed, []) == ["vmotion", "provisioning", "iscsi", "multi-nic-vmotion"]
