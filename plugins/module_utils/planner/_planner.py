# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation planner: from vmknic facts and declared intent to an exact list of vSphere operations.

Pure Python on plain data (docs/facts.md in, docs/remediation.md out); no pyVmomi, no Ansible.

- ``plan(hosts, intent)``: the operations that make every host match the intent, or PlanError
  listing every refusal. ``build_plan`` returns the same document with the refusals inside.
- It builds each host's target state from the intent and leaves the rest to the engine
  (engine/_reconcile.py: the operations, engine/_simulate.py: the predicted state,
  engine/_compare.py: prediction against read-back) and to the safety rules (safety/_rules.py).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._gc import age_without_scan, cyclic_gc_paused
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import (
    DEFAULT_STACK, IMPLIED_SERVICES, SOFTWARE_ADAPTER, SYSTEM_STACKS, vmk_sort_key,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._intent import Addressing, ClassIntent, Intent, class_addressings, parse_intent
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._addresses import count_free, free_addresses, static_addresses, target_gateway
from ansible_collections.vmkernel.multihoming.plugins.module_utils.planner._distributed import DvPortgroupChanges
from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse as _analyse
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import IntentError, PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._compare import state_differences
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import explicit_teaming, find_portgroup, simulate, switch_uplinks
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import (
    ADDRESS_TYPES, VSAN_SERVICES, bound_adapters, configure_ipv6, copy_data, ipv4_address_int, ipv4_static, ipv6_int, ipv6_settings,
    ip_value, is_system_owned, management_devices, portgroup_id, stack_of,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import (
    dedicated_stack_problems, iscsi_uplink_problems, management_problems, post_change_errors, services_lost_on_stack,
    VcenterPathWatch, unbind_problems, untrusted_facts,
)


def _normalise_host(host: dict) -> dict:
    """The host with every list in the facts' canonical order, so the plan does not depend on the
    order of the input (route order is kept: it decides which vmknic owns a shared subnet).

    New dicts and lists down to each vmknic; everything below is shared with ``host``. The planner
    never changes its facts (it changes its own copies: the target, new down to each vmknic, port
    group and adapter (_target_copy), and simulate()'s copy of what the operations change, the
    predicted state sharing the rest with the facts), so the caller's facts stay as they were
    (test_plan_does_not_change_its_input)."""
    result = dict(host)
    result["vmknics"] = sorted(
        ({**nic, "services": sorted(nic.get("services") or []),
          "iscsi_bindings": sorted(nic.get("iscsi_bindings") or [], key=lambda b: b.get("adapter") or "")}
         for nic in host.get("vmknics") or ()),
        key=lambda n: vmk_sort_key(n["device"]))
    result["portgroups"] = sorted(host.get("portgroups") or [], key=lambda p: (p["name"], p["switch"]))
    result["stacks"] = sorted(host.get("stacks") or [], key=lambda s: s["key"])
    result["iscsi_adapters"] = sorted(host.get("iscsi_adapters") or [], key=lambda a: a["device"])
    return result


@functools.lru_cache(maxsize=1 << 12)
def _gateway_value(gateway: str) -> Optional[tuple[str, int]]:
    """(family, address as int) of a gateway in use; None for none (not an address, or 0.0.0.0 / ::,
    which connected routes list). Cached: every host of a cluster lists the same gateways."""
    value = ip_value(gateway)
    if value is None or value[1] == 0:  # 0 is 0.0.0.0 or ::
        return None
    return f"ipv{value[0]}", value[1]


def _target_copy(host: dict) -> dict:
    """The copy of a host's (normalised) facts that becomes its target: new lists of vmknics, port
    groups and iSCSI adapters and a new dict for each, the values inside shared with the facts.
    Building a target only assigns at that depth (a vmknic's ``ipv4``, a port group's ``vlan``,
    an adapter's ``bound_vmknics``, a list's new entry), never changes a shared value in place, and
    the target is only read after that (reconcile, the checks): a full copy of every host would
    cost more than the rest of building its target."""
    target = dict(host)
    for key in ("vmknics", "portgroups", "iscsi_adapters"):
        target[key] = [dict(item) for item in host[key]]
    return target


@dataclass
class _HostPlan:
    facts: dict
    target: dict                # _target_copy of the facts, changed by build_target
    selected: dict = field(default_factory=dict)   # device -> ClassIntent (accept classes included)
    operations: list = field(default_factory=list)
    after: Optional[dict] = None


class _Planner:
    def __init__(self, hosts: list[dict], intent: Intent, dvportgroups: Optional[list[dict]] = None):
        self.intent = intent
        self.refusals: list[dict] = []
        # dvPortgroup changes, planned once for every host on the switch (planner/_distributed.py)
        self.distributed = DvPortgroupChanges(dvportgroups, intent.allow_management_change)
        self.skipped: list[dict] = []
        self.plans: dict[str, _HostPlan] = {}
        self.all_hosts = sorted((_normalise_host(h) for h in hosts), key=lambda h: h.get("name") or "")
        # Per family ("ipv4", "ipv6"): address -> [(host, device)] holding it, and gateways in use.
        self.holders: dict[str, dict[int, list[tuple[str, str]]]] = {"ipv4": {}, "ipv6": {}}
        self.gateways: dict[str, set[int]] = {"ipv4": set(), "ipv6": set()}
        # (family, host, device) -> the static address the intent gives it
        self.addresses: dict[tuple[str, str, str], Any] = {}
        # Hosts with a refusal: checks that would only restate its consequences are skipped there.
        self.tainted: set[str] = set()

    def refuse(self, message: str, host: Optional[str] = None, cls: Optional[str] = None) -> None:
        self.refusals.append({"host": host, "class": cls, "message": message})
        if host is not None:
            self.tainted.add(host)
        elif cls is not None:
            self.tainted.update(h for h, _device in self.members(next(c for c in self.intent.classes if c.name == cls)))

    # ----------------------------------------------------------------- inventory

    def collect(self) -> None:
        names: dict[str, int] = {}
        for host in self.all_hosts:
            names[host.get("name")] = names.get(host.get("name"), 0) + 1
            self._note_addresses(host)
            distrust = untrusted_facts(host)
            if distrust == "state":
                self.skipped.append({"host": host["name"], "reason": f"host is {host.get('connection_state')}; "
                                     "its configuration is not trusted and it is not planned"})
            elif distrust == "facts":
                self.skipped.append({"host": host["name"], "reason": "facts are incomplete: "
                                     + "; ".join(host["errors"])})
            else:
                self.plans[host["name"]] = _HostPlan(facts=host, target=_target_copy(host))
        for name, count in sorted(names.items(), key=lambda kv: str(kv[0])):
            if count > 1:
                self.refuse(f"host {name} appears {count} times in the facts")

    def _note_addresses(self, host: dict) -> None:
        """Every address in use anywhere in scope is off-limits for allocation, gateways included."""
        holders_v4, holders_v6 = self.holders["ipv4"], self.holders["ipv6"]
        for nic in host.get("vmknics") or ():
            member = (host["name"], nic["device"])
            address = ipv4_address_int(nic.get("ipv4"))
            if address is not None:
                holders_v4.setdefault(address, []).append(member)
            for entry in (nic.get("ipv6") or {}).get("addresses") or ():
                if entry.get("address") and not entry.get("link_local"):
                    holders_v6.setdefault(ipv6_int(entry["address"]), []).append(member)
            override = nic.get("gateway_override")
            if override:
                for family in ("ipv4", "ipv6"):
                    self._note_gateway(family, override.get(family))
        for stack in host.get("stacks") or ():
            self._note_gateway("ipv4", stack.get("default_gateway"))
            self._note_gateway("ipv6", stack.get("ipv6_default_gateway"))
            for route in stack.get("routes") or ():
                if not route.get("connected") and route.get("family") in self.gateways:
                    self._note_gateway(route["family"], route.get("gateway"))

    def _note_gateway(self, family: str, gateway: Optional[str]) -> None:
        noted = _gateway_value(gateway) if gateway else None
        if noted is not None and noted[0] == family:
            self.gateways[family].add(noted[1])

    # ----------------------------------------------------------------- selection

    def select(self) -> None:
        for name, hp in self.plans.items():
            for nic in hp.facts["vmknics"]:
                if is_system_owned(nic):
                    continue  # NSX / vSAN manage these; never ours to change
                matches = [c for c in self.intent.classes if c.select.matches(hp.facts, nic)]
                if len(matches) > 1:
                    self.refuse(f"host {name}: {nic['device']} is selected by classes "
                                f"{' and '.join(c.name for c in matches)}; make the selectors disjoint", name)
                elif matches:
                    hp.selected[nic["device"]] = matches[0]

    def members(self, cls: ClassIntent) -> list[tuple[str, str]]:
        return [(name, device) for name, hp in self.plans.items()
                for device in sorted(hp.selected, key=vmk_sort_key) if hp.selected[device] is cls]

    # ----------------------------------------------------------------- addresses

    def allocate(self, cls: ClassIntent) -> None:
        for addressing in class_addressings(cls):
            self._allocate(cls, addressing)

    def _allocate(self, cls: ClassIntent, addressing: Addressing) -> None:
        """Explicit addresses first, then addresses that already fit, then the lowest free ones
        (hosts by name, vmknics by number), never one held anywhere in scope."""
        family = addressing.family
        holders, gateways = self.holders[family], self.gateways[family]
        members = self.members(cls)
        taken: dict[int, tuple[str, str]] = {}
        result: dict[tuple[str, str], Any] = {}
        self._explicit(cls, addressing, members, taken, result)
        reserved = addressing.reserved()
        for member in members:
            if member in result:
                continue
            nic = next(n for n in self.plans[member[0]].facts["vmknics"] if n["device"] == member[1])
            for address in static_addresses(nic, family):
                value = int(address)
                if (address in addressing.network and addressing.pool.contains(value) and value not in reserved
                        and value not in gateways and value not in taken and holders.get(value, []) == [member]):
                    taken[value] = member
                    result[member] = address
                    break
        rest = [m for m in members if m not in result]
        if rest:
            blocked = set(holders) | set(taken) | reserved | gateways
            free = count_free(addressing.pool, blocked)
            if free < len(rest):
                self.refuse(f"class {cls.name}: pool {addressing.pool} of {addressing.network} has {free} free "
                            f"address{'es' if free != 1 else ''}, {len(rest)} needed", cls=cls.name)
                return
            values = free_addresses(addressing.pool, blocked)
            for member in rest:
                result[member] = ADDRESS_TYPES[family](next(values))
        self.addresses.update({(family,) + member: address for member, address in result.items()})

    def _explicit(self, cls: ClassIntent, addressing: Addressing, members: list, taken: dict, result: dict) -> None:
        family = addressing.family
        by_host: dict[str, list[str]] = {}
        for host, device in members:
            by_host.setdefault(host, []).append(device)
        for host, devices in sorted(addressing.explicit.items()):
            for device, address in sorted(devices.items(), key=lambda kv: str(kv[0])):
                where = f"class {cls.name}: explicit address {address} for host {host}"
                if device is None:
                    chosen = by_host.get(host, [])
                    if len(chosen) != 1:
                        self.refuse(f"{where} needs a device: the class selects "
                                    f"{len(chosen)} vmknics there ({', '.join(chosen) or 'none'})", host, cls.name)
                        continue
                    device = chosen[0]
                elif device not in by_host.get(host, []):
                    self.refuse(f"{where} {device}: the class selects no such vmknic there", host, cls.name)
                    continue
                holders = [h for h in self.holders[family].get(int(address), []) if h != (host, device)]
                if holders:
                    self.refuse(f"{where} {device} is in use by " + ", ".join(f"{h} {d}" for h, d in holders),
                                host, cls.name)
                    continue
                if int(address) in self.gateways[family]:
                    self.refuse(f"{where} {device} is a gateway address in use", host, cls.name)
                    continue
                taken[int(address)] = (host, device)
                result[(host, device)] = address

    # ----------------------------------------------------------------- targets

    def build_target(self, name: str) -> None:
        hp = self.plans[name]
        nics = {n["device"]: n for n in hp.target["vmknics"]}
        for device in sorted(hp.selected, key=vmk_sort_key):
            cls = hp.selected[device]
            where = f"class {cls.name}, host {name} {device}"
            nic = nics[device]
            if cls.action == "accept":
                continue
            if cls.addressing is not None and ("ipv4", name, device) in self.addresses:
                nic["ipv4"] = ipv4_static(self.addresses[("ipv4", name, device)], cls.addressing.network)
                nic["gateway_override"] = target_gateway(nic.get("gateway_override"), cls.addressing)
            if cls.ipv6 is not None:
                self._ipv6_target(hp, nic, cls, where)
            if cls.mtu is not None:
                nic["mtu"] = cls.mtu
            if cls.action == "subnet":
                self._subnet_target(hp, nic, cls, where)
            elif cls.action == "stack":
                self._stack_target(hp, nic, cls, where)
            elif cls.action == "iscsi":
                self._iscsi_target(hp, nic, cls, where)
        occupants: dict = {}
        for nic in hp.target["vmknics"]:
            if nic.get("switch_type", "standard") == "standard" and nic.get("portgroup"):
                occupants.setdefault(portgroup_id(nic), []).append(nic["device"])
        for (switch, pg), devices in sorted(occupants.items(), key=lambda kv: str(kv[0])):
            if len(devices) > 1:
                self.refuse(f"host {name}: port group {pg} on {switch} would hold {', '.join(devices)}; a "
                            "standard port group holds one vmknic", name)

    def _ipv6_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        autoconf, dhcp, manual = ipv6_settings(nic)
        wanted = cls.ipv6
        autoconf = autoconf if wanted.autoconf is None else wanted.autoconf
        dhcp = dhcp if wanted.dhcp is None else wanted.dhcp
        key = ("ipv6", hp.facts["name"], nic["device"])
        if wanted.addressing is not None and key in self.addresses:
            manual = (f"{self.addresses[key]}/{wanted.addressing.network.prefixlen}",)
            nic["gateway_override"] = target_gateway(nic.get("gateway_override"), wanted.addressing)
            if hp.facts.get("ipv6_enabled") is False and manual != ipv6_settings(nic)[2]:
                self.refuse(f"{where}: IPv6 is disabled on the host (config.network.ipV6Enabled); enabling it "
                            "needs a reboot, which this planner does not do", hp.facts["name"], cls.name)
                return
        configure_ipv6(nic, autoconf, dhcp, manual)

    def _standard_pg(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str, what: str) -> Optional[dict]:
        if nic.get("switch_type", "standard") != "standard":
            self.refuse(f"{where}: is on {nic.get('switch_type')} switch {nic.get('switch')}; {what} is changed "
                        "on the distributed switch in vCenter, not by this planner", hp.facts["name"], cls.name)
            return None
        pg = find_portgroup(hp.target, nic.get("portgroup"), nic.get("switch"))
        if pg is None:
            self.refuse(f"{where}: its port group {nic.get('portgroup')} is not in the facts", hp.facts["name"], cls.name)
        return pg

    def _uplinks_ok(self, hp: _HostPlan, switch: str, uplinks: Iterable[str], where: str, cls: ClassIntent) -> bool:
        known = switch_uplinks(hp.facts, switch)
        unknown = [u for u in uplinks if u not in known]
        if unknown:
            self.refuse(f"{where}: uplink {', '.join(unknown)} is not on {switch} (its uplinks: "
                        f"{', '.join(sorted(known)) or 'unknown'})", hp.facts["name"], cls.name)
        return not unknown

    def _subnet_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        if cls.vlan is not None and nic.get("switch_type") == "distributed":
            self.distributed.want(hp.facts["name"], hp.target, nic, cls, where, vlan=cls.vlan)
        elif cls.vlan is not None:
            pg = self._standard_pg(hp, nic, cls, where, "the VLAN")
            if pg is not None:
                pg["vlan"] = cls.vlan
        if cls.portgroup is None:
            return
        wanted = cls.portgroup
        if nic.get("switch_type") == "distributed" or wanted.switch:
            self.distributed.move(hp.facts["name"], hp.target, nic, cls, where, hp.facts["portgroups"])
            return
        current = self._standard_pg(hp, nic, cls, where, "the port group")
        if current is None:
            return
        switch = nic["switch"]
        existing = find_portgroup(hp.target, wanted.name, None)
        if existing is not None and existing["switch"] != switch:
            self.refuse(f"{where}: port group {wanted.name} exists on {existing['switch']}, not on {switch} where "
                        f"{nic['device']} is", hp.facts["name"], cls.name)
            return
        if wanted.teaming is not None and not self._uplinks_ok(hp, switch, wanted.teaming[0] + wanted.teaming[1],
                                                               where, cls):
            return
        if existing is None:
            # A new port group behaves like the one the vmknic leaves, except for what is declared.
            existing = {"name": wanted.name, "switch": switch, "switch_type": "standard", "key": None,
                        "vlan": current.get("vlan") or 0, "teaming": copy.deepcopy(current.get("teaming"))}
            hp.target["portgroups"].append(existing)
            hp.target["portgroups"].sort(key=lambda p: (p["name"], p["switch"]))
        if wanted.vlan is not None:
            existing["vlan"] = wanted.vlan
        if wanted.teaming is not None:
            existing["teaming"] = explicit_teaming(hp.facts, switch, *wanted.teaming)
        nic["portgroup"] = wanted.name

    def _stack_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        name, key = hp.facts["name"], cls.stack
        if key not in SYSTEM_STACKS and key not in {s["key"] for s in hp.facts.get("stacks") or ()}:
            self.refuse(f"{where}: stack {key} does not exist on the host (create custom stacks with "
                        f"'esxcli network ip netstack add -N {key}' first)", name, cls.name)
            return
        if stack_of(nic) == key:
            return
        device = nic["device"]
        problems = []
        if device in management_devices(hp.facts):
            problems.append("it is the vmknic vCenter uses to manage the host, and a stack move removes and "
                            "re-creates it")
        if bound_adapters(nic):
            problems.append(f"it is bound to iSCSI adapter {', '.join(bound_adapters(nic))}; do not re-create "
                            "iSCSI-bound vmknics")
        services = set(nic.get("services") or ()) | set(IMPLIED_SERVICES.get(stack_of(nic), ()))
        if services & VSAN_SERVICES:
            problems.append(f"it carries {', '.join(sorted(services & VSAN_SERVICES))}, set through vSAN, not "
                            "SelectVnicForNicType")
        lost = services_lost_on_stack(services, key)
        if lost:
            problems.append(f"it carries {', '.join(lost)}, which cannot be enabled on stack {key}")
        if problems:
            self.refuse(f"{where}: cannot move to stack {key}: " + "; ".join(problems), name, cls.name)
            return
        nic["stack"] = key
        # Services are tags on the default stack only; a dedicated stack implies its own traffic.
        nic["services"] = sorted(services) if key == DEFAULT_STACK else []

    def _iscsi_target(self, hp: _HostPlan, nic: dict, cls: ClassIntent, where: str) -> None:
        name, wanted = hp.facts["name"], cls.iscsi
        adapter = self._iscsi_adapter(hp, wanted, where, cls)
        if adapter is None:
            return
        declared = nic.get("portgroup") in wanted.uplinks
        distributed = nic.get("switch_type") == "distributed"
        if declared and distributed:  # the uplink is the dvPortgroup's, by its uplink name ("Uplink 1")
            pg = self.distributed.want(name, hp.target, nic, cls, where, teaming=((wanted.uplinks[nic["portgroup"]],), ()))
        elif declared:
            pg = self._standard_pg(hp, nic, cls, where, "teaming")
        else:
            pg = find_portgroup(hp.target, nic.get("portgroup"), nic.get("switch"))
        if pg is None:
            if not declared:
                self.refuse(f"{where}: its port group {nic.get('portgroup')} is not in the facts", name, cls.name)
            return
        if declared and not distributed:
            uplink = wanted.uplinks[nic["portgroup"]]
            if not self._uplinks_ok(hp, nic["switch"], [uplink], where, cls):
                return
            pg["teaming"] = explicit_teaming(hp.facts, nic["switch"], [uplink])
        problems = iscsi_uplink_problems(hp.target, adapter, [nic["device"]], lambda device: "declare it in iscsi.uplinks")
        for problem in problems:
            self.refuse(f"{where}: {problem}", name, cls.name)
        if problems:
            return
        if adapter not in bound_adapters(nic):
            nic["iscsi_bindings"] = sorted(
                (nic.get("iscsi_bindings") or []) + [{"adapter": adapter, "compliant": None,
                                                      "compliance_reasons": [], "path_status": None}],
                key=lambda b: b["adapter"])

    def _iscsi_adapter(self, hp: _HostPlan, wanted, where: str, cls: ClassIntent) -> Optional[str]:
        name, target = hp.facts["name"], hp.target
        adapters = target.setdefault("iscsi_adapters", [])
        if wanted.adapter != SOFTWARE_ADAPTER:
            found = next((a for a in adapters if a["device"] == wanted.adapter), None)
            if found is None or found.get("binding_support") == "notsupported":
                known = ", ".join(a["device"] for a in adapters if a.get("binding_support") != "notsupported")
                self.refuse(f"{where}: iSCSI adapter {wanted.adapter} "
                            f"{'does not support port binding' if found else 'does not exist'} "
                            f"(adapters that can bind: {known or 'none'})", name, cls.name)
                return None
            if found.get("bound_vmknics") is None:
                self.refuse(f"{where}: the bindings of iSCSI adapter {wanted.adapter} are unknown (not queried)",
                            name, cls.name)
                return None
            return found["device"]
        software = next((a for a in adapters if a.get("software")), None)
        if target.get("software_iscsi_enabled") is not True:
            if not wanted.enable:
                self.refuse(f"{where}: software iSCSI is disabled on the host; set iscsi.enable: true to enable it",
                            name, cls.name)
                return None
            target["software_iscsi_enabled"] = True
            if software is None:
                software = {"device": SOFTWARE_ADAPTER, "software": True, "binding_support": "optional",
                            "bound_vmknics": []}
                adapters.append(software)
            elif software.get("bound_vmknics") is None:
                software["bound_vmknics"] = []
        if software is None:
            self.refuse(f"{where}: software iSCSI is enabled but the facts show no software iSCSI adapter",
                        name, cls.name)
            return None
        return software["device"]

    # ----------------------------------------------------------------- operations and checks

    def operations(self, name: str) -> None:
        hp = self.plans[name]
        tainted = name in self.tainted
        vcenter_path = VcenterPathWatch("the plan")
        try:
            hp.operations = reconcile(hp.facts, hp.target)
            # The host after the vCenter-level steps it sees (its dvPortgroups), then its own, on the
            # host with the dvPortgroups its vmknics move to; vCenter's path is judged on the way.
            hp.after = simulate(hp.facts, self.distributed.operations_for(name) + hp.operations,
                                portgroups=self.distributed.attached(name), watch=vcenter_path, share_unchanged=True)
        except PlanError as error:
            if not tainted:  # on a refused host this only restates the refusal (e.g. a shared port group)
                for problem in error.problems:
                    self.refuse(problem, name)
            hp.operations, hp.after = [], copy_data(hp.facts)
            return
        for problem in [] if tainted else state_differences(hp.target, hp.after, by_device=False):
            self.refuse(f"host {name}: internal error, the operations do not reach the target ({problem})", name)
        self._management_checks(hp, vcenter_path)
        self._dedicated_stack_checks(hp)
        for problem in unbind_problems(hp.facts, hp.operations):
            self.refuse(f"host {name}: {problem}", name)

    def _management_checks(self, hp: _HostPlan, vcenter_path: VcenterPathWatch) -> None:
        name = hp.facts["name"]
        problems = management_problems(hp.facts, hp.operations, self.intent.allow_management_change, "the plan")
        for problem in problems or vcenter_path.problems:
            self.refuse(f"host {name}: {problem}", name)

    def _dedicated_stack_checks(self, hp: _HostPlan) -> None:
        """Refuse plans that start using the vmotion (provisioning) stack while default-stack vmknics
        still carry its traffic (safety/_rules.py dedicated_stack_problems)."""
        for problem in dedicated_stack_problems(hp.facts, hp.after):
            self.refuse(f"host {hp.facts['name']}: after the plan {problem}; move {', '.join(problem.tagged)} in the same class",
                        hp.facts["name"])

    def analysis_checks(self) -> dict[str, tuple[int, int]]:
        """Refuse targets that leave a host multi-homed; return (errors before, errors after) per host."""
        counts = {name: (0, 0) for name in self.plans}
        if not self.plans:
            return counts
        names = list(self.plans)
        views: dict = {}  # an after-state shares the vmknics its operations leave with the facts (simulate)
        before = _analyse([self.plans[n].facts for n in names], views=views)["findings"]
        after = _analyse([self.plans[n].after for n in names], views=views)["findings"]

        def errors(findings: list[dict]) -> dict[str, list[dict]]:
            result: dict[str, list[dict]] = {n: [] for n in names}
            for finding in findings:
                hp = self.plans.get(finding["host"])
                if hp is None or finding["severity"] != "error":
                    continue
                accepted = {d for d, c in hp.selected.items() if c.action == "accept"}
                # Exact membership, not analyse()'s subset allow-list match: an accepted group that
                # gained a vmknic from outside the accept class is not accepted any more.
                if finding["vmknics"] and set(finding["vmknics"]) <= accepted:
                    continue
                result[finding["host"]].append(finding)
            return result

        errors_before, errors_after = errors(before), errors(after)
        for name in names:
            hp = self.plans[name]
            counts[name] = (len(errors_before[name]), len(errors_after[name]))
            if name in self.tainted:
                continue  # its after-state is not the intent's; the refusal already says why
            selected = {d for d, c in hp.selected.items() if c.action != "accept"}
            selected |= {op["device"] for op in hp.operations if op["op"] == "AddVirtualNic"}
            for finding in post_change_errors(errors_before[name], errors_after[name], selected):
                where = " ".join(x for x in (finding.get("stack"), finding.get("subnet")) if x)
                self.refuse(f"host {name}: after the plan {finding['rule']} would remain on {where} for "
                            f"{', '.join(finding['vmknics'])}: {finding['message']}", name)
        return counts

    # ----------------------------------------------------------------- document

    def run(self) -> dict:
        self.collect()
        self.select()
        for cls in self.intent.classes:
            self.allocate(cls)
        for name in self.plans:
            self.build_target(name)
        self.distributed.finish(self.all_hosts)
        for refusal in self.distributed.refusals:  # before the checks that skip refused hosts
            self.refuse(*refusal)
        for name in self.plans:
            self.operations(name)
        counts = self.analysis_checks()
        hosts = []
        for name, hp in self.plans.items():
            hosts.append({
                "host": name,
                "changed": bool(hp.operations),
                "classes": {d: hp.selected[d].name for d in sorted(hp.selected, key=vmk_sort_key)},
                "operations": hp.operations,
                "before": hp.facts,
                "after": hp.after,
                "findings_before": counts[name][0],
                "findings_after": counts[name][1],
            })
            needed = self.distributed.portgroups_for(name)
            if needed:  # the vCenter-level steps this host's after-state counts on
                hosts[-1]["vcenter_steps"] = needed
        refusals = sorted(self.refusals, key=lambda r: (r["host"] or "", r["class"] or "", r["message"]))
        vcenter = self.distributed.section()
        by_op: dict[str, int] = {}
        for entry in hosts + [vcenter]:
            for op in entry["operations"]:
                by_op[op["op"]] = by_op.get(op["op"], 0) + 1
        summary = {
            "hosts_total": len(self.all_hosts), "hosts_planned": len(hosts),
            "hosts_changed": sum(1 for h in hosts if h["changed"]), "hosts_skipped": len(self.skipped),
            "operations": sum(by_op.values()), "by_op": dict(sorted(by_op.items())),
            "findings_before": sum(h["findings_before"] for h in hosts),
            "findings_after": sum(h["findings_after"] for h in hosts),
            "refusals": len(refusals),
        }
        return {"vcenter": vcenter, "hosts": hosts, "skipped": self.skipped, "refusals": refusals,
                "executable": not refusals, "summary": summary}


def build_plan(hosts: list[dict], intent: Any, dvportgroups: Optional[list[dict]] = None) -> dict:
    """The plan document with every refusal inside (``executable`` false when there are any).
    For reports and check mode; execute only what ``plan()`` returns. ``dvportgroups``: the
    dvPortgroups the intent may change, as vCenter holds them (vsphere/_dvportgroup_read.py);
    without them a change of a dvPortgroup is refused."""
    try:
        parsed = intent if isinstance(intent, Intent) else parse_intent(intent)
    except IntentError as error:
        raise PlanError(error.problems) from None
    with cyclic_gc_paused():  # the planner's data has no reference cycles
        document = _Planner(hosts, parsed, dvportgroups).run()
        age_without_scan()
    return document


def plan(hosts: list[dict], intent: Any, dvportgroups: Optional[list[dict]] = None) -> dict:
    """The operations that make every connected host in ``hosts`` match ``intent``. Raises PlanError
    listing every refusal (and carrying the would-be plan) when any applies: nothing is half-planned."""
    document = build_plan(hosts, intent, dvportgroups)
    if document["refusals"]:
        raise PlanError([r["message"] for r in document["refusals"]], document)
    return document
