# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Multi-homing analysis: turn ``vmknic_info`` host facts into audit findings.

Pure, deterministic Python on plain data (see docs/facts.md for the input and docs/findings.md for
the output). Ansible ships module_utils to targets, so this package depends on the standard library
and the collection's own facts vocabulary only, and imports nothing from Ansible. The rule catalogue
is in ``_rules``, the allow-list and severity overrides in ``_policy``, prefix arithmetic in
``_addresses``, and the indexed view of one host's facts the rules read in ``_host_view``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._host_view import HostView, NicView, portgroup_of, teaming_of
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._policy import allow_match, compile_allow_list, validate_policy
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._rules import RULES, SEVERITIES, SEVERITY_RANK
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, system_owner, vmk_sort_key

__all__ = ["analyse"]

VMOTION_STACK = "vmotion"

_SERVICE_LABELS = {
    "management": "management",
    "vmotion": "vMotion",
    "vsan": "vSAN",
    "vsanWitness": "vSAN witness",
    "vsanExternal": "vSAN external",
    "vsanReplication": "vSAN replication",
    "faultToleranceLogging": "FT logging",
    "vSphereReplication": "vSphere Replication",
    "vSphereReplicationNFC": "vSphere Replication NFC",
    "vSphereProvisioning": "provisioning",
    "vSphereBackupNFC": "backup NFC",
    "nvmeTcp": "NVMe/TCP",
    "nvmeRdma": "NVMe/RDMA",
    "ptp": "PTP",
}


# --------------------------------------------------------------------------- helpers


def _sorted_vmks(devices) -> list[str]:
    return sorted(set(devices), key=vmk_sort_key)


def _finding_id(rule: str, host: str, stack, family, subnet, vmknics: list[str]) -> str:
    raw = "|".join([rule, host or "", stack or "", family or "", subnet or "", ",".join(vmknics)])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]


def _join(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _labels(services) -> list[str]:
    return [_SERVICE_LABELS.get(s, s) for s in services]


def _unbacked_active(nic: dict, portgroups: dict) -> str:
    """", Uplink 1 has no pNIC on this host" when a dvPortgroup's active uplinks are not backed
    by any of this host's pNICs (the switch's uplinks map to vmnics per host member)."""
    pg = portgroup_of(nic, portgroups) or {}
    names = [u for u in (pg.get("uplinks") or {}).get("active") or () if not (pg.get("uplink_pnics") or {}).get(u)]
    if not names:
        return ""
    return f"; active {_join(names)} of {pg.get('switch')} {'has' if len(names) == 1 else 'have'} no pNIC on this host"


def _switch_split(members: list[NicView]) -> dict[str, str]:
    """Reasons of members of one subnet spread over several switches: iSCSI port binding wants
    same-subnet vmknics on a single switch (vSphere Storage GUID-66AF5FA0)."""
    switches = {n.device: n.raw["switch"] for n in members if n.raw.get("switch")}
    if len(set(switches.values())) < 2:
        return {}
    reasons = {}
    for device, switch in switches.items():
        others = _join(sorted({f"{d} on {s}" for d, s in switches.items() if s != switch}))
        reasons[device] = f"on switch {switch} while {others}: same-subnet vmknics must share one switch"
    return reasons


# --------------------------------------------------------------------------- findings


def _finding(host: HostView, rule: str, *, stack=None, family=None, subnet=None, vmknics=(),
             route_owner=None, misrouted=(), message: str, evidence: dict) -> dict:
    info = RULES[rule]
    vmks = _sorted_vmks(vmknics)
    return {
        "rule": rule,
        "severity": info.severity,
        "host": host.name,
        "datacenter": host.host.get("datacenter"),
        "cluster": host.host.get("cluster"),
        "stack": stack,
        "family": family,
        "subnet": subnet,
        "vmknics": vmks,
        "route_owner": route_owner,
        "misrouted": [
            {"vmknic": n.device, "services": list(n.services)}
            for n in sorted(misrouted, key=lambda n: vmk_sort_key(n.device))
        ],
        "message": message,
        "evidence": evidence,
        "reference": info.reference,
        "remediation": info.remediation,
        "allowed": None,
        "id": _finding_id(rule, host.name, stack, family, subnet, vmks),
    }


def _misrouted_phrase(misrouted: list[NicView], owner: str) -> str:
    parts = []
    for nic in misrouted:
        if nic.services:
            parts.append(f"{_join(_labels(nic.services))} traffic of {nic.device}")
        else:
            parts.append(f"traffic of {nic.device}")
    return f"so {_join(parts)} leaves through {owner}"


def _routing_clause(owner: str | None, misrouted: list[NicView], word: str) -> str:
    if owner is None:
        return (f"the stack sends that {word}'s traffic through only one of them and its route table "
                "does not show which")
    return f"the stack routes that {word} through {owner}, {_misrouted_phrase(misrouted, owner)}"


def _iscsi_assessment(members: list[NicView], host: HostView) -> tuple[bool, dict, dict]:
    """(compliant, reasons per vmknic, per-vmknic evidence) for a same-subnet group."""
    reasons: dict[str, list[str]] = {n.device: [] for n in members}
    evidence: dict[str, dict] = {}
    adapters = {
        n.device: sorted({b.get("adapter") for b in n.raw.get("iscsi_bindings") or () if b.get("adapter")})
        for n in members
    }
    # The adapter all bound members share; unbound members are reported as such, not as a mismatch.
    bound = [set(adapters[n.device]) for n in members if adapters[n.device]]
    common = set.intersection(*bound) if bound else set()
    adapter = min(common) if common else None
    uplink_users: dict[str, list[str]] = {}
    split = _switch_split(members)
    for nic in members:
        teaming = teaming_of(nic.raw, host.portgroups)
        active = list((teaming or {}).get("active") or ())
        standby = list((teaming or {}).get("standby") or ())
        evidence[nic.device] = {
            "adapters": adapters[nic.device], "portgroup": nic.raw.get("portgroup"),
            "active": active, "standby": standby, "teaming_known": teaming is not None,
        }
        why = reasons[nic.device]
        if not adapters[nic.device]:
            why.append("not bound to any iSCSI adapter")
        elif adapter is None:
            why.append(f"bound to {', '.join(adapters[nic.device])}, but the bound vmknics share no adapter")
        if teaming is None:
            why.append(f"teaming of port group {nic.raw.get('portgroup')} unknown")
        elif not active:
            why.append("no active uplink" + _unbacked_active(nic.raw, host.portgroups))
        elif len(active) > 1:
            why.append(f"{len(active)} active uplinks ({', '.join(active)})")
        if standby:
            why.append(f"standby uplinks ({', '.join(standby)}) not allowed")
        if nic.device in split:
            why.append(split[nic.device])
        if len(active) == 1:
            uplink_users.setdefault(active[0], []).append(nic.device)
        for binding in nic.raw.get("iscsi_bindings") or ():
            faults = list(binding.get("compliance_reasons") or ())
            if faults:
                why.append(f"ESXi reports {', '.join(faults)} on {binding.get('adapter')}")
            elif binding.get("compliant") is False:
                why.append(f"ESXi reports the binding to {binding.get('adapter')} non-compliant")
    for uplink, users in uplink_users.items():
        if len(users) > 1:
            for device in users:
                others = [u for u in users if u != device]
                reasons[device].append(f"shares active uplink {uplink} with {', '.join(others)}")
    compliant = all(not why for why in reasons.values())
    return compliant, {d: w for d, w in reasons.items() if w}, {"adapter": adapter, "members": evidence}


def _is_vmotion_only(nic: NicView) -> bool:
    if nic.stack == VMOTION_STACK:
        return set(nic.services) <= {"vmotion", VMOTION_STACK}
    return nic.services == ("vmotion",)


def _carries_vmotion(nic: NicView) -> bool:
    return nic.stack == VMOTION_STACK or "vmotion" in nic.services


def _group_finding(host: HostView, stack: str, family: str, network, members: list[NicView]) -> dict:
    subnet = str(network)
    devices = {n.device for n in members}
    owner = host.route_owner(stack, network, devices)
    others = [n for n in members if n.device != owner] if owner else []
    addresses = {
        n.device: n.v4.text if family == "ipv4" else n.v6[network].text for n in members
    }
    evidence: dict[str, Any] = {
        "addresses": addresses,
        "services": {n.device: list(n.services) for n in members},
        "connected_routes": list(host.connected.get((stack, network), ())),
    }
    generic = "ipv4-same-subnet" if family == "ipv4" else "ipv6-same-prefix"
    where = f"{subnet} on {stack}"
    common = dict(stack=stack, family=family, subnet=subnet, vmknics=devices)
    listed = _join([n.describe() for n in members])
    routing = _routing_clause(owner, others, "subnet" if family == "ipv4" else "prefix")

    management = sorted(devices & host.management, key=vmk_sort_key)
    if management:
        # vCenter reaches the host through this vmknic: no exception makes sharing its subnet safe.
        mgmt = management[0]
        evidence["management_vmknic"] = mgmt
        return _finding(
            host, "management-shares-subnet", **common, route_owner=owner, misrouted=others,
            message=f"{listed} share {where}; {routing}; {mgmt} is the vmknic vCenter uses to reach the host",
            evidence=evidence,
        )

    if any(n.raw.get("iscsi_bindings") for n in members):
        compliant, reasons, iscsi = _iscsi_assessment(members, host)
        evidence["iscsi"] = iscsi
        if compliant:
            uplinks = [iscsi["members"][n.device]["active"][0] for n in members]
            return _finding(
                host, "iscsi-binding-compliant", **common, route_owner=owner,
                message=(f"{_join([n.device for n in members])} share {where} and are all bound to "
                         f"{iscsi['adapter']}, each with its own single active uplink "
                         f"({', '.join(uplinks)}): supported iSCSI port binding"),
                evidence=evidence,
            )
        evidence["iscsi"]["reasons"] = reasons
        detail = "; ".join(f"{d}: {', '.join(w)}" for d, w in sorted(reasons.items(), key=lambda kv: vmk_sort_key(kv[0])))
        return _finding(
            host, "iscsi-binding-noncompliant", **common, route_owner=owner, misrouted=others,
            message=f"{listed} share {where} with non-compliant iSCSI port binding: {detail}",
            evidence=evidence,
        )

    notes = []
    if all(_is_vmotion_only(n) for n in members):
        teaming = {n.device: teaming_of(n.raw, host.portgroups) for n in members}
        evidence["teaming"] = teaming
        bad = []
        for nic in members:
            active = list((teaming[nic.device] or {}).get("active") or ())
            if teaming[nic.device] is None:
                bad.append(f"teaming of {nic.device}'s port group {nic.raw.get('portgroup')} is unknown")
            elif len(active) != 1:
                bad.append(f"{nic.raw.get('portgroup')} of {nic.device} has {len(active)} active uplinks"
                           + (f" ({', '.join(active)})" if active else _unbacked_active(nic.raw, host.portgroups)))
        if not bad:
            uplinks = [teaming[n.device]["active"][0] for n in members]
            return _finding(
                host, "multi-nic-vmotion", **common, route_owner=owner,
                message=(f"{_join([n.device for n in members])} share {where} and carry only vMotion, "
                         f"each port group with one active uplink ({', '.join(uplinks)}): "
                         "supported multi-NIC vMotion"),
                evidence=evidence,
            )
        evidence["vmotion_problems"] = bad
        notes.append("multi-NIC vMotion needs exactly one active uplink per port group ("
                     + "; ".join(bad) + ")")
    elif sum(_carries_vmotion(n) for n in members) >= 2:
        extra = [f"{n.device} carries {_join(_labels(n.services)) or 'untagged traffic'}"
                 for n in members if not _is_vmotion_only(n)]
        notes.append("multi-NIC vMotion groups must carry only vMotion (" + "; ".join(extra) + ")")
    message = f"{listed} share {where}; {routing}"
    if notes:
        message += "; " + "; ".join(notes)
    return _finding(host, generic, **common, route_owner=owner, misrouted=others, message=message,
                    evidence=evidence)


def _overlap_findings(host: HostView, stack: str, groups: dict) -> list[dict]:
    """One finding per outermost IPv4 prefix that encloses other vmknics' longer prefixes."""
    nets = sorted(groups, key=lambda n: (n.plen, n.addr))
    findings = []
    claimed: set = set()
    for outer in nets:
        if outer in claimed:
            continue
        tree = [n for n in nets if n.plen > outer.plen and outer.contains(n)]
        if not tree:
            continue
        claimed.update(tree)
        part_nets = [outer] + tree
        parts, misrouted, members = [], [], []
        for net in sorted(part_nets, key=lambda n: (-n.plen, n.addr)):
            devs = {n.device for n in groups[net]}
            inner = [m for m in part_nets if m.plen > net.plen and net.contains(m)]
            owner = host.route_owner(stack, net, devs)
            parts.append({
                "prefix": str(net), "vmknics": _sorted_vmks(devs), "carried_by": owner,
                "except": [str(m) for m in sorted(inner, key=lambda m: (m.plen, m.addr))],
            })
            members.extend(groups[net])
            if inner:
                misrouted.extend(groups[net])
        outer_owner = parts[-1]["carried_by"]
        via = {p["prefix"]: p["carried_by"] or "one of " + _join(p["vmknics"]) for p in parts}
        clauses = [f"{p['prefix']}{' (the rest)' if p['except'] else ''} through {via[p['prefix']]}"
                   for p in parts]
        described = _join([f"{n.describe()} {groups_net}" for groups_net in part_nets
                           for n in sorted(groups[groups_net], key=lambda n: vmk_sort_key(n.device))])
        # Who loses what: a vmknic's traffic to each longer prefix inside its own subnet.
        losses = []
        for part in reversed(parts):
            for device in part["vmknics"] if part["except"] else ():
                nic = host.by_device[device]
                label = f"{_join(_labels(nic.services))} traffic" if nic.services else "traffic"
                losses.append(f"{label} of {device} leaves through "
                              + _join([f"{via[x]} for {x}" for x in part["except"]]))
        findings.append(_finding(
            host, "ipv4-overlapping-subnet", stack=stack, family="ipv4", subnet=str(outer),
            vmknics={n.device for n in members}, route_owner=outer_owner, misrouted=misrouted,
            message=(f"{described} overlap on {stack}; longest-prefix match sends {_join(clauses)}, "
                     f"so {_join(losses)}"),
            evidence={"parts": parts, "addresses": {n.device: n.v4.text for n in members},
                      "management_vmknic": next(iter(sorted(
                          {n.device for n in members} & host.management, key=vmk_sort_key)), None)},
        ))
    return findings


def _dhcp_finding(host: HostView, stack: str, nics: list[NicView]) -> dict | None:
    dhcp = {}
    for nic in nics:
        families = []
        if (nic.raw.get("ipv4") or {}).get("dhcp"):
            families.append("ipv4")
        if (nic.raw.get("ipv6") or {}).get("dhcp"):
            families.append("ipv6")
        if families:
            dhcp[nic.device] = families
    if len(dhcp) < 2:
        return None
    used = {f for fams in dhcp.values() for f in fams}
    family = next(iter(used)) if len(used) == 1 else None
    leases = {d: (host.by_device[d].v4.text if host.by_device[d].v4 else None) for d in dhcp}
    labels = {"ipv4": "DHCP", "ipv6": "DHCPv6"}
    which = _join([f"{d} ({' and '.join(labels[f] for f in fams)})"
                   for d, fams in sorted(dhcp.items(), key=lambda kv: vmk_sort_key(kv[0]))])
    return _finding(
        host, "dhcp-multiple-vmknics", stack=stack, family=family, vmknics=set(dhcp),
        message=(f"{which} get addresses by DHCP on {stack}; leases from one DHCP scope would put "
                 "them in one subnet and multi-home the stack"),
        evidence={"dhcp": dhcp, "ipv4_leases": leases},
    )


def _interruption_finding(host: "HostView", record: dict) -> dict | None:
    """An interrupted (expired, or unreadable) change record; a live one is a run in progress."""
    if record.get("error"):
        return _finding(host, "remediation-interrupted", message=f"{host.name}: {record['error']}; nothing can be "
                        "recovered automatically: inspect the host and clear the attribute", evidence={"error": record["error"]})
    if record.get("lease") != "expired":
        return None
    info = record["summary"]
    return _finding(
        host, "remediation-interrupted", vmknics=info["vmknics"],
        message=(f"{host.name}: remediation run {info['run']} of {info['owner']}, started {info['time']}, was interrupted "
                 f"after {info['done']} of {info['total']} operations"
                 + (f" (next: {info['next']})" if info["next"] else "") + f"; vmknics affected: {_join(info['vmknics'])}"),
        evidence={key: info[key] for key in ("run", "owner", "job", "time", "phase", "done", "total", "next", "digest")},
    )


def _analyse_host(raw: dict, views: dict | None = None) -> list[dict]:
    host = HostView(raw, views)
    interrupted = _interruption_finding(host, raw["change_record"]) if raw.get("change_record") else None
    if interrupted is not None:
        return [interrupted] + _analyse_config(host, raw)
    return _analyse_config(host, raw)


def _analyse_config(host: "HostView", raw: dict) -> list[dict]:
    if not raw.get("config_available", True):
        state = raw.get("connection_state")
        return [_finding(
            host, "host-not-audited",
            message=f"{host.name} is {state or 'not connected'}; its network configuration was not audited",
            evidence={"connection_state": state},
        )]

    findings: list[dict] = []
    for nic in host.system_owned:
        owner = system_owner(nic)
        findings.append(_finding(
            host, "system-owned-vmknic", stack=nic.get("stack") or DEFAULT_STACK, vmknics=[nic["device"]],
            message=(f"{nic['device']} is owned by {owner} and is excluded from the "
                     "multi-homing audit"),
            evidence={"owner": None if owner == "the system" else owner, "ipv4": nic.get("ipv4"), "services": list(nic.get("services") or ())},
        ))

    by_stack: dict[str, list[NicView]] = {}
    for nic in host.nics:
        by_stack.setdefault(nic.stack, []).append(nic)

    for stack, nics in by_stack.items():
        v4: dict = {}
        v6: dict = {}
        for nic in nics:  # already in vmk order, so member lists are sorted
            if nic.v4 is not None:
                v4.setdefault(nic.v4.net, []).append(nic)
            for net in nic.v6:
                v6.setdefault(net, []).append(nic)

        shared: dict[tuple[str, str], dict] = {}  # (device, family) -> group finding, for overrides
        for family, groups in (("ipv4", v4), ("ipv6", v6)):
            for net, members in groups.items():
                if len(members) < 2:
                    continue
                finding = _group_finding(host, stack, family, net, members)
                findings.append(finding)
                if finding["severity"] == "error":
                    for nic in members:
                        shared.setdefault((nic.device, family), finding)
        for finding in _overlap_findings(host, stack, v4):
            findings.append(finding)
            for device in finding["vmknics"]:
                shared.setdefault((device, "ipv4"), finding)

        for (device, family), group in sorted(shared.items(), key=lambda kv: (vmk_sort_key(kv[0][0]), kv[0][1])):
            gateway = (host.by_device[device].raw.get("gateway_override") or {}).get(family)
            if not gateway:
                continue
            others = _join([d for d in group["vmknics"] if d != device])
            carrier = group["route_owner"] or "one vmknic the route table does not name"
            findings.append(_finding(
                host, "gateway-override-ineffective", stack=stack, family=family,
                subnet=group["subnet"], vmknics=[device], route_owner=group["route_owner"],
                message=(f"{device} overrides its {family} gateway ({gateway}) but shares {group['subnet']} "
                         f"with {others} on {stack}; the override does not change that the stack "
                         f"routes the subnet through {carrier}"),
                evidence={"gateway": gateway, "group_rule": group["rule"], "group_id": group["id"]},
            ))

        dhcp = _dhcp_finding(host, stack, nics)
        if dhcp is not None:
            findings.append(dhcp)
    return findings


def _sort_key(finding: dict) -> tuple:
    return (
        SEVERITY_RANK[finding["severity"]], finding["host"] or "", finding["stack"] or "", finding["rule"],
        [vmk_sort_key(v) for v in finding["vmknics"]], finding["family"] or "", finding["subnet"] or "",
        finding["id"],
    )


def analyse(hosts: list[dict], allow_list: list[dict] | None = None,
            severity_overrides: dict[str, str] | None = None, views: dict | None = None) -> dict:
    """Findings and summary for ``hosts`` (docs/findings.md). Raises ValueError on a bad policy.
    ``views``: the parsed vmknics of an audit of states sharing vmknic dicts with these (HostView)."""
    problems = validate_policy(allow_list, severity_overrides)
    if problems:
        raise ValueError("invalid audit policy: " + "; ".join(problems))
    compiled = compile_allow_list(allow_list or [])
    overrides = severity_overrides or {}

    findings: list[dict] = []
    audited = 0
    for raw in hosts:
        audited += bool(raw.get("config_available", True))
        findings.extend(_analyse_host(raw, views))

    for finding in findings:
        finding["severity"] = overrides.get(finding["rule"], finding["severity"])
        allowed = allow_match(finding, compiled) if compiled else None
        if allowed is not None:
            finding["severity"] = "info"
            finding["allowed"] = allowed
    findings.sort(key=_sort_key)

    summary: dict[str, Any] = {sev: 0 for sev in SEVERITIES}
    by_rule = {rule: 0 for rule in RULES}
    for finding in findings:
        summary[finding["severity"]] += 1
        by_rule[finding["rule"]] += 1
    summary.update(
        hosts_total=len(hosts),
        hosts_audited=audited,
        hosts_not_audited=len(hosts) - audited,
        hosts_with_errors=len({f["host"] for f in findings if f["severity"] == "error"}),
        by_rule=by_rule,
    )
    return {"findings": findings, "summary": summary}
