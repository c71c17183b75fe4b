"""helpers.stats.spc against NHSRplotthedots 0.2.2 outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from parity.engine import CheckResult
from parity.run import run_all
from stats_refs import REF, read_ref

from helpers.stats import spc

CHECKS = run_all(REF, only=["spc"])


@pytest.mark.parametrize("check", CHECKS, ids=[f"{c.function}|{c.reference}" for c in CHECKS])
def test_matches_reference(check: CheckResult) -> None:
    assert check.rows > 0
    assert check.passed, check.detail


def test_many_series_at_once_equal_one_at_a_time() -> None:
    synth = read_ref("plotthedots/spc_synthetic_input.csv")
    both = spc.spc(synth, "value", "date", "team", rebase={"A": ["2021-02-10"]})
    for team, g in synth.groupby("team"):
        one = spc.spc(g, "value", "date", rebase=["2021-02-10"] if team == "A" else None)
        sub = both[both.f == team].reset_index(drop=True).drop(columns="f")
        pd.testing.assert_frame_equal(sub, one.drop(columns="f"), check_dtype=False)


def test_run_length_six_flags_shorter_runs() -> None:
    y = np.r_[np.tile([1.0, -1.0], 7), [0.4, 0.6] * 3, [-1.0, 1.0]]
    data = pd.DataFrame({"x": pd.date_range("2021-01-01", periods=len(y)), "y": y})
    seven = spc.spc(data, "y", "x")
    six = spc.spc(data, "y", "x", run_length=6)
    assert (seven.special_cause_type == "Common Cause").all()
    assert (six.special_cause_type == "6 Points Above CL").sum() == 6
    assert (six.special_cause_type.iloc[14:20] == "6 Points Above CL").all()


def test_two_in_three_can_count_points_beyond_limits() -> None:
    opp = read_ref("plotthedots/spc_twointhree_opposite_input.csv")
    pts = spc.spc(opp, "data", "date")
    assert (pts.special_cause_type == "Common Cause").all()
    # baseline of 16 alternating points fixes mean 0 and limits ±5.32 (near limits ±3.55)
    y = np.r_[np.tile([1.0, -1.0], 8), 6.0, 4.0, 0.5]
    data = pd.DataFrame({"x": pd.date_range("2021-01-01", periods=len(y)), "y": y})
    kw = {"fix_after_n_points": 16}
    strict = spc.spc(data, "y", "x", **kw)
    loose = spc.spc(data, "y", "x", two_in_three_includes_outside=True, **kw)
    assert strict.outside_limits.iloc[16] and strict.close_to_limits.iloc[17]
    assert strict.special_cause_type.iloc[17] == "Common Cause"
    assert loose.special_cause_type.iloc[17] == "2 in 3 Above CL"
    assert loose.special_cause_type.iloc[16] == "Above UCL"


def test_summary_icons_and_assurance() -> None:
    synth = read_ref("plotthedots/spc_synthetic_input.csv")
    pts = spc.spc(synth, "value", "date", "team", target={"A": 52, "B": 95})
    summ = spc.spc_summary(pts, "increase")
    assert list(summ.f) == ["A", "B"]
    assert set(summ.variation_colour) <= set(spc.VARIATION_COLOURS.values())
    assert spc.assurance_type(1, 3, np.nan, "increase")[0] is None
    with pytest.raises(ValueError, match="improvement_direction"):
        spc.spc(synth, "value", "date", improvement_direction="up")  # type: ignore[arg-type]


def test_facet_on_several_columns() -> None:
    synth = read_ref("plotthedots/spc_synthetic_input.csv")
    synth["metric"] = "m1"
    two = pd.concat([synth, synth.assign(metric="m2", value=synth.value * 2)])
    pts = spc.spc(two, "value", "date", ["team", "metric"], target={("A", "m1"): 52})
    assert pts.f.nunique() == 4
    single = spc.spc(synth[synth.team == "B"], "value", "date")
    sub = pts[pts.f == ("B", "m1")].reset_index(drop=True)
    np.testing.assert_allclose(sub.upl, single.upl)
    assert (sub.point_type.to_numpy() == single.point_type.to_numpy()).all()
    summ = spc.spc_summary(pts, "increase")
    assert len(summ) == 4
