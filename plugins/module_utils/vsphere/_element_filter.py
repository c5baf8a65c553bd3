# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dropping the elements of a field nobody reads from an XML byte stream, before the C parser
builds them (private; used by _retrieve_stream).

Building the tree is the largest part of parsing the bulk read once the records decode lazily,
and more than half of the bytes of a host are ``candidateVnic`` elements (a full HostVirtualNic
of every candidate vmknic of every nicType, in ``config.virtualNicManagerInfo``) that the facts
never read. Finding them takes C-speed substring searches. Only what is certainly such an element
is dropped; anything that could make the cut uncertain (comments, CDATA, processing instructions
or a DOCTYPE, where markup can hide; an element of the name nested in itself; a start tag whose
attributes do not read plainly) raises FastReadUnsupported, so the read goes to pyVmomi.
Records refuse to give a dropped field (``_retrieve_stream``): a caller that starts reading it
falls back too, rather than getting an empty value.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(rb"(?:[A-Za-z_][\w.-]*:)?")
_ATTRIBUTES = re.compile(rb"""(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*/?""")
_NAME_ENDS = b" \t\r\n/>"


class ElementFilter:
    """Fed XML bytes in chunks; gives back the same bytes without the elements named ``names``
    (local names, whatever their namespace prefix). Holds back the bytes of an element not yet
    complete, and of a tag that may be cut in two."""

    def __init__(self, names: tuple[str, ...], unsupported: type[Exception]) -> None:
        self.names = tuple(name.encode() for name in names)
        self.unsupported = unsupported
        self.held = b""
        self.given = 0  # bytes handed on so far

    def feed(self, data: bytes) -> bytes:
        data = self.held + data
        # Every tag before the last "<" is complete: a tag holds no "<" (not even in attributes).
        cut = data.rfind(b"<")
        if cut < 0:
            cut = len(data)
        return self._drop(data, cut, False)

    def close(self) -> bytes:
        """What is held at the end; an element never closed is handed on as it is (the parser
        then finds the reply malformed)."""
        data, self.held = self.held, b""
        kept = self._drop(data, len(data), True)
        unclosed, self.held = self.held, b""
        return kept + unclosed

    def _drop(self, data: bytes, cut: int, final: bool) -> bytes:
        checked_from = 0
        if self.given == 0:  # the XML declaration may open the reply
            opening = data.lstrip()
            declared = data.find(b"?>") if opening.startswith(b"<?xml") else -1
            if declared >= 0:
                checked_from = declared + 2
            elif not final and b"<?xml".startswith(opening[:5]):
                self.held = data  # it may still become the declaration: wait for more
                return b""
        if data.find(b"<!", checked_from) >= 0 or data.find(b"<?", checked_from) >= 0:
            raise self.unsupported("comment, CDATA, DOCTYPE or processing instruction in the reply")
        spans: list[tuple[int, int]] = []
        for name in self.names:
            cut = self._spans(data, cut, name, spans)
        straddling = [start for start, end in spans if start < cut < end]
        while straddling:  # an element of one name around the held start of another's: held too
            cut = min(straddling)
            straddling = [start for start, end in spans if start < cut < end]
        spans = [span for span in spans if span[1] <= cut]
        self.held = data[cut:]
        if not spans:
            self.given += cut
            return data[:cut]
        spans.sort()
        parts, position = [], 0
        for start, end in spans:
            if start < position:
                if end <= position:
                    continue  # inside an element dropped already
                raise self.unsupported("elements to drop overlap")
            parts.append(data[position:start])
            position = end
        parts.append(data[position:cut])
        self.given += cut
        return b"".join(parts)

    def _spans(self, data: bytes, cut: int, name: bytes, spans: list[tuple[int, int]]) -> int:
        """Add the (start, end) of every complete ``name`` element before ``cut``; return the new
        cut: the start of an element of ``name`` not complete yet (held for the next chunk)."""
        position = 0
        while True:
            hit = data.find(name, position, cut)
            if hit < 0:
                return cut
            position = hit + len(name)
            opening = data.rfind(b"<", 0, hit)
            if opening < 0:
                continue
            head = data[opening + 1:hit]
            after = data[position:position + 1]
            if after and after not in _NAME_ENDS:
                continue  # a longer name (candidateVnicFoo)
            if head.startswith(b"/") and _PREFIX.fullmatch(head, 1):
                raise self.unsupported(f"end tag of {name.decode()} without its start")
            if not _PREFIX.fullmatch(head):
                continue  # inside text or another tag
            close = data.find(b">", position, cut)
            if close < 0:
                return min(cut, opening)
            attributes = data[position:close]
            if not _ATTRIBUTES.fullmatch(attributes):
                raise self.unsupported(f"start tag of {name.decode()} not understood")
            if attributes.endswith(b"/"):
                spans.append((opening, close + 1))
                position = close + 1
                continue
            end_tag = b"</" + head + name
            end = data.find(end_tag, close, cut)
            if end < 0:
                return min(cut, opening)
            if data.find(b"<" + head + name, close, end) >= 0:
                raise self.unsupported(f"{name.decode()} nested in itself")
            end_close = data.find(b">", end, cut)
            if end_close < 0:
                return min(cut, opening)
            if data[end + len(end_tag):end_close].strip():
                raise self.unsupported(f"end tag of {name.decode()} not understood")
            spans.append((opening, end_close + 1))
            position = end_close + 1
