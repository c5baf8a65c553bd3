# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain pyVmomi helpers: build configurations on the lab the way an admin script would.

Tests build state with these, independently of the collection's own code, then check that the
collection reads (or changes) exactly that.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim


def link_local_fact(mac: str) -> dict[str, Any]:
    """The fe80::/64 address ESXi gives a vmknic (modified EUI-64 of its MAC, RFC 4291 appendix A),
    as this collection's facts show it."""
    octets = bytearray(int(x, 16) for x in mac.split(":"))
    octets[0] ^= 0x02
    address = ipaddress.IPv6Address(bytes([0xFE, 0x80]) + bytes(6) + bytes(octets[:3]) + b"\xff\xfe" + bytes(octets[3:]))
    return {"address": str(address), "prefix_length": 64, "network": "fe80::/64", "origin": "other",
            "link_local": True, "dad_state": "preferred"}


class Vsphere:
    def __init__(self, lab: Any) -> None:
        self.si = SmartConnect(host=lab.hostname, port=lab.port, user=lab.username, pwd=lab.password,
                               disableSslCertValidation=True)
        self.content = self.si.RetrieveContent()

    def close(self) -> None:
        Disconnect(self.si)

    def __enter__(self) -> "Vsphere":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def host(self, name: str) -> Any:
        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.HostSystem], True)
        try:
            for host in view.view:
                if host.name == name:
                    return host
        finally:
            view.DestroyView()
        raise LookupError(name)

    def host_names(self) -> list[str]:
        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.HostSystem], True)
        try:
            return sorted(h.name for h in view.view)
        finally:
            view.DestroyView()

    @staticmethod
    def add_portgroup(host: Any, name: str, vswitch: str = "vSwitch0", vlan: int = 0,
                      active: list[str] | None = None, standby: list[str] | None = None) -> None:
        spec = vim.host.PortGroup.Specification(name=name, vswitchName=vswitch, vlanId=vlan, policy=vim.host.NetworkPolicy())
        if active is not None or standby is not None:
            spec.policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy(
                nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=active or [], standbyNic=standby or []))
        host.configManager.networkSystem.AddPortGroup(portgrp=spec)

    @staticmethod
    def vmknic_spec(ipv4: str | None = None, netmask: str | None = None, dhcp: bool = False, mtu: int | None = None,
                    stack: str | None = None, ipv6: list[tuple[str, int]] | None = None, gateway: str | None = None,
                    ipv6_autoconf: bool = False) -> Any:
        ip = vim.host.IpConfig(dhcp=dhcp)
        if ipv4:
            ip.ipAddress, ip.subnetMask = ipv4, netmask
        if ipv6 is not None or ipv6_autoconf:
            ip.ipV6Config = vim.host.IpConfig.IpV6AddressConfiguration(
                autoConfigurationEnabled=ipv6_autoconf, dhcpV6Enabled=False,
                ipV6Address=[vim.host.IpConfig.IpV6Address(ipAddress=a, prefixLength=p, operation="add")
                             for a, p in ipv6 or []])
        spec = vim.host.VirtualNic.Specification(ip=ip)
        if mtu is not None:
            spec.mtu = mtu
        if stack is not None:
            spec.netStackInstanceKey = stack
        if gateway is not None:
            spec.ipRouteSpec = vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig(defaultGateway=gateway))
        return spec

    def add_vmknic(self, host: Any, portgroup: str, **spec_args: Any) -> str:
        return host.configManager.networkSystem.AddVirtualNic(portgroup=portgroup, nic=self.vmknic_spec(**spec_args))

    @staticmethod
    def select(host: Any, nic_type: str, device: str) -> None:
        host.configManager.virtualNicManager.SelectVnicForNicType(nicType=nic_type, device=device)

    @staticmethod
    def software_iscsi_adapter(host: Any) -> str:
        host.configManager.storageSystem.UpdateSoftwareInternetScsiEnabled(enabled=True)
        for hba in host.configManager.storageSystem.storageDeviceInfo.hostBusAdapter:
            if isinstance(hba, vim.host.InternetScsiHba) and hba.isSoftwareBased:
                return hba.device
        raise LookupError("no software iSCSI adapter")

    @staticmethod
    def bind(host: Any, adapter: str, device: str) -> None:
        host.configManager.iscsiManager.BindVnic(iScsiHbaName=adapter, vnicDevice=device)

    @staticmethod
    def disconnect_host(host: Any) -> None:
        WaitForTask(host.DisconnectHost_Task())
