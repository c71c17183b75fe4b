"""Fingertips benchmarking: confidence intervals against a comparator, quantiles and goals.

Sources: ukhsa-collaboration/fingertips-open ``PholioVisualisationWS/Analysis/``
(``SingleOverlappingCIsComparer``, ``SingleOverlappingCIsForTwoCILevelsComparer``,
``ValueCategoriesCalculator``, ``QuintilesComparer``, ``QuartilesComparer``,
``SingleValueTargetComparer``, ``RangeTargetComparer``) and PHEindicatormethods ``phe_quantile``.

``polarity`` may be one string for every row or an array with one polarity per row (a long
table of several metrics).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

Polarity = Literal["higher_is_better", "lower_is_better", "no_judgement"]
POLARITIES: tuple[str, ...] = ("higher_is_better", "lower_is_better", "no_judgement")
COMPARISONS = ("better", "similar", "worse", "higher", "lower", "not_compared")
#: Two-level labels: ``_95`` significant at 95% only, ``_998`` significant at 99.8% as well.
TWO_LEVEL_COMPARISONS = (
    "better_998",
    "better_95",
    "similar",
    "worse_95",
    "worse_998",
    "higher_998",
    "higher_95",
    "lower_95",
    "lower_998",
    "not_compared",
)


def _polarity_array(polarity: Polarity | ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    pol = np.broadcast_to(np.asarray(polarity, dtype=object), shape)
    unknown = set(pd.unique(pol.ravel())) - set(POLARITIES)
    if unknown:
        raise ValueError(f"unknown polarity {sorted(map(str, unknown))!r}; use one of {POLARITIES}")
    return pol


def _direction_labels(
    pol: np.ndarray, above: np.ndarray, below: np.ndarray, default: str = "similar"
) -> np.ndarray:
    """Label 'area above/below the comparator' according to polarity."""
    hib = pol == "higher_is_better"
    lib = pol == "lower_is_better"
    hi_label = np.where(hib, "better", np.where(lib, "worse", "higher"))
    lo_label = np.where(hib, "worse", np.where(lib, "better", "lower"))
    return np.where(above, hi_label, np.where(below, lo_label, default)).astype(object)


def compare_ci_with_benchmark(
    lower: ArrayLike, upper: ArrayLike, benchmark: ArrayLike, polarity: Polarity | ArrayLike
) -> np.ndarray:
    """Fingertips "CI overlapping reference value" comparer.

    *similar* when the benchmark lies inside [lower, upper] (inclusive); otherwise *better* or
    *worse* according to polarity, or *higher* / *lower* for no-judgement (BOB) indicators.
    Any missing input gives *not_compared*.
    """
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    b = np.broadcast_to(np.asarray(benchmark, dtype=float), lo.shape)
    pol = _polarity_array(polarity, lo.shape)
    missing = ~(np.isfinite(lo) & np.isfinite(hi) & np.isfinite(b))
    above = lo > b  # the whole interval is above the benchmark
    below = hi < b
    out = _direction_labels(pol, above, below)
    out[missing] = "not_compared"
    return out


def compare_two_level(
    lower95: ArrayLike,
    upper95: ArrayLike,
    lower998: ArrayLike,
    upper998: ArrayLike,
    benchmark: ArrayLike,
    polarity: Polarity | ArrayLike,
) -> np.ndarray:
    """Fingertips two-level comparer (95% and 99.8% intervals against the benchmark).

    *similar* if the benchmark is inside the 95% interval (inclusive). Otherwise the direction
    gets ``_95`` when the benchmark is inside the 99.8% interval (Fingertips "Better"/"Worse")
    and ``_998`` when it is outside that too (Fingertips "Best"/"Worst"), e.g. ``better_998``.
    Missing inputs give *not_compared*.
    """
    lo95 = np.asarray(lower95, dtype=float)
    hi95 = np.asarray(upper95, dtype=float)
    lo998 = np.asarray(lower998, dtype=float)
    hi998 = np.asarray(upper998, dtype=float)
    b = np.broadcast_to(np.asarray(benchmark, dtype=float), lo95.shape)
    pol = _polarity_array(polarity, lo95.shape)
    missing = ~np.isfinite(np.stack([lo95, hi95, lo998, hi998, b])).all(axis=0)
    above = lo95 > b
    below = hi95 < b
    base = _direction_labels(pol, above, below)
    strong = (above & (b < lo998)) | (below & (b > hi998))
    level = np.where(strong, "_998", "_95")
    out = np.where(above | below, base.astype(str) + level, base).astype(object)
    out[missing] = "not_compared"
    return out


def compare_random_effects(
    y: ArrayLike,
    s: ArrayLike,
    centre: float | ArrayLike,
    tau2: float | ArrayLike,
    polarity: Polarity | ArrayLike,
    z: float = 1.959964,
) -> np.ndarray:
    """Compare with a benchmark allowing for the variation between organisations (a
    random-effects test; Spiegelhalter 2005, "Funnel plots for comparing institutional
    performance", section 3).

    ``y`` is each organisation's value on a variance-stabilising scale (arcsine square root for a
    proportion, log or square root for a ratio of observed to expected), ``s`` its sampling
    standard error there, ``centre`` the benchmark on the same scale and ``tau2`` the
    between-organisation variance estimated there (DerSimonian-Laird, as the overdispersed funnel
    estimates it). The organisation differs when ``|y − centre| / sqrt(s² + tau2) > z``: that is,
    when it lies outside the overdispersed funnel's limits at its own denominator (bounds count
    as inside, as FunnelPlotR's). ``z`` defaults to FunnelPlotR's 95% literal; with
    ``tau2 = 0`` this is the plain funnel test. The scale must increase with the value; labels as
    :func:`compare_ci_with_benchmark` (*similar*, *better*/*worse* by polarity, *higher*/*lower*
    for no judgement, *not_compared* when an input is missing).
    """
    yv = np.asarray(y, dtype=float)
    sv = np.broadcast_to(np.asarray(s, dtype=float), yv.shape)
    c = np.broadcast_to(np.asarray(centre, dtype=float), yv.shape)
    t2 = np.broadcast_to(np.asarray(tau2, dtype=float), yv.shape)
    if bool(np.any(t2 < 0)):
        raise ValueError("tau2 must be >= 0")
    pol = _polarity_array(polarity, yv.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (yv - c) / np.sqrt(sv**2 + t2)
    missing = ~(np.isfinite(c) & np.isfinite(sv) & np.isfinite(t2)) | np.isnan(score)
    out = _direction_labels(pol, score > z, score < -z)
    out[missing] = "not_compared"
    return out


# --------------------------------------------------------------------------------------------
# Quantiles
# --------------------------------------------------------------------------------------------


def _group_keys(n: int, by: ArrayLike | Sequence[ArrayLike] | None) -> list[np.ndarray]:
    if by is None:
        return [np.zeros(n, dtype=int)]
    if isinstance(by, pd.DataFrame):
        return [by[c].to_numpy() for c in by.columns]
    if isinstance(by, (list, tuple)) and len(by) > 0 and np.ndim(by[0]) == 1:
        return [np.asarray(b) for b in by]
    return [np.asarray(by)]


def phe_quantile(
    values: ArrayLike,
    nquantiles: int = 10,
    invert: bool | ArrayLike = True,
    by: ArrayLike | Sequence[ArrayLike] | None = None,
) -> np.ndarray:
    """Quantile (1..nquantiles) of each value within its group, as PHEindicatormethods.

    ``rank`` is the minimum rank of the (optionally inverted: ``max − value``) values, ties
    taking the lowest rank; ``q = floor((Q+1) − ceiling((N+1−rank)/(N/Q)))``, with 0 set to 1.
    With ``invert=True`` (the default, as the reference) the highest values are in quantile 1.
    Groups with fewer than ``nquantiles`` non-missing values, and missing values, give NaN.
    ``invert`` may be one value per row (it must be constant within each group).
    """
    v = pd.Series(np.asarray(values, dtype=float))
    keys = _group_keys(len(v), by)
    inv = pd.Series(np.broadcast_to(np.asarray(invert, dtype=bool), v.shape))
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    kcols = list(frame.columns)
    if (inv.groupby([frame[c] for c in kcols]).nunique() > 1).any():
        raise ValueError("invert must take the same value for each group")
    grouped = v.groupby([frame[c] for c in kcols], sort=False)
    gmax = grouped.transform("max")
    adj = np.where(inv, gmax - v, v)
    adj_s = pd.Series(adj)
    g2 = adj_s.groupby([frame[c] for c in kcols], sort=False)
    rank = g2.rank(method="min").to_numpy()
    n = g2.transform("count").to_numpy(dtype=float)
    q = float(nquantiles)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.floor((q + 1) - np.ceil(((n + 1) - rank) / (n / q)))
    out = np.where(out == 0, 1.0, out)
    return np.where((n < q) | np.isnan(rank), np.nan, out)


def fingertips_category_bounds(values: ArrayLike, n_categories: int = 5) -> np.ndarray:
    """Fingertips ``ValueCategoriesCalculator.GetCategoryBounds`` for one set of values.

    ``[min, P(1/K), ..., P((K-1)/K), max]`` with percentiles by linear interpolation at 1-based
    position ``(n−1)p+1``, rounded to 10 dp. Empty when there are fewer than 4 values.
    """
    v = np.sort(np.asarray(values, dtype=float))
    v = v[np.isfinite(v)]
    if v.size <= 3:
        return np.array([], dtype=float)
    p = np.arange(1, n_categories) / n_categories
    pos = (v.size - 1) * p  # 0-based
    k = np.floor(pos).astype(int)
    d = pos - k
    upper = v[np.minimum(k + 1, v.size - 1)]
    mid = np.round(v[k] + d * (upper - v[k]), 10)
    return np.concatenate([[v[0]], mid, [v[-1]]])


def fingertips_quantile_category(
    values: ArrayLike,
    n_categories: int = 5,
    by: ArrayLike | Sequence[ArrayLike] | None = None,
    min_count: int | None = None,
) -> np.ndarray:
    """Fingertips quintile (K=5) / quartile (K=4) category, 1 = lowest values, per group.

    A value is in the first category k whose upper bound (see
    :func:`fingertips_category_bounds`) it does not exceed. Groups with fewer than ``min_count``
    valid values (default ``max(4, K)``: 5 for quintiles, 4 for quartiles, as the comparers)
    and missing values give NaN. Vectorised over groups.
    """
    v = np.asarray(values, dtype=float)
    keys = _group_keys(len(v), by)
    need = max(4, n_categories) if min_count is None else min_count
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    frame["v"] = v
    kcols = [c for c in frame.columns if c != "v"]
    g = frame.groupby(kcols, sort=False)["v"]
    n = g.transform("count").to_numpy()
    cat = np.ones(len(v))
    for j in range(1, n_categories):
        bound = np.round(g.transform("quantile", j / n_categories).to_numpy(), 10)
        cat += v > bound
    return np.where((n < need) | ~np.isfinite(v), np.nan, cat)


# --------------------------------------------------------------------------------------------
# Goals
# --------------------------------------------------------------------------------------------


def compare_with_target(
    value: ArrayLike,
    target: ArrayLike,
    polarity: Polarity | ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
) -> np.ndarray:
    """Compare with a single target (Fingertips ``SingleValueTargetComparer``).

    Value mode (no ``lower``/``upper``): higher-is-better is *better* when ``value >= target``
    and *worse* otherwise; lower-is-better is *better* when ``value <= target``. With a
    confidence interval given, the interval is used instead: *similar* when the target lies
    inside it, else better/worse by the side the whole interval is on. No-judgement polarity
    gives *higher* / *lower* (or *similar* on the target). Missing inputs give *not_compared*.
    """
    v = np.asarray(value, dtype=float)
    t = np.broadcast_to(np.asarray(target, dtype=float), v.shape)
    pol = _polarity_array(polarity, v.shape)
    if lower is None or upper is None:
        missing = ~(np.isfinite(v) & np.isfinite(t))
        hib = pol == "higher_is_better"
        lib = pol == "lower_is_better"
        out = np.where(
            hib,
            np.where(v >= t, "better", "worse"),
            np.where(
                lib,
                np.where(v <= t, "better", "worse"),
                np.where(v > t, "higher", np.where(v < t, "lower", "similar")),
            ),
        ).astype(object)
        out[missing] = "not_compared"
        return out
    return compare_ci_with_benchmark(lower, upper, t, pol)


def compare_with_target_range(
    value: ArrayLike,
    lower_limit: ArrayLike,
    upper_limit: ArrayLike,
    polarity: Polarity | ArrayLike,
) -> np.ndarray:
    """Compare with a range target (Fingertips ``RangeTargetComparer``; amber between bounds).

    Higher-is-better: ``value < lower_limit`` is *worse*, ``value >= upper_limit`` is *better*,
    anything between is *similar* (amber). Lower-is-better mirrors it. No-judgement polarity gives
    *lower* / *higher* / *similar*. ``lower_limit > upper_limit`` raises ``ValueError``.
    """
    v = np.asarray(value, dtype=float)
    lo = np.broadcast_to(np.asarray(lower_limit, dtype=float), v.shape)
    hi = np.broadcast_to(np.asarray(upper_limit, dtype=float), v.shape)
    if bool(np.any(lo > hi)):
        raise ValueError("Lower limit cannot be greater than upper limit")
    pol = _polarity_array(polarity, v.shape)
    missing = ~(np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi))
    out = _direction_labels(pol, v >= hi, v < lo)
    out[missing] = "not_compared"
    return out
