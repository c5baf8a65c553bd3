# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Audit filters: ``vmknic_findings`` (facts to findings), ``audit_report`` (findings to text),
``audit_merge`` (several vCenters' results to one) and ``findings_at_least``.

Documentation lives in the sidecar files vmknic_findings.yml, audit_report.yml, audit_merge.yml
and findings_at_least.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import (
    SEVERITIES,
    analyse,
    severity_at_least,
    validate_policy,
)
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html import render_html
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._json import render_json
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._junit import render_junit
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._markdown import render_markdown
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._model import merge, select_vcenter
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._text import render_text

FORMATS = ("json", "markdown", "junit", "html", "text")


def _hosts(value: Any, filter_name: str, what: str) -> list | None:
    """The hosts list from either the list itself or a whole vmknic_info result (``{hosts: [...]}``)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        if "hosts" not in value:
            raise AnsibleFilterError(
                "%s: %s must be the hosts list of vmknic_info or its whole result (a dict with a 'hosts' key); "
                "got a dict with keys %s" % (filter_name, what, ", ".join(sorted(map(str, value))) or "(none)")
            )
        value = value["hosts"]
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterError(
            "%s: %s must be a list of hosts, got %s" % (filter_name, what, type(value).__name__)
        )
    bad = [i for i, h in enumerate(value) if not isinstance(h, Mapping)]
    if bad:
        raise AnsibleFilterError(
            "%s: every host must be a dict (vmknic_info facts); item %d is %s"
            % (filter_name, bad[0], type(value[bad[0]]).__name__)
        )
    return list(value)


def vmknic_findings(hosts: Any, allow_list: Any = None, severity_overrides: Any = None) -> dict:
    """Audit vmknic_info facts: the analysis engine's ``{findings, summary}``."""
    host_list = _hosts(hosts, "vmknic_findings", "the input")
    problems = validate_policy(allow_list, severity_overrides)
    if problems:
        raise AnsibleFilterError("vmknic_findings: invalid audit policy: " + "; ".join(problems))
    try:
        return analyse(host_list or [], allow_list=allow_list, severity_overrides=severity_overrides)
    except (ValueError, TypeError, KeyError) as exc:
        # Facts that are not shaped like vmknic_info's (docs/facts.md) end here; say so plainly
        # rather than letting a traceback through the templar.
        raise AnsibleFilterError("vmknic_findings: cannot audit these facts: %s" % exc) from exc


def _previous(value: Any) -> Mapping | None:
    """The previous run's JSON report (parsed), or None for no comparison."""
    if value is None or value == "" or value == {}:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("findings"), list):
        raise AnsibleFilterError(
            "audit_report: previous must be the JSON report of an earlier run (a dict with a 'findings' list), got %s"
            % (type(value).__name__ if not isinstance(value, Mapping) else "a dict with keys " + ", ".join(sorted(map(str, value))))
        )
    return value


def audit_report(result: Any, format: str, hosts: Any = None, threshold: str = "error", previous: Any = None) -> str:
    """Render an audit result (vmknic_findings / vmknic_audit output) as json, markdown, junit, html or text."""
    if not isinstance(result, Mapping) or "findings" not in result:
        raise AnsibleFilterError(
            "audit_report: the input must be an audit result with 'findings' and 'summary' "
            "(the vmknic_findings filter or the vmknic_audit module), got %s" % type(result).__name__
        )
    fmt = str(format).lower()
    if fmt not in FORMATS:
        raise AnsibleFilterError(
            "audit_report: format must be one of %s, got %r" % (", ".join(FORMATS), format)
        )
    host_list = _hosts(hosts, "audit_report", "hosts")
    before = _previous(previous)
    try:
        if fmt == "json":
            return render_json(result, hosts=host_list, previous=before)
        if fmt == "markdown":
            return render_markdown(result, hosts=host_list, previous=before)
        if fmt == "junit":
            return render_junit(result, threshold=threshold, hosts=host_list, previous=before)
        if fmt == "text":
            return render_text(result, hosts=host_list, previous=before)
        return render_html(result, hosts=host_list, previous=before)
    except ValueError as exc:  # a bad threshold
        raise AnsibleFilterError("audit_report: %s" % exc) from exc


def audit_merge(parts: Any) -> dict:
    """One fleet result from ``[{vcenter, result, hosts}]`` (or ``{vcenter, error}`` for a vCenter that failed)."""
    if isinstance(parts, (str, bytes, Mapping)) or not isinstance(parts, (list, tuple)):
        raise AnsibleFilterError("audit_merge: the input must be a list of {vcenter, result, hosts}, got %s" % type(parts).__name__)
    names = []
    for i, part in enumerate(parts):
        if not isinstance(part, Mapping) or not part.get("vcenter"):
            raise AnsibleFilterError("audit_merge: item %d must be a dict with a 'vcenter' name" % i)
        if not part.get("error") and not isinstance(part.get("result"), Mapping):
            raise AnsibleFilterError("audit_merge: item %d (%s) has neither a 'result' nor an 'error'" % (i, part["vcenter"]))
        names.append(str(part["vcenter"]))
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise AnsibleFilterError("audit_merge: vCenter names must be unique, these appear twice: %s" % ", ".join(twice))
    return merge(parts)


def audit_vcenter(report: Any, vcenter: str) -> dict:
    """The part of a fleet report or result that belongs to one vCenter, as a single-vCenter one."""
    if not isinstance(report, Mapping) or not isinstance(report.get("findings"), list):
        raise AnsibleFilterError("audit_vcenter: the input must be a fleet report or result (a dict with a 'findings' list), got %s"
                                 % type(report).__name__)
    return select_vcenter(report, str(vcenter))


def findings_at_least(findings: Any, threshold: str) -> list:
    """The findings whose severity is ``threshold`` or worse; ``never`` selects none."""
    if isinstance(findings, Mapping):
        findings = findings.get("findings", [])
    if threshold == "never":
        return []
    if threshold not in SEVERITIES:
        raise AnsibleFilterError(
            "findings_at_least: threshold must be one of %s or never, got %r" % (", ".join(SEVERITIES), threshold)
        )
    return [f for f in findings or [] if severity_at_least(f.get("severity"), threshold)]


class FilterModule:
    """vmkernel.multihoming audit filters."""

    def filters(self) -> dict:
        return {
            "vmknic_findings": vmknic_findings,
            "audit_report": audit_report,
            "audit_merge": audit_merge,
            "audit_vcenter": audit_vcenter,
            "findings_at_least": findings_at_least,
        }
