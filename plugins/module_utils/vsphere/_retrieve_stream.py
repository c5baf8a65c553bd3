# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our own parse of paged PropertyCollector retrievals (RetrievePropertiesEx and
ContinueRetrievePropertiesEx), for the bulk read of _gather.

pyVmomi turns a SOAP reply into objects through a pure-Python expat handler and type-checked
DataObject attribute writes; for the bulk read of a large vCenter that is most of a module's
time. Here the stdlib's C parser (``xml.etree.ElementTree``) builds each page's tree while its
bytes arrive, and one walk turns the tree into light records typed by pyVmomi's own VMODL
metadata (``GetWsdlType``, ``_GetPropertyList``, ``GetCompatibleType``): no hand-written schema,
so any property path of any managed object type is read the same way. Only one page is held at a
time.

Everything else stays pyVmomi's: the request is the stub's own ``SerializeRequest``, it goes out
on the stub's connection pool (host, port, TLS context, proxy tunnel, session cookie, custom
headers) and a SOAP fault is deserialized by pyVmomi and raised as the same MethodFault the
pyVmomi path would raise. Anything this parser does not understand raises
``FastReadUnsupported``; the caller then reads with pyVmomi instead (never a guess).

Records (``VmodlData``) answer attribute reads like pyVmomi's data objects: a set field gives its
value, an unset one the default pyVmomi gives it (``[]`` for arrays, ``None`` for optional
fields, ...), a name the type does not have raises AttributeError. ``vmodl_isinstance`` is the
type test that works for both.

Lazy decoding: the C parser builds a page's tree cheaply, walking it in Python is not, and most
of a host's bytes are in fields the facts never read (``config.virtualNicManagerInfo`` carries a
full HostVirtualNic of every candidate vmknic of every nicType). So a record decodes its scalar
fields when it is made, and keeps the elements of a field holding data objects, arrays of them or
references until that field is first read; then it decodes them, once. A record keeps only its
own fields' elements, not the page: ``retrieve`` lets each object go as it hands it out, so each
object's part of the tree is freed once the caller is done with it. What the parser does not
understand inside a field is therefore raised when the field is read: callers read what they
need while they can still fall back (``_gather`` builds each host's facts inside the bulk read),
and ``fully_decoded`` decodes a record whole where it is kept for later.
"""

from __future__ import annotations

import base64
import http.client
import io
import re
from xml.etree import ElementTree
import zlib
from typing import Any, Callable, Iterator

from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._connection import HAS_PYVMOMI
from ansible_collections.vmkernel.multihoming.plugins.module_utils.vsphere._element_filter import ElementFilter

if HAS_PYVMOMI:
    from pyVmomi import Iso8601, SoapAdapter, VmomiSupport, vmodl

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
READ_CHUNK = 256 * 1024
_MAX_FAULT_BYTES = 4 * 1024 * 1024


class FastReadUnsupported(Exception):
    """The reply holds something this parser does not understand; read it with pyVmomi."""


class VmodlData:
    """A data object read from the wire, typed by pyVmomi's metadata (see module docstring).

    Its scalar fields are decoded when it is made; a field holding data objects, arrays of them
    or managed object references is decoded on first read, from the elements kept for it (see
    "Lazy decoding" in the module docstring)."""

    def __init__(self, vmodl_type: type) -> None:
        self._vmodl_type = vmodl_type

    def __getattr__(self, name: str) -> Any:
        # Called only for fields not decoded yet: kept elements, or not set by the reply.
        values = self.__dict__
        pending = values.get("_pending")
        if pending is not None:
            decoder, elements = pending
            kept = elements.get(name)
            if kept is _DROPPED:
                raise FastReadUnsupported(f"{name} was dropped from the reply unread (the caller said it reads no {name})")
            if kept is not None:
                del elements[name]
                if not elements:
                    del values["_pending"]
                value = values[name] = decoder.field_value(values["_vmodl_type"], name, kept)
                return value
        default = _type_info(values["_vmodl_type"]).defaults.get(name, _NO_FIELD)
        if default is _NO_FIELD:
            raise AttributeError(name)
        return default()

    def __repr__(self) -> str:
        # What is decoded so far, and the names of the fields not read yet (a repr decodes nothing).
        fields = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        pending = self.__dict__.get("_pending")
        later = f", not read yet: {sorted(pending[1])}" if pending is not None else ""
        return f"{VmomiSupport.GetWsdlName(self._vmodl_type)}({fields}{later})"


def fully_decoded(value: Any) -> Any:
    """``value`` (a record, or a list or dict of them) with every field of every record in it
    decoded now: for records kept beyond the read of their page, so that anything not understood
    is raised while the caller can still fall back to pyVmomi."""
    if isinstance(value, (list, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            fully_decoded(item)
    elif isinstance(value, VmodlData):
        pending = value.__dict__.get("_pending")
        for name in list(pending[1]) if pending is not None else ():
            getattr(value, name)
        for name, field in value.__dict__.items():
            if not name.startswith("_"):
                fully_decoded(field)
    return value


def vmodl_isinstance(value: Any, vmodl_type: type) -> bool:
    """isinstance for pyVmomi objects and VmodlData records alike."""
    if isinstance(value, VmodlData):
        return issubclass(value._vmodl_type, vmodl_type)
    return isinstance(value, vmodl_type)


def object_props(object_content: Any) -> dict[str, Any]:
    """An ObjectContent's properties (pyVmomi's or this parser's) as path -> value."""
    return {prop.name: prop.val for prop in object_content.propSet or ()}


def vmodl_type_name(value: Any) -> str:
    """The VMODL wire name of a value's type (``HostInternetScsiHba``, ``NoPermission``)."""
    vmodl_type = value._vmodl_type if isinstance(value, VmodlData) else type(value)
    return VmomiSupport.GetWsdlName(vmodl_type)


_NO_FIELD = object()
_DROPPED = object()  # stands for the elements of a field dropped before parsing (retrieve's skip)


def _none() -> None:
    return None


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


class _TypeInfo:
    """Per data object type: its fields by wire name and pyVmomi's default for each."""

    __slots__ = ("fields", "defaults")

    def __init__(self, vmodl_type: type) -> None:
        self.fields: dict[str, tuple[str, type, bool]] = {}
        self.defaults: dict[str, Callable[[], Any]] = {}
        for prop in vmodl_type._GetPropertyList():
            prop_type = prop.type
            is_array = issubclass(prop_type, list)
            self.fields[prop.name] = (prop.name, prop_type, is_array)
            self.defaults[prop.name] = _default(prop_type, prop.flags)


def _default(prop_type: type, flags: int) -> Callable[[], Any]:
    # The same choice as pyVmomi's DataObject.__init__.
    if issubclass(prop_type, list):
        return list
    if flags & VmomiSupport.F_OPTIONAL:
        return _none
    if prop_type is bool:
        return _constant(False)
    if issubclass(prop_type, VmomiSupport.Enum):
        return _none
    if issubclass(prop_type, str):
        return _constant("")
    if issubclass(prop_type, (int, float)):
        return _constant(prop_type(0))
    return _none


_TYPE_INFO: dict[type, _TypeInfo] = {}


def _type_info(vmodl_type: type) -> _TypeInfo:
    info = _TYPE_INFO.get(vmodl_type)
    if info is None:
        info = _TYPE_INFO[vmodl_type] = _TypeInfo(vmodl_type)
    return info


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_bool(text: str | None) -> bool:
    if text in ("1", "true", "True"):
        return True
    if text in ("0", "false", "False"):
        return False
    raise FastReadUnsupported(f"not a boolean: {text!r}")


class _Decoder:
    """Turns the elements of one reply into values of the declared (or xsi:type) VMODL type."""

    def __init__(self, stub: Any, namespaces: dict[str, str], dropped: tuple[str, ...] = ()) -> None:
        self.stub = stub
        self.dropped = frozenset(dropped)
        self.version = getattr(stub, "version", None)
        self.namespaces = namespaces
        self.resolved: dict[tuple[str, type], type] = {}
        self.compatible: dict[type, type] = {}
        # declared type -> xsi:type (or None) -> how to read such an element; filled as met.
        self.steps: dict[type, dict[str | None, Callable[[ElementTree.Element], Any]]] = {}
        self.data_readers: dict[type, Callable[[ElementTree.Element], VmodlData]] = {}

    def _compatible(self, vmodl_type: type) -> type:
        compatible = self.compatible.get(vmodl_type)
        if compatible is None:
            compatible = vmodl_type
            if self.version:
                compatible = VmomiSupport.GetCompatibleType(vmodl_type, self.version)
            self.compatible[vmodl_type] = compatible
        return compatible

    def _qualified(self, qname: str) -> tuple[str, str]:
        prefix, _sep, name = qname.rpartition(":")
        namespace = self.namespaces.get(prefix)
        if namespace is None:
            raise FastReadUnsupported(f"undeclared namespace prefix in {qname!r}")
        return namespace, name

    def _xsi_type(self, qname: str, declared: type) -> type:
        key = (qname, declared)
        found = self.resolved.get(key)
        if found is not None:
            return found
        namespace, name = self._qualified(qname)
        try:
            dynamic = VmomiSupport.GetWsdlType(namespace, name)
        except KeyError:
            if name.endswith("ManagedObjectReference"):
                dynamic = VmomiSupport.ManagedObject
            else:
                raise FastReadUnsupported(f"unknown type {qname!r}") from None
        if issubclass(dynamic, list) and issubclass(declared, list):
            dynamic = declared  # pyVmomi keeps the declared array type
        elif not (declared is object or issubclass(dynamic, declared)
                  or (issubclass(declared, VmomiSupport.ManagedObject) and dynamic is VmomiSupport.ManagedObject)):
            raise FastReadUnsupported(f"{qname!r} where {VmomiSupport.GetWsdlName(declared)} is declared")
        self.resolved[key] = dynamic
        return dynamic

    def value(self, elem: ElementTree.Element, declared: type) -> Any:
        """The value of ``elem`` whose declared type is ``declared`` (as pyVmomi's deserializer)."""
        steps = self.steps.get(declared)
        if steps is None:
            steps = self.steps[declared] = {}
        qname = elem.get(XSI_TYPE)
        step = steps.get(qname)
        if step is None:
            step = steps[qname] = self._step(declared, qname)
        return step(elem)

    def _final_type(self, declared: type, qname: str | None) -> type:
        vmodl_type = declared
        if qname is not None and not SoapAdapter.isDynamicType(declared):
            vmodl_type = self._xsi_type(qname, declared)
        elif qname is None and issubclass(declared, list):
            vmodl_type = declared.Item
        return self._compatible(vmodl_type)

    def _step(self, declared: type, qname: str | None) -> Callable[[ElementTree.Element], Any]:
        """How to read an element of this declared type and xsi:type; chosen once per pair."""
        vmodl_type = self._final_type(declared, qname)
        if issubclass(vmodl_type, list):
            item = vmodl_type.Item
            return lambda elem: [self.value(child, item) for child in elem]
        if issubclass(vmodl_type, VmomiSupport.ManagedObject):
            return self._reference
        if issubclass(vmodl_type, Exception):
            # A fault inside a value travels as a LocalizedMethodFault (pyVmomi reads it so too).
            return self._localized_fault
        if issubclass(vmodl_type, VmomiSupport.DataObject):
            return self._data_reader(vmodl_type)
        scalar = self._text_reader(vmodl_type)
        return lambda elem: scalar(elem.text)

    def _text_reader(self, vmodl_type: type) -> Callable[[str | None], Any]:
        """Text -> value; the names of types and methods resolve against the reply's namespaces."""
        if vmodl_type is type:
            return self._type_name
        if vmodl_type is VmomiSupport.ManagedMethod:
            return self._method_name
        return _scalar_reader(vmodl_type)

    def _named(self, text: str, exact: Callable[[str, str], Any], guess: Callable[[str], Any]) -> Any:
        """A type or method by its wire name, as pyVmomi resolves it; KeyError when unknown."""
        prefix, _sep, name = text.rpartition(":")
        try:
            return exact(self.namespaces.get(prefix, VmomiSupport.XMLNS_VMODL_BASE), name)
        except KeyError:
            return guess(name)

    def _type_name(self, text: str | None) -> type | None:
        # A TypeName (e.g. CustomFieldDef.managedObjectType) is the type itself, as pyVmomi gives it.
        if not text:
            return None
        try:
            return self._named(text, VmomiSupport.GetWsdlType, VmomiSupport.GuessWsdlType)
        except KeyError:
            raise FastReadUnsupported(f"unknown type name {text!r}") from None

    def _method_name(self, text: str | None) -> Any:
        try:
            return self._named(text or "", VmomiSupport.GetWsdlMethod, VmomiSupport.GuessWsdlMethod)
        except KeyError:
            return VmomiSupport.UnknownManagedMethod((text or "").rpartition(":")[2])

    def _field(self, info: _TypeInfo, tag: str) -> tuple[str, type, bool, Callable[[str | None], Any] | None] | None:
        field = info.fields.get(tag.rpartition("}")[2])
        if field is None:
            return None  # a field of a newer API than pyVmomi's: nothing we read depends on it
        name, field_type, is_array = field
        leaf_type = self._final_type(field_type, None)
        leaf = None
        if not issubclass(leaf_type, (list, VmomiSupport.ManagedObject, VmomiSupport.DataObject)):
            leaf = self._text_reader(leaf_type)
        return name, field_type, is_array, leaf

    def _data_reader(self, vmodl_type: type) -> Callable[[ElementTree.Element], VmodlData]:
        reader = self.data_readers.get(vmodl_type)
        if reader is None:
            reader = self.data_readers[vmodl_type] = self._new_data_reader(vmodl_type)
        return reader

    def _new_data_reader(self, vmodl_type: type) -> Callable[[ElementTree.Element], VmodlData]:
        info = _type_info(vmodl_type)
        by_tag: dict[str, Any] = {}
        dropped = tuple(name for name in info.fields if name in self.dropped)

        def read(elem: ElementTree.Element) -> VmodlData:
            record = VmodlData(vmodl_type)
            values = record.__dict__
            kept: dict[str, list[ElementTree.Element]] | None = None
            for child in elem:
                tag = child.tag
                field = by_tag.get(tag, _NO_FIELD)
                if field is _NO_FIELD:
                    field = by_tag[tag] = self._field(info, tag)
                if field is None:
                    continue
                name, field_type, is_array, leaf = field
                if leaf is None:  # data objects, references, arrays of them: decoded on first read
                    if kept is None:
                        kept = {}
                    elements = kept.get(name)
                    if elements is None:
                        kept[name] = [child]
                    elif is_array:
                        elements.append(child)
                    else:
                        raise FastReadUnsupported(f"{name} given twice in {VmomiSupport.GetWsdlName(vmodl_type)}")
                    continue
                if child.get(XSI_TYPE) is None:
                    value = leaf(child.text)
                else:
                    value = self.value(child, field_type)
                if is_array and not isinstance(value, list):
                    values.setdefault(name, []).append(value)
                elif name in values:
                    raise FastReadUnsupported(f"{name} given twice in {VmomiSupport.GetWsdlName(vmodl_type)}")
                else:
                    values[name] = value
            if dropped:
                kept = kept or {}
                for name in dropped:
                    kept[name] = _DROPPED
            if kept is not None:
                values["_pending"] = (self, kept)
            return record
        return read

    def field_value(self, vmodl_type: type, name: str, elements: list[ElementTree.Element]) -> Any:
        """The value of field ``name`` of a ``vmodl_type`` record, from the elements kept for it."""
        _name, field_type, is_array = _type_info(vmodl_type).fields[name]
        result: Any = _NO_FIELD
        for child in elements:
            value = self.value(child, field_type)
            if is_array and not isinstance(value, list):
                if result is _NO_FIELD:
                    result = []
                result.append(value)
            elif result is not _NO_FIELD:
                raise FastReadUnsupported(f"{name} given twice in {VmomiSupport.GetWsdlName(vmodl_type)}")
            else:
                result = value
        return result

    def _localized_fault(self, elem: ElementTree.Element) -> VmodlData:
        """pyVmomi hands out the fault itself, its ``msg`` taken from localizedMessage."""
        fault = None
        message = VmodlData(vmodl.LocalizedMethodFault).localizedMessage
        for child in elem:
            name = _local(child.tag)
            if name == "fault":
                fault_type = self._final_type(vmodl.MethodFault, child.get(XSI_TYPE))
                if not issubclass(fault_type, VmomiSupport.DataObject):
                    raise FastReadUnsupported("a fault that is not a data object")
                fault = fully_decoded(self._data_reader(fault_type)(child))
            elif name == "localizedMessage":
                message = child.text or ""
        if fault is None:
            raise FastReadUnsupported("LocalizedMethodFault without a fault")
        fault.__dict__["msg"] = message
        return fault

    def _reference(self, elem: ElementTree.Element) -> Any:
        if elem.get("serverGuid") is not None:
            raise FastReadUnsupported("managed object reference with a serverGuid")
        type_name = elem.get("type")
        if not type_name:
            raise FastReadUnsupported("managed object reference without a type")
        key = (type_name, VmomiSupport.ManagedObject)
        managed_type = self.resolved.get(key)
        if managed_type is None:
            prefix, _sep, name = type_name.rpartition(":")
            namespace = self.namespaces.get(prefix) if prefix else VmomiSupport.XMLNS_VMODL_BASE
            try:
                managed_type = VmomiSupport.GetWsdlType(namespace, name)
            except KeyError:
                raise FastReadUnsupported(f"unknown managed object type {type_name!r}") from None
            self.resolved[key] = managed_type
        return managed_type(elem.text or "", self.stub)


def _scalar_reader(vmodl_type: type) -> Callable[[str | None], Any]:
    """Text -> value for a simple type, as pyVmomi's deserializer converts it."""
    if vmodl_type in (str, VmomiSupport.PropertyPath, VmomiSupport.Link) or issubclass(vmodl_type, VmomiSupport.Enum):
        # An enum value pyVmomi does not know (newer API) is kept as the server's string.
        return lambda text: text or ""
    if vmodl_type is bool:
        return _parse_bool
    if issubclass(vmodl_type, (int, float)):
        number = int if issubclass(vmodl_type, int) else float
        name = VmomiSupport.GetWsdlName(vmodl_type)

        def parse_number(text: str | None) -> Any:
            try:
                return number(text or "")
            except ValueError:
                raise FastReadUnsupported(f"not a {name}: {text!r}") from None
        return parse_number
    if vmodl_type is VmomiSupport.binary:
        return lambda text: VmomiSupport.binary(base64.b64decode(text or ""))
    if vmodl_type is VmomiSupport.datetime:
        def parse_datetime(text: str | None) -> Any:
            parsed = Iso8601.ParseISO8601(text or "")
            if parsed is None:
                raise FastReadUnsupported(f"not a dateTime: {text!r}")
            return parsed
        return parse_datetime
    name = getattr(vmodl_type, "__name__", str(vmodl_type))

    def unsupported(_text: str | None) -> Any:
        raise FastReadUnsupported(f"values of type {name} are not read here")
    return unsupported


# ---------------------------------------------------------------------------------------------
# One SOAP call whose reply is parsed here


_NAMESPACE_DECLARATION = re.compile(rb"""xmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CARRY = 1024  # a declaration split across two chunks is found in the next scan


class _PageParser:
    """Fed the bytes of one reply as they arrive; ``close`` gives the tree.

    Resolving an xsi:type value needs the namespace its prefix is bound to. Asking the C parser
    for namespace events triples its time, so declarations are found by a scan of the raw bytes,
    into one flat map; a prefix bound to two namespaces in one reply (legal XML, but seen from no
    vSphere server) makes the reply unsupported rather than resolved by guess.
    """

    def __init__(self, encoding: str, dropped: tuple[str, ...] = ()) -> None:
        self.parser = ElementTree.XMLParser()
        self.filter = ElementFilter(dropped, FastReadUnsupported) if dropped else None
        self.namespaces: dict[str, str] = {}
        self.tail = b""
        self.inflate = None
        if encoding == "gzip":
            self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip framing
        elif encoding not in ("", "identity"):
            raise FastReadUnsupported(f"Content-Encoding {encoding}")

    def feed(self, chunk: bytes) -> None:
        if self.inflate is not None:
            try:
                chunk = self.inflate.decompress(chunk)
            except zlib.error as error:
                raise FastReadUnsupported(f"bad compressed reply: {error}") from None
        self._feed_xml(chunk)

    def _feed_xml(self, chunk: bytes) -> None:
        self._declarations(self.tail + chunk)
        self.tail = chunk[-_CARRY:]
        self._parse(self.filter.feed(chunk) if self.filter is not None else chunk)

    def _parse(self, chunk: bytes) -> None:
        try:
            self.parser.feed(chunk)
        except ElementTree.ParseError as error:
            raise FastReadUnsupported(f"malformed XML: {error}") from None

    def _declarations(self, data: bytes) -> None:
        if b"xmlns" not in data:
            return
        for prefix, double_quoted, single_quoted in _NAMESPACE_DECLARATION.findall(data):
            key = prefix.decode()
            uri = (double_quoted or single_quoted).decode()
            if self.namespaces.setdefault(key, uri) != uri:
                raise FastReadUnsupported(f"namespace prefix {key!r} bound to two namespaces")

    def inflated(self, raw: bytes) -> bytes:
        """A whole (small) reply body, decompressed."""
        if self.inflate is None:
            return raw
        try:
            return self.inflate.decompress(raw) + self.inflate.flush()
        except zlib.error as error:
            raise FastReadUnsupported(f"bad compressed reply: {error}") from None

    def close(self) -> ElementTree.Element:
        if self.inflate is not None:
            self._feed_xml(self.inflate.flush())
        if self.filter is not None:
            self._parse(self.filter.close())
        try:
            return self.parser.close()
        except ElementTree.ParseError as error:
            raise FastReadUnsupported(f"malformed XML: {error}") from None


def _headers(stub: Any) -> dict[str, str]:
    # The headers pyVmomi's SoapStubAdapter.InvokeMethod sends.
    headers = {
        "Cookie": stub.cookie,
        "SOAPAction": stub.versionId,
        "Content-Type": f"text/xml; charset={SoapAdapter.XML_ENCODING}",
        "User-Agent": "vmkernel.multihoming (pyVmomi stub)",
    }
    headers.update(getattr(stub, "_customHeaders", None) or {})
    if getattr(stub, "_acceptCompressedResponses", True):
        headers["Accept-Encoding"] = "gzip, deflate"
    return headers


def _raise_fault(stub: Any, body: bytes, info: Any) -> None:
    """Raise the MethodFault of a SOAP fault reply exactly as pyVmomi would."""
    try:
        fault = SoapAdapter.SoapResponseDeserializer(stub).Deserialize(io.BytesIO(body), info.result)
    except Exception as error:
        raise FastReadUnsupported(f"unreadable fault reply: {error}") from None
    if not isinstance(fault, Exception):
        raise FastReadUnsupported("error reply without a SOAP fault")
    raise fault


def call(stub: Any, this: Any, method: str, args: list[Any], timeout: float | None = None,
         dropped: tuple[str, ...] = ()) -> Any:
    """Invoke ``method`` of managed object ``this`` through the pyVmomi ``stub``'s own session and
    connection pool, and parse its reply here: the method's declared result (a VmodlData record,
    or None). ``timeout`` bounds each socket read (seconds; None: the stub's own setting).
    ``dropped``: names of fields whose elements are dropped unparsed (_element_filter); reading
    such a field of a record raises FastReadUnsupported."""
    if not isinstance(stub, SoapAdapter.SoapStubAdapter):
        raise FastReadUnsupported(f"a {type(stub).__name__} stub")
    info = type(this)._GetMethodInfo(method)
    body = stub.SerializeRequest(this, info, args)
    for modifier in stub.requestModifierList:
        body = modifier(body)
    conn = stub.GetConnection()
    try:
        if timeout is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        conn.request("POST", stub.path, body, _headers(stub))
        response = conn.getresponse()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            stub.cookie = cookie
        if response.status not in (200, 500):
            response.read()
            raise http.client.HTTPException(f"{response.status} {response.reason}")
        encoding = (response.getheader("Content-Encoding") or "identity").lower()
        page = _PageParser(encoding, dropped)
        if response.status == 500:
            raw = response.read(_MAX_FAULT_BYTES)
            response.read()
            _raise_fault(stub, page.inflated(raw), info)
        while True:
            chunk = response.read(READ_CHUNK)
            if not chunk:
                break
            page.feed(chunk)
        root = page.close()
    except BaseException:
        conn.close()
        raise
    if timeout is not None:
        default_timeout = stub.schemeArgs.get("timeout")
        conn.timeout = default_timeout
        if conn.sock is not None:
            conn.sock.settimeout(default_timeout)
    stub.ReturnConnection(conn)
    return _result(stub, root, page.namespaces, info, dropped)


def _result(stub: Any, root: ElementTree.Element, namespaces: dict[str, str], info: Any,
            dropped: tuple[str, ...] = ()) -> Any:
    body = root.find(f"{{{SOAP_ENV}}}Body") if root.tag == f"{{{SOAP_ENV}}}Envelope" else None
    if body is None or len(body) != 1:
        raise FastReadUnsupported("not a SOAP envelope with one body element")
    response = body[0]
    if response.tag == f"{{{SOAP_ENV}}}Fault":
        _raise_fault(stub, ElementTree.tostring(root), info)
    if _local(response.tag) != info.wsdlName + "Response":
        raise FastReadUnsupported(f"reply {_local(response.tag)} to {info.wsdlName}")
    returned = [child for child in response if _local(child.tag) == "returnval"]
    if not returned:
        return None
    if len(returned) > 1:
        raise FastReadUnsupported("more than one returnval")
    return _Decoder(stub, namespaces, dropped).value(returned[0], info.result)


def retrieve(collector: Any, spec_set: list[Any], max_objects: int,
             timeout: float | None = None, dropped: tuple[str, ...] = ()) -> Iterator[VmodlData]:
    """ObjectContent records of a paged RetrievePropertiesEx on ``collector`` (a pyVmomi
    PropertyCollector), page after page; one page is held at a time. Stopping early cancels the
    retrieval on the server."""
    stub = collector._stub
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=max_objects)
    result = call(stub, collector, "RetrievePropertiesEx", [spec_set, options], timeout, dropped)
    token = None
    try:
        while result is not None:
            token, objects = result.token, result.objects
            result = None
            # Handed out one by one and let go: a record keeps the elements of its own fields
            # only, so each object's part of the page is freed once the caller is done with it.
            objects.reverse()
            while objects:
                yield objects.pop()
            if not token:
                break
            continued, token = token, None  # used up by the call, whatever it returns
            result = call(stub, collector, "ContinueRetrievePropertiesEx", [continued], timeout, dropped)
    finally:
        if token:
            _cancel(collector, token)


def _cancel(collector: Any, token: str) -> None:
    try:
        collector.CancelRetrievePropertiesEx(token=token)
    except Exception:  # best effort: the server drops the retrieval with the session anyway
        pass
