"""helpers.stats.compare: Fingertips comparers and PHE quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from parity.engine import CheckResult
from parity.run import run_all
from stats_refs import REF

from helpers.stats import compare as cmp

CHECKS = run_all(REF, only=["compare"])


@pytest.mark.parametrize("check", CHECKS, ids=[c.function for c in CHECKS])
def test_phe_quantile_matches_reference(check: CheckResult) -> None:
    assert check.rows > 0
    assert check.passed, check.detail


def test_ci_with_benchmark_labels_and_inclusive_bounds() -> None:
    lo = [1.0, 2.0, 0.0, 1.0, np.nan]
    hi = [3.0, 4.0, 0.5, 2.0, 2.0]
    b = 2.0
    assert list(cmp.compare_ci_with_benchmark(lo, hi, b, "higher_is_better")) == [
        "similar", "similar", "worse", "similar", "not_compared",
    ]  # fmt: skip
    assert list(cmp.compare_ci_with_benchmark([2.5], [3], b, "lower_is_better")) == ["worse"]
    assert list(cmp.compare_ci_with_benchmark([2.5], [3], b, "no_judgement")) == ["higher"]


def test_polarity_per_row_and_unknown_polarity() -> None:
    out = cmp.compare_ci_with_benchmark(
        [3, 3, 3], [4, 4, 4], 2, ["higher_is_better", "lower_is_better", "no_judgement"]
    )
    assert list(out) == ["better", "worse", "higher"]
    with pytest.raises(ValueError, match="unknown polarity"):
        cmp.compare_ci_with_benchmark([1], [2], 1.5, "up")  # type: ignore[arg-type]


def test_two_level() -> None:
    # benchmark 10; intervals: inside 95; outside 95 inside 99.8 (above); outside both (above);
    # outside 95 inside 99.8 (below); outside both (below); on the 95% bound
    lo95 = np.array([9, 10.5, 12, 7, 6, 10])
    hi95 = np.array([11, 12, 14, 9.5, 8, 12])
    lo998 = lo95 - 1
    hi998 = hi95 + 1
    out = cmp.compare_two_level(lo95, hi95, lo998, hi998, 10, "higher_is_better")
    assert list(out) == ["similar", "better_95", "better_998", "worse_95", "worse_998", "similar"]
    out = cmp.compare_two_level(lo95, hi95, lo998, hi998, 10, "lower_is_better")
    assert list(out) == ["similar", "worse_95", "worse_998", "better_95", "better_998", "similar"]
    out = cmp.compare_two_level(lo95, hi95, lo998, hi998, 10, "no_judgement")
    assert list(out) == ["similar", "higher_95", "higher_998", "lower_95", "lower_998", "similar"]
    assert set(out) <= set(cmp.TWO_LEVEL_COMPARISONS)
    out = cmp.compare_two_level([np.nan], [1], [0], [2], 1, "higher_is_better")
    assert list(out) == ["not_compared"]


def test_two_level_agrees_with_single_level_at_95() -> None:
    rng = np.random.default_rng(1)
    v = rng.normal(10, 2, 500)
    lo95, hi95 = v - 1, v + 1
    single = cmp.compare_ci_with_benchmark(lo95, hi95, 10, "higher_is_better")
    two = cmp.compare_two_level(lo95, hi95, v - 2, v + 2, 10, "higher_is_better")
    stripped = np.array([s.split("_")[0] for s in two])
    assert (stripped == single).all()


def test_fingertips_bounds_use_n_minus_1_p_plus_1_rule() -> None:
    rng = np.random.default_rng(2)
    v = rng.normal(size=37)
    bounds = cmp.fingertips_category_bounds(v, 5)
    expected = np.round(np.percentile(v, [20, 40, 60, 80], method="linear"), 10)
    np.testing.assert_allclose(bounds[1:-1], expected, rtol=0, atol=1e-12)
    assert bounds[0] == v.min() and bounds[-1] == v.max()
    assert cmp.fingertips_category_bounds([1, 2, 3], 4).size == 0


def test_fingertips_categories_grouped() -> None:
    v = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4], dtype=float)
    by = np.array(["a"] * 10 + ["b"] * 4)
    quint = cmp.fingertips_quantile_category(v, 5, by)
    # a: bounds 2.8, 4.6, 6.4, 8.2 -> value <= bound gives that category
    assert list(quint[:10]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert np.isnan(quint[10:]).all()  # only 4 values: no quintiles
    quart = cmp.fingertips_quantile_category(v, 4, by)
    assert list(quart[10:]) == [1, 2, 3, 4]
    single = np.concatenate([cmp.fingertips_category_bounds(v[:10], 5)])
    cats = 1 + (v[:10, None] > single[None, 1:-1]).sum(axis=1)
    assert (cats == quint[:10]).all()


def test_phe_quantile_small_group_and_invert() -> None:
    v = np.arange(1.0, 11.0)
    assert list(cmp.phe_quantile(v, 10, invert=False)) == list(range(1, 11))
    assert list(cmp.phe_quantile(v, 10, invert=True)) == list(range(10, 0, -1))
    assert np.isnan(cmp.phe_quantile(v[:4], 5)).all()
    with pytest.raises(ValueError, match="invert must take the same value"):
        cmp.phe_quantile(v, 2, invert=[True] * 5 + [False] * 5)


def test_single_target() -> None:
    v = [80, 90, 95, np.nan]
    assert list(cmp.compare_with_target(v, 90, "higher_is_better")) == [
        "worse", "better", "better", "not_compared",
    ]  # fmt: skip
    assert list(cmp.compare_with_target(v, 90, "lower_is_better")) == [
        "better", "better", "worse", "not_compared",
    ]  # fmt: skip
    assert list(cmp.compare_with_target(v[:3], 90, "no_judgement")) == [
        "lower", "similar", "higher",
    ]  # fmt: skip
    # CI mode: the target inside the interval is similar
    out = cmp.compare_with_target([92], 90, "higher_is_better", lower=[89], upper=[95])
    assert list(out) == ["similar"]


def test_range_target() -> None:
    v = [10, 20, 30, 40]
    assert list(cmp.compare_with_target_range(v, 20, 30, "higher_is_better")) == [
        "worse", "similar", "better", "better",
    ]  # fmt: skip
    assert list(cmp.compare_with_target_range(v, 20, 30, "lower_is_better")) == [
        "better", "similar", "worse", "worse",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="Lower limit cannot be greater than upper limit"):
        cmp.compare_with_target_range(v, 30, 20, "higher_is_better")
