"""The columns of the published comparison tables, declared once.

``results/indicators.csv`` has :data:`RESULT_COLUMNS` (one row per organisation, metric and
financial year) and ``results/england.csv`` has :data:`BENCHMARK_COLUMNS`.
"""

from __future__ import annotations

import pandas as pd

from helpers.stats.ci import CI_COLUMNS

# rank uncertainty, added by helpers.compare.ranks.add_rank_intervals
RANK_COLUMNS = [
    "rank_lower",
    "rank_upper",
    "p_top_quartile",
    "p_bottom_quartile",
    "confidently_top_quartile",
    "confidently_bottom_quartile",
]
RESULT_COLUMNS = [
    "org_code",
    "org_name",
    "org_type",
    "region",
    "icb",
    "metric_id",
    "period",
    "numerator",
    "denominator",
    "months_covered",
    *CI_COLUMNS,  # value, its 95% and 99.8% limits, and the interval method
    "benchmark_value",
    "comparison",
    "comparison_998",
    # the headline comparison and its test (helpers.compare.england.add_headline_comparison)
    "comparison_headline",
    "comparison_test",
    "standard_value",
    "meets_standard",
    "goal_value",
    "meets_goal",
    "peer_rank",
    "peer_count",
    "peer_quartile",
    *RANK_COLUMNS,
    "funnel_band",
    "predecessors",
    "reason",
]
BENCHMARK_COLUMNS = [
    "metric_id",
    "period",
    "benchmark",
    "numerator",
    "denominator",
    *CI_COLUMNS[:5],  # value and its 95% and 99.8% limits
    "organisations",
    "organisations_not_compared",
]


def order_results(results: pd.DataFrame) -> pd.DataFrame:
    """The published column order and row order of ``indicators.csv``."""
    res = results[RESULT_COLUMNS].sort_values(["metric_id", "period", "org_code"])
    return res.reset_index(drop=True)
