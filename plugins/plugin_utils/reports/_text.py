# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plain-text report, for terminals and job logs (private, controller-only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import (
    _cluster_counts_text, _cluster_label, _finding_key, _findings, _headline, _summary, _text,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import (
    _change_states, _changes, _run, _run_lines, change_line, cluster_summary,
)


def render_text(
    result: Mapping[str, Any],
    hosts: Sequence[Mapping[str, Any]] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> str:
    """Metadata, headline, changes, clusters and one line per finding, worst first: for terminals and job logs."""
    findings = _findings(result)
    changes = _changes(result, hosts, previous)
    states = _change_states(result, changes)
    lines = ["%s: %s" % pair for pair in _run_lines(_run(result))]
    lines.append(_headline(_summary(result)))
    if changes is not None:
        lines.append("Changes: " + change_line(changes))
    for c in cluster_summary(findings, hosts, changes):
        lines.append("Cluster %s: %s" % (_cluster_label(c["datacenter"], c["cluster"], c.get("vcenter")), _cluster_counts_text(c)))
    for f in findings:
        where = "%s %s" % (_text(f.get("host")), _text(f.get("stack")) or "-")
        if f.get("vcenter"):
            where = "%s %s" % (_text(f["vcenter"]), where)
        state = states.get(_finding_key(f))
        lines.append("%-7s %s%-28s %s: %s" % (
            str(f.get("severity")).upper(), "%-10s " % ("[%s]" % state) if state else "", _text(f.get("rule")), where, _text(f.get("message"))))
        if f.get("allowed"):
            lines.append("        accepted: %s" % _text((f.get("allowed") or {}).get("reason")))
    if not findings:
        lines.append("No findings.")
    for f in (changes or {}).get("resolved") or []:
        lines.append("RESOLVED %s %s %s: %s" % (_text(f.get("rule")), _text(f.get("host")), _text(f.get("stack")) or "-", _text(f.get("message"))))
    return "\n".join(lines) + "\n"
