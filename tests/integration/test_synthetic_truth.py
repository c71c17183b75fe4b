"""The statistics against the planted truth of the SYNTHETIC England.

The generator (``helpers.synthetic.generate`` and ``helpers.synthetic.records``) makes a few
organisations truly different on purpose and records them in ``planted_truth.csv``. This module
runs the three synthetic assessments through the pipeline stages (the call sequence of
notebooks 10-30, in memory: nothing is written to reports/ or _site/) and checks that the peer
comparison finds the planted differences and does not flag the organisations that only carry
ordinary noise.

How the generator plants an effect (read from the generator, seed 2026, scale small):

* **Every year alike, one direction.** An effect is fixed per organisation for all three years:
  a log odds ratio (proportions), log rate ratio (C. difficile, cost index, avoidable
  admissions) or additive shift (staff engagement mean). ``effect > 1`` (``> 0`` for a shift)
  always *raises the published value*, whatever the metric's polarity: a raised 12-hour wait
  share is "worse", a raised 4-hour share "better".
* **Who is planted.** ``generate._plant``: about 10% of the organisations of the file's type
  (ICBs, general acute trusts for A&E, all acute trusts for RTT/cancer/diagnostics/C. difficile,
  all trusts for the patient survey, sickness, engagement and cost index), magnitude
  0.7-1.0 on the log-odds scale for access metrics, 0.6-0.8 patient survey, 0.75-1.0 C. diff,
  0.3-0.4 sickness, 0.5-0.7 points engagement, 0.12-0.16 cost index, 0.45-0.6 for the two ICB
  metrics. Every organisation also gets a random effect (sd 0.03-0.2), so a "not planted"
  organisation is *not* identical to England, only unremarkable. Codes in a merger are never
  planted; the code change (ZJT -> ZLU) carries the same effect under both codes.
* ``records.write_admissions`` (readmissions, SHMI-like mortality, avoidable admissions):
  planted odds ratios 1.5-1.9 or 0.5-0.65 (rate ratio 1.3-1.5 / 0.67-0.77 for ICBs), others
  N(0, 0.05) truncated at +-0.1. Unlike ``_plant`` it *may* plant merging codes, gives the new
  code of the code change its own effect, and sends spells to successor codes from the first
  month (it ignores ``open_date``; ZVM has spells from April 2022 though it opened in July 2024).
  With seed 2026 the SHMI outliers include ZA9 (low, merged into ZVM in July 2024) and ZVM
  itself (high): the published ZVM mixes 0.50, 0.94 and 1.65, so it has no single truth.

The pipeline reports predecessors under their successor, so an organisation is scored only when
every code folded into it carries the same planted truth (:func:`scoreable`); that removes ZVM
from the SHMI scoring and nothing else.

Measured on this data (org-years; "power" = share of planted org-years flagged in the planted
direction; "false alarms" = share of not-planted org-years flagged either way):

=======================  ====  ====  =========  ========  =========  =========  ==========
acute metric             true  null  funnel     funnel    funnel FA  CI 99.8%   CI 99.8%
                                     99.8% pow  95% pow   99.8%      power      false alarm
=======================  ====  ====  =========  ========  =========  =========  ==========
ae_4hr_pct                  6    51  1.00       1.00      0.00       1.00       1.00
ae_12hr_pct                 6    51  1.00       1.00      0.00       1.00       0.90
rtt_18wk_pct                9    57  1.00       1.00      0.00       1.00       0.89
cancer_62d_pct              9    57  1.00       1.00      0.00       1.00       0.49
diagnostics_6wk_pct         9    57  1.00       1.00      0.00       1.00       0.91
patient_experience_pct      6    59  0.83       1.00      0.00       1.00       0.14
sickness_absence_pct       12    54  1.00       1.00      0.00       1.00       1.00
readmission_30d_pct         9    57  1.00       1.00      0.00       1.00       0.04
shmi_ratio                  3    60  1.00       1.00      0.00       1.00       0.00
cdiff_rate (no funnel)      9    57  -          -         -          1.00       0.00
staff_engagement_score      6    60  -          -         -          1.00       0.37
=======================  ====  ====  =========  ========  =========  =========  ==========

Mental health trusts (7) and ICBs (6) are fewer than the 10 organisations a funnel needs, so
only the CI comparison applies there: it found every planted org-year (MH staff engagement,
ICB mental health access, flu uptake and avoidable admissions, 3 org-years each). No mental
health trust is planted for patient experience, sickness or cost index with this seed.

Why the thresholds are what they are:

* Funnel power: 1.00 measured for every metric except patient experience at 99.8% (0.83: one
  org-year of a trust with OR 2.2 on about 500 respondents falls just inside, between the 95%
  and 99.8% limits). Asserted >= 0.75 per metric (one miss allowed in 6-12 org-years), 95%
  limits for patient experience, and >= 0.9 pooled. SHMI has a single scoreable planted trust
  (3 org-years): >= 2/3.
* Funnel false alarms at 99.8%: 0 of ~500 not-planted org-years. Asserted <= 5% per metric and
  <= 2% pooled (the nominal rate is 0.2%; a little room for the random effects).
* CI comparison (Fingertips, 99.8%) power: 1.00 for every planted metric; asserted >= 0.75
  (>= 2/3 for the 3-org-year ones) and >= 0.9 pooled.
* CI comparison false alarms are asserted only where not-planted organisations differ by little
  more than sampling noise (C. difficile 0.00, readmissions 0.04, SHMI 0.00: <= 10%). For the
  high-volume access metrics, sickness, patient experience, staff engagement and the ICB
  metrics the measured rate is 5-100% (MH staff engagement 0.06, patient experience 0.14,
  staff engagement 0.37, cancer 0.49, the rest 0.81-1.00; ICBs 0.33-1.00): the generator
  gives every organisation a real random effect (e.g. sd 0.2 on the log-odds of the 4-hour
  share, about +-4 points) that the comparison, which allows only for sampling error on tens
  of thousands of patients, rightly calls a difference; for the 6 ICBs the one planted ICB
  also pulls the England value away from the other five. That is what the overdispersed
  funnel is for, and its false-alarm rate on the same acute org-years is 0.
* The cost index has no interval (accounts), so neither test applies; the planted trusts must
  instead be the most extreme values of their year.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers import comparison, indicators, ingest
from helpers import orgs as org_ref
from helpers.config import PROVIDER_TYPES, LoadedAssessment, ensure_synthetic_data, load_assessment

ROOT = Path(__file__).resolve().parents[2]
ASSESSMENTS = {
    "acute": "config/assessments/synthetic-acute.yml",
    "mental_health": "config/assessments/synthetic-mental-health.yml",
    "icb": "config/assessments/synthetic-icb.yml",
}
DATA = ROOT / "data" / "synthetic" / "small"
ADMISSIONS = "data/synthetic/small/record_level/admissions.parquet"

#: planted truth id -> catalogue metric id
TRUTH_TO_CATALOGUE = {
    "ae_4hr_pct": "ae_4hr_pct",
    "ae_12hr_pct": "ae_12hr_pct",
    "rtt_18wk_pct": "rtt_18wk_pct",
    "cancer_62d_pct": "cancer_62d_pct",
    "diagnostics_6wk_pct": "diagnostics_6wk_pct",
    "patient_survey_positive_pct": "patient_experience_pct",
    "hcai_cdiff_rate": "cdiff_rate",
    "sickness_absence_pct": "sickness_absence_pct",
    "staff_engagement_mean": "staff_engagement_score",
    "cost_index": "cost_index",
    "mh_access_pct": "mh_access_pct",
    "flu_vaccination_pct": "flu_vaccination_pct",
    "shmi_ratio": "shmi_ratio",
    "readmission_30d_pct": "readmission_30d_pct",
    "avoidable_admissions_dsr": "avoidable_admissions_dsr",
}

#: acute metrics with a funnel: (limit used for power, minimum power). See the module docstring.
FUNNEL_POWER = {
    "ae_4hr_pct": ("99.8", 0.75),
    "ae_12hr_pct": ("99.8", 0.75),
    "rtt_18wk_pct": ("99.8", 0.75),
    "cancer_62d_pct": ("99.8", 0.75),
    "diagnostics_6wk_pct": ("99.8", 0.75),
    "sickness_absence_pct": ("99.8", 0.75),
    "readmission_30d_pct": ("99.8", 0.75),
    "patient_experience_pct": ("95", 0.75),  # 0.83 at 99.8% (asserted >= 0.5 below)
    "shmi_ratio": ("99.8", 2 / 3),  # one scoreable planted trust, 3 org-years
}
FUNNEL_FALSE_ALARMS_MAX = 0.05
FUNNEL_FALSE_ALARMS_POOLED_MAX = 0.02
#: not-planted organisations differ by little more than sampling noise for these
CI_FALSE_ALARM_METRICS = ("cdiff_rate", "readmission_30d_pct", "shmi_ratio")
CI_FALSE_ALARMS_MAX = 0.10
ABOVE = {"99.8": ("above_998",), "95": ("above_998", "above_95")}
BELOW = {"99.8": ("below_998",), "95": ("below_998", "below_95")}
FLAGGED_998 = ("above_998", "below_998")
JUDGED = ("better", "worse", "higher", "lower")


@dataclass
class Pipeline:
    run: LoadedAssessment
    measures: pd.DataFrame
    ledger: pd.DataFrame
    successions: pd.DataFrame
    results: pd.DataFrame


def run_pipeline(settings: str, root: Path = ROOT) -> Pipeline:
    """Notebooks 10-30 in memory (ingest, indicators, England, ranks, funnels)."""
    ensure_synthetic_data(settings, root)
    run = load_assessment(settings, root)
    measures, ledger, _rejected = ingest.ingest_sources(run)
    ledger = pd.concat([ledger, ingest.reference_ledger(run)], ignore_index=True)
    organisations = org_ref.organisations(run)
    successions, _splits = org_ref.successions(run)
    measures = indicators.attach_successors(measures, successions)
    monthly = indicators.monthly_quantities(run, measures, organisations)
    annual = indicators.annual_values(run, monthly, organisations, measures)
    england = indicators.england_benchmarks(run, annual)
    results = indicators.compare_with_peers(run, annual, england)
    specs = {m.id: m for m in run.metrics}
    results = comparison.add_rank_intervals(run, results, specs)
    results, _od, _funnels = comparison.add_funnels(results, specs)
    return Pipeline(run, measures, ledger, successions, results)


def load_truth(data: Path = DATA) -> pd.DataFrame:
    t = pd.read_csv(data / "planted_truth.csv", dtype=str, keep_default_na=False)
    t["effect"] = t.effect.astype(float)
    t["truly_differs"] = t.truly_differs.map({"true": True, "false": False})
    t["metric"] = t.metric_id.map(TRUTH_TO_CATALOGUE)
    neutral = np.where(t.effect_scale == "shift", 0.0, 1.0)
    t["up"] = t.effect > neutral
    return t


def scoreable(truth: pd.DataFrame, successions: pd.DataFrame) -> pd.DataFrame:
    """Drop (successor, metric) pairs whose folded-in codes carry different planted truths."""
    groups = successions.groupby("new_code").old_code.apply(list)
    drop = []
    for new, olds in groups.items():
        codes = truth[truth.org_code.isin([new, *olds])]
        for metric, sub in codes.groupby("metric"):
            kinds = set(zip(sub.truly_differs, sub.up & sub.truly_differs, strict=True))
            if len(kinds) > 1:
                drop.append((new, metric))
    keep = ~pd.MultiIndex.from_frame(truth[["org_code", "metric"]]).isin(drop)
    return truth[keep]


def score(p: Pipeline, truth: pd.DataFrame) -> pd.DataFrame:
    """Power and false-alarm rate per metric, for the funnel bands and the CI comparison."""
    specs = {m.id: m for m in p.run.metrics}
    t = scoreable(truth, p.successions)
    r = p.results[p.results.value.notna()]
    m = r.merge(t[["org_code", "metric", "truly_differs", "up"]],
                left_on=["org_code", "metric_id"], right_on=["org_code", "metric"])
    rows = []
    for metric_id, s in m.groupby("metric_id"):
        polarity = specs[metric_id].polarity
        higher = {"higher_is_better": "better", "lower_is_better": "worse"}.get(polarity, "higher")
        lower = {"better": "worse", "worse": "better", "higher": "lower"}[higher]
        planted, null = s[s.truly_differs], s[~s.truly_differs]
        row = {"metric": metric_id, "true": len(planted), "null": len(null),
               "funnel": bool((s.funnel_band != "").all())}
        for lim in ("99.8", "95"):
            hit = np.where(planted.up, planted.funnel_band.isin(ABOVE[lim]),
                           planted.funnel_band.isin(BELOW[lim]))
            row[f"funnel_power_{lim}"] = hit.mean() if row["funnel"] and len(planted) else np.nan
        row["funnel_fa_99.8"] = (null.funnel_band.isin(FLAGGED_998).mean()
                                 if row["funnel"] else np.nan)
        hit = np.where(planted.up, planted.comparison_998 == higher,
                       planted.comparison_998 == lower)
        comparable = s.comparison_998 != "not_compared"
        row["ci_power_99.8"] = hit.mean() if len(planted) and comparable.all() else np.nan
        row["ci_fa_99.8"] = null.comparison_998.isin(JUDGED).mean() if comparable.all() else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")


# ---------------------------------------------------------------------------------------------
# fixtures: each assessment runs once for the module


@pytest.fixture(scope="module")
def pipelines() -> dict[str, Pipeline]:
    return {name: run_pipeline(settings) for name, settings in ASSESSMENTS.items()}


@pytest.fixture(scope="module")
def truth(pipelines) -> pd.DataFrame:  # after the pipelines, which generate the data if needed
    return load_truth()


@pytest.fixture(scope="module")
def scores(pipelines, truth) -> dict[str, pd.DataFrame]:
    return {name: score(p, truth) for name, p in pipelines.items()}


# ---------------------------------------------------------------------------------------------
# the planted truth and the catalogue


def test_every_planted_metric_maps_to_an_assessed_metric(pipelines, truth, scores):
    assert truth.metric.notna().all(), set(truth.metric_id[truth.metric.isna()])
    assert set(TRUTH_TO_CATALOGUE) == set(truth.metric_id)
    catalogue = {m.id for m in pipelines["acute"].run.catalogue.metrics}
    assessed = {m.id for p in pipelines.values() for m in p.run.metrics}
    assert set(TRUTH_TO_CATALOGUE.values()) <= catalogue & assessed
    # every planted metric is scored somewhere, with planted org-years where expected
    scored = pd.concat(scores.values())
    assert set(TRUTH_TO_CATALOGUE.values()) <= set(scored.index)


def test_funnels_exist_where_expected(scores):
    acute = scores["acute"]
    assert set(acute.index[acute.funnel]) == set(FUNNEL_POWER)
    # fewer than 10 mental health trusts or ICBs: no funnel, only the CI comparison
    assert not scores["mental_health"].funnel.any()
    assert not scores["icb"].funnel.any()


# ---------------------------------------------------------------------------------------------
# funnels (acute trusts)


@pytest.mark.parametrize("metric", sorted(FUNNEL_POWER))
def test_funnel_finds_planted_differences(scores, metric):
    limit, minimum = FUNNEL_POWER[metric]
    row = scores["acute"].loc[metric]
    assert row["true"] >= 3
    assert row[f"funnel_power_{limit}"] >= minimum, row.to_dict()


def test_funnel_power_pooled(scores):
    acute = scores["acute"][scores["acute"].funnel]
    pooled = (acute["funnel_power_99.8"] * acute["true"]).sum() / acute["true"].sum()
    assert pooled >= 0.9
    assert acute.loc["patient_experience_pct", "funnel_power_99.8"] >= 0.5


def test_funnel_does_not_flag_noise(scores):
    acute = scores["acute"][scores["acute"].funnel]
    assert (acute["funnel_fa_99.8"] <= FUNNEL_FALSE_ALARMS_MAX).all(), acute["funnel_fa_99.8"]
    pooled = (acute["funnel_fa_99.8"] * acute["null"]).sum() / acute["null"].sum()
    assert pooled <= FUNNEL_FALSE_ALARMS_POOLED_MAX
    assert acute["null"].sum() >= 400


# ---------------------------------------------------------------------------------------------
# Fingertips comparison with England at 99.8%


def test_ci_comparison_finds_planted_differences(scores):
    table = pd.concat(scores, names=["assessment"])
    planted = table[(table["true"] > 0) & table["ci_power_99.8"].notna()]
    for (assessment, metric), row in planted.iterrows():
        minimum = 0.75 if row["true"] >= 6 else 2 / 3
        assert row["ci_power_99.8"] >= minimum, (assessment, metric, row.to_dict())
    pooled = (planted["ci_power_99.8"] * planted["true"]).sum() / planted["true"].sum()
    assert pooled >= 0.9
    # every planted metric except the cost index (no interval) is tested somewhere
    assert set(planted.index.get_level_values("metric")) == set(TRUTH_TO_CATALOGUE.values()) - {
        "cost_index"
    }


@pytest.mark.parametrize("metric", CI_FALSE_ALARM_METRICS)
def test_ci_comparison_does_not_flag_noise_where_noise_is_sampling(scores, metric):
    row = scores["acute"].loc[metric]
    assert row["null"] >= 50
    assert row["ci_fa_99.8"] <= CI_FALSE_ALARMS_MAX, row.to_dict()


def test_cost_index_planted_trusts_are_the_extremes(pipelines, truth):
    """No interval (accounts): the planted trusts must be the highest or lowest of their year."""
    for name in ("acute", "mental_health"):
        p = pipelines[name]
        t = scoreable(truth, p.successions)
        t = t[t.metric == "cost_index"]
        r = p.results[(p.results.metric_id == "cost_index") & p.results.value.notna()]
        r = r.merge(t[["org_code", "truly_differs", "up"]], on="org_code")
        for period, year in r.groupby("period"):
            null = year[~year.truly_differs]
            for row in year[year.truly_differs].itertuples():
                if row.up:
                    assert row.value > null.value.max(), (name, period, row.org_code)
                else:
                    assert row.value < null.value.min(), (name, period, row.org_code)


# ---------------------------------------------------------------------------------------------
# ledger, outcome coverage, metric sets


@pytest.mark.parametrize("name", sorted(ASSESSMENTS))
def test_ledger_accounts_for_every_row(pipelines, name):
    ledger = pipelines[name].ledger
    accounted = ledger.rows_accepted + ledger.rows_excluded + ledger.rows_rejected
    assert (accounted == ledger.rows_read).all(), ledger[accounted != ledger.rows_read]
    assert (ledger.rows_read > 0).all()
    configured = {s.path for s in pipelines[name].run.settings.sources.values()}
    assert len(ledger) > len(configured)  # wildcards expand to one row per file


@pytest.mark.parametrize("name", sorted(ASSESSMENTS))
def test_record_level_source_is_in_the_ledger(pipelines, name):
    ledger = pipelines[name].ledger
    row = ledger[ledger.file == ADMISSIONS]
    assert len(row) == 1
    row = row.iloc[0]
    assert row.role == "admissions"
    assert row.rows_read == pq.ParquetFile(ROOT / ADMISSIONS).metadata.num_rows > 0
    assert row.rows_accepted > 0 and len(row.sha256) == 64


def test_outcome_indicators_cover_every_acute_trust_with_admissions(pipelines):
    p = pipelines["acute"]
    spells = pq.read_table(ROOT / ADMISSIONS, columns=["provider_code", "admission_date"])
    spells = spells.to_pandas()
    succ = dict(zip(p.successions.old_code, p.successions.new_code, strict=True))
    spells["org_code"] = spells.provider_code.map(succ).fillna(spells.provider_code)
    spells["period"] = indicators.financial_year(spells.admission_date)
    years = p.run.settings.financial_years
    expected = set(map(tuple, spells[spells.period.isin(years)][["org_code", "period"]]
                       .drop_duplicates().to_numpy()))
    assert len(expected) >= 20 * len(years)
    assert {org for org, _ in expected} <= set(p.results.org_code)
    for metric in ("readmission_30d_pct", "shmi_ratio"):
        r = p.results[p.results.metric_id == metric]
        have = set(map(tuple, r[r.value.notna()][["org_code", "period"]].to_numpy()))
        assert expected <= have, (metric, sorted(expected - have))


@pytest.mark.parametrize("name", sorted(ASSESSMENTS))
def test_assessment_uses_metrics_of_its_own_org_type(pipelines, name):
    p = pipelines[name]
    org_type = p.run.settings.org_type
    assert all(org_type in m.org_types for m in p.run.metrics)
    provider = org_type in PROVIDER_TYPES
    for m in p.run.metrics:
        assert all((t in PROVIDER_TYPES) == provider for t in m.org_types), m.id
    assert set(p.results.org_type) == {org_type}
    assert set(p.results.metric_id) == {m.id for m in p.run.metrics}


def test_three_assessments_use_30_to_40_metrics(pipelines):
    distinct = {m.id for p in pipelines.values() for m in p.run.metrics}
    assert 30 <= len(distinct) <= 40, sorted(distinct)
