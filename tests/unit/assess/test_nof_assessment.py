"""A framework assessment's league order and segment movement, checked against NHS England's
published league table."""

from __future__ import annotations

import pandas as pd

from helpers.assess.nof_assessment import (
    league_rank,
    published_domains,
    published_trusts,
    segment_movement,
)
from helpers.ingest.readers.nhse_nof import read_nof_league_table, read_nof_metric_file

VALUES = "data/raw/nof_2025_26_mh_community_trust_data_q1_q4.csv"
LEAGUE = "data/raw/nof_2025_26_q4_mh_community_league_table.csv"


def test_league_order_reproduces_nhs_englands_q4_ranks(root) -> None:
    """By adjusted segment, then average score to 2 decimals, ties sharing the best rank: all
    61 of NHS England's published Q4 ranks."""
    values = read_nof_metric_file(root / VALUES)
    league = read_nof_league_table(root / LEAGUE).set_index("org_code")
    q4 = published_trusts(values).query("quarter == 'Q4 2025/26'").set_index("org_code")
    ours = league_rank(q4.nhse_segment, q4.nhse_average_score)
    assert ours.reindex(league.index).tolist() == league["rank"].astype(int).tolist()
    assert (q4.nhse_segment.reindex(league.index) == league.segment).all()


def test_ties_share_the_best_rank_and_segment_comes_first() -> None:
    seg = pd.Series([2, 1, 1, 1, 3])
    avg = pd.Series([1.50, 2.004, 1.996, 2.10, 1.20])  # 2.004 and 1.996 are both 2.00 published
    assert league_rank(seg, avg).tolist() == [4, 1, 1, 3, 5]


def test_published_domains_pair_scores_with_segments(root) -> None:
    d = published_domains(read_nof_metric_file(root / VALUES))
    assert d.domain.nunique() == 5
    assert d.nhse_segment.dropna().isin([1, 2, 3, 4]).all()
    assert d.nhse_score.dropna().between(1, 4).all()


def _trust(code: str, segs: list[int], lower: list[float], upper: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarter": [f"Q{i} 2025/26" for i in range(1, len(segs) + 1)],
            "quarter_number": range(1, len(segs) + 1),
            "org_code": code,
            "org_name": f"Trust {code}",
            "segment": segs,
            "average_lower": lower,
            "average_upper": upper,
        }
    )


def test_movement_says_whether_a_change_is_more_than_the_ranges_allow() -> None:
    t = pd.concat(
        [
            _trust("A", [2, 2, 3, 3], [1.8, 1.8, 2.3, 2.3], [2.2, 2.2, 2.7, 2.7]),  # apart
            _trust("B", [2, 3, 3, 3], [1.9, 2.0, 2.0, 2.1], [2.4, 2.5, 2.5, 2.5]),  # overlap
            _trust("C", [1, 1, 1, 1], [1.2, 1.2, 1.2, 1.2], [1.8, 1.8, 1.8, 1.8]),
            _trust("D", [2, 3, 3, 2], [1.9, 2.0, 2.0, 1.9], [2.4, 2.5, 2.5, 2.4]),
        ]
    )
    m = segment_movement(t).set_index("org_code")
    assert m.loc["A", "change"] == 1 and bool(m.loc["A", "ranges_apart"])
    assert "do not overlap" in m.loc["A", "text"]
    assert "from 2 to 3 over the year (worse)" in m.loc["A", "text"]
    assert not m.loc["B", "ranges_apart"] and "may be no more than" in m.loc["B", "text"]
    assert m.loc["C", "text"] == "Segment 1 in every quarter."
    assert "back where it started" in m.loc["D", "text"]
    assert m.loc["D", "segment_q2"] == 3
