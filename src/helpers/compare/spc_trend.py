"""Variation over time: Making Data Count XmR charts and the Fingertips recent trend."""

from __future__ import annotations

import pandas as pd

from helpers.core.fy import financial_year
from helpers.methods import method
from helpers.settings import LoadedAssessment, MetricSpec
from helpers.stats.ci import proportion_ci, rate_ci
from helpers.stats.spc import spc, spc_summary
from helpers.stats.trend import recent_trend

SPC_DIRECTION = {
    "higher_is_better": "increase",
    "lower_is_better": "decrease",
    "no_judgement": "neutral",
}


def monthly_values(monthly: pd.DataFrame, spec: MetricSpec, years: list[str]) -> pd.DataFrame:
    """Monthly values of one metric in its latest definition's years (no series break)."""
    current = spec.definitions[-1]
    m = monthly[monthly.metric_id == spec.id]
    # whether the definition covers each year, asked once per year (not once per row)
    covered = {p: current.covers(p) for p in m.period.unique()}
    m = m[m.period.map(covered).astype(bool)]
    m = m[m.period.isin(years) & m.numerator.notna() & (m.denominator > 0)]
    m = m.assign(value=spec.multiplier * m.numerator / m.denominator)
    return m.sort_values(["org_code", "month"])


def _goal(spec: MetricSpec, period: str) -> float | None:
    goals = spec.goals_for(period)
    return goals[-1].value if goals else None


def _goals_by_month(spec: MetricSpec, months: pd.Series) -> pd.Series:
    """The goal in force in each month's financial year (NaN in a year with none): a chart draws
    each goal over its own years only, never a 2024/25 goal across 2022/23."""
    years = financial_year(months)
    goal = {fy: _goal(spec, fy) for fy in years.unique()}
    return years.map(goal).astype(float)


def _xmr(m: pd.DataFrame, spec: MetricSpec, years: list[str]) -> tuple[pd.DataFrame, str]:
    """One metric's XmR points per organisation (Making Data Count, the last year's goal as
    the target) and the improvement direction."""
    direction = SPC_DIRECTION[spec.polarity]
    points = spc(
        m.rename(columns={"month": "date"}),
        "value",
        "date",
        facet="org_code",
        improvement_direction=direction,
        target=_goal(spec, years[-1]) if direction != "neutral" else None,
    )
    return points, direction


def spc_points(
    run: LoadedAssessment, monthly: pd.DataFrame, orgs: set[str], metric_ids: list[str]
) -> pd.DataFrame:
    """The XmR chart points behind :func:`spc_and_trend` (the same values, rules and goal), for
    drawing: ``org_code, metric_id, month, value, mean, lpl, upl, point_type, target``."""
    years = run.settings.financial_years
    monthly = monthly[monthly.org_code.isin(orgs)]
    specs = {m.id: m for m in run.metrics}
    out = []
    for metric_id in metric_ids:
        spec = specs[metric_id]
        m = monthly_values(monthly, spec, years)
        if m.empty:
            continue
        points, _direction = _xmr(m, spec, years)
        out.append(
            pd.DataFrame(
                {
                    "org_code": points.f,
                    "metric_id": metric_id,
                    "month": points.x,
                    "value": points.y,
                    "mean": points.mean_col,
                    "lpl": points.lpl,
                    "upl": points.upl,
                    "point_type": points.point_type,
                    # each month's goal, only in the years it applies to (no line elsewhere)
                    "target": _goals_by_month(spec, points.x) if _direction != "neutral" else None,
                }
            )
        )
    cols = ["org_code", "metric_id", "month", "value", "mean", "lpl", "upl", "point_type"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=[*cols, "target"])


def spc_and_trend(run: LoadedAssessment, monthly: pd.DataFrame, orgs: set[str]) -> pd.DataFrame:
    """Making Data Count variation and assurance (XmR on monthly values) and the Fingertips
    recent trend (last five quarters), for every organisation and metric, within the latest
    definition of each metric so that no chart spans a series break."""
    years = run.settings.financial_years
    monthly = monthly[monthly.org_code.isin(orgs)]
    rows = []
    for spec in run.metrics:
        m = monthly_values(monthly, spec, years)
        if m.empty:
            continue
        points, direction = _xmr(m, spec, years)
        target = _goal(spec, years[-1]) if direction != "neutral" else None
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
        trend = method(spec.statistic, spec.ci_method).trend
        if trend == "proportion":
            ci = proportion_ci(qs.numerator, qs.denominator, multiplier=spec.multiplier)
        else:
            ci = rate_ci(qs.numerator, qs.denominator, multiplier=spec.multiplier)
        qs = pd.concat([qs, ci], axis=1)
        tr = recent_trend(
            qs,
            by="org_code",
            period="quarter",
            polarity=spec.polarity,
            method=trend,
            numerator="numerator" if trend == "proportion" else None,
            denominator="denominator" if trend == "proportion" else None,
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
