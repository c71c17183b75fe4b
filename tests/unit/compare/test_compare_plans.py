"""Delivery against organisations' own plans (helpers.compare.plans): the planned value an analyst
would compute by hand, statuses by polarity and uncertainty, mergers, counts and accounts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from spec_support import metric_spec

from helpers.compare.plans import delivery_summary, plan_delivery
from helpers.settings import MetricSpec
from helpers.stats.ci import wilson_lower, wilson_upper

YEARS = ["2023/24", "2024/25"]


def spec(
    metric_id: str,
    polarity: str = "higher_is_better",
    on: str = "value",
    period: str = "year",
    statistic: str = "proportion",
    ci: str = "wilson",
    min_months: int = 1,
    unit: str = "%",
    multiplier: float = 100,
) -> MetricSpec:
    return metric_spec(
        metric_id,
        statistic,
        ci,
        polarity=polarity,
        multiplier=multiplier,
        unit=unit,
        years=("2023/24", "2024/25"),
        min_months=min_months,
        plan={"measure": f"plan_{metric_id}", "on": on, "period": period, "label": "x"},
    )


def run_of(*specs: MetricSpec) -> SimpleNamespace:
    return SimpleNamespace(metrics=list(specs), settings=SimpleNamespace(financial_years=YEARS))


def monthly(metric_id: str, rows: list[tuple]) -> pd.DataFrame:
    """rows: (org_code, published code, month, numerator, denominator)."""
    d = pd.DataFrame(
        rows, columns=["org_code", "org_code_published", "month", "numerator", "denominator"]
    )
    d["month"] = pd.to_datetime(d.month)
    d["period"] = [
        f"{m.year - (m.month < 4)}/{(m.year - (m.month < 4) + 1) % 100:02d}" for m in d.month
    ]
    d["metric_id"] = metric_id
    return d


def plans(metric_id: str, rows: list[tuple]) -> pd.DataFrame:
    """rows: (org_code, published code, month, planned value)."""
    d = pd.DataFrame(rows, columns=["org_code", "org_code_published", "month", "value"])
    d["month"] = pd.to_datetime(d.month)
    d["measure"] = f"plan_{metric_id}"
    return d


def test_planned_value_is_the_plan_weighted_by_actual_activity():
    s = spec("p")
    m = monthly("p", [("A", "A", "2024-04-01", 80, 100), ("A", "A", "2024-05-01", 270, 300)])
    p = plans("p", [("A", "A", "2024-04-01", 80.0), ("A", "A", "2024-05-01", 90.0)])
    d = plan_delivery(run_of(s), p, m, {"A"})
    row = d.iloc[0]
    # (0.80 x 100 + 0.90 x 300) / 400 = 87.5%, not the plain mean of 85%
    assert row.planned == pytest.approx(87.5)
    assert row.actual == pytest.approx(87.5)
    assert row.status == "delivered" and row.months_compared == 2
    assert row.ci95_lower == pytest.approx(100 * wilson_lower(350, 400)[()])
    assert row.ci95_upper == pytest.approx(100 * wilson_upper(350, 400)[()])


def test_shortfall_within_the_interval_is_chance_and_beyond_it_is_missed():
    s = spec("p")
    m = monthly("p", [("A", "A", "2024-04-01", 78, 100), ("B", "B", "2024-04-01", 7000, 10000)])
    p = plans("p", [("A", "A", "2024-04-01", 80.0), ("B", "B", "2024-04-01", 72.0)])
    d = plan_delivery(run_of(s), p, m, {"A", "B"}).set_index("org_code")
    assert d.loc["A", "status"] == "missed_within_chance"  # 78/100: 95% CI about 69 to 85
    assert d.loc["B", "status"] == "missed"  # 70.0% (69.1 to 70.9) against 72%
    assert d.loc["B", "gap"] == pytest.approx(-2.0)


def test_lower_is_better_turns_the_judgement_round():
    s = spec("p", polarity="lower_is_better")
    m = monthly("p", [("A", "A", "2024-04-01", 300, 10000), ("B", "B", "2024-04-01", 700, 10000)])
    p = plans("p", [("A", "A", "2024-04-01", 5.0), ("B", "B", "2024-04-01", 5.0)])
    d = plan_delivery(run_of(s), p, m, {"A", "B"}).set_index("org_code")
    assert d.loc["A", "status"] == "delivered"  # 3% against a plan of at most 5%
    assert d.loc["B", "status"] == "missed"


def test_merged_codes_add_up_each_plan_weighted_by_its_own_activity():
    s = spec("p")
    # X and Y merged into Z: each former code planned for its own patients
    m = monthly("p", [("Z", "X", "2024-04-01", 90, 100), ("Z", "Y", "2024-04-01", 150, 300)])
    p = plans("p", [("Z", "X", "2024-04-01", 90.0), ("Z", "Y", "2024-04-01", 50.0)])
    row = plan_delivery(run_of(s), p, m, {"Z"}).iloc[0]
    assert row.planned == pytest.approx(100 * (90 + 150) / 400)
    assert row.actual == pytest.approx(60.0) and row.status == "delivered"


def test_count_plan_at_year_end_uses_march_only_and_has_no_interval():
    s = spec("w", polarity="lower_is_better", on="numerator", period="year_end")
    m = monthly("w", [("A", "A", "2025-02-01", 10, 1000), ("A", "A", "2025-03-01", 40, 1000)])
    p = plans("w", [("A", "A", "2025-02-01", 100), ("A", "A", "2025-03-01", 30)])
    row = plan_delivery(run_of(s), p, m, {"A"}).iloc[0]
    assert (row.planned, row.actual, row.basis) == (30, 40, "March")
    assert np.isnan(row.ci95_lower) and row.status == "missed"


def test_accounts_plan_is_summed_over_the_year():
    s = spec("f", on="numerator", statistic="ratio", ci="none")
    months = pd.date_range("2024-04-01", periods=12, freq="MS").strftime("%Y-%m-%d")
    p = plans("f", [("A", "A", mo, 100.0) for mo in months])  # a £1.2m surplus planned
    m = monthly("f", [("A", "A", "2024-04-01", 1500, 50000)])  # outturn reported once a year
    row = plan_delivery(run_of(s), p, m, {"A"}).iloc[0]
    assert (row.planned, row.actual, row.status) == (1200, 1500, "delivered")


def test_years_with_too_few_months_and_other_organisations_are_left_out():
    s = spec("p", min_months=2)
    m = monthly(
        "p",
        [
            ("A", "A", "2024-04-01", 8, 10),
            ("B", "B", "2024-04-01", 8, 10),
            ("B", "B", "2024-05-01", 8, 10),
        ],
    )
    p = plans(
        "p",
        [
            ("A", "A", "2024-04-01", 80.0),
            ("B", "B", "2024-04-01", 80.0),
            ("B", "B", "2024-05-01", 80.0),
            ("C", "C", "2024-04-01", 80.0),
        ],
    )
    d = plan_delivery(run_of(s), p, m, {"A", "B"})
    assert list(d.org_code) == ["B"]


def test_change_on_the_previous_year_only_for_consecutive_years():
    s = spec("p")
    m = monthly("p", [("A", "A", "2023-04-01", 60, 100), ("A", "A", "2024-04-01", 70, 100)])
    p = plans("p", [("A", "A", "2023-04-01", 65.0), ("A", "A", "2024-04-01", 75.0)])
    d = plan_delivery(run_of(s), p, m, {"A"})
    last = d.iloc[-1]
    assert last.planned_change == pytest.approx(15.0) and last.actual_change == pytest.approx(10)
    assert np.isnan(d.iloc[0].planned_change)


def test_no_judgement_metrics_have_no_delivery_and_summary_counts():
    s = spec("p", polarity="no_judgement")
    m = monthly("p", [("A", "A", "2024-04-01", 8, 10)])
    p = plans("p", [("A", "A", "2024-04-01", 80.0)])
    assert plan_delivery(run_of(s), p, m, {"A"}).empty
    s2 = spec("q")
    m = monthly("q", [("A", "A", "2024-04-01", 9, 10), ("B", "B", "2024-04-01", 1, 1000)])
    p = plans("q", [("A", "A", "2024-04-01", 80.0), ("B", "B", "2024-04-01", 80.0)])
    summary = delivery_summary(plan_delivery(run_of(s2), p, m, {"A", "B"}))
    assert summary[["organisations", "delivered", "missed_within_chance", "missed"]].iloc[
        0
    ].tolist() == [2, 1, 0, 1]
