# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What exiting costs (private): the no_log scrub and the encoding of a module's large result
parts (docs/benchmarks.md, "Result cost").

Every ansible-core from 2.16 to 2.21 ends exit_json/fail_json with
``kwargs = remove_values(kwargs, self.no_log_values)`` (the name imported into
ansible.module_utils.basic), a pure-Python walk that rebuilds the whole result even when there is
nothing to hide, and then encodes the result in Python too: 2.16-2.18's ``jsonify`` first copies
every container (``container_to_text``), 2.19+'s profile encoder calls its ``default()`` hook for
every container. At 1000 hosts that is ~1.5 s for vmknic_info's facts and ~2.5 s for a plan.

Both walks are there for values plain JSON cannot say: no_log strings, bytes, sets, tagged
(subclassed) values. A part of the result made only of exact builtin types is proven so by one
``marshal.dumps`` (marshal refuses every subclass), and one C-speed ``json.dumps`` of it gives its
text. That text shows whether any no_log value occurs in the part at all. A part with none is
exactly what remove_values would return, so the scrub passes it through, and its text is what
Ansible's encoder would write for it, so the module's output uses it as it is. Everything else
(the small values, ``invocation``, warnings, deprecations, a part where a no_log value occurs or
that holds anything but exact builtin types) goes through Ansible's own scrub and encoder as before.
"""

from __future__ import annotations

import json
import marshal
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NamedTuple

from ansible.module_utils import basic as _basic
from ansible.module_utils.common.text.converters import to_native


class EncodedPart(NamedTuple):
    """A top-level value of a result, and its JSON text."""

    value: Any
    text: str


def plain_json(value: Any) -> str | None:
    """The JSON text of value when it holds exact builtin dicts, lists, tuples, strings, numbers,
    booleans and None only (no subclass, no NaN); None otherwise.

    Such a value is encoded the same by the C encoder as by any of ansible-core's encoders: those
    differ from the stdlib only for the types refused here. ASCII output (``ensure_ascii``), as
    ansible-core's legacy profile writes it; the controller decodes it to the same strings."""
    try:
        marshal.dumps(value)
        return json.dumps(value, allow_nan=False, default=_not_plain)
    except (TypeError, ValueError):
        return None


def _not_plain(value: Any) -> Any:
    """Called by json.dumps for what marshal accepts but JSON cannot say (sets, bytes, complex)."""
    raise TypeError(type(value).__name__)


# ansible-core 2.16-2.18's remove_values masks a boolean or None whose Python text (not its JSON
# text) contains a no_log value; 2.19+ keep them. Either way a part is left to Ansible then.
_PYTHON_TEXTS = ("True", "False", "None")


def free_of(text: str, secrets: set) -> bool:
    """True when no secret occurs in the JSON text of a value (in no string, no key, no number's
    text) nor in the Python text of a boolean or None.

    JSON escaping escapes character by character, so a secret inside a string appears in the text
    as the escaped secret. An empty secret is in everything."""
    for secret in secrets:
        native = to_native(secret, errors="surrogate_or_strict")
        escaped = json.dumps(native)[1:-1]
        if not escaped or escaped in text or any(native in python_text for python_text in _PYTHON_TEXTS):
            return False
    return True


def encoded_parts(result: dict[str, Any], secrets: Any) -> dict[str, EncodedPart]:
    """The containers of ``result`` that hold exact builtin types only and none of ``secrets``
    (None: the module has no no_log values registered yet, so nothing is taken)."""
    if secrets is None:
        return {}
    parts: dict[str, EncodedPart] = {}
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            text = plain_json(value)
            if text is not None and free_of(text, secrets):
                parts[key] = EncodedPart(value, text)
    return parts


def parts_in(result: Any, parts: dict[str, EncodedPart]) -> dict[str, EncodedPart]:
    """Those ``parts`` that ``result`` (a dict about to be scrubbed or encoded) still holds as they were."""
    if not isinstance(result, dict):
        return {}
    return {key: part for key, part in parts.items() if result.get(key) is part.value}


def encoded_with_parts(result: Any, parts: dict[str, EncodedPart], encode: Callable[[dict[str, Any]], str]) -> str | None:
    """The JSON text of ``result``: ``encode`` (Ansible's encoder) writes all but the ``parts`` it
    holds, whose texts are then added. None when it holds none of them or ``encode`` gives no JSON
    object: the caller encodes the whole result its own way."""
    held = parts_in(result, parts)
    if not held:
        return None
    return splice(encode({key: value for key, value in result.items() if key not in held}),
                  {key: part.text for key, part in held.items()})


def splice(encoded_rest: str, texts: dict[str, str]) -> str | None:
    """The JSON object ``encoded_rest`` with the members ``texts`` (key → JSON text) added; None
    when ``encoded_rest`` is not one JSON object."""
    body = encoded_rest.strip()
    if not (body.startswith("{") and body.endswith("}")):
        return None
    inner = body[:-1].rstrip()
    members = ", ".join(f"{json.dumps(key)}: {text}" for key, text in texts.items())
    return f"{inner}{'' if inner == '{' else ', '}{members}}}"


def module_encoder() -> type[json.JSONEncoder] | None:
    """The encoder ansible-core 2.19+ write a module's result with (``_record_module_result``);
    None where ansible-core has no such encoder (2.16-2.18), it is not where 2.19-2.21 keep it, or
    the hook is not ansible-core's own (ansible.netcommon replaces it to take results in-process)."""
    hook = getattr(_basic.AnsibleModule, "_record_module_result", None)
    if getattr(hook, "__module__", None) != _basic.__name__:
        return None
    internal = getattr(_basic, "_json", None)
    direction = getattr(getattr(internal, "Direction", None), "MODULE_TO_CONTROLLER", None)
    get_encoder = getattr(internal, "get_module_encoder", None)
    if direction is None or get_encoder is None:
        return None
    try:
        encoder = get_encoder(getattr(_basic, "_ANSIBLE_PROFILE", None), direction)
    except (TypeError, ValueError, LookupError):
        return None
    return encoder if isinstance(encoder, type) and issubclass(encoder, json.JSONEncoder) else None


@contextmanager
def scrub_only_where_needed(parts: dict[str, EncodedPart]) -> Iterator[None]:
    """While exiting: Ansible's remove_values passes ``parts`` through unwalked; everything else
    is scrubbed by Ansible as before. The original function is restored afterwards."""
    if not parts:
        yield
        return
    original: Callable[[Any, Any], Any] = _basic.remove_values

    def remove_values(value: Any, no_log_strings: Any) -> Any:
        kept = parts_in(value, parts)
        if not kept:
            return original(value, no_log_strings)
        scrubbed = original({key: item for key, item in value.items() if key not in kept}, no_log_strings)
        return {key: kept[key].value if key in kept else scrubbed[key] for key in value}

    _basic.remove_values = remove_values
    try:
        yield
    finally:
        _basic.remove_values = original
