# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exiting cheaply (ansible_module/_result.py): parts of a result made of exact builtin types with
no no_log value in them skip Ansible's remove_values walk and its encoder; the result is always
exactly what Ansible alone would give."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.parameters import PASS_VARS, remove_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._base import VsphereModule
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import connection_argument_spec
from ansible_collections.vmkernel.multihoming.plugins.module_utils.ansible_module._result import (
    encoded_parts, plain_json, scrub_only_where_needed, splice,
)

SECRET = "VMware1!"


def scrubbed(result: dict, secrets: set) -> dict:
    """What _return_formatted does with the result (plus what Ansible adds), under our context."""
    with scrub_only_where_needed(encoded_parts(result, secrets)):
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
    ("N", {"gateway": None}),                                  # in "None": masked by 2.16-2.18
    ("Tru", {"dhcp": True}),                                   # in "True" (JSON says true)
    ("False", {"link": False}),
])
def test_a_part_holding_a_secret_is_walked_as_ansible_does(secret, value):
    result = {"changed": False, "hosts": [value]}
    assert "hosts" not in encoded_parts(result, {secret})
    out = scrubbed(result, {secret})
    assert out == remove_values(dict(result, invocation={"module_args": {"password": SECRET}}), {secret})
    assert out["hosts"] is not result["hosts"]


def test_empty_secret_and_no_secrets():
    result = {"hosts": {"a": "b"}}
    assert not encoded_parts(result, {""})  # remove_values would mask everywhere: leave it to Ansible
    assert encoded_parts(result, set()) == {"hosts": (result["hosts"], '{"a": "b"}')}
    assert not encoded_parts(result, None)  # no no_log values known yet
    assert not encoded_parts({"hosts": {"a": float("nan")}}, set())


class Text(str):
    """A subclass of str, as ansible-core's tagged strings are: its encoder writes them its own way."""


@pytest.mark.parametrize("value", [
    {"a": Text("b")}, {Text("a"): 1}, [True, 1, {"x": (1, Text("y"))}],   # a subclass anywhere
    {"a": {1, 2}}, {"a": b"x"}, {"a": 1j}, {"a": float("inf")},            # JSON cannot say it as it is
])
def test_only_exact_builtin_types_are_encoded_here(value):
    assert plain_json(value) is None


def test_plain_json_is_the_stdlib_text():
    value = {"name": "Réseau ✓", "n": [1, -2.5, None, True, (3, "x")], "": {}}
    assert plain_json(value) == json.dumps(value)


@pytest.mark.parametrize("rest, expected", [
    ('{"changed": false}', '{"changed": false, "hosts": [1], "plan": {}}'),
    ("{}", '{"hosts": [1], "plan": {}}'),
    ('\n{"a": {"b": 1}}\n', '{"a": {"b": 1}, "hosts": [1], "plan": {}}'),
    ("[1]", None), ('"x"', None),
])
def test_splice(rest, expected):
    assert splice(rest, {"hosts": "[1]", "plan": "{}"}) == expected


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


# ---- what a module writes: VsphereModule against Ansible's own exit, on this ansible-core ----

# ansible-core 2.19+ add `invocation` (the password among the arguments) when asked; older ones always do.
WITH_INVOCATION = {"_ansible_inject_invocation": True} if "inject_invocation" in PASS_VARS else {}
CONNECTION = {"hostname": "vc.example.com", "username": "administrator@vsphere.local", "password": SECRET}


@contextmanager
def module_args(args: dict[str, Any]) -> Iterator[None]:
    """The module arguments AnsibleModule reads: ansible-core 2.19+ have a helper, older ones a global."""
    try:
        from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    except ImportError:
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved
    else:
        with patch_module_args(args):
            yield


def written(module_class: type, how: str, result: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> str:
    """What a module of ``module_class`` (built with VsphereModule's arguments) prints when it ends
    with ``how``: exit_json or fail_json."""
    with module_args(dict(CONNECTION, **WITH_INVOCATION)):
        module = module_class(argument_spec=connection_argument_spec())
        capsys.readouterr()
        with pytest.raises(SystemExit):
            getattr(module, how)(**result)
    return capsys.readouterr().out


class ConnectionModule(AnsibleModule):
    """Ansible's own exit: what VsphereModule's output must decode to."""

    def __init__(self, argument_spec: dict[str, Any]) -> None:
        super().__init__(argument_spec=argument_spec)


LARGE = {"name": "esx01 Réseau ✓", "mtu": 1500, "v6": None, "up": True, "pair": (1, "x"),
         "vmknics": [{"device": "vmk0", "portgroup": "Management Network", "tags": []}], "": {}}


@pytest.mark.parametrize("how", ["exit_json", "fail_json"])
def test_large_parts_are_written_as_their_text_and_decode_as_ansible_writes_them(how, capsys):
    result = {"changed": False, "hosts": [LARGE], "plan": {"hosts": [LARGE]}, "msg": f"with {SECRET}"}
    ours = written(VsphereModule, how, result, capsys)
    ansible = written(ConnectionModule, how, result, capsys)
    assert json.loads(ours) == json.loads(ansible)
    assert json.loads(ours)["invocation"]["module_args"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert json.loads(ours)["msg"] == "with ********"
    # Spliced after what Ansible wrote (its own order puts them before `msg` and `invocation`).
    assert list(json.loads(ours))[-2:] == ["hosts", "plan"] != list(json.loads(ansible))[-2:]
    assert json.loads(ours).get("failed", False) is (how == "fail_json")


@pytest.mark.parametrize("part", [
    {"a": Text("b")}, {"a": {1, 2}}, {"a": b"x"}, {"a": float("nan")},
    {"a": f"x{SECRET}y"}, {"a": SECRET},
])
def test_other_parts_are_left_to_ansible(part, capsys):
    result = {"changed": False, "hosts": [part], "tail": 1}
    ours = written(VsphereModule, "exit_json", result, capsys)
    assert ours == written(ConnectionModule, "exit_json", result, capsys)  # the same bytes: Ansible wrote it all


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_values, st.lists(st.text(min_size=1, max_size=4), max_size=2))
def test_written_result_property(capsys, value, secrets):
    """Random parts, some holding a secret: what VsphereModule writes decodes as Ansible's does."""
    result = {"changed": False, "hosts": [value], "plan": {"v": value}, "note": "n"}
    global CONNECTION  # pylint: disable=global-statement
    saved = CONNECTION
    CONNECTION = dict(saved, password=secrets[0]) if secrets else saved
    try:
        assert json.loads(written(VsphereModule, "exit_json", result, capsys)) == json.loads(written(ConnectionModule, "exit_json", result, capsys))
    finally:
        CONNECTION = saved


@pytest.mark.skipif(not hasattr(AnsibleModule, "_record_module_result"), reason="ansible-core 2.19+ only")
def test_a_replaced_result_hook_gets_the_whole_result(monkeypatch, capsys):
    """ansible.netcommon replaces the hook to take results in-process: it gets every key, parts included."""
    taken: list[dict[str, Any]] = []
    monkeypatch.setattr(AnsibleModule, "_record_module_result", lambda self, o: taken.append(o))
    assert written(VsphereModule, "exit_json", {"changed": False, "hosts": [LARGE]}, capsys) == ""
    assert taken[0]["hosts"] == [LARGE] and "invocation" in taken[0]
