# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of this collection's modules (private).

It adds the connection options, reports a missing pyVmomi cleanly, and turns connection and
vSphere faults into one readable ``msg`` instead of a traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.vmkernel.multihoming.plugins.module_utils._errors import describe
from ansible_collections.vmkernel.multihoming.plugins.module_utils._gather import ScopeError, gather
from ansible_collections.vmkernel.multihoming.plugins.module_utils._connection import (
    HAS_PYVMOMI,
    PYVMOMI_IMPORT_ERROR,
    VsphereConnectionError,
    connect,
    connection_argument_spec,
    disconnect,
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

    @contextmanager
    def session(self, action: str) -> Iterator[Any]:
        """Yield a logged-in ServiceInstance; log out afterwards; fail cleanly on errors.

        ``action`` completes "Failed to ..." in the message of an unexpected vSphere fault.
        """
        try:
            service_instance = connect(self.params)
        except VsphereConnectionError as error:
            self.fail_json(msg=str(error))
        try:
            yield service_instance
        except vmodl.MethodFault as fault:
            self.fail_json(msg=f"Failed to {action}: {describe(fault)}")
        finally:
            disconnect(service_instance)

    def read_scope(self, action: str) -> list[dict[str, Any]]:
        """The facts of every host in the scope options (scope_argument_spec); fail on a bad scope."""
        hosts: list[dict[str, Any]] = []
        # Blank values mean "no limit": AWX surveys send "" for an unanswered optional question.
        datacenter = self.params["datacenter"] or None
        clusters = [name for name in self.params["clusters"] or [] if name] or None
        esxi_hostnames = [name for name in self.params["esxi_hostnames"] or [] if name] or None
        with self.session(action) as service_instance:
            try:
                hosts = gather(service_instance, datacenter, clusters, esxi_hostnames, warn=self.warn)
            except ScopeError as error:
                self.fail_json(msg=f"Invalid scope: {error}")
        return hosts
