"""What our engine recomputes of NHS England's NOF 2025/26 Q3 acute results, asserted against
the published extract (the expected values are computed here from the extract's own columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.assess import nof
from helpers.assess.nof_acute import DOMAINS, acute_checks, write_acute_checks

EXTRACT = "data/raw/nof_2025_26_q3_trust_segmentation_extract.csv"


@pytest.fixture(scope="module")
def extract(root):
    return nof.read_nof_extract(root / EXTRACT)


@pytest.fixture(scope="module")
def acute(extract):
    return extract[extract.trust_type == nof.ACUTE]


@pytest.fixture(scope="module")
def checks(extract):
    return acute_checks(extract).set_index("check")


def test_the_average_is_not_the_mean_of_the_domain_scores(acute, checks):
    cols = [f"domain_score_{d}" for d in DOMAINS]
    full = acute.dropna(subset=cols)
    differs = (full[cols].mean(axis=1) - full.league_avg_score).abs() > 0.005
    r = checks.loc["average score = mean of the five domain scores"]
    assert r.compared == len(full) == 128
    assert r.disagree == int(differs.sum())
    assert r.disagree > 100 and r.result == "no"


def test_segments_and_the_deficit_cap(acute, checks):
    deficit = acute[acute.trust_in_financial_deficit_flag == 1]
    r = checks.loc["every trust in deficit is in segment 3 or worse"]
    assert r.compared == len(deficit) and r.agree == int((deficit.league_segment >= 3).sum())
    assert r.result == "yes"
    cut = checks.loc["segment from the average score (cut-offs common to all trust types, "
                     "deficit cap)"]  # fmt: skip
    assert cut.compared == len(acute) == 129 and cut.agree == 129
    capped = checks.loc[
        "trusts in deficit whose score alone gives segment 1 or 2 are published in 3"
    ]
    assert capped.compared > 0 and capped.agree == capped.compared


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_domain_segments_follow_fixed_cut_offs_not_quartiles(acute, checks, domain):
    sub = acute.dropna(subset=[f"domain_score_{domain}", f"domain_segment_{domain}"])
    score, seg = sub[f"domain_score_{domain}"], sub[f"domain_segment_{domain}"]
    # ordered: every score in a better segment is below every score in a worse one
    for s in (1, 2, 3):
        assert score[seg <= s].max() < score[seg > s].min()
    words = DOMAINS[domain]
    fixed = checks.loc[f"{words} domain segment from its score: fixed cut-offs"]
    assert fixed.result == "consistent" and fixed.agree == len(sub)
    quart = checks.loc[f"{words} domain segment from its score: quartiles of the acute trusts"]
    assert quart.compared == len(sub) and quart.disagree > 0
    # published segment sizes are far from quartiles
    counts = seg.value_counts()
    assert counts.max() - counts.min() >= 5


def test_what_cannot_be_checked_is_said(checks):
    note = checks.loc["not checkable from the extract"].note
    assert "OF10xx" in note and "metric file" in note


def test_written_table_is_byte_identical(extract, tmp_path):
    a = write_acute_checks(tmp_path / "a", acute_checks(extract))
    b = write_acute_checks(tmp_path / "b", acute_checks(extract))
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    back = pd.read_csv(a[0])
    assert list(back.columns)[:3] == ["check", "compared", "agree"]
    assert np.all(back.compared >= back.agree)
