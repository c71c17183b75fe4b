"""helpers.stats.funnel against PHEindicatormethods and FunnelPlotR reference vectors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from parity.adapters import FPR_CONFIGS
from parity.checks import PHE_BISECTION_RTOL
from parity.engine import CheckResult
from parity.run import run_all
from stats_refs import REF, read_ref

from helpers.stats import funnel

CHECKS = run_all(REF, only=["funnel_phe", "funnel_od"])


@pytest.mark.parametrize("check", CHECKS, ids=[f"{c.function}|{c.reference}" for c in CHECKS])
def test_matches_reference(check: CheckResult) -> None:
    assert check.rows > 0
    assert check.passed, check.detail


def test_poisson_exact_vs_bisection_deviation_is_documented_size() -> None:
    """The PHE fixtures come from a bisection; exact chi-square differs by < 1e-4 relative."""
    rin = read_ref("phe_indicator_methods/testdata_funnel_ratio_inputs.csv")
    kw = {"statistic": "ratio", "multiplier": 100, "ratio_type": "isr"}
    exact = funnel.phe_funnel_limits(rin.obs, rin.expected, **kw)
    bis = funnel.phe_funnel_limits(rin.obs, rin.expected, poisson_method="bisection", **kw)
    cols = [c for c in exact.columns if c.endswith("limit")]
    rel = (exact[cols] - bis[cols]).abs() / bis[cols].abs()
    assert 1e-6 < rel.to_numpy().max() < PHE_BISECTION_RTOL
    # the bisection really reproduces the fixture while exact does not at the R tolerance
    fixture = read_ref("phe_indicator_methods/testdata_funnel_ratio_outputs.csv")
    ref_cols = [c.replace("limit", "isr") for c in cols]
    err_bis = np.abs(bis[cols].to_numpy() - fixture[ref_cols].to_numpy()) / fixture[ref_cols].abs()
    err_exact = (
        np.abs(exact[cols].to_numpy() - fixture[ref_cols].to_numpy()) / fixture[ref_cols].abs()
    )
    assert err_bis.to_numpy().max() < 1e-6 < err_exact.to_numpy().max()


def test_poisson_funnel_exact_solves_the_tail_equation() -> None:
    obs = np.array([1.0, 5, 20, 300])
    lam = funnel.poisson_funnel(obs, 0.025, "low")
    from scipy import stats

    np.testing.assert_allclose(stats.poisson.sf(obs - 1, lam), 0.025, rtol=1e-9)
    lam = funnel.poisson_funnel(obs, 0.025, "high")
    np.testing.assert_allclose(stats.poisson.cdf(obs, lam), 0.025, rtol=1e-9)
    with pytest.raises(ValueError, match="method must be"):
        funnel.poisson_funnel(obs, 0.025, "low", method="newton")  # type: ignore[arg-type]


def test_funnelplotr_z_literals_option() -> None:
    """Exact normal quantiles instead of 1.959964/3.090232 move limits by ~1e-7 relative."""
    dt6 = read_ref("funnelplotr/test_inline_dt6_input.csv")
    exp = read_ref("funnelplotr/funnel_dt6_a_default__aggregated.csv")
    lit = funnel.od_funnel(dt6.num, dt6.denom, dt6.group)
    exact = funnel.od_funnel(dt6.num, dt6.denom, dt6.group, funnelplotr_z=False)
    cols = ["OD95LCL", "OD95UCL", "OD99LCL", "OD99UCL"]
    np.testing.assert_allclose(lit.aggregated[cols], exp[cols], rtol=1e-12)
    rel = np.abs(exact.aggregated[cols].to_numpy() / exp[cols].to_numpy() - 1)
    assert 1e-9 < rel.max() < 5e-7
    assert lit.phi == exact.phi and lit.tau2 == exact.tau2


def test_rc_falls_back_to_unadjusted_when_phi_at_most_one() -> None:
    cfg = read_ref(FPR_CONFIGS).set_index("config")
    by = pd.read_csv(REF / "funnelplotr/medpar_by_provider.csv", dtype={"provnum": str})
    by = by[by.survived > 0]
    res = funnel.od_funnel(by.died, by.survived, by.provnum, data_type="RC", limit=95)
    row = cfg.loc["medpar_RC_died_vs_survived_lim95"]
    assert res.phi <= 1 and not res.draw_adjusted and res.draw_unadjusted
    assert res.phi == pytest.approx(row.phi, rel=1e-12)
    assert int(res.aggregated.outlier.sum()) == row.n_outliers


def test_outlier_levels_are_nested() -> None:
    medpar = pd.read_csv(REF / "funnelplotr/medpar_with_prds.csv", dtype={"provnum": str})
    res = funnel.od_funnel(medpar.los, medpar.prds, medpar.provnum)
    agg = res.aggregated
    assert (agg.outlier998 <= agg.outlier95).all()
    assert (agg.outlier == agg.outlier998).all()  # default limit = 99 (99.8%)


def test_errors() -> None:
    with pytest.raises(ValueError, match="numerators must be less than or equal to denominator"):
        funnel.phe_funnel_significance([5, 11], [10, 10], statistic="proportion")
    with pytest.raises(ValueError, match="denominators must be greater than zero"):
        funnel.phe_funnel_significance([5, 1], [10, 0], statistic="ratio")
    with pytest.raises(ValueError, match="numerators must be greater than or equal to zero"):
        funnel.phe_funnel_significance([-5, 1], [10, 3], statistic="ratio")
    with pytest.raises(ValueError, match="denominator field needs to be provided"):
        funnel.phe_funnel_limits(
            [0, 5], statistic="rate", rate=[0, 3], rate_type="crude", multiplier=1e5,
            years_of_data=1,
        )  # fmt: skip
    with pytest.raises(ValueError, match="less than or equal to denominators for proportions"):
        funnel.od_funnel([5, 11], [10, 10], ["a", "b"], data_type="PR")
    with pytest.raises(ValueError, match="statistic must be"):
        funnel.phe_funnel_limits([1], [2], statistic="mean", multiplier=1)  # type: ignore[arg-type]
