"""Sensitivity: how many organisations change segment when one rule of the assessment changes.

Each scenario reassesses the observed values (:func:`helpers.assess.engine.score_values`, no
simulation) with one rule changed and counts the organisations whose published (adjusted)
segment differs from the assessment's:

* **the other segmentation method**: thresholds instead of quartiles (the settings'
  ``sensitivity_thresholds``), or quartiles instead of thresholds;
* **no financial override**;
* **specialist trusts in their own cohort** (or with the other acute trusts, when the
  assessment already gives them their own);
* **equal weight per domain** instead of per metric: each metric weighs 1 / (the number of
  scored metrics in its domain), so a domain with many metrics (often finance) no longer
  dominates.

Segment 5 decisions are left out of every scenario (they are reviewed, not computed).
"""

from __future__ import annotations

import pandas as pd

from helpers.assess.engine import cohort_labels, score_values, specialist_acute
from helpers.assess.plans import PLANS_ID
from helpers.settings import AssessmentRules, MetricSpec

SENSITIVITY_COLUMNS = [
    "scenario",
    "description",
    "period",
    "organisations",
    "changed_segment",
    "changed_pct",
    "moved_up",
    "moved_down",
]


def scenarios(
    rules: AssessmentRules, specs: dict[str, MetricSpec]
) -> list[tuple[str, str, AssessmentRules]]:
    """(name, description, rules) of every scenario."""
    out = []
    if rules.segmentation == "quartiles":
        t = rules.sensitivity_thresholds
        out.append((
            "thresholds",
            f"segments by fixed thresholds ({t[0]:g}, {t[1]:g}, {t[2]:g}) instead of quartiles",
            rules.model_copy(update={"segmentation": "thresholds", "thresholds": t}),
        ))  # fmt: skip
    else:
        out.append((
            "quartiles",
            "segments by quartiles of the cohort instead of fixed thresholds",
            rules.model_copy(update={"segmentation": "quartiles", "thresholds": None}),
        ))  # fmt: skip
    if rules.financial_override is not None:
        out.append((
            "no_financial_override",
            "without the financial override (in deficit: no better than segment "
            f"{rules.financial_override.max_segment})",
            rules.model_copy(update={"financial_override": None}),
        ))  # fmt: skip
    other = "flag" if rules.specialist == "own_cohort" else "own_cohort"
    out.append((
        "specialist_" + other,
        "specialist acute trusts "
        + ("ranked with the other acute trusts" if other == "flag" else "in a cohort of their own"),
        rules.model_copy(update={"specialist": other}),
    ))  # fmt: skip
    domains = pd.Series({m: s.domain for m, s in specs.items() if s.score_mode != "none"})
    per_domain = domains.map(1.0 / domains.value_counts())
    out.append((
        "equal_weight_per_domain",
        f"equal weight per domain ({domains.nunique()} domains) instead of per metric",
        rules.model_copy(update={"weights": per_domain.drop(PLANS_ID, errors="ignore").to_dict(),
                                 "plans": rules.plans.model_copy(
                                     update={"weight": float(per_domain.get(PLANS_ID, 1.0))})}),
    ))  # fmt: skip
    return out


def sensitivity(
    assessment: pd.DataFrame,
    values: pd.DataFrame,
    specs: dict[str, MetricSpec],
    rules: AssessmentRules,
) -> pd.DataFrame:
    """One row per scenario and year (and an "all years" row per scenario).

    ``values``: ``org_code, period, metric_id, value`` of every scored metric (promises kept
    included); ``assessment`` supplies each organisation's type, subtype, deficit flag and
    published segment. The specialist scenario is left out when no organisation is a specialist
    trust (ICBs, mental health trusts)."""
    base = assessment[assessment.segment.notna()].copy()
    base = base[base.segment <= 4]  # reviewed segment 5 decisions are not recomputed
    orgs = assessment.drop_duplicates("org_code")[["org_code", "org_type", "org_subtype"]]
    deficit = assessment[["org_code", "period", "in_deficit"]].assign(
        in_deficit=assessment.in_deficit.fillna(False).astype(bool)
    )
    v = values.merge(orgs, on="org_code")
    rows = []
    specialists = bool(specialist_acute(orgs).any())
    for name, text, alt in scenarios(rules, specs):
        if name.startswith("specialist_") and not specialists:
            continue  # no specialist trust: the cohort arrangement cannot change anything
        vv = v.assign(cohort=cohort_labels(v, alt).to_numpy())
        got = score_values(vv, specs, alt, deficit).rename(columns={"segment": "alt_segment"})
        both = base.merge(got[["org_code", "period", "alt_segment"]], on=["org_code", "period"])
        both = both.assign(period=both.period.astype(str))
        for period, g in [*both.groupby("period"), ("all years", both)]:
            diff = g.alt_segment - g.segment
            rows.append(
                {
                    "scenario": name,
                    "description": text,
                    "period": period,
                    "organisations": len(g),
                    "changed_segment": int((diff != 0).sum()),
                    "changed_pct": round(100 * float((diff != 0).mean()), 1) if len(g) else 0.0,
                    "moved_up": int((diff < 0).sum()),
                    "moved_down": int((diff > 0).sum()),
                }
            )
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
