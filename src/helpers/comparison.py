"""Peer comparison beyond the single benchmark test: rank uncertainty, overdispersed funnel
plots, statistical process control and the recent trend.

Each function works on whole tables (one call per metric, vectorised over organisations) and
uses the methods of ``helpers.stats``, which are tested against the reference implementations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.config import LoadedAssessment, MetricSpec
from helpers.indicators import RANK_COLUMNS
from helpers.stats.ci import proportion_ci, rate_ci
from helpers.stats.funnel import ODFunnel, od_funnel
from helpers.stats.ranks import rank_intervals
from helpers.stats.spc import spc, spc_summary
from helpers.stats.trend import recent_trend

FUNNEL_BANDS = ("above_998", "above_95", "within", "below_95", "below_998")
SPC_DIRECTION = {
    "higher_is_better": "increase",
    "lower_is_better": "decrease",
    "no_judgement": "neutral",
}
N_DRAWS = 1000


def _rank_method(spec: MetricSpec) -> str:
    return {"proportion": "beta", "rate": "gamma", "isr": "gamma"}.get(spec.statistic, "normal")


def add_rank_intervals(
    run: LoadedAssessment, results: pd.DataFrame, specs: dict[str, MetricSpec]
) -> pd.DataFrame:
    """Rank every organisation within its peer group and year, with a 95% rank interval from
    parametric simulation of each value's sampling distribution (Marshall & Spiegelhalter)."""
    out = results.drop(columns=["peer_rank", "peer_count", *RANK_COLUMNS], errors="ignore")
    parts = []
    for metric_id, idx in out.groupby("metric_id").groups.items():
        spec = specs[metric_id]
        sub = out.loc[idx]
        ok = sub.value.notna()
        method = _rank_method(spec)
        polarity = "lower_is_better" if spec.polarity == "lower_is_better" else "higher_is_better"
        kwargs: dict = {"by": sub.period.to_numpy(), "method": method, "polarity": polarity}
        if method in ("beta", "gamma"):
            kwargs["numerator"] = sub.numerator.where(ok).to_numpy()
            kwargs["denominator"] = sub.denominator.where(ok).to_numpy()
        else:
            se = (sub.ci95_upper - sub.ci95_lower) / 3.92
            kwargs["estimate"] = sub.value.where(ok).to_numpy()
            kwargs["se"] = se.where(ok).to_numpy()
        if spec.ci_method == "none":
            # not a sample estimate (accounts): the rank is exact, with no interval
            v = sub.value.where(ok)
            ascending = spec.polarity == "lower_is_better"
            ri = pd.DataFrame(index=idx)
            ri["rank"] = v.groupby(sub.period).rank(method="min", ascending=ascending)
            ri["group_size"] = v.groupby(sub.period).transform("count")
            for col in RANK_COLUMNS:
                ri[col] = np.nan
            ri["rank_lower"] = ri["rank_upper"] = ri["rank"]
        else:
            ri = rank_intervals(n_draws=N_DRAWS, seed=run.settings.seed, **kwargs)
        ri.index = idx
        ri["peer_count"] = ri["group_size"].where(ok)
        parts.append(ri.rename(columns={"rank": "peer_rank"})[["peer_rank", "peer_count",
                                                                *RANK_COLUMNS]])
    out = out.join(pd.concat(parts))
    for col in ["peer_rank", "peer_count", "rank_lower", "rank_upper"]:
        out[col] = out[col].astype("Int64")
    for col in ["confidently_top_quartile", "confidently_bottom_quartile"]:
        out[col] = out[col].astype("boolean")
    q = np.ceil(4 * out.peer_rank.astype(float) / out.peer_count.astype(float))
    out["peer_quartile"] = pd.array(q, dtype="Int64")
    return out


@dataclass(frozen=True)
class FunnelResult:
    metric_id: str
    period: str
    funnel: ODFunnel


def funnel_data_type(spec: MetricSpec) -> str:
    if spec.ci_method == "none":
        return ""  # accounts, not counts: no sampling variation to draw limits from
    return {"proportion": "PR", "ratio": "SR", "isr": "SR"}.get(spec.statistic, "")


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
        if not dtype or len(ok) < 10:
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
    od_cols = ["metric_id", "period", "organisations", "target", "phi", "tau2",
               "overdispersion_adjusted"]
    return out, pd.DataFrame(rows, columns=od_cols), funnels


LIMIT_COLUMNS = ["number_seq", "s", "odll95", "odul95", "odll998", "odul998", "ll95", "ul95",
                 "ll998", "ul998", "metric_id", "period", "adjusted"]


def funnel_limits_table(funnels: list[FunnelResult]) -> pd.DataFrame:
    """The drawn limits of every funnel, one table (empty when no metric had a funnel)."""
    if not funnels:
        return pd.DataFrame(columns=LIMIT_COLUMNS)
    return pd.concat(
        [f.funnel.limits.assign(metric_id=f.metric_id, period=f.period,
                                adjusted=f.funnel.draw_adjusted) for f in funnels],
        ignore_index=True,
    )


def _monthly_values(monthly: pd.DataFrame, spec: MetricSpec, years: list[str]) -> pd.DataFrame:
    """Monthly values of one metric in its latest definition's years (no series break)."""
    current = spec.definitions[-1]
    m = monthly[(monthly.metric_id == spec.id) & monthly.period.map(current.covers)]
    m = m[m.period.isin(years) & m.numerator.notna() & (m.denominator > 0)]
    m = m.assign(value=spec.multiplier * m.numerator / m.denominator)
    return m.sort_values(["org_code", "month"])


def _goal(spec: MetricSpec, period: str) -> float | None:
    goals = spec.goals_for(period)
    return goals[-1].value if goals else None


def spc_and_trend(
    run: LoadedAssessment, monthly: pd.DataFrame, orgs: set[str]
) -> pd.DataFrame:
    """Making Data Count variation and assurance (XmR on monthly values) and the Fingertips
    recent trend (last five quarters), for every organisation and metric, within the latest
    definition of each metric so that no chart spans a series break."""
    years = run.settings.financial_years
    monthly = monthly[monthly.org_code.isin(orgs)]
    rows = []
    for spec in run.metrics:
        m = _monthly_values(monthly, spec, years)
        if m.empty:
            continue
        direction = SPC_DIRECTION[spec.polarity]
        target = _goal(spec, years[-1]) if direction != "neutral" else None
        points = spc(
            m.rename(columns={"month": "date"}),
            "value",
            "date",
            facet="org_code",
            improvement_direction=direction,
            target=target,
        )
        summary = spc_summary(points, direction)
        last = summary.sort_values("rebase_group").groupby("f").tail(1).set_index("f")
        # quarterly points for the recent trend
        q = m.assign(quarter=pd.PeriodIndex(m.month, freq="Q-MAR").astype(str))
        qs = q.groupby(["org_code", "quarter"]).agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            months=("month", "count"),
        )
        qs = qs[qs.months == 3].reset_index()
        if spec.statistic == "proportion":
            ci = proportion_ci(qs.numerator, qs.denominator, multiplier=spec.multiplier)
            method = "proportion"
        else:
            ci = rate_ci(qs.numerator, qs.denominator, multiplier=spec.multiplier)
            method = "wls"
        qs = pd.concat([qs, ci], axis=1)
        tr = recent_trend(
            qs,
            by="org_code",
            period="quarter",
            polarity=spec.polarity,
            method=method,
            numerator="numerator" if method == "proportion" else None,
            denominator="denominator" if method == "proportion" else None,
        ).set_index("org_code")
        n_months = m.groupby("org_code").month.agg(["count", "min", "max"])
        for org in sorted(n_months.index):
            rows.append(
                {
                    "org_code": org,
                    "metric_id": spec.id,
                    "spc_first_month": n_months.loc[org, "min"].strftime("%Y-%m"),
                    "spc_last_month": n_months.loc[org, "max"].strftime("%Y-%m"),
                    "spc_points": int(n_months.loc[org, "count"]),
                    "spc_target": target,
                    "variation": last.variation_type.get(org, ""),
                    "assurance": last.assurance_type.get(org, "") or "",
                    "trend_quarters": int(tr.n_points.get(org, 0)),
                    "trend": tr.trend.get(org, "cannot be calculated"),
                    "trend_assessment": tr.trend_assessment.get(org, "cannot be calculated"),
                }
            )
    return pd.DataFrame(rows)

