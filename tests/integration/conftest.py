# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for tests against the lab (tests/lab). Helpers live in harness.py and vsphere.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Lab  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the oldest ansible-core (scripts/core-test sets VMKMH_OLDEST_CORE=1), tests marked
    ``collection_logic`` are cut down: what they vary (fault positions, action kinds, refused
    inputs, kill points) is the collection's own Python, which the newest ansible-core's run
    covers in full; the first variant still proves the module or role plumbing on the oldest one.
    Matrices whose variants reach ansible-core differently (argument validation, check mode,
    roles' input errors, inventory mode, the no_log scrub) are not marked and run in full."""
    if os.environ.get("VMKMH_OLDEST_CORE") != "1":
        return
    kept, dropped = [], []
    for item in items:
        if item.get_closest_marker("collection_logic") is None:
            kept.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        first_variant = callspec is not None and not any(callspec.indices.values())
        (kept if first_variant else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def lab_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Lab]]:
    """Start labs on demand (each in its own state dir); all are stopped at the end of the session."""
    started: list[Lab] = []

    def start(**kwargs: Any) -> Lab:
        kwargs.setdefault("state_dir", str(tmp_path_factory.mktemp("lab")))
        lab = Lab.start(**kwargs)
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.stop()
