# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The problem collector of intent parsing: one pass both validates the intent and builds its parsed
form, each problem a sentence naming where it is."""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable
from typing import Any, Optional

from ansible_collections.vmkernel.multihoming.plugins.module_utils.facts._names import SYSTEM_STACKS
from ansible_collections.vmkernel.multihoming.plugins.module_utils.intent._model import IPAddress

# What only a regular expression would contain: anchors, ".+", character-class escapes (not ".*":
# "10.10.0.*" and "esx01.*" are good wildcards).
_REGEX_HINT = re.compile(r"^\^|\$$|\.\+|\\[dDsSwWb]")
_DEVICE_RE = re.compile(r"^vmk[0-9]+$")


def suggestion(value: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for a near miss of one of ``choices`` (case or a typo), else ''."""
    choices = list(choices)
    folded = [c for c in choices if c.lower() == value.lower()]
    close = folded or difflib.get_close_matches(value, choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def pattern_problem(pattern: str, key: str) -> Optional[str]:
    """Why ``pattern`` (a value of selector key ``key``) cannot mean what was meant, or None."""
    if _REGEX_HINT.search(pattern):
        return (f"{pattern!r} looks like a regular expression; selectors take shell-style wildcards "
                "(*, ?, [abc]), e.g. 'vMotion-*'")
    last_open = pattern.rfind("[")
    if last_open >= 0 and "]" not in pattern[last_open + 1:]:
        return f"{pattern!r} has a '[' that is never closed (write '[[]' for a literal '[')"
    if key == "devices" and not any(c in pattern for c in "*?[") and not _DEVICE_RE.match(pattern):
        number = re.search(r"[0-9]+", pattern)
        hint = f" (did you mean vmk{number.group()}?)" if number else ""
        return f"{pattern!r} is not a vmknic device name (vmk0, vmk1, ...){hint}"
    return None


class Checker:
    """Collects problems while parsing, so one pass both validates and builds the parsed form.

    ``stacks``: the TCP/IP stack keys of the hosts in scope, when known. Without them any stack name
    other than a near miss of a system stack is taken as a custom stack (the planner checks it)."""

    def __init__(self, stacks: Optional[Iterable[str]] = None) -> None:
        self.problems: list[str] = []
        self.stacks = None if stacks is None else sorted(set(SYSTEM_STACKS) | set(stacks))

    def stack_key(self, key: str, where: str) -> None:
        if key in SYSTEM_STACKS or (self.stacks is not None and key in self.stacks):
            return
        if self.stacks is None:
            hint = suggestion(key, SYSTEM_STACKS)
            if hint:  # a custom stack named like a system stack is a typo, not a custom stack
                self.add(where, f"unknown stack {key!r}{hint}; system stacks: {', '.join(SYSTEM_STACKS)}")
            return
        self.add(where, f"unknown stack {key!r}{suggestion(key, self.stacks)}; stacks in scope: {', '.join(self.stacks)}")

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def mapping(self, value: Any, where: str, allowed: tuple[str, ...]) -> Optional[dict]:
        if not isinstance(value, dict):
            self.add(where, "must be a mapping")
            return None
        for key in sorted(set(value) - set(allowed), key=str):
            hint = suggestion(key, allowed) if isinstance(key, str) else ""
            self.add(where, f"unknown key {key!r}{hint} (expected one of {', '.join(allowed)})")
        return value

    def string_list(self, value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            self.add(where, "must be a non-empty string or list of non-empty strings")
            return ()
        return tuple(value)

    def address(self, value: Any, where: str, version: int = 4) -> Optional[IPAddress]:
        try:
            if not isinstance(value, str):
                raise ValueError
            text = value.strip()
            return ipaddress.IPv4Address(text) if version == 4 else ipaddress.IPv6Address(text)
        except ValueError:
            self.add(where, f"{value!r} is not an IPv{version} address")
            return None

    def integer(self, value: Any, where: str, low: int, high: int) -> Optional[int]:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(where, f"must be an integer from {low} to {high}, got {value!r}")
            return None
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.add(where, f"must be true or false, got {value!r}")
            return False
        return value
