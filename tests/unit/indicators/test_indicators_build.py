"""Indicator construction on the real data: mergers, gaps, reasons and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import indicators as ind
from helpers.settings import load_assessment
from helpers.stats.ci import proportion_ci


def test_merged_trust_reported_under_successor(built, root):
    """R0A (Manchester University FT) formed in Oct 2017 from RM2 and RW3: its 2016/17 value adds
    up the predecessors' type 1 counts from the raw file."""
    run, annual, *_ = built
    raw = pd.read_csv(root / "data/raw/ae_attendances_2016_2019.csv", dtype={"type": str})
    fy = raw[(raw.type == "1") & raw.period.between("2016-04-01", "2017-03-01")]
    parts = fy[fy.org_code.isin(["RM2", "RW3", "R0A"])]
    row = annual[
        (annual.org_code == "R0A")
        & (annual.metric_id == "ae_4hr_pct")
        & (annual.period == "2016/17")
    ].iloc[0]
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


def test_values_use_wilson_intervals(built):
    *_, results, _, _ = built
    v = results[results.value.notna()].head(200)
    ci = proportion_ci(v.numerator, v.denominator, multiplier=100)
    np.testing.assert_allclose(v.ci95_lower, ci.ci95_lower, rtol=1e-12)
    np.testing.assert_allclose(v.ci998_upper, ci.ci998_upper, rtol=1e-12)
    assert (v.ci_method == "Wilson").all()


def test_mean_from_sum_count_and_sum_of_squares_matches_phe_mean(root):
    """The pipeline's means come from monthly sums (sum, count, sum of squares), so that a year
    or England aggregates exactly; the result must equal phe_mean on the raw observations."""
    ref_dir = root / "tests/reference/phe_indicator_methods"
    obs = pd.read_csv(ref_dir / "testdata_Mean__testdata_Mean.csv")
    expected = pd.read_csv(ref_dir / "testdata_Mean__testdata_Mean_results.csv")
    g = obs.groupby("area")["values"]
    summed = pd.DataFrame(
        {"sum": g.sum(), "n": g.count(), "ss": (obs["values"] ** 2).groupby(obs.area).sum()}
    )
    spec = (
        load_assessment("config/assessments/uec.yml", root)
        .metrics[0]
        .model_copy(update={"statistic": "mean", "ci_method": "student_t", "multiplier": 1.0})
    )
    got = ind.interval(spec, summed["sum"], summed["n"], summed["ss"])
    exp = expected.set_index("area").loc[got.index]
    for ours, theirs in [
        ("value", "value"),
        ("ci95_lower", "lower95_0cl"),
        ("ci95_upper", "upper95_0cl"),
        ("ci998_lower", "lower99_8cl"),
        ("ci998_upper", "upper99_8cl"),
    ]:
        np.testing.assert_allclose(got[ours], exp[theirs], rtol=1e-9)


def test_a_contributor_with_a_suppressed_count_is_left_out_of_both_sums():
    """Two trusts folded into one (a merger, or providers added up by their host ICB): in a
    month where one published its denominator but suppressed its numerator, only the complete
    trust counts, so the numerator is never set against the larger denominator."""
    run = load_assessment("config/fast/uec-fast.yml")
    month = pd.Timestamp("2024-04-01")
    rows = [
        ("A", "attendances_type1", 1000.0),
        ("A", "within_4h_type1", 800.0),
        ("B", "attendances_type1", 500.0),
        ("B", "within_4h_type1", np.nan),  # suppressed
    ]
    metric = run.catalogue.get("ae_4hr_pct")
    d = metric.definition_for("2024/25")
    names = {"attendances_type1": d.denominator.measure, "within_4h_type1": d.numerator.measure}
    measures = pd.DataFrame(
        [
            {
                "org_code": "M",
                "org_code_published": code,
                "source": d.source,
                "measure": names[m],
                "month": month,
                "value": v,
            }
            for code, m, v in rows
        ]  # fmt: skip
    )
    got = ind.monthly_quantities(run, measures)
    got = got[got.metric_id == "ae_4hr_pct"].iloc[0]
    assert (got.numerator, got.denominator) == (800.0, 1000.0)
