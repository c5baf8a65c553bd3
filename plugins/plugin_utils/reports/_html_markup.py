# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report's building blocks (private, controller-only): escaping, fragment ids, badges,
and the page's inline stylesheet. Shared by the host diagram (_html_diagram) and the page (_html).
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import _SEVERITY_RANK, _text


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
