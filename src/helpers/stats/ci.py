"""Confidence intervals as PHEindicatormethods computes them (95% and 99.8% in one call).

Every function is vectorised over whole numpy arrays / pandas columns. Every function that
returns a table uses the same columns: ``value, ci95_lower, ci95_upper, ci998_lower,
ci998_upper, ci_method``. Missing inputs give NaN (and an empty ``ci_method``) rather than an
error; impossible inputs (negative counts, numerator > denominator for a proportion, ...) raise
``ValueError`` naming the problem, unless ``errors="nan"`` is passed.

Reference: ukhsa-collaboration/PHEindicatormethods 2.1.0 (``R/utils.R``, ``R/Proportions.R``,
``R/Rates.R``, ``R/Means.R``, ``R/DSR.R``, ``R/ISRate.R``, ``R/ISRatio.R``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def _stats():  # noqa: ANN202 - scipy.stats, loaded when first needed (about 0.8 s)
    """``scipy.stats``, loaded on first use: every notebook imports this module (through the
    settings), most never compute an interval. (Loaded by name: the module keeps every import
    at its top.)"""
    return importlib.import_module("scipy.stats")


CI_LEVELS: tuple[float, float] = (0.95, 0.998)
CI_COLUMNS: tuple[str, ...] = (
    "value",
    "ci95_lower",
    "ci95_upper",
    "ci998_lower",
    "ci998_upper",
    "ci_method",
)
Errors = Literal["raise", "nan"]
#: Below this many events exact Poisson limits are used (and DSRs are suppressed).
SMALL_COUNT: int = 10


def _z(confidence: float) -> float:
    return float(_stats().norm.ppf(1 - (1 - confidence) / 2))


def _check_confidence(confidence: float) -> float:
    """PHE accepts 0.9-1 or 90-100 (read as a percentage)."""
    c = float(confidence)
    if not (0.9 <= c <= 1 or 90 <= c <= 100):
        raise ValueError("confidence level must be between 90 and 100 or between 0.9 and 1")
    return c / 100 if c >= 90 else c


def _as_float(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=float)


def _invalid(mask: np.ndarray, message: str, errors: Errors) -> np.ndarray:
    """Raise ``ValueError(message)`` if any row is flagged, or return the mask to blank them."""
    if errors == "raise" and bool(np.any(mask)):
        n = int(np.sum(mask))
        raise ValueError(f"{message} ({n} row{'s' if n != 1 else ''})")
    return mask


# --------------------------------------------------------------------------------------------
# Building blocks: Wilson, Byar's, exact Poisson
# --------------------------------------------------------------------------------------------


def wilson_lower(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Lower Wilson score limit for x events out of n (PHEindicatormethods ``wilson_lower``)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (2 * x + z**2 - z * np.sqrt(z**2 + 4 * x * (1 - x / n))) / 2 / (n + z**2)


def wilson_upper(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Upper Wilson score limit for x events out of n (PHEindicatormethods ``wilson_upper``)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (2 * x + z**2 + z * np.sqrt(z**2 + 4 * x * (1 - x / n))) / 2 / (n + z**2)


def byars_lower(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Byar's lower limit for a Poisson count (``byars_lower``); negative results are NaN."""
    x = _as_float(x)
    z = _z(_check_confidence(confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    return np.where(out < 0, np.nan, out)


def byars_upper(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Byar's upper limit for a Poisson count (``byars_upper``)."""
    x = _as_float(x)
    z = _z(_check_confidence(confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3


def _on_unique(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Evaluate an expensive elementwise ``fn`` once per distinct value (counts repeat a lot)."""
    if x.size < 1024:
        return fn(x)
    u, inv = np.unique(x, return_inverse=True)
    return fn(u)[inv.reshape(x.shape)]


def exact_poisson_lower(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Exact (chi-square) lower limit for a Poisson count: ``qchisq((1-c)/2, 2x)/2``; 0 at x = 0."""
    x = _as_float(x)
    c = _check_confidence(confidence)

    def fn(v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(v == 0, 0.0, _stats().chi2.ppf((1 - c) / 2, 2 * v) / 2)

    return _on_unique(fn, x)


def exact_poisson_upper(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Exact (chi-square) upper limit for a Poisson count: ``qchisq(1-(1-c)/2, 2x+2)/2``."""
    x = _as_float(x)
    c = _check_confidence(confidence)

    def fn(v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return _stats().chi2.ppf(1 - (1 - c) / 2, 2 * v + 2) / 2

    return _on_unique(fn, x)


def poisson_count_limits(
    x: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits for a count as PHE: exact below 10 events, Byar's from 10.

    Returns ``(lower, upper, method)`` where method is ``"Exact"``, ``"Byars"`` or ``""`` (x NaN).
    """
    x = _as_float(x)
    small = x < SMALL_COUNT
    lower = byars_lower(x, confidence)
    upper = byars_upper(x, confidence)
    if small.any():  # exact limits only where they are used
        lower[small] = exact_poisson_lower(x[small], confidence)
        upper[small] = exact_poisson_upper(x[small], confidence)
    method = np.where(np.isnan(x), "", np.where(small, "Exact", "Byars")).astype(object)
    return lower, upper, method


def _ci_frame(
    value: np.ndarray,
    limits: dict[float, tuple[np.ndarray, np.ndarray]],
    method: np.ndarray,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "value": value,
            "ci95_lower": limits[0.95][0],
            "ci95_upper": limits[0.95][1],
            "ci998_lower": limits[0.998][0],
            "ci998_upper": limits[0.998][1],
            "ci_method": method,
        },
        index=index,
    )


# --------------------------------------------------------------------------------------------
# Proportions (phe_proportion)
# --------------------------------------------------------------------------------------------


def proportion_ci(
    numerator: ArrayLike,
    denominator: ArrayLike,
    multiplier: float | ArrayLike = 1.0,
    *,
    errors: Errors = "raise",
) -> pd.DataFrame:
    """Proportion with Wilson 95% and 99.8% intervals, as ``phe_proportion``.

    Rows with a missing numerator or denominator, or a denominator of zero, give NaN.
    A negative numerator, a negative denominator or a numerator above its denominator raises
    ``ValueError`` (``errors="nan"`` blanks those rows instead). Fractional numerators are allowed.
    Returns columns ``value, ci95_lower, ci95_upper, ci998_lower, ci998_upper, ci_method``.
    """
    x = _as_float(numerator)
    n = _as_float(denominator)
    with np.errstate(invalid="ignore"):
        bad = (
            _invalid(x < 0, "numerators must be greater than or equal to zero", errors)
            | _invalid(n < 0, "denominators must be greater than zero", errors)
            | _invalid(
                x > n,
                "numerators must be less than or equal to denominator for a proportion",
                errors,
            )
        )
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0) & ~bad
    x = np.where(ok, x, np.nan)
    n = np.where(ok, n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x / n
    limits = {
        c: (wilson_lower(x, n, c) * multiplier, wilson_upper(x, n, c) * multiplier)
        for c in CI_LEVELS
    }
    method = np.where(ok, "Wilson", "").astype(object)
    return _ci_frame(value * multiplier, limits, method)


# --------------------------------------------------------------------------------------------
# Crude rates (phe_rate)
# --------------------------------------------------------------------------------------------


def rate_ci(
    count: ArrayLike,
    population: ArrayLike,
    multiplier: float | ArrayLike = 100_000,
    *,
    errors: Errors = "raise",
) -> pd.DataFrame:
    """Crude rate per ``multiplier`` with 95% and 99.8% limits, as ``phe_rate``.

    Exact Poisson (chi-square) limits below 10 events and Byar's from 10; ``ci_method`` records
    ``"Exact"`` or ``"Byars"`` per row (decided by the count alone, so a count of 10 with a
    missing population still says ``"Byars"``, as the reference does). A count above its
    population is allowed. Negative counts and non-positive populations raise ``ValueError``.
    """
    x = _as_float(count)
    n = _as_float(population)
    with np.errstate(invalid="ignore"):
        bad = _invalid(x < 0, "numerators must be greater than or equal to zero", errors) | (
            _invalid(n <= 0, "denominators must be greater than zero", errors)
        )
    x = np.where(bad & (x < 0), np.nan, x)
    ok = np.isfinite(x) & np.isfinite(n) & ~bad
    xo = np.where(ok, x, np.nan)
    no = np.where(ok, n, np.nan)
    limits = {}
    method = np.array([], dtype=object)
    for c in CI_LEVELS:
        lo, hi, method = poisson_count_limits(xo, c)
        limits[c] = (lo / no * multiplier, hi / no * multiplier)
    # the method follows the count even when the denominator is missing (as the reference)
    _, _, method = poisson_count_limits(x, 0.95)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xo / no * multiplier
    return _ci_frame(value, limits, method)


# --------------------------------------------------------------------------------------------
# Means (phe_mean)
# --------------------------------------------------------------------------------------------


def mean_ci_from_summary(mean: ArrayLike, sd: ArrayLike, n: ArrayLike) -> pd.DataFrame:
    """Student's t limits from summary statistics: ``mean ± qt(1-(1-c)/2, n-1)·sd/sqrt(n)``."""
    m = _as_float(mean)
    s = _as_float(sd)
    k = _as_float(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = s / np.sqrt(k)
        df = np.where(k > 1, k - 1, np.nan)
        limits = {}
        for c in CI_LEVELS:
            half = _stats().t.ppf(1 - (1 - c) / 2, df) * se
            limits[c] = (m - half, m + half)
    ok = np.isfinite(m) & np.isfinite(s) & (k > 1)
    method = np.where(ok, "Student's t-distribution", "").astype(object)
    return _ci_frame(m, limits, method)


def mean_ci(values: ArrayLike, by: ArrayLike | None = None) -> pd.DataFrame:
    """Mean with Student's t 95% and 99.8% limits, as ``phe_mean`` (one row per group).

    ``values`` are individual observations; ``by`` (optional) gives each observation's group.
    NaN values are dropped, as the reference does. The table is indexed by group and has
    ``value_sum, value_count, stdev`` before the standard CI columns.
    """
    v = pd.Series(np.asarray(values, dtype=float))
    keys = pd.Series(np.zeros(len(v), dtype=int) if by is None else np.asarray(by))
    g = v.groupby(keys.to_numpy(), sort=True)
    summary = pd.DataFrame({"value_sum": g.sum(), "value_count": g.count(), "stdev": g.std()})
    ci = mean_ci_from_summary(
        summary["value_sum"] / summary["value_count"], summary["stdev"], summary["value_count"]
    )
    ci.index = summary.index
    out = pd.concat([summary, ci], axis=1)
    if by is None:
        out.index = pd.Index(["all"])
    return out


# --------------------------------------------------------------------------------------------
# Directly standardised rates (calculate_dsr, Dobson)
# --------------------------------------------------------------------------------------------


def _keys(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _group_sum(df: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    if keys:
        return df.groupby(keys, sort=True, dropna=False)[cols].sum(min_count=0)
    return df[cols].sum().to_frame().T


def dsr_ci(
    data: pd.DataFrame,
    count: str,
    population: str,
    standard_population: str,
    by: str | Sequence[str] | None = None,
    multiplier: float = 100_000,
    *,
    independent_events: bool = True,
    event_frequency: str | None = None,
    ageband: str | None = None,
    errors: Errors = "raise",
) -> pd.DataFrame:
    """Directly standardised rate with Dobson 95% and 99.8% limits (``calculate_dsr``, 2.1.0).

    ``data`` is a long table: one row per group × age band (× event frequency for
    non-independent events). ``value = Σ(x·w/n)/Σw·multiplier`` and
    ``var = Σ(x·(w/n)²)/(Σw)²``; the limits are ``value + sqrt(var/O)·(Byars(O) − O)·multiplier``
    with O the total count. NaN counts are treated as 0. Groups with fewer than 10 events are
    suppressed (value and limits NaN, ``suppressed`` True), as PHEindicatormethods 2.1.0 does.

    With ``independent_events=False`` the ``count`` column holds the number of *persons* with
    ``event_frequency`` events each; the events are ``Σ k·persons`` and the variance becomes
    ``Σ_k k²·var_k`` (var_k the Dobson variance of the persons with frequency k).

    Returns one row per group: the ``by`` columns, ``total_count, total_pop`` and the standard CI
    columns plus ``suppressed``.
    """
    keys = _keys(by)
    df = data.copy()
    x = _as_float(df[count])
    n = _as_float(df[population])
    w = _as_float(df[standard_population])
    with np.errstate(invalid="ignore"):
        _invalid(x < 0, "numerators must all be greater than or equal to zero", errors)
        _invalid(~(n > 0), "denominators must all be greater than zero", errors)
        _invalid(~(w >= 0), "stdpop must all be greater than or equal to zero", errors)
    x = np.where(np.isnan(x) | (x < 0), 0.0, x)
    df["_x"] = x
    df["_n"] = n
    df["_w"] = w
    method = "Dobson"
    if independent_events:
        df["_xw"] = x * w / n
        df["_var"] = x * (w / n) ** 2
        sums = _group_sum(df, keys, ["_x", "_n", "_w", "_xw", "_var"])
        var = sums["_var"] / sums["_w"] ** 2
        total_pop = sums["_n"]
    else:
        if event_frequency is None or ageband is None:
            raise ValueError(
                "event_frequency and ageband are required when independent_events is False"
            )
        method = "Dobson, with confidence adjusted for non-independent events"
        k = _as_float(df[event_frequency])
        df["_events"] = k * x
        df["_xw"] = k * x * w / n
        df["_var"] = x * (w / n) ** 2
        # var_k per (group, k): Σ persons·(w/n)² / (Σw over that frequency's age bands)²
        per_k = _group_sum(df, [*keys, event_frequency], ["_var", "_w"])
        kk = _as_float(per_k.index.get_level_values(event_frequency))
        per_k["_kvar"] = kk**2 * per_k["_var"] / per_k["_w"] ** 2
        if keys:
            var = per_k.groupby(level=list(range(len(keys))), sort=True)["_kvar"].sum()
        else:
            var = pd.Series([per_k["_kvar"].sum()])
        # events, population and standard population per age band (each band counted once)
        bands = df.groupby([*keys, ageband], sort=True, dropna=False).agg(
            _x=("_events", "sum"), _xw=("_xw", "sum"), _n=("_n", "first"), _w=("_w", "first")
        )
        if keys:
            sums = bands.groupby(level=list(range(len(keys))), sort=True).sum()
        else:
            sums = bands.sum().to_frame().T
        total_pop = sums["_n"]
        var = var.to_numpy()
    o = sums["_x"].to_numpy(dtype=float)
    value = (sums["_xw"] / sums["_w"]).to_numpy(dtype=float)
    var = np.asarray(var, dtype=float)
    suppressed = o < SMALL_COUNT
    limits = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in CI_LEVELS:
            lo = value + np.sqrt(var / o) * (byars_lower(o, c) - o)
            hi = value + np.sqrt(var / o) * (byars_upper(o, c) - o)
            limits[c] = tuple(np.where(suppressed, np.nan, a * multiplier) for a in (lo, hi))
    value = np.where(suppressed, np.nan, value * multiplier)
    out = _ci_frame(value, limits, np.full(len(o), method, dtype=object), index=sums.index)
    out.insert(0, "total_pop", total_pop.to_numpy(dtype=float))
    out.insert(0, "total_count", o)
    out["suppressed"] = suppressed
    return out.reset_index() if keys else out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Indirectly standardised ratios and rates (calculate_ISRatio, calculate_ISRate)
# --------------------------------------------------------------------------------------------


def isr_ci(
    data: pd.DataFrame,
    count: str,
    population: str,
    ref_count: str,
    ref_population: str,
    by: str | Sequence[str] | None = None,
    *,
    kind: Literal["ratio", "rate"] = "ratio",
    refvalue: float = 1.0,
    multiplier: float = 100_000,
    observed_totals: pd.Series | None = None,
    errors: Errors = "raise",
) -> pd.DataFrame:
    """Indirectly standardised ratio or rate with 95% and 99.8% limits.

    ``data`` is long (group × age band) with the reference counts and populations as columns.
    ``expected = Σ n·x_ref/n_ref``; ``O`` = Σ count (or ``observed_totals[group]`` when given).
    Ratio: ``O/E·refvalue`` (``calculate_ISRatio``). Rate: ``O/E·ref_rate·multiplier`` with
    ``ref_rate = Σx_ref/Σn_ref`` (``calculate_ISRate``). Limits on O are exact below 10 events and
    Byar's from 10, then divided by E. NaN counts, populations and reference counts count as 0.

    Returns the ``by`` columns, ``observed, expected`` (and ``ref_rate`` for rates) and the
    standard CI columns.
    """
    if kind not in ("ratio", "rate"):
        raise ValueError(f"kind must be 'ratio' or 'rate', not {kind!r}")
    keys = _keys(by)
    df = data.copy()
    x = _as_float(df[count])
    n = _as_float(df[population])
    xr = _as_float(df[ref_count])
    nr = _as_float(df[ref_population])
    with np.errstate(invalid="ignore"):
        _invalid(x < 0, "numerators must all be greater than or equal to zero", errors)
        _invalid(n < 0, "denominators must all be greater than or equal to zero", errors)
        _invalid(xr < 0, "reference numerators must all be greater than or equal to zero", errors)
        _invalid(~(nr > 0), "reference denominators must all be greater than zero", errors)
    zero = lambda a: np.where(np.isnan(a) | (a < 0), 0.0, a)  # noqa: E731
    df["_x"] = zero(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        df["_e"] = zero(n) * zero(xr) / nr
    df["_e"] = zero(df["_e"].to_numpy())
    df["_xr"] = zero(xr)
    df["_nr"] = zero(nr)
    sums = _group_sum(df, keys, ["_x", "_e", "_xr", "_nr"])
    o = sums["_x"].to_numpy(dtype=float)
    if observed_totals is not None:
        o = observed_totals.reindex(sums.index).to_numpy(dtype=float)
    e = sums["_e"].to_numpy(dtype=float)
    ref_rate = (sums["_xr"] / sums["_nr"]).to_numpy(dtype=float)
    scale = refvalue if kind == "ratio" else ref_rate * multiplier
    limits = {}
    method = np.array([], dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in CI_LEVELS:
            lo, hi, method = poisson_count_limits(o, c)
            limits[c] = (lo / e * scale, hi / e * scale)
        value = o / e * scale
    out = _ci_frame(value, limits, method, index=sums.index)
    if kind == "rate":
        out.insert(0, "ref_rate", ref_rate * multiplier)
    out.insert(0, "expected", e)
    out.insert(0, "observed", o)
    return out.reset_index() if keys else out.reset_index(drop=True)
