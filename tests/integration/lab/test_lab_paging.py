"""PropertyCollector paging as vCenter does it: RetrieveOptions.maxObjects with a token,
ContinueRetrievePropertiesEx, CancelRetrievePropertiesEx, the server's own cap of 100 objects per
page, the faults of bad tokens, and a host changed between two pages."""

import pytest
from conftest import all_hosts, connect
from labctl import Lab
from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

PC = vmodl.query.PropertyCollector
PLAIN = ["10.10.0.%d" % i for i in range(11, 20)]  # hosts of the module's own 230-host lab


def view_spec(si, paths=("name",)):
    content = si.content
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    return PC.FilterSpec(
        objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[PC.TraversalSpec(type=vim.view.ContainerView, path="view")])],
        propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=list(paths))])


def pages(si, spec, max_objects=None):
    """Every page of one retrieval: [[host name, ...], ...] and the tokens seen."""
    collector = si.content.propertyCollector
    result = collector.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=max_objects))
    out, tokens = [], []
    while result:
        out.append([oc.propSet[0].val for oc in result.objects])
        if not result.token:
            break
        tokens.append(result.token)
        result = collector.ContinueRetrievePropertiesEx(result.token)
    return out, tokens


def test_max_objects_pages_with_tokens(si):
    got, tokens = pages(si, view_spec(si), max_objects=5)
    assert [len(page) for page in got] == [5, 5, 5, 4]
    assert sorted(name for page in got for name in page) == sorted(all_hosts(si))
    assert len(set(tokens)) == 3
    assert pages(si, view_spec(si))[0] == [[name for page in got for name in page]]  # unset: one page of 19


@pytest.fixture(scope="module")
def big_si(tmp_path_factory):
    with Lab.start(hosts=230, clusters=2, state_dir=str(tmp_path_factory.mktemp("lab"))) as lab:
        si = connect(lab)
        yield si
        Disconnect(si)


@pytest.mark.parametrize("max_objects", [None, 100, 101, 1000])
def test_the_server_caps_a_page_at_100(big_si, max_objects):
    got, _tokens = pages(big_si, view_spec(big_si), max_objects)
    assert [len(page) for page in got] == [100, 100, 30]
    assert len({name for page in got for name in page}) == 230


def test_smaller_max_objects_than_the_cap_is_honoured(big_si):
    got, _tokens = pages(big_si, view_spec(big_si), 99)
    assert [len(page) for page in got] == [99, 99, 32]


def test_cancel_discards_the_retrieval(si):
    collector = si.content.propertyCollector
    result = collector.RetrievePropertiesEx([view_spec(si)], PC.RetrieveOptions(maxObjects=4))
    assert result.token
    collector.CancelRetrievePropertiesEx(result.token)
    with pytest.raises(vmodl.query.InvalidProperty) as continued:
        collector.ContinueRetrievePropertiesEx(result.token)
    assert continued.value.name == "token"
    with pytest.raises(vmodl.query.InvalidProperty) as cancelled_again:
        collector.CancelRetrievePropertiesEx(result.token)
    assert cancelled_again.value.name == "token"


def test_unknown_and_used_tokens_are_invalid(si):
    collector = si.content.propertyCollector
    with pytest.raises(vmodl.query.InvalidProperty) as unknown:
        collector.ContinueRetrievePropertiesEx("no-such-token")
    assert unknown.value.name == "token"
    first = collector.RetrievePropertiesEx([view_spec(si)], PC.RetrieveOptions(maxObjects=10))
    collector.ContinueRetrievePropertiesEx(first.token)  # the last page: 6 hosts, no token
    with pytest.raises(vmodl.query.InvalidProperty):
        collector.ContinueRetrievePropertiesEx(first.token)


def test_a_token_belongs_to_its_session(lab, si):
    first = si.content.propertyCollector.RetrievePropertiesEx([view_spec(si)], PC.RetrieveOptions(maxObjects=10))
    other = connect(lab)
    try:
        with pytest.raises(vmodl.query.InvalidProperty):
            other.content.propertyCollector.ContinueRetrievePropertiesEx(first.token)
    finally:
        Disconnect(other)
    # The foreign attempt did not use the token up.
    assert len(si.content.propertyCollector.ContinueRetrievePropertiesEx(first.token).objects) == 9


def test_max_objects_below_one_is_refused(si):
    with pytest.raises(vmodl.fault.InvalidArgument) as refused:
        si.content.propertyCollector.RetrievePropertiesEx([view_spec(si)], PC.RetrieveOptions(maxObjects=-1))
    assert refused.value.invalidProperty == "maxObjects"


def set_mtu(host, mtu):
    vmk0 = next(v for v in host.config.network.vnic if v.device == "vmk0")
    host.configManager.networkSystem.UpdateVirtualNic("vmk0", vim.host.VirtualNic.Specification(mtu=mtu))
    return vmk0.spec.mtu


def test_a_host_changed_between_pages(big_si):
    """Objects are read when their page is served: a change after page 1 shows in later pages
    only, and every host reads whole (its vmknic list and its MTU from one moment)."""
    si = big_si
    by_name = all_hosts(si)
    plain = [by_name[name] for name in PLAIN]
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=h) for h in plain],
                         propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=["name", "config.network.vnic"])])
    collector = si.content.propertyCollector
    early, late = plain[0], plain[4]
    result = collector.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=3))
    read = {}
    before = (set_mtu(early, 1600), set_mtu(late, 1600))
    try:
        while result:
            for oc in result.objects:
                props = {p.name: p.val for p in oc.propSet}
                read[props["name"]] = [v.spec.mtu for v in props["config.network.vnic"] if v.device == "vmk0"]
            result = collector.ContinueRetrievePropertiesEx(result.token) if result.token else None
    finally:
        set_mtu(early, before[0])
        set_mtu(late, before[1])
    assert list(read) == PLAIN
    assert read[early.name] == [before[0]] and read[late.name] == [1600]
