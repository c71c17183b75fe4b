"""``python tests/parity/run.py`` (``make parity``) runs every reference comparison and exits 0;
a wrong reference value makes it fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from parity.checks import FAMILIES
from parity.run import main, run_all
from stats_refs import REF

ROOT = Path(__file__).resolve().parents[3]
RUNNER = ROOT / "tests" / "parity" / "run.py"


def test_parity_command_exits_zero() -> None:
    """The command of ``make parity``, from the repository root as a fresh clone would run it."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, str(RUNNER.relative_to(ROOT)), "--reference", str(REF)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout
    assert "comparisons pass" in proc.stdout


def test_every_family_has_checks_and_only_filters() -> None:
    for family in FAMILIES:
        assert run_all(REF, only=[family]), family
    assert len(run_all(REF, only=["compare"])) == 3


@pytest.fixture()
def wrong_ref(tmp_path: Path) -> Path:
    """A copy of the reference folder with one Byars limit changed in the 4th significant digit."""
    shutil.copytree(REF, tmp_path / "ref")
    f = tmp_path / "ref/phe_indicator_methods/testdata_Byars_Wilson__testdata_B_W.csv"
    text = f.read_text()
    assert "50.163187710459454" in text
    f.write_text(text.replace("50.163187710459454", "50.17"))
    return tmp_path / "ref"


def test_parity_fails_on_a_wrong_reference(wrong_ref: Path) -> None:
    """A perturbed reference file makes the comparison fail (the runner is not vacuous)."""
    results = run_all(wrong_ref, only=["ci"])
    byars = [r for r in results if r.function == "byars_lower/upper"][0]
    assert not byars.passed
    assert "waldo" in byars.detail
    assert all(r.passed for r in results if r is not byars)


def test_parity_exits_one_on_a_wrong_reference(
    wrong_ref: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--reference", str(wrong_ref), "--only", "ci"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "comparisons pass" in out
