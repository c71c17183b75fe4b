"""SHMI control limits and banding as NHS England publishes them, from observed and expected deaths.

The Summary Hospital-level Mortality Indicator (SHMI) is ``O/E``, a trust's observed deaths over
the deaths its case mix predicts. NHS England publishes, per trust, two pairs of control limits
around 1 and a banding. What they are was *found* from the published trust-level file
(Feb 2025 – Jan 2026, 118 trusts; ``tests/unit/stats/test_shmi_reproduction.py``), not assumed:

* **Poisson limits** (``PO_LL``, ``PO_UL``): the exact Poisson 99.8% limits of O at mean E,
  divided by E: ``qchisq(0.001, 2E)/2/E`` and ``qchisq(0.999, 2E+2)/2/E``. These are
  FunnelPlotR's unadjusted 99.8% limits for a standardised ratio (``LCL99``/``UCL99`` of
  :func:`helpers.stats.funnel.build_limits_lookup`). Their asymmetry around 1 is the Poisson
  distribution's own. Symmetric normal limits on the log or square-root scale at 99.8%, or any
  limits at 95%, miss them by 0.001 to 0.05.
* **Overdispersion-adjusted limits** (``OD_LL``, ``OD_UL``): symmetric on the **log** scale at
  **95%**: ``exp(±1.959964·sqrt(1/E + τ²))`` (Spiegelhalter 2005's random-effects adjustment,
  the "SHMI" method of FunnelPlotR). They look asymmetric only on the ratio scale. τ² is the
  DerSimonian–Laird between-trust variance of the z-scores ``sqrt(E)·ln(O/E)`` after dropping
  the 10% most extreme at each end (FunnelPlotR's SHMI truncation: with 118 trusts, 11 at each
  end, 96 kept), with weights ``w = E``: ``τ² = (n·φ − (n − 1)) / (Σw − Σw²/Σw)``,
  ``φ = Σz²/n``. :func:`helpers.stats.funnel.od_funnel` does exactly this; it is reused here.
* **Banding**: 1 "higher than expected" when the SHMI is above ``OD_UL``, 3 "lower than
  expected" when below ``OD_LL``, otherwise 2 "as expected" (a SHMI on a limit is inside).

The one obstacle to a digit-for-digit reproduction is the published counts: ``OBSERVED`` and
``EXPECTED`` are rounded to the nearest 5, while NHS England computed the SHMI and the limits
from the unrounded counts. A limit at E differs from the limit at the true E (within E ± 2.5) by
up to ~5e-5 for the smallest trusts, so some published limits round to the neighbouring fourth
decimal of ours; :func:`shmi_limit_span` gives the range a limit can take over E ± 2.5, which
is how each difference is explained. The log ratios from rounded counts also shift τ²; the
published ``SHMI_VALUE`` (4 decimals, from the unrounded counts) brings it much closer, so
:func:`shmi_limits` takes it as ``ratio`` when it is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from helpers.stats.funnel import FUNNELPLOTR_Z95, build_limits_lookup, od_funnel

#: control-limit level of NHS England's Poisson limits (PO_LL, PO_UL), found from the data
POISSON_LEVEL = 0.998
#: control-limit level of NHS England's overdispersion-adjusted limits (OD_LL, OD_UL)
OVERDISPERSED_LEVEL = 0.95
#: SHMI bandings
HIGHER, AS_EXPECTED, LOWER = 1, 2, 3
BANDING_WORDS = {
    HIGHER: "higher than expected",
    AS_EXPECTED: "as expected",
    LOWER: "lower than expected",
}
#: half the rounding step of NHS England's published OBSERVED and EXPECTED (nearest 5)
ROUNDING_HALF_STEP = 2.5


@dataclass(frozen=True)
class SHMILimits:
    """Result of :func:`shmi_limits`.

    ``table``: one row per trust in the order given, columns ``observed, expected, ratio,
    z_score, truncated`` (1 when left out of the estimate of φ and τ²), ``po_ll, po_ul, od_ll,
    od_ul, banding``. ``phi``, ``tau2`` and ``kept`` (trusts in the estimate) describe the
    overdispersion adjustment."""

    table: pd.DataFrame
    phi: float
    tau2: float
    kept: int


def shmi_limits_at(expected: ArrayLike, tau2: float) -> pd.DataFrame:
    """NHS England's SHMI control limits at each expected count for a given τ²: columns
    ``po_ll, po_ul`` (exact Poisson, 99.8%) and ``od_ll, od_ul`` (log scale, 95%, τ² added),
    in the order given."""
    e = np.asarray(expected, dtype=float)
    lim = build_limits_lookup(e, data_type="SR", sr_method="SHMI", tau2=tau2)
    return pd.DataFrame(
        {
            "po_ll": lim["ll998"].to_numpy(),
            "po_ul": lim["ul998"].to_numpy(),
            "od_ll": lim["odll95"].to_numpy(),
            "od_ul": lim["odul95"].to_numpy(),
        }
    )


def shmi_banding(ratio: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> np.ndarray:
    """1 (higher than expected) above ``upper``, 3 (lower) below ``lower``, else 2; a ratio on
    a limit counts as inside. NaN ratios get 0 (no banding)."""
    r = np.asarray(ratio, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    band = np.select([r > hi, r < lo], [HIGHER, LOWER], default=AS_EXPECTED)
    return np.where(np.isnan(r), 0, band).astype(int)


def shmi_limits(
    observed: ArrayLike,
    expected: ArrayLike,
    ratio: ArrayLike | None = None,
    *,
    trim_by: float = 0.1,
) -> SHMILimits:
    """NHS England's SHMI limits and banding for every trust, from observed and expected deaths.

    ``ratio``: the SHMI to test and to build the z-scores from; ``observed/expected`` when not
    given. Give NHS England's published ``SHMI_VALUE`` when the counts are published rounded
    (it comes from the unrounded counts). τ² is estimated once over all trusts given (they must
    be the whole national set, as NHS England's is) by :func:`helpers.stats.funnel.od_funnel`
    (``sr_method="SHMI"``, truncation ``trim_by`` at each end).
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    if o.shape != e.shape or o.ndim != 1:
        raise ValueError("observed and expected must be 1-d and of the same length")
    if len(e) < 3:
        raise ValueError("the overdispersion adjustment needs at least 3 trusts")
    r = o / np.where(e > 0, e, np.nan) if ratio is None else np.asarray(ratio, dtype=float)
    if r.shape != e.shape:
        raise ValueError("ratio must have one value per trust")
    if bool(np.any(~np.isfinite(r) | (r <= 0))):
        raise ValueError("every SHMI must be a number above 0 (log scale)")
    # od_funnel builds ln(O/E) from its numerator: the numerator ratio·E gives ln(ratio)
    f = od_funnel(
        r * e,
        e,
        np.arange(len(e)),
        data_type="SR",
        sr_method="SHMI",
        trim_by=trim_by,
        shmi_rounding=False,
    )
    agg = f.aggregated  # sorted by group = the order given
    limits = shmi_limits_at(e, f.tau2)
    table = pd.DataFrame(
        {
            "observed": o,
            "expected": e,
            "ratio": r,
            "z_score": agg["Uzscore"].to_numpy(),
            "truncated": agg["truncated"].to_numpy(),
        }
    )
    table = pd.concat([table, limits], axis=1)
    table["banding"] = shmi_banding(r, table.od_ll, table.od_ul)
    kept = int((agg["truncated"] == 0).sum())
    return SHMILimits(table, float(f.phi), float(f.tau2), kept)


def shmi_limit_span(
    expected: ArrayLike, tau2: float, half_step: float = ROUNDING_HALF_STEP
) -> pd.DataFrame:
    """The range each limit takes when the true expected count is anywhere in
    ``expected ± half_step`` (the published counts are rounded to the nearest 5): columns
    ``<limit>_min`` and ``<limit>_max`` for ``po_ll, po_ul, od_ll, od_ul``. Every limit is
    monotone in E, so the ends of the interval bound it."""
    e = np.asarray(expected, dtype=float)
    lo = shmi_limits_at(np.maximum(e - half_step, 1e-9), tau2)
    hi = shmi_limits_at(e + half_step, tau2)
    out = {}
    for c in lo.columns:
        out[f"{c}_min"] = np.minimum(lo[c], hi[c])
        out[f"{c}_max"] = np.maximum(lo[c], hi[c])
    return pd.DataFrame(out)


def implied_tau2(
    expected: ArrayLike,
    od_ll: ArrayLike,
    od_ul: ArrayLike,
    *,
    decimals: int = 4,
    half_step: float = ROUNDING_HALF_STEP,
) -> tuple[float, float]:
    """The interval of τ² consistent with every published overdispersion-adjusted limit.

    Each limit ``exp(±z·sqrt(1/E + τ²))`` published to ``decimals`` places, at an expected count
    published to the nearest 5 (true E within ``expected ± half_step``), allows τ² in
    ``(ln(limit ± ½·10^-decimals)/z)² − 1/(E ∓ half_step)``; the result is the intersection over
    all trusts and both limits, ``(lowest, highest)`` (lowest > highest: no single τ² fits).
    """
    e = np.asarray(expected, dtype=float)
    half = 0.5 * 10.0**-decimals
    z = FUNNELPLOTR_Z95
    ll = np.asarray(od_ll, dtype=float)
    ul = np.asarray(od_ul, dtype=float)
    e_lo, e_hi = np.maximum(e - half_step, 1e-9), e + half_step
    lows = np.concatenate(
        [(np.log(ul - half) / z) ** 2 - 1 / e_lo, (np.log(ll + half) / z) ** 2 - 1 / e_lo]
    )
    highs = np.concatenate(
        [(np.log(ul + half) / z) ** 2 - 1 / e_hi, (np.log(ll - half) / z) ** 2 - 1 / e_hi]
    )
    return float(lows.max()), float(highs.min())
