# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors as one readable line (private)."""

from __future__ import annotations


def describe(error: BaseException) -> str:
    """A vSphere fault's type and message (``NotFound: vmk9 ...``), or any exception's text."""
    name = type(error).__name__.rsplit(".", 1)[-1]
    text = getattr(error, "msg", None) or str(error)
    return f"{name}: {text}" if text and text != name else name
