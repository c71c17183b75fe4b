"""Indicator construction on the real data: mergers, gaps, benchmarks and comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import comparison
from helpers import indicators as ind
from helpers import orgs as org_ref
from helpers.config import load_assessment
from helpers.ingest import ingest_sources
from helpers.stats.ci import proportion_ci


@pytest.fixture(scope="module")
def built(root):
    run = load_assessment("config/assessments/uec.yml", root)
    measures, _, _ = ingest_sources(run)
    organisations = org_ref.organisations(run)
    mapping, splits = org_ref.successions(run)
    measures = ind.attach_successors(measures, mapping)
    annual = ind.annual_values(run, ind.monthly_quantities(run, measures), organisations)
    england = ind.england_benchmarks(run, annual)
    results = ind.compare_with_peers(run, annual, england)
    results = comparison.add_rank_intervals(run, results, {m.id: m for m in run.metrics})
    return run, annual, england, results, mapping, splits


def test_financial_year():
    months = pd.Series(["2024-03-01", "2024-04-01", "2025-03-01", "2016-12-01"])
    assert ind.financial_year(months).tolist() == ["2023/24", "2024/25", "2024/25", "2016/17"]


def test_merged_trust_reported_under_successor(built, root):
    """R0A (Manchester University FT) formed in Oct 2017 from RM2 and RW3: its 2016/17 value adds
    up the predecessors' type 1 counts from the raw file."""
    run, annual, *_ = built
    raw = pd.read_csv(root / "data/raw/ae_attendances_2016_2019.csv", dtype={"type": str})
    fy = raw[(raw.type == "1") & raw.period.between("2016-04-01", "2017-03-01")]
    parts = fy[fy.org_code.isin(["RM2", "RW3", "R0A"])]
    row = annual[(annual.org_code == "R0A") & (annual.metric_id == "ae_4hr_pct")
                 & (annual.period == "2016/17")].iloc[0]
    assert row.denominator == parts.attendances.sum()
    assert row.numerator == (parts.attendances - parts.breaches).sum()
    assert row.predecessors == "RM2,RW3"
    assert "RM2" not in set(annual.org_code)


def test_split_trust_keeps_its_own_code(built):
    *_, mapping, splits = built
    assert "RW6" in set(splits.old_code)  # Pennine Acute split between R0A and RM3
    assert "RW6" not in set(mapping.old_code)


def test_field_test_sites_not_compared_with_reason(built):
    *_, results, _, _ = built
    r = results[(results.org_code == "RDU") & (results.metric_id == "ae_4hr_pct")]
    gap = r[r.period.isin(["2021/22", "2022/23"])]
    assert (gap.comparison == "not_compared").all() and gap.value.isna().all()
    assert gap.reason.str.contains("Field-test site").all()
    assert r[r.period == "2024/25"].comparison.iloc[0] != "not_compared"


def test_short_years_not_compared(built):
    *_, results, _, _ = built
    r = results[(results.org_code == "RW6") & (results.period == "2021/22")]
    assert (r.comparison == "not_compared").all()
    assert r.reason.str.startswith("only 6 of 12 months").all()


def test_england_is_the_pooled_peer_group(built):
    run, annual, england, results, *_ = built
    ok = results[(results.metric_id == "ae_4hr_pct") & (results.period == "2024/25")
                 & results.value.notna()]
    e = england[(england.metric_id == "ae_4hr_pct") & (england.period == "2024/25")].iloc[0]
    assert e.numerator == ok.numerator.sum() and e.denominator == ok.denominator.sum()
    assert e.value == pytest.approx(100 * ok.numerator.sum() / ok.denominator.sum())
    assert e.organisations == len(ok)


def test_only_the_assessed_type_is_compared(built):
    run, annual, england, results, *_ = built
    assert set(results.org_type) == {"acute_trust"}
    assert "mental_health_and_community_trust" in set(annual.org_type)


def test_comparison_follows_the_interval_and_polarity(built):
    *_, results, _, _ = built
    v = results[results.value.notna()]
    inside = (v.ci95_lower <= v.benchmark_value) & (v.benchmark_value <= v.ci95_upper)
    assert (v[inside].comparison == "similar").all()
    above = v[v.ci95_lower > v.benchmark_value]
    expected = above.metric_id.map({
        "ae_4hr_pct": "better", "ae_dta_over_4h_pct": "worse",
        "ga_bed_occupancy_pct": "worse", "ae_admission_conversion_pct": "higher",
    })
    assert (above.comparison == expected).all()


def test_values_use_wilson_intervals(built):
    *_, results, _, _ = built
    v = results[results.value.notna()].head(200)
    ci = proportion_ci(v.numerator, v.denominator, multiplier=100)
    np.testing.assert_allclose(v.ci95_lower, ci.ci95_lower, rtol=1e-12)
    np.testing.assert_allclose(v.ci998_upper, ci.ci998_upper, rtol=1e-12)
    assert (v.ci_method == "Wilson").all()


def test_goal_and_standard(built):
    *_, results, _, _ = built
    r = results[(results.metric_id == "ae_4hr_pct") & (results.period == "2024/25")
                & results.value.notna()]
    assert (r.goal_value == 78).all() and (r.standard_value == 95).all()
    assert (r.meets_goal.astype(bool) == (r.value >= 78)).all()
    occ = results[(results.metric_id == "ga_bed_occupancy_pct") & (results.period == "2024/25")
                  & results.value.notna()]
    assert (occ.meets_goal.astype(bool) == (occ.value <= 92)).all()


def test_ranks_and_quartiles(built):
    *_, results, _, _ = built
    r = results[(results.metric_id == "ae_dta_over_4h_pct") & (results.period == "2024/25")
                & results.value.notna()].sort_values("value")
    assert r.peer_rank.iloc[0] == 1  # lowest is best for this metric
    assert r.peer_quartile.iloc[0] == 1 and r.peer_quartile.iloc[-1] == 4


def test_rank_intervals_are_valid_ranks(built):
    *_, results, _, _ = built
    r = results[results.value.notna()]
    assert (r.rank_lower >= 1).all() and (r.rank_upper <= r.peer_count).all()
    assert (r.rank_lower <= r.rank_upper).all()
    # confidently top quarter means the whole interval lies in the top quarter
    top = r[r.confidently_top_quartile.astype(bool)]
    assert len(top) and (top.rank_upper <= np.ceil(top.peer_count / 4)).all()
    # a trust with a small denominator has a wider rank interval than one with a large one
    y = r[(r.metric_id == "ae_dta_over_4h_pct") & (r.period == "2024/25")]
    width = (y.rank_upper - y.rank_lower).astype(float)
    small = width[y.denominator <= y.denominator.quantile(0.25)].mean()
    large = width[y.denominator >= y.denominator.quantile(0.75)].mean()
    assert small > large


def test_funnels_flag_fewer_outliers_than_ci_comparison(built):
    """Overdispersion widens the limits: fewer trusts lie outside the 99.8% funnel than differ
    from England at 99.8% by their own intervals (A&E counts are huge)."""
    run, _, _, results, _, _ = built
    res, od, funnels = comparison.add_funnels(results, {m.id: m for m in run.metrics})
    assert (od.phi > 1).all() and od.overdispersion_adjusted.all()
    y = res[(res.metric_id == "ae_4hr_pct") & (res.period == "2024/25") & res.value.notna()]
    outside = y.funnel_band.isin(["above_998", "below_998"]).sum()
    differs = y.comparison_998.isin(["better", "worse"]).sum()
    assert 0 < outside < differs
    assert {f.metric_id for f in funnels} == set(od.metric_id)


def test_result_columns_and_years(built):
    *_, results, _, _ = built
    required = ["org_code", "org_name", "org_type", "metric_id", "period", "numerator",
                "denominator", "value", "ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper",
                "benchmark_value", "comparison"]
    assert all(c in results.columns for c in required)
    assert results.period.nunique() == 7
    assert results.org_code.nunique() >= 130


def test_mean_from_sum_count_and_sum_of_squares_matches_phe_mean(root):
    """The pipeline's means come from monthly sums (sum, count, sum of squares), so that a year
    or England aggregates exactly; the result must equal phe_mean on the raw observations."""
    ref_dir = root / "tests/reference/phe_indicator_methods"
    obs = pd.read_csv(ref_dir / "testdata_Mean__testdata_Mean.csv")
    expected = pd.read_csv(ref_dir / "testdata_Mean__testdata_Mean_results.csv")
    g = obs.groupby("area")["values"]
    summed = pd.DataFrame({"sum": g.sum(), "n": g.count(), "ss": (obs["values"] ** 2)
                           .groupby(obs.area).sum()})
    spec = load_assessment("config/assessments/uec.yml", root).metrics[0].model_copy(
        update={"statistic": "mean", "ci_method": "student_t", "multiplier": 1.0}
    )
    got = ind.interval(spec, summed["sum"], summed["n"], summed["ss"])
    exp = expected.set_index("area").loc[got.index]
    for ours, theirs in [("value", "value"), ("ci95_lower", "lower95_0cl"),
                         ("ci95_upper", "upper95_0cl"), ("ci998_lower", "lower99_8cl"),
                         ("ci998_upper", "upper99_8cl")]:
        np.testing.assert_allclose(got[ours], exp[theirs], rtol=1e-9)
