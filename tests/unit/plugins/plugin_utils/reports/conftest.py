# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures the report tests share (test_reports, test_reports_changes): a fresh sample audit result and the hosts behind it."""

from __future__ import annotations

import pytest

from ansible_collections.vmkernel.multihoming.tests.unit.plugins.plugin_utils.reports.report_samples import sample_hosts, sample_result


@pytest.fixture
def result():
    return sample_result()


@pytest.fixture
def hosts():
    return sample_hosts()
