# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's distributed-switch lab (issue 12 section 4): the bench scenario with the storage
pair of every host (vmk2 / vmk3, half of its four vmknics) on two dvPortgroups of one distributed
switch, and what the bulk read made of it — how many RetrievePropertiesEx, continuation pages and
Fetch calls (the lab's own per-method counters, tests/integration/bulk_read.py) and how often each
object came back (counted in this process around _gather's streaming read). Nothing is asserted:
the bench prints it; the assertion at a small size is
tests/integration/modules/test_bulk_read_distributed.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

SWITCH = "dvs-Storage"


def distributed_scenario(standard: dict[str, Any]) -> dict[str, Any]:
    """``standard`` (bench.scenario) with Storage-A / Storage-B replaced by dvPortgroups dv-Storage-A /
    dv-Storage-B of one switch (VLAN 40, one active uplink each, backed on every host by vmnic2 and
    vmnic3): the same addresses and multi-homing, half the vmknics on the vDS."""
    result = copy.deepcopy(standard)
    for rule in result["hosts"]:
        rule["portgroups"] = [pg for pg in rule["portgroups"] if not pg["name"].startswith("Storage-")]
        for nic in rule["vmknics"]:
            if nic["portgroup"].startswith("Storage-"):
                nic["dvportgroup"] = "dv-" + nic.pop("portgroup")
    result["distributed_switches"] = [{
        "name": SWITCH, "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000,
        "members": [{"pnics": ["vmnic2", "vmnic3"]}],  # no selector: every host
        "portgroups": [{"name": "dv-Storage-A", "vlan": 40, "active": ["Uplink 1"], "standby": []},
                       {"name": "dv-Storage-B", "vlan": 40, "active": ["Uplink 2"], "standby": []}],
    }]
    return result


@dataclass
class DistributedRow:
    """Figures of the distributed lab (seconds unless named otherwise)."""

    hosts: int
    load_average: float = 0.0
    lab_start: float = 0.0
    floor_process: float = 0.0
    info_module: float = 0.0
    info_rss_mb: float = 0.0
    distributed_vmknics: int = 0
    module_calls: dict[str, int] = field(default_factory=dict)  # bulk_read.READ_METHODS of one vmknic_info run
    objects: dict[str, int] = field(default_factory=dict)  # object type -> objects in the bulk read (in-process)
    most_reads: int = 0  # how often the most often read object came back in that one read

    @property
    def process_floor_ratio(self) -> float:
        return self.info_module / self.floor_process


def report_lines(row: DistributedRow) -> list[str]:
    calls = row.module_calls
    pages = calls.get("ContinueRetrievePropertiesEx", 0)
    return [
        f"Distributed lab, {row.hosts} hosts, half the vmknics on {SWITCH} ({row.distributed_vmknics} vmknics on dvPortgroups),"
        f" load average {row.load_average:.1f} at its start (lab start {row.lab_start:.1f} s):",
        f"  vmknic_info module {row.info_module:.2f} s, pyVmomi floor (fresh process, hosts + switches + dvPortgroups)"
        f" {row.floor_process:.2f} s, ratio {row.process_floor_ratio:.2f}x, peak RSS {row.info_rss_mb:.0f} MB",
        f"  one vmknic_info run made {calls.get('RetrievePropertiesEx', 0)} RetrievePropertiesEx (the topology read and the bulk"
        f" read: one chain each when 2), {pages} ContinueRetrievePropertiesEx pages (the lab serves 100 objects per page)"
        f" and {calls.get('Fetch', 0)} Fetch",
        "  objects in the one bulk read (in-process gather()): "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(row.objects.items()))
        + f"; each read {'once' if row.most_reads == 1 else f'up to {row.most_reads} times'}",
    ]
