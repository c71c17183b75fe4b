"""The generated files keep the contracts of the rest of the pipeline: read back through the
ingest readers they show the successions, the planted outliers (helpers.synthetic.plant) and
the plans as intended, and the local priorities name ICB metrics of the catalogue.

The only tests of the synthetic package that import outside it (readers and settings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.settings import load_catalogue
from helpers.synthetic.readback import read_synthetic_folder


@pytest.fixture(scope="module")
def measures(small: Path) -> pd.DataFrame:
    return read_synthetic_folder(small)[0]


def test_successions_two_mergers_and_a_code_change(small: Path, measures: pd.DataFrame):
    orgs = pd.read_csv(small / "organisations.csv", dtype=str, keep_default_na=False)
    succ = pd.read_csv(small / "successions.csv", dtype=str)
    assert list(succ.columns) == ["synthetic", "old_code", "new_code", "date"]
    per_new = succ.groupby("new_code").size()
    assert sorted(per_new.tolist()) == [1, 2, 2]
    att = measures[measures.measure == "attendances"]
    first, last = att.month.min(), att.month.max()
    for r in succ.itertuples():
        date = pd.Timestamp(r.date)
        assert first < date <= last  # inside the period
        old = orgs.set_index("org_code").loc[r.old_code]
        assert old.successor_code == r.new_code
        assert old.close_date == (date - pd.Timedelta(days=1)).strftime("%Y%m%d")
        assert orgs.set_index("org_code").loc[r.new_code].open_date == date.strftime("%Y%m%d")
        assert att[att.org_code_published == r.old_code].month.max() < date
        assert att[att.org_code_published == r.new_code].month.min() == date


def test_plans_are_missed_by_most_and_delivered_by_some(
    small: Path, measures: pd.DataFrame
) -> None:
    plans = pd.read_csv(small / "plans.csv")
    plans = plans[plans.metric_id == "ae_4hr_pct"].assign(month=lambda d: pd.to_datetime(d.month))
    m = measures.pivot_table(
        index=["org_code_published", "month"], columns="measure", values="value"
    ).reset_index()
    m["actual"] = 100 * m.within_4h / m.attendances
    j = plans.merge(m, left_on=["org_code", "month"], right_on=["org_code_published", "month"])
    gap = (j.planned_value - j.actual).groupby(j.org_code).mean()
    short = (gap > 0).mean()
    assert 0.5 < short < 0.95, short  # most trusts fall short of their promise
    assert (gap < 0).sum() >= 2  # and some beat it, so delivery is not a foregone conclusion


def _pooled(measures: pd.DataFrame, num: str, den: str) -> pd.Series:
    w = measures[measures.measure.isin([num, den])].pivot_table(
        index=["org_code_published", "month"], columns="measure", values="value", aggfunc="sum"
    )
    w = w.dropna()
    s = w.groupby(level=0).sum()
    return s[num] / s[den]


@pytest.mark.parametrize(
    "metric, num, den, scale",
    [
        ("ae_4hr_pct", "within_4h", "attendances", "logit"),
        ("ae_12hr_pct", "over_12h_from_arrival", "attendances", "logit"),
        ("rtt_18wk_pct", "rtt_within_18w", "rtt_total", "logit"),
        ("cancer_62d_pct", "cancer_62d_within", "cancer_62d_total", "logit"),
        ("diagnostics_6wk_pct", "dm01_over_6w", "dm01_total", "logit"),
        ("patient_survey_positive_pct", "survey_positive", "survey_respondents", "logit"),
        ("sickness_absence_pct", "fte_days_lost", "fte_days_available", "logit"),
        ("mh_access_pct", "mh_access_people", "mh_prevalence", "logit"),
        ("flu_vaccination_pct", "flu_vaccinated", "flu_eligible", "logit"),
        ("cost_index", "cost_actual_k", "cost_expected_k", "log"),
    ],
)
def test_planted_outliers_differ(
    small: Path, measures: pd.DataFrame, metric: str, num: str, den: str, scale: str
) -> None:
    truth = pd.read_csv(small / "planted_truth.csv")
    t = truth[truth.metric_id == metric].set_index("org_code")
    assert t.truly_differs.sum() >= 1 and (~t.truly_differs).sum() >= 4
    p = _pooled(measures, num, den)
    x = np.log(p / (1 - p)) if scale == "logit" else np.log(p)
    x = x[x.index.isin(t.index)]
    # the organisations planted to fail persistently are moved on every metric: not "normal"
    a = pd.read_csv(small / "planted_assessment.csv")
    failing = set(a.org_code[a.planted_failing])
    normal = x[~t.truly_differs.reindex(x.index) & ~x.index.isin(failing)]
    centre, spread = normal.median(), normal.std()
    for code, row in t[t.truly_differs].iterrows():
        if code not in x:
            continue
        z = (x[code] - centre) / spread
        assert abs(z) > 2, (metric, code, z)
        assert np.sign(z) == np.sign(np.log(row.effect)), (metric, code, z, row.effect)


def test_engagement_shift_and_cdiff_rate_outliers(small: Path, measures: pd.DataFrame):
    truth = pd.read_csv(small / "planted_truth.csv")
    t = truth[truth.metric_id == "staff_engagement_mean"].set_index("org_code")
    mean = (
        measures[measures.measure == "staff_engagement_mean"]
        .groupby("org_code_published")
        .value.mean()
    )
    dev = mean - mean[~t.truly_differs.reindex(mean.index)].median()
    for code, row in t[t.truly_differs & t.index.isin(mean.index)].iterrows():
        assert abs(dev[code]) > 0.3 and np.sign(dev[code]) == np.sign(row.effect)
    t = truth[truth.metric_id == "hcai_cdiff_rate"].set_index("org_code")
    cases = measures[measures.measure == "hcai_cdiff"].groupby("org_code_published").value.sum()
    obd = (
        measures[measures.measure == "occupied_bed_days"].groupby("org_code_published").value.sum()
    )
    rate = np.log(cases / obd).dropna()
    normal = rate[~t.truly_differs.reindex(rate.index)]
    for code, row in t[t.truly_differs & t.index.isin(rate.index)].iterrows():
        z = (rate[code] - normal.median()) / normal.std()
        assert abs(z) > 1.5 and np.sign(z) == np.sign(np.log(row.effect))


def test_local_priorities_are_icb_metrics_of_the_catalogue(small: Path, root: Path) -> None:
    catalogue = load_catalogue(root / "config" / "metrics" / "synthetic.yml")
    icb_metrics = {m.id for m in catalogue.metrics if "icb" in m.org_types}
    pri = pd.read_csv(small / "local_priorities.csv")
    assert len(pri) and set(pri.metric_id) <= icb_metrics, set(pri.metric_id) - icb_metrics
