"""Seaborn figures for the site. Every figure comes with alt text written from its data.

Colour is never the only cue: comparison groups also differ in marker shape, and every chart has
a table beside it on its page.

The report cards' charts (trend, spine, SPC: three per organisation, hundreds per assessment)
are drawn on a canvas kept per process: the figure, its axes and everything that is the same on
every card (England's series, titles, axis labels, tick positions of the periods) are made once,
and each card only sets its own data on artists that already exist (:class:`_TrendCanvas`,
:class:`_SpineCanvas`, :class:`_SpcCanvas`). Every artist a card sets is reset for the next one,
so a card's bytes do not depend on which cards the process drew before it (tested).
"""

from __future__ import annotations

import hashlib
import os
import textwrap
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.axis  # noqa: E402
import matplotlib.dates  # noqa: E402
import matplotlib.pyplot as plt
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from helpers.compare.ranks import N_DRAWS  # noqa: E402
from helpers.core.words import plural  # noqa: E402
from helpers.publish.figure_cache import cached_draw  # noqa: E402
from helpers.publish.text import (  # noqa: E402
    COMPARISON_LABEL,
    CONTEXT_TEXT,
    FUNNEL_LABEL,
    fmt,
    lower_first,
)
from helpers.settings import MetricSpec  # noqa: E402

# Okabe-Ito, distinguishable with colour-vision deficiency; shapes carry the same meaning.
_COMPARISON_MARKS = {
    "better": ("#0072B2", "^"),
    "similar": ("#7f7f7f", "o"),
    "worse": ("#D55E00", "v"),
    "higher": ("#56B4E9", "^"),
    "lower": ("#CC79A7", "v"),
    "not_compared": ("#bbbbbb", "x"),
}
#: comparison -> (colour, marker, label)
COMPARISON_STYLE: dict[str, tuple[str, str, str]] = {
    k: (*v, COMPARISON_LABEL[k]) for k, v in _COMPARISON_MARKS.items()
}
ENGLAND_COLOUR = "#000000"
DPI = 110
plt.rcParams.update(
    {
        "svg.hashsalt": "annual-assessment",
        "font.size": 10,
        "axes.titlesize": 11,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
    }
)
sns.set_theme(style="whitegrid", rc={"axes.edgecolor": "#444444"})
# Titles at a fixed height (the axes' top plus the pad) instead of placed at every draw above
# whatever the axes has at its top (tight bounding boxes of every tick label: the costliest step
# of a draw). No chart here has ticks or labels at the top of an axes, so the place is the same.
plt.rcParams.update({"axes.titley": 1.0, "axes.titlepad": 6.0})

#: how many processes draw the report cards' charts (:func:`_draw_many`); the pipeline may run
#: two assessments at once, so that they do not oversubscribe the machine
WORKERS_ENV = "ASSESS_FIGURE_WORKERS"


@dataclass(frozen=True)
class Figure:
    path: Path
    alt: str
    caption: str
    #: the same chart laid out for a phone (:mod:`helpers.publish.figures_phone`), if drawn
    phone: Path | None = None


def _yerr(d: pd.DataFrame) -> np.ndarray:
    """Error-bar lengths from the 95% limits (clipped at 0 for rounding at 0% and 100%)."""
    return np.clip(np.vstack([d.value - d.ci95_lower, d.ci95_upper - d.value]), 0, None)


def _new_figure(width: float, height: float, dpi: float = DPI, **kwargs: Any) -> MplFigure:
    """A figure outside pyplot (no figure manager, nothing to close, never shown by a notebook's
    inline backend) on an Agg canvas."""
    fig = MplFigure(figsize=(width, height), dpi=dpi, **kwargs)
    FigureCanvasAgg(fig)
    return fig


#: zlib level of the report cards' PNGs: 3 compresses twice as fast as the default (6) for a fifth
#: more bytes (a trend chart: 9 ms and 136 KiB against 19 ms and 112 KiB; median cut at level 6
#: made 169 KiB)
PNG_COMPRESS_LEVEL = 3


def _save(fig: MplFigure, path: Path) -> None:
    """Save as PNG without a timestamp or version (byte-identical reruns)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})


def _write_palette_png(canvas: FigureCanvasAgg, path: Path) -> None:
    """The canvas's pixels as a 256-colour PNG, without a timestamp or version: indistinguishable
    for these line charts and about a third of the bytes (used for the large report-card
    charts, one per organisation). Quantised by fast octree, an order of magnitude quicker than
    median cut and smaller files; the background's palette entry is then set to the exact
    background colour, which the octree's averaging leaves a shade off. Compressed at
    :data:`PNG_COMPRESS_LEVEL`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    im = rgba.convert("RGB")
    q = im.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    entry = q.getpixel((0, 0))
    assert isinstance(entry, int)
    colours = q.getpalette() or []
    colours[3 * entry : 3 * entry + 3] = im.getpixel((0, 0))
    q.putpalette(colours)
    q.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


class _Canvas:
    """A report-card figure drawn in two layers. What is the same on every card (``static``:
    axes' backgrounds, the axes given, titles) is drawn once into a background, kept as pixels;
    every other artist is animated (left out of that draw) and drawn on a copy of the
    background for each card, in the order a full draw would draw it (by z-order, then the
    order added: the figure's own texts and legends after the axes). A card must therefore not
    change anything static: the canvas's key names all that it depends on."""

    key: Any
    fig: MplFigure

    def _freeze(self, static: set[Artist]) -> None:
        canvas = self.fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        self._canvas = canvas
        self._layers: list[tuple[Axes, list[Artist]]] = []
        for ax in self.fig.axes:
            if not ax.get_visible():
                continue
            dynamic = [a for a in ax.get_children() if a is not ax.patch and a not in static]
            for a in dynamic:
                a.set_animated(True)
            self._layers.append((ax, dynamic))
        self._legends: dict[Any, Legend | None] = {}
        self._figure_texts = [t for t in self.fig.texts if t not in static]
        for t in self._figure_texts:
            t.set_animated(True)
        canvas.draw()
        self._background = canvas.copy_from_bbox(self.fig.bbox)

    def _show_legend(self, key: Any, make: Callable[[], Legend | None]) -> None:
        """Show the figure legend of ``key`` (made once, by ``make``: legends differ only by the
        kinds of mark a card has) and no other."""
        if key not in self._legends:
            self._legends[key] = make()
        legend = self._legends[key]
        self.fig.legends[:] = [legend] if legend is not None else []

    def render(self) -> FigureCanvasAgg:
        """The card: the background and, over it, every animated artist as it now is."""
        canvas = self._canvas
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for ax, dynamic in self._layers:
            _ = ax.viewLim  # apply any pending autoscaling, as a full draw does first
            for a in sorted(dynamic, key=Artist.get_zorder):
                a.draw(renderer)
        for a in sorted([*self._figure_texts, *self.fig.legends], key=Artist.get_zorder):
            a.draw(renderer)
        return canvas


#: the report cards' canvases of this process: kind -> key -> canvas, the latest used last
_CANVASES: dict[str, dict[Any, _Canvas]] = {}
#: canvases kept of each kind (a trend chart's canvas holds two copies of 11 MB of pixels)
_CANVASES_KEPT = 2


def _canvas(kind: str, key: Any, make: Callable[[], _Canvas]) -> Any:
    """This process's canvas of a kind for ``key`` (all that it draws once): one kept, or a new
    one, kept in place of the least recently used."""
    held = _CANVASES.setdefault(kind, {})
    canvas = held.pop(key, None)
    if canvas is None:
        canvas = make()
        while len(held) >= _CANVASES_KEPT:
            del held[next(iter(held))]
    held[key] = canvas
    return canvas


def _fixed_bins(axis: matplotlib.axis.Axis) -> None:
    """The default (auto) locator's ticks, with its number of intervals worked out once: it
    depends only on the axes' size and the tick labels' font, which a canvas does not change,
    and is otherwise measured again at every draw."""
    nbins = int(np.clip(axis.get_tick_space(), 1, 9))
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))


def _autoscale_y(ax: Axes, *values: np.ndarray) -> None:
    """Set the y limits autoscaling would give lines holding these values (their range, made
    non-singular by the locator, widened by the axes' margin) without walking every artist."""
    v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in values])
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (-np.inf, np.inf)
    locator = ax.yaxis.get_major_locator()
    lo, hi = locator.nonsingular(lo, hi)
    delta = (hi - lo) * ax.margins()[1]
    ax.set_ylim(locator.view_limits(lo - delta, hi + delta))


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
class CardLayout:
    """The size, margins (inches) and type sizes (points) of a report card's trend and SPC charts:
    :data:`WIDE` for a desktop column; the phone layout (:mod:`helpers.publish.figures_phone`) is
    narrower, one panel per row, with larger type for its width."""

    width: float = 8.0
    dpi: float = DPI
    cols: int = 2  # trend panels per row
    panel: float = 2.6  # a row of panels: the axes and the gap below them
    gap: float = 0.95  # between rows of panels (tick labels, the next panel's title)
    left: float = 0.72
    right: float = 0.12
    top: float = 0.45
    bottom: float = 0.75
    small: float = 8  # period ticks and legends
    note: float = 7  # the series-break note
    title: float = 10  # panel titles
    wrap: int = 0  # panel titles wrapped at this many characters (0: never)
    legend_cols: int = 2
    months: tuple[int, ...] = (4, 10)  # the SPC charts' month ticks
    ticks: float = 0  # the SPC charts' tick labels (0: the theme's)


WIDE = CardLayout()


def _title(text: str, layout: CardLayout) -> str:
    return "\n".join(textwrap.wrap(text, layout.wrap)) if layout.wrap else text


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


def figure_workers() -> int:
    """The processes that draw the report cards' charts: ``$ASSESS_FIGURE_WORKERS`` when set
    (1 draws in this process), else up to 4, one per core."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if not env:
        return min(4, os.cpu_count() or 1)
    try:
        workers = int(env)
    except ValueError:
        workers = 0
    if workers < 1:
        raise ValueError(f"{WORKERS_ENV}={env!r}: give a whole number of processes, 1 or more")
    return workers


def _draw_many(draw: Callable[[Any], Figure], jobs: list, workers: int | None) -> list[Figure]:
    """Draw many report-card charts in parallel processes (one kernel, many pages); a chart
    whose data did not change since the last run is copied from the figure cache
    (:mod:`helpers.publish.figure_cache`) instead."""
    workers = workers or figure_workers()

    def draw_all(todo: list) -> list[Figure]:
        if workers <= 1 or len(todo) < 8:
            return [draw(j) for j in todo]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(draw, todo, chunksize=8))

    return cached_draw(draw, jobs, draw_all, figure=Figure)


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
    return _draw_many(metric_figure, jobs, workers)


def trend_charts(jobs: list[TrendJob], workers: int | None = None) -> list[Figure]:
    """The report cards' trend charts (:func:`trend_chart`), in parallel."""
    return _draw_many(trend_chart, jobs, workers)


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
    return _draw_many(spine_chart, jobs, workers)


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
    return _draw_many(spc_chart, jobs, workers)


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
