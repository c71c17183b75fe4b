"""The comparison stage on the real data: England, comparisons, standards, ranks, funnels."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import compare


def test_england_is_the_pooled_peer_group(built):
    run, annual, england, results, *_ = built
    ok = results[
        (results.metric_id == "ae_4hr_pct") & (results.period == "2024/25") & results.value.notna()
    ]
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
    expected = above.metric_id.map(
        {
            "ae_4hr_pct": "better",
            "ae_dta_over_4h_pct": "worse",
            "ga_bed_occupancy_pct": "worse",
            "ae_admission_conversion_pct": "higher",
        }
    )
    assert (above.comparison == expected).all()


def test_goal_and_standard(built):
    *_, results, _, _ = built
    r = results[
        (results.metric_id == "ae_4hr_pct") & (results.period == "2024/25") & results.value.notna()
    ]
    assert (r.goal_value == 78).all() and (r.standard_value == 95).all()
    assert (r.meets_goal.astype(bool) == (r.value >= 78)).all()
    occ = results[
        (results.metric_id == "ga_bed_occupancy_pct")
        & (results.period == "2024/25")
        & results.value.notna()
    ]
    assert (occ.meets_goal.astype(bool) == (occ.value <= 92)).all()


def test_ranks_and_quartiles(built):
    *_, results, _, _ = built
    r = results[
        (results.metric_id == "ae_dta_over_4h_pct")
        & (results.period == "2024/25")
        & results.value.notna()
    ].sort_values("value")
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
    res, od, funnels = compare.add_funnels(results, {m.id: m for m in run.metrics})
    assert (od.phi > 1).all() and od.overdispersion_adjusted.all()
    y = res[(res.metric_id == "ae_4hr_pct") & (res.period == "2024/25") & res.value.notna()]
    outside = y.funnel_band.isin(["above_998", "below_998"]).sum()
    differs = y.comparison_998.isin(["better", "worse"]).sum()
    assert 0 < outside < differs
    assert {f.metric_id for f in funnels} == set(od.metric_id)


def test_result_columns_and_years(built):
    *_, results, _, _ = built
    required = [
        "org_code",
        "org_name",
        "org_type",
        "metric_id",
        "period",
        "numerator",
        "denominator",
        "value",
        "ci95_lower",
        "ci95_upper",
        "ci998_lower",
        "ci998_upper",
        "benchmark_value",
        "comparison",
    ]
    assert all(c in results.columns for c in required)
    assert results.period.nunique() == 7
    assert results.org_code.nunique() >= 130
