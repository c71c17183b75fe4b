"""Fingertips "recent trend" markers, vectorised over many (organisation, metric) series.

Source: ukhsa-collaboration/fingertips-open
``PholioVisualisationWS/Analysis/TrendMarkers/TrendMarkerCalculator.cs``.

For each series take the last 5 valid points (value and both 95% limits present), number them
t = 1..5 in time order and fit weighted least squares of value on t with weights ``1/SE²``,
``SE = (UCI − LCI)/3.92``. The trend is significant when ``χ² = (slope/SE(slope))² > 9.5495``
(the 99.8% point of χ² with 1 df) **and** the slope keeps its sign in all 6 fits: all 5 points
and each point left out in turn (a zero slope counts as positive, as the reference does).
Fewer than 5 valid points: *cannot be calculated*.

``method="proportion"`` is the Fingertips variant for SPC-for-proportions indicators: the χ² test
for trend in proportions on counts and denominators, with the leave-one-out sign check done on
ordinary least-squares slopes of ``logit(p)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from helpers.stats.compare import POLARITIES

POINTS: int = 5
#: ``ChiSquareConfidence`` in the reference: qchisq(0.998, 1)
CHI2_998: float = 9.54953570608324
TREND_LABELS = ("increasing", "decreasing", "no significant change", "cannot be calculated")
ASSESSMENT_LABELS = ("getting better", "getting worse", "increasing", "decreasing")


def _wls(v: np.ndarray, w: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope and its chi-square for rows of (v, w) over the last axis (reference formulae)."""
    s1 = w.sum(-1)
    s2 = (w * v * t).sum(-1)
    s3 = (w * t).sum(-1)
    s4 = (w * v).sum(-1)
    s5 = (w * t**2).sum(-1)
    det = s1 * s5 - s3**2
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s1 * s2 - s3 * s4) / det
        beta = np.sqrt(s1 / det)
        chi2 = (slope / beta) ** 2
    return slope, chi2


def _sign_check(slopes: np.ndarray) -> np.ndarray:
    """|Σ sign| == 6 over the full fit and the 5 leave-one-out fits (sign(0) counts as +1)."""
    signs = np.where(slopes < 0, -1, 1)
    return np.abs(signs.sum(-1)) == POINTS + 1


def recent_trend(
    data: pd.DataFrame,
    by: str | Sequence[str],
    period: str,
    value: str = "value",
    lower: str = "ci95_lower",
    upper: str = "ci95_upper",
    *,
    polarity: str | None = None,
    method: Literal["wls", "proportion"] = "wls",
    numerator: str | None = None,
    denominator: str | None = None,
) -> pd.DataFrame:
    """Fingertips recent trend for every series in a long table.

    ``data`` has one row per series × period; ``by`` names the series key column(s) and
    ``period`` a sortable time column. ``polarity`` is a column name (per-row polarity, constant
    within a series) or one of ``higher_is_better``, ``lower_is_better``, ``no_judgement``.

    Returns one row per series: the keys, ``n_points`` (valid points available), ``slope``,
    ``chi2``, ``significant``, ``trend`` (increasing / decreasing / no significant change /
    cannot be calculated) and, with a polarity, ``trend_assessment`` (getting better / getting
    worse, or increasing / decreasing for no-judgement, otherwise as ``trend``).
    """
    keys = [by] if isinstance(by, str) else list(by)
    if method == "proportion":
        if numerator is None or denominator is None:
            raise ValueError("method='proportion' needs numerator and denominator columns")
        need = [numerator, denominator]
    elif method == "wls":
        need = [value, lower, upper]
    else:
        raise ValueError(f"method must be 'wls' or 'proportion', not {method!r}")
    df = data.sort_values([*keys, period], kind="stable")
    valid = df[need].notna().all(axis=1)
    if method == "proportion":
        valid &= (df[numerator] > 0) & (df[numerator] < df[denominator])
    series = df[keys].drop_duplicates().reset_index(drop=True)
    last = df[valid].groupby(keys, sort=False).tail(POINTS)
    counts = last.groupby(keys, sort=False).size().rename("n_points").reset_index()
    full = counts[counts["n_points"] >= POINTS][keys]
    pts = last.merge(full, on=keys, how="inner")
    pts = pts.sort_values([*keys, period], kind="stable")
    n_series = len(full)
    t = np.arange(1, POINTS + 1, dtype=float)
    # leave-one-out masks: row 0 keeps all points, row k drops point k
    keep = np.ones((POINTS + 1, POINTS))
    keep[np.arange(1, POINTS + 1), np.arange(POINTS)] = 0
    if method == "wls":
        v = pts[value].to_numpy(dtype=float).reshape(n_series, POINTS)
        se = ((pts[upper].to_numpy(dtype=float) - pts[lower].to_numpy(dtype=float)) / 3.92).reshape(
            n_series, POINTS
        )
        with np.errstate(divide="ignore"):
            w = 1 / se**2
        bad = ~np.isfinite(w).all(axis=1) | (se <= 0).any(axis=1)
        slopes, chi2s = _wls(v[:, None, :], w[:, None, :] * keep[None], t)
        slope, chi2 = slopes[:, 0], chi2s[:, 0]
    else:
        x = pts[numerator].to_numpy(dtype=float).reshape(n_series, POINTS)
        n = pts[denominator].to_numpy(dtype=float).reshape(n_series, POINTS)
        sd, sxt, sx, snt, snt2 = (
            n.sum(1),
            (x * t).sum(1),
            x.sum(1),
            (n * t).sum(1),
            (n * t**2).sum(1),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            chi2 = sd * (sd * sxt - sx * snt) ** 2 / (sx * (sd - sx) * (sd * snt2 - snt**2))
            logit = np.log(x / (n - x))
        k = keep.sum(1)  # points in each fit
        lv = (logit[:, None, :] * keep[None]).sum(-1)
        ltv = (logit[:, None, :] * t * keep[None]).sum(-1)
        st = (t * keep).sum(1)
        st2 = (t**2 * keep).sum(1)
        slopes = (k * ltv - lv * st) / (k * st2 - st**2)
        slope = slopes[:, 0]
        bad = ~np.isfinite(logit).all(axis=1)
    significant = _sign_check(slopes) & (chi2 > CHI2_998) & ~bad
    res = full.reset_index(drop=True).copy()
    res["slope"] = slope
    res["chi2"] = chi2
    res["significant"] = significant
    res["trend"] = np.where(
        significant, np.where(slope > 0, "increasing", "decreasing"), "no significant change"
    )
    res.loc[bad, "trend"] = "cannot be calculated"
    out = series.merge(counts, on=keys, how="left").merge(res, on=keys, how="left")
    out["n_points"] = out["n_points"].fillna(0).astype(int)
    out["significant"] = out["significant"].astype("boolean").fillna(False).astype(bool)
    out["trend"] = out["trend"].fillna("cannot be calculated")
    if polarity is not None:
        if polarity in POLARITIES:
            pol = pd.Series(polarity, index=out.index)
        else:
            pol_by = df.groupby(keys, sort=False)[polarity].agg(["first", "nunique"])
            if (pol_by["nunique"] > 1).any():
                raise ValueError("polarity must be constant within each series")
            pol = out[keys].merge(
                pol_by["first"].rename("_pol").reset_index(), on=keys, how="left"
            )["_pol"]
        unknown = set(pol.dropna().unique()) - set(POLARITIES)
        if unknown:
            raise ValueError(f"unknown polarity {sorted(unknown)!r}")
        inc = out["trend"] == "increasing"
        dec = out["trend"] == "decreasing"
        hib = (pol == "higher_is_better").to_numpy()
        lib = (pol == "lower_is_better").to_numpy()
        assess = out["trend"].to_numpy(dtype=object).copy()
        assess[(inc & hib) | (dec & lib)] = "getting better"
        assess[(inc & lib) | (dec & hib)] = "getting worse"
        out["trend_assessment"] = assess
    return out
