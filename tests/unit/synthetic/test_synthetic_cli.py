"""helpers.synthetic.cli (``assess demo-data``), with the record-level extract it adds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.synthetic.cli import demo_data_main


def test_records_hook_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert demo_data_main(["--scale", "small", "--seed", "7", "--out", str(out)]) == 0
    assert "SYNTHETIC England (small, seed 7)" in capsys.readouterr().out
    man = json.loads((out / "generator_manifest.json").read_text())
    truth = pd.read_csv(out / "planted_truth.csv")
    # helpers.synthetic.records is always there now (imported by generate), so the records
    # are always written unless generate(records=False) (see test_plans_priorities_and_manifest)
    assert man["records"].startswith("written")
    own = {
        "ae_4hr_pct",
        "ae_12hr_pct",
        "rtt_18wk_pct",
        "cancer_62d_pct",
        "diagnostics_6wk_pct",
        "patient_survey_positive_pct",
        "hcai_cdiff_rate",
        "sickness_absence_pct",
        "staff_engagement_mean",
        "cost_index",
        "mh_access_pct",
        "flu_vaccination_pct",
    }
    assert set(truth.metric_id) - own  # the record-level truth rows were appended
    assert list(truth.columns) == [
        "synthetic",
        "org_code",
        "metric_id",
        "effect_scale",
        "effect",
        "truly_differs",
    ]
    # effect is the planted part only, in both halves of the file
    neutral = np.where(truth.effect_scale == "shift", 0.0, 1.0)
    assert (truth.effect[~truth.truly_differs] == neutral[~truth.truly_differs]).all()
    assert (truth.effect[truth.truly_differs] != neutral[truth.truly_differs]).all()
    # the record-level extract follows the successions: spells only while open, merging codes
    # never planted, a code change with one truth under both codes
    orgs = pd.read_csv(out / "organisations.csv", dtype=str, keep_default_na=False)
    succ = pd.read_csv(out / "successions.csv", dtype=str)
    spells = pq.read_table(
        out / "record_level" / "admissions.parquet", columns=["provider_code", "admission_date"]
    ).to_pandas()
    span = spells.groupby("provider_code").admission_date.agg(["min", "max"])
    dates = orgs.set_index("org_code")[["open_date", "close_date"]]
    for code in set(succ.old_code) | set(succ.new_code):
        first, last = pd.Timestamp(span.loc[code, "min"]), pd.Timestamp(span.loc[code, "max"])
        assert first >= pd.Timestamp(dates.loc[code, "open_date"]), code
        if dates.loc[code, "close_date"]:
            assert last <= pd.Timestamp(dates.loc[code, "close_date"]), code
    merging = succ[succ.new_code.duplicated(keep=False)]
    codes = set(merging.old_code) | set(merging.new_code)
    assert not truth[truth.org_code.isin(codes)].truly_differs.any()
    for r in succ[~succ.new_code.duplicated(keep=False)].itertuples():
        a = truth[truth.org_code == r.old_code][["metric_id", "effect", "truly_differs"]]
        b = truth[truth.org_code == r.new_code][["metric_id", "effect", "truly_differs"]]
        assert a.to_numpy().tolist() == b.to_numpy().tolist()
