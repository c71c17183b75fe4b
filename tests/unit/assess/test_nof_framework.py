"""NHS England's Oversight Framework 2025/26 (mental health and community trusts) recomputed from
its metric values with the catalogue's rules, checked against NHS England's own published file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.assess import nof_framework as nf
from helpers.assess.segments import league_ranks
from helpers.ingest.readers.nhse_nof import read_nof_league_table, read_nof_metric_file
from helpers.settings import load_nof_framework
from helpers.settings.nof import NofFramework

DATA = "data/raw/nof_2025_26_mh_community_trust_data_q1_q4.csv"
LEAGUE = "data/raw/nof_2025_26_q4_mh_community_league_table.csv"
CATALOGUE = "config/nof/mh-community-2025-26.yml"


@pytest.fixture(scope="module")
def metrics_long(root):
    return read_nof_metric_file(root / DATA)


@pytest.fixture(scope="module")
def framework(root):
    return load_nof_framework(root / CATALOGUE)


@pytest.fixture(scope="module")
def from_values(metrics_long, framework):
    return nf.score_framework(metrics_long, framework)


@pytest.fixture(scope="module")
def from_scores(metrics_long, framework):
    return nf.score_framework(metrics_long, framework, from_published_scores=True)


@pytest.fixture(scope="module")
def repro(metrics_long, framework, from_values, from_scores):
    return pd.concat(
        [
            nf.reproduction_metrics(metrics_long, from_values, framework),
            nf.reproduction_metrics(metrics_long, from_scores, framework),
        ],
        ignore_index=True,
    )


def test_every_difference_has_a_reason(repro):
    missed = repro[~repro["within"]]
    assert len(missed) > 0
    assert (missed["reason"].str.len() > 0).all()
    assert (repro.loc[repro["within"], "reason"] == "").all()


def test_exact_rules_reproduce_every_published_score(repro, framework):
    """The rules the file alone determines (rank within the file, finance bands, combined
    finance, given scores) reproduce every published score of the four quarters within 0.01."""
    v = repro[(repro["stage"] == "values") & (repro["level"] == "metric")]
    assert set(v["quarter"]) == {f"Q{q} 2025/26" for q in (1, 2, 3, 4)}
    for m in framework.metrics:
        rows = v[v["metric_id"] == m.score_id]
        assert len(rows) > 0, m.score_id
        if m.rule != "rank" or m.cohort == "file":
            assert rows["within"].all(), (m.score_id, rows.loc[~rows["within"]].head())


def test_wider_cohort_differences_are_explained(repro, framework):
    """Where NHS England ranks among organisations outside this file, every difference says
    so (and how many organisations its score steps imply where they can be counted)."""
    wider = {m.score_id for m in framework.metrics if m.cohort == "wider"}
    v = repro[(repro["stage"] == "values") & (repro["level"] == "metric") & ~repro["within"]]
    assert set(v["metric_id"]) <= wider
    assert v["reason"].str.startswith("wider cohort").all()
    # OF1016 Q3: steps of 1/16, so NHS England ranks 49 organisations, one more than the 48 here
    q3 = v[(v["metric_id"] == "OF1016") & (v["quarter"] == "Q3 2025/26")]
    assert q3["reason"].str.contains("ranks 49 organisations, 1 more than the 48").all()


def test_aggregation_from_published_metric_scores(repro):
    """From NHS England's metric scores: every domain score and average within 0.01; every
    override and adjusted segment equal; every domain and unadjusted segment equal except where
    the two scores differ only by the rounding of the published metric scores at a cut-off."""
    s = repro[repro["stage"] == "published_scores"]
    for level in ("domain_score", "average", "override", "adjusted_segment"):
        rows = s[s["level"] == level]
        assert len(rows) > 0 and rows["within"].all(), level
    assert len(s[s["level"] == "average"]) == 244
    for level in ("domain_segment", "unadjusted_segment"):
        off = s[(s["level"] == level) & ~s["within"]]
        assert off["reason"].str.contains("differ only by rounding").all(), off
        assert len(off) <= 1


def test_adjusted_segment_caps_the_deficit_trusts(from_scores, metrics_long):
    t = from_scores.trusts
    assert (t.loc[t["in_deficit"], "adjusted_segment"] >= 3).all()
    same = t.loc[~t["in_deficit"]]
    assert (same["adjusted_segment"] == same["unadjusted_segment"]).all()
    published = metrics_long[metrics_long["metric_id"] == "OF5004"].set_index(nf.KEY)["value"]
    assert (t.set_index(nf.KEY)["override"] == published.reindex(t.set_index(nf.KEY).index)).all()


def test_league_order_matches_the_q4_league_table(from_scores, root):
    """NHS England's league order (adjusted segment, then the 2-decimal average score, ties
    sharing the best rank) gives the Q4 league table's Rank for all 61 trusts; ours follows it
    wherever our average equals the published one."""
    league = read_nof_league_table(root / LEAGUE)
    nhse = league_ranks(league["segment"].to_numpy(float), league["average_score"].to_numpy())[0]
    assert (nhse == league["rank"].to_numpy()).all()
    q4 = from_scores.trusts[from_scores.trusts["quarter_number"] == 4]
    m = q4.merge(league, on="org_code", suffixes=("", "_nhse"))
    assert len(m) == 61
    assert (m["adjusted_segment"] == m["segment"]).all()
    same = (m["average_score"] - m["average_score_nhse"]).abs() < 1e-9
    ours = league_ranks(m["adjusted_segment"].to_numpy(float), m["average_score_nhse"].to_numpy())
    assert (ours[0] == m["rank_nhse"].to_numpy()).all()
    assert same.sum() >= 40  # the others differ by 0.01 (rounding of published metric scores)


def test_catalogue_cutoffs_separate_the_published_segments(metrics_long, framework):
    """Each quarter's cut-offs lie strictly between the published scores of neighbouring
    segments (of the average and of every domain): they were read off the published file."""
    wide = metrics_long.pivot(index=nf.KEY, columns="metric_id", values="value")
    for q in (1, 2, 3, 4):
        g = wide.loc[f"Q{q} 2025/26"]
        cuts = nf.segment_cutoffs(framework, q)
        assert cuts is not None and len(cuts) == 3
        pairs = [("OF5002", "OF5003", cuts)]
        seg = framework.quarter(q)
        pairs += [
            (d.score_id, d.segment_id, seg.domain_cutoffs[d.score_id]) for d in framework.domains
        ]
        for score_id, seg_id, cc in pairs:
            for (hi, lo, _), c in zip(nf.infer_cutoffs(g[score_id], g[seg_id]), cc, strict=True):
                assert hi < c < lo, (q, score_id, hi, c, lo)


def test_write_reproduction_is_byte_identical(tmp_path, metrics_long, framework):
    first = nf.write_reproduction(tmp_path / "a", metrics_long, framework)
    second = nf.write_reproduction(tmp_path / "b", metrics_long, framework)
    names = sorted(p.name for p in first)
    assert names == sorted(p.name for p in second)
    assert "nof_reproduction_metrics.csv" in names and "nof_reproduction_summary.csv" in names
    for a, b in zip(sorted(first), sorted(second), strict=True):
        assert a.read_bytes() == b.read_bytes()
    summary = pd.read_csv(tmp_path / "a" / "nof_reproduction_summary.csv")
    row = summary[
        (summary["stage"] == "published_scores")
        & (summary["level"] == "average")
        & (summary["quarter"] == "all quarters")
    ].iloc[0]
    assert row["n"] == 244 and row["share_within"] == 1.0


# --- small synthetic cases: one rule each ------------------------------------------------


def _fw(metrics: list[dict], cutoffs=(2.0, 2.5, 3.0), rule="thresholds") -> NofFramework:
    return NofFramework.model_validate(
        {
            "name": "test",
            "trust_type": "test",
            "financial_year": "2025/26",
            "metrics": metrics,
            "domains": [{"name": "D", "score_id": "OF4000", "segment_id": "OF4100"}],
            "summary": {
                "average": "OF5002",
                "unadjusted_segment": "OF5003",
                "adjusted_segment": "OF5000",
            },
            "average_note": "mean",
            "segmentation": [
                {
                    "quarter": 1,
                    "rule": rule,
                    "cutoffs": list(cutoffs) if rule == "thresholds" else None,
                    "note": "n",
                }
            ],
            "override": {"flag_id": "OF5004", "source": "given", "cap": 3, "note": "n"},
            "league_order_note": "n",
        }
    )


def _long(rows: list[tuple]) -> pd.DataFrame:
    """rows: (org, metric_id, value, rank)."""
    d = pd.DataFrame(rows, columns=["org_code", "metric_id", "value", "rank"])
    d["quarter"], d["quarter_number"] = "Q1 2025/26", 1
    d["org_name"] = "Trust " + d["org_code"]
    d["trust_subtype"], d["region"] = "Community", "London"
    return d


RANK = {
    "score_id": "OF1001",
    "value_id": "OF0001",
    "description": "x",
    "domain": "D",
    "sub_domain": "D",
    "polarity": "higher_is_better",
    "rule": "rank",
    "note": "n",
}


def _scores(result) -> dict[tuple[str, str], float]:
    ms = result.metric_scores
    return {(r.org_code, r.score_id): r.score for r in ms.itertuples()}


def test_rank_rule_uses_published_rank_and_counts_only_trusts_with_a_value():
    # the tied values share the best rank; trust D has no value and is neither scored nor counted
    d = _long(
        [("A", "OF0001", 9, 1), ("B", "OF0001", 5, 2), ("C", "OF0001", 5, 2), ("E", "OF0001", 1, 4)]
        + [("D", "OF5004", 0, np.nan)]
        + [(o, "OF5004", 0, np.nan) for o in "ABCE"]
    )
    r = nf.score_framework(d, _fw([RANK]))
    s = _scores(r)
    assert s[("A", "OF1001")] == 1.0 and s[("E", "OF1001")] == 4.0
    assert s[("B", "OF1001")] == s[("C", "OF1001")] == 2.0  # 1 + 3·(2 − 1)/(4 − 1)
    assert ("D", "OF1001") not in s
    t = r.trusts.set_index("org_code")
    assert np.isnan(t.loc["D", "average_score"]) and t.loc["D", "n_scored"] == 0


def test_rank_rule_by_value_with_average_ties_and_a_standard():
    spec = {
        **RANK,
        "order": "value",
        "ties": "average",
        "standard": {"value": 4, "direction": "at_least", "score_if_missed": 4},
    }
    d = _long(
        [
            ("A", "OF0001", 9, np.nan),
            ("B", "OF0001", 5, np.nan),
            ("C", "OF0001", 5, np.nan),
            ("E", "OF0001", 3.5, np.nan),
        ]
    )
    s = _scores(nf.score_framework(d, _fw([spec])))
    assert s[("B", "OF1001")] == s[("C", "OF1001")] == 2.5  # ranks 2 and 3 average to 2.5
    assert s[("E", "OF1001")] == 4.0  # below the standard (also last)


def test_bands_combined_and_given_rules_and_the_average():
    plan = {
        "score_id": "OF1079",
        "value_id": "OF0079",
        "description": "p",
        "domain": "D",
        "sub_domain": "F",
        "polarity": "higher_is_better",
        "rule": "bands",
        "in_average": False,
        "bands": [
            {"below": -2, "score": 4},
            {"below": -1, "score": 3},
            {"below": 0, "score": 2},
            {"score": 1},
        ],
        "note": "n",
    }
    var = {
        **plan,
        "score_id": "OF1081",
        "value_id": "OF0081",
        "bands": [
            {"below": -1, "score": 4},
            {"below": -0.5, "score": 3},
            {"below": 0, "score": 2},
            {"score": 1},
        ],
    }
    comb = {
        "score_id": "OF1080",
        "description": "c",
        "domain": "D",
        "sub_domain": "F",
        "rule": "combined",
        "inputs": ["OF1079", "OF1081"],
        "note": "n",
        "matrix": [[1, 1, 2, 3], [2, 3, 4, 4], [2, 3, 4, 4], [2, 3, 4, 4]],
    }
    given = {
        "score_id": "OF1035",
        "description": "g",
        "domain": "D",
        "sub_domain": "E",
        "rule": "given",
        "note": "n",
    }
    d = _long(
        [
            ("A", "OF0079", 0.0, 1),
            ("A", "OF0081", -0.7, 2),
            ("A", "OF1035", 3.0, np.nan),
            ("B", "OF0079", -1.5, 2),
            ("B", "OF0081", 0.2, 1),
            ("B", "OF5004", 1, np.nan),
            ("A", "OF5004", 0, np.nan),
        ]
    )
    r = nf.score_framework(d, _fw([plan, var, comb, given]))
    s = _scores(r)
    assert s[("A", "OF1079")] == 1 and s[("A", "OF1081")] == 3 and s[("A", "OF1080")] == 2
    assert s[("B", "OF1079")] == 3 and s[("B", "OF1081")] == 1 and s[("B", "OF1080")] == 2
    assert s[("A", "OF1035")] == 3.0 and ("B", "OF1035") not in s
    t = r.trusts.set_index("org_code")
    assert t.loc["A", "average_score"] == 2.5  # (2 + 3) / 2: OF1079 and OF1081 only via OF1080
    assert t.loc["A", "unadjusted_segment"] == 2 and t.loc["B", "unadjusted_segment"] == 1
    assert t.loc["B", "adjusted_segment"] == 3 and t.loc["B", "override"] == 1  # capped
    assert t.loc["A", "rank"] == 1 and t.loc["B", "rank"] == 2


def test_quartile_segmentation_and_no_cutoffs():
    d = _long(
        [(o, "OF0001", v, r) for o, v, r in zip("ABCD", [4, 3, 2, 1], [1, 2, 3, 4], strict=True)]
    )
    fw = _fw([RANK], rule="quartiles")
    t = nf.score_framework(d, fw).trusts.set_index("org_code")
    assert t["unadjusted_segment"].tolist() == [1, 2, 3, 4]
    assert nf.segment_cutoffs(fw, 1) is None and nf.segment_cutoffs(fw, 2) is None
