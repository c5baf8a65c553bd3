# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Execute the planner's operations (docs/remediation.md) through pyVmomi, one vSphere call each.

This is the only layer that builds pyVmomi specs for changes. Each operation is a plain dict from
``_plan``; ``OperationRunner.run`` makes the call and returns nothing but the device ESXi chose
for AddVirtualNic, so the orchestrator can follow renamed vmknics.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.apply._records import FIELD_NAME
from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import SOFTWARE_ADAPTER

if HAS_PYVMOMI:
    from pyVmomi import vim, vmodl


def _teaming_policy(teaming: dict[str, list[str]]) -> Any:
    order = vim.host.NetworkPolicy.NicOrderPolicy(activeNic=list(teaming.get("active") or []), standbyNic=list(teaming.get("standby") or []))
    return vim.host.NetworkPolicy.NicTeamingPolicy(nicOrder=order)


def _ip_config(ipv4: dict[str, Any] | None, ipv6: dict[str, Any] | None = None) -> Any:
    if ipv4 and ipv4.get("dhcp"):
        ip = vim.host.IpConfig(dhcp=True)
    else:
        ip = vim.host.IpConfig(dhcp=False, ipAddress=(ipv4 or {}).get("address"), subnetMask=(ipv4 or {}).get("netmask"))
    if ipv6:
        # Only manual addresses are configuration; link-local, SLAAC and DHCPv6 ones come back by themselves.
        manual = [a for a in ipv6.get("addresses") or [] if a.get("origin") == "manual"]
        ip.ipV6Config = vim.host.IpConfig.IpV6AddressConfiguration(
            autoConfigurationEnabled=bool(ipv6.get("autoconf")), dhcpV6Enabled=bool(ipv6.get("dhcp")),
            ipV6Address=[vim.host.IpConfig.IpV6Address(ipAddress=a["address"], prefixLength=a["prefix_length"], operation="add")
                         for a in manual])
    return ip


def _ipv6_change(change: dict[str, Any]) -> Any:
    """An IPv6 configuration change: both flags, and manual addresses added and removed by name
    (addresses not named stay, which is how UpdateVirtualNic treats ipV6Address)."""
    def entries(texts: list[str], operation: str) -> list[Any]:
        result = []
        for text in texts:
            address, prefix = text.split("/")
            result.append(vim.host.IpConfig.IpV6Address(ipAddress=address, prefixLength=int(prefix), operation=operation))
        return result

    return vim.host.IpConfig.IpV6AddressConfiguration(
        autoConfigurationEnabled=bool(change.get("autoconf")), dhcpV6Enabled=bool(change.get("dhcp")),
        ipV6Address=entries(change.get("remove") or [], "remove") + entries(change.get("add") or [], "add"))


def _port_connection(dvs: dict[str, Any]) -> Any:
    """A connection to a free port of a dvPortgroup: switch UUID and dvPortgroup key, no port key."""
    return vim.dvs.PortConnection(switchUuid=dvs["switch_uuid"], portgroupKey=dvs["portgroup_key"])


def _route_spec(gateway_override: dict[str, Any] | None) -> Any:
    # An IpRouteConfig without gateways removes an override (ESXI-NETWORKING.md 1.2).
    override = gateway_override or {}
    config = vim.host.IpRouteConfig()
    if override.get("ipv4"):
        config.defaultGateway = override["ipv4"]
    if override.get("ipv6"):
        config.ipV6DefaultGateway = override["ipv6"]
    return vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=config)


class OperationRunner:
    """Runs operations on one host. ``journal`` receives a line per call made (for the report)."""

    def __init__(self, host: Any, journal: Callable[[str], None] | None = None, collector: Any = None) -> None:
        self.host = host
        self.managers = host.configManager
        self.journal = journal or (lambda line: None)
        self.renamed: dict[str, str] = {}  # planned device -> device ESXi created
        self.collector = collector  # the session's PropertyCollector, to read one part of networkInfo

    def _network_info(self, part: str) -> list[Any]:
        """``networkInfo.<part>`` of the host's network system as it is now. Through the session's
        PropertyCollector only that part travels; without one, pyVmomi fetches all of networkInfo
        (every vmknic, port group, vSwitch, pNIC, stack and route of the host)."""
        network_system = self.managers.networkSystem
        if self.collector is None:
            return getattr(network_system.networkInfo, part) or []
        pc = vmodl.query.PropertyCollector
        spec = pc.FilterSpec(objectSet=[pc.ObjectSpec(obj=network_system, skip=False)],
                             propSet=[pc.PropertySpec(type=vim.host.NetworkSystem, pathSet=[f"networkInfo.{part}"])])
        result = self.collector.RetrievePropertiesEx(specSet=[spec], options=pc.RetrieveOptions())
        for content in (result.objects if result else None) or []:
            for missing in content.missingSet or []:
                raise missing.fault
            for prop in content.propSet or []:
                return list(prop.val or [])
        return []

    def _device(self, planned: str) -> str:
        return self.renamed.get(planned, planned)

    def _adapter(self, name: str) -> str:
        if name != SOFTWARE_ADAPTER:
            return name
        for hba in self.managers.storageSystem.storageDeviceInfo.hostBusAdapter or []:
            if isinstance(hba, vim.host.InternetScsiHba) and hba.isSoftwareBased:
                return hba.device
        raise LookupError("the software iSCSI adapter did not appear after enabling it")

    def _portgroup_spec(self, name: str, switch: str) -> Any:
        for portgroup in self._network_info("portgroup"):
            if portgroup.spec.name == name and portgroup.spec.vswitchName == switch:
                return portgroup.spec
        raise LookupError(f"port group {name} on {switch} not found")

    def run(self, op: dict[str, Any]) -> None:
        kind = op["op"]
        handler = getattr(self, "_" + kind, None)
        if handler is None:
            raise ValueError(f"unknown operation {kind}")
        self.journal(f"{kind} {op.get('description', '')}".strip())
        handler(op)

    # --- host-level -----------------------------------------------------------------------

    def _UpdateSoftwareInternetScsiEnabled(self, op: dict[str, Any]) -> None:
        self.managers.storageSystem.UpdateSoftwareInternetScsiEnabled(enabled=bool(op["enabled"]))

    def _RescanHba(self, op: dict[str, Any]) -> None:
        self.managers.storageSystem.RescanHba(hbaDevice=self._adapter(op["adapter"]))

    # --- port groups ----------------------------------------------------------------------

    def _AddPortGroup(self, op: dict[str, Any]) -> None:
        policy = vim.host.NetworkPolicy()
        teaming = op.get("teaming") or {}
        if teaming.get("active") or teaming.get("standby"):
            # An explicit order with no uplink at all would cut the port group off; empty lists
            # mean "inherit the vSwitch's teaming".
            policy.nicTeaming = _teaming_policy(teaming)
        spec = vim.host.PortGroup.Specification(name=op["name"], vswitchName=op["switch"], vlanId=op.get("vlan") or 0, policy=policy)
        self.managers.networkSystem.AddPortGroup(portgrp=spec)

    def _UpdatePortGroup(self, op: dict[str, Any]) -> None:
        spec = self._portgroup_spec(op["name"], op["switch"])
        spec.vlanId = op.get("vlan") or 0
        if op.get("teaming") is not None:
            spec.policy = spec.policy or vim.host.NetworkPolicy()
            existing = spec.policy.nicTeaming
            teaming = _teaming_policy(op["teaming"])
            if existing is not None:
                existing.nicOrder = teaming.nicOrder
            else:
                spec.policy.nicTeaming = teaming
        self.managers.networkSystem.UpdatePortGroup(pgName=op["name"], portgrp=spec)

    def _RemovePortGroup(self, op: dict[str, Any]) -> None:
        self.managers.networkSystem.RemovePortGroup(pgName=op["name"])

    # --- vmknics --------------------------------------------------------------------------

    def _AddVirtualNic(self, op: dict[str, Any]) -> None:
        spec = vim.host.VirtualNic.Specification(ip=_ip_config(op.get("ipv4"), op.get("ipv6")),
                                                 netStackInstanceKey=op.get("stack") or "defaultTcpipStack")
        if op.get("mtu"):
            spec.mtu = op["mtu"]
        if op.get("mac"):
            spec.mac = op["mac"]
        if op.get("gateway_override"):
            spec.ipRouteSpec = _route_spec(op["gateway_override"])
        portgroup = op["portgroup"]
        if op.get("dvs"):
            # On a distributed switch the port group argument must be empty: the port is named by
            # switch UUID and dvPortgroup key, and vCenter allocates it.
            spec.distributedVirtualPort = _port_connection(op["dvs"])
            portgroup = ""
        device = self.managers.networkSystem.AddVirtualNic(portgroup=portgroup, nic=spec)
        if device != op["device"]:
            self.renamed[op["device"]] = device

    def _current_ipv4(self, device: str) -> Any:
        """The vmknic's IPv4 configuration as it is now: an IPv6-only change sends it unchanged, as
        IpConfig cannot leave the IPv4 part out."""
        for vnic in self._network_info("vnic"):
            if vnic.device == device:
                ip = vnic.spec.ip
                return vim.host.IpConfig(dhcp=True) if ip.dhcp else vim.host.IpConfig(dhcp=False, ipAddress=ip.ipAddress, subnetMask=ip.subnetMask)
        raise LookupError(f"vmknic {device} not found")

    def _UpdateVirtualNic(self, op: dict[str, Any]) -> None:
        spec = vim.host.VirtualNic.Specification()
        device = self._device(op["device"])
        if "ipv4" in op:
            spec.ip = _ip_config(op["ipv4"])
        if "ipv6" in op:
            spec.ip = spec.ip or self._current_ipv4(device)
            spec.ip.ipV6Config = _ipv6_change(op["ipv6"])
        if "mtu" in op:
            spec.mtu = op["mtu"]
        if "gateway_override" in op:
            spec.ipRouteSpec = _route_spec(op["gateway_override"])
        if op.get("dvs"):
            # Onto a dvPortgroup: only distributedVirtualPort (portgroup left unset), vCenter picks the port.
            spec.distributedVirtualPort = _port_connection(op["dvs"])
        elif "portgroup" in op:
            # Onto a standard port group, from either kind of switch: its name, no distributed port.
            spec.portgroup = op["portgroup"]
        self.managers.networkSystem.UpdateVirtualNic(device=device, nic=spec)

    def _RemoveVirtualNic(self, op: dict[str, Any]) -> None:
        self.managers.networkSystem.RemoveVirtualNic(device=self._device(op["device"]))

    def _SelectVnicForNicType(self, op: dict[str, Any]) -> None:
        self.managers.virtualNicManager.SelectVnicForNicType(nicType=op["nic_type"], device=self._device(op["device"]))

    def _DeselectVnicForNicType(self, op: dict[str, Any]) -> None:
        self.managers.virtualNicManager.DeselectVnicForNicType(nicType=op["nic_type"], device=self._device(op["device"]))

    # --- iSCSI ----------------------------------------------------------------------------

    def _BindVnic(self, op: dict[str, Any]) -> None:
        self.managers.iscsiManager.BindVnic(iScsiHbaName=self._adapter(op["adapter"]), vnicDevice=self._device(op["device"]))

    def _UnbindVnic(self, op: dict[str, Any]) -> None:
        self.managers.iscsiManager.UnbindVnic(iScsiHbaName=self._adapter(op["adapter"]), vnicDevice=self._device(op["device"]),
                                              force=bool(op.get("force")))


def host_object(service_instance: Any, moid: str) -> Any:
    """The HostSystem with this managed object id, without a lookup round trip."""
    return vim.HostSystem(moid, service_instance._stub)


def wait_for_task(task: Any, timeout: float = 900.0) -> Any:
    """Wait for a vSphere task; raise its fault, or TimeoutError."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        info = task.info
        if info.state == vim.TaskInfo.State.success:
            return info.result
        if info.state == vim.TaskInfo.State.error:
            raise info.error
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {info.key} still {info.state} after {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


def set_maintenance_mode(host: Any, enabled: bool, timeout: float) -> None:
    if enabled:
        wait_for_task(host.EnterMaintenanceMode_Task(timeout=int(timeout)), timeout)
    else:
        wait_for_task(host.ExitMaintenanceMode_Task(timeout=int(timeout)), timeout)


def record_field_key(content: Any, known: int | None, name: str = FIELD_NAME, mo_type: Any = None) -> int | None:
    """The key of the change records' custom field ``name`` for ``mo_type`` (HostSystem unless
    given), defined once per vCenter (None on a direct ESXi connection, which has no
    CustomFieldsManager). Two runs defining it at the same time: the second gets DuplicateName and
    uses the first one's definition."""
    if known is not None or content.customFieldsManager is None:
        return known
    manager = content.customFieldsManager
    try:
        return manager.AddCustomFieldDef(name=name, moType=mo_type or vim.HostSystem).key
    except vim.fault.DuplicateName:
        for field in manager.field or ():
            if field.name == name:
                return field.key
        raise


def record_writer(content: Any, host: Any, key: int) -> Callable[[str], None]:
    """SetField of the change record on ``host`` (or another entity: a switch's) ("" clears it)."""
    def write(value: str) -> None:
        content.customFieldsManager.SetField(entity=host, key=key, value=value)
    return write


def is_fault(error: BaseException) -> bool:
    return HAS_PYVMOMI and isinstance(error, vmodl.MethodFault)
