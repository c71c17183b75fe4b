"""``python -m helpers.parity`` runs every reference comparison and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from stats_refs import REF

from helpers import parity

SRC = Path(__file__).resolve().parents[3] / "src"


def test_parity_command_exits_zero() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.parity", "--reference", str(REF)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout
    assert "comparisons pass" in proc.stdout


def test_parity_fails_on_a_wrong_reference(tmp_path: Path) -> None:
    """A perturbed reference file makes the comparison fail (the runner is not vacuous)."""
    import shutil

    shutil.copytree(REF, tmp_path / "ref")
    f = tmp_path / "ref/phe_indicator_methods/testdata_Byars_Wilson__testdata_B_W.csv"
    text = f.read_text().replace("50.163187710459454", "50.17")
    f.write_text(text)
    results = parity.checks_ci(tmp_path / "ref")
    byars = [r for r in results if r.function == "byars_lower/upper"][0]
    assert not byars.passed
