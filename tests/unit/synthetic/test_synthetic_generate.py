"""helpers.synthetic.generate: determinism, the faulty files and the manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from helpers.synthetic.generate import DEFAULT_SEED, generate

SEED = DEFAULT_SEED


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    summary = generate("small", SEED, again, records=False)
    assert _hashes(again) == _hashes(small)
    assert summary["rows"] > 10_000 and summary["seconds"] > 0
    assert any(name.endswith(".xlsx") for name in _hashes(small))


def test_other_seed_differs_and_faults_leave_clean_files_alone(small: Path, tmp_path: Path):
    other = tmp_path / "other"
    generate("small", SEED + 1, other, records=False)
    a, b = _hashes(small), _hashes(other)
    assert a.keys() == b.keys()
    assert all(a[k] != b[k] for k in a if k.startswith(("ae_monthly", "rtt_", "plans")))
    faulty = tmp_path / "faulty"
    generate("small", SEED, faulty, faults=True, records=False)
    c = _hashes(faulty)
    assert {k for k in c if k.startswith("faults/")} == {
        "faults/ae_monthly_faults_2024-25.csv",
        "faults/rtt_incomplete_faults_2024-25.xlsx",
        "faults/expected_rejections.csv",
    }
    assert all(c[k] == a[k] for k in a if k != "generator_manifest.json")


def test_plans_priorities_and_manifest(small: Path) -> None:
    plans = pd.read_csv(small / "plans.csv", dtype={"month": str})
    assert set(plans.metric_id) == {
        "ae_4hr_pct",
        "ae_12hr_pct",
        "rtt_18wk_pct",
        "rtt_52wk_count",
        "cancer_62d_pct",
        "diagnostics_6wk_pct",
        "finance_surplus_k",
    }
    assert plans.month.str.fullmatch(r"\d{4}-\d{2}-01").all()
    assert not plans.duplicated(["org_code", "metric_id", "month"]).any()
    pri = pd.read_csv(small / "local_priorities.csv")
    assert list(pri.columns) == ["synthetic", "icb_code", "metric_id", "reason"] and len(pri)
    man = json.loads((small / "generator_manifest.json").read_text())
    assert "SYNTHETIC" in man["statement"] and man["seed"] == SEED and man["scale"] == "small"
    assert man["records"].startswith("skipped")
    for f in man["files"]:
        digest = hashlib.sha256((small / f["path"]).read_bytes()).hexdigest()
        assert digest == f["sha256"], f["path"]
    by_path = {f["path"]: f["rows"] for f in man["files"]}
    assert by_path["plans.csv"] == len(plans)
