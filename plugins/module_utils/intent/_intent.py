# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation intent: schema and semantic validation, and its parsed (normalised) form.

The intent says where each kind of VMkernel traffic belongs (docs/remediation.md). This package
knows nothing about hosts: it checks what can be checked on the intent alone (types, unknown keys,
CIDRs, pools, gateways, overlapping class subnets, duplicated explicit addresses) and turns it into
small immutable objects the planner (planner/_planner.py) works with. Pure Python, standard library
only. This module parses the intent and its actions; _model.py holds the parsed form, _checker.py
the problem collector, _addressing.py the networks, pools and addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import DEFAULT_STACK, SYSTEM_STACKS, effective_services
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import IntentError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._addressing import (
    ADDRESSING_KEYS, parse_ipv6, parse_optional_addressing,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._checker import Checker, pattern_problem, suggestion
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._model import (
    Addressing, ClassIntent, Intent, IPAddress, IscsiIntent, Ipv6Intent, Pool, PortgroupIntent, Selector,
    class_addressings, classes_selecting_nothing,
)

__all__ = [
    "ACTIONS", "SELECT_KEYS", "SERVICE_NAMES", "SYSTEM_STACKS", "DEFAULT_STACK",
    "Addressing", "ClassIntent", "Intent", "IscsiIntent", "Ipv6Intent", "Pool", "PortgroupIntent",
    "Selector", "class_addressings", "classes_selecting_nothing", "effective_services", "parse_intent",
    "validate_intent",
]

# Stacks every ESXi host has; custom stacks must already exist on the host (no API creates them).
# Every HostVirtualNicManagerNicType of the vSphere API (ESXI-NETWORKING.md 1.4): the service names
# a selector may use (vmknic facts list a vmknic's services by these names).
SERVICE_NAMES = ("faultToleranceLogging", "management", "nvmeRdma", "nvmeTcp", "ptp", "vSphereBackupNFC",
                 "vSphereProvisioning", "vSphereReplication", "vSphereReplicationNFC", "vmotion", "vnetworking",
                 "vsan", "vsanExternal", "vsanReplication", "vsanWitness")
# The dedicated stacks carry their own traffic without (and cannot take) a service tag.

ACTIONS = ("subnet", "stack", "iscsi", "accept")
SELECT_KEYS = ("services", "portgroups", "devices", "hosts", "stacks", "switches", "networks")
_TOP_KEYS = ("allow_management_change", "classes")
_CLASS_KEYS = ("name", "select", "action", "reason") + ACTIONS[:3]
_SUBNET_KEYS = ADDRESSING_KEYS + ("ipv6", "vlan", "portgroup", "mtu")
_STACK_KEYS = ("key",) + ADDRESSING_KEYS + ("ipv6", "mtu")
_ISCSI_KEYS = ("adapter", "enable", "uplinks")
_PORTGROUP_KEYS = ("name", "vlan", "teaming", "switch")
_TEAMING_KEYS = ("active", "standby")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Selector keys whose values are shell-style wildcard patterns (fnmatch), not regular expressions.
PATTERN_KEYS = ("portgroups", "devices", "hosts", "switches")
MTU_MIN, MTU_MAX = 1280, 9000
VLAN_MAX = 4094  # 4095 means "all VLANs" (VGT) on a standard port group: never right for a vmknic


def validate_intent(intent: Any, stacks: Optional[Iterable[str]] = None) -> list[str]:
    """Every problem with ``intent`` as a sentence naming where it is; empty when it is valid.
    ``stacks``: the stack keys of the hosts in scope, when known (then any other key is unknown)."""
    checker = Checker(stacks)
    _parse(intent, checker)
    return checker.problems


def parse_intent(intent: Any, stacks: Optional[Iterable[str]] = None) -> Intent:
    """The parsed intent; raises IntentError listing every problem when it is invalid."""
    checker = Checker(stacks)
    parsed = _parse(intent, checker)
    if checker.problems or parsed is None:
        raise IntentError(checker.problems or ["the intent is empty"])
    return parsed


def _parse(intent: Any, checker: Checker) -> Optional[Intent]:
    top = checker.mapping(intent, "intent", _TOP_KEYS)
    if top is None:
        return None
    allow = checker.boolean(top.get("allow_management_change", False), "allow_management_change")
    raw_classes = top.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        checker.add("classes", "must be a non-empty list")
        return None
    classes = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_classes):
        parsed = _parse_class(raw, index, checker)
        if parsed is None:
            continue
        if parsed.name in seen:
            checker.add(f"classes[{index}]", f"name {parsed.name!r} is already used by classes[{seen[parsed.name]}]")
        seen.setdefault(parsed.name, index)
        classes.append(parsed)
    _check_overlaps(classes, checker)
    _check_explicit_duplicates(classes, checker)
    return Intent(classes=tuple(classes), allow_management_change=allow)


def _parse_class(raw: Any, index: int, checker: Checker) -> Optional[ClassIntent]:
    where = f"classes[{index}]"
    cls = checker.mapping(raw, where, _CLASS_KEYS)
    if cls is None:
        return None
    name = cls.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        checker.add(where, f"'name' is required: letters, digits, '_', '.', '-' (got {name!r})")
        name = f"#{index}"
    else:
        where = f"class {name}"
    action = cls.get("action")
    if action not in ACTIONS:
        checker.add(where, f"'action' must be one of {', '.join(ACTIONS)} (got {action!r})")
        return None
    select = _parse_selector(cls.get("select"), f"{where}.select", checker)
    reason = cls.get("reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        checker.add(f"{where}.reason", "must be a non-empty string")
    if action == "accept" and not (isinstance(reason, str) and reason.strip()):
        checker.add(where, "an accept class needs a 'reason' saying why the shared subnet is legitimate")
    for other in ACTIONS[:3]:
        if other != action and other in cls:
            checker.add(where, f"'{other}' settings do not apply to action {action}")
    result = ClassIntent(name=name, select=select or Selector(), action=action, reason=reason)
    if action == "subnet":
        return _parse_subnet_action(cls.get("subnet"), result, f"{where}.subnet", checker)
    if action == "stack":
        return _parse_stack_action(cls.get("stack"), result, f"{where}.stack", checker)
    if action == "iscsi":
        return _parse_iscsi_action(cls.get("iscsi"), result, f"{where}.iscsi", checker)
    return result


def _parse_selector(raw: Any, where: str, checker: Checker) -> Optional[Selector]:
    sel = checker.mapping(raw, where, SELECT_KEYS)
    if sel is None:
        return None
    if not any(key in sel for key in SELECT_KEYS):
        # An empty selector would take every vmknic of every host: make that impossible.
        checker.add(where, f"needs at least one of {', '.join(SELECT_KEYS)}")
        return None
    values: dict[str, Any] = {}
    for key in SELECT_KEYS:
        if key in sel:
            values[key] = checker.string_list(sel[key], f"{where}.{key}")
    for service in values.get("services", ()):
        if service not in SERVICE_NAMES:
            checker.add(f"{where}.services", f"unknown service {service!r}{suggestion(service, SERVICE_NAMES)}; "
                        f"services: {', '.join(SERVICE_NAMES)}")
    for stack in values.get("stacks", ()):
        checker.stack_key(stack, f"{where}.stacks")
    for key in PATTERN_KEYS:
        for pattern in values.get(key, ()):
            problem = pattern_problem(pattern, key)
            if problem:
                checker.add(f"{where}.{key}", problem)
    networks = []
    for text in values.get("networks", ()):
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            checker.add(f"{where}.networks", f"{text!r} is not an IPv4 or IPv6 CIDR")
    values["networks"] = tuple(networks)
    return Selector(**values)


def _parse_teaming(raw: Any, where: str, checker: Checker):
    team = checker.mapping(raw, where, _TEAMING_KEYS)
    if team is None:
        return None
    active = checker.string_list(team.get("active"), f"{where}.active")
    standby = checker.string_list(team["standby"], f"{where}.standby") if team.get("standby") else ()
    both = set(active) & set(standby)
    if both:
        checker.add(where, f"{', '.join(sorted(both))} cannot be both active and standby")
    if len(set(active)) != len(active) or len(set(standby)) != len(standby):
        checker.add(where, "lists an uplink twice")
    return (tuple(active), tuple(standby)) if active else None


def _parse_subnet_action(raw: Any, cls: ClassIntent, where: str, checker: Checker) -> ClassIntent:
    if raw is None:
        checker.add(where, "is required for action subnet (at least 'network' or 'ipv6')")
        return cls
    block = checker.mapping(raw, where, _SUBNET_KEYS)
    if block is None:
        return cls
    if block.get("network") is None and block.get("ipv6") is None:
        checker.add(where, "needs 'network' (the IPv4 subnet), 'ipv6', or both")
    addressing = parse_optional_addressing(block, where, checker)
    ipv6 = parse_ipv6(block.get("ipv6"), f"{where}.ipv6", checker)
    mtu = checker.integer(block["mtu"], f"{where}.mtu", MTU_MIN, MTU_MAX) if block.get("mtu") is not None else None
    vlan = checker.integer(block["vlan"], f"{where}.vlan", 0, VLAN_MAX) if block.get("vlan") is not None else None
    portgroup = None
    if block.get("portgroup") is not None:
        if vlan is not None:
            checker.add(where, "give the VLAN inside 'portgroup' when moving vmknics to another port group")
        pg = checker.mapping(block["portgroup"], f"{where}.portgroup", _PORTGROUP_KEYS)
        if pg is not None:
            name = pg.get("name")
            if not isinstance(name, str) or not name.strip():
                checker.add(f"{where}.portgroup.name", "is required")
            pg_vlan = None
            if pg.get("vlan") is not None:
                pg_vlan = checker.integer(pg["vlan"], f"{where}.portgroup.vlan", 0, VLAN_MAX)
            teaming = _parse_teaming(pg["teaming"], f"{where}.portgroup.teaming", checker) \
                if pg.get("teaming") is not None else None
            switch = pg.get("switch")
            if switch is not None and (not isinstance(switch, str) or not switch.strip()):
                checker.add(f"{where}.portgroup.switch", "must be the name of a distributed switch")
                switch = None
            portgroup = PortgroupIntent(name=str(name), vlan=pg_vlan, teaming=teaming, switch=switch)
    return ClassIntent(name=cls.name, select=cls.select, action=cls.action, reason=cls.reason,
                       addressing=addressing, ipv6=ipv6, mtu=mtu, vlan=vlan, portgroup=portgroup)


def _parse_stack_action(raw: Any, cls: ClassIntent, where: str, checker: Checker) -> ClassIntent:
    if raw is None:
        checker.add(where, "is required for action stack (at least 'key')")
        return cls
    block = checker.mapping(raw, where, _STACK_KEYS)
    if block is None:
        return cls
    key = block.get("key")
    if not isinstance(key, str) or not key.strip():
        checker.add(f"{where}.key", "is required: the netStackInstanceKey to move the vmknics to")
        key = None
    else:
        checker.stack_key(key, f"{where}.key")
    addressing = parse_optional_addressing(block, where, checker)
    ipv6 = parse_ipv6(block.get("ipv6"), f"{where}.ipv6", checker)
    mtu = checker.integer(block["mtu"], f"{where}.mtu", MTU_MIN, MTU_MAX) if block.get("mtu") is not None else None
    return ClassIntent(name=cls.name, select=cls.select, action=cls.action, reason=cls.reason,
                       addressing=addressing, ipv6=ipv6, mtu=mtu, stack=key)


def _parse_iscsi_action(raw: Any, cls: ClassIntent, where: str, checker: Checker) -> ClassIntent:
    block = checker.mapping(raw if raw is not None else {}, where, _ISCSI_KEYS)
    if block is None:
        return cls
    adapter = block.get("adapter", "software")
    if not isinstance(adapter, str) or not adapter.strip():
        checker.add(f"{where}.adapter", "must be 'software' or an adapter device such as vmhba64")
        adapter = "software"
    enable = checker.boolean(block.get("enable", False), f"{where}.enable")
    if enable and adapter != "software":
        checker.add(f"{where}.enable", "only applies to the software iSCSI adapter (adapter: software)")
    uplinks: dict[str, str] = {}
    raw_uplinks = block.get("uplinks") or {}
    if not isinstance(raw_uplinks, dict):
        checker.add(f"{where}.uplinks", "must map port group names to one vmnic each")
    else:
        for pg, nic in sorted(raw_uplinks.items(), key=lambda kv: str(kv[0])):
            if not isinstance(nic, str) or not nic:
                checker.add(f"{where}.uplinks[{pg}]", "must be one vmnic name (the only active uplink)")
                continue
            uplinks[str(pg)] = nic
        users: dict[str, list[str]] = {}
        for pg, nic in uplinks.items():
            users.setdefault(nic, []).append(pg)
        for nic, pgs in sorted(users.items()):
            if len(pgs) > 1:
                checker.add(f"{where}.uplinks", f"{nic} is the uplink of {', '.join(pgs)}; iSCSI port "
                            "binding needs a different uplink per port group")
    return ClassIntent(name=cls.name, select=cls.select, action=cls.action, reason=cls.reason,
                       iscsi=IscsiIntent(adapter=adapter, enable=enable, uplinks=uplinks))


def _check_overlaps(classes: list[ClassIntent], checker: Checker) -> None:
    """Two classes sharing address space would hand out the same addresses (and usually multi-home)."""
    nets = [(c.name, a.network) for c in classes for a in class_addressings(c)]
    for i, (name_a, net_a) in enumerate(nets):
        for name_b, net_b in nets[i + 1:]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):  # type: ignore[arg-type]
                checker.add("", f"classes {name_a} and {name_b}: subnets {net_a} and {net_b} overlap")


def _check_explicit_duplicates(classes: list[ClassIntent], checker: Checker) -> None:
    owners: dict[IPAddress, list[str]] = {}
    for addressing in (a for cls in classes for a in class_addressings(cls)):
        for host, devices in sorted(addressing.explicit.items()):
            for device, address in sorted(devices.items(), key=lambda kv: str(kv[0])):
                owners.setdefault(address, []).append(f"{host} {device}" if device else host)
    for address, users in sorted(owners.items(), key=lambda kv: (kv[0].version, kv[0])):
        if len(users) > 1:
            checker.add("", f"explicit address {address} is given more than once ({', '.join(users)})")
