# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation filters. Documentation lives in the sidecar file remediation_lines.yml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError


def remediation_lines(plan: Any) -> list[str]:
    """One line per planned operation, ``host: description``, in execution order."""
    if isinstance(plan, Mapping) and "plan" in plan:
        plan = plan["plan"]
    if not isinstance(plan, Mapping) or not isinstance(plan.get("hosts"), list):
        raise AnsibleFilterError("remediation_lines: expects the plan of remediation_plan_info (a dict with 'hosts')")
    lines = []
    for entry in plan["hosts"]:
        for operation in entry.get("operations") or []:
            lines.append(f"{entry.get('host')}: {operation.get('description') or operation.get('op')}")
    return lines


class FilterModule:
    """vmkernel.multihoming remediation filters."""

    def filters(self) -> dict:
        return {"remediation_lines": remediation_lines}
