# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report's diagram of one host (private, controller-only): its vmknics grouped by
TCP/IP stack and subnet, with the subnets and vmknics of its findings highlighted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, vmk_sort_key
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._rules import SEVERITIES as SEVERITY_ORDER
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import _rank
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html_markup import _badge, _h


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
