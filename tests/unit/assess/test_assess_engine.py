"""The assessment engine: cohorts, segments with the override and register, and the uncertainty
carried through to every rank."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from assess_support import orgs, results, run
from spec_support import metric_spec as spec

from helpers import assess
from helpers.assess.changes import segment_changes
from helpers.assess.engine import indistinguishable_groups

SPREAD = [0.50 + 0.02 * i for i in range(20)]  # 20 trusts, clearly different


def _assess(r, res, n_orgs, subtypes=None, n_draws=400):
    a, m, years = assess.assessment_tables(r, res, orgs(n_orgs, subtypes), None, n_draws=n_draws)
    specs = {s.id: s for s in assess.scored_metrics(r)}
    changes = segment_changes(years, specs, r.settings.assess)
    return (
        assess.finish_assessment(a, assess.gap_summary(years, changes, r.settings.assess)),
        m,
        changes,
    )


def test_clear_differences_give_narrow_ranges_and_equal_trusts_cannot_be_told_apart() -> None:
    metrics = [spec("a"), spec("b")]
    res = results({"a": SPREAD, "b": SPREAD}, denominator=200_000)
    a, m, _ = _assess(run(metrics), res, 20)
    a = a.set_index("org_code")
    assert a.loc["T19", "rank"] == 1 and a.loc["T19", "rank_upper"] <= 2
    assert a.loc["T19", "p_segment_1"] > 0.95 and bool(a.loc["T19", "confidently_top_quartile"])
    assert a.loc["T00", "segment"] == 4 and bool(a.loc["T00", "confidently_bottom_quartile"])
    # now every trust has the same true rate and a small denominator: ranks are noise
    same = results({"a": [0.6] * 20, "b": [0.6] * 20}, denominator=300)
    b, _, _ = _assess(run(metrics), same, 20)
    width = (b.rank_upper - b.rank_lower).astype(float)
    assert width.median() >= 10
    assert b.indistinguishable_group.max() <= 3
    assert not b.confidently_top_quartile.any() and not b.confidently_bottom_quartile.any()


def test_likely_ranges_contain_the_observed_values_and_probabilities_add_up() -> None:
    metrics = [spec("a"), spec("b"), spec("c", polarity="lower_is_better")]
    res = results({"a": SPREAD, "b": SPREAD[::-1], "c": SPREAD}, denominator=2000)
    a, m, _ = _assess(run(metrics), res, 20)
    p = a[["p_segment_1", "p_segment_2", "p_segment_3", "p_segment_4"]].sum(axis=1)
    assert np.allclose(p, 1.0, atol=0.002)
    assert (a.rank_lower <= a.rank_upper).all() and (a.rank_upper <= a.cohort_size).all()
    assert (a.average_score_lower <= a.average_score_upper).all()
    assert m.score.between(1, 4).all()
    assert (m.metric_rank_lower <= m.metric_rank_upper).all()


def test_deficit_caps_at_segment_3_and_both_segments_are_published() -> None:
    metrics = [spec("a"), spec("fin", statistic="ratio", ci="none", scoring={"mode": "none"})]
    res = results({"a": SPREAD}, denominator=100_000)
    fin = res.assign(metric_id="fin", value=[-1.0] + [1.0] * 18 + [-2.0])
    fin = fin.assign(ci95_lower=np.nan, ci95_upper=np.nan)
    both = pd.concat([res, fin], ignore_index=True)
    r = run(metrics, financial_override={"metric": "fin", "deficit_below": 0})
    a, _, _ = _assess(r, both, 20)
    a = a.set_index("org_code")
    best = a.loc["T19"]  # best on 'a' but in deficit
    assert best.segment_unadjusted == 1 and best.segment == 3 and bool(best.in_deficit)
    assert "capped at segment 3: in deficit" in best.segment_reason
    assert best.p_segment_1 == 0 and best.p_segment_2 == 0
    assert a.loc["T18", "in_deficit"] == False  # noqa: E712 - a boolean NA-able column
    assess.check_assessment(r, a.reset_index(), pd.DataFrame({"score": [1.0]}))


def test_segment_5_comes_only_from_the_reviewed_register() -> None:
    metrics = [spec("a")]
    res = results({"a": SPREAD}, denominator=100_000)
    a, _, _ = _assess(run(metrics), res, 20)
    assert (a.segment <= 4).all()
    decision = {
        "org_code": "T00",
        "period": "2024/25",
        "reason": "catastrophic failure of governance",
        "capability": "low",
        "decided_by": "Regional director",
        "decided_on": "2025-06-30",
    }
    a5, _, _ = _assess(run(metrics, segment_5=[decision]), res, 20)
    row = a5.set_index("org_code").loc["T00"]
    assert row.segment == 5 and "decided by Regional director on 2025-06-30" in row.segment_reason
    assert (a5.segment == 5).sum() == 1
    bad = run(metrics, segment_5=[{**decision, "org_code": "XXX"}])
    with pytest.raises(ValueError, match="XXX in 2024/25 is not an assessed organisation"):
        _assess(bad, res, 20)


def test_too_few_metrics_means_not_segmented_with_the_reason() -> None:
    metrics = [spec("a"), spec("b"), spec("c")]
    res = results({"a": SPREAD, "b": SPREAD, "c": SPREAD}, denominator=5000)
    res.loc[(res.org_code == "T05") & (res.metric_id != "a"), "value"] = np.nan
    a, _, _ = _assess(run(metrics), res, 20)
    row = a.set_index("org_code").loc["T05"]
    assert pd.isna(row.segment) and pd.isna(row["rank"])
    assert row.segment_reason == "not segmented: 1 of 3 metrics scored (at least 2 needed)"
    assert a.cohort_size.dropna().eq(19).all()


def test_specialist_trusts_are_flagged_or_given_their_own_cohort() -> None:
    metrics = [spec("a")]
    res = results({"a": SPREAD}, denominator=100_000)
    subtypes = {19: "Acute - Specialist", 18: "specialist"}
    flagged, _, _ = _assess(run(metrics, specialist="flag"), res, 20, subtypes)
    assert flagged.cohort.nunique() == 1 and flagged.specialist.sum() == 2
    own, _, _ = _assess(run(metrics), res, 20, subtypes)  # their own cohort by default
    spec_rows = own[own.specialist]
    assert set(spec_rows.cohort) == {"Specialist acute trusts"}
    assert sorted(spec_rows["rank"]) == [1, 2] and own[~own.specialist].cohort_size.eq(18).all()


def test_a_cohort_never_mixes_providers_and_commissioners() -> None:
    metrics = [spec("a")]
    res = results({"a": SPREAD}, denominator=100_000)
    a, m, _ = _assess(run(metrics), res, 20)
    mixed = a.copy()
    mixed.loc[0, "org_type"] = "icb"
    with pytest.raises(AssertionError, match="mixes organisation types"):
        assess.check_assessment(run(metrics), mixed, m)


def test_the_same_inputs_give_identical_tables() -> None:
    metrics = [spec("a"), spec("b")]
    res = results({"a": SPREAD, "b": SPREAD[::-1]}, denominator=3000)
    a1, m1, _ = _assess(run(metrics), res, 20)
    a2, m2, _ = _assess(run(metrics), res.sample(frac=1, random_state=1), 20)
    pd.testing.assert_frame_equal(a1, a2)
    assert a1.to_csv(index=False) == a2.to_csv(index=False)


def test_closing_the_gap_on_one_metric_moves_the_organisation_up_a_segment() -> None:
    """Follow the advice of segment_changes: give the organisation the value it says is needed,
    reassess, and the organisation reaches the next segment."""
    metrics = [spec("a"), spec("b"), spec("c")]
    rng = np.random.default_rng(5)
    res = results({k: list(rng.uniform(0.5, 0.9, 20)) for k in ("a", "b", "c")}, denominator=10_000)
    a, _, changes = _assess(run(metrics), res, 20)
    assert len(changes) > 0
    checked = 0
    for c in changes.itertuples():
        before = a.set_index("org_code").loc[c.org_code]
        moved = res.copy()
        hit = (moved.org_code == c.org_code) & (moved.metric_id == c.metric_id)
        # a hair better than the value it must draw level with (every metric: higher is better)
        moved.loc[hit, "value"] = c.value_needed + 1e-6
        values = moved.assign(cohort="Acute trusts")
        got = assess.score_values(values, {s.id: s for s in metrics}, run(metrics).settings.assess)
        seg = got.set_index("org_code").loc[c.org_code, "segment_unadjusted"]
        assert seg <= before.segment_unadjusted - 1, (c.org_code, c.metric_id)
        checked += 1
    assert checked == len(changes)


def test_indistinguishable_groups_chain_from_the_best() -> None:
    rank = np.array([1.0, 2, 3, 4, 5])
    lower = np.array([1.0, 1, 2, 4, 4])
    upper = np.array([2.0, 3, 3, 5, 5])
    # the first group is anchored on the best (1 to 2) and takes in every range reaching 2
    assert indistinguishable_groups(rank, lower, upper).tolist() == [1.0, 1.0, 1.0, 2.0, 2.0]


def test_random_effects_do_not_rank_a_tiny_trust_with_no_events_confidently_first() -> None:
    """A trust with 0 deaths in 30 among trusts of 5,000 cases at about 5%: drawn from its own
    sampling distribution it looks confidently best; the random-effects model shrinks it."""
    metrics = [spec("deaths", polarity="lower_is_better")]
    res = results({"deaths": [0.05 + 0.002 * i for i in range(20)]}, denominator=5000, seed=8)
    res.loc[res.org_code == "T00", ["numerator", "denominator", "value"]] = [0.0, 30.0, 0.0]
    fixed, _, _ = _assess(run(metrics), res, 20)
    shrunk, _, _ = _assess(run(metrics, rank_model="random_effects"), res, 20)
    f = fixed.set_index("org_code").loc["T00"]
    r = shrunk.set_index("org_code").loc["T00"]
    assert f["rank"] == r["rank"] == 1
    assert r.rank_upper - r.rank_lower > f.rank_upper - f.rank_lower
    assert r.p_top_quartile < f.p_top_quartile


def _outside(d: pd.DataFrame, value: str, lower: str, upper: str) -> pd.DataFrame:
    v = d[d[value].notna()]
    return v[(v[value] < v[lower]) | (v[value] > v[upper])]


def assert_every_figure_in_its_likely_range(a: pd.DataFrame, m: pd.DataFrame) -> None:
    """rank_lower <= rank <= rank_upper, and the same for the average score, each metric's
    score and each metric's rank."""
    for d, cols in (
        (a, ("rank", "rank_lower", "rank_upper")),
        (a, ("average_score", "average_score_lower", "average_score_upper")),
        (m, ("score", "score_lower", "score_upper")),
        (m, ("metric_rank", "metric_rank_lower", "metric_rank_upper")),
    ):
        bad = _outside(d, *cols)
        assert bad.empty, bad[["org_code", "period", *cols]].to_string()


def test_a_rank_lies_in_its_likely_range_when_observed_values_tie() -> None:
    """The UEC 2021/22 specialist cohort: nine trusts had no waits over 4 hours from decision
    to admit (a tie at 0%, sharing one score), which the draws, varying every value, never
    keep; the two trusts with a few such waits were ranked 8th and 11th but had likely ranges
    of 1 to 7 and 3 to 10. Here T09 and T10 play them."""
    metrics = [spec("a"), spec("b", polarity="lower_is_better")]
    b = results({"b": [0.0] * 9 + [0.001, 0.0014]}, denominator=[50] * 9 + [2000] * 2, exact=True)
    a = results({"a": [0.9995, 0.995, 0.96, 0.945, 0.79, 0.77]}, denominator=2000, exact=True)
    a["org_code"] = ["T09", "T08", "T07", "T10", "T06", "T05"]
    x, m, _ = _assess(run(metrics), pd.concat([a, b], ignore_index=True), 11)
    x = x.set_index("org_code")
    assert x.loc["T09", "rank"] == 8 and x.loc["T10", "rank"] == 11  # behind the nine ties
    assert_every_figure_in_its_likely_range(x.reset_index(), m)


def test_every_figure_of_the_real_uec_assessment_lies_in_its_likely_range(built) -> None:
    r, _annual, _england, res, _mapping, _splits = built
    from helpers.ingest import reference as org_ref

    a, m, _ = assess.assessment_tables(r, res, org_ref.organisations(r), None, n_draws=200)
    # the 2021/22 specialist cohort, scored on 2 metrics, is among them
    assert ((a.period == "2021/22") & a.specialist.astype(bool) & a.segment.notna()).any()
    assert_every_figure_in_its_likely_range(a, m)


def test_a_metric_rank_shared_with_the_comparison_is_published_with_one_likely_range() -> None:
    """Where the cohort is every trust with a value, the metric's rank in the assessment is the
    comparison's (indicators.csv): the card showed it twice, "74 to 87" and "75 to 87"."""
    from helpers import compare

    metrics = [spec("a"), spec("b")]
    res = results({"a": SPREAD, "b": SPREAD[::-1]}, denominator=300)
    r = run(metrics)
    res = compare.add_rank_intervals(r, res, {s.id: s for s in metrics})
    a, m, _ = _assess(r, res, 20)
    joined = m.merge(res, on=["org_code", "metric_id", "period"], suffixes=("", "_compare"))
    assert len(joined) == 40 and (joined.metric_rank == joined.peer_rank).all()
    assert (joined.metric_rank_lower == joined.rank_lower).all()
    assert (joined.metric_rank_upper == joined.rank_upper).all()
    assert_every_figure_in_its_likely_range(a, m)
