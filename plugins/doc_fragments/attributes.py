# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Where every module of this collection runs: it talks to vCenter or ESXi over the API.
    DOCUMENTATION = r"""
attributes:
  platform:
    support: full
    platforms: [vcenter, esxi]
    description: Connects to vCenter or directly to one ESXi host.
"""
