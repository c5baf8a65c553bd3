# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input to playbooks/remediate.yml and the remediate role: one line naming the variable and
the problem (no argument-spec dump, no traceback), before anything connects or changes; intent
files found relative to the current directory; classes that select nothing reported (and an error
with remediate_fail_on_empty_class).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from harness import REPO, ansible_env, run_playbook

PLAYBOOK = REPO / "playbooks" / "remediate.yml"
SCENARIO = {
    "inventory": {"hosts": 2, "clusters": 1},
    "hosts": [{"portgroups": [{"name": "vMotion", "vlan": 0}],
               "vmknics": [{"portgroup": "vMotion", "ip": "10.10.1.{i+11}/21", "services": ["vmotion"]}]}],
}
VMOTION = {"name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
           "subnet": {"network": "10.20.0.0/24", "range": "10.20.0.10-10.20.0.50", "vlan": 20}}
NFS = {"name": "nfs", "select": {"portgroups": ["NFS*"]}, "action": "subnet", "subnet": {"network": "10.40.0.0/24"}}


def failure_messages(output: str) -> list[str]:
    """The msg of every failed task of the default callback's output."""
    return [json.loads(line.split(" => ", 1)[1])["msg"] for line in output.splitlines()
            if line.startswith("fatal: ") and " => {" in line]


def only_failure(proc) -> str:
    """The one failure of a run that must fail with one clear line."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "Traceback" not in output and "argument_spec_data" not in output and "Unexpected Exception" not in output
    messages = failure_messages(proc.stdout)
    assert len(messages) == 1, output[-3000:]
    assert "\n" not in messages[0]
    return messages[0]


@pytest.fixture(scope="module")
def offline_env():
    # No lab: every one of these must fail before anything connects (nothing listens on port 9).
    return ansible_env(VMWARE_HOST="127.0.0.1", VMWARE_PORT="9", VMWARE_USER="u", VMWARE_PASSWORD="p",
                       VMWARE_VALIDATE_CERTS="false")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, file_text, expected", [
    ({}, None, r"^remediate_intent is not set: give the intent \(docs/remediation.md\) as remediate_intent, or "
               r"the path of a YAML file holding it as remediate_intent_file$"),
    ({"remediate_intent": {"clases": [VMOTION]}}, None,
     r"^remediate_intent: intent: unknown key 'clases' \(did you mean classes\?\) \(expected one of "
     r"allow_management_change, classes\); remediate_intent: classes: must be a non-empty list$"),
    ({"remediate_intent": "classes"}, None,
     r"^remediate_intent must be a mapping with 'classes' \(docs/remediation.md\), got a string$"),
    ({"remediate_intent_file": "missing.yml"}, None,
     r"^remediate_intent_file: missing.yml was not found \(looked for (?P<cwd>/\S+)/missing.yml, .*\)$"),
    ({"remediate_intent_file": "intent.yml"}, '"classes: [vmotion]"\n',
     r"^remediate_intent_file: (?P<cwd>/\S+)/intent.yml holds a string, not an intent \(a mapping with 'classes', "
     r"at the top or under 'remediate_intent'\)$"),
    ({"remediate_intent_file": "intent.yml"}, "remediate_intent: {classes: [\n",
     r"^remediate_intent_file: (?P<cwd>/\S+)/intent.yml cannot be read as YAML \(.+\)$"),
    ({"remediate_intent_file": "intent.yml"},
     json.dumps({"remediate_intent": {"classes": [dict(VMOTION, select={"services": ["vmotoin"]})]}}),
     r"^remediate_intent_file (?P<cwd>/\S+)/intent.yml: class vmotion.select.services: unknown service 'vmotoin' "
     r"\(did you mean vmotion\?\); services: faultToleranceLogging, .*vsanWitness$"),
    ({"remediate_intent": {"classes": [VMOTION]}, "remediate_intent_file": "intent.yml"}, None,
     r"^remediate_intent and remediate_intent_file are both set: give one of them$"),
    ({"remediate_intent": {"classes": [VMOTION]}, "remediate_serial": "abc"}, None,
     r"^remediate_serial must be a batch size \(a number such as 2\), a percentage \(such as 25%\) or a list of "
     r"them, got \"abc\"$"),
    ({"remediate_intent": {"classes": [VMOTION]}, "remediate_port": "abc"}, None,
     r"^argument 'remediate_port' is of type .+ and we were unable to convert to int: .+$"),
    ({"remediate_intent": {"classes": [VMOTION]}, "remediate_apply": "maybe"}, None,
     r"^argument 'remediate_apply' is of type .+ and we were unable to convert to bool: .*'maybe' is not a valid boolean.*$"),
    ({"remediate_intent": {"classes": [VMOTION]}, "remediate_recovery": "redo"}, None,
     r"^value of remediate_recovery must be one of: undo, finish, got: redo$"),
    ({"remediate_intent": {"classes": [VMOTION]}, "remediate_clusters": {"name": "C1"}}, None,
     r"^argument 'remediate_clusters' is of type .+ and we were unable to convert to list: .*$"),
], ids=["no-intent", "typo-clases", "intent-string", "missing-file", "file-is-a-string", "file-not-yaml",
        "service-typo", "both", "serial-abc", "port-abc", "apply-maybe", "recovery-choice", "clusters-dict"])
def test_one_line_naming_the_variable(offline_env, tmp_path, extra, file_text, expected):
    if file_text is not None:
        write(tmp_path / "intent.yml", file_text)
    proc = run_playbook(PLAYBOOK, offline_env, extra_vars=extra, cwd=tmp_path)
    message = only_failure(proc)
    match = re.match(expected, message)
    assert match, message
    if "cwd" in match.groupdict():
        # a relative intent file is looked for in the current directory first
        assert Path(match["cwd"]).resolve() == tmp_path.resolve()
    assert "Could not connect" not in proc.stdout and "Connection refused" not in proc.stdout


def test_serial_abc_on_the_command_line(offline_env, tmp_path):
    """`-e remediate_serial=abc` (key=value, a string), as the issue ran it: no ansible-core crash."""
    cmd = [str(Path(offline_env["ANSIBLE_PYTHON_INTERPRETER"]).parent / "ansible-playbook"), "-i", "localhost,",
           str(PLAYBOOK), "-e", "remediate_serial=abc", "-e", "remediate_intent_file=intent.yml"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=offline_env, cwd=tmp_path, timeout=300, check=False)
    assert only_failure(proc).startswith("remediate_serial must be a batch size")


@pytest.mark.parametrize("role, variables, expected", [
    ("remediate", {"remediate_intent": {"classes": [VMOTION]}, "remediate_timeout": "soon"},
     r"^argument 'remediate_timeout' is of type .+ and we were unable to convert to int: .+$"),
    ("audit", {"audit_fail_on": "errors"}, r"^value of audit_fail_on must be one of: error, warning, info, never, got: errors$"),
    ("audit", {"audit_validate_certs": "perhaps"},
     r"^argument 'audit_validate_certs' is of type .+ and we were unable to convert to bool: .*'perhaps' is not a valid boolean.*$"),
], ids=["remediate-timeout", "audit-fail-on", "audit-validate-certs"])
def test_role_in_the_users_own_playbook(offline_env, tmp_path, role, variables, expected):
    """The roles check their variables themselves, so a user's playbook that calls one gets the
    same one line as the collection's playbooks."""
    playbook = write(tmp_path / "site.yml", json.dumps([{
        "name": "The user's play", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": dict(variables, ansible_python_interpreter="{{ ansible_playbook_python }}"),
        "roles": [{"role": f"vmkernel.multihoming.{role}"}]}]))
    message = only_failure(run_playbook(playbook, offline_env, cwd=tmp_path))
    assert re.match(expected, message), message


# ------------------------------------------------------------------ against the lab


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory(scenario=SCENARIO)


def test_relative_intent_file_in_the_current_directory(lab, tmp_path):
    write(tmp_path / "intent.yml", json.dumps({"remediate_intent": {"classes": [VMOTION]}}))
    lab.clear_journal()
    proc = run_playbook(PLAYBOOK, ansible_env(lab), extra_vars={"remediate_intent_file": "intent.yml"},
                        check=True, cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "10.10.0.11: " in proc.stdout and "set IPv4 10.20.0.10/24" in proc.stdout
    assert lab.journal() == []


def test_service_typo_against_the_lab_changes_nothing(lab, tmp_path):
    lab.clear_journal()
    intent = {"classes": [dict(VMOTION, select={"services": ["vmotoin"]})]}
    proc = run_playbook(PLAYBOOK, ansible_env(lab), extra_vars={"remediate_intent": intent}, cwd=tmp_path)
    assert "unknown service 'vmotoin' (did you mean vmotion?)" in only_failure(proc)
    assert lab.journal() == []


def test_class_selecting_nothing_is_shown(lab, tmp_path):
    lab.clear_journal()
    proc = run_playbook(PLAYBOOK, ansible_env(lab), extra_vars={"remediate_intent": {"classes": [VMOTION, NFS]}},
                        check=True, cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "Class nfs selects no vmknic in scope: check its selector." in proc.stdout
    assert "class nfs selects no vmknic in scope" in proc.stdout + proc.stderr  # the module's warning
    assert "Class vmotion selects" not in proc.stdout
    assert lab.journal() == []


def test_class_selecting_nothing_fails_the_pipeline(lab, tmp_path):
    lab.clear_journal()
    proc = run_playbook(PLAYBOOK, ansible_env(lab), cwd=tmp_path, extra_vars={
        "remediate_intent": {"classes": [VMOTION, NFS]}, "remediate_fail_on_empty_class": True})
    assert only_failure(proc) == ("remediate_fail_on_empty_class: 1 class(es) select no vmknic in scope: nfs; "
                                  "check their selectors (or the scope).")
    assert lab.journal() == []


def test_readme_command_runs_without_inventory_warnings(lab, tmp_path):
    """The README's review command, as written (`-i localhost,`, the playbook by its collection
    name, a relative intent file), with ansible-core's inventory warnings left on."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("ansible-playbook -i localhost, vmkernel.multihoming.remediate")
                and "--check --diff" in x)
    write(tmp_path / "intent.yml", json.dumps({"remediate_intent": {"classes": [VMOTION]}}))
    env = ansible_env(lab)
    for name in ("ANSIBLE_LOCALHOST_WARNING", "ANSIBLE_INVENTORY_UNPARSED_WARNING"):
        env.pop(name)
    args = shlex.split(line)
    proc = subprocess.run([str(Path(env["ANSIBLE_PYTHON_INTERPRETER"]).parent / args[0])] + args[1:],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "No inventory was parsed" not in proc.stderr and "provided hosts list is empty" not in proc.stderr, proc.stderr
    assert "+++ after: 10.10.0.11 (predicted)" in proc.stdout
