"""Peer comparison: only like with like, with the uncertainty carried through.

* :mod:`helpers.compare.england`: the England value of the peer group and each organisation's
  comparison with it (Fingertips method, and the headline comparison that allows for the
  variation between organisations), national standards and interim goals.
* :mod:`helpers.compare.uncertainty`: the uncertainty of every annual value (sampling error and
  month-to-month variation), drawn for every rank interval and for the assessment.
* :mod:`helpers.compare.ranks`: ranks with 95% rank intervals.
* :mod:`helpers.compare.funnels`: funnel plots with overdispersion.
* :mod:`helpers.compare.spc_trend`: SPC (Making Data Count) and the recent trend.
* :mod:`helpers.compare.plans`: delivery against each organisation's own plan.
* :mod:`helpers.compare.schema`: the published columns.

The statistical methods themselves are in :mod:`helpers.stats` (tested against the reference
implementations); which one a metric uses is in :mod:`helpers.methods`.
"""

from helpers.compare.england import (
    add_headline_comparison,
    compare_with_peers,
    england_benchmarks,
    national_headlines,
)
from helpers.compare.funnels import add_funnels, funnel_limits_table
from helpers.compare.ranks import add_rank_intervals
from helpers.compare.schema import BENCHMARK_COLUMNS, RANK_COLUMNS, RESULT_COLUMNS, order_results
from helpers.compare.spc_trend import spc_and_trend

__all__ = [
    "BENCHMARK_COLUMNS",
    "RANK_COLUMNS",
    "RESULT_COLUMNS",
    "add_funnels",
    "add_headline_comparison",
    "add_rank_intervals",
    "compare_with_peers",
    "england_benchmarks",
    "national_headlines",
    "funnel_limits_table",
    "order_results",
    "spc_and_trend",
]
