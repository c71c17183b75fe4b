"""The charts of every organisation at once: the metric pages' ranked, distribution, funnel and
rank-interval charts (:func:`metric_figures`, drawn in parallel), and the league tables'
caterpillar plot (:func:`league_chart`). Each comes with alt text written from its data; the
shared look is :mod:`helpers.publish.figures`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.axis
import matplotlib.dates
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from helpers.compare.ranks import N_DRAWS
from helpers.publish import figures
from helpers.publish.figures import (
    COMPARISON_STYLE,
    ENGLAND_COLOUR,
    Figure,
    _new_figure,
    _save,
    _yerr,
)
from helpers.publish.text import (
    FUNNEL_LABEL,
    fmt,
    lower_first,
)
from helpers.settings import MetricSpec


def ranked_chart(
    year: pd.DataFrame, spec: MetricSpec, benchmark: float, period: str, path: Path
) -> Figure:
    """Caterpillar chart: every organisation's value with its 95% interval, ranked, against
    England."""
    d = year[year.value.notna()].sort_values("value").reset_index(drop=True)
    fig = _new_figure(8, 4.2, layout="constrained")
    ax = fig.subplots()
    for comp, (colour, marker, label) in COMPARISON_STYLE.items():
        sub = d[d.comparison == comp]
        if sub.empty:
            continue
        ax.errorbar(
            sub.index + 1,
            sub.value,
            yerr=_yerr(sub),
            fmt=marker,
            ms=4,
            color=colour,
            ecolor=colour,
            elinewidth=0.8,
            label=f"{label} ({len(sub)})",
        )
    ax.axhline(
        benchmark, color=ENGLAND_COLOUR, lw=1.2, ls="--", label=f"England {fmt(benchmark, spec)}"
    )
    for target in [spec.standard, *spec.goals_for(period)]:
        if target is not None:
            ax.axhline(target.value, color="#009E73", lw=1, ls=":", label=target.label)
    ax.set_xlabel(f"Organisations ranked by value (lowest to highest), {period}")
    ax.set_ylabel(f"{spec.short_title} ({spec.unit})")
    ax.set_title(f"{spec.short_title}, {period}: each trust with its 95% confidence interval")
    ax.legend(fontsize=8, loc="best", frameon=True)
    _save(fig, path)
    counts = d.comparison.value_counts()
    parts = [f"{n} {lower_first(COMPARISON_STYLE[c][2])}" for c, n in counts.items()]
    alt = (
        f"Ranked chart of {spec.short_title} for {len(d)} organisations in {period}. "
        f"Values range from {fmt(d.value.min(), spec)} to {fmt(d.value.max(), spec)}; England is "
        f"{fmt(benchmark, spec)}. Compared with England: {', '.join(parts)}."
    )
    caption = (
        f"{spec.short_title}, {period}. Points are organisations, bars their 95% confidence "
        "intervals; the dashed line is England. Marker shape and colour show the comparison "
        "with England by each organisation's own 95% interval (the plain test, chance alone)."
    )
    return Figure(path, alt, caption)


JITTER_SEED = 20260401  # the horizontal jitter of the strip plots (no meaning, fixed)


def distribution_chart(
    data: pd.DataFrame, england: pd.DataFrame, spec: MetricSpec, path: Path
) -> Figure:
    """Box and strip plot of organisations' values in each year, with England marked."""
    d = data[data.value.notna()]
    periods = sorted(d.period.unique())
    fig = _new_figure(8, 3.8, layout="constrained")
    ax = fig.subplots()
    sns.boxplot(data=d, x="period", y="value", order=periods, color="#dddddd", fliersize=0, ax=ax)
    # seaborn jitters with numpy's global generator: seed it here (and restore it after) so a
    # rerun draws the same figure, byte for byte
    state = np.random.get_state()
    np.random.seed(JITTER_SEED)
    try:
        sns.stripplot(
            data=d,
            x="period",
            y="value",
            order=periods,
            color="#555555",
            size=2.5,
            alpha=0.6,
            jitter=0.25,
            ax=ax,
        )
    finally:
        np.random.set_state(state)
    e = england.set_index("period").reindex(periods)
    ax.plot(range(len(periods)), e.value, "D-", color=ENGLAND_COLOUR, ms=5, lw=1, label="England")
    ax.set_xlabel("Financial year")
    ax.set_ylabel(f"{spec.short_title} ({spec.unit})")
    ax.set_title(f"{spec.short_title}: spread across organisations by year")
    ax.legend(fontsize=8, loc="best")
    _save(fig, path)
    first, last = periods[0], periods[-1]
    med = d.groupby("period").value.median()
    alt = (
        f"Box plots of {spec.short_title} across organisations for each year from {first} "
        f"to {last}. The median organisation moved from {fmt(med[first], spec)} to "
        f"{fmt(med[last], spec)}; England moved from {fmt(e.value[first], spec)} to "
        f"{fmt(e.value[last], spec)}."
    )
    caption = (
        f"{spec.short_title}: each dot is an organisation; boxes show the middle half; "
        "diamonds show England."
    )
    return Figure(path, alt, caption)


@dataclass(frozen=True)
class MetricFigureJob:
    """One figure of a metric page: which (``kind``: ``ranked``, ``distribution``, ``ranks`` or
    ``funnel``), its file, and the arguments of its function before the path."""

    kind: str
    path: Path
    args: tuple[Any, ...]


def metric_figure(job: MetricFigureJob) -> Figure:
    """Draw one metric-page figure (:func:`ranked_chart`, :func:`distribution_chart`,
    :func:`rank_interval_chart` or :func:`funnel_chart`)."""
    draw = {
        "ranked": ranked_chart,
        "distribution": distribution_chart,
        "ranks": rank_interval_chart,
        "funnel": funnel_chart,
    }[job.kind]
    return draw(*job.args, job.path)


def metric_figures(jobs: list[MetricFigureJob], workers: int | None = None) -> list[Figure]:
    """The metric pages' figures, in parallel; one whose data did not change since the last
    run comes from the figure cache (a changed input redraws only the metrics it touches)."""
    return figures._draw_many(metric_figure, jobs, workers)


_FUNNEL_MARKS = {
    "above_998": ("#0072B2", "^"),
    "above_95": ("#56B4E9", "^"),
    "within": ("#7f7f7f", "o"),
    "below_95": ("#E69F00", "v"),
    "below_998": ("#D55E00", "v"),
}
#: funnel band -> (colour, marker, label)
FUNNEL_STYLE: dict[str, tuple[str, str, str]] = {
    k: (*v, FUNNEL_LABEL[k]) for k, v in _FUNNEL_MARKS.items()
}


def funnel_chart(
    year: pd.DataFrame,
    limits: pd.DataFrame,
    spec: MetricSpec,
    period: str,
    info: dict,
    path: Path,
) -> Figure:
    """Funnel plot: each organisation's value against its denominator, with 95% and 99.8%
    limits around the England value, widened for overdispersion when it is present."""
    d = year[(year.funnel_band != "") & year.value.notna()]
    dsr = info.get("method") == "phe_dsr"
    # a DSR is placed at its population equivalent (events / rate), as PHE's funnel does
    d = d.assign(x=spec.multiplier * d.numerator / d.value if dsr else d.denominator)
    lim = limits.sort_values("number_seq")
    adjusted = bool(info["overdispersion_adjusted"])
    cols = ("ll95", "ul95", "ll998", "ul998")
    lo95, hi95, lo998, hi998 = (f"od{c}" for c in cols) if adjusted else cols
    fig = _new_figure(8, 4.4, layout="constrained")
    ax = fig.subplots()
    x = lim.number_seq
    ax.plot(x, lim[lo95], color="#444444", lw=1, ls="--", label="95% limits")
    ax.plot(x, lim[hi95], color="#444444", lw=1, ls="--")
    ax.plot(x, lim[lo998], color="#000000", lw=1.2, ls="-", label="99.8% limits")
    ax.plot(x, lim[hi998], color="#000000", lw=1.2, ls="-")
    england = f"England {fmt(info['target'], spec)}"
    ax.axhline(info["target"], color="#009E73", lw=1, ls=":", label=england)
    for band, (colour, marker, label) in FUNNEL_STYLE.items():
        sub = d[d.funnel_band == band]
        if len(sub):
            ax.scatter(
                sub.x,
                sub.value,
                marker=marker,
                s=22,
                color=colour,
                edgecolor="#222222",
                linewidth=0.3,
                label=f"{label} ({len(sub)})",
                zorder=3,
            )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlim(max(1.0, d.x.min() * 0.8), d.x.max() * 1.25)
    span = d.value.max() - d.value.min()
    ax.set_ylim(d.value.min() - 0.15 * span, d.value.max() + 0.15 * span)
    ax.set_xlabel(
        "Population equivalent: events ÷ rate (log scale)" if dsr else "Denominator (log scale)"
    )
    ax.set_ylabel(f"{spec.short_title} ({spec.unit})")
    kind = "overdispersion-adjusted" if adjusted else "Poisson/binomial"
    ax.set_title(f"{spec.short_title}, {period}: funnel plot with {kind} limits")
    ax.legend(fontsize=7, loc="best", frameon=True)
    _save(fig, path)
    counts = d.funnel_band.value_counts()
    outside = int(counts.get("above_998", 0) + counts.get("below_998", 0))
    alt = (
        f"Funnel plot of {spec.short_title} for {len(d)} organisations in {period}, value against "
        f"denominator, with control limits around England ({fmt(info['target'], spec)}). "
        f"{outside} organisations lie outside the 99.8% limits"
        + (
            f" after widening the limits for overdispersion (phi {info['phi']:.1f})."
            if adjusted
            else "."
        )
    )
    caption = (
        f"{spec.short_title}, {period}. Each point is an organisation; the funnel narrows as the "
        "denominator grows. Solid lines are 99.8% limits, dashed lines 95% limits"
        + (
            ", widened for the real variation between organisations (overdispersion)."
            if adjusted
            else "."
        )
        + " Marker shape and colour show where each organisation falls."
    )
    return Figure(path, alt, caption)


def _rank_bars(
    ax: Axes,
    x: pd.Index,
    rank: pd.Series,
    lo: pd.Series,
    hi: pd.Series,
    mask: np.ndarray,
    marker: str,
    colour: str,
    size: float,
    label: str,
) -> None:
    """Ranks of the organisations in ``mask`` as points (at position x + 1) with their
    intervals as bars, in one colour and marker."""
    ax.errorbar(
        x[mask] + 1,
        rank[mask],
        yerr=np.clip(np.vstack([rank[mask] - lo[mask], hi[mask] - rank[mask]]), 0, None),
        fmt=marker,
        ms=size,
        color=colour,
        ecolor=colour,
        elinewidth=0.8,
        label=label,
    )


def rank_interval_chart(year: pd.DataFrame, spec: MetricSpec, period: str, path: Path) -> Figure:
    """Each organisation's rank with its 95% rank interval (1 = best)."""
    d = year[year.peer_rank.notna()].sort_values(["peer_rank", "org_code"]).reset_index(drop=True)
    rank = d.peer_rank.astype(float)
    lo = d.rank_lower.astype(float)
    hi = d.rank_upper.astype(float)
    top = d.confidently_top_quartile.fillna(False).astype(bool)
    bottom = d.confidently_bottom_quartile.fillna(False).astype(bool)
    fig = _new_figure(8, 4.2, layout="constrained")
    ax = fig.subplots()
    groups = [
        (top, "#0072B2", "^", "Confidently in the top quarter"),
        (bottom, "#D55E00", "v", "Confidently in the bottom quarter"),
        (~top & ~bottom, "#7f7f7f", "o", "Rank uncertain across quarters"),
    ]
    for mask, colour, marker, label in groups:
        if mask.any():
            _rank_bars(ax, d.index, rank, lo, hi, mask.to_numpy(), marker, colour, 3.5,
                       f"{label} ({int(mask.sum())})")  # fmt: skip
    n = len(d)
    for q in (0.25, 0.75):
        ax.axhline(q * n + 0.5, color="#999999", lw=0.8, ls=":")
    ax.invert_yaxis()
    ax.set_xlabel(f"Organisations in rank order, {period}")
    ax.set_ylabel("Rank (1 = best)" if spec.polarity != "no_judgement" else "Rank (1 = highest)")
    ax.set_title(f"{spec.short_title}, {period}: ranks with 95% intervals")
    ax.legend(fontsize=7, loc="best", frameon=True)
    _save(fig, path)
    width = (hi - lo).median() if n else float("nan")
    alt = (
        f"Rank chart of {spec.short_title} for {n} organisations in {period}: each rank with its "
        f"95% interval from simulation. The median interval spans {width:.0f} places; "
        f"{int(top.sum())} organisations are confidently in the top quarter and "
        f"{int(bottom.sum())} confidently in the bottom quarter."
    )
    caption = (
        f"{spec.short_title}, {period}. Points are ranks (1 = best), bars their 95% intervals from "
        f"{N_DRAWS:,} simulations of each value's sampling error. Dotted lines mark the quarters."
    )
    return Figure(path, alt, caption)


#: segment -> (colour, marker): colours at least 3:1 against white (WCAG 1.4.11) and told
#: apart with colour-vision deficiency; the marker shapes and the legend carry the same meaning
SEGMENT_MARKS = {
    1: ("#0072B2", "^"),
    2: ("#009E73", "s"),
    3: ("#B35900", "D"),
    4: ("#882255", "v"),
    5: ("#000000", "X"),
}


def league_chart(d: pd.DataFrame, cohort: str, period: str, path: Path) -> Figure:
    """Caterpillar plot of a cohort's league table: each segmented organisation's league rank
    with its likely range (95%), in league order; the segment by marker shape and colour."""
    d = d[d.segment.notna()].sort_values(["rank", "org_code"]).reset_index(drop=True)
    rank = d["rank"].astype(float)
    lo = d.rank_lower.astype(float)
    hi = d.rank_upper.astype(float)
    seg = d.segment.astype(float).round().astype(int)
    n = len(d)
    fig = _new_figure(8, 4.4, layout="constrained")
    ax = fig.subplots()
    counts = []
    for s, (colour, marker) in SEGMENT_MARKS.items():
        mask = (seg == s).to_numpy()
        if not mask.any():
            continue
        counts.append((s, int(mask.sum())))
        label = f"Segment {s}" + (" (intensive support)" if s == 5 else "")
        _rank_bars(
            ax, d.index, rank, lo, hi, mask, marker, colour, 4, f"{label}: {int(mask.sum())}"
        )
    ax.invert_yaxis()
    ax.set_xlim(0, n + 1)
    ax.set_xlabel(f"Organisations in league order, {period} (1 = top of the table)")
    ax.set_ylabel("League rank (1 = best)")
    ax.set_title(f"{cohort}, {period}: league rank with its likely range (95%)")
    ax.legend(fontsize=8, loc="upper right", frameon=True, title="Marker = segment")
    _save(fig, path)
    width = (hi - lo).astype(float)
    top = int(d.confidently_top_quartile.fillna(False).astype(bool).sum())
    bottom = int(d.confidently_bottom_quartile.fillna(False).astype(bool).sum())
    groups = int(d.indistinguishable_group.nunique())
    parts = ", ".join(f"segment {s}: {c}" for s, c in counts)
    alt = (
        f"Caterpillar plot of the league table of {n} organisations ({cohort}) in {period}: each "
        "organisation's league rank as a point with its likely range (95%) as a bar, in league "
        f"order, marker shape by segment ({parts}). "
        + (
            f"The median likely range spans {width.median():.0f} places and the widest "
            f"{width.max():.0f}; {top} organisations are confidently in the top quartile and "
            f"{bottom} confidently in the bottom quartile; the table splits into {groups} "
            "groups that cannot be told apart."
            if n
            else ""
        )
    )
    caption = (
        f"{cohort}, {period}. Points are league ranks (1 = best), bars their likely ranges from "
        "the simulation; marker shape and colour show the segment. Organisations whose bars "
        "overlap cannot be told apart."
    )
    return Figure(path, alt, caption)
