# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for tests against the lab (tests/lab). Helpers live in harness.py and vsphere.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Lab  # noqa: E402


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
