# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renderer tests on a hand-made result (report_samples), so they pin the renderers alone."""

from __future__ import annotations

import html.parser
import json
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.vmkernel.multihoming.plugins.module_utils._reports import (
    render_html,
    render_json,
    render_junit,
    render_markdown,
)
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.module_utils.report_samples import (
    clone,
    finding,
    sample_hosts,
    sample_result,
)

EVIL = '<script>alert("x")</script>&"\''


@pytest.fixture
def result():
    return sample_result()


@pytest.fixture
def hosts():
    return sample_hosts()


# ------------------------------------------------------------------------------------- JSON


def test_json_round_trips_the_report_keys_only(result):
    result["changed"] = False  # Ansible bookkeeping of a module result stays out of the report
    result["invocation"] = {"module_args": {}}
    doc = json.loads(render_json(result))
    assert sorted(doc) == ["findings", "generated", "scope", "summary"]
    assert doc["findings"] == result["findings"]
    assert doc["summary"] == result["summary"]


def test_json_is_deterministic_and_sorted(result):
    text = render_json(result)
    assert text == render_json(clone(result))
    assert text.endswith("}\n")
    assert text.index('"findings"') < text.index('"generated"') < text.index('"summary"')


def test_json_of_an_empty_result():
    assert json.loads(render_json({})) == {"findings": [], "summary": {}}


# --------------------------------------------------------------------------------- Markdown


def test_markdown_headline_and_summary(result, hosts):
    md = render_markdown(result, hosts)
    assert md.startswith("# VMkernel multi-homing audit\n")
    assert "Generated: 2026-03-01T12:00:00Z  \nScope: vcenter.lab.example (all datacenters)" in md
    assert "**4 errors, 1 warning, 4 info; 5 of 6 hosts audited; 1 not audited; 3 hosts with errors.**" in md
    assert "| hosts with errors | 3 |" in md


def test_markdown_finding_rows(result, hosts):
    md = render_markdown(result, hosts)
    assert (
        "| error | `management-shares-subnet` | esx-a01.lab.example | DC-East / Compute-A | `defaultTcpipStack` "
        "| `10.10.1.0/24` | `vmk0, vmk1` | `vmk0` | vmk0 (management) shares 10.10.1.0/24 with vmk1 (vMotion) on "
        "defaultTcpipStack; vMotion traffic leaves through vmk0 |"
    ) in md
    assert (
        "| warning | `host-not-audited` | esx-b02.lab.example | DC-East / Storage-B |  |  |  |  | "
        "esx-b02.lab.example is notResponding; its network configuration was not audited |"
    ) in md
    assert "| error | `ipv4-overlapping-subnet` | esx-w01.lab.example | DC-West / (standalone) |" in md
    # one row per finding, in the result's order
    rows = [line for line in md.splitlines() if re.match(r"\| (error|warning|info) \| `", line)]
    assert len(rows) == len(result["findings"])
    assert [r.split("`")[1] for r in rows] == [f["rule"] for f in result["findings"]]


def test_markdown_rules_remediation_and_hosts(result, hosts):
    md = render_markdown(result, hosts)
    assert re.search(r"^\| `management-shares-subnet` \| .+ \| 2 \| 2 \| 0 \| 0 \|$", md, re.M)
    assert "### `host-not-audited`: " in md
    assert "Reconnect the host to vCenter and run the audit again." in md
    assert "Reference: vSphere API HostSystem.runtime.connectionState" in md
    assert "| esx-a02.lab.example | DC-East / Compute-A | audited | 0 | 0 | 0 |" in md
    assert "| esx-b02.lab.example | DC-East / Storage-B | not audited (notResponding) | 0 | 1 | 0 |" in md


def test_markdown_without_hosts_has_no_host_table(result):
    assert "## Hosts" not in render_markdown(result)


def test_markdown_escapes_cells(result):
    result["findings"][0]["message"] = "a | b <b>bold</b> *x* [l](u)\nnext"
    result["findings"][0]["stack"] = "st|ack"
    md = render_markdown(result)
    assert r"a \| b \<b\>bold\</b\> \*x\* \[l\](u) next" in md
    assert r"`st\|ack`" in md
    # every table row still has the header's number of cells
    table = md.split("## Findings\n", 1)[1].strip().split("\n\n")[0].splitlines()
    assert len(table) == 2 + len(result["findings"])
    counts = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert counts == {10}


def test_markdown_allowed_finding(result):
    result["findings"][5]["allowed"] = {"reason": "CHG-42 accepted", "match": {"host": "esx-a01.lab.example"}}
    assert "_(allowed: CHG\\-42 accepted)_" not in render_markdown(result)  # hyphen is not escaped
    assert "_(allowed: CHG-42 accepted)_" in render_markdown(result)


def test_markdown_no_findings():
    md = render_markdown({"findings": [], "summary": {"hosts_total": 2, "hosts_audited": 2}})
    assert "No findings." in md
    assert "**0 errors, 0 warnings, 0 info; 2 of 2 hosts audited; 0 hosts with errors.**" in md


# ------------------------------------------------------------------------------------ JUnit


def _suite(xml_text):
    root = ET.fromstring(xml_text.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return root, suites[0]


def _cases(suite):
    return {c.get("name"): c for c in suite.findall("testcase")}


def test_junit_one_testcase_per_host_with_classname(result, hosts):
    root, suite = _suite(render_junit(result, hosts=hosts))
    cases = _cases(suite)
    assert list(cases) == [h["name"] for h in hosts]  # every host, audited or not, in order
    assert cases["esx-a01.lab.example"].get("classname") == "DC-East.Compute-A"
    assert cases["esx-b01.lab.example"].get("classname") == "DC-East.Storage-B"
    assert cases["esx-w01.lab.example"].get("classname") == "DC-West"  # standalone
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors"), element.get("skipped")) == (
            "6", "3", "0", "1"
        )


def test_junit_failures_at_error_threshold(result, hosts):
    suite = _suite(render_junit(result, "error", hosts))[1]
    cases = _cases(suite)
    b01 = cases["esx-b01.lab.example"].findall("failure")
    assert [(f.get("type"), f.get("message")) for f in b01] == [
        ("ipv4-same-subnet", result["findings"][1]["message"]),
        ("management-shares-subnet", result["findings"][2]["message"]),
    ]
    assert "misrouted: vmk3 (vSphereReplication) leaves through vmk1" in b01[0].text
    assert "remediation: " in b01[0].text and "reference: VMware KB 318546" in b01[0].text
    assert cases["esx-a02.lab.example"].find("failure") is None
    assert list(cases["esx-a02.lab.example"]) == []  # clean host: an empty, passing testcase
    # info findings below the threshold go to system-out
    a01 = cases["esx-a01.lab.example"]
    assert [f.get("type") for f in a01.findall("failure")] == ["management-shares-subnet"]
    assert "[info] gateway-override-ineffective:" in a01.find("system-out").text
    a03 = cases["esx-a03.lab.example"]
    assert a03.find("failure") is None
    assert "multi-nic-vmotion" in a03.find("system-out").text


def test_junit_not_audited_host_is_skipped_below_threshold(result, hosts):
    suite = _suite(render_junit(result, "error", hosts))[1]
    b02 = _cases(suite)["esx-b02.lab.example"]
    skipped = b02.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "esx-b02.lab.example is notResponding; its network configuration was not audited"
    assert b02.find("failure") is None


def test_junit_warning_threshold_fails_not_audited_host(result, hosts):
    root, suite = _suite(render_junit(result, "warning", hosts))
    b02 = _cases(suite)["esx-b02.lab.example"]
    assert [f.get("type") for f in b02.findall("failure")] == ["host-not-audited"]
    assert b02.find("skipped") is None
    assert (root.get("failures"), root.get("skipped")) == ("4", "0")


def test_junit_info_threshold_fails_every_host_with_findings(result, hosts):
    root, suite = _suite(render_junit(result, "info", hosts))
    assert root.get("failures") == "5"
    assert sum(len(c.findall("failure")) for c in suite) == len(result["findings"])
    assert not suite.findall(".//system-out")


def test_junit_without_hosts_lists_hosts_with_findings(result):
    suite = _suite(render_junit(result))[1]
    assert sorted(_cases(suite)) == sorted({f["host"] for f in result["findings"]})


def test_junit_properties_and_timestamp(result):
    suite = _suite(render_junit(result, "warning"))[1]
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {"scope": "vcenter.lab.example (all datacenters)", "threshold": "warning"}
    assert suite.get("timestamp") == "2026-03-01T12:00:00Z"


def test_junit_escapes_and_strips_invalid_characters(result, hosts):
    result["findings"][0]["message"] = EVIL + "\x00\x1b bell\x07"
    result["findings"][0]["host"] = hosts[0]["name"] = "esx<&>\"01"
    text = render_junit(result, hosts=hosts)
    suite = _suite(text)[1]  # parses: valid XML
    case = _cases(suite)['esx<&>"01']
    assert case.find("failure").get("message") == EVIL + " bell"
    assert "<script>" not in text


def test_junit_rejects_unknown_threshold(result):
    with pytest.raises(ValueError, match="threshold must be one of error, warning, info"):
        render_junit(result, "critical")


def test_junit_threshold_never_fails_nothing(result, hosts):
    suite = _suite(render_junit(result, "never", hosts=hosts))[1]
    assert suite.get("failures") == "0"
    assert all(case.find("failure") is None for case in _cases(suite).values())
    assert any(case.find("system-out") is not None for case in _cases(suite).values())


def test_junit_empty():
    root, suite = _suite(render_junit({"findings": [], "summary": {}}))
    assert root.get("tests") == "0" and suite.findall("testcase") == []


# ------------------------------------------------------------------------------------- HTML


class _Collector(html.parser.HTMLParser):
    """Collects tags, attributes and text; HTMLParser is lenient, so balance is checked by hand."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.stack, self.errors = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s>, open: %s" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page):
    c = _Collector()
    c.feed(page)
    c.close()
    return c


def test_html_is_well_formed_and_self_contained(result, hosts):
    page = render_html(result, hosts)
    c = _parse(page)
    assert c.errors == [] and c.stack == []
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    # nothing is loaded from anywhere: no scripts, no external styles, images or fonts
    assert "script" not in c.tags and "link" not in c.tags and "img" not in c.tags
    for pattern in ("http://", "https://", "src=", "@import", "url("):
        assert pattern not in page, pattern
    assert all(not a.get("href") or a["href"].startswith("#") for dummy_tag, a in c.attrs)


def test_html_internal_links_resolve(result, hosts):
    c = _parse(render_html(result, hosts))
    ids = [a["id"] for dummy_tag, a in c.attrs if "id" in a]
    assert len(ids) == len(set(ids))
    for dummy_tag, a in c.attrs:
        if a.get("href"):
            assert a["href"][1:] in ids, a["href"]


def test_html_contains_summary_findings_and_hosts(result, hosts):
    page = render_html(result, hosts)
    text = " ".join(_parse(page).text)
    assert "4 errors, 1 warning, 4 info; 5 of 6 hosts audited; 1 not audited; 3 hosts with errors" in text
    for f in result["findings"]:
        assert f["message"] in text
    for h in hosts:
        assert h["name"] in text
    assert "Needs action" in text and "For information" in text
    assert "DC-West / (standalone)" in text


def test_html_draws_affected_hosts_only(result, hosts):
    page = render_html(result, hosts)
    # a picture per affected, audited host: a01, a03, b01, w01 (not the clean a02, not b02)
    assert page.count('<div class="diagram"') == 4
    assert 'aria-label="vmknics of esx-a02.lab.example' not in page
    assert 'aria-label="vmknics of esx-b02.lab.example' not in page


def _host_article(page, name):
    start = page.index('<h4 id="host-%s' % re.sub(r"[^a-z0-9-]+", "-", name.lower()))
    return page[start:page.index("</article>", start)]


def test_html_highlights_collision_and_route_owner(result, hosts):
    a01 = _host_article(render_html(result, hosts), "esx-a01.lab.example")
    assert '<section class="subnet hit-error">' in a01
    nics = re.findall(r'<li class="(nic[^"]*)">.*?<span class="dev mono">(vmk\d+)</span>', a01, re.S)
    assert nics == [("nic owner collides", "vmk0"), ("nic collides", "vmk1"), ("nic", "vmk2")]
    assert "vmotion traffic leaves via vmk0" in a01
    assert "TCP/IP stack <code>vSphereProvisioning</code>" in a01
    assert "IPv4 gateway 10.10.1.1" in a01


def test_html_supported_designs_are_not_collisions(result, hosts):
    a03 = _host_article(render_html(result, hosts), "esx-a03.lab.example")
    assert "hit-error" not in a03 and "collides" not in a03
    assert a03.count('<section class="subnet hit-info">') == 2


def test_html_overlap_marks_the_enclosed_subnet_too(result, hosts):
    w01 = _host_article(render_html(result, hosts), "esx-w01.lab.example")
    # 10.30.0.0/16 (the finding's subnet) and 10.30.5.0/24 inside it are both highlighted
    assert w01.count('<section class="subnet hit-error">') == 2
    assert "owned by NSX" in w01


def test_html_unknown_route_owner_is_said(result, hosts):
    b01 = _host_article(render_html(result, hosts), "esx-b01.lab.example")
    assert "route owner unknown" in b01
    assert "2001:db8:20::/64" in b01


def test_html_escapes_everything(result, hosts):
    hosts[0]["vmknics"][1]["portgroup"] = EVIL
    hosts[0]["portgroups"][2]["name"] = EVIL
    hosts[0]["name"] = result["findings"][0]["host"] = result["findings"][5]["host"] = "esx-" + EVIL
    result["findings"][0]["message"] = EVIL
    result["findings"][0]["evidence"] = {EVIL: [EVIL]}
    result["scope"] = EVIL
    page = render_html(result, hosts)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#x27;" in page
    c = _parse(page)
    assert c.errors == [] and c.stack == []
    text = "".join(c.text)
    assert EVIL in text  # shown to the reader as text


def test_html_without_hosts_still_lists_findings(result):
    page = render_html(result)
    assert "Host facts were not supplied" in page
    assert '<div class="diagram"' not in page
    assert result["findings"][0]["message"] in page


def test_html_empty_result_is_good_news():
    page = render_html({"findings": [], "summary": {"hosts_total": 1, "hosts_audited": 1}}, [])
    assert 'class="verdict good"' in page
    assert _parse(page).errors == []


def test_html_allowed_finding_shows_reason(result, hosts):
    result["findings"][5]["allowed"] = {"reason": "CHG-42 accepted", "match": {}}
    assert "(allowed: CHG-42 accepted)" in render_html(result, hosts)


def test_renderers_are_deterministic(result, hosts):
    for render in (
        lambda r: render_html(r, hosts),
        lambda r: render_markdown(r, hosts),
        lambda r: render_junit(r, "error", hosts),
    ):
        assert render(result) == render(clone(result))


def test_unknown_rule_and_minimal_findings_render():
    """Findings with only the required keys (e.g. from an older engine) still render."""
    bare = {"rule": "future-rule", "severity": "warning", "host": "h1", "message": "m"}
    result = {"findings": [bare], "summary": {"warning": 1}}
    assert "future-rule" in render_markdown(result)
    assert "future-rule" in render_html(result, None)
    suite = _suite(render_junit(result, "warning"))[1]
    assert suite.find("testcase/failure").get("type") == "future-rule"


def test_sample_finding_factory_matches_the_model():
    keys = set(finding("r", "info", "h", "m"))
    assert keys == {
        "rule", "severity", "host", "datacenter", "cluster", "stack", "family", "subnet", "vmknics",
        "route_owner", "misrouted", "message", "evidence", "reference", "remediation", "allowed", "id",
    }
