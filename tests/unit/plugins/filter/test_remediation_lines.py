# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role's plan lines: vCenter-level steps once, first, then each host's operations."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vmkernel.multihoming.plugins.filter.remediation_lines import remediation_lines


def test_vcenter_level_steps_come_first_and_once():
    plan = {"vcenter": {"operations": [{"op": "ReconfigureDVPortgroup", "description": "dvPortgroup dv-A on dvs1: VLAN 20"}]},
            "hosts": [{"host": "esx01", "operations": [{"op": "BindVnic", "description": "vmk1: bind to vmhba64"}]},
                      {"host": "esx02", "operations": []}]}
    assert remediation_lines({"plan": plan}) == ["vCenter: dvPortgroup dv-A on dvs1: VLAN 20", "esx01: vmk1: bind to vmhba64"]
    assert remediation_lines({"hosts": [{"host": "esx01", "operations": [{"op": "RescanHba"}]}]}) == ["esx01: RescanHba"]


def test_not_a_plan_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="expects the plan of remediation_plan_info"):
        remediation_lines({"hostz": []})
