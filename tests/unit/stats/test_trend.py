"""helpers.stats.trend: the Fingertips recent-trend marker.

There is no published reference output for TrendMarkerCalculator, so the weighted least-squares
fit is checked against statsmodels WLS (fixed scale) and the rules against constructed series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from helpers.stats import ci, trend


def _series(values: list[float], se: list[float] | float, key: str = "A") -> pd.DataFrame:
    se_arr = np.broadcast_to(np.asarray(se, dtype=float), (len(values),))
    v = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {
            "org": key,
            "year": np.arange(2015, 2015 + len(v)),
            "value": v,
            "ci95_lower": v - 1.96 * se_arr,
            "ci95_upper": v + 1.96 * se_arr,
        }
    )


def test_slope_and_chi2_match_statsmodels_wls() -> None:
    rng = np.random.default_rng(3)
    frames = []
    for i in range(50):
        se = rng.uniform(0.5, 2, 7)
        v = 10 + rng.normal(0, 1, 7) + rng.choice([-1, 0, 1]) * np.arange(7) * 0.8
        frames.append(_series(list(v), list(se), key=f"s{i:02d}"))
    data = pd.concat(frames, ignore_index=True)
    res = trend.recent_trend(data, "org", "year").set_index("org")
    for key, g in data.groupby("org"):
        last = g.tail(5)
        se = (last.ci95_upper - last.ci95_lower) / 3.92
        x = sm.add_constant(np.arange(1.0, 6.0))
        fit = sm.WLS(last.value.to_numpy(), x, weights=1 / se**2).fit(cov_type="fixed scale")
        assert res.loc[key, "slope"] == pytest.approx(fit.params[1], rel=1e-10)
        assert res.loc[key, "chi2"] == pytest.approx((fit.params[1] / fit.bse[1]) ** 2, rel=1e-9)
        loo = []
        for k in range(5):
            idx = [j for j in range(5) if j != k]
            f = sm.WLS(last.value.to_numpy()[idx], x[idx], weights=(1 / se**2).to_numpy()[idx])
            loo.append(f.fit().params[1])
        same_sign = all(np.sign(s) == np.sign(fit.params[1]) for s in loo)
        expected = same_sign and (fit.params[1] / fit.bse[1]) ** 2 > trend.CHI2_998
        assert bool(res.loc[key, "significant"]) == expected
        if expected:
            assert res.loc[key, "trend"] == ("increasing" if fit.params[1] > 0 else "decreasing")
        else:
            assert res.loc[key, "trend"] == "no significant change"


def test_labels_polarity_and_too_few_points() -> None:
    up = _series([1, 2, 3, 4, 5], 0.1, "up")
    down = _series([5, 4, 3, 2, 1], 0.1, "down")
    flat = _series([3, 3.1, 2.9, 3, 3.05], 1.0, "flat")
    short = _series([1, 2, 3, 4], 0.1, "short")
    gaps = _series([1, 2, np.nan, 3, 4, 5], 0.1, "gaps")  # a missing value is skipped
    data = pd.concat([up, down, flat, short, gaps], ignore_index=True)
    res = trend.recent_trend(data, "org", "year", polarity="lower_is_better").set_index("org")
    assert res.loc["up", "trend"] == "increasing"
    assert res.loc["up", "trend_assessment"] == "getting worse"
    assert res.loc["down", "trend_assessment"] == "getting better"
    assert res.loc["flat", "trend"] == "no significant change"
    assert res.loc["short", "trend"] == "cannot be calculated"
    assert res.loc["short", "n_points"] == 4
    assert res.loc["gaps", "trend"] == "increasing" and res.loc["gaps", "n_points"] == 5
    res = trend.recent_trend(data, "org", "year", polarity="no_judgement").set_index("org")
    assert res.loc["up", "trend_assessment"] == "increasing"


def test_only_last_five_points_used() -> None:
    # a strong early fall followed by 5 rising points: the trend is the recent rise
    v = [20, 15, 10, 5, 1, 2, 3, 4, 5]
    res = trend.recent_trend(_series(v, 0.1), "org", "year")
    assert res.trend.iloc[0] == "increasing"


def test_leave_one_out_sign_check_blocks_outlier_driven_trend() -> None:
    # flat except one very precise high last point: full slope positive and significant, but
    # leaving out the last point reverses the sign
    v = [10.2, 10.1, 10.0, 9.9, 14.0]
    se = [0.5, 0.5, 0.5, 0.5, 0.05]
    res = trend.recent_trend(_series(v, se), "org", "year")
    assert res.chi2.iloc[0] > trend.CHI2_998
    assert not res.significant.iloc[0]
    assert res.trend.iloc[0] == "no significant change"


def test_polarity_column_and_errors() -> None:
    data = pd.concat([_series([1, 2, 3, 4, 5], 0.1, "a"), _series([5, 4, 3, 2, 1], 0.1, "b")])
    data["pol"] = np.where(data.org == "a", "higher_is_better", "lower_is_better")
    res = trend.recent_trend(data, "org", "year", polarity="pol").set_index("org")
    assert list(res.trend_assessment) == ["getting better", "getting better"]
    data.loc[data.index[0], "pol"] = "lower_is_better"
    with pytest.raises(ValueError, match="polarity must be constant"):
        trend.recent_trend(data, "org", "year", polarity="pol")
    with pytest.raises(ValueError, match="method must be"):
        trend.recent_trend(data, "org", "year", method="ols")  # type: ignore[arg-type]


def test_proportion_method_uses_counts() -> None:
    n = np.full(5, 1000.0)
    rising = np.array([100, 130, 160, 190, 220.0])
    flat = np.array([100, 104, 97, 101, 99.0])
    rows = []
    for key, x in [("rise", rising), ("flat", flat)]:
        p = ci.proportion_ci(x, n)
        rows.append(pd.DataFrame({"org": key, "year": range(5), "num": x, "den": n}).join(p))
    data = pd.concat(rows, ignore_index=True)
    res = trend.recent_trend(
        data, "org", "year", method="proportion", numerator="num", denominator="den"
    ).set_index("org")
    assert res.loc["rise", "trend"] == "increasing"
    assert res.loc["flat", "trend"] == "no significant change"
    # chi-square for trend in proportions equals the score test (Cochran-Armitage) statistic
    x, t = rising, np.arange(1.0, 6.0)
    p = x.sum() / n.sum()
    tbar = (n * t).sum() / n.sum()
    ca = ((x * (t - tbar)).sum()) ** 2 / (p * (1 - p) * (n * (t - tbar) ** 2).sum())
    assert res.loc["rise", "chi2"] == pytest.approx(ca, rel=1e-10)


def test_many_series_vectorised() -> None:
    rng = np.random.default_rng(5)
    n_series, n_years = 2000, 8
    data = pd.DataFrame(
        {
            "org": np.repeat(np.arange(n_series), n_years),
            "metric": "m",
            "year": np.tile(np.arange(n_years), n_series),
            "value": rng.normal(50, 5, n_series * n_years),
        }
    )
    data["ci95_lower"] = data.value - 2
    data["ci95_upper"] = data.value + 2
    res = trend.recent_trend(data, ["org", "metric"], "year")
    assert len(res) == n_series
    assert set(res.trend) <= set(trend.TREND_LABELS)
