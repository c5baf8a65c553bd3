# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/remediate.yml over a static inventory of ESXi host names, one host per batch (serial).

The plan is made once for the whole play (all batches) and each batch applies its own host's part;
check mode writes nothing; a second run changes nothing.
"""

from __future__ import annotations

from harness import ansible_env, run_playbook
from remediation_setup import REMEDIATE_PLAYBOOK, VMOTION_SCENARIO, intent_file, recap_changed


def test_inventory_batches(lab_factory, tmp_path):
    lab = lab_factory(scenario=VMOTION_SCENARIO)
    # Two of the three hosts are in the inventory: the third is out of scope and must not change.
    inventory = tmp_path / "esxi.ini"
    inventory.write_text("[esxi]\n10.10.0.11\n10.10.0.12\n")
    env = ansible_env(lab)
    extra = {"remediate_hosts": "esxi", "remediate_serial": 1, "remediate_intent_file": str(intent_file(tmp_path))}
    playbook = REMEDIATE_PLAYBOOK

    def run(check: bool) -> str:
        proc = run_playbook(playbook, env, extra_vars=extra, check=check, inventory=inventory)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        return proc.stdout

    lab.clear_journal()
    checked = run(check=True)
    assert recap_changed(checked) == {"10.10.0.11": 1, "10.10.0.12": 1}
    assert lab.journal() == []

    applied = run(check=False)
    assert recap_changed(applied) == {"10.10.0.11": 1, "10.10.0.12": 1}
    calls = [(entry["host"], entry["method"]) for entry in lab.journal()]
    # One batch after the other: all of the first host's calls come before the second host's.
    assert calls == [("10.10.0.11", "UpdatePortGroup"), ("10.10.0.11", "UpdateVirtualNic"),
                     ("10.10.0.12", "UpdatePortGroup"), ("10.10.0.12", "UpdateVirtualNic")]
    addresses = {entry["host"]: entry["args"].get("ip") for entry in lab.journal() if entry["method"] == "UpdateVirtualNic"}
    # Planned once for the whole play: lowest free addresses, in host-name order.
    assert addresses == {"10.10.0.11": "10.20.0.10", "10.10.0.12": "10.20.0.11"}

    lab.clear_journal()
    assert recap_changed(run(check=True)) == {"10.10.0.11": 0, "10.10.0.12": 0}
    assert recap_changed(run(check=False)) == {"10.10.0.11": 0, "10.10.0.12": 0}
    assert lab.journal() == []
