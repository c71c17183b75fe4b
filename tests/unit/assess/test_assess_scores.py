"""Metric scores 1.00-4.00 and segments, by the rules the settings and methodology state."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from spec_support import metric_spec as spec

from helpers.assess import scores, segments
from helpers.settings import AssessmentRules


def test_rank_based_scores_run_from_1_for_the_best_to_4_for_the_worst() -> None:
    got = scores.continuous_scores(np.array([10.0, 20, 30, 40]), "higher_is_better")
    assert got[0].tolist() == [4.0, 3.0, 2.0, 1.0]
    got = scores.continuous_scores(np.array([10.0, 20, 30, 40]), "lower_is_better")
    assert got[0].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_tied_values_share_their_average_rank_or_the_best_one() -> None:
    v = np.array([10.0, 20, 20, 40])
    assert scores.continuous_scores(v, "higher_is_better")[0].tolist() == [4.0, 2.5, 2.5, 1.0]
    got = scores.continuous_scores(v, "higher_is_better", ties="min")[0]
    assert got.tolist() == [4.0, 2.0, 2.0, 1.0]


def test_value_based_scores_scale_between_the_best_and_worst_value() -> None:
    got = scores.continuous_scores(np.array([10.0, 20, 40]), "higher_is_better", rule="value")
    np.testing.assert_allclose(got[0], [4.0, 3.0, 1.0])


def test_missing_values_are_not_scored_and_a_lone_or_equal_cohort_scores_the_middle() -> None:
    got = scores.continuous_scores(np.array([np.nan, 20, 30]), "higher_is_better")[0]
    assert np.isnan(got[0]) and got[1:].tolist() == [4.0, 1.0]
    assert scores.continuous_scores(np.array([5.0]), "higher_is_better")[0].tolist() == [2.5]
    flat = scores.continuous_scores(np.array([5.0, 5.0]), "higher_is_better", rule="value")
    assert flat[0].tolist() == [2.5, 2.5]


def test_every_draw_is_scored_on_its_own() -> None:
    draws = np.array([[1.0, 2, 3], [3.0, 2, 1]])
    got = scores.continuous_scores(draws, "higher_is_better")
    assert got.tolist() == [[4.0, 2.5, 1.0], [1.0, 2.5, 4.0]]


def test_discrete_bands_take_the_first_band_whose_bound_the_value_is_under() -> None:
    s = spec(
        "f",
        scoring={
            "mode": "discrete",
            "bands": [{"below": -1, "score": 4}, {"below": 0, "score": 2}, {"score": 1}],
        },
    )
    got = scores.discrete_scores(np.array([-3.0, -1.0, -0.2, 0.0, 5.0, np.nan]), s)
    assert got[:5].tolist() == [4.0, 2.0, 2.0, 1.0, 1.0] and np.isnan(got[5])
    assert "below -1" in scores.scoring_rule_text(s)


def test_target_scoring_uses_the_national_standard() -> None:
    s = spec(
        "c",
        scoring={"mode": "target", "met": 1.0, "not_met": 3.5},
        standard={"value": 75, "direction": "at_least", "label": "75%"},
    )
    got = scores.metric_scores(np.array([74.9, 75.0, 90.0]), s, "2024/25")
    assert got.tolist() == [[3.5, 1.0, 1.0]]  # one draw of three organisations, as every mode
    assert "75" in scores.scoring_rule_text(s)


def test_catalogue_rejects_scoring_that_cannot_work() -> None:
    with pytest.raises(ValidationError, match="target scoring needs a 'standard'"):
        spec("c", scoring={"mode": "target"})
    with pytest.raises(ValidationError, match="last band has no 'below'"):
        spec("c", scoring={"mode": "discrete", "bands": [{"below": 1, "score": 2}]})
    with pytest.raises(ValidationError, match="needs a polarity"):
        spec("c", polarity="no_judgement", scoring={"mode": "continuous"})
    assert spec("c", polarity="no_judgement").score_mode == "none"


def test_quartiles_of_134_trusts_are_34_33_34_33_and_ties_share_the_better_segment() -> None:
    avg = np.linspace(1.2, 3.4, 134)
    seg = segments.quartile_segments(avg)[0]
    assert [int((seg == s).sum()) for s in (1, 2, 3, 4)] == [34, 33, 34, 33]
    tied = segments.quartile_segments(np.array([1.0, 2.0, 2.0, 3.0, np.nan]))[0]
    assert tied[:4].tolist() == [1.0, 2.0, 2.0, 4.0] and np.isnan(tied[4])


def test_thresholds_are_inclusive_upper_bounds() -> None:
    seg = segments.threshold_segments(np.array([1.5, 2.0, 2.01, 2.5, 3.2]), [2.0, 2.5, 3.0])
    assert seg[0].tolist() == [1.0, 1.0, 2.0, 2.0, 4.0]
    with pytest.raises(ValidationError, match="three increasing"):
        AssessmentRules(segmentation="thresholds", thresholds=[2.5, 2.0, 3.0])
    with pytest.raises(ValidationError, match="only used with segmentation: thresholds"):
        AssessmentRules(thresholds=[2.0, 2.5, 3.0])


def test_the_financial_override_caps_at_segment_3_and_never_improves_a_segment() -> None:
    seg = np.array([[1.0, 2.0, 3.0, 4.0, 1.0]])
    deficit = np.array([True, True, True, True, False])
    assert segments.financial_override(seg, deficit)[0].tolist() == [3.0, 3.0, 3.0, 4.0, 1.0]


def test_the_league_is_ordered_by_segment_then_average_score() -> None:
    seg = np.array([3.0, 1.0, 1.0, 2.0])
    avg = np.array([1.5, 2.0, 1.8, 2.6])
    assert segments.league_ranks(seg, avg)[0].tolist() == [4.0, 2.0, 1.0, 3.0]
