# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's prefix parsing: what parses, to what, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._addresses import ip_int, parse_net, parsed_int
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.engine.test_values import ADDRESSES


@pytest.mark.parametrize("text, expected", [
    ("10.1.2.3/24", "10.1.2.0/24"),
    ("10.1.0.0/255.255.0.0", "10.1.0.0/16"),
    ("0.0.0.0/0", "0.0.0.0/0"),
    ("2001:DB8:0:0::1/64", "2001:db8::/64"),
    ("fe80::1%vmk0/64", "fe80::/64"),
    ("10.1.2.3/33", None),
    ("10.1.2.256/24", None),
    ("10.1.0.0/255.0.255.0", None),
    ("not-an-ip/24", None),
])
def test_parse_net(text, expected):
    net = parse_net(text)
    assert (str(net) if net else None) == expected


@settings(max_examples=150, deadline=None)
@given(ADDRESSES)
def test_ip_int_reads_what_its_fallback_reads(text):
    """ip_int tries inet_pton first; the result (or the ValueError) is its own parser's."""
    def verdict(parse):
        try:
            return parse(text.strip())
        except ValueError:
            return "ValueError"
    assert verdict(ip_int) == verdict(parsed_int)
