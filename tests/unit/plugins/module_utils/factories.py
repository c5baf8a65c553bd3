# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build `vmknic_info` host facts (docs/facts.md) for tests, with every key of the schema filled.

Shorthand is accepted where tests would otherwise repeat boilerplate:

    host = make_host("esx01", [
        make_vmknic("vmk0", "10.0.0.11/24", services=["management"]),
        make_vmknic("vmk1", "10.0.0.12/24", services=["vmotion"]),
    ])

`make_host` adds a port group for every vmknic that names one it was not given, a stack for every
vmknic stack it was not given, connected routes (in the order the vmknics are listed, so the first
listed vmknic of a subnet owns its route) unless `auto_routes=False`, and a management block
pointing at vmk0 unless `management` is passed.
"""

from __future__ import annotations

import copy
import ipaddress
import zlib
from typing import Any

DEFAULT_STACK = "defaultTcpipStack"


def make_teaming(active=("vmnic0", "vmnic1"), standby=(), unused=()) -> dict:
    return {"active": list(active), "standby": list(standby), "unused": sorted(unused)}


def make_portgroup(name: str, *, active=("vmnic0", "vmnic1"), standby=(), unused=(),
                   switch: str = "vSwitch0", switch_type: str = "standard", key: str | None = None,
                   vlan: int | None = 0, teaming: dict | None = None) -> dict:
    return {
        "name": name,
        "switch": switch,
        "switch_type": switch_type,
        "key": key,
        "vlan": vlan,
        "teaming": teaming if teaming is not None else make_teaming(active, standby, unused),
    }


UPLINK_PNICS = {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3", "Uplink 3": None, "Uplink 4": None}


def make_dv_portgroup(name: str, *, active=("Uplink 1",), standby=(), switch: str = "dvs1",
                      switch_uuid: str = "50 2e 7a 11", key: str | None = None, vlan: int | None = 0,
                      vlan_spec: dict | None = None, uplink_pnics: dict | None = None) -> dict:
    """A dvPortgroup as one host sees it: teaming by uplink names, mapped through ``uplink_pnics``
    (uplink name -> this host's vmnic or None) to the vmnic lists the audit reads."""
    pnics = dict(UPLINK_PNICS if uplink_pnics is None else uplink_pnics)
    unused = [u for u in pnics if u not in active and u not in standby]
    return {
        "name": name, "switch": switch, "switch_type": "distributed", "key": key or f"dvportgroup-{zlib.crc32(name.encode()) % 1000}",
        "vlan": vlan,
        "teaming": {"active": [pnics[u] for u in active if pnics.get(u)], "standby": [pnics[u] for u in standby if pnics.get(u)],
                    "unused": sorted(pnics[u] for u in unused if pnics.get(u))},
        "switch_uuid": switch_uuid,
        "vlan_spec": vlan_spec or {"type": "vlan", "vlan_id": vlan, "ranges": None, "pvlan_id": None},
        "uplinks": {"active": list(active), "standby": list(standby), "unused": unused},
        "uplink_pnics": pnics,
    }


def dv_vmknic(device: str, ipv4: str, portgroup: dict, **kwargs: Any) -> dict:
    """A vmknic on a distributed port of ``portgroup`` (from make_dv_portgroup)."""
    number = int("".join(c for c in device if c.isdigit()) or 0)
    return make_vmknic(device, ipv4, portgroup=portgroup["name"], switch=portgroup["switch"], switch_type="distributed",
                       dvs={"switch_uuid": portgroup["switch_uuid"], "portgroup_key": portgroup["key"], "port_key": str(number + 10)},
                       **kwargs)


def make_ipv4(cidr: str | None = None, *, dhcp: bool = False) -> dict:
    """`cidr` is address/prefix (`10.0.0.5/24`); None with dhcp=True is a DHCP vmknic without lease."""
    if cidr is None:
        return {"address": None, "netmask": None, "prefix_length": None, "network": None, "dhcp": dhcp}
    iface = ipaddress.IPv4Interface(cidr)
    return {
        "address": str(iface.ip),
        "netmask": str(iface.netmask),
        "prefix_length": iface.network.prefixlen,
        "network": str(iface.network),
        "dhcp": dhcp,
    }


def make_ipv6_address(cidr: str, *, origin: str = "manual", dad_state: str | None = "preferred") -> dict:
    iface = ipaddress.IPv6Interface(cidr)
    return {
        "address": str(iface.ip),
        "prefix_length": iface.network.prefixlen,
        "network": str(iface.network),
        "origin": origin,
        "link_local": iface.ip.is_link_local,
        "dad_state": dad_state,
    }


def make_ipv6(addresses=(), *, autoconf: bool = False, dhcp: bool = False) -> dict:
    """`addresses`: CIDR strings (origin manual) or dicts from make_ipv6_address."""
    built = [make_ipv6_address(a) if isinstance(a, str) else a for a in addresses]
    return {"autoconf": autoconf, "dhcp": dhcp, "addresses": built}


def make_binding(adapter: str = "vmhba64", *, compliant: bool | None = True, reasons=(),
                 path_status: str | None = "active") -> dict:
    return {
        "adapter": adapter,
        "compliant": compliant,
        "compliance_reasons": list(reasons),
        "path_status": path_status,
    }


def make_vmknic(device: str, ipv4: str | dict | None = None, *, dhcp: bool = False,
                ipv6: dict | list | None = None, services=(), stack: str = DEFAULT_STACK,
                portgroup: str | None = "", switch: str | None = "vSwitch0",
                switch_type: str = "standard", dvs: dict | None = None, mac: str | None = None,
                mtu: int | None = 1500, gateway_override: dict | None = None, iscsi_bindings=(),
                owner: str | None = None, system_owned: bool | None = None) -> dict:
    """A vmknic. `ipv4`: CIDR string, a full dict, or None (no IPv4; with dhcp=True: no lease).
    `ipv6`: a dict from make_ipv6 or a list of CIDRs. `portgroup` defaults to `pg-<device>`."""
    if isinstance(ipv4, str):
        ipv4_obj = make_ipv4(ipv4, dhcp=dhcp)
    elif ipv4 is None and dhcp:
        ipv4_obj = make_ipv4(None, dhcp=True)
    else:
        ipv4_obj = ipv4
    if ipv6 is None:
        ipv6_obj = make_ipv6()
    elif isinstance(ipv6, list):
        ipv6_obj = make_ipv6(ipv6)
    else:
        ipv6_obj = ipv6
    number = int("".join(c for c in device if c.isdigit()) or 0)
    return {
        "device": device,
        "key": f"key-vim.host.VirtualNic-{device}",
        "portgroup": f"pg-{device}" if portgroup == "" else portgroup,
        "switch": switch,
        "switch_type": switch_type,
        "dvs": dvs,
        "stack": stack,
        "mac": mac or f"00:50:56:00:00:{number % 256:02x}",
        "mtu": mtu,
        "ipv4": ipv4_obj,
        "ipv6": ipv6_obj,
        "services": sorted(services),
        "gateway_override": gateway_override,
        "iscsi_bindings": [dict(b) for b in iscsi_bindings],
        "owner": owner,
        "system_owned": bool(owner) if system_owned is None else system_owned,
    }


def make_route(network: str, device: str | None, *, gateway: str | None = None,
               family: str | None = None) -> dict:
    """A route; without `gateway` it is the connected route of `device`."""
    net = ipaddress.ip_network(network, strict=False)
    family = family or ("ipv4" if net.version == 4 else "ipv6")
    if gateway is None:
        gateway = "0.0.0.0" if net.version == 4 else "::"
    return {
        "family": family,
        "network": str(net),
        "gateway": gateway,
        "device": device,
        "connected": gateway in ("0.0.0.0", "::", ""),
    }


def make_stack(key: str = DEFAULT_STACK, routes=(), *, name: str | None = None,
               default_gateway: str | None = None, ipv6_default_gateway: str | None = None) -> dict:
    return {
        "key": key,
        "name": name if name is not None else key,
        "default_gateway": default_gateway,
        "ipv6_default_gateway": ipv6_default_gateway,
        "routes": [dict(r) for r in routes],
    }


def make_iscsi_adapter(device: str = "vmhba64", bound_vmknics=(), *, software: bool = True,
                       binding_support: str | None = "optional") -> dict:
    return {
        "device": device,
        "software": software,
        "binding_support": binding_support,
        "bound_vmknics": sorted(bound_vmknics) if bound_vmknics is not None else None,
    }


def connected_routes(vmknics: list[dict]) -> list[dict]:
    """Connected routes of `vmknics` in list order (system-owned ones included, as on a host)."""
    routes = []
    for nic in vmknics:
        if nic.get("ipv4") and nic["ipv4"].get("network"):
            routes.append(make_route(nic["ipv4"]["network"], nic["device"]))
        for addr in (nic.get("ipv6") or {}).get("addresses") or ():
            routes.append(make_route(addr["network"], nic["device"]))
    return routes


def make_host(name: str = "esx01.example.com", vmknics=(), *, portgroups=None, stacks=None,
              management: dict | None = None, auto_routes: bool = True,
              config_available: bool = True, connection_state: str | None = None,
              datacenter: str = "dc1", cluster: str | None = "cluster1",
              iscsi_adapters=(), software_iscsi_enabled: bool | None = None,
              ipv6_enabled: bool | None = False, moid: str | None = None,
              maintenance_mode: bool = False, errors=()) -> dict:
    vmknics = [copy.deepcopy(v) for v in vmknics]
    if not config_available:
        vmknics, portgroups, stacks, iscsi_adapters = [], [], [], []
    portgroups = [copy.deepcopy(p) for p in (portgroups or ())]
    known_pgs = {(p["name"], p["switch"]) for p in portgroups}
    for nic in vmknics:
        if nic["portgroup"] and (nic["portgroup"], nic["switch"]) not in known_pgs:
            portgroups.append(make_portgroup(nic["portgroup"], switch=nic["switch"] or "vSwitch0",
                                             switch_type=nic["switch_type"]))
            known_pgs.add((nic["portgroup"], nic["switch"]))

    stacks = [copy.deepcopy(s) for s in (stacks or ())]
    by_key = {s["key"]: s for s in stacks}
    if config_available and DEFAULT_STACK not in by_key:
        by_key[DEFAULT_STACK] = make_stack(DEFAULT_STACK)
        stacks.append(by_key[DEFAULT_STACK])
    for nic in vmknics:
        if nic["stack"] not in by_key:
            by_key[nic["stack"]] = make_stack(nic["stack"])
            stacks.append(by_key[nic["stack"]])
    if auto_routes:
        for stack in stacks:
            if not stack["routes"]:
                stack["routes"] = connected_routes([v for v in vmknics if v["stack"] == stack["key"]])

    if management is None:
        vmk0 = next((v for v in vmknics if v["device"] == "vmk0"), None)
        address = (vmk0 or {}).get("ipv4") and vmk0["ipv4"].get("address")
        management = {"address": address, "vmknic": "vmk0" if address else None,
                      "source": "name" if address else None}
    else:
        management = {"address": None, "vmknic": None, "source": None, **management}

    if connection_state is None:
        connection_state = "connected" if config_available else "notResponding"
    return {
        "name": name,
        "moid": moid or f"host-{zlib.crc32(name.encode()) % 10000}",
        "datacenter": datacenter,
        "cluster": cluster,
        "connection_state": connection_state,
        "maintenance_mode": maintenance_mode,
        "config_available": config_available,
        "management": management,
        "ipv6_enabled": ipv6_enabled,
        "vmknics": vmknics,
        "portgroups": portgroups,
        "stacks": stacks,
        "iscsi_adapters": [copy.deepcopy(a) for a in iscsi_adapters],
        "software_iscsi_enabled": software_iscsi_enabled,
        "errors": list(errors),
    }


def with_overrides(obj: dict, **changes: Any) -> dict:
    """A deep copy of `obj` with top-level keys replaced."""
    result = copy.deepcopy(obj)
    result.update(changes)
    return result
