# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The per-host modules that change one host (vmknic, iscsi_port_binding, standard_portgroup):
    # their shared options (module_utils/ansible_module/_host_change.py host_change_argument_spec) and behaviour.
    DOCUMENTATION = r"""
options:
  esxi_hostname:
    description:
      - The host to change, by its name in vCenter (or the one host when connected directly to ESXi).
    type: str
    required: true
  allow_management_change:
    description:
      - Allow changes to the vmknic vCenter uses to manage the host (the facts' C(management.vmknic)),
        and to its port group.
      - Even when V(true), re-addressing that vmknic is refused while vCenter knows the host by its IP
        address, and the management vmknic is never removed or moved to another TCP/IP stack.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Predicts the host's state after the change and the exact vSphere calls; makes no call.
  diff_mode:
    support: full
    description: Shows the resource as read and as predicted (check mode) or read back (real run).
notes:
  - The change is planned and applied as the C(vmkernel.multihoming.remediate) role does it. The
    module reads the host, computes the vSphere calls in a safe order, and before the first call reads
    the host again and changes nothing if it differs from what was planned. After the calls it reads
    the host back and compares it with the prediction. If a call or that comparison fails, it rolls
    the host back to its state before the run, verifies the rollback, and fails with a report.
  - A refused change (the management vmknic, an unknown port group or uplink, an iSCSI binding that
    would break, ...) fails naming every reason, before any call.
  - The module warns when the host would have a multi-homing error of M(vmkernel.multihoming.vmknic_audit)
    it did not have before; such same-subnet designs (iSCSI port binding pairs, multi-NIC vMotion)
    are often built in several steps, so this is not refused.
  - Hosts that are not connected, or whose facts are incomplete (for example a failed
    C(QueryBoundVnics)), are not changed.
"""
