# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml through ansible-playbook, connected only by VMWARE_* variables (as an AWX
VMware credential does): exit code per audit_fail_on, the four reports, changed=0 in check and
normal runs, and the audit_clusters scope.

Each run takes a few seconds, so every run is a module-scoped fixture shared by several tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import ansible
import junitparser
import pytest
import xmlschema
import yaml

from harness import REPO, ansible_env, connection_args, run_module, run_playbook

PLAYBOOK = REPO / "playbooks" / "audit.yml"
DEMO = REPO / "tests" / "lab" / "scenarios" / "demo.yaml"
DEMO_HOSTS = [f"10.10.0.{n}" for n in range(11, 21)]
C0_HOSTS = DEMO_HOSTS[:4]
C1_HOSTS = DEMO_HOSTS[4:7]
C2_HOSTS = DEMO_HOSTS[7:]  # on a distributed switch
JUNIT_SCHEMA = REPO / "tests" / "unit" / "plugins" / "plugin_utils" / "reports" / "jenkins-junit.xsd"
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
ANSIBLE_CORE = ansible.__version__
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

    def stats(self) -> dict[str, Any]:
        """What set_stats published (AWX's artifacts)."""
        runs = re.findall(r"^\tRUN: (.*)$", self.proc.stdout, re.M)
        assert len(runs) == 1, self.output[-3000:]
        return json.loads(runs[0])["vmkernel_multihoming_audit"]

    def failure(self) -> str:
        """The one message the play failed with (the last fatal line)."""
        fatal = re.findall(r'^fatal: \[localhost\]: FAILED! => (\{.*\})$', self.proc.stdout, re.M)
        assert fatal, self.output[-3000:]
        return json.loads(fatal[-1])["msg"]

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
            proc = run_playbook(PLAYBOOK, ansible_env(lab, ANSIBLE_SHOW_CUSTOM_STATS="true"),
                                dict({"audit_report_dir": str(report_dir)}, **extra_vars), check=check)
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
    assert "12 finding(s) at or above 'error'" in run.output
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
    assert "14 finding(s) at or above 'warning'" in run.output
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


@pytest.mark.parametrize("fail_on, failures", [("error", 12), ("never", 0)])
def test_junit_report(play, module_result, fail_on, failures):
    run = play(audit_fail_on=fail_on)
    root = run.junit()
    cases = root.findall(".//testcase")
    # One testcase per finding, and one passing testcase for the host without findings.
    assert len(cases) == len(module_result["findings"]) + 1
    by_host: dict[str, list[str]] = {}
    for case in cases:
        by_host.setdefault(case.get("classname"), []).append(case.get("name"))
    assert list(by_host) == [f"DC0.{cluster}.{h.replace('.', '_')}" for cluster, hosts in (("C0", C0_HOSTS), ("C1", C1_HOSTS), ("C2", C2_HOSTS))
                             for h in hosts]
    assert by_host["DC0.C0.10_10_0_11"] == ["no multi-homing found"]
    assert "management-shares-subnet defaultTcpipStack 10.10.0.0/21" in by_host["DC0.C0.10_10_0_12"]
    # The JUnit threshold follows audit_fail_on: the CI view agrees with the play's result.
    assert len(root.findall(".//failure")) == failures
    assert sorted(f.get("type") for f in root.findall(".//failure")) == (
        sorted(f["rule"] for f in module_result["findings"] if f["severity"] == "error") if failures else [])
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["threshold"] == fail_on
    # The notResponding host was not checked: skipped, not passed.
    skipped = [(case.get("classname"), case.get("name")) for case in cases if case.find("skipped") is not None]
    assert skipped == [("DC0.C1.10_10_0_17", "host-not-audited")]
    # What CI servers accept and read.
    xmlschema.XMLSchema(str(JUNIT_SCHEMA)).validate(str(run.report("vmknic-audit.junit.xml")))
    suite = next(iter(junitparser.JUnitXml.fromfile(str(run.report("vmknic-audit.junit.xml")))))
    assert (suite.tests, suite.failures, suite.skipped) == (len(cases), failures, 1)


def test_every_report_carries_the_run_metadata(play, lab):
    run = play(audit_fail_on="never")
    meta = run.json()["run"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", meta["generated"])
    assert meta == {"generated": meta["generated"], "vcenter": f"127.0.0.1:{lab.port}", "scope": "every host of the vCenter",
                    "collection_version": GALAXY["version"], "ansible_version": ANSIBLE_CORE}
    assert [(c["cluster"], c["hosts_total"], c["error"]) for c in run.json()["clusters"]] == [("C0", 4, 3), ("C1", 3, 3), ("C2", 3, 6)]
    for name in ("vmknic-audit.md", "vmknic-audit.html", "vmknic-audit.junit.xml", "vmknic-audit.txt"):
        text = run.report(name).read_text(encoding="utf-8")
        for value in (meta["generated"][:19], f"127.0.0.1:{lab.port}", GALAXY["version"], ANSIBLE_CORE, "DC0 / C0", "DC0 / C1", "DC0 / C2"):
            assert value in text, (name, value)


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
    assert sorted({case.get("classname") for case in run.junit().findall(".//testcase")}) == [
        f"DC0.C1.{h.replace('.', '_')}" for h in C1_HOSTS]
    assert run.json()["run"]["scope"] == {"clusters": ["C1"]}
    markdown = run.report("vmknic-audit.md").read_text(encoding="utf-8")
    assert all(host in markdown for host in C1_HOSTS)
    assert not [host for host in C0_HOSTS + C2_HOSTS if host in markdown]


def test_clean_scope_passes_with_fail_on_error(play):
    """Hosts without errors pass the default threshold; only the requested formats are written."""
    run = play(check=True, audit_fail_on="error", audit_esxi_hostnames=["10.10.0.11", "10.10.0.14"],
               audit_report_formats=["json", "junit"])
    assert run.proc.returncode == 0, run.output[-3000:]
    assert run.json()["summary"]["error"] == 0
    assert run.json()["summary"]["hosts_total"] == 2
    assert sorted(p.name for p in run.report_dir.iterdir()) == ["vmknic-audit.json", "vmknic-audit.junit.xml"]
    assert run.json()["run"]["scope"] == {"hosts": ["10.10.0.11", "10.10.0.14"]}


# ------------------------------------------------------------------------- previous report


@pytest.fixture(scope="module")
def previous_report(play, tmp_path_factory):
    """Last run's JSON report, edited: the first finding was not there (so it is new now), one on the
    clean host 10.10.0.11 was (resolved now: the host was audited again) and one on the host that
    does not respond now was (not rechecked: nothing says it went away)."""
    report = play(audit_fail_on="never").json()
    report["run"]["generated"] = "2026-11-24T06:00:00Z"
    first = report["findings"].pop(0)
    report["findings"] += [dict(first, host=host, id=f"gone-{host}", message=f"old finding on {host}") for host in ("10.10.0.11", "10.10.0.17")]
    path = tmp_path_factory.mktemp("previous") / "last-week.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path, first


def test_previous_report_new_resolved_unchanged(play, previous_report):
    path, first = previous_report
    run = play(audit_fail_on="never", audit_previous_report=str(path))
    assert run.proc.returncode == 0, run.output[-3000:]
    counts = {"new": 1, "unchanged": 18, "resolved": 1, "unverified": 1}
    assert run.stats()["changes"] == {
        "since": "2026-11-24T06:00:00Z", "counts": counts,
        "message": "1 new, 1 resolved, 18 unchanged since 2026-11-24T06:00:00Z"}
    changes = run.json()["changes"]
    assert changes["counts"] == counts
    assert changes["new"] == [["", first["id"]]]
    assert [f["host"] for f in changes["resolved"]] == ["10.10.0.11"]
    assert [f["host"] for f in changes["unverified"]] == ["10.10.0.17"]
    line = "1 new, 1 resolved, 18 unchanged, 1 not rechecked (host not audited or out of scope) since the run of 2026-11-24T06:00:00Z"
    assert f"Changes: {line}" in run.proc.stdout
    assert f"**{line}.**" in run.report("vmknic-audit.md").read_text(encoding="utf-8")
    html = run.report("vmknic-audit.html").read_text(encoding="utf-8")
    assert line in html and html.count('<span class="chg chg-new">new</span>') == 2
    props = {p.get("name"): p.get("value") for p in run.junit().iter("property")}
    assert (props["changes.new"], props["changes.resolved"], props["changes.unchanged"]) == ("1", "1", "18")
    assert f"Changes: {line}" in run.report("vmknic-audit.txt").read_text(encoding="utf-8")


def test_previous_report_of_the_same_state_changes_nothing(play, tmp_path):
    first = play(audit_fail_on="never")
    again = play(audit_fail_on="never", audit_previous_report=str(first.report("vmknic-audit.json")))
    assert again.stats()["changes"]["counts"] == {"new": 0, "unchanged": 19, "resolved": 0, "unverified": 0}


def test_missing_previous_report_is_no_comparison(play, tmp_path):
    missing = tmp_path / "first-run" / "vmknic-audit.json"
    run = play(audit_fail_on="never", audit_previous_report=str(missing))
    assert run.proc.returncode == 0, run.output[-3000:]
    assert f"No previous report at {missing}: this run is not compared" in run.proc.stdout
    assert "changes" not in run.json() and run.stats()["changes"] == {}


@pytest.mark.parametrize("content, message", [
    ("not json", "audit_previous_report: {path} is not a JSON file"),
    ('{"summary": {}}', "audit_previous_report: {path} is not a JSON report of this role (no 'findings' list)"),
], ids=["not-json", "not-a-report"])
def test_bad_previous_report_fails_in_one_line(play, tmp_path, content, message):
    path = tmp_path / "previous.json"
    path.write_text(content, encoding="utf-8")
    run = play(audit_fail_on="never", audit_previous_report=str(path))
    assert run.proc.returncode != 0
    assert run.failure() == message.format(path=path)


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("extra, message", [
    ({"audit_port": "abc"}, "argument 'audit_port' is of type"),
    ({"audit_fail_on": "errors"}, "value of audit_fail_on must be one of: error, warning, info, never, got: errors"),
    ({"audit_report_formats": ["pdf"]}, "value of audit_report_formats must be one or more of: json, markdown, junit, html, text"),
    ({"audit_clusters": ["C9"]}, "audit_datacenter / audit_clusters / audit_esxi_hostnames: Invalid scope: cluster(s) not found: C9"),
    ({"audit_severity_overrides": {"ipv4-same-subnet": "fatal"}},
     "audit_allow_list / audit_severity_overrides: Invalid audit policy: severity_overrides['ipv4-same-subnet']: unknown severity"),
    ({"audit_password": "not-the-password"}, "vCenter 127.0.0.1:{port}: Cannot log in to 127.0.0.1:{port}: user name or password is wrong"),
    ({"audit_previous_report": ["a.json"]}, "audit_previous_report must be the path of a JSON report or the report itself, got a list"),
], ids=["port", "fail_on", "formats", "cluster", "policy", "password", "previous-type"])
def test_bad_input_fails_in_one_line_naming_the_variable(play, lab, extra, message):
    run = play(**extra)
    assert run.proc.returncode != 0
    msg = run.failure()
    assert "\n" not in msg and len(msg) < 400, msg
    assert msg.startswith(message.format(port=lab.port)) or message.format(port=lab.port) in msg, msg
    assert "argument_spec_data" not in run.proc.stdout  # the spec is not dumped


# ----------------------------------------------------------------------- report directory


def test_role_defaults_template_to_their_types():
    """ansible-core 2.16 to 2.18 check role defaults against the argument spec as they are:
    "{{ omit }}" is not an int or a bool. No default of a typed option may be a template that
    only means "leave it out"."""
    defaults = yaml.safe_load((REPO / "roles" / "audit" / "defaults" / "main.yml").read_text(encoding="utf-8"))
    spec = yaml.safe_load((REPO / "roles" / "audit" / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    options = spec["argument_specs"]["main"]["options"]
    assert not [name for name, value in defaults.items() if "omit" in str(value)]
    for name, option in options.items():
        if name in defaults and "default" in option:
            assert option["default"] == defaults[name], name
    assert defaults["audit_report_dir"] == "reports"


def test_reports_default_to_the_working_directory(lab, tmp_path):
    """From the built tarball, installed as in an execution environment (where the collection's
    own directory is read-only), run from the user's directory: the reports land in ./reports there."""
    build = subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
                           capture_output=True, text=True, check=False, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = next(tmp_path.glob("vmkernel-multihoming-*.tar.gz"))
    installed = tmp_path / "collections"
    # Only the new path is configured: the checkout of the same version on the configured path
    # would make the install a no-op ("already installed").
    install = subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(installed), str(tarball)],
                             capture_output=True, text=True, check=False, timeout=300,
                             env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed)))
    assert (installed / "ansible_collections" / "vmkernel" / "multihoming" / "MANIFEST.json").is_file(), install.stdout
    assert install.returncode == 0, install.stdout + install.stderr
    collection = installed / "ansible_collections" / "vmkernel" / "multihoming"
    work = tmp_path / "work"
    work.mkdir()
    env = ansible_env(lab, ANSIBLE_COLLECTIONS_PATH=str(installed), PYTHONPATH="")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "vmkernel.multihoming.audit", "-i", "localhost,",
                           "-e", "audit_fail_on=never"], capture_output=True, text=True, check=False, timeout=600, env=env, cwd=work)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert sorted(p.name for p in (work / "reports").iterdir()) == [
        "vmknic-audit.html", "vmknic-audit.json", "vmknic-audit.junit.xml", "vmknic-audit.md", "vmknic-audit.txt"]
    assert not list(collection.rglob("vmknic-audit*")), "a report was written inside the installed collection"
    report = json.loads((work / "reports" / "vmknic-audit.json").read_text(encoding="utf-8"))
    # The version comes from the installed collection's MANIFEST.json.
    assert report["run"]["collection_version"] == json.loads((collection / "MANIFEST.json").read_text())["collection_info"]["version"]
    assert f"(reports in {work / 'reports'})" not in proc.stdout  # fail_on never: no failure message
