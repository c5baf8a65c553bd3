# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/remediate.yml over the vmware.vmware.esxi_hosts inventory plugin, against the lab.

The plugin (vmware.vmware 2.6, from the `ansible` package) reads vCenter with pyVmomi only: a
ContainerView of HostSystem, then per host single-property reads (runtime, summary, name,
customValue, parent chain for `path`, configManager) and HostVirtualNicManager.QueryNetConfig
("management") for ansible_host. REST (tags) only with gather_tags, which needs the vSphere
Automation SDK and is not used here. The lab answers all of it as it is.

The inventory file is the documented example, playbooks/inventory/vcenter.esxi_hosts.yml: one group
per cluster and remediate_esxi_hostname composed from the host's name in vCenter. The playbook run
renames the inventory hosts (``hostnames``) so that only remediate_esxi_hostname ties them to
vCenter, names a cluster group in remediate_hosts and runs one host per batch: check mode predicts
exactly the hosts a run changes and writes nothing, the run makes exactly the planned calls on
those hosts only, and a second check and run change nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from esxi_inventory import EXAMPLE, SCENARIO, VMWARE_PATH, requires_vmware_vmware
from harness import COLLECTIONS, REPO, Lab, ansible_env, run_playbook
from remediation_setup import REMEDIATE_PLAYBOOK, custom_stats, facts, intent_file, recap_changed, vmotion

pytestmark = requires_vmware_vmware
# Inventory names that are not vCenter's, so that a host found by its inventory name would fail.
RENAMED = "'esx-' + name | replace('.', '-')"


@pytest.fixture(scope="module")
def lab(lab_factory) -> Lab:
    return lab_factory(scenario=SCENARIO)


def env(lab: Lab) -> dict[str, str]:
    # The connection comes from VMWARE_* (what AWX's credential injects), for the plugin as for the
    # modules. An inventory source the plugin cannot parse must fail the run, not leave no hosts.
    return ansible_env(lab, ANSIBLE_COLLECTIONS_PATH=f"{COLLECTIONS}:{VMWARE_PATH}", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
                       ANSIBLE_SHOW_CUSTOM_STATS="true")


def inventory_list(lab: Lab, path: Path) -> dict[str, Any]:
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(path), "--list"],
                          check=False, capture_output=True, text=True, env=env(lab), cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "WARNING" not in proc.stderr, proc.stderr
    return plain(json.loads(proc.stdout))


def plain(data: Any) -> Any:
    """The --list JSON without ansible-core's {"__ansible_unsafe": value} wrappers (values that came
    from vCenter are marked unsafe: never templated)."""
    if isinstance(data, dict):
        if set(data) == {"__ansible_unsafe"}:
            return data["__ansible_unsafe"]
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(value) for value in data]
    return data


def test_example_inventory(lab):
    """The documented file as it is: every responding host, by its vCenter name, grouped by cluster."""
    inventory = inventory_list(lab, EXAMPLE)
    assert inventory["cluster_C0"]["hosts"] == ["10.10.0.11", "10.10.0.12"]
    assert inventory["cluster_C1"]["hosts"] == ["10.10.0.14", "10.10.0.15"]
    hostvars = inventory["_meta"]["hostvars"]
    assert sorted(hostvars) == ["10.10.0.11", "10.10.0.12", "10.10.0.14", "10.10.0.15"]
    for name, host in hostvars.items():
        assert (host["remediate_esxi_hostname"], host["vmware_inventory_name"]) == (name, name)
        # ansible_host is the plugin's management IP: the vmknic QueryNetConfig("management") selects.
        assert host["ansible_host"] == name
        assert "name" not in host  # rename_reserved_variables


def test_remediate_over_esxi_hosts(lab, tmp_path):
    config = yaml.safe_load(EXAMPLE.read_text())
    config["hostnames"] = [RENAMED]
    inventory = tmp_path / "renamed.esxi_hosts.yml"  # the plugin only takes files named *esxi_hosts.yml
    inventory.write_text(yaml.safe_dump(config))
    listed = inventory_list(lab, inventory)
    assert listed["cluster_C0"]["hosts"] == ["esx-10-10-0-11", "esx-10-10-0-12"]
    assert listed["_meta"]["hostvars"]["esx-10-10-0-11"]["remediate_esxi_hostname"] == "10.10.0.11"

    # Cluster C0 only, one host per batch.
    extra = {"remediate_hosts": "cluster_C0", "remediate_serial": 1, "remediate_intent_file": str(intent_file(tmp_path))}
    playbook = REMEDIATE_PLAYBOOK

    def run(check: bool) -> str:
        proc = run_playbook(playbook, env(lab), extra_vars=extra, check=check, inventory=inventory)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        return proc.stdout

    before = facts(lab)
    lab.clear_journal()

    # Check mode: both hosts of C0 would change, under their inventory names; nothing is written.
    checked = run(check=True)
    assert recap_changed(checked) == {"esx-10-10-0-11": 1, "esx-10-10-0-12": 1}
    stats = custom_stats(checked)
    # Planned for exactly the play's hosts (by vCenter name): C1 and the non-responding host are out.
    assert (stats["plan"]["hosts_total"], stats["plan"]["hosts_changed"]) == (2, 2)
    assert stats["outcome"] == {"10.10.0.11": "planned", "10.10.0.12": "planned"}
    assert lab.journal() == []
    assert facts(lab) == before

    # Run: the planned calls, one batch after the other, on C0's hosts only.
    applied = run(check=False)
    assert recap_changed(applied) == {"esx-10-10-0-11": 1, "esx-10-10-0-12": 1}
    assert custom_stats(applied)["outcome"] == {"10.10.0.11": "applied", "10.10.0.12": "applied"}
    journal = lab.journal()
    assert all("fault" not in entry for entry in journal), journal
    assert [(entry["host"], entry["method"]) for entry in journal] == [
        ("10.10.0.11", "UpdatePortGroup"), ("10.10.0.11", "UpdateVirtualNic"),
        ("10.10.0.12", "UpdatePortGroup"), ("10.10.0.12", "UpdateVirtualNic")]
    after = facts(lab)
    assert vmotion(after["10.10.0.11"]) == ("10.20.0.10/24", 20)
    assert vmotion(after["10.10.0.12"]) == ("10.20.0.11/24", 20)
    for untouched in ("10.10.0.13", "10.10.0.14", "10.10.0.15"):
        assert after[untouched] == before[untouched], untouched

    # Again: nothing to do, no call.
    lab.clear_journal()
    assert recap_changed(run(check=True)) == {"esx-10-10-0-11": 0, "esx-10-10-0-12": 0}
    again = run(check=False)
    assert recap_changed(again) == {"esx-10-10-0-11": 0, "esx-10-10-0-12": 0}
    assert custom_stats(again)["outcome"] == {}
    assert lab.journal() == []
