# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report model: run metadata and the per-cluster summary in every format, the comparison with
a previous run (new / unchanged / resolved / not rechecked, by stable id) and fleets of vCenters."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html import render_html
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._json import render_json
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._junit import render_junit
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._markdown import render_markdown
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import change_line, cluster_summary, compare, merge, select_vcenter
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._text import render_text
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.plugin_utils.reports.report_samples import (
    clone,
    finding,
    sample_hosts,
    sample_previous,
    sample_result,
)

RENDERERS = {
    "json": lambda r, h, p=None: render_json(r, h, p),
    "markdown": lambda r, h, p=None: render_markdown(r, h, p),
    "junit": lambda r, h, p=None: render_junit(r, "error", h, p),
    "html": lambda r, h, p=None: render_html(r, h, p),
    "text": lambda r, h, p=None: render_text(r, h, p),
}


@pytest.fixture
def previous(result):
    """The previous run's report as the role reads it back: parsed JSON."""
    return json.loads(render_json(sample_previous(result), sample_hosts()))


# ------------------------------------------------------------------------------ clusters


def test_cluster_summary(result, hosts):
    assert cluster_summary(result["findings"], hosts) == [
        {"datacenter": "DC-East", "cluster": "Compute-A", "hosts_total": 3, "hosts_audited": 3, "hosts_not_audited": 0,
         "hosts_with_errors": 1, "error": 1, "warning": 0, "info": 3},
        {"datacenter": "DC-East", "cluster": "Storage-B", "hosts_total": 2, "hosts_audited": 1, "hosts_not_audited": 1,
         "hosts_with_errors": 1, "error": 2, "warning": 1, "info": 0},
        {"datacenter": "DC-West", "cluster": None, "hosts_total": 1, "hosts_audited": 1, "hosts_not_audited": 0,
         "hosts_with_errors": 1, "error": 1, "warning": 0, "info": 1},
    ]


def test_cluster_summary_adds_up_to_the_summary(result, hosts):
    clusters = cluster_summary(result["findings"], hosts)
    for key in ("error", "warning", "info", "hosts_total", "hosts_audited", "hosts_not_audited", "hosts_with_errors"):
        assert sum(c[key] for c in clusters) == result["summary"][key], key


# ------------------------------------------------------------------------------ every format


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_carries_the_run_metadata_and_clusters(result, hosts, fmt):
    text = RENDERERS[fmt](result, hosts)
    for value in ("2026-03-01T12:00:00", "vcenter.lab.example", "every host of the vCenter", "0.1.0", "2.16.19"):
        assert value in text, (fmt, value)
    for cluster in ("Compute-A", "Storage-B", "DC-West"):
        assert cluster in text
    if fmt in ("text", "junit"):
        # One line per cluster, with its own counts.
        assert "DC-East / Storage-B" in text and "2 hosts, 1 audited: 2 errors, 1 warning, 0 info" in text


def test_markdown_cluster_table(result, hosts):
    md = render_markdown(result, hosts)
    assert "| DC-East / Storage-B | 2 | 1 | 1 | 1 | 2 | 1 | 0 |" in md


def test_html_cluster_table(result, hosts):
    page = render_html(result, hosts)
    assert '<tr class="row-error"><th scope="row">DC-East / Storage-B</th><td class="num">2</td><td class="num">1</td>' in page


# ------------------------------------------------------------------------------ comparison


def test_compare_by_stable_id(result, hosts, previous):
    changes = compare(result, previous, hosts)
    assert changes["counts"] == {"new": 1, "unchanged": 8, "resolved": 1, "unverified": 0}
    assert changes["new"] == [["", result["findings"][0]["id"]]]
    assert [f["id"] for f in changes["resolved"]] == ["ipv4-same-subnet:esx-a02.lab.example:vmk1,vmk2"]
    assert changes["previous"]["generated"] == "2026-02-22T12:00:00Z"
    assert change_line(changes) == "1 new, 1 resolved, 8 unchanged since the run of 2026-02-22T12:00:00Z"


def test_a_finding_is_the_same_when_only_its_severity_or_message_changed(result, hosts, previous):
    """Identity is the id: an allow-listed (now info) finding with new wording is unchanged, not new + resolved."""
    for f in result["findings"][1:3]:
        f.update(severity="info", message="reworded", allowed={"reason": "CHG-1", "match": {}})
    assert compare(result, previous, hosts)["counts"] == {"new": 1, "unchanged": 8, "resolved": 1, "unverified": 0}


def test_findings_of_hosts_not_audited_now_are_not_resolved(result, hosts, previous):
    """A host that is not connected now, or not in this run's scope, proves nothing: not rechecked."""
    previous["findings"].append(finding("ipv4-same-subnet", "error", "esx-b02.lab.example", "old", cluster="Storage-B", subnet="10.9.9.0/24"))
    previous["findings"].append(finding("ipv4-same-subnet", "error", "esx-gone.lab.example", "old", subnet="10.9.8.0/24"))
    changes = compare(result, previous, hosts)
    assert changes["counts"] == {"new": 1, "unchanged": 8, "resolved": 1, "unverified": 2}
    assert sorted(f["host"] for f in changes["unverified"]) == ["esx-b02.lab.example", "esx-gone.lab.example"]
    assert change_line(changes).startswith("1 new, 1 resolved, 8 unchanged, 2 not rechecked (host not audited or out of scope)")


def test_compare_with_itself_changes_nothing(result, hosts):
    same = json.loads(render_json(result, hosts))
    assert compare(result, same, hosts)["counts"] == {"new": 0, "unchanged": 9, "resolved": 0, "unverified": 0}


def test_compare_with_an_empty_previous_report_makes_everything_new(result, hosts):
    assert compare(result, {"findings": []}, hosts)["counts"] == {"new": 9, "unchanged": 0, "resolved": 0, "unverified": 0}


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_shows_the_changes(result, hosts, previous, fmt):
    text = RENDERERS[fmt](result, hosts, previous)
    assert "ipv4-same-subnet:esx-a02.lab.example:vmk1,vmk2" in text or "10.10.9.0/24" in text  # the resolved one
    assert "new" in text and "unchanged" in text and "resolved" in text
    assert text == RENDERERS[fmt](clone(result), hosts, clone(previous))  # still deterministic
    assert "2026-02-22T12:00:00Z" in text or fmt == "junit"


def test_json_changes_block(result, hosts, previous):
    doc = json.loads(render_json(result, hosts, previous))
    assert doc["changes"]["counts"] == {"new": 1, "unchanged": 8, "resolved": 1, "unverified": 0}
    assert doc["findings"] == result["findings"]  # findings stay as the engine made them
    assert [(c["cluster"], c["new"], c["resolved"]) for c in doc["clusters"]] == [("Compute-A", 1, 1), ("Storage-B", 0, 0), (None, 0, 0)]


def test_markdown_marks_each_finding(result, hosts, previous):
    md = render_markdown(result, hosts, previous)
    assert "**1 new, 1 resolved, 8 unchanged since the run of 2026\\-02\\-22T12:00:00Z.**" not in md  # hyphens stay
    assert "**1 new, 1 resolved, 8 unchanged since the run of 2026-02-22T12:00:00Z.**" in md
    rows = md.split("## Findings\n", 1)[1].split("\n\n", 1)[0].strip().splitlines()[2:]
    assert [row.rsplit("|", 2)[1].strip() for row in rows] == ["new"] + ["unchanged"] * 8
    assert "### Resolved: gone from hosts that were audited again" in md
    assert "| DC-East / Compute-A | 3 | 3 | 0 | 1 | 1 | 0 | 3 | 1 | 1 |" in md


def test_text_marks_each_finding(result, hosts, previous):
    lines = render_text(result, hosts, previous).splitlines()
    assert "Changes: 1 new, 1 resolved, 8 unchanged since the run of 2026-02-22T12:00:00Z" in lines
    assert lines[lines.index("Changes: 1 new, 1 resolved, 8 unchanged since the run of 2026-02-22T12:00:00Z") + 1].startswith(
        "Cluster DC-East / Compute-A: 3 hosts, 3 audited: 1 error, 0 warnings, 3 info; 1 new, 1 resolved")
    assert [line for line in lines if line.startswith("ERROR   [new]")][0].split()[2] == "management-shares-subnet"
    assert lines[-1] == "RESOLVED ipv4-same-subnet esx-a02.lab.example defaultTcpipStack: vmk1 and vmk2 share 10.10.9.0/24 on defaultTcpipStack"


def test_html_marks_each_finding(result, hosts, previous):
    page = render_html(result, hosts, previous)
    assert '<h2 id="changes">Changes since the previous run</h2>' in page
    assert page.count('<span class="chg chg-new">new</span>') == 2  # by rule and on the host card
    assert page.count('<span class="chg chg-unchanged">unchanged</span>') == 16
    assert '<ul class="findings resolved">' in page and "10.10.9.0/24" in page


# ------------------------------------------------------------------------------ fleets


def _fleet():
    """Two vCenters with the same host names, as the lab's do."""
    one, two = sample_result(), sample_result()
    two["findings"] = two["findings"][:2]
    two["summary"] = dict(two["summary"], error=2, warning=0, info=0, by_rule={"management-shares-subnet": 1, "ipv4-same-subnet": 1})
    return [{"vcenter": "vc02", "result": two, "hosts": sample_hosts()},
            {"vcenter": "vc01", "result": one, "hosts": sample_hosts()}]


def test_merge_qualifies_findings_and_hosts_by_vcenter():
    merged = merge(_fleet())
    assert merged["run"] == {"vcenters": ["vc01", "vc02"]}
    assert [f["vcenter"] for f in merged["findings"]] == ["vc01"] * 9 + ["vc02"] * 2
    assert {h["vcenter"] for h in merged["hosts"]} == {"vc01", "vc02"} and len(merged["hosts"]) == 12
    assert merged["summary"]["error"] == 6 and merged["summary"]["hosts_total"] == 12
    assert merged["summary"]["by_rule"]["management-shares-subnet"] == 3
    # The same host name in two vCenters is two hosts.
    clusters = cluster_summary(merged["findings"], merged["hosts"])
    assert [(c["vcenter"], c["cluster"], c["hosts_total"]) for c in clusters][:2] == [("vc01", "Compute-A", 3), ("vc01", "Storage-B", 2)]
    assert len(clusters) == 6


def test_merged_reports_name_the_vcenter():
    merged = merge(_fleet())
    md = render_markdown(merged, merged["hosts"])
    assert "| vc02 / DC-East / Compute-A |" in md
    assert "vCenters: vc01, vc02" in md
    suite = ET.fromstring(render_junit(merged, hosts=merged["hosts"]).encode()).find("testsuite")
    classnames = {c.get("classname") for c in suite.findall("testcase")}
    assert "vc01.DC-East.Compute-A.esx-a01_lab_example" in classnames and "vc02.DC-East.Compute-A.esx-a01_lab_example" in classnames
    page = render_html(merged, merged["hosts"])
    assert page.count('<article class="host') == 5 + 2  # host ids stay unique across vCenters
    ids = [part.split('"', 1)[0] for part in page.split(' id="')[1:]]
    assert len(ids) == len(set(ids))


def test_merge_lists_vcenters_that_failed():
    parts = _fleet() + [{"vcenter": "vc03", "error": "Cannot connect to vc03:443: connection refused"}]
    merged = merge(parts)
    assert merged["run"]["failed_vcenters"] == ["vc03: Cannot connect to vc03:443: connection refused"]
    assert "Not audited: vc03: Cannot connect" in render_text(merged, merged["hosts"])


def test_fleet_compares_by_vcenter_and_id():
    merged = merge(_fleet())
    before = json.loads(render_json(merged, merged["hosts"]))
    before["findings"] = [f for f in before["findings"] if not (f["vcenter"] == "vc02" and f["rule"] == "ipv4-same-subnet")]
    counts = compare(merged, before, merged["hosts"])["counts"]
    # vc02's finding is new although vc01 has one with the same id.
    assert counts == {"new": 1, "unchanged": 10, "resolved": 0, "unverified": 0}


def test_select_vcenter_gives_the_single_vcenter_report():
    merged = merge(_fleet())
    before = json.loads(render_json(merged, merged["hosts"]))
    part = select_vcenter(before, "vc02")
    assert part["run"]["vcenter"] == "vc02"
    assert [f["rule"] for f in part["findings"]] == ["management-shares-subnet", "ipv4-same-subnet"]
    assert all("vcenter" not in f for f in part["findings"]) and len(part["hosts"]) == 6
    # Against vc02's own result it changes nothing.
    own = _fleet()[0]
    assert compare(own["result"], part, own["hosts"])["counts"] == {"new": 0, "unchanged": 2, "resolved": 0, "unverified": 0}
