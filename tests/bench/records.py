# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What change records cost (docs/benchmarks.md, "Change records"): a 50-host lab, every host with
vMotion in the management subnet (two calls each), remediated through playbooks/remediate.yml.

Prints the calls per host from the lab journal (host calls and record calls), the run's wall
time, and the time of what records add per host, measured in-process over the same lab: one
SetField per write (before the first call, after each call, the clear) and the one-host bulk
read that confirms the lease.

    .venv/bin/python tests/bench/records.py [--hosts 50]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests" / "integration"), str(REPO / ".build" / "collections")]

from harness import Lab, ansible_env, run_playbook  # noqa: E402
from pyVim.connect import Disconnect, SmartConnect  # noqa: E402

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import gather, read_topology  # noqa: E402
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import FIELD_NAME  # noqa: E402

INTENT = {"remediate_intent": {"classes": [{
    "name": "vmotion", "select": {"services": ["vmotion"]}, "action": "subnet",
    "subnet": {"network": "10.20.0.0/22", "range": "10.20.0.10-10.20.3.250", "vlan": 20}}]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=50)
    options = parser.parse_args()
    scenario = {"inventory": {"hosts": options.hosts, "clusters": 1},
                "hosts": [{"portgroups": [{"name": "vMotion", "vlan": 0}],
                           "vmknics": [{"portgroup": "vMotion", "ip": "10.10.4.{i+11}/21", "services": ["vmotion"]}]}]}
    with Lab.start(scenario=scenario) as lab, tempfile.TemporaryDirectory() as work:
        intent_file = Path(work) / "intent.yml"
        intent_file.write_text(json.dumps(INTENT))
        started = time.monotonic()
        proc = run_playbook(REPO / "playbooks" / "remediate.yml", ansible_env(lab), {"remediate_intent_file": str(intent_file)})
        wall = time.monotonic() - started
        assert proc.returncode == 0, proc.stdout[-3000:]
        calls = Counter(entry["method"] for entry in lab.journal(records=True))
        record_calls = calls["SetField"] + calls["AddCustomFieldDef"]
        host_calls = sum(calls.values()) - record_calls

        si = SmartConnect(host=lab.hostname, port=lab.port, user=lab.username, pwd=lab.password, disableSslCertValidation=True)
        try:
            content = si.RetrieveContent()
            topology = read_topology(content)
            key = next(f.key for f in content.customFieldsManager.field if f.name == FIELD_NAME)
            names = sorted(h.name for h in topology["hosts"])
            by_name = {h.name: h for h in topology["hosts"]}
            value = "vmkmh/1:" + "A" * 1400  # the size of a real record
            started = time.monotonic()
            for name in names:
                for text in (value, value, value, ""):
                    content.customFieldsManager.SetField(entity=by_name[name], key=key, value=text)
                gather(si, esxi_hostnames=[name], topology=topology)
            added = (time.monotonic() - started) / len(names)
        finally:
            Disconnect(si)
    print(f"hosts: {options.hosts}; remediate playbook: {wall:.1f} s ({wall / options.hosts:.2f} s per host)")
    print(f"calls per host: {host_calls / options.hosts:.1f} host calls, {calls['SetField'] / options.hosts:.1f} SetField; "
          f"AddCustomFieldDef: {calls['AddCustomFieldDef']} per vCenter")
    print(f"what records add per host (4 SetField + 1 one-host read), in-process: {added * 1000:.0f} ms")


if __name__ == "__main__":
    main()
