# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the remediation tests share (test_remediation, test_remediate_continue_on_failure,
test_remediate_inventory, test_remediate_esxi_hosts): the three-host vMotion lab and its intent,
the hosts' facts, and what a playbook run prints (recap, custom stats)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness import REPO, connection_args, run_module

REMEDIATE_PLAYBOOK = REPO / "playbooks" / "remediate.yml"
# Every host has vMotion in the management subnet: each gets the same two calls.
VMOTION_SCENARIO: dict[str, Any] = {
    "inventory": {"hosts": 3, "clusters": 1},
    "hosts": [{"portgroups": [{"name": "vMotion", "vlan": 0}],
               "vmknics": [{"portgroup": "vMotion", "ip": "10.10.1.{i+11}/21", "services": ["vmotion"]}]}],
}
# The remediate role's intent that moves vMotion to 10.20.0.0/24 on VLAN 20.
VMOTION_INTENT = {"remediate_intent": {"classes": [{
    "name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
    "subnet": {"network": "10.20.0.0/24", "range": "10.20.0.10-10.20.0.50", "vlan": 20}}]}}


def facts(lab: Any) -> dict[str, dict]:
    """vmknic_info's facts of every host, by host name."""
    result = run_module("vmknic_info", connection_args(lab))
    assert not result.get("failed"), result.get("msg")
    return {host["name"]: host for host in result["hosts"]}


def vmotion(host: dict) -> tuple[str, int]:
    """(address/prefix of the vMotion vmknic, VLAN of its port group)."""
    nic = next(v for v in host["vmknics"] if v["portgroup"] == "vMotion")
    vlan = next(p["vlan"] for p in host["portgroups"] if p["name"] == "vMotion")
    return f"{nic['ipv4']['address']}/{nic['ipv4']['prefix_length']}", vlan


def intent_file(tmp_path: Path, intent: dict[str, Any] | None = None) -> Path:
    """The role's intent (VMOTION_INTENT unless given) as a file (remediate_intent_file), as AWX passes it."""
    path = tmp_path / "intent.yml"
    path.write_text(json.dumps(VMOTION_INTENT if intent is None else intent))
    return path


def recap_changed(output: str) -> dict[str, int]:
    """changed= of each host in ansible-playbook's PLAY RECAP."""
    return {host: int(changed) for host, changed in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M)}


def custom_stats(output: str) -> dict[str, Any]:
    """The set_stats data ansible-playbook prints with show_custom_stats (AWX: the artifacts)."""
    runs = re.findall(r"^\tRUN: (.*)$", output, re.M)
    assert len(runs) == 1, output[-3000:]
    return json.loads(runs[0])["vmkernel_multihoming_remediation"]
