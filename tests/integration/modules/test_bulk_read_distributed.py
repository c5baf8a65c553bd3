# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmknic_info on 20 hosts with half their vmknics on a distributed switch (issue 12 section 4):
the module process reads with exactly two RetrievePropertiesEx (the topology read, then the one
bulk read of hosts, switch and dvPortgroups) and no other property read, counted by the lab itself;
in that bulk read the switch and each dvPortgroup come once, not once per host."""

from __future__ import annotations

from collections import Counter

import pytest
from bulk_read import READ_COUNTING, counted_bulk_read, read_calls

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere import _gather
from harness import connection_args, run_module
from vsphere import Vsphere

HOSTS = 20
# vmk0 (management) and vmk1 (vMotion) on vSwitch0; vmk2 and vmk3 on dvPortgroups of dvs-Storage.
SCENARIO = {
    "distributed_switches": [{
        "name": "dvs-Storage", "uplinks": ["Uplink 1", "Uplink 2"],
        "members": [{"pnics": ["vmnic2", "vmnic3"]}],
        "portgroups": [{"name": "dv-Storage-A", "vlan": 40, "active": ["Uplink 1"], "standby": []},
                       {"name": "dv-Storage-B", "vlan": 41, "active": ["Uplink 2"], "standby": []},
                       {"name": "dv-Unused", "vlan": 42}],
    }],
    "hosts": [{
        "portgroups": [{"name": "vMotion", "vlan": 20}],
        "vmknics": [{"portgroup": "vMotion", "ip": "10.20.0.{i+11}/24", "services": ["vmotion"]},
                    {"dvportgroup": "dv-Storage-A", "ip": "10.40.0.{i+11}/24"},
                    {"dvportgroup": "dv-Storage-B", "ip": "10.41.0.{i+11}/24"}],
    }],
}


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(hosts=HOSTS, clusters=2, scenario=SCENARIO, **READ_COUNTING)


def test_the_module_reads_with_one_bulk_retrieval(lab):
    calls, result = read_calls(lab, lambda: run_module("vmknic_info", connection_args(lab)))
    assert not result.get("failed"), result
    assert calls == {"RetrievePropertiesEx": 2, "ContinueRetrievePropertiesEx": 0, "Fetch": 0}
    assert result.get("warnings", []) == []  # the collection's parser, no fallback to pyVmomi
    hosts = result["hosts"]
    assert len(hosts) == HOSTS
    for host in hosts:
        placed = {nic["device"]: (nic["switch_type"], nic["switch"], nic["portgroup"]) for nic in host["vmknics"]}
        assert placed == {"vmk0": ("standard", "vSwitch0", "Management Network"), "vmk1": ("standard", "vSwitch0", "vMotion"),
                          "vmk2": ("distributed", "dvs-Storage", "dv-Storage-A"),
                          "vmk3": ("distributed", "dvs-Storage", "dv-Storage-B")}, host["name"]
        vlans = {pg["name"]: pg["vlan"] for pg in host["portgroups"] if pg["switch_type"] == "distributed"}
        assert vlans == {"dv-Storage-A": 40, "dv-Storage-B": 41}, host["name"]


def test_the_switch_and_each_dvportgroup_come_once(lab):
    with Vsphere(lab) as vs:
        with counted_bulk_read() as seen:
            hosts = _gather.gather(vs.si)
        view = vs.content.viewManager.CreateContainerView(vs.content.rootFolder, [_gather.vim.dvs.DistributedVirtualPortgroup], True)
        dvportgroups = {pg._moId for pg in view.view}
        view.DestroyView()
    assert len(hosts) == HOSTS and set(seen.values()) == {1}
    # The three dvPortgroups made and the switch's uplink port group: all of the datacenter's, once.
    assert len(dvportgroups) == 4 and {moid for kind, moid in seen if kind == "vim.dvs.DistributedVirtualPortgroup"} == dvportgroups
    assert Counter(kind for kind, _moid in seen) == {"vim.HostSystem": HOSTS, "vim.dvs.DistributedVirtualPortgroup": 4,
                                                     "vim.dvs.VmwareDistributedVirtualSwitch": 1}
