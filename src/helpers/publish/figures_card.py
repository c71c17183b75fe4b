"""The report cards' charts of one organisation: trend (small multiples by year), spine (where it
stands among its peers) and SPC (monthly XmR charts), each with alt text written from its data.

They are drawn on a canvas kept per process (:class:`helpers.publish.figures._Canvas`): the
figure, its axes and everything that is the same on every card (England's series, titles, axis
labels, tick positions of the periods) are made once, and each card only sets its own data on
artists that already exist (:class:`_TrendCanvas`, :class:`_SpineCanvas`, :class:`_SpcCanvas`).
Every artist a card sets is reset for the next one, so a card's bytes do not depend on which
cards the process drew before it (tested). The same charts laid out for a phone:
:mod:`helpers.publish.figures_phone`.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.axis
import matplotlib.dates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

from helpers.core.words import plural
from helpers.publish import figures
from helpers.publish.figures import (
    COMPARISON_STYLE,
    ENGLAND_COLOUR,
    WIDE,
    CardLayout,
    Figure,
    _autoscale_y,
    _Canvas,
    _canvas,
    _fixed_bins,
    _new_figure,
    _title,
    _write_palette_png,
)
from helpers.publish.text import (
    COMPARISON_LABEL,
    CONTEXT_TEXT,
    fmt,
    lower_first,
)
from helpers.settings import MetricSpec


@dataclass(frozen=True)
class TrendJob:
    org_code: str
    org_name: str
    path: Path
    rows: pd.DataFrame  # this organisation's rows, all metrics
    england: pd.DataFrame
    specs: tuple[MetricSpec, ...]


def _floats(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype=float, na_value=np.nan)


def _specs_key(specs: Sequence[MetricSpec]) -> tuple[str, ...]:
    return tuple(s.model_dump_json() for s in specs)


def _frame_key(d: pd.DataFrame, columns: list[str]) -> str:
    """A digest of the columns' values (what a canvas drew once from a table)."""
    hashed = pd.util.hash_pandas_object(d[columns], index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


@dataclass
class _TrendPanel:
    ax: Axes
    spec: MetricSpec
    x: dict[str, int]  # period -> position
    covers: list[np.ndarray]  # per definition: does it cover the period at each position
    england: np.ndarray  # England's values drawn
    bars: LineCollection  # the 95% intervals
    caps: dict[str, Line2D]  # comparison -> the intervals' caps
    marks: dict[str, Line2D]  # comparison -> the values
    lines: list[Line2D]  # per definition: the values joined


class _TrendCanvas(_Canvas):
    """The small multiples of :func:`trend_chart` for one set of metrics and England's values:
    panels, England's series, series breaks and titles made once, the periods' axes and the
    titles drawn once; a card sets its values, intervals and the legend."""

    def __init__(
        self,
        specs: tuple[MetricSpec, ...],
        england: pd.DataFrame,
        key: Any,
        layout: CardLayout = WIDE,
    ) -> None:
        self.key = key
        self.layout = lo = layout
        n = len(specs)
        cols = min(lo.cols, n) or 1
        rows = int(np.ceil(n / cols))
        height = lo.panel * rows + lo.top + lo.bottom - lo.gap
        self.fig = fig = _new_figure(lo.width, height, lo.dpi)
        axes = fig.subplots(rows, cols, squeeze=False)
        # fixed margins (in inches) instead of constrained layout: the same look, half the time
        fig.subplots_adjust(
            left=lo.left / lo.width,
            right=1 - lo.right / lo.width,
            top=1 - lo.top / height,
            bottom=lo.bottom / height,
            hspace=lo.gap / (lo.panel - lo.gap),
            wspace=0.3,
        )
        self.panels = []
        static: set[Artist] = set()
        for ax, spec in zip(axes.flat, specs, strict=False):
            e = england[england.metric_id == spec.id].sort_values("period")
            periods = sorted(set(e.period))
            x = {p: i for i, p in enumerate(periods)}
            england_values = []
            for d_def in spec.definitions:
                seg = e[e.period.map(d_def.covers)]
                england_values.append(_floats(seg.value))
                ax.plot([x[p] for p in seg.period], england_values[-1], "D--",
                        color=ENGLAND_COLOUR, ms=4, lw=1)  # fmt: skip
            # the card's artists, in the order (and z-order) ax.errorbar and ax.plot made them:
            # intervals and caps, the lines joining the values, the markers on top
            bars = LineCollection([], linewidths=1.2, zorder=2)
            ax.add_collection(bars, autolim=False)
            caps = {
                comp: ax.plot([], [], ls="none", marker="_", ms=6, mew=1.0, color=colour, zorder=2)[
                    0
                ]  # fmt: skip
                for comp, (colour, _marker, _label) in COMPARISON_STYLE.items()
            }
            lines = [ax.plot([], [], "-", color="#333333", lw=0.8)[0] for _ in spec.definitions]
            marks = {
                comp: ax.plot([], [], ls="none", marker=marker, color=colour, ms=6, zorder=2.1)[0]
                for comp, (colour, marker, _label) in COMPARISON_STYLE.items()
            }
            # one line per definition: never join values across a series break
            for d_def in spec.definitions[1:]:
                starts = [x[p] for p in periods if d_def.covers(p)]
                if starts and starts[0] > 0:
                    ax.axvline(starts[0] - 0.5, color="#888888", ls=":", lw=1)
                    ax.text(starts[0] - 0.45, 0.02, "series break",
                            transform=ax.get_xaxis_transform(), fontsize=lo.note,
                            color="#555555")  # fmt: skip
            ax.set_xticks(range(len(periods)))
            ax.set_xticklabels(periods, rotation=45, ha="right", fontsize=lo.small)
            # the limits autoscaling gives the periods (5% margins), fixed: drawn once
            last = max(len(periods) - 1, 0)
            ax.set_xlim((-0.05 * last, 1.05 * last) if last else (-0.5, 0.5))
            static |= {ax.xaxis, ax.set_title(_title(spec.short_title, lo), fontsize=lo.title)}
            ax.set_ylabel(spec.unit)
            _fixed_bins(ax.yaxis)
            covers = [
                np.array([d.covers(p) for p in periods], dtype=bool) for d in spec.definitions
            ]
            self.panels.append(
                _TrendPanel(
                    ax,
                    spec,
                    x,
                    covers,
                    np.concatenate([[], *england_values]),
                    bars,
                    caps,
                    marks,
                    lines,
                )  # fmt: skip
            )
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        self._freeze(static)
        # one legend for every panel (a legend per panel, placed by "best", is slow and crowded);
        # made after the static layer, as its second label names the organisation
        handles = [
            Line2D([], [], color=ENGLAND_COLOUR, marker="D", ls="--", ms=4, lw=1, label="England"),
            Line2D([], [], color="#333333", marker="o", ls="-", ms=5, lw=0.8, label="-"),
        ]
        self.legend = fig.legend(handles=handles, loc="upper right", ncols=lo.legend_cols,
                                 fontsize=lo.small, frameon=False,
                                 bbox_to_anchor=(1 - lo.right / lo.width, 1.0))  # fmt: skip

    def draw(self, job: TrendJob) -> list[str]:
        """Set the card's values on every panel; returns the alt text of each panel."""
        rows = job.rows.sort_values("period", kind="stable")
        at = rows.groupby("metric_id", sort=False).indices
        period = rows.period.to_numpy(dtype=object)
        value, lo, hi = (_floats(rows[c]) for c in ("value", "ci95_lower", "ci95_upper"))
        comparison = rows.comparison.to_numpy(dtype=object)
        none = np.array([], dtype=int)
        alts = []
        for p in self.panels:
            i = at.get(p.spec.id, none)
            i = i[~np.isnan(value[i])]
            xs = np.array([p.x[q] for q in period[i]], dtype=int)
            v, comp = value[i], comparison[i]
            # the interval, clipped at the value (rounding at 0% and 100%), as in _yerr
            low = v - np.clip(v - lo[i], 0, None)
            high = v + np.clip(hi[i] - v, 0, None)
            styled = np.isin(comp, list(COMPARISON_STYLE))
            segs = np.stack([np.stack([xs, low], 1), np.stack([xs, high], 1)], 1)[styled]
            p.bars.set_segments(list(segs))
            p.bars.set_color([COMPARISON_STYLE[c][0] for c in comp[styled]])
            # (an artist with nothing to show is hidden: drawing it costs as much as a full one)
            for c, line in p.caps.items():
                m = comp == c
                line.set_data(np.concatenate([xs[m], xs[m]]), np.concatenate([low[m], high[m]]))
                p.marks[c].set_data(xs[m], v[m])
                line.set_visible(m.any())
                p.marks[c].set_visible(m.any())
            for line, cov in zip(p.lines, p.covers, strict=True):
                m = cov[xs] if len(xs) else np.zeros(0, dtype=bool)
                line.set_data(xs[m], v[m])
                line.set_visible(m.any())
            shown = styled | np.isin(xs, np.flatnonzero(np.any(p.covers, axis=0)))
            _autoscale_y(p.ax, p.england, v[shown], low[styled], high[styled])
            if len(i):
                last = i[-1]
                alts.append(
                    f"{p.spec.short_title}: {fmt(value[last], p.spec)} in {period[last]} "
                    f"({lower_first(COMPARISON_STYLE[comparison[last]][2])})"
                )
            else:
                alts.append(f"{p.spec.short_title}: no value")
        said = f"{job.org_code} (95% interval; marker shape = compared with England)"
        self.legend.texts[1].set_text(
            said if self.layout.legend_cols > 1 else said.replace("; ", ";\n")
        )
        return alts


def trend_chart(job: TrendJob, layout: CardLayout = WIDE) -> Figure:
    """Small multiples: one panel per metric, the organisation's value and 95% interval by year
    against England."""
    key = (_specs_key(job.specs), _frame_key(job.england, ["metric_id", "period", "value"]))
    canvas = _canvas(
        f"trend-{layout.width}", key, lambda: _TrendCanvas(job.specs, job.england, key, layout)
    )
    alts = canvas.draw(job)
    _write_palette_png(canvas.render(), job.path)
    alt = (
        f"Trend charts for {job.org_name}, one panel per metric, with England for comparison. "
        "Latest values: " + "; ".join(alts) + "."
    )
    caption = (
        "Each panel shows the trust's value by year (shape and colour give the comparison with "
        "England by its own 95% confidence interval, the bars: the plain test, chance alone) "
        "and England as a dashed line. Dotted "
        "vertical lines mark a change of definition (series break)."
    )
    return Figure(job.path, alt, caption)


def trend_charts(jobs: list[TrendJob], workers: int | None = None) -> list[Figure]:
    """The report cards' trend charts (:func:`trend_chart`), in parallel."""
    return figures._draw_many(trend_chart, jobs, workers)


@dataclass(frozen=True)
class SpineRow:
    """One metric of a spine chart: the organisation's value, England's, and the spread of its
    peers (minimum, quartiles, maximum) in the same year."""

    label: str
    value: float
    england: float
    low: float
    q1: float
    q3: float
    high: float
    better: str  # "higher", "lower" or "" (no judgement)
    comparison: str
    value_text: str


@dataclass(frozen=True)
class SpineJob:
    org_code: str
    org_name: str
    path: Path
    rows: tuple[SpineRow, ...]
    units: str
    judged_by: str = ""  # the test behind the markers' comparison, in words


#: a context metric on the spine chart (no better or worse, e.g. deprivation): drawn apart, at
#: the top above a dashed line, with a neutral marker, never on the worse-better axis
CONTEXT_NOTE = CONTEXT_TEXT
CONTEXT_STYLE = ("#555555", "D", "Context, not judged (higher to the right)")


def _is_context(r: SpineRow) -> bool:
    return not r.better


def _spine_x(v: np.ndarray, r: SpineRow) -> np.ndarray:
    """Fingertips scaling: England at 0, the peer furthest from England at -1 or 1; flipped
    when lower is better, so that better is always to the right."""
    half = max(abs(r.england - r.low), abs(r.high - r.england)) or 1.0
    x = (np.asarray(v, dtype=float) - r.england) / half
    return -x if r.better == "lower" else x


def _fit_text(t: Text, text: str, right: float, size: float = 0, smallest: float = 0) -> None:
    """Set ``text`` on ``t`` (at ``size`` points, if given), smaller down to ``smallest`` points,
    then broken over lines, where it would run past ``right`` (pixels from the figure's left
    edge): before a bracket (a value's year) first, then between words."""
    t.set_text(text)
    if size:
        t.set_fontsize(size)
    renderer = t.figure.canvas.get_renderer()  # type: ignore[union-attr]
    while smallest and t.get_fontsize() > smallest and t.get_window_extent(renderer).x1 > right:
        t.set_fontsize(t.get_fontsize() - 0.5)
    if t.get_window_extent(renderer).x1 <= right:
        return
    head, sep, tail = text.rpartition(" (")
    if sep:
        t.set_text(f"{head}\n({tail}")
        if t.get_window_extent(renderer).x1 <= right:
            return
    for width in range(len(text) - 1, 8, -1):
        t.set_text("\n".join(textwrap.wrap(text, width)))
        if t.get_window_extent(renderer).x1 <= right:
            return


class _SpineCanvas(_Canvas):
    """The spine chart of :func:`spine_chart` for a list of metrics (their labels): axes, centre
    line, bands, markers and value labels made once, the axes and the labels drawn once; a card
    sets the places, the values' texts, the title and the legend."""

    def __init__(self, labels: tuple[str, ...], key: Any, n_context: int = 0) -> None:
        self.key = key
        n = len(labels)
        height = 1.3 + 0.42 * n
        self.fig = fig = _new_figure(10, height)
        self.ax = ax = fig.subplots()
        fig.subplots_adjust(left=0.40, right=0.84, top=1 - 0.35 / height, bottom=0.95 / height)
        self.ys = ys = np.arange(n - 1, -1, -1)  # the first row at the top
        self.range = ax.barh(ys, np.zeros(n), height=0.6, color="#d9d9d9", zorder=1).patches
        self.middle = ax.barh(ys, np.zeros(n), height=0.6, color="#8c8c8c", zorder=2).patches
        self.marks = {
            comp: ax.plot(
                [], [], ls="none", marker=marker, color=colour, ms=9, mec="black", mew=0.6, zorder=4
            )[0]  # fmt: skip
            for comp, (colour, marker, _label) in COMPARISON_STYLE.items()
        }
        self.texts = [
            ax.text(
                1.08, y, "", va="center", ha="left", fontsize=9, transform=ax.get_yaxis_transform()
            )  # fmt: skip
            for y in ys
        ]
        colour, marker, _label = CONTEXT_STYLE
        self.context = ax.plot(
            [], [], ls="none", marker=marker, color=colour, ms=8, mec="black", mew=0.6, zorder=4
        )[0]
        if n_context and n_context < n:  # the context rows (at the top) apart from the judged
            ax.axhline(n - n_context - 0.5, color="#555555", lw=0.8, ls="--", zorder=3)
        ax.axvline(0, color=ENGLAND_COLOUR, lw=1.5, zorder=3)
        ax.set_yticks(range(n), list(reversed(labels)))
        ax.set_xlim(-1.08, 1.08)
        ax.set_xticks([-1, 0, 1], ["worse", "England", "better"])
        ax.grid(False)
        ax.set_ylim(ax.get_ylim())  # as autoscaled to the bands, fixed: the labels drawn once
        # the title across the whole figure (over the metric labels too), so that a long name fits
        self.title = fig.text(0.01, 1 - 0.08 / height, "", ha="left", va="top", fontsize=11)
        self._freeze({ax.xaxis, ax.yaxis})

    title_size = 11

    def _title_text(self, job: SpineJob) -> str:
        return f"{job.org_name}: where it stands among {job.units}"

    def _legend(self, handles: list[Line2D]) -> Legend:
        # four kinds of marker (a context metric among them) need the whole width
        anchor = 0.62 if len(handles) <= 3 else 0.5
        return self.fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                               frameon=False, bbox_to_anchor=(anchor, 0.0))  # fmt: skip

    def draw(self, job: SpineJob) -> None:
        rows = job.rows
        placed: dict[str, tuple[list[float], list[float]]] = {c: ([], []) for c in self.marks}
        # what the image can hold: texts that would run past its right edge are broken
        right = self.fig.bbox.width - 4
        for i, r in enumerate(rows):
            y = self.ys[i]
            lo, q1, q3, hi = sorted(_spine_x(np.array([r.low, r.q1, r.q3, r.high]), r))
            self.range[i].set_x(lo)
            self.range[i].set_width(hi - lo)
            self.middle[i].set_x(q1)
            self.middle[i].set_width(q3 - q1)
            comp = r.comparison if r.comparison in COMPARISON_STYLE else "similar"
            comp = "context" if _is_context(r) else comp
            placed.setdefault(comp, ([], []))[0].append(float(_spine_x(np.array([r.value]), r)[0]))
            placed[comp][1].append(y)
            _fit_text(self.texts[i], r.value_text, right)
        for comp, line in self.marks.items():
            line.set_data(*placed[comp])
        self.context.set_data(*placed.get("context", ([], [])))
        _fit_text(self.title, self._title_text(job), right, size=self.title_size, smallest=9)
        judged = {r.comparison for r in rows if not _is_context(r)}
        shown = tuple(k for k in COMPARISON_STYLE if k in judged)
        shown += ("context",) if "context" in placed else ()

        def legend() -> Legend | None:
            handles = [
                Line2D([], [], ls="", marker=m, color=c, mec="black", label=lab)
                for c, m, lab in (
                    CONTEXT_STYLE if k == "context" else COMPARISON_STYLE[k] for k in shown
                )
            ]
            return self._legend(handles) if handles else None

        self._show_legend(shown, legend)


def spine_chart(
    job: SpineJob, make: Callable[[Any, Any, int], _SpineCanvas] = _SpineCanvas
) -> Figure:
    """Fingertips-style spine chart: one row per metric, England on the centre line, the peers'
    range (light band) and middle half (dark band), the organisation's value as a marker whose
    colour and shape give its comparison with England; better is to the right."""
    # context metrics (no better or worse) first, in a section of their own at the top
    rows = tuple(sorted(job.rows, key=lambda r: not _is_context(r)))
    context = [r.label for r in rows if _is_context(r)]
    key = tuple(f"{r.label}\n({CONTEXT_NOTE})" if _is_context(r) else r.label for r in rows)
    canvas = _canvas(f"spine-{make.__name__}", key, lambda: make(key, key, len(context)))
    canvas.draw(replace(job, rows=rows))
    _write_palette_png(canvas.render(), job.path)
    counts = {
        k: [r.label for r in rows if r.comparison == k and not _is_context(r)]
        for k in COMPARISON_STYLE
    }
    said = [
        f"{lower_first(COMPARISON_LABEL[k])} on {len(v)} ({', '.join(v)})"
        for k, v in counts.items()
        if v
    ]
    apart = (
        f" {', '.join(context)}: {CONTEXT_NOTE}, drawn apart at the top with a neutral marker "
        "and higher to the right."
        if context
        else ""
    )
    alt = (
        f"Spine chart of {len(rows)} metrics for {job.org_name}, latest year of each. Each row "
        f"has England on the centre line, the range of {job.units} as a light band and the "
        "middle half of them as a dark band, scaled so that better is to the right; the "
        f"marker is {job.org_name}: "
        + "; ".join(said)
        + "."
        + (f" Compared with England {job.judged_by}." if job.judged_by else "")
        + apart
    )
    caption = (
        f"Where {job.org_name} stands among {job.units} (latest year of each metric; better "
        "to the right"
        + (
            f"; {', '.join(context)} at the top: {CONTEXT_NOTE}, higher to the right"
            if context
            else ""
        )
        + "). The shape and colour of the marker give the comparison with England"
        + (f", {job.judged_by}" if job.judged_by else "")
        + "."
    )
    return Figure(job.path, alt, caption)


def spine_charts(jobs: list[SpineJob], workers: int | None = None) -> list[Figure]:
    """The report cards' spine charts (:func:`spine_chart`), in parallel."""
    return figures._draw_many(spine_chart, jobs, workers)


#: Making Data Count point types -> (colour, marker, label): blue improvement, orange concern,
#: purple for a neutral metric's special cause, grey common cause; shapes say the same
SPC_STYLE: dict[str, tuple[str, str, str]] = {
    "common_cause": ("#7f7f7f", "o", "Common cause"),
    "special_cause_improvement": ("#0072B2", "^", "Special cause: improvement"),
    "special_cause_concern": ("#D55E00", "v", "Special cause: concern"),
    "special_cause_neutral_high": ("#7a3e9d", "^", "Special cause: high"),
    "special_cause_neutral_low": ("#7a3e9d", "v", "Special cause: low"),
}


@dataclass(frozen=True)
class SpcPanel:
    label: str
    points: pd.DataFrame  # month, value, mean, lpl, upl, point_type, target
    spec: MetricSpec


@dataclass(frozen=True)
class SpcJob:
    org_code: str
    org_name: str
    path: Path
    panels: tuple[SpcPanel, ...]


def _month(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%b %Y")


@dataclass
class _SpcAxes:
    ax: Axes
    value: Line2D
    mean: Line2D
    lpl: Line2D
    upl: Line2D
    goal: Line2D
    points: dict[str, Line2D]  # point type -> its markers


#: the SPC charts' desktop layout (the phone's: :mod:`helpers.publish.figures_phone`)
SPC_WIDE = CardLayout(cols=1, panel=2.75, gap=1.1, left=0.8, right=0.4, top=0.4, legend_cols=3)


class _SpcCanvas(_Canvas):
    """The XmR charts of :func:`spc_chart` for a list of panels (title, unit, first and last
    month): axes, lines and titles made once, the months' axes and the titles drawn once; a card
    sets the values, mean, limits, goal, special causes and the legend."""

    def __init__(
        self,
        panels: Sequence[tuple[str, str, float, float]],
        key: Any,
        layout: CardLayout = SPC_WIDE,
    ) -> None:
        self.key = key
        self.layout = lo = layout
        n = len(panels)
        height = lo.top + lo.bottom + lo.panel * n - lo.gap
        self.fig = fig = _new_figure(lo.width, height, lo.dpi)
        axes = fig.subplots(n, 1, squeeze=False)
        fig.subplots_adjust(left=lo.left / lo.width, right=1 - lo.right / lo.width,
                            top=1 - lo.top / height, bottom=lo.bottom / height,
                            hspace=lo.gap / (lo.panel - lo.gap))  # fmt: skip
        self.panels = []
        static: set[Artist] = set()
        for ax, (label, unit, first, last) in zip(axes.flat, panels, strict=True):
            self.panels.append(
                _SpcAxes(
                    ax,
                    ax.plot([], [], "-", color="#444444", lw=1, zorder=2)[0],
                    ax.plot([], [], "-", color="#000000", lw=1.2)[0],
                    ax.plot([], [], "--", color="#555555", lw=1)[0],
                    ax.plot([], [], "--", color="#555555", lw=1)[0],
                    # the goal steps at the April its year starts, drawn in its years only
                    ax.plot([], [], ":", color="#009E73", lw=1.5, drawstyle="steps-post")[0],
                    {
                        kind: ax.plot(
                            [],
                            [],
                            ls="",
                            marker=marker,
                            color=colour,
                            ms=5,
                            mec="black",
                            mew=0.4,
                            zorder=3,
                        )[0]  # fmt: skip
                        for kind, (colour, marker, _label) in SPC_STYLE.items()
                    },
                )
            )
            # months as matplotlib dates (days since the epoch), ticked in April and October
            ax.xaxis.set_major_locator(matplotlib.dates.MonthLocator(bymonth=lo.months))
            ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%b %Y"))
            if lo.ticks:
                ax.tick_params(labelsize=lo.ticks)
            # the limits autoscaling gives the months (5% margins), fixed: drawn once
            margin = 0.05 * (last - first) or 1.0
            ax.set_xlim(first - margin, last + margin)
            static |= {ax.xaxis, ax.set_title(_title(label, lo), loc="left", fontsize=lo.title)}
            ax.set_ylabel(unit)
            _fixed_bins(ax.yaxis)
        self._freeze(static)

    def draw(self, series: list[_SpcSeries]) -> set[str]:
        """Set the card's series on every panel; returns the kinds of point (and ``"goal"``)
        drawn."""
        seen = set()
        for p, d in zip(self.panels, series, strict=True):
            p.value.set_data(d.x, d.value)
            p.mean.set_data(d.x, d.mean)
            p.lpl.set_data(d.x, d.lpl)
            p.upl.set_data(d.x, d.upl)
            goal = np.isfinite(d.target).any()
            p.goal.set_data(d.x if goal else [], d.target if goal else [])
            p.goal.set_visible(goal)
            if goal:
                seen.add("goal")
            for kind, line in p.points.items():
                m = d.kinds == kind
                line.set_data(d.x[m], d.value[m])
                line.set_visible(m.any())
                if m.any():
                    seen.add(kind)
            _autoscale_y(p.ax, d.value, d.mean, d.lpl, d.upl, d.target)
        shown = tuple(k for k in [*SPC_STYLE, "goal"] if k in seen)

        def legend() -> Legend:
            handles = [
                Line2D(
                    [],
                    [],
                    ls="",
                    marker=SPC_STYLE[k][1],
                    color=SPC_STYLE[k][0],
                    mec="black",
                    label=SPC_STYLE[k][2],
                )  # fmt: skip
                for k in SPC_STYLE
                if k in seen
            ] + [
                Line2D([], [], color="#000000", label="Mean"),
                Line2D([], [], color="#555555", ls="--", label="Process limits"),
                *(
                    [Line2D([], [], color="#009E73", ls=":", label="Goal")]
                    if "goal" in seen
                    else []
                ),
            ]
            lo = self.layout
            return self.fig.legend(handles=handles, loc="lower center", ncols=lo.legend_cols,
                                   fontsize=lo.small, frameon=False)  # fmt: skip

        self._show_legend(shown, legend)
        return seen


@dataclass(frozen=True)
class _SpcSeries:
    """A panel's months (as matplotlib dates), in order, with their values."""

    months: np.ndarray  # datetime64
    x: np.ndarray
    value: np.ndarray
    mean: np.ndarray
    lpl: np.ndarray
    upl: np.ndarray
    target: np.ndarray
    kinds: np.ndarray  # point types

    @classmethod
    def of(cls, points: pd.DataFrame) -> _SpcSeries:
        months = pd.to_datetime(points.month).to_numpy()
        order = np.argsort(months, kind="stable")
        cols = (_floats(points[c])[order] for c in ("value", "mean", "lpl", "upl", "target"))
        return cls(months[order], matplotlib.dates.date2num(months[order]), *cols,
                   points.point_type.to_numpy(dtype=object)[order])  # fmt: skip

    def alt(self, panel: SpcPanel) -> str:
        spec = panel.spec
        kind = self.kinds[-1]
        latest_kind = SPC_STYLE.get(str(kind), SPC_STYLE["common_cause"])[2]
        return (
            f"{panel.label}: {len(self.x)} months from {_month(self.months[0])} to "
            f"{_month(self.months[-1])}, mean {fmt(float(self.mean[-1]), spec)}, process "
            f"limits {fmt(float(self.lpl[-1]), spec)} to {fmt(float(self.upl[-1]), spec)}; "
            f"latest {fmt(float(self.value[-1]), spec)} ({lower_first(latest_kind)}); "
            f"{plural(int((self.kinds != 'common_cause').sum()), 'month')} of special cause"
        )


def spc_chart(job: SpcJob, layout: CardLayout | None = None) -> Figure:
    """Making Data Count XmR charts of the key metrics, one panel each: monthly values, the
    mean and the process limits; special-cause points by colour and shape."""
    layout = layout or SPC_WIDE
    series = [_SpcSeries.of(p.points) for p in job.panels]
    key = tuple(
        (p.label, p.spec.unit, d.x[0], d.x[-1]) for p, d in zip(job.panels, series, strict=True)
    )
    canvas = _canvas(f"spc-{layout.width}", key, lambda: _SpcCanvas(key, key, layout))
    canvas.draw(series)
    _write_palette_png(canvas.render(), job.path)
    alts = [d.alt(p) for p, d in zip(job.panels, series, strict=True)]
    alt = (
        f"Statistical process control (XmR) charts for {job.org_name}, one per key metric. "
        + "; ".join(alts)
        + "."
    )
    caption = (
        "Monthly values on XmR charts (Making Data Count): the solid line is the mean, the "
        "dashed lines the process limits; points outside them, or in runs, are special cause, "
        "marked by shape and colour (▲ improvement, ▼ concern)."
    )
    return Figure(job.path, alt, caption)


def spc_charts(jobs: list[SpcJob], workers: int | None = None) -> list[Figure]:
    """The report cards' SPC charts (:func:`spc_chart`), in parallel."""
    return figures._draw_many(spc_chart, jobs, workers)
