"""helpers.stats.ci against PHEindicatormethods 2.1.0 test fixtures and generated vectors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from parity.adapters import ESP2013
from parity.engine import CheckResult
from parity.run import run_all
from stats_refs import REF, read_ref

from helpers.stats import ci

CHECKS = run_all(REF, only=["ci"])


@pytest.mark.parametrize("check", CHECKS, ids=[f"{c.function}|{c.reference}" for c in CHECKS])
def test_matches_reference(check: CheckResult) -> None:
    assert check.rows > 0
    assert check.passed, check.detail


def test_proportion_columns_and_nan_rows() -> None:
    prop = read_ref("phe_indicator_methods/testdata_Proportion__testdata_Prop.csv")
    res = ci.proportion_ci(prop.Numerator, prop.Denominator)
    assert list(res.columns) == list(ci.CI_COLUMNS)
    missing = prop.Numerator.isna() | prop.Denominator.isna()
    assert res.loc[missing.to_numpy(), list(ci.CI_COLUMNS[:5])].isna().all().all()
    assert (res.loc[~missing.to_numpy(), "ci_method"] == "Wilson").all()
    assert (res.loc[missing.to_numpy(), "ci_method"] == "").all()


def test_proportion_zero_denominator_gives_nan() -> None:
    res = ci.proportion_ci([0, 1], [0, 2])
    assert np.isnan(res.value[0]) and res.ci_method[0] == ""
    assert res.value[1] == 0.5


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [
        ([5, 11], [10, 10], "numerators must be less than or equal to denominator"),
        ([-1], [10], "numerators must be greater than or equal to zero"),
        ([1], [-10], "denominators must be greater than zero"),
    ],
)
def test_proportion_errors(x: list[float], n: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ci.proportion_ci(x, n)


def test_proportion_errors_nan_mode() -> None:
    res = ci.proportion_ci([5, 11], [10, 10], errors="nan")
    assert res.value[0] == 0.5 and np.isnan(res.value[1]) and res.ci_method[1] == ""


def test_rate_errors_and_numerator_above_denominator_allowed() -> None:
    with pytest.raises(ValueError, match="denominators must be greater than zero"):
        ci.rate_ci([1], [0])
    with pytest.raises(ValueError, match="numerators must be greater than or equal to zero"):
        ci.rate_ci([-1], [10])
    res = ci.rate_ci([250], [220])
    assert res.value[0] > 100_000 and res.ci_method[0] == "Byars"


def test_rate_method_switch_at_ten() -> None:
    grid = read_ref("phe_indicator_methods/generated/phe_rate_grid_per100000_95_998.csv")
    res = ci.rate_ci(grid.x, grid.n)
    assert list(res.ci_method) == list(np.where(grid.x < 10, "Exact", "Byars"))


def test_rate_grouped_frame_input() -> None:
    rate = read_ref("phe_indicator_methods/testdata_Rate__testdata_Rate.csv")
    res = ci.rate_ci(rate.Numerator, rate.Denominator, 100_000)
    assert len(res) == len(rate)
    assert res.value.isna().sum() == 3


def test_confidence_validation() -> None:
    with pytest.raises(ValueError, match="confidence level"):
        ci.byars_upper([10], 0.5)
    np.testing.assert_allclose(ci.byars_upper([10], 95), ci.byars_upper([10], 0.95))


def test_mean_nan_values_are_dropped() -> None:
    data = read_ref("phe_indicator_methods/testdata_Mean__testdata_Mean.csv")
    with_nan = pd.concat([data, pd.DataFrame({"area": ["Area1"], "values": [np.nan]})])
    a = ci.mean_ci(data["values"], data["area"])
    b = ci.mean_ci(with_nan["values"], with_nan["area"])
    pd.testing.assert_frame_equal(a, b)


def test_mean_single_value_gives_nan_limits() -> None:
    res = ci.mean_ci([3.0])
    assert res.value.iloc[0] == 3.0 and np.isnan(res.ci95_lower.iloc[0])


def test_dsr_errors() -> None:
    err1 = read_ref("phe_indicator_methods/testdata_DSR_ISR__testdata_err1.csv")
    err1["esp"] = ESP2013
    with pytest.raises(ValueError, match="numerators must all be greater than or equal to zero"):
        ci.dsr_ci(err1, "count", "pop", "esp")
    err2 = read_ref("phe_indicator_methods/testdata_DSR_ISR__testdata_err2.csv")
    err2["esp"] = np.tile(ESP2013, 2)
    with pytest.raises(ValueError, match="denominators must all be greater than zero"):
        ci.dsr_ci(err2, "count", "pop", "esp", "area")
    multi = read_ref("phe_indicator_methods/testdata_DSR_ISR__testdata_multiarea.csv")
    multi["esp"] = np.tile(ESP2013, 3)
    with pytest.raises(ValueError, match="event_frequency and ageband are required"):
        ci.dsr_ci(multi, "count", "pop", "esp", "area", independent_events=False)


def test_dsr_suppression_below_ten() -> None:
    small = read_ref("phe_indicator_methods/generated/dsr_isr_small_example_input.csv")
    res = ci.dsr_ci(small, "count", "pop", "esp2013", "area").set_index("area")
    assert bool(res.loc["C", "suppressed"]) and np.isnan(res.loc["C", "value"])
    assert not res.loc[["A", "B"], "suppressed"].any()


def test_isr_kind_validation() -> None:
    own = read_ref("phe_indicator_methods/testdata_DSR_ISR__testdata_multiarea_isr.csv")
    with pytest.raises(ValueError, match="kind must be"):
        ci.isr_ci(own, "count", "pop", "refcount", "refpop", "area", kind="smr")  # type: ignore[arg-type]
