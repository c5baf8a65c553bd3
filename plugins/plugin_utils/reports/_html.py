# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The self-contained HTML report, with a diagram of each affected host (private, controller-only).

The page and its sections; the building blocks and stylesheet are in _html_markup, the host
diagram in _html_diagram.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._rules import SEVERITIES as SEVERITY_ORDER
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import (
    _SEVERITY_RANK, _cluster_label, _finding_host, _finding_key, _findings, _headline, _host_rows, _host_state, _rank, _rule_attr, _rule_title,
    _rules_fired, _summary,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import (
    CHANGE_STATES, _CHANGE_COLUMNS, _CLUSTER_COLUMNS, _GONE_SECTIONS, _change_states, _changes, _run, _run_lines, change_line, cluster_summary,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html_diagram import _LEGEND, _host_diagram
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html_markup import _CSS, _anchor, _badge, _change_badge, _h, _host_anchor


def _evidence_html(evidence: Any) -> str:
    if not isinstance(evidence, Mapping) or not evidence:
        return ""
    rows = []
    for key in sorted(evidence, key=str):
        value = evidence[key]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        rows.append("<dt>%s</dt><dd class=\"mono\">%s</dd>" % (_h(key), _h(text)))
    return '<dl class="evidence">%s</dl>' % "".join(rows)


def _details_html(f: Mapping[str, Any]) -> str:
    """Evidence and id, folded: useful to an expert, noise to everyone else."""
    body = _evidence_html(f.get("evidence"))
    if f.get("id"):
        body += '<p class="fid">Finding id <code>%s</code></p>' % _h(f["id"])
    if not body:
        return ""
    return "<details><summary>Evidence</summary>%s</details>" % body


def _finding_item(f: Mapping[str, Any], with_host: bool, state: str | None = None) -> str:
    sub = []
    if with_host:
        sub.append("host %s" % f.get("host"))
    if f.get("stack"):
        sub.append("stack %s" % f.get("stack"))
    if f.get("subnet"):
        sub.append("subnet %s" % f.get("subnet"))
    if f.get("vmknics"):
        sub.append("vmknics %s" % ", ".join(f["vmknics"]))
    if f.get("route_owner"):
        sub.append("route owner %s" % f["route_owner"])
    parts = [
        "<li>%s <code>%s</code>%s <span class=\"msg\">%s</span>"
        % (_badge(f.get("severity")), _h(f.get("rule")), _change_badge(state), _h(f.get("message"))),
    ]
    if sub:
        parts.append('<div class="sub">%s</div>' % _h(" · ".join(sub)))
    allowed = f.get("allowed")
    if isinstance(allowed, Mapping):
        parts.append('<div class="allowed">Allowed: %s</div>' % _h(allowed.get("reason")))
    parts.append(_details_html(f))
    parts.append("</li>")
    return "".join(parts)


def _rule_section(rule: str, group: Sequence[Mapping[str, Any]], states: Mapping[tuple[str, str], str]) -> str:
    """One rule: title, fix, reference and a table of its findings linking to the hosts."""
    worst = min(_rank(f.get("severity")) for f in group)
    out = ['<section class="rule" id="%s">' % _anchor("rule", rule)]
    out.append(
        '<h4>%s <span>%s</span> <code>%s</code> <span class="count">%d finding%s</span></h4>'
        % (
            _badge(SEVERITY_ORDER[worst] if worst < len(SEVERITY_ORDER) else "?"),
            _h(_rule_title(rule)),
            _h(rule),
            len(group),
            "" if len(group) == 1 else "s",
        )
    )
    remediation = group[0].get("remediation") or _rule_attr(rule, "remediation")
    reference = group[0].get("reference") or _rule_attr(rule, "reference")
    if remediation:
        out.append('<p class="fix"><strong>Fix:</strong> %s</p>' % _h(remediation))
    if reference:
        out.append('<p class="ref">Reference: %s</p>' % _h(reference))
    out.append("<table><thead><tr>")
    for col in ("Severity", "Host", "Stack", "Subnet", "vmknics", "Route owner", "Message") + (("Change",) if states else ()):
        out.append('<th scope="col">%s</th>' % col)
    out.append("</tr></thead><tbody>")
    for f in group:
        sev = str(f.get("severity"))
        message = _h(f.get("message"))
        if isinstance(f.get("allowed"), Mapping):
            message += ' <span class="allowed">(allowed: %s)</span>' % _h(f["allowed"].get("reason"))
        out.append(
            '<tr class="row-%s"><td>%s</td><td class="host-cell"><a href="#%s">%s</a></td><td class="mono">%s</td>'
            '<td class="mono">%s</td><td class="mono">%s</td><td class="mono">%s</td><td>%s</td>%s</tr>'
            % (
                _h(sev),
                _badge(sev),
                _host_anchor(_finding_host(f)),
                _h("%s / %s" % (f["vcenter"], f.get("host")) if f.get("vcenter") else f.get("host")),
                _h(f.get("stack") or "—"),
                _h(f.get("subnet") or "—"),
                _h(", ".join(f.get("vmknics") or []) or "—"),
                _h(f.get("route_owner") or "—"),
                message,
                "<td>%s</td>" % _change_badge(states[_finding_key(f)]) if states else "",
            )
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _html_changes(changes: Mapping[str, Any]) -> list[str]:
    """Counts of new, resolved and unchanged findings, and the findings that went away."""
    out = ['<section aria-labelledby="changes"><h2 id="changes">Changes since the previous run</h2>']
    out.append('<p class="verdict delta" role="status">%s</p>' % _h(change_line(changes)))
    out.append('<ul class="cards">')
    for state in CHANGE_STATES:
        out.append('<li class="card chg-card-%s"><span class="num">%d</span><span class="lbl">%s</span></li>'
                   % (state, changes["counts"][state], "not rechecked" if state == "unverified" else state))
    out.append("</ul>")
    for state, title in _GONE_SECTIONS:
        gone = changes.get(state) or []
        if gone:
            out.append("<h3>%s</h3>" % title)
            out.append('<ul class="findings %s">%s</ul>' % (state, "".join(_finding_item(f, with_host=True, state=state) for f in gone)))
    out.append("</section>")
    return out


def _html_clusters(clusters: Sequence[Mapping[str, Any]], compared: bool) -> list[str]:
    out = ['<section aria-labelledby="clusters"><h2 id="clusters">Clusters</h2>', "<table><thead><tr>"]
    cols = _CLUSTER_COLUMNS + (_CHANGE_COLUMNS if compared else ())
    out += ['<th scope="col"%s>%s</th>' % (' class="num"' if key else "", label) for label, key in cols]
    out.append("</tr></thead><tbody>")
    for c in clusters:
        worst = next((s for s in SEVERITY_ORDER if c[s]), None)
        out.append('<tr%s><th scope="row">%s</th>%s</tr>' % (
            ' class="row-%s"' % worst if worst else "",
            _h(_cluster_label(c["datacenter"], c["cluster"], c.get("vcenter"))),
            "".join('<td class="num">%d</td>' % c[key] for label, key in cols if key)))
    out.append("</tbody></table></section>")
    return out


def render_html(
    result: Mapping[str, Any],
    hosts: Sequence[Mapping[str, Any]] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> str:
    """A self-contained HTML page for people (inline CSS, no scripts, no external assets)."""
    findings = _findings(result)
    summary = _summary(result)
    changes = _changes(result, hosts, previous)
    states = _change_states(result, changes)
    by_host: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for f in findings:
        by_host.setdefault(_finding_host(f), []).append(f)
    rows = _host_rows(findings, hosts)
    fired = _rules_fired(findings)

    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>VMkernel multi-homing audit</title>",
        "<style>%s</style>" % _CSS,
        "</head>",
        "<body>",
        '<a class="skip" href="#findings-by-host">Skip to hosts</a>',
        "<main>",
        "<header>",
        "<h1>VMkernel multi-homing audit</h1>",
    ]
    meta = _run_lines(_run(result))
    if meta:
        out.append('<dl class="meta">%s</dl>' % "".join("<dt>%s</dt><dd>%s</dd>" % (_h(label), _h(text)) for label, text in meta))
    out.append("</header>")

    # Summary
    errors, warnings = int(summary.get("error") or 0), int(summary.get("warning") or 0)
    tone = "bad" if errors else "warn" if warnings else "good"
    out.append('<section aria-labelledby="summary"><h2 id="summary">Summary</h2>')
    out.append('<p class="verdict %s" role="status">%s</p>' % (tone, _h(_headline(summary))))
    cards = [
        ("error", "errors", summary.get("error", 0)),
        ("warning", "warnings", summary.get("warning", 0)),
        ("info", "info", summary.get("info", 0)),
        ("", "hosts in scope", summary.get("hosts_total", 0)),
        ("", "hosts audited", summary.get("hosts_audited", 0)),
        ("", "hosts not audited", summary.get("hosts_not_audited", 0)),
        ("", "hosts with errors", summary.get("hosts_with_errors", 0)),
    ]
    out.append('<ul class="cards">')
    for cls, label, value in cards:
        out.append('<li class="card %s"><span class="num">%s</span><span class="lbl">%s</span></li>' % (cls, _h(value), _h(label)))
    out.append("</ul>")
    out.append(
        "<p>Multi-homing: several vmknics in one subnet on one TCP/IP stack. The stack sends all "
        "traffic for that subnet through one of them (the route owner), whatever the other vmknics "
        "are tagged for. See VMware KB 318546.</p>"
    )
    if fired or rows:
        out.append('<nav class="toc" aria-label="Contents"><ul>')
        if fired:
            out.append('<li><a href="#findings-by-rule">Findings by rule</a></li>')
        out.append('<li><a href="#findings-by-host">Hosts and their vmknics</a></li>')
        out.append("</ul></nav>")
    out.append("</section>")
    if changes is not None:
        out += _html_changes(changes)
    out += _html_clusters(cluster_summary(findings, hosts, changes), changes is not None)

    # By rule: what needs doing first, then the informational rules (supported designs, ...).
    if fired:
        out.append('<section aria-labelledby="findings-by-rule"><h2 id="findings-by-rule">Findings by rule</h2>')
        action = [(r, g) for r, g in fired if min(_rank(f.get("severity")) for f in g) < _SEVERITY_RANK["info"]]
        informational = [(r, g) for r, g in fired if (r, g) not in action]
        for title, part in (("Needs action", action), ("For information", informational)):
            if part:
                out.append("<h3>%s</h3>" % title)
                out += [_rule_section(rule, group, states) for rule, group in part]
        out.append("</section>")

    # By cluster / host
    out.append('<section aria-labelledby="findings-by-host"><h2 id="findings-by-host">Hosts and their vmknics</h2>')
    if not rows:
        out.append('<p class="empty">No hosts.</p>')
    else:
        out.append('<table><caption>Every host in scope, by datacenter and cluster</caption><thead><tr>')
        for col, cls in (("Host", ""), ("Datacenter / cluster", ""), ("State", ""), ("Errors", "num"), ("Warnings", "num"), ("Info", "num")):
            out.append('<th scope="col"%s>%s</th>' % (' class="num"' if cls else "", col))
        out.append("</tr></thead><tbody>")
        for row in rows:
            c = row["counts"]
            worst = next((s for s in SEVERITY_ORDER if c[s]), None)
            name = _h(row["name"])
            link = '<a href="#%s">%s</a>' % (_host_anchor(row["key"]), name) if row["key"] in by_host else name
            out.append(
                '<tr%s><th scope="row">%s</th><td>%s</td><td>%s</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td></tr>'
                % (
                    ' class="row-%s"' % worst if worst else "",
                    link,
                    _h(_cluster_label(row["datacenter"], row["cluster"], row["vcenter"])),
                    _h(_host_state(row)),
                    c["error"],
                    c["warning"],
                    c["info"],
                )
            )
        out.append("</tbody></table>")
        if hosts is None:
            out.append('<p class="empty">Host facts were not supplied, so the vmknic pictures are left out.</p>')

        affected = [r for r in rows if r["key"] in by_host]
        if affected:
            out.append(_LEGEND)
        current = None
        for row in affected:
            cluster_key = (row["datacenter"], row["cluster"], row["vcenter"])
            if cluster_key != current:
                if current is not None:
                    out.append("</section>")
                current = cluster_key
                out.append(
                    '<section class="cluster" aria-label="%s"><h3>%s</h3>'
                    % (_h("Cluster " + _cluster_label(*cluster_key)), _h(_cluster_label(*cluster_key)))
                )
            mine = sorted(by_host[row["key"]], key=lambda f: (_rank(f.get("severity")), str(f.get("stack")), str(f.get("rule"))))
            worst = SEVERITY_ORDER[min(_rank(f.get("severity")) for f in mine)] if mine else None
            out.append(
                '<article class="host%s" id="%s" aria-labelledby="%s-h">'
                % (" worst-%s" % worst if worst else "", _host_anchor(row["key"]), _host_anchor(row["key"]))
            )
            out.append('<h4 id="%s-h">%s</h4>' % (_host_anchor(row["key"]), _h(row["name"])))
            facts = row.get("facts")
            info_bits = [_host_state(row)]
            if facts:
                mgmt = facts.get("management") or {}
                if mgmt.get("address"):
                    info_bits.append(
                        "vCenter reaches it at %s%s" % (mgmt["address"], " (%s)" % mgmt["vmknic"] if mgmt.get("vmknic") else "")
                    )
                if facts.get("moid"):
                    info_bits.append(str(facts["moid"]))
            out.append('<p class="facts">%s</p>' % _h(" · ".join(info_bits)))
            out.append('<ul class="findings">%s</ul>' % "".join(
                _finding_item(f, with_host=False, state=states.get(_finding_key(f))) for f in mine))
            if facts and facts.get("config_available", True):
                out.append(_host_diagram(facts, mine))
            out.append("</article>")
        if current is not None:
            out.append("</section>")
    out.append("</section>")

    out.append(
        "<footer>vmkernel.multihoming audit report. Findings are sorted by severity, host, stack and rule; "
        "each has a stable id for allow-lists.</footer>"
    )
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
