# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of this collection's modules (private).

It adds the connection options, reports a missing pyVmomi cleanly, and turns connection and
vSphere faults into one readable ``msg`` instead of a traceback.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._result import (
    EncodedPart, encoded_parts, encoded_with_parts, module_encoder, scrub_only_where_needed,
)
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
        self._encoded_parts: dict[str, EncodedPart] = {}
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super().__init__(argument_spec=spec, **kwargs)
        if not HAS_PYVMOMI:
            self.fail_json(msg=missing_required_lib("pyVmomi"), exception=str(PYVMOMI_IMPORT_ERROR))

    def exit_json(self, **kwargs: Any) -> Any:
        with self._cheap_exit(kwargs):
            super().exit_json(**kwargs)

    def fail_json(self, *args: Any, **kwargs: Any) -> Any:
        with self._cheap_exit(kwargs):
            super().fail_json(*args, **kwargs)

    @contextmanager
    def _cheap_exit(self, result: dict[str, Any]) -> Iterator[None]:
        """While exiting: the result's large parts that hold exact builtin types and no no_log
        value skip Ansible's scrub and are written as their C-encoded text (_result.py)."""
        self._encoded_parts = encoded_parts(result, getattr(self, "no_log_values", None))
        try:
            with scrub_only_where_needed(self._encoded_parts):
                yield
        finally:
            self._encoded_parts = {}

    def jsonify(self, data: Any) -> str:
        """ansible-core 2.16-2.18 write the result as ``self.jsonify(kwargs)``."""
        return encoded_with_parts(data, self._encoded_parts, super().jsonify) or super().jsonify(data)

    def _record_module_result(self, o: dict[str, Any]) -> None:
        """ansible-core 2.19+ write the result here, an internal hook that ansible-core keeps for
        bypassing its result encoder. Its own encoder writes everything but the parts; without
        that encoder (another ansible-core) the hook runs as it is."""
        encoder = module_encoder()
        text = None if encoder is None else encoded_with_parts(o, self._encoded_parts, lambda rest: json.dumps(rest, cls=encoder))
        if text is None:
            super()._record_module_result(o)  # pylint: disable=no-member
            return
        sys.stdout.write(f"\n{text}\n")  # what the hook itself prints

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
