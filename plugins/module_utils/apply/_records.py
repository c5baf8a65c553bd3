# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write-ahead change records (docs/remediation.md, "Interruption, locks and recovery"): the pure part.

Before its first change on a host, a run writes a record into a custom attribute of the HostSystem
in vCenter, so that every later run sees it even if the writer dies the next instant. The record
is also the host's lease lock (owner and expiry). This module encodes, decodes and checks records
and works out what a record means now; it calls nothing. The vSphere side (field definition,
SetField) is in ``_vsphere_ops``, its use in ``_apply``. The vCenter-level steps keep records of the
same encoding on their distributed switches (``kind: switch``, ``new_switch_record``; their use is in
``_vcenter_records``).

Encoding: ``vmkmh/<version>:`` followed by base64 of zlib-compressed JSON. An empty value means
"no record". A value that does not start with ``vmkmh/`` is foreign, one with a higher version is
from a newer collection: both are refused with a clear error, never overwritten.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import os
import socket
import time
import uuid
import zlib
from typing import Any
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import RecordError
from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._values import NEW_DVPORTGROUP_KEY

FIELD_NAME = "vmkernel.multihoming.change"
# The records of the vCenter-level steps (dvPortgroup changes) live on the DistributedVirtualSwitch
# of those dvPortgroups, in a field of their own: a custom field is defined for one managed object
# type (FIELD_NAME's is HostSystem), and vCenter refuses SetField of it on another type.
SWITCH_FIELD_NAME = "vmkernel.multihoming.vcenter-change"
# A switch record says so (host records have no "kind").
KIND_SWITCH = "switch"
FORMAT_VERSION = 1
PREFIX = "vmkmh/"
# The largest encoded value this collection writes (characters). vCenter documents no limit for
# custom attribute values; this cap keeps records small, and a typical record is well under it
# (docs/remediation.md gives figures).
MAX_ENCODED = 8192
# The lease lasts this long beyond the longest step the writer may wait for (per-call timeout or
# maintenance timeout); every record update renews it.
LEASE_MARGIN_SECONDS = 120
# What a run writes (phase) while it works on a host.
PHASE_APPLY = "apply"
PHASE_ROLLBACK = "rollback"
PHASES = (PHASE_APPLY, PHASE_ROLLBACK)

UNDO = "undo"
FINISH = "finish"
RECOVERY_CHOICES = (UNDO, FINISH)

_REQUIRED = {"run": str, "owner": dict, "time": (int, float), "expires": (int, float), "digest": str,
             "phase": str, "operations": list, "done": int, "before": dict, "target": dict, "renamed": dict}
_SWITCH_REQUIRED = {"kind": str, "run": str, "owner": dict, "time": (int, float), "expires": (int, float), "digest": str,
                    "phase": str, "switch": str, "switch_uuid": str, "operations": list, "done": int, "before": list,
                    "created": list}


def plan_digest(entry: dict) -> str:
    """A stable digest of a plan entry (or of a whole plan): sha256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def digested(document: dict) -> dict:
    """What a plan's digest covers: every host's operations, and the vCenter-level operations when
    there are any (so a plan without them keeps the digest it always had)."""
    covered: dict = {"hosts": [{k: e[k] for k in ("host", "operations")} for e in document["hosts"]]}
    vcenter = (document.get("vcenter") or {}).get("operations")
    if vcenter:
        covered["vcenter"] = vcenter
    return covered


def approved_plan_differences(approved: dict[str, list], hosts: list[dict]) -> list[str]:
    """How the plan made now differs from the approved one, host by host. ``approved`` maps each
    changed host to its operations, as the plan job publishes them (set_stats ``operations``)."""
    planned = {entry["host"]: entry["operations"] for entry in hosts if entry.get("operations")}
    problems = []
    for host in sorted(set(approved) | set(planned)):
        if host not in planned:
            problems.append(f"{host}: approved with {len(approved[host])} call(s), now nothing to do")
        elif host not in approved:
            problems.append(f"{host}: not in the approved plan, now {len(planned[host])} call(s)")
        elif plan_digest(approved[host]) != plan_digest(planned[host]):
            now = [operation.get("op") for operation in planned[host]]
            then = [operation.get("op") for operation in approved[host]]
            if now != then:
                problems.append(f"{host}: calls {', '.join(then)} -> {', '.join(now)}")
                continue
            changed = [f"{_described(was)} -> {_described(op)}"
                       for was, op in zip(approved[host], planned[host]) if plan_digest(was) != plan_digest(op)]
            problems.append(f"{host}: {'; '.join(changed)}")
    return problems


def _described(operation: dict) -> str:
    return str(operation.get("description") or json.dumps(operation, sort_keys=True, default=str))


def current_owner(environ: dict | None = None) -> dict:
    """Who is writing: the AWX / Automation Controller job (JOB_ID, set by AWX for every job, and
    AWX_HOST when present), and always the controller host and the process id."""
    env = os.environ if environ is None else environ
    job = env.get("JOB_ID") or None
    return {"job": job, "controller": env.get("AWX_HOST") or None, "host": socket.gethostname(), "pid": os.getpid()}


def describe_owner(owner: dict) -> str:
    """One phrase naming the owner, for messages and findings."""
    where = f"{owner.get('host')} pid {owner.get('pid')}"
    if owner.get("job"):
        return f"AWX job {owner['job']}" + (f" on {owner['controller']}" if owner.get("controller") else "") + f" ({where})"
    return where


def touched(operations: list[dict], renamed: dict | None = None) -> tuple[set[str], set[tuple[str, str]], bool]:
    """The vmknic devices, standard port groups (switch, name) and whether software iSCSI are
    touched by these operations (renamed: planned device -> device ESXi created)."""
    devices: set[str] = set()
    portgroups: set[tuple[str, str]] = set()
    software = False
    for op in operations:
        if op.get("device"):
            devices.add(op["device"])
        if op["op"] in ("AddPortGroup", "UpdatePortGroup", "RemovePortGroup"):
            portgroups.add((op.get("switch"), op.get("name")))
        if op["op"] == "UpdateSoftwareInternetScsiEnabled":
            software = True
    devices |= {actual for planned, actual in (renamed or {}).items() if planned in devices}
    return devices, portgroups, software


def state_of(host: dict, operations: list[dict]) -> dict:
    """The part of a host's facts these operations touch: its vmknics (by device), standard port
    groups and, when touched, software iSCSI and the iSCSI adapters."""
    devices, portgroups, software = touched(operations)
    vmknics = [copy.deepcopy(n) for n in host.get("vmknics") or () if n["device"] in devices]
    # The dvPortgroups of those vmknics too: going back onto one the host no longer lists needs its entry.
    distributed = {(n.get("switch"), n.get("portgroup")) for n in vmknics if n.get("switch_type") == "distributed"}
    state: dict[str, Any] = {
        "vmknics": vmknics,
        "portgroups": [copy.deepcopy(p) for p in host.get("portgroups") or ()
                       if (p.get("switch_type") == "standard" and (p.get("switch"), p.get("name")) in portgroups)
                       or (p.get("switch_type") == "distributed" and (p.get("switch"), p.get("name")) in distributed)],
    }
    if software or any(n.get("iscsi_bindings") for n in state["vmknics"]):
        state["software_iscsi_enabled"] = host.get("software_iscsi_enabled")
        state["iscsi_adapters"] = copy.deepcopy(host.get("iscsi_adapters") or [])
    return state


def new_record(entry: dict, current: dict, owner: dict, lease_seconds: float, now: float | None = None) -> dict:
    """The record a run writes before its first change on the host of plan ``entry``."""
    now = time.time() if now is None else now
    operations = entry.get("operations") or []
    return {
        "v": FORMAT_VERSION, "run": uuid.uuid4().hex[:16], "owner": owner, "time": now,
        "expires": now + lease_seconds + LEASE_MARGIN_SECONDS, "digest": plan_digest(entry),
        "host": entry.get("host"), "phase": PHASE_APPLY, "operations": operations, "done": 0, "renamed": {},
        "before": state_of(current, operations), "target": state_of(entry.get("after") or {}, operations),
    }


def new_switch_record(section: dict, switch_uuid: str, run: str, owner: dict, lease_seconds: float,
                      now: float | None = None) -> dict:
    """The record a run writes on one distributed switch before the first vCenter-level call of
    the plan's ``vcenter`` section: that switch's operations, the before-state of its dvPortgroups
    the section changes, and the dvPortgroups the section creates there (their plan entries,
    key ``new:<name>``). ``run`` is the same for every switch of one section."""
    now = time.time() if now is None else now
    operations = [op for op in section.get("operations") or () if op.get("switch_uuid") == switch_uuid]
    changed = {op.get("name") for op in operations}
    before = [copy.deepcopy(pg) for pg in (section.get("before") or {}).get("dvportgroups") or ()
              if pg.get("switch_uuid") == switch_uuid and pg.get("name") in changed]
    created = [copy.deepcopy(pg) for pg in (section.get("after") or {}).get("dvportgroups") or ()
               if pg.get("switch_uuid") == switch_uuid and str(pg.get("key") or "").startswith(NEW_DVPORTGROUP_KEY)]
    switch = next((op.get("switch") for op in operations), None) or next((pg.get("switch") for pg in before + created), "")
    return {
        "v": FORMAT_VERSION, "kind": KIND_SWITCH, "run": run, "owner": owner, "time": now,
        "expires": now + lease_seconds + LEASE_MARGIN_SECONDS, "digest": plan_digest(operations),
        "switch": switch, "switch_uuid": switch_uuid, "phase": PHASE_APPLY, "operations": operations, "done": 0,
        "before": before, "created": created,
    }


def renew(record: dict, lease_seconds: float, now: float | None = None) -> dict:
    """The record with its lease extended from now."""
    now = time.time() if now is None else now
    return dict(record, expires=now + lease_seconds + LEASE_MARGIN_SECONDS)


def encode(record: dict) -> str:
    """The custom attribute value of a record; RecordError when it is larger than MAX_ENCODED."""
    payload = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
    value = f"{PREFIX}{FORMAT_VERSION}:" + base64.b64encode(zlib.compress(payload, 9)).decode("ascii")
    if len(value) > MAX_ENCODED:
        raise RecordError(f"the change record would be {len(value)} characters, more than the {MAX_ENCODED} allowed; "
                          f"split the change into smaller plans")
    return value


def decode(value: str | None) -> dict | None:
    """The record in a custom attribute value, None for no value; RecordError when it is foreign,
    of a newer format, or damaged."""
    if not value:
        return None
    if not value.startswith(PREFIX):
        raise RecordError(f"its {FIELD_NAME} attribute holds a value in a foreign format (not written by this collection)")
    version_text, _colon, payload = value[len(PREFIX):].partition(":")
    if not version_text.isdigit():
        raise RecordError(f"its {FIELD_NAME} attribute is damaged (no format version)")
    version = int(version_text)
    if version > FORMAT_VERSION:
        raise RecordError(f"its change record has format version {version}, newer than this collection's "
                          f"{FORMAT_VERSION}; use the collection version that wrote it")
    try:
        record = json.loads(zlib.decompress(base64.b64decode(payload, validate=True)))
    except (binascii.Error, zlib.error, ValueError) as error:
        raise RecordError(f"its change record is damaged ({error})") from None
    problems = validate(record)
    if problems:
        raise RecordError("its change record is damaged: " + "; ".join(problems))
    return record


def validate(record: Any) -> list[str]:
    """What is wrong with a decoded record (empty when usable)."""
    if not isinstance(record, dict):
        return ["not an object"]
    required = _SWITCH_REQUIRED if record.get("kind") == KIND_SWITCH else _REQUIRED
    problems = [f"{key} missing or not {kind.__name__ if isinstance(kind, type) else 'a number'}"
                for key, kind in required.items() if not isinstance(record.get(key), kind)]
    if not problems:
        if record["phase"] not in PHASES:
            problems.append(f"unknown phase {record['phase']!r}")
        if not 0 <= record["done"] <= len(record["operations"]):
            problems.append(f"done {record['done']} outside 0..{len(record['operations'])}")
    return problems


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True  # exists but not ours, or unknown: assume alive
    try:  # a killed process nobody reaped yet (a zombie) is gone too
        with open(f"/proc/{int(pid)}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def lease_state(record: dict, owner: dict | None = None, now: float | None = None) -> str:
    """``live`` (another run holds the host), ``expired`` (its writer is gone: an interruption), or
    ``own`` (this very process wrote it). A writer on this controller whose process no longer
    exists has expired at once; elsewhere the expiry time decides."""
    now = time.time() if now is None else now
    writer = record["owner"]
    me = owner or current_owner()
    if writer.get("host") == me.get("host") and writer.get("pid") == me.get("pid"):
        return "own"
    if writer.get("host") == me.get("host") and not _alive(writer.get("pid")):
        return "expired"
    return "live" if record["expires"] > now else "expired"


def summary(record: dict) -> dict:
    """What a record says, for findings, plans and messages (no host state)."""
    operations = record["operations"]
    done = record["done"]
    common = {
        "run": record["run"], "owner": describe_owner(record["owner"]), "job": record["owner"].get("job"),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record["time"])),
        "expires": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record["expires"])),
        "phase": record["phase"], "done": done, "total": len(operations),
        "next": operations[done].get("description") or operations[done]["op"] if done < len(operations) else None,
        "digest": record["digest"],
    }
    if record.get("kind") == KIND_SWITCH:
        return dict(common, switch=record["switch"], switch_uuid=record["switch_uuid"],
                    dvportgroups=sorted({pg["name"] for pg in record["before"] + record["created"]}),
                    created=sorted(pg["name"] for pg in record["created"]))
    return dict(common, vmknics=sorted(touched(operations, record.get("renamed"))[0]))


def record_facts(value: str | None, owner: dict | None = None, now: float | None = None, holder: str = "host") -> dict | None:
    """The ``change_record`` of a host's facts (docs/facts.md) from its attribute value: None for
    no record, else the record, its lease state (lease_state) and summary, or the error that makes
    it unusable. ``holder``: what the attribute is on (``host``, ``switch``), for the error."""
    try:
        record = decode(value)
        if record is not None and (record.get("kind") == KIND_SWITCH) != (holder == "switch"):
            raise RecordError(f"it holds a record of a {'switch' if record.get('kind') == KIND_SWITCH else 'host'}")
    except RecordError as error:
        return {"error": f"{holder} record unusable: {error}", "record": None, "lease": None, "summary": None}
    if record is None:
        return None
    return {"error": None, "record": record, "lease": lease_state(record, owner, now), "summary": summary(record)}


def goal_state(current: dict, state: dict, operations: list[dict], renamed: dict | None = None,
               rename: bool = False) -> dict:
    """``current`` with what ``operations`` touch put back to ``state`` (a record's before or
    target): vmknics touched are replaced by the state's, touched standard port groups likewise,
    software iSCSI when touched. Everything else stays as read, so that a rollback or recovery
    never reverts what another run or an operator changed elsewhere on the host. ``rename``: the
    state is a target whose new vmknics ESXi created under other names (``renamed``)."""
    devices, portgroups, _software = touched(operations, renamed)
    renamed = renamed if rename and renamed else {}
    goal = copy.deepcopy(current)
    goal["vmknics"] = [n for n in current.get("vmknics") or () if n["device"] not in devices]
    for nic in state.get("vmknics") or ():
        nic = copy.deepcopy(nic)
        nic["device"] = renamed.get(nic["device"], nic["device"])
        goal["vmknics"].append(nic)
    goal["portgroups"] = [p for p in current.get("portgroups") or ()
                          if p.get("switch_type") != "standard" or (p.get("switch"), p.get("name")) not in portgroups]
    listed = {(p.get("switch_type"), p.get("switch"), p.get("name")) for p in goal["portgroups"]}
    goal["portgroups"] += [copy.deepcopy(p) for p in state.get("portgroups") or ()
                           if (p.get("switch_type"), p.get("switch"), p.get("name")) not in listed]
    for key in ("software_iscsi_enabled", "iscsi_adapters"):
        if key in state:
            goal[key] = copy.deepcopy(state[key])
    return goal


def recovery_goal(current: dict, record: dict, choice: str) -> dict:
    """Where recovery takes the host: back to the record's before-state (undo) or on to its target
    (finish), for what the interrupted run touched."""
    if choice not in RECOVERY_CHOICES:
        raise ValueError(f"recovery must be one of {', '.join(RECOVERY_CHOICES)}, not {choice!r}")
    state = record["before"] if choice == UNDO else record["target"]
    return goal_state(current, state, record["operations"], record.get("renamed"), rename=choice == FINISH)


def with_records(document: dict, hosts: list[dict], choice: str) -> dict:
    """The plan document with the change records of ``hosts`` (facts) taken into account: a host
    with an interrupted record gets a recovery entry (to the record's before-state or target, as
    ``choice`` says) instead of the intent's, and the intent's refusals of it are dropped; a host
    with a live lease of another run keeps its entry, marked ``locked`` (remediation_apply refuses
    it); an unusable record is a refusal naming the host."""
    from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._reconcile import reconcile
    from ansible_collections.vmkernel.multihoming.plugins.module_utils.engine._simulate import simulate

    by_name = {h["name"]: h for h in hosts}
    recovering, refusals = set(), []
    entries = []
    for entry in document["hosts"]:
        found = (by_name.get(entry["host"]) or {}).get("change_record")
        if not found:
            entries.append(entry)
        elif found["error"]:
            refusals.append({"host": entry["host"], "class": None,
                             "message": f"host {entry['host']}: {found['error']}; nothing is changed there"})
            entries.append(entry)
        elif found["lease"] == "live":
            entries.append(dict(entry, locked=found["summary"]))
        else:
            current = by_name[entry["host"]]
            goal = recovery_goal(current, found["record"], choice)
            operations = reconcile(current, goal)
            recovering.add(entry["host"])
            attachable = [p for p in goal["portgroups"] if p.get("switch_type") == "distributed"]
            entries.append(dict(entry, changed=True, classes={}, operations=operations,
                                after=simulate(current, operations, portgroups=attachable),
                                recovery=dict(found["summary"], choice=choice)))
    kept = [r for r in document["refusals"] if r.get("host") not in recovering] + refusals
    result = dict(document, hosts=entries, refusals=kept, executable=not kept)
    result["summary"] = dict(document["summary"], refusals=len(kept), hosts_recovering=len(recovering),
                             hosts_changed=sum(1 for e in entries if e["changed"]))
    return result
