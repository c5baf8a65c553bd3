"""lab start --latency-ms N [--jitter-ms J] [--latency-methods M1,M2]: every SOAP call (or only
the named methods) waits at least N ms.

The timing checks are lower bounds (a delayed call cannot take less than N ms, however loaded the
machine is); which calls were delayed is read from the lab's own counters (GET /lab/latency), not
inferred from how fast the others were."""

import time

from conftest import connect, retrieve
from labctl import Lab
from pyVim.connect import Disconnect
from pyVmomi import vim

LATENCY_MS = 120


def timed(call):
    start = time.monotonic()
    result = call()
    return result, (time.monotonic() - start) * 1000.0


def test_every_call_is_delayed(tmp_path):
    with Lab.start(hosts=2, state_dir=str(tmp_path), latency_ms=LATENCY_MS, jitter_ms=30) as lab:
        si = connect(lab)  # RetrieveServiceContent + Login
        try:
            view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.HostSystem], True)
            names, elapsed = timed(lambda: sorted(host.name for host in view.view))  # pyVmomi 9: Fetch per property
            assert names == ["10.10.0.11", "10.10.0.12"]
            assert elapsed >= LATENCY_MS
        finally:
            Disconnect(si)
        state = lab.latency()
    assert (state["latency_ms"], state["jitter_ms"], state["methods"]) == (LATENCY_MS, 30, [])
    # Each of these ran (at least once) and waited.
    assert {"RetrieveServiceContent", "Login", "CreateContainerView", "Fetch", "Logout"} <= set(state["delayed"])


def test_only_named_methods_are_delayed(tmp_path):
    with Lab.start(hosts=2, state_dir=str(tmp_path), latency_ms=LATENCY_MS,
                   latency_methods=["RetrievePropertiesEx", "CancelRetrievePropertiesEx"]) as lab:
        si = connect(lab)
        try:
            hosts, elapsed = timed(lambda: retrieve(si, ["name"]))  # one RetrievePropertiesEx (one page)
            assert sorted(hosts) == ["10.10.0.11", "10.10.0.12"]
            assert elapsed >= LATENCY_MS
        finally:
            Disconnect(si)
        state = lab.latency()
    assert state["methods"] == ["CancelRetrievePropertiesEx", "RetrievePropertiesEx"]
    # RetrieveServiceContent, Login, CreateContainerView, DestroyView, Logout ran too, undelayed.
    assert state["delayed"] == {"RetrievePropertiesEx": 1}


def test_no_latency_by_default(tmp_path):
    with Lab.start(hosts=1, state_dir=str(tmp_path)) as lab:
        si = connect(lab)
        Disconnect(si)
        assert lab.latency() == {"latency_ms": 0, "jitter_ms": 0, "methods": [], "delayed": {}}
