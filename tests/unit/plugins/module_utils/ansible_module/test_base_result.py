# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module result's no_log scrub: parts of a result with no no_log value in them skip Ansible's
remove_values walk; the result is always exactly what remove_values alone would give."""

from __future__ import annotations

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import _free_of, _scrub_only_where_needed

SECRET = "VMware1!"


def scrubbed(result: dict, secrets: set) -> dict:
    """What _return_formatted does with the result (plus what Ansible adds), under our context."""
    with _scrub_only_where_needed(result, secrets):
        return basic.remove_values(dict(result, invocation={"module_args": {"password": SECRET}}), secrets)


def test_clean_parts_pass_unwalked_and_the_rest_is_scrubbed():
    hosts = [{"name": "esx01", "mtu": 1500, "vmknics": [{"device": "vmk0", "portgroup": "Management Network"}]}]
    result = {"changed": False, "hosts": hosts, "msg": f"password {SECRET} in a message", "note": [SECRET]}
    out = scrubbed(result, {SECRET})
    assert out["hosts"] is hosts  # not rebuilt: the walk skipped it
    assert out["msg"] == "password ******** in a message"
    assert out["note"] == ["VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"]
    assert out["invocation"] == {"module_args": {"password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}}
    assert out == remove_values(dict(result, invocation={"module_args": {"password": SECRET}}), {SECRET})
    assert basic.remove_values is remove_values  # restored


@pytest.mark.parametrize("secret, value", [
    ("vSwitch0", {"switch": "vSwitch0"}),                      # a whole value
    ("Network", {"portgroup": "Management Network"}),          # inside a value
    ("1500", {"mtu": 1500}),                                   # a number's text
    ('pa"ss\\word', {"note": 'x pa"ss\\word y'}),              # characters JSON escapes
    ("pässwörd", {"note": "pässwörd"}),                        # non-ASCII
    ("vmk0", {"vmk0": 1}),                                     # a key: walked (Ansible keeps keys)
    ("x", {"tags": {"a", "x"}}),                               # not JSON: walked
])
def test_a_part_holding_a_secret_is_walked_as_ansible_does(secret, value):
    result = {"changed": False, "hosts": [value]}
    assert not _free_of(result["hosts"], {secret})
    out = scrubbed(result, {secret})
    assert out == remove_values(dict(result, invocation={"module_args": {"password": SECRET}}), {secret})
    assert out["hosts"] is not result["hosts"]


def test_empty_secret_and_no_secrets():
    assert not _free_of({"a": "b"}, {""})  # remove_values would mask everywhere: leave it to Ansible
    assert _free_of({"a": "b"}, set())
    assert not _free_of({"a": float("nan")}, set())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values, st.lists(st.text(min_size=1, max_size=4), max_size=3), st.data())
def test_same_result_as_ansible_property(value, secrets, data):
    """Random results and secrets, some taken from the result's own strings."""
    strings = [s for s in _strings(value) if s]
    if strings:
        text = data.draw(st.sampled_from(strings))
        start = data.draw(st.integers(0, len(text) - 1))
        secrets.append(text[start:start + data.draw(st.integers(1, 4))])
    result = {"changed": False, "hosts": [value], "facts": {"v": value}}
    expected = remove_values(dict(result, invocation={"module_args": {"password": SECRET}}), set(secrets))
    assert scrubbed(result, set(secrets)) == expected


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
