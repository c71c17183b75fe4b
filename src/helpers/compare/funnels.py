"""Funnel plots for each metric and year, by the metric's method (:mod:`helpers.methods`).

* Proportions (``PR``) and ratios of observed to expected (``SR``): FunnelPlotR's overdispersed
  funnel (Spiegelhalter 2005) with :data:`helpers.methods.FUNNEL_TRIM` of organisations
  winsorised (PR) or truncated (SR, SHMI method) at each end when phi and tau² are estimated.
* Crude rates (``phe_rate``) and directly standardised rates (``phe_dsr``): PHE's funnel
  (PHEindicatormethods ``calculate_funnel_limits`` and ``assign_funnel_significance``), exact
  Poisson limits around the peer group's rate, **widened when the rates are overdispersed**. Each
  rate is read as a ratio of observed to expected events, the expected count being the peer
  group's rate times the organisation's denominator (for a DSR, its population equivalent,
  events ÷ rate, as PHE places it); phi and tau² are estimated on the square-root scale with
  :data:`helpers.methods.FUNNEL_TRIM` winsorised at each end (FunnelPlotR's CQC estimate) and,
  when phi > 1, the limits are Spiegelhalter's (2005) square-root-scale limits squared back
  (:func:`helpers.stats.funnel.sqrt_sr_limits`), never narrower than PHE's (a rate is outside
  only when outside both: at small expected counts the square-root scale's normal
  approximation is narrower than the exact Poisson limits); otherwise PHE's limits and
  significance stand. A DSR from fewer than 10 events is not placed.
* Anything else, or fewer than :data:`MIN_FUNNEL_ORGANISATIONS` organisations with a value: no
  funnel, and :func:`no_funnel_reason` says why in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.methods import FUNNEL_TRIM, method
from helpers.settings import MetricSpec
from helpers.stats.ci import SMALL_COUNT
from helpers.stats.funnel import (
    od_funnel,
    phe_funnel_limits,
    phe_funnel_significance,
    poisson_funnel,
    sqrt_sr_limits,
)

FUNNEL_BANDS = ("above_998", "above_95", "within", "below_95", "below_998")
#: peer groups smaller than this get no funnel plot
MIN_FUNNEL_ORGANISATIONS = 10
#: PHE's significance labels -> funnel bands ("" for a DSR from fewer than 10 events)
PHE_BANDS = {
    "High (0.001)": "above_998",
    "High (0.025)": "above_95",
    "Not significant": "within",
    "Low (0.025)": "below_95",
    "Low (0.001)": "below_998",
}
LIMIT_COLUMNS = [
    "number_seq",
    "s",
    "odll95",
    "odul95",
    "odll998",
    "odul998",
    "ll95",
    "ul95",
    "ll998",
    "ul998",
    "metric_id",
    "period",
    "adjusted",
]
OD_COLUMNS = [
    "metric_id",
    "period",
    "method",
    "organisations",
    "target",
    "phi",
    "tau2",
    "overdispersion_adjusted",
]


#: the columns of :attr:`FunnelResult.points`
POINT_COLUMNS = ["org_code", "y", "s", "poisson_similar"]


@dataclass(frozen=True)
class FunnelResult:
    """One drawn funnel: its method, the limits (columns of :data:`LIMIT_COLUMNS` but the
    last three), the target (England's value on the funnel's terms), the overdispersion, and
    the organisations placed on it on the scale where phi and tau² were estimated: ``points``
    (:data:`POINT_COLUMNS`: the value ``y`` and its sampling standard error ``s`` there) and
    ``centre``, the target on that scale. An organisation is outside the funnel's 95% limits
    when ``|y − centre| / sqrt(s² + tau2)`` exceeds the 95% z (tau2 = 0 when not adjusted)
    and, for a rate, it is also outside PHE's exact Poisson 95% limits (``poisson_similar`` is
    false): the widened limits are never narrower than those, which matters at small expected
    counts, where the square-root scale's normal approximation is poor."""

    metric_id: str
    period: str
    method: str
    limits: pd.DataFrame
    target: float
    phi: float
    tau2: float
    adjusted: bool
    points: pd.DataFrame
    centre: float


def funnel_data_type(spec: MetricSpec) -> str:
    """The funnel of the metric's method (``PR``, ``SR``, ``phe_rate``, ``phe_dsr``), or ""."""
    return method(spec.statistic, spec.ci_method).funnel


def no_funnel_reason(spec: MetricSpec, organisations: int) -> str:
    """Why a metric has no funnel plot in a year with ``organisations`` values, in words ("" if
    it has one)."""
    m = method(spec.statistic, spec.ci_method)
    if not m.funnel:
        return m.no_funnel
    if organisations < MIN_FUNNEL_ORGANISATIONS:
        return (
            f"only {organisations} organisations have a value; a funnel plot needs at least "
            f"{MIN_FUNNEL_ORGANISATIONS} for its limits and its overdispersion estimate to mean "
            "anything"
        )
    return ""


def funnel_method_text(spec: MetricSpec, organisations: int) -> str:
    """The metric's funnel in words, or "none: <why>" (``organisations`` with a value)."""
    reason = no_funnel_reason(spec, organisations)
    return f"none: {reason}" if reason else method(spec.statistic, spec.ci_method).funnel_text


def _od(spec: MetricSpec, ok: pd.DataFrame, kind: str) -> tuple[FunnelResult, pd.Series]:
    f = od_funnel(
        ok.numerator.to_numpy(),
        ok.denominator.to_numpy(),
        ok.org_code.to_numpy(),
        data_type=kind,
        trim_by=FUNNEL_TRIM,
        limit=99,
        multiplier=spec.multiplier,
        draw_adjusted=True,
    )
    agg = f.aggregated.set_index("group")
    prefix = "OD" if f.draw_adjusted else ""
    lo95 = agg[f"{prefix}95LCL" if prefix else "LCL95"]
    hi95 = agg[f"{prefix}95UCL" if prefix else "UCL95"]
    lo998 = agg[f"{prefix}99LCL" if prefix else "LCL99"]
    hi998 = agg[f"{prefix}99UCL" if prefix else "UCL99"]
    v = agg.rr * spec.multiplier
    band = np.select(
        [v > hi998, v > hi95, v < lo998, v < lo95],
        ["above_998", "above_95", "below_998", "below_95"],
        default="within",
    )
    bands = ok.org_code.map(dict(zip(agg.index, band, strict=True)))
    points = pd.DataFrame(
        {
            "org_code": agg.index,
            "y": agg.Y.to_numpy(),
            "s": agg.s.to_numpy(),
            "poisson_similar": False,
        }
    )
    centre = float(agg.target_transformed.iloc[0])
    result = FunnelResult(
        spec.id,
        "",
        kind,
        f.limits,
        f.target * spec.multiplier,
        f.phi,
        f.tau2,
        f.draw_adjusted,
        points,
        centre,
    )
    return result, bands


#: tail probabilities of the 95% and 99.8% limits (two-sided), as PHE's funnels use them
_TAILS = {"95": 0.025, "998": 0.001}


def phe_rate_limits(target: float, multiplier: float, population: np.ndarray) -> pd.DataFrame:
    """PHE's exact Poisson funnel limits for a rate around ``target`` (per ``multiplier``), read
    at the given populations: the curves of ``calculate_funnel_limits`` (events ``x`` against
    the population whose expected count puts ``x`` in the tail), drawn from a fine grid of
    events so that every curve covers every population."""
    av = target / multiplier
    lo, hi = float(np.min(population)), float(np.max(population))
    events = np.concatenate([[0.0], np.geomspace(max(1e-3, 0.05 * av * lo), 4 * av * hi + 50, 600)])
    out = pd.DataFrame({"number_seq": population, "s": np.nan})
    for col in ("odll95", "odul95", "odll998", "odul998"):
        out[col] = np.nan
    for level, tail in _TAILS.items():
        for side, col in (("high", f"ll{level}"), ("low", f"ul{level}")):
            pop = poisson_funnel(events, tail, side) / av
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                rate = np.where(pop > 0, events / pop * multiplier, np.nan)
            keep = np.isfinite(rate) & (pop > 0)
            order = np.argsort(pop[keep])
            # below the lowest population on the lower curve, zero events are within the limits
            out[col] = np.interp(
                np.log(population),
                np.log(pop[keep][order]),
                rate[keep][order],
                left=0.0 if side == "high" else np.nan,
                right=np.nan,
            )
    return out


def _phe(spec: MetricSpec, ok: pd.DataFrame, kind: str) -> tuple[FunnelResult, pd.Series]:
    """A rate's funnel: PHE's Poisson funnel, widened when the rates are overdispersed (the
    module notes)."""
    rate_type = "crude" if kind == "phe_rate" else "dsr"
    num = ok.numerator.to_numpy(dtype=float)
    den = ok.denominator.to_numpy(dtype=float)
    rate = ok.value.to_numpy(dtype=float)
    labels = phe_funnel_significance(
        num, den, statistic="rate", rate=rate, rate_type=rate_type, multiplier=spec.multiplier
    )
    bands = pd.Series([PHE_BANDS.get(str(lab), "") for lab in labels], index=ok.index)
    lim = phe_funnel_limits(
        num,
        den if rate_type == "crude" else None,
        statistic="rate",
        multiplier=spec.multiplier,
        rate=rate,
        rate_type=rate_type,
        years_of_data=1,
    )
    target = float(lim["baseline"].iloc[0])
    # where the points sit: the denominator, or for a DSR its population equivalent
    with np.errstate(invalid="ignore", divide="ignore"):
        pop = den if rate_type == "crude" else spec.multiplier * num / rate
    shown = np.isfinite(pop) & (pop > 0)
    grid = np.geomspace(0.8 * pop[shown].min(), 1.25 * pop[shown].max(), 200)
    limits = phe_rate_limits(target, spec.multiplier, grid)
    placed = shown & (num >= SMALL_COUNT) if rate_type == "dsr" else shown
    x = pop[placed]
    av = target / spec.multiplier
    if av <= 0 or placed.sum() < 2:  # no events, or nothing placed: no spread to estimate
        empty = pd.DataFrame(columns=POINT_COLUMNS)
        return FunnelResult(
            spec.id, "", kind, limits, target, np.nan, np.nan, False, empty, 1.0
        ), bands
    # each rate as observed / expected events, expected at the peer group's rate
    expected = av * x
    codes = ok.org_code.to_numpy()[placed]
    f = od_funnel(
        num[placed],
        expected,
        codes,
        data_type="SR",
        sr_method="CQC",
        trim_by=FUNNEL_TRIM,
        limit=99,
        draw_adjusted=True,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        points = pd.DataFrame(
            {
                "org_code": codes,
                "y": np.sqrt(num[placed] / expected),
                "s": 1 / (2 * np.sqrt(expected)),
            }
        )
    # PHE's exact Poisson test at 95%: the widened funnel is never narrower than it
    phe = labels[placed].astype(str)
    points["poisson_similar"] = phe == "Not significant"
    if f.draw_adjusted:
        widened = sqrt_sr_limits(av * grid, f.tau2)
        limits["s"] = widened["s"].to_numpy()
        for level in ("95", "998"):
            lo, hi = target * widened[f"odll{level}"], target * widened[f"odul{level}"]
            limits[f"odll{level}"] = np.fmin(lo.to_numpy(), limits[f"ll{level}"].to_numpy())
            limits[f"odul{level}"] = np.fmax(hi.to_numpy(), limits[f"ul{level}"].to_numpy())
        at = sqrt_sr_limits(expected, f.tau2)
        v = rate[placed]
        high998, low998 = phe == "High (0.001)", phe == "Low (0.001)"
        high95 = high998 | (phe == "High (0.025)")
        low95 = low998 | (phe == "Low (0.025)")
        band = np.select(
            [
                (v > target * at.odul998.to_numpy()) & high998,
                (v > target * at.odul95.to_numpy()) & high95,
                (v < target * at.odll998.to_numpy()) & low998,
                (v < target * at.odll95.to_numpy()) & low95,
            ],
            ["above_998", "above_95", "below_998", "below_95"],
            default="within",
        )
        bands = pd.Series("", index=ok.index, dtype=object)
        bands[placed] = band
    result = FunnelResult(
        spec.id, "", kind, limits, target, f.phi, f.tau2, f.draw_adjusted, points, 1.0
    )
    return result, bands


def add_funnels(
    results: pd.DataFrame, specs: dict[str, MetricSpec]
) -> tuple[pd.DataFrame, pd.DataFrame, list[FunnelResult]]:
    """A funnel plot for each metric and year whose method has one (see the module notes).

    Adds ``funnel_band`` to the results (above or below the 95% or 99.8% limits, or within),
    and returns a table of the method, ``phi`` and ``tau2`` per metric and year (NaN where no
    overdispersion could be estimated: a rate with no events) and the funnels themselves.
    """
    out = results.copy()
    out["funnel_band"] = ""
    rows = []
    funnels = []
    for (metric_id, period), sub in out.groupby(["metric_id", "period"], sort=True):
        spec = specs[metric_id]
        kind = funnel_data_type(spec)
        ok = sub[sub.value.notna() & (sub.denominator > 0)]
        if no_funnel_reason(spec, len(ok)):
            continue
        draw = _od if kind in ("PR", "SR") else _phe
        f, bands = draw(spec, ok, kind)
        f = FunnelResult(**{**f.__dict__, "period": period})
        out.loc[ok.index, "funnel_band"] = bands
        rows.append(
            {
                "metric_id": metric_id,
                "period": period,
                "method": kind,
                "organisations": len(ok),
                "target": f.target,
                "phi": f.phi,
                "tau2": f.tau2,
                "overdispersion_adjusted": bool(f.adjusted),
            }
        )
        funnels.append(f)
    return out, pd.DataFrame(rows, columns=OD_COLUMNS), funnels


def funnel_limits_table(funnels: list[FunnelResult]) -> pd.DataFrame:
    """The drawn limits of every funnel, one table (empty when no metric had a funnel)."""
    if not funnels:
        return pd.DataFrame(columns=LIMIT_COLUMNS)
    return pd.concat(
        [
            f.limits.assign(metric_id=f.metric_id, period=f.period, adjusted=f.adjusted)
            for f in funnels
        ],
        ignore_index=True,
    )[LIMIT_COLUMNS]
