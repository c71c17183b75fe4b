"""helpers.stats.ranks: random-effects rank intervals (``model="random_effects"``).

The published reference is the BUGS "Surgical: institutional ranking" example as published with
MultiBUGS (tests/reference/random_effects_ranks/README.md): 12 hospitals, deaths r out of n
operations, ``logit(p_i) ~ Normal(mu, 1/tau)``, ``mu ~ N(0, 1e6)``, ``tau ~ Gamma(0.001, 0.001)``
(the precision). Its rank table gives, per hospital, the 2.5th percentile, the median and the
97.5th percentile of the posterior rank of p_i (rank 1 = lowest mortality), from 20000 MCMC
samples. We must reproduce every one of them within one rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from scipy.stats import rankdata
from stats_refs import read_ref

from helpers.stats import ranks

FOLDER = "random_effects_ranks/"
RANK_COLS = ["rank_lower", "rank_median", "rank_upper"]
PUBLISHED_RANK_COLS = ["rank_val2.5pc", "rank_median", "rank_val97.5pc"]


def _surgical() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    data = read_ref(FOLDER + "surgical_data.csv")
    ranks_pub = read_ref(FOLDER + "surgical_published_ranks.csv").query("model == 'random_effects'")
    p_pub = read_ref(FOLDER + "surgical_published_p.csv").query("model == 'random_effects'")
    for t in (ranks_pub, p_pub):  # same hospitals, same order as the data
        assert t["hospital"].tolist() == data["hospital"].tolist()
    return data, ranks_pub.reset_index(drop=True), p_pub.reset_index(drop=True)


def _surgical_ranks(tau_prior: str, seed: int = ranks.DEFAULT_SEED) -> pd.DataFrame:
    data, _, _ = _surgical()
    return ranks.rank_intervals(
        numerator=data["r"],
        denominator=data["n"],
        method="logit",
        model="random_effects",
        tau_prior=tau_prior,
        polarity="lower_is_better",  # BUGS ranks p in increasing order: rank 1 = lowest mortality
        n_draws=20_000,  # as many as the published MCMC sample
        seed=seed,
    )


def test_reproduces_published_surgical_rank_intervals_within_one_rank() -> None:
    data, published, _ = _surgical()
    res = _surgical_ranks("gamma_precision")  # the published example's prior
    ours = res[RANK_COLS].to_numpy()
    theirs = published[PUBLISHED_RANK_COLS].to_numpy()
    diff = np.abs(ours - theirs)
    assert diff.max() <= 1, pd.DataFrame(np.c_[ours, theirs], index=data["hospital"])
    # the medians agree exactly, and most intervals do too
    assert np.array_equal(ours[:, 1], theirs[:, 1])
    assert (diff.max(axis=1) == 0).sum() >= 8
    # the observed rank is the rank of the observed rate, unchanged
    expected = rankdata(data["r"] / data["n"], method="min")
    assert res["rank"].tolist() == expected.tolist()
    # the published conclusion: only H and K have intervals that exclude the middle rank (6.5;
    # K only just: its published lower end is 7), and no hospital is confidently in the top or
    # bottom quartile
    excludes_middle = set(data["hospital"][(res.rank_lower > 6.5) | (res.rank_upper < 6.5)])
    assert "H" in excludes_middle and excludes_middle <= {"H", "K"}
    assert not res.confidently_top_quartile.any() and not res.confidently_bottom_quartile.any()


@pytest.mark.parametrize("seed", [1, 2])
def test_published_surgical_ranks_hold_for_other_seeds_and_the_default_prior(seed: int) -> None:
    _, published, _ = _surgical()
    theirs = published[PUBLISHED_RANK_COLS].to_numpy()
    for prior in ("gamma_precision", "uniform"):
        ours = _surgical_ranks(prior, seed=seed)[RANK_COLS].to_numpy()
        assert np.abs(ours - theirs).max() <= 1, prior


def _posterior_p(x: np.ndarray, n: np.ndarray, prior: str, draws: int = 40_000) -> np.ndarray:
    """Posterior draws of every unit's rate from the fitted hierarchical model (internals)."""
    fit = ranks._fit_random_effects(
        np.asarray(x, float), np.asarray(n, float), poisson=False, tau_prior=prior
    )
    return expit(ranks._draw_random_effects(np.random.default_rng(0), fit, draws))


def test_posterior_rates_match_the_published_surgical_posterior() -> None:
    """The model itself, not only the ranks: posterior mean, median and 95% interval of every p_i
    within a tenth of its published posterior sd (the MCMC error is about a hundredth)."""
    data, _, published = _surgical()
    p = _posterior_p(data["r"], data["n"], "gamma_precision")
    ours = {
        "mean": p.mean(axis=0),
        "median": np.median(p, axis=0),
        "val2.5pc": np.quantile(p, 0.025, axis=0),
        "val97.5pc": np.quantile(p, 0.975, axis=0),
    }
    for col, values in ours.items():
        err = np.abs(values - published[col].to_numpy()) / published["sd"].to_numpy()
        assert err.max() < 0.1, (col, err.round(3))


def test_random_effects_shrink_towards_the_pooled_rate() -> None:
    data, _, published = _surgical()
    pooled = data["r"].sum() / data["n"].sum()
    observed = (data["r"] / data["n"]).to_numpy()
    post = _posterior_p(data["r"], data["n"], "uniform").mean(axis=0)
    # every hospital moves towards the pooled rate, without crossing it
    assert (np.abs(post - pooled) < np.abs(observed - pooled)).all()
    assert (np.sign(post - pooled) == np.sign(observed - pooled)).all()
    # hospital A (0/47) most of all: from 0 to about 5%, as published (5.3%)
    assert 0.04 < post[0] < 0.065 and 0.04 < published["mean"][0] < 0.065


def test_small_unit_with_zero_events_is_not_ranked_over_confidently() -> None:
    rng = np.random.default_rng(11)
    rates = np.linspace(0.04, 0.08, 30)
    x = np.r_[rng.binomial(3000, rates), 0].astype(float)
    n = np.r_[np.full(30, 3000.0), 60.0]
    common = {"numerator": x, "denominator": n, "polarity": "lower_is_better"}
    fixed = ranks.rank_intervals(method="beta", **common).iloc[-1]
    re = ranks.rank_intervals(method="logit", model="random_effects", **common).iloc[-1]
    # observed, it is the best (0 deaths), and the fixed-effect (Jeffreys) interval takes it at
    # face value: confidently top quartile
    assert fixed["rank"] == 1 and re["rank"] == 1
    assert fixed["rank_upper"] <= 3 and bool(fixed["confidently_top_quartile"])
    # random effects: 60 cases are too few to tell it apart from the 30 large units
    assert re["rank_upper"] - re["rank_lower"] > fixed["rank_upper"] - fixed["rank_lower"] + 10
    assert re["rank_median"] > fixed["rank_median"] + 3
    assert not bool(re["confidently_top_quartile"]) and re["p_top_quartile"] < 0.9
    # a large unit keeps a narrow interval
    big = ranks.rank_intervals(method="logit", model="random_effects", **common).iloc[0]
    assert big["rank_upper"] - big["rank_lower"] <= 12


def test_extreme_and_missing_units() -> None:
    x = np.array([0, 30, 60, np.nan, 45, 100, 50])
    n = np.array([100, 100, 100, 100, 100, 100, np.nan])
    res = ranks.rank_intervals(numerator=x, denominator=n, method="logit", model="random_effects")
    assert res.loc[[3, 6], RANK_COLS + ["rank", "group_size"]].isna().all().all()
    ok = res.drop(index=[3, 6])
    assert ok.group_size.eq(5).all() and ok[RANK_COLS].notna().all().all()
    assert res.loc[5, "rank"] == 1 and res.loc[0, "rank"] == 5  # x = n is best, x = 0 worst
    assert res.loc[5, "rank_median"] == 1 and res.loc[0, "rank_median"] == 5


def test_reproducible_with_seed() -> None:
    data, _, _ = _surgical()
    kw = {
        "numerator": data["r"],
        "denominator": data["n"],
        "method": "logit",
        "model": "random_effects",
        "n_draws": 500,
    }
    a = ranks.rank_intervals(**kw)
    b = ranks.rank_intervals(**kw)
    pd.testing.assert_frame_equal(a, b)
    c = ranks.rank_intervals(**kw, seed=99)
    pd.testing.assert_frame_equal(c, ranks.rank_intervals(**kw, seed=99))
    assert not a.equals(c)
    # the fixed model is untouched by the new keywords
    fixed = {k: v for k, v in kw.items() if k != "model"}
    pd.testing.assert_frame_equal(
        ranks.rank_intervals(**fixed), ranks.rank_intervals(**fixed, model="fixed")
    )


def test_peer_groups_are_fitted_separately() -> None:
    """Each group gets its own (mu, tau): a small unit shrinks towards its own group's rate."""
    rng = np.random.default_rng(7)
    k = 12
    x_low = np.r_[rng.binomial(500, np.linspace(0.015, 0.03, k)), 2].astype(float)  # 2/20 = 10%
    x_high = np.r_[rng.binomial(500, np.linspace(0.17, 0.23, k)), 1].astype(float)  # 1/20 = 5%
    n = np.tile(np.r_[np.full(k, 500.0), 20.0], 2)
    x = np.r_[x_low, x_high]
    grp = np.repeat(["low", "high"], k + 1)
    perm = rng.permutation(len(x))
    kw = {
        "method": "logit",
        "model": "random_effects",
        "polarity": "lower_is_better",
        "n_draws": 4000,
    }
    together = ranks.rank_intervals(numerator=x[perm], denominator=n[perm], by=grp[perm], **kw)
    together = together.iloc[np.argsort(perm)].reset_index(drop=True)
    assert together.group_size.eq(k + 1).all()
    for name in ("low", "high"):
        sel = grp == name
        alone = ranks.rank_intervals(numerator=x[sel], denominator=n[sel], **kw)
        diff = np.abs(together.loc[sel, RANK_COLS].to_numpy() - alone[RANK_COLS].to_numpy())
        assert diff.max() <= 1, name
        assert together.loc[sel, "rank"].tolist() == alone["rank"].tolist()
    small_low, small_high = together.iloc[k], together.iloc[2 * k + 1]
    # observed: worst of the low group, best of the high group ...
    assert small_low["rank"] == k + 1 and small_high["rank"] == 1
    # ... but each is pulled to its own group's rate (one fit across both groups, with mu near
    # 7% and a large tau, would leave them at about rank 13 and rank 1)
    assert small_low["rank_median"] <= k - 1 and small_low["rank_lower"] <= 3
    assert small_high["rank_median"] >= 3 and small_high["rank_upper"] >= k


def _mcmc_poisson_lognormal(
    obs: np.ndarray, expected: np.ndarray, chains: int = 16, burn: int = 1000, iters: int = 3000
) -> np.ndarray:
    """Independent reference, a different algorithm: Metropolis-within-Gibbs for
    O ~ Poisson(E·exp(θ)), θ ~ N(mu, tau²), flat mu, uniform tau; returns draws of θ."""
    rng = np.random.default_rng(0)
    k = len(obs)
    theta = np.log((obs + 0.5) / expected) + np.zeros((chains, k))
    mu, tau = theta.mean(axis=1), np.full(chains, 0.5)
    step = 1.0 / np.sqrt(obs + 1.0)

    def logp(t: np.ndarray) -> np.ndarray:
        return obs * t - expected * np.exp(t) - 0.5 * ((t - mu[:, None]) / tau[:, None]) ** 2

    kept = []
    for it in range(burn + iters):
        prop = theta + step * rng.standard_normal((chains, k))
        accept = np.log(rng.random((chains, k))) < logp(prop) - logp(theta)
        theta = np.where(accept, prop, theta)
        mu = theta.mean(axis=1) + tau / np.sqrt(k) * rng.standard_normal(chains)
        ss = ((theta - mu[:, None]) ** 2).sum(axis=1)
        tau = np.sqrt(ss / 2 / rng.gamma((k - 1) / 2, size=chains))  # tau² | rest: inverse gamma
        if it >= burn:
            kept.append(theta.copy())
    return np.concatenate(kept)


def test_poisson_smr_example_matches_an_independent_mcmc() -> None:
    rng = np.random.default_rng(2024)
    expected = np.r_[rng.uniform(20, 400, 24), 3.0]
    observed = np.r_[rng.poisson(expected[:24] * np.exp(rng.normal(0, 0.2, 24))), 0].astype(float)
    res = ranks.rank_intervals(
        numerator=observed,
        denominator=expected,
        method="gamma",
        model="random_effects",
        polarity="lower_is_better",  # a low SMR is good
        n_draws=4000,
    )
    assert res["rank"].tolist() == rankdata(observed / expected, method="min").tolist()
    draws = _mcmc_poisson_lognormal(observed, expected)
    r = rankdata(draws, axis=1)
    reference = np.c_[
        np.quantile(r, 0.025, axis=0, method="lower"),
        np.median(r, axis=0),
        np.quantile(r, 0.975, axis=0, method="higher"),
    ]
    assert np.abs(res[RANK_COLS].to_numpy() - reference).max() <= 1
    # the small trust with 0 deaths against 3 expected: first observed, confidently top under
    # the fixed (Jeffreys gamma) model, but not under random effects
    fixed = ranks.rank_intervals(
        numerator=observed, denominator=expected, method="gamma", polarity="lower_is_better"
    )
    assert fixed["rank"].iloc[-1] == 1 and bool(fixed.confidently_top_quartile.iloc[-1])
    assert not bool(res.confidently_top_quartile.iloc[-1]) and res.rank_median.iloc[-1] > 3


def test_bad_arguments_raise_clear_errors() -> None:
    x, n = [1, 2, 3], [10, 10, 10]
    for method in ("normal", "beta"):
        with pytest.raises(ValueError, match="random_effects.*'logit'.*'gamma'"):
            ranks.rank_intervals(
                [0.1, 0.2], [0.1, 0.1], numerator=x, denominator=n, method=method,
                model="random_effects",
            )  # fmt: skip
    with pytest.raises(ValueError, match="numerators must be >= 0"):
        ranks.rank_intervals(
            numerator=[-1, 2, 3], denominator=n, method="logit", model="random_effects"
        )
    with pytest.raises(ValueError, match="numerators must be >= 0"):
        ranks.rank_intervals(
            numerator=x, denominator=[10, 0, 10], method="gamma", model="random_effects"
        )
    with pytest.raises(ValueError, match="less than or equal to denominators"):
        ranks.rank_intervals(
            numerator=[11, 2, 3], denominator=n, method="logit", model="random_effects"
        )
    with pytest.raises(ValueError, match="model must be"):
        ranks.rank_intervals(numerator=x, denominator=n, method="logit", model="bayes")
    with pytest.raises(ValueError, match="tau_prior must be"):
        ranks.rank_intervals(
            numerator=x, denominator=n, method="logit", model="random_effects", tau_prior="cauchy"
        )


def test_a_national_league_table_with_zero_event_units_is_ranked() -> None:
    """150 units, five with no events: every unit gets a rank interval (speed is measured in
    benchmarks/bench_stats.py, never here)."""
    rng = np.random.default_rng(3)
    n = rng.integers(30, 3000, 150).astype(float)
    x = rng.binomial(n.astype(int), rng.uniform(0.02, 0.1, 150)).astype(float)
    x[:5] = 0
    res = ranks.rank_intervals(numerator=x, denominator=n, method="logit", model="random_effects")
    assert res[RANK_COLS].notna().all().all()
