# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counting what a read asks of vCenter, for the bulk-read test and the benchmark: the lab counts
the calls of every method it delays (GET /lab/latency), so a lab started with READ_COUNTING
counts the property-collector calls of any process (a module included) at a cost of 1 ms each;
counted_bulk_read() counts the objects _gather's streaming bulk read yields in this process."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere import _gather

# Every way pyVmomi or the collection reads properties: the paged read and a single-property Fetch.
READ_METHODS = ("RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "Fetch")
READ_COUNTING = {"latency_ms": 1, "latency_methods": list(READ_METHODS)}  # Lab.start(**READ_COUNTING)


def read_calls(lab: Any, run: Callable[[], Any]) -> tuple[dict[str, int], Any]:
    """How many calls of each READ_METHODS ``run()`` made on ``lab`` (started with READ_COUNTING), and its result."""
    before = lab.latency()["delayed"]
    result = run()
    after = lab.latency()["delayed"]
    return {method: after.get(method, 0) - before.get(method, 0) for method in READ_METHODS}, result


@contextmanager
def counted_bulk_read() -> Iterator[Counter]:
    """Count each object (type name, moid) _gather's streaming bulk read yields while inside."""
    seen: Counter = Counter()
    original = _gather.stream_retrieve

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in original(*args, **kwargs):
            seen[(type(item.obj).__name__, item.obj._moId)] += 1
            yield item

    _gather.stream_retrieve = counting
    try:
        yield seen
    finally:
        _gather.stream_retrieve = original
