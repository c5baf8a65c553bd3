# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of this collection's modules (private).

It adds the connection options, reports a missing pyVmomi cleanly, and turns connection and
vSphere faults into one readable ``msg`` instead of a traceback.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ansible.module_utils import basic as _basic
from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import ModuleFailure, ScopeError, VsphereConnectionError, describe
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._gather import gather
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import (
    HAS_PYVMOMI, PYVMOMI_IMPORT_ERROR, connect, connection_argument_spec, disconnect,
)

if HAS_PYVMOMI:
    from pyVmomi import vmodl


def scope_argument_spec() -> dict[str, dict[str, Any]]:
    """Which hosts a module reads (kept in step with doc_fragments/scope.py)."""
    return dict(
        datacenter=dict(type="str", aliases=["datacenter_name"]),
        clusters=dict(type="list", elements="str", aliases=["cluster_name", "cluster"]),
        esxi_hostnames=dict(type="list", elements="str", aliases=["esxi_hostname"]),
    )


class VsphereModule(AnsibleModule):
    """AnsibleModule with the shared connection options and a managed vSphere session."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super().__init__(argument_spec=spec, **kwargs)
        if not HAS_PYVMOMI:
            self.fail_json(msg=missing_required_lib("pyVmomi"), exception=str(PYVMOMI_IMPORT_ERROR))

    def exit_json(self, **kwargs: Any) -> Any:
        with _scrub_only_where_needed(kwargs, getattr(self, "no_log_values", None)):
            super().exit_json(**kwargs)

    def fail_json(self, *args: Any, **kwargs: Any) -> Any:
        with _scrub_only_where_needed(kwargs, getattr(self, "no_log_values", None)):
            super().fail_json(*args, **kwargs)

    def run(self, work: Callable[[], dict[str, Any]]) -> None:
        """Exit with the result ``work()`` returns. The one place a module turns the collection's
        errors into a failed result: a ModuleFailure raised anywhere in ``work`` fails the module
        with its message and result keys."""
        try:
            result = work()
        except ModuleFailure as failure:
            self.fail_json(msg=failure.msg, **failure.result)
        self.exit_json(**result)

    @contextmanager
    def session(self, action: str) -> Iterator[Any]:
        """Yield a logged-in ServiceInstance; log out afterwards; fail cleanly on errors.

        ``action`` completes "Failed to ..." in the message of an unexpected vSphere fault. Raises
        ModuleFailure (for ``run``) when connecting fails or a vSphere fault escapes.
        """
        try:
            service_instance = connect(self.params)
        except VsphereConnectionError as error:
            raise ModuleFailure(str(error)) from None
        try:
            yield service_instance
        except vmodl.MethodFault as fault:
            raise ModuleFailure(f"Failed to {action}: {describe(fault)}") from None
        finally:
            disconnect(service_instance)

    def read_scope(self, action: str, then: Callable[[Any, list[dict[str, Any]]], None] | None = None) -> list[dict[str, Any]]:
        """The facts of every host in the scope options (scope_argument_spec); fail on a bad scope.
        ``then(service_instance, hosts)``: a further read in the same session."""
        hosts: list[dict[str, Any]] = []
        # Blank values mean "no limit": AWX surveys send "" for an unanswered optional question.
        datacenter = self.params["datacenter"] or None
        clusters = [name for name in self.params["clusters"] or [] if name] or None
        esxi_hostnames = [name for name in self.params["esxi_hostnames"] or [] if name] or None
        with self.session(action) as service_instance:
            try:
                hosts = gather(service_instance, datacenter, clusters, esxi_hostnames, warn=self.warn)
            except ScopeError as error:
                raise ModuleFailure(f"Invalid scope: {error}") from None
            if then is not None:
                then(service_instance, hosts)
        return hosts


# ---- the result's no_log scrub (docs/benchmarks.md, "Result cost") ----
#
# Every ansible-core from 2.16 to 2.21 ends exit_json/fail_json with
# ``kwargs = remove_values(kwargs, self.no_log_values)`` (the name imported into
# ansible.module_utils.basic), a pure-Python walk that rebuilds the whole result even when there is
# nothing to hide: at 1000 hosts ~0.6-0.9 s for vmknic_info's facts. The walk only changes a
# string that contains a no_log value (or a number whose text does). So for each large part of
# the result, one C-speed json.dumps shows whether any no_log value occurs in it at all; a part
# where none occurs is exactly what remove_values would return, and is passed through unwalked.
# Every other part, and everything Ansible adds (invocation, warnings), still goes through
# Ansible's own remove_values.


def _free_of(value: Any, secrets: set) -> bool:
    """True when no secret occurs anywhere in value: in no string, no key, no number's text.

    JSON escaping (ensure_ascii=False) escapes character by character, so a secret inside a string
    appears in the text as the escaped secret. Values JSON cannot encode (sets, bytes, NaN) give
    False: let Ansible walk those."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return False
    for secret in secrets:
        escaped = json.dumps(to_native(secret, errors="surrogate_or_strict"), ensure_ascii=False)[1:-1]
        if not escaped or escaped in text:
            return False
    return True


@contextmanager
def _scrub_only_where_needed(result: dict[str, Any], secrets: Any) -> Iterator[None]:
    """While exiting: Ansible's remove_values skips the containers of ``result`` proven free of
    every no_log value; everything else is scrubbed by Ansible as before."""
    clean = {} if secrets is None else {
        key: value for key, value in result.items() if isinstance(value, (dict, list)) and _free_of(value, secrets)}
    if not clean:
        yield
        return
    original: Callable[[Any, Any], Any] = _basic.remove_values

    def remove_values(value: Any, no_log_strings: Any) -> Any:
        kept = {key: part for key, part in clean.items() if isinstance(value, dict) and value.get(key) is part}
        if not kept:
            return original(value, no_log_strings)
        scrubbed = original({key: item for key, item in value.items() if key not in kept}, no_log_strings)
        return {key: kept[key] if key in kept else scrubbed[key] for key in value}

    _basic.remove_values = remove_values
    try:
        yield
    finally:
        _basic.remove_values = original
