"""The real assessments beyond urgent care (config/assessments/acute.yml and icb.yml), run in
memory on the published NHS England, UKHSA and MHCLG files in data/raw/: who is assessed, on
what, and how the result sits beside NHS England's own segmentation and national headlines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pipeline_support import Pipeline, run_pipeline

from helpers import assess, compare
from helpers.assess import nof
from helpers.indicators import annual_values

ROOT = Path(__file__).resolve().parents[2]
YEARS = ["2022/23", "2023/24", "2024/25"]


def _assessed(p: Pipeline) -> tuple[pd.DataFrame, pd.DataFrame]:
    a, m, _ = assess.assessment_tables(p.run, p.results, p.organisations, None, n_draws=200)
    return a, m


@pytest.fixture(scope="module")
def acute() -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    p = run_pipeline("config/assessments/acute.yml", ROOT)
    return (p, *_assessed(p))


@pytest.fixture(scope="module")
def icb() -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    p = run_pipeline("config/assessments/icb.yml", ROOT)
    return (p, *_assessed(p))


def _national(p: Pipeline) -> pd.DataFrame:
    england = compare.england_benchmarks(
        p.run, annual_values(p.run, p.monthly, p.organisations, p.measures)
    )
    return compare.national_headlines(p.run, p.measures, england)


def test_at_least_120_acute_trusts_on_six_metrics_in_three_domains_each_year(acute) -> None:
    p, a, m = acute
    seg = a[a.segment.notna()]
    assert sorted(seg.period.unique()) == YEARS
    assert (seg.groupby("period").org_code.nunique() >= 120).all()
    specs = {s.id: s for s in p.run.metrics}
    for _period, g in m[m.score.notna()].groupby("period"):
        assert g.metric_id.nunique() >= 6
        assert len({specs[i].domain for i in g.metric_id.unique()}) >= 3
    # specialist trusts are ranked in a cohort of their own, never above general acute trusts
    assert seg.specialist.any() and seg.cohort.nunique() == 2
    assert set(seg[seg.specialist].cohort) == {"Specialist acute trusts"}
    assert not (seg[~seg.specialist].cohort == "Specialist acute trusts").any()


def test_the_acute_assessment_beside_nhs_englands_segments(acute) -> None:
    """A sanity check, not a target: the two share many trusts and rank them alike."""
    p, a, _ = acute
    check = p.run.settings.assess.nof_check
    extract = nof.read_nof_extract(ROOT / check.extract)
    comp = nof.nhse_comparison(a[a.period == check.period], extract)
    s = nof.comparison_summary(comp, check.period)
    print("\n", s, "\n", nof.segment_crosstab(comp).to_string())
    assert s["trusts"] >= 120
    assert s["spearman"] > 0.3
    assert s["within_one_segment"] >= s["trusts"] / 2


def test_every_series_break_is_stated_on_the_metric(acute, icb) -> None:
    for p in (acute[0], icb[0]):
        caveats = {s.id: " ".join(s.caveats) for s in p.run.metrics}
        for metric_id, text in caveats.items():
            if "rtt" in metric_id:
                assert "February 2024" in text, metric_id
            if "62d" in metric_id:
                assert "October 2023" in text, metric_id
            if "ae_4hr" in metric_id:
                assert "February and March 2025 are left out" in text, metric_id


def test_all_42_icbs_with_deprivation_as_context_never_scored(icb) -> None:
    p, a, m = icb
    seg = a[a.segment.notna()]
    assert (seg.groupby("period").org_code.nunique() == 42).all()
    assert sorted(seg.period.unique()) == YEARS
    assert "imd_average_score" in set(p.results.metric_id)
    assert "imd_average_score" not in set(m.metric_id)
    scored = {s.id for s in p.run.metrics if s.score_mode != "none"}
    assert all(s.responsibility for s in p.run.metrics if s.id in scored)


def test_england_here_is_set_beside_nhs_englands_headline(acute, icb) -> None:
    nat = _national(acute[0]).set_index(["metric_id", "period"])
    # the acute trusts alone are below the all-provider A&E headline (UTCs, independents)
    assert (nat.loc["ae_4hr_pct"].difference < 0).all()
    assert set(nat.index.get_level_values(0)) >= {"ae_4hr_pct", "rtt_18wk_pct", "cancer_62d_pct"}
    # the 42 ICBs add up to within half a point of England's cancer and RTT headlines
    nat = _national(icb[0])
    assert len(nat) >= 12 and (nat.difference.abs() < 0.5).all()


def test_the_sensitivity_table_runs_on_the_real_acute_trusts(acute) -> None:
    """Specialist trusts have a cohort of their own; the sensitivity table tries them ranked with
    the other acute trusts and the other segmentation method (there is no financial override
    without finance data), and every segmented trust-year gets its rule stability."""
    p, a, m = acute
    rules = p.run.settings.assess
    specs = {s.id: s for s in assess.scored_metrics(p.run)}
    values = m[["org_code", "period", "metric_id", "value"]]
    sens = assess.sensitivity(a.assign(in_deficit=False), values, specs, rules)
    every = sens[sens.period == "all years"].set_index("scenario")
    assert set(every.index) == {"thresholds", "specialist_flag", "equal_weight_per_domain"}
    assert every.loc["specialist_flag"].changed_segment > 0
    alternatives = assess.alternative_segments(a.assign(in_deficit=False), values, specs, rules)
    st = assess.rule_stability(a, alternatives)
    seg = st[st.segment.notna()]
    assert (seg.segment_rule_sets == 4).all()
    depends = seg.segment_rule_sets_agree < seg.segment_rule_sets
    assert 0.1 < depends.mean() < 0.6  # the rules matter for a real share of trusts


def _outside_likely_range(a: pd.DataFrame, m: pd.DataFrame) -> list[str]:
    out = []
    for d, (v, lo, hi) in (
        (a, ("rank", "rank_lower", "rank_upper")),
        (a, ("average_score", "average_score_lower", "average_score_upper")),
        (m, ("score", "score_lower", "score_upper")),
        (m, ("metric_rank", "metric_rank_lower", "metric_rank_upper")),
    ):
        has = d[d[v].notna()]
        bad = has[(has[v] < has[lo]) | (has[v] > has[hi])]
        out += [f"{r.org_code} {r.period} {v}" for r in bad.itertuples()]
    return out


def test_every_published_rank_and_score_lies_in_its_likely_range(acute, icb) -> None:
    """rank_lower <= rank <= rank_upper (and the same for the average score, each metric's
    score and rank) in the real acute and ICB assessments."""
    for _p, a, m in (acute, icb):
        assert not _outside_likely_range(a, m)
