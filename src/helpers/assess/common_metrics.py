"""Comparing a year with the one before on the metrics both years share.

The metrics scored can change from one year to the next (the ICB assessment scores 8 metrics in
2023/24 but 5 in 2024/25: the infection rates end in 2023/24). Each metric's score depends only
on that metric in that cohort and year, so an average over the metrics both years scored is a
like-for-like comparison, where the two years' own averages are not.

* :func:`metrics_by_period`: the metrics scored in each year (for the pages: "8 metrics in
  2022/23 and 2023/24; 5 in 2024/25").
* :func:`year_on_year`: the change in average score since the previous financial year (same
  cohort), over the metrics the organisation was scored on in both years, with its 95% interval
  from the two years' draws and whether it is more than chance. When both years scored the
  same metrics this is the change in the published average scores.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers.assess.engine import CohortYear, weight_of
from helpers.core.fy import fy_label, fy_start
from helpers.settings import AssessmentRules

__all__ = ["YEAR_ON_YEAR_COLUMNS", "metrics_by_period", "shared_metrics", "year_on_year"]

YEAR_ON_YEAR_COLUMNS = [
    "org_code",
    "period",
    "previous_period",
    "previous_segment",
    "change_since_last_year",
    "change_lower",
    "change_upper",
    "change_significant",
]


def metrics_by_period(metric_scores: pd.DataFrame) -> dict[str, list[str]]:
    """The metrics with at least one score in each year (``metric_scores``: the published
    table or the engine's), in the order of the table, by period."""
    scored = metric_scores[metric_scores.score.notna()]
    return {
        str(p): list(dict.fromkeys(g.metric_id.astype(str)))
        for p, g in scored.groupby("period", sort=True)
    }


def shared_metrics(now: CohortYear, j: int, before: CohortYear, i: int) -> list[str]:
    """The metrics organisation ``j`` of ``now`` and organisation ``i`` of ``before`` (the same
    organisation) were scored on in both years, in ``now``'s order."""
    had = {m for k, m in enumerate(before.metrics) if not np.isnan(before.scores[k, i])}
    return [m for k, m in enumerate(now.metrics) if m in had and not np.isnan(now.scores[k, j])]


def _average(
    cy: CohortYear, j: int, metrics: Iterable[str], rules: AssessmentRules
) -> tuple[float, np.ndarray]:
    """Organisation ``j``'s weighted mean score over ``metrics``, observed and in every draw
    (rounded as the engine rounds its averages)."""
    rows = [cy.metrics.index(m) for m in metrics]
    w = np.array([weight_of(rules, cy.metrics[k]) for k in rows], dtype=float)
    obs = np.round(float(np.dot(w, cy.scores[rows, j]) / w.sum()), 12)
    draws = np.round(np.tensordot(w, cy.score_draws[rows, :, j], axes=1) / w.sum(), 12)
    return obs, draws


def year_on_year(
    years: list[CohortYear], rules: AssessmentRules, level: float = 0.95
) -> pd.DataFrame:
    """The change in average score since the previous financial year (same cohort) on the
    metrics the organisation was scored on in both years (:func:`shared_metrics`), its interval
    from the two years' draws (independent), and whether it is more than chance (the interval
    excludes 0). An organisation not segmented in either year, or with no metric scored in
    both, has no change."""
    by_key = {(cy.cohort, cy.period): cy for cy in years}
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    rows = []
    for cy in years:
        previous = fy_label(fy_start(cy.period) - 1)
        prev = by_key.get((cy.cohort, previous))
        if prev is None:
            continue
        index = {o: k for k, o in enumerate(prev.orgs)}
        for j, o in enumerate(cy.orgs):
            i = index.get(o)
            if i is None or np.isnan(cy.avg[j]) or np.isnan(prev.avg[i]):
                continue
            shared = shared_metrics(cy, j, prev, i)
            if not shared:
                continue
            now_avg, now_draws = _average(cy, j, shared, rules)
            prev_avg, prev_draws = _average(prev, i, shared, rules)
            lo, hi = np.quantile(now_draws - prev_draws, [lo_q, hi_q])
            rows.append(
                {
                    "org_code": o,
                    "period": cy.period,
                    "previous_period": previous,
                    "previous_segment": prev.seg[i],
                    "change_since_last_year": now_avg - prev_avg,
                    "change_lower": lo,
                    "change_upper": hi,
                    "change_significant": bool(lo > 0 or hi < 0),
                }
            )
    return pd.DataFrame(rows, columns=YEAR_ON_YEAR_COLUMNS)
