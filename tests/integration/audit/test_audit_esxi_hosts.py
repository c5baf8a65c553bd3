# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml over the vmware.vmware.esxi_hosts inventory (audit_inventory=esxi_hosts).

The inventory is the documented example (playbooks/inventory/vcenter.esxi_hosts.yml), with inventory
names that are not vCenter's so that only audit_esxi_hostname ties a host to vCenter. --limit (what
AWX's Limit field passes) scopes the audit to those hosts, and each vCenter is read once, by the
first host of the play that belongs to it, not once per host. Two inventory sources on two labs
(the same host names in both) give two reads and a fleet report.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from esxi_inventory import EXAMPLE, SCENARIO, VMWARE_PATH, requires_vmware_vmware
from harness import COLLECTIONS, REPO, Lab, ansible_env, connection_args, run_module

pytestmark = requires_vmware_vmware


@pytest.fixture(scope="module")
def labs(lab_factory) -> list[Lab]:
    return [lab_factory(scenario=SCENARIO), lab_factory(scenario=SCENARIO)]


def source(path: Path, prefix: str, lab: Lab | None = None) -> Path:
    """The example inventory with inventory names '<prefix>-10-10-0-11'; with ``lab``, a source that
    names its own vCenter (and the audit's connection to it), as a second vCenter's source does."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config["hostnames"] = [f"'{prefix}-' + name | replace('.', '-')"]
    if lab is not None:
        config.update(hostname=lab.hostname, port=lab.port, username=lab.username, password=lab.password, validate_certs=False)
        config["compose"].update(audit_hostname=repr(lab.hostname), audit_port=str(lab.port), audit_username=repr(lab.username),
                                 audit_password=repr(lab.password), audit_validate_certs="false",
                                 audit_vcenter_name=repr(prefix))
    path.write_text(yaml.safe_dump(config))
    return path


def play(lab: Lab, inventories: list[Path], report_dir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "audit.yml")]
    for inventory in inventories:
        cmd += ["-i", str(inventory)]
    cmd += ["-e", json.dumps({"audit_hosts": "all", "audit_inventory": "esxi_hosts", "audit_fail_on": "never",
                              "audit_report_dir": str(report_dir)}), *args]
    env = ansible_env(lab, ANSIBLE_COLLECTIONS_PATH=f"{COLLECTIONS}:{VMWARE_PATH}", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900, env=env, cwd=REPO)


def readers(output: str) -> dict[str, list[str]]:
    """Which hosts ran the bulk read (ok) and which did not (skipping), from the task's output."""
    block = output.split("TASK [vmkernel.multihoming.audit : Audit the vmknics of this vCenter]", 1)[1].split("\nTASK [", 1)[0]
    return {state: sorted(re.findall(r"^%s: \[(\S+)\]" % state, block, re.M)) for state in ("ok", "skipping")}


def report(report_dir: Path, name: str = "vmknic-audit.json") -> dict[str, Any]:
    return json.loads((report_dir / name).read_text(encoding="utf-8"))


def test_limit_scopes_the_audit_and_one_host_reads_vcenter(labs, tmp_path):
    lab = labs[0]
    everything = run_module("vmknic_audit", connection_args(lab))
    lab.clear_journal()
    proc = play(lab, [source(tmp_path / "a.esxi_hosts.yml", "esx")], tmp_path / "reports", "--limit", "cluster_C0")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # One bulk read for the vCenter, on the first host of the play; the other host only waits.
    assert readers(proc.stdout) == {"ok": ["esx-10-10-0-11"], "skipping": ["esx-10-10-0-12"]}
    doc = report(tmp_path / "reports")
    # The scope is the limited play: C0's responding hosts, by their vCenter names.
    assert [h["name"] for h in doc["hosts"]] == ["10.10.0.11", "10.10.0.12"]
    assert doc["findings"] == [f for f in everything["findings"] if f["host"] in ("10.10.0.11", "10.10.0.12")]
    assert doc["findings"] and doc["summary"]["hosts_total"] == 2
    assert doc["run"]["scope"] == {"inventory hosts": 2, "limit": "cluster_C0"}
    assert [c["cluster"] for c in doc["clusters"]] == ["C0"]
    assert lab.journal() == []


def test_two_vcenters_are_read_once_each(labs, tmp_path):
    first, second = labs
    inventories = [source(tmp_path / "a.esxi_hosts.yml", "a", first), source(tmp_path / "b.esxi_hosts.yml", "b", second)]
    proc = play(first, inventories, tmp_path / "reports")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    read = readers(proc.stdout)
    assert read["ok"] == ["a-10-10-0-11", "b-10-10-0-11"]
    assert len(read["skipping"]) == 6
    merged = report(tmp_path / "reports")
    assert merged["run"]["vcenters"] == ["a", "b"]
    assert sorted({(h["vcenter"], h["name"]) for h in merged["hosts"]}) == [
        (vc, f"10.10.0.{n}") for vc in ("a", "b") for n in (11, 12, 14, 15)]
    assert [f["vcenter"] for f in merged["findings"]].count("a") == [f["vcenter"] for f in merged["findings"]].count("b") > 0
    assert report(tmp_path / "reports", "vmknic-audit-a.json")["findings"] == [
        {k: v for k, v in f.items() if k != "vcenter"} for f in merged["findings"] if f["vcenter"] == "a"]
