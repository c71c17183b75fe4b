"""How the comparison stage wires each metric to its method (helpers.methods): rank samplers,
exact ranks for accounts, which metrics get a funnel and why others do not."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from spec_support import metric_spec

from helpers.compare import add_funnels, add_rank_intervals
from helpers.compare.funnels import (
    MIN_FUNNEL_ORGANISATIONS,
    PHE_BANDS,
    no_funnel_reason,
    phe_rate_limits,
)
from helpers.compare.ranks import N_DRAWS
from helpers.settings import MetricSpec
from helpers.stats.funnel import phe_funnel_limits, phe_funnel_significance
from helpers.stats.ranks import rank_intervals


def spec(
    metric_id: str,
    statistic: str,
    ci: str,
    polarity: str = "higher_is_better",
    multiplier: float = 100.0,
) -> MetricSpec:
    return metric_spec(metric_id, statistic, ci, polarity=polarity, multiplier=multiplier)


def table(metric_id: str, n_orgs: int, seed: int = 1, multiplier: float = 100.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    den = rng.integers(200, 5000, n_orgs).astype(float)
    num = rng.binomial(den.astype(int), 0.3).astype(float)
    value = multiplier * num / den
    return pd.DataFrame(
        {
            "org_code": [f"T{i:02d}" for i in range(n_orgs)],
            "metric_id": metric_id,
            "period": "2024/25",
            "numerator": num,
            "denominator": den,
            "value": value,
            "ci95_lower": value - 2,
            "ci95_upper": value + 2,
        }
    )


RUN = SimpleNamespace(
    settings=SimpleNamespace(
        seed=7, assess=SimpleNamespace(month_to_month=True, rank_model="fixed")
    )
)


def test_proportions_are_ranked_by_beta_draws() -> None:
    """With no monthly data the draws are the Jeffreys Beta draws of the statistics library:
    the same intervals to within a rank (the two draw different random numbers)."""
    s = spec("p", "proportion", "wilson")
    t = table("p", 12)
    got = add_rank_intervals(RUN, t, {"p": s})
    direct = rank_intervals(
        numerator=t.numerator.to_numpy(),
        denominator=t.denominator.to_numpy(),
        by=t.period.to_numpy(),
        method="beta",
        polarity="higher_is_better",
        n_draws=N_DRAWS,
        seed=7,
    )
    for col in ("rank_lower", "rank_upper"):
        diff = got[col].astype(float).to_numpy() - direct[col].to_numpy()
        assert np.abs(diff).max() <= 1, col
    assert got.peer_count.eq(12).all() and got.peer_quartile.between(1, 4).all()


def test_month_to_month_variation_widens_the_interval_of_a_volatile_year() -> None:
    """Two organisations with the same annual counts: the one whose months swing far more than
    sampling explains gets the wider rank interval."""
    s = spec("p", "proportion", "wilson")
    t = table("p", 12)
    months = pd.date_range("2024-04-01", periods=12, freq="MS")
    rows = []
    for r in t.itertuples():
        for i, m in enumerate(months):
            swing = 0.25 if r.org_code == "T03" else 0.0
            p = r.numerator / r.denominator + (swing if i % 2 else -swing)
            rows.append((r.org_code, "p", "2024/25", m, p * r.denominator / 12, r.denominator / 12))
    monthly = pd.DataFrame(
        rows, columns=["org_code", "metric_id", "period", "month", "numerator", "denominator"]
    )
    plain = add_rank_intervals(RUN, t, {"p": s})
    both = add_rank_intervals(RUN, t, {"p": s}, monthly)
    width = (both.rank_upper - both.rank_lower).astype(float)
    plain_width = (plain.rank_upper - plain.rank_lower).astype(float)
    assert width[t.org_code == "T03"].iat[0] > plain_width[t.org_code == "T03"].iat[0] + 2
    steady = t.org_code != "T03"
    assert (width[steady] - plain_width[steady]).abs().max() <= 2


def test_accounts_are_ranked_exactly_with_no_interval() -> None:
    s = spec("f", "ratio", "none", polarity="lower_is_better")
    t = table("f", 12).assign(ci95_lower=np.nan, ci95_upper=np.nan)
    got = add_rank_intervals(RUN, t, {"f": s})
    assert (got.rank_lower == got.peer_rank).all() and (got.rank_upper == got.peer_rank).all()
    assert got.peer_rank.astype(int).tolist() == t.value.rank(method="min").astype(int).tolist()
    assert got.p_top_quartile.isin([0.0, 1.0]).all()


@pytest.mark.parametrize(
    ("statistic", "ci", "drawn"),
    [
        ("proportion", "wilson", True),
        ("isr", "byars", True),
        ("rate", "byars", True),
        ("mean", "student_t", False),
        ("proportion", "none", False),
    ],
)
def test_which_metrics_get_a_funnel(statistic: str, ci: str, drawn: bool) -> None:
    mult = 1.0 if statistic == "isr" else 100.0
    s = spec("m", statistic, ci, multiplier=mult)
    t = table("m", 15, multiplier=mult)
    out, od, funnels = add_funnels(t, {"m": s})
    assert (len(od) == 1) == drawn and (len(funnels) == 1) == drawn
    bands = set(out.funnel_band)
    assert (
        bands <= {"above_998", "above_95", "within", "below_95", "below_998"}
        if drawn
        else bands == {""}
    )


def test_small_peer_groups_get_no_funnel() -> None:
    s = spec("p", "proportion", "wilson")
    out, od, _ = add_funnels(table("p", MIN_FUNNEL_ORGANISATIONS - 1), {"p": s})
    assert od.empty and set(out.funnel_band) == {""}
    out, od, _ = add_funnels(table("p", MIN_FUNNEL_ORGANISATIONS), {"p": s})
    assert len(od) == 1 and "" not in set(out.funnel_band)


def test_rates_get_phe_funnels_whose_bands_are_phe_significance() -> None:
    """Crude rates and DSRs with no overdispersion (phi <= 1; these counts vary less than
    Poisson) keep PHE's Poisson funnel: the band of each organisation is PHE's own
    significance label (helpers.stats, tested against PHEindicatormethods), and the limits
    bracket the England rate. Widening is tested in test_compare_rate_funnels.py."""
    s = spec("r", "rate", "byars", multiplier=100000.0)
    t = table("r", 14, multiplier=100000.0)
    out, od, funnels = add_funnels(t, {"r": s})
    sig = phe_funnel_significance(
        t.numerator,
        t.denominator,
        statistic="rate",
        rate=t.value,
        rate_type="crude",
        multiplier=100000.0,
    )
    assert out.funnel_band.tolist() == [PHE_BANDS[str(x)] for x in sig]
    assert od.method.tolist() == ["phe_rate"] and (od.phi <= 1).all()
    assert not od.overdispersion_adjusted.any()
    lim = funnels[0].limits.dropna(subset=["ll95", "ul95", "ll998", "ul998"])
    assert len(lim) > 20
    target = funnels[0].target
    assert (lim.ll998 <= lim.ll95).all() and (lim.ll95 < target).all()
    assert (lim.ul95 > target).all() and (lim.ul998 >= lim.ul95).all()
    assert target == pytest.approx(100000.0 * t.numerator.sum() / t.denominator.sum())


def test_no_funnel_says_why() -> None:
    assert "not a sample estimate" in no_funnel_reason(spec("f", "ratio", "none"), 40)
    assert "means" in no_funnel_reason(spec("m", "mean", "student_t"), 40)
    assert "only 6 organisations" in no_funnel_reason(spec("p", "proportion", "wilson"), 6)
    assert no_funnel_reason(spec("d", "dsr", "dobson"), 40) == ""


def test_phe_rate_limits_lie_on_phe_funnel_curves() -> None:
    """The rate funnel's limits are PHE's own curves (calculate_funnel_limits, whose Poisson
    tails are tested against PHEindicatormethods), read at every population of the chart."""
    t = table("r", 14, multiplier=100000.0)
    lim = phe_funnel_limits(
        t.numerator,
        t.denominator,
        statistic="rate",
        multiplier=100000.0,
        rate=t.value,
        rate_type="crude",
        years_of_data=1,
    )
    target = float(lim.baseline.iloc[0])
    for ours, theirs in (
        ("ll95", "lower_2s"),
        ("ul95", "upper_2s"),
        ("ll998", "lower_3s"),
        ("ul998", "upper_3s"),
    ):
        pop = lim[f"{theirs}_population_1_year"].to_numpy()
        ok = np.isfinite(pop) & (pop > 0) & np.isfinite(lim[f"{theirs}_limit"].to_numpy())
        got = phe_rate_limits(target, 100000.0, pop[ok])[ours].to_numpy()
        np.testing.assert_allclose(got, lim[f"{theirs}_limit"].to_numpy()[ok], rtol=2e-3)
