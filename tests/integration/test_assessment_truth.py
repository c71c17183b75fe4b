"""The assessment against the planted truth of the SYNTHETIC England.

The generator writes ``planted_assessment.csv``: the average score, league rank and segment each
organisation would get from the noise-free values it planted (``planted_values.csv``), scored by
the same engine and rules. The pipeline sees only the noisy data; the likely range (95%) of rank
it publishes should cover the true rank about 95% of the time: much less means the simulation
leaves out chance variation the data carry (over-confident league tables), much more that it
adds variation that is not there (ranges too wide to be useful).

Measured with seed 2026 at the small scale (acute trusts, mental health trusts and ICBs, three
years each; ``pytest tests/integration/test_assessment_truth.py -s`` prints the figures): see
the closing note of the issue and the assertions below.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pipeline_support import assessed_against_truth, failure_figures

from helpers import assess

DATA = Path("data/synthetic/small")


@pytest.fixture(scope="module")
def against_truth(pipelines, project_copy: Path) -> pd.DataFrame:
    planted = pd.read_csv(
        project_copy / DATA / "planted_assessment.csv", dtype={"period": str, "org_code": str}
    )
    frames = [assessed_against_truth(p, planted) for p in pipelines.values()]
    return pd.concat(frames, ignore_index=True)


def test_every_assessed_organisation_year_has_a_planted_truth(against_truth, pipelines) -> None:
    n = sum(
        len(assess.assessment_tables(p.run, p.results, p.organisations, None, n_draws=100)[0])
        for p in pipelines.values()
    )
    assert len(against_truth) >= 0.9 * n
    assert (against_truth.cohort == against_truth.cohort_truth).all()


def test_the_likely_range_of_rank_covers_the_true_rank_90_to_99_percent(against_truth) -> None:
    """In cohorts of more than three: in a cohort of two or three (the small scale's specialist
    acute trusts, ranked apart) a likely range of 1 to 3 covers every rank by construction."""
    t = against_truth[against_truth.cohort_size > 3]
    covered = (t.rank_lower <= t.true_rank) & (t.true_rank <= t.rank_upper)
    by = covered.groupby(t.assessment).agg(["mean", "size"])
    print("\ncoverage of the true rank by the 95% likely range:\n", by)
    print(f"pooled: {covered.mean():.3f} of {len(t)} organisation-years")
    assert 0.90 <= covered.mean() <= 0.99


def test_every_published_rank_and_average_score_lies_in_its_likely_range(against_truth) -> None:
    """rank_lower <= rank <= rank_upper, and the same for the average score, in every
    synthetic assessment."""
    t = against_truth
    assert ((t.rank_lower <= t["rank"]) & (t["rank"] <= t.rank_upper)).all()
    assert (
        (t.average_score_lower <= t.average_score) & (t.average_score <= t.average_score_upper)
    ).all()


def test_the_likely_range_of_average_score_and_the_segment_probabilities(against_truth) -> None:
    t = against_truth
    covered = (t.average_score_lower <= t.true_average_score + 1e-9) & (
        t.true_average_score - 1e-9 <= t.average_score_upper
    )
    p_true = t.apply(lambda r: r[f"p_segment_{int(r.true_segment)}"], axis=1)
    same = (t.segment == t.true_segment).mean()
    print(
        f"\naverage score covered: {covered.mean():.3f}; published segment = true segment: "
        f"{same:.3f}; mean probability given to the true segment: {p_true.mean():.3f}"
    )
    assert covered.mean() >= 0.85
    assert p_true.mean() >= 0.5
    # an organisation said to be confidently in the bottom quartile truly ranks in the bottom half
    sure = t[t.confidently_bottom_quartile.astype(bool)]
    assert (sure.true_rank > sure.cohort_size / 2).all()


def test_promises_kept_follow_the_true_plan_delivery(against_truth) -> None:
    """The share of plans kept tracks the truth, and a significant shortfall is a real one:
    no organisation is found short on more plans than it truly missed (plus one for a plan
    whose true value sits a hair from its target)."""
    t = against_truth[
        against_truth.plan_delivery.notna() & against_truth.true_plan_delivery.notna()
    ]
    rho = t.plan_delivery.corr(t.true_plan_delivery, method="spearman")
    truly_missed = t.plans * (1 - t.true_plan_delivery)
    over = (t.plan_shortfalls > truly_missed.round() + 1).mean()
    print(
        f"\npromises kept: {len(t)} org-years, Spearman {rho:.2f} with the truth; "
        f"shortfalls beyond the truly missed: {over:.3f}"
    )
    assert len(t) >= 30
    assert rho >= 0.6
    assert over <= 0.05


def test_persistent_failure_flags_no_organisation_that_is_not_truly_failing(against_truth):
    """The small world has too few persistently failing organisation-years (6) to measure
    recall (test_persistent_failure_england.py does, on 1,235 organisation-years): with the
    default probability of 0.8 it finds 2 of them (the acute trust; the failing mental health
    trust and ICB sit in cohorts of 7 and 6). Here: some are found, and no more than 5% of the
    organisation-years not truly in the lowest segment year after year are flagged."""
    f = failure_figures(against_truth)
    print("\npersistent failure against the planted truth:\n", f.round(3).to_string())
    assert f.persistently_failing >= 4 and f.found >= 1
    assert f.false_flag_rate <= 0.05
