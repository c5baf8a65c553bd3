# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Markdown report (private, controller-only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import SEVERITIES as SEVERITY_ORDER
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import (
    _cluster_label, _finding_key, _findings, _headline, _host_rows, _host_state, _rule_attr, _rule_title, _rules_fired, _summary, _text,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import (
    _CHANGE_COLUMNS, _CLUSTER_COLUMNS, _GONE_SECTIONS, _change_states, _changes, _run, _run_lines, change_line, cluster_summary,
)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def _md(value: Any) -> str:
    """Plain text safe inside a GitHub-flavoured Markdown table cell."""
    return _MD_SPECIAL.sub(r"\\\1", _text(value))


def _md_code(value: Any) -> str:
    """A code span; GFM splits table cells on ``|`` even inside code, so that stays escaped."""
    text = _text(value)
    if not text:
        return ""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, pad, text.replace("|", "\\|"), pad, fence)


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _md_finding_place(f: Mapping[str, Any]) -> list[str]:
    return [
        _md(f.get("host")),
        _md(_cluster_label(f.get("datacenter"), f.get("cluster"), f.get("vcenter"))),
        _md_code(f.get("stack")),
        _md_code(f.get("subnet")),
    ]


def _md_changes(findings: Sequence[Mapping[str, Any]], hosts: Sequence[Mapping[str, Any]] | None, changes: Mapping[str, Any] | None) -> list[str]:
    """Clusters table, and with a previous report the change counts and what went away."""
    out = ["## Clusters", ""]
    clusters = cluster_summary(findings, hosts, changes)
    cols = _CLUSTER_COLUMNS + (_CHANGE_COLUMNS if changes is not None else ())
    out += _md_table([label for label, key in cols],
                     [[_md(_cluster_label(c["datacenter"], c["cluster"], c.get("vcenter")))] + [str(c[key]) for label, key in cols if key]
                      for c in clusters])
    out.append("")
    if changes is None:
        return out
    out += ["## Changes since the previous run", "", "**%s.**" % _md(change_line(changes)), ""]
    for state, title in _GONE_SECTIONS:
        gone = changes.get(state) or []
        if gone:
            out += ["### %s" % title, ""]
            out += _md_table(["Severity", "Rule", "Host", "Datacenter / cluster", "Stack", "Subnet", "Message", "Id"],
                             [[_md(f.get("severity")), _md_code(f.get("rule")), *_md_finding_place(f), _md(f.get("message")), _md_code(f.get("id"))]
                              for f in gone])
            out.append("")
    return out


def render_markdown(
    result: Mapping[str, Any],
    hosts: Sequence[Mapping[str, Any]] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> str:
    """A Markdown report: metadata, summary, clusters, changes, rules that fired, every finding, remediation, hosts."""
    findings = _findings(result)
    summary = _summary(result)
    changes = _changes(result, hosts, previous)
    states = _change_states(result, changes)
    out = ["# VMkernel multi-homing audit", ""]

    meta = ["%s: %s" % (label, _md(text)) for label, text in _run_lines(_run(result))]
    if meta:
        out += ["  \n".join(meta), ""]

    out += ["**%s.**" % _md(_headline(summary)), ""]
    if changes is not None:
        out += ["**%s.**" % _md(change_line(changes)), ""]

    out += ["## Summary", ""]
    out += _md_table(
        ["", "count"],
        [
            ["errors", str(summary.get("error", 0))],
            ["warnings", str(summary.get("warning", 0))],
            ["info", str(summary.get("info", 0))],
            ["hosts in scope", str(summary.get("hosts_total", 0))],
            ["hosts audited", str(summary.get("hosts_audited", 0))],
            ["hosts not audited", str(summary.get("hosts_not_audited", 0))],
            ["hosts with errors", str(summary.get("hosts_with_errors", 0))],
        ],
    )
    out.append("")
    out += _md_changes(findings, hosts, changes)

    if not findings:
        out += ["No findings.", ""]
    else:
        fired = _rules_fired(findings)
        out += ["## Findings by rule", ""]
        out += _md_table(
            ["Rule", "Title", "Findings", "Errors", "Warnings", "Info"],
            [
                [
                    _md_code(rule),
                    _md(_rule_title(rule)),
                    str(len(group)),
                    *(str(sum(1 for f in group if f.get("severity") == s)) for s in SEVERITY_ORDER),
                ]
                for rule, group in fired
            ],
        )
        out.append("")

        out += ["## Findings", ""]
        rows = []
        for f in findings:
            message = _md(f.get("message"))
            allowed = f.get("allowed")
            if isinstance(allowed, Mapping):
                message += " _(allowed: %s)_" % _md(allowed.get("reason"))
            rows.append(
                [
                    _md(f.get("severity")),
                    _md_code(f.get("rule")),
                    *_md_finding_place(f),
                    _md_code(", ".join(f.get("vmknics") or [])),
                    _md_code(f.get("route_owner")),
                    message,
                ]
                + ([states[_finding_key(f)]] if states else [])
            )
        out += _md_table(
            ["Severity", "Rule", "Host", "Datacenter / cluster", "Stack", "Subnet", "vmknics", "Route owner", "Message"]
            + (["Change"] if states else []),
            rows,
        )
        out.append("")

        out += ["## Remediation", ""]
        for rule, group in fired:
            out += ["### %s: %s" % (_md_code(rule), _md(_rule_title(rule))), ""]
            remediation = group[0].get("remediation") or _rule_attr(rule, "remediation")
            reference = group[0].get("reference") or _rule_attr(rule, "reference")
            if remediation:
                out += [_md(remediation), ""]
            if reference:
                out += ["Reference: %s" % _md(reference), ""]

    if hosts:
        out += ["## Hosts", ""]
        out += _md_table(
            ["Host", "Datacenter / cluster", "State", "Errors", "Warnings", "Info"],
            [
                [
                    _md(row["name"]),
                    _md(_cluster_label(row["datacenter"], row["cluster"], row["vcenter"])),
                    _md(_host_state(row)),
                    *(str(row["counts"][s]) for s in SEVERITY_ORDER),
                ]
                for row in _host_rows(findings, hosts)
            ],
        )
        out.append("")

    return "\n".join(out).rstrip("\n") + "\n"
