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

    # check_mode and diff_mode of the modules that only read.
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode runs it unchanged.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
"""
