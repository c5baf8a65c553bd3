# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's view of one host's facts (private): its vmknics with parsed addresses and the
services they carry, its port groups by name and switch, its connected routes and its management
vmknics, indexed the way the rules in ``_audit`` look them up. Pure Python on plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._addresses import LINK_LOCAL, Iface, Net, ip_int, make_iface, parse_net
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, effective_services, system_owner, vmk_sort_key


@dataclass
class NicView:
    device: str
    stack: str
    services: tuple[str, ...]  # effective: the stack's own service when the tag list is empty
    raw: dict
    v4: Iface | None
    v6: dict  # Net -> Iface (the vmknic's first address in that prefix)

    def describe(self) -> str:
        return f"{self.device} ({', '.join(self.services)})" if self.services else self.device


def _ipv4_interface(ipv4: dict | None) -> Iface | None:
    if not ipv4 or not ipv4.get("address"):
        return None
    prefix = ipv4.get("prefix_length")
    if prefix is None:
        prefix = ipv4.get("netmask")
    if prefix is None:
        return None
    iface = make_iface(ipv4["address"], prefix)
    return iface if iface is not None and iface.net.version == 4 else None


def _ipv6_interfaces(ipv6: dict | None) -> dict:
    result: dict = {}
    for addr in (ipv6 or {}).get("addresses") or ():
        # Every vmknic has fe80::/64; it never routes between vmknics (not even parsed when the
        # facts say link_local: each vmknic has one and nothing else of it counts).
        if not addr.get("address") or addr.get("prefix_length") is None or addr.get("link_local"):
            continue
        iface = make_iface(addr["address"], addr["prefix_length"])
        if iface is None or iface.net.version != 6 or LINK_LOCAL.contains(Net(6, iface.ip, 128)):
            continue
        result.setdefault(iface.net, iface)
    return result


def portgroup_of(nic: dict, portgroups: dict) -> dict | None:
    pg = portgroups.get((nic.get("portgroup"), nic.get("switch")))
    if pg is None:
        pg = portgroups.get((nic.get("portgroup"), None))
    return pg


def teaming_of(nic: dict, portgroups: dict) -> dict | None:
    return (portgroup_of(nic, portgroups) or {}).get("teaming")


class HostView:
    """Per-host indexes the rules need. ``views``: NicViews by the id of their vmknic dict, filled
    and reused, for audits of states that share vmknic dicts (the planner's of a host before and
    after its change); a vmknic dict is not changed while the audits that share it run."""

    def __init__(self, host: dict, views: dict | None = None):
        self.host = host
        self.name = host.get("name") or ""
        self.nics: list[NicView] = []
        self.system_owned: list[dict] = []
        for nic in host.get("vmknics") or ():
            known = views.get(id(nic)) if views is not None else None
            if known is not None and known.raw is nic:
                self.nics.append(known)
                continue
            if system_owner(nic) is not None:
                self.system_owned.append(nic)
                continue
            stack = nic.get("stack") or DEFAULT_STACK
            self.nics.append(NicView(
                device=nic["device"], stack=stack, services=effective_services(nic, implied_only_when_untagged=True), raw=nic,
                v4=_ipv4_interface(nic.get("ipv4")), v6=_ipv6_interfaces(nic.get("ipv6")),
            ))
            if views is not None:
                views[id(nic)] = self.nics[-1]
        self.nics.sort(key=lambda n: vmk_sort_key(n.device))
        self.by_device = {n.device: n for n in self.nics}

        # Port groups by (name, switch); by name alone only when the name is unambiguous.
        self.portgroups: dict = {}
        names: dict = {}
        for pg in host.get("portgroups") or ():
            self.portgroups[(pg.get("name"), pg.get("switch"))] = pg
            names.setdefault(pg.get("name"), []).append(pg)
        for name, pgs in names.items():
            if len(pgs) == 1:
                self.portgroups[(name, None)] = pgs[0]

        # Connected routes per (stack, network), devices in the host's order: the first one wins.
        self.connected: dict = {}
        for stack in host.get("stacks") or ():
            for route in stack.get("routes") or ():
                connected = route.get("connected")
                if connected is None:
                    connected = route.get("gateway") in (None, "", "0.0.0.0", "::")
                if not connected or not route.get("device") or not route.get("network"):
                    continue
                net = parse_net(route["network"])
                if net is None:
                    continue
                self.connected.setdefault((stack.get("key"), net), []).append(route["device"])

        mgmt = host.get("management") or {}
        self.management: set[str] = set()
        if mgmt.get("vmknic") in self.by_device:
            self.management.add(mgmt["vmknic"])
        elif mgmt.get("address"):
            try:
                version, address = ip_int(mgmt["address"])
            except ValueError:
                version, address = 0, None
            for nic in self.nics:
                ifaces = [nic.v4] if version == 4 else list(nic.v6.values())
                if any(iface is not None and iface.ip == address for iface in ifaces):
                    self.management.add(nic.device)

    def route_owner(self, stack: str, network, members) -> str | None:
        if len(members) == 1:
            return next(iter(members))
        for device in self.connected.get((stack, network), ()):
            if device in members:
                return device
        return None
