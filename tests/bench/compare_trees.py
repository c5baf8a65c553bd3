# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module process times of two trees of this collection against the same lab, in one run.

A restructure must not make the modules slower (imports included), and two runs on a shared
machine do not compare: this starts one lab and runs vmknic_info, vmknic_audit (return_facts) and
remediation_plan_info from each tree in turn, best of --repeat, so both trees see the same load.

    .venv/bin/python tests/bench/compare_trees.py --before /path/to/old/tree [--hosts 1000]

The other tree is imported through its own ``ansible_collections/vmkernel/multihoming`` link
(made in a temporary directory). Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import COLLECTIONS, INTENT, environment, log, run_module, scenario  # noqa: E402
from labctl import Lab  # noqa: E402

MODULES: list[tuple[str, dict]] = [
    ("vmknic_info", {}),
    ("vmknic_audit", {"return_facts": True}),
    ("remediation_plan_info", {"intent": INTENT}),
]


def tree_environment(base: dict[str, str], tree: Path, collections: Path) -> dict[str, str]:
    """The bench environment with ``tree`` as the collection: modules run from that tree's files."""
    link = collections / "ansible_collections" / "vmkernel" / "multihoming"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(tree)
    env = dict(base, PYTHONPATH=str(collections))
    env["ANSIBLE_COLLECTIONS_PATH"] = env["ANSIBLE_COLLECTIONS_PATH"].replace(str(COLLECTIONS), str(collections))
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, type=Path, help="the other tree (e.g. a git worktree of main)")
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    trees = {"before": options.before.resolve(), "after": Path(__file__).resolve().parents[2]}
    best: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as workdir, \
            Lab.start(hosts=options.hosts, clusters=options.clusters, scenario=scenario(options.hosts), timeout=600) as lab:
        envs = {name: tree_environment(environment(lab), tree, Path(workdir) / name) for name, tree in trees.items()}
        for attempt in range(options.repeat):
            for module, args in MODULES:
                for name in trees:
                    path = trees[name] / "plugins" / "modules" / f"{module}.py"
                    seconds = run_module(str(path.with_suffix("")), args, envs[name]).seconds
                    best[(module, name)] = min(seconds, best.get((module, name), seconds))
                    log(f"run {attempt + 1}: {module} {name} {seconds:.2f} s")
    print(f"\n{options.hosts} hosts, best of {options.repeat} (load {os.getloadavg()[0]:.1f}):")
    print(f"{'module':24} {'before':>8} {'after':>8} {'ratio':>6}")
    for module, _args in MODULES:
        before, after = best[(module, "before")], best[(module, "after")]
        print(f"{module:24} {before:8.2f} {after:8.2f} {after / before:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
