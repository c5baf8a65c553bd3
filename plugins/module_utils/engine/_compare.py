# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare: the projection of a host state that a prediction and a read-back must agree on,
and the differences between two of them (private). Pure Python on plain data.
"""

from __future__ import annotations

import json
from typing import Any


from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import (
    bound_adapters, ipv4_interface_text, is_system_owned, selectable_services, stack_of, standard_portgroups, teaming_arg,
)


def _nic_projection(nic: dict) -> dict:
    """What the planner controls about a vmknic; fields vSphere computes are left out."""
    ipv4 = nic.get("ipv4")
    ipv4_view: Any = "dhcp" if ipv4 and ipv4.get("dhcp") else ipv4_interface_text(ipv4)
    ipv6 = nic.get("ipv6") or {}
    return {
        "portgroup": nic.get("portgroup"), "switch": nic.get("switch"), "stack": stack_of(nic),
        "mtu": nic.get("mtu"), "ipv4": ipv4_view, "gateway_override": nic.get("gateway_override") or None,
        "services": sorted(selectable_services(nic)), "iscsi": bound_adapters(nic), "mac": nic.get("mac"),
        "ipv6": {"autoconf": bool(ipv6.get("autoconf")), "dhcp": bool(ipv6.get("dhcp")),
                 "manual": sorted(f"{a.get('address')}/{a.get('prefix_length')}"
                                  for a in ipv6.get("addresses") or () if a.get("origin") == "manual")},
    }


def _placement_key(nic: dict, view: dict) -> str:
    """A vmknic's name independent of its device: its standard port group, which holds only it;
    on a dvPortgroup, which holds several, also its IPv4 configuration."""
    key = f"{nic.get('switch')}/{nic.get('portgroup')}"
    return key if nic.get("switch_type", "standard") == "standard" else f"{key} {view['ipv4']}"


def _without_mac(view: dict) -> str:
    return json.dumps({k: v for k, v in view.items() if k != "mac"}, sort_keys=True)


def _projection(host: dict, by_device: bool) -> dict:
    placed: dict[str, list[dict]] = {}
    for nic in host.get("vmknics") or ():
        if is_system_owned(nic):
            continue
        view = _nic_projection(nic)
        placed.setdefault(nic["device"] if by_device else _placement_key(nic, view), []).append(view)
    nics = {}
    for key, views in placed.items():
        if len(views) == 1:
            nics[key] = views[0]
            continue
        # Several vmknics with one placement (DHCP vmknics on one dvPortgroup): each is compared,
        # paired in the order of what they hold (a MAC is ESXi's choice for a new vmknic).
        for number, view in enumerate(sorted(views, key=_without_mac), 1):
            nics[f"{key} #{number}"] = view
    pgs = {f"{s}/{n}": {"vlan": pg.get("vlan"), "teaming": teaming_arg(pg.get("teaming"))}
           for (s, n), pg in standard_portgroups(host).items()}
    return {"vmknics": nics, "portgroups": pgs, "software_iscsi_enabled": host.get("software_iscsi_enabled")}


# Everything of a host that _projection reads.
_PROJECTED = ("vmknics", "portgroups", "software_iscsi_enabled")


def projection(host: dict) -> dict:
    """What the planner controls on a host, per vmknic device and standard port group: the view that
    state_differences compares, and what diffs show."""
    return _projection(host, True)


def state_differences(expected: dict, actual: dict, by_device: bool = True) -> list[str]:
    """Differences, as sentences, between two states of one host in what the planner controls
    (device, port group, stack, IPv4, MTU, gateway override, default-stack services, iSCSI
    bindings, MAC, IPv6 settings, standard port groups, software iSCSI). Empty means "as predicted".
    With ``by_device=False`` vmknics are compared by port group, for re-created vmknics whose number
    ESXi chose differently."""
    if all(expected.get(part) == actual.get(part) for part in _PROJECTED):
        return []  # the projections are of equal data: a plan's target and its prediction, mostly
    left, right = _projection(expected, by_device), _projection(actual, by_device)
    problems = []
    for section in ("vmknics", "portgroups"):
        for key in sorted(set(left[section]) | set(right[section])):
            a, b = left[section].get(key), right[section].get(key)
            if a is None or b is None:
                problems.append(f"{section[:-1]} {key}: {'missing' if b is None else 'unexpected'}")
                continue
            if a == b:  # most of a host, most of the time
                continue
            for item in sorted(set(a) | set(b)):
                if item == "mac" and a.get(item) is None:
                    continue  # a new vmknic's MAC is ESXi's choice; a re-created one's is predicted
                if a.get(item) != b.get(item):
                    problems.append(f"{section[:-1]} {key}: {item} is {b.get(item)!r}, expected {a.get(item)!r}")
    if left["software_iscsi_enabled"] != right["software_iscsi_enabled"]:
        problems.append(f"software_iscsi_enabled is {right['software_iscsi_enabled']!r}, "
                        f"expected {left['software_iscsi_enabled']!r}")
    return problems
