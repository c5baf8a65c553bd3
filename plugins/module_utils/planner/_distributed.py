# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vCenter-level part of a plan (private): changes of dvPortgroups, which every host on the
switch shares (docs/remediation.md, "vCenter-level steps").

A class asks for a dvPortgroup setting through a vmknic it selects (``subnet.vlan`` on a vmknic on
a dvPortgroup, ``iscsi.uplinks`` naming a dvPortgroup and its one active uplink). The change is
planned once, as one ``ReconfigureDVPortgroup`` that runs before the hosts; it is refused when the
dvPortgroup carries any vmknic, on any host in scope or not, that the asking class does not
select (its VLAN or teaming would change too). Knowing those vmknics needs the dvPortgroups as
vCenter holds them (vsphere/_dvportgroup_read.py): without them any such change is refused.
Pure Python on plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import dv_teaming
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import (
    NEW_DVPORTGROUP_KEY, copy_data, make_operation, management_devices,
)


@dataclass
class _Wanted:
    """What the classes ask of one dvPortgroup, and the vmknics that ask it."""

    entry: dict                                   # the dvPortgroup as read (vsphere/_dvportgroup_read.py)
    vlan: Optional[int] = None
    teaming: Optional[tuple[tuple[str, ...], tuple[str, ...]]] = None   # uplink names (active, standby)
    classes: set = field(default_factory=set)
    members: set = field(default_factory=set)     # (host, device)


def _switch_key(nic: dict) -> tuple:
    dvs = nic.get("dvs") or {}
    return (dvs.get("switch_uuid"), dvs.get("portgroup_key"))


def switches_to_read(hosts: list[dict], intent) -> set[str]:
    """The distributed switches whose dvPortgroups the planner needs read (vsphere/_dvportgroup_read.py):
    those of the vmknics in scope, when a class may change a dvPortgroup or move vmknics to one
    (subnet.vlan, subnet.portgroup, iscsi.uplinks)."""
    if not any(cls.vlan is not None or cls.portgroup is not None or (cls.iscsi is not None and cls.iscsi.uplinks)
               for cls in intent.classes):
        return set()
    return {nic["dvs"]["switch_uuid"] for host in hosts for nic in host.get("vmknics") or ()
            if nic.get("switch_type") == "distributed" and (nic.get("dvs") or {}).get("switch_uuid")}


def switches_named(intent) -> frozenset:
    """The distributed switches the intent moves vmknics on standard switches to (subnet.portgroup.switch)."""
    return frozenset(cls.portgroup.switch for cls in intent.classes if cls.portgroup is not None and cls.portgroup.switch)


def host_portgroup(target: dict, nic: dict) -> Optional[dict]:
    """The entry of the vmknic's dvPortgroup in a host's facts (or target)."""
    uuid, key = _switch_key(nic)
    return next((p for p in target.get("portgroups") or () if p.get("switch_type") == "distributed"
                 and p.get("switch_uuid") == uuid and p.get("key") == key), None)


class DvPortgroupChanges:
    """Collects what classes ask of dvPortgroups, then plans them once (``finish``)."""

    def __init__(self, catalogue: Optional[list[dict]], allow_management_change: bool) -> None:
        self.catalogue = None if catalogue is None else {(pg["switch_uuid"], pg["key"]): pg for pg in catalogue}
        # (message, host, class) for the planner to take over (_Planner.refuse): kept here rather than
        # calling back into the planner, which would make the two a reference cycle that only the
        # cyclic collector frees (build_plan ages the plan's objects without scanning them).
        self.refusals: list[tuple[str, Optional[str], Optional[str]]] = []
        self.allow_management_change = allow_management_change
        self.wanted: dict[tuple, _Wanted] = {}
        self.operations: list[dict] = []
        self.joined: dict[str, list[dict]] = {}       # host -> dvPortgroups (facts form) its vmknics move to
        self.created: dict[tuple, set] = {}           # (switch UUID, key) of a dvPortgroup to create -> hosts

    def move(self, host: str, target: dict, nic: dict, cls, where: str, read: list[dict]) -> None:
        """Move a vmknic on a distributed switch to the dvPortgroup ``cls.portgroup.name`` of the same
        switch (UpdateVirtualNic with ``dvs``), with the declared VLAN and teaming (uplink names) as a
        vCenter-level step when they differ. A missing dvPortgroup is created (CreateDVPortgroup),
        once for every host moving there. ``read``: the host's port groups as read (its facts)."""
        wanted, current = cls.portgroup, host_portgroup(target, nic)
        uuid = (nic.get("dvs") or {}).get("switch_uuid")
        onto = nic.get("switch_type") != "distributed"  # from a standard port group onto the switch
        if self.catalogue is None:
            self.refuse(f"{where}: the dvPortgroups of {wanted.switch or nic.get('switch')} were not read from vCenter "
                        "(plan with remediation_plan_info)", host, cls.name)
            return
        if onto:
            current = self._member_view(host, nic, cls, where, read)
            if current is None:
                return
            uuid = current["switch_uuid"]
        elif current is None or not uuid:
            self.refuse(f"{where}: its dvPortgroup {nic.get('portgroup')} is not in the facts", host, cls.name)
            return
        entry = next((pg for pg in self.catalogue.values() if pg["switch_uuid"] == uuid and pg["name"] == wanted.name), None)
        if entry is None:
            entry = self._new_portgroup(host, nic, cls, where, current)
            if entry is None:
                return
        pg = host_portgroup(target, {"dvs": {"switch_uuid": uuid, "portgroup_key": entry["key"]}})
        if pg is None:
            pg = {"name": entry["name"], "switch": current["switch"], "switch_type": "distributed", "key": entry["key"],
                  "vlan": entry["vlan"], "switch_uuid": uuid, "vlan_spec": copy_data(entry["vlan_spec"]),
                  "uplink_pnics": dict(current.get("uplink_pnics") or {})}
            uplinks = entry.get("uplinks") or {}
            pg["uplinks"], pg["teaming"] = dv_teaming(pg, uplinks.get("active") or (), uplinks.get("standby") or ())
            target["portgroups"].append(pg)
            self.joined.setdefault(host, []).append(pg)
        nic["portgroup"], nic["switch"], nic["switch_type"] = entry["name"], current["switch"], "distributed"
        nic["dvs"] = {"switch_uuid": uuid, "portgroup_key": entry["key"], "port_key": None}
        if (uuid, entry["key"]) in self.created:
            self.created[(uuid, entry["key"])].add(host)
        elif wanted.vlan is not None or wanted.teaming is not None:
            self.want(host, target, nic, cls, where, vlan=wanted.vlan, teaming=wanted.teaming)

    def _member_view(self, host: str, nic: dict, cls, where: str, read: list[dict]) -> Optional[dict]:
        """For a vmknic on a standard switch moving onto distributed switch ``cls.portgroup.switch``:
        a stand-in for "the dvPortgroup it leaves" (the switch's uplinks as this host backs them, and
        the VLAN of the port group it leaves, from ``read``), or None after a refusal."""
        wanted = cls.portgroup
        if not wanted.switch:
            self.refuse(f"{where}: is on standard switch {nic.get('switch')}; name the distributed switch of "
                        f"dvPortgroup {wanted.name} (portgroup.switch) to move it there", host, cls.name)
            return None
        entries = [pg for pg in self.catalogue.values() if pg["switch"] == wanted.switch and "members" in pg]
        if not entries:
            self.refuse(f"{where}: distributed switch {wanted.switch} was not found in vCenter", host, cls.name)
            return None
        uplinks = entries[0]["members"].get(host)
        if uplinks is None:
            self.refuse(f"{where}: host {host} is not a member of distributed switch {wanted.switch}; add it (with "
                        "its uplinks) in vCenter first", host, cls.name)
            return None
        leaving_pg = next((p for p in read if (p["switch"], p["name"]) == (nic.get("switch"), nic.get("portgroup"))), {})
        first = entries[0]
        return {"switch": wanted.switch, "switch_uuid": first["switch_uuid"], "uplink_pnics": dict(uplinks),
                "vlan": leaving_pg.get("vlan") or 0, "uplink_names": list(first["uplink_names"]),
                "uplinks": {"active": list(first["uplink_names"]), "standby": [], "unused": []}}

    def _new_portgroup(self, host: str, nic: dict, cls, where: str, current: dict) -> Optional[dict]:
        """The dvPortgroup ``cls.portgroup`` to create on the vmknic's switch: like the one the vmknic
        leaves, but for the declared VLAN and teaming (uplink names). From a standard switch: with the
        VLAN of the port group it leaves and every uplink active, unless declared."""
        wanted = cls.portgroup
        leaving = self.catalogue.get(_switch_key(nic)) if nic.get("switch_type") == "distributed" else current
        if leaving is None:
            self.refuse(f"{where}: dvPortgroup {current['name']} on {current['switch']} was not read from vCenter",
                        host, cls.name)
            return None
        active, standby = wanted.teaming or (tuple((leaving.get("uplinks") or {}).get("active") or ()),
                                             tuple((leaving.get("uplinks") or {}).get("standby") or ()))
        unknown = [u for u in active + standby if u not in leaving["uplink_names"]]
        if unknown:
            self.refuse(f"{where}: {', '.join(unknown)} is not an uplink of distributed switch {leaving['switch']} "
                        f"(its uplinks: {', '.join(leaving['uplink_names']) or 'none'})", host, cls.name)
            return None
        vlan = wanted.vlan if wanted.vlan is not None else leaving["vlan"]
        entry = {"switch": leaving["switch"], "switch_uuid": leaving["switch_uuid"], "key": NEW_DVPORTGROUP_KEY + wanted.name,
                 "name": wanted.name, "config_version": None, "vlan": vlan,
                 "vlan_spec": {"type": "vlan", "vlan_id": vlan, "ranges": None, "pvlan_id": None} if vlan is not None else None,
                 "uplinks": {"active": list(active), "standby": list(standby),
                             "unused": [u for u in leaving["uplink_names"] if u not in active and u not in standby]},
                 "uplink_names": list(leaving["uplink_names"]), "occupants": []}
        self.catalogue[(entry["switch_uuid"], entry["key"])] = entry
        self.created[(entry["switch_uuid"], entry["key"])] = set()
        return entry

    def refuse(self, message: str, host: Optional[str] = None, cls: Optional[str] = None) -> None:
        self.refusals.append((message, host, cls))

    def attached(self, host: str) -> list[dict]:
        """dvPortgroups this host's vmknics move to that its facts do not list (simulate's ``portgroups``)."""
        return self.joined.get(host, [])

    def want(self, host: str, target: dict, nic: dict, cls, where: str, vlan: Optional[int] = None,
             teaming: Optional[tuple] = None) -> Optional[dict]:
        """Ask for ``vlan`` or ``teaming`` (uplink names) on the vmknic's dvPortgroup; the host's target
        port group entry, updated, or None after a refusal."""
        what = " and ".join(x for x, given in (("VLAN", vlan is not None), ("teaming", teaming is not None)) if given)
        pg = host_portgroup(target, nic)
        key = _switch_key(nic)
        if pg is None or None in key:
            self.refuse(f"{where}: its dvPortgroup {nic.get('portgroup')} is not in the facts", host, cls.name)
            return None
        entry = None if self.catalogue is None else self.catalogue.get(key)
        if entry is None:
            self.refuse(f"{where}: dvPortgroup {pg['name']} on {pg['switch']} was not read from vCenter; its {what} "
                        "is changed in vCenter for every host on the switch, and planning that needs its configVersion "
                        "and every vmknic on it (plan with remediation_plan_info)", host, cls.name)
            return None
        if teaming is not None:
            unknown = [u for u in teaming[0] + teaming[1] if u not in entry["uplink_names"]]
            if unknown:
                self.refuse(f"{where}: {', '.join(unknown)} is not an uplink of distributed switch {entry['switch']} "
                            f"(its uplinks: {', '.join(entry['uplink_names']) or 'none'})", host, cls.name)
                return None
        wanted = self.wanted.setdefault(key, _Wanted(entry=entry))
        for mine, theirs, label in ((vlan, wanted.vlan, "VLAN"), (teaming, wanted.teaming, "teaming")):
            if mine is not None and theirs is not None and mine != theirs:
                self.refuse(f"{where}: class {cls.name} and class {', '.join(sorted(wanted.classes))} ask for different "
                            f"{label} settings of dvPortgroup {entry['name']} on {entry['switch']}", host, cls.name)
                return None
        wanted.vlan = vlan if vlan is not None else wanted.vlan
        wanted.teaming = teaming if teaming is not None else wanted.teaming
        wanted.classes.add(cls.name)
        wanted.members.add((host, nic["device"]))
        if vlan is not None:
            pg["vlan"] = vlan
            pg["vlan_spec"] = {"type": "vlan", "vlan_id": vlan, "ranges": None, "pvlan_id": None}
        if teaming is not None:
            pg["uplinks"], pg["teaming"] = dv_teaming(pg, *teaming)
        return pg

    def finish(self, hosts: list[dict]) -> None:
        """Refuse shared dvPortgroups, then plan one ReconfigureDVPortgroup per changed dvPortgroup.
        ``hosts``: every host in the facts (their vmknics count as occupants even when skipped).
        Creations come first: nothing else depends on them but the moves onto them."""
        self._plan_creations()
        in_scope: dict[tuple, set] = {}
        management: dict[tuple, list[str]] = {}
        for host in hosts:
            managed = management_devices(host)
            for nic in host.get("vmknics") or ():
                if nic.get("switch_type") == "distributed" and nic.get("dvs"):
                    in_scope.setdefault(_switch_key(nic), set()).add((host["name"], nic["device"]))
                    if nic["device"] in managed:
                        management.setdefault(_switch_key(nic), []).append(f"{host['name']} {nic['device']}")
        for key, wanted in sorted(self.wanted.items(), key=lambda kv: (kv[1].entry["switch"] or "", kv[1].entry["name"] or "")):
            entry, classes = wanted.entry, ", ".join(sorted(wanted.classes))
            occupants = {(o["host"], o["device"]) for o in entry["occupants"]} | in_scope.get(key, set())
            others = sorted(occupants - wanted.members)
            what = " and ".join(x for x, asked in (("VLAN", wanted.vlan is not None), ("teaming", wanted.teaming is not None)) if asked)
            name = f"dvPortgroup {entry['name']} on {entry['switch']}"
            if others:
                self.refuse(f"class {classes}: {name} also carries {', '.join(f'{h} {d}' for h, d in others)}, which the "
                            f"class does not select; changing its {what} would change theirs too. Create a dedicated "
                            f"dvPortgroup for the class's vmknics and move them to it", cls=sorted(wanted.classes)[0])
                continue
            if management.get(key) and not self.allow_management_change:
                self.refuse(f"class {classes}: {name} carries {', '.join(management[key])}, the vmknic vCenter uses to "
                            f"manage the host; changing its {what} needs allow_management_change: true",
                            cls=sorted(wanted.classes)[0])
                continue
            self._plan(wanted, name, sorted({h for h, _d in occupants}))

    def _plan_creations(self) -> None:
        for (uuid, key), hosts in sorted(self.created.items()):
            entry = self.catalogue[(uuid, key)]
            uplinks = entry["uplinks"]
            self.operations.append(make_operation(
                "CreateDVPortgroup", None,
                f"dvPortgroup {entry['name']} on {entry['switch']}: create with VLAN {entry['vlan']}, active "
                f"{'/'.join(uplinks['active'])}, standby {'/'.join(uplinks['standby']) or 'none'} (for {', '.join(sorted(hosts))})",
                switch=entry["switch"], switch_uuid=uuid, key=key, name=entry["name"], vlan=entry["vlan"],
                teaming={"active": list(uplinks["active"]), "standby": list(uplinks["standby"])}, hosts=sorted(hosts)))

    def _plan(self, wanted: _Wanted, name: str, hosts: list[str]) -> None:
        entry, args = wanted.entry, {}
        if wanted.vlan is not None and (entry["vlan"] != wanted.vlan or (entry.get("vlan_spec") or {}).get("type") != "vlan"):
            args["vlan"] = wanted.vlan
        uplinks = entry.get("uplinks") or {}
        if wanted.teaming is not None and (tuple(uplinks.get("active") or ()), tuple(uplinks.get("standby") or ())) != wanted.teaming:
            args["teaming"] = {"active": list(wanted.teaming[0]), "standby": list(wanted.teaming[1])}
        if not args:
            return
        changes = [f"VLAN {args['vlan']}"] if "vlan" in args else []
        if "teaming" in args:
            changes.append(f"active {'/'.join(args['teaming']['active'])}, standby {'/'.join(args['teaming']['standby']) or 'none'}")
        change = ", ".join(changes)
        self.operations.append(make_operation(
            "ReconfigureDVPortgroup", None, f"{name}: {change} (for {', '.join(hosts)})", switch=entry["switch"],
            switch_uuid=entry["switch_uuid"], key=entry["key"], name=entry["name"], config_version=entry["config_version"],
            **args, hosts=hosts))

    def operations_for(self, host: str) -> list[dict]:
        """The vCenter-level operations whose dvPortgroup this host has a vmknic on."""
        return [op for op in self.operations if host in op["hosts"]]

    def portgroups_for(self, host: str) -> list[dict]:
        """The dvPortgroups, as the plan leaves them, that this host's after-state counts on."""
        return [pg for pg, op in zip(self._after(), self.operations) if host in op["hosts"]]

    def _entry(self, op: dict) -> dict:
        """The dvPortgroup of ``op`` for the plan document (without the switch's member hosts)."""
        return {k: copy_data(v) for k, v in self.catalogue[(op["switch_uuid"], op["key"])].items() if k != "members"}

    def section(self) -> dict:
        """The plan document's ``vcenter`` section: ``before`` lists the dvPortgroups that exist."""
        before = [self._entry(op) for op in self.operations if op["op"] != "CreateDVPortgroup"]
        return {"changed": bool(self.operations), "operations": self.operations,
                "before": {"dvportgroups": before}, "after": {"dvportgroups": self._after()}}

    def _after(self) -> list[dict]:
        after = [self._entry(op) for op in self.operations]
        for pg, op in zip(after, self.operations):
            if "vlan" in op:
                pg["vlan"] = op["vlan"]
                pg["vlan_spec"] = {"type": "vlan", "vlan_id": op["vlan"], "ranges": None, "pvlan_id": None}
            if "teaming" in op:
                active, standby = op["teaming"]["active"], op["teaming"]["standby"]
                pg["uplinks"] = {"active": active, "standby": standby,
                                 "unused": [u for u in pg["uplink_names"] if u not in active and u not in standby]}
        return after
