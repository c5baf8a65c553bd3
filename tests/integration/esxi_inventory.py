# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests over the vmware.vmware.esxi_hosts inventory share: the documented example inventory,
where the vmware.vmware collection is installed, and the lab they run it against."""

from __future__ import annotations

import site
from pathlib import Path
from typing import Any

import pytest

from harness import REPO

EXAMPLE = REPO / "playbooks" / "inventory" / "vcenter.esxi_hosts.yml"
# vmware.vmware comes with the `ansible` package, in the venv's site-packages.
VMWARE_PATH = next((p for p in site.getsitepackages() if (Path(p) / "ansible_collections" / "vmware" / "vmware").is_dir()), None)
requires_vmware_vmware = pytest.mark.skipif(VMWARE_PATH is None, reason="the vmware.vmware collection (the `ansible` package) is not installed")

# Clusters C0 (10.10.0.11-13) and C1 (10.10.0.14-15); every host has vMotion in the management
# subnet. 10.10.0.13 does not respond: the plugin leaves it out of the inventory.
SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 5, "clusters": 2},
    "hosts": [
        {"portgroups": [{"name": "vMotion", "vlan": 0}],
         "vmknics": [{"portgroup": "vMotion", "ip": "10.10.1.{i+11}/21", "services": ["vmotion"]}]},
        {"index": 2, "connection": "notResponding"},
    ],
}
