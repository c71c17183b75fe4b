"""The headline comparison with England (helpers.compare.england.add_headline_comparison): the
overdispersed funnel's 95% limits where the metric-year shows variation between organisations
beyond chance, the organisation's own 95% interval everywhere else, and which test each row
used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spec_support import metric_spec

from helpers.compare import add_funnels, add_headline_comparison
from helpers.compare.england import CI_TEST, OVERDISPERSED_TEST
from helpers.indicators import interval
from helpers.settings import MetricSpec
from helpers.stats.compare import compare_ci_with_benchmark


def compared(spec: MetricSpec, num: np.ndarray, den: np.ndarray) -> pd.DataFrame:
    """One metric-year as compare_with_peers leaves it: values, intervals, England (the pooled
    value) and the plain comparison."""
    n = len(num)
    t = pd.DataFrame(
        {
            "org_code": [f"T{i:03d}" for i in range(n)],
            "metric_id": spec.id,
            "period": "2024/25",
            "numerator": np.asarray(num, dtype=float),
            "denominator": np.asarray(den, dtype=float),
        }
    )
    ci = interval(spec, t.numerator, t.denominator)
    t = t.join(ci)
    t["benchmark_value"] = spec.multiplier * t.numerator.sum() / t.denominator.sum()
    t["comparison"] = compare_ci_with_benchmark(
        t.ci95_lower, t.ci95_upper, t.benchmark_value, spec.polarity
    )
    return t


def headline(t: pd.DataFrame, spec: MetricSpec, test: str = "overdispersion") -> pd.DataFrame:
    out, od, funnels = add_funnels(t, {spec.id: spec})
    return add_headline_comparison(out, funnels, {spec.id: spec}, test), od


def overdispersed_proportions(seed: int = 3, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Large denominators and a real spread between organisations (sd 0.25 on the log-odds)."""
    rng = np.random.default_rng(seed)
    den = rng.integers(20_000, 120_000, n)
    p = 1 / (1 + np.exp(-(np.log(0.7 / 0.3) + rng.normal(0, 0.25, n))))
    return rng.binomial(den, p).astype(float), den.astype(float)


def test_the_ci_test_says_worse_where_the_overdispersed_test_says_similar() -> None:
    spec = metric_spec("ae", polarity="higher_is_better")
    num, den = overdispersed_proportions()
    # one trust 2 points below England on 100,000 patients: far outside its own narrow
    # interval, well inside the spread of trusts
    england = num.sum() / den.sum()
    num[0], den[0] = round((england - 0.02) * 100_000), 100_000
    out, od = headline(compared(spec, num, den), spec)
    assert od.overdispersion_adjusted.all() and (od.tau2 > 0).all()
    row = out.iloc[0]
    assert row.comparison == "worse"
    assert row.comparison_headline == "similar" and row.comparison_test == OVERDISPERSED_TEST
    assert row.funnel_band == "within"
    # the plain test over-calls: most trusts differ by their own interval, few by the funnel
    plain = out.comparison.isin(["better", "worse"]).sum()
    judged = out.comparison_headline.isin(["better", "worse"]).sum()
    assert plain > 0.7 * len(out) and judged < 0.2 * len(out)
    assert (out.comparison_test == OVERDISPERSED_TEST).all()
    # headline better/worse is exactly "outside the funnel's 95% limits", on the right side
    outside = out.funnel_band.isin(["above_95", "above_998", "below_95", "below_998"])
    assert (outside == out.comparison_headline.isin(["better", "worse"])).all()
    up = out.funnel_band.str.startswith("above")
    assert (out.comparison_headline[up] == "better").all()


def test_with_no_overdispersion_both_tests_agree() -> None:
    """Binomial noise only: phi <= 1, so the funnel is not widened and the headline is the
    plain test, row for row."""
    spec = metric_spec("p", polarity="lower_is_better")
    rng = np.random.default_rng(11)
    den = rng.integers(300, 5_000, 40).astype(float)
    num = rng.binomial(den.astype(int), 0.2).astype(float)
    num[0] = np.round(den[0] * 0.3)  # one truly worse: both tests see it
    out, od = headline(compared(spec, num, den), spec)
    assert not od.overdispersion_adjusted.any() and od.phi.iloc[0] <= 1
    assert (out.comparison_headline == out.comparison).all()
    assert (out.comparison_test == CI_TEST).all()
    assert out.comparison_headline.iloc[0] == "worse"


def test_the_setting_keeps_the_plain_test_everywhere() -> None:
    spec = metric_spec("ae")
    num, den = overdispersed_proportions()
    out, _ = headline(compared(spec, num, den), spec, test="confidence_interval")
    assert (out.comparison_headline == out.comparison).all()
    assert (out.comparison_test == CI_TEST).all()
    with pytest.raises(ValueError, match="comparison must be"):
        headline(compared(spec, num, den), spec, test="funnel")


def test_rows_not_compared_have_no_test_and_metrics_without_a_funnel_keep_the_plain_test() -> None:
    spec = metric_spec("ae")
    num, den = overdispersed_proportions()
    t = compared(spec, num, den)
    t.loc[5, ["value", "ci95_lower", "ci95_upper"]] = np.nan
    t.loc[5, "comparison"] = "not_compared"
    out, _ = headline(t, spec)
    assert out.loc[5, "comparison_headline"] == "not_compared"
    assert out.loc[5, "comparison_test"] == ""
    # too few organisations for a funnel: the plain test, named
    few = compared(spec, num[:8], den[:8])
    out, od = headline(few, spec)
    assert od.empty and (out.comparison_test == CI_TEST).all()
    assert (out.comparison_headline == out.comparison).all()


def test_no_judgement_metrics_say_higher_or_lower() -> None:
    spec = metric_spec("ctx", polarity="no_judgement")
    num, den = overdispersed_proportions(seed=5)
    out, _ = headline(compared(spec, num, den), spec)
    assert set(out.comparison_headline) <= {"higher", "similar", "lower"}
    assert "similar" in set(out.comparison_headline)
