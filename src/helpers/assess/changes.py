"""What would change the segment: the gap to the next segment and the metrics that would close it.

For an organisation in segment ``s`` (before the financial override), the next segment up is
reached when its average score is at most the boundary: the worst average score now in segment
``s − 1`` (quartiles: tying it shares its position) or the threshold (thresholds). The gap is
its average score minus the boundary. One metric alone closes the gap when its score can fall by
``gap × (sum of the weights of the metrics scored) ÷ (its weight)`` without going below 1.00; the
value it would need is read from the metric's scoring rule with every other organisation's
value unchanged (rank-based scores: the value of the organisation it would have to draw level
with; value-based: the scaled value; targets: the standard). The other organisations' scores
would also move a little as it overtakes them, so the figures are a guide, not a guarantee.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.assess import scores as sc
from helpers.assess import segments as sg
from helpers.assess.engine import CohortYear, weight_of
from helpers.settings import AssessmentRules, MetricSpec
from helpers.stats.rank_draws import oriented

CHANGE_COLUMNS = [
    "org_code",
    "cohort",
    "period",
    "segment_unadjusted",
    "next_segment",
    "average_score",
    "boundary_score",
    "gap",
    "metric_id",
    "score",
    "score_needed",
    "value",
    "value_needed",
    "change_needed",
    "places_to_climb",
]


def _value_needed(
    spec: MetricSpec,
    values: np.ndarray,
    j: int,
    score_needed: float,
    rules: AssessmentRules,
    period: str,
) -> tuple[float, float]:
    """(value needed, places to climb) for organisation ``j`` to score ``score_needed``."""
    mode = spec.score_mode
    v = values.astype(float)
    if mode == "target":
        assert spec.standard is not None
        return spec.standard.value, np.nan
    if mode == "discrete":
        assert spec.scoring is not None
        # the nearest band bound that scores well enough
        bounds = [b.below for b in spec.scoring.bands if b.below is not None]
        cands = sorted({*bounds, *(b - 1e-9 for b in bounds)}, key=lambda x: abs(x - v[j]))
        for c in cands:
            if sc.discrete_scores(np.array([c]), spec)[0] <= score_needed + 1e-12:
                return float(c), np.nan
        return np.nan, np.nan
    o = oriented(v, spec.polarity)  # smaller is better
    others = np.delete(o, j)
    others = np.sort(others[~np.isnan(others)])
    n = len(others) + 1
    if rules.continuous == "rank":
        target_rank = int(np.floor(1 + (score_needed - 1) * (n - 1) / 3 + 1e-9))
        target_rank = max(1, target_rank)
        current = int(np.sum(others < o[j])) + 1
        # draw level with the organisation now at target_rank among the others
        need = others[target_rank - 1] if target_rank - 1 < len(others) else o[j]
        need = min(need, o[j])
        value = need if spec.polarity == "lower_is_better" else -need
        return float(value), float(max(0, current - target_rank))
    best, worst = np.nanmin(o), np.nanmax(o)
    need = best + (score_needed - 1) * (worst - best) / 3
    value = need if spec.polarity == "lower_is_better" else -need
    return float(value), np.nan


def segment_changes(
    years: list[CohortYear], specs: dict[str, MetricSpec], rules: AssessmentRules
) -> pd.DataFrame:
    """One row per organisation below segment 1 and metric that alone would close its gap."""
    rows = []
    for cy in years:
        bounds = sg.boundary_scores(cy.avg, cy.seg_unadj, rules.segmentation, rules.thresholds)
        w_all = np.array([weight_of(rules, m) for m in cy.metrics])
        for j, o in enumerate(cy.orgs):
            s = cy.seg_unadj[j]
            if np.isnan(s) or s <= 1:
                continue
            nxt = int(s) - 1
            b = bounds.get(nxt, np.nan)
            if np.isnan(b):
                continue
            gap = cy.avg[j] - b
            has = ~np.isnan(cy.scores[:, j])
            w_sum = float(w_all[has].sum())
            for i, mid in enumerate(cy.metrics):
                if not has[i]:
                    continue
                need = cy.scores[i, j] - gap * w_sum / w_all[i]
                if need < 1.0 - 1e-9:
                    continue
                value, places = _value_needed(specs[mid], cy.values[i], j, need, rules, cy.period)
                rows.append(
                    {
                        "org_code": o,
                        "cohort": cy.cohort,
                        "period": cy.period,
                        "segment_unadjusted": s,
                        "next_segment": nxt,
                        "average_score": cy.avg[j],
                        "boundary_score": b,
                        "gap": gap,
                        "metric_id": mid,
                        "score": cy.scores[i, j],
                        "score_needed": need,
                        "value": cy.values[i, j],
                        "value_needed": value,
                        "change_needed": value - cy.values[i, j],
                        "places_to_climb": places,
                    }
                )
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return out.sort_values(["cohort", "period", "org_code", "metric_id"]).reset_index(drop=True)


def gap_summary(
    years: list[CohortYear], changes: pd.DataFrame, rules: AssessmentRules
) -> pd.DataFrame:
    """Per organisation and year: the next segment, the boundary score, the gap and how many
    metrics would close it alone (and which, fewest places to climb first)."""
    rows = []
    for cy in years:
        bounds = sg.boundary_scores(cy.avg, cy.seg_unadj, rules.segmentation, rules.thresholds)
        for j, o in enumerate(cy.orgs):
            s = cy.seg_unadj[j]
            if np.isnan(s) or s <= 1:
                continue
            b = bounds.get(int(s) - 1, np.nan)
            c = changes[(changes.org_code == o) & (changes.period == cy.period)]
            c = c.sort_values(["places_to_climb", "metric_id"], na_position="last")
            rows.append(
                {
                    "org_code": o,
                    "period": cy.period,
                    "next_segment": int(s) - 1,
                    "score_for_next_segment": b,
                    "gap_to_next_segment": cy.avg[j] - b,
                    "metrics_that_would_close_gap": len(c),
                    "closest_metrics": ", ".join(c.metric_id.head(3)),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "org_code",
            "period",
            "next_segment",
            "score_for_next_segment",
            "gap_to_next_segment",
            "metrics_that_would_close_gap",
            "closest_metrics",
        ],
    )
