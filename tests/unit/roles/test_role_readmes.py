# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role has a README.md (Galaxy's importer requires one) whose variables table says what the
role's meta/argument_specs.yml says: the same variables, types and defaults. The types of the
variables meta/argument_specs.yml declares raw, so that a wrong value fails in one line, are in the
role's vars/argument_types.yml: the two files must agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = Path(__file__).resolve().parents[3]
ROLES = sorted(p.parent.parent for p in (REPO / "roles").glob("*/meta/argument_specs.yml"))
# The roles' shared first task (checks a calling role's vars/argument_types.yml); not for playbooks.
ARGUMENT_CHECK = REPO / "roles" / "argument_check"
USER_ROLES = [role for role in ROLES if role != ARGUMENT_CHECK]
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


def argument_specs(role: Path) -> dict:
    return yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]


def argument_types(role: Path) -> dict:
    return yaml.safe_load((role / "vars" / "argument_types.yml").read_text(encoding="utf-8"))


def test_every_role_is_covered():
    assert [r.name for r in ROLES] == sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())
    assert ROLES


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_readme_variables_match_argument_specs(role):
    options = argument_specs(role)
    types = argument_types(role)
    table = readme_table(role)
    assert list(table) == list(options), "README.md's variables table and argument_specs differ"
    for name, spec in options.items():
        row = table[name]
        assert row["type"] == types.get(name, spec).get("type", "str"), name
        assert documented_default(row["default"]) == spec.get("default"), name
    text = (role / "README.md").read_text(encoding="utf-8")
    assert f"# Role `vmkernel.multihoming.{role.name}`" in text
    called_as = "name" if role == ARGUMENT_CHECK else "role"  # imported by the roles, not listed in a play
    assert "## Example" in text and f"{called_as}: vmkernel.multihoming.{role.name}" in text


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_argument_types_cover_every_variable_that_can_fail_conversion(role):
    """Every variable whose value ansible-core's argument validation could reject (a type other
    than str, or choices) is raw in meta/argument_specs.yml and typed in vars/argument_types.yml;
    its default passes that check."""
    options = argument_specs(role)
    types = argument_types(role)
    assert set(types) <= set(options)
    for name, spec in options.items():
        if name in types:
            assert spec["type"] == "raw" and not {"choices", "elements"} & set(spec), name
            assert types[name]["type"] != "raw", name
        else:
            assert spec.get("type", "str") in ("str", "path", "raw") and "choices" not in spec, name
    defaults = {name: spec["default"] for name, spec in options.items() if name in types and "default" in spec}
    result = ArgumentSpecValidator(types).validate(defaults)
    assert not result.error_messages


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.name)
def test_first_task_checks_the_argument_types(role):
    """Each role's first task is the shared check, given the role's own name (so its own
    vars/argument_types.yml), which the check reports in one line."""
    first = yaml.safe_load((role / "tasks" / "main.yml").read_text(encoding="utf-8"))[0]
    assert first["ansible.builtin.import_role"] == {"name": "vmkernel.multihoming.argument_check"}
    assert first["vars"] == {"argument_check_role": role.name}
    check, report = yaml.safe_load((ARGUMENT_CHECK / "tasks" / "main.yml").read_text(encoding="utf-8"))
    assert "'/../' ~ argument_check_role ~ '/vars/argument_types.yml'" in check["ansible.builtin.validate_argument_spec"]["argument_spec"]
    assert check["register"] in report["ansible.builtin.fail"]["msg"] and check["register"] in report["when"]
