"""Overdispersed funnel plots (Spiegelhalter; the FunnelPlotR method) for each metric and year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.methods import method
from helpers.settings import MetricSpec
from helpers.stats.funnel import ODFunnel, od_funnel

FUNNEL_BANDS = ("above_998", "above_95", "within", "below_95", "below_998")
#: peer groups smaller than this get no funnel plot
MIN_FUNNEL_ORGANISATIONS = 10


@dataclass(frozen=True)
class FunnelResult:
    metric_id: str
    period: str
    funnel: ODFunnel


def funnel_data_type(spec: MetricSpec) -> str:
    """The funnel data type of the metric's method (``PR``, ``SR``), or "" for no funnel."""
    return method(spec.statistic, spec.ci_method).funnel


def add_funnels(
    results: pd.DataFrame, specs: dict[str, MetricSpec]
) -> tuple[pd.DataFrame, pd.DataFrame, list[FunnelResult]]:
    """Overdispersed funnel plot (Spiegelhalter; FunnelPlotR method) for each metric and year.

    Adds ``funnel_band`` to the results (above or below the 95% or 99.8% limits, or within),
    and returns a table of ``phi`` and ``tau2`` per metric and year and the funnels themselves.
    """
    out = results.copy()
    out["funnel_band"] = ""
    rows = []
    funnels = []
    for (metric_id, period), sub in out.groupby(["metric_id", "period"], sort=True):
        spec = specs[metric_id]
        dtype = funnel_data_type(spec)
        ok = sub[sub.value.notna() & (sub.denominator > 0)]
        if not dtype or len(ok) < MIN_FUNNEL_ORGANISATIONS:
            continue
        f = od_funnel(
            ok.numerator.to_numpy(),
            ok.denominator.to_numpy(),
            ok.org_code.to_numpy(),
            data_type=dtype,
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
        out.loc[ok.index, "funnel_band"] = ok.org_code.map(dict(zip(agg.index, band, strict=True)))
        rows.append(
            {
                "metric_id": metric_id,
                "period": period,
                "organisations": len(ok),
                "target": f.target * spec.multiplier,
                "phi": f.phi,
                "tau2": f.tau2,
                "overdispersion_adjusted": bool(f.draw_adjusted),
            }
        )
        funnels.append(FunnelResult(metric_id, period, f))
    od_cols = [
        "metric_id",
        "period",
        "organisations",
        "target",
        "phi",
        "tau2",
        "overdispersion_adjusted",
    ]
    return out, pd.DataFrame(rows, columns=od_cols), funnels


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


def funnel_limits_table(funnels: list[FunnelResult]) -> pd.DataFrame:
    """The drawn limits of every funnel, one table (empty when no metric had a funnel)."""
    if not funnels:
        return pd.DataFrame(columns=LIMIT_COLUMNS)
    return pd.concat(
        [
            f.funnel.limits.assign(
                metric_id=f.metric_id, period=f.period, adjusted=f.funnel.draw_adjusted
            )
            for f in funnels
        ],
        ignore_index=True,
    )
