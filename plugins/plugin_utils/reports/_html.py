# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The self-contained HTML report, with a diagram of each affected host (private, controller-only).
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, vmk_sort_key
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import SEVERITIES as SEVERITY_ORDER
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import (
    _SEVERITY_RANK, _cluster_label, _finding_host, _finding_key, _findings, _headline, _host_rows, _host_state, _rank, _rule_attr, _rule_title,
    _rules_fired, _summary, _text,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import (
    CHANGE_STATES, _CHANGE_COLUMNS, _CLUSTER_COLUMNS, _GONE_SECTIONS, _change_states, _changes, _run, _run_lines, change_line, cluster_summary,
)


def _h(value: Any) -> str:
    """Escape text for HTML content and (double-quoted) attribute values."""
    return html.escape(_text(value) if not isinstance(value, str) else value, quote=True)


def _anchor(prefix: str, name: Any) -> str:
    """A stable, valid fragment id for any name: readable slug plus a short hash for uniqueness."""
    raw = str(name)
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-").lower()[:40] or "x"
    return "%s-%s-%s" % (prefix, slug, hashlib.sha1(raw.encode("utf-8")).hexdigest()[:6])


def _host_anchor(key: tuple[str, str]) -> str:
    return _anchor("host", "%s/%s" % key if key[0] else key[1])


def _change_badge(state: str | None) -> str:
    return ' <span class="chg chg-%s">%s</span>' % (_h(state), _h(state)) if state else ""


def _badge(severity: Any) -> str:
    sev = str(severity)
    cls = sev if sev in _SEVERITY_RANK else "other"
    return '<span class="badge sev-%s">%s</span>' % (cls, _h(sev.upper()))


_CSS = """
:root {
  --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --paper: #ffffff; --panel: #f6f8fa;
  --error: #b42318; --error-bg: #fef3f2; --error-line: #f04438;
  --warning: #8a4b00; --warning-bg: #fffaeb; --warning-line: #f79009;
  --info: #175cd3; --info-bg: #eff8ff; --info-line: #53b1fd;
  --ok: #067647; --ok-bg: #ecfdf3;
  --owner: #344054;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: var(--ink); background: var(--paper);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
}
main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
h4 { font-size: 15px; margin: 16px 0 6px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
a { color: #0b57d0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--paper); padding: 4px 8px; }
.meta { color: var(--muted); margin: 0 0 16px; display: grid; grid-template-columns: max-content 1fr; gap: 0 12px; font-size: 14px; }
.meta dd { margin: 0; color: var(--ink); }
.verdict.delta { background: var(--panel); border-color: var(--info-line); color: var(--ink); }
.chg { display: inline-block; font-size: 11px; font-weight: 700; padding: 0 6px; border-radius: 4px; border: 1px solid var(--line);
  text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); background: var(--panel); }
.chg-new { color: #fff; background: var(--error); border-color: var(--error); }
.chg-resolved { color: #fff; background: var(--ok); border-color: var(--ok); }
.card.chg-card-new { border-top: 4px solid var(--error-line); } .card.chg-card-resolved { border-top: 4px solid var(--ok); }
ul.findings.resolved > li { background: var(--ok-bg); }
.verdict { font-size: 17px; font-weight: 600; padding: 12px 16px; border-radius: 8px; border-left: 6px solid; margin: 16px 0; }
.verdict.bad { background: var(--error-bg); border-color: var(--error-line); color: var(--error); }
.verdict.warn { background: var(--warning-bg); border-color: var(--warning-line); color: var(--warning); }
.verdict.good { background: var(--ok-bg); border-color: var(--ok); color: var(--ok); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 0; padding: 0; }
.card { list-style: none; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--panel); }
.card .num { display: block; font-size: 28px; font-weight: 700; line-height: 1.2; }
.card .lbl { color: var(--muted); font-size: 13px; }
.card.error { border-top: 4px solid var(--error-line); } .card.error .num { color: var(--error); }
.card.warning { border-top: 4px solid var(--warning-line); } .card.warning .num { color: var(--warning); }
.card.info { border-top: 4px solid var(--info-line); } .card.info .num { color: var(--info); }
nav.toc ul { margin: 8px 0; padding-left: 20px; columns: 2; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
caption { text-align: left; color: var(--muted); font-size: 13px; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; }
tr.row-error td:first-child { box-shadow: inset 4px 0 var(--error-line); }
tr.row-warning td:first-child { box-shadow: inset 4px 0 var(--warning-line); }
tr.row-info td:first-child { box-shadow: inset 4px 0 var(--info-line); }
.badge {
  display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: 0.04em; padding: 1px 7px;
  border-radius: 10px; border: 1px solid; white-space: nowrap;
}
.sev-error { color: var(--error); background: var(--error-bg); border-color: var(--error-line); }
.sev-warning { color: var(--warning); background: var(--warning-bg); border-color: var(--warning-line); }
.sev-info { color: var(--info); background: var(--info-bg); border-color: var(--info-line); }
.sev-other, .sev-ok { color: var(--ok); background: var(--ok-bg); border-color: var(--ok); }
.rule { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 8px; margin: 16px 0; break-inside: avoid-page; }
.rule h4 { font-size: 16px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.rule .fix { margin: 4px 0; }
.rule .count, .host .count { color: var(--muted); font-weight: 400; font-size: 14px; }
td.host-cell, th[scope="row"] { white-space: nowrap; }
details { margin-top: 4px; font-size: 13px; }
details summary { cursor: pointer; color: var(--muted); }
.fid { margin: 4px 0 0; color: var(--muted); }
.rule .ref { color: var(--muted); font-size: 13px; margin: 4px 0 8px; }
.cluster { margin-top: 28px; }
.host { border: 1px solid var(--line); border-radius: 10px; padding: 4px 18px 14px; margin: 16px 0; break-inside: avoid-page; }
.host.worst-error { border-left: 6px solid var(--error-line); }
.host.worst-warning { border-left: 6px solid var(--warning-line); }
.host.worst-info { border-left: 6px solid var(--info-line); }
.host h4 { font-size: 18px; margin-top: 14px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.host .facts { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
ul.findings { padding-left: 0; margin: 8px 0; }
ul.findings > li { list-style: none; margin: 8px 0; padding: 8px 12px; border-radius: 6px; background: var(--panel); }
ul.findings .msg { font-weight: 600; }
ul.findings .sub { color: var(--muted); font-size: 13px; }
.allowed { font-style: italic; color: var(--muted); }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: 0 12px; margin: 6px 0 0; font-size: 13px; }
dl.evidence dt { color: var(--muted); }
dl.evidence dd { margin: 0; overflow-wrap: anywhere; }
.diagram { margin-top: 12px; }
.stack { border: 2px solid #98a2b3; border-radius: 10px; margin: 12px 0; background: #fcfcfd; break-inside: avoid-page; }
.stack > .stack-head {
  display: flex; justify-content: space-between; flex-wrap: wrap; gap: 8px; background: #eaecf0;
  padding: 6px 12px; border-radius: 8px 8px 0 0; font-weight: 600;
}
.stack > .stack-head .gw { font-weight: 400; color: var(--muted); font-size: 13px; }
.subnets { padding: 8px 12px; display: flex; flex-direction: column; gap: 10px; }
.subnet { border: 1px dashed #98a2b3; border-radius: 8px; padding: 8px 10px; background: var(--paper); }
.subnet.hit-error { border: 2px solid var(--error-line); background: var(--error-bg); }
.subnet.hit-warning { border: 2px solid var(--warning-line); background: var(--warning-bg); }
.subnet.hit-info { border: 2px solid var(--info-line); background: var(--info-bg); }
.subnet-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin-bottom: 6px; }
.subnet-head .net { font-weight: 700; }
.subnet-head .note { font-size: 13px; color: var(--muted); }
.nics { display: flex; flex-wrap: wrap; gap: 10px; margin: 0; padding: 0; }
.nic {
  list-style: none; position: relative; min-width: 190px; max-width: 280px; flex: 1 1 190px;
  border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; background: var(--paper); font-size: 13px;
}
.nic .dev { font-size: 16px; font-weight: 700; }
.nic .addr { display: block; }
.nic .pg { display: block; color: var(--muted); overflow-wrap: anywhere; }
.nic .svc { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.nic .svc span { background: #f2f4f7; border: 1px solid #d0d5dd; border-radius: 4px; padding: 0 5px; font-size: 12px; }
.nic .tags { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 4px; }
.tag { font-size: 11px; font-weight: 700; border-radius: 4px; padding: 1px 6px; }
.nic.collides { border: 2px solid var(--error-line); }
.nic.collides .tag.collide { background: var(--error); color: #fff; }
.nic.owner { border: 3px solid var(--owner); box-shadow: 0 0 0 3px #d0d5dd; }
.nic.owner .tag.owner { background: var(--owner); color: #fff; }
.tag.misrouted { background: var(--warning-bg); color: var(--warning); border: 1px solid var(--warning-line); }
.tag.system { background: #f2f4f7; color: var(--muted); border: 1px solid var(--line); }
.nic .via { display: block; margin-top: 4px; color: var(--warning); font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; font-size: 13px; color: var(--muted); margin: 8px 0; padding: 0; }
.legend li { list-style: none; display: flex; align-items: center; gap: 6px; }
.legend .sw { display: inline-block; width: 22px; height: 14px; border-radius: 3px; background: var(--paper); }
.legend .sw.collide { border: 2px solid var(--error-line); }
.legend .sw.owner { border: 3px solid var(--owner); }
.legend .sw.subnet-hit { border: 2px solid var(--error-line); background: var(--error-bg); }
.legend .sw.subnet-ok { border: 1px dashed #98a2b3; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav.toc, .skip { display: none; }
  h2 { break-after: avoid-page; }
  .host, .rule, .stack { break-inside: avoid-page; }
  a { color: inherit; text-decoration: none; }
}
"""


def _ip_network(cidr: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return None


def _within(group_net: Any, finding_net: Any) -> bool:
    """Whether a subnet group falls under a finding's subnet (equal, or enclosed for overlaps)."""
    if group_net is None or finding_net is None:
        return False
    if str(group_net) == str(finding_net):
        return True
    a, b = _ip_network(group_net), _ip_network(finding_net)
    return a is not None and b is not None and a.version == b.version and a.subnet_of(b)  # type: ignore[arg-type]


def _stack_order(key: Any) -> tuple[int, str]:
    # The default stack first: that is where management lives and most collisions happen.
    return (0 if key == DEFAULT_STACK else 1, str(key))


def _subnet_groups(host: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The host's vmknics by stack, then by subnet: {stack: [{family, network, members}]}.

    A vmknic appears once per subnet it has an address in (IPv4 plus any global IPv6 prefixes);
    link-local IPv6 is left out, as the audit ignores it. vmknics with no usable address get a
    group of their own so that the picture still shows every vmknic.
    """
    stacks: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for nic in host.get("vmknics") or []:
        stack = str(nic.get("stack") or DEFAULT_STACK)
        groups = stacks.setdefault(stack, {})
        placed = False
        v4 = nic.get("ipv4")
        if isinstance(v4, Mapping):
            if v4.get("network"):
                key = ("ipv4", str(v4["network"]))
                addr = "%s/%s" % (v4.get("address"), v4.get("prefix_length"))
            else:
                key = ("ipv4", "")
                addr = "DHCP, no lease" if v4.get("dhcp") else "no address"
            groups.setdefault(key, {"family": key[0], "network": key[1] or None, "members": []})
            groups[key]["members"].append({"nic": nic, "address": addr + (" (DHCP)" if v4.get("dhcp") and v4.get("network") else "")})
            placed = True
        v6 = nic.get("ipv6") or {}
        for a in v6.get("addresses") or [] if isinstance(v6, Mapping) else []:
            if a.get("link_local") or not a.get("network"):
                continue
            key = ("ipv6", str(a["network"]))
            groups.setdefault(key, {"family": "ipv6", "network": key[1], "members": []})
            origin = a.get("origin")
            groups[key]["members"].append(
                {"nic": nic, "address": "%s/%s%s" % (a.get("address"), a.get("prefix_length"), " (%s)" % origin if origin and origin != "manual" else "")}
            )
            placed = True
        if not placed:
            key = ("none", "")
            groups.setdefault(key, {"family": None, "network": None, "members": []})
            groups[key]["members"].append({"nic": nic, "address": "no IP address"})

    def group_order(g: dict[str, Any]) -> tuple[int, int, str]:
        fam = {"ipv4": 0, "ipv6": 1}.get(g["family"], 2)
        net = _ip_network(g["network"]) if g["network"] else None
        # Numeric order for addresses; groups without a network last in their family.
        return (fam, 0 if net else 1, "%040d/%03d" % (int(net.network_address), net.prefixlen) if net else "")

    return {
        stack: sorted(groups.values(), key=group_order)
        for stack, groups in sorted(stacks.items(), key=lambda kv: _stack_order(kv[0]))
    }


def _portgroup_line(host: Mapping[str, Any], nic: Mapping[str, Any]) -> str:
    """Port group, switch, VLAN and teaming of a vmknic as one short line."""
    pg_name, switch = nic.get("portgroup"), nic.get("switch")
    pg = next(
        (
            p
            for p in host.get("portgroups") or []
            if p.get("name") == pg_name and (switch is None or p.get("switch") == switch)
        ),
        None,
    )
    parts = []
    if pg_name:
        parts.append(str(pg_name))
    if switch:
        parts.append("on %s" % switch)
    if pg and pg.get("vlan") is not None:
        parts.append("VLAN %s" % pg["vlan"])
    line = " ".join(parts[:2]) + ("" if len(parts) < 3 else ", " + parts[2])
    teaming = (pg or {}).get("teaming") or {}
    uplinks = []
    if teaming.get("active"):
        uplinks.append("active " + ", ".join(teaming["active"]))
    if teaming.get("standby"):
        uplinks.append("standby " + ", ".join(teaming["standby"]))
    if uplinks:
        line += " · " + "; ".join(uplinks)
    return line


def _host_diagram(host: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> str:
    """The host's vmknics, grouped by stack and subnet, with the findings' groups highlighted."""
    stacks_info = {str(s.get("key")): s for s in host.get("stacks") or []}
    groups_by_stack = _subnet_groups(host)
    if not groups_by_stack:
        return '<p class="empty">No vmknics.</p>'

    parts = ['<div class="diagram" role="group" aria-label="%s">' % _h("vmknics of %s by TCP/IP stack and subnet" % host.get("name"))]
    for stack, groups in groups_by_stack.items():
        info = stacks_info.get(stack, {})
        display = info.get("name") if info.get("name") and info.get("name") != stack else None
        gws = []
        if info.get("default_gateway"):
            gws.append("IPv4 gateway %s" % info["default_gateway"])
        if info.get("ipv6_default_gateway"):
            gws.append("IPv6 gateway %s" % info["ipv6_default_gateway"])
        parts.append('<section class="stack">')
        parts.append(
            '<div class="stack-head"><span>TCP/IP stack <code>%s</code>%s</span><span class="gw">%s</span></div>'
            % (_h(stack), " (%s)" % _h(display) if display else "", _h(" · ".join(gws) or "no default gateway"))
        )
        parts.append('<div class="subnets">')
        for g in groups:
            hits = [
                f
                for f in findings
                if f.get("stack") == stack
                and f.get("subnet")
                and g["network"]
                and _within(g["network"], f.get("subnet"))
            ]
            worst = min((_rank(f.get("severity")) for f in hits), default=None)
            worst_sev = SEVERITY_ORDER[worst] if worst is not None and worst < len(SEVERITY_ORDER) else None
            involved = {v for f in hits for v in f.get("vmknics") or []}
            owners = {f.get("route_owner") for f in hits if f.get("route_owner")}
            misrouted = {}
            for f in hits:
                for m in f.get("misrouted") or []:
                    via = f.get("route_owner")
                    if via == m.get("vmknic"):
                        # Overlaps: the owner of the enclosing prefix loses part of its traffic
                        # to the vmknics of the longer prefixes.
                        via = ", ".join(v for v in f.get("vmknics") or [] if v != via) or None
                    misrouted[m.get("vmknic")] = (m.get("services") or [], via)

            label = g["network"] or ("IPv4 without an address" if g["family"] == "ipv4" else "no IP address")
            fam = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(g["family"], "")
            parts.append('<section class="subnet%s">' % (" hit-%s" % worst_sev if worst_sev else ""))
            head = ['<div class="subnet-head">']
            head.append('<span class="net mono">%s</span>' % _h(label))
            if fam:
                head.append('<span class="note">%s subnet, %d vmknic%s</span>' % (fam, len(g["members"]), "" if len(g["members"]) == 1 else "s"))
            for f in sorted(hits, key=lambda f: (_rank(f.get("severity")), str(f.get("rule")))):
                head.append('%s <span class="note"><code>%s</code></span>' % (_badge(f.get("severity")), _h(f.get("rule"))))
            if worst_sev in ("error", "warning") and not owners:
                head.append('<span class="note">route owner unknown: the route table does not name one</span>')
            head.append("</div>")
            parts += head
            parts.append('<ul class="nics">')
            for m in sorted(g["members"], key=lambda m: vmk_sort_key(m["nic"].get("device"))):
                nic = m["nic"]
                dev = str(nic.get("device"))
                classes = ["nic"]
                tags = []
                if dev in owners:
                    classes.append("owner")
                    tags.append('<span class="tag owner">route owner</span>')
                if dev in involved and worst_sev in ("error", "warning"):
                    classes.append("collides")
                    tags.append('<span class="tag collide">%s</span>' % ("collides" if worst_sev == "error" else "shares subnet"))
                elif dev in involved:
                    tags.append('<span class="tag system">in group</span>')
                if dev in misrouted:
                    tags.append('<span class="tag misrouted">misrouted</span>')
                if nic.get("system_owned"):
                    tags.append('<span class="tag system">owned by %s</span>' % _h(nic.get("owner") or "system"))
                mgmt = host.get("management") or {}
                if mgmt.get("vmknic") == dev and str(m["address"]).split("/", maxsplit=1)[0] == mgmt.get("address"):
                    tags.append('<span class="tag system">vCenter connects here</span>')
                parts.append('<li class="%s">' % " ".join(classes))
                if tags:
                    parts.append('<span class="tags">%s</span>' % "".join(tags))
                parts.append('<span class="dev mono">%s</span>' % _h(dev))
                parts.append('<span class="addr mono">%s</span>' % _h(m["address"]))
                pg_line = _portgroup_line(host, nic)
                if pg_line:
                    parts.append('<span class="pg">%s</span>' % _h(pg_line))
                services = nic.get("services") or []
                if services:
                    parts.append('<span class="svc" aria-label="services">%s</span>' % "".join("<span>%s</span>" % _h(s) for s in services))
                if dev in misrouted:
                    svcs, via = misrouted[dev]
                    parts.append(
                        '<span class="via">&#8627; %s traffic leaves via %s</span>'
                        % (_h(", ".join(svcs) or "its"), _h(via or "the route owner"))
                    )
                parts.append("</li>")
            parts.append("</ul></section>")
        parts.append("</div></section>")
    parts.append("</div>")
    return "\n".join(parts)


_LEGEND = (
    '<ul class="legend" aria-label="Legend">'
    '<li><span class="sw subnet-hit"></span>subnet with a finding</li>'
    '<li><span class="sw subnet-ok"></span>subnet without findings</li>'
    '<li><span class="sw collide"></span>colliding vmknic</li>'
    '<li><span class="sw owner"></span>route owner: the vmknic whose connected route the stack uses</li>'
    "</ul>"
)


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
