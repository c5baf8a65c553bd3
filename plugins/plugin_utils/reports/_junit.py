# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The JUnit XML report: one test case per host, a failure per finding (private, controller-only).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._common import (
    _STANDALONE, _at_least, _check_threshold, _cluster_counts_text, _cluster_label, _finding_host, _finding_key, _findings, _host_rows, _scope_text,
    _text,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import (
    CHANGE_STATES, RUN_KEYS, _change_states, _changes, _run, cluster_summary,
)


# XML 1.0 cannot carry most control characters, even escaped; drop them rather than emit a file
# that CI servers refuse to parse.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(value: Any) -> str:
    return _XML_INVALID.sub("", "" if value is None else str(value))


def _finding_details(f: Mapping[str, Any]) -> str:
    """Multi-line plain text of one finding, for failure bodies and system-out."""
    lines = ["[%s] %s: %s" % (f.get("severity"), f.get("rule"), f.get("message"))]
    for label, key in (("stack", "stack"), ("family", "family"), ("subnet", "subnet"), ("route owner", "route_owner")):
        if f.get(key) is not None:
            lines.append("  %s: %s" % (label, f.get(key)))
    if f.get("vmknics"):
        lines.append("  vmknics: %s" % ", ".join(f["vmknics"]))
    for m in f.get("misrouted") or []:
        lines.append(
            "  misrouted: %s (%s) leaves through %s"
            % (m.get("vmknic"), ", ".join(m.get("services") or []) or "no services", f.get("route_owner") or "?")
        )
    allowed = f.get("allowed")
    if isinstance(allowed, Mapping):
        lines.append("  allowed: %s" % (allowed.get("reason") or ""))
    if f.get("remediation"):
        lines.append("  remediation: %s" % f["remediation"])
    if f.get("reference"):
        lines.append("  reference: %s" % f["reference"])
    if f.get("id"):
        lines.append("  id: %s" % f["id"])
    return "\n".join(lines)


_JUNIT_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|[+-]00:?00)?$")
_NO_FINDINGS = "no multi-homing found"


def _junit_classname(row: Mapping[str, Any]) -> str:
    """``[vcenter.]datacenter.cluster.host``: CI servers split a classname at its dots into package
    and class, so dots inside each part become ``_`` and the class is the host."""
    parts = [row["vcenter"], row["datacenter"] or "unknown", row["cluster"] or _STANDALONE.strip("()"), row["name"]]
    return ".".join(str(p).replace(".", "_") for p in parts if p)


def _junit_names(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    """A stable test name per finding of one host: rule, stack and subnet, so that a finding keeps
    its history in CI when vmknics join or leave its group. Findings that would share a name get
    the family and vmknics, and the id as the last resort."""

    def base(f: Mapping[str, Any]) -> str:
        return " ".join(_text(f.get(k)) for k in ("rule", "stack", "subnet") if f.get(k))

    def detailed(f: Mapping[str, Any]) -> str:
        extra = " ".join(_text(v) for v in (f.get("family"), ", ".join(f.get("vmknics") or [])) if v)
        return "%s (%s)" % (base(f), extra) if extra else base(f)

    names = [base(f) for f in findings]
    for step in (detailed, lambda f: "%s [%s]" % (detailed(f), f.get("id"))):
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        names = [step(f) if counts[name] > 1 else name for f, name in zip(findings, names)]
    return names


def _junit_timestamp(value: Any) -> str | None:
    """The JUnit schema's timestamp has no zone: UTC times lose their ``Z``, anything else is left out."""
    match = _JUNIT_TIMESTAMP.match(str(value or ""))
    return match.group(1) if match else None


def render_junit(
    result: Mapping[str, Any],
    threshold: str = "error",
    hosts: Sequence[Mapping[str, Any]] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> str:
    """JUnit XML: one testcase per finding, grouped by host (``classname``).

    A finding at or above ``threshold`` is a ``<failure>`` (errors are failures, not JUnit
    errors: the check ran); one below it passes with its details in ``<system-out>``. A host that
    was not audited is ``<skipped>`` unless its ``host-not-audited`` finding reaches the threshold.
    An audited host without findings is one passing testcase; with ``previous``, each resolved
    finding is a passing testcase under its old name. Only what the strict Jenkins JUnit schema
    allows is written: no ``skipped`` count on ``<testsuites>``, no attributes on ``<skipped>``.
    Run metadata, counts and the per-cluster summary are properties of the suite.
    """
    threshold = _check_threshold(threshold)
    findings = _findings(result)
    changes = _changes(result, hosts, previous)
    states = _change_states(result, changes)
    run = _run(result)
    by_host: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for f in findings:
        by_host.setdefault(_finding_host(f), []).append(f)
    resolved_by_host: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for f in (changes or {}).get("resolved") or []:
        resolved_by_host.setdefault(_finding_host(f), []).append(f)

    suites = ET.Element("testsuites", name="vmkernel.multihoming audit")
    suite = ET.SubElement(suites, "testsuite", name="vmkernel.multihoming vmknic audit")
    timestamp = _junit_timestamp(run.get("generated"))
    if timestamp:
        suite.set("timestamp", timestamp)
    if run.get("vcenter"):
        suite.set("hostname", _xml(run["vcenter"]))
    props = ET.SubElement(suite, "properties")

    def prop(name: str, value: Any) -> None:
        ET.SubElement(props, "property", name=name, value=_xml(_scope_text(value)))

    for key in RUN_KEYS:
        if key in run:
            prop(key, run[key])
    for key in ("vcenters", "failed_vcenters"):
        if run.get(key):
            prop(key, run[key])
    prop("threshold", threshold)
    if changes is not None:
        for state in CHANGE_STATES:
            prop("changes.%s" % state, changes["counts"][state])
    for c in cluster_summary(findings, hosts, changes):
        prop("cluster %s" % _cluster_label(c["datacenter"], c["cluster"], c.get("vcenter")), _cluster_counts_text(c))

    tests = failures = skipped = 0

    def case(classname: str, name: str) -> ET.Element:
        nonlocal tests
        tests += 1
        return ET.SubElement(suite, "testcase", name=_xml(name), classname=_xml(classname), time="0")

    for row in _host_rows(findings, hosts):
        classname = _junit_classname(row)
        mine = by_host.get(row["key"], [])
        names = _junit_names(mine)
        for f, name in zip(mine, names):
            testcase = case(classname, name)
            details = _finding_details(f)
            if states:
                details += "\n  change: %s" % states[_finding_key(f)]
            if _at_least(f.get("severity"), threshold):
                failure = ET.SubElement(testcase, "failure", message=_xml(f.get("message")), type=_xml(f.get("rule")))
                failure.text = _xml(details)
                failures += 1
                continue
            if f.get("rule") == "host-not-audited":
                # The check did not run: skipped, with the reason as text (the schema allows no attribute).
                ET.SubElement(testcase, "skipped").text = _xml(f.get("message"))
                skipped += 1
            ET.SubElement(testcase, "system-out").text = _xml(details)
        if not mine:
            testcase = case(classname, _NO_FINDINGS)
            if not row["audited"]:
                ET.SubElement(testcase, "skipped").text = _xml("host not audited (%s)" % (row.get("connection_state") or "not connected"))
                skipped += 1
        gone = resolved_by_host.get(row["key"], [])
        for f, name in zip(gone, _junit_names(gone)):
            if name in names:
                continue  # the same check still fails or passes under this name: its history goes on
            ET.SubElement(case(classname, name), "system-out").text = _xml(
                "resolved since the previous run\n" + _finding_details(f))

    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
        element.set("time", "0")
    suite.set("skipped", str(skipped))

    ET.indent(suites, space="  ")
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
