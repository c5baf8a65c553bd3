# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml over an inventory of vCenters: three labs, each an inventory host with its
own connection variables (no VMWARE_* in the environment). Each vCenter is read by its own host
(in parallel up to Ansible's forks); the play writes one merged report for the fleet and one report
per vCenter, equal to what a single-vCenter audit of that lab says; a vCenter that cannot be read
is named in the merged report and fails the run, the others are still reported; a second run
against the first run's merged report finds nothing new.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import REPO, Lab, ansible_env, connection_args, run_module, run_playbook

PLAYBOOK = REPO / "playbooks" / "audit.yml"
DEMO = REPO / "tests" / "lab" / "scenarios" / "demo.yaml"
# vc-b: three hosts with vMotion in the management subnet. vc-c: two clean hosts.
SCENARIO_B: dict[str, Any] = {
    "inventory": {"hosts": 3, "clusters": 1},
    "hosts": [{"portgroups": [{"name": "vMotion", "vlan": 0}],
               "vmknics": [{"portgroup": "vMotion", "ip": "10.10.1.{i+11}/21", "services": ["vmotion"]}]}],
}
SCENARIO_C: dict[str, Any] = {"inventory": {"hosts": 2, "clusters": 1}}
NAMES = ("vc-a", "vc-b", "vc-c")


@pytest.fixture(scope="module")
def labs(lab_factory) -> dict[str, Lab]:
    return {"vc-a": lab_factory(scenario=str(DEMO)), "vc-b": lab_factory(scenario=SCENARIO_B), "vc-c": lab_factory(scenario=SCENARIO_C)}


@pytest.fixture(scope="module")
def single(labs) -> dict[str, dict[str, Any]]:
    """What vmknic_audit says of each lab on its own."""
    results = {}
    for name, lab in labs.items():
        result = run_module("vmknic_audit", connection_args(lab))
        assert not result.get("failed"), result.get("msg")
        results[name] = result
    return results


def inventory(labs: dict[str, Lab], path: Path, password: dict[str, str] | None = None) -> Path:
    """The documented inventory of vCenters (docs/awx.md): one host per vCenter, its connection as host variables."""
    hosts = {
        name: {"audit_hostname": lab.hostname, "audit_port": lab.port, "audit_username": lab.username,
               "audit_password": (password or {}).get(name, lab.password), "audit_validate_certs": False}
        for name, lab in labs.items()
    }
    path.write_text(yaml.safe_dump({"vcenters": {"hosts": hosts, "vars": {"audit_vcenter_name": "{{ inventory_hostname }}"}}}))
    return path


def run(labs, tmp_path, extra: dict[str, Any] | None = None, password: dict[str, str] | None = None):
    report_dir = tmp_path / "reports"
    # No VMWARE_*: each vCenter is reached with its own host variables only.
    env = ansible_env(None, ANSIBLE_SHOW_CUSTOM_STATS="true")
    extra_vars = dict({"audit_hosts": "vcenters", "audit_fail_on": "never", "audit_report_dir": str(report_dir)}, **(extra or {}))
    proc = run_playbook(PLAYBOOK, env, extra_vars, inventory=inventory(labs, tmp_path / "vcenters.yml", password))
    return proc, report_dir


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def audit_task_hosts(output: str) -> list[str]:
    """The hosts that ran the bulk read, from the task's output."""
    block = output.split("TASK [vmkernel.multihoming.audit : Audit the vmknics of this vCenter]", 1)[1].split("\nTASK [", 1)[0]
    return sorted(re.findall(r"^ok: \[(\S+)\]", block, re.M))


@pytest.fixture(scope="module")
def fleet_run(labs, single, tmp_path_factory):
    for lab in labs.values():
        lab.clear_journal()
    proc, report_dir = run(labs, tmp_path_factory.mktemp("fleet"))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    yield proc, report_dir
    for lab in labs.values():
        assert lab.journal() == []  # an audit changes nothing


def test_each_vcenter_is_read_by_its_own_host(fleet_run):
    proc = fleet_run[0]
    assert audit_task_hosts(proc.stdout) == list(NAMES)


def test_merged_report_covers_the_fleet(fleet_run, single):
    report_dir = fleet_run[1]
    merged = read_json(report_dir / "vmknic-audit.json")
    assert merged["run"]["vcenters"] == list(NAMES)
    assert merged["run"]["vcenter"] == "vc-a, vc-b, vc-c"
    assert "failed_vcenters" not in merged["run"]
    # Every finding of every lab, tagged with its vCenter, in vCenter order.
    assert merged["findings"] == [dict(f, vcenter=name) for name in NAMES for f in single[name]["findings"]]
    for key in ("error", "warning", "info", "hosts_total", "hosts_audited", "hosts_with_errors"):
        assert merged["summary"][key] == sum(single[name]["summary"][key] for name in NAMES), key
    # The labs share host names (10.10.0.11, ...): they stay apart per vCenter.
    assert len(merged["hosts"]) == 10 + 3 + 2
    assert [(c["vcenter"], c["cluster"], c["hosts_total"]) for c in merged["clusters"]] == [
        ("vc-a", "C0", 4), ("vc-a", "C1", 3), ("vc-a", "C2", 3), ("vc-b", "C0", 3), ("vc-c", "C0", 2)]
    junit = (report_dir / "vmknic-audit.junit.xml").read_text(encoding="utf-8")
    assert 'classname="vc-a.DC0.C0.10_10_0_12"' in junit and 'classname="vc-b.DC0.C0.10_10_0_12"' in junit
    assert "vc-b / DC0 / C0" in (report_dir / "vmknic-audit.md").read_text(encoding="utf-8")


def test_one_report_per_vcenter_as_a_single_audit(fleet_run, single, labs):
    report_dir = fleet_run[1]
    for name in NAMES:
        own = read_json(report_dir / f"vmknic-audit-{name}.json")
        assert own["findings"] == single[name]["findings"]
        assert own["summary"] == single[name]["summary"]
        assert own["run"]["vcenter"] == name
        for ext in ("md", "junit.xml", "html", "txt"):
            assert (report_dir / f"vmknic-audit-{name}.{ext}").is_file()
    assert sorted(p.name for p in report_dir.iterdir() if p.name.startswith("vmknic-audit.")) == [
        "vmknic-audit.html", "vmknic-audit.json", "vmknic-audit.junit.xml", "vmknic-audit.md", "vmknic-audit.txt"]


def test_second_run_against_the_merged_report_finds_nothing_new(labs, single, fleet_run, tmp_path):
    first_dir = fleet_run[1]
    proc, report_dir = run(labs, tmp_path, {"audit_previous_report": str(first_dir / "vmknic-audit.json")})
    assert proc.returncode == 0, proc.stdout[-4000:]
    total = sum(len(single[name]["findings"]) for name in NAMES)
    assert read_json(report_dir / "vmknic-audit.json")["changes"]["counts"] == {"new": 0, "unchanged": total, "resolved": 0, "unverified": 0}
    # Each vCenter's report is compared with its own part of the previous merged report.
    for name in NAMES:
        counts = read_json(report_dir / f"vmknic-audit-{name}.json")["changes"]["counts"]
        assert counts == {"new": 0, "unchanged": len(single[name]["findings"]), "resolved": 0, "unverified": 0}, name


def test_a_vcenter_that_cannot_be_read_is_named_and_the_others_are_reported(labs, single, tmp_path):
    proc, report_dir = run(labs, tmp_path, password={"vc-b": "not-the-password"})
    assert proc.returncode != 0
    assert re.search(r"^fatal: \[vc-b\]: FAILED! => .*\"msg\": \"vCenter vc-b: Cannot log in to 127\.0\.0\.1:\d+: user name or password is wrong\"",
                     proc.stdout, re.M), proc.stdout[-4000:]
    merged = read_json(report_dir / "vmknic-audit.json")
    assert merged["run"]["vcenters"] == ["vc-a", "vc-c"]
    assert len(merged["run"]["failed_vcenters"]) == 1 and merged["run"]["failed_vcenters"][0].startswith("vc-b: Cannot log in")
    assert {f["vcenter"] for f in merged["findings"]} == {"vc-a"}  # vc-c is clean
    assert not (report_dir / "vmknic-audit-vc-b.json").exists()
    assert "Not audited: vc-b: Cannot log in" in (report_dir / "vmknic-audit.txt").read_text(encoding="utf-8")


def test_two_inventory_hosts_on_one_vcenter_are_refused(labs, tmp_path):
    """Each host of an inventory of vCenters must be its own vCenter; ESXi hosts need audit_inventory=esxi_hosts."""
    lab = labs["vc-c"]
    hosts = {name: {"audit_hostname": lab.hostname, "audit_port": lab.port} for name in ("esx1", "esx2")}
    path = tmp_path / "dup.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    proc = run_playbook(PLAYBOOK, ansible_env(lab), {"audit_hosts": "all", "audit_report_dir": str(tmp_path / "r")}, inventory=path)
    assert proc.returncode != 0
    assert (f"audit_inventory=vcenters: esx1, esx2 all audit vCenter 127.0.0.1:{lab.port}; give each its own audit_hostname "
            "(or audit_vcenter_name), or set audit_inventory=esxi_hosts if they are ESXi hosts") in proc.stdout
    assert not (tmp_path / "r").exists()
