"""The XmR points the report cards draw are those behind the published SPC summary."""

from __future__ import annotations

import pandas as pd

from helpers.compare.spc_trend import spc_and_trend, spc_points


def test_the_drawn_points_are_the_summarised_ones(built_monthly) -> None:
    run, _measures, monthly, _mapping, _splits = built_monthly
    orgs = {"RDU", "RAL", "RP6"}
    keys = ["ae_4hr_pct", "ga_bed_occupancy_pct"]
    points = spc_points(run, monthly, orgs, keys)
    summary = spc_and_trend(run, monthly, orgs).set_index(["org_code", "metric_id"])
    assert set(points.metric_id) == set(keys) and set(points.org_code) <= orgs
    for (org, metric), d in points.groupby(["org_code", "metric_id"]):
        s = summary.loc[(org, metric)]
        assert len(d) == s.spc_points
        assert pd.Timestamp(d.month.min()).strftime("%Y-%m") == s.spc_first_month
        assert pd.Timestamp(d.month.max()).strftime("%Y-%m") == s.spc_last_month
        # the process limits are the mean -/+ 2.66 mean moving ranges: symmetric about the mean
        assert ((d.upl - d["mean"]) - (d["mean"] - d.lpl)).abs().max() < 1e-9
        assert set(d.point_type) <= {
            "common_cause",
            "special_cause_improvement",
            "special_cause_concern",
        }


def test_no_metric_no_points(built_monthly) -> None:
    run, _measures, monthly, _mapping, _splits = built_monthly
    assert spc_points(run, monthly, {"RDU"}, []).empty


def test_each_goal_is_drawn_only_over_the_years_it_applies_to(built_monthly) -> None:
    """The 2024/25 A&E goal (78%) was drawn across every month from 2021; the 2023/24 goal
    (76%) applies to 2023/24 only, and the earlier years have none."""
    from helpers.core.fy import financial_year

    run, _measures, monthly, _mapping, _splits = built_monthly
    points = spc_points(run, monthly, {"RDU", "RAL"}, ["ae_4hr_pct", "ga_bed_occupancy_pct"])
    ae = points[points.metric_id == "ae_4hr_pct"]
    year = financial_year(ae.month)
    assert set(year) >= {"2022/23", "2023/24", "2024/25"}
    assert ae.target[year == "2024/25"].eq(78).all()
    assert ae.target[year == "2023/24"].eq(76).all()
    assert ae.target[~year.isin(["2023/24", "2024/25"])].isna().all()
    beds = points[points.metric_id == "ga_bed_occupancy_pct"]  # a goal with no years: all
    spec = next(m for m in run.metrics if m.id == "ga_bed_occupancy_pct")
    expected = [g.value for g in spec.goals]
    assert beds.target.dropna().isin(expected).all() if expected else beds.target.isna().all()
