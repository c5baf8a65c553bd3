# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation filters. Each is documented in the sidecar file of its name (remediation_lines.yml,
remediation_intent.yml).

The file is named after one of its filters: Galaxy's importer lists every .py file of plugins/filter
as a filter of that name, so a file named otherwise would appear as an undocumented filter."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Optional

import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._intent import validate_intent


def remediation_lines(plan: Any) -> list[str]:
    """One line per planned operation in execution order: the vCenter-level ones first
    (``vCenter: description``), then ``host: description``."""
    if isinstance(plan, Mapping) and "plan" in plan:
        plan = plan["plan"]
    if not isinstance(plan, Mapping) or not isinstance(plan.get("hosts"), list):
        raise AnsibleFilterError("remediation_lines: expects the plan of remediation_plan_info (a dict with 'hosts')")
    lines = [f"vCenter: {operation.get('description') or operation.get('op')}"
             for operation in (plan.get("vcenter") or {}).get("operations") or []]
    for entry in plan["hosts"]:
        for operation in entry.get("operations") or []:
            lines.append(f"{entry.get('host')}: {operation.get('description') or operation.get('op')}")
    return lines


def _intent_file_candidates(path: str, search: list[str]) -> list[str]:
    """Where a relative intent file may be: the current directory (the AWX project's checkout, or
    the user's shell), then each of ``search`` in order."""
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return [path]
    dirs = [os.getcwd()] + [str(d) for d in search if d]
    candidates: list[str] = []
    for directory in dirs:
        candidate = os.path.normpath(os.path.join(directory, path))
        if candidate not in candidates:
            candidates.append(candidate)
    return candidates


def _read_intent_file(path: str, search: list[str]) -> tuple[Optional[str], Any, Optional[str]]:
    """(resolved path, its intent, problem): the file's ``remediate_intent`` key, or the whole
    file when it has none."""
    candidates = _intent_file_candidates(path, search)
    found = next((c for c in candidates if os.path.isfile(c)), None)
    if found is None:
        return None, None, f"remediate_intent_file: {path} was not found (looked for {', '.join(candidates)})"
    try:
        with open(found, encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return found, None, f"remediate_intent_file: {found} cannot be read as YAML ({first_line})"
    if isinstance(data, Mapping) and "remediate_intent" in data:
        data = data["remediate_intent"]
    if not isinstance(data, Mapping):
        kind = "is empty" if data is None else f"holds a {_kind(data)}"
        return found, None, (f"remediate_intent_file: {found} {kind}, not an intent (a mapping with 'classes', "
                             "at the top or under 'remediate_intent')")
    return found, data, None


def _kind(value: Any) -> str:
    return "string" if isinstance(value, str) else "list" if isinstance(value, list) else type(value).__name__


def remediation_intent(intent: Any, intent_file: Any = None, search: Optional[list] = None) -> dict:
    """The remediate role's intent from ``remediate_intent`` (``intent``) or ``remediate_intent_file``,
    checked: ``{"intent", "source", "problems"}``, where each problem is a sentence naming the
    variable. Never raises on bad input, so that the role can fail with one clear line."""
    has_intent = intent is not None and intent != ""
    has_file = intent_file is not None and intent_file != ""
    if has_intent and has_file:
        return {"intent": None, "source": None,
                "problems": ["remediate_intent and remediate_intent_file are both set: give one of them"]}
    if not has_intent and not has_file:
        return {"intent": None, "source": None,
                "problems": ["remediate_intent is not set: give the intent (docs/remediation.md) as remediate_intent, "
                             "or the path of a YAML file holding it as remediate_intent_file"]}
    if has_file:
        if not isinstance(intent_file, str):
            return {"intent": None, "source": None,
                    "problems": [f"remediate_intent_file must be a path, got a {_kind(intent_file)}"]}
        source, intent, problem = _read_intent_file(intent_file, list(search or []))
        if problem:
            return {"intent": None, "source": source, "problems": [problem]}
        where = f"remediate_intent_file {source}"
    else:
        source, where = "remediate_intent", "remediate_intent"
        if not isinstance(intent, Mapping):
            return {"intent": None, "source": source, "problems": [
                f"remediate_intent must be a mapping with 'classes' (docs/remediation.md), got a {_kind(intent)}"]}
    return {"intent": intent, "source": source, "problems": [f"{where}: {p}" for p in validate_intent(intent)]}


class FilterModule:
    """vmkernel.multihoming remediation filters."""

    def filters(self) -> dict:
        return {"remediation_lines": remediation_lines, "remediation_intent": remediation_intent}
