"""1000 hosts: start-up time and one RetrievePropertiesEx of every path the collection reads.
Timings are printed (run with -s to see them), not asserted."""

import os
import time

import pytest
from conftest import connect, retrieve
from labctl import Lab
from test_lab_inventory import PATHS


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("VMKMH_LAB_SCALE"), reason="a 1000-host lab (~45 s): make test-lab-scale (make bench starts one too)")
def test_1000_hosts(tmp_path):
    t0 = time.monotonic()
    with Lab.start(hosts=1000, clusters=10, state_dir=str(tmp_path)) as lab:
        started = time.monotonic() - t0
        si = connect(lab)
        t1 = time.monotonic()
        data = retrieve(si, PATHS)
        read = time.monotonic() - t1
        t2 = time.monotonic()
        retrieve(si, PATHS)
        read2 = time.monotonic() - t2
        assert len(data) == 1000
        assert data["10.10.3.242"]["config.network.vnic"][0].spec.ip.ipAddress == "10.10.3.242"
        print("\nLAB PERF 1000 hosts: start %.2fs (model build %.2fs), RetrievePropertiesEx all paths %.2fs, again %.2fs"
              % (started, lab.info.get("build_seconds", -1), read, read2))
