# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run this collection's modules and playbooks against a lab, as Ansible would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".build" / "collections"
sys.path.insert(0, str(REPO / "tests" / "lab"))

from labctl import Lab  # noqa: E402  (tests/lab is not a package)


def ansible_env(lab: Lab | None = None, **extra: str) -> dict[str, str]:
    """Environment for ansible-playbook / modules: the venv, this collection, VMWARE_* of the lab."""
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        PYTHONPATH=str(COLLECTIONS),
    )
    if lab is not None:
        env.update(
            VMWARE_HOST=lab.hostname,
            VMWARE_PORT=str(lab.port),
            VMWARE_USER=lab.username,
            VMWARE_PASSWORD=lab.password,
            VMWARE_VALIDATE_CERTS="false",
        )
    env.update(extra)
    return env


def restorable(host: dict) -> dict:
    """The host's facts with each stack's routes as a set: a vmknic re-created by a rollback comes up
    last, so its connected route moves down the table (as on ESXi); everything else must be equal."""
    result = dict(host)
    result["stacks"] = [dict(stack, routes=sorted(stack["routes"], key=lambda r: sorted(r.items(), key=str)))
                        for stack in host["stacks"]]
    return result


def restorable_on_new_ports(host: dict) -> dict:
    """``restorable`` facts, but for the distributed port of each vmknic: vCenter allocates a new one
    to a vmknic re-created, or moved away and back, on a dvPortgroup."""
    result = restorable(host)
    result["vmknics"] = [dict(v, dvs=dict(v["dvs"], port_key=None) if v["dvs"] else None) for v in host["vmknics"]]
    return result


def connection_args(lab: Lab) -> dict[str, Any]:
    return dict(hostname=lab.hostname, port=lab.port, username=lab.username, password=lab.password, validate_certs=False)


def run_module(module: str, args: dict[str, Any], check: bool = False, diff: bool = False,
               env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one of this collection's modules directly (as Ansible would on localhost), return its JSON."""
    payload = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    path = REPO / "plugins" / "modules" / f"{module}.py"
    proc = subprocess.run(
        [sys.executable, str(path)], input=json.dumps({"ANSIBLE_MODULE_ARGS": payload}), check=False,
        capture_output=True, text=True, env=env or ansible_env(), timeout=600,
    )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"{module} printed no JSON (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from None


def run_playbook(playbook: str | Path, env: dict[str, str], extra_vars: dict[str, Any] | None = None,
                 check: bool = False, diff: bool = False, cwd: Path | None = None,
                 inventory: str | Path = "localhost,") -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", str(inventory), "-c", "local"]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    return subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, cwd=cwd or REPO, timeout=900)
