# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vmknic module's request (private): one VMkernel adapter as declared."""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._intent import MTU_MAX, MTU_MIN
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, IMPLIED_SERVICES, SYSTEM_STACKS, system_owner
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import InvalidOptions
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import VSAN_SERVICES, find_vmknic, ipv4_static, management_devices
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._request import (
    Desired, Refused, iscsi_bindings, listed, portgroup_holders,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import services_lost_on_stack

# Placeholder device of a vmknic still to be created: ESXi names it, reconcile predicts the name.
NEW_DEVICE = "new"
# Services SelectVnicForNicType can set (HostVirtualNicManagerNicType, ESXI-NETWORKING.md 1.4);
# vSAN tags are left out on purpose: they belong to HostVsanSystem.UpdateVsan_Task.
SERVICES = ("faultToleranceLogging", "management", "nvmeRdma", "nvmeTcp", "ptp", "vSphereBackupNFC",
            "vSphereProvisioning", "vSphereReplication", "vSphereReplicationNFC", "vmotion")


def _parse_ipv4(value: Optional[Mapping[str, Any]], problems: list[str]) -> Optional[dict]:
    """The facts form of the ``ipv4`` option, or None (not declared)."""
    if value is None:
        return None
    address, netmask, prefix, dhcp = (value.get(k) for k in ("address", "netmask", "prefix_length", "dhcp"))
    if dhcp:
        if address or netmask or prefix is not None:
            problems.append("ipv4: dhcp: true takes no address, netmask or prefix_length")
        return {"address": None, "netmask": None, "prefix_length": None, "network": None, "dhcp": True}
    if not address or (netmask is None) == (prefix is None):
        problems.append("ipv4: give address with either netmask or prefix_length, or dhcp: true")
        return None
    try:
        interface = ipaddress.IPv4Interface(f"{address}/{netmask if netmask is not None else prefix}")
    except ValueError as error:
        problems.append(f"ipv4: {error}")
        return None
    network = interface.network
    if network.prefixlen <= 30 and interface.ip in (network.network_address, network.broadcast_address):
        problems.append(f"ipv4: {interface.ip} is the network or broadcast address of {network}")
        return None
    return ipv4_static(interface.ip, interface.network)


@dataclass(frozen=True)
class VmknicRequest:
    """The vmknic module's options, validated."""

    state: str = "present"
    device: Optional[str] = None
    portgroup: Optional[str] = None
    switch: Optional[str] = None
    stack: Optional[str] = None
    ipv4: Optional[dict] = None
    mtu: Optional[int] = None
    services: Optional[tuple[str, ...]] = None
    gateway: Optional[str] = None  # "" removes the IPv4 gateway override

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "VmknicRequest":
        problems: list[str] = []
        if not params.get("device") and not params.get("portgroup"):
            problems.append("give device, portgroup, or both")
        ipv4 = _parse_ipv4(params.get("ipv4"), problems)
        mtu = params.get("mtu")
        if mtu is not None and not MTU_MIN <= mtu <= MTU_MAX:
            problems.append(f"mtu: {mtu} is outside {MTU_MIN}-{MTU_MAX}")
        gateway = params.get("gateway")
        if gateway:
            try:
                ipaddress.IPv4Address(gateway)
            except ValueError:
                problems.append(f"gateway: {gateway} is not an IPv4 address")
        services = params.get("services")
        if params.get("state") == "absent":
            given = [k for k in ("stack", "ipv4", "mtu", "services", "gateway") if params.get(k) is not None]
            if given:
                problems.append(f"state: absent takes no {', '.join(given)}")
        if problems:
            raise InvalidOptions(problems)
        return cls(state=params.get("state") or "present", device=params.get("device") or None,
                   portgroup=params.get("portgroup") or None, switch=params.get("switch") or None,
                   stack=params.get("stack") or None, ipv4=ipv4, mtu=mtu,
                   services=None if services is None else tuple(sorted(set(services))), gateway=gateway)

    # ----------------------------------------------------------------- lookups

    def _locate(self, host: dict, attachable: Sequence[dict]) -> Optional[dict]:
        """The vmknic the options name: by device, else the one on the port group."""
        if self.device:
            nic = find_vmknic(host, self.device)
            if nic is None and self.state == "present":
                raise Refused([f"{self.device} does not exist; to create a vmknic give portgroup without device "
                               "(ESXi chooses the device name)"])
            if nic is not None and self.state == "absent" and self.portgroup and nic.get("portgroup") != self.portgroup:
                raise Refused([f"{self.device} is on port group {nic.get('portgroup')}, not {self.portgroup}"])
            return nic
        self._check_unambiguous(self._candidates(host, attachable))
        holders = [n for n in host.get("vmknics") or ()
                   if n.get("portgroup") == self.portgroup and self.switch in (None, n.get("switch"))]
        if len(holders) > 1:
            raise Refused([f"port group {self.portgroup} holds {', '.join(n['device'] for n in holders)}; "
                           "give device to say which"])
        return holders[0] if holders else None

    def _candidates(self, host: dict, attachable: Sequence[dict]) -> list[dict]:
        """The port groups named ``portgroup`` (on ``switch`` when given): standard ones, and
        dvPortgroups the facts list or the host could attach to."""
        listed_keys = {(p.get("switch_type", "standard"), p["switch"], p["name"]) for p in host.get("portgroups") or ()}
        known = list(host.get("portgroups") or ()) + [p for p in attachable if (p["switch_type"], p["switch"], p["name"]) not in listed_keys]
        return [p for p in known if p["name"] == self.portgroup and self.switch in (None, p["switch"])
                and p.get("switch_type", "standard") in ("standard", "distributed")]

    def _check_unambiguous(self, matches: list[dict]) -> None:
        """A name on several switches (standard and distributed alike) needs ``switch`` to say which."""
        if len(matches) > 1:
            raise Refused([f"port group {self.portgroup} exists on {', '.join(p['switch'] for p in matches)}; "
                           "give switch to say which"])

    def _portgroup(self, host: dict, attachable: Sequence[dict]) -> dict:
        """The standard port group or dvPortgroup a vmknic is created on or moved to."""
        matches = self._candidates(host, attachable)
        if not matches:
            known = sorted({p["name"] for p in host.get("portgroups") or () if p.get("switch_type") == "standard"})
            distributed = sorted({p["name"] for p in attachable})
            where = f" on {self.switch}" if self.switch else ""
            others = f"; distributed port groups: {listed(distributed)}" if distributed else ""
            raise Refused([f"port group {self.portgroup}{where} does not exist (standard port groups: {listed(known)}{others})"])
        self._check_unambiguous(matches)
        return matches[0]

    @staticmethod
    def _check_stack_exists(host: dict, stack: str) -> None:
        if stack not in SYSTEM_STACKS and stack not in {s["key"] for s in host.get("stacks") or ()}:
            raise Refused([f"stack {stack} does not exist on the host (create custom stacks with "
                           f"'esxcli network ip netstack add -N {stack}' first)"])

    # ----------------------------------------------------------------- settings

    def _services(self, nic: Optional[dict], stack: str) -> list[str]:
        """The target's service tags. Tags exist on the default stack only; the vmotion and
        vSphereProvisioning stacks carry their own traffic; vSAN tags are kept as they are."""
        current = set((nic or {}).get("services") or ())
        implied = set(IMPLIED_SERVICES.get(stack, ()))
        if stack != DEFAULT_STACK:
            wanted = set(self.services) if self.services is not None else current
            lost = services_lost_on_stack(wanted, stack)
            if lost:
                device = (nic or {}).get("device", "the vmknic")
                raise Refused([f"{device} would carry {', '.join(lost)}, which cannot be enabled on stack {stack} "
                               "(services are tags of the default stack; set services to [] to drop them)"])
            # ESXi lists a vmknic on the vmotion / vSphereProvisioning stack as selected for that
            # traffic (no tag is set); on another stack it carries none (vSAN tags are kept).
            kept = current & set(VSAN_SERVICES) if nic is not None and nic.get("stack") == stack else set()
            return sorted(implied | kept)
        if self.services is None:
            return sorted(current)
        return sorted(set(self.services) | (current & set(VSAN_SERVICES)))

    def _gateway(self, nic: dict, target: dict) -> Optional[dict]:
        """The target's gateway override; its IPv6 part is kept as it is."""
        current = nic.get("gateway_override") or {}
        ipv4 = current.get("ipv4")
        if self.gateway is not None:
            ipv4 = self.gateway or None
        network = (target.get("ipv4") or {}).get("network")
        if ipv4 and network and ipaddress.IPv4Address(ipv4) not in ipaddress.IPv4Network(network):
            if self.gateway:
                raise Refused([f"gateway {ipv4} is outside {nic['device']}'s subnet {network}"])
            raise Refused([f"{nic['device']} has the gateway override {ipv4}, which is outside its new subnet {network}; "
                           "set gateway to an address in it, or to '' to remove the override"])
        if ipv4 is None and current.get("ipv6") is None:
            return None
        return {"ipv4": ipv4, "ipv6": current.get("ipv6")}

    def _check_address(self, host: dict, device: str) -> None:
        address = (self.ipv4 or {}).get("address")
        for other in host.get("vmknics") or ():
            if address and other["device"] != device and (other.get("ipv4") or {}).get("address") == address:
                raise Refused([f"{address} is already the address of {other['device']}"])

    def _check_stack_move(self, host: dict, nic: dict, stack: str) -> None:
        device = nic["device"]
        if device in management_devices(host):
            raise Refused([f"{device} is the vmknic vCenter uses to manage the host; a stack change removes and "
                           "re-creates it, which is never done"])
        if iscsi_bindings(nic):
            raise Refused([f"{device} is bound to iSCSI adapter {', '.join(sorted(iscsi_bindings(nic)))}; a stack change "
                           "re-creates it: unbind it first (vmkernel.multihoming.iscsi_port_binding)"])
        if nic.get("switch_type", "standard") not in ("standard", "distributed"):
            raise Refused([f"{device} is on {nic.get('switch_type')} switch {nic.get('switch')}; a stack change "
                           "re-creates it, which this module does on standard and distributed port groups only"])
        if set(nic.get("services") or ()) & set(VSAN_SERVICES):
            raise Refused([f"{device} carries vSAN traffic, set through vSAN; a stack change would drop it"])
        self._check_stack_exists(host, stack)

    # ----------------------------------------------------------------- target

    def desired(self, host: dict, attachable: Sequence[dict] = ()) -> Desired:
        nic = self._locate(host, attachable)
        target = copy.deepcopy(host)
        before = copy.deepcopy(nic)
        if self.state == "absent":
            if nic is not None:
                self._check_removable(host, nic)
                target["vmknics"] = [n for n in target["vmknics"] if n["device"] != nic["device"]]
            device = nic["device"] if nic else self.device
            return Desired(target, before, lambda state: copy.deepcopy(find_vmknic(state, device)))
        if nic is None:
            wanted = self._create(host, attachable)
            target["vmknics"].append(wanted)
        else:
            wanted = self._update(host, nic, find_vmknic(target, nic["device"]), attachable)
        _list_portgroup(target, wanted, attachable)
        identity = (wanted["switch"], wanted["portgroup"])
        devices = {n["device"] for n in host.get("vmknics") or ()}
        return Desired(target, before, lambda state: copy.deepcopy(_vmknic_after(state, identity, nic, devices)))

    def _check_removable(self, host: dict, nic: dict) -> None:
        device = nic["device"]
        if device in management_devices(host):
            raise Refused([f"{device} is the vmknic vCenter uses to manage the host; it is never removed"])
        owner = system_owner(nic)
        if owner:
            raise Refused([f"{device} is owned by {owner}, which manages it; it is not removed here"])
        if iscsi_bindings(nic):
            raise Refused([f"{device} is bound to iSCSI adapter {', '.join(sorted(iscsi_bindings(nic)))}; unbind it first "
                           "(vmkernel.multihoming.iscsi_port_binding, state: absent)"])

    def _create(self, host: dict, attachable: Sequence[dict]) -> dict:
        pg = self._portgroup(host, attachable)
        if self.ipv4 is None:
            raise Refused(["ipv4 is required to create a vmknic"])
        stack = self.stack or DEFAULT_STACK
        self._check_stack_exists(host, stack)
        self._check_address(host, NEW_DEVICE)
        new = {
            "device": NEW_DEVICE, "key": None, **_placement(pg), "stack": stack, "mac": None, "mtu": self.mtu or 1500,
            "ipv4": copy.deepcopy(self.ipv4), "ipv6": {"autoconf": False, "dhcp": False, "addresses": []},
            "services": [], "gateway_override": None, "iscsi_bindings": [], "owner": None, "system_owned": False,
        }
        new["services"] = self._services(None, stack)
        new["gateway_override"] = self._gateway(new, new)
        return new

    def _update(self, host: dict, nic: dict, target_nic: dict, attachable: Sequence[dict]) -> dict:
        device = nic["device"]
        owner = system_owner(nic)
        if owner:
            raise Refused([f"{device} is owned by {owner}, which manages it; it is not changed here"])
        if self.portgroup and (self.portgroup, self.switch or nic.get("switch")) != (nic.get("portgroup"), nic.get("switch")):
            if nic.get("switch_type", "standard") not in ("standard", "distributed"):
                raise Refused([f"{device} is on {nic.get('switch_type')} switch {nic.get('switch')}; this module moves "
                               "vmknics between standard and distributed port groups only"])
            pg = self._portgroup(host, attachable)
            holders = portgroup_holders(host, pg) if pg.get("switch_type", "standard") == "standard" else []
            if holders:
                raise Refused([f"port group {pg['name']} on {pg['switch']} already holds {', '.join(holders)}; "
                               "a standard port group holds one vmknic"])
            target_nic.update(_placement(pg))
        stack = self.stack or nic.get("stack") or DEFAULT_STACK
        if stack != (nic.get("stack") or DEFAULT_STACK):
            self._check_stack_move(host, nic, stack)
            target_nic["stack"] = stack
        if self.ipv4 is not None:
            self._check_address(host, device)
            target_nic["ipv4"] = copy.deepcopy(self.ipv4)
        if self.mtu is not None:
            target_nic["mtu"] = self.mtu
        target_nic["services"] = self._services(nic, stack)
        target_nic["gateway_override"] = self._gateway(nic, target_nic)
        return target_nic


def _placement(pg: dict) -> dict:
    """The facts' fields of a vmknic on port group ``pg``: a dvPortgroup gives its switch UUID and
    key (the port is vCenter's choice)."""
    distributed = pg.get("switch_type") == "distributed"
    return {"portgroup": pg["name"], "switch": pg["switch"], "switch_type": "distributed" if distributed else "standard",
            "dvs": {"switch_uuid": pg.get("switch_uuid"), "portgroup_key": pg.get("key"), "port_key": None} if distributed else None}


def _list_portgroup(target: dict, wanted: dict, attachable: Sequence[dict]) -> None:
    """The target lists the dvPortgroup its vmknic is placed on, as the facts will."""
    if wanted.get("switch_type") != "distributed":
        return
    place = (wanted["switch"], wanted["portgroup"])
    if any(p.get("switch_type") == "distributed" and (p["switch"], p["name"]) == place for p in target["portgroups"]):
        return
    target["portgroups"].extend(copy.deepcopy(p) for p in attachable if (p["switch"], p["name"]) == place)


def _vmknic_after(state: dict, identity: tuple, nic: Optional[dict], devices: set[str]) -> Optional[dict]:
    """The vmknic in a later state. A new one: the vmknic on its port group that did not exist
    before (ESXi chooses the device name). An existing one: by its MAC, which a re-created vmknic
    keeps while its device name is ESXi's choice (by device when the MAC is unknown)."""
    if nic is None:
        return next((n for n in state.get("vmknics") or ()
                     if (n.get("switch"), n.get("portgroup")) == identity and n["device"] not in devices), None)
    if nic.get("mac"):
        return next((n for n in state.get("vmknics") or () if n.get("mac") == nic["mac"]), None)
    return find_vmknic(state, nic["device"])
