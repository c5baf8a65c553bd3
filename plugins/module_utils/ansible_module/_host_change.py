# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the declarative per-host modules (vmknic, iscsi_port_binding, standard_portgroup) share (private).

One host, one declared change: read the host's facts, let the request build the target facts and
plan them (``host_requests._request.plan_change``: the remediation planner's reconcile and simulate, plus
the shared refusals), then apply through ``HostApplier``, which checks for drift, makes the calls,
reads the host back, verifies it against the prediction and rolls it back on any failure. The
result has the resource-module shape: ``before`` as read, ``commands`` (the vSphere calls),
``after`` as predicted in check mode and as read back after a real run.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._applier import FAILURE_SUMMARY, FAILURES, PLANNED, HostApplier, RecordKeeper
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._attachable import attachable_portgroups
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import gather, iscsi_migration_dependencies, read_topology
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._request import Change, Request, plan_change
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import InvalidOptions, ModuleFailure, PlanError, ScopeError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._vsphere_ops import OperationRunner, host_object, record_field_key, record_writer


def host_change_argument_spec(**options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The options every per-host module has (kept in step with doc_fragments/host_change.py), plus ``options``."""
    spec: dict[str, dict[str, Any]] = dict(
        esxi_hostname=dict(type="str", required=True),
        allow_management_change=dict(type="bool", default=False),
    )
    spec.update(options)
    return spec


class _HostReader:
    """Reads one host's facts; the inventory is read once (it does not change during one host's change)."""

    def __init__(self, service_instance: Any, name: str) -> None:
        self.service_instance = service_instance
        self.name = name
        self.topology = read_topology(service_instance.RetrieveContent())
        self.last: dict = {}

    def read(self) -> dict:
        self.last = gather(self.service_instance, esxi_hostnames=[self.name], topology=self.topology)[0]
        return self.last


def _result(name: str, change: Change, outcome: dict, state_after: dict, diff: bool) -> dict[str, Any]:
    desired = change.desired
    result: dict[str, Any] = dict(outcome)
    result.update(host=name, before=desired.before, after=desired.view(state_after))
    if diff:
        predicted = outcome["status"] == PLANNED
        result["diff"] = {"before": desired.before or {}, "after": result["after"] or {},
                          "before_header": f"{name} (read)", "after_header": f"{name} ({'predicted' if predicted else 'read back'})"}
    return result


def run_host_change(module: VsphereModule, request_type: type[Request], action: str) -> None:
    """The whole module run: ``request_type.from_params(params)`` validates the options, its
    ``desired(host)`` builds the target; everything else is the same for every per-host module."""
    module.run(lambda: _change_host(module, request_type, action))


def _change_host(module: VsphereModule, request_type: type[Request], action: str) -> dict[str, Any]:
    """The result of one per-host module run; ModuleFailure when it fails."""
    params = module.params
    name = params["esxi_hostname"]
    try:
        request = request_type.from_params(params)
    except InvalidOptions as error:
        raise ModuleFailure("Invalid options: " + "; ".join(error.problems), problems=error.problems) from None
    with module.session(f"{action} on {name}") as service_instance:
        reader = _HostReader(service_instance, name)
        try:
            before = reader.read()
        except ScopeError as error:
            raise ModuleFailure(f"{name}: {error}") from None
        host = host_object(service_instance, before["moid"])
        try:
            change = plan_change(before, request, params["allow_management_change"],
                                 lambda pnics: iscsi_migration_dependencies(host, pnics),
                                 attachable_portgroups(service_instance, host))
        except PlanError as error:
            raise ModuleFailure(f"{name}: " + "; ".join(error.problems) + " (nothing was changed)", problems=error.problems) from None
        runner = OperationRunner(host)
        records = None
        content = service_instance.RetrieveContent()
        if not module.check_mode and change.entry["operations"]:
            # The same change records as remediation_apply (docs/remediation.md): written before the
            # first call, cleared once verified; none on a direct ESXi connection.
            reader.topology["record_field"] = record_field_key(content, reader.topology["record_field"])
        if reader.topology["record_field"] is not None:
            records = RecordKeeper(record_writer(content, host, reader.topology["record_field"]), params["timeout"] or 0)
        applier = HostApplier(reader.read, runner.run, records=records, renamed=lambda: runner.renamed)
        outcome = applier.apply(change.entry, module.check_mode)
    # Check mode shows the prediction; otherwise the host as last read (read back after the calls,
    # after the rollback, or unchanged).
    state_after = change.entry["after"] if outcome["status"] == PLANNED else reader.last
    for warning in change.warnings:
        module.warn(warning)
    result = _result(name, change, outcome, state_after, module._diff)
    if outcome["status"] in FAILURES:
        raise ModuleFailure(f"{name}: {outcome['error']} ({FAILURE_SUMMARY[outcome['status']]})", **result)
    return result
