"""A user's own settings file anywhere on disk, without the optional files (successions, plans,
local priorities): `assess validate` passes it and `assess run` publishes the assessment, the
settings named in provenance by absolute path and SHA-256 and passed to the notebooks as such."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from helpers.core.files import sha256

ASSESS = Path(sys.executable).parent / "assess"


def test_own_settings_outside_the_project_without_optional_files(project_copy: Path, tmp_path):
    data = yaml.safe_load((project_copy / "config/fast/uec-fast.yml").read_text(encoding="utf-8"))
    data["id"] = "own-settings"  # its own reports/<id>, apart from the other tests' runs
    for optional in ("successions", "successions_supplement"):
        del data["reference"][optional]
    assert "plans" not in data["sources"] and "local_priorities" not in data["reference"]
    own = tmp_path / "somewhere else" / "my.yml"
    own.parent.mkdir()
    own.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "ASSESS_ROOT": str(project_copy)}  # from any folder
    for command in ("validate", "run"):
        proc = subprocess.run(
            [str(ASSESS), command, str(own)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        # the kernels' own warnings are in the run's log, not in the analyst's console
        if command == "run":
            assert "Kernel is running over TCP" not in proc.stderr + proc.stdout
            log = project_copy / "reports" / "_logs" / "own-settings.log"
            assert "IPKernelApp" in log.read_text(encoding="utf-8")
    out = project_copy / "reports" / "own-settings"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["settings"] == {
        "file": own.resolve().as_posix(),
        "sha256": sha256(own),
        "extends": [],
    }
    # the site's settings (title, publisher) are named by their own hash, not as extended
    assert prov["site_settings"] == {
        "file": "config/site.yml",
        "sha256": sha256(project_copy / "config" / "site.yml"),
    }
    roles = {i["role"] for i in prov["inputs"]}
    assert not any("successions" in r for r in roles)
    executed = nbformat.read(out / "pipeline" / "10_ingest.ipynb", as_version=4)
    injected = next(
        c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])
    )
    assert f'config_path = "{own.resolve().as_posix()}"' in injected.source
    assert (out / "results" / "indicators.csv").exists()
