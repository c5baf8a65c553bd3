# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names vSphere gives to TCP/IP stacks and vmknics, shared by every layer (standard library only)."""

from __future__ import annotations

import re

DEFAULT_STACK = "defaultTcpipStack"

_DEVICE = re.compile(r"(\D*)(\d+)")


def vmk_sort_key(device: str | None) -> tuple[str, int, str]:
    """Order devices by number, so vmk2 comes before vmk10; a name without a number sorts first."""
    match = _DEVICE.fullmatch(device or "")
    return (match.group(1), int(match.group(2)), "") if match else (device or "", -1, device or "")
