# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vCenter password never appears in a module result, even when it is a string the facts
contain: the result is exactly Ansible's own no_log scrub of the facts (the collection only skips
the walk over parts where the password does not occur, see docs/benchmarks.md)."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.common.parameters import PASS_VARS, remove_values

from harness import connection_args, run_module

PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
# Newer ansible-core adds the module's `invocation` (its arguments, the password among them) only when
# the controller asks (INJECT_INVOCATION); ask for it where that flag exists, so that the scrub of the
# invocation is tested on every version. Older ones always add it and know no such flag.
WITH_INVOCATION = {"_ansible_inject_invocation": True} if "inject_invocation" in PASS_VARS else {}


@pytest.fixture(scope="module")
def plain_facts(lab_factory):
    """The facts of a default 2-host lab, read with an ordinary password."""
    lab = lab_factory(hosts=2)
    result = run_module("vmknic_info", dict(connection_args(lab), **WITH_INVOCATION))
    assert not result.get("failed"), result
    assert result["invocation"]["module_args"]["password"] == PLACEHOLDER
    assert PLACEHOLDER not in json.dumps(result["hosts"]) and "********" not in json.dumps(result["hosts"])
    return result["hosts"]


@pytest.mark.parametrize("password", [
    "vSwitch0",         # the whole value of every vmknic's and port group's switch
    "Network",          # inside port group names (Management Network, VM Network)
    "vmk0",             # a device name, also inside other strings
])
def test_password_found_in_the_facts_is_scrubbed(lab_factory, plain_facts, password):
    assert password in json.dumps(plain_facts)  # the password is findable in what the module returns
    lab = lab_factory(hosts=2, password=password)
    result = run_module("vmknic_info", dict(connection_args(lab), **WITH_INVOCATION))
    assert not result.get("failed"), result
    assert password not in json.dumps(result)
    assert result["invocation"]["module_args"]["password"] == PLACEHOLDER
    # Exactly what Ansible's remove_values makes of the same facts (the two labs are built alike).
    assert result["hosts"] == remove_values(plain_facts, {password})
