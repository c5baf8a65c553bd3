# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pausing Python's cyclic garbage collector around allocation-heavy, cycle-free work (private)."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

# The collector's switch is process-wide: with several threads inside the block (remediation_apply
# reading hosts concurrently), the first one in turns it off and the last one out restores it.
_pause_lock = threading.Lock()
_paused = {"depth": 0, "was_enabled": False}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's previous state is restored on exit.

    Planning (and reading) 1000 hosts allocates millions of small dicts and lists that form no
    reference cycles, so reference counting frees them all; each allocation threshold crossed would
    otherwise make the collector rescan every live fact again (~40% of planning time at 1000 hosts,
    docs/benchmarks.md)."""
    with _pause_lock:
        if _paused["depth"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["depth"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused["depth"] -= 1
            if _paused["depth"] == 0 and _paused["was_enabled"]:
                gc.enable()


def age_without_scan() -> None:
    """Move every object the collector tracks into its oldest generation without scanning any
    (gc.freeze then gc.unfreeze: two list merges, and the allocation counts start again at zero).

    For the end of a paused block whose survivors are acyclic plain data (the plan document): else
    the first allocation after the block rescans every one of them as the youngest generation
    (~0.1 s after planning 1000 hosts). Cyclic garbage made meanwhile is not lost: the next full
    collection finds it."""
    gc.freeze()
    gc.unfreeze()
