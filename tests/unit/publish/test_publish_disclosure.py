"""Disclosure control (helpers.publish.disclosure): small counts are suppressed, their
complements make them impossible to work out from England's sums, and every published table
blanks what would show them."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from helpers.methods import STATISTICS
from helpers.publish import disclosure as dc
from helpers.publish.text import SUPPRESSED
from helpers.settings import LoadedAssessment, load_assessment

METRIC = "ae_dta_over_4h_pct"  # a proportion in the UEC catalogue
YEAR = "2024/25"


def with_rule(run: LoadedAssessment, **rule) -> LoadedAssessment:
    settings = run.settings.model_copy(
        update={"disclosure": run.settings.disclosure.model_copy(update=rule)}
    )
    return run.model_copy(update={"settings": settings})


@pytest.fixture(scope="module")
def uec(root) -> LoadedAssessment:
    return with_rule(load_assessment("config/fast/uec-fast.yml", root), metrics="all")


def results(numerators, denominators=None, *, period=YEAR, icbs=None, reasons=None, metric=METRIC):
    n = len(numerators)
    den = denominators if denominators is not None else [1000.0] * n
    num = np.asarray(numerators, dtype=float)
    return pd.DataFrame(
        {
            "org_code": [f"R{i:02d}" for i in range(n)],
            "org_name": [f"Trust {i}" for i in range(n)],
            "icb": icbs or ["Q1"] * n,
            "metric_id": metric,
            "period": period,
            "numerator": num,
            "denominator": np.asarray(den, dtype=float),
            "value": 100 * num / np.asarray(den, dtype=float),
            "ci95_lower": 1.0,
            "ci95_upper": 2.0,
            "comparison": "worse",
            "comparison_headline": "similar",
            "comparison_test": "overdispersed_funnel_95",
            "meets_goal": True,
            "peer_rank": np.arange(1, n + 1, dtype=float),
            "funnel_band": "within",
            "reason": reasons or [""] * n,
        }
    )


def cells(withheld: pd.DataFrame, suppression: str | None = None) -> set[str]:
    w = withheld[withheld.table == "indicators"]
    if suppression:
        w = w[w.suppression == suppression]
    return set(w.org_code)


def test_counts_1_to_7_are_suppressed_8_and_zero_are_published(uec) -> None:
    res = results([0, 1, 7, 8, 300, 500])
    w = dc.withheld_cells(uec, res)
    assert cells(w, "primary") == {"R01", "R02"}
    assert "R00" not in cells(w) and "R03" not in cells(w, "primary")


def test_zero_is_suppressed_when_the_policy_says_so(uec) -> None:
    res = results([0, 300, 500, 700])
    assert cells(dc.withheld_cells(uec, res)) == set()
    zeros = dc.withheld_cells(with_rule(uec, suppress_zeros=True), res)
    assert cells(zeros, "primary") == {"R00"}


def test_a_proportion_checks_its_denominator_and_those_without_the_event(uec) -> None:
    res = results([3, 995, 300, 400, 500], [5, 1000, 1000, 1000, 1000])
    w = dc.withheld_cells(uec, res).set_index("org_code")
    assert "denominator below 8" in w.loc["R00", "rule"]
    assert w.loc["R01", "rule"] == "denominator minus numerator below 8"


def test_the_counts_of_each_statistic() -> None:
    df = pd.DataFrame({"numerator": [3.0], "denominator": [5.0]})
    assert list(dc.counts(df, "proportion").iloc[0]) == [3, 5, 2]
    assert list(dc.counts(df, "rate").columns) == ["numerator"]
    assert list(dc.counts(df, "mean").columns) == ["denominator"]  # respondents
    assert dc.counts(df, "ratio").empty  # accounts: no count of people
    assert set(dc.COUNTS) == set(STATISTICS)


def test_the_threshold_and_the_scope_come_from_the_settings(uec, root) -> None:
    res = results([9, 300, 500])
    assert cells(dc.withheld_cells(with_rule(uec, min_count=10), res)) == {"R00", "R01"}
    assert cells(dc.withheld_cells(with_rule(uec, min_count=0), results([1, 300]))) == set()
    assert dc.controlled_metrics(with_rule(uec, metrics="none")) == []
    assert dc.controlled_metrics(with_rule(uec, metrics=[METRIC])) == [METRIC]
    # the default: only metrics built from a record-level source
    assert dc.controlled_metrics(load_assessment("config/fast/uec-fast.yml", root)) == []
    synthetic = load_assessment("config/assessments/synthetic-acute.yml", root)
    assert dc.controlled_metrics(synthetic) == ["readmission_30d_pct", "shmi_ratio"]
    with pytest.raises(ValueError, match=r"disclosure.metrics.*no_such_metric"):
        dc.controlled_metrics(with_rule(uec, metrics=["no_such_metric"]))


def published_sum_attack(res: pd.DataFrame, public: pd.DataFrame, kind: str) -> dict:
    """What an attacker gets from England's sum (over the rows with a value) minus every
    published cell: per metric and year, the rest and the cells it is spread over."""
    out = {}
    valid = res.reason == ""
    true, pub = dc.counts(res, "proportion")[kind], dc.counts(public, "proportion")[kind]
    for key, idx in res[valid].groupby(["metric_id", "period"]).groups.items():
        hidden = public.loc[idx][pub.loc[idx].isna()].org_code.tolist()
        out[key] = (true.loc[idx].sum() - pub.loc[idx].sum(), hidden)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_count_can_be_derived_from_englands_sums(uec, seed) -> None:
    """Random peer groups with small counts: subtracting every published cell from England's
    numerator, denominator and their difference leaves the sum of two or more withheld cells,
    never one cell's count, and never a small number."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    num = np.where(rng.random(n) < 0.3, rng.integers(0, 8, n), rng.integers(8, 400, n))
    den = num + np.where(rng.random(n) < 0.2, rng.integers(0, 8, n), rng.integers(8, 900, n))
    res = results(num, den, icbs=list(rng.choice(["Q1", "Q2", "Q3"], n)))
    rule = uec.settings.disclosure
    w = dc.withheld_cells(uec, res)
    public = dc.public_indicators(res, w)
    small = dc.is_small(dc.counts(res, "proportion"), rule).any(axis=1)
    assert set(public.org_code[public.value.isna()]) >= set(res.org_code[small])
    if (w.table == "england").any():
        return  # England's own counts are withheld: nothing to subtract from
    for kind in ("numerator", "denominator", "complement"):
        for rest, hidden in published_sum_attack(res, public, kind).values():
            assert len(hidden) != 1, (kind, hidden)
            if hidden:
                assert rest >= rule.min_count or rest == 0, (kind, rest, hidden)


def test_the_complement_is_the_smallest_cell_of_the_same_icb_first(uec) -> None:
    res = results([3, 40, 20, 900, 15], icbs=["Q1", "Q2", "Q1", "Q1", "Q2"])
    w = dc.withheld_cells(uec, res)
    assert cells(w, "primary") == {"R00"} and cells(w, "secondary") == {"R02"}
    assert "only withheld cell" in w.set_index("org_code").loc["R02", "rule"]


def test_two_small_cells_that_add_up_to_a_small_number_get_a_third(uec) -> None:
    res = results([2, 3, 50, 60, 70])
    w = dc.withheld_cells(uec, res)
    assert cells(w, "primary") == {"R00", "R01"} and cells(w, "secondary") == {"R02"}


def test_a_row_outside_englands_sum_is_suppressed_without_a_complement(uec) -> None:
    res = results([3, 40, 50], reasons=["only 6 of the 9 months needed", "", ""])
    w = dc.withheld_cells(uec, res)
    assert cells(w) == {"R00"}
    public = dc.public_indicators(res, w)
    assert (
        public.reason[0]
        == "only 6 of the 9 months needed; " + SUPPRESSED[0].lower() + (SUPPRESSED[1:])
    )


def test_a_sum_that_cannot_be_protected_withholds_englands_counts(uec) -> None:
    res = results([3, 0, 0])  # England's numerator would be the one small count
    w = dc.withheld_cells(uec, res)
    assert set(w.table) == {"indicators", "england"}
    eng = pd.DataFrame(
        {"metric_id": METRIC, "period": ["2023/24", YEAR], "numerator": [9.0, 3.0]}
    ).assign(denominator=3000.0, value=0.1, ci95_lower=0.0, ci95_upper=1.0)
    public = dc.public_england(eng, w)
    assert public.numerator[0] == 9.0 and public.value[0] == 0.1
    assert public.loc[1, list(dc.ENGLAND_BLANK[:5])].isna().all()


def test_the_published_indicators_blank_everything_drawn_from_a_withheld_cell(uec) -> None:
    res = results([3, 40, 50, 60])
    w = dc.withheld_cells(uec, res)
    public = dc.public_indicators(res, w)
    hidden = public.org_code.isin(cells(w))
    gone = ["numerator", "denominator", "value", "ci95_lower", "ci95_upper", "peer_rank"]
    assert public.loc[hidden, gone].isna().all(axis=None)
    assert public.loc[hidden, "meets_goal"].isna().all()
    assert set(public.comparison[hidden]) == {"not_compared"}
    assert set(public.comparison_headline[hidden]) == {"not_compared"}
    assert set(public.comparison_test[hidden]) == {""}
    assert set(public.funnel_band[hidden]) == {""} and set(public.reason[hidden]) == {SUPPRESSED}
    pd.testing.assert_frame_equal(public[~hidden], res[~hidden], check_dtype=False)  # as they were
    assert res.numerator[0] == 3  # the true table is not changed


def test_scores_changes_plans_and_charts_of_a_withheld_cell_are_not_published(uec) -> None:
    res = results([3, 40, 50, 60])
    w = dc.withheld_cells(uec, res)
    hidden = sorted(cells(w))
    scores = pd.DataFrame(
        {
            "org_code": ["R00", "R01", "R02"],
            "metric_id": METRIC,
            "period": YEAR,
            "value": [0.3, 4.0, 5.0],
            "score": [1.0, 2.5, 4.0],
            "metric_rank": [1.0, 2.0, 3.0],
            "score_mode": "continuous",
        }
    )
    ps = dc.public_metric_scores(scores, w).set_index("org_code")
    for org in hidden:
        if org in ps.index:
            assert ps.loc[org, ["value", "score", "metric_rank"]].isna().all()
            assert ps.loc[org, "score_mode"] == dc.SUPPRESSED_MODE
    assert ps.loc["R02", "score"] == 4.0
    changes = scores.assign(value_needed=1.0, change_needed=0.7)
    assert not set(dc.public_segment_changes(changes, w).org_code) & set(hidden)
    delivery = pd.DataFrame(
        {
            "org_code": ["R00", "R00", "R02"],
            "metric_id": METRIC,
            "period": ["2023/24", YEAR, YEAR],
            "actual": [10.0, 0.3, 5.0],
            "previous_actual": [np.nan, 10.0, 4.0],
            "planned_change": [np.nan, -1.0, 0.5],
            "actual_change": [np.nan, -9.7, 1.0],
        }
    )
    pd_ = dc.public_plan_delivery(delivery, w)
    assert list(zip(pd_.org_code, pd_.period, strict=True)) == [("R00", "2023/24"), ("R02", YEAR)]
    # a later year whose previous year is withheld loses the previous actual and the changes
    later = delivery.assign(period=["2024/25", "2025/26", "2025/26"])
    shown = dc.public_plan_delivery(later, w).set_index(["org_code", "period"])
    assert shown.loc[("R00", "2025/26"), list(dc.PLAN_PREVIOUS)].isna().all()
    assert shown.loc[("R02", "2025/26"), "previous_actual"] == 4.0


def test_a_monthly_series_with_a_small_month_or_a_withheld_year_is_not_charted(uec) -> None:
    res = results([3, 400, 500, 600])
    months = pd.date_range("2024-04-01", periods=3, freq="MS")
    monthly = pd.DataFrame(
        [
            (org, m, YEAR, num, 100.0, METRIC)
            for org, nums in {"R00": (1, 1, 1), "R01": (50, 5, 50), "R02": (40, 40, 40)}.items()
            for m, num in zip(months, nums, strict=True)
        ]
        + [("R03", m, YEAR, 200.0, 300.0, METRIC) for m in months],
        columns=["org_code", "month", "period", "numerator", "denominator", "metric_id"],
    )
    w = dc.withheld_cells(uec, res, monthly=monthly)
    charts = w[w.table == "spc_chart"].set_index("org_code").rule.to_dict()
    withheld_years = cells(w)
    assert "R01" in charts and "R00" in charts  # a small month (R00's year is withheld too)
    for org in withheld_years - {"R00"}:
        assert charts.get(org) in ("a year of the series is withheld", "a month's count below 8")
    shown = dc.public_monthly(monthly, w)
    assert set(shown.org_code) == {"R02", "R03"} - set(charts)


def test_an_icb_total_of_a_providers_small_count_is_withheld(root) -> None:
    run = load_assessment("config/assessments/synthetic-icb.yml", root)
    metric = "icb_readmission_30d_pct"
    months = pd.date_range("2023-04-01", periods=12, freq="MS")
    measures = pd.DataFrame(
        [
            ("admissions", org, m, measure, value)
            for org, (readm, spells) in {"P1": (0.25, 40), "P2": (30, 900), "P3": (20, 800)}.items()
            for m in months
            for measure, value in (("readmissions_30d", readm), ("index_spells", spells))
        ],
        columns=["source", "org_code", "month", "measure", "value"],
    )
    orgs = pd.DataFrame({"org_code": ["P1", "P2", "P3"], "icb_code": ["QA", "QA", "QB"]})
    res = results([363, 240, 500], [10080, 9600, 9000], metric=metric, period="2023/24")
    res["org_code"] = ["QA", "QB", "QC"]
    res["icb"] = res.org_code
    w = dc.withheld_cells(run, res, measures=measures, orgs=orgs)
    rules = w.set_index("org_code").rule
    assert "adds up the counts of provider P1: numerator below 8" in rules["QA"]
    assert set(w.org_code) == {"QA", "QB"}  # and the smallest other ICB, its complement


def test_the_analysts_log_is_private_and_names_each_cell(uec, tmp_path) -> None:
    res = results([3, 40, 50, 60])
    w = dc.withheld_cells(uec, res)
    path = dc.write_log(w, res, tmp_path / "_private", uec)
    log = pd.read_csv(path, dtype={"period": str})
    assert path.parent.name.startswith("_") and (path.parent / "README.txt").exists()
    assert list(log.columns[:4]) == ["assessment", "org_code", "org_name", "metric_id"]
    assert set(log.suppression) == {"primary", "secondary"}
    assert log.set_index("org_code").numerator["R00"] == 3
    assert dc.summary(uec, dc.public_indicators(res, w))["cells"] == 2
    assert "Counts from 1 to 7 of " in dc.rule_text(uec) and SUPPRESSED in dc.rule_text(uec)
    off = dc.rule_text(with_rule(uec, metrics="none"))
    assert off.startswith("No metric of this assessment is under disclosure control")


def test_withheld_cells_are_the_same_on_every_run(uec) -> None:
    res = results([3, 40, 20, 900, 15, 2, 8], icbs=["Q1", "Q2", "Q1", "Q1", "Q2", "Q3", "Q3"])
    runs = [dc.withheld_cells(uec, res.sample(frac=1, random_state=s)) for s in range(3)]
    for a, b in itertools.pairwise(runs):
        pd.testing.assert_frame_equal(a, b)
