# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml through ansible-playbook, connected only by VMWARE_* variables (as an AWX
VMware credential does): exit code per audit_fail_on, the four reports, changed=0 in check and
normal runs, and the audit_clusters scope.

Each run takes a few seconds, so every run is a module-scoped fixture shared by several tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from harness import REPO, ansible_env, connection_args, run_module, run_playbook

PLAYBOOK = REPO / "playbooks" / "audit.yml"
DEMO = REPO / "tests" / "lab" / "scenarios" / "demo.yaml"
DEMO_HOSTS = [f"10.10.0.{n}" for n in range(11, 18)]
C0_HOSTS = DEMO_HOSTS[:4]
C1_HOSTS = DEMO_HOSTS[4:]
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


class Run:
    """One ansible-playbook run and the report directory it wrote."""

    def __init__(self, proc: subprocess.CompletedProcess, report_dir: Path) -> None:
        self.proc = proc
        self.report_dir = report_dir

    @property
    def output(self) -> str:
        return self.proc.stdout + self.proc.stderr

    def recap(self) -> dict[str, int]:
        match = RECAP.search(self.proc.stdout)
        assert match, self.output
        return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))

    def report(self, name: str) -> Path:
        path = self.report_dir / name
        assert path.is_file(), (sorted(p.name for p in self.report_dir.iterdir()), self.output[-3000:])
        return path

    def json(self) -> dict[str, Any]:
        return json.loads(self.report("vmknic-audit.json").read_text(encoding="utf-8"))

    def junit(self) -> ET.Element:
        return ET.parse(self.report("vmknic-audit.junit.xml")).getroot()


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(scenario=str(DEMO))


@pytest.fixture(scope="module")
def module_result(lab):
    """What vmknic_audit itself returns for the whole demo: the reports must say the same."""
    result = run_module("vmknic_audit", connection_args(lab))
    assert not result.get("failed"), result.get("msg")
    return result


@pytest.fixture(scope="module")
def play(lab, tmp_path_factory):
    """Run the playbook once per set of options; cached so that tests share the runs."""
    runs: dict[tuple, Run] = {}

    def run(check: bool = False, **extra_vars: Any) -> Run:
        cache_key = (check, json.dumps(extra_vars, sort_keys=True))
        if cache_key not in runs:
            report_dir = tmp_path_factory.mktemp("reports")
            # Only VMWARE_* connect the play: no connection variable is passed.
            proc = run_playbook(PLAYBOOK, ansible_env(lab), dict(extra_vars, audit_report_dir=str(report_dir)), check=check)
            runs[cache_key] = Run(proc, report_dir)
        return runs[cache_key]

    lab.clear_journal()
    yield run
    # No run, check mode or not, failing or not, made a single change on the lab.
    assert lab.journal() == []


# ------------------------------------------------------------------------------ exit codes


def test_errors_fail_the_play(play):
    run = play(audit_fail_on="error")
    assert run.proc.returncode != 0, run.output
    assert run.recap() == {"ok": run.recap()["ok"], "changed": 0, "unreachable": 0, "failed": 1}
    # The failure says how many findings and which rules, and where the reports are.
    assert "6 finding(s) at or above 'error'" in run.output
    for rule in ("management-shares-subnet", "ipv4-overlapping-subnet", "ipv4-same-subnet", "ipv6-same-prefix",
                 "iscsi-binding-noncompliant"):
        assert rule in run.output
    assert str(run.report_dir) in run.output


def test_never_passes(play):
    for run in (play(audit_fail_on="never"), play(check=True, audit_fail_on="never")):
        assert run.proc.returncode == 0, run.output[-3000:]
        assert run.recap()["changed"] == 0 and run.recap()["failed"] == 0


def test_warning_threshold_fails_in_check_mode(play):
    """A stricter threshold also fails on the DHCP warning and the unreachable host; check mode
    (an AWX job of type check) fails the same way, still with changed=0."""
    run = play(check=True, audit_fail_on="warning")
    assert run.proc.returncode != 0
    assert run.recap()["changed"] == 0 and run.recap()["failed"] == 1
    assert "8 finding(s) at or above 'warning'" in run.output
    assert "dhcp-multiple-vmknics" in run.output and "host-not-audited" in run.output


# ----------------------------------------------------------------------------------- reports


@pytest.mark.parametrize("options", [dict(audit_fail_on="error"), dict(check=True, audit_fail_on="never")],
                         ids=["run-failing", "check-passing"])
def test_json_report_matches_module(play, module_result, options):
    """Reports are written before the play fails, and in check mode too (they are not a change)."""
    report = play(**options).json()
    assert report["findings"] == module_result["findings"]
    assert report["summary"] == module_result["summary"]
    assert "changed" not in report and "invocation" not in report


@pytest.mark.parametrize("fail_on, failures", [("error", 6), ("never", 0)])
def test_junit_report(play, module_result, fail_on, failures):
    root = play(audit_fail_on=fail_on).junit()
    cases = root.findall(".//testcase")
    assert [case.get("name") for case in cases] == DEMO_HOSTS
    assert {case.get("name"): case.get("classname") for case in cases} == {
        **{host: "DC0.C0" for host in C0_HOSTS}, **{host: "DC0.C1" for host in C1_HOSTS}}
    # The JUnit threshold follows audit_fail_on: the CI view agrees with the play's result.
    assert len(root.findall(".//failure")) == failures
    assert {f.get("type") for f in root.findall(".//failure")} == (
        {f["rule"] for f in module_result["findings"] if f["severity"] == "error"} if failures else set())
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["threshold"] == fail_on
    # The notResponding host was not checked: skipped, not passed.
    skipped = [case.get("name") for case in cases if case.find("skipped") is not None]
    assert skipped == ["10.10.0.17"]


def test_markdown_and_html_reports(play):
    run = play(audit_fail_on="error")
    markdown = run.report("vmknic-audit.md").read_text(encoding="utf-8")
    html = run.report("vmknic-audit.html").read_text(encoding="utf-8")
    for host in DEMO_HOSTS:
        assert host in markdown and host in html
    for rule in ("management-shares-subnet", "multi-nic-vmotion", "iscsi-binding-compliant"):
        assert rule in markdown and rule in html
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "<script" not in html.lower()  # self-contained, no JavaScript


def test_findings_are_shown(play):
    """The task output lists every finding, one line each, for the AWX job log."""
    output = play(audit_fail_on="never").proc.stdout
    assert "ERROR   management-shares-subnet" in output
    assert "INFO    system-owned-vmknic" in output


# -------------------------------------------------------------------------------------- scope


def test_clusters_limit_the_hosts(play, module_result):
    run = play(audit_fail_on="never", audit_clusters=["C1"])
    assert run.proc.returncode == 0, run.output[-3000:]
    report = run.json()
    assert report["summary"]["hosts_total"] == 3
    assert report["findings"] == [f for f in module_result["findings"] if f["host"] in C1_HOSTS]
    assert [case.get("name") for case in run.junit().findall(".//testcase")] == C1_HOSTS
    markdown = run.report("vmknic-audit.md").read_text(encoding="utf-8")
    assert all(host in markdown for host in C1_HOSTS)
    assert not [host for host in C0_HOSTS if host in markdown]


def test_clean_scope_passes_with_fail_on_error(play):
    """Hosts without errors pass the default threshold; only the requested formats are written."""
    run = play(check=True, audit_fail_on="error", audit_esxi_hostnames=["10.10.0.11", "10.10.0.14"],
               audit_report_formats=["json", "junit"])
    assert run.proc.returncode == 0, run.output[-3000:]
    assert run.json()["summary"]["error"] == 0
    assert run.json()["summary"]["hosts_total"] == 2
    assert sorted(p.name for p in run.report_dir.iterdir()) == ["vmknic-audit.json", "vmknic-audit.junit.xml"]
