"""Promises kept: an organisation's own plans as a scored metric of the assessment.

From ``plan_delivery.csv`` (:mod:`helpers.compare.plans`): the share of the metrics with a plan
on which the organisation kept its promise in the year (delivered: at least as good as
planned). Scored by rank in the cohort (higher is better) like NOF's planned-versus-actual
measure when the settings' ``plans.scored`` is true; in the simulation each plan on a metric's
value is re-judged against the metric's drawn value, so a promise kept or missed by a whisker
is uncertain. The number of shortfalls beyond chance is published beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.settings import AssessmentRules, MetricSpec

PLANS_ID = "plans_kept_pct"
KEPT = ("delivered",)

PLANS_SPEC = MetricSpec.model_validate(
    {
        "id": PLANS_ID,
        "title": "Promises kept: the share of the organisation's own plans it delivered",
        "short_title": "Promises kept (own plans)",
        "objective": "own_plans",
        "domain": "delivery_against_plans",
        "org_types": ["acute_trust"],
        "statistic": "proportion",
        "multiplier": 100.0,
        "unit": "%",
        "decimals": 0,
        "polarity": "higher_is_better",
        "ci_method": "none",
        "definitions": [
            {
                "source": "plans",
                "first_year": "2000/01",
                "last_year": "2098/99",
                "numerator": {"measure": "plans_kept", "description": "plans kept"},
                "denominator": {"measure": "plans", "description": "plans made"},
            }
        ],
        "min_months": 1,
        "description": "The share of the metrics with a plan on which the organisation delivered "
        "its own plan for the year, or fell short by no more than chance.",
    }
)


def plans_kept(plan_delivery: pd.DataFrame | None, rules: AssessmentRules) -> pd.DataFrame:
    """Per organisation and year: ``plans``, ``plans_kept``, ``plan_shortfalls`` (missed beyond
    chance), ``plan_delivery`` (share kept) and ``value`` (% kept; none below ``min_plans``)."""
    cols = [
        "org_code",
        "period",
        "plans",
        "plans_kept",
        "plan_shortfalls",
        "plan_delivery",
        "value",
    ]
    if plan_delivery is None or plan_delivery.empty:
        return pd.DataFrame(columns=cols)
    d = plan_delivery[plan_delivery.status.isin(["delivered", "missed_within_chance", "missed"])]
    g = d.assign(kept=d.status.isin(KEPT), short=d.status == "missed").groupby(
        ["org_code", "period"], as_index=False
    )
    out = g.agg(
        plans=("status", "size"), plans_kept=("kept", "sum"), plan_shortfalls=("short", "sum")
    )
    out["plan_delivery"] = out.plans_kept / out.plans
    out["value"] = (100 * out.plan_delivery).where(out.plans >= rules.plans.min_plans)
    return out[cols]


def plan_rows(kept: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Result rows for the promises-kept metric (an exact value: not a sample estimate)."""
    info = results.drop_duplicates(["org_code"]).set_index("org_code")
    k = kept[kept.org_code.isin(info.index) & kept.value.notna()]
    return pd.DataFrame(
        {
            "org_code": k.org_code,
            "org_name": k.org_code.map(info.org_name),
            "org_type": k.org_code.map(info.org_type),
            "region": k.org_code.map(info.region),
            "metric_id": PLANS_ID,
            "period": k.period,
            "numerator": k.plans_kept.astype(float),
            "denominator": k.plans.astype(float),
            "value": k.value,
            "ci95_lower": np.nan,
            "ci95_upper": np.nan,
        }
    )
