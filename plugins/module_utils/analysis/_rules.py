# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's rule catalogue (private): every rule id with its severity, title, reference and
remediation (docs/findings.md), and the severities' order."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {sev: rank for rank, sev in enumerate(SEVERITIES)}


def severity_at_least(sev: str, threshold: str) -> bool:
    """True when ``sev`` is as severe as ``threshold`` or more (error > warning > info)."""
    for value in (sev, threshold):
        if value not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {value!r}; expected one of {', '.join(SEVERITIES)}")
    return SEVERITY_RANK[sev] <= SEVERITY_RANK[threshold]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str
    title: str
    reference: str
    remediation: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


_KB_MULTIHOMING = "VMware KB 318546 (formerly 2010877); vSphere Networking GUID-D4191320"

RULES: dict[str, RuleInfo] = {
    rule.id: rule
    for rule in (
        RuleInfo(
            "ipv4-same-subnet", "error",
            "Several vmknics in one IPv4 subnet on one TCP/IP stack",
            _KB_MULTIHOMING + "; KB 323116 (formerly 2045040)",
            "Give each vmknic on this stack its own subnet (and VLAN), or move the service to its own "
            "TCP/IP stack (vmotion, vSphereProvisioning); a gateway override does not help.",
        ),
        RuleInfo(
            "ipv4-overlapping-subnet", "error",
            "Overlapping IPv4 prefixes on one TCP/IP stack",
            _KB_MULTIHOMING + "; longest-prefix match, KB 343820",
            "Correct the netmasks so the vmknics' subnets on this stack are disjoint; an enclosing "
            "prefix is usually a wrong netmask.",
        ),
        RuleInfo(
            "ipv6-same-prefix", "error",
            "Several vmknics in one IPv6 prefix on one TCP/IP stack",
            _KB_MULTIHOMING,
            "Give each vmknic its own IPv6 prefix (VLAN); where router advertisements put several "
            "vmknics of one segment into one /64, disable autoconfiguration on all but one.",
        ),
        RuleInfo(
            "management-shares-subnet", "error",
            "The management vmknic shares its subnet with another vmknic",
            _KB_MULTIHOMING + "; KB 2010877 (management vmknic is just another vmknic)",
            "Move the other vmknics off the management subnet first (one host at a time, network "
            "rollback on); never re-IP the management vmknic before the others.",
        ),
        RuleInfo(
            "dhcp-multiple-vmknics", "warning",
            "Several DHCP vmknics on one TCP/IP stack",
            "VMware KB 2010877 (DHCP leases from one server land in one subnet)",
            "Use static addresses on all but one vmknic of the stack, or make sure each DHCP vmknic "
            "sits in its own VLAN and DHCP scope.",
        ),
        RuleInfo(
            "iscsi-binding-compliant", "info",
            "Same-subnet vmknics with compliant iSCSI port binding",
            "VMware KB 2038869; vSphere Storage GUID-BC516B24; KB 318546 (port-binding exception)",
            "Nothing to fix: supported iSCSI port binding. Do not change these vmknics.",
        ),
        RuleInfo(
            "iscsi-binding-noncompliant", "error",
            "Same-subnet vmknics with non-compliant or partial iSCSI port binding",
            "VMware KB 2038869; vSphere Storage GUID-BC516B24; KB 323116",
            "Bind every vmknic of the subnet to the same iSCSI adapter, give each port group exactly "
            "one active uplink (a different one per vmknic, all others unused), or move unbound "
            "vmknics to another subnet.",
        ),
        RuleInfo(
            "multi-nic-vmotion", "info",
            "Same-subnet vmknics forming a multi-NIC vMotion group",
            "VMware KB 2007467; KB 318546 (multi-NIC vMotion exception)",
            "Nothing to fix: supported multi-NIC vMotion. Keep other services off this subnet.",
        ),
        RuleInfo(
            "system-owned-vmknic", "info",
            "vmknic owned by NSX or vSAN, not audited",
            "vSphere API HostVirtualNic.owner / spec.systemOwned",
            "Nothing to fix here: manage this vmknic through its owner (NSX or vSAN).",
        ),
        RuleInfo(
            "gateway-override-ineffective", "info",
            "Gateway override on a vmknic in a shared subnet",
            "vSphere Networking GUID-44CAFD7C; KB 323116",
            "Do not rely on the gateway override to separate traffic: fix the shared subnet itself.",
        ),
        RuleInfo(
            "host-not-audited", "warning",
            "Host not connected; its configuration was not audited",
            "vSphere API HostSystem.runtime.connectionState",
            "Reconnect the host to vCenter and run the audit again.",
        ),
        RuleInfo(
            "remediation-interrupted", "error",
            "A remediation was interrupted on this host; its change record is in vCenter",
            "docs/remediation.md, Interruption, locks and recovery",
            "Run the remediation again: it recovers the host from the record (remediate_recovery: undo "
            "or finish), verifies it and clears the record.",
        ),
    )
}

# The rules a same-subnet group can end in; used by tests and allow-list docs.
GROUP_RULES = (
    "ipv4-same-subnet", "ipv6-same-prefix", "management-shares-subnet",
    "iscsi-binding-compliant", "iscsi-binding-noncompliant", "multi-nic-vmotion",
)
