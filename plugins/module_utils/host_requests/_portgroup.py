# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard_portgroup module's request (private): one standard port group as declared."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import InvalidOptions
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import explicit_teaming, find_portgroup, switch_uplinks
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._request import Desired, Refused, listed, portgroup_holders

VLAN_ALL = 4095  # on a standard port group: every VLAN passed to the guest (VGT)


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

    def desired(self, host: dict, attachable: Sequence[dict] = ()) -> Desired:
        del attachable  # places no vmknic
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
                holders = portgroup_holders(host, pg)
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
            raise Refused([f"uplink {', '.join(unknown)} is not on {switch} (its uplinks: {listed(sorted(known))})"])
        return explicit_teaming(host, switch, active, standby)

    def _create(self, host: dict) -> dict:
        if not self.switch:
            raise Refused([f"switch is required to create port group {self.name}"])
        switches = sorted({p["switch"] for p in host.get("portgroups") or () if p.get("switch_type") == "standard"})
        if self.switch not in switches:
            # The facts know a vSwitch (and its uplinks) through the port groups on it.
            raise Refused([f"vSwitch {self.switch} has no port group on the host, so its uplinks are unknown "
                           f"(vSwitches with port groups: {listed(switches)})"])
        if self.teaming is None:
            raise Refused([f"teaming is required to create port group {self.name} (its active and standby uplinks)"])
        return {"name": self.name, "switch": self.switch, "switch_type": "standard", "key": None,
                "vlan": self.vlan or 0, "teaming": self._teaming(host, self.switch)}

    def _update(self, host: dict, pg: dict, target_pg: dict) -> None:
        if self.vlan is not None:
            if self.vlan == VLAN_ALL and portgroup_holders(host, pg):
                raise Refused([f"VLAN {VLAN_ALL} passes every VLAN to guests (VGT); port group {self.name} holds "
                               f"{', '.join(portgroup_holders(host, pg))}, which needs a single VLAN"])
            target_pg["vlan"] = self.vlan
        if self.teaming is not None:
            target_pg["teaming"] = self._teaming(host, pg["switch"])
