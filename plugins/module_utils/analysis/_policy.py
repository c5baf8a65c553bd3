# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's policy (private): allow-list entries and severity overrides, validated and matched."""

from __future__ import annotations

import fnmatch
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._addresses import parse_net
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._rules import RULES, SEVERITIES, SEVERITY_RANK

_ALLOW_KEYS = ("host", "vmknics", "subnet", "rule", "reason")


def validate_policy(allow_list: Any = None, severity_overrides: Any = None) -> list[str]:
    """Problems with an allow-list and severity overrides, as sentences; empty when both are fine."""
    problems: list[str] = []
    if severity_overrides is not None:
        if not isinstance(severity_overrides, dict):
            problems.append("severity_overrides must be a mapping of rule id to severity")
        else:
            for rule, sev in sorted(severity_overrides.items(), key=lambda kv: str(kv[0])):
                if rule not in RULES:
                    problems.append(f"severity_overrides: unknown rule {rule!r}")
                if sev not in SEVERITY_RANK:
                    problems.append(
                        f"severity_overrides[{rule!r}]: unknown severity {sev!r} "
                        f"(expected {', '.join(SEVERITIES)})"
                    )
    if allow_list is None:
        return problems
    if not isinstance(allow_list, list):
        return problems + ["allow_list must be a list of entries"]
    for index, entry in enumerate(allow_list):
        where = f"allow_list[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        for key in sorted(set(entry) - set(_ALLOW_KEYS), key=str):
            problems.append(f"{where}: unknown key {key!r} (expected {', '.join(_ALLOW_KEYS)})")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}: 'reason' is required and must be a non-empty string")
        host = entry.get("host", "*")
        if not isinstance(host, str) or not host:
            problems.append(f"{where}: 'host' must be a non-empty fnmatch pattern")
        vmknics = entry.get("vmknics")
        if vmknics is not None and (
            not isinstance(vmknics, list) or not vmknics
            or not all(isinstance(v, str) and v for v in vmknics)
        ):
            problems.append(f"{where}: 'vmknics' must be a non-empty list of vmknic names")
        subnet = entry.get("subnet")
        if subnet is not None:
            # Parsed by the same code that matches, so what validates is what matches.
            if not isinstance(subnet, str) or "/" not in subnet or parse_net(subnet) is None:
                problems.append(f"{where}: 'subnet' {subnet!r} is not a valid CIDR")
        rule = entry.get("rule")
        if rule is not None and rule not in RULES:
            problems.append(f"{where}: unknown rule {rule!r}")
        # An entry with no criteria would silence the whole audit; make that explicit instead.
        if host in ("*", None) and vmknics is None and subnet is None and rule is None:
            problems.append(f"{where}: matches every finding; set at least one of host, vmknics, subnet, rule")
    return problems


def compile_allow_list(allow_list: list[dict]) -> list[tuple[int, dict, Any]]:
    compiled = []
    for index, entry in enumerate(allow_list):
        subnet = entry.get("subnet")
        net = parse_net(subnet) if subnet is not None else None
        compiled.append((index, entry, net))
    return compiled


def allow_match(finding: dict, compiled: list[tuple[int, dict, Any]]) -> dict | None:
    host = (finding["host"] or "").lower()
    for index, entry, net in compiled:
        pattern = entry.get("host", "*")
        if not fnmatch.fnmatchcase(host, pattern.lower()):
            continue
        if entry.get("rule") is not None and entry["rule"] != finding["rule"]:
            continue
        if entry.get("vmknics") is not None and not set(entry["vmknics"]) <= set(finding["vmknics"]):
            continue
        if net is not None:
            if finding["subnet"] is None:
                continue
            fnet = parse_net(finding["subnet"])
            if fnet is None or not net.contains(fnet):
                continue
        match: dict[str, Any] = {"entry": index, "host": pattern}
        for key in ("rule", "vmknics", "subnet"):
            if entry.get(key) is not None:
                match[key] = str(net) if key == "subnet" else entry[key]
        return {"reason": entry["reason"], "match": match}
    return None
