# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The byte-level drop of unread elements (_element_filter): whatever the chunking, the tree the C
parser builds from what it lets through is the whole tree minus exactly those elements; anything
that could make the cut uncertain is refused."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._element_filter import ElementFilter


class Refused(Exception):
    pass


NET_CONFIG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<S:Body><RetrievePropertiesExResponse xmlns="urn:vim25" xmlns:v="urn:vim25"><returnval><objects>'
    '<propSet><name>candidateVnic</name><val xsi:type="HostVirtualNicManagerInfo">'
    "<netConfig><nicType>vmotion</nicType><multiSelectAllowed>true</multiSelectAllowed>"
    "<candidateVnic><device>vmk0</device><key>vmotion.key-vim.host.VirtualNic-vmk0</key>"
    "<spec><mac>00:50:56:40:00:01</mac><mtu>1500</mtu></spec></candidateVnic>"
    '<candidateVnic xsi:type="HostVirtualNic" ><device>vmk1</device><portgroup>candidateVnic &lt;x&gt;</portgroup></candidateVnic>'
    "<candidateVnic/>"
    '<candidateVnic xsi:type="HostVirtualNic"/>'
    "<selectedVnic>vmotion.key-vim.host.VirtualNic-vmk1</selectedVnic></netConfig>"
    "<netConfig><nicType>candidateVnic</nicType>"
    "<v:candidateVnic><v:device>vmk2</v:device></v:candidateVnic>"
    '<candidateVnicCount a="candidateVnic">2</candidateVnicCount>'
    "<selectedVnic>candidateVnic.vmk2</selectedVnic></netConfig>"
    "</val></propSet></objects></returnval></RetrievePropertiesExResponse></S:Body></S:Envelope>"
).encode()


def without(xml: bytes, name: str) -> str:
    """The tree of ``xml`` without the elements of local name ``name``, as canonical text."""
    root = ElementTree.fromstring(xml)
    for parent in root.iter():
        for child in [child for child in parent if child.tag.rpartition("}")[2] == name]:
            parent.remove(child)
    return ElementTree.canonicalize(ElementTree.tostring(root))


def tree(xml: bytes) -> str:
    """The tree the C parser builds of ``xml``, as canonical text (comparable with ``without``)."""
    return ElementTree.canonicalize(ElementTree.tostring(ElementTree.fromstring(xml)))


def filtered(xml: bytes, cuts: list[int], names: tuple[str, ...] = ("candidateVnic",)) -> bytes:
    element_filter = ElementFilter(names, Refused)
    out, start = [], 0
    for cut in sorted(set(cuts)) + [len(xml)]:
        out.append(element_filter.feed(xml[start:cut]))
        start = cut
    out.append(element_filter.close())
    return b"".join(out)


def test_drops_exactly_the_named_elements_in_one_chunk():
    kept = filtered(NET_CONFIG, [])
    assert not re.search(rb"<(v:)?candidateVnic[\s/>]", kept)
    assert tree(kept) == without(NET_CONFIG, "candidateVnic")
    # text, attribute values and longer names that merely contain the name stay
    assert b"<nicType>candidateVnic</nicType>" in kept and b'<candidateVnicCount a="candidateVnic">2</candidateVnicCount>' in kept
    assert b"<selectedVnic>vmotion.key-vim.host.VirtualNic-vmk1</selectedVnic>" in kept


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(NET_CONFIG)), max_size=12))
def test_any_chunking_gives_the_same_tree(cuts):
    assert tree(filtered(NET_CONFIG, cuts)) == without(NET_CONFIG, "candidateVnic")


def test_every_single_split_point():
    expected = without(NET_CONFIG, "candidateVnic")
    for cut in range(len(NET_CONFIG) + 1):
        assert tree(filtered(NET_CONFIG, [cut])) == expected, cut


def test_several_names_one_inside_another():
    xml = b"<a><outer><x>1</x><inner>2</inner></outer><inner>3</inner><b>4</b></a>"
    for cut in range(len(xml) + 1):
        assert filtered(xml, [cut], ("inner", "outer")) == b"<a><b>4</b></a>", cut


@pytest.mark.parametrize("xml, reason", [
    (b"<a><!-- <candidateVnic> --><b/></a>", "comment"),
    (b"<a><![CDATA[<candidateVnic>]]></a>", "CDATA"),
    (b'<!DOCTYPE a><a/>', "DOCTYPE"),
    (b"<a><?pi x?></a>", "processing instruction"),
    (b"<a><candidateVnic><candidateVnic/></candidateVnic></a>", "nested in itself"),
    (b'<a><candidateVnic x="1>2"></candidateVnic></a>', "start tag of candidateVnic not understood"),
    (b"<a></candidateVnic></a>", "without its start"),
    (b"<a><candidateVnic></candidateVnicX></a>", "end tag of candidateVnic not understood"),
])
def test_what_could_make_the_cut_uncertain_is_refused(xml, reason):
    with pytest.raises(Refused, match=reason):
        filtered(xml, [])


def test_an_element_never_closed_is_left_to_the_parser():
    # Held to the end and handed on as it is: the C parser then reports the malformed reply.
    assert filtered(b"<a><candidateVnic><b>", [5, 9]) == b"<a><candidateVnic><b>"
