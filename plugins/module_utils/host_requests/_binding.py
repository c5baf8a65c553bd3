# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iscsi_port_binding module's request (private): which vmknics an iSCSI adapter binds."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import SOFTWARE_ADAPTER, system_owner, vmk_sort_key
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import InvalidOptions
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import explicit_teaming, find_portgroup, switch_uplinks
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import find_vmknic
from ansible_collections.vmkernel.multihoming.plugins.module_utils.host_requests._request import (
    Desired, Refused, iscsi_bindings, listed,
)
from ansible_collections.vmkernel.multihoming.plugins.module_utils.safety._rules import iscsi_uplink_problems


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
                               f"(adapters that can bind: {listed(known)})"])
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

    def desired(self, host: dict, attachable: Sequence[dict] = ()) -> Desired:
        del attachable  # places no vmknic
        target = copy.deepcopy(host)
        adapter = self._adapter(host, target)
        if adapter is not None:
            if self.state == "present":
                binding = [device for device in self.vmknics if self._bind(host, target, device, adapter)]
                problems = iscsi_uplink_problems(target, adapter, binding,
                                                 lambda device: f"declare it: uplinks: {{{device}: vmnicN}}")
                if problems:
                    raise Refused(problems)
            else:
                for device in self.vmknics:
                    self._unbind(host, target, device, adapter)
        name, devices = adapter or self.adapter, self.vmknics
        return Desired(target, _binding_view(host, name, devices), lambda state: _binding_view(state, name, devices),
                       force_unbind=self.force)

    def _bind(self, host: dict, target: dict, device: str, adapter: str) -> bool:
        """Bind ``device`` in the target (its port group given the declared uplink); False when it
        is bound already."""
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
                raise Refused([f"uplink {uplink} is not on {pg['switch']} (its uplinks: {listed(sorted(known))})"])
            # One active uplink, every other uplink of the vSwitch unused: no standby (ESXI-NETWORKING.md 1.5).
            pg["teaming"] = explicit_teaming(host, pg["switch"], [uplink])
        if adapter in iscsi_bindings(nic):
            return False
        target_nic = find_vmknic(target, device)
        target_nic["iscsi_bindings"] = sorted(
            (target_nic.get("iscsi_bindings") or []) + [{"adapter": adapter, "compliant": None, "compliance_reasons": [],
                                                         "path_status": None}],
            key=lambda b: b["adapter"])
        return True

    def _unbind(self, host: dict, target: dict, device: str, adapter: str) -> None:
        nic = find_vmknic(host, device)
        binding = iscsi_bindings(nic).get(adapter) if nic else None
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
                        "teaming": copy.deepcopy(pg.get("teaming")), "binding": copy.deepcopy(iscsi_bindings(nic).get(name))})
    return {"adapter": name, "software_iscsi_enabled": state.get("software_iscsi_enabled"),
            "bound_vmknics": copy.deepcopy(found.get("bound_vmknics")) if found else None, "vmknics": vmknics}
