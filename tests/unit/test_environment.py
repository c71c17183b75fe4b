"""environment.yml (conda) and pyproject.toml must list the same pinned dependencies."""

from __future__ import annotations

import tomllib

import yaml


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {p for p in pip if not p.startswith("-e")}
    assert listed == wanted
    assert all("==" in p for p in wanted), "every dependency is pinned"
