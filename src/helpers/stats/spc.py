"""XmR statistical process control charts as NHS England "Making Data Count" / NHSRplotthedots.

Source: nhs-r-community/NHSRplotthedots 0.2.2 (``R/ptd_spc_standard.R``,
``R/ptd_calculate_point_type.R``, ``R/ptd_calculate_assurance_type.R``).

:func:`spc` takes a long table with any number of series (``facet`` column(s)) and returns one
row per point with the same columns as the reference ``ptd_spc()`` output; :func:`spc_summary`
gives the per facet × rebase-group summary with the variation and assurance types.

All rules are evaluated for every series at once with group-aware shifts over one sorted array
(no per-series Python loop).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

Direction = Literal["increase", "decrease", "neutral"]
LIMIT: float = 2.66
NEAR_LIMIT: float = 2 * LIMIT / 3  # 1.7733
MR_SCREEN: float = 3.267
POINT_COLUMNS: tuple[str, ...] = (
    "y",
    "x",
    "f",
    "trajectory",
    "rebase_group",
    "short_group_warning",
    "fix_y",
    "mean_col",
    "lpl",
    "upl",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "special_cause_type",
    "special_cause_flag",
    "point_type",
    "target",
)
#: Making Data Count icon colours
VARIATION_COLOURS: dict[str, str] = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_concern": "#e46c0a",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
}
NO_FACET = "no facet"


def _direction_value(direction: Direction) -> int:
    try:
        return {"increase": 1, "decrease": -1, "neutral": 0}[direction]
    except KeyError:
        raise ValueError(
            f"improvement_direction must be 'increase', 'decrease' or 'neutral', not {direction!r}"
        ) from None


class _Shifter:
    """Shift arrays within groups of a sorted array (out-of-group positions get ``fill``)."""

    def __init__(self, gid: np.ndarray) -> None:
        self.gid = gid
        self.n = len(gid)

    def __call__(self, a: np.ndarray, k: int, fill: float | bool) -> np.ndarray:
        """``out[i] = a[i-k]`` when ``i-k`` is in the same group as ``i``, else ``fill``."""
        out = np.full(self.n, fill, dtype=np.result_type(a, np.asarray(fill)))
        if abs(k) >= self.n:
            return out
        if k >= 0:
            same = self.gid[k:] == self.gid[: self.n - k]
            out[k:] = np.where(same, a[: self.n - k], fill)
        else:
            m = -k
            same = self.gid[: self.n - m] == self.gid[m:]
            out[: self.n - m] = np.where(same, a[m:], fill)
        return out


def _gid(n: int, gid: np.ndarray | None) -> np.ndarray:
    return np.zeros(n, dtype=int) if gid is None else np.asarray(gid)


def seven_point_one_side_mean(
    relative_to_mean: np.ndarray, gid: np.ndarray | None = None, run_length: int = 7
) -> np.ndarray:
    """1 where this point ends a run of ``run_length`` points on the same side of the mean."""
    rtm = np.asarray(relative_to_mean, dtype=float)
    sh = _Shifter(_gid(len(rtm), gid))
    out = rtm != 0
    for j in range(1, run_length):
        out &= sh(rtm, j, 0.0) == rtm
    return out.astype(int)


def seven_point_trend(
    y: np.ndarray, gid: np.ndarray | None = None, run_length: int = 7
) -> np.ndarray:
    """+1 / −1 where this point ends a run of ``run_length`` strictly rising / falling points."""
    yy = np.asarray(y, dtype=float)
    sh = _Shifter(_gid(len(yy), gid))
    dy = yy - sh(yy, 1, np.nan)
    inc = np.ones(len(yy), dtype=bool)
    dec = np.ones(len(yy), dtype=bool)
    for j in range(run_length - 1):
        d = sh(dy, j, np.nan)
        inc &= d > 0
        dec &= d < 0
    return inc.astype(int) - dec.astype(int)


def part_of_seven_trend(
    v: np.ndarray, gid: np.ndarray | None = None, run_length: int = 7
) -> np.ndarray:
    """1 where this point, or one of the next ``run_length − 1``, ends a run (|v| == 1)."""
    flag = np.abs(np.asarray(v, dtype=float)) == 1
    sh = _Shifter(_gid(len(flag), gid))
    out = flag.copy()
    for j in range(1, run_length):
        out |= sh(flag, -j, False)
    return out.astype(int)


def two_in_three(
    close_to_limits: np.ndarray, relative_to_mean: np.ndarray, gid: np.ndarray | None = None
) -> np.ndarray:
    """1 where a window of 3 containing the point has ≥ 2 close points, all 3 on one side."""
    c = np.asarray(close_to_limits, dtype=float)
    rtm = np.asarray(relative_to_mean, dtype=float)
    sh = _Shifter(_gid(len(c), gid))
    out = np.zeros(len(c), dtype=bool)
    for start in (-2, -1, 0):  # windows (i-2..i), (i-1..i+1), (i..i+2)
        idx = (start, start + 1, start + 2)
        csum = sum(sh(c, -j, 0.0) for j in idx)
        rsum = sum(sh(rtm, -j, 0.0) for j in idx)
        out |= (csum >= 2) & (np.abs(rsum) == 3)
    return out.astype(int)


def part_of_two_in_three(v: np.ndarray, close_to_limits: np.ndarray) -> np.ndarray:
    """Only the close points of a 2-in-3 window are flagged."""
    return ((np.asarray(v) == 1) & (np.abs(np.asarray(close_to_limits, dtype=float)) == 1)).astype(
        int
    )


def _special_cause_types(
    y: np.ndarray,
    rtm: np.ndarray,
    close: np.ndarray,
    outside: np.ndarray,
    gid: np.ndarray,
    run_length: int,
) -> np.ndarray:
    sh = _Shifter(gid)
    part_trend = part_of_seven_trend(seven_point_trend(y, gid, run_length), gid, run_length) == 1
    part_two3 = part_of_two_in_three(two_in_three(close, rtm, gid), close) == 1
    part_side = (
        part_of_seven_trend(seven_point_one_side_mean(rtm, gid, run_length), gid, run_length) == 1
    )
    # direction of a trend point: the step to its right when the next point is in the trend too
    dy = y - sh(y, 1, np.nan)
    right = sh(dy, -1, np.nan)
    next_in_trend = sh(part_trend, -1, False)
    sdy = np.sign(np.where(part_trend & next_in_trend, right, dy))
    sdy = np.where(np.isnan(sdy), 0, sdy)
    side = np.where(rtm > 0, "Above", "Below")
    return np.select(
        [outside, part_trend, part_two3, part_side],
        [
            np.where(rtm == 1, "Above UCL", "Below LCL"),
            np.char.add(
                np.char.add(f"{run_length} Point Trend (", np.where(sdy == 1, "In", "De")),
                "creasing)",
            ),
            np.char.add(np.char.add("2 in 3 ", side), " CL"),
            np.char.add(np.char.add(f"{run_length} Points ", side), " CL"),
        ],
        default="Common Cause",
    ).astype(object)


def _point_type(types: np.ndarray, direction: int) -> np.ndarray:
    t = pd.Series(types, dtype=object).astype(str)
    v = np.where(
        t.str.contains("Above|Increasing"), 1, np.where(t.str.contains("Below|Decreasing"), -1, 0)
    )
    if direction == 0:
        return np.select(
            [v > 0, v < 0],
            ["special_cause_neutral_high", "special_cause_neutral_low"],
            default="common_cause",
        ).astype(object)
    v = v * direction
    return np.select(
        [v > 0, v < 0], ["special_cause_improvement", "special_cause_concern"], "common_cause"
    ).astype(object)


def _per_facet(
    spec: object, facets: pd.Series, name: str
) -> pd.Series:  # value for each row from a scalar or a facet mapping
    if spec is None:
        return pd.Series(np.nan, index=facets.index, dtype=float)
    if isinstance(spec, Mapping):
        return facets.map(lambda f: spec.get(f, np.nan)).astype(float)
    return pd.Series(float(spec), index=facets.index)  # type: ignore[arg-type]


def _facet_values(data: pd.DataFrame, facet: str | Sequence[str] | None) -> np.ndarray | str:
    if facet is None:
        return NO_FACET
    if isinstance(facet, str):
        return data[facet].to_numpy()
    keys = np.empty(len(data), dtype=object)
    keys[:] = list(zip(*(data[c].tolist() for c in facet), strict=True))
    return keys


def spc(
    data: pd.DataFrame,
    value: str,
    date: str,
    facet: str | Sequence[str] | None = None,
    *,
    improvement_direction: Direction = "increase",
    target: float | Mapping[Hashable, float] | str | None = None,
    trajectory: str | None = None,
    rebase: Iterable[object] | Mapping[Hashable, Iterable[object]] | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    run_length: int = 7,
    two_in_three_includes_outside: bool = False,
    warning_threshold: int = 13,
) -> pd.DataFrame:
    """XmR chart points for every series in ``data`` (``ptd_spc`` equivalent).

    * Within each facet × rebase group (``rebase_group = cumsum(date in rebase dates)``), the
      first ``fix_after_n_points`` values form the baseline: ``mean_col``, moving ranges screened
      at ``3.267 × mean MR`` (once) when ``screen_outliers``; ``lpl/upl = mean ∓ 2.66 mMR`` and
      near limits at ``± 1.773 mMR``.
    * ``special_cause_type`` applies the rules in priority order: beyond a limit; a run of
      ``run_length`` (default 7; 6 is the other Making Data Count option) points rising or
      falling; 2 of 3 points beyond the near limit with all 3 on the same side of the mean;
      ``run_length`` points on one side of the mean. ``two_in_three_includes_outside=True`` lets
      points beyond the process limits count towards 2-in-3 (the 2023 Making Data Count change;
      off by default as the reference).
    * ``point_type`` orients the direction by ``improvement_direction``.

    ``facet`` is one column or several (e.g. ``["org", "metric"]``; ``f`` then holds tuples).
    ``target`` is a number, a ``{facet: number}`` mapping or a column name; ``rebase`` a list of
    dates or a ``{facet: dates}`` mapping. Returns the reference's columns (see
    ``POINT_COLUMNS``), sorted by facet and date.
    """
    direction = _direction_value(improvement_direction)
    if run_length < 2:
        raise ValueError("run_length must be at least 2")
    df = pd.DataFrame(
        {
            "y": pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float),
            "x": data[date].to_numpy(),
            "f": _facet_values(data, facet),
            "trajectory": (
                data[trajectory].to_numpy(dtype=float) if trajectory is not None else np.nan
            ),
        }
    )
    if isinstance(target, str):
        df["target"] = data[target].to_numpy(dtype=float)
    else:
        df["target"] = _per_facet(target, df["f"], "target").to_numpy()
    df = df.sort_values(["f", "x"], kind="stable").reset_index(drop=True)
    # rebase groups
    if rebase is None:
        flag = np.zeros(len(df), dtype=int)
    elif isinstance(rebase, Mapping):
        dates = {f: set(pd.to_datetime(list(v))) for f, v in rebase.items()}
        xs = pd.to_datetime(df["x"])
        flag = np.array(
            [x in dates.get(f, ()) for f, x in zip(df["f"], xs, strict=True)], dtype=int
        )
    else:
        flag = pd.to_datetime(df["x"]).isin(pd.to_datetime(list(rebase))).to_numpy().astype(int)
    df["rebase_group"] = pd.Series(flag).groupby(df["f"].to_numpy()).cumsum().to_numpy()
    keys = [df["f"], df["rebase_group"]]
    g = df.groupby(keys, sort=False)
    gid = g.ngroup().to_numpy()
    pos = g.cumcount().to_numpy()
    size = g["y"].transform("size").to_numpy()
    df["short_group_warning"] = size < warning_threshold
    fix_n = np.inf if fix_after_n_points is None else fix_after_n_points
    fix_y = np.where(pos < fix_n, df["y"].to_numpy(), np.nan)
    df["fix_y"] = fix_y
    gs = pd.Series(fix_y).groupby(gid)
    mean = gs.transform("mean").to_numpy()
    prev = pd.Series(fix_y).groupby(gid).shift(1).to_numpy()
    mr = np.abs(fix_y - prev)
    amr = pd.Series(mr).groupby(gid).transform("mean").to_numpy()
    if screen_outliers:
        mr = np.where(mr < MR_SCREEN * amr, mr, np.nan)
        amr = pd.Series(mr).groupby(gid).transform("mean").to_numpy()
    y = df["y"].to_numpy()
    lpl = mean - LIMIT * amr
    upl = mean + LIMIT * amr
    nlpl = mean - NEAR_LIMIT * amr
    nupl = mean + NEAR_LIMIT * amr
    outside = (y > upl) | (y < lpl)
    rtm = np.sign(y - mean)
    close = ~outside & ((y < nlpl) | (y > nupl))
    df["mean_col"] = mean
    df["lpl"] = lpl
    df["upl"] = upl
    df["outside_limits"] = outside
    df["relative_to_mean"] = rtm
    df["close_to_limits"] = close
    two3_close = close | outside if two_in_three_includes_outside else close
    types = _special_cause_types(y, rtm, two3_close, outside, gid, run_length)
    df["special_cause_type"] = types
    df["special_cause_flag"] = types != "Common Cause"
    df["point_type"] = _point_type(types, direction)
    return df[list(POINT_COLUMNS)]


def assurance_type(
    lpl: Sequence[float] | np.ndarray | float,
    upl: Sequence[float] | np.ndarray | float,
    target: Sequence[float] | np.ndarray | float,
    improvement_direction: Direction,
) -> np.ndarray:
    """Making Data Count assurance: ``consistent_pass``, ``consistent_fail`` or ``inconsistent``.

    A target above the upper limit is a consistent fail when increase is better (a pass when
    decrease is better); below the lower limit the reverse. No target, or a neutral direction,
    gives None (no assurance icon).
    """
    d = _direction_value(improvement_direction)
    lo = np.atleast_1d(np.asarray(lpl, dtype=float))
    hi = np.atleast_1d(np.asarray(upl, dtype=float))
    t = np.broadcast_to(np.asarray(target, dtype=float), lo.shape)
    above = t > hi
    below = t < lo
    if d == 1:
        res = np.where(above, "consistent_fail", np.where(below, "consistent_pass", "inconsistent"))
    elif d == -1:
        res = np.where(above, "consistent_pass", np.where(below, "consistent_fail", "inconsistent"))
    else:
        return np.full(lo.shape, None, dtype=object)
    out = res.astype(object)
    out[np.isnan(t)] = None
    return out


def spc_summary(points: pd.DataFrame, improvement_direction: Direction) -> pd.DataFrame:
    """Per facet × rebase group: limits, counts, variation type and assurance (``summary()``).

    ``variation_type`` is the point type of the group's last point; ``assurance_type`` is
    computed on the last rebase group of each facet only, from its last row's limits and target.
    Columns: ``f, rebase_group, mean_col, lpl, upl, n, common_cause, special_cause_improvement,
    special_cause_concern, variation_type, assurance_type``.
    """
    g = points.groupby(["f", "rebase_group"], sort=True)
    last = g.tail(1).set_index(["f", "rebase_group"])
    pt = points["point_type"]
    counts = pd.DataFrame(
        {
            "n": g.size(),
            "common_cause": (pt == "common_cause").groupby([points.f, points.rebase_group]).sum(),
            "special_cause_improvement": (pt == "special_cause_improvement")
            .groupby([points.f, points.rebase_group])
            .sum(),
            "special_cause_concern": (pt == "special_cause_concern")
            .groupby([points.f, points.rebase_group])
            .sum(),
        }
    )
    out = last[["mean_col", "lpl", "upl"]].join(counts)
    out["variation_type"] = last["point_type"]
    out["assurance_type"] = assurance_type(
        last["lpl"], last["upl"], last["target"], improvement_direction
    )
    is_last = out.index.get_level_values("rebase_group") == out.groupby(level="f")["n"].transform(
        lambda s: s.index.get_level_values(1).max()
    )
    out.loc[~np.asarray(is_last), "assurance_type"] = None
    out["variation_colour"] = out["variation_type"].map(VARIATION_COLOURS)
    return out.reset_index()
