# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative per-host changes as plain data (private): what the vmknic, iscsi_port_binding and
standard_portgroup modules turn their options into.

Each request validates its options (``from_params``, InvalidOptions) and, given one host's facts
(docs/facts.md), builds the *target* facts: a deep copy of the host with the declared settings
(``desired``, Refused when the change is not safe or not possible). ``plan_change`` then lets the
planner do the rest, exactly as a remediation does: ``reconcile`` gives the ordered operations,
``simulate`` the predicted state, and the shared checks refuse what no module may do (the
management vmknic, iSCSI bindings that would break). No pyVmomi, no Ansible: the one vSphere
question asked here (QueryMigrationDependencies) comes in as a callable.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Protocol

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._intent import MTU_MAX, MTU_MIN
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import (
    DEFAULT_STACK, IMPLIED_SERVICES, SOFTWARE_ADAPTER, SYSTEM_STACKS, system_owner, vmk_sort_key,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import InvalidOptions, PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import explicit_teaming, find_portgroup, simulate, switch_uplinks
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import VSAN_SERVICES, find_vmknic, ipv4_static, management_devices
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import (
    management_problems, services_lost_on_stack, untrusted_facts, vcenter_path_problems,
)
# The planner's own notion of "the management vmknic" (with its safe fallback) and of a vSwitch's
# uplinks, so that these modules refuse exactly what a remediation refuses.

# Placeholder device of a vmknic still to be created: ESXi names it, reconcile predicts the name.
NEW_DEVICE = "new"
# Services SelectVnicForNicType can set (HostVirtualNicManagerNicType, ESXI-NETWORKING.md 1.4);
# vSAN tags are left out on purpose: they belong to HostVsanSystem.UpdateVsan_Task.
SERVICES = ("faultToleranceLogging", "management", "nvmeRdma", "nvmeTcp", "ptp", "vSphereBackupNFC",
            "vSphereProvisioning", "vSphereReplication", "vSphereReplicationNFC", "vmotion")
VLAN_ALL = 4095  # on a standard port group: every VLAN passed to the guest (VGT)

DependencyQuery = Callable[[list[str]], dict]
View = Callable[[dict], Any]


class Refused(PlanError):
    """The declared state cannot be reached safely on this host; nothing is changed."""


@dataclass
class Desired:
    """A request resolved against one host: the facts to reach, and how to show the resource."""

    target: dict
    before: Any                 # the resource as read (the module's RV(before))
    view: View                  # the resource in any later state of the host (RV(after))
    force_unbind: bool = False  # UnbindVnic with force (iscsi_port_binding's force option)
    warnings: list[str] = field(default_factory=list)


class Request(Protocol):
    """What a per-host module declares: validated options that resolve against one host's facts."""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "Request":
        ...

    def desired(self, host: dict) -> Desired:
        ...


@dataclass
class Change:
    """What a module applies: the HostApplier entry, and warnings for the user."""

    entry: dict
    desired: Desired
    warnings: list[str] = field(default_factory=list)


# =========================================================================== facts lookups


def _holders(host: dict, pg: dict) -> list[str]:
    return [n["device"] for n in host.get("vmknics") or ()
            if (n.get("switch"), n.get("portgroup")) == (pg["switch"], pg["name"])]


def _bindings(nic: dict) -> dict[str, dict]:
    return {b["adapter"]: b for b in nic.get("iscsi_bindings") or () if b.get("adapter")}


def _list(items: Any) -> str:
    return ", ".join(items) or "none"


def _teaming_text(pg: dict) -> str:
    team = pg.get("teaming") or {}
    return f"active [{', '.join(team.get('active') or ())}] and standby [{', '.join(team.get('standby') or ())}]"


def _check_host(host: dict) -> None:
    """Only a connected host with complete facts is changed (as the planner plans only those)."""
    distrust = untrusted_facts(host)
    if distrust == "state":
        raise Refused([f"host is {host.get('connection_state')}; its configuration is not trusted and it is not changed"])
    if distrust == "facts":
        raise Refused(["the host's facts are incomplete (" + "; ".join(host["errors"]) + ")"])


# =========================================================================== vmknic


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

    def _locate(self, host: dict) -> Optional[dict]:
        """The vmknic the options name: by device, else the one on the port group."""
        if self.device:
            nic = find_vmknic(host, self.device)
            if nic is None and self.state == "present":
                raise Refused([f"{self.device} does not exist; to create a vmknic give portgroup without device "
                               "(ESXi chooses the device name)"])
            if nic is not None and self.state == "absent" and self.portgroup and nic.get("portgroup") != self.portgroup:
                raise Refused([f"{self.device} is on port group {nic.get('portgroup')}, not {self.portgroup}"])
            return nic
        holders = [n for n in host.get("vmknics") or ()
                   if n.get("portgroup") == self.portgroup and self.switch in (None, n.get("switch"))]
        if len(holders) > 1:
            raise Refused([f"port group {self.portgroup} holds {', '.join(n['device'] for n in holders)}; "
                           "give device to say which"])
        return holders[0] if holders else None

    def _portgroup(self, host: dict) -> dict:
        """The standard port group a vmknic is created on or moved to."""
        matches = [p for p in host.get("portgroups") or ()
                   if p["name"] == self.portgroup and self.switch in (None, p["switch"])]
        if not matches:
            known = sorted({p["name"] for p in host.get("portgroups") or () if p.get("switch_type") == "standard"})
            where = f" on {self.switch}" if self.switch else ""
            raise Refused([f"port group {self.portgroup}{where} does not exist (standard port groups: {_list(known)})"])
        if len(matches) > 1:
            raise Refused([f"port group {self.portgroup} exists on {', '.join(p['switch'] for p in matches)}; "
                           "give switch to say which"])
        pg = matches[0]
        if pg.get("switch_type", "standard") != "standard":
            raise Refused([f"port group {pg['name']} is on distributed switch {pg['switch']}; this module creates and "
                           "moves vmknics on standard port groups only"])
        return pg

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
        if _bindings(nic):
            raise Refused([f"{device} is bound to iSCSI adapter {', '.join(sorted(_bindings(nic)))}; a stack change "
                           "re-creates it: unbind it first (vmkernel.multihoming.iscsi_port_binding)"])
        if nic.get("switch_type", "standard") != "standard":
            raise Refused([f"{device} is on {nic.get('switch_type')} switch {nic.get('switch')}; a stack change "
                           "re-creates it, which this module does on standard port groups only"])
        if set(nic.get("services") or ()) & set(VSAN_SERVICES):
            raise Refused([f"{device} carries vSAN traffic, set through vSAN; a stack change would drop it"])
        self._check_stack_exists(host, stack)

    # ----------------------------------------------------------------- target

    def desired(self, host: dict) -> Desired:
        nic = self._locate(host)
        target = copy.deepcopy(host)
        before = copy.deepcopy(nic)
        if self.state == "absent":
            if nic is not None:
                self._check_removable(host, nic)
                target["vmknics"] = [n for n in target["vmknics"] if n["device"] != nic["device"]]
            device = nic["device"] if nic else self.device
            return Desired(target, before, lambda state: copy.deepcopy(find_vmknic(state, device)))
        if nic is None:
            wanted = self._create(host)
            target["vmknics"].append(wanted)
        else:
            wanted = self._update(host, nic, find_vmknic(target, nic["device"]))
        identity = (wanted["switch"], wanted["portgroup"])
        return Desired(target, before, lambda state: copy.deepcopy(_vmknic_after(state, identity, nic)),
                       warnings=_dedicated_stack_warnings(host, nic, wanted))

    def _check_removable(self, host: dict, nic: dict) -> None:
        device = nic["device"]
        if device in management_devices(host):
            raise Refused([f"{device} is the vmknic vCenter uses to manage the host; it is never removed"])
        owner = system_owner(nic)
        if owner:
            raise Refused([f"{device} is owned by {owner}, which manages it; it is not removed here"])
        if _bindings(nic):
            raise Refused([f"{device} is bound to iSCSI adapter {', '.join(sorted(_bindings(nic)))}; unbind it first "
                           "(vmkernel.multihoming.iscsi_port_binding, state: absent)"])

    def _create(self, host: dict) -> dict:
        pg = self._portgroup(host)
        if self.ipv4 is None:
            raise Refused(["ipv4 is required to create a vmknic"])
        stack = self.stack or DEFAULT_STACK
        self._check_stack_exists(host, stack)
        self._check_address(host, NEW_DEVICE)
        new = {
            "device": NEW_DEVICE, "key": None, "portgroup": pg["name"], "switch": pg["switch"],
            "switch_type": "standard", "dvs": None, "stack": stack, "mac": None, "mtu": self.mtu or 1500,
            "ipv4": copy.deepcopy(self.ipv4), "ipv6": {"autoconf": False, "dhcp": False, "addresses": []},
            "services": [], "gateway_override": None, "iscsi_bindings": [], "owner": None, "system_owned": False,
        }
        new["services"] = self._services(None, stack)
        new["gateway_override"] = self._gateway(new, new)
        return new

    def _update(self, host: dict, nic: dict, target_nic: dict) -> dict:
        device = nic["device"]
        owner = system_owner(nic)
        if owner:
            raise Refused([f"{device} is owned by {owner}, which manages it; it is not changed here"])
        if self.portgroup and (self.portgroup, self.switch or nic.get("switch")) != (nic.get("portgroup"), nic.get("switch")):
            if nic.get("switch_type", "standard") != "standard":
                raise Refused([f"{device} is on {nic.get('switch_type')} switch {nic.get('switch')}; this module moves "
                               "vmknics between standard port groups only"])
            pg = self._portgroup(host)
            holders = _holders(host, pg)
            if holders:
                raise Refused([f"port group {pg['name']} on {pg['switch']} already holds {', '.join(holders)}; "
                               "a standard port group holds one vmknic"])
            target_nic["portgroup"], target_nic["switch"] = pg["name"], pg["switch"]
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


def _dedicated_stack_warnings(host: dict, nic: Optional[dict], wanted: dict) -> list[str]:
    """Once the vmotion (vSphereProvisioning) stack has a vmknic, ESXi stops using the default stack
    for that traffic (ESXI-NETWORKING.md 1.3). The planner refuses plans that leave tagged vmknics
    behind; one vmknic at a time cannot move a group, so this module warns instead."""
    stack = wanted.get("stack")
    if stack not in IMPLIED_SERVICES or (nic or {}).get("stack") == stack:
        return []
    if any(n.get("stack") == stack for n in host.get("vmknics") or ()):
        return []  # the stack is in use already: nothing changes for the others
    left = [n["device"] for n in host.get("vmknics") or () if (n.get("stack") or DEFAULT_STACK) == DEFAULT_STACK
            and set(IMPLIED_SERVICES[stack]) & set(n.get("services") or ()) and n["device"] != (nic or {}).get("device")]
    if not left:
        return []
    return [f"{wanted['device'] if nic else 'the new vmknic'} will be the first on the {stack} stack; ESXi then stops "
            f"using {', '.join(left)} for {', '.join(IMPLIED_SERVICES[stack])} on the default stack: move "
            f"{'them' if len(left) > 1 else 'it'} too"]


def _vmknic_after(state: dict, identity: tuple, nic: Optional[dict]) -> Optional[dict]:
    """The vmknic in a later state: found by its standard port group, which a re-created vmknic
    keeps while its device name is ESXi's choice; by device on a distributed switch."""
    if nic is not None and nic.get("switch_type", "standard") != "standard":
        return find_vmknic(state, nic["device"])
    return next((n for n in state.get("vmknics") or () if (n.get("switch"), n.get("portgroup")) == identity), None)


# =========================================================================== iSCSI port binding


@dataclass(frozen=True)
class BindingRequest:
    """The iscsi_port_binding module's options, validated."""

    adapter: str = SOFTWARE_ADAPTER
    vmknics: tuple[str, ...] = ()
    state: str = "present"
    uplinks: tuple[tuple[str, str], ...] = ()   # (vmknic, its only active uplink)
    enable_software_iscsi: bool = False
    force: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "BindingRequest":
        problems: list[str] = []
        vmknics = [v for v in params.get("vmknics") or () if v]
        if not vmknics:
            problems.append("vmknics: give at least one vmknic")
        duplicated = sorted({v for v in vmknics if vmknics.count(v) > 1}, key=vmk_sort_key)
        if duplicated:
            problems.append(f"vmknics: {', '.join(duplicated)} given more than once")
        uplinks = dict(params.get("uplinks") or {})
        if uplinks and params.get("state") == "absent":
            problems.append("uplinks: only with state: present")
        unknown = sorted(set(uplinks) - set(vmknics), key=vmk_sort_key)
        if unknown:
            problems.append(f"uplinks: {', '.join(unknown)} not in vmknics")
        by_uplink: dict[str, list[str]] = {}
        for device, uplink in sorted(uplinks.items(), key=lambda kv: vmk_sort_key(kv[0])):
            by_uplink.setdefault(str(uplink), []).append(device)
        for uplink, devices in sorted(by_uplink.items()):
            if len(devices) > 1:
                problems.append(f"uplinks: {uplink} is given for {', '.join(devices)}; iSCSI port binding needs "
                                "one physical NIC per vmknic")
        if params.get("enable_software_iscsi") and (params.get("adapter") or SOFTWARE_ADAPTER) != SOFTWARE_ADAPTER:
            problems.append("enable_software_iscsi: only with adapter: software")
        if problems:
            raise InvalidOptions(problems)
        return cls(adapter=params.get("adapter") or SOFTWARE_ADAPTER, vmknics=tuple(vmknics),
                   state=params.get("state") or "present",
                   uplinks=tuple(sorted(((k, str(v)) for k, v in uplinks.items()), key=lambda kv: vmk_sort_key(kv[0]))),
                   enable_software_iscsi=bool(params.get("enable_software_iscsi")), force=bool(params.get("force")))

    def _adapter(self, host: dict, target: dict) -> Optional[str]:
        """The adapter's device (or the planner's placeholder while software iSCSI is being enabled);
        None when there is nothing it could be bound to."""
        adapters = host.get("iscsi_adapters") or []
        if self.adapter != SOFTWARE_ADAPTER:
            found = next((a for a in adapters if a["device"] == self.adapter), None)
            if found is None or found.get("binding_support") == "notsupported":
                known = [a["device"] for a in adapters if a.get("binding_support") != "notsupported"]
                raise Refused([f"iSCSI adapter {self.adapter} {'does not support port binding' if found else 'does not exist'} "
                               f"(adapters that can bind: {_list(known)})"])
            if found.get("bound_vmknics") is None:
                raise Refused([f"the bindings of iSCSI adapter {self.adapter} are unknown (not queried)"])
            return found["device"]
        software = next((a for a in adapters if a.get("software")), None)
        if host.get("software_iscsi_enabled") is True and software is not None:
            return software["device"]
        if self.state == "absent":
            return None  # disabled: the adapter has no binding that could be removed now
        if not self.enable_software_iscsi:
            raise Refused(["software iSCSI is disabled on the host; set enable_software_iscsi: true to enable it"])
        # As the planner does: the adapter appears when software iSCSI is enabled.
        target["software_iscsi_enabled"] = True
        if software is None:
            target.setdefault("iscsi_adapters", []).append(
                {"device": SOFTWARE_ADAPTER, "software": True, "binding_support": "optional", "bound_vmknics": []})
            return SOFTWARE_ADAPTER
        next(a for a in target["iscsi_adapters"] if a.get("software"))["bound_vmknics"] = []
        return software["device"]

    def desired(self, host: dict) -> Desired:
        target = copy.deepcopy(host)
        adapter = self._adapter(host, target)
        if adapter is not None:
            for device in self.vmknics:
                if self.state == "present":
                    self._bind(host, target, device, adapter)
                else:
                    self._unbind(host, target, device, adapter)
            if self.state == "present":
                self._check_one_nic_per_uplink(target, adapter)
        name, devices = adapter or self.adapter, self.vmknics
        return Desired(target, _binding_view(host, name, devices), lambda state: _binding_view(state, name, devices),
                       force_unbind=self.force)

    def _bind(self, host: dict, target: dict, device: str, adapter: str) -> None:
        nic = find_vmknic(host, device)
        if nic is None:
            raise Refused([f"{device} does not exist"])
        owner = system_owner(nic)
        if owner:
            raise Refused([f"{device} is owned by {owner}, which manages it; it is not bound here"])
        uplink = dict(self.uplinks).get(device)
        pg = find_portgroup(target, nic.get("portgroup"), nic.get("switch"))
        if pg is None:
            raise Refused([f"{device} is on no known port group; iSCSI port binding needs a port group with one uplink"])
        if uplink is not None:
            if pg.get("switch_type", "standard") != "standard":
                raise Refused([f"{device} is on distributed switch {pg['switch']}; its uplinks are set on the "
                               "distributed port group in vCenter, not with uplinks"])
            known = switch_uplinks(host, pg["switch"])
            if uplink not in known:
                raise Refused([f"uplink {uplink} is not on {pg['switch']} (its uplinks: {_list(sorted(known))})"])
            # One active uplink, every other uplink of the vSwitch unused: no standby (ESXI-NETWORKING.md 1.5).
            pg["teaming"] = explicit_teaming(host, pg["switch"], [uplink])
        if adapter in _bindings(nic):
            return
        team = pg.get("teaming") or {}
        if len(team.get("active") or ()) != 1 or team.get("standby"):
            raise Refused([f"port group {pg['name']} of {device} has {_teaming_text(pg)}; iSCSI port binding needs "
                           f"exactly one active uplink and no standby (declare it: uplinks: {{{device}: vmnicN}})"])
        target_nic = find_vmknic(target, device)
        target_nic["iscsi_bindings"] = sorted(
            (target_nic.get("iscsi_bindings") or []) + [{"adapter": adapter, "compliant": None, "compliance_reasons": [],
                                                         "path_status": None}],
            key=lambda b: b["adapter"])

    def _unbind(self, host: dict, target: dict, device: str, adapter: str) -> None:
        nic = find_vmknic(host, device)
        binding = _bindings(nic).get(adapter) if nic else None
        if binding is None:
            return
        status = binding.get("path_status")
        if not self.force and status == "lastActive":
            raise Refused([f"{device} carries the last active path to a device through {adapter} (path status "
                           "lastActive); unbinding it cuts the host off that storage; set force: true to unbind anyway"])
        if not self.force and status == "active":
            raise Refused([f"{device} has active paths through {adapter}; ESXi unbinds it only with force (its paths "
                           "then fail over to the adapter's other bound vmknics); set force: true to unbind it"])
        target_nic = find_vmknic(target, device)
        target_nic["iscsi_bindings"] = [b for b in target_nic["iscsi_bindings"] if b["adapter"] != adapter]

    @staticmethod
    def _check_one_nic_per_uplink(target: dict, adapter: str) -> None:
        """Port binding is 1:1, vmknic to physical NIC (ESXI-NETWORKING.md 1.5)."""
        by_uplink: dict[str, list[str]] = {}
        for nic in target.get("vmknics") or ():
            pg = find_portgroup(target, nic.get("portgroup"), nic.get("switch"))
            active = ((pg or {}).get("teaming") or {}).get("active") or []
            if adapter in _bindings(nic) and len(active) == 1:
                by_uplink.setdefault(active[0], []).append(nic["device"])
        clashes = [f"{', '.join(devices)} would be bound through the same uplink {uplink}"
                   for uplink, devices in sorted(by_uplink.items()) if len(devices) > 1]
        if clashes:
            raise Refused([f"{clash}; iSCSI port binding needs one physical NIC per vmknic" for clash in clashes])


def _binding_view(state: dict, adapter: str, devices: tuple[str, ...]) -> dict:
    """The adapter and, per requested vmknic, its port group's teaming and its binding to the adapter."""
    found = next((a for a in state.get("iscsi_adapters") or ()
                  if a["device"] == adapter or (adapter == SOFTWARE_ADAPTER and a.get("software"))), None)
    name = found["device"] if found else adapter
    vmknics = []
    for device in devices:
        nic = find_vmknic(state, device)
        if nic is None:
            continue
        pg = find_portgroup(state, nic.get("portgroup"), nic.get("switch")) or {}
        vmknics.append({"device": device, "portgroup": nic.get("portgroup"), "switch": nic.get("switch"),
                        "teaming": copy.deepcopy(pg.get("teaming")), "binding": copy.deepcopy(_bindings(nic).get(name))})
    return {"adapter": name, "software_iscsi_enabled": state.get("software_iscsi_enabled"),
            "bound_vmknics": copy.deepcopy(found.get("bound_vmknics")) if found else None, "vmknics": vmknics}


# =========================================================================== standard port group


@dataclass(frozen=True)
class PortgroupRequest:
    """The standard_portgroup module's options, validated."""

    name: str
    switch: Optional[str] = None
    state: str = "present"
    vlan: Optional[int] = None
    teaming: Optional[tuple[tuple[str, ...], tuple[str, ...]]] = None   # (active, standby)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "PortgroupRequest":
        problems: list[str] = []
        if not params.get("name"):
            problems.append("name: give the port group's name")
        vlan = params.get("vlan")
        if vlan is not None and not 0 <= vlan <= VLAN_ALL:
            problems.append(f"vlan: {vlan} is outside 0-{VLAN_ALL}")
        teaming = None
        if params.get("teaming") is not None:
            active = list(params["teaming"].get("active") or [])
            standby = list(params["teaming"].get("standby") or [])
            if not active:
                problems.append("teaming.active: give at least one uplink")
            repeated = sorted({u for u in active + standby if (active + standby).count(u) > 1})
            if repeated:
                problems.append(f"teaming: {', '.join(repeated)} listed more than once")
            teaming = (tuple(active), tuple(standby))
        if params.get("state") == "absent":
            given = [k for k in ("vlan", "teaming") if params.get(k) is not None]
            if given:
                problems.append(f"state: absent takes no {', '.join(given)}")
        if problems:
            raise InvalidOptions(problems)
        return cls(name=params["name"], switch=params.get("switch") or None, state=params.get("state") or "present",
                   vlan=vlan, teaming=teaming)

    def desired(self, host: dict) -> Desired:
        target = copy.deepcopy(host)
        pg = find_portgroup(host, self.name, None)
        if pg is not None and pg.get("switch_type", "standard") != "standard":
            raise Refused([f"port group {self.name} is on distributed switch {pg['switch']}; distributed port groups are "
                           "configured in vCenter, not per host"])
        if pg is not None and self.switch and pg["switch"] != self.switch:
            raise Refused([f"port group {self.name} is on {pg['switch']}, not {self.switch}; ESXi does not move a port "
                           "group to another vSwitch"])
        before = copy.deepcopy(pg)
        if self.state == "absent":
            if pg is not None:
                holders = _holders(host, pg)
                if holders:
                    raise Refused([f"port group {self.name} holds {', '.join(holders)}; remove or move it first "
                                   "(vmkernel.multihoming.vmknic)"])
                target["portgroups"].remove(find_portgroup(target, self.name, pg["switch"]))
        elif pg is None:
            target["portgroups"].append(self._create(host))
        else:
            self._update(host, pg, find_portgroup(target, self.name, pg["switch"]))
        return Desired(target, before, lambda state: copy.deepcopy(find_portgroup(state, self.name, None)))

    def _teaming(self, host: dict, switch: str) -> dict:
        known = switch_uplinks(host, switch)
        active, standby = self.teaming
        unknown = [u for u in active + standby if u not in known]
        if unknown:
            raise Refused([f"uplink {', '.join(unknown)} is not on {switch} (its uplinks: {_list(sorted(known))})"])
        return explicit_teaming(host, switch, active, standby)

    def _create(self, host: dict) -> dict:
        if not self.switch:
            raise Refused([f"switch is required to create port group {self.name}"])
        switches = sorted({p["switch"] for p in host.get("portgroups") or () if p.get("switch_type") == "standard"})
        if self.switch not in switches:
            # The facts know a vSwitch (and its uplinks) through the port groups on it.
            raise Refused([f"vSwitch {self.switch} has no port group on the host, so its uplinks are unknown "
                           f"(vSwitches with port groups: {_list(switches)})"])
        if self.teaming is None:
            raise Refused([f"teaming is required to create port group {self.name} (its active and standby uplinks)"])
        return {"name": self.name, "switch": self.switch, "switch_type": "standard", "key": None,
                "vlan": self.vlan or 0, "teaming": self._teaming(host, self.switch)}

    def _update(self, host: dict, pg: dict, target_pg: dict) -> None:
        if self.vlan is not None:
            if self.vlan == VLAN_ALL and _holders(host, pg):
                raise Refused([f"VLAN {VLAN_ALL} passes every VLAN to guests (VGT); port group {self.name} holds "
                               f"{', '.join(_holders(host, pg))}, which needs a single VLAN"])
            target_pg["vlan"] = self.vlan
        if self.teaming is not None:
            target_pg["teaming"] = self._teaming(host, pg["switch"])


# =========================================================================== the change


def _iscsi_problems(before: dict, after: dict, dependencies: DependencyQuery) -> list[str]:
    """Changes under an iSCSI-bound vmknic that would break its binding: a port group whose teaming
    makes the binding non-compliant, or that takes away an uplink iSCSI depends on (ESXi's
    QueryMigrationDependencies; ESXI-NETWORKING.md 4.6)."""
    problems = []
    for nic in before.get("vmknics") or ():
        bound = _bindings(nic)
        new = find_vmknic(after, nic["device"])
        if not bound or new is None:
            continue
        old_pg = find_portgroup(before, nic.get("portgroup"), nic.get("switch")) or {}
        new_pg = find_portgroup(after, new.get("portgroup"), new.get("switch")) or {}
        for adapter, binding in sorted(_bindings(new).items()):
            if binding.get("compliant") is False and (bound.get(adapter) or {}).get("compliant") is not False:
                reasons = binding.get("compliance_reasons") or ()
                rebind = ("; the binding belongs to the uplink it was made with: unbind "
                          f"{nic['device']}, change the uplink, then bind it again") if "IscsiFaultVnicHasWrongUplink" in reasons else ""
                problems.append(f"{nic['device']} is bound to iSCSI adapter {adapter}; port group {new_pg.get('name')} "
                                f"would have {_teaming_text(new_pg)}, which makes the binding non-compliant "
                                f"({', '.join(reasons)}){rebind}")
        new_active = set((new_pg.get("teaming") or {}).get("active") or ())
        leaving = [u for u in (old_pg.get("teaming") or {}).get("active") or () if u not in new_active]
        if not leaving:
            continue
        answer = dependencies(leaving)
        if answer.get("error"):
            # Unknown is treated as "depends": iSCSI-bound vmknics are not to be changed blindly.
            problems.append(f"{nic['device']} is bound to iSCSI adapter {', '.join(sorted(bound))} and this takes uplink "
                            f"{', '.join(leaving)} away from its port group {old_pg.get('name')}; ESXi could not say "
                            f"whether iSCSI depends on it (QueryMigrationDependencies: {answer['error']}); unbind "
                            f"{nic['device']} first")
            continue
        if answer.get("allowed", True):
            continue
        mine = [d for d in answer.get("dependencies") or () if d.get("vmknic") == nic["device"]]
        held = ", ".join(f"{d['pnic']} carries {d['vmknic']} bound to {d['adapter']}" for d in mine or answer.get("dependencies") or ())
        problems.append(f"{nic['device']} is bound to iSCSI adapter {', '.join(sorted(bound))} and this takes uplink "
                        f"{', '.join(leaving)} away from its port group {old_pg.get('name')}; ESXi does not allow it "
                        f"({held or ', '.join(answer.get('reasons') or ())}); unbind {nic['device']} first")
    return problems


def _new_errors(before: dict, after: dict) -> list[str]:
    """Multi-homing errors the audit would report after the change and not before: warned, not
    refused, because same-subnet designs (iSCSI pairs, multi-NIC vMotion) are built in steps."""
    known = {f["id"] for f in analyse([before])["findings"] if f["severity"] == "error"}
    return [f"after this change the audit reports {f['rule']}: {f['message']}"
            for f in analyse([after])["findings"] if f["severity"] == "error" and f["id"] not in known]


def plan_change(before: dict, request: Request, allow_management_change: bool, dependencies: DependencyQuery) -> Change:
    """The HostApplier entry that makes ``before`` what ``request`` declares, or Refused/PlanError.
    ``request`` has ``desired(host) -> Desired``; ``dependencies(pnics)`` answers
    QueryMigrationDependencies (asked only when an iSCSI-bound vmknic's port group loses an uplink)."""
    _check_host(before)
    desired = request.desired(before)
    operations = reconcile(before, desired.target)
    if desired.force_unbind:
        operations = [dict(op, force=True) if op["op"] == "UnbindVnic" else op for op in operations]
    after = simulate(before, operations)
    # Vmknics are compared by port group: the device of one to be created is ESXi's choice.
    unreachable = state_differences(desired.target, after, by_device=False)
    if unreachable:
        raise Refused(["the planned operations would not reach the declared state (" + "; ".join(unreachable) + ")"])
    problems = management_problems(before, operations, allow_management_change, "this")
    problems = problems or vcenter_path_problems(before, operations, "this")
    problems += _iscsi_problems(before, after, dependencies)
    if problems:
        raise Refused(problems)
    entry = {"host": before["name"], "operations": operations, "before": before, "after": after}
    return Change(entry, desired, desired.warnings + _new_errors(before, after))
