# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit filters: input forms, policy errors, formats; and that Ansible loads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.vmkernel.multihoming.plugins.filter.audit_report import (
    FilterModule,
    audit_report,
    vmknic_findings,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.plugin_utils.reports.report_samples import (
    sample_hosts,
    sample_result,
)

REPO = Path(__file__).resolve().parents[4]
FILTER_DIR = REPO / "plugins" / "filter"


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert filters["vmknic_findings"] is vmknic_findings and filters["audit_report"] is audit_report
    assert sorted(filters) == ["audit_merge", "audit_report", "audit_vcenter", "findings_at_least", "vmknic_findings"]


def test_vmknic_findings_accepts_the_list_or_the_whole_result():
    hosts = sample_hosts()
    from_list = vmknic_findings(hosts)
    from_result = vmknic_findings({"changed": False, "hosts": hosts})
    assert from_list == from_result == analyse(sample_hosts())
    assert from_list["summary"]["hosts_total"] == 6
    assert {f["rule"] for f in from_list["findings"]} >= {"management-shares-subnet", "host-not-audited"}


def test_vmknic_findings_passes_policy_through():
    hosts = sample_hosts()
    allow = [{"host": "esx-a01.lab.example", "vmknics": ["vmk0", "vmk1"], "reason": "CHG-1 accepted"}]
    result = vmknic_findings(hosts, allow_list=allow, severity_overrides={"host-not-audited": "info"})
    assert result == analyse(sample_hosts(), allow_list=allow, severity_overrides={"host-not-audited": "info"})
    a01 = [f for f in result["findings"] if f["host"] == "esx-a01.lab.example" and f["allowed"]]
    assert a01 and all(f["severity"] == "info" for f in a01)
    assert all(f["severity"] == "info" for f in result["findings"] if f["rule"] == "host-not-audited")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"severity_overrides": {"ipv4-same-subnet": "fatal"}},
        {"severity_overrides": {"no-such-rule": "info"}},
        {"allow_list": [{"host": "esx01"}]},  # no reason
        {"allow_list": "esx01"},
    ],
)
def test_vmknic_findings_rejects_a_bad_policy(kwargs):
    with pytest.raises(AnsibleFilterError, match="^vmknic_findings: invalid audit policy: "):
        vmknic_findings(sample_hosts(), **kwargs)


@pytest.mark.parametrize(
    "value, message",
    [
        ("esx01", "must be a list of hosts, got str"),
        (42, "must be a list of hosts, got int"),
        ({"findings": []}, "got a dict with keys findings"),
        (["esx01"], "item 0 is str"),
    ],
)
def test_vmknic_findings_rejects_bad_input(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        vmknic_findings(value)


def test_vmknic_findings_on_no_hosts():
    assert vmknic_findings([])["summary"]["hosts_total"] == 0


@pytest.mark.parametrize("fmt", ["json", "markdown", "junit", "html", "HTML"])
def test_audit_report_formats(fmt):
    text = audit_report(sample_result(), fmt, hosts=sample_hosts())
    assert isinstance(text, str) and text.endswith("\n")
    head = {"json": "{", "markdown": "# VMkernel", "junit": "<?xml", "html": "<!DOCTYPE html>"}[fmt.lower()]
    assert text.startswith(head)


def test_audit_report_json_is_the_result():
    result = sample_result()
    assert json.loads(audit_report(result, "json"))["findings"] == result["findings"]


def test_audit_report_hosts_may_be_the_whole_facts_result():
    result = sample_result()
    facts = {"changed": False, "hosts": sample_hosts()}
    assert audit_report(result, "html", hosts=facts) == audit_report(result, "html", hosts=facts["hosts"])


def test_audit_report_threshold_reaches_junit():
    root = ET.fromstring(audit_report(sample_result(), "junit", hosts=sample_hosts(), threshold="warning"))
    assert root.get("failures") == "5"  # 4 errors and the warning, one testcase each


def test_audit_report_errors():
    with pytest.raises(AnsibleFilterError, match="format must be one of json, markdown, junit, html, text, got 'pdf'"):
        audit_report(sample_result(), "pdf")
    with pytest.raises(AnsibleFilterError, match="threshold must be one of error, warning, info"):
        audit_report(sample_result(), "junit", threshold="fatal")
    with pytest.raises(AnsibleFilterError, match="the input must be an audit result"):
        audit_report(sample_hosts(), "html")
    with pytest.raises(AnsibleFilterError, match="hosts must be a list of hosts"):
        audit_report(sample_result(), "html", hosts="esx01")


def test_end_to_end_from_facts_to_every_format():
    hosts = sample_hosts()
    result = vmknic_findings(hosts)
    for fmt in ("json", "markdown", "junit", "html"):
        text = audit_report(result, fmt, hosts=hosts)
        for f in result["findings"]:
            if fmt == "markdown":
                continue  # Markdown escapes punctuation inside messages
            # JUnit classnames are split at dots by CI servers: the host's dots are "_" there.
            assert (f["host"].replace(".", "_") if fmt == "junit" else f["host"]) in text


@pytest.mark.parametrize("name", ["vmknic_findings", "audit_report", "audit_merge", "audit_vcenter"])
def test_sidecar_docs(name):
    docs = yaml.safe_load((FILTER_DIR / ("%s.yml" % name)).read_text())
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    doc = docs["DOCUMENTATION"]
    assert doc["name"] == name
    assert doc["version_added"] == "0.1.0"
    assert doc["short_description"]
    assert doc["positional"].split(", ")[0] == "_input"
    assert all(opt in doc["options"] for opt in doc["positional"].split(", "))
    assert "_value" in docs["RETURN"]
    assert ("vmkernel.multihoming.%s" % name) in docs["EXAMPLES"]
    yaml.safe_load(docs["EXAMPLES"])


def _ansible_env():
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="true",
    )
    return env


@pytest.mark.parametrize("name", ["vmknic_findings", "audit_report", "audit_merge", "audit_vcenter"])
def test_ansible_doc_reads_the_sidecar(name):
    bindir = Path(sys.executable).parent
    out = subprocess.run(
        [str(bindir / "ansible-doc"), "-t", "filter", "--json", "vmkernel.multihoming.%s" % name],
        env=_ansible_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)["vmkernel.multihoming.%s" % name]["doc"]
    assert doc["name"] == name


def test_filters_in_a_playbook(tmp_path):
    """Ansible's templar loads the filters from the collection and calls them with real data."""
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"changed": False, "hosts": sample_hosts()}))
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        """
- hosts: localhost
  gather_facts: false
  vars:
    facts: "{{ lookup('file', '%s') | from_json }}"
  tasks:
    - ansible.builtin.set_fact:
        audit: "{{ facts | vmkernel.multihoming.vmknic_findings }}"
    - ansible.builtin.copy:
        content: "{{ audit | vmkernel.multihoming.audit_report('html', hosts=facts.hosts) }}"
        dest: "%s/report.html"
        mode: "0644"
    - ansible.builtin.copy:
        content: "{{ audit | vmkernel.multihoming.audit_report('junit', hosts=facts, threshold='warning') }}"
        dest: "%s/report.xml"
        mode: "0644"
    - name: a bad policy fails the task with the problems
      ansible.builtin.set_fact:
        bad: "{{ facts | vmkernel.multihoming.vmknic_findings(severity_overrides={'ipv4-same-subnet': 'fatal'}) }}"
      ignore_errors: true
      register: bad
    - ansible.builtin.assert:
        that:
          - bad is failed
          - "'invalid audit policy' in bad.msg"
          - audit.summary.hosts_with_errors == 3
""" % (facts, tmp_path, tmp_path)
    )
    bindir = Path(sys.executable).parent
    out = subprocess.run(
        [str(bindir / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
        env=_ansible_env(), capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    html = (tmp_path / "report.html").read_text()
    assert "esx-b01.lab.example" in html and "<script" not in html
    root = ET.parse(tmp_path / "report.xml").getroot()
    # One testcase per finding (9) and one for the clean host; threshold warning: errors and the warning fail.
    assert root.get("tests") == "10" and root.get("failures") == "5"


def test_findings_at_least_selects_by_threshold():
    from ansible_collections.vmkernel.multihoming.plugins.filter.audit_report import findings_at_least

    findings = [{"severity": "error", "id": "a"}, {"severity": "warning", "id": "b"}, {"severity": "info", "id": "c"}]
    assert [f["id"] for f in findings_at_least(findings, "error")] == ["a"]
    assert [f["id"] for f in findings_at_least({"findings": findings}, "warning")] == ["a", "b"]
    assert [f["id"] for f in findings_at_least(findings, "info")] == ["a", "b", "c"]
    assert findings_at_least(findings, "never") == []
    with pytest.raises(AnsibleFilterError, match="threshold must be one of error, warning, info or never"):
        findings_at_least(findings, "fatal")


def test_text_report_lists_every_finding_worst_first():
    from ansible_collections.vmkernel.multihoming.plugins.filter.audit_report import audit_report

    result = {
        "summary": {"error": 1, "warning": 0, "info": 1, "hosts_total": 2, "hosts_audited": 2, "hosts_with_errors": 1},
        "findings": [
            {"severity": "error", "rule": "ipv4-same-subnet", "host": "esx1", "stack": "defaultTcpipStack",
             "message": "vmk1 and vmk2 share 10.0.0.0/24", "allowed": None},
            {"severity": "info", "rule": "multi-nic-vmotion", "host": "esx2", "stack": "defaultTcpipStack",
             "message": "vmk3 and vmk4 are multi-NIC vMotion", "allowed": {"reason": "by design"}},
        ],
    }
    lines = [line for line in audit_report(result, "text").splitlines() if not line.startswith("Cluster ")]
    assert lines[0] == "1 error, 0 warnings, 1 info; 2 of 2 hosts audited; 1 host with errors"
    assert lines[1].split() == ["ERROR", "ipv4-same-subnet", "esx1", "defaultTcpipStack:", "vmk1", "and", "vmk2", "share", "10.0.0.0/24"]
    assert lines[2].startswith("INFO    multi-nic-vmotion")
    assert lines[3] == "        accepted: by design"
    empty = audit_report({"summary": {}, "findings": []}, "text").splitlines()
    assert empty[-1] == "No findings."


def test_audit_report_previous_must_be_a_report():
    with pytest.raises(AnsibleFilterError, match="previous must be the JSON report of an earlier run .* got str"):
        audit_report(sample_result(), "json", previous="vmknic-audit.json")
    with pytest.raises(AnsibleFilterError, match="previous must be .* got a dict with keys hosts, summary"):
        audit_report(sample_result(), "json", previous={"summary": {}, "hosts": []})
    # None, "" and {} (how a role passes "no previous report") mean no comparison.
    for nothing in (None, "", {}):
        assert "changes" not in json.loads(audit_report(sample_result(), "json", previous=nothing))
    doc = json.loads(audit_report(sample_result(), "json", previous={"findings": []}))
    assert doc["changes"]["counts"]["new"] == len(sample_result()["findings"])


def test_audit_merge_and_vcenter_filters():
    from ansible_collections.vmkernel.multihoming.plugins.filter.audit_report import audit_merge, audit_vcenter

    parts = [{"vcenter": "vc01", "result": sample_result(), "hosts": sample_hosts()}, {"vcenter": "vc02", "error": "unreachable"}]
    merged = audit_merge(parts)
    assert merged["run"] == {"vcenters": ["vc01"], "failed_vcenters": ["vc02: unreachable"]}
    assert audit_vcenter(merged, "vc01")["findings"] == sample_result()["findings"]
    with pytest.raises(AnsibleFilterError, match="vCenter names must be unique, these appear twice: vc01"):
        audit_merge(parts + [parts[0]])
    with pytest.raises(AnsibleFilterError, match="item 0 must be a dict with a 'vcenter' name"):
        audit_merge([{"result": {}}])
    with pytest.raises(AnsibleFilterError, match=r"item 0 \(vc01\) has neither a 'result' nor an 'error'"):
        audit_merge([{"vcenter": "vc01"}])
    with pytest.raises(AnsibleFilterError, match="the input must be a list"):
        audit_merge({"vcenter": "vc01"})
    with pytest.raises(AnsibleFilterError, match="audit_vcenter: the input must be a fleet report"):
        audit_vcenter("x", "vc01")
