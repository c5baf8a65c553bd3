# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile: the generic diff between two states of one host, in safe order (private).

Forward plans are ``reconcile(facts, target)``; rollback is ``reconcile(read_back, before)``.
Pure Python on plain data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import vmk_sort_key

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import PlanError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import (
    VSAN_SERVICES, bound_adapters, ipv4_arg, ipv4_equal, ipv4_interface, ipv4_text, ipv6_arg, ipv6_settings, ipv6_text, is_system_owned,
    lowest_free_device, make_operation, management_devices, manual_ipv6, portgroup_id, selectable_services, stack_of, standard_portgroups,
    teaming_arg,
)


@dataclass
class _Group:
    """The operations of one vmknic (matched current/target pair, or a removal, or an addition)."""

    current: Optional[dict]
    target: Optional[dict]
    management: bool

    @property
    def order_key(self) -> tuple:
        nic = self.current or self.target
        return (self.management, self.current is None, vmk_sort_key(nic["device"]))

    def vacates(self) -> set:
        """Port group slots and addresses this group gives up (others may need them first)."""
        if self.current is None:
            return set()
        result = set()
        moves = self.target is None or portgroup_id(self.current) != portgroup_id(self.target) \
            or stack_of(self.current) != stack_of(self.target)
        if moves:
            result.add(("pg",) + portgroup_id(self.current))
        return result | (_held_addresses(self.current) - _held_addresses(self.target))

    def enters(self) -> set:
        if self.target is None:
            return set()
        result = set()
        if self.current is None or portgroup_id(self.current) != portgroup_id(self.target):
            result.add(("pg",) + portgroup_id(self.target))
        return result | (_held_addresses(self.target) - _held_addresses(self.current))


def _held_addresses(nic: Optional[dict]) -> set:
    """The addresses a vmknic holds that no other vmknic may hold at the same time."""
    if nic is None:
        return set()
    iface = ipv4_interface(nic.get("ipv4"))
    result = {("ip", str(iface.ip))} if iface is not None else set()
    return result | {("ip", text.split("/")[0]) for text in manual_ipv6(nic)}


def _match_vmknics(current: dict, target: dict) -> tuple[list, list, list]:
    """Pairs (current, target) by device, then by port group for vmknics re-created under another
    name; the rest are removals and additions. System-owned vmknics are never touched."""
    cur = {n["device"]: n for n in current.get("vmknics") or () if not is_system_owned(n)}
    tgt = {n["device"]: n for n in target.get("vmknics") or () if not is_system_owned(n)}
    pairs = [(cur[d], tgt[d]) for d in sorted(set(cur) & set(tgt), key=vmk_sort_key)]
    rest_cur = {d: cur[d] for d in cur if d not in tgt}
    rest_tgt = {d: tgt[d] for d in tgt if d not in cur}
    by_pg: dict = {}
    for device, nic in rest_tgt.items():
        by_pg.setdefault(portgroup_id(nic), []).append(device)
    for device in sorted(rest_cur, key=vmk_sort_key):
        candidates = by_pg.get(portgroup_id(rest_cur[device])) or []
        if len(candidates) == 1:
            other = candidates.pop()
            pairs.append((rest_cur.pop(device), rest_tgt.pop(other)))
    removed = [rest_cur[d] for d in sorted(rest_cur, key=vmk_sort_key)]
    added = [rest_tgt[d] for d in sorted(rest_tgt, key=vmk_sort_key)]
    return pairs, removed, added


def _order_groups(groups: list[_Group], host: str) -> list[_Group]:
    """Management last, vmk order otherwise, except that a vmknic taking a port group or address
    another vmknic gives up goes after it (Kahn's algorithm; a cycle is a swap we refuse)."""
    pending = sorted(groups, key=lambda g: g.order_key)
    if len(pending) < 2:  # nothing to wait for (a plan changes one vmknic of most hosts)
        return pending
    vacates = [g.vacates() for g in pending]
    enters = [g.enters() for g in pending]
    deps = {i: {j for j in range(len(pending)) if j != i and enters[i] & vacates[j]}
            for i in range(len(pending))}
    ordered: list[_Group] = []
    done: set[int] = set()
    while len(done) < len(pending):
        ready = [i for i in range(len(pending)) if i not in done and deps[i] <= done]
        if not ready:
            stuck = [(pending[i].current or pending[i].target)["device"] for i in range(len(pending)) if i not in done]
            raise PlanError([f"host {host}: {', '.join(stuck)} swap port groups or addresses with each other; "
                             "no order of operations keeps them unique, change them in two runs"])
        done.add(ready[0])
        ordered.append(pending[ready[0]])
    return ordered


def _check_services_supported(nic: dict, services: Iterable[str], host: str) -> None:
    vsan = sorted(set(services) & VSAN_SERVICES)
    if vsan:
        raise PlanError([f"host {host}: {nic['device']} would need {', '.join(vsan)} changed, which is done with "
                         "HostVsanSystem.UpdateVsan_Task, not by this planner"])


class _Reconciler:
    """Builds the operations of one host; ``devices`` tracks vmk names as operations add/remove."""

    def __init__(self, current: dict, target: dict):
        self.current = current
        self.target = target
        self.host = current.get("name") or target.get("name") or ""
        self.devices = {n["device"] for n in current.get("vmknics") or ()}
        self.adapters_changed: list[str] = []

    def op(self, op: str, description: str, **args: Any) -> dict:
        return make_operation(op, self.host, description, **args)

    # ----------------------------------------------------------------- per vmknic

    def group_ops(self, group: _Group) -> list[dict]:
        cur, tgt = group.current, group.target
        if tgt is None:
            return self.teardown(cur, "remove it")
        if cur is None:
            return self.build(tgt, None)
        if stack_of(cur) != stack_of(tgt):
            return self.teardown(cur, f"re-create it on stack {stack_of(tgt)}") + self.build(tgt, cur)
        return self.update(cur, tgt)

    def teardown(self, cur: dict, why: str) -> list[dict]:
        device = cur["device"]
        ops = [self.unbind(device, adapter) for adapter in bound_adapters(cur)]
        _check_services_supported(cur, selectable_services(cur), self.host)
        ops += [self.op("DeselectVnicForNicType", f"{device}: stop {service} before removing it",
                        nic_type=service, device=device)
                for service in sorted(selectable_services(cur))]
        ops.append(self.op("RemoveVirtualNic", f"{device}: remove ({why})", device=device))
        self.devices.discard(device)
        return ops

    def build(self, tgt: dict, replaces: Optional[dict]) -> list[dict]:
        device = lowest_free_device(self.devices)
        self.devices.add(device)
        ipv4 = tgt.get("ipv4") or (replaces or {}).get("ipv4")
        if not ipv4:
            raise PlanError([f"host {self.host}: {tgt['device']} has no IPv4 configuration to create it with"])
        was = f" (re-creates {replaces['device']} from stack {stack_of(replaces)})" if replaces else ""
        ops = [self.op(
            "AddVirtualNic",
            f"{device}: create on port group {tgt.get('portgroup')}, stack {stack_of(tgt)}, "
            f"{ipv4_text(ipv4)}, MTU {tgt.get('mtu')}{was}",
            device=device, portgroup=tgt.get("portgroup"), switch=tgt.get("switch"), stack=stack_of(tgt),
            ipv4=ipv4_arg(ipv4), mtu=tgt.get("mtu"), gateway_override=copy.deepcopy(tgt.get("gateway_override")),
            mac=tgt.get("mac"), ipv6=copy.deepcopy(tgt.get("ipv6")), **self.distributed_port(tgt),
        )]
        _check_services_supported(tgt, selectable_services(tgt), self.host)
        ops += [self.op("SelectVnicForNicType", f"{device}: enable {service}", nic_type=service, device=device)
                for service in sorted(selectable_services(tgt))]
        ops += [self.bind(device, adapter) for adapter in bound_adapters(tgt)]
        return ops

    def distributed_port(self, tgt: dict) -> dict:
        """``dvs`` of an AddVirtualNic on a distributed switch, or of an UpdateVirtualNic moving onto
        one: both take the switch UUID and dvPortgroup key there (ESXI-NETWORKING.md 2.6), never a
        port group name."""
        if tgt.get("switch_type") != "distributed":
            return {}
        dvs = tgt.get("dvs") or {}
        if not dvs.get("switch_uuid") or not dvs.get("portgroup_key"):
            raise PlanError([f"host {self.host}: {tgt['device']} is on distributed switch {tgt.get('switch')} but its "
                             "switch UUID or dvPortgroup key is unknown; it cannot be re-created"])
        return {"dvs": {"switch_uuid": dvs["switch_uuid"], "portgroup_key": dvs["portgroup_key"]}}

    def update(self, cur: dict, tgt: dict) -> list[dict]:
        device = cur["device"]
        ops = [self.unbind(device, a) for a in bound_adapters(cur) if a not in bound_adapters(tgt)]
        dropped = selectable_services(cur) - selectable_services(tgt)
        added = selectable_services(tgt) - selectable_services(cur)
        _check_services_supported(cur, dropped | added, self.host)
        ops += [self.op("DeselectVnicForNicType", f"{device}: disable {s}", nic_type=s, device=device)
                for s in sorted(dropped)]
        args: dict[str, Any] = {}
        said: list[str] = []
        if not ipv4_equal(cur.get("ipv4"), tgt.get("ipv4")) and tgt.get("ipv4"):
            args["ipv4"] = ipv4_arg(tgt["ipv4"])
            said.append(f"IPv4 {ipv4_text(tgt['ipv4'])} (was {ipv4_text(cur.get('ipv4'))})")
        if ipv6_settings(cur) != ipv6_settings(tgt):
            args["ipv6"] = ipv6_arg(cur, tgt)
            said.append(f"{ipv6_text(tgt)} (was {ipv6_text(cur)})")
        if tgt.get("mtu") != cur.get("mtu") and tgt.get("mtu") is not None:
            args["mtu"] = tgt["mtu"]
            said.append(f"MTU {tgt['mtu']} (was {cur.get('mtu')})")
        if (tgt.get("gateway_override") or None) != (cur.get("gateway_override") or None):
            args["gateway_override"] = copy.deepcopy(tgt.get("gateway_override"))
            gateway = (tgt.get("gateway_override") or {}).get("ipv4")
            said.append(f"gateway override {gateway}" if gateway else "no IPv4 gateway override")
        if portgroup_id(cur) != portgroup_id(tgt):
            args["portgroup"] = tgt.get("portgroup")
            args["switch"] = tgt.get("switch")
            args.update(self.distributed_port(tgt))
            said.append(f"port group {tgt.get('portgroup')} on {tgt.get('switch')} (was {cur.get('portgroup')})")
        if args:
            ops.append(self.op("UpdateVirtualNic", f"{device}: set " + ", ".join(said), device=device, **args))
        ops += [self.op("SelectVnicForNicType", f"{device}: enable {s}", nic_type=s, device=device)
                for s in sorted(added)]
        ops += [self.bind(device, a) for a in bound_adapters(tgt) if a not in bound_adapters(cur)]
        return ops

    def bind(self, device: str, adapter: str) -> dict:
        self.adapters_changed.append(adapter)
        return self.op("BindVnic", f"{device}: bind to iSCSI adapter {adapter}", adapter=adapter, device=device)

    def unbind(self, device: str, adapter: str) -> dict:
        self.adapters_changed.append(adapter)
        return self.op("UnbindVnic", f"{device}: unbind from iSCSI adapter {adapter}", adapter=adapter,
                       device=device, force=False)

    def rescans(self) -> list[dict]:
        adapters = sorted(set(self.adapters_changed))
        self.adapters_changed = []
        return [self.op("RescanHba", f"rescan {a} after binding changes", adapter=a) for a in adapters]

    # ----------------------------------------------------------------- port groups and host-level

    def portgroup_ops(self, management_pgs: set) -> tuple[list[dict], list[dict], list[dict]]:
        """(ops before the vmknics, ops just before the management vmknic, removals at the end)."""
        cur, tgt = standard_portgroups(self.current), standard_portgroups(self.target)
        early, late, removals = [], [], []
        for key in sorted(tgt):
            pg = tgt[key]
            if key not in cur:
                early.append(self.op(
                    "AddPortGroup", f"create port group {pg['name']} on {pg['switch']} (VLAN {pg.get('vlan')})",
                    name=pg["name"], switch=pg["switch"], vlan=pg.get("vlan") or 0,
                    teaming=teaming_arg(pg.get("teaming"))))
                continue
            old = cur[key]
            if old == pg:  # most port groups of a host: nothing to compare
                continue
            team_changed = teaming_arg(old.get("teaming")) != teaming_arg(pg.get("teaming"))
            if old.get("vlan") == pg.get("vlan") and not team_changed:
                continue
            said = []
            if old.get("vlan") != pg.get("vlan"):
                said.append(f"VLAN {pg.get('vlan')} (was {old.get('vlan')})")
            if team_changed:
                t = teaming_arg(pg.get("teaming"))
                said.append(f"active {', '.join(t['active']) or '-'} standby {', '.join(t['standby']) or '-'}")
            op = self.op("UpdatePortGroup", f"port group {pg['name']} on {pg['switch']}: " + ", ".join(said),
                         name=pg["name"], switch=pg["switch"], vlan=pg.get("vlan") or 0,
                         teaming=teaming_arg(pg.get("teaming")) if team_changed else None)
            (late if key in management_pgs else early).append(op)
        for key in sorted(set(cur) - set(tgt)):
            removals.append(self.op("RemovePortGroup", f"remove port group {key[1]} from {key[0]}",
                                    name=key[1], switch=key[0]))
        return early, late, removals

    def run(self) -> list[dict]:
        pairs, removed, added = _match_vmknics(self.current, self.target)
        mgmt = management_devices(self.current)
        groups = [_Group(c, t, c["device"] in mgmt) for c, t in pairs]
        groups += [_Group(c, None, c["device"] in mgmt) for c in removed]
        groups += [_Group(None, t, False) for t in added]
        mgmt_pgs = {portgroup_id(n) for g in groups if g.management for n in (g.current, g.target) if n}
        early, late, removals = self.portgroup_ops(mgmt_pgs)

        ops: list[dict] = []
        cur_sw, tgt_sw = self.current.get("software_iscsi_enabled"), self.target.get("software_iscsi_enabled")
        if tgt_sw is True and cur_sw is not True:
            ops.append(self.op("UpdateSoftwareInternetScsiEnabled", "enable the software iSCSI adapter",
                               enabled=True))
        ops += early
        ordered = _order_groups([g for g in groups if self._changes(g)], self.host)
        management_started = False
        for group in ordered:
            if group.management and not management_started:
                management_started = True
                ops += self.rescans() + late
                late = []
            ops += self.group_ops(group)
        ops += self.rescans() + late + removals
        if tgt_sw is False and cur_sw is True:
            ops.append(self.op("UpdateSoftwareInternetScsiEnabled", "disable the software iSCSI adapter",
                               enabled=False))
        return ops

    @staticmethod
    def _changes(group: _Group) -> bool:
        cur, tgt = group.current, group.target
        if cur is None or tgt is None:
            return True
        if cur == tgt:  # most vmknics of a host: nothing to compare
            return False
        return (
            stack_of(cur) != stack_of(tgt) or portgroup_id(cur) != portgroup_id(tgt)
            or (not ipv4_equal(cur.get("ipv4"), tgt.get("ipv4")) and bool(tgt.get("ipv4")))
            or ipv6_settings(cur) != ipv6_settings(tgt)
            or (tgt.get("mtu") is not None and tgt.get("mtu") != cur.get("mtu"))
            or (tgt.get("gateway_override") or None) != (cur.get("gateway_override") or None)
            or selectable_services(cur) != selectable_services(tgt)
            or bound_adapters(cur) != bound_adapters(tgt)
        )


def reconcile(current_host: dict, target_host: dict) -> list[dict]:
    """The operations, in safe order, that turn ``current_host`` into ``target_host`` (both in the
    facts model). Vmknics are matched by device, then by port group; standard port groups by
    (switch, name). Distributed port groups, stacks, routes and system-owned vmknics are never
    changed. Raises PlanError when a difference cannot be made safely by this planner."""
    return _Reconciler(current_host, target_host).run()
