# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""community.vmware as the lab's referee (tests/integration/fidelity) and as an independent reader
(the remediation tests): its modules run through one ansible-playbook, the lab's journal."""

from __future__ import annotations

import json
import site
from pathlib import Path
from typing import Any

from harness import COLLECTIONS, ansible_env, run_playbook

# community.vmware comes with the `ansible` package, in the venv's site-packages.
COMMUNITY_PATH = next(p for p in site.getsitepackages() if (Path(p) / "ansible_collections" / "community" / "vmware").is_dir())


def play(lab, tmp_path: Path, tasks: list[dict[str, Any]], name: str = "play") -> list[dict[str, Any]]:
    """Run ``tasks`` (module name -> arguments, plus task keywords) in one playbook; return their results.

    Each task is registered and the last task writes all results to a JSON file, so one
    ansible-playbook run (about 1 s of start-up) serves several module runs.
    """
    registered = [f"fidelity_{index}" for index in range(len(tasks))]
    out = tmp_path / f"{name}.json"
    playbook = [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [dict(task, register=var) for task, var in zip(tasks, registered)] + [{
            "name": "Save the results for the test",
            "ansible.builtin.copy": {"content": "{{ [%s] | to_json }}" % ", ".join(registered), "dest": str(out)},
        }],
    }]
    path = tmp_path / f"{name}.yml"
    path.write_text(json.dumps(playbook, indent=1))  # JSON is YAML
    env = ansible_env(lab, ANSIBLE_COLLECTIONS_PATH=f"{COLLECTIONS}:{COMMUNITY_PATH}")
    proc = run_playbook(path, env)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text())


def journal(lab) -> list[dict[str, Any]]:
    entries = lab.journal()
    lab.clear_journal()
    return entries


def find_vnic(host: Any, device: str) -> Any | None:
    return next((v for v in host.config.network.vnic if v.device == device), None)


def vmkernel_info_agrees(lab, tmp_path: Path, host: str, predicted: dict[str, Any]) -> None:
    """community.vmware.vmware_vmkernel_info on ``host`` reports the vmknics of ``predicted`` (a
    plan entry's ``after``): device, port group ("" on a distributed port, as vSphere has it),
    IPv4, MTU, stack, MAC and the vMotion / management tags."""
    [info] = play(lab, tmp_path, [{"community.vmware.vmware_vmkernel_info": {"esxi_hostname": host}}], "info")
    wanted = {v["device"]: v for v in predicted["vmknics"]}
    seen = {v["device"]: v for v in info["host_vmk_info"][host]}
    assert sorted(seen) == sorted(wanted)
    for name, vmk in seen.items():
        want = wanted[name]
        assert (vmk["portgroup"], vmk["ipv4_address"], vmk["ipv4_subnet_mask"], vmk["mtu"], vmk["stack"], vmk["mac"],
                vmk["enable_vmotion"], vmk["enable_management"]) == (
            "" if want["switch_type"] == "distributed" else want["portgroup"], want["ipv4"]["address"], want["ipv4"]["netmask"],
            want["mtu"], want["stack"], want["mac"], "vmotion" in want["services"], "management" in want["services"]), name
