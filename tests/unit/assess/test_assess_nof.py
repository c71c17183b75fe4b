"""Our segmentation engine against NHS England's published NOF 2025/26 Q3 segments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.assess import nof
from helpers.assess.segments import quartile_segments

EXTRACT = "data/raw/nof_2025_26_q3_trust_segmentation_extract.csv"


@pytest.fixture(scope="module")
def extract(root):
    return nof.read_nof_extract(root / EXTRACT)


@pytest.fixture(scope="module")
def reproduced(extract):
    return nof.reproduce_nof(extract)


def _row(agreement: pd.DataFrame, reading: str, trust_type: str) -> pd.Series:
    sub = agreement[(agreement.reading == reading) & (agreement.trust_type == trust_type)]
    assert len(sub) == 1, (reading, trust_type)
    return sub.iloc[0]


def test_the_extract_is_read_whole(extract):
    assert len(extract) == 150
    assert extract.trust_type.value_counts().to_dict() == {
        nof.ACUTE: 129,
        nof.MENTAL_HEALTH: 20,
        nof.AMBULANCE: 1,
    }


def test_the_extract_is_the_shared_file_byte_for_byte(root):
    shared = root.parent / "shared" / "data" / "nof_2025_26_q3_trust_segmentation_extract.csv"
    if not shared.exists():
        pytest.skip("the shared data folder is not next to the project")
    assert (root / EXTRACT).read_bytes() == shared.read_bytes()


def test_one_row_per_trust_with_the_published_segment(extract, reproduced):
    rep, _, _ = reproduced
    assert sorted(rep.org_code) == sorted(extract.org_code)
    pub = extract.set_index("org_code").league_segment
    assert (rep.set_index("org_code").nhse_segment == pub.reindex(rep.org_code)).all()
    assert rep.in_deficit[rep.trust_type == nof.ACUTE].notna().all()
    assert rep.in_deficit[rep.trust_type != nof.ACUTE].isna().all()


def test_fixed_cutoffs_reproduce_at_least_95_percent(reproduced):
    rep, agreement, _ = reproduced
    total = _row(agreement, nof.READING_CUTOFFS, "All trusts")
    assert total.trusts == total.compared == len(rep) == 150
    assert total.agree == int(rep.agrees.sum())
    assert total.agree / total.trusts >= 0.95
    assert total.agreement_pct == pytest.approx(100 * total.agree / total.trusts, abs=0.05)
    per_type = agreement[
        (agreement.reading == nof.READING_CUTOFFS) & (agreement.trust_type != "All trusts")
    ]
    assert per_type.trusts.sum() == 150 and per_type.agree.sum() == total.agree


def test_every_disagreement_has_a_reason_and_every_agreement_none(reproduced):
    rep, _, _ = reproduced
    assert (rep.reason[~rep.agrees].str.len() > 0).all()
    assert (rep.reason[rep.agrees] == "").all()
    done = rep.agrees_quartiles.notna()
    wrong = done & ~rep.agrees_quartiles.fillna(True).astype(bool)
    assert (rep.reason_quartiles[wrong].str.len() > 0).all()
    assert (rep.reason_quartiles[done & ~wrong] == "").all()
    assert rep.reason_quartiles[~done].str.startswith("not reproducible").all()


def test_a_non_acute_trust_capped_without_a_flag_is_explained(reproduced):
    rep, _, _ = reproduced
    rat = rep.set_index("org_code").loc["RAT"]
    assert (rat.nhse_segment, rat.our_segment, bool(rat.agrees)) == (3, 1, False)
    assert "financial override" in rat.reason and "no deficit flag" in rat.reason


def test_the_acute_quartile_reading_is_computed_with_the_missing_trusts_placed(reproduced):
    rep, agreement, _ = reproduced
    acute = rep[rep.trust_type == nof.ACUTE].set_index("org_code")
    assert acute.our_segment_quartiles.notna().all()
    row = _row(agreement, nof.READING_QUARTILES, nof.ACUTE)
    assert row.compared == 129
    assert row.agree == int(acute.agrees_quartiles.sum())
    assert "rank 1" in row.note and "rank 2" in row.note
    # ranks 1 and 2 are missing and better than everyone: the Christie (rank 3) is position 3
    assert acute.loc["RBV", "position_in_type"] == 3
    # positions are min-ranks by score among all 134: the two trusts at 1.66 (league rank 8)
    # share position 9, behind RHW (1.50, capped at segment 3) and the missing rank-7 trust
    assert acute.loc["RTF", "position_in_type"] == acute.loc["RYJ", "position_in_type"] == 9
    assert acute.position_in_type.max() == 134
    # the quartile segment follows from the position, and the deficit cap
    expected = np.floor(4 * (acute.position_in_type.astype(float) - 1) / 134) + 1
    capped = acute.in_deficit.astype(bool) & (expected < 3)
    expected = expected.where(~capped, 3)
    assert (acute.our_segment_quartiles.astype(float) == expected).all()


def test_partial_cohorts_are_not_given_quartiles(reproduced):
    rep, agreement, _ = reproduced
    others = rep[rep.trust_type != nof.ACUTE]
    assert others.our_segment_quartiles.isna().all()
    for t, held in ((nof.MENTAL_HEALTH, 20), (nof.AMBULANCE, 1)):
        row = _row(agreement, nof.READING_QUARTILES, t)
        assert row.compared == 0 and math.isnan(row.agreement_pct)
        assert row.note.startswith(f"not reproducible: the extract holds only {held} of")


def test_the_cutoffs_are_consistent(reproduced):
    _, _, cutoffs = reproduced
    assert list(cutoffs.boundary) == ["1/2", "2/3", "3/4"]
    assert (cutoffs.lowest_possible <= cutoffs.highest_possible).all()
    assert (cutoffs.lowest_possible <= cutoffs.chosen).all()
    assert (cutoffs.chosen <= cutoffs.highest_possible).all()
    assert cutoffs.chosen.is_monotonic_increasing
    # the published non-deficit acute segments: 1 up to 2.06, 2 from 2.13 to 2.35, 3 from 2.36
    assert list(cutoffs.lowest_possible[:2]) == [2.06, 2.35]
    assert list(cutoffs.highest_possible[:2]) == [2.13, 2.36]


def test_no_trust_in_deficit_is_in_segment_1_or_2(extract, reproduced):
    rep, _, _ = reproduced
    flagged = rep[rep.in_deficit.fillna(False).astype(bool)]
    assert len(flagged) == int((extract.trust_in_financial_deficit_flag == 1).sum()) > 0
    assert (flagged.our_segment >= 3).all()
    assert (flagged.our_segment_quartiles >= 3).all()
    assert (flagged.nhse_segment >= 3).all()  # NHS England's own segments keep the rule too


def _synthetic_acute(n: int = 134, deficit: tuple[int, ...] = ()) -> pd.DataFrame:
    """A complete made-up acute table segmented by quartiles within the type (and capped)."""
    scores = np.round(np.linspace(1.40, 3.30, n), 4)
    seg = quartile_segments(scores[None, :])[0]
    flag = np.zeros(n)
    flag[list(deficit)] = 1
    seg = np.where((flag == 1) & (seg < 3), 3, seg)
    order = np.lexsort((scores, seg))
    rank = np.empty(n)
    rank[order] = np.arange(1, n + 1)
    return pd.DataFrame(
        {
            "org_code": [f"T{i:03d}" for i in range(n)],
            "org_name": [f"TRUST {i}" for i in range(n)],
            "trust_type": nof.ACUTE,
            "league_segment": seg,
            "league_rank": rank,
            "league_avg_score": scores,
            "trust_in_financial_deficit_flag": flag,
            "domain_score_access": scores,
        }
    )


def test_a_complete_quartile_table_is_reproduced_by_the_quartile_reading():
    ex = _synthetic_acute(deficit=(0, 40, 60))
    rep, agreement, _ = nof.reproduce_nof(ex)
    row = _row(agreement, nof.READING_QUARTILES, nof.ACUTE)
    assert (row.compared, row.agree) == (134, 134)
    assert rep.set_index("org_code").loc["T040", "our_segment_quartiles"] == 3  # capped


def test_a_missing_trust_that_cannot_be_placed_makes_the_quartiles_not_reproducible():
    ex = _synthetic_acute()
    seg1 = ex[ex.league_segment == 1]
    last_of_1 = seg1.league_rank.idxmax()  # between segments 1 and 2: score unknown side
    rep, agreement, _ = nof.reproduce_nof(ex.drop(index=last_of_1))
    assert rep.our_segment_quartiles.isna().all()
    assert _row(agreement, nof.READING_QUARTILES, nof.ACUTE).note.startswith("not reproducible")
    # a trust missing inside a segment is placed, and the rest keep their positions
    rep2, agreement2, _ = nof.reproduce_nof(ex.drop(index=10))
    assert _row(agreement2, nof.READING_QUARTILES, nof.ACUTE).agree == 133
    assert rep2.set_index("org_code").loc["T011", "position_in_type"] == 12


def test_a_changed_published_segment_is_caught(extract):
    ex = extract.copy()
    ex.loc[ex.org_code == "RWY", "league_segment"] = 4  # deficit, score 1.98: 3, not 4
    rep, agreement, cutoffs = nof.reproduce_nof(ex)
    row = rep.set_index("org_code").loc["RWY"]
    assert not row.agrees and "published segment 4" in row.reason
    assert _row(agreement, nof.READING_CUTOFFS, nof.ACUTE).disagree == 1
    three_four = cutoffs.set_index("boundary").loc["3/4"]
    assert three_four.lowest_possible > three_four.highest_possible
    assert "INCONSISTENT" in three_four.basis and three_four.chosen == 2.7


@pytest.mark.parametrize("column", ["league_segment", "trust_in_financial_deficit_flag"])
def test_a_missing_column_is_named_with_the_file(root, tmp_path, column):
    df = pd.read_csv(root / EXTRACT).drop(columns=column)
    path = tmp_path / "nof_broken.csv"
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=rf"nof_broken\.csv: missing column\(s\) {column}"):
        nof.read_nof_extract(path)


def test_bad_values_are_named_with_the_file_and_column(root, tmp_path):
    df = pd.read_csv(root / EXTRACT)
    df.loc[3, "league_segment"] = 7
    path = tmp_path / "nof_bad.csv"
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"nof_bad\.csv: column league_segment .* line 5"):
        nof.read_nof_extract(path)
    df = pd.read_csv(root / EXTRACT)
    df.loc[5, "org_code"] = df.loc[4, "org_code"]
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"nof_bad\.csv: column org_code repeats"):
        nof.read_nof_extract(path)


def test_the_correlation_is_scipys_spearman_with_a_fisher_z_interval(extract):
    codes = ["R0A", "R0B", "RAE", "RBV", "RJ1", "RWA", "RYF", "NOTATRUST"]
    ours = pd.DataFrame(
        {"org_code": codes, "average_score": [2.1, 1.7, 2.9, 1.2, 2.2, 3.4, 2.0, 1.0]}
    )
    out = nof.access_rank_correlation(ours, extract)
    ex = extract.set_index("org_code")
    for col in ("domain_score_access", "league_avg_score"):
        theirs = ex[col].reindex(codes[:-1])
        keep = theirs.notna().to_numpy()  # RBV has no access score
        x = ours.average_score[:-1][keep].to_numpy()
        y = theirs[keep].to_numpy()
        ref = stats.spearmanr(x, y)
        res = out[col]
        assert res["n"] == keep.sum()
        assert res["rho"] == pytest.approx(ref.statistic)
        assert res["p"] == pytest.approx(ref.pvalue)
        se = math.sqrt((1 + ref.statistic**2 / 2) / (res["n"] - 3))
        z = math.atanh(ref.statistic)
        assert res["ci_low"] == pytest.approx(math.tanh(z - 1.959963984540054 * se))
        assert res["ci_high"] == pytest.approx(math.tanh(z + 1.959963984540054 * se))
        assert res["ci_low"] < res["rho"] < res["ci_high"]
    assert out["domain_score_access"]["n"] == 6 and out["league_avg_score"]["n"] == 7


def test_the_correlation_needs_our_columns(extract):
    with pytest.raises(ValueError, match="average_score"):
        nof.access_rank_correlation(pd.DataFrame({"org_code": ["R0A"]}), extract)


def test_the_tables_are_written_byte_identically(tmp_path, extract, reproduced):
    """Same tables, same bytes; and the input's row order does not matter."""
    first = nof.write_reproduction(tmp_path / "a", *reproduced)
    again = nof.write_reproduction(tmp_path / "b", *reproduced)
    shuffled = extract.sample(frac=1, random_state=3).reset_index(drop=True)
    third = nof.write_reproduction(tmp_path / "c", *nof.reproduce_nof(shuffled))
    names = [p.name for p in first]
    assert names == ["nof_reproduction.csv", "nof_agreement.csv", "nof_cutoffs.csv"]
    for p, q, r in zip(first, again, third, strict=True):
        assert p.read_bytes() == q.read_bytes() == r.read_bytes(), p.name
    back = pd.read_csv(first[0], dtype={"org_code": str})
    assert {"org_code", "nhse_segment", "our_segment", "reason"} <= set(back.columns)
    assert len(back) == 150
    assert list(pd.read_csv(first[2]).chosen) == list(reproduced[2].chosen)


def _ours(extract: pd.DataFrame, shift: int = 0) -> pd.DataFrame:
    acute = extract[extract.trust_type == nof.ACUTE]
    return pd.DataFrame(
        {
            "org_code": acute.org_code,
            "average_score": acute.league_avg_score,
            "segment": (acute.overall_adjusted_segment + shift).clip(1, 4),
            "cohort": "Acute trusts",
        }
    )


def test_the_comparison_with_nhs_england_sets_each_trust_beside_its_published_segment(
    extract, tmp_path
):
    ours = _ours(extract)
    ours = pd.concat([ours, pd.DataFrame([{"org_code": "ZZZ", "average_score": 2.0,
                                           "segment": 2, "cohort": "Acute trusts"}])])  # fmt: skip
    comp = nof.nhse_comparison(ours, extract)
    assert list(comp.columns) == nof.COMPARISON_COLUMNS
    assert len(comp) == 129 and "ZZZ" not in set(comp.org_code)  # only trusts in both
    r0a = comp.set_index("org_code").loc["R0A"]
    assert r0a.nhse_average_score == 2.36 and r0a.nhse_segment == 3 and r0a.nhse_in_deficit == "no"
    s = nof.comparison_summary(comp, "2024/25")
    assert s["trusts"] == 129 and s["same_segment"] == 129 and s["spearman"] == pytest.approx(1)
    cross = nof.segment_crosstab(comp)
    assert cross.trusts.sum() == 129
    assert (np.diag(cross[[f"nhse_segment_{k}" for k in range(1, 5)]]) == cross.trusts).all()
    # one segment worse everywhere (segment 4 stays 4)
    worse = nof.comparison_summary(nof.nhse_comparison(_ours(extract, 1), extract), "2024/25")
    assert worse["ours_better"] == 0 and worse["within_one_segment"] == 129
    assert worse["same_segment"] == int((extract.overall_adjusted_segment[
        extract.trust_type == nof.ACUTE] == 4).sum())  # fmt: skip
    paths = nof.write_comparison(tmp_path, comp, s)
    again = nof.write_comparison(tmp_path / "b", comp, s)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]
    with pytest.raises(ValueError, match="segment"):
        nof.nhse_comparison(ours.drop(columns="segment"), extract)
