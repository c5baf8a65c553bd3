# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative per-host changes as plain data (private): what the per-host modules share.

A request (``_vmknic``, ``_binding``, ``_portgroup``) validates its module's options
(``from_params``, InvalidOptions) and, given one host's facts (docs/facts.md), builds the *target*
facts: a deep copy of the host with the declared settings (``desired``, Refused when the change is
not safe or not possible). ``plan_change`` then lets the planner do the rest, exactly as a
remediation does: ``reconcile`` gives the ordered operations, ``simulate`` the predicted state, and
the shared checks refuse what no module may do (the management vmknic, iSCSI bindings that would
break). No pyVmomi, no Ansible: the one vSphere question asked here (QueryMigrationDependencies)
comes in as a callable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import find_portgroup, simulate
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import find_vmknic
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import (
    VcenterPathWatch, dedicated_stack_problems, management_problems, post_change_errors, teaming_text, untrusted_facts,
)

DependencyQuery = Callable[[list[str]], dict]
View = Callable[[dict], Any]


class Refused(PlanError):
    """The declared state cannot be reached safely on this host; nothing is changed."""


@dataclass
class Desired:
    """A request resolved against one host: the facts to reach, and how to show the resource."""

    target: dict
    before: Any                 # the resource as read (the module's RV(before))
    view: View                  # the resource in any later state of the host (RV(after))
    force_unbind: bool = False  # UnbindVnic with force (iscsi_port_binding's force option)
    warnings: list[str] = field(default_factory=list)


class Request(Protocol):
    """What a per-host module declares: validated options that resolve against one host's facts."""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "Request":
        ...

    def desired(self, host: dict, attachable: Sequence[dict] = ()) -> Desired:
        """``attachable``: dvPortgroups the host's facts do not list that a vmknic could be placed
        on (vsphere/_attachable.py); only a request that places vmknics uses them."""


@dataclass
class Change:
    """What a module applies: the HostApplier entry, and warnings for the user."""

    entry: dict
    desired: Desired
    warnings: list[str] = field(default_factory=list)


# =========================================================================== facts lookups


def portgroup_holders(host: dict, pg: dict) -> list[str]:
    return [n["device"] for n in host.get("vmknics") or ()
            if (n.get("switch"), n.get("portgroup")) == (pg["switch"], pg["name"])]


def iscsi_bindings(nic: dict) -> dict[str, dict]:
    return {b["adapter"]: b for b in nic.get("iscsi_bindings") or () if b.get("adapter")}


def listed(items: Any) -> str:
    return ", ".join(items) or "none"


def check_host(host: dict) -> None:
    """Only a connected host with complete facts is changed (as the planner plans only those)."""
    distrust = untrusted_facts(host)
    if distrust == "state":
        raise Refused([f"host is {host.get('connection_state')}; its configuration is not trusted and it is not changed"])
    if distrust == "facts":
        raise Refused(["the host's facts are incomplete (" + "; ".join(host["errors"]) + ")"])


# =========================================================================== the change


def _iscsi_problems(before: dict, after: dict, dependencies: DependencyQuery) -> list[str]:
    """Changes under an iSCSI-bound vmknic that would break its binding: a port group whose teaming
    makes the binding non-compliant, or that takes away an uplink iSCSI depends on (ESXi's
    QueryMigrationDependencies; ESXI-NETWORKING.md 4.6)."""
    problems = []
    for nic in before.get("vmknics") or ():
        bound = iscsi_bindings(nic)
        new = find_vmknic(after, nic["device"])
        if not bound or new is None:
            continue
        old_pg = find_portgroup(before, nic.get("portgroup"), nic.get("switch")) or {}
        new_pg = find_portgroup(after, new.get("portgroup"), new.get("switch")) or {}
        for adapter, binding in sorted(iscsi_bindings(new).items()):
            if binding.get("compliant") is False and (bound.get(adapter) or {}).get("compliant") is not False:
                reasons = binding.get("compliance_reasons") or ()
                rebind = ("; the binding belongs to the uplink it was made with: unbind "
                          f"{nic['device']}, change the uplink, then bind it again") if "IscsiFaultVnicHasWrongUplink" in reasons else ""
                problems.append(f"{nic['device']} is bound to iSCSI adapter {adapter}; port group {new_pg.get('name')} "
                                f"would have {teaming_text(new_pg)}, which makes the binding non-compliant "
                                f"({', '.join(reasons)}){rebind}")
        new_active = set((new_pg.get("teaming") or {}).get("active") or ())
        leaving = [u for u in (old_pg.get("teaming") or {}).get("active") or () if u not in new_active]
        if not leaving:
            continue
        answer = dependencies(leaving)
        if answer.get("error"):
            # Unknown is treated as "depends": iSCSI-bound vmknics are not to be changed blindly.
            problems.append(f"{nic['device']} is bound to iSCSI adapter {', '.join(sorted(bound))} and this takes uplink "
                            f"{', '.join(leaving)} away from its port group {old_pg.get('name')}; ESXi could not say "
                            f"whether iSCSI depends on it (QueryMigrationDependencies: {answer['error']}); unbind "
                            f"{nic['device']} first")
            continue
        if answer.get("allowed", True):
            continue
        mine = [d for d in answer.get("dependencies") or () if d.get("vmknic") == nic["device"]]
        held = ", ".join(f"{d['pnic']} carries {d['vmknic']} bound to {d['adapter']}" for d in mine or answer.get("dependencies") or ())
        problems.append(f"{nic['device']} is bound to iSCSI adapter {', '.join(sorted(bound))} and this takes uplink "
                        f"{', '.join(leaving)} away from its port group {old_pg.get('name')}; ESXi does not allow it "
                        f"({held or ', '.join(answer.get('reasons') or ())}); unbind {nic['device']} first")
    return problems


def _new_errors(before: dict, after: dict) -> list[str]:
    """The warnings of the post-change audit (safety/_rules.py post_change_errors)."""
    def errors(host: dict) -> list[dict]:
        return [f for f in analyse([host])["findings"] if f["severity"] == "error"]
    return [f"after this change the audit reports {f['rule']}: {f['message']}"
            for f in post_change_errors(errors(before), errors(after))]


def plan_change(before: dict, request: Request, allow_management_change: bool, dependencies: DependencyQuery,
                attachable: Sequence[dict] = ()) -> Change:
    """The HostApplier entry that makes ``before`` what ``request`` declares, or Refused/PlanError.
    ``request`` has ``desired(host, attachable) -> Desired``; ``dependencies(pnics)`` answers
    QueryMigrationDependencies (asked only when an iSCSI-bound vmknic's port group loses an uplink);
    ``attachable``: the dvPortgroups of the host's distributed switches (vsphere/_attachable.py)."""
    check_host(before)
    desired = request.desired(before, attachable)
    operations = reconcile(before, desired.target)
    if desired.force_unbind:
        operations = [dict(op, force=True) if op["op"] == "UnbindVnic" else op for op in operations]
    vcenter_path = VcenterPathWatch("this")
    after = simulate(before, operations, portgroups=attachable, watch=vcenter_path)
    # Vmknics are compared by port group: the device of one to be created is ESXi's choice.
    unreachable = state_differences(desired.target, after, by_device=False)
    if unreachable:
        raise Refused(["the planned operations would not reach the declared state (" + "; ".join(unreachable) + ")"])
    problems = management_problems(before, operations, allow_management_change, "this") or vcenter_path.problems
    problems += _iscsi_problems(before, after, dependencies)
    if problems:
        raise Refused(problems)
    entry = {"host": before["name"], "operations": operations, "before": before, "after": after}
    return Change(entry, desired, desired.warnings + _stack_warnings(before, after) + _new_errors(before, after))


def _stack_warnings(before: dict, after: dict) -> list[str]:
    """Warned, not refused as the planner does: a module changes one vmknic per call, and moving
    several onto a dedicated stack passes through the state where some are left behind."""
    return [f"after this change {problem}; move {', '.join(problem.tagged)} to the {problem.stack} stack as well, or "
            f"drop the {problem.service} tag there" for problem in dedicated_stack_problems(before, after)]
