# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's address parsing goes through inet_pton before ipaddress (packed_address, in
analysis/_addresses.py): it must give ipaddress's verdict on every text, valid or not."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine import _values

# Texts close to addresses: valid ones as ipaddress writes them, then with one part spoiled (a
# leading zero, an empty or over-long part, a scope, a space), and the odd ones ipaddress refuses.
ODD = ["", " 10.0.0.1", "10.0.0.1 ", "010.0.0.1", "10.0.0", "10.0.0.1.5", "256.0.0.1", "10.0.0.1/24", "0x0a.0.0.1",
       "fe80::1%vmk0", "1::2::3", "12345::", ":1::", "::1:", "::ffff:10.0.0.01", "1:2:3:4:5:6:7:8:9", "\u0663.0.0.1"]


def _spoiled(text: str, how: str, where: int) -> str:
    separator = ":" if ":" in text else "."
    parts = text.split(separator)
    index = where % len(parts)
    parts[index] = {"zero": "0" + parts[index], "empty": "", "long": parts[index] + "00000", "scope": parts[index] + "%vmk1",
                    "space": parts[index] + " "}[how]
    return separator.join(parts)


ADDRESSES = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda a: a.exploded),
    st.builds(_spoiled, st.ip_addresses().map(str), st.sampled_from(["zero", "empty", "long", "scope", "space"]), st.integers(0, 7)),
    st.sampled_from(ODD),
    st.text(alphabet="0123456789abcdefABCDEF:.%", max_size=24),
)
PREFIXES = st.one_of(st.integers(-1, 33), st.integers(0, 33).map(str), st.integers(0, 32).map(
    lambda n: str(ipaddress.IPv4Network(f"0.0.0.0/{n}").netmask)), st.sampled_from(["0.0.0.255", "255.0.255.0", " 24", "24/8"]))


def _verdict(parse: Any, *args: Any) -> str:
    try:
        return repr(parse(*args))
    except ValueError:
        return "None"


@settings(max_examples=150, deadline=None)
@given(ADDRESSES)
def test_parse_ip_address_gives_ipaddress_verdict(text):
    assert repr(_values.parse_ip_address.__wrapped__(text)) == _verdict(ipaddress.ip_address, text)


@settings(max_examples=150, deadline=None)
@given(ADDRESSES, PREFIXES)
def test_ipv4_interface_gives_ipaddress_verdict(address, prefix):
    expected = _verdict(lambda: ipaddress.IPv4Interface(f"{address}/{prefix}"))
    assert repr(_values._parse_ipv4_interface.__wrapped__(address, prefix)) == expected


@settings(max_examples=150, deadline=None)
@given(ADDRESSES)
def test_ip_value_is_the_parsed_address_as_int(text):
    address = _values.parse_ip_address.__wrapped__(text)
    assert _values.ip_value(text) == (None if address is None else (address.version, int(address)))


@settings(max_examples=150, deadline=None)
@given(ADDRESSES, PREFIXES)
def test_ipv4_address_int_is_the_interface_as_int(address, prefix):
    iface = _values._parse_ipv4_interface.__wrapped__(address, prefix)
    assert _values._ipv4_address_int.__wrapped__(address, prefix) == (None if iface is None else int(iface))
