# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report model shared by the renderers of audit results (private, controller-only).

One module per format renders a result: _json.py, _text.py, _markdown.py, _junit.py, _html.py.

Every renderer takes ``result``: the output of ``analysis/_audit.analyse()`` (``findings`` and
``summary``, see docs/findings.md) plus the optional ``run`` metadata (``generated``, ``vcenter``,
``scope``, ``collection_version``, ``ansible_version``; the older top-level ``generated`` and
``scope`` keys are read too). They also take ``hosts``: the ``hosts`` list of ``vmknic_info``
(docs/facts.md), which lets a report list the hosts without findings, summarise each cluster and
draw each affected host's vmknics; and ``previous``: the JSON report of an earlier run, against
which each finding is new, unchanged or resolved (``compare``). ``merge`` joins the results of
several vCenters into one fleet result whose findings and hosts carry their ``vcenter``.

Pure standard library on plain data, so reports can be rendered offline from saved results.
Output is deterministic: the same input gives byte-identical output (no clock, no randomness).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import SEVERITIES as SEVERITY_ORDER
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import (
    _count, _finding_host, _finding_key, _findings, _host_rows, _scope_text, _summary, _text, _zero,
)


RUN_KEYS = ("generated", "vcenter", "scope", "collection_version", "ansible_version")
_RUN_LABELS = {
    "generated": "Generated (UTC)",
    "vcenter": "vCenter",
    "scope": "Scope",
    "collection_version": "vmkernel.multihoming",
    "ansible_version": "ansible-core",
}
CHANGE_STATES = ("new", "unchanged", "resolved", "unverified")
# The previous run's findings that are gone, and the heading each kind gets in a report.
_GONE_SECTIONS = (
    ("resolved", "Resolved: gone from hosts that were audited again"),
    ("unverified", "Not rechecked: their hosts were not audited in this run"),
)
# Columns of the per-cluster tables: (heading, key of cluster_summary; None for the cluster's label).
_CLUSTER_COLUMNS = (
    ("Datacenter / cluster", None), ("Hosts", "hosts_total"), ("Audited", "hosts_audited"), ("Not audited", "hosts_not_audited"),
    ("With errors", "hosts_with_errors"), ("Errors", "error"), ("Warnings", "warning"), ("Info", "info"),
)
_CHANGE_COLUMNS = (("New", "new"), ("Resolved", "resolved"))


def _run(result: Mapping[str, Any]) -> dict[str, Any]:
    """The run metadata of a result: ``run``, completed by the older top-level generated / scope."""
    run = dict(result.get("run") or {})
    for key in ("generated", "scope"):
        if run.get(key) in (None, "") and result.get(key) not in (None, ""):
            run[key] = result[key]
    return {key: run[key] for key in RUN_KEYS if run.get(key) not in (None, "", [], {})} | {
        key: value for key, value in run.items() if key not in RUN_KEYS and value not in (None, "", [], {})
    }


def _run_lines(run: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of each metadata field that is set, in a fixed order."""
    lines = [(_RUN_LABELS[key], _scope_text(run[key])) for key in RUN_KEYS if key in run]
    if run.get("vcenters"):
        lines.append(("vCenters", _text(run["vcenters"])))
    if run.get("failed_vcenters"):
        lines.append(("Not audited", _text(run["failed_vcenters"])))
    return lines


def cluster_summary(
    findings: Sequence[Mapping[str, Any]],
    hosts: Sequence[Mapping[str, Any]] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One entry per cluster (standalone hosts of a datacenter together): host and severity counts.

    With ``changes`` (``compare``), also how many findings of the cluster are new and resolved.
    """
    clusters: dict[tuple[str, str, str], dict[str, Any]] = {}

    def entry(vcenter: Any, datacenter: Any, cluster: Any) -> dict[str, Any]:
        key = (str(vcenter or ""), str(datacenter or ""), str(cluster or ""))
        if key not in clusters:
            clusters[key] = dict(
                {"datacenter": datacenter, "cluster": cluster},
                **({"vcenter": vcenter} if vcenter else {}),
                hosts_total=0, hosts_audited=0, hosts_not_audited=0, hosts_with_errors=0, **_zero(),
            )
            if changes is not None:
                clusters[key].update(new=0, resolved=0)
        return clusters[key]

    for row in _host_rows(findings, hosts):
        c = entry(row["vcenter"], row["datacenter"], row["cluster"])
        c["hosts_total"] += 1
        c["hosts_audited" if row["audited"] else "hosts_not_audited"] += 1
        c["hosts_with_errors"] += 1 if row["counts"]["error"] else 0
        for sev in SEVERITY_ORDER:
            c[sev] += row["counts"][sev]
    if changes is not None:
        new = set(map(tuple, changes.get("new") or []))
        for f in findings:
            if _finding_key(f) in new:
                entry(f.get("vcenter"), f.get("datacenter"), f.get("cluster"))["new"] += 1
        for f in changes.get("resolved") or []:
            entry(f.get("vcenter"), f.get("datacenter"), f.get("cluster"))["resolved"] += 1
    return [clusters[key] for key in sorted(clusters, key=lambda k: (k[0], k[1], k[2] == "", k[2]))]


def compare(
    result: Mapping[str, Any],
    previous: Mapping[str, Any],
    hosts: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Each finding of ``result`` as new or unchanged against ``previous`` (a JSON report), by id.

    A finding of the previous run that is gone is ``resolved`` only when its host was audited in
    this run; when the host was not audited or is not in this run's scope it is ``unverified``:
    nothing says it went away. Finding identity is ``(vcenter, id)`` (``vcenter`` is set on the
    findings of fleet results only), so compare like with like: a fleet report with a fleet report.
    """
    current = _findings(result)
    before = _findings(previous)
    before_keys = {_finding_key(f) for f in before}
    now_keys = {_finding_key(f) for f in current}
    audited_now = {row["key"] for row in _host_rows(current, hosts) if row["audited"]}
    gone = [f for f in before if _finding_key(f) not in now_keys]
    resolved = [f for f in gone if _finding_host(f) in audited_now]
    unverified = [f for f in gone if _finding_host(f) not in audited_now]
    new = [list(_finding_key(f)) for f in current if _finding_key(f) not in before_keys]
    unchanged = [list(_finding_key(f)) for f in current if _finding_key(f) in before_keys]
    return {
        "previous": _run(previous),
        "counts": {"new": len(new), "unchanged": len(unchanged), "resolved": len(resolved), "unverified": len(unverified)},
        "new": new,
        "unchanged": unchanged,
        "resolved": resolved,
        "unverified": unverified,
    }


def change_line(changes: Mapping[str, Any]) -> str:
    """``2 new, 1 resolved, 5 unchanged since the run of <time>``, for logs and headlines."""
    counts = changes.get("counts") or {}
    parts = ["%d new" % _count(counts, "new"), "%d resolved" % _count(counts, "resolved"), "%d unchanged" % _count(counts, "unchanged")]
    if _count(counts, "unverified"):
        parts.append("%d not rechecked (host not audited or out of scope)" % _count(counts, "unverified"))
    when = (changes.get("previous") or {}).get("generated")
    return "%s since %s" % (", ".join(parts), "the run of %s" % when if when else "the previous report")


def _change_states(result: Mapping[str, Any], changes: Mapping[str, Any] | None) -> dict[tuple[str, str], str]:
    if changes is None:
        return {}
    new = set(map(tuple, changes.get("new") or []))
    return {_finding_key(f): "new" if _finding_key(f) in new else "unchanged" for f in _findings(result)}


def _changes(result: Mapping[str, Any], hosts: Sequence[Mapping[str, Any]] | None, previous: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if previous is None else compare(result, previous, hosts)


def merge(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One fleet result from the results of several vCenters.

    Each part is ``{"vcenter": name, "result": <vmknic_audit result>, "hosts": <its facts>}``;
    ``result`` may carry ``hosts`` itself (``return_facts``). Every finding and host of the merged
    result carries its ``vcenter`` (host names are only unique within a vCenter), findings keep
    the engine's order within a vCenter, vCenters are in name order, and the summary is the sum.
    A part may instead carry ``error`` (the vCenter could not be audited): it is listed in
    ``run.failed_vcenters``.
    """
    findings: list[dict[str, Any]] = []
    hosts: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    by_rule: dict[str, int] = {}
    vcenters: list[str] = []
    failed: list[str] = []
    for part in sorted(parts, key=lambda p: str(p.get("vcenter"))):
        name = str(part.get("vcenter"))
        if part.get("error"):
            failed.append("%s: %s" % (name, _text(part["error"])))
            continue
        vcenters.append(name)
        result = part.get("result") or {}
        findings += [dict(f, vcenter=name) for f in _findings(result)]
        hosts += [dict(h, vcenter=name) for h in part.get("hosts") or result.get("hosts") or []]
        for key, value in _summary(result).items():
            if key == "by_rule":
                for rule, n in (value or {}).items():
                    by_rule[rule] = by_rule.get(rule, 0) + int(n or 0)
            elif isinstance(value, int):
                summary[key] = summary.get(key, 0) + value
    if by_rule or vcenters:
        summary["by_rule"] = by_rule
    run: dict[str, Any] = {"vcenters": vcenters}
    if failed:
        run["failed_vcenters"] = failed
    return {"run": run, "summary": summary, "findings": findings, "hosts": hosts}


def select_vcenter(report: Mapping[str, Any], vcenter: str) -> dict[str, Any]:
    """The part of a fleet result or report (``merge``) that belongs to one vCenter, as a
    single-vCenter one: its findings and hosts without their ``vcenter`` key, and the run metadata.

    This is what a per-vCenter report of a fleet run is compared with.
    """

    def own(items: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if k != "vcenter"} for item in items or [] if item.get("vcenter") == vcenter]

    run = {k: v for k, v in _run(report).items() if k not in ("vcenters", "failed_vcenters")}
    run["vcenter"] = vcenter
    return {"run": run, "findings": own(report.get("findings")), "hosts": own(report.get("hosts"))}
