# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/awx.md's execution-environment.yml (the collection from its built tarball) is one that
ansible-builder accepts: `ansible-builder create` writes the build context (no container engine
needed), and that context installs the built tarball (its requirements.txt is read inside the
image, through meta/execution-environment.yml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from harness import REPO, ansible_env

BUILDER = Path(sys.executable).parent / "ansible-builder"
pytestmark = pytest.mark.skipif(not BUILDER.exists(), reason="ansible-builder (from galaxy-importer) is not installed")


def documented_ee() -> str:
    text = (REPO / "docs" / "awx.md").read_text(encoding="utf-8")
    section = text[text.index("**Option A"):]
    return section[section.index("```yaml\n") + len("```yaml\n"):section.index("```", section.index("```yaml\n") + 8)]


def test_documented_execution_environment_builds_from_the_tarball(tmp_path):
    ee = yaml.safe_load(documented_ee())
    tarball_name = ee["additional_build_files"][0]["src"]
    env = ansible_env()
    subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "build", "--output-path",
                    str(tmp_path), str(REPO)], check=True, capture_output=True, env=env, timeout=300)
    assert (tmp_path / tarball_name).is_file(), sorted(p.name for p in tmp_path.iterdir())
    (tmp_path / "execution-environment.yml").write_text(documented_ee(), encoding="utf-8")
    proc = subprocess.run([str(BUILDER), "create", "-f", "execution-environment.yml", "--context", "context",
                           "--output-filename", "Containerfile"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert "COPY _build/collections/ /tmp/collections/" in containerfile
    # The tarball is in the context, where that COPY takes it from, and is the collection.
    copied = context / "_build" / "collections" / tarball_name
    with tarfile.open(copied) as archive:
        assert "MANIFEST.json" in archive.getnames()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert requirements["collections"] == [{"name": f"/tmp/collections/{tarball_name}", "type": "file"}]
    shutil.rmtree(context)
