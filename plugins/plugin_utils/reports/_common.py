# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every report format shares: severity ranks and thresholds, a finding's host and sort key,
the per-host rows, the headline (private, controller-only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import (
    RULES as _RULES, SEVERITIES as SEVERITY_ORDER, SEVERITY_RANK as _SEVERITY_RANK,
)


NEVER = "never"

_STANDALONE = "(standalone)"


def _rank(severity: Any) -> int:
    """Rank of a severity, unknown ones sorting after ``info``."""
    return _SEVERITY_RANK.get(str(severity), len(SEVERITY_ORDER))


def _at_least(severity: Any, threshold: str) -> bool:
    # "never" (a pipeline that only reports) fails nothing.
    return threshold != NEVER and _rank(severity) <= _SEVERITY_RANK[threshold]


def _check_threshold(threshold: Any) -> str:
    if threshold not in _SEVERITY_RANK and threshold != NEVER:
        raise ValueError(
            "threshold must be one of %s or %s, got %r" % (", ".join(SEVERITY_ORDER), NEVER, threshold)
        )
    return str(threshold)


def _findings(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(result.get("findings") or [])


def _summary(result: Mapping[str, Any]) -> Mapping[str, Any]:
    return result.get("summary") or {}


def _rule_attr(rule: str, attr: str) -> Any:
    """One field of a rule's catalogue entry (a RuleInfo object or a plain mapping), or None."""
    info = _RULES.get(rule)
    if isinstance(info, Mapping):
        return info.get(attr)
    return getattr(info, attr, None)


def _rule_title(rule: str) -> str:
    return str(_rule_attr(rule, "title") or rule)


def _text(value: Any) -> str:
    """A value as one line of text; ``None`` as an empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join("%s: %s" % (k, _text(v)) for k, v in value.items())
    return " ".join(str(value).split())


def _scope_text(scope: Any) -> str:
    return _text(scope)


def _cluster_label(datacenter: Any, cluster: Any, vcenter: Any = None) -> str:
    label = "%s / %s" % (datacenter or "?", cluster or _STANDALONE)
    return "%s / %s" % (vcenter, label) if vcenter else label


def _host_key(item: Mapping[str, Any], name_key: str = "name") -> tuple[str, str]:
    """Who a host is: its vCenter (set in fleet results only) and its name in that vCenter."""
    return (str(item.get("vcenter") or ""), str(item.get(name_key)))


def _finding_host(f: Mapping[str, Any]) -> tuple[str, str]:
    return _host_key(f, "host")


def _finding_key(f: Mapping[str, Any]) -> tuple[str, str]:
    """A finding's identity across runs: its stable id, qualified by its vCenter in fleet results."""
    return (str(f.get("vcenter") or ""), str(f.get("id") or "%s|%s|%s|%s" % (f.get("rule"), f.get("host"), f.get("stack"), f.get("subnet"))))


def _zero() -> dict[str, int]:
    return {s: 0 for s in SEVERITY_ORDER}


def _counts_by_host(findings: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, int]]:
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for f in findings:
        per = counts.setdefault(_finding_host(f), _zero())
        sev = str(f.get("severity"))
        if sev in per:
            per[sev] += 1
    return counts


def _host_rows(
    findings: Sequence[Mapping[str, Any]], hosts: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """One row per host: from ``hosts`` when given (so clean hosts appear), else from findings.

    ``hosts`` may be vmknic_info facts or the ``hosts`` list of a JSON report (``audited``).
    Sorted by vCenter, datacenter, cluster (standalone last), host name.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for h in hosts or []:
        key = _host_key(h)
        rows[key] = {
            "name": key[1],
            "vcenter": h.get("vcenter"),
            "datacenter": h.get("datacenter"),
            "cluster": h.get("cluster"),
            "audited": bool(h.get("audited", h.get("config_available", True))),
            "connection_state": h.get("connection_state"),
            "maintenance_mode": bool(h.get("maintenance_mode")),
            "facts": h if "vmknics" in h else None,
        }
    for f in findings:
        key = _finding_host(f)
        row = rows.setdefault(
            key,
            {
                "name": key[1],
                "vcenter": f.get("vcenter"),
                "datacenter": f.get("datacenter"),
                "cluster": f.get("cluster"),
                "audited": True,
                "connection_state": None,
                "maintenance_mode": False,
                "facts": None,
            },
        )
        if f.get("rule") == "host-not-audited":
            row["audited"] = False
    counts = _counts_by_host(findings)
    for key, row in rows.items():
        row["key"] = key
        row["counts"] = counts.get(key, _zero())
    return sorted(
        rows.values(),
        key=lambda r: (
            str(r["vcenter"] or ""),
            str(r["datacenter"] or ""),
            r["cluster"] is None,
            str(r["cluster"] or ""),
            r["name"],
        ),
    )


def _rules_fired(findings: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Findings grouped by rule, worst rule first (then most findings, then rule id)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for f in findings:
        groups.setdefault(str(f.get("rule")), []).append(f)
    return sorted(
        groups.items(),
        key=lambda item: (min(_rank(f.get("severity")) for f in item[1]), -len(item[1]), item[0]),
    )


def _count(mapping: Mapping[str, Any], key: str) -> int:
    try:
        return int(mapping.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _plural(count: int, word: str) -> str:
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def _headline(summary: Mapping[str, Any]) -> str:
    def n(key: str) -> int:
        return _count(summary, key)

    parts = [
        "%s, %s, %s" % (_plural(n("error"), "error"), _plural(n("warning"), "warning"), "%d info" % n("info")),
        "%d of %s audited" % (n("hosts_audited"), _plural(n("hosts_total"), "host")),
    ]
    if n("hosts_not_audited"):
        parts.append("%d not audited" % n("hosts_not_audited"))
    parts.append("%s with errors" % _plural(n("hosts_with_errors"), "host"))
    return "; ".join(parts)


def _cluster_counts_text(c: Mapping[str, Any]) -> str:
    text = "%s, %d audited: %s, %s, %d info" % (
        _plural(_count(c, "hosts_total"), "host"), _count(c, "hosts_audited"),
        _plural(_count(c, "error"), "error"), _plural(_count(c, "warning"), "warning"), _count(c, "info"))
    if "new" in c:
        text += "; %d new, %d resolved" % (_count(c, "new"), _count(c, "resolved"))
    return text


def _host_state(row: Mapping[str, Any]) -> str:
    if not row["audited"]:
        return "not audited (%s)" % (row.get("connection_state") or "not connected")
    if row.get("maintenance_mode"):
        return "audited (maintenance mode)"
    return "audited"
