# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's retrieved properties turned into its facts (docs/facts.md): vmknics, standard port
groups, TCP/IP stacks and routes, iSCSI adapters, pNICs and the management endpoint (private).
No call to vSphere: _gather.py reads the properties, in bulk, and hands each host's here."""

from __future__ import annotations

import functools
import ipaddress
import socket
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, vmk_sort_key
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import vmodl_isinstance

if HAS_PYVMOMI:
    from pyVmomi import vim


@functools.lru_cache(maxsize=64)  # a vCenter has few distinct masks; parsing one is not free
def _prefix_of_mask(mask: str | None) -> int | None:
    if not mask:
        return None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def _ipv4(ip_config: Any) -> dict[str, Any] | None:
    if ip_config is None:
        return None
    address, mask, dhcp = ip_config.ipAddress or None, ip_config.subnetMask or None, bool(ip_config.dhcp)
    if not address and not dhcp:
        return None
    prefix = _prefix_of_mask(mask)
    network = None
    if address and prefix is not None:
        network = str(ipaddress.IPv4Interface(f"{address}/{prefix}").network)
    else:
        address = mask = None
    return {"address": address, "netmask": mask, "prefix_length": prefix, "network": network, "dhcp": dhcp}


def _ipv6(ip_config: Any) -> dict[str, Any]:
    v6 = getattr(ip_config, "ipV6Config", None) if ip_config is not None else None
    parsed = []
    for entry in (v6.ipV6Address or []) if v6 else []:
        interface = ipaddress.IPv6Interface(f"{entry.ipAddress}/{entry.prefixLength}")
        parsed.append((interface.ip, int(entry.prefixLength), {
            "address": str(interface.ip),
            "prefix_length": int(entry.prefixLength),
            "network": str(interface.network),
            "origin": entry.origin,
            "link_local": interface.ip.is_link_local,
            "dad_state": entry.dadState,
        }))
    parsed.sort(key=lambda item: item[:2])  # by address (as numbers), then prefix length
    return {
        "autoconf": bool(v6.autoConfigurationEnabled) if v6 else False,
        "dhcp": bool(v6.dhcpV6Enabled) if v6 else False,
        "addresses": [address for _ip, _prefix, address in parsed],
    }


def _gateway_override(spec: Any) -> dict[str, Any] | None:
    route_spec = getattr(spec, "ipRouteSpec", None)
    config = route_spec.ipRouteConfig if route_spec else None
    if config is None or not (config.defaultGateway or config.ipV6DefaultGateway):
        return None
    return {"ipv4": config.defaultGateway or None, "ipv6": config.ipV6DefaultGateway or None}


def _services_by_key(nic_manager_info: Any) -> dict[str, list[str]]:
    """vmknic key -> nicTypes it is selected for. selectedVnic reads '<nicType>.<vmknic key>'."""
    services: dict[str, list[str]] = {}
    for net_config in (nic_manager_info.netConfig or []) if nic_manager_info else []:
        prefix = net_config.nicType + "."
        for selected in net_config.selectedVnic or []:
            key = selected[len(prefix):] if selected.startswith(prefix) else selected
            services.setdefault(key, []).append(net_config.nicType)
    return services


def _standard_portgroups(portgroups: list[Any], vswitches: list[Any]) -> list[dict[str, Any]]:
    uplinks_of = {}
    for vswitch in vswitches or []:
        bridge = getattr(vswitch.spec, "bridge", None) if vswitch.spec else None
        devices = list(getattr(bridge, "nicDevice", None) or [])
        if not devices:
            devices = [key.rsplit("-", 1)[-1] for key in vswitch.pnic or []]
        uplinks_of[vswitch.name] = devices
    result = []
    for portgroup in portgroups or []:
        spec = portgroup.spec
        switch = spec.vswitchName
        order = None
        policy = portgroup.computedPolicy or spec.policy
        if policy and policy.nicTeaming and policy.nicTeaming.nicOrder:
            order = policy.nicTeaming.nicOrder
        active = list(order.activeNic or []) if order else []
        standby = list(order.standbyNic or []) if order else []
        unused = sorted(set(uplinks_of.get(switch, [])) - set(active) - set(standby))
        result.append({
            "name": spec.name, "switch": switch, "switch_type": "standard", "key": None,
            "vlan": spec.vlanId, "teaming": {"active": active, "standby": standby, "unused": unused},
        })
    return result


def _pnics(pnics: Any) -> list[dict[str, Any]]:
    """Physical NICs and whether they have link (ESXi leaves linkSpeed unset without link)."""
    return sorted(({"device": p.device, "link": p.linkSpeed is not None} for p in pnics or []),
                  key=lambda p: p["device"])


@functools.lru_cache(maxsize=4096)  # hosts of one vCenter share most of their route networks
def _route_network(network: str, prefix: int) -> str:
    return str(ipaddress.ip_network(f"{network}/{prefix}", strict=False))


def _routes(stack: Any, default_route_info: Any, is_default: bool) -> list[dict[str, Any]]:
    entries: list[tuple[str, Any]] = []
    table = getattr(stack, "routeTableConfig", None)
    if table is not None and (table.ipRoute or table.ipv6Route):
        entries = [("ipv4", op.route) for op in table.ipRoute or []] + [("ipv6", op.route) for op in table.ipv6Route or []]
    elif is_default and default_route_info is not None:
        # Older hosts fill only the deprecated top-level table, which is the default stack's.
        entries = [("ipv4", r) for r in default_route_info.ipRoute or []] + [("ipv6", r) for r in default_route_info.ipv6Route or []]
    routes = []
    for family, route in entries:
        gateway = route.gateway or None
        routes.append({
            "family": family, "network": _route_network(route.network, route.prefixLength), "gateway": gateway,
            "device": route.deviceName or None, "connected": gateway in (None, "0.0.0.0", "::"),
        })
    return routes


def _stacks(props: dict[str, Any]) -> list[dict[str, Any]]:
    stacks = []
    default_gateway_config = props.get("config.network.ipRouteConfig")
    for stack in props.get("config.network.netStackInstance") or []:
        is_default = stack.key == DEFAULT_STACK
        gateways = stack.ipRouteConfig or (default_gateway_config if is_default else None)
        stacks.append({
            "key": stack.key,
            "name": stack.name or None,
            "default_gateway": (gateways.defaultGateway or None) if gateways else None,
            "ipv6_default_gateway": (gateways.ipV6DefaultGateway or None) if gateways else None,
            "routes": _routes(stack, props.get("config.network.routeTableInfo"), is_default),
        })
    return sorted(stacks, key=lambda s: s["key"])


def _iscsi_adapters(props: dict[str, Any]) -> list[dict[str, Any]]:
    adapters = []
    for hba in props.get("config.storageDevice.hostBusAdapter") or []:
        if vmodl_isinstance(hba, vim.host.InternetScsiHba):
            adapters.append({
                "device": hba.device,
                "software": bool(hba.isSoftwareBased),
                "binding_support": getattr(hba, "networkBindingSupport", None),
                "bound_vmknics": None,
            })
    return sorted(adapters, key=lambda a: a["device"])


def host_facts(props: dict[str, Any], moid: str, datacenter: str | None, cluster: str | None) -> dict[str, Any]:
    """One host's facts (docs/facts.md) from its retrieved properties. A vmknic on a distributed
    port names its dvPortgroup and switch once add_distributed_portgroups has run."""
    state = props.get("runtime.connectionState") or "disconnected"
    facts: dict[str, Any] = {
        "name": props.get("name"), "moid": moid, "datacenter": datacenter, "cluster": cluster,
        "connection_state": state, "maintenance_mode": bool(props.get("runtime.inMaintenanceMode")),
        "config_available": state == "connected",
        "management": {"address": None, "vmknic": None, "source": None},
        "ipv6_enabled": None, "vmknics": [], "portgroups": [], "stacks": [], "iscsi_adapters": [],
        "software_iscsi_enabled": None, "errors": [],
        "vcenter_address": props.get("summary.managementServerIp") or None, "pnics": [],
    }
    if state != "connected":
        # vCenter's cached config of a host it cannot reach is not evidence of the host's state.
        return facts
    facts["pnics"] = _pnics(props.get("config.network.pnic"))
    ipv6_enabled = props.get("config.network.ipV6Enabled")
    facts["ipv6_enabled"] = None if ipv6_enabled is None else bool(ipv6_enabled)
    iscsi_enabled = props.get("config.storageDevice.softwareInternetScsiEnabled")
    facts["software_iscsi_enabled"] = None if iscsi_enabled is None else bool(iscsi_enabled)
    standard = _standard_portgroups(props.get("config.network.portgroup"), props.get("config.network.vswitch"))
    portgroups = {("standard", pg["name"]): pg for pg in standard}
    services = _services_by_key(props.get("config.virtualNicManagerInfo"))
    vmknics = []
    for vnic in props.get("config.network.vnic") or []:
        spec = vnic.spec
        dv_port = getattr(spec, "distributedVirtualPort", None)
        dvs = None
        if dv_port is not None and dv_port.switchUuid:
            dvs = {"switch_uuid": dv_port.switchUuid, "portgroup_key": dv_port.portgroupKey or None, "port_key": dv_port.portKey or None}
            portgroup_name = switch = None  # add_distributed_portgroups
            switch_type = "distributed"
        elif getattr(spec, "opaqueNetwork", None) is not None:
            portgroup_name, switch, switch_type = None, None, "opaque"
        else:
            portgroup_name = vnic.portgroup or None
            known = portgroups.get(("standard", portgroup_name))
            switch, switch_type = (known["switch"] if known else None), "standard"
        owner = getattr(vnic, "owner", None) or None
        vmknics.append({
            "device": vnic.device, "key": vnic.key, "portgroup": portgroup_name, "switch": switch,
            "switch_type": switch_type, "dvs": dvs, "stack": spec.netStackInstanceKey or DEFAULT_STACK,
            "mac": spec.mac or None, "mtu": spec.mtu, "ipv4": _ipv4(spec.ip), "ipv6": _ipv6(spec.ip),
            "services": sorted(services.get(vnic.key, [])), "gateway_override": _gateway_override(spec),
            "iscsi_bindings": [], "owner": owner,
            "system_owned": bool(owner) or bool(getattr(spec, "systemOwned", False)),
        })
    facts["vmknics"] = sorted(vmknics, key=lambda v: vmk_sort_key(v["device"]))
    facts["portgroups"] = sorted(portgroups.values(), key=lambda p: (p["switch_type"], p["switch"] or "", p["name"]))
    facts["stacks"] = _stacks(props)
    facts["iscsi_adapters"] = _iscsi_adapters(props)
    facts["management"] = management_endpoint(facts)
    return facts


def _resolve(name: str) -> list[str]:
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []


def management_endpoint(facts: dict[str, Any]) -> dict[str, Any]:
    """The address vCenter uses for the host, and the vmknic holding it (docs/facts.md)."""
    by_address = {}
    for vmknic in facts["vmknics"]:
        if vmknic["ipv4"] and vmknic["ipv4"]["address"]:
            by_address[vmknic["ipv4"]["address"]] = vmknic["device"]
        for entry in vmknic["ipv6"]["addresses"]:
            by_address[entry["address"]] = vmknic["device"]
    name = facts["name"] or ""
    try:
        literal = str(ipaddress.ip_address(name))
        return {"address": literal, "vmknic": by_address.get(literal), "source": "name"}
    except ValueError:
        pass
    for address in _resolve(name):
        if address in by_address:
            return {"address": address, "vmknic": by_address[address], "source": "dns"}
    tagged = [v for v in facts["vmknics"] if "management" in v["services"] and v["stack"] == DEFAULT_STACK
              and v["ipv4"] and v["ipv4"]["address"]]
    if len(tagged) == 1:
        return {"address": tagged[0]["ipv4"]["address"], "vmknic": tagged[0]["device"], "source": "service_tag"}
    return {"address": None, "vmknic": None, "source": None}
