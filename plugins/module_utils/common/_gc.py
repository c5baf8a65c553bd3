# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pausing Python's cyclic garbage collector around allocation-heavy, cycle-free work (private)."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's previous state is restored on exit.

    Planning (and reading) 1000 hosts allocates millions of small dicts and lists that form no
    reference cycles, so reference counting frees them all; each allocation threshold crossed would
    otherwise make the collector rescan every live fact again (~40% of planning time at 1000 hosts,
    docs/benchmarks.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
