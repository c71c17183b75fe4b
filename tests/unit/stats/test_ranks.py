"""helpers.stats.ranks: simulated rank intervals (Marshall & Spiegelhalter)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.stats import ranks


def test_reproducible_with_seed_and_shapes() -> None:
    rng = np.random.default_rng(0)
    est = rng.normal(size=40)
    se = np.full(40, 0.5)
    a = ranks.rank_intervals(est, se, n_draws=400)
    b = ranks.rank_intervals(est, se, n_draws=400)
    pd.testing.assert_frame_equal(a, b)
    c = ranks.rank_intervals(est, se, n_draws=400, seed=1)
    assert not a.equals(c)
    assert len(a) == 40
    assert (a.rank_lower <= a.rank_median).all() and (a.rank_median <= a.rank_upper).all()
    assert a.rank_lower.min() >= 1 and a.rank_upper.max() <= 40


def test_precise_clear_leader_and_indistinguishable_units() -> None:
    est = np.r_[100.0, np.zeros(9)]
    se = np.r_[0.01, np.ones(9)]
    res = ranks.rank_intervals(est, se, n_draws=2000)
    assert res.rank_lower[0] == 1 and res.rank_upper[0] == 1
    assert res.p_top_quartile[0] == 1.0 and bool(res.confidently_top_quartile[0])
    # nine exchangeable units: each can land almost anywhere in ranks 2..10
    assert (res.rank_lower[1:] <= 3).all() and (res.rank_upper[1:] >= 9).all()
    low = ranks.rank_intervals(est, se, n_draws=2000, polarity="lower_is_better")
    assert low["rank"][0] == 10 and low.rank_lower[0] == 10


def test_peer_groups_rank_separately() -> None:
    rng = np.random.default_rng(4)
    est = rng.normal(size=30)
    se = rng.uniform(0.1, 1, 30)
    grp = np.repeat(["acute", "ambulance", "mental"], 10)
    shuffled = rng.permutation(30)
    together = ranks.rank_intervals(est[shuffled], se[shuffled], by=grp[shuffled])
    assert together.group_size.eq(10).all()
    for name in np.unique(grp):
        sel = grp[shuffled] == name
        assert together["rank"][sel].sort_values().tolist() == list(range(1, 11))
    # expected rank from simulation tracks the observed rank
    corr = np.corrcoef(together["rank"], together["rank_median"])[0, 1]
    assert corr > 0.8


def test_proportion_methods_and_missing_units() -> None:
    x = np.array([10, 50, 90, np.nan, 0, 100])
    n = np.array([100, 100, 100, 100, 100, 100])
    for method in ("beta", "logit"):
        res = ranks.rank_intervals(numerator=x, denominator=n, method=method, n_draws=500)
        assert np.isnan(res.loc[3, "rank"]) and np.isnan(res.loc[3, "rank_lower"])
        assert res.group_size.dropna().eq(5).all()
        assert res.loc[5, "rank"] == 1 and res.loc[4, "rank"] == 5
    rates = ranks.rank_intervals(
        numerator=[5, 50, 500], denominator=[1000, 1000, 1000], method="gamma"
    )
    assert rates["rank"].tolist() == [3, 2, 1]


def test_rank_interval_coverage_against_direct_simulation() -> None:
    """The vectorised lexsort ranking equals ranking each draw with scipy.stats.rankdata."""
    from scipy import stats

    est = np.array([0.0, 0.2, 0.4, 0.6])
    se = np.full(4, 0.3)
    res = ranks.rank_intervals(est, se, n_draws=300, seed=7)
    rng = np.random.default_rng(7)
    draws = est + se * rng.standard_normal((300, 4))
    direct = np.vstack([stats.rankdata(-d) for d in draws])
    assert np.array_equal(res.rank_median.to_numpy(), np.median(direct, axis=0))
    np.testing.assert_allclose(res.p_top_quartile, (direct <= 1).mean(axis=0))


def test_errors() -> None:
    with pytest.raises(ValueError, match="needs estimate and se"):
        ranks.rank_intervals([1.0])
    with pytest.raises(ValueError, match="less than or equal to denominators"):
        ranks.rank_intervals(numerator=[5, 11], denominator=[10, 10], method="beta")
    with pytest.raises(ValueError, match="standard errors"):
        ranks.rank_intervals([1.0, 2.0], [-1.0, 1.0])
    with pytest.raises(ValueError, match="method must be"):
        ranks.rank_intervals(numerator=[1], denominator=[2], method="poisson")  # type: ignore[arg-type]


def test_summarise_ranks_widens_the_likely_range_to_hold_the_observed_rank():
    """A point rank outside its own likely range (ties in the observed values that the draws
    never keep) is not published: with ``observed`` the range is widened to hold it."""
    from helpers.stats.rank_draws import summarise_ranks

    draws = np.array([[1.0, 2.0, 3.0], [1.0, 3.0, 2.0], [2.0, 1.0, 3.0]] * 10)
    size = np.array([3.0, 3.0, 3.0])
    plain = summarise_ranks(draws, size)
    assert plain.rank_upper.tolist() == [2, 3, 3] and plain.rank_lower.tolist() == [1, 1, 2]
    held = summarise_ranks(draws, size, observed=np.array([3.0, 1.0, np.nan]))
    assert held.rank_lower.tolist() == [1, 1, 2] and held.rank_upper.tolist() == [3, 3, 3]
    assert not held.confidently_top_quartile.any()
