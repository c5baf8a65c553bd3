# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role has a README.md (Galaxy's importer requires one) whose variables table says what the
role's meta/argument_specs.yml says: the same variables, types and defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ROLES = sorted(p.parent.parent for p in (REPO / "roles").glob("*/meta/argument_specs.yml"))
ROW = re.compile(r"^\| `(?P<name>[a-z0-9_]+)` \| (?P<type>[a-z]+) \|(?P<default>[^|]*)\| (?P<what>[^|]+) \|$")


def readme_table(role: Path) -> dict[str, dict[str, str]]:
    return {m["name"]: m.groupdict() for m in map(ROW.match, (role / "README.md").read_text(encoding="utf-8").splitlines()) if m}


def documented_default(cell: str):
    cell = cell.strip()
    if not cell:
        return None
    assert cell.startswith("`") and cell.endswith("`"), cell
    text = cell[1:-1]
    return text if "{{" in text else yaml.safe_load(text)


def test_every_role_is_covered():
    assert [r.name for r in ROLES] == sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())
    assert ROLES


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_readme_variables_match_argument_specs(role):
    options = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))[
        "argument_specs"]["main"]["options"]
    table = readme_table(role)
    assert list(table) == list(options), "README.md's variables table and argument_specs differ"
    for name, spec in options.items():
        row = table[name]
        assert row["type"] == spec.get("type", "str"), name
        assert documented_default(row["default"]) == spec.get("default"), name
    text = (role / "README.md").read_text(encoding="utf-8")
    assert f"# Role `vmkernel.multihoming.{role.name}`" in text
    assert "## Example" in text and f"role: vmkernel.multihoming.{role.name}" in text
