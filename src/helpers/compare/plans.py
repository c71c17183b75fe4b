"""Delivery against each organisation's own plan.

Organisations submit planned monthly trajectories for their key metrics (the operational plan:
the promises the assessment holds them to). The catalogue says, per metric, how a plan is read
(:class:`helpers.settings.PlanSpec`); this module sets every organisation's actual figure beside
its plan for each financial year and says, in plain words, whether the plan was delivered.

* A plan **on the metric's scale** (``on: value``, e.g. "78% within 4 hours") is weighted by the
  organisation's actual monthly denominators: planned value = Σ(planned% × attendances) /
  Σ attendances over the months that have both. This is the figure the organisation would have
  reported had it hit its plan every month, it adds up correctly when trusts merge (each former
  code's plan is weighted by its own activity), and it is directly comparable with the actual
  value, whose interval comes from the metric's own method.
* A plan **of the numerator** (``on: numerator``, e.g. the number waiting over 52 weeks at the
  end of March, or the surplus in £000) is compared with the actual count or sum. These are
  complete counts and accounts, not samples, so no sampling interval applies.

Status, by the metric's polarity:

* ``delivered``: the actual figure is at least as good as planned;
* ``missed_within_chance``: worse than planned, but the plan lies inside the actual value's 95%
  confidence interval, so the shortfall could be chance;
* ``missed``: worse than planned, beyond chance (or, for counts and accounts, simply worse).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.fy import financial_year, fy_label, fy_start
from helpers.indicators import interval
from helpers.methods import method
from helpers.settings import LoadedAssessment, MetricSpec, PlanSpec

PLAN_COLUMNS = [
    "org_code",
    "metric_id",
    "period",
    "basis",
    "plan_on",
    "months_compared",
    "planned",
    "actual",
    "ci95_lower",
    "ci95_upper",
    "gap",
    "status",
    "previous_actual",
    "planned_change",
    "actual_change",
]

#: plan delivery statuses, best first (their wording is in helpers.publish.text)
PLAN_STATUSES = ("delivered", "missed_within_chance", "missed")


def _month_end_of_year(months: pd.Series) -> pd.Series:
    """True for March, the last month of a financial year."""
    return pd.to_datetime(months).dt.month == 3


def _value_basis(
    spec: MetricSpec, ps: PlanSpec, plan: pd.DataFrame, actual: pd.DataFrame
) -> pd.DataFrame:
    """Plans on the metric's own scale, weighted by the actual monthly denominators."""
    j = plan.merge(
        actual[["org_code_published", "month", "numerator", "denominator"]],
        on=["org_code_published", "month"],
        how="inner",
    )
    j = j[j.numerator.notna() & (j.denominator > 0)]
    if ps.period == "year_end":
        j = j[_month_end_of_year(j.month)]
    j = j.assign(expected=j.planned / spec.multiplier * j.denominator)
    g = j.groupby(["org_code", "period"], as_index=False).agg(
        expected=("expected", "sum"),
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        months_compared=("month", "nunique"),
    )
    if ps.period == "year":
        g = g[g.months_compared >= spec.min_months]
    g = g.reset_index(drop=True)
    g["planned"] = spec.multiplier * g.expected / g.denominator
    if method(spec.statistic, spec.ci_method).plan_interval:
        ci = interval(spec, g.numerator, g.denominator)
        g["actual"] = ci["value"].to_numpy()
        g["ci95_lower"] = ci["ci95_lower"].to_numpy()
        g["ci95_upper"] = ci["ci95_upper"].to_numpy()
    else:
        g["actual"] = spec.multiplier * g.numerator / g.denominator
        g["ci95_lower"] = g["ci95_upper"] = np.nan
    return g


def _numerator_basis(
    spec: MetricSpec, ps: PlanSpec, plan: pd.DataFrame, actual: pd.DataFrame
) -> pd.DataFrame:
    """Plans of the numerator (counts, £000): summed over the year or taken at its end."""
    if ps.period == "year_end":
        plan = plan[_month_end_of_year(plan.month)]
        actual = actual[_month_end_of_year(actual.month)]
    p = plan.groupby(["org_code", "period"], as_index=False).agg(
        planned=("planned", "sum"), months_compared=("month", "nunique")
    )
    a = (
        actual[actual.numerator.notna()]
        .groupby(["org_code", "period"], as_index=False)
        .agg(actual=("numerator", "sum"))
    )
    g = p.merge(a, on=["org_code", "period"], how="inner")
    g["ci95_lower"] = g["ci95_upper"] = np.nan
    return g


def plan_delivery(
    run: LoadedAssessment,
    measures: pd.DataFrame,
    monthly: pd.DataFrame,
    orgs: set[str],
) -> pd.DataFrame:
    """Planned against actual, per organisation, metric with a plan, and financial year.

    ``measures``: the ingested measures with ``org_code`` (current code, after mergers) and
    ``org_code_published``; plans are the measures named by each metric's ``plan.measure``.
    ``monthly``: numerators and denominators per metric, organisation and month (step 2).
    ``orgs``: the assessed organisations (only they are reported).
    """
    years = set(run.settings.financial_years)
    frames = []
    for spec in run.metrics:
        ps = spec.plan
        if ps is None or spec.polarity == "no_judgement":
            continue
        plan = measures[(measures.measure == ps.measure) & measures.org_code.isin(orgs)]
        if plan.empty:
            continue
        plan = plan.assign(period=financial_year(plan.month)).rename(columns={"value": "planned"})
        plan = plan[plan.period.isin(years)][
            ["org_code", "org_code_published", "month", "period", "planned"]
        ]
        actual = monthly[(monthly.metric_id == spec.id) & monthly.org_code.isin(orgs)]
        actual = actual[actual.period.isin(years)]
        g = (_value_basis if ps.on == "value" else _numerator_basis)(spec, ps, plan, actual)
        if g.empty:
            continue
        g = g.sort_values(["org_code", "period"]).reset_index(drop=True)
        sign = 1.0 if spec.polarity == "higher_is_better" else -1.0
        g["gap"] = g.actual - g.planned
        inside = (g.ci95_lower <= g.planned) & (g.planned <= g.ci95_upper)
        g["status"] = np.where(
            sign * g.gap >= 0, "delivered", np.where(inside, "missed_within_chance", "missed")
        )
        g["previous_actual"] = g.groupby("org_code").actual.shift(1)
        previous_fy = g.period.map(lambda fy: fy_label(fy_start(fy) - 1))
        consecutive = g.groupby("org_code").period.shift(1).eq(previous_fy)
        g.loc[~consecutive, "previous_actual"] = np.nan
        g["planned_change"] = g.planned - g.previous_actual
        g["actual_change"] = g.actual - g.previous_actual
        g["metric_id"] = spec.id
        g["basis"] = "March" if ps.period == "year_end" else "financial year"
        g["plan_on"] = ps.on
        frames.append(g[PLAN_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["metric_id", "org_code", "period"], kind="stable").reset_index(
        drop=True
    )


def delivery_summary(delivery: pd.DataFrame) -> pd.DataFrame:
    """Per metric and year: how many organisations delivered, missed within chance, missed."""
    if delivery.empty:
        return pd.DataFrame(columns=["metric_id", "period", "organisations", *PLAN_STATUSES])
    counts = (
        delivery.groupby(["metric_id", "period"])
        .status.value_counts()
        .unstack(fill_value=0)
        .reindex(columns=list(PLAN_STATUSES), fill_value=0)
    )
    counts.columns.name = None
    counts.insert(0, "organisations", counts.sum(axis=1))
    return counts.reset_index()
