# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our parser of RetrievePropertiesEx replies on hand-written SOAP replies, each odd case a real
vCenter can send. A fake connection serves the same bytes to pyVmomi's own stub, so every case
that pyVmomi can read is checked field by field against what pyVmomi makes of it."""

from __future__ import annotations

import gzip
import weakref
from typing import Any

import pytest
from pyVmomi import SoapAdapter, VmomiSupport, vim, vmodl

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere import _distributed, _gather, _host_facts
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._retrieve_stream import (
    FastReadUnsupported,
    VmodlData,
    call,
    fully_decoded,
    retrieve,
    vmodl_isinstance,
    vmodl_type_name,
)

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
)

VNICS = (
    '<propSet><name>config.network.vnic</name><val xsi:type="ArrayOfHostVirtualNic">'
    "<HostVirtualNic><device>vmk0</device><key>key-vim.host.VirtualNic-vmk0</key><portgroup>Management Network</portgroup>"
    "<spec><ip><dhcp>false</dhcp><ipAddress>10.10.0.11</ipAddress><subnetMask>255.255.248.0</subnetMask>"
    "<ipV6Config><ipV6Address><ipAddress>fe80::250:56ff:fe40:1</ipAddress><prefixLength>64</prefixLength>"
    "<origin>other</origin><dadState>preferred</dadState></ipV6Address>"
    "<ipV6Address><ipAddress>2001:db8::11</ipAddress><prefixLength>64</prefixLength><origin>manual</origin>"
    "<dadState>preferred</dadState></ipV6Address><dhcpV6Enabled>false</dhcpV6Enabled>"
    "<autoConfigurationEnabled>true</autoConfigurationEnabled></ipV6Config></ip>"
    "<mac>00:50:56:40:00:01</mac><portgroup>Management Network</portgroup><mtu>1500</mtu>"
    "<netStackInstanceKey>defaultTcpipStack</netStackInstanceKey></spec>"
    "<port>key-vim.host.PortGroup.Port-33554436</port></HostVirtualNic>"
    "<HostVirtualNic><device>vmk1</device><key>key-vim.host.VirtualNic-vmk1</key><portgroup></portgroup>"
    "<spec><ip><dhcp>true</dhcp></ip><mac>00:50:56:40:00:02</mac>"
    "<distributedVirtualPort><switchUuid>50 2e 7a</switchUuid><portgroupKey>dvportgroup-11</portgroupKey>"
    "<portKey>7</portKey></distributedVirtualPort><mtu>9000</mtu></spec><owner>NSX</owner></HostVirtualNic>"
    "</val></propSet>"
)
HOST = (
    '<objects><obj type="HostSystem">host-20</obj>'
    '<propSet><name>name</name><val xsi:type="xsd:string">10.10.0.11</val></propSet>'
    '<propSet><name>runtime.connectionState</name><val xsi:type="HostSystemConnectionState">connected</val></propSet>'
    '<propSet><name>runtime.inMaintenanceMode</name><val xsi:type="xsd:boolean">false</val></propSet>'
    '<propSet><name>config.network.ipV6Enabled</name><val xsi:type="xsd:boolean">true</val></propSet>'
    '<propSet><name>configManager.iscsiManager</name>'
    '<val type="IscsiManager" xsi:type="ManagedObjectReference">iscsimgr-20</val></propSet>'
    + VNICS
    + "</objects>"
)
ADAPTERS = (
    '<objects><obj type="HostSystem">host-21</obj>'
    '<propSet><name>config.storageDevice.hostBusAdapter</name><val xsi:type="ArrayOfHostHostBusAdapter">'
    '<HostHostBusAdapter xsi:type="HostBlockHba"><key>k0</key><device>vmhba0</device><bus>0</bus>'
    "<status>unknown</status><model>PIIX4</model><driver>ata_piix</driver><pci>0000:00:07.1</pci></HostHostBusAdapter>"
    '<HostHostBusAdapter xsi:type="HostInternetScsiHba"><key>k65</key><device>vmhba65</device><bus>0</bus>'
    "<status>online</status><model>iSCSI Software Adapter</model><driver>iscsi_vmk</driver><pci></pci>"
    "<isSoftwareBased>true</isSoftwareBased><networkBindingSupport>optional</networkBindingSupport>"
    "<iScsiName>iqn.1998-01.com.vmware:h1</iScsiName></HostHostBusAdapter>"
    '<HostHostBusAdapter xsi:type="HostFibreChannelHba"><key>k2</key><device>vmhba2</device><bus>3</bus>'
    "<status>online</status><model>QLE2562</model><driver>qlnativefc</driver><pci>0000:03:00.0</pci>"
    "<portWorldWideName>2305843009213693952</portWorldWideName><nodeWorldWideName>2305843009213693953</nodeWorldWideName>"
    "<portType>fabric</portType><speed>8</speed></HostHostBusAdapter>"
    "</val></propSet></objects>"
)
MISSING = (
    '<objects><obj type="HostSystem">host-22</obj>'
    '<propSet><name>name</name><val xsi:type="xsd:string">esx22.example.com</val></propSet>'
    "<missingSet><path>config.network.vnic</path><fault>"
    '<fault xsi:type="NoPermission"><object type="HostSystem">host-22</object><privilegeId>System.Read</privilegeId></fault>'
    "<localizedMessage>Permission to perform this operation was denied.</localizedMessage></fault></missingSet></objects>"
)

CUSTOM_FIELDS = (
    '<objects><obj type="HostSystem">host-23</obj>'
    '<propSet><name>availableField</name><val xsi:type="ArrayOfCustomFieldDef">'
    "<CustomFieldDef><key>101</key><name>vmkernel.multihoming.change</name><type>string</type>"
    "<managedObjectType>HostSystem</managedObjectType>"
    "<fieldDefPrivileges><createPrivilege>System.View</createPrivilege><readPrivilege>System.View</readPrivilege>"
    "<updatePrivilege>System.View</updatePrivilege><deletePrivilege>System.View</deletePrivilege></fieldDefPrivileges>"
    "</CustomFieldDef></val></propSet>"
    '<propSet><name>customValue</name><val xsi:type="ArrayOfCustomFieldValue">'
    '<CustomFieldValue xsi:type="CustomFieldStringValue"><key>101</key><value>{"op": 1}</value></CustomFieldValue>'
    "</val></propSet></objects>"
)


def reply(objects: str, token: str | None = None, method: str = "RetrievePropertiesEx") -> bytes:
    token_element = f"<token>{token}</token>" if token else ""
    body = f'<{method}Response xmlns="urn:vim25"><returnval>{token_element}{objects}</returnval></{method}Response>'
    return ENVELOPE.format(body=body).encode()


def fault_reply(fault_xml: str, message: str) -> bytes:
    body = (f"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{message}</faultstring>"
            f"<detail>{fault_xml}</detail></soapenv:Fault>")
    return ENVELOPE.format(body=body).encode()


class FakeResponse:
    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.status, self.reason, self.body, self.headers = status, "OK" if status == 200 else "Error", body, headers or {}

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = len(self.body)
        chunk, self.body = self.body[:size], self.body[size:]
        return chunk


class FakeConnection:
    """Answers each SOAP method with the next reply queued for it."""

    def __init__(self, replies: dict[str, list[FakeResponse]]) -> None:
        self.replies, self.requests, self.sock, self.timeout = replies, [], None, None
        self.pending: FakeResponse | None = None

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        name = next(name for name in self.replies if f"<{name} ".encode() in body)
        self.requests.append((name, headers))
        self.pending = self.replies[name].pop(0)

    def getresponse(self) -> FakeResponse:
        return self.pending

    def close(self) -> None:
        pass


def fake_stub(replies: dict[str, list[FakeResponse]]) -> tuple[Any, FakeConnection]:
    stub = SoapAdapter.SoapStubAdapter(host="127.0.0.1", port=443, version="vim.version.version9")
    stub.cookie = 'vmware_soap_session="abc"'
    connection = FakeConnection(replies)
    stub.GetConnection = lambda: connection
    stub.ReturnConnection = lambda conn: None
    return stub, connection


def collector_of(stub: Any) -> Any:
    return vmodl.query.PropertyCollector("propertyCollector", stub)


SPEC = vmodl.query.PropertyCollector.FilterSpec(
    objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=vim.HostSystem("host-20"))],
    propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.HostSystem, pathSet=["name"])])


def ours(body: bytes, headers: dict[str, str] | None = None) -> list[Any]:
    stub, _connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, body, headers)]})
    return list(retrieve(collector_of(stub), [SPEC], 100))


def pyvmomi(body: bytes) -> list[Any]:
    stub, _connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, body)]})
    result = collector_of(stub).RetrievePropertiesEx(specSet=[SPEC], options=vmodl.query.PropertyCollector.RetrieveOptions())
    return list(result.objects) if result else []


def assert_same(record: Any, expected: Any, where: str = "") -> None:
    """Our value equals pyVmomi's: same VMODL types, same fields (unset ones included), same values."""
    if isinstance(expected, VmomiSupport.DataObject):
        assert isinstance(record, VmodlData), where
        assert record._vmodl_type is type(expected), where
        for prop in type(expected)._GetPropertyList():
            assert_same(getattr(record, prop.name), getattr(expected, prop.name), f"{where}.{prop.name}")
    elif isinstance(expected, list):
        assert isinstance(record, list) and len(record) == len(expected), (where, record, expected)
        for index, (ours_item, theirs) in enumerate(zip(record, expected)):
            assert_same(ours_item, theirs, f"{where}[{index}]")
    elif isinstance(expected, VmomiSupport.ManagedObject):
        assert type(record) is type(expected) and record._moId == expected._moId, where
        assert record._stub is not None, where
    else:
        assert record == expected and isinstance(record, bool) == isinstance(expected, bool), (where, record, expected)


@pytest.mark.parametrize("objects", [HOST, ADAPTERS, MISSING, CUSTOM_FIELDS, HOST + ADAPTERS + MISSING + CUSTOM_FIELDS],
                         ids=["host", "adapters", "missing", "custom-fields", "all"])
def test_equal_to_pyvmomi(objects):
    body = reply(objects)
    assert_same(ours(body), pyvmomi(body))


def test_values_typed_by_metadata():
    (host,) = ours(reply(HOST))
    props = _gather.object_props(host)
    assert props["name"] == "10.10.0.11" and props["runtime.connectionState"] == "connected"
    assert props["config.network.ipV6Enabled"] is True and props["runtime.inMaintenanceMode"] is False
    manager = props["configManager.iscsiManager"]
    assert isinstance(manager, vim.host.IscsiManager) and manager._moId == "iscsimgr-20"
    vmk0, vmk1 = props["config.network.vnic"]
    assert vmodl_isinstance(vmk0, vim.host.VirtualNic) and vmk0.spec.mtu == 1500 and isinstance(vmk0.spec.mtu, int) and not isinstance(vmk0.spec.mtu, bool)
    assert [a.prefixLength for a in vmk0.spec.ip.ipV6Config.ipV6Address] == [64, 64]
    assert vmk0.spec.distributedVirtualPort is None and vmk0.spec.opaqueNetwork is None  # unset optional fields
    assert vmk1.portgroup == "" and vmk1.owner == "NSX" and vmk1.spec.ip.ipV6Config is None
    assert vmk1.spec.distributedVirtualPort.portgroupKey == "dvportgroup-11"
    with pytest.raises(AttributeError):
        vmk0.noSuchField  # noqa: B018


def test_type_names_are_types():
    (host,) = ours(reply(CUSTOM_FIELDS))
    props = _gather.object_props(host)
    (field,) = props["availableField"]
    assert field.managedObjectType is vim.HostSystem and field.type is str
    (value,) = props["customValue"]
    assert vmodl_type_name(value) == "CustomFieldStringValue" and value.value == '{"op": 1}'


def test_subtypes_inside_an_array():
    (host,) = ours(reply(ADAPTERS))
    adapters = _gather.object_props(host)["config.storageDevice.hostBusAdapter"]
    assert [vmodl_type_name(a) for a in adapters] == ["HostBlockHba", "HostInternetScsiHba", "HostFibreChannelHba"]
    assert [vmodl_isinstance(a, vim.host.InternetScsiHba) for a in adapters] == [False, True, False]
    assert all(vmodl_isinstance(a, vim.host.HostBusAdapter) for a in adapters)
    assert adapters[2].portWorldWideName == 2305843009213693952
    assert _host_facts._iscsi_adapters(_gather.object_props(host)) == [
        {"device": "vmhba65", "software": True, "binding_support": "optional", "bound_vmknics": None}]


def test_missing_set_per_object():
    (host,) = ours(reply(MISSING))
    (missing,) = host.missingSet
    assert missing.path == "config.network.vnic" and vmodl_type_name(missing.fault) == "NoPermission"
    assert missing.fault.privilegeId == "System.Read"
    assert _gather._missing(host) == [
        "config.network.vnic could not be read: NoPermission: Permission to perform this operation was denied."]
    (theirs,) = pyvmomi(reply(MISSING))
    assert _gather._missing(theirs) == _gather._missing(host)


def test_namespace_prefix_on_elements_and_types():
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:s="http://www.w3.org/2001/XMLSchema"><S:Body>'
        '<v:RetrievePropertiesExResponse xmlns:v="urn:vim25"><v:returnval><v:objects><v:obj type="HostSystem">host-20</v:obj>'
        '<v:propSet><v:name>name</v:name><v:val i:type="s:string">10.10.0.11</v:val></v:propSet>'
        '<v:propSet><v:name>config.network.vnic</v:name><v:val i:type="v:ArrayOfHostVirtualNic"><v:HostVirtualNic>'
        "<v:device>vmk0</v:device><v:key>k</v:key><v:portgroup>pg</v:portgroup><v:spec><v:mtu>1500</v:mtu></v:spec>"
        "</v:HostVirtualNic></v:val></v:propSet></v:objects></v:returnval></v:RetrievePropertiesExResponse></S:Body></S:Envelope>"
    ).encode()
    (host,) = ours(body)
    props = _gather.object_props(host)
    assert props["name"] == "10.10.0.11" and props["config.network.vnic"][0].spec.mtu == 1500
    assert_same([host], pyvmomi(body))


def test_fields_of_newer_api_versions_are_ignored():
    newer = HOST.replace("<mac>00:50:56:40:00:01</mac>",
                         "<mac>00:50:56:40:00:01</mac><futureOffload><mode>full</mode></futureOffload><futureFlag>true</futureFlag>")
    (host,) = ours(reply(newer))
    # pyVmomi itself refuses the unknown field; it reads the same reply without it.
    with pytest.raises(AttributeError):
        pyvmomi(reply(newer))
    assert_same([host], pyvmomi(reply(HOST)))


def test_gzip_reply():
    body = reply(HOST)
    stub, connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, gzip.compress(body), {"Content-Encoding": "gzip"})]})
    objects = list(retrieve(collector_of(stub), [SPEC], 100))
    assert_same(objects, pyvmomi(body))
    headers = connection.requests[0][1]
    assert headers["Accept-Encoding"] == "gzip, deflate" and headers["Cookie"] == 'vmware_soap_session="abc"'
    assert headers["SOAPAction"] == stub.versionId


def test_soap_fault_is_raised_as_pyvmomi_raises_it():
    body = fault_reply('<InvalidPropertyFault xsi:type="InvalidProperty"><name>token</name></InvalidPropertyFault>', "bad token")
    stub, _connection = fake_stub({"ContinueRetrievePropertiesEx": [FakeResponse(500, body), FakeResponse(500, body)]})
    with pytest.raises(vmodl.query.InvalidProperty) as ours_raised:
        call(stub, collector_of(stub), "ContinueRetrievePropertiesEx", ["7"])
    with pytest.raises(vmodl.query.InvalidProperty) as theirs:
        collector_of(stub).ContinueRetrievePropertiesEx(token="7")
    assert (ours_raised.value.name, ours_raised.value.msg) == (theirs.value.name, theirs.value.msg) == ("token", "bad token")


def test_pages_follow_the_token_and_an_early_stop_cancels():
    second = HOST.replace("host-20", "host-21")
    replies = {
        "RetrievePropertiesEx": [FakeResponse(200, reply(HOST, token="1"))],
        "ContinueRetrievePropertiesEx": [FakeResponse(200, reply(second, token="2", method="ContinueRetrievePropertiesEx"))],
        "CancelRetrievePropertiesEx": [FakeResponse(200, ENVELOPE.format(
            body='<CancelRetrievePropertiesExResponse xmlns="urn:vim25"></CancelRetrievePropertiesExResponse>').encode())],
    }
    stub, connection = fake_stub(replies)
    pages = retrieve(collector_of(stub), [SPEC], 1)
    assert [next(pages).obj._moId, next(pages).obj._moId] == ["host-20", "host-21"]
    pages.close()  # the consumer stops with token 2 outstanding
    assert [name for name, _headers in connection.requests] == [
        "RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx"]


@pytest.mark.parametrize("body, reason", [
    (reply(HOST.replace('xsi:type="ArrayOfHostVirtualNic"', 'xsi:type="ArrayOfHostFutureNic"')), "unknown type"),
    (reply(HOST.replace('xsi:type="xsd:string"', 'xsi:type="zz:string"')), "undeclared namespace prefix"),
    (reply(ADAPTERS.replace('xsi:type="HostBlockHba"', 'xsi:type="HostVirtualNic"')), "is declared"),
    (reply(HOST.replace("<mtu>1500</mtu>", "<mtu>big</mtu>")), "not a int"),
    (reply(HOST.replace("<dhcp>false</dhcp>", "<dhcp>maybe</dhcp>")), "not a boolean"),
    (reply(HOST)[:-40], "malformed XML"),
    (reply(HOST.replace("<objects>", '<objects xmlns:xsd="urn:other">', 1)), "bound to two namespaces"),
    (reply(HOST.replace('type="IscsiManager"', 'type="IscsiManager" serverGuid="g1"')), "serverGuid"),
    (reply(HOST.replace("<mtu>1500</mtu>", "<mtu>1500</mtu><mtu>9000</mtu>")), "given twice"),
    (ENVELOPE.format(body='<RetrievePropertiesResponse xmlns="urn:vim25"></RetrievePropertiesResponse>').encode(), "reply"),
])
def test_what_it_does_not_understand_is_refused(body, reason):
    # Fields holding data objects are decoded when first read: reading every value raises it.
    with pytest.raises(FastReadUnsupported, match=reason):
        fully_decoded(ours(body))


def test_unknown_content_encoding_is_refused():
    with pytest.raises(FastReadUnsupported, match="Content-Encoding br"):
        ours(reply(HOST), {"Content-Encoding": "br"})


def test_no_returnval_is_no_objects():
    assert ours(ENVELOPE.format(body='<RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse>').encode()) == []


# ---- decoding on first read (lazy records): the ways that could go wrong ----


def test_a_refusal_met_while_building_facts_sends_the_read_to_pyvmomi():
    # The duplicate mtu sits inside a vmknic's spec: our parser meets it only when host_facts
    # reads the spec, inside the bulk read, which must then be read again by pyVmomi.
    bad = reply(HOST.replace("<mtu>1500</mtu>", "<mtu>1500</mtu><mtu>9000</mtu>"))
    stub, connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, bad), FakeResponse(200, reply(HOST))]})
    content = type("Content", (), {"propertyCollector": collector_of(stub)})()
    warnings, restarts = [], []

    def convert(item: Any) -> dict[str, Any]:
        return _host_facts.host_facts(_gather.object_props(item), item.obj._moId, None, None)

    hosts = _gather._read_hosts(content, SPEC.objectSet, SPEC.propSet, convert, True, warnings.append, None,
                                lambda: restarts.append(True))
    assert len(warnings) == 1 and "mtu given twice in HostVirtualNicSpec" in warnings[0] and restarts == [True]
    assert [name for name, _headers in connection.requests] == ["RetrievePropertiesEx", "RetrievePropertiesEx"]
    assert hosts == [convert(item) for item in pyvmomi(reply(HOST))]
    assert [vmknic["mtu"] for vmknic in hosts[0]["vmknics"]] == [1500, 9000]


DVPORTGROUP = (
    '<objects><obj type="DistributedVirtualPortgroup">dvportgroup-11</obj>'
    '<propSet><name>key</name><val xsi:type="xsd:string">dvportgroup-11</val></propSet>'
    '<propSet><name>config.defaultPortConfig</name><val xsi:type="VMwareDVSPortSetting">'
    '<vlan xsi:type="VmwareDistributedVirtualSwitchVlanIdSpec"><inherited>false</inherited><vlanId>40</vlanId></vlan>'
    "</val></propSet></objects>"
)


def test_the_distributed_catalog_is_decoded_while_the_read_can_still_fall_back():
    # The catalog is read after the bulk read: a value not understood must be met when it is kept.
    (portgroup,) = ours(reply(DVPORTGROUP.replace("<vlanId>40</vlanId>", "<vlanId>forty</vlanId>")))
    with pytest.raises(FastReadUnsupported, match="not a int"):
        _distributed.DistributedCatalog().add(portgroup)
    (portgroup,) = ours(reply(DVPORTGROUP))
    catalog = _distributed.DistributedCatalog()
    assert catalog.add(portgroup)
    kept = catalog.portgroups[0]["config.defaultPortConfig"]
    assert "_pending" not in kept.__dict__ and "_pending" not in kept.vlan.__dict__ and kept.vlan.vlanId == 40
    assert_same(kept, _gather.object_props(pyvmomi(reply(DVPORTGROUP))[0])["config.defaultPortConfig"])


def test_an_object_handed_out_frees_its_part_of_the_page():
    # Records keep the elements of their fields not read yet; once the caller lets an object go,
    # nothing else (the page, the generator) may keep those elements alive.
    second = HOST.replace("host-20", "host-21")
    stub, _connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, reply(HOST + second))]})
    objects = retrieve(collector_of(stub), [SPEC], 100)
    first = next(objects)
    kept = weakref.ref(first.__dict__["_pending"][1]["propSet"][0])
    assert kept() is not None
    del first
    assert kept() is None
    assert next(objects).obj._moId == "host-21"


NIC_MANAGER = (
    '<objects><obj type="HostSystem">host-24</obj>'
    '<propSet><name>config.virtualNicManagerInfo</name><val xsi:type="HostVirtualNicManagerInfo">'
    "<netConfig><nicType>vmotion</nicType><multiSelectAllowed>true</multiSelectAllowed>"
    "<candidateVnic><device>vmk0</device><key>vmotion.key-vim.host.VirtualNic-vmk0</key><portgroup>pg</portgroup>"
    "<spec><mtu>1500</mtu></spec></candidateVnic>"
    "<candidateVnic><device>vmk1</device><key>vmotion.key-vim.host.VirtualNic-vmk1</key><portgroup>pg</portgroup>"
    "<spec><mtu>big</mtu></spec></candidateVnic>"
    "<selectedVnic>vmotion.key-vim.host.VirtualNic-vmk1</selectedVnic></netConfig>"
    "</val></propSet></objects>"
)


def test_dropped_fields_are_never_parsed_and_refuse_to_be_read():
    stub, _connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, reply(NIC_MANAGER))]})
    (host,) = retrieve(collector_of(stub), [SPEC], 100, dropped=_gather.DROPPED_FIELDS)
    info = _gather.object_props(host)["config.virtualNicManagerInfo"]
    (net_config,) = info.netConfig
    # the candidate with an mtu no parser could read was never looked at: the rest reads as pyVmomi's
    assert (net_config.nicType, net_config.multiSelectAllowed, net_config.selectedVnic) == (
        "vmotion", True, ["vmotion.key-vim.host.VirtualNic-vmk1"])
    assert _host_facts._services_by_key(info) == {"key-vim.host.VirtualNic-vmk1": ["vmotion"]}
    with pytest.raises(FastReadUnsupported, match="candidateVnic was dropped"):
        net_config.candidateVnic  # noqa: B018
    with pytest.raises(FastReadUnsupported, match="not a int"):  # read whole without dropping, it is refused
        fully_decoded(ours(reply(NIC_MANAGER)))


def test_dropped_fields_of_a_gzip_reply():
    # The filter works on the inflated bytes, not on the compressed ones.
    body = gzip.compress(reply(NIC_MANAGER + HOST))
    stub, _connection = fake_stub({"RetrievePropertiesEx": [FakeResponse(200, body, {"Content-Encoding": "gzip"})]})
    nic_manager, host = retrieve(collector_of(stub), [SPEC], 100, dropped=_gather.DROPPED_FIELDS)
    (net_config,) = _gather.object_props(nic_manager)["config.virtualNicManagerInfo"].netConfig
    assert net_config.selectedVnic == ["vmotion.key-vim.host.VirtualNic-vmk1"]
    assert_same([host], pyvmomi(reply(HOST)))
