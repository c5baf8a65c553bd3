# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The JSON report: the machine-readable document a later run compares with (private, controller-only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import _findings, _host_rows, _summary
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import _changes, _run, cluster_summary


def _light_hosts(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What a saved report keeps of each host: enough to summarise clusters and compare runs."""
    out = []
    for row in rows:
        light = {"name": row["name"], "datacenter": row["datacenter"], "cluster": row["cluster"], "audited": row["audited"]}
        if row["vcenter"]:
            light["vcenter"] = row["vcenter"]
        if row["connection_state"]:
            light["connection_state"] = row["connection_state"]
        out.append(light)
    return out


def render_json(
    result: Mapping[str, Any],
    hosts: Sequence[Mapping[str, Any]] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> str:
    """The report as stable, pretty JSON (sorted keys, 2-space indent, trailing newline).

    Keys: ``run`` (metadata), ``summary``, ``clusters`` (``cluster_summary``), ``hosts`` (name,
    vcenter, datacenter, cluster, audited, connection_state), ``findings`` as the engine made them
    and, with ``previous``, ``changes`` (``compare``). A vmknic_audit module result also carries
    Ansible bookkeeping (changed, invocation, facts) that has no place in a saved report.
    """
    findings = _findings(result)
    changes = _changes(result, hosts, previous)
    rows = _host_rows(findings, hosts)
    doc: dict[str, Any] = {
        "run": _run(result),
        "summary": dict(_summary(result)),
        "clusters": cluster_summary(findings, hosts, changes),
        "hosts": _light_hosts(rows),
        "findings": findings,
    }
    if changes is not None:
        doc["changes"] = changes
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
