"""The assessment stage: metric scores, segments and league tables, with their uncertainty.

* :mod:`helpers.assess.scores`: metric scores from 1.00 (best) to 4.00 (continuous by rank or
  by value, discrete bands, national targets) and each metric's scoring rule in words.
* :mod:`helpers.assess.segments`: segments 1-4 (quartiles or thresholds), the financial
  override and the league order.
* :mod:`helpers.assess.engine`: cohorts, the observed assessment and its simulation (likely
  ranges of average score and rank, segment probabilities, groups that cannot be told apart).
* :mod:`helpers.assess.plans`: promises kept (own plans) as a scored metric.
* :mod:`helpers.assess.changes`: what would change the segment.
* :mod:`helpers.assess.common_metrics`: a year compared with the one before on the metrics
  both years share (the metrics scored can change), and the metrics scored each year.
* :mod:`helpers.assess.accountability`: year on year, persistent failure, segment 5
  candidates and the consequences from the settings' rules.
* :mod:`helpers.assess.spc_concern`: special-cause concern on core metrics, the other trigger
  of persistent failure.
* :mod:`helpers.assess.sensitivity`: how many organisations change segment under other rules,
  and each organisation's rule stability.
* :mod:`helpers.assess.tables`: the published tables (assessment, metric scores, league table).
* :mod:`helpers.assess.describe`: the rules and results in words, and the checks.
* :mod:`helpers.assess.nof`: reproducing NHS England's published segments with this engine.
* :mod:`helpers.assess.nof_framework`: NHS England's Oversight Framework recomputed from its
  metric values with the rules of the NOF catalogue (``config/nof/``), and the reproduction
  tables beside NHS England's published scores and segments.
* :mod:`helpers.assess.nof_uncertainty`: NHS England's NOF likely ranges of average score and
  rank reproduced (``nhse_metric_bootstrap``), ours beside them (quarter-to-quarter variation)
  and what changes between the two.
"""

from helpers.assess.accountability import add_accountability
from helpers.assess.changes import gap_summary, segment_changes
from helpers.assess.describe import (
    check_assessment,
    metric_names,
    rules_text,
    scoring_rules_table,
    summary_text,
)
from helpers.assess.engine import assessment_tables, score_values, scored_metrics
from helpers.assess.sensitivity import alternative_segments, rule_stability, sensitivity
from helpers.assess.spc_concern import spc_concerns
from helpers.assess.tables import finish_assessment, finish_metric_scores, league_table

__all__ = [
    "add_accountability",
    "alternative_segments",
    "rule_stability",
    "sensitivity",
    "assessment_tables",
    "check_assessment",
    "finish_assessment",
    "finish_metric_scores",
    "gap_summary",
    "league_table",
    "metric_names",
    "rules_text",
    "score_values",
    "scored_metrics",
    "scoring_rules_table",
    "segment_changes",
    "spc_concerns",
    "summary_text",
]
