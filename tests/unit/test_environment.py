"""The environment: environment.yml (conda) and pyproject.toml list the same pinned
dependencies; the licence is an SPDX expression; the Makefile finds Python quietly."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {p for p in pip if not p.startswith("-e")}
    assert listed == wanted
    assert all("==" in p for p in wanted), "every dependency is pinned"


def test_the_licence_is_an_spdx_expression_setuptools_can_read(root):
    """PEP 639: ``license`` is an SPDX expression, which setuptools reads from version 77."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"
    setuptools = next(r for r in pyproject["build-system"]["requires"] if "setuptools" in r)
    minimum = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)
    assert minimum and int(minimum.group(1)) >= 77, setuptools


def test_the_makefiles_python_search_is_silent_when_a_shim_fails(root, tmp_path):
    """`command -v` finds pyenv's shims for Pythons that are not installed; running one prints
    "pyenv: python3.13: command not found". The Makefile's search must print nothing and go on
    to a Python that works."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("python3.13", "python3.12"):
        shim = shims / name
        shim.write_text(f'#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n')
        shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "MFLAGS")}
    env["PATH"] = f"{shims}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        [make, "-s", "--no-print-directory", "--eval", "_probe: ; @echo $(PYTHON)", "_probe"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.strip() in ("python3.11", "python3")  # the shims were passed over
