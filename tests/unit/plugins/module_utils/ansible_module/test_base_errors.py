# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VsphereModule's one error path: the session and the scope read raise ModuleFailure, and run()
is the one place a ModuleFailure becomes fail_json, with the message and result keys as raised."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pyVmomi import vim

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module import _base
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import ModuleFailure, ScopeError, VsphereConnectionError


class Exited(Exception):
    """Stands in for the SystemExit that exit_json / fail_json end with."""

    def __init__(self, how: str, result: dict[str, Any]):
        super().__init__(how)
        self.how, self.result = how, result


def fake_module(**params: Any) -> SimpleNamespace:
    def exit_json(**result: Any) -> None:
        raise Exited("exit", result)

    def fail_json(**result: Any) -> None:
        raise Exited("fail", result)

    module = SimpleNamespace(params={"datacenter": None, "clusters": None, "esxi_hostnames": None, **params},
                             exit_json=exit_json, fail_json=fail_json, warn=lambda message: None)
    module.session = lambda action: VsphereModule.session(module, action)
    return module


@pytest.fixture()
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """connect() hands out a session and disconnect() records each logout."""
    logouts: list[str] = []
    monkeypatch.setattr(_base, "connect", lambda params: "si")
    monkeypatch.setattr(_base, "disconnect", logouts.append)
    return logouts


def test_run_exits_with_the_result_or_fails_with_the_failure():
    module = fake_module()
    with pytest.raises(Exited) as done:
        VsphereModule.run(module, lambda: {"changed": False, "hosts": []})
    assert (done.value.how, done.value.result) == ("exit", {"changed": False, "hosts": []})

    def failing() -> dict[str, Any]:
        raise ModuleFailure("2 finding(s) at or above 'error' on 1 host(s)", changed=False, findings=[{"rule": "r"}])

    with pytest.raises(Exited) as done:
        VsphereModule.run(module, failing)
    assert (done.value.how, done.value.result) == (
        "fail", {"msg": "2 finding(s) at or above 'error' on 1 host(s)", "changed": False, "findings": [{"rule": "r"}]})


def test_connection_error_is_a_module_failure(monkeypatch: pytest.MonkeyPatch):
    def refuse(params: dict) -> None:
        raise VsphereConnectionError("Cannot connect to vcenter.example:443: connection refused")

    monkeypatch.setattr(_base, "connect", refuse)
    with pytest.raises(ModuleFailure) as failure, VsphereModule.session(fake_module(), "read vmknic facts"):
        pytest.fail("the body must not run without a session")
    assert (failure.value.msg, failure.value.result) == ("Cannot connect to vcenter.example:443: connection refused", {})


def test_vsphere_fault_names_the_action_and_logs_out(sessions: list[str]):
    with pytest.raises(ModuleFailure) as failure, VsphereModule.session(fake_module(), "audit vmknics") as service_instance:
        assert service_instance == "si"
        raise vim.fault.NotFound(msg="host-9 is gone")
    assert failure.value.msg == "Failed to audit vmknics: NotFound: host-9 is gone"
    assert sessions == ["si"]


def test_a_failure_inside_the_session_passes_unchanged_and_logs_out(sessions: list[str]):
    raised = ModuleFailure("vmk1: refused", problems=["a"])
    with pytest.raises(ModuleFailure) as failure, VsphereModule.session(fake_module(), "change vmk1"):
        raise raised
    assert failure.value is raised
    assert sessions == ["si"]


def test_bad_scope_is_a_module_failure(monkeypatch: pytest.MonkeyPatch, sessions: list[str]):
    def gather(service_instance: Any, datacenter: Any, clusters: Any, esxi_hostnames: Any, warn: Any) -> list:
        raise ScopeError(f"cluster(s) not found: {', '.join(clusters)}")

    monkeypatch.setattr(_base, "gather", gather)
    module = fake_module(clusters=["C9", ""])
    with pytest.raises(ModuleFailure) as failure:
        VsphereModule.read_scope(module, "read vmknic facts")
    assert failure.value.msg == "Invalid scope: cluster(s) not found: C9"
    assert sessions == ["si"]
