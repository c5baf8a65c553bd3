# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How often HostApplier reads the host: the whole host for the drift check and the read-back,
the change record alone (read_record) to confirm the lease it has just written."""

from __future__ import annotations

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply import _records as records
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import HostApplier, RecordKeeper
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.apply.fake_host import OPERATIONS, FakeHost, before_host

ME = {"job": None, "controller": None, "host": "ctl", "pid": 100}
OTHER = {"job": "42", "controller": "https://awx.example.com", "host": "automation-job-42-abcde", "pid": 7}
ENTRY = {"host": "esx01", "operations": OPERATIONS, "before": before_host(), "after": simulate(before_host(), OPERATIONS)}


class CountingHost(FakeHost):
    """A fake host with a change record; counts whole-host reads and record-only reads.
    ``taken_by`` is what another run writes between this run's record write and its lease check
    (two runs racing for the host)."""

    def __init__(self, taken_by: str | None = None) -> None:
        super().__init__(before_host())
        self.value = ""
        self.writes: list[str] = []
        self.host_reads = 0
        self.record_reads = 0
        self.taken_by = taken_by

    def read(self) -> dict:
        self.host_reads += 1
        facts = super().read()
        facts["change_record"] = records.record_facts(self.value, ME)
        return facts

    def read_record(self) -> dict | None:
        self.record_reads += 1
        if self.taken_by is not None:
            self.value = self.taken_by
        return records.record_facts(self.value, ME)

    def write(self, value: str) -> None:
        self.writes.append(value)
        self.value = value


def applier(host: CountingHost) -> HostApplier:
    return HostApplier(host.read, host.run, records=RecordKeeper(host.write, 60, ME), read_record=host.read_record)


def test_lease_is_confirmed_by_reading_the_record_alone():
    host = CountingHost()
    outcome = applier(host).apply(ENTRY, check_mode=False)
    assert outcome["status"] == "applied" and outcome["differences"] == []
    assert (host.host_reads, host.record_reads) == (2, 1)  # drift check, read-back; the lease
    assert host.calls == ["UpdatePortGroup", "UpdateVirtualNic"] and host.writes[-1] == ""


def test_lease_taken_at_the_same_time_is_seen_in_the_record_read():
    other = records.encode(dict(records.new_record(ENTRY, before_host(), OTHER, lease_seconds=60), expires=2 ** 40))
    host = CountingHost(taken_by=other)
    outcome = applier(host).apply(ENTRY, check_mode=False)
    assert outcome["status"] == "locked" and outcome["changed"] is False
    assert outcome["locked_by"]["job"] == "42" and "took the host at the same time" in outcome["error"]
    assert host.calls == [] and (host.host_reads, host.record_reads) == (1, 1)


def test_without_a_record_reader_the_lease_is_checked_on_the_whole_host():
    host = CountingHost()
    outcome = HostApplier(host.read, host.run, records=RecordKeeper(host.write, 60, ME)).apply(ENTRY, check_mode=False)
    assert outcome["status"] == "applied" and (host.host_reads, host.record_reads) == (3, 0)
