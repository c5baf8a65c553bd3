# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's errors, and any error as one readable line (private).

One hierarchy: every error the collection raises on purpose is a MultihomingError carrying
``problems`` (every reason, one sentence each); its text is the class's ``prefix`` and the
problems joined by "; ". Subclasses exist where a caller must tell them apart. A module reports
one as a ModuleFailure, which VsphereModule.run (ansible_module/_base.py) turns into fail_json.
"""

from __future__ import annotations

from typing import Any, Optional, Union


def describe(error: BaseException) -> str:
    """A vSphere fault's type and message (``NotFound: vmk9 ...``), or any exception's text."""
    name = type(error).__name__.rsplit(".", 1)[-1]
    text = getattr(error, "msg", None) or str(error)
    return f"{name}: {text}" if text and text != name else name


class MultihomingError(Exception):
    """Base of the collection's errors; ``problems``: every reason, one sentence each."""

    prefix = ""

    def __init__(self, problems: Union[list[str], str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self.prefix + "; ".join(self.problems))


class ModuleFailure(MultihomingError):
    """A module run ends failed: ``msg`` as the module reports it, ``result`` the other keys of the
    failed result (``problems`` among them when the failure lists reasons)."""

    def __init__(self, msg: str, problems: Optional[list[str]] = None, **result: Any):
        super().__init__(msg)
        self.msg = msg
        self.result = dict(result, problems=list(problems)) if problems is not None else result


class VsphereConnectionError(MultihomingError):
    """Connecting or logging in failed; the message is meant for the user as it is."""


class ScopeError(MultihomingError):
    """The requested scope names something that does not exist."""


class InvalidOptions(MultihomingError, ValueError):
    """A module's options contradict themselves."""


class IntentError(MultihomingError, ValueError):
    """The remediation intent is invalid."""

    prefix = "invalid remediation intent: "


class PlanError(MultihomingError):
    """The intent cannot be applied safely. ``plan``: the would-be plan document (for reporting
    only, never to execute), if one was built."""

    prefix = "remediation refused: "

    def __init__(self, problems: list[str], plan: Optional[dict] = None):
        super().__init__(problems)
        self.plan = plan


class SimulationError(PlanError):
    """An operation does not apply to the state it is simulated on (a planner or executor bug)."""


class RecordError(MultihomingError):
    """A change record that cannot be used; the message names what is wrong."""
