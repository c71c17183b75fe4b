"""Funnel plots: PHE/Fingertips control limits and FunnelPlotR overdispersed funnels.

Two families:

* **PHE** (``PHEindicatormethods`` 2.1.0 ``R/Funnels.R``): limits at 95% and 99.8% around the
  pooled average with no overdispersion adjustment – :func:`phe_funnel_limits`,
  :func:`phe_funnel_significance`, :func:`phe_funnel_points`.
* **FunnelPlotR** 0.6.0 (Spiegelhalter 2005 with DerSimonian–Laird τ²) – :func:`od_funnel`
  returns phi, tau2, the limits lookup, the aggregated per-group table (same columns as
  FunnelPlotR's ``aggregated_data``) and outlier flags at 95% and 99.8%;
  :func:`sqrt_sr_limits` squares the square-root-scale limits back to the ratio scale
  (Spiegelhalter's count transform; FunnelPlotR's CQC limits are their square roots).

Everything is vectorised; the only loops are fixed-length ones over a 100-point axis or the
23 bisection steps of PHE's ``poisson_funnel`` (each step is evaluated for all points at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from helpers.stats.ci import SMALL_COUNT

PoissonMethod = Literal["exact", "bisection"]
SIGNIFICANCE_LEVELS: tuple[str, ...] = (
    "High (0.001)",
    "High (0.025)",
    "Low (0.001)",
    "Low (0.025)",
    "Not significant",
    "Not applicable for events less than 10 for dsrs",
)
#: FunnelPlotR hard-codes these z values; ``qnorm(0.975)`` and ``qnorm(0.999)`` differ from
#: them by -1.5e-8 and +3.1e-7 (relative 7.9e-9 and 9.9e-8).
FUNNELPLOTR_Z95: float = 1.959964
FUNNELPLOTR_Z998: float = 3.090232


# ============================================================================================
# PHE funnels
# ============================================================================================


def sigma_adjustment(
    p: float, population: ArrayLike, average: float, side: Literal["low", "high"], multiplier: float
) -> np.ndarray:
    """PHE's Wilson-inverse funnel limit for a proportion at ``population`` (``sigma_adjustment``).

    The value whose Wilson interval at two-sided level ``p`` just reaches ``average``.
    """
    n = np.asarray(population, dtype=float)
    z2 = stats.norm.ppf(p) ** 2
    a = average
    first = a * (n / z2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.sqrt(
            (-8 * a * (n / z2 + 1)) ** 2
            - 64 * (1 / z2 + 1 / n) * a * (n * (a * (n / z2 + 2) - 1) + z2 * (a - 1))
        )
        last = 1 / z2 + 1 / n
        val = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
        return val / n * multiplier


def _poisson_sum_prob(mean: np.ndarray, obs: np.ndarray, side: str) -> np.ndarray:
    if side == "low":  # P(K >= obs)
        return stats.poisson.sf(obs - 1, mean)
    return stats.poisson.cdf(obs, mean)  # P(K <= obs)


def poisson_funnel(
    obs: ArrayLike,
    p: float,
    side: Literal["low", "high"],
    method: PoissonMethod = "exact",
) -> np.ndarray:
    """Poisson mean whose tail probability at ``obs`` equals ``p`` (PHE ``poisson_funnel``).

    ``side="low"``: the mean λ with ``P(K >= obs | λ) = p`` (lower mean, upper limit on the ratio);
    ``side="high"``: ``P(K <= obs | λ) = p``.

    ``method="exact"`` (default) solves it with chi-square quantiles
    (``qchisq(p, 2·obs)/2`` and ``qchisq(1−p, 2·obs+2)/2``). ``method="bisection"`` reproduces
    PHEindicatormethods' port of the Excel macro: 23 bisection steps on ``v`` in (0, 1) with
    ``λ = (1+obs)·v/(1−v)``, stopping when the step is below 1e-7; the fixtures were made this
    way and differ from the exact value by up to ~5e-5 relative (see the README).
    """
    o = np.asarray(obs, dtype=float)
    if method == "exact":
        with np.errstate(invalid="ignore"):
            if side == "low":
                return np.where(o == 0, 0.0, stats.chi2.ppf(p, 2 * o) / 2)
            return stats.chi2.ppf(1 - p, 2 * o + 2) / 2
    if method != "bisection":
        raise ValueError(f"method must be 'exact' or 'bisection', not {method!r}")
    v = np.full(o.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        prob = _poisson_sum_prob((1 + o) * v / (1 - v), o, side)
        go_down = prob > p if side == "low" else prob < p
        v = np.where(go_down, v - dv, v + dv)
    return (1 + o) * v / (1 - v)


def _r_nchar(x: float) -> int:
    """``nchar(x)`` of a whole number as R prints it (``1e+05`` rather than ``100000``)."""
    xi = int(round(x))
    fixed = str(xi)
    digits = fixed.lstrip("-").rstrip("0") or "0"
    exp = len(fixed.lstrip("-")) - 1
    sci = (1 if len(digits) == 1 else len(digits) + 1) + (4 if exp < 100 else 5)
    sci += 1 if xi < 0 else 0
    return sci if len(fixed) > sci else len(fixed)


def _signif_floor(x: float, down: float = 0.95) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(np.floor(x * down)) - 1
    return float(np.floor(x * down / 10**n) * 10**n)


def _signif_ceiling(x: float, up: float = 1.05) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(np.ceil(x * up)) - 2
    return float(np.ceil(x * up / 10**n) * 10**n)


def _axis(first: float, axis_max: float, ratio: bool) -> np.ndarray:
    x = np.empty(100)
    x[0] = first
    for j in range(2, 101):  # 100 points, each depends on the previous one
        offset = j - 1 if ratio else j
        prev = x[j - 2]
        x[j - 1] = max(np.round((axis_max / prev) ** (1 / (101 - offset)) * prev), prev + 1)
    return x


def _derived_denominator(
    numerator: np.ndarray,
    rate: np.ndarray,
    denominator: np.ndarray | None,
    rate_type: str,
    multiplier: float,
) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        derived = multiplier * numerator / rate
    if rate_type == "dsr":
        return np.where(numerator == 0, np.nan, derived)
    if rate_type == "crude":
        if denominator is None:
            if bool(np.any(numerator == 0)):
                raise ValueError(
                    "for rates, where there are 0 events for a record, the denominator field "
                    "needs to be provided using the denominator argument"
                )
            return derived
        return np.where(numerator == 0, denominator, derived)
    raise ValueError(f"rate_type must be 'dsr' or 'crude', not {rate_type!r}")


def phe_funnel_limits(
    numerator: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    statistic: Literal["proportion", "ratio", "rate"],
    multiplier: float,
    ratio_type: Literal["count", "isr"] | None = None,
    rate: ArrayLike | None = None,
    rate_type: Literal["dsr", "crude"] | None = None,
    years_of_data: float | None = None,
    poisson_method: PoissonMethod = "exact",
) -> pd.DataFrame:
    """100-point funnel limits table as ``calculate_funnel_limits`` (type = "standard").

    Columns follow the reference: proportions ``Population, lower_2s_limit, upper_2s_limit,
    lower_3s_limit, upper_3s_limit, baseline``; ratios ``Observed_events`` then for each of
    ``lower_2s, upper_2s, lower_3s, upper_3s`` an ``_exp_events`` and ``_limit`` column; rates
    ``Events`` then ``_population_1_year`` and ``_limit`` pairs and ``baseline``.

    Reference quirks kept: proportion limits are clipped to [0, **100**] whatever the
    multiplier; ratio limits are ``O/E − 1`` (count) or ``O/E × 100`` (isr) whatever the
    multiplier. ``poisson_method="bisection"`` reproduces PHE's bisection exactly (needed to
    match the fixtures); the default ``"exact"`` uses chi-square quantiles.
    """
    num = np.asarray(numerator, dtype=float)
    if statistic == "rate":
        if rate is None or rate_type is None or years_of_data is None:
            raise ValueError("rates need rate, rate_type and years_of_data")
        den = _derived_denominator(
            num,
            np.asarray(rate, dtype=float),
            None if denominator is None else np.asarray(denominator, dtype=float),
            rate_type,
            multiplier,
        )
    elif statistic in ("proportion", "ratio"):
        if denominator is None:
            raise ValueError(f"{statistic} funnels need a denominator")
        if statistic == "ratio" and ratio_type not in ("count", "isr"):
            raise ValueError("ratio funnels need ratio_type 'count' or 'isr'")
        den = np.asarray(denominator, dtype=float)
    else:
        raise ValueError("statistic must be 'proportion', 'ratio' or 'rate'")
    av = float(np.sum(num) / np.nansum(den))
    min_den = float(np.nanmin(den))
    max_den = float(np.nanmax(den))
    if statistic == "rate":
        assert years_of_data is not None
        axis_min = (
            0.0 if max_den > 2 * min_den else _signif_floor(min_den / years_of_data) * years_of_data
        )
        axis_max = _signif_ceiling(max_den / years_of_data) * years_of_data
        axis_min = float(np.floor(axis_min * av))
        axis_max = float(np.ceil(axis_max * av))
    else:
        axis_min = 0.0 if max_den > 2 * min_den else _signif_floor(min_den)
        axis_max = _signif_ceiling(max_den)
    x = _axis(max(1.0, axis_min), axis_max, ratio=statistic == "ratio")
    levels = {"2s": (0.975, 0.025), "3s": (0.999, 0.001)}
    if statistic == "proportion":
        out = pd.DataFrame({"Population": x})
        for lab, (p, _) in levels.items():
            out[f"lower_{lab}_limit"] = np.maximum(0, sigma_adjustment(p, x, av, "low", multiplier))
            out[f"upper_{lab}_limit"] = np.minimum(
                100, sigma_adjustment(p, x, av, "high", multiplier)
            )
        out = out[
            ["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit"]
        ]
        out["baseline"] = av * multiplier
        return out
    if statistic == "ratio":
        out = pd.DataFrame({"Observed_events": x})
        for lab, (_, tail) in levels.items():
            lo_e = poisson_funnel(x, tail, "high", poisson_method)
            hi_e = poisson_funnel(x, tail, "low", poisson_method)
            out[f"lower_{lab}_exp_events"] = lo_e
            out[f"lower_{lab}_limit"] = x / lo_e
            out[f"upper_{lab}_exp_events"] = hi_e
            with np.errstate(divide="ignore"):
                out[f"upper_{lab}_limit"] = x / hi_e
        lim = [c for c in out.columns if c.endswith("limit")]
        out[lim] = out[lim] - 1 if ratio_type == "count" else out[lim] * 100
        return out
    out = pd.DataFrame({"Events": x})
    assert years_of_data is not None
    for lab, (_, tail) in levels.items():
        lo_p = poisson_funnel(x, tail, "high", poisson_method) / av
        hi_p = poisson_funnel(x, tail, "low", poisson_method) / av
        out[f"lower_{lab}_population_1_year"] = lo_p / years_of_data
        out[f"lower_{lab}_limit"] = x / lo_p * multiplier
        out[f"upper_{lab}_population_1_year"] = hi_p / years_of_data
        with np.errstate(divide="ignore"):
            out[f"upper_{lab}_limit"] = x / hi_p * multiplier
    out["baseline"] = av * multiplier
    return out


def _ratio_significance_limit(
    obs: np.ndarray, expected: np.ndarray, p: float, side: str
) -> np.ndarray:
    """PHE ``funnel_ratio_significance``: the CI limit of O/E (exact below 10, Byar's from 10)."""
    z = stats.norm.ppf(0.5 + p / 2)
    small = obs < SMALL_COUNT
    with np.errstate(invalid="ignore", divide="ignore"):
        if side == "low":
            stat = obs * (1 - 1 / (9 * obs) - z / 3 / np.sqrt(obs)) ** 3
            if small.any():
                stat[small] = stats.chi2.isf(0.5 + p / 2, 2 * obs[small]) / 2
            stat = np.where(obs == 0, 0.0, stat)
        else:
            o1 = obs + 1
            stat = o1 * (1 - 1 / (9 * o1) + z / 3 / np.sqrt(o1)) ** 3
            if small.any():
                stat[small] = stats.chi2.ppf(0.5 + p / 2, 2 * obs[small] + 2) / 2
        return stat / expected


def _labels(high3: np.ndarray, high2: np.ndarray, low3: np.ndarray, low2: np.ndarray) -> np.ndarray:
    return np.select(
        [high3, high2, low3, low2],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    ).astype(object)


def phe_funnel_significance(
    numerator: ArrayLike,
    denominator: ArrayLike,
    *,
    statistic: Literal["proportion", "ratio", "rate"],
    rate: ArrayLike | None = None,
    rate_type: Literal["dsr", "crude"] | None = None,
    multiplier: float | None = None,
) -> np.ndarray:
    """PHE funnel significance (``assign_funnel_significance``) per row.

    Labels: ``High (0.001)``, ``High (0.025)``, ``Low (0.001)``, ``Low (0.025)``,
    ``Not significant`` and, for DSRs with fewer than 10 events,
    ``Not applicable for events less than 10 for dsrs``.

    * proportion: ``x/n`` against the Wilson-inverse limits around ``Σx/Σn``;
    * ratio: is 1 outside the 95% / 99.8% CI of O/E (exact below 10 events, Byar's from 10)?
    * rate: is the weighted average ``Σx/Σn_derived`` outside the CI of ``x/n_derived`` where
      ``n_derived = x/rate·multiplier`` (or the denominator when x = 0 for crude rates).
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if bool(np.any(x < 0)):
        raise ValueError("numerators must be greater than or equal to zero")
    if bool(np.any(n <= 0)):
        raise ValueError("denominators must be greater than zero")
    if statistic == "proportion":
        if bool(np.any(x > n)):
            raise ValueError(
                "numerators must be less than or equal to denominator for a proportion statistic"
            )
        av = np.sum(x) / np.sum(n)
        prop = x / n
        return np.select(
            [
                prop < sigma_adjustment(0.999, n, av, "low", 1),
                prop < sigma_adjustment(0.975, n, av, "low", 1),
                prop > sigma_adjustment(0.999, n, av, "high", 1),
                prop > sigma_adjustment(0.975, n, av, "high", 1),
            ],
            ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
            default="Not significant",
        ).astype(object)
    if statistic == "ratio":
        return _labels(
            1 < _ratio_significance_limit(x, n, 0.998, "low"),
            1 < _ratio_significance_limit(x, n, 0.95, "low"),
            1 > _ratio_significance_limit(x, n, 0.998, "high"),
            1 > _ratio_significance_limit(x, n, 0.95, "high"),
        )
    if statistic == "rate":
        if rate is None or rate_type is None or multiplier is None:
            raise ValueError("rates need rate, rate_type and multiplier")
        derived = _derived_denominator(x, np.asarray(rate, dtype=float), n, rate_type, multiplier)
        wa = np.sum(x) / np.nansum(derived)
        out = _labels(
            wa < _ratio_significance_limit(x, derived, 0.998, "low"),
            wa < _ratio_significance_limit(x, derived, 0.95, "low"),
            wa > _ratio_significance_limit(x, derived, 0.998, "high"),
            wa > _ratio_significance_limit(x, derived, 0.95, "high"),
        )
        if rate_type == "dsr":
            out[x < SMALL_COUNT] = SIGNIFICANCE_LEVELS[-1]
        return out
    raise ValueError("statistic must be 'proportion', 'ratio' or 'rate'")


def phe_funnel_points(
    numerator: ArrayLike,
    rate: ArrayLike,
    *,
    rate_type: Literal["dsr", "crude"],
    years_of_data: float,
    multiplier: float,
    denominator: ArrayLike | None = None,
) -> pd.DataFrame:
    """Rate and annual population to plot on a rate funnel (``calculate_funnel_points``).

    Returns ``rate_chart`` and ``denominator_derived``; DSRs with fewer than 10 events get NaN.
    """
    x = np.asarray(numerator, dtype=float)
    r = np.asarray(rate, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        derived = multiplier * x / r / years_of_data
    if rate_type == "dsr":
        small = x < SMALL_COUNT
        return pd.DataFrame(
            {
                "rate_chart": np.where(small, np.nan, r),
                "denominator_derived": np.where(small, np.nan, derived),
            }
        )
    if rate_type != "crude":
        raise ValueError(f"rate_type must be 'dsr' or 'crude', not {rate_type!r}")
    if denominator is not None:
        d = np.asarray(denominator, dtype=float)
        derived = np.where(x == 0, d / years_of_data, derived)
    elif bool(np.any(x == 0)):
        raise ValueError(
            "for rates, where there are 0 events for a record, the denominator field needs to "
            "be provided using the denominator argument"
        )
    return pd.DataFrame({"rate_chart": r, "denominator_derived": derived})


# ============================================================================================
# FunnelPlotR overdispersed funnels
# ============================================================================================

DataType = Literal["SR", "PR", "RC"]
SRMethod = Literal["SHMI", "CQC"]
LIMIT_COLUMNS = ("OD95LCL", "OD95UCL", "OD99LCL", "OD99UCL", "LCL95", "UCL95", "LCL99", "UCL99")


@dataclass(frozen=True)
class ODFunnel:
    """Result of :func:`od_funnel`."""

    phi: float
    tau2: float
    limits: pd.DataFrame
    aggregated: pd.DataFrame
    draw_adjusted: bool
    draw_unadjusted: bool
    target: float


def _z_values(use_literals: bool) -> tuple[float, float]:
    if use_literals:
        return FUNNELPLOTR_Z95, FUNNELPLOTR_Z998
    return float(stats.norm.ppf(0.975)), float(stats.norm.ppf(0.999))


def build_limits_lookup(
    x: ArrayLike,
    *,
    data_type: DataType = "SR",
    sr_method: SRMethod = "SHMI",
    tau2: float = 0.0,
    target: float = 1.0,
    multiplier: float = 1.0,
    funnelplotr_z: bool = True,
) -> pd.DataFrame:
    """Funnel limits at each ``x`` (sorted, as FunnelPlotR's ``build_limits_lookup``).

    Columns ``number_seq, s, odll95, odul95, odll998, odul998, ll95, ul95, ll998, ul998``: the
    ``od*`` limits use ``tau2`` and the plain ones are the unadjusted limits (exact Poisson for
    SR, ``tau2 = 0`` on the transformed scale for PR and RC). The PR monotonicity fix runs along
    the sorted ``x``, so pass the whole lookup sequence, not one point.
    """
    xs = np.asarray(x, dtype=float)
    z95, z998 = _z_values(funnelplotr_z)
    m = multiplier
    out = pd.DataFrame({"number_seq": xs})

    def limits(t2: float) -> list[np.ndarray]:
        res = []
        for z in (z95, z998):
            if data_type == "SR" and sr_method == "SHMI":
                sd = np.sqrt(1 / xs + t2)
                res += [m * np.exp(-z * sd), m * np.exp(z * sd)]
            elif data_type == "SR":
                sd = np.sqrt(1 / (4 * xs) + t2)
                res += [m * (1 - z * sd), m * (1 + z * sd)]
            elif data_type == "PR":
                sd = np.sqrt(1 / (4 * xs) + t2)
                a = np.arcsin(np.sqrt(target))
                lo = m * np.sin(a - z * sd) ** 2
                hi = m * np.sin(a + z * sd) ** 2
                lo = np.where(lo < 0, 0.0, lo)
                hi = np.where(hi > m, m, hi)
                lo[:-1] = np.where(lo[:-1] > lo[1:], 0.0, lo[:-1])
                hi[:-1] = np.where(hi[:-1] < hi[1:], m, hi[:-1])
                res += [lo, hi]
            elif data_type == "RC":
                sd = np.sqrt(1 / (4 * xs) + t2)
                res += [m * np.exp(np.log(target) - z * sd), m * np.exp(np.log(target) + z * sd)]
            else:
                raise ValueError(f"data_type must be 'SR', 'PR' or 'RC', not {data_type!r}")
        return res

    out["s"] = (
        1 / np.sqrt(xs) if (data_type == "SR" and sr_method == "SHMI") else 1 / (2 * np.sqrt(xs))
    )
    od = limits(tau2)
    for name, col in zip(("odll95", "odul95", "odll998", "odul998"), od, strict=True):
        out[name] = col
    if data_type == "SR":
        with np.errstate(invalid="ignore", divide="ignore"):
            un = [
                m * target * stats.chi2.isf(0.975, 2 * xs) / 2 / xs,
                m * target * stats.chi2.isf(0.025, 2 * (xs + 1)) / 2 / xs,
                m * target * stats.chi2.isf(0.999, 2 * xs) / 2 / xs,
                m * target * stats.chi2.isf(0.001, 2 * (xs + 1)) / 2 / xs,
            ]
    else:
        un = limits(0.0)
    for name, col in zip(("ll95", "ul95", "ll998", "ul998"), un, strict=True):
        out[name] = col
    return out


def sqrt_sr_limits(
    expected: ArrayLike, tau2: float = 0.0, *, funnelplotr_z: bool = True
) -> pd.DataFrame:
    """Overdispersed limits of a ratio of observed to expected counts on the square-root scale
    (Spiegelhalter 2005, "Handling over-dispersion of performance indicators", the transform
    for counts): ``y = sqrt(O/E)`` has standard error ``s = 1/(2·sqrt(E))`` around 1, and the
    limits ``(1 ± z·sqrt(s² + tau2))²`` (the lower one 0 where ``1 − z·sd < 0``) are that
    interval squared back to the ratio scale, target 1.

    Columns ``s, odll95, odul95, odll998, odul998``, one row per expected count. FunnelPlotR's
    CQC method estimates the same phi and tau2 (winsorised z-scores on this scale; use
    :func:`od_funnel` with ``sr_method="CQC"``) but draws ``1 ± z·sd`` without squaring back, so
    its limits are the square roots of these.
    """
    e = np.asarray(expected, dtype=float)
    z95, z998 = _z_values(funnelplotr_z)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1 / (2 * np.sqrt(e))
        sd = np.sqrt(s**2 + tau2)
    out = pd.DataFrame({"s": s})
    for lab, z in (("95", z95), ("998", z998)):
        out[f"odll{lab}"] = np.clip(1 - z * sd, 0, None) ** 2
        out[f"odul{lab}"] = (1 + z * sd) ** 2
    return out


def _r_quantile7(a: np.ndarray, p: float) -> float:
    return float(np.quantile(a, p, method="linear"))


def od_funnel(
    numerator: ArrayLike,
    denominator: ArrayLike,
    group: ArrayLike | None = None,
    *,
    data_type: DataType = "SR",
    sr_method: SRMethod = "SHMI",
    trim_by: float = 0.1,
    limit: Literal[95, 99] = 99,
    multiplier: float = 1.0,
    draw_adjusted: bool = True,
    draw_unadjusted: bool = False,
    shmi_rounding: bool = True,
    highlight: ArrayLike | None = None,
    x_range: tuple[float, float] | None = None,
    funnelplotr_z: bool = True,
) -> ODFunnel:
    """Overdispersed funnel after Spiegelhalter (2005), as FunnelPlotR 0.6.0 ``funnel_plot``.

    1. Aggregate by ``group`` (sorted): ``rr = Σnum/Σden``; for SR+SHMI with ``shmi_rounding``
       the expected counts are then rounded to 2 dp (``rr`` is not recomputed).
    2. z-scores on the transformed scale: SHMI ``sqrt(E)·log(O/E)``; CQC ``(sqrt(O/E) − 1)/s``,
       ``s = 1/(2√E)``; PR arcsine with ``s = 1/(2√n)``; RC ``log((O+½)/(D+½))`` with
       ``s = sqrt(O/(O+½)² + D/(D+½)²)``.
    3. SHMI truncates (rank into ``1/trim_by`` groups, drop the extremes); the others winsorise
       at the ``trim_by`` and ``1−trim_by`` type-7 quantiles.
    4. ``phi = ΣWz²/n``; ``tau2 = max(0, (n·phi − (n−1)) / (Σw − Σw²/Σw))``, ``w = 1/s²``
       over kept groups, and 0 when ``n·phi < n−1``. ``draw_adjusted=False`` reports 0 for both;
       adjusted limits requested with ``phi <= 1`` fall back to unadjusted limits.
    5. Limits at each group's denominator (see :func:`build_limits_lookup`), already ×
       ``multiplier``; outliers when ``rr·multiplier`` is outside the chosen limits (bounds
       count as inside). ``outlier95``/``outlier998`` flag both levels for the drawn limits.

    ``funnelplotr_z=True`` (default, for parity) uses FunnelPlotR's literals 1.959964 and
    3.090232 instead of the exact normal quantiles.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    grp = np.asarray(group) if group is not None else np.arange(len(num))
    if bool(np.any(num < 0)) or bool(np.any(den <= 0)):
        raise ValueError("numerators must be >= 0 and denominators > 0")
    if data_type == "PR" and bool(np.any(num > den)):
        raise ValueError("numerators must be less than or equal to denominators for proportions")
    agg = (
        pd.DataFrame({"group": grp, "numerator": num, "denominator": den})
        .groupby("group", sort=True)[["numerator", "denominator"]]
        .sum()
        .reset_index()
    )
    o = agg["numerator"].to_numpy(dtype=float)
    e = agg["denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = o / e
    shmi = data_type == "SR" and sr_method == "SHMI"
    if shmi and shmi_rounding:
        e = np.round(e, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if data_type == "SR":
            target = 1.0
            if sr_method == "SHMI":
                target_t = 0.0
                y = np.log(o / e)
                s = 1 / np.sqrt(e)
                uz = np.sqrt(e) * y
            elif sr_method == "CQC":
                target_t = 1.0
                y = np.sqrt(o / e)
                s = 1 / (2 * np.sqrt(e))
                uz = (y - target_t) / s
            else:
                raise ValueError(f"sr_method must be 'SHMI' or 'CQC', not {sr_method!r}")
        elif data_type == "PR":
            target = float(o.sum() / e.sum())
            target_t = float(np.arcsin(np.sqrt(target)))
            y = np.arcsin(np.sqrt(o / e))
            s = 1 / (2 * np.sqrt(e))
            uz = (y - target_t) / s
        elif data_type == "RC":
            target = float(o.sum() / e.sum())
            target_t = float(np.log(target))
            y = np.log((o + 0.5) / (e + 0.5))
            s = np.sqrt(o / (o + 0.5) ** 2 + e / (e + 0.5) ** 2)
            uz = (y - target_t) / s
        else:
            raise ValueError(f"data_type must be 'SR', 'PR' or 'RC', not {data_type!r}")
    out = pd.DataFrame(
        {
            "denominator": e,
            "group": agg["group"],
            "numerator": o,
            "rr": rr,
            "target_transformed": target_t,
            "Y": y,
            "Uzscore": uz,
        }
    )
    n_all = len(out)
    if shmi:
        k = 1 / trim_by
        rk = pd.Series(uz).rank(method="average").to_numpy()
        sp = np.floor(rk * k / (n_all + 1))
        keep = (sp > 0) & (sp < k - 1)
        out["rk"] = rk
        out["sp"] = sp
        out["truncated"] = (~keep).astype(int)
        wz = np.where(keep, uz, np.nan)
    else:
        lz = _r_quantile7(uz, trim_by)
        hz = _r_quantile7(uz, 1 - trim_by)
        out["winsorised"] = ((uz <= lz) | (uz >= hz)).astype(int)
        wz = np.clip(uz, lz, hz)
    out["Wuzscore"] = wz
    kept = ~np.isnan(wz)
    n = int(kept.sum())
    phi = float(np.sum(wz[kept] ** 2) / n) if n else np.nan
    w = 1 / s[kept] ** 2
    if n * phi < n - 1:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    adjusted = draw_adjusted
    unadjusted = draw_unadjusted
    if not draw_adjusted:
        phi, tau2 = 0.0, 0.0
    elif phi <= 1:
        adjusted, unadjusted = False, True
    max_x = float(np.ceil(e.max())) if x_range is None else float(x_range[1])
    start = 1.1 if data_type == "SR" else 3.0
    seq = np.unique(np.concatenate([np.linspace(start, max_x, 1000), e]))
    lookup = build_limits_lookup(
        seq,
        data_type=data_type,
        sr_method=sr_method,
        tau2=tau2,
        target=target,
        multiplier=multiplier,
        funnelplotr_z=funnelplotr_z,
    )
    idx = np.searchsorted(lookup["number_seq"].to_numpy(), e)
    at = lookup.iloc[idx].reset_index(drop=True)
    out["s"] = at["s"].to_numpy()
    rename = {
        "odll95": "OD95LCL",
        "odul95": "OD95UCL",
        "odll998": "OD99LCL",
        "odul998": "OD99UCL",
        "ll95": "LCL95",
        "ul95": "UCL95",
        "ll998": "LCL99",
        "ul998": "UCL99",
    }
    for src, dst in rename.items():
        out[dst] = at[src].to_numpy()
    hl = set() if highlight is None else set(np.atleast_1d(np.asarray(highlight)).tolist())
    out["highlight"] = np.where(out["group"].isin(hl), "1", "0").astype(object)
    val = rr * multiplier

    def outside(lo: str, hi: str) -> np.ndarray:
        inside = (val >= out[lo].to_numpy()) & (val <= out[hi].to_numpy())
        return (~inside & ~np.isnan(val)).astype(int)

    if adjusted:
        o95, o998 = outside("OD95LCL", "OD95UCL"), outside("OD99LCL", "OD99UCL")
    elif unadjusted:
        o95, o998 = outside("LCL95", "UCL95"), outside("LCL99", "UCL99")
    else:
        o95 = o998 = np.zeros(n_all, dtype=int)
    out["outlier"] = o95 if limit == 95 else o998
    out["outlier95"] = o95
    out["outlier998"] = o998
    return ODFunnel(phi, tau2, lookup, out, adjusted, unadjusted, target)


def funnel_outliers(
    rr: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    multiplier: float = 1.0,
) -> np.ndarray:
    """FunnelPlotR ``outliers_func``: 1 when ``rr·multiplier`` is outside [lower, upper]."""
    v = np.asarray(rr, dtype=float) * multiplier
    inside = (v >= np.asarray(lower, dtype=float)) & (v <= np.asarray(upper, dtype=float))
    return (~inside).astype(int)
