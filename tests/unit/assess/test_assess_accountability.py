"""Accountability over time: promises kept, year on year, persistent failure, consequences and
sensitivity, by the rules the settings state."""

from __future__ import annotations

import numpy as np
import pandas as pd
from assess_support import orgs, results, run
from spec_support import metric_spec as spec

from helpers import assess
from helpers.assess.accountability import consequences, failure_reasons, persistent_failure
from helpers.assess.plans import PLANS_ID, plans_kept
from helpers.settings import AssessmentRules

SPREAD = [0.50 + 0.02 * i for i in range(20)]


def _years(true_p_by_year: dict[str, list[float]], denominator: float) -> pd.DataFrame:
    return pd.concat(
        [
            results({"a": p, "b": p}, denominator=denominator, period=fy, seed=i)
            for i, (fy, p) in enumerate(true_p_by_year.items())
        ],  # fmt: skip
        ignore_index=True,
    )


def test_promises_kept_is_the_share_of_plans_delivered() -> None:
    d = pd.DataFrame(
        {
            "org_code": ["A", "A", "A", "B"],
            "period": "2024/25",
            "status": ["delivered", "missed_within_chance", "missed", "missed"],
        }
    )
    got = plans_kept(d, AssessmentRules()).set_index("org_code")
    assert got.loc["A", "plan_delivery"] == 1 / 3 and got.loc["A", "plan_shortfalls"] == 1
    assert got.loc["B", "value"] == 0.0


def test_promises_kept_is_scored_as_a_metric_of_its_own() -> None:
    r = run([spec("a")], plans={"scored": True})
    res = results({"a": SPREAD}, denominator=50_000)
    d = pd.DataFrame(
        {
            "org_code": [f"T{i:02d}" for i in range(20)] * 2,
            "period": "2024/25",
            "status": ["delivered"] * 20 + ["missed"] * 10 + ["delivered"] * 10,
        }
    )
    a, m, _ = assess.assessment_tables(r, res, orgs(20), None, n_draws=200, plan_delivery=d)
    assert set(m.metric_id) == {"a", PLANS_ID}
    assert a.metrics_in_cohort.eq(2).all()
    kept = m[m.metric_id == PLANS_ID].set_index("org_code")
    assert kept.loc["T00", "value"] == 50.0 and kept.loc["T19", "value"] == 100.0
    off = run([spec("a")], plans={"scored": False})
    a2, m2, _ = assess.assessment_tables(off, res, orgs(20), None, n_draws=200, plan_delivery=d)
    assert set(m2.metric_id) == {"a"}


def test_a_real_change_between_years_is_more_than_chance_and_noise_is_not() -> None:
    r = run([spec("a"), spec("b")])
    flat = {"2023/24": SPREAD, "2024/25": SPREAD}
    res = _years(flat, 200_000)
    a, m, years = assess.assessment_tables(r, res, orgs(20), None, n_draws=400)
    out = assess.add_accountability(a, m, years, None, r.settings.assess)
    later = out[out.period == "2024/25"]
    assert later.change_significant.notna().all()
    assert later.change_significant.mean() <= 0.1  # nothing truly changed
    jump = dict(flat)
    jump["2024/25"] = [SPREAD[-1] + 0.05] + SPREAD[1:]  # the worst becomes the best
    b, m, years = assess.assessment_tables(r, _years(jump, 200_000), orgs(20), None, n_draws=400)
    out = assess.add_accountability(b, m, years, None, r.settings.assess).set_index(
        ["org_code", "period"]
    )
    row = out.loc[("T00", "2024/25")]
    assert row.change_since_last_year < -2 and bool(row.change_significant)
    assert row.previous_segment == 4 and row.segment == 1


def test_persistent_failure_needs_consecutive_years_in_the_lowest_segment() -> None:
    a = pd.DataFrame(
        {
            "org_code": ["X", "X", "X", "Y", "Y", "Z", "Z"],
            "period": ["2022/23", "2023/24", "2024/25", "2022/23", "2024/25", "2023/24", "2024/25"],
            "segment": [4.0, 4.0, 3.0, 4.0, 4.0, 4.0, 4.0],
            "p_segment_4": [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.3],
        }
    )
    got = persistent_failure(a, AssessmentRules()).tolist()
    # X: two in a row, then not; Y: a gap year; Z: the second year is too uncertain
    assert got == [False, True, False, False, False, False, False]
    lax = AssessmentRules(persistent_failure={"years": 2, "min_probability": 0.0})
    assert persistent_failure(a, lax).tolist()[-1] is True


def test_consequences_take_the_first_rule_that_holds() -> None:
    a = pd.DataFrame(
        {
            "org_code": ["A", "B", "C", "D", "E", "F"],
            "period": "2024/25",
            "segment": [1.0, 1.0, 3.0, 4.0, 5.0, np.nan],
            "persistent_failure": [False, False, False, True, True, pd.NA],
            "in_deficit": [False, False, True, True, True, pd.NA],
            "plan_delivery": [1.0, 0.5, 0.5, 0.0, 0.0, np.nan],
        }
    )
    ms = pd.DataFrame(
        {
            "org_code": ["A", "B", "C", "D"],
            "period": "2024/25",
            "metric_id": "finance_outturn_margin_pct",
            "metric_rank": [1, 3, 2, 4],
            "organisations_scored": [4, 4, 4, 4],
        }
    )
    got = consequences(a, ms, AssessmentRules())
    assert got.consequence_rule.tolist() == [
        "autonomy_and_capital", "autonomy", "support", "turnaround", "intensive_support", ""
    ]  # fmt: skip
    # what would follow for named people (pay) is shown only where the settings allow it
    assert got.consequence_people.tolist() == [""] * 6
    assert "pay" not in " ".join(got.consequence)
    shown = consequences(a, ms, AssessmentRules(people_consequences=True))
    assert "no pay uplift" in shown.consequence_people.iat[3]
    assert shown.consequence.tolist() == got.consequence.tolist()


def test_sensitivity_counts_the_organisations_that_change_segment() -> None:
    metrics = [spec("a"), spec("b"), spec("fin", statistic="ratio", ci="none")]
    rng = np.random.default_rng(2)
    res = results({k: list(rng.uniform(0.3, 0.9, 20)) for k in ("a", "b")}, denominator=50_000)
    fin = res[res.metric_id == "a"].assign(
        metric_id="fin", value=rng.normal(0, 1, 20), ci95_lower=np.nan, ci95_upper=np.nan
    )
    r = run(metrics, financial_override={"metric": "fin", "deficit_below": 0})
    a, m, years = assess.assessment_tables(r, pd.concat([res, fin]), orgs(20), None, n_draws=200)
    specs = {s.id: s for s in metrics}
    gaps = assess.gap_summary(years, assess.segment_changes(years, specs, r.settings.assess),
                              r.settings.assess)  # fmt: skip
    a = assess.finish_assessment(a, gaps)
    sens = assess.sensitivity(a, m[["org_code", "period", "metric_id", "value"]], specs,
                              r.settings.assess).set_index("scenario")  # fmt: skip
    assert set(sens.index) == {"thresholds", "no_financial_override", "equal_weight_per_domain"}
    capped = int((a.segment != a.segment_unadjusted).sum())
    assert (
        sens.loc["no_financial_override"].query("period == 'all years'").changed_segment.iat[0]
        == capped
    )
    # each organisation-year's rule stability comes from the same scenarios
    alts = assess.alternative_segments(a, m[["org_code", "period", "metric_id", "value"]], specs,
                                       r.settings.assess)  # fmt: skip
    st = assess.rule_stability(a, alts)
    assert (st.segment_rule_sets == 4).all()  # its own rules and the three scenarios
    changed = alts.alt_segment.ne(alts.segment).groupby([alts.org_code, alts.period]).sum()
    agree = st.set_index(["org_code", "period"]).segment_rule_sets_agree
    assert (agree == 4 - changed.reindex(agree.index)).all()
    assert (st.segment_rules_best <= st.segment).all()
    assert (st.segment <= st.segment_rules_worst).all()
    capped_orgs = st[st.segment != st.segment_unadjusted]
    assert len(capped_orgs) and (capped_orgs.segment_rule_sets_agree < 4).all()
    assert (capped_orgs.segment_rules_best <= capped_orgs.segment_unadjusted).all()
    # with specialist trusts ranked with the others, their own cohort is tried too
    r2 = run(metrics, specialist="flag")
    o = orgs(20, subtypes={0: "specialist", 7: "specialist"})
    a2, m2, _ = assess.assessment_tables(r2, pd.concat([res, fin]), o, None, n_draws=200)
    a2 = a2.assign(in_deficit=False)
    sens2 = assess.sensitivity(a2, m2[["org_code", "period", "metric_id", "value"]], specs,
                               r2.settings.assess).set_index("scenario")  # fmt: skip
    assert "specialist_own_cohort" in sens2.index
    assert sens2.loc["specialist_own_cohort"].changed_segment.max() > 0


def test_a_promise_missed_by_a_whisker_is_uncertain_in_the_simulation() -> None:
    """Each plan on a metric's value is re-judged against the metric's drawn value: a plan
    missed by far less than the value's sampling error is kept in about half the draws."""
    r = run([spec("a")], plans={"scored": True})
    res = results({"a": SPREAD}, denominator=2000, seed=4)
    value = res.set_index("org_code").value
    plan = pd.DataFrame(
        {
            "org_code": ["T00", "T19"],
            "metric_id": "a",
            "period": "2024/25",
            "plan_on": "value",
            "planned": [value["T00"] + 0.01, value["T19"] + 30.0],  # a whisker; far out of reach
            "status": ["missed_within_chance", "missed"],
        }
    )
    _, m, years = assess.assessment_tables(r, res, orgs(20), None, n_draws=400, plan_delivery=plan)
    cy = years[0]
    i = cy.metrics.index(PLANS_ID)
    draws = {o: cy.value_draws[i][:, j] for j, o in enumerate(cy.orgs)}
    assert 0.3 < (draws["T00"] == 100).mean() < 0.7
    assert (draws["T19"] == 0).all()
    kept = m[m.metric_id == PLANS_ID].set_index("org_code")
    assert kept.loc["T00", "value"] == 0.0  # observed: missed


def _spc_run(**pf: object):
    s = spec("a")
    d = s.definitions[0].model_copy(update={"first_year": "2022/23"})
    r = run([s.model_copy(update={"definitions": [d]})], persistent_failure=pf)
    r.settings.financial_years = ["2022/23", "2023/24", "2024/25"]
    return r


def _monthly_series() -> pd.DataFrame:
    """Monthly shares for three years: S steady with noise; D steady in 2022/23, then falling
    month after month (higher is better: a special-cause concern by the end of each later year)."""
    months = pd.date_range("2022-04-01", periods=36, freq="MS")
    period = [f"{m.year - (m.month < 4)}/{(m.year - (m.month < 4) + 1) % 100:02d}" for m in months]
    rng = np.random.default_rng(5)
    steady = 0.80 + rng.normal(0, 0.01, 36)
    falling = np.where(np.arange(36) < 12, steady, 0.80 - 0.004 * (np.arange(36) - 11))
    rows = [
        pd.DataFrame(
            {
                "org_code": org,
                "metric_id": "a",
                "period": period,
                "month": months,
                "numerator": np.round(p * 10_000),
                "denominator": 10_000.0,
            }
        )
        for org, p in (("S", steady), ("D", falling))
    ]
    return pd.concat(rows, ignore_index=True)


def test_special_cause_concern_on_a_core_metric_in_consecutive_years_is_persistent_failure():
    r = _spc_run(spc_metrics=["a"])
    spc = assess.spc_concerns(r, _monthly_series()).set_index(["org_code", "period"])
    assert not spc.loc[("S", slice(None)), "spc_concern"].any()
    assert spc.loc[("D", "2022/23"), "spc_concern"] == False  # noqa: E712 (numpy bool)
    assert spc.loc[("D", "2023/24"), "spc_concern_metrics"] == "a"
    assert spc.loc[("D", "2024/25"), "spc_concern"] == True  # noqa: E712
    # D sits in segment 2, S in segment 4 but only for one year: only D fails persistently
    a = pd.DataFrame(
        {
            "org_code": ["D", "D", "S", "S"],
            "period": ["2023/24", "2024/25", "2023/24", "2024/25"],
            "segment": [2.0, 2.0, 3.0, 4.0],
            "p_segment_4": [0.0, 0.0, 0.1, 0.95],
        }
    ).merge(spc.reset_index(), on=["org_code", "period"])
    # by default concern is evidence only: D is never in the lowest segment, so it never fails
    assert not persistent_failure(a, r.settings.assess).any()
    # with spc_alone, concern alone makes a failing year
    rules = r.settings.assess.model_copy(
        update={"persistent_failure": r.settings.assess.persistent_failure.model_copy(
            update={"spc_alone": True})}
    )  # fmt: skip
    assert persistent_failure(a, rules).tolist() == [False, True, False, False]
    why = failure_reasons(a, rules).tolist()
    assert (
        why[1] == ("2023/24: special-cause concern on a; 2024/25: special-cause concern on a")
        and why[0] == why[3] == ""
    )
    # on the pages the metric is named, never shown by its id
    named = failure_reasons(a, rules, {"a": "A&E 4-hour performance"}).tolist()
    assert named[1] == (
        "2023/24: special-cause concern on A&E 4-hour performance; "
        "2024/25: special-cause concern on A&E 4-hour performance"
    )
    # with no core metric named, the trigger is off
    assert assess.spc_concerns(_spc_run(), _monthly_series()).empty
    assert not persistent_failure(a.drop(columns="spc_concern"), rules).any()


def test_two_core_metrics_can_be_required() -> None:
    r = _spc_run(spc_metrics=["a"], spc_min_metrics=2)
    spc = assess.spc_concerns(r, _monthly_series())
    assert spc.spc_concern_metrics.str.len().gt(0).any() and not spc.spc_concern.any()


def test_the_change_since_last_year_is_on_the_metrics_both_years_share() -> None:
    """The ICB assessment scores 8 metrics in 2023/24 and 5 in 2024/25 (the infection rates
    end): comparing the two years' averages compares different things. Here metric c is scored
    in 2023/24 only, and nothing else changes: the change is 0 for every trust, where the two
    averages differ by up to 1.00."""
    from helpers.assess.common_metrics import metrics_by_period

    r = run([spec("a"), spec("b"), spec("c")])
    res = pd.concat(
        [
            results(
                {"a": SPREAD, "b": SPREAD, "c": SPREAD[::-1]}, 10_000_000, "2023/24", exact=True
            ),
            results({"a": SPREAD, "b": SPREAD}, 10_000_000, "2024/25", exact=True),
        ],
        ignore_index=True,
    )
    a, m, years = assess.assessment_tables(r, res, orgs(20), None, n_draws=200)
    assert metrics_by_period(m) == {"2023/24": ["a", "b", "c"], "2024/25": ["a", "b"]}
    out = assess.add_accountability(a, m, years, None, r.settings.assess)
    later = out[out.period == "2024/25"].set_index("org_code")
    before = out[out.period == "2023/24"].set_index("org_code").average_score
    assert (later.average_score - before).abs().max() == 1.0  # the averages are not comparable
    assert np.allclose(later.change_since_last_year, 0.0)
    assert not later.change_significant.any()
