# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renderer tests on a hand-made result (report_samples), so they pin the renderers alone."""

from __future__ import annotations

import html.parser
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser
import pytest
import xmlschema

from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html import render_html
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._json import render_json
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._junit import render_junit
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._markdown import render_markdown
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.plugin_utils.reports.report_samples import (
    clone,
    finding,
    sample_previous,
)

EVIL = '<script>alert("x")</script>&"\''


# ------------------------------------------------------------------------------------- JSON


def test_json_round_trips_the_report_keys_only(result, hosts):
    result["changed"] = False  # Ansible bookkeeping of a module result stays out of the report
    result["invocation"] = {"module_args": {}}
    doc = json.loads(render_json(result, hosts))
    assert sorted(doc) == ["clusters", "findings", "hosts", "run", "summary"]
    assert doc["findings"] == result["findings"]
    assert doc["summary"] == result["summary"]
    assert doc["run"] == result["run"]
    # The hosts, light: enough to summarise clusters and compare runs, no facts.
    assert doc["hosts"][0] == {"name": "esx-a01.lab.example", "datacenter": "DC-East", "cluster": "Compute-A", "audited": True,
                               "connection_state": "connected"}
    assert [h["name"] for h in doc["hosts"] if not h["audited"]] == ["esx-b02.lab.example"]


def test_json_is_deterministic_and_sorted(result):
    text = render_json(result)
    assert text == render_json(clone(result))
    assert text.endswith("}\n")
    assert text.index('"clusters"') < text.index('"findings"') < text.index('"run"') < text.index('"summary"')


def test_json_of_an_empty_result():
    assert json.loads(render_json({})) == {"run": {}, "clusters": [], "hosts": [], "findings": [], "summary": {}}


def test_json_reads_the_older_metadata_keys(result):
    """generated and scope at the top level (as docs of 0.1.0 showed) still reach the run metadata."""
    del result["run"]
    result.update(generated="2026-03-01T12:00:00Z", scope="vcenter01, cluster Compute-A")
    assert json.loads(render_json(result))["run"] == {"generated": "2026-03-01T12:00:00Z", "scope": "vcenter01, cluster Compute-A"}


# --------------------------------------------------------------------------------- Markdown


def test_markdown_headline_and_summary(result, hosts):
    md = render_markdown(result, hosts)
    assert md.startswith("# VMkernel multi-homing audit\n")
    assert ("Generated (UTC): 2026-03-01T12:00:00Z  \nvCenter: vcenter.lab.example  \nScope: every host of the vCenter  \n"
            "vmkernel.multihoming: 0.1.0  \nansible-core: 2.16.19") in md
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


SCHEMA = Path(__file__).with_name("jenkins-junit.xsd")
A01 = "DC-East.Compute-A.esx-a01_lab_example"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMA))


def _case_map(suite):
    return {(c.get("classname"), c.get("name")): c for c in suite.findall("testcase")}


def test_junit_one_testcase_per_finding_grouped_by_host(result, hosts):
    root, suite = _suite(render_junit(result, hosts=hosts))
    cases = _case_map(suite)
    assert list(cases) == [
        (A01, "management-shares-subnet defaultTcpipStack 10.10.1.0/24"),
        (A01, "gateway-override-ineffective defaultTcpipStack 10.10.1.0/24"),
        ("DC-East.Compute-A.esx-a02_lab_example", "no multi-homing found"),  # a clean host passes once
        ("DC-East.Compute-A.esx-a03_lab_example", "iscsi-binding-compliant defaultTcpipStack 10.10.3.0/24"),
        ("DC-East.Compute-A.esx-a03_lab_example", "multi-nic-vmotion defaultTcpipStack 10.10.2.0/24"),
        ("DC-East.Storage-B.esx-b01_lab_example", "ipv4-same-subnet defaultTcpipStack 10.20.2.0/24"),
        ("DC-East.Storage-B.esx-b01_lab_example", "management-shares-subnet defaultTcpipStack 2001:db8:20::/64"),
        ("DC-East.Storage-B.esx-b02_lab_example", "host-not-audited"),
        ("DC-West.standalone.esx-w01_lab_example", "ipv4-overlapping-subnet defaultTcpipStack 10.30.0.0/16"),
        ("DC-West.standalone.esx-w01_lab_example", "system-owned-vmknic vxlan"),
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("10", "4", "0")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("10", "4", "0", "1")
    # The strict schema has no skipped count on <testsuites>.
    assert root.get("skipped") is None


def test_junit_errors_are_failures_with_details(result, hosts):
    cases = _case_map(_suite(render_junit(result, "error", hosts))[1])
    failure = cases[("DC-East.Storage-B.esx-b01_lab_example", "ipv4-same-subnet defaultTcpipStack 10.20.2.0/24")].find("failure")
    assert (failure.get("type"), failure.get("message")) == ("ipv4-same-subnet", result["findings"][1]["message"])
    assert "misrouted: vmk3 (vSphereReplication) leaves through vmk1" in failure.text
    assert "remediation: " in failure.text and "reference: VMware KB 318546" in failure.text
    assert "id: ipv4-same-subnet:esx-b01.lab.example:vmk1,vmk2,vmk3" in failure.text
    # Below the threshold: a passing testcase, the details in its system-out.
    info = cases[(A01, "gateway-override-ineffective defaultTcpipStack 10.10.1.0/24")]
    assert info.find("failure") is None
    assert "[info] gateway-override-ineffective:" in info.find("system-out").text
    assert not _suite(render_junit(result, "error", hosts))[1].findall(".//error")


def test_junit_not_audited_host_is_skipped_below_threshold(result, hosts):
    case = _case_map(_suite(render_junit(result, "error", hosts))[1])[("DC-East.Storage-B.esx-b02_lab_example", "host-not-audited")]
    skipped = case.find("skipped")
    assert skipped.text == "esx-b02.lab.example is notResponding; its network configuration was not audited"
    assert skipped.attrib == {}  # no message attribute: the strict schema has none
    assert case.find("failure") is None


def test_junit_warning_threshold_fails_not_audited_host(result, hosts):
    root, suite = _suite(render_junit(result, "warning", hosts))
    case = _case_map(suite)[("DC-East.Storage-B.esx-b02_lab_example", "host-not-audited")]
    assert [f.get("type") for f in case.findall("failure")] == ["host-not-audited"]
    assert case.find("skipped") is None
    assert (root.get("failures"), suite.get("skipped")) == ("5", "0")


def test_junit_info_threshold_fails_every_finding(result, hosts):
    root, suite = _suite(render_junit(result, "info", hosts))
    assert root.get("failures") == str(len(result["findings"]))
    assert not [c for c in suite.findall("testcase") if c.find("system-out") is not None]


def test_junit_threshold_never_fails_nothing(result, hosts):
    suite = _suite(render_junit(result, "never", hosts=hosts))[1]
    assert suite.get("failures") == "0" and not suite.findall(".//failure")
    assert len(suite.findall("testcase/system-out")) == len(result["findings"])


def test_junit_without_hosts_lists_hosts_with_findings(result):
    suite = _suite(render_junit(result))[1]
    assert len(suite.findall("testcase")) == len(result["findings"])


def test_junit_names_of_findings_that_would_collide(result, hosts):
    """Two findings of one rule on one stack without a subnet (DHCP IPv4 and IPv6) get the family and vmknics."""
    result["findings"] += [
        finding("dhcp-multiple-vmknics", "warning", "esx-a02.lab.example", "v4", subnet=None, vmknics=["vmk1", "vmk2"]),
        finding("dhcp-multiple-vmknics", "warning", "esx-a02.lab.example", "v6", subnet=None, family="ipv6", vmknics=["vmk1", "vmk2"]),
    ]
    names = [c.get("name") for c in _suite(render_junit(result, hosts=hosts))[1].findall("testcase")
             if c.get("classname") == "DC-East.Compute-A.esx-a02_lab_example"]
    assert names == ["dhcp-multiple-vmknics defaultTcpipStack (ipv4 vmk1, vmk2)", "dhcp-multiple-vmknics defaultTcpipStack (ipv6 vmk1, vmk2)"]


def test_junit_metadata_and_cluster_summary_are_properties(result, hosts):
    suite = _suite(render_junit(result, "warning", hosts))[1]
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {
        "generated": "2026-03-01T12:00:00Z",
        "vcenter": "vcenter.lab.example",
        "scope": "every host of the vCenter",
        "collection_version": "0.1.0",
        "ansible_version": "2.16.19",
        "threshold": "warning",
        "cluster DC-East / Compute-A": "3 hosts, 3 audited: 1 error, 0 warnings, 3 info",
        "cluster DC-East / Storage-B": "2 hosts, 1 audited: 2 errors, 1 warning, 0 info",
        "cluster DC-West / (standalone)": "1 host, 1 audited: 1 error, 0 warnings, 1 info",
    }
    # The schema's timestamp has no zone.
    assert (suite.get("timestamp"), suite.get("hostname")) == ("2026-03-01T12:00:00", "vcenter.lab.example")


def test_junit_timestamp_that_is_not_utc_is_left_out(result):
    result["run"]["generated"] = "1 March 2026"
    assert _suite(render_junit(result))[1].get("timestamp") is None


def test_junit_escapes_and_strips_invalid_characters(result, hosts):
    result["findings"][0]["message"] = EVIL + "\x00\x1b bell\x07"
    result["findings"][0]["host"] = hosts[0]["name"] = "esx<&>\"01"
    text = render_junit(result, hosts=hosts)
    suite = _suite(text)[1]  # parses: valid XML
    case = _case_map(suite)[('DC-East.Compute-A.esx<&>"01', "management-shares-subnet defaultTcpipStack 10.10.1.0/24")]
    assert case.find("failure").get("message") == EVIL + " bell"
    assert "<script>" not in text


def test_junit_rejects_unknown_threshold(result):
    with pytest.raises(ValueError, match="threshold must be one of error, warning, info"):
        render_junit(result, "critical")


def test_junit_empty():
    root, suite = _suite(render_junit({"findings": [], "summary": {}}))
    assert root.get("tests") == "0" and suite.findall("testcase") == []


@pytest.mark.parametrize("threshold", ["error", "warning", "info", "never"])
def test_junit_validates_against_the_jenkins_schema(schema, result, hosts, threshold):
    previous = json.loads(render_json(sample_previous(result)))
    for text in (render_junit(result, threshold, hosts), render_junit(result, threshold, hosts, previous=previous),
                 render_junit({"findings": [], "summary": {}}), render_junit(result, threshold)):
        schema.validate(text)


def test_the_schema_rejects_what_strict_jenkins_rejects(schema, result, hosts):
    """The check can fail: the two things the strict schema refuses, and a bad timestamp."""
    text = render_junit(result, hosts=hosts)
    for bad in (text.replace("<testsuites ", '<testsuites skipped="1" ', 1),
                text.replace("<skipped>", '<skipped message="x">', 1),
                text.replace('timestamp="2026-03-01T12:00:00"', 'timestamp="2026-03-01T12:00:00Z"', 1)):
        assert bad != text
        with pytest.raises(xmlschema.XMLSchemaValidationError):
            schema.validate(bad)


def test_junit_read_back_by_junitparser(result, hosts, tmp_path):
    """A real consumer: junitparser sees one result per finding, failures, skips and passes."""
    path = tmp_path / "audit.xml"
    path.write_text(render_junit(result, "error", hosts), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    assert [s.name for s in suites] == ["vmkernel.multihoming vmknic audit"]
    cases = list(suites[0])
    assert len(cases) == 10
    outcome = {}
    for case in cases:
        kinds = [type(r).__name__ for r in case.result]
        outcome[(case.classname, case.name)] = kinds[0] if kinds else "passed"
    assert outcome[(A01, "management-shares-subnet defaultTcpipStack 10.10.1.0/24")] == "Failure"
    assert outcome[("DC-East.Storage-B.esx-b02_lab_example", "host-not-audited")] == "Skipped"
    assert outcome[("DC-East.Compute-A.esx-a02_lab_example", "no multi-homing found")] == "passed"
    assert sorted(outcome.values()).count("Failure") == 4
    failure = next(r for c in cases for r in c.result if c.name.startswith("ipv4-same-subnet"))
    assert (failure.type, failure.message) == ("ipv4-same-subnet", result["findings"][1]["message"])
    assert (suites[0].tests, suites[0].failures, suites[0].errors, suites[0].skipped) == (10, 4, 0, 1)


def test_junit_with_previous_marks_changes_and_passes_resolved(result, hosts):
    before = sample_previous(result)
    root, suite = _suite(render_junit(result, "error", hosts, previous=json.loads(render_json(before))))
    cases = _case_map(suite)
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert (props["changes.new"], props["changes.resolved"], props["changes.unchanged"], props["changes.unverified"]) == ("1", "1", "8", "0")
    new = cases[(A01, "management-shares-subnet defaultTcpipStack 10.10.1.0/24")].find("failure").text
    assert new.endswith("change: new")
    resolved = cases[("DC-East.Compute-A.esx-a02_lab_example", "ipv4-same-subnet defaultTcpipStack 10.10.9.0/24")]
    assert resolved.find("failure") is None and resolved.find("system-out").text.startswith("resolved since the previous run")
    assert root.get("tests") == "11"


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
    result["run"]["scope"] = EVIL
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
