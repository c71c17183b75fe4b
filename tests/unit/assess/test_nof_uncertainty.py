"""NHS England's likely ranges of the NOF 2025/26 Q4 mental health and community league table,
reproduced by ``nhse_metric_bootstrap`` and compared with the PUBLISHED table (read from
``data/raw``), and our quarter-to-quarter method beside it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from helpers.assess.nof_uncertainty import (
    OUTPUT_COLUMNS,
    average_score_inputs,
    compare_methods,
    likely_ranges,
    midpoint_cutoffs,
    nhse_metric_bootstrap,
    quarter_variation_ranges,
    range_paragraphs,
    ranges_reproduction,
    round_half_up,
)
from helpers.ingest.readers.nhse_nof import read_nof_league_table, read_nof_metric_file
from helpers.settings.models import NofUncertainty

METRICS = "data/raw/nof_2025_26_mh_community_trust_data_q1_q4.csv"
LEAGUE = "data/raw/nof_2025_26_q4_mh_community_league_table.csv"
DRAWS, SEED = 20_000, 20260331


@pytest.fixture(scope="module")
def published(root):
    metrics = read_nof_metric_file(root / METRICS)
    league = read_nof_league_table(root / LEAGUE).set_index("org_code").sort_index()
    q4 = metrics[metrics["quarter_number"] == 4].pivot(
        index="org_code", columns="metric_id", values="value"
    )
    # cut-offs between the published unadjusted segments (OF5003) of Q4
    cutoffs = midpoint_cutoffs(q4["OF5002"], q4["OF5003"])
    return metrics, league, cutoffs


@pytest.fixture(scope="module")
def reproduced(published):
    metrics, league, cutoffs = published
    scores = average_score_inputs(metrics, quarter=4)[["org_code", "metric_id", "score"]]
    return nhse_metric_bootstrap(scores, league["in_deficit"], cutoffs, draws=DRAWS, seed=SEED)


def test_average_is_nhse_average_score(published, reproduced):
    _, league, _ = published
    assert list(reproduced.columns) == OUTPUT_COLUMNS
    assert reproduced.index.equals(league.index)
    # mean of the published (2-decimal) scores: within rounding of NHS England's average
    assert (reproduced["average_score"] - league["average_score"]).abs().max() < 0.0075


def test_observed_segment_and_rank_are_the_published_ones(published, reproduced):
    _, league, _ = published
    assert (reproduced["segment"] == league["segment"]).all()
    assert (reproduced["rank"] == league["rank"]).mean() >= 0.95


def test_average_score_range_reproduced(published, reproduced):
    _, league, _ = published
    err = pd.concat(
        [
            round_half_up(reproduced["average_lower"])
            - league["likely_range_of_average_score_lower"],
            round_half_up(reproduced["average_upper"])
            - league["likely_range_of_average_score_upper"],
        ]
    ).abs()
    assert err.mean() <= 0.015
    assert err.max() <= 0.05
    summary = ranges_reproduction(reproduced, league)
    assert summary["average_bound_mae"] == pytest.approx(err.mean())
    assert summary["average_bound_max_error"] == pytest.approx(err.max())


def test_rank_range_reproduced(published, reproduced):
    _, league, _ = published
    err = np.maximum(
        (reproduced["rank_lower"] - league["likely_range_of_rank_lower"]).abs(),
        (reproduced["rank_upper"] - league["likely_range_of_rank_upper"]).abs(),
    )
    assert (err <= 2).mean() >= 0.95
    assert ranges_reproduction(reproduced, league)["rank_bounds_within_2"] == (err <= 2).mean()


def test_deterministic_for_a_seed_and_any_row_order(published, reproduced):
    metrics, league, cutoffs = published
    scores = average_score_inputs(metrics, quarter=4)[["org_code", "metric_id", "score"]]
    shuffled = scores.sample(frac=1, random_state=1)
    again = nhse_metric_bootstrap(shuffled, league["in_deficit"], cutoffs, draws=DRAWS, seed=SEED)
    pd.testing.assert_frame_equal(again, reproduced, check_exact=True)
    assert again.to_csv().encode() == reproduced.to_csv().encode()
    other = nhse_metric_bootstrap(scores, league["in_deficit"], cutoffs, draws=DRAWS, seed=1)
    assert not other.equals(reproduced)


def _synthetic(deficit=False):
    scores = pd.DataFrame(
        {
            "org_code": ["AAA"] * 4 + ["BBB"] * 4 + ["CCC"] * 3,
            "metric_id": ["OF1001", "OF1002", "OF1003", "OF1004"] * 2
            + ["OF1001", "OF1002", "OF1003"],
            "score": [1.8] * 4 + [1.0, 1.0, 1.5, 4.0] + [1.0, 1.2, 1.1],
        }
    )
    in_deficit = pd.Series({"AAA": False, "BBB": False, "CCC": deficit})
    return scores, in_deficit


def test_identical_scores_give_a_zero_width_average_range():
    scores, in_deficit = _synthetic()
    r = nhse_metric_bootstrap(scores, in_deficit, [1.5, 2.0, 3.0], draws=500, seed=3)
    assert r.loc["AAA", "average_lower"] == r.loc["AAA", "average_upper"] == 1.8
    assert r.loc["BBB", "average_lower"] < r.loc["BBB", "average_upper"]


def test_a_trust_in_deficit_is_never_above_segment_3():
    scores, in_deficit = _synthetic(deficit=True)
    for fn in (nhse_metric_bootstrap, quarter_variation_ranges):
        data = scores.assign(quarter_number=4) if fn is quarter_variation_ranges else scores
        extra = {"quarter": 4} if fn is quarter_variation_ranges else {}
        r = fn(data, in_deficit, [1.5, 2.0, 3.0], draws=500, seed=3, **extra)
        # CCC has the best average (1.1) but is capped at segment 3, always below AAA (1.8,
        # segment 2 in every draw)
        assert r.loc["CCC", "segment"] == 3
        assert r.loc["CCC", "segment_lower"] == 3
        assert r.loc["CCC", "rank"] == 3 and r.loc["CCC", "rank_lower"] >= 2


def test_bad_input_is_a_clear_error():
    scores, in_deficit = _synthetic()
    with pytest.raises(ValueError, match="CCC"):
        nhse_metric_bootstrap(scores, in_deficit.drop("CCC"), [1.5, 2, 3], draws=500, seed=1)
    with pytest.raises(ValueError, match="increasing"):
        nhse_metric_bootstrap(scores, in_deficit, [2, 1.5, 3], draws=500, seed=1)
    bad = scores.copy()
    bad.loc[5, "score"] = 7
    with pytest.raises(ValueError, match="BBB.*OF1002"):
        nhse_metric_bootstrap(bad, in_deficit, [1.5, 2, 3], draws=500, seed=1)


def test_quarter_variation_steady_scores_do_not_move():
    scores, in_deficit = _synthetic()
    both = pd.concat([scores.assign(quarter_number=q) for q in (1, 2, 3, 4)])
    r = quarter_variation_ranges(both, in_deficit, [1.5, 2.0, 3.0], quarter=4, draws=500, seed=2)
    # the same scores every quarter: no movement, so every range is its point
    assert (r["average_lower"] == r["average_score"]).all()
    assert (r["average_upper"] == r["average_score"]).all()
    assert (r["rank_lower"] == r["rank"]).all() and (r["rank_upper"] == r["rank"]).all()


def test_quarter_variation_and_comparison_on_the_published_data(published, reproduced):
    metrics, league, cutoffs = published
    ours = likely_ranges(
        NofUncertainty(method="quarter_variation", draws=DRAWS, seed=SEED),
        average_score_inputs(metrics),
        league["in_deficit"],
        cutoffs,
        quarter=4,
    )
    assert ours.index.equals(reproduced.index)
    pd.testing.assert_series_equal(ours["average_score"], reproduced["average_score"])
    assert (ours["average_lower"] <= ours["average_score"] + 1e-12).all()
    assert (ours["rank_lower"] <= ours["rank"]).all() and (ours["rank"] <= ours["rank_upper"]).all()
    shuffled = average_score_inputs(metrics).sample(frac=1, random_state=2)
    again = quarter_variation_ranges(
        shuffled, league["in_deficit"], cutoffs, quarter=4, draws=DRAWS, seed=SEED
    )
    assert again.to_csv().encode() == ours.to_csv().encode()
    table = compare_methods(reproduced, ours)
    assert table.loc["trusts", "quarter_variation"] == len(league)
    # the same quarter's scores and rules: the methods change ranges, never the observed segment
    assert table.loc["observed segment differs", "changed"] == 0
    for call in ("confidently top quartile", "confidently bottom quartile"):
        assert table.loc[call, "changed"] >= abs(
            table.loc[call, "nhse_metric_bootstrap"] - table.loc[call, "quarter_variation"]
        )


def test_settings_are_strict_and_choose_the_method(published, reproduced):
    metrics, league, cutoffs = published
    with pytest.raises(ValidationError):
        NofUncertainty(method="bootstrap")
    with pytest.raises(ValidationError):
        NofUncertainty(draw=100)
    with pytest.raises(ValidationError):
        NofUncertainty(level=1.0)
    via = likely_ranges(
        NofUncertainty(draws=DRAWS, seed=SEED),
        average_score_inputs(metrics),
        league["in_deficit"],
        cutoffs,
        quarter=4,
    )
    pd.testing.assert_frame_equal(via, reproduced)
    text = " ".join(range_paragraphs(NofUncertainty(draws=DRAWS)))
    assert "20,000" in text and "97.5%" in text and "metric to another" in text


def test_exact_average_bounds_agree_with_the_draws(published, reproduced):
    metrics, league, cutoffs = published
    scores = average_score_inputs(metrics, quarter=4)[["org_code", "metric_id", "score"]]
    drawn = nhse_metric_bootstrap(
        scores, league["in_deficit"], cutoffs, draws=DRAWS, seed=SEED, exact_average=False
    )
    # the ranks come from the same draws either way; the average bounds differ by Monte Carlo
    # noise only (larger where a trust's few scores leave gaps in the distribution of means)
    pd.testing.assert_series_equal(drawn["rank_lower"], reproduced["rank_lower"])
    diff = pd.concat(
        [
            drawn["average_lower"] - reproduced["average_lower"],
            drawn["average_upper"] - reproduced["average_upper"],
        ]
    ).abs()
    assert diff.median() < 0.01 and diff.max() < 0.15
