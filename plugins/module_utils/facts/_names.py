# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names vSphere gives to TCP/IP stacks and vmknics, shared by every layer (standard library only)."""

from __future__ import annotations

import functools
import re

DEFAULT_STACK = "defaultTcpipStack"
# NSX puts its tunnel endpoints (TEPs, several in one subnet by design) on this custom stack.
NSX_TEP_STACK = "vxlan"
# The stacks every host has, and the traffic the two dedicated ones carry without a service tag.
SYSTEM_STACKS = (DEFAULT_STACK, "vmotion", "vSphereProvisioning")
IMPLIED_SERVICES = {"vmotion": ("vmotion",), "vSphereProvisioning": ("vSphereProvisioning",)}
# The plan's name for the software iSCSI adapter while software iSCSI is still disabled (ESXi
# names the adapter when it is enabled; the executor then uses that name).
SOFTWARE_ADAPTER = "software"

_DEVICE = re.compile(r"(\D*)(\d+)")


@functools.lru_cache(maxsize=1 << 10)
def vmk_sort_key(device: str | None) -> tuple[str, int, str]:
    """Order devices by number, so vmk2 comes before vmk10; a name without a number sorts first.
    Cached: a fleet has a handful of device names, and planning sorts them ~50 times per host."""
    match = _DEVICE.fullmatch(device or "")
    return (match.group(1), int(match.group(2)), "") if match else (device or "", -1, device or "")


def vmk_number(device: str | None) -> int:
    """The number of a vmknic (vmk3 -> 3); -1 for a name without one."""
    match = _DEVICE.fullmatch(device or "")
    return int(match.group(2)) if match else -1


def effective_services(nic: dict, implied_only_when_untagged: bool = False) -> tuple[str, ...]:
    """The traffic a vmknic carries: its service tags and the traffic its stack implies (a vmknic on
    the vmotion stack carries vMotion whether or not it is tagged), sorted.

    Two readings, both kept on purpose: the intent's selectors take the union, so that a selector
    still matches a vmknic after a stack move; the audit (``implied_only_when_untagged``) takes
    the tags as ESXi lists them and the stack's traffic only for a vmknic without tags, which is
    what its findings show as a vmknic's services."""
    tags = tuple(sorted(nic.get("services") or ()))
    implied = IMPLIED_SERVICES.get(nic.get("stack") or DEFAULT_STACK, ())
    if implied_only_when_untagged:
        return tags or tuple(implied)
    return tuple(sorted(set(tags) | set(implied)))


def system_owner(nic: dict) -> str | None:
    """Who manages a vmknic that is not the admin's to change: its owner (NSX, vSAN; API 9.0), "the
    system" for the older spec.systemOwned, NSX for a TEP on the vxlan stack (NSX-T hosts before
    API 9.0 do not set owner; KB 318546 names NSX VTEPs a supported same-subnet design); else None."""
    if nic.get("owner"):
        return nic["owner"]
    if nic.get("stack") == NSX_TEP_STACK:
        return "NSX"
    return "the system" if nic.get("system_owned") else None
