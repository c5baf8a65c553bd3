# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's errors, and any error as one readable line (private)."""

from __future__ import annotations

from typing import Optional


def describe(error: BaseException) -> str:
    """A vSphere fault's type and message (``NotFound: vmk9 ...``), or any exception's text."""
    name = type(error).__name__.rsplit(".", 1)[-1]
    text = getattr(error, "msg", None) or str(error)
    return f"{name}: {text}" if text and text != name else name


class PlanError(Exception):
    """The intent cannot be applied safely. ``problems``: every reason, one sentence each;
    ``plan``: the would-be plan document (for reporting only, never to execute), if one was built."""

    def __init__(self, problems: list[str], plan: Optional[dict] = None):
        super().__init__("remediation refused: " + "; ".join(problems))
        self.problems = list(problems)
        self.plan = plan


class SimulationError(PlanError):
    """An operation does not apply to the state it is simulated on (a planner or executor bug)."""
