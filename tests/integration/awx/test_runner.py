# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks as AWX / Automation Controller runs them: through ansible-runner, the engine AWX
uses, with the VMware credential's environment variables, job type check (--check) or run, and
the set_stats data AWX shows as the job's artifacts and hands to the next workflow node.

Every job gets a fresh private_data_dir, as in AWX: ansible-runner writes cmdline, envvars and
extravars into <private_data_dir>/env/ and reads them back on the next run, so reusing a directory
would turn a "run" job into a second "check" job.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import COLLECTIONS, REPO, connection_args, run_module

ansible_runner = pytest.importorskip("ansible_runner")

DEMO = REPO / "tests" / "lab" / "scenarios" / "demo.yaml"
# As an AWX survey would pass it: relative to the project (AWX and ansible-runner run in its checkout).
INTENT_FILE = "vars/remediate_intent.example.yml"
# Hosts of the demo the example intent changes (10.10.0.17 is notResponding and is skipped); the
# last three are cluster C2's, on a distributed switch.
CHANGED_HOSTS = ["10.10.0.12", "10.10.0.13", "10.10.0.15", "10.10.0.16", "10.10.0.18", "10.10.0.19", "10.10.0.20"]
# The vCenter-level steps of the example intent for C2's dvPortgroups (journal methods, in order).
VCENTER_CALLS = ["CreateDVPortgroup_Task", "ReconfigureDVPortgroup_Task", "ReconfigureDVPortgroup_Task"]


def job(lab, tmp_path_factory, playbook: str, extravars: dict[str, Any], job_type: str = "run", diff: bool = False,
        project: Path = REPO / "playbooks") -> Any:
    """One AWX job: project = the repo's playbooks (or ``project``), inventory = localhost, credential = VMWARE_*."""
    private_data_dir = tmp_path_factory.mktemp("job")
    shutil.copytree(project, private_data_dir / "project")
    envvars = {
        # What AWX's "VMware vCenter" credential injects.
        "VMWARE_HOST": lab.hostname, "VMWARE_USER": lab.username, "VMWARE_PASSWORD": lab.password,
        "VMWARE_VALIDATE_CERTS": "false",
        # The lab listens on a random port; a real vCenter needs no VMWARE_PORT.
        "VMWARE_PORT": str(lab.port),
        # This collection only (in AWX: collections/requirements.yml or the execution environment).
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        # ansible-runner starts `ansible-playbook` from PATH: the venv's.
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "ANSIBLE_NOCOLOR": "1",
    }
    cmdline = " ".join((["--check"] if job_type == "check" else []) + (["--diff"] if diff else []))
    return ansible_runner.run(
        private_data_dir=str(private_data_dir), playbook=playbook, envvars=envvars, extravars=extravars,
        # The modules run on the controller (the execution environment in AWX), with its python.
        inventory=f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}",
        cmdline=cmdline or None, quiet=True, timeout=300,
    )


def artifact(runner: Any) -> dict[str, Any]:
    """The set_stats data (AWX: the job's artifacts), from the playbook_on_stats event."""
    stats = [e for e in runner.events if e.get("event") == "playbook_on_stats"]
    assert len(stats) == 1, [e.get("event") for e in runner.events]
    return stats[0]["event_data"].get("artifact_data") or {}


def stdout(runner: Any) -> str:
    return runner.stdout.read()


@pytest.fixture(scope="module")
def audit_lab(lab_factory):
    return lab_factory(scenario=str(DEMO))


@pytest.fixture(scope="module")
def audit_module(audit_lab):
    result = run_module("vmknic_audit", connection_args(audit_lab))
    assert not result.get("failed"), result.get("msg")
    return result


@pytest.fixture(scope="module")
def audit_jobs(audit_lab, tmp_path_factory):
    """A failing check job (fail_on error, the default) and a passing run job (fail_on never)."""
    audit_lab.clear_journal()
    report_dir = tmp_path_factory.mktemp("reports")
    jobs = {
        "check-fail": job(audit_lab, tmp_path_factory, "audit.yml", {"audit_report_dir": str(report_dir / "check")}, "check"),
        "run-pass": job(audit_lab, tmp_path_factory, "audit.yml",
                        {"audit_report_dir": str(report_dir / "run"), "audit_fail_on": "never"}, "run"),
    }
    yield jobs
    assert audit_lab.journal() == []


def test_audit_failing_job(audit_jobs, audit_module):
    runner = audit_jobs["check-fail"]
    assert (runner.rc, runner.status) == (2, "failed"), stdout(runner)[-3000:]
    assert runner.stats["failures"] == {"localhost": 1}
    assert runner.stats["changed"] == {}
    # The summary is published before the threshold fails the play, so AWX still shows it.
    data = artifact(runner)["vmkernel_multihoming_audit"]
    assert data["summary"] == audit_module["summary"]
    assert data["failed_threshold"] == "error"
    assert Path(data["report_dir"], "vmknic-audit.json").is_file()


def test_audit_passing_job(audit_jobs, audit_module):
    runner = audit_jobs["run-pass"]
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert runner.stats["failures"] == {} and runner.stats["changed"] == {}
    assert runner.stats["ok"]["localhost"] > 0
    data = artifact(runner)["vmkernel_multihoming_audit"]
    assert data == {"summary": audit_module["summary"], "failed_threshold": "never", "report_dir": data["report_dir"],
                    "clusters": data["clusters"], "run": data["run"], "changes": {}}
    assert [c["cluster"] for c in data["clusters"]] == ["C0", "C1", "C2"]
    assert sorted(data["run"]) == ["ansible_version", "collection_version", "generated", "scope", "vcenter"]
    assert sorted(p.name for p in Path(data["report_dir"]).iterdir()) == [
        "vmknic-audit.html", "vmknic-audit.json", "vmknic-audit.junit.xml", "vmknic-audit.md", "vmknic-audit.txt"]


def test_audit_bad_survey_answer_fails_in_one_line(audit_lab, tmp_path_factory):
    """The project holds a copy of the playbook, not the role: its one-line check still finds the
    role's argument spec in the installed collection."""
    runner = job(audit_lab, tmp_path_factory, "audit.yml", {"audit_fail_on": "errors"}, "check")
    assert runner.status == "failed"
    output = stdout(runner)
    assert '"msg": "value of audit_fail_on must be one of: error, warning, info, never, got: errors"' in output, output[-3000:]
    assert "argument_spec_data" not in output


# --------------------------------------------------------------------------------- remediation


@pytest.fixture(scope="module")
def remediation_lab(lab_factory):
    return lab_factory(scenario=str(DEMO))


@pytest.fixture(scope="module")
def remediation_jobs(remediation_lab, tmp_path_factory):
    """The workflow's three steps, in order: plan (check, --diff), apply (run), apply again (run).

    The lab journal is read after each job, since the next one runs on the state it left."""
    lab = remediation_lab
    results: dict[str, Any] = {}
    extravars = {"remediate_intent_file": INTENT_FILE}
    for name, job_type in (("plan", "check"), ("apply", "run"), ("again", "run")):
        lab.clear_journal()
        runner = job(lab, tmp_path_factory, "remediate.yml", extravars, job_type, diff=(job_type == "check"))
        results[name] = (runner, lab.journal())
    return results


def test_remediation_plan_job(remediation_jobs):
    runner, journal = remediation_jobs["plan"]
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert journal == []  # a check job writes nothing
    # changed on localhost once, by the one task that applies every host (remediation_apply with the
    # plan); the check job predicts that a run job would change these hosts (the outcome, and one
    # line per host in the job output).
    assert runner.stats["changed"] == {"localhost": 1}
    data = artifact(runner)["vmkernel_multihoming_remediation"]
    assert data["applied"] is False
    assert data["outcome"] == {host: "planned" for host in CHANGED_HOSTS}
    assert data["plan"]["hosts_changed"] == len(CHANGED_HOSTS)
    assert data["plan"]["hosts_skipped"] == 1 and data["plan"]["refusals"] == 0
    # --diff shows the predicted change per host for the reviewer of the approval node.
    output = stdout(runner)
    for host in CHANGED_HOSTS:
        assert f"+++ after: {host} (predicted)" in output
        assert f'"{host}: planned"' in output


def test_remediation_apply_job(remediation_jobs):
    plan = artifact(remediation_jobs["plan"][0])["vmkernel_multihoming_remediation"]["plan"]
    runner, journal = remediation_jobs["apply"]
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert runner.stats["changed"] == {"localhost": 1}
    data = artifact(runner)["vmkernel_multihoming_remediation"]
    assert data["applied"] is True
    assert data["outcome"] == {host: "applied" for host in CHANGED_HOSTS}
    # The run job made exactly the calls the check job predicted, on exactly those hosts.
    assert data["plan"] == plan
    assert all("fault" not in entry for entry in journal), journal
    # by_op names the vCenter-level steps by their operation, the journal by the task method.
    assert Counter(entry["method"].removesuffix("_Task") for entry in journal) == Counter(plan["by_op"])
    # The dvPortgroup steps come first, once for every host, then the hosts' own calls.
    assert [entry["method"] for entry in journal if entry["host"] is None] == VCENTER_CALLS
    assert [entry["method"] for entry in journal[:len(VCENTER_CALLS)]] == VCENTER_CALLS
    assert sorted({entry["host"] for entry in journal} - {None}) == CHANGED_HOSTS


def test_remediation_second_run_changes_nothing(remediation_jobs, remediation_lab):
    runner, journal = remediation_jobs["again"]
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert journal == []
    assert runner.stats["changed"] == {}
    data = artifact(runner)["vmkernel_multihoming_remediation"]
    assert data["plan"]["hosts_changed"] == 0 and data["plan"]["operations"] == 0
    assert data["outcome"] == {}
    # What the plan predicted is what the audit now finds.
    audit = run_module("vmknic_audit", connection_args(remediation_lab))
    planned_after = artifact(remediation_jobs["plan"][0])["vmkernel_multihoming_remediation"]["plan"]["findings_after"]
    assert audit["summary"]["error"] == planned_after
    # The example intent fixes every error of the demo vCenter, the IPv6 SLAAC collision included.
    assert planned_after == 0, audit["findings"]


# -------------------------------------------------------------------------------------- survey


def survey_spec() -> dict[str, Any]:
    """The survey spec documented in docs/awx.md (the first JSON block of section 7)."""
    text = (REPO / "docs" / "awx.md").read_text(encoding="utf-8")
    section = text[text.index("## 7. Survey"):]
    return json.loads(section[section.index("```json") + len("```json"):section.index("```", section.index("```json") + 7)])


def survey_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """The extra variables AWX derives from the survey's defaults: a default that is not None and
    passes the question's validation (a multiselect default must be a list, so "" is dropped)."""
    answers = {}
    for question in spec["spec"]:
        default = question.get("default")
        if default is None or (question["type"] == "multiselect" and not isinstance(default, list)):
            continue
        answers[question["variable"]] = default
    return answers


def test_survey_spec_is_awx_format():
    spec = survey_spec()
    assert set(spec) == {"name", "description", "spec"}
    role_options = yaml.safe_load((REPO / "roles" / "remediate" / "meta" / "argument_specs.yml").read_text())[
        "argument_specs"]["main"]["options"]
    # The types of the variables argument_specs declares raw are checked by the role's first task.
    for name, typed in yaml.safe_load((REPO / "roles" / "remediate" / "vars" / "argument_types.yml").read_text()).items():
        role_options[name] = dict(role_options[name], **typed)
    variables = [question["variable"] for question in spec["spec"]]
    assert variables == ["remediate_intent_file", "remediate_clusters", "remediate_datacenter", "remediate_apply",
                         "remediate_maintenance_mode", "remediate_continue_on_failure"]
    for question in spec["spec"]:
        assert {"question_name", "question_description", "variable", "type", "required"} <= set(question), question
        assert question["type"] in {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
        # Every variable but the playbook's intent file is an option of the role.
        assert question["variable"] == "remediate_intent_file" or question["variable"] in role_options
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"]
            # Answers are strings; the role's bool options must accept them.
            assert role_options[question["variable"]]["type"] == "bool"
            assert set(question["choices"]) == {"true", "false"}
        if question["type"] == "multiselect":
            assert role_options[question["variable"]]["type"] == "list"


def test_survey_plan_only_run_job(audit_lab, tmp_path_factory):
    """A run job with the documented survey's defaults, one cluster picked and "Apply" = false: the
    plan is shown, nothing is written, the artifact says it was not applied."""
    answers = dict(survey_defaults(survey_spec()), remediate_clusters=["C1"], remediate_apply="false")
    audit_lab.clear_journal()
    runner = job(audit_lab, tmp_path_factory, "remediate.yml", answers, "run")
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert audit_lab.journal() == []
    data = artifact(runner)["vmkernel_multihoming_remediation"]
    assert data["applied"] is False
    assert data["plan"]["hosts_total"] == 3 and data["plan"]["hosts_changed"] == 2
    assert sorted(data["outcome"]) == ["10.10.0.15", "10.10.0.16"]
    assert runner.stats["changed"] == {}


def test_survey_blank_datacenter_means_no_limit(audit_lab, tmp_path_factory):
    answers = dict(survey_defaults(survey_spec()), remediate_datacenter="", remediate_apply="false")
    runner = job(audit_lab, tmp_path_factory, "remediate.yml", answers, "check")
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert artifact(runner)["vmkernel_multihoming_remediation"]["plan"]["hosts_total"] == 10


# ------------------------------------------------------------------ wrapper project (docs/awx.md, 2.)


def wrapper_project(root: Path) -> Path:
    """The user's own project of docs/awx.md section 2: one-line playbooks importing the collection's,
    and the intent kept beside them in vars/. The collection comes from the EE (here:
    ANSIBLE_COLLECTIONS_PATH), not from this directory."""
    text = (REPO / "docs" / "awx.md").read_text(encoding="utf-8")
    section = text[text.index("## 2. Project"):text.index("## 3. Credential")]
    blocks = [textwrap.dedent(block.split("```", 1)[0]) for block in section.split("```yaml\n")[1:]]
    project = root / "my-project"
    (project / "vars").mkdir(parents=True)
    for block in blocks:
        name = block.splitlines()[0].lstrip("# ").strip()  # each block starts with "# <file name>"
        (project / name).write_text(block, encoding="utf-8")
    shutil.copy(REPO / "playbooks" / "vars" / "remediate_intent.example.yml", project / "vars" / "intent-prod.yml")
    return project


def test_wrapper_project_remediation_job(remediation_lab, tmp_path_factory):
    project = wrapper_project(tmp_path_factory.mktemp("scm"))
    assert sorted(p.name for p in project.iterdir()) == ["audit.yml", "remediate.yml", "vars"]
    remediation_lab.clear_journal()
    # A check job after the apply job of remediation_jobs would plan nothing: plan on the lab's state
    # as it is, and compare with a plan made by the module itself.
    runner = job(remediation_lab, tmp_path_factory, "remediate.yml", {"remediate_intent_file": "vars/intent-prod.yml"},
                 "check", project=project)
    assert (runner.rc, runner.status) == (0, "successful"), stdout(runner)[-3000:]
    assert remediation_lab.journal() == []
    data = artifact(runner)["vmkernel_multihoming_remediation"]
    intent = yaml.safe_load((project / "vars" / "intent-prod.yml").read_text())["remediate_intent"]
    expected = run_module("remediation_plan_info", dict(connection_args(remediation_lab), intent=intent))
    assert not expected.get("failed"), expected.get("msg")
    assert data["plan"] == expected["plan"]["summary"]
    assert data["applied"] is False
