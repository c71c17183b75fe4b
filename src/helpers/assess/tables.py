"""The published assessment tables, their columns declared once.

* ``results/assessment.csv``: one row per organisation and year (:data:`ASSESSMENT_COLUMNS`).
* ``results/metric_scores.csv``: one row per organisation, metric and year.
* ``results/league_table.csv``: NHS England's published league-table shape (Region,
  Trust_type, Trust_subtype, Trust_code, Trust_name, Reporting_date, Average_score,
  Likely_range_of_average_score, Segment, Trust_in_financial_deficit, Rank,
  Likely_range_of_rank) followed by our own columns.
* ``results/segment_changes.csv``: the metrics that alone would move an organisation up a
  segment (:mod:`helpers.assess.changes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.assess.accountability import ACCOUNTABILITY_COLUMNS
from helpers.assess.sensitivity import STABILITY_COLUMNS
from helpers.core.vocab import ORG_TYPE_LABELS

ASSESSMENT_COLUMNS = [
    "org_code",
    "org_name",
    "org_type",
    "org_subtype",
    "specialist",
    "cohort",
    "region",
    "period",
    "metrics_scored",
    "metrics_in_cohort",
    "average_score",
    "average_score_lower",
    "average_score_upper",
    "segment_unadjusted",
    "segment",
    "segment_reason",
    "rank",
    "rank_lower",
    "rank_upper",
    "cohort_size",
    "p_segment_1",
    "p_segment_2",
    "p_segment_3",
    "p_segment_4",
    "p_top_quartile",
    "p_bottom_quartile",
    "confidently_top_quartile",
    "confidently_bottom_quartile",
    "indistinguishable_group",
    "in_deficit",
    "deficit_basis",
    "next_segment",
    "score_for_next_segment",
    "gap_to_next_segment",
    "metrics_that_would_close_gap",
    "closest_metrics",
    *ACCOUNTABILITY_COLUMNS,  # accountability over time (helpers.assess.accountability)
    *STABILITY_COLUMNS,  # the segment under other reasonable rules (helpers.assess.sensitivity)
]
METRIC_SCORE_COLUMNS = [
    "org_code",
    "org_name",
    "cohort",
    "metric_id",
    "period",
    "value",
    "score",
    "score_lower",
    "score_upper",
    "score_mode",
    "weight",
    "metric_rank",
    "metric_rank_lower",
    "metric_rank_upper",
    "organisations_scored",
    "se_sampling",
    "se_months",
    "months_used",
]
LEAGUE_COLUMNS = [
    "Region",
    "Trust_type",
    "Trust_subtype",
    "Trust_code",
    "Trust_name",
    "Reporting_date",
    "Average_score",
    "Likely_range_of_average_score",
    "Segment",
    "Segment_same_under_rule_sets",
    "Trust_in_financial_deficit",
    "Rank",
    "Likely_range_of_rank",
    "Cohort",
    "Specialist",
    "Segment_unadjusted",
    "P_segment_1",
    "P_segment_2",
    "P_segment_3",
    "P_segment_4",
    "P_top_quartile",
    "P_bottom_quartile",
    "Indistinguishable_group",
    "Segment_reason",
    "Promises_kept",
    "Significant_plan_shortfalls",
    "Change_in_average_score_since_last_year",
    "Change_more_than_chance",
    "Persistent_failure",
    "Consequence",
]
INT_COLUMNS = [
    "segment_unadjusted",
    "segment",
    "rank",
    "rank_lower",
    "rank_upper",
    "cohort_size",
    "indistinguishable_group",
    "next_segment",
    "metrics_that_would_close_gap",
    "plans",
    "plan_shortfalls",
    "previous_segment",
    *STABILITY_COLUMNS,
]


def finish_assessment(assessment: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    """The published assessment table: the gap to the next segment added, columns and rows in
    the published order, whole numbers as integers and probabilities to 3 decimals."""
    out = assessment.drop(columns=[c for c in gaps.columns if c not in ("org_code", "period")],
                          errors="ignore")  # fmt: skip
    out = out.merge(gaps, on=["org_code", "period"], how="left")
    out["metrics_that_would_close_gap"] = out.metrics_that_would_close_gap.where(
        out.next_segment.notna()
    )
    out["closest_metrics"] = out.closest_metrics.fillna("")
    for col in ASSESSMENT_COLUMNS:
        if col not in out:
            out[col] = np.nan
    for col in ("consequence", "consequence_people", "consequence_rule", "previous_period",
                "spc_concern_metrics",
                "persistent_failure_reason"):  # fmt: skip
        out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    for col in INT_COLUMNS:
        out[col] = pd.array(np.round(out[col].astype(float)), dtype="Int64")
    for col in ("p_segment_1", "p_segment_2", "p_segment_3", "p_segment_4",
                "p_top_quartile", "p_bottom_quartile"):  # fmt: skip
        out[col] = out[col].astype(float).round(3)
    for col in ("average_score", "average_score_lower", "average_score_upper",
                "score_for_next_segment", "gap_to_next_segment", "plan_delivery",
                "change_since_last_year", "change_lower", "change_upper"):  # fmt: skip
        out[col] = out[col].astype(float).round(6)
    for col in ("confidently_top_quartile", "confidently_bottom_quartile", "in_deficit",
                "change_significant", "spc_concern", "persistent_failure",
                "segment_5_candidate"):  # fmt: skip
        out[col] = out[col].astype("boolean")
    out = out[ASSESSMENT_COLUMNS].sort_values(["cohort", "period", "rank", "org_code"])
    return out.reset_index(drop=True)


def finish_metric_scores(scores: pd.DataFrame) -> pd.DataFrame:
    out = scores.copy()
    for col in ("metric_rank", "metric_rank_lower", "metric_rank_upper", "organisations_scored"):
        out[col] = pd.array(np.round(out[col].astype(float)), dtype="Int64")
    for col in ("score", "score_lower", "score_upper"):
        out[col] = out[col].astype(float).round(6)
    out = out[METRIC_SCORE_COLUMNS].sort_values(["metric_id", "period", "cohort", "org_code"])
    return out.reset_index(drop=True)


def _range(lo: pd.Series, hi: pd.Series, fmt: str) -> pd.Series:
    return pd.Series(
        [
            "" if pd.isna(a) or pd.isna(b) else f"{format(a, fmt)} to {format(b, fmt)}"
            for a, b in zip(lo, hi, strict=True)
        ],
        index=lo.index,
    )


def _yes_no(s: pd.Series) -> pd.Series:
    return s.map(lambda x: "" if pd.isna(x) else ("Yes" if x else "No"))


def league_table(assessment: pd.DataFrame) -> pd.DataFrame:
    """NHS England's league-table shape (one row per organisation and year, segmented ones
    first in league order) with our columns after it."""
    a = assessment
    deficit = _yes_no(a.in_deficit)
    out = pd.DataFrame(
        {
            "Region": a.region.fillna(""),
            "Trust_type": a.org_type.map(lambda t: ORG_TYPE_LABELS.get(t, t)),
            "Trust_subtype": a.org_subtype.fillna(""),
            "Trust_code": a.org_code,
            "Trust_name": a.org_name,
            "Reporting_date": a.period,
            "Average_score": a.average_score.round(2),
            "Likely_range_of_average_score": _range(
                a.average_score_lower, a.average_score_upper, ".2f"
            ),
            "Segment": a.segment,
            "Segment_same_under_rule_sets": [
                "" if pd.isna(k) or pd.isna(n) else f"{k} of {n}"
                for k, n in zip(
                    a.get("segment_rule_sets_agree", pd.Series(pd.NA, index=a.index)),
                    a.get("segment_rule_sets", pd.Series(pd.NA, index=a.index)),
                    strict=True,
                )
            ],
            "Trust_in_financial_deficit": deficit,
            "Rank": a["rank"],
            "Likely_range_of_rank": _range(a.rank_lower, a.rank_upper, "d"),
            "Cohort": a.cohort,
            "Specialist": a.specialist.map({True: "Yes", False: "No"}),
            "Segment_unadjusted": a.segment_unadjusted,
            "P_segment_1": a.p_segment_1,
            "P_segment_2": a.p_segment_2,
            "P_segment_3": a.p_segment_3,
            "P_segment_4": a.p_segment_4,
            "P_top_quartile": a.p_top_quartile,
            "P_bottom_quartile": a.p_bottom_quartile,
            "Indistinguishable_group": a.indistinguishable_group,
            "Segment_reason": a.segment_reason,
            "Promises_kept": a.plan_delivery.map(lambda x: "" if pd.isna(x) else f"{x:.0%}"),
            "Significant_plan_shortfalls": a.plan_shortfalls,
            "Change_in_average_score_since_last_year": a.change_since_last_year.round(2),
            "Change_more_than_chance": _yes_no(a.change_significant),
            "Persistent_failure": _yes_no(a.persistent_failure),
            "Consequence": a.consequence,
        }
    )
    out = out.sort_values(["Cohort", "Reporting_date", "Rank", "Trust_code"], na_position="last")
    return out[LEAGUE_COLUMNS].reset_index(drop=True)
