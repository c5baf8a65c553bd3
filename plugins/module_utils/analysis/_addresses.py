# -*- coding: utf-8 -*-
# Copyright: vmkernel.multihoming maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 and IPv6 prefixes as plain ints for the audit (private): parsed once, compared fast."""

from __future__ import annotations

import functools
import ipaddress
import socket
from typing import Any, NamedTuple

# Addresses are plain ints: ipaddress objects are ~10x slower to build, and a fleet has thousands.

BITS = {4: 32, 6: 128}


class Net(NamedTuple):
    """A prefix: version, network address as int, prefix length."""

    version: int
    addr: int
    plen: int

    def __str__(self) -> str:
        return format_net(self)

    def contains(self, other: "Net") -> bool:
        """``other`` equals this prefix or lies inside it."""
        if other.version != self.version or other.plen < self.plen:
            return False
        shift = BITS[self.version] - self.plen
        return other.addr >> shift == self.addr >> shift


class Iface(NamedTuple):
    ip: int
    net: Net
    text: str  # address/prefix as the facts give it, for messages


def v4_int(text: str) -> int:
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError(text)
    value = 0
    for part in parts:
        if not (part.isascii() and part.isdigit()) or len(part) > 3 or int(part) > 255:
            raise ValueError(text)
        value = value << 8 | int(part)
    return value


def packed_address(family: int, text: Any) -> bytes | None:
    """The address through the C parser (inet_pton), None when it does not take it (a scope
    "%vmk0", leading zeros, anything malformed): then the caller's own parser (ipaddress, or
    parsed_int here) has the verdict. It takes no text those refuse (test_values.py and
    test_addresses.py compare them)."""
    try:
        return socket.inet_pton(family, text)
    except (OSError, TypeError, ValueError):
        return None


def packed_literal(text: str) -> tuple[int, bytes] | None:
    """(version, packed) of an IPv4 or IPv6 literal through packed_address (IPv6 when it has a
    colon); None when inet_pton does not take it and the caller's own parser decides."""
    version, family = (6, socket.AF_INET6) if ":" in text else (4, socket.AF_INET)
    packed = packed_address(family, text)
    return None if packed is None else (version, packed)


def ip_int(text: str) -> tuple[int, int]:
    """(version, int) of an address literal; ValueError when it is none. The C parser reads the
    usual forms; what it refuses goes to parsed_int, which decides."""
    text = str(text).strip()
    literal = packed_literal(text)
    if literal is not None:
        return literal[0], int.from_bytes(literal[1], "big")
    return parsed_int(text)


def parsed_int(text: str) -> tuple[int, int]:
    """ip_int without the C parser (what ip_int falls back to; test_addresses compares the two)."""
    if ":" in text:
        return 6, int(ipaddress.IPv6Address(text.split("%", 1)[0]))
    return 4, v4_int(text)


def prefix_len(version: int, prefix: Any) -> int:
    """Prefix length from an int, a digit string or (IPv4) a dotted netmask."""
    if isinstance(prefix, str) and "." in prefix:
        mask = v4_int(prefix)
        plen = bin(mask).count("1")
    else:
        plen = int(prefix)
        mask = None
    if not 0 <= plen <= BITS[version] or (mask is not None and mask != (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF):
        raise ValueError(prefix)
    return plen


def make_iface(address: Any, prefix: Any) -> Iface | None:
    """The interface ``address``/``prefix``; None when either is not valid. Each pair is parsed
    once per process (the planner audits every host before and after its change, and the after
    state keeps most addresses); an Iface is immutable, so sharing it is safe."""
    try:
        return _cached_iface(address, prefix)
    except TypeError:  # an unhashable value: parsed (and refused) without the cache
        return _parse_iface(address, prefix)


def _parse_iface(address: Any, prefix: Any) -> Iface | None:
    try:
        version, ip = ip_int(address)
        plen = prefix_len(version, prefix)
    except (ValueError, TypeError):
        return None
    shift = BITS[version] - plen
    return Iface(ip, Net(version, ip >> shift << shift, plen), f"{address}/{plen}")


_cached_iface = functools.lru_cache(maxsize=1 << 16, typed=True)(_parse_iface)


@functools.lru_cache(maxsize=4096)
def parse_net(cidr: str) -> Net | None:
    """A CIDR, host bits allowed (cached: route networks repeat across a fleet)."""
    address, _slash, prefix = str(cidr).partition("/")
    iface = make_iface(address, prefix or (128 if ":" in address else 32))
    return iface.net if iface else None


@functools.lru_cache(maxsize=4096)
def format_net(net: Net) -> str:
    if net.version == 4:
        return ".".join(str(net.addr >> s & 255) for s in (24, 16, 8, 0)) + f"/{net.plen}"
    return str(ipaddress.IPv6Network((net.addr, net.plen)))


LINK_LOCAL = Net(6, 0xFE80 << 112, 10)
