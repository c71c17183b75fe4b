"""The rows a page's tables show, shared by the metric pages (:mod:`helpers.publish.pages`) and
the report cards (:mod:`helpers.publish.card_pages`): a result row (value, intervals, the
comparisons with England and the tests behind them, rank, funnel, goals) and a plan row
(planned against actual), formatted as the downloads format them; and writing a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.publish.periods import Coverage
from helpers.publish.text import (
    COMPARISON_BADGE,
    COMPARISON_TEST_SHORT,
    COMPARISON_TEXT,
    FUNNEL_TEXT,
    QUARTILE_TEXT,
    STATUS_LONG,
    STATUS_TEXT,
    fmt_ci,
    fmt_plan,
    fmt_value,
    is_true,
    ordinal,
    target_text,
)
from helpers.settings import MetricSpec


def _row_view(r: Any, spec: MetricSpec, cov: Coverage) -> dict:  # a Series or itertuples() row
    comp = r.comparison
    head, test = r.comparison_headline, r.comparison_test
    rank = rank_interval = ""
    if pd.notna(r.peer_rank):
        rank = f"{ordinal(int(r.peer_rank))} of {int(r.peer_count)}"
        if pd.notna(r.rank_lower):
            rank_interval = f"{int(r.rank_lower)} to {int(r.rank_upper)}"
    return {
        "period": r.period,
        "value": fmt_value(r.value, spec),
        "ci95": fmt_ci(r.ci95_lower, r.ci95_upper, spec),
        "ci998": fmt_ci(r.ci998_lower, r.ci998_upper, spec),
        "england": fmt_value(r.benchmark_value, spec),
        # the plain test: the organisation's own 95% interval against England
        "comparison": comp,
        "badge": COMPARISON_BADGE[comp],
        "comparison_text": COMPARISON_TEXT[comp],
        "comparison_998": COMPARISON_BADGE[r.comparison_998],
        # the headline comparison and the test that made it (helpers.compare.england)
        "headline": head,
        "headline_badge": COMPARISON_BADGE[head],
        "headline_text": COMPARISON_TEXT[head],
        "test": test if isinstance(test, str) else "",  # "" (not compared) may be read as NaN
        "test_short": COMPARISON_TEST_SHORT.get(test if isinstance(test, str) else "", ""),
        "rank": rank,
        "rank_interval": rank_interval,
        "confident": (
            "confidently in the top quarter"
            if is_true(r.confidently_top_quartile)
            else "confidently in the bottom quarter"
            if is_true(r.confidently_bottom_quartile)
            else ""
        ),
        "funnel": FUNNEL_TEXT.get(r.funnel_band if isinstance(r.funnel_band, str) else "", ""),
        "quartile": QUARTILE_TEXT[int(r.peer_quartile)] if pd.notna(r.peer_quartile) else "",
        "goal": target_text(r.goal_value, r.meets_goal, spec),
        "standard": target_text(r.standard_value, r.meets_standard, spec),
        "reason": r.reason,
        "months": int(r.months_covered),
        # the year, "2024/25 (10 of 12 months)" when the value covers part of it; its months
        # in words ("annual figure" for a metric measured once a year)
        "period_label": cov.label(spec.id, r.period, r.months_covered),
        "months_text": cov.months_text(spec.id, r.months_covered),
        "partial": spec.id not in cov.annual
        and r.months_covered < cov.year_months(spec.id, r.period),
        "goal_note": (
            f"Goal {fmt_value(r.goal_value, spec)}: {'met' if bool(r.meets_goal) else 'not met'}"
            if pd.notna(r.goal_value) and pd.notna(r.meets_goal)
            else ""
        ),
        "numerator": "" if pd.isna(r.numerator) else f"{r.numerator:,.0f}",
        "denominator": "" if pd.isna(r.denominator) else f"{r.denominator:,.0f}",
    }


def _plan_row(r: Any, spec: MetricSpec) -> dict:  # a row: Series or itertuples() tuple
    has_ci = np.isfinite(r.ci95_lower) and np.isfinite(r.ci95_upper)
    return {
        "period": r.period,
        "basis": r.basis,
        "planned": fmt_plan(r.planned, spec),
        "actual": fmt_plan(r.actual, spec),
        "ci95": fmt_ci(r.ci95_lower, r.ci95_upper, spec) if has_ci else "",
        "gap": fmt_plan(r.gap, spec, signed=True),
        "status": r.status,
        "status_text": STATUS_TEXT[r.status],
        "status_long": STATUS_LONG[r.status],
        "planned_change": fmt_plan(r.planned_change, spec, signed=True)
        if pd.notna(r.planned_change)
        else "",
        "actual_change": fmt_plan(r.actual_change, spec, signed=True)
        if pd.notna(r.actual_change)
        else "",
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
